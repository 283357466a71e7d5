//! Article metadata found in the text: dates (Arabic month names of the Egyptian/Gulf, Levantine
//! and Maghreb series, Latin, Arabic-Indic and Persian digits, Hijri dates, times and relative
//! times), bylines, datelines and agencies, source lines and scrapers' own metadata lines.

use crate::text::arabic::{ascii_digits, is_arabic_letter};
use crate::text::normalize::fold_for_matching;

/// Month names after [`fold_for_matching`] (alef/teh-marbuta variants folded), with numbers.
const MONTHS: &[(&str, u32)] = &[
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
    // Morocco (and Mauritania): French-derived names.
    ("ماي", 5),
    ("يوليوز", 7),
    ("غشت", 8),
    ("شتنبر", 9),
    ("نونبر", 11),
    ("دجنبر", 12),
    // Algeria and Tunisia.
    ("جانفي", 1),
    ("فيفري", 2),
    ("افريل", 4),
    ("جوان", 6),
    ("جويليه", 7),
    ("اوت", 8),
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

/// The number of a month named by one word (after [`fold_for_matching`]): every regional
/// series and English; two-word names (`كانون الثاني`) are not single words and give `None`.
pub fn month_number(folded_word: &str) -> Option<u32> {
    let w = folded_word
        .strip_prefix('و')
        .filter(|w| w.chars().count() > 2);
    MONTHS
        .iter()
        .find(|(name, _)| *name == folded_word || Some(*name) == w)
        .map(|&(_, m)| m)
}

fn valid(y: u32, m: u32, d: u32) -> Option<String> {
    // 1 January 1970 is the Unix epoch a CMS prints when it has no date: not a date.
    let epoch = (y, m, d) == (1970, 1, 1);
    ((1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) && !epoch)
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

/// Words that may stand beside a date or time in a date line: publication cues, clock words.
const DATE_CUES: &[&str] = &[
    "نشر",
    "نشرت",
    "تاريخ",
    "بتاريخ",
    "التاريخ",
    "النشر",
    "اخر",
    "تحديث",
    "التحديث",
    "الساعه",
    "ساعه",
    "ساعات",
    "دقيقه",
    "دقائق",
    "يوم",
    "ايام",
    "منذ",
    "في",
    "م",
    "ص",
    "مساء",
    "صباحا",
    "ظهرا",
    "مساءا",
    "gmt",
    "am",
    "pm",
    "بتوقيت",
    "الموافق",
    "ه",
    "هـ",
    "published",
    "updated",
    "on",
    "at",
    "و",
    "الساعه",
    "علي",
];

/// Hijri month names (folded); a Hijri date is a number, one of these, and a year.
const HIJRI_MONTHS: &[&str] = &[
    "محرم",
    "صفر",
    "ربيع",
    "جمادي",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو",
    "ذي",
];

/// A clock time: `14:49`, `3:10`, `19:39:22`.
pub fn has_time(text: &str) -> bool {
    let s = ascii_digits(text);
    let b = s.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        b[i] == b':'
            && b[i - 1].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
    })
}

/// A relative time: `منذ 3 ساعات`, `منذ ساعة و 40 دقيقة`.
pub fn is_relative_time(folded: &str) -> bool {
    let units = [
        "ثانيه",
        "ثوان",
        "دقيقه",
        "دقائق",
        "ساعه",
        "ساعات",
        "يوم",
        "ايام",
        "اسبوع",
        "شهر",
    ];
    folded.split_once("منذ").is_some_and(|(_, rest)| {
        rest.split_whitespace().take(3).any(|w| {
            units
                .iter()
                .any(|u| w.trim_matches(|c: char| !c.is_alphanumeric()) == *u)
        })
    })
}

/// A Hijri date: `3 شوال 1447`, `12/ 1/ 1436هـ`.
pub fn has_hijri_date(text: &str) -> bool {
    let s = ascii_digits(&fold_for_matching(text));
    let words: Vec<&str> = s.split_whitespace().collect();
    let month = words
        .windows(2)
        .any(|w| w[0].chars().all(|c| c.is_ascii_digit()) && HIJRI_MONTHS.contains(&w[1]));
    let era = s.match_indices('ه').any(|(i, _)| {
        s[..i]
            .trim_end()
            .chars()
            .rev()
            .take(4)
            .filter(|c| c.is_ascii_digit())
            .count()
            == 4
    });
    month || era
}

/// Whether a short line is essentially a date, time or publication stamp (a dateline), not
/// a sentence mentioning one: besides numbers, weekday and month names, clock words and
/// publication cues (نشر، آخر تحديث، منذ…), at most four other words.
pub fn is_date_line(text: &str) -> bool {
    if text.split_whitespace().count() > 14 {
        return false;
    }
    let folded = ascii_digits(&fold_for_matching(text)).to_lowercase();
    let dated = find_date(text).is_some()
        || has_time(text)
        || is_relative_time(&folded)
        || has_hijri_date(text);
    if !dated {
        return false;
    }
    let month_words: Vec<&str> = MONTHS.iter().flat_map(|(m, _)| m.split(' ')).collect();
    let other = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| {
            let letters = w.trim_start_matches(|c: char| c.is_ascii_digit());
            !WEEKDAYS.contains(&letters)
                && !month_words.contains(&letters)
                && !DATE_CUES.contains(&letters)
                && !HIJRI_MONTHS.contains(&letters)
                && !letters.is_empty()
        })
        .count();
    other <= 4
}

/// Whether a line announces publication or update (`نشر في`, `آخر تحديث`, `منذ ساعتين`).
pub fn has_publication_cue(text: &str) -> bool {
    let f = fold_for_matching(text).to_lowercase();
    ["نشر", "تحديث", "published", "updated"]
        .iter()
        .any(|c| f.contains(c))
        || is_relative_time(&f)
}

/// Words that open a byline (folded).
const BYLINE_CUES: &[&str] = &[
    "بقلم",
    "كتب",
    "كتبت",
    "كتبه",
    "تقرير",
    "اعداد",
    "حوار",
    "تحرير",
    "ترجمه",
    "متابعه",
    "by",
];

/// The name in a byline (`بقلم: فلان`, `كتب - فلان`, `كتب: فلان |` inside a date line,
/// `فريق التحرير`), if `text` has one.
pub fn byline(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() > 12 {
        return None;
    }
    let folded_bare = super::lines::bare(&fold_for_matching(text));
    if folded_bare == "فريق التحرير" || folded_bare == "التحرير" {
        return Some(text.trim().to_string());
    }
    let segments = text.split(['|', '،']).map(str::trim);
    for seg in segments {
        let mut parts = seg.splitn(2, |c: char| c.is_whitespace() || c == ':' || c == '-');
        let first = parts.next().unwrap_or_default();
        let cue = super::lines::bare(&fold_for_matching(first));
        if BYLINE_CUES.contains(&cue.as_str()) {
            let name = parts
                .next()
                .unwrap_or_default()
                .trim_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '|' | '،'));
            let n = name.split_whitespace().count();
            if (1..=5).contains(&n) {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// News agencies and wire services as lines name them (folded, bare).
const AGENCIES: &[&str] = &[
    "وكالات",
    "وكاله",
    "رويترز",
    "ا ف ب",
    "اف ب",
    "فرانس برس",
    "واس",
    "كونا",
    "بترا",
    "الاناضول",
    "سبوتنيك",
    "وام",
    "قنا",
    "بنا",
    "سانا",
    "معا",
    "د ب ا",
    "شينخوا",
    "نوفوستي",
    "و م ع",
    "ومع",
    "afp",
    "reuters",
    "ap",
    "اسوشيتد برس",
    "الوكالات",
    "وكاله الانباء",
];

/// The agency named in `text` (original spelling of the part that names it), if any.
pub fn agency(text: &str) -> Option<String> {
    for part in text.split(['-', '|', ':', '،', '(', ')', '–']) {
        let b = super::lines::bare(&fold_for_matching(part));
        let named = AGENCIES
            .iter()
            .any(|a| b == *a || b.starts_with(&format!("{a} ")) || b.ends_with(&format!(" {a}")));
        if named {
            return Some(part.trim().to_string());
        }
    }
    None
}

/// A dateline or agency line: a few words in two parts (`واس - الرياض`, `عمان-وكالات`,
/// `جدة: فلان`, `المخا، نيوزيمن:`), or an agency named alone.
pub fn is_dateline(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 6 || text.trim_end().ends_with('.') {
        return false;
    }
    if agency(text).is_some() {
        return true;
    }
    let t = text.trim();
    let parts: Vec<&str> = t
        .split(['-', ':', '،', '–'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // Place and source are names: no digits (`الرقم: أ / 3` is not a dateline).
    let named = |p: &&str| p.split_whitespace().count() <= 3 && !p.chars().any(|c| c.is_numeric());
    (parts.len() == 2 && parts.iter().all(named)) || (t.ends_with(':') && words <= 4)
}

/// Words that name a publication rather than a person or a topic (folded, lower-case).
const SITE_WORDS: &[&str] = &[
    "نيوز",
    "موقع",
    "بوابه",
    "جريده",
    "صحيفه",
    "الاخباري",
    "الاخباريه",
    "اليوم",
    "نت",
    "برس",
    "مجله",
    "اونلاين",
    "news",
    "tv",
    "24",
    "com",
    "net",
    "online",
    "press",
];

/// Whether a short line looks like a publication's name.
pub fn names_a_site(text: &str) -> bool {
    let b = super::lines::bare(&fold_for_matching(text));
    b.split(' ').any(|w| {
        SITE_WORDS.contains(&w)
            || SITE_WORDS
                .iter()
                .any(|s| w.ends_with(s) && w.len() > s.len() + 2 && s.is_ascii())
    })
}

/// What a scraper's own metadata line (` date 2025-02-13 https://site/…`) carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScraperLine {
    pub date: Option<String>,
    pub url: Option<String>,
}

/// A line a scraper wrote itself: no Arabic, a `date`/`url`/`source` key or a URL, and an ISO
/// date or a URL.
pub fn scraper_line(text: &str) -> Option<ScraperLine> {
    if text.chars().any(is_arabic_letter) || text.split_whitespace().count() > 12 {
        return None;
    }
    let url = text
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_string);
    let first = text
        .split_whitespace()
        .next()?
        .trim_end_matches(':')
        .to_lowercase();
    let keyed = ["date", "url", "source", "published", "link"].contains(&first.as_str());
    let date = find_date(text);
    ((keyed || url.is_some()) && (date.is_some() || url.is_some()))
        .then_some(ScraperLine { date, url })
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
        for (text, date) in [
            ("الخميس 13 فبراير 2025", Some("2025-02-13")),
            ("في 24 شباط/ فبراير 2022،", Some("2022-02-24")),
            ("١٣ آذار ٢٠٢٤", Some("2024-03-13")),
            ("13/02/2025", Some("2025-02-13")),
            ("2025-02-13T10:00:00Z", Some("2025-02-13")),
            ("2 كانون الثاني 2023", Some("2023-01-02")),
            ("في يونيو 2022", Some("2022-06-01")),
            ("قال الرئيس إنه سيزور", None),
            ("05 شتنبر 2019على الساعة18:38", Some("2019-09-05")),
            ("تاريخ النشر : الخميس 06:35 30-4-2026", Some("2026-04-30")),
            ("12 جوان 2021", Some("2021-06-12")),
        ] {
            assert_eq!(find_date(text).as_deref(), date, "{text}");
        }
    }

    #[test]
    fn stamps_times_hijri_and_relative_times_are_date_lines() {
        for t in [
            "04:42 م",
            "آخر تحديث GMT 19:39:22",
            "المخا تهامة - منذ ساعة و 40 دقيقة",
            "07:15 صباحًا , الأحد 3 شوال 1447 / 22 مارس 2026",
            "كشـ24 | و.م.ع نشر في: 17 سبتمبر 2021",
            "نشر بتاريخ: 13/02/2012 ( آخر تحديث: 13/02/2012 الساعة: 15:56 )",
            "الأربعاء 25-06-2025 07:37 | كتب: بشري عبدالمؤمن |",
        ] {
            assert!(is_date_line(t), "{t}");
        }
        assert!(has_hijri_date("التاريخ: 12/ 1/ 1436هـ"));
        assert!(!is_date_line(
            "وقال الوزير إن الاجتماع سيعقد في 13 فبراير 2025 في القاهرة بحضور الوفود"
        ));
    }

    #[test]
    fn bylines_datelines_agencies_and_scraper_lines() {
        assert_eq!(byline("بقلم: محمد علي").as_deref(), Some("محمد علي"));
        assert_eq!(byline("حوار - دعاء حسنى").as_deref(), Some("دعاء حسنى"));
        assert_eq!(
            byline("الأربعاء 25-06-2025 07:37 | كتب: بشري عبدالمؤمن |").as_deref(),
            Some("بشري عبدالمؤمن")
        );
        assert_eq!(
            byline("كتب الرئيس رسالة إلى نظيره الأمريكي يطالبه فيها بوقف الحرب فورا"),
            None
        );
        assert_eq!(agency("الرأي - وكالات").as_deref(), Some("وكالات"));
        assert_eq!(agency("واس - الرياض").as_deref(), Some("واس"));
        assert!(is_dateline("بغداد اليوم- بغداد"));
        assert!(is_dateline("المخا، نيوزيمن:"));
        assert!(!is_dateline("وزير الخارجية يجري اتصالات لدعم التهدئة"));
        assert_eq!(
            scraper_line(" date 2025-02-13 https://example.com/a/1"),
            Some(ScraperLine {
                date: Some("2025-02-13".into()),
                url: Some("https://example.com/a/1".into())
            })
        );
        assert!(names_a_site("مستقبل وطن نيوز"));
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
