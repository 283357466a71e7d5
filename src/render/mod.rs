//! Rendering briefs: a self-contained HTML page, a Markdown table and JSON per article, and an
//! index of all briefs. Knows only [`crate::brief`]; output is deterministic.

pub mod html;
pub mod index;
pub mod markdown;

use crate::brief::{Brief, MachineSummary};

/// The brief as pretty JSON (the documented schema), newline-terminated.
pub fn json(b: &Brief) -> String {
    let mut s = serde_json::to_string_pretty(b).expect("briefs always serialise");
    s.push('\n');
    s
}

/// The key sentences' heading: beside a machine summary it says where they come from.
pub(crate) fn summary_heading(b: &Brief) -> &'static str {
    match b.machine_summary {
        Some(_) => "Key sentences from the article",
        None => "Summary",
    }
}

/// `"15 soldiers", "March 9"` as a reader-facing list.
pub(crate) fn unsupported_list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(|u| format!("“{u}”"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `--summary-check drop` left out of a machine summary, in words (empty when nothing):
/// `2 sentences removed: “15 soldiers”, “Haftar” not found in the article.`
pub(crate) fn removed_note(m: &MachineSummary) -> String {
    if m.removed.is_empty() {
        return String::new();
    }
    format!(
        "{} sentence{} removed: {} not found in the article.",
        m.removed.len(),
        if m.removed.len() == 1 { "" } else { "s" },
        unsupported_list(m.removed.iter().flat_map(|s| &s.unsupported))
    )
}
