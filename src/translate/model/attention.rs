//! Attention computed on the host, one row (one query position) at a time: a decoding step's
//! self-attention over the row's earlier steps and cross-attention over its source sentence,
//! and the encoder's self-attention within each sentence.
//!
//! Why our own rather than candle ops: at each step every (row, head) pair is a product of one
//! query with a few dozen 64-wide keys — far too small for a matrix-product call. Through
//! candle a step spent more on copies than on arithmetic: heads split into new tensors, the
//! key/value cache concatenated with the step's entries, then gathered again to reorder beams
//! (two full copies of the cache per layer per step). Here each row's history grows in place,
//! reordering beams moves rows instead of copying them (a row is copied only when two beams
//! continue from it, as CTranslate2's gather would copy all of them), and each head's keys and
//! values are one contiguous block ([`Memory`]) read front to back with the sums in registers.
//!
//! Contract: per head, `softmax(q kᵀ · d_head^-½) v`, equal to the tensor formulation up to
//! the rounding of a different summation order. Padding never enters: each row attends to
//! exactly its own sentence's positions, which is what masking padding computes (a masked
//! score gets exactly zero weight).

use std::sync::Arc;

use rayon::prelude::*;

use super::isa::compiled_for_active_isa;
use super::ops::exp;

/// Positions the score loop handles together; one AVX-512 register of f32. Capacities are
/// kept a multiple of it, so the loop needs no tail.
const LANES: usize = 16;

/// The keys and values of one layer for a sequence of positions, laid out so that a query
/// reads each head's keys and then its values as one contiguous block, front to back (the
/// hardware prefetcher follows that; a `[len][dim]` layout jumps `dim` floats per position and
/// stalls on every one):
/// - keys transposed, `[dim][capacity]`: a head's scores are multiply-adds along positions,
///   [`LANES`] at a time, with no horizontal sums;
/// - values `[heads][capacity][head_dim]`.
///
/// Entries past `len` are zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Memory {
    keys: Vec<f32>,
    values: Vec<f32>,
    dim: usize,
    heads: usize,
    len: usize,
    capacity: usize,
}

impl Memory {
    /// No positions yet, for `heads` heads over `dim` values.
    pub fn new(dim: usize, heads: usize) -> Self {
        assert_eq!(dim % heads.max(1), 0, "heads divide the width");
        Self {
            dim,
            heads,
            ..Self::default()
        }
    }

    /// The `(key, value)` pairs of `positions` (each `[dim]`), in order.
    pub fn from_positions<'a>(
        dim: usize,
        heads: usize,
        positions: impl ExactSizeIterator<Item = (&'a [f32], &'a [f32])>,
    ) -> Self {
        let mut memory = Self::new(dim, heads);
        memory.reserve(positions.len());
        for (key, value) in positions {
            memory.push(key, value);
        }
        memory
    }

    /// Number of positions.
    fn len(&self) -> usize {
        self.len
    }

    fn head_dim(&self) -> usize {
        self.dim / self.heads
    }

    /// Appends the key and the value of the next position.
    pub fn push(&mut self, key: &[f32], value: &[f32]) {
        assert!(
            key.len() == self.dim && value.len() == self.dim,
            "[dim] each"
        );
        if self.len == self.capacity {
            self.reserve((2 * self.capacity).max(LANES));
        }
        let (cap, hd, j) = (self.capacity, self.head_dim(), self.len);
        for (d, &k) in key.iter().enumerate() {
            self.keys[d * cap + j] = k;
        }
        for (h, head) in value.chunks(hd).enumerate() {
            self.values[(h * cap + j) * hd..][..hd].copy_from_slice(head);
        }
        self.len += 1;
    }

    /// Makes room for `positions` positions in all (rounded up to whole [`LANES`]).
    fn reserve(&mut self, positions: usize) {
        let capacity = positions.div_ceil(LANES) * LANES;
        if capacity <= self.capacity {
            return;
        }
        let (old, len, hd) = (self.capacity, self.len, self.head_dim());
        let mut keys = vec![0f32; self.dim * capacity];
        for d in 0..self.dim {
            keys[d * capacity..][..len].copy_from_slice(&self.keys[d * old..][..len]);
        }
        let mut values = vec![0f32; self.dim * capacity];
        for h in 0..self.heads {
            values[h * capacity * hd..][..len * hd]
                .copy_from_slice(&self.values[h * old * hd..][..len * hd]);
        }
        (self.keys, self.values, self.capacity) = (keys, values, capacity);
    }

    /// Component `d` of every key, zero-padded to a whole number of [`LANES`].
    #[inline(always)]
    fn key_component(&self, d: usize) -> &[f32] {
        &self.keys[d * self.capacity..][..self.len.div_ceil(LANES) * LANES]
    }

    /// Head `h`'s values, `[len][head_dim]`.
    #[inline(always)]
    fn head_values(&self, h: usize) -> &[f32] {
        let hd = self.head_dim();
        &self.values[h * self.capacity * hd..][..self.len * hd]
    }

    /// The key and the value of position `j` (for tests).
    #[cfg(test)]
    fn position(&self, j: usize) -> (Vec<f32>, Vec<f32>) {
        let key = (0..self.dim).map(|d| self.keys[d * self.capacity + j]);
        let hd = self.head_dim();
        let value = (0..self.heads)
            .flat_map(|h| self.values[(h * self.capacity + j) * hd..][..hd].to_vec());
        (key.collect(), value.collect())
    }
}

/// Every decoder layer's [`Memory`] of one sequence: a source sentence's (cross-attention) or
/// a row's earlier steps (self-attention).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeysValues {
    layers: Vec<Memory>,
}

impl KeysValues {
    /// Nothing yet, for `layers` decoder layers of `heads` heads over `dim` values.
    pub fn empty(layers: usize, dim: usize, heads: usize) -> Self {
        Self {
            layers: vec![Memory::new(dim, heads); layers],
        }
    }

    /// Memories already computed, one per layer.
    pub fn from_layers(layers: Vec<Memory>) -> Self {
        Self { layers }
    }
}

/// The self-attention history of every row being decoded (`rows = sentences × beams`).
#[derive(Debug, Clone)]
pub struct StepCache {
    rows: Vec<KeysValues>,
}

impl StepCache {
    /// Empty histories for `rows` rows of a model with `layers` decoder layers of `heads`
    /// heads over `dim` values.
    pub fn new(rows: usize, layers: usize, dim: usize, heads: usize) -> Self {
        Self {
            rows: vec![KeysValues::empty(layers, dim, heads); rows],
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
                        .clone()
                }
            })
            .collect();
    }
}

/// Self-attention of one step in decoder layer `layer`: appends each row's key and value
/// (from `qkv`, `[rows][3·dim]`: queries, keys, values) to its history, and returns each row's
/// attention output over all its steps so far, `[rows][dim]`. Causality needs no mask: the
/// history only holds earlier steps.
pub fn self_attend(cache: &mut StepCache, layer: usize, qkv: &[f32]) -> Vec<f32> {
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
            let memory = &mut history.layers[layer];
            memory.push(&qkv[dim..2 * dim], &qkv[2 * dim..]);
            attend_row(&qkv[..dim], memory, out);
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
) -> Vec<f32> {
    let mut out = vec![0f32; queries.len()];
    let rows = queries.len() / dim;
    if rows == 0 {
        return out;
    }
    assert_eq!(rows % sources.len(), 0, "rows are sentences × beams");
    let beams = rows / sources.len();
    // A sentence's beams read the same memory: attended together, they read it once.
    queries
        .par_chunks(beams * dim)
        .zip(out.par_chunks_mut(beams * dim))
        .zip(sources)
        .for_each(|((q, out), source)| attend_rows(q, &source.layers[layer], out));
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
        let memory = Memory::from_positions(
            dim,
            heads,
            positions().map(|p| (&p[dim..2 * dim], &p[2 * dim..])),
        );
        // Rows in parallel too (a batch may be one long sentence), a few together.
        qkv.par_chunks(ROWS_TOGETHER * 3 * dim)
            .zip(out.par_chunks_mut(ROWS_TOGETHER * dim))
            .with_min_len(2)
            .for_each(|(p, out)| {
                let q: Vec<f32> = p.chunks(3 * dim).flat_map(|p| &p[..dim]).copied().collect();
                attend_rows(&q, &memory, out);
            });
    });
    out
}

/// How many query rows over one memory are attended together: their scores and weighted
/// sums then read each key and value once for all of them.
const ROWS_TOGETHER: usize = 4;

/// Multi-head attention of several rows over one memory: `q` and `out` are `[rows][dim]`.
/// The same values as [`attend_row`] row by row.
fn attend_rows(q: &[f32], memory: &Memory, out: &mut [f32]) {
    let dim = memory.dim;
    for (q, out) in q
        .chunks(ROWS_TOGETHER * dim)
        .zip(out.chunks_mut(ROWS_TOGETHER * dim))
    {
        #[cfg(target_arch = "x86_64")]
        if x86::attend_rows(q, memory, out) {
            continue;
        }
        for (q, out) in q.chunks(dim).zip(out.chunks_mut(dim)) {
            attend_row(q, memory, out);
        }
    }
}

compiled_for_active_isa! {
    /// One row's multi-head attention: `q` is `[dim]`, and the result for each head goes to
    /// its slice of `out`.
    fn attend_row(q: &[f32], memory: &Memory, out: &mut [f32]) => attend_row_generic
}

/// Per head: the scores of every position (`q · k · head_dim^-½`), their softmax, and the
/// weighted sum of the values. Every multiply-add is fused (`mul_add`: an instruction on the
/// SIMD paths, a correctly rounded library call on the generic one) and every sum runs in
/// the same order however the loops are blocked, so every path computes the same values.
#[inline(always)]
fn attend_row_generic(q: &[f32], memory: &Memory, out: &mut [f32]) {
    let head_dim = memory.head_dim();
    let scale = (head_dim as f32).powf(-0.5);
    let mut weights = vec![0f32; memory.len().div_ceil(LANES) * LANES];
    for h in 0..memory.heads {
        let span = h * head_dim..(h + 1) * head_dim;
        scores(&q[span.clone()], memory, span.start, &mut weights);
        let weights = &mut weights[..memory.len()];
        for w in weights.iter_mut() {
            *w *= scale;
        }
        softmax(weights);
        weighted_sum(weights, memory.head_values(h), &mut out[span]);
    }
}

/// `scores[j] = Σ_i q[i] · key_j[first + i]` for every position `j` (and zeros in the padding
/// past them), [`LANES`] positions per register and up to four registers at a time: each
/// component's keys are then one contiguous read.
#[inline(always)]
fn scores(q: &[f32], memory: &Memory, first: usize, scores: &mut [f32]) {
    let mut blocks = scores.chunks_mut(4 * LANES);
    let mut start = 0;
    for block in blocks.by_ref() {
        match block.len() / LANES {
            4 => scores_block::<4>(q, memory, first, start, block),
            3 => scores_block::<3>(q, memory, first, start, block),
            2 => scores_block::<2>(q, memory, first, start, block),
            _ => scores_block::<1>(q, memory, first, start, block),
        }
        start += block.len();
    }
}

#[inline(always)]
fn scores_block<const G: usize>(
    q: &[f32],
    memory: &Memory,
    first: usize,
    start: usize,
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(done) = x86::scores_block::<G>(q, memory, first, start, out) {
        return done;
    }
    let mut acc = [[0f32; LANES]; G];
    for (i, &qi) in q.iter().enumerate() {
        let keys = &memory.key_component(first + i)[start..][..G * LANES];
        for (acc, keys) in acc.iter_mut().zip(keys.chunks_exact(LANES)) {
            for (a, &k) in acc.iter_mut().zip(keys) {
                *a = qi.mul_add(k, *a);
            }
        }
    }
    out.copy_from_slice(acc.as_flattened());
}

/// `out = Σ_j weights[j] · values[j]` (`values` `[len][head_dim]`), summed in position order;
/// for the usual head widths the sum stays in registers.
#[inline(always)]
fn weighted_sum(weights: &[f32], values: &[f32], out: &mut [f32]) {
    match out.len() {
        16 => weighted_sum_fixed::<1>(weights, values, out),
        32 => weighted_sum_fixed::<2>(weights, values, out),
        64 => weighted_sum_fixed::<4>(weights, values, out),
        128 => weighted_sum_fixed::<8>(weights, values, out),
        head_dim => {
            out.fill(0.0);
            for (&p, v) in weights.iter().zip(values.chunks_exact(head_dim)) {
                for (o, &v) in out.iter_mut().zip(v) {
                    *o = p.mul_add(v, *o);
                }
            }
        }
    }
}

#[inline(always)]
fn weighted_sum_fixed<const C: usize>(weights: &[f32], values: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(done) = x86::weighted_sum::<C>(weights, values, out) {
        return done;
    }
    let mut acc = [[0f32; LANES]; C];
    for (&p, v) in weights.iter().zip(values.chunks_exact(C * LANES)) {
        for (acc, v) in acc.iter_mut().zip(v.chunks_exact(LANES)) {
            for (a, &v) in acc.iter_mut().zip(v) {
                *a = p.mul_add(v, *a);
            }
        }
    }
    out.copy_from_slice(acc.as_flattened());
}

/// The two inner loops of attention written with x86 intrinsics. Compiled for the ISA, the
/// generic loops above keep 16–64 accumulators, and the compiler sometimes leaves them as
/// scalars spilled to the stack (BART's long sources made that half of its time). Here they
/// are registers. Each lane does the generic loop's fused multiply-adds in the same order, so
/// every path still computes the same values.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Memory, LANES, ROWS_TOGETHER};
    use crate::translate::model::Isa;

    /// [`super::scores_block`] on the active ISA's registers; `None` on the generic path.
    #[inline(always)]
    pub(super) fn scores_block<const G: usize>(
        q: &[f32],
        memory: &Memory,
        first: usize,
        start: usize,
        out: &mut [f32],
    ) -> Option<()> {
        let keys = |i: usize| memory.key_component(first + i)[start..][..G * LANES].as_ptr();
        scaled_rows_sum::<G>(q, keys, out)
    }

    /// `out = Σ_i scales[i] · row(i)`, each row `G × LANES` values, summed in order `i` with
    /// fused multiply-adds (the generic loops' order), on the active ISA's registers: the
    /// inner loop of both a head's scores (rows: the keys' components) and its weighted sum
    /// (rows: the positions' values). `None` on the generic path.
    #[inline(always)]
    fn scaled_rows_sum<const G: usize>(
        scales: &[f32],
        row: impl Fn(usize) -> *const f32,
        out: &mut [f32],
    ) -> Option<()> {
        assert_eq!(out.len(), G * LANES);
        match Isa::active() {
            // SAFETY: the active ISA is present (`Isa::activate` takes only present ones);
            // the callers' rows hold `G × LANES` values.
            Isa::Avx512 => unsafe { scaled_rows_sum_avx512::<G>(scales, row, out) },
            // SAFETY: as above.
            Isa::Avx2 => unsafe { scaled_rows_sum_avx2::<G>(scales, row, out) },
            Isa::Generic => return None,
        }
        Some(())
    }

    /// # Safety
    /// The CPU has AVX-512F; every `row(i)` and `out` hold `G × LANES` values.
    #[target_feature(enable = "avx512f")]
    unsafe fn scaled_rows_sum_avx512<const G: usize>(
        scales: &[f32],
        row: impl Fn(usize) -> *const f32,
        out: &mut [f32],
    ) {
        let mut acc = [_mm512_setzero_ps(); G];
        for (i, &scale) in scales.iter().enumerate() {
            let (r, sv) = (row(i), _mm512_set1_ps(scale));
            for (g, acc) in acc.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(sv, _mm512_loadu_ps(r.add(g * LANES)), *acc);
            }
        }
        for (g, acc) in acc.iter().enumerate() {
            _mm512_storeu_ps(out.as_mut_ptr().add(g * LANES), *acc);
        }
    }

    /// # Safety
    /// The CPU has AVX2 and FMA; every `row(i)` and `out` hold `G × LANES` values.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn scaled_rows_sum_avx2<const G: usize>(
        scales: &[f32],
        row: impl Fn(usize) -> *const f32,
        out: &mut [f32],
    ) {
        // Two 8-lane registers per group of LANES values.
        let mut acc = [[_mm256_setzero_ps(); 2]; G];
        for (i, &scale) in scales.iter().enumerate() {
            let (r, sv) = (row(i), _mm256_set1_ps(scale));
            for (g, acc) in acc.iter_mut().enumerate() {
                for (h, acc) in acc.iter_mut().enumerate() {
                    let at = r.add(g * LANES + h * 8);
                    *acc = _mm256_fmadd_ps(sv, _mm256_loadu_ps(at), *acc);
                }
            }
        }
        for (g, acc) in acc.iter().enumerate() {
            for (h, acc) in acc.iter().enumerate() {
                _mm256_storeu_ps(out.as_mut_ptr().add(g * LANES + h * 8), *acc);
            }
        }
    }

    /// [`super::attend_rows`] for exactly [`ROWS_TOGETHER`] rows of 64-wide heads on
    /// AVX-512, each key and value read once for the four; `false` (nothing done) otherwise.
    #[inline(always)]
    pub(super) fn attend_rows(q: &[f32], memory: &Memory, out: &mut [f32]) -> bool {
        let together = q.len() == ROWS_TOGETHER * memory.dim && out.len() == q.len();
        if !together || memory.head_dim() != HEAD_DIM || Isa::active() != Isa::Avx512 {
            return false;
        }
        // SAFETY: the AVX-512 path is active, so present; the lengths are checked above.
        unsafe { attend_rows_avx512(q, memory, out) };
        true
    }

    /// The head width [`attend_rows`] handles: four AVX-512 registers.
    const HEAD_DIM: usize = 64;

    /// # Safety
    /// The CPU has AVX-512F; `q` and `out` are `[ROWS_TOGETHER][dim]`, heads 64 wide.
    #[target_feature(enable = "avx512f")]
    unsafe fn attend_rows_avx512(q: &[f32], memory: &Memory, out: &mut [f32]) {
        const R: usize = ROWS_TOGETHER;
        let dim = memory.dim;
        let scale = (HEAD_DIM as f32).powf(-0.5);
        let padded = memory.len().div_ceil(LANES) * LANES;
        let mut weights = vec![0f32; R * padded];
        for h in 0..memory.heads {
            let first = h * HEAD_DIM;
            let mut start = 0;
            while start < padded {
                let blocks = ((padded - start) / LANES).min(4);
                let (q, m, w) = (q, memory, &mut weights[..]);
                match blocks {
                    4 => rows_scores::<4>(q, dim, m, first, start, w, padded),
                    3 => rows_scores::<3>(q, dim, m, first, start, w, padded),
                    2 => rows_scores::<2>(q, dim, m, first, start, w, padded),
                    _ => rows_scores::<1>(q, dim, m, first, start, w, padded),
                }
                start += blocks * LANES;
            }
            for row in weights.chunks_mut(padded) {
                let row = &mut row[..memory.len()];
                for w in row.iter_mut() {
                    *w *= scale;
                }
                super::softmax(row);
            }
            rows_weighted_sum(&weights, padded, memory.head_values(h), out, dim, first);
        }
    }

    /// Every row's scores for the `G × LANES` positions from `start`, into its row of
    /// `weights` (`[ROWS_TOGETHER][padded]`).
    ///
    /// # Safety
    /// The CPU has AVX-512F; the positions are within the memory's padded length.
    #[inline(always)]
    unsafe fn rows_scores<const G: usize>(
        q: &[f32],
        dim: usize,
        memory: &Memory,
        first: usize,
        start: usize,
        weights: &mut [f32],
        padded: usize,
    ) {
        let mut acc = [[_mm512_setzero_ps(); G]; ROWS_TOGETHER];
        for i in 0..HEAD_DIM {
            let k = memory.key_component(first + i)[start..][..G * LANES].as_ptr();
            let keys: [__m512; G] = std::array::from_fn(|g| _mm512_loadu_ps(k.add(g * LANES)));
            for (r, acc) in acc.iter_mut().enumerate() {
                let qv = _mm512_set1_ps(q[r * dim + first + i]);
                for (acc, keys) in acc.iter_mut().zip(&keys) {
                    *acc = _mm512_fmadd_ps(qv, *keys, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let w = weights[r * padded + start..][..G * LANES].as_mut_ptr();
            for (g, acc) in acc.iter().enumerate() {
                _mm512_storeu_ps(w.add(g * LANES), *acc);
            }
        }
    }

    /// Every row's `Σ_j weights[j] · values[j]` for one head, into its head's slice of `out`.
    ///
    /// # Safety
    /// The CPU has AVX-512F; `values` is the head's `[len][64]`.
    #[inline(always)]
    unsafe fn rows_weighted_sum(
        weights: &[f32],
        padded: usize,
        values: &[f32],
        out: &mut [f32],
        dim: usize,
        first: usize,
    ) {
        const C: usize = HEAD_DIM / LANES;
        let mut acc = [[_mm512_setzero_ps(); C]; ROWS_TOGETHER];
        for (j, v) in values.chunks_exact(HEAD_DIM).enumerate() {
            let v: [__m512; C] =
                std::array::from_fn(|c| _mm512_loadu_ps(v.as_ptr().add(c * LANES)));
            for (r, acc) in acc.iter_mut().enumerate() {
                let pv = _mm512_set1_ps(weights[r * padded + j]);
                for (acc, v) in acc.iter_mut().zip(&v) {
                    *acc = _mm512_fmadd_ps(pv, *v, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let o = out[r * dim + first..][..HEAD_DIM].as_mut_ptr();
            for (c, acc) in acc.iter().enumerate() {
                _mm512_storeu_ps(o.add(c * LANES), *acc);
            }
        }
    }

    /// [`super::weighted_sum_fixed`] on the active ISA's registers; `None` on the generic
    /// path.
    #[inline(always)]
    pub(super) fn weighted_sum<const C: usize>(
        weights: &[f32],
        values: &[f32],
        out: &mut [f32],
    ) -> Option<()> {
        assert!(values.len() >= weights.len() * C * LANES);
        let position = |j: usize| values[j * C * LANES..][..C * LANES].as_ptr();
        scaled_rows_sum::<C>(weights, position, out)
    }
}

/// `x ← softmax(x)`.
#[inline(always)]
fn softmax(x: &mut [f32]) {
    // The maximum lane by lane, then over the lanes: the same value as one pass (a maximum
    // does not depend on the order), in a loop that vectorises.
    let larger = |m: f32, v: f32| if v > m { v } else { m };
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = larger(*m, v);
        }
    }
    let max = lanes
        .iter()
        .chain(tail)
        .fold(f32::NEG_INFINITY, |m, &v| larger(m, v));
    // The exponentials in a pass of their own, which vectorises; the sum then runs in
    // position order, as before, so the values are unchanged.
    for v in x.iter_mut() {
        *v = exp(*v - max);
    }
    let sum = x.iter().fold(0f32, |s, &v| s + v);
    for v in x.iter_mut() {
        *v /= sum;
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
        let mut cache = StepCache::new(rows, layers, dim, heads);
        let mut keys = vec![Vec::new(); rows];
        let mut vals = vec![Vec::new(); rows];
        for step in 0..20 {
            let qkv = values(rows * 3 * dim, step);
            let out = self_attend(&mut cache, 1, &qkv);
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
        assert!(cache.rows.iter().all(|h| h.layers[0].len() == 0));
    }

    #[test]
    fn encoder_rows_attend_within_their_own_sentence() {
        let (dim, heads) = (128, 2);
        let lengths = [3, 1, 70];
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
    fn memory_keeps_its_positions_as_it_grows() {
        let (dim, heads) = (6, 2);
        let all = values(40 * 2 * dim, 5);
        let pairs = || all.chunks(2 * dim).map(|p| (&p[..dim], &p[dim..]));
        let mut grown = Memory::new(dim, heads);
        for (j, (key, value)) in pairs().enumerate() {
            grown.push(key, value);
            assert_eq!(grown.len(), j + 1);
        }
        let built = Memory::from_positions(dim, heads, pairs());
        for (j, (key, value)) in pairs().enumerate() {
            assert_eq!(grown.position(j), (key.to_vec(), value.to_vec()));
            assert_eq!(built.position(j), (key.to_vec(), value.to_vec()));
        }
    }

    #[test]
    fn select_moves_single_uses_and_copies_repeats() {
        let mut cache = StepCache::new(3, 1, 1, 1);
        for (r, h) in cache.rows.iter_mut().enumerate() {
            h.layers[0].push(&[r as f32], &[r as f32]);
        }
        let moved = cache.rows[2].layers[0].keys.as_ptr();
        cache.select(&[2, 0, 0]);
        let firsts: Vec<f32> = cache
            .rows
            .iter()
            .map(|h| h.layers[0].position(0).0[0])
            .collect();
        assert_eq!(firsts, vec![2.0, 0.0, 0.0]);
        assert_eq!(
            cache.rows[0].layers[0].keys.as_ptr(),
            moved,
            "a single use is a move"
        );
    }

    #[test]
    fn rows_attended_together_equal_each_row_alone_on_every_path() {
        // 64-wide heads (the width the AVX-512 path takes four rows at a time), lengths that
        // end inside and at a register block, and a group of rows with a shorter last part.
        use crate::translate::model::Isa;
        let (dim, heads) = (128, 2);
        for len in [1, 16, 37, 64, 70] {
            let (keys, vals) = (values(len * dim, 3), values(len * dim, 4));
            let memory = Memory::from_positions(dim, heads, keys.chunks(dim).zip(vals.chunks(dim)));
            let q = values(6 * dim, 5);
            for isa in Isa::ALL.into_iter().filter(|i| i.is_present()) {
                isa.activate();
                let mut together = vec![0f32; q.len()];
                attend_rows(&q, &memory, &mut together);
                Isa::Generic.activate();
                let mut alone = vec![0f32; q.len()];
                for (q, out) in q.chunks(dim).zip(alone.chunks_mut(dim)) {
                    attend_row(q, &memory, out);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&together), bits(&alone), "{isa}, {len} positions");
            }
            Isa::best().activate();
        }
    }

    #[test]
    fn cross_attention_reads_each_rows_sentence() {
        let (dim, heads, beams) = (32, 2, 3);
        let sources: Vec<Arc<KeysValues>> = (0..2)
            .map(|s| {
                let len = 4 + 15 * s as usize;
                let (keys, vals) = (values(len * dim, 10 + s), values(len * dim, 20 + s));
                let memory =
                    Memory::from_positions(dim, heads, keys.chunks(dim).zip(vals.chunks(dim)));
                Arc::new(KeysValues::from_layers(vec![memory]))
            })
            .collect();
        let queries = values(2 * beams * dim, 7);
        let out = cross_attend(&sources, 0, &queries, dim);
        for r in 0..2 * beams {
            let memory = &sources[r / beams].layers[0];
            let (k, v): (Vec<Vec<f32>>, Vec<Vec<f32>>) =
                (0..memory.len()).map(|j| memory.position(j)).unzip();
            let want = reference(
                &queries[r * dim..(r + 1) * dim],
                &k.concat(),
                &v.concat(),
                heads,
            );
            for (a, b) in out[r * dim..(r + 1) * dim].iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "row {r}: {a} vs {b}");
            }
        }
    }
}
