//! ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum (Lin, 2004) as Google's `rouge-score` package
//! computes them, for summaries.
//!
//! - **English** tokens are exactly `rouge-score`'s: lowercased, every character outside
//!   `[a-z0-9]` made a space, and, with the stemmer, NLTK's Porter stemmer on tokens longer
//!   than three characters (`super::porter`).
//! - **Arabic** tokens: `rouge-score` deletes every Arabic letter, so Arabic has its own
//!   tokenisation: diacritics, tatweel and invisible marks removed, alef / yeh / teh-marbuta
//!   forms unified (the project's [`fold_for_matching`]), Arabic-Indic digits made ASCII, Latin
//!   lowercased, and every character that is not a letter or digit (Arabic and Latin
//!   punctuation alike) a separator. With the stemmer, the project's light stemmer strips the
//!   article, attached prepositions and common suffixes (`والحكومة` and `الحكومات` match).
//!
//! A summary is one line; its sentences are separated by a tab or ` <n> `. ROUGE-1/2/L read the
//! whole summary; ROUGE-Lsum is the summary-level LCS over its sentences (newline-separated in
//! `rouge-score`). With several references per document the scores are the **mean over the
//! references** (how EASC's five summaries per article are scored), not `rouge-score`'s
//! `score_multi` maximum. Corpus figures are means over documents with a bootstrap 95 %
//! interval (1,000 resamples, seeded: the same input always gives the same interval).

use std::collections::HashMap;

use super::EvalError;
use crate::text::normalize::fold_for_matching;

/// Which tokenisation the texts get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `rouge-score`'s own tokeniser (ASCII letters and digits only).
    English,
    /// Arabic-normalised tokens (see the module docs).
    Arabic,
}

/// How to score: the language's tokenisation and whether to stem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RougeOptions {
    pub language: Language,
    pub stem: bool,
}

/// Precision, recall and F1 of one ROUGE variant, each in `[0, 1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    fn new(precision: f64, recall: f64) -> Self {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }

    fn as_array(self) -> [f64; 3] {
        [self.precision, self.recall, self.f1]
    }
}

/// The four ROUGE variants, in [`Variant::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Rouge1,
    Rouge2,
    RougeL,
    RougeLsum,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Rouge1,
        Variant::Rouge2,
        Variant::RougeL,
        Variant::RougeLsum,
    ];

    /// `rouge-score`'s name for the variant.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Rouge1 => "rouge1",
            Variant::Rouge2 => "rouge2",
            Variant::RougeL => "rougeL",
            Variant::RougeLsum => "rougeLsum",
        }
    }
}

/// The scores of one summary: one [`Prf`] per [`Variant`], in [`Variant::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RougeScores(pub [Prf; 4]);

impl RougeScores {
    pub fn get(&self, v: Variant) -> Prf {
        self.0[v as usize]
    }

    fn mean(all: &[RougeScores]) -> RougeScores {
        let mut sum = [[0.0; 3]; 4];
        for s in all {
            for (acc, prf) in sum.iter_mut().zip(s.0) {
                for (a, x) in acc.iter_mut().zip(prf.as_array()) {
                    *a += x;
                }
            }
        }
        let n = all.len().max(1) as f64;
        RougeScores(sum.map(|[p, r, f]| Prf {
            precision: p / n,
            recall: r / n,
            f1: f / n,
        }))
    }
}

/// The sentences of a summary line: split at tabs and at ` <n> ` markers.
pub fn sentences(line: &str) -> Vec<&str> {
    line.split('\t')
        .flat_map(|part| part.split("<n>"))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The tokens ROUGE compares (see the module docs for each language).
pub fn tokenize(text: &str, opts: RougeOptions) -> Vec<String> {
    match opts.language {
        Language::English => english_tokens(text, opts.stem),
        Language::Arabic => arabic_tokens(text, opts.stem),
    }
}

fn english_tokens(text: &str, stem: bool) -> Vec<String> {
    let lowered = text.to_lowercase();
    lowered
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|t| !t.is_empty())
        .map(|t| {
            if stem && t.len() > 3 {
                super::porter::stem(t)
            } else {
                t.to_string()
            }
        })
        // The stemmer never yields anything outside [a-z0-9], but rouge-score checks again.
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .collect()
}

fn arabic_tokens(text: &str, stem: bool) -> Vec<String> {
    let folded: String = fold_for_matching(text)
        .chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| {
            if stem {
                crate::text::stem::content_stem(t).unwrap_or_else(|| t.to_string())
            } else {
                t.to_string()
            }
        })
        .collect()
}

fn ngrams(tokens: &[String], n: usize) -> HashMap<&[String], usize> {
    let mut counts = HashMap::new();
    if tokens.len() >= n {
        for w in tokens.windows(n) {
            *counts.entry(w).or_insert(0) += 1;
        }
    }
    counts
}

fn ngram_score(reference: &[String], hyp: &[String], n: usize) -> Prf {
    let r = ngrams(reference, n);
    let h = ngrams(hyp, n);
    let overlap: usize = r
        .iter()
        .map(|(g, c)| (*c).min(h.get(g).copied().unwrap_or(0)))
        .sum();
    let r_total: usize = r.values().sum();
    let h_total: usize = h.values().sum();
    Prf::new(
        overlap as f64 / h_total.max(1) as f64,
        overlap as f64 / r_total.max(1) as f64,
    )
}

/// The LCS table of `a` and `b`: `t[i][j]` is the LCS length of `a[..i]` and `b[..j]`.
fn lcs_table(a: &[String], b: &[String]) -> Vec<Vec<u32>> {
    let mut t = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i][j] = if a[i - 1] == b[j - 1] {
                t[i - 1][j - 1] + 1
            } else {
                t[i - 1][j].max(t[i][j - 1])
            };
        }
    }
    t
}

/// Length of the longest common subsequence, in two rows of memory.
fn lcs_len(a: &[String], b: &[String]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            row[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(row[j])
            };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

fn lcs_score(reference: &[String], hyp: &[String]) -> Prf {
    if reference.is_empty() || hyp.is_empty() {
        return Prf::default();
    }
    let l = lcs_len(reference, hyp) as f64;
    Prf::new(l / hyp.len() as f64, l / reference.len() as f64)
}

/// Indices into `reference` of one LCS with `hyp`, backtracked with `rouge-score`'s tie rule
/// (which LCS is read out changes ROUGE-Lsum).
fn lcs_indices(reference: &[String], hyp: &[String]) -> Vec<usize> {
    let t = lcs_table(reference, hyp);
    let (mut i, mut j) = (reference.len(), hyp.len());
    let mut out = Vec::new();
    while i > 0 && j > 0 {
        if reference[i - 1] == hyp[j - 1] {
            out.push(i - 1);
            i -= 1;
            j -= 1;
        } else if t[i][j - 1] > t[i - 1][j] {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    out
}

/// Summary-level LCS (ROUGE paper §3.2): for each reference sentence the union of its LCSs
/// with every summary sentence, each token counted at most as often as both sides have it.
fn lsum_score(reference: &[Vec<String>], hyp: &[Vec<String>]) -> Prf {
    let m: usize = reference.iter().map(Vec::len).sum();
    let n: usize = hyp.iter().map(Vec::len).sum();
    if m == 0 || n == 0 {
        return Prf::default();
    }
    let mut left_r: HashMap<&str, usize> = HashMap::new();
    let mut left_h: HashMap<&str, usize> = HashMap::new();
    for t in reference.iter().flatten() {
        *left_r.entry(t).or_default() += 1;
    }
    for t in hyp.iter().flatten() {
        *left_h.entry(t).or_default() += 1;
    }
    let mut hits = 0usize;
    for r in reference {
        let mut union: Vec<usize> = hyp.iter().flat_map(|h| lcs_indices(r, h)).collect();
        union.sort_unstable();
        union.dedup();
        for i in union {
            let t = r[i].as_str();
            let (cr, ch) = (left_r.get_mut(t).expect("counted"), left_h.get_mut(t));
            if let Some(ch) = ch.filter(|c| **c > 0) {
                if *cr > 0 {
                    hits += 1;
                    *cr -= 1;
                    *ch -= 1;
                }
            }
        }
    }
    Prf::new(hits as f64 / n as f64, hits as f64 / m as f64)
}

/// A summary ready to score: its tokens, whole and by sentence.
struct Tokenized {
    all: Vec<String>,
    by_sentence: Vec<Vec<String>>,
}

impl Tokenized {
    fn new(line: &str, opts: RougeOptions) -> Self {
        let by_sentence: Vec<Vec<String>> = sentences(line)
            .into_iter()
            .map(|s| tokenize(s, opts))
            .collect();
        Tokenized {
            all: by_sentence.concat(),
            by_sentence,
        }
    }
}

fn score_tokenized(reference: &Tokenized, hyp: &Tokenized) -> RougeScores {
    RougeScores([
        ngram_score(&reference.all, &hyp.all, 1),
        ngram_score(&reference.all, &hyp.all, 2),
        lcs_score(&reference.all, &hyp.all),
        lsum_score(&reference.by_sentence, &hyp.by_sentence),
    ])
}

/// Scores one summary line against one reference line.
pub fn score(reference: &str, hyp: &str, opts: RougeOptions) -> RougeScores {
    score_tokenized(&Tokenized::new(reference, opts), &Tokenized::new(hyp, opts))
}

/// Scores one summary against several references: the mean over the references.
pub fn score_multi<R: AsRef<str>>(references: &[R], hyp: &str, opts: RougeOptions) -> RougeScores {
    let h = Tokenized::new(hyp, opts);
    let each: Vec<RougeScores> = references
        .iter()
        .map(|r| score_tokenized(&Tokenized::new(r.as_ref(), opts), &h))
        .collect();
    RougeScores::mean(&each)
}

/// A corpus mean with its bootstrap confidence interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub mean: f64,
    pub high: f64,
}

/// Corpus ROUGE: per variant and measure (precision, recall, F1) an [`Interval`].
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusRouge {
    /// `[variant][measure]`, variants in [`Variant::ALL`] order, measures P, R, F1.
    pub intervals: [[Interval; 3]; 4],
    pub documents: usize,
    pub references: usize,
    pub options: RougeOptions,
    /// Every document's scores, in input order.
    pub per_document: Vec<RougeScores>,
}

impl CorpusRouge {
    /// The F1 interval of a variant.
    pub fn f1(&self, v: Variant) -> Interval {
        self.intervals[v as usize][2]
    }
}

/// Bootstrap resamples, as `rouge-score`'s `BootstrapAggregator`.
pub const BOOTSTRAP_SAMPLES: usize = 1000;
/// Fixed seed: the interval is a function of the input alone.
const BOOTSTRAP_SEED: u64 = 0x6e61_7368_7261;

/// Scores a corpus: `refs[k][i]` is the k-th reference summary of document `i`.
pub fn corpus_rouge<S: AsRef<str>, R: AsRef<str>>(
    hyps: &[S],
    refs: &[Vec<R>],
    opts: RougeOptions,
) -> Result<CorpusRouge, EvalError> {
    super::check(hyps, refs)?;
    let per_document: Vec<RougeScores> = hyps
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let these: Vec<&str> = refs.iter().map(|set| set[i].as_ref()).collect();
            score_multi(&these, h.as_ref(), opts)
        })
        .collect();
    let intervals = bootstrap(&per_document, BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED);
    Ok(CorpusRouge {
        intervals,
        documents: hyps.len(),
        references: refs.len(),
        options: opts,
        per_document,
    })
}

/// SplitMix64: a few lines that give the same stream on every platform and crate version,
/// which a seeded interval needs (`rand`'s `StdRng` may change algorithm between releases).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift: unbiased enough for n ≪ 2^32 (bias < n / 2^64).
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

/// numpy's default (linear) percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

/// Means of `samples` resamples (with replacement) of the documents; the 2.5th and 97.5th
/// percentiles bound the interval, the plain mean is its centre.
fn bootstrap(scores: &[RougeScores], samples: usize, seed: u64) -> [[Interval; 3]; 4] {
    let n = scores.len();
    let values: Vec<[f64; 12]> = scores
        .iter()
        .map(|s| {
            let mut v = [0.0; 12];
            for (k, prf) in s.0.iter().enumerate() {
                v[3 * k..3 * k + 3].copy_from_slice(&prf.as_array());
            }
            v
        })
        .collect();
    let mut rng = SplitMix64(seed);
    let mut means: Vec<[f64; 12]> = Vec::with_capacity(samples);
    for _ in 0..samples {
        let mut sum = [0.0; 12];
        for _ in 0..n {
            let v = &values[rng.below(n)];
            for (a, x) in sum.iter_mut().zip(v) {
                *a += x;
            }
        }
        means.push(sum.map(|x| x / n as f64));
    }
    let mean = RougeScores::mean(scores);
    let mut out = [[Interval::default(); 3]; 4];
    for (k, per_variant) in out.iter_mut().enumerate() {
        for (m, slot) in per_variant.iter_mut().enumerate() {
            let mut column: Vec<f64> = means.iter().map(|v| v[3 * k + m]).collect();
            column.sort_by(f64::total_cmp);
            *slot = Interval {
                low: percentile(&column, 2.5),
                mean: mean.0[k].as_array()[m],
                high: percentile(&column, 97.5),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: RougeOptions = RougeOptions {
        language: Language::English,
        stem: false,
    };
    const AR: RougeOptions = RougeOptions {
        language: Language::Arabic,
        stem: false,
    };

    fn toks(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rouge_score_docstring_examples() {
        // rouge_scorer.py: score('The quick brown fox jumps over the lazy dog',
        //                        'The quick brown dog jumps on the log.')
        let s = score(
            "The quick brown fox jumps over the lazy dog",
            "The quick brown dog jumps on the log.",
            EN,
        );
        let r1 = s.get(Variant::Rouge1);
        assert!((r1.precision - 6.0 / 8.0).abs() < 1e-12);
        assert!((r1.recall - 6.0 / 9.0).abs() < 1e-12);
        let rl = s.get(Variant::RougeL);
        assert!((rl.precision - 5.0 / 8.0).abs() < 1e-12, "{rl:?}");
    }

    #[test]
    fn lsum_counts_each_token_once() {
        let r = vec![toks(&["a", "b", "c"]), toks(&["a", "d"])];
        let h = vec![toks(&["a", "b"]), toks(&["c", "a"])];
        let s = lsum_score(&r, &h);
        // rouge-score's _summary_level_lcs gives P 3/4, R 3/5: sentence 1's union of LCSs is
        // {a, b} (the tie rule reads "a", not "c", out of [c, a]); sentence 2 adds one "a".
        assert!((s.recall - 3.0 / 5.0).abs() < 1e-12, "{s:?}");
        assert!((s.precision - 3.0 / 4.0).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn sentences_split_at_tab_and_n_marker() {
        assert_eq!(sentences("a b\tc <n> d"), vec!["a b", "c", "d"]);
        assert_eq!(sentences("  "), Vec::<&str>::new());
    }

    #[test]
    fn arabic_tokens_are_folded_and_split_at_punctuation() {
        assert_eq!(
            tokenize("أَعلنَ الرئيسُ، «إلى» مدرسةٍ؛ اللـه (٢٠٢٢)", AR),
            toks(&["اعلن", "الرئيس", "الي", "مدرسه", "الله", "2022"])
        );
        // English punctuation and Latin words too.
        assert_eq!(tokenize("CNN: ok.", AR), toks(&["cnn", "ok"]));
    }

    #[test]
    fn arabic_stemmer_matches_inflections() {
        let st = RougeOptions {
            language: Language::Arabic,
            stem: true,
        };
        assert_eq!(tokenize("والحكومة", st), tokenize("الحكومة", st));
        assert_ne!(tokenize("والحكومة", AR), tokenize("الحكومة", AR));
        let s = score("الحكومات", "والحكومة", st);
        assert_eq!(s.get(Variant::Rouge1).f1, 1.0);
    }

    #[test]
    fn mean_over_references_and_deterministic_interval() {
        let hyps = ["a b c", "d e"];
        let refs = vec![vec!["a b c", "x y"], vec!["a b z", "d e"]];
        let c = corpus_rouge(&hyps, &refs, EN).unwrap();
        // Doc 1: F1 1 and 2/3 → 5/6; doc 2: 0 and 1 → 1/2. Corpus: 2/3.
        assert!((c.f1(Variant::Rouge1).mean - 2.0 / 3.0).abs() < 1e-12);
        let again = corpus_rouge(&hyps, &refs, EN).unwrap();
        assert_eq!(c.intervals, again.intervals);
        let i = c.f1(Variant::Rouge1);
        assert!(i.low <= i.mean && i.mean <= i.high);
        assert!(corpus_rouge(&hyps, &[vec!["a"]], EN).is_err());
    }
}
