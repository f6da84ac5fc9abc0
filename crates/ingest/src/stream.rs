//! The batch iterator: planned inputs in, record batches out.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rayon::prelude::*;
use tracing::info;

use crate::config::IngestConfig;
use crate::decode::{self, Decoded};
use crate::error::IngestError;
use crate::format::{Compression, Format};
use crate::ids::IdRegistry;
use crate::inputs::Plan;
use crate::plan::{InputFile, Status};
use crate::read;
use crate::records::{CsvRows, FileInfo, JsonlRows, Records, Streamed};
use crate::row::{Row, RowBuilder, hash};

/// Plain-text files are read and decoded in parallel in windows of
/// consecutive inputs; a window holds at most `batch_size` files and about
/// this many bytes, or one file when that is larger. Its text waits in
/// memory until it goes into batches, so it is kept to a few batches'
/// worth (a batch closes at `batch_bytes`, 2 MiB by default): 8 MiB still
/// gives each of several threads a file of a few MB to read at once.
const WINDOW_BYTES: u64 = 8 * 1024 * 1024;
/// Assumed compression ratio when sizing a window.
const ASSUMED_RATIO: u64 = 8;
/// Upper bound on the rows preallocated per batch.
const MAX_PREALLOC_ROWS: usize = 4096;

#[derive(Debug, Default)]
struct Stats {
    documents: u64,
    rejects: u64,
    batches: u64,
}

/// Iterator returned by [`Ingest::batches`](crate::Ingest::batches).
pub(crate) struct Batches {
    config: Arc<IngestConfig>,
    schema: SchemaRef,
    inputs: Plan,
    /// Position in `inputs` of the next input to open.
    next: usize,
    ids: IdRegistry,
    /// Rows read ahead (a parallel window of text files, or a file-level
    /// reject of a JSONL/CSV file), in input order.
    ready: VecDeque<Row>,
    /// The JSONL/CSV file whose rows are being emitted.
    current: Option<Records>,
    stats: Stats,
    finished: bool,
}

impl Batches {
    pub(crate) fn new(config: Arc<IngestConfig>, inputs: Plan) -> Batches {
        Batches {
            config,
            schema: newsflow_core::schema::ingest_schema(),
            // Record ids must not take the id of a file being read.
            ids: IdRegistry::with_files(inputs.clone()),
            inputs,
            next: 0,
            ready: VecDeque::new(),
            current: None,
            stats: Stats::default(),
            finished: false,
        }
    }

    /// The next input, taken off the plan.
    fn take_input(&mut self) -> Option<InputFile> {
        let input = self.inputs.get(self.next)?;
        self.next += 1;
        Some(input)
    }

    fn next_row(&mut self) -> Option<Row> {
        loop {
            if let Some(records) = &mut self.current {
                if let Some(row) = records.next_row(&mut self.ids) {
                    return Some(row);
                }
                self.current = None;
            }
            if let Some(row) = self.ready.pop_front() {
                return Some(row);
            }
            let first = self.take_input()?;
            if first.format == Format::Text {
                self.read_text_window(first);
            } else {
                match open(first, &self.config) {
                    Opened::Records(records) => self.current = Some(records),
                    Opened::Row(row) => self.ready.push_back(*row),
                }
            }
        }
    }

    /// Reads `first` and the text files right after it, in parallel, into
    /// `ready`.
    fn read_text_window(&mut self, first: InputFile) {
        let config = &self.config;
        let mut used = estimate(&first, config.max_bytes);
        let mut window = vec![first];
        while window.len() < config.batch_size {
            let Some(next) = self.inputs.get(self.next) else {
                break;
            };
            let cost = estimate(&next, config.max_bytes);
            if next.format != Format::Text || used.saturating_add(cost) > WINDOW_BYTES {
                break;
            }
            used += cost;
            self.next += 1;
            window.push(next);
        }
        if window.len() == 1 {
            self.ready
                .extend(window.into_iter().map(|f| text_row(f, config)));
        } else {
            let rows: Vec<Row> = window
                .into_par_iter()
                .map(|f| text_row(f, config))
                .collect();
            self.ready.extend(rows);
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            info!(
                documents = self.stats.documents,
                rejects = self.stats.rejects,
                batches = self.stats.batches,
                "ingest finished"
            );
        }
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let batch_size = self.config.batch_size;
        let batch_bytes = match self.config.batch_bytes {
            0 => u64::MAX,
            n => n,
        };
        // The rows are gathered first, so that the text column is allocated
        // once at its size: grown a doubling at a time it took up to twice
        // the batch's text in fresh pages, and a copy at each step.
        let mut rows = Vec::with_capacity(batch_size.min(MAX_PREALLOC_ROWS));
        let mut text_bytes = 0u64;
        while rows.len() < batch_size && text_bytes < batch_bytes {
            let Some(row) = self.next_row() else {
                break;
            };
            text_bytes += row.text.as_ref().map_or(0, |t| t.len() as u64);
            if row.reject.is_some() {
                self.stats.rejects += 1;
            } else {
                self.stats.documents += 1;
            }
            rows.push(row);
        }
        if rows.is_empty() {
            self.finish();
            return None;
        }
        self.stats.batches += 1;
        let text_bytes = usize::try_from(text_bytes).unwrap_or(usize::MAX);
        let mut builder = RowBuilder::new(self.schema.clone(), rows.len(), text_bytes);
        for row in rows {
            builder.push(row);
        }
        match builder.finish() {
            Ok(batch) => Some(Ok(batch)),
            Err(e) => {
                self.finish();
                Some(Err(IngestError::from(e)))
            }
        }
    }
}

/// Rough upper bound of the memory reading `input` takes.
fn estimate(input: &InputFile, max_bytes: u64) -> u64 {
    match (&input.status, input.compression) {
        (Status::Unreadable { .. }, _) => 0,
        (Status::File { size }, _) if *size > max_bytes => 0,
        (Status::File { size }, Compression::None) => *size,
        (Status::File { size }, _) => size.saturating_mul(ASSUMED_RATIO).min(max_bytes),
    }
}

/// Reads and decodes a whole file; a problem becomes the file's reject row.
fn load_and_decode(
    input: &InputFile,
    config: &IngestConfig,
) -> Result<(Decoded, u64, u64), Box<Row>> {
    let file_reject = |reason, detail, bytes, content_hash| {
        Box::new(Row::reject(
            input.doc_id.clone(),
            input.rel_path.clone(),
            reason,
            detail,
            bytes,
            content_hash,
            None,
        ))
    };
    let raw = read::load(input, config.max_bytes)
        .map_err(|r| file_reject(r.reason, r.detail, r.bytes, None))?;
    let content_hash = hash(&raw);
    let bytes = raw.len() as u64;
    match decode::decode(raw) {
        Ok(decoded) => Ok((decoded, content_hash, bytes)),
        Err((reason, detail)) => {
            let detail = if bytes == 0 && input.compression != Compression::None {
                format!(
                    "The {} content is empty (0 bytes).",
                    input.compression.name()
                )
            } else {
                detail
            };
            Err(file_reject(reason, detail, bytes, Some(content_hash)))
        }
    }
}

/// The row of a plain-text file.
fn text_row(input: InputFile, config: &IngestConfig) -> Row {
    match load_and_decode(&input, config) {
        Ok((decoded, content_hash, bytes)) => Row::document(
            input.doc_id,
            input.rel_path,
            decoded.text,
            content_hash,
            bytes,
            decoded.encoding.name(),
        )
        .with_flags(decoded.flags),
        Err(row) => *row,
    }
}

/// What one input turns into.
enum Opened {
    /// A single row: a text file's document, or any file-level reject.
    Row(Box<Row>),
    /// The row source of a JSONL/CSV file.
    Records(Records),
}

fn open(input: InputFile, config: &IngestConfig) -> Opened {
    if input.format == Format::Text {
        return Opened::Row(Box::new(text_row(input, config)));
    }
    let streamed = match input.format {
        Format::Jsonl => JsonlRows::stream(&input, config).map(|s| s.map(Records::Jsonl)),
        // CSV: text files went above.
        _ => CsvRows::stream(&input, config).map(|s| s.map(|rows| Records::Csv(Box::new(rows)))),
    };
    match streamed {
        Ok(Streamed::Rows(records)) => return Opened::Records(records),
        Ok(Streamed::Whole) => {}
        Err(row) => return Opened::Row(row),
    }
    let decoded = match load_and_decode(&input, config) {
        Ok((decoded, _, _)) => decoded,
        Err(row) => return Opened::Row(row),
    };
    let info = FileInfo {
        rel_path: input.rel_path,
        doc_id: input.doc_id,
        encoding: decoded.encoding.name(),
        flags: decoded.flags,
    };
    if input.format == Format::Csv {
        match CsvRows::new(info, decoded.text, config) {
            Ok(rows) => Opened::Records(Records::Csv(Box::new(rows))),
            Err(row) => Opened::Row(row),
        }
    } else {
        Opened::Records(Records::Jsonl(JsonlRows::new(info, decoded.text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ingest;

    #[test]
    fn a_window_of_large_files_holds_about_window_bytes() {
        // Six files of 3 MiB: the first window holds two of them (8 MiB
        // would not hold a third), not the 64 MiB `max_bytes` allows.
        let dir = tempfile::tempdir().unwrap();
        let text = "word ".repeat((3 << 20) / 5);
        for i in 0..6 {
            std::fs::write(dir.path().join(format!("{i}.txt")), &text).unwrap();
        }
        let config = IngestConfig::default();
        let files = Ingest::new(config.clone())
            .unwrap()
            .plan(&[dir.path().to_path_buf()])
            .unwrap();
        let mut batches = Batches::new(Arc::new(config), files);
        let first = batches.next_row().unwrap();
        assert_eq!(batches.ready.len(), 1, "files read ahead of the first");
        let mut paths = vec![first.source_path];
        while let Some(row) = batches.next_row() {
            assert!(batches.ready.len() <= 1);
            paths.push(row.source_path);
        }
        let names: Vec<String> = (0..6).map(|i| format!("{i}.txt")).collect();
        assert_eq!(paths, names);
    }
}
