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

use newsflow_core::text::{TermMatcher, Token, fold, tokenize};

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

/// A gazetteer hit in a document: a token span and what it names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hit {
    pub(crate) first: usize,
    pub(crate) end: usize,
    pub(crate) persons: Vec<usize>,
    pub(crate) shorts: Vec<(usize, bool)>,
    pub(crate) countries: Vec<usize>,
    pub(crate) places: Vec<usize>,
    pub(crate) orgs: Vec<usize>,
    pub(crate) org_shorts: Vec<usize>,
    pub(crate) roles: Vec<usize>,
    /// A role phrase matched in its dictionary form (not inflected).
    pub(crate) role_nominative: bool,
}

impl Hit {
    /// Only short forms of persons.
    pub(crate) fn is_short_only(&self) -> bool {
        !self.shorts.is_empty() && !self.names_entity() && self.org_shorts.is_empty()
    }

    /// Names a person, country, place or organization outright.
    pub(crate) fn names_entity(&self) -> bool {
        !self.persons.is_empty()
            || !self.countries.is_empty()
            || !self.places.is_empty()
            || !self.orgs.is_empty()
    }
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

    fn term_ok(&self, term: &Term, tokens: &[Token]) -> bool {
        if term.capitalized && !tokens[0].capitalized {
            return false;
        }
        term.exact
            .iter()
            .zip(&term.words)
            .zip(tokens)
            .all(|((&exact, word), tok)| !exact || tok.key == *word)
    }

    /// Finds gazetteer hits, leftmost-longest, with one walk of the
    /// automaton over `tokens`.
    pub(crate) fn find(&self, tokens: &[Token]) -> Vec<Hit> {
        let mut raw: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        self.collect(tokens, 0, &mut raw);
        let mut hits: Vec<Hit> = Vec::new();
        let mut covered = 0;
        for (first, end, ids) in raw {
            if let Some(last) = hits.last_mut()
                && last.first == first
                && last.end == end
            {
                self.classify(last, &ids, &tokens[first..end]);
                continue;
            }
            if first < covered {
                continue;
            }
            let mut hit = Hit {
                first,
                end,
                ..Hit::default()
            };
            self.classify(&mut hit, &ids, &tokens[first..end]);
            covered = end;
            hits.push(hit);
        }
        for hit in &mut hits {
            // A full name outranks short forms and role phrases on the
            // same words.
            if hit.names_entity() {
                hit.shorts.clear();
                hit.org_shorts.clear();
                hit.roles.clear();
            } else if !hit.shorts.is_empty() || !hit.org_shorts.is_empty() {
                hit.roles.clear();
            }
        }
        hits
    }

    /// Matches of the automaton over the window `tokens` (starting at token
    /// `offset` of the document) whose terms pass the capital and
    /// inflection checks. A rejected match is searched again from its
    /// second word, within its own span, so a shorter name inside it is
    /// still found.
    fn collect(&self, tokens: &[Token], offset: usize, out: &mut Vec<(usize, usize, Vec<usize>)>) {
        for m in self.matcher.find(tokens) {
            let span = &tokens[m.first_token..m.end_token];
            let ids: Vec<usize> = m
                .ids
                .iter()
                .copied()
                .filter(|&id| self.term_ok(&self.terms[id], span))
                .collect();
            if ids.is_empty() {
                let inner = &tokens[m.first_token + 1..m.end_token];
                self.collect(inner, offset + m.first_token + 1, out);
            } else {
                out.push((offset + m.first_token, offset + m.end_token, ids));
            }
        }
    }

    /// Adds what terms `ids` name to `hit`.
    fn classify(&self, hit: &mut Hit, ids: &[usize], span: &[Token]) {
        for &id in ids {
            let term = &self.terms[id];
            match term.target {
                Target::Person(p) => push_unique(&mut hit.persons, p),
                Target::Short {
                    person,
                    needs_support,
                } => {
                    if !hit.shorts.iter().any(|&(p, _)| p == person) {
                        hit.shorts.push((person, needs_support));
                    }
                }
                Target::Country(c) => push_unique(&mut hit.countries, c),
                Target::Place(p) => push_unique(&mut hit.places, p),
                Target::Org(o) => push_unique(&mut hit.orgs, o),
                Target::OrgShort(o) => push_unique(&mut hit.org_shorts, o),
                Target::Role(r) => {
                    push_unique(&mut hit.roles, r);
                    if span.iter().zip(&term.words).all(|(t, w)| t.key == *w) {
                        hit.role_nominative = true;
                    }
                }
            }
        }
    }

    /// Tokenizes `text` and finds its hits.
    pub(crate) fn scan(&self, text: &str) -> (Vec<Token>, Vec<Hit>) {
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
