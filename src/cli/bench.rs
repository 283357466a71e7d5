//! `nashra bench`: model throughput, measured honestly (see `nashra::bench`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context};

use super::eval::read_lines;
use super::model_args::{configure_threads, ModelArgs};
use crate::bench::{self, BenchReport, BenchSettings, BenchTask};
use crate::fsutil::write_atomic;
use crate::translate::{presets, BatchPolicy, DecodeOptions};

/// Measure translation throughput.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// What to measure: translate (Marian, sentences) or summarize (BART, English documents
    /// one per line; --input is required)
    #[arg(long, value_enum, default_value_t = BenchTask::Translate)]
    pub task: BenchTask,
    /// Sentences to translate, one per line [default: samples/flores/flores-dev.ar]
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Number of lines to translate (from the start of the input)
    #[arg(long, default_value_t = 256)]
    pub n: usize,
    /// Beam size
    #[arg(long, default_value_t = 1)]
    pub beam: usize,
    /// Sentences per batch
    #[arg(long, default_value_t = 32, conflicts_with = "batch_tokens")]
    pub batch_size: usize,
    /// Padded source tokens per batch (instead of --batch-size)
    #[arg(long, value_name = "N")]
    pub batch_tokens: Option<usize>,
    /// CPU threads [default: all cores]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Shortest output (transformers' counting: includes the decoder start token)
    #[arg(long, value_name = "L")]
    pub min_length: Option<usize>,
    /// Longest output (transformers' counting); with --min-length L, every sentence decodes
    /// exactly L-1 tokens
    #[arg(long, value_name = "L")]
    pub max_length: Option<usize>,
    /// Batches run and discarded before timing
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
    /// Run a grid (beams × batch sizes × threads), each point in a fresh process, and write
    /// bench.md, bench.json and bench.svg into --out
    #[arg(long)]
    pub compare: bool,
    /// Grid beams for --compare
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    pub grid_beams: Vec<usize>,
    /// Grid batch sizes for --compare
    #[arg(long, value_delimiter = ',', default_value = "16,32")]
    pub grid_batches: Vec<usize>,
    /// Grid thread counts for --compare
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub grid_threads: Vec<usize>,
    /// Grid models for --compare: presets, repository ids or local model directories
    /// [default: the model given by --model/--model-dir, else every preset]
    #[arg(long, value_delimiter = ',', value_name = "MODELS")]
    pub grid_models: Vec<String>,
    /// Where --compare writes its table and chart
    #[arg(long, default_value = "bench-results")]
    pub out: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
}

fn model_flags(m: &ModelArgs) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(d) = &m.model_dir {
        v.extend(["--model-dir".into(), d.display().to_string()]);
    }
    if let Some(x) = &m.model {
        v.extend(["--model".into(), x.clone()]);
    }
    if let Some(r) = &m.revision {
        v.extend(["--revision".into(), r.clone()]);
    }
    if let Some(q) = m.quantize {
        v.extend(["--quantize".into(), q.to_string()]);
    }
    v
}

/// The models a `--compare` grid runs, each as the flags that select it: `--grid-models`
/// entries (an existing directory is a local model, anything else a preset or repository),
/// else the model the flags name, else every preset of the bench's task.
fn grid_models(args: &BenchArgs) -> Vec<Vec<String>> {
    if !args.grid_models.is_empty() {
        return args
            .grid_models
            .iter()
            .map(|m| {
                let flag = if Path::new(m).is_dir() {
                    "--model-dir"
                } else {
                    "--model"
                };
                vec![flag.to_string(), m.clone()]
            })
            .collect();
    }
    let given = model_flags(&args.model);
    if args.model.model.is_some() || args.model.model_dir.is_some() {
        return vec![given];
    }
    let task = match args.task {
        BenchTask::Summarize => presets::Task::Summarize,
        BenchTask::Translate => presets::Task::Translate,
    };
    presets::all()
        .iter()
        .filter(|p| p.task == task)
        .map(|p| {
            let mut flags = vec!["--model".to_string(), p.name.clone()];
            flags.extend(given.iter().cloned());
            flags
        })
        .collect()
}

/// One grid point of `--compare`: `model` (the flags selecting it) at one beam, batch size
/// and thread count, measured in a fresh process so points do not share caches or allocators.
fn run_point(
    exe: &Path,
    args: &BenchArgs,
    model: &[String],
    (beam, batch, threads): (usize, usize, usize),
) -> anyhow::Result<BenchReport> {
    let mut cmd = Command::new(exe);
    cmd.arg("bench")
        .args(["--json", "--n", &args.n.to_string()])
        .args(match args.task {
            BenchTask::Translate => &[][..],
            BenchTask::Summarize => &["--task", "summarize"][..],
        })
        .args(["--beam", &beam.to_string()])
        .args(["--batch-size", &batch.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--warmup", &args.warmup.to_string()])
        .args(model);
    if let Some(i) = &args.input {
        cmd.arg("--input").arg(i);
    }
    if let Some(l) = args.min_length {
        cmd.args(["--min-length", &l.to_string()]);
    }
    if let Some(l) = args.max_length {
        cmd.args(["--max-length", &l.to_string()]);
    }
    let point = format!(
        "{} beam {beam} batch {batch} threads {threads}",
        model.join(" ")
    );
    let out = cmd
        .output()
        .with_context(|| format!("running grid point {point}"))?;
    if !out.status.success() {
        bail!(
            "grid point {point} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let report: BenchReport = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("reading the report of grid point {point}"))?;
    eprintln!("{point}: {:.2} sentences/s", report.sent_per_s);
    Ok(report)
}

fn compare(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("locating the nashra executable")?;
    let mut reports: Vec<BenchReport> = Vec::new();
    for model in grid_models(args) {
        for &threads in &args.grid_threads {
            for &beam in &args.grid_beams {
                for &batch in &args.grid_batches {
                    reports.push(run_point(&exe, args, &model, (beam, batch, threads))?);
                }
            }
        }
    }
    let table = bench::table(&reports);
    print!("{table}");
    write_atomic(&args.out.join("bench.md"), table.as_bytes())?;
    write_atomic(
        &args.out.join("bench.json"),
        serde_json::to_string_pretty(&reports)?.as_bytes(),
    )?;
    write_atomic(
        &args.out.join("bench.svg"),
        bench::svg_chart(&reports).as_bytes(),
    )?;
    eprintln!(
        "wrote bench.md, bench.json, bench.svg in {}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn execute(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if args.compare {
        return compare(&args);
    }
    let threads = configure_threads(args.threads)?;
    if args.task == BenchTask::Summarize {
        return bench_summaries(&args, threads);
    }
    let input = args
        .input
        .clone()
        .unwrap_or_else(|| PathBuf::from("samples/flores/flores-dev.ar"));
    let lines = read_lines(&input)?;
    let lines = first_nonempty(&lines, args.n);
    if lines.is_empty() {
        bail!("{}: no sentences to translate", input.display());
    }
    let started = Instant::now();
    let translator = args.model.load()?;
    let load_s = started.elapsed().as_secs_f64();
    let defaults = translator.engine().default_options();
    let settings = settings(&args, threads, defaults);
    let report = bench::run(&translator, &lines, &settings, load_s)?;
    print_report(&args, &report)
}

/// `--task summarize`: times a BART model summarising the documents of `--input`.
fn bench_summaries(args: &BenchArgs, threads: usize) -> anyhow::Result<ExitCode> {
    let Some(input) = &args.input else {
        bail!("--task summarize needs --input: English documents, one per line");
    };
    let docs = read_lines(input)?;
    let docs = first_nonempty(&docs, args.n);
    if docs.is_empty() {
        bail!("{}: no documents to summarise", input.display());
    }
    let started = Instant::now();
    let summarizer = super::summarize::load(&args.model)?;
    let load_s = started.elapsed().as_secs_f64();
    let defaults = &summarizer.default_options().decode;
    let settings = settings(args, threads, defaults);
    let report = bench::run(&summarizer, &docs, &settings, load_s)?;
    print_report(args, &report)
}

/// The first `n` non-blank lines: what a bench times.
fn first_nonempty(lines: &[String], n: usize) -> Vec<&str> {
    lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect()
}

/// The measured settings: the flags, else the model's own lengths.
fn settings(args: &BenchArgs, threads: usize, defaults: &DecodeOptions) -> BenchSettings {
    BenchSettings {
        num_beams: args.beam,
        batch: match args.batch_tokens {
            Some(t) => BatchPolicy::tokens(t),
            None => BatchPolicy::sentences(args.batch_size),
        },
        threads,
        min_length: args.min_length.unwrap_or(defaults.min_length),
        max_length: args.max_length.unwrap_or(defaults.max_length),
        warmup_batches: args.warmup,
    }
}

fn print_report(args: &BenchArgs, report: &BenchReport) -> anyhow::Result<ExitCode> {
    if args.json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        print!("{}", bench::table(std::slice::from_ref(report)));
        println!(
            "{} sentences in {:.2} s; model load {:.2} s",
            report.sentences, report.seconds, report.model_load_s
        );
    }
    Ok(ExitCode::SUCCESS)
}
