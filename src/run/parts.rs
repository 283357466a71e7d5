//! The parts every run is made of, one-process or sharded: each item's place in the run, what
//! one process contributes ([`Part`]), the run's index and `run.json` assembled from its parts
//! ([`assemble_index`]), and writing them ([`write_outputs`]).
//!
//! A one-process run is a single [`Part`]; a sharded run is one part per shard, merged (see
//! [`super::merge`]). Both go through the same [`assemble_index`], so a merged run's index is
//! byte-identical to a one-process run's, and its `run.json` differs only where it must
//! (timings, translated/cached split, the shard list). Every record and index entry carries
//! its place in a one-process run ([`Ordered`]): every shard reads all the articles to learn
//! their ids, so it knows these places.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::manifest::{
    AbstractiveCounts, ArticleRecord, Manifest, Settings, ShardReport, StageTimes, Unwritten, Work,
};
use super::paths;
use super::shard::Shard;
use crate::brief::{IndexEntry, ModelInfo};
use crate::fsutil::write_if_changed;
use crate::render;

/// An item with its place in a one-process run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ordered<T> {
    pub order: usize,
    #[serde(flatten)]
    pub item: T,
}

impl<T> Ordered<T> {
    /// Another item in the same place (an article's record, say).
    pub fn with<U>(&self, item: U) -> Ordered<U> {
        Ordered {
            order: self.order,
            item,
        }
    }
}

/// A run's items as one process holds them, each in its one-process place.
#[derive(Debug)]
pub struct Share<T> {
    /// Inputs that could not become articles (unreadable, skipped, duplicates).
    pub records: Vec<Ordered<ArticleRecord>>,
    pub articles: Vec<Ordered<T>>,
}

impl<T> Share<T> {
    /// Every item of a run in its one-process place: the records first, in input order, then
    /// the articles, in input order.
    pub fn whole(records: Vec<ArticleRecord>, articles: Vec<T>) -> Self {
        let n = records.len();
        Self {
            records: placed(records, 0),
            articles: placed(articles, n),
        }
    }

    /// Keeps `shard`'s share, every item in its place: the articles whose id (`id`) falls in
    /// the shard and, for shard 0 only, the records. The documents that never became articles
    /// need no model: shard 0 records them all, so that each is counted once whatever paths
    /// the machines see.
    pub fn of_shard(self, shard: Shard, id: impl Fn(&T) -> &str) -> Self {
        let mut records = self.records;
        if shard.index != 0 {
            records.clear();
        }
        let mut articles = self.articles;
        articles.retain(|a| shard.contains(id(&a.item)));
        Self { records, articles }
    }
}

/// `items` in order, placed from `first` on.
fn placed<T>(items: Vec<T>, first: usize) -> Vec<Ordered<T>> {
    let place = |i: usize, item: T| Ordered {
        order: first + i,
        item,
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| place(i, item))
        .collect()
}

/// Takes this shard's share of a run's inputs (all of them when `shard` is `None`), keeping
/// every item's one-process place (see [`Share::whole`], [`Share::of_shard`]).
pub fn share<T>(
    shard: Option<Shard>,
    records: Vec<ArticleRecord>,
    articles: Vec<T>,
    id: impl Fn(&T) -> &str,
) -> Share<T> {
    let whole = Share::whole(records, articles);
    match shard {
        Some(s) => whole.of_shard(s, id),
        None => whole,
    }
}

/// What one process (a shard, or a whole one-process run) contributes to a run's index and
/// manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub model: ModelInfo,
    pub settings: Settings,
    /// Sentences of the part's articles, and how many of them the model translated (the
    /// others came from the cache).
    pub sentences: usize,
    pub translated: usize,
    /// Abstractive summaries the part's summariser wrote (the others came from the cache).
    #[serde(default)]
    pub summarized: usize,
    pub times: StageTimes,
    pub source_tokens: usize,
    pub records: Vec<Ordered<ArticleRecord>>,
    /// The index entry of every brief written, serialised whole so that fields added to
    /// [`IndexEntry`] travel through the merge untouched.
    pub entries: Vec<Ordered<IndexEntry>>,
    /// Run-level warnings (every shard reads every input, so shards repeat them).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Files of the process itself it could not write.
    #[serde(default)]
    pub unwritten: Vec<Unwritten>,
    /// Records of WARC crawls that are no articles (every shard reads every input, so
    /// shards repeat them).
    #[serde(default)]
    pub skipped_records: Vec<crate::ingest::SkipCount>,
}

/// Parts that cannot be one run's: made with another model or other settings.
#[derive(Debug, thiserror::Error)]
#[error("shards {theirs} and {ours} of one run disagree on {what}")]
pub struct Mismatch {
    pub ours: String,
    pub theirs: String,
    pub what: &'static str,
}

/// A run's index files (name, contents) and its manifest.
#[derive(Debug)]
pub struct Assembled {
    pub files: Vec<(&'static str, String)>,
    pub manifest: Manifest,
}

/// A run's index files and manifest, assembled from its parts in one-process order.
/// `shards` lists the shards merged (empty for a one-process run).
pub fn assemble_index(
    parts: &[&Part],
    shards: Vec<ShardReport>,
    missing_shards: Vec<usize>,
) -> Result<Assembled, Mismatch> {
    let first = parts
        .first()
        .expect("assemble_index needs at least one part");
    agree(parts, &shards)?;
    let entries: Vec<IndexEntry> = in_order(parts.iter().flat_map(|p| &p.entries));
    // In one-process order; `Manifest::of` then sorts by path, stably, as a whole run does.
    let records: Vec<ArticleRecord> = in_order(parts.iter().flat_map(|p| &p.records));
    let work = Work {
        sentences: parts.iter().map(|p| p.sentences).sum(),
        translated: parts.iter().map(|p| p.translated).sum(),
        summarized: parts.iter().map(|p| p.summarized).sum(),
        source_tokens: parts.iter().map(|p| p.source_tokens).sum(),
        times: critical_path(parts.iter().map(|p| &p.times)),
    };
    let mut settings = first.settings.clone();
    if parts.len() > 1 {
        settings.cache = common_dir(parts.iter().map(|p| p.settings.cache.as_str()));
        if let Some(a) = &mut settings.abstractive {
            let caches = parts.iter().filter_map(|p| p.settings.abstractive.as_ref());
            a.cache = common_dir(caches.map(|a| a.cache.as_str()));
        }
    }
    let abstractive = settings.abstractive.is_some();
    let mut manifest = Manifest::of(first.model.clone(), settings, records, &work);
    manifest.counts.low_confidence = entries.iter().map(|e| e.low_confidence).sum();
    if abstractive {
        manifest.counts.abstractive = Some(abstractive_counts(&entries, work.summarized));
    }
    for w in parts.iter().flat_map(|p| &p.warnings) {
        if !manifest.warnings.contains(w) {
            manifest.warnings.push(w.clone());
        }
    }
    manifest.unwritten = parts.iter().flat_map(|p| p.unwritten.clone()).collect();
    manifest.skipped_records.clone_from(&first.skipped_records);
    manifest.shards = shards;
    manifest.missing_shards = missing_shards;
    Ok(Assembled {
        files: render::index::files(&entries),
        manifest,
    })
}

/// The abstractive summaries of a run's briefs, `written` of them by the model in this run.
fn abstractive_counts(entries: &[IndexEntry], written: usize) -> AbstractiveCounts {
    let checked: Vec<_> = entries.iter().filter_map(|e| e.machine_summary).collect();
    AbstractiveCounts {
        summaries: checked.len(),
        written,
        cached: checked.len().saturating_sub(written),
        unsupported_sentences: checked.iter().map(|c| c.unsupported_sentences).sum(),
        removed_sentences: checked.iter().map(|c| c.removed_sentences).sum(),
    }
}

/// Every part agrees with the first on the model and the settings that shape the outputs;
/// `shards` names them in the error.
fn agree(parts: &[&Part], shards: &[ShardReport]) -> Result<(), Mismatch> {
    let label = |i: usize| {
        shards
            .get(i)
            .map(|s| format!("{}/{}", s.index, s.count))
            .unwrap_or_default()
    };
    let first = parts
        .first()
        .expect("assemble_index needs at least one part");
    for (i, p) in parts.iter().enumerate().skip(1) {
        let mismatch = |what| Mismatch {
            ours: label(0),
            theirs: label(i),
            what,
        };
        if p.model != first.model {
            return Err(mismatch("the model"));
        }
        if p.settings.decoding != first.settings.decoding
            || p.settings.formats != first.settings.formats
            || p.settings.summary_sentences != first.settings.summary_sentences
            || p.settings.summary_words != first.settings.summary_words
            || !same_abstractive(&p.settings, &first.settings)
        {
            return Err(mismatch("the settings"));
        }
    }
    Ok(())
}

/// Whether two parts wrote abstractive summaries alike (their cache files may differ).
fn same_abstractive(a: &Settings, b: &Settings) -> bool {
    let without_cache = |s: &Settings| {
        s.abstractive.clone().map(|mut a| {
            a.cache.clear();
            a
        })
    };
    without_cache(a) == without_cache(b)
}

/// The items, sorted by their one-process place (stably: items of one place keep their order).
fn in_order<'a, T: Clone + 'a>(items: impl Iterator<Item = &'a Ordered<T>>) -> Vec<T> {
    let mut items: Vec<&Ordered<T>> = items.collect();
    items.sort_by_key(|o| o.order);
    items.into_iter().map(|o| o.item.clone()).collect()
}

/// Shards run side by side: a merged stage took as long as its slowest shard.
fn critical_path<'a>(times: impl Iterator<Item = &'a StageTimes>) -> StageTimes {
    times.fold(StageTimes::default(), |acc, t| StageTimes {
        clean_s: acc.clean_s.max(t.clean_s),
        translate_s: acc.translate_s.max(t.translate_s),
        summarize_s: acc.summarize_s.max(t.summarize_s),
        render_s: acc.render_s.max(t.render_s),
        total_s: acc.total_s.max(t.total_s),
    })
}

/// The folder of the shards' cache files (they differ only in the file name).
fn common_dir<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let dirs: Vec<String> = paths
        .map(|p| {
            Path::new(p)
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        })
        .collect();
    dirs.first().cloned().unwrap_or_default()
}

/// Writes a run's index files into `out`, then its `run.json`, which lists the files of the
/// run that could not be written: those its parts list (the cache, say) and the index files
/// that fail here. Each file is written atomically, and only when its bytes changed; a
/// failure does not stop the other files. Returns the manifest as assembled for `run.json`
/// and the files that could not be written here, with the cause.
pub fn write_outputs(out: &Path, assembled: Assembled) -> (Manifest, Vec<Unwritten>) {
    let Assembled {
        files,
        mut manifest,
    } = assembled;
    let mut failed = Vec::new();
    for (name, contents) in &files {
        save(&out.join(name), contents, &mut failed);
    }
    manifest.unwritten.extend(failed.iter().cloned());
    save(&paths::run_manifest(out), &manifest.to_json(), &mut failed);
    (manifest, failed)
}

/// Writes `contents` to `path` (see [`write_if_changed`]); a failure is added to `failed`.
pub fn save(path: &Path, contents: &str, failed: &mut Vec<Unwritten>) {
    if let Err(e) = write_if_changed(path, contents.as_bytes()) {
        failed.push(Unwritten {
            path: path.display().to_string(),
            error: e.to_string(),
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::brief::DecodingInfo;
    use crate::run::manifest::ArticleStatus;
    use crate::run::settings::Formats;
    use crate::translate::BatchPolicy;

    pub(crate) fn entry(slug: &str, date: Option<&str>) -> IndexEntry {
        IndexEntry {
            id: slug.into(),
            slug: slug.into(),
            headline: format!("headline {slug}"),
            headline_ar: String::new(),
            date: date.map(String::from),
            source: None,
            url: None,
            summary: Vec::new(),
            summary_ar: Vec::new(),
            more: Vec::new(),
            machine_summary: None,
            low_confidence: 0,
            signature: Default::default(),
        }
    }

    pub(crate) fn record(path: &str, status: ArticleStatus) -> ArticleRecord {
        ArticleRecord {
            path: path.into(),
            id: None,
            status,
            error: None,
            outputs: Vec::new(),
            warnings: Vec::new(),
            crawled: None,
        }
    }

    pub(crate) fn part(
        records: Vec<(usize, ArticleRecord)>,
        entries: Vec<(usize, IndexEntry)>,
    ) -> Part {
        Part {
            model: ModelInfo {
                id: "m".into(),
                revision: Some("r".into()),
                weights_sha256: "w".into(),
                quantize: Default::default(),
            },
            settings: Settings {
                decoding: DecodingInfo {
                    num_beams: 1,
                    length_penalty: 1.0,
                    max_length: 10,
                    min_length: 0,
                    max_new_tokens: None,
                    early_stopping: crate::translate::EarlyStopping::Heuristic,
                },
                batch: BatchPolicy::tokens(64),
                threads: 1,
                summary_sentences: 3,
                formats: Formats::parse("html").unwrap(),
                cache: "/c/.cache/translations-x.0-of-2.jsonl".into(),
                summary_words: None,
                abstractive: None,
            },
            sentences: 4,
            translated: 3,
            summarized: 0,
            times: StageTimes {
                clean_s: 1.0,
                translate_s: 2.0,
                summarize_s: 0.0,
                render_s: 0.5,
                total_s: 4.0,
            },
            source_tokens: 30,
            records: records
                .into_iter()
                .map(|(order, item)| Ordered { order, item })
                .collect(),
            entries: entries
                .into_iter()
                .map(|(order, item)| Ordered { order, item })
                .collect(),
            warnings: vec!["a link loop".into()],
            unwritten: Vec::new(),
            skipped_records: Vec::new(),
        }
    }

    #[test]
    fn parts_assemble_in_one_process_order_whatever_their_order() {
        use ArticleStatus::*;
        // One process: records [bad.txt(0)], articles a.txt(1), b.txt(2), a.txt#2(3).
        let whole = part(
            vec![
                (0, record("bad.txt", Failed)),
                (1, record("a.txt", Ok)),
                (2, record("b.txt", Ok)),
                (3, record("a.txt", Skipped)),
            ],
            vec![(1, entry("a", Some("2025-01-01"))), (2, entry("b", None))],
        );
        let s0 = part(
            vec![(0, record("bad.txt", Failed)), (2, record("b.txt", Ok))],
            vec![(2, entry("b", None))],
        );
        let s1 = part(
            vec![(3, record("a.txt", Skipped)), (1, record("a.txt", Ok))],
            vec![(1, entry("a", Some("2025-01-01")))],
        );
        let Assembled {
            files: files1,
            manifest: m1,
        } = assemble_index(&[&whole], Vec::new(), Vec::new()).unwrap();
        let Assembled {
            files: files2,
            manifest: m2,
        } = assemble_index(&[&s1, &s0], Vec::new(), Vec::new()).unwrap();
        assert_eq!(files1, files2);
        assert_eq!(m1.articles, m2.articles);
        assert_eq!(
            m2.articles[0].status, Ok,
            "a.txt's records keep input order"
        );
        assert_eq!(m2.counts.articles, 4);
        assert_eq!(
            (m2.counts.ok, m2.counts.failed, m2.counts.skipped),
            (2, 1, 1)
        );
        assert_eq!(m2.counts.sentences, 8, "sentences add up");
        assert_eq!(m2.times.translate_s, 2.0, "the slowest shard's time");
        assert_eq!(m2.throughput.source_tokens, 60);
        assert_eq!(m2.settings.cache, "/c/.cache");
        assert_eq!(
            m2.warnings,
            vec!["a link loop".to_string()],
            "repeated once"
        );
    }

    #[test]
    fn shards_of_another_model_are_refused() {
        let a = part(Vec::new(), Vec::new());
        let mut b = a.clone();
        b.model.weights_sha256 = "other".into();
        let e = assemble_index(&[&a, &b], Vec::new(), Vec::new()).unwrap_err();
        assert!(e.to_string().contains("the model"), "{e}");
    }

    #[test]
    fn a_shard_takes_its_articles_and_shard_0_the_records_each_in_its_place() {
        let records = vec![record("bad.txt", ArticleStatus::Failed)];
        let ids = ["a", "b", "c", "d", "e", "f"];
        let whole = share(None, records.clone(), ids.to_vec(), |s| *s);
        assert_eq!(whole.records[0].order, 0);
        let orders: Vec<usize> = whole.articles.iter().map(|a| a.order).collect();
        assert_eq!(orders, vec![1, 2, 3, 4, 5, 6]);
        let mut seen = Vec::new();
        for index in 0..3 {
            let shard = Shard { index, count: 3 };
            let mine = share(Some(shard), records.clone(), ids.to_vec(), |s| *s);
            assert_eq!(mine.records.len(), usize::from(index == 0));
            for a in mine.articles {
                assert!(shard.contains(a.item));
                assert_eq!(ids[a.order - 1], a.item, "kept its place");
                seen.push(a.order);
            }
        }
        seen.sort();
        assert_eq!(seen, orders, "every article in exactly one shard");
    }
}
