//! Rendering briefs: a self-contained HTML page, a Markdown table and JSON per article, and an
//! index of all briefs. Knows only [`crate::brief`]; output is deterministic.

pub mod html;
pub mod index;
pub mod markdown;

use crate::brief::Brief;

/// The brief as pretty JSON (the documented schema), newline-terminated.
pub fn json(b: &Brief) -> String {
    let mut s = serde_json::to_string_pretty(b).expect("briefs always serialise");
    s.push('\n');
    s
}
