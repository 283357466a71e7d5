//! Main-content extraction from a news page, through a real HTML parser (`scraper`, built on
//! html5ever): navigation, asides, footers, scripts, forms and link-dense blocks are dropped;
//! what is left becomes one line per block (headings, paragraphs, list items), ready for the
//! same line-based cleaning as plain text.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use super::flat;

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
    /// What was unusual about the page (nesting too deep to parse as it is).
    pub warnings: Vec<String>,
}

// The tag lists are laid out by hand: a line of tags, not a tag a line.

/// Elements whose text is never the article's.
#[rustfmt::skip]
const SKIP: [&str; 14] = [
    "script", "style", "noscript", "nav", "aside", "footer", "header", "form", "iframe", "svg",
    "button", "select", "template", "figcaption",
];

/// Elements that make a block of text of their own.
#[rustfmt::skip]
const BLOCKS: [&str; 12] = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd",
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
/// Walks with an explicit stack, not recursion: a page of 100,000 nested elements must not
/// overflow the thread's stack.
fn text_and_link_chars(el: ElementRef, text: &mut String, link_chars: &mut usize) {
    enum Step<'a> {
        Visit(NodeRef<'a, Node>, bool),
        /// The separator after a block's text, once its children are done.
        Space,
    }
    let mut stack: Vec<Step> = el.children().rev().map(|c| Step::Visit(c, false)).collect();
    while let Some(step) = stack.pop() {
        let Step::Visit(node, in_link) = step else {
            text.push(' ');
            continue;
        };
        match node.value() {
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
                if name == "br" {
                    text.push(' ');
                }
                if BLOCKS.contains(&name) || name == "div" {
                    stack.push(Step::Space);
                }
                let in_link = in_link || name == "a";
                stack.extend(node.children().rev().map(|c| Step::Visit(c, in_link)));
            }
            _ => {}
        }
    }
}

/// The nodes under `root` that have a block element (`BLOCKS`) somewhere below them, found in
/// one pass from the leaves up (asking each element separately would be quadratic in depth).
fn with_block_below(root: ElementRef) -> HashSet<NodeId> {
    let order: Vec<NodeRef<Node>> = root.descendants().collect();
    let mut set = HashSet::new();
    // Reverse document order visits every node's descendants before the node itself.
    for node in order.iter().rev() {
        let is_block = node
            .value()
            .as_element()
            .is_some_and(|e| BLOCKS.contains(&e.name()));
        if is_block || set.contains(&node.id()) {
            if let Some(parent) = node.parent() {
                set.insert(parent.id());
            }
        }
    }
    set
}

/// Appends the main-content blocks under `root` to `page`, in document order. An explicit
/// stack instead of recursion, for the same reason as [`text_and_link_chars`].
fn collect(root: ElementRef, page: &mut Page) {
    let block_below = with_block_below(root);
    let mut stack = vec![root];
    while let Some(el) = stack.pop() {
        let name = el.value().name();
        if SKIP.contains(&name) {
            let mut t = String::new();
            text_and_link_chars(el, &mut t, &mut 0);
            let t = collapse(&t);
            if !t.is_empty() {
                page.dropped.push((t, format!("inside <{name}>")));
            }
            continue;
        }
        let has_block = block_below.contains(&el.id());
        let is_leaf_block = (BLOCKS.contains(&name) && !(name == "li" && has_block))
            || (name == "div"
                && !has_block
                && !el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .any(|e| e.value().name() == "div"));
        if is_leaf_block {
            leaf_block(el, page);
            continue;
        }
        stack.extend(el.children().rev().filter_map(ElementRef::wrap));
    }
}

/// One block's text as a line of the page, or a drop when it is mostly links.
fn leaf_block(el: ElementRef, page: &mut Page) {
    let mut text = String::new();
    let mut link_chars = 0;
    text_and_link_chars(el, &mut text, &mut link_chars);
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
}

/// Extracts the main content and page metadata from an HTML document.
pub fn extract(html: &str) -> Page {
    if flat::deeper_than(html, flat::MAX_DEPTH) {
        let mut page = extract_parsed(&flat::flatten(html));
        page.warnings.push(format!(
            "HTML nested deeper than {} elements: read as flat paragraphs",
            flat::MAX_DEPTH
        ));
        return page;
    }
    extract_parsed(html)
}

fn extract_parsed(html: &str) -> Page {
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

    #[test]
    fn nesting_under_the_flattening_depth_is_walked_without_recursion() {
        // 10,000 levels parsed as they are, on a stack a recursive walk would overflow.
        let html = nested("section", 10_000);
        let page = on_a_small_stack(move || extract_parsed(&html));
        assert_eq!(page.text, "قال الرئيس\n");
    }

    /// A page whose one paragraph sits inside `depth` nested `tag` elements.
    fn nested(tag: &str, depth: usize) -> String {
        format!(
            "<html><body>{}<p>قال الرئيس</p>{}</body></html>",
            format!("<{tag}>").repeat(depth),
            format!("</{tag}>").repeat(depth)
        )
    }

    /// `f`'s result, run on a 256 KiB stack, where a recursive walk of a deep page would
    /// overflow.
    fn on_a_small_stack(f: impl FnOnce() -> Page + Send + 'static) -> Page {
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(f)
            .unwrap()
            .join()
            .expect("extract overflowed its stack")
    }

    #[test]
    fn deep_nesting_is_flattened_and_read() {
        // Run on a small stack so a recursive walk would overflow even at modest depth.
        let html = nested("div", 50_000);
        let page = on_a_small_stack(move || extract(&html));
        assert_eq!(page.text, "قال الرئيس\n");
        assert!(page.warnings[0].contains("nested deeper"));
    }
}
