//! Int8 weights and the integer tiles, after the recipe CTranslate2 documents for its int8
//! models: weights quantized at load, symmetric, one f32 scale per output row of W
//! (`w ≈ q · max|row| / 127`); each input row quantized the same way when the product runs;
//! products summed in i32; the sum times both scales gives the f32 result, to which the
//! caller's bias (and everything after: residuals, layer norms, softmax) is added in f32.
//!
//! The integer sum `Σ qx·qw` is exact on every path, so every [`Isa`] gives bit-identical
//! outputs:
//! - AVX-512 VNNI (and AVX-VNNI, its 256-bit form on AVX2 machines): `vpdpbusd` multiplies u8
//!   by s8, so inputs are stored shifted by 128 and `128 · Σ qw` (precomputed per weight row)
//!   is taken off the sum;
//! - AVX2: `vpmaddubsw` (u8 × s8 → pairs summed in saturating i16) on `|qx|` and `qw` with the
//!   sign of `qx` (`vpsignb`): `2 · 127 · 127 < 2¹⁵`, so nothing saturates; `vpmaddwd`
//!   widens to i32;
//! - generic: the same sums in plain Rust.

use rayon::prelude::*;

use super::{prefetch_target, Isa, WeightsRef, MR, NR};

/// Which integer tile a matrix runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Vnni512,
    AvxVnni,
    Avx2,
    Generic,
}

/// Quantized weights in panels of NR columns, k grouped by four (the four bytes one i32 lane
/// of `vpdpbusd` multiplies): `data[p][g][j][b] = qW[p*NR + j][4g + b]`, zero-padded past `n`
/// and `k`.
#[derive(Debug, Clone)]
pub(super) struct Panels {
    kernel: Kernel,
    /// k rounded up to a multiple of four.
    k4: usize,
    data: Vec<i8>,
    /// Per column of the output (padded to whole panels with zeros): the weight scale.
    scales: Vec<f32>,
    /// Per column: `128 · Σ qw`, the correction of the shifted inputs (zero for the tiles that
    /// read inputs unshifted).
    shift_correction: Vec<i32>,
}

/// Input rows quantized for one product: `[m][k4]` bytes and one scale per row.
pub(super) struct Rows {
    data: Vec<i8>,
    scales: Vec<f32>,
}

/// Values summarised side by side when finding a row's largest magnitude.
const LANES: usize = 16;

/// Symmetric quantization of `values` to `[-127, 127]`: writes each quantized value, XOR
/// `flip`, to `out` and returns the scale.
fn quantize(values: &[f32], out: &mut [i8], flip: i8) -> f32 {
    let mut lanes = [0f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            let a = v.abs();
            *m = if a > *m { a } else { *m };
        }
    }
    let amax = lanes.iter().chain(tail).fold(0f32, |m, v| m.max(v.abs()));
    let inv = if amax > 0.0 { 127.0 / amax } else { 0.0 };
    // Adding 1.5·2²³ rounds |y| ≤ 127 to the nearest integer, ties to even, and leaves that
    // integer in the low bits of the sum: two integer operations instead of a conversion
    // (`f32::round` is a library call on baseline x86-64, and `as` saturates).
    const ROUND: f32 = 12_582_912.0;
    for (o, &v) in out.iter_mut().zip(values) {
        *o = ((v * inv + ROUND).to_bits() as i32 - ROUND.to_bits() as i32) as i8 ^ flip;
    }
    amax / 127.0
}

impl Panels {
    /// Quantizes and packs `w` (`[n, k]`) for the best integer tile `isa` allows.
    pub(super) fn pack(isa: Isa, w: WeightsRef, n: usize, k: usize) -> Self {
        let kernel = if isa.has_avx512_vnni() {
            Kernel::Vnni512
        } else if isa.has_avx_vnni() {
            Kernel::AvxVnni
        } else if isa >= Isa::Avx2 {
            Kernel::Avx2
        } else {
            Kernel::Generic
        };
        let k4 = k.div_ceil(4) * 4;
        let panels = n.div_ceil(NR);
        let mut data = vec![0i8; panels * k4 * NR];
        let mut scales = vec![0f32; panels * NR];
        let mut sums = vec![0i32; panels * NR];
        data.par_chunks_mut(k4 * NR)
            .zip(scales.par_chunks_mut(NR).zip(sums.par_chunks_mut(NR)))
            .enumerate()
            .for_each(|(p, (panel, (scales, sums)))| {
                let mut q = vec![0i8; k];
                for j in 0..NR.min(n - p * NR) {
                    scales[j] = quantize(&w.row(p * NR + j, k), &mut q, 0);
                    for (kk, &q) in q.iter().enumerate() {
                        panel[(kk / 4) * NR * 4 + j * 4 + kk % 4] = q;
                        sums[j] += q as i32;
                    }
                }
            });
        let shift = if matches!(kernel, Kernel::Vnni512 | Kernel::AvxVnni) {
            128
        } else {
            0
        };
        let shift_correction = sums.iter().map(|s| shift * s).collect();
        Self {
            kernel,
            k4,
            data,
            scales,
            shift_correction,
        }
    }

    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        self.data.len() + 4 * (self.scales.len() + self.shift_correction.len())
    }

    /// Whether the tile reads inputs shifted to u8 (`vpdpbusd`).
    fn shifted(&self) -> bool {
        matches!(self.kernel, Kernel::Vnni512 | Kernel::AvxVnni)
    }

    pub(super) fn tile_rows(&self) -> usize {
        match self.kernel {
            Kernel::Vnni512 => 12,
            Kernel::AvxVnni => 6,
            Kernel::Avx2 => 4,
            Kernel::Generic => 8,
        }
    }

    /// Quantizes the rows of `x` (`[m, k]`) for this matrix's tile (in parallel for the
    /// encoder's many rows).
    pub(super) fn quantize_rows(&self, x: &[f32], m: usize) -> Rows {
        let k = x.len() / m.max(1);
        // VNNI reads inputs as u8: stored as `q + 128`, i.e. with the top bit flipped.
        let flip = if self.shifted() { i8::MIN } else { 0 };
        let mut data = vec![flip; m * self.k4];
        let mut scales = vec![0f32; m];
        data.par_chunks_mut(self.k4)
            .zip(scales.par_iter_mut())
            .zip(x.par_chunks(k.max(1)))
            .with_min_len(64)
            .for_each(|((out, scale), row)| *scale = quantize(row, out, flip));
        Rows { data, scales }
    }

    /// Rows `r .. r + rows` of `x` times panel `p`, dequantized into `acc`; `g` is the tile's
    /// index within the panel (the first two prefetch the next panel).
    pub(super) fn tile(
        &self,
        p: usize,
        g: usize,
        x: &Rows,
        r: usize,
        rows: usize,
        acc: &mut [[f32; NR]; MR],
    ) {
        let k4 = self.k4;
        let panel = &self.data[p * k4 * NR..(p + 1) * k4 * NR];
        // A group of four k steps is 128 bytes: two lines per step.
        let next = prefetch_target(&self.data, (p + 1) * k4 * NR, g, k4 / 4, 2);
        let xs = &x.data[r * k4..(r + rows) * k4];
        let scales = Dequantize {
            rows: &x.scales[r..r + rows],
            columns: self.scales[p * NR..(p + 1) * NR]
                .try_into()
                .expect("NR scales"),
            correction: self.shift_correction[p * NR..(p + 1) * NR]
                .try_into()
                .expect("NR corrections"),
        };
        match self.kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Vnni512` is chosen only when the CPU has AVX-512 VNNI; bounds are
            // checked in the tile.
            Kernel::Vnni512 => unsafe { x86::tile_vnni512(xs, k4, panel, next, &scales, acc) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `AvxVnni` is chosen only when the CPU has AVX-VNNI; bounds are checked
            // in the tile.
            Kernel::AvxVnni => unsafe { x86::tile_avx_vnni(xs, k4, panel, next, &scales, acc) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2` is chosen only when the CPU has AVX2; bounds are checked there.
            Kernel::Avx2 => unsafe { x86::tile_avx2(xs, k4, panel, next, &scales, acc) },
            _ => tile_generic(xs, k4, panel, &scales, acc),
        }
    }
}

/// What turns a tile's integer sums into f32: `(sum − correction[j]) · (rows[i] · columns[j])`
/// for row `i` and column `j` of the tile, the same operations on every path.
struct Dequantize<'a> {
    /// The input rows' scales (one per row of the tile).
    rows: &'a [f32],
    /// The panel's columns' weight scales.
    columns: &'a [f32; NR],
    /// The panel's columns' shift corrections.
    correction: &'a [i32; NR],
}

impl Dequantize<'_> {
    #[inline(always)]
    fn value(&self, i: usize, j: usize, sum: i32) -> f32 {
        (sum - self.correction[j]) as f32 * (self.rows[i] * self.columns[j])
    }
}

/// The portable integer tile.
fn tile_generic(x: &[i8], k4: usize, panel: &[i8], scales: &Dequantize, acc: &mut [[f32; NR]; MR]) {
    let rows = scales.rows.len();
    assert!(rows <= MR && x.len() >= rows * k4 && panel.len() >= k4 * NR);
    for (i, out) in acc.iter_mut().enumerate().take(rows) {
        let mut sums = [0i32; NR];
        for g in 0..k4 / 4 {
            let w = &panel[g * 4 * NR..(g + 1) * 4 * NR];
            let xs = &x[i * k4 + g * 4..][..4];
            for (j, s) in sums.iter_mut().enumerate() {
                let wj = &w[j * 4..j * 4 + 4];
                *s += (0..4).map(|b| xs[b] as i32 * wj[b] as i32).sum::<i32>();
            }
        }
        for (j, (o, &s)) in out.iter_mut().zip(&sums).enumerate() {
            *o = scales.value(i, j, s);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Dequantize, MR, NR};

    /// Dequantizes 16 sums of row `i` (columns `j .. j + 16`) into `out`.
    ///
    /// # Safety
    /// The CPU has AVX-512F; `j + 16 ≤ NR`, `i < scales.rows.len()`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn dequantize16(c: __m512i, scales: &Dequantize, i: usize, j: usize, out: *mut f32) {
        let correction = _mm512_loadu_si512(scales.correction.as_ptr().add(j) as *const _);
        let columns = _mm512_loadu_ps(scales.columns.as_ptr().add(j));
        let scale = _mm512_mul_ps(_mm512_set1_ps(scales.rows[i]), columns);
        let sums = _mm512_cvtepi32_ps(_mm512_sub_epi32(c, correction));
        _mm512_storeu_ps(out, _mm512_mul_ps(sums, scale));
    }

    /// Dequantizes 8 sums of row `i` (columns `j .. j + 8`) into `out`.
    ///
    /// # Safety
    /// The CPU has AVX2; `j + 8 ≤ NR`, `i < scales.rows.len()`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn dequantize8(c: __m256i, scales: &Dequantize, i: usize, j: usize, out: *mut f32) {
        let correction = _mm256_loadu_si256(scales.correction.as_ptr().add(j) as *const __m256i);
        let columns = _mm256_loadu_ps(scales.columns.as_ptr().add(j));
        let scale = _mm256_mul_ps(_mm256_set1_ps(scales.rows[i]), columns);
        let sums = _mm256_cvtepi32_ps(_mm256_sub_epi32(c, correction));
        _mm256_storeu_ps(out, _mm256_mul_ps(sums, scale));
    }

    /// The four input bytes of group `g` of row `i`, broadcast as one i32.
    ///
    /// # Safety
    /// `i * k4 + g * 4 + 4 ≤ x.len()`.
    #[inline(always)]
    unsafe fn group(x: *const i8, k4: usize, i: usize, g: usize) -> i32 {
        std::ptr::read_unaligned(x.add(i * k4 + g * 4) as *const i32)
    }

    /// `vpdpbusd` on 12 rows × 32 columns: inputs shifted to u8 (see the module docs).
    ///
    /// # Safety
    /// The CPU has AVX-512F and AVX-512 VNNI. (Bounds are checked here.)
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn tile_vnni512(
        x: &[i8],
        k4: usize,
        panel: &[i8],
        prefetch: Option<*const u8>,
        scales: &Dequantize,
        acc: &mut [[f32; NR]; MR],
    ) {
        let rows = scales.rows.len();
        assert!((1..=MR).contains(&rows) && x.len() >= rows * k4 && panel.len() >= k4 * NR);
        let mut c = [[_mm512_setzero_si512(); 2]; MR];
        let (xp, w) = (x.as_ptr(), panel.as_ptr());
        macro_rules! run {
            ($rows:expr) => {
                for g in 0..k4 / 4 {
                    if let Some(next) = prefetch {
                        _mm_prefetch::<_MM_HINT_T1>(next.wrapping_add(g * 64) as *const i8);
                    }
                    let w0 = _mm512_loadu_si512(w.add(g * 128) as *const _);
                    let w1 = _mm512_loadu_si512(w.add(g * 128 + 64) as *const _);
                    for i in 0..$rows {
                        let xb = _mm512_set1_epi32(group(xp, k4, i, g));
                        c[i][0] = _mm512_dpbusd_epi32(c[i][0], xb, w0);
                        c[i][1] = _mm512_dpbusd_epi32(c[i][1], xb, w1);
                    }
                }
            };
        }
        by_rows!(rows, run, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        for i in 0..rows {
            dequantize16(c[i][0], scales, i, 0, acc[i].as_mut_ptr());
            dequantize16(c[i][1], scales, i, 16, acc[i].as_mut_ptr().add(16));
        }
    }

    /// AVX-VNNI's `vpdpbusd` on 6 rows × 16 columns, each half of the panel in turn: inputs
    /// shifted to u8 as for [`tile_vnni512`].
    ///
    /// # Safety
    /// The CPU has AVX2 and AVX-VNNI. (Bounds are checked here.)
    #[target_feature(enable = "avx2,avxvnni")]
    pub(super) unsafe fn tile_avx_vnni(
        x: &[i8],
        k4: usize,
        panel: &[i8],
        prefetch: Option<*const u8>,
        scales: &Dequantize,
        acc: &mut [[f32; NR]; MR],
    ) {
        let rows = scales.rows.len();
        assert!((1..=6).contains(&rows) && x.len() >= rows * k4 && panel.len() >= k4 * NR);
        let (xp, w) = (x.as_ptr(), panel.as_ptr());
        for half in 0..2 {
            let mut c = [[_mm256_setzero_si256(); 2]; 6];
            macro_rules! run {
                ($rows:expr) => {
                    for g in 0..k4 / 4 {
                        if let (Some(next), 0) = (prefetch, half) {
                            _mm_prefetch::<_MM_HINT_T1>(next.wrapping_add(g * 64) as *const i8);
                        }
                        let at = w.add(g * 128 + half * 64);
                        let w0 = _mm256_loadu_si256(at as *const __m256i);
                        let w1 = _mm256_loadu_si256(at.add(32) as *const __m256i);
                        for i in 0..$rows {
                            let xb = _mm256_set1_epi32(group(xp, k4, i, g));
                            c[i][0] = _mm256_dpbusd_avx_epi32(c[i][0], xb, w0);
                            c[i][1] = _mm256_dpbusd_avx_epi32(c[i][1], xb, w1);
                        }
                    }
                };
            }
            by_rows!(rows, run, [1, 2, 3, 4, 5, 6]);
            for i in 0..rows {
                let out = acc[i].as_mut_ptr().add(half * 16);
                dequantize8(c[i][0], scales, i, half * 16, out);
                dequantize8(c[i][1], scales, i, half * 16 + 8, out.add(8));
            }
        }
    }

    /// `vpmaddubsw` + `vpmaddwd` on 4 rows × 16 columns, each half of the panel in turn.
    ///
    /// # Safety
    /// The CPU has AVX2. (Bounds are checked here.)
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tile_avx2(
        x: &[i8],
        k4: usize,
        panel: &[i8],
        prefetch: Option<*const u8>,
        scales: &Dequantize,
        acc: &mut [[f32; NR]; MR],
    ) {
        let rows = scales.rows.len();
        assert!((1..=4).contains(&rows) && x.len() >= rows * k4 && panel.len() >= k4 * NR);
        let ones = _mm256_set1_epi16(1);
        let (xp, w) = (x.as_ptr(), panel.as_ptr());
        for half in 0..2 {
            let mut c = [[_mm256_setzero_si256(); 2]; 4];
            macro_rules! run {
                ($rows:expr) => {
                    for g in 0..k4 / 4 {
                        if let (Some(next), 0) = (prefetch, half) {
                            _mm_prefetch::<_MM_HINT_T1>(next.wrapping_add(g * 64) as *const i8);
                        }
                        let at = w.add(g * 128 + half * 64);
                        let w0 = _mm256_loadu_si256(at as *const __m256i);
                        let w1 = _mm256_loadu_si256(at.add(32) as *const __m256i);
                        for i in 0..$rows {
                            let xb = _mm256_set1_epi32(group(xp, k4, i, g));
                            let ax = _mm256_abs_epi8(xb);
                            let p0 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w0, xb));
                            let p1 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w1, xb));
                            c[i][0] = _mm256_add_epi32(c[i][0], _mm256_madd_epi16(p0, ones));
                            c[i][1] = _mm256_add_epi32(c[i][1], _mm256_madd_epi16(p1, ones));
                        }
                    }
                };
            }
            by_rows!(rows, run, [1, 2, 3, 4]);
            for i in 0..rows {
                let out = acc[i].as_mut_ptr().add(half * 16);
                dequantize8(c[i][0], scales, i, half * 16, out);
                dequantize8(c[i][1], scales, i, half * 16 + 8, out.add(8));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{inputs, SHAPES};
    use super::super::{PackedWeights, Storage};
    use super::*;

    /// The recipe in plain loops: quantize both sides, sum in i32, scale.
    fn reference(x: &[f32], w: &[f32], m: usize, n: usize, k: usize) -> Vec<f32> {
        let quantized = |v: &[f32]| {
            let mut q = vec![0i8; v.len()];
            let s = quantize(v, &mut q, 0);
            (q, s)
        };
        let mut out = vec![0f32; m * n];
        for r in 0..m {
            let (qx, sx) = quantized(&x[r * k..(r + 1) * k]);
            for j in 0..n {
                let (qw, sw) = quantized(&w[j * k..(j + 1) * k]);
                let sum: i32 = qx.iter().zip(&qw).map(|(&a, &b)| a as i32 * b as i32).sum();
                out[r * n + j] = sum as f32 * (sx * sw);
            }
        }
        out
    }

    #[test]
    fn every_int8_path_gives_the_recipes_result_exactly() {
        for isa in Isa::ALL.into_iter().filter(|i| i.is_present()) {
            for (m, n, k) in SHAPES {
                let (x, w, _) = inputs(m, n, k);
                let packed =
                    PackedWeights::pack(isa, WeightsRef::F32(&w), n, k, Storage::Int8).unwrap();
                let mut out = vec![0f32; m * n];
                packed.matmul(&x, m, None, &mut out);
                assert_eq!(out, reference(&x, &w, m, n, k), "{isa} {m}x{n}x{k}");
            }
        }
    }

    #[test]
    fn extreme_values_neither_saturate_nor_overflow() {
        // Every product at ±127 · ±127, over a long row: the i16 pairs of the AVX2 tile are
        // at their largest and the i32 sums far from overflow.
        let (m, n, k) = (3, 40, 4096);
        let x: Vec<f32> = (0..m * k)
            .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| if i % 5 == 0 { -2.0 } else { 2.0 })
            .collect();
        for isa in Isa::ALL.into_iter().filter(|i| i.is_present()) {
            let packed =
                PackedWeights::pack(isa, WeightsRef::F32(&w), n, k, Storage::Int8).unwrap();
            let mut out = vec![0f32; m * n];
            packed.matmul(&x, m, None, &mut out);
            for r in 0..m {
                for j in 0..n {
                    let exact: f32 = (0..k).map(|kk| x[r * k + kk] * w[j * k + kk]).sum();
                    assert!((out[r * n + j] - exact).abs() < 1e-2, "{isa} ({r}, {j})");
                }
            }
        }
    }

    #[test]
    fn a_row_of_zeros_gives_zeros() {
        let w = vec![0f32; 32 * 8];
        let x = vec![1f32; 8];
        let packed = PackedWeights::pack(Isa::best(), WeightsRef::F32(&w), 32, 8, Storage::Int8);
        let mut out = vec![1f32; 32];
        packed.unwrap().matmul(&x, 1, None, &mut out);
        assert_eq!(out, vec![0f32; 32]);
    }
}
