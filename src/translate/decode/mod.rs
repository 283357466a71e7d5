//! Decoding strategies — greedy search and beam search — with the semantics of
//! `transformers`' `generate` (version 5): the same logits processors in the same order, the
//! same beam bookkeeping, stopping rules and length-penalised scores, so that the same model
//! gives the same tokens.
//!
//! The model is only asked for next-token logits; everything else (processing, selection,
//! hypotheses) happens here, on the host, one small row at a time. Sentences whose result can
//! no longer change leave the batch at once, so the model never computes rows nobody reads.
//!
//! Here: the settings, the logits processors (a list of `Processor`s applied in order) and
//! [`generate`]; the searches in `greedy` and `beam`; the vocabulary-sized passes over a row
//! of logits in `logits`.

use candle_core::Result;
use serde::{Deserialize, Serialize};

mod beam;
mod greedy;
pub(crate) mod logits;
mod rules;

pub use rules::SequenceRules;

use crate::translate::model::{EncodedBatch, MarianModel};

/// When beam search may stop for a sentence (`early_stopping` in transformers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EarlyStopping {
    /// `false`: stop when the best running beam, scored at its current length, cannot beat the
    /// worst finished hypothesis (transformers' default heuristic).
    #[default]
    Heuristic,
    /// `true`: stop as soon as `num_beams` hypotheses are finished.
    Always,
    /// `"never"`: the canonical beam search stopping rule.
    Never,
}

impl EarlyStopping {
    /// Parses the JSON value transformers accepts (`true`, `false`, `"never"`).
    pub fn from_json(v: &serde_json::Value) -> Option<Self> {
        match v {
            serde_json::Value::Bool(true) => Some(Self::Always),
            serde_json::Value::Bool(false) => Some(Self::Heuristic),
            serde_json::Value::String(s) if s == "never" => Some(Self::Never),
            _ => None,
        }
    }

    /// The value as transformers writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Heuristic => "false",
            Self::Always => "true",
            Self::Never => "never",
        }
    }
}

impl std::str::FromStr for EarlyStopping {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let names = [
            ("false", Self::Heuristic),
            ("heuristic", Self::Heuristic),
            ("true", Self::Always),
            ("always", Self::Always),
            ("never", Self::Never),
        ];
        crate::translate::from_name(s, &names, "early stopping rule")
    }
}

/// Decoding settings. Lengths count like transformers: `max_length` and `min_length` include
/// the decoder start token, so `max_length = 38` yields at most 37 generated tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeOptions {
    pub num_beams: usize,
    pub length_penalty: f32,
    pub max_length: usize,
    /// When set, overrides `max_length` with `1 + max_new_tokens`.
    pub max_new_tokens: Option<usize>,
    pub min_length: usize,
    pub early_stopping: EarlyStopping,
    /// Log-softmax again after the logits processors (`renormalize_logits`).
    pub renormalize_logits: bool,
}

impl Default for DecodeOptions {
    /// transformers' own defaults (before a model's generation config is applied).
    fn default() -> Self {
        Self {
            num_beams: 1,
            length_penalty: 1.0,
            max_length: 20,
            max_new_tokens: None,
            min_length: 0,
            early_stopping: EarlyStopping::Heuristic,
            renormalize_logits: false,
        }
    }
}

/// Decoding settings to change, each only where given: one layer of settings over another
/// (a model's generation config over transformers' defaults, flags over the model's). Reads
/// from a model's `generation_config.json` or `config.json` under transformers' names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DecodeChanges {
    pub num_beams: Option<usize>,
    pub length_penalty: Option<f32>,
    pub max_length: Option<usize>,
    pub max_new_tokens: Option<usize>,
    pub min_length: Option<usize>,
    #[serde(default, deserialize_with = "early_stopping_json")]
    pub early_stopping: Option<EarlyStopping>,
    pub renormalize_logits: Option<bool>,
}

/// `early_stopping` as transformers writes it in a model's files: `true`, `false` or `"never"`.
fn early_stopping_json<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<EarlyStopping>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    value
        .map(|v| {
            EarlyStopping::from_json(&v).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "early_stopping {v} is not true, false or \"never\""
                ))
            })
        })
        .transpose()
}

impl DecodeOptions {
    /// These options with every setting `changes` gives.
    pub fn with(&self, changes: &DecodeChanges) -> Self {
        let c = changes;
        Self {
            num_beams: c.num_beams.unwrap_or(self.num_beams),
            length_penalty: c.length_penalty.unwrap_or(self.length_penalty),
            max_length: c.max_length.unwrap_or(self.max_length),
            max_new_tokens: c.max_new_tokens.or(self.max_new_tokens),
            min_length: c.min_length.unwrap_or(self.min_length),
            early_stopping: c.early_stopping.unwrap_or(self.early_stopping),
            renormalize_logits: c.renormalize_logits.unwrap_or(self.renormalize_logits),
        }
    }

    /// The length limit in force, counting the decoder start token.
    pub fn effective_max_length(&self) -> usize {
        match self.max_new_tokens {
            Some(n) => n + 1,
            None => self.max_length,
        }
    }
}

/// The token ids decoding needs from the model's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialTokens {
    pub eos: u32,
    pub pad: u32,
    pub decoder_start: u32,
    pub forced_eos: Option<u32>,
    /// Single-token bad words (Marian bans its pad token this way).
    pub bad_words: Vec<u32>,
}

/// One decoded sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    /// Generated ids after the decoder start token, ending with EOS when the model (or the
    /// length limit's forced EOS) produced one.
    pub tokens: Vec<u32>,
    /// Beam search: the sum of the processed log-probabilities divided by
    /// `generated_length ^ length_penalty` (transformers' `sequences_scores`). Greedy: the sum
    /// of the log-probabilities of the chosen tokens under the processed, renormalised
    /// distribution.
    pub score: f32,
}

impl Hypothesis {
    /// The mean log-probability of the generated tokens, a per-sentence confidence that does
    /// not depend on length: [`Hypothesis::score`] with beam search's length normalisation
    /// undone (`score · len^length_penalty / len`), or greedy search's sum divided by `len`.
    /// 0 for an empty hypothesis.
    pub fn mean_logprob(&self, opts: &DecodeOptions) -> f32 {
        let len = self.tokens.len();
        if len == 0 {
            return 0.0;
        }
        let sum = if opts.num_beams <= 1 {
            self.score
        } else {
            self.score * (len as f32).powf(opts.length_penalty)
        };
        sum / len as f32
    }
}

/// A finished-row marker transformers adds to scores; kept identical so ties resolve alike.
const DEAD: f32 = -1.0e9;

/// One of the logits processors transformers builds, reduced to what it does to a row of
/// scores: ban some tokens (set them to -inf) or force one (set every other token to -inf).
/// A new processor is a new variant here and a place in [`Processors::new`]'s list (one that
/// reads the tokens generated so far, such as a no-repeat n-gram ban, takes them as a new
/// parameter of `ban`: both searches hold each row's tokens).
#[derive(Debug, Clone, PartialEq)]
enum Processor {
    /// `NoBadWordsLogitsProcessor` for single-token bad words; EOS is never banned this way.
    BadWords { words: Vec<u32>, eos: u32 },
    /// `MinLengthLogitsProcessor`: no EOS while the sequence is shorter than `min_length`.
    MinLength { eos: u32, min_length: usize },
    /// `NoRepeatNGramLogitsProcessor` and `ForcedBOSTokenLogitsProcessor` (BART): they read
    /// the row's tokens so far.
    Sequence(SequenceRules),
    /// `ForcedEOSTokenLogitsProcessor`: `token` at the last position the length limit allows.
    ForcedEos { token: u32, max_length: usize },
}

impl Processor {
    /// Adds the tokens this processor bans at length `cur_len` to `banned`; `start` and
    /// `history` are the row's decoder start token and its tokens generated so far.
    fn ban(&self, cur_len: usize, start: u32, history: &[u32], banned: &mut Vec<u32>) {
        match *self {
            Self::Sequence(ref rules) => rules.banned_ngrams(start, history, banned),
            Self::BadWords { ref words, eos } => {
                banned.extend(words.iter().copied().filter(|&t| t != eos))
            }
            Self::MinLength { eos, min_length } if cur_len < min_length => banned.push(eos),
            _ => {}
        }
    }

    /// The token this processor forces at length `cur_len`, if any.
    fn force(&self, cur_len: usize) -> Option<u32> {
        match *self {
            Self::ForcedEos { token, max_length } if cur_len + 1 == max_length => Some(token),
            Self::Sequence(ref rules) => rules.forced(cur_len),
            _ => None,
        }
    }
}

/// The logits processors for these settings, in transformers' order, and whether the scores
/// are log-softmaxed again after them. Bans add up; a forced token overrides them (the last
/// forcing processor wins, as the last one to write the row does in transformers).
struct Processors {
    list: Vec<Processor>,
    /// Greedy search's pick when every token is banned.
    eos: u32,
    /// The decoder start token, which n-gram bans count as part of every sequence.
    start: u32,
    max_length: usize,
    renormalize: bool,
}

impl Processors {
    fn new(
        special: &SpecialTokens,
        opts: &DecodeOptions,
        rules: &SequenceRules,
        max_length: usize,
    ) -> Self {
        let eos = special.eos;
        let mut list = vec![
            Processor::BadWords {
                words: special.bad_words.clone(),
                eos,
            },
            Processor::MinLength {
                eos,
                min_length: opts.min_length,
            },
        ];
        if *rules != SequenceRules::default() {
            // Before forced EOS: at the length limit EOS wins, as in transformers.
            list.push(Processor::Sequence(rules.clone()));
        }
        if let Some(token) = special.forced_eos {
            list.push(Processor::ForcedEos { token, max_length });
        }
        Self {
            list,
            eos,
            start: special.decoder_start,
            max_length,
            renormalize: opts.renormalize_logits,
        }
    }

    /// The tokens banned at this length after `history` (the row's generated tokens),
    /// ascending.
    fn banned_now(&self, cur_len: usize, history: &[u32]) -> Vec<u32> {
        let mut banned = Vec::new();
        for p in &self.list {
            p.ban(cur_len, self.start, history, &mut banned);
        }
        banned.sort_unstable();
        banned.dedup();
        banned
    }

    /// The token forced at this length (EOS at the length limit), if any.
    fn forced(&self, cur_len: usize) -> Option<u32> {
        self.list
            .iter()
            .filter_map(|p| p.force(cur_len))
            .next_back()
    }

    /// Greedy search's choice for one row of raw logits: the argmax of the processed scores
    /// and its log-probability under the processed (renormalised) distribution. `cur_len` is
    /// the length of the sequence so far, decoder start token included.
    ///
    /// Computed in one streaming pass over the row ([`logits::summarize`]), never
    /// materialising the processed row; the choice is exact, the log-probability equal to the
    /// reference's up to summation order.
    fn greedy_pick(&self, raw: &[f32], cur_len: usize, history: &[u32]) -> (u32, f32) {
        if let Some(eos) = self.forced(cur_len) {
            return (eos, 0.0);
        }
        let banned = self.banned_now(cur_len, history);
        let allowed = |t: usize| !banned.contains(&(t as u32));
        // The first maximum among allowed tokens (banned ones are -inf in the reference), and
        // Σ exp over the allowed tokens.
        let summary = logits::summarize(raw, 1, |t| !allowed(t));
        let (max, next) = match summary.best.first() {
            Some(&(max, next)) => (max, next),
            None => (f32::NEG_INFINITY, self.eos as usize),
        };
        let banned_mass: f32 = banned
            .iter()
            .filter_map(|&b| raw.get(b as usize))
            .map(|&x| (x - max).exp())
            .sum();
        let sum = if summary.max == max && banned_mass <= 0.5 * summary.exp_sum {
            // The whole row's sum less the banned terms (which hold little of it, so the
            // subtraction loses at most one bit).
            summary.exp_sum - banned_mass
        } else {
            // A banned token holds the maximum or much of the mass: sum the runs between
            // banned ids instead.
            let mut sum = 0f32;
            let mut start = 0;
            for &b in banned.iter().chain(std::iter::once(&(raw.len() as u32))) {
                let end = (b as usize).min(raw.len());
                if end > start {
                    sum += logits::exp_sum(&raw[start..end], max);
                }
                start = start.max(end + 1);
            }
            sum
        };
        let lse = sum.ln();
        let p_next = (raw[next] - max) - lse;
        if !self.renormalize {
            return (next as u32, p_next);
        }
        // The processed row is itself a log-softmax; the score is its log-softmax again.
        let sum2: f32 = raw
            .iter()
            .enumerate()
            .filter(|&(t, _)| allowed(t))
            .map(|(_, &x)| (((x - max) - lse) - p_next).exp())
            .sum();
        // (p_next - max) - lse with max = p_next: the first term is exactly 0.
        (next as u32, -sum2.ln())
    }

    /// Beam search's view of one row of raw logits: the `k` best (processed log-probability,
    /// token) pairs, best first (ties to the lower token id), where the processed
    /// log-probabilities are `log_softmax`, then the processors, then (optionally)
    /// `log_softmax` again — computed only for the winners.
    fn best_log_probs(
        &self,
        raw: &[f32],
        cur_len: usize,
        history: &[u32],
        k: usize,
    ) -> Vec<(f32, u32)> {
        if let Some(eos) = self.forced(cur_len) {
            // Everything else is -inf; the reference's top-k then takes the lowest ids.
            let mut out = vec![(0.0, eos)];
            out.extend(
                (0..raw.len() as u32)
                    .filter(|&t| t != eos)
                    .take(k.saturating_sub(1))
                    .map(|t| (f32::NEG_INFINITY, t)),
            );
            return out;
        }
        let banned = self.banned_now(cur_len, history);
        let allowed = |t: usize| !banned.contains(&(t as u32));
        let summary = logits::summarize(raw, k, |t| !allowed(t));
        let (max, lse) = (summary.max, summary.exp_sum.ln());
        let winners = summary.best;
        let value = |x: f32| (x - max) - lse;
        let mut out: Vec<(f32, u32)> = winners.iter().map(|&(x, t)| (value(x), t as u32)).collect();
        if self.renormalize {
            if let Some(&(max2, _)) = out.first() {
                let sum2: f32 = raw
                    .iter()
                    .enumerate()
                    .filter(|&(t, _)| allowed(t))
                    .map(|(_, &x)| (value(x) - max2).exp())
                    .sum();
                let lse2 = sum2.ln();
                for v in out.iter_mut() {
                    v.0 = (v.0 - max2) - lse2;
                }
            }
        }
        // Fewer allowed tokens than k: the reference's top-k fills with -inf entries.
        let mut t = 0u32;
        while out.len() < k && (t as usize) < raw.len() {
            if !allowed(t as usize) {
                out.push((f32::NEG_INFINITY, t));
            }
            t += 1;
        }
        out
    }
}

/// Decodes every sentence of an encoded batch.
pub fn generate(
    model: &MarianModel,
    encoded: &EncodedBatch,
    opts: &DecodeOptions,
    special: &SpecialTokens,
) -> Result<Vec<Hypothesis>> {
    generate_with(model, encoded, opts, special, &SequenceRules::default())
}

/// [`generate`] with the sequence-dependent processors `rules` (BART's forced BOS and
/// no-repeat n-grams).
pub fn generate_with(
    model: &MarianModel,
    encoded: &EncodedBatch,
    opts: &DecodeOptions,
    special: &SpecialTokens,
    rules: &SequenceRules,
) -> Result<Vec<Hypothesis>> {
    let max_length = opts.effective_max_length().min(model.max_positions() + 1);
    let processors = Processors::new(special, opts, rules, max_length);
    let mut state = model.start_decoding(encoded)?;
    if opts.num_beams <= 1 {
        greedy::search(model, &mut state, &processors, special)
    } else {
        beam::search(model, &mut state, &processors, special, opts)
    }
}

/// Every sentence ends with a hypothesis (the loops only stop when all are set).
fn finish(results: Vec<Option<Hypothesis>>) -> Vec<Hypothesis> {
    results
        .into_iter()
        .map(|h| {
            h.unwrap_or(Hypothesis {
                tokens: vec![],
                score: 0.0,
            })
        })
        .collect()
}
