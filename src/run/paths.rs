//! Where a run keeps its files. Every path a run writes is decided here, once, so that a
//! variant of the run (a shard of it, say) changes one value instead of hunting for joins.

use std::path::{Path, PathBuf};

use super::settings::RunSettings;
use super::shard::{Shard, ShardAssignment};

/// The output folder's lock file (see [`RunPaths::folder_lock`]).
const FOLDER_LOCK: &str = ".nashra.lock";

/// The run manifest of the whole run in `out` (a one-process run's, or the shards' merged).
pub fn run_manifest(out: &Path) -> PathBuf {
    out.join("run.json")
}

/// The folder holding the shard manifests of `out`.
pub fn shards_dir(out: &Path) -> PathBuf {
    out.join("shards")
}

/// The manifest path of `shard` in `out`: `<out>/shards/I-of-N.json`.
pub fn shard_manifest(out: &Path, shard: Shard) -> PathBuf {
    shards_dir(out).join(format!("{}.json", shard.file_stem()))
}

/// The files and folders of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPaths {
    /// Briefs, the index and the manifest go here.
    pub out: PathBuf,
    /// The translation cache folder (default `<out>/.cache`).
    pub cache_dir: PathBuf,
    /// The run lock: held for the whole run so that two runs never share an output folder.
    /// A shard's own lock; the shards of a run then hold [`RunPaths::folder_lock`] shared.
    pub lock: PathBuf,
    /// The run manifest (`run.json`).
    pub manifest: PathBuf,
    /// Prefix of the cache file name; the model/settings fingerprint completes it.
    pub cache_stem: String,
    /// The shard this run is (`None`: the whole run); its files are its own.
    pub shard: Option<Shard>,
}

impl RunPaths {
    /// The default layout for `settings`.
    pub fn of(settings: &RunSettings) -> Self {
        Self::new(settings.out.clone(), settings.cache_dir.clone())
            .sharded(settings.shard.as_ref().map(ShardAssignment::shard))
    }

    /// The default layout for an output folder and an optional cache folder.
    pub fn new(out: PathBuf, cache_dir: Option<PathBuf>) -> Self {
        Self {
            cache_dir: cache_dir.unwrap_or_else(|| out.join(".cache")),
            lock: out.join(FOLDER_LOCK),
            manifest: run_manifest(&out),
            cache_stem: "translations".into(),
            shard: None,
            out,
        }
    }

    /// The layout of one shard of a run: the shard takes its own lock and writes its own
    /// manifest (`<out>/shards/I-of-N.json`) and cache file, so that shards running side by
    /// side share the output folder without sharing a file.
    pub fn sharded(mut self, shard: Option<Shard>) -> Self {
        if let Some(s) = shard {
            let dir = shards_dir(&self.out);
            self.lock = dir.join(format!(".{}.lock", s.file_stem()));
            self.manifest = shard_manifest(&self.out, s);
        }
        self.shard = shard;
        self
    }

    /// The cache file for translations made with one model and one set of decoding settings.
    pub fn cache_file(&self, fingerprint: &str) -> PathBuf {
        self.member_file(&self.cache_family(fingerprint))
    }

    /// The name shared by every cache file of one fingerprint (the whole run's and each
    /// shard's): a run reads them all and appends to its own.
    pub fn cache_family(&self, fingerprint: &str) -> String {
        format!("{}-{fingerprint}", self.cache_stem)
    }

    /// The cache file for abstractive summaries made with one summariser and one set of
    /// settings, beside the translations' (see [`RunPaths::cache_file`]).
    pub fn summary_cache_file(&self, fingerprint: &str) -> PathBuf {
        self.member_file(&self.summary_cache_family(fingerprint))
    }

    /// [`RunPaths::cache_family`] for abstractive summaries.
    pub fn summary_cache_family(&self, fingerprint: &str) -> String {
        format!("summaries-{fingerprint}")
    }

    /// This process's file of a cache family: a shard appends to its own.
    fn member_file(&self, family: &str) -> PathBuf {
        match self.shard {
            Some(s) => self
                .cache_dir
                .join(format!("{family}.{}.jsonl", s.file_stem())),
            None => self.cache_dir.join(format!("{family}.jsonl")),
        }
    }

    /// The output folder's lock: a whole run holds it alone, the shards of a run together.
    pub fn folder_lock(&self) -> PathBuf {
        self.out.join(FOLDER_LOCK)
    }

    /// The file a brief or index file named `name` is written to.
    pub fn output(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }

    /// Folders that must never be read as input, wherever they sit: the run's own outputs
    /// and its cache.
    pub fn never_inputs(&self) -> Vec<&Path> {
        vec![self.out.as_path(), self.cache_dir.as_path()]
    }
}
