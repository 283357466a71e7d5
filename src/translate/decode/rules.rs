//! Logits processors that depend on the tokens a hypothesis holds so far, which BART's
//! summarisation settings use: `forced_bos_token_id` and `no_repeat_ngram_size`, with the
//! semantics of transformers' `ForcedBOSTokenLogitsProcessor` and
//! `NoRepeatNGramLogitsProcessor`. Marian models use neither (the default rules do nothing).

/// The sequence-dependent processors of a model's generation settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SequenceRules {
    /// Forced as the first generated token (the step after the decoder start token).
    pub forced_bos: Option<u32>,
    /// No n-gram of this size may occur twice in a hypothesis; 0 turns the rule off.
    pub no_repeat_ngram_size: usize,
}

impl SequenceRules {
    /// The token forced at `cur_len` (the length so far, decoder start token included).
    pub fn forced(&self, cur_len: usize) -> Option<u32> {
        self.forced_bos.filter(|_| cur_len == 1)
    }

    /// Whether any rule can ban a token (so decoding need not look at the history).
    pub fn bans_anything(&self) -> bool {
        self.no_repeat_ngram_size > 0
    }

    /// Pushes onto `banned` the tokens the n-gram rule bans after `start` followed by
    /// `generated`: every token that ended an earlier n-gram whose first `n − 1` tokens equal
    /// the sequence's last `n − 1`. As in transformers, the sequence is the whole decoder input
    /// — the decoder start token and forced tokens count like any other.
    pub fn banned_ngrams(&self, start: u32, generated: &[u32], banned: &mut Vec<u32>) {
        let n = self.no_repeat_ngram_size;
        let cur_len = generated.len() + 1;
        if n == 0 || cur_len < n {
            return;
        }
        let token = |i: usize| if i == 0 { start } else { generated[i - 1] };
        let prefix_start = cur_len + 1 - n;
        for window in 0..=cur_len - n {
            if (0..n - 1).all(|j| token(window + j) == token(prefix_start + j)) {
                banned.push(token(window + n - 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banned(n: usize, start: u32, generated: &[u32]) -> Vec<u32> {
        let rules = SequenceRules {
            forced_bos: None,
            no_repeat_ngram_size: n,
        };
        let mut out = Vec::new();
        rules.banned_ngrams(start, generated, &mut out);
        out.sort_unstable();
        out
    }

    #[test]
    fn bans_the_token_that_would_repeat_an_ngram() {
        // 2 0 5 6 7 5 6 → the 3-gram (5 6 7) exists: after "5 6", 7 is banned.
        assert_eq!(banned(3, 2, &[0, 5, 6, 7, 5, 6]), vec![7]);
        // Bigrams: after 5, both continuations seen after 5 are banned.
        assert_eq!(banned(2, 2, &[5, 6, 5, 7, 5]), vec![6, 7]);
        // Too short for any n-gram, or the rule off.
        assert!(banned(3, 2, &[0]).is_empty());
        assert!(banned(0, 2, &[5, 5, 5]).is_empty());
    }

    #[test]
    fn the_decoder_start_token_counts() {
        // 2 0 … 2 → the bigram (2 0) was seen at the start: 0 is banned after a generated 2.
        assert_eq!(banned(2, 2, &[0, 9, 2]), vec![0]);
    }

    #[test]
    fn forced_bos_only_at_the_first_step() {
        let rules = SequenceRules {
            forced_bos: Some(0),
            no_repeat_ngram_size: 0,
        };
        assert_eq!(rules.forced(1), Some(0));
        assert_eq!(rules.forced(2), None);
    }
}
