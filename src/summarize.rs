//! Extractive summaries — faithful by construction: the summary is made of the article's own
//! sentences, in article order, chosen from the Arabic alone, so a translation error can
//! neither invent a claim nor change which sentences a reader gets.
//!
//! Each body sentence gets a score from a few general signals (README, "How summaries are
//! chosen", has the measurements behind each): its position (news put the essentials first),
//! its similarity to the headline, its centrality (mean TF-IDF cosine similarity to the
//! article's other sentences), its focus (the share of its words that are the headline's or
//! the lead's content words), its length (of two sentences that score alike, the shorter)
//! and whether it is a fragment (under four words: a dateline, a byline, a caption). The
//! article's first full sentence is always kept; the others are then taken by maximal
//! marginal relevance (score minus similarity to what is already chosen) until the
//! [`Budget`] is spent, so the summary does not say the same thing twice. Deterministic: ties
//! go to the earlier sentence.

pub mod baseline;
pub mod faithfulness;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::text::normalize::fold_for_matching;
use crate::text::stem::strip_definite_article;
use crate::text::stopwords::SUMMARY_STOPWORDS as STOPWORDS;

/// How long a summary may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// At most this many sentences.
    Sentences(usize),
    /// Sentences while their words stay within this many (at least one sentence).
    Words(usize),
}

/// Words of a sentence for comparison: folded, the conjunction و and the article ال stripped,
/// stopwords and one-letter words dropped.
fn terms(sentence: &str) -> Vec<String> {
    fold_for_matching(sentence)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| strip_definite_article(w).to_lowercase())
        .filter(|w| w.chars().count() > 1 && !STOPWORDS.contains(w))
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

/// The weights of the signals. [`Params::DEFAULT`] is the product's choice; the dev-set test
/// refits them under cross-validation to show the choice is not fitted to its articles.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Weight of the position prior `1 / (1 + i / position_scale)`.
    pub position: f64,
    pub position_scale: f64,
    /// Weight of the cosine similarity to the headline.
    pub headline: f64,
    /// Weight of centrality (normalised to the article's most central sentence).
    pub centrality: f64,
    /// Weight of length, `min(words / 25, 1)`. Negative in the product: of two sentences that
    /// score alike, the shorter states its news in fewer words.
    pub length: f64,
    /// Weight of focus: the share of the sentence's words that are the headline's or the
    /// lead's content words.
    pub focus: f64,
    /// Share of the score kept against redundancy in maximal marginal relevance.
    pub lambda: f64,
    /// Whether the article's first full sentence (four words or more: not a dateline, a
    /// byline or a caption) is always chosen, the others then by score.
    pub lead: bool,
}

impl Params {
    /// Chosen from a grid (README, "How summaries are chosen") as the point with the most to
    /// spare over LEAD-3 on the weaker of easc-dev's human summaries (tests/summary_devset.rs)
    /// and 500 BBC Arabic articles with their editors' one-sentence summaries
    /// (tests/summary_heldout.rs, not redistributable), while staying at or above LEAD-3 on
    /// the dev set's news proxies (tests/summary_news_proxy.rs). The two human sets pull the
    /// length weight apart (long extractive summaries against one sentence), so it is a
    /// compromise: a modest preference for the shorter of two sentences.
    pub const DEFAULT: Params = Params {
        position: 1.0,
        // A steep prior: the third sentence weighs half the first.
        position_scale: 2.0,
        headline: 0.8,
        centrality: 0.6,
        length: -0.35,
        focus: 0.25,
        lambda: 0.5,
        // What news leads are written for: the first full sentence states the event.
        lead: true,
    };
}

/// TF-IDF vectors of an article's sentences (and of its headline, last, when it has one).
struct Vectors {
    /// Each sentence's terms, in order.
    terms: Vec<Vec<String>>,
    /// The headline's terms.
    headline_terms: Vec<String>,
    sentences: Vec<BTreeMap<String, f64>>,
    headline: Option<BTreeMap<String, f64>>,
}

impl Vectors {
    fn new(title: Option<&str>, sentences: &[&str]) -> Self {
        let n = sentences.len();
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
        let vector = |terms: &[String]| {
            let mut v = BTreeMap::new();
            for t in terms {
                // Headline words absent from the body weigh as the rarest body words.
                let idf = (n as f64 / df.get(t.as_str()).copied().unwrap_or(1) as f64).ln() + 1.0;
                *v.entry(t.clone()).or_insert(0.0) += idf;
            }
            v
        };
        let headline_terms = title.map(terms);
        Vectors {
            sentences: term_lists.iter().map(|t| vector(t)).collect(),
            headline: headline_terms.as_deref().map(vector),
            headline_terms: headline_terms.unwrap_or_default(),
            terms: term_lists,
        }
    }

    /// What the article is about, as its editor put it first: the content words of the
    /// headline and of the lead.
    fn topic(&self, lead: Option<usize>) -> BTreeSet<&str> {
        let lead = lead.map(|i| self.terms[i].as_slice()).unwrap_or_default();
        (self.headline_terms.iter().chain(lead))
            .map(String::as_str)
            .collect()
    }

    fn sim(&self, i: usize, j: usize) -> f64 {
        cosine(&self.sentences[i], &self.sentences[j])
    }

    /// Each sentence's mean cosine similarity to the others, in linear time: with unit
    /// vectors u, Σ_{j≠i} u_i·u_j = u_i·(Σ_j u_j − u_i), so one centroid replaces the n² pairs
    /// (a 1,000-sentence article would otherwise cost half a million comparisons).
    fn centrality(&self) -> Vec<f64> {
        let n = self.sentences.len();
        if n == 1 {
            return vec![1.0];
        }
        let norm = |v: &BTreeMap<String, f64>| v.values().map(|x| x * x).sum::<f64>().sqrt();
        let mut sum: HashMap<&str, f64> = HashMap::new();
        for v in &self.sentences {
            let nv = norm(v);
            if nv > 0.0 {
                for (t, x) in v {
                    *sum.entry(t.as_str()).or_default() += x / nv;
                }
            }
        }
        self.sentences
            .iter()
            .map(|v| {
                let nv = norm(v);
                if nv == 0.0 {
                    return 0.0;
                }
                let with_self: f64 = v.iter().map(|(t, x)| x / nv * sum[t.as_str()]).sum();
                ((with_self - 1.0) / (n - 1) as f64).max(0.0)
            })
            .collect()
    }
}

/// What the score of one sentence is made of, before the weights.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Signals {
    /// 0-based position among the body sentences.
    index: usize,
    words: usize,
    /// Cosine similarity (TF-IDF) to the headline; 0 without one.
    headline: f64,
    /// Mean cosine similarity to the other sentences, over the article's highest.
    centrality: f64,
    /// The share of the sentence's words that are content words of the headline or the lead.
    focus: f64,
}

/// Each sentence's signals.
fn signals_of(sentences: &[&str], v: &Vectors) -> Vec<Signals> {
    let centrality = v.centrality();
    let max_c = centrality.iter().copied().fold(0.0, f64::max).max(1e-9);
    let words: Vec<usize> = sentences
        .iter()
        .map(|s| s.split_whitespace().count())
        .collect();
    let topic = v.topic(first_full(&words));
    (0..sentences.len())
        .map(|i| {
            let on_topic = (v.terms[i].iter())
                .filter(|t| topic.contains(t.as_str()))
                .count();
            Signals {
                index: i,
                words: words[i],
                headline: v
                    .headline
                    .as_ref()
                    .map_or(0.0, |h| cosine(h, &v.sentences[i])),
                centrality: centrality[i] / max_c,
                focus: on_topic as f64 / words[i].max(1) as f64,
            }
        })
        .collect()
}

/// The article's first full sentence: four words or more, so not a dateline, a byline or a
/// caption.
fn first_full(words: &[usize]) -> Option<usize> {
    words.iter().position(|&w| w >= 4)
}

impl Signals {
    /// The sentence's score under `p`, before redundancy is weighed.
    fn score(&self, p: &Params) -> f64 {
        let position = 1.0 / (1.0 + self.index as f64 / p.position_scale);
        let length = (self.words as f64 / 25.0).min(1.0);
        let fragment = if self.words < 4 { -1.0 } else { 0.0 };
        p.centrality * self.centrality
            + p.position * position
            + p.headline * self.headline
            + p.length * length
            + p.focus * self.focus
            + fragment
    }
}

/// Chooses an article's summary sentences within `budget`, from its headline (normalised,
/// when it has one) and its body sentences (in article order, normalised); returns their
/// indices in ascending order. Fragments under four words are only chosen when nothing else
/// is left.
pub fn choose(title: Option<&str>, sentences: &[&str], budget: Budget) -> Vec<usize> {
    choose_with(&Params::DEFAULT, title, sentences, budget)
}

/// [`choose`] with other weights (for the dev-set test's cross-validation).
#[doc(hidden)]
pub fn choose_with(
    p: &Params,
    title: Option<&str>,
    sentences: &[&str],
    budget: Budget,
) -> Vec<usize> {
    let n = sentences.len();
    let vectors = Vectors::new(title, sentences);
    let signals = signals_of(sentences, &vectors);
    let score: Vec<f64> = signals.iter().map(|s| s.score(p)).collect();
    let words: Vec<usize> = signals.iter().map(|s| s.words).collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut used_words = 0;
    let room_for_one = !matches!(budget, Budget::Sentences(0));
    if p.lead && room_for_one {
        if let Some(first) = first_full(&words) {
            chosen.push(first);
            used_words += words[first];
        }
    }
    loop {
        let room = match budget {
            Budget::Sentences(k) => chosen.len() < k,
            Budget::Words(w) => chosen.is_empty() || used_words < w,
        };
        if !room {
            break;
        }
        let fits = |i: usize| match budget {
            Budget::Sentences(_) => true,
            Budget::Words(w) => chosen.is_empty() || used_words + words[i] <= w,
        };
        let mut best: Option<(f64, usize)> = None;
        for i in (0..n).filter(|i| !chosen.contains(i) && fits(*i)) {
            let redundancy = chosen
                .iter()
                .map(|&j| vectors.sim(i, j))
                .fold(0.0, f64::max);
            let mmr = p.lambda * score[i] - (1.0 - p.lambda) * redundancy;
            if best.is_none_or(|(b, _)| mmr > b) {
                best = Some((mmr, i));
            }
        }
        match best {
            Some((_, i)) => {
                chosen.push(i);
                used_words += words[i];
            }
            None => break,
        }
    }
    chosen.sort_unstable();
    chosen
}

/// Chooses up to `k` of an article's body sentences without a headline; see [`choose`].
pub fn select(sentences: &[&str], k: usize) -> Vec<usize> {
    choose(None, sentences, Budget::Sentences(k))
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
    fn ascending_within_k_and_no_duplicates_or_fragments() {
        let s = select(&ARTICLE, 3);
        assert_eq!(s.len(), 3);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(
            !(s.contains(&1) && s.contains(&3)),
            "picked a duplicate: {s:?}"
        );
        assert!(!s.contains(&4), "picked a fragment: {s:?}");
    }

    #[test]
    fn focus_is_the_share_of_words_from_the_headline_and_lead() {
        let title = "بوتين وترامب يبحثان تبادل الأسرى";
        let signals = |title| signals_of(&ARTICLE, &Vectors::new(title, &ARTICLE));
        let sig = signals(Some(title));
        // The lead is all topic; the aid sentence shares none of its words or the headline's.
        assert!(sig[0].focus > 0.5, "{:?}", sig[0]);
        assert_eq!(sig[5].focus, 0.0);
        // The call's length and the prisoners: headline words, so more focus than the aid.
        assert!(sig[1].focus > sig[5].focus);
        let untitled = signals(None);
        assert!(untitled[1].focus < sig[1].focus);
    }

    #[test]
    fn deterministic_and_bounded() {
        assert_eq!(select(&ARTICLE, 3), select(&ARTICLE, 3));
        assert_eq!(select(&ARTICLE, 10).len(), 6);
        assert!(select(&[], 3).is_empty());
        assert!(select(&ARTICLE, 0).is_empty());
        assert_eq!(select(&ARTICLE[..1], 3), vec![0]);
    }

    #[test]
    fn word_budget_is_kept_and_never_empty() {
        let words = |c: &[usize]| -> usize {
            c.iter()
                .map(|&i| ARTICLE[i].split_whitespace().count())
                .sum()
        };
        for budget in [1, 12, 25, 40] {
            let c = choose(None, &ARTICLE, Budget::Words(budget));
            assert!(!c.is_empty(), "{budget}");
            assert!(c.len() == 1 || words(&c) <= budget, "{budget}: {c:?}");
            assert!(c.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(choose(None, &[], Budget::Words(30)).is_empty());
    }
}
