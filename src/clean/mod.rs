//! Cleaning a scraped article: every line is classified as title, heading, body, metadata,
//! boilerplate, or part of a different article the page embedded, with a typed reason for
//! each drop; kept text is normalised for the model and split into sentences.
//!
//! Decisions come from structure and language first, as in jusText, trafilatura and
//! Readability: where a line sits relative to the densest run of prose, its length, its
//! density of Arabic function words, its punctuation, its share of digits and Latin letters,
//! repetition on the page and across the batch (a site's template). A short list of marker
//! phrases (اقرأ أيضا، كلمات دلالية…) decides only what is truly lexical. `classify` is the
//! list of passes, each in `passes` with its own tests.

pub mod label;
mod lines;
pub mod metadata;
mod passes;
mod shapes;
pub mod template;

pub use label::{DropKind, Label, Pass, Reason};
pub use template::SiteTemplate;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ingest::{Doc, Format};
use crate::text::normalize::{arabic_ratio, normalize};
use crate::text::segment::sentences;
use lines::Line;
use passes::{Decision, Page};

/// A cleaned article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Hex hash of the decoded content (or the id a JSON-lines record gave).
    pub id: String,
    /// Where it came from (`path`, `path:LINE` or `<stdin>`).
    pub path: String,
    /// The page title, original text.
    pub title: Option<String>,
    pub metadata: Metadata,
    pub blocks: Vec<Block>,
    pub dropped: Vec<Dropped>,
    pub warnings: Vec<String>,
}

/// What is known about an article beside its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// ISO `yyyy-mm-dd`, when the page's date parses (Gregorian, any digits and month
    /// names); `None` for Hijri-only or relative dates, whose text is in `date_text`.
    pub date: Option<String>,
    /// The date as written.
    pub date_text: Option<String>,
    /// The source named by the page (`المصدر: …`, a JSON field or the site name).
    pub source: Option<String>,
    pub url: Option<String>,
    /// The publication's name from a masthead/header line.
    pub site: Option<String>,
    /// The author named by a byline (`بقلم`, `كتب`, a lone name under the title).
    #[serde(default)]
    pub author: Option<String>,
    /// The encoding the bytes were decoded from.
    pub encoding: String,
    /// When a crawler fetched the page (WARC inputs); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawled: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Title,
    Heading,
    Paragraph,
}

/// A kept block of text (one input line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    /// First and last input line, 1-based; 0 for a record's title that is no line of its text.
    pub lines: (usize, usize),
    /// The original text, verbatim.
    pub text: String,
    /// The text normalised for the model.
    pub normalized: String,
    pub sentences: Vec<Sentence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub original: String,
    pub normalized: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    /// 1-based input line (0 for blocks the HTML extractor dropped).
    pub line: usize,
    pub kind: DropKind,
    pub reason: Reason,
    pub text: String,
}

/// Why a document yields no article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub reason: String,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Runs the passes over one document's lines (see [`passes`] for each).
fn run_passes<'a>(lines: &'a [Line<'a>], hint: Option<&str>, template: &SiteTemplate) -> Page<'a> {
    let mut page = Page::new(lines);
    passes::line_shapes(&mut page);
    passes::markers(&mut page);
    passes::repeats(&mut page);
    passes::template(&mut page, template);
    passes::body_run(&mut page);
    passes::title(&mut page, hint);
    passes::extend_body_down(&mut page);
    passes::header(&mut page);
    passes::body(&mut page);
    passes::tail(&mut page);
    page
}

/// Labels every line of a document: title, heading, body, or dropped with a reason.
fn classify(lines: &[Line], hint: Option<&str>, template: &SiteTemplate) -> Vec<Decision> {
    let page = run_passes(lines, hint, template);
    page.decided
        .into_iter()
        .map(|d| {
            d.unwrap_or(Decision {
                label: Label::Body,
                pass: Pass::Body,
            })
        })
        .collect()
}

/// The content hash that identifies an article, whatever its file name or encoding.
pub fn content_id(text: &str) -> String {
    let canonical: String = text
        .replace("\r\n", "\n")
        .trim_start_matches('\u{FEFF}')
        .trim()
        .to_string();
    hex::encode(&Sha256::digest(canonical.as_bytes())[..8])
}

fn sentences_of(text: &str) -> Vec<Sentence> {
    sentences(text)
        .into_iter()
        .map(|s| Sentence {
            original: s.to_string(),
            normalized: normalize(s),
        })
        .filter(|s| !s.normalized.is_empty())
        .collect()
}

/// Structures one decoded document into an article, or says why it cannot be one.
pub fn structure(doc: &Doc) -> Result<Article, Skip> {
    structure_with(doc, &SiteTemplate::default())
}

/// Structures a batch: the lines several unrelated articles share (a site's template) are
/// learnt first and dropped from all of them. One result per document, in order.
pub fn structure_batch(docs: &[Doc]) -> Vec<Result<Article, Skip>> {
    let template = SiteTemplate::learn(docs.iter().map(|d| d.text.as_str()));
    docs.par_iter()
        .map(|d| structure_with(d, &template))
        .collect()
}

/// Structures one document with a template learnt from its batch.
pub fn structure_with(doc: &Doc, template: &SiteTemplate) -> Result<Article, Skip> {
    let lines = lines::split(&doc.text);
    check_decodable(doc, &lines)?;
    let decisions = classify(&lines, doc.fields.title.as_deref(), template);
    let meta = metadata_of(doc, &lines, &decisions);
    let mut title = None;
    let mut blocks = Vec::new();
    let mut dropped: Vec<Dropped> = doc
        .dropped
        .iter()
        .map(|(text, reason)| Dropped {
            line: 0,
            kind: DropKind::Boilerplate,
            reason: Reason::Extractor(reason.clone()),
            text: text.clone(),
        })
        .collect();
    for (line, decision) in lines.iter().zip(decisions) {
        let kind = match decision.label {
            Label::Title => {
                title = Some(line.text.to_string());
                BlockKind::Title
            }
            Label::Heading => BlockKind::Heading,
            Label::Body => BlockKind::Paragraph,
            Label::Drop(reason) => {
                dropped.push(Dropped {
                    line: line.number,
                    kind: reason.kind(),
                    reason,
                    text: line.text.to_string(),
                });
                continue;
            }
        };
        blocks.push(block(line, kind));
    }
    if title.is_none() {
        if let Some(t) = &doc.fields.title {
            title = Some(t.trim().to_string()).filter(|t| !t.is_empty());
        }
        if let (Some(t), Format::Text) = (&title, doc.format) {
            // A text document has a title field only from its JSON record (extractor JSON,
            // news-please, our own records), which keeps the headline apart from the text:
            // the brief shows it and the summary reads it as it would a title line. An HTML
            // page's meta title may carry the site's name, so there it only helps find the
            // title line.
            blocks.insert(0, title_block(t));
        }
    }
    check_article(doc, &blocks)?;
    let id = match (&doc.fields.id, doc.format) {
        (Some(id), _) => id.clone(),
        (None, Format::Html | Format::Text | Format::Jsonl | Format::Warc) => content_id(&doc.text),
    };
    Ok(Article {
        id,
        path: doc.origin.clone(),
        title,
        metadata: meta,
        blocks,
        dropped,
        warnings: doc.warnings.clone(),
    })
}

/// A kept line as a block: headings and titles are one unit, paragraphs are split into
/// sentences.
fn block(line: &Line, kind: BlockKind) -> Block {
    block_of(line.number, line.text, kind)
}

/// The block of `text`, line `number` of the input.
fn block_of(number: usize, text: &str, kind: BlockKind) -> Block {
    let sentences = match kind {
        BlockKind::Paragraph => sentences_of(text),
        BlockKind::Title | BlockKind::Heading => vec![Sentence {
            original: text.to_string(),
            normalized: normalize(text),
        }],
    };
    Block {
        kind,
        lines: (number, number),
        text: text.to_string(),
        normalized: normalize(text),
        sentences,
    }
}

/// The title block of a headline that is not a line of the text (line 0: none).
fn title_block(title: &str) -> Block {
    block_of(0, title, BlockKind::Title)
}

/// Refuses empty documents and binary data decoded as text.
fn check_decodable(doc: &Doc, lines: &[Line]) -> Result<(), Skip> {
    if lines.is_empty() {
        return Err(Skip {
            reason: "empty document".into(),
        });
    }
    // Text never contains NULs or many other control characters; binary data decoded as a
    // legacy encoding does.
    let controls = doc
        .text
        .chars()
        .filter(|c| c.is_control() && !c.is_whitespace())
        .count();
    let replaced = doc.text.chars().filter(|&c| c == '\u{FFFD}').count();
    let total = doc.text.chars().count().max(1);
    if (controls > 0 && controls * 50 >= total) || replaced * 5 >= total {
        return Err(Skip {
            reason: "undecodable: binary data or an unknown encoding".into(),
        });
    }
    Ok(())
}

/// Refuses what is left when it is no Arabic article: no paragraph, too short, not Arabic.
fn check_article(doc: &Doc, blocks: &[Block]) -> Result<(), Skip> {
    let not_arabic = |ratio: f64| Skip {
        reason: format!(
            "not mainly Arabic ({:.0}% of its letters are Arabic)",
            ratio * 100.0
        ),
    };
    if !blocks.iter().any(|b| b.kind == BlockKind::Paragraph) {
        let ratio = arabic_ratio(&doc.text);
        return Err(if ratio < 0.5 {
            not_arabic(ratio)
        } else {
            Skip {
                reason: "no article text left after removing boilerplate".into(),
            }
        });
    }
    let kept: String = blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let words = kept.split_whitespace().count();
    if words < 5 {
        return Err(Skip {
            reason: format!("too short to be an article ({words} words)"),
        });
    }
    let ratio = arabic_ratio(&kept);
    if ratio < 0.5 {
        return Err(not_arabic(ratio));
    }
    Ok(())
}

/// The article's metadata: the document's own fields (JSON lines, HTML meta tags) first,
/// then a scraper's line, then what the dropped metadata lines say. A date under the title
/// is the publication date; one above it (a site's clock) only when there is no other.
fn metadata_of(doc: &Doc, lines: &[Line], decisions: &[Decision]) -> Metadata {
    let mut meta = Metadata {
        date: doc.fields.date.as_deref().and_then(metadata::find_date),
        date_text: doc.fields.date.clone(),
        source: doc.fields.source.clone(),
        url: doc.fields.url.clone(),
        site: None,
        author: None,
        encoding: doc.encoding.to_string(),
        crawled: doc.fields.crawled.clone(),
    };
    let title = decisions.iter().position(|d| d.label == Label::Title);
    let mut dates: Vec<(bool, &Line)> = Vec::new();
    for (i, (line, d)) in lines.iter().zip(decisions).enumerate() {
        let Label::Drop(reason) = &d.label else {
            continue;
        };
        let text = line.text;
        match reason {
            Reason::ScraperLine => {
                if let Some(s) = metadata::scraper_line(text) {
                    meta.url = meta.url.take().or(s.url);
                    if meta.date.is_none() && s.date.is_some() {
                        meta.date = s.date;
                        meta.date_text = Some(text.to_string());
                    }
                }
            }
            Reason::DateLine => {
                dates.push((title.is_some_and(|t| i > t), line));
                fill(&mut meta.author, metadata::byline(text));
            }
            Reason::Byline => {
                // A lone name, perhaps with its city: `معتز الشامي (أبوظبي)`.
                let name = text.split('(').next().unwrap_or(text).trim().to_string();
                fill(&mut meta.author, metadata::byline(text).or(Some(name)))
            }
            Reason::Dateline => fill(&mut meta.source, metadata::agency(text)),
            Reason::SourceLine => fill(&mut meta.source, metadata::source_line(text)),
            Reason::SiteName => fill(&mut meta.site, Some(text.to_string())),
            _ => {}
        }
    }
    if meta.date.is_none() {
        choose_date(&mut meta, &dates);
    }
    if meta.source.is_none() {
        meta.source = meta.site.clone();
    }
    meta
}

/// The publication date among the page's date lines (`(under the title, line)`): the first
/// that parses under the title, else above it (a site's clock); else the first line's text
/// as written (a Hijri or relative date).
fn choose_date(meta: &mut Metadata, dates: &[(bool, &Line)]) {
    let parsed = |under: bool| {
        dates
            .iter()
            .filter(|(u, _)| *u == under)
            .find_map(|(_, l)| metadata::find_date(l.text).map(|d| (d, l.text)))
    };
    if let Some((date, text)) = parsed(true).or_else(|| parsed(false)) {
        meta.date = Some(date);
        meta.date_text = Some(text.to_string());
    } else if meta.date_text.is_none() {
        meta.date_text = dates.first().map(|(_, l)| l.text.to_string());
    }
}

fn fill(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value.filter(|v| !v.trim().is_empty());
    }
}

/// One line as `nashra clean --explain` shows it: its label, the pass that decided, and the
/// signals the passes measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainedLine {
    pub line: usize,
    pub label: &'static str,
    pub reason: Option<Reason>,
    pub pass: Pass,
    pub signals: Vec<String>,
    pub text: String,
}

/// Every line of a document with its decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub origin: String,
    pub lines: Vec<ExplainedLine>,
}

/// Explains how a document is cleaned, line by line (with a batch's template, or
/// `SiteTemplate::default()` for a file alone).
pub fn explain(doc: &Doc, template: &SiteTemplate) -> Explanation {
    let lines = lines::split(&doc.text);
    let page = run_passes(&lines, doc.fields.title.as_deref(), template);
    let explained = (0..lines.len())
        .map(|i| {
            let d = page.decided[i].clone().unwrap_or(Decision {
                label: Label::Body,
                pass: Pass::Body,
            });
            ExplainedLine {
                line: lines[i].number,
                label: d.label.tag(),
                reason: match d.label {
                    Label::Drop(r) => Some(r),
                    _ => None,
                },
                pass: d.pass,
                signals: page.signals(i),
                text: lines[i].text.to_string(),
            }
        })
        .collect();
    Explanation {
        origin: doc.origin.clone(),
        lines: explained,
    }
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "== {}", self.origin)?;
        for l in &self.lines {
            let text: String = l.text.chars().take(80).collect();
            let why = l
                .reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            writeln!(f, "{:>5} {:<5} {}{why}  {text}", l.line, l.label, l.pass)?;
            writeln!(f, "            [{}]", l.signals.join(", "))?;
        }
        Ok(())
    }
}
