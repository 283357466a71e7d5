//! Throughput measurement: translate a fixed set of sentences with fixed settings and report
//! what a paper's table needs — sentences/s, source and target tokens/s, model load time,
//! batch latency percentiles, peak memory — plus a grid comparison rendered as a table and an
//! SVG chart.
//!
//! Honest by construction: warm-up batches are run and discarded first, the clock covers only
//! translation (tokenisation included, file reading excluded), identical settings give
//! identical work (`min_length = max_length` makes every sentence decode the same number of
//! steps, whatever random weights would pick), and every figure in the report is derived from
//! the same counted run.

use std::fmt::Write as _;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::translate::{
    BatchPolicy, BatchReport, Compute, DecodeOptions, Engine, ModelFiles, Quantize, Repeats,
    Summarizer, SummaryOptions, TranslateError, Translator,
};

/// What a benchmark measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchTask {
    /// Arabic → English translation with a Marian model (sentences in).
    #[default]
    Translate,
    /// English summaries with a BART model (documents in).
    Summarize,
}

/// What to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchSettings {
    pub num_beams: usize,
    pub batch: BatchPolicy,
    pub threads: usize,
    pub min_length: usize,
    pub max_length: usize,
    pub warmup_batches: usize,
}

impl BenchSettings {
    /// The model's decoding options `defaults` with these settings' search and lengths.
    fn decoding(&self, defaults: &DecodeOptions) -> DecodeOptions {
        DecodeOptions {
            num_beams: self.num_beams,
            min_length: self.min_length,
            max_length: self.max_length,
            max_new_tokens: None,
            ..defaults.clone()
        }
    }
}

/// One measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub system: String,
    /// The model measured: its repository id or directory (absent in reports from before
    /// models were compared).
    #[serde(default)]
    pub model: String,
    pub sentences: usize,
    pub seconds: f64,
    pub sent_per_s: f64,
    pub src_tokens: usize,
    pub tgt_tokens: usize,
    pub src_tokens_per_s: f64,
    pub tgt_tokens_per_s: f64,
    pub batches: usize,
    pub batch_latency_p50_s: f64,
    pub batch_latency_p95_s: f64,
    pub model_load_s: f64,
    pub peak_rss_mib: f64,
    pub settings: BenchSettings,
}

/// What one timed pass counted, before rates and percentiles are derived from it.
struct Measured<'a> {
    compute: Compute,
    model: &'a str,
    sentences: usize,
    seconds: f64,
    src_tokens: usize,
    tgt_tokens: usize,
    latencies: &'a [f64],
}

impl BenchReport {
    /// The report of one timed pass: rates, latency percentiles and peak memory from `m`.
    fn of(m: Measured, model_load_s: f64, settings: &BenchSettings) -> Self {
        Self {
            system: system_name(m.compute),
            model: m.model.to_string(),
            sentences: m.sentences,
            seconds: m.seconds,
            sent_per_s: m.sentences as f64 / m.seconds,
            src_tokens: m.src_tokens,
            tgt_tokens: m.tgt_tokens,
            src_tokens_per_s: m.src_tokens as f64 / m.seconds,
            tgt_tokens_per_s: m.tgt_tokens as f64 / m.seconds,
            batches: m.latencies.len(),
            batch_latency_p50_s: percentile(m.latencies, 50.0),
            batch_latency_p95_s: percentile(m.latencies, 95.0),
            model_load_s,
            peak_rss_mib: peak_rss_mib(),
            settings: settings.clone(),
        }
    }
}

/// The name a report gives nashra: its kernels and weight precision, e.g. `nashra (avx512,
/// int8)`.
fn system_name(compute: Compute) -> String {
    let precision = match compute.quantize {
        Quantize::None => "f32",
        Quantize::Int8 => "int8",
    };
    format!("nashra ({}, {precision})", compute.isa)
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB; 0 where unknown.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The `p`-th percentile (0–100) of `values`, nearest-rank.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// A model `nashra bench` measures: a translator (sentences in) or a summariser (English
/// documents in, each counted as a "sentence" of the report).
pub trait Benchable {
    fn engine(&self) -> &Engine;
    fn files(&self) -> &ModelFiles;
    /// Runs the model over `inputs` with `settings`' decoding and batches, every input
    /// decoded (repeats too), calling `each_batch` after every model batch; returns how many
    /// inputs were measured (the non-empty ones).
    fn pass(
        &self,
        inputs: &[&str],
        settings: &BenchSettings,
        each_batch: &mut dyn FnMut(BatchReport),
    ) -> Result<usize, TranslateError>;
}

impl Benchable for Translator {
    fn engine(&self) -> &Engine {
        Translator::engine(self)
    }
    fn files(&self) -> &ModelFiles {
        Translator::files(self)
    }
    fn pass(
        &self,
        lines: &[&str],
        settings: &BenchSettings,
        each_batch: &mut dyn FnMut(BatchReport),
    ) -> Result<usize, TranslateError> {
        let opts = settings.decoding(self.engine().default_options());
        let out = self.translate_with(lines, &opts, &settings.batch, Repeats::Every, each_batch)?;
        Ok(out.iter().filter(|t| t.source_tokens > 0).count())
    }
}

/// Tokenisation is timed with the decoding. The model's sequence rules (forced BOS,
/// `no_repeat_ngram_size`) stay on, so the work is the real decoding's; `min_length =
/// max_length` fixes its number of steps.
impl Benchable for Summarizer {
    fn engine(&self) -> &Engine {
        Summarizer::engine(self)
    }
    fn files(&self) -> &ModelFiles {
        Summarizer::files(self)
    }
    fn pass(
        &self,
        docs: &[&str],
        settings: &BenchSettings,
        each_batch: &mut dyn FnMut(BatchReport),
    ) -> Result<usize, TranslateError> {
        let defaults = self.default_options();
        let opts = SummaryOptions {
            decode: settings.decoding(&defaults.decode),
            rules: defaults.rules.clone(),
        };
        let out = self.summarize_with(docs, &opts, &settings.batch, each_batch)?;
        Ok(out.iter().filter(|s| s.source_tokens > 0).count())
    }
}

/// Measures `model` on `inputs` with `settings`: the first batches' worth of inputs run
/// untimed (warm-up), then one timed pass over all of them gives the report's rates and
/// latencies. `model_load_s` is reported as given (loading happens before, once, outside the
/// timed region).
pub fn run(
    model: &impl Benchable,
    inputs: &[&str],
    settings: &BenchSettings,
    model_load_s: f64,
) -> Result<BenchReport, TranslateError> {
    let (engine, files) = (model.engine(), model.files());
    let warm = (settings.warmup_batches * settings.batch.max_sentences).min(inputs.len());
    if warm > 0 {
        model.pass(&inputs[..warm], settings, &mut |_| {})?;
    }
    let mut latencies = Vec::new();
    let (mut src_tokens, mut tgt_tokens) = (0, 0);
    let started = Instant::now();
    let sentences = model.pass(inputs, settings, &mut |r: BatchReport| {
        latencies.push(r.seconds);
        src_tokens += r.source_tokens;
        tgt_tokens += r.target_tokens;
    })?;
    let measured = Measured {
        compute: engine.model().compute(),
        model: &files.id,
        sentences,
        seconds: started.elapsed().as_secs_f64(),
        src_tokens,
        tgt_tokens,
        latencies: &latencies,
    };
    Ok(BenchReport::of(measured, model_load_s, settings))
}

/// A Markdown table of reports (hyperfine-style: one row per configuration).
pub fn table(reports: &[BenchReport]) -> String {
    let mut s = String::from(
        "| model | beam | batch | threads | sentences/s | src tok/s | tgt tok/s | p50 batch s | p95 batch s | peak RSS MiB |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in reports {
        let batch = match r.settings.batch.max_tokens {
            Some(t) => format!("{t} tok"),
            None => r.settings.batch.max_sentences.to_string(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.2} | {:.1} | {:.1} | {:.3} | {:.3} | {:.0} |",
            r.model,
            r.settings.num_beams,
            batch,
            r.settings.threads,
            r.sent_per_s,
            r.src_tokens_per_s,
            r.tgt_tokens_per_s,
            r.batch_latency_p50_s,
            r.batch_latency_p95_s,
            r.peak_rss_mib
        );
    }
    s
}

/// The last path component of a model id (`opus-mt-tc-big-ar-en`), with a separator, for
/// chart labels; empty for reports without a model.
fn short_model(model: &str) -> String {
    match model.rsplit(['/', '\\']).find(|s| !s.is_empty()) {
        Some(name) => format!("{name} · "),
        None => String::new(),
    }
}

/// A bar chart of sentences/s per configuration, as a standalone SVG.
pub fn svg_chart(reports: &[BenchReport]) -> String {
    // Labels carry the model name when there is one: the bars start further right then.
    let labelled = reports.iter().any(|r| !r.model.is_empty());
    let left = if labelled { 340.0 } else { 190.0 };
    let width = left + 450.0;
    let bar_h = 22.0;
    let height = 50.0 + bar_h * 1.5 * reports.len() as f64;
    let max = reports
        .iter()
        .map(|r| r.sent_per_s)
        .fold(0.0, f64::max)
        .max(1e-9);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">nashra throughput (sentences/s)</text>\n"
    );
    for (i, r) in reports.iter().enumerate() {
        let y = 35.0 + i as f64 * bar_h * 1.5;
        let w = (width - left - 70.0) * r.sent_per_s / max;
        let batch = match r.settings.batch.max_tokens {
            Some(t) => format!("{t} tok"),
            None => r.settings.batch.max_sentences.to_string(),
        };
        let _ = write!(
            s,
            "<text x=\"10\" y=\"{:.1}\">{}beam {} · batch {} · {} thr</text>\n\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#0b5cad\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\">{:.2}</text>\n",
            y + 15.0,
            short_model(&r.model),
            r.settings.num_beams,
            batch,
            r.settings.threads,
            left + w + 5.0,
            y + 15.0,
            r.sent_per_s
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 3.0);
        assert_eq!(percentile(&v, 95.0), 5.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
