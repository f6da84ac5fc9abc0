//! The gazetteer compiled into one token-trie automaton, plus the per-term
//! checks the core matcher leaves to its callers.
//!
//! Every name, alias, short form and role phrase becomes one pattern of a
//! [`TermMatcher`]; a document is tokenized once and walked once. The core
//! matcher follows every branch of the token trie, so Russian patterns that
//! share a stem at the same position (`Корейская Народно-Демократическая
//! Республика` and `Корейский полуостров`) are all reached in their
//! inflected forms by the one automaton.
//! Two checks refine the core matcher's hits:
//!
//! * **Capitals.** A name written with a capital initial in the gazetteer
//!   (`China`, `Date`, `Лавров`) needs a capital initial in the text, so
//!   `china` (porcelain) and `date` are not entities. Names written in lower
//!   case (`regional ASEAN security forum`, `японский`) and role phrases
//!   match in any case.
//! * **Indeclinable names.** Capitalized Cyrillic words ending in `о е и у
//!   ю э` (`Токио`, `Коно`, `Абэ`, `Сочи`) are foreign names that Russian does
//!   not inflect; they must match as written, so `Коно` does not match
//!   `Конев`.
//!
//! When a hit fails these checks its span is searched again from its second
//! word, so a shorter name inside it can still be found.

use std::collections::HashMap;

use newsflow_core::text::{TermMatcher, TokenSlice, Tokens, fold, tokenize};

use super::gazetteer::Gazetteer;

/// What a pattern names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A person's full name or alias.
    Person(usize),
    /// A person's short form (surname).
    Short {
        person: usize,
        needs_support: bool,
    },
    Country(usize),
    Place(usize),
    Org(usize),
    /// An organization's short form, used only with document support.
    OrgShort(usize),
    /// A role phrase.
    Role(usize),
}

#[derive(Debug)]
struct Term {
    target: Target,
    /// The gazetteer spelling starts with a capital letter.
    capitalized: bool,
    /// Folded pattern words.
    words: Vec<String>,
    /// Per word: must match exactly (indeclinable Cyrillic name).
    exact: Vec<bool>,
}

/// One thing a hit names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Person(u32),
    Short { person: u32, needs_support: bool },
    Country(u32),
    Place(u32),
    Org(u32),
    OrgShort(u32),
    Role(u32),
}

/// A gazetteer hit in a document: a token span and what it names. The
/// names of all hits sit in one vector of [`Hits`]; a hit holds its range.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: u32,
    end: u32,
    names: (u32, u32),
    /// A role phrase matched in its dictionary form (not inflected).
    role_nominative: bool,
}

/// Tokens per hit that [`Lexicon::find`] reserves room for.
const TOKENS_PER_HIT: usize = 4;

/// The gazetteer hits of one document, in text order: 20 bytes per hit
/// plus 8 per name it carries (most hits name one thing).
#[derive(Debug, Default)]
pub(crate) struct Hits {
    spans: Vec<Span>,
    names: Vec<Name>,
}

impl Hits {
    /// Number of hits.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Hit `h`.
    pub(crate) fn get(&self, h: usize) -> Hit<'_> {
        let span = self.spans[h];
        Hit {
            first: span.first as usize,
            end: span.end as usize,
            role_nominative: span.role_nominative,
            names: &self.names[span.names.0 as usize..span.names.1 as usize],
        }
    }

    /// Every hit, in text order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Hit<'_>> {
        (0..self.len()).map(|h| self.get(h))
    }

    /// Opens a hit over tokens `first..end`; [`Hits::add`] fills it.
    fn open(&mut self, first: usize, end: usize) {
        self.close();
        let at = to_u32(self.names.len());
        self.spans.push(Span {
            first: to_u32(first),
            end: to_u32(end),
            names: (at, at),
            role_nominative: false,
        });
    }

    /// Adds `name` to the last hit unless it already names it (a short form
    /// counts once per person).
    fn add(&mut self, name: Name) {
        let span = self.spans.last_mut().expect("a hit is open");
        let same = |n: &Name| match (*n, name) {
            (Name::Short { person: a, .. }, Name::Short { person: b, .. }) => a == b,
            (a, b) => a == b,
        };
        if !self.names[span.names.0 as usize..].iter().any(same) {
            self.names.push(name);
            span.names.1 = to_u32(self.names.len());
        }
    }

    /// Marks the last hit as a role phrase in its dictionary form.
    fn set_role_nominative(&mut self) {
        self.spans
            .last_mut()
            .expect("a hit is open")
            .role_nominative = true;
    }

    /// Finishes the last hit: a full name outranks short forms and role
    /// phrases on the same words, and a short form outranks role phrases.
    fn close(&mut self) {
        let Some(span) = self.spans.last_mut() else {
            return;
        };
        let from = span.names.0 as usize;
        let tail = &self.names[from..];
        let names_entity = tail.iter().any(|n| {
            matches!(
                n,
                Name::Person(_) | Name::Country(_) | Name::Place(_) | Name::Org(_)
            )
        });
        let has_short = tail
            .iter()
            .any(|n| matches!(n, Name::Short { .. } | Name::OrgShort(_)));
        let keep = |n: &Name| match n {
            Name::Short { .. } | Name::OrgShort(_) => !names_entity,
            Name::Role(_) => !names_entity && !has_short,
            _ => true,
        };
        let mut kept = from;
        for i in from..self.names.len() {
            if keep(&self.names[i]) {
                self.names[kept] = self.names[i];
                kept += 1;
            }
        }
        self.names.truncate(kept);
        span.names.1 = to_u32(kept);
    }
}

/// One hit of [`Hits`]: its token span and what it names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<'h> {
    pub(crate) first: usize,
    pub(crate) end: usize,
    /// A role phrase matched in its dictionary form (not inflected).
    pub(crate) role_nominative: bool,
    names: &'h [Name],
}

impl<'h> Hit<'h> {
    /// Persons named by a full name or alias.
    pub(crate) fn persons(self) -> impl Iterator<Item = usize> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::Person(p) => Some(p as usize),
            _ => None,
        })
    }

    /// Persons whose short form (surname) this is, and whether it needs
    /// support in the document.
    pub(crate) fn shorts(self) -> impl Iterator<Item = (usize, bool)> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::Short {
                person,
                needs_support,
            } => Some((person as usize, needs_support)),
            _ => None,
        })
    }

    pub(crate) fn countries(self) -> impl Iterator<Item = usize> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::Country(c) => Some(c as usize),
            _ => None,
        })
    }

    pub(crate) fn places(self) -> impl Iterator<Item = usize> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::Place(p) => Some(p as usize),
            _ => None,
        })
    }

    pub(crate) fn orgs(self) -> impl Iterator<Item = usize> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::Org(o) => Some(o as usize),
            _ => None,
        })
    }

    /// Organizations whose short name this is.
    pub(crate) fn org_shorts(self) -> impl Iterator<Item = usize> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::OrgShort(o) => Some(o as usize),
            _ => None,
        })
    }

    pub(crate) fn roles(self) -> impl Iterator<Item = usize> + 'h {
        self.names.iter().filter_map(|n| match *n {
            Name::Role(r) => Some(r as usize),
            _ => None,
        })
    }

    pub(crate) fn has_persons(self) -> bool {
        self.persons().next().is_some()
    }

    pub(crate) fn has_shorts(self) -> bool {
        self.shorts().next().is_some()
    }

    pub(crate) fn has_countries(self) -> bool {
        self.countries().next().is_some()
    }

    pub(crate) fn has_places(self) -> bool {
        self.places().next().is_some()
    }

    pub(crate) fn has_orgs(self) -> bool {
        self.orgs().next().is_some()
    }

    pub(crate) fn has_org_shorts(self) -> bool {
        self.org_shorts().next().is_some()
    }

    pub(crate) fn has_roles(self) -> bool {
        self.roles().next().is_some()
    }

    /// Only short forms of persons.
    pub(crate) fn is_short_only(self) -> bool {
        self.has_shorts() && !self.names_entity() && !self.has_org_shorts()
    }

    /// Names a person, country, place or organization outright.
    pub(crate) fn names_entity(self) -> bool {
        self.has_persons() || self.has_countries() || self.has_places() || self.has_orgs()
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("texts are under 4 GiB")
}

/// Folded name words of a person, for variant and repair checks.
#[derive(Debug, Default, Clone)]
pub(crate) struct PersonNames {
    /// Surnames: single-word short forms (else the last word of the
    /// canonical name).
    pub(crate) surnames: Vec<String>,
    /// Other words of full names (given names, patronymics, family names
    /// written first).
    pub(crate) given: Vec<String>,
}

/// The compiled gazetteer.
#[derive(Debug)]
pub(crate) struct Lexicon {
    /// The one automaton holding every pattern.
    matcher: TermMatcher,
    terms: Vec<Term>,
    pub(crate) names: Vec<PersonNames>,
}

fn is_cyrillic_word(w: &str) -> bool {
    w.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// A capitalized Cyrillic word that Russian leaves uninflected.
fn indeclinable(word: &str) -> bool {
    if !is_cyrillic_word(word) || !word.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let key = fold(word);
    if ["ое", "ее", "ие", "ые"].iter().any(|e| key.ends_with(e)) {
        return false;
    }
    key.ends_with(['о', 'е', 'и', 'у', 'ю', 'э'])
}

/// Words of a pattern as the core matcher splits them.
fn pattern_words(pattern: &str) -> Vec<&str> {
    pattern
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Expands a name with every spelling variant of its words (at most 64).
fn expand_variants(
    name: &str,
    variants: &HashMap<String, usize>,
    groups: &[Vec<String>],
) -> Vec<String> {
    let mut out = vec![String::new()];
    for (i, word) in name.split_whitespace().enumerate() {
        let alternatives: Vec<&str> = match variants.get(&fold(word)) {
            Some(&g) => groups[g].iter().map(String::as_str).collect(),
            None => vec![word],
        };
        let mut next = Vec::new();
        for prefix in &out {
            for alt in &alternatives {
                if next.len() >= 64 {
                    break;
                }
                let mut s = prefix.clone();
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(alt);
                next.push(s);
            }
        }
        out = next;
    }
    if !out.iter().any(|s| s == name) {
        out.insert(0, name.to_string());
    }
    out
}

impl Lexicon {
    /// Compiles the gazetteer into one automaton.
    pub(crate) fn build(g: &Gazetteer) -> Lexicon {
        let mut variant_index = HashMap::new();
        for (i, group) in g.variants.iter().enumerate() {
            for w in group {
                variant_index.entry(fold(w)).or_insert(i);
            }
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut terms: Vec<Term> = Vec::new();
        let mut add = |pattern: &str, target: Target| {
            // The gazetteer parser rejects names without word characters.
            if pattern_words(pattern).is_empty() {
                return;
            }
            let words = pattern_words(pattern);
            let term = Term {
                target,
                // Role phrases match in any case (`Russia’s ambassador`).
                capitalized: !matches!(target, Target::Role(_))
                    && pattern
                        .chars()
                        .find(|c| c.is_alphabetic())
                        .is_some_and(char::is_uppercase),
                exact: words.iter().map(|w| indeclinable(w)).collect(),
                words: words.iter().map(|w| fold(w)).collect(),
            };
            patterns.push(pattern.to_string());
            terms.push(term);
        };
        let mut names = Vec::with_capacity(g.persons.len());
        for (pid, p) in g.persons.iter().enumerate() {
            let mut pn = PersonNames::default();
            for s in &p.shorts {
                for v in expand_variants(&s.text, &variant_index, &g.variants) {
                    add(
                        &v,
                        Target::Short {
                            person: pid,
                            needs_support: s.needs_support,
                        },
                    );
                    let w = pattern_words(&v);
                    if w.len() == 1 {
                        push_unique(&mut pn.surnames, fold(w[0]));
                    }
                }
            }
            if pn.surnames.is_empty()
                && let Some(last) = pattern_words(&p.canonical).last()
            {
                pn.surnames.push(fold(last));
            }
            for name in std::iter::once(&p.canonical).chain(&p.aliases) {
                for v in expand_variants(name, &variant_index, &g.variants) {
                    add(&v, Target::Person(pid));
                    let w = pattern_words(&v);
                    if w.len() >= 2 {
                        for word in w {
                            let key = fold(word);
                            if key.chars().count() > 1 && !pn.surnames.contains(&key) {
                                push_unique(&mut pn.given, key);
                            }
                        }
                    }
                }
            }
            names.push(pn);
        }
        for (cid, c) in g.countries.iter().enumerate() {
            for n in &c.names {
                add(n, Target::Country(cid));
            }
        }
        for (i, p) in g.places.iter().enumerate() {
            for n in std::iter::once(&p.canonical).chain(&p.aliases) {
                add(n, Target::Place(i));
            }
        }
        for (i, o) in g.orgs.iter().enumerate() {
            for n in std::iter::once(&o.canonical).chain(&o.aliases) {
                add(n, Target::Org(i));
            }
            for n in &o.shorts {
                add(n, Target::OrgShort(i));
            }
        }
        for (i, r) in g.roles.iter().enumerate() {
            for n in &r.phrases {
                add(n, Target::Role(i));
            }
        }
        let mut builder = TermMatcher::builder();
        for (id, pattern) in patterns.iter().enumerate() {
            // Every pattern has a word character (checked above).
            let _ = builder.add(pattern, id);
        }
        let matcher = builder.build();
        Lexicon {
            matcher,
            terms,
            names,
        }
    }

    /// Number of patterns in the automaton.
    pub(crate) fn patterns(&self) -> usize {
        self.matcher.len()
    }

    fn term_ok(&self, term: &Term, tokens: TokenSlice<'_>) -> bool {
        if term.capitalized && !tokens[0].capitalized {
            return false;
        }
        term.exact
            .iter()
            .zip(&term.words)
            .zip(tokens.iter())
            .all(|((&exact, word), tok)| !exact || tokens.key_of(tok) == word)
    }

    /// Finds gazetteer hits, leftmost-longest, with one walk of the
    /// automaton over `tokens`.
    pub(crate) fn find(&self, tokens: &Tokens) -> Hits {
        // Room for a hit every few tokens (the benchmark corpus has a
        // mention about every seven), rather than a doubling at a time.
        let room = tokens.len() / TOKENS_PER_HIT;
        let mut hits = Hits {
            spans: Vec::with_capacity(room),
            names: Vec::with_capacity(room),
        };
        let mut covered = 0;
        self.collect(tokens.slice(..), 0, &mut |first, end, ids| {
            let span = tokens.slice(first..end);
            if let Some(last) = hits.spans.last()
                && last.first as usize == first
                && last.end as usize == end
            {
                self.classify(&mut hits, ids, span);
                return;
            }
            if first < covered {
                return;
            }
            hits.open(first, end);
            self.classify(&mut hits, ids, span);
            covered = end;
        });
        hits.close();
        hits
    }

    /// Matches of the automaton over the window `tokens` (starting at token
    /// `offset` of the document): calls `found` with the span and the ids of
    /// the matched terms, some of which may fail the capital and inflection
    /// checks, when at least one passes them. A rejected match is searched
    /// again from its second word, within its own span, so a shorter name
    /// inside it is still found.
    fn collect(
        &self,
        tokens: TokenSlice<'_>,
        offset: usize,
        found: &mut dyn FnMut(usize, usize, &[usize]),
    ) {
        self.matcher.find_each(tokens, |m| {
            let span = tokens.slice(m.first_token..m.end_token);
            if m.ids.iter().any(|&id| self.term_ok(&self.terms[id], span)) {
                found(offset + m.first_token, offset + m.end_token, m.ids);
            } else {
                let inner = tokens.slice(m.first_token + 1..m.end_token);
                self.collect(inner, offset + m.first_token + 1, found);
            }
        });
    }

    /// Adds to the last hit what the terms `ids` that pass the checks on
    /// `span` name.
    fn classify(&self, hits: &mut Hits, ids: &[usize], span: TokenSlice<'_>) {
        for &id in ids {
            let term = &self.terms[id];
            if !self.term_ok(term, span) {
                continue;
            }
            let name = match term.target {
                Target::Person(p) => Name::Person(to_u32(p)),
                Target::Short {
                    person,
                    needs_support,
                } => Name::Short {
                    person: to_u32(person),
                    needs_support,
                },
                Target::Country(c) => Name::Country(to_u32(c)),
                Target::Place(p) => Name::Place(to_u32(p)),
                Target::Org(o) => Name::Org(to_u32(o)),
                Target::OrgShort(o) => Name::OrgShort(to_u32(o)),
                Target::Role(r) => {
                    if span
                        .iter()
                        .zip(&term.words)
                        .all(|(t, w)| span.key_of(t) == w)
                    {
                        hits.set_role_nominative();
                    }
                    Name::Role(to_u32(r))
                }
            };
            hits.add(name);
        }
    }

    /// Tokenizes `text` and finds its hits.
    pub(crate) fn scan(&self, text: &str) -> (Tokens, Hits) {
        let tokens = tokenize(text);
        let hits = self.find(&tokens);
        (tokens, hits)
    }
}

pub(crate) fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indeclinable_words() {
        let cases = [
            ("Токио", true),
            ("Коно", true),
            ("Абэ", true),
            ("Сочи", true),
            ("Лавров", false),
            ("Япония", false),
            ("Курилы", false),
            ("Японское", false),
            ("море", false),
            ("Tokyo", false),
        ];
        for (w, want) in cases {
            assert_eq!(indeclinable(w), want, "{w}");
        }
    }

    #[test]
    fn variants_expand_every_word() {
        let groups = vec![
            vec!["Sergey".to_string(), "Sergei".to_string()],
            vec!["Nikolai".to_string(), "Nikolay".to_string()],
        ];
        let mut idx = HashMap::new();
        idx.insert("sergey".to_string(), 0);
        idx.insert("sergei".to_string(), 0);
        let mut got = expand_variants("Sergei Lavrov", &idx, &groups);
        got.sort();
        assert_eq!(got, vec!["Sergei Lavrov", "Sergey Lavrov"]);
        assert_eq!(expand_variants("Lavrov", &idx, &groups), vec!["Lavrov"]);
    }
}
