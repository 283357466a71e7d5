//! Corpus chrF as sacreBLEU computes it (`CHRF()` defaults: character n-grams up to 6, no word
//! n-grams, β = 2, whitespace removed, statistics summed over the corpus).

use std::collections::HashMap;

use super::{check, py_split, EvalError, SACREBLEU_VERSION};

const ORDER: usize = 6;
const BETA: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct ChrfScore {
    pub score: f64,
    pub signature: String,
}

impl std::fmt::Display for ChrfScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chrF2 = {:.2}", self.score)
    }
}

/// Character n-gram counts of a line with its whitespace removed, for n = 1..=6.
fn counts(line: &str) -> Vec<HashMap<String, usize>> {
    let joined: String = py_split(line).collect();
    let chars: Vec<char> = joined.chars().collect();
    (1..=ORDER)
        .map(|n| {
            let mut m = HashMap::new();
            for w in chars.windows(n) {
                *m.entry(w.iter().collect::<String>()).or_default() += 1;
            }
            m
        })
        .collect()
}

/// sacreBLEU's `_compute_f_score` (without epsilon smoothing).
fn f_score(stats: &[usize]) -> f64 {
    let factor = BETA * BETA;
    let (mut avg_prec, mut avg_rec, mut effective) = (0.0f64, 0.0f64, 0usize);
    for n in 0..ORDER {
        let (hyp, reference, matched) = (stats[3 * n], stats[3 * n + 1], stats[3 * n + 2]);
        let eps = 1e-16;
        let prec = if hyp > 0 {
            matched as f64 / hyp as f64
        } else {
            eps
        };
        let rec = if reference > 0 {
            matched as f64 / reference as f64
        } else {
            eps
        };
        if hyp > 0 && reference > 0 {
            avg_prec += prec;
            avg_rec += rec;
            effective += 1;
        }
    }
    if effective == 0 {
        return 0.0;
    }
    avg_prec /= effective as f64;
    avg_rec /= effective as f64;
    if avg_prec + avg_rec > 0.0 {
        100.0 * (1.0 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)
    } else {
        0.0
    }
}

/// Corpus chrF of `hyps` against reference sets `refs` (`refs[k][i]`); with several
/// references, each sentence uses the one with its best sentence-level chrF.
pub fn corpus_chrf<S: AsRef<str>, R: AsRef<str>>(
    hyps: &[S],
    refs: &[Vec<R>],
) -> Result<ChrfScore, EvalError> {
    check(hyps, refs)?;
    let mut totals = vec![0usize; 3 * ORDER];
    for (i, hyp) in hyps.iter().enumerate() {
        let h = counts(hyp.as_ref());
        let mut best: Option<(f64, Vec<usize>)> = None;
        for set in refs {
            let r = counts(set[i].as_ref());
            let mut stats = Vec::with_capacity(3 * ORDER);
            for n in 0..ORDER {
                let matched: usize = h[n]
                    .iter()
                    .filter_map(|(g, &c)| r[n].get(g).map(|&rc| c.min(rc)))
                    .sum();
                stats.extend([h[n].values().sum(), r[n].values().sum(), matched]);
            }
            let f = f_score(&stats);
            if best.as_ref().is_none_or(|(bf, _)| f > *bf) {
                best = Some((f, stats));
            }
        }
        if let Some((_, stats)) = best {
            for (t, s) in totals.iter_mut().zip(stats) {
                *t += s;
            }
        }
    }
    Ok(ChrfScore {
        score: f_score(&totals),
        signature: format!(
            "nrefs:{}|case:mixed|eff:yes|nc:6|nw:0|space:no|version:{SACREBLEU_VERSION}",
            refs.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sacrebleu_on_a_tiny_case() {
        // sacrebleu 2.6.0: chrF2 = 79.34
        let s = corpus_chrf(&["the cat sat"], &[vec!["the cat sat on"]]).unwrap();
        assert_eq!(s.to_string(), "chrF2 = 79.34");
    }
}
