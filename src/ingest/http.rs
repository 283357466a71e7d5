//! The HTTP message a WARC `response` record holds: its status, its headers and its body,
//! de-chunked and decompressed, and the charset the server declared. Only what reading a
//! crawled page needs; the head is parsed by `httparse` (the parser under hyper).

use std::io::Read;

/// Most header lines an HTTP head may have; servers send a few dozen.
const MAX_HEADERS: usize = 128;

/// The head of an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    /// The media type of `Content-Type`, lowercased, without parameters (`text/html`).
    pub media_type: Option<String>,
    /// The `charset` parameter of `Content-Type`, as written.
    pub charset: Option<String>,
    /// `Content-Encoding`, outermost last (as the header lists them).
    pub encodings: Vec<String>,
    pub chunked: bool,
    /// Bytes of the head, blank line included: the body starts here.
    pub len: usize,
}

/// Why an HTTP message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("HTTP head is not complete")]
    Incomplete,
    #[error("HTTP head does not parse ({0})")]
    Garbled(String),
    #[error("chunked HTTP body is damaged")]
    BadChunk,
    #[error("HTTP body does not decompress as {encoding} ({message})")]
    Decompress { encoding: String, message: String },
    #[error("HTTP body encoded as {0}, which nashra cannot decode")]
    UnknownEncoding(String),
    #[error("HTTP body is over {0} bytes once decompressed")]
    TooLarge(u64),
}

/// Parses the head at the start of `bytes` (an HTTP response, as a WARC record stores it).
pub fn parse_head(bytes: &[u8]) -> Result<Head, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(HttpError::Incomplete),
        Err(e) => return Err(HttpError::Garbled(e.to_string())),
    };
    let mut head = Head {
        status: response.code.unwrap_or(0),
        media_type: None,
        charset: None,
        encodings: Vec::new(),
        chunked: false,
        len,
    };
    for h in response.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        let value = value.trim();
        if h.name.eq_ignore_ascii_case("content-type") {
            let (media, charset) = content_type(value);
            head.media_type = Some(media);
            head.charset = charset;
        } else if h.name.eq_ignore_ascii_case("content-encoding") {
            head.encodings
                .extend(list(value).filter(|e| *e != "identity"));
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked |= list(value).any(|e| e == "chunked");
        }
    }
    Ok(head)
}

/// The lowercased items of a comma-separated header value.
fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
}

/// `text/html; charset="UTF-8"` → (`text/html`, `UTF-8`).
pub fn content_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    });
    (media, charset)
}

impl Head {
    /// Whether the body is a web page (HTML or XHTML). A response without a
    /// `Content-Type` is judged by its first bytes, as a browser would.
    pub fn is_html(&self, body: &[u8]) -> bool {
        match self.media_type.as_deref() {
            Some("text/html" | "application/xhtml+xml") => true,
            Some(_) => false,
            None => looks_like_html(body),
        }
    }

    /// The body as the page's bytes: chunks joined, then each content encoding undone
    /// (the last listed first), never past `limit` bytes.
    pub fn decode_body(&self, body: &[u8], limit: u64) -> Result<Vec<u8>, HttpError> {
        let mut bytes = if self.chunked {
            dechunk(body)?
        } else {
            body.to_vec()
        };
        for encoding in self.encodings.iter().rev() {
            bytes = decompress(encoding, &bytes, limit)?;
        }
        Ok(bytes)
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let start = start.trim_start_matches('\u{FEFF}').trim_start();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<head")
}

/// Joins the chunks of a `Transfer-Encoding: chunked` body (extensions and trailers ignored).
/// A body cut short keeps the chunks that arrived whole.
pub fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, HttpError> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            // The last size line with no chunk after it: a body cut short.
            return if out.is_empty() {
                Err(HttpError::BadChunk)
            } else {
                Ok(out)
            };
        };
        let line = std::str::from_utf8(&body[..eol]).map_err(|_| HttpError::BadChunk)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| HttpError::BadChunk)?;
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let Some(chunk) = body.get(..size) else {
            out.extend_from_slice(body);
            return Ok(out);
        };
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).unwrap_or_default();
    }
}

/// Undoes one content encoding, reading at most `limit` bytes of output (a small compressed
/// body can expand to gigabytes).
fn decompress(encoding: &str, bytes: &[u8], limit: u64) -> Result<Vec<u8>, HttpError> {
    let reader: Box<dyn Read + '_> = match encoding {
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
        // Servers send `deflate` both as zlib (as the RFC says) and as raw deflate.
        "deflate" if bytes.first().is_some_and(|b| b & 0x0F == 8) => {
            Box::new(flate2::read::ZlibDecoder::new(bytes))
        }
        "deflate" => Box::new(flate2::read::DeflateDecoder::new(bytes)),
        "br" => Box::new(brotli_decompressor::Decompressor::new(bytes, 64 << 10)),
        other => return Err(HttpError::UnknownEncoding(other.to_string())),
    };
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| HttpError::Decompress {
            encoding: encoding.to_string(),
            message: e.to_string(),
        })?;
    if out.len() as u64 > limit {
        return Err(HttpError::TooLarge(limit));
    }
    Ok(out)
}

/// The charset a page declares in its first kilobytes: `<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">` (the HTML standard's prescan,
/// simplified: the first `charset=` inside a `<meta` tag).
pub fn meta_charset(html: &[u8]) -> Option<String> {
    let head = &html[..html.len().min(4096)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<meta") {
        let tag = &rest[at..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        if let Some(i) = tag.find("charset=") {
            let value = tag[i + 8..].trim_start_matches(['"', '\'', ' ']);
            let end = value
                .find(['"', '\'', ';', '/', ' '])
                .unwrap_or(value.len());
            let value = value[..end].trim();
            if !value.is_empty() {
                return Some(value.to_string());
            }
        }
        rest = &rest[at + 5..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_head_gives_status_type_charset_and_encodings() {
        let msg = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"windows-1256\"\r\n\
                    Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\nBODY";
        let head = parse_head(msg).unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.media_type.as_deref(), Some("text/html"));
        assert_eq!(head.charset.as_deref(), Some("windows-1256"));
        assert_eq!(head.encodings, ["gzip"]);
        assert!(head.chunked);
        assert_eq!(&msg[head.len..], b"BODY");
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nA: b"),
            Err(HttpError::Incomplete)
        );
        assert!(matches!(
            parse_head(b"\x00\x01garbage\r\n\r\n"),
            Err(HttpError::Garbled(_))
        ));
    }

    #[test]
    fn chunked_and_compressed_bodies_decode() {
        let page = "<html><body><p>قال الرئيس</p></body></html>".repeat(20);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(page.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let mut chunked = Vec::new();
        for part in gz.chunks(100) {
            write!(chunked, "{:x};ext=1\r\n", part.len()).unwrap();
            chunked.extend_from_slice(part);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let head = Head {
            status: 200,
            media_type: Some("text/html".into()),
            charset: None,
            encodings: vec!["gzip".into()],
            chunked: true,
            len: 0,
        };
        assert_eq!(
            head.decode_body(&chunked, 1 << 20).unwrap(),
            page.as_bytes()
        );
        assert_eq!(
            head.decode_body(&chunked, 100),
            Err(HttpError::TooLarge(100))
        );
        // Raw deflate and zlib both pass as `deflate`; brotli as `br`.
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Default::default());
        raw.write_all(page.as_bytes()).unwrap();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
        zlib.write_all(page.as_bytes()).unwrap();
        for body in [raw.finish().unwrap(), zlib.finish().unwrap()] {
            assert_eq!(
                decompress("deflate", &body, 1 << 20).unwrap(),
                page.as_bytes()
            );
        }
        // brotli.compress(b"x") (Python brotli 1.1).
        assert_eq!(decompress("br", b"\x0b\x00\x80x\x03", 10).unwrap(), b"x");
        assert!(matches!(
            decompress("zstd", b"", 10),
            Err(HttpError::UnknownEncoding(_))
        ));
    }

    #[test]
    fn a_cut_chunked_body_keeps_its_whole_chunks() {
        assert_eq!(dechunk(b"3\r\nabc\r\n4\r\nde").unwrap(), b"abcde");
        assert_eq!(dechunk(b"zz\r\n"), Err(HttpError::BadChunk));
    }

    #[test]
    fn charsets_come_from_content_type_and_meta() {
        assert_eq!(
            content_type("Text/HTML;charset=ISO-8859-6"),
            ("text/html".into(), Some("ISO-8859-6".into()))
        );
        assert_eq!(content_type("image/png").1, None);
        let meta = br#"<html><head><meta name="x" content="y"><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1256"></head>"#;
        assert_eq!(meta_charset(meta).as_deref(), Some("windows-1256"));
        assert_eq!(
            meta_charset(b"<meta charset='utf-8'/>").as_deref(),
            Some("utf-8")
        );
        assert_eq!(meta_charset(b"<p>charset=x</p>"), None);
    }
}
