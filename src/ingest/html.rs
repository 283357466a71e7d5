//! Main-content extraction from a news page, through a real HTML parser (`scraper`, built on
//! html5ever): navigation, asides, footers, scripts, forms and link-dense blocks are dropped;
//! what is left becomes one line per block (headings, paragraphs, list items), ready for the
//! same line-based cleaning as plain text.

use scraper::{ElementRef, Html, Node, Selector};

/// What a page yields.
#[derive(Debug, Default, Clone)]
pub struct Page {
    /// One block per line.
    pub text: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
    pub site: Option<String>,
    /// (text, reason) of blocks dropped here.
    pub dropped: Vec<(String, String)>,
}

const SKIP: [&str; 14] = [
    "script",
    "style",
    "noscript",
    "nav",
    "aside",
    "footer",
    "header",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "template",
    "figcaption",
];
const BLOCKS: [&str; 12] = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "td",
    "dd",
];

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn meta(doc: &Html, selectors: &[&str]) -> Option<String> {
    for sel in selectors {
        let Ok(s) = Selector::parse(sel) else {
            continue;
        };
        for el in doc.select(&s) {
            let v = el
                .value()
                .attr("content")
                .or_else(|| el.value().attr("href"))
                .or_else(|| el.value().attr("datetime"));
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// Text of an element and how much of it sits inside links, skipping boilerplate elements.
fn text_and_link_chars(el: ElementRef, in_link: bool, text: &mut String, link_chars: &mut usize) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => {
                text.push_str(t);
                if in_link {
                    *link_chars += t.chars().filter(|c| !c.is_whitespace()).count();
                }
            }
            Node::Element(e) => {
                let name = e.name();
                if SKIP.contains(&name) {
                    continue;
                }
                if let Some(child_el) = ElementRef::wrap(child) {
                    if name == "br" {
                        text.push(' ');
                    }
                    text_and_link_chars(child_el, in_link || name == "a", text, link_chars);
                    if BLOCKS.contains(&name) || name == "div" {
                        text.push(' ');
                    }
                }
            }
            _ => {}
        }
    }
}

fn has_block_descendant(el: ElementRef) -> bool {
    el.descendants().skip(1).any(|n| {
        n.value()
            .as_element()
            .is_some_and(|e| BLOCKS.contains(&e.name()))
    })
}

fn collect(el: ElementRef, page: &mut Page) {
    let name = el.value().name();
    if SKIP.contains(&name) {
        let mut t = String::new();
        let mut l = 0;
        text_and_link_chars(el, false, &mut t, &mut l);
        let t = collapse(&t);
        if !t.is_empty() {
            page.dropped.push((t, format!("inside <{name}>")));
        }
        return;
    }
    let is_leaf_block = (BLOCKS.contains(&name) && !(name == "li" && has_block_descendant(el)))
        || (name == "div"
            && !has_block_descendant(el)
            && !el.children().any(|c| {
                c.value().is_element()
                    && ElementRef::wrap(c).is_some_and(|e| e.value().name() == "div")
            }));
    if is_leaf_block {
        let mut text = String::new();
        let mut link_chars = 0;
        text_and_link_chars(el, false, &mut text, &mut link_chars);
        let text = collapse(&text);
        if text.is_empty() {
            return;
        }
        let total = text.chars().filter(|c| !c.is_whitespace()).count().max(1);
        if link_chars * 2 > total {
            page.dropped.push((text, "link-dense block".into()));
            return;
        }
        page.text.push_str(&text);
        page.text.push('\n');
        return;
    }
    for child in el.children() {
        if let Some(c) = ElementRef::wrap(child) {
            collect(c, page);
        }
    }
}

/// Extracts the main content and page metadata from an HTML document.
pub fn extract(html: &str) -> Page {
    let doc = Html::parse_document(html);
    let mut page = Page {
        title: meta(
            &doc,
            &["meta[property='og:title']", "meta[name='twitter:title']"],
        )
        .or_else(|| {
            let h1 = Selector::parse("h1").ok()?;
            doc.select(&h1)
                .next()
                .map(|e| collapse(&e.text().collect::<String>()))
        })
        .or_else(|| {
            let t = Selector::parse("title").ok()?;
            doc.select(&t)
                .next()
                .map(|e| collapse(&e.text().collect::<String>()))
        })
        .filter(|t| !t.is_empty()),
        url: meta(&doc, &["link[rel='canonical']", "meta[property='og:url']"]),
        date: meta(
            &doc,
            &[
                "meta[property='article:published_time']",
                "meta[name='date']",
                "meta[itemprop='datePublished']",
                "time[datetime]",
            ],
        ),
        site: meta(&doc, &["meta[property='og:site_name']"]),
        ..Default::default()
    };
    // Prefer an <article> or <main> element when the page has one.
    let root = ["article", "main", "body"]
        .iter()
        .filter_map(|s| Selector::parse(s).ok())
        .find_map(|s| doc.select(&s).next());
    if let Some(root) = root {
        collect(root, &mut page);
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_article_drops_navigation_and_link_lists() {
        let html = r#"<html><head><title>موقع | خبر</title>
            <meta property="og:title" content="عنوان الخبر">
            <meta property="article:published_time" content="2025-02-13T10:00:00Z">
            <link rel="canonical" href="https://example.com/news/1"></head>
            <body><nav><a href="/">الرئيسية</a><a href="/s">سياسة</a></nav>
            <article><h1>عنوان الخبر</h1><p>قال الرئيس إن <b>المحادثات</b> مستمرة.</p>
            <p>وأضاف أن الحل ممكن.</p>
            <ul class="related"><li><a href="/2">خبر آخر مرتبط</a></li><li><a href="/3">خبر ثالث</a></li></ul>
            <script>var x = 1;</script></article>
            <aside>الأكثر قراءة</aside><footer>جميع الحقوق محفوظة</footer></body></html>"#;
        let page = extract(html);
        assert_eq!(
            page.text,
            "عنوان الخبر\nقال الرئيس إن المحادثات مستمرة.\nوأضاف أن الحل ممكن.\n"
        );
        assert_eq!(page.title.as_deref(), Some("عنوان الخبر"));
        assert_eq!(page.url.as_deref(), Some("https://example.com/news/1"));
        assert_eq!(page.date.as_deref(), Some("2025-02-13T10:00:00Z"));
        assert!(page
            .dropped
            .iter()
            .any(|(t, r)| t == "خبر آخر مرتبط" && r == "link-dense block"));
    }
}
