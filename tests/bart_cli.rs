//! `nashra summarize` end to end on the tiny BART fixture: one document per line in, one
//! summary per line out, in order (empty lines stay empty), equal to transformers' summaries
//! (`tests/fixtures/bart/golden.json`, beam 4 with the model's settings); and a model without
//! BART's files fails with a message naming what is missing.

mod common;

use std::process::Output;

use common::{fixture, model_dir};
use serde_json::Value;

fn nashra(args: &[&str], stdin: &str) -> Output {
    let mut cmd = common::nashra();
    cmd.args(args)
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", "/nonexistent-hf-home");
    common::run_with_stdin(cmd, stdin)
}

#[test]
fn summarize_writes_one_summary_per_line_in_order() {
    let golden: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("bart/golden.json")).unwrap())
            .unwrap();
    let docs = golden["docs"].as_array().unwrap();
    let picked = [&docs[0], &docs[1], &docs[50], &docs[60]];
    // An empty line between the documents must come out as an empty line, in its place.
    let mut input = String::new();
    for (i, d) in picked.iter().enumerate() {
        if i == 2 {
            input.push('\n');
        }
        input.push_str(d["text"].as_str().unwrap());
        input.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("summaries.txt");
    let model = model_dir("bart-tiny");
    let out = nashra(
        &[
            "summarize",
            "--model-dir",
            model.to_str().unwrap(),
            "--output",
            out_path.to_str().unwrap(),
            "--threads",
            "2",
        ],
        &input,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read_to_string(&out_path).unwrap();
    let mut want: Vec<String> = picked
        .iter()
        .map(|d| d["beam4"]["text"].as_str().unwrap().trim().to_string())
        .collect();
    want.insert(2, String::new());
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
}

#[test]
fn a_translation_model_is_not_a_summarizer() {
    let model = model_dir("copy");
    let out = nashra(
        &["summarize", "--model-dir", model.to_str().unwrap()],
        "Hello.\n",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // Named by the first file a BART layout needs that a Marian folder lacks.
    assert!(err.contains("merges.txt"), "{err}");
}
