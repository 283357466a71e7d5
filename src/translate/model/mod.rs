//! The Marian encoder–decoder (Junczys-Dowmunt et al., 2018; the OPUS-MT models) on candle.
//!
//! A post-norm Transformer (Vaswani et al., 2017) with sinusoidal positions, SiLU feed-forward
//! layers and one embedding matrix shared by encoder input, decoder input and output
//! projection. Compared with `candle-transformers`' reading of it, this implementation:
//! - pads nothing: the sentences of a batch are laid end to end and each attends only to its
//!   own positions, so a batch of sentences of different lengths gives each sentence what it
//!   would get alone, without computing padding rows;
//! - computes each layer's cross-attention keys and values once per batch (not per step);
//! - keeps a self-attention key/value cache whose rows can be reordered (beam search) or dropped
//!   (finished sentences leave the batch), where the cache grows in place and reordering moves
//!   rows;
//! - holds activations on the host as rows (`[rows][dim]`, row-major): every projection is one 2-D matrix product over all rows
//!   through the packed [`kernels`] (weights in f32, f16 or int8, for the [`Isa`] chosen at
//!   load; the query/key/value projections of self-attention fused into one), attention is
//!   computed per row ([`attention`]) and the residual connections, layer norms and activations
//!   are in-place passes ([`ops`]). Candle holds the weights as loaded and looks up embeddings.
//!
//! Nothing here reads files or knows about tokenisation or decoding strategies: weights arrive
//! through a [`VarBuilder`], and [`MarianModel::decode_step`] returns logits.

use candle_core::{DType, Device, IndexOp, Module, Result, Tensor};
use candle_nn::{Embedding, VarBuilder};

use std::sync::Arc;

pub(crate) mod attention;
pub(crate) mod isa;
pub(crate) mod kernels;
pub(crate) mod ops;
pub mod weights;

use crate::translate::config::{Activation, MarianConfig};
use attention::{KeysValues, Memory, StepCache};
pub use isa::{Isa, IsaError};
use kernels::PackedWeights;
use ops::Norm;

/// Whether the projections' weights are quantized to int8 at load.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Quantize {
    /// Weights kept in the checkpoint's precision (f16 stays f16, everything else f32).
    #[default]
    None,
    /// Every projection, the output projection included, in int8 (see `kernels::int8`).
    Int8,
}

impl Quantize {
    pub fn is_none(&self) -> bool {
        *self == Quantize::None
    }

    pub fn name(self) -> &'static str {
        match self {
            Quantize::None => "none",
            Quantize::Int8 => "int8",
        }
    }
}

impl std::fmt::Display for Quantize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Quantize {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(Quantize::None),
            "int8" => Ok(Quantize::Int8),
            other => Err(format!(
                "unknown quantization {other:?} (expected none or int8)"
            )),
        }
    }
}

/// How a model computes, fixed when it is loaded: the instructions its kernels use and the
/// precision its projections' weights are kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compute {
    pub isa: Isa,
    pub quantize: Quantize,
}

impl Compute {
    /// The ISA [`Isa::select`] picks (honouring `NASHRA_CPU`), with `quantize`.
    pub fn select(quantize: Quantize) -> std::result::Result<Self, IsaError> {
        Ok(Self {
            isa: Isa::select()?,
            quantize,
        })
    }
}

/// A dense layer `y = x Wᵀ + b` on rows `x` `[rows][in_dim]`, its weights packed for the
/// kernel of the model's [`Isa`]: a product over all rows of a batch is one large matrix
/// multiplication instead of one small one per sentence.
#[derive(Debug, Clone)]
struct Linear {
    weights: Arc<PackedWeights>,
    bias: Arc<Vec<f32>>,
}

/// A dense layer's tensors as the checkpoint holds them, before [`LinearTensors::pack`].
struct LinearTensors {
    weight: Tensor,
    bias: Tensor,
}

/// Rows per call of the packed kernel: large inputs (the encoder's, a whole batch of source
/// tokens) go through in blocks of this many rows, whose inputs (1 MiB at 512 columns) stay in
/// the L2 cache while every weight panel passes over them.
const PACKED_ROW_BLOCK: usize = 256;

impl LinearTensors {
    fn load(vb: VarBuilder, in_dim: usize, out_dim: usize) -> Result<Self> {
        Ok(Self {
            weight: vb.get((out_dim, in_dim), "weight")?,
            bias: vb.get(out_dim, "bias")?,
        })
    }

    /// Stacks several layers reading the same input into one (their outputs side by side).
    fn fuse(parts: &[LinearTensors]) -> Result<Self> {
        let weights: Vec<&Tensor> = parts.iter().map(|l| &l.weight).collect();
        let biases: Vec<&Tensor> = parts.iter().map(|l| &l.bias).collect();
        Ok(Self {
            weight: Tensor::cat(&weights, 0)?,
            bias: Tensor::cat(&biases, 0)?,
        })
    }

    /// Packs the weights for `compute` (the tensors are dropped: the packed copy is the only
    /// one kept).
    fn pack(self, compute: Compute) -> Result<Linear> {
        Ok(Linear {
            weights: Arc::new(pack(&self.weight, compute)?),
            bias: Arc::new(self.bias.to_dtype(DType::F32)?.to_vec1()?),
        })
    }
}

/// Packs a weight tensor `[n, k]` for `compute`.
fn pack(weight: &Tensor, compute: Compute) -> Result<PackedWeights> {
    PackedWeights::pack_tensor(compute.isa, weight, compute.quantize == Quantize::Int8)?
        .ok_or_else(|| candle_core::Error::Msg(format!("this CPU lacks {}", compute.isa)))
}

impl Linear {
    fn load(vb: VarBuilder, in_dim: usize, out_dim: usize, compute: Compute) -> Result<Self> {
        LinearTensors::load(vb, in_dim, out_dim)?.pack(compute)
    }

    /// `x Wᵀ + b` for the rows `x` (`[rows][in_dim]`): `[rows][out_dim]`.
    fn apply(&self, x: &[f32]) -> Vec<f32> {
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
    fn add_and_normalize(&self, input: &[f32], x: &[f32], norm: &Norm) -> Vec<f32> {
        let mut y = self.apply(input);
        norm.add_and_normalize(&mut y, x);
        y
    }
}

/// A weight read through `vb`, as f32 on the host: a float16 checkpoint's values widen
/// exactly.
fn get_f32(vb: &VarBuilder, dim: usize, name: &str) -> Result<Vec<f32>> {
    vb.get(dim, name)?.to_dtype(DType::F32)?.to_vec1()
}

fn layer_norm(vb: VarBuilder, dim: usize) -> Result<Norm> {
    // nn.LayerNorm's default epsilon, which Marian checkpoints were trained with.
    Ok(Norm::new(
        get_f32(&vb, dim, "weight")?,
        get_f32(&vb, dim, "bias")?,
        1e-5,
    ))
}

/// The sinusoidal position table of Marian, `[n_positions][dim]`: sines in the first half of
/// each vector, cosines in the second (not interleaved), computed in f64 like the reference,
/// then stored as f32.
pub fn sinusoidal_positions(n_positions: usize, dim: usize) -> Vec<f32> {
    let half = dim.div_ceil(2);
    let mut table = vec![0f32; n_positions * dim];
    for pos in 0..n_positions {
        let row = &mut table[pos * dim..(pos + 1) * dim];
        for j in 0..dim {
            let angle = pos as f64 / 10000f64.powf((2 * (j / 2)) as f64 / dim as f64);
            if j % 2 == 0 {
                row[j / 2] = angle.sin() as f32;
            } else {
                row[half + j / 2] = angle.cos() as f32;
            }
        }
    }
    table
}

#[derive(Debug, Clone)]
struct SelfAttention {
    qkv: Linear,
    out: Linear,
    heads: usize,
}

impl SelfAttention {
    fn load(vb: VarBuilder, dim: usize, heads: usize, compute: Compute) -> Result<Self> {
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
struct CrossAttention {
    q: Linear,
    kv: Linear,
    out: Linear,
    heads: usize,
}

impl CrossAttention {
    fn load(vb: VarBuilder, dim: usize, heads: usize, compute: Compute) -> Result<Self> {
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
    fn memory(&self, encoded: &EncodedBatch) -> Vec<Memory> {
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
struct FeedForward {
    fc1: Linear,
    fc2: Linear,
    activation: Activation,
}

impl FeedForward {
    fn load(
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
    fn add_and_normalize(&self, x: &[f32], norm: &Norm) -> Vec<f32> {
        let mut hidden = self.fc1.apply(x);
        ops::activate(&mut hidden, self.activation);
        self.fc2.add_and_normalize(&hidden, x, norm)
    }
}

#[derive(Debug, Clone)]
struct EncoderLayer {
    self_attn: SelfAttention,
    self_attn_norm: Norm,
    ffn: FeedForward,
    final_norm: Norm,
}

impl EncoderLayer {
    fn load(vb: VarBuilder, cfg: &MarianConfig, act: Activation, compute: Compute) -> Result<Self> {
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
    fn forward(&self, x: &[f32], lengths: &[usize]) -> Vec<f32> {
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
struct DecoderLayer {
    self_attn: SelfAttention,
    self_attn_norm: Norm,
    cross_attn: CrossAttention,
    cross_attn_norm: Norm,
    ffn: FeedForward,
    final_norm: Norm,
}

impl DecoderLayer {
    fn load(vb: VarBuilder, cfg: &MarianConfig, act: Activation, compute: Compute) -> Result<Self> {
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
    fn step(
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

/// The source side of a batch after encoding: the encoder's output rows, the sentences laid
/// end to end without padding ([`MarianModel::start_decoding`] turns them into cross-attention
/// keys and values).
#[derive(Debug, Clone)]
pub struct EncodedBatch {
    /// `[Σ lengths][dim]`.
    hidden: Vec<f32>,
    /// The number of tokens of each sentence.
    lengths: Vec<usize>,
    dim: usize,
}

impl EncodedBatch {
    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The encoder output of sentence `i`, `[length][dim]`.
    pub fn sentence(&self, i: usize) -> &[f32] {
        let first: usize = self.lengths[..i].iter().sum();
        &self.hidden[first * self.dim..(first + self.lengths[i]) * self.dim]
    }
}

/// Decoder state for the sentences still being decoded: `rows = sentences × beams`.
#[derive(Debug, Clone)]
pub struct DecoderState {
    /// Per sentence, every layer's cross-attention keys and values (shared by its beams).
    sources: Vec<Arc<KeysValues>>,
    /// Per row, every layer's self-attention keys and values of the steps so far.
    history: StepCache,
    /// Tokens fed so far, i.e. the position of the next one.
    position: usize,
    /// The last step's logits, `[rows, vocab]`; the allocation is reused from step to step
    /// (a fresh 16 MB buffer per step costs page faults and zeroing).
    logits: Vec<f32>,
}

impl DecoderState {
    /// Number of sentences (not rows) in the state.
    pub fn sentences(&self) -> Result<usize> {
        Ok(self.sources.len())
    }

    /// Keeps the given sentences (indices into the current ones, in the new order) and, for
    /// the decoder cache, the given rows (`sentences × beams` layout after selection). Used both
    /// to reorder beams and to drop finished sentences.
    pub fn select(&mut self, sentences: Option<&[u32]>, rows: &[u32]) -> Result<()> {
        if let Some(sentences) = sentences {
            self.sources = sentences
                .iter()
                .map(|&s| self.sources[s as usize].clone())
                .collect();
        }
        self.history.select(rows);
        Ok(())
    }
}

/// A Marian MT model (`MarianMTModel` in transformers).
#[derive(Debug, Clone)]
pub struct MarianModel {
    embed: Embedding,
    embed_scale: f64,
    /// [`sinusoidal_positions`], `[max_positions][d_model]`.
    positions: Vec<f32>,
    d_model: usize,
    decoder_heads: usize,
    encoder: Vec<EncoderLayer>,
    decoder: Vec<DecoderLayer>,
    /// The shared embedding matrix, `[vocab, d_model]` (the embedding lookups read it).
    shared: Tensor,
    /// `final_logits_bias`, on the host: added while the logits are laid out for decoding.
    bias_host: Vec<f32>,
    /// The shared embedding packed as the output projection's weights.
    output: Arc<PackedWeights>,
    compute: Compute,
    device: Device,
}

impl MarianModel {
    /// Builds the model from weights named as in transformers' `MarianMTModel` state dict,
    /// packing every projection for `compute` (and making its ISA the [`Isa::active`] one).
    pub fn load(vb: VarBuilder, cfg: &MarianConfig, compute: Compute) -> Result<Self> {
        let act = cfg
            .activation()
            .map_err(|m| candle_core::Error::Msg(m.to_string()))?;
        let d = cfg.d_model;
        let shared = vb.pp("model.shared").get((cfg.vocab_size, d), "weight")?;
        let device = shared.device().clone();
        let encoder = (0..cfg.encoder_layers)
            .map(|i| {
                let vb = vb.pp(format!("model.encoder.layers.{i}"));
                EncoderLayer::load(vb, cfg, act, compute)
            })
            .collect::<Result<Vec<_>>>()?;
        let decoder = (0..cfg.decoder_layers)
            .map(|i| {
                let vb = vb.pp(format!("model.decoder.layers.{i}"));
                DecoderLayer::load(vb, cfg, act, compute)
            })
            .collect::<Result<Vec<_>>>()?;
        let output = Arc::new(pack(&shared, compute)?);
        compute.isa.activate();
        let final_logits_bias = vb
            .get((1, cfg.vocab_size), "final_logits_bias")?
            .reshape(cfg.vocab_size)?;
        Ok(Self {
            embed: Embedding::new(shared.clone(), d),
            embed_scale: if cfg.scale_embedding {
                (d as f64).sqrt()
            } else {
                1.0
            },
            positions: sinusoidal_positions(cfg.max_position_embeddings, d),
            d_model: d,
            decoder_heads: cfg.decoder_attention_heads,
            encoder,
            decoder,
            shared,
            bias_host: final_logits_bias.to_dtype(DType::F32)?.to_vec1()?,
            output,
            compute,
            device,
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The instructions and weight precision the model was packed for.
    pub fn compute(&self) -> Compute {
        self.compute
    }

    /// Longest sequence (source or target) the position table covers.
    pub fn max_positions(&self) -> usize {
        self.positions.len() / self.d_model
    }

    /// The input rows of tokens `ids` at `positions` (one each): the embedding, scaled, plus
    /// the position's vector. A float16 embedding widens (exactly) before the scaling, as
    /// transformers computes with a float16 checkpoint loaded in float32.
    fn embed(&self, ids: &[u32], positions: impl Iterator<Item = usize>) -> Result<Vec<f32>> {
        let d = self.d_model;
        let ids = Tensor::new(ids, &self.device)?;
        let mut rows: Vec<f32> = self
            .embed
            .forward(&ids)?
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1()?;
        let scale = self.embed_scale as f32;
        for (row, position) in rows.chunks_mut(d).zip(positions) {
            let Some(table) = self.positions.get(position * d..(position + 1) * d) else {
                candle_core::bail!(
                    "position {position} is past the model's {}",
                    self.max_positions()
                );
            };
            for (v, &p) in row.iter_mut().zip(table) {
                *v = *v * scale + p;
            }
        }
        Ok(rows)
    }

    /// Encodes a batch of sentences (token ids, each ending with `</s>`). Sentences are not
    /// padded: each attends to its own tokens only, so a sentence's encoding does not depend
    /// on the others in its batch.
    pub fn encode(&self, batch: &[&[u32]]) -> Result<EncodedBatch> {
        let ids: Vec<u32> = batch.iter().flat_map(|s| s.iter().copied()).collect();
        let lengths: Vec<usize> = batch.iter().map(|s| s.len()).collect();
        let mut x = self.embed(&ids, lengths.iter().flat_map(|&len| 0..len))?;
        for layer in &self.encoder {
            x = layer.forward(&x, &lengths);
        }
        Ok(EncodedBatch {
            hidden: x,
            lengths,
            dim: self.d_model,
        })
    }

    /// Starts decoding an encoded batch: computes every layer's cross-attention memory once.
    pub fn start_decoding(&self, encoded: &EncodedBatch) -> Result<DecoderState> {
        let mut per_sentence = vec![Vec::with_capacity(self.decoder.len()); encoded.len()];
        for layer in &self.decoder {
            for (sentence, kv) in per_sentence
                .iter_mut()
                .zip(layer.cross_attn.memory(encoded))
            {
                sentence.push(kv);
            }
        }
        Ok(DecoderState {
            sources: per_sentence
                .into_iter()
                .map(|layers| Arc::new(KeysValues::from_layers(layers)))
                .collect(),
            history: StepCache::new(0, self.decoder.len(), self.d_model, self.decoder_heads),
            position: 0,
            logits: Vec::new(),
        })
    }

    /// Feeds one token per row (`rows = sentences × beams`, beams of a sentence adjacent) and
    /// returns the next-token logits, `[rows, vocab]` (f32, with the final logits bias).
    pub fn decode_step(&self, state: &mut DecoderState, tokens: &[u32]) -> Result<Tensor> {
        let (logits, vocab) = self.decode_step_host(state, tokens)?;
        Tensor::from_slice(logits, (tokens.len(), vocab), &self.device)
    }

    /// [`MarianModel::decode_step`], with the logits returned as a row-major host vector (the
    /// decoding strategies work on the host); the buffer is the state's, reused from step to
    /// step.
    pub fn decode_step_host<'s>(
        &self,
        state: &'s mut DecoderState,
        tokens: &[u32],
    ) -> Result<(&'s [f32], usize)> {
        let rows = tokens.len();
        let mut x = self.embed(tokens, std::iter::repeat_n(state.position, rows))?;
        if state.history.rows() != rows {
            // The first step sets the number of rows (`sentences × beams`); later ones follow
            // the rows that [`DecoderState::select`] kept.
            if state.position != 0 {
                candle_core::bail!(
                    "decode step got {rows} rows, the decoder state holds {}",
                    state.history.rows()
                );
            }
            state.history =
                StepCache::new(rows, self.decoder.len(), self.d_model, self.decoder_heads);
        }
        for (i, layer) in self.decoder.iter().enumerate() {
            x = layer.step(i, &x, &mut state.history, &state.sources);
        }
        state.position += 1;
        let vocab = self.bias_host.len();
        // Every entry is overwritten: only growth needs initialising.
        state.logits.resize(rows * vocab, 0.0);
        self.output
            .matmul(&x, rows, Some(&self.bias_host), &mut state.logits);
        Ok((&state.logits, vocab))
    }

    /// Logits of the first decoding step for a batch (a parity check helper).
    pub fn first_step_logits(&self, encoded: &EncodedBatch, start: u32) -> Result<Tensor> {
        let batch = encoded.len();
        let mut state = self.start_decoding(encoded)?;
        self.decode_step(&mut state, &vec![start; batch])
    }

    /// The dtype the embedding is held in.
    pub fn dtype(&self) -> DType {
        self.shared.dtype()
    }

    /// The embedding row of a token, in f32 (for tests of weight loading).
    pub fn embedding_row(&self, token: u32) -> Result<Tensor> {
        self.shared.i(token as usize)?.to_dtype(DType::F32)
    }
}

/// The name and shape of every tensor a Marian checkpoint of this configuration holds (what
/// [`MarianModel::load`] reads).
pub fn parameter_shapes(cfg: &MarianConfig) -> Vec<(String, Vec<usize>)> {
    let d = cfg.d_model;
    let mut out = vec![
        ("model.shared.weight".to_string(), vec![cfg.vocab_size, d]),
        ("final_logits_bias".to_string(), vec![1, cfg.vocab_size]),
    ];
    let mut linear = |prefix: String, i: usize, o: usize| {
        out.push((format!("{prefix}.weight"), vec![o, i]));
        out.push((format!("{prefix}.bias"), vec![o]));
    };
    for (side, layers, ffn) in [
        ("encoder", cfg.encoder_layers, cfg.encoder_ffn_dim),
        ("decoder", cfg.decoder_layers, cfg.decoder_ffn_dim),
    ] {
        for l in 0..layers {
            let p = format!("model.{side}.layers.{l}");
            let mut attns = vec!["self_attn"];
            if side == "decoder" {
                attns.push("encoder_attn");
            }
            for a in &attns {
                for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                    linear(format!("{p}.{a}.{proj}"), d, d);
                }
                // Layer norms are written below, after the projections.
            }
            linear(format!("{p}.fc1"), d, ffn);
            linear(format!("{p}.fc2"), ffn, d);
            for a in attns {
                linear(format!("{p}.{a}_layer_norm"), 0, d);
            }
            linear(format!("{p}.final_layer_norm"), 0, d);
        }
    }
    // Layer norms have a weight and a bias of size d (the input size 0 above marks them).
    for (name, shape) in out.iter_mut() {
        if name.contains("layer_norm") && shape.len() == 2 {
            *shape = vec![shape[0]];
        }
    }
    out
}

/// A model of the given shape with random weights (N(0, 0.05), layer-norm scales 1), built
/// without any file: for benchmarks of the real architecture where the real weights are not
/// available.
pub fn random_weights(
    cfg: &MarianConfig,
    device: &Device,
) -> Result<std::collections::HashMap<String, Tensor>> {
    let mut map = std::collections::HashMap::new();
    for (name, shape) in parameter_shapes(cfg) {
        let t = if name.contains("layer_norm") && name.ends_with("weight") {
            Tensor::ones(shape.as_slice(), DType::F32, device)?
        } else {
            Tensor::randn(0f32, 0.05, shape.as_slice(), device)?
        };
        map.insert(name, t);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_shapes_match_a_real_checkpoint() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/aren");
        let cfg = MarianConfig::from_file(&dir.join("config.json")).unwrap();
        let st =
            candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu).unwrap();
        let shapes = parameter_shapes(&cfg);
        assert_eq!(shapes.len(), st.len());
        for (name, shape) in shapes {
            assert_eq!(st[&name].dims(), shape.as_slice(), "{name}");
        }
    }
}
