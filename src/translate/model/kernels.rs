//! A matrix-product kernel for the model's projections, `Y = X · Wᵀ` with a fixed weight matrix
//! W: above all the decoder's per-step ones, where X has few rows (the sentences × beams being
//! decoded); the encoder's larger inputs are fed to it in L2-sized blocks of rows.
//!
//! Why our own: candle's CPU matmul (the `gemm` crate) runs AVX2 kernels on stable Rust and
//! repacks W at every call. Here W is packed once, at load, into 32-column panels, and an
//! AVX-512 micro-kernel (stable `std::arch` intrinsics, chosen at run time) accumulates up to
//! 12 rows × 32 columns in 24 of the 32 vector registers, so each weight load feeds 12 FMAs.
//! The next panel is prefetched into L2 while the current one is used: the output projection's
//! weights (128 MB for opus-mt-ar-en) do not fit any cache and stream from memory at every
//! step. Machines without AVX-512 use candle's matmul instead.
//!
//! Every output is `Σ_k x[k]·w[k]` accumulated in k order, in f32, then the bias added: the
//! same operations as a dot product, in a fixed order independent of the batch size.

use rayon::prelude::*;

const NR: usize = 32;
const MR: usize = 12;

/// A weight matrix `[n, k]` (PyTorch's Linear layout), packed for [`PackedWeights::matmul`].
#[derive(Debug, Clone)]
pub struct PackedWeights {
    n: usize,
    k: usize,
    /// Panels of NR columns: `panel[p][kk][j] = W[p*NR + j][kk]`, zero-padded past `n`.
    panels: Vec<f32>,
}

/// Whether the AVX-512 kernel can run on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f") && std::env::var_os("NASHRA_NO_AVX512").is_none()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl PackedWeights {
    /// Packs `w`, row-major `[n, k]`.
    pub fn pack(w: &[f32], n: usize, k: usize) -> Self {
        let panels_count = n.div_ceil(NR);
        let mut panels = vec![0f32; panels_count * k * NR];
        panels
            .par_chunks_mut(k * NR)
            .enumerate()
            .for_each(|(p, panel)| {
                for j in 0..NR {
                    let col = p * NR + j;
                    if col >= n {
                        break;
                    }
                    let row = &w[col * k..(col + 1) * k];
                    for (kk, &v) in row.iter().enumerate() {
                        panel[kk * NR + j] = v;
                    }
                }
            });
        Self { n, k, panels }
    }

    /// `out[m][j] = Σ_kk x[m][kk] · W[j][kk] + bias[j]` for `x` row-major `[m, k]`; `out` is
    /// row-major `[m, n]`. Call only when [`available`] says so.
    pub fn matmul(&self, x: &[f32], m: usize, bias: Option<&[f32]>, out: &mut [f32]) {
        assert_eq!(x.len(), m * self.k);
        assert_eq!(out.len(), m * self.n);
        let out_ptr = SendPtr(out.as_mut_ptr());
        let panels = self.n.div_ceil(NR);
        // Columns are split among threads in groups of panels; rows are walked inside.
        let group = panels.div_ceil(rayon::current_num_threads() * 4).max(1);
        (0..panels.div_ceil(group)).into_par_iter().for_each(|g| {
            let out_ptr = &out_ptr;
            for p in g * group..((g + 1) * group).min(panels) {
                let panel = &self.panels[p * self.k * NR..(p + 1) * self.k * NR];
                let cols = (self.n - p * NR).min(NR);
                // The next panel is fetched into L2 while this one's first rows are computed:
                // the output projection's 128 MB of weights stream from memory, once per step.
                let next = (p + 1 < panels).then(|| self.panels[(p + 1) * self.k * NR..].as_ptr());
                // Rows in groups of at most MR, as even as possible (64 = 6 × ~11, not 5 × 12
                // and a poorly used 4).
                let groups = m.div_ceil(MR);
                let mut r = 0;
                for g in 0..groups {
                    let rows = (m - r) / (groups - g);
                    let mut acc = [[0f32; NR]; MR];
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: callers check `available()` (AVX-512F present); slices are in bounds.
                    unsafe {
                        kernel_avx512(
                            &x[r * self.k..],
                            self.k,
                            rows,
                            panel,
                            match g {
                                0 => next,
                                1 => next.map(|n| n.wrapping_add(self.k * NR / 2)),
                                _ => None,
                            },
                            &mut acc,
                        )
                    };
                    for (i, row_acc) in acc.iter().enumerate().take(rows) {
                        let base = (r + i) * self.n + p * NR;
                        for j in 0..cols {
                            let mut v = row_acc[j];
                            if let Some(b) = bias {
                                v += b[p * NR + j];
                            }
                            // SAFETY: each (row, column) is written by exactly one panel task.
                            unsafe { *out_ptr.0.add(base + j) = v };
                        }
                    }
                    r += rows;
                }
            }
        });
    }
}

struct SendPtr(*mut f32);
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

/// `acc[i][j] = Σ_kk x[i*k + kk] · panel[kk*NR + j]` for `rows ≤ MR` rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn kernel_avx512(
    x: &[f32],
    k: usize,
    rows: usize,
    panel: &[f32],
    prefetch: Option<*const f32>,
    acc: &mut [[f32; NR]; MR],
) {
    use std::arch::x86_64::*;
    let mut c = [[_mm512_setzero_ps(); 2]; MR];
    let w = panel.as_ptr();
    let xp = x.as_ptr();
    macro_rules! run {
        ($rows:expr) => {
            for kk in 0..k {
                if let Some(next) = prefetch {
                    // One cache line of the next panel per k step: half of it per call.
                    _mm_prefetch::<_MM_HINT_T1>(next.add(kk * 16) as *const i8);
                }
                let w0 = _mm512_loadu_ps(w.add(kk * NR));
                let w1 = _mm512_loadu_ps(w.add(kk * NR + 16));
                for i in 0..$rows {
                    let xv = _mm512_set1_ps(*xp.add(i * k + kk));
                    c[i][0] = _mm512_fmadd_ps(xv, w0, c[i][0]);
                    c[i][1] = _mm512_fmadd_ps(xv, w1, c[i][1]);
                }
            }
        };
    }
    // A constant row count lets the compiler keep all accumulators in registers.
    match rows {
        12 => run!(12),
        11 => run!(11),
        10 => run!(10),
        9 => run!(9),
        8 => run!(8),
        7 => run!(7),
        6 => run!(6),
        5 => run!(5),
        4 => run!(4),
        3 => run!(3),
        2 => run!(2),
        _ => run!(1),
    }
    for i in 0..rows {
        _mm512_storeu_ps(acc[i].as_mut_ptr(), c[i][0]);
        _mm512_storeu_ps(acc[i].as_mut_ptr().add(16), c[i][1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_plain_dot_product() {
        if !available() {
            return;
        }
        // Row counts around the group size, column counts over several panels (the
        // prefetch of the next panel) and a partial last panel.
        for (m, n, k) in [
            (7, 45, 19),
            (1, 100, 33),
            (13, 100, 8),
            (25, 97, 40),
            (64, 130, 64),
        ] {
            let x: Vec<f32> = (0..m * k)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
                .collect();
            let w: Vec<f32> = (0..n * k)
                .map(|i| ((i * 13 % 17) as f32 - 8.0) / 9.0)
                .collect();
            let bias: Vec<f32> = (0..n).map(|i| i as f32 / 10.0).collect();
            let packed = PackedWeights::pack(&w, n, k);
            let mut out = vec![0f32; m * n];
            packed.matmul(&x, m, Some(&bias), &mut out);
            for r in 0..m {
                for j in 0..n {
                    let mut s = 0f32;
                    for kk in 0..k {
                        s = x[r * k + kk].mul_add(w[j * k + kk], s);
                    }
                    assert_eq!(out[r * n + j], s + bias[j], "{m}x{n}x{k}: ({r}, {j})");
                }
            }
        }
    }
}
