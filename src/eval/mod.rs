//! eval: work in progress.
