//! WARC crawls and extractors' JSON lines as inputs: the fixtures of `tests/fixtures/warc/`
//! (written by warcio, see `make_warc.py`) read by the library and by `nashra run` with the
//! `copy` fixture model.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_exit, manifest};

use nashra::brief::Brief;
use nashra::ingest::{self, IngestError};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    common::fixture("warc").join(name)
}

/// `nashra run` with the `copy` fixture model, one thread.
fn run(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let decode = ["--beam", "2", "--max-length", "40", "--threads", "1"];
    common::run_with("copy", &decode, input, out, extra)
        .output()
        .unwrap()
}

/// The briefs of a run, by URL.
fn briefs(out: &Path) -> BTreeMap<String, Brief> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !["run.json", "index.json"].contains(&p.file_name().unwrap().to_str().unwrap()))
        .map(|p| serde_json::from_slice::<Brief>(&std::fs::read(p).unwrap()).unwrap())
        .map(|b| (b.url.clone().unwrap(), b))
        .collect()
}

/// Every file of a folder (not the cache), name → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

const SKIPS: [(&str, u64); 9] = [
    ("request record (no page)", 1),
    ("metadata record (no page)", 1),
    ("revisit record (no page)", 1),
    ("warcinfo record (no page)", 1),
    ("HTTP status 301 (not 200)", 1),
    ("HTTP status 404 (not 200)", 1),
    ("payload is not HTML", 1),
    ("page is not Arabic", 1),
    ("superseded by a later capture of the same URL", 1),
];

#[test]
fn a_crawl_gives_its_five_articles_with_url_source_dates_and_counted_skips() {
    let out = tempfile::tempdir().unwrap();
    let crawl = fixture("crawl.warc.gz");
    let o = run(&crawl, out.path(), &[]);
    assert_exit(&o, 0);
    let briefs = briefs(out.path());
    // (url, source, date, crawled): the source from the page's og:site_name, else the host;
    // the date from the page only, never the crawl time.
    let expected = [
        (
            "https://arabic.example.org/story/4",
            "arabic.example.org",
            Some("2025-02-12"),
            "2025-02-14T08:03:00Z",
        ),
        (
            "https://arabic.example.org/story/5",
            "arabic.example.org",
            None,
            "2025-02-14T08:04:00Z",
        ),
        (
            "https://news.example.com/ar/politics/1",
            "أخبار المثال",
            Some("2025-02-13"),
            "2025-02-14T08:00:00Z",
        ),
        (
            "https://news.example.com/ar/world/3",
            "أخبار المثال",
            None,
            "2025-02-14T08:02:00Z",
        ),
        (
            "https://www.akhbar.example/2025/02/kremlin",
            "akhbar.example",
            None,
            "2025-02-14T08:01:00Z",
        ),
    ];
    assert_eq!(briefs.len(), 5, "{:?}", briefs.keys());
    for (url, source, date, crawled) in expected {
        let b = &briefs[url];
        assert_eq!(b.source.as_deref(), Some(source), "{url}");
        assert_eq!(b.date.as_deref(), date, "{url}");
        assert_eq!(b.crawled.as_deref(), Some(crawled), "{url}");
        assert!(
            b.sections.iter().map(|s| s.sentences.len()).sum::<usize>() > 3,
            "{url}"
        );
    }
    // The newer capture of the first URL won (the older one is written after it).
    let first = &briefs["https://news.example.com/ar/politics/1"];
    let text = serde_json::to_string(first).unwrap();
    assert!(!text.contains("نسخة قديمة"), "the older capture won");

    let m = manifest(out.path());
    assert_eq!(m["counts"]["ok"], 5);
    assert_eq!(m["counts"]["failed"], 0);
    let skips: BTreeMap<String, u64> = m["skipped_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["path"], crawl.display().to_string());
            (
                s["reason"].as_str().unwrap().to_string(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: BTreeMap<String, u64> = SKIPS.iter().map(|(r, n)| (r.to_string(), *n)).collect();
    assert_eq!(skips, want);
    for a in m["articles"].as_array().unwrap() {
        assert!(
            a["path"].as_str().unwrap().contains("crawl.warc.gz@"),
            "{a}"
        );
        assert!(
            a["crawled"]
                .as_str()
                .unwrap()
                .starts_with("2025-02-14T08:0"),
            "{a}"
        );
    }

    // A rerun on the same crawl: the same briefs, no model call.
    let before = files(out.path());
    let o = run(&crawl, out.path(), &[]);
    assert_exit(&o, 0);
    let m = manifest(out.path());
    assert_eq!(m["counts"]["translated"], 0, "rerun called the model");
    let after = files(out.path());
    for (name, bytes) in &before {
        if name != "run.json" {
            assert_eq!(after.get(name), Some(bytes), "{name} changed");
        }
    }
}

/// A page read from a crawl: (url, crawled, bytes).
type Page = (String, String, Vec<u8>);

/// The pages a crawl file yields, its skip lines (reason, count) and its errors.
fn pages(name: &str) -> (Vec<Page>, Vec<(String, usize)>, Vec<IngestError>) {
    let read = ingest::read_path_counted(&fixture(name), 4 << 20).unwrap();
    let mut pages = Vec::new();
    let mut errors = Vec::new();
    for doc in read.docs {
        match doc {
            Ok(d) => pages.push((d.fields.url.unwrap(), d.fields.crawled.unwrap(), d.bytes)),
            Err(e) => errors.push(e),
        }
    }
    let skipped = read
        .skipped
        .into_iter()
        .map(|s| (s.reason, s.count))
        .collect();
    (pages, skipped, errors)
}

#[test]
fn gzip_per_record_plain_and_whole_file_gzip_read_alike() {
    let (gz, gz_skips, gz_errors) = pages("crawl.warc.gz");
    assert_eq!(gz.len(), 5);
    assert!(gz_errors.is_empty(), "{gz_errors:?}");
    assert_eq!(gz_skips.len(), SKIPS.len());
    for name in ["crawl.warc", "crawl-whole.warc.gz"] {
        let (read, skips, errors) = pages(name);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(skips, gz_skips, "{name}");
        assert_eq!(read, gz, "{name}");
    }
}

#[test]
fn a_truncated_or_corrupt_crawl_loses_only_the_damaged_record() {
    let (all, _, _) = pages("crawl.warc.gz");
    let urls = |p: &[Page]| p.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
    // Cut inside its last record (the fifth article, whose gzip member starts at 15499).
    let (cut, _, errors) = pages("truncated.warc.gz");
    assert_eq!(urls(&cut), urls(&all[..4]));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0].to_string();
    assert!(
        message.contains("truncated.warc.gz: damaged at byte 15499"),
        "{message}"
    );
    // One member overwritten mid-way (the second article's, at byte 3686).
    let (corrupt, _, errors) = pages("corrupt.warc.gz");
    let mut rest = urls(&all);
    rest.remove(1);
    assert_eq!(urls(&corrupt), rest);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .to_string()
            .contains("corrupt.warc.gz: damaged at byte 3686"),
        "{}",
        errors[0]
    );

    // A run reads the others, records the damage as failed and says so in its exit status.
    let out = tempfile::tempdir().unwrap();
    let o = run(&fixture("corrupt.warc.gz"), out.path(), &[]);
    assert_exit(&o, 2);
    let m = manifest(out.path());
    assert_eq!(m["counts"]["ok"], 4);
    assert_eq!(m["counts"]["failed"], 1);
    let failed = m["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["status"] == "failed")
        .unwrap();
    assert!(
        failed["error"].as_str().unwrap().contains("byte 3686"),
        "{failed}"
    );
}

#[test]
fn shards_split_one_crawl_by_article() {
    let out = tempfile::tempdir().unwrap();
    let crawl = fixture("crawl.warc.gz");
    let mut per_shard = Vec::new();
    for i in 0..2 {
        let o = run(&crawl, out.path(), &["--shard", &format!("{i}/2")]);
        assert_exit(&o, 0);
        let shard: Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join(format!("shards/{i}-of-2.json"))).unwrap(),
        )
        .unwrap();
        per_shard.push(shard["part"]["entries"].as_array().unwrap().len());
    }
    assert_eq!(per_shard.iter().sum::<usize>(), 5);
    assert!(
        per_shard.iter().all(|&n| n > 0),
        "one shard did it all: {per_shard:?}"
    );
    // The merged run counts the crawl's skips once.
    let m = manifest(out.path());
    assert_eq!(m["counts"]["ok"], 5);
    assert_eq!(m["skipped_records"].as_array().unwrap().len(), SKIPS.len());
}

#[test]
fn extractor_json_lines_map_to_the_same_fields() {
    let read = |name: &str| {
        ingest::read_path(&fixture("extractors").join(name))
            .unwrap()
            .into_iter()
            .map(|d| d.unwrap())
            .collect::<Vec<_>>()
    };
    let np = read("newsplease.jsonl");
    assert_eq!(np.len(), 2);
    let f = &np[0].fields;
    assert_eq!(
        f.url.as_deref(),
        Some("https://news.example.com/ar/politics/1")
    );
    assert_eq!(f.date.as_deref(), Some("2025-02-10 09:30:00"));
    assert_eq!(f.source.as_deref(), Some("news.example.com"));
    assert!(f.title.is_some() && !np[0].bytes.is_empty());
    let tr = read("trafilatura.jsonl");
    assert_eq!(tr.len(), 2);
    assert_eq!(tr[0].fields.source.as_deref(), Some("موقع المثال"));
    assert_eq!(tr[0].fields.date.as_deref(), Some("2025-02-11"));
    let doc = ingest::decode(&tr[0]);
    let article = nashra::clean::structure(&doc).unwrap();
    assert_eq!(article.metadata.date.as_deref(), Some("2025-02-11"));

    let unknown = ingest::read_path(&fixture("extractors/unknown.jsonl")).unwrap();
    let message = unknown[0].as_ref().unwrap_err().to_string();
    assert!(message.contains("unknown.jsonl:1"), "{message}");
    assert!(
        message.contains("maintext") && message.contains("body, headline"),
        "{message}"
    );
}
