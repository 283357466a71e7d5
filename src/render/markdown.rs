//! The brief as Markdown: a two-column table, English | Arabic, headings as bold rows.

use std::fmt::Write as _;

use crate::brief::{Brief, Pair};

/// Makes text safe inside a table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Follows a translation the model was unsure of (explained under the table).
const UNSURE: &str = " (?)";

fn row(out: &mut String, p: &Pair, bold: bool) {
    let mut en = cell(&p.en);
    if p.is_unsure() && !en.is_empty() {
        en.push_str(UNSURE);
    }
    let ar = cell(&p.ar);
    if bold && !en.is_empty() {
        let _ = writeln!(out, "| **{en}** | **{ar}** |");
    } else {
        let _ = writeln!(out, "| {en} | {ar} |");
    }
}

pub fn brief(b: &Brief) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", cell(&b.headline));
    let mut meta = vec![
        b.date.clone().unwrap_or_else(|| "no date".into()),
        b.source
            .as_deref()
            .map_or_else(|| "source unknown".into(), cell),
    ];
    if let Some(u) = &b.url {
        meta.push(format!("<{u}>"));
    }
    let _ = writeln!(out, "{}\n", meta.join(" · "));
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
    let unsure = b.low_confidence();
    if unsure > 0 {
        let _ = writeln!(
            out,
            "\n{unsure} translation{} marked{UNSURE}: the model was unsure of {}; check against \
             the Arabic.",
            if unsure == 1 { "" } else { "s" },
            if unsure == 1 { "it" } else { "them" }
        );
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
