//! Where the sources of a story differ: a figure (a toll, an amount, a day of the month)
//! that closely matching sentences of two sources give differently.
//!
//! Precise rather than complete. A figure is a number with what it counts: the content word
//! right after it (`12 قتيلا`, `13 فبراير`, `50 %`), else the one right before it (`عام
//! 2025`); years (four digits, 1900–2100, no separator) are a kind of their own, so `2014`
//! is never compared with `12 عاما`. Two sentences of different sources are compared only
//! when they share most of their content words, and a figure only with the figure that counts
//! the same thing. A pair differs when each sentence has exactly one figure of that kind and
//! thing and the values differ. Arabic-Indic digits count as ASCII ones, `١٬٢٠٠` and `1,200`
//! are 1200, `٣٫٥` is 3.5.

use std::collections::{BTreeMap, BTreeSet};

use super::terms::{content_word, folded};
use super::{Pick, Report};
use crate::disjoint_sets::DisjointSets;

/// Fewest content words (numbers aside) two sentences must share to be compared.
const MIN_SHARED_WORDS: usize = 3;
/// The share of the shorter sentence's content words the two must share.
const MIN_OVERLAP: f32 = 0.5;

/// One story difference: the figure as the first report gives it, then every report's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The sentence that stands for the difference (of the earliest report in the input).
    pub at: Pick,
    /// Each report's figure and the sentence it is in, in report order (one per report).
    pub values: Vec<(Pick, String)>,
}

/// What a number counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Counted {
    /// A year; the word beside it says which event's.
    Year(String),
    /// A count, amount, share or day, by the word that follows it (or precedes it).
    Thing(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number {
        value: String,
        year: bool,
    },
    /// `1.500`: 1.5 in one site's style, 1500 in another's; never compared.
    Unclear,
    Percent,
}

/// A sentence as differences read it: its content words and its figures.
struct Read {
    words: BTreeSet<String>,
    figures: BTreeMap<Counted, Vec<String>>,
}

/// The tokens of an Arabic sentence: content words, numbers (separators resolved), `%`.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = folded(text).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let (token, end) = number_at(&chars, i);
            out.push(token);
            i = end;
        } else if c.is_alphanumeric() {
            let start = i;
            // Digits end a word: `و15` is "and 15".
            while i < chars.len() && chars[i].is_alphanumeric() && !chars[i].is_ascii_digit() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.extend(content_word(&word).map(Token::Word));
        } else {
            if c == '%' || c == '٪' {
                out.push(Token::Percent);
            }
            i += 1;
        }
    }
    out
}

/// The number starting at `start`: digits with thousands groups (`,` or `٬` before exactly
/// three digits) and one decimal part (`٫`, or `.` unless it could be a thousands point);
/// its value written without separators.
fn number_at(chars: &[char], start: usize) -> (Token, usize) {
    let digit = |k: usize| chars.get(k).is_some_and(|c| c.is_ascii_digit());
    let mut int = String::new();
    let mut i = start;
    let mut grouped = false;
    loop {
        while digit(i) {
            int.push(chars[i]);
            i += 1;
        }
        let group = matches!(chars.get(i), Some(',' | '٬'))
            && (1..=3).all(|k| digit(i + k))
            && !digit(i + 4);
        if !group {
            break;
        }
        grouped = true;
        i += 1;
    }
    let mut frac = String::new();
    let point = chars.get(i).copied();
    let three_after = (1..=3).all(|k| digit(i + k)) && !digit(i + 4);
    if point == Some('.') && three_after && !grouped && int.len() <= 3 {
        return (Token::Unclear, i + 4);
    }
    if matches!(point, Some('.' | '٫')) && digit(i + 1) {
        i += 1;
        while digit(i) {
            frac.push(chars[i]);
            i += 1;
        }
    }
    let int_value = int.trim_start_matches('0');
    let int_value = if int_value.is_empty() { "0" } else { int_value };
    let frac = frac.trim_end_matches('0');
    let year = !grouped
        && frac.is_empty()
        && int.len() == 4
        && (1900..=2100).contains(&int.parse::<u32>().unwrap_or(0));
    let value = if frac.is_empty() {
        int_value.to_string()
    } else {
        format!("{int_value}.{frac}")
    };
    (Token::Number { value, year }, i)
}

/// The counted word as figures compare it: without the accusative alef of `قتيلا`, `شخصا`.
fn counted_word(w: &str) -> String {
    match w.strip_suffix('ا') {
        Some(rest) if rest.chars().count() > 2 => rest.to_string(),
        _ => w.to_string(),
    }
}

fn read(ar: &str) -> Read {
    let tokens = tokens(ar);
    let mut words = BTreeSet::new();
    let mut figures: BTreeMap<Counted, Vec<String>> = BTreeMap::new();
    for (k, t) in tokens.iter().enumerate() {
        match t {
            Token::Word(w) => {
                words.insert(w.clone());
            }
            Token::Number { value, year } => {
                let after = match tokens.get(k + 1) {
                    Some(Token::Word(w)) => Some(counted_word(w)),
                    Some(Token::Percent) => Some("%".to_string()),
                    _ => None,
                };
                let before = || match k.checked_sub(1).map(|j| &tokens[j]) {
                    Some(Token::Word(w)) => Some(format!("{} …", counted_word(w))),
                    _ => None,
                };
                let Some(word) = after.or_else(before) else {
                    continue;
                };
                let counted = if *year {
                    Counted::Year(word)
                } else {
                    Counted::Thing(word)
                };
                figures.entry(counted).or_default().push(value.clone());
            }
            Token::Unclear | Token::Percent => {}
        }
    }
    Read { words, figures }
}

/// Whether two sentences say closely the same thing, figures aside.
fn close(a: &Read, b: &Read) -> bool {
    let shared = a.words.intersection(&b.words).count();
    let shorter = a.words.len().min(b.words.len()).max(1);
    shared >= MIN_SHARED_WORDS && shared as f32 / shorter as f32 >= MIN_OVERLAP
}

/// Whether two reports may be compared: different articles of different (or unknown) sources.
fn other_source(reports: &[Report], a: usize, b: usize) -> bool {
    a != b
        && match (reports[a].source, reports[b].source) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        }
}

/// A figure of one sentence: where it is, what it counts, its value.
struct Node {
    at: Pick,
    counted: Counted,
    value: String,
}

/// Every figure that is alone of its kind in its sentence (two tolls in one sentence are
/// ambiguous), in report and sentence order.
fn nodes(reads: &[Vec<Read>]) -> Vec<Node> {
    let mut out = Vec::new();
    for (report, sentences) in reads.iter().enumerate() {
        for (sentence, read) in sentences.iter().enumerate() {
            for (counted, values) in &read.figures {
                if let [value] = values.as_slice() {
                    out.push(Node {
                        at: Pick { report, sentence },
                        counted: counted.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The differences between `reports` (the most central first), in the order of the sentence
/// that stands for each.
pub fn differences(reports: &[Report]) -> Vec<Difference> {
    let reads: Vec<Vec<Read>> = reports
        .iter()
        .map(|r| r.sentences.iter().map(|s| read(s.0)).collect())
        .collect();
    let nodes = nodes(&reads);
    // Only figures of the same thing are compared: pairs within each thing's figures.
    let mut by_thing: BTreeMap<&Counted, Vec<usize>> = BTreeMap::new();
    for (x, n) in nodes.iter().enumerate() {
        by_thing.entry(&n.counted).or_default().push(x);
    }
    let mut sets = DisjointSets::new(nodes.len());
    for same in by_thing.values() {
        for (i, &x) in same.iter().enumerate() {
            for &y in &same[i + 1..] {
                let (a, b) = (&nodes[x], &nodes[y]);
                let differ = a.value != b.value
                    && other_source(reports, a.at.report, b.at.report)
                    && close(
                        &reads[a.at.report][a.at.sentence],
                        &reads[b.at.report][b.at.sentence],
                    );
                if differ {
                    sets.union(x, y);
                }
            }
        }
    }
    let mut out: Vec<Difference> = sets
        .into_groups()
        .into_iter()
        .filter(|g| g.len() > 1)
        .map(|g| {
            // Nodes are in report order: the first of each report stands for it.
            let mut values: Vec<(Pick, String)> = Vec::new();
            for x in g {
                let n = &nodes[x];
                if values.iter().all(|(p, _)| p.report != n.at.report) {
                    values.push((n.at, n.value.clone()));
                }
            }
            Difference {
                at: values[0].0,
                values,
            }
        })
        .collect();
    out.sort_by_key(|d| (d.at.report, d.at.sentence));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report<'a>(source: &'a str, sentences: &[&'a str]) -> Report<'a> {
        Report {
            source: Some(source),
            sentences: sentences.iter().map(|s| (*s, "")).collect(),
            summary_len: sentences.len(),
        }
    }

    /// `(report, value)` of each difference.
    fn found(reports: &[Report]) -> Vec<Vec<(usize, String)>> {
        differences(reports)
            .into_iter()
            .map(|d| d.values.into_iter().map(|(p, v)| (p.report, v)).collect())
            .collect()
    }

    /// What two one-sentence reports from two sources differ on.
    fn found_between(a: &str, b: &str) -> Vec<Vec<(usize, String)>> {
        found(&[report("أ", &[a]), report("ب", &[b])])
    }

    const TOLL_12: &str = "أعلنت وزارة الصحة في غزة مقتل 12 شخصا في القصف على مخيم جباليا";
    const TOLL_15: &str = "وزارة الصحة في غزة تعلن مقتل ١٥ شخصاً جراء القصف على مخيم جباليا";

    #[test]
    fn a_toll_two_sources_give_differently_is_found() {
        let reports = [report("أ", &[TOLL_12]), report("ب", &["خبر آخر", TOLL_15])];
        assert_eq!(
            found(&reports),
            vec![vec![(0, "12".to_string()), (1, "15".to_string())]]
        );
        let d = &differences(&reports)[0];
        assert_eq!((d.at.report, d.at.sentence), (0, 0));
        assert_eq!((d.values[1].0.report, d.values[1].0.sentence), (1, 1));
    }

    /// Asserts that none of `pairs` of one-sentence reports is a difference.
    fn assert_no_difference(pairs: &[(&str, &str, &str)]) {
        for (why, a, b) in pairs {
            assert!(found_between(a, b).is_empty(), "{why}: {a} / {b}");
        }
    }

    #[test]
    fn equal_figures_are_not_differences() {
        let a = "اعتقلت الشرطة 1,200 متظاهر في العاصمة بعد احتجاجات الجمعة";
        assert_no_difference(&[
            (
                "the same toll, other digits",
                TOLL_12,
                "وزارة الصحة في غزة تعلن مقتل ١٢ شخصاً جراء القصف على مخيم جباليا",
            ),
            (
                "separators and digits of either kind: 1,200 is ١٬٢٠٠",
                a,
                "الشرطة اعتقلت ١٬٢٠٠ متظاهر في العاصمة إثر احتجاجات الجمعة",
            ),
            (
                "1.500 is 1500 on some sites and 1.5 on others: not compared",
                a,
                "الشرطة اعتقلت 1.500 متظاهر في العاصمة إثر احتجاجات الجمعة",
            ),
        ]);
        let c = "الشرطة اعتقلت 1,500 متظاهر في العاصمة إثر احتجاجات الجمعة";
        assert_eq!(
            found_between(a, c),
            vec![vec![(0, "1200".to_string()), (1, "1500".to_string())]]
        );
    }

    #[test]
    fn unrelated_numbers_are_not_differences() {
        assert_no_difference(&[
            (
                "different counted things in closely matching sentences",
                TOLL_12,
                "أعلنت وزارة الصحة في غزة تدمير 15 دبابة في القصف على مخيم جباليا",
            ),
            (
                "a year and a count of years",
                "تحاصر القوات مدينة غزة ومخيم جباليا منذ عام 2014 بحسب وزارة الصحة",
                "تحاصر القوات مدينة غزة ومخيم جباليا منذ 12 عاما بحسب وزارة الصحة",
            ),
            (
                "the same counted thing in sentences about other things",
                TOLL_12,
                "قتل 15 شخصا في حادث سير على الطريق الصحراوي قرب القاهرة مساء الجمعة",
            ),
            (
                "two figures of one kind in a sentence are ambiguous",
                TOLL_12,
                "وزارة الصحة في غزة تعلن مقتل 15 شخصا و20 شخصا جراء القصف على مخيم جباليا",
            ),
        ]);
    }

    #[test]
    fn one_source_is_not_compared_with_itself() {
        assert!(found(&[report("أ", &[TOLL_12]), report("أ", &[TOLL_15])]).is_empty());
        let unnamed = Report {
            source: None,
            sentences: vec![(TOLL_15, "")],
            summary_len: 1,
        };
        assert_eq!(found(&[report("أ", &[TOLL_12]), unnamed]).len(), 1);
    }

    #[test]
    fn a_third_source_joins_the_difference() {
        let again = "قالت وزارة الصحة في غزة إن القصف على مخيم جباليا أدى إلى مقتل 12 شخصا";
        let reports = [
            report("أ", &[TOLL_12]),
            report("ب", &[TOLL_15]),
            report("ج", &[again]),
        ];
        assert_eq!(
            found(&reports),
            vec![vec![
                (0, "12".to_string()),
                (1, "15".to_string()),
                (2, "12".to_string())
            ]]
        );
    }

    #[test]
    fn numbers_are_read_with_their_separators() {
        let t = tokens("بلغت 3٫5 مليار و٪20 و 2025 و١٬٠٠٠ و1,20 و2.75 و1.500");
        let numbers: Vec<(String, bool)> = t
            .into_iter()
            .filter_map(|t| match t {
                Token::Number { value, year } => Some((value, year)),
                _ => None,
            })
            .collect();
        let n = |v: &str, y| (v.to_string(), y);
        assert_eq!(
            numbers,
            vec![
                n("3.5", false),
                n("20", false),
                n("2025", true),
                n("1000", false),
                n("1", false),
                n("20", false),
                n("2.75", false)
            ]
        );
    }
}
