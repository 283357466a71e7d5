//! One text a line in, one result a line out: the file-or-stdio plumbing `translate` and
//! `summarize` share.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;

use crate::fsutil::write_atomic;

/// Where a line-by-line command reads and writes: files, else standard input and output.
#[derive(Debug, Clone, clap::Args)]
pub struct LineFiles {
    /// Read the input (one text a line) from this file instead of stdin
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Write the output (one line per input line) to this file, atomically, instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl LineFiles {
    /// The whole input as UTF-8 text: the file, else standard input. A file that is not UTF-8
    /// is an error naming it and the offset of the first invalid byte.
    pub fn read(&self) -> anyhow::Result<String> {
        let Some(path) = &self.input else {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading stdin (not UTF-8 text?)")?;
            return Ok(text);
        };
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "{}: not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            )
        })
    }

    /// Writes `out` to the file (atomically: all or nothing), else to standard output.
    pub fn write(&self, out: &str) -> anyhow::Result<()> {
        match &self.output {
            Some(path) => write_atomic(path, out.as_bytes())
                .with_context(|| format!("writing {}", path.display())),
            None => std::io::stdout()
                .write_all(out.as_bytes())
                .context("writing stdout"),
        }
    }
}
