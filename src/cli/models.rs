//! `nashra models`: pre-download models for offline nightly runs, and list the presets.

use std::process::ExitCode;

use crate::translate::hub::{self, HubOptions};
use crate::translate::presets;

#[derive(Debug, clap::Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ModelsCommand {
    /// Download a model's files into the Hugging Face cache, for offline runs later
    Fetch {
        /// A preset (`best`, `fast`) or a repository id [default: best]
        model: Option<String>,
        /// Revision [default: the pinned commit for a preset's repository, else main]
        #[arg(long)]
        revision: Option<String>,
    },
    /// List the presets as a table: repository, pinned revision, size, licence, quality,
    /// measured speed and memory, and whether each is in the cache
    List,
}

pub fn execute(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let opts = HubOptions::from_env();
    match args.command {
        ModelsCommand::Fetch { model, revision } => {
            let (repo, revision) =
                presets::repo_and_revision(model.as_deref(), revision.as_deref());
            // A summariser's files are BART's (byte-level BPE), a translator's Marian's.
            let layout = match presets::find(model.as_deref().unwrap_or_default()) {
                Some(p) if p.task == presets::Task::Summarize => hub::Layout::Bart,
                _ => hub::Layout::Marian,
            };
            let files = hub::fetch_layout(&repo, &revision, &opts, layout)?;
            println!(
                "{repo}@{revision}: cached in {} (weights: {})",
                files.dir().display(),
                files.weights.path().display()
            );
        }
        ModelsCommand::List => {
            let cached = |p: &presets::Preset| {
                hub::cached_file(&opts.cache_dir, &p.id, &p.revision, "config.json").is_some()
            };
            print!("{}", presets::table(&cached));
        }
    }
    Ok(ExitCode::SUCCESS)
}
