//! Arrow IPC stream reading and writing, the wire format between stage
//! subcommands and external stage programs.

use std::io::{Read, Write};

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;

use crate::error::{Error, Result};

/// Reads every batch of an IPC stream, in order, rewriting `LargeUtf8` and
/// `Utf8View` columns to `Utf8`. An empty input (no bytes at all) yields no
/// batches, so a stage fed by a producer that wrote nothing fails clearly
/// later instead of here.
pub fn read_stream<R: Read>(
    stage: &str,
    reader: R,
) -> Result<impl Iterator<Item = Result<RecordBatch>>> {
    let reader = StreamReader::try_new(reader, None).map_err(|e| Error::arrow(stage, e))?;
    let stage = stage.to_string();
    Ok(reader.map(move |batch| {
        batch
            .map_err(|e| Error::arrow(&stage, e))
            .and_then(|b| crate::batch::normalize_string_types(&stage, b))
    }))
}

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
