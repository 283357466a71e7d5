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
//!
//! Layout: `terms` (content words of Arabic text), `signature` (an article's terms),
//! `similarity` (TF-IDF vectors, cosine, the date penalty), `cluster` (candidate links,
//! groups, the central article), [`Date`] (an article's day, parsed once); then, within a
//! story, `summary` (sentences across its sources, [`story_summary`]) and `differences`
//! (figures its sources give differently, [`differences()`]).

mod cluster;
mod date;
mod differences;
mod signature;
mod similarity;
mod summary;
mod terms;

pub use cluster::cluster;
pub use date::Date;
pub use differences::{differences, Difference};
pub use signature::{signature, signature_of, Signature, SIGNATURE_TERMS};
pub use similarity::{similarity_matrix, LINK_THRESHOLD};
pub use summary::{story_summary, SUMMARY_SENTENCES};
pub use terms::terms;

use serde::{Deserialize, Serialize};

/// One article as clustering sees it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// Unique within the run; decides the order of work, so the result does not depend on the
    /// order of the input.
    pub id: &'a str,
    /// ISO `yyyy-mm-dd`, if known (parsed once into a [`Date`] for the date penalty; kept
    /// as written for ordering, as the index shows it).
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

/// A sentence an index entry keeps for its story: the Arabic and its translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    pub ar: String,
    pub en: String,
}

/// One article of a story as its summary and differences see it.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The site or agency; two articles of one named source are not compared.
    pub source: Option<&'a str>,
    /// Candidate sentences as `(Arabic, English)`: the article's own summary, then a few more.
    pub sentences: Vec<(&'a str, &'a str)>,
    /// How many of `sentences`, from the first, are the article's own summary: a story's
    /// summary prefers them to the rest.
    pub summary_len: usize,
}

/// A sentence of a story: `sentence` of `reports[report]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pick {
    pub report: usize,
    pub sentence: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_stemming_joins_clitic_forms() {
        assert_eq!(terms("والرئيس للرئيس الرئيس"), vec!["رئيس"; 3]);
        assert_eq!(terms("في عام ٢٠٢٥ و 7"), vec!["عام", "#2025"]);
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
