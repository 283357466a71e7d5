//! Passes over one row of next-token logits (62 834 values for opus-mt-ar-en), written so the
//! compiler turns them into vector code: the largest value, the sum of exponentials, and the
//! best `k` entries.
//!
//! Why our own: the decoding strategies read every row of logits two or three times per step,
//! and with `f32::exp` (a libm call per value) and branchy scalar loops these passes cost more
//! than a decoder layer. Each pass here works on fixed-width lanes; on x86-64 a copy compiled
//! for the loaded model's ISA (`Isa::active`: AVX-512 or AVX2) runs, the same operations so
//! the same values on every path.
//!
//! Contracts: [`max`] is exact; [`exp_sum`] differs from the sequential `Σ exp` by the
//! rounding of a different summation order and an exp accurate to about 2 ulp (`ops::exp`) (it only ever
//! feeds a log-sum-exp, which shifts a whole row by one constant, so no ranking within a row
//! depends on it); the best `k` of [`summarize`] are exact, ties to the lower index.

use crate::translate::model::isa::compiled_for_active_isa;
use crate::translate::model::ops::exp;

/// Lanes processed together; wide enough for one AVX-512 register of f32.
const LANES: usize = 16;

compiled_for_active_isa! {
    /// The largest value of `row` (−∞ for an empty row; NaNs are ignored).
    pub fn max(row: &[f32]) -> f32 => max_generic
}

compiled_for_active_isa! {
    /// `Σ exp(v − shift)` over `row`.
    pub fn exp_sum(row: &[f32], shift: f32) -> f32 => exp_sum_generic
}

#[inline(always)]
fn max_generic(row: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = if v > *m { v } else { *m };
        }
    }
    let mut best = f32::NEG_INFINITY;
    for &v in lanes.iter().chain(tail) {
        if v > best {
            best = v;
        }
    }
    best
}

#[inline(always)]
fn exp_sum_generic(row: &[f32], shift: f32) -> f32 {
    let mut lanes = [0f32; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (s, &v) in lanes.iter_mut().zip(chunk) {
            *s += exp(v - shift);
        }
    }
    let mut sum: f32 = lanes.iter().sum();
    for &v in tail {
        sum += exp(v - shift);
    }
    sum
}

/// What decoding needs to know of one row: its largest value, `Σ exp(v − max)`, and its
/// best `k` entries, best first, ties to the lower index.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSummary {
    pub max: f32,
    pub exp_sum: f32,
    pub best: Vec<(f32, usize)>,
}

/// [`max`], [`exp_sum`] and the best `k` entries of a row in one pass over memory: the row is walked in
/// blocks small enough to stay in the L1 cache, and the sum kept relative to the running
/// maximum (rescaled when it grows, as in online softmax). A row of logits is larger than the
/// L2 cache, so three separate passes would read it from memory three times.
pub fn summarize(row: &[f32], k: usize, skip: impl Fn(usize) -> bool) -> RowSummary {
    const BLOCK: usize = 2048;
    let mut running_max = f32::NEG_INFINITY;
    let mut sum = 0f32;
    let mut best = Vec::new();
    for (b, block) in row.chunks(BLOCK).enumerate() {
        let block_max = max(block);
        if block_max > running_max {
            if sum > 0.0 {
                sum *= exp(running_max - block_max);
            }
            running_max = block_max;
        }
        if running_max > f32::NEG_INFINITY {
            sum += exp_sum(block, running_max);
        }
        // The running best carry over: its k-th value already excludes most of the block.
        top_k_into(block, b * BLOCK, k, &skip, &mut best);
    }
    RowSummary {
        max: running_max,
        exp_sum: sum,
        best,
    }
}

/// Merges `more` into `best`, the running best `k` (value, index) pairs, best first. Among
/// equal values the one merged earlier ranks first, so merging in index order breaks ties to
/// the lower index.
pub fn merge_best(
    mut best: Vec<(f32, usize)>,
    more: impl Iterator<Item = (f32, usize)>,
    k: usize,
) -> Vec<(f32, usize)> {
    for (v, i) in more {
        if best.len() == k && v.partial_cmp(&best[k - 1].0) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let pos = best.partition_point(|&(bv, _)| bv >= v);
        best.insert(pos, (v, i));
        best.truncate(k);
    }
    best
}

/// The `k` largest entries of `row` as `(value, index)`, best first, ties to the lower index,
/// skipping indices for which `skip` is true (called only for entries that would otherwise
/// enter the result).
#[cfg(test)]
fn top_k(row: &[f32], k: usize, skip: impl Fn(usize) -> bool) -> Vec<(f32, usize)> {
    let mut best = Vec::with_capacity(k + 1);
    top_k_into(row, 0, k, &skip, &mut best);
    best
}

/// Merges the entries of `row`, whose first index is `offset`, into `best` (the best `k` of
/// the entries before `offset`, best first), skipping indices for which `skip` is true
/// (called only for entries that would otherwise enter the result).
fn top_k_into(
    row: &[f32],
    offset: usize,
    k: usize,
    skip: &impl Fn(usize) -> bool,
    best: &mut Vec<(f32, usize)>,
) {
    if k == 0 {
        return;
    }
    let consider = |best: &mut Vec<(f32, usize)>, v: f32, i: usize| {
        if best.len() == k && v.partial_cmp(&best[k - 1].0) != Some(std::cmp::Ordering::Greater) {
            return;
        }
        if skip(i) {
            return;
        }
        let pos = best.partition_point(|&(bv, _)| bv >= v);
        best.insert(pos, (v, i));
        best.truncate(k);
    };
    let chunks = row.chunks_exact(LANES);
    let tail_start = row.len() - chunks.remainder().len();
    for (c, chunk) in chunks.enumerate() {
        // Most chunks hold nothing above the current k-th value: one vector compare skips them.
        let threshold = if best.len() == k {
            best[k - 1].0
        } else {
            f32::NEG_INFINITY
        };
        let mut above = 0u32;
        for &v in chunk {
            above += (v > threshold) as u32;
        }
        if above > 0 || best.len() < k {
            for (j, &v) in chunk.iter().enumerate() {
                consider(best, v, offset + c * LANES + j);
            }
        }
    }
    for (j, &v) in row[tail_start..].iter().enumerate() {
        consider(best, v, offset + tail_start + j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 7919) % 1009) as f32 - 500.0) / 37.0)
            .collect()
    }

    #[test]
    fn max_is_exact() {
        for n in [0, 1, 15, 16, 17, 1000, 62834] {
            let r = row(n);
            let want = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(max(&r), want, "n = {n}");
        }
    }

    #[test]
    fn exp_sum_matches_a_sequential_sum() {
        for n in [0, 1, 15, 16, 17, 62834] {
            let r = row(n);
            let shift = max(&r).max(0.0);
            let want: f64 = r.iter().map(|&v| ((v - shift) as f64).exp()).sum();
            let got = exp_sum(&r, shift) as f64;
            assert!(
                (got - want).abs() <= 1e-5 * want.max(1e-30),
                "n = {n}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn summary_equals_separate_passes() {
        for n in [1, 17, 2048, 2049, 62834] {
            let mut r = row(n);
            // The maximum late in the row forces the running sum to be rescaled.
            r[n - 1] = 40.0;
            let s = summarize(&r, 8, |i| i == 3);
            assert_eq!(s.max, max(&r));
            assert_eq!(s.best, top_k(&r, 8, |i| i == 3), "n = {n}");
            let want = exp_sum(&r, s.max);
            assert!((s.exp_sum - want).abs() <= 1e-6 * want, "n = {n}");
        }
    }

    #[test]
    fn top_k_is_exact_with_ties_to_the_lower_index() {
        let mut r = row(5000);
        r[10] = 100.0;
        r[4000] = 100.0;
        r[20] = 90.0;
        let got = top_k(&r, 3, |i| i == 20);
        assert_eq!(got[0], (100.0, 10));
        assert_eq!(got[1], (100.0, 4000));
        let mut sorted: Vec<(f32, usize)> = r
            .iter()
            .copied()
            .enumerate()
            .filter(|&(i, _)| i != 20)
            .map(|(i, v)| (v, i))
            .collect();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(got, sorted[..3].to_vec());
        assert!(top_k(&r, 0, |_| false).is_empty());
        assert_eq!(top_k(&[1.0, 2.0], 5, |_| false), vec![(2.0, 1), (1.0, 0)]);
    }
}
