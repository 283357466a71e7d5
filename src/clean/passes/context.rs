//! Pass 8: every line still open, decided from where it stands relative to the body run and
//! the title: above it ([`header`]), inside it ([`body`]), below it ([`tail`]).

use super::page::{Meta, Page};
use crate::clean::label::{Label, Pass, Reason};
use crate::clean::lines::Line;
use crate::clean::metadata;
use crate::clean::shapes::Marker;

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
pub(super) fn headline_runs(p: &Page) -> Vec<bool> {
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
