//! Arabic → English translation with an OPUS-MT Marian model on candle.
//!
//! Layers, from the bottom: [`config`] (the model's json files), [`model`] (checkpoint files
//! in `model::weights`, the network, and its hot loops: the packed projection kernels and
//! the host attention), [`decode`] (greedy and beam search, with the vocabulary-sized logit
//! passes), [`engine`] (a loaded model that turns token ids into token ids), [`tokenizer`]
//! (sentencepiece and MarianTokenizer: text ↔ ids), [`presets`] (the supported models and
//! their pinned revisions), [`hub`] (finding the files), [`fit`] (sentences cut to the
//! model's length), [`batch`] (scheduling), [`translator`] (text in, text out).
//! Nothing here knows about articles or briefs.

pub mod batch;
pub mod config;
pub mod decode;
pub mod engine;
pub mod fit;
pub mod hub;
pub mod model;
pub mod presets;
pub mod summarizer;
pub mod tokenizer;
pub mod translator;

use std::path::{Path, PathBuf};

pub use batch::BatchPolicy;
pub use decode::{DecodeOptions, EarlyStopping, Hypothesis, SequenceRules, SpecialTokens};
pub use engine::Engine;
pub use hub::{ModelFiles, ModelSource};
pub use model::{Compute, Isa, Quantize};
pub use summarizer::{Source, Summarizer, Summary, SummaryOptions};
pub use translator::{BatchReport, Repeats, Translation, Translator};

/// A setting's value from its name (a flag's or an environment variable's text). `names`
/// lists every accepted spelling; the first non-empty one of each value is what the error
/// offers.
pub(crate) fn from_name<T: Copy + PartialEq>(
    text: &str,
    names: &[(&str, T)],
    what: &str,
) -> Result<T, String> {
    if let Some(&(_, value)) = names.iter().find(|(name, _)| *name == text) {
        return Ok(value);
    }
    let mut offered: Vec<&str> = Vec::new();
    for (i, &(name, value)) in names.iter().enumerate() {
        let first = !names[..i].iter().any(|&(n, v)| v == value && !n.is_empty());
        if first && !name.is_empty() {
            offered.push(name);
        }
    }
    Err(format!(
        "unknown {what} {text:?} (expected {})",
        offered.join(", ")
    ))
}

/// Everything that can go wrong between a model's files and a translation. Every message
/// names the file (or model) and the cause.
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: missing model file", path.display())]
    MissingFile { path: PathBuf },
    #[error("{}: invalid model configuration: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error("{}: unsupported model: {message}", path.display())]
    Unsupported { path: PathBuf, message: String },
    #[error("{}: corrupt weights: {message}", path.display())]
    CorruptWeights { path: PathBuf, message: String },
    #[error("{}: weights do not match config.json: {message}", path.display())]
    WeightsMismatch { path: PathBuf, message: String },
    #[error("invalid decoding settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Model(#[from] hub::ModelError),
    #[error(transparent)]
    Tokenizer(#[from] tokenizer::TokenizerError),
    #[error(transparent)]
    Cpu(#[from] model::IsaError),
    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),
}

impl TranslateError {
    pub(crate) fn file(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::MissingFile {
                path: path.to_path_buf(),
            }
        } else {
            Self::File {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_from_any_spelling_and_errors_offer_each_value_once() {
        assert_eq!("INT8 ".parse::<Quantize>(), Ok(Quantize::Int8));
        assert_eq!("".parse::<Quantize>(), Ok(Quantize::None));
        assert_eq!(
            "int4".parse::<Quantize>(),
            Err("unknown quantization \"int4\" (expected none, int8)".to_string())
        );
        assert_eq!("always".parse::<EarlyStopping>(), Ok(EarlyStopping::Always));
        assert_eq!(
            "maybe".parse::<EarlyStopping>(),
            Err("unknown early stopping rule \"maybe\" (expected false, true, never)".to_string())
        );
    }
}
