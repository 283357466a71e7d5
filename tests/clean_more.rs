//! Cleaning beyond the seeds: properties (segmentation round-trips, no panic on any bytes),
//! encodings, and pages of other shapes (HTML with navigation and link lists, JSON lines,
//! mid-article read-also teasers, non-Arabic articles).

mod common;

use std::path::{Path, PathBuf};

use common::samples;
use nashra::clean::{structure, Block, BlockKind, DropKind, Reason};
use nashra::ingest::{decode, read_path, DocFields, Format, RawDoc};
use nashra::text::{normalize::normalize, segment::sentences};
use nashra::translate::fit;
use proptest::prelude::*;

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
        let joined: String = sentences(&text).iter().map(|s| normalize(s)).collect::<Vec<_>>().join(" ");
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
        let parts = fit::split_long(&text, &fits);
        for p in &parts {
            prop_assert!(fits(p) || p.split_whitespace().count() == 1);
        }
        prop_assert_eq!(squash(&parts.concat()), squash(&text));
    }
}

#[test]
fn same_article_in_every_encoding_gives_identical_output() {
    let path = samples().join("003_2e86b2f1023d5d9a.txt");
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

/// Extractor JSON keeps the headline apart from the text: the record's title becomes the
/// article's title block (so the brief shows it and the summary reads it), once.
#[test]
fn a_records_title_outside_its_text_is_the_articles_title_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.jsonl");
    let body = "قال المتحدث إن الاجتماع انتهى باتفاق على مواصلة الحوار بين الطرفين.";
    let apart = serde_json::json!({"title": "اتفاق على مواصلة الحوار", "text": body});
    let inside = serde_json::json!({"title": "اتفاق على مواصلة الحوار",
        "text": format!("اتفاق على مواصلة الحوار\n{body}")});
    std::fs::write(&path, format!("{apart}\n{inside}\n")).unwrap();
    for doc in read_path(&path).unwrap() {
        let a = structure(&decode(&doc.unwrap())).unwrap();
        let titles: Vec<&Block> = a
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Title)
            .collect();
        assert_eq!(titles.len(), 1, "{:?}", a.blocks);
        assert_eq!(titles[0].text, "اتفاق على مواصلة الحوار");
        assert_eq!(a.blocks[0].kind, BlockKind::Title);
        assert_eq!(a.blocks.last().unwrap().text, body);
    }
}

/// An HTML page's meta title may carry the site's name: it is never added as a title block.
#[test]
fn an_html_pages_meta_title_is_not_added_as_a_block() {
    let html = "<html><head><meta property=\"og:title\" content=\"خبر | الموقع\"></head><body>\
        <p>قال المتحدث إن الاجتماع انتهى باتفاق على مواصلة الحوار بين الطرفين.</p></body></html>";
    let a = structure(&decode(&raw(html.as_bytes().to_vec(), Format::Html))).unwrap();
    assert_eq!(a.title.as_deref(), Some("خبر | الموقع"));
    assert!(a.blocks.iter().all(|b| b.kind != BlockKind::Title));
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
    let src = samples().join("002_785cad2e1a822a5b.txt");
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

/// A page of the shapes issue 11 found on unseen sites: the scraper's own first line, menu
/// words, a date with ص, a byline, a credited photo caption, an English post embedded in the
/// middle of the article (its text, signature and link), a poll, counters, a related list.
const UNSEEN_SHAPES: &str = " date 2025-03-04 https://www.example-news.com/politics/12345
الرئيسية
سياسة
وزير الخارجية يبحث مع نظيره الفرنسي تطورات الأوضاع في غزة
الثلاثاء 4 مارس 2025 - 10:30 ص
بقلم: أحمد محمود
صورة أرشيفية لوزير الخارجية (رويترز)
بحث وزير الخارجية في اتصال هاتفي مع نظيره الفرنسي، اليوم الثلاثاء، تطورات الأوضاع في قطاع غزة والجهود المبذولة لوقف إطلاق النار.
وأكد الوزير خلال الاتصال على ضرورة إدخال المساعدات الإنسانية إلى القطاع دون عوائق، مشددا على أهمية التنسيق المشترك.
The minister discussed the situation in Gaza with his French counterpart.
— Jean Dupont (@jdupont) March 4, 2025
pic.twitter.com/abc123
من جانبه، أعرب الوزير الفرنسي عن تقدير بلاده للدور الذي تقوم به القاهرة في هذا الملف، وفق بيان للخارجية.
هل تؤيد وقف إطلاق النار؟
نعم
125 مشاهدة
مواضيع ذات صلة
وزير الخارجية يلتقي سفير ألمانيا
ارتفاع أسعار الذهب في السوق المحلية
جميع الحقوق محفوظة © 2025
";

#[test]
fn unseen_page_shapes_keep_the_article_whole_and_fill_the_metadata() {
    let a = structure(&decode(&raw(
        UNSEEN_SHAPES.as_bytes().to_vec(),
        Format::Text,
    )))
    .unwrap();
    let kept: Vec<(BlockKind, usize)> = a.blocks.iter().map(|b| (b.kind, b.lines.0)).collect();
    // The paragraph after the embedded post is still the article's (it was cut off when
    // three furniture lines in a row ended the body).
    assert_eq!(
        kept,
        vec![
            (BlockKind::Title, 4),
            (BlockKind::Paragraph, 8),
            (BlockKind::Paragraph, 9),
            (BlockKind::Paragraph, 13)
        ]
    );
    assert_eq!(
        a.title.as_deref(),
        Some("وزير الخارجية يبحث مع نظيره الفرنسي تطورات الأوضاع في غزة")
    );
    let m = &a.metadata;
    assert_eq!(m.date.as_deref(), Some("2025-03-04"));
    assert_eq!(
        m.url.as_deref(),
        Some("https://www.example-news.com/politics/12345")
    );
    assert_eq!(m.author.as_deref(), Some("أحمد محمود"));
    let reason = |line: usize| {
        a.dropped
            .iter()
            .find(|d| d.line == line)
            .map(|d| (d.kind, d.reason.clone()))
            .unwrap()
    };
    assert_eq!(reason(1), (DropKind::Metadata, Reason::ScraperLine));
    assert_eq!(reason(11), (DropKind::Boilerplate, Reason::SocialEmbed));
    assert_eq!(reason(18).0, DropKind::Embedded);
}

#[test]
fn a_batch_drops_the_site_template_but_not_a_story_two_sites_share() {
    let page = |title: &str, body: &str| {
        format!(
            "موقع الأخبار اليومية\n{title}\n{body}\nاشترك في خدمة الأخبار العاجلة على هاتفك\n\
             وأضاف المصدر أن الاجتماعات ستتواصل خلال الأسبوع المقبل بحضور ممثلين عن الجانبين.\n\
             من نحن اتصل بنا سياسة الخصوصية"
        )
    };
    let story = "قال مسؤول حكومي إن المفاوضات بين الطرفين حققت تقدما ملموسا في الجولة الأخيرة، مشيرا إلى اتفاق مبدئي.";
    let texts = [
        page("المفاوضات تحقق تقدما ملموسا", story),
        page(
            "الحكومة تطلق برنامجا للإسكان",
            "أعلنت الحكومة اليوم إطلاق برنامج جديد للإسكان يستهدف الشباب، على أن يبدأ التسجيل الشهر المقبل.",
        ),
        format!("المفاوضات تحقق تقدما ملموسا\n{story}"),
    ];
    let docs: Vec<_> = texts
        .iter()
        .map(|t| decode(&raw(t.as_bytes().to_vec(), Format::Text)))
        .collect();
    let articles: Vec<_> = nashra::clean::structure_batch(&docs)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // The promotion line between two paragraphs is shared by two pages of the site: template
    // in both, though a page alone keeps it.
    let promo = |a: &nashra::clean::Article| a.blocks.iter().any(|b| b.text.contains("اشترك في"));
    assert!(promo(&structure(&docs[0]).unwrap()));
    for a in &articles[..2] {
        assert!(!promo(a));
        let d = a.dropped.iter().find(|d| d.line == 4).unwrap();
        assert_eq!(d.reason, Reason::SharedInBatch(1));
    }
    // The wire story two sites share is the article in both.
    assert_eq!(
        articles[0].title.as_deref(),
        Some("المفاوضات تحقق تقدما ملموسا")
    );
    assert_eq!(
        articles[2].title.as_deref(),
        Some("المفاوضات تحقق تقدما ملموسا")
    );
    assert!(articles[2].blocks.iter().any(|b| b.text == story));
}
