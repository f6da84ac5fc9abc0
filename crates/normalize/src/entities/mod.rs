//! Entity recognition: canonical persons, countries, organizations and
//! places with alias repair. (Being built: see the entities issue.)

use std::path::Path;

/// Kind of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    /// A person.
    Person,
    /// A country (canonical form: ISO 3166-1 alpha-2).
    Country,
    /// An organization.
    Org,
    /// A place or region.
    Place,
}

impl EntityKind {
    /// The `kind` value written to `mentions.parquet`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Country => "country",
            EntityKind::Org => "org",
            EntityKind::Place => "place",
        }
    }
}

/// One mention of an entity in the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Kind of entity.
    pub kind: EntityKind,
    /// Canonical name (ISO code for countries).
    pub canonical: String,
    /// The text as written.
    pub surface: String,
    /// Start character offset into the body.
    pub start: u32,
    /// End character offset (exclusive).
    pub end: u32,
    /// The surface is a damaged form that was repaired.
    pub repaired: bool,
    /// Rule that found the mention.
    pub rule: String,
}

/// The parts of a document entities are looked for in.
#[derive(Debug, Clone, Copy)]
pub struct DocText<'a> {
    /// Headline.
    pub title: Option<&'a str>,
    /// Standfirst.
    pub lede: Option<&'a str>,
    /// Cleaned body; mention offsets point into it.
    pub body: &'a str,
}

/// Entities of one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    /// Canonical person names, in order of first mention.
    pub persons: Vec<String>,
    /// ISO 3166-1 alpha-2 codes, in order of first mention.
    pub countries: Vec<String>,
    /// Canonical organization names, in order of first mention.
    pub orgs: Vec<String>,
    /// Canonical place names, in order of first mention.
    pub places: Vec<String>,
    /// Mentions in the body.
    pub mentions: Vec<Mention>,
    /// At least one mention was repaired.
    pub repaired: bool,
}

/// Error loading the gazetteer.
#[derive(Debug, thiserror::Error)]
pub enum EntityError {
    /// A gazetteer file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A gazetteer line is invalid.
    #[error("{path}:{line}: {problem}")]
    Invalid {
        /// File.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// Reference data for entity recognition.
#[derive(Debug, Default)]
pub struct Gazetteer {}

impl Gazetteer {
    /// Loads the gazetteer files in `dir`.
    pub fn load(_dir: &Path) -> Result<Gazetteer, EntityError> {
        Ok(Gazetteer {})
    }
}

/// Finds entities in documents; built once per run, shared by threads.
#[derive(Debug)]
pub struct EntityExtractor {
    _gazetteer: Gazetteer,
}

impl EntityExtractor {
    /// Builds the matcher from a gazetteer.
    pub fn new(gazetteer: Gazetteer) -> Self {
        EntityExtractor {
            _gazetteer: gazetteer,
        }
    }

    /// Finds the entities of one document.
    pub fn extract(&self, _doc: &DocText<'_>) -> Entities {
        Entities::default()
    }

    /// Canonical name of a person written as `name` (full name, variant
    /// spelling or surname), if the gazetteer knows them.
    pub fn canonical_person(&self, _name: &str) -> Option<&str> {
        None
    }
}
