//! The cleaner's passes. Each is a function of the lines and of what earlier passes decided
//! ([`Page`]); [`super::classify`] runs them in order:
//!
//! 1. [`line_shapes`]: what a line is from its own text (scraper lines, no Arabic, widgets,
//!    embeds, glued headlines, item lists, captions) and its metadata shape (date, byline,
//!    dateline) — undecided until its position is known;
//! 2. [`markers`]: the lexical markers (read also, tags, share, related, source, copyright);
//! 3. [`repeats`]: lines the page prints more than once;
//! 4. [`template`]: lines shared with unrelated articles of the batch;
//! 5. [`body_run`]: the densest run of prose (jusText's good paragraphs, clustered across
//!    short lines and broken by furniture and end-of-article markers);
//! 6. [`title`]: the first headline-shaped line above the body that shares its words (and
//!    body fragments right under it join the body);
//! 7. [`extend_body_down`]: continued text right after the body joins it;
//! 8. [`header`], [`body`], [`tail`]: everything above, inside and below the body run,
//!    decided from its context.
//!
//! Files: [`page`] holds the [`Page`] the passes share; [`line`] runs passes 1–4, [`locate`]
//! passes 5–7, [`context`] pass 8; [`explain`] puts a line's signals in words for `--explain`.

mod context;
mod explain;
mod line;
mod locate;
mod page;
#[cfg(test)]
mod tests;

pub use context::{body, header, tail};
pub use line::{line_shapes, markers, repeats, template};
pub use locate::{body_run, extend_body_down, title};
pub use page::{Decision, Page};
