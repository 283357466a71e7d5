//! Dense layers on host rows: the checkpoint's tensors, packed once for the kernels of the
//! model's [`Isa`](super::Isa), and the layer normalisation that follows them.

use std::sync::Arc;

use candle_core::{DType, Result, Tensor};
use candle_nn::VarBuilder;

use super::compute::{Compute, Quantize};
use super::kernels::PackedWeights;
use super::ops::Norm;

/// A dense layer `y = x Wᵀ + b` on rows `x` `[rows][in_dim]`, its weights packed for the
/// kernel of the model's [`Isa`]: a product over all rows of a batch is one large matrix
/// multiplication instead of one small one per sentence.
#[derive(Debug, Clone)]
pub(super) struct Linear {
    pub(super) weights: Arc<PackedWeights>,
    bias: Arc<Vec<f32>>,
}

/// A dense layer's tensors as the checkpoint holds them, before [`LinearTensors::pack`].
pub(super) struct LinearTensors {
    weight: Tensor,
    bias: Tensor,
}

/// Rows per call of the packed kernel: large inputs (the encoder's, a whole batch of source
/// tokens) go through in blocks of this many rows, whose inputs (1 MiB at 512 columns) stay in
/// the L2 cache while every weight panel passes over them.
const PACKED_ROW_BLOCK: usize = 256;

impl LinearTensors {
    pub(super) fn load(vb: VarBuilder, in_dim: usize, out_dim: usize) -> Result<Self> {
        Ok(Self {
            weight: vb.get((out_dim, in_dim), "weight")?,
            bias: vb.get(out_dim, "bias")?,
        })
    }

    /// Stacks several layers reading the same input into one (their outputs side by side).
    pub(super) fn fuse(parts: &[LinearTensors]) -> Result<Self> {
        let weights: Vec<&Tensor> = parts.iter().map(|l| &l.weight).collect();
        let biases: Vec<&Tensor> = parts.iter().map(|l| &l.bias).collect();
        Ok(Self {
            weight: Tensor::cat(&weights, 0)?,
            bias: Tensor::cat(&biases, 0)?,
        })
    }

    /// Packs the weights for `compute` (the tensors are dropped: the packed copy is the only
    /// one kept).
    pub(super) fn pack(self, compute: Compute) -> Result<Linear> {
        Ok(Linear {
            weights: Arc::new(pack(&self.weight, compute)?),
            bias: Arc::new(self.bias.to_dtype(DType::F32)?.to_vec1()?),
        })
    }
}

/// Packs a weight tensor `[n, k]` for `compute`.
pub(super) fn pack(weight: &Tensor, compute: Compute) -> Result<PackedWeights> {
    PackedWeights::pack_tensor(compute.isa, weight, compute.quantize == Quantize::Int8)?
        .ok_or_else(|| candle_core::Error::Msg(format!("this CPU lacks {}", compute.isa)))
}

impl Linear {
    pub(super) fn load(
        vb: VarBuilder,
        in_dim: usize,
        out_dim: usize,
        compute: Compute,
    ) -> Result<Self> {
        LinearTensors::load(vb, in_dim, out_dim)?.pack(compute)
    }

    /// `x Wᵀ + b` for the rows `x` (`[rows][in_dim]`): `[rows][out_dim]`.
    pub(super) fn apply(&self, x: &[f32]) -> Vec<f32> {
        let (in_dim, out_dim) = (self.weights.k(), self.weights.n());
        let mut y = vec![0f32; x.len() / in_dim * out_dim];
        for (x_block, y_block) in x
            .chunks(PACKED_ROW_BLOCK * in_dim)
            .zip(y.chunks_mut(PACKED_ROW_BLOCK * out_dim))
        {
            self.weights
                .matmul(x_block, x_block.len() / in_dim, Some(&self.bias), y_block);
        }
        y
    }

    /// A sublayer's way out: `norm(x + input Wᵀ + b)`, the post-norm residual connection.
    pub(super) fn add_and_normalize(&self, input: &[f32], x: &[f32], norm: &Norm) -> Vec<f32> {
        let mut y = self.apply(input);
        norm.add_and_normalize(&mut y, x);
        y
    }
}

/// A weight read through `vb`, as f32 on the host: a float16 checkpoint's values widen
/// exactly.
pub(super) fn get_f32(vb: &VarBuilder, dim: usize, name: &str) -> Result<Vec<f32>> {
    vb.get(dim, name)?.to_dtype(DType::F32)?.to_vec1()
}

pub(super) fn layer_norm(vb: VarBuilder, dim: usize) -> Result<Norm> {
    // nn.LayerNorm's default epsilon, which Marian checkpoints were trained with.
    Ok(Norm::new(
        get_f32(&vb, dim, "weight")?,
        get_f32(&vb, dim, "bias")?,
        1e-5,
    ))
}
