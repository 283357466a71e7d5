//! Content terms of Arabic text: what a signature counts and what sentences are compared by.

use crate::clean::metadata::ascii_digits;
use crate::clean::normalize::fold_for_matching;

/// Function words and newsroom verbs (after folding) that say nothing about the event.
const STOPWORDS: &[&str] = &[
    "في",
    "من",
    "علي",
    "الي",
    "عن",
    "ان",
    "او",
    "ام",
    "ثم",
    "كما",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "اللذين",
    "قد",
    "لا",
    "ما",
    "مع",
    "بين",
    "بعد",
    "قبل",
    "كان",
    "كانت",
    "يكون",
    "تكون",
    "هو",
    "هي",
    "هم",
    "هما",
    "انه",
    "انها",
    "لم",
    "لن",
    "كل",
    "اي",
    "حتي",
    "حيث",
    "عند",
    "اذا",
    "الا",
    "اليوم",
    "قال",
    "وقال",
    "اضاف",
    "واضاف",
    "اكد",
    "واكد",
    "اوضح",
    "واوضح",
    "اشار",
    "واشار",
    "وفق",
    "وفقا",
    "خلال",
    "منذ",
    "لقد",
    "وقد",
    "فيه",
    "فيها",
    "به",
    "بها",
    "له",
    "لها",
    "لهم",
    "عليه",
    "عليها",
    "منه",
    "منها",
    "الذي",
    "غير",
    "ايضا",
    "نحو",
    "ضمن",
    "لدي",
    "اما",
    "وان",
    "بان",
    "لان",
    "الان",
    "يوم",
    "امس",
    "مثل",
    "هناك",
    "هنا",
    "كذلك",
    "حول",
    "دون",
    "عبر",
    "تم",
    "وهو",
    "وهي",
    "التى",
    "فى",
    "الى",
];

/// Arabic light stemming (the prefix and suffix rules of Larkey et al.'s light10, the usual
/// choice for Arabic retrieval): enough to make `والرئيس`, `للرئيس` and `الرئيس` one term.
/// A dozen affix rules do not justify a dependency, and full root stemmers conflate far more
/// than telling events apart can afford.
fn light_stem(word: &str) -> &str {
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
    if STOPWORDS.contains(&w) {
        return None;
    }
    let stem = light_stem(w).to_lowercase();
    (stem.chars().count() > 1 && !STOPWORDS.contains(&stem.as_str())).then_some(stem)
}
