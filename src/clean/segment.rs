//! Splitting a sentence too long for a model into clauses. Sentence segmentation itself is
//! [`crate::text::segment`].

/// Conjunctions and connectives at which an over-long Arabic sentence can be cut (before the
/// word).
const CONNECTIVES: [&str; 12] = [
    "ثم",
    "لكن",
    "ولكن",
    "بينما",
    "حيث",
    "إذ",
    "أو",
    "بل",
    "كما",
    "وكان",
    "فيما",
    "وقال",
];

/// Splits a sentence that does not fit (`fits` says whether a piece fits the model) into
/// parts that do: at clause punctuation (، ؛ , ; :) first, then before connectives (ثم، لكن،
/// بينما…, or a word starting with و after a comma), then at whitespace — each time at the
/// candidate nearest the middle, recursively. A part that is a single word is returned even if
/// it does not fit (the caller must cope). Parts concatenate back to the input modulo
/// whitespace.
pub fn split_long(sentence: &str, fits: &dyn Fn(&str) -> bool) -> Vec<String> {
    let s = sentence.trim();
    if s.is_empty() {
        return Vec::new();
    }
    if fits(s) {
        return vec![s.to_string()];
    }
    let Some(cut) = best_cut(s) else {
        return vec![s.to_string()];
    };
    let (left, right) = s.split_at(cut);
    let mut parts = split_long(left, fits);
    parts.extend(split_long(right, fits));
    parts
}

/// The byte offset to cut `s` at: the best-ranked kind of boundary present, nearest the middle.
fn best_cut(s: &str) -> Option<usize> {
    let middle = s.len() / 2;
    let mut levels: [Vec<usize>; 3] = Default::default();
    let mut prev: Option<char> = None;
    for (pos, c) in s.char_indices() {
        if c.is_whitespace() && pos > 0 {
            let after = pos + c.len_utf8();
            let next_word = s[after..].split_whitespace().next().unwrap_or("");
            if matches!(prev, Some('،' | '؛' | ',' | ';' | ':')) {
                levels[0].push(after);
            } else if CONNECTIVES.contains(&next_word) {
                levels[1].push(after);
            } else {
                levels[2].push(after);
            }
        }
        prev = Some(c);
    }
    levels.into_iter().find_map(|cands| {
        cands
            .into_iter()
            .filter(|&p| p > 0 && p < s.len())
            .min_by_key(|&p| p.abs_diff(middle))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_long_prefers_commas_then_connectives_then_middle() {
        let fits = |s: &str| s.split_whitespace().count() <= 4;
        let parts = split_long("ذهب الوفد إلى القاهرة، ثم عاد إلى الرياض بعد يومين", &fits);
        assert_eq!(
            parts,
            vec!["ذهب الوفد إلى القاهرة،", "ثم عاد إلى", "الرياض بعد يومين"]
        );
        let joined: String = parts.concat().split_whitespace().collect();
        let original: String = "ذهب الوفد إلى القاهرة، ثم عاد إلى الرياض بعد يومين"
            .split_whitespace()
            .collect();
        assert_eq!(joined, original);
    }

    #[test]
    fn split_long_gives_up_on_a_single_word() {
        assert_eq!(split_long("كلمة", &|_| false), vec!["كلمة"]);
        assert!(split_long("   ", &|_| true).is_empty());
    }
}
