//! Ingest, the first newsflow stage: turns files of scraped news text into
//! record batches of [`newsflow_core::schema::ingest_schema`].
//!
//! Every input is accounted for exactly once. A file becomes one row, a
//! line of a JSONL file or a record of a CSV file becomes one row, and each
//! row is either a document (`text` set) or a reject (`reject_reason` set)
//! that says why the input did not become one.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use newsflow_core::{batch::str_column, col};
//! use newsflow_ingest::{Ingest, IngestConfig};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("001_talks.txt"), "MOSCOW, July 22. /TASS/. Talks.")?;
//! std::fs::write(dir.path().join("empty.txt"), "")?;
//! std::fs::write(
//!     dir.path().join("feed.jsonl"),
//!     "{\"id\": \"a1\", \"text\": \"Tokyo talks\", \"source\": \"TASS\"}\nnot json\n\n{\"text\": \"No id\"}\n",
//! )?;
//!
//! let ingest = Ingest::new(IngestConfig { batch_size: 3, ..IngestConfig::default() })?;
//! let inputs = ingest.plan(&[dir.path().to_path_buf()])?;
//! let files: Vec<_> = inputs.iter().map(|f| (f.rel_path, f.doc_id)).collect();
//! assert_eq!(files, [
//!     ("001_talks.txt".into(), "001_talks".into()),
//!     ("empty.txt".into(), "empty".into()),
//!     ("feed.jsonl".into(), "feed".into()),
//! ]);
//!
//! let mut rows = Vec::new();
//! for batch in ingest.batches(inputs) {
//!     let batch = batch?;
//!     assert!(batch.num_rows() <= 3);
//!     let id = str_column("example", &batch, col::DOC_ID)?;
//!     let path = str_column("example", &batch, col::SOURCE_PATH)?;
//!     let reason = str_column("example", &batch, col::REJECT_REASON)?;
//!     for i in 0..batch.num_rows() {
//!         rows.push(format!("{} {} {}", id.get(i).unwrap(), path.get(i).unwrap(), reason.get(i).unwrap_or("-")));
//!     }
//! }
//! assert_eq!(rows, [
//!     "001_talks 001_talks.txt -",
//!     "empty empty.txt empty",
//!     "a1 feed.jsonl:1 -",
//!     "feed:2 feed.jsonl:2 bad_jsonl_line",
//!     "feed:4 feed.jsonl:4 -",
//! ]);
//! # Ok(())
//! # }
//! ```
//!
//! # Execution model
//!
//! [`Ingest::plan`] walks the roots and returns the inputs in a fixed order
//! with their doc ids, as a [`Plan`] that stores a usual file in about 40
//! bytes while planning and, past 65,536 inputs, moves them to a temporary
//! file read back a page at a time (a run keeps it to the end); nothing is
//! read yet. [`Ingest::batches`] reads them
//! lazily and yields batches of at most `batch_size` rows (closed early once
//! their texts reach `batch_bytes`) in plan order (the rows of one file in
//! line order). It holds at most one batch, one short JSONL/CSV file's
//! decoded text or a buffer and one line or record of a longer one, and a
//! window of consecutive plain-text files that are read and decoded in
//! parallel on rayon's pool (at most `batch_size` files and about 8 MiB,
//! or one file when it is larger). Every file is capped at `max_bytes`,
//! except a JSONL/CSV file read as it goes, whose lines or records are
//! (see [Encodings](#encodings)). The output is the same whatever the
//! thread count.
//!
//! # Inputs
//!
//! A root is a file or a directory. Directories are walked recursively,
//! following symbolic links, with the names at each level in byte order (so
//! `a/x.txt` comes before `a.txt`); roots are taken in the order given. The
//! `include`/`exclude` globs of [`IngestConfig`] filter files found in
//! directories; a file given as a root is always read. The format comes
//! from the name, case-insensitively:
//!
//! | name | format |
//! |---|---|
//! | `.txt`, `.text`, any other or no extension | one document per file |
//! | `.jsonl`, `.ndjson` | one JSON object per line: `text` (required), `id`, `url`, `published`, `source`; blank lines skipped |
//! | `.csv` | a header row, then one document per record; text and id columns configurable, `url`, `published`, `source` columns optional |
//! | any of these + `.gz` / `.zst` / `.zstd` | gzip / zstd, decompressed streaming with the same `max_bytes` cap |
//!
//! # Columns
//!
//! | column | document | reject |
//! |---|---|---|
//! | `doc_id` | see [Document ids](#document-ids) | assigned the same way |
//! | `source_path` | `rel_path`; `rel_path:LINE` for a JSONL/CSV row | same |
//! | `content_hash` | xxh3-64, 16 lowercase hex digits, of the file's raw decompressed bytes (BOM included); of the text's UTF-8 bytes for a row | the raw bytes' hash when they were read in full (`empty`, `binary`, `undecodable`), else null |
//! | `encoding` | `UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1251`, `windows-1252`, ... | the file's encoding for a rejected row of a decoded JSONL/CSV file, else null |
//! | `bytes` | raw decompressed size; a row's text length in UTF-8 bytes | same when known; the on-disk size for `too_large`, `unreadable` and `corrupt_compression` of a file; the raw line length for `bad_jsonl_line`/`bad_csv_row` and for a line or record over `max_bytes` |
//! | `text` | decoded text, BOM removed, otherwise as in the file | null |
//! | `meta_published`, `meta_url`, `meta_source` | the row's `published`, `url`, `source` (JSON numbers as written; empty values are null); null for text files | null |
//! | `reject_reason`, `reject_detail` | null | a [`RejectReason`] code and one sentence naming the problem |
//! | `flags` | see [`flag`]; empty for a clean document | empty |
//!
//! # Encodings
//!
//! A UTF-8 or UTF-16LE/BE byte-order mark decides the encoding (and is
//! removed). Otherwise valid UTF-8 is `UTF-8`; invalid UTF-8 with at least
//! as many valid non-ASCII characters as invalid sequences is `UTF-8` with
//! the sequences replaced by U+FFFD and the flag `invalid_utf8_replaced`;
//! anything else is decoded with chardetng's guess (no TLD hint, ISO-2022-JP
//! denied), in practice `windows-1251` for Cyrillic and `windows-1252` for
//! Western European text; a `windows-1252` guess whose accented letters
//! form whole words (short all-caps Cyrillic like `ТАСС`, which chardetng
//! misreads) is corrected to `windows-1251`. Other legacy encodings
//! (`KOI8-U`, `IBM866`, `windows-1250`, `Shift_JIS`, ...) are recorded as
//! chardetng names them. Invalid bytes in UTF-16 or a legacy encoding are
//! replaced and flagged `invalid_bytes_replaced`. Text that is more than a
//! quarter U+FFFD is `undecodable`; more than a quarter control characters
//! is `binary`.
//!
//! A JSONL or CSV file whose content is longer than 64 KiB and whose first
//! 64 KiB pass as UTF-8 (a UTF-8 byte-order mark allowed, nothing binary)
//! is read as it goes instead, a line or a record at a time, in bounded
//! memory and whatever its size: its encoding is `UTF-8`; a line or record
//! with invalid UTF-8 has it replaced and that row alone is flagged
//! `invalid_utf8_replaced`; a line or record longer than `max_bytes` is a
//! `too_large` reject at `stem:LINE` (a CSV record more than 64 KiB over
//! it also ends the file, since the next record cannot be found without
//! reading it); a read or decompression error ends the file with one
//! reject where it happened (the rows before it stay); a JSONL file of
//! blank lines is one `empty` reject. Any other JSONL/CSV file is decoded
//! whole as above.
//!
//! # Document ids
//!
//! * A file's id is its name without its compression and format extensions
//!   (`000_d7c65799752ff593.txt` → `000_d7c65799752ff593`, `x.jsonl.gz` →
//!   `x`; an unknown extension is stripped like a file stem, `a.html` → `a`).
//! * When several files would get the same id, each of them uses its
//!   relative path without extensions instead (`a/x.txt`, `b/x.txt` → `a/x`,
//!   `b/x`); if those still collide, their full relative path (`d/z.txt`,
//!   `d/z.jsonl`); anything still colliding (the same relative path under two
//!   roots) keeps the first id in plan order and later ones get `#2`, `#3`.
//! * A JSONL/CSV row's id is its `id` (a non-empty string, or a number as
//!   written), else `stem:LINE` where `stem` is the file's id and `LINE` is
//!   the 1-based line number (for CSV the record number, the header being
//!   record 1). Reject rows of such files always use `stem:LINE`.
//! * Ids are unique within a run: file ids are fixed first, then rows claim
//!   theirs in output order; an id already taken gets `#2`, `#3`, ... (the
//!   first free one), so a JSONL id repeated in the run keeps its first use.

#![deny(missing_docs)]

mod config;
mod decode;
mod error;
mod format;
mod ids;
mod inputs;
mod plan;
mod read;
mod records;
mod reject;
mod row;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::RecordBatch;

pub use config::{DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE, DEFAULT_MAX_BYTES, IngestConfig};
pub use error::{IngestError, STAGE};
pub use format::{Compression, Format};
pub use inputs::Plan;
pub use plan::InputFile;
pub use reject::{RejectReason, flag};

/// A configured ingest: plans inputs and reads them into batches.
///
/// It holds only the validated settings, so one `Ingest` can plan and read
/// any number of times, from any thread.
#[derive(Debug, Clone)]
pub struct Ingest {
    config: Arc<IngestConfig>,
    filter: config::Filter,
}

impl Ingest {
    /// Validates the config: every glob must compile (the error names the
    /// pattern), `batch_size` must be at least 1 and the CSV column names
    /// non-empty.
    pub fn new(config: IngestConfig) -> Result<Ingest, IngestError> {
        config.validate()?;
        let filter = config::Filter::new(&config)?;
        Ok(Ingest {
            config: Arc::new(config),
            filter,
        })
    }

    /// The settings this ingest runs with.
    pub fn config(&self) -> &IngestConfig {
        &self.config
    }

    /// Walks the given roots (files or directories, recursive) and returns
    /// the inputs, deterministically sorted, doc ids assigned.
    ///
    /// Fails only when a root does not exist at all; every problem below a
    /// root (a broken link, a loop, an unlistable directory, a FIFO) is
    /// planned as an input that becomes an `unreadable` reject.
    pub fn plan(&self, roots: &[PathBuf]) -> Result<Plan, IngestError> {
        plan::plan(roots, &self.filter)
    }

    /// Reads the planned inputs and yields record batches of
    /// [`newsflow_core::schema::ingest_schema`], at most `batch_size` rows
    /// each, in plan order (rows of one file in line order).
    ///
    /// Streaming: memory is bounded by the batch size and the text files
    /// read ahead in parallel (about 8 MiB, or one file of at most
    /// `max_bytes`), never the whole corpus; the plan is shared, not
    /// copied. The iterator owns everything it needs (it does not borrow
    /// `self`) and is `Send`. A record of a JSONL/CSV file whose id is
    /// taken (by an input of `inputs` or an earlier record) gets `#2`,
    /// `#3`, ...
    pub fn batches(
        &self,
        inputs: Plan,
    ) -> impl Iterator<Item = Result<RecordBatch, IngestError>> + Send + use<> {
        stream::Batches::new(self.config.clone(), inputs)
    }
}
