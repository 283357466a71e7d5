//! Command-line interface: parses arguments and calls the library. No pipeline logic lives
//! here; each subcommand's flags and glue are in their own file.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod bench;
pub mod clean;
pub mod eval;
mod line_io;
pub mod merge;
pub mod model_args;
pub mod models;
pub mod run;
pub mod summarize;
pub mod translate;

/// Arabic news articles in, bilingual English briefs out.
#[derive(Debug, Parser)]
#[command(name = "nashra", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure translation throughput (sentences/s, tokens/s, latency, memory).
    Bench(Box<bench::BenchArgs>),
    /// The nightly job: turn a folder of Arabic articles into bilingual briefs.
    Run(Box<run::RunArgs>),
    /// Translate Arabic text line by line (stdin to stdout by default).
    Translate(translate::TranslateArgs),
    /// Summarise English documents, one per line, with a BART model (stdin to stdout).
    Summarize(summarize::SummarizeArgs),
    /// Read articles, drop web boilerplate, and show the cleaned structure.
    Clean(clean::CleanArgs),
    /// Score translations with BLEU and chrF, exactly as sacreBLEU does.
    Eval(eval::EvalArgs),
    /// Merge a sharded run's shards into one index and run.json.
    Merge(merge::MergeArgs),
    /// Download and list translation models (for offline nightly runs).
    Models(models::ModelsArgs),
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(args) => bench::execute(*args),
        Command::Run(args) => run::execute(*args),
        Command::Translate(args) => translate::execute(args),
        Command::Summarize(args) => summarize::execute(args),
        Command::Clean(args) => clean::execute(args),
        Command::Eval(args) => eval::execute(args),
        Command::Merge(args) => merge::execute(args),
        Command::Models(args) => models::execute(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("nashra: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
