//! The engine against the reference implementation: every golden generation made by
//! transformers 5.23 (tests/fixtures/make_fixtures.py) must come out token for token, with the
//! same scores; encoder outputs and first-step logits of a padded batch must agree to 1e-4.

mod common;

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use common::{fixture, golden_mismatch, ids, model_dir, read_json};
use nashra::translate::model::weights::{WeightsFormat, WeightsLocation};
use nashra::translate::{Compute, DecodeOptions, EarlyStopping, Engine, Isa, Quantize};
use serde_json::Value;

fn engine(model: &str, format: WeightsFormat) -> Engine {
    engine_on(model, format, Isa::best())
}

/// The fixture model with its kernels for `isa`, unquantized.
fn engine_on(model: &str, format: WeightsFormat, isa: Isa) -> Engine {
    let dir = model_dir(model);
    let weights = match format {
        WeightsFormat::Safetensors => dir.join("model.safetensors"),
        WeightsFormat::Pytorch => dir.join("pytorch_model.bin"),
    };
    let compute = Compute {
        isa,
        quantize: Quantize::None,
    };
    Engine::load_with(
        &dir.join("config.json"),
        Some(&dir.join("generation_config.json")),
        &WeightsLocation {
            path: weights,
            format,
        },
        &Device::Cpu,
        compute,
    )
    .expect("fixture model loads")
}

/// Source ids of FLORES dev lines, as MarianTokenizer produced them (golden tokenizer file).
fn flores_ids() -> Vec<Vec<u32>> {
    let v = read_json(&fixture("golden/tokenizer.json"));
    let mut out = vec![Vec::new(); 997];
    for case in v["encode"].as_array().unwrap() {
        if case["group"] == "flores" {
            let line = case["line"].as_u64().unwrap() as usize;
            out[line] = ids(&case["ids"]);
        }
    }
    out
}

fn options(engine: &Engine, settings: &Value) -> DecodeOptions {
    let mut o = engine.default_options().clone();
    for (k, v) in settings.as_object().unwrap() {
        match k.as_str() {
            "num_beams" => o.num_beams = v.as_u64().unwrap() as usize,
            "max_length" => o.max_length = v.as_u64().unwrap() as usize,
            "min_length" => o.min_length = v.as_u64().unwrap() as usize,
            "max_new_tokens" => o.max_new_tokens = Some(v.as_u64().unwrap() as usize),
            "length_penalty" => o.length_penalty = v.as_f64().unwrap() as f32,
            "early_stopping" => o.early_stopping = EarlyStopping::from_json(v).unwrap(),
            "renormalize_logits" => o.renormalize_logits = v.as_bool().unwrap(),
            other => panic!("golden setting {other} not mapped"),
        }
    }
    o
}

#[test]
fn every_golden_generation_is_reproduced_token_for_token() {
    check_every_golden_generation(Isa::best());
}

/// The same goldens through the AVX2 kernels (`NASHRA_CPU=avx2`), where this CPU has them.
#[test]
fn every_golden_generation_also_on_the_avx2_path() {
    if Isa::Avx2.is_present() && Isa::best() != Isa::Avx2 {
        check_every_golden_generation(Isa::Avx2);
    }
}

/// The same goldens through the portable kernels (`NASHRA_CPU=generic`).
#[test]
fn every_golden_generation_also_on_the_generic_path() {
    if Isa::best() != Isa::Generic {
        check_every_golden_generation(Isa::Generic);
    }
}

/// AVX2 and AVX-512 run the same fused multiply-adds in the same order: their float32 logits
/// are identical, bit for bit.
#[test]
fn avx2_and_avx512_give_identical_logits() {
    if !Isa::Avx512.is_present() {
        return;
    }
    let golden =
        candle_core::safetensors::load(fixture("golden/tensors.safetensors"), &Device::Cpu)
            .unwrap();
    let logits = |isa| {
        let engine = engine_on("copy", WeightsFormat::Safetensors, isa);
        let batch = unpadded_inputs(&golden, "copy");
        let refs: Vec<&[u32]> = batch.iter().map(Vec::as_slice).collect();
        let encoded = engine.encode(&refs).unwrap();
        let start = engine.special_tokens().decoder_start;
        let l = engine.model().first_step_logits(&encoded, start).unwrap();
        l.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    };
    assert_eq!(logits(Isa::Avx2), logits(Isa::Avx512));
}

fn check_every_golden_generation(isa: Isa) {
    let golden = read_json(&fixture("golden/generate.json"));
    let sources = flores_ids();
    let copy = engine_on("copy", WeightsFormat::Safetensors, isa);
    let aren = engine_on("aren", WeightsFormat::Safetensors, isa);
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let engine = if case["model"] == "copy" {
            &copy
        } else {
            &aren
        };
        let opts = options(engine, &case["settings"]);
        let batch_size = case["batch_size"].as_u64().unwrap() as usize;
        let lines: Vec<usize> = case["source_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_u64().unwrap() as usize)
            .collect();
        let outputs = case["outputs"].as_array().unwrap();
        for (chunk_no, chunk) in lines.chunks(batch_size).enumerate() {
            let batch: Vec<&[u32]> = chunk.iter().map(|&l| sources[l].as_slice()).collect();
            let hyps = engine.generate(&batch, &opts).unwrap();
            for (i, hyp) in hyps.iter().enumerate() {
                let want = &outputs[chunk_no * batch_size + i];
                checked += 1;
                if let Some(m) = golden_mismatch(hyp, want) {
                    failures.push(format!("{name} line {}: {m}", chunk[i]));
                }
            }
        }
    }
    assert!(
        checked >= 64 * 4,
        "too few golden outputs checked: {checked}"
    );
    assert!(
        failures.is_empty(),
        "{isa}: {} of {checked} golden generations differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The reference padded batch of `model` from the golden tensors, padding removed.
fn unpadded_inputs(golden: &HashMap<String, Tensor>, model: &str) -> Vec<Vec<u32>> {
    let input_ids = golden[&format!("{model}.input_ids")]
        .to_vec2::<i64>()
        .unwrap();
    let mask = golden[&format!("{model}.attention_mask")]
        .to_vec2::<i64>()
        .unwrap();
    input_ids
        .iter()
        .zip(&mask)
        .map(|(row, m)| {
            row.iter()
                .zip(m)
                .filter(|(_, &m)| m == 1)
                .map(|(&t, _)| t as u32)
                .collect()
        })
        .collect()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

#[test]
fn padded_batch_encoder_output_and_first_logits_match_reference() {
    let golden =
        candle_core::safetensors::load(fixture("golden/tensors.safetensors"), &Device::Cpu)
            .unwrap();
    for model in ["copy", "aren"] {
        let engine = engine(model, WeightsFormat::Safetensors);
        let batch = unpadded_inputs(&golden, model);
        let refs: Vec<&[u32]> = batch.iter().map(|b| b.as_slice()).collect();
        let encoded = engine.encode(&refs).unwrap();
        // Compare only real (unpadded) positions: padding rows are never read.
        let want = &golden[&format!("{model}.encoder_output")];
        for (row, len) in batch.iter().map(|b| b.len()).enumerate() {
            let exp = want.get(row).unwrap().narrow(0, 0, len).unwrap();
            let got = Tensor::from_slice(encoded.sentence(row), exp.shape(), &Device::Cpu).unwrap();
            let d = max_abs_diff(&got, &exp);
            assert!(d < 1e-4, "{model}: encoder row {row} differs by {d}");
        }
        let start = engine.special_tokens().decoder_start;
        let logits = engine.model().first_step_logits(&encoded, start).unwrap();
        let d = max_abs_diff(&logits, &golden[&format!("{model}.first_logits")]);
        assert!(d < 1e-4, "{model}: first-step logits differ by {d}");
    }
}

#[test]
fn safetensors_and_pytorch_weights_give_identical_logits() {
    let sources = flores_ids();
    let batch: Vec<&[u32]> = sources[..6].iter().map(|s| s.as_slice()).collect();
    for model in ["copy", "aren"] {
        let a = engine(model, WeightsFormat::Safetensors);
        let b = engine(model, WeightsFormat::Pytorch);
        let start = a.special_tokens().decoder_start;
        let la = a
            .model()
            .first_step_logits(&a.encode(&batch).unwrap(), start)
            .unwrap();
        let lb = b
            .model()
            .first_step_logits(&b.encode(&batch).unwrap(), start)
            .unwrap();
        assert_eq!(max_abs_diff(&la, &lb), 0.0, "{model}: formats disagree");
    }
}

#[test]
fn batch_size_does_not_change_any_output() {
    let sources = flores_ids();
    let aren = engine("aren", WeightsFormat::Safetensors);
    for beams in [1, 4] {
        let opts = DecodeOptions {
            num_beams: beams,
            max_length: 64,
            ..aren.default_options().clone()
        };
        let lines: Vec<&[u32]> = sources[100..132].iter().map(|s| s.as_slice()).collect();
        let alone: Vec<_> = lines
            .iter()
            .map(|s| aren.generate(&[s], &opts).unwrap().remove(0))
            .collect();
        let batched: Vec<_> = lines
            .chunks(16)
            .flat_map(|c| aren.generate(c, &opts).unwrap())
            .collect();
        for (i, (a, b)) in alone.iter().zip(&batched).enumerate() {
            assert_eq!(a.tokens, b.tokens, "beams {beams}, sentence {i}");
        }
    }
}

#[test]
fn a_sentence_encodes_to_the_same_bits_in_any_batch() {
    // Nothing is padded and every row's arithmetic is fixed, so the batch a sentence shares
    // (longer or shorter neighbours, its position) changes none of its encoder output.
    let sources = flores_ids();
    let aren = engine("aren", WeightsFormat::Safetensors);
    let lines: Vec<&[u32]> = sources[200..240].iter().map(|s| s.as_slice()).collect();
    let batch = aren.encode(&lines).unwrap();
    for (i, line) in lines.iter().enumerate() {
        let alone = aren.encode(&[line]).unwrap();
        assert_eq!(alone.sentence(0), batch.sentence(i), "sentence {i}");
    }
}
