//! `run.json`: what a run did — model, settings, counts, time per stage, throughput, and each
//! article's status. Timings live here, never in briefs.

use serde::{Deserialize, Serialize};

use super::Formats;
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub decoding: DecodingInfo,
    pub batch: BatchPolicy,
    pub threads: usize,
    pub summary_sentences: usize,
    pub formats: Formats,
    pub cache: String,
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
}

/// Seconds per stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    pub clean_s: f64,
    pub translate_s: f64,
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
        }
    }

    pub fn failed(path: &str, error: String) -> Self {
        Self {
            path: path.to_string(),
            id: None,
            status: ArticleStatus::Failed,
            error: Some(error),
            outputs: Vec::new(),
        }
    }

    pub fn skipped(path: &str, reason: String) -> Self {
        Self {
            path: path.to_string(),
            id: None,
            status: ArticleStatus::Skipped,
            error: Some(reason),
            outputs: Vec::new(),
        }
    }
}
