//! Helpers shared by the integration tests that read golden files.

use serde_json::Value;

/// A JSON array of token ids (as the golden files store them) as `u32`s.
pub fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}
