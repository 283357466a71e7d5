//! Cleaning a scraped article: every line is classified as title, heading, body, metadata,
//! boilerplate, or part of a different article the page embedded, with a reason for each
//! drop; kept text is normalised for the model and split into sentences.
//!
//! The rules use structure first — where a line sits (the header block, the tail that
//! starts at the first of several end-of-article markers, the lines after a "read also"
//! marker), its shape (length, sentence punctuation, bullets), and repetition — and a short
//! list of marker phrases second, so they carry to pages the rules were not written for.

pub mod metadata;
pub mod normalize;
pub mod segment;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ingest::{Doc, Format};
use normalize::{arabic_ratio, fold_for_matching, normalize};

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
    /// ISO `yyyy-mm-dd`.
    pub date: Option<String>,
    /// The date as written.
    pub date_text: Option<String>,
    /// The source named by the page (`المصدر: …`, a JSON field or the site name).
    pub source: Option<String>,
    pub url: Option<String>,
    /// The publication's name from a masthead/header line.
    pub site: Option<String>,
    /// The encoding the bytes were decoded from.
    pub encoding: String,
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
    /// First and last input line, 1-based.
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

/// What a dropped line was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DropKind {
    /// Date, source or site lines: their content is in [`Metadata`].
    Metadata,
    /// Navigation, tags, share rows, link lists, mastheads, duplicates.
    Boilerplate,
    /// Part of a different article the page embedded.
    Embedded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    /// 1-based input line (0 for blocks the HTML extractor dropped).
    pub line: usize,
    pub kind: DropKind,
    pub reason: String,
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

#[derive(Debug, Clone, PartialEq)]
enum Label {
    Title,
    Heading,
    Body,
    Drop(DropKind, String),
}

struct Line<'a> {
    number: usize,
    text: &'a str,
    folded: String,
    words: usize,
    /// Index of the blank-line-separated block of the input the line is in.
    group: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    ReadAlso,
    Tags,
    Share,
    Similar,
    Source,
    Masthead,
    Copyright,
}

impl Marker {
    fn reason(self) -> &'static str {
        match self {
            Marker::ReadAlso => "read-also marker",
            Marker::Tags => "tag list",
            Marker::Share => "share/print row",
            Marker::Similar => "related-articles list header",
            Marker::Source => "source line",
            Marker::Masthead => "masthead",
            Marker::Copyright => "copyright notice",
        }
    }
}

/// Folded text without punctuation, for phrase matching.
fn bare(folded: &str) -> String {
    folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn marker(line: &Line) -> Option<Marker> {
    let b = bare(&line.folded);
    let starts = |list: &[&str]| {
        list.iter()
            .any(|p| b == *p || b.starts_with(&format!("{p} ")))
    };
    // Phrases after folding (alef forms, teh marbuta → heh, diacritics removed).
    const READ_ALSO: [&str; 8] = [
        "اقرا ايضا",
        "شاهد ايضا",
        "اقرا المزيد",
        "اقرا كذلك",
        "طالع ايضا",
        "read also",
        "see also",
        "شاهد كذلك",
    ];
    const TAGS: [&str; 7] = [
        "كلمات دلاليه",
        "الكلمات الدلاليه",
        "الوسوم",
        "وسوم",
        "كلمات مفتاحيه",
        "الكلمات المفتاحيه",
        "tags",
    ];
    const SIMILAR: [&str; 10] = [
        "مقالات مشابهه",
        "مقالات ذات صله",
        "اخبار ذات صله",
        "مواضيع ذات صله",
        "اخبار مشابهه",
        "الاكثر قراءه",
        "الاكثر مشاهده",
        "موضوعات متعلقه",
        "قد يعجبك ايضا",
        "اخبار متعلقه",
    ];
    const MASTHEAD: [&str; 5] = [
        "رئيس التحرير",
        "رئيس مجلس الاداره",
        "مدير التحرير",
        "رئيس التحرير التنفيذي",
        "المدير العام",
    ];
    if metadata::source_line(line.text).is_some() {
        return Some(Marker::Source);
    }
    // "اقرأ أيضاً" glued to the teaser that follows it ("اقرأ أيضاًالكرملين: …").
    let glued_read_also = ["اقرا ايضا", "شاهد ايضا"].iter().any(|p| b.starts_with(p));
    if starts(&READ_ALSO) || glued_read_also {
        return Some(Marker::ReadAlso);
    }
    if starts(&TAGS) {
        return Some(Marker::Tags);
    }
    if (starts(&SIMILAR) && line.words <= 6) || starts(&["المزيد من"]) && line.words <= 5 {
        return Some(Marker::Similar);
    }
    if starts(&MASTHEAD) && line.words <= 6 {
        return Some(Marker::Masthead);
    }
    if b.contains("جميع الحقوق محفوظه")
        || line.text.contains('©')
        || b.contains("all rights reserved")
    {
        return Some(Marker::Copyright);
    }
    let share_words = [
        "طباعه",
        "شارك",
        "مشاركه",
        "share",
        "print",
        "تويتر",
        "فيسبوك",
        "واتساب",
    ];
    if share_words.iter().any(|w| b.starts_with(w))
        || b.starts_with("تم نسخ الرابط")
        || b.starts_with("نسخ الرابط")
        || b.starts_with("انسخ الرابط")
    {
        return Some(Marker::Share);
    }
    None
}

fn is_bullet(text: &str) -> bool {
    text.trim_start()
        .starts_with(['•', '·', '▪', '●', '◦', '►', '■', '-', '*', '–'])
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .trim_end_matches(['"', '»', '”', ')', '\'', ' '])
        .ends_with(['.', '!', '…'])
}

/// A line shaped like a headline: short, no final full stop (a final `?` is fine).
fn headline_like(line: &Line) -> bool {
    line.words <= 18 && !ends_sentence(line.text) && !line.text.trim_end().ends_with(':')
}

/// Many words and no sentence punctuation at all: headlines or links glued into one line.
fn glued_run(line: &Line) -> bool {
    line.words >= 15
        && !line
            .text
            .contains(['.', '،', ',', '؛', '!', '؟', '?', '"', '«', '“'])
}

/// Classifies every line of a text (see the module docs).
fn classify(lines: &[Line], title_hint: Option<&str>) -> Vec<Label> {
    let n = lines.len();
    let mut labels: Vec<Option<Label>> = vec![None; n];
    let markers: Vec<Option<Marker>> = lines.iter().map(marker).collect();

    // Repetition: a line seen before is boilerplate (the title printed twice, a block of
    // links repeated).
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    for (i, l) in lines.iter().enumerate() {
        if let Some(&first) = seen.get(l.folded.as_str()) {
            labels[i] = Some(Label::Drop(
                DropKind::Boilerplate,
                format!("repeats line {}", lines[first].number),
            ));
        } else {
            seen.insert(&l.folded, i);
        }
    }

    // The tail: from the first end-of-article marker that is followed by more markers or by
    // little else, everything belongs to the page, not the article.
    let is_tail_marker = |m: &Option<Marker>| {
        matches!(
            m,
            Some(
                Marker::ReadAlso
                    | Marker::Tags
                    | Marker::Share
                    | Marker::Similar
                    | Marker::Source
                    | Marker::Copyright
            )
        )
    };
    let tail_start = (0..n).find(|&i| {
        if !is_tail_marker(&markers[i]) {
            return false;
        }
        let later_markers = markers[i + 1..]
            .iter()
            .filter(|m| is_tail_marker(m))
            .count();
        let later_lines = n - i - 1;
        // A read-also line carrying its own teaser ("اقرأ أيضا: headline") is often inserted
        // mid-article; only a bare marker announces that what follows is another article.
        let bare_marker = markers[i] != Some(Marker::ReadAlso) || lines[i].words <= 4;
        markers[i] == Some(Marker::Source)
            || later_markers >= 1
            || (later_lines <= 3 && bare_marker)
    });
    if let Some(t) = tail_start {
        let mut after_read_also = false;
        for i in t..n {
            if labels[i].is_some() {
                continue;
            }
            labels[i] = Some(match markers[i] {
                Some(Marker::Source) => Label::Drop(DropKind::Metadata, "source line".into()),
                Some(m) => {
                    after_read_also = m == Marker::ReadAlso;
                    Label::Drop(DropKind::Boilerplate, m.reason().into())
                }
                None if is_bullet(lines[i].text) => {
                    Label::Drop(DropKind::Boilerplate, "related-articles list".into())
                }
                None if glued_run(&lines[i]) => Label::Drop(
                    DropKind::Boilerplate,
                    "run of headlines glued together".into(),
                ),
                None if after_read_also => Label::Drop(
                    DropKind::Embedded,
                    "another article, embedded after a read-also marker".into(),
                ),
                None => Label::Drop(DropKind::Boilerplate, "after the end of the article".into()),
            });
        }
    }
    let body_end = tail_start.unwrap_or(n);

    // The header: a first block of short lines holding a dateline or a masthead.
    let first_group: Vec<usize> = (0..body_end)
        .take_while(|&i| lines[i].group == lines[0].group)
        .collect();
    let header_like = first_group.len() >= 2
        && first_group.iter().any(|&i| {
            markers[i] == Some(Marker::Masthead) || metadata::is_date_line(lines[i].text)
        })
        && first_group.iter().all(|&i| lines[i].words <= 8);
    let mut start = 0;
    if header_like {
        let mut after_masthead = false;
        for &i in &first_group {
            if labels[i].is_none() {
                labels[i] = Some(if metadata::is_date_line(lines[i].text) {
                    Label::Drop(DropKind::Metadata, "date line".into())
                } else if markers[i] == Some(Marker::Masthead) {
                    Label::Drop(DropKind::Boilerplate, "masthead".into())
                } else if after_masthead {
                    Label::Drop(DropKind::Boilerplate, "masthead (name)".into())
                } else {
                    Label::Drop(DropKind::Metadata, "site name".into())
                });
            }
            after_masthead = markers[i] == Some(Marker::Masthead);
        }
        start = first_group.len();
    } else if n > 0 && metadata::is_date_line(lines[0].text) && labels[0].is_none() {
        labels[0] = Some(Label::Drop(DropKind::Metadata, "date line".into()));
        start = 1;
    }

    // The article proper.
    let content: Vec<usize> = (start..body_end).filter(|&i| labels[i].is_none()).collect();
    let mut title_done = false;
    if let (Some(hint), Some(&first)) = (title_hint, content.first()) {
        if fold_for_matching(hint.trim()) == lines[first].folded {
            labels[first] = Some(Label::Title);
        }
        title_done = true;
    }
    if !title_done {
        if let [first, second, ..] = content[..] {
            let f = &lines[first];
            let repeated = lines.iter().skip(first + 1).any(|l| l.folded == f.folded);
            let body_follows = content[1..]
                .iter()
                .take(3)
                .any(|&j| !headline_like(&lines[j]));
            if headline_like(f)
                && f.words <= 25
                && markers[first].is_none()
                && (lines[second].words > f.words || repeated || body_follows)
            {
                labels[first] = Some(Label::Title);
            }
        }
    }
    let mut after_inline_read_also = false;
    for (k, &i) in content.iter().enumerate() {
        if labels[i].is_some() {
            continue;
        }
        let l = &lines[i];
        let next = content.get(k + 1).map(|&j| &lines[j]);
        let label = if let Some(m) = markers[i] {
            after_inline_read_also = m == Marker::ReadAlso;
            if m == Marker::Source {
                Label::Drop(DropKind::Metadata, "source line".into())
            } else {
                Label::Drop(DropKind::Boilerplate, m.reason().into())
            }
        } else if after_inline_read_also && headline_like(l) {
            Label::Drop(DropKind::Boilerplate, "read-also teaser".into())
        } else if glued_run(l) {
            Label::Drop(
                DropKind::Boilerplate,
                "run of headlines glued together".into(),
            )
        } else if is_bullet(l.text)
            && headline_like(l)
            && [k.checked_sub(1), Some(k + 1)]
                .iter()
                .flatten()
                .filter_map(|&kk| content.get(kk))
                .any(|&j| is_bullet(lines[j].text))
        {
            Label::Drop(DropKind::Boilerplate, "list of links".into())
        } else if headline_like(l)
            && l.words <= 15
            && next.is_some_and(|nx| !headline_like(nx) || nx.words > l.words)
        {
            Label::Heading
        } else {
            Label::Body
        };
        if !matches!(markers[i], Some(Marker::ReadAlso)) {
            after_inline_read_also = false;
        }
        labels[i] = Some(label);
    }
    labels
        .into_iter()
        .map(|l| l.unwrap_or(Label::Body))
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
    segment::sentences(text)
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
    let mut group = 0;
    let mut raw_lines = Vec::new();
    let mut prev_blank = false;
    for (i, raw) in doc.text.lines().enumerate() {
        let text = raw.trim_start_matches('\u{FEFF}').trim();
        if text.is_empty() {
            prev_blank = true;
            continue;
        }
        if prev_blank && !raw_lines.is_empty() {
            group += 1;
        }
        prev_blank = false;
        raw_lines.push(Line {
            number: i + 1,
            text,
            folded: fold_for_matching(text),
            words: text.split_whitespace().count(),
            group,
        });
    }
    if raw_lines.is_empty() {
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
    let labels = classify(&raw_lines, doc.fields.title.as_deref());

    let mut meta = Metadata {
        date: doc.fields.date.as_deref().and_then(metadata::find_date),
        date_text: doc.fields.date.clone(),
        source: doc.fields.source.clone(),
        url: doc.fields.url.clone(),
        site: None,
        encoding: doc.encoding.to_string(),
    };
    let mut title = None;
    let mut blocks = Vec::new();
    let mut dropped: Vec<Dropped> = doc
        .dropped
        .iter()
        .map(|(text, reason)| Dropped {
            line: 0,
            kind: DropKind::Boilerplate,
            reason: reason.clone(),
            text: text.clone(),
        })
        .collect();
    for (line, label) in raw_lines.iter().zip(labels) {
        let block = |kind: BlockKind, sentences: Vec<Sentence>| Block {
            kind,
            lines: (line.number, line.number),
            text: line.text.to_string(),
            normalized: normalize(line.text),
            sentences,
        };
        let whole = || {
            vec![Sentence {
                original: line.text.to_string(),
                normalized: normalize(line.text),
            }]
        };
        match label {
            Label::Title => {
                title = Some(line.text.to_string());
                blocks.push(block(BlockKind::Title, whole()));
            }
            Label::Heading => blocks.push(block(BlockKind::Heading, whole())),
            Label::Body => blocks.push(block(BlockKind::Paragraph, sentences_of(line.text))),
            Label::Drop(kind, reason) => {
                if kind == DropKind::Metadata {
                    match reason.as_str() {
                        "date line" => {
                            if meta.date.is_none() {
                                meta.date = metadata::find_date(line.text);
                                meta.date_text = Some(line.text.to_string());
                            }
                        }
                        "source line" => {
                            if meta.source.is_none() {
                                meta.source = metadata::source_line(line.text);
                            }
                        }
                        _ => {
                            if meta.site.is_none() {
                                meta.site = Some(line.text.to_string());
                            }
                        }
                    }
                }
                dropped.push(Dropped {
                    line: line.number,
                    kind,
                    reason,
                    text: line.text.to_string(),
                });
            }
        }
    }
    if title.is_none() {
        if let Some(t) = &doc.fields.title {
            title = Some(t.trim().to_string()).filter(|t| !t.is_empty());
        }
    }
    if meta.source.is_none() {
        meta.source = meta.site.clone();
    }
    if !blocks.iter().any(|b| b.kind == BlockKind::Paragraph) {
        return Err(Skip {
            reason: "no article text left after removing boilerplate".into(),
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
        return Err(Skip {
            reason: format!(
                "not mainly Arabic ({:.0}% of its letters are Arabic)",
                ratio * 100.0
            ),
        });
    }
    let id = match (&doc.fields.id, doc.format) {
        (Some(id), _) => id.clone(),
        (None, Format::Html | Format::Text | Format::Jsonl) => content_id(&doc.text),
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
