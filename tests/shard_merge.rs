//! Shards end to end: `run --shard I/N` processes running side by side into one `--out`,
//! then `merge`, give what a one-process run gives; the scheduler's environment selects the
//! same shard as the flag.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_exit, nashra, read_json, visible_files};
use serde_json::Value;

/// `nashra run` with the usual fixture flags, on one thread.
fn run_cmd(inputs: &Path, out: &Path, extra: &[&str]) -> Command {
    common::run_cmd(inputs, out, &[&["--threads", "1"], extra].concat())
}

/// The sample articles, the same texts again as JSON-lines records with their own ids (so
/// there are enough articles for three shards), a duplicate and two inputs that fail.
fn inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut jsonl = String::new();
    let mut samples: Vec<PathBuf> = std::fs::read_dir(common::samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    samples.sort();
    for (i, p) in samples.iter().enumerate() {
        std::fs::copy(p, dir.path().join(p.file_name().unwrap())).unwrap();
        let text = std::fs::read_to_string(p).unwrap();
        for copy in 0..2 {
            let record = serde_json::json!({"id": format!("feed-{i}-{copy}"), "text": text});
            jsonl.push_str(&format!("{record}\n"));
        }
    }
    jsonl.push_str("{not json}\n");
    std::fs::write(dir.path().join("feed.jsonl"), jsonl).unwrap();
    std::fs::copy(&samples[0], dir.path().join("zz-duplicate.txt")).unwrap();
    std::fs::write(
        dir.path().join("english.txt"),
        "This one is in English only.",
    )
    .unwrap();
    dir
}

#[test]
fn three_concurrent_shards_then_merge_equal_a_one_process_run() {
    let input = inputs();
    let single = tempfile::tempdir().unwrap();
    let sharded = tempfile::tempdir().unwrap();
    let shards: Vec<_> = (0..3)
        .map(|i| {
            run_cmd(
                input.path(),
                sharded.path(),
                &["--shard", &format!("{i}/3")],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    assert_exit(
        &run_cmd(input.path(), single.path(), &[]).output().unwrap(),
        2,
    );
    for child in shards {
        let o = child.wait_with_output().unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 2)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The last shard to finish has merged already.
    let auto = visible_files(sharded.path());
    assert!(auto.contains_key("index.html") && auto.contains_key("run.json"));
    assert_exit(
        &nashra().arg("merge").arg(sharded.path()).output().unwrap(),
        2,
    );

    let one = visible_files(single.path());
    let merged = visible_files(sharded.path());
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&one), names(&merged));
    for (name, bytes) in &one {
        if name != "run.json" {
            assert!(
                &merged[name] == bytes,
                "{name} differs from the one-process run's"
            );
            assert!(
                &auto[name] == bytes,
                "{name}: the last shard's merge differs"
            );
        }
    }
    let (one, merged) = (
        read_json(&single.path().join("run.json")),
        read_json(&sharded.path().join("run.json")),
    );
    assert_eq!(one["articles"], merged["articles"]);
    for key in ["articles", "ok", "failed", "skipped", "sentences"] {
        assert_eq!(one["counts"][key], merged["counts"][key], "counts.{key}");
    }
    let shards = merged["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 3);
    let sum = |key: &str| shards.iter().map(|s| s[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        sum("articles"),
        merged["counts"]["articles"].as_u64().unwrap()
    );
    assert_eq!(
        sum("sentences"),
        merged["counts"]["sentences"].as_u64().unwrap()
    );
    assert!(shards.iter().all(|s| s["source"] == "flag"));
    // Every article listed once in the index.
    let index = String::from_utf8(std::fs::read(sharded.path().join("index.md")).unwrap()).unwrap();
    let ok: Vec<&Value> = merged["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "ok")
        .collect();
    assert_eq!(ok.len(), 10 + 5);
    // Each brief is listed once, in a story of its own or as one article of a larger one
    // (a story's summary links its sentences' articles too: those lines are not the list).
    let listed: Vec<&str> = index.lines().filter(|l| l.starts_with("- ")).collect();
    let links: usize = listed.iter().map(|l| l.matches(".md)").count()).sum();
    assert_eq!(links, ok.len());
    for a in ok {
        let md = a["outputs"][1].as_str().unwrap();
        let link = format!("({md})");
        assert_eq!(
            listed.iter().filter(|l| l.contains(&link)).count(),
            1,
            "{md}"
        );
    }
}

#[test]
fn slurm_task_5_of_an_array_from_4_is_shard_1_of_3() {
    let input = inputs();
    let by_env = tempfile::tempdir().unwrap();
    let by_flag = tempfile::tempdir().unwrap();
    let o = run_cmd(input.path(), by_env.path(), &[])
        .env("SLURM_ARRAY_TASK_ID", "5")
        .env("SLURM_ARRAY_TASK_MIN", "4")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 2)), "{o:?}");
    let o = run_cmd(input.path(), by_flag.path(), &["--shard", "1/3"])
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 2)), "{o:?}");
    let env_manifest = read_json(&by_env.path().join("shards/1-of-3.json"));
    let flag_manifest = read_json(&by_flag.path().join("shards/1-of-3.json"));
    assert_eq!(env_manifest["shard"]["source"], "slurm");
    assert!(env_manifest["shard"]["detail"]
        .as_str()
        .unwrap()
        .contains("SLURM_ARRAY_TASK_ID=5"));
    assert_eq!(flag_manifest["shard"]["source"], "flag");
    assert_eq!(
        env_manifest["part"]["records"],
        flag_manifest["part"]["records"]
    );
    assert!(!env_manifest["part"]["records"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(visible_files(by_env.path()), visible_files(by_flag.path()));
}

#[test]
fn merge_reports_missing_shards_and_partial_merges_name_them() {
    let input = inputs();
    let out = tempfile::tempdir().unwrap();
    for i in [0, 2] {
        let o = run_cmd(input.path(), out.path(), &["--shard", &format!("{i}/3")])
            .output()
            .unwrap();
        assert!(matches!(o.status.code(), Some(0 | 2)), "{o:?}");
    }
    assert!(
        !out.path().join("run.json").exists(),
        "merged without shard 1"
    );
    let o = nashra().arg("merge").arg(out.path()).output().unwrap();
    assert_exit(&o, 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("shard 1 of 3 missing"), "{err}");
    let o = nashra()
        .args(["merge", "--partial"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_exit(&o, 2);
    let m = read_json(&out.path().join("run.json"));
    assert_eq!(m["missing_shards"], serde_json::json!([1]));
    assert_eq!(m["shards"].as_array().unwrap().len(), 2);
}

#[test]
fn malformed_shard_settings_are_clear_errors() {
    let input = inputs();
    let out = tempfile::tempdir().unwrap();
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (&["--shard", "3/3"], &[], "--shard"),
        (
            &[],
            &[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_MIN", "0")],
            "SLURM_ARRAY_TASK_ID",
        ),
        (&[], &[("JOB_COMPLETION_INDEX", "1")], "NASHRA_SHARDS"),
    ];
    for (args, env, needle) in cases {
        let mut cmd = run_cmd(input.path(), out.path(), args);
        cmd.envs(env.iter().copied());
        let o = cmd.output().unwrap();
        assert_exit(&o, 1);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?} {env:?}: {err}");
    }
}
