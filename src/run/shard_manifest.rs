//! `<out>/shards/<I>-of-<N>.json`: what one shard of a run writes instead of `run.json` (its
//! [`Part`]), and what identifies its run, so that a merge never mixes the shards of two runs.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::ShardReport;
use super::parts::Part;
use super::settings::{RunSettings, SummaryKind};
use super::shard::ShardAssignment;
use crate::summarize::Budget;

/// One shard's part, and what identifies its run.
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
    let mut outputs = serde_json::json!({
        "decode": settings.decode,
        "formats": settings.formats,
    });
    // Settings added later join only when not the default, so that runs that do not use
    // them keep the identity they always had.
    match settings.summary_budget {
        Budget::Sentences(n) => outputs["summary_sentences"] = n.into(),
        Budget::Words(n) => outputs["summary_words"] = n.into(),
    }
    if settings.summary != SummaryKind::default() {
        outputs["summary"] = serde_json::json!(settings.summary);
        outputs["summary_check"] = serde_json::json!(settings.summary_check);
    }
    outputs.to_string()
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
