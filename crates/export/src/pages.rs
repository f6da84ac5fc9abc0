//! Where a Parquet writer keeps the pages of the row group it is writing:
//! in a temporary file instead of the heap.
//!
//! A Parquet column chunk must be contiguous in the file, but rows arrive
//! with all their columns at once, so [`ArrowWriter`] keeps every column's
//! encoded, compressed pages until the row group closes and then copies
//! them out column by column. By default it keeps them on the heap, so a
//! writer's memory grows with its row group, and smaller row groups mean
//! more metadata held to the footer (a few hundred bytes per column chunk;
//! see `docs/benchmarks.md`, fifteenth round). [`SpilledPages`] keeps them
//! in one anonymous temporary file per output file instead (created beside
//! it, gone when the writer is dropped, even after a crash): the writer's
//! memory no longer depends on the row group size, for one more write and
//! read of the compressed bytes, which stay in the page cache. The output
//! bytes are the same as with the heap.
//!
//! [`ArrowWriter`]: parquet::arrow::ArrowWriter

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use parquet::arrow::arrow_writer::{PageKey, PageStore, PageStoreArgs, PageStoreFactory};
use parquet::errors::{ParquetError, Result};

/// Pages shorter than this are gathered in memory and written to the file
/// together: the span files' pages are a few kilobytes each, a system call
/// apiece would cost more than the copy.
const GATHER_BYTES: usize = 256 * 1024;

/// The temporary file of one output file, shared by the page stores of all
/// its column chunks (the writer uses them one at a time, on one thread).
#[derive(Debug)]
struct SpillFile {
    file: File,
    /// Pages not yet written to `file`; they start at offset `written`.
    gathered: Vec<u8>,
    /// Bytes of `file` in use.
    written: u64,
    /// Pages stored and not yet taken back. When the last page of a row
    /// group is taken, the file is emptied for the next one.
    live: usize,
}

impl SpillFile {
    /// Stores `page`; returns its offset.
    fn put(&mut self, page: &[u8]) -> std::io::Result<u64> {
        if self.gathered.len() + page.len() > GATHER_BYTES {
            self.write_gathered()?;
        }
        let at = self.written + self.gathered.len() as u64;
        if page.len() >= GATHER_BYTES {
            self.file.write_all_at(page, self.written)?;
            self.written += page.len() as u64;
        } else {
            self.gathered.extend_from_slice(page);
        }
        self.live += 1;
        Ok(at)
    }

    fn write_gathered(&mut self) -> std::io::Result<()> {
        if !self.gathered.is_empty() {
            self.file.write_all_at(&self.gathered, self.written)?;
            self.written += self.gathered.len() as u64;
            self.gathered.clear();
        }
        Ok(())
    }

    /// Reads back the `len` bytes stored at `at`.
    fn take(&mut self, at: u64, len: usize) -> std::io::Result<Bytes> {
        let page = if at >= self.written {
            // Still gathered: a page is either all in `gathered` or all in
            // the file, as `put` writes the gathered pages before a page
            // that would not fit and writes a large page whole.
            let from = (at - self.written) as usize;
            Bytes::copy_from_slice(&self.gathered[from..from + len])
        } else {
            let mut page = vec![0; len];
            self.file.read_exact_at(&mut page, at)?;
            Bytes::from(page)
        };
        self.live -= 1;
        if self.live == 0 {
            self.gathered.clear();
            self.file.set_len(0)?;
            self.written = 0;
        }
        Ok(page)
    }
}

/// The [`PageStoreFactory`] of one output file (see the module
/// documentation).
#[derive(Debug, Clone)]
pub(crate) struct SpilledPages {
    file: Arc<Mutex<SpillFile>>,
}

impl SpilledPages {
    /// Creates the temporary file in `dir`.
    pub(crate) fn create_in(dir: &Path) -> std::io::Result<SpilledPages> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(SpilledPages {
            file: Arc::new(Mutex::new(SpillFile {
                file,
                gathered: Vec::with_capacity(GATHER_BYTES),
                written: 0,
                live: 0,
            })),
        })
    }

    /// Bytes in the temporary file and gathered in memory.
    #[cfg(test)]
    fn stored_bytes(&self) -> u64 {
        let file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.written + file.gathered.len() as u64
    }
}

impl PageStoreFactory for SpilledPages {
    fn create(&self, _args: &PageStoreArgs<'_>) -> Result<Box<dyn PageStore>> {
        Ok(Box::new(ChunkPages {
            file: self.file.clone(),
            pages: Vec::new(),
        }))
    }
}

/// The pages of one column chunk: where each is in the shared file.
#[derive(Debug)]
struct ChunkPages {
    file: Arc<Mutex<SpillFile>>,
    /// Offset and length of each page; a page's key is its index here.
    pages: Vec<(u64, usize)>,
}

fn spill_error(e: std::io::Error) -> ParquetError {
    ParquetError::External(Box::new(std::io::Error::new(
        e.kind(),
        format!("the temporary file of the row group's pages: {e}"),
    )))
}

impl PageStore for ChunkPages {
    fn put(&mut self, value: Bytes) -> Result<PageKey> {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let at = file.put(&value).map_err(spill_error)?;
        self.pages.push((at, value.len()));
        Ok(PageKey::new(self.pages.len() as u64 - 1))
    }

    fn take(&mut self, key: PageKey) -> Result<Bytes> {
        let &(at, len) = usize::try_from(key.get())
            .ok()
            .and_then(|i| self.pages.get(i))
            .ok_or_else(|| ParquetError::General(format!("no page stored as {}", key.get())))?;
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.take(at, len).map_err(spill_error)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_writer::ArrowWriterOptions;
    use parquet::file::properties::WriterProperties;

    use super::*;

    fn batch(from: i64, rows: i64) -> RecordBatch {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(from..from + rows));
        // Long, repetitive and short, distinct strings: plain and dictionary
        // pages, small and larger than GATHER_BYTES.
        let text: ArrayRef = Arc::new(StringArray::from_iter_values(
            (from..from + rows).map(|i| format!("{i:x} {}", "news ".repeat((i % 97) as usize))),
        ));
        let kind: ArrayRef = Arc::new(StringArray::from_iter_values(
            (from..from + rows).map(|i| ["person", "place", "org"][(i % 3) as usize]),
        ));
        RecordBatch::try_from_iter([("id", ids), ("text", text), ("kind", kind)]).unwrap()
    }

    fn write(pages: Option<SpilledPages>) -> Vec<u8> {
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(30_000))
            .set_data_page_size_limit(300 * 1024)
            .build();
        let mut options = ArrowWriterOptions::new().with_properties(props);
        if let Some(pages) = pages {
            options = options.with_page_store_factory(Arc::new(pages));
        }
        let mut out = Vec::new();
        let mut writer =
            ArrowWriter::try_new_with_options(&mut out, batch(0, 1).schema(), options).unwrap();
        for start in (0..100_000).step_by(7_000) {
            writer.write(&batch(start, 7_000)).unwrap();
        }
        writer.close().unwrap();
        out
    }

    #[test]
    fn spilled_pages_give_the_same_file_as_the_heap() {
        let dir = tempfile::tempdir().unwrap();
        let pages = SpilledPages::create_in(dir.path()).unwrap();
        let spilled = write(Some(pages.clone()));
        let on_heap = write(None);
        assert!(spilled.len() > 1_000_000, "{} bytes", spilled.len());
        assert!(spilled == on_heap, "the files differ");
        // Every page was taken back, so nothing is left in the file.
        assert_eq!(pages.stored_bytes(), 0);
        // The file is anonymous: nothing is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn the_file_is_emptied_when_its_last_page_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let factory = SpilledPages::create_in(dir.path()).unwrap();
        let chunk = || ChunkPages {
            file: factory.file.clone(),
            pages: Vec::new(),
        };
        let (mut a, mut b) = (chunk(), chunk());
        let small = Bytes::from(vec![1u8; 1000]);
        let large = Bytes::from((0..GATHER_BYTES * 2).map(|i| i as u8).collect::<Vec<_>>());
        let keys_a = [a.put(small.clone()).unwrap(), a.put(large.clone()).unwrap()];
        let key_b = b.put(Bytes::from_static(b"page of b")).unwrap();
        assert_eq!(factory.stored_bytes(), (1000 + GATHER_BYTES * 2 + 9) as u64);
        assert_eq!(a.take(keys_a[1]).unwrap(), large);
        assert_eq!(b.take(key_b).unwrap(), Bytes::from_static(b"page of b"));
        assert!(factory.stored_bytes() > 0);
        assert_eq!(a.take(keys_a[0]).unwrap(), small);
        assert_eq!(factory.stored_bytes(), 0);
        // And is used again from its start.
        let key = b.put(small.clone()).unwrap();
        assert_eq!(factory.stored_bytes(), 1000);
        assert_eq!(b.take(key).unwrap(), small);
        assert!(a.take(PageKey::new(7)).is_err());
    }
}
