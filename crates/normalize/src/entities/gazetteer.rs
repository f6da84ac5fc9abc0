//! Gazetteer files: parsing, validation and the built-in copy.
//!
//! The format is documented in `data/gazetteer/README.md`: tab-separated
//! columns, `|` between the items of a list column, `#` comment lines. A bad
//! line is an [`EntityError::Invalid`] naming the file and the line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use newsflow_core::text::fold;

use super::EntityError;

/// One kind of gazetteer file, in the order files are loaded (later kinds
/// refer to earlier ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Variants,
    Roles,
    Countries,
    Orgs,
    Places,
    Persons,
}

impl FileKind {
    const ALL: [FileKind; 6] = [
        FileKind::Variants,
        FileKind::Roles,
        FileKind::Countries,
        FileKind::Orgs,
        FileKind::Places,
        FileKind::Persons,
    ];

    fn stem(self) -> &'static str {
        match self {
            FileKind::Variants => "variants",
            FileKind::Roles => "roles",
            FileKind::Countries => "countries",
            FileKind::Orgs => "orgs",
            FileKind::Places => "places",
            FileKind::Persons => "persons",
        }
    }

    /// Column names, for error messages.
    fn columns(self) -> &'static [&'static str] {
        match self {
            FileKind::Variants => &["spellings"],
            FileKind::Roles => &["key", "phrases"],
            FileKind::Countries => &["code", "name", "names", "adjectives"],
            FileKind::Orgs => &["canonical", "aliases", "short", "parent"],
            FileKind::Places => &["canonical", "aliases", "country", "type"],
            FileKind::Persons => &["canonical", "aliases", "short", "roles", "country"],
        }
    }

    fn required(self) -> bool {
        self != FileKind::Variants
    }
}

/// The shipped gazetteer, embedded at compile time.
const BUILTIN: [(FileKind, &str, &str); 6] = [
    (
        FileKind::Variants,
        "data/gazetteer/variants.tsv",
        include_str!("../../../../data/gazetteer/variants.tsv"),
    ),
    (
        FileKind::Roles,
        "data/gazetteer/roles.tsv",
        include_str!("../../../../data/gazetteer/roles.tsv"),
    ),
    (
        FileKind::Countries,
        "data/gazetteer/countries.tsv",
        include_str!("../../../../data/gazetteer/countries.tsv"),
    ),
    (
        FileKind::Orgs,
        "data/gazetteer/orgs.tsv",
        include_str!("../../../../data/gazetteer/orgs.tsv"),
    ),
    (
        FileKind::Places,
        "data/gazetteer/places.tsv",
        include_str!("../../../../data/gazetteer/places.tsv"),
    ),
    (
        FileKind::Persons,
        "data/gazetteer/persons.tsv",
        include_str!("../../../../data/gazetteer/persons.tsv"),
    ),
];

/// A role key from `roles.tsv` with the phrases that name it.
#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub(crate) key: String,
    pub(crate) phrases: Vec<String>,
}

/// What a person's role is attached to: a country or an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RoleTarget {
    Country(usize),
    Org(usize),
}

/// One role of a person: index into the roles and an optional target.
#[derive(Debug, Clone)]
pub(crate) struct RoleRef {
    pub(crate) role: usize,
    pub(crate) target: Option<RoleTarget>,
}

/// A short form (surname) of a person.
#[derive(Debug, Clone)]
pub(crate) struct Short {
    pub(crate) text: String,
    /// Resolves only with role or document support (`?` in the file).
    pub(crate) needs_support: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) canonical: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) shorts: Vec<Short>,
    pub(crate) roles: Vec<RoleRef>,
}

#[derive(Debug, Clone)]
pub(crate) struct Country {
    pub(crate) code: String,
    pub(crate) names: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub(crate) canonical: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) shorts: Vec<String>,
    pub(crate) parent: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub(crate) canonical: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) country: Option<usize>,
}

/// Reference data for entity recognition: persons, countries,
/// organizations, places, the role vocabulary and spelling variants.
///
/// Load the files users edit with [`Gazetteer::load`], or the copy compiled
/// into the binary with [`Gazetteer::builtin`]. The file format is
/// described in `data/gazetteer/README.md`.
#[derive(Debug, Default, Clone)]
pub struct Gazetteer {
    pub(crate) variants: Vec<Vec<String>>,
    pub(crate) roles: Vec<Role>,
    pub(crate) countries: Vec<Country>,
    pub(crate) orgs: Vec<Org>,
    pub(crate) places: Vec<Place>,
    pub(crate) persons: Vec<Person>,
}

impl Gazetteer {
    /// Loads the gazetteer files in `dir`: `roles.tsv`, `countries.tsv`,
    /// `orgs.tsv`, `places.tsv`, `persons.tsv` (required) and
    /// `variants.tsv` (optional), each followed by any extension files of
    /// the same kind named `<kind>-<anything>.tsv` (e.g.
    /// `persons-local.tsv`), read in name order.
    pub fn load(dir: &Path) -> Result<Gazetteer, EntityError> {
        let mut sources = Vec::new();
        let listing = std::fs::read_dir(dir).map_err(|source| EntityError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let mut names: Vec<PathBuf> = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|source| EntityError::Io {
                path: dir.display().to_string(),
                source,
            })?;
            names.push(entry.path());
        }
        names.sort();
        for kind in FileKind::ALL {
            let main = dir.join(format!("{}.tsv", kind.stem()));
            let prefix = format!("{}-", kind.stem());
            let extras = names.iter().filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tsv"))
            });
            let mut paths = Vec::new();
            if main.is_file() {
                paths.push(main.clone());
            } else if kind.required() {
                return Err(EntityError::Io {
                    path: main.display().to_string(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "required gazetteer file is missing",
                    ),
                });
            }
            paths.extend(extras.cloned());
            for path in paths {
                let text = std::fs::read_to_string(&path).map_err(|source| EntityError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                sources.push((kind, path.display().to_string(), text));
            }
        }
        let mut parser = Parser::default();
        for (kind, path, text) in &sources {
            parser.parse(*kind, path, text)?;
        }
        parser.finish()
    }

    /// The gazetteer shipped in `data/gazetteer/`, compiled into the
    /// binary; use it when no data directory is configured.
    pub fn builtin() -> Result<Gazetteer, EntityError> {
        let mut parser = Parser::default();
        for (kind, path, text) in BUILTIN {
            parser.parse(kind, path, text)?;
        }
        parser.finish()
    }
}

/// Accumulates records file by file and checks references.
#[derive(Default)]
struct Parser {
    gaz: Gazetteer,
    role_index: HashMap<String, usize>,
    country_index: HashMap<String, usize>,
    org_index: HashMap<String, usize>,
    /// Folded org names and aliases, for role targets.
    org_alias_index: HashMap<String, usize>,
    place_names: HashMap<String, usize>,
    person_names: HashMap<String, usize>,
    /// Org parents by name, checked when all orgs are read.
    pending_parents: Vec<(usize, String, String, usize)>,
}

fn invalid(path: &str, line: usize, problem: impl Into<String>) -> EntityError {
    EntityError::Invalid {
        path: path.to_string(),
        line,
        problem: problem.into(),
    }
}

/// Splits `text` into (line number, fields), skipping blank and `#` lines.
fn records<'t>(
    kind: FileKind,
    path: &str,
    text: &'t str,
) -> Result<Vec<(usize, Vec<&'t str>)>, EntityError> {
    let columns = kind.columns();
    let mut out = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() > columns.len() {
            return Err(invalid(
                path,
                line_no,
                format!(
                    "expected at most {} tab-separated columns ({}), found {}",
                    columns.len(),
                    columns.join(", "),
                    fields.len()
                ),
            ));
        }
        if let Some(f) = fields.iter().find(|f| f.contains("  ")) {
            return Err(invalid(
                path,
                line_no,
                format!("`{f}` contains a run of spaces; separate columns with tabs"),
            ));
        }
        let mut fields = fields;
        fields.resize(columns.len(), "");
        out.push((line_no, fields));
    }
    Ok(out)
}

/// Splits a `|` list, trimming items and dropping empty ones.
fn list(field: &str) -> Vec<&str> {
    field
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Checks that a name can be matched: it has a word character and no `*`.
fn check_name(path: &str, line: usize, name: &str) -> Result<(), EntityError> {
    if !name.chars().any(char::is_alphanumeric) {
        return Err(invalid(
            path,
            line,
            format!("name `{name}` has no letters or digits"),
        ));
    }
    if name.contains('*') {
        return Err(invalid(
            path,
            line,
            format!("name `{name}` contains `*`, which is not allowed in names"),
        ));
    }
    Ok(())
}

/// The folded, space-joined words of a name: the key duplicates are
/// detected under.
fn name_key(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_cyrillic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

impl Parser {
    fn parse(&mut self, kind: FileKind, path: &str, text: &str) -> Result<(), EntityError> {
        for (line, fields) in records(kind, path, text)? {
            match kind {
                FileKind::Variants => self.variant(path, line, &fields)?,
                FileKind::Roles => self.role(path, line, &fields)?,
                FileKind::Countries => self.country(path, line, &fields)?,
                FileKind::Orgs => self.org(path, line, &fields)?,
                FileKind::Places => self.place(path, line, &fields)?,
                FileKind::Persons => self.person(path, line, &fields)?,
            }
        }
        if kind == FileKind::Orgs {
            self.resolve_parents()?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Gazetteer, EntityError> {
        Ok(self.gaz)
    }

    fn variant(&mut self, path: &str, line: usize, f: &[&str]) -> Result<(), EntityError> {
        let group: Vec<String> = list(f[0]).into_iter().map(str::to_string).collect();
        if group.len() < 2 {
            return Err(invalid(
                path,
                line,
                "a variant line needs at least two spellings separated by `|`",
            ));
        }
        for g in &group {
            if g.contains(char::is_whitespace) {
                return Err(invalid(
                    path,
                    line,
                    format!("variant `{g}` must be a single word"),
                ));
            }
            check_name(path, line, g)?;
        }
        self.gaz.variants.push(group);
        Ok(())
    }

    fn role(&mut self, path: &str, line: usize, f: &[&str]) -> Result<(), EntityError> {
        let key = f[0].to_lowercase();
        if key.is_empty() {
            return Err(invalid(path, line, "empty role key"));
        }
        if key.contains('@') || key.contains('|') {
            return Err(invalid(
                path,
                line,
                format!("role key `{key}` must not contain `@` or `|`"),
            ));
        }
        if self.role_index.contains_key(&key) {
            return Err(invalid(path, line, format!("duplicate role key `{key}`")));
        }
        let phrases: Vec<String> = list(f[1]).into_iter().map(str::to_string).collect();
        if phrases.is_empty() {
            return Err(invalid(
                path,
                line,
                format!("role `{key}` lists no phrases"),
            ));
        }
        for p in &phrases {
            check_name(path, line, p)?;
        }
        self.role_index.insert(key.clone(), self.gaz.roles.len());
        self.gaz.roles.push(Role { key, phrases });
        Ok(())
    }

    fn country_code(&self, path: &str, line: usize, code: &str) -> Result<usize, EntityError> {
        self.country_index.get(code).copied().ok_or_else(|| {
            invalid(
                path,
                line,
                format!("unknown country code `{code}` (not in countries.tsv)"),
            )
        })
    }

    fn country(&mut self, path: &str, line: usize, f: &[&str]) -> Result<(), EntityError> {
        let code = f[0];
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid(
                path,
                line,
                format!("country code `{code}` is not two capital letters (ISO 3166-1 alpha-2)"),
            ));
        }
        if self.country_index.contains_key(code) {
            return Err(invalid(
                path,
                line,
                format!("duplicate country code `{code}`"),
            ));
        }
        if f[1].is_empty() {
            return Err(invalid(path, line, format!("country `{code}` has no name")));
        }
        let mut names = vec![f[1].to_string()];
        names.extend(list(f[2]).into_iter().map(str::to_string));
        names.extend(list(f[3]).into_iter().map(str::to_string));
        for n in &names {
            check_name(path, line, n)?;
        }
        self.country_index
            .insert(code.to_string(), self.gaz.countries.len());
        self.gaz.countries.push(Country {
            code: code.to_string(),
            names,
        });
        Ok(())
    }

    fn org(&mut self, path: &str, line: usize, f: &[&str]) -> Result<(), EntityError> {
        let canonical = f[0];
        if canonical.is_empty() {
            return Err(invalid(path, line, "empty organization name"));
        }
        check_name(path, line, canonical)?;
        let key = name_key(canonical);
        if self.org_index.contains_key(&key) {
            return Err(invalid(
                path,
                line,
                format!("duplicate organization `{canonical}`"),
            ));
        }
        let aliases: Vec<String> = list(f[1]).into_iter().map(str::to_string).collect();
        let shorts: Vec<String> = list(f[2]).into_iter().map(str::to_string).collect();
        for n in aliases.iter().chain(&shorts) {
            check_name(path, line, n)?;
        }
        let idx = self.gaz.orgs.len();
        self.org_index.insert(key.clone(), idx);
        self.org_alias_index.entry(key).or_insert(idx);
        for a in &aliases {
            self.org_alias_index.entry(name_key(a)).or_insert(idx);
        }
        if !f[3].is_empty() {
            self.pending_parents
                .push((idx, f[3].to_string(), path.to_string(), line));
        }
        self.gaz.orgs.push(Org {
            canonical: canonical.to_string(),
            aliases,
            shorts,
            parent: None,
        });
        Ok(())
    }

    fn resolve_parents(&mut self) -> Result<(), EntityError> {
        for (idx, parent, path, line) in std::mem::take(&mut self.pending_parents) {
            let Some(&p) = self.org_index.get(&name_key(&parent)) else {
                return Err(invalid(
                    &path,
                    line,
                    format!("unknown parent organization `{parent}`"),
                ));
            };
            if p == idx {
                return Err(invalid(
                    &path,
                    line,
                    "an organization cannot be its own parent",
                ));
            }
            self.gaz.orgs[idx].parent = Some(p);
        }
        Ok(())
    }

    fn place(&mut self, path: &str, line: usize, f: &[&str]) -> Result<(), EntityError> {
        let canonical = f[0];
        if canonical.is_empty() {
            return Err(invalid(path, line, "empty place name"));
        }
        check_name(path, line, canonical)?;
        let key = name_key(canonical);
        if self.place_names.contains_key(&key) {
            return Err(invalid(
                path,
                line,
                format!("duplicate place `{canonical}`"),
            ));
        }
        let aliases: Vec<String> = list(f[1]).into_iter().map(str::to_string).collect();
        for n in &aliases {
            check_name(path, line, n)?;
        }
        let country = if f[2].is_empty() {
            None
        } else {
            Some(self.country_code(path, line, f[2])?)
        };
        self.place_names.insert(key, self.gaz.places.len());
        self.gaz.places.push(Place {
            canonical: canonical.to_string(),
            aliases,
            country,
        });
        Ok(())
    }

    fn person(&mut self, path: &str, line: usize, f: &[&str]) -> Result<(), EntityError> {
        let canonical = f[0];
        if canonical.is_empty() {
            return Err(invalid(path, line, "empty person name"));
        }
        check_name(path, line, canonical)?;
        let key = name_key(canonical);
        if self.person_names.contains_key(&key) {
            return Err(invalid(
                path,
                line,
                format!("duplicate person `{canonical}`"),
            ));
        }
        let aliases: Vec<String> = list(f[1]).into_iter().map(str::to_string).collect();
        for n in &aliases {
            check_name(path, line, n)?;
        }
        let shorts = match f[2] {
            "-" => Vec::new(),
            "" => default_shorts(canonical, &aliases),
            field => {
                let mut out = Vec::new();
                for item in list(field) {
                    let (text, needs_support) = match item.strip_prefix('?') {
                        Some(rest) => (rest.trim(), true),
                        None => (item, false),
                    };
                    check_name(path, line, text)?;
                    out.push(Short {
                        text: text.to_string(),
                        needs_support,
                    });
                }
                out
            }
        };
        let mut roles = Vec::new();
        for item in list(f[3]) {
            let (key, target) = match item.split_once('@') {
                Some((k, t)) => (k.trim().to_lowercase(), Some(t.trim())),
                None => (item.to_lowercase(), None),
            };
            let Some(&role) = self.role_index.get(&key) else {
                return Err(invalid(
                    path,
                    line,
                    format!("unknown role `{key}` (not in roles.tsv)"),
                ));
            };
            let target = match target {
                None => None,
                Some("") => {
                    return Err(invalid(
                        path,
                        line,
                        format!("role `{item}` has an empty target after `@`"),
                    ));
                }
                Some(t) => Some(self.role_target(path, line, t)?),
            };
            roles.push(RoleRef { role, target });
        }
        if !f[4].is_empty() {
            self.country_code(path, line, f[4])?;
        }
        self.person_names.insert(key, self.gaz.persons.len());
        self.gaz.persons.push(Person {
            canonical: canonical.to_string(),
            aliases,
            shorts,
            roles,
        });
        Ok(())
    }

    fn role_target(&self, path: &str, line: usize, t: &str) -> Result<RoleTarget, EntityError> {
        if t.len() == 2 && t.chars().all(|c| c.is_ascii_uppercase()) {
            return Ok(RoleTarget::Country(self.country_code(path, line, t)?));
        }
        self.org_alias_index
            .get(&name_key(t))
            .map(|&o| RoleTarget::Org(o))
            .ok_or_else(|| {
                invalid(
                    path,
                    line,
                    format!(
                        "unknown role target `{t}` (neither a country code nor an organization)"
                    ),
                )
            })
    }
}

/// Default short forms: the last word of the canonical name and of the first
/// Cyrillic alias, when those have two words or more.
fn default_shorts(canonical: &str, aliases: &[String]) -> Vec<Short> {
    let mut out: Vec<Short> = Vec::new();
    let cyrillic = aliases.iter().find(|a| is_cyrillic(a));
    for name in std::iter::once(canonical).chain(cyrillic.map(String::as_str)) {
        let words: Vec<&str> = name.split_whitespace().collect();
        if words.len() >= 2
            && let Some(last) = words.last()
        {
            let text = last.trim_end_matches('.').to_string();
            if !out.iter().any(|s| s.text == text) {
                out.push(Short {
                    text,
                    needs_support: false,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: FileKind, text: &str) -> Result<Gazetteer, EntityError> {
        let mut p = Parser::default();
        p.parse(
            FileKind::Roles,
            "roles.tsv",
            "foreign minister\tForeign Minister\n",
        )?;
        p.parse(
            FileKind::Countries,
            "countries.tsv",
            "RU\tRussia\t\tRussian\n",
        )?;
        p.parse(FileKind::Orgs, "orgs.tsv", "United Nations\tUN\n")?;
        p.parse(kind, "x.tsv", text)?;
        p.finish()
    }

    fn problem(kind: FileKind, text: &str) -> (usize, String) {
        match parse(kind, text) {
            Err(EntityError::Invalid {
                path,
                line,
                problem,
            }) => {
                assert_eq!(path, "x.tsv");
                (line, problem)
            }
            other => panic!("expected an invalid line, got {other:?}"),
        }
    }

    #[test]
    fn builtin_parses() {
        let g = Gazetteer::builtin().unwrap();
        assert!(g.persons.len() >= 300, "{} persons", g.persons.len());
        assert!(g.countries.len() >= 249, "{} countries", g.countries.len());
        assert!(g.orgs.len() >= 50);
        assert!(g.places.len() >= 150);
    }

    #[test]
    fn builtin_equals_data_dir() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/gazetteer");
        let loaded = Gazetteer::load(&dir).unwrap();
        let builtin = Gazetteer::builtin().unwrap();
        assert_eq!(loaded.persons.len(), builtin.persons.len());
        assert_eq!(loaded.countries.len(), builtin.countries.len());
        assert_eq!(loaded.orgs.len(), builtin.orgs.len());
        assert_eq!(loaded.places.len(), builtin.places.len());
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let cases: &[(FileKind, &str, usize, &str)] = &[
            (
                FileKind::Persons,
                "# c\nA B\t\t\tpresident@RU\tRU\n",
                2,
                "unknown role",
            ),
            (
                FileKind::Persons,
                "A B\t\t\tforeign minister@XX\tRU\n",
                1,
                "unknown country code `XX`",
            ),
            (
                FileKind::Persons,
                "A B\t\t\tforeign minister@Nowhere\tRU\n",
                1,
                "unknown role target",
            ),
            (
                FileKind::Persons,
                "A B\t\t\t\tRU\nA  B\t\t\t\tRU\n",
                2,
                "run of spaces",
            ),
            (FileKind::Persons, "A B\nA-B\n", 2, "duplicate person"),
            (FileKind::Persons, "A B\t\t\t\tRU\textra\n", 1, "at most 5"),
            (FileKind::Persons, "\tA\n", 1, "empty person name"),
            (FileKind::Persons, "A B\t--\n", 1, "no letters"),
            (
                FileKind::Countries,
                "usa\tUnited States\n",
                1,
                "two capital letters",
            ),
            (
                FileKind::Countries,
                "RU\tRussia again\n",
                1,
                "duplicate country",
            ),
            (
                FileKind::Orgs,
                "UNSC\t\t\tLeague of Nations\n",
                1,
                "unknown parent",
            ),
            (
                FileKind::Places,
                "Moscow\t\tXX\n",
                1,
                "unknown country code",
            ),
            (FileKind::Places, "Mos*\n", 1, "`*`"),
            (FileKind::Variants, "Sergey\n", 1, "at least two"),
            (FileKind::Roles, "president\t\n", 1, "no phrases"),
        ];
        for (kind, text, line, needle) in cases {
            let (got_line, got) = problem(*kind, text);
            assert_eq!(got_line, *line, "{text:?}: {got}");
            assert!(got.contains(needle), "{text:?}: {got} lacks {needle}");
        }
    }

    #[test]
    fn short_column_rules() {
        let g = parse(
            FileKind::Persons,
            "Sergey Lavrov\tСергей Лавров\n\
             Xi Jinping\t\tXi|?Си\n\
             Naruhito\t\t-\n",
        )
        .unwrap();
        let shorts = |i: usize| -> Vec<(String, bool)> {
            g.persons[i]
                .shorts
                .iter()
                .map(|s| (s.text.clone(), s.needs_support))
                .collect()
        };
        assert_eq!(
            shorts(0),
            vec![("Lavrov".into(), false), ("Лавров".into(), false)]
        );
        assert_eq!(shorts(1), vec![("Xi".into(), false), ("Си".into(), true)]);
        assert!(shorts(2).is_empty());
    }

    #[test]
    fn missing_required_file_is_an_io_error() {
        let dir = std::env::temp_dir().join(format!("newsflow-gaz-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = Gazetteer::load(&dir).unwrap_err();
        assert!(matches!(err, EntityError::Io { ref path, .. } if path.ends_with("roles.tsv")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
