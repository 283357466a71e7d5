//! Light Arabic stemmers, side by side: each strips clitics and affixes for one comparison and
//! is tuned to it (how short a stem may get, which affixes go), so they are not one function
//! with options: a change to any of them changes its task's output. All take words after
//! [`fold_for_matching`](super::normalize::fold_for_matching).
//!
//! - [`content_stem`]: the cleaner's headline-to-body comparison; drops function words, short
//!   words and numbers other than years;
//! - [`light_stem`]: the story signatures (light10's affixes), keeps stems of two letters;
//! - [`strip_definite_article`]: the summarizer's terms, the article ال (with و) only.

use super::stopwords::FUNCTION_WORDS;

/// Light Arabic stemming for comparing a headline with the text under it: the article and
/// attached prepositions/conjunctions in front, common suffixes behind. Hand-written because
/// the comparison needs only a crude, fast match (a dictionary stemmer would be heavier than
/// the whole cleaner); words shorter than three letters are not content words.
pub fn content_stem(word: &str) -> Option<String> {
    let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric());
    if trimmed.chars().all(|c| c.is_ascii_digit()) {
        // Numbers: only years are content words (prices and scores are not).
        return (trimmed.len() == 4).then(|| trimmed.to_string());
    }
    let w: String = trimmed.chars().filter(|c| c.is_alphanumeric()).collect();
    if FUNCTION_WORDS.contains(&w) {
        return None;
    }
    let mut s = w.as_str();
    for p in ["وبال", "وال", "بال", "كال", "فال", "لل", "ال"] {
        if let Some(rest) = s.strip_prefix(p) {
            if rest.chars().count() >= 3 {
                s = rest;
                break;
            }
        }
    }
    if s.chars().count() >= 5 {
        if let Some(rest) = s.strip_prefix(['و', 'ف', 'ب', 'ل']) {
            s = rest;
        }
    }
    for suf in ["هما", "هم", "ها", "ات", "ين", "ون", "يه", "ه", "ي"] {
        if let Some(rest) = s.strip_suffix(suf) {
            if rest.chars().count() >= 3 {
                s = rest;
                break;
            }
        }
    }
    (s.chars().count() >= 3).then(|| s.to_string())
}

/// Arabic light stemming (the prefix and suffix rules of Larkey et al.'s light10, the usual
/// choice for Arabic retrieval): enough to make `والرئيس`, `للرئيس` and `الرئيس` one term.
/// A dozen affix rules do not justify a dependency, and full root stemmers conflate far more
/// than telling events apart can afford.
pub fn light_stem(word: &str) -> &str {
    let len = |s: &str| s.chars().count();
    let mut w = word;
    if len(w) > 3 {
        if let Some(rest) = w.strip_prefix('و') {
            w = rest;
        }
    }
    for p in ["وال", "بال", "كال", "فال", "لل", "ال"] {
        if let Some(rest) = w.strip_prefix(p) {
            if len(rest) > 1 {
                w = rest;
                break;
            }
        }
    }
    for s in ["ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"] {
        if len(w) > 2 + len(s) {
            if let Some(rest) = w.strip_suffix(s) {
                w = rest;
            }
        }
    }
    w
}

/// The definite article in front, with the conjunction و (`وال`, then `ال`), as the
/// summarizer compares sentences: nothing else is stripped, and a stem keeps at least two
/// letters (`وال` goes from words of five letters or more, `ال` from four or more).
pub fn strip_definite_article(word: &str) -> &str {
    let mut w = word;
    if w.chars().count() > 4 {
        w = w.strip_prefix("وال").map_or(w, |r| r);
    }
    if w.chars().count() > 3 {
        w = w.strip_prefix("ال").map_or(w, |r| r);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_stems_strip_articles_and_suffixes() {
        // Stems are taken of folded words (teh marbuta as heh, alef forms as bare alef).
        assert_eq!(content_stem("الانديه"), content_stem("انديه"));
        assert_eq!(content_stem("بالحكومه"), content_stem("الحكومه"));
        assert_eq!(content_stem("في"), None);
        assert_eq!(content_stem("2026").as_deref(), Some("2026"));
    }

    #[test]
    fn light_stems_join_clitic_forms() {
        for w in ["والرئيس", "للرئيس", "الرئيس"] {
            assert_eq!(light_stem(w), "رئيس");
        }
    }

    #[test]
    fn only_the_article_is_stripped_for_summaries() {
        assert_eq!(strip_definite_article("والرئيس"), "رئيس");
        assert_eq!(strip_definite_article("الرئيس"), "رئيس");
        assert_eq!(strip_definite_article("للرئيس"), "للرئيس");
        assert_eq!(strip_definite_article("الي"), "الي");
    }
}
