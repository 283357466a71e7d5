//! The index end to end: `nashra run` with the Arabic→English fixture model on the sample
//! articles gives one story with five sources in `index.html`, `index.md` and `index.json`,
//! and every translation carries its confidence into the briefs and `run.json`.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{assert_success, briefs, read_json, run_with, samples, QUICK_DECODE};
use nashra::brief::{Brief, IndexEntry};
use nashra::render::index;

/// The output folder of one run of the sample articles through the `aren` fixture model,
/// shared by the tests of this file.
fn samples_out() -> &'static Path {
    static OUT: OnceLock<tempfile::TempDir> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        run_samples(dir.path());
        dir
    })
    .path()
}

fn run_samples(out: &Path) {
    let o = run_with("aren", &QUICK_DECODE, &samples(), out, &["--quiet"])
        .output()
        .unwrap();
    assert_success(&o);
}

#[test]
fn samples_make_one_story_with_five_sources_and_confidence_is_recorded() {
    let out = samples_out();
    let briefs = briefs(out);
    assert_eq!(briefs.len(), 5);

    // index.json: one story, all five articles, oldest first, headline in both languages.
    let idx = read_json(&out.join("index.json"));
    let stories = idx["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 1, "{idx:#}");
    let story = &stories[0];
    assert_eq!(story["articles"].as_array().unwrap().len(), 5);
    assert!(!story["headline"]["en"].as_str().unwrap().is_empty());
    assert!(!story["headline"]["ar"].as_str().unwrap().is_empty());
    let ids: Vec<&str> = briefs.iter().map(|b| b.id.as_str()).collect();
    for a in story["articles"].as_array().unwrap() {
        assert!(ids.contains(&a.as_str().unwrap()));
    }
    assert_eq!(idx["articles"].as_array().unwrap().len(), 5);

    // index.html: the story with its five sources, every brief linked, a working filter
    // that needs nothing from the network.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(html.matches("<article class=\"story\"").count(), 1);
    assert!(html.contains("5 sources"), "{html}");
    for b in &briefs {
        assert!(html.contains(&format!("href=\"{}.html\"", b.slug)));
    }
    assert!(html.contains("id=\"filter\"") && html.contains("<script>"));
    assert!(!html.contains("src=") && !html.contains("http"));
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    let article_lines = md
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains("]("));
    assert!(md.contains("5 sources") && article_lines.count() == 5);

    // Confidence: every translated sentence has its mean log-probability; run.json counts
    // those below the threshold exactly as the briefs mark them.
    let mut unsure = 0;
    for b in &briefs {
        for p in b.pairs() {
            let l = p
                .logprob
                .expect("every translated sentence has a confidence");
            assert!(l <= 0.0 && l.is_finite());
        }
        unsure += b.low_confidence();
        let page = std::fs::read_to_string(out.join(format!("{}.html", b.slug))).unwrap();
        assert_eq!(
            page.matches("class=\"unsure-mark\" tabindex=\"0\" role=\"note\"")
                .count(),
            b.pairs()
                .chain(&b.summary)
                .filter(|p| p.is_unsure())
                .count()
        );
    }
    let manifest = read_json(&out.join("run.json"));
    assert_eq!(manifest["counts"]["low_confidence"], unsure);
}

#[test]
fn index_files_do_not_depend_on_entry_order() {
    let mut entries: Vec<IndexEntry> = briefs(samples_out()).iter().map(IndexEntry::of).collect();
    let forward = index::files(&entries);
    entries.reverse();
    assert_eq!(index::files(&entries), forward);
    // Entries survive a trip through JSON (as they do through shard manifests).
    let text = serde_json::to_string(&entries).unwrap();
    let back: Vec<IndexEntry> = serde_json::from_str(&text).unwrap();
    assert_eq!(index::files(&back), forward);
}

#[test]
fn an_undated_article_says_so() {
    let out = samples_out();
    let undated: Vec<Brief> = briefs(out)
        .into_iter()
        .filter(|b| b.date.is_none())
        .collect();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    if !undated.is_empty() {
        assert!(html.contains("no date"));
    }
    for b in undated {
        let page = std::fs::read_to_string(out.join(format!("{}.html", b.slug))).unwrap();
        assert!(page.contains("<span class=\"nodate\">no date</span>"));
    }
}

#[test]
fn mean_logprob_undoes_beam_length_normalisation() {
    use nashra::translate::{DecodeOptions, Hypothesis};
    let h = |score: f32| Hypothesis {
        tokens: vec![5, 6, 7, 0],
        score,
    };
    let greedy = DecodeOptions::default();
    // Greedy: the score is the sum over the four tokens.
    assert_eq!(h(-2.0).mean_logprob(&greedy), -0.5);
    let mut beam = DecodeOptions {
        num_beams: 4,
        ..DecodeOptions::default()
    };
    // Beam search, length penalty 1: the score already is the mean.
    assert_eq!(h(-0.5).mean_logprob(&beam), -0.5);
    // Length penalty 2: score = sum / 4², so the mean is score · 16 / 4.
    beam.length_penalty = 2.0;
    assert_eq!(h(-0.125).mean_logprob(&beam), -0.5);
    let empty = Hypothesis {
        tokens: Vec::new(),
        score: 0.0,
    };
    assert_eq!(empty.mean_logprob(&beam), 0.0);
}

#[test]
fn the_sample_story_has_a_summary_across_at_least_three_sources() {
    let out = samples_out();
    let idx = read_json(&out.join("index.json"));
    let story = &idx["stories"][0];
    let summary = story["summary"].as_array().expect("a story summary");
    let mut articles: Vec<&str> = summary
        .iter()
        .map(|l| l["article"].as_str().unwrap())
        .collect();
    articles.sort_unstable();
    articles.dedup();
    assert!(articles.len() >= 3, "{story:#}");
    let briefs = briefs(out);
    for l in summary {
        let b = briefs
            .iter()
            .find(|b| b.id == l["article"].as_str().unwrap())
            .unwrap();
        assert_eq!(l["source"].as_str(), b.source.as_deref());
        // Each sentence is one of its article's, in both languages.
        let ar = l["ar"].as_str().unwrap();
        let pair = b
            .pairs()
            .find(|p| p.ar == ar)
            .expect("the article's sentence");
        assert_eq!(l["en"].as_str().unwrap(), pair.en);
    }
    // No sentence twice.
    let mut texts: Vec<&str> = summary.iter().map(|l| l["ar"].as_str().unwrap()).collect();
    texts.sort_unstable();
    texts.dedup();
    assert_eq!(texts.len(), summary.len());
    // The same summary in index.html and index.md, linked to the briefs.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(html.contains("<section class=\"digest\">") && md.contains("Across sources:"));
    for l in summary {
        let b = briefs
            .iter()
            .find(|b| b.id == l["article"].as_str().unwrap())
            .unwrap();
        assert!(html.contains(&format!("<a href=\"{}.html\" dir=\"auto\">", b.slug)));
        assert!(md.contains(&format!("]({}.md)", b.slug)));
    }
}
