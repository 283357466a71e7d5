//! `nashra run` end to end with the fixture model on the sample articles.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{assert_exit, assert_success, briefs, files, manifest, root, run, run_cmd, samples};
use nashra::brief::Brief;
use scraper::{Html, Selector};
use serde_json::Value;

#[test]
fn every_output_exists_parses_and_a_rerun_makes_no_model_call() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&samples(), out.path(), &[]);
    assert_success(&o);
    let m = manifest(out.path());
    assert_eq!(m["counts"]["articles"], 5);
    assert_eq!(m["counts"]["ok"], 5);
    assert!(m["counts"]["translated"].as_u64().unwrap() > 50);
    assert_eq!(m["model"]["weights_sha256"].as_str().unwrap().len(), 64);
    let all = files(out.path());
    for name in ["index.html", "index.md", "index.json", "run.json"] {
        assert!(all.contains_key(name), "{name} missing");
    }
    let briefs = briefs(out.path());
    assert_eq!(briefs.len(), 5);
    let row = Selector::parse("table.article tr").unwrap();
    let ar = Selector::parse("td[lang=ar]").unwrap();
    for b in &briefs {
        // JSON round-trips through the documented type.
        let text = std::fs::read_to_string(out.path().join(format!("{}.json", b.slug))).unwrap();
        let again: Brief = serde_json::from_str(&text).unwrap();
        assert_eq!(&again, b);
        assert_eq!(nashra::render::json(&again), text);
        // HTML: every Arabic cell is rtl, one row per sentence pair (+ title + headings).
        let html = std::fs::read_to_string(out.path().join(format!("{}.html", b.slug))).unwrap();
        let doc = Html::parse_document(&html);
        let pairs: usize = b
            .sections
            .iter()
            .map(|s| s.sentences.len() + s.heading.is_some() as usize)
            .sum::<usize>()
            + b.title.is_some() as usize;
        assert_eq!(doc.select(&row).count(), pairs, "{}", b.slug);
        for cell in doc.select(&ar) {
            assert_eq!(cell.value().attr("dir"), Some("rtl"));
        }
        // Markdown: a two-column table row per pair.
        let md = std::fs::read_to_string(out.path().join(format!("{}.md", b.slug))).unwrap();
        assert!(md.lines().filter(|l| l.starts_with("| ")).count() >= pairs);
        assert!(!b.headline.is_empty());
    }
    // The index lists every brief.
    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    for b in &briefs {
        assert!(index.contains(&format!("{}.html", b.slug)));
    }

    let o = run(&samples(), out.path(), &[]);
    assert_success(&o);
    let m = manifest(out.path());
    assert_eq!(m["counts"]["translated"], 0, "rerun called the model");
    assert_eq!(m["counts"]["cached"], m["counts"]["sentences"]);
    // Same briefs, byte for byte.
    let again = files(out.path());
    for (name, bytes) in &all {
        if name != "run.json" {
            assert_eq!(&again[name], bytes, "{name} changed on rerun");
        }
    }
}

#[test]
fn summaries_hold_no_heading_or_boilerplate_and_start_with_the_lead() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&samples(), out.path(), &[]);
    assert_success(&o);
    for b in briefs(out.path()) {
        let headings: Vec<&str> = b
            .sections
            .iter()
            .filter_map(|s| s.heading.as_ref())
            .map(|h| h.ar.as_str())
            .collect();
        let body: Vec<&str> = b
            .sections
            .iter()
            .flat_map(|s| s.sentences.iter().map(|p| p.ar.as_str()))
            .collect();
        let dropped: Vec<&str> = b.dropped.iter().map(|d| d.text.as_str()).collect();
        assert!(!b.summary.is_empty() && b.summary.len() <= 3);
        for s in &b.summary {
            assert!(
                body.contains(&s.ar.as_str()),
                "{}: summary sentence not from the body",
                b.slug
            );
            assert!(!headings.contains(&s.ar.as_str()));
            assert!(!dropped.contains(&s.ar.as_str()));
        }
        assert_eq!(
            b.summary[0].ar, body[0],
            "{}: lead sentence missing",
            b.slug
        );
    }
}

#[test]
fn a_corrupt_file_among_good_ones_gives_exit_2_and_all_good_briefs() {
    let input = tempfile::tempdir().unwrap();
    common::copy_samples(input.path());
    std::fs::write(
        input.path().join("broken.txt"),
        [0u8, 159, 146, 150, 255, 0, 1, 2],
    )
    .unwrap();
    std::fs::write(
        input.path().join("english.txt"),
        "This article is in English only.",
    )
    .unwrap();
    std::fs::write(input.path().join("feed.jsonl"), "{not json}\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(input.path(), out.path(), &[]);
    assert_exit(&o, 2);
    let m = manifest(out.path());
    assert_eq!(m["counts"]["ok"], 5);
    assert_eq!(
        m["counts"]["failed"].as_u64().unwrap() + m["counts"]["skipped"].as_u64().unwrap(),
        3
    );
    let records = m["articles"].as_array().unwrap();
    for name in ["broken.txt", "english.txt", "feed.jsonl"] {
        let r = records
            .iter()
            .find(|r| r["path"].as_str().unwrap().contains(name))
            .unwrap();
        assert_ne!(r["status"], "ok");
        assert!(!r["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(briefs(out.path()).len(), 5);
}

#[test]
fn no_model_means_nothing_can_run_exit_1() {
    let out = tempfile::tempdir().unwrap();
    let o = common::nashra()
        .args(["run", "samples/articles", "--model-dir", "/nonexistent"])
        .arg("--out")
        .arg(out.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert_exit(&o, 1);
    assert!(common::stderr(&o).contains("/nonexistent"));
}

/// Many small articles built from FLORES sentences, so a run lasts long enough to be killed.
fn many_articles(dir: &Path) {
    let lines = common::flores_ar();
    for (i, chunk) in lines.chunks(8).take(40).enumerate() {
        std::fs::write(dir.join(format!("a{i:03}.txt")), chunk.join("\n\n")).unwrap();
    }
}

#[test]
fn a_run_killed_after_its_first_brief_then_rerun_ends_like_an_uninterrupted_run() {
    let input = tempfile::tempdir().unwrap();
    many_articles(input.path());
    let extra = ["--formats", "html,json", "--group-sentences", "16"];

    let reference = tempfile::tempdir().unwrap();
    let o = run(input.path(), reference.path(), &extra);
    assert_success(&o);

    let out = tempfile::tempdir().unwrap();
    let mut child = run_cmd(input.path(), out.path(), &extra).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let first_brief = loop {
        let found = std::fs::read_dir(out.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".html"));
        if found || Instant::now() > deadline {
            break found;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(first_brief);
    child.kill().unwrap();
    let _ = child.wait();
    // Whatever is there is complete: every brief parses.
    for (name, bytes) in files(out.path()) {
        if name.ends_with(".json") {
            serde_json::from_slice::<Value>(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    let o = run(input.path(), out.path(), &extra);
    assert_success(&o);
    let want = files(reference.path());
    let got = files(out.path());
    assert_eq!(
        got.keys().filter(|k| *k != "run.json").collect::<Vec<_>>(),
        want.keys().filter(|k| *k != "run.json").collect::<Vec<_>>()
    );
    for (name, bytes) in &want {
        if name != "run.json" {
            assert!(got[name] == *bytes, "{name} differs after resume");
        }
    }
}

#[test]
fn settings_precedence_is_flag_then_env_then_file() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("nashra.toml"),
        "summary_sentences = 1\nformats = \"json\"\n",
    )
    .unwrap();
    let articles = samples();
    let summary_len = |out: &Path| briefs(out)[0].summary.len();
    let cmd = |out: &Path| {
        let mut c = run_cmd(&articles, out, &[]);
        c.current_dir(work.path());
        c
    };
    let out = work.path().join("o1");
    assert!(cmd(&out).status().unwrap().success());
    assert_eq!(summary_len(&out), 1);
    assert!(!out.join(format!("{}.html", briefs(&out)[0].slug)).exists());
    let out = work.path().join("o2");
    assert!(cmd(&out)
        .env("NASHRA_SUMMARY_SENTENCES", "2")
        .status()
        .unwrap()
        .success());
    assert_eq!(summary_len(&out), 2);
    let out = work.path().join("o3");
    assert!(cmd(&out)
        .env("NASHRA_SUMMARY_SENTENCES", "2")
        .args(["--summary-sentences", "3"])
        .status()
        .unwrap()
        .success());
    assert_eq!(summary_len(&out), 3);
}

/// An extractor's record keeps the headline apart from the text: its brief shows the headline,
/// in Arabic and English.
#[test]
fn a_json_records_title_is_its_briefs_headline() {
    let input = tempfile::tempdir().unwrap();
    let title = "اتفاق على مواصلة الحوار بين الطرفين";
    let record = serde_json::json!({"title": title, "text":
        "قال المتحدث إن الاجتماع انتهى باتفاق على مواصلة الحوار بين الطرفين.\nوأضاف أن الجولة المقبلة ستعقد الشهر المقبل في العاصمة."});
    std::fs::write(input.path().join("feed.jsonl"), format!("{record}\n")).unwrap();
    let out = tempfile::tempdir().unwrap();
    assert_success(&run(input.path(), out.path(), &[]));
    let b = briefs(out.path()).remove(0);
    let t = b.title.expect("the record's title is the brief's");
    assert_eq!(t.ar, title);
    assert!(!t.en.is_empty());
}
