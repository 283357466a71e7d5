//! One input line and the measurements the cleaning passes decide from: length, the share of
//! Arabic, Latin and digit characters, the density of Arabic function words, sentence
//! punctuation. Computed once per line, in time linear in its length. The function words
//! counted are [`FUNCTION_WORDS`].

use crate::text::arabic::{is_arabic_letter, is_digit};
use crate::text::normalize::fold_for_matching;
use crate::text::stopwords::FUNCTION_WORDS;

/// Folded text without punctuation, lower-cased: for phrase matching.
pub fn bare(folded: &str) -> String {
    let spaced: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A non-empty input line with its measurements.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// 1-based line number in the input.
    pub number: usize,
    /// The line, trimmed.
    pub text: &'a str,
    /// [`fold_for_matching`] of the text.
    pub folded: String,
    /// [`bare`] of the folded text: words only.
    pub bare: String,
    pub words: usize,
    pub arabic_letters: usize,
    pub latin_letters: usize,
    pub digits: usize,
    pub function_words: usize,
    /// Index of the blank-line-separated block of the input the line is in.
    pub group: usize,
}

impl<'a> Line<'a> {
    /// Measures one trimmed, non-empty line.
    pub fn new(number: usize, text: &'a str, group: usize) -> Self {
        let folded = fold_for_matching(text);
        let bare = bare(&folded);
        let (mut arabic_letters, mut latin_letters, mut digits) = (0, 0, 0);
        for c in text.chars() {
            if is_arabic_letter(c) {
                arabic_letters += 1;
            } else if c.is_ascii_alphabetic() {
                latin_letters += 1;
            } else if is_digit(c) {
                digits += 1;
            }
        }
        let function_words = bare
            .split(' ')
            .filter(|w| FUNCTION_WORDS.contains(w))
            .count();
        Line {
            number,
            text,
            words: text.split_whitespace().count(),
            folded,
            bare,
            arabic_letters,
            latin_letters,
            digits,
            function_words,
            group,
        }
    }

    /// Characters, not bytes.
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }

    /// Whether the line has Arabic letters and more of them than Latin ones.
    pub fn is_arabic(&self) -> bool {
        self.arabic_letters > 0 && self.arabic_letters >= self.latin_letters
    }

    /// Ends with a full stop or ellipsis (closing quotes and brackets aside).
    pub fn ends_with_period(&self) -> bool {
        trimmed_end(self.text).ends_with(['.', '…'])
    }

    /// Has clause or sentence punctuation anywhere (quotes and colons do not count).
    pub fn has_punctuation(&self) -> bool {
        self.text.contains(['.', '،', ',', '؛', ';', '!', '؟', '?'])
    }

    /// Text that lost its punctuation: a function word in ten, and not so long that a
    /// paragraph would have none (sixty words without a comma are headlines glued together).
    pub fn unpunctuated_text(&self) -> bool {
        self.function_words * 10 >= self.words && self.words <= 60
    }

    /// A headline's shape: at most 18 words, no final full stop, not a label ending in `:`.
    pub fn headline_like(&self) -> bool {
        self.words <= 18 && !self.ends_with_period() && !self.text.trim_end().ends_with(':')
    }

    /// jusText's "good" class for plain text: a sentence (six words or more ending with a
    /// full stop) or a paragraph (twenty words or more, with punctuation or with a function
    /// word in ten).
    pub fn is_prose(&self) -> bool {
        // A long line with no punctuation is still a paragraph when it is full of function
        // words (headlines glued together are not).
        self.is_arabic()
            && ((self.words >= 6 && self.ends_with_period())
                || (self.words >= 20 && (self.has_punctuation() || self.unpunctuated_text())))
    }

    /// Starts with a bullet or dash.
    pub fn is_bullet(&self) -> bool {
        self.text
            .starts_with(['•', '·', '▪', '●', '◦', '►', '■', '-', '*', '–'])
    }
}

fn trimmed_end(text: &str) -> &str {
    text.trim_end()
        .trim_end_matches(['"', '»', '”', ')', '\'', ' ', '“', '«'])
}

/// Splits a text into lines with their measurements; blank lines separate groups.
pub fn split(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut group = 0;
    let mut prev_blank = false;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim_start_matches('\u{FEFF}').trim();
        if t.is_empty() {
            prev_blank = true;
            continue;
        }
        if prev_blank && !out.is_empty() {
            group += 1;
        }
        prev_blank = false;
        out.push(Line::new(i + 1, t, group));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_sentence_and_a_menu_differently() {
        let s = Line::new(
            1,
            "وقال المتحدث إن الوزير سيزور القاهرة في الأسبوع المقبل لبحث التعاون.",
            0,
        );
        assert!(s.function_words >= 2 && s.is_prose() && s.ends_with_period());
        let m = Line::new(2, "الرئيسية سياسة اقتصاد رياضة", 0);
        assert_eq!(m.function_words, 0);
        assert!(!m.is_prose() && m.headline_like());
        let l = Line::new(3, "Tweets by alrai", 0);
        assert!(!l.is_arabic());
    }

    #[test]
    fn blank_lines_separate_groups() {
        let lines = split("a\nb\n\n\nc");
        let groups: Vec<usize> = lines.iter().map(|l| l.group).collect();
        assert_eq!(groups, vec![0, 0, 1]);
        assert_eq!(lines[2].number, 5);
    }
}
