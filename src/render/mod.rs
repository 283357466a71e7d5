//! render: work in progress.
