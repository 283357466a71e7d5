//! clean: work in progress.
