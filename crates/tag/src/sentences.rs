//! A small sentence splitter for English and Russian news text.
//!
//! A sentence ends at a line break, or at `.`, `!`, `?` or `…` (with any
//! closing quotes or brackets after it) followed by white space and a word
//! that does not start with a lower-case letter. A full stop does not end a
//! sentence after an initial (`S. Lavrov`, `В.В. Путин`), after a dotted
//! abbreviation (`U.S.`, `т.е.`) or after a known abbreviation (`Mr.`,
//! `Dec.`, `No.`, `г.`, `млн.`). A few abbreviations that often close a
//! sentence (`etc.`, `т.д.`, `т.п.`) end one when a capital follows.

use std::ops::Range;

/// Abbreviations after which a full stop never ends a sentence (lower case,
/// inner dots removed).
const ABBREVIATIONS: &[&str] = &[
    // titles and ranks
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "col", "lt", "maj", "capt", "sgt",
    "gov", "sen", "rep", "adm", "cmdr", "rev", "hon", "amb", "pres", // months and days
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
    "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    // references and units
    "vs", "eg", "ie", "al", "approx", "dept", "est", "fig", "inc", "ltd", "co", "corp", "univ",
    "vol", "pp", "ed", "eds", "mt", "ft", "km", "bn", "mln", "min", "max", // Russian
    "г", "гг", "им", "ул", "проф", "акад", "тыс", "млн", "млрд", "трлн", "руб", "долл", "см",
    "рис", "напр", "ок", "тн", "ио", "зам", "ген", "пос", "обл", "респ", "кв", "ч",
];

/// Abbreviations that stand before a number (`No. 5`, `ст. 51`): a full stop
/// after them ends a sentence unless a digit follows.
const NUMBER_ABBREVIATIONS: &[&str] = &["no", "nos", "art", "para", "ст", "п", "стр"];

/// Abbreviations that end a sentence when the next word is capitalized.
const FINAL_ABBREVIATIONS: &[&str] = &["etc", "тд", "тп", "др", "пр"];

const TERMINALS: &[char] = &['.', '!', '?', '…'];
const CLOSERS: &[char] = &[
    '"', '\'', '”', '’', '»', ')', ']', '}', '“', '‘', '«', '\u{201f}', '\u{201b}',
];

/// Byte ranges of the sentences of `text`, in order, trimmed of white
/// space. Empty sentences are dropped.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    let bytes = text.as_bytes();
    // Only a line break or a terminal can end a sentence: skip to the next
    // byte that can begin one (all of `…`, U+2028 and U+2029 begin with
    // 0xE2, which is never a continuation byte) instead of decoding every
    // character.
    while let Some(skip) = bytes[pos..]
        .iter()
        .position(|&b| matches!(b, b'\n' | b'\r' | b'.' | b'!' | b'?' | 0xE2))
    {
        pos += skip;
        let Some(ch) = text[pos..].chars().next() else {
            break;
        };
        let after_ch = pos + ch.len_utf8();
        if ch == '\n' || ch == '\r' || ch == '\u{2029}' || ch == '\u{2028}' {
            push_trimmed(text, start..pos, &mut out);
            start = after_ch;
            pos = after_ch;
            continue;
        }
        if !TERMINALS.contains(&ch) {
            pos = after_ch;
            continue;
        }
        // Consume a run of terminals and closing quotes or brackets.
        let end = after_ch
            + text[after_ch..]
                .chars()
                .take_while(|c| TERMINALS.contains(c) || CLOSERS.contains(c))
                .map(char::len_utf8)
                .sum::<usize>();
        let rest = &text[end..];
        let followed_by_space = rest.chars().next().is_none_or(char::is_whitespace);
        if followed_by_space && ends_sentence(text, pos, ch, next_word_start(rest)) {
            push_trimmed(text, start..end, &mut out);
            start = end;
        }
        pos = end;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// The first non-space character of `rest` on the same line.
fn next_word_start(rest: &str) -> Option<char> {
    rest.chars()
        .find(|c| *c == '\n' || *c == '\r' || !c.is_whitespace())
        .filter(|c| *c != '\n' && *c != '\r')
}

/// Decides whether the terminal `ch` at byte `pos` ends a sentence.
fn ends_sentence(text: &str, pos: usize, ch: char, next: Option<char>) -> bool {
    let Some(next) = next else { return true };
    if next.is_lowercase() {
        return false;
    }
    if ch != '.' {
        return true;
    }
    // The word right before the full stop, with inner dots (`U.S`, `т.е`).
    let before = &text[..pos];
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(pos, |(p, _)| p);
    let word = &before[word_start..];
    if word.is_empty() {
        return true;
    }
    if word.contains('.') {
        // Dotted abbreviations and chains of initials: `U.S`, `В.В`, `т.е`.
        let key: String = word.chars().filter(|c| *c != '.').collect::<String>();
        let key = key.to_lowercase();
        return FINAL_ABBREVIATIONS.contains(&key.as_str()) && next.is_uppercase();
    }
    let letters = word.chars().count();
    if letters == 1 && word.chars().all(char::is_alphabetic) {
        // An initial such as `S.` in `S. Lavrov`.
        return false;
    }
    let key = word.to_lowercase();
    if NUMBER_ABBREVIATIONS.contains(&key.as_str()) {
        return !next.is_ascii_digit();
    }
    if FINAL_ABBREVIATIONS.contains(&key.as_str()) {
        return next.is_uppercase();
    }
    !ABBREVIATIONS.contains(&key.as_str())
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let slice = &text[range.clone()];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail < slice.len() {
        out.push(range.start + lead..range.end - trail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The splitter as first written, decoding every character: the
    /// byte-skipping loop of [`split`] must give the same sentences.
    fn reference_split(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut pos = 0;
        while let Some(ch) = text[pos..].chars().next() {
            let after_ch = pos + ch.len_utf8();
            if ch == '\n' || ch == '\r' || ch == '\u{2029}' || ch == '\u{2028}' {
                push_trimmed(text, start..pos, &mut out);
                start = after_ch;
                pos = after_ch;
                continue;
            }
            if !TERMINALS.contains(&ch) {
                pos = after_ch;
                continue;
            }
            let end = after_ch
                + text[after_ch..]
                    .chars()
                    .take_while(|c| TERMINALS.contains(c) || CLOSERS.contains(c))
                    .map(char::len_utf8)
                    .sum::<usize>();
            let rest = &text[end..];
            let followed_by_space = rest.chars().next().is_none_or(char::is_whitespace);
            if followed_by_space && ends_sentence(text, pos, ch, next_word_start(rest)) {
                push_trimmed(text, start..end, &mut out);
                start = end;
            }
            pos = end;
        }
        push_trimmed(text, start..text.len(), &mut out);
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn byte_skipping_splits_as_the_reference(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "Mr.", "U.S.", "S.", "etc.", "т.д.", "No.", "5", "г.", " ", "  ", "\n", "\r\n",
                "\u{2028}", "\u{2029}", ".", "!", "?", "…", "?!", "\"", "”", "»", ")", "«",
                "Korea", "talks", "Лавров", "заявил", "ёж", "é", "—", "–", "’", "\u{a0}",
                "\u{2026}\u{201d}", "\u{e2}", "世界", "😀", "a", "B",
            ]), 0..40)
        ) {
            let text: String = parts.concat();
            proptest::prop_assert_eq!(split(&text), reference_split(&text));
        }
    }

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("One. Two.", &["One.", "Two."]),
            ("No end", &["No end"]),
            ("", &[]),
            ("  \n\n ", &[]),
            // line breaks always split
            ("Heading\nBody text.", &["Heading", "Body text."]),
            ("Para one.\n\nPara two.", &["Para one.", "Para two."]),
            // abbreviations and initials
            (
                "Mr. Abe met Dr. Smith. They talked.",
                &["Mr. Abe met Dr. Smith.", "They talked."],
            ),
            (
                "The U.S. Navy sailed. It left.",
                &["The U.S. Navy sailed.", "It left."],
            ),
            (
                "On Dec. 5 the talks began. Then stopped.",
                &["On Dec. 5 the talks began.", "Then stopped."],
            ),
            (
                "S. Lavrov spoke. Japan agreed.",
                &["S. Lavrov spoke.", "Japan agreed."],
            ),
            (
                "В.В. Путин прибыл в Токио. Переговоры начались.",
                &["В.В. Путин прибыл в Токио.", "Переговоры начались."],
            ),
            (
                "В 2019 г. прошли переговоры. Стороны договорились.",
                &["В 2019 г. прошли переговоры.", "Стороны договорились."],
            ),
            (
                "Санкции, ограничения и т.д. Стороны спорят.",
                &["Санкции, ограничения и т.д.", "Стороны спорят."],
            ),
            // a lower-case word after a full stop does not start a sentence
            (
                "e.g. the talks. Next one.",
                &["e.g. the talks.", "Next one."],
            ),
            // quotes and brackets close the sentence
            (
                "\"We agreed.\" The minister left.",
                &["\"We agreed.\"", "The minister left."],
            ),
            (
                "“Dialogue is key,” he said. «Да.» Всё.",
                &["“Dialogue is key,” he said.", "«Да.»", "Всё."],
            ),
            // question and exclamation marks, ellipsis
            (
                "Why? Because! So… Done",
                &["Why?", "Because!", "So…", "Done"],
            ),
            // a stray space before the full stop
            (
                "said the Minister . – The talks",
                &["said the Minister .", "– The talks"],
            ),
            // number abbreviations
            (
                "Resolution No. 2397 passed. No. It failed.",
                &["Resolution No. 2397 passed.", "No.", "It failed."],
            ),
            // decimals are not boundaries
            (
                "Growth was 2.5 percent. Good.",
                &["Growth was 2.5 percent.", "Good."],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), *expected, "text {text:?}");
        }
    }
}
