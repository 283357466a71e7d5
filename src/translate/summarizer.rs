//! Abstractive summaries with a BART model (the CNN/DailyMail summarisers): English documents
//! in, one summary each, in order — the library behind `nashra summarize`.
//!
//! Each document is read as transformers' `BartTokenizer` reads it (`<s>` + tokens + `</s>`),
//! truncated at the end to the model's positions (1,024 tokens for the real models) — the
//! tail of a longer document is not read, as in transformers' summarisation pipeline with
//! `truncation=True`. Decoding uses the model's summarisation settings (see
//! [`Engine::summarization_defaults`]) unless the caller gives others.

use std::path::Path;
use std::time::Instant;

use candle_core::Device;
use rayon::prelude::*;

use super::batch::{self, BatchPolicy};
use super::hub::{self, HubOptions, Layout, ModelFiles, ModelSource, TokenizerFiles};
use super::tokenizer::bpe::BpeTokenizer;
use super::{
    BatchReport, Compute, DecodeOptions, Engine, Hypothesis, SequenceRules, TranslateError,
};

/// Decoding settings of a summariser: the search, and the rules that read the hypothesis so
/// far (forced first token, no repeated n-grams).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SummaryOptions {
    pub decode: DecodeOptions,
    pub rules: SequenceRules,
}

/// A document as the model reads it (see [`Summarizer::encode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Token ids, cut to the model's longest input.
    pub ids: Vec<u32>,
    /// Whether the document's end was cut off to fit.
    pub truncated: bool,
}

/// One document's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub text: String,
    /// Generated ids (the forced `<s>` first, `</s>` last when produced).
    pub tokens: Vec<u32>,
    /// The decoder's score (see [`Hypothesis::score`]); 0 for an empty document.
    pub score: f32,
    /// Mean log-probability per generated token (see [`Hypothesis::mean_logprob`]).
    pub mean_logprob: f32,
    /// Tokens the model read (`<s>` and `</s>` included); 0 for an empty document.
    pub source_tokens: usize,
    /// Whether the document was longer than the model reads and its end was cut.
    pub truncated: bool,
}

impl Summary {
    /// The summary as one line: line breaks the model wrote become spaces, and the ends are
    /// trimmed (as the reference's golden files store transformers' summaries). One summary a
    /// line in `nashra summarize`'s output, and one value in a run's cache.
    pub fn one_line(&self) -> String {
        self.text.replace(['\n', '\r'], " ").trim().to_string()
    }

    fn empty() -> Self {
        Self {
            text: String::new(),
            tokens: Vec::new(),
            score: 0.0,
            mean_logprob: 0.0,
            source_tokens: 0,
            truncated: false,
        }
    }
}

/// A BART model ready to summarise.
pub struct Summarizer {
    engine: Engine,
    tokenizer: BpeTokenizer,
    files: ModelFiles,
    defaults: SummaryOptions,
}

/// Only the model's name: the tokenizer's vocabulary would fill a screen.
impl std::fmt::Debug for Summarizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Summarizer({})", self.files.id)
    }
}

impl Summarizer {
    /// Finds (downloading when needed and allowed) and loads a model on the CPU.
    pub fn new(
        source: &ModelSource,
        hub_options: &HubOptions,
        compute: Compute,
    ) -> Result<Self, TranslateError> {
        let files = hub::resolve_layout(source, hub_options, Layout::Bart)?;
        Self::load(files, &Device::Cpu, compute)
    }

    /// Loads a model from a local directory in the Hugging Face layout, on the CPU.
    pub fn from_dir(dir: &Path, compute: Compute) -> Result<Self, TranslateError> {
        Self::new(
            &ModelSource::Dir(dir.to_path_buf()),
            &HubOptions::from_env(),
            compute,
        )
    }

    /// Loads resolved files (see [`hub::resolve_layout`] with [`Layout::Bart`]).
    pub fn load(
        files: ModelFiles,
        device: &Device,
        compute: Compute,
    ) -> Result<Self, TranslateError> {
        let TokenizerFiles::Bpe {
            tokenizer_json,
            vocab,
            merges,
        } = &files.tokenizer
        else {
            return Err(
                files.wrong_tokenizer("a summarisation model needs a byte-level BPE tokenizer")
            );
        };
        let engine = Engine::load_with(
            &files.config,
            files.generation_config.as_deref(),
            &files.weights.location(),
            device,
            compute,
        )?;
        let tokenizer = BpeTokenizer::from_files(
            tokenizer_json.as_deref(),
            vocab,
            merges,
            files.tokenizer_config.as_deref(),
        )?;
        if tokenizer.eos_id() != engine.special_tokens().eos
            || tokenizer.pad_id() != engine.special_tokens().pad
        {
            return Err(TranslateError::Config {
                path: tokenizer_json.clone().unwrap_or_else(|| vocab.clone()),
                message: format!(
                    "the tokenizer has </s>={} and <pad>={} but the model config says eos={} \
                     and pad={}",
                    tokenizer.eos_id(),
                    tokenizer.pad_id(),
                    engine.special_tokens().eos,
                    engine.special_tokens().pad
                ),
            });
        }
        let (decode, rules) =
            engine
                .summarization_defaults()
                .map_err(|message| TranslateError::Config {
                    path: files.config.clone(),
                    message,
                })?;
        Ok(Self {
            engine,
            tokenizer,
            files,
            defaults: SummaryOptions { decode, rules },
        })
    }

    /// The model's summarisation settings.
    pub fn default_options(&self) -> &SummaryOptions {
        &self.defaults
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn tokenizer(&self) -> &BpeTokenizer {
        &self.tokenizer
    }

    pub fn files(&self) -> &ModelFiles {
        &self.files
    }

    /// SHA-256 of the weights file (read whole: call it once).
    pub fn weights_sha256(&self) -> Result<String, TranslateError> {
        super::model::weights::sha256_file(self.files.weights.path())
    }

    /// The most tokens of a document the model reads (`<s>` and `</s>` included).
    pub fn max_source_tokens(&self) -> usize {
        self.engine.max_source_tokens()
    }

    /// `text` as the model reads it: its ids, and whether its end was cut to fit.
    pub fn encode(&self, text: &str) -> Source {
        let (ids, truncated) = self.tokenizer.encode_cut(text, self.max_source_tokens());
        Source { ids, truncated }
    }

    /// Summarises `docs`, one summary per document, in order. An empty (or whitespace-only)
    /// document gets an empty summary without a model call. Documents are decoded in
    /// length-sorted batches of `policy`.
    pub fn summarize(
        &self,
        docs: &[&str],
        opts: &SummaryOptions,
        policy: &BatchPolicy,
    ) -> Result<Vec<Summary>, TranslateError> {
        self.summarize_with(docs, opts, policy, &mut |_| {})
    }

    /// [`Summarizer::summarize`], calling `progress` after every model batch.
    pub fn summarize_with(
        &self,
        docs: &[&str],
        opts: &SummaryOptions,
        policy: &BatchPolicy,
        progress: &mut dyn FnMut(BatchReport),
    ) -> Result<Vec<Summary>, TranslateError> {
        let work: Vec<usize> = (0..docs.len())
            .filter(|&i| !docs[i].trim().is_empty())
            .collect();
        let sources: Vec<Source> = work.par_iter().map(|&i| self.encode(docs[i])).collect();
        let refs: Vec<&Source> = sources.iter().collect();
        let done = self.summarize_sources(&refs, opts, policy, progress)?;
        let mut summaries = vec![Summary::empty(); docs.len()];
        for (i, summary) in work.into_iter().zip(done) {
            summaries[i] = summary;
        }
        Ok(summaries)
    }

    /// Summarises documents already encoded (see [`Summarizer::encode`]), one summary per
    /// source, in order, for a caller that needs their lengths first (to plan its own waves)
    /// and should not tokenise twice. Sources are decoded in length-sorted batches of
    /// `policy`, calling `progress` after every model batch.
    pub fn summarize_sources(
        &self,
        sources: &[&Source],
        opts: &SummaryOptions,
        policy: &BatchPolicy,
        progress: &mut dyn FnMut(BatchReport),
    ) -> Result<Vec<Summary>, TranslateError> {
        self.engine.validate(&opts.decode)?;
        let mut summaries = vec![Summary::empty(); sources.len()];
        let lengths: Vec<usize> = sources.iter().map(|s| s.ids.len()).collect();
        // The translator's wave plan: two batches at a time where there are two threads.
        for wave in batch::waves(&lengths, policy, batch::default_concurrency()) {
            let done: Vec<Result<(BatchReport, Vec<Hypothesis>), TranslateError>> = wave
                .par_iter()
                .map(|batch_ids| {
                    let started = Instant::now();
                    let batch: Vec<&[u32]> = batch_ids
                        .iter()
                        .map(|&j| sources[j].ids.as_slice())
                        .collect();
                    let hyps =
                        self.engine
                            .generate_with_rules(&batch, &opts.decode, &opts.rules)?;
                    Ok((BatchReport::of(&batch, &hyps, started), hyps))
                })
                .collect();
            for (batch_ids, result) in wave.iter().zip(done) {
                let (report, hyps) = result?;
                for (&j, h) in batch_ids.iter().zip(hyps) {
                    summaries[j] = self.summary(h, sources[j], &opts.decode);
                }
                progress(report);
            }
        }
        Ok(summaries)
    }

    fn summary(&self, h: Hypothesis, source: &Source, opts: &DecodeOptions) -> Summary {
        Summary {
            text: self.tokenizer.decode(&h.tokens),
            mean_logprob: h.mean_logprob(opts),
            score: h.score,
            tokens: h.tokens,
            source_tokens: source.ids.len(),
            truncated: source.truncated,
        }
    }
}
