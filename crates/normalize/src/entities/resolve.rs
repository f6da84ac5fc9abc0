//! Per-document resolution: gazetteer hits become entity mentions; name
//! runs around them are resolved (surnames, spelling variants, repairs,
//! persons named with a role).
//!
//! A *name run* is a sequence of capitalized words that may be a person's
//! name: words no gazetteer entry covers, optionally ending in a person's
//! short form (surname) or, for repairs, in a one-word place or country
//! (`Sergei Lvov`, where `Lvov` is the city). The *role context* of a run is
//! what stands right before it in the same sentence: role phrases
//! (`Foreign Minister`), titles (`Mr`), countries, places and organizations
//! (`Russian`, `of Japan`, `to Tokyo`, `UN`), joined by connectors (`of`,
//! `the`, possessive `’s`, `в`).

use newsflow_core::text::Tokens;

use super::gazetteer::{Gazetteer, RoleTarget};
use super::lexicon::{Hits, Lexicon, push_unique};
use super::words::Words;

/// A gazetteer name or alias.
pub(crate) const RULE_GAZETTEER: &str = "gazetteer";
/// Given name(s) or initials plus a gazetteer surname, in a spelling the
/// gazetteer does not list (`Sergej Viktorovich Lavrov`).
pub(crate) const RULE_NAME_VARIANT: &str = "name_variant";
/// A surname resolved by the role words before it (`President Putin`).
pub(crate) const RULE_SURNAME_ROLE: &str = "surname_role";
/// A surname resolved by a full mention elsewhere in the document.
pub(crate) const RULE_SURNAME_DOC: &str = "surname_doc";
/// A surname only one gazetteer person has.
pub(crate) const RULE_SURNAME_UNIQUE: &str = "surname_unique";
/// A damaged name repaired from its role and a near-identical surname.
pub(crate) const RULE_REPAIR_ROLE: &str = "repair_role";
/// A person not in the gazetteer, named with a role or title.
pub(crate) const RULE_ROLE_PATTERN: &str = "role_pattern";
/// A full-name repeat of a person found by [`RULE_ROLE_PATTERN`].
pub(crate) const RULE_NAME_REPEAT: &str = "name_repeat";
/// A country implied by a place (a capital or other city, a region).
pub(crate) const RULE_PLACE_COUNTRY: &str = "place_country";
/// An organization's short name resolved by its full name in the document.
pub(crate) const RULE_ORG_SHORT_DOC: &str = "org_short_doc";

/// What a mention refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entity {
    Person(usize),
    /// A person not in the gazetteer: their name as written.
    NewPerson(String),
    Country(usize),
    Place(usize),
    Org(usize),
}

/// One resolved mention in the analysed text.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) entity: Entity,
    pub(crate) start_byte: u32,
    pub(crate) end_byte: u32,
    pub(crate) start_char: u32,
    pub(crate) end_char: u32,
    pub(crate) repaired: bool,
    pub(crate) rule: &'static str,
}

/// Role words, titles and entities right before a name.
#[derive(Debug, Clone, Default)]
struct Context {
    roles: Vec<usize>,
    countries: Vec<usize>,
    orgs: Vec<usize>,
    titled: bool,
    /// The role phrase nearest the name is in its dictionary form.
    nominative: bool,
}

impl Context {
    fn introduces_name(&self) -> bool {
        !self.roles.is_empty() || self.titled
    }
}

#[derive(Debug, Clone)]
struct Run {
    start: usize,
    end: usize,
    /// Hit of a short form opening the run.
    lead: Option<usize>,
    /// Hit of the short form ending the run.
    short: Option<usize>,
    /// Hit of a one-word place or country ending the run.
    tail: Option<usize>,
    /// Name words (hyphenated continuations not counted).
    words: usize,
}

/// A short form waiting for document-level evidence.
struct Pending {
    hit: usize,
    ctx: Context,
    agree: Vec<usize>,
}

/// A person found by role pattern: name as written and folded keys.
struct NewPerson {
    name: String,
    full_key: String,
    last_key: String,
}

/// Optimal string alignment distance (Levenshtein with transpositions)
/// over characters.
pub(crate) fn osa(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Largest edit distance accepted between a damaged surname and a
/// gazetteer surname.
fn max_repair_distance(a: &str, b: &str) -> usize {
    if a.chars().count().max(b.chars().count()) <= 4 {
        1
    } else {
        2
    }
}

/// Words that end an institution's or a place's name, English and Russian
/// stems (`Department`, `Департамента`).
const INSTITUTION_WORDS: &[&str] = &[
    "department",
    "departments",
    "ministry",
    "office",
    "agency",
    "committee",
    "commission",
    "university",
    "institute",
    "institution",
    "center",
    "centre",
    "bureau",
    "division",
    "directorate",
    "foundation",
    "academy",
    "school",
    "college",
    "corporation",
    "company",
    "bank",
    "fund",
    "association",
    "society",
    "service",
    "administration",
    "command",
    "prefecture",
    "province",
    "district",
    "airport",
    "station",
    "street",
    "square",
    "avenue",
    "hospital",
    "museum",
    "theatre",
    "theater",
    "council",
    "court",
    "group",
];
const INSTITUTION_STEMS_RU: &[&str] = &[
    "департамент",
    "министерств",
    "управлени",
    "комитет",
    "университет",
    "институт",
    "агентств",
    "ведомств",
    "академи",
    "центр",
    "фонд",
    "администраци",
    "аэропорт",
    "улиц",
    "площад",
    "префектур",
    "провинци",
    "театр",
    "музе",
    "совет",
    "суд",
];

fn is_institution_word(key: &str) -> bool {
    INSTITUTION_WORDS.contains(&key) || INSTITUTION_STEMS_RU.iter().any(|s| key.starts_with(s))
}

fn is_cyrillic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// [`Doc::token_hit`] of a token no hit covers.
const NO_HIT: u32 = u32::MAX;

/// The analysis of one text.
pub(crate) struct Doc<'a> {
    lex: &'a Lexicon,
    gaz: &'a Gazetteer,
    words: &'a Words,
    text: &'a str,
    tokens: Tokens,
    hits: Hits,
    /// Per token: the hit covering it, or [`NO_HIT`].
    token_hit: Vec<u32>,
    title_case: Vec<bool>,
    /// Hits absorbed into a person's name by a repair.
    removed: Vec<bool>,
    found: Vec<Found>,
}

impl<'a> Doc<'a> {
    /// Finds and resolves every entity mention in `text`.
    pub(crate) fn analyze(
        lex: &'a Lexicon,
        gaz: &'a Gazetteer,
        words: &'a Words,
        text: &'a str,
    ) -> Vec<Found> {
        let (tokens, hits) = lex.scan(text);
        let mut token_hit = vec![NO_HIT; tokens.len()];
        for (h, hit) in hits.iter().enumerate() {
            let h = u32::try_from(h).expect("fewer hits than tokens");
            token_hit[hit.first..hit.end].fill(h);
        }
        let title_case = title_case_lines(text, &tokens);
        let removed = vec![false; hits.len()];
        let found = Vec::with_capacity(hits.len());
        let mut doc = Doc {
            lex,
            gaz,
            words,
            text,
            tokens,
            hits,
            token_hit,
            title_case,
            removed,
            found,
        };
        doc.resolve();
        // The tokens and hits are no longer needed: free them before the
        // sort takes its buffer.
        let mut found = std::mem::take(&mut doc.found);
        drop(doc);
        found.sort_by_key(|f| (f.start_char, f.end_char));
        found
    }

    /// The hit covering token `t`.
    fn hit_at(&self, t: usize) -> Option<usize> {
        let h = self.token_hit[t];
        (h != NO_HIT).then_some(h as usize)
    }

    fn push(
        &mut self,
        entity: Entity,
        first: usize,
        end: usize,
        repaired: bool,
        rule: &'static str,
    ) {
        let (s, e) = (&self.tokens[first], &self.tokens[end - 1]);
        let offset = |n: usize| u32::try_from(n).expect("texts are under 4 GiB");
        self.found.push(Found {
            entity,
            start_byte: offset(s.start_byte()),
            end_byte: offset(e.end_byte()),
            start_char: offset(s.start_char()),
            end_char: offset(e.end_char()),
            repaired,
            rule,
        });
    }

    fn gap(&self, a: usize, b: usize) -> &'a str {
        &self.text[self.tokens[a].end_byte()..self.tokens[b].start_byte()]
    }

    fn resolve(&mut self) {
        // Persons the document names unambiguously: full names and
        // surnames only one person has.
        let mut support: Vec<usize> = Vec::new();
        for hit in self.hits.iter() {
            for p in hit.persons() {
                push_unique(&mut support, p);
            }
            let mut shorts = hit.shorts();
            if let (Some((p, false)), None) = (shorts.next(), shorts.next()) {
                push_unique(&mut support, p);
            }
        }

        let mut pending: Vec<Pending> = Vec::new();
        let mut blocked: Vec<String> = Vec::new();
        let mut new_persons: Vec<NewPerson> = Vec::new();
        let mut deferred: Vec<Run> = Vec::new();

        for run in self.runs() {
            self.run(
                &run,
                &support,
                &mut pending,
                &mut blocked,
                &mut new_persons,
                &mut deferred,
            );
        }

        for h in 0..self.hits.len() {
            if self.removed[h] {
                continue;
            }
            let hit = self.hits.get(h);
            let (first, end) = (hit.first, hit.end);
            let person = hit.persons().next();
            if let Some(p) = person {
                self.push(Entity::Person(p), first, end, false, RULE_GAZETTEER);
            }
        }

        self.resolve_pending(pending, &blocked, &new_persons);

        for run in deferred {
            let key = self.run_key(&run);
            if let Some(np) = new_persons.iter().find(|np| np.full_key == key) {
                let name = np.name.clone();
                self.push(
                    Entity::NewPerson(name),
                    run.start,
                    run.end,
                    false,
                    RULE_NAME_REPEAT,
                );
            } else if run.words == 1
                && let Some(np) = new_persons.iter().find(|np| np.last_key == key)
            {
                let name = np.name.clone();
                self.push(
                    Entity::NewPerson(name),
                    run.start,
                    run.end,
                    false,
                    RULE_SURNAME_DOC,
                );
            }
        }

        self.non_persons();
    }

    /// Folded words of a run joined by spaces.
    fn run_key(&self, run: &Run) -> String {
        self.tokens[run.start..run.end]
            .iter()
            .map(|t| self.tokens.key_of(t))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The run as written, words joined by single spaces (hyphens and the
    /// full stops of initials kept).
    fn run_text(&self, run: &Run) -> String {
        let mut s = String::new();
        for t in run.start..run.end {
            if t > run.start {
                let gap = self.gap(t - 1, t);
                if gap.trim() == "-" {
                    s.push('-');
                } else {
                    s.push(' ');
                }
            }
            let tok = &self.tokens[t];
            s.push_str(&self.text[tok.start_byte()..tok.end_byte()]);
            if self.tokens.key(t).chars().count() == 1
                && self.text[tok.end_byte()..].starts_with('.')
            {
                s.push('.');
            }
        }
        s
    }

    // ----- name runs -------------------------------------------------------

    /// A capitalized word that may be part of a name.
    fn name_like(&self, t: usize) -> bool {
        let tok = &self.tokens[t];
        let key = self.tokens.key(t);
        let len = key.chars().count();
        if !tok.capitalized || !key.chars().all(char::is_alphabetic) {
            return false;
        }
        if self.words.is_stop(key) {
            return false;
        }
        if len == 1 {
            // An initial: `H. R. McMaster`, `С.В. Лавров`.
            return self.text[tok.end_byte()..].starts_with('.');
        }
        !tok.all_caps
    }

    fn run_gap_ok(&self, a: usize, b: usize) -> bool {
        let gap = self.gap(a, b);
        if gap.contains('\n') {
            return false;
        }
        let trimmed = gap.trim();
        if trimmed.is_empty() {
            return !gap.is_empty() && gap.chars().count() <= 2;
        }
        if matches!(trimmed, "-" | "‐") {
            return gap.chars().count() == 1;
        }
        trimmed == "." && self.tokens.key(a).chars().count() == 1
    }

    /// The lower-case second part of a hyphenated name (`Jae-in`).
    fn hyphen_continuation(&self, t: usize) -> bool {
        let tok = &self.tokens[t];
        t > 0
            && matches!(self.gap(t - 1, t), "-" | "‐")
            && !tok.capitalized
            && self.tokens.key(t).chars().all(char::is_alphabetic)
            && self.tokens.key(t).chars().count() <= 6
    }

    /// A one-word place or country that may be a damaged surname.
    fn tail_candidate(&self, h: usize, t: usize) -> bool {
        let hit = self.hits.get(h);
        hit.first == t
            && hit.end == t + 1
            && (hit.has_places() || hit.has_countries())
            && !hit.has_persons()
            && !hit.has_orgs()
            && self.tokens[t].capitalized
            && !self.tokens[t].all_caps
    }

    fn short_at(&self, t: usize) -> Option<usize> {
        self.hit_at(t)
            .filter(|&h| self.hits.get(h).first == t && self.hits.get(h).is_short_only())
    }

    fn runs(&self) -> Vec<Run> {
        let n = self.tokens.len();
        let mut runs = Vec::new();
        let mut i = 0;
        while i < n {
            let starts =
                self.short_at(i).is_some() || (self.hit_at(i).is_none() && self.name_like(i));
            if !starts {
                i += 1;
                continue;
            }
            let mut run = Run {
                start: i,
                end: i,
                lead: None,
                short: None,
                tail: None,
                words: 0,
            };
            let mut j = i;
            while j < n {
                if j > i && !self.run_gap_ok(j - 1, j) {
                    break;
                }
                if let Some(h) = self.short_at(j) {
                    run.words += 1;
                    j = self.hits.get(h).end;
                    if self.hits.get(h).first == i {
                        run.lead = Some(h);
                        continue;
                    }
                    run.short = Some(h);
                    break;
                }
                match self.hit_at(j) {
                    Some(h) if j > i && self.tail_candidate(h, j) => {
                        run.tail = Some(h);
                        run.words += 1;
                        j += 1;
                        break;
                    }
                    Some(_) => break,
                    None if self.name_like(j) => {
                        run.words += 1;
                        j += 1;
                    }
                    None if j > i && self.hyphen_continuation(j) => j += 1,
                    None => break,
                }
            }
            run.end = j;
            if run.end > run.start {
                runs.push(run);
            }
            i = j.max(i + 1);
        }
        runs
    }

    /// The token starts a sentence (or the text).
    fn sentence_start(&self, t: usize) -> bool {
        if t == 0 {
            return true;
        }
        let gap = self.gap(t - 1, t);
        gap.contains('\n') || gap.contains(['.', '!', '?', ':', '"', '“', '«', '—', '–'])
    }

    // ----- role context ----------------------------------------------------

    fn context_gap_ok(&self, prev: usize, next: usize, adjacent: bool) -> bool {
        let gap = self.gap(prev, next);
        if gap.contains('\n') {
            return false;
        }
        gap.chars().all(|c| {
            c.is_whitespace()
                || matches!(c, '-' | '‐' | '’' | '\'' | '‘' | '[' | ']')
                || (c == ',' && adjacent)
                || (c == '.' && self.words.is_title_abbreviation(self.tokens.key(prev)))
        })
    }

    /// Role words, titles and entities right before token `start`.
    fn context_before(&self, start: usize) -> Context {
        let mut ctx = Context::default();
        let mut k = start;
        let mut steps = 0;
        while k > 0 && steps < 10 {
            let prev = k - 1;
            if !self.context_gap_ok(prev, k, k == start) {
                break;
            }
            if let Some(h) = self.hit_at(prev) {
                let hit = self.hits.get(h);
                if self.removed[h] || hit.has_persons() || hit.has_shorts() || hit.has_org_shorts()
                {
                    break;
                }
                if hit.has_roles() && ctx.roles.is_empty() {
                    ctx.nominative = hit.role_nominative;
                }
                for r in hit.roles() {
                    push_unique(&mut ctx.roles, r);
                }
                for c in hit.countries() {
                    push_unique(&mut ctx.countries, c);
                }
                for p in hit.places() {
                    if let Some(c) = self.gaz.places[p].country {
                        push_unique(&mut ctx.countries, c);
                    }
                }
                for o in hit.orgs() {
                    push_unique(&mut ctx.orgs, o);
                }
                k = hit.first;
            } else {
                let key = self.tokens.key(prev);
                if self.words.is_title(key) {
                    ctx.titled = true;
                } else if !self.words.is_connector(key) {
                    break;
                }
                k = prev;
            }
            steps += 1;
        }
        ctx
    }

    /// A role word follows the run as an apposition (`Ivan Petrov, Russia’s
    /// ambassador to Japan`).
    fn role_after(&self, end: usize) -> bool {
        let n = self.tokens.len();
        if end == 0 || end >= n || self.gap(end - 1, end).trim() != "," {
            return false;
        }
        for k in end..n.min(end + 6) {
            if k > end {
                let gap = self.gap(k - 1, k);
                let bad = gap.contains('\n')
                    || gap.contains([
                        '.', ',', ';', ':', '!', '?', '(', ')', '"', '“', '”', '«', '»',
                    ]);
                if bad {
                    return false;
                }
            }
            if let Some(h) = self.hit_at(k)
                && self.hits.get(h).has_roles()
            {
                return true;
            }
        }
        false
    }

    fn role_keys_agree(&self, context_role: usize, person_role: usize) -> bool {
        context_role == person_role
            || (self.gaz.roles[context_role].key == "minister"
                && self.gaz.roles[person_role].key.contains("minister"))
    }

    /// The person holds a role named in the context, attached to a country
    /// or organization the context names (or the context names none).
    fn role_agrees(&self, ctx: &Context, pid: usize) -> bool {
        self.gaz.persons[pid].roles.iter().any(|r| {
            ctx.roles.iter().any(|&cr| self.role_keys_agree(cr, r.role))
                && match r.target {
                    None => true,
                    Some(RoleTarget::Country(c)) => {
                        ctx.countries.is_empty() || ctx.countries.contains(&c)
                    }
                    Some(RoleTarget::Org(o)) => ctx.orgs.is_empty() || ctx.orgs.contains(&o),
                }
        })
    }

    /// Token `t` can be a given name (or initial) of person `pid`.
    fn given_compatible(&self, t: usize, pid: usize) -> bool {
        let key = self.tokens.key(t);
        let given = &self.lex.names[pid].given;
        if key.chars().count() == 1 {
            return given.iter().any(|g| g.starts_with(key));
        }
        // A one-letter slip (`Sergej`, `Сергея`) keeps the first letter:
        // `Hong` is not `Jong` nor `Yong`.
        given.iter().any(|g| {
            g == key
                || (key.chars().count() >= 4
                    && g.chars().next() == key.chars().next()
                    && osa(g, key) <= 1)
        })
    }

    // ----- resolving runs --------------------------------------------------

    fn run(
        &mut self,
        run: &Run,
        support: &[usize],
        pending: &mut Vec<Pending>,
        blocked: &mut Vec<String>,
        new_persons: &mut Vec<NewPerson>,
        deferred: &mut Vec<Run>,
    ) {
        let ctx = self.context_before(run.start);
        let title_case = self.title_case[run.start];
        let cyrillic = is_cyrillic(self.tokens.key(run.start));
        let role_before = ctx.introduces_name() && (!cyrillic || ctx.nominative || ctx.titled);
        let introduced = |doc: &Self| -> bool {
            !title_case && (role_before || (run.tail.is_none() && doc.role_after(run.end)))
        };

        if let Some(h) = run.lead
            && run.short.is_none()
        {
            if run.end == self.hits.get(h).end {
                pending.push(Pending {
                    hit: h,
                    ctx,
                    agree: Vec::new(),
                });
                return;
            }
            // Surname first (`Лавров Сергей Викторович`)?
            // Every word after the surname must be one of the person's
            // given names: `Kim Hong-kyun` is not `Kim Jong Un` although
            // `Hong` is one letter from `Jong`.
            let next = self.hits.get(h).end;
            let surname_first = self
                .hits
                .get(h)
                .shorts()
                .map(|(p, _)| p)
                .find(|&p| (next..run.end).all(|t| self.given_compatible(t, p)));
            if let Some(pid) = surname_first {
                self.push(
                    Entity::Person(pid),
                    run.start,
                    run.end,
                    false,
                    RULE_NAME_VARIANT,
                );
                return;
            }
            // Otherwise the short form is someone else's given name
            // (`Kim Hong-kyun`, `Novak Djokovic`): an unknown name.
            if introduced(self) && (2..=4).contains(&run.words) && self.plausible_name(run) {
                self.new_person(run, new_persons);
            } else {
                deferred.push(run.clone());
            }
            return;
        }
        if let Some(h) = run.short {
            // Given name(s) before a known surname.
            let cands: Vec<usize> = self.hits.get(h).shorts().map(|(p, _)| p).collect();
            let matching: Vec<usize> = cands
                .iter()
                .copied()
                .filter(|&p| self.given_compatible(run.start, p))
                .collect();
            if !matching.is_empty() {
                let pid = matching
                    .iter()
                    .copied()
                    .find(|&p| self.role_agrees(&ctx, p))
                    .or_else(|| matching.iter().copied().find(|p| support.contains(p)))
                    .unwrap_or(matching[0]);
                self.push(
                    Entity::Person(pid),
                    run.start,
                    run.end,
                    false,
                    RULE_NAME_VARIANT,
                );
            } else if introduced(self) && run.words >= 2 {
                self.new_person(run, new_persons);
            } else if self.sentence_start(run.start) {
                let ctx = self.context_before(self.hits.get(h).first);
                pending.push(Pending {
                    hit: h,
                    ctx,
                    agree: Vec::new(),
                });
            } else {
                // Someone else with a known surname (`Yohei Kono`).
                blocked.push(self.tokens.key(run.end - 1).to_string());
            }
            return;
        }

        if !title_case
            && !ctx.roles.is_empty()
            && let Some((pid, distance)) = self.repair(run, &ctx, support)
        {
            if let Some(t) = run.tail {
                self.removed[t] = true;
            }
            let repaired = distance > 0;
            let rule = if repaired {
                RULE_REPAIR_ROLE
            } else {
                RULE_NAME_VARIANT
            };
            self.push(Entity::Person(pid), run.start, run.end, repaired, rule);
            return;
        }
        let named = (2..=4).contains(&run.words) && self.plausible_name(run);
        match run.tail {
            // Role words right before: the place is a surname
            // (`Foreign Minister Ivan Lvov`).
            Some(t) if named && !title_case && role_before => {
                self.removed[t] = true;
                self.new_person(run, new_persons);
            }
            Some(_) => {}
            None if named && introduced(self) => self.new_person(run, new_persons),
            None => deferred.push(run.clone()),
        }
    }

    /// At least one full word, the last word not an initial, and not the
    /// first words of an institution's name (`Second Asian Department`,
    /// `Keio University`).
    fn plausible_name(&self, run: &Run) -> bool {
        self.tokens.key(run.end - 1).chars().count() >= 2
            && (run.start..run.end).any(|t| self.tokens.key(t).chars().count() >= 2)
            && !self.institution_after(run.end)
    }

    /// The token at `t` follows on the same line after a space and is a
    /// word naming an institution or a place (`Department`, `University`,
    /// `Департамента`).
    fn institution_after(&self, t: usize) -> bool {
        t < self.tokens.len()
            && t > 0
            && self
                .gap(t - 1, t)
                .chars()
                .all(|c| c == ' ' || c == '\u{a0}')
            && is_institution_word(self.tokens.key(t))
    }

    fn new_person(&mut self, run: &Run, new_persons: &mut Vec<NewPerson>) {
        let name = self.run_text(run);
        let full_key = self.run_key(run);
        if !new_persons.iter().any(|np| np.full_key == full_key) {
            new_persons.push(NewPerson {
                name: name.clone(),
                full_key,
                last_key: self.tokens.key(run.end - 1).to_string(),
            });
        }
        let name = new_persons
            .iter()
            .find(|np| np.full_key == self.run_key(run))
            .map_or(name, |np| np.name.clone());
        self.push(
            Entity::NewPerson(name),
            run.start,
            run.end,
            false,
            RULE_ROLE_PATTERN,
        );
    }

    /// A gazetteer person whose role matches the context and whose surname
    /// is within a small edit distance of the run's last word; given names,
    /// when written, must agree too; a run without one needs the person to
    /// be named elsewhere in the document.
    fn repair(&self, run: &Run, ctx: &Context, support: &[usize]) -> Option<(usize, usize)> {
        let name_tokens: Vec<usize> = (run.start..run.end)
            .filter(|&t| !self.hyphen_continuation(t))
            .collect();
        let (&last, rest) = name_tokens.split_last()?;
        let surname = self.tokens.key(last);
        if surname.chars().count() < 3 {
            return None;
        }
        let given = rest.first().copied();
        let initial = surname.chars().next();
        let mut best: Option<(usize, usize)> = None;
        let mut tie = false;
        for pid in 0..self.gaz.persons.len() {
            if !self.role_agrees(ctx, pid) {
                continue;
            }
            match given {
                Some(g) if !self.given_compatible(g, pid) => continue,
                None if !support.contains(&pid) => continue,
                _ => {}
            }
            let distance = self.lex.names[pid]
                .surnames
                .iter()
                .filter(|s| s.chars().next() == initial)
                .map(|s| (osa(s, surname), s))
                .filter(|(d, s)| *d <= max_repair_distance(s, surname))
                .map(|(d, _)| d)
                .min();
            let Some(d) = distance else { continue };
            match best {
                Some((bd, _)) if bd < d => {}
                Some((bd, bp)) if bd == d && bp != pid => tie = true,
                Some((bd, _)) if bd == d => {}
                _ => {
                    best = Some((d, pid));
                    tie = false;
                }
            }
        }
        match best {
            Some((d, pid)) if !tie => Some((pid, d)),
            _ => None,
        }
    }

    fn resolve_pending(
        &mut self,
        mut pending: Vec<Pending>,
        blocked: &[String],
        new_persons: &[NewPerson],
    ) {
        let mut confirmed: Vec<usize> = Vec::new();
        for f in &self.found {
            if let Entity::Person(p) = f.entity {
                push_unique(&mut confirmed, p);
            }
        }
        let mut unresolved = Vec::new();
        for mut p in pending.drain(..) {
            let hit = self.hits.get(p.hit);
            let mut agree: Vec<usize> = Vec::new();
            if !p.ctx.roles.is_empty() {
                for (pid, _) in hit.shorts() {
                    if self.role_agrees(&p.ctx, pid) {
                        push_unique(&mut agree, pid);
                    }
                }
            }
            if let [pid] = agree[..] {
                let (first, end) = (hit.first, hit.end);
                self.push(Entity::Person(pid), first, end, false, RULE_SURNAME_ROLE);
                push_unique(&mut confirmed, pid);
            } else {
                p.agree = agree;
                unresolved.push(p);
            }
        }
        for p in unresolved {
            let hit = self.hits.get(p.hit);
            let (first, end) = (hit.first, hit.end);
            let pool: Vec<(usize, bool)> = if p.agree.is_empty() {
                hit.shorts().collect()
            } else {
                hit.shorts()
                    .filter(|(pid, _)| p.agree.contains(pid))
                    .collect()
            };
            let supported: Vec<usize> = pool
                .iter()
                .map(|&(pid, _)| pid)
                .filter(|pid| confirmed.contains(pid))
                .collect();
            let key = self.tokens.key(end - 1).to_string();
            if let [pid] = supported[..] {
                self.push(Entity::Person(pid), first, end, false, RULE_SURNAME_DOC);
            } else if !supported.is_empty() {
                continue;
            } else if let Some(np) = new_persons.iter().find(|np| np.last_key == key) {
                let name = np.name.clone();
                self.push(Entity::NewPerson(name), first, end, false, RULE_SURNAME_DOC);
            } else if blocked.contains(&key) {
                continue;
            } else if let [(pid, false)] = pool[..] {
                self.push(Entity::Person(pid), first, end, false, RULE_SURNAME_UNIQUE);
            }
        }
    }

    // ----- countries, places, organizations --------------------------------

    /// The word after a place names a document (`Minsk Agreements`).
    fn document_after(&self, end: usize) -> bool {
        end < self.tokens.len()
            && self.gap(end - 1, end).trim().is_empty()
            && !self.gap(end - 1, end).contains('\n')
            && self.words.is_document(self.tokens.key(end))
    }

    /// A country stands right before or after hit `h` (`Russia’s Security
    /// Council`, `Совбез России`).
    fn country_adjacent(&self, h: usize) -> bool {
        let hit = self.hits.get(h);
        let is_country = |t: usize| {
            self.hit_at(t)
                .is_some_and(|o| self.hits.get(o).has_countries())
        };
        if hit.first > 0 && self.gap(hit.first - 1, hit.first).trim().is_empty() {
            let prev = hit.first - 1;
            if is_country(prev) {
                return true;
            }
            if self.tokens.key(prev) == "s"
                && prev > 0
                && matches!(self.gap(prev - 1, prev), "’" | "'")
                && is_country(prev - 1)
            {
                return true;
            }
        }
        hit.end < self.tokens.len()
            && self.gap(hit.end - 1, hit.end).trim().is_empty()
            && is_country(hit.end)
    }

    fn non_persons(&mut self) {
        let full_orgs: Vec<usize> = self
            .hits
            .iter()
            .enumerate()
            .filter(|(h, _)| !self.removed[*h])
            .flat_map(|(_, hit)| hit.orgs())
            .collect();
        // What the hit names, copied out of `self.hits` (reused buffers).
        let (mut countries, mut places, mut orgs) = (Vec::new(), Vec::new(), Vec::new());
        for h in 0..self.hits.len() {
            if self.removed[h] {
                continue;
            }
            let hit = self.hits.get(h);
            let (first, end) = (hit.first, hit.end);
            countries.clear();
            countries.extend(hit.countries());
            places.clear();
            places.extend(hit.places());
            orgs.clear();
            orgs.extend(hit.orgs());
            // The one short name whose full name the document has.
            let org_short = {
                let mut cands = hit.org_shorts().filter(|o| full_orgs.contains(o));
                match (cands.next(), cands.next()) {
                    (Some(o), None) => Some(o),
                    _ => None,
                }
            };
            for &c in &countries {
                self.push(Entity::Country(c), first, end, false, RULE_GAZETTEER);
            }
            for &p in &places {
                self.push(Entity::Place(p), first, end, false, RULE_GAZETTEER);
                if let Some(c) = self.gaz.places[p].country
                    && !countries.contains(&c)
                    && !self.document_after(end)
                {
                    self.push(Entity::Country(c), first, end, false, RULE_PLACE_COUNTRY);
                }
            }
            for &o in &orgs {
                self.push(Entity::Org(o), first, end, false, RULE_GAZETTEER);
            }
            if let Some(o) = org_short
                && !self.country_adjacent(h)
            {
                self.push(Entity::Org(o), first, end, false, RULE_ORG_SHORT_DOC);
            }
        }
    }
}

/// `char::is_alphabetic`, answered without the Unicode tables for the
/// small Cyrillic letters of folded keys.
fn is_letter(c: char) -> bool {
    ('\u{0430}'..='\u{044F}').contains(&c) || c.is_alphabetic()
}

/// Per token: its line is written in title case (a headline such as
/// `Russian Envoy Says Talks Useful`: mostly capitalized words and no
/// sentence punctuation at its end), where role patterns and repairs are
/// not tried.
fn title_case_lines(text: &str, tokens: &Tokens) -> Vec<bool> {
    let mut out = vec![false; tokens.len()];
    let mut line_start = 0;
    let mut i = 0;
    while i <= tokens.len() {
        let new_line = i == tokens.len()
            || (i > 0 && text[tokens[i - 1].end_byte()..tokens[i].start_byte()].contains('\n'));
        if new_line && i > line_start {
            let sentence = text[tokens[i - 1].end_byte()..]
                .chars()
                .take_while(|&c| c != '\n')
                .any(|c| matches!(c, '.' | '!' | '?' | '"' | '”' | '»'));
            // Words of more than three letters, and how many are capitalized;
            // not counted on a line that ends a sentence (most lines).
            let (mut words, mut capitalized) = (0, 0);
            if !sentence {
                for t in &tokens[line_start..i] {
                    let key = tokens.key_of(t);
                    if key.chars().count() > 3 && key.chars().all(is_letter) {
                        words += 1;
                        capitalized += usize::from(t.capitalized);
                    }
                }
            }
            let title = !sentence && words >= 4 && capitalized * 5 >= words * 4;
            out[line_start..i].fill(title);
            line_start = i;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        let cases = [
            ("lavrov", "lvov", 2),
            ("lavrov", "lavrov", 0),
            ("lavrov", "lavorv", 1),
            ("shoigu", "shoygu", 1),
            ("", "abc", 3),
        ];
        for (a, b, d) in cases {
            assert_eq!(osa(a, b), d, "{a} {b}");
        }
    }

    #[test]
    fn title_case_detection() {
        let text = "Russian Envoy Says Bilateral Talks Were Useful Today\nThe envoy said that talks were useful and that more would follow";
        let tokens = newsflow_core::text::tokenize(text);
        let flags = title_case_lines(text, &tokens);
        assert!(flags[0]);
        assert!(!flags[flags.len() - 1]);
    }
}
