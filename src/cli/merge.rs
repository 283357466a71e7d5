//! `nashra merge OUT`: builds a sharded run's index and `run.json` from its shard manifests.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::run::merge;

/// Merge the shards of a run into one index and run.json.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The output directory the shards wrote into (their manifests are in OUT/shards/)
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Merge even when shards are missing: the index lists what the others wrote and run.json
    /// names the missing shards (exit status 2)
    #[arg(long)]
    pub partial: bool,
    /// No summary line
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn execute(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let outcome = merge::merge_dir(&args.out, args.partial)?;
    for path in &outcome.stale {
        eprintln!(
            "nashra: {}: another run's shard manifest, ignored",
            path.display()
        );
    }
    if !outcome.missing.is_empty() {
        eprintln!(
            "nashra: shards missing (merged without them): {}",
            outcome
                .missing
                .iter()
                .map(|i| format!("{i}/{}", outcome.count))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let m = &outcome.manifest;
    for a in &m.articles {
        if let Some(e) = &a.error {
            eprintln!("nashra: {}: {:?}: {e}", a.path, a.status);
        }
    }
    if !args.quiet {
        let c = &m.counts;
        eprintln!(
            "nashra: merged {} of {} shards: {} ok, {} failed, {} skipped; {} sentences; index in {}",
            m.shards.len(),
            outcome.count,
            c.ok,
            c.failed,
            c.skipped,
            c.sentences,
            args.out.display()
        );
    }
    Ok(outcome.status.into())
}
