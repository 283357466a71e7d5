//! Passes 1–4, which decide from each line's own text, its copies on the page and the batch's
//! template, before anything is known of where the article is.

use super::page::{Meta, Page};
use crate::clean::label::{Pass, Reason};
use crate::clean::lines::Line;
use crate::clean::metadata;
use crate::clean::shapes::{self, Marker};
use crate::clean::template::SiteTemplate;

/// Pass 1: what each line is from its own text.
pub fn line_shapes(p: &mut Page) {
    let lines = p.lines;
    for (i, l) in lines.iter().enumerate() {
        if metadata::scraper_line(l.text).is_some() {
            p.drop_line(i, Reason::ScraperLine, Pass::LineShape);
            continue;
        }
        if shapes::is_social_embed(l) {
            p.drop_line(i, Reason::SocialEmbed, Pass::LineShape);
            continue;
        }
        let short = l.words <= 14 && l.function_words <= 2;
        if short && metadata::is_date_line(l.text) {
            p.meta[i] = Some(Meta::Date);
            continue;
        }
        // A lone full stop or comma ends a sentence broken across lines: its position decides.
        let punctuation_only = l
            .text
            .chars()
            .all(|c| matches!(c, '.' | '،' | ',' | '؟' | '!'));
        let reason = if punctuation_only {
            None
        } else if l.arabic_letters == 0 && l.latin_letters == 0 {
            Some(Reason::NumbersOrSymbols)
        } else if !l.is_arabic() {
            Some(Reason::NoArabic)
        } else if shapes::is_widget(l) {
            Some(Reason::Widget)
        } else if shapes::is_glued_run(l) {
            Some(Reason::GluedHeadlines)
        } else if shapes::is_short_item_list(l) {
            Some(Reason::ShortItemList)
        } else if shapes::is_caption(l) && !credited_dateline(l) {
            Some(Reason::Caption)
        } else {
            None
        };
        if let Some(r) = reason {
            p.drop_line(i, r, Pass::LineShape);
        } else if l.words <= 8 && l.function_words == 0 && metadata::byline(l.text).is_some() {
            p.meta[i] = Some(Meta::Byline);
        } else if l.function_words == 0 && metadata::is_dateline(l.text) {
            p.meta[i] = Some(Meta::Dateline);
        }
    }
}

/// A dateline that ends with its agency in brackets (`البطولة - متابعة (وكالات)`), not a
/// picture's credit.
fn credited_dateline(l: &Line) -> bool {
    !shapes::names_a_picture(l) && l.function_words == 0 && metadata::is_dateline(l.text)
}

/// Pass 2: lexical markers, dropped wherever they are.
pub fn markers(p: &mut Page) {
    for i in 0..p.lines.len() {
        if !p.open(i) {
            continue;
        }
        let Some(m) = shapes::marker(&p.lines[i]) else {
            continue;
        };
        p.markers[i] = Some(m);
        let reason = match m {
            Marker::ReadAlso => Reason::ReadAlso,
            Marker::Tags => Reason::Tags,
            Marker::Share => Reason::Share,
            Marker::Related => Reason::RelatedHeader,
            Marker::Source => Reason::SourceLine,
            Marker::Masthead => Reason::Masthead,
            Marker::Copyright => Reason::Copyright,
            Marker::Comments => Reason::Widget,
        };
        p.meta[i] = None;
        p.drop_line(i, reason, Pass::Markers);
    }
}

/// Pass 3: lines printed more than once (a headline under the page title, a caption under
/// the picture's alt text, a masthead for desktop and mobile). Which copy stays is decided
/// later, from position.
pub fn repeats(p: &mut Page) {
    let mut first: std::collections::HashMap<&str, usize> = Default::default();
    for (i, l) in p.lines.iter().enumerate() {
        match first.get(l.folded.as_str()) {
            Some(&f) => {
                p.first_copy[i] = Some(f);
                p.repeated[i] = true;
                p.repeated[f] = true;
            }
            None => {
                first.insert(&l.folded, i);
            }
        }
    }
    for i in 0..p.lines.len() {
        if p.repeated[i] && p.first_copy[i].is_none() {
            p.first_copy[i] = Some(i);
        }
    }
}

/// Pass 4: lines shared with unrelated articles of the same batch.
pub fn template(p: &mut Page, template: &SiteTemplate) {
    if template.is_empty() {
        return;
    }
    for (i, l) in p.lines.iter().enumerate() {
        p.shared[i] = template.shared(&l.folded).map(|n| n - 1);
    }
}
