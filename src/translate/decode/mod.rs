//! Decoding strategies — greedy search and beam search — with the semantics of
//! `transformers`' `generate` (version 5): the same logits processors in the same order, the
//! same beam bookkeeping, stopping rules and length-penalised scores, so that the same model
//! gives the same tokens.
//!
//! The model is only asked for next-token logits; everything else (processing, selection,
//! hypotheses) happens here, on the host, one small row at a time. Sentences whose result can
//! no longer change leave the batch at once, so the model never computes rows nobody reads.

use candle_core::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub(crate) mod logits;
mod rules;

pub use rules::SequenceRules;

use crate::translate::model::{DecoderState, EncodedBatch, MarianModel};

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
        match s {
            "false" | "heuristic" => Ok(Self::Heuristic),
            "true" | "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            other => Err(format!(
                "early stopping must be true, false or never, not {other:?}"
            )),
        }
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

impl DecodeOptions {
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

/// Applies the logits processors transformers builds for these settings, in its order:
/// bad words, minimum length, forced EOS at the length limit, then renormalisation.
struct Processors<'a> {
    special: &'a SpecialTokens,
    /// Forced BOS and no-repeat n-grams (BART); they read each row's tokens so far.
    rules: &'a SequenceRules,
    min_length: usize,
    max_length: usize,
    renormalize: bool,
}

impl Processors<'_> {
    /// Whether token `t` is banned at this length (bad words, or EOS before `min_length`).
    fn banned(&self, t: u32, cur_len: usize) -> bool {
        (t == self.special.eos && cur_len < self.min_length)
            || (t != self.special.eos && self.special.bad_words.contains(&t))
    }

    /// The tokens banned at this length after `history` (the row's generated tokens),
    /// ascending.
    fn banned_now(&self, cur_len: usize, history: &[u32]) -> Vec<u32> {
        let mut banned: Vec<u32> = self.special.bad_words.clone();
        banned.push(self.special.eos);
        banned.retain(|&t| self.banned(t, cur_len));
        self.rules
            .banned_ngrams(self.special.decoder_start, history, &mut banned);
        banned.sort_unstable();
        banned.dedup();
        banned
    }

    /// The token forced at this length (EOS at the length limit, else BOS at the first step),
    /// if any: transformers applies forced EOS after forced BOS, so EOS wins.
    fn forced(&self, cur_len: usize) -> Option<u32> {
        self.special
            .forced_eos
            .filter(|_| cur_len + 1 == self.max_length)
            .or_else(|| self.rules.forced(cur_len))
    }

    /// Greedy search's choice for one row of raw logits: the argmax of the processed scores
    /// and its log-probability under the processed (renormalised) distribution. `cur_len` is
    /// the length of the sequence so far, decoder start token included.
    ///
    /// Computed in one streaming pass over the row ([`logits::summarize`]), never
    /// materialising the processed row; the choice is exact, the log-probability equal to the
    /// reference's up to summation order.
    fn greedy_pick(&self, raw: &[f32], cur_len: usize, history: &[u32]) -> (u32, f32) {
        if let Some(forced) = self.forced(cur_len) {
            return (forced, 0.0);
        }
        let banned = self.banned_now(cur_len, history);
        let allowed = |t: usize| !banned.contains(&(t as u32));
        // The first maximum among allowed tokens (banned ones are -inf in the reference), and
        // Σ exp over the allowed tokens.
        let summary = logits::summarize(raw, 1, |t| !allowed(t));
        let (max, next) = match summary.best.first() {
            Some(&(max, next)) => (max, next),
            None => (f32::NEG_INFINITY, self.special.eos as usize),
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
        if let Some(forced) = self.forced(cur_len) {
            // Everything else is -inf; the reference's top-k then takes the lowest ids.
            let mut out = vec![(0.0, forced)];
            out.extend(
                (0..raw.len() as u32)
                    .filter(|&t| t != forced)
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
    let processors = Processors {
        special,
        rules,
        min_length: opts.min_length,
        max_length,
        renormalize: opts.renormalize_logits,
    };
    let mut state = model.start_decoding(encoded)?;
    if opts.num_beams <= 1 {
        greedy(model, &mut state, &processors, special)
    } else {
        beam_search(model, &mut state, &processors, special, opts)
    }
}

fn greedy(
    model: &MarianModel,
    state: &mut DecoderState,
    processors: &Processors,
    special: &SpecialTokens,
) -> Result<Vec<Hypothesis>> {
    let n = state.sentences()?;
    let mut results: Vec<Option<Hypothesis>> = vec![None; n];
    let mut active: Vec<usize> = (0..n).collect();
    let mut tokens: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut scores = vec![0f32; n];
    let mut feed = vec![special.decoder_start; n];
    let mut cur_len = 1;
    while !active.is_empty() {
        let (logits, vocab) = model.decode_step_host(state, &feed)?;
        // Each row's choice is independent: spread the vocabulary-sized passes over the cores.
        let picks: Vec<(u32, f32)> = logits
            .par_chunks(vocab)
            .zip(active.par_iter())
            .map(|(row, &s)| processors.greedy_pick(row, cur_len, &tokens[s]))
            .collect();
        let mut keep = Vec::with_capacity(active.len());
        let mut next_feed = Vec::with_capacity(active.len());
        for (row, &sentence) in active.iter().enumerate() {
            let (next, logprob) = picks[row];
            let next = next as usize;
            scores[sentence] += logprob;
            tokens[sentence].push(next as u32);
            if next as u32 == special.eos || cur_len + 1 >= processors.max_length {
                results[sentence] = Some(Hypothesis {
                    tokens: std::mem::take(&mut tokens[sentence]),
                    score: scores[sentence],
                });
            } else {
                keep.push(row as u32);
                next_feed.push(next as u32);
            }
        }
        cur_len += 1;
        if keep.len() < active.len() && !keep.is_empty() {
            state.select(Some(&keep), &keep)?;
        }
        active = keep.iter().map(|&r| active[r as usize]).collect();
        feed = next_feed;
    }
    Ok(finish(results))
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

/// Beam-search bookkeeping of one sentence, mirroring transformers' tensors for one batch row.
struct BeamSentence {
    index: usize,
    running: Vec<Vec<u32>>,
    running_scores: Vec<f32>,
    /// `num_beams` slots: (score, tokens, is_finished); unfilled slots hold `DEAD`.
    finished: Vec<(f32, Vec<u32>, bool)>,
    improvable: bool,
}

struct Candidate {
    score: f32,
    beam: usize,
    token: u32,
}

/// The `k` best (score, flat index) pairs, best first; ties go to the one seen first.
fn top_k(values: impl Iterator<Item = (f32, usize)>, k: usize) -> Vec<(f32, usize)> {
    logits::merge_best(Vec::with_capacity(k + 1), values, k)
}

fn beam_search(
    model: &MarianModel,
    state: &mut DecoderState,
    processors: &Processors,
    special: &SpecialTokens,
    opts: &DecodeOptions,
) -> Result<Vec<Hypothesis>> {
    let n = state.sentences()?;
    let beams = opts.num_beams;
    let keep_k = 2 * beams;
    let lp = opts.length_penalty as f64;
    let max_length = processors.max_length;
    let mut results: Vec<Option<Hypothesis>> = vec![None; n];
    let mut active: Vec<BeamSentence> = (0..n)
        .map(|index| BeamSentence {
            index,
            running: vec![Vec::new(); beams],
            running_scores: (0..beams)
                .map(|b| if b == 0 { 0.0 } else { DEAD })
                .collect(),
            finished: vec![(DEAD, Vec::new(), false); beams],
            improvable: true,
        })
        .collect();
    // Rows are laid out sentence-major: row = position_in_active * beams + beam; the encoder
    // memory stays one per sentence and is shared by its beams.
    let mut feed = vec![special.decoder_start; n * beams];
    let mut cur_len = 1;
    while !active.is_empty() {
        let (logits, vocab) = model.decode_step_host(state, &feed)?;
        let row_best: Vec<Vec<(f32, u32)>> = logits
            .par_chunks(vocab)
            .enumerate()
            .map(|(r, row)| {
                let history = &active[r / beams].running[r % beams];
                processors.best_log_probs(row, cur_len, history, keep_k)
            })
            .collect();
        let mut next_active = Vec::with_capacity(active.len());
        let mut kept_sentences = Vec::new();
        let mut kept_rows = Vec::new();
        let mut next_feed = Vec::new();
        for (pos, mut s) in active.into_iter().enumerate() {
            // The best continuations of each beam, then of the sentence: the global top
            // 2×beams over (beam, token) can hold at most 2×beams from any one beam.
            let mut merged_rows: Vec<(f32, usize)> = Vec::with_capacity(beams * keep_k);
            for b in 0..beams {
                let base = s.running_scores[b];
                for &(v, t) in &row_best[pos * beams + b] {
                    merged_rows.push((v + base, b * vocab + t as usize));
                }
            }
            merged_rows.sort_by_key(|&(_, flat)| flat);
            let candidates: Vec<Candidate> = top_k(merged_rows.iter().copied(), keep_k)
                .into_iter()
                .map(|(score, flat)| Candidate {
                    score,
                    beam: flat / vocab,
                    token: (flat % vocab) as u32,
                })
                .collect();
            let hits: Vec<bool> = candidates
                .iter()
                .map(|c| c.token == special.eos || cur_len + 1 >= max_length)
                .collect();

            // Beams that go on: the best continuations that did not stop.
            let running_choice = top_k(
                candidates
                    .iter()
                    .zip(&hits)
                    .enumerate()
                    .map(|(j, (c, &hit))| (if hit { c.score + DEAD } else { c.score }, j)),
                beams,
            );

            // Finished hypotheses: only the top `beams` candidates may finish.
            let denom = ((cur_len + 1 - 1) as f64).powf(lp) as f32;
            let full_and_early =
                opts.early_stopping == EarlyStopping::Always && s.finished.iter().all(|f| f.2);
            let mut merged: Vec<(f32, Vec<u32>, bool)> = std::mem::take(&mut s.finished);
            for (j, c) in candidates.iter().enumerate() {
                let just_finished = hits[j] && j < beams;
                let mut score = c.score / denom;
                if full_and_early {
                    score += DEAD;
                }
                if !s.improvable {
                    score += DEAD;
                }
                if !just_finished {
                    score += DEAD;
                }
                let mut seq = s.running[c.beam].clone();
                seq.push(c.token);
                merged.push((score, seq, just_finished));
            }
            let order = top_k(merged.iter().map(|m| m.0).zip(0..), beams);
            s.finished = order
                .iter()
                .map(|&(_, i)| std::mem::take(&mut merged[i]))
                .collect();

            let new_running: Vec<Vec<u32>> = running_choice
                .iter()
                .map(|&(_, j)| {
                    let c = &candidates[j];
                    let mut seq = s.running[c.beam].clone();
                    seq.push(c.token);
                    seq
                })
                .collect();
            let new_scores: Vec<f32> = running_choice.iter().map(|&(v, _)| v).collect();
            let origins: Vec<usize> = running_choice
                .iter()
                .map(|&(_, j)| candidates[j].beam)
                .collect();
            s.running = new_running;
            s.running_scores = new_scores;

            // The stopping heuristic, with the length after this step.
            let generated = (cur_len + 1 - 1) as f64;
            let best_len = if opts.early_stopping == EarlyStopping::Never && lp > 0.0 {
                (max_length - 1) as f64
            } else {
                generated
            };
            let best_running = s.running_scores[0] / best_len.powf(lp) as f32;
            let worst_all = s.finished.iter().map(|f| f.0).fold(f32::INFINITY, f32::min);
            let still = s.finished.iter().any(|f| {
                let worst = if f.2 { worst_all } else { DEAD };
                best_running > worst
            });
            s.improvable = s.improvable && still;

            let all_done = !s.improvable
                || (opts.early_stopping == EarlyStopping::Always && s.finished.iter().all(|f| f.2))
                || hits.iter().all(|&h| h);
            if all_done {
                let (score, tokens, _) = std::mem::take(&mut s.finished[0]);
                results[s.index] = Some(Hypothesis { tokens, score });
            } else {
                kept_sentences.push(pos as u32);
                for (b, &origin) in origins.iter().enumerate() {
                    kept_rows.push((pos * beams + origin) as u32);
                    next_feed.push(*s.running[b].last().expect("one token per step"));
                }
                next_active.push(s);
            }
        }
        cur_len += 1;
        if !next_active.is_empty() {
            // Memory rows only move when a sentence left; cache rows move every step (beams
            // are reordered).
            let dropped = next_active.len() < state.sentences()?;
            state.select(dropped.then_some(&kept_sentences[..]), &kept_rows)?;
        }
        active = next_active;
        feed = next_feed;
    }
    Ok(finish(results))
}
