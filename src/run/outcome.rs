//! How a run (or a merge of shards) ended: its manifest, what it could not write, and the
//! process exit status both commands report; and the errors that stop a run before it starts.

use std::path::PathBuf;
use std::process::ExitCode;

use super::lock::LockError;
use super::manifest::{Manifest, Unwritten};
use super::settings::SummaryKind;
use crate::ingest;

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub manifest: Manifest,
    /// Files of the run itself (index, `run.json`, the cache) that could not be written, each
    /// with its cause; `run.json` lists the others when it could be written.
    pub unwritten: Vec<Unwritten>,
    pub status: ExitStatus,
}

/// The process exit status of `nashra run` and `nashra merge` (README, "Failure and
/// recovery").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// Every article has its briefs.
    Done = 0,
    /// Nothing could run (no model, no input, output folder unusable or locked).
    Nothing = 1,
    /// Some articles failed or were skipped, or (a merge with `--partial`) shards were
    /// missing; all others have their briefs.
    Partial = 2,
    /// The index, `run.json` or the cache could not be written (disk full, say).
    Unsaved = 3,
}

impl ExitStatus {
    /// The status of a run or merge whose manifest is `manifest`; `unsaved`: some file of the
    /// run itself could not be written.
    pub fn of(manifest: &Manifest, unsaved: bool) -> Self {
        let c = &manifest.counts;
        if unsaved {
            Self::Unsaved
        } else if c.failed + c.skipped > 0 || !manifest.missing_shards.is_empty() {
            Self::Partial
        } else {
            Self::Done
        }
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
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
    #[error("--summary {0:?} needs a summarisation model, and none was given to the run")]
    NoSummarizer(SummaryKind),
}
