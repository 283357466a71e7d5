//! A brief: one article, bilingual, ready to render. This is also the schema of the
//! `<slug>.json` files `nashra run` writes (see README.md, "Brief JSON").
//!
//! Briefs hold no timestamps: the same input, model and settings give byte-identical files.

use serde::{Deserialize, Serialize};

use crate::translate::Quantize;

/// An Arabic text and its English translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub ar: String,
    pub en: String,
}

/// A run of sentences under one heading (the first section may have none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub heading: Option<Pair>,
    pub sentences: Vec<Pair>,
}

/// A line of the input that was left out of the brief, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedLine {
    pub line: usize,
    pub reason: String,
    pub text: String,
}

/// Which model translated the brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    pub revision: Option<String>,
    pub weights_sha256: String,
    /// The weights' precision in memory when not the checkpoint's own (absent otherwise).
    #[serde(default, skip_serializing_if = "Quantize::is_none")]
    pub quantize: Quantize,
}

/// The decoding settings used (transformers' names and counting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodingInfo {
    pub num_beams: usize,
    pub length_penalty: f32,
    pub max_length: usize,
    pub min_length: usize,
    pub max_new_tokens: Option<usize>,
    pub early_stopping: String,
}

/// One article's brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub id: String,
    /// File-name stem of the brief's files.
    pub slug: String,
    pub source_path: String,
    pub url: Option<String>,
    /// ISO `yyyy-mm-dd`.
    pub date: Option<String>,
    pub source: Option<String>,
    pub title: Option<Pair>,
    /// The English headline: the translated title, or the translated lead sentence.
    pub headline: String,
    /// The summary sentences, in article order.
    pub summary: Vec<Pair>,
    pub sections: Vec<Section>,
    pub dropped: Vec<DroppedLine>,
    pub model: ModelInfo,
    pub decoding: DecodingInfo,
}

/// What the index lists for one brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub slug: String,
    pub headline: String,
    pub date: Option<String>,
    pub source: Option<String>,
    pub first_summary: Option<String>,
}

impl IndexEntry {
    pub fn of(b: &Brief) -> Self {
        Self {
            slug: b.slug.clone(),
            headline: b.headline.clone(),
            date: b.date.clone(),
            source: b.source.clone(),
            first_summary: b.summary.first().map(|p| p.en.clone()),
        }
    }
}

/// A file-name-safe slug: `2025-02-13-a1b9ebf1cb05`, or the id's first 12 characters when the
/// date is unknown. Ids from JSON lines may contain anything: only ASCII letters, digits and
/// `-`/`_` are kept.
pub fn slug(date: Option<&str>, id: &str) -> String {
    let clean: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(12)
        .collect();
    let clean = if clean.is_empty() {
        "article".to_string()
    } else {
        clean
    };
    match date {
        Some(d) if d.len() == 10 && d.chars().all(|c| c.is_ascii_digit() || c == '-') => {
            format!("{d}-{clean}")
        }
        _ => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_stable() {
        assert_eq!(
            slug(Some("2025-02-13"), "a1b9ebf1cb051c4a"),
            "2025-02-13-a1b9ebf1cb05"
        );
        assert_eq!(slug(None, "a1b9ebf1cb051c4a"), "a1b9ebf1cb05");
        assert_eq!(slug(Some("bad/../date"), "../x y"), "xy");
        assert_eq!(slug(None, "////"), "article");
    }
}
