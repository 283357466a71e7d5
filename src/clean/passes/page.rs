//! The page the passes share: one document's lines and every finding so far, read and
//! written by the passes in turn (a blackboard), with the small queries several passes ask.
//! A decision, once made, is final: later passes only fill lines still open.

use crate::clean::label::{Label, Pass, Reason};
use crate::clean::lines::Line;
use crate::clean::shapes::Marker;

/// The metadata shape of a line, decided as metadata only where its position allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    Date,
    Byline,
    Dateline,
}

/// A decided line: its label and the pass that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub label: Label,
    pub pass: Pass,
}

/// The lines of one document and everything the passes found so far.
pub struct Page<'a> {
    pub lines: &'a [Line<'a>],
    pub decided: Vec<Option<Decision>>,
    pub markers: Vec<Option<Marker>>,
    pub meta: Vec<Option<Meta>>,
    /// For a line the page prints more than once, the index of its first copy.
    pub first_copy: Vec<Option<usize>>,
    pub repeated: Vec<bool>,
    /// How many unrelated batch articles share the line.
    pub shared: Vec<Option<usize>>,
    /// Prose lines (jusText's "good" class).
    pub good: Vec<bool>,
    /// The body run: first and last line index, inclusive.
    pub body: Option<(usize, usize)>,
    pub title: Option<usize>,
}

impl<'a> Page<'a> {
    pub fn new(lines: &'a [Line<'a>]) -> Self {
        let n = lines.len();
        Page {
            lines,
            decided: vec![None; n],
            markers: vec![None; n],
            meta: vec![None; n],
            first_copy: vec![None; n],
            repeated: vec![false; n],
            shared: vec![None; n],
            good: vec![false; n],
            body: None,
            title: None,
        }
    }

    pub(super) fn open(&self, i: usize) -> bool {
        self.decided[i].is_none()
    }

    pub(super) fn set(&mut self, i: usize, label: Label, pass: Pass) {
        if self.decided[i].is_none() {
            self.decided[i] = Some(Decision { label, pass });
        }
    }

    pub(super) fn drop_line(&mut self, i: usize, reason: Reason, pass: Pass) {
        self.set(i, Label::Drop(reason), pass);
    }

    /// A line that separates runs of prose: furniture already dropped, metadata, a repeated
    /// or template line that is not prose itself.
    pub(super) fn breaker(&self, i: usize) -> bool {
        !self.good[i]
            && (self.decided[i].is_some()
                || self.meta[i].is_some()
                || self.repeated[i]
                || self.shared[i].is_some())
    }

    /// A marker after which the article does not go on: a bare read-also, tags, related,
    /// source, copyright, comments or share line.
    pub(super) fn hard_end(&self, i: usize) -> bool {
        match self.markers[i] {
            // A bare "read also" followed straight by prose was an inline link ("اقرأ
            // المزيد" between two paragraphs); followed by a headline, another article.
            Some(Marker::ReadAlso) => {
                let next =
                    (i + 1..self.lines.len().min(i + 20)).find(|&j| self.decided[j].is_none());
                self.lines[i].words <= 4 && !next.is_some_and(|j| self.good[j])
            }
            Some(m) => m.ends_article(),
            None => false,
        }
    }
}
