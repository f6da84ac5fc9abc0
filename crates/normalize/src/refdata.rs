//! Reference data of the stage: the editable TOML files under `data/`
//! (`noise.toml`, `sources.toml`, `places.toml`, `metadata.toml`), read from
//! a directory or from the copies built into the binary, and validated.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use newsflow_core::text::{TermMatcher, TermMatcherBuilder, fold, tokenize};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::error::{DataProblem, NormalizeError};

/// Largest `before`/`after` a noise rule may ask for.
const MAX_NEIGHBOURS: usize = 3;

/// Size limit of one compiled noise pattern (the regex crate's default is
/// 10 MiB; patterns are small, this only guards against runaway ones).
const PATTERN_SIZE_LIMIT: usize = 1 << 22;
/// Lazy-DFA cache of each noise rule, per thread (grown only as needed).
const NOISE_DFA_CACHE: usize = 4 << 20;

/// One reference-data file: where it came from and its text.
pub(crate) struct DataFile {
    /// Path shown in errors (`data/noise.toml (built-in)` for embedded ones).
    pub path: PathBuf,
    /// The file's text.
    pub text: Cow<'static, str>,
}

impl DataFile {
    /// Reads `name` from `dir`, or takes the built-in copy when `dir` is
    /// `None`.
    pub fn load(
        dir: Option<&Path>,
        name: &str,
        embedded: &'static str,
    ) -> Result<Self, NormalizeError> {
        match dir {
            Some(dir) => {
                let path = dir.join(name);
                let text = std::fs::read_to_string(&path).map_err(|source| NormalizeError::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok(DataFile {
                    path,
                    text: Cow::Owned(text),
                })
            }
            None => Ok(DataFile {
                path: PathBuf::from(format!("data/{name} (built-in)")),
                text: Cow::Borrowed(embedded),
            }),
        }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        memchr::memchr_iter(b'\n', &self.text.as_bytes()[..end]).count() + 1
    }

    fn parse<T: for<'de> Deserialize<'de>>(&self) -> Result<T, NormalizeError> {
        toml::from_str(&self.text).map_err(|source| NormalizeError::Toml {
            path: self.path.clone(),
            line: source.span().map_or(0, |s| self.line_of(s.start)),
            source,
        })
    }

    fn problem<T>(&self, spanned: &Spanned<T>, problem: DataProblem) -> NormalizeError {
        NormalizeError::Data {
            path: self.path.clone(),
            line: self.line_of(spanned.span().start),
            problem,
        }
    }
}

/// The built-in copies of the repository's `data/` files.
pub(crate) mod embedded {
    /// `data/noise.toml`.
    pub const NOISE: &str = include_str!("../../../data/noise.toml");
    /// `data/sources.toml`.
    pub const SOURCES: &str = include_str!("../../../data/sources.toml");
    /// `data/places.toml`.
    pub const PLACES: &str = include_str!("../../../data/places.toml");
    /// `data/metadata.toml`.
    pub const METADATA: &str = include_str!("../../../data/metadata.toml");
}

/// Folded lookup key of a phrase: its word tokens folded and joined by one
/// space, so case, punctuation, hyphens and `ё` do not matter.
pub(crate) fn phrase_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let tokens = tokenize(text);
    for token in tokens.iter() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(tokens.key_of(token));
    }
    key
}

// ---------------------------------------------------------------- noise --

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseFile {
    #[serde(default)]
    rule: Vec<NoiseEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseEntry {
    name: Spanned<String>,
    pattern: Spanned<String>,
    #[serde(default = "no_neighbours")]
    before: Spanned<usize>,
    #[serde(default = "no_neighbours")]
    after: Spanned<usize>,
    #[serde(default)]
    case_sensitive: bool,
}

fn no_neighbours() -> Spanned<usize> {
    Spanned::new(0..0, 0)
}

/// One compiled line rule.
#[derive(Debug)]
pub(crate) struct NoiseRule {
    /// Name reported in `noise_rules`.
    pub name: String,
    /// Neighbouring non-blank lines removed before the match.
    pub before: usize,
    /// Neighbouring non-blank lines removed after the match.
    pub after: usize,
}

/// The pattern rules of `noise.toml`, compiled.
#[derive(Debug)]
pub(crate) struct NoiseRules {
    rules: Vec<(Regex, NoiseRule)>,
}

/// Lines longer than this (in characters) are never matched against the
/// noise patterns: site chrome is short, and skipping article paragraphs
/// keeps the pattern work small.
pub(crate) const MAX_NOISE_LINE_CHARS: usize = 300;

impl NoiseRules {
    /// Loads and compiles `noise.toml`.
    pub fn load(file: &DataFile) -> Result<Self, NormalizeError> {
        let parsed: NoiseFile = file.parse()?;
        let mut rules = Vec::with_capacity(parsed.rule.len());
        for entry in parsed.rule {
            if entry.name.get_ref().trim().is_empty() {
                return Err(file.problem(&entry.name, DataProblem::Empty));
            }
            if entry.pattern.get_ref().trim().is_empty() {
                return Err(file.problem(&entry.pattern, DataProblem::Empty));
            }
            for (field, value) in [("before", &entry.before), ("after", &entry.after)] {
                if *value.get_ref() > MAX_NEIGHBOURS {
                    return Err(file.problem(
                        value,
                        DataProblem::TooManyNeighbours {
                            field,
                            value: *value.get_ref(),
                            max: MAX_NEIGHBOURS,
                        },
                    ));
                }
            }
            let regex = RegexBuilder::new(&format!("^(?:{})$", entry.pattern.get_ref()))
                .case_insensitive(!entry.case_sensitive)
                .size_limit(PATTERN_SIZE_LIMIT)
                // Patterns with large Unicode classes under bounded repeats
                // (`[\p{L}\p{M} .,'’-]{1,60}`) overflow the default 2 MiB
                // lazy-DFA cache on some lines, and the regex crate then
                // falls back to a much slower backtracking search.
                .dfa_size_limit(NOISE_DFA_CACHE)
                .build()
                .map_err(|source| NormalizeError::Pattern {
                    path: file.path.clone(),
                    line: file.line_of(entry.pattern.span().start),
                    rule: entry.name.get_ref().clone(),
                    source: Box::new(source),
                })?;
            rules.push((
                regex,
                NoiseRule {
                    name: entry.name.into_inner().trim().to_string(),
                    before: entry.before.into_inner(),
                    after: entry.after.into_inner(),
                },
            ));
        }
        Ok(NoiseRules { rules })
    }

    /// The first rule (in file order) whose pattern matches the whole line.
    pub fn first_match(&self, line: &str) -> Option<&NoiseRule> {
        if line.len() > MAX_NOISE_LINE_CHARS && line.chars().count() > MAX_NOISE_LINE_CHARS {
            return None;
        }
        self.rules
            .iter()
            .find(|(regex, _)| regex.is_match(line))
            .map(|(_, rule)| rule)
    }

    /// Number of rules.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rules.len()
    }
}

// -------------------------------------------------------------- outlets --

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    #[serde(default)]
    outlet: Vec<OutletEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutletEntry {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
}

/// Known news outlets and their spellings.
#[derive(Debug)]
pub(crate) struct Outlets {
    names: Vec<String>,
    by_key: HashMap<String, usize>,
    matcher: TermMatcher,
}

impl Outlets {
    /// Loads `sources.toml`.
    pub fn load(file: &DataFile) -> Result<Self, NormalizeError> {
        let parsed: SourcesFile = file.parse()?;
        let mut names = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut builder = TermMatcher::builder();
        for (id, entry) in parsed.outlet.into_iter().enumerate() {
            let name = entry.name.get_ref().trim().to_string();
            if names.contains(&name) {
                return Err(file.problem(&entry.name, DataProblem::Duplicate(name)));
            }
            names.push(name.clone());
            let all = std::iter::once(&entry.name).chain(entry.aliases.iter());
            for alias in all {
                let key = phrase_key(alias.get_ref());
                if key.is_empty() {
                    return Err(file.problem(alias, DataProblem::Empty));
                }
                match by_key.get(&key) {
                    Some(&owner) if owner != id => {
                        return Err(file.problem(
                            alias,
                            DataProblem::AliasTaken {
                                alias: alias.get_ref().clone(),
                                owner: names[owner].clone(),
                            },
                        ));
                    }
                    _ => {
                        by_key.insert(key, id);
                    }
                }
                add_term(&mut builder, file, alias, id)?;
            }
        }
        Ok(Outlets {
            names,
            by_key,
            matcher: builder.build(),
        })
    }

    /// Canonical outlet of a whole phrase (`Itar-Tass` -> `TASS`).
    pub fn canonical(&self, phrase: &str) -> Option<&str> {
        self.by_key
            .get(&phrase_key(phrase))
            .map(|&id| self.names[id].as_str())
    }

    /// Outlet mentions inside a phrase: (outlet name, byte range).
    pub fn find<'s>(&'s self, text: &str) -> Vec<(&'s str, std::ops::Range<usize>)> {
        self.matcher
            .find(&tokenize(text))
            .into_iter()
            .map(|m| (self.names[m.ids[0]].as_str(), m.start_byte..m.end_byte))
            .collect()
    }
}

fn add_term(
    builder: &mut TermMatcherBuilder,
    file: &DataFile,
    term: &Spanned<String>,
    id: usize,
) -> Result<(), NormalizeError> {
    builder
        .add(term.get_ref(), id)
        .map_err(|_| file.problem(term, DataProblem::Empty))
}

// --------------------------------------------------------------- places --

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacesFile {
    #[serde(default)]
    cities: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

/// Known dateline places: canonical English names and their spellings.
#[derive(Debug)]
pub(crate) struct Places {
    names: Vec<String>,
    by_key: HashMap<String, usize>,
}

impl Places {
    /// Loads `places.toml`.
    pub fn load(file: &DataFile) -> Result<Self, NormalizeError> {
        let parsed: PlacesFile = file.parse()?;
        let mut names: Vec<String> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (name, aliases) in &parsed.cities {
            let id = names.len();
            names.push(name.get_ref().trim().to_string());
            for alias in std::iter::once(name).chain(aliases.iter()) {
                let key = phrase_key(alias.get_ref());
                if key.is_empty() {
                    return Err(file.problem(alias, DataProblem::Empty));
                }
                if let Some(&owner) = by_key.get(&key)
                    && owner != id
                {
                    return Err(file.problem(
                        alias,
                        DataProblem::AliasTaken {
                            alias: alias.get_ref().clone(),
                            owner: names[owner].clone(),
                        },
                    ));
                }
                by_key.insert(key, id);
            }
        }
        Ok(Places { names, by_key })
    }

    /// Canonical name of a listed place.
    pub fn canonical(&self, place: &str) -> Option<&str> {
        self.by_key
            .get(&phrase_key(place))
            .map(|&id| self.names[id].as_str())
    }
}

// ------------------------------------------------------------- metadata --

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataFile {
    byline: BylineSection,
    speaker: SpeakerSection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BylineSection {
    prefixes: Vec<Spanned<String>>,
    author_labels: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeakerSection {
    roles: Vec<Spanned<String>>,
    countries: Vec<Spanned<String>>,
    not_speakers: Vec<Spanned<String>>,
    not_person_words: Vec<Spanned<String>>,
    title_kinds: Vec<Spanned<String>>,
}

/// Ids in [`Vocabulary::roles`].
pub(crate) mod role_kind {
    /// A role or title word (`Foreign Minister`, `Министр`).
    pub const ROLE: usize = 0;
    /// A country name or adjective (`Russian`, `of Japan`).
    pub const COUNTRY: usize = 1;
}

/// Word lists of `metadata.toml`, compiled into matchers.
#[derive(Debug)]
pub(crate) struct Vocabulary {
    /// Byline prefixes (`Corr.`, `Корр.`).
    pub byline_prefixes: TermMatcher,
    /// Author line labels (`By`, `Автор`), as folded phrase keys.
    pub author_labels: HashSet<String>,
    /// Roles and country words; ids from [`role_kind`].
    pub roles: TermMatcher,
    /// Labels that are not speakers, as folded phrase keys.
    pub not_speakers: HashSet<String>,
    /// Organization words, as folded single-word keys.
    pub not_person_words: HashSet<String>,
    /// Kinds of speaker texts named by a title.
    pub title_kinds: TermMatcher,
}

impl Vocabulary {
    /// Loads `metadata.toml`.
    pub fn load(file: &DataFile) -> Result<Self, NormalizeError> {
        let parsed: MetadataFile = file.parse()?;
        let matcher = |lists: &[(&Vec<Spanned<String>>, usize)]| {
            let mut builder = TermMatcher::builder();
            for (list, id) in lists {
                for term in *list {
                    add_term(&mut builder, file, term, *id)?;
                }
            }
            Ok::<_, NormalizeError>(builder.build())
        };
        let keys = |list: &Vec<Spanned<String>>| {
            list.iter()
                .map(|term| {
                    let key = phrase_key(term.get_ref());
                    if key.is_empty() {
                        Err(file.problem(term, DataProblem::Empty))
                    } else {
                        Ok(key)
                    }
                })
                .collect::<Result<HashSet<_>, _>>()
        };
        let speaker = &parsed.speaker;
        Ok(Vocabulary {
            byline_prefixes: matcher(&[(&parsed.byline.prefixes, 0)])?,
            author_labels: keys(&parsed.byline.author_labels)?,
            roles: matcher(&[
                (&speaker.roles, role_kind::ROLE),
                (&speaker.countries, role_kind::COUNTRY),
            ])?,
            not_speakers: keys(&speaker.not_speakers)?,
            not_person_words: speaker
                .not_person_words
                .iter()
                .map(|w| fold(w.get_ref().trim()))
                .collect(),
            title_kinds: matcher(&[(&speaker.title_kinds, 0)])?,
        })
    }
}

/// All reference data of the stage.
#[derive(Debug)]
pub(crate) struct RefData {
    /// Noise line rules.
    pub noise: NoiseRules,
    /// News outlets.
    pub outlets: Outlets,
    /// Dateline places.
    pub places: Places,
    /// Word lists for bylines and speakers.
    pub vocabulary: Vocabulary,
}

impl RefData {
    /// Loads every file from `dir`, or the built-in copies.
    pub fn load(dir: Option<&Path>) -> Result<Self, NormalizeError> {
        Ok(RefData {
            noise: NoiseRules::load(&DataFile::load(dir, "noise.toml", embedded::NOISE)?)?,
            outlets: Outlets::load(&DataFile::load(dir, "sources.toml", embedded::SOURCES)?)?,
            places: Places::load(&DataFile::load(dir, "places.toml", embedded::PLACES)?)?,
            vocabulary: Vocabulary::load(&DataFile::load(
                dir,
                "metadata.toml",
                embedded::METADATA,
            )?)?,
        })
    }
}

/// A compiled regex; panics only on a pattern written in this crate, which
/// the unit tests compile.
pub(crate) fn static_regex(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(regex) => regex,
        Err(e) => panic!("built-in pattern does not compile: {e}\n{pattern}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> DataFile {
        DataFile {
            path: PathBuf::from("noise.toml"),
            text: Cow::Owned(text.to_string()),
        }
    }

    #[test]
    fn built_in_files_load() {
        let data = RefData::load(None).unwrap();
        assert!(data.noise.len() > 10);
        assert_eq!(data.outlets.canonical("Itar-Tass"), Some("TASS"));
        assert_eq!(data.outlets.canonical("ИТАР-ТАСС"), Some("TASS"));
        assert_eq!(data.outlets.canonical("ТАСС"), Some("TASS"));
        assert_eq!(data.outlets.canonical("РИА Новости"), Some("RIA Novosti"));
        assert_eq!(data.outlets.canonical("Xinhua"), Some("Xinhua"));
        assert_eq!(data.outlets.canonical("Nowhere Times"), None);
        assert_eq!(data.places.canonical("TOKYO"), Some("Tokyo"));
        assert_eq!(data.places.canonical("МОСКВА"), Some("Moscow"));
        assert_eq!(
            data.places.canonical("ЮЖНО-САХАЛИНСК"),
            Some("Yuzhno-Sakhalinsk")
        );
        assert_eq!(data.places.canonical("Kiev"), Some("Kyiv"));
        assert_eq!(data.places.canonical("Atlantis"), None);
    }

    #[test]
    fn bad_pattern_names_file_and_line() {
        let f = file("# comment\n\n[[rule]]\nname = \"x\"\npattern = '''(unclosed'''\n");
        let err = NoiseRules::load(&f).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("noise.toml:5: noise rule `x`: bad pattern"),
            "{text}"
        );
    }

    #[test]
    fn invalid_entries_name_their_line() {
        let cases = [
            (
                "[[rule]]\nname = \"x\"\npattern = \"a\"\nbefore = 9\n",
                "noise.toml:4: `before` is 9",
            ),
            (
                "[[rule]]\nname = \"\"\npattern = \"a\"\n",
                "noise.toml:2: empty value",
            ),
            ("[[rule]]\nname = \"x\"\npatern = \"a\"\n", "noise.toml:3: "),
        ];
        for (text, want) in cases {
            let err = NoiseRules::load(&file(text)).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err} should start with {want}");
        }
        let outlets = file(
            "[[outlet]]\nname = \"A\"\naliases = [\"x\"]\n[[outlet]]\nname = \"B\"\naliases = [\"X\"]\n",
        );
        let err = Outlets::load(&outlets).unwrap_err().to_string();
        assert_eq!(err, "noise.toml:6: alias `X` already belongs to `A`");
    }

    #[test]
    fn first_matching_rule_wins_in_file_order() {
        let f = file(
            "[[rule]]\nname = \"one\"\npattern = \"share\"\n[[rule]]\nname = \"two\"\npattern = \"sha.*\"\nbefore = 1\n",
        );
        let rules = NoiseRules::load(&f).unwrap();
        assert_eq!(rules.first_match("Share").unwrap().name, "one");
        let two = rules.first_match("shape").unwrap();
        assert_eq!((two.name.as_str(), two.before), ("two", 1));
        assert!(rules.first_match("a share").is_none());
    }

    #[test]
    fn phrase_keys_ignore_case_punctuation_and_yo() {
        assert_eq!(phrase_key("ITAR-TASS"), phrase_key("Itar Tass"));
        assert_eq!(phrase_key("Кёдо"), phrase_key("КЕДО"));
        assert_eq!(phrase_key(" - "), "");
    }
}
