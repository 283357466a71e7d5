//! The brief as Markdown: a two-column table, English | Arabic, headings as bold rows.

use std::fmt::Write as _;

use super::{removed_note, summary_heading, unsupported_list};
use crate::brief::{Brief, MachineSummary, Pair};

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

/// The machine-written summary as a labelled quote; an unsupported sentence is followed by
/// what could not be found in the article.
fn machine_summary(out: &mut String, m: &MachineSummary) {
    let _ = writeln!(
        out,
        "## Machine summary\n\n_Written in English by a model ({}) from the translation{}; \
         numbers, dates and names checked against the article. Not a quotation._\n",
        m.model,
        if m.truncated {
            " (only the start of the article: it is longer than the model reads)"
        } else {
            ""
        }
    );
    for s in &m.sentences {
        if s.is_supported() {
            let _ = writeln!(out, "> {}", cell(&s.en));
        } else {
            let _ = writeln!(
                out,
                "> {} **(not found in the article: {})**",
                cell(&s.en),
                unsupported_list(&s.unsupported)
            );
        }
    }
    if !m.removed.is_empty() {
        let _ = writeln!(out, "\n_{}_", removed_note(m));
    }
    out.push('\n');
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
    if let Some(m) = &b.machine_summary {
        machine_summary(&mut out, m);
    }
    if !b.summary.is_empty() {
        let heading = summary_heading(b);
        let _ = write!(
            out,
            "## {heading}\n\n| English | العربية |\n| --- | --- |\n"
        );
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
