//! Byte-identity guard: `nashra run` with the `copy` fixture model on the sample articles and
//! on the vendored dev set writes exactly the files it wrote when the digests in
//! `tests/fixtures/golden/briefs/` were made: every brief (`.html`, `.md`, `.json`) and the
//! index (`index.*`). Only `run.json` is left out (it records timings). A refactor must leave
//! these digests alone.
//!
//! The digests are SHA-256, one `HEX  NAME` line per file, as `sha256sum` writes them (so
//! `sha256sum -c` checks them against any output folder); the files themselves are not
//! committed, to keep the repository small. They were made from `main` before issue 20 and
//! equal the reference outputs of that code.
//!
//! A change that alters outputs on purpose re-blesses them:
//! `NASHRA_BLESS=1 cargo test --test briefs_golden` rewrites the digest files, which are then
//! committed with a message saying why the outputs changed.
//!
//! A brief records the path it was read from, so each run reads its input as the repository-
//! relative path (`samples/articles`, `tests/fixtures/devset`) from the repository root. The
//! reference outputs of `main` (`/work/baseline`, read from `/work/shared/data/devset`) give
//! these digests once that one path is spelled the same (see the commit that added them).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{assert_success, nashra, root, visible_files};
use sha2::{Digest, Sha256};

/// The settings of the reference outputs.
const SETTINGS: [&str; 7] = [
    "--beam",
    "2",
    "--max-length",
    "40",
    "--threads",
    "2",
    "--quiet",
];

/// Where the digests of one input set are kept.
fn digest_file(set: &str) -> PathBuf {
    common::fixture("golden/briefs").join(format!("{set}.sha256"))
}

/// `nashra run INPUT --out OUT` from the repository root, with the copy model and
/// [`SETTINGS`].
fn run(input: &str, out: &Path) {
    let o = nashra()
        .current_dir(root())
        .args(["run", input, "--out"])
        .arg(out)
        .args(["--model-dir", "tests/fixtures/models/copy"])
        .args(SETTINGS)
        .output()
        .unwrap();
    assert_success(&o);
}

/// The SHA-256 of every output file but `run.json`, by name.
fn digests(out: &Path) -> BTreeMap<String, String> {
    let mut files = visible_files(out);
    files.remove("run.json");
    files
        .into_iter()
        .map(|(name, bytes)| (name, hex::encode(Sha256::digest(&bytes))))
        .collect()
}

/// `HEX  NAME` lines, as `sha256sum` writes them.
fn format_digests(digests: &BTreeMap<String, String>) -> String {
    digests
        .iter()
        .map(|(name, hex)| format!("{hex}  {name}\n"))
        .collect()
}

fn parse_digests(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (hex, name) = l.split_once("  ").expect("a `HEX  NAME` line");
            (name.to_string(), hex.to_string())
        })
        .collect()
}

/// Compares a run's outputs with the committed digests of `set`, or rewrites them when
/// `NASHRA_BLESS=1`.
fn check(set: &str, out: &Path) {
    let got = digests(out);
    let path = digest_file(set);
    if std::env::var_os("NASHRA_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format_digests(&got)).unwrap();
        eprintln!("{}: blessed {} files", path.display(), got.len());
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (make it with NASHRA_BLESS=1)", path.display()));
    let want = parse_digests(&text);
    let mut problems = Vec::new();
    for (name, hex) in &want {
        match got.get(name) {
            None => problems.push(format!("{name}: missing")),
            Some(h) if h != hex => problems.push(format!("{name}: differs")),
            Some(_) => {}
        }
    }
    for name in got.keys().filter(|n| !want.contains_key(*n)) {
        problems.push(format!("{name}: new file"));
    }
    assert!(
        problems.is_empty(),
        "{set}: {} of {} output files are not what {} records:\n  {}\n\
         If the change is meant, re-bless with `NASHRA_BLESS=1 cargo test --test briefs_golden` \
         and say why in the commit message.",
        problems.len(),
        want.len().max(got.len()),
        path.display(),
        problems.join("\n  ")
    );
}

#[test]
fn sample_briefs_are_byte_identical() {
    let out = tempfile::tempdir().unwrap();
    run("samples/articles", out.path());
    check("samples", out.path());
}

#[test]
fn devset_briefs_are_byte_identical() {
    let out = tempfile::tempdir().unwrap();
    run("tests/fixtures/devset", out.path());
    check("devset", out.path());
}
