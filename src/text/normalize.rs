//! Normalisation of Arabic text for the model, kept apart from the original (which briefs show
//! verbatim): tatweel removed, Arabic presentation forms folded (NFKC, on those blocks only),
//! invisible format characters removed, whitespace collapsed, spacing around punctuation made
//! consistent. Digits and Latin text are left as they are.

use unicode_normalization::UnicodeNormalization;

use super::arabic::is_arabic_letter;

const TATWEEL: char = '\u{0640}';

/// Arabic presentation forms (A: U+FB50–U+FDFF, B: U+FE70–U+FEFF), which NFKC folds into the
/// ordinary letters (ﻻ → لا).
fn is_presentation_form(c: char) -> bool {
    matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFE}')
}

/// Zero-width and bidirectional-control characters: invisible, meaningless to the model.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}' | '\u{061C}'
    )
}

/// Punctuation that attaches to the word before it (no space before).
fn attaches_left(c: char) -> bool {
    matches!(
        c,
        '،' | '؛' | '؟' | ',' | ';' | '!' | '?' | ':' | ')' | ']' | '»' | '%'
    )
}

/// Normalises text for the model (see the module docs). Idempotent.
pub fn normalize(text: &str) -> String {
    // 1. Character-level: fold, drop, unify spaces.
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c == TATWEEL || is_invisible(c) {
            continue;
        }
        if is_presentation_form(c) {
            chars.extend(c.to_string().nfkc());
        } else if c.is_whitespace() || c.is_control() {
            chars.push(' ');
        } else {
            chars.push(c);
        }
    }
    // 2. Spacing: collapse runs, none before closing punctuation, one after Arabic comma /
    //    semicolon / question mark when a letter follows directly.
    let mut out = String::with_capacity(text.len());
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if c == ' ' {
            let mut j = i;
            while j < n && chars[j] == ' ' {
                j += 1;
            }
            let at_edge = out.is_empty() || j == n;
            let before_punct = j < n && attaches_left(chars[j]);
            if !at_edge && !before_punct {
                out.push(' ');
            }
            i = j;
            continue;
        }
        out.push(c);
        if matches!(c, '،' | '؛' | '؟') && i + 1 < n && is_arabic_letter(chars[i + 1]) {
            out.push(' ');
        }
        i += 1;
    }
    out
}

/// Strips what makes the same word look different (diacritics, tatweel, alef and yeh/teh
/// marbuta variants), for matching and comparing, never for display or translation.
pub fn fold_for_matching(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            !matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | TATWEEL) && !is_invisible(c)
        })
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            _ => c,
        })
        .collect::<String>()
        .nfkc()
        .collect()
}

/// The share of Arabic letters among all letters of `text` (0 when it has no letters).
pub fn arabic_ratio(text: &str) -> f64 {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 {
        return 0.0;
    }
    let arabic = text.chars().filter(|&c| is_arabic_letter(c)).count();
    arabic as f64 / letters as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_tatweel_and_folds_presentation_forms() {
        assert_eq!(normalize("رضـــا حبيشى"), "رضا حبيشى");
        assert_eq!(normalize("ﻻ"), "لا");
    }

    #[test]
    fn cleans_invisible_characters_and_whitespace() {
        assert_eq!(
            normalize("  زين\u{200f}الدين\u{200b}  \u{00a0} قال\t"),
            "زينالدين قال"
        );
    }

    #[test]
    fn consistent_spacing_around_punctuation_but_numbers_untouched() {
        assert_eq!(normalize("قال ، ثم غادر ؟"), "قال، ثم غادر؟");
        assert_eq!(normalize("قال،ثم غادر"), "قال، ثم غادر");
        assert_eq!(
            normalize("ارتفع 1.7 % في 13/02/2025 و NATO, U.S."),
            "ارتفع 1.7% في 13/02/2025 و NATO, U.S."
        );
    }

    #[test]
    fn is_idempotent() {
        for t in ["قال ، ثم غادر ؟", "رضـــا  ﻻ", " a , b "] {
            assert_eq!(normalize(&normalize(t)), normalize(t));
        }
    }
}
