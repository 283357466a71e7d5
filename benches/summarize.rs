//! Summaries stay linear-ish in article length: `summarize::choose` (3 sentences, with a
//! headline) on synthetic articles of 10, 100 and 1,000 sentences.
//!
//! `cargo bench --bench summarize`. Sentences are 12 to 30 words drawn from a Zipf-like
//! vocabulary of 5,000 Arabic-looking words, as news prose repeats its everyday words and
//! varies its names; the generator is seeded, so every run times the same articles.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nashra::summarize::{choose, Budget};

/// A tiny seeded generator (xorshift64*): the bench needs the same text every run, not
/// statistical quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn word(rank: u64) -> String {
    const LETTERS: [char; 16] = [
        'ب', 'ت', 'ج', 'د', 'ر', 'س', 'ع', 'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'و', 'ي',
    ];
    let mut w = String::from("ال");
    let mut r = rank + 17;
    while r > 0 {
        w.push(LETTERS[(r % 16) as usize]);
        r /= 16;
    }
    w
}

fn article(sentences: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..sentences)
        .map(|_| {
            let len = 12 + rng.next() % 19;
            let words: Vec<String> = (0..len)
                .map(|_| {
                    // Zipf-like: the square of a uniform draw favours low ranks.
                    let u = (rng.next() % 10_000) as f64 / 10_000.0;
                    word((u * u * 5000.0) as u64)
                })
                .collect();
            words.join(" ") + "."
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("summarize");
    for n in [10usize, 100, 1000] {
        let text = article(n, 0x5eed + n as u64);
        let sentences: Vec<&str> = text.iter().map(String::as_str).collect();
        let headline = text[0].clone();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("choose_k3", n), &sentences, |b, s| {
            b.iter(|| choose(Some(&headline), black_box(s), Budget::Sentences(3)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
