//! Reading articles: files, directories and stdin; plain text, HTML and JSON lines; any of the
//! encodings Arabic news sites have used. Nothing here knows about cleaning rules or models.

pub mod html;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The shape of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Html,
    Jsonl,
}

impl Format {
    /// The format a file name implies, if it is one nashra reads.
    pub fn of(path: &Path) -> Option<Self> {
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

/// Why input could not be read; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a file or directory nashra can read", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: unsupported file type (expected .txt, .html, .htm or .jsonl)", path.display())]
    Unsupported { path: PathBuf },
}

/// Expands files and directories (recursively, in sorted order, supported extensions only)
/// into the list of files to read. A file named explicitly must have a supported extension.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut out)?;
        } else if input.is_file() {
            if Format::of(input).is_none() {
                return Err(IngestError::Unsupported {
                    path: input.clone(),
                });
            }
            out.push(input.clone());
        } else {
            return Err(IngestError::NotFound {
                path: input.clone(),
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let io = |source| IngestError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if Format::of(&p).is_some() {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads one file: one document, or one per non-empty line of a JSON-lines file. A bad JSON
/// line becomes an error entry of its own so the other lines still count.
pub fn read_path(path: &Path) -> Result<Vec<Result<RawDoc, String>>, IngestError> {
    let format = Format::of(path).ok_or_else(|| IngestError::Unsupported {
        path: path.to_path_buf(),
    })?;
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(split_raw(path, &path.display().to_string(), format, bytes))
}

/// Reads documents from stdin in the given format.
pub fn read_stdin(format: Format) -> Result<Vec<Result<RawDoc, String>>, IngestError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|source| IngestError::Io {
            path: PathBuf::from("<stdin>"),
            source,
        })?;
    Ok(split_raw(Path::new("<stdin>"), "<stdin>", format, bytes))
}

#[derive(Deserialize)]
struct JsonRecord {
    text: Option<String>,
    html: Option<String>,
    id: Option<serde_json::Value>,
    title: Option<String>,
    url: Option<String>,
    date: Option<String>,
    source: Option<String>,
}

fn split_raw(
    path: &Path,
    origin: &str,
    format: Format,
    bytes: Vec<u8>,
) -> Vec<Result<RawDoc, String>> {
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
    let mut docs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let origin = format!("{origin}:{}", n + 1);
        let record: JsonRecord = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                docs.push(Err(format!("{origin}: invalid JSON ({e})")));
                continue;
            }
        };
        let (format, body) = match (record.html, record.text) {
            (_, Some(t)) => (Format::Text, t),
            (Some(h), None) => (Format::Html, h),
            (None, None) => {
                docs.push(Err(format!(
                    "{origin}: record has neither \"text\" nor \"html\""
                )));
                continue;
            }
        };
        let id = record.id.map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        docs.push(Ok(RawDoc {
            origin,
            path: path.to_path_buf(),
            format,
            bytes: body.into_bytes(),
            fields: DocFields {
                id,
                title: record.title,
                url: record.url,
                date: record.date,
                source: record.source,
            },
        }));
    }
    docs
}

/// Decodes a document's bytes. Never fails: the encoding is taken from a BOM, else UTF-8 when
/// the bytes are (almost all) valid UTF-8, else guessed by `chardetng` (which knows
/// Windows-1256 and ISO-8859-6); undecodable bytes become U+FFFD and a warning.
pub fn decode(raw: &RawDoc) -> Doc {
    let (text, encoding, warnings) = decode_bytes(&raw.bytes);
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
        let f = &mut doc.fields;
        f.title = f.title.take().or(page.title);
        f.url = f.url.take().or(page.url);
        f.date = f.date.take().or(page.date);
        f.source = f.source.take().or(page.site);
    }
    doc
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
        warnings.push(format!(
            "{bad} undecodable byte sequence(s) replaced with U+FFFD (decoded as {})",
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
