//! Cleaning against the gold line labels of the five seed articles
//! (tests/fixtures/gold/seeds-lines.tsv): T title, H heading, B body, M metadata,
//! X boilerplate, R embedded other article, O either way.

mod common;

use std::collections::HashMap;

use common::{fixture, samples};
use nashra::clean::{structure, BlockKind, DropKind};
use nashra::ingest::{decode, read_path};

#[test]
fn seed_articles_match_gold_labels() {
    let gold = std::fs::read_to_string(fixture("gold/seeds-lines.tsv")).unwrap();
    let mut labels: HashMap<(String, usize), String> = HashMap::new();
    for line in gold.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        labels.insert((f[0].to_string(), f[1].parse().unwrap()), f[2].to_string());
    }
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let mut errors = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let raw = read_path(&path).unwrap().remove(0).unwrap();
        let article = structure(&decode(&raw)).unwrap();
        let mut kept: HashMap<usize, BlockKind> = HashMap::new();
        for b in &article.blocks {
            kept.insert(b.lines.0, b.kind);
        }
        let dropped: HashMap<usize, DropKind> =
            article.dropped.iter().map(|d| (d.line, d.kind)).collect();
        for ((file, line), label) in labels.iter().filter(|((f, _), _)| *f == name) {
            let is_kept = kept.contains_key(line);
            match label.as_str() {
                "T" | "H" | "B" => {
                    if is_kept {
                        tp += 1;
                    } else {
                        fn_ += 1;
                        errors.push(format!("{file}:{line} {label} dropped"));
                    }
                }
                "X" | "R" if is_kept => {
                    fp += 1;
                    errors.push(format!("{file}:{line} {label} kept as {:?}", kept[line]));
                }
                "M" => {
                    if is_kept {
                        fp += 1;
                        errors.push(format!("{file}:{line} M kept as {:?}", kept[line]));
                    } else if dropped.get(line) != Some(&DropKind::Metadata) {
                        errors.push(format!("{file}:{line} M not reported as metadata"));
                    }
                }
                _ => {}
            }
        }
        // Title and headings where the gold file has them.
        for ((file, line), label) in labels.iter().filter(|((f, _), _)| *f == name) {
            let want = match label.as_str() {
                "T" => BlockKind::Title,
                "H" => BlockKind::Heading,
                _ => continue,
            };
            if let Some(&got) = kept.get(line) {
                if got != want {
                    errors.push(format!("{file}:{line} {label} kept as {got:?}"));
                }
            }
        }
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    println!(
        "kept lines: precision {precision:.3}, recall {recall:.3} (tp {tp}, fp {fp}, fn {fn_})"
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(precision >= 0.98 && recall >= 0.98);
}

#[test]
fn seed_metadata() {
    let load = |name: &str| {
        let raw = read_path(&samples().join(name)).unwrap().remove(0).unwrap();
        structure(&decode(&raw)).unwrap()
    };
    let a = load("004_a1b9ebf1cb051c4a.txt");
    assert_eq!(a.metadata.date.as_deref(), Some("2025-02-13"));
    assert_eq!(a.metadata.site.as_deref(), Some("الايام المصرية"));
    assert!(a
        .title
        .as_deref()
        .unwrap()
        .starts_with("بعد مكالمته مع ترامب"));
    let a = load("001_4b4453fa41ad57c3.txt");
    assert_eq!(a.metadata.source.as_deref(), Some("عربي21"));
    assert_eq!(a.title, None);
    let a = load("003_2e86b2f1023d5d9a.txt");
    assert!(a.title.as_deref().unwrap().starts_with("مكالمة الساعتين"));
}
