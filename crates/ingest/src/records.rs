//! Rows of JSONL and CSV files.
//!
//! A decoded JSONL/CSV file becomes a [`Records`] source that yields one
//! [`Row`] per line (JSONL, blank lines skipped) or per record (CSV, the
//! header excluded), lazily, so a large file's rows stream into several
//! batches while only its decoded text is held.

use std::io::Cursor;

use serde_json::{Map, Value};

use crate::config::IngestConfig;
use crate::ids::IdRegistry;
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
        extra_flag: Option<&'static str>,
    ) -> Row {
        let mut flags = self.flags.clone();
        flags.extend(extra_flag);
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
    text: String,
    pos: usize,
    line: u64,
}

impl JsonlRows {
    pub(crate) fn new(info: FileInfo, text: String) -> JsonlRows {
        JsonlRows {
            info,
            text,
            pos: 0,
            line: 0,
        }
    }

    fn next_row(&mut self, ids: &mut IdRegistry) -> Option<Row> {
        while self.pos < self.text.len() {
            let rest = &self.text[self.pos..];
            let (line, advance) = match memchr::memchr(b'\n', rest.as_bytes()) {
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            self.pos += advance;
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            return Some(jsonl_row(&self.info, self.line, line, ids));
        }
        None
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

fn jsonl_row(info: &FileInfo, n: u64, line: &str, ids: &mut IdRegistry) -> Row {
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
    let extra = ignored.then_some(flag::META_FIELD_IGNORED);
    info.document(ids, n, id, text, meta, extra)
}

/// Records of a CSV file.
pub(crate) struct CsvRows {
    info: FileInfo,
    reader: csv::Reader<Cursor<Vec<u8>>>,
    record: csv::StringRecord,
    header_len: usize,
    text_col: usize,
    id_col: Option<usize>,
    published_col: Option<usize>,
    url_col: Option<usize>,
    source_col: Option<usize>,
    text_name: String,
    rows: u64,
    done: bool,
}

impl CsvRows {
    /// Reads the header. A header without the text column makes the whole
    /// file one `bad_csv_row` reject (returned as `Err`).
    pub(crate) fn new(
        info: FileInfo,
        text: String,
        config: &IngestConfig,
    ) -> Result<CsvRows, Box<Row>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Cursor::new(text.into_bytes()));
        let mut header = csv::StringRecord::new();
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
        match reader.read_record(&mut header) {
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
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let Some(text_col) = find(&config.csv_text_column) else {
            let columns: Vec<&str> = header.iter().collect();
            return Err(file_reject(
                RejectReason::BadCsvRow,
                format!(
                    "The CSV header row has no `{}` column (it has: {}).",
                    config.csv_text_column,
                    columns.join(", ")
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
            record: csv::StringRecord::new(),
            rows: 0,
            done: false,
        })
    }

    fn next_row(&mut self, ids: &mut IdRegistry) -> Option<Row> {
        if self.done {
            return None;
        }
        let before = self.reader.position().clone();
        let result = self.reader.read_record(&mut self.record);
        let after = self.reader.position().clone();
        match result {
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
        }
    }

    fn row(&self, ids: &mut IdRegistry, pos: &csv::Position, end: u64) -> Row {
        let n = pos.record() + 1;
        let raw = self.reader.get_ref().get_ref();
        let span = raw
            .get(pos.byte() as usize..end as usize)
            .unwrap_or_default();
        let span_len = span.trim_ascii_end().len() as u64;
        let record = &self.record;
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
        let text = record.get(self.text_col).unwrap_or_default();
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
            col.and_then(|c| record.get(c))
                .filter(|v| !v.trim().is_empty())
                .map(str::to_string)
        };
        let meta = Meta {
            published: cell(self.published_col),
            url: cell(self.url_col),
            source: cell(self.source_col),
        };
        self.info
            .document(ids, n, cell(self.id_col), text.to_string(), meta, None)
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
