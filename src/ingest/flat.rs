//! Pages nested too deep to parse in bounded time.
//!
//! html5ever checks "is there a `<p>` in button scope?" at many start tags by walking the
//! stack of open elements, so a page of N nested `<div>`s costs N²/2 steps: 30,000 levels
//! take seconds, a 4 MB page of them would take hours and starve every other article. No
//! real page nests deeper than a few hundred elements, so a page deeper than [`MAX_DEPTH`]
//! is flattened first, by a linear scan: its body's tags become one paragraph per block,
//! and the normal extractor then reads that flat page (with its `<head>` kept for metadata).

/// Deepest element nesting parsed as it is.
pub const MAX_DEPTH: usize = 1_000;

/// Elements that never nest (void) or whose end tag is usually implied: not counted, so
/// that a page of 5,000 unclosed `<p>`s is not mistaken for a deep one.
const NOT_NESTING: [&str; 28] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody",
    "tfoot", "html", "head", "body",
];

/// Tags whose start or end begins a new line of text in the flattened page.
#[rustfmt::skip]
const BREAKS: [&str; 22] = [
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "ul", "ol",
    "table", "section", "article", "blockquote", "pre", "dd", "main",
];

/// One tag found by the scan.
struct Tag {
    name: String,
    closing: bool,
    /// Byte range of the whole tag (`<` to `>`), or of a skipped comment or raw-text element.
    span: std::ops::Range<usize>,
    /// Whether the span covers content to drop (a comment, a script or style element).
    skipped: bool,
}

/// Every tag of `html` in order, comments and `<script>`/`<style>` content as single skipped
/// spans. Positions only move forward and the next `>` is remembered, so the scan is linear
/// even on text full of stray `<`.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    // ASCII lowercasing keeps every byte offset.
    let lower = html.to_ascii_lowercase();
    let find = |from: usize, what: &str| lower[from..].find(what).map(|i| from + i);
    let mut out = Vec::new();
    let mut next_gt: Option<usize> = None;
    let mut i = 0;
    while let Some(start) = find(i, "<") {
        if lower[start..].starts_with("<!--") {
            let end = find(start + 4, "-->").map_or(b.len(), |e| e + 3);
            out.push(Tag::skipped(start..end));
            i = end;
            continue;
        }
        let closing = b.get(start + 1) == Some(&b'/');
        let name_at = start + 1 + usize::from(closing);
        let len = b[name_at..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if len == 0 {
            i = start + 1;
            continue;
        }
        if next_gt.is_none_or(|g| g < name_at) {
            next_gt = find(name_at, ">");
        }
        let Some(gt) = next_gt else { break };
        i = gt + 1;
        let name = lower[name_at..name_at + len].to_string();
        if !closing && (name == "script" || name == "style") {
            let end = find(i, &format!("</{name}"))
                .and_then(|e| find(e, ">"))
                .map_or(b.len(), |g| g + 1);
            out.push(Tag::skipped(start..end));
            i = end;
            continue;
        }
        out.push(Tag {
            closing: closing || b[gt - 1] == b'/',
            name,
            span: start..i,
            skipped: false,
        });
    }
    out
}

impl Tag {
    fn skipped(span: std::ops::Range<usize>) -> Self {
        Self {
            name: String::new(),
            closing: false,
            span,
            skipped: true,
        }
    }
}

/// The text between the tags of `html`, comments, scripts and styles left out (a linear
/// scan, for a quick look at a page's language before it is parsed).
pub fn text_between_tags(html: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut at = 0;
    for t in tags(html) {
        spans.push(&html[at..t.span.start.max(at)]);
        at = at.max(t.span.end);
    }
    spans.push(&html[at..]);
    spans
}

/// Whether elements nest deeper than `max` anywhere in `html` (a linear estimate).
pub fn deeper_than(html: &str, max: usize) -> bool {
    let mut depth = 0usize;
    for t in tags(html) {
        if t.skipped || NOT_NESTING.contains(&t.name.as_str()) {
            continue;
        }
        if t.closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            if depth > max {
                return true;
            }
        }
    }
    false
}

/// `html` with its body rewritten as flat paragraphs: text between tags is kept as it is
/// (entities included, so the parser still decodes them), block tags start a new paragraph,
/// every other tag is dropped. The part before `<body>` is kept for the page's metadata.
pub fn flatten(html: &str) -> String {
    let all = tags(html);
    let body_at = all
        .iter()
        .find(|t| t.name == "body" && !t.closing)
        .map_or(0, |t| t.span.end);
    let mut out = String::with_capacity(html.len() / 2);
    out.push_str(&html[..body_at]);
    out.push_str("<p>");
    let mut at = body_at;
    // Where the last break ended: consecutive block tags make one break, not empty blocks.
    let mut broken_at = out.len();
    for t in all.iter().filter(|t| t.span.start >= body_at) {
        out.push_str(&html[at..t.span.start]);
        at = t.span.end;
        if !t.skipped && BREAKS.contains(&t.name.as_str()) && out.len() != broken_at {
            out.push_str("</p>\n<p>");
            broken_at = out.len();
        }
    }
    out.push_str(&html[at..]);
    out.push_str("</p>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_nesting_elements_only() {
        let deep = format!("{}x{}", "<div>".repeat(50), "</div>".repeat(50));
        assert!(deeper_than(&deep, 49));
        assert!(!deeper_than(&deep, 50));
        // Unclosed paragraphs, void elements, comments and scripts do not nest.
        let flat =
            "<p>a<br><img src=x><p>b<!-- <div><div> --><script>'<div><div>'</script>".repeat(100);
        assert!(!deeper_than(&flat, 3));
    }

    #[test]
    fn flattening_keeps_text_entities_and_head() {
        let html = "<html><head><title>T</title></head><body><div><div><b>a &amp; b</b></div>\
                    <p>c<script>x</script></p></div></body></html>";
        let flat = flatten(html);
        assert!(flat.starts_with("<html><head><title>T</title></head><body>"));
        assert!(flat.contains("a &amp; b"));
        assert!(flat.contains("</p>\n<p>c"));
        assert!(!flat.contains("<div>") && !flat.contains("<b>") && !flat.contains('x'));
    }
}
