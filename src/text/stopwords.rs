//! Stopword lists, one per purpose, side by side. Every list holds words as
//! [`fold_for_matching`](super::normalize::fold_for_matching) leaves them (alef forms as bare
//! alef, yeh for alef maksura, heh for teh marbuta; the few exceptions are noted) and is only
//! ever asked whether it contains a word, so order does not matter.
//!
//! Why three lists and not one: each was chosen for its own task and changing any of them
//! changes that task's output. [`FUNCTION_WORDS`] counts free-standing function words to tell
//! prose from page furniture, so it keeps only words that real sentences are full of;
//! [`SUMMARY_STOPWORDS`] and [`STORY_STOPWORDS`] both leave words out of a similarity, but
//! telling events apart must also ignore the newsroom verbs (اضاف، اكد، اوضح…) and time words
//! (يوم، امس…) that every report of every event uses, which the summarizer's sentence
//! similarity inside one article counts. Merging the two would change summaries or stories.

use super::word_list::WordList;

/// Arabic function words, free-standing (many are clitics and cannot be counted). Real
/// sentences are full of them; menus, captions, headlines and bylines are not (jusText's
/// stopword density, for Arabic). The cleaner counts them per line, and its headline-to-body
/// comparison ([`content_stem`](super::stem::content_stem)) skips them.
pub static FUNCTION_WORDS: WordList = WordList::new(include_str!("words/function.txt"));

/// Words left out of the sentence similarity of extractive summaries (`summarize`): function
/// words and the reporting verb قال, which say nothing about which sentences of one article
/// belong together. Two entries (على، الى) keep their alef maksura, which folding turns into
/// yeh, so they match only what NFKC made of a presentation form (ﻰ); as علي is not listed,
/// the summarizer reads it as a content word. Kept as written so that summaries do not
/// change.
pub static SUMMARY_STOPWORDS: WordList = WordList::new(include_str!("words/summary.txt"));

/// Words left out of the signatures that group articles into stories (`stories`): function
/// words, newsroom verbs (قال، اضاف، اكد، اوضح، اشار) and time words (اليوم، امس، الان) that
/// every report uses whatever the event. Checked before and after light stemming. التى، فى
/// and الى match only what NFKC made of a presentation form (folding turns ى into ي; their
/// folded spellings are listed too).
pub static STORY_STOPWORDS: WordList = WordList::new(include_str!("words/story.txt"));
