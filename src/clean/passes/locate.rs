//! Passes 5–7, which locate the article on the page: the densest run of prose is its body
//! (pass 5), the headline above it that shares its words is its title (pass 6), and continued
//! text right after the body joins it (pass 7).

use std::collections::HashSet;

use super::context::headline_runs;
use super::page::Page;
use crate::clean::label::{Label, Pass, Reason};
use crate::clean::lines::Line;
use crate::text::normalize::fold_for_matching;
use crate::text::stem::content_stem;

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
