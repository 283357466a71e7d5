//! Flags shared by every subcommand that runs the model: which model, and how to decode.

use std::path::PathBuf;

use anyhow::Context;
use candle_core::Device;

use crate::translate::decode::DecodeChanges;
use crate::translate::hub::{self, HubOptions, ModelSource};
use crate::translate::presets;
use crate::translate::{Compute, DecodeOptions, EarlyStopping, Quantize, Translator};

/// Which model to run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ModelArgs {
    /// A preset (`best`: opus-mt-tc-big-ar-en, `fast`: opus-mt-ar-en; see `nashra models
    /// list`) or any Hugging Face repository id [default: best]
    #[arg(
        long,
        env = "NASHRA_MODEL",
        conflicts_with = "model_dir",
        value_name = "PRESET|REPO_ID"
    )]
    pub model: Option<String>,
    /// Repository revision (branch, tag or commit) [default: the pinned commit for a preset's
    /// repository, else main]
    #[arg(long, env = "NASHRA_REVISION", value_name = "REV")]
    pub revision: Option<String>,
    /// A local directory with the model's files, instead of the Hub
    #[arg(long, env = "NASHRA_MODEL_DIR", value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// Weight precision: none (the checkpoint's own) or int8 (quantized at load: about twice
    /// as fast, translations may differ slightly) [default: none]
    #[arg(long, env = "NASHRA_QUANTIZE", value_name = "PRECISION")]
    pub quantize: Option<Quantize>,
}

impl ModelArgs {
    /// Where the model comes from, defaults applied.
    pub fn source(&self) -> ModelSource {
        if let Some(dir) = &self.model_dir {
            return ModelSource::Dir(dir.clone());
        }
        presets::source(self.model.as_deref(), self.revision.as_deref())
    }

    /// Finds (downloading if needed) and loads the model on the CPU, for the kernels
    /// `NASHRA_CPU` forces or the best this CPU has.
    pub fn load(&self) -> anyhow::Result<Translator> {
        let compute = Compute::select(self.quantize.unwrap_or_default())?;
        let files = hub::resolve(&self.source(), &HubOptions::from_env())?;
        let id = files.id.clone();
        Translator::load_with(files, &Device::Cpu, compute)
            .with_context(|| format!("loading model {id}"))
    }
}

/// Decoding settings; anything not given comes from the model's generation config.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DecodeArgs {
    /// Beam size (1 = greedy search) [default: the model's, 4 for OPUS-MT]
    #[arg(long, env = "NASHRA_BEAM", value_name = "N")]
    pub beam: Option<usize>,
    /// Longest output, counting the decoder start token as transformers does
    #[arg(long, value_name = "N")]
    pub max_length: Option<usize>,
    /// Shortest output, counting the decoder start token
    #[arg(long, value_name = "N")]
    pub min_length: Option<usize>,
    /// Longest output in generated tokens (overrides --max-length)
    #[arg(long, value_name = "N")]
    pub max_new_tokens: Option<usize>,
    /// Length penalty exponent for beam search scores
    #[arg(long, value_name = "X")]
    pub length_penalty: Option<f32>,
    /// Beam search stopping rule: true, false (heuristic) or never
    #[arg(long, value_name = "RULE")]
    pub early_stopping: Option<EarlyStopping>,
}

impl DecodeArgs {
    /// The model's defaults with these flags applied on top.
    pub fn apply(&self, defaults: &DecodeOptions) -> DecodeOptions {
        let mut o = defaults.with(&DecodeChanges {
            num_beams: self.beam,
            length_penalty: self.length_penalty,
            max_length: self.max_length,
            max_new_tokens: self.max_new_tokens,
            min_length: self.min_length,
            early_stopping: self.early_stopping,
            renormalize_logits: None,
        });
        // A length given on the command line is the one in force.
        if self.max_length.is_some() && self.max_new_tokens.is_none() {
            o.max_new_tokens = None;
        }
        o
    }
}

/// Everything a command that runs the model needs: model, decoding, threads.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EngineArgs {
    /// CPU threads [default: all cores]
    #[arg(long, env = "NASHRA_THREADS", value_name = "N")]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub decode: DecodeArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Uses `threads` cores (default: all) for everything: the article workers and the model's
/// matrix products share one pool, so they never oversubscribe the machine.
pub fn configure_threads(threads: Option<usize>) -> anyhow::Result<usize> {
    let n = threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // candle's CPU kernels size their parallelism from this variable, read at every call.
    // Called at start-up, before any other thread of this program exists.
    std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    // A second call (tests running several commands in one process) keeps the first pool.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    Ok(n)
}
