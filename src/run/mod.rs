//! The nightly batch job (`nashra run`): work in progress.

pub mod cache;
