//! run: work in progress.
