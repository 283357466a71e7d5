//! Marian's tokenizer, read from the model repository's own files (`source.spm`, `target.spm`,
//! `vocab.json`) and behaving exactly like transformers' `MarianTokenizer` (v5):
//!
//! - encoding: a leading `>>xx<<` language code is its own token; literal special tokens in
//!   the text (`</s>`, `<unk>`, `<pad>`) are split out as those tokens; every other stretch is
//!   segmented by the source sentencepiece model and each *piece string* is looked up in
//!   `vocab.json` (not by its sentencepiece id — the vocabularies differ), unknown strings
//!   becoming `<unk>`; `</s>` is appended.
//! - decoding (`skip_special_tokens=True`): ids map to piece strings through `vocab.json`;
//!   special tokens are dropped; the pieces are joined by the sentencepiece model that
//!   transformers picks (the *source* model when the vocabulary is shared), `▁` becomes a
//!   space and the ends are stripped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub mod bpe;
pub mod spm;

use spm::{SentencePiece, SPACE};

/// Errors loading a tokenizer; each names the file and the cause.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error("{}: cannot read tokenizer file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The tokenizer of a Marian (OPUS-MT) model.
#[derive(Debug, Clone)]
pub struct MarianTokenizer {
    source: SentencePiece,
    target: SentencePiece,
    decode_with_source: bool,
    vocab: HashMap<String, u32>,
    tokens: Vec<Option<String>>,
    eos: u32,
    unk: u32,
    pad: u32,
}

fn read(path: &Path) -> Result<Vec<u8>, TokenizerError> {
    std::fs::read(path).map_err(|source| TokenizerError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn load_spm(path: &Path) -> Result<SentencePiece, TokenizerError> {
    SentencePiece::from_bytes(&read(path)?).map_err(|e| TokenizerError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Python's `str.strip()` whitespace (a superset of Unicode `White_Space`: it also strips the
/// ASCII separators U+001C..U+001F).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

impl MarianTokenizer {
    /// Loads `source.spm`, `target.spm`, `vocab.json` (and reads `tokenizer_config.json` when
    /// present) from a model directory.
    pub fn from_dir(dir: &Path) -> Result<Self, TokenizerError> {
        let config = dir.join("tokenizer_config.json");
        if config.is_file() {
            let text = read(&config)?;
            let v: serde_json::Value =
                serde_json::from_slice(&text).map_err(|e| TokenizerError::Invalid {
                    path: config.clone(),
                    message: format!("invalid JSON ({e})"),
                })?;
            if v.get("separate_vocabs").and_then(|s| s.as_bool()) == Some(true) {
                return Err(TokenizerError::Invalid {
                    path: config,
                    message: "separate source/target vocabularies are not supported".into(),
                });
            }
        }
        Self::from_files(
            &dir.join("source.spm"),
            &dir.join("target.spm"),
            &dir.join("vocab.json"),
        )
    }

    /// Loads the tokenizer from its three files (shared vocabulary).
    pub fn from_files(
        source_spm: &Path,
        target_spm: &Path,
        vocab_json: &Path,
    ) -> Result<Self, TokenizerError> {
        let source = load_spm(source_spm)?;
        let target = load_spm(target_spm)?;
        let invalid = |message: String| TokenizerError::Invalid {
            path: vocab_json.to_path_buf(),
            message,
        };
        let vocab: HashMap<String, u32> = serde_json::from_slice(&read(vocab_json)?)
            .map_err(|e| invalid(format!("not a JSON object of token ids ({e})")))?;
        let id = |t: &str| {
            vocab
                .get(t)
                .copied()
                .ok_or_else(|| invalid(format!("the vocabulary has no {t} token")))
        };
        let (eos, unk, pad) = (id("</s>")?, id("<unk>")?, id("<pad>")?);
        let size = vocab.values().max().map_or(0, |&m| m as usize + 1);
        let mut tokens = vec![None; size];
        for (t, &i) in &vocab {
            tokens[i as usize] = Some(t.clone());
        }
        Ok(Self {
            source,
            target,
            decode_with_source: true,
            vocab,
            tokens,
            eos,
            unk,
            pad,
        })
    }

    pub fn eos_id(&self) -> u32 {
        self.eos
    }
    pub fn pad_id(&self) -> u32 {
        self.pad
    }
    pub fn unk_id(&self) -> u32 {
        self.unk
    }
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    fn special(&self, id: u32) -> bool {
        id == self.eos || id == self.unk || id == self.pad
    }

    fn push_pieces(&self, text: &str, ids: &mut Vec<u32>) {
        let mut text = text;
        if text.starts_with(">>") {
            if let Some(end) = text.find("<<") {
                let code = &text[..end + 2];
                ids.push(self.vocab.get(code).copied().unwrap_or(self.unk));
                text = &text[end + 2..];
            }
        }
        for piece in self.source.encode(text) {
            ids.push(self.vocab.get(&piece.text).copied().unwrap_or(self.unk));
        }
    }

    /// Token ids of `text` for the encoder, `</s>` appended.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        const SPECIALS: [&str; 3] = ["</s>", "<unk>", "<pad>"];
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        let mut rest = text;
        // Split on literal special tokens, leftmost (then longest) first, like the added-tokens
        // trie of transformers' Python tokenizers.
        while let Some((at, special)) = SPECIALS
            .iter()
            .filter_map(|s| rest.find(s).map(|i| (i, *s)))
            .min_by_key(|&(i, s)| (i, std::cmp::Reverse(s.len())))
        {
            if at > 0 {
                self.push_pieces(&rest[..at], &mut ids);
            }
            ids.push(self.vocab[special]);
            rest = &rest[at + special.len()..];
        }
        if !rest.is_empty() {
            self.push_pieces(rest, &mut ids);
        }
        ids.push(self.eos);
        ids
    }

    /// Text of generated ids, special tokens skipped (`decode(ids, skip_special_tokens=True)`).
    pub fn decode(&self, ids: &[u32]) -> String {
        let pieces: Vec<&str> = ids
            .iter()
            .filter(|&&id| !self.special(id))
            .filter_map(|&id| self.tokens.get(id as usize).and_then(|t| t.as_deref()))
            .collect();
        let spm = if self.decode_with_source {
            &self.source
        } else {
            &self.target
        };
        spm.decode_pieces(&pieces)
            .replace(SPACE, " ")
            .trim_matches(is_py_space)
            .to_string()
    }
}
