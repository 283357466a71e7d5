//! Cleaning stays linear in its input: one document of 1k, 10k and 100k lines (the five seed
//! articles repeated, each copy numbered so that lines stay distinct), and a batch of the
//! same size for template learning. Throughput per line should be flat across the sizes.
//!
//! `cargo bench --bench clean`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nashra::clean::{structure, structure_batch};
use nashra::ingest::{Doc, DocFields, Format};

fn seed_lines() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/articles");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn doc(text: String) -> Doc {
    Doc {
        origin: "bench".into(),
        path: "bench".into(),
        format: Format::Text,
        text,
        encoding: "UTF-8",
        warnings: Vec::new(),
        fields: DocFields::default(),
        dropped: Vec::new(),
    }
}

/// `n` lines of article text, each copy of the seeds marked with its number.
fn text_of(seeds: &[String], n: usize) -> String {
    (0..n)
        .map(|i| {
            let l = &seeds[i % seeds.len()];
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{l} {}", i / seeds.len())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn benches(c: &mut Criterion) {
    let seeds = seed_lines();
    let mut g = c.benchmark_group("clean");
    g.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let one = doc(text_of(&seeds, n));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("one document", n), &one, |b, d| {
            b.iter(|| structure(d))
        });
        // The same lines as documents of 100 lines each, cleaned as a batch.
        let batch: Vec<Doc> = (0..n / 100)
            .map(|k| doc(text_of(&seeds[k % seeds.len()..], 100)))
            .collect();
        g.bench_with_input(BenchmarkId::new("batch", n), &batch, |b, docs| {
            b.iter(|| structure_batch(docs))
        });
    }
    g.finish();
}

criterion_group!(clean, benches);
criterion_main!(clean);
