//! The engine on a model with opus-mt-tc-big-ar-en's traits (relu, `</s>` mid-vocabulary, a
//! float16 `pytorch_model.bin` without `final_logits_bias`) against transformers
//! (tests/fixtures/make_tcbig_fixture.py): token for token on at least 62 of 64 sentences,
//! greedy and beam 4, with the weights held in float16 where the packed kernel runs.

mod common;

use candle_core::DType;
use common::{
    assert_success, decode_golden_case, embedding, fixture, golden_mismatch, model_dir,
    pytorch_engine, read_json,
};
use nashra::translate::Engine;
use serde_json::Value;

/// The floor per case: a near-tie between two candidates may be broken differently by a
/// different (still f32) summation order.
const MIN_EXACT: usize = 62;

fn engine() -> Engine {
    pytorch_engine("tcbig")
}

fn golden() -> Value {
    read_json(&fixture("golden/tcbig_generate.json"))
}

/// Checks every case; returns `(case, exact, total)` per case and the mismatches.
fn check(engine: &Engine) -> (Vec<(String, usize, usize)>, Vec<String>) {
    let golden = golden();
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap().to_string();
        let outputs = case["outputs"].as_array().unwrap();
        let mut exact = 0;
        for (k, hyp) in decode_golden_case(engine, case).iter().enumerate() {
            match golden_mismatch(hyp, &outputs[k]) {
                Some(m) => failures.push(format!("{name} #{k}: {m}")),
                None => exact += 1,
            }
        }
        counts.push((name, exact, outputs.len()));
    }
    (counts, failures)
}

fn assert_parity(engine: &Engine) {
    let (counts, failures) = check(engine);
    assert_eq!(counts.len(), 2, "greedy and beam 4 cases expected");
    for (name, exact, total) in &counts {
        assert_eq!(*total, 64, "{name}");
        assert!(
            *exact >= MIN_EXACT,
            "{name}: {exact}/{total} exact\n{}",
            failures.join("\n")
        );
    }
}

#[test]
fn float16_checkpoint_stays_float16_and_matches_transformers() {
    let engine = engine();
    // Held as stored: the packed kernels widen the weights inside the tile.
    assert_eq!(engine.model().dtype(), DType::F16);
    assert_parity(&engine);
}

/// The same goldens through the portable kernels (plain Rust tiles, no SIMD intrinsics).
/// Other tests of this file may load while the variable is set; they pass either way.
#[test]
fn float16_checkpoint_matches_through_the_generic_kernels() {
    std::env::set_var("NASHRA_CPU", "generic");
    let engine = engine();
    std::env::remove_var("NASHRA_CPU");
    assert_eq!(engine.model().dtype(), DType::F16);
    assert_parity(&engine);
}

/// A checkpoint without `final_logits_bias` decodes as with zeros, and the embedding rows
/// read back from a float16 checkpoint are the stored values, widened.
#[test]
fn missing_final_bias_and_float16_embedding_rows() {
    let dir = model_dir("tcbig");
    let stored = candle_core::pickle::read_all(dir.join("pytorch_model.bin")).unwrap();
    assert!(stored.iter().all(|(_, t)| t.dtype() == DType::F16));
    assert!(stored.iter().all(|(n, _)| n != "final_logits_bias"));
    let shared = &stored
        .iter()
        .find(|(n, _)| n == "model.shared.weight")
        .unwrap()
        .1;
    let engine = engine();
    let eos = engine.special_tokens().eos;
    let want = shared
        .get(eos as usize)
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    assert_eq!(embedding(&engine, eos), want);
}

/// End to end through the command line (nashra's own tokenizer and batching): the text the
/// peer kit's golden_hf.py wrote, on at least 62 of 64 lines.
#[test]
fn translate_command_gives_the_reference_text() {
    let lines = &common::flores_ar()[..64];
    let input = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(input.path(), lines.join("\n") + "\n").unwrap();
    for (beam, golden) in [("1", "tcbig_greedy.en"), ("4", "tcbig_beam4.en")] {
        let out = common::nashra()
            .args(["translate", "--beam", beam, "--max-length", "96"])
            .args(["--threads", "2"])
            .arg("--model-dir")
            .arg(model_dir("tcbig"))
            .arg("--input")
            .arg(input.path())
            .output()
            .unwrap();
        assert_success(&out);
        let got = String::from_utf8(out.stdout).unwrap();
        let want = std::fs::read_to_string(fixture("golden").join(golden)).unwrap();
        let same = got
            .lines()
            .zip(want.lines())
            .filter(|(a, b)| a == b)
            .count();
        assert_eq!(got.lines().count(), 64);
        assert!(same >= MIN_EXACT, "beam {beam}: {same}/64 lines equal");
    }
}
