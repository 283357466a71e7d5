//! Story clustering at scale: time and peak heap of `stories::cluster` on synthetic runs of
//! 10,000 to 100,000 articles, to show that the work grows about linearly.
//!
//! `cargo bench --bench stories` (add `-- 1000 10000` for other sizes). Synthetic articles
//! have the shape of real signatures: 80 terms, most drawn from a Zipf-distributed vocabulary
//! of 200,000 words (the everyday words every article shares), half from their event's own
//! 30 words (names, places, figures); events have 1 to 8 reports, as a night's news does.
//! The table also counts the stories found against the events generated.

mod common;

use std::time::Instant;

use nashra::stories::{cluster, Item, Signature, SIGNATURE_TERMS};

/// A small deterministic generator (SplitMix64): the bench needs repeatable data, not a
/// dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Zipf-like rank in `0..n` (exponent 1, by inverting the continuous distribution).
    fn zipf(&mut self, n: usize) -> usize {
        ((n as f64 + 1.0).powf(self.unit()) - 1.0) as usize % n
    }
}

const VOCABULARY: usize = 200_000;
/// Words of an event's own (names, places, figures, its particular vocabulary), of which
/// each report uses most.
const EVENT_WORDS: usize = 30;

/// `n` synthetic articles and the number of events they report.
fn articles(n: usize) -> (Vec<(String, Option<String>, Signature)>, usize) {
    let mut rng = Rng(42);
    let mut out = Vec::with_capacity(n);
    let mut event = 0usize;
    while out.len() < n {
        event += 1;
        let names: Vec<String> = (0..EVENT_WORDS).map(|k| format!("e{event}n{k}")).collect();
        let day = 1 + rng.next() % 28;
        let reports = 1 + (rng.next() % 8) as usize;
        for _ in 0..reports.min(n - out.len()) {
            let mut terms: Vec<(String, u32)> = Vec::with_capacity(SIGNATURE_TERMS);
            for k in 0..SIGNATURE_TERMS {
                let term = if k % 2 == 0 {
                    names[(rng.next() % names.len() as u64) as usize].clone()
                } else {
                    format!("w{}", rng.zipf(VOCABULARY))
                };
                terms.push((term, 1 + (rng.next() % 3) as u32));
            }
            terms.sort();
            terms.dedup_by(|a, b| a.0 == b.0);
            let id = format!("{:016x}", rng.next());
            out.push((id, Some(format!("2025-03-{day:02}")), Signature { terms }));
        }
    }
    (out, event)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 30_000, 100_000]
    } else {
        sizes
    };
    println!("| articles | seconds | µs/article | peak heap (MiB) | events | stories found |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in sizes {
        let (data, events) = articles(n);
        let items: Vec<Item> = data
            .iter()
            .map(|(id, date, s)| Item {
                id,
                date: date.as_deref(),
                signature: s,
            })
            .collect();
        let before = common::start_peak();
        let t = Instant::now();
        let stories = cluster(&items);
        let seconds = t.elapsed().as_secs_f64();
        let peak = common::peak_above(before);
        println!(
            "| {n} | {seconds:.2} | {:.1} | {:.1} | {events} | {} |",
            seconds * 1e6 / n as f64,
            peak as f64 / (1024.0 * 1024.0),
            stories.len(),
        );
    }
}
