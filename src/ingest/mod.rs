//! Reading articles: files, directories and stdin; plain text, HTML, JSON lines (nashra's own
//! and news extractors' layouts) and WARC crawls; any of the encodings Arabic news sites have
//! used. Nothing here knows about cleaning rules or models.

pub mod extractors;
pub mod flat;
pub mod html;
pub mod http;
pub mod warc;

pub use warc::SkipCount;

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The shape of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Html,
    Jsonl,
    /// A WARC crawl (`.warc`, `.warc.gz`): many pages, read as HTML documents.
    Warc,
}

impl Format {
    /// The format a file name implies, if it is one nashra reads.
    pub fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".warc") || name.ends_with(".warc.gz") {
            return Some(Self::Warc);
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(Self::Text),
            "html" | "htm" | "xhtml" => Some(Self::Html),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            _ => None,
        }
    }
}

/// Fields a JSON-lines record (or an HTML page's metadata) may carry beside the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocFields {
    pub id: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    /// When a crawler fetched the page (`WARC-Date`): never its publication date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawled: Option<String>,
    /// The host the page was fetched from: its source when the page names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The charset the server (or else the page's `<meta>`) declared for the bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
}

/// One raw document, not yet decoded.
#[derive(Debug, Clone)]
pub struct RawDoc {
    /// `path`, `path:LINE` for a JSON-lines record, or `<stdin>`.
    pub origin: String,
    pub path: PathBuf,
    pub format: Format,
    pub bytes: Vec<u8>,
    pub fields: DocFields,
}

/// A decoded document: text with its lines as in the input (for HTML, the lines of the
/// extracted main content).
#[derive(Debug, Clone)]
pub struct Doc {
    pub origin: String,
    pub path: PathBuf,
    pub format: Format,
    pub text: String,
    pub encoding: &'static str,
    pub warnings: Vec<String>,
    pub fields: DocFields,
    /// For HTML: lines the extractor dropped before cleaning (with the reason).
    pub dropped: Vec<(String, String)>,
}

/// The default size limit of one article (a file, or one JSON-lines record): far above any
/// real news article, far below what could stall a run.
pub const DEFAULT_MAX_ARTICLE_BYTES: u64 = 4 << 20;

/// Why input could not be read; each names the file (or the JSON-lines record).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not a file or directory nashra can read", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: unsupported file type (expected .txt, .html, .htm, .jsonl, .warc or .warc.gz)", path.display())]
    Unsupported { path: PathBuf },
    #[error("{}: symbolic link loop (back to {}); not followed", path.display(), ancestor.display())]
    Loop { path: PathBuf, ancestor: PathBuf },
    #[error("{}: the run's own output or cache folder (or a file in it); not read as input", path.display())]
    OwnOutput { path: PathBuf },
    #[error("{origin}: {bytes} bytes, over the {limit}-byte article limit (--max-article-bytes)")]
    TooLarge {
        origin: String,
        bytes: u64,
        limit: u64,
    },
    #[error("{origin}: invalid JSON ({message})")]
    InvalidJson { origin: String, message: String },
    #[error("{origin}: unknown JSON layout: no article text; expected {} (the record has: {})", extractors::EXPECTED, found.join(", "))]
    NoBody { origin: String, found: Vec<String> },
    /// A WARC record whose HTTP message cannot be read (`path@offset`).
    #[error("{origin}: {message}")]
    BadRecord { origin: String, message: String },
    /// Damage in a WARC file: the record at `offset` (or the gzip member there) is lost.
    #[error("{}: damaged at byte {offset}: {what}; the records around it are read", path.display())]
    Damaged {
        path: PathBuf,
        offset: u64,
        what: String,
    },
}

impl IngestError {
    /// The file (or `path:LINE` record) the error is about.
    pub fn origin(&self) -> String {
        match self {
            Self::Io { path, .. }
            | Self::NotFound { path }
            | Self::Unsupported { path }
            | Self::Loop { path, .. }
            | Self::OwnOutput { path } => path.display().to_string(),
            Self::TooLarge { origin, .. }
            | Self::InvalidJson { origin, .. }
            | Self::NoBody { origin, .. }
            | Self::BadRecord { origin, .. } => origin.clone(),
            Self::Damaged { path, offset, .. } => format!("{}@{offset}", path.display()),
        }
    }

    /// Whether the input was left out on purpose (a policy, not damage): such documents are
    /// recorded as skipped rather than failed.
    pub fn is_skip(&self) -> bool {
        matches!(self, Self::TooLarge { .. })
    }
}

/// What discovery found: the files to read, and what it could not (or would not) walk into.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    /// Loops, unreadable folders, the run's own folders: reported, never fatal.
    pub problems: Vec<IngestError>,
}

/// Expands files and directories (recursively, in sorted order, supported extensions only)
/// into the list of files to read. A file named explicitly must have a supported extension.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    Ok(discover_excluding(inputs, &[])?.files)
}

/// [`discover`], never entering the folders in `exclude` (wherever they sit among the
/// inputs) and following symbolic links with loop detection (`walkdir` compares each linked
/// folder with its ancestors), so a link back up the tree is reported instead of walked for
/// ever. A file reached twice (through links) is listed once.
pub fn discover_excluding(inputs: &[PathBuf], exclude: &[&Path]) -> Result<Found, IngestError> {
    let excluded: Vec<PathBuf> = exclude
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    // Compared canonically, however the path is spelled (relative, through links). Equality,
    // not "inside": `--out .` above an input folder must not exclude that folder.
    let canonical_in = |p: &Path| {
        !excluded.is_empty() && std::fs::canonicalize(p).is_ok_and(|c| excluded.contains(&c))
    };
    let is_excluded = |dir: &Path| canonical_in(dir);
    let in_excluded = |file: &Path| {
        std::fs::canonicalize(file)
            .ok()
            .and_then(|c| c.parent().map(Path::to_path_buf))
            .is_some_and(|dir| canonical_in(&dir))
    };
    let mut found = Found::default();
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &is_excluded, &mut found, &mut seen);
        } else if input.is_file() {
            if Format::of(input).is_none() {
                return Err(IngestError::Unsupported {
                    path: input.clone(),
                });
            }
            if in_excluded(input) {
                found.problems.push(IngestError::OwnOutput {
                    path: input.clone(),
                });
            } else if seen.insert(std::fs::canonicalize(input).unwrap_or_else(|_| input.clone())) {
                found.files.push(input.clone());
            }
        } else {
            return Err(IngestError::NotFound {
                path: input.clone(),
            });
        }
    }
    Ok(found)
}

fn walk(
    root: &Path,
    is_excluded: &dyn Fn(&Path) -> bool,
    found: &mut Found,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    let mut own = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            if hidden {
                return false;
            }
            if e.file_type().is_dir() && is_excluded(e.path()) {
                own.push(e.path().to_path_buf());
                return false;
            }
            true
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && Format::of(e.path()).is_some() => {
                let canonical =
                    std::fs::canonicalize(e.path()).unwrap_or_else(|_| e.path().to_path_buf());
                if seen.insert(canonical) {
                    found.files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => found.problems.push(walk_error(err)),
        }
    }
    // Only a folder named as an input is worth a word; one met inside an input is expected.
    found.problems.extend(
        own.into_iter()
            .filter(|p| p == root)
            .map(|path| IngestError::OwnOutput { path }),
    );
}

fn walk_error(err: walkdir::Error) -> IngestError {
    let path = err.path().map(Path::to_path_buf).unwrap_or_default();
    if let Some(ancestor) = err.loop_ancestor() {
        return IngestError::Loop {
            ancestor: ancestor.to_path_buf(),
            path,
        };
    }
    let error = err
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("unreadable"));
    IngestError::Io { path, error }
}

/// One file's documents: each is a document or the reason it could not be read.
pub type FileDocs = Vec<Result<RawDoc, IngestError>>;

/// One file's documents and, for a crawl, what it held that is no article (counted).
#[derive(Debug, Default)]
pub struct FileRead {
    pub docs: FileDocs,
    pub skipped: Vec<SkipCount>,
}

/// Reads one file with the default size limit. See [`read_path_limited`].
pub fn read_path(path: &Path) -> Result<FileDocs, IngestError> {
    read_path_limited(path, DEFAULT_MAX_ARTICLE_BYTES)
}

/// Reads one file: one document, or one per non-empty line of a JSON-lines file. A bad JSON
/// line, or a document over `limit` bytes, becomes an error entry of its own so the other
/// documents still count; an oversized document is never read into memory whole.
pub fn read_path_limited(path: &Path, limit: u64) -> Result<FileDocs, IngestError> {
    read_path_counted(path, limit).map(|read| read.docs)
}

/// [`read_path_limited`], with the records of a WARC crawl that are no articles counted per
/// reason (see [`warc`]).
pub fn read_path_counted(path: &Path, limit: u64) -> Result<FileRead, IngestError> {
    let format = Format::of(path).ok_or_else(|| IngestError::Unsupported {
        path: path.to_path_buf(),
    })?;
    let io = |error| IngestError::Io {
        path: path.to_path_buf(),
        error,
    };
    let origin = path.display().to_string();
    let docs = |docs| FileRead {
        docs,
        skipped: Vec::new(),
    };
    match format {
        Format::Warc => return warc::read(path, limit),
        Format::Jsonl => {
            let file = std::fs::File::open(path).map_err(io)?;
            return read_jsonl(path, std::io::BufReader::new(file), limit)
                .map(docs)
                .map_err(io);
        }
        Format::Text | Format::Html => {}
    }
    let bytes = std::fs::metadata(path).map_err(io)?.len();
    if bytes > limit {
        return Ok(docs(vec![Err(IngestError::TooLarge {
            origin,
            bytes,
            limit,
        })]));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    Ok(docs(split_raw(path, &origin, format, bytes)))
}

/// Reads documents from stdin in the given format.
pub fn read_stdin(format: Format) -> Result<FileDocs, IngestError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|error| IngestError::Io {
            path: PathBuf::from("<stdin>"),
            error,
        })?;
    Ok(split_raw(Path::new("<stdin>"), "<stdin>", format, bytes))
}

/// JSON lines, one at a time: a record over `limit` bytes is skipped without being held.
fn read_jsonl(path: &Path, mut r: impl BufRead, limit: u64) -> std::io::Result<FileDocs> {
    let mut docs = Vec::new();
    let mut line = Vec::new();
    let mut n = 0;
    loop {
        n += 1;
        line.clear();
        let (len, complete) = read_line_bounded(&mut r, &mut line, limit)?;
        if len == 0 && complete {
            break;
        }
        let origin = format!("{}:{n}", path.display());
        if len > limit {
            docs.push(Err(IngestError::TooLarge {
                origin,
                bytes: len,
                limit,
            }));
            continue;
        }
        if let Some(doc) = json_record(path, origin, &String::from_utf8_lossy(&line)) {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// Reads up to the next newline into `buf`, keeping at most `limit` bytes: returns the line's
/// full length and whether the input ended (no bytes at all were left).
fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: u64,
) -> std::io::Result<(u64, bool)> {
    let mut len = 0u64;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok((len, len == 0));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let body = if done { take - 1 } else { take };
        if len + body as u64 <= limit {
            buf.extend_from_slice(&chunk[..body]);
        }
        len += body as u64;
        r.consume(take);
        if done {
            return Ok((len, false));
        }
    }
}

fn split_raw(path: &Path, origin: &str, format: Format, bytes: Vec<u8>) -> FileDocs {
    if format != Format::Jsonl {
        return vec![Ok(RawDoc {
            origin: origin.to_string(),
            path: path.to_path_buf(),
            format,
            bytes,
            fields: DocFields::default(),
        })];
    }
    // JSON is UTF-8 by definition; a BOM is tolerated, bad bytes are replaced.
    let (text, _, _) = encoding_rs::UTF_8.decode(&bytes);
    text.lines()
        .enumerate()
        .filter_map(|(n, line)| json_record(path, format!("{origin}:{}", n + 1), line))
        .collect()
}

/// One JSON-lines record in any layout [`extractors`] knows (`None` for a blank line).
fn json_record(path: &Path, origin: String, line: &str) -> Option<Result<RawDoc, IngestError>> {
    let line = line.trim_start_matches('\u{FEFF}');
    if line.trim().is_empty() {
        return None;
    }
    Some(match extractors::parse(line) {
        Ok(p) => Ok(RawDoc {
            origin,
            path: path.to_path_buf(),
            format: p.format,
            bytes: p.body.into_bytes(),
            fields: p.fields,
        }),
        Err(extractors::RecordError::Json(message)) => {
            Err(IngestError::InvalidJson { origin, message })
        }
        Err(extractors::RecordError::NoBody(found)) => Err(IngestError::NoBody { origin, found }),
    })
}

/// Decodes a document's bytes. Never fails: the encoding is taken from a BOM, else UTF-8 when
/// the bytes are (almost all) valid UTF-8, else guessed by `chardetng` (which knows
/// Windows-1256 and ISO-8859-6); undecodable bytes become U+FFFD and a warning.
pub fn decode(raw: &RawDoc) -> Doc {
    let (text, encoding, warnings) = decode_declared(&raw.bytes, raw.fields.charset.as_deref());
    let mut doc = Doc {
        origin: raw.origin.clone(),
        path: raw.path.clone(),
        format: raw.format,
        text,
        encoding,
        warnings,
        fields: raw.fields.clone(),
        dropped: Vec::new(),
    };
    if raw.format == Format::Html {
        let page = html::extract(&doc.text);
        doc.text = page.text;
        doc.dropped = page.dropped;
        doc.warnings.extend(page.warnings);
        let f = &mut doc.fields;
        f.title = f.title.take().or(page.title);
        f.url = f.url.take().or(page.url);
        f.date = f.date.take().or(page.date);
        f.source = f.source.take().or(page.site);
    }
    if doc.fields.source.is_none() {
        doc.fields.source.clone_from(&doc.fields.host);
    }
    doc
}

/// Decodes bytes in the encoding a server or page declared (a BOM still wins, as in
/// browsers); without a declaration, or with one no encoding answers to, as
/// [`decode_bytes`] does.
pub fn decode_declared(bytes: &[u8], charset: Option<&str>) -> (String, &'static str, Vec<String>) {
    let Some(declared) = charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
    else {
        return decode_bytes(bytes);
    };
    let (text, used, had_errors) = declared.decode(bytes);
    let mut warnings = Vec::new();
    if had_errors {
        let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
        warnings.push(format!(
            "{bad} undecodable byte sequence(s) replaced with U+FFFD (decoded as {}, as declared)",
            used.name()
        ));
    }
    (text.into_owned(), used.name(), warnings)
}

/// Decodes bytes to text: (text, encoding name, warnings).
pub fn decode_bytes(bytes: &[u8]) -> (String, &'static str, Vec<String>) {
    let mut warnings = Vec::new();
    let encoding = if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        enc
    } else if std::str::from_utf8(bytes).is_ok() || mostly_utf8(bytes) {
        encoding_rs::UTF_8
    } else {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(bytes, true);
        detector.guess(Some(b"eg"), chardetng::Utf8Detection::Deny)
    };
    let (text, used, had_errors) = encoding.decode(bytes);
    if had_errors {
        let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
        // Where the damage starts, so that it can be found in the file.
        let at = match std::str::from_utf8(bytes) {
            Err(e) if used == encoding_rs::UTF_8 => format!(" from byte {}", e.valid_up_to()),
            _ => String::new(),
        };
        warnings.push(format!(
            "{bad} undecodable byte sequence(s){at} replaced with U+FFFD (decoded as {})",
            used.name()
        ));
    }
    (text.into_owned(), used.name(), warnings)
}

/// Whether invalid sequences are rare enough that the text is damaged UTF-8 rather than a
/// legacy encoding (which would be invalid almost everywhere it is not ASCII).
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut valid_multibyte = 0usize;
    let mut invalid = 0usize;
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid_multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid_multibyte += std::str::from_utf8(good)
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                invalid += 1;
                let skip = e.error_len().unwrap_or(bad.len()).max(1);
                rest = &bad[skip.min(bad.len())..];
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    valid_multibyte >= 8 && invalid * 20 <= valid_multibyte
}

#[cfg(test)]
mod tests {
    use super::*;

    const AR: &str = "قال الرئيس إن المحادثات مستمرة بين الطرفين.";

    #[test]
    fn all_encodings_decode_to_the_same_text() {
        let utf8 = AR.as_bytes().to_vec();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(AR.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for u in AR.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let mut utf16be = vec![0xFE, 0xFF];
        for u in AR.encode_utf16() {
            utf16be.extend_from_slice(&u.to_be_bytes());
        }
        let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(AR);
        let (iso, _, _) = encoding_rs::ISO_8859_6.encode(AR);
        for bytes in [utf8, bom, utf16, utf16be, cp1256.to_vec(), iso.to_vec()] {
            let (text, _, warnings) = decode_bytes(&bytes);
            assert_eq!(text, AR);
            assert!(warnings.is_empty());
        }
    }

    #[test]
    fn damaged_utf8_is_repaired_with_a_warning() {
        let mut bytes = AR.repeat(3).into_bytes();
        bytes.insert(10, 0xFF);
        let (text, enc, warnings) = decode_bytes(&bytes);
        assert_eq!(enc, "UTF-8");
        assert!(text.contains('\u{FFFD}'));
        assert_eq!(warnings.len(), 1);
    }
}
