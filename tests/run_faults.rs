//! `nashra run` against a hostile night: deep HTML, symbolic link loops, huge and damaged
//! files, a bad `--out`, writes that fail, outputs inside the inputs, two runs at once, and
//! kills at random moments. Each test fails without its fix.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use common::{
    assert_exit, assert_success, copy_samples, manifest, run, run_cmd, run_with, stderr,
    visible_files,
};
use serde_json::Value;

/// Brief files (not run.json, not hidden) of a folder, name → bytes.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = visible_files(dir);
    files.remove("run.json");
    files
}

/// `n` articles of eight FLORES sentences each.
fn flores_articles(dir: &Path, n: usize) -> usize {
    let lines = common::flores_ar();
    let mut sentences = 0;
    for (i, chunk) in lines.chunks(8).take(n).enumerate() {
        std::fs::write(dir.join(format!("a{i:03}.txt")), chunk.join("\n\n")).unwrap();
        sentences += chunk.len();
    }
    sentences
}

/// Waits for `child` up to `limit`; kills it and fails the test if it is still running.
fn wait_or_kill(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn ok_count(out: &Path) -> u64 {
    manifest(out)["counts"]["ok"].as_u64().unwrap()
}

#[test]
fn deeply_nested_html_is_an_article_like_any_other() {
    let input = tempfile::tempdir().unwrap();
    copy_samples(input.path());
    // 200,000 levels: far past a stack overflow, and quadratic in the HTML parser's scope
    // checks unless flattened first.
    let depth = 200_000;
    let page = format!(
        "<html><body>{}<p>قال الرئيس إن المحادثات مستمرة بين الطرفين في العاصمة.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    std::fs::write(input.path().join("deep.html"), page).unwrap();
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = run(input.path(), out.path(), &["--formats", "json"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_success(&o);
    assert_eq!(ok_count(out.path()), 6);
    assert!(stderr(&o).contains("deep.html: warning: HTML nested deeper"));
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_reported_not_walked() {
    let input = tempfile::tempdir().unwrap();
    copy_samples(input.path());
    std::fs::create_dir(input.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(".", input.path().join("a")).unwrap();
    std::os::unix::fs::symlink("..", input.path().join("sub/up")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let child = run_cmd(input.path(), out.path(), &["--formats", "json"])
        .spawn()
        .unwrap();
    let o = wait_or_kill(child, Duration::from_secs(60), "run over a link loop");
    assert_success(&o);
    assert_eq!(ok_count(out.path()), 5);
    assert!(stderr(&o).contains("symbolic link loop"), "{}", stderr(&o));
    assert!(manifest(out.path())["warnings"].as_array().unwrap().len() >= 2);
}

#[test]
fn a_huge_article_is_skipped_with_its_reason_and_the_others_complete() {
    let input = tempfile::tempdir().unwrap();
    copy_samples(input.path());
    // 20 MB on one line, no sentence end anywhere.
    let line = "كلمة ".repeat(2_000_000);
    std::fs::write(input.path().join("huge.txt"), &line).unwrap();
    // The same, as one JSON-lines record beside a good one.
    let good = r#"{"id":"g","text":"قال الرئيس إن المحادثات مستمرة بين الطرفين في العاصمة."}"#;
    let huge = format!("{{\"id\":\"h\",\"text\":\"{line}\"}}");
    std::fs::write(input.path().join("feed.jsonl"), format!("{huge}\n{good}\n")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let child = run_cmd(input.path(), out.path(), &["--formats", "json"])
        .spawn()
        .unwrap();
    let o = wait_or_kill(child, Duration::from_secs(60), "run with a 20 MB article");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_exit(&o, 2);
    let m = manifest(out.path());
    assert_eq!(m["counts"]["ok"], 6);
    assert_eq!(m["counts"]["skipped"], 2);
    for name in ["huge.txt", "feed.jsonl:1"] {
        let r = m["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not recorded"));
        assert_eq!(r["status"], "skipped");
        assert!(r["error"].as_str().unwrap().contains("article limit"));
    }
}

#[test]
fn a_long_unpunctuated_article_under_the_limit_is_cut_and_translated() {
    let input = tempfile::tempdir().unwrap();
    // 30,000 characters with no sentence end: one "sentence" for the segmenter.
    let text = format!(
        "{}.",
        "قال الرئيس إن المحادثات مستمرة بين الطرفين ".repeat(700)
    );
    std::fs::write(input.path().join("long.txt"), &text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(input.path(), out.path(), &["--formats", "json"]);
    assert_success(&o);
    let m = manifest(out.path());
    let r = &m["articles"][0];
    assert!(r["warnings"][0].as_str().unwrap().contains("were split"));
    let brief: Value = serde_json::from_slice(
        &std::fs::read(out.path().join(r["outputs"][0].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let sentences = brief["sections"][0]["sentences"].as_array().unwrap();
    assert!(sentences.len() >= 15);
    for s in sentences {
        assert!(s["ar"].as_str().unwrap().chars().count() <= 2_000);
    }
}

#[test]
fn invalid_utf8_inside_a_utf8_file_is_a_warning_naming_the_file() {
    let input = tempfile::tempdir().unwrap();
    let text = "قال الرئيس إن المحادثات مستمرة بين الطرفين في العاصمة.\n\n".repeat(3);
    let at = text.char_indices().nth(20).unwrap().0;
    let mut bytes = text.into_bytes();
    bytes.splice(at..at, [0xFF, 0xFE]);
    std::fs::write(input.path().join("damaged.txt"), bytes).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(input.path(), out.path(), &["--formats", "json", "--quiet"]);
    assert_success(&o);
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("damaged.txt") && l.contains("warning"))
        .unwrap_or_else(|| panic!("no warning names the file: {err}"));
    assert!(
        line.contains("U+FFFD") && line.contains(&format!("from byte {at}")),
        "{line}"
    );
    let m = manifest(out.path());
    assert!(m["articles"][0]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("U+FFFD"));
}

#[test]
fn out_naming_a_file_is_one_clear_error() {
    let input = tempfile::tempdir().unwrap();
    copy_samples(input.path());
    let file = input.path().join("not-a-folder.md");
    std::fs::write(&file, "x").unwrap();
    let o = run(input.path(), &file, &[]);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("not-a-folder.md") && err.contains("not a folder"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn failed_writes_are_counted_named_and_run_json_still_written() {
    let input = tempfile::tempdir().unwrap();
    copy_samples(input.path());
    let out = tempfile::tempdir().unwrap();
    let o = run(input.path(), out.path(), &["--formats", "html,json"]);
    assert_success(&o);
    // A folder where a brief must go makes its write fail, as a full disk would.
    let m = manifest(out.path());
    let victim = m["articles"][0]["outputs"][0].as_str().unwrap().to_string();
    std::fs::remove_file(out.path().join(&victim)).unwrap();
    std::fs::create_dir(out.path().join(&victim)).unwrap();
    std::fs::write(out.path().join(&victim).join("x"), "x").unwrap();
    let o = run(input.path(), out.path(), &["--formats", "html,json"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains(&victim), "{err}");
    assert!(err.contains("4 with briefs, 1 failed"), "{err}");
    let m = manifest(out.path());
    assert_eq!(m["counts"]["failed"], 1);
    let failed = m["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "failed")
        .unwrap();
    assert!(failed["error"].as_str().unwrap().contains(&victim));

    // And when run.json itself cannot be written, the run says so loudly: exit 3.
    std::fs::remove_file(out.path().join("run.json")).unwrap();
    std::fs::create_dir_all(out.path().join("run.json/x")).unwrap();
    let o = run(input.path(), out.path(), &["--formats", "html,json"]);
    assert_exit(&o, 3);
    let err = stderr(&o);
    assert!(
        err.contains("not written") && err.contains("run.json"),
        "{err}"
    );
}

#[test]
fn outputs_inside_the_input_folder_are_never_read_back() {
    let input = tempfile::tempdir().unwrap();
    copy_samples(input.path());
    let out = input.path().join("briefs");
    for _ in 0..2 {
        let o = run(input.path(), &out, &["--formats", "html,json"]);
        assert_success(&o);
        let m = manifest(&out);
        assert_eq!(m["counts"]["articles"], 5, "{}", stderr(&o));
    }
    // Named explicitly, an output is still not an input.
    let brief = out.join(
        manifest(&out)["articles"][0]["outputs"][0]
            .as_str()
            .unwrap(),
    );
    let o = run_cmd(input.path(), &out, &["--formats", "html,json"])
        .arg(&brief)
        .output()
        .unwrap();
    assert_success(&o);
    assert_eq!(manifest(&out)["counts"]["articles"], 5);
    assert!(stderr(&o).contains("not read as input"), "{}", stderr(&o));
    // Also with the cache folder placed among the inputs.
    let cache = input.path().join("cache");
    let o = run(
        input.path(),
        &out,
        &["--formats", "html", "--cache", cache.to_str().unwrap()],
    );
    assert_success(&o);
    assert_eq!(manifest(&out)["counts"]["articles"], 5);
}

#[test]
fn an_output_folder_above_the_inputs_excludes_only_itself() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("articles");
    std::fs::create_dir(&input).unwrap();
    copy_samples(&input);
    for _ in 0..2 {
        let o = run(&input, work.path(), &["--formats", "html"]);
        assert_success(&o);
        assert_eq!(manifest(work.path())["counts"]["ok"], 5);
    }
}

#[test]
fn a_second_run_on_the_same_out_is_refused_naming_the_first_and_waits_with_wait() {
    let input = tempfile::tempdir().unwrap();
    flores_articles(input.path(), 40);
    let out = tempfile::tempdir().unwrap();
    let slow = ["--formats", "json", "--batch-tokens", "64"];
    let mut first = run_cmd(input.path(), out.path(), &slow).spawn().unwrap();
    let lock = out.path().join(".nashra.lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.contains("pid")) {
        assert!(Instant::now() < deadline, "first run never took the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = run(input.path(), out.path(), &slow);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains(&format!("pid {}", first.id())),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("started "), "{}", stderr(&o));
    // A waiting run takes over the lock the killed first run leaves behind.
    let waiting = run_cmd(input.path(), out.path(), &[&slow[..], &["--wait"]].concat())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    first.kill().unwrap();
    let _ = first.wait();
    let o = wait_or_kill(
        waiting,
        Duration::from_secs(120),
        "run waiting for the lock",
    );
    assert_success(&o);
    assert_eq!(ok_count(out.path()), 40);
}

/// A seeded generator (SplitMix64) for kill moments: a fixed sequence keeps failures
/// reproducible, and one function is all the test needs from a random-number crate.
struct SplitMix(u64);
impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Sentences each model call of a run started on (from `RUST_LOG=nashra=debug`).
fn started_sentences(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("model call starts"))
        .filter_map(|l| l.split("sentences=").nth(1))
        .filter_map(|n| n.split_whitespace().next()?.parse::<usize>().ok())
        .sum()
}

#[test]
fn ten_kills_at_random_moments_lose_no_finished_work() {
    let input = tempfile::tempdir().unwrap();
    let sentences = flores_articles(input.path(), 50);
    assert!(sentences >= 300);
    // Small batches: with a few hundred sentences, the work in flight at a kill (one batch
    // per worker) must stay a small share of the run.
    let args = [
        "--formats",
        "html,json",
        "--batch-tokens",
        "96",
        "--threads",
        "2",
    ];
    let decode = ["--beam", "1", "--max-length", "32"];
    let cmd = |out: &Path| {
        let mut c = run_with("aren", &decode, input.path(), out, &args);
        c.env("RUST_LOG", "nashra=debug");
        c
    };
    let reference = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = cmd(reference.path()).output().unwrap();
    let one_run = started.elapsed();
    assert_success(&o);
    let translated = manifest(reference.path())["counts"]["translated"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(started_sentences(&stderr(&o)), translated);

    let out = tempfile::tempdir().unwrap();
    let mut rng = SplitMix(14);
    let mut total = 0;
    for kill in 0..10 {
        let mut child = cmd(out.path()).spawn().unwrap();
        let at = one_run.mul_f64(rng.next_f64());
        std::thread::sleep(at);
        child.kill().unwrap();
        let o = child.wait_with_output().unwrap();
        total += started_sentences(&stderr(&o));
        // Whatever is there is complete.
        for (name, bytes) in outputs(out.path()) {
            if name.ends_with(".json") {
                serde_json::from_slice::<Value>(&bytes)
                    .unwrap_or_else(|e| panic!("kill {kill}: {name}: {e}"));
            }
        }
    }
    let o = cmd(out.path()).output().unwrap();
    assert_success(&o);
    total += started_sentences(&stderr(&o));
    assert_eq!(outputs(out.path()), outputs(reference.path()));
    eprintln!("one run: {translated} sentences in {one_run:?}; over 10 kills and a rerun: {total}");
    assert!(
        total as f64 <= 1.2 * translated as f64,
        "{total} sentences translated over all attempts, one run translates {translated}"
    );
}
