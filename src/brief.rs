//! A brief: one article, bilingual, ready to render. This is also the schema of the
//! `<slug>.json` files `nashra run` writes (see README.md, "Brief JSON").
//!
//! Briefs hold no timestamps: the same input, model and settings give byte-identical files.

use serde::{Deserialize, Serialize};

use crate::clean::Reason;
use crate::stories::{self, Sentence, Signature};
use crate::translate::{EarlyStopping, Quantize};

/// An Arabic text and its English translation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub ar: String,
    pub en: String,
    /// How sure the model was of `en`: the mean log-probability of its generated tokens
    /// (0 is certain; see [`LOW_CONFIDENCE_LOGPROB`]). Absent when unknown: an empty source,
    /// or a translation cached before the figure was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprob: Option<f32>,
}

impl Pair {
    /// Whether the translation is below the confidence threshold (unknown is not flagged).
    pub fn is_unsure(&self) -> bool {
        self.logprob.is_some_and(|l| l < LOW_CONFIDENCE_LOGPROB)
    }
}

/// Sentences whose mean token log-probability falls below this are marked as uncertain in
/// the HTML brief and counted in `run.json` (`counts.low_confidence`).
///
/// Calibrated on the fixture models (`tests/fixtures/confidence_calibration.py` prints the
/// figures from their golden outputs): the `aren` model was trained too briefly to read its
/// input and answers every sentence with the same fluent but unrelated English (chrF 17
/// against the references); its outputs score −0.82 (beam) to −1.05 (greedy). The `copy`
/// model reads its input: its outputs score −0.21 to 0, and the lower the score the worse the
/// copy (chrF 27 below −0.1, 51 above −0.03). The threshold sits just above the model that
/// ignores its input: a translation the model is as unsure of as one made without reading
/// the Arabic is marked. A full-size model spreads its scores differently (label smoothing
/// keeps even right answers below 0): recheck the figure on its outputs when references
/// are at hand.
pub const LOW_CONFIDENCE_LOGPROB: f32 = -0.8;

/// A sentence's mean log-probability as a brief carries it: two decimals, plenty against
/// [`LOW_CONFIDENCE_LOGPROB`]. The decoder's figure moves in its sixth digit with which
/// sentences share a model batch (the float sums run in another order), and shards batch
/// differently from one process: unrounded, their briefs would differ byte for byte.
pub fn rounded_logprob(logprob: f32) -> f32 {
    (logprob * 100.0).round() / 100.0
}

/// A run of sentences under one heading (the first section may have none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub heading: Option<Pair>,
    pub sentences: Vec<Pair>,
}

/// A line of the input that was left out of the brief, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedLine {
    pub line: usize,
    /// Written as its text (`"read-also marker"`), read back into the enum.
    pub reason: Reason,
    pub text: String,
}

/// An English summary written by a model (BART), sentence by sentence, with every number,
/// date and name it states that the article does not support (see
/// `summarize::faithfulness`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineSummary {
    /// The model that wrote it: repository id, and `@revision` when known.
    pub model: String,
    /// The sentences shown, in order.
    pub sentences: Vec<CheckedSentence>,
    /// Every claim of the summary the article does not support, in order (`"15 soldiers"`),
    /// those of removed sentences included.
    pub unsupported: Vec<String>,
    /// Sentences left out because they state what the article does not support
    /// (`--summary-check drop`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<CheckedSentence>,
    /// Whether the article was longer than the model reads, so only its start was summarised.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// One sentence of a machine summary and the claims in it the article does not support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedSentence {
    pub en: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<String>,
}

impl CheckedSentence {
    pub fn is_supported(&self) -> bool {
        self.unsupported.is_empty()
    }
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

impl ModelInfo {
    /// How a brief names the model: its id, then `@` and the revision's first 12 characters
    /// when the revision is known.
    pub fn label(&self) -> String {
        match &self.revision {
            Some(r) => format!("{}@{}", self.id, r.chars().take(12).collect::<String>()),
            None => self.id.clone(),
        }
    }
}

/// The decoding settings used (transformers' names and counting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodingInfo {
    pub num_beams: usize,
    pub length_penalty: f32,
    pub max_length: usize,
    pub min_length: usize,
    pub max_new_tokens: Option<usize>,
    /// Written as transformers writes it: `"false"`, `"true"` or `"never"`.
    #[serde(with = "early_stopping_text")]
    pub early_stopping: EarlyStopping,
}

/// [`EarlyStopping`] as a brief writes it: transformers' value as a string (the enum's own
/// serde names, used elsewhere, are `heuristic`/`always`/`never`).
mod early_stopping_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::translate::EarlyStopping;

    pub fn serialize<S: Serializer>(e: &EarlyStopping, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(e.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EarlyStopping, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
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
    /// When a crawler fetched the page (a WARC input's `WARC-Date`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawled: Option<String>,
    pub title: Option<Pair>,
    /// The English headline: the translated title, or the translated lead sentence.
    pub headline: String,
    /// The summary sentences, in article order.
    pub summary: Vec<Pair>,
    /// A summary written by an abstractive model (`nashra run --summary abstractive|both`),
    /// checked against the article; absent when only key sentences were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_summary: Option<MachineSummary>,
    pub sections: Vec<Section>,
    pub dropped: Vec<DroppedLine>,
    pub model: ModelInfo,
    pub decoding: DecodingInfo,
}

impl Brief {
    /// Every translated pair of the brief (title, headings, sentences; not the summary,
    /// whose pairs repeat body sentences).
    pub fn pairs(&self) -> impl Iterator<Item = &Pair> {
        self.title.iter().chain(
            self.sections
                .iter()
                .flat_map(|s| s.heading.iter().chain(&s.sentences)),
        )
    }

    /// How many of the brief's translations are below the confidence threshold.
    pub fn low_confidence(&self) -> usize {
        self.pairs().filter(|p| p.is_unsure()).count()
    }

    /// The Arabic counterpart of [`Brief::headline`]: the title, else the lead sentence.
    pub fn headline_ar(&self) -> &str {
        self.title
            .as_ref()
            .filter(|t| !t.en.is_empty())
            .or_else(|| self.sections.iter().flat_map(|s| &s.sentences).next())
            .map_or("", |p| p.ar.as_str())
    }
}

/// What the index needs of one brief: everything its stories are made from, compact enough
/// to carry in a shard manifest (a signature of the Arabic text, not the text). Built only
/// from the brief, so entries read back from anywhere give the same index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub id: String,
    pub slug: String,
    /// English headline and its Arabic original (title, else lead sentence).
    pub headline: String,
    pub headline_ar: String,
    pub date: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    /// The English summary sentences.
    pub summary: Vec<String>,
    /// Translations below the confidence threshold.
    pub low_confidence: usize,
    pub signature: Signature,
    /// The Arabic of the summary sentences, in the same order: with `summary`, the article's
    /// first candidates for its story's summary.
    #[serde(default)]
    pub summary_ar: Vec<String>,
    /// A few more of the article's sentences for its story's summary and differences (see
    /// [`more_sentences`]).
    #[serde(default)]
    pub more: Vec<Sentence>,
    /// What the check found in the brief's machine summary; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_summary: Option<MachineSummaryCount>,
}

/// What a run counts of one machine summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineSummaryCount {
    /// Sentences stating what the article does not support (removed ones included).
    pub unsupported_sentences: usize,
    /// Of those, the sentences left out (`--summary-check drop`).
    pub removed_sentences: usize,
}

impl MachineSummaryCount {
    pub fn of(m: &MachineSummary) -> Self {
        let marked = m.sentences.iter().filter(|s| !s.is_supported()).count();
        Self {
            unsupported_sentences: marked + m.removed.len(),
            removed_sentences: m.removed.len(),
        }
    }
}

/// How many sentences beyond its summary an index entry keeps: enough for a story to find
/// what its sources add and where their figures differ, few enough for a shard manifest.
pub const MORE_SENTENCES: usize = 4;

/// The body sentences (not in the summary) an index entry keeps, in article order: those
/// with a figure first (where sources differ), then the earliest, [`MORE_SENTENCES`] at most.
pub fn more_sentences(b: &Brief) -> Vec<Sentence> {
    let summary: Vec<&str> = b.summary.iter().map(|p| p.ar.as_str()).collect();
    let body: Vec<&Pair> = b
        .sections
        .iter()
        .flat_map(|s| &s.sentences)
        .filter(|p| !p.en.is_empty() && !summary.contains(&p.ar.as_str()))
        .collect();
    let has_figure = |p: &&Pair| p.ar.chars().any(char::is_numeric);
    let mut keep: Vec<usize> = (0..body.len()).filter(|&i| has_figure(&body[i])).collect();
    keep.extend((0..body.len()).filter(|&i| !has_figure(&body[i])));
    keep.truncate(MORE_SENTENCES);
    keep.sort_unstable();
    keep.iter()
        .map(|&i| Sentence {
            ar: body[i].ar.clone(),
            en: body[i].en.clone(),
        })
        .collect()
}

impl IndexEntry {
    pub fn of(b: &Brief) -> Self {
        let body = b
            .sections
            .iter()
            .flat_map(|s| s.heading.iter().chain(&s.sentences).map(|p| p.ar.as_str()));
        Self {
            id: b.id.clone(),
            slug: b.slug.clone(),
            headline: b.headline.clone(),
            headline_ar: b.headline_ar().to_string(),
            date: b.date.clone(),
            source: b.source.clone(),
            url: b.url.clone(),
            summary: b.summary.iter().map(|p| p.en.clone()).collect(),
            low_confidence: b.low_confidence(),
            signature: stories::signature(b.title.as_ref().map(|t| t.ar.as_str()), body),
            summary_ar: b.summary.iter().map(|p| p.ar.clone()).collect(),
            more: more_sentences(b),
            machine_summary: b.machine_summary.as_ref().map(MachineSummaryCount::of),
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

    #[test]
    fn typed_fields_keep_their_json_strings() {
        for (e, text) in [
            (EarlyStopping::Heuristic, "false"),
            (EarlyStopping::Always, "true"),
            (EarlyStopping::Never, "never"),
        ] {
            let d = DecodingInfo {
                num_beams: 4,
                length_penalty: 1.0,
                max_length: 64,
                min_length: 0,
                max_new_tokens: None,
                early_stopping: e,
            };
            let json = serde_json::to_string(&d).unwrap();
            assert!(
                json.ends_with(&format!(r#""early_stopping":"{text}"}}"#)),
                "{json}"
            );
            assert_eq!(serde_json::from_str::<DecodingInfo>(&json).unwrap(), d);
        }
        let dropped = DroppedLine {
            line: 3,
            reason: Reason::Repeats(1),
            text: "x".into(),
        };
        let json = serde_json::to_string(&dropped).unwrap();
        assert_eq!(json, r#"{"line":3,"reason":"repeats line 1","text":"x"}"#);
        assert_eq!(serde_json::from_str::<DroppedLine>(&json).unwrap(), dropped);
    }
}
