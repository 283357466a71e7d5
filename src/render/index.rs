//! The index of a run's briefs, newest first (undated last, then by slug).

use std::fmt::Write as _;

use super::html::{escape, STYLE};
use crate::brief::IndexEntry;

fn sorted(entries: &[IndexEntry]) -> Vec<&IndexEntry> {
    let mut v: Vec<&IndexEntry> = entries.iter().collect();
    v.sort_by(|a, b| match (&a.date, &b.date) {
        (Some(x), Some(y)) => y.cmp(x).then(a.slug.cmp(&b.slug)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.slug.cmp(&b.slug),
    });
    v
}

/// Every index file of a run, as `(file name, contents)`: the one place that decides what the
/// index is. Pure (no I/O), so a one-process run and a merge of shards, given the same
/// entries, write byte-identical files.
pub fn files(entries: &[IndexEntry]) -> Vec<(&'static str, String)> {
    vec![
        ("index.html", html(entries)),
        ("index.md", markdown(entries)),
    ]
}

pub fn html(entries: &[IndexEntry]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Briefs</title>\n<style>{STYLE}\nli {{ margin: 0 0 1rem; }} li p {{ margin: .2rem 0 0; }}</style>\n</head>\n<body>\n\
         <h1>Briefs</h1>\n<ol class=\"index\" style=\"list-style:none;padding:0\">\n"
    );
    for e in sorted(entries) {
        let meta: Vec<String> = [e.date.clone(), e.source.clone()]
            .into_iter()
            .flatten()
            .map(|s| escape(&s))
            .collect();
        let _ = writeln!(
            out,
            "<li><a href=\"{}.html\">{}</a><div class=\"meta\" style=\"margin:0\">{}</div>{}</li>",
            escape(&e.slug),
            escape(&e.headline),
            meta.join(" · "),
            e.first_summary
                .as_deref()
                .map(|s| format!("<p>{}</p>", escape(s)))
                .unwrap_or_default()
        );
    }
    out.push_str("</ol>\n</body>\n</html>\n");
    out
}

pub fn markdown(entries: &[IndexEntry]) -> String {
    let mut out = String::from("# Briefs\n\n");
    for e in sorted(entries) {
        let meta: Vec<&str> = [e.date.as_deref(), e.source.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = writeln!(
            out,
            "- [{}]({}.md){}{}",
            e.headline.replace(['[', ']'], ""),
            e.slug,
            if meta.is_empty() {
                String::new()
            } else {
                format!(" — {}", meta.join(" · "))
            },
            e.first_summary
                .as_deref()
                .map(|s| format!("\n  {s}"))
                .unwrap_or_default()
        );
    }
    out
}
