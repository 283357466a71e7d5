//! The quality guard of `--quantize int8` for summaries: on the trained BART fixture (a copy
//! model, whose output depends on every source token, so a quantization error anywhere shows),
//! int8 summaries must agree with the float32 ones (sacreBLEU-exact BLEU, float32 as the
//! reference), and int8 must give the same summaries on every CPU path (its integer sums are
//! exact).

mod common;

use std::path::PathBuf;

use nashra::eval::corpus_bleu;
use nashra::translate::{BatchPolicy, Compute, Isa, Quantize, Summarizer, SummaryOptions};

fn fixture_dir() -> PathBuf {
    common::model_dir("bart-tiny")
}

fn docs() -> Vec<String> {
    common::lines_of(&common::fixture("bart/docs.en"))
}

fn summaries(isa: Isa, quantize: Quantize, beams: usize) -> Vec<String> {
    let s = Summarizer::from_dir(&fixture_dir(), Compute { isa, quantize }).unwrap();
    let docs = docs();
    let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
    let defaults = s.default_options();
    let opts = SummaryOptions {
        decode: nashra::translate::DecodeOptions {
            num_beams: beams,
            ..defaults.decode.clone()
        },
        rules: defaults.rules.clone(),
    };
    s.summarize(&texts, &opts, &BatchPolicy::sentences(16))
        .unwrap()
        .into_iter()
        .map(|s| s.text)
        .collect()
}

/// The floor for int8 against float32, greedy and beam 4. The translation fixture's
/// CTranslate2 int8-vs-float32 agreement is 93.5 / 96.2 BLEU (tests/int8_quality.rs); the
/// summariser is held to the same bar.
const FLOOR_GREEDY: f64 = 93.47;
const FLOOR_BEAM4: f64 = 96.17;

#[test]
fn int8_summaries_agree_with_f32() {
    for (beams, floor) in [(1, FLOOR_GREEDY), (4, FLOOR_BEAM4)] {
        let reference = summaries(Isa::best(), Quantize::None, beams);
        let int8 = summaries(Isa::best(), Quantize::Int8, beams);
        let bleu = corpus_bleu(&int8, &[reference]).unwrap().score;
        eprintln!("bart-tiny, int8 vs f32 BLEU, {beams} beams: {bleu:.2}");
        assert!(bleu >= floor, "{beams} beams: {bleu} < {floor}");
    }
}

#[test]
fn int8_gives_the_same_summaries_on_every_cpu_path() {
    let outputs: Vec<Vec<String>> = Isa::ALL
        .into_iter()
        .filter(|isa| isa.is_present())
        .map(|isa| summaries(isa, Quantize::Int8, 4))
        .collect();
    for other in &outputs[1..] {
        assert_eq!(other, &outputs[0]);
    }
}
