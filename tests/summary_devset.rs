//! The summarizer against human summaries: 55 articles of the Essex Arabic Summaries Corpus
//! with five human extractive summaries each (tests/fixtures/summaries/easc-dev, CC-BY-4.0).
//! Each article goes through the same cleaning as `nashra run`; nashra, LEAD-3, TextRank-3
//! and the greedy oracle choose k = 3 sentences; ROUGE-1/2/L F1 on Arabic-normalised tokens,
//! the mean over the five references, then over articles. Fails below the floors of the
//! summaries issue (ROUGE-1 ≥ LEAD-3 + 1.0, ROUGE-2 ≥ LEAD-3).
//!
//! `cargo test --test summary_devset -- --nocapture` prints the markdown table README's
//! "How summaries are chosen" shows.

use std::path::{Path, PathBuf};

use nashra::clean::{structure, BlockKind};
use nashra::eval::rouge::{score_multi, RougeScores};
use nashra::eval::{Language, RougeOptions, Variant};
use nashra::ingest::{decode, read_path};
use nashra::summarize::{self, baseline, Budget};

const K: usize = 3;

const ARABIC: RougeOptions = RougeOptions {
    language: Language::Arabic,
    stem: false,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/summaries/easc-dev")
}

/// An article as the summarizer sees it after cleaning, with its references.
struct Item {
    title: Option<String>,
    /// Body sentences: (original, normalised).
    sentences: Vec<(String, String)>,
    /// The five human summaries, each one line (its lines joined by tabs).
    refs: Vec<String>,
}

fn load() -> Vec<Item> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("articles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 55, "easc-dev has 55 articles");
    names.iter().map(|n| item(n)).collect()
}

fn item(name: &str) -> Item {
    let raw = read_path(&root().join("articles").join(name))
        .unwrap()
        .remove(0)
        .unwrap();
    let article = structure(&decode(&raw)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut title = None;
    let mut sentences = Vec::new();
    for b in &article.blocks {
        match b.kind {
            BlockKind::Title => title = Some(b.normalized.clone()),
            BlockKind::Heading => {}
            BlockKind::Paragraph => sentences.extend(
                b.sentences
                    .iter()
                    .map(|s| (s.original.clone(), s.normalized.clone())),
            ),
        }
    }
    let stem = name.trim_end_matches(".txt");
    let refs = ["A", "B", "C", "D", "E"]
        .iter()
        .map(|r| {
            let text = std::fs::read_to_string(root().join(format!("refs/{stem}.{r}.txt")))
                .unwrap_or_else(|e| panic!("{stem}.{r}: {e}"));
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    Item {
        title,
        sentences,
        refs,
    }
}

/// The summary line of the chosen sentences (original text, tab-separated).
fn summary(item: &Item, chosen: &[usize]) -> String {
    chosen
        .iter()
        .map(|&i| item.sentences[i].0.as_str())
        .collect::<Vec<_>>()
        .join("\t")
}

fn scores(item: &Item, chosen: &[usize]) -> RougeScores {
    score_multi(&item.refs, &summary(item, chosen), ARABIC)
}

/// The greedy oracle: adds the sentence that raises ROUGE-1 + ROUGE-2 F1 most, k times.
fn oracle(item: &Item, k: usize) -> Vec<usize> {
    let gain = |chosen: &[usize]| {
        let mut c = chosen.to_vec();
        c.sort_unstable();
        let s = scores(item, &c);
        s.get(Variant::Rouge1).f1 + s.get(Variant::Rouge2).f1
    };
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < k.min(item.sentences.len()) {
        let best = (0..item.sentences.len())
            .filter(|i| !chosen.contains(i))
            .map(|i| {
                let mut c = chosen.clone();
                c.push(i);
                (gain(&c), i)
            })
            .fold(None, |b: Option<(f64, usize)>, x| match b {
                Some(b) if b.0 >= x.0 => Some(b),
                _ => Some(x),
            });
        chosen.push(best.expect("a sentence is left").1);
    }
    chosen.sort_unstable();
    chosen
}

/// Mean ROUGE-1/2/L F1 ×100 of one system over the items.
fn mean_f1(items: &[Item], system: &dyn Fn(&Item) -> Vec<usize>) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for it in items {
        let chosen = system(it);
        assert!(
            chosen.windows(2).all(|w| w[0] < w[1]),
            "not in article order"
        );
        let s = scores(it, &chosen);
        for (acc, v) in sum
            .iter_mut()
            .zip([Variant::Rouge1, Variant::Rouge2, Variant::RougeL])
        {
            *acc += s.get(v).f1;
        }
    }
    sum.map(|x| 100.0 * x / items.len() as f64)
}

fn normalized(item: &Item) -> Vec<&str> {
    item.sentences.iter().map(|s| s.1.as_str()).collect()
}

fn nashra(item: &Item) -> Vec<usize> {
    summarize::choose(
        item.title.as_deref(),
        &normalized(item),
        Budget::Sentences(K),
    )
}

#[test]
fn summarizer_beats_the_lead_on_easc_dev() {
    let items = load();
    let systems: [(&str, &dyn Fn(&Item) -> Vec<usize>); 4] = [
        ("nashra", &nashra),
        ("LEAD-3", &|it: &Item| baseline::lead(it.sentences.len(), K)),
        ("TextRank-3", &|it: &Item| {
            baseline::textrank(&normalized(it), K)
        }),
        ("oracle (greedy best 3)", &|it: &Item| oracle(it, K)),
    ];
    let table: Vec<(&str, [f64; 3])> = systems
        .iter()
        .map(|(name, f)| (*name, mean_f1(&items, *f)))
        .collect();
    println!("| easc-dev (55 articles × 5 human summaries), k = 3 | ROUGE-1 | ROUGE-2 | ROUGE-L |");
    println!("| --- | --- | --- | --- |");
    for (name, [r1, r2, rl]) in &table {
        println!("| {name} | {r1:.1} | {r2:.1} | {rl:.1} |");
    }
    let (ours, lead) = (table[0].1, table[1].1);
    assert!(
        ours[0] >= lead[0] + 1.0,
        "ROUGE-1 {:.2} < LEAD-3 {:.2} + 1.0",
        ours[0],
        lead[0]
    );
    assert!(
        ours[1] >= lead[1],
        "ROUGE-2 {:.2} < LEAD-3 {:.2}",
        ours[1],
        lead[1]
    );
}
