//! Fitting a sentence to the model: the encoder reads at most a fixed number of source
//! tokens, and a sentence is never truncated. In order of preference, a sentence too long is
//! split at clause boundaries ([`split_long`]: clause punctuation, connectives, then
//! whitespace); a part that is still too long (one "word" with no boundary) is cut into
//! token chunks ([`token_chunks`]). Before any of this, a sentence of absurd length (a page
//! with no punctuation) is hard-cut at whitespace by characters ([`hard_cut`]), so that the
//! splitting, which tokenises candidates, only ever sees short inputs.

use super::tokenizer::MarianTokenizer;

/// Longest sentence handed to the translator, in characters: ten times a long news
/// sentence, well beyond anything the segmenter emits for real prose.
pub const MAX_SENTENCE_CHARS: usize = 2_000;

/// The token sequences (each closed by `</s>`, each at most `max_tokens` long) that `text` is
/// translated as: one when it fits, else its clause splits, a part with no boundary left cut
/// into token chunks. Nothing is dropped.
pub fn units(text: &str, tokenizer: &MarianTokenizer, max_tokens: usize) -> Vec<Vec<u32>> {
    let ids = tokenizer.encode(text);
    if ids.len() <= max_tokens {
        return vec![ids];
    }
    let fits = |s: &str| tokenizer.encode(s).len() <= max_tokens;
    let mut units = Vec::new();
    for part in split_long(text, &fits) {
        let ids = tokenizer.encode(&part);
        if ids.len() <= max_tokens {
            units.push(ids);
        } else {
            units.extend(token_chunks(&ids, max_tokens, tokenizer.eos_id()));
        }
    }
    units
}

/// `ids` (closed by `</s>`) cut into runs of at most `max_tokens - 1` tokens, each closed by
/// `eos`: the last resort for a single "word" longer than the model.
pub fn token_chunks(ids: &[u32], max_tokens: usize, eos: u32) -> Vec<Vec<u32>> {
    let body = &ids[..ids.len().saturating_sub(1)];
    body.chunks(max_tokens.saturating_sub(1).max(1))
        .map(|run| {
            let mut chunk = run.to_vec();
            chunk.push(eos);
            chunk
        })
        .collect()
}

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

/// `text` cut into pieces of at most `max` characters, at the last whitespace before the
/// limit when there is one (else mid-word, at a character boundary). Linear in `text`.
pub fn hard_cut(text: &str, max: usize) -> Vec<&str> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let end = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        if end == rest.len() {
            out.push(rest);
            break;
        }
        let cut = if rest[end..].starts_with(char::is_whitespace) {
            end
        } else {
            rest[..end]
                .rfind(char::is_whitespace)
                .filter(|&i| i > 0)
                .unwrap_or(end)
        };
        out.push(rest[..cut].trim_end());
        rest = rest[cut..].trim_start();
    }
    out
}

/// Cuts every item of `items` whose text is longer than `max` characters into [`hard_cut`]
/// pieces, in place and in order; `make` builds an item from a piece. Returns how many items
/// were cut.
pub fn cap_chars<T>(
    items: &mut Vec<T>,
    max: usize,
    text: impl Fn(&T) -> &str,
    make: impl Fn(&str) -> T,
) -> usize {
    if items.iter().all(|s| text(s).chars().count() <= max) {
        return 0;
    }
    let mut cut = 0;
    for item in std::mem::take(items) {
        if text(&item).chars().count() <= max {
            items.push(item);
            continue;
        }
        cut += 1;
        items.extend(hard_cut(text(&item), max).into_iter().map(&make));
    }
    cut
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

    #[test]
    fn hard_cut_cuts_at_whitespace_and_never_exceeds_the_limit() {
        assert_eq!(hard_cut("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(hard_cut("abcdefgh", 3), vec!["abc", "def", "gh"]);
        let long = "كلمة ".repeat(10_000);
        let p = hard_cut(&long, 100);
        assert!(p.iter().all(|p| p.chars().count() <= 100 && !p.is_empty()));
        assert_eq!(p.concat().replace(' ', ""), long.replace(' ', ""));
    }

    #[test]
    fn token_chunks_close_every_run_and_drop_nothing() {
        let chunks = token_chunks(&[1, 2, 3, 4, 5, 0], 3, 0);
        assert_eq!(chunks, vec![vec![1, 2, 0], vec![3, 4, 0], vec![5, 0]]);
    }

    #[test]
    fn cap_chars_cuts_only_long_items() {
        let mut items = vec!["short".to_string(), "aa bb cc".to_string(), "x".to_string()];
        let cut = cap_chars(&mut items, 5, |s| s.as_str(), str::to_string);
        assert_eq!(cut, 1);
        assert_eq!(items, vec!["short", "aa bb", "cc", "x"]);
    }
}
