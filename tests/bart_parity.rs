//! BART against the reference implementation: on the tiny trained fixture
//! (`tests/fixtures/models/bart-tiny`, made by `tests/fixtures/bart/make_random_bart.py --tiny
//! --copy`), the tokenizer must give transformers' input ids for every document, and
//! summaries with the model's CNN settings (forced BOS/EOS, min/max length, length penalty 2,
//! early stopping, no_repeat_ngram_size 3) must come out token for token — greedy and beam 4 —
//! on every CPU path (goldens by `tests/fixtures/bart/golden_bart_ids.py`, transformers 5).

mod common;

use std::path::PathBuf;

use common::ids;
use nashra::translate::{BatchPolicy, Compute, Isa, Quantize, Source, Summarizer, SummaryOptions};
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    common::model_dir("bart-tiny")
}

fn summarizer(isa: Isa, quantize: Quantize) -> Summarizer {
    Summarizer::from_dir(&fixture_dir(), Compute { isa, quantize }).expect("fixture loads")
}

fn golden() -> Value {
    common::read_json(&common::fixture("bart/golden.json"))
}

fn docs(golden: &Value) -> Vec<String> {
    golden["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_tokenizer_gives_transformers_input_ids() {
    let golden = golden();
    let s = summarizer(Isa::best(), Quantize::None);
    for doc in golden["docs"].as_array().unwrap() {
        let source = s.encode(doc["text"].as_str().unwrap());
        assert_eq!(source.ids, ids(&doc["input_ids"]), "{}", doc["text"]);
        assert!(!source.truncated);
    }
}

#[test]
fn long_documents_are_truncated_at_the_end_to_the_model_positions() {
    let s = summarizer(Isa::best(), Quantize::None);
    let long = "The minister said the talks would resume. ".repeat(200);
    let Source { ids, truncated } = s.encode(&long);
    assert!(truncated);
    assert_eq!(ids.len(), s.max_source_tokens());
    assert_eq!(ids[0], 0, "<s> first");
    assert_eq!(*ids.last().unwrap(), 2, "</s> last");
}

#[test]
fn the_summarization_settings_come_from_the_model() {
    let s = summarizer(Isa::best(), Quantize::None);
    let o = s.default_options();
    assert_eq!(o.decode.num_beams, 4);
    assert_eq!(o.decode.max_length, 48);
    assert_eq!(o.decode.min_length, 8);
    assert_eq!(o.decode.length_penalty, 2.0);
    assert_eq!(o.rules.no_repeat_ngram_size, 3);
    assert_eq!(o.rules.forced_bos, Some(0));
}

/// Documents whose summary is token-exact, for `beams` on `isa`; prints the others.
fn exact(isa: Isa, beams: usize) -> usize {
    let golden = golden();
    let key = if beams == 1 { "greedy" } else { "beam4" };
    let s = summarizer(isa, Quantize::None);
    let docs = docs(&golden);
    let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
    let opts = SummaryOptions {
        decode: nashra::translate::DecodeOptions {
            num_beams: beams,
            ..s.default_options().decode.clone()
        },
        ..s.default_options().clone()
    };
    let got = s
        .summarize(&texts, &opts, &BatchPolicy::sentences(16))
        .unwrap();
    let mut same = 0;
    for (doc, summary) in golden["docs"].as_array().unwrap().iter().zip(&got) {
        let want = &doc[key];
        if summary.tokens == ids(&want["ids"]) {
            same += 1;
            assert_eq!(summary.text, want["text"].as_str().unwrap());
            if let Some(score) = want["score"].as_f64() {
                assert!(
                    (summary.score as f64 - score).abs() < 1e-3,
                    "score {} vs {score}",
                    summary.score
                );
            }
        } else {
            eprintln!(
                "{isa} {key}: differs on {:?}\n  want {:?}\n  got  {:?}",
                doc["text"], want["ids"], summary.tokens
            );
        }
    }
    eprintln!("{isa} {key}: {same}/{} token-exact", got.len());
    same
}

fn check(isa: Isa) {
    let n = golden()["docs"].as_array().unwrap().len();
    assert!(n >= 64);
    for beams in [1, 4] {
        let same = exact(isa, beams);
        assert!(
            same + 2 >= n,
            "{isa}, {beams} beams: {same}/{n} token-exact"
        );
    }
}

#[test]
fn summaries_are_token_exact_greedy_and_beam4() {
    check(Isa::best());
}

/// The same goldens through the AVX2 kernels (`NASHRA_CPU=avx2`), where this CPU has them.
#[test]
fn summaries_are_token_exact_on_the_avx2_path() {
    if Isa::Avx2.is_present() && Isa::best() != Isa::Avx2 {
        check(Isa::Avx2);
    }
}

/// The same goldens through the portable kernels (`NASHRA_CPU=generic`).
#[test]
fn summaries_are_token_exact_on_the_generic_path() {
    if Isa::best() != Isa::Generic {
        check(Isa::Generic);
    }
}

/// A caller that encodes first (the run, to plan its waves and append its cache per wave)
/// gets what `summarize` gives, wave by wave.
#[test]
fn summarizing_encoded_sources_in_waves_is_summarizing_the_texts() {
    let golden = golden();
    let s = summarizer(Isa::best(), Quantize::None);
    let docs = docs(&golden);
    let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
    let opts = s.default_options().clone();
    let policy = BatchPolicy::sentences(2);
    let whole = s.summarize(&texts, &opts, &policy).unwrap();
    let sources: Vec<Source> = texts.iter().map(|t| s.encode(t)).collect();
    let (first, second) = sources.split_at(sources.len() / 2);
    let mut waves = Vec::new();
    for wave in [first, second] {
        let refs: Vec<&Source> = wave.iter().collect();
        waves.extend(
            s.summarize_sources(&refs, &opts, &policy, &mut |_| {})
                .unwrap(),
        );
    }
    // Batches are made up differently, so scores may differ in the last bits; the words may not.
    let words = |v: &[nashra::translate::Summary]| -> Vec<(Vec<u32>, String, usize, bool)> {
        v.iter()
            .map(|s| {
                (
                    s.tokens.clone(),
                    s.text.clone(),
                    s.source_tokens,
                    s.truncated,
                )
            })
            .collect()
    };
    assert_eq!(words(&waves), words(&whole));
}

/// Cutting a long document's ids is what the tokenizer gives when told the limit.
#[test]
fn a_long_document_is_cut_as_the_tokenizer_cuts_it() {
    let s = summarizer(Isa::best(), Quantize::None);
    let long = "Talks resumed in Geneva on Monday, officials said. ".repeat(150);
    let cut = s.tokenizer().encode(&long, s.max_source_tokens());
    assert_eq!(s.encode(&long).ids, cut);
}
