//! An article's [`Signature`]: its most frequent content terms, small enough to travel in an
//! index entry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::terms::terms;
use crate::clean::{Article, BlockKind};

/// Most terms a signature keeps: enough for the names, places and figures of a news article,
/// small enough (a few hundred bytes) to store one per article in an index entry.
pub const SIGNATURE_TERMS: usize = 80;

/// What clustering needs to know of one article, computed from its Arabic text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Content terms (folded, light-stemmed; numbers as `#123`) with their counts, the title's
    /// counted twice: at most [`SIGNATURE_TERMS`], most frequent first, ties by term.
    pub terms: Vec<(String, u32)>,
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
