//! `nashra summarize`: one English document per line in, one abstractive summary per line out,
//! in order (a BART model; see `nashra::translate::summarizer`).

use std::process::ExitCode;

use anyhow::Context;

use super::line_io::LineFiles;
use super::model_args::{configure_threads, EngineArgs, ModelArgs};
use crate::translate::hub::HubOptions;
use crate::translate::{presets, BatchPolicy, Compute, ModelSource, Summarizer, SummaryOptions};

/// Summarise English documents, one per line (stdin to stdout by default).
#[derive(Debug, clap::Args)]
pub struct SummarizeArgs {
    #[command(flatten)]
    pub files: LineFiles,
    /// Documents per model batch
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub batch_size: usize,
    /// No n-gram of this size occurs twice in a summary (0: off) [default: the model's, 3 for
    /// the CNN models]
    #[arg(long, value_name = "N")]
    pub no_repeat_ngram_size: Option<usize>,
    /// Model, decoding and thread flags as for `translate`; --model defaults to
    /// sshleifer/distilbart-cnn-12-6 (the `summary-fast` preset)
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Where the summariser comes from: `--model-dir`, `--model`, else the default model.
fn source(model: &ModelArgs) -> ModelSource {
    if model.model_dir.is_some() || model.model.is_some() {
        return model.source();
    }
    let name = &presets::default_for(presets::Task::Summarize).name;
    presets::source(Some(name), model.revision.as_deref())
}

/// Finds (downloading if needed) and loads the summariser the flags name.
pub fn load(model: &ModelArgs) -> anyhow::Result<Summarizer> {
    let compute = Compute::select(model.quantize.unwrap_or_default())?;
    let source = source(model);
    Summarizer::new(&source, &HubOptions::from_env(), compute)
        .with_context(|| format!("loading summarisation model {source:?}"))
}

pub fn execute(args: SummarizeArgs) -> anyhow::Result<ExitCode> {
    configure_threads(args.engine.threads)?;
    let text = args.files.read()?;
    let summarizer = load(&args.engine.model)?;
    let defaults = summarizer.default_options();
    let mut opts = SummaryOptions {
        decode: args.engine.decode.apply(&defaults.decode),
        rules: defaults.rules.clone(),
    };
    if let Some(n) = args.no_repeat_ngram_size {
        opts.rules.no_repeat_ngram_size = n;
    }
    let lines: Vec<&str> = text.lines().collect();
    let summaries =
        summarizer.summarize(&lines, &opts, &BatchPolicy::sentences(args.batch_size))?;
    let mut out = String::new();
    for s in &summaries {
        // One line of output each: a newline inside one would shift every later line.
        out.push_str(&s.one_line());
        out.push('\n');
    }
    args.files.write(&out)?;
    Ok(ExitCode::SUCCESS)
}
