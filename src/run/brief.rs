//! A brief from an article and its translations: pure, so that every stage (and a merge of
//! shards) builds the same bytes from the same inputs.

use std::collections::HashMap;

use super::cache::CachedTranslation;
use super::settings::SummaryCheck;
use crate::brief::{
    self, Brief, CheckedSentence, DecodingInfo, DroppedLine, MachineSummary, ModelInfo, Pair,
    Section,
};
use crate::clean::{Article, BlockKind};
use crate::summarize::{self, faithfulness, Budget};

/// Builds the brief of an article whose sentences are all translated.
pub fn build_brief(
    a: &Article,
    translations: &HashMap<String, CachedTranslation>,
    model: &ModelInfo,
    decoding: &DecodingInfo,
    budget: Budget,
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

/// The English document an abstractive summariser reads for `a`: the translations of its
/// title, headings and body sentences, in article order, each ending in a full stop (one is
/// added where a title or heading has none, so that it does not run into the next sentence),
/// joined by spaces. Empty when nothing of the article is translated. The summariser cuts a
/// document longer than it reads at the end (see `translate::summarizer`), so a long
/// article is summarised from its start, as transformers' pipeline does with
/// `truncation=True`.
pub fn english_document(a: &Article, en: &dyn Fn(&str) -> Option<String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut push = |text: Option<String>| {
        let Some(text) = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
            return;
        };
        let ends = text
            .chars()
            .last()
            .is_some_and(|c| matches!(c, '.' | '!' | '?' | '"' | '\'' | '”' | '’' | ')'));
        parts.push(if ends { text } else { format!("{text}.") });
    };
    for b in &a.blocks {
        match b.kind {
            BlockKind::Title | BlockKind::Heading => push(en(&b.normalized)),
            BlockKind::Paragraph => b.sentences.iter().for_each(|s| push(en(&s.normalized))),
        }
    }
    parts.join(" ")
}

/// The Arabic text of `a` (title, headings, body), for the check of numbers and dates.
pub fn arabic_text(a: &Article) -> String {
    let texts = a.blocks.iter().map(|b| b.text.as_str());
    texts.collect::<Vec<_>>().join("\n")
}

/// A machine-written `summary` of `a`, each sentence checked against the article's English
/// translation (`english`, see [`english_document`]) and its Arabic. With
/// [`SummaryCheck::Drop`] the sentences the article does not support are moved to
/// `removed`. `model` names the summariser; `truncated`: only the article's start was read.
pub fn machine_summary(
    a: &Article,
    english: &str,
    summary: &str,
    model: &str,
    check: SummaryCheck,
    truncated: bool,
) -> MachineSummary {
    let evidence = faithfulness::Evidence::new(english, &arabic_text(a));
    let mut sentences = Vec::new();
    let mut removed = Vec::new();
    let mut unsupported = Vec::new();
    for c in faithfulness::check(summary, &evidence) {
        let sentence = CheckedSentence {
            en: c.sentence,
            unsupported: c.unsupported.into_iter().map(|u| u.text).collect(),
        };
        unsupported.extend(sentence.unsupported.iter().cloned());
        match check {
            SummaryCheck::Drop if !sentence.is_supported() => removed.push(sentence),
            _ => sentences.push(sentence),
        }
    }
    MachineSummary {
        model: model.to_string(),
        sentences,
        unsupported,
        removed,
        truncated,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{self, DocFields, Format, RawDoc};

    /// A text article: its first line is the title.
    fn article(text: &str) -> Article {
        let raw = RawDoc {
            origin: "a.txt".into(),
            path: "a.txt".into(),
            format: Format::Text,
            bytes: text.as_bytes().to_vec(),
            fields: DocFields::default(),
        };
        crate::clean::structure(&ingest::decode(&raw)).expect("an article")
    }

    const ARTICLE: &str = "مقتل 12 جنديا في هجوم\n\nقال الجيش يوم الأحد إن 12 جنديا قتلوا في هجوم \
        على قاعدة في شمال البلاد. وأضاف أن المهاجمين فروا بعد الهجوم.\n";

    /// English for every text of `a`: "English of <n>" where n counts the texts.
    fn english(a: &Article) -> HashMap<String, String> {
        let mut texts: Vec<&str> = Vec::new();
        for b in &a.blocks {
            match b.kind {
                BlockKind::Paragraph => texts.extend(b.sentences.iter().map(|s| &*s.normalized)),
                _ => texts.push(&b.normalized),
            }
        }
        let english = [
            "12 soldiers killed in an attack",
            "The army said on Sunday that 12 soldiers were killed in an attack on a base in the \
             north of the country.",
            "He added that the attackers fled after the attack.",
        ];
        texts
            .into_iter()
            .zip(english)
            .map(|(t, e)| (t.to_string(), e.to_string()))
            .collect()
    }

    #[test]
    fn the_document_is_the_translation_in_order_each_part_ending_a_sentence() {
        let a = article(ARTICLE);
        let en = english(&a);
        let doc = english_document(&a, &|n| en.get(n).cloned());
        assert_eq!(
            doc,
            "12 soldiers killed in an attack. The army said on Sunday that 12 soldiers were \
             killed in an attack on a base in the north of the country. He added that the \
             attackers fled after the attack."
        );
        assert_eq!(
            english_document(&a, &|_| None),
            "",
            "nothing translated: no document"
        );
    }

    #[test]
    fn a_sentence_with_an_invented_number_or_name_is_marked_or_dropped() {
        let a = article(ARTICLE);
        let en = english(&a);
        let doc = english_document(&a, &|n| en.get(n).cloned());
        let summary = "Twelve soldiers were killed in an attack on a base on Sunday. \
                       General Haftar said 15 attackers fled.";
        let marked = machine_summary(&a, &doc, summary, "m", SummaryCheck::Mark, false);
        assert_eq!(marked.sentences.len(), 2);
        assert!(
            marked.sentences[0].is_supported(),
            "{:?}",
            marked.sentences[0]
        );
        let invented = &marked.sentences[1].unsupported;
        assert!(invented.iter().any(|u| u.contains("15")), "{invented:?}");
        assert!(
            invented.iter().any(|u| u.contains("Haftar")),
            "{invented:?}"
        );
        assert_eq!(&marked.unsupported, invented);
        assert!(marked.removed.is_empty());

        let dropped = machine_summary(&a, &doc, summary, "m", SummaryCheck::Drop, false);
        assert_eq!(dropped.sentences, marked.sentences[..1]);
        assert_eq!(dropped.removed, marked.sentences[1..]);
        assert_eq!(
            dropped.unsupported, marked.unsupported,
            "removed claims still listed"
        );
        let counts = crate::brief::MachineSummaryCount::of(&dropped);
        assert_eq!(
            (counts.unsupported_sentences, counts.removed_sentences),
            (1, 1)
        );
    }

    #[test]
    fn a_summary_that_only_reuses_the_article_is_supported_throughout() {
        let a = article(ARTICLE);
        let en = english(&a);
        let doc = english_document(&a, &|n| en.get(n).cloned());
        let summary = "The army said 12 soldiers were killed on Sunday. The attackers fled.";
        let m = machine_summary(&a, &doc, summary, "m", SummaryCheck::Drop, false);
        assert_eq!(m.sentences.len(), 2);
        assert!(m.unsupported.is_empty() && m.removed.is_empty(), "{m:?}");
    }
}
