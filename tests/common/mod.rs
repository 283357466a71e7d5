//! The harness every integration test shares: where the repository and its fixtures are, the
//! `nashra` binary run with nothing inherited from the caller's environment, and reading what
//! a run wrote (`run.json`, briefs, output folders).
//!
//! Everything a test reads lives in the repository (`samples/`, `tests/fixtures/`), never in
//! a folder beside it, so the tests run in any clone.

// Each file under tests/ is a crate of its own that uses only some of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use candle_core::Device;
use nashra::brief::Brief;
use nashra::translate::model::weights::{WeightsFormat, WeightsLocation};
use nashra::translate::{DecodeOptions, Engine, Hypothesis};
use serde_json::Value;

/// The repository root (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A fixture model's folder: `copy`, `aren` or `tcbig` (see `tests/fixtures/make_fixtures.py`).
pub fn model_dir(name: &str) -> PathBuf {
    fixture("models").join(name)
}

/// The five sample articles (`samples/articles`): one event reported by five sites.
pub fn samples() -> PathBuf {
    root().join("samples/articles")
}

/// Copies the sample articles into `dir`, a test's own input folder.
pub fn copy_samples(dir: &Path) {
    copy_first_samples(dir, usize::MAX);
}

/// Copies the first `n` sample articles (by file name) into `dir`.
pub fn copy_first_samples(dir: &Path, n: usize) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths.iter().take(n) {
        std::fs::copy(p, dir.join(p.file_name().unwrap())).unwrap();
    }
}

/// The dev set vendored from the shared data folder: 40 pages from 40 sites, six topics, no
/// event in common, with gold line labels (`tests/fixtures/devset/README.md`).
pub fn devset() -> PathBuf {
    fixture("devset")
}

/// The Arabic side of the FLORES dev sentences in `samples/flores`, one per line.
pub fn flores_ar() -> Vec<String> {
    std::fs::read_to_string(root().join("samples/flores/flores-dev.ar"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// Environment variables that change what a run does or which shard it is.
const INHERITED: [&str; 7] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
    "RUST_LOG",
];

/// The `nashra` binary with no setting inherited from the caller (no `NASHRA_*` variable, no
/// scheduler's shard variables, no `RUST_LOG`), stdin empty, stdout and stderr captured.
/// Tests add what they need with `.env(…)`.
pub fn nashra() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nashra"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("NASHRA_") {
            cmd.env_remove(name);
        }
    }
    for name in INHERITED {
        cmd.env_remove(name);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` with `stdin` written to its standard input, to the end.
pub fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = cmd.stdin(Stdio::piped()).spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A text file's lines.
pub fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(String::from)
        .collect()
}

/// The decoding flags of most run tests: small beams and short outputs keep them fast.
pub const QUICK_DECODE: [&str; 4] = ["--beam", "2", "--max-length", "40"];

/// `nashra run INPUTS --out OUT --model-dir <copy fixture> --beam 2 --max-length 40 EXTRA…`
pub fn run_cmd(inputs: &Path, out: &Path, extra: &[&str]) -> Command {
    run_with("copy", &QUICK_DECODE, inputs, out, extra)
}

/// `nashra run INPUTS --out OUT --model-dir <fixture model> DECODE… EXTRA…`
pub fn run_with(
    model: &str,
    decode: &[&str],
    inputs: &Path,
    out: &Path,
    extra: &[&str],
) -> Command {
    let mut cmd = nashra();
    cmd.arg("run")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .arg("--model-dir")
        .arg(model_dir(model))
        .args(decode)
        .args(extra);
    cmd
}

/// Runs [`run_cmd`] to the end.
pub fn run(inputs: &Path, out: &Path, extra: &[&str]) -> Output {
    run_cmd(inputs, out, extra).output().unwrap()
}

/// A process's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails unless the process exited with `code`; the message is its stderr.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
}

/// Fails unless the process exited with 0; the message is its stderr.
#[track_caller]
pub fn assert_success(o: &Output) {
    assert_exit(o, 0);
}

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The manifest (`run.json`) of a run's output folder.
pub fn manifest(out: &Path) -> Value {
    read_json(&out.join("run.json"))
}

/// Every plain file of a folder (not its subfolders: the cache, the shard manifests), name →
/// bytes.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// [`files`] without hidden ones (the run lock).
pub fn visible_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = files(dir);
    all.retain(|name, _| !name.starts_with('.'));
    all
}

/// The briefs of a run's output folder (every `.json` but `run.json` and `index.json`), in
/// slug order.
pub fn briefs(out: &Path) -> Vec<Brief> {
    let mut v: Vec<Brief> = files(out)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".json") && n != "run.json" && n != "index.json")
        .map(|(n, b)| serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{n}: {e}")))
        .collect();
    v.sort_by(|a, b| a.slug.cmp(&b.slug));
    v
}

/// A JSON array of token ids (as the golden files store them) as `u32`s.
pub fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// How `hyp` differs from a golden output (`{"ids", "score"}`): `None` when it has the same
/// ids and a score within 1e-4 (relative, or absolute below 1).
pub fn golden_mismatch(hyp: &Hypothesis, want: &Value) -> Option<String> {
    let want_ids = ids(&want["ids"]);
    let want_score = want["score"].as_f64().unwrap() as f32;
    if hyp.tokens != want_ids {
        Some(format!(
            "ids differ\n  got  {:?}\n  want {want_ids:?}",
            hyp.tokens
        ))
    } else if (hyp.score - want_score).abs() > 1e-4 * want_score.abs().max(1.0) {
        Some(format!("score {} vs reference {want_score}", hyp.score))
    } else {
        None
    }
}

/// A fixture model that ships a `pytorch_model.bin` (the tc-big-shaped ones), loaded as an
/// engine on the CPU.
pub fn pytorch_engine(name: &str) -> Engine {
    let dir = model_dir(name);
    Engine::load(
        &dir.join("config.json"),
        Some(&dir.join("generation_config.json")),
        &WeightsLocation {
            path: dir.join("pytorch_model.bin"),
            format: WeightsFormat::Pytorch,
        },
        &Device::Cpu,
    )
    .unwrap_or_else(|e| panic!("fixture {name} loads: {e}"))
}

/// Token `token`'s input embedding as `engine` holds it, widened to `f32`.
pub fn embedding(engine: &Engine, token: u32) -> Vec<f32> {
    engine
        .model()
        .embedding_row(token)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
}

/// One case of a golden `generate` file (its `settings`, `batch_size` and `source_ids`)
/// decoded by `engine` in the case's own batches: every hypothesis, in source order.
pub fn decode_golden_case(engine: &Engine, case: &Value) -> Vec<Hypothesis> {
    let settings = &case["settings"];
    let opts = DecodeOptions {
        num_beams: settings["num_beams"].as_u64().unwrap() as usize,
        max_length: settings["max_length"].as_u64().unwrap() as usize,
        ..engine.default_options().clone()
    };
    let batch_size = case["batch_size"].as_u64().unwrap() as usize;
    let sources: Vec<Vec<u32>> = case["source_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(ids)
        .collect();
    sources
        .chunks(batch_size)
        .flat_map(|chunk| {
            let batch: Vec<&[u32]> = chunk.iter().map(Vec::as_slice).collect();
            engine.generate(&batch, &opts).unwrap()
        })
        .collect()
}

/// A cleaned article as the summarizer sees it in `nashra run`: its headline (text,
/// normalised) and its body sentences (original, normalised), headings left out.
pub struct SummaryInput {
    pub headline: Option<(String, String)>,
    pub sentences: Vec<(String, String)>,
}

impl SummaryInput {
    pub fn of(article: &nashra::clean::Article) -> Self {
        use nashra::clean::BlockKind;
        let mut headline = None;
        let mut sentences = Vec::new();
        for b in &article.blocks {
            match b.kind {
                BlockKind::Title => headline = Some((b.text.clone(), b.normalized.clone())),
                BlockKind::Heading => {}
                BlockKind::Paragraph => sentences.extend(
                    b.sentences
                        .iter()
                        .map(|s| (s.original.clone(), s.normalized.clone())),
                ),
            }
        }
        SummaryInput {
            headline,
            sentences,
        }
    }
}

/// The greedy oracle of the summary tests: `k` times (at most `n`), the sentence whose
/// addition gives the highest `gain` (called with the chosen indices in ascending order; ties
/// to the earlier sentence); the chosen indices in ascending order.
pub fn greedy_oracle(n: usize, k: usize, gain: impl Fn(&[usize]) -> f64) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < k.min(n) {
        let mut best: Option<(f64, usize)> = None;
        for i in (0..n).filter(|i| !chosen.contains(i)) {
            let mut c = chosen.clone();
            c.push(i);
            c.sort_unstable();
            let g = gain(&c);
            if best.is_none_or(|(b, _)| g > b) {
                best = Some((g, i));
            }
        }
        chosen.push(best.expect("a sentence is left").1);
    }
    chosen.sort_unstable();
    chosen
}
