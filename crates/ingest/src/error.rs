//! Errors that stop an ingest run.
//!
//! Problems with one input never end up here: they become reject rows (see
//! [`RejectReason`](crate::RejectReason)). An [`IngestError`] means the run as
//! a whole cannot go on: the configuration is invalid, a root given on the
//! command line does not exist, or Arrow refused to build a batch.

use std::path::PathBuf;

use arrow_schema::ArrowError;

/// The stage name used when an [`IngestError`] becomes a
/// [`newsflow_core::Error`].
pub const STAGE: &str = "ingest";

/// An error that stops an ingest run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// An `include` or `exclude` pattern is not a valid glob.
    #[error("invalid {setting} glob `{pattern}`: {source}")]
    Glob {
        /// `include` or `exclude`.
        setting: &'static str,
        /// The pattern as written in the config.
        pattern: String,
        /// Why globset refused it.
        #[source]
        source: globset::Error,
    },
    /// An `include` or `exclude` pattern is the empty string.
    #[error("empty {setting} glob: a pattern must match something")]
    EmptyGlob {
        /// `include` or `exclude`.
        setting: &'static str,
    },
    /// `batch_size` is 0.
    #[error("batch_size must be at least 1")]
    ZeroBatchSize,
    /// `csv_text_column` or `csv_id_column` is empty.
    #[error("{setting} must name a CSV column, not be empty")]
    EmptyColumnName {
        /// The setting's name.
        setting: &'static str,
    },
    /// A root passed to [`Ingest::plan`](crate::Ingest::plan) does not exist
    /// or cannot be examined at all.
    #[error("input root `{}`: {source}", path.display())]
    Root {
        /// The root as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Arrow refused to build a record batch (a bug: the builders follow the
    /// schema).
    #[error("building an ingest batch: {source}")]
    Arrow {
        /// The Arrow error.
        #[from]
        source: ArrowError,
    },
}

impl From<IngestError> for newsflow_core::Error {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Root { path, source } => {
                newsflow_core::Error::io(path.to_string_lossy(), source)
            }
            IngestError::Arrow { source } => newsflow_core::Error::arrow(STAGE, source),
            other => newsflow_core::Error::Config {
                path: "ingest config".to_string(),
                line: 0,
                problem: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_into_core_errors() {
        let io = IngestError::Root {
            path: PathBuf::from("missing/dir"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert!(matches!(
            newsflow_core::Error::from(io),
            newsflow_core::Error::Io { ref path, .. } if path == "missing/dir"
        ));
        let cfg = newsflow_core::Error::from(IngestError::ZeroBatchSize);
        assert_eq!(
            cfg.to_string(),
            "ingest config:0: batch_size must be at least 1"
        );
        let arrow =
            newsflow_core::Error::from(IngestError::from(ArrowError::ComputeError("x".into())));
        assert!(matches!(arrow, newsflow_core::Error::Arrow { ref stage, .. } if stage == STAGE));
    }
}
