//! Errors of the normalize stage: building it from its configuration and
//! reference data. Errors while processing batches are
//! [`newsflow_core::Error`]s, like every stage's.

use std::path::PathBuf;

use crate::entities::EntityError;

/// What is wrong with one entry of a reference-data file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataProblem {
    /// A name, alias or pattern is empty or has no word characters.
    #[error("empty value")]
    Empty,
    /// Two entries use the same name.
    #[error("`{0}` is listed twice")]
    Duplicate(String),
    /// One alias is claimed by two entries.
    #[error("alias `{alias}` already belongs to `{owner}`")]
    AliasTaken {
        /// The alias.
        alias: String,
        /// The entry that listed it first.
        owner: String,
    },
    /// A rule removes neighbouring lines beyond the allowed range.
    #[error("`{field}` is {value}, at most {max} neighbouring lines may be removed")]
    TooManyNeighbours {
        /// `before` or `after`.
        field: &'static str,
        /// The value given.
        value: usize,
        /// The largest value accepted.
        max: usize,
    },
}

/// A configuration value that is out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigProblem {
    /// A share or threshold outside `0..=1`.
    #[error("must be between 0 and 1, got {0}")]
    NotAFraction(f64),
    /// A count that must be positive is 0.
    #[error("must be at least 1")]
    Zero,
    /// The MinHash signature length is not a multiple of the LSH band count.
    #[error("{permutations} MinHash permutations cannot be split into {bands} equal bands")]
    BandsDoNotDivide {
        /// Signature length.
        permutations: usize,
        /// Band count.
        bands: usize,
    },
    /// A language code the detector does not know.
    #[error("unknown language code `{0}` (use ISO 639-1, e.g. `en`, `ru`)")]
    UnknownLanguage(String),
}

/// An error building the normalize stage.
#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    /// A reference-data file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A reference-data file is not valid TOML or has the wrong shape.
    #[error("{}:{line}: {source}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem (0 when the parser gave no position).
        line: usize,
        /// The parser's error.
        #[source]
        source: toml::de::Error,
    },
    /// A noise pattern does not compile.
    #[error("{}:{line}: noise rule `{rule}`: bad pattern: {source}", path.display())]
    Pattern {
        /// The file.
        path: PathBuf,
        /// 1-based line of the pattern.
        line: usize,
        /// The rule's name.
        rule: String,
        /// The regex error.
        #[source]
        source: Box<regex::Error>,
    },
    /// An entry of a reference-data file is invalid.
    #[error("{}:{line}: {problem}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// 1-based line of the entry.
        line: usize,
        /// What is wrong.
        problem: DataProblem,
    },
    /// A configuration value is out of range.
    #[error("normalize config: `{field}` {problem}")]
    Config {
        /// The field of [`crate::NormalizeConfig`].
        field: &'static str,
        /// What is wrong.
        problem: ConfigProblem,
    },
    /// The gazetteer of the entity extractor could not be loaded.
    #[error(transparent)]
    Entities(#[from] EntityError),
}
