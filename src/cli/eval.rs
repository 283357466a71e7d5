//! `nashra eval`: BLEU and chrF exactly as sacreBLEU computes them, on a translation file or
//! on what the model makes of a source file; with `--rouge`, ROUGE of summaries as
//! `rouge-score` computes them (English) or on Arabic-normalised tokens.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use super::model_args::{configure_threads, EngineArgs};
use crate::eval::rouge::BOOTSTRAP_SAMPLES;
use crate::eval::{
    corpus_bleu, corpus_chrf, corpus_rouge, CorpusRouge, Language, RougeOptions, Variant,
};
use crate::translate::BatchPolicy;

/// Score translations against references.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// System translations, one sentence per line
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "src",
        conflicts_with = "src"
    )]
    pub hyp: Option<PathBuf>,
    /// Arabic sources to translate with the model first, then score
    #[arg(long, value_name = "FILE")]
    pub src: Option<PathBuf>,
    /// Reference translations (repeat for several references per sentence)
    #[arg(long = "ref", value_name = "FILE", required = true)]
    pub refs: Vec<PathBuf>,
    /// Metrics to compute
    #[arg(long, value_delimiter = ',', default_value = "bleu,chrf")]
    pub metrics: Vec<Metric>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
    /// Write the translations made from --src to this file
    #[arg(long, value_name = "FILE", requires = "src")]
    pub save_hyp: Option<PathBuf>,
    /// Score summaries with ROUGE-1/2/L/Lsum instead (one summary per line; its sentences
    /// separated by a tab or ` <n> `; several --ref: the mean over references)
    #[arg(long, conflicts_with = "src")]
    pub rouge: bool,
    /// ROUGE tokenisation: `en` is rouge-score's, `ar` Arabic-normalised tokens
    #[arg(long, value_enum, default_value = "en", requires = "rouge")]
    pub lang: RougeLang,
    /// ROUGE with a stemmer (Porter as rouge-score for en, a light stemmer for ar)
    #[arg(long, requires = "rouge")]
    pub stem: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RougeLang {
    En,
    Ar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Metric {
    Bleu,
    Chrf,
}

/// The lines of a UTF-8 text file, with errors naming the file and line.
pub fn read_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!("{}: line {line} is not valid UTF-8", path.display());
        }
    };
    Ok(text.lines().map(String::from).collect())
}

pub fn execute(args: EvalArgs) -> anyhow::Result<ExitCode> {
    if args.rouge {
        return execute_rouge(&args);
    }
    let refs: Vec<Vec<String>> = args
        .refs
        .iter()
        .map(|p| read_lines(p))
        .collect::<anyhow::Result<_>>()?;
    let (hyps, hyp_name) = hypotheses(&args)?;
    if hyps.is_empty() {
        bail!("{hyp_name} is empty: nothing to score");
    }
    for (path, set) in args.refs.iter().zip(&refs) {
        if set.len() != hyps.len() {
            bail!(
                "{hyp_name} has {} lines but {} has {}",
                hyps.len(),
                path.display(),
                set.len()
            );
        }
    }
    let want = |m: Metric| args.metrics.contains(&m);
    let bleu = want(Metric::Bleu)
        .then(|| corpus_bleu(&hyps, &refs))
        .transpose()?;
    let chrf = want(Metric::Chrf)
        .then(|| corpus_chrf(&hyps, &refs))
        .transpose()?;
    if args.json {
        println!("{}", scores_json(bleu.as_ref(), chrf.as_ref(), hyps.len()));
    } else {
        if let Some(b) = &bleu {
            println!("{b} {}", b.signature);
        }
        if let Some(c) = &chrf {
            println!("{c} {}", c.signature);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The hypotheses to score and how to name them: `--hyp`, else `--src` translated now (and
/// saved to `--save-hyp` when asked).
fn hypotheses(args: &EvalArgs) -> anyhow::Result<(Vec<String>, String)> {
    match (&args.hyp, &args.src) {
        (Some(h), _) => Ok((read_lines(h)?, h.display().to_string())),
        (None, Some(src)) => {
            configure_threads(args.engine.threads)?;
            let sources = read_lines(src)?;
            let translator = args.engine.model.load()?;
            let opts = args
                .engine
                .decode
                .apply(translator.engine().default_options());
            let refs: Vec<&str> = sources.iter().map(String::as_str).collect();
            let out: Vec<String> = translator
                .translate(&refs, &opts, &BatchPolicy::tokens(4096))?
                .into_iter()
                .map(|t| t.text)
                .collect();
            if let Some(p) = &args.save_hyp {
                crate::fsutil::write_atomic(p, (out.join("\n") + "\n").as_bytes())
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            Ok((out, format!("translations of {}", src.display())))
        }
        (None, None) => bail!("give --hyp FILE or --src FILE"),
    }
}

/// `--json`: the scores, their details and sacreBLEU signatures.
fn scores_json(
    bleu: Option<&crate::eval::BleuScore>,
    chrf: Option<&crate::eval::ChrfScore>,
    sentences: usize,
) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    let mut signatures = serde_json::Map::new();
    if let Some(b) = bleu {
        obj.insert("bleu".into(), (((b.score * 100.0).round()) / 100.0).into());
        obj.insert(
            "bleu_detail".into(),
            serde_json::json!({
                "score": b.score, "precisions": b.precisions, "bp": b.bp, "ratio": b.ratio,
                "hyp_len": b.hyp_len, "ref_len": b.ref_len, "verbose": b.to_string(),
            }),
        );
        signatures.insert("bleu".into(), b.signature.clone().into());
    }
    if let Some(c) = chrf {
        obj.insert("chrf".into(), (((c.score * 100.0).round()) / 100.0).into());
        obj.insert(
            "chrf_detail".into(),
            serde_json::json!({ "score": c.score }),
        );
        signatures.insert("chrf".into(), c.signature.clone().into());
    }
    obj.insert("sentences".into(), sentences.into());
    obj.insert("signatures".into(), signatures.into());
    serde_json::Value::Object(obj)
}

/// `nashra eval --rouge`: corpus ROUGE of summaries with bootstrap intervals.
fn execute_rouge(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let Some(hyp_path) = &args.hyp else {
        bail!("--rouge scores a summary file: give --hyp FILE");
    };
    let hyps = read_lines(hyp_path)?;
    if hyps.is_empty() {
        bail!("{} is empty: nothing to score", hyp_path.display());
    }
    let mut refs = Vec::with_capacity(args.refs.len());
    for path in &args.refs {
        let set = read_lines(path)?;
        if set.len() != hyps.len() {
            bail!(
                "{} has {} lines but {} has {}",
                hyp_path.display(),
                hyps.len(),
                path.display(),
                set.len()
            );
        }
        refs.push(set);
    }
    let opts = RougeOptions {
        language: match args.lang {
            RougeLang::En => Language::English,
            RougeLang::Ar => Language::Arabic,
        },
        stem: args.stem,
    };
    let c = corpus_rouge(&hyps, &refs, opts)?;
    if args.json {
        println!("{}", rouge_json(&c));
    } else {
        print!("{}", rouge_table(&c));
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(o: RougeOptions) -> String {
    let lang = match o.language {
        Language::English => "en (rouge-score tokens)",
        Language::Arabic => "ar (Arabic-normalised tokens)",
    };
    let stem = if o.stem { "stemmed" } else { "no stemmer" };
    format!("{lang}, {stem}")
}

/// One JSON object: per variant, P / R / F1 each with mean and 95 % bounds.
fn rouge_json(c: &CorpusRouge) -> serde_json::Value {
    let mut rouge = serde_json::Map::new();
    for v in Variant::ALL {
        let m = |i: usize| {
            let x = c.intervals[v as usize][i];
            serde_json::json!({ "mean": x.mean, "low": x.low, "high": x.high })
        };
        rouge.insert(
            v.name().into(),
            serde_json::json!({ "precision": m(0), "recall": m(1), "f1": m(2) }),
        );
    }
    serde_json::json!({
        "rouge": rouge,
        "documents": c.documents,
        "references": c.references,
        "language": match c.options.language { Language::English => "en", Language::Arabic => "ar" },
        "stem": c.options.stem,
        "reference_aggregation": "mean",
        "bootstrap": { "samples": BOOTSTRAP_SAMPLES, "confidence": 0.95 },
    })
}

/// A plain table: ×100, two decimals, the 95 % interval in brackets.
fn rouge_table(c: &CorpusRouge) -> String {
    let mut out = format!(
        "ROUGE, {}: {} documents, {} reference(s) each (mean over references), bootstrap 95 % interval\n",
        describe(c.options),
        c.documents,
        c.references
    );
    out += &format!(
        "{:<10} {:>22} {:>22} {:>22}\n",
        "", "precision", "recall", "F1"
    );
    for v in Variant::ALL {
        out += &format!("{:<10}", v.name());
        for x in c.intervals[v as usize] {
            let cell = format!(
                "{:.2} [{:.2}, {:.2}]",
                x.mean * 100.0,
                x.low * 100.0,
                x.high * 100.0
            );
            out += &format!(" {cell:>22}");
        }
        out.push('\n');
    }
    out
}
