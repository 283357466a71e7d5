//! Translation quality metrics, computed exactly as sacreBLEU 2.6 computes them with its
//! defaults, so figures can be quoted next to published ones: corpus BLEU (13a tokenisation,
//! exponential smoothing, 4-grams) and chrF (character 6-grams, β = 2, whitespace ignored).
//! Several references per sentence are supported. Summaries are scored with ROUGE as Google's
//! `rouge-score` scores them ([`rouge`]), with an Arabic tokenisation beside its English one.

pub mod bleu;
pub mod chrf;
mod porter;
pub mod rouge;

pub use bleu::{corpus_bleu, BleuScore};
pub use chrf::{corpus_chrf, ChrfScore};
pub use rouge::{corpus_rouge, CorpusRouge, Language, RougeOptions, RougeScores, Variant};

/// The sacreBLEU version whose behaviour and signatures these metrics reproduce.
pub const SACREBLEU_VERSION: &str = "2.6.0";

/// Why a corpus cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("no hypotheses to score")]
    Empty,
    #[error("{hyps} hypotheses but reference set {set} has {refs} lines")]
    LengthMismatch {
        hyps: usize,
        set: usize,
        refs: usize,
    },
    #[error("no reference set given")]
    NoReferences,
}

/// Checks the shape of a corpus: `refs[k][i]` is the k-th reference of sentence `i`.
fn check<S: AsRef<str>, R: AsRef<str>>(hyps: &[S], refs: &[Vec<R>]) -> Result<(), EvalError> {
    if hyps.is_empty() {
        return Err(EvalError::Empty);
    }
    if refs.is_empty() {
        return Err(EvalError::NoReferences);
    }
    for (k, set) in refs.iter().enumerate() {
        if set.len() != hyps.len() {
            return Err(EvalError::LengthMismatch {
                hyps: hyps.len(),
                set: k + 1,
                refs: set.len(),
            });
        }
    }
    Ok(())
}

/// Python's `str.split()` whitespace.
fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|w| !w.is_empty())
}
