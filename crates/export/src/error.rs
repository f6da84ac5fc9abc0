//! The export's error type.
//!
//! Every variant about a file carries its path (the temporary name while the
//! file is being written, the final name for a rename); every variant about
//! the input names the column, and about one row the document id.

use std::path::PathBuf;

use arrow_schema::ArrowError;
use parquet::errors::ParquetError;

/// Result alias of this crate.
pub type Result<T, E = ExportError> = std::result::Result<T, E>;

/// An error raised while exporting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A configuration value is out of range.
    #[error("export config: `{option}` = {value} is invalid: expected {expected}")]
    InvalidConfig {
        /// Name of the [`ExportConfig`](crate::ExportConfig) field.
        option: &'static str,
        /// The value given.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// Creating, writing, syncing, renaming or removing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// File or directory involved.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("{}: writing Parquet: {source}", path.display())]
    Parquet {
        /// File being written.
        path: PathBuf,
        /// The Parquet error.
        #[source]
        source: ParquetError,
    },
    /// The CSV writer failed.
    #[error("{}: writing CSV: {source}", path.display())]
    Csv {
        /// File being written.
        path: PathBuf,
        /// The CSV error.
        #[source]
        source: csv::Error,
    },
    /// Serializing `manifest.json` failed.
    #[error("{}: writing the manifest: {source}", path.display())]
    Manifest {
        /// File being written.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// Arrow failed while rearranging a batch for one output file.
    #[error("{}: building a batch: {source}", path.display())]
    Arrow {
        /// Output file the batch was meant for.
        path: PathBuf,
        /// The Arrow error.
        #[source]
        source: ArrowError,
    },
    /// The input batch lacks a column the export needs.
    #[error("export input: missing column `{column}`")]
    MissingColumn {
        /// Column name.
        column: String,
    },
    /// An input column has the wrong Arrow type.
    #[error("export input: column `{column}` has type {found}, expected {expected}")]
    ColumnType {
        /// Column name.
        column: String,
        /// Type the contract expects.
        expected: String,
        /// Type found.
        found: String,
    },
    /// A row holds a null where its output file requires a value.
    #[error("document `{doc_id}`: column `{column}` is null, but {file} requires a value")]
    NullValue {
        /// Output file the row was meant for (`documents.parquet`, ...).
        file: &'static str,
        /// Document id of the row (its source path, or `row N` of the batch,
        /// when the id itself is null).
        doc_id: String,
        /// Column that holds the null (`mentions[]` for a null list item).
        column: String,
    },
}

impl ExportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ExportError::Io {
            path: path.into(),
            source,
        }
    }
}
