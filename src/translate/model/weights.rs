//! Reading a checkpoint's tensors from `model.safetensors` (memory-mapped) or
//! `pytorch_model.bin` (PyTorch's zip/pickle format, which the real opus-mt-ar-en ships), with
//! errors that say which file is wrong and how.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use sha2::{Digest, Sha256};

use crate::translate::TranslateError;

/// The on-disk format of a weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsFormat {
    Safetensors,
    Pytorch,
}

impl WeightsFormat {
    /// Guesses the format from the file name (`*.safetensors`, else PyTorch).
    pub fn of(path: &Path) -> Self {
        if path.extension().is_some_and(|e| e == "safetensors") {
            Self::Safetensors
        } else {
            Self::Pytorch
        }
    }
}

/// A checkpoint opened to build a model from, as a [`candle_nn::VarBuilder`] backend
/// ([`Checkpoint::open`]): float16 tensors stay float16 (the packed kernels widen them
/// exactly, inside the tile, and the model widens the small ones at load), every other type
/// becomes f32, and [`Checkpoint::dtype`] says which precision the checkpoint is held in.
///
/// Each tensor is read when the model asks for it and is not kept: a safetensors file is
/// mapped read-only and each tensor copied out of it on request (its pages then given back),
/// a PyTorch file's tensors are handed out once and forgotten. So a layer's originals are
/// freed as soon as the layer is packed, and loading never holds the whole checkpoint beside
/// the packed model: distilbart-cnn's peak went from 2.3 GB to 1.2 GB in int8, then lower
/// (BENCHMARKS.md, "Summaries", Memory).
///
/// Tied weights that a checkpoint may store under only one of their names (the shared
/// embedding appears as `model.shared.weight`, `model.encoder.embed_tokens.weight`,
/// `model.decoder.embed_tokens.weight` or `lm_head.weight`) are found under
/// `model.shared.weight`; a checkpoint without `final_logits_bias` gets zeros, as transformers
/// initialises that buffer.
pub struct Checkpoint {
    /// Tensors already in memory (a PyTorch file's, the zeros of a missing bias), by name.
    loaded: std::sync::Mutex<HashMap<String, Tensor>>,
    /// A safetensors file, read tensor by tensor.
    file: Option<MappedSafetensors>,
    /// Names the file stores a tensor under, for names the model asks for.
    aliases: HashMap<String, String>,
    dtype: DType,
}

/// Tensors the model reads more than once: kept once read.
const READ_AGAIN: [&str; 2] = ["model.shared.weight", "final_logits_bias"];

/// The names the shared embedding may be stored under when `model.shared.weight` is absent.
const SHARED_ALIASES: [&str; 3] = [
    "model.encoder.embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
    "lm_head.weight",
];

impl Checkpoint {
    /// Opens a weights file on `device`: reads a safetensors file's header (its tensors are
    /// read later, as asked for) or a PyTorch file's tensors.
    pub fn open(
        path: &Path,
        format: WeightsFormat,
        device: &Device,
    ) -> Result<Self, TranslateError> {
        let corrupt = |message: String| TranslateError::CorruptWeights {
            path: path.to_path_buf(),
            message,
        };
        if !path.is_file() {
            return Err(TranslateError::MissingFile {
                path: path.to_path_buf(),
            });
        }
        let (file, loaded) = match format {
            WeightsFormat::Safetensors => (
                Some(MappedSafetensors::open(path, &corrupt)?),
                HashMap::new(),
            ),
            WeightsFormat::Pytorch => (None, read_pytorch(path, &corrupt)?),
        };
        let names: Vec<String> = match &file {
            Some(f) => f.names(),
            None => loaded.keys().cloned().collect(),
        };
        if names.is_empty() {
            return Err(corrupt("the file holds no tensors".into()));
        }
        let dtype = match &file {
            Some(f) => f.dtype(),
            None => stored_dtype(&loaded),
        };
        let mut checkpoint = Self {
            loaded: std::sync::Mutex::new(loaded),
            file,
            aliases: HashMap::new(),
            dtype,
        };
        if !names.iter().any(|n| n == "model.shared.weight") {
            if let Some(alias) = SHARED_ALIASES
                .iter()
                .find(|a| names.iter().any(|n| n == *a))
            {
                checkpoint
                    .aliases
                    .insert("model.shared.weight".into(), alias.to_string());
            }
        }
        if !names.iter().any(|n| n == "final_logits_bias") {
            if let Some(vocab) = checkpoint.rows_of("model.shared.weight") {
                // In the checkpoint's own precision, so that it does not make a float16
                // checkpoint look mixed (zero is exact in both).
                let zeros =
                    Tensor::zeros((1, vocab), dtype, device).map_err(|e| corrupt(e.to_string()))?;
                checkpoint.lock().insert("final_logits_bias".into(), zeros);
            }
        }
        Ok(checkpoint)
    }

    /// The precision the checkpoint is held in (see [`stored_dtype`]).
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Tensor>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The name the file stores `name` under.
    fn stored_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map_or(name, String::as_str)
    }

    /// The first dimension of tensor `name`, if the checkpoint has it.
    fn rows_of(&self, name: &str) -> Option<usize> {
        let stored = self.stored_name(name);
        match &self.file {
            Some(f) => f.shape(stored).and_then(|s| s.first().copied()),
            None => self
                .lock()
                .get(stored)
                .and_then(|t| t.dims().first().copied()),
        }
    }

    /// Tensor `name`, read (or handed out) once; [`READ_AGAIN`] tensors are kept.
    fn take(&self, name: &str, device: &Device) -> candle_core::Result<Tensor> {
        let again = READ_AGAIN.contains(&name);
        let mut loaded = self.lock();
        let stored = self.stored_name(name);
        let held = match again {
            true => loaded.get(name).or_else(|| loaded.get(stored)).cloned(),
            false => loaded.remove(stored),
        };
        let tensor = match (held, &self.file) {
            (Some(t), _) => t,
            (None, Some(file)) => file.read(stored, device)?,
            (None, None) => {
                return Err(candle_core::Error::CannotFindTensor {
                    path: name.to_string(),
                })
            }
        };
        if again {
            loaded.insert(name.to_string(), tensor.clone());
        }
        Ok(tensor)
    }
}

impl candle_nn::var_builder::SimpleBackend for Checkpoint {
    fn get(
        &self,
        shape: candle_core::Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let tensor = self.take(name, device)?;
        if tensor.shape() != &shape {
            return Err(candle_core::Error::UnexpectedShape {
                msg: format!("shape mismatch for {name}"),
                expected: shape,
                got: tensor.shape().clone(),
            });
        }
        tensor.to_device(device)?.to_dtype(dtype)
    }

    fn get_unchecked(
        &self,
        name: &str,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        self.take(name, device)?.to_device(device)?.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let stored = self.stored_name(name);
        let in_memory = {
            let loaded = self.lock();
            loaded.contains_key(name) || loaded.contains_key(stored)
        };
        in_memory
            || self
                .file
                .as_ref()
                .is_some_and(|f| f.shape(stored).is_some())
    }
}

/// A PyTorch checkpoint's tensors, every type but float16 widened to f32.
fn read_pytorch(
    path: &Path,
    corrupt: &dyn Fn(String) -> TranslateError,
) -> Result<HashMap<String, Tensor>, TranslateError> {
    let raw = candle_core::pickle::read_all(path)
        .map_err(|e| corrupt(format!("not a readable PyTorch checkpoint ({e})")))?;
    raw.into_iter()
        .map(|(name, t)| {
            let t = widened(t).map_err(|e| corrupt(format!("tensor {name}: {e}")))?;
            Ok((name, t))
        })
        .collect()
}

/// `t` as the model holds it: float16 and f32 as they are, every other type as f32.
fn widened(t: Tensor) -> candle_core::Result<Tensor> {
    match t.dtype() {
        DType::F32 | DType::F16 => Ok(t),
        _ => t.to_dtype(DType::F32),
    }
}

/// A safetensors file mapped read-only, its header parsed; tensors are copied out one at a
/// time and each one's pages given back once copied, so that the file's pages and their copies
/// are never resident together.
struct MappedSafetensors {
    map: memmap2::Mmap,
    /// Where the tensors' data starts (after the header).
    data_start: usize,
    metadata: safetensors::tensor::Metadata,
}

impl MappedSafetensors {
    fn open(
        path: &Path,
        corrupt: &dyn Fn(String) -> TranslateError,
    ) -> Result<Self, TranslateError> {
        let unreadable =
            |e: &dyn std::fmt::Display| corrupt(format!("not a readable safetensors file ({e})"));
        let file = std::fs::File::open(path).map_err(|e| TranslateError::file(path, e))?;
        // SAFETY: the map is read-only, and every read copies out of it; a file truncated
        // underneath us could still fault, as with any mmap reader.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| unreadable(&e))?;
        let (header, metadata) =
            safetensors::SafeTensors::read_metadata(&map).map_err(|e| unreadable(&e))?;
        Ok(Self {
            map,
            data_start: 8 + header,
            metadata,
        })
    }

    fn names(&self) -> Vec<String> {
        self.metadata.tensors().into_keys().collect()
    }

    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.metadata.info(name).map(|i| i.shape.clone())
    }

    /// The precision the file is held in (see [`held_in`]).
    fn dtype(&self) -> DType {
        let tensors = self.metadata.tensors();
        held_in(tensors.values().map(|i| i.dtype == safetensors::Dtype::F16))
    }

    /// Tensor `name`, copied out of the map (widened as [`widened`] says).
    fn read(&self, name: &str, device: &Device) -> candle_core::Result<Tensor> {
        use candle_core::safetensors::Load;
        let missing = || candle_core::Error::CannotFindTensor {
            path: name.to_string(),
        };
        let info = self.metadata.info(name).ok_or_else(missing)?;
        let (start, end) = info.data_offsets;
        let bytes = &self.map[self.data_start + start..self.data_start + end];
        let view = safetensors::tensor::TensorView::new(info.dtype, info.shape.clone(), bytes)
            .map_err(|e| candle_core::Error::Msg(format!("tensor {name}: {e}")))?;
        let tensor = widened(view.load(device)?)?;
        // SAFETY: a read-only file mapping: the pages dropped are read again from the file if
        // ever touched. (Only a hint: an error is moot.)
        let _ = unsafe {
            self.map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                self.data_start + start,
                end - start,
            )
        };
        Ok(tensor)
    }
}

/// The precision a loaded checkpoint is held in: float16 when every tensor is float16 (as
/// the tc-big OPUS-MT checkpoints are), else f32 (mixed checkpoints are widened whole, so no
/// f32 value is ever rounded to float16).
pub fn stored_dtype(tensors: &HashMap<String, Tensor>) -> DType {
    held_in(tensors.values().map(|t| t.dtype() == DType::F16))
}

/// Float16 when there are tensors and every one `is_f16` says so, else f32.
fn held_in(mut is_f16: impl Iterator<Item = bool>) -> DType {
    match is_f16.next() {
        Some(true) if is_f16.all(|f16| f16) => DType::F16,
        _ => DType::F32,
    }
}

/// SHA-256 of a file, hex-encoded: the identity of a set of weights in caches and manifests.
pub fn sha256_file(path: &Path) -> Result<String, TranslateError> {
    let mut file = std::fs::File::open(path).map_err(|e| TranslateError::file(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| TranslateError::file(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Where a model's weights live and in which format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightsLocation {
    pub path: PathBuf,
    pub format: WeightsFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(dtype: DType) -> Tensor {
        Tensor::zeros(2, dtype, &Device::Cpu).unwrap()
    }

    #[test]
    fn a_safetensors_checkpoint_is_read_as_asked_with_its_aliases_and_defaults() {
        use candle_nn::var_builder::SimpleBackend;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let embed = Tensor::arange(0f32, 6.0, &Device::Cpu)
            .unwrap()
            .reshape((3, 2))
            .unwrap()
            .to_dtype(DType::F16)
            .unwrap();
        let fc = Tensor::ones((2, 2), DType::F16, &Device::Cpu).unwrap();
        let tensors: HashMap<String, Tensor> = [
            (
                "model.encoder.embed_tokens.weight".to_string(),
                embed.clone(),
            ),
            ("fc.weight".to_string(), fc),
        ]
        .into();
        candle_core::safetensors::save(&tensors, &path).unwrap();
        let c = Checkpoint::open(&path, WeightsFormat::Safetensors, &Device::Cpu).unwrap();
        assert_eq!(c.dtype(), DType::F16, "every tensor is float16");
        let init = candle_nn::Init::Const(0.0);
        let get =
            |name: &str, shape: &[usize]| c.get(shape.into(), name, init, DType::F16, &Device::Cpu);
        // The shared embedding under its alias, as often as asked; the bias made of zeros.
        for _ in 0..2 {
            let shared = get("model.shared.weight", &[3, 2]).unwrap();
            let (got, want) = (shared.to_vec2::<half::f16>(), embed.to_vec2::<half::f16>());
            assert_eq!(got.unwrap(), want.unwrap());
        }
        let bias = get("final_logits_bias", &[1, 3]).unwrap();
        assert_eq!(
            bias.to_dtype(DType::F32)
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap(),
            0.0
        );
        assert!(c.contains_tensor("fc.weight") && !c.contains_tensor("nothing"));
        assert!(
            get("fc.weight", &[2, 3]).is_err(),
            "a wrong shape is an error"
        );
        assert!(get("fc.weight", &[2, 2]).is_ok());
        assert!(get("nothing", &[1]).is_err());
    }

    #[test]
    fn float16_only_when_every_tensor_is() {
        let mut map: HashMap<String, Tensor> = [
            ("a".to_string(), tensor(DType::F16)),
            ("b".into(), tensor(DType::F16)),
        ]
        .into();
        assert_eq!(stored_dtype(&map), DType::F16);
        map.insert("c".into(), tensor(DType::F32));
        assert_eq!(stored_dtype(&map), DType::F32);
        assert_eq!(stored_dtype(&HashMap::new()), DType::F32);
    }
}
