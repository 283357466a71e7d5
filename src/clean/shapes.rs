//! What a line is from its own text alone: the few truly lexical markers (اقرأ أيضا، كلمات
//! دلالية، شارك…), and shapes (a widget, a social-media embed, headlines glued into one line,
//! a list of short items, a photo caption). Each predicate looks at one line.

use super::lines::{bare, Line};
use super::metadata;
use crate::text::normalize::fold_for_matching;

/// A lexical marker: a phrase whose meaning is the page's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    ReadAlso,
    Tags,
    Share,
    Related,
    Source,
    Masthead,
    Copyright,
    Comments,
}

impl Marker {
    /// Markers after which the article does not continue (when no article text follows).
    pub fn ends_article(self) -> bool {
        !matches!(self, Marker::Masthead)
    }
}

fn starts_with_any(b: &str, list: &[&str]) -> bool {
    list.iter()
        .any(|p| b == *p || b.starts_with(&format!("{p} ")))
}

/// Phrases after folding (alef forms, teh marbuta → heh, diacritics and tatweel removed).
const READ_ALSO: &[&str] = &[
    "اقرا ايضا",
    "شاهد ايضا",
    "اقرا المزيد",
    "اقرا كذلك",
    "طالع ايضا",
    "read also",
    "see also",
    "شاهد كذلك",
    "اقرا ايضاً",
    "اقرأ",
    "اقرا",
    "طالع",
    "للمزيد",
    "المزيد من الاخبار",
    "read more",
    "اخبار متعلقه",
    "اخبار ذات صله",
    "مواضيع ذات صله",
    "مقالات ذات صله",
    "موضوعات ذات صله",
    "ذات صله",
    "اخبار ذات علاقه",
    "روابط ذات صله",
    "قد يهمك",
    "يهمك ايضا",
    "اقرا ايضاً",
];
const TAGS: &[&str] = &[
    "كلمات دلاليه",
    "الكلمات الدلاليه",
    "الوسوم",
    "وسوم",
    "كلمات مفتاحيه",
    "الكلمات المفتاحيه",
    "tags",
    "مواضيع",
    "موضوعات",
];
const RELATED: &[&str] = &[
    "مقالات مشابهه",
    "اخبار مشابهه",
    "الاكثر قراءه",
    "الاكثر مشاهده",
    "موضوعات متعلقه",
    "قد يعجبك ايضا",
    "الاكثر رواجا",
    "اخر الاخبار",
    "احدث الاخبار",
    "اهم الاخبار",
    "اخبار مختاره",
    "المزيد من",
    "ننصحك بقراءه",
    "اخترنا لك",
    "الاكثر تداولا",
    "trending",
    "related",
];
const MASTHEAD: &[&str] = &[
    "رئيس التحرير",
    "رئيس مجلس الاداره",
    "مدير التحرير",
    "رئيس التحرير التنفيذي",
    "المدير العام",
];
const COMMENTS: &[&str] = &[
    "التعليقات",
    "تعليقات",
    "اضف تعليق",
    "اضف تعليقك",
    "كن اول من يعلق",
    "عدد التعليقات",
    "comments",
];

/// The marker a line is, if any. Short lines only, except the glued `اقرأ أيضاًالعنوان` form.
pub fn marker(line: &Line) -> Option<Marker> {
    let b = &line.bare;
    if metadata::source_line(line.text).is_some() {
        return Some(Marker::Source);
    }
    let short = line.words <= 6;
    // "اقرأ أيضاً" glued to the teaser that follows it ("اقرأ أيضاًالكرملين: …").
    let glued_read_also = ["اقرا ايضا", "شاهد ايضا"].iter().any(|p| b.starts_with(p));
    let bare_read_also = short && starts_with_any(b, READ_ALSO) && line.words <= 4;
    if glued_read_also || bare_read_also || starts_with_any(b, &READ_ALSO[..8]) {
        return Some(Marker::ReadAlso);
    }
    if starts_with_any(b, TAGS) && (short || line.text.contains(':')) {
        return Some(Marker::Tags);
    }
    if short && starts_with_any(b, RELATED) {
        return Some(Marker::Related);
    }
    if short && starts_with_any(b, MASTHEAD) {
        return Some(Marker::Masthead);
    }
    if short && starts_with_any(b, COMMENTS) {
        return Some(Marker::Comments);
    }
    if b.contains("جميع الحقوق محفوظه")
        || line.text.contains('©')
        || b.contains("all rights reserved")
    {
        return Some(Marker::Copyright);
    }
    share_row(b).then_some(Marker::Share)
}

/// A share/print row: share words alone, or two in a row at the start (`طباعة شارك …`).
/// One share word opening a longer line is a sentence (`واتساب تتيح…`, `شارك الرئيس…`).
fn share_row(b: &str) -> bool {
    const SHARE: &[&str] = &[
        "طباعه",
        "شارك",
        "مشاركه",
        "share",
        "print",
        "تويتر",
        "فيسبوك",
        "واتساب",
        "تلغرام",
        "لينكدان",
        "ارسال",
        "email",
        "facebook",
        "twitter",
        "whatsapp",
    ];
    let words: Vec<&str> = b.split(' ').collect();
    let share = |w: &&str| SHARE.contains(w);
    (words.len() <= 3 && words.first().is_some_and(share))
        || words.iter().take(2).filter(|w| share(w)).count() == 2
        || ["تم نسخ الرابط", "نسخ الرابط", "انسخ الرابط"]
            .iter()
            .any(|p| b.starts_with(p))
}

/// A page widget: font size, login and paywall prompts, back-to-top, ad-blocker notices.
pub fn is_widget(line: &Line) -> bool {
    let b = &line.bare;
    if line.words > 12 {
        return false;
    }
    const PHRASES: &[&str] = &[
        "حجم الخط",
        "تكبير الخط",
        "تصغير الخط",
        "تسجيل الدخول",
        "تسجيل دخول",
        "سجل الدخول",
        "يمكنكم مطالعه المقال",
        "الذهاب الي الاعلي",
        "العوده للاعلي",
        "مانع الاعلانات",
        "تمنع الاعلانات",
        "النشره البريديه",
        "تابعونا علي",
        "تابعنا علي",
        "اشترك الان",
        "مجانا بعد",
        "no image",
    ];
    let font_buttons = line.words <= 4 && b.contains("الخط") && line.text.contains(['+', '-']);
    // Polls and buttons: a word alone on its line.
    const BUTTONS: &[&str] = &[
        "اغلاق",
        "الرئيسيه",
        "القائمه",
        "بحث",
        "ابحث",
        "نعم",
        "لا",
        "صوت",
        "تصويت",
        "النتائج",
        "ارسال",
        "اشترك",
        "تابعنا",
        "المزيد",
        "التالي",
        "السابق",
        "اعلان",
        "شاهد",
        "فيديو",
        "شاهد الفيديو",
        "الصور",
        "اضغط هنا",
    ];
    // Counters: `125 مشاهدة`, `0 تعليق`.
    const COUNTED: &[&str] = &[
        "مشاهده",
        "مشاهدات",
        "تعليق",
        "تعليقات",
        "قراءه",
        "مشاركه",
        "مشاركات",
        "اعجاب",
        "views",
        "comments",
        "shares",
        "likes",
    ];
    let counter = line.words <= 3 && line.digits > 0 && b.split(' ').any(|w| COUNTED.contains(&w));
    PHRASES.iter().any(|p| b.contains(p))
        || font_buttons
        || counter
        || BUTTONS.contains(&b.as_str())
        || b.starts_with("استطلاع")
}

/// A social-media embed's lines: the `— Name (@handle) date` signature, a bare
/// `pic.twitter.com` / `t.co` link, Instagram's frame text.
pub fn is_social_embed(line: &Line) -> bool {
    let t = line.text;
    let signature = t.starts_with(['—', '–']) && t.contains("(@");
    let lower = t.to_lowercase();
    signature
        || lower.contains("pic.twitter.com")
        || lower.contains("https://t.co/")
        || lower.contains("view this post on instagram")
        || lower.contains("a post shared by")
        || line.bare.contains("مشاهده هذا المنشور علي")
}

/// Many words, no clause or sentence punctuation and few function words: headlines or links
/// glued into one line.
pub fn is_glued_run(line: &Line) -> bool {
    // A paragraph that lost its punctuation still has its function words.
    line.words >= 15 && !line.has_punctuation() && !line.unpunctuated_text()
}

/// A list of short items in one line (`وزارة الخارجية,مصر تدين,تهجير…`, `أ | ب | ج`): four or
/// more items of three words or fewer on average, no sentence ending.
pub fn is_short_item_list(line: &Line) -> bool {
    if line.ends_with_period() {
        return false;
    }
    let items: Vec<&str> = line
        .text
        .split([',', '،', '|', '•', '·', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let words: usize = items.iter().map(|s| s.split_whitespace().count()).sum();
    items.len() >= 4 && words <= items.len() * 3 && line.function_words == 0
}

/// Photo agencies, platforms and stock words that credit a picture (folded).
const CREDITS: &[&str] = &[
    "غيتي",
    "جيتي",
    "getty",
    "رويترز",
    "reuters",
    "afp",
    "ا ف ب",
    "اف ب",
    "الاناضول",
    "مواقع",
    "انترنت",
    "الانترنت",
    "فيسبوك",
    "تويتر",
    "اكس",
    "انستغرام",
    "ارشيفيه",
    "ارشيف",
    "ارشيفه",
    "تعبيريه",
    "خاص",
    "وكالات",
    "epa",
    "ap",
    "ا ب",
    "shutterstock",
    "istock",
    "مواقع التواصل",
];

/// A photo caption or picture credit: opens with صورة/صور, mentions تصوير / الصورة, or ends
/// with a parenthesised credit (`(غيتي)`, `(انترنت).`).
pub fn is_caption(line: &Line) -> bool {
    if line.is_prose() || line.words > 30 {
        return false;
    }
    names_a_picture(line) || credited(line.text)
}

/// Opens with صورة/صور or mentions تصوير / الصورة: about a picture, whatever else it names.
pub fn names_a_picture(line: &Line) -> bool {
    let b = &line.bare;
    let first = b.split(' ').next().unwrap_or_default();
    let credit_word = ["تصوير", "بعدسه", "الصوره", "صوره ارشيفيه", "صوره تعبيريه"]
        .iter()
        .any(|w| b.contains(w));
    ["صوره", "صور", "الصوره", "photo"].contains(&first) || credit_word
}

fn credited(text: &str) -> bool {
    let t = text.trim_end().trim_end_matches(['.', ' ']);
    let Some(inner) = t.strip_suffix(')').and_then(|s| s.rsplit_once('(')) else {
        return false;
    };
    let credit = bare(&fold_for_matching(inner.1)).to_lowercase();
    CREDITS
        .iter()
        .any(|c| credit == *c || credit.starts_with(&format!("{c} ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: &str) -> Line<'_> {
        Line::new(1, t, 0)
    }

    #[test]
    fn markers_by_phrase() {
        assert_eq!(marker(&line("إقــــرأ المزيد")), Some(Marker::ReadAlso));
        assert_eq!(
            marker(&line("اقرأ أيضاًالكرملين: استعدادات")),
            Some(Marker::ReadAlso)
        );
        assert_eq!(marker(&line("الأكثر رواجا Trending")), Some(Marker::Related));
        assert_eq!(marker(&line("المصدر: عربي21")), Some(Marker::Source));
        assert_eq!(
            marker(&line("كن أول من يعلق على الخبر")),
            Some(Marker::Comments)
        );
        assert_eq!(
            marker(&line("وقال إن المزيد من الإجراءات ستتخذ قريبا لضمان الأمن.")),
            None
        );
    }

    #[test]
    fn widgets_embeds_lists_and_captions() {
        assert!(is_widget(&line("زيادة حجم الخط مسح إنقاص حجم الخط")));
        assert!(is_widget(&line("+ الخط -")));
        assert!(is_social_embed(&line("— Jane Doe (@jdoe) March 3, 2025")));
        assert!(is_short_item_list(&line(
            "وزارة الخارجية,مصر تدين,تهجير الفلسطينيين,سامح شكري وزير الخارجية,توصيل المساعدات"
        )));
        assert!(is_caption(&line(
            "شهد عيد الأضحى تخبطات بالمشهد الفني (فيسبوك)"
        )));
        assert!(is_caption(&line("روبوت (انترنت).")));
        assert!(is_caption(&line(
            "صورة تعبيرية لتصميم متوقع لهاتف آيفون قابل للطي"
        )));
        assert!(!is_caption(&line(
            "هيكلة بنك السودان المركزي ضرورة لهيكلة القطاع (3)"
        )));
        assert!(!is_caption(&line(
            "الرئيس يفتتح المعرض الدولي للكتاب (فيديو)"
        )));
    }
}
