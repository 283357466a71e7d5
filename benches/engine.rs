//! Criterion benchmarks of the pieces that dominate a nightly run. The model benchmarks use a
//! full-size random model of opus-mt-ar-en's exact shape, built in Rust on the fly (no files,
//! no Python); the tokenizer and cleaning benchmarks use the committed fixtures.
//!
//! `cargo bench` runs them all; `cargo bench -- decoder` one group.

use std::path::Path;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use nashra::clean::structure;
use nashra::ingest::{decode, read_path};
use nashra::translate::config::MarianConfig;
use nashra::translate::decode::{generate, DecodeOptions, SpecialTokens};
use nashra::translate::model::{random_weights, MarianModel};
use nashra::translate::tokenizer::MarianTokenizer;
use nashra::translate::{Compute, Quantize};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// opus-mt-ar-en's architecture.
fn full_size_config() -> MarianConfig {
    serde_json::from_value(serde_json::json!({
        "model_type": "marian", "vocab_size": 62834, "d_model": 512,
        "encoder_layers": 6, "decoder_layers": 6,
        "encoder_attention_heads": 8, "decoder_attention_heads": 8,
        "encoder_ffn_dim": 2048, "decoder_ffn_dim": 2048, "max_position_embeddings": 512,
        "activation_function": "swish", "pad_token_id": 62833, "decoder_start_token_id": 62833,
        "eos_token_id": 0
    }))
    .expect("valid config")
}

fn sources(n: usize, tokenizer: &MarianTokenizer) -> Vec<Vec<u32>> {
    std::fs::read_to_string(root().join("samples/flores/flores-dev.ar"))
        .expect("FLORES sample")
        .lines()
        .take(n)
        .map(|l| tokenizer.encode(l).into_iter().map(|t| t % 8000).collect())
        .collect()
}

fn benches(c: &mut Criterion) {
    let tokenizer = MarianTokenizer::from_dir(&root().join("tests/fixtures/models/aren")).unwrap();
    let lines: Vec<String> = std::fs::read_to_string(root().join("samples/flores/flores-dev.ar"))
        .unwrap()
        .lines()
        .take(100)
        .map(String::from)
        .collect();
    c.bench_function("tokenizer/encode 100 FLORES sentences", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| tokenizer.encode(l).len())
                .sum::<usize>()
        })
    });

    let seeds: Vec<_> = std::fs::read_dir(root().join("samples/articles"))
        .unwrap()
        .map(|e| decode(&read_path(&e.unwrap().path()).unwrap().remove(0).unwrap()))
        .collect();
    c.bench_function("clean/5 seed articles", |b| {
        b.iter(|| seeds.iter().filter(|d| structure(d).is_ok()).count())
    });

    let cfg = full_size_config();
    let device = Device::Cpu;
    let vb = VarBuilder::from_tensors(random_weights(&cfg, &device).unwrap(), DType::F32, &device);
    let compute = Compute::select(Quantize::None).unwrap();
    let model = MarianModel::load(vb, &cfg, compute).unwrap();
    let special = SpecialTokens {
        eos: 0,
        pad: 62833,
        decoder_start: 62833,
        forced_eos: Some(0),
        bad_words: vec![62833],
    };
    let src = sources(32, &tokenizer);
    let batch = |n: usize| -> Vec<&[u32]> { src[..n].iter().map(Vec::as_slice).collect() };
    let mut group = c.benchmark_group("full-size model");
    group.sample_size(10);
    let batch32 = batch(32);
    group.bench_function("encoder forward, batch 32", |b| {
        b.iter(|| model.encode(&batch32).unwrap())
    });
    for n in [1usize, 32] {
        let encoded = model.encode(&batch(n)).unwrap();
        group.bench_function(format!("decoder step, batch {n}"), |b| {
            b.iter_batched(
                || {
                    let mut state = model.start_decoding(&encoded).unwrap();
                    model.decode_step(&mut state, &vec![62833; n]).unwrap();
                    state
                },
                |mut state| model.decode_step(&mut state, &vec![5; n]).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    let encoded8 = model.encode(&batch(8)).unwrap();
    for beams in [1usize, 4] {
        let opts = DecodeOptions {
            num_beams: beams,
            min_length: 21,
            max_length: 21,
            ..DecodeOptions::default()
        };
        group.bench_function(format!("generate 20 tokens, batch 8, beam {beams}"), |b| {
            b.iter(|| generate(&model, &encoded8, &opts, &special).unwrap())
        });
    }
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
