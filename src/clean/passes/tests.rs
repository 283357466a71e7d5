//! The passes together, on small pages.

use super::page::Meta;
use super::*;
use crate::clean::label::{Label, Reason};
use crate::clean::lines::split;

fn run(text: &str) -> Vec<(usize, Label)> {
    let lines = split(text);
    let mut p = Page::new(&lines);
    line_shapes(&mut p);
    markers(&mut p);
    repeats(&mut p);
    body_run(&mut p);
    title(&mut p, None);
    header(&mut p);
    body(&mut p);
    tail(&mut p);
    lines
        .iter()
        .zip(p.decided)
        .map(|(l, d)| (l.number, d.map_or(Label::Body, |d| d.label)))
        .collect()
}

/// Asserts that every line from `from` on has the label `expected`.
fn assert_all_from(labels: &[(usize, Label)], from: usize, expected: Label) {
    for (n, l) in &labels[from..] {
        assert_eq!(*l, expected, "line {n}: {labels:?}");
    }
}

const BODY1: &str = "قال وزير الخارجية إن المحادثات مع الجانب الإيراني مستمرة، وإن الاتفاق بات قريبا من الإنجاز في الأيام المقبلة.";
const BODY2: &str = "وأضاف الوزير أن بلاده تعمل مع الشركاء الإقليميين على خفض التصعيد في المنطقة، مشيرا إلى أن الحوار هو الطريق الوحيد.";

#[test]
fn header_furniture_title_metadata_and_body() {
    let text = format!(
        "آخر الأخبار\nسياسة\nوزير الخارجية: الاتفاق مع إيران قريب من الإنجاز\n\
         الخميس 13 فبراير 2025\nالقاهرة - وكالات\n{BODY1}\n{BODY2}"
    );
    let labels = run(&text);
    assert!(matches!(labels[0].1, Label::Drop(_)));
    assert_eq!(labels[1].1, Label::Drop(Reason::SectionLabel));
    assert_eq!(labels[2].1, Label::Title);
    assert_eq!(labels[3].1, Label::Drop(Reason::DateLine));
    assert_eq!(labels[4].1, Label::Drop(Reason::Dateline));
    assert_eq!(labels[5].1, Label::Body);
    assert_eq!(labels[6].1, Label::Body);
}

#[test]
fn teasers_after_the_body_go_without_a_marker() {
    let text = format!(
        "{BODY1}\n{BODY2}\nمنتخب عمان يخطف الفوز من الكويت في التصفيات\n\
         مواجهة من العيار الثقيل بين مصر وسيراليون اليوم\nالنقاط الإيجابية من التعادل مع اليابان"
    );
    assert_all_from(&run(&text), 2, Label::Drop(Reason::TeaserRun));
}

#[test]
fn short_lines_inside_the_body_stay_and_headings_are_found() {
    let text = format!("{BODY1}\nاتصالات الوزير\n{BODY2}\nبسم الله الرحمن الرحيم\nالتاريخ: 12/ 1/ 1436هـ\n{BODY1} ثم غادر.");
    let labels = run(&text);
    assert_eq!(labels[1].1, Label::Heading);
    assert!(
        labels[3..]
            .iter()
            .all(|(_, l)| !matches!(l, Label::Drop(_))),
        "{labels:?}"
    );
}

#[test]
fn a_read_also_marker_ends_the_article_and_what_follows_is_another() {
    // The marker, the other article's headline, its text.
    let text = format!(
        "{BODY1}\n{BODY2}\nاقرأ أيضاً\nالرئيس يستقبل وفدا اقتصاديا\n{BODY2} وهذا خبر آخر.\n{BODY1} وهذا أيضا."
    );
    let labels = run(&text);
    assert_eq!(labels[2].1, Label::Drop(Reason::ReadAlso));
    assert_all_from(&labels, 3, Label::Drop(Reason::AfterReadAlso));
}

#[test]
fn a_bare_read_more_between_paragraphs_does_not_end_the_article() {
    let text = format!("{BODY1}\nاقرأ المزيد\n{BODY2}");
    let labels = run(&text);
    assert_eq!(labels[1].1, Label::Drop(Reason::ReadAlso));
    assert_eq!(labels[2].1, Label::Body);
}

#[test]
fn a_long_paragraph_after_a_block_of_furniture_is_still_the_article() {
    let long = format!("{BODY1} {BODY2} {BODY1}");
    let text =
        format!("{BODY1}\n{BODY2}\nPhoto gallery\n12\nA+ A-\nShare this\n(c) agency\n{long}");
    let labels = run(&text);
    assert_eq!(labels[7].1, Label::Body);
}

#[test]
fn an_agency_in_brackets_is_a_dateline_and_a_credited_picture_a_caption() {
    let lines = split("البطولة - متابعة (وكالات)\nصورة أرشيفية لوزير الخارجية (رويترز)");
    let mut p = Page::new(&lines);
    line_shapes(&mut p);
    assert_eq!(p.meta[0], Some(Meta::Dateline));
    assert!(p.decided[0].is_none());
    assert_eq!(
        p.decided[1].as_ref().unwrap().label,
        Label::Drop(Reason::Caption)
    );
}

#[test]
fn copies_keep_the_title_and_drop_the_rest() {
    let text = format!(
        "وزير الخارجية يبحث الاتفاق مع إيران\nوزير الخارجية يبحث الاتفاق مع إيران\n{BODY1}\n{BODY2}"
    );
    let labels = run(&text);
    assert_eq!(labels[0].1, Label::Title);
    assert_eq!(labels[1].1, Label::Drop(Reason::Repeats(1)));
}
