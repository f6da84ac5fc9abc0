//! One Parquet output file: a deterministic [`ArrowWriter`] wrapper.
//!
//! The bytes `ArrowWriter` produces depend on how the rows are split into the
//! batches it is given (page boundaries are decided between calls), and the
//! batches the export receives depend on how the runner chunked the corpus.
//! [`ParquetSink`] therefore re-chunks: it buffers rows and hands the writer
//! slices of [`WRITE_ROWS`] rows, or fewer when their string values reach
//! [`WRITE_BYTES`], counted from the first row of the file (a row that
//! reaches it alone is a slice of its own), so a file's bytes depend only
//! on its rows and the config. At most the rows of one slice wait here for
//! the next batch, as copies. The encoded, compressed pages of the row
//! group in progress wait in a temporary file ([`SpilledPages`]) until it
//! closes at `row_group_size` rows (`span_row_group_size` for the span
//! files) or about [`ROW_GROUP_BYTES`], whichever comes first; the writer
//! keeps its encoders (a page in progress and a dictionary per column) and
//! the metadata of every closed row group until the file is finished.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{OffsetSizeTrait, RecordBatch};
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::Encoding;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{
    EnabledStatistics, WriterProperties, WriterPropertiesBuilder, WriterPropertiesPtr,
};
use parquet::schema::types::ColumnPath;

use crate::config::ExportConfig;
use crate::error::{ExportError, Result};
use crate::flush::{Flush, Flusher};
use crate::pages::SpilledPages;

/// The fixed `created_by` string of every Parquet file: no timestamp, host or
/// pid, so identical rows give identical bytes.
pub const CREATED_BY: &str = concat!("newsflow ", env!("CARGO_PKG_VERSION"));

/// Rows handed to the writer per call, at most.
pub const WRITE_ROWS: usize = 256;

/// A slice also ends at the row that brings its string values to this many
/// bytes, so that a run of long documents is not buffered 256 at a time
/// (256 bodies of 4 MB would be 1 GiB, and as much again for the copy that
/// joins them).
pub const WRITE_BYTES: usize = 2 * 1024 * 1024;

/// A row group is closed once the writer estimates it at this many bytes
/// (its encoded, compressed pages wait in a temporary file until then, so
/// this bounds what a reader decompresses at once, not the writer's
/// memory).
pub const ROW_GROUP_BYTES: usize = 16 * 1024 * 1024;

/// Free-text columns of `documents.parquet`: long, nearly all distinct, and
/// never filtered on by value. They are written without a dictionary (the
/// writer would hash every body only to give the dictionary up at its size
/// limit) and without min/max statistics (which compare whole bodies).
const FREE_TEXT_COLUMNS: &[&str] = &["body", "title", "lede"];

/// Columns of `documents.parquet` with one distinct value per row: no
/// dictionary, but statistics (`doc_id` ranges help readers skip row groups).
const UNIQUE_COLUMNS: &[&str] = &["doc_id", "source_path", "content_hash"];

fn base_properties(config: &ExportConfig) -> Result<WriterPropertiesBuilder> {
    Ok(WriterProperties::builder()
        .set_compression(config.compression()?)
        .set_max_row_group_row_count(Some(config.row_group_size))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .set_created_by(CREATED_BY.to_string())
        .set_key_value_metadata(Some(vec![KeyValue::new(
            newsflow_core::SCHEMA_VERSION_KEY.to_string(),
            newsflow_core::SCHEMA_VERSION.to_string(),
        )])))
}

/// Span offsets of `mentions.parquet` and `topic_evidence.parquet`: nearly
/// every value distinct, but rising within a document. Delta encoding stores
/// them in a few bits each, where a dictionary would hash every value and
/// still keep one entry per value.
const OFFSET_COLUMNS: &[&str] = &[newsflow_core::col::START, newsflow_core::col::END];

/// Writer properties of `rejects.parquet`: dictionary encoding and
/// statistics on every column.
pub(crate) fn writer_properties(config: &ExportConfig) -> Result<WriterPropertiesPtr> {
    Ok(Arc::new(base_properties(config)?.build()))
}

/// Writer properties of the mentions and evidence files: those of
/// [`writer_properties`], with `span_row_group_size` rows per row group, the
/// span offsets delta-encoded, and statistics per row group only.
///
/// A Parquet writer holds the index of every page it has written (the
/// column index: minimum, maximum and null count; the offset index: where
/// the page is) until it writes them at the end of the file. These files
/// have hundreds of millions of rows at two million documents, and those
/// indexes were most of what a run's memory grew by in its last pass:
/// about 53 KB per million rows of these files held until the end (34 MB
/// at 2M documents), against about 6.5 KB without them and with row groups
/// of a million rows (`docs/benchmarks.md`, eleventh round). The row group
/// statistics stay, so a reader can still skip row groups by `doc_id`.
pub(crate) fn span_properties(config: &ExportConfig) -> Result<WriterPropertiesPtr> {
    let mut builder = base_properties(config)?
        .set_max_row_group_row_count(Some(config.span_row_group_size))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true);
    for &name in OFFSET_COLUMNS {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(name), false)
            .set_column_encoding(ColumnPath::from(name), Encoding::DELTA_BINARY_PACKED);
    }
    Ok(Arc::new(builder.build()))
}

/// Writer properties of `documents.parquet`: those of
/// [`writer_properties`], except for the free-text and unique columns, and
/// with statistics per row group only.
///
/// Nearly every column of a row group of 8,192 documents fits in one page,
/// so per-page statistics (the column index) would repeat the row group's;
/// the writer keeps them to the end of the file, about 40% of what it
/// holds per column chunk. The offset index stays: the body, title and
/// lede span many pages, and a reader that wants a few rows can read just
/// their pages.
pub(crate) fn documents_properties(config: &ExportConfig) -> Result<WriterPropertiesPtr> {
    let mut builder = base_properties(config)?.set_statistics_enabled(EnabledStatistics::Chunk);
    for &name in FREE_TEXT_COLUMNS {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(name), false)
            .set_column_statistics_enabled(ColumnPath::from(name), EnabledStatistics::None);
    }
    for &name in UNIQUE_COLUMNS {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(name), false);
    }
    Ok(Arc::new(builder.build()))
}

/// The bytes of the string values of each row of `batch`, summed over its
/// string columns (the other columns are small and fixed-width, or
/// dictionary-coded, and are not counted).
fn text_bytes_per_row(batch: &RecordBatch) -> Vec<usize> {
    fn add<O: OffsetSizeTrait>(sizes: &mut [usize], offsets: &[O]) {
        for (size, w) in sizes.iter_mut().zip(offsets.windows(2)) {
            *size += (w[1] - w[0]).as_usize();
        }
    }
    let mut sizes = vec![0usize; batch.num_rows()];
    for column in batch.columns() {
        if let Some(strings) = column.as_string_opt::<i32>() {
            add(&mut sizes, strings.offsets());
        } else if let Some(strings) = column.as_string_opt::<i64>() {
            add(&mut sizes, strings.offsets());
        }
    }
    sizes
}

/// A copy of `rows` that owns its buffers. The batches the sink gets share
/// their buffers with every other column of the runner's batch (a batch
/// read back from the spill is one allocation), so a few rows kept waiting
/// for the next write would otherwise keep whole batches alive.
fn owned(rows: &RecordBatch) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let indices = arrow_array::UInt32Array::from_iter_values(0..rows.num_rows() as u32);
    let columns = rows
        .columns()
        .iter()
        .map(|c| arrow_select::take::take(c.as_ref(), &indices, None))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    RecordBatch::try_new(rows.schema(), columns)
}

/// A Parquet file being written under its temporary name.
#[derive(Debug)]
pub(crate) struct ParquetSink {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<BufWriter<File>>,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
    rows: u64,
    flush: Flush,
    /// `bytes_written` of the writer when `flush` last heard of it.
    reported: usize,
    /// The rows of each slice handed to the writer.
    #[cfg(test)]
    slices: Vec<usize>,
}

impl ParquetSink {
    /// Creates (or truncates) `path` and writes the Parquet header.
    pub(crate) fn create(
        path: PathBuf,
        schema: SchemaRef,
        props: &WriterPropertiesPtr,
        flusher: &Flusher,
    ) -> Result<Self> {
        let file = File::create(&path).map_err(|e| ExportError::io(&path, e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let pages = SpilledPages::create_in(dir).map_err(|e| ExportError::io(dir, e))?;
        let options = ArrowWriterOptions::new()
            .with_properties(props.as_ref().clone())
            .with_page_store_factory(Arc::new(pages));
        let writer =
            ArrowWriter::try_new_with_options(BufWriter::new(file), schema.clone(), options)
                .map_err(|source| ExportError::Parquet {
                    path: path.clone(),
                    source,
                })?;
        Ok(ParquetSink {
            flush: flusher.handle(path.clone()),
            reported: 0,
            #[cfg(test)]
            slices: Vec::new(),
            path,
            schema,
            writer,
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
            rows: 0,
        })
    }

    /// Rows accepted so far.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends the rows of `parts` (which must have the sink's schema), in
    /// order: the parts of one batch, such as its runs of document rows
    /// between rejects. Rows left waiting for the next call are copied
    /// (see [`owned`]); within the call they wait as slices.
    pub(crate) fn push(&mut self, parts: &[RecordBatch]) -> Result<()> {
        // `pending[..owned_upto]` are copies made by an earlier call.
        let mut owned_upto = self.pending.len();
        for batch in parts {
            let n = batch.num_rows();
            self.rows += n as u64;
            let mut start = 0;
            for (row, size) in text_bytes_per_row(batch).into_iter().enumerate() {
                if size >= WRITE_BYTES {
                    // A long row is a slice of its own, written from the
                    // batch as it is: in a slice with the rows before it,
                    // joining them would copy it.
                    if row > start {
                        self.pending.push(batch.slice(start, row - start));
                    }
                    self.write_pending()?;
                    self.write_rows(&batch.slice(row, 1))?;
                    owned_upto = 0;
                    start = row + 1;
                    continue;
                }
                self.pending_rows += 1;
                self.pending_bytes += size;
                if self.pending_rows >= WRITE_ROWS || self.pending_bytes >= WRITE_BYTES {
                    self.pending.push(batch.slice(start, row + 1 - start));
                    self.write_pending()?;
                    owned_upto = 0;
                    start = row + 1;
                }
            }
            if start < n {
                self.pending.push(batch.slice(start, n - start));
            }
        }
        for rows in &mut self.pending[owned_upto..] {
            *rows = owned(rows).map_err(|source| ExportError::Arrow {
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one slice.
    fn write_pending(&mut self) -> Result<()> {
        let slice = match self.pending.len() {
            0 => return Ok(()),
            1 => self.pending.pop().expect("one pending batch"),
            _ => {
                let merged = arrow_select::concat::concat_batches(&self.schema, &self.pending)
                    .map_err(|source| ExportError::Arrow {
                        path: self.path.clone(),
                        source,
                    })?;
                self.pending.clear();
                merged
            }
        };
        self.pending_rows = 0;
        self.pending_bytes = 0;
        self.write_rows(&slice)
    }

    fn write_rows(&mut self, batch: &RecordBatch) -> Result<()> {
        #[cfg(test)]
        self.slices.push(batch.num_rows());
        self.writer
            .write(batch)
            .map_err(|source| ExportError::Parquet {
                path: self.path.clone(),
                source,
            })?;
        let written = self.writer.bytes_written();
        self.flush.wrote(
            (written - self.reported) as u64,
            self.writer.inner().get_ref(),
        );
        self.reported = written;
        Ok(())
    }

    /// Writes the remaining rows and the footer, flushes and fsyncs the file.
    /// Returns its temporary path.
    pub(crate) fn finish(mut self) -> Result<PathBuf> {
        self.write_pending()?;
        let path = self.path;
        let buffered = self
            .writer
            .into_inner()
            .map_err(|source| ExportError::Parquet {
                path: path.clone(),
                source,
            })?;
        let file = buffered
            .into_inner()
            .map_err(|e| ExportError::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| ExportError::io(&path, e))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn kept_rows_do_not_hold_the_whole_batch() {
        let text = "x".repeat(1000);
        let values = StringArray::from_iter_values((0..1000).map(|i| format!("{i}{text}")));
        let schema = Arc::new(Schema::new(vec![Field::new("body", DataType::Utf8, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(values)]).unwrap();
        let rows = batch.slice(10, 3);
        // A slice reports (and holds) the memory of the whole batch.
        assert!(rows.get_array_memory_size() > 1_000_000);
        let kept = owned(&rows).unwrap();
        assert_eq!(kept, rows);
        assert!(
            kept.get_array_memory_size() < 10_000,
            "{} bytes",
            kept.get_array_memory_size()
        );
        assert_eq!(kept.column(0).len(), 3);
    }

    /// A sink of one `body` column in `dir`, and the flusher it reports to.
    fn body_sink(dir: &std::path::Path) -> (ParquetSink, Flusher, SchemaRef) {
        let schema = Arc::new(Schema::new(vec![Field::new("body", DataType::Utf8, false)]));
        let props = Arc::new(WriterProperties::builder().build());
        let flusher = Flusher::start().unwrap();
        let path = dir.join("t.parquet");
        let sink = ParquetSink::create(path, schema.clone(), &props, &flusher).unwrap();
        (sink, flusher, schema)
    }

    /// Finishes `sink` and reads its `body` values back.
    fn finish_and_read(sink: ParquetSink, flusher: Flusher) -> Vec<String> {
        let path = sink.finish().unwrap();
        flusher.finish().unwrap();
        let file = std::fs::File::open(path).unwrap();
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 64).unwrap();
        reader
            .flat_map(|b| {
                let b = b.unwrap();
                let values = b.column(0).as_string::<i32>().clone();
                (0..values.len())
                    .map(|i| values.value(i).to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn the_parts_of_a_batch_are_one_sequence_and_no_part_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let (mut sink, flusher, schema) = body_sink(dir.path());
        let text = "x".repeat(1000);
        let body = |i: usize| format!("{i}{text}");
        let values = StringArray::from_iter_values((0..1000).map(body));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(values)]).unwrap();
        sink.push(&[batch.slice(0, 300), batch.slice(400, 300)])
            .unwrap();
        // 256 rows of the first part, then its last 44 with the second's
        // first 212; the second's last 88 wait, as a copy.
        assert_eq!(sink.slices, [256, 256]);
        assert_eq!(sink.pending_rows, 88);
        let held: usize = sink.pending.iter().map(|b| b.get_array_memory_size()).sum();
        assert!(held < 200_000, "{held} bytes held");
        let expected: Vec<String> = (0..300).chain(400..700).map(body).collect();
        assert!(finish_and_read(sink, flusher) == expected);
    }

    #[test]
    fn a_row_of_write_bytes_is_a_slice_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let (mut sink, flusher, schema) = body_sink(dir.path());
        let long = "z".repeat(WRITE_BYTES);
        let rows = ["a", "b", "c", &long, "d", "e"];
        let batch = |rows: &[&str]| {
            let values = StringArray::from(rows.to_vec());
            RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).unwrap()
        };
        sink.push(&[batch(&rows[..1])]).unwrap();
        sink.push(&[batch(&rows[1..])]).unwrap();
        // The rows before the long one are written first (the kept copy of
        // the first batch's row joined with the second batch's), then the
        // long row alone; the two after it wait.
        assert_eq!(sink.slices, [3, 1]);
        assert_eq!((sink.pending_rows, sink.pending_bytes), (2, 2));
        assert_eq!(finish_and_read(sink, flusher), rows);
    }

    #[test]
    fn long_rows_are_written_before_a_full_slice_of_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (mut sink, flusher, schema) = body_sink(dir.path());
        let row = "y".repeat(WRITE_BYTES / 3 + 1);
        for i in 0..10 {
            let values = StringArray::from(vec![format!("{i}{row}")]);
            let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).unwrap();
            sink.push(&[batch]).unwrap();
            // Three such rows pass WRITE_BYTES: at most two wait.
            assert_eq!(sink.pending_rows, (i + 1) % 3, "after row {i}");
            assert!(sink.pending_bytes < WRITE_BYTES);
        }
        assert_eq!(finish_and_read(sink, flusher).len(), 10);
    }
}
