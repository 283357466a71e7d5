//! Word lists kept as data files, looked up as sets.

use std::collections::HashSet;
use std::sync::OnceLock;

/// A word list kept as data (`.txt`, one word a line, read into the binary at
/// compile time) so that it reads and edits as a list, not as code laid out one word a line;
/// looked up through a set built on first use.
pub struct WordList {
    text: &'static str,
    set: OnceLock<HashSet<&'static str>>,
}

impl WordList {
    pub const fn new(text: &'static str) -> Self {
        WordList {
            text,
            set: OnceLock::new(),
        }
    }

    /// Whether `word` (folded as the list's words are) is on the list.
    pub fn contains(&self, word: &str) -> bool {
        self.set
            .get_or_init(|| self.text.lines().filter(|w| !w.is_empty()).collect())
            .contains(word)
    }
}
