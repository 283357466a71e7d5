//! `nashra translate` end to end, model resolution (a local Hub stand-in on loopback, the
//! Hugging Face cache, offline mode) and every model-loading failure: each must exit non-zero
//! with a message naming the file and the cause.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::{assert_exit, assert_success, fixture, model_dir, read_json, stderr};
use serde_json::Value;

fn nashra(args: &[&str], stdin: &str, env: &[(&str, &Path)]) -> Output {
    let mut cmd = common::nashra();
    cmd.args(args)
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_ENDPOINT")
        .env_remove("HF_HUB_CACHE")
        .env("HF_HOME", "/nonexistent-hf-home");
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run_with_stdin(cmd, stdin)
}

fn flores(n: std::ops::Range<usize>) -> Vec<String> {
    common::flores_ar()[n].to_vec()
}

/// A copy of a fixture model directory that a test may damage.
fn model_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(model_dir(name)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn translates_line_by_line_like_the_reference() {
    let golden = read_json(&fixture("golden/generate.json"));
    let case = golden["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "copy_beam4")
        .unwrap();
    let mut input = String::new();
    let lines = flores(0..16);
    for (i, l) in lines.iter().enumerate() {
        input.push_str(l);
        input.push('\n');
        if i == 3 {
            input.push('\n'); // an empty line gives an empty line
        }
    }
    let model = model_dir("copy");
    let out = nashra(
        &[
            "translate",
            "--model-dir",
            model.to_str().unwrap(),
            "--beam",
            "4",
            "--max-length",
            "96",
            "--batch-size",
            "5",
        ],
        &input,
        &[],
    );
    assert_success(&out);
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(got.len(), 17);
    assert_eq!(got[4], "");
    let expected: Vec<&str> = case["outputs"].as_array().unwrap()[..16]
        .iter()
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    let got_texts: Vec<&str> = got
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(_, s)| s.as_str())
        .collect();
    assert_eq!(got_texts, expected);
}

#[test]
fn offline_and_not_cached_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let out = nashra(
        &["translate"],
        "مرحبا\n",
        &[("HF_HOME", home.path()), ("HF_HUB_OFFLINE", Path::new("1"))],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("Helsinki-NLP/opus-mt-tc-big-ar-en@bcb4acd39ee8e3552e171653a8e31a10729b4330")
            && err.contains("not in the Hugging Face cache")
            && err.contains("nashra models fetch"),
        "{err}"
    );
}

#[test]
fn python_layout_cache_works_offline_at_a_pinned_commit() {
    let home = tempfile::tempdir().unwrap();
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let snap = home
        .path()
        .join("hub/models--test-org--tiny-ar-en/snapshots")
        .join(commit);
    std::fs::create_dir_all(&snap).unwrap();
    for f in [
        "config.json",
        "generation_config.json",
        "pytorch_model.bin",
        "source.spm",
        "vocab.json",
    ] {
        std::fs::copy(model_dir("copy").join(f), snap.join(f)).unwrap();
    }
    std::fs::copy(
        model_dir("copy").join("source.spm"),
        snap.join("target.spm"),
    )
    .unwrap();
    let out = nashra(
        &[
            "translate",
            "--model",
            "test-org/tiny-ar-en",
            "--revision",
            commit,
            "--beam",
            "1",
        ],
        "مرحبا بالعالم\n",
        &[("HF_HOME", home.path()), ("HF_HUB_OFFLINE", Path::new("1"))],
    );
    assert_success(&out);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
}

/// A minimal stand-in for the Hub's HTTP interface (file listing and `resolve` downloads with
/// ranges), serving a fixture model on loopback for a bounded number of requests.
fn serve_model(model: PathBuf, commit: &'static str) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        for stream in listener.incoming().take(40) {
            let Ok(mut stream) = stream else { break };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut range_start = None;
            let mut range_end = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(r) = lower.strip_prefix("range: bytes=") {
                    let r = r.trim();
                    let (a, b) = r.split_once('-').unwrap();
                    range_start = a.parse::<usize>().ok();
                    range_end = b.parse::<usize>().ok();
                }
            }
            let (status, headers, body) = if path.starts_with("/api/models/") {
                let files: Vec<Value> = std::fs::read_dir(&model)
                    .unwrap()
                    .map(|e| {
                        serde_json::json!({"rfilename": e.unwrap().file_name().to_string_lossy()})
                    })
                    .collect();
                let body = serde_json::json!({"sha": commit, "siblings": files}).to_string();
                (
                    "200 OK",
                    "Content-Type: application/json\r\n".to_string(),
                    body.into_bytes(),
                )
            } else if let Some(file) = path
                .rsplit('/')
                .next()
                .filter(|_| path.contains("/resolve/"))
            {
                match std::fs::read(model.join(file)) {
                    Ok(bytes) => {
                        let start = range_start.unwrap_or(0).min(bytes.len());
                        let end = range_end.map_or(bytes.len(), |e| (e + 1).min(bytes.len()));
                        let headers = format!(
                            "ETag: \"etag-{file}\"\r\nX-Repo-Commit: {commit}\r\nContent-Range: bytes {start}-{}/{}\r\n",
                            end.saturating_sub(1),
                            bytes.len()
                        );
                        ("206 Partial Content", headers, bytes[start..end].to_vec())
                    }
                    Err(_) => ("404 Not Found", String::new(), b"not found".to_vec()),
                }
            } else {
                ("404 Not Found", String::new(), b"not found".to_vec())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        }
    });
    (addr, handle)
}

#[test]
fn downloads_from_the_hub_into_the_cache_then_runs_offline() {
    let model = model_copy("aren");
    let commit = "fedcba9876543210fedcba9876543210fedcba98";
    let (endpoint, _server) = serve_model(model.path().to_path_buf(), commit);
    let home = tempfile::tempdir().unwrap();
    let endpoint_path = PathBuf::from(&endpoint);
    let args = [
        "models",
        "fetch",
        "test-org/tiny-aren",
        "--revision",
        commit,
    ];
    let out = nashra(
        &args,
        "",
        &[("HF_HOME", home.path()), ("HF_ENDPOINT", &endpoint_path)],
    );
    assert_success(&out);
    let snap = home
        .path()
        .join("hub/models--test-org--tiny-aren/snapshots")
        .join(commit);
    for f in [
        "config.json",
        "model.safetensors",
        "source.spm",
        "vocab.json",
    ] {
        assert!(snap.join(f).exists(), "{f} not cached");
    }
    // Now offline, from the cache only.
    let out = nashra(
        &[
            "translate",
            "--model",
            "test-org/tiny-aren",
            "--revision",
            commit,
            "--beam",
            "1",
        ],
        "مرحبا\n",
        &[("HF_HOME", home.path()), ("HF_HUB_OFFLINE", Path::new("1"))],
    );
    assert_success(&out);
}

#[test]
fn unreachable_hub_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    // Nothing listens on this port.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = PathBuf::from(format!("http://{}", dead.local_addr().unwrap()));
    drop(dead);
    let out = nashra(
        &["translate", "--model", "test-org/absent"],
        "مرحبا\n",
        &[("HF_HOME", home.path()), ("HF_ENDPOINT", &endpoint)],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("test-org/absent@main") && err.contains("cannot download"),
        "{err}"
    );
}

fn translate_with(dir: &Path) -> Output {
    nashra(
        &["translate", "--model-dir", dir.to_str().unwrap()],
        "مرحبا\n",
        &[],
    )
}

#[test]
fn missing_file_is_named() {
    let dir = model_copy("copy");
    std::fs::remove_file(dir.path().join("vocab.json")).unwrap();
    let out = translate_with(dir.path());
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("has no vocab.json"),
        "{}",
        stderr(&out)
    );

    let dir = model_copy("copy");
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    std::fs::remove_file(dir.path().join("pytorch_model.bin")).unwrap();
    let out = translate_with(dir.path());
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("no weights file"), "{}", stderr(&out));
}

#[test]
fn corrupt_weights_are_reported() {
    for weights in ["model.safetensors", "pytorch_model.bin"] {
        let dir = model_copy("copy");
        if weights == "pytorch_model.bin" {
            std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
        }
        let path = dir.path().join(weights);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() / 3);
        std::fs::write(&path, bytes).unwrap();
        let out = translate_with(dir.path());
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(weights) && err.contains("corrupt weights"),
            "{err}"
        );
    }
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("config.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, v.to_string()).unwrap();
}

#[test]
fn config_and_weights_shape_mismatch_is_reported() {
    let dir = model_copy("copy");
    edit_config(dir.path(), |v| v["encoder_ffn_dim"] = 256.into());
    let out = translate_with(dir.path());
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("model.safetensors") && err.contains("do not match config.json"),
        "{err}"
    );
}

#[test]
fn unsupported_architecture_is_reported() {
    let dir = model_copy("copy");
    edit_config(dir.path(), |v| v["model_type"] = "bart".into());
    let out = translate_with(dir.path());
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("config.json") && err.contains("unsupported model"),
        "{err}"
    );
    let dir = model_copy("copy");
    edit_config(dir.path(), |v| v["normalize_before"] = true.into());
    let out = translate_with(dir.path());
    assert!(
        stderr(&out).contains("unsupported model"),
        "{}",
        stderr(&out)
    );
}
