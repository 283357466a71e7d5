//! `nashra translate`: one Arabic line in, one English line out, in order.

use std::process::ExitCode;

use super::line_io::LineFiles;
use super::model_args::{configure_threads, EngineArgs};
use crate::translate::BatchPolicy;

/// Translate text line by line (stdin to stdout by default).
#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    #[command(flatten)]
    pub files: LineFiles,
    /// Sentences per model batch
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub batch_size: usize,
    /// Padded source tokens per batch (instead of --batch-size)
    #[arg(long, value_name = "N", conflicts_with = "batch_size")]
    pub batch_tokens: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn execute(args: TranslateArgs) -> anyhow::Result<ExitCode> {
    configure_threads(args.engine.threads)?;
    let text = args.files.read()?;
    let translator = args.engine.model.load()?;
    let opts = args
        .engine
        .decode
        .apply(translator.engine().default_options());
    let policy = match args.batch_tokens {
        Some(t) => BatchPolicy::tokens(t),
        None => BatchPolicy::sentences(args.batch_size),
    };
    let lines: Vec<&str> = text.lines().collect();
    let translations = translator.translate(&lines, &opts, &policy)?;
    let mut out = String::with_capacity(text.len());
    for t in &translations {
        out.push_str(&t.text);
        out.push('\n');
    }
    args.files.write(&out)?;
    Ok(ExitCode::SUCCESS)
}
