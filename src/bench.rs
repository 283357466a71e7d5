//! bench: work in progress.
