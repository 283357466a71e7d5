//! Greedy search: each sentence takes the best processed token at every step and leaves the
//! batch as soon as it ends (EOS, or the length limit).

use candle_core::Result;
use rayon::prelude::*;

use super::{Hypothesis, Processors, SpecialTokens};
use crate::translate::model::{DecoderState, MarianModel};

/// Decodes every sentence of the batch in `state`, one token per step.
pub(super) fn search(
    model: &MarianModel,
    state: &mut DecoderState,
    processors: &Processors,
    special: &SpecialTokens,
) -> Result<Vec<Hypothesis>> {
    let n = state.sentences()?;
    let mut results: Vec<Option<Hypothesis>> = vec![None; n];
    let mut active: Vec<Sentence> = (0..n).map(Sentence::start).collect();
    let mut feed = vec![special.decoder_start; n];
    let mut cur_len = 1;
    while !active.is_empty() {
        let (logits, vocab) = model.decode_step_host(state, &feed)?;
        // Each row's choice is independent: spread the vocabulary-sized passes over the cores.
        let picks: Vec<(u32, f32)> = logits
            .par_chunks(vocab)
            .zip(active.par_iter())
            .map(|(row, sentence)| processors.greedy_pick(row, cur_len, &sentence.tokens))
            .collect();
        let before = active.len();
        let mut kept_rows = Vec::with_capacity(before);
        let mut survivors = Vec::with_capacity(before);
        feed = Vec::with_capacity(before);
        for (row, (mut sentence, (token, logprob))) in active.into_iter().zip(picks).enumerate() {
            sentence.advance(token, logprob);
            if token == special.eos || cur_len + 1 >= processors.max_length {
                let index = sentence.index;
                results[index] = Some(sentence.finish());
            } else {
                kept_rows.push(row as u32);
                feed.push(token);
                survivors.push(sentence);
            }
        }
        cur_len += 1;
        // Drop the rows of the sentences that ended (nothing to move when none, or all, did).
        if kept_rows.len() < before && !kept_rows.is_empty() {
            state.select(Some(&kept_rows), &kept_rows)?;
        }
        active = survivors;
    }
    Ok(super::finish(results))
}

/// One sentence being decoded greedily.
struct Sentence {
    /// Its position in the batch.
    index: usize,
    tokens: Vec<u32>,
    /// The sum of the chosen tokens' processed log-probabilities.
    score: f32,
}

impl Sentence {
    fn start(index: usize) -> Self {
        Self {
            index,
            tokens: Vec::new(),
            score: 0.0,
        }
    }

    fn advance(&mut self, token: u32, logprob: f32) {
        self.score += logprob;
        self.tokens.push(token);
    }

    fn finish(self) -> Hypothesis {
        Hypothesis {
            tokens: self.tokens,
            score: self.score,
        }
    }
}
