//! Arrow IPC stream reading and writing, the wire format between stage
//! subcommands and external stage programs.

use std::io::{BufRead, BufReader, Read, Write};

use arrow_array::RecordBatch;
use arrow_ipc::CompressionType;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow_schema::{Schema, SchemaRef};

use crate::error::{Error, Result};

/// An IPC stream being read: its schema, then its batches in order, with
/// `LargeUtf8` and `Utf8View` columns rewritten to `Utf8`.
pub struct IpcStream<R: Read> {
    stage: String,
    schema: SchemaRef,
    inner: StreamReader<BufReader<R>>,
}

impl<R: Read> IpcStream<R> {
    /// Schema of the batches the stream yields (string types rewritten).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl<R: Read> Iterator for IpcStream<R> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.inner.next()?;
        Some(
            batch
                .map_err(|e| Error::arrow(&self.stage, e))
                .and_then(|b| crate::batch::normalize_string_types(&self.stage, b)),
        )
    }
}

/// Opens an IPC stream. An input with no bytes at all is an error that says
/// so (the usual cause is a failed command earlier in a pipe).
pub fn read_stream<R: Read>(stage: &str, reader: R) -> Result<IpcStream<R>> {
    let mut reader = BufReader::new(reader);
    let empty = reader
        .fill_buf()
        .map_err(|e| Error::io(format!("input of stage `{stage}`"), e))?
        .is_empty();
    if empty {
        return Err(Error::Arrow {
            stage: stage.to_string(),
            source: arrow_schema::ArrowError::IpcError(
                "the input stream is empty (did the command before it fail?)".into(),
            ),
        });
    }
    let inner = StreamReader::try_new(reader, None).map_err(|e| Error::arrow(stage, e))?;
    let schema = crate::batch::normalize_schema(&inner.schema());
    Ok(IpcStream {
        stage: stage.to_string(),
        schema,
        inner,
    })
}

/// The batches of a whole IPC stream held in memory, decoded without
/// copying: their buffers point into `bytes`, which they keep alive.
pub fn decode_all(stage: &str, bytes: Vec<u8>) -> Result<Vec<RecordBatch>> {
    let mut buffer = arrow_buffer::Buffer::from_vec(bytes);
    let mut decoder = arrow_ipc::reader::StreamDecoder::new();
    let mut batches = Vec::new();
    while let Some(batch) = decoder
        .decode(&mut buffer)
        .map_err(|e| Error::arrow(stage, e))?
    {
        batches.push(crate::batch::normalize_string_types(stage, batch)?);
    }
    decoder.finish().map_err(|e| Error::arrow(stage, e))?;
    Ok(batches)
}

/// zstd level of [`IpcWriter::compressed`].
const ZSTD_LEVEL: i32 = 1;

/// Writes batches as one IPC stream with `schema`.
pub struct IpcWriter<W: Write> {
    stage: String,
    inner: StreamWriter<W>,
}

impl<W: Write> IpcWriter<W> {
    /// Starts a stream on `writer`.
    pub fn new(stage: &str, writer: W, schema: &Schema) -> Result<Self> {
        let inner = StreamWriter::try_new(writer, schema).map_err(|e| Error::arrow(stage, e))?;
        Ok(IpcWriter {
            stage: stage.to_string(),
            inner,
        })
    }

    /// Starts a stream on `writer` whose buffers are zstd-compressed (the
    /// readers of this module read both kinds). For the files a run writes
    /// for itself: the stage streams between processes stay uncompressed.
    pub fn compressed(stage: &str, writer: W, schema: &Schema) -> Result<Self> {
        let options = IpcWriteOptions::default()
            .try_with_compression(Some(CompressionType::ZSTD))
            .and_then(|o| o.try_with_compression_level(Some(ZSTD_LEVEL)))
            .map_err(|e| Error::arrow(stage, e))?;
        let inner = StreamWriter::try_new_with_options(writer, schema, options)
            .map_err(|e| Error::arrow(stage, e))?;
        Ok(IpcWriter {
            stage: stage.to_string(),
            inner,
        })
    }

    /// Appends one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.inner
            .write(batch)
            .map_err(|e| Error::arrow(&self.stage, e))
    }

    /// Writes the end-of-stream marker and returns the inner writer.
    pub fn finish(mut self) -> Result<W> {
        self.inner
            .finish()
            .map_err(|e| Error::arrow(&self.stage, e))?;
        self.inner
            .into_inner()
            .map_err(|e| Error::arrow(&self.stage, e))
    }
}

/// Serializes batches into an in-memory IPC stream.
pub fn to_bytes(stage: &str, schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let mut writer = IpcWriter::new(stage, Vec::new(), schema)?;
    for b in batches {
        writer.write(b)?;
    }
    writer.finish()
}
