//! The nightly batch job (`nashra run`): a folder of raw articles in, a folder of bilingual
//! briefs out, an index and a run manifest — fast, incremental, and unable to lose finished
//! work.
//!
//! A run is a value, [`Run`], driven through named stages (see [`run`]):
//! `start` (output folder, lock, cache) → `ingest` (discover and read files) → `clean`
//! (decode and structure articles) → per group of articles, `translate` (the sentences still
//! missing from the cache, in length-sorted batches across articles, each batch's results
//! appended to the cache and synced before the next), `summarize` (abstractive summaries, when
//! briefs show them, cached the same way) and `render` (briefs, each file written
//! atomically) → `report` (index and `run.json`, written even when briefs failed). A run killed
//! at any point leaves only complete files, and the next run picks up from the cache, redoing
//! at most the batches that were in flight.
//!
//! # Modules, in dependency order
//!
//! Each module uses only those above it (none imports this file's items, which are
//! re-exports and the top-level flow):
//!
//! - [`shard`]: which shard this process is (`--shard`, Slurm, Kubernetes) and which
//!   articles are its; [`lock`]: the output folder's lock; [`cache`]: the translation
//!   cache.
//! - [`settings`]: what a caller gives a run (formats, settings, progress);
//!   [`brief`]: an article's brief from its translations ([`build_brief`]).
//! - [`paths`]: every path a run writes; [`manifest`]: `run.json`'s format.
//! - [`outcome`]: how a run or a merge ended ([`ExitStatus`]) and why a run could not start.
//! - [`parts`]: what every run shares, one-process or sharded: each item's place in the
//!   run ([`parts::Ordered`], [`parts::share`]), a process's [`parts::Part`], the index and
//!   `run.json` assembled from parts ([`parts::assemble_index`]) and written
//!   ([`parts::write_outputs`]).
//! - [`shard_manifest`]: the manifest a shard writes, and its run's identity.
//! - [`merge`]: finding a run's shard manifests and merging them, once.
//! - `stages`: [`Run`], the stages above in order.

pub mod brief;
pub mod cache;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod outcome;
pub mod parts;
pub mod paths;
pub mod settings;
pub mod shard;
pub mod shard_manifest;
mod stages;

pub use brief::build_brief;
pub use lock::{LockError, RunLock};
pub use manifest::Manifest;
pub use outcome::{ExitStatus, RunError, RunOutcome};
pub use paths::RunPaths;
pub use settings::{Formats, Models, Progress, RunSettings, Silent, SummaryCheck, SummaryKind};
pub use stages::{lock_out, Run};

/// Runs the whole job, stage by stage. Errors are returned only when nothing can run; a bad
/// article is recorded in the manifest and the others complete.
pub fn run(
    settings: &RunSettings,
    models: Models,
    progress: &mut dyn Progress,
) -> Result<RunOutcome, RunError> {
    let paths = RunPaths::of(settings);
    let lock = lock_out(&paths, settings.wait_for_lock)?;
    run_locked(settings, models, paths, lock, progress)
}

/// [`run`] on `paths`, whose lock the caller took (before loading the model, say).
pub fn run_locked(
    settings: &RunSettings,
    models: Models,
    paths: RunPaths,
    lock: RunLock,
    progress: &mut dyn Progress,
) -> Result<RunOutcome, RunError> {
    let mut run = Run::start_locked(settings, models, paths, lock)?;
    run.ingest()?;
    run.clean(progress);
    run.shard();
    for group in run.groups() {
        run.translate(group.clone(), progress)?;
        run.summarize(group.clone(), progress)?;
        run.render(group, progress);
    }
    Ok(run.report())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// The first path segment after each `super::` or `crate::run::` in `code`: the sibling
    /// module it names (or an item of this file, which no sibling may use).
    fn named_after(code: &str, prefix: &str) -> Vec<String> {
        let mut names = Vec::new();
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            let group = match rest.strip_prefix('{') {
                Some(inner) => &inner[..inner.find('}').unwrap_or(inner.len())],
                None => rest,
            };
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    names.push(name);
                }
                if !rest.starts_with('{') {
                    break;
                }
            }
        }
        names
    }

    /// Each file of `src/run/` (but this one), with the modules of `src/run/` its code (tests
    /// and comments aside) uses.
    fn uses() -> BTreeMap<String, BTreeSet<String>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/run");
        let mut uses = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if name == "mod" || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code: String = text[..text.find("#[cfg(test)]").unwrap_or(text.len())]
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let mut names = named_after(&code, "super::");
            names.extend(named_after(&code, "crate::run::"));
            uses.insert(name, names.into_iter().collect());
        }
        uses
    }

    #[test]
    fn the_modules_of_run_use_each_other_without_a_circle() {
        let mut left = uses();
        let modules: BTreeSet<String> = left.keys().cloned().collect();
        for (name, used) in &left {
            let unknown: Vec<_> = used.difference(&modules).collect();
            assert!(unknown.is_empty(), "{name}.rs uses mod.rs's {unknown:?}");
        }
        // Take out, round by round, the modules that use only modules already taken out.
        while !left.is_empty() {
            let ready: Vec<String> = left
                .iter()
                .filter(|(_, used)| used.iter().all(|u| !left.contains_key(u)))
                .map(|(name, _)| name.clone())
                .collect();
            assert!(!ready.is_empty(), "a circle among {left:?}");
            for name in ready {
                left.remove(&name);
            }
        }
    }
}
