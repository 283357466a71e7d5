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

/// Loads every tensor of a weights file on `device`, keyed by name: float16 tensors stay
/// float16 (the packed kernels widen them exactly, inside the tile, and the model widens the
/// small ones at load), every other type becomes f32. [`stored_dtype`] says which precision a
/// checkpoint is held in.
///
/// Tied weights that a checkpoint may store under only one of their names (the shared
/// embedding appears as `model.shared.weight`, `model.encoder.embed_tokens.weight`,
/// `model.decoder.embed_tokens.weight` or `lm_head.weight`) are made available under
/// `model.shared.weight`; a checkpoint without `final_logits_bias` gets zeros, as transformers
/// initialises that buffer.
pub fn load(
    path: &Path,
    format: WeightsFormat,
    device: &Device,
) -> Result<HashMap<String, Tensor>, TranslateError> {
    let corrupt = |message: String| TranslateError::CorruptWeights {
        path: path.to_path_buf(),
        message,
    };
    if !path.is_file() {
        return Err(TranslateError::MissingFile {
            path: path.to_path_buf(),
        });
    }
    let raw: Vec<(String, Tensor)> = match format {
        WeightsFormat::Safetensors => load_safetensors(path, device, &corrupt)?,
        WeightsFormat::Pytorch => candle_core::pickle::read_all(path)
            .map_err(|e| corrupt(format!("not a readable PyTorch checkpoint ({e})")))?,
    };
    if raw.is_empty() {
        return Err(corrupt("the file holds no tensors".into()));
    }
    let mut tensors = HashMap::with_capacity(raw.len());
    for (name, t) in raw {
        let t = match t.dtype() {
            DType::F32 | DType::F16 => t,
            _ => t
                .to_dtype(DType::F32)
                .map_err(|e| corrupt(format!("tensor {name}: {e}")))?,
        };
        tensors.insert(name, t);
    }
    if !tensors.contains_key("model.shared.weight") {
        for alias in [
            "model.encoder.embed_tokens.weight",
            "model.decoder.embed_tokens.weight",
            "lm_head.weight",
        ] {
            if let Some(t) = tensors.get(alias).cloned() {
                tensors.insert("model.shared.weight".into(), t);
                break;
            }
        }
    }
    if !tensors.contains_key("final_logits_bias") {
        if let Some(shared) = tensors.get("model.shared.weight") {
            let vocab = shared.dim(0).map_err(|e| corrupt(e.to_string()))?;
            // In the checkpoint's own precision, so that it does not make a float16
            // checkpoint look mixed (zero is exact in both).
            let zeros = Tensor::zeros((1, vocab), shared.dtype(), device)
                .map_err(|e| corrupt(e.to_string()))?;
            tensors.insert("final_logits_bias".into(), zeros);
        }
    }
    Ok(tensors)
}

/// Every tensor of a safetensors file, copied out of a read-only map one at a time. Each
/// tensor's pages are given back as soon as it is copied, so that the file's pages and their
/// copies are never resident together: loading distilbart-cnn (1.2 GB) peaked at the file
/// plus its copy before.
fn load_safetensors(
    path: &Path,
    device: &Device,
    corrupt: &dyn Fn(String) -> TranslateError,
) -> Result<Vec<(String, Tensor)>, TranslateError> {
    use candle_core::safetensors::Load;
    let unreadable =
        |e: &dyn std::fmt::Display| corrupt(format!("not a readable safetensors file ({e})"));
    let file = std::fs::File::open(path).map_err(|e| TranslateError::file(path, e))?;
    // SAFETY: the map is read-only and every tensor is copied out of it before this returns;
    // a file truncated underneath us could still fault, as with any mmap reader.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| unreadable(&e))?;
    let st = safetensors::SafeTensors::deserialize(&map).map_err(|e| unreadable(&e))?;
    let mut tensors = Vec::new();
    for (name, view) in st.tensors() {
        let t = view
            .load(device)
            .map_err(|e| corrupt(format!("tensor {name}: {e}")))?;
        let offset = view.data().as_ptr() as usize - map.as_ptr() as usize;
        // SAFETY: a read-only file mapping: the pages dropped are read again from the file if
        // ever touched, and nothing here touches them again. (Only a hint: an error is moot.)
        let _ = unsafe {
            map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                offset,
                view.data().len(),
            )
        };
        tensors.push((name, t));
    }
    Ok(tensors)
}

/// A checkpoint's tensors for a [`candle_nn::VarBuilder`] that hands each one out once and
/// forgets it, so that a layer's originals are freed as soon as the layer is packed rather
/// than when the whole model is: loading then holds one copy of the checkpoint, not two
/// (float32), or one layer's float32 tensors beside the packed model (int8). The shared
/// embedding (read for the input embedding and again for the output projection) and the
/// final logits bias stay until the end.
pub struct HandOut {
    tensors: std::sync::Mutex<HashMap<String, Tensor>>,
}

/// Tensors the model reads more than once.
const READ_AGAIN: [&str; 2] = ["model.shared.weight", "final_logits_bias"];

impl HandOut {
    pub fn new(tensors: HashMap<String, Tensor>) -> Self {
        Self {
            tensors: std::sync::Mutex::new(tensors),
        }
    }

    fn take(&self, name: &str) -> candle_core::Result<Tensor> {
        let mut tensors = self.tensors.lock().unwrap_or_else(|e| e.into_inner());
        let tensor = match READ_AGAIN.contains(&name) {
            true => tensors.get(name).cloned(),
            false => tensors.remove(name),
        };
        tensor.ok_or_else(|| candle_core::Error::CannotFindTensor {
            path: name.to_string(),
        })
    }
}

impl candle_nn::var_builder::SimpleBackend for HandOut {
    fn get(
        &self,
        shape: candle_core::Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let tensor = self.take(name)?;
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
        self.take(name)?.to_device(device)?.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let tensors = self.tensors.lock().unwrap_or_else(|e| e.into_inner());
        tensors.contains_key(name)
    }
}

/// The precision a loaded checkpoint is held in: float16 when every tensor is float16 (as
/// the tc-big OPUS-MT checkpoints are), else f32 (mixed checkpoints are widened whole, so no
/// f32 value is ever rounded to float16).
pub fn stored_dtype(tensors: &HashMap<String, Tensor>) -> DType {
    if !tensors.is_empty() && tensors.values().all(|t| t.dtype() == DType::F16) {
        DType::F16
    } else {
        DType::F32
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
