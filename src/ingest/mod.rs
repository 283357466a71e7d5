//! ingest: work in progress.
