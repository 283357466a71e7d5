//! Corpus BLEU as sacreBLEU computes it (`BLEU()` defaults).

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use super::{check, py_split, EvalError, SACREBLEU_VERSION};

/// A corpus BLEU score with its sufficient statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScore {
    pub score: f64,
    pub precisions: [f64; 4],
    pub bp: f64,
    pub ratio: f64,
    pub hyp_len: usize,
    pub ref_len: usize,
    pub correct: [usize; 4],
    pub total: [usize; 4],
    pub signature: String,
}

impl std::fmt::Display for BleuScore {
    /// sacreBLEU's line: `BLEU = 23.45 55.1/30.2/18.1/11.2 (BP = 1.000 ratio = 1.012 …)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p: Vec<String> = self.precisions.iter().map(|p| format!("{p:.1}")).collect();
        write!(
            f,
            "BLEU = {:.2} {} (BP = {:.3} ratio = {:.3} hyp_len = {} ref_len = {})",
            self.score,
            p.join("/"),
            self.bp,
            self.ratio,
            self.hyp_len,
            self.ref_len
        )
    }
}

struct Rules {
    symbols: Regex,
    period_comma_after: Regex,
    period_comma_before: Regex,
    dash_after_digit: Regex,
}

// Long only because it lists sacreBLEU's tokenizer rules one regex a line (data, not logic).
fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules {
        symbols: Regex::new(r"([\{-~\[-` -&\(-\+:-@/])").expect("valid"),
        period_comma_after: Regex::new(r"([^0-9])([\.,])").expect("valid"),
        period_comma_before: Regex::new(r"([\.,])([^0-9])").expect("valid"),
        dash_after_digit: Regex::new(r"([0-9])(-)").expect("valid"),
    })
}

/// sacreBLEU's `13a` tokeniser (mteval-v13a's).
pub fn tokenize_13a(line: &str) -> String {
    let mut line = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let r = rules();
    let line = format!(" {line} ");
    let line = r.symbols.replace_all(&line, " $1 ");
    let line = r.period_comma_after.replace_all(&line, "$1 $2 ");
    let line = r.period_comma_before.replace_all(&line, " $1 $2");
    let line = r.dash_after_digit.replace_all(&line, "$1 $2 ");
    py_split(&line).collect::<Vec<_>>().join(" ")
}

fn ngrams(tokens: &[&str]) -> HashMap<Vec<String>, usize> {
    let mut counts = HashMap::new();
    for n in 1..=4 {
        for w in tokens.windows(n) {
            *counts
                .entry(w.iter().map(|s| s.to_string()).collect())
                .or_default() += 1;
        }
    }
    counts
}

/// Python's `str.rstrip()`.
fn rstrip(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Corpus BLEU of `hyps` against reference sets `refs` (`refs[k][i]` is the k-th reference of
/// sentence `i`).
pub fn corpus_bleu<S: AsRef<str>, R: AsRef<str>>(
    hyps: &[S],
    refs: &[Vec<R>],
) -> Result<BleuScore, EvalError> {
    check(hyps, refs)?;
    let mut stats = Stats::default();
    for (i, hyp) in hyps.iter().enumerate() {
        stats.add(hyp.as_ref(), refs.iter().map(|set| set[i].as_ref()));
    }
    let bp = stats.brevity_penalty();
    let (precisions, score) = stats.smoothed_score(bp);
    let Stats {
        correct,
        total,
        sys_len,
        ref_len,
    } = stats;
    Ok(BleuScore {
        score,
        precisions,
        bp,
        ratio: if ref_len > 0 {
            sys_len as f64 / ref_len as f64
        } else {
            0.0
        },
        hyp_len: sys_len,
        ref_len,
        correct,
        total,
        signature: format!(
            "nrefs:{}|case:mixed|eff:no|tok:13a|smooth:exp|version:{SACREBLEU_VERSION}",
            refs.len()
        ),
    })
}

/// BLEU's sufficient statistics over a corpus, as sacreBLEU sums them.
#[derive(Default)]
struct Stats {
    /// Clipped n-gram matches and hypothesis n-grams, n = 1..4.
    correct: [usize; 4],
    total: [usize; 4],
    sys_len: usize,
    /// The closest reference length of each sentence, summed.
    ref_len: usize,
}

impl Stats {
    /// Adds one hypothesis and its references.
    fn add<'r>(&mut self, hyp: &str, refs: impl Iterator<Item = &'r str>) {
        let hyp_tok = tokenize_13a(rstrip(hyp));
        let hyp_words: Vec<&str> = py_split(&hyp_tok).collect();
        let mut max_ref: HashMap<Vec<String>, usize> = HashMap::new();
        let mut ref_lens = Vec::new();
        for r in refs {
            let r = tokenize_13a(rstrip(r));
            let words: Vec<&str> = py_split(&r).collect();
            ref_lens.push(words.len());
            for (g, c) in ngrams(&words) {
                let e = max_ref.entry(g).or_default();
                *e = (*e).max(c);
            }
        }
        // The closest reference length, the shorter one on ties.
        let mut closest: Option<(usize, usize)> = None;
        for &len in &ref_lens {
            let diff = len.abs_diff(hyp_words.len());
            closest = match closest {
                None => Some((diff, len)),
                Some((d, l)) if diff < d || (diff == d && len < l) => Some((diff, len)),
                keep => keep,
            };
        }
        self.sys_len += hyp_words.len();
        self.ref_len += closest.map_or(0, |c| c.1);
        for (g, c) in ngrams(&hyp_words) {
            let n = g.len() - 1;
            self.total[n] += c;
            if let Some(&r) = max_ref.get(&g) {
                self.correct[n] += c.min(r);
            }
        }
    }

    fn brevity_penalty(&self) -> f64 {
        match (self.sys_len, self.ref_len) {
            (0, r) if r > 0 => 0.0,
            (s, r) if s < r => (1.0 - r as f64 / s as f64).exp(),
            _ => 1.0,
        }
    }

    /// The n-gram precisions with sacreBLEU's `exp` smoothing, and the score.
    fn smoothed_score(&self, bp: f64) -> ([f64; 4], f64) {
        let mut precisions = [0.0f64; 4];
        if self.correct.iter().all(|&c| c == 0) {
            return (precisions, 0.0);
        }
        let mut smooth = 1.0f64;
        for ((p, &correct), &total) in precisions.iter_mut().zip(&self.correct).zip(&self.total) {
            if total == 0 {
                break;
            }
            *p = if correct == 0 {
                smooth *= 2.0;
                100.0 / (smooth * total as f64)
            } else {
                100.0 * correct as f64 / total as f64
            };
        }
        let log = |p: f64| if p == 0.0 { -9_999_999_999.0 } else { p.ln() };
        let score = bp * (precisions.iter().map(|&p| log(p)).sum::<f64>() / 4.0).exp();
        (precisions, score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_13a_examples() {
        assert_eq!(
            tokenize_13a("Hello, world! It's 3.5-4 km."),
            "Hello , world ! It's 3.5 - 4 km ."
        );
        assert_eq!(tokenize_13a("a&amp;b (c) \"d\""), "a & b ( c ) \" d \"");
    }

    #[test]
    fn matches_sacrebleu_on_a_tiny_case() {
        // sacrebleu 2.6.0: BLEU = 0.00 100.0/100.0/100.0/0.0 (BP = 0.717 ratio = 0.750 hyp_len = 3 ref_len = 4)
        let s = corpus_bleu(&["the cat sat"], &[vec!["the cat sat on"]]).unwrap();
        assert_eq!(
            s.to_string(),
            "BLEU = 0.00 100.0/100.0/100.0/0.0 (BP = 0.717 ratio = 0.750 hyp_len = 3 ref_len = 4)"
        );
    }
}
