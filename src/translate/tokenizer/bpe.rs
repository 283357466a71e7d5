//! BART's tokenizer: byte-level BPE read from the repository's `tokenizer.json` by the
//! `tokenizers` crate (the Rust library under transformers' fast tokenizers, so the pieces are
//! its own), wrapped to behave like transformers' `BartTokenizer` (v5):
//!
//! - encoding: `<s>` + the text's tokens + `</s>`, truncated to the model's positions by
//!   cutting the text's tokens at the end (transformers' `truncation=True,
//!   max_length=model_max_length`, right side, which keeps both special tokens);
//! - decoding (`skip_special_tokens=True`): special tokens dropped, bytes joined back into
//!   text. transformers 5 skips `clean_up_tokenization_spaces` for BPE tokenizers unless
//!   `clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output` is also set in
//!   `tokenizer_config.json`; so does this.

use std::path::Path;

use super::TokenizerError;

/// The tokenizer of a BART model.
#[derive(Clone)]
pub struct BpeTokenizer {
    inner: tokenizers::Tokenizer,
    bos: u32,
    eos: u32,
    pad: u32,
    clean_up: bool,
}

impl std::fmt::Debug for BpeTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BpeTokenizer")
            .field("vocab", &self.inner.get_vocab_size(true))
            .finish()
    }
}

fn from_tokenizer_json(path: &Path) -> Result<tokenizers::Tokenizer, TokenizerError> {
    let bytes = std::fs::read(path).map_err(|source| TokenizerError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    tokenizers::Tokenizer::from_bytes(&bytes)
        .map_err(|e| invalid(path, format!("not a tokenizer.json ({e})")))
}

/// The tokenizer `BartTokenizer` builds from `vocab.json` and `merges.txt`: byte-level BPE
/// without a prefix space, byte-level decoding, and BART's five special tokens (`<mask>`
/// taking the space before it, as `BartTokenizer` declares it). Checked to give the same ids
/// and text as the repository's `tokenizer.json` on the fixture model
/// (`tests/bart_tokenizer.rs`).
pub fn from_vocab_and_merges(
    vocab: &Path,
    merges: &Path,
) -> Result<tokenizers::Tokenizer, TokenizerError> {
    use tokenizers::models::bpe::BPE;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::AddedToken;
    fn text(p: &Path) -> Result<&str, TokenizerError> {
        p.to_str().ok_or_else(|| invalid(p, "path is not UTF-8"))
    }
    let bpe = BPE::from_file(text(vocab)?, text(merges)?)
        .build()
        .map_err(|e| invalid(vocab, format!("not BPE vocab.json + merges.txt ({e})")))?;
    let mut inner = tokenizers::Tokenizer::new(bpe);
    inner.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    inner.with_decoder(Some(ByteLevel::default()));
    let special = ["<s>", "<pad>", "</s>", "<unk>"]
        .into_iter()
        .map(|t| AddedToken::from(t, true))
        .chain(std::iter::once(
            AddedToken::from("<mask>", true).lstrip(true),
        ));
    inner
        .add_special_tokens(special)
        .map_err(|e| invalid(vocab, format!("special tokens ({e})")))?;
    Ok(inner)
}

fn invalid(path: &Path, message: impl std::fmt::Display) -> TokenizerError {
    TokenizerError::Invalid {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

impl BpeTokenizer {
    /// Loads the tokenizer from `tokenizer.json` when the repository has one, else from
    /// BART's own `vocab.json` and `merges.txt` (repositories made before `tokenizers`
    /// existed may ship only those: see [`from_vocab_and_merges`]); `tokenizer_config.json`
    /// (when given) has the clean-up flags. `<s>`, `</s>` and `<pad>` must be in the
    /// vocabulary.
    pub fn from_files(
        tokenizer_json: Option<&Path>,
        vocab: &Path,
        merges: &Path,
        tokenizer_config: Option<&Path>,
    ) -> Result<Self, TokenizerError> {
        let (inner, source) = match tokenizer_json {
            Some(path) => (from_tokenizer_json(path)?, path),
            None => (from_vocab_and_merges(vocab, merges)?, vocab),
        };
        Self::wrap(inner, source, tokenizer_config)
    }

    fn wrap(
        inner: tokenizers::Tokenizer,
        tokenizer_json: &Path,
        tokenizer_config: Option<&Path>,
    ) -> Result<Self, TokenizerError> {
        let id = |token: &str| {
            inner
                .token_to_id(token)
                .ok_or_else(|| invalid(tokenizer_json, format!("no {token} token")))
        };
        let (bos, eos, pad) = (id("<s>")?, id("</s>")?, id("<pad>")?);
        let clean_up = match tokenizer_config.filter(|p| p.is_file()) {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|source| TokenizerError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let v: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| invalid(path, format!("invalid JSON ({e})")))?;
                let flag = |k: &str| v.get(k).and_then(|b| b.as_bool()) == Some(true);
                flag("clean_up_tokenization_spaces")
                    && flag(
                        "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output",
                    )
            }
            None => false,
        };
        Ok(Self {
            inner,
            bos,
            eos,
            pad,
            clean_up,
        })
    }

    pub fn eos_id(&self) -> u32 {
        self.eos
    }

    pub fn pad_id(&self) -> u32 {
        self.pad
    }

    /// The ids of `text`, `<s>` first and `</s>` last, at most `max_tokens` of them (at least
    /// the two special tokens).
    pub fn encode(&self, text: &str, max_tokens: usize) -> Vec<u32> {
        self.encode_cut(text, max_tokens).0
    }

    /// [`BpeTokenizer::encode`], and whether the end of the text was cut off to fit. Cut after
    /// tokenizing, as transformers truncates: one pass, whatever the length.
    pub fn encode_cut(&self, text: &str, max_tokens: usize) -> (Vec<u32>, bool) {
        let encoding = self
            .inner
            .encode(text, false)
            .expect("byte-level BPE encodes any text");
        let body = encoding.get_ids();
        let keep = body.len().min(max_tokens.saturating_sub(2));
        let mut ids = Vec::with_capacity(keep + 2);
        ids.push(self.bos);
        ids.extend_from_slice(&body[..keep]);
        ids.push(self.eos);
        (ids, keep < body.len())
    }

    /// The text of generated ids, special tokens skipped.
    pub fn decode(&self, ids: &[u32]) -> String {
        let text = self
            .inner
            .decode(ids, true)
            .expect("ids from the model's own vocabulary decode");
        if self.clean_up {
            clean_up_tokenization(&text)
        } else {
            text
        }
    }
}

/// transformers' `clean_up_tokenization`: spaces before punctuation and English contractions.
fn clean_up_tokenization(text: &str) -> String {
    text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
}
