//! Content terms of Arabic text: what a signature counts and what sentences are compared by.

use crate::text::arabic::ascii_digits;
use crate::text::normalize::fold_for_matching;
use crate::text::stem::light_stem;
use crate::text::stopwords::STORY_STOPWORDS as STOPWORDS;

/// The content terms of a text, in order: folded Arabic words light-stemmed, Latin words
/// lower-cased, numbers of two or more digits as `#n`; stopwords and one-letter words dropped.
pub fn terms(text: &str) -> Vec<String> {
    folded(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(|w| {
            if w.chars().all(|c| c.is_ascii_digit()) {
                return (w.len() >= 2).then(|| format!("#{}", w.parse::<u128>().unwrap_or(0)));
            }
            content_word(w)
        })
        .collect()
}

/// Text as terms are read from it: folded for matching, every digit ASCII.
pub(super) fn folded(text: &str) -> String {
    ascii_digits(&fold_for_matching(text))
}

/// The term of one folded word (no digits-only words): its light stem, lower-cased; `None` for
/// stopwords and what stems to one letter.
pub(super) fn content_word(w: &str) -> Option<String> {
    if STOPWORDS.contains(w) {
        return None;
    }
    let stem = light_stem(w).to_lowercase();
    (stem.chars().count() > 1 && !STOPWORDS.contains(&stem)).then_some(stem)
}
