//! Temporary files for the corpus-level passes, so that their memory stays
//! within a fixed budget whatever the corpus size.
//!
//! [`SpillWriter`] writes a file under a `.newsflow-spill-` name in a
//! directory the caller gives (removed when the [`SpillFile`] is dropped,
//! and by the CLI's cleanup of stale temporaries when a run is killed);
//! [`SpillReader`] reads it back sequentially and [`SpillFile::read_at`]
//! at random offsets. Every error names the file. [`PairSorter`] sorts
//! `(u64, u32)` pairs in memory chunks of a fixed size, spilling sorted
//! runs and merging them when the pairs do not fit.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use newsflow_core::{Error, Result};
use tempfile::NamedTempFile;

/// Buffer size of each spill reader and writer.
pub(crate) const IO_BUFFER: usize = 16 << 10;

/// Bytes one pair takes in a [`PairSorter`]'s memory.
const PAIR_BYTES: usize = std::mem::size_of::<(u64, u32)>();

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::io(format!("spill file {}", path.display()), source)
}

fn damaged(path: &Path, problem: String) -> Error {
    io_error(
        path,
        std::io::Error::new(std::io::ErrorKind::InvalidData, problem),
    )
}

/// A temporary file being written.
pub(crate) struct SpillWriter {
    out: BufWriter<NamedTempFile>,
    path: PathBuf,
}

impl SpillWriter {
    /// A new temporary file in `dir`.
    pub(crate) fn create(dir: &Path) -> Result<SpillWriter> {
        let file = tempfile::Builder::new()
            .prefix(".newsflow-spill-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(format!("spill directory {}", dir.display()), e))?;
        let path = file.path().to_path_buf();
        Ok(SpillWriter {
            out: BufWriter::with_capacity(IO_BUFFER, file),
            path,
        })
    }

    /// Appends `bytes`.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| io_error(&self.path, e))
    }

    /// Flushes the file and makes it readable.
    pub(crate) fn finish(self) -> Result<SpillFile> {
        let path = self.path;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_error(&path, e.into_error()))?;
        Ok(SpillFile { file, path })
    }
}

/// A complete temporary file, removed when dropped.
pub(crate) struct SpillFile {
    file: NamedTempFile,
    path: PathBuf,
}

impl SpillFile {
    /// The file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file from its start.
    pub(crate) fn reader(&self) -> Result<SpillReader> {
        let file = self.file.reopen().map_err(|e| io_error(&self.path, e))?;
        Ok(SpillReader {
            input: BufReader::with_capacity(IO_BUFFER, file),
            path: self.path.clone(),
        })
    }

    /// Fills `buf` from `offset`; `what` names the record in the error when
    /// the file ends before.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8], what: &str) -> Result<()> {
        let mut file: &File = self.file.as_file();
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(buf))
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    damaged(&self.path, format!("the file ends inside the {what}"))
                }
                _ => io_error(&self.path, e),
            })
    }
}

/// Sequential reader of a [`SpillFile`].
pub(crate) struct SpillReader {
    input: BufReader<File>,
    path: PathBuf,
}

impl SpillReader {
    /// Fills `buf`; `what` names the record in the error when the file ends
    /// before.
    pub(crate) fn read(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        self.input.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                damaged(&self.path, format!("the file ends inside the {what}"))
            }
            _ => io_error(&self.path, e),
        })
    }

    /// Reads a little-endian `u64`.
    pub(crate) fn read_u64(&mut self, what: &str) -> Result<u64> {
        let mut b = [0u8; 8];
        self.read(&mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Reads a little-endian `u32`.
    pub(crate) fn read_u32(&mut self, what: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.read(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads `len` bytes of UTF-8 text (without trusting `len` for an
    /// allocation).
    pub(crate) fn read_string(&mut self, len: usize, what: &str) -> Result<String> {
        let mut raw = Vec::new();
        (&mut self.input)
            .take(len as u64)
            .read_to_end(&mut raw)
            .map_err(|e| io_error(&self.path, e))?;
        if raw.len() < len {
            return Err(self.damaged(format!("the file ends inside the {what}")));
        }
        String::from_utf8(raw).map_err(|_| self.damaged(format!("a {what} is not UTF-8")))
    }

    /// An error when anything follows the last expected record.
    pub(crate) fn expect_end(&mut self) -> Result<()> {
        let rest = self.input.fill_buf().map_err(|e| io_error(&self.path, e))?;
        if rest.is_empty() {
            Ok(())
        } else {
            Err(damaged(
                &self.path,
                "data after the last record".to_string(),
            ))
        }
    }

    /// A damaged-file error naming this file.
    pub(crate) fn damaged(&self, problem: String) -> Error {
        damaged(&self.path, problem)
    }
}

/// External sort of `(key, value)` pairs by key, then value.
///
/// Holds at most `budget` bytes of pairs in memory; when they are full,
/// they are sorted and written to a run file of 12 bytes per pair, and
/// [`PairSorter::finish`] merges the runs (with a [`IO_BUFFER`] reader
/// each).
pub(crate) struct PairSorter {
    dir: PathBuf,
    capacity: usize,
    pairs: Vec<(u64, u32)>,
    runs: Vec<(SpillFile, u64)>,
}

impl PairSorter {
    /// A sorter holding at most `budget` bytes of pairs, spilling to `dir`.
    pub(crate) fn new(dir: &Path, budget: usize) -> PairSorter {
        let capacity = (budget / PAIR_BYTES).max(2);
        PairSorter {
            dir: dir.to_path_buf(),
            capacity,
            pairs: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// Adds a pair.
    pub(crate) fn push(&mut self, key: u64, value: u32) -> Result<()> {
        if self.pairs.len() == self.capacity {
            self.spill()?;
        }
        if self.pairs.capacity() == 0 {
            self.pairs.reserve_exact(self.capacity);
        }
        self.pairs.push((key, value));
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        self.pairs.sort_unstable();
        let mut out = SpillWriter::create(&self.dir)?;
        for &(key, value) in &self.pairs {
            out.write(&key.to_le_bytes())?;
            out.write(&value.to_le_bytes())?;
        }
        self.runs.push((out.finish()?, self.pairs.len() as u64));
        self.pairs.clear();
        Ok(())
    }

    /// The pairs in ascending order.
    pub(crate) fn finish(mut self) -> Result<SortedPairs> {
        if self.runs.is_empty() {
            self.pairs.sort_unstable();
            return Ok(SortedPairs::Memory(self.pairs.into_iter()));
        }
        if !self.pairs.is_empty() {
            self.spill()?;
        }
        drop(self.pairs);
        let mut runs = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (index, (file, count)) in self.runs.into_iter().enumerate() {
            let mut run = PairRun {
                reader: file.reader()?,
                left: count,
                _file: file,
            };
            if let Some(pair) = run.next()? {
                heap.push(Reverse((pair, index)));
            }
            runs.push(run);
        }
        Ok(SortedPairs::Runs { runs, heap })
    }
}

/// One sorted run being merged.
pub(crate) struct PairRun {
    reader: SpillReader,
    left: u64,
    _file: SpillFile,
}

impl PairRun {
    fn next(&mut self) -> Result<Option<(u64, u32)>> {
        if self.left == 0 {
            self.reader.expect_end()?;
            return Ok(None);
        }
        self.left -= 1;
        let key = self.reader.read_u64("sorted pair")?;
        let value = self.reader.read_u32("sorted pair")?;
        Ok(Some((key, value)))
    }
}

/// The output of [`PairSorter::finish`].
pub(crate) enum SortedPairs {
    /// Everything fitted in memory.
    Memory(std::vec::IntoIter<(u64, u32)>),
    /// A merge of sorted runs.
    Runs {
        runs: Vec<PairRun>,
        heap: BinaryHeap<Reverse<((u64, u32), usize)>>,
    },
}

impl Iterator for SortedPairs {
    type Item = Result<(u64, u32)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            SortedPairs::Memory(pairs) => pairs.next().map(Ok),
            SortedPairs::Runs { runs, heap } => {
                let Reverse((pair, index)) = heap.pop()?;
                match runs[index].next() {
                    Ok(Some(next)) => heap.push(Reverse((next, index))),
                    Ok(None) => {}
                    Err(e) => return Some(Err(e)),
                }
                Some(Ok(pair))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_sort_the_same_in_memory_and_spilled() {
        let dir = tempfile::tempdir().unwrap();
        let pairs: Vec<(u64, u32)> = (0..1000u32)
            .map(|i| (u64::from(i.wrapping_mul(2_654_435_761)) % 97, i))
            .collect();
        let mut want = pairs.clone();
        want.sort_unstable();
        for budget in [16 * 1000, 16 * 7, 1] {
            let mut sorter = PairSorter::new(dir.path(), budget);
            for &(k, v) in &pairs {
                sorter.push(k, v).unwrap();
            }
            let got: Vec<_> = sorter.finish().unwrap().map(Result::unwrap).collect();
            assert_eq!(got, want, "budget {budget}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn damaged_runs_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut sorter = PairSorter::new(dir.path(), 32);
        for i in 0..10 {
            sorter.push(10 - i, i as u32).unwrap();
        }
        let path = sorter.runs[0].0.path().to_path_buf();
        std::fs::write(&path, [0u8; 13]).unwrap();
        let problem = sorter
            .finish()
            .and_then(|pairs| pairs.collect::<Result<Vec<_>>>())
            .unwrap_err()
            .to_string();
        assert!(problem.contains(&path.display().to_string()), "{problem}");
        assert!(problem.contains("ends inside") || problem.contains("after the last"));
    }
}
