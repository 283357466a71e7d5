//! WARC reading over growing crawls: time and peak heap of `ingest::read_path_counted` on
//! crawls of 20 MB to 200 MB (or the sizes given), to show that records are streamed: the
//! memory a crawl costs is that of the articles it keeps, not of its size.
//!
//! `cargo bench --bench warc` (add `-- 20 200 2000` for other sizes in MB). A crawl is the
//! fixture crawl (`tests/fixtures/warc/crawl.warc.gz`: five Arabic articles among redirects,
//! a 404, an image, an English page, requests, revisits and metadata, one gzip member per
//! record) written over and over, so that every copy supersedes the one before (a crawler
//! fetching the same site again).
//! A second column reads every record of the same file and keeps nothing (the record reader
//! alone). Own harness rather than criterion: criterion cannot report the peak heap, which is
//! the figure that matters here (as in `benches/stories.rs`).

mod common;

use std::io::{Read, Write};
use std::time::Instant;

use nashra::ingest::{self, warc::records::Records};

const CRAWL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/warc/crawl.warc.gz"
);

/// The fixture crawl's records, one gzip member each, as (plain record bytes).
fn records() -> Vec<Vec<u8>> {
    let mut plain = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(CRAWL).unwrap())
        .read_to_end(&mut plain)
        .unwrap();
    let text = plain;
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..text.len().saturating_sub(8) {
        if text[i..].starts_with(b"\r\n\r\nWARC/1.") {
            out.push(text[start..i + 4].to_vec());
            start = i + 4;
        }
    }
    out.push(text[start..].to_vec());
    out
}

/// Writes a crawl of about `mb` megabytes: the records over and over (a crawler fetching the
/// same site again; each capture of a URL supersedes the one before, same time, later place).
fn make(path: &std::path::Path, mb: u64, records: &[Vec<u8>]) -> u64 {
    let members: Vec<Vec<u8>> = records
        .iter()
        .map(|r| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(r).unwrap();
            gz.finish().unwrap()
        })
        .collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut written = 0u64;
    while written < mb << 20 {
        for m in &members {
            file.write_all(m).unwrap();
            written += m.len() as u64;
        }
    }
    file.flush().unwrap();
    written
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, f64, usize) {
    let base = common::start_peak();
    let t = Instant::now();
    let out = f();
    let seconds = t.elapsed().as_secs_f64();
    (out, seconds, common::peak_above(base))
}

fn main() {
    let sizes: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![20, 200]
    } else {
        sizes
    };
    let records = records();
    let dir = tempfile::tempdir().unwrap();
    println!("| crawl | records | articles kept | read s | MB/s | peak heap | records only s | records only peak heap |");
    println!("|---|---|---|---|---|---|---|---|");
    for mb in sizes {
        let path = dir.path().join(format!("crawl-{mb}.warc.gz"));
        let bytes = make(&path, mb, &records);
        let (read, seconds, peak) = measure(|| ingest::read_path_counted(&path, 4 << 20).unwrap());
        let kept = read.docs.iter().filter(|d| d.is_ok()).count();
        let skipped: usize = read.skipped.iter().map(|s| s.count).sum();
        drop(read);
        let (n, raw_s, raw_peak) = measure(|| {
            let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
            let mut records = Records::new(file).unwrap();
            let mut n = 0usize;
            while let Some(r) = records.next(|_, block| std::io::copy(block, &mut std::io::sink()))
            {
                n += usize::from(r.is_ok());
            }
            n
        });
        println!(
            "| {:.0} MB | {n} | {kept} (+{skipped} skipped) | {seconds:.2} | {:.0} | {:.1} MB | {raw_s:.2} | {:.1} MB |",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / seconds,
            peak as f64 / 1e6,
            raw_peak as f64 / 1e6,
        );
        std::fs::remove_file(&path).unwrap();
    }
}
