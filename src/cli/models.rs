//! `nashra models`: pre-download models for offline nightly runs, and list what is known.

use std::process::ExitCode;

use crate::translate::hub::{self, HubOptions, DEFAULT_MODEL, DEFAULT_REVISION};

#[derive(Debug, clap::Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ModelsCommand {
    /// Download a model's files into the Hugging Face cache, for offline runs later
    Fetch {
        /// Repository id [default: Helsinki-NLP/opus-mt-ar-en]
        model: Option<String>,
        /// Revision [default: the pinned commit for the default model, else main]
        #[arg(long)]
        revision: Option<String>,
    },
    /// List the supported models and whether they are in the cache
    List,
}

/// The supported models, from `models/*.toml` (compiled in).
const SUPPORTED: [(&str, &str); 1] = [(DEFAULT_MODEL, DEFAULT_REVISION)];

pub fn execute(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let opts = HubOptions::from_env();
    match args.command {
        ModelsCommand::Fetch { model, revision } => {
            let repo = model.unwrap_or_else(|| DEFAULT_MODEL.to_string());
            let revision = revision.unwrap_or_else(|| {
                if repo == DEFAULT_MODEL {
                    DEFAULT_REVISION.into()
                } else {
                    "main".into()
                }
            });
            let files = hub::fetch(&repo, &revision, &opts)?;
            println!(
                "{repo}@{revision}: cached in {} (weights: {})",
                files.dir().display(),
                files.weights.path().display()
            );
        }
        ModelsCommand::List => {
            for (repo, revision) in SUPPORTED {
                let cached = hub::cached_file(&opts.cache_dir, repo, revision, "config.json")
                    .map_or("not cached".to_string(), |p| {
                        format!("cached at {}", p.parent().unwrap_or(&p).display())
                    });
                println!("{repo}@{revision}\t{cached}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
