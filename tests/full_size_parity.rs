//! Parity on a full-size random model of opus-mt-ar-en's shape (run by hand; see
//! tests/fixtures/full_size_reference.py). Ignored by default: the model is 300 MB and is not
//! committed.

mod common;

use std::path::PathBuf;

use candle_core::{Device, Tensor};
use common::ids;
use nashra::translate::hub::{resolve, HubOptions, ModelSource};
use nashra::translate::{DecodeOptions, Engine};
use serde_json::Value;

#[test]
#[ignore = "needs NASHRA_FULL_MODEL and NASHRA_FULL_GOLDEN (see tests/fixtures/full_size_reference.py)"]
fn full_size_random_model_matches_reference() {
    let dir = PathBuf::from(std::env::var("NASHRA_FULL_MODEL").unwrap());
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(std::env::var("NASHRA_FULL_GOLDEN").unwrap()).unwrap(),
    )
    .unwrap();
    let files = resolve(&ModelSource::Dir(dir), &HubOptions::from_env()).unwrap();
    let weights = files.weights.location();
    let engine = Engine::load(
        &files.config,
        files.generation_config.as_deref(),
        &weights,
        &Device::Cpu,
    )
    .unwrap();
    let sources: Vec<Vec<u32>> = golden["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(ids)
        .collect();

    // First-step logits of a padded batch of 8.
    let batch: Vec<&[u32]> = sources[..8].iter().map(|s| s.as_slice()).collect();
    let encoded = engine.encode(&batch).unwrap();
    let logits = engine
        .model()
        .first_step_logits(&encoded, engine.special_tokens().decoder_start)
        .unwrap();
    let want: Vec<Vec<f32>> = golden["first_logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect();
    let want = Tensor::new(want, &Device::Cpu).unwrap();
    let max_diff = (logits - &want)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    let scale = want
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    println!(
        "max |Δlogit| on the first step of a padded batch of 8: {max_diff:e} (largest |logit| {scale:.1})"
    );

    for (name, beams) in [("greedy", 1), ("beam4", 4)] {
        let opts = DecodeOptions {
            num_beams: beams,
            max_length: 48,
            ..engine.default_options().clone()
        };
        let want: Vec<Vec<u32>> = golden["cases"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(ids)
            .collect();
        let mut same = 0;
        for (chunk_no, chunk) in sources.chunks(16).enumerate() {
            let batch: Vec<&[u32]> = chunk.iter().map(|s| s.as_slice()).collect();
            for (i, h) in engine.generate(&batch, &opts).unwrap().iter().enumerate() {
                if h.tokens == want[chunk_no * 16 + i] {
                    same += 1;
                }
            }
        }
        println!("{name}: {same} of 64 sentences identical to transformers");
        assert!(same >= 60, "{name}: only {same} of 64 identical");
    }
    assert!(max_diff <= 1e-5 * scale, "{max_diff} vs {scale}");
}
