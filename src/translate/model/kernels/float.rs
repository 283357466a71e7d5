//! The float tiles: rows of f32 inputs times one panel of f32 or f16 weights, per [`Isa`].

use half::f16;

use super::{Isa, MR, NR};

/// `acc[i][j] = Σ_kk x[i*k + kk] · panel[kk*NR + j]` for `i < rows` (at most the tile size of
/// `isa`), prefetching `k` lines from `prefetch` on the way.
///
/// `isa` must be present: packed weights exist only for a present one.
pub(super) fn tile_f32(
    isa: Isa,
    x: &[f32],
    (k, rows): (usize, usize),
    panel: &[f32],
    prefetch: Option<*const u8>,
    acc: &mut [[f32; NR]; MR],
) {
    assert!(panel.len() >= k * NR);
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has `isa` (see above); `rows ≤ 12` and the slices are checked.
        Isa::Avx512 => unsafe { avx512::tile_f32(x, k, rows, panel, prefetch, acc) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has `isa`; the halves' `rows ≤ 6` and the slices are checked.
        Isa::Avx2 => unsafe { avx2::tile_f32(x, k, rows, panel, prefetch, acc) },
        _ => generic_tile(
            x,
            k,
            rows,
            |kk| {
                let mut w = [0f32; NR];
                w.copy_from_slice(&panel[kk * NR..(kk + 1) * NR]);
                w
            },
            acc,
        ),
    }
}

/// [`tile_f32`] for f16 weights, widened to f32 as they are loaded.
pub(super) fn tile_f16(
    isa: Isa,
    x: &[f32],
    (k, rows): (usize, usize),
    panel: &[f16],
    prefetch: Option<*const u8>,
    acc: &mut [[f32; NR]; MR],
) {
    assert!(panel.len() >= k * NR);
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `tile_f32`.
        Isa::Avx512 => unsafe { avx512::tile_f16(x, k, rows, panel, prefetch, acc) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `tile_f32`.
        Isa::Avx2 => unsafe { avx2::tile_f16(x, k, rows, panel, prefetch, acc) },
        _ => generic_tile(
            x,
            k,
            rows,
            |kk| {
                let mut w = [0f32; NR];
                for (o, v) in w.iter_mut().zip(&panel[kk * NR..(kk + 1) * NR]) {
                    *o = v.to_f32();
                }
                w
            },
            acc,
        ),
    }
}

/// The portable tile: the compiler vectorises the 32-column inner loop for the baseline
/// target. Products are rounded before they are added (a fused multiply-add is a slow library
/// call without the FMA instructions).
fn generic_tile(
    x: &[f32],
    k: usize,
    rows: usize,
    weights: impl Fn(usize) -> [f32; NR],
    acc: &mut [[f32; NR]; MR],
) {
    assert!(rows <= MR && x.len() >= rows * k);
    for row in acc.iter_mut().take(rows) {
        row.fill(0.0);
    }
    for kk in 0..k {
        let w = weights(kk);
        for (i, row) in acc.iter_mut().enumerate().take(rows) {
            let xv = x[i * k + kk];
            for (a, &wv) in row.iter_mut().zip(&w) {
                *a += xv * wv;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{f16, MR, NR};

    /// The AVX-512 tile over f32 weights: `rows ≤ 12` rows × 32 columns in 24 registers.
    ///
    /// # Safety
    /// The CPU has AVX-512F. (Slice bounds are checked here.)
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile_f32(
        x: &[f32],
        k: usize,
        rows: usize,
        panel: &[f32],
        prefetch: Option<*const u8>,
        acc: &mut [[f32; NR]; MR],
    ) {
        let w = panel.as_ptr();
        tile(x, k, rows, prefetch, acc, |kk| {
            (
                _mm512_loadu_ps(w.add(kk * NR)),
                _mm512_loadu_ps(w.add(kk * NR + 16)),
            )
        })
    }

    /// The AVX-512 tile over f16 weights, widened by `vcvtph2ps zmm` (exact).
    ///
    /// # Safety
    /// The CPU has AVX-512F. (Slice bounds are checked here.)
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile_f16(
        x: &[f32],
        k: usize,
        rows: usize,
        panel: &[f16],
        prefetch: Option<*const u8>,
        acc: &mut [[f32; NR]; MR],
    ) {
        let w = panel.as_ptr();
        tile(x, k, rows, prefetch, acc, |kk| {
            (
                _mm512_cvtph_ps(_mm256_loadu_si256(w.add(kk * NR) as *const __m256i)),
                _mm512_cvtph_ps(_mm256_loadu_si256(w.add(kk * NR + 16) as *const __m256i)),
            )
        })
    }

    /// # Safety
    /// The CPU has AVX-512F; `load(kk)` reads step `kk < k` of a panel of at least `k` steps.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn tile(
        x: &[f32],
        k: usize,
        rows: usize,
        prefetch: Option<*const u8>,
        acc: &mut [[f32; NR]; MR],
        load: impl Fn(usize) -> (__m512, __m512),
    ) {
        assert!((1..=MR).contains(&rows) && x.len() >= rows * k);
        let mut c = [[_mm512_setzero_ps(); 2]; MR];
        let xp = x.as_ptr();
        macro_rules! run {
            ($rows:expr) => {
                for kk in 0..k {
                    if let Some(next) = prefetch {
                        // One cache line of the next panel per k step.
                        _mm_prefetch::<_MM_HINT_T1>(next.wrapping_add(kk * 64) as *const i8);
                    }
                    let (w0, w1) = load(kk);
                    for i in 0..$rows {
                        let xv = _mm512_set1_ps(*xp.add(i * k + kk));
                        c[i][0] = _mm512_fmadd_ps(xv, w0, c[i][0]);
                        c[i][1] = _mm512_fmadd_ps(xv, w1, c[i][1]);
                    }
                }
            };
        }
        by_rows!(rows, run, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        for i in 0..rows {
            _mm512_storeu_ps(acc[i].as_mut_ptr(), c[i][0]);
            _mm512_storeu_ps(acc[i].as_mut_ptr().add(16), c[i][1]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{f16, MR, NR};

    /// The AVX2 tile over f32 weights: `rows ≤ 6`, each half of the panel's 32 columns in turn
    /// (6 rows × 16 columns in 12 of the 16 registers).
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA. (Slice bounds are checked here.)
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile_f32(
        x: &[f32],
        k: usize,
        rows: usize,
        panel: &[f32],
        prefetch: Option<*const u8>,
        acc: &mut [[f32; NR]; MR],
    ) {
        let w = panel.as_ptr();
        for half in 0..2 {
            let prefetch = prefetch.filter(|_| half == 0);
            tile_half(x, k, rows, prefetch, acc, half, |kk| {
                let at = w.add(kk * NR + half * 16);
                (_mm256_loadu_ps(at), _mm256_loadu_ps(at.add(8)))
            })
        }
    }

    /// The AVX2 tile over f16 weights, widened by F16C's `vcvtph2ps` (exact).
    ///
    /// # Safety
    /// The CPU has AVX2, FMA and F16C. (Slice bounds are checked here.)
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn tile_f16(
        x: &[f32],
        k: usize,
        rows: usize,
        panel: &[f16],
        prefetch: Option<*const u8>,
        acc: &mut [[f32; NR]; MR],
    ) {
        let w = panel.as_ptr();
        for half in 0..2 {
            let prefetch = prefetch.filter(|_| half == 0);
            tile_half(x, k, rows, prefetch, acc, half, |kk| {
                let at = w.add(kk * NR + half * 16);
                (
                    _mm256_cvtph_ps(_mm_loadu_si128(at as *const __m128i)),
                    _mm256_cvtph_ps(_mm_loadu_si128(at.add(8) as *const __m128i)),
                )
            })
        }
    }

    /// Columns `16·half ..` of the tile.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA; `load(kk)` reads step `kk < k` of a panel of `k` steps.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn tile_half(
        x: &[f32],
        k: usize,
        rows: usize,
        prefetch: Option<*const u8>,
        acc: &mut [[f32; NR]; MR],
        half: usize,
        load: impl Fn(usize) -> (__m256, __m256),
    ) {
        assert!((1..=6).contains(&rows) && x.len() >= rows * k);
        let mut c = [[_mm256_setzero_ps(); 2]; 6];
        let xp = x.as_ptr();
        macro_rules! run {
            ($rows:expr) => {
                for kk in 0..k {
                    if let Some(next) = prefetch {
                        _mm_prefetch::<_MM_HINT_T1>(next.wrapping_add(kk * 64) as *const i8);
                    }
                    let (w0, w1) = load(kk);
                    for i in 0..$rows {
                        let xv = _mm256_broadcast_ss(&*xp.add(i * k + kk));
                        c[i][0] = _mm256_fmadd_ps(xv, w0, c[i][0]);
                        c[i][1] = _mm256_fmadd_ps(xv, w1, c[i][1]);
                    }
                }
            };
        }
        by_rows!(rows, run, [1, 2, 3, 4, 5, 6]);
        for i in 0..rows {
            let out = acc[i].as_mut_ptr().add(half * 16);
            _mm256_storeu_ps(out, c[i][0]);
            _mm256_storeu_ps(out.add(8), c[i][1]);
        }
    }
}
