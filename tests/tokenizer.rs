//! The tokenizer against transformers' MarianTokenizer (golden ids from
//! tests/fixtures/make_fixtures.py): every FLORES dev sentence, every line of the seed
//! articles, edge cases; decoding with both fixture models.

mod common;

use common::{fixture, ids, model_dir};
use nashra::translate::tokenizer::MarianTokenizer;
use serde_json::Value;

fn golden() -> Value {
    let text = std::fs::read_to_string(fixture("golden/tokenizer.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn tokenizer(model: &str) -> MarianTokenizer {
    MarianTokenizer::from_dir(&model_dir(model)).unwrap()
}

#[test]
fn encode_matches_marian_tokenizer_everywhere() {
    let tok = tokenizer("copy");
    let flores = common::flores_ar();
    let g = golden();
    let mut failures = Vec::new();
    let mut groups = std::collections::BTreeMap::<String, usize>::new();
    for case in g["encode"].as_array().unwrap() {
        let group = case["group"].as_str().unwrap().to_string();
        let text = match case.get("text") {
            Some(t) => t.as_str().unwrap().to_string(),
            None => flores[case["line"].as_u64().unwrap() as usize].clone(),
        };
        *groups.entry(group.clone()).or_default() += 1;
        let want = ids(&case["ids"]);
        let got = tok.encode(&text);
        if got != want {
            failures.push(format!(
                "[{group}] {text:?}\n  got  {got:?}\n  want {want:?}"
            ));
        }
    }
    assert_eq!(groups["flores"], 997);
    assert!(groups["seeds"] > 100);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn decode_matches_marian_tokenizer() {
    let g = golden();
    for (model, key) in [("copy", "decode"), ("aren", "target_model_decode")] {
        let tok = tokenizer(model);
        for case in g[key].as_array().unwrap() {
            let want = case["text"].as_str().unwrap();
            assert_eq!(
                tok.decode(&ids(&case["ids"])),
                want,
                "{model}: {:?}",
                case["ids"]
            );
        }
    }
}

#[test]
fn generated_texts_decode_like_the_reference() {
    let text = std::fs::read_to_string(fixture("golden/generate.json")).unwrap();
    let g: Value = serde_json::from_str(&text).unwrap();
    for case in g["cases"].as_array().unwrap() {
        let tok = tokenizer(case["model"].as_str().unwrap());
        for out in case["outputs"].as_array().unwrap() {
            assert_eq!(tok.decode(&ids(&out["ids"])), out["text"].as_str().unwrap());
        }
    }
}

#[test]
fn missing_and_corrupt_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = MarianTokenizer::from_dir(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("source.spm"), "{err}");
    let model = model_dir("copy");
    for f in ["source.spm", "target.spm", "vocab.json"] {
        std::fs::copy(model.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("vocab.json"), "{\"a\": 1}").unwrap();
    let err = MarianTokenizer::from_dir(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("vocab.json") && err.contains("</s>"), "{err}");
    std::fs::write(dir.path().join("source.spm"), b"\xff\xfe garbage").unwrap();
    let err = MarianTokenizer::from_dir(dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("source.spm") && err.contains("sentencepiece"),
        "{err}"
    );
}
