//! Reading a file's raw bytes with a size cap, decompressing on the way.

use std::fs::File;
use std::io::{self, BufReader, Read};

use crate::format::Compression;
use crate::plan::{InputFile, Status};
use crate::reject::RejectReason;

/// A file-level reject found while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileReject {
    pub reason: RejectReason,
    pub detail: String,
    /// Raw size: on-disk size when the content could not be read in full.
    pub bytes: u64,
}

impl FileReject {
    pub(crate) fn new(reason: RejectReason, detail: String, bytes: u64) -> FileReject {
        FileReject {
            reason,
            detail,
            bytes,
        }
    }
}

/// Reads the content of `input` (decompressed) into memory, never more than
/// `max_bytes`: the on-disk size is checked before opening the file, and
/// reading stops one byte past the cap (for decompressed content and for
/// files that grew since planning).
pub(crate) fn load(input: &InputFile, max_bytes: u64) -> Result<Vec<u8>, FileReject> {
    let size = size_on_disk(input)?;
    if size > max_bytes {
        return Err(FileReject::new(
            RejectReason::TooLarge,
            format!("The file is {size} bytes, over the limit of {max_bytes} bytes."),
            size,
        ));
    }
    let file = open_file(input, size)?;
    let mut tracked = Tracked {
        inner: file,
        failed: false,
    };
    let mut out = Vec::new();
    let limit = max_bytes.saturating_add(1);
    if input.compression == Compression::None {
        // The size is known and <= max_bytes, so this cast cannot truncate
        // on 64-bit targets; on 32-bit ones a reservation failure is merely
        // a slower read.
        out.reserve_exact(usize::try_from(size).unwrap_or(0));
    }
    let result = decompressing(&mut tracked, input.compression, size)
        .and_then(|content| content.take(limit).read_to_end(&mut out));
    match result {
        Err(e) if tracked.failed || input.compression == Compression::None => Err(FileReject::new(
            RejectReason::Unreadable,
            format!("Reading the file failed: {e}."),
            size,
        )),
        Err(e) => Err(FileReject::new(
            RejectReason::CorruptCompression,
            format!(
                "The {} stream is corrupt or truncated: {e}.",
                input.compression.name()
            ),
            size,
        )),
        Ok(_) if out.len() as u64 > max_bytes => Err(FileReject::new(
            RejectReason::TooLarge,
            if input.compression == Compression::None {
                format!("The file grew past the limit of {max_bytes} bytes while being read.")
            } else {
                format!(
                    "The {} content decompresses to more than the limit of {max_bytes} bytes.",
                    input.compression.name()
                )
            },
            size,
        )),
        Ok(_) => Ok(out),
    }
}

/// Opens the content of `input` (decompressed on the way) for reading a
/// piece at a time, with no size cap: for JSONL and CSV files read a line
/// or record at a time, whose lines or records are capped instead.
pub(crate) fn open(input: &InputFile) -> Result<Box<dyn Read + Send>, FileReject> {
    let size = size_on_disk(input)?;
    let file = open_file(input, size)?;
    decompressing(file, input.compression, size).map_err(|e| {
        FileReject::new(
            RejectReason::CorruptCompression,
            format!(
                "The {} stream cannot be read: {e}.",
                input.compression.name()
            ),
            size,
        )
    })
}

/// The content of a file of `size` bytes on disk, read from `file` and
/// decompressed on the way. An empty compressed file has no stream to be
/// corrupt: its content is empty.
fn decompressing<'a, R: Read + Send + 'a>(
    file: R,
    compression: Compression,
    size: u64,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(file),
        _ if size == 0 => Box::new(io::empty()),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
    })
}

/// The size `input` had when it was planned; an input found unreadable then
/// is a reject.
fn size_on_disk(input: &InputFile) -> Result<u64, FileReject> {
    match &input.status {
        Status::File { size } => Ok(*size),
        Status::Unreadable { detail } => {
            Err(FileReject::new(RejectReason::Unreadable, detail.clone(), 0))
        }
    }
}

fn open_file(input: &InputFile, size: u64) -> Result<File, FileReject> {
    File::open(&input.path).map_err(|e| {
        FileReject::new(
            RejectReason::Unreadable,
            format!("Cannot open the file: {e}."),
            size,
        )
    })
}

/// Remembers whether the file itself failed to read, so a decompressor's
/// error can be told apart from an I/O error underneath it.
struct Tracked {
    inner: File,
    failed: bool,
}

impl Read for Tracked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.inner.read(buf);
        if let Err(e) = &result
            && e.kind() != io::ErrorKind::Interrupted
        {
            self.failed = true;
        }
        result
    }
}
