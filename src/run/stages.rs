//! The run as a value with one method per stage. [`super::run`] calls them in order; a
//! variant of the run (a shard, say) can pick its own paths ([`Run::start_locked`]) and narrow
//! the articles ([`Run::retain`]) between the stages.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::brief::{build_brief, english_document, machine_summary};
use super::cache::{self, CachedTranslation, TranslationCache};
use super::lock::RunLock;
use super::manifest::{
    self, AbstractiveSettings, ArticleRecord, Manifest, ShardReport, Unwritten, Work,
};
use super::merge;
use super::outcome::{ExitStatus, RunError, RunOutcome};
use super::parts::{self, Ordered, Part, Share};
use super::paths::RunPaths;
use super::settings::{Models, Progress, RunSettings};
use super::shard::ShardAssignment;
use super::shard_manifest::{self, ShardManifest};
use crate::brief::{DecodingInfo, IndexEntry, ModelInfo};
use crate::clean::{self, Article};
use crate::fsutil::{is_temp_name, write_if_changed};
use crate::ingest::{self, IngestError, RawDoc};
use crate::render;
use crate::summarize::Budget;
use crate::translate::fit::{self, MAX_SENTENCE_CHARS};
use crate::translate::{batch, BatchPolicy, DecodeOptions, Summarizer, SummaryOptions};
use crate::translate::{ModelFiles, Quantize, Source, Summary, Translation, Translator};

/// One run of the nightly job, between its stages.
pub struct Run<'a> {
    settings: &'a RunSettings,
    translator: &'a Translator,
    paths: RunPaths,
    /// Held until the run value is dropped.
    _lock: RunLock,
    started: Instant,
    cache: TranslationCache,
    model: ModelInfo,
    decoding: DecodingInfo,
    /// The abstractive summaries' model and cache, when briefs get them.
    abstractive: Option<Abstractive<'a>>,
    /// Read by `ingest`, consumed by `clean`.
    raw: Vec<RawDoc>,
    /// Documents that never became articles (unreadable, skipped, duplicates), in input
    /// order: found by `ingest` and `clean`, then placed by `clean` into `records`.
    unusable: Vec<ArticleRecord>,
    /// The run's records and articles, each in its place in a one-process run (see
    /// [`Share::whole`]); a shard keeps its share of them.
    records: Vec<Ordered<ArticleRecord>>,
    articles: Vec<Ordered<Article>>,
    /// Per article (same index): its index entry once its briefs are written, or the error.
    done: Vec<Option<Result<IndexEntry, String>>>,
    /// The run's identity, shared by all its shards (set by `shard`).
    run_key: Option<String>,
    warnings: Vec<String>,
    unwritten: Vec<Unwritten>,
    /// Records of WARC crawls that are no articles, counted per file and reason.
    skipped_records: Vec<ingest::SkipCount>,
    work: Work,
}

/// A run's abstractive summaries: the model, its settings, and the cache of what it wrote
/// (keyed by the English document it read).
struct Abstractive<'a> {
    summarizer: &'a Summarizer,
    options: SummaryOptions,
    cache: TranslationCache,
    /// As `run.json` and the briefs name the model and its settings.
    settings: AbstractiveSettings,
}

/// Documents per model batch of the summariser: eight 1,024-token documents in beam 4 keep
/// the decoder's memory modest, and fill a batch well enough on a CPU.
const SUMMARY_BATCH: usize = 8;

/// Raised whenever the English document a summariser reads is built differently (see
/// [`english_document`]): part of the summaries' cache fingerprint.
const DOCUMENT_REVISION: u32 = 1;

impl<'a> Abstractive<'a> {
    /// The summariser's settings and its cache file, for a run with `paths`.
    fn open(
        summarizer: &'a Summarizer,
        settings: &RunSettings,
        paths: &RunPaths,
    ) -> Result<Self, RunError> {
        let options = summarizer.default_options().clone();
        let settings_json = serde_json::json!({"options": options, "document": DOCUMENT_REVISION});
        let (model, fingerprint) = identify(
            summarizer.files(),
            summarizer.weights_sha256()?,
            summarizer.engine().model().compute().quantize,
            &settings_json.to_string(),
        );
        let cache = open_cache(
            paths.summary_cache_file(&fingerprint),
            &paths.summary_cache_family(&fingerprint),
        )?;
        Ok(Self {
            summarizer,
            settings: AbstractiveSettings {
                summary: settings.summary,
                check: settings.summary_check,
                model,
                decoding: decoding_info(&options.decode),
                no_repeat_ngram_size: options.rules.no_repeat_ngram_size,
                cache: cache.path().display().to_string(),
            },
            options,
            cache,
        })
    }
}

impl<'a> Run<'a> {
    /// Opens the run with the default paths (see [`RunPaths::of`]), taking the lock.
    pub fn start(settings: &'a RunSettings, models: Models<'a>) -> Result<Self, RunError> {
        let paths = RunPaths::of(settings);
        let lock = lock_out(&paths, settings.wait_for_lock)?;
        Self::start_locked(settings, models, paths, lock)
    }

    /// Opens the run on `paths`, whose lock the caller holds (see [`lock_out`]): removes
    /// temporary files an interrupted run left, and opens the caches. A run whose briefs
    /// get abstractive summaries needs `models.summarizer`.
    pub fn start_locked(
        settings: &'a RunSettings,
        models: Models<'a>,
        paths: RunPaths,
        lock: RunLock,
    ) -> Result<Self, RunError> {
        let translator = models.translator;
        let started = Instant::now();
        // Under the lock, any temporary file here belongs to a run that is gone, unless
        // other shards of the run share the folder: then only old ones do.
        let min_age = match paths.shard {
            Some(_) => SHARED_TEMP_MIN_AGE,
            None => Duration::ZERO,
        };
        remove_stale_temps(&paths.out, min_age);
        let settings_json = serde_json::to_string(&settings.decode).expect("settings serialise");
        let (model, fingerprint) = identify(
            translator.files(),
            translator.weights_sha256()?.to_string(),
            translator.engine().model().compute().quantize,
            &settings_json,
        );
        let cache = open_cache(
            paths.cache_file(&fingerprint),
            &paths.cache_family(&fingerprint),
        )?;
        let abstractive = match (settings.summary.abstractive(), models.summarizer) {
            (false, _) => None,
            (true, Some(summarizer)) => Some(Abstractive::open(summarizer, settings, &paths)?),
            (true, None) => return Err(RunError::NoSummarizer(settings.summary)),
        };
        Ok(Self {
            settings,
            translator,
            paths,
            _lock: lock,
            started,
            cache,
            model,
            decoding: decoding_info(&settings.decode),
            abstractive,
            raw: Vec::new(),
            unusable: Vec::new(),
            records: Vec::new(),
            articles: Vec::new(),
            done: Vec::new(),
            run_key: None,
            warnings: Vec::new(),
            unwritten: Vec::new(),
            skipped_records: Vec::new(),
            work: Work::default(),
        })
    }

    /// The paths this run writes to.
    pub fn paths(&self) -> &RunPaths {
        &self.paths
    }

    /// Stage 1: finds the input files (never inside the output or cache folders, symbolic
    /// link loops reported, not followed) and reads them in parallel, each document within
    /// the size limit. Unreadable documents are recorded; only no input at all is an error.
    pub fn ingest(&mut self) -> Result<(), RunError> {
        let t = Instant::now();
        let found = ingest::discover_excluding(&self.settings.inputs, &self.paths.never_inputs())?;
        for problem in found.problems {
            match problem {
                IngestError::Io { .. } => self.unusable.push(record_of(&problem)),
                _ => self.warnings.push(problem.to_string()),
            }
        }
        if found.files.is_empty() {
            return Err(RunError::NoInput(
                self.settings
                    .inputs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        let limit = self.settings.max_article_bytes;
        let read: Vec<_> = found
            .files
            .par_iter()
            .map(|f| ingest::read_path_counted(f, limit))
            .collect();
        for file in read {
            match file {
                Err(e) => self.unusable.push(record_of(&e)),
                Ok(read) => {
                    self.skipped_records.extend(read.skipped);
                    for doc in read.docs {
                        match doc {
                            Ok(raw) => self.raw.push(raw),
                            Err(e) => self.unusable.push(record_of(&e)),
                        }
                    }
                }
            }
        }
        self.work.times.clean_s += t.elapsed().as_secs_f64();
        Ok(())
    }

    /// Stage 2: decodes and structures every document in parallel, cuts sentences too long
    /// to translate in one piece, and drops exact duplicates (same content id). Every record
    /// and article then has its place in the run.
    pub fn clean(&mut self, progress: &mut dyn Progress) {
        let t = Instant::now();
        let docs: Vec<ingest::Doc> = std::mem::take(&mut self.raw)
            .par_iter()
            .map(ingest::decode)
            .collect();
        // One batch, so that a site's template is learnt across its articles.
        let cleaned: Vec<Result<Article, clean::Skip>> = clean::structure_batch(&docs);
        let mut seen_ids: HashMap<String, String> = HashMap::new();
        let mut articles = Vec::new();
        for (doc, result) in docs.iter().zip(cleaned) {
            match result {
                Err(skip) => self
                    .unusable
                    .push(ArticleRecord::skipped(&doc.origin, skip.reason)),
                Ok(mut a) => {
                    if let Some(first) = seen_ids.get(&a.id) {
                        let reason = format!("same content as {first}");
                        self.unusable.push(ArticleRecord::skipped(&a.path, reason));
                        continue;
                    }
                    if cap_sentences(&mut a, MAX_SENTENCE_CHARS) > 0 {
                        a.warnings.push(format!(
                            "sentences over {MAX_SENTENCE_CHARS} characters were split at whitespace"
                        ));
                    }
                    seen_ids.insert(a.id.clone(), a.path.clone());
                    articles.push(a);
                }
            }
        }
        let placed = Share::whole(std::mem::take(&mut self.unusable), articles);
        self.records = placed.records;
        self.articles = placed.articles;
        self.done = vec![None; self.articles.len()];
        self.work.times.clean_s += t.elapsed().as_secs_f64();
        let total = self.articles.len() + self.records.len();
        progress.articles_read(total, self.articles.len());
    }

    /// The articles read and cleaned so far, in input order.
    pub fn articles(&self) -> impl Iterator<Item = &Article> {
        self.articles.iter().map(|a| &a.item)
    }

    /// Keeps only the articles `keep` accepts (a shard's share, say); the others are no part
    /// of this run and get no record. Call between `clean` and the first `translate`.
    pub fn retain(&mut self, keep: impl Fn(&Article) -> bool) {
        self.articles.retain(|a| keep(&a.item));
        self.done = vec![None; self.articles.len()];
    }

    /// Narrows the run to this process's shard, if it is one (see [`super::shard`]): the
    /// articles whose content id falls in it and, for shard 0, the documents that never
    /// became articles. Every item keeps its one-process position for the merge. Call
    /// between `clean` and the first `translate`.
    pub fn shard(&mut self) {
        let Some(assignment) = &self.settings.shard else {
            return;
        };
        let inputs = self.records.iter().map(|r| r.item.path.as_str());
        let inputs = inputs.chain(self.articles.iter().map(|a| a.item.id.as_str()));
        let outputs = shard_manifest::outputs_json(self.settings);
        self.run_key = Some(shard_manifest::run_key(inputs, &outputs, assignment.count));
        let whole = Share {
            records: std::mem::take(&mut self.records),
            articles: std::mem::take(&mut self.articles),
        };
        let mine = whole.of_shard(assignment.shard(), |a| a.id.as_str());
        self.records = mine.records;
        self.articles = mine.articles;
        self.done = vec![None; self.articles.len()];
    }

    /// Consecutive ranges of articles, each holding about `group_sentences` sentences the
    /// cache does not have yet (or the rest): the unit of `translate` and `render`.
    pub fn groups(&self) -> Vec<Range<usize>> {
        let want = self.settings.group_sentences.max(1);
        let mut groups = Vec::new();
        let mut pending: HashSet<&str> = HashSet::new();
        let mut start = 0;
        let mut summaries = 0;
        for (i, a) in self.articles.iter().enumerate() {
            for u in units(&a.item) {
                if self.cache.get(u).is_none() {
                    pending.insert(u);
                }
            }
            if self.lacks_summary(&a.item) {
                summaries += 1;
            }
            if pending.len() + summaries * SUMMARY_COST_IN_SENTENCES >= want {
                groups.push(start..i + 1);
                start = i + 1;
                pending.clear();
                summaries = 0;
            }
        }
        if start < self.articles.len() {
            groups.push(start..self.articles.len());
        }
        groups
    }

    /// Stage 3: translates the group's sentences the cache lacks. Each wave of model batches
    /// (one batch per worker) is appended to the cache and synced before the next starts, so
    /// a kill loses at most the batches in flight. A cache that cannot be written is reported
    /// and the run goes on from memory.
    pub fn translate(
        &mut self,
        group: Range<usize>,
        progress: &mut dyn Progress,
    ) -> Result<(), RunError> {
        let missing = self.missing(group.clone());
        self.work.sentences += self.articles[group]
            .iter()
            .map(|a| units(&a.item).count())
            .sum::<usize>();
        for wave in self.waves(missing) {
            // Logged before the call, so that work lost to a kill can be counted too.
            tracing::debug!(sentences = wave.len(), "model call starts");
            let t = Instant::now();
            let refs: Vec<&str> = wave.iter().map(String::as_str).collect();
            let out =
                self.translator
                    .translate(&refs, &self.settings.decode, &self.settings.batch)?;
            let seconds = t.elapsed().as_secs_f64();
            self.work.times.translate_s += seconds;
            self.work.translated += wave.len();
            self.work.source_tokens += out.iter().map(|t| t.source_tokens).sum::<usize>();
            progress.translated(wave.len(), seconds);
            self.remember(wave, out);
        }
        Ok(())
    }

    /// Stage 3b: the abstractive summaries of the group's articles that the summaries' cache
    /// lacks (only for briefs that show them), each written from the article's English
    /// translation (see [`english_document`]). As in `translate`, each wave of model batches
    /// is appended to the cache and synced before the next starts.
    pub fn summarize(
        &mut self,
        group: Range<usize>,
        progress: &mut dyn Progress,
    ) -> Result<(), RunError> {
        let (missing, articles) = self.missing_summaries(group);
        let Some(abstractive) = self.abstractive.as_mut() else {
            return Ok(());
        };
        // Counted per article, as `run.json` counts summaries (two articles may share one).
        self.work.summarized += articles;
        let summarizer = abstractive.summarizer;
        // Encoded once: the lengths plan the waves, and the ids are what the model reads.
        let sources: Vec<Source> = missing.par_iter().map(|d| summarizer.encode(d)).collect();
        let lengths: Vec<usize> = sources.iter().map(|s| s.ids.len()).collect();
        let policy = BatchPolicy::sentences(SUMMARY_BATCH);
        for wave in batch::waves(&lengths, &policy, batch::default_concurrency()) {
            let members: Vec<usize> = wave.into_iter().flatten().collect();
            let wave_sources: Vec<&Source> = members.iter().map(|&i| &sources[i]).collect();
            // Logged before the call, as in `translate`.
            tracing::debug!(documents = members.len(), "model call starts");
            let t = Instant::now();
            let out = summarizer.summarize_sources(
                &wave_sources,
                &abstractive.options,
                &policy,
                &mut |_| {},
            )?;
            let seconds = t.elapsed().as_secs_f64();
            self.work.times.summarize_s += seconds;
            progress.summarized(members.len(), seconds);
            let items = members
                .iter()
                .zip(out)
                .map(|(&i, s)| (missing[i].clone(), cached(s)));
            if let Err(e) = abstractive.cache.insert_all(items) {
                note_unwritten(&mut self.unwritten, abstractive.cache.path(), &e);
            }
        }
        Ok(())
    }

    /// The English document of `a` as its translations in the cache make it (see
    /// [`english_document`]).
    fn english_document(&self, a: &Article) -> String {
        english_document(a, &|n| self.cache.get(n).map(|t| t.en.clone()))
    }

    /// Whether `a` should get an abstractive summary that the cache does not hold yet (an
    /// article not fully translated cannot have one).
    fn lacks_summary(&self, a: &Article) -> bool {
        let Some(abstractive) = &self.abstractive else {
            return false;
        };
        if units(a).any(|u| self.cache.get(u).is_none()) {
            return true;
        }
        let doc = self.english_document(a);
        !doc.is_empty() && abstractive.cache.get(&doc).is_none()
    }

    /// The English documents of the group whose summaries are not in the cache, each once,
    /// and how many of the group's articles they are.
    fn missing_summaries(&self, group: Range<usize>) -> (Vec<String>, usize) {
        let Some(abstractive) = &self.abstractive else {
            return (Vec::new(), 0);
        };
        let missing: Vec<String> = self.articles[group]
            .iter()
            .map(|a| self.english_document(&a.item))
            .filter(|d| !d.is_empty() && abstractive.cache.get(d).is_none())
            .collect();
        let articles = missing.len();
        let mut seen = HashSet::new();
        let docs = missing.into_iter().filter(|d| seen.insert(d.clone()));
        (docs.collect(), articles)
    }

    /// The group's sentences not in the cache, each once, in order of first use.
    fn missing(&self, group: Range<usize>) -> Vec<String> {
        let mut seen = HashSet::new();
        self.articles[group]
            .iter()
            .flat_map(|a| units(&a.item))
            .filter(|u| self.cache.get(u).is_none() && seen.insert(*u))
            .map(str::to_string)
            .collect()
    }

    /// `missing` cut into waves of model batches by the translator's own wave plan, so that
    /// each wave is exactly what the translator decodes at the same time.
    fn waves(&self, missing: Vec<String>) -> Vec<Vec<String>> {
        let lengths: Vec<usize> = missing
            .iter()
            .map(|s| self.translator.source_tokens(s))
            .collect();
        self.translator
            .wave_plan(&lengths, &self.settings.batch)
            .into_iter()
            .map(|w| w.iter().flatten().map(|&i| missing[i].clone()).collect())
            .collect()
    }

    /// Appends translations to the cache (synced). A failed append keeps them in memory for
    /// this run and is reported once.
    fn remember(&mut self, sources: Vec<String>, out: Vec<Translation>) {
        let items = sources.into_iter().zip(out).map(|(src, t)| {
            let value = CachedTranslation {
                en: t.text,
                score: t.score,
                mean_logprob: Some(t.mean_logprob),
                source_tokens: t.source_tokens,
                target_tokens: t.tokens.len(),
                truncated: false,
            };
            (src, value)
        });
        if let Err(e) = self.cache.insert_all(items) {
            note_unwritten(&mut self.unwritten, self.cache.path(), &e);
        }
    }

    /// Stage 4: builds and writes the group's briefs in parallel, every file atomically. A
    /// failed write fails that article only, with the file and the cause.
    pub fn render(&mut self, group: Range<usize>, progress: &mut dyn Progress) {
        let t = Instant::now();
        let lookup: HashMap<String, CachedTranslation> = self.articles[group.clone()]
            .iter()
            .flat_map(|a| units(&a.item))
            .filter_map(|u| self.cache.get(u).map(|c| (u.to_string(), c.clone())))
            .collect();
        let rendered: Vec<(usize, Result<IndexEntry, String>)> = group
            .into_par_iter()
            .map(|i| (i, self.write_briefs(&self.articles[i].item, &lookup)))
            .collect();
        self.work.times.render_s += t.elapsed().as_secs_f64();
        for (i, result) in rendered {
            self.done[i] = Some(result);
        }
        let done = self.done.iter().filter(|d| d.is_some()).count();
        progress.article_done(done, self.articles.len());
    }

    fn write_briefs(
        &self,
        a: &Article,
        lookup: &HashMap<String, CachedTranslation>,
    ) -> Result<IndexEntry, String> {
        let s = self.settings;
        let mut b = build_brief(a, lookup, &self.model, &self.decoding, s.summary_budget);
        if let Some(abstractive) = &self.abstractive {
            let en = |n: &str| lookup.get(n).map(|t| t.en.clone());
            let doc = english_document(a, &en);
            let summary = abstractive
                .cache
                .get(&doc)
                .filter(|c| !c.en.trim().is_empty());
            b.machine_summary = summary.map(|c| {
                let check = s.summary_check;
                let model = abstractive.settings.model.label();
                machine_summary(a, &doc, &c.en, &model, check, c.truncated)
            });
        }
        // The index and the story summaries read the key sentences whatever the brief shows.
        let entry = IndexEntry::of(&b);
        if !s.summary.extractive() {
            b.summary.clear();
        }
        let formats = [
            (
                s.formats.html,
                "html",
                render::html::brief as fn(&_) -> String,
            ),
            (s.formats.md, "md", render::markdown::brief),
            (s.formats.json, "json", render::json),
        ];
        for (on, ext, render) in formats {
            if on {
                let path = self.paths.output(&format!("{}.{ext}", b.slug));
                write(&path, &render(&b)).map_err(|e| e.to_string())?;
            }
        }
        Ok(entry)
    }

    /// Stage 5: the index and `run.json`, written even when briefs failed. Files that could
    /// not be written are listed in the outcome (and in `run.json` when it could be written).
    /// A shard writes its own manifest instead, and the index and `run.json` of the whole
    /// run when it is the last of its run to finish.
    pub fn report(mut self) -> RunOutcome {
        let part = self.part();
        let manifest = match (&self.settings.shard, self.run_key.clone()) {
            (Some(assignment), Some(run_key)) => self.report_shard(part, assignment, run_key),
            _ => self.report_whole(&part),
        };
        let status = ExitStatus::of(&manifest, !self.unwritten.is_empty());
        RunOutcome {
            manifest,
            unwritten: self.unwritten,
            status,
        }
    }

    /// The index files, then `run.json` listing any of them that could not be written.
    fn report_whole(&mut self, part: &Part) -> Manifest {
        let assembled = parts::assemble_index(&[part], Vec::new(), Vec::new())
            .expect("one part always assembles");
        let (manifest, failed) = parts::write_outputs(&self.paths.out, assembled);
        self.unwritten.extend(failed);
        manifest
    }

    /// The shard's manifest, then the whole run's index and `run.json` if every shard of the
    /// run has finished. Returns the shard's own view of the run.
    fn report_shard(
        &mut self,
        part: Part,
        assignment: &ShardAssignment,
        run_key: String,
    ) -> Manifest {
        let own = ShardManifest::new(assignment.clone(), run_key, &self.paths.out, part);
        parts::save(&self.paths.manifest, &own.to_json(), &mut self.unwritten);
        if self.unwritten.is_empty() {
            if let Err(e) = merge::merge_if_complete(&self.paths.out, &own) {
                self.unwritten.push(Unwritten {
                    path: self.paths.output("run.json").display().to_string(),
                    error: format!("merging the shards: {e}"),
                });
            }
        }
        let report = vec![ShardReport::of(&own)];
        let assembled = parts::assemble_index(&[&own.part], report, Vec::new());
        assembled.expect("one part always assembles").manifest
    }

    /// What this process did, every record and index entry in its one-process place.
    fn part(&self) -> Part {
        let mut records = self.records.clone();
        let mut entries = Vec::new();
        for (a, done) in self.articles.iter().zip(&self.done) {
            let article = &a.item;
            let mut record = match done {
                Some(Ok(entry)) => {
                    entries.push(a.with(entry.clone()));
                    ArticleRecord::ok(article, &entry.slug, &self.settings.formats)
                }
                Some(Err(e)) => ArticleRecord::failed(&article.path, e.clone()),
                None => ArticleRecord::failed(&article.path, "not rendered".into()),
            };
            record.warnings.clone_from(&article.warnings);
            records.push(a.with(record));
        }
        let mut work = self.work.clone();
        work.times.total_s = self.started.elapsed().as_secs_f64();
        let s = self.settings;
        Part {
            model: self.model.clone(),
            settings: manifest::Settings {
                decoding: self.decoding.clone(),
                batch: s.batch,
                threads: s.threads,
                summary_sentences: match s.summary_budget {
                    Budget::Sentences(n) => n,
                    Budget::Words(_) => 0,
                },
                formats: s.formats,
                cache: self.cache.path().display().to_string(),
                summary_words: match s.summary_budget {
                    Budget::Words(n) => Some(n),
                    Budget::Sentences(_) => None,
                },
                abstractive: self.abstractive.as_ref().map(|a| a.settings.clone()),
            },
            sentences: work.sentences,
            translated: work.translated,
            summarized: work.summarized,
            times: work.times,
            source_tokens: work.source_tokens,
            records,
            entries,
            warnings: self.warnings.clone(),
            unwritten: self.unwritten.clone(),
            skipped_records: self.skipped_records.clone(),
        }
    }
}

/// A model as briefs and `run.json` name it, and the fingerprint of its cache: its weights,
/// their precision in memory and the settings it runs with (`settings_json`).
fn identify(
    files: &ModelFiles,
    weights_sha256: String,
    quantize: Quantize,
    settings_json: &str,
) -> (ModelInfo, String) {
    let fingerprint =
        cache::fingerprint(&cache::weights_id(&weights_sha256, quantize), settings_json);
    let model = ModelInfo {
        id: files.id.clone(),
        revision: files.revision.clone(),
        weights_sha256,
        quantize,
    };
    (model, fingerprint)
}

/// Opens the cache `file` of `family`, having read the family's other files (other shards').
fn open_cache(file: PathBuf, family: &str) -> Result<TranslationCache, RunError> {
    TranslationCache::open_family(&file, Some(family))
        .map_err(|error| RunError::Output { path: file, error })
}

/// Records, once per file, that `path` (a cache) could not be written.
fn note_unwritten(unwritten: &mut Vec<Unwritten>, path: &Path, e: &std::io::Error) {
    let path = path.display().to_string();
    if !unwritten.iter().any(|u| u.path == path) {
        unwritten.push(Unwritten {
            path,
            error: e.to_string(),
        });
    }
}

/// A summary as its cache keeps it.
fn cached(s: Summary) -> CachedTranslation {
    CachedTranslation {
        en: s.one_line(),
        score: s.score,
        mean_logprob: Some(s.mean_logprob),
        source_tokens: s.source_tokens,
        target_tokens: s.tokens.len(),
        truncated: s.truncated,
    }
}

/// About how many sentence translations one abstractive summary costs (a 1,024-token
/// document through the encoder, then up to 142 tokens in beam 4): an article lacking its
/// summary counts this much towards a group, so briefs keep appearing as the night goes.
const SUMMARY_COST_IN_SENTENCES: usize = 32;

/// The record of a document that could not become an article.
fn record_of(e: &IngestError) -> ArticleRecord {
    if e.is_skip() {
        ArticleRecord::skipped(&e.origin(), e.to_string())
    } else {
        ArticleRecord::failed(&e.origin(), e.to_string())
    }
}

/// Creates the output folder and takes its run lock: the first thing a run does, before the
/// model is loaded, so that a second run on the same folder is refused at once.
pub fn lock_out(paths: &RunPaths, wait: bool) -> Result<RunLock, RunError> {
    create_out(&paths.out)?;
    // A shard's lock lives in `<out>/shards/`.
    if let Some(dir) = paths.lock.parent().filter(|d| *d != paths.out) {
        std::fs::create_dir_all(dir).map_err(|error| RunError::Output {
            path: dir.to_path_buf(),
            error,
        })?;
    }
    Ok(match paths.shard {
        Some(_) => RunLock::acquire_shard(&paths.folder_lock(), &paths.lock, &paths.out, wait)?,
        None => RunLock::acquire(&paths.lock, &paths.out, wait)?,
    })
}

/// Creates the output folder; an existing file of that name is a clear error, not an OS one.
fn create_out(out: &Path) -> Result<(), RunError> {
    if out.exists() && !out.is_dir() {
        return Err(RunError::OutNotDir {
            path: out.to_path_buf(),
        });
    }
    std::fs::create_dir_all(out).map_err(|error| RunError::Output {
        path: out.to_path_buf(),
        error,
    })
}

/// The normalised texts of an article the model must translate: title, headings, sentences.
fn units(a: &Article) -> impl Iterator<Item = &str> {
    a.blocks
        .iter()
        .flat_map(|b| b.sentences.iter().map(|s| s.normalized.as_str()))
}

fn decoding_info(d: &DecodeOptions) -> DecodingInfo {
    DecodingInfo {
        num_beams: d.num_beams,
        length_penalty: d.length_penalty,
        max_length: d.max_length,
        min_length: d.min_length,
        max_new_tokens: d.max_new_tokens,
        early_stopping: d.early_stopping,
    }
}

fn write(path: &Path, content: &str) -> Result<(), RunError> {
    write_if_changed(path, content.as_bytes()).map_err(|error| RunError::Output {
        path: path.to_path_buf(),
        error,
    })
}

/// How old a temporary file in a folder shared by shards must be to count as left behind:
/// an atomic write lasts milliseconds, a temporary file this old belongs to no live writer.
const SHARED_TEMP_MIN_AGE: Duration = Duration::from_secs(600);

/// Removes temporary files an interrupted run left behind, those at least `min_age` old.
fn remove_stale_temps(dir: &Path, min_age: Duration) {
    let old_enough = |e: &std::fs::DirEntry| {
        min_age.is_zero()
            || e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age >= min_age)
    };
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if is_temp_name(&e.path()) && old_enough(&e) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Bounded work per article: splits every sentence of `a` longer than `max` characters at
/// whitespace (see [`fit::hard_cut`]); returns how many were split.
fn cap_sentences(a: &mut Article, max: usize) -> usize {
    let sentence = |p: &str| clean::Sentence {
        normalized: crate::text::normalize::normalize(p),
        original: p.to_string(),
    };
    a.blocks
        .iter_mut()
        .map(|b| fit::cap_chars(&mut b.sentences, max, |s| &s.original, sentence))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_leaves_the_fresh_temporary_files_of_other_shards_alone() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join(".2025-01-01-abc.html.4242.tmp");
        std::fs::write(&temp, "being written by another shard").unwrap();
        remove_stale_temps(dir.path(), SHARED_TEMP_MIN_AGE);
        assert!(temp.exists(), "removed a live writer's file");
        remove_stale_temps(dir.path(), Duration::ZERO);
        assert!(!temp.exists());
    }
}
