//! The text-level translator: sentences in, translations out, in order. It removes duplicates,
//! fits each sentence to the model ([`super::fit`]), schedules length-sorted batches in waves
//! and decodes them, then joins the parts — the one engine behind `translate`, `run`, `bench`
//! and `eval`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use candle_core::Device;
use rayon::prelude::*;

use super::batch::{self, BatchPolicy};
use super::fit;
use super::hub::{self, ModelFiles, ModelSource, TokenizerFiles};
use super::model::weights;
use super::tokenizer::MarianTokenizer;
use super::{Compute, DecodeOptions, Engine, Hypothesis, Quantize, TranslateError};

/// One translated sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub text: String,
    /// Generated target ids (EOS included when produced); for a split sentence, the parts' ids
    /// one after the other.
    pub tokens: Vec<u32>,
    /// The decoder's score (see [`super::Hypothesis::score`]); for a split sentence, the mean
    /// over its parts. 0 for an empty source.
    pub score: f32,
    /// Mean log-probability per generated token (see [`super::Hypothesis::mean_logprob`]),
    /// over all parts of a split sentence; 0 for an empty source.
    pub mean_logprob: f32,
    /// Source tokens the model read for this sentence (`</s>` included), 0 for an empty one.
    pub source_tokens: usize,
    /// Into how many parts a sentence too long for the model was split (1 when it fit).
    pub parts: usize,
}

/// Whether a call translates identical texts once (what a reader wants) or every time (what
/// a benchmark against systems that do not deduplicate must do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    Once,
    Every,
}

/// What one model batch did; handed to progress callbacks as it completes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchReport {
    pub sentences: usize,
    pub source_tokens: usize,
    pub target_tokens: usize,
    pub seconds: f64,
}

impl BatchReport {
    /// The report of a model batch of `inputs` that gave `outputs`, started at `started`.
    pub fn of(inputs: &[&[u32]], outputs: &[Hypothesis], started: Instant) -> Self {
        BatchReport {
            sentences: inputs.len(),
            source_tokens: inputs.iter().map(|b| b.len()).sum(),
            target_tokens: outputs.iter().map(|h| h.tokens.len()).sum(),
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// A model ready to translate text.
pub struct Translator {
    engine: Engine,
    tokenizer: MarianTokenizer,
    files: ModelFiles,
    weights_sha256: OnceLock<String>,
    /// Batches decoded at the same time (see [`Translator::set_concurrent_batches`]).
    concurrent_batches: usize,
}

/// Only the model's name: the tokenizer's vocabulary would fill a screen.
impl std::fmt::Debug for Translator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Translator({})", self.files.id)
    }
}

impl Translator {
    /// Loads a resolved model (see [`hub::resolve`]) on `device`, unquantized, for the
    /// kernels [`Compute::select`] picks.
    pub fn load(files: ModelFiles, device: &Device) -> Result<Self, TranslateError> {
        Self::load_with(files, device, Compute::select(Quantize::None)?)
    }

    /// [`Translator::load`] for the given instructions and weight precision.
    pub fn load_with(
        files: ModelFiles,
        device: &Device,
        compute: Compute,
    ) -> Result<Self, TranslateError> {
        let weights_at = files.weights.location();
        let engine = Engine::load_with(
            &files.config,
            files.generation_config.as_deref(),
            &weights_at,
            device,
            compute,
        )?;
        let TokenizerFiles::Marian {
            source_spm,
            target_spm,
            vocab,
        } = &files.tokenizer
        else {
            return Err(files.wrong_tokenizer("a translation model needs Marian's tokenizer files"));
        };
        let tokenizer = MarianTokenizer::from_files(source_spm, target_spm, vocab)?;
        if tokenizer.eos_id() != engine.special_tokens().eos
            || tokenizer.pad_id() != engine.special_tokens().pad
        {
            return Err(TranslateError::Config {
                path: vocab.clone(),
                message: format!(
                    "vocab.json has </s>={} and <pad>={} but the model config says eos={} and pad={}",
                    tokenizer.eos_id(),
                    tokenizer.pad_id(),
                    engine.special_tokens().eos,
                    engine.special_tokens().pad
                ),
            });
        }
        Ok(Self {
            engine,
            tokenizer,
            files,
            weights_sha256: OnceLock::new(),
            concurrent_batches: batch::default_concurrency(),
        })
    }

    /// Loads a model from a local directory in the Hugging Face layout, on the CPU.
    pub fn from_dir(dir: &Path) -> Result<Self, TranslateError> {
        let files = hub::resolve(
            &ModelSource::Dir(dir.to_path_buf()),
            &hub::HubOptions::from_env(),
        )?;
        Self::load(files, &Device::Cpu)
    }

    /// How many batches are decoded at the same time (default: 2 when there are at least two
    /// threads). Each batch's matrix products still use every thread.
    pub fn set_concurrent_batches(&mut self, n: usize) {
        self.concurrent_batches = n.max(1);
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn tokenizer(&self) -> &MarianTokenizer {
        &self.tokenizer
    }

    pub fn files(&self) -> &ModelFiles {
        &self.files
    }

    /// SHA-256 of the weights file (computed once, on first use).
    pub fn weights_sha256(&self) -> Result<&str, TranslateError> {
        if let Some(s) = self.weights_sha256.get() {
            return Ok(s);
        }
        let path = self.files.weights.path();
        let sha = weights::sha256_file(path)?;
        Ok(self.weights_sha256.get_or_init(|| sha))
    }

    /// Number of source tokens (`</s>` included) the model would read for `text`.
    pub fn source_tokens(&self, text: &str) -> usize {
        self.tokenizer.encode(text).len()
    }

    /// Whether `text` fits the model's source length in one piece.
    pub fn fits(&self, text: &str) -> bool {
        self.source_tokens(text) <= self.engine.max_source_tokens()
    }

    /// Translates `texts` in order, each distinct text once. See
    /// [`Translator::translate_with`].
    pub fn translate(
        &self,
        texts: &[&str],
        opts: &DecodeOptions,
        policy: &BatchPolicy,
    ) -> Result<Vec<Translation>, TranslateError> {
        self.translate_with(texts, opts, policy, Repeats::Once, &mut |_| {})
    }

    /// Translates `texts`, one translation per text, in order. Empty (or whitespace-only)
    /// texts give empty translations without a model call; identical texts are translated
    /// once, unless `repeats` says every one; a text longer than the model's positions is
    /// split at safe boundaries (clause punctuation, conjunctions, then whitespace) and its
    /// parts' translations are joined with a space — never truncated. `progress` is called
    /// after every model batch.
    pub fn translate_with(
        &self,
        texts: &[&str],
        opts: &DecodeOptions,
        policy: &BatchPolicy,
        repeats: Repeats,
        progress: &mut dyn FnMut(BatchReport),
    ) -> Result<Vec<Translation>, TranslateError> {
        self.engine.validate(opts)?;
        let sources = Sources::collect(texts, repeats == Repeats::Once);
        let units = self.units(&sources.unique);
        let hyps = self.decode_waves(&units.ids, opts, policy, progress)?;
        let translated = self.join(&units, hyps, opts);
        Ok(sources.spread(&translated))
    }

    /// The wave plan: items of these source lengths cut into model batches by `policy`
    /// (longest first, see [`batch::plan`]), and the batches grouped into waves that are
    /// decoded at the same time ([`Translator::set_concurrent_batches`]). Each wave is a list
    /// of batches, each batch a list of indices into `lengths`. A caller that translates wave
    /// by wave (`run`, to sync its cache between waves) uses this to cut its work the same way.
    pub fn wave_plan(&self, lengths: &[usize], policy: &BatchPolicy) -> Vec<Vec<Vec<usize>>> {
        batch::waves(lengths, policy, self.concurrent_batches)
    }

    /// The token sequences the model reads for each text (see [`fit::units`]).
    fn units(&self, texts: &[&str]) -> Units {
        let max = self.engine.max_source_tokens();
        let mut units = Units::default();
        for text in texts {
            let start = units.ids.len();
            units.ids.extend(fit::units(text, &self.tokenizer, max));
            units.of_text.push(start..units.ids.len());
        }
        units
    }

    /// Decodes every unit, wave by wave (see [`Translator::wave_plan`]); one hypothesis per
    /// unit, in order.
    ///
    /// Batches run two at a time (one per core on the target machines): while one is in a
    /// stretch of small, serial operations, the other keeps the cores busy with its matrix
    /// products. Results are put back in order whatever finishes first.
    fn decode_waves(
        &self,
        units: &[Vec<u32>],
        opts: &DecodeOptions,
        policy: &BatchPolicy,
        progress: &mut dyn FnMut(BatchReport),
    ) -> Result<Vec<Hypothesis>, TranslateError> {
        let lengths: Vec<usize> = units.iter().map(Vec::len).collect();
        let mut hyps: Vec<Option<Hypothesis>> = vec![None; units.len()];
        for wave in self.wave_plan(&lengths, policy) {
            let done: Vec<Result<(BatchReport, Vec<Hypothesis>), TranslateError>> = wave
                .par_iter()
                .map(|batch_ids| self.decode_batch(units, batch_ids, opts))
                .collect();
            for (batch_ids, result) in wave.iter().zip(done) {
                let (report, out) = result?;
                for (&i, h) in batch_ids.iter().zip(out) {
                    hyps[i] = Some(h);
                }
                progress(report);
            }
        }
        Ok(hyps
            .into_iter()
            .map(|h| h.expect("every unit decoded"))
            .collect())
    }

    /// Decodes one model batch (`batch_ids` index `units`) and reports what it did.
    fn decode_batch(
        &self,
        units: &[Vec<u32>],
        batch_ids: &[usize],
        opts: &DecodeOptions,
    ) -> Result<(BatchReport, Vec<Hypothesis>), TranslateError> {
        let started = Instant::now();
        let batch: Vec<&[u32]> = batch_ids.iter().map(|&i| units[i].as_slice()).collect();
        let out = self.engine.generate(&batch, opts)?;
        Ok((BatchReport::of(&batch, &out, started), out))
    }

    /// One translation per text: its units' hypotheses joined.
    fn join(&self, units: &Units, hyps: Vec<Hypothesis>, opts: &DecodeOptions) -> Vec<Translation> {
        units
            .of_text
            .iter()
            .map(|range| {
                let parts: Vec<&Hypothesis> = hyps[range.clone()].iter().collect();
                let text = parts
                    .iter()
                    .map(|h| self.tokenizer.decode(&h.tokens))
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                Translation {
                    text,
                    tokens: parts
                        .iter()
                        .flat_map(|h| h.tokens.iter().copied())
                        .collect(),
                    score: parts.iter().map(|h| h.score).sum::<f32>() / parts.len() as f32,
                    mean_logprob: mean_logprob(&parts, opts),
                    source_tokens: units.ids[range.clone()].iter().map(Vec::len).sum(),
                    parts: parts.len(),
                }
            })
            .collect()
    }
}

/// The texts to translate: the non-empty ones once each (when deduplicating), and where each
/// input text's translation comes from.
struct Sources<'t> {
    unique: Vec<&'t str>,
    /// Per input text, its index in `unique`; `None` for an empty text.
    slot_of_text: Vec<Option<usize>>,
}

impl<'t> Sources<'t> {
    /// Trims `texts` and, with `dedup`, keeps the first of identical ones.
    fn collect(texts: &[&'t str], dedup: bool) -> Self {
        let mut unique: Vec<&str> = Vec::new();
        let mut slot_of: HashMap<&str, usize> = HashMap::new();
        let mut slot_of_text = Vec::with_capacity(texts.len());
        for &t in texts {
            let key = t.trim();
            if key.is_empty() {
                slot_of_text.push(None);
                continue;
            }
            let slot = if dedup {
                *slot_of.entry(key).or_insert_with(|| {
                    unique.push(key);
                    unique.len() - 1
                })
            } else {
                unique.push(key);
                unique.len() - 1
            };
            slot_of_text.push(Some(slot));
        }
        Self {
            unique,
            slot_of_text,
        }
    }

    /// One translation per input text, in order, from the translations of `unique`.
    fn spread(&self, translated: &[Translation]) -> Vec<Translation> {
        self.slot_of_text
            .iter()
            .map(|slot| match slot {
                Some(s) => translated[*s].clone(),
                None => Translation {
                    text: String::new(),
                    tokens: Vec::new(),
                    score: 0.0,
                    mean_logprob: 0.0,
                    source_tokens: 0,
                    parts: 0,
                },
            })
            .collect()
    }
}

/// The token sequences the model reads, and which of them belong to each text.
#[derive(Default)]
struct Units {
    ids: Vec<Vec<u32>>,
    /// Per text, its range in `ids` (more than one unit when the text was split).
    of_text: Vec<std::ops::Range<usize>>,
}

/// The mean token log-probability of a sentence decoded in parts: every token counts once.
fn mean_logprob(parts: &[&Hypothesis], opts: &DecodeOptions) -> f32 {
    let tokens: usize = parts.iter().map(|h| h.tokens.len()).sum();
    if tokens == 0 {
        return 0.0;
    }
    let sum: f32 = parts
        .iter()
        .map(|h| h.mean_logprob(opts) * h.tokens.len() as f32)
        .sum();
    sum / tokens as f32
}
