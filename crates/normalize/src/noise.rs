//! Line-level noise removal.
//!
//! Rules, in the order they run on the lines of one cleaned document:
//!
//! 1. the pattern rules of `noise.toml` (site chrome, language switchers,
//!    search widgets, share buttons, photo credits, teasers), each with
//!    optional neighbours (`before`/`after`);
//! 2. `placeholder`: a line holding an unrendered template
//!    (`{{element.title}}`, `{% ... %}`, `${...}`);
//! 3. `boilerplate`: a line learned from the corpus as repeated across many
//!    documents of the same source ([`crate::boilerplate`]); skipped for a
//!    document when it would remove two thirds of its text (a source full
//!    of reposts must not lose its articles);
//! 4. `headline_list`: a run of short unpunctuated lines with at least two
//!    time or date stamps (lists of other headlines);
//! 5. `timestamp`: a lone time or date line (`15:30`, `Updated: 22 July
//!    2019`, `2 hours ago`) other than the document's own date line.
//!
//! Every removed line is counted, and the rule names are reported.

use std::collections::BTreeSet;

use regex::Regex;

use crate::boilerplate::{Boilerplate, line_fingerprint};
use crate::dates::DateGrammar;
use crate::refdata::{NoiseRules, static_regex};
use crate::textutil::{ends_sentence, word_count};

/// Longest line (in words) that can be part of a headline list or a stamp.
const LIST_LINE_WORDS: usize = 25;
/// Longest lone stamp line, in words.
const STAMP_WORDS: usize = 12;

/// Removed-line bookkeeping of one document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NoiseLog {
    /// Lines removed.
    pub removed: u32,
    /// Names of the rules that removed them.
    pub rules: BTreeSet<String>,
}

impl NoiseLog {
    /// Counts `lines` removed by `rule`.
    pub fn record(&mut self, rule: &str, lines: u32) {
        if lines == 0 {
            return;
        }
        self.removed += lines;
        if !self.rules.contains(rule) {
            self.rules.insert(rule.to_string());
        }
    }
}

/// The compiled code rules (the pattern rules live in [`NoiseRules`]).
#[derive(Debug)]
pub struct NoiseFilter {
    placeholder: Regex,
    time: Regex,
    bare_time: Regex,
    relative: Regex,
    label: Regex,
}

impl Default for NoiseFilter {
    fn default() -> Self {
        Self::new()
    }
}

/// What the filter needs to know about the document.
pub struct NoiseContext<'a> {
    /// Pattern rules.
    pub rules: &'a NoiseRules,
    /// Learned boilerplate.
    pub boilerplate: &'a Boilerplate,
    /// Source group of the document (see [`crate::boilerplate::source_key`]).
    pub source: u64,
    /// Date grammar.
    pub dates: &'a DateGrammar,
    /// A line that must stay (the document's own date line).
    pub protected: Option<usize>,
}

impl NoiseFilter {
    /// Compiles the code rules.
    pub fn new() -> Self {
        NoiseFilter {
            placeholder: static_regex(r"\{\{[^{}\n]*\}\}|\{%[^%\n]*%\}|\$\{[^}\n]*\}|<%[^%\n]*%>"),
            time: static_regex(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b"),
            bare_time: static_regex(r"^(?:[01]?\d|2[0-3])[:.][0-5]\d$"),
            relative: static_regex(
                r"(?i)^(?:(?:today|yesterday|сегодня|вчера)[, ]*)?(?:[01]?\d|2[0-3]):[0-5]\d$|^(?:\d{1,2}|an?|one)\s+(?:min(?:ute)?s?|hours?|days?|минут[аы]?|час(?:а|ов)?|дн(?:я|ей)|день)\s+(?:ago|назад)$",
            ),
            label: static_regex(
                r"(?i)^(?:last\s+)?(?:updated|published|posted|modified|edited|created|date|обновлено|опубликовано|дата публикации|дата|время публикации)(?:\s+(?:at|on|time|date))?\s*:?\s*",
            ),
        }
    }

    /// Strips an `Updated at:`-style label from a date line.
    pub fn strip_label<'t>(&self, line: &'t str) -> &'t str {
        match self.label.find(line) {
            Some(m) => &line[m.end()..],
            None => line,
        }
    }

    /// `HH:MM` of a line that is only a clock time (`16:10`).
    pub fn bare_time(&self, line: &str) -> Option<String> {
        if !self.bare_time.is_match(line) {
            return None;
        }
        let (h, m) = line.split_once([':', '.'])?;
        Some(format!("{:02}:{m}", h.parse::<u8>().ok()?))
    }

    /// Whether `line` is a lone time or date stamp.
    pub fn is_stamp_line(&self, line: &str, dates: &DateGrammar) -> bool {
        if word_count(line, STAMP_WORDS + 1) > STAMP_WORDS {
            return false;
        }
        let bare = self.strip_label(line);
        self.relative.is_match(bare) || dates.parse_exact(bare).is_some()
    }

    /// Marks noise lines of `lines` (a blank line is a paragraph break) in
    /// `keep` and logs them.
    pub fn apply(
        &self,
        lines: &[&str],
        keep: &mut [bool],
        ctx: &NoiseContext<'_>,
        log: &mut NoiseLog,
    ) {
        let removable =
            |i: usize, keep: &[bool]| keep[i] && !lines[i].is_empty() && Some(i) != ctx.protected;
        // 1-2: pattern rules and placeholders.
        for i in 0..lines.len() {
            if !removable(i, keep) {
                continue;
            }
            let line = lines[i];
            if let Some(rule) = ctx.rules.first_match(line) {
                keep[i] = false;
                let mut n = 1;
                n += remove_neighbours(lines, keep, i, rule.before, true, ctx.protected);
                n += remove_neighbours(lines, keep, i, rule.after, false, ctx.protected);
                log.record(&rule.name, n);
            } else if self.placeholder.is_match(line) {
                keep[i] = false;
                log.record("placeholder", 1);
            }
        }
        // 3: boilerplate, unless it would take most of the text.
        if !ctx.boilerplate.is_empty() {
            let mut total = 0usize;
            let mut hits = Vec::new();
            let mut hit_chars = 0usize;
            for (i, line) in lines.iter().enumerate() {
                if !removable(i, keep) {
                    continue;
                }
                total += line.len();
                if ctx.boilerplate.contains(ctx.source, line_fingerprint(line)) {
                    hits.push(i);
                    hit_chars += line.len();
                }
            }
            if !hits.is_empty() && hit_chars * 3 <= total * 2 {
                for &i in &hits {
                    keep[i] = false;
                }
                log.record("boilerplate", hits.len() as u32);
            }
        }
        // 4: headline lists.
        self.remove_headline_lists(lines, keep, ctx, log);
        // 5: lone stamps.
        for i in 0..lines.len() {
            if removable(i, keep) && self.is_stamp_line(lines[i], ctx.dates) {
                keep[i] = false;
                log.record("timestamp", 1);
            }
        }
    }

    /// A headline-list stamp: a clock time, a relative time, or a line that
    /// is only a date (`May 30 - talks in Tokyo` is a list item, not a
    /// stamp).
    fn is_stamped(&self, line: &str, dates: &DateGrammar) -> bool {
        self.time.is_match(line)
            || self.relative.is_match(line)
            || dates.parse_exact(self.strip_label(line)).is_some()
    }

    fn remove_headline_lists(
        &self,
        lines: &[&str],
        keep: &mut [bool],
        ctx: &NoiseContext<'_>,
        log: &mut NoiseLog,
    ) {
        let mut block: Vec<usize> = Vec::new();
        let mut stamps = 0;
        let mut flush = |block: &mut Vec<usize>, stamps: &mut usize, keep: &mut [bool]| {
            if *stamps >= 2 && block.len() >= 2 {
                for &i in block.iter() {
                    keep[i] = false;
                }
                log.record("headline_list", block.len() as u32);
            }
            block.clear();
            *stamps = 0;
        };
        for i in 0..lines.len() {
            let line = lines[i];
            if line.is_empty() || !keep[i] {
                continue;
            }
            let short = word_count(line, LIST_LINE_WORDS + 1) <= LIST_LINE_WORDS;
            let stamped = short && self.is_stamped(line, ctx.dates);
            if Some(i) != ctx.protected && short && (stamped || !ends_sentence(line)) {
                block.push(i);
                stamps += usize::from(stamped);
            } else {
                flush(&mut block, &mut stamps, keep);
            }
        }
        flush(&mut block, &mut stamps, keep);
    }
}

/// Removes up to `count` kept non-blank lines next to `at`; returns how many.
fn remove_neighbours(
    lines: &[&str],
    keep: &mut [bool],
    at: usize,
    count: usize,
    backwards: bool,
    protected: Option<usize>,
) -> u32 {
    let mut removed = 0;
    let mut i = at;
    while removed < count as u32 {
        i = match (backwards, i) {
            (true, 0) => break,
            (true, i) => i - 1,
            (false, i) if i + 1 >= lines.len() => break,
            (false, i) => i + 1,
        };
        if lines[i].is_empty() || !keep[i] {
            continue;
        }
        if Some(i) == protected {
            break;
        }
        keep[i] = false;
        removed += 1;
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refdata::RefData;

    fn run(text: &str) -> (String, NoiseLog) {
        let data = RefData::load(None).unwrap();
        let dates = DateGrammar::new();
        let filter = NoiseFilter::new();
        let boilerplate = Boilerplate::default();
        let lines: Vec<&str> = text.split('\n').collect();
        let mut keep = vec![true; lines.len()];
        let mut log = NoiseLog::default();
        let ctx = NoiseContext {
            rules: &data.noise,
            boilerplate: &boilerplate,
            source: 0,
            dates: &dates,
            protected: None,
        };
        filter.apply(&lines, &mut keep, &ctx, &mut log);
        let kept: Vec<&str> = lines
            .iter()
            .zip(&keep)
            .filter(|(l, k)| **k && !l.is_empty())
            .map(|(l, _)| *l)
            .collect();
        (kept.join("|"), log)
    }

    #[test]
    fn table() {
        let body = "The ministers met in Tokyo on Saturday and agreed to continue the talks.";
        let cases: &[(&str, &[&str])] = &[
            (
                "All news\nUpdated at:",
                &["chrome.navigation", "chrome.empty_timestamp"],
            ),
            ("• en-GB1 ru-RU1", &["chrome.language_switcher"]),
            ("EN | RU | FR", &["chrome.language_switcher"]),
            ("Showing 1 result.\n\nAdvanced settings", &["chrome.search"]),
            (
                "Показано 1 результатов\nРасширенные настройки",
                &["chrome.search"],
            ),
            ("2 of 7", &["chrome.gallery"]),
            ("Get short URL", &["chrome.sections"]),
            (
                "Like this story? Share it with a friend!",
                &["chrome.share"],
            ),
            ("Share\nTweet\nPrint", &["chrome.share"]),
            ("Facebook Twitter VK Telegram", &["chrome.share"]),
            ("Поделиться", &["chrome.share"]),
            ("Sergey Lavrov © Valery Sharifulin/TASS", &["photo.credit"]),
            ("Photo: EPA/Vasily Shaposhnikov", &["photo.credit"]),
            ("Valery Sharifulin/TASS", &["photo.credit"]),
            (
                "Russian Foreign Minister Sergey Lavrov (AP Photo/Alexander Zemlianichenko)",
                &["photo.credit"],
            ),
            (
                "Fumio Kishida: with the Bay I have built a trust relationship\n\nGo to Interview",
                &["teaser.link"],
            ),
            ("Read also\nRussia, Japan hold talks", &["teaser.read_also"]),
            (
                "Читайте также: Россия и Япония провели переговоры",
                &["teaser.read_also"],
            ),
            ("{{element.title}}\n{{element.lead}}", &["placeholder"]),
            (
                "Politics\n15:30\nRussia, Japan hold talks\nWorld\n14:10\nLavrov arrives in Tokyo",
                &["headline_list"],
            ),
            (
                "15:30 Russia, Japan hold talks\n14:10 Lavrov arrives in Tokyo",
                &["headline_list"],
            ),
            ("15:30", &["timestamp"]),
            ("Updated: 22 July 2019, 15:30", &["timestamp"]),
            ("2 hours ago", &["chrome.relative_time"]),
            (
                "KYODO NEWS - 1 hour ago - 14:23 | World",
                &["chrome.relative_time"],
            ),
            ("© 2019 TASS. All rights reserved.", &["chrome.copyright"]),
            (
                "We use cookies to improve your experience.",
                &["chrome.cookies"],
            ),
            ("Tags: Russia, Japan", &["chrome.tags"]),
            ("© Valery Sharifulin/TASS", &["photo.credit"]),
            ("Фото: Михаил Джапаридзе/ТАСС", &["photo.credit"]),
            ("Staff Writer", &["chrome.byline_role"]),
            ("Unofficial translation", &["chrome.translation_note"]),
            ("(Неофициальный перевод)", &["chrome.translation_note"]),
            ("Editor: Liu Fang", &["chrome.editor"]),
            ("==Kyodo", &["chrome.signoff"]),
            ("President of Russia", &["chrome.navigation"]),
            ("Russian Politics & Diplomacy", &["chrome.navigation"]),
            (
                "Publication date: March 21, 2023, 14:00",
                &["chrome.sections"],
            ),
            (
                "Ссылка на материал: kremlin.ru/d/72812",
                &["chrome.sections"],
            ),
            ("All rights reserved. Interfax 2024", &["chrome.copyright"]),
            ("Follow Sputnik on Telegram", &["chrome.subscribe"]),
            ("Share/Save\nCopy URL\nLINE", &["chrome.share"]),
            ("KEYWORDS\nSouth Korea, Fumio Kishida", &["chrome.tags"]),
        ];
        for (noise, rules) in cases {
            let text = format!("{noise}\n\n{body}");
            let (kept, log) = run(&text);
            assert_eq!(kept, body, "noise {noise:?} was not removed");
            let got: Vec<&str> = log.rules.iter().map(String::as_str).collect();
            let mut want = rules.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "rules for {noise:?}");
            let lines = noise.split('\n').filter(|l| !l.is_empty()).count() as u32;
            assert_eq!(log.removed, lines, "count for {noise:?}");
        }
    }

    #[test]
    fn article_text_stays() {
        for text in [
            "Moscow and Tokyo have agreed to begin a dialogue.",
            "Dialogue on the Korean Peninsula denuclearization",
            "Foreign Minister Sergei Lavrov: The narrow-format meeting has ended.",
            "The previous meeting was held on 2 November 2013.",
            "\"We [Russia and Japan] have close views,\" he said.",
            "Russian, Japanese foreign and defense ministers to discuss security issues",
            "The situation in the region is stable, but there is a rather serious conflict potential, Lavrov noted",
            "Share prices fell by 2% on Monday after the announcement.",
            "Print media reported the visit in detail.",
            "The talks ended two hours ago, officials said.",
            "Picture-perfect weather greeted the delegations.",
            "Copyright law was also discussed.",
            "The schedule:\nMay 30 - talks in Tokyo\nMay 31 - a news conference",
        ] {
            let (kept, log) = run(text);
            assert_eq!(
                kept,
                text.replace('\n', "|"),
                "{text:?} was removed by {:?}",
                log.rules
            );
        }
    }

    /// The relative-time rule of `data/noise.toml` spells its word
    /// boundaries out; it must accept exactly the lines its `\\b` form
    /// accepts.
    mod boundaries {
        use std::sync::LazyLock;

        use proptest::prelude::*;
        use regex::{Regex, RegexBuilder};

        const WITH_B: &str = r"[^.!?]*\b(?:\d+|an?|one)\s+(?:min(?:ute)?s?|hours?|days?|weeks?)\s+ago\b[^.!?]*|[^.!?]*\b\d+\s+(?:минут[аы]?|час(?:а|ов)?|дн(?:я|ей))\s+назад\b[^.!?]*";
        const SPELLED: &str = r"(?:[^.!?]*[^\w.!?])?(?:\d+|an?|one)\s+(?:min(?:ute)?s?|hours?|days?|weeks?)\s+ago(?:[^\w.!?][^.!?]*)?|(?:[^.!?]*[^\w.!?])?\d+\s+(?:минут[аы]?|час(?:а|ов)?|дн(?:я|ей))\s+назад(?:[^\w.!?][^.!?]*)?";

        /// Both forms compiled as `RefData` compiles a rule (whole line, case
        /// folded); once, since the property test runs hundreds of cases.
        static RULES: LazyLock<(Regex, Regex)> = LazyLock::new(|| {
            let rule = |p: &str| {
                RegexBuilder::new(&format!("^(?:{p})$"))
                    .case_insensitive(true)
                    .build()
                    .unwrap()
            };
            (rule(SPELLED), rule(WITH_B))
        });

        #[test]
        fn the_shipped_rule_is_the_one_checked_here() {
            let noise = include_str!("../../../data/noise.toml");
            assert!(noise.contains(&format!("pattern = '''{SPELLED}'''")));
        }

        proptest! {
            // Enough cases that each way of differing (a `.` before the
            // number, a word character after `ago`, ...) comes up often.
            #![proptest_config(ProptestConfig::with_cases(2048))]

            #[test]
            fn same_lines_as_with_word_boundaries(
                before in "[a1_ж9é’ .!?,:—-]{0,3}",
                number in "[0-9]{1,2}|an?|one|x",
                unit in "hours?|days|минут|часа|x",
                ago in "ago|назад|agox",
                after in "[a1_ж9é’ .!?,:—-]{0,3}",
                gap in "[ ]{1,2}",
            ) {
                let line = format!("{before}{number}{gap}{unit}{gap}{ago}{after}");
                let (spelled, with_b) = &*RULES;
                prop_assert_eq!(spelled.is_match(&line), with_b.is_match(&line), "{:?}", line);
            }
        }
    }
}
