//! Shards: one run split over many processes or machines (Slurm array jobs, Kubernetes
//! Indexed Jobs), each taking a deterministic share of the articles.
//!
//! An article belongs to shard `hash(content id) mod N`, so it lands in the same shard
//! whatever the order of the files, the machine or the other articles of the night. The
//! shard comes from `--shard I/N`, else from the scheduler's environment: Slurm's
//! `SLURM_ARRAY_TASK_ID` (with `SLURM_ARRAY_TASK_MIN`, `SLURM_ARRAY_TASK_COUNT` and
//! `SLURM_ARRAY_TASK_STEP`/`SLURM_ARRAY_TASK_MAX`: arrays need not start at 0 and may have a
//! step) or Kubernetes' `JOB_COMPLETION_INDEX` (with the count from `--shards N` or
//! `NASHRA_SHARDS`). The flag wins over the environment.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Shard `index` of `count` (0-based; `index < count`, `count >= 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// Where a shard assignment came from, recorded in the shard's manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardSource {
    /// `--shard I/N`.
    Flag,
    /// A Slurm array task's environment.
    Slurm,
    /// A Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`.
    Kubernetes,
}

/// A shard and its provenance: what `run.json` records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardAssignment {
    pub index: usize,
    pub count: usize,
    pub source: ShardSource,
    /// The values it was read from, e.g. `SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 …`.
    pub detail: String,
}

impl ShardAssignment {
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.index,
            count: self.count,
        }
    }
}

/// A shard setting that cannot be used; the message names the flag or variable and its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("{name}={value:?}: {reason}")]
    Malformed {
        name: String,
        value: String,
        reason: String,
    },
    #[error("{0}")]
    Inconsistent(String),
}

fn malformed(name: &str, value: &str, reason: impl Into<String>) -> ShardError {
    ShardError::Malformed {
        name: name.to_string(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

impl Shard {
    /// The shard `id` belongs to among `count` shards: the first 8 bytes of SHA-256(id) as a
    /// big-endian integer, modulo `count`. A hash rather than a rank in the sorted ids, so an
    /// article's shard never depends on which other articles came in the same night.
    pub fn of(id: &str, count: usize) -> usize {
        let digest = Sha256::digest(id.as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(head) % count.max(1) as u64) as usize
    }

    /// Whether the article with content id `id` is this shard's.
    pub fn contains(&self, id: &str) -> bool {
        Self::of(id, self.count) == self.index
    }

    /// Parses `I/N` (0-based `I`, e.g. `0/3`, `2/3`).
    pub fn parse(s: &str) -> Result<Self, ShardError> {
        let name = "--shard";
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| malformed(name, s, "expected I/N, e.g. 0/3"))?;
        let index = parse_number(name, i.trim(), s)?;
        let count = parse_number(name, n.trim(), s)?;
        Self::checked(index, count).map_err(|reason| malformed(name, s, reason))
    }

    fn checked(index: usize, count: usize) -> Result<Self, String> {
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range: shards are numbered 0 to {}",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }

    /// The stem used for this shard's files: `1-of-3`.
    pub fn file_stem(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

fn parse_number(name: &str, text: &str, whole: &str) -> Result<usize, ShardError> {
    text.parse::<usize>()
        .map_err(|_| malformed(name, whole, format!("{text:?} is not a whole number")))
}

/// Decides the shard of this process. `flag` is `--shard I/N`, `shards` is `--shards N` or
/// `NASHRA_SHARDS`, `env` looks up an environment variable (empty values count as unset).
/// `Ok(None)`: not sharded.
pub fn resolve(
    flag: Option<&str>,
    shards: Option<usize>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ShardAssignment>, ShardError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(flag) = flag {
        let s = Shard::parse(flag)?;
        if let Some(n) = shards.filter(|&n| n != s.count) {
            return Err(ShardError::Inconsistent(format!(
                "--shard {flag} and --shards {n} disagree on the number of shards"
            )));
        }
        return Ok(Some(ShardAssignment {
            index: s.index,
            count: s.count,
            source: ShardSource::Flag,
            detail: format!("--shard {flag}"),
        }));
    }
    let slurm = var("SLURM_ARRAY_TASK_ID");
    let kube = var("JOB_COMPLETION_INDEX");
    match (slurm, kube) {
        (Some(_), Some(_)) => Err(ShardError::Inconsistent(
            "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set: give --shard I/N".into(),
        )),
        (Some(id), None) => from_slurm(&id, shards, &var).map(Some),
        (None, Some(index)) => from_kubernetes(&index, shards).map(Some),
        (None, None) => match shards {
            Some(n) if n > 1 => Err(ShardError::Inconsistent(format!(
                "{n} shards requested (--shards or NASHRA_SHARDS) but no shard index: give \
                 --shard I/{n}, or run as a Slurm array task or a Kubernetes Indexed Job"
            ))),
            _ => Ok(None),
        },
    }
}

fn env_number(
    var: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<usize>, ShardError> {
    var(name)
        .map(|v| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| malformed(name, &v, "not a whole number"))
        })
        .transpose()
}

/// Slurm numbers array tasks with any ids (`--array=4-6`, `--array=0-10:2`): the shard index
/// is the task's position in the evenly spaced range `MIN, MIN+STEP, …`.
fn from_slurm(
    id_text: &str,
    shards: Option<usize>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<ShardAssignment, ShardError> {
    let id = env_number(var, "SLURM_ARRAY_TASK_ID")?.expect("checked by the caller");
    let min = env_number(var, "SLURM_ARRAY_TASK_MIN")?.ok_or_else(|| {
        malformed(
            "SLURM_ARRAY_TASK_ID",
            id_text,
            "SLURM_ARRAY_TASK_MIN is not set (is this a Slurm array task?)",
        )
    })?;
    let max = env_number(var, "SLURM_ARRAY_TASK_MAX")?;
    let step_var = env_number(var, "SLURM_ARRAY_TASK_STEP")?;
    let count = match env_number(var, "SLURM_ARRAY_TASK_COUNT")? {
        Some(c) => c,
        None => match max {
            Some(max) if max >= min => (max - min) / step_var.unwrap_or(1).max(1) + 1,
            _ => {
                return Err(malformed(
                    "SLURM_ARRAY_TASK_ID",
                    id_text,
                    "neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set",
                ))
            }
        },
    };
    let step = slurm_step(step_var, min, max, count)?;
    let detail = format!(
        "SLURM_ARRAY_TASK_ID={id} SLURM_ARRAY_TASK_MIN={min} SLURM_ARRAY_TASK_COUNT={count}{}",
        step_var
            .map(|s| format!(" SLURM_ARRAY_TASK_STEP={s}"))
            .unwrap_or_default()
    );
    let bad = |reason: String| ShardError::Inconsistent(format!("{detail}: {reason}"));
    if id < min || !(id - min).is_multiple_of(step) {
        return Err(bad(format!(
            "task id is not in the range {min}, {}, … (step {step}); use an evenly spaced \
             --array=A-B[:S] or give --shard I/N",
            min + step
        )));
    }
    let index = (id - min) / step;
    let shard = Shard::checked(index, count).map_err(bad)?;
    if let Some(n) = shards.filter(|&n| n != count) {
        return Err(bad(format!(
            "the array has {count} tasks but --shards/NASHRA_SHARDS says {n}"
        )));
    }
    Ok(ShardAssignment {
        index: shard.index,
        count: shard.count,
        source: ShardSource::Slurm,
        detail,
    })
}

/// The array's step: `SLURM_ARRAY_TASK_STEP` when set, else derived from MIN, MAX and COUNT
/// (older Slurm leaves STEP unset), else 1. An id list that is not an evenly spaced range
/// (`--array=1,3,7`) is refused: no index could be derived from it.
fn slurm_step(
    step: Option<usize>,
    min: usize,
    max: Option<usize>,
    count: usize,
) -> Result<usize, ShardError> {
    let derived = match (max, count) {
        (Some(max), c) if c > 1 && max >= min => {
            let span = max - min;
            if !span.is_multiple_of(c - 1) {
                None
            } else {
                Some(span / (c - 1))
            }
        }
        _ => None,
    };
    let step = match (step, derived) {
        (Some(0), _) => {
            return Err(malformed(
                "SLURM_ARRAY_TASK_STEP",
                "0",
                "must be at least 1",
            ))
        }
        (Some(s), _) => s,
        (None, Some(d)) if d > 0 => d,
        _ => 1,
    };
    if let Some(max) = max {
        if count > 0 && min + (count - 1) * step != max {
            return Err(ShardError::Inconsistent(format!(
                "SLURM_ARRAY_TASK_MIN={min} SLURM_ARRAY_TASK_MAX={max} SLURM_ARRAY_TASK_COUNT=\
                 {count}: the array ids are not an evenly spaced range (step {step}); use \
                 --array=A-B[:S] or give --shard I/N"
            )));
        }
    }
    Ok(step)
}

fn from_kubernetes(index_text: &str, shards: Option<usize>) -> Result<ShardAssignment, ShardError> {
    let name = "JOB_COMPLETION_INDEX";
    let index = index_text
        .trim()
        .parse::<usize>()
        .map_err(|_| malformed(name, index_text, "not a whole number"))?;
    let count = shards.ok_or_else(|| {
        malformed(
            name,
            index_text,
            "the number of shards is unknown: set --shards N or NASHRA_SHARDS to the Job's \
             completions",
        )
    })?;
    let shard = Shard::checked(index, count).map_err(|reason| {
        malformed(
            name,
            index_text,
            format!("{reason} (--shards/NASHRA_SHARDS is {count})"),
        )
    })?;
    Ok(ShardAssignment {
        index: shard.index,
        count: shard.count,
        source: ShardSource::Kubernetes,
        detail: format!("JOB_COMPLETION_INDEX={index} NASHRA_SHARDS={count}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn shard_of(r: Result<Option<ShardAssignment>, ShardError>) -> Shard {
        r.unwrap().unwrap().shard()
    }

    #[test]
    fn every_id_lands_in_exactly_one_shard_and_shards_are_balanced() {
        let ids: Vec<String> = (0..3000).map(|i| format!("{i:016x}")).collect();
        for n in [1, 2, 3, 4, 7] {
            let mut sizes = vec![0usize; n];
            for id in &ids {
                let owners: Vec<usize> = (0..n)
                    .filter(|&i| Shard { index: i, count: n }.contains(id))
                    .collect();
                assert_eq!(owners.len(), 1, "{id} in {owners:?} of {n}");
                sizes[owners[0]] += 1;
            }
            let expected = ids.len() / n;
            for s in sizes {
                assert!(
                    s.abs_diff(expected) < expected / 5 + 5,
                    "{n} shards: {s} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn the_partition_is_a_pure_function_of_the_id() {
        // Pinned values: a change here moves articles between shards across versions.
        assert_eq!(
            Shard::of("a1b9ebf1cb051c4a", 3),
            Shard::of("a1b9ebf1cb051c4a", 3)
        );
        let pinned: Vec<usize> = ["a", "b", "c", "d"]
            .iter()
            .map(|id| Shard::of(id, 4))
            .collect();
        let digest_head = |id: &str| {
            let d = Sha256::digest(id.as_bytes());
            (u64::from_be_bytes(d[..8].try_into().unwrap()) % 4) as usize
        };
        let expected: Vec<usize> = ["a", "b", "c", "d"]
            .iter()
            .map(|id| digest_head(id))
            .collect();
        assert_eq!(pinned, expected);
        assert_eq!(Shard::of("anything", 1), 0);
    }

    #[test]
    fn parses_the_flag_and_rejects_malformed_values() {
        assert_eq!(Shard::parse("1/3").unwrap(), Shard { index: 1, count: 3 });
        assert_eq!(
            Shard::parse(" 0 / 1 ").unwrap(),
            Shard { index: 0, count: 1 }
        );
        for bad in ["3/3", "1/0", "1", "a/3", "1/b", "-1/3", "1/3/4", ""] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("--shard"), "{bad}: {e}");
        }
        assert!(Shard::parse("3/3")
            .unwrap_err()
            .to_string()
            .contains("0 to 2"));
    }

    #[test]
    fn slurm_arrays_need_not_start_at_zero() {
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        let a = resolve(None, None, &e).unwrap().unwrap();
        assert_eq!(a.shard(), Shard::parse("1/3").unwrap());
        assert_eq!(a.source, ShardSource::Slurm);
        assert!(a.detail.contains("SLURM_ARRAY_TASK_ID=5"), "{}", a.detail);
    }

    #[test]
    fn slurm_arrays_may_have_a_step_given_or_derived() {
        // (ID, MIN, MAX, STEP, COUNT) → the shard; --array=10-20:5 gives ids 10, 15, 20.
        let cases = [
            (["15", "10", "20", "5", "3"], Shard { index: 1, count: 3 }),
            (["20", "10", "20", "", "3"], Shard { index: 2, count: 3 }),
            (["7", "1", "7", "3", ""], Shard { index: 2, count: 3 }),
        ];
        for (values, shard) in cases {
            let names =
                ["ID", "MIN", "MAX", "STEP", "COUNT"].map(|n| format!("SLURM_ARRAY_TASK_{n}"));
            let set: Vec<(&str, &str)> = names
                .iter()
                .zip(values)
                .filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| (n.as_str(), v))
                .collect();
            assert_eq!(
                shard_of(resolve(None, None, &env(&set))),
                shard,
                "{values:?}"
            );
        }
    }

    #[test]
    fn irregular_or_malformed_slurm_arrays_are_clear_errors() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_MIN", "0")],
                "SLURM_ARRAY_TASK_ID=\"x\"",
            ),
            (
                &[("SLURM_ARRAY_TASK_ID", "3")],
                "SLURM_ARRAY_TASK_MIN is not set",
            ),
            (
                &[
                    ("SLURM_ARRAY_TASK_ID", "3"),
                    ("SLURM_ARRAY_TASK_MIN", "1"),
                    ("SLURM_ARRAY_TASK_MAX", "7"),
                    ("SLURM_ARRAY_TASK_COUNT", "3"),
                    ("SLURM_ARRAY_TASK_STEP", "1"),
                ],
                "not an evenly spaced range",
            ),
            (
                &[
                    ("SLURM_ARRAY_TASK_ID", "9"),
                    ("SLURM_ARRAY_TASK_MIN", "4"),
                    ("SLURM_ARRAY_TASK_COUNT", "3"),
                ],
                "out of range",
            ),
            (
                &[
                    ("SLURM_ARRAY_TASK_ID", "2"),
                    ("SLURM_ARRAY_TASK_MIN", "4"),
                    ("SLURM_ARRAY_TASK_COUNT", "3"),
                ],
                "not in the range",
            ),
            (
                &[
                    ("SLURM_ARRAY_TASK_ID", "1"),
                    ("SLURM_ARRAY_TASK_MIN", "0"),
                    ("SLURM_ARRAY_TASK_COUNT", "three"),
                ],
                "SLURM_ARRAY_TASK_COUNT=\"three\"",
            ),
        ];
        for (pairs, needle) in cases {
            let e = resolve(None, None, &env(pairs)).unwrap_err().to_string();
            assert!(e.contains(needle), "{pairs:?}: {e}");
        }
    }

    #[test]
    fn kubernetes_index_needs_a_count() {
        let e = env(&[("JOB_COMPLETION_INDEX", "2")]);
        let a = resolve(None, Some(4), &e).unwrap().unwrap();
        assert_eq!(
            (a.shard(), a.source),
            (Shard { index: 2, count: 4 }, ShardSource::Kubernetes)
        );
        let err = resolve(None, None, &e).unwrap_err().to_string();
        assert!(err.contains("NASHRA_SHARDS"), "{err}");
        let err = resolve(None, Some(2), &e).unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
        let err = resolve(None, Some(2), &env(&[("JOB_COMPLETION_INDEX", "one")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("JOB_COMPLETION_INDEX=\"one\""), "{err}");
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            ("JOB_COMPLETION_INDEX", "1"),
        ]);
        let a = resolve(Some("2/5"), None, &e).unwrap().unwrap();
        assert_eq!(
            (a.shard(), a.source),
            (Shard { index: 2, count: 5 }, ShardSource::Flag)
        );
        assert!(resolve(Some("2/5"), Some(4), &e).is_err());
        // Without the flag, two schedulers at once are ambiguous.
        assert!(resolve(None, Some(2), &e).is_err());
    }

    #[test]
    fn no_shard_without_an_index() {
        assert_eq!(resolve(None, None, &env(&[])).unwrap(), None);
        assert_eq!(resolve(None, Some(1), &env(&[])).unwrap(), None);
        assert_eq!(
            resolve(None, None, &env(&[("SLURM_ARRAY_TASK_ID", "")])).unwrap(),
            None
        );
        let e = resolve(None, Some(3), &env(&[])).unwrap_err().to_string();
        assert!(e.contains("no shard index"), "{e}");
    }
}
