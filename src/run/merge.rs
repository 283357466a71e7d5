//! Merging shards: every shard of a run writes its briefs and one manifest,
//! `<out>/shards/<I>-of-<N>.json`; the merge builds `index.html`, `index.md` and `run.json`
//! from all of them.
//!
//! A one-process run goes through the same [`assemble`] with a single [`Part`], so a merged
//! run's index is byte-identical to a one-process run's, and its `run.json` differs only where
//! it must (timings, translated/cached split, the shard list). Each part carries, for every
//! record and index entry, its position in a one-process run (`order`): every shard reads all
//! the articles to learn their ids, so it knows these positions.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::{
    ArticleRecord, Manifest, Settings, ShardReport, StageTimes, Unwritten, Work,
};
use super::shard::{Shard, ShardAssignment};
use super::RunSettings;
use crate::brief::{IndexEntry, ModelInfo};
use crate::fsutil::write_atomic;
use crate::render;

/// An item with its position in a one-process run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ordered<T> {
    pub order: usize,
    #[serde(flatten)]
    pub item: T,
}

/// What one process (a shard, or a whole one-process run) contributes to a run's index and
/// manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub model: ModelInfo,
    pub settings: Settings,
    /// Sentences of the part's articles, and how many of them the model translated (the
    /// others came from the cache).
    pub sentences: usize,
    pub translated: usize,
    pub times: StageTimes,
    pub source_tokens: usize,
    pub records: Vec<Ordered<ArticleRecord>>,
    /// The index entry of every brief written, serialised whole so that fields added to
    /// [`IndexEntry`] travel through the merge untouched.
    pub entries: Vec<Ordered<IndexEntry>>,
    /// Run-level warnings (every shard reads every input, so shards repeat them).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Files of the process itself it could not write.
    #[serde(default)]
    pub unwritten: Vec<Unwritten>,
    /// Records of WARC crawls that are no articles (every shard reads every input, so
    /// shards repeat them).
    #[serde(default)]
    pub skipped_records: Vec<crate::ingest::SkipCount>,
}

/// `<out>/shards/<I>-of-<N>.json`: one shard's part, and what identifies its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub shard: ShardAssignment,
    /// The same in every shard of one run: a hash of every input's identity and of the
    /// settings that shape the outputs (see [`run_key`]). A manifest left by another night's
    /// different input has another key and is never merged with this one's.
    pub run_key: String,
    /// Unique to this shard process, so that a complete set is merged by one shard only.
    pub nonce: String,
    /// Seconds since the Unix epoch when the shard finished.
    pub finished_unix: u64,
    pub part: Part,
}

/// Why a merge could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a shard manifest ({source})", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("no shard manifests in {}", .0.display())]
    NoShards(PathBuf),
    #[error("shards {theirs} and {ours} of one run disagree on {what}")]
    Mismatch {
        ours: String,
        theirs: String,
        what: &'static str,
    },
    #[error("{}: shard {} of {} missing ({})", out.display(), list(.missing), count, .stale_note)]
    Missing {
        out: PathBuf,
        missing: Vec<usize>,
        count: usize,
        stale_note: String,
    },
}

fn list(v: &[usize]) -> String {
    v.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The folder holding the shard manifests of `out`.
pub fn shards_dir(out: &Path) -> PathBuf {
    out.join("shards")
}

/// The manifest path of `shard` in `out`.
pub fn manifest_path(out: &Path, shard: Shard) -> PathBuf {
    shards_dir(out).join(format!("{}.json", shard.file_stem()))
}

impl ShardManifest {
    /// The manifest of a shard finishing now.
    pub fn new(shard: ShardAssignment, run_key: String, out: &Path, part: Part) -> Self {
        Self {
            shard,
            run_key,
            nonce: nonce(out),
            finished_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default(),
            part,
        }
    }

    /// As written to `<out>/shards/I-of-N.json`: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let json = serde_json::to_string_pretty(self).expect("shard manifest serialises");
        format!("{json}\n")
    }
}

/// What the outputs depend on besides the inputs and the model: the shards of one run must
/// agree on it (it goes into [`run_key`]).
pub fn outputs_json(settings: &RunSettings) -> String {
    serde_json::json!({
        "decode": settings.decode,
        "formats": settings.formats,
        "summary_sentences": settings.summary_sentences,
    })
    .to_string()
}

/// A run's identity: SHA-256 over every input's identity in one-process order (content ids
/// of articles, origins of failed inputs), the settings that shape the outputs and the shard
/// count.
pub fn run_key<'a>(
    inputs: impl IntoIterator<Item = &'a str>,
    outputs_json: &str,
    count: usize,
) -> String {
    let mut h = Sha256::new();
    for i in inputs {
        h.update(i.as_bytes());
        h.update([0]);
    }
    h.update([1]);
    h.update(outputs_json.as_bytes());
    h.update(count.to_le_bytes());
    hex::encode(&h.finalize()[..12])
}

/// A run's index files (name, contents) and its manifest.
#[derive(Debug)]
pub struct Assembled {
    pub files: Vec<(&'static str, String)>,
    pub manifest: Manifest,
}

/// A run's index files and manifest, assembled from its parts in one-process order.
/// `shards` lists the shards merged (empty for a one-process run).
pub fn assemble(
    parts: &[&Part],
    shards: Vec<ShardReport>,
    missing_shards: Vec<usize>,
) -> Result<Assembled, MergeError> {
    let first = parts.first().expect("assemble needs at least one part");
    let label = |i: usize| {
        shards
            .get(i)
            .map(|s| format!("{}/{}", s.index, s.count))
            .unwrap_or_default()
    };
    for (i, p) in parts.iter().enumerate().skip(1) {
        let mismatch = |what| MergeError::Mismatch {
            ours: label(0),
            theirs: label(i),
            what,
        };
        if p.model != first.model {
            return Err(mismatch("the model"));
        }
        if p.settings.decoding != first.settings.decoding
            || p.settings.formats != first.settings.formats
            || p.settings.summary_sentences != first.settings.summary_sentences
        {
            return Err(mismatch("the settings"));
        }
    }
    let mut entries: Vec<&Ordered<IndexEntry>> = parts.iter().flat_map(|p| &p.entries).collect();
    entries.sort_by_key(|e| e.order);
    let entries: Vec<IndexEntry> = entries.into_iter().map(|e| e.item.clone()).collect();
    // In one-process order; `Manifest::of` then sorts by path, stably, as a whole run does.
    let mut records: Vec<&Ordered<ArticleRecord>> = parts.iter().flat_map(|p| &p.records).collect();
    records.sort_by_key(|r| r.order);
    let records: Vec<ArticleRecord> = records.into_iter().map(|r| r.item.clone()).collect();
    let work = Work {
        sentences: parts.iter().map(|p| p.sentences).sum(),
        translated: parts.iter().map(|p| p.translated).sum(),
        source_tokens: parts.iter().map(|p| p.source_tokens).sum(),
        times: critical_path(parts.iter().map(|p| &p.times)),
    };
    let mut settings = first.settings.clone();
    if parts.len() > 1 {
        settings.cache = common_dir(parts.iter().map(|p| p.settings.cache.as_str()));
    }
    let mut manifest = Manifest::of(first.model.clone(), settings, records, &work);
    manifest.counts.low_confidence = entries.iter().map(|e| e.low_confidence).sum();
    for w in parts.iter().flat_map(|p| &p.warnings) {
        if !manifest.warnings.contains(w) {
            manifest.warnings.push(w.clone());
        }
    }
    manifest.unwritten = parts.iter().flat_map(|p| p.unwritten.clone()).collect();
    manifest.skipped_records.clone_from(&first.skipped_records);
    manifest.shards = shards;
    manifest.missing_shards = missing_shards;
    Ok(Assembled {
        files: render::index::files(&entries),
        manifest,
    })
}

/// Shards run side by side: a merged stage took as long as its slowest shard.
fn critical_path<'a>(times: impl Iterator<Item = &'a StageTimes>) -> StageTimes {
    times.fold(StageTimes::default(), |acc, t| StageTimes {
        clean_s: acc.clean_s.max(t.clean_s),
        translate_s: acc.translate_s.max(t.translate_s),
        render_s: acc.render_s.max(t.render_s),
        total_s: acc.total_s.max(t.total_s),
    })
}

/// The folder of the shards' cache files (they differ only in the file name).
fn common_dir<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let dirs: Vec<String> = paths
        .map(|p| {
            Path::new(p)
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        })
        .collect();
    dirs.first().cloned().unwrap_or_default()
}

/// Writes a run's index files and `run.json` into `out`, each atomically.
pub fn write_outputs(
    out: &Path,
    files: &[(&'static str, String)],
    manifest: &Manifest,
) -> std::io::Result<()> {
    for (name, contents) in files {
        write_atomic(&out.join(name), contents.as_bytes())?;
    }
    write_atomic(&out.join("run.json"), manifest.to_json().as_bytes())
}

/// Every readable shard manifest in `out`, with its path. A file that cannot be read or parsed
/// is an error naming it: a merge must not silently drop a shard.
pub fn read_manifests(out: &Path) -> Result<Vec<(PathBuf, ShardManifest)>, MergeError> {
    let dir = shards_dir(out);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MergeError::Io { path, source }
    };
    let entries = match std::fs::read_dir(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        r => r.map_err(io(&dir))?,
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_manifest_name(p))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            let m = serde_json::from_str(&text).map_err(|source| MergeError::Parse {
                path: path.clone(),
                source,
            })?;
            Ok((path, m))
        })
        .collect()
}

fn is_manifest_name(p: &Path) -> bool {
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.strip_suffix(".json")
        .and_then(|stem| stem.split_once("-of-"))
        .is_some_and(|(i, n)| i.parse::<usize>().is_ok() && n.parse::<usize>().is_ok())
}

/// The manifests of one run picked from a folder's: those sharing the run key of the most
/// recently finished manifest (another night's leftovers are set aside as stale).
pub struct ShardSet {
    pub count: usize,
    /// By shard index; `None` where the shard has not written its manifest.
    pub manifests: Vec<Option<ShardManifest>>,
    /// Manifests of other runs found in the folder.
    pub stale: Vec<PathBuf>,
}

impl ShardSet {
    /// Groups `found` by run; `key` picks the run (default: the newest manifest's).
    pub fn pick(found: Vec<(PathBuf, ShardManifest)>, key: Option<&str>) -> Option<Self> {
        let newest = found.iter().max_by_key(|(_, m)| m.finished_unix)?;
        let key = key.unwrap_or(&newest.1.run_key).to_string();
        let count = found.iter().find(|(_, m)| m.run_key == key)?.1.shard.count;
        let mut manifests: Vec<Option<ShardManifest>> = vec![None; count];
        let mut stale = Vec::new();
        for (path, m) in found {
            if m.run_key == key && m.shard.count == count && m.shard.index < count {
                let slot = &mut manifests[m.shard.index];
                if slot
                    .as_ref()
                    .is_none_or(|s| s.finished_unix <= m.finished_unix)
                {
                    *slot = Some(m);
                }
            } else {
                stale.push(path);
            }
        }
        Some(Self {
            count,
            manifests,
            stale,
        })
    }

    pub fn missing(&self) -> Vec<usize> {
        (0..self.count)
            .filter(|&i| self.manifests[i].is_none())
            .collect()
    }

    /// Index files and manifest of the shards present, in one-process order.
    pub fn assemble(&self) -> Result<Assembled, MergeError> {
        let present: Vec<&ShardManifest> = self.manifests.iter().flatten().collect();
        let parts: Vec<&Part> = present.iter().map(|m| &m.part).collect();
        let reports = present.iter().map(|m| ShardReport::of(m)).collect();
        assemble(&parts, reports, self.missing())
    }

    /// A name unique to this set of shard processes: the claim file that lets exactly one of
    /// the shards finishing together merge it.
    fn claim_name(&self) -> String {
        let mut h = Sha256::new();
        for m in self.manifests.iter().flatten() {
            h.update(m.nonce.as_bytes());
            h.update([0]);
        }
        format!(".merged-{}", hex::encode(&h.finalize()[..12]))
    }
}

/// What `nashra merge` did.
#[derive(Debug)]
pub struct MergeOutcome {
    pub manifest: Manifest,
    pub count: usize,
    pub missing: Vec<usize>,
    pub stale: Vec<PathBuf>,
    /// 0: every shard present and every article done; 2: articles failed or were skipped, or
    /// shards were missing (merged anyway with `partial`).
    pub exit_code: u8,
}

/// Merges the shards in `out` into its index and `run.json`. Missing shards are an error
/// unless `partial` (then the index lists what the present shards wrote and `run.json`
/// names the missing ones).
pub fn merge_dir(out: &Path, partial: bool) -> Result<MergeOutcome, MergeError> {
    let found = read_manifests(out)?;
    let set = ShardSet::pick(found, None).ok_or_else(|| MergeError::NoShards(shards_dir(out)))?;
    let missing = set.missing();
    if !missing.is_empty() && !partial {
        return Err(MergeError::Missing {
            out: out.to_path_buf(),
            missing,
            count: set.count,
            stale_note: stale_note(&set.stale),
        });
    }
    let Assembled { files, manifest } = set.assemble()?;
    write_outputs(out, &files, &manifest).map_err(|source| MergeError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let c = &manifest.counts;
    let exit_code = if c.failed + c.skipped > 0 || !missing.is_empty() {
        2
    } else {
        0
    };
    Ok(MergeOutcome {
        manifest,
        count: set.count,
        missing,
        stale: set.stale,
        exit_code,
    })
}

fn stale_note(stale: &[PathBuf]) -> String {
    if stale.is_empty() {
        "no manifest written; did the shard fail?".into()
    } else {
        format!(
            "no manifest written; {} manifest(s) of another run ignored: {}",
            stale.len(),
            stale
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Called by a shard after writing its own manifest: if every shard of its run has now
/// finished, and no other shard has claimed this set, merges it. Returns the merged manifest
/// when this shard did the merge.
pub fn merge_if_complete(out: &Path, own: &ShardManifest) -> Result<Option<Manifest>, MergeError> {
    let set = match ShardSet::pick(read_manifests(out)?, Some(&own.run_key)) {
        Some(s) if s.missing().is_empty() => s,
        _ => return Ok(None),
    };
    // Whoever creates the claim first merges; create_new is atomic on local and NFSv3+ disks.
    let claim = shards_dir(out).join(set.claim_name());
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&claim)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(source) => {
            return Err(MergeError::Io {
                path: claim,
                source,
            })
        }
    }
    remove_old_claims(out, &claim);
    let Assembled { files, manifest } = set.assemble()?;
    write_outputs(out, &files, &manifest).map_err(|source| MergeError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(Some(manifest))
}

fn remove_old_claims(out: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(shards_dir(out)) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let is_claim = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(".merged-"));
        if is_claim && p != keep {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Counts of each shard, for the merged `run.json`.
impl ShardReport {
    pub fn of(m: &ShardManifest) -> Self {
        Self {
            index: m.shard.index,
            count: m.shard.count,
            source: m.shard.source,
            detail: m.shard.detail.clone(),
            articles: m.part.records.len(),
            sentences: m.part.sentences,
            translated: m.part.translated,
            times: m.part.times.clone(),
        }
    }
}

/// Unique per shard process: host, process id and the time, hashed.
fn nonce(out: &Path) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(format!(
        "{}\0{host}\0{}\0{nanos}",
        out.display(),
        std::process::id()
    ));
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brief::DecodingInfo;
    use crate::run::manifest::ArticleStatus;
    use crate::run::shard::ShardSource;
    use crate::run::Formats;
    use crate::translate::BatchPolicy;

    fn entry(slug: &str, date: Option<&str>) -> IndexEntry {
        IndexEntry {
            id: slug.into(),
            slug: slug.into(),
            headline: format!("headline {slug}"),
            headline_ar: String::new(),
            date: date.map(String::from),
            source: None,
            url: None,
            summary: Vec::new(),
            low_confidence: 0,
            signature: Default::default(),
            summary_ar: Vec::new(),
            more: Vec::new(),
        }
    }

    fn record(path: &str, status: ArticleStatus) -> ArticleRecord {
        ArticleRecord {
            path: path.into(),
            id: None,
            status,
            error: None,
            outputs: Vec::new(),
            warnings: Vec::new(),
            crawled: None,
        }
    }

    fn part(records: Vec<(usize, ArticleRecord)>, entries: Vec<(usize, IndexEntry)>) -> Part {
        Part {
            model: ModelInfo {
                id: "m".into(),
                revision: Some("r".into()),
                weights_sha256: "w".into(),
                quantize: Default::default(),
            },
            settings: Settings {
                decoding: DecodingInfo {
                    num_beams: 1,
                    length_penalty: 1.0,
                    max_length: 10,
                    min_length: 0,
                    max_new_tokens: None,
                    early_stopping: crate::translate::EarlyStopping::Heuristic,
                },
                batch: BatchPolicy::tokens(64),
                threads: 1,
                summary_sentences: 3,
                formats: Formats::parse("html").unwrap(),
                cache: "/c/.cache/translations-x.0-of-2.jsonl".into(),
            },
            sentences: 4,
            translated: 3,
            times: StageTimes {
                clean_s: 1.0,
                translate_s: 2.0,
                render_s: 0.5,
                total_s: 4.0,
            },
            source_tokens: 30,
            records: records
                .into_iter()
                .map(|(order, item)| Ordered { order, item })
                .collect(),
            entries: entries
                .into_iter()
                .map(|(order, item)| Ordered { order, item })
                .collect(),
            warnings: vec!["a link loop".into()],
            unwritten: Vec::new(),
            skipped_records: Vec::new(),
        }
    }

    fn manifest(index: usize, count: usize, key: &str, finished: u64) -> ShardManifest {
        ShardManifest {
            shard: ShardAssignment {
                index,
                count,
                source: ShardSource::Flag,
                detail: String::new(),
            },
            run_key: key.into(),
            nonce: format!("{key}{index}{finished}"),
            finished_unix: finished,
            part: part(Vec::new(), Vec::new()),
        }
    }

    #[test]
    fn parts_assemble_in_one_process_order_whatever_their_order() {
        use ArticleStatus::*;
        // One process: records [bad.txt(0)], articles a.txt(1), b.txt(2), a.txt#2(3).
        let whole = part(
            vec![
                (0, record("bad.txt", Failed)),
                (1, record("a.txt", Ok)),
                (2, record("b.txt", Ok)),
                (3, record("a.txt", Skipped)),
            ],
            vec![(1, entry("a", Some("2025-01-01"))), (2, entry("b", None))],
        );
        let s0 = part(
            vec![(0, record("bad.txt", Failed)), (2, record("b.txt", Ok))],
            vec![(2, entry("b", None))],
        );
        let s1 = part(
            vec![(3, record("a.txt", Skipped)), (1, record("a.txt", Ok))],
            vec![(1, entry("a", Some("2025-01-01")))],
        );
        let Assembled {
            files: files1,
            manifest: m1,
        } = assemble(&[&whole], Vec::new(), Vec::new()).unwrap();
        let Assembled {
            files: files2,
            manifest: m2,
        } = assemble(&[&s1, &s0], Vec::new(), Vec::new()).unwrap();
        assert_eq!(files1, files2);
        assert_eq!(m1.articles, m2.articles);
        assert_eq!(
            m2.articles[0].status, Ok,
            "a.txt's records keep input order"
        );
        assert_eq!(m2.counts.articles, 4);
        assert_eq!(
            (m2.counts.ok, m2.counts.failed, m2.counts.skipped),
            (2, 1, 1)
        );
        assert_eq!(m2.counts.sentences, 8, "sentences add up");
        assert_eq!(m2.times.translate_s, 2.0, "the slowest shard's time");
        assert_eq!(m2.throughput.source_tokens, 60);
        assert_eq!(m2.settings.cache, "/c/.cache");
        assert_eq!(
            m2.warnings,
            vec!["a link loop".to_string()],
            "repeated once"
        );
    }

    #[test]
    fn shards_of_another_model_are_refused() {
        let a = part(Vec::new(), Vec::new());
        let mut b = a.clone();
        b.model.weights_sha256 = "other".into();
        let e = assemble(&[&a, &b], Vec::new(), Vec::new()).unwrap_err();
        assert!(e.to_string().contains("the model"), "{e}");
    }

    #[test]
    fn another_night_s_manifests_are_set_aside() {
        let found = vec![
            (
                PathBuf::from("0-of-3.json"),
                manifest(0, 3, "yesterday", 100),
            ),
            (
                PathBuf::from("1-of-3.json"),
                manifest(1, 3, "yesterday", 100),
            ),
            (PathBuf::from("0-of-2.json"), manifest(0, 2, "today", 200)),
            (PathBuf::from("1-of-2.json"), manifest(1, 2, "today", 201)),
        ];
        let set = ShardSet::pick(found.clone(), None).unwrap();
        assert_eq!((set.count, set.missing()), (2, vec![]));
        assert_eq!(set.stale.len(), 2);
        let set = ShardSet::pick(found[..3].to_vec(), None).unwrap();
        assert_eq!(set.missing(), vec![1]);
        let yesterday = ShardSet::pick(found, Some("yesterday")).unwrap();
        assert_eq!((yesterday.count, yesterday.missing()), (3, vec![2]));
    }

    #[test]
    fn one_shard_of_a_complete_set_merges_it_and_the_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let a = manifest(0, 2, "k", 1);
        let b = manifest(1, 2, "k", 2);
        for m in [&a, &b] {
            let json = serde_json::to_string(m).unwrap();
            write_atomic(&manifest_path(out, m.shard.shard()), json.as_bytes()).unwrap();
        }
        assert!(merge_if_complete(out, &b).unwrap().is_some());
        assert!(
            merge_if_complete(out, &a).unwrap().is_none(),
            "merged twice"
        );
        assert!(out.join("run.json").is_file() && out.join("index.html").is_file());
        // A rerun of one shard makes a new set, merged again.
        let b2 = manifest(1, 2, "k", 3);
        let json = serde_json::to_string(&b2).unwrap();
        write_atomic(&manifest_path(out, b2.shard.shard()), json.as_bytes()).unwrap();
        assert!(merge_if_complete(out, &b2).unwrap().is_some());
    }

    #[test]
    fn an_unreadable_manifest_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(shards_dir(dir.path())).unwrap();
        std::fs::write(shards_dir(dir.path()).join("0-of-2.json"), "{").unwrap();
        let e = merge_dir(dir.path(), false).unwrap_err().to_string();
        assert!(e.contains("0-of-2.json"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            merge_dir(empty.path(), true),
            Err(MergeError::NoShards(_))
        ));
    }
}
