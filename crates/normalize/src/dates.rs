//! Date expressions in English and Russian house styles.
//!
//! Recognized forms (weekday prefixes such as `Thursday,` or `чт,` allowed,
//! month names full or abbreviated, with or without a dot):
//!
//! | form | examples |
//! |---|---|
//! | day month [year] [time] | `30 May 2019 14:23`, `30 May 201914:23` (glued), `15 марта`, `15 марта 2019 г., 10:05` |
//! | month day [, year] [time] | `July 22`, `May 30, 2019`, `Sept. 5, 2019, 2:30 p.m.` |
//! | ISO | `2019-05-30`, `2019-05-30T14:23:05Z` |
//! | dotted | `30.05.2019`, `30.05.2019 14:23` |
//! | time first | `14:23, 30 May 2019`, `14:23 30.05.2019` |
//! | month year | `March 2019`, `март 2019` |
//!
//! [`DateParts::text`] is the expression as written, with whitespace
//! collapsed, glued parts separated (`30 May 201914:23` gives
//! `30 May 2019 14:23`) and trailing punctuation dropped. Values are
//! validated (`February 30` is not a date).

use regex::Regex;

use crate::refdata::static_regex;

/// One parsed date expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParts {
    /// The expression as written (see the module docs).
    pub text: String,
    /// Year, when the expression states one.
    pub year: Option<i16>,
    /// Month 1-12.
    pub month: Option<u8>,
    /// Day of month.
    pub day: Option<u8>,
    /// `HH:MM`, 24-hour.
    pub time: Option<String>,
}

impl DateParts {
    /// Value of the `date_precision` column.
    pub fn precision(&self) -> &'static str {
        match (self.year, self.month, self.day, &self.time) {
            (Some(_), Some(_), Some(_), Some(_)) => "datetime",
            (Some(_), Some(_), Some(_), None) => "day",
            (None, Some(_), Some(_), _) => "month_day",
            (Some(_), Some(_), None, _) => "month",
            (Some(_), None, None, _) => "year",
            _ => "none",
        }
    }
}

const MONTH: &str = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|ноябрь|декабрь|февр|сент|нояб|янв|фев|мар|апр|июн|июл|авг|сен|окт|ноя|дек)\b\.?";
const WEEKDAY: &str = r"(?:\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|mon|tue|wed|thu|fri|sat|sun|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|пн|вт|ср|чт|пт|сб|вс)\.?,?\s+)";
const DAY: &str = r"(?:3[01]|[12]\d|0?[1-9])";
const YEAR: &str = r"(?:19|20)\d{2}";
const TIME: &str = r"(?:[01]?\d|2[0-3])[:.][0-5]\d";
const AMPM: &str = r"(?:[ap]\.?\s?m\.?)";
const ZONE: &str =
    r"(?:\s*(?:gmt|utc|msk|jst|kst|cst|est|edt|bst|cet|мск)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?)";
const YEAR_WORD: &str = r"(?:\s*(?:г\.|года|год|г\b))";

/// Compiled date grammar; build once, share between threads.
#[derive(Debug)]
pub struct DateGrammar {
    /// Anchored parsers, one per form, with named groups.
    forms: Vec<Regex>,
    /// Anchored `time, ` prefix of the time-first form.
    time_first: Regex,
    /// Unanchored search for any form.
    any: Regex,
}

impl Default for DateGrammar {
    fn default() -> Self {
        Self::new()
    }
}

fn time_tail(t: &str, ampm: &str) -> String {
    format!(r"(?:[\s,|@–—-]*(?:at\s+|в\s+)?(?P<{t}>{TIME})(?:\s*(?P<{ampm}>{AMPM}))?{ZONE}?)?")
}

/// Form patterns with named groups `y`, `m` (name), `mo` (number), `d`,
/// `t`, `ampm`, suffixed per form so the search pattern can join them.
fn form_patterns() -> Vec<String> {
    vec![
        // day month [year] [time]
        format!(
            r"(?:{WEEKDAY})?\b(?P<d1>{DAY})\s*(?P<m1>{MONTH})(?:[\s,]*(?P<y1>{YEAR}){YEAR_WORD}?)?{}",
            time_tail("t1", "ap1")
        ),
        // month day [, year] [time]
        format!(
            r"(?:{WEEKDAY})?\b(?P<m2>{MONTH})\s*(?P<d2>{DAY})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y2>{YEAR}))?{}",
            time_tail("t2", "ap2")
        ),
        // ISO
        format!(
            r"\b(?P<y3>{YEAR})-(?P<mo3>0?[1-9]|1[0-2])-(?P<d3>{DAY})(?:[T\s]+(?P<t3>{TIME})(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?\b"
        ),
        // dotted
        format!(
            r"(?:{WEEKDAY})?\b(?P<d4>{DAY})\.(?P<mo4>0?[1-9]|1[0-2])\.(?P<y4>{YEAR}){}",
            time_tail("t4", "ap4")
        ),
        // month year
        format!(r"\b(?P<m5>{MONTH})\s+(?P<y5>{YEAR})\b"),
    ]
}

impl DateGrammar {
    /// Compiles the grammar.
    pub fn new() -> Self {
        let patterns = form_patterns();
        let forms = patterns
            .iter()
            .map(|p| static_regex(&format!("(?i)^(?:{p})")))
            .collect();
        let time_first = static_regex(&format!(
            r"(?i)^(?P<t>{TIME})(?:\s*(?P<ap>{AMPM}))?{ZONE}?[\s,|–—-]+"
        ));
        let any = static_regex(&format!("(?i){}", any_pattern()));
        DateGrammar {
            forms,
            time_first,
            any,
        }
    }

    /// Parses the date expression that starts `text`; returns it and the
    /// byte length it covers. The longest form wins.
    pub fn parse_at_start(&self, text: &str) -> Option<(DateParts, usize)> {
        if !has_digit(text) {
            return None;
        }
        if let Some(caps) = self.time_first.captures(text) {
            let prefix = caps.get(0).map_or(0, |m| m.end());
            if let Some((mut date, len)) = self.parse_date_first(&text[prefix..])
                && date.time.is_none()
            {
                date.time = format_time(caps.name("t")?.as_str(), caps.name("ap"));
                let written = clean_expression(&text[..prefix + len], None);
                date.text = written;
                return Some((date, prefix + len));
            }
        }
        self.parse_date_first(text)
    }

    fn parse_date_first(&self, text: &str) -> Option<(DateParts, usize)> {
        let mut best: Option<(DateParts, usize)> = None;
        for (i, form) in self.forms.iter().enumerate() {
            let Some(caps) = form.captures(text) else {
                continue;
            };
            let len = caps.get(0).map_or(0, |m| m.end());
            if best.as_ref().is_some_and(|(_, l)| *l >= len) {
                continue;
            }
            if let Some(parts) = parts_of(&caps, i + 1) {
                best = Some((parts, len));
            }
        }
        best
    }

    /// Parses `text` when all of it (apart from surrounding spaces and
    /// trailing punctuation) is one date expression.
    pub fn parse_exact(&self, text: &str) -> Option<DateParts> {
        let trimmed = text.trim();
        let (parts, len) = self.parse_at_start(trimmed)?;
        trimmed[len..]
            .trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | '|'))
            .is_empty()
            .then_some(parts)
    }

    /// Every date expression in `text`, left to right, with its byte range.
    pub fn find_all(&self, text: &str) -> Vec<(DateParts, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        if !has_digit(text) {
            return out;
        }
        let mut at = 0;
        while at < text.len() {
            let Some(m) = self.any.find_at(text, at) else {
                break;
            };
            match self.parse_at_start(&text[m.start()..]) {
                Some((parts, len)) => {
                    out.push((parts, m.start()..m.start() + len));
                    at = m.start() + len.max(1);
                }
                None => at = m.end().max(m.start() + 1),
            }
            while at < text.len() && !text.is_char_boundary(at) {
                at += 1;
            }
        }
        out
    }
}

/// Every date expression has a digit: a cheap test before the regexes.
fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

/// The search pattern for any date form, without capture groups, for
/// embedding in other patterns (case-insensitive only where it is embedded
/// with `(?i:...)`).
pub fn any_pattern() -> String {
    let forms = form_patterns();
    let strip = static_regex(r"\(\?P<[a-z0-9]+>");
    let joined = forms
        .iter()
        .map(|f| strip.replace_all(f, "(?:").into_owned())
        .collect::<Vec<_>>()
        .join("|");
    format!(r"(?:(?:{TIME}(?:\s*{AMPM})?{ZONE}?[\s,|–—-]+)?(?:{joined}))")
}

fn parts_of(caps: &regex::Captures<'_>, form: usize) -> Option<DateParts> {
    let get = |name: &str| caps.name(&format!("{name}{form}"));
    let year = match get("y") {
        Some(y) => Some(y.as_str().parse::<i16>().ok()?),
        None => None,
    };
    let month = match (get("m"), get("mo")) {
        (Some(name), _) => Some(month_number(name.as_str())?),
        (None, Some(num)) => Some(num.as_str().parse::<u8>().ok()?),
        (None, None) => None,
    };
    let day = match get("d") {
        Some(d) => Some(d.as_str().parse::<u8>().ok()?),
        None => None,
    };
    if let (Some(m), Some(d)) = (month, day)
        && d > days_in_month(m, year)
    {
        return None;
    }
    let time = match get("t") {
        Some(t) => Some(format_time(t.as_str(), get("ap"))?),
        None => None,
    };
    // Separate a year glued to the time that follows it.
    let glue = match (get("y"), get("t")) {
        (Some(y), Some(t)) if y.end() == t.start() => Some(y.end()),
        _ => None,
    };
    let whole = caps.get(0)?;
    let text = clean_expression(whole.as_str(), glue.map(|g| g - whole.start()));
    Some(DateParts {
        text,
        year,
        month,
        day,
        time,
    })
}

/// Collapses whitespace, inserts a space at `glue` (a byte offset into
/// `raw`), and drops trailing punctuation.
fn clean_expression(raw: &str, glue: Option<usize>) -> String {
    let mut out = String::with_capacity(raw.len() + 1);
    let mut space = false;
    for (i, c) in raw.char_indices() {
        if Some(i) == glue {
            space = true;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    let trimmed = out.trim_end_matches(|c: char| {
        matches!(c, ',' | ';' | ':' | '|' | '-' | '–' | '—' | '@' | ' ')
    });
    // A final dot ends the sentence, unless it closes an abbreviation such
    // as `p.m.` or `г.`.
    let last_word = trimmed.rsplit(' ').next().unwrap_or_default();
    match last_word.strip_suffix('.') {
        Some(inner)
            if !inner.contains('.') && inner.chars().filter(|c| c.is_alphabetic()).count() != 1 =>
        {
            trimmed[..trimmed.len() - 1].trim_end().to_string()
        }
        _ => trimmed.to_string(),
    }
}

/// Month number of an English or Russian month name or abbreviation.
pub fn month_number(name: &str) -> Option<u8> {
    let lower = name.trim_end_matches('.').to_lowercase();
    let prefix: String = lower.chars().take(3).collect();
    let n = match prefix.as_str() {
        "jan" | "янв" => 1,
        "feb" | "фев" => 2,
        "mar" | "мар" => 3,
        "apr" | "апр" => 4,
        "may" | "мая" | "май" => 5,
        "jun" | "июн" => 6,
        "jul" | "июл" => 7,
        "aug" | "авг" => 8,
        "sep" | "сен" => 9,
        "oct" | "окт" => 10,
        "nov" | "ноя" => 11,
        "dec" | "дек" => 12,
        _ => return None,
    };
    Some(n)
}

fn days_in_month(month: u8, year: Option<i16>) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        _ => 31,
    }
}

/// `HH:MM` of a written time, converting `p.m.` times to 24 hours.
fn format_time(written: &str, ampm: Option<regex::Match<'_>>) -> Option<String> {
    let (h, m) = written.split_once([':', '.'])?;
    let mut hour: u8 = h.parse().ok()?;
    let minute: u8 = m.parse().ok()?;
    if let Some(ap) = ampm {
        let pm = ap.as_str().to_lowercase().starts_with('p');
        if hour == 0 || hour > 12 {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    (hour < 24 && minute < 60).then(|| format!("{hour:02}:{minute:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Want = (
        &'static str,
        Option<i16>,
        Option<u8>,
        Option<u8>,
        Option<&'static str>,
        &'static str,
    );

    #[test]
    fn exact_table() {
        let g = DateGrammar::new();
        let cases: &[(&str, Want)] = &[
            (
                "30 May 201914:23",
                (
                    "30 May 2019 14:23",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("14:23"),
                    "datetime",
                ),
            ),
            (
                "30 May 2019, 14:23",
                (
                    "30 May 2019, 14:23",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("14:23"),
                    "datetime",
                ),
            ),
            (
                "July 22",
                ("July 22", None, Some(7), Some(22), None, "month_day"),
            ),
            (
                "March 19.",
                ("March 19", None, Some(3), Some(19), None, "month_day"),
            ),
            (
                "May 30, 2019",
                ("May 30, 2019", Some(2019), Some(5), Some(30), None, "day"),
            ),
            (
                "Jan. 5",
                ("Jan. 5", None, Some(1), Some(5), None, "month_day"),
            ),
            (
                "Sept 5th, 2019, 2:30 p.m.",
                (
                    "Sept 5th, 2019, 2:30 p.m.",
                    Some(2019),
                    Some(9),
                    Some(5),
                    Some("14:30"),
                    "datetime",
                ),
            ),
            (
                "2019-05-30",
                ("2019-05-30", Some(2019), Some(5), Some(30), None, "day"),
            ),
            (
                "2019-05-30T14:23:05Z",
                (
                    "2019-05-30T14:23:05Z",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("14:23"),
                    "datetime",
                ),
            ),
            (
                "30.05.2019",
                ("30.05.2019", Some(2019), Some(5), Some(30), None, "day"),
            ),
            (
                "30.05.2019 9:05",
                (
                    "30.05.2019 9:05",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("09:05"),
                    "datetime",
                ),
            ),
            (
                "15 марта",
                ("15 марта", None, Some(3), Some(15), None, "month_day"),
            ),
            (
                "15 марта 2019 г.",
                (
                    "15 марта 2019 г.",
                    Some(2019),
                    Some(3),
                    Some(15),
                    None,
                    "day",
                ),
            ),
            (
                "15 марта 2019 года, 10:05",
                (
                    "15 марта 2019 года, 10:05",
                    Some(2019),
                    Some(3),
                    Some(15),
                    Some("10:05"),
                    "datetime",
                ),
            ),
            (
                "Thursday, May 30, 2019",
                (
                    "Thursday, May 30, 2019",
                    Some(2019),
                    Some(5),
                    Some(30),
                    None,
                    "day",
                ),
            ),
            (
                "четверг, 30 мая 2019",
                (
                    "четверг, 30 мая 2019",
                    Some(2019),
                    Some(5),
                    Some(30),
                    None,
                    "day",
                ),
            ),
            (
                "Thu 30 May 2019 14:23 GMT",
                (
                    "Thu 30 May 2019 14:23 GMT",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("14:23"),
                    "datetime",
                ),
            ),
            (
                "14:23, 30 May 2019",
                (
                    "14:23, 30 May 2019",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("14:23"),
                    "datetime",
                ),
            ),
            (
                "14:23 30.05.2019",
                (
                    "14:23 30.05.2019",
                    Some(2019),
                    Some(5),
                    Some(30),
                    Some("14:23"),
                    "datetime",
                ),
            ),
            (
                "March 2019",
                ("March 2019", Some(2019), Some(3), None, None, "month"),
            ),
            (
                "29 February 2020",
                (
                    "29 February 2020",
                    Some(2020),
                    Some(2),
                    Some(29),
                    None,
                    "day",
                ),
            ),
        ];
        for (input, want) in cases {
            let got = g
                .parse_exact(input)
                .unwrap_or_else(|| panic!("no date in {input:?}"));
            let got_tuple = (
                got.text.as_str(),
                got.year,
                got.month,
                got.day,
                got.time.as_deref(),
                got.precision(),
            );
            assert_eq!(got_tuple, *want, "input {input:?}");
        }
    }

    #[test]
    fn not_dates() {
        let g = DateGrammar::new();
        for input in [
            "30 February 2019",
            "29 February 2019",
            "May",
            "2019",
            "the May 30 meeting",
            "Mayday 5",
            "13.13.2019",
            "25:61",
            "Moscow and Tokyo",
            "",
        ] {
            assert!(g.parse_exact(input).is_none(), "{input:?} parsed as a date");
        }
    }

    #[test]
    fn finds_dates_in_text() {
        let g = DateGrammar::new();
        let text = "The meeting, held on 2 November 2013, was frozen; talks resume on July 31.";
        let found: Vec<_> = g
            .find_all(text)
            .into_iter()
            .map(|(p, r)| (p.text, &text[r]))
            .collect();
        assert_eq!(
            found,
            vec![
                ("2 November 2013".to_string(), "2 November 2013"),
                ("July 31".to_string(), "July 31"),
            ]
        );
        assert!(g.find_all("no dates, 2019 alone").is_empty());
        assert_eq!(g.find_all("в Москве 15 марта.")[0].0.day, Some(15));
    }
}
