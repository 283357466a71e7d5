//! A brief from an article and its translations: pure, so that every stage (and a merge of
//! shards) builds the same bytes from the same inputs.

use std::collections::HashMap;

use super::cache::CachedTranslation;
use crate::brief::{self, Brief, DecodingInfo, DroppedLine, ModelInfo, Pair, Section};
use crate::clean::{Article, BlockKind};
use crate::summarize;

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
        logprob: translations
            .get(normalized)
            .and_then(|t| t.mean_logprob)
            .map(brief::rounded_logprob),
    };
    let Layout {
        title,
        sections,
        body,
    } = layout(a, &pair);
    let normalized: Vec<&str> = body.iter().map(|b| b.1).collect();
    let headline_ar = (a.blocks.iter())
        .find(|b| b.kind == BlockKind::Title)
        .map(|b| b.normalized.as_str());
    let budget = summarize::Budget::Sentences(summary_sentences);
    let summary: Vec<Pair> = summarize::choose(headline_ar, &normalized, budget)
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
        crawled: a.metadata.crawled.clone(),
        title,
        headline,
        summary,
        machine_summary: None,
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

/// An article's blocks as a brief lays them out.
struct Layout<'a> {
    title: Option<Pair>,
    sections: Vec<Section>,
    /// The body's sentences, (original, normalized), in order.
    body: Vec<(&'a str, &'a str)>,
}

/// Title, sections (a heading opens one) and body sentences of `a`, each text paired with its
/// translation by `pair`.
fn layout<'a>(a: &'a Article, pair: &dyn Fn(&str, &str) -> Pair) -> Layout<'a> {
    let mut title = None;
    let mut sections: Vec<Section> = Vec::new();
    let mut body: Vec<(&str, &str)> = Vec::new();
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
    Layout {
        title,
        sections,
        body,
    }
}
