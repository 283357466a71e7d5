//! ROUGE against Google's `rouge-score` (tests/fixtures/rouge/make_expected.py made
//! expected.json with it), with and without its Porter stemmer, and `nashra eval --rouge`.

mod common;

use std::path::PathBuf;

use common::{fixture, lines_of, read_json};
use nashra::eval::rouge::{score, tokenize};
use nashra::eval::{corpus_rouge, Language, RougeOptions, Variant};
use serde_json::Value;

fn dir() -> PathBuf {
    fixture("rouge")
}

fn lines(name: &str) -> Vec<String> {
    lines_of(&dir().join(name))
}

fn expected() -> Value {
    read_json(&dir().join("expected.json"))
}

fn english(stem: bool) -> RougeOptions {
    RougeOptions {
        language: Language::English,
        stem,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn every_document_equals_rouge_score() {
    let e = expected();
    let hyps = lines("hyp.txt");
    let refs = [lines("ref.txt"), lines("ref2.txt")];
    for (key, stem) in [("plain", false), ("stem", true)] {
        let docs = e[key]["documents"].as_array().unwrap();
        assert_eq!(docs.len(), hyps.len());
        for (i, doc) in docs.iter().enumerate() {
            for (k, set) in refs.iter().enumerate() {
                let got = score(&set[i], &hyps[i], english(stem));
                for v in Variant::ALL {
                    let want = &doc[v.name()][k];
                    let p = got.get(v);
                    for (m, x) in [p.precision, p.recall, p.f1].into_iter().enumerate() {
                        let w = want[m].as_f64().unwrap();
                        assert!(
                            close(x, w),
                            "{key} doc {i} ref {k} {}[{m}]: {x} ≠ rouge-score {w}",
                            v.name()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn corpus_mean_over_two_references_equals_rouge_score() {
    let e = expected();
    let hyps = lines("hyp.txt");
    let refs = vec![lines("ref.txt"), lines("ref2.txt")];
    for (key, stem) in [("plain", false), ("stem", true)] {
        let c = corpus_rouge(&hyps, &refs, english(stem)).unwrap();
        for v in Variant::ALL {
            let want = &e[key]["corpus_mean_two_refs"][v.name()];
            for m in 0..3 {
                let got = c.intervals[v as usize][m];
                assert!(close(got.mean, want[m].as_f64().unwrap()), "{key} {v:?}");
                assert!(got.low <= got.mean && got.mean <= got.high);
            }
        }
    }
}

#[test]
fn porter_stems_equal_nltk() {
    let e = expected();
    let stems = e["porter"].as_object().unwrap();
    assert!(stems.len() > 1000);
    let mut wrong = Vec::new();
    for (word, want) in stems {
        let got = tokenize(word, english(true));
        if got != [want.as_str().unwrap()] {
            wrong.push(format!("{word}: {got:?} ≠ {want}"));
        }
    }
    assert!(wrong.is_empty(), "{} differ: {wrong:#?}", wrong.len());
}

fn nashra(args: &[&str]) -> std::process::Output {
    common::nashra().args(args).output().unwrap()
}

#[test]
fn cli_prints_rouge_score_figures() {
    let e = expected();
    let path = |n: &str| dir().join(n).display().to_string();
    let (h, r1, r2) = (path("hyp.txt"), path("ref.txt"), path("ref2.txt"));
    let out = nashra(&[
        "eval", "--rouge", "--stem", "--json", "--hyp", &h, "--ref", &r1, "--ref", &r2,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["documents"], 10);
    assert_eq!(json["references"], 2);
    for v in Variant::ALL {
        let want = e["stem"]["corpus_mean_two_refs"][v.name()][2]
            .as_f64()
            .unwrap();
        let got = json["rouge"][v.name()]["f1"]["mean"].as_f64().unwrap();
        assert!(close(got, want), "{v:?}");
    }
    // The text table shows F1 ×100 with two decimals, as rouge-score's figures print.
    let out = nashra(&["eval", "--rouge", "--hyp", &h, "--ref", &r1, "--ref", &r2]);
    let text = String::from_utf8(out.stdout).unwrap();
    let want = e["plain"]["corpus_mean_two_refs"]["rouge1"][2]
        .as_f64()
        .unwrap();
    assert!(text.contains(&format!("{:.2}", want * 100.0)), "{text}");

    // A reference with the wrong number of lines is an error naming the file.
    let out = nashra(&["eval", "--rouge", "--hyp", &h, "--ref", &path("words.txt")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("words.txt"));
}

#[test]
fn arabic_is_scored_where_rouge_score_sees_nothing() {
    let ar = RougeOptions {
        language: Language::Arabic,
        stem: false,
    };
    let s = score("أعلنت الحكومةُ الخطة.", "اعلنت الحكومة خطة جديدة", ar);
    // اعلنت and الحكومه match after folding; الخطه ≠ خطه without the stemmer.
    assert!(close(s.get(Variant::Rouge1).recall, 2.0 / 3.0));
    assert_eq!(
        score("الحكومة", "الحكومة", english(false))
            .get(Variant::Rouge1)
            .f1,
        0.0
    );
    let stem = RougeOptions { stem: true, ..ar };
    assert!(close(
        score("أعلنت الحكومةُ الخطة.", "اعلنت الحكومة خطة", stem)
            .get(Variant::Rouge1)
            .f1,
        1.0
    ));
}
