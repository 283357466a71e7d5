//! What a caller gives a run: its settings, and where it reports progress.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::shard::ShardAssignment;
use crate::summarize::Budget;
use crate::translate::{BatchPolicy, DecodeOptions, Summarizer, Translator};

/// Which files to write per article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Formats {
    pub html: bool,
    pub md: bool,
    pub json: bool,
}

impl Formats {
    /// Parses `html,md,json` (any subset, at least one).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut f = Self {
            html: false,
            md: false,
            json: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "html" => f.html = true,
                "md" | "markdown" => f.md = true,
                "json" => f.json = true,
                other => return Err(format!("unknown format {other:?} (use html, md, json)")),
            }
        }
        if !(f.html || f.md || f.json) {
            return Err("--formats needs at least one of html, md, json".into());
        }
        Ok(f)
    }
}

/// Everything a run needs besides the model.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    /// Where the translation cache lives (default: `<out>/.cache`).
    pub cache_dir: Option<PathBuf>,
    pub formats: Formats,
    pub decode: DecodeOptions,
    pub batch: BatchPolicy,
    pub threads: usize,
    /// How long the extractive summary (the article's key sentences) may be.
    pub summary_budget: Budget,
    /// Which summaries a brief shows.
    pub summary: SummaryKind,
    /// What becomes of a machine-summary sentence the article does not support.
    pub summary_check: SummaryCheck,
    /// Uncached sentences gathered before the model is called: small values show briefs
    /// sooner, large values fill batches better. Durability does not depend on it: the cache
    /// is appended after every model batch either way.
    pub group_sentences: usize,
    /// Articles (files, or JSON-lines records) larger than this are skipped, recorded.
    pub max_article_bytes: u64,
    /// Wait for a run holding the output folder's lock instead of exiting at once.
    pub wait_for_lock: bool,
    /// This process's shard of the run (`None`: the whole run).
    pub shard: Option<ShardAssignment>,
}

/// The models a run uses: the translator, and the summariser when briefs get abstractive
/// summaries ([`SummaryKind::abstractive`]).
#[derive(Clone, Copy)]
pub struct Models<'a> {
    pub translator: &'a Translator,
    pub summarizer: Option<&'a Summarizer>,
}

/// Which summaries a brief shows (`--summary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SummaryKind {
    /// The article's key sentences, each with its Arabic (no second model).
    #[default]
    Extractive,
    /// A machine-written English summary (BART), checked against the article.
    Abstractive,
    /// The machine summary above the key sentences.
    Both,
}

impl SummaryKind {
    /// Whether briefs show the article's own key sentences.
    pub fn extractive(self) -> bool {
        matches!(self, Self::Extractive | Self::Both)
    }

    /// Whether the run needs a summarisation model.
    pub fn abstractive(self) -> bool {
        matches!(self, Self::Abstractive | Self::Both)
    }
}

/// What becomes of a machine-summary sentence stating a number, date or name the article
/// does not support (`--summary-check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SummaryCheck {
    /// Shown, marked, with what could not be found.
    #[default]
    Mark,
    /// Left out of the summary, and listed as removed.
    Drop,
}

/// Progress events, for a progress bar or log lines.
pub trait Progress {
    fn articles_read(&mut self, total: usize, ok: usize);
    fn translated(&mut self, sentences: usize, seconds: f64);
    /// `documents` abstractive summaries written by the model in `seconds`.
    fn summarized(&mut self, _documents: usize, _seconds: f64) {}
    /// `done` of `total` articles processed (written or failed).
    fn article_done(&mut self, done: usize, total: usize);
}

/// Progress that reports nothing.
pub struct Silent;
impl Progress for Silent {
    fn articles_read(&mut self, _: usize, _: usize) {}
    fn translated(&mut self, _: usize, _: f64) {}
    fn article_done(&mut self, _: usize, _: usize) {}
}
