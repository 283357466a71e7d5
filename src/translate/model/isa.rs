//! Which vector instructions the hot loops use — the one place that asks the CPU.
//!
//! A model picks its [`Isa`] once, when it is loaded ([`Isa::select`]: the best one present,
//! or the one `NASHRA_CPU=avx512|avx2|generic` forces, for tests and benchmarks), packs its
//! weights for it and records it as the [`Isa::active`] one, which the vocabulary-sized logit
//! passes, the host attention and the activations read (each through
//! `compiled_for_active_isa!`, which compiles one generic loop per path). Those passes compute the same values on every path
//! (the same operations, compiled for wider registers), so a model loaded with another choice
//! in the same process changes only their speed, never their results.

use std::sync::atomic::{AtomicU8, Ordering};

/// A family of x86-64 vector instructions the kernels have a path for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// Plain Rust, whatever the compiler makes of it for the baseline target.
    Generic,
    /// AVX2 with FMA and F16C (Intel since Haswell, AMD since Zen 1).
    Avx2,
    /// AVX-512 F, BW, DQ and VL, on top of everything [`Isa::Avx2`] needs.
    Avx512,
}

/// How a forced choice (`NASHRA_CPU`) cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsaError {
    #[error("NASHRA_CPU={0:?}: expected avx512, avx2 or generic")]
    Unknown(String),
    #[error("NASHRA_CPU={0}: this CPU lacks the instructions it needs")]
    Absent(&'static str),
}

/// The choice recorded by the last model loaded ([`Isa::active`]); `u8::MAX` before any.
static ACTIVE: AtomicU8 = AtomicU8::new(u8::MAX);

impl Isa {
    /// Every path, best first.
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2, Isa::Generic];

    /// The name `NASHRA_CPU` takes.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Generic => "generic",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the path.
    pub fn is_present(self) -> bool {
        match self {
            Isa::Generic => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::is_x86_feature_detected!("avx2")
                    && std::is_x86_feature_detected!("fma")
                    && std::is_x86_feature_detected!("f16c")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                Isa::Avx2.is_present()
                    && std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512dq")
                    && std::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The best path this CPU has.
    pub fn best() -> Isa {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.is_present())
            .unwrap_or(Isa::Generic)
    }

    /// The path a model loaded now uses: `NASHRA_CPU` when set (and not empty), else the best
    /// present, but at most AVX2 when `NASHRA_NO_AVX512` is set (the older switch, kept as an
    /// alias).
    pub fn select() -> Result<Isa, IsaError> {
        let forced = std::env::var("NASHRA_CPU").ok();
        Isa::choose(
            forced.as_deref(),
            std::env::var_os("NASHRA_NO_AVX512").is_some(),
        )
    }

    /// [`Isa::select`] for the given settings.
    fn choose(forced: Option<&str>, no_avx512: bool) -> Result<Isa, IsaError> {
        if let Some(forced) = forced.map(str::trim).filter(|f| !f.is_empty()) {
            let isa = Isa::ALL
                .into_iter()
                .find(|isa| isa.name().eq_ignore_ascii_case(forced))
                .ok_or_else(|| IsaError::Unknown(forced.to_string()))?;
            return if isa.is_present() {
                Ok(isa)
            } else {
                Err(IsaError::Absent(isa.name()))
            };
        }
        let best = Isa::best();
        if no_avx512 && best == Isa::Avx512 {
            return Ok(Isa::Avx2);
        }
        Ok(best)
    }

    /// Records `self` as the path of the vector passes outside the packed kernels.
    pub(crate) fn activate(self) {
        ACTIVE.store(self as u8, Ordering::Relaxed);
    }

    /// The path the last model loaded chose ([`Isa::best`] before any was loaded).
    pub(crate) fn active() -> Isa {
        match ACTIVE.load(Ordering::Relaxed) {
            x if x == Isa::Avx512 as u8 => Isa::Avx512,
            x if x == Isa::Avx2 as u8 => Isa::Avx2,
            x if x == Isa::Generic as u8 => Isa::Generic,
            _ => Isa::best(),
        }
    }

    /// Whether the AVX-512 path can use VNNI's `vpdpbusd` on 512-bit registers.
    pub(crate) fn has_avx512_vnni(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self == Isa::Avx512 && std::is_x86_feature_detected!("avx512vnni")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

impl Isa {
    /// Whether the AVX2 path can use AVX-VNNI's 256-bit `vpdpbusd` (Intel since Alder Lake,
    /// AMD since Zen 5).
    pub(crate) fn has_avx_vnni(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self == Isa::Avx2 && std::is_x86_feature_detected!("avxvnni")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

/// Defines a function that runs `$generic` (an `#[inline(always)]` function taking the same
/// arguments) compiled for the [`Isa::active`] one: once for AVX-512 (F, DQ, VL) and once for
/// AVX2, both with FMA, besides the baseline target. The copies are the same operations, so
/// every path computes the same values and only their speed differs:
///
/// ```ignore
/// compiled_for_active_isa! {
///     /// The largest value of `row`.
///     pub fn max(row: &[f32]) -> f32 => max_generic
/// }
/// ```
macro_rules! compiled_for_active_isa {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $generic:ident
    ) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            /// The generic function compiled for AVX-512.
            ///
            /// # Safety
            /// The CPU has AVX512F, AVX512DQ, AVX512VL, AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
            unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                $generic($($arg),*)
            }

            /// The generic function compiled for AVX2.
            ///
            /// # Safety
            /// The CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                $generic($($arg),*)
            }

            #[cfg(target_arch = "x86_64")]
            {
                use $crate::translate::model::Isa;
                match Isa::active() {
                    // SAFETY: the active ISA is present (`Isa::activate` takes only present
                    // ones), and each has what its copy is compiled for.
                    Isa::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    Isa::Avx2 => return unsafe { avx2($($arg),*) },
                    Isa::Generic => {}
                }
            }
            $generic($($arg),*)
        }
    };
}
pub(crate) use compiled_for_active_isa;

impl std::fmt::Display for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_up_to_the_best_is_present() {
        for isa in Isa::ALL {
            assert_eq!(isa.is_present(), isa <= Isa::best(), "{isa}");
        }
    }

    #[test]
    fn a_forced_path_is_taken_when_present_and_refused_otherwise() {
        assert_eq!(Isa::choose(None, false), Ok(Isa::best()));
        assert_eq!(Isa::choose(Some(""), false), Ok(Isa::best()));
        assert_eq!(Isa::choose(Some(" Generic "), false), Ok(Isa::Generic));
        assert_eq!(
            Isa::choose(Some("avx"), false),
            Err(IsaError::Unknown("avx".into()))
        );
        for isa in Isa::ALL {
            let chosen = Isa::choose(Some(isa.name()), false);
            if isa.is_present() {
                assert_eq!(chosen, Ok(isa));
            } else {
                assert_eq!(chosen, Err(IsaError::Absent(isa.name())));
            }
        }
        let capped = Isa::choose(None, true).unwrap();
        assert!(capped <= Isa::Avx2 && capped.is_present());
    }
}
