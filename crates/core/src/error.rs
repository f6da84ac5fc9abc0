//! Errors shared by every stage. Each variant names the stage it came from;
//! errors about one document also carry its id.

use arrow_schema::ArrowError;

/// Result alias used across newsflow's library crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error raised while running a stage or checking its output.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Arrow itself failed (building, casting, IPC reading or writing).
    #[error("stage `{stage}`: {source}")]
    Arrow {
        /// Stage that was running.
        stage: String,
        /// The Arrow error.
        #[source]
        source: ArrowError,
    },
    /// A column the stage needs (or promised) is absent.
    #[error("stage `{stage}`: missing column `{column}`")]
    MissingColumn {
        /// Stage that was running or whose output was checked.
        stage: String,
        /// Column name.
        column: String,
    },
    /// A column has the wrong Arrow type.
    #[error("stage `{stage}`: column `{column}` has type {found}, expected {expected}")]
    ColumnType {
        /// Stage whose input or output was checked.
        stage: String,
        /// Column name.
        column: String,
        /// Type the contract expects.
        expected: String,
        /// Type found.
        found: String,
    },
    /// A stage returned a different number of rows than it was given.
    #[error("stage `{stage}`: returned {found} rows for a batch of {expected}")]
    RowCount {
        /// Stage whose output was checked.
        stage: String,
        /// Rows in.
        expected: usize,
        /// Rows out.
        found: usize,
    },
    /// A row violates the contract (for example a null in a non-null column).
    #[error("stage `{stage}`, document `{doc_id}`: {problem}")]
    Document {
        /// Stage that produced the row.
        stage: String,
        /// Document id.
        doc_id: String,
        /// What is wrong.
        problem: String,
    },
    /// A configuration or reference-data file is invalid.
    #[error("{path}:{line}: {problem}")]
    Config {
        /// File that holds the bad entry.
        path: String,
        /// 1-based line number (0 when unknown).
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// File involved.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An external stage program failed.
    #[error("stage `{stage}`: external program {problem}")]
    External {
        /// Stage name from the config.
        stage: String,
        /// What happened (exit status, timeout, stderr excerpt).
        problem: String,
    },
}

impl Error {
    /// Wraps an Arrow error for `stage`.
    pub fn arrow(stage: impl Into<String>, source: ArrowError) -> Self {
        Error::Arrow {
            stage: stage.into(),
            source,
        }
    }

    /// Wraps an I/O error for `path`.
    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<Error> for ArrowError {
    fn from(e: Error) -> Self {
        match e {
            Error::Arrow { source, .. } => source,
            other => ArrowError::ExternalError(Box::new(other)),
        }
    }
}
