//! Where a run keeps its files. Every path a run writes is decided here, once, so that a
//! variant of the run (a shard of it, say) changes one value instead of hunting for joins.

use std::path::{Path, PathBuf};

use super::RunSettings;

/// The files and folders of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPaths {
    /// Briefs, the index and the manifest go here.
    pub out: PathBuf,
    /// The translation cache folder (default `<out>/.cache`).
    pub cache_dir: PathBuf,
    /// The run lock: held for the whole run so that two runs never share an output folder.
    pub lock: PathBuf,
    /// The run manifest (`run.json`).
    pub manifest: PathBuf,
    /// Prefix of the cache file name; the model/settings fingerprint completes it.
    pub cache_stem: String,
}

impl RunPaths {
    /// The default layout for `settings`.
    pub fn of(settings: &RunSettings) -> Self {
        Self::new(settings.out.clone(), settings.cache_dir.clone())
    }

    /// The default layout for an output folder and an optional cache folder.
    pub fn new(out: PathBuf, cache_dir: Option<PathBuf>) -> Self {
        Self {
            cache_dir: cache_dir.unwrap_or_else(|| out.join(".cache")),
            lock: out.join(".nashra.lock"),
            manifest: out.join("run.json"),
            cache_stem: "translations".into(),
            out,
        }
    }

    /// The cache file for translations made with one model and one set of decoding settings.
    pub fn cache_file(&self, fingerprint: &str) -> PathBuf {
        self.cache_dir
            .join(format!("{}-{fingerprint}.jsonl", self.cache_stem))
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
