//! The nightly batch job (`nashra run`): a folder of raw articles in, a folder of bilingual
//! briefs out, an index and a run manifest — fast, incremental, and unable to lose finished
//! work.
//!
//! Flow: read and clean every article in parallel → gather the sentences still missing from
//! the translation cache, a group of articles at a time, and translate them in length-sorted
//! batches across articles → append each group's translations to the cache (synced) →
//! summarise and render that group's briefs in parallel, each file written atomically → the
//! index and `run.json` last. A run killed at any point leaves only complete files, and the
//! next run picks up from the cache.

pub mod cache;
pub mod manifest;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::brief::{self, Brief, DecodingInfo, DroppedLine, IndexEntry, ModelInfo, Pair, Section};
use crate::clean::{self, Article, BlockKind};
use crate::fsutil::{is_temp_name, write_atomic};
use crate::ingest;
use crate::render;
use crate::summarize;
use crate::translate::{BatchPolicy, DecodeOptions, Translator};
use cache::{CachedTranslation, TranslationCache};
use manifest::{ArticleRecord, ArticleStatus, Counts, Manifest, StageTimes, Throughput};

/// Which files to write per article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Formats {
    pub html: bool,
    pub md: bool,
    pub json: bool,
}

impl Formats {
    /// Parses `html,md,json` (any subset, at least one).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut f = Self {
            html: false,
            md: false,
            json: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "html" => f.html = true,
                "md" | "markdown" => f.md = true,
                "json" => f.json = true,
                other => return Err(format!("unknown format {other:?} (use html, md, json)")),
            }
        }
        if !(f.html || f.md || f.json) {
            return Err("--formats needs at least one of html, md, json".into());
        }
        Ok(f)
    }
}

/// Everything a run needs besides the model.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    /// Where the translation cache lives (default: `<out>/.cache`).
    pub cache_dir: Option<PathBuf>,
    pub formats: Formats,
    pub decode: DecodeOptions,
    pub batch: BatchPolicy,
    pub threads: usize,
    pub summary_sentences: usize,
    /// Uncached sentences gathered before the model is called: small values show briefs
    /// sooner, large values fill batches better.
    pub group_sentences: usize,
}

/// Progress events, for a progress bar or log lines.
pub trait Progress {
    fn articles_read(&mut self, total: usize, ok: usize);
    fn translated(&mut self, sentences: usize, seconds: f64);
    fn article_done(&mut self, done: usize, total: usize);
}

/// Progress that reports nothing.
pub struct Silent;
impl Progress for Silent {
    fn articles_read(&mut self, _: usize, _: usize) {}
    fn translated(&mut self, _: usize, _: f64) {}
    fn article_done(&mut self, _: usize, _: usize) {}
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub manifest: Manifest,
    /// 0: every article done; 2: some failed or were skipped.
    pub exit_code: u8,
}

/// Errors that stop a run before any article can be processed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Input(#[from] ingest::IngestError),
    #[error("no articles found in {0}")]
    NoInput(String),
    #[error("{}: {source}", path.display())]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Translate(#[from] crate::translate::TranslateError),
}

enum Loaded {
    Ok(Box<Article>),
    Failed { origin: String, error: String },
    Skipped { origin: String, reason: String },
}

/// Reads and cleans one file's documents.
fn load_file(path: &Path) -> Vec<Loaded> {
    match ingest::read_path(path) {
        Err(e) => vec![Loaded::Failed {
            origin: path.display().to_string(),
            error: e.to_string(),
        }],
        Ok(docs) => docs
            .into_iter()
            .map(|raw| match raw {
                Err(error) => Loaded::Failed {
                    origin: error.split(": ").next().unwrap_or_default().to_string(),
                    error,
                },
                Ok(raw) => match clean::structure(&ingest::decode(&raw)) {
                    Ok(a) => Loaded::Ok(Box::new(a)),
                    Err(skip) => Loaded::Skipped {
                        origin: raw.origin,
                        reason: skip.reason,
                    },
                },
            })
            .collect(),
    }
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
        early_stopping: d.early_stopping.as_str().to_string(),
    }
}

/// Builds the brief of an article whose sentences are all translated.
pub fn build_brief(
    a: &Article,
    translations: &HashMap<String, CachedTranslation>,
    model: &ModelInfo,
    decoding: &DecodingInfo,
    summary_sentences: usize,
) -> Brief {
    let en = |normalized: &str| {
        translations
            .get(normalized)
            .map(|t| t.en.clone())
            .unwrap_or_default()
    };
    let pair = |ar: &str, normalized: &str| Pair {
        ar: ar.to_string(),
        en: en(normalized),
        logprob: translations.get(normalized).and_then(|t| t.mean_logprob),
    };
    let mut title = None;
    let mut sections: Vec<Section> = Vec::new();
    let mut body: Vec<(&str, &str)> = Vec::new(); // (original, normalized)
    for b in &a.blocks {
        match b.kind {
            BlockKind::Title => title = Some(pair(&b.text, &b.normalized)),
            BlockKind::Heading => sections.push(Section {
                heading: Some(pair(&b.text, &b.normalized)),
                sentences: Vec::new(),
            }),
            BlockKind::Paragraph => {
                if sections.is_empty() {
                    sections.push(Section {
                        heading: None,
                        sentences: Vec::new(),
                    });
                }
                let section = sections.last_mut().expect("pushed above");
                for s in &b.sentences {
                    section.sentences.push(pair(&s.original, &s.normalized));
                    body.push((&s.original, &s.normalized));
                }
            }
        }
    }
    let normalized: Vec<&str> = body.iter().map(|b| b.1).collect();
    let summary: Vec<Pair> = summarize::select(&normalized, summary_sentences)
        .into_iter()
        .map(|i| pair(body[i].0, body[i].1))
        .collect();
    let headline = title
        .as_ref()
        .map(|t| t.en.clone())
        .filter(|t| !t.is_empty())
        .or_else(|| body.first().map(|b| en(b.1)))
        .unwrap_or_default();
    Brief {
        id: a.id.clone(),
        slug: brief::slug(a.metadata.date.as_deref(), &a.id),
        source_path: a.path.clone(),
        url: a.metadata.url.clone(),
        date: a.metadata.date.clone(),
        source: a.metadata.source.clone(),
        title,
        headline,
        summary,
        sections,
        dropped: a
            .dropped
            .iter()
            .map(|d| DroppedLine {
                line: d.line,
                reason: d.reason.clone(),
                text: d.text.clone(),
            })
            .collect(),
        model: model.clone(),
        decoding: decoding.clone(),
    }
}

fn write(path: &Path, content: &str) -> Result<(), RunError> {
    write_atomic(path, content.as_bytes()).map_err(|source| RunError::Output {
        path: path.to_path_buf(),
        source,
    })
}

/// Removes temporary files an interrupted run left behind.
fn remove_stale_temps(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if is_temp_name(&e.path()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Runs the whole job. Errors are returned only when nothing can run; a bad article is
/// recorded in the manifest and the others complete.
pub fn run(
    settings: &RunSettings,
    translator: &Translator,
    progress: &mut dyn Progress,
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let mut times = StageTimes::default();
    std::fs::create_dir_all(&settings.out).map_err(|source| RunError::Output {
        path: settings.out.clone(),
        source,
    })?;
    remove_stale_temps(&settings.out);

    // Ingest and clean, in parallel.
    let t = Instant::now();
    let files = ingest::discover(&settings.inputs)?;
    if files.is_empty() {
        return Err(RunError::NoInput(
            settings
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let loaded: Vec<Loaded> = files.par_iter().flat_map(|f| load_file(f)).collect();
    times.clean_s = t.elapsed().as_secs_f64();

    let mut records: Vec<ArticleRecord> = Vec::new();
    let mut articles: Vec<Article> = Vec::new();
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    for l in loaded {
        match l {
            Loaded::Ok(a) => {
                if let Some(first) = seen_ids.get(&a.id) {
                    records.push(ArticleRecord::skipped(
                        &a.path,
                        format!("same content as {first}"),
                    ));
                    continue;
                }
                seen_ids.insert(a.id.clone(), a.path.clone());
                articles.push(*a);
            }
            Loaded::Failed { origin, error } => records.push(ArticleRecord::failed(&origin, error)),
            Loaded::Skipped { origin, reason } => {
                records.push(ArticleRecord::skipped(&origin, reason))
            }
        }
    }
    progress.articles_read(articles.len() + records.len(), articles.len());

    // Translation, group by group, through the cache.
    let weights_sha256 = translator.weights_sha256()?.to_string();
    let settings_json = serde_json::to_string(&settings.decode).expect("settings serialise");
    let fingerprint = cache::fingerprint(&weights_sha256, &settings_json);
    let cache_dir = settings
        .cache_dir
        .clone()
        .unwrap_or_else(|| settings.out.join(".cache"));
    let mut cache =
        TranslationCache::open(&cache_dir, &fingerprint).map_err(|source| RunError::Output {
            path: cache_dir.clone(),
            source,
        })?;
    let model = ModelInfo {
        id: translator.files().id.clone(),
        revision: translator.files().revision.clone(),
        weights_sha256: weights_sha256.clone(),
    };
    let decoding = decoding_info(&settings.decode);
    let mut counts = Counts {
        articles: articles.len() + records.len(),
        ..Default::default()
    };
    let mut source_tokens = 0usize;
    let mut translate_s = 0.0;
    let mut render_s = 0.0;
    let mut briefs: Vec<(usize, Brief)> = Vec::new();
    let mut article_errors: HashMap<usize, String> = HashMap::new();
    let mut done = 0;
    let mut next = 0;
    while next < articles.len() {
        // The next group: articles until enough uncached sentences are gathered.
        let mut group_end = next;
        let mut missing: Vec<String> = Vec::new();
        let mut missing_set: HashSet<&str> = HashSet::new();
        while group_end < articles.len() && missing.len() < settings.group_sentences.max(1) {
            for u in units(&articles[group_end]) {
                if cache.get(u).is_none() && missing_set.insert(u) {
                    missing.push(u.to_string());
                }
            }
            group_end += 1;
        }
        let group = next..group_end;
        next = group_end;
        counts.sentences += articles[group.clone()]
            .iter()
            .map(|a| units(a).count())
            .sum::<usize>();

        if !missing.is_empty() {
            let t = Instant::now();
            let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
            let out = translator.translate(&refs, &settings.decode, &settings.batch)?;
            let seconds = t.elapsed().as_secs_f64();
            translate_s += seconds;
            counts.translated += missing.len();
            source_tokens += out.iter().map(|t| t.source_tokens).sum::<usize>();
            progress.translated(missing.len(), seconds);
            cache
                .insert_all(missing.iter().cloned().zip(out).map(|(src, t)| {
                    (
                        src,
                        CachedTranslation {
                            en: t.text,
                            score: t.score,
                            mean_logprob: Some(t.mean_logprob),
                            source_tokens: t.source_tokens,
                            target_tokens: t.tokens.len(),
                        },
                    )
                }))
                .map_err(|source| RunError::Output {
                    path: cache.path().to_path_buf(),
                    source,
                })?;
        }

        // Render the group's briefs in parallel; every file is written atomically.
        let t = Instant::now();
        let lookup: HashMap<String, CachedTranslation> = articles[group.clone()]
            .iter()
            .flat_map(units)
            .filter_map(|u| cache.get(u).map(|c| (u.to_string(), c.clone())))
            .collect();
        let rendered: Vec<(usize, Result<Brief, String>)> = group
            .clone()
            .into_par_iter()
            .map(|i| {
                let b = build_brief(
                    &articles[i],
                    &lookup,
                    &model,
                    &decoding,
                    settings.summary_sentences,
                );
                let base = settings.out.join(&b.slug);
                let result = (|| {
                    if settings.formats.html {
                        write(&base.with_extension("html"), &render::html::brief(&b))?;
                    }
                    if settings.formats.md {
                        write(&base.with_extension("md"), &render::markdown::brief(&b))?;
                    }
                    if settings.formats.json {
                        write(&base.with_extension("json"), &render::json(&b))?;
                    }
                    Ok::<(), RunError>(())
                })();
                (i, result.map(|_| b).map_err(|e| e.to_string()))
            })
            .collect();
        render_s += t.elapsed().as_secs_f64();
        for (i, r) in rendered {
            match r {
                Ok(b) => briefs.push((i, b)),
                Err(e) => {
                    article_errors.insert(i, e);
                }
            }
            done += 1;
            progress.article_done(done, articles.len());
        }
    }
    counts.cached = counts.sentences - counts.translated.min(counts.sentences);

    // Index and manifest.
    briefs.sort_by_key(|(i, _)| *i);
    counts.low_confidence = briefs.iter().map(|(_, b)| b.low_confidence()).sum();
    let entries: Vec<IndexEntry> = briefs.iter().map(|(_, b)| IndexEntry::of(b)).collect();
    for (name, contents) in render::index::files(&entries) {
        write(&settings.out.join(name), &contents)?;
    }
    let by_index: HashMap<usize, &Brief> = briefs.iter().map(|(i, b)| (*i, b)).collect();
    for (i, a) in articles.iter().enumerate() {
        records.push(match (by_index.get(&i), article_errors.get(&i)) {
            (Some(b), _) => ArticleRecord::ok(a, &b.slug, &settings.formats),
            (None, Some(e)) => ArticleRecord::failed(&a.path, e.clone()),
            (None, None) => ArticleRecord::failed(&a.path, "not rendered".into()),
        });
    }
    records.sort_by(|a, b| a.path.cmp(&b.path));
    counts.ok = records
        .iter()
        .filter(|r| r.status == ArticleStatus::Ok)
        .count();
    counts.failed = records
        .iter()
        .filter(|r| r.status == ArticleStatus::Failed)
        .count();
    counts.skipped = records
        .iter()
        .filter(|r| r.status == ArticleStatus::Skipped)
        .count();
    times.translate_s = translate_s;
    times.render_s = render_s;
    times.total_s = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        model,
        settings: manifest::Settings {
            decoding,
            batch: settings.batch,
            threads: settings.threads,
            summary_sentences: settings.summary_sentences,
            formats: settings.formats,
            cache: cache.path().display().to_string(),
        },
        counts: counts.clone(),
        times,
        throughput: Throughput {
            source_tokens,
            source_tokens_per_s: if translate_s > 0.0 {
                source_tokens as f64 / translate_s
            } else {
                0.0
            },
            sentences_per_s: if translate_s > 0.0 {
                counts.translated as f64 / translate_s
            } else {
                0.0
            },
        },
        articles: records,
    };
    write(
        &settings.out.join("run.json"),
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&manifest).expect("manifest serialises")
        ),
    )?;
    let exit_code = if counts.failed + counts.skipped > 0 {
        2
    } else {
        0
    };
    Ok(RunOutcome {
        manifest,
        exit_code,
    })
}
