//! The first layer's input: token embedding, scaled, plus the position's vector, then (BART)
//! a layer norm. One [`InputEmbedding`] per side, since BART learns a position table for each.

use std::sync::Arc;

use candle_core::{DType, Result};
use candle_nn::VarBuilder;

use super::linear::layer_norm;
use super::ops::Norm;
use crate::translate::config::{Architecture, MarianConfig, PositionEmbedding};

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

/// What is added to (and done after) one side's token embeddings.
#[derive(Debug, Clone)]
pub(super) struct InputEmbedding {
    /// `[max_positions][d_model]`: row `p` is the vector of position `p` (a learned table's
    /// unused offset rows are already cut off).
    positions: Arc<Vec<f32>>,
    /// `layernorm_embedding` (BART), over `embedding · scale + position`.
    norm: Option<Norm>,
    dim: usize,
}

impl InputEmbedding {
    /// Both sides' inputs for `arch`: `vb` is the model root (`model.encoder` and
    /// `model.decoder` below it).
    pub(super) fn load_pair(
        vb: &VarBuilder,
        cfg: &MarianConfig,
        arch: Architecture,
    ) -> Result<(Self, Self)> {
        let d = cfg.d_model;
        match arch.positions {
            PositionEmbedding::Sinusoidal => {
                let table = Arc::new(sinusoidal_positions(cfg.max_position_embeddings, d));
                let side = |name: &str| Self::side(vb, name, table.clone(), arch, d);
                Ok((side("encoder")?, side("decoder")?))
            }
            PositionEmbedding::Learned { offset } => {
                let side = |name: &str| {
                    let rows = cfg.max_position_embeddings + offset;
                    let table: Vec<f32> = vb
                        .pp(format!("model.{name}.embed_positions"))
                        .get((rows, d), "weight")?
                        .to_dtype(DType::F32)?
                        .flatten_all()?
                        .to_vec1()?;
                    Self::side(vb, name, Arc::new(table[offset * d..].to_vec()), arch, d)
                };
                Ok((side("encoder")?, side("decoder")?))
            }
        }
    }

    fn side(
        vb: &VarBuilder,
        name: &str,
        positions: Arc<Vec<f32>>,
        arch: Architecture,
        dim: usize,
    ) -> Result<Self> {
        let norm = if arch.embedding_norm {
            Some(layer_norm(
                vb.pp(format!("model.{name}.layernorm_embedding")),
                dim,
            )?)
        } else {
            None
        };
        Ok(Self {
            positions,
            norm,
            dim,
        })
    }

    /// Longest sequence the position table covers.
    pub(super) fn max_positions(&self) -> usize {
        self.positions.len() / self.dim
    }

    /// `rows ← norm(rows · scale + position)`, for one position per row.
    pub(super) fn apply(
        &self,
        rows: &mut [f32],
        scale: f32,
        positions: impl Iterator<Item = usize>,
    ) -> Result<()> {
        let d = self.dim;
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
        if let Some(norm) = &self.norm {
            norm.normalize(rows);
        }
        Ok(())
    }
}
