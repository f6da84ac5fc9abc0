//! Datelines: the `PLACE, DATE (SOURCE) -` prefix of a news story, in the
//! house styles of the wires and of TASS in English and Russian.
//!
//! | rule | examples |
//! |---|---|
//! | `dateline.tass_slash` | `MOSCOW, July 22. /TASS/.`, `OSAKA /Japan/, June 29. /TASS/.`, `TOKYO, March 19. /Offset. TASS Vasily Golovnin/.`, `МОСКВА, 15 марта. /Корр. ИТАР-ТАСС Василий Головнин/.` |
//! | `dateline.agency_paren` | `TOKYO, November 2 (Itar-Tass) -`, `WASHINGTON, Jan 5 (Reuters) -`, `BEIJING, May 3 (Xinhua) --`, `TOKYO (Kyodo) --`, `MOSCOW. Jan 5 (Interfax) -`, `TOKYO/MOSCOW, May 30 (Reuters) -` (first place kept) |
//! | `dateline.agency_dash` | `МОСКВА, 5 марта — РИА Новости.` |
//! | `dateline.agency_after_date` | `Москва. 5 марта. INTERFAX.RU -` |
//! | `dateline.agency_only` | `(Sputnik) -` |
//! | `dateline.place_date` | `TOKYO, March 19 – ...`, `SEOUL, May 3. ...` (place in capitals) |
//! | `dateline.place_dash` | `OSAKA — ...` (a listed place in capitals) |
//!
//! The place maps to its canonical English name through `places.toml`; an
//! unlisted place is accepted only when written in capitals. The source maps
//! through `sources.toml`; a byline inside the slashes (`Corr.`, `Корр.`,
//! the machine-translated `Offset.`) gives the author, romanized when
//! written in Cyrillic.

use regex::{Captures, Regex};

use crate::dates::{DateGrammar, DateParts, any_pattern};
use crate::refdata::{RefData, static_regex};
use crate::translit::{has_cyrillic, romanize};

/// A parsed dateline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dateline {
    /// Rule that matched (`dateline.tass_slash`, ...).
    pub rule: &'static str,
    /// Canonical place.
    pub place: Option<String>,
    /// The dateline's date.
    pub date: Option<DateParts>,
    /// Canonical outlet.
    pub source: Option<String>,
    /// Byline, in Latin script.
    pub author: Option<String>,
    /// Byte offset where the story text starts.
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    TassSlash,
    AgencyParen,
    AgencyDash,
    AgencyAfterDate,
    AgencyOnly,
    PlaceDate,
    PlaceDash,
}

impl Style {
    fn rule(self) -> &'static str {
        match self {
            Style::TassSlash => "dateline.tass_slash",
            Style::AgencyParen => "dateline.agency_paren",
            Style::AgencyDash => "dateline.agency_dash",
            Style::AgencyAfterDate => "dateline.agency_after_date",
            Style::AgencyOnly => "dateline.agency_only",
            Style::PlaceDate => "dateline.place_date",
            Style::PlaceDash => "dateline.place_dash",
        }
    }
}

/// Compiled dateline patterns.
#[derive(Debug)]
pub struct DatelineParser {
    styles: Vec<(Style, Regex)>,
}

impl Default for DatelineParser {
    fn default() -> Self {
        Self::new()
    }
}

const PLACE: &str = r"(?P<place>[\p{Lu}][\p{L}\p{M}'’.\-]*(?: [\p{Lu}][\p{L}\p{M}'’.\-]*){0,3})(?:/[\p{Lu}][\p{Lu}\p{M}'’.\-]*(?: [\p{Lu}][\p{Lu}\p{M}'’.\-]*){0,3})*";
const REGION_SLASH: &str = r"(?:\s*/(?P<region>[^/\n]{1,40})/)?";
const REGION_COMMA: &str = r"(?:,\s*(?P<region2>[\p{Lu}][\p{L}.]+(?: [\p{Lu}][\p{L}.]+){0,2}))?";
const SEP: &str = r"\s*[,.]\s*";

impl DatelineParser {
    /// Compiles the patterns.
    pub fn new() -> Self {
        let date = format!("(?P<date>(?i:{}))", any_pattern());
        let styles = vec![
            (
                Style::TassSlash,
                format!(
                    r"^{PLACE}{REGION_SLASH}{REGION_COMMA}(?:{SEP}{date})?\s*\.?\s*/(?P<slash>[^/\n]{{2,100}})/\s*\.?\s*"
                ),
            ),
            (
                Style::AgencyParen,
                format!(
                    r"^{PLACE}{REGION_SLASH}{REGION_COMMA}(?:{SEP}{date})?\s*\((?P<src>[^()\n]{{2,60}})\)\s*(?P<dash>-+|–|—|:)?\s*"
                ),
            ),
            (
                Style::AgencyDash,
                format!(
                    r"^{PLACE}{REGION_COMMA}{SEP}{date}\s*(?:-+|–|—)\s*(?P<src>[^.\n]{{2,40}}?)\.\s*"
                ),
            ),
            (
                Style::AgencyAfterDate,
                format!(
                    r"^{PLACE}{REGION_COMMA}{SEP}{date}\.?\s+(?P<src>[\p{{Lu}}][^\n]{{1,30}}?)\s*(?:-+|–|—)\s*"
                ),
            ),
            (
                Style::AgencyOnly,
                r"^\((?P<src>[^()\n]{2,40})\)\s*(?:-+|–|—)\s*".to_string(),
            ),
            (
                Style::PlaceDate,
                format!(r"^{PLACE}{REGION_SLASH}{REGION_COMMA}{SEP}{date}\s*(?:-+|–|—|\.)\s+"),
            ),
            (
                Style::PlaceDash,
                format!(r"^{PLACE}{REGION_COMMA}\s+(?:-+|–|—)\s+"),
            ),
        ];
        DatelineParser {
            styles: styles
                .into_iter()
                .map(|(style, p)| (style, static_regex(&p)))
                .collect(),
        }
    }

    /// Parses the dateline at the start of `paragraph`, if any.
    pub fn parse(&self, paragraph: &str, data: &RefData, dates: &DateGrammar) -> Option<Dateline> {
        if !may_start_with_dateline(paragraph, data) {
            return None;
        }
        self.styles.iter().find_map(|(style, regex)| {
            let caps = regex.captures(paragraph)?;
            accept(*style, &caps, paragraph, data, dates)
        })
    }
}

/// Cheap test before the patterns: a dateline opens with `(`, with a word
/// in capitals, or with a listed place.
fn may_start_with_dateline(paragraph: &str, data: &RefData) -> bool {
    if paragraph.starts_with('(') {
        return true;
    }
    let end = paragraph
        .find([',', '.', '(', '/', '—', '–', '-'])
        .unwrap_or(paragraph.len())
        .min(PLACE_PREFIX_BYTES);
    let mut end = end;
    while !paragraph.is_char_boundary(end) {
        end -= 1;
    }
    let head = paragraph[..end].trim();
    let first_word = head.split(' ').next().unwrap_or_default();
    let caps = first_word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !first_word.chars().any(char::is_lowercase);
    caps || data.places.canonical(head).is_some()
}

/// Longest place prefix looked at by the pre-test, in bytes.
const PLACE_PREFIX_BYTES: usize = 80;

fn accept(
    style: Style,
    caps: &Captures<'_>,
    paragraph: &str,
    data: &RefData,
    dates: &DateGrammar,
) -> Option<Dateline> {
    let end = caps.get(0)?.end();
    let date = match caps.name("date") {
        Some(m) => Some(dates.parse_exact(m.as_str())?),
        None => None,
    };
    let place = match caps.name("place") {
        Some(m) => {
            let raw = m.as_str().trim_end_matches(['.', '-']);
            let all_caps = !raw.chars().any(char::is_lowercase);
            if raw.chars().filter(|c| c.is_alphabetic()).count() < 2 {
                return None;
            }
            match data.places.canonical(raw) {
                Some(known) => Some(known.to_string()),
                None if all_caps && style != Style::PlaceDash => Some(title_case_place(raw)),
                None => return None,
            }
        }
        None => None,
    };
    let needs_caps = matches!(style, Style::PlaceDate | Style::PlaceDash);
    if needs_caps
        && caps
            .name("place")
            .is_some_and(|m| m.as_str().chars().any(char::is_lowercase))
    {
        return None;
    }
    let rest = &paragraph[end..];
    if needs_caps && !starts_like_a_sentence(rest) {
        return None;
    }
    let (source, author) = match style {
        Style::TassSlash => parse_byline(caps.name("slash")?.as_str(), data)?,
        Style::AgencyParen => {
            let src = caps.name("src")?.as_str().trim();
            match data.outlets.canonical(src) {
                Some(known) => (Some(known.to_string()), None),
                None if caps.name("dash").is_some()
                    && caps
                        .name("place")
                        .is_some_and(|m| !m.as_str().chars().any(char::is_lowercase))
                    && looks_like_name(src) =>
                {
                    (Some(src.to_string()), None)
                }
                None => return None,
            }
        }
        Style::AgencyDash | Style::AgencyAfterDate | Style::AgencyOnly => {
            let src = caps.name("src")?.as_str().trim();
            (Some(data.outlets.canonical(src)?.to_string()), None)
        }
        Style::PlaceDate | Style::PlaceDash => (None, None),
    };
    Some(Dateline {
        rule: style.rule(),
        place,
        date,
        source,
        author,
        end,
    })
}

/// The story after a capitals-only dateline starts like a sentence: a
/// capital letter, a digit or an opening quote.
fn starts_like_a_sentence(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_numeric() || "\"“«‘'(".contains(c))
}

/// `NEW YORK` -> `New York`; a Cyrillic place is romanized.
fn title_case_place(raw: &str) -> String {
    let latin = if has_cyrillic(raw) {
        romanize(&raw.to_lowercase())
    } else {
        raw.to_lowercase()
    };
    let mut out = String::with_capacity(latin.len());
    let mut start = true;
    for c in latin.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c == ' ' || c == '-';
    }
    out
}

/// Whether `text` reads as a name: 1-5 words, each starting with a capital
/// letter (initials with dots allowed), no digits.
pub(crate) fn looks_like_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 5
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase) && !w.chars().any(char::is_numeric)
        })
}

/// Splits a slash byline (`Offset. TASS Vasily Golovnin`) into source and
/// author. `None` when it names neither an outlet nor a byline prefix.
fn parse_byline(content: &str, data: &RefData) -> Option<(Option<String>, Option<String>)> {
    let outlets = data.outlets.find(content);
    let tokens = newsflow_core::text::tokenize(content);
    let prefixes: Vec<_> = data
        .vocabulary
        .byline_prefixes
        .find(&tokens)
        .into_iter()
        .map(|m| m.start_byte..m.end_byte)
        .collect();
    if outlets.is_empty() && prefixes.is_empty() {
        return None;
    }
    let source = outlets.first().map(|(name, _)| name.to_string());
    let mut cuts: Vec<std::ops::Range<usize>> = outlets
        .iter()
        .map(|(_, r)| r.clone())
        .chain(prefixes)
        .collect();
    cuts.sort_by_key(|r| r.start);
    let mut pieces = Vec::new();
    let mut last = 0;
    for cut in &cuts {
        if cut.start >= last {
            pieces.push(&content[last..cut.start]);
            last = cut.end;
        }
    }
    pieces.push(&content[last..]);
    let author = pieces
        .into_iter()
        .map(|p| p.trim_matches(|c: char| c.is_whitespace() || ".,;:/-–—".contains(c)))
        .rfind(|p| !p.is_empty() && looks_like_name(p))
        .map(|p| {
            if has_cyrillic(p) {
                romanize(p)
            } else {
                p.to_string()
            }
        });
    Some((source, author))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Want {
        rule: &'static str,
        place: Option<&'static str>,
        date: Option<&'static str>,
        source: Option<&'static str>,
        author: Option<&'static str>,
        rest: &'static str,
    }

    #[test]
    fn house_styles() {
        let data = RefData::load(None).unwrap();
        let dates = DateGrammar::new();
        let parser = DatelineParser::new();
        let w = |rule, place, date, source, author, rest| Want {
            rule,
            place,
            date,
            source,
            author,
            rest,
        };
        let cases = [
            (
                "TOKYO, November 2 (Itar-Tass) - Moscow and Tokyo",
                w(
                    "dateline.agency_paren",
                    Some("Tokyo"),
                    Some("November 2"),
                    Some("TASS"),
                    None,
                    "Moscow and Tokyo",
                ),
            ),
            (
                "MOSCOW, July 22. /TASS/. The foreign",
                w(
                    "dateline.tass_slash",
                    Some("Moscow"),
                    Some("July 22"),
                    Some("TASS"),
                    None,
                    "The foreign",
                ),
            ),
            (
                "OSAKA /Japan/, June 29. /TASS/. Leaders",
                w(
                    "dateline.tass_slash",
                    Some("Osaka"),
                    Some("June 29"),
                    Some("TASS"),
                    None,
                    "Leaders",
                ),
            ),
            (
                "TOKYO, March 19. /Offset. TASS Vasily Golovnin/. The head",
                w(
                    "dateline.tass_slash",
                    Some("Tokyo"),
                    Some("March 19"),
                    Some("TASS"),
                    Some("Vasily Golovnin"),
                    "The head",
                ),
            ),
            (
                "ТОКИО, 19 марта. /Корр. ИТАР-ТАСС Василий Головнин/. Глава МИД",
                w(
                    "dateline.tass_slash",
                    Some("Tokyo"),
                    Some("19 марта"),
                    Some("TASS"),
                    Some("Vasily Golovnin"),
                    "Глава МИД",
                ),
            ),
            (
                "МОСКВА, 15 марта. /ТАСС/. Россия",
                w(
                    "dateline.tass_slash",
                    Some("Moscow"),
                    Some("15 марта"),
                    Some("TASS"),
                    None,
                    "Россия",
                ),
            ),
            (
                "WASHINGTON, Jan 5 (Reuters) - The United States",
                w(
                    "dateline.agency_paren",
                    Some("Washington"),
                    Some("Jan 5"),
                    Some("Reuters"),
                    None,
                    "The United States",
                ),
            ),
            (
                "BEIJING, May 3 (Xinhua) -- China",
                w(
                    "dateline.agency_paren",
                    Some("Beijing"),
                    Some("May 3"),
                    Some("Xinhua"),
                    None,
                    "China",
                ),
            ),
            (
                "TOKYO (Kyodo) -- Japan",
                w(
                    "dateline.agency_paren",
                    Some("Tokyo"),
                    None,
                    Some("Kyodo"),
                    None,
                    "Japan",
                ),
            ),
            (
                "MOSCOW, March 5 (RIA Novosti) - Russia",
                w(
                    "dateline.agency_paren",
                    Some("Moscow"),
                    Some("March 5"),
                    Some("RIA Novosti"),
                    None,
                    "Russia",
                ),
            ),
            (
                "MOSCOW. Jan 5 (Interfax) - Russia",
                w(
                    "dateline.agency_paren",
                    Some("Moscow"),
                    Some("Jan 5"),
                    Some("Interfax"),
                    None,
                    "Russia",
                ),
            ),
            (
                "МОСКВА, 5 марта — РИА Новости. Россия",
                w(
                    "dateline.agency_dash",
                    Some("Moscow"),
                    Some("5 марта"),
                    Some("RIA Novosti"),
                    None,
                    "Россия",
                ),
            ),
            (
                "Москва. 5 марта. INTERFAX.RU - Россия",
                w(
                    "dateline.agency_after_date",
                    Some("Moscow"),
                    Some("5 марта"),
                    Some("Interfax"),
                    None,
                    "Россия",
                ),
            ),
            (
                "TOKYO/MOSCOW, May 30 (Reuters) - Japan",
                w(
                    "dateline.agency_paren",
                    Some("Tokyo"),
                    Some("May 30"),
                    Some("Reuters"),
                    None,
                    "Japan",
                ),
            ),
            (
                "Paris (AFP) - France",
                w(
                    "dateline.agency_paren",
                    Some("Paris"),
                    None,
                    Some("AFP"),
                    None,
                    "France",
                ),
            ),
            (
                "TOKYO - Japan and Russia",
                w(
                    "dateline.place_dash",
                    Some("Tokyo"),
                    None,
                    None,
                    None,
                    "Japan and Russia",
                ),
            ),
            (
                "(Sputnik) - Russia",
                w(
                    "dateline.agency_only",
                    None,
                    None,
                    Some("Sputnik"),
                    None,
                    "Russia",
                ),
            ),
            (
                "SEOUL, South Korea (AP) — North Korea",
                w(
                    "dateline.agency_paren",
                    Some("Seoul"),
                    None,
                    Some("AP"),
                    None,
                    "North Korea",
                ),
            ),
            (
                "NEW ORLEANS, May 3 (UPI) -- A",
                w(
                    "dateline.agency_paren",
                    Some("New Orleans"),
                    Some("May 3"),
                    Some("UPI"),
                    None,
                    "A",
                ),
            ),
            (
                "TOKYO, March 19 – Japan",
                w(
                    "dateline.place_date",
                    Some("Tokyo"),
                    Some("March 19"),
                    None,
                    None,
                    "Japan",
                ),
            ),
            (
                "OSAKA — Leaders",
                w(
                    "dateline.place_dash",
                    Some("Osaka"),
                    None,
                    None,
                    None,
                    "Leaders",
                ),
            ),
            (
                "ЮЖНО-САХАЛИНСК, 3 мая. /ТАСС/. На",
                w(
                    "dateline.tass_slash",
                    Some("Yuzhno-Sakhalinsk"),
                    Some("3 мая"),
                    Some("TASS"),
                    None,
                    "На",
                ),
            ),
            (
                "ХОЛМСК, 3 мая. /ТАСС/. На",
                w(
                    "dateline.tass_slash",
                    Some("Kholmsk"),
                    Some("3 мая"),
                    Some("TASS"),
                    None,
                    "На",
                ),
            ),
        ];
        for (text, want) in cases {
            let d = parser
                .parse(text, &data, &dates)
                .unwrap_or_else(|| panic!("no dateline in {text:?}"));
            assert_eq!(d.rule, want.rule, "{text}");
            assert_eq!(d.place.as_deref(), want.place, "{text}");
            assert_eq!(
                d.date.as_ref().map(|x| x.text.as_str()),
                want.date,
                "{text}"
            );
            assert_eq!(d.source.as_deref(), want.source, "{text}");
            assert_eq!(d.author.as_deref(), want.author, "{text}");
            assert_eq!(&text[d.end..], want.rest, "{text}");
        }
    }

    #[test]
    fn not_datelines() {
        let data = RefData::load(None).unwrap();
        let dates = DateGrammar::new();
        let parser = DatelineParser::new();
        for text in [
            "Moscow and Tokyo have agreed to begin a dialogue.",
            "Moscow believes Tokyo's participation (in talks) - is useful.",
            "Foreign Minister Sergei Lavrov: The narrow-format meeting",
            "NATO — the alliance said",
            "Atlantis, May 3 (Reuters) - Nothing",
            "MOSCOW, July 22. /Japan/. Text",
            "The six-party talks, May 3 (2003) - began",
            "",
        ] {
            assert!(
                parser.parse(text, &data, &dates).is_none(),
                "{text:?} parsed as a dateline"
            );
        }
    }
}
