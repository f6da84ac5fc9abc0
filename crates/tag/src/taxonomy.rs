//! The editable keyword taxonomy (`data/taxonomy.toml`): topics, weighted
//! terms in any language, exclusions, spelling variants and where a hit
//! counts more.
//!
//! # Format
//!
//! ```toml
//! version = 1
//!
//! [location]            # a hit's weight is multiplied by where it is
//! title = 2.0
//! lede = 1.5
//! body = 1.0
//!
//! [spelling]            # variants generated for every Latin-script term
//! plurals = true        # `sanction` also matches `sanctions`
//! join_hyphens = true   # `counter-terrorism` also matches `counterterrorism`
//! variants = [["defence", "defense"], ["isation", "ization"]]
//!
//! [[topic]]
//! id = "missile_defense"          # one of the known topic ids
//! label = "Missile defence"       # optional
//! title = 2.5                     # optional: overrides [location] for this topic
//! exclude = ["missile defence industry"]   # optional: hits inside these do not count
//!
//! [[topic.terms]]
//! weight = 2.0
//! words = ["missile defence", "Aegis Ashore", "противоракетная оборона", "ПРО"]
//!
//! [[topic.terms]]
//! weight = 1.0
//! words = ["interceptor*"]
//! ```
//!
//! Terms are matched word by word with [`newsflow_core::text::TermMatcher`]:
//! case-insensitive, on Unicode word boundaries, hyphens and spaces alike,
//! Russian words in any case form, acronyms of up to three letters only in
//! capitals, and `word*` matching any word that starts with `word`.
//! Topic-level keys (`label`, `title`, `lede`, `exclude`) must come before
//! the topic's first `[[topic.terms]]` table, as TOML requires.

use std::ops::Range;
use std::path::Path;

use newsflow_core::text::{TermMatch, TermMatcher, TokenSlice, fold, tokenize};
use serde::Deserialize;
use toml::Spanned;

use crate::TOPIC_IDS;
use crate::error::{Result, TagError, TaxonomyProblem};

/// The taxonomy shipped with newsflow (`data/taxonomy.toml`).
pub const BUILTIN: &str = include_str!("../../../data/taxonomy.toml");

/// Name used in errors about the built-in taxonomy.
pub const BUILTIN_ORIGIN: &str = "<built-in data/taxonomy.toml>";

/// Largest weight or location factor accepted.
const MAX_NUMBER: f64 = 100.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    location: RawLocation,
    #[serde(default)]
    spelling: RawSpelling,
    #[serde(default)]
    topic: Vec<RawTopic>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocation {
    title: Option<Spanned<f64>>,
    lede: Option<Spanned<f64>>,
    body: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSpelling {
    plurals: bool,
    join_hyphens: bool,
    variants: Vec<Spanned<Vec<String>>>,
}

impl Default for RawSpelling {
    fn default() -> Self {
        RawSpelling {
            plurals: true,
            join_hyphens: true,
            variants: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    title: Option<Spanned<f64>>,
    #[serde(default)]
    lede: Option<Spanned<f64>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    terms: Vec<RawGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    weight: Spanned<f64>,
    words: Vec<Spanned<String>>,
}

/// Where in a document a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// The headline.
    Title,
    /// The standfirst.
    Lede,
    /// The body.
    Body,
}

/// One topic of the taxonomy.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Topic id (one of [`TOPIC_IDS`]).
    pub id: String,
    /// Human-readable label, when given.
    pub label: Option<String>,
    /// What counts for the topic, when given.
    pub description: Option<String>,
    /// Multiplier of hits in the title.
    pub title_factor: f32,
    /// Multiplier of hits in the lede.
    pub lede_factor: f32,
    /// Multiplier of hits in the body.
    pub body_factor: f32,
}

impl Topic {
    /// The multiplier of a hit at `location`.
    pub fn factor(&self, location: Location) -> f32 {
        match location {
            Location::Title => self.title_factor,
            Location::Lede => self.lede_factor,
            Location::Body => self.body_factor,
        }
    }
}

/// One term as written in the taxonomy.
#[derive(Debug, Clone)]
pub struct Term {
    /// Index of the topic in [`Taxonomy::topics`].
    pub topic: usize,
    /// The term as written (reported as `term` in the evidence).
    pub text: String,
    /// Weight of one hit.
    pub weight: f32,
}

/// A hit of one term in one text, before scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct TermHit {
    /// For each topic the match counts for: (topic index, term index).
    pub topics: Vec<(usize, usize)>,
    /// Token range of the match.
    pub tokens: Range<usize>,
    /// Byte range in the text.
    pub bytes: Range<usize>,
    /// Character range in the text.
    pub chars: Range<usize>,
}

/// A parsed, validated taxonomy with its term automaton.
#[derive(Debug)]
pub struct Taxonomy {
    origin: String,
    topics: Vec<Topic>,
    terms: Vec<Term>,
    matcher: TermMatcher,
    exclusions: TermMatcher,
}

impl Taxonomy {
    /// The built-in taxonomy.
    pub fn builtin() -> Result<Self> {
        Self::parse(BUILTIN, BUILTIN_ORIGIN)
    }

    /// Reads and parses the taxonomy at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let source = std::fs::read_to_string(path).map_err(|e| TagError::io(path, e))?;
        Self::parse(&source, &path.display().to_string())
    }

    /// Parses taxonomy TOML; `origin` names the file in errors.
    pub fn parse(source: &str, origin: &str) -> Result<Self> {
        let raw: RawTaxonomy = toml::from_str(source).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| line_column(source, span.start));
            TagError::TaxonomySyntax {
                path: origin.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        Builder {
            source,
            origin,
            taxonomy: Taxonomy {
                origin: origin.to_string(),
                topics: Vec::new(),
                terms: Vec::new(),
                matcher: TermMatcher::builder().build(),
                exclusions: TermMatcher::builder().build(),
            },
        }
        .build(raw)
    }

    /// The file the taxonomy came from (or the built-in marker).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Topics in file order.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// Terms as written, in file order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Finds the term hits in `tokens` (one leftmost-longest pass over all
    /// terms), with the topics whose exclusions cover a hit removed from it.
    pub fn find<'t>(&self, tokens: impl Into<TokenSlice<'t>>) -> Vec<TermHit> {
        let mut hits = Vec::new();
        self.find_each(tokens, |topics, m| {
            hits.push(TermHit {
                topics: topics.to_vec(),
                tokens: m.first_token..m.end_token,
                bytes: m.start_byte..m.end_byte,
                chars: m.start_char..m.end_char,
            });
        });
        hits
    }

    /// Calls `f` with each hit [`Taxonomy::find`] returns, in text order:
    /// its [`TermHit::topics`] and its match, without collecting them.
    pub(crate) fn find_each<'t>(
        &self,
        tokens: impl Into<TokenSlice<'t>>,
        f: impl FnMut(&[(usize, usize)], &TermMatch<'_>),
    ) {
        let tokens = tokens.into();
        self.find_each_in_window(tokens, tokens.len(), &mut Scan::default(), f);
    }

    /// Tokens a window must have past its last start (unless it ends the
    /// text) for [`Taxonomy::find_each_in_window`] to find what one pass
    /// over the whole text finds: a term hit starting in the window may
    /// reach `longest - 1` tokens past it, and an exclusion covering that
    /// hit as many again.
    pub(crate) fn window_look_ahead(&self) -> usize {
        2 * self.matcher.longest().max(self.exclusions.longest())
    }

    /// [`Taxonomy::find_each`] over one window of a text cut into windows:
    /// the hits starting before token `until` of `tokens`, where the tokens
    /// go on [`Taxonomy::window_look_ahead`] past `until` or end the text.
    /// `scan` starts as `Scan::default()` for a text and carries the
    /// leftmost-longest scans from one window to the next, whose tokens
    /// start at token `until` of this one. Windows that end the text give
    /// the hits of one pass over it, in the same order.
    pub(crate) fn find_each_in_window<'t>(
        &self,
        tokens: TokenSlice<'t>,
        until: usize,
        scan: &mut Scan,
        mut f: impl FnMut(&[(usize, usize)], &TermMatch<'_>),
    ) {
        // Exclusions reaching into this window from the last ones come
        // first; those reaching past it are carried on again. A scan may go
        // on beyond the window's own tokens: a hit of an earlier window can
        // cover all of them.
        let mut excluded = std::mem::take(&mut scan.carried);
        scan.carried.extend(
            excluded
                .iter()
                .filter(|(_, r)| r.end > until)
                .map(|(topic, r)| (*topic, 0..r.end - until)),
        );
        let from = scan.exclusions_from;
        let mut exclusions_to = until.max(from);
        self.exclusions.find_each(tokens.slice(from..), |m| {
            let range = from + m.first_token..from + m.end_token;
            if range.start < until {
                exclusions_to = exclusions_to.max(range.end);
                if range.end > until {
                    scan.carried
                        .extend(m.ids.iter().map(|&topic| (topic, 0..range.end - until)));
                }
            }
            excluded.extend(m.ids.iter().map(|&topic| (topic, range.clone())));
        });
        scan.exclusions_from = exclusions_to - until;
        let from = scan.terms_from;
        let mut terms_to = until.max(from);
        let mut topics: Vec<(usize, usize)> = Vec::new();
        self.matcher.find_each(tokens.slice(from..), |m| {
            let range = from + m.first_token..from + m.end_token;
            if range.start >= until {
                return;
            }
            terms_to = terms_to.max(range.end);
            topics.clear();
            for &term in m.ids {
                let topic = self.terms[term].topic;
                // Exclusion matches do not overlap and come in text order:
                // only those from the first one ending after this hit's
                // start can cover it.
                let from = excluded.partition_point(|(_, r)| r.end <= range.start);
                let is_excluded = excluded[from..]
                    .iter()
                    .take_while(|(_, r)| r.start < range.end)
                    .any(|(t, _)| *t == topic);
                if is_excluded {
                    continue;
                }
                match topics.iter_mut().find(|(t, _)| *t == topic) {
                    Some(slot) if self.terms[slot.1].weight < self.terms[term].weight => {
                        slot.1 = term;
                    }
                    Some(_) => {}
                    None => topics.push((topic, term)),
                }
            }
            if !topics.is_empty() {
                topics.sort_unstable();
                let m = TermMatch {
                    first_token: range.start,
                    end_token: range.end,
                    ..m
                };
                f(&topics, &m);
            }
        });
        scan.terms_from = terms_to - until;
    }
}

/// Where the two leftmost-longest scans of [`Taxonomy::find_each_in_window`]
/// stand at the start of the next window.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Token of the next window where the term scan goes on: past the end
    /// of a hit that started in the last window.
    terms_from: usize,
    /// The same for the exclusion scan.
    exclusions_from: usize,
    /// Exclusion matches of the last window that reach into the next, as
    /// (topic, tokens of the next window they cover).
    carried: Vec<(usize, Range<usize>)>,
}

/// 1-based line and column of byte `offset` in `source`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Builder<'a> {
    source: &'a str,
    origin: &'a str,
    taxonomy: Taxonomy,
}

/// The spelling rules applied to Latin-script terms.
struct Spelling {
    plurals: bool,
    join_hyphens: bool,
    variants: Vec<(String, String)>,
}

impl Builder<'_> {
    fn error<T>(&self, span: Range<usize>, problem: TaxonomyProblem) -> Result<T> {
        Err(TagError::Taxonomy {
            path: self.origin.to_string(),
            line: line_column(self.source, span.start).0,
            problem,
        })
    }

    fn number(&self, value: &Spanned<f64>, key: &'static str) -> Result<f32> {
        let v = *value.get_ref();
        if !(v.is_finite() && v > 0.0 && v <= MAX_NUMBER) {
            return self.error(value.span(), TaxonomyProblem::BadNumber { key, value: v });
        }
        Ok(v as f32)
    }

    fn factor(&self, value: &Option<Spanned<f64>>, key: &'static str, default: f32) -> Result<f32> {
        match value {
            Some(v) => self.number(v, key),
            None => Ok(default),
        }
    }

    fn build(mut self, raw: RawTaxonomy) -> Result<Taxonomy> {
        if let Some(version) = &raw.version
            && *version.get_ref() != 1
        {
            return self.error(
                version.span(),
                TaxonomyProblem::UnsupportedVersion {
                    version: *version.get_ref(),
                },
            );
        }
        if raw.topic.is_empty() {
            return self.error(0..0, TaxonomyProblem::NoTopics);
        }
        let title = self.factor(&raw.location.title, "title", 2.0)?;
        let lede = self.factor(&raw.location.lede, "lede", 1.5)?;
        let body = self.factor(&raw.location.body, "body", 1.0)?;
        let spelling = self.spelling(&raw.spelling)?;

        // (pattern, id) for the term automaton and the exclusion automaton.
        let mut matcher: Vec<(String, usize)> = Vec::new();
        let mut exclusions: Vec<(String, usize)> = Vec::new();
        for topic in &raw.topic {
            let id = topic.id.get_ref().trim();
            if !TOPIC_IDS.contains(&id) {
                return self.error(
                    topic.id.span(),
                    TaxonomyProblem::UnknownTopic {
                        id: id.to_string(),
                        known: TOPIC_IDS.join(", "),
                    },
                );
            }
            if self.taxonomy.topics.iter().any(|t| t.id == id) {
                return self.error(
                    topic.id.span(),
                    TaxonomyProblem::DuplicateTopic { id: id.to_string() },
                );
            }
            if topic.terms.iter().all(|g| g.words.is_empty()) {
                return self.error(
                    topic.id.span(),
                    TaxonomyProblem::NoTerms { id: id.to_string() },
                );
            }
            let topic_index = self.taxonomy.topics.len();
            self.taxonomy.topics.push(Topic {
                id: id.to_string(),
                label: topic.label.clone(),
                description: topic.description.clone(),
                title_factor: self.factor(&topic.title, "title", title)?,
                lede_factor: self.factor(&topic.lede, "lede", lede)?,
                body_factor: body,
            });
            // Keys of every pattern of this topic: explicit terms first, so
            // a generated variant never shadows a term written out.
            let mut written: Vec<String> = Vec::new();
            for group in &topic.terms {
                let weight = self.number(&group.weight, "weight")?;
                for word in &group.words {
                    let key = pattern_key(word.get_ref());
                    if key.is_empty() {
                        return self.error(
                            word.span(),
                            TaxonomyProblem::EmptyTerm {
                                term: word.get_ref().clone(),
                            },
                        );
                    }
                    if written.contains(&key) {
                        return self.error(
                            word.span(),
                            TaxonomyProblem::DuplicateTerm {
                                term: word.get_ref().clone(),
                                topic: id.to_string(),
                            },
                        );
                    }
                    written.push(key);
                    self.taxonomy.terms.push(Term {
                        topic: topic_index,
                        text: word.get_ref().trim().to_string(),
                        weight,
                    });
                }
            }
            let first_term = self.taxonomy.terms.len() - written.len();
            let mut seen = written.clone();
            for (offset, key) in written.iter().enumerate() {
                let term = first_term + offset;
                let text = self.taxonomy.terms[term].text.clone();
                matcher.push((text.clone(), term));
                for variant in spelling.variants_of(&text) {
                    let vkey = pattern_key(&variant);
                    if vkey != *key && !seen.contains(&vkey) {
                        matcher.push((variant, term));
                        seen.push(vkey);
                    }
                }
            }
            for excl in &topic.exclude {
                if pattern_key(excl.get_ref()).is_empty() {
                    return self.error(
                        excl.span(),
                        TaxonomyProblem::EmptyTerm {
                            term: excl.get_ref().clone(),
                        },
                    );
                }
                exclusions.push((excl.get_ref().clone(), topic_index));
                for variant in spelling.variants_of(excl.get_ref()) {
                    exclusions.push((variant, topic_index));
                }
            }
        }
        self.taxonomy.matcher = build_matcher(&matcher);
        self.taxonomy.exclusions = build_matcher(&exclusions);
        tracing::debug!(
            origin = self.origin,
            topics = self.taxonomy.topics.len(),
            terms = self.taxonomy.terms.len(),
            patterns = self.taxonomy.matcher.len(),
            "taxonomy loaded"
        );
        Ok(self.taxonomy)
    }

    fn spelling(&self, raw: &RawSpelling) -> Result<Spelling> {
        let mut variants = Vec::new();
        for pair in &raw.variants {
            let items = pair.get_ref();
            let ok = items.len() == 2
                && items
                    .iter()
                    .all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphabetic() && c.is_ascii()))
                && items[0].to_lowercase() != items[1].to_lowercase();
            if !ok {
                return self.error(
                    pair.span(),
                    TaxonomyProblem::BadVariant {
                        pair: items.clone(),
                    },
                );
            }
            // The longer fragment is tried first, so `programme` is not
            // read as `program` + `me`.
            let (a, b) = (items[0].to_lowercase(), items[1].to_lowercase());
            variants.push(if a.len() >= b.len() { (a, b) } else { (b, a) });
        }
        Ok(Spelling {
            plurals: raw.plurals,
            join_hyphens: raw.join_hyphens,
            variants,
        })
    }
}

/// Builds a matcher over `(pattern, id)` pairs whose emptiness was already
/// checked.
///
/// The core matcher follows every branch of its trie, so Russian terms
/// sharing a stem at the same place (`ядерное оружие`, `ядерная программа`)
/// and an exact word next to a `word*` prefix all match with their own
/// forms. When two different patterns accept exactly the same words
/// (`боевик` and `боевики` have the same case forms) it reports only the
/// one stored first, so a pattern that does not find itself is also filed,
/// with its id, under the pattern that does: both terms then count.
fn build_matcher(patterns: &[(String, usize)]) -> TermMatcher {
    let build = |extra: &[(String, usize)]| {
        let mut builder = TermMatcher::builder();
        for (pattern, id) in patterns.iter().chain(extra) {
            if builder.add(pattern, *id).is_err() {
                tracing::debug!(pattern, "skipped a pattern without word characters");
            }
        }
        builder.build()
    };
    let first = build(&[]);
    // The node a pattern's own text reaches, as the address of its ids.
    let whole_match = |pattern: &str| {
        let tokens = tokenize(&pattern.replace('*', ""));
        first
            .find(&tokens)
            .into_iter()
            .find(|m| m.first_token == 0 && m.end_token == tokens.len())
            .map(|m| m.ids)
    };
    let mut aliases = Vec::new();
    for (pattern, id) in patterns {
        let Some(ids) = whole_match(pattern) else {
            continue;
        };
        if ids.contains(id) {
            continue;
        }
        let winner = patterns.iter().find(|(other, other_id)| {
            ids.contains(other_id)
                && whole_match(other).is_some_and(|o| std::ptr::eq(o.as_ptr(), ids.as_ptr()))
        });
        if let Some((other, _)) = winner {
            aliases.push((other.clone(), *id));
        }
    }
    if aliases.is_empty() {
        first
    } else {
        build(&aliases)
    }
}

/// Folded words of a pattern joined by spaces (`*` kept): two terms with the
/// same key match the same text.
fn pattern_key(pattern: &str) -> String {
    pattern
        .split(|c: char| !c.is_alphanumeric() && c != '*')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(fold)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Spelling {
    /// Extra patterns for `term`: spelling variants, the plural of the last
    /// word and the hyphen-joined form. Only words in Latin script change.
    fn variants_of(&self, term: &str) -> Vec<String> {
        let mut out = vec![term.to_string()];
        for (a, b) in &self.variants {
            let mut more = Vec::new();
            for form in &out {
                let swapped = swap_fragment(form, a, b);
                if swapped != *form && !out.contains(&swapped) {
                    more.push(swapped);
                }
            }
            out.extend(more);
        }
        if self.plurals {
            let plurals: Vec<String> = out.iter().filter_map(|f| pluralize(f)).collect();
            out.extend(plurals);
        }
        if self.join_hyphens {
            let joined: Vec<String> = out
                .iter()
                .filter(|f| f.contains('-'))
                .map(|f| f.replace('-', ""))
                .collect();
            out.extend(joined);
        }
        out.remove(0);
        out.dedup();
        out
    }
}

/// Replaces, in each Latin-script word of `term`, fragment `long` by
/// `short`, or else `short` by `long` (the first occurrence).
fn swap_fragment(term: &str, long: &str, short: &str) -> String {
    term.split(' ')
        .map(|word| {
            if !word.is_ascii() {
                return word.to_string();
            }
            let lower = word.to_lowercase();
            if lower.contains(long) {
                lower.replacen(long, short, 1)
            } else if lower.contains(short) {
                lower.replacen(short, long, 1)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The English plural of the last word of `term`, when it is a lower-case
/// or capitalized Latin word of three letters or more not ending in `s` or
/// `ism`.
fn pluralize(term: &str) -> Option<String> {
    let split = term
        .rfind(|c: char| !c.is_alphanumeric() && c != '*')
        .map_or(0, |i| i + 1);
    let (head, last) = term.split_at(split);
    let is_word = last.len() >= 3
        && last.chars().all(|c| c.is_ascii_alphabetic())
        && last.chars().skip(1).all(|c| c.is_ascii_lowercase());
    if !is_word || last.ends_with('s') || last.ends_with("ism") {
        return None;
    }
    let plural = if last.ends_with('x')
        || last.ends_with('z')
        || last.ends_with("ch")
        || last.ends_with("sh")
    {
        format!("{last}es")
    } else if let Some(stem) = last.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{last}s")
    };
    Some(format!("{head}{plural}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelling() -> Spelling {
        Spelling {
            plurals: true,
            join_hyphens: true,
            variants: vec![
                ("defence".into(), "defense".into()),
                ("isation".into(), "ization".into()),
                ("programme".into(), "program".into()),
            ],
        }
    }

    #[test]
    fn variants_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "missile defence",
                &["missile defense", "missile defences", "missile defenses"],
            ),
            (
                "denuclearisation",
                &["denuclearization", "denuclearisations", "denuclearizations"],
            ),
            (
                "nuclear programme",
                &["nuclear program", "nuclear programmes", "nuclear programs"],
            ),
            ("sanctions", &[]),
            ("party", &["parties"]),
            ("embargo", &["embargos"]),
            ("ASEAN", &[]),
            ("sanction*", &[]),
            ("counter-terrorism", &["counterterrorism"]),
            ("противоракетная оборона", &[]),
        ];
        for (term, expected) in cases {
            let got = spelling().variants_of(term);
            assert_eq!(got, *expected, "term {term:?}");
        }
    }

    #[test]
    fn russian_phrases_sharing_a_stem_all_match() {
        let src = "[[topic]]\nid = \"nonproliferation\"\n[[topic.terms]]\nweight = 3\n\
                   words = [\"ядерное оружие\", \"ядерная программа\", \"ядерный арсенал\"]\n";
        let t = Taxonomy::parse(src, "t.toml").unwrap();
        let text = "ядерного оружия, ядерной программы и ядерным арсеналом";
        // (words at other places of the trie keep their own forms: see the
        // builtin test for `региональной безопасностью`)
        let terms: Vec<_> = t
            .find(&tokenize(text))
            .iter()
            .map(|h| t.terms()[h.topics[0].1].text.as_str())
            .collect();
        assert_eq!(
            terms,
            vec!["ядерное оружие", "ядерная программа", "ядерный арсенал"]
        );
    }

    #[test]
    fn terms_accepting_the_same_words_both_count() {
        // `боевик` and `боевики` have the same case forms; `нарко*` and
        // `наркотик` both take `наркотик`.
        let src = "[[topic]]\nid = \"terrorism\"\n[[topic.terms]]\nweight = 1\n\
                   words = [\"боевик\", \"нарко*\"]\n\
                   [[topic]]\nid = \"armed_conflict\"\n[[topic.terms]]\nweight = 2\n\
                   words = [\"боевики\"]\n\
                   [[topic]]\nid = \"drug_trafficking\"\n[[topic.terms]]\nweight = 3\n\
                   words = [\"наркотик\"]\n";
        let t = Taxonomy::parse(src, "t.toml").unwrap();
        let topics = |text: &str| -> Vec<Vec<usize>> {
            t.find(&tokenize(text))
                .iter()
                .map(|h| h.topics.iter().map(|&(topic, _)| topic).collect())
                .collect()
        };
        assert_eq!(topics("боевиков"), vec![vec![0, 1]]);
        assert_eq!(topics("боевик"), vec![vec![0, 1]]);
        assert_eq!(topics("наркотиками"), vec![vec![0, 2]]);
    }

    #[test]
    fn line_and_column() {
        let src = "a\nbc\n  d";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 3), (2, 2));
        assert_eq!(line_column(src, 7), (3, 3));
    }

    fn tiny(extra: &str) -> String {
        format!(
            "version = 1\n[[topic]]\nid = \"terrorism\"\nexclude = [\"war on terror\"]\n\
             [[topic.terms]]\nweight = 2.0\nwords = [\"terror\", \"терроризм\"]\n{extra}"
        )
    }

    #[test]
    fn finds_terms_and_applies_exclusions() {
        let t = Taxonomy::parse(&tiny(""), "t.toml").unwrap();
        let text = "Terror; the war on terror; борьба с терроризмом";
        let hits = t.find(&tokenize(text));
        let surfaces: Vec<_> = hits.iter().map(|h| &text[h.bytes.clone()]).collect();
        assert_eq!(surfaces, vec!["Terror", "терроризмом"]);
        assert_eq!(hits[0].topics, vec![(0, 0)]);
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&str, &str)] = &[
            (
                "[[topic]]\nid = \"weather\"\n[[topic.terms]]\nweight = 1\nwords = [\"rain\"]\n",
                "t.toml:2: unknown topic id `weather`",
            ),
            (
                "[[topic]]\nid = \"space\"\n[[topic.terms]]\nweight = -1\nwords = [\"orbit\"]\n",
                "t.toml:4: `weight` = -1 is out of range",
            ),
            (
                "[[topic]]\nid = \"space\"\n[[topic.terms]]\nweight = 1\nwords = [\"orbit\",\n \"Orbit\"]\n",
                "t.toml:6: term `Orbit` is listed twice in topic `space`",
            ),
            (
                "[[topic]]\nid = \"space\"\n[[topic.terms]]\nweight = 1\nwords = [\" - \"]\n",
                "t.toml:5: term ` - ` has no word characters",
            ),
            (
                "[[topic]]\nid = \"space\"\n",
                "t.toml:2: topic `space` has no terms",
            ),
            (
                "[[topic]]\nid = \"space\"\ncolour = 1\n",
                "t.toml:3:1: unknown field `colour`",
            ),
            ("version = 2\n", "t.toml:1: unsupported taxonomy version 2"),
            (
                "[location]\ntitle = 0\n",
                "t.toml:2: `title` = 0 is out of range",
            ),
            ("", "t.toml:1: the taxonomy defines no [[topic]]"),
            (
                "[spelling]\nvariants = [[\"a\"]]\n",
                "t.toml:2: spelling variant [\"a\"] must be two",
            ),
        ];
        for (src, expected) in cases {
            let src = if src.contains("[[topic]]") || src.is_empty() {
                src.to_string()
            } else {
                format!("{src}{}", &tiny("")["version = 1\n".len()..])
            };
            let err = Taxonomy::parse(&src, "t.toml").unwrap_err().to_string();
            assert!(
                err.starts_with(expected),
                "source {src:?}: got {err:?}, want {expected:?}"
            );
        }
        let dup = format!("{}{}", tiny(""), &tiny("")["version = 1\n".len()..]);
        let err = Taxonomy::parse(&dup, "t.toml").unwrap_err().to_string();
        assert_eq!(err, "t.toml:9: topic `terrorism` is defined twice");
    }

    #[test]
    fn builtin_taxonomy_covers_every_topic() {
        let t = Taxonomy::builtin().unwrap();
        let ids: Vec<_> = t.topics().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, TOPIC_IDS);
    }

    #[test]
    fn every_builtin_term_matches_itself() {
        let t = Taxonomy::builtin().unwrap();
        let missed: Vec<String> = t
            .terms()
            .iter()
            .filter(|term| {
                let text = term.text.replace('*', "");
                let tokens = tokenize(&text);
                let whole = 0..tokens.len();
                !t.find(&tokens).iter().any(|h| {
                    h.tokens == whole && h.topics.iter().any(|&(topic, _)| topic == term.topic)
                })
            })
            .map(|term| format!("{} ({})", term.text, t.topics()[term.topic].id))
            .collect();
        assert!(
            missed.is_empty(),
            "terms that do not match themselves: {missed:?}"
        );
    }

    #[test]
    fn builtin_taxonomy_matches_russian_case_forms() {
        let t = Taxonomy::builtin().unwrap();
        let cases = [
            ("региональной безопасностью", "региональная безопасность"),
            ("архитектуры безопасности", "архитектура безопасности"),
            ("санкциям", "санкция"),
            ("на Курилах", "Курилы"),
            ("Корейского полуострова", "Корейский полуостров"),
            ("ядерного оружия", "ядерное оружие"),
            ("ядерной программой", "ядерная программа"),
            ("военных учениях", "военные учения"),
            ("противоракетной обороны", "противоракетная оборона"),
            ("наркотрафиком", "наркотрафик"),
            ("мирного договора", "мирный договор"),
            ("Совете Безопасности ООН", "Совет Безопасности ООН"),
        ];
        for (text, term) in cases {
            let hits = t.find(&tokenize(text));
            let found: Vec<_> = hits
                .iter()
                .flat_map(|h| {
                    h.topics
                        .iter()
                        .map(|&(_, term)| t.terms()[term].text.as_str())
                })
                .collect();
            assert!(
                found.contains(&term),
                "{text}: found {found:?}, want {term}"
            );
        }
    }
}
