//! Crawls as articles: the HTML pages of a WARC file's `response` records, read one record at
//! a time (a crawl of any size is never held whole). Everything else in the crawl (requests,
//! metadata, revisits, redirects, images, pages in other languages, older captures of a URL
//! captured again) is counted per reason, not listed record by record; damage costs only the
//! records it touches, each reported with the file and the byte offset.

pub mod records;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{http, DocFields, FileDocs, FileRead, Format, IngestError, RawDoc};
use records::{Header, RecordType, Records};

/// Bytes of a response read to find the end of its HTTP head.
const HEAD_MAX: u64 = 64 << 10;

/// A page below this share of Arabic letters (of all letters in its text) is not read as an
/// article. Low on purpose: an Arabic page with a long English menu must pass, the clean
/// stage judges the article's own text more strictly.
const MIN_ARABIC_SHARE: f64 = 0.3;

/// Why a record of a crawl is no article.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// A record that holds no page: request, metadata, revisit, warcinfo, resource...
    NotResponse(String),
    /// An HTTP status other than 200 (redirects included).
    Status(u16),
    NotHtml,
    NotArabic,
    /// An older capture of a URL the crawl captured again.
    Superseded,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotResponse(kind) => write!(f, "{kind} record (no page)"),
            Self::Status(code) => write!(f, "HTTP status {code} (not 200)"),
            Self::NotHtml => f.write_str("payload is not HTML"),
            Self::NotArabic => f.write_str("page is not Arabic"),
            Self::Superseded => f.write_str("superseded by a later capture of the same URL"),
        }
    }
}

/// How many records of one file were skipped for one reason (a line of `run.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipCount {
    pub path: String,
    pub reason: String,
    pub count: usize,
}

/// What one record became.
enum Visit {
    Page(Box<RawDoc>),
    Skip(SkipReason),
    Error(IngestError),
}

/// Reads the articles of one WARC file. See the module documentation.
pub fn read(path: &Path, limit: u64) -> Result<FileRead, IngestError> {
    let io = |error| IngestError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut records =
        Records::new(std::io::BufReader::with_capacity(256 << 10, file)).map_err(io)?;
    let mut crawl = Crawl::default();
    while let Some(record) = records.next(|h, block| visit(path, h, block, limit)) {
        match record {
            Ok((header, Visit::Page(doc))) => crawl.page(&header, *doc),
            Ok((_, Visit::Skip(reason))) => *crawl.skipped.entry(reason).or_default() += 1,
            Ok((_, Visit::Error(e))) => crawl.items.push(Some(Err(e))),
            Err(damage) => crawl.items.push(Some(Err(IngestError::Damaged {
                path: path.to_path_buf(),
                offset: damage.offset,
                what: damage.what,
            }))),
        }
    }
    Ok(crawl.finish(path))
}

/// A crawl's documents as they are read: the latest capture of each URL so far.
#[derive(Default)]
struct Crawl {
    /// In file order; `None` where a capture was superseded.
    items: Vec<Option<Result<RawDoc, IngestError>>>,
    /// URL → (index in `items`, capture time key) of its latest capture.
    latest: HashMap<String, (usize, String)>,
    skipped: BTreeMap<SkipReason, usize>,
}

impl Crawl {
    /// Adds a page, or counts it superseded: of two captures of a URL the later
    /// `WARC-Date` wins, and of two at the same time the later in the file.
    fn page(&mut self, header: &Header, doc: RawDoc) {
        let Some(uri) = header.target_uri.clone() else {
            self.items.push(Some(Ok(doc)));
            return;
        };
        let key = time_key(header.date.as_deref().unwrap_or(""));
        if let Some((at, seen)) = self.latest.get(&uri) {
            if *seen > key {
                *self.skipped.entry(SkipReason::Superseded).or_default() += 1;
                return;
            }
            self.items[*at] = None;
            *self.skipped.entry(SkipReason::Superseded).or_default() += 1;
        }
        self.latest.insert(uri, (self.items.len(), key));
        self.items.push(Some(Ok(doc)));
    }

    fn finish(self, path: &Path) -> FileRead {
        let docs: FileDocs = self.items.into_iter().flatten().collect();
        let path = path.display().to_string();
        let skipped = self
            .skipped
            .into_iter()
            .map(|(reason, count)| SkipCount {
                path: path.clone(),
                reason: reason.to_string(),
                count,
            })
            .collect();
        FileRead { docs, skipped }
    }
}

/// A `WARC-Date` as a key that orders in time: its digits, the fraction of a second padded
/// (`…08:00:00Z` and `…08:00:00.5Z` do not order as text).
fn time_key(date: &str) -> String {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    format!("{digits:0<24}")
}

/// What one record is: a page (its bytes still in the page's own encoding), or why not.
fn visit(path: &Path, header: &Header, block: &mut dyn Read, limit: u64) -> Visit {
    if header.kind != RecordType::Response {
        return Visit::Skip(SkipReason::NotResponse(header.kind.name().to_string()));
    }
    let origin = format!("{}@{}", path.display(), header.offset);
    let failed = |message: String| {
        Visit::Error(IngestError::BadRecord {
            origin: origin.clone(),
            message,
        })
    };
    let mut message = Vec::new();
    if let Err(e) = block.take(HEAD_MAX).read_to_end(&mut message) {
        return failed(e.to_string());
    }
    let head = match http::parse_head(&message) {
        Ok(head) => head,
        Err(e) => return failed(e.to_string()),
    };
    if head.status != 200 {
        return Visit::Skip(SkipReason::Status(head.status));
    }
    if !head.is_html(&message[head.len..]) {
        return Visit::Skip(SkipReason::NotHtml);
    }
    let body_len = header.content_length.saturating_sub(head.len as u64);
    if body_len > limit {
        return Visit::Error(IngestError::TooLarge {
            origin,
            bytes: body_len,
            limit,
        });
    }
    if let Err(e) = block.read_to_end(&mut message) {
        return failed(e.to_string());
    }
    let bytes = match head.decode_body(&message[head.len..], limit) {
        Ok(bytes) => bytes,
        Err(http::HttpError::TooLarge(_)) => {
            return Visit::Error(IngestError::TooLarge {
                origin,
                bytes: limit + 1,
                limit,
            })
        }
        Err(e) => return failed(e.to_string()),
    };
    let charset = head.charset.or_else(|| http::meta_charset(&bytes));
    let (text, _, _) = super::decode_declared(&bytes, charset.as_deref());
    if arabic_share(&text) < MIN_ARABIC_SHARE {
        return Visit::Skip(SkipReason::NotArabic);
    }
    let uri = header.target_uri.clone();
    Visit::Page(Box::new(RawDoc {
        origin,
        path: path.to_path_buf(),
        format: Format::Html,
        bytes,
        fields: DocFields {
            host: uri.as_deref().and_then(host_of),
            url: uri,
            crawled: header.date.clone(),
            charset,
            ..DocFields::default()
        },
    }))
}

/// The site's name from a URL: its host without `www.`.
fn host_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let host = url.host_str()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_string())
}

/// The share of Arabic letters among the letters of a page's text (outside its tags,
/// scripts and styles).
fn arabic_share(html: &str) -> f64 {
    let (mut arabic, mut letters) = (0usize, 0usize);
    for span in super::flat::text_between_tags(html) {
        for c in span.chars().filter(|c| c.is_alphabetic()) {
            letters += 1;
            arabic += usize::from(matches!(c,
                '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}'
                | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'));
        }
    }
    if letters == 0 {
        return 0.0;
    }
    arabic as f64 / letters as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawDoc {
        RawDoc {
            origin: text.into(),
            path: "x".into(),
            format: Format::Html,
            bytes: Vec::new(),
            fields: DocFields::default(),
        }
    }

    fn header(uri: &str, date: &str) -> Header {
        Header {
            offset: 0,
            kind: RecordType::Response,
            target_uri: Some(uri.into()),
            date: Some(date.into()),
            content_length: 0,
        }
    }

    #[test]
    fn the_latest_capture_of_a_url_wins() {
        let mut crawl = Crawl::default();
        crawl.page(&header("u", "2025-02-14T08:00:00Z"), raw("new"));
        crawl.page(&header("v", "2025-02-14T08:00:00Z"), raw("other"));
        crawl.page(
            &header("u", "2025-02-13T08:00:00Z"),
            raw("older, later in file"),
        );
        crawl.page(
            &header("v", "2025-02-14T08:00:00.5Z"),
            raw("half a second later"),
        );
        let read = crawl.finish(Path::new("c.warc"));
        let kept: Vec<String> = read.docs.into_iter().map(|d| d.unwrap().origin).collect();
        assert_eq!(kept, ["new", "half a second later"]);
        assert_eq!(read.skipped[0].count, 2);
        assert_eq!(
            read.skipped[0].reason,
            "superseded by a later capture of the same URL"
        );
    }

    #[test]
    fn hosts_and_arabic_share() {
        assert_eq!(
            host_of("https://www.akhbar.example/a?b").as_deref(),
            Some("akhbar.example")
        );
        assert_eq!(host_of("not a url"), None);
        let page = "<html><head><script>var english = 'words words'</script></head>\
                    <body><nav>Home News</nav><p>قال الرئيس إن المحادثات مستمرة</p></body></html>";
        assert!(arabic_share(page) > 0.7);
        assert!(arabic_share("<p>The talks went on</p>") < MIN_ARABIC_SHARE);
    }
}
