//! summarize: work in progress.
