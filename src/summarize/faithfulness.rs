//! Checks a machine-written (abstractive) summary against the article it summarises.
//!
//! An abstractive model writes new sentences, and models of the BART family are known to
//! invent the details a reader most relies on: a death toll, a date, a name. Before such a
//! sentence reaches a reader who cannot read the Arabic, every *checkable* claim in it must
//! be found in the article:
//!
//! - **numbers** — digits (`15`, `1,500`, `2.5`), written numbers (`fifteen`, `two hundred`),
//!   amounts with a scale (`$3 million`, `1.2bn`) and percentages (`15%`, `15 percent`) —
//!   compared by value, in the English translation or in the Arabic original (Arabic-Indic
//!   digits, Arabic separators, Arabic number words and scales such as `ألف` and `مليون`);
//! - **dates** — a month with its day (`March 5`, `5 March 2024`) or a weekday — found as a
//!   date of the same month and day in either text (Arabic month names of every regional
//!   series);
//! - **names** — capitalised words and runs of them (`Abdel Fattah al-Sisi`, `UN`) — every
//!   word of the name found in the English translation (an acronym may match the initials
//!   of a capitalised run).
//!
//! What it does not catch: a wrong relation between supported parts ("A attacked B" when
//! the article says B attacked A), negation, a number moved to another noun, lower-case
//! claims ("a ceasefire was agreed"). It is a filter for invented specifics, not a proof of
//! faithfulness.

use std::collections::HashSet;

use crate::clean::metadata::month_number;
use crate::text::arabic::ascii_digits;
use crate::text::normalize::fold_for_matching;
use crate::text::word_list::WordList;

/// What kind of claim could not be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    Number,
    Date,
    Name,
}

/// One claim of a summary sentence that the article does not support, as written in the
/// summary (`"15 soldiers"`, `"March 5"`, `"Hassan Nasrallah"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub text: String,
    pub kind: ClaimKind,
}

/// A summary sentence and what in it the article does not support (empty: supported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceCheck {
    pub sentence: String,
    pub unsupported: Vec<Unsupported>,
}

impl SentenceCheck {
    pub fn is_supported(&self) -> bool {
        self.unsupported.is_empty()
    }
}

/// What the article offers as evidence, gathered once per article.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Every number in either text: its [`value_key`] and whether it is a percentage.
    numbers: HashSet<(i128, bool)>,
    /// (month, day) of every date in either text; day 0 for a month named without a day.
    dates: HashSet<(u32, u32)>,
    /// Weekdays named in either text, 0 = Monday.
    weekdays: HashSet<u32>,
    /// Lower-cased words of the English translation.
    words: HashSet<String>,
    /// Initials of the English translation's capitalised runs (`United Nations` → `UN`).
    initials: HashSet<String>,
}

impl Evidence {
    /// Evidence from an article's English translation (title and body) and its Arabic text.
    pub fn new(english: &str, arabic: &str) -> Self {
        let mut e = Evidence::default();
        let tokens = english_tokens(english);
        for claim in english_claims(&tokens) {
            e.record(&claim.value);
        }
        for claim in arabic_claims(arabic) {
            e.record(&claim);
        }
        for t in &tokens {
            for part in word_parts(&t.text) {
                e.words.insert(part);
            }
        }
        for run in capitalised_runs(&tokens) {
            if run.len() >= 2 {
                let initials: String = run
                    .iter()
                    .filter_map(|t| t.text.chars().next())
                    .filter(|c| c.is_uppercase())
                    .collect();
                e.initials.insert(initials);
            }
        }
        e
    }

    fn record(&mut self, value: &ClaimValue) {
        match *value {
            ClaimValue::Number(v, percent) => {
                self.numbers.insert((value_key(v), percent));
            }
            ClaimValue::Date { month, day, year } => {
                self.dates.insert((month, day.unwrap_or(0)));
                self.dates.insert((month, 0));
                if let Some(d) = day {
                    self.numbers.insert((value_key(d as f64), false));
                }
                if let Some(y) = year {
                    self.numbers.insert((value_key(y as f64), false));
                }
            }
            ClaimValue::Weekday(w) => {
                self.weekdays.insert(w);
            }
            ClaimValue::Name => {}
        }
    }

    fn supports(&self, claim: &Claim) -> bool {
        match &claim.value {
            ClaimValue::Number(v, percent) => self.numbers.contains(&(value_key(*v), *percent)),
            ClaimValue::Date { month, day, .. } => self.dates.contains(&(*month, day.unwrap_or(0))),
            ClaimValue::Weekday(w) => self.weekdays.contains(w),
            ClaimValue::Name => self.supports_name(&claim.text),
        }
    }

    fn supports_name(&self, name: &str) -> bool {
        let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
        let is_acronym = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
        if is_acronym && self.initials.contains(&letters.iter().collect::<String>()) {
            return true;
        }
        name.split_whitespace()
            .flat_map(word_parts)
            .all(|w| self.words.contains(&w))
    }
}

/// Checks each sentence of an abstractive summary against the article's evidence.
pub fn check(summary: &str, evidence: &Evidence) -> Vec<SentenceCheck> {
    english_sentences(summary)
        .into_iter()
        .map(|sentence| {
            let tokens = english_tokens(&sentence);
            let mut unsupported: Vec<Unsupported> = english_claims(&tokens)
                .into_iter()
                .filter(|c| !evidence.supports(c))
                .map(|c| Unsupported {
                    kind: c.kind(),
                    text: c.text,
                })
                .collect();
            unsupported.dedup();
            SentenceCheck {
                sentence,
                unsupported,
            }
        })
        .collect()
}

/// A number's value as a set key: exact to a thousandth, so `1.5 million` and `1,500,000`
/// meet, and float noise does not separate equal values.
fn value_key(v: f64) -> i128 {
    (v * 1000.0).round() as i128
}

#[derive(Debug, Clone, PartialEq)]
enum ClaimValue {
    /// A value, and whether it is a percentage (a share never supports a count, nor the
    /// reverse: "15%" and "15 soldiers" are different claims).
    Number(f64, bool),
    Date {
        month: u32,
        day: Option<u32>,
        year: Option<u32>,
    },
    Weekday(u32),
    Name,
}

#[derive(Debug, Clone, PartialEq)]
struct Claim {
    /// The claim as written, with the counted noun after a number (`15 soldiers`).
    text: String,
    value: ClaimValue,
}

impl Claim {
    fn kind(&self) -> ClaimKind {
        match self.value {
            ClaimValue::Number(..) => ClaimKind::Number,
            ClaimValue::Date { .. } | ClaimValue::Weekday(_) => ClaimKind::Date,
            ClaimValue::Name => ClaimKind::Name,
        }
    }
}

// ---------------------------------------------------------------------------------------
// English: tokens, sentences, claims.

#[derive(Debug, Clone)]
struct Token {
    text: String,
    /// First token of its sentence.
    sentence_start: bool,
}

/// Words and numbers with their attached symbols (`$3`, `15%`, `1,500.5`, `al-Sisi`,
/// `U.S.`); other punctuation separates tokens and marks sentence starts.
fn english_tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut sentence_start = true;
    let chars: Vec<char> = text.chars().collect();
    let flush = |current: &mut String, tokens: &mut Vec<Token>, start: &mut bool| {
        let word = current.trim_end_matches(['.', ',', '\'']).to_string();
        let word = if word.ends_with('.') || !current.ends_with('.') || is_abbreviation(current) {
            current.clone()
        } else {
            word
        };
        if !word.is_empty() {
            tokens.push(Token {
                text: word,
                sentence_start: *start,
            });
            *start = false;
        }
        current.clear();
    };
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let inner = matches!(c, '.' | ',' | '\'' | '-' | '’')
            && !current.is_empty()
            && next.is_some_and(|n| n.is_alphanumeric());
        let abbreviation_stop = c == '.' && is_abbreviation(&format!("{current}."));
        if c.is_alphanumeric() || matches!(c, '$' | '£' | '€' | '%') || inner || abbreviation_stop
        {
            current.push(c);
        } else {
            let ends_sentence = matches!(c, '.' | '!' | '?' | ':' | ';' | '"' | '\n');
            flush(&mut current, &mut tokens, &mut sentence_start);
            if ends_sentence {
                sentence_start = true;
            }
        }
    }
    flush(&mut current, &mut tokens, &mut sentence_start);
    tokens
}

/// Abbreviations whose full stop does not end a sentence.
fn is_abbreviation(word: &str) -> bool {
    const ABBREVIATIONS: [&str; 14] = [
        "Mr.", "Mrs.", "Ms.", "Dr.", "Gen.", "Col.", "Lt.", "Sgt.", "Prof.", "St.", "Jan.", "Feb.",
        "Aug.", "Sept.",
    ];
    let letters: Vec<char> = word.chars().filter(|c| *c != '.').collect();
    // Initialisms written with stops: U.S., U.N., U.A.E.
    let initialism = word.ends_with('.')
        && letters.len() >= 2
        && word.matches('.').count() == letters.len()
        && letters.iter().all(|c| c.is_uppercase());
    initialism || ABBREVIATIONS.contains(&word)
}

/// The summary's sentences: split after `.`, `!` or `?` followed by a space and a capital
/// or a digit, not after an abbreviation.
pub fn english_sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in bytes.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let space = bytes.get(k + 1).is_some_and(|&(_, n)| n.is_whitespace());
        let capital = bytes
            .iter()
            .skip(k + 1)
            .find(|(_, n)| !n.is_whitespace())
            .is_some_and(|&(_, n)| n.is_uppercase() || n.is_ascii_digit() || n == '"');
        let word_start = text[..i].rfind(char::is_whitespace).map_or(0, |p| p + 1);
        if space && capital && !(c == '.' && is_abbreviation(&text[word_start..=i])) {
            let s = text[start..=i].trim();
            if !s.is_empty() {
                sentences.push(s.to_string());
            }
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        sentences.push(rest.to_string());
    }
    sentences
}

const MONTHS_EN: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const WEEKDAYS_EN: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A month name or its common abbreviation (`Sept.`, `Jan`), 1-based.
fn english_month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    MONTHS_EN
        .iter()
        .position(|m| *m == w || (w.len() >= 3 && m.starts_with(&w) && w != "mar" && w != "may"))
        .or_else(|| (w == "mar").then_some(2))
        .map(|i| i as u32 + 1)
}

fn english_weekday(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    WEEKDAYS_EN.iter().position(|d| *d == w).map(|i| i as u32)
}

/// Number words and their values; scales multiply what precedes them.
fn number_word(word: &str) -> Option<(f64, bool)> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let w = word.to_lowercase();
    if let Some((tens, unit)) = w.split_once('-') {
        // "twenty-five"
        let (t, _) = number_word(tens).filter(|&(t, s)| !s && t >= 20.0)?;
        let (u, _) = number_word(unit).filter(|&(u, s)| !s && (1.0..10.0).contains(&u))?;
        return Some((t + u, false));
    }
    if let Some(i) = UNITS.iter().position(|u| *u == w) {
        return Some((i as f64, false));
    }
    if let Some(i) = TENS.iter().position(|t| *t == w) {
        return Some((20.0 + 10.0 * i as f64, false));
    }
    let scale = match w.as_str() {
        "hundred" => 100.0,
        "thousand" => 1e3,
        "million" | "mn" => 1e6,
        "billion" | "bn" => 1e9,
        "trillion" | "tn" => 1e12,
        "dozen" => 12.0,
        _ => return None,
    };
    Some((scale, true))
}

/// A digit token's value: `1,500`, `2.5`, `$3`, `15%`, `3bn` (suffix scale returned apart).
fn digits_value(token: &str) -> Option<(f64, Option<f64>)> {
    let t = token
        .trim_start_matches(['$', '£', '€'])
        .trim_end_matches('%');
    let split = t.find(|c: char| c.is_alphabetic()).unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = number.replace(',', "").parse().ok()?;
    let scale = match suffix.to_lowercase().as_str() {
        "" | "st" | "nd" | "rd" | "th" | "s" => None,
        "k" => Some(1e3),
        "m" | "mn" => Some(1e6),
        "bn" | "b" => Some(1e9),
        _ => return None,
    };
    Some((value, scale))
}

/// Every number, date and name claim of a tokenised English text, in order.
fn english_claims(tokens: &[Token]) -> Vec<Claim> {
    let mut claims = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((claim, used)) = date_at(tokens, i).or_else(|| number_at(tokens, i)) {
            claims.push(claim);
            i += used;
        } else {
            i += 1;
        }
    }
    for run in capitalised_runs(tokens) {
        let words: Vec<&str> = run.iter().map(|t| t.text.as_str()).collect();
        claims.push(Claim {
            text: words.join(" "),
            value: ClaimValue::Name,
        });
    }
    claims
}

/// A date starting at `i`: `March 5[, 2024]`, `5 March [2024]`, `March 2024`, or a weekday.
fn date_at(tokens: &[Token], i: usize) -> Option<(Claim, usize)> {
    let word = |k: usize| tokens.get(k).map(|t| t.text.as_str());
    let day = |k: usize| {
        word(k)
            .and_then(digits_value)
            .filter(|&(v, s)| s.is_none() && v.fract() == 0.0 && (1.0..=31.0).contains(&v))
            .map(|(v, _)| v as u32)
    };
    let year = |k: usize| {
        word(k)
            .filter(|w| w.len() == 4)
            .and_then(digits_value)
            .map(|(v, _)| v as u32)
    };
    let text = |from: usize, n: usize| {
        tokens[from..from + n]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let capitalised = |k: usize| word(k).is_some_and(|w| w.starts_with(char::is_uppercase));
    if capitalised(i) {
        if let Some(w) = english_weekday(word(i)?) {
            let claim = Claim {
                text: text(i, 1),
                value: ClaimValue::Weekday(w),
            };
            return Some((claim, 1));
        }
        // "May" alone is too often the verb: a month needs a day or a year beside it.
        if let Some(month) = english_month(word(i)?) {
            let (d, y) = (day(i + 1), year(i + 1).or_else(|| year(i + 2)));
            if d.is_some() || y.is_some() {
                let n = 1 + usize::from(d.is_some()) + usize::from(y.is_some());
                let value = ClaimValue::Date {
                    month,
                    day: d,
                    year: y.filter(|_| d.is_none() || year(i + 2).is_some()),
                };
                return Some((
                    Claim {
                        text: text(i, n),
                        value,
                    },
                    n,
                ));
            }
        }
    }
    let d = day(i)?;
    let month = word(i + 1)
        .filter(|_| capitalised(i + 1))
        .and_then(english_month)?;
    let y = year(i + 2);
    let n = 2 + usize::from(y.is_some());
    let value = ClaimValue::Date {
        month,
        day: Some(d),
        year: y,
    };
    Some((
        Claim {
            text: text(i, n),
            value,
        },
        n,
    ))
}

/// A number starting at `i` — digits or number words, with any scale words after — and the
/// counted noun after it in the claim's text.
fn number_at(tokens: &[Token], i: usize) -> Option<(Claim, usize)> {
    let first = tokens.get(i)?.text.as_str();
    let (mut value, mut n) = if let Some((v, scale)) = digits_value(first) {
        (v * scale.unwrap_or(1.0), 1)
    } else {
        let (v, is_scale) = number_word(first)?;
        // "one" is a pronoun as often as a number, and a bare scale word counts nothing.
        let next_is_scale = tokens
            .get(i + 1)
            .and_then(|t| number_word(&t.text))
            .is_some_and(|(_, s)| s);
        if is_scale || (first.eq_ignore_ascii_case("one") && !next_is_scale) {
            return None;
        }
        (v, 1)
    };
    let mut group = value;
    let mut total = 0.0;
    let digits = digits_value(first).is_some();
    while let Some(t) = tokens.get(i + n) {
        let w = t.text.as_str();
        match number_word(w) {
            Some((scale, true)) if !(digits && scale == 12.0) => {
                if scale >= 1000.0 {
                    total += group * scale;
                    group = 0.0;
                } else {
                    group *= scale;
                }
            }
            Some((v, false)) if !digits => group += v,
            _ if w.eq_ignore_ascii_case("and") && !digits => {
                let next_is_number = tokens
                    .get(i + n + 1)
                    .and_then(|t| number_word(&t.text))
                    .is_some_and(|(_, s)| !s);
                if !next_is_number {
                    break;
                }
            }
            _ => break,
        }
        n += 1;
    }
    value = total + group;
    let word = |k: usize| tokens.get(k).map(|t| t.text.to_lowercase());
    let mut percent = tokens[i + n - 1].text.ends_with('%');
    if word(i + n).as_deref() == Some("percent") {
        percent = true;
        n += 1;
    } else if word(i + n).as_deref() == Some("per") && word(i + n + 1).as_deref() == Some("cent") {
        percent = true;
        n += 2;
    }
    let mut text: Vec<&str> = tokens[i..i + n].iter().map(|t| t.text.as_str()).collect();
    if let Some(noun) = tokens.get(i + n).filter(|t| is_counted_noun(&t.text)) {
        text.push(&noun.text);
    }
    let claim = Claim {
        text: text.join(" "),
        value: ClaimValue::Number(value, percent),
    };
    Some((claim, n))
}

fn is_counted_noun(word: &str) -> bool {
    word.chars().all(|c| c.is_alphabetic() || c == '-')
        && !matches!(
            word.to_lowercase().as_str(),
            "and" | "or" | "of" | "to" | "in" | "on" | "at" | "the" | "a" | "an" | "for" | "by"
        )
}

/// Runs of capitalised words that are names: not a sentence's first word when that word is
/// a common one, and not months, weekdays or number words (checked as such).
fn capitalised_runs(tokens: &[Token]) -> Vec<Vec<&Token>> {
    let mut runs = Vec::new();
    let mut run: Vec<&Token> = Vec::new();
    for t in tokens {
        let w = t.text.as_str();
        let capital = w.starts_with(|c: char| c.is_uppercase());
        let is_name_word = capital
            && english_month(w).is_none()
            && english_weekday(w).is_none()
            && number_word(w).is_none()
            && !(t.sentence_start && is_common_word(w));
        if is_name_word {
            run.push(t);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Words that open English sentences without being names (function words and the usual
/// openers of news sentences); a capitalised first word outside this list is checked.
static ENGLISH_OPENERS: WordList = WordList::new(include_str!("english-openers.txt"));

fn is_common_word(word: &str) -> bool {
    ENGLISH_OPENERS.contains(&word.to_lowercase())
}

/// A word's comparable parts, lower-cased: `al-Sisi` → `sisi`; `Egypt's` → `egypt`.
fn word_parts(word: &str) -> Vec<String> {
    let w = word
        .trim_end_matches("'s")
        .trim_end_matches("’s")
        .to_lowercase();
    w.split(['-', '.', '\''])
        .filter(|p| !p.is_empty() && !matches!(*p, "al" | "el" | "ad" | "as" | "an"))
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Arabic: numbers (digits and words) and dates.

/// Arabic number words (after [`fold_for_matching`]) and their values; `true` for scales.
fn arabic_number_word(word: &str) -> Option<(f64, bool)> {
    const WORDS: &[(&str, f64)] = &[
        ("واحد", 1.0),
        ("اثنان", 2.0),
        ("اثنين", 2.0),
        ("اثنتان", 2.0),
        ("اثنتين", 2.0),
        ("ثلاث", 3.0),
        ("ثلاثه", 3.0),
        ("اربع", 4.0),
        ("اربعه", 4.0),
        ("خمس", 5.0),
        ("خمسه", 5.0),
        ("ست", 6.0),
        ("سته", 6.0),
        ("سبع", 7.0),
        ("سبعه", 7.0),
        ("ثمان", 8.0),
        ("ثماني", 8.0),
        ("ثمانيه", 8.0),
        ("تسع", 9.0),
        ("تسعه", 9.0),
        ("عشر", 10.0),
        ("عشره", 10.0),
        ("عشرون", 20.0),
        ("عشرين", 20.0),
        ("ثلاثون", 30.0),
        ("ثلاثين", 30.0),
        ("اربعون", 40.0),
        ("اربعين", 40.0),
        ("خمسون", 50.0),
        ("خمسين", 50.0),
        ("ستون", 60.0),
        ("ستين", 60.0),
        ("سبعون", 70.0),
        ("سبعين", 70.0),
        ("ثمانون", 80.0),
        ("ثمانين", 80.0),
        ("تسعون", 90.0),
        ("تسعين", 90.0),
        ("مئه", 100.0),
        ("مائه", 100.0),
        ("مئتان", 200.0),
        ("مئتين", 200.0),
        ("مائتان", 200.0),
        ("مائتين", 200.0),
    ];
    const SCALES: &[(&str, f64)] = &[
        ("الف", 1e3),
        ("الاف", 1e3),
        ("مليون", 1e6),
        ("ملايين", 1e6),
        ("مليار", 1e9),
        ("مليارات", 1e9),
        ("بليون", 1e9),
    ];
    let find = |w: &str| {
        WORDS
            .iter()
            .find(|(x, _)| *x == w)
            .map(|&(_, v)| (v, false))
            .or_else(|| {
                SCALES
                    .iter()
                    .find(|(x, _)| *x == w)
                    .map(|&(_, v)| (v, true))
            })
    };
    find(word).or_else(|| word.strip_prefix('و').and_then(find))
}

/// Every number and date of an Arabic text.
fn arabic_claims(arabic: &str) -> Vec<ClaimValue> {
    let folded = ascii_digits(&fold_for_matching(arabic))
        .replace(['\u{066C}', '،'], " , ")
        .replace('\u{066B}', ".");
    let words: Vec<&str> = folded
        .split(|c: char| {
            c.is_whitespace() || (c.is_ascii_punctuation() && !matches!(c, '.' | ',' | '%'))
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (value, used) = arabic_number_at(&words, i);
        if used > 0 {
            out.push(ClaimValue::Number(value, arabic_percent(&words, i, used)));
            if let Some(month) = words.get(i + used).and_then(|w| month_number(w)) {
                let day = Some(value as u32).filter(|d| (1..=31).contains(d));
                out.push(ClaimValue::Date {
                    month,
                    day,
                    year: None,
                });
            }
            i += used;
        } else {
            if let Some(month) = month_number(words[i]) {
                out.push(ClaimValue::Date {
                    month,
                    day: None,
                    year: None,
                });
            }
            if let Some(w) = arabic_weekday(words[i]) {
                out.push(ClaimValue::Weekday(w));
            }
            i += 1;
        }
    }
    out
}

/// A number at `i` — digits (`15`, `1,500`, `2.5`) or words — with scales after it;
/// returns the value and how many words it took (0: none).
fn arabic_number_at(words: &[&str], i: usize) -> (f64, usize) {
    let w = words[i].trim_matches(|c: char| c == '.' || c == ',');
    let mut n;
    let mut group = if w.starts_with(|c: char| c.is_ascii_digit()) {
        let digits: String = w.chars().filter(|c| *c != ',').collect();
        let digits = digits.trim_end_matches(['%', '\u{066A}']);
        let Ok(v) = digits.trim_start_matches('و').parse::<f64>() else {
            return (0.0, 0);
        };
        n = 1;
        // "1 , 500": a thousands group split off by the separator replacement.
        while words.get(i + n) == Some(&",")
            && words
                .get(i + n + 1)
                .is_some_and(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
        {
            n += 2;
        }
        if n > 1 {
            let joined: String = words[i..i + n]
                .iter()
                .filter(|w| **w != ",")
                .copied()
                .collect();
            joined.parse().unwrap_or(v)
        } else {
            v
        }
    } else {
        match arabic_number_word(w) {
            Some((v, false)) => {
                n = 1;
                v
            }
            _ => return (0.0, 0),
        }
    };
    let mut total = 0.0;
    while let Some(next) = words.get(i + n) {
        match arabic_number_word(next) {
            Some((scale, true)) => {
                total += group * scale;
                group = 0.0;
            }
            Some((v, false)) if next.starts_with('و') => group += v,
            _ => break,
        }
        n += 1;
    }
    (total + group, n)
}

/// Whether the number in `words[i..i + used]` is a percentage: `%`/`٪` on it or after it,
/// or `بالمئة` / `في المائة` after it.
fn arabic_percent(words: &[&str], i: usize, used: usize) -> bool {
    let sign = |w: &str| w.ends_with(['%', '\u{066A}']) || w.starts_with(['%', '\u{066A}']);
    let after = |k: usize| words.get(i + used + k).copied().unwrap_or("");
    let hundred = |w: &str| matches!(w, "المئه" | "المائه" | "بالمئه" | "بالمائه");
    sign(words[i + used - 1])
        || sign(after(0))
        || hundred(after(0))
        || (after(0) == "في" && hundred(after(1)))
}

fn arabic_weekday(word: &str) -> Option<u32> {
    // Monday first, as `english_weekday`; after fold_for_matching.
    const DAYS: [&str; 7] = [
        "الاثنين",
        "الثلاثاء",
        "الاربعاء",
        "الخميس",
        "الجمعه",
        "السبت",
        "الاحد",
    ];
    DAYS.iter()
        .position(|d| *d == word || word.strip_prefix('و') == Some(d))
        .map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the check finds every claim of a one-sentence summary in the evidence.
    fn supported(sentence: &str, e: &Evidence) -> bool {
        check(sentence, e)[0].is_supported()
    }

    /// [`supported`] for each sentence.
    fn verdicts(sentences: &[&str], e: &Evidence) -> Vec<bool> {
        sentences.iter().map(|s| supported(s, e)).collect()
    }

    fn unsupported(summary: &str, english: &str, arabic: &str) -> Vec<String> {
        let evidence = Evidence::new(english, arabic);
        check(summary, &evidence)
            .into_iter()
            .flat_map(|s| s.unsupported)
            .map(|u| u.text)
            .collect()
    }

    const ARTICLE_EN: &str = "President Abdel Fattah al-Sisi received a phone call from \
        President Emmanuel Macron on Tuesday. The two discussed the situation in Gaza, where \
        1,200 people were killed, and an aid package of $2.5 million. The United Nations \
        said on March 5, 2024 that 15 percent of the aid had arrived.";
    const ARTICLE_AR: &str = "تلقى الرئيس عبد الفتاح السيسي اتصالا هاتفيا من الرئيس \
        إيمانويل ماكرون يوم الثلاثاء. وقتل ١٢٠٠ شخص، وأعلن عن ثلاثة آلاف خيمة.";

    #[test]
    fn a_summary_that_reuses_the_article_is_supported() {
        let summary = "Sisi and Macron discussed Gaza on Tuesday. The UN said 1.2 thousand \
            people were killed and 15% of a $2.5m package arrived by March 5. Three thousand \
            tents were announced.";
        assert_eq!(
            unsupported(summary, ARTICLE_EN, ARTICLE_AR),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_invented_number_name_and_date_are_found() {
        let summary = "Sisi and Macron discussed Gaza. Hassan Nasrallah said 17 soldiers \
            died on March 9.";
        let found = unsupported(summary, ARTICLE_EN, ARTICLE_AR);
        assert_eq!(found, vec!["17 soldiers", "March 9", "Hassan Nasrallah"]);
    }

    #[test]
    fn numbers_only_in_the_arabic_count() {
        // "three thousand" appears only as Arabic words; 1200 only as Arabic-Indic digits.
        let found = unsupported(
            "About 3,000 tents and 1200 dead.",
            "Tents were sent.",
            ARTICLE_AR,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn written_numbers_scales_and_percentages() {
        let e = Evidence::new("Twenty-five people and 2 million dollars; 40%.", "");
        for ok in [
            "twenty-five people",
            "2,000,000 dollars",
            "two million",
            "40 percent",
        ] {
            assert!(supported(ok, &e), "{ok}");
        }
        assert!(!supported("twenty-six people", &e));
    }

    #[test]
    fn sentences_split_but_not_after_abbreviations() {
        assert_eq!(
            english_sentences("The U.S. envoy met Mr. Smith. He left on Monday. 12 died."),
            vec![
                "The U.S. envoy met Mr. Smith.",
                "He left on Monday.",
                "12 died."
            ]
        );
    }

    #[test]
    fn acronyms_match_initials_and_sentence_openers_are_not_names() {
        let e = Evidence::new("The United Nations met.", "");
        let initials = ["The UN met.", "According to the UN, they met."];
        assert_eq!(verdicts(&initials, &e), [true, true]);
        assert!(!supported("The EU met.", &e));
    }

    #[test]
    fn arabic_dates_support_english_ones() {
        let e = Evidence::new("", "في 9 آذار الماضي");
        let sentences = ["It happened on March 9.", "It happened on March 10."];
        assert_eq!(verdicts(&sentences, &e), [true, false]);
    }

    #[test]
    fn a_share_never_supports_a_count() {
        let e = Evidence::new("Turnout was 15 percent.", "بلغت نسبة المشاركة ٢٠٪");
        let sentences = [
            "Turnout was 15%.",
            "Turnout was 20 per cent.",
            "Police arrested 15 people.",
            "Police arrested 20 people.",
        ];
        assert_eq!(verdicts(&sentences, &e), [true, true, false, false]);
    }

    #[test]
    fn ordinary_sentences_raise_nothing() {
        let e = Evidence::new(
            "Egypt's foreign minister said the talks in Cairo would resume next week.",
            "",
        );
        let s = "Officials said talks would resume. Egypt's minister spoke in Cairo. \
                 However, no date was set.";
        assert!(
            check(s, &e).iter().all(SentenceCheck::is_supported),
            "{:?}",
            check(s, &e)
        );
    }
}
