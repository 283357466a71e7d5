//! The cleaner's passes. Each is a function of the lines and of what earlier passes decided
//! ([`Page`]); [`super::classify`] runs them in order:
//!
//! 1. [`line_shapes`]: what a line is from its own text (scraper lines, no Arabic, widgets,
//!    embeds, glued headlines, item lists, captions) and its metadata shape (date, byline,
//!    dateline) — undecided until its position is known;
//! 2. [`markers`]: the lexical markers (read also, tags, share, related, source, copyright);
//! 3. [`repeats`]: lines the page prints more than once;
//! 4. [`template`]: lines shared with unrelated articles of the batch;
//! 5. [`body_run`]: the densest run of prose (jusText's good paragraphs, clustered across
//!    short lines and broken by furniture and end-of-article markers);
//! 6. [`title`]: the first headline-shaped line above the body that shares its words (and
//!    body fragments right under it join the body);
//! 7. [`extend_body_down`]: continued text right after the body joins it;
//! 8. [`header`], [`body`], [`tail`]: everything above, inside and below the body run,
//!    decided from its context.

use std::collections::HashSet;

use super::label::{Label, Pass, Reason};
use super::lines::{content_stem, Line};
use super::metadata;
use super::normalize::fold_for_matching;
use super::shapes::{self, Marker};
use super::template::SiteTemplate;

/// The metadata shape of a line, decided as metadata only where its position allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    Date,
    Byline,
    Dateline,
}

/// A decided line: its label and the pass that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub label: Label,
    pub pass: Pass,
}

/// The lines of one document and everything the passes found so far.
pub struct Page<'a> {
    pub lines: &'a [Line<'a>],
    pub decided: Vec<Option<Decision>>,
    pub markers: Vec<Option<Marker>>,
    pub meta: Vec<Option<Meta>>,
    /// For a line the page prints more than once, the index of its first copy.
    pub first_copy: Vec<Option<usize>>,
    pub repeated: Vec<bool>,
    /// How many unrelated batch articles share the line.
    pub shared: Vec<Option<usize>>,
    /// Prose lines (jusText's "good" class).
    pub good: Vec<bool>,
    /// The body run: first and last line index, inclusive.
    pub body: Option<(usize, usize)>,
    pub title: Option<usize>,
}

impl<'a> Page<'a> {
    pub fn new(lines: &'a [Line<'a>]) -> Self {
        let n = lines.len();
        Page {
            lines,
            decided: vec![None; n],
            markers: vec![None; n],
            meta: vec![None; n],
            first_copy: vec![None; n],
            repeated: vec![false; n],
            shared: vec![None; n],
            good: vec![false; n],
            body: None,
            title: None,
        }
    }

    /// What the passes measured and found for line `i`, in words (for `--explain`).
    pub fn signals(&self, i: usize) -> Vec<String> {
        let l = &self.lines[i];
        let letters = (l.arabic_letters + l.latin_letters).max(1);
        let mut s = vec![
            format!("{} words", l.words),
            format!("{} function words", l.function_words),
            format!("{}% Arabic letters", l.arabic_letters * 100 / letters),
        ];
        if l.digits > 0 {
            s.push(format!("{} digits", l.digits));
        }
        if self.good[i] {
            s.push("prose".into());
        } else if l.headline_like() {
            s.push("headline-shaped".into());
        }
        s.push(match self.body {
            Some((a, _)) if i < a => "above the body".into(),
            Some((_, b)) if i > b => "below the body".into(),
            Some(_) => "in the body run".into(),
            None => "no body found".into(),
        });
        if let Some(m) = self.markers[i] {
            s.push(format!("marker {m:?}"));
        }
        if let Some(m) = self.meta[i] {
            s.push(format!("{m:?} shape"));
        }
        if self.repeated[i] {
            s.push("repeated on the page".into());
        }
        if let Some(n) = self.shared[i] {
            s.push(format!("shared with {n} other articles"));
        }
        s
    }

    fn open(&self, i: usize) -> bool {
        self.decided[i].is_none()
    }

    fn set(&mut self, i: usize, label: Label, pass: Pass) {
        if self.decided[i].is_none() {
            self.decided[i] = Some(Decision { label, pass });
        }
    }

    fn drop_line(&mut self, i: usize, reason: Reason, pass: Pass) {
        self.set(i, Label::Drop(reason), pass);
    }

    /// A line that separates runs of prose: furniture already dropped, metadata, a repeated
    /// or template line that is not prose itself.
    fn breaker(&self, i: usize) -> bool {
        !self.good[i]
            && (self.decided[i].is_some()
                || self.meta[i].is_some()
                || self.repeated[i]
                || self.shared[i].is_some())
    }

    /// A marker after which the article does not go on: a bare read-also, tags, related,
    /// source, copyright, comments or share line.
    fn hard_end(&self, i: usize) -> bool {
        match self.markers[i] {
            // A bare "read also" followed straight by prose was an inline link ("اقرأ
            // المزيد" between two paragraphs); followed by a headline, another article.
            Some(Marker::ReadAlso) => {
                let next =
                    (i + 1..self.lines.len().min(i + 20)).find(|&j| self.decided[j].is_none());
                self.lines[i].words <= 4 && !next.is_some_and(|j| self.good[j])
            }
            Some(m) => m.ends_article(),
            None => false,
        }
    }
}

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

/// Pass 5: the body run. Prose lines are clustered; a cluster ends at an end-of-article
/// marker, at two or more furniture lines, or after twelve lines without prose. The cluster
/// with the most prose is the body; clusters on either side with two prose lines or more
/// join it unless an end-of-article marker stands between.
pub fn body_run(p: &mut Page) {
    let n = p.lines.len();
    for i in 0..n {
        p.good[i] = p.open(i) && p.meta[i].is_none() && p.lines[i].is_prose();
    }
    // No full sentence anywhere (a short item, a list): take the longer Arabic lines, then
    // any, so that a page with some Arabic text never comes out empty.
    for min_words in [8, 3] {
        if !p.good.iter().any(|&g| g) {
            for i in 0..n {
                let l = &p.lines[i];
                p.good[i] =
                    p.open(i) && p.meta[i].is_none() && l.is_arabic() && l.words >= min_words;
            }
        }
    }
    let clusters = clusters(p);
    // The first cluster with at least half the prose of the largest: an embedded article
    // after the body may be longer than the body, a teaser above it is not.
    let prose = |&(a, b): &(usize, usize)| -> usize {
        (a..=b)
            .filter(|&i| p.good[i])
            .map(|i| p.lines[i].chars())
            .sum()
    };
    let largest = clusters.iter().map(prose).max().unwrap_or(0);
    let Some(main) = clusters.iter().position(|c| prose(c) * 2 >= largest) else {
        return;
    };
    let substantial =
        |p: &Page, (a, b): (usize, usize)| (a..=b).filter(|&i| p.good[i]).count() >= 2;
    let (mut start, mut end) = clusters[main];
    for &c in &clusters[main + 1..] {
        // Below the body, one long paragraph is text too (a notice is shorter).
        let more_text = substantial(p, c) || prose(&c) >= 300;
        if !more_text || (end..c.0).any(|i| p.hard_end(i)) {
            break;
        }
        end = c.1;
    }
    for &c in clusters[..main].iter().rev() {
        if !substantial(p, c) || (c.1..start).any(|i| p.hard_end(i) || p.meta[i].is_some()) {
            break;
        }
        start = c.0;
    }
    p.body = Some((start, end));
}

fn clusters(p: &Page) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut last: Option<usize> = None;
    for i in (0..p.lines.len()).filter(|&i| p.good[i]) {
        // A short gap of furniture without metadata (a picture and its caption, an embedded
        // post) sits inside an article; metadata or a longer stretch of furniture does not.
        let joins = last.is_some_and(|a| {
            let between = a + 1..i;
            let breakers = between.clone().filter(|&j| p.breaker(j)).count();
            let short_gap = between.len() <= 4 && !between.clone().any(|j| p.meta[j].is_some());
            !between.clone().any(|j| p.hard_end(j))
                && (breakers < 2 || short_gap)
                && between.len() <= 12
        });
        match (joins, out.last_mut()) {
            (true, Some(c)) => c.1 = i,
            _ => out.push((i, i)),
        }
        last = Some(i);
    }
    out
}

/// Whether a line could be a headline: Arabic, three to thirty words, not prose, not a label
/// ending in `:`, not metadata, not the site's template.
fn title_shaped(p: &Page, i: usize) -> bool {
    let l = &p.lines[i];
    p.open(i)
        && p.meta[i].is_none()
        && p.shared[i].is_none()
        && !p.good[i]
        && l.is_arabic()
        && (3..=30).contains(&l.words)
        && l.chars() <= 250
        && !l.text.trim_end().ends_with(':')
}

fn stems(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().filter_map(content_stem)
}

/// How far above the body a headline is looked for, in lines.
const TITLE_WINDOW: usize = 40;

/// Pass 6: the title. Above the body run, among headline-shaped lines that are *attached* to
/// the body (at most one other headline-shaped text, a dek, between them and it), the first
/// that shares enough of its words with the article's opening (two content words and a fifth
/// of its own), unless a later one shares far more; the line the page's metadata names as
/// title wins outright. A line that only repeats part of a longer one (a truncated
/// description) or wraps another candidate in the site's name is never the title. The
/// title's other copies and the page title around it are dropped; fragments of the body
/// that stand right under it join the body.
pub fn title(p: &mut Page, hint: Option<&str>) {
    let Some((start, _)) = p.body else {
        return;
    };
    let from = start.saturating_sub(TITLE_WINDOW);
    drop_partial_copies(p, from, start);
    let chosen = by_hint(p, hint, from, start).or_else(|| by_overlap(p, from, start));
    let Some(t) = chosen else {
        return;
    };
    p.title = Some(t);
    p.set(t, Label::Title, Pass::Title);
    let lines = p.lines;
    let number = lines[t].number;
    for i in 0..lines.len() {
        if i != t && p.repeated[i] && lines[i].folded == lines[t].folded {
            p.drop_line(i, Reason::Repeats(number), Pass::Title);
        }
    }
    for i in from..start {
        if i != t && wraps(&lines[i], &lines[t]) {
            p.drop_line(i, Reason::PageTitle, Pass::Title);
        }
    }
    extend_body_up(p, t);
}

/// `outer` is `inner` with a few more words around it (the site's name, a section).
fn wraps(outer: &Line, inner: &Line) -> bool {
    outer.words > inner.words && outer.words <= inner.words + 6 && outer.bare.contains(&inner.bare)
}

/// Drops header lines of six words or more that another, longer line of the page's opening
/// contains: a description cut off from the lead, a teaser repeating a paragraph.
fn drop_partial_copies(p: &mut Page, from: usize, start: usize) {
    let lines = p.lines;
    let until = lines.len().min(start + 64);
    for i in from..start {
        if !p.open(i) || lines[i].words < 6 {
            continue;
        }
        let longer = (from..until).find(|&j| {
            // Words only: a description drops the lead's commas.
            j != i && lines[j].words > lines[i].words + 6 && lines[j].bare.contains(&lines[i].bare)
        });
        if let Some(j) = longer {
            p.drop_line(i, Reason::RepeatsPartOf(lines[j].number), Pass::Title);
        }
    }
}

fn by_hint(p: &Page, hint: Option<&str>, from: usize, start: usize) -> Option<usize> {
    let hint = fold_for_matching(hint?.trim());
    (from..start).find(|&i| !hint.is_empty() && p.lines[i].folded == hint && p.open(i))
}

fn by_overlap(p: &Page, from: usize, start: usize) -> Option<usize> {
    let lead: HashSet<String> = p.lines[start..]
        .iter()
        .flat_map(|l| l.folded.split_whitespace())
        .take(250)
        .filter_map(content_stem)
        .collect();
    // Content words shared with the opening, when enough to be about the same story.
    let shares = |l: &Line| {
        let own: HashSet<String> = stems(&l.folded).collect();
        let common = own.iter().filter(|s| lead.contains(*s)).count();
        let enough = (common >= 2 && common * 5 >= own.len()) || (common >= 1 && own.len() <= 2);
        enough.then_some(common)
    };
    let candidates: Vec<usize> = (from..start).filter(|&i| title_shaped(p, i)).collect();
    let mut best: Option<(usize, usize)> = None;
    for &i in &candidates {
        let wrapper = candidates.iter().any(|&j| wraps(&p.lines[i], &p.lines[j]));
        if wrapper || !attached(p, i, start) {
            continue;
        }
        let Some(common) = shares(&p.lines[i]) else {
            continue;
        };
        // The first, unless a later one shares far more (a topic label or a kicker above
        // the headline shares a few words; the headline shares the lead's).
        match best {
            Some((_, c)) if common < 2 * c || common < c + 3 => {}
            _ => best = Some((i, common)),
        }
    }
    best.map(|(i, _)| i)
}

/// Whether at most one other headline-shaped text (a dek) stands between candidate `i` and
/// the next metadata or furniture line (or the body): a headline is followed by its byline,
/// date or text, a teaser by more teasers.
fn attached(p: &Page, i: usize, start: usize) -> bool {
    // Texts that contain one another (a kicker and the kicker extended) count once.
    let mut others: Vec<&str> = Vec::new();
    for j in i + 1..start {
        if p.decided[j].is_some() || p.meta[j].is_some() {
            break;
        }
        let b = p.lines[j].bare.as_str();
        let known = b == p.lines[i].bare || others.iter().any(|o| o.contains(b) || b.contains(o));
        if title_shaped(p, j) && !known {
            others.push(b);
            if others.len() > 1 {
                return false;
            }
        }
    }
    true
}

/// Lines right under the title that belong to the body (a paragraph broken into fragments,
/// summary bullets) join it when no furniture stands between and one of them has four words
/// or more (a lone short line there is a name or a site, not text).
fn extend_body_up(p: &mut Page, t: usize) {
    let Some((start, _)) = p.body else {
        return;
    };
    let mut s = start;
    while s > t + 1 && p.open(s - 1) && !p.breaker(s - 1) && p.meta[s - 1].is_none() {
        s -= 1;
    }
    if (s..start).any(|i| p.lines[i].words >= 4) {
        if let Some(b) = p.body.as_mut() {
            b.0 = s;
        }
    }
}

/// Pass 7: after the body run, lines that read as continued text (eight words or more with clause
/// punctuation and a function word, like a last list item cut short, and not one of a run
/// of headlines) join it, up to the first line that does not.
pub fn extend_body_down(p: &mut Page) {
    let Some((start, mut end)) = p.body else {
        return;
    };
    let runs = headline_runs(p);
    while end + 1 < p.lines.len() {
        let l = &p.lines[end + 1];
        let continued = p.open(end + 1)
            && !runs[end + 1]
            && p.meta[end + 1].is_none()
            && l.is_arabic()
            && l.words >= 8
            && l.function_words >= 1
            && l.text.contains(['،', ',', '؛']);
        if !continued {
            break;
        }
        end += 1;
    }
    p.body = Some((start, end));
}

/// Pass 8a: above the body run. Metadata where its shape says so; the page's header block
/// (site name, masthead names); short labels; runs of other articles' headlines before the
/// title; a dek (subtitle) under the title.
pub fn header(p: &mut Page) {
    let start = p.body.map_or(p.lines.len(), |b| b.0);
    let top = top_block(p);
    let runs = headline_runs(p);
    let lines = p.lines;
    // The first line under the title that is neither decided nor metadata-shaped: where a
    // lone personal name is the author.
    let under_title = p
        .title
        .and_then(|t| (t + 1..start).find(|&j| p.open(j) && p.meta[j].is_none()));
    for i in 0..start {
        if !p.open(i) {
            continue;
        }
        let l = &lines[i];
        let before_title = p.title.is_none_or(|t| i < t);
        let reason = if let Some(m) = p.meta[i] {
            meta_reason(m)
        } else if p.repeated[i] {
            Reason::Repeats(p.lines[other_copy(p, i)].number)
        } else if let Some(n) = p.shared[i] {
            Reason::SharedInBatch(n)
        } else if top.contains(&i) {
            let after_masthead = i > 0 && p.markers[i - 1] == Some(Marker::Masthead);
            if after_masthead {
                Reason::MastheadName
            } else {
                Reason::SiteName
            }
        } else if i > 0 && p.markers[i - 1] == Some(Marker::Masthead) && l.words <= 4 {
            Reason::MastheadName
        } else if l.words <= 3 {
            short_header_line(l, before_title, under_title == Some(i))
        } else if before_title {
            if runs[i] {
                Reason::TeaserRun
            } else {
                Reason::BeforeHeadline
            }
        } else {
            // Under the title: a dek, or a standfirst paragraph.
            let label = if p.good[i] {
                Label::Body
            } else {
                Label::Heading
            };
            p.set(i, label, Pass::Header);
            continue;
        };
        p.drop_line(i, reason, Pass::Header);
    }
}

fn meta_reason(m: Meta) -> Reason {
    match m {
        Meta::Date => Reason::DateLine,
        Meta::Byline => Reason::Byline,
        Meta::Dateline => Reason::Dateline,
    }
}

/// A short line above the body: a section name before the title; under it, a site's name,
/// or the author when it is the first line under the title and shaped like a name.
fn short_header_line(l: &Line, before_title: bool, first_under_title: bool) -> Reason {
    let name_shaped = l.digits == 0 && l.latin_letters == 0 && l.words >= 2;
    if before_title || metadata::has_publication_cue(l.text) {
        Reason::SectionLabel
    } else if metadata::names_a_site(l.text) || l.words == 1 {
        Reason::SiteName
    } else if first_under_title && name_shaped {
        Reason::Byline
    } else {
        Reason::SectionLabel
    }
}

/// Another copy of a repeated line (the next one, or the first if this is the last).
fn other_copy(p: &Page, i: usize) -> usize {
    let first = p.first_copy[i].unwrap_or(i);
    (i + 1..p.lines.len())
        .find(|&j| p.first_copy[j] == Some(first))
        .or_else(|| (first != i).then_some(first))
        .unwrap_or(i)
}

/// The page's header block: the first blank-line-separated block when it is all short lines
/// and holds a date or a masthead (`الخميس 13 فبراير 2025` / `الأيام المصرية` /
/// `رئيس التحرير` / name). Its short lines name the site.
fn top_block(p: &Page) -> Vec<usize> {
    let group: Vec<usize> = (0..p.lines.len())
        .take_while(|&i| p.lines[i].group == p.lines[0].group)
        .collect();
    let header_like = group.len() >= 2
        && group
            .iter()
            .any(|&i| p.markers[i] == Some(Marker::Masthead) || p.meta[i] == Some(Meta::Date))
        && group.iter().all(|&i| p.lines[i].words <= 8);
    if !header_like {
        return Vec::new();
    }
    group
        .into_iter()
        .filter(|&i| p.open(i) && p.meta[i].is_none() && p.lines[i].words <= 4)
        .collect()
}

/// For each line, whether it is a headline-shaped line next to another one (a list of
/// teasers). Computed before a pass labels anything, so its own labels do not break runs.
fn headline_runs(p: &Page) -> Vec<bool> {
    let n = p.lines.len();
    let shaped: Vec<bool> = (0..n)
        .map(|j| {
            let l = &p.lines[j];
            l.is_arabic() && l.words >= 4 && l.headline_like() && p.decided[j].is_none()
        })
        .collect();
    (0..n)
        .map(|i| shaped[i] && ((i > 0 && shaped[i - 1]) || (i + 1 < n && shaped[i + 1])))
        .collect()
}

/// Pass 8b: inside the body run. Copies and template lines go, publication stamps go, the
/// teasers after an inline read-also marker go, bullet lists of links go; the rest is a
/// heading (a short headline-shaped line followed by longer text) or body.
pub fn body(p: &mut Page) {
    let Some((start, end)) = p.body else {
        return;
    };
    let lines = p.lines;
    let mut after_read_also = false;
    for i in start..=end {
        if p.markers[i] == Some(Marker::ReadAlso) {
            after_read_also = true;
            continue;
        }
        if !p.open(i) {
            continue;
        }
        let l = &lines[i];
        if let Some(reason) = body_drop(p, i, start, end, after_read_also) {
            p.drop_line(i, reason, Pass::Body);
            continue;
        }
        after_read_also = false;
        let next = (i + 1..=end).find(|&j| p.open(j)).map(|j| &lines[j]);
        let heading = l.headline_like()
            && l.words <= 15
            && next.is_some_and(|nx| !nx.headline_like() || nx.words > l.words);
        let label = if heading { Label::Heading } else { Label::Body };
        p.set(i, label, Pass::Body);
    }
}

fn body_drop(
    p: &Page,
    i: usize,
    start: usize,
    end: usize,
    after_read_also: bool,
) -> Option<Reason> {
    let l = &p.lines[i];
    if p.repeated[i] {
        let first = p.first_copy[i].unwrap_or(i);
        let copies_in_body: Vec<usize> = (start..=end)
            .filter(|&j| p.first_copy[j] == Some(first))
            .collect();
        let adjacent = (i > 0 && p.first_copy[i - 1] == Some(first))
            || p.first_copy.get(i + 1).copied().flatten() == Some(first);
        if adjacent || copies_in_body.first() != Some(&i) {
            return Some(Reason::Repeats(p.lines[other_copy(p, i)].number));
        }
    }
    if let Some(n) = p.shared[i] {
        if !p.good[i] {
            return Some(Reason::SharedInBatch(n));
        }
    }
    // A byline or stamp right under the body's first line still belongs to the header.
    let at_edge = i <= start + 1;
    match p.meta[i] {
        Some(Meta::Date) if metadata::has_publication_cue(l.text) || at_edge => {
            return Some(Reason::DateLine)
        }
        Some(m @ (Meta::Byline | Meta::Dateline)) if at_edge => return Some(meta_reason(m)),
        _ => {}
    }
    if after_read_also && l.headline_like() {
        return Some(Reason::ReadAlsoTeaser);
    }
    None
}

/// Pass 8c: below the body run. Metadata where its shape says so; the article embedded after
/// a read-also marker; bullet lists and runs of headline-shaped lines (other articles'
/// teasers); everything else is the page's, not the article's.
pub fn tail(p: &mut Page) {
    let Some((_, end)) = p.body else {
        // No body at all: nothing is the article's.
        for i in 0..p.lines.len() {
            p.drop_line(i, Reason::AfterArticle, Pass::Tail);
        }
        return;
    };
    let runs = headline_runs(p);
    let lines = p.lines;
    let mut after_read_also = false;
    for i in end + 1..lines.len() {
        if let Some(m) = p.markers[i] {
            after_read_also = m == Marker::ReadAlso;
            continue;
        }
        if !p.open(i) {
            continue;
        }
        let l = &lines[i];
        let reason = if let Some(m) = p.meta[i] {
            meta_reason(m)
        } else if let Some(n) = p.shared[i] {
            Reason::SharedInBatch(n)
        } else if after_read_also {
            Reason::AfterReadAlso
        } else if l.is_bullet() {
            Reason::LinkList
        } else if runs[i] {
            Reason::TeaserRun
        } else {
            Reason::AfterArticle
        };
        p.drop_line(i, reason, Pass::Tail);
    }
}

#[cfg(test)]
mod tests {
    use super::super::lines::split;
    use super::*;

    fn run(text: &str) -> Vec<(usize, Label)> {
        let lines = split(text);
        let mut p = Page::new(&lines);
        line_shapes(&mut p);
        markers(&mut p);
        repeats(&mut p);
        body_run(&mut p);
        title(&mut p, None);
        header(&mut p);
        body(&mut p);
        tail(&mut p);
        lines
            .iter()
            .zip(p.decided)
            .map(|(l, d)| (l.number, d.map_or(Label::Body, |d| d.label)))
            .collect()
    }

    const BODY1: &str = "قال وزير الخارجية إن المحادثات مع الجانب الإيراني مستمرة، وإن الاتفاق بات قريبا من الإنجاز في الأيام المقبلة.";
    const BODY2: &str = "وأضاف الوزير أن بلاده تعمل مع الشركاء الإقليميين على خفض التصعيد في المنطقة، مشيرا إلى أن الحوار هو الطريق الوحيد.";

    #[test]
    fn header_furniture_title_metadata_and_body() {
        let text = format!(
            "آخر الأخبار\nسياسة\nوزير الخارجية: الاتفاق مع إيران قريب من الإنجاز\n\
             الخميس 13 فبراير 2025\nالقاهرة - وكالات\n{BODY1}\n{BODY2}"
        );
        let labels = run(&text);
        assert!(matches!(labels[0].1, Label::Drop(_)));
        assert_eq!(labels[1].1, Label::Drop(Reason::SectionLabel));
        assert_eq!(labels[2].1, Label::Title);
        assert_eq!(labels[3].1, Label::Drop(Reason::DateLine));
        assert_eq!(labels[4].1, Label::Drop(Reason::Dateline));
        assert_eq!(labels[5].1, Label::Body);
        assert_eq!(labels[6].1, Label::Body);
    }

    #[test]
    fn teasers_after_the_body_go_without_a_marker() {
        let text = format!(
            "{BODY1}\n{BODY2}\nمنتخب عمان يخطف الفوز من الكويت في التصفيات\n\
             مواجهة من العيار الثقيل بين مصر وسيراليون اليوم\nالنقاط الإيجابية من التعادل مع اليابان"
        );
        let labels = run(&text);
        for (_, l) in &labels[2..] {
            assert_eq!(*l, Label::Drop(Reason::TeaserRun));
        }
    }

    #[test]
    fn short_lines_inside_the_body_stay_and_headings_are_found() {
        let text = format!("{BODY1}\nاتصالات الوزير\n{BODY2}\nبسم الله الرحمن الرحيم\nالتاريخ: 12/ 1/ 1436هـ\n{BODY1} ثم غادر.");
        let labels = run(&text);
        assert_eq!(labels[1].1, Label::Heading);
        assert!(
            labels[3..]
                .iter()
                .all(|(_, l)| !matches!(l, Label::Drop(_))),
            "{labels:?}"
        );
    }

    #[test]
    fn a_read_also_marker_ends_the_article_and_what_follows_is_another() {
        // The marker, the other article's headline, its text.
        let text = format!(
            "{BODY1}\n{BODY2}\nاقرأ أيضاً\nالرئيس يستقبل وفدا اقتصاديا\n{BODY2} وهذا خبر آخر.\n{BODY1} وهذا أيضا."
        );
        let labels = run(&text);
        assert_eq!(labels[2].1, Label::Drop(Reason::ReadAlso));
        for (_, l) in &labels[3..] {
            assert_eq!(*l, Label::Drop(Reason::AfterReadAlso));
        }
    }

    #[test]
    fn a_bare_read_more_between_paragraphs_does_not_end_the_article() {
        let text = format!("{BODY1}\nاقرأ المزيد\n{BODY2}");
        let labels = run(&text);
        assert_eq!(labels[1].1, Label::Drop(Reason::ReadAlso));
        assert_eq!(labels[2].1, Label::Body);
    }

    #[test]
    fn a_long_paragraph_after_a_block_of_furniture_is_still_the_article() {
        let long = format!("{BODY1} {BODY2} {BODY1}");
        let text =
            format!("{BODY1}\n{BODY2}\nPhoto gallery\n12\nA+ A-\nShare this\n(c) agency\n{long}");
        let labels = run(&text);
        assert_eq!(labels[7].1, Label::Body);
    }

    #[test]
    fn an_agency_in_brackets_is_a_dateline_and_a_credited_picture_a_caption() {
        let lines = split("البطولة - متابعة (وكالات)\nصورة أرشيفية لوزير الخارجية (رويترز)");
        let mut p = Page::new(&lines);
        line_shapes(&mut p);
        assert_eq!(p.meta[0], Some(Meta::Dateline));
        assert!(p.decided[0].is_none());
        assert_eq!(
            p.decided[1].as_ref().unwrap().label,
            Label::Drop(Reason::Caption)
        );
    }

    #[test]
    fn copies_keep_the_title_and_drop_the_rest() {
        let text = format!(
            "وزير الخارجية يبحث الاتفاق مع إيران\nوزير الخارجية يبحث الاتفاق مع إيران\n{BODY1}\n{BODY2}"
        );
        let labels = run(&text);
        assert_eq!(labels[0].1, Label::Title);
        assert_eq!(labels[1].1, Label::Drop(Reason::Repeats(1)));
    }
}
