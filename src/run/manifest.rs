//! `run.json`: what a run did — model, settings, counts, time per stage, throughput, and each
//! article's status. Timings live here, never in briefs.

use serde::{Deserialize, Serialize};

use super::settings::{Formats, SummaryCheck, SummaryKind};
use super::shard::ShardSource;
use crate::brief::{DecodingInfo, ModelInfo};
use crate::clean::Article;
use crate::translate::BatchPolicy;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub model: ModelInfo,
    pub settings: Settings,
    pub counts: Counts,
    pub times: StageTimes,
    pub throughput: Throughput,
    pub articles: Vec<ArticleRecord>,
    /// Run-level warnings (a symbolic link loop not followed, say); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Files of the run itself that could not be written (the index, the cache), with the
    /// cause; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unwritten: Vec<Unwritten>,
    /// The shards a merged run was assembled from (absent for a one-process run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardReport>,
    /// Shards whose manifest was missing when a partial merge was made (`merge --partial`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<usize>,
    /// Records of WARC crawls that are no articles, one line per file and reason; absent
    /// when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_records: Vec<crate::ingest::SkipCount>,
}

/// A file the run could not write, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unwritten {
    pub path: String,
    pub error: String,
}

impl std::fmt::Display for Unwritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.error)
    }
}

/// What a run did besides its records: sentences, model work and time. Sums over shards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Work {
    /// Sentences of all articles (translated or from the cache).
    pub sentences: usize,
    /// Sentences the model translated in this run.
    pub translated: usize,
    /// Abstractive summaries the summariser wrote in this run (the others came from its
    /// cache).
    pub summarized: usize,
    pub source_tokens: usize,
    pub times: StageTimes,
}

impl Manifest {
    /// The manifest of a run from its records (sorted here by path) and its work: the one
    /// place counts and throughput are derived. No warnings, nothing unwritten.
    pub fn of(
        model: ModelInfo,
        settings: Settings,
        mut records: Vec<ArticleRecord>,
        work: &Work,
    ) -> Self {
        records.sort_by(|a, b| a.path.cmp(&b.path));
        let per_s = |n: usize| {
            if work.times.translate_s > 0.0 {
                n as f64 / work.times.translate_s
            } else {
                0.0
            }
        };
        Self {
            model,
            settings,
            counts: Counts::of(&records, work.sentences, work.translated),
            times: work.times.clone(),
            throughput: Throughput {
                source_tokens: work.source_tokens,
                source_tokens_per_s: per_s(work.source_tokens),
                sentences_per_s: per_s(work.translated),
            },
            articles: records,
            warnings: Vec::new(),
            unwritten: Vec::new(),
            shards: Vec::new(),
            missing_shards: Vec::new(),
            skipped_records: Vec::new(),
        }
    }

    /// The manifest as written to `run.json`: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        format!(
            "{}\n",
            serde_json::to_string_pretty(self).expect("manifest serialises")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub decoding: DecodingInfo,
    pub batch: BatchPolicy,
    pub threads: usize,
    pub summary_sentences: usize,
    pub formats: Formats,
    pub cache: String,
    /// The extractive summary's budget in words, when one was set instead of a sentence
    /// count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_words: Option<usize>,
    /// The abstractive summaries' settings; absent when briefs have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstractive: Option<AbstractiveSettings>,
}

/// How a run wrote its abstractive summaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbstractiveSettings {
    pub summary: SummaryKind,
    pub check: SummaryCheck,
    pub model: ModelInfo,
    pub decoding: DecodingInfo,
    pub no_repeat_ngram_size: usize,
    /// The summaries' cache file.
    pub cache: String,
}

/// The abstractive summaries of a run: how many briefs have one, how many the model wrote
/// in this run (the rest came from the cache), and the sentences the check found
/// unsupported (of which `removed_sentences` were left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbstractiveCounts {
    pub summaries: usize,
    pub written: usize,
    pub cached: usize,
    pub unsupported_sentences: usize,
    pub removed_sentences: usize,
}

/// `translated`: sentences the model translated in this run; `cached`: served from the cache;
/// `low_confidence`: translations in the briefs below [`crate::brief::LOW_CONFIDENCE_LOGPROB`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub articles: usize,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    pub sentences: usize,
    pub translated: usize,
    pub cached: usize,
    #[serde(default)]
    pub low_confidence: usize,
    /// Present when briefs have abstractive summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstractive: Option<AbstractiveCounts>,
}

impl Counts {
    /// Counts of articles by status; sentence counts are the caller's (`sentences` in total,
    /// `translated` by the model in this run, the rest from the cache).
    pub fn of(records: &[ArticleRecord], sentences: usize, translated: usize) -> Self {
        let with = |s: ArticleStatus| records.iter().filter(|r| r.status == s).count();
        Self {
            articles: records.len(),
            ok: with(ArticleStatus::Ok),
            failed: with(ArticleStatus::Failed),
            skipped: with(ArticleStatus::Skipped),
            sentences,
            translated,
            cached: sentences - translated.min(sentences),
            // Known only from the briefs: the caller sets these.
            low_confidence: 0,
            abstractive: None,
        }
    }
}

/// Seconds per stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    pub clean_s: f64,
    pub translate_s: f64,
    /// Writing abstractive summaries (0 when the run has none, or all were cached).
    #[serde(default)]
    pub summarize_s: f64,
    pub render_s: f64,
    pub total_s: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub source_tokens: usize,
    pub source_tokens_per_s: f64,
    pub sentences_per_s: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub path: String,
    pub id: Option<String>,
    pub status: ArticleStatus,
    pub error: Option<String>,
    pub outputs: Vec<String>,
    /// What went wrong without stopping the article (bytes that could not be decoded, say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// When a crawler fetched the page (WARC inputs); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawled: Option<String>,
}

impl ArticleRecord {
    pub fn ok(a: &Article, slug: &str, formats: &Formats) -> Self {
        let mut outputs = Vec::new();
        for (on, ext) in [
            (formats.html, "html"),
            (formats.md, "md"),
            (formats.json, "json"),
        ] {
            if on {
                outputs.push(format!("{slug}.{ext}"));
            }
        }
        Self {
            path: a.path.clone(),
            id: Some(a.id.clone()),
            status: ArticleStatus::Ok,
            error: None,
            outputs,
            warnings: a.warnings.clone(),
            crawled: a.metadata.crawled.clone(),
        }
    }

    pub fn failed(path: &str, error: String) -> Self {
        Self {
            path: path.to_string(),
            id: None,
            status: ArticleStatus::Failed,
            error: Some(error),
            outputs: Vec::new(),
            warnings: Vec::new(),
            crawled: None,
        }
    }

    pub fn skipped(path: &str, reason: String) -> Self {
        Self {
            path: path.to_string(),
            id: None,
            status: ArticleStatus::Skipped,
            error: Some(reason),
            outputs: Vec::new(),
            warnings: Vec::new(),
            crawled: None,
        }
    }
}

/// One shard of a merged run: which it was, where that came from, and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardReport {
    pub index: usize,
    pub count: usize,
    pub source: ShardSource,
    /// The flag or environment values the shard was read from.
    pub detail: String,
    pub articles: usize,
    pub sentences: usize,
    pub translated: usize,
    pub times: StageTimes,
}
