//! BLEU and chrF against sacreBLEU 2.6.0's figures (tests/fixtures/eval/make_expected.py), and
//! `nashra eval`'s errors.

mod common;

use std::path::PathBuf;

use common::{assert_success, fixture, model_dir, read_json};
use nashra::eval::{corpus_bleu, corpus_chrf};
use serde_json::Value;

fn dir() -> PathBuf {
    fixture("eval")
}

fn lines(name: &str) -> Vec<String> {
    common::lines_of(&dir().join(name))
}

fn expected() -> Value {
    read_json(&dir().join("expected.json"))
}

#[test]
fn corpus_scores_equal_sacrebleu() {
    let e = expected();
    let hyps = lines("hyp.txt");
    for (key, refs) in [
        ("one_ref", vec![lines("ref.txt")]),
        ("two_refs", vec![lines("ref.txt"), lines("ref2.txt")]),
    ] {
        let want = &e[key];
        let b = corpus_bleu(&hyps, &refs).unwrap();
        assert_eq!(b.to_string(), want["bleu"].as_str().unwrap(), "{key}");
        assert_eq!(b.hyp_len as u64, want["sys_len"].as_u64().unwrap());
        assert_eq!(b.ref_len as u64, want["ref_len"].as_u64().unwrap());
        assert!((b.score - want["bleu_score"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(b.signature, want["bleu_signature"].as_str().unwrap());
        let c = corpus_chrf(&hyps, &refs).unwrap();
        assert_eq!(c.to_string(), want["chrf"].as_str().unwrap(), "{key}");
        assert!((c.score - want["chrf_score"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(c.signature, want["chrf_signature"].as_str().unwrap());
    }
}

#[test]
fn edge_cases_equal_sacrebleu() {
    let e = expected();
    let cases: [(&str, Vec<&str>, Vec<&str>); 3] = [
        ("all_empty", vec!["", ""], vec!["a b", "c"]),
        ("no_4grams", vec!["the cat sat"], vec!["the cat sat on"]),
        (
            "smoothing",
            vec!["a b c d e f", "x y"],
            vec!["a b c q e f", "x z"],
        ),
    ];
    for (key, hyps, refs) in cases {
        assert_eq!(
            corpus_bleu(&hyps, std::slice::from_ref(&refs))
                .unwrap()
                .to_string(),
            e[key]["bleu"].as_str().unwrap(),
            "{key}"
        );
        assert_eq!(
            corpus_chrf(&hyps, &[refs]).unwrap().to_string(),
            e[key]["chrf"].as_str().unwrap(),
            "{key}"
        );
    }
}

fn nashra(args: &[&str]) -> std::process::Output {
    common::nashra()
        .args(args)
        .current_dir(dir())
        .output()
        .unwrap()
}

#[test]
fn cli_prints_sacrebleu_lines_and_json() {
    let o = nashra(&["eval", "--hyp", "hyp.txt", "--ref", "ref.txt"]);
    assert_success(&o);
    let out = String::from_utf8(o.stdout).unwrap();
    let e = expected();
    assert!(out.contains(e["one_ref"]["bleu"].as_str().unwrap()));
    assert!(out.contains(e["one_ref"]["chrf"].as_str().unwrap()));
    let o = nashra(&[
        "eval", "--hyp", "hyp.txt", "--ref", "ref.txt", "--ref", "ref2.txt", "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!((v["bleu"].as_f64().unwrap() - 78.83).abs() < 1e-9);
    assert_eq!(v["signatures"]["bleu"], e["two_refs"]["bleu_signature"]);
    assert_eq!(v["signatures"]["chrf"], e["two_refs"]["chrf_signature"]);
}

#[test]
fn cli_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let short = tmp.path().join("short.txt");
    std::fs::write(&short, "one line\n").unwrap();
    let bad = tmp.path().join("bad.txt");
    std::fs::write(&bad, b"ok\n\xff\xfe\n").unwrap();
    let ref_txt = dir().join("ref.txt");
    let r = ref_txt.to_str().unwrap();
    let cases = [
        (empty.to_str().unwrap(), "empty"),
        (short.to_str().unwrap(), "has 1 lines but"),
        (bad.to_str().unwrap(), "line 2 is not valid UTF-8"),
        ("/nonexistent/hyp.txt", "/nonexistent/hyp.txt"),
    ];
    for (hyp, msg) in cases {
        let o = nashra(&["eval", "--hyp", hyp, "--ref", r]);
        assert_eq!(o.status.code(), Some(1), "{hyp}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{hyp}: {err}");
    }
}

#[test]
fn eval_src_translates_then_scores() {
    let model = model_dir("copy");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.ar");
    let first = &common::flores_ar()[..8];
    std::fs::write(&src, first.join("\n") + "\n").unwrap();
    // The copy model reproduces the start of its (Arabic) input (it was trained on 24-token
    // prefixes): against the source itself, precision is high and recall partial.
    let o = common::nashra()
        .args(["eval", "--src"])
        .arg(&src)
        .arg("--ref")
        .arg(&src)
        .args(["--json", "--beam", "1", "--max-length", "96", "--model-dir"])
        .arg(&model)
        .output()
        .unwrap();
    assert_success(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["bleu_detail"]["precisions"][0].as_f64().unwrap() > 60.0,
        "{v}"
    );
    assert!(v["chrf"].as_f64().unwrap() > 20.0, "{v}");
    assert_eq!(v["sentences"], 8);
}
