//! A smoke run of `nashra bench` on the fixture model: the JSON fields exist and agree.

mod common;

use common::{assert_success, nashra, root};

#[test]
fn bench_json_fields_exist_and_agree() {
    let out = nashra()
        .current_dir(root())
        .args([
            "bench",
            "--n",
            "4",
            "--json",
            "--beam",
            "2",
            "--batch-size",
            "2",
        ])
        .args(["--min-length", "12", "--max-length", "12", "--warmup", "1"])
        .args(["--model-dir", "tests/fixtures/models/aren"])
        .output()
        .unwrap();
    assert_success(&out);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "sentences",
        "seconds",
        "sent_per_s",
        "src_tokens",
        "tgt_tokens",
        "src_tokens_per_s",
        "tgt_tokens_per_s",
        "batch_latency_p50_s",
        "batch_latency_p95_s",
        "model_load_s",
        "peak_rss_mib",
        "settings",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    let f = |k: &str| r[k].as_f64().unwrap();
    assert_eq!(r["sentences"], 4);
    // Every sentence decodes exactly max_length - 1 = 11 tokens.
    assert_eq!(r["tgt_tokens"], 4 * 11);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
    assert!(close(f("sent_per_s"), f("sentences") / f("seconds")));
    assert!(close(f("src_tokens_per_s"), f("src_tokens") / f("seconds")));
    assert!(close(f("tgt_tokens_per_s"), f("tgt_tokens") / f("seconds")));
    assert_eq!(r["settings"]["num_beams"], 2);
    assert_eq!(r["settings"]["max_length"], 12);
    assert!(f("batch_latency_p95_s") >= f("batch_latency_p50_s"));
}

/// `--compare` over two models: one report per model and grid point, each naming its model,
/// and a table row per report.
#[test]
fn compare_grid_covers_every_model() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = nashra()
        .current_dir(root())
        .args(["bench", "--compare", "--n", "2", "--warmup", "0"])
        .args([
            "--grid-beams",
            "1",
            "--grid-batches",
            "2",
            "--grid-threads",
            "1",
        ])
        .args(["--min-length", "6", "--max-length", "6"])
        .args([
            "--grid-models",
            "tests/fixtures/models/aren,tests/fixtures/models/tcbig",
        ])
        .arg("--out")
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let json = std::fs::read_to_string(out_dir.path().join("bench.json")).unwrap();
    let reports: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let models: Vec<&str> = reports
        .iter()
        .map(|r| r["model"].as_str().unwrap())
        .collect();
    assert_eq!(models.len(), 2);
    assert!(
        models[0].ends_with("aren") && models[1].ends_with("tcbig"),
        "{models:?}"
    );
    let table = std::fs::read_to_string(out_dir.path().join("bench.md")).unwrap();
    assert_eq!(table.lines().count(), 4, "{table}");
}

/// `--task summarize` on the BART fixture: every document (a repeated one too) decoded to
/// the fixed length and counted.
#[test]
fn summarize_task_measures_every_document() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs.txt");
    let doc = "Officials said the talks in Cairo would resume next week after a pause.";
    std::fs::write(
        &docs,
        format!("{doc}\n{doc}\nThe fox jumped over the dog.\n"),
    )
    .unwrap();
    let out = nashra()
        .current_dir(root())
        .args(["bench", "--task", "summarize", "--json", "--n", "3"])
        .arg("--input")
        .arg(&docs)
        .args(["--min-length", "10", "--max-length", "10"])
        .args(["--model-dir", "tests/fixtures/models/bart-tiny"])
        .output()
        .unwrap();
    assert_success(&out);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["sentences"], 3);
    assert_eq!(r["tgt_tokens"], 3 * 9);
    assert!(r["model"].as_str().unwrap().ends_with("bart-tiny"), "{r}");
}
