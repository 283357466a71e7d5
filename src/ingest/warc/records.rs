//! WARC records (ISO 28500, versions 1.0 and 1.1), one at a time from a stream, plain or
//! gzipped (one member per record, as crawlers write them, or the whole file in one).
//!
//! Written here rather than taken from the `warc` crate (0.4): that crate cannot resume
//! after damage (a bad header or a corrupt gzip member ends or derails the iteration),
//! reports no byte offsets, and decodes gzip as one stream, so a corrupt member cannot be
//! stepped over; it would also bring `nom`, `chrono`, `uuid` 0.8 and `libflate` for what
//! is a header block and a length-counted body. Gzip members are read with `flate2`.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};

/// Longest header line read as a line; a longer one is garbage.
const MAX_LINE: u64 = 64 << 10;
/// Most header lines a record may have.
const MAX_HEADER_LINES: usize = 1024;

/// The type of a record (`WARC-Type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordType {
    Warcinfo,
    Response,
    Resource,
    Request,
    Metadata,
    Revisit,
    Conversion,
    Continuation,
    Other(String),
}

impl RecordType {
    fn of(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "warcinfo" => Self::Warcinfo,
            "response" => Self::Response,
            "resource" => Self::Resource,
            "request" => Self::Request,
            "metadata" => Self::Metadata,
            "revisit" => Self::Revisit,
            "conversion" => Self::Conversion,
            "continuation" => Self::Continuation,
            _ => Self::Other(name.to_string()),
        }
    }

    /// The name as WARC writes it.
    pub fn name(&self) -> &str {
        match self {
            Self::Warcinfo => "warcinfo",
            Self::Response => "response",
            Self::Resource => "resource",
            Self::Request => "request",
            Self::Metadata => "metadata",
            Self::Revisit => "revisit",
            Self::Conversion => "conversion",
            Self::Continuation => "continuation",
            Self::Other(name) => name,
        }
    }
}

/// The named fields of a record's header that reading articles needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Where the record starts: its byte in a plain file, its gzip member's byte in a
    /// gzipped one (a whole-file gzip has one member: then the start of the file).
    pub offset: u64,
    pub kind: RecordType,
    pub target_uri: Option<String>,
    /// `WARC-Date` as written (UTC, ISO 8601).
    pub date: Option<String>,
    pub content_length: u64,
}

/// Damage in the stream: the records it touched are lost, reading resumes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The byte of the file where the damaged record (or gzip member) starts.
    pub offset: u64,
    pub what: String,
}

/// A gzip stream read member by member, so that a corrupt member can be stepped over: a
/// member that fails to decode makes every read fail until [`Members::resume`] moves to
/// the next member (the next gzip magic number after it).
struct Members<R: BufRead> {
    decoder: Option<flate2::bufread::GzDecoder<Counted<R>>>,
    /// Compressed offset of the current member's start, and its decompressed position.
    member_start: u64,
    member_start_decoded: u64,
    /// (decompressed position, compressed offset) of each member start not yet passed.
    starts: VecDeque<(u64, u64)>,
    decoded: u64,
    failed: bool,
}

impl<R: BufRead> Members<R> {
    fn new(input: R) -> Self {
        let input = Counted {
            inner: input,
            pos: 0,
        };
        Self {
            decoder: Some(flate2::bufread::GzDecoder::new(input)),
            member_start: 0,
            member_start_decoded: 0,
            starts: VecDeque::from([(0, 0)]),
            decoded: 0,
            failed: false,
        }
    }

    /// The compressed offset of the member holding decompressed byte `pos`; members before
    /// it are forgotten (positions asked for only grow).
    fn locate(&mut self, pos: u64) -> u64 {
        while self.starts.len() > 1 && self.starts[1].0 <= pos {
            self.starts.pop_front();
        }
        self.starts.front().map_or(0, |s| s.1)
    }

    /// Whether a member that starts after decompressed position `pos` failed.
    fn failed_after(&self, pos: u64) -> bool {
        self.failed && self.member_start_decoded > pos
    }

    /// Starts the next member where `input` stands.
    fn start_member(&mut self, input: Counted<R>) {
        self.member_start = input.pos;
        self.member_start_decoded = self.decoded;
        self.starts.push_back((self.decoded, input.pos));
        self.decoder = Some(flate2::bufread::GzDecoder::new(input));
    }

    /// After a failed member: skips to the next gzip magic number and reads on from there.
    fn resume(&mut self) -> io::Result<()> {
        if !self.failed {
            return Ok(());
        }
        self.failed = false;
        let Some(decoder) = self.decoder.take() else {
            return Ok(());
        };
        let mut input = decoder.into_inner();
        // Not at the failed member's own start: at least one byte past it.
        if input.pos <= self.member_start {
            input.consume(1);
        }
        skip_to_magic(&mut input)?;
        if !input.fill_buf()?.is_empty() {
            self.start_member(input);
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("inside a damaged gzip member"));
        }
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            match decoder.read(buf) {
                Ok(0) if !buf.is_empty() => {
                    let mut input = self.decoder.take().expect("checked above").into_inner();
                    if input.fill_buf()?.is_empty() {
                        return Ok(0);
                    }
                    self.start_member(input);
                }
                Ok(n) => {
                    self.decoded += n as u64;
                    return Ok(n);
                }
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
    }
}

/// Consumes bytes up to the next gzip member header (`1f 8b 08`), or to the end. A header
/// split across the end of the input's buffer is missed (the buffer cannot be refilled
/// before it is empty): that member is then lost too, with the damaged one.
fn skip_to_magic(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.windows(3).position(|w| w == [0x1f, 0x8b, 0x08]) {
            input.consume(i);
            return Ok(());
        }
        // Keep the last two bytes: the magic may straddle two buffers.
        let n = buf.len().saturating_sub(2).max(1);
        if buf.len() < 3 {
            // Too short to hold the magic number: read on (or finish at the end).
            let len = buf.len();
            input.consume(len);
            continue;
        }
        input.consume(n);
    }
}

/// A `BufRead` that counts the bytes consumed from it.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

/// The decompressed stream under the record parser.
enum Stream<R: BufRead> {
    Plain(R),
    Gzip(Box<BufReader<Members<R>>>),
}

impl<R: BufRead> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(r) => r.read(buf),
            Self::Gzip(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> BufRead for Stream<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Self::Plain(r) => r.fill_buf(),
            Self::Gzip(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, amt: usize) {
        match self {
            Self::Plain(r) => r.consume(amt),
            Self::Gzip(r) => r.consume(amt),
        }
    }
}

/// Reads WARC records one at a time; see [`Records::next`].
pub struct Records<R: BufRead> {
    stream: Counted<Stream<R>>,
    /// A version line found while resynchronising, to start the next record with.
    pending: Option<(u64, String)>,
    /// Decompressed position of the current record's start.
    record_start: u64,
    finished: bool,
}

impl<R: BufRead> Records<R> {
    /// Reads records from `input`, gzipped or not (told by its first two bytes).
    pub fn new(mut input: R) -> io::Result<Self> {
        let gzip = input.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let stream = if gzip {
            Stream::Gzip(Box::new(BufReader::with_capacity(
                64 << 10,
                Members::new(input),
            )))
        } else {
            Stream::Plain(input)
        };
        Ok(Self {
            stream: Counted {
                inner: stream,
                pos: 0,
            },
            pending: None,
            record_start: 0,
            finished: false,
        })
    }

    /// The file byte to report for decompressed position `pos`.
    fn file_offset(&mut self, pos: u64) -> u64 {
        match &mut self.stream.inner {
            Stream::Plain(_) => pos,
            Stream::Gzip(r) => r.get_mut().locate(pos),
        }
    }

    /// The next record: its header and what `visit` made of its block (`visit` may read as
    /// much of the block as it wants; the rest is skipped unread into memory), or the
    /// damage that cost a record, or `None` at the end. A record whose block could not be
    /// read whole is damage, whatever `visit` returned.
    pub fn next<T>(
        &mut self,
        visit: impl FnOnce(&Header, &mut dyn Read) -> T,
    ) -> Option<Result<(Header, T), Damage>> {
        if self.finished {
            return None;
        }
        let header = match self.header() {
            Ok(Some(h)) => h,
            Ok(None) => {
                self.finished = true;
                return None;
            }
            Err(damage) => return Some(Err(self.resync(damage))),
        };
        let damaged = |what: String| Damage {
            offset: header.offset,
            what,
        };
        let mut block = (&mut self.stream).take(header.content_length);
        let value = visit(&header, &mut block);
        let rest = io::copy(&mut block, &mut io::sink());
        let short = block.limit();
        let outcome = match rest {
            Err(e) => Err(damaged(format!("record cut short ({e})"))),
            Ok(_) if short > 0 => Err(damaged(format!(
                "truncated record: {short} of its {} bytes missing",
                header.content_length
            ))),
            // The block ends with two line breaks; a gzip member's end is checked now, so
            // that a corrupt one costs its own record.
            Ok(_) => self.end_of_record().map_err(|e| damaged(e.to_string())),
        };
        Some(match outcome {
            Ok(()) => Ok((header, value)),
            Err(damage) => Err(self.resync(damage)),
        })
    }

    /// Consumes the line breaks that close a record's block. Anything else there means the
    /// block was not as long as its header said (or decompressed to more than was written):
    /// the record is damaged.
    fn end_of_record(&mut self) -> io::Result<()> {
        for consumed in 0..5 {
            let next = match self.stream.fill_buf().map(|buf| buf.first().copied()) {
                Ok(next) => next,
                // A member that fails after this record's is the next record's damage.
                Err(_) if self.next_member_failed() => return Ok(()),
                Err(e) => return Err(e),
            };
            match next {
                Some(b'\r' | b'\n') if consumed < 4 => self.stream.consume(1),
                Some(_) if consumed == 0 => {
                    return Err(io::Error::other(
                        "the record does not end where its Content-Length says",
                    ))
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn gzip_failed(&self) -> bool {
        matches!(&self.stream.inner, Stream::Gzip(r) if r.get_ref().failed)
    }

    fn next_member_failed(&self) -> bool {
        match &self.stream.inner {
            Stream::Plain(_) => false,
            Stream::Gzip(r) => r.get_ref().failed_after(self.record_start),
        }
    }

    /// Reads the next header; `Ok(None)` at a clean end.
    fn header(&mut self) -> Result<Option<Header>, Damage> {
        let (start, version) = match self.pending.take() {
            Some(found) => found,
            None => match self.version_line()? {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        self.record_start = start;
        let offset = self.file_offset(start);
        let garbled = |what: String| Damage { offset, what };
        if !version.starts_with("WARC/1.") {
            let shown: String = version.chars().take(40).collect();
            return Err(garbled(format!("not a WARC record header ({shown:?})")));
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        for _ in 0..MAX_HEADER_LINES {
            let line = self
                .line()
                .map_err(|e| garbled(format!("header cut short ({e})")))?
                .ok_or_else(|| garbled("header cut short by the end of the file".into()))?;
            if line.is_empty() {
                return header_of(offset, &fields).map(Some).map_err(garbled);
            }
            match (line.starts_with([' ', '\t']), line.split_once(':')) {
                (true, _) if !fields.is_empty() => {
                    let last = fields.last_mut().expect("checked");
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
                (false, Some((k, v))) => fields.push((k.trim().to_string(), v.trim().to_string())),
                _ => return Err(garbled(format!("garbled header line {line:?}"))),
            }
        }
        Err(garbled(format!("over {MAX_HEADER_LINES} header lines")))
    }

    /// The first non-blank line and where it starts; `None` at the end.
    fn version_line(&mut self) -> Result<Option<(u64, String)>, Damage> {
        loop {
            let start = self.stream.pos;
            match self.line() {
                Ok(None) => return Ok(None),
                Ok(Some(line)) if line.is_empty() => continue,
                Ok(Some(line)) => return Ok(Some((start, line))),
                Err(e) => {
                    let offset = self.file_offset(start);
                    return Err(Damage {
                        offset,
                        what: format!("unreadable ({e})"),
                    });
                }
            }
        }
    }

    /// One line without its line break (at most [`MAX_LINE`] bytes kept); `None` at the end.
    fn line(&mut self) -> io::Result<Option<String>> {
        let mut buf = Vec::new();
        let n = (&mut self.stream)
            .take(MAX_LINE)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        if buf.last() != Some(&b'\n') && n as u64 == MAX_LINE {
            // Skip the rest of an overlong line.
            let mut rest = Vec::new();
            self.stream.read_until(b'\n', &mut rest)?;
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    /// After damage: steps over a corrupt gzip member, then reads lines until the next one
    /// that starts a record (kept for the next call). Returns the damage to report.
    fn resync(&mut self, damage: Damage) -> Damage {
        loop {
            let damaged_buffer = match &self.stream.inner {
                Stream::Gzip(r) if r.get_ref().failed => Some(r.buffer().len()),
                _ => None,
            };
            if let Some(buffered) = damaged_buffer {
                // Whatever the buffer holds came from the damaged member.
                self.stream.consume(buffered);
                let resumed = match &mut self.stream.inner {
                    Stream::Gzip(r) => r.get_mut().resume(),
                    Stream::Plain(_) => Ok(()),
                };
                if resumed.is_err() {
                    self.finished = true;
                    return damage;
                }
            }
            let start = self.stream.pos;
            match self.line() {
                Ok(None) => {
                    self.finished = true;
                    return damage;
                }
                Ok(Some(line)) if line.starts_with("WARC/1.") => {
                    self.pending = Some((start, line));
                    return damage;
                }
                Ok(Some(_)) => {}
                // A damaged gzip member is stepped over on the next turn; any other read
                // error would only repeat.
                Err(_) if self.gzip_failed() => {}
                Err(_) => {
                    self.finished = true;
                    return damage;
                }
            }
        }
    }
}

/// The named fields of a header; a record without a valid `Content-Length` cannot be
/// stepped over, so it is damage.
fn header_of(offset: u64, fields: &[(String, String)]) -> Result<Header, String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let content_length = get("Content-Length")
        .ok_or("header without Content-Length")?
        .parse::<u64>()
        .map_err(|_| "header with an invalid Content-Length".to_string())?;
    let kind = RecordType::of(&get("WARC-Type").ok_or("header without WARC-Type")?);
    // WARC/1.0 wrote the URI in angle brackets.
    let target_uri =
        get("WARC-Target-URI").map(|u| u.trim_start_matches('<').trim_end_matches('>').to_string());
    Ok(Header {
        offset,
        kind,
        target_uri,
        date: get("WARC-Date"),
        content_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(kind: &str, uri: &str, body: &str) -> Vec<u8> {
        format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
             WARC-Date: 2025-02-14T08:00:00Z\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
            body.len()
        )
        .into_bytes()
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    /// Every record as (uri, body) or the damage's (offset, what).
    fn read_all(bytes: &[u8]) -> Vec<Result<(String, String), (u64, String)>> {
        let mut records = Records::new(bytes).unwrap();
        let mut out = Vec::new();
        while let Some(r) = records.next(|_, block| {
            let mut s = String::new();
            block.read_to_string(&mut s).map(|_| s)
        }) {
            out.push(match r {
                Ok((h, body)) => Ok((h.target_uri.unwrap(), body.unwrap_or_default())),
                Err(d) => Err((d.offset, d.what)),
            });
        }
        out
    }

    fn ok(uri: &str, body: &str) -> Result<(String, String), (u64, String)> {
        Ok((uri.into(), body.into()))
    }

    #[test]
    fn plain_gzip_per_record_and_whole_file_gzip_read_alike() {
        let records = [
            record("response", "a", "AAA"),
            record("request", "<b>", "B"),
        ];
        let plain = records.concat();
        let per_record: Vec<u8> = records.iter().flat_map(|r| gz(r)).collect();
        for bytes in [plain.clone(), per_record, gz(&plain)] {
            assert_eq!(read_all(&bytes), [ok("a", "AAA"), ok("b", "B")]);
        }
    }

    #[test]
    fn a_truncated_last_record_loses_only_itself() {
        let first = record("response", "a", "AAA");
        let mut bytes = [first.clone(), record("response", "b", "BBBBBBBB")].concat();
        bytes.truncate(bytes.len() - 8);
        let got = read_all(&bytes);
        assert_eq!(got[0], ok("a", "AAA"));
        let Err((offset, what)) = &got[1] else {
            panic!("{got:?}")
        };
        assert_eq!(*offset, first.len() as u64);
        assert!(what.contains("truncated"), "{what}");
        assert_eq!(got.len(), 2);
        // The same, one gzip member per record, cut inside the last member.
        let members = [gz(&first), gz(&record("response", "b", &"B".repeat(500)))];
        let mut bytes = members.concat();
        bytes.truncate(bytes.len() - 20);
        let got = read_all(&bytes);
        assert_eq!(got[0], ok("a", "AAA"));
        assert!(
            matches!(&got[1], Err((o, _)) if *o == members[0].len() as u64),
            "{got:?}"
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_corrupt_member_or_garbled_header_loses_only_its_record() {
        let members = [
            gz(&record("response", "a", "AAA")),
            gz(&record("response", "b", &"xyz".repeat(300))),
            gz(&record("response", "c", "CCC")),
        ];
        let mut bytes = members.concat();
        let mid = members[0].len() + members[1].len() / 2;
        bytes[mid..mid + 8].copy_from_slice(&[0xff; 8]);
        let got = read_all(&bytes);
        assert_eq!(got[0], ok("a", "AAA"));
        assert!(
            matches!(&got[1], Err((o, _)) if *o == members[0].len() as u64),
            "{got:?}"
        );
        assert_eq!(got[2], ok("c", "CCC"));
        assert_eq!(got.len(), 3);

        let garbled = b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: x\r\n\r\njunk\r\n\r\n";
        let bytes = [
            record("response", "a", "A"),
            garbled.to_vec(),
            record("response", "c", "C"),
        ];
        let got = read_all(&bytes.concat());
        assert_eq!(got[0], ok("a", "A"));
        assert!(
            matches!(&got[1], Err((_, w)) if w.contains("Content-Length")),
            "{got:?}"
        );
        assert_eq!(got[2], ok("c", "C"));
        let junk = [b"garbage\r\n".to_vec(), record("response", "c", "C")].concat();
        let got = read_all(&junk);
        assert!(
            matches!(&got[0], Err((0, w)) if w.contains("not a WARC")),
            "{got:?}"
        );
        assert_eq!(got[1], ok("c", "C"));
    }
}
