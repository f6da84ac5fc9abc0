//! Rows of JSONL and CSV files.
//!
//! A JSONL/CSV file becomes a [`Records`] source that yields one [`Row`] per
//! line (JSONL, blank lines skipped) or per record (CSV, the header
//! excluded), lazily, so a large file's rows stream into several batches.
//! A file of up to 64 KiB, or one that does not start as UTF-8, is decoded
//! whole first; a longer UTF-8 file is read as it goes
//! ([`JsonlRows::stream`], [`CsvRows::stream`]).

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Cursor, Read};

use encoding_rs::UTF_8;

use serde_json::{Map, Value};

use crate::config::IngestConfig;
use crate::decode;
use crate::format::Compression;
use crate::ids::IdRegistry;
use crate::plan::InputFile;
use crate::read::{self, FileReject};
use crate::reject::{RejectReason, flag};
use crate::row::{Meta, Row, hash};

/// What the rows of one file share.
#[derive(Debug, Clone)]
pub(crate) struct FileInfo {
    pub rel_path: String,
    /// The file's doc id, the `stem` of `stem:LINE`.
    pub doc_id: String,
    pub encoding: &'static str,
    /// Flags from decoding the file, copied onto each document row.
    pub flags: Vec<&'static str>,
}

impl FileInfo {
    fn line_id(&self, line: u64) -> String {
        format!("{}:{line}", self.doc_id)
    }

    fn line_path(&self, line: u64) -> String {
        format!("{}:{line}", self.rel_path)
    }

    fn reject(
        &self,
        ids: &mut IdRegistry,
        line: u64,
        reason: RejectReason,
        detail: String,
        bytes: u64,
    ) -> Row {
        Row::reject(
            ids.claim(self.line_id(line)),
            self.line_path(line),
            reason,
            detail,
            bytes,
            None,
            Some(self.encoding),
        )
    }

    fn document(
        &self,
        ids: &mut IdRegistry,
        line: u64,
        id: Option<String>,
        text: String,
        meta: Meta,
        extra_flags: &[&'static str],
    ) -> Row {
        let mut flags = self.flags.clone();
        flags.extend_from_slice(extra_flags);
        let doc_id = ids.claim(id.unwrap_or_else(|| self.line_id(line)));
        let (content_hash, bytes) = (hash(text.as_bytes()), text.len() as u64);
        Row::document(
            doc_id,
            self.line_path(line),
            text,
            content_hash,
            bytes,
            self.encoding,
        )
        .with_meta(meta)
        .with_flags(flags)
    }
}

/// The rows of one JSONL or CSV file, produced on demand.
pub(crate) enum Records {
    /// JSON lines.
    Jsonl(JsonlRows),
    /// CSV records.
    Csv(Box<CsvRows>),
}

impl Records {
    /// The next row, or `None` when the file is exhausted.
    pub(crate) fn next_row(&mut self, ids: &mut IdRegistry) -> Option<Row> {
        match self {
            Records::Jsonl(r) => r.next_row(ids),
            Records::Csv(r) => r.next_row(ids),
        }
    }
}

/// Lines of a JSONL file.
pub(crate) struct JsonlRows {
    info: FileInfo,
    lines: Lines,
    line: u64,
    /// Rows given out so far.
    rows: u64,
}

/// Where the lines of a JSONL file come from.
enum Lines {
    /// The whole decoded file, and how far it has been read.
    Text { text: String, pos: usize },
    /// A long UTF-8 file, read a line at a time.
    Stream(Box<LineReader>),
}

/// A long UTF-8 JSONL file read a line at a time: the reader's buffer and
/// one line (at most `max_bytes` of it) are all it holds.
struct LineReader {
    reader: Box<dyn BufRead + Send>,
    compressed: bool,
    line: Vec<u8>,
    max_bytes: u64,
    done: bool,
}

/// Content up to this size is decoded whole (the rules of `decode.rs` for
/// the file at once); longer JSONL content whose first this many bytes are
/// UTF-8 is read a line at a time.
pub(crate) const STREAM_AFTER_BYTES: usize = 64 * 1024;

/// What [`JsonlRows::stream`] or [`CsvRows::stream`] found.
pub(crate) enum Streamed<T> {
    /// The file is read as it goes.
    Rows(T),
    /// The content is short or not UTF-8: decode it whole.
    Whole,
}

impl<T> Streamed<T> {
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Streamed<U> {
        match self {
            Streamed::Rows(rows) => Streamed::Rows(f(rows)),
            Streamed::Whole => Streamed::Whole,
        }
    }
}

/// The content of `input`, to be read as it goes, when it is longer than
/// [`STREAM_AFTER_BYTES`] and its first that many bytes pass as UTF-8
/// (a UTF-8 byte-order mark is removed); `None` when it is to be decoded
/// whole. A file that cannot be opened is a reject row.
fn open_long_utf8(input: &InputFile) -> Result<Option<Box<dyn Read + Send>>, Box<Row>> {
    let mut content = read::open(input).map_err(|r: FileReject| {
        Box::new(Row::reject(
            input.doc_id.clone(),
            input.rel_path.clone(),
            r.reason,
            r.detail,
            r.bytes,
            None,
            None,
        ))
    })?;
    let mut head = Vec::with_capacity(STREAM_AFTER_BYTES + 1);
    // A read error is left for the whole-file path to report.
    let read = (&mut content)
        .take(STREAM_AFTER_BYTES as u64 + 1)
        .read_to_end(&mut head);
    if read.is_err() || head.len() <= STREAM_AFTER_BYTES || !decode::head_is_utf8(&head) {
        return Ok(None);
    }
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    Ok(Some(Box::new(Cursor::new(head).chain(content))))
}

/// The reject reason, and the words for it, of a file read as it goes
/// whose reading failed part way.
fn read_failure(compressed: bool) -> (RejectReason, &'static str) {
    if compressed {
        (
            RejectReason::CorruptCompression,
            "the compressed stream is corrupt or truncated",
        )
    } else {
        (RejectReason::Unreadable, "reading the file failed")
    }
}

/// The rows of a file read as it goes share this: its encoding is UTF-8,
/// and it has no flags from decoding as a whole.
fn streamed_info(input: &InputFile) -> FileInfo {
    FileInfo {
        rel_path: input.rel_path.clone(),
        doc_id: input.doc_id.clone(),
        encoding: UTF_8.name(),
        flags: Vec::new(),
    }
}

impl JsonlRows {
    pub(crate) fn new(info: FileInfo, text: String) -> JsonlRows {
        JsonlRows {
            info,
            lines: Lines::Text { text, pos: 0 },
            line: 0,
            rows: 0,
        }
    }

    /// Opens `input` to be read a line at a time when its content is longer
    /// than [`STREAM_AFTER_BYTES`] and starts as UTF-8, so that a JSONL
    /// file of any size is read in bounded memory and `max_bytes` caps
    /// each line rather than the file.
    pub(crate) fn stream(
        input: &InputFile,
        config: &IngestConfig,
    ) -> Result<Streamed<JsonlRows>, Box<Row>> {
        let Some(content) = open_long_utf8(input)? else {
            return Ok(Streamed::Whole);
        };
        let reader = BufReader::with_capacity(STREAM_AFTER_BYTES, content);
        Ok(Streamed::Rows(JsonlRows {
            info: streamed_info(input),
            lines: Lines::Stream(Box::new(LineReader {
                reader: Box::new(reader),
                compressed: input.compression != Compression::None,
                line: Vec::new(),
                max_bytes: config.max_bytes,
                done: false,
            })),
            line: 0,
            rows: 0,
        }))
    }

    fn next_row(&mut self, ids: &mut IdRegistry) -> Option<Row> {
        let row = match &mut self.lines {
            Lines::Text { text, pos } => next_text_row(&self.info, text, pos, &mut self.line, ids),
            Lines::Stream(reader) => reader.next_row(&self.info, &mut self.line, self.rows, ids),
        };
        self.rows += u64::from(row.is_some());
        row
    }
}

fn next_text_row(
    info: &FileInfo,
    text: &str,
    pos: &mut usize,
    line_no: &mut u64,
    ids: &mut IdRegistry,
) -> Option<Row> {
    while *pos < text.len() {
        let rest = &text[*pos..];
        let (line, advance) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        *pos += advance;
        *line_no += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        return Some(jsonl_row(info, *line_no, line, ids, None));
    }
    None
}

impl LineReader {
    /// The row of the next line that is not blank; `rows` is how many the
    /// file has given so far (none at its end: the file is `empty`).
    fn next_row(
        &mut self,
        info: &FileInfo,
        line_no: &mut u64,
        rows: u64,
        ids: &mut IdRegistry,
    ) -> Option<Row> {
        while !self.done {
            let len = match self.read_line() {
                Ok(Some(len)) => len,
                Ok(None) => {
                    self.done = true;
                    return (rows == 0).then(|| {
                        Row::reject(
                            info.doc_id.clone(),
                            info.rel_path.clone(),
                            RejectReason::Empty,
                            "The file contains only whitespace.".into(),
                            0,
                            None,
                            Some(info.encoding),
                        )
                    });
                }
                Err(e) => {
                    self.done = true;
                    let n = *line_no + 1;
                    let (reason, what) = read_failure(self.compressed);
                    return Some(info.reject(
                        ids,
                        n,
                        reason,
                        format!("At line {n} {what}: {e}; the lines before it were read."),
                        0,
                    ));
                }
            };
            *line_no += 1;
            let n = *line_no;
            if len > self.max_bytes {
                return Some(info.reject(
                    ids,
                    n,
                    RejectReason::TooLarge,
                    format!(
                        "Line {n} is {len} bytes, over the limit of {} bytes.",
                        self.max_bytes
                    ),
                    len,
                ));
            }
            let text = String::from_utf8_lossy(&self.line);
            let replaced = matches!(text, Cow::Owned(_));
            let line = text.strip_suffix('\r').unwrap_or(&text);
            if line.trim().is_empty() {
                continue;
            }
            let flag = replaced.then_some(flag::INVALID_UTF8_REPLACED);
            return Some(jsonl_row(info, n, line, ids, flag));
        }
        None
    }

    /// Reads the next line into `self.line` without its `\n`, keeping at
    /// most `max_bytes + 1` of it; returns the line's whole length, or
    /// `None` at the end of the content.
    fn read_line(&mut self) -> std::io::Result<Option<u64>> {
        self.line.clear();
        let keep = usize::try_from(self.max_bytes.saturating_add(1)).unwrap_or(usize::MAX);
        let mut len = 0u64;
        let mut started = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(started.then_some(len));
            }
            started = true;
            let (take, end) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, Some(i + 1)),
                None => (chunk.len(), None),
            };
            let room = keep.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..take.min(room)]);
            len += take as u64;
            self.reader.consume(end.unwrap_or(take));
            if end.is_some() {
                return Ok(Some(len));
            }
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Takes `key` out of `obj` as a string: strings as they are, numbers in
/// their JSON form; empty strings and nulls are absent. Any other type is
/// absent and sets `*ignored`.
fn take_scalar(obj: &mut Map<String, Value>, key: &str, ignored: &mut bool) -> Option<String> {
    match obj.remove(key)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
            *ignored = true;
            None
        }
    }
}

/// The row of JSONL line `n`; `decoding` is the flag of a line whose
/// invalid UTF-8 was replaced.
fn jsonl_row(
    info: &FileInfo,
    n: u64,
    line: &str,
    ids: &mut IdRegistry,
    decoding: Option<&'static str>,
) -> Row {
    let bad = |ids: &mut IdRegistry, detail: String| {
        info.reject(
            ids,
            n,
            RejectReason::BadJsonlLine,
            detail,
            line.len() as u64,
        )
    };
    let mut obj = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(obj)) => obj,
        Ok(other) => {
            return bad(
                ids,
                format!("Line {n} is a JSON {}, not an object.", kind(&other)),
            );
        }
        Err(e) => {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg);
            return bad(
                ids,
                format!(
                    "Line {n} is not valid JSON: {msg} at column {}.",
                    e.column()
                ),
            );
        }
    };
    let text = match obj.remove("text") {
        Some(Value::String(text)) => text,
        None => return bad(ids, format!("Line {n} has no `text` field.")),
        Some(other) => {
            return bad(
                ids,
                format!(
                    "The `text` field of line {n} is a {}, not a string.",
                    kind(&other)
                ),
            );
        }
    };
    if text.trim().is_empty() {
        return info.reject(
            ids,
            n,
            RejectReason::Empty,
            format!("The `text` of line {n} is empty or only whitespace."),
            text.len() as u64,
        );
    }
    let mut ignored = false;
    let id = take_scalar(&mut obj, "id", &mut ignored);
    let meta = Meta {
        published: take_scalar(&mut obj, "published", &mut ignored),
        url: take_scalar(&mut obj, "url", &mut ignored),
        source: take_scalar(&mut obj, "source", &mut ignored),
    };
    let extra: Vec<&'static str> = decoding
        .into_iter()
        .chain(ignored.then_some(flag::META_FIELD_IGNORED))
        .collect();
    info.document(ids, n, id, text, meta, &extra)
}

/// Records of a CSV file.
pub(crate) struct CsvRows {
    info: FileInfo,
    reader: csv::Reader<Recorder>,
    record: csv::ByteRecord,
    header_len: usize,
    text_col: usize,
    id_col: Option<usize>,
    published_col: Option<usize>,
    url_col: Option<usize>,
    source_col: Option<usize>,
    text_name: String,
    /// Longest record read, in bytes (of a file read as it goes).
    max_record: Option<u64>,
    compressed: bool,
    rows: u64,
    done: bool,
}

/// What a CSV reader has read since the start of the record it is on, so
/// that the record's raw bytes can be measured. Past `cap` bytes read from
/// there (a record far longer than `max_bytes`), reading fails with
/// [`RecordTooLong`].
struct Recorder {
    inner: Box<dyn Read + Send>,
    /// Offset in the content of `kept[0]`.
    start: u64,
    /// Offset of the start of the record the reader is on.
    record: u64,
    kept: Vec<u8>,
    cap: u64,
}

/// Bytes a [`Recorder`] keeps beyond `max_bytes` before it gives up on a
/// record: the CSV reader reads ahead in blocks of 8 KiB.
const RECORD_SLACK: u64 = 64 * 1024;

/// The error of a [`Recorder`] that reached its cap.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record longer than the limit")
    }
}

impl std::error::Error for RecordTooLong {}

impl Read for Recorder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let end = self.start + self.kept.len() as u64;
        if end.saturating_sub(self.record) > self.cap {
            return Err(std::io::Error::other(RecordTooLong));
        }
        let n = self.inner.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Recorder {
    /// The bytes from offset `from` to `to` of the content, as far as they
    /// are still kept.
    fn span(&self, from: u64, to: u64) -> &[u8] {
        let at = |offset: u64| usize::try_from(offset.saturating_sub(self.start)).unwrap_or(0);
        self.kept.get(at(from)..at(to)).unwrap_or_default()
    }

    /// Notes that the next record starts at `offset`: what comes before it
    /// is no longer needed. It is dropped once it is at least half of what
    /// is kept, so that the bytes read ahead are moved a bounded number of
    /// times however short the records are.
    fn forget_before(&mut self, offset: u64) {
        self.record = offset;
        let n = usize::try_from(offset.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.kept.len());
        if 2 * n >= self.kept.len() {
            self.kept.drain(..n);
            self.start += n as u64;
        }
    }
}

impl CsvRows {
    /// Reads the header of a decoded file. A header without the text
    /// column makes the whole file one `bad_csv_row` reject (returned as
    /// `Err`).
    pub(crate) fn new(
        info: FileInfo,
        text: String,
        config: &IngestConfig,
    ) -> Result<CsvRows, Box<Row>> {
        CsvRows::open(
            info,
            Box::new(Cursor::new(text.into_bytes())),
            config,
            None,
            false,
        )
    }

    /// Opens `input` to be read a record at a time when its content is
    /// longer than [`STREAM_AFTER_BYTES`] and starts as UTF-8, so that a
    /// CSV file of any size is read in bounded memory; `max_bytes` then
    /// caps each record rather than the file.
    pub(crate) fn stream(
        input: &InputFile,
        config: &IngestConfig,
    ) -> Result<Streamed<CsvRows>, Box<Row>> {
        let Some(content) = open_long_utf8(input)? else {
            return Ok(Streamed::Whole);
        };
        let compressed = input.compression != Compression::None;
        CsvRows::open(
            streamed_info(input),
            content,
            config,
            Some(config.max_bytes),
            compressed,
        )
        .map(Streamed::Rows)
    }

    fn open(
        info: FileInfo,
        content: Box<dyn Read + Send>,
        config: &IngestConfig,
        max_record: Option<u64>,
        compressed: bool,
    ) -> Result<CsvRows, Box<Row>> {
        let recorder = Recorder {
            inner: content,
            start: 0,
            record: 0,
            kept: Vec::new(),
            cap: max_record.map_or(u64::MAX, |m| m.saturating_add(RECORD_SLACK)),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(recorder);
        let mut header = csv::ByteRecord::new();
        let file_reject = |reason, detail: String| {
            Box::new(Row::reject(
                info.doc_id.clone(),
                info.line_path(1),
                reason,
                detail,
                0,
                None,
                Some(info.encoding),
            ))
        };
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                return Err(file_reject(
                    RejectReason::Empty,
                    "The CSV file has no header row.".into(),
                ));
            }
            Err(e) => {
                return Err(file_reject(
                    RejectReason::BadCsvRow,
                    format!("The CSV header row cannot be read: {e}."),
                ));
            }
        }
        let offset = reader.position().byte();
        reader.get_mut().forget_before(offset);
        let header: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let Some(text_col) = find(&config.csv_text_column) else {
            return Err(file_reject(
                RejectReason::BadCsvRow,
                format!(
                    "The CSV header row has no `{}` column (it has: {}).",
                    config.csv_text_column,
                    header.join(", ")
                ),
            ));
        };
        Ok(CsvRows {
            header_len: header.len(),
            text_col,
            id_col: find(&config.csv_id_column),
            published_col: find("published"),
            url_col: find("url"),
            source_col: find("source"),
            text_name: config.csv_text_column.clone(),
            info,
            reader,
            record: csv::ByteRecord::new(),
            max_record,
            compressed,
            rows: 0,
            done: false,
        })
    }

    fn next_row(&mut self, ids: &mut IdRegistry) -> Option<Row> {
        if self.done {
            return None;
        }
        let before = self.reader.position().clone();
        let result = self.reader.read_byte_record(&mut self.record);
        let after = self.reader.position().clone();
        let row = match result {
            Ok(false) => {
                self.done = true;
                (self.rows == 0).then(|| {
                    Row::reject(
                        self.info.doc_id.clone(),
                        self.info.rel_path.clone(),
                        RejectReason::Empty,
                        "The CSV file has a header row but no data rows.".into(),
                        0,
                        None,
                        Some(self.info.encoding),
                    )
                })
            }
            Err(e) => {
                self.rows += 1;
                if let csv::ErrorKind::Io(io) = e.kind() {
                    self.done = true;
                    return Some(self.read_failed(ids, &before, io));
                }
                if after.byte() == before.byte() {
                    // No progress: stop rather than loop.
                    self.done = true;
                }
                let pos = e.position().unwrap_or(&before);
                let n = pos.record() + 1;
                let bytes = after.byte().saturating_sub(pos.byte());
                Some(self.info.reject(
                    ids,
                    n,
                    RejectReason::BadCsvRow,
                    format!("Record {n}{} cannot be parsed: {e}.", line_note(pos)),
                    bytes,
                ))
            }
            Ok(true) => {
                self.rows += 1;
                let pos = self.record.position().unwrap_or(&before).clone();
                Some(self.row(ids, &pos, after.byte()))
            }
        };
        self.reader.get_mut().forget_before(after.byte());
        row
    }

    /// The reject that ends a file read as it goes when reading fails at
    /// the record that starts at `at`.
    fn read_failed(&self, ids: &mut IdRegistry, at: &csv::Position, io: &std::io::Error) -> Row {
        let n = at.record() + 1;
        let note = line_note(at);
        let (reason, detail) = match self.max_record {
            Some(max) if io.get_ref().is_some_and(|e| e.is::<RecordTooLong>()) => (
                RejectReason::TooLarge,
                format!(
                    "Record {n}{note} is over the limit of {max} bytes; the rest of the file, \
                     from byte {}, is not read.",
                    at.byte()
                ),
            ),
            _ => {
                let (reason, what) = read_failure(self.compressed);
                (
                    reason,
                    format!("At record {n}{note} {what}: {io}; the records before it were read."),
                )
            }
        };
        self.info.reject(ids, n, reason, detail, 0)
    }

    fn row(&self, ids: &mut IdRegistry, pos: &csv::Position, end: u64) -> Row {
        let n = pos.record() + 1;
        let span = self.reader.get_ref().span(pos.byte(), end);
        let span_len = span.trim_ascii_end().len() as u64;
        let record = &self.record;
        if let Some(max) = self.max_record
            && span_len > max
        {
            return self.info.reject(
                ids,
                n,
                RejectReason::TooLarge,
                format!(
                    "Record {n}{} is {span_len} bytes, over the limit of {max} bytes.",
                    line_note(pos)
                ),
                span_len,
            );
        }
        if record.len() != self.header_len {
            return self.info.reject(
                ids,
                n,
                RejectReason::BadCsvRow,
                format!(
                    "Record {n}{} has {} fields but the header has {}.",
                    line_note(pos),
                    record.len(),
                    self.header_len
                ),
                span_len,
            );
        }
        let field = |col: usize| String::from_utf8_lossy(record.get(col).unwrap_or_default());
        let text = field(self.text_col);
        if text.is_empty() {
            return self.info.reject(
                ids,
                n,
                RejectReason::BadCsvRow,
                format!(
                    "Record {n}{} has an empty `{}` cell.",
                    line_note(pos),
                    self.text_name
                ),
                span_len,
            );
        }
        if text.trim().is_empty() {
            return self.info.reject(
                ids,
                n,
                RejectReason::Empty,
                format!(
                    "The `{}` cell of record {n}{} holds only whitespace.",
                    self.text_name,
                    line_note(pos)
                ),
                text.len() as u64,
            );
        }
        let cell = |col: Option<usize>| {
            col.map(field)
                .filter(|v| !v.trim().is_empty())
                .map(Cow::into_owned)
        };
        let meta = Meta {
            published: cell(self.published_col),
            url: cell(self.url_col),
            source: cell(self.source_col),
        };
        let replaced = std::str::from_utf8(record.as_slice()).is_err();
        let flags: &[&'static str] = if replaced {
            &[flag::INVALID_UTF8_REPLACED]
        } else {
            &[]
        };
        self.info
            .document(ids, n, cell(self.id_col), text.into_owned(), meta, flags)
    }
}

/// ` (line L)` when a record does not start on the line its number says.
fn line_note(pos: &csv::Position) -> String {
    if pos.line() == pos.record() + 1 {
        String::new()
    } else {
        format!(" (line {})", pos.line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> FileInfo {
        FileInfo {
            rel_path: "dir/f.jsonl".into(),
            doc_id: "f".into(),
            encoding: "UTF-8",
            flags: Vec::new(),
        }
    }

    fn jsonl(text: &str) -> Vec<Row> {
        let mut ids = IdRegistry::default();
        let mut rows = JsonlRows::new(info(), text.to_string());
        std::iter::from_fn(|| rows.next_row(&mut ids)).collect()
    }

    fn summary(rows: &[Row]) -> Vec<(String, String, Option<&'static str>)> {
        rows.iter()
            .map(|r| {
                (
                    r.doc_id.clone(),
                    r.source_path.clone(),
                    r.reject.as_ref().map(|(reason, _)| reason.code()),
                )
            })
            .collect()
    }

    #[test]
    fn jsonl_lines() {
        let rows = jsonl(
            "{\"text\":\"a\",\"id\":\"x\"}\r\n\n  \n{\"text\":\"b\",\"id\":7,\"url\":\"u\",\"published\":\"2019-05-30\",\"source\":\"TASS\"}\n\
             not json\n[1,2]\n{\"id\":\"z\"}\n{\"text\":3}\n{\"text\":\" \"}\n{\"text\":\"c\",\"id\":\"x\"}\n{\"text\":\"d\",\"id\":null,\"url\":[1]}",
        );
        assert_eq!(
            summary(&rows),
            [
                ("x".into(), "dir/f.jsonl:1".into(), None),
                ("7".into(), "dir/f.jsonl:4".into(), None),
                ("f:5".into(), "dir/f.jsonl:5".into(), Some("bad_jsonl_line")),
                ("f:6".into(), "dir/f.jsonl:6".into(), Some("bad_jsonl_line")),
                ("f:7".into(), "dir/f.jsonl:7".into(), Some("bad_jsonl_line")),
                ("f:8".into(), "dir/f.jsonl:8".into(), Some("bad_jsonl_line")),
                ("f:9".into(), "dir/f.jsonl:9".into(), Some("empty")),
                ("x#2".into(), "dir/f.jsonl:10".into(), None),
                ("f:11".into(), "dir/f.jsonl:11".into(), None),
            ]
        );
        assert_eq!(rows[0].text.as_deref(), Some("a"));
        assert_eq!(rows[0].content_hash, Some(hash(b"a")));
        assert_eq!(
            rows[1].meta,
            Meta {
                published: Some("2019-05-30".into()),
                url: Some("u".into()),
                source: Some("TASS".into())
            }
        );
        let details: Vec<_> = rows[2..7]
            .iter()
            .map(|r| r.reject.as_ref().unwrap().1.as_str())
            .collect();
        assert_eq!(
            details,
            [
                "Line 5 is not valid JSON: expected ident at column 2.",
                "Line 6 is a JSON array, not an object.",
                "Line 7 has no `text` field.",
                "The `text` field of line 8 is a number, not a string.",
                "The `text` of line 9 is empty or only whitespace.",
            ]
        );
        assert!(rows[2].text.is_none() && rows[2].flags.is_empty());
        assert_eq!(rows[8].flags, [flag::META_FIELD_IGNORED]);
    }

    fn csv_rows(text: &str, config: &IngestConfig) -> Result<Vec<Row>, Box<Row>> {
        let mut ids = IdRegistry::default();
        let mut info = info();
        info.rel_path = "t.csv".into();
        info.doc_id = "t".into();
        let mut rows = CsvRows::new(info, text.to_string(), config)?;
        Ok(std::iter::from_fn(|| rows.next_row(&mut ids)).collect())
    }

    #[test]
    fn csv_records() {
        let config = IngestConfig::default();
        let rows = csv_rows(
            "id,text,url\n1,hello,u1\n,\"multi\nline\",\n3,ragged\n4,,u4\n5,  ,\n1,dup,\n",
            &config,
        )
        .unwrap();
        assert_eq!(
            summary(&rows),
            [
                ("1".into(), "t.csv:2".into(), None),
                ("t:3".into(), "t.csv:3".into(), None),
                ("t:4".into(), "t.csv:4".into(), Some("bad_csv_row")),
                ("t:5".into(), "t.csv:5".into(), Some("bad_csv_row")),
                ("t:6".into(), "t.csv:6".into(), Some("empty")),
                ("1#2".into(), "t.csv:7".into(), None),
            ]
        );
        assert_eq!(rows[0].meta.url.as_deref(), Some("u1"));
        assert_eq!(rows[1].text.as_deref(), Some("multi\nline"));
        assert_eq!(
            rows[2].reject.as_ref().unwrap().1,
            "Record 4 (line 5) has 2 fields but the header has 3."
        );
        assert_eq!(rows[2].bytes, "3,ragged".len() as u64);
    }

    #[test]
    fn csv_file_level_problems() {
        let config = IngestConfig {
            csv_text_column: "body".into(),
            ..IngestConfig::default()
        };
        let err = csv_rows("id,text\n1,a\n", &config).unwrap_err();
        assert_eq!(
            err.reject,
            Some((
                RejectReason::BadCsvRow,
                "The CSV header row has no `body` column (it has: id, text).".into()
            ))
        );
        assert_eq!(
            (err.doc_id.as_str(), err.source_path.as_str()),
            ("t", "t.csv:1")
        );
        let rows = csv_rows("id,body\n", &config).unwrap();
        assert_eq!(
            summary(&rows),
            [("t".into(), "t.csv".into(), Some("empty"))]
        );
    }
}
