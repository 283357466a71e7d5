//! `nashra run`: the nightly job. Settings come from flags, then `NASHRA_*` environment
//! variables, then `nashra.toml`, then defaults (in that order of precedence).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

use super::model_args::{configure_threads, DecodeArgs, ModelArgs};
use crate::run::{self, Formats, Models, Progress, RunPaths, RunSettings};
use crate::run::{SummaryCheck, SummaryKind};
use crate::summarize::Budget;
use crate::translate::{BatchPolicy, DecodeOptions, Quantize};

/// Turn a folder of Arabic articles into bilingual briefs.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Article files or directories (.txt, .html, .htm, .jsonl)
    #[arg(value_name = "FILE|DIR")]
    pub inputs: Vec<PathBuf>,
    /// Output directory [default: briefs]
    #[arg(long, env = "NASHRA_OUT", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Translation cache directory [default: .cache inside the output directory]
    #[arg(long, env = "NASHRA_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Files per article: any of html,md,json [default: html,md,json]
    #[arg(long, env = "NASHRA_FORMATS", value_name = "LIST")]
    pub formats: Option<String>,
    /// Padded source tokens per model batch [default: 4096]
    #[arg(long, env = "NASHRA_BATCH_TOKENS", value_name = "N")]
    pub batch_tokens: Option<usize>,
    /// CPU threads shared by article workers and the model [default: all cores]
    #[arg(long, env = "NASHRA_THREADS", value_name = "N")]
    pub threads: Option<usize>,
    /// Key sentences per summary [default: 3]
    #[arg(long, env = "NASHRA_SUMMARY_SENTENCES", value_name = "K")]
    pub summary_sentences: Option<usize>,
    /// A budget in (Arabic) words for the key sentences instead of a sentence count: sentences
    /// are chosen while their words fit (at least one)
    #[arg(
        long,
        env = "NASHRA_SUMMARY_WORDS",
        value_name = "N",
        conflicts_with = "summary_sentences"
    )]
    pub summary_words: Option<usize>,
    /// Which summaries briefs show: extractive (the article's key sentences, with their
    /// Arabic), abstractive (an English summary written by a BART model from the translation,
    /// checked against the article) or both [default: extractive]
    #[arg(long, env = "NASHRA_SUMMARY", value_name = "KIND")]
    pub summary: Option<SummaryKind>,
    /// What becomes of a machine-summary sentence with a number, date or name the article
    /// does not support: mark (shown, marked, with what was not found) or drop (left out,
    /// listed as removed) [default: mark]
    #[arg(long, env = "NASHRA_SUMMARY_CHECK", value_name = "ACTION")]
    pub summary_check: Option<SummaryCheck>,
    /// The summarisation model: a preset (`summary-fast`: distilbart-cnn-12-6,
    /// `summary-best`: bart-large-cnn) or a Hugging Face repository id [default: summary-fast]
    #[arg(
        long,
        env = "NASHRA_SUMMARY_MODEL",
        value_name = "PRESET|REPO_ID",
        conflicts_with = "summary_model_dir"
    )]
    pub summary_model: Option<String>,
    /// A local directory with the summarisation model's files, instead of the Hub
    #[arg(long, env = "NASHRA_SUMMARY_MODEL_DIR", value_name = "DIR")]
    pub summary_model_dir: Option<PathBuf>,
    /// Uncached sentences gathered before each model call [default: 512]
    #[arg(long, env = "NASHRA_GROUP_SENTENCES", value_name = "N", hide = true)]
    pub group_sentences: Option<usize>,
    /// Articles (files or JSON-lines records) over this many bytes are skipped, recorded
    /// [default: 4194304]
    #[arg(long, env = "NASHRA_MAX_ARTICLE_BYTES", value_name = "BYTES")]
    pub max_article_bytes: Option<u64>,
    /// If another run holds the output folder, wait for it instead of exiting
    #[arg(long)]
    pub wait: bool,
    /// Run only shard I of N (0-based, e.g. 1/4) [default: from SLURM_ARRAY_TASK_ID or
    /// JOB_COMPLETION_INDEX when set]
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Number of shards, for a Kubernetes Indexed Job (JOB_COMPLETION_INDEX gives the index)
    #[arg(long, env = "NASHRA_SHARDS", value_name = "N")]
    pub shards: Option<usize>,
    /// No progress bar or log lines (errors still go to stderr)
    #[arg(long, short)]
    pub quiet: bool,
    /// Settings file [default: ./nashra.toml if present]
    #[arg(long, env = "NASHRA_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub decode: DecodeArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `nashra.toml`: the same settings as the flags, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub inputs: Option<Vec<PathBuf>>,
    pub out: Option<PathBuf>,
    pub cache: Option<PathBuf>,
    pub formats: Option<String>,
    pub batch_tokens: Option<usize>,
    pub threads: Option<usize>,
    pub summary_sentences: Option<usize>,
    pub summary_words: Option<usize>,
    pub summary: Option<SummaryKind>,
    pub summary_check: Option<SummaryCheck>,
    pub summary_model: Option<String>,
    pub summary_model_dir: Option<PathBuf>,
    pub max_article_bytes: Option<u64>,
    pub beam: Option<usize>,
    pub max_length: Option<usize>,
    pub min_length: Option<usize>,
    pub model: Option<String>,
    pub revision: Option<String>,
    pub model_dir: Option<PathBuf>,
    pub quantize: Option<Quantize>,
    pub quiet: Option<bool>,
}

fn read_config(explicit: Option<&Path>) -> anyhow::Result<FileConfig> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from("nashra.toml");
            if !p.is_file() {
                return Ok(FileConfig::default());
            }
            p
        }
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}: invalid settings file", path.display()))
}

/// Progress on a terminal: a bar with articles, sentences/s and ETA.
struct Bar {
    bar: ProgressBar,
    sentences: usize,
    seconds: f64,
}

impl Progress for Bar {
    fn articles_read(&mut self, total: usize, ok: usize) {
        self.bar.set_length(ok as u64);
        self.bar
            .set_message(format!("{total} read, {} not usable", total - ok));
    }
    fn translated(&mut self, sentences: usize, seconds: f64) {
        self.sentences += sentences;
        self.seconds += seconds;
        self.bar.set_message(format!(
            "{:.1} sentences/s",
            self.sentences as f64 / self.seconds.max(1e-9)
        ));
    }
    fn summarized(&mut self, documents: usize, seconds: f64) {
        self.bar
            .set_message(format!("{documents} summaries written in {seconds:.1}s"));
    }
    fn article_done(&mut self, done: usize, _total: usize) {
        self.bar.set_position(done as u64);
    }
}

/// Progress elsewhere: plain log lines on stderr, one per 512 sentences translated (the run
/// reports every model batch; a line each would flood a nightly log).
#[derive(Default)]
struct Log {
    sentences: usize,
    seconds: f64,
    unlogged: usize,
}

impl Log {
    fn line(&mut self) {
        eprintln!(
            "nashra: translated {} sentences in {:.1}s ({:.1} sentences/s)",
            self.sentences,
            self.seconds,
            self.sentences as f64 / self.seconds.max(1e-9)
        );
        self.unlogged = 0;
    }
}

impl Progress for Log {
    fn articles_read(&mut self, total: usize, ok: usize) {
        eprintln!("nashra: read {total} articles ({ok} usable)");
    }
    fn translated(&mut self, sentences: usize, seconds: f64) {
        self.sentences += sentences;
        self.seconds += seconds;
        self.unlogged += sentences;
        if self.unlogged >= 512 {
            self.line();
        }
    }
    fn summarized(&mut self, documents: usize, seconds: f64) {
        eprintln!("nashra: wrote {documents} abstractive summaries in {seconds:.1}s");
    }
    fn article_done(&mut self, done: usize, total: usize) {
        if done == total {
            if self.unlogged > 0 {
                self.line();
            }
            eprintln!("nashra: {done}/{total} articles processed");
        }
    }
}

pub fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    init_debug_log();
    let file = read_config(args.config.as_deref())?;
    let quiet = args.quiet || file.quiet.unwrap_or(false);
    let model_args = ModelArgs {
        model: args.model.model.clone().or(file.model.clone()),
        revision: args.model.revision.clone().or(file.revision.clone()),
        model_dir: args.model.model_dir.clone().or(file.model_dir.clone()),
        quantize: args.model.quantize.or(file.quantize),
    };
    // The summariser: its own model flags, the translator's precision.
    let summary_model_args = ModelArgs {
        model: args.summary_model.clone().or(file.summary_model.clone()),
        revision: None,
        model_dir: args
            .summary_model_dir
            .clone()
            .or(file.summary_model_dir.clone()),
        quantize: model_args.quantize,
    };
    let decode_args = DecodeArgs {
        beam: args.decode.beam.or(file.beam),
        max_length: args.decode.max_length.or(file.max_length),
        min_length: args.decode.min_length.or(file.min_length),
        ..args.decode.clone()
    };
    let mut settings = settings(args, file)?;
    let paths = RunPaths::of(&settings);
    // The lock comes before the model: a second run on this folder is refused at once.
    let lock = run::lock_out(&paths, settings.wait_for_lock)?;
    let translator = model_args.load()?;
    settings.decode = decode_args.apply(translator.engine().default_options());
    translator.engine().validate(&settings.decode)?;
    let summarizer = match settings.summary.abstractive() {
        true => Some(super::summarize::load(&summary_model_args)?),
        false => None,
    };
    let models = Models {
        translator: &translator,
        summarizer: summarizer.as_ref(),
    };
    let outcome = with_progress(quiet, |p| {
        run::run_locked(&settings, models, paths, lock, p)
    })?;
    report(&outcome, &settings.out, quiet);
    Ok(outcome.status.into())
}

/// The run's settings from flags, environment and file; decoding options are the model's
/// defaults until the caller applies the decoding flags to them.
fn settings(args: RunArgs, file: FileConfig) -> anyhow::Result<RunSettings> {
    let summary_budget = summary_budget(&args, &file)?;
    let inputs = if args.inputs.is_empty() {
        file.inputs.unwrap_or_default()
    } else {
        args.inputs
    };
    if inputs.is_empty() {
        anyhow::bail!("no input: give article files or directories (or `inputs` in nashra.toml)");
    }
    let formats = args.formats.or(file.formats);
    Ok(RunSettings {
        inputs,
        out: args
            .out
            .or(file.out)
            .unwrap_or_else(|| PathBuf::from("briefs")),
        cache_dir: args.cache.or(file.cache),
        formats: Formats::parse(formats.as_deref().unwrap_or("html,md,json"))
            .map_err(anyhow::Error::msg)?,
        decode: DecodeOptions::default(),
        batch: BatchPolicy::tokens(args.batch_tokens.or(file.batch_tokens).unwrap_or(4096)),
        threads: configure_threads(args.threads.or(file.threads))?,
        summary_budget,
        summary: args.summary.or(file.summary).unwrap_or_default(),
        summary_check: args
            .summary_check
            .or(file.summary_check)
            .unwrap_or_default(),
        group_sentences: args.group_sentences.unwrap_or(512),
        max_article_bytes: args
            .max_article_bytes
            .or(file.max_article_bytes)
            .unwrap_or(crate::ingest::DEFAULT_MAX_ARTICLE_BYTES),
        wait_for_lock: args.wait,
        shard: run::shard::resolve(args.shard.as_deref(), args.shards, &|name| {
            std::env::var(name).ok()
        })?,
    })
}

/// The key sentences' budget: `--summary-words` (flag, environment, then file) over
/// `--summary-sentences`, 3 sentences by default.
fn summary_budget(args: &RunArgs, file: &FileConfig) -> anyhow::Result<Budget> {
    let words = args.summary_words.or(file.summary_words);
    let sentences = args.summary_sentences.or(file.summary_sentences);
    match (words, sentences) {
        (Some(0), _) => anyhow::bail!("--summary-words must be at least 1"),
        (Some(w), _) => Ok(Budget::Words(w)),
        (None, s) => Ok(Budget::Sentences(s.unwrap_or(3))),
    }
}

/// `RUST_LOG=nashra=debug` shows each model call of the run as it starts.
fn init_debug_log() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .without_time()
            .with_ansi(false)
            .try_init();
    }
}

/// Calls `f` with the progress display that fits: none when quiet, a bar on a terminal, log
/// lines otherwise.
fn with_progress<T>(quiet: bool, f: impl FnOnce(&mut dyn Progress) -> T) -> T {
    if quiet {
        return f(&mut run::Silent);
    }
    if !std::io::stderr().is_terminal() {
        return f(&mut Log::default());
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} articles · {msg} · ETA {eta}",
        )
        .expect("static template"),
    );
    let mut p = Bar {
        bar,
        sentences: 0,
        seconds: 0.0,
    };
    let result = f(&mut p);
    p.bar.finish_and_clear();
    result
}

/// What went wrong, article by article, then one line saying what was written and what was
/// not. Failures are printed even with `--quiet`.
fn report(outcome: &run::RunOutcome, out: &Path, quiet: bool) {
    let m = &outcome.manifest;
    for w in &m.warnings {
        eprintln!("nashra: warning: {w}");
    }
    for a in &m.articles {
        for w in &a.warnings {
            eprintln!("nashra: {}: warning: {w}", a.path);
        }
        if let Some(e) = &a.error {
            eprintln!("nashra: {}: {:?}: {e}", a.path, a.status);
        }
    }
    for u in &outcome.unwritten {
        eprintln!("nashra: error: not written: {u}");
    }
    if !quiet {
        for s in &m.shards {
            eprintln!("nashra: shard {}/{} ({})", s.index, s.count, s.detail);
        }
    }
    let c = &m.counts;
    if !quiet || c.failed > 0 || !outcome.unwritten.is_empty() {
        eprintln!(
            "nashra: {} articles: {} with briefs, {} failed, {} skipped; {} sentences ({} translated, {} from cache); briefs in {}{}",
            c.articles,
            c.ok,
            c.failed,
            c.skipped,
            c.sentences,
            c.translated,
            c.cached,
            out.display(),
            if outcome.unwritten.is_empty() {
                String::new()
            } else {
                format!("; {} run file(s) NOT written (see above)", outcome.unwritten.len())
            }
        );
    }
    if let (false, Some(a)) = (quiet, &c.abstractive) {
        eprintln!(
            "nashra: {} machine summaries ({} written, {} from cache); {} sentences state what \
             the article does not support ({} removed)",
            a.summaries, a.written, a.cached, a.unsupported_sentences, a.removed_sentences
        );
    }
}
