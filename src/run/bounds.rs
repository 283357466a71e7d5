//! Bounded work per article: however an article is shaped, the work it costs grows with its
//! size and never more, so one article cannot starve the others.
//!
//! The size of a document is capped at ingestion (`--max-article-bytes`); here a sentence
//! that the segmenter could not cut (a page with no punctuation, one 4 MB line) is hard-split
//! at whitespace into pieces of at most [`MAX_SENTENCE_CHARS`] characters, so that the
//! translator's own splitting of over-long sentences (which tokenises candidates) only ever
//! sees short inputs.

use crate::clean::{Article, Sentence};
use crate::text::normalize::normalize;

/// Longest sentence handed to the translator, in characters: ten times a long news
/// sentence, well beyond anything the segmenter emits for real prose.
pub const MAX_SENTENCE_CHARS: usize = 2_000;

/// Splits every sentence of `a` longer than `max` characters; returns how many were split.
pub fn cap_sentences(a: &mut Article, max: usize) -> usize {
    let mut split = 0;
    for block in &mut a.blocks {
        if block
            .sentences
            .iter()
            .all(|s| s.original.chars().count() <= max)
        {
            continue;
        }
        let sentences = std::mem::take(&mut block.sentences);
        for s in sentences {
            if s.original.chars().count() <= max {
                block.sentences.push(s);
                continue;
            }
            split += 1;
            block
                .sentences
                .extend(pieces(&s.original, max).into_iter().map(|p| Sentence {
                    normalized: normalize(p),
                    original: p.to_string(),
                }));
        }
    }
    split
}

/// `text` cut into pieces of at most `max` characters, at the last whitespace before the
/// limit when there is one (else mid-word, at a character boundary). Linear in `text`.
pub fn pieces(text: &str, max: usize) -> Vec<&str> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let end = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        if end == rest.len() {
            out.push(rest);
            break;
        }
        let cut = if rest[end..].starts_with(char::is_whitespace) {
            end
        } else {
            rest[..end]
                .rfind(char::is_whitespace)
                .filter(|&i| i > 0)
                .unwrap_or(end)
        };
        out.push(rest[..cut].trim_end());
        rest = rest[cut..].trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cut_at_whitespace_and_never_exceed_the_limit() {
        assert_eq!(pieces("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(pieces("abcdefgh", 3), vec!["abc", "def", "gh"]);
        let long = "كلمة ".repeat(10_000);
        let p = pieces(&long, 100);
        assert!(p.iter().all(|p| p.chars().count() <= 100 && !p.is_empty()));
        assert_eq!(p.concat().replace(' ', ""), long.replace(' ', ""));
    }
}
