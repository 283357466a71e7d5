//! The post-norm encoder–decoders nashra runs, on candle: Marian (Junczys-Dowmunt et al., 2018;
//! the OPUS-MT models) and BART (Lewis et al., 2020; the CNN/DailyMail summarisers).
//!
//! Both are post-norm Transformers (Vaswani et al., 2017) with one embedding matrix shared by
//! encoder input, decoder input and output projection (plus `final_logits_bias`). They differ
//! in the input layer only ([`crate::translate::config::Architecture`]): Marian adds a
//! sinusoidal position table to the scaled embedding; BART adds a learned table per side
//! (offset 2) and layer-normalises the sum (`layernorm_embedding`). The activation (SiLU for
//! OPUS-MT, GELU for BART) and the embedding scale come from the config. Compared with `candle-transformers`' reading of it, this implementation:
//! - pads nothing: the sentences of a batch are laid end to end and each attends only to its
//!   own positions, so a batch of sentences of different lengths gives each sentence what it
//!   would get alone, without computing padding rows;
//! - computes each layer's cross-attention keys and values once per batch (not per step);
//! - keeps a self-attention key/value cache whose rows can be reordered (beam search) or dropped
//!   (finished sentences leave the batch), where the cache grows in place and reordering moves
//!   rows;
//! - holds activations on the host as rows (`[rows][dim]`, row-major): every projection is one 2-D matrix product over all rows
//!   through the packed `kernels` (weights in f32, f16 or int8, for the [`Isa`] chosen at
//!   load; the query/key/value projections of self-attention fused into one), attention is
//!   computed per row (`attention`) and the residual connections, layer norms and activations
//!   are in-place passes (`ops`). Candle holds the weights as loaded and looks up embeddings.
//!
//! Nothing here reads files or knows about tokenisation or decoding strategies: weights arrive
//! through a [`VarBuilder`], and [`Seq2SeqModel::decode_step`] returns logits.
//!
//! Files: `compute` (ISA and precision), `linear` (packed dense layers), `layers`
//! (attention, feed-forward, encoder and decoder layers), `embedding` (the input layer),
//! `synthetic` (checkpoints without files).

use candle_core::{DType, Device, IndexOp, Module, Result, Tensor};
use candle_nn::{Embedding, VarBuilder};

use std::sync::Arc;

pub(crate) mod attention;
mod compute;
mod embedding;
pub(crate) mod isa;
pub(crate) mod kernels;
mod layers;
mod linear;
pub(crate) mod ops;
mod synthetic;
pub mod weights;

use crate::translate::config::MarianConfig;
use attention::{KeysValues, StepCache};
pub use compute::{Compute, Quantize};
pub use embedding::sinusoidal_positions;
use embedding::InputEmbedding;
pub use isa::{Isa, IsaError};
use kernels::PackedWeights;
use layers::{DecoderLayer, EncoderLayer};
use linear::pack;
pub use synthetic::{parameter_shapes, random_weights};

/// The source side of a batch after encoding: the encoder's output rows, the sentences laid
/// end to end without padding ([`Seq2SeqModel::start_decoding`] turns them into cross-attention
/// keys and values).
#[derive(Debug, Clone)]
pub struct EncodedBatch {
    /// `[Σ lengths][dim]`.
    pub(super) hidden: Vec<f32>,
    /// The number of tokens of each sentence.
    pub(super) lengths: Vec<usize>,
    pub(super) dim: usize,
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

/// An encoder–decoder of one of the [`Family`](crate::translate::config::Family) kinds:
/// `MarianMTModel` or `BartForConditionalGeneration` in transformers.
#[derive(Debug, Clone)]
pub struct Seq2SeqModel {
    embed: Embedding,
    embed_scale: f64,
    /// Positions (and BART's embedding layer norm) of the encoder's input.
    encoder_input: InputEmbedding,
    /// The same for the decoder's input.
    decoder_input: InputEmbedding,
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

/// The name the model had when it was Marian only.
pub type MarianModel = Seq2SeqModel;

impl Seq2SeqModel {
    /// Builds the model from weights named as in transformers' state dict for the config's
    /// family (`MarianMTModel`, `BartForConditionalGeneration`),
    /// packing every projection for `compute` (and making its ISA the `Isa::active` one).
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
        let (encoder_input, decoder_input) =
            InputEmbedding::load_pair(&vb, cfg, cfg.family().architecture())?;
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
            encoder_input,
            decoder_input,
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

    /// Longest sequence (source or target) the position tables cover.
    pub fn max_positions(&self) -> usize {
        self.encoder_input
            .max_positions()
            .min(self.decoder_input.max_positions())
    }

    /// The input rows of tokens `ids` at `positions` (one each) on one side: the embedding,
    /// scaled, plus the position's vector (then BART's embedding layer norm). A float16
    /// embedding widens (exactly) before the scaling, as transformers computes with a float16
    /// checkpoint loaded in float32.
    fn embed(
        &self,
        side: &InputEmbedding,
        ids: &[u32],
        positions: impl Iterator<Item = usize>,
    ) -> Result<Vec<f32>> {
        let ids = Tensor::new(ids, &self.device)?;
        let mut rows: Vec<f32> = self
            .embed
            .forward(&ids)?
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1()?;
        side.apply(&mut rows, self.embed_scale as f32, positions)?;
        Ok(rows)
    }

    /// Encodes a batch of sentences (token ids, each ending with `</s>`). Sentences are not
    /// padded: each attends to its own tokens only, so a sentence's encoding does not depend
    /// on the others in its batch.
    pub fn encode(&self, batch: &[&[u32]]) -> Result<EncodedBatch> {
        let ids: Vec<u32> = batch.iter().flat_map(|s| s.iter().copied()).collect();
        let lengths: Vec<usize> = batch.iter().map(|s| s.len()).collect();
        let mut x = self.embed(
            &self.encoder_input,
            &ids,
            lengths.iter().flat_map(|&len| 0..len),
        )?;
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

    /// [`Seq2SeqModel::decode_step`], with the logits returned as a row-major host vector (the
    /// decoding strategies work on the host); the buffer is the state's, reused from step to
    /// step.
    pub fn decode_step_host<'s>(
        &self,
        state: &'s mut DecoderState,
        tokens: &[u32],
    ) -> Result<(&'s [f32], usize)> {
        let rows = tokens.len();
        let mut x = self.embed(
            &self.decoder_input,
            tokens,
            std::iter::repeat_n(state.position, rows),
        )?;
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
