//! A second, held-out look at the summarizer, on news of other kinds than easc-dev: the 40
//! dev-set pages (tests/fixtures/devset, 40 sites, six topics; its weights were never fitted
//! on them), each scored against its own headline as a one-sentence editor's summary — the
//! kind of reference the summaries issue's held-out news set has. The headline is the
//! reference, so the summarizer does not see it here (no leak). ROUGE F1 on
//! Arabic-normalised tokens, k = 3.
//!
//! `cargo test --test summary_news_proxy -- --nocapture` prints the table.

mod common;

use nashra::clean::{structure, BlockKind};
use nashra::eval::rouge::score_multi;
use nashra::eval::{Language, RougeOptions, Variant};
use nashra::ingest::{decode, read_path};
use nashra::summarize::{self, baseline, Budget, Params};

const K: usize = 3;

struct Page {
    headline: String,
    /// Body sentences: (original, normalised).
    sentences: Vec<(String, String)>,
}

fn pages() -> Vec<Page> {
    let mut names: Vec<_> = std::fs::read_dir(common::devset())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 40);
    names
        .iter()
        .filter_map(|path| {
            let raw = read_path(path).unwrap().remove(0).unwrap();
            let article = structure(&decode(&raw)).ok()?;
            let mut headline = None;
            let mut sentences = Vec::new();
            for b in &article.blocks {
                match b.kind {
                    BlockKind::Title => headline = Some(b.text.clone()),
                    BlockKind::Heading => {}
                    BlockKind::Paragraph => sentences.extend(
                        b.sentences
                            .iter()
                            .map(|s| (s.original.clone(), s.normalized.clone())),
                    ),
                }
            }
            let headline = headline?;
            (sentences.len() > K).then_some(Page {
                headline,
                sentences,
            })
        })
        .collect()
}

fn mean(pages: &[Page], system: &System) -> [f64; 3] {
    let options = RougeOptions {
        language: Language::Arabic,
        stem: false,
    };
    let mut sum = [0.0; 3];
    for p in pages {
        let chosen = system(p);
        let text: Vec<&str> = chosen.iter().map(|&i| p.sentences[i].0.as_str()).collect();
        let s = score_multi(std::slice::from_ref(&p.headline), &text.join("\t"), options);
        for (acc, v) in sum
            .iter_mut()
            .zip([Variant::Rouge1, Variant::Rouge2, Variant::RougeL])
        {
            *acc += s.get(v).f1;
        }
    }
    sum.map(|x| 100.0 * x / pages.len() as f64)
}

/// A summarizer under test: the chosen sentences of a page.
type System = dyn Fn(&Page) -> Vec<usize>;

fn normalized(p: &Page) -> Vec<&str> {
    p.sentences.iter().map(|s| s.1.as_str()).collect()
}

#[test]
fn summaries_against_the_headline_on_news_the_weights_never_saw() {
    let pages = pages();
    let with = |params: Params| {
        move |p: &Page| summarize::choose_with(&params, None, &normalized(p), Budget::Sentences(K))
    };
    let no_lead = with(Params {
        lead: false,
        ..Params::DEFAULT
    });
    let systems: [(&str, &System); 4] = [
        ("nashra (headline unseen)", &with(Params::DEFAULT)),
        ("nashra without the lead rule", &no_lead),
        ("LEAD-3", &|p: &Page| baseline::lead(p.sentences.len(), K)),
        ("TextRank-3", &|p: &Page| {
            baseline::textrank(&normalized(p), K)
        }),
    ];
    println!(
        "| dev-set pages ({} with a headline), reference = headline, k = 3 | ROUGE-1 | ROUGE-2 | ROUGE-L |",
        pages.len()
    );
    println!("| --- | --- | --- | --- |");
    let table: Vec<[f64; 3]> = systems.iter().map(|(_, f)| mean(&pages, *f)).collect();
    for ((name, _), [r1, r2, rl]) in systems.iter().zip(&table) {
        println!("| {name} | {r1:.1} | {r2:.1} | {rl:.1} |");
    }
}
