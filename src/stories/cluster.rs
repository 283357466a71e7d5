//! Stories from similarities: candidate pairs through an inverted index, links at the
//! threshold, connected groups, and each group's central article.

use sha2::{Digest, Sha256};

use super::date::Date;
use super::signature::Signature;
use super::similarity::{similarity, Vectors, LINK_THRESHOLD};
use super::{Item, Story};
use crate::disjoint_sets::DisjointSets;

/// Words in more than this many articles are not used to find candidates (they still count
/// in the similarity): a word that common names no particular event, and skipping it keeps
/// the candidate search linear in the number of articles.
const MAX_POSTING: usize = 256;
/// How many of an article's heaviest words look up candidates.
const QUERY_TERMS: usize = 24;
/// How many candidates, best partial score first, get an exact similarity.
const CANDIDATES: usize = 32;

/// Pairs `(a, b, similarity)` with `a < b` that reach the threshold, found through an
/// inverted index over each article's heaviest not-too-common words.
fn links(v: &Vectors, days: &[Option<Date>]) -> Vec<(usize, usize, f32)> {
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
    let days: Vec<Option<Date>> = order
        .iter()
        .map(|&i| items[i].date.and_then(Date::parse))
        .collect();
    let v = Vectors::build(&sigs);
    let edges = links(&v, &days);
    let mut sets = DisjointSets::new(order.len());
    for &(a, b, _) in &edges {
        sets.union(a, b);
    }
    let mut strength = vec![0f32; order.len()];
    for &(a, b, s) in &edges {
        strength[a] += s;
        strength[b] += s;
    }
    let mut stories: Vec<Story> = sets
        .into_groups()
        .into_iter()
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
    days: &[Option<Date>],
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
