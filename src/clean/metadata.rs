//! Article metadata found in the text: dates (Arabic month names of both the Egyptian/Gulf
//! series and the Levantine one, Latin, Arabic-Indic and Persian digits) and source lines.

use super::normalize::fold_for_matching;

/// Month names after [`fold_for_matching`] (alef/teh-marbuta variants folded), with numbers.
const MONTHS: [(&str, u32); 30] = [
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("ابريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يونيه", 6),
    ("يوليو", 7),
    ("يوليه", 7),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
    ("كانون الثاني", 1),
    ("شباط", 2),
    ("اذار", 3),
    ("نيسان", 4),
    ("ايار", 5),
    ("حزيران", 6),
    ("تموز", 7),
    ("اب", 8),
    ("ايلول", 9),
    ("تشرين الاول", 10),
    ("تشرين الثاني", 11),
    ("كانون الاول", 12),
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
];

const WEEKDAYS: [&str; 7] = [
    "السبت",
    "الاحد",
    "الاثنين",
    "الثلاثاء",
    "الاربعاء",
    "الخميس",
    "الجمعه",
];

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

fn valid(y: u32, m: u32, d: u32) -> Option<String> {
    ((1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn numbers(s: &str) -> Vec<(usize, u32, usize)> {
    // (byte position, value, digit count)
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if let Ok(v) = s[start..i].parse() {
                out.push((start, v, i - start));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Finds a calendar date in `text`: `13 فبراير 2025`, `24 شباط/ فبراير 2022`, `13/02/2025`,
/// `2025-02-13`, with any digits. Returns ISO `yyyy-mm-dd`.
pub fn find_date(text: &str) -> Option<String> {
    let s = ascii_digits(&fold_for_matching(text)).to_lowercase();
    // Numeric forms.
    let nums = numbers(&s);
    for w in nums.windows(3) {
        let (p0, a, la) = w[0];
        let (p1, b, _) = w[1];
        let (p2, c, lc) = w[2];
        let sep1 = &s[p0 + la..p1];
        let sep2 = &s[p1 + w[1].2..p2];
        let tight = |x: &str| matches!(x, "/" | "-" | ".");
        if !(tight(sep1) && tight(sep2)) {
            continue;
        }
        if la == 4 {
            if let Some(d) = valid(a, b, c) {
                return Some(d);
            }
        } else if lc == 4 {
            if let Some(d) = valid(c, b, a) {
                return Some(d);
            }
        }
    }
    // Day, month name (possibly two names joined by "/"), year.
    let mut best: Option<(usize, u32, usize)> = None; // (position, month, name length)
    for (name, m) in MONTHS.iter().chain(
        [
            ("may", 5),
            ("june", 6),
            ("july", 7),
            ("august", 8),
            ("september", 9),
            ("october", 10),
            ("november", 11),
            ("december", 12),
        ]
        .iter(),
    ) {
        let mut from = 0;
        while let Some(i) = s[from..].find(name) {
            let pos = from + i;
            let end = pos + name.len();
            let boundary_before = s[..pos]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphabetic());
            let boundary_after = s[end..].chars().next().is_none_or(|c| !c.is_alphabetic());
            if boundary_before && boundary_after && best.is_none_or(|b| pos < b.0) {
                best = Some((pos, *m, name.len()));
            }
            from = end;
        }
    }
    let (pos, month, len) = best?;
    let day = nums
        .iter()
        .rev()
        .find(|&&(p, v, l)| p + l <= pos && pos - (p + l) <= 3 && l <= 2 && (1..=31).contains(&v))
        .map(|&(_, v, _)| v);
    let year = nums
        .iter()
        .find(|&&(p, v, l)| {
            p >= pos + len && l == 4 && (1900..=2100).contains(&v) && p - (pos + len) <= 16
        })
        .map(|&(_, v, _)| v)?;
    valid(year, month, day.unwrap_or(1))
}

/// Whether a short line is essentially a date (a dateline), not a sentence mentioning one:
/// besides numbers, weekday and month names, at most two other words.
pub fn is_date_line(text: &str) -> bool {
    if text.split_whitespace().count() > 8 || find_date(text).is_none() {
        return false;
    }
    let folded = ascii_digits(&fold_for_matching(text)).to_lowercase();
    let month_words: Vec<&str> = MONTHS.iter().flat_map(|(m, _)| m.split(' ')).collect();
    let other = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !WEEKDAYS.contains(w) && !month_words.contains(w))
        .count();
    other <= 2
}

/// The source named by a source line (`المصدر: عربي21`), if `text` is one.
pub fn source_line(text: &str) -> Option<String> {
    let t = text.trim();
    let folded = fold_for_matching(t);
    for prefix in ["المصدر", "مصدر الخبر", "source"] {
        if let Some(rest) = folded.to_lowercase().strip_prefix(prefix) {
            let rest = rest.trim_start();
            if let Some(value) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')) {
                let value = value.trim();
                if !value.is_empty() && value.split_whitespace().count() <= 6 {
                    // Return the original spelling: same number of chars after the colon.
                    let orig = t
                        .split_once([':', '：'])
                        .map(|x| x.1.trim())
                        .unwrap_or(value);
                    return Some(orig.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_many_spellings() {
        assert_eq!(
            find_date("الخميس 13 فبراير 2025").as_deref(),
            Some("2025-02-13")
        );
        assert_eq!(
            find_date("في 24 شباط/ فبراير 2022،").as_deref(),
            Some("2022-02-24")
        );
        assert_eq!(find_date("١٣ آذار ٢٠٢٤").as_deref(), Some("2024-03-13"));
        assert_eq!(find_date("13/02/2025").as_deref(), Some("2025-02-13"));
        assert_eq!(
            find_date("2025-02-13T10:00:00Z").as_deref(),
            Some("2025-02-13")
        );
        assert_eq!(
            find_date("2 كانون الثاني 2023").as_deref(),
            Some("2023-01-02")
        );
        assert_eq!(find_date("في يونيو 2022").as_deref(), Some("2022-06-01"));
        assert_eq!(find_date("قال الرئيس إنه سيزور"), None);
    }

    #[test]
    fn date_lines_and_source_lines() {
        assert!(is_date_line("الخميس 13 فبراير 2025"));
        assert!(!is_date_line(
            "تتمسك موسكو منذ بدء الحرب، في 24 شباط/ فبراير 2022، بأن جوهر الصراع يتمثل في ما تصفه"
        ));
        assert_eq!(source_line("المصدر: عربي21").as_deref(), Some("عربي21"));
        assert_eq!(source_line("المصدر: الأسبوع").as_deref(), Some("الأسبوع"));
        assert_eq!(source_line("قال المصدر إن"), None);
    }
}
