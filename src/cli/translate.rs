//! `nashra translate`: one Arabic line in, one English line out, in order.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::model_args::{configure_threads, EngineArgs};
use crate::fsutil::write_atomic;
use crate::translate::BatchPolicy;

/// Translate text line by line (stdin to stdout by default).
#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    /// Read Arabic lines from this file instead of stdin
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Write English lines to this file (atomically) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    let mut text = String::new();
    match &args.input {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            text = String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{}: not UTF-8 text (invalid byte at offset {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
        }
        None => {
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading stdin (not UTF-8 text?)")?;
        }
    }
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
    match &args.output {
        Some(path) => write_atomic(path, out.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout()
            .write_all(out.as_bytes())
            .context("writing stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}
