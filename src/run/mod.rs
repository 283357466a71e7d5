//! The nightly batch job (`nashra run`): a folder of raw articles in, a folder of bilingual
//! briefs out, an index and a run manifest — fast, incremental, and unable to lose finished
//! work.
//!
//! A run is a value, [`Run`], driven through named stages (see [`run`]):
//! `start` (output folder, lock, cache) → `ingest` (discover and read files) → `clean`
//! (decode and structure articles) → per group of articles, `translate` (the sentences still
//! missing from the cache, in length-sorted batches across articles, each batch's results
//! appended to the cache and synced before the next) and `render` (briefs, each file written
//! atomically) → `report` (index and `run.json`, written even when briefs failed). A run killed
//! at any point leaves only complete files, and the next run picks up from the cache, redoing
//! at most the batches that were in flight.

pub mod assemble;
pub mod cache;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod paths;
pub mod shard;
mod stages;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ingest;
use crate::translate::{BatchPolicy, DecodeOptions, Translator};
pub use assemble::build_brief;
pub use lock::{LockError, RunLock};
pub use paths::RunPaths;
pub use stages::{lock_out, Run};

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
    pub summary_sentences: usize,
    /// Uncached sentences gathered before the model is called: small values show briefs
    /// sooner, large values fill batches better. Durability does not depend on it: the cache
    /// is appended after every model batch either way.
    pub group_sentences: usize,
    /// Articles (files, or JSON-lines records) larger than this are skipped, recorded.
    pub max_article_bytes: u64,
    /// Wait for a run holding the output folder's lock instead of exiting at once.
    pub wait_for_lock: bool,
    /// This process's shard of the run (`None`: the whole run).
    pub shard: Option<shard::ShardAssignment>,
}

/// Progress events, for a progress bar or log lines.
pub trait Progress {
    fn articles_read(&mut self, total: usize, ok: usize);
    fn translated(&mut self, sentences: usize, seconds: f64);
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

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub manifest: Manifest,
    /// Files of the run itself (index, `run.json`, the cache) that could not be written, each
    /// with its cause; `run.json` lists the others when it could be written.
    pub unwritten: Vec<manifest::Unwritten>,
    /// See [`ExitStatus`].
    pub exit_code: u8,
}

/// The process exit status of a run (README, "Failure and recovery").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// Every article has its briefs.
    Done = 0,
    /// Nothing could run (no model, no input, output folder unusable or locked).
    Nothing = 1,
    /// Some articles failed or were skipped; all others have their briefs.
    Partial = 2,
    /// The index, `run.json` or the cache could not be written (disk full, say).
    Unsaved = 3,
}

/// Errors that stop a run before any article can be processed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Input(#[from] ingest::IngestError),
    #[error("no articles found in {0}")]
    NoInput(String),
    #[error("{}: the output folder (--out) exists and is not a folder", path.display())]
    OutNotDir { path: PathBuf },
    #[error("{}: {error}", path.display())]
    Output {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Translate(#[from] crate::translate::TranslateError),
    #[error(transparent)]
    Merge(#[from] merge::MergeError),
}

use manifest::Manifest;

/// Runs the whole job, stage by stage. Errors are returned only when nothing can run; a bad
/// article is recorded in the manifest and the others complete.
pub fn run(
    settings: &RunSettings,
    translator: &Translator,
    progress: &mut dyn Progress,
) -> Result<RunOutcome, RunError> {
    let paths = RunPaths::of(settings);
    let lock = lock_out(&paths, settings.wait_for_lock)?;
    run_locked(settings, translator, paths, lock, progress)
}

/// [`run`] on `paths`, whose lock the caller took (before loading the model, say).
pub fn run_locked(
    settings: &RunSettings,
    translator: &Translator,
    paths: RunPaths,
    lock: RunLock,
    progress: &mut dyn Progress,
) -> Result<RunOutcome, RunError> {
    let mut run = Run::start_locked(settings, translator, paths, lock)?;
    run.ingest()?;
    run.clean(progress);
    run.shard();
    for group in run.groups() {
        run.translate(group.clone(), progress)?;
        run.render(group, progress);
    }
    Ok(run.report())
}
