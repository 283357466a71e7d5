//! The model's own configuration files, `config.json` and `generation_config.json`, read the way
//! `transformers` reads them for a Marian or a BART model.

use std::path::Path;

use serde::Deserialize;

use super::decode::DecodeChanges;
use super::TranslateError;

/// The architecture fields of a Marian or BART `config.json` that the engine uses (the two
/// families share their field names; [`MarianConfig::family`] tells them apart). Unknown fields
/// are ignored; fields that would change the computation and that the engine does not
/// implement are rejected by [`MarianConfig::check_supported`]. An absent `Option` field reads as `None`.
#[derive(Debug, Clone, Deserialize)]
pub struct MarianConfig {
    pub model_type: Option<String>,
    pub architectures: Option<Vec<String>>,
    pub vocab_size: usize,
    pub decoder_vocab_size: Option<usize>,
    pub d_model: usize,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub encoder_attention_heads: usize,
    pub decoder_attention_heads: usize,
    pub encoder_ffn_dim: usize,
    pub decoder_ffn_dim: usize,
    #[serde(default = "default_max_positions")]
    pub max_position_embeddings: usize,
    #[serde(default = "default_activation")]
    pub activation_function: String,
    #[serde(default = "default_true")]
    pub scale_embedding: bool,
    #[serde(default = "default_true")]
    pub share_encoder_decoder_embeddings: bool,
    pub pad_token_id: u32,
    pub decoder_start_token_id: Option<u32>,
    pub eos_token_id: u32,
    pub forced_eos_token_id: Option<u32>,
    /// BART: the token forced as the first generated one.
    pub forced_bos_token_id: Option<u32>,
    #[serde(default)]
    pub normalize_before: bool,
    #[serde(default)]
    pub normalize_embedding: bool,
    #[serde(default)]
    pub add_final_layer_norm: bool,
    #[serde(default = "default_true")]
    pub static_position_embeddings: bool,
    // Generation defaults that old configs (like opus-mt-ar-en's) carry in config.json.
    #[serde(flatten)]
    pub decode: DecodeChanges,
    pub bad_words_ids: Option<Vec<Vec<u32>>>,
    pub no_repeat_ngram_size: Option<usize>,
    /// Per-task generation settings (`summarization` for the CNN BART models), which
    /// transformers' task pipelines apply over the generation config.
    pub task_specific_params: Option<TaskSpecificParams>,
}

/// `task_specific_params` of `config.json`: the tasks nashra runs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskSpecificParams {
    pub summarization: Option<GenerationConfig>,
}

/// The encoder–decoder families the engine runs. They differ in a few places, each a field of
/// [`Architecture`]; everything else (post-norm layers, tied output projection with
/// `final_logits_bias`) is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `MarianMTModel` (OPUS-MT).
    Marian,
    /// `BartForConditionalGeneration` (BART, distilBART).
    Bart,
}

/// How the token embeddings become the first layer's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionEmbedding {
    /// Fixed sine/cosine table (Marian), shared by encoder and decoder.
    Sinusoidal,
    /// A learned table per side (`embed_positions`), whose first `offset` rows are never used
    /// (BART's `BartLearnedPositionalEmbedding` has offset 2).
    Learned { offset: usize },
}

/// Where the families' computations differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Architecture {
    pub positions: PositionEmbedding,
    /// A layer norm over `embedding · scale + position` before the first layer
    /// (`layernorm_embedding`, BART).
    pub embedding_norm: bool,
}

fn default_max_positions() -> usize {
    512
}
fn default_activation() -> String {
    "swish".into()
}
fn default_true() -> bool {
    true
}

/// The activation functions a Marian checkpoint may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Swish,
    Gelu,
    Relu,
}

impl Family {
    pub fn architecture(self) -> Architecture {
        match self {
            Family::Marian => Architecture {
                positions: PositionEmbedding::Sinusoidal,
                embedding_norm: false,
            },
            Family::Bart => Architecture {
                positions: PositionEmbedding::Learned { offset: 2 },
                embedding_norm: true,
            },
        }
    }

    /// The class transformers names in `architectures`.
    fn class(self) -> &'static str {
        match self {
            Family::Marian => "MarianMTModel",
            Family::Bart => "BartForConditionalGeneration",
        }
    }
}

impl MarianConfig {
    /// The family `model_type` names; a config without one is read as Marian (old OPUS-MT
    /// configs). Unknown types are [`MarianConfig::check_supported`]'s to reject.
    pub fn family(&self) -> Family {
        match self.model_type.as_deref() {
            Some("bart") => Family::Bart,
            _ => Family::Marian,
        }
    }

    pub fn from_file(path: &Path) -> Result<Self, TranslateError> {
        let text = std::fs::read_to_string(path).map_err(|e| TranslateError::file(path, e))?;
        serde_json::from_str(&text).map_err(|e| TranslateError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Rejects configurations whose computation the engine does not implement, so that an
    /// unsupported checkpoint fails loudly instead of translating wrongly.
    pub fn check_supported(&self, path: &Path) -> Result<(), TranslateError> {
        let unsupported = |what: String| TranslateError::Unsupported {
            path: path.to_path_buf(),
            message: what,
        };
        if let Some(t) = &self.model_type {
            if t != "marian" && t != "bart" {
                return Err(unsupported(format!(
                    "model_type is {t:?}; only \"marian\" (OPUS-MT) and \"bart\" models are \
                     supported"
                )));
            }
        }
        let class = self.family().class();
        if let Some(archs) = &self.architectures {
            if !archs.iter().any(|a| a == class) {
                return Err(unsupported(format!(
                    "architectures {archs:?} does not include {class}"
                )));
            }
        }
        // BartConfig has none of these fields: transformers ignores them in a BART config
        // (bart-large-cnn's carries `normalize_embedding: true`, a fairseq leftover, and
        // applies `layernorm_embedding` either way).
        if self.family() == Family::Marian
            && (self.normalize_before || self.normalize_embedding || self.add_final_layer_norm)
        {
            return Err(unsupported(
                "pre-norm variants (normalize_before / normalize_embedding / \
                 add_final_layer_norm) are not implemented"
                    .into(),
            ));
        }
        if self.family() == Family::Marian && !self.static_position_embeddings {
            return Err(unsupported(
                "learned position embeddings are not implemented".into(),
            ));
        }
        if !self.share_encoder_decoder_embeddings {
            return Err(unsupported(
                "separate encoder/decoder vocabularies are not implemented".into(),
            ));
        }
        if self.encoder_attention_heads == 0 || self.decoder_attention_heads == 0 {
            return Err(unsupported("attention heads must be at least 1".into()));
        }
        if !self.d_model.is_multiple_of(self.encoder_attention_heads)
            || !self.d_model.is_multiple_of(self.decoder_attention_heads)
        {
            return Err(unsupported(format!(
                "d_model {} is not divisible by the number of attention heads",
                self.d_model
            )));
        }
        self.activation().map_err(unsupported)?;
        Ok(())
    }

    pub fn activation(&self) -> Result<Activation, String> {
        match self.activation_function.as_str() {
            "swish" | "silu" => Ok(Activation::Swish),
            "gelu" => Ok(Activation::Gelu),
            "relu" => Ok(Activation::Relu),
            other => Err(format!("activation function {other:?} is not implemented")),
        }
    }

    pub fn decoder_start(&self) -> u32 {
        self.decoder_start_token_id.unwrap_or(self.pad_token_id)
    }
}

/// `generation_config.json`: the decoding defaults a model ships with. Every field is optional;
/// missing ones fall back to `config.json`, then to transformers' own defaults.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GenerationConfig {
    #[serde(flatten)]
    pub decode: DecodeChanges,
    pub bad_words_ids: Option<Vec<Vec<u32>>>,
    pub forced_eos_token_id: Option<serde_json::Value>,
    pub eos_token_id: Option<serde_json::Value>,
    pub pad_token_id: Option<u32>,
    pub decoder_start_token_id: Option<u32>,
    pub no_repeat_ngram_size: Option<usize>,
    pub forced_bos_token_id: Option<u32>,
}

impl GenerationConfig {
    pub fn from_file(path: &Path) -> Result<Self, TranslateError> {
        let text = std::fs::read_to_string(path).map_err(|e| TranslateError::file(path, e))?;
        serde_json::from_str(&text).map_err(|e| TranslateError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::EarlyStopping;

    /// `text` read as a model's `generation_config.json`.
    fn generation(text: &str) -> Result<GenerationConfig, TranslateError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("generation_config.json");
        std::fs::write(&path, text).unwrap();
        GenerationConfig::from_file(&path)
    }

    #[test]
    fn decoding_fields_read_under_transformers_names_and_a_bad_rule_names_the_file() {
        let g = generation(
            r#"{"num_beams": 4, "max_new_tokens": 60, "early_stopping": "never",
                "no_repeat_ngram_size": 3, "forced_bos_token_id": 0}"#,
        )
        .unwrap();
        assert_eq!(g.decode.num_beams, Some(4));
        assert_eq!(g.decode.max_new_tokens, Some(60));
        assert_eq!(g.decode.early_stopping, Some(EarlyStopping::Never));
        assert_eq!(g.decode.min_length, None);
        assert_eq!(
            (g.no_repeat_ngram_size, g.forced_bos_token_id),
            (Some(3), Some(0))
        );
        for (value, rule) in [
            ("true", EarlyStopping::Always),
            ("false", EarlyStopping::Heuristic),
        ] {
            let g = generation(&format!(r#"{{"early_stopping": {value}}}"#)).unwrap();
            assert_eq!(g.decode.early_stopping, Some(rule));
        }
        let e = generation(r#"{"early_stopping": "sometimes"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("generation_config.json") && e.contains("early_stopping"),
            "{e}"
        );
    }
}
