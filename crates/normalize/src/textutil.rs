//! Small shape tests on lines and paragraphs shared by the rules.

/// Closing quotes and brackets that may follow a sentence's final stop.
const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', '“', ')', ']', '›'];

/// Number of whitespace-separated words, counted up to `limit`: a text with
/// more words gives `limit`. Every rule compares word counts with a small
/// bound, so a paragraph of a multi-megabyte document is not counted whole
/// at each test.
///
/// The same count as `text.split_whitespace().take(limit).count()`, read a
/// byte at a time: only non-ASCII characters are decoded (the rules ask
/// this of every line, several times).
pub fn word_count(text: &str, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut words = 0;
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() && words < limit {
        let b = bytes[i];
        let (space, len) = if b.is_ascii() {
            // `char::is_whitespace` of ASCII: space, \t, \n, \x0b, \x0c, \r.
            (matches!(b, b' ' | b'\t'..=b'\r'), 1)
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            (c.is_whitespace(), c.len_utf8())
        };
        if !space && !in_word {
            words += 1;
        }
        in_word = !space;
        i += len;
    }
    words
}

/// The last character that is not a closing quote or bracket.
fn last_significant(text: &str) -> Option<char> {
    text.trim_end()
        .trim_end_matches(CLOSERS)
        .chars()
        .next_back()
}

/// Whether `text` ends like a sentence: `.`, `!`, `?` or `…`, possibly
/// followed by closing quotes or brackets.
pub fn ends_sentence(text: &str) -> bool {
    matches!(last_significant(text), Some('.' | '!' | '?' | '…'))
}

/// Whether `text` ends with punctuation that a headline or heading does not
/// end with (`.`, `,`, `;`, `:`, `…`). `?` and `!` are allowed.
pub fn ends_with_stop(text: &str) -> bool {
    matches!(last_significant(text), Some('.' | ',' | ';' | ':' | '…'))
}

/// Whether a sentence ends inside `text` (`.`, `!`, `?` or `…` followed
/// by a space).
pub fn has_sentence_inside(text: &str) -> bool {
    [". ", "! ", "? ", "… ", ".” ", ".\" ", ".» "]
        .iter()
        .any(|end| text.contains(end))
}

/// Whether the first letter or digit of `text` is upper case or a digit
/// (quotes and brackets before it are skipped).
pub fn starts_upper(text: &str) -> bool {
    text.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| c.is_uppercase() || c.is_numeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (text, ends_sentence, ends_with_stop, starts_upper)
        let cases = [
            ("He said so.", true, true, true),
            ("“We agree,” he said.”", true, true, true),
            ("the Russian minister noted.\"", true, true, false),
            ("relations\"", false, false, false),
            ("Lavrov noted", false, false, true),
            ("Is it over?", true, false, true),
            ("Question:", false, true, true),
            ("«Россия»", false, false, true),
            ("2019 in review", false, false, true),
            ("", false, false, false),
        ];
        for (text, sentence, stop, upper) in cases {
            assert_eq!(ends_sentence(text), sentence, "ends_sentence {text:?}");
            assert_eq!(ends_with_stop(text), stop, "ends_with_stop {text:?}");
            assert_eq!(starts_upper(text), upper, "starts_upper {text:?}");
        }
        assert_eq!(word_count(" a  b c ", 10), 3);
        assert_eq!(word_count(" a  b c ", 2), 2);
        assert_eq!(word_count("", 2), 0);
        assert_eq!(word_count("a", 0), 0);
        assert!(has_sentence_inside("It was held. Enditem"));
        assert!(!has_sentence_inside(
            "Reporting by John Smith; Editing by Jane Doe"
        ));
    }

    /// `word_count` counts as `split_whitespace` does, for every string of
    /// up to five characters from ASCII and Unicode spaces (no-break,
    /// em, ideographic, next line), a control character that is not
    /// white space, a dash, and ASCII and Cyrillic letters.
    #[test]
    fn word_count_agrees_with_split_whitespace() {
        let alphabet = [
            'a', 'я', ' ', '\t', '\n', '\x0b', '\x1f', '\u{a0}', '\u{85}', '\u{2003}', '\u{3000}',
            '—',
        ];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            strings = strings
                .iter()
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            for s in &strings {
                for limit in 0..4 {
                    let want = s.split_whitespace().take(limit).count();
                    assert_eq!(word_count(s, limit), want, "{s:?} limit {limit}");
                }
            }
        }
    }
}
