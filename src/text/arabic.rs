//! Arabic script at the level of characters: which are letters, which are digits, and digits
//! of every script read as ASCII.

/// Whether a character is an Arabic letter (not a digit, sign, diacritic or punctuation mark).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06FA}'..='\u{06FF}')
}

/// Whether a character is a decimal digit: ASCII, Arabic-Indic (٠–٩) or Persian (۰–۹).
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}')
}

/// Arabic-Indic (٠–٩) and Persian (۰–۹) digits as ASCII.
pub fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_digits_and_digit_folding() {
        assert!(is_arabic_letter('ب') && is_arabic_letter('ی'));
        assert!(!is_arabic_letter('\u{064B}') && !is_arabic_letter('٣') && !is_arabic_letter('،'));
        assert!(is_digit('7') && is_digit('٣') && is_digit('۴') && !is_digit('x'));
        assert_eq!(ascii_digits("١٣/٠٢/۲۰۲۵ 7"), "13/02/2025 7");
    }
}
