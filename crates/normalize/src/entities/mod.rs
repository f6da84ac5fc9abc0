//! Entity recognition: canonical persons, countries, organizations and
//! places, with alias normalization, typo repair and character offsets.
//!
//! An [`EntityExtractor`] is built once per run from a [`Gazetteer`] (the
//! editable files in `data/gazetteer/`, or [`Gazetteer::builtin`]) and is
//! shared by all threads. For each document it tokenizes the text once and
//! walks a token-trie automaton over it (the word-exact
//! [`newsflow_core::text::TermMatcher`]: Unicode word boundaries, case
//! folding, acronym case rules, possessives, Russian inflection,
//! leftmost-longest; every branch of the trie is followed, so Russian names
//! sharing a stem, `Корейский полуостров` next to `Корейская
//! Народно-Демократическая Республика`, are all found in their inflected
//! forms). Then it resolves what the automaton found:
//!
//! * **Full names and aliases** of the gazetteer (`Sergey Lavrov`, `Sergei
//!   Lavrov`, `Сергея Лаврова`, `DPRK`, `the regional ASEAN security
//!   forum`) resolve directly (rule `gazetteer`). A name written with a
//!   capital initial in the gazetteer needs one in the text (`Date`, not
//!   `date`).
//! * **Surnames** (`Lavrov noted`, `President Putin`, `Mr Yachi`) resolve,
//!   in this order, by the role words before them (`surname_role`: the
//!   person holds that role, for that country when one is named), by the
//!   person's full name elsewhere in the document (`surname_doc`), or
//!   because only one gazetteer person has that surname and it is not
//!   marked as needing support (`surname_unique`). Otherwise they are
//!   dropped.
//! * **Name variants**: given names or initials before a known surname
//!   (`Sergej Viktorovich Lavrov`, `С.В. Лавров`) resolve when the given
//!   name agrees (`name_variant`); when it does not (`Yohei Kono`), the
//!   words name someone else and the surname alone is not resolved in the
//!   document.
//! * **Repair** (`repair_role`, `repaired = true`): capitalized words after
//!   a role (`Russian Foreign Minister Sergei Lvov`) whose last word is
//!   within edit distance 1 (short names) or 2 of the surname of a
//!   gazetteer person holding that role for that country, with the same
//!   first letter, and whose given name agrees (or, with no given name,
//!   who is named elsewhere in the document). The mention keeps its
//!   surface; a place it absorbed (`Lvov` the city) is dropped. Without a
//!   role before it nothing is repaired.
//! * **Persons not in the gazetteer** named with a role or title before
//!   them (`Russian Ambassador to Tokyo Ivan Petrov`, `Mr Ivan Petrov`,
//!   `посол России в Японии Иван Петров`) or a role in apposition after
//!   them (`Ivan Petrov, Russia’s ambassador`) are found as written
//!   (`role_pattern`); later repeats of their full name (`name_repeat`) or
//!   surname (`surname_doc`) resolve to them. Two to four capitalized words;
//!   not tried in title-case headlines.
//! * **Countries** come from names, short forms, adjectives and demonyms
//!   (`Syrian`, `American`, `северокорейский`), metonyms (`Kremlin`) and
//!   from places that imply one (`Jakarta`, `Pyongyang`: rule
//!   `place_country`), unless the place names a document (`Minsk
//!   Agreements`). Regions such as `Korean Peninsula` imply none; an alias
//!   listed under several countries (`the two Korean states`) names all.
//! * **Organizations**: short names (`the Security Council`) resolve only
//!   when the full name is in the document and no country stands next to
//!   them (`org_short_doc`). In the `orgs` list (not in `mentions`), an
//!   organization is dropped when a child of it is listed (`United
//!   Nations` when `United Nations Security Council` is there).
//!
//! Entity lists draw on the title, the lede and the body, in that order,
//! each in order of first mention; [`Entities::mentions`] holds the body's
//! mentions only, with character offsets into the body.
//!
//! Person names are looked for in *name runs*: capitalized words that no
//! gazetteer name covers (function words, role, institution and month
//! words excluded), possibly ending in a known surname. What stands right
//! before a run in the same sentence is its *role context*: role phrases
//! from `roles.tsv` (`Foreign Minister`, `посол`), titles (`Mr`, `General`),
//! countries, places and organizations (`Russian`, `of Japan`, `to Tokyo`),
//! joined by connectors (`of`, `the`, `’s`, `в`).
//!
//! ```
//! use newsflow_normalize::entities::{DocText, EntityExtractor, Gazetteer};
//!
//! let extractor = EntityExtractor::new(Gazetteer::builtin().unwrap());
//! let body = "Russian Foreign Minister Sergei Lvov met Japan’s Taro Kono. Lavrov said...";
//! let found = extractor.extract(&DocText { title: None, lede: None, body });
//! assert_eq!(found.persons, ["Sergey Lavrov", "Taro Kono"]);
//! assert_eq!(found.countries, ["RU", "JP"]);
//! assert!(found.repaired);
//! let lvov = &found.mentions[1];
//! assert_eq!((lvov.surface.as_str(), lvov.start, lvov.end), ("Sergei Lvov", 25, 36));
//! assert_eq!(extractor.canonical_person("Сергея Лаврова"), Some("Sergey Lavrov"));
//! ```

mod gazetteer;
mod lexicon;
mod resolve;
#[cfg(test)]
mod tests;
mod words;

pub use gazetteer::Gazetteer;

use lexicon::Lexicon;
use resolve::{Doc, Entity, Found};
use words::Words;

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
    /// Rule that found the mention: `gazetteer`, `name_variant`,
    /// `surname_role`, `surname_doc`, `surname_unique`, `repair_role`,
    /// `role_pattern`, `name_repeat`, `place_country` or `org_short_doc`
    /// (see the module documentation).
    pub rule: &'static str,
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

/// Finds entities in documents; built once per run, shared by threads.
#[derive(Debug)]
pub struct EntityExtractor {
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    words: Words,
}

impl EntityExtractor {
    /// Builds the matcher from a gazetteer.
    pub fn new(gazetteer: Gazetteer) -> Self {
        let lexicon = Lexicon::build(&gazetteer);
        tracing::debug!(
            persons = gazetteer.persons.len(),
            countries = gazetteer.countries.len(),
            orgs = gazetteer.orgs.len(),
            places = gazetteer.places.len(),
            patterns = lexicon.patterns(),
            "entity gazetteer compiled"
        );
        EntityExtractor {
            gazetteer,
            lexicon,
            words: Words::default(),
        }
    }

    fn analyze(&self, text: &str) -> Vec<Found> {
        Doc::analyze(&self.lexicon, &self.gazetteer, &self.words, text)
    }

    fn describe(&self, entity: &Entity) -> (EntityKind, String) {
        let g = &self.gazetteer;
        match entity {
            Entity::Person(p) => (EntityKind::Person, g.persons[*p].canonical.clone()),
            Entity::NewPerson(name) => (EntityKind::Person, name.clone()),
            Entity::Country(c) => (EntityKind::Country, g.countries[*c].code.clone()),
            Entity::Place(p) => (EntityKind::Place, g.places[*p].canonical.clone()),
            Entity::Org(o) => (EntityKind::Org, g.orgs[*o].canonical.clone()),
        }
    }

    /// Finds the entities of one document.
    pub fn extract(&self, doc: &DocText<'_>) -> Entities {
        let mut text = text_before_body(doc.title, doc.lede, doc.body.len());
        let body_byte = text.len();
        text.push_str(doc.body);
        self.extract_joined(&text, body_byte)
    }

    /// [`EntityExtractor::extract`] of a document whose title and lede
    /// [`text_before_body`] put before its body in `text`, at `body_byte`.
    pub(crate) fn extract_joined(&self, text: &str, body_byte: usize) -> Entities {
        let body_char = text[..body_byte].chars().count();
        let mut out = Entities::default();
        let mut orgs: Vec<usize> = Vec::new();
        let found = self.analyze(text);
        out.mentions.reserve(found.len());
        for f in found {
            let (kind, canonical) = self.describe(&f.entity);
            let list = match kind {
                EntityKind::Person => &mut out.persons,
                EntityKind::Country => &mut out.countries,
                EntityKind::Org => &mut out.orgs,
                EntityKind::Place => &mut out.places,
            };
            if !list.contains(&canonical) {
                list.push(canonical.clone());
                if let Entity::Org(o) = f.entity {
                    orgs.push(o);
                }
            }
            out.repaired |= f.repaired;
            if f.start_byte as usize >= body_byte {
                out.mentions.push(Mention {
                    kind,
                    canonical,
                    surface: text[f.start_byte as usize..f.end_byte as usize].to_string(),
                    start: offset(f.start_char as usize - body_char),
                    end: offset(f.end_char as usize - body_char),
                    repaired: f.repaired,
                    rule: f.rule,
                });
            }
        }
        let parents: Vec<usize> = orgs
            .iter()
            .filter_map(|&o| self.gazetteer.orgs[o].parent)
            .collect();
        out.orgs = orgs
            .iter()
            .filter(|o| !parents.contains(o))
            .map(|&o| self.gazetteer.orgs[o].canonical.clone())
            .collect();
        out
    }

    /// Canonical name of a person written as `name` (full name, variant
    /// spelling or surname), if the gazetteer knows them.
    pub fn canonical_person(&self, name: &str) -> Option<&str> {
        let mut found: Vec<usize> = Vec::new();
        for f in self.analyze(name) {
            if let Entity::Person(p) = f.entity
                && !found.contains(&p)
            {
                found.push(p);
            }
        }
        match found[..] {
            [p] => Some(self.gazetteer.persons[p].canonical.as_str()),
            _ => None,
        }
    }
}

/// Character offsets are `u32` in the output schema; bodies are far below
/// 4 GiB, and larger offsets saturate.
/// The title and lede as the extractor reads them before the body, each
/// followed by a blank line (blank ones left out), in a string with room
/// for `body_len` more bytes: the whole document is searched at once, so
/// that a name in the title supports its short form in the body.
pub(crate) fn text_before_body(title: Option<&str>, lede: Option<&str>, body_len: usize) -> String {
    let parts = [title, lede]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty());
    let mut text =
        String::with_capacity(parts.clone().map(|p| p.len() + 2).sum::<usize>() + body_len);
    for part in parts {
        text.push_str(part);
        text.push_str("\n\n");
    }
    text
}

fn offset(chars: usize) -> u32 {
    u32::try_from(chars).unwrap_or(u32::MAX)
}
