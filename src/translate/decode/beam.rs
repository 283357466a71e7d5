//! Beam search with transformers' bookkeeping (`_beam_search`, version 5), one sentence at a
//! time: every step, each sentence expands its running beams into candidates, lets the best
//! candidates that end join its finished hypotheses, advances its beams to the best that go
//! on, and leaves the batch as soon as its result can no longer change.
//!
//! Scores and tie-breaking follow the reference tensor for tensor (the same `DEAD` penalties,
//! the same top-k order), so that the same model gives the same tokens.

use candle_core::Result;
use rayon::prelude::*;

use super::{logits, DecodeOptions, EarlyStopping, Hypothesis, Processors, SpecialTokens, DEAD};
use crate::translate::model::{DecoderState, MarianModel};

/// Decodes every sentence of the batch in `state` with `opts.num_beams` beams.
pub(super) fn search(
    model: &MarianModel,
    state: &mut DecoderState,
    processors: &Processors,
    special: &SpecialTokens,
    opts: &DecodeOptions,
) -> Result<Vec<Hypothesis>> {
    let rules = Rules::new(processors, special, opts);
    let n = state.sentences()?;
    let mut results: Vec<Option<Hypothesis>> = vec![None; n];
    let mut active: Vec<SentenceBeams> = (0..n)
        .map(|index| SentenceBeams::start(index, rules.beams))
        .collect();
    // Rows are laid out sentence-major: row = position_in_active * beams + beam; the encoder
    // memory stays one per sentence and is shared by its beams.
    let mut feed = vec![special.decoder_start; n * rules.beams];
    let mut cur_len = 1;
    while !active.is_empty() {
        let (logits, vocab) = model.decode_step_host(state, &feed)?;
        let winners = rules.row_winners(logits, vocab, cur_len, &active);
        let mut survivors = Survivors::with_capacity(active.len());
        for (pos, mut sentence) in active.into_iter().enumerate() {
            let rows = &winners[pos * rules.beams..(pos + 1) * rules.beams];
            let candidates = rules.expand(&sentence, rows, vocab, cur_len);
            sentence.finish(&candidates, &rules, cur_len);
            let origins = sentence.advance(&candidates, rules.beams);
            sentence.check_improvable(&rules, cur_len);
            if sentence.is_done(&candidates, &rules) {
                let index = sentence.index;
                results[index] = Some(sentence.into_best());
            } else {
                survivors.keep(pos, sentence, &origins, rules.beams);
            }
        }
        cur_len += 1;
        (active, feed) = survivors.reorder(state)?;
    }
    Ok(super::finish(results))
}

/// What one search runs under.
struct Rules<'a> {
    processors: &'a Processors,
    eos: u32,
    beams: usize,
    length_penalty: f64,
    early_stopping: EarlyStopping,
}

impl<'a> Rules<'a> {
    fn new(processors: &'a Processors, special: &SpecialTokens, opts: &DecodeOptions) -> Self {
        Self {
            processors,
            eos: special.eos,
            beams: opts.num_beams,
            length_penalty: opts.length_penalty as f64,
            early_stopping: opts.early_stopping,
        }
    }

    /// How many candidates each step keeps: twice the beams, so that `beams` of them still go
    /// on however many end.
    fn keep_k(&self) -> usize {
        2 * self.beams
    }

    /// `length ^ length_penalty`, the divisor of a hypothesis' summed score.
    fn length_divisor(&self, length: f64) -> f32 {
        length.powf(self.length_penalty) as f32
    }

    /// Each row's best continuations as (processed log-probability, token), best first. Rows
    /// are independent: the vocabulary-sized passes are spread over the cores.
    /// `active` gives each row's tokens so far (row = sentence × beams + beam), which
    /// sequence-dependent processors (no repeated n-grams) read.
    fn row_winners(
        &self,
        logits: &[f32],
        vocab: usize,
        cur_len: usize,
        active: &[SentenceBeams],
    ) -> Vec<Vec<(f32, u32)>> {
        logits
            .par_chunks(vocab)
            .enumerate()
            .map(|(r, row)| {
                let history = &active[r / self.beams].running[r % self.beams].tokens;
                self.processors
                    .best_log_probs(row, cur_len, history, self.keep_k())
            })
            .collect()
    }

    /// The sentence's best `keep_k` continuations over all its beams. `rows` holds each
    /// beam's best continuations: the global top 2×beams over (beam, token) can hold at most
    /// 2×beams from any one beam.
    fn expand(
        &self,
        sentence: &SentenceBeams,
        rows: &[Vec<(f32, u32)>],
        vocab: usize,
        cur_len: usize,
    ) -> Vec<Candidate> {
        let mut scored: Vec<(f32, usize)> = Vec::with_capacity(rows.len() * self.keep_k());
        for (b, (beam, row)) in sentence.running.iter().zip(rows).enumerate() {
            for &(v, t) in row {
                scored.push((v + beam.score, b * vocab + t as usize));
            }
        }
        // The reference ranks a flat (beam, token) row: ties go to the lower flat index.
        scored.sort_by_key(|&(_, flat)| flat);
        let at_limit = cur_len + 1 >= self.processors.max_length;
        top_k(scored.into_iter(), self.keep_k())
            .into_iter()
            .map(|(score, flat)| {
                let token = (flat % vocab) as u32;
                Candidate {
                    score,
                    beam: flat / vocab,
                    token,
                    ends: token == self.eos || at_limit,
                }
            })
            .collect()
    }
}

/// A continuation of one running beam by one token.
struct Candidate {
    /// The beam's score plus the token's processed log-probability.
    score: f32,
    beam: usize,
    token: u32,
    /// Whether the sequence ends here (EOS, or the length limit).
    ends: bool,
}

/// A running beam: its generated tokens and their summed processed log-probability.
struct Beam {
    tokens: Vec<u32>,
    score: f32,
}

impl Beam {
    /// This beam's tokens followed by `token`.
    fn extended(&self, token: u32) -> Vec<u32> {
        let mut tokens = Vec::with_capacity(self.tokens.len() + 1);
        tokens.extend_from_slice(&self.tokens);
        tokens.push(token);
        tokens
    }
}

/// One of a sentence's `num_beams` finished-hypothesis slots. As in transformers, an empty
/// slot scores `DEAD`, and a candidate that did not finish competes for a slot with a `DEAD`
/// penalty (so it only takes one nothing better wants, and stays `filled: false`).
#[derive(Default)]
struct Finished {
    /// The summed score divided by `length ^ length_penalty`, plus any penalties.
    score: f32,
    tokens: Vec<u32>,
    /// Whether this slot holds a hypothesis that really ended.
    filled: bool,
}

/// Beam-search state of one sentence, mirroring transformers' tensors for one batch row.
struct SentenceBeams {
    /// The sentence's position in the batch.
    index: usize,
    running: Vec<Beam>,
    finished: Vec<Finished>,
    /// Whether a running beam may still beat the worst finished hypothesis.
    improvable: bool,
}

impl SentenceBeams {
    /// One live beam (the decoder start token) and `beams - 1` dead ones, no hypotheses yet.
    fn start(index: usize, beams: usize) -> Self {
        Self {
            index,
            running: (0..beams)
                .map(|b| Beam {
                    tokens: Vec::new(),
                    score: if b == 0 { 0.0 } else { DEAD },
                })
                .collect(),
            finished: (0..beams)
                .map(|_| Finished {
                    score: DEAD,
                    ..Finished::default()
                })
                .collect(),
            improvable: true,
        }
    }

    /// Lets the candidates that end join the finished hypotheses, keeping the best
    /// `beams` slots. Only the top `beams` candidates may finish; the length after this step
    /// is `cur_len` generated tokens.
    fn finish(&mut self, candidates: &[Candidate], rules: &Rules, cur_len: usize) {
        let divisor = rules.length_divisor((cur_len + 1 - 1) as f64);
        let full_and_early = rules.early_stopping == EarlyStopping::Always && self.is_full();
        let mut merged = std::mem::take(&mut self.finished);
        for (j, c) in candidates.iter().enumerate() {
            let just_finished = c.ends && j < rules.beams;
            // Penalties added one by one, in the reference's order (f32 sums round alike).
            let mut score = c.score / divisor;
            if full_and_early {
                score += DEAD;
            }
            if !self.improvable {
                score += DEAD;
            }
            if !just_finished {
                score += DEAD;
            }
            merged.push(Finished {
                score,
                tokens: self.running[c.beam].extended(c.token),
                filled: just_finished,
            });
        }
        let order = top_k(merged.iter().map(|m| m.score).zip(0..), rules.beams);
        self.finished = order
            .iter()
            .map(|&(_, i)| std::mem::take(&mut merged[i]))
            .collect();
    }

    /// Moves the running beams to the best `beams` candidates that go on; returns, for each
    /// new beam, the old beam it continues (the decoder cache row it needs).
    fn advance(&mut self, candidates: &[Candidate], beams: usize) -> Vec<usize> {
        let going_on = candidates
            .iter()
            .enumerate()
            .map(|(j, c)| (if c.ends { c.score + DEAD } else { c.score }, j));
        let choice = top_k(going_on, beams);
        self.running = choice
            .iter()
            .map(|&(score, j)| {
                let c = &candidates[j];
                Beam {
                    tokens: self.running[c.beam].extended(c.token),
                    score,
                }
            })
            .collect();
        choice.iter().map(|&(_, j)| candidates[j].beam).collect()
    }

    /// transformers' stopping heuristic, with the length after this step: the sentence stays
    /// improvable while the best running beam could beat the worst finished hypothesis.
    fn check_improvable(&mut self, rules: &Rules, cur_len: usize) {
        let generated = (cur_len + 1 - 1) as f64;
        let best_len = if rules.early_stopping == EarlyStopping::Never && rules.length_penalty > 0.0
        {
            (rules.processors.max_length - 1) as f64
        } else {
            generated
        };
        let best_running = self.running[0].score / rules.length_divisor(best_len);
        let worst_all = self
            .finished
            .iter()
            .map(|f| f.score)
            .fold(f32::INFINITY, f32::min);
        let still = self.finished.iter().any(|f| {
            let worst = if f.filled { worst_all } else { DEAD };
            best_running > worst
        });
        self.improvable = self.improvable && still;
    }

    /// Whether every finished slot holds a real hypothesis.
    fn is_full(&self) -> bool {
        self.finished.iter().all(|f| f.filled)
    }

    /// Whether the sentence's result can no longer change after this step's `candidates`.
    fn is_done(&self, candidates: &[Candidate], rules: &Rules) -> bool {
        !self.improvable
            || (rules.early_stopping == EarlyStopping::Always && self.is_full())
            || candidates.iter().all(|c| c.ends)
    }

    /// The best finished hypothesis.
    fn into_best(mut self) -> Hypothesis {
        let best = std::mem::take(&mut self.finished[0]);
        Hypothesis {
            tokens: best.tokens,
            score: best.score,
        }
    }
}

/// The sentences that go on to the next step, and the decoder rows they need.
struct Survivors {
    sentences: Vec<SentenceBeams>,
    /// Their positions in this step's batch (encoder memory rows).
    positions: Vec<u32>,
    /// For each new beam, this step's row it continues (decoder cache rows).
    rows: Vec<u32>,
    /// For each new beam, the token to feed next.
    feed: Vec<u32>,
}

impl Survivors {
    fn with_capacity(n: usize) -> Self {
        Self {
            sentences: Vec::with_capacity(n),
            positions: Vec::new(),
            rows: Vec::new(),
            feed: Vec::new(),
        }
    }

    /// Keeps the sentence at batch position `pos`, whose new beams continue `origins`.
    fn keep(&mut self, pos: usize, sentence: SentenceBeams, origins: &[usize], beams: usize) {
        self.positions.push(pos as u32);
        for (beam, &origin) in sentence.running.iter().zip(origins) {
            self.rows.push((pos * beams + origin) as u32);
            self.feed
                .push(*beam.tokens.last().expect("one token per step"));
        }
        self.sentences.push(sentence);
    }

    /// Reorders the decoder state to the survivors' rows; returns them and the next feed.
    /// Memory rows only move when a sentence left; cache rows move every step (beams are
    /// reordered).
    fn reorder(self, state: &mut DecoderState) -> Result<(Vec<SentenceBeams>, Vec<u32>)> {
        if !self.sentences.is_empty() {
            let dropped = self.sentences.len() < state.sentences()?;
            state.select(dropped.then_some(&self.positions[..]), &self.rows)?;
        }
        Ok((self.sentences, self.feed))
    }
}

/// The `k` best (score, index) pairs, best first; ties go to the one seen first.
fn top_k(values: impl Iterator<Item = (f32, usize)>, k: usize) -> Vec<(f32, usize)> {
    logits::merge_best(Vec::with_capacity(k + 1), values, k)
}
