//! The Porter stemmer exactly as NLTK's `PorterStemmer()` applies it in its default
//! `NLTK_EXTENSIONS` mode, which is what `rouge-score` stems English with.
//!
//! Written here rather than taken from a crate: `rust-stemmers` implements Snowball English
//! (Porter2), and the crates that implement Porter (1980) follow the original paper, while
//! `rouge-score` uses NLTK's variant (its irregular-form table, `ies`/`ied` on four-letter
//! words, `y → i` only after a consonant, `alli`, `fulli`, `logi`, two-letter `vc` stems).
//! Those differ on common words (`dying`, `generously`, `skies`…), and ROUGE must match the
//! package to the printed precision. Input is one lowercase ASCII token (`[a-z0-9]+`).

/// Irregular forms NLTK maps directly (its `pool`).
const IRREGULAR: [(&str, &str); 15] = [
    ("sky", "sky"),
    ("skies", "sky"),
    ("dying", "die"),
    ("lying", "lie"),
    ("tying", "tie"),
    ("news", "news"),
    ("innings", "inning"),
    ("inning", "inning"),
    ("outings", "outing"),
    ("outing", "outing"),
    ("cannings", "canning"),
    ("canning", "canning"),
    ("howe", "howe"),
    ("proceed", "proceed"),
    ("exceed", "exceed"),
];
const IRREGULAR_MORE: [(&str, &str); 1] = [("succeed", "succeed")];

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Whether `w[i]` is a consonant: `y` is one unless it follows a consonant.
fn is_consonant(w: &[u8], i: usize) -> bool {
    if is_vowel(w[i]) {
        return false;
    }
    if w[i] != b'y' {
        return true;
    }
    i == 0 || !is_consonant(w, i - 1)
}

/// Porter's m: the number of vowel-consonant sequences.
fn measure(w: &[u8]) -> usize {
    (1..w.len())
        .filter(|&i| is_consonant(w, i) && !is_consonant(w, i - 1))
        .count()
}

fn contains_vowel(w: &[u8]) -> bool {
    (0..w.len()).any(|i| !is_consonant(w, i))
}

fn ends_double_consonant(w: &[u8]) -> bool {
    let n = w.len();
    n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1)
}

fn ends_cvc(w: &[u8]) -> bool {
    let n = w.len();
    (n >= 3
        && is_consonant(w, n - 3)
        && !is_consonant(w, n - 2)
        && is_consonant(w, n - 1)
        && !matches!(w[n - 1], b'w' | b'x' | b'y'))
        || (n == 2 && !is_consonant(w, 0) && is_consonant(w, 1))
}

/// A rule's condition on the stem left once the suffix is removed.
type Condition = fn(&[u8]) -> bool;

fn m_positive(stem: &[u8]) -> bool {
    measure(stem) > 0
}

fn m_above_one(stem: &[u8]) -> bool {
    measure(stem) > 1
}

/// NLTK's `_apply_rule_list`: the first rule whose suffix matches decides, whether or not its
/// condition holds.
fn apply_rules(w: &mut Vec<u8>, rules: &[(&str, &str, Condition)]) {
    for &(suffix, replacement, condition) in rules {
        if w.ends_with(suffix.as_bytes()) {
            let stem_len = w.len() - suffix.len();
            if condition(&w[..stem_len]) {
                w.truncate(stem_len);
                w.extend_from_slice(replacement.as_bytes());
            }
            return;
        }
    }
}

fn replace_suffix(w: &mut Vec<u8>, suffix: &str, replacement: &str) {
    w.truncate(w.len() - suffix.len());
    w.extend_from_slice(replacement.as_bytes());
}

fn step1a(w: &mut Vec<u8>) {
    if w.ends_with(b"ies") && w.len() == 4 {
        return replace_suffix(w, "ies", "ie");
    }
    let always: Condition = |_| true;
    apply_rules(
        w,
        &[
            ("sses", "ss", always),
            ("ies", "i", always),
            ("ss", "ss", always),
            ("s", "", always),
        ],
    );
}

fn step1b(w: &mut Vec<u8>) {
    if w.ends_with(b"ied") {
        let to = if w.len() == 4 { "ie" } else { "i" };
        return replace_suffix(w, "ied", to);
    }
    if w.ends_with(b"eed") {
        if measure(&w[..w.len() - 3]) > 0 {
            replace_suffix(w, "eed", "ee");
        }
        return;
    }
    let Some(suffix) = ["ed", "ing"]
        .into_iter()
        .find(|s| w.ends_with(s.as_bytes()) && contains_vowel(&w[..w.len() - s.len()]))
    else {
        return;
    };
    w.truncate(w.len() - suffix.len());
    for (end, to) in [("at", "ate"), ("bl", "ble"), ("iz", "ize")] {
        if w.ends_with(end.as_bytes()) {
            return replace_suffix(w, end, to);
        }
    }
    if ends_double_consonant(w) {
        if !matches!(w[w.len() - 1], b'l' | b's' | b'z') {
            w.pop();
        }
        return;
    }
    if measure(w) == 1 && ends_cvc(w) {
        w.push(b'e');
    }
}

// Same signature as the other steps: they all go in one array of step functions.
#[allow(clippy::ptr_arg)]
fn step1c(w: &mut Vec<u8>) {
    if w.ends_with(b"y") {
        let n = w.len() - 1;
        if n > 1 && is_consonant(w, n - 1) {
            w[n] = b'i';
        }
    }
}

fn step2(w: &mut Vec<u8>) {
    if w.ends_with(b"alli") && m_positive(&w[..w.len() - 4]) {
        replace_suffix(w, "alli", "al");
        return step2(w);
    }
    if w.ends_with(b"logi") {
        // NLTK tests the measure of the word less "ogi" (its stem keeps the l).
        if m_positive(&w[..w.len() - 3]) {
            replace_suffix(w, "logi", "log");
        }
        return;
    }
    apply_rules(
        w,
        &[
            ("ational", "ate", m_positive),
            ("tional", "tion", m_positive),
            ("enci", "ence", m_positive),
            ("anci", "ance", m_positive),
            ("izer", "ize", m_positive),
            ("bli", "ble", m_positive),
            ("alli", "al", m_positive),
            ("entli", "ent", m_positive),
            ("eli", "e", m_positive),
            ("ousli", "ous", m_positive),
            ("ization", "ize", m_positive),
            ("ation", "ate", m_positive),
            ("ator", "ate", m_positive),
            ("alism", "al", m_positive),
            ("iveness", "ive", m_positive),
            ("fulness", "ful", m_positive),
            ("ousness", "ous", m_positive),
            ("aliti", "al", m_positive),
            ("iviti", "ive", m_positive),
            ("biliti", "ble", m_positive),
            ("fulli", "ful", m_positive),
        ],
    );
}

fn step3(w: &mut Vec<u8>) {
    apply_rules(
        w,
        &[
            ("icate", "ic", m_positive),
            ("ative", "", m_positive),
            ("alize", "al", m_positive),
            ("iciti", "ic", m_positive),
            ("ical", "ic", m_positive),
            ("ful", "", m_positive),
            ("ness", "", m_positive),
        ],
    );
}

fn step4(w: &mut Vec<u8>) {
    let ion: Condition = |s| m_above_one(s) && matches!(s.last(), Some(b's' | b't'));
    apply_rules(
        w,
        &[
            ("al", "", m_above_one),
            ("ance", "", m_above_one),
            ("ence", "", m_above_one),
            ("er", "", m_above_one),
            ("ic", "", m_above_one),
            ("able", "", m_above_one),
            ("ible", "", m_above_one),
            ("ant", "", m_above_one),
            ("ement", "", m_above_one),
            ("ment", "", m_above_one),
            ("ent", "", m_above_one),
            ("ion", "", ion),
            ("ou", "", m_above_one),
            ("ism", "", m_above_one),
            ("ate", "", m_above_one),
            ("iti", "", m_above_one),
            ("ous", "", m_above_one),
            ("ive", "", m_above_one),
            ("ize", "", m_above_one),
        ],
    );
}

fn step5(w: &mut Vec<u8>) {
    if w.ends_with(b"e") {
        let stem = &w[..w.len() - 1];
        let m = measure(stem);
        if m > 1 || (m == 1 && !ends_cvc(stem)) {
            w.pop();
        }
    }
    if w.ends_with(b"ll") && measure(&w[..w.len() - 1]) > 1 {
        w.pop();
    }
}

/// The stem of one lowercase ASCII word, as NLTK's `PorterStemmer().stem(word)`.
pub fn stem(word: &str) -> String {
    if let Some((_, to)) = IRREGULAR
        .iter()
        .chain(&IRREGULAR_MORE)
        .find(|(from, _)| *from == word)
    {
        return to.to_string();
    }
    if word.len() <= 2 || !word.is_ascii() {
        return word.to_string();
    }
    let mut w = word.as_bytes().to_vec();
    for step in [step1a, step1b, step1c, step2, step3, step4, step5] {
        step(&mut w);
    }
    String::from_utf8(w).expect("ASCII in, ASCII out")
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn nltk_examples() {
        // From NLTK's own documentation and test vectors.
        for (w, s) in [
            ("caresses", "caress"),
            ("ponies", "poni"),
            ("ties", "tie"),
            ("cats", "cat"),
            ("feed", "feed"),
            ("agreed", "agre"),
            ("plastered", "plaster"),
            ("motoring", "motor"),
            ("hopping", "hop"),
            ("filing", "file"),
            ("happy", "happi"),
            ("relational", "relat"),
            ("generously", "gener"),
            ("dying", "die"),
            ("skies", "sky"),
            ("controll", "control"),
            ("analogies", "analog"),
        ] {
            assert_eq!(stem(w), s, "{w}");
        }
    }
}
