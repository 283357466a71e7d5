//! translate: work in progress.
