//! `nashra clean`: work in progress.
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CleanArgs {}

pub fn execute(_args: CleanArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
