//! What a Parquet writer holds while it writes a file like one of ours: the
//! writer's own memory (`ArrowWriter::memory_size`, sampled after every
//! batch of 256 rows) and the metadata it keeps to the footer (read back,
//! with the page index). Rewrites `FILE` with the given row group size and
//! page limits, its pages held on the heap or spilled to a temporary file.
//!
//! ```sh
//! cargo run --release -p newsflow-export --example parquet_writer_memory -- \
//!     OUT/documents.parquet ROWS PAGE_KIB DICT_KIB heap|spill [page-stats]
//! ```
//!
//! The column settings are those of `documents.parquet` (see
//! `documents_properties`); row groups also close at 16 MiB of encoded data
//! unless ROWS is larger than 8,192, when the cap is 128 MiB.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use arrow_array::RecordBatchReader;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::{
    ArrowWriterOptions, PageKey, PageStore, PageStoreArgs, PageStoreFactory,
};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::{ReadOptionsBuilder, SerializedFileReader};
use parquet::schema::types::ColumnPath;

/// Pages in a temporary file of their own per column chunk.
struct TempFilePages {
    file: File,
    end: u64,
    pages: Vec<(u64, usize)>,
}

impl PageStore for TempFilePages {
    fn put(&mut self, page: Bytes) -> parquet::errors::Result<PageKey> {
        self.file.write_all_at(&page, self.end)?;
        self.pages.push((self.end, page.len()));
        self.end += page.len() as u64;
        Ok(PageKey::new(self.pages.len() as u64 - 1))
    }

    fn take(&mut self, key: PageKey) -> parquet::errors::Result<Bytes> {
        let (at, len) = self.pages[key.get() as usize];
        let mut page = vec![0; len];
        self.file.read_exact_at(&mut page, at)?;
        Ok(Bytes::from(page))
    }
}

#[derive(Debug)]
struct Spill;

impl PageStoreFactory for Spill {
    fn create(&self, _: &PageStoreArgs<'_>) -> parquet::errors::Result<Box<dyn PageStore>> {
        Ok(Box::new(TempFilePages {
            file: tempfile::tempfile()?,
            end: 0,
            pages: Vec::new(),
        }))
    }
}

fn metadata_bytes(path: &str) -> (usize, usize) {
    let file = File::open(path).expect("a Parquet file");
    let options = ReadOptionsBuilder::new().with_page_index().build();
    let reader = SerializedFileReader::new_with_options(file, options).expect("a Parquet file");
    let meta = reader.metadata();
    (meta.num_row_groups(), meta.memory_size())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, rows, page_kib, dict_kib, store] = &args[..5] else {
        panic!("usage: FILE ROWS PAGE_KIB DICT_KIB heap|spill [page-stats]");
    };
    let number = |s: &str| -> usize { s.parse().expect("a number") };
    let rows = number(rows);
    let page_stats = args.get(5).map(String::as_str) == Some("page-stats");
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(input).expect("FILE"))
        .expect("a Parquet file")
        .with_batch_size(256)
        .build()
        .expect("a Parquet file");
    let cap = if rows > 8192 { 128 << 20 } else { 16 << 20 };
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("level 3")))
        .set_max_row_group_row_count(Some(rows))
        .set_max_row_group_bytes(Some(cap))
        .set_data_page_size_limit(number(page_kib) << 10)
        .set_dictionary_page_size_limit(number(dict_kib) << 10);
    if !page_stats {
        props = props.set_statistics_enabled(EnabledStatistics::Chunk);
    }
    for name in ["body", "title", "lede"] {
        props = props
            .set_column_dictionary_enabled(ColumnPath::from(name), false)
            .set_column_statistics_enabled(ColumnPath::from(name), EnabledStatistics::None);
    }
    for name in ["doc_id", "source_path", "content_hash"] {
        props = props.set_column_dictionary_enabled(ColumnPath::from(name), false);
    }
    let mut options = ArrowWriterOptions::new().with_properties(props.build());
    if store == "spill" {
        options = options.with_page_store_factory(Arc::new(Spill));
    }
    let out = tempfile::NamedTempFile::new().expect("a temporary file");
    let mut writer =
        ArrowWriter::try_new_with_options(out.reopen().expect("reopen"), reader.schema(), options)
            .expect("a writer");
    let (mut largest, mut sum, mut samples) = (0usize, 0usize, 0usize);
    for batch in reader {
        writer.write(&batch.expect("a batch")).expect("written");
        let held = writer.memory_size();
        largest = largest.max(held);
        sum += held;
        samples += 1;
    }
    writer.close().expect("closed");
    let (groups, metadata) = metadata_bytes(out.path().to_str().expect("a UTF-8 path"));
    println!(
        "{rows} rows, pages {page_kib} KiB, dictionaries {dict_kib} KiB, {store}{}: \
         writer {:.1} MB at most, {:.1} MB on average; {groups} row groups, \
         metadata {:.2} MB ({:.1} KB per row group)",
        if page_stats { ", page statistics" } else { "" },
        largest as f64 / 1e6,
        sum as f64 / samples.max(1) as f64 / 1e6,
        metadata as f64 / 1e6,
        metadata as f64 / groups.max(1) as f64 / 1e3,
    );
}
