//! `nashra clean` end to end: the JSON shape the issue asks for, and a bad file among good ones.

mod common;

use common::{assert_exit, assert_success, nashra, samples};

#[test]
fn json_output_has_the_documented_fields_and_bad_files_give_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        samples().join("003_2e86b2f1023d5d9a.txt"),
        dir.path().join("a.txt"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.txt"),
        "Only English here, nothing else at all.",
    )
    .unwrap();
    std::fs::write(dir.path().join("c.txt"), [0xffu8, 0xfe, 0x00, 0xd8]).unwrap();
    let out = nashra()
        .args(["clean", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("b.txt") && stderr.contains("not mainly Arabic"),
        "{stderr}"
    );
    assert!(stderr.contains("c.txt"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let articles: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(articles.len(), 1);
    let a = &articles[0];
    for key in ["id", "path", "title", "metadata", "blocks", "dropped"] {
        assert!(a.get(key).is_some(), "missing {key}");
    }
    let block = &a["blocks"][0];
    assert_eq!(block["kind"], "title");
    assert_eq!(block["lines"], serde_json::json!([1, 1]));
    assert!(block["text"].is_string() && block["sentences"].is_array());
    let drop = &a["dropped"][0];
    assert_eq!(drop["line"], 2);
    assert!(drop["reason"].as_str().unwrap().contains("repeats line 1"));
    assert!(drop["text"].is_string());
}

#[test]
fn explain_prints_every_line_with_its_label_pass_and_signals() {
    let path = samples().join("003_2e86b2f1023d5d9a.txt");
    let out = nashra()
        .args(["clean", "--explain"])
        .arg(&path)
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let non_empty = text.lines().filter(|l| !l.trim().is_empty()).count();
    // One decision line and one signals line per non-empty input line, after the header.
    assert_eq!(stdout.lines().count(), 1 + 2 * non_empty, "{stdout}");
    assert!(stdout.contains("TITLE title"), "{stdout}");
    assert!(stdout.contains("(repeats line 1)"), "{stdout}");
    assert!(stdout.contains("function words"), "{stdout}");
}
