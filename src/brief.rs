//! brief: work in progress.
