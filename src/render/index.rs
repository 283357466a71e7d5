//! The run's index as stories: articles that report one event (see [`crate::stories`]) are
//! listed together, largest and newest story first, each with its headline, how many sources
//! told it, its dates, then (a story of several articles) its summary across sources and
//! where their figures differ (see [`crate::stories::story_summary`] and
//! [`crate::stories::differences()`]), else the article's own summary, and then every article
//! (source, date, English and Arabic title, link to its brief), oldest first.

use std::fmt::Write as _;

use serde::Serialize;

use super::html::{date_html, escape, STYLE};
use crate::brief::IndexEntry;
use crate::stories::{self, Item, Pick, Report};

/// One story, ready to render.
pub struct StoryView<'a> {
    pub id: String,
    /// The most central article: its headline and summary stand for the story.
    pub central: &'a IndexEntry,
    /// Oldest first, undated last.
    pub articles: Vec<&'a IndexEntry>,
    /// Distinct source names, in the order the articles first name them.
    pub sources: Vec<&'a str>,
    /// Articles with no known source (each counts as a source of its own: a separate page).
    pub unnamed_sources: usize,
    /// Distinct dates, oldest first.
    pub dates: Vec<&'a str>,
    /// The story's summary across its sources (empty for a story of one article).
    pub summary: Vec<StoryLine<'a>>,
    /// Figures its sources give differently.
    pub differences: Vec<StoryDifference<'a>>,
}

/// A sentence of a story's summary and the article it comes from.
pub struct StoryLine<'a> {
    pub ar: &'a str,
    pub en: &'a str,
    pub article: &'a IndexEntry,
}

/// A figure the story's sources give differently: the sentence of the first source to give
/// it, then each source's value.
pub struct StoryDifference<'a> {
    pub ar: &'a str,
    pub en: &'a str,
    /// Each source's figure (digits as ASCII, no thousands separator) and its article.
    pub values: Vec<(String, &'a IndexEntry)>,
}

/// An article as a story's summary reads it: its summary's sentences, then the few more its
/// entry keeps.
fn report(e: &IndexEntry) -> Report<'_> {
    let summary = e.summary_ar.iter().zip(&e.summary);
    let more = e.more.iter().map(|s| (&s.ar, &s.en));
    Report {
        source: e.source.as_deref(),
        summary_len: e.summary.len().min(e.summary_ar.len()),
        sentences: summary
            .chain(more)
            .map(|(ar, en)| (ar.as_str(), en.as_str()))
            .collect(),
    }
}

/// The summary and differences of a story of several articles, read from its central article
/// first, then the others in story order.
fn across_sources<'a>(
    central: &'a IndexEntry,
    articles: &[&'a IndexEntry],
) -> (Vec<StoryLine<'a>>, Vec<StoryDifference<'a>>) {
    if articles.len() < 2 {
        return (Vec::new(), Vec::new());
    }
    let order: Vec<&IndexEntry> = std::iter::once(central)
        .chain(articles.iter().copied().filter(|e| e.id != central.id))
        .collect();
    let reports: Vec<Report> = order.iter().map(|e| report(e)).collect();
    let sentence = |p: Pick| reports[p.report].sentences[p.sentence];
    let summary = stories::story_summary(&reports)
        .into_iter()
        .map(|p| {
            let (ar, en) = sentence(p);
            StoryLine {
                ar,
                en,
                article: order[p.report],
            }
        })
        .collect();
    let differences = stories::differences(&reports)
        .into_iter()
        .map(|d| {
            let (ar, en) = sentence(d.at);
            let values = d.values.into_iter();
            StoryDifference {
                ar,
                en,
                values: values.map(|(p, v)| (v, order[p.report])).collect(),
            }
        })
        .collect();
    (summary, differences)
}

impl StoryView<'_> {
    /// How many sources told the story.
    pub fn source_count(&self) -> usize {
        self.sources.len() + self.unnamed_sources
    }

    /// `2025-02-13`, `2025-02-13 – 2025-02-15`, or `no date`.
    pub fn date_range(&self) -> String {
        match (self.dates.first(), self.dates.last()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => "no date".to_string(),
        }
    }

    /// Articles without a date.
    pub fn undated(&self) -> usize {
        self.articles.iter().filter(|e| e.date.is_none()).count()
    }

    fn counts_text(&self) -> String {
        let n = self.source_count();
        let a = self.articles.len();
        if n == a {
            format!("{n} source{}", plural(n))
        } else {
            format!("{a} articles from {n} source{}", plural(n))
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The entries grouped into stories, largest and newest first. Depends only on the set of
/// entries, not their order.
pub fn story_views(entries: &[IndexEntry]) -> Vec<StoryView<'_>> {
    let items: Vec<Item> = entries
        .iter()
        .map(|e| Item {
            id: &e.id,
            date: e.date.as_deref(),
            signature: &e.signature,
        })
        .collect();
    stories::cluster(&items)
        .into_iter()
        .map(|s| {
            let articles: Vec<&IndexEntry> = s.members.iter().map(|&i| &entries[i]).collect();
            let mut sources: Vec<&str> = Vec::new();
            for src in articles.iter().filter_map(|e| e.source.as_deref()) {
                if !sources.contains(&src) {
                    sources.push(src);
                }
            }
            let mut dates: Vec<&str> = articles.iter().filter_map(|e| e.date.as_deref()).collect();
            dates.sort_unstable();
            dates.dedup();
            let (summary, differences) = across_sources(&entries[s.central], &articles);
            StoryView {
                id: s.id,
                central: &entries[s.central],
                summary,
                differences,
                unnamed_sources: articles.iter().filter(|e| e.source.is_none()).count(),
                articles,
                sources,
                dates,
            }
        })
        .collect()
}

/// Every index file of a run, as `(file name, contents)`: the one place that decides what the
/// index is. Pure (no I/O), so a one-process run and a merge of shards, given the same
/// entries in any order, write byte-identical files.
pub fn files(entries: &[IndexEntry]) -> Vec<(&'static str, String)> {
    let stories = story_views(entries);
    vec![
        ("index.html", html(&stories, entries.len())),
        ("index.md", markdown(&stories, entries.len())),
        ("index.json", json(&stories)),
    ]
}

const INDEX_STYLE: &str = r#"
[hidden] { display: none !important; }
header.top { margin-bottom: 1.2rem; }
#filter { width: 100%; max-width: 32rem; font: inherit; padding: .5rem .7rem; color: var(--ink);
  background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
.story { border-top: 1px solid var(--line); padding: 1rem 0 1.1rem; }
.story h2 { font-size: 1.25rem; line-height: 1.3; margin: 0 0 .2rem; }
.story h2 a { color: var(--ink); text-decoration: none; }
.story h2 a:hover { text-decoration: underline; }
.story .meta { margin: .2rem 0 .5rem; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; background: var(--box);
  color: var(--accent); font-weight: 600; }
[lang="ar"] { font-family: "Noto Naskh Arabic", "Amiri", "Geeza Pro", "Arial", serif; }
p.ar { font-size: 1.1rem; line-height: 1.7; margin: 0 0 .3rem; color: var(--muted); }
.lead { margin: .3rem 0 .6rem; }
ol.articles { list-style: none; margin: 0; padding: 0 0 0 .9rem; border-left: 3px solid var(--line); }
ol.articles li { margin: 0 0 .6rem; }
ol.articles .meta { margin: 0; font-size: .85rem; }
ol.articles .ar { display: block; font-size: 1rem; line-height: 1.6; color: var(--muted); }
.unsure-count { color: var(--warn); }
.digest { margin: .4rem 0 .8rem; }
.digest h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
  margin: .6rem 0 .3rem; }
.digest ol, .digest ul { margin: 0; padding: 0 0 0 1.3rem; }
.digest li { margin: 0 0 .55rem; }
.digest p { margin: 0; }
.digest p.ar { font-size: 1rem; line-height: 1.6; margin: .1rem 0 0; }
.by { font-size: .85rem; white-space: nowrap; }
.by a { color: var(--accent); }
.figures { font-size: .9rem; margin-top: .15rem !important; }
.figures b { font-variant-numeric: tabular-nums; }
.differences li { list-style: none; border-left: 3px solid var(--warn); padding-left: .6rem;
  margin-left: -1.3rem; }
"#;

/// The filter box's script: words typed (English or Arabic, folded like the Rust side folds
/// Arabic for matching) must all occur in a story's text for it to stay shown.
const FILTER_SCRIPT: &str = r#"
(function () {
  var fold = function (s) {
    return s.toLowerCase().normalize('NFKC').replace(/[\u064B-\u065F\u0670\u0640]/g, '')
      .replace(/[\u0623\u0625\u0622\u0671]/g, '\u0627').replace(/\u0649/g, '\u064A')
      .replace(/\u0629/g, '\u0647');
  };
  var box = document.getElementById('filter');
  var none = document.getElementById('nomatch');
  var stories = Array.prototype.map.call(document.querySelectorAll('.story'), function (el) {
    return [el, fold(el.textContent)];
  });
  box.hidden = false;
  box.addEventListener('input', function () {
    var words = fold(box.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    stories.forEach(function (s) {
      var ok = words.every(function (w) { return s[1].indexOf(w) >= 0; });
      s[0].hidden = !ok;
      if (ok) { shown++; }
    });
    none.hidden = shown > 0;
  });
})();
"#;

/// An article's meta line: source, date (or "no date"), uncertain translations if any.
fn html_article_meta(e: &IndexEntry) -> String {
    let source = e.source.as_deref().map_or_else(
        || "<span class=\"nodate\">source unknown</span>".to_string(),
        |s| format!("<span dir=\"auto\">{}</span>", escape(s)),
    );
    let unsure = if e.low_confidence > 0 {
        format!(
            " · <span class=\"unsure-count\">{} uncertain sentence{}</span>",
            e.low_confidence,
            plural(e.low_confidence)
        )
    } else {
        String::new()
    };
    format!("{source} · {}{unsure}", date_html(e.date.as_deref()))
}

fn html_article(out: &mut String, e: &IndexEntry) {
    let _ = writeln!(
        out,
        "<li><div class=\"meta\">{}</div><a href=\"{}.html\">{}</a>\
         <span class=\"ar\" dir=\"rtl\" lang=\"ar\">{}</span></li>",
        html_article_meta(e),
        escape(&e.slug),
        escape(&e.headline),
        escape(&e.headline_ar)
    );
}

/// The story's meta line: a badge with its sources, then its dates.
fn html_story_meta(s: &StoryView) -> String {
    let dates = if s.dates.is_empty() {
        "<span class=\"nodate\">no date</span>".to_string()
    } else {
        escape(&s.date_range())
    };
    // "no date" already says it when none is dated.
    let undated = match s.undated() {
        n if n > 0 && !s.dates.is_empty() => {
            format!(" <span class=\"nodate\">({n} undated)</span>")
        }
        _ => String::new(),
    };
    format!(
        "<span class=\"badge\">{}</span> · {dates}{undated}",
        s.counts_text()
    )
}

/// A source's name as a story's summary labels its sentences.
fn source_label(e: &IndexEntry) -> &str {
    e.source.as_deref().unwrap_or("source unknown")
}

/// The story's summary across sources (each sentence in English, then Arabic, with a link to
/// its article) and where the sources differ.
fn html_digest(out: &mut String, s: &StoryView) {
    out.push_str("<section class=\"digest\">\n<h3>Across sources</h3>\n<ol class=\"summary\">\n");
    for l in &s.summary {
        let _ = writeln!(
            out,
            "<li><p>{} <span class=\"by\">— <a href=\"{}.html\" dir=\"auto\">{}</a></span></p>\
             <p class=\"ar\" dir=\"rtl\" lang=\"ar\">{}</p></li>",
            escape(l.en),
            escape(&l.article.slug),
            escape(source_label(l.article)),
            escape(l.ar)
        );
    }
    out.push_str("</ol>\n");
    if !s.differences.is_empty() {
        out.push_str("<h3>Where sources differ</h3>\n<ul class=\"differences\">\n");
        for d in &s.differences {
            let figures: Vec<String> = d
                .values
                .iter()
                .map(|(v, e)| {
                    format!(
                        "<b>{}</b> <a href=\"{}.html\" dir=\"auto\">{}</a>",
                        escape(v),
                        escape(&e.slug),
                        escape(source_label(e))
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "<li><p>{}</p><p class=\"ar\" dir=\"rtl\" lang=\"ar\">{}</p>\
                 <p class=\"figures\">{}</p></li>",
                escape(d.en),
                escape(d.ar),
                figures.join(" · ")
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// A story: headline (English, then Arabic), meta, its summary across sources (else the
/// central article's summary), then its articles; a story of one article is the article
/// itself, with its own meta line.
fn html_story(out: &mut String, s: &StoryView) {
    let c = s.central;
    let single = s.articles.len() == 1;
    let _ = writeln!(
        out,
        "<article class=\"story\" id=\"story-{}\">\n<h2><a href=\"{}.html\">{}</a></h2>\n\
         <p class=\"ar\" dir=\"rtl\" lang=\"ar\">{}</p>\n\
         <div class=\"meta\">{}</div>",
        escape(&s.id),
        escape(&c.slug),
        escape(&c.headline),
        escape(&c.headline_ar),
        if single {
            html_article_meta(c)
        } else {
            html_story_meta(s)
        },
    );
    if s.summary.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"lead\">{}</p>",
            escape(&c.summary.join(" "))
        );
    } else {
        html_digest(out, s);
    }
    if !single {
        out.push_str("<ol class=\"articles\">\n");
        for e in &s.articles {
            html_article(out, e);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</article>\n");
}

/// `index.html`: the stories, a filter box (inline script, works offline) and a line of
/// totals.
pub fn html(stories: &[StoryView], articles: usize) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Briefs</title>\n<style>{STYLE}{INDEX_STYLE}</style>\n</head>\n<body>\n\
         <header class=\"top\">\n<h1>Briefs</h1>\n<div class=\"meta\">{} stor{} from {articles} article{}</div>\n\
         <input id=\"filter\" type=\"search\" hidden placeholder=\"Filter: words in English or Arabic\" \
         aria-label=\"Filter stories by words in English or Arabic\">\n</header>\n<main>\n",
        stories.len(),
        if stories.len() == 1 { "y" } else { "ies" },
        plural(articles)
    );
    for s in stories {
        html_story(&mut out, s);
    }
    let _ = write!(
        out,
        "<p id=\"nomatch\" class=\"meta\" hidden>No story matches.</p>\n</main>\n\
         <script>{FILTER_SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// Text for one Markdown line: no brackets (they would break links) and no line breaks.
fn md_text(s: &str) -> String {
    s.replace(['[', ']'], "").replace(['\n', '\r'], " ")
}

/// Source, date (or "no date"), uncertain translations if any.
fn md_article_meta(e: &IndexEntry) -> String {
    let mut meta = format!(
        "{} · {}",
        e.source.as_deref().map_or("source unknown".into(), md_text),
        e.date.as_deref().unwrap_or("no date")
    );
    if e.low_confidence > 0 {
        let _ = write!(
            meta,
            " · {} uncertain sentence{}",
            e.low_confidence,
            plural(e.low_confidence)
        );
    }
    meta
}

/// The story's summary across sources and where they differ, as Markdown lists.
fn markdown_digest(out: &mut String, s: &StoryView) {
    out.push_str("Across sources:\n\n");
    for (k, l) in s.summary.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. {} — [{}]({}.md)  \n   {}",
            k + 1,
            md_text(l.en),
            md_text(source_label(l.article)),
            l.article.slug,
            md_text(l.ar)
        );
    }
    out.push('\n');
    if s.differences.is_empty() {
        return;
    }
    out.push_str("Where sources differ:\n\n");
    for d in &s.differences {
        let figures: Vec<String> = d
            .values
            .iter()
            .map(|(v, e)| format!("**{v}** [{}]({}.md)", md_text(source_label(e)), e.slug))
            .collect();
        let _ = writeln!(
            out,
            "- {}  \n  {}  \n  {}",
            md_text(d.en),
            md_text(d.ar),
            figures.join(" · ")
        );
    }
    out.push('\n');
}

/// `index.md`: the same stories as text.
pub fn markdown(stories: &[StoryView], articles: usize) -> String {
    let mut out = format!(
        "# Briefs\n\n{} stor{} from {articles} article{}.\n",
        stories.len(),
        if stories.len() == 1 { "y" } else { "ies" },
        plural(articles)
    );
    for s in stories {
        let c = s.central;
        let single = s.articles.len() == 1;
        let meta = if single {
            format!("[brief]({}.md) · {}", c.slug, md_article_meta(c))
        } else {
            match s.undated() {
                n if n > 0 && !s.dates.is_empty() => {
                    format!("{} · {} ({n} undated)", s.counts_text(), s.date_range())
                }
                _ => format!("{} · {}", s.counts_text(), s.date_range()),
            }
        };
        let _ = writeln!(
            out,
            "\n## {}\n\n{}\n\n{meta}\n",
            md_text(&c.headline),
            md_text(&c.headline_ar),
        );
        if !s.summary.is_empty() {
            markdown_digest(&mut out, s);
        } else if !c.summary.is_empty() {
            let _ = writeln!(out, "{}\n", md_text(&c.summary.join(" ")));
        }
        if single {
            continue;
        }
        for e in &s.articles {
            let _ = writeln!(
                out,
                "- {} — [{}]({}.md) — {}",
                md_article_meta(e),
                md_text(&e.headline),
                e.slug,
                md_text(&e.headline_ar)
            );
        }
    }
    out
}

#[derive(Serialize)]
struct Bilingual<'a> {
    ar: &'a str,
    en: &'a str,
}

#[derive(Serialize)]
struct JsonStory<'a> {
    id: &'a str,
    headline: Bilingual<'a>,
    /// Article ids, oldest first.
    articles: Vec<&'a str>,
    sources: &'a [&'a str],
    dates: &'a [&'a str],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    summary: Vec<JsonLine<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    differences: Vec<JsonDifference<'a>>,
}

/// A sentence of a story's summary: its text, its article's id and source.
#[derive(Serialize)]
struct JsonLine<'a> {
    ar: &'a str,
    en: &'a str,
    article: &'a str,
    source: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonDifference<'a> {
    ar: &'a str,
    en: &'a str,
    values: Vec<JsonValue<'a>>,
}

/// One source's figure.
#[derive(Serialize)]
struct JsonValue<'a> {
    value: &'a str,
    article: &'a str,
    source: Option<&'a str>,
}

fn json_story<'a>(s: &'a StoryView) -> JsonStory<'a> {
    JsonStory {
        id: &s.id,
        headline: Bilingual {
            ar: &s.central.headline_ar,
            en: &s.central.headline,
        },
        articles: s.articles.iter().map(|e| e.id.as_str()).collect(),
        sources: &s.sources,
        dates: &s.dates,
        summary: s
            .summary
            .iter()
            .map(|l| JsonLine {
                ar: l.ar,
                en: l.en,
                article: &l.article.id,
                source: l.article.source.as_deref(),
            })
            .collect(),
        differences: s
            .differences
            .iter()
            .map(|d| JsonDifference {
                ar: d.ar,
                en: d.en,
                values: d
                    .values
                    .iter()
                    .map(|(v, e)| JsonValue {
                        value: v,
                        article: &e.id,
                        source: e.source.as_deref(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct JsonArticle<'a> {
    id: &'a str,
    slug: &'a str,
    story: &'a str,
    headline: Bilingual<'a>,
    date: Option<&'a str>,
    source: Option<&'a str>,
    url: Option<&'a str>,
    summary: &'a [String],
    low_confidence: usize,
}

#[derive(Serialize)]
struct JsonIndex<'a> {
    stories: Vec<JsonStory<'a>>,
    articles: Vec<JsonArticle<'a>>,
}

/// `index.json`: the stories (schema in README.md, "index.json") and every article with
/// the story it belongs to, in story order.
pub fn json(stories: &[StoryView]) -> String {
    let index = JsonIndex {
        stories: stories.iter().map(json_story).collect(),
        articles: stories
            .iter()
            .flat_map(|s| s.articles.iter().map(move |e| (s, e)))
            .map(|(s, e)| JsonArticle {
                id: &e.id,
                slug: &e.slug,
                story: &s.id,
                headline: Bilingual {
                    ar: &e.headline_ar,
                    en: &e.headline,
                },
                date: e.date.as_deref(),
                source: e.source.as_deref(),
                url: e.url.as_deref(),
                summary: &e.summary,
                low_confidence: e.low_confidence,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&index).expect("the index always serialises");
    s.push('\n');
    s
}
