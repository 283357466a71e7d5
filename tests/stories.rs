//! Stories on cleaned Arabic text, no model: reports of one event form one story, unrelated
//! articles stay apart, and the result does not depend on input order.

mod common;

use std::path::{Path, PathBuf};

use common::samples;
use nashra::clean::{self, Article};
use nashra::ingest;
use nashra::stories::{cluster, signature_of, similarity_matrix, Item, Signature, LINK_THRESHOLD};

/// Every article of the inputs (folders or files), cleaned, in file order.
fn articles_of(inputs: &[PathBuf]) -> Vec<Article> {
    let files = ingest::discover(inputs).unwrap();
    files
        .iter()
        .flat_map(|f| ingest::read_path(f).unwrap())
        .map(|raw| clean::structure(&ingest::decode(&raw.unwrap())).unwrap())
        .collect()
}

/// Every article of a folder, cleaned, in file order.
fn articles(dir: &Path) -> Vec<Article> {
    articles_of(&[dir.to_path_buf()])
}

/// The devset: 40 pages from 40 sites, six topics, no shared event (vendored in
/// `tests/fixtures/devset`).
fn devset() -> Vec<Article> {
    articles(&common::devset())
}

/// The first devset page of each of its six topics (`index.tsv`: file, url, site, topic).
fn one_page_per_topic() -> Vec<PathBuf> {
    let dir = common::devset();
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let mut topics: Vec<&str> = Vec::new();
    let mut files = Vec::new();
    for row in index.lines().skip(1) {
        let fields: Vec<&str> = row.split('\t').collect();
        if !topics.contains(&fields[3]) {
            topics.push(fields[3]);
            files.push(dir.join(fields[0]));
        }
    }
    files
}

/// Stories as lists of article ids, for comparing.
fn groups(arts: &[Article], sigs: &[Signature]) -> Vec<Vec<String>> {
    let items: Vec<Item> = arts
        .iter()
        .zip(sigs)
        .map(|(a, s)| Item {
            id: &a.id,
            date: a.metadata.date.as_deref(),
            signature: s,
        })
        .collect();
    cluster(&items)
        .into_iter()
        .map(|s| s.members.iter().map(|&i| arts[i].id.clone()).collect())
        .collect()
}

fn stories_of(arts: &[Article]) -> Vec<Vec<String>> {
    let sigs: Vec<Signature> = arts.iter().map(signature_of).collect();
    groups(arts, &sigs)
}

#[test]
fn the_five_sample_reports_are_one_story() {
    let arts = articles(&samples());
    assert_eq!(arts.len(), 5);
    let stories = stories_of(&arts);
    assert_eq!(stories.len(), 1, "{stories:?}");
    assert_eq!(stories[0].len(), 5);
}

#[test]
fn one_page_per_topic_forms_no_multi_article_story() {
    let arts = articles_of(&one_page_per_topic());
    assert_eq!(arts.len(), 6);
    let stories = stories_of(&arts);
    assert!(stories.iter().all(|s| s.len() == 1), "{stories:?}");
}

#[test]
fn unrelated_pages_form_no_multi_article_story() {
    let arts = devset();
    let stories = stories_of(&arts);
    let joined: Vec<&Vec<String>> = stories.iter().filter(|s| s.len() > 1).collect();
    assert!(joined.is_empty(), "unrelated pages joined: {joined:?}");
    assert_eq!(stories.len(), arts.len());
}

#[test]
fn samples_among_unrelated_pages_still_form_exactly_their_story() {
    let mut arts = devset();
    let samples = articles(&samples());
    let sample_ids: Vec<String> = samples.iter().map(|a| a.id.clone()).collect();
    arts.extend(samples);
    let stories = stories_of(&arts);
    let mut first = stories[0].clone();
    first.sort();
    let mut expected = sample_ids;
    expected.sort();
    assert_eq!(first, expected, "the largest story is the five samples");
    assert!(stories[1..].iter().all(|s| s.len() == 1), "{stories:?}");
}

#[test]
fn input_order_does_not_change_the_stories() {
    let mut arts = articles(&samples());
    arts.extend(devset());
    let forward = stories_of(&arts);
    arts.reverse();
    arts.rotate_left(7);
    assert_eq!(stories_of(&arts), forward);
}

/// The margins the threshold was chosen from: each sample's best match among the other
/// samples, and the closest pair of unrelated pages (or of a page and a sample).
#[test]
fn the_threshold_separates_same_event_from_unrelated() {
    let samples = articles(&samples());
    let mut arts = samples.clone();
    arts.extend(devset());
    let sigs: Vec<Signature> = arts.iter().map(signature_of).collect();
    let items: Vec<Item> = arts
        .iter()
        .zip(&sigs)
        .map(|(a, s)| Item {
            id: &a.id,
            date: a.metadata.date.as_deref(),
            signature: s,
        })
        .collect();
    for n in [samples.len(), arts.len()] {
        let m = similarity_matrix(&items[..n]);
        let best_same = (0..samples.len())
            .map(|i| {
                (0..samples.len())
                    .filter(|&j| j != i)
                    .map(|j| m[i][j])
                    .fold(f32::MIN, f32::max)
            })
            .fold(f32::MAX, f32::min);
        let mut worst_other = (f32::MIN, 0, 0);
        for (i, row) in m.iter().enumerate() {
            for (j, &x) in row.iter().enumerate().skip(samples.len().max(i + 1)) {
                if x > worst_other.0 {
                    worst_other = (x, i, j);
                }
            }
        }
        eprintln!("{n} articles: weakest best same-event match {best_same:.3}");
        assert!(best_same >= LINK_THRESHOLD);
        if n > samples.len() {
            let (x, i, j) = worst_other;
            eprintln!(
                "closest unrelated pair {x:.3}: {} / {}",
                arts[i].path, arts[j].path
            );
            assert!(x < LINK_THRESHOLD);
        }
    }
    // The unrelated pages alone (their own IDF, no samples).
    let m = similarity_matrix(&items[samples.len()..]);
    for (i, row) in m.iter().enumerate() {
        for (j, &x) in row.iter().enumerate().skip(i + 1) {
            if x > LINK_THRESHOLD - 0.1 {
                eprintln!(
                    "devset {} / {}: {x:.3}",
                    arts[samples.len() + i].path,
                    arts[samples.len() + j].path
                );
            }
            assert!(x < LINK_THRESHOLD);
        }
    }
}

/// Two short reports of one event as JSON lines (`source`, `date`, title, text), the second
/// giving the toll as `toll_b`.
fn two_reports(toll_b: &str) -> String {
    let a = serde_json::json!({
        "id": "report-a", "source": "وكالة الأنباء", "date": "2025-03-02",
        "title": "مقتل 12 شخصا في انهيار مبنى سكني بمدينة الإسكندرية",
        "text": "أعلنت السلطات المصرية مقتل 12 شخصا في انهيار مبنى سكني من سبعة طوابق بحي المنشية في مدينة الإسكندرية فجر الأحد.\n\n\
                 وقال محافظ الإسكندرية إن فرق الإنقاذ انتشلت الضحايا من تحت الأنقاض بعد ساعات من البحث المتواصل.\n\n\
                 وأضاف أن النيابة العامة فتحت تحقيقا في أسباب انهيار المبنى الذي صدر له قرار إزالة قبل عامين.\n\n\
                 وأمرت الحكومة بصرف تعويضات عاجلة لأسر الضحايا وتوفير مساكن بديلة للسكان المتضررين."
    });
    let b = serde_json::json!({
        "id": "report-b", "source": "صحيفة المساء", "date": "2025-03-02",
        "title": "انهيار مبنى سكني في الإسكندرية",
        "text": format!("أعلنت السلطات المصرية مقتل {toll_b} شخصا في انهيار مبنى سكني من سبعة طوابق بحي المنشية بمدينة الإسكندرية فجر الأحد.\n\n\
                 وكان سكان الحي قد اشتكوا مرارا من تصدعات في جدران المبنى القديم دون أن تتحرك الجهات المعنية.\n\n\
                 وأضاف المحافظ أن النيابة العامة فتحت تحقيقا في أسباب انهيار المبنى الذي صدر له قرار إزالة قبل عامين.\n\n\
                 وشهدت الإسكندرية خلال السنوات الماضية حوادث مماثلة بسبب البناء المخالف وغياب الصيانة.")
    });
    format!("{a}\n{b}\n")
}

/// `nashra run` of two reports with the `copy` fixture model; the index.json it writes.
fn index_of_two_reports(toll_b: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("two.jsonl");
    std::fs::write(&input, two_reports(toll_b)).unwrap();
    let out = dir.path().join("out");
    let o = common::run(&input, &out, &[]);
    common::assert_success(&o);
    serde_json::from_str(&std::fs::read_to_string(out.join("index.json")).unwrap()).unwrap()
}

#[test]
fn two_reports_that_disagree_on_the_toll_show_the_difference() {
    let index = index_of_two_reports("15");
    let stories = index["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 1, "{index:#}");
    let story = &stories[0];
    // A summary across both sources, each sentence with its article and source.
    let summary = story["summary"].as_array().unwrap();
    let sources: std::collections::BTreeSet<&str> = summary
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{story:#}");
    for l in summary {
        assert!(!l["ar"].as_str().unwrap().is_empty());
        assert!(["report-a", "report-b"].contains(&l["article"].as_str().unwrap()));
    }
    // The toll: 12 in one, 15 in the other; nothing else differs (the seven floors and two
    // years agree, the other numbers count other things).
    let differences = story["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{story:#}");
    let values: Vec<(&str, &str, &str)> = differences[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap(),
                v["article"].as_str().unwrap(),
                v["source"].as_str().unwrap(),
            )
        })
        .collect();
    let mut values = values;
    values.sort();
    assert_eq!(
        values,
        vec![
            ("12", "report-a", "وكالة الأنباء"),
            ("15", "report-b", "صحيفة المساء")
        ]
    );
    assert!(differences[0]["ar"].as_str().unwrap().contains("مقتل"));
}

#[test]
fn two_reports_that_agree_on_the_toll_show_no_difference() {
    let index = index_of_two_reports("١٢");
    let story = &index["stories"][0];
    assert_eq!(story["articles"].as_array().unwrap().len(), 2, "{index:#}");
    assert!(story["summary"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(story.get("differences").is_none(), "{story:#}");
}
