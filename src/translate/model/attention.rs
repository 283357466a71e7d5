//! The attention of one decoding step, computed on the host: self-attention over the rows'
//! earlier steps, and cross-attention over their source sentence.
//!
//! Why our own rather than candle ops: at each step every (row, head) pair is a product of one
//! query with a few dozen 64-wide keys — far too small for a matrix-product call. Through
//! candle a step spent more on copies than on arithmetic: heads split into new tensors, the
//! key/value cache concatenated with the step's entries, then gathered again to reorder beams
//! (two full copies of the cache per layer per step). Here each row's history grows in place,
//! reordering beams moves rows instead of copying them (a row is copied only when two beams
//! continue from it, as CTranslate2's gather would copy all of them), and one head's attention
//! is two short loops over contiguous memory.
//!
//! Contract: per head, `softmax(q kᵀ · d_head^-½) v`, equal to the tensor formulation up to
//! the rounding of a different summation order. Source padding is left out rather than
//! masked, which is the same thing: a masked score gets exactly zero weight.

use std::sync::Arc;

use rayon::prelude::*;

use super::isa::Isa;
use super::ops::exp;

/// Positions the score loop handles together; one AVX-512 register of f32. Key capacities are
/// kept a multiple of it, so the loop needs no tail.
const LANES: usize = 16;

/// Keys of a sequence of positions, transposed to `[dim][capacity]`: the scores of one query
/// against all positions are then multiply-adds along contiguous positions, [`LANES`] at a
/// time, with no horizontal sums (a `[len][dim]` layout needs one 64-wide dot product and a
/// horizontal sum per position and head). Entries past `len` are zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keys {
    data: Vec<f32>,
    dim: usize,
    len: usize,
    capacity: usize,
}

impl Keys {
    /// No keys yet, of `dim` values each.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// The keys `rows` (each `[dim]`) in order.
    pub fn from_rows<'a>(dim: usize, rows: impl ExactSizeIterator<Item = &'a [f32]>) -> Self {
        let mut keys = Self::new(dim);
        keys.reserve(rows.len());
        for row in rows {
            keys.push(row);
        }
        keys
    }

    /// Number of positions.
    fn len(&self) -> usize {
        self.len
    }

    /// Appends the key of the next position.
    pub fn push(&mut self, key: &[f32]) {
        assert_eq!(key.len(), self.dim, "a key has dim values");
        if self.len == self.capacity {
            self.reserve((2 * self.capacity).max(LANES));
        }
        for (d, &v) in key.iter().enumerate() {
            self.data[d * self.capacity + self.len] = v;
        }
        self.len += 1;
    }

    /// Makes room for `positions` positions in all (rounded up to whole [`LANES`]).
    fn reserve(&mut self, positions: usize) {
        let capacity = positions.div_ceil(LANES) * LANES;
        if capacity <= self.capacity {
            return;
        }
        let mut data = vec![0f32; self.dim * capacity];
        for d in 0..self.dim {
            data[d * capacity..][..self.len]
                .copy_from_slice(&self.data[d * self.capacity..][..self.len]);
        }
        self.data = data;
        self.capacity = capacity;
    }

    /// Component `d` of every position, zero-padded to a whole number of [`LANES`].
    #[inline(always)]
    fn component(&self, d: usize) -> &[f32] {
        &self.data[d * self.capacity..][..self.len.div_ceil(LANES) * LANES]
    }

    /// The key of position `j` (for tests).
    #[cfg(test)]
    fn position(&self, j: usize) -> Vec<f32> {
        (0..self.dim)
            .map(|d| self.data[d * self.capacity + j])
            .collect()
    }
}

/// Keys and values, per decoder layer, of a sequence of positions: keys as [`Keys`], values
/// `[len][dim]`, the heads side by side within a position (the projections' own layout).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeysValues {
    layers: Vec<(Keys, Vec<f32>)>,
}

impl KeysValues {
    /// An empty history for `layers` decoder layers of width `dim`.
    pub fn empty(layers: usize, dim: usize) -> Self {
        Self {
            layers: vec![(Keys::new(dim), Vec::new()); layers],
        }
    }

    /// Keys and values already computed, one `(keys, values)` pair per layer.
    pub fn from_layers(layers: Vec<(Keys, Vec<f32>)>) -> Self {
        Self { layers }
    }

    /// A copy that keeps the originals' spare capacity, so that it grows without reallocating
    /// any sooner than they would.
    fn copy_with_capacity(&self) -> Self {
        let copy = |v: &Vec<f32>| {
            let mut c = Vec::with_capacity(v.capacity());
            c.extend_from_slice(v);
            c
        };
        Self {
            layers: self
                .layers
                .iter()
                .map(|(k, v)| (k.clone(), copy(v)))
                .collect(),
        }
    }
}

/// The self-attention history of every row being decoded (`rows = sentences × beams`).
#[derive(Debug, Clone)]
pub struct StepCache {
    rows: Vec<KeysValues>,
}

impl StepCache {
    /// Empty histories for `rows` rows of a model with `layers` decoder layers of width `dim`.
    pub fn new(rows: usize, layers: usize, dim: usize) -> Self {
        Self {
            rows: vec![KeysValues::empty(layers, dim); rows],
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Keeps the rows `keep` (indices into the current rows, in the new order; an index may
    /// repeat). A row kept once is moved; only the extra uses of a row are copies.
    pub fn select(&mut self, keep: &[u32]) {
        let mut uses_left = vec![0usize; self.rows.len()];
        for &r in keep {
            uses_left[r as usize] += 1;
        }
        let mut old: Vec<Option<KeysValues>> = self.rows.drain(..).map(Some).collect();
        self.rows = keep
            .iter()
            .map(|&r| {
                let r = r as usize;
                uses_left[r] -= 1;
                if uses_left[r] == 0 {
                    old[r].take().expect("a row is taken only at its last use")
                } else {
                    old[r]
                        .as_ref()
                        .expect("a row is taken only at its last use")
                        .copy_with_capacity()
                }
            })
            .collect();
    }
}

/// Self-attention of one step in decoder layer `layer`: appends each row's key and value
/// (from `qkv`, `[rows][3·dim]`: queries, keys, values) to its history, and returns each row's
/// attention output over all its steps so far, `[rows][dim]`. Causality needs no mask: the
/// history only holds earlier steps.
pub fn self_attend(cache: &mut StepCache, layer: usize, qkv: &[f32], heads: usize) -> Vec<f32> {
    let rows = cache.rows();
    if rows == 0 {
        return Vec::new();
    }
    assert_eq!(qkv.len() % (3 * rows), 0, "qkv is [rows][3·dim]");
    let dim = qkv.len() / (3 * rows);
    let mut out = vec![0f32; rows * dim];
    cache
        .rows
        .par_iter_mut()
        .zip(qkv.par_chunks(3 * dim))
        .zip(out.par_chunks_mut(dim))
        .for_each(|((history, qkv), out)| {
            let (keys, values) = &mut history.layers[layer];
            keys.push(&qkv[dim..2 * dim]);
            values.extend_from_slice(&qkv[2 * dim..]);
            attend_row(&qkv[..dim], keys, values, heads, out);
        });
    out
}

/// Cross-attention of one step in decoder layer `layer`: `queries` is `[rows][dim]` with
/// `rows = sources.len() × beams`, the beams of a sentence adjacent; row `r` attends to
/// `sources[r / beams]`. Returns `[rows][dim]`.
pub fn cross_attend(
    sources: &[Arc<KeysValues>],
    layer: usize,
    queries: &[f32],
    dim: usize,
    heads: usize,
) -> Vec<f32> {
    let mut out = vec![0f32; queries.len()];
    let rows = queries.len() / dim;
    if rows == 0 {
        return out;
    }
    assert_eq!(rows % sources.len(), 0, "rows are sentences × beams");
    let beams = rows / sources.len();
    queries
        .par_chunks(dim)
        .zip(out.par_chunks_mut(dim))
        .enumerate()
        .for_each(|(row, (q, out))| {
            let (keys, values) = &sources[row / beams].layers[layer];
            attend_row(q, keys, values, heads, out);
        });
    out
}

/// The encoder's self-attention: `qkv` is `[rows][3·dim]` (queries, keys, values) for
/// sentences laid end to end, `lengths` their lengths; each row attends to every position of
/// its own sentence. Returns `[rows][dim]`. Sentences share nothing, so none is padded.
pub fn encoder_self_attend(qkv: &[f32], lengths: &[usize], heads: usize) -> Vec<f32> {
    let rows: usize = lengths.iter().sum();
    if rows == 0 {
        return Vec::new();
    }
    assert_eq!(qkv.len() % (3 * rows), 0, "qkv is [rows][3·dim]");
    let dim = qkv.len() / (3 * rows);
    let mut out = vec![0f32; rows * dim];
    let mut sentences = Vec::with_capacity(lengths.len());
    let (mut qkv_rest, mut out_rest) = (qkv, &mut out[..]);
    for &len in lengths {
        let (q, q_rest) = qkv_rest.split_at(len * 3 * dim);
        let (o, o_rest) = std::mem::take(&mut out_rest).split_at_mut(len * dim);
        sentences.push((q, o));
        (qkv_rest, out_rest) = (q_rest, o_rest);
    }
    sentences.into_par_iter().for_each(|(qkv, out)| {
        let positions = || qkv.chunks(3 * dim);
        let keys = Keys::from_rows(dim, positions().map(|p| &p[dim..2 * dim]));
        let values: Vec<f32> = positions().flat_map(|p| &p[2 * dim..]).copied().collect();
        for (p, out) in positions().zip(out.chunks_mut(dim)) {
            attend_row(&p[..dim], &keys, &values, heads, out);
        }
    });
    out
}

/// One row's multi-head attention: `q` is `[dim]`, `values` `[len][dim]`, and the result for
/// each head goes to its slice of `out`.
fn attend_row(q: &[f32], keys: &Keys, values: &[f32], heads: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        match Isa::active() {
            // SAFETY: the active ISA is present (`Isa::activate` takes only present ones).
            Isa::Avx512 => return unsafe { attend_row_avx512(q, keys, values, heads, out) },
            // SAFETY: as above.
            Isa::Avx2 => return unsafe { attend_row_avx2(q, keys, values, heads, out) },
            Isa::Generic => {}
        }
    }
    attend_row_generic(q, keys, values, heads, out)
}

/// `attend_row_generic` compiled for AVX512F, AVX512DQ, AVX512VL, AVX2, FMA.
///
/// # Safety
/// The CPU has AVX512F, AVX512DQ, AVX512VL, AVX2, FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
unsafe fn attend_row_avx512(q: &[f32], keys: &Keys, values: &[f32], heads: usize, out: &mut [f32]) {
    attend_row_generic(q, keys, values, heads, out)
}

/// `attend_row_generic` compiled for AVX2, FMA.
///
/// # Safety
/// The CPU has AVX2, FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_row_avx2(q: &[f32], keys: &Keys, values: &[f32], heads: usize, out: &mut [f32]) {
    attend_row_generic(q, keys, values, heads, out)
}

#[inline(always)]
fn attend_row_generic(q: &[f32], keys: &Keys, values: &[f32], heads: usize, out: &mut [f32]) {
    let dim = q.len();
    let head_dim = dim / heads;
    let len = keys.len();
    let scale = (head_dim as f32).powf(-0.5);
    let mut scores = vec![0f32; len.div_ceil(LANES) * LANES];
    for h in 0..heads {
        let span = h * head_dim..(h + 1) * head_dim;
        scores.fill(0.0);
        for d in span.clone() {
            let qd = q[d];
            for (s, &k) in scores.iter_mut().zip(keys.component(d)) {
                *s += qd * k;
            }
        }
        let scores = &mut scores[..len];
        let mut max = f32::NEG_INFINITY;
        for s in scores.iter_mut() {
            *s *= scale;
            max = max.max(*s);
        }
        let mut sum = 0f32;
        for s in scores.iter_mut() {
            *s = exp(*s - max);
            sum += *s;
        }
        let out = &mut out[span.clone()];
        out.fill(0.0);
        for (j, &w) in scores.iter().enumerate() {
            let p = w / sum;
            for (o, &v) in out.iter_mut().zip(&values[j * dim..][span.clone()]) {
                *o += p * v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straightforward per-head softmax attention, in f64.
    fn reference(q: &[f32], keys: &[f32], values: &[f32], heads: usize) -> Vec<f32> {
        let dim = q.len();
        let hd = dim / heads;
        let len = keys.len() / dim;
        let mut out = vec![0f32; dim];
        for h in 0..heads {
            let scores: Vec<f64> = (0..len)
                .map(|j| {
                    (0..hd)
                        .map(|i| q[h * hd + i] as f64 * keys[j * dim + h * hd + i] as f64)
                        .sum::<f64>()
                        / (hd as f64).sqrt()
                })
                .collect();
            let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let sum: f64 = e.iter().sum();
            for i in 0..hd {
                out[h * hd + i] = (0..len)
                    .map(|j| e[j] / sum * values[j * dim + h * hd + i] as f64)
                    .sum::<f64>() as f32;
            }
        }
        out
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let x = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed);
                ((x >> 8) % 2000) as f32 / 500.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn self_attention_matches_the_reference_step_by_step() {
        let (rows, dim, heads, layers) = (3, 40, 4, 2);
        let mut cache = StepCache::new(rows, layers, dim);
        let mut keys = vec![Vec::new(); rows];
        let mut vals = vec![Vec::new(); rows];
        for step in 0..5 {
            let qkv = values(rows * 3 * dim, step);
            let out = self_attend(&mut cache, 1, &qkv, heads);
            for r in 0..rows {
                let row = &qkv[r * 3 * dim..(r + 1) * 3 * dim];
                keys[r].extend_from_slice(&row[dim..2 * dim]);
                vals[r].extend_from_slice(&row[2 * dim..]);
                let want = reference(&row[..dim], &keys[r], &vals[r], heads);
                for (a, b) in out[r * dim..(r + 1) * dim].iter().zip(&want) {
                    assert!((a - b).abs() < 1e-5, "step {step} row {r}: {a} vs {b}");
                }
            }
        }
        // Layer 0 was never written.
        assert!(cache.rows.iter().all(|h| h.layers[0].0.len() == 0));
    }

    #[test]
    fn encoder_rows_attend_within_their_own_sentence() {
        let (dim, heads) = (32, 4);
        let lengths = [3, 1, 20];
        let rows: usize = lengths.iter().sum();
        let qkv = values(rows * 3 * dim, 3);
        let out = encoder_self_attend(&qkv, &lengths, heads);
        let mut first = 0;
        for len in lengths {
            let sentence = &qkv[first * 3 * dim..(first + len) * 3 * dim];
            let part = |range: std::ops::Range<usize>| -> Vec<f32> {
                sentence
                    .chunks(3 * dim)
                    .flat_map(|p| p[range.clone()].to_vec())
                    .collect()
            };
            let (keys, vals) = (part(dim..2 * dim), part(2 * dim..3 * dim));
            for (i, p) in sentence.chunks(3 * dim).enumerate() {
                let want = reference(&p[..dim], &keys, &vals, heads);
                let got = &out[(first + i) * dim..][..dim];
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-5, "row {}: {a} vs {b}", first + i);
                }
            }
            first += len;
        }
    }

    #[test]
    fn keys_keep_their_positions_as_they_grow() {
        let dim = 3;
        let all = values(40 * dim, 5);
        let mut keys = Keys::new(dim);
        for (j, key) in all.chunks(dim).enumerate() {
            keys.push(key);
            assert_eq!(keys.len(), j + 1);
        }
        for (j, key) in all.chunks(dim).enumerate() {
            assert_eq!(keys.position(j), key);
        }
        let built = Keys::from_rows(dim, all.chunks(dim));
        for (j, key) in all.chunks(dim).enumerate() {
            assert_eq!(built.position(j), key);
        }
    }

    #[test]
    fn select_moves_single_uses_and_copies_repeats() {
        let mut cache = StepCache::new(3, 1, 1);
        for (r, h) in cache.rows.iter_mut().enumerate() {
            h.layers[0].1.push(r as f32);
        }
        let moved = cache.rows[2].layers[0].1.as_ptr();
        cache.select(&[2, 0, 0]);
        let firsts: Vec<f32> = cache.rows.iter().map(|h| h.layers[0].1[0]).collect();
        assert_eq!(firsts, vec![2.0, 0.0, 0.0]);
        assert_eq!(
            cache.rows[0].layers[0].1.as_ptr(),
            moved,
            "a single use is a move"
        );
    }

    #[test]
    fn cross_attention_reads_each_rows_sentence() {
        let (dim, heads, beams) = (32, 2, 3);
        let sources: Vec<Arc<KeysValues>> = (0..2)
            .map(|s| {
                let len = 4 + 15 * s as usize;
                let keys = values(len * dim, 10 + s);
                Arc::new(KeysValues::from_layers(vec![(
                    Keys::from_rows(dim, keys.chunks(dim)),
                    values(len * dim, 20 + s),
                )]))
            })
            .collect();
        let queries = values(2 * beams * dim, 7);
        let out = cross_attend(&sources, 0, &queries, dim, heads);
        for r in 0..2 * beams {
            let (k, v) = &sources[r / beams].layers[0];
            let k: Vec<f32> = (0..k.len()).flat_map(|j| k.position(j)).collect();
            let want = reference(&queries[r * dim..(r + 1) * dim], &k, v, heads);
            for (a, b) in out[r * dim..(r + 1) * dim].iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "row {r}: {a} vs {b}");
            }
        }
    }
}
