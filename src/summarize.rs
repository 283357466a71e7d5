//! Extractive summaries — faithful by construction: the summary is made of the article's own
//! sentences, so a translation error can never invent a claim the article did not make.
//!
//! Each body sentence gets a score from its position (news put the essentials first), its
//! centrality (mean TF-IDF cosine similarity to the article's other sentences), and its
//! coverage of numbers and names; the lead sentence is always chosen, then sentences are
//! added by maximal marginal relevance (score minus similarity to what is already chosen), so
//! the summary does not say the same thing twice. Deterministic: ties go to the earlier
//! sentence.

use std::collections::BTreeMap;

use crate::text::normalize::fold_for_matching;
use crate::text::stem::strip_definite_article;
use crate::text::stopwords::SUMMARY_STOPWORDS as STOPWORDS;

/// Words of a sentence for comparison: folded, the conjunction و and the article ال stripped,
/// stopwords and one-letter words dropped.
fn terms(sentence: &str) -> Vec<String> {
    fold_for_matching(sentence)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| strip_definite_article(w).to_lowercase())
        .filter(|w| w.chars().count() > 1 && !STOPWORDS.contains(&w.as_str()))
        .collect()
}

fn cosine(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(t, x)| b.get(t).map(|y| x * y)).sum();
    let na: f64 = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Chooses up to `k` of an article's body sentences (in article order, normalised text) and
/// returns their indices in ascending order. The lead sentence is always among them when
/// `k ≥ 1`. Fragments under four words are only chosen when nothing else is left.
pub fn select(sentences: &[&str], k: usize) -> Vec<usize> {
    let n = sentences.len();
    if n == 0 || k == 0 {
        return Vec::new();
    }
    let term_lists: Vec<Vec<String>> = sentences.iter().map(|s| terms(s)).collect();
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for terms in &term_lists {
        let mut unique: Vec<&str> = terms.iter().map(String::as_str).collect();
        unique.sort_unstable();
        unique.dedup();
        for t in unique {
            *df.entry(t).or_default() += 1;
        }
    }
    let vectors: Vec<BTreeMap<String, f64>> = term_lists
        .iter()
        .map(|terms| {
            let mut v = BTreeMap::new();
            for t in terms {
                *v.entry(t.clone()).or_insert(0.0) += 1.0;
            }
            for (t, x) in v.iter_mut() {
                let idf = (n as f64 / df[t.as_str()] as f64).ln() + 1.0;
                *x *= idf;
            }
            v
        })
        .collect();
    let sim = |i: usize, j: usize| cosine(&vectors[i], &vectors[j]);
    let centrality: Vec<f64> = (0..n)
        .map(|i| {
            if n == 1 {
                return 1.0;
            }
            (0..n).filter(|&j| j != i).map(|j| sim(i, j)).sum::<f64>() / (n - 1) as f64
        })
        .collect();
    let max_c = centrality.iter().copied().fold(0.0, f64::max).max(1e-9);
    let words: Vec<usize> = sentences
        .iter()
        .map(|s| s.split_whitespace().count())
        .collect();
    let score: Vec<f64> = (0..n)
        .map(|i| {
            let position = 1.0 / (1.0 + i as f64 / 3.0);
            let numbers = sentences[i]
                .chars()
                .filter(|c| c.is_numeric())
                .count()
                .min(6) as f64
                / 6.0;
            // Latin-script and rare (document-frequency 1) terms approximate names.
            let names = term_lists[i]
                .iter()
                .filter(|t| df[t.as_str()] == 1 || t.chars().any(|c| c.is_ascii_alphabetic()))
                .count()
                .min(8) as f64
                / 8.0;
            let fragment = if words[i] < 4 { -1.0 } else { 0.0 };
            0.45 * centrality[i] / max_c + 0.3 * position + 0.15 * numbers + 0.1 * names + fragment
        })
        .collect();

    let mut chosen = vec![0usize];
    let lambda = 0.7;
    while chosen.len() < k.min(n) {
        let mut best: Option<(f64, usize)> = None;
        for (i, &s) in score.iter().enumerate() {
            if chosen.contains(&i) {
                continue;
            }
            let redundancy = chosen.iter().map(|&j| sim(i, j)).fold(0.0, f64::max);
            let mmr = lambda * s - (1.0 - lambda) * redundancy;
            if best.is_none_or(|(b, _)| mmr > b) {
                best = Some((mmr, i));
            }
        }
        match best {
            Some((_, i)) => chosen.push(i),
            None => break,
        }
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: [&str; 6] = [
        "أعلن الكرملين أن الرئيس بوتين أجرى مكالمة مع الرئيس ترامب بشأن الحرب في أوكرانيا.",
        "وقال المتحدث إن المكالمة استمرت ساعتين وتناولت تبادل الأسرى.",
        "وأضاف أن الرئيسين اتفقا على مواصلة الاتصالات.",
        "وقال المتحدث إن المكالمة استمرت ساعتين وتناولت تبادل الأسرى.",
        "نعم.",
        "وقدمت الولايات المتحدة أكثر من 65 مليار دولار من المساعدات منذ 2022.",
    ];

    #[test]
    fn lead_first_ascending_within_k_and_no_duplicates() {
        let s = select(&ARTICLE, 3);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], 0);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(
            !(s.contains(&1) && s.contains(&3)),
            "picked a duplicate: {s:?}"
        );
        assert!(!s.contains(&4), "picked a fragment: {s:?}");
    }

    #[test]
    fn deterministic_and_bounded() {
        assert_eq!(select(&ARTICLE, 3), select(&ARTICLE, 3));
        assert_eq!(select(&ARTICLE, 10).len(), 6);
        assert!(select(&[], 3).is_empty());
        assert!(select(&ARTICLE, 0).is_empty());
        assert_eq!(select(&ARTICLE[..1], 3), vec![0]);
    }
}
