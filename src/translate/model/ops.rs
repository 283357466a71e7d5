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
        // Plain loops, not `for_each` with a closure: the closure's copy is compiled without
        // the ISA's features when the compiler chooses not to inline it.
        Activation::Relu => {
            for v in x.iter_mut() {
                *v = v.max(0.0);
            }
        }
        Activation::Swish => {
            for v in x.iter_mut() {
                *v = *v / (1.0 + exp(-*v));
            }
        }
        Activation::Gelu => {
            for v in x.iter_mut() {
                *v = (erf(*v * std::f32::consts::FRAC_1_SQRT_2) + 1.0) * 0.5 * *v;
            }
        }
    }
}

/// `erf(x)`, bit for bit what candle's GELU computes (`libm::erff`, from FreeBSD's
/// `s_erff.c`), but without branches, so that a loop over a feed-forward layer's values
/// vectorises: every range's approximation is computed and the one for `x`'s range chosen.
/// (The library function, a branch per value, took a large share of BART's encoder time.)
/// The same operations in the same order as the library's (Rust never fuses a multiply and an
/// add on its own), so the same roundings: `erf_is_libm_s_bit_for_bit` checks it.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let bits = x.to_bits();
    let ix = bits & 0x7fff_ffff;
    let negative = bits >> 31 != 0;
    // |x| < 0.84375: x + x·P(x²)/Q(x²); below 2⁻²⁸ a scaled x that avoids underflow.
    let z = x * x;
    let small = x + x * (horner(z, &PP) / horner(z, &QQ));
    let tiny = 0.125 * (8.0 * x + EFX8 * x);
    // 0.84375 ≤ |x| < 1.25: erx + P(|x| − 1)/Q(|x| − 1).
    let ax = f32::from_bits(ix);
    let t = ax - 1.0;
    let middle = 1.0 - (1.0 - ERX - horner(t, &PA) / horner(t, &QA));
    // 1.25 ≤ |x| < 6: 1 − e^(−z² − 0.5625)·e^((z − x)(z + x) + R/S)/x with z = x, its low
    // mantissa bits cleared, and R/S fitted on [1.25, 1/0.35) or on [1/0.35, 6).
    let u = 1.0 / (ax * ax);
    let (r, s) = if ix < 0x4036_db6d {
        (horner(u, &RA), horner(u, &SA))
    } else {
        (horner(u, &RB), horner(u, &SB))
    };
    let zc = f32::from_bits(ix & 0xffff_e000);
    let large = 1.0 - libm_exp(-zc * zc - 0.5625) * libm_exp((zc - ax) * (zc + ax) + r / s) / ax;
    let magnitude = if ix < 0x3fa0_0000 {
        middle
    } else if ix < 0x40c0_0000 {
        large
    } else {
        1.0 - f32::from_bits(0x0380_0000)
    };
    if ix >= 0x7f80_0000 {
        // erf(±∞) = ±1, erf(NaN) = NaN.
        1.0 - 2.0 * (negative as u32 as f32) + 1.0 / x
    } else if ix < 0x3180_0000 {
        tiny
    } else if ix < 0x3f58_0000 {
        small
    } else if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// `c[0] + u·(c[1] + u·(… + u·c[n]))`, in that order (the library's).
#[inline(always)]
fn horner<const N: usize>(u: f32, c: &[f32; N]) -> f32 {
    c[..N - 1]
        .iter()
        .rev()
        .fold(c[N - 1], |acc, &c| c + u * acc)
}

/// `s_erff.c`'s coefficients, spelled as libm spells them (each spelling parses to the f32 a
/// shorter one would), lowest power first; a denominator's constant term is 1.
#[allow(clippy::excessive_precision)]
mod erff_coefficients {
    pub const ERX: f32 = 8.4506291151e-01;
    pub const EFX8: f32 = 1.0270333290e+00;
    pub const PP: [f32; 5] = [
        1.2837916613e-01,
        -3.2504209876e-01,
        -2.8481749818e-02,
        -5.7702702470e-03,
        -2.3763017452e-05,
    ];
    pub const QQ: [f32; 6] = [
        1.0,
        3.9791721106e-01,
        6.5022252500e-02,
        5.0813062117e-03,
        1.3249473704e-04,
        -3.9602282413e-06,
    ];
    pub const PA: [f32; 7] = [
        -2.3621185683e-03,
        4.1485610604e-01,
        -3.7220788002e-01,
        3.1834661961e-01,
        -1.1089469492e-01,
        3.5478305072e-02,
        -2.1663755178e-03,
    ];
    pub const QA: [f32; 7] = [
        1.0,
        1.0642088205e-01,
        5.4039794207e-01,
        7.1828655899e-02,
        1.2617121637e-01,
        1.3637083583e-02,
        1.1984500103e-02,
    ];
    pub const RA: [f32; 8] = [
        -9.8649440333e-03,
        -6.9385856390e-01,
        -1.0558626175e+01,
        -6.2375331879e+01,
        -1.6239666748e+02,
        -1.8460508728e+02,
        -8.1287437439e+01,
        -9.8143291473e+00,
    ];
    pub const SA: [f32; 9] = [
        1.0,
        1.9651271820e+01,
        1.3765776062e+02,
        4.3456588745e+02,
        6.4538726807e+02,
        4.2900814819e+02,
        1.0863500214e+02,
        6.5702495575e+00,
        -6.0424413532e-02,
    ];
    pub const RB: [f32; 7] = [
        -9.8649431020e-03,
        -7.9928326607e-01,
        -1.7757955551e+01,
        -1.6063638306e+02,
        -6.3756646729e+02,
        -1.0250950928e+03,
        -4.8351919556e+02,
    ];
    pub const SB: [f32; 8] = [
        1.0,
        3.0338060379e+01,
        3.2579251099e+02,
        1.5367296143e+03,
        3.1998581543e+03,
        2.5530502930e+03,
        4.7452853394e+02,
        -2.2440952301e+01,
    ];
}
use erff_coefficients::*;

/// `e^x` as `libm::expf` computes it (FreeBSD's `e_expf.c`), branch-free, for the arguments
/// [`erf`] gives it: finite and within [−88, 88] (no overflow, no underflow to zero).
#[inline(always)]
fn libm_exp(x: f32) -> f32 {
    const LN2_HI: f32 = 6.931_457_5e-1;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // libm's INV_LN2, 0x3fb8aa3b.
    const INV_LN2: f32 = std::f32::consts::LOG2_E;
    const P1: f32 = 1.666_662_5e-1;
    const P2: f32 = -2.766_733_3e-3;
    let bits = x.to_bits();
    let hx = bits & 0x7fff_ffff;
    let sign = (bits >> 31) as i32;
    // Argument reduction: x = k·ln2 + (hi − lo), for |x| > ln2 / 2.
    let half = if sign != 0 { -0.5 } else { 0.5 };
    let k = if hx > 0x3f85_1592 {
        (INV_LN2 * x + half) as i32
    } else {
        1 - sign - sign
    };
    let reduce = hx > 0x3eb1_7218;
    let k = if reduce { k } else { 0 };
    let kf = k as f32;
    let hi = if reduce { x - kf * LN2_HI } else { x };
    let lo = if reduce { kf * LN2_LO } else { 0.0 };
    let r = if reduce { hi - lo } else { x };
    let rr = r * r;
    let c = r - rr * (P1 + rr * P2);
    let y = 1. + (r * c / (2. - c) - lo + hi);
    // scalbnf(y, k): exact for the normal results these arguments give.
    let scaled = y * f32::from_bits(((k + 127) as u32) << 23);
    if hx <= 0x3900_0000 {
        1. + x
    } else if k == 0 {
        y
    } else {
        scaled
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
    fn erf_is_libm_s_bit_for_bit() {
        // Every range boundary's neighbourhood, a dense sweep, the extremes and specials.
        let mut xs: Vec<f32> = (-400_000..=400_000).map(|i| i as f32 / 50_000.0).collect();
        for b in [
            0x3180_0000u32,
            0x3f58_0000,
            0x3fa0_0000,
            0x4036_db6d,
            0x40c0_0000,
        ] {
            for d in -64i32..=64 {
                let v = f32::from_bits(b.wrapping_add_signed(d));
                xs.extend([v, -v]);
            }
        }
        xs.extend([
            0.0,
            -0.0,
            1e-30,
            -1e-30,
            30.0,
            -30.0,
            f32::MAX,
            f32::INFINITY,
        ]);
        xs.extend([f32::NEG_INFINITY, f32::MIN_POSITIVE]);
        for x in xs {
            let (got, want) = (erf(x), candle_core::cpu::erf::erf_f32(x));
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "erf({x:e}) = {got:e}, libm {want:e}"
            );
        }
        assert!(erf(f32::NAN).is_nan());
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
