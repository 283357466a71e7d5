//! Cleaning beyond the seeds: properties (segmentation round-trips, no panic on any bytes),
//! encodings, and pages of other shapes (HTML with navigation and link lists, JSON lines,
//! mid-article read-also teasers, non-Arabic articles).

use std::path::{Path, PathBuf};

use nashra::clean::{normalize::normalize, segment, structure, BlockKind, DropKind};
use nashra::ingest::{decode, read_path, DocFields, Format, RawDoc};
use proptest::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn raw(bytes: Vec<u8>, format: Format) -> RawDoc {
    RawDoc {
        origin: "test".into(),
        path: PathBuf::from("test"),
        format,
        bytes,
        fields: DocFields::default(),
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

proptest! {
    #[test]
    fn sentences_concatenate_back_to_the_normalised_paragraph(text in "[ا-ي .،؟!؛0-9a-z«»\"\n]{0,200}") {
        let joined: String = segment::sentences(&text).iter().map(|s| normalize(s)).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(squash(&joined), squash(&normalize(&text)));
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for format in [Format::Text, Format::Html] {
            let doc = decode(&raw(bytes.clone(), format));
            let _ = structure(&doc);
        }
    }

    #[test]
    fn split_long_parts_fit_and_round_trip(words in proptest::collection::vec("[ا-ي]{1,8}[،,]?", 1..60)) {
        let text = words.join(" ");
        let fits = |s: &str| s.split_whitespace().count() <= 7;
        let parts = segment::split_long(&text, &fits);
        for p in &parts {
            prop_assert!(fits(p) || p.split_whitespace().count() == 1);
        }
        prop_assert_eq!(squash(&parts.concat()), squash(&text));
    }
}

#[test]
fn same_article_in_every_encoding_gives_identical_output() {
    let path = root().join("samples/articles/003_2e86b2f1023d5d9a.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let (cp1256, _, unmappable) = encoding_rs::WINDOWS_1256.encode(&text);
    assert!(!unmappable);
    let reference = structure(&decode(&raw(text.as_bytes().to_vec(), Format::Text))).unwrap();
    for bytes in [bom, utf16, cp1256.to_vec()] {
        let mut a = structure(&decode(&raw(bytes, Format::Text))).unwrap();
        a.metadata.encoding = reference.metadata.encoding.clone();
        assert_eq!(a, reference);
    }
}

#[test]
fn html_page_keeps_the_article_and_drops_the_site() {
    let html = r#"<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>الرئيس يزور القاهرة | موقع الأخبار</title>
<meta property="og:site_name" content="موقع الأخبار">
<meta property="article:published_time" content="2024-03-05T08:00:00+02:00">
<link rel="canonical" href="https://news.example/a/1"></head>
<body>
<header><a href="/">الرئيسية</a> <a href="/politics">سياسة</a> <a href="/sport">رياضة</a></header>
<nav><ul><li><a href="/1">أخبار</a></li><li><a href="/2">اقتصاد</a></li></ul></nav>
<main><article>
<h1>الرئيس يزور القاهرة لبحث التعاون الاقتصادي</h1>
<p>وصل الرئيس إلى القاهرة صباح اليوم في زيارة رسمية تستمر يومين، يبحث خلالها ملفات التعاون الاقتصادي والاستثمار.</p>
<p>وقال المتحدث الرسمي إن الزيارة تأتي في إطار تعزيز العلاقات الثنائية بين البلدين.</p>
<div class="related"><a href="/3">الرئيس يلتقي وزير الخارجية</a> <a href="/4">افتتاح معرض الكتاب</a></div>
<h2>اتفاقيات جديدة</h2>
<p>ومن المنتظر توقيع عدة اتفاقيات في مجالات الطاقة والنقل خلال الزيارة.</p>
<p>اقرأ أيضا: <a href="/5">وزير المالية يعلن موازنة العام الجديد</a></p>
</article></main>
<aside><h3>الأكثر قراءة</h3><ol><li><a href="/6">خبر أول</a></li><li><a href="/7">خبر ثان</a></li></ol></aside>
<footer>جميع الحقوق محفوظة © 2024</footer>
<script>console.log("x")</script>
</body></html>"#;
    let a = structure(&decode(&raw(html.as_bytes().to_vec(), Format::Html))).unwrap();
    let kinds: Vec<(BlockKind, &str)> =
        a.blocks.iter().map(|b| (b.kind, b.text.as_str())).collect();
    assert_eq!(
        kinds[0],
        (
            BlockKind::Title,
            "الرئيس يزور القاهرة لبحث التعاون الاقتصادي"
        )
    );
    assert!(kinds.contains(&(BlockKind::Heading, "اتفاقيات جديدة")));
    let body: Vec<&str> = a
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Paragraph)
        .map(|b| b.text.as_str())
        .collect();
    assert_eq!(body.len(), 3, "{body:?}");
    let all: String = a.blocks.iter().map(|b| b.text.clone()).collect();
    for junk in [
        "الرئيسية",
        "الأكثر قراءة",
        "وزير المالية",
        "جميع الحقوق",
        "console",
        "افتتاح معرض",
    ] {
        assert!(!all.contains(junk), "{junk} kept");
    }
    assert_eq!(a.metadata.date.as_deref(), Some("2024-03-05"));
    assert_eq!(a.metadata.url.as_deref(), Some("https://news.example/a/1"));
    assert_eq!(a.metadata.source.as_deref(), Some("موقع الأخبار"));
}

#[test]
fn mid_article_read_also_teaser_does_not_end_the_article() {
    let text = "الحكومة تعلن خطة جديدة للنقل العام\n\
قالت الحكومة اليوم إنها ستطلق خطة جديدة لتحسين النقل العام في المدن الكبرى خلال العام المقبل.\n\
اقرأ أيضا: وزير النقل يتفقد محطة المترو الجديدة\n\
وأضاف الوزير أن الخطة تشمل شراء حافلات كهربائية وتوسيع خطوط المترو، مشيرا إلى أن التمويل متوفر.\n\
ومن المتوقع أن تبدأ المرحلة الأولى في الربع الثاني من العام، بحسب البيان الرسمي.\n";
    let a = structure(&decode(&raw(text.as_bytes().to_vec(), Format::Text))).unwrap();
    let body: Vec<usize> = a
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Paragraph)
        .map(|b| b.lines.0)
        .collect();
    assert_eq!(body, vec![2, 4, 5]);
    assert!(a
        .dropped
        .iter()
        .any(|d| d.line == 3 && d.kind == DropKind::Boilerplate));
}

#[test]
fn jsonl_records_become_articles_with_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.jsonl");
    let rec1 = serde_json::json!({"id": "a1", "title": "عنوان", "url": "https://x/1", "date": "2025-01-02", "source": "وكالة",
        "text": "عنوان\nقال المتحدث إن الاجتماع انتهى باتفاق على مواصلة الحوار بين الطرفين."});
    let rec2 = serde_json::json!({"html": "<p>وأعلنت الوزارة عن إجراءات جديدة لدعم المزارعين في المناطق الريفية.</p>"});
    std::fs::write(&path, format!("{rec1}\n\n{{broken\n{rec2}\n")).unwrap();
    let docs = read_path(&path).unwrap();
    assert_eq!(docs.len(), 3);
    assert!(docs[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("feed.jsonl:3"));
    let a = structure(&decode(docs[0].as_ref().unwrap())).unwrap();
    assert_eq!(a.id, "a1");
    assert_eq!(a.title.as_deref(), Some("عنوان"));
    assert_eq!(a.metadata.date.as_deref(), Some("2025-01-02"));
    assert_eq!(a.metadata.source.as_deref(), Some("وكالة"));
    assert_eq!(a.path, format!("{}:1", path.display()));
    let b = structure(&decode(docs[2].as_ref().unwrap())).unwrap();
    assert_eq!(b.blocks.len(), 1);
}

#[test]
fn non_arabic_and_empty_articles_are_skipped_with_a_reason() {
    let en = "The president arrived in Cairo today for a two-day official visit.\nHe met the prime minister.";
    let skip = structure(&decode(&raw(en.as_bytes().to_vec(), Format::Text))).unwrap_err();
    assert!(skip.reason.contains("not mainly Arabic"), "{}", skip.reason);
    let skip = structure(&decode(&raw(b"  \n\n ".to_vec(), Format::Text))).unwrap_err();
    assert!(skip.reason.contains("empty"), "{}", skip.reason);
}

#[test]
fn renamed_file_keeps_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("samples/articles/002_785cad2e1a822a5b.txt");
    let a = dir.path().join("one.txt");
    let b = dir.path().join("other-name.txt");
    std::fs::copy(&src, &a).unwrap();
    std::fs::copy(&src, &b).unwrap();
    let id = |p: &Path| {
        structure(&decode(&read_path(p).unwrap().remove(0).unwrap()))
            .unwrap()
            .id
    };
    assert_eq!(id(&a), id(&b));
}
