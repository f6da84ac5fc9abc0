//! Typed errors of the tag crate. Every error about a file names the file
//! and, where one exists, the 1-based line of the bad entry.

use std::path::Path;

/// Result alias of this crate.
pub type Result<T, E = TagError> = std::result::Result<T, E>;

/// An error raised while loading a taxonomy, a model, labels or gold data,
/// while training, or while running a tagger stage.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    /// The taxonomy file is not valid TOML or does not have the taxonomy's
    /// shape (an unknown key, a string where a number belongs, ...).
    #[error("{path}:{line}:{column}: {message}")]
    TaxonomySyntax {
        /// Taxonomy file (`<built-in>` for the embedded one).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The TOML parser's description.
        message: String,
    },
    /// The taxonomy parses but an entry is invalid.
    #[error("{path}:{line}: {problem}")]
    Taxonomy {
        /// Taxonomy file (`<built-in>` for the embedded one).
        path: String,
        /// 1-based line of the bad entry.
        line: usize,
        /// What is wrong.
        problem: TaxonomyProblem,
    },
    /// A setting of a tagger's configuration is out of range.
    #[error("setting `{setting}` = {value} is invalid: expected {expected}")]
    Setting {
        /// Name of the setting.
        setting: &'static str,
        /// Value given.
        value: f64,
        /// What is allowed.
        expected: &'static str,
    },
    /// A line of a labels file (JSONL) is invalid.
    #[error("{path}:{line}: {problem}")]
    Labels {
        /// Labels file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: LineProblem,
    },
    /// A line of a gold file (JSONL) is invalid.
    #[error("{path}:{line}: {problem}")]
    Gold {
        /// Gold file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: LineProblem,
    },
    /// A model file cannot be read as a linear model.
    #[error("{path}: not a usable newsflow linear model: {problem}")]
    Model {
        /// Model file.
        path: String,
        /// What is wrong.
        problem: ModelProblem,
    },
    /// Training cannot start.
    #[error("cannot train: {0}")]
    Train(TrainProblem),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// File involved.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A stage-level error from the core crate (missing column, Arrow).
    #[error(transparent)]
    Core(#[from] newsflow_core::Error),
}

impl TagError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        TagError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// What is wrong with a taxonomy entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaxonomyProblem {
    /// The `version` key names a format this build does not read.
    #[error("unsupported taxonomy version {version} (this build reads version 1)")]
    UnsupportedVersion {
        /// Version found.
        version: i64,
    },
    /// The file defines no topic.
    #[error("the taxonomy defines no [[topic]]")]
    NoTopics,
    /// A topic id is not one of the known topic ids.
    #[error("unknown topic id `{id}` (known ids: {known})")]
    UnknownTopic {
        /// The id as written.
        id: String,
        /// The known ids, comma-separated.
        known: String,
    },
    /// A topic id appears twice.
    #[error("topic `{id}` is defined twice")]
    DuplicateTopic {
        /// The id.
        id: String,
    },
    /// A topic lists no terms.
    #[error("topic `{id}` has no terms")]
    NoTerms {
        /// The id.
        id: String,
    },
    /// A term or exclusion has no word characters.
    #[error("term `{term}` has no word characters")]
    EmptyTerm {
        /// The term as written.
        term: String,
    },
    /// The same term (ignoring case and punctuation) is listed twice in
    /// one topic.
    #[error("term `{term}` is listed twice in topic `{topic}`")]
    DuplicateTerm {
        /// The term as written the second time.
        term: String,
        /// The topic id.
        topic: String,
    },
    /// A weight or location factor is not a finite number in range.
    #[error("`{key}` = {value} is out of range: expected a number above 0 and at most 100")]
    BadNumber {
        /// Key holding the number (`weight`, `title`, `lede`, `body`).
        key: &'static str,
        /// Value found.
        value: f64,
    },
    /// A spelling variant pair is not two non-empty, different, Latin
    /// fragments.
    #[error("spelling variant {pair:?} must be two different non-empty fragments")]
    BadVariant {
        /// The pair as written.
        pair: Vec<String>,
    },
}

/// What is wrong with one line of a JSONL file.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// The line is not valid JSON of the expected shape.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// A labelled line has neither `text` nor any of `title`, `lede`, `body`.
    #[error("no `text` field and no `title`, `lede` or `body` field")]
    NoText,
    /// A topic label is empty.
    #[error("empty topic label")]
    EmptyTopic,
}

/// What is wrong with a model file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelProblem {
    /// The file does not start with the model magic bytes.
    #[error("wrong magic bytes")]
    BadMagic,
    /// The file is a model of a format version this build does not read.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u32),
    /// The file ends early.
    #[error("file is truncated")]
    Truncated,
    /// The checksum does not match the content.
    #[error("checksum mismatch (the file is damaged)")]
    Checksum,
    /// A stored value is impossible (a feature index outside the table, a
    /// zero-sized table, a topic name that is not UTF-8).
    #[error("corrupt {what}")]
    Corrupt {
        /// Which part is corrupt.
        what: &'static str,
    },
}

/// Why training cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainProblem {
    /// No labelled documents were given.
    #[error("no labelled documents")]
    NoExamples,
    /// The documents carry no topic label at all.
    #[error("no document has a topic label")]
    NoTopics,
    /// An option is out of range.
    #[error("option `{option}` = {value} is invalid: expected {expected}")]
    BadOption {
        /// Option name.
        option: &'static str,
        /// Value given.
        value: f64,
        /// What is allowed.
        expected: &'static str,
    },
}
