//! Merging shards: every shard of a run writes its briefs and one manifest,
//! `<out>/shards/<I>-of-<N>.json` (see [`super::shard_manifest`]); the merge finds the
//! manifests of one run and builds `index.html`, `index.md` and `run.json` from all of them,
//! through the same [`parts::assemble_index`] a one-process run uses. The shard that finishes
//! a run's set merges it, once ([`merge_if_complete`]); `nashra merge` does it by hand
//! ([`merge_dir`]).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{Manifest, ShardReport, Unwritten};
use super::outcome::ExitStatus;
use super::parts::{self, Assembled, Mismatch, Part};
use super::paths::shards_dir;
use super::shard_manifest::ShardManifest;

/// Why a merge could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a shard manifest ({source})", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("no shard manifests in {}", .0.display())]
    NoShards(PathBuf),
    #[error(transparent)]
    Mismatch(#[from] Mismatch),
    #[error("{}: shard {} of {} missing ({})", out.display(), list(.missing), count, .stale_note)]
    Missing {
        out: PathBuf,
        missing: Vec<usize>,
        count: usize,
        stale_note: String,
    },
    #[error("not written: {}", .0.iter().map(Unwritten::to_string).collect::<Vec<_>>().join("; "))]
    NotWritten(Vec<Unwritten>),
}

fn list(v: &[usize]) -> String {
    v.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every readable shard manifest in `out`, with its path. A file that cannot be read or parsed
/// is an error naming it: a merge must not silently drop a shard.
pub fn read_manifests(out: &Path) -> Result<Vec<(PathBuf, ShardManifest)>, MergeError> {
    let dir = shards_dir(out);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MergeError::Io { path, source }
    };
    let entries = match std::fs::read_dir(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        r => r.map_err(io(&dir))?,
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_manifest_name(p))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            let m = serde_json::from_str(&text).map_err(|source| MergeError::Parse {
                path: path.clone(),
                source,
            })?;
            Ok((path, m))
        })
        .collect()
}

fn is_manifest_name(p: &Path) -> bool {
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.strip_suffix(".json")
        .and_then(|stem| stem.split_once("-of-"))
        .is_some_and(|(i, n)| i.parse::<usize>().is_ok() && n.parse::<usize>().is_ok())
}

/// The manifests of one run picked from a folder's: those sharing the run key of the most
/// recently finished manifest (another night's leftovers are set aside as stale).
pub struct ShardSet {
    pub count: usize,
    /// By shard index; `None` where the shard has not written its manifest.
    pub manifests: Vec<Option<ShardManifest>>,
    /// Manifests of other runs found in the folder.
    pub stale: Vec<PathBuf>,
}

impl ShardSet {
    /// Groups `found` by run; `key` picks the run (default: the newest manifest's).
    pub fn pick(found: Vec<(PathBuf, ShardManifest)>, key: Option<&str>) -> Option<Self> {
        let newest = found.iter().max_by_key(|(_, m)| m.finished_unix)?;
        let key = key.unwrap_or(&newest.1.run_key).to_string();
        let count = found.iter().find(|(_, m)| m.run_key == key)?.1.shard.count;
        let mut manifests: Vec<Option<ShardManifest>> = vec![None; count];
        let mut stale = Vec::new();
        for (path, m) in found {
            if m.run_key == key && m.shard.count == count && m.shard.index < count {
                let slot = &mut manifests[m.shard.index];
                if slot
                    .as_ref()
                    .is_none_or(|s| s.finished_unix <= m.finished_unix)
                {
                    *slot = Some(m);
                }
            } else {
                stale.push(path);
            }
        }
        Some(Self {
            count,
            manifests,
            stale,
        })
    }

    pub fn missing(&self) -> Vec<usize> {
        (0..self.count)
            .filter(|&i| self.manifests[i].is_none())
            .collect()
    }

    /// Index files and manifest of the shards present, in one-process order.
    pub fn assemble(&self) -> Result<Assembled, MergeError> {
        let present: Vec<&ShardManifest> = self.manifests.iter().flatten().collect();
        let shard_parts: Vec<&Part> = present.iter().map(|m| &m.part).collect();
        let reports = present.iter().map(|m| ShardReport::of(m)).collect();
        parts::assemble_index(&shard_parts, reports, self.missing()).map_err(MergeError::from)
    }

    /// Assembles the set and writes the run's index files and `run.json` into `out`.
    fn write(&self, out: &Path) -> Result<Manifest, MergeError> {
        let (manifest, failed) = parts::write_outputs(out, self.assemble()?);
        if failed.is_empty() {
            Ok(manifest)
        } else {
            Err(MergeError::NotWritten(failed))
        }
    }

    /// A name unique to this set of shard processes: the claim file that lets exactly one of
    /// the shards finishing together merge it.
    fn claim_name(&self) -> String {
        let mut h = Sha256::new();
        for m in self.manifests.iter().flatten() {
            h.update(m.nonce.as_bytes());
            h.update([0]);
        }
        format!(".merged-{}", hex::encode(&h.finalize()[..12]))
    }
}

/// What `nashra merge` did.
#[derive(Debug)]
pub struct MergeOutcome {
    pub manifest: Manifest,
    pub count: usize,
    pub missing: Vec<usize>,
    pub stale: Vec<PathBuf>,
    /// Done: every shard present and every article done; partial: articles failed or were
    /// skipped, or shards were missing (merged anyway with `partial`).
    pub status: ExitStatus,
}

/// Merges the shards in `out` into its index and `run.json`. Missing shards are an error
/// unless `partial` (then the index lists what the present shards wrote and `run.json`
/// names the missing ones).
pub fn merge_dir(out: &Path, partial: bool) -> Result<MergeOutcome, MergeError> {
    let found = read_manifests(out)?;
    let set = ShardSet::pick(found, None).ok_or_else(|| MergeError::NoShards(shards_dir(out)))?;
    let missing = set.missing();
    if !missing.is_empty() && !partial {
        return Err(MergeError::Missing {
            out: out.to_path_buf(),
            missing,
            count: set.count,
            stale_note: stale_note(&set.stale),
        });
    }
    let manifest = set.write(out)?;
    // Files a shard could not write are its own exit status's business, not the merge's.
    let status = ExitStatus::of(&manifest, false);
    Ok(MergeOutcome {
        manifest,
        count: set.count,
        missing,
        stale: set.stale,
        status,
    })
}

fn stale_note(stale: &[PathBuf]) -> String {
    if stale.is_empty() {
        "no manifest written; did the shard fail?".into()
    } else {
        format!(
            "no manifest written; {} manifest(s) of another run ignored: {}",
            stale.len(),
            stale
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Called by a shard after writing its own manifest: if every shard of its run has now
/// finished, and no other shard has claimed this set, merges it. Returns the merged manifest
/// when this shard did the merge.
pub fn merge_if_complete(out: &Path, own: &ShardManifest) -> Result<Option<Manifest>, MergeError> {
    let set = match ShardSet::pick(read_manifests(out)?, Some(&own.run_key)) {
        Some(s) if s.missing().is_empty() => s,
        _ => return Ok(None),
    };
    // Whoever creates the claim first merges; create_new is atomic on local and NFSv3+ disks.
    let claim = shards_dir(out).join(set.claim_name());
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&claim)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(source) => {
            return Err(MergeError::Io {
                path: claim,
                source,
            })
        }
    }
    remove_old_claims(out, &claim);
    set.write(out).map(Some)
}

fn remove_old_claims(out: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(shards_dir(out)) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let is_claim = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(".merged-"));
        if is_claim && p != keep {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::write_atomic;
    use crate::run::parts::tests::part;
    use crate::run::paths::shard_manifest;
    use crate::run::shard::{ShardAssignment, ShardSource};

    fn manifest(index: usize, count: usize, key: &str, finished: u64) -> ShardManifest {
        ShardManifest {
            shard: ShardAssignment {
                index,
                count,
                source: ShardSource::Flag,
                detail: String::new(),
            },
            run_key: key.into(),
            nonce: format!("{key}{index}{finished}"),
            finished_unix: finished,
            part: part(Vec::new(), Vec::new()),
        }
    }

    #[test]
    fn another_night_s_manifests_are_set_aside() {
        let found = vec![
            (
                PathBuf::from("0-of-3.json"),
                manifest(0, 3, "yesterday", 100),
            ),
            (
                PathBuf::from("1-of-3.json"),
                manifest(1, 3, "yesterday", 100),
            ),
            (PathBuf::from("0-of-2.json"), manifest(0, 2, "today", 200)),
            (PathBuf::from("1-of-2.json"), manifest(1, 2, "today", 201)),
        ];
        let set = ShardSet::pick(found.clone(), None).unwrap();
        assert_eq!((set.count, set.missing()), (2, vec![]));
        assert_eq!(set.stale.len(), 2);
        let set = ShardSet::pick(found[..3].to_vec(), None).unwrap();
        assert_eq!(set.missing(), vec![1]);
        let yesterday = ShardSet::pick(found, Some("yesterday")).unwrap();
        assert_eq!((yesterday.count, yesterday.missing()), (3, vec![2]));
    }

    #[test]
    fn one_shard_of_a_complete_set_merges_it_and_the_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let a = manifest(0, 2, "k", 1);
        let b = manifest(1, 2, "k", 2);
        for m in [&a, &b] {
            let json = serde_json::to_string(m).unwrap();
            write_atomic(&shard_manifest(out, m.shard.shard()), json.as_bytes()).unwrap();
        }
        assert!(merge_if_complete(out, &b).unwrap().is_some());
        assert!(
            merge_if_complete(out, &a).unwrap().is_none(),
            "merged twice"
        );
        assert!(out.join("run.json").is_file() && out.join("index.html").is_file());
        // A rerun of one shard makes a new set, merged again.
        let b2 = manifest(1, 2, "k", 3);
        let json = serde_json::to_string(&b2).unwrap();
        write_atomic(&shard_manifest(out, b2.shard.shard()), json.as_bytes()).unwrap();
        assert!(merge_if_complete(out, &b2).unwrap().is_some());
    }

    #[test]
    fn an_unreadable_manifest_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(shards_dir(dir.path())).unwrap();
        std::fs::write(shards_dir(dir.path()).join("0-of-2.json"), "{").unwrap();
        let e = merge_dir(dir.path(), false).unwrap_err().to_string();
        assert!(e.contains("0-of-2.json"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            merge_dir(empty.path(), true),
            Err(MergeError::NoShards(_))
        ));
    }
}
