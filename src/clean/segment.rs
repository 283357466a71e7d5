//! Sentence segmentation for Arabic news text (with Latin and digits mixed in). Splitting a
//! sentence too long for the model is the translator's job (`translate::fit`).
//!
//! Hand-written rather than a general-purpose segmenter: the Unicode (UAX #29) sentence rules
//! in crates like `unicode-segmentation` split Arabic at `،`-less line breaks but not at `؟`/`؛`
//! consistently, and know nothing of Arabic abbreviations or of quotes that run on; the rules
//! below are few and explicit.

/// Characters that end a sentence.
fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '؛' | '…')
}

/// Closing punctuation that stays with the sentence it closes.
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '»' | '”' | '’' | '\'' | ')' | ']' | '}' | '›')
}

fn opens_quote(c: char) -> bool {
    matches!(c, '«' | '“' | '‹')
}

fn closes_quote(c: char) -> bool {
    matches!(c, '»' | '”' | '›')
}

/// Words after which a full stop does not end a sentence: Latin titles and Arabic
/// abbreviations (د. for doctor, م. for the common era, هـ. for the Hijri era, ص. page…).
fn is_abbreviation(word: &str) -> bool {
    const LATIN: [&str; 14] = [
        "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "vs", "etc", "No", "Inc", "Ltd", "Co",
    ];
    const ARABIC: [&str; 8] = ["د", "م", "هـ", "ه", "ص", "ج", "أ", "ق"];
    let w = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    LATIN.contains(&w)
        || ARABIC.contains(&w)
        // Single Latin letters: initials (J. K.) and acronyms with dots (U.S.).
        || (w.chars().count() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()))
        || (w.contains('.') && w.chars().filter(|c| c.is_ascii_alphabetic()).count() <= 4)
}

/// Byte ranges of the sentences of `text`, in order. Lines are sentence boundaries too.
/// Whitespace between sentences belongs to no sentence; concatenating the ranges' text
/// reproduces `text` up to whitespace.
pub fn sentence_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        for s in line_spans(body, true) {
            spans.push(offset + s.start..offset + s.end);
        }
        offset += line.len();
    }
    spans
}

/// The sentences of `text` as string slices (see [`sentence_spans`]).
pub fn sentences(text: &str) -> Vec<&str> {
    sentence_spans(text).into_iter().map(|r| &text[r]).collect()
}

fn trim_span(text: &str, start: usize, end: usize) -> Option<std::ops::Range<usize>> {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    (lead + trail < s.len()).then(|| start + lead..end - trail)
}

fn line_spans(line: &str, respect_quotes: bool) -> Vec<std::ops::Range<usize>> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut depth: i32 = 0;
    let mut straight_open = false;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if opens_quote(c) {
            depth += 1;
        } else if closes_quote(c) {
            depth = (depth - 1).max(0);
        } else if c == '"' {
            straight_open = !straight_open;
        }
        if !is_terminator(c) {
            i += 1;
            continue;
        }
        // Take the whole run of terminators ("?!", "...").
        let mut j = i + 1;
        while j < chars.len() && is_terminator(chars[j].1) {
            j += 1;
        }
        // Closing quotes/brackets right after belong to this sentence.
        while j < chars.len() && is_closer(chars[j].1) {
            let cc = chars[j].1;
            if closes_quote(cc) {
                depth = (depth - 1).max(0);
            } else if cc == '"' {
                straight_open = !straight_open;
            }
            j += 1;
        }
        let end = chars.get(j).map_or(line.len(), |&(p, _)| p);
        let followed_by_space = j >= chars.len() || chars[j].1.is_whitespace();
        let inside_number = c == '.'
            && i > 0
            && chars[i - 1].1.is_numeric()
            && chars.get(i + 1).is_some_and(|&(_, n)| n.is_numeric());
        let word_before = line[..pos].rsplit(char::is_whitespace).next().unwrap_or("");
        let abbreviation = c == '.' && j == i + 1 && is_abbreviation(word_before);
        let in_quote = respect_quotes && (depth > 0 || straight_open);
        if followed_by_space && !inside_number && !abbreviation && !in_quote {
            if let Some(span) = trim_span(line, start, end) {
                spans.push(span);
            }
            start = end;
        }
        i = j.max(i + 1);
    }
    if let Some(span) = trim_span(line, start, line.len()) {
        spans.push(span);
    }
    // A quote that never closes must not swallow the rest of the paragraph.
    if respect_quotes && (depth > 0 || straight_open) && spans.len() <= 1 {
        return line_spans(line, false);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_arabic_and_latin_terminators() {
        let t = "قال الرئيس إن الوضع صعب. هل هناك حل؟ نعم! ثم غادر؛ وانتهى الاجتماع";
        assert_eq!(
            sentences(t),
            vec![
                "قال الرئيس إن الوضع صعب.",
                "هل هناك حل؟",
                "نعم!",
                "ثم غادر؛",
                "وانتهى الاجتماع"
            ]
        );
    }

    #[test]
    fn keeps_numbers_dates_urls_and_abbreviations() {
        let t = "أرسلت كندا 1.7 مليار دولار في 13/02/2025 وفق www.example.com اليوم. التقى د. محمد مع U.S. officials أمس.";
        assert_eq!(
            sentences(t),
            vec![
                "أرسلت كندا 1.7 مليار دولار في 13/02/2025 وفق www.example.com اليوم.",
                "التقى د. محمد مع U.S. officials أمس."
            ]
        );
    }

    #[test]
    fn a_quotation_that_goes_on_is_not_split() {
        let t = "وقال: «لن نتراجع. سنواصل العمل» ثم غادر. وانتهى اللقاء.";
        assert_eq!(
            sentences(t),
            vec!["وقال: «لن نتراجع. سنواصل العمل» ثم غادر.", "وانتهى اللقاء."]
        );
        // A quote that closes right after its full stop ends the sentence with it.
        let t = "قال \"نعم.\" ثم صمت.";
        assert_eq!(sentences(t), vec!["قال \"نعم.\"", "ثم صمت."]);
    }

    #[test]
    fn unbalanced_quote_does_not_swallow_the_paragraph() {
        let t = "قال «نعم. ثم غادر. وانتهى.";
        assert_eq!(sentences(t).len(), 3);
    }

    #[test]
    fn line_ends_are_boundaries_and_ellipsis_ends() {
        assert_eq!(
            sentences("أولا\nثانيا… ثالثا"),
            vec!["أولا", "ثانيا…", "ثالثا"]
        );
    }
}
