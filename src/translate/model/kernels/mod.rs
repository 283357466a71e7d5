//! A matrix-product kernel for the model's projections, `Y = X · Wᵀ` with a fixed weight matrix
//! W: above all the decoder's per-step ones, where X has few rows (the sentences × beams being
//! decoded); the encoder's larger inputs are fed to it in L2-sized blocks of rows.
//!
//! Why our own: candle's CPU matmul (the `gemm` crate) repacks W at every call and has no
//! float16-in-memory or int8 path. Here W is packed once, at load, into 32-column panels, and a
//! micro-kernel for the [`Isa`] chosen at load (stable `std::arch` intrinsics) accumulates a
//! tile of rows × 32 columns in registers, so each weight load feeds a whole column of FMAs
//! (AVX-512: 12 rows in 24 of the 32 registers; AVX2: 6 rows × 16 columns, twice). The next
//! panel is prefetched into L2 while the current one is used: the output projection's weights
//! (128 MB for opus-mt-ar-en in f32) do not fit any cache and stream from memory at every step.
//!
//! Weights are stored as [`Storage::F32`], [`Storage::F16`] (widened to f32 inside the tile by
//! `vcvtph2ps`, which is exact: the same products as f32 weights holding the same values, at
//! half the memory traffic) or [`Storage::Int8`] (see [`int8`]).
//!
//! Float contract: every output is `Σ_k x[k]·w[k]` accumulated in k order, in f32, then the
//! bias added — the same operations in a fixed order independent of the batch size; the AVX2
//! and AVX-512 paths fuse each multiply-add, the generic one rounds the product first.

/// Expands `$run!(n)` for the row count `$rows`, one of the listed constants: with `n` known at
/// compile time the compiler unrolls the row loop and keeps every accumulator in a register.
macro_rules! by_rows {
    ($rows:expr, $run:ident, [$($n:literal),*]) => {
        match $rows {
            $($n => $run!($n),)*
            _ => unreachable!("tile of {} rows", $rows),
        }
    };
}

mod float;
mod int8;

use candle_core::{DType, Tensor};
use half::f16;
use rayon::prelude::*;

use super::isa::Isa;

/// Columns of a panel.
const NR: usize = 32;
/// The most rows any tile takes.
const MR: usize = 12;

/// How a packed weight matrix holds its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    F32,
    /// IEEE half precision, widened exactly inside the kernel.
    F16,
    /// Symmetric int8 with one f32 scale per output row of W (see [`int8`]).
    Int8,
}

/// Weights handed to [`PackedWeights::pack`]: row-major `[n, k]` (PyTorch's Linear layout).
#[derive(Debug, Clone, Copy)]
pub enum WeightsRef<'a> {
    F32(&'a [f32]),
    F16(&'a [f16]),
}

impl WeightsRef<'_> {
    fn len(&self) -> usize {
        match self {
            WeightsRef::F32(w) => w.len(),
            WeightsRef::F16(w) => w.len(),
        }
    }

    /// Row `r` of a matrix with `k` columns, as f32 (exact for f16).
    fn row(&self, r: usize, k: usize) -> Vec<f32> {
        match self {
            WeightsRef::F32(w) => w[r * k..(r + 1) * k].to_vec(),
            WeightsRef::F16(w) => w[r * k..(r + 1) * k].iter().map(|v| v.to_f32()).collect(),
        }
    }
}

/// A weight matrix `[n, k]` packed for [`PackedWeights::matmul`] on one [`Isa`].
#[derive(Debug, Clone)]
pub struct PackedWeights {
    n: usize,
    k: usize,
    isa: Isa,
    panels: Panels,
}

/// Panels of NR columns: `panel[p][kk][j] = W[p*NR + j][kk]`, zero-padded past `n` (int8
/// groups k by four, see [`int8::Panels`]).
#[derive(Debug, Clone)]
enum Panels {
    F32(Vec<f32>),
    F16(Vec<f16>),
    Int8(int8::Panels),
}

impl PackedWeights {
    /// Packs `w` (`[n, k]`, row-major) as `storage` for `isa`; `None` when this CPU lacks
    /// `isa`, so a packed matrix is always one its kernel can run on. Packing f32 weights as
    /// [`Storage::F16`] rounds them; every other combination keeps the values (int8 aside).
    ///
    /// Panics when `w` does not hold `n · k` values.
    pub fn pack(isa: Isa, w: WeightsRef, n: usize, k: usize, storage: Storage) -> Option<Self> {
        assert_eq!(w.len(), n * k, "weights of {n}x{k}");
        if !isa.is_present() {
            return None;
        }
        let panels = match storage {
            Storage::F32 => Panels::F32(pack_float(w, n, k, |v| v)),
            Storage::F16 => Panels::F16(match w {
                // Moved as bits: no detour through f32.
                WeightsRef::F16(h) => pack_panels(n, k, f16::ZERO, |col, out| {
                    for (kk, &v) in h[col * k..(col + 1) * k].iter().enumerate() {
                        out(kk, v)
                    }
                }),
                WeightsRef::F32(_) => pack_float(w, n, k, f16::from_f32),
            }),
            Storage::Int8 => Panels::Int8(int8::Panels::pack(isa, w, n, k)),
        };
        Some(Self { n, k, isa, panels })
    }

    /// Packs a 2-D weight tensor `[n, k]`: int8 when `int8` is set, else in the tensor's own
    /// precision (f16 stays f16, without being widened first; other types become f32).
    /// `Ok(None)` when this CPU lacks `isa`.
    pub fn pack_tensor(isa: Isa, w: &Tensor, int8: bool) -> candle_core::Result<Option<Self>> {
        let (n, k) = w.dims2()?;
        let w = w.flatten_all()?;
        let (storage, is_f16) = match (int8, w.dtype()) {
            (true, dtype) => (Storage::Int8, dtype == DType::F16),
            (false, DType::F16) => (Storage::F16, true),
            (false, _) => (Storage::F32, false),
        };
        Ok(if is_f16 {
            let h: Vec<f16> = w.to_vec1()?;
            Self::pack(isa, WeightsRef::F16(&h), n, k, storage)
        } else {
            let f: Vec<f32> = w.to_dtype(DType::F32)?.to_vec1()?;
            Self::pack(isa, WeightsRef::F32(&f), n, k, storage)
        })
    }

    /// Output columns (rows of W).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Input columns (columns of W).
    pub fn k(&self) -> usize {
        self.k
    }

    #[cfg(test)]
    fn storage(&self) -> Storage {
        match self.panels {
            Panels::F32(_) => Storage::F32,
            Panels::F16(_) => Storage::F16,
            Panels::Int8(_) => Storage::Int8,
        }
    }

    /// Bytes the packed values take.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        match &self.panels {
            Panels::F32(p) => p.len() * 4,
            Panels::F16(p) => p.len() * 2,
            Panels::Int8(p) => p.bytes(),
        }
    }

    /// Rows one tile call takes on this matrix's path.
    fn tile_rows(&self) -> usize {
        match (&self.panels, self.isa) {
            (Panels::Int8(p), _) => p.tile_rows(),
            (_, Isa::Avx512) => 12,
            (_, Isa::Avx2) => 6,
            (_, Isa::Generic) => 8,
        }
    }

    /// `out[m][j] = Σ_kk x[m][kk] · W[j][kk] + bias[j]` for `x` row-major `[m, k]`; `out` is
    /// row-major `[m, n]`. Int8 weights first quantize each row of `x` (see [`int8`]).
    pub fn matmul(&self, x: &[f32], m: usize, bias: Option<&[f32]>, out: &mut [f32]) {
        assert_eq!(x.len(), m * self.k);
        assert_eq!(out.len(), m * self.n);
        if let Some(b) = bias {
            assert_eq!(b.len(), self.n);
        }
        let quantized = match &self.panels {
            Panels::Int8(p) => Some(p.quantize_rows(x, m)),
            _ => None,
        };
        let input = match &quantized {
            Some(q) => Input::Int8(q),
            None => Input::F32(x),
        };
        let out_ptr = SendPtr(out.as_mut_ptr());
        let panels = self.n.div_ceil(NR);
        // Columns are split among threads in groups of panels; rows are walked inside.
        let group = panels.div_ceil(rayon::current_num_threads() * 4).max(1);
        (0..panels.div_ceil(group)).into_par_iter().for_each(|g| {
            for p in g * group..((g + 1) * group).min(panels) {
                self.panel_product(p, &input, m, bias, &out_ptr);
            }
        });
    }

    /// All rows of the product with panel `p`, written to its columns of `out`.
    fn panel_product(
        &self,
        p: usize,
        input: &Input,
        m: usize,
        bias: Option<&[f32]>,
        out: &SendPtr,
    ) {
        let cols = (self.n - p * NR).min(NR);
        let mut panel_bias = [0f32; NR];
        if let Some(b) = bias {
            panel_bias[..cols].copy_from_slice(&b[p * NR..p * NR + cols]);
        }
        let tile_rows = self.tile_rows();
        let groups = m.div_ceil(tile_rows);
        // Each tile writes every column of its rows: zeroed once, not per tile.
        let mut acc = [[0f32; NR]; MR];
        let mut r = 0;
        for g in 0..groups {
            // Rows in groups of at most `tile_rows`, as even as possible (64 = 6 × ~11, not
            // 5 × 12 and a poorly used 4).
            let rows = (m - r) / (groups - g);
            self.tile(p, g, input, r, rows, &mut acc);
            for (i, row_acc) in acc.iter().enumerate().take(rows) {
                // SAFETY: row r+i < m and columns p·NR .. p·NR+cols < n, so the slice lies in
                // `out` (m · n values); only the task that owns panel p touches these columns,
                // so no other reference to them exists while this one lives.
                let out_row = unsafe {
                    std::slice::from_raw_parts_mut(out.0.add((r + i) * self.n + p * NR), cols)
                };
                for ((o, &a), &b) in out_row.iter_mut().zip(row_acc).zip(&panel_bias) {
                    *o = a + b;
                }
            }
            r += rows;
        }
    }

    /// `acc[i][j]` = row `r + i` of the product with panel `p`'s column j, for `i < rows`;
    /// `g` is the tile's index within the panel (the first ones prefetch the next panel).
    fn tile(
        &self,
        p: usize,
        g: usize,
        input: &Input,
        r: usize,
        rows: usize,
        acc: &mut [[f32; NR]; MR],
    ) {
        let k = self.k;
        match (&self.panels, input) {
            (Panels::F32(w), Input::F32(x)) => {
                let panel = &w[p * k * NR..(p + 1) * k * NR];
                let next = prefetch_target(w, (p + 1) * k * NR, g, k, 2);
                let x = &x[r * k..(r + rows) * k];
                float::tile_f32(self.isa, x, (k, rows), panel, next, acc);
            }
            (Panels::F16(w), Input::F32(x)) => {
                let panel = &w[p * k * NR..(p + 1) * k * NR];
                let next = prefetch_target(w, (p + 1) * k * NR, g, k, 1);
                let x = &x[r * k..(r + rows) * k];
                float::tile_f16(self.isa, x, (k, rows), panel, next, acc);
            }
            (Panels::Int8(w), Input::Int8(x)) => w.tile(p, g, x, r, rows, acc),
            _ => unreachable!("the input is prepared for the panels' storage"),
        }
    }
}

/// The rows of X as the tile reads them.
enum Input<'a> {
    F32(&'a [f32]),
    Int8(&'a int8::Rows),
}

/// Where tile `g` of a panel prefetches the next panel, which starts at `data[start]` (`None`
/// past the last panel, and for tiles beyond the first `lines_per_step`): each tile call
/// prefetches one 64-byte line per k step, so tile `g` takes lines `[g·steps, (g+1)·steps)`.
fn prefetch_target<T>(
    data: &[T],
    start: usize,
    g: usize,
    steps: usize,
    lines_per_step: usize,
) -> Option<*const u8> {
    (start < data.len() && g < lines_per_step)
        .then(|| (data[start..].as_ptr() as *const u8).wrapping_add(g * steps * 64))
}

/// Packs `w` into f32-layout panels, converting each value with `convert`.
fn pack_float<T: Copy + Default + Send + Sync>(
    w: WeightsRef,
    n: usize,
    k: usize,
    convert: impl Fn(f32) -> T + Sync,
) -> Vec<T> {
    pack_panels(n, k, T::default(), |col, out| {
        for (kk, v) in w.row(col, k).into_iter().enumerate() {
            out(kk, convert(v))
        }
    })
}

/// Panels of `n` columns by `k`, zero-padded: `fill(col, set)` calls `set(kk, value)` for the
/// values of column `col`.
fn pack_panels<T: Copy + Send + Sync>(
    n: usize,
    k: usize,
    zero: T,
    fill: impl Fn(usize, &mut dyn FnMut(usize, T)) + Sync,
) -> Vec<T> {
    let mut panels = vec![zero; n.div_ceil(NR) * k * NR];
    panels
        .par_chunks_mut(k * NR)
        .enumerate()
        .for_each(|(p, panel)| {
            for j in 0..NR.min(n - p * NR) {
                fill(p * NR + j, &mut |kk, v| panel[kk * NR + j] = v);
            }
        });
    panels
}

/// The output buffer, shared by the tasks that each write their own panels' columns.
struct SendPtr(*mut f32);
// SAFETY: the tasks of one `matmul` write disjoint elements (see `panel_product`), and the
// buffer outlives them (rayon's `for_each` returns only when every task is done).
unsafe impl Send for SendPtr {}
// SAFETY: as for `Send`: shared references only ever write disjoint elements.
unsafe impl Sync for SendPtr {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row counts around every tile size, column counts over several panels (the prefetch of
    /// the next panel) and a partial last panel, k not a multiple of four.
    pub(super) const SHAPES: [(usize, usize, usize); 6] = [
        (7, 45, 19),
        (1, 100, 33),
        (13, 100, 8),
        (25, 97, 40),
        (64, 130, 64),
        (5, 64, 3),
    ];

    pub(super) fn inputs(m: usize, n: usize, k: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let x = (0..m * k)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
            .collect();
        let w = (0..n * k)
            .map(|i| ((i * 13 % 17) as f32 - 8.0) / 9.0)
            .collect();
        let bias = (0..n).map(|i| i as f32 / 10.0).collect();
        (x, w, bias)
    }

    fn product(packed: &PackedWeights, x: &[f32], m: usize, bias: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; m * packed.n()];
        packed.matmul(x, m, Some(bias), &mut out);
        out
    }

    /// The float contract: a k-ordered dot product, fused on SIMD paths.
    fn dot(x: &[f32], w: &[f32], fused: bool) -> f32 {
        x.iter().zip(w).fold(
            0f32,
            |s, (&a, &b)| {
                if fused {
                    a.mul_add(b, s)
                } else {
                    s + a * b
                }
            },
        )
    }

    #[test]
    fn every_float_path_computes_the_dot_products_in_order() {
        for isa in Isa::ALL.into_iter().filter(|i| i.is_present()) {
            for (m, n, k) in SHAPES {
                let (x, w, bias) = inputs(m, n, k);
                let h: Vec<f16> = w.iter().map(|&v| f16::from_f32(v)).collect();
                let widened: Vec<f32> = h.iter().map(|v| v.to_f32()).collect();
                for (weights, storage, reference) in [
                    (WeightsRef::F32(&w), Storage::F32, &w),
                    (WeightsRef::F16(&h), Storage::F16, &widened),
                    (WeightsRef::F16(&h), Storage::F32, &widened),
                    (WeightsRef::F32(&widened), Storage::F16, &widened),
                ] {
                    let packed = PackedWeights::pack(isa, weights, n, k, storage).unwrap();
                    let out = product(&packed, &x, m, &bias);
                    for r in 0..m {
                        for j in 0..n {
                            let row = &reference[j * k..(j + 1) * k];
                            let s = dot(&x[r * k..(r + 1) * k], row, isa != Isa::Generic);
                            assert_eq!(
                                out[r * n + j],
                                s + bias[j],
                                "{isa} {storage:?} {m}x{n}x{k}: ({r}, {j})"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn f16_storage_halves_the_memory() {
        let (_, w, _) = inputs(1, 64, 16);
        let f32s = PackedWeights::pack(Isa::Generic, WeightsRef::F32(&w), 64, 16, Storage::F32);
        let f16s = PackedWeights::pack(Isa::Generic, WeightsRef::F32(&w), 64, 16, Storage::F16);
        assert_eq!(f32s.unwrap().bytes(), 2 * f16s.unwrap().bytes());
    }

    #[test]
    fn a_tensor_in_f16_is_packed_as_f16() {
        let (_, w, _) = inputs(1, 40, 8);
        let t = Tensor::from_vec(w, (40, 8), &candle_core::Device::Cpu).unwrap();
        let packed = |t: &Tensor, int8| {
            PackedWeights::pack_tensor(Isa::Generic, t, int8)
                .unwrap()
                .unwrap()
                .storage()
        };
        assert_eq!(packed(&t, false), Storage::F32);
        assert_eq!(
            packed(&t.to_dtype(DType::F16).unwrap(), false),
            Storage::F16
        );
        assert_eq!(
            packed(&t.to_dtype(DType::F16).unwrap(), true),
            Storage::Int8
        );
    }
}
