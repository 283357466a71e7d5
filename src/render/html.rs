//! The brief as one self-contained HTML page: English on the left, Arabic on the right
//! (`dir="rtl" lang="ar"`), one row per sentence pair, headings as heading rows; stacks into
//! one column on a phone and prints without backgrounds or split rows.

use std::fmt::Write as _;

use super::{removed_note, summary_heading, unsupported_list};
use crate::brief::{Brief, CheckedSentence, MachineSummary, Pair, LOW_CONFIDENCE_LOGPROB};

/// Escapes text for HTML element content and quoted attribute values. Five replacements do
/// not justify a dependency.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) const STYLE: &str = r#"
:root { --ink:#1d2330; --muted:#5b6475; --line:#e3e6ec; --accent:#0b5cad; --box:#f3f6fa;
  --bg:#ffffff; --warn:#9a5b00; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --ink:#e3e7ef; --muted:#9ea7b8; --line:#2d3444; --accent:#8ab8ff; --box:#1a2130;
    --bg:#10141b; --warn:#f0b35a; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 1.5rem 1rem 3rem; color: var(--ink); background: var(--bg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .4rem; }
.meta { color: var(--muted); font-size: .9rem; margin-bottom: 1.2rem; }
.meta a { color: var(--accent); }
.summary { background: var(--box); border-left: 4px solid var(--accent); padding: .8rem 1rem;
  margin: 0 0 1.6rem; border-radius: 4px; }
.summary h2 { font-size: 1rem; margin: 0 0 .5rem; text-transform: uppercase; letter-spacing: .04em; color: var(--accent); }
table.article { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.article td { vertical-align: top; padding: .45rem .6rem; border-top: 1px solid var(--line); width: 50%; }
td[lang="ar"], .summary [lang="ar"] { font-family: "Noto Naskh Arabic", "Amiri", "Geeza Pro", "Arial", serif;
  font-size: 1.1rem; line-height: 1.8; text-align: right; }
tr.heading td { font-weight: 700; padding-top: 1.1rem; border-top: 2px solid var(--ink); }
tr.title td { font-size: 1.15rem; font-weight: 700; background: var(--box); }
.summary table { width: 100%; border-collapse: collapse; table-layout: fixed; }
.summary td { vertical-align: top; padding: .3rem .4rem; width: 50%; }
footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; }
a { color: var(--accent); }
.nodate { font-style: italic; }
.unsure-mark { display: inline-block; margin-left: .3em; padding: 0 .35em;
  border: 1px solid var(--warn); border-radius: 1em; color: var(--warn); font-size: .75rem;
  line-height: 1.4; cursor: help; vertical-align: .1em; }
td.en, p.meta { position: relative; }
.unsure-mark:hover::after, .unsure-mark:focus::after { content: attr(data-note); position: absolute;
  z-index: 2; left: .3rem; right: .3rem; top: calc(100% - .2rem); max-width: 24rem; padding: .5rem .6rem;
  background: var(--box); color: var(--ink); border: 1px solid var(--line); border-radius: 4px;
  font-size: .85rem; font-weight: 400; line-height: 1.4; white-space: normal;
  box-shadow: 0 2px 8px rgba(0,0,0,.25); }
@media (max-width: 640px) {
  table.article, table.article tbody, table.article tr, table.article td,
  .summary table, .summary tbody, .summary tr, .summary td { display: block; width: 100%; }
  table.article td, .summary td { border-top: 0; padding: .2rem .2rem; }
  table.article tr { border-top: 1px solid var(--line); padding: .4rem 0; }
  h1 { font-size: 1.35rem; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .summary, tr.title td { background: none; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The quiet marker after a translation the model was unsure of: a small "?" that explains
/// itself on hover, and on tap (it takes focus) where there is no hover.
fn unsure_mark(p: &Pair) -> String {
    let Some(l) = p.logprob.filter(|_| p.is_unsure()) else {
        return String::new();
    };
    let note = format!(
        "Uncertain translation: the model gave its words an average log-probability of \
         {l:.2} (below {LOW_CONFIDENCE_LOGPROB:.1}). Check this sentence against the Arabic."
    );
    format!(
        " <span class=\"unsure-mark\" tabindex=\"0\" role=\"note\" aria-label=\"{0}\" data-note=\"{0}\">?</span>",
        escape(&note)
    )
}

fn pair_row(out: &mut String, class: &str, p: &Pair) {
    let _ = writeln!(
        out,
        "<tr class=\"{class}\"><td class=\"en{}\" lang=\"en\">{}{}</td><td class=\"ar\" dir=\"rtl\" lang=\"ar\">{}</td></tr>",
        if p.is_unsure() { " unsure" } else { "" },
        escape(&p.en),
        unsure_mark(p),
        escape(&p.ar)
    );
}

/// The style of the machine-summary box (added to a brief only when it has one).
const MACHINE_STYLE: &str = r#"
.machine { background: var(--box); border-left: 4px solid var(--warn); padding: .8rem 1rem;
  margin: 0 0 1.2rem; border-radius: 4px; }
.machine h2 { font-size: 1rem; margin: 0 0 .3rem; text-transform: uppercase; letter-spacing: .04em; color: var(--warn); }
.machine .label { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
.machine p.gist { margin: 0; }
.machine .unsupported { text-decoration: underline wavy var(--warn); text-underline-offset: .2em; }
.machine .check { display: block; color: var(--warn); font-size: .85rem; margin: .1rem 0 .3rem; }
@media print { .machine { background: none; } }
"#;

/// The machine-written summary, labelled as such, above the key sentences: every sentence
/// the article does not support is underlined and followed by what could not be found.
fn machine_summary(out: &mut String, m: &MachineSummary) {
    out.push_str("<section class=\"machine\">\n<h2>Machine summary</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"label\">Written in English by a model ({}) from the translation{}; numbers, \
         dates and names were checked against the article. Not a quotation.</p>",
        escape(&m.model),
        if m.truncated {
            " (the article was longer than the model reads: only its start was summarised)"
        } else {
            ""
        }
    );
    out.push_str("<p class=\"gist\" lang=\"en\">");
    let sentences: Vec<String> = m.sentences.iter().map(checked_sentence).collect();
    out.push_str(&sentences.join(" "));
    out.push_str("</p>\n");
    if !m.removed.is_empty() {
        let _ = writeln!(out, "<p class=\"label\">{}</p>", escape(&removed_note(m)));
    }
    out.push_str("</section>\n");
}

fn checked_sentence(s: &CheckedSentence) -> String {
    if s.is_supported() {
        return escape(&s.en);
    }
    format!(
        "<span class=\"unsupported\">{}</span><span class=\"check\" role=\"note\">Not found in \
         the article: {}. Check before relying on this sentence.</span>",
        escape(&s.en),
        escape(&unsupported_list(&s.unsupported))
    )
}

/// The date as a `<time>` element, or a visible "no date" where the page gave none.
pub(crate) fn date_html(date: Option<&str>) -> String {
    match date {
        Some(d) => format!("<time datetime=\"{0}\">{0}</time>", escape(d)),
        None => "<span class=\"nodate\">no date</span>".to_string(),
    }
}

/// The brief as a complete HTML document.
pub fn brief(b: &Brief) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n{}</head>\n<body>\n",
        escape(&b.headline),
        // Only briefs that show a machine summary carry its style, so that the others stay
        // byte for byte what they were before machine summaries existed.
        if b.machine_summary.is_some() {
            format!("<style>{MACHINE_STYLE}</style>\n")
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&b.headline));
    let mut meta = vec![date_html(b.date.as_deref())];
    match &b.source {
        Some(s) => meta.push(format!("<span dir=\"auto\">{}</span>", escape(s))),
        None => meta.push("<span class=\"nodate\">source unknown</span>".to_string()),
    }
    if let Some(u) = &b.url {
        meta.push(format!("<a href=\"{0}\">{0}</a>", escape(u)));
    }
    let _ = writeln!(out, "<div class=\"meta\">{}</div>", meta.join(" · "));
    if let Some(m) = &b.machine_summary {
        machine_summary(&mut out, m);
    }
    if !b.summary.is_empty() {
        let _ = write!(
            out,
            "<section class=\"summary\">\n<h2>{}</h2>\n<table>\n",
            summary_heading(b)
        );
        for p in &b.summary {
            pair_row(&mut out, "summary-pair", p);
        }
        out.push_str("</table>\n</section>\n");
    }
    out.push_str("<table class=\"article\">\n");
    if let Some(t) = &b.title {
        pair_row(&mut out, "title", t);
    }
    for section in &b.sections {
        if let Some(h) = &section.heading {
            pair_row(&mut out, "heading", h);
        }
        for p in &section.sentences {
            pair_row(&mut out, "sentence", p);
        }
    }
    out.push_str("</table>\n");
    let unsure = b.low_confidence();
    if unsure > 0 {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{unsure} sentence{} marked <span class=\"unsure-mark\" tabindex=\"0\" \
             data-note=\"Marks a translation the model was unsure of.\">?</span> \
             the model was unsure of: read them with care.</p>",
            if unsure == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "<footer>Machine translation by {} ({} beam{}). Source: {}.</footer>\n</body>\n</html>",
        escape(&b.model.label()),
        b.decoding.num_beams,
        if b.decoding.num_beams == 1 { "" } else { "s" },
        escape(&b.source_path)
    );
    out
}
