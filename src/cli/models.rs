//! `nashra models`: work in progress.
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ModelsArgs {}

pub fn execute(_args: ModelsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
