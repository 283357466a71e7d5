//! Arabic text, below every stage that reads it: the cleaner, summaries, stories and (through
//! the normalised text the model is fed) translation. Knows nothing of articles, pages or
//! models: functions of strings and characters only.
//!
//! - [`arabic`]: letters and digits of the Arabic script; digits of any script as ASCII;
//! - [`normalize`]: text normalised for the model, and folded for matching;
//! - [`segment`]: sentence segmentation;
//! - [`stopwords`]: the stopword lists, one per purpose;
//! - [`stem`]: the light stemmers, one per comparison;
//! - [`word_list`]: the type of every word list kept as data (`words/*.txt`).

pub mod arabic;
pub mod normalize;
pub mod segment;
pub mod stem;
pub mod stopwords;
pub mod word_list;
