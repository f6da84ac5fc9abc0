//! Normalization of one document: cleanup, noise, layout (title, lede,
//! dateline, body, headings), date, speaker, language and entities.

use std::borrow::Cow;

use crate::Normalizer;
use crate::clean::clean_text;
use crate::dateline::{Dateline, looks_like_name};
use crate::dates::DateParts;
use crate::entities::{Entities, text_before_body};
use crate::noise::{NoiseContext, NoiseLog};
use crate::refdata::phrase_key;
use crate::speaker::{self, SpeakerName};
use crate::textutil::{
    ends_sentence, ends_with_stop, has_sentence_inside, starts_upper, word_count,
};
use crate::translit::has_cyrillic;

/// Non-blank lines at the top searched for the document's date line.
const TOP_LINES: usize = 4;
/// Paragraphs at the top searched for a dateline.
const DATELINE_PARAGRAPHS: usize = 4;
/// A paragraph this long that ends a sentence is body text: the dateline
/// search stops there.
const PROSE_WORDS: usize = 40;
/// Longest date line, in words.
const DATE_LINE_WORDS: usize = 12;
/// Headline limits.
const TITLE_MAX_WORDS: usize = 40;
const TITLE_MAX_CHARS: usize = 300;
/// A standfirst without a dateline has at least this many words.
const LEDE_MIN_WORDS: usize = 8;
const LEDE_MAX_WORDS: usize = 80;
/// Section heading limits.
const HEADING_MAX_WORDS: usize = 12;
const HEADING_MAX_CHARS: usize = 120;
/// A lede above a dateline has at least this many words.
const HEADER_LEDE_MIN_WORDS: usize = 5;
/// Section labels skipped above a headline: how many, how long.
const MAX_LABELS: usize = 2;
const LABEL_WORDS: usize = 3;
/// Longest header line read as a date stamp, in words.
const STAMP_LINE_WORDS: usize = 15;
/// Longest transcript place line, in words.
const PLACE_LINE_WORDS: usize = 6;
/// Hard-wrapped text: at least this many lines, most of them at least
/// `WRAP_MIN_CHARS` long, none longer than `WRAP_MAX_CHARS`.
const WRAP_MIN_LINES: usize = 4;
const WRAP_MIN_CHARS: usize = 40;
const WRAP_MAX_CHARS: usize = 100;
/// A section label (`NATIONAL / POLITICS`) has no lower-case letter and at
/// most this many words.
const LABEL_MAX_WORDS: usize = 8;
/// Lines after the header read as metadata (place, outlet, byline).
const MAX_META_LINES: usize = 3;
/// A first body paragraph this short may be a photo caption before the
/// speaker label.
const CAPTION_WORDS: usize = 15;
/// Longest unpunctuated line dropped from the end of the body.
const TAIL_FRAGMENT_WORDS: usize = 20;
/// Most days between a month-day date and `meta_published` for the year of
/// the metadata to be taken.
const META_YEAR_DAYS: i64 = 7;

/// What the stage reads of one input row.
pub(crate) struct DocInput<'a> {
    /// Raw text.
    pub text: &'a str,
    /// `meta_published`.
    pub meta_published: Option<&'a str>,
    /// `meta_source`.
    pub meta_source: Option<&'a str>,
    /// Boilerplate source group.
    pub source_key: u64,
}

/// Everything the stage extracts from one document.
#[derive(Debug, Default)]
pub(crate) struct DocFields {
    pub title: Option<String>,
    pub lede: Option<String>,
    /// The title and lede as the entity extractor reads them, then the
    /// body from byte `body_at` ([`DocFields::body`]): the extractor reads
    /// the document in one string, and this way the body is not copied
    /// into a second one.
    text: String,
    body_at: usize,
    pub headings: Vec<String>,
    pub date: Option<DateParts>,
    pub dateline_place: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub speaker: Option<String>,
    pub language: &'static str,
    pub language_confidence: f32,
    pub entities: Entities,
    pub noise: NoiseLog,
    pub provenance: Vec<(&'static str, Cow<'static, str>)>,
    pub flags: Vec<&'static str>,
}

impl DocFields {
    /// The body: paragraphs separated by a blank line.
    pub fn body(&self) -> &str {
        &self.text[self.body_at..]
    }

    fn prov(&mut self, field: &'static str, rule: impl Into<Cow<'static, str>>) {
        self.provenance.push((field, rule.into()));
    }
}

/// What the header says besides title, lede and author.
#[derive(Debug, Default)]
struct HeaderInfo {
    /// Date of a stamp line (`KYODO NEWS - May 3, 2019 - 14:23`).
    date: Option<DateParts>,
    /// Outlet of a byline or outlet line (`by Jiji`, `Kyodo News`).
    source: Option<String>,
}

/// Kinds of header lines.
enum HeaderLine {
    Author(String),
    Outlet(String),
    Stamp(DateParts, Option<String>),
    Text,
}

/// A date candidate and the rule that found it.
struct DateCandidate {
    parts: DateParts,
    rule: &'static str,
}

/// Whether the text is hard-wrapped: most lines of a narrow column width
/// and none much wider.
fn hard_wrapped(lines: &[&str]) -> bool {
    let mut total = 0;
    let mut column = 0;
    for line in lines.iter().filter(|l| !l.is_empty()) {
        let chars = line.chars().count();
        if chars > WRAP_MAX_CHARS {
            return false;
        }
        total += 1;
        column += usize::from(chars >= WRAP_MIN_CHARS);
    }
    total >= WRAP_MIN_LINES && column * 10 >= total * 6
}

/// Joins kept lines into paragraphs: a blank or removed line ends a
/// paragraph; so does every line break, except in hard-wrapped text, where
/// a line follows on from a full-width line before it.
/// Returns the paragraphs and the index of each one's first line.
fn paragraphs(lines: &[&str], keep: &[bool]) -> (Vec<String>, Vec<usize>) {
    let wrapped = hard_wrapped(lines);
    let mut out: Vec<String> = Vec::new();
    let mut starts = Vec::new();
    let mut open = false;
    let mut last_line_chars = 0;
    for (i, (line, &kept)) in lines.iter().zip(keep).enumerate() {
        if line.is_empty() || !kept {
            open = false;
            continue;
        }
        match out.last_mut() {
            Some(last) if wrapped && open && last_line_chars >= WRAP_MIN_CHARS => {
                last.push(' ');
                last.push_str(line);
            }
            _ => {
                out.push((*line).to_string());
                starts.push(i);
            }
        }
        open = true;
        last_line_chars = line.chars().count();
    }
    (out, starts)
}

/// A section label or breadcrumb in capitals (`NATIONAL / POLITICS &
/// DIPLOMACY`, `WORLD`).
fn is_label(p: &str) -> bool {
    p.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !p.chars().any(char::is_lowercase)
        && word_count(p, LABEL_MAX_WORDS + 1) <= LABEL_MAX_WORDS
}

/// A name written in capitals (`KENJI MORITA`, a byline style) in title
/// case (`Kenji Morita`); other names unchanged.
fn title_case_caps(name: &str) -> String {
    if name.chars().any(char::is_lowercase)
        || name.chars().filter(|c| c.is_alphabetic()).count() < 4
    {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if c.is_alphabetic() {
            if start {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = c != '\'' && c != '’';
        }
    }
    out
}

fn headline_like(p: &str) -> bool {
    let words = word_count(p, TITLE_MAX_WORDS + 1);
    (2..=TITLE_MAX_WORDS).contains(&words)
        && p.chars().count() <= TITLE_MAX_CHARS
        && !ends_with_stop(p)
        && starts_upper(p)
}

fn lede_like(p: &str) -> bool {
    let words = word_count(p, LEDE_MAX_WORDS + 1);
    (LEDE_MIN_WORDS..=LEDE_MAX_WORDS).contains(&words) && !ends_sentence(p) && starts_upper(p)
}

fn heading_like(p: &str) -> bool {
    let words = word_count(p, HEADING_MAX_WORDS + 1);
    (2..=HEADING_MAX_WORDS).contains(&words)
        && p.chars().count() <= HEADING_MAX_CHARS
        && !ends_with_stop(p)
        && !p.ends_with(['!', '?'])
        && p.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_numeric())
}

fn prose(p: &str) -> bool {
    ends_sentence(p) || word_count(p, HEADING_MAX_WORDS + 1) > HEADING_MAX_WORDS
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Normalizer {
    /// Normalizes one document.
    pub(crate) fn normalize_doc(&self, input: &DocInput<'_>) -> DocFields {
        let mut doc = DocFields::default();
        let cleaned = clean_text(input.text);
        if cleaned.mojibake_repairs > 0 {
            doc.flags.push("encoding_repaired");
        }
        let lines: Vec<&str> = cleaned.text.split('\n').collect();
        let mut keep = vec![true; lines.len()];

        // The document's own date line near the top.
        let mut top_date: Option<(DateParts, usize)> = None;
        let candidates = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty() && self.data.noise.first_match(l).is_none());
        for (i, line) in candidates.take(TOP_LINES) {
            let words = word_count(line, (DATE_LINE_WORDS + 1).max(PROSE_WORDS));
            let stamp = self.noise_filter.strip_label(line);
            // An update note after the date (`08:15 05.03.2024 (обновлено:
            // 09:02 05.03.2024)`) is not part of the publication date.
            let stamp = match stamp.find(" (") {
                Some(at) if stamp.ends_with(')') => &stamp[..at],
                _ => stamp,
            };
            if words <= DATE_LINE_WORDS
                && let Some(mut parts) = self.dates.parse_exact(stamp)
            {
                // A bare time on the next line belongs to the date
                // (`January 22, 2019` / `16:10`).
                if parts.time.is_none()
                    && let Some((j, next)) = lines
                        .iter()
                        .enumerate()
                        .skip(i + 1)
                        .find(|(_, l)| !l.is_empty())
                    && let Some(time) = self.noise_filter.bare_time(next)
                {
                    parts.text = format!("{} {next}", parts.text);
                    parts.time = Some(time);
                    keep[j] = false;
                }
                top_date = Some((parts, i));
                break;
            }
            if words >= PROSE_WORDS {
                break;
            }
        }

        let ctx = NoiseContext {
            rules: &self.data.noise,
            boilerplate: &self.boilerplate,
            source: input.source_key,
            dates: &self.dates,
            protected: top_date.as_ref().map(|(_, i)| *i),
        };
        self.noise_filter
            .apply(&lines, &mut keep, &ctx, &mut doc.noise);
        if let Some((_, i)) = top_date {
            keep[i] = false;
        }
        let (mut paras, para_lines) = paragraphs(&lines, &keep);

        // Dateline among the first paragraphs.
        let mut dateline: Option<(usize, Dateline)> = None;
        for (k, p) in paras.iter().enumerate().take(DATELINE_PARAGRAPHS) {
            if let Some(d) = self.datelines.parse(p, &self.data, &self.dates) {
                dateline = Some((k, d));
                break;
            }
            if word_count(p, PROSE_WORDS) >= PROSE_WORDS && ends_sentence(p) {
                break;
            }
        }

        // Header (title, lede, byline) and body.
        let mut body: Vec<String> = Vec::with_capacity(paras.len());
        let mut story_date = None;
        let has_dateline = dateline.is_some();
        let header = match dateline {
            Some((k, d)) => {
                if let Some(place) = d.place {
                    doc.dateline_place = Some(place);
                    doc.prov("dateline_place", d.rule);
                }
                if let Some(source) = d.source {
                    doc.source = Some(source);
                    doc.prov("source", d.rule);
                }
                if let Some(author) = d.author {
                    doc.author = Some(author);
                    doc.prov("author", d.rule);
                }
                story_date = d.date.map(|parts| DateCandidate {
                    parts,
                    rule: "date.dateline",
                });
                let header = self.read_header(&paras[..k], &mut doc, "header.before_dateline");
                let first = paras[k][d.end..].trim();
                if !first.is_empty() {
                    body.push(first.to_string());
                }
                body.extend(paras.drain(k + 1..));
                doc.prov("body", "body.after_dateline");
                header
            }
            None => {
                // A date line below the title closes the header.
                let date_para = top_date
                    .as_ref()
                    .map(|(_, line)| para_lines.iter().take_while(|&&l| l < *line).count());
                let (header, start) = match date_para {
                    Some(dp) if (1..DATELINE_PARAGRAPHS).contains(&dp) && dp < paras.len() => (
                        self.read_header(&paras[..dp], &mut doc, "header.before_date_line"),
                        dp,
                    ),
                    _ => (HeaderInfo::default(), self.read_top(&paras, &mut doc)),
                };
                body.extend(paras.drain(start..));
                let mut header = header;
                self.read_meta_lines(&mut body, &mut doc, &mut header);
                header
            }
        };
        if doc.source.is_none()
            && let Some(source) = header.source
        {
            doc.source = Some(source);
            doc.prov("source", "header.outlet_line");
        }

        // Transcript speaker label at the start of the body.
        let label_at = match body.first() {
            Some(first)
                if word_count(first, CAPTION_WORDS + 1) <= CAPTION_WORDS && body.len() > 1 =>
            {
                0..2
            }
            _ => 0..1,
        };
        let label = label_at.filter_map(|k| {
            body.get(k)
                .and_then(|p| speaker::from_label(p, &self.data.vocabulary))
                .map(|found| (k, found))
        });
        if let Some((k, (name, start))) = label.into_iter().next()
            && let Some(first) = body.get_mut(k)
        {
            let (canonical, gazetteer) = self.canonical_speaker(&name);
            doc.speaker = Some(canonical);
            doc.prov(
                "speaker",
                if gazetteer {
                    "speaker.label+gazetteer"
                } else {
                    "speaker.label"
                },
            );
            *first = first[start..].to_string();
            doc.prov("body", "body.after_speaker_label");
        }

        // Unpunctuated fragments (no sentence in them) after the last
        // sentence.
        let mut tail = 0;
        while body.len() > 1
            && body.last().is_some_and(|p| {
                !ends_sentence(p)
                    && !has_sentence_inside(p)
                    && word_count(p, TAIL_FRAGMENT_WORDS + 1) <= TAIL_FRAGMENT_WORDS
            })
        {
            body.pop();
            tail += 1;
        }
        doc.noise.record("tail_fragment", tail);

        // Section headings.
        for j in 1..body.len().saturating_sub(1) {
            if heading_like(&body[j]) && prose(&body[j + 1]) && prose(&body[j - 1]) {
                doc.headings.push(body[j].clone());
            }
        }
        // A briefing opens with its first section heading: one only when
        // later sections have headings too.
        if !doc.headings.is_empty()
            && body.len() > 2
            && heading_like(&body[0])
            && prose(&body[1])
            && !doc.headings.contains(&body[0])
        {
            doc.headings.insert(0, body[0].clone());
        }
        if !doc.headings.is_empty() {
            doc.prov("headings", "body.heading_shape");
        }
        let body_len = body.iter().map(|p| p.len() + 2).sum::<usize>();
        doc.text = text_before_body(doc.title.as_deref(), doc.lede.as_deref(), body_len);
        doc.body_at = doc.text.len();
        for (k, paragraph) in body.iter().enumerate() {
            if k > 0 {
                doc.text.push_str("\n\n");
            }
            doc.text.push_str(paragraph);
        }
        // The body is in `doc.text` now: free the cleaned text and its
        // pieces before language detection and entities (each about the
        // size of the document).
        drop(body);
        drop(paras);
        drop(lines);
        drop(cleaned);

        // What a transcript title says.
        let mut title_date = None;
        if !has_dateline && let Some(title) = doc.title.clone() {
            if let Some((place, date)) = self.title_place_date(&title) {
                if doc.dateline_place.is_none()
                    && let Some(place) = place
                {
                    doc.dateline_place = Some(place);
                    doc.prov("dateline_place", "title.place_date");
                }
                title_date = Some(DateCandidate {
                    parts: date,
                    rule: "date.title",
                });
            }
            if doc.speaker.is_none()
                && let Some(name) = speaker::from_title(&title, &self.data.vocabulary)
            {
                let (canonical, gazetteer) = self.canonical_speaker(&name);
                doc.speaker = Some(canonical);
                doc.prov(
                    "speaker",
                    if gazetteer {
                        "speaker.title+gazetteer"
                    } else {
                        "speaker.title"
                    },
                );
            }
        }
        if doc.source.is_none()
            && let Some(meta) = input.meta_source.map(str::trim).filter(|s| !s.is_empty())
        {
            doc.source = Some(
                self.data
                    .outlets
                    .canonical(meta)
                    .unwrap_or(meta)
                    .to_string(),
            );
            doc.prov("source", "meta.source");
        }

        let top = top_date.map(|(parts, _)| DateCandidate {
            parts,
            rule: "date.top_line",
        });
        let header_date = header.date.map(|parts| DateCandidate {
            parts,
            rule: "date.header_line",
        });
        self.choose_date(
            &mut doc,
            [top, story_date.or(title_date), header_date],
            input.meta_published,
        );

        // Language.
        let sample: Cow<'_, str> = if doc.body().is_empty() {
            Cow::Owned(
                [doc.title.as_deref(), doc.lede.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        } else {
            Cow::Borrowed(doc.body())
        };
        let (language, confidence) = self.language.detect(&sample);
        doc.language = language;
        doc.language_confidence = confidence;
        doc.prov("language", "language.whatlang");

        // Entities.
        doc.entities = self.entities.extract_joined(&doc.text, doc.body_at);
        if doc.entities.repaired {
            doc.flags.push("alias_repaired");
        }
        // A transcript's speaker label was cut from the body, so the
        // extractor never saw it; the speaker is still a person of the
        // document (without a mention row, as there is no offset).
        if let Some(speaker) = &doc.speaker
            && !doc.entities.persons.contains(speaker)
        {
            doc.entities.persons.insert(0, speaker.clone());
        }
        doc
    }

    /// Title, lede, byline, outlet and date lines of the paragraphs before
    /// the body. The title is the first headline-like line, the lede the
    /// last line before the body; other lines are `header_extra` noise.
    fn read_header(
        &self,
        header: &[String],
        doc: &mut DocFields,
        rule: &'static str,
    ) -> HeaderInfo {
        let mut info = HeaderInfo::default();
        let mut texts: Vec<&String> = Vec::new();
        for p in header {
            match self.header_line(p) {
                HeaderLine::Author(author) => {
                    if doc.author.is_none() {
                        doc.author = Some(author);
                        doc.prov("author", "header.byline");
                    }
                }
                HeaderLine::Outlet(outlet) => {
                    info.source.get_or_insert(outlet);
                }
                HeaderLine::Stamp(parts, outlet) => {
                    info.date.get_or_insert(parts);
                    if let Some(outlet) = outlet {
                        info.source.get_or_insert(outlet);
                    }
                }
                HeaderLine::Text => texts.push(p),
            }
        }
        // Labels in capitals are never the title.
        let mut extra = texts.len();
        texts.retain(|p| !is_label(p));
        extra -= texts.len();
        // The standfirst sits right above the body and the headline right
        // above it; lines before them are section names and the like. A
        // short line above a headline is such a label, not a headline
        // with a standfirst.
        let n = texts.len();
        let (title_at, lede_at) = if n >= 2
            && headline_like(texts[n - 1])
            && word_count(texts[n - 2], LABEL_WORDS + 1) <= LABEL_WORDS
            && word_count(texts[n - 1], LABEL_WORDS + 1) > word_count(texts[n - 2], LABEL_WORDS + 1)
        {
            (Some(n - 1), None)
        } else if n >= 2 && headline_like(texts[n - 2]) {
            (Some(n - 2), Some(n - 1))
        } else {
            match texts.iter().position(|p| headline_like(p)) {
                Some(t) => (Some(t), (t + 1 < n).then_some(n - 1)),
                None => (None, n.checked_sub(1)),
            }
        };
        let lede_at = lede_at.filter(|&l| {
            word_count(texts[l], HEADER_LEDE_MIN_WORDS) >= HEADER_LEDE_MIN_WORDS
                && title_at.is_none_or(|t| texts[t] != texts[l])
        });
        if let Some(t) = title_at {
            doc.title = Some(texts[t].clone());
            doc.prov("title", rule);
        }
        if let Some(l) = lede_at {
            doc.lede = Some(texts[l].clone());
            doc.prov("lede", rule);
        }
        extra += n - usize::from(title_at.is_some()) - usize::from(lede_at.is_some());
        doc.noise.record("header_extra", extra as u32);
        info
    }

    /// Title, lede and byline at the top of a document with neither a
    /// dateline nor a date line under the title; returns where the body
    /// starts.
    fn read_top(&self, paras: &[String], doc: &mut DocFields) -> usize {
        let mut i = 0;
        // The outlet's name on a line of its own above the headline
        // (`The Japan Times`, `NHK WORLD-JAPAN News`).
        while i + 2 < paras.len()
            && let Some(outlet) = self.data.outlets.canonical(&paras[i])
        {
            if doc.source.is_none() {
                doc.source = Some(outlet.to_string());
                doc.prov("source", "header.outlet_line");
            }
            doc.noise.record("header_extra", 1);
            i += 1;
        }
        let skipped = i;
        // Short labels (a section name) above the headline.
        while i < skipped + MAX_LABELS
            && i + 2 < paras.len()
            && (is_label(&paras[i])
                || (word_count(&paras[i], LABEL_WORDS + 1) <= LABEL_WORDS
                    && !ends_sentence(&paras[i])
                    && word_count(&paras[i + 1], LABEL_WORDS + 1)
                        > word_count(&paras[i], LABEL_WORDS + 1)))
            && headline_like(&paras[i + 1])
        {
            i += 1;
        }
        let labels = i - skipped;
        if paras.len() >= i + 2 && headline_like(&paras[i]) {
            doc.title = Some(paras[i].clone());
            doc.prov("title", "header.first_line");
            i += 1;
            if paras.len() >= i + 2 && lede_like(&paras[i]) {
                doc.lede = Some(paras[i].clone());
                doc.prov("lede", "header.after_title");
                i += 1;
            }
            doc.noise.record("header_extra", labels as u32);
        } else {
            i = skipped;
        }
        if paras.len() > i + 1
            && let HeaderLine::Author(author) = self.header_line(&paras[i])
        {
            doc.author = Some(author);
            doc.prov("author", "header.byline");
            i += 1;
        }
        i
    }

    /// What a short header line is.
    fn header_line(&self, p: &str) -> HeaderLine {
        if let Some(name) = self.author_line(p) {
            return match self.data.outlets.canonical(&name) {
                Some(outlet) => HeaderLine::Outlet(outlet.to_string()),
                None if has_cyrillic(&name) => HeaderLine::Author(crate::translit::romanize(&name)),
                None => HeaderLine::Author(name),
            };
        }
        let named = ["source:", "источник:"]
            .iter()
            .find_map(|label| {
                p.get(..label.len())
                    .filter(|head| {
                        head.eq_ignore_ascii_case(label) || head.to_lowercase() == *label
                    })
                    .map(|_| p[label.len()..].trim())
            })
            .unwrap_or(p);
        if let Some(outlet) = self.data.outlets.canonical(named) {
            return HeaderLine::Outlet(outlet.to_string());
        }
        // A transcript title ending in its place and date (`Briefing by
        // ..., Moscow, 14 March 2024`) is a title, not a stamp line.
        let titled =
            word_count(p, LABEL_WORDS + 1) > LABEL_WORDS && self.title_place_date(p).is_some();
        if word_count(p, STAMP_LINE_WORDS + 1) <= STAMP_LINE_WORDS
            && !titled
            && let Some((parts, _)) = self
                .dates
                .find_all(p)
                .into_iter()
                .find(|(d, _)| d.year.is_some() || d.time.is_some())
        {
            let outlet = self
                .data
                .outlets
                .find(p)
                .first()
                .map(|(name, _)| name.to_string());
            return HeaderLine::Stamp(parts, outlet);
        }
        HeaderLine::Text
    }

    /// Place, outlet and byline lines right after the header of a document
    /// without a dateline (`The Kremlin, Moscow`, `NHK WORLD-JAPAN`,
    /// `by Jiji`, a section label), read and taken out of the body.
    fn read_meta_lines(
        &self,
        body: &mut Vec<String>,
        doc: &mut DocFields,
        header: &mut HeaderInfo,
    ) {
        for _ in 0..MAX_META_LINES {
            if body.len() < 2
                || word_count(&body[0], PLACE_LINE_WORDS.max(LABEL_MAX_WORDS) + 1)
                    > PLACE_LINE_WORDS.max(LABEL_MAX_WORDS)
            {
                return;
            }
            if doc.dateline_place.is_none()
                && let Some(place) = self.place_line(&body[0])
            {
                doc.dateline_place = Some(place);
                doc.prov("dateline_place", "header.place_line");
            } else {
                match self.header_line(&body[0]) {
                    HeaderLine::Outlet(outlet) => {
                        header.source.get_or_insert(outlet);
                    }
                    HeaderLine::Author(author) if doc.author.is_none() => {
                        doc.author = Some(author);
                        doc.prov("author", "header.byline");
                    }
                    _ if is_label(&body[0]) => doc.noise.record("header_extra", 1),
                    _ => return,
                }
            }
            body.remove(0);
        }
    }

    /// A short line naming the place of a transcript (`The Kremlin,
    /// Moscow`): the canonical place.
    fn place_line(&self, p: &str) -> Option<String> {
        if word_count(p, PLACE_LINE_WORDS + 1) > PLACE_LINE_WORDS
            || ends_with_stop(p)
            || p.chars().any(char::is_numeric)
        {
            return None;
        }
        let mut found = None;
        for segment in p.split(',').map(str::trim) {
            let capitalized = segment
                .split_whitespace()
                .all(|w| w.chars().next().is_some_and(char::is_uppercase));
            if segment.is_empty() || !capitalized {
                return None;
            }
            if let Some(place) = self.data.places.canonical(segment) {
                found = Some(place);
            }
        }
        found.map(str::to_string)
    }

    /// The name in a `By John Smith` / `Автор: Иван Петров` line, as
    /// written.
    fn author_line(&self, p: &str) -> Option<String> {
        let words: Vec<&str> = p.split_whitespace().collect();
        if words.len() > 8 {
            return None;
        }
        for n in 1..=2.min(words.len()) {
            let label = words[..n].join(" ");
            if !self
                .data
                .vocabulary
                .author_labels
                .contains(&phrase_key(label.trim_end_matches(':')))
            {
                continue;
            }
            let name = words[n..].join(" ");
            let name = name.trim_start_matches(':').trim();
            if !name.is_empty() && looks_like_name(name) {
                return Some(title_case_caps(name));
            }
        }
        None
    }

    /// `..., Tokyo, May 30, 2019` at the end of a title: place and date.
    fn title_place_date(&self, title: &str) -> Option<(Option<String>, DateParts)> {
        let caps = self.title_suffix.captures(title)?;
        let date = self.dates.parse_exact(caps.name("date")?.as_str())?;
        let place = caps.name("place").map(|m| {
            let raw = m.as_str().trim();
            self.data.places.canonical(raw).unwrap_or(raw).to_string()
        });
        Some((place, date))
    }

    /// Canonical speaker name through the entity gazetteer; the name as
    /// written when the gazetteer does not know it. The flag tells whether
    /// the gazetteer answered.
    fn canonical_speaker(&self, name: &SpeakerName) -> (String, bool) {
        if let Some(c) = self.entities.canonical_person(&name.name) {
            return (c.to_string(), true);
        }
        if (name.has_initials || has_cyrillic(&name.name))
            && let Some(c) = self.entities.canonical_person(&name.surname)
        {
            return (c.to_string(), true);
        }
        (name.name.clone(), false)
    }

    /// Picks the publication date: the top date line, else the dateline's
    /// (or a transcript title's) date, else a stamp line of the header, else
    /// `meta_published`. A year missing
    /// from the chosen date comes only from another date of the same
    /// document with the same month and day, or from `meta_published` when
    /// it lies within a week of the month and day.
    fn choose_date(
        &self,
        doc: &mut DocFields,
        candidates: [Option<DateCandidate>; 3],
        meta: Option<&str>,
    ) {
        let meta_parts = meta
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .and_then(|m| self.dates.parse_exact(m));
        let mut candidates: Vec<DateCandidate> = candidates.into_iter().flatten().collect();
        if candidates.is_empty() {
            if let Some(parts) = meta_parts {
                doc.prov("date_text", "meta.published");
                doc.date = Some(parts);
            }
            return;
        }
        let primary = candidates.remove(0);
        let mut parts = primary.parts;
        doc.prov("date_text", primary.rule);
        if parts.year.is_none() && parts.month.is_some() && parts.day.is_some() {
            let tied = candidates.iter().find(|c| {
                c.parts.year.is_some() && c.parts.month == parts.month && c.parts.day == parts.day
            });
            if let Some(c) = tied {
                parts.year = c.parts.year;
                doc.prov("published_year", c.rule);
            } else if let Some(year) = meta_parts.as_ref().and_then(|m| year_near(&parts, m)) {
                parts.year = Some(year);
                doc.prov("published_year", "meta.published");
            }
        }
        if parts.year.is_none() && parts.month.is_some() {
            doc.flags.push("date_partial");
        }
        doc.date = Some(parts);
    }
}

/// The year that puts a month-day date within a week of a full metadata
/// date, if any.
fn year_near(date: &DateParts, meta: &DateParts) -> Option<i16> {
    let (Some(m), Some(d)) = (date.month, date.day) else {
        return None;
    };
    let (Some(my), Some(mm), Some(md)) = (meta.year, meta.month, meta.day) else {
        return None;
    };
    let meta_days = days_from_civil(i64::from(my), i64::from(mm), i64::from(md));
    (my - 1..=my + 1).find(|&y| {
        let days = days_from_civil(i64::from(y), i64::from(m), i64::from(d));
        (days - meta_days).abs() <= META_YEAR_DAYS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_join_wrapped_lines_only() {
        let wrapped = [
            "The foreign ministers of Russia and Japan met in Tokyo",
            "on Thursday and agreed to continue the dialogue on",
            "security in the Asia-Pacific region, officials said.",
            "",
            "The next round of the consultations will be held in",
            "Moscow next year, the Russian minister told reporters.",
            "Short last line.",
        ];
        let keep = [true; 7];
        let (paras, starts) = paragraphs(&wrapped, &keep);
        assert_eq!(paras.len(), 2);
        assert!(paras[0].starts_with("The foreign") && paras[0].ends_with("officials said."));
        assert!(paras[1].ends_with("told reporters. Short last line."));
        assert_eq!(starts, vec![0, 4]);

        // One paragraph a line: lines are never joined, removed lines split.
        let lines = [
            "Japan and Russia agree to continue peace treaty talks",
            "by Magdalena Osumi",
            "Next paragraph starts here and it is a long line of prose that goes past the wrap width.",
            "",
            "Third.",
            "dropped",
            "after",
        ];
        let keep = [true, true, true, true, true, false, true];
        let (paras, starts) = paragraphs(&lines, &keep);
        assert_eq!(paras.len(), 5);
        assert_eq!(paras[1], "by Magdalena Osumi");
        assert_eq!(starts, vec![0, 1, 2, 4, 6]);
    }

    #[test]
    fn shapes() {
        // (text, headline_like, lede_like, heading_like)
        let cases = [
            (
                "Moscow, Tokyo agree to begin dialogue on regional security formation",
                true,
                true,
                true,
            ),
            (
                "The situation in the region is stable, but there is a rather serious conflict potential, Lavrov noted",
                true,
                true,
                false,
            ),
            (
                "Dialogue on the Korean Peninsula denuclearization",
                true,
                false,
                true,
            ),
            (
                "Today we held already the fourth round of the consultations.",
                false,
                false,
                false,
            ),
            ("All news", true, false, true),
            ("Question:", false, false, false),
            ("“We agree,” he said.", false, false, false),
            ("NATIONAL / POLITICS & DIPLOMACY", true, false, true),
        ];
        assert!(is_label("NATIONAL / POLITICS & DIPLOMACY"));
        assert!(is_label("NHK WORLD-JAPAN"));
        assert!(!is_label("Moscow, Tokyo agree"));
        for (text, title, lede, heading) in cases {
            assert_eq!(headline_like(text), title, "headline_like {text:?}");
            assert_eq!(lede_like(text), lede, "lede_like {text:?}");
            assert_eq!(heading_like(text), heading, "heading_like {text:?}");
        }
    }

    #[test]
    fn meta_year_within_a_week() {
        let parts = |y, m, d| DateParts {
            text: String::new(),
            year: y,
            month: Some(m),
            day: Some(d),
            time: None,
        };
        let cases = [
            (parts(None, 7, 22), parts(Some(2019), 7, 22), Some(2019)),
            (parts(None, 12, 31), parts(Some(2020), 1, 2), Some(2019)),
            (parts(None, 1, 2), parts(Some(2019), 12, 30), Some(2020)),
            (parts(None, 7, 22), parts(Some(2019), 9, 1), None),
        ];
        for (date, meta, want) in cases {
            assert_eq!(year_near(&date, &meta), want);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
