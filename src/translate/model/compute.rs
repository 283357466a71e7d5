//! How a model computes, chosen at load: the instruction set of its kernels and the precision
//! its projections' weights are kept in.

use super::isa::{Isa, IsaError};

/// Whether the projections' weights are quantized to int8 at load.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Quantize {
    /// Weights kept in the checkpoint's precision (f16 stays f16, everything else f32).
    #[default]
    None,
    /// Every projection, the output projection included, in int8 (see `kernels::int8`).
    Int8,
}

impl Quantize {
    pub fn is_none(&self) -> bool {
        *self == Quantize::None
    }

    pub fn name(self) -> &'static str {
        match self {
            Quantize::None => "none",
            Quantize::Int8 => "int8",
        }
    }
}

impl std::fmt::Display for Quantize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Quantize {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let names = [("none", Self::None), ("", Self::None), ("int8", Self::Int8)];
        crate::translate::from_name(&s.trim().to_ascii_lowercase(), &names, "quantization")
    }
}

/// How a model computes, fixed when it is loaded: the instructions its kernels use and the
/// precision its projections' weights are kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compute {
    pub isa: Isa,
    pub quantize: Quantize,
}

impl Compute {
    /// The ISA [`Isa::select`] picks (honouring `NASHRA_CPU`), with `quantize`.
    pub fn select(quantize: Quantize) -> std::result::Result<Self, IsaError> {
        Ok(Self {
            isa: Isa::select()?,
            quantize,
        })
    }
}
