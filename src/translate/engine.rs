//! A loaded model ready to decode: token ids in, token ids out.

use std::path::Path;

use candle_core::Device;
use candle_nn::VarBuilder;

use super::config::{GenerationConfig, MarianConfig};
use super::decode::{self, DecodeOptions, Hypothesis, SequenceRules, SpecialTokens};
use super::model::weights::{self, WeightsLocation};
use super::model::{Compute, EncodedBatch, MarianModel, Quantize};
use super::TranslateError;

/// A Marian or BART model with its decoding defaults and special tokens.
#[derive(Debug, Clone)]
pub struct Engine {
    model: MarianModel,
    config: MarianConfig,
    special: SpecialTokens,
    defaults: DecodeOptions,
    /// Forced BOS and no-repeat n-grams from the generation settings (BART).
    rules: SequenceRules,
}

fn json_token(v: &Option<serde_json::Value>) -> Option<u32> {
    match v {
        Some(serde_json::Value::Number(n)) => n.as_u64().map(|n| n as u32),
        Some(serde_json::Value::Array(a)) => a.first().and_then(|n| n.as_u64()).map(|n| n as u32),
        _ => None,
    }
}

impl Engine {
    /// Loads `config.json`, the optional `generation_config.json` and the weights, for the
    /// kernels [`Compute::select`] picks, unquantized.
    pub fn load(
        config_path: &Path,
        generation_config_path: Option<&Path>,
        weights_at: &WeightsLocation,
        device: &Device,
    ) -> Result<Self, TranslateError> {
        let compute = Compute::select(Quantize::None)?;
        Self::load_with(
            config_path,
            generation_config_path,
            weights_at,
            device,
            compute,
        )
    }

    /// [`Engine::load`] for the given instructions and weight precision.
    pub fn load_with(
        config_path: &Path,
        generation_config_path: Option<&Path>,
        weights_at: &WeightsLocation,
        device: &Device,
        compute: Compute,
    ) -> Result<Self, TranslateError> {
        let config = MarianConfig::from_file(config_path)?;
        config.check_supported(config_path)?;
        let generation = match generation_config_path {
            Some(p) if p.is_file() => Some(GenerationConfig::from_file(p)?),
            _ => None,
        };
        let (special, defaults, rules) = Self::decoding_defaults(&config, generation.as_ref())
            .map_err(|message| TranslateError::Config {
                path: generation_config_path.unwrap_or(config_path).to_path_buf(),
                message,
            })?;
        let checkpoint = weights::Checkpoint::open(&weights_at.path, weights_at.format, device)?;
        // A float16 checkpoint is read as float16: the packer keeps it so (the kernels widen
        // it inside the tile), the model widens its small tensors.
        let dtype = checkpoint.dtype();
        let vb = VarBuilder::from_backend(Box::new(checkpoint), dtype, device.clone());
        let model = MarianModel::load(vb, &config, compute).map_err(|e| {
            TranslateError::WeightsMismatch {
                path: weights_at.path.clone(),
                message: e.to_string(),
            }
        })?;
        Ok(Self {
            model,
            config,
            special,
            defaults,
            rules,
        })
    }

    /// The decoding settings and special tokens the model ships with, read the way
    /// transformers does: `generation_config.json` when present (missing fields take
    /// transformers' defaults), else the generation fields of `config.json`.
    fn decoding_defaults(
        cfg: &MarianConfig,
        generation: Option<&GenerationConfig>,
    ) -> Result<(SpecialTokens, DecodeOptions, SequenceRules), String> {
        let from_config = GenerationConfig {
            decode: cfg.decode.clone(),
            no_repeat_ngram_size: cfg.no_repeat_ngram_size,
            bad_words_ids: cfg.bad_words_ids.clone(),
            forced_eos_token_id: cfg.forced_eos_token_id.map(Into::into),
            forced_bos_token_id: cfg.forced_bos_token_id,
            ..Default::default()
        };
        let g = generation.unwrap_or(&from_config);
        let mut options = DecodeOptions::default();
        let mut rules = SequenceRules::default();
        apply_generation(g, &mut options, &mut rules)?;
        let mut bad_words = Vec::new();
        for seq in g.bad_words_ids.iter().flatten() {
            match seq.as_slice() {
                [t] => bad_words.push(*t),
                _ => {
                    return Err(format!(
                        "multi-token bad_words_ids {seq:?} are not supported"
                    ))
                }
            }
        }
        let special = SpecialTokens {
            eos: json_token(&g.eos_token_id).unwrap_or(cfg.eos_token_id),
            pad: g.pad_token_id.unwrap_or(cfg.pad_token_id),
            decoder_start: g.decoder_start_token_id.unwrap_or(cfg.decoder_start()),
            forced_eos: json_token(&g.forced_eos_token_id),
            bad_words,
        };
        let vocab = cfg.vocab_size as u32;
        for (name, id) in [
            ("eos_token_id", Some(special.eos)),
            ("pad_token_id", Some(special.pad)),
            ("decoder_start_token_id", Some(special.decoder_start)),
            ("forced_eos_token_id", special.forced_eos),
            ("forced_bos_token_id", rules.forced_bos),
        ] {
            if let Some(id) = id.filter(|&id| id >= vocab) {
                return Err(format!("{name} {id} is outside the vocabulary ({vocab})"));
            }
        }
        Ok((special, options, rules))
    }

    /// The decoding settings for summarisation: the model's ([`Engine::default_options`] and
    /// [`Engine::sequence_rules`]) with `config.json`'s `task_specific_params.summarization`
    /// over them, as transformers' `pipeline("summarization")` (transformers 4) applied them
    /// to the generation config. Settings given by the caller go over these.
    pub fn summarization_defaults(&self) -> Result<(DecodeOptions, SequenceRules), String> {
        let mut options = self.defaults.clone();
        let mut rules = self.rules.clone();
        let task = self
            .config
            .task_specific_params
            .as_ref()
            .and_then(|t| t.summarization.as_ref());
        if let Some(g) = task {
            apply_generation(g, &mut options, &mut rules)?;
        }
        Ok((options, rules))
    }

    /// The sequence-dependent processors the model ships with (forced BOS, no-repeat n-grams).
    pub fn sequence_rules(&self) -> &SequenceRules {
        &self.rules
    }

    /// The decoding settings the model ships with.
    pub fn default_options(&self) -> &DecodeOptions {
        &self.defaults
    }

    pub fn special_tokens(&self) -> &SpecialTokens {
        &self.special
    }

    pub fn config(&self) -> &MarianConfig {
        &self.config
    }

    pub fn model(&self) -> &MarianModel {
        &self.model
    }

    /// The longest source (in tokens, `</s>` included) the model accepts.
    pub fn max_source_tokens(&self) -> usize {
        self.model.max_positions()
    }

    /// Checks settings before any work starts, so a bad flag fails fast and clearly.
    pub fn validate(&self, opts: &DecodeOptions) -> Result<(), TranslateError> {
        if opts.num_beams == 0 {
            return Err(TranslateError::Settings(
                "num_beams must be at least 1".into(),
            ));
        }
        if opts.effective_max_length() < 2 {
            return Err(TranslateError::Settings(
                "max_length counts the decoder start token and must be at least 2".into(),
            ));
        }
        if !opts.length_penalty.is_finite() {
            return Err(TranslateError::Settings(
                "length_penalty must be a finite number".into(),
            ));
        }
        Ok(())
    }

    /// Runs the encoder on a batch of token-id sequences.
    pub fn encode(&self, batch: &[&[u32]]) -> Result<EncodedBatch, TranslateError> {
        let limit = self.max_source_tokens();
        if let Some(long) = batch.iter().find(|s| s.len() > limit) {
            return Err(TranslateError::Settings(format!(
                "a source of {} tokens exceeds the model's {limit} positions (split it first)",
                long.len()
            )));
        }
        Ok(self.model.encode(batch)?)
    }

    /// Decodes one batch of source token-id sequences (each ending with `</s>`), returning one
    /// hypothesis per source, in order. Sequences of different lengths need no padding (see
    /// [`MarianModel::encode`]).
    pub fn generate(
        &self,
        batch: &[&[u32]],
        opts: &DecodeOptions,
    ) -> Result<Vec<Hypothesis>, TranslateError> {
        self.generate_with_rules(batch, opts, &self.rules)
    }

    /// [`Engine::generate`] with other sequence rules than the model's (a summariser's
    /// `no_repeat_ngram_size` flag).
    pub fn generate_with_rules(
        &self,
        batch: &[&[u32]],
        opts: &DecodeOptions,
        rules: &SequenceRules,
    ) -> Result<Vec<Hypothesis>, TranslateError> {
        self.validate(opts)?;
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let encoded = self.encode(batch)?;
        Ok(decode::generate_with(
            &self.model,
            &encoded,
            opts,
            &self.special,
            rules,
        )?)
    }
}

/// Sets every decoding setting `g` gives, leaving the others as they are (one layer of
/// transformers' generation settings over another).
pub fn apply_generation(
    g: &GenerationConfig,
    options: &mut DecodeOptions,
    rules: &mut SequenceRules,
) -> Result<(), String> {
    *options = options.with(&g.decode);
    if let Some(n) = g.no_repeat_ngram_size {
        rules.no_repeat_ngram_size = n;
    }
    if g.forced_bos_token_id.is_some() {
        rules.forced_bos = g.forced_bos_token_id;
    }
    Ok(())
}
