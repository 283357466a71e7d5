//! Scheduling sentences into batches, the CTranslate2 way: sort by source length so that a
//! batch holds sentences of similar length (little padding), and cap each batch both by a number
//! of sentences and by a token budget (padded source tokens), so long sentences get small
//! batches and short ones big batches.

use serde::{Deserialize, Serialize};

/// How to cut work into batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPolicy {
    /// At most this many sentences per batch.
    pub max_sentences: usize,
    /// At most this many padded source tokens (longest sentence × sentences) per batch; a
    /// sentence longer than the budget still gets a batch of its own.
    pub max_tokens: Option<usize>,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            max_sentences: 32,
            max_tokens: None,
        }
    }
}

impl BatchPolicy {
    /// A fixed number of sentences per batch (`--batch-size`).
    pub fn sentences(n: usize) -> Self {
        Self {
            max_sentences: n.max(1),
            max_tokens: None,
        }
    }

    /// A token budget per batch (`--batch-tokens`), with a generous sentence cap.
    pub fn tokens(budget: usize) -> Self {
        Self {
            max_sentences: 256,
            max_tokens: Some(budget.max(1)),
        }
    }
}

/// How many batches are decoded at the same time by default: two when there are two threads
/// or more (while one batch is in a stretch of small serial operations, the other keeps the
/// cores busy), else one.
pub fn default_concurrency() -> usize {
    rayon::current_num_threads().clamp(1, 2)
}

/// The wave plan: [`plan`]'s batches grouped into waves of `concurrent` batches decoded at the
/// same time. Each wave is a list of batches, each batch a list of indices into `lengths`.
pub fn waves(lengths: &[usize], policy: &BatchPolicy, concurrent: usize) -> Vec<Vec<Vec<usize>>> {
    plan(lengths, policy)
        .chunks(concurrent.max(1))
        .map(<[_]>::to_vec)
        .collect()
}

/// Groups item indices (`lengths[i]` = source tokens of item `i`) into batches, longest items
/// first. Every index appears in exactly one batch; the order is deterministic (ties keep input
/// order).
pub fn plan(lengths: &[usize], policy: &BatchPolicy) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut longest = 0;
    for i in order {
        let len = lengths[i].max(1);
        let new_longest = longest.max(len);
        let too_many = current.len() >= policy.max_sentences;
        let too_big = policy
            .max_tokens
            .is_some_and(|budget| new_longest * (current.len() + 1) > budget);
        if !current.is_empty() && (too_many || too_big) {
            batches.push(std::mem::take(&mut current));
            longest = len;
        } else {
            longest = new_longest;
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_once_longest_first() {
        let lengths = [3, 10, 7, 1, 10, 4];
        let batches = plan(&lengths, &BatchPolicy::sentences(2));
        assert_eq!(batches, vec![vec![1, 4], vec![2, 5], vec![0, 3]]);
    }

    #[test]
    fn token_budget_caps_padded_size() {
        let lengths = [50, 50, 50, 10, 10, 10, 10, 10, 10];
        let batches = plan(&lengths, &BatchPolicy::tokens(100));
        for b in &batches {
            let longest = b.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(longest * b.len() <= 100 || b.len() == 1);
        }
        let mut all: Vec<usize> = batches.concat();
        all.sort();
        assert_eq!(all, (0..lengths.len()).collect::<Vec<_>>());
        assert_eq!(batches[0], vec![0, 1]);
    }

    #[test]
    fn oversized_item_gets_its_own_batch() {
        let batches = plan(&[500, 3], &BatchPolicy::tokens(100));
        assert_eq!(batches, vec![vec![0], vec![1]]);
    }

    #[test]
    fn empty_input_gives_no_batches() {
        assert!(plan(&[], &BatchPolicy::default()).is_empty());
    }
}
