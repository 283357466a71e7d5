//! The operations between the projections, on rows of activations held on the host
//! (`[rows][dim]`, row-major): the residual connection with its layer normalisation, the
//! feed-forward activation, and an `exp` that vectorises.
//!
//! Why our own rather than candle's ops: between two packed matrix products a decoding step
//! holds a few dozen rows, and through tensors every op allocated a result, copied, and woke
//! the thread pool for microseconds of arithmetic; candle's layer norm also sums each row in
//! one scalar chain and takes the variance as `E[x²] − mean²`. Here each op is one pass over
//! the rows, in place, in lanes the compiler vectorises, and large inputs (the encoder's) are
//! split among threads by rows.

use rayon::prelude::*;

use super::isa::compiled_for_active_isa;
use crate::translate::config::Activation;

/// Partial sums kept side by side so that a row's reduction vectorises.
const LANES: usize = 16;

/// Rows per task when an op is split among threads: below this, splitting costs more than
/// it saves.
const ROWS_PER_TASK: usize = 32;

/// Layer normalisation over the last dimension: `(x − mean) / √(var + eps) · weight + bias`.
#[derive(Debug, Clone)]
pub struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl Norm {
    /// Panics when `weight` and `bias` differ in length.
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, eps: f32) -> Self {
        assert_eq!(weight.len(), bias.len(), "layer norm weight and bias");
        Self { weight, bias, eps }
    }

    /// `x ← LayerNorm(x + residual)`, row by row; `x` and `residual` are `[rows][dim]`. The
    /// mean and the variance are two passes over the row (the variance from the centred
    /// values, which does not cancel as `E[x²] − mean²` does), each in [`LANES`] partial sums.
    pub fn add_and_normalize(&self, x: &mut [f32], residual: &[f32]) {
        let dim = self.weight.len();
        assert_eq!(x.len(), residual.len(), "x and residual have the same rows");
        assert_eq!(x.len() % dim, 0, "rows of {dim} values");
        x.par_chunks_mut(dim)
            .zip(residual.par_chunks(dim))
            .with_min_len(ROWS_PER_TASK)
            .for_each(|(row, res)| self.row(row, res));
    }

    /// `x ← LayerNorm(x)`, row by row (BART's `layernorm_embedding`).
    pub fn normalize(&self, x: &mut [f32]) {
        let dim = self.weight.len();
        assert_eq!(x.len() % dim, 0, "rows of {dim} values");
        x.par_chunks_mut(dim)
            .with_min_len(ROWS_PER_TASK)
            .for_each(|row| self.normalize_row(row));
    }

    fn row(&self, row: &mut [f32], residual: &[f32]) {
        for (v, &r) in row.iter_mut().zip(residual) {
            *v += r;
        }
        self.normalize_row(row);
    }

    fn normalize_row(&self, row: &mut [f32]) {
        let n = row.len() as f32;
        let mean = lane_sum(row, |v| v) / n;
        let var = lane_sum(row, |v| (v - mean) * (v - mean)) / n;
        let inv_std = 1.0 / (var + self.eps).sqrt();
        for ((v, &w), &b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
            *v = (*v - mean) * inv_std * w + b;
        }
    }
}

/// `Σ f(v)` over `row`, in [`LANES`] partial sums.
#[inline(always)]
fn lane_sum(row: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0f32; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (s, &v) in lanes.iter_mut().zip(chunk) {
            *s += f(v);
        }
    }
    lanes.iter().sum::<f32>() + tail.iter().map(|&v| f(v)).sum::<f32>()
}

/// Applies the feed-forward activation to every value of `x`: ReLU and GELU as candle
/// computes them (GELU with candle's `erf`), SiLU as `v / (1 + e^−v)` with [`exp`] (within
/// 2 ulp of candle's, which calls libm's `expf` once per value). The loops are compiled for
/// the active `Isa`, like the attention's, and give the same values on every path.
pub fn activate(x: &mut [f32], activation: Activation) {
    x.par_chunks_mut(4096)
        .for_each(|chunk| activate_chunk(chunk, activation));
}

compiled_for_active_isa! {
    fn activate_chunk(x: &mut [f32], activation: Activation) => activate_generic
}

#[inline(always)]
fn activate_generic(x: &mut [f32], activation: Activation) {
    match activation {
        Activation::Relu => x.iter_mut().for_each(|v| *v = v.max(0.0)),
        Activation::Swish => x.iter_mut().for_each(|v| *v = *v / (1.0 + exp(-*v))),
        Activation::Gelu => x.iter_mut().for_each(|v| {
            *v = (candle_core::cpu::erf::erf_f32(*v * std::f32::consts::FRAC_1_SQRT_2) + 1.0)
                * 0.5
                * *v
        }),
    }
}

/// `e^x`, the argument clamped to [−87, 88] (below −87 it gives about 1e-38, not 0, which no
/// softmax or sum notices; above 88 it stays finite): Cody–Waite range reduction and a
/// degree-6 polynomial (Cephes' `expf` coefficients), accurate to about 2 ulp, branch-free so
/// that it vectorises.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E).round_ties_even();
    let r = n.mul_add(-0.693_359_4, x);
    let r = n.mul_add(2.121_944_4e-4, r);
    let mut p = 1.987_569_1e-4f32;
    p = p.mul_add(r, 1.398_199_9e-3);
    p = p.mul_add(r, 8.333_452e-3);
    p = p.mul_add(r, 4.166_579_6e-2);
    p = p.mul_add(r, 1.666_666_5e-1);
    p = p.mul_add(r, 0.5);
    let p = (p * r).mul_add(r, r) + 1.0;
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_norm_matches_the_definition_in_f64() {
        let dim = 37;
        let x: Vec<f32> = (0..3 * dim)
            .map(|i| ((i * 7 % 13) as f32) * 0.3 - 1.0)
            .collect();
        let res: Vec<f32> = (0..3 * dim).map(|i| ((i * 5 % 11) as f32) * 0.1).collect();
        let w: Vec<f32> = (0..dim).map(|i| 1.0 + i as f32 / 50.0).collect();
        let b: Vec<f32> = (0..dim).map(|i| i as f32 / 100.0).collect();
        let norm = Norm::new(w.clone(), b.clone(), 1e-5);
        let mut got = x.clone();
        norm.add_and_normalize(&mut got, &res);
        for r in 0..3 {
            let row: Vec<f64> = (0..dim)
                .map(|j| x[r * dim + j] as f64 + res[r * dim + j] as f64)
                .collect();
            let mean = row.iter().sum::<f64>() / dim as f64;
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / dim as f64;
            for j in 0..dim {
                let want = (row[j] - mean) / (var + 1e-5).sqrt() * w[j] as f64 + b[j] as f64;
                let d = (got[r * dim + j] as f64 - want).abs();
                assert!(d < 1e-5, "({r}, {j}): {} vs {want}", got[r * dim + j]);
            }
        }
    }

    #[test]
    fn activations_are_candles() {
        let xs: Vec<f32> = (0..2000).map(|i| i as f32 / 20.0 - 50.0).collect();
        let t = candle_core::Tensor::new(xs.as_slice(), &candle_core::Device::Cpu).unwrap();
        for (act, want, tolerance) in [
            (Activation::Relu, t.relu().unwrap(), 0.0),
            (Activation::Gelu, t.gelu_erf().unwrap(), 0.0),
            (Activation::Swish, candle_nn::ops::silu(&t).unwrap(), 4e-7),
        ] {
            let mut got = xs.clone();
            activate(&mut got, act);
            for (g, w) in got.iter().zip(want.to_vec1::<f32>().unwrap()) {
                let error = (g - w).abs() / w.abs().max(f32::MIN_POSITIVE);
                assert!(error <= tolerance, "{act:?}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn exp_is_accurate_above_zero_too() {
        for i in 0..=880 {
            let x = i as f32 / 10.0;
            let (got, want) = (exp(x) as f64, (x as f64).exp());
            assert!(
                ((got - want) / want).abs() < 3e-7,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn exp_is_accurate_over_the_softmax_range() {
        let mut worst = 0f64;
        let mut x = -87.0f32;
        while x <= 0.0 {
            let got = exp(x) as f64;
            let want = (x as f64).exp();
            worst = worst.max(((got - want) / want).abs());
            x += 0.001;
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
    }
}
