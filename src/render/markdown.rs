//! The brief as Markdown: a two-column table, English | Arabic, headings as bold rows.

use std::fmt::Write as _;

use crate::brief::{Brief, Pair};

/// Makes text safe inside a table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn row(out: &mut String, p: &Pair, bold: bool) {
    let (en, ar) = (cell(&p.en), cell(&p.ar));
    if bold && !en.is_empty() {
        let _ = writeln!(out, "| **{en}** | **{ar}** |");
    } else {
        let _ = writeln!(out, "| {en} | {ar} |");
    }
}

pub fn brief(b: &Brief) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", cell(&b.headline));
    let mut meta = Vec::new();
    if let Some(d) = &b.date {
        meta.push(d.clone());
    }
    if let Some(s) = &b.source {
        meta.push(cell(s));
    }
    if let Some(u) = &b.url {
        meta.push(format!("<{u}>"));
    }
    if !meta.is_empty() {
        let _ = writeln!(out, "{}\n", meta.join(" · "));
    }
    if !b.summary.is_empty() {
        out.push_str("## Summary\n\n| English | العربية |\n| --- | --- |\n");
        for p in &b.summary {
            row(&mut out, p, false);
        }
        out.push('\n');
    }
    out.push_str("## Article\n\n| English | العربية |\n| --- | --- |\n");
    if let Some(t) = &b.title {
        row(&mut out, t, true);
    }
    for s in &b.sections {
        if let Some(h) = &s.heading {
            row(&mut out, h, true);
        }
        for p in &s.sentences {
            row(&mut out, p, false);
        }
    }
    let _ = writeln!(
        out,
        "\n_Machine translation by {} ({} beams). Source: {}._",
        b.model.id,
        b.decoding.num_beams,
        cell(&b.source_path)
    );
    out
}
