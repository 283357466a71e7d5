//! Model selection flags shared by every subcommand that runs the model: work in progress.

#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {}
