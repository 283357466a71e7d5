//! Checkpoints without files: the tensor names and shapes a configuration implies, and random
//! weights of that shape (benchmarks of the real architecture where the real weights are not
//! available).

use candle_core::{DType, Device, Result, Tensor};

use crate::translate::config::MarianConfig;

/// The name and shape of every tensor a Marian checkpoint of this configuration holds (what
/// [`Seq2SeqModel::load`](super::Seq2SeqModel::load) reads).
pub fn parameter_shapes(cfg: &MarianConfig) -> Vec<(String, Vec<usize>)> {
    let d = cfg.d_model;
    let mut out = vec![
        ("model.shared.weight".to_string(), vec![cfg.vocab_size, d]),
        ("final_logits_bias".to_string(), vec![1, cfg.vocab_size]),
    ];
    let mut linear = |prefix: String, i: usize, o: usize| {
        out.push((format!("{prefix}.weight"), vec![o, i]));
        out.push((format!("{prefix}.bias"), vec![o]));
    };
    for (side, layers, ffn) in [
        ("encoder", cfg.encoder_layers, cfg.encoder_ffn_dim),
        ("decoder", cfg.decoder_layers, cfg.decoder_ffn_dim),
    ] {
        for l in 0..layers {
            let p = format!("model.{side}.layers.{l}");
            let mut attns = vec!["self_attn"];
            if side == "decoder" {
                attns.push("encoder_attn");
            }
            for a in &attns {
                for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                    linear(format!("{p}.{a}.{proj}"), d, d);
                }
                // Layer norms are written below, after the projections.
            }
            linear(format!("{p}.fc1"), d, ffn);
            linear(format!("{p}.fc2"), ffn, d);
            for a in attns {
                linear(format!("{p}.{a}_layer_norm"), 0, d);
            }
            linear(format!("{p}.final_layer_norm"), 0, d);
        }
    }
    // Layer norms have a weight and a bias of size d (the input size 0 above marks them).
    for (name, shape) in out.iter_mut() {
        if name.contains("layer_norm") && shape.len() == 2 {
            *shape = vec![shape[0]];
        }
    }
    out
}

/// A model of the given shape with random weights (N(0, 0.05), layer-norm scales 1), built
/// without any file: for benchmarks of the real architecture where the real weights are not
/// available.
pub fn random_weights(
    cfg: &MarianConfig,
    device: &Device,
) -> Result<std::collections::HashMap<String, Tensor>> {
    let mut map = std::collections::HashMap::new();
    for (name, shape) in parameter_shapes(cfg) {
        let t = if name.contains("layer_norm") && name.ends_with("weight") {
            Tensor::ones(shape.as_slice(), DType::F32, device)?
        } else {
            Tensor::randn(0f32, 0.05, shape.as_slice(), device)?
        };
        map.insert(name, t);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_shapes_match_a_real_checkpoint() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/aren");
        let cfg = MarianConfig::from_file(&dir.join("config.json")).unwrap();
        let st =
            candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu).unwrap();
        let shapes = parameter_shapes(&cfg);
        assert_eq!(shapes.len(), st.len());
        for (name, shape) in shapes {
            assert_eq!(st[&name].dims(), shape.as_slice(), "{name}");
        }
    }
}
