//! The Transformer's layers (post-norm, as Marian and BART have them): attention, feed-forward,
//! and the encoder and decoder layers made of them.

use std::sync::Arc;

use candle_core::Result;
use candle_nn::VarBuilder;

use super::attention::{self, KeysValues, Memory, StepCache};
use super::compute::Compute;
use super::linear::{layer_norm, Linear, LinearTensors};
use super::ops::{self, Norm};
use super::EncodedBatch;
use crate::translate::config::{Activation, MarianConfig};

#[derive(Debug, Clone)]
pub(super) struct SelfAttention {
    pub(super) qkv: Linear,
    pub(super) out: Linear,
    pub(super) heads: usize,
}

impl SelfAttention {
    pub(super) fn load(vb: VarBuilder, dim: usize, heads: usize, compute: Compute) -> Result<Self> {
        let q = LinearTensors::load(vb.pp("q_proj"), dim, dim)?;
        let k = LinearTensors::load(vb.pp("k_proj"), dim, dim)?;
        let v = LinearTensors::load(vb.pp("v_proj"), dim, dim)?;
        Ok(Self {
            qkv: LinearTensors::fuse(&[q, k, v])?.pack(compute)?,
            out: Linear::load(vb.pp("out_proj"), dim, dim, compute)?,
            heads,
        })
    }
}

#[derive(Debug, Clone)]
pub(super) struct CrossAttention {
    pub(super) q: Linear,
    pub(super) kv: Linear,
    pub(super) out: Linear,
    pub(super) heads: usize,
}

impl CrossAttention {
    pub(super) fn load(vb: VarBuilder, dim: usize, heads: usize, compute: Compute) -> Result<Self> {
        let k = LinearTensors::load(vb.pp("k_proj"), dim, dim)?;
        let v = LinearTensors::load(vb.pp("v_proj"), dim, dim)?;
        Ok(Self {
            q: Linear::load(vb.pp("q_proj"), dim, dim, compute)?,
            kv: LinearTensors::fuse(&[k, v])?.pack(compute)?,
            out: Linear::load(vb.pp("out_proj"), dim, dim, compute)?,
            heads,
        })
    }

    /// Keys and values of the encoder output, one [`Memory`] per sentence.
    pub(super) fn memory(&self, encoded: &EncodedBatch) -> Vec<Memory> {
        let dim = encoded.dim;
        let kv = self.kv.apply(&encoded.hidden);
        let mut positions = kv.chunks(2 * dim);
        encoded
            .lengths
            .iter()
            .map(|&len| {
                let sentence: Vec<&[f32]> = positions.by_ref().take(len).collect();
                let pairs = sentence.iter().map(|p| (&p[..dim], &p[dim..]));
                Memory::from_positions(dim, self.heads, pairs)
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub(super) struct FeedForward {
    pub(super) fc1: Linear,
    pub(super) fc2: Linear,
    pub(super) activation: Activation,
}

impl FeedForward {
    pub(super) fn load(
        vb: VarBuilder,
        (dim, ffn_dim): (usize, usize),
        activation: Activation,
        compute: Compute,
    ) -> Result<Self> {
        Ok(Self {
            fc1: Linear::load(vb.pp("fc1"), dim, ffn_dim, compute)?,
            fc2: Linear::load(vb.pp("fc2"), ffn_dim, dim, compute)?,
            activation,
        })
    }

    /// `norm(x + fc2(act(fc1(x))))`.
    pub(super) fn add_and_normalize(&self, x: &[f32], norm: &Norm) -> Vec<f32> {
        let mut hidden = self.fc1.apply(x);
        ops::activate(&mut hidden, self.activation);
        self.fc2.add_and_normalize(&hidden, x, norm)
    }
}

#[derive(Debug, Clone)]
pub(super) struct EncoderLayer {
    pub(super) self_attn: SelfAttention,
    pub(super) self_attn_norm: Norm,
    pub(super) ffn: FeedForward,
    pub(super) final_norm: Norm,
}

impl EncoderLayer {
    pub(super) fn load(
        vb: VarBuilder,
        cfg: &MarianConfig,
        act: Activation,
        compute: Compute,
    ) -> Result<Self> {
        let d = cfg.d_model;
        let heads = cfg.encoder_attention_heads;
        Ok(Self {
            self_attn: SelfAttention::load(vb.pp("self_attn"), d, heads, compute)?,
            self_attn_norm: layer_norm(vb.pp("self_attn_layer_norm"), d)?,
            ffn: FeedForward::load(vb.clone(), (d, cfg.encoder_ffn_dim), act, compute)?,
            final_norm: layer_norm(vb.pp("final_layer_norm"), d)?,
        })
    }

    /// The layer on the rows `x` of sentences of `lengths`, laid end to end.
    pub(super) fn forward(&self, x: &[f32], lengths: &[usize]) -> Vec<f32> {
        let qkv = self.self_attn.qkv.apply(x);
        let ctx = attention::encoder_self_attend(&qkv, lengths, self.self_attn.heads);
        let x = self
            .self_attn
            .out
            .add_and_normalize(&ctx, x, &self.self_attn_norm);
        self.ffn.add_and_normalize(&x, &self.final_norm)
    }
}

#[derive(Debug, Clone)]
pub(super) struct DecoderLayer {
    pub(super) self_attn: SelfAttention,
    pub(super) self_attn_norm: Norm,
    pub(super) cross_attn: CrossAttention,
    pub(super) cross_attn_norm: Norm,
    pub(super) ffn: FeedForward,
    pub(super) final_norm: Norm,
}

impl DecoderLayer {
    pub(super) fn load(
        vb: VarBuilder,
        cfg: &MarianConfig,
        act: Activation,
        compute: Compute,
    ) -> Result<Self> {
        let d = cfg.d_model;
        let heads = cfg.decoder_attention_heads;
        Ok(Self {
            self_attn: SelfAttention::load(vb.pp("self_attn"), d, heads, compute)?,
            self_attn_norm: layer_norm(vb.pp("self_attn_layer_norm"), d)?,
            cross_attn: CrossAttention::load(vb.pp("encoder_attn"), d, heads, compute)?,
            cross_attn_norm: layer_norm(vb.pp("encoder_attn_layer_norm"), d)?,
            ffn: FeedForward::load(vb.clone(), (d, cfg.decoder_ffn_dim), act, compute)?,
            final_norm: layer_norm(vb.pp("final_layer_norm"), d)?,
        })
    }

    /// One decoding step of layer `index` for the rows `x` `[rows][dim]`: appends this step's
    /// key and value to the rows' histories, attends to all their earlier steps and to their
    /// source sentences.
    pub(super) fn step(
        &self,
        index: usize,
        x: &[f32],
        history: &mut StepCache,
        sources: &[Arc<KeysValues>],
    ) -> Vec<f32> {
        let dim = self.self_attn.out.weights.n();
        let qkv = self.self_attn.qkv.apply(x);
        let ctx = attention::self_attend(history, index, &qkv);
        let x = self
            .self_attn
            .out
            .add_and_normalize(&ctx, x, &self.self_attn_norm);
        let q = self.cross_attn.q.apply(&x);
        let ctx = attention::cross_attend(sources, index, &q, dim);
        let x = self
            .cross_attn
            .out
            .add_and_normalize(&ctx, &x, &self.cross_attn_norm);
        self.ffn.add_and_normalize(&x, &self.final_norm)
    }
}
