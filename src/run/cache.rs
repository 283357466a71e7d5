//! The translation cache: finished translations survive any interruption, so a rerun on
//! unchanged input makes no model call and a new article costs only its own sentences.
//!
//! One append-only JSON-lines file per (weights, decoding settings) fingerprint. The run
//! (`Run::translate`) hands the model one wave of batches at a time, one batch per worker,
//! and each wave's results are appended and synced before the next wave starts (so a kill
//! loses at most the wave in flight — `tests/run_faults.rs` kills a run ten times and checks
//! it). New fields of [`CachedTranslation`] must be `#[serde(default)]`: an old file must
//! still load. A line torn by a kill at the worst moment is ignored when the file is read
//! back (the sentence is simply translated again). Append-only files need no rewrite, so
//! there is no moment at which completed work could be lost.
//!
//! Abstractive summaries are kept the same way, in files of their own (`summaries-*.jsonl`):
//! the source is the English document the summariser read, the value its summary.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::translate::Quantize;

/// One cached translation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedTranslation {
    pub en: String,
    pub score: f32,
    /// Mean log-probability per generated token (see `Translation::mean_logprob`); `None`
    /// for lines cached before it was recorded.
    #[serde(default)]
    pub mean_logprob: Option<f32>,
    pub source_tokens: usize,
    pub target_tokens: usize,
    /// Whether the source was longer than the model reads and its end was cut (abstractive
    /// summaries of long articles; never for a sentence).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Serialize, Deserialize)]
struct Line {
    src: String,
    #[serde(flatten)]
    value: CachedTranslation,
}

/// Translations of one model with one set of decoding settings, keyed by normalised source.
#[derive(Debug)]
pub struct TranslationCache {
    path: PathBuf,
    entries: HashMap<String, CachedTranslation>,
    file: Option<File>,
}

/// The cache identity of a model and its settings: any change to either starts a new file.
/// The identity of the weights as the model computes with them: the file's hash, plus the
/// quantization when there is one (int8 translations may differ from the checkpoint's own, so
/// they get a cache of their own; unquantized runs keep the fingerprints they always had).
pub fn weights_id(weights_sha256: &str, quantize: Quantize) -> String {
    match quantize {
        Quantize::None => weights_sha256.to_string(),
        q => format!("{weights_sha256}+{q}"),
    }
}

/// The revision of the engine's arithmetic: raised whenever a change can alter any
/// translation's tokens or scores (kernels, summation order, decoding), so that translations
/// from two engine versions never meet in one cache, and so never in one brief. Part of every
/// fingerprint.
pub const ENGINE_REVISION: u32 = 2;

pub fn fingerprint(weights_sha256: &str, settings_json: &str) -> String {
    fingerprint_at(ENGINE_REVISION, weights_sha256, settings_json)
}

/// [`fingerprint`] for a given engine revision.
fn fingerprint_at(engine_revision: u32, weights_sha256: &str, settings_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(engine_revision.to_le_bytes());
    h.update([0]);
    h.update(weights_sha256.as_bytes());
    h.update([0]);
    h.update(settings_json.as_bytes());
    hex::encode(&h.finalize()[..12])
}

impl TranslationCache {
    /// Opens (creating if needed) the cache file for `fingerprint` in `dir`.
    pub fn open(dir: &Path, fingerprint: &str) -> std::io::Result<Self> {
        Self::open_file(&dir.join(format!("translations-{fingerprint}.jsonl")))
    }

    /// Opens (creating its folder if needed) the cache file at `path`; a missing file is an
    /// empty cache.
    pub fn open_file(path: &Path) -> std::io::Result<Self> {
        Self::open_family(path, None)
    }

    /// Opens the cache file at `path` for appending, having read, besides it, every file of
    /// its folder named `<family>.jsonl` or `<family>.<anything>.jsonl`: the files of the
    /// other processes sharing the cache (shards of a run, each appending to its own file).
    /// No file has two writers, and every process reuses what any earlier one translated.
    pub fn open_family(path: &Path, family: Option<&str>) -> std::io::Result<Self> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
        }
        let path = path.to_path_buf();
        let mut files: Vec<PathBuf> = vec![path.clone()];
        if let Some(family) = family {
            let dir = dir.unwrap_or(Path::new("."));
            let prefix = format!("{family}.");
            let is_member = |p: &Path| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".jsonl"))
            };
            let mut siblings: Vec<PathBuf> = std::fs::read_dir(dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_member(p) && *p != path)
                .collect();
            siblings.sort();
            files.splice(0..0, siblings);
        }
        let mut entries = HashMap::new();
        for file in &files {
            read_into(file, &mut entries);
        }
        Ok(Self {
            path,
            entries,
            file: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, src: &str) -> Option<&CachedTranslation> {
        self.entries.get(src)
    }

    /// Appends translations and syncs them to disk before returning. They are in memory for
    /// this run even when the write fails (the error says why they will not outlive it).
    pub fn insert_all(
        &mut self,
        items: impl IntoIterator<Item = (String, CachedTranslation)>,
    ) -> std::io::Result<()> {
        let mut buf = Vec::new();
        for (src, value) in items {
            let line = Line { src, value };
            serde_json::to_writer(&mut buf, &line).map_err(std::io::Error::other)?;
            buf.push(b'\n');
            self.entries.insert(line.src, line.value);
        }
        let result = self.append(&buf);
        if result.is_err() {
            // The file may now end in a torn line: reopen (and so re-check) on the next append.
            self.file = None;
        }
        result
    }

    fn append(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() {
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            // A previous run killed mid-line left no newline: start on a fresh line so the
            // torn line stays the only casualty.
            if f.metadata()?.len() > 0 && !ends_with_newline(&self.path)? {
                f.write_all(b"\n")?;
            }
            self.file = Some(f);
        }
        let f = self.file.as_mut().expect("opened above");
        f.write_all(buf)?;
        f.sync_data()
    }
}

/// Adds a cache file's entries to `entries`. A torn or foreign line is skipped, never fatal.
fn read_into(path: &Path, entries: &mut HashMap<String, CachedTranslation>) {
    if let Ok(f) = File::open(path) {
        for line in BufReader::new(f).lines() {
            let Ok(line) = line else { break };
            if let Ok(l) = serde_json::from_str::<Line>(&line) {
                entries.insert(l.src, l.value);
            }
        }
    }
}

fn ends_with_newline(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    if f.metadata()?.len() == 0 {
        return Ok(true);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut b = [0u8; 1];
    f.read_exact(&mut b)?;
    Ok(b[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(en: &str) -> CachedTranslation {
        CachedTranslation {
            en: en.into(),
            score: -1.5,
            mean_logprob: Some(-0.5),
            source_tokens: 4,
            target_tokens: 3,
            truncated: false,
        }
    }

    #[test]
    fn survives_reopen_and_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let fp = fingerprint("abc", "{}");
        let mut c = TranslationCache::open(dir.path(), &fp).unwrap();
        c.insert_all([("مرحبا".to_string(), entry("hello"))])
            .unwrap();
        drop(c);
        // Simulate a kill in the middle of the next append.
        let path = dir.path().join(format!("translations-{fp}.jsonl"));
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"src\":\"torn").unwrap();
        drop(f);
        let mut c = TranslationCache::open(dir.path(), &fp).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c.get("مرحبا").unwrap().en, "hello");
        c.insert_all([("سلام".to_string(), entry("peace"))]).unwrap();
        let c = TranslationCache::open(dir.path(), &fp).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("سلام").unwrap().en, "peace");
    }

    #[test]
    fn the_engine_revision_changes_the_fingerprint() {
        assert_ne!(fingerprint_at(1, "w", "{}"), fingerprint_at(2, "w", "{}"));
        assert_eq!(
            fingerprint("w", "{}"),
            fingerprint_at(ENGINE_REVISION, "w", "{}")
        );
    }

    #[test]
    fn quantization_changes_the_fingerprint() {
        let plain = fingerprint(&weights_id("w", Quantize::None), "{}");
        assert_eq!(plain, fingerprint("w", "{}"));
        assert_ne!(plain, fingerprint(&weights_id("w", Quantize::Int8), "{}"));
    }

    #[test]
    fn shards_write_their_own_files_and_read_everyone_s() {
        let dir = tempfile::tempdir().unwrap();
        let fp = fingerprint("w", "{}");
        let family = format!("translations-{fp}");
        let shard_file = |i: usize| dir.path().join(format!("{family}.{i}-of-2.jsonl"));
        let mut a = TranslationCache::open_family(&shard_file(0), Some(&family)).unwrap();
        let mut b = TranslationCache::open_family(&shard_file(1), Some(&family)).unwrap();
        assert_ne!(a.path(), b.path());
        a.insert_all([("واحد".to_string(), entry("one"))]).unwrap();
        b.insert_all([("اثنان".to_string(), entry("two"))]).unwrap();
        let other = fingerprint("w2", "{}");
        TranslationCache::open(dir.path(), &other)
            .unwrap()
            .insert_all([("ثلاثة".to_string(), entry("three"))])
            .unwrap();
        let whole_file = dir.path().join(format!("{family}.jsonl"));
        let whole = TranslationCache::open_family(&whole_file, Some(&family)).unwrap();
        assert_eq!(
            whole.len(),
            2,
            "both shards' files, not the other fingerprint's"
        );
        assert!(TranslationCache::open_file(&whole_file).unwrap().is_empty());
        assert_eq!(whole.get("اثنان").unwrap().en, "two");
    }

    #[test]
    fn settings_change_the_fingerprint() {
        assert_ne!(
            fingerprint("w", "{\"beam\":4}"),
            fingerprint("w", "{\"beam\":1}")
        );
        assert_ne!(fingerprint("w1", "{}"), fingerprint("w2", "{}"));
    }
}
