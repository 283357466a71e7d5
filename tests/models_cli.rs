//! Presets from the command line: `nashra models list` shows every preset as a table, and
//! `--model` takes a preset name as well as a repository id, pinned to the preset's commit.

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_exit, assert_success};

/// `nashra ARGS…` offline, with `home` as the Hugging Face home and no model chosen by the
/// environment (the harness drops every `NASHRA_*` variable).
fn nashra(args: &[&str], home: &Path) -> Output {
    common::nashra()
        .args(args)
        .env_remove("HF_ENDPOINT")
        .env_remove("HF_HUB_CACHE")
        .env("HF_HOME", home)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap()
}

#[test]
fn models_list_is_a_table_of_every_preset() {
    let home = tempfile::tempdir().unwrap();
    let out = nashra(&["models", "list"], home.path());
    assert_success(&out);
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    // Header, rule, two translation presets and two summarisers.
    assert_eq!(lines.len(), 6, "{table}");
    assert!(lines[0].starts_with("| preset"), "{table}");
    for want in [
        "best (default)",
        "Helsinki-NLP/opus-mt-tc-big-ar-en",
        "fast",
        "Helsinki-NLP/opus-mt-ar-en",
        "cc-by-4.0",
        "apache-2.0",
        "summary-fast (default)",
        "sshleifer/distilbart-cnn-12-6",
        "summary-best",
        "facebook/bart-large-cnn",
    ] {
        assert!(table.contains(want), "{want} missing:\n{table}");
    }
}

#[test]
fn preset_names_resolve_to_their_pinned_repositories() {
    let home = tempfile::tempdir().unwrap();
    for (model, want) in [
        (
            "fast",
            "Helsinki-NLP/opus-mt-ar-en@f830c0f121521df2551726dd799a0c47b0f67841",
        ),
        (
            "best",
            "Helsinki-NLP/opus-mt-tc-big-ar-en@bcb4acd39ee8e3552e171653a8e31a10729b4330",
        ),
        (
            "Helsinki-NLP/opus-mt-ar-en",
            "Helsinki-NLP/opus-mt-ar-en@f830c0f121521df2551726dd799a0c47b0f67841",
        ),
    ] {
        let out = nashra(&["translate", "--model", model], home.path());
        assert_exit(&out, 1);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "--model {model}: {err}");
    }
}
