//! How alike two articles are: cosine similarity of TF-IDF vectors over the run plus a
//! background of general Arabic, less a penalty for dates far apart.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::date::Date;
use super::signature::Signature;
use super::terms::terms;
use super::Item;

/// The similarity (cosine of TF-IDF vectors, less the date penalty) at which two articles are
/// taken to report the same event.
///
/// Chosen on data (`tests/stories.rs` prints and checks the margins): alone or among the 40
/// devset pages, each of the five sample articles (one event told by five sites) has its
/// best match among the others at 0.35 or above; no two devset pages (40 sites, six
/// topics, no shared event) nor a page and a sample reach 0.27, the closest being
/// same-topic pairs (two football qualifiers, two summer-concert round-ups). The threshold
/// sits between; one link per article is enough to join a story.
pub const LINK_THRESHOLD: f32 = 0.3;

/// Days apart at which the date penalty is full: reports of one event cluster within days;
/// a follow-up weeks later is a related but different story unless the wording is very close.
const DATE_WINDOW_DAYS: f32 = 30.0;
/// Penalty subtracted from the similarity of two dated articles [`DATE_WINDOW_DAYS`] or more
/// apart (linearly less when closer).
const DATE_PENALTY: f32 = 0.1;

/// Document frequencies of terms in a fixed sample of general Arabic text.
struct Background {
    documents: usize,
    df: HashMap<String, u32>,
}

/// The background: the 997 Arabic sentences of FLORES-200 dev (Wikinews, Wikivoyage and
/// Wikibooks on every subject), each a document. Shipped with the repository for the
/// benchmarks; built once per process (a millisecond).
fn background() -> &'static Background {
    static BACKGROUND: OnceLock<Background> = OnceLock::new();
    BACKGROUND.get_or_init(|| {
        let text = include_str!("../../samples/flores/flores-dev.ar");
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut documents = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            documents += 1;
            let mut seen = terms(line);
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        Background { documents, df }
    })
}

/// How rare a term is in general Arabic (the background alone, smoothed like the run's IDF):
/// weighs the words of single sentences, where the run's own counts say little.
pub(super) fn background_idf(term: &str) -> f32 {
    let bg = background();
    let d = bg.df.get(term).copied().unwrap_or(0) as f32;
    ((bg.documents as f32 + 1.0) / (d + 1.0)).ln() + 1.0
}

/// Unit-length TF-IDF vectors (sorted by term id) of the items, in the given order.
pub(super) struct Vectors {
    pub(super) rows: Vec<Vec<(u32, f32)>>,
    /// In how many items each term id occurs.
    pub(super) df: Vec<u32>,
}

impl Vectors {
    /// Term ids are handed out in the given order, so equal input gives equal ids and equal
    /// floating-point sums.
    pub(super) fn build(items: &[&Signature]) -> Self {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut rows: Vec<Vec<(u32, f32)>> = items
            .iter()
            .map(|s| {
                let mut row: Vec<(u32, f32)> = s
                    .terms
                    .iter()
                    .map(|(t, count)| {
                        let next = ids.len() as u32;
                        let id = *ids.entry(t.as_str()).or_insert(next);
                        if id as usize == df.len() {
                            df.push(0);
                        }
                        df[id as usize] += 1;
                        (id, 1.0 + (*count.max(&1) as f32).ln())
                    })
                    .collect();
                row.sort_by_key(|e| e.0);
                row.dedup_by_key(|e| e.0);
                row
            })
            .collect();
        // Smoothed IDF over the run plus the background sentences: a small run (five
        // reports of one event) still learns that "said" and "year" are common and that
        // "Kremlin" is not; in a large run the background hardly counts.
        let bg = background();
        let n = (items.len() + bg.documents) as f32;
        let mut term_of: Vec<&str> = vec![""; ids.len()];
        for (&t, &id) in &ids {
            term_of[id as usize] = t;
        }
        let idf: Vec<f32> = df
            .iter()
            .zip(&term_of)
            .map(|(&d, t)| {
                let d = d + bg.df.get(*t).copied().unwrap_or(0);
                ((n + 1.0) / (d as f32 + 1.0)).ln() + 1.0
            })
            .collect();
        for row in &mut rows {
            for (t, w) in row.iter_mut() {
                *w *= idf[*t as usize];
            }
            let norm = row.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|e| e.1 /= norm);
            }
        }
        Self { rows, df }
    }

    fn cosine(&self, a: usize, b: usize) -> f32 {
        let (x, y) = (&self.rows[a], &self.rows[b]);
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        while i < x.len() && j < y.len() {
            match x[i].0.cmp(&y[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += x[i].1 * y[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        dot
    }
}

/// The similarity of two articles: cosine less the date penalty.
pub(super) fn similarity(v: &Vectors, days: &[Option<Date>], a: usize, b: usize) -> f32 {
    let penalty = match (days[a], days[b]) {
        (Some(x), Some(y)) => DATE_PENALTY * (x.days_apart(y) as f32 / DATE_WINDOW_DAYS).min(1.0),
        _ => 0.0,
    };
    v.cosine(a, b) - penalty
}

/// Every pair's similarity (the figure compared with [`LINK_THRESHOLD`]), in input order:
/// for calibrating the threshold and for tests. Compares all pairs: small inputs only.
pub fn similarity_matrix(items: &[Item]) -> Vec<Vec<f32>> {
    let sigs: Vec<&Signature> = items.iter().map(|i| i.signature).collect();
    let days: Vec<Option<Date>> = items.iter().map(|i| i.date.and_then(Date::parse)).collect();
    let v = Vectors::build(&sigs);
    (0..items.len())
        .map(|a| {
            (0..items.len())
                .map(|b| {
                    if a == b {
                        1.0
                    } else {
                        similarity(&v, &days, a, b)
                    }
                })
                .collect()
        })
        .collect()
}
