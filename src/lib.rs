//! nashra: Arabic news articles in, bilingual English briefs out.
//!
//! The pipeline runs in one direction; each module owns one stage and knows nothing of the
//! stages after it:
//!
//! ```text
//! text    (Arabic letters, normalisation, sentences, stopwords, stemming: used by all below)
//! ingest  (files, dirs, stdin, formats, encodings)        -> Doc
//! clean   (boilerplate, metadata, normalisation, segments) -> Article
//! translate (Marian on candle: tokenizer, model, decoding, batching)
//! summarize (extractive sentence selection)
//! stories (grouping articles that report one event)
//! brief + render (html, markdown, json, index)
//! run     (the nightly batch job: orchestration, cache, manifest)
//! bench, eval (measurement and metrics)
//! disjoint_sets (union-find: the grouping that clean and stories share)
//! cli     (argument parsing; calls the library)
//! ```

pub mod bench;
pub mod brief;
pub mod clean;
pub mod cli;
pub mod disjoint_sets;
pub mod eval;
pub mod fsutil;
pub mod ingest;
pub mod render;
pub mod run;
pub mod stories;
pub mod summarize;
pub mod text;
pub mod translate;
