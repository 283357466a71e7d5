//! `nashra run --summary abstractive|both`: the machine summary in every brief format, its
//! cache (a rerun makes no model call), its counts in `run.json`, and the default run that
//! never loads a summariser.

mod common;

use common::{
    assert_success, briefs, copy_first_samples, files, manifest, model_dir, run, run_cmd, stderr,
};
use nashra::render::html::escape;
use tempfile::TempDir;

/// A test's input folder with two of the sample articles (a summary costs a few seconds in a
/// debug build), and its output folder.
fn two_articles() -> (TempDir, TempDir) {
    let input = tempfile::tempdir().unwrap();
    copy_first_samples(input.path(), 2);
    (input, tempfile::tempdir().unwrap())
}

fn summary_flags(kind: &str) -> Vec<String> {
    let bart = model_dir("bart-tiny").display().to_string();
    ["--summary", kind, "--summary-model-dir", &bart]
        .map(String::from)
        .to_vec()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn both_summaries_reach_every_format_and_a_rerun_makes_no_model_call() {
    let (input, out) = two_articles();
    let flags = summary_flags("both");
    let o = run(input.path(), out.path(), &args(&flags));
    assert_success(&o);
    let bs = briefs(out.path());
    assert_eq!(bs.len(), 2);
    for b in &bs {
        let m = b.machine_summary.as_ref().expect("a machine summary");
        assert!(!m.sentences.is_empty(), "{}", b.slug);
        assert!(m.model.ends_with("bart-tiny"), "{}", m.model);
        assert!(!b.summary.is_empty(), "both: the key sentences too");
        let html = std::fs::read_to_string(out.path().join(format!("{}.html", b.slug))).unwrap();
        let machine = html
            .find("<h2>Machine summary</h2>")
            .expect("labelled in html");
        let key = html
            .find("Key sentences from the article")
            .expect("key sentences");
        assert!(machine < key, "the machine summary comes first");
        assert!(html.contains(&escape(&m.sentences[0].en)));
        let md = std::fs::read_to_string(out.path().join(format!("{}.md", b.slug))).unwrap();
        assert!(md.contains("## Machine summary"));
        assert!(md.contains("## Key sentences from the article"));
    }
    let m = manifest(out.path());
    let counts = &m["counts"]["abstractive"];
    assert_eq!(counts["summaries"], 2, "{m}");
    assert_eq!(counts["written"], 2);
    assert_eq!(counts["cached"], 0);
    assert!(m["times"]["summarize_s"].as_f64().unwrap() > 0.0);
    assert_eq!(m["settings"]["abstractive"]["summary"], "both");
    assert_eq!(m["settings"]["abstractive"]["check"], "mark");
    assert_eq!(m["settings"]["abstractive"]["no_repeat_ngram_size"], 3);

    // A rerun: the same files, no model call, every summary from the cache.
    let before = files(out.path());
    let mut again = run_cmd(input.path(), out.path(), &args(&flags));
    let o = again.env("RUST_LOG", "nashra=debug").output().unwrap();
    assert_success(&o);
    assert!(!stderr(&o).contains("model call starts"), "{}", stderr(&o));
    let after = files(out.path());
    for (name, bytes) in &before {
        if name != "run.json" {
            assert_eq!(after.get(name), Some(bytes), "{name} changed");
        }
    }
    let m = manifest(out.path());
    assert_eq!(m["counts"]["abstractive"]["written"], 0);
    assert_eq!(m["counts"]["abstractive"]["cached"], 2);
    assert_eq!(m["times"]["summarize_s"], 0.0);
}

#[test]
fn abstractive_alone_shows_the_machine_summary_instead_of_the_key_sentences() {
    let (input, out) = two_articles();
    // From the environment this time, as a nightly job's settings often are.
    let bart = model_dir("bart-tiny");
    let o = run_cmd(input.path(), out.path(), &[])
        .env("NASHRA_SUMMARY", "abstractive")
        .env("NASHRA_SUMMARY_MODEL_DIR", &bart)
        .output()
        .unwrap();
    assert_success(&o);
    for b in briefs(out.path()) {
        assert!(b.machine_summary.is_some());
        assert!(b.summary.is_empty(), "no key sentences in the brief");
        let html = std::fs::read_to_string(out.path().join(format!("{}.html", b.slug))).unwrap();
        assert!(!html.contains("<section class=\"summary\">"));
    }
    // The index still reads each article's key sentences (its stories are made of them).
    let index = common::read_json(&out.path().join("index.json"));
    let articles = index["articles"].as_array().unwrap();
    assert!(articles
        .iter()
        .all(|a| !a["summary"].as_array().unwrap().is_empty()));
}

#[test]
fn a_plain_run_never_loads_a_summariser() {
    let (input, out) = two_articles();
    let o = run_cmd(input.path(), out.path(), &[])
        .env("NASHRA_SUMMARY_MODEL_DIR", "/nonexistent/summariser")
        .output()
        .unwrap();
    assert_success(&o);
    let m = manifest(out.path());
    assert!(m["settings"].get("abstractive").is_none());
    assert!(m["counts"].get("abstractive").is_none());
    assert!(briefs(out.path())
        .iter()
        .all(|b| b.machine_summary.is_none()));
    assert!(!out.path().join(".cache").read_dir().unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("summaries-")));
}

#[test]
fn a_missing_summariser_is_a_clear_error_before_any_work() {
    let (input, out) = two_articles();
    let o = run(
        input.path(),
        out.path(),
        &[
            "--summary",
            "both",
            "--summary-model-dir",
            "/nonexistent/summariser",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/nonexistent/summariser"),
        "{}",
        stderr(&o)
    );
    assert!(!out.path().join("run.json").exists());
}

#[test]
fn the_summary_word_budget_is_a_run_setting() {
    let (input, out) = two_articles();
    let o = run(input.path(), out.path(), &["--summary-words", "25"]);
    assert_success(&o);
    let m = manifest(out.path());
    assert_eq!(m["settings"]["summary_words"], 25);
    for b in briefs(out.path()) {
        let words: usize = b
            .summary
            .iter()
            .map(|p| p.ar.split_whitespace().count())
            .sum();
        assert!(!b.summary.is_empty());
        assert!(b.summary.len() == 1 || words <= 25, "{words} words");
    }
}

#[test]
fn the_settings_file_names_the_summaries_as_the_flags_do() {
    let (input, work) = two_articles();
    let bart = model_dir("bart-tiny").display().to_string();
    std::fs::write(
        work.path().join("nashra.toml"),
        format!(
            "summary = \"both\"\nsummary_check = \"drop\"\nsummary_model_dir = {bart:?}\n\
             formats = \"json\"\n"
        ),
    )
    .unwrap();
    let out = work.path().join("briefs");
    let o = run_cmd(input.path(), &out, &[])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert_success(&o);
    let m = manifest(&out);
    assert_eq!(m["settings"]["abstractive"]["summary"], "both");
    assert_eq!(m["settings"]["abstractive"]["check"], "drop");
    assert!(briefs(&out).iter().all(|b| b.machine_summary.is_some()));
    // A sentence the model wrote that states what the article does not say is removed, not
    // shown: every shown sentence passed the check.
    for b in briefs(&out) {
        let m = b.machine_summary.unwrap();
        assert!(m.sentences.iter().all(|s| s.is_supported()));
        assert!(m.removed.iter().all(|s| !s.is_supported()));
    }
}

#[test]
fn shards_write_their_summaries_and_the_merge_counts_them_all() {
    let (input, out) = two_articles();
    let flags = summary_flags("both");
    for shard in ["0/2", "1/2"] {
        let mut extra = args(&flags);
        extra.extend(["--shard", shard]);
        assert_success(&run(input.path(), out.path(), &extra));
    }
    let m = manifest(out.path());
    assert_eq!(m["counts"]["ok"], 2, "{m}");
    assert_eq!(m["counts"]["abstractive"]["summaries"], 2);
    assert_eq!(m["counts"]["abstractive"]["written"], 2);
    assert_eq!(m["settings"]["abstractive"]["summary"], "both");
    assert!(briefs(out.path())
        .iter()
        .all(|b| b.machine_summary.is_some()));
}
