//! Stories: the run's articles grouped by the event they report, so that five sites telling
//! the same news read as one story with five sources.
//!
//! Each article is reduced to a [`Signature`] (its most frequent content words after Arabic
//! folding and light stemming, numbers included, the title counted twice) that is small enough
//! to travel in an index entry. [`cluster`] weighs the words by their rarity in the run
//! (TF-IDF, so names and figures two reports share count for much more than common words),
//! finds each article's likely neighbours through an inverted index over its rarer words (no
//! comparison of all pairs: the work grows with the number of articles, not its square),
//! scores them by cosine similarity less a penalty for dates far apart, and links pairs that
//! reach [`LINK_THRESHOLD`]; a story is a connected group of links.
//!
//! Deterministic and independent of input order: articles are sorted by id before anything
//! else. Knows nothing of models or rendering.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clean::{Article, BlockKind};
use crate::text::arabic::ascii_digits;
use crate::text::normalize::fold_for_matching;
use crate::text::stem::light_stem;
use crate::text::stopwords::STORY_STOPWORDS as STOPWORDS;

/// Most terms a signature keeps: enough for the names, places and figures of a news article,
/// small enough (a few hundred bytes) to store one per article in an index entry.
pub const SIGNATURE_TERMS: usize = 80;

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

/// Words in more than this many articles are not used to find candidates (they still count
/// in the similarity): a word that common names no particular event, and skipping it keeps
/// the candidate search linear in the number of articles.
const MAX_POSTING: usize = 256;
/// How many of an article's heaviest words look up candidates.
const QUERY_TERMS: usize = 24;
/// How many candidates, best partial score first, get an exact similarity.
const CANDIDATES: usize = 32;

/// What clustering needs to know of one article, computed from its Arabic text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Content terms (folded, light-stemmed; numbers as `#123`) with their counts, the title's
    /// counted twice: at most [`SIGNATURE_TERMS`], most frequent first, ties by term.
    pub terms: Vec<(String, u32)>,
}

/// The content terms of a text, in order: folded Arabic words light-stemmed, Latin words
/// lower-cased, numbers of two or more digits as `#n`; stopwords and one-letter words dropped.
pub fn terms(text: &str) -> Vec<String> {
    let folded = ascii_digits(&fold_for_matching(text));
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(|w| {
            if w.chars().all(|c| c.is_ascii_digit()) {
                return (w.len() >= 2).then(|| format!("#{}", w.parse::<u128>().unwrap_or(0)));
            }
            if STOPWORDS.contains(&w) {
                return None;
            }
            let stem = light_stem(w).to_lowercase();
            (stem.chars().count() > 1 && !STOPWORDS.contains(&stem.as_str())).then_some(stem)
        })
        .collect()
}

/// The signature of an article from its (original or normalised) Arabic title and body
/// sentences.
pub fn signature<'a>(title: Option<&str>, body: impl IntoIterator<Item = &'a str>) -> Signature {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for t in title.map(terms).unwrap_or_default() {
        *counts.entry(t).or_default() += 2;
    }
    for sentence in body {
        for t in terms(sentence) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut terms: Vec<(String, u32)> = counts.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(SIGNATURE_TERMS);
    Signature { terms }
}

/// The signature of a cleaned article: the same text a brief keeps (title, headings and
/// sentences, original spelling), so it equals the one built from the article's brief.
pub fn signature_of(a: &Article) -> Signature {
    let title = a
        .blocks
        .iter()
        .rfind(|b| b.kind == BlockKind::Title)
        .map(|b| b.text.as_str());
    let body = a.blocks.iter().flat_map(|b| match b.kind {
        BlockKind::Title => Vec::new(),
        BlockKind::Heading => vec![b.text.as_str()],
        BlockKind::Paragraph => b.sentences.iter().map(|s| s.original.as_str()).collect(),
    });
    signature(title, body)
}

/// One article as clustering sees it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// Unique within the run; decides the order of work, so the result does not depend on the
    /// order of the input.
    pub id: &'a str,
    /// ISO `yyyy-mm-dd`, if known.
    pub date: Option<&'a str>,
    pub signature: &'a Signature,
}

/// A group of articles reporting one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// A stable id: a hash of the member ids.
    pub id: String,
    /// Indices into the input, oldest first (undated last, then by id).
    pub members: Vec<usize>,
    /// The member most similar to the others (index into the input): its headline and
    /// summary stand for the story.
    pub central: usize,
}

/// Days since 1970-01-01 of an ISO date (Howard Hinnant's `days_from_civil`; one formula does
/// not justify a date crate).
fn day_number(iso: &str) -> Option<i64> {
    let mut parts = iso.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

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
        let text = include_str!("../samples/flores/flores-dev.ar");
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

/// Unit-length TF-IDF vectors (sorted by term id) of the items, in the given order.
struct Vectors {
    rows: Vec<Vec<(u32, f32)>>,
    df: Vec<u32>,
}

impl Vectors {
    /// Term ids are handed out in the given order, so equal input gives equal ids and equal
    /// floating-point sums.
    fn build(items: &[&Signature]) -> Self {
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
fn similarity(v: &Vectors, days: &[Option<i64>], a: usize, b: usize) -> f32 {
    let penalty = match (days[a], days[b]) {
        (Some(x), Some(y)) => DATE_PENALTY * ((x - y).abs() as f32 / DATE_WINDOW_DAYS).min(1.0),
        _ => 0.0,
    };
    v.cosine(a, b) - penalty
}

/// Pairs `(a, b, similarity)` with `a < b` that reach the threshold, found through an
/// inverted index over each article's heaviest not-too-common words.
fn links(v: &Vectors, days: &[Option<i64>]) -> Vec<(usize, usize, f32)> {
    let n = v.rows.len();
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); v.df.len()];
    for (doc, row) in v.rows.iter().enumerate() {
        for &(t, w) in row {
            let df = v.df[t as usize] as usize;
            if (2..=MAX_POSTING).contains(&df) {
                postings[t as usize].push((doc as u32, w));
            }
        }
    }
    let mut acc = vec![0f32; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for (a, row) in v.rows.iter().enumerate() {
        let mut query: Vec<(u32, f32)> = row
            .iter()
            .copied()
            .filter(|&(t, _)| !postings[t as usize].is_empty())
            .collect();
        query.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        for &(t, w) in query.iter().take(QUERY_TERMS) {
            for &(b, wb) in &postings[t as usize] {
                if b as usize > a {
                    if acc[b as usize] == 0.0 {
                        touched.push(b);
                    }
                    acc[b as usize] += w * wb;
                }
            }
        }
        touched.sort_by(|x, y| acc[*y as usize].total_cmp(&acc[*x as usize]).then(x.cmp(y)));
        for &b in touched.iter().take(CANDIDATES) {
            let s = similarity(v, days, a, b as usize);
            if s >= LINK_THRESHOLD {
                out.push((a, b as usize, s));
            }
        }
        for b in touched.drain(..) {
            acc[b as usize] = 0.0;
        }
    }
    out
}

/// Every pair's similarity (the figure compared with [`LINK_THRESHOLD`]), in input order:
/// for calibrating the threshold and for tests. Compares all pairs: small inputs only.
pub fn similarity_matrix(items: &[Item]) -> Vec<Vec<f32>> {
    let sigs: Vec<&Signature> = items.iter().map(|i| i.signature).collect();
    let days: Vec<Option<i64>> = items.iter().map(|i| i.date.and_then(day_number)).collect();
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

/// Union-find with path halving; the smaller index is the root, so groups come out the same
/// whatever order links are applied in.
fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Groups the items into stories (every item in exactly one; a story of one is an article no
/// other report matched). Stories come largest first, then newest, then by id.
pub fn cluster(items: &[Item]) -> Vec<Story> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        items[a]
            .id
            .cmp(items[b].id)
            .then(items[a].date.cmp(&items[b].date))
    });
    let sigs: Vec<&Signature> = order.iter().map(|&i| items[i].signature).collect();
    let days: Vec<Option<i64>> = order
        .iter()
        .map(|&i| items[i].date.and_then(day_number))
        .collect();
    let v = Vectors::build(&sigs);
    let edges = links(&v, &days);
    let mut parent: Vec<usize> = (0..order.len()).collect();
    for &(a, b, _) in &edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for k in 0..order.len() {
        let root = find(&mut parent, k);
        groups.entry(root).or_default().push(k);
    }
    let mut strength = vec![0f32; order.len()];
    for &(a, b, s) in &edges {
        strength[a] += s;
        strength[b] += s;
    }
    let mut stories: Vec<Story> = groups
        .into_values()
        .map(|group| story(items, &order, &v, &days, &strength, group))
        .collect();
    stories.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| newest(items, b).cmp(&newest(items, a)))
            .then_with(|| a.id.cmp(&b.id))
    });
    stories
}

fn newest<'a>(items: &[Item<'a>], s: &Story) -> Option<&'a str> {
    s.members.iter().filter_map(|&i| items[i].date).max()
}

/// Groups up to this size find their central article by comparing all pairs; larger ones use
/// the links already found (all pairs of a huge group would undo the linear growth).
const EXACT_CENTRE: usize = 64;

/// One story from a group of positions in the sorted order.
fn story(
    items: &[Item],
    order: &[usize],
    v: &Vectors,
    days: &[Option<i64>],
    strength: &[f32],
    group: Vec<usize>,
) -> Story {
    let score = |k: usize| -> f32 {
        if group.len() <= EXACT_CENTRE {
            group
                .iter()
                .filter(|&&o| o != k)
                .map(|&o| similarity(v, days, k, o))
                .sum()
        } else {
            strength[k]
        }
    };
    // The first in id order wins a tie (max_by keeps the last maximum, hence the reverse).
    let centre = group
        .iter()
        .rev()
        .copied()
        .max_by(|&a, &b| score(a).total_cmp(&score(b)))
        .expect("groups are never empty");
    let mut members: Vec<usize> = group.iter().map(|&k| order[k]).collect();
    members.sort_by(|&a, &b| {
        let (x, y) = (&items[a], &items[b]);
        match (x.date, y.date) {
            (Some(p), Some(q)) => p.cmp(q),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then(x.id.cmp(y.id))
    });
    let mut ids: Vec<&str> = members.iter().map(|&i| items[i].id).collect();
    ids.sort_unstable();
    let mut h = Sha256::new();
    for id in ids {
        h.update(id.as_bytes());
        h.update([0]);
    }
    Story {
        id: hex::encode(&h.finalize()[..6]),
        members,
        central: order[centre],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_stemming_joins_clitic_forms() {
        assert_eq!(terms("والرئيس للرئيس الرئيس"), vec!["رئيس"; 3]);
        assert_eq!(terms("في عام ٢٠٢٥ و 7"), vec!["عام", "#2025"]);
    }

    #[test]
    fn dates_become_day_numbers() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(
            day_number("2025-03-01").unwrap() - day_number("2025-02-28").unwrap(),
            1
        );
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
        assert_eq!(day_number("2025-13-01"), None);
        assert_eq!(day_number("soon"), None);
    }

    fn sig(text: &str) -> Signature {
        signature(None, [text])
    }

    #[test]
    fn same_event_links_and_order_does_not_matter() {
        let a = sig("اتصال هاتفي بين بوتين وترامب بشأن اوكرانيا استمر ساعتين");
        let b = sig("بوتين وترامب يبحثان اوكرانيا في اتصال هاتفي مطول");
        let c = sig("المنتخب الوطني يفوز على لاوس بهدف نظيف في التصفيات");
        let items = [
            Item {
                id: "a",
                date: Some("2025-02-12"),
                signature: &a,
            },
            Item {
                id: "b",
                date: Some("2025-02-13"),
                signature: &b,
            },
            Item {
                id: "c",
                date: None,
                signature: &c,
            },
        ];
        let stories = cluster(&items);
        assert_eq!(stories.len(), 2);
        assert_eq!(stories[0].members, vec![0, 1]);
        assert_eq!(stories[1].members, vec![2]);
        let reversed: Vec<Item> = items.iter().rev().copied().collect();
        let again = cluster(&reversed);
        assert_eq!(again[0].id, stories[0].id);
        assert_eq!(again[0].members, vec![2, 1]);
    }
}
