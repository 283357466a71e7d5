//! Cleaning scraped articles: work in progress.

pub mod segment;
