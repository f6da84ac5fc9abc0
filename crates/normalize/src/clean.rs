//! Unicode and whitespace cleanup of raw article text.
//!
//! [`clean_text`] returns NFC text whose only whitespace is the ASCII space
//! and the line feed: no-break and other odd spaces become spaces, soft
//! hyphens, zero-width and bidirectional marks and control characters go,
//! runs of spaces collapse, lines are trimmed, and runs of blank lines
//! collapse to one blank line (a paragraph break). Mojibake is repaired
//! first (see [`crate::mojibake`]). Curly quotes and every other printable
//! character stay as written.
//!
//! Cleaning is idempotent: `clean_text(clean_text(x)) == clean_text(x)`
//! (a property test checks it). The steps are ordered for that: characters
//! that vanish are dropped before NFC composition and before mojibake
//! repair looks at neighbouring characters, and the characters removed last
//! (C1 controls, no-break spaces, which mojibake repair needs to see) are
//! replaced by a space rather than dropped, so removing them never joins
//! two characters into a new sequence.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::mojibake;

/// Most rounds of mojibake repair (text encoded wrongly twice needs two).
const MAX_REPAIR_ROUNDS: usize = 4;

/// Cleaned text and what cleaning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// Lines separated by `\n`; an empty line separates paragraphs.
    pub text: String,
    /// Number of mojibake sequences repaired.
    pub mojibake_repairs: usize,
}

/// Characters dropped outright.
fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                       // soft hyphen
        | '\u{034F}'                     // combining grapheme joiner
        | '\u{061C}'                     // Arabic letter mark
        | '\u{180E}'                     // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'        // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'        // bidi embeddings
        | '\u{2060}'..='\u{2064}'        // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'        // bidi isolates
        | '\u{FEFF}'                     // byte order mark
        | '\u{FFF9}'..='\u{FFFB}')
}

/// Bytes that start a character [`map_chars`] may change: the C0 controls
/// but the line feed, DEL, and the lead bytes of the non-ASCII characters
/// it maps or drops (U+00AD, U+034F, U+061C, U+1680, U+180E, U+2000 to
/// U+206F, U+3000, U+FEFF, U+FFF9 to U+FFFB). None of them is a UTF-8
/// continuation byte, so each one found starts a character (a test checks
/// every character against the table).
const MAP_LEADS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\n' as usize;
        b += 1;
    }
    table[0x7F] = true;
    let leads = [0xC2, 0xCD, 0xD8, 0xE1, 0xE2, 0xE3, 0xEF];
    let mut k = 0;
    while k < leads.len() {
        table[leads[k]] = true;
        k += 1;
    }
    table
};

/// First step: drops ignorable and C0 control characters and maps line and
/// space separators. No-break spaces and C1 controls are kept for mojibake
/// repair. Only the characters starting with a byte of [`MAP_LEADS`] are
/// decoded; the runs between them are copied as slices.
fn map_chars(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while let Some(skip) = bytes[i..].iter().position(|&b| MAP_LEADS[usize::from(b)]) {
        i += skip;
        let c = text[i..]
            .chars()
            .next()
            .expect("a lead byte starts a character");
        let replacement = match c {
            '\r' if bytes.get(i + 1) == Some(&b'\n') => "",
            '\r' | '\u{000B}' | '\u{000C}' | '\u{2028}' => "\n",
            '\u{2029}' => "\n\n",
            '\t' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                " "
            }
            c if c.is_ascii_control() || is_ignorable(c) => "",
            _ => {
                i += c.len_utf8();
                continue;
            }
        };
        out.push_str(&text[run_start..i]);
        out.push_str(replacement);
        i += c.len_utf8();
        run_start = i;
    }
    out.push_str(&text[run_start..]);
}

fn nfc(text: String) -> String {
    // Every character below U+0300 is in NFC on its own and has combining
    // class 0, so a text of only those is in NFC; in UTF-8 they are exactly
    // the texts without a byte from 0xCC up (tested below). The maximum of
    // each 64-byte chunk is taken without branches, so it vectorizes.
    let below = |chunk: &[u8]| chunk.iter().fold(0, |m, &b| m.max(b)) < 0xCC;
    if text.as_bytes().chunks(64).all(below) {
        return text;
    }
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

/// Cleans raw article text (see the module docs).
pub fn clean_text(raw: &str) -> Cleaned {
    let mut mapped = String::new();
    map_chars(raw, &mut mapped);
    let mut text = nfc(mapped);
    let mut repairs = 0;
    for _ in 0..MAX_REPAIR_ROUNDS {
        let Some((repaired, n)) = mojibake::repair_pass(&text) else {
            break;
        };
        repairs += n;
        let mut remapped = String::new();
        map_chars(&repaired, &mut remapped);
        text = nfc(remapped);
    }
    Cleaned {
        text: layout_lines(&text),
        mojibake_repairs: repairs,
    }
}

/// Last step: C1 controls and no-break spaces become spaces, space runs
/// collapse, lines are trimmed, blank-line runs collapse to one. The words
/// between spaces are copied as slices.
fn layout_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_blank = false;
    for line in text.split('\n') {
        let start = out.len();
        if start > 0 {
            out.push('\n');
            if pending_blank {
                out.push('\n');
            }
        }
        let content_start = out.len();
        // A space is owed before the next word (never at the line start).
        let mut space = false;
        let mut word_start = 0;
        // The spaces are ' ' and, as two bytes starting with 0xC2, U+00A0
        // and the C1 controls; every other character is part of a word.
        let bytes = line.as_bytes();
        let mut i = 0;
        while let Some(skip) = bytes[i..].iter().position(|&b| b == b' ' || b == 0xC2) {
            i += skip;
            let width = match (bytes[i], bytes.get(i + 1)) {
                (b' ', _) => 1,
                (_, Some(0x80..=0xA0)) => 2,
                _ => {
                    i += 2;
                    continue;
                }
            };
            if word_start < i {
                if space {
                    out.push(' ');
                }
                out.push_str(&line[word_start..i]);
            }
            space = out.len() > content_start;
            i += width;
            word_start = i;
        }
        if word_start < line.len() {
            if space {
                out.push(' ');
            }
            out.push_str(&line[word_start..]);
        }
        if out.len() == content_start {
            // Blank line: undo the separator, remember the paragraph break.
            out.truncate(start);
            pending_blank = start > 0;
        } else {
            pending_blank = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn characters_below_u0300_are_nfc_with_class_zero() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..0x300).filter_map(char::from_u32) {
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
            assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            let mut buf = [0; 4];
            assert!(c.encode_utf8(&mut buf).bytes().all(|b| b < 0xCC));
        }
        // U+0300, the first character not covered, starts with 0xCC.
        assert_eq!("\u{300}".as_bytes()[0], 0xCC);
    }

    #[test]
    fn every_character_map_chars_changes_starts_with_a_byte_of_the_table() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let s = c.encode_utf8(&mut buf);
            // A lone `\r` changes; `\r\n` is checked by the property test.
            if reference_map_chars(s) != *s {
                assert!(
                    MAP_LEADS[usize::from(s.as_bytes()[0])],
                    "U+{:04X}",
                    c as u32
                );
            }
        }
        // No continuation byte is in the table.
        assert!(MAP_LEADS[0x80..0xC0].iter().all(|&lead| !lead));
    }

    /// The character-by-character definitions the two passes must match.
    fn reference_map_chars(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() != Some(&'\n') {
                        out.push('\n');
                    }
                }
                '\n' | '\u{000B}' | '\u{000C}' | '\u{2028}' => out.push('\n'),
                '\u{2029}' => out.push_str("\n\n"),
                '\t'
                | '\u{1680}'
                | '\u{2000}'..='\u{200A}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}' => out.push(' '),
                c if c.is_ascii_control() || is_ignorable(c) => {}
                c => out.push(c),
            }
        }
        out
    }

    fn reference_layout_lines(text: &str) -> String {
        let mut out = String::new();
        let mut pending_blank = false;
        for line in text.split('\n') {
            let start = out.len();
            if start > 0 {
                out.push('\n');
                if pending_blank {
                    out.push('\n');
                }
            }
            let content_start = out.len();
            let mut space = false;
            for c in line.chars() {
                let c = if c == '\u{A0}' || ('\u{80}'..='\u{9F}').contains(&c) {
                    ' '
                } else {
                    c
                };
                if c == ' ' {
                    space = out.len() > content_start;
                } else {
                    if space {
                        out.push(' ');
                        space = false;
                    }
                    out.push(c);
                }
            }
            if out.len() == content_start {
                out.truncate(start);
                pending_blank = start > 0;
            } else {
                pending_blank = false;
            }
        }
        out
    }

    #[test]
    fn table() {
        let cases = [
            ("plain", "plain"),
            ("  a  b \t c  ", "a b c"),
            ("a\r\nb\rc", "a\nb\nc"),
            ("a\n\n\n\nb\n \n", "a\n\nb"),
            ("\n\n a \n\n", "a"),
            ("we did so.\u{a0} \u{a0}", "we did so."),
            ("\u{a0}In cooperation", "In cooperation"),
            ("Updated at:\u{a0}", "Updated at:"),
            (
                "soft\u{ad}hyphen zero\u{200b}width \u{feff}bom",
                "softhyphen zerowidth bom",
            ),
            ("ctrl\u{7}chars\u{1b}", "ctrlchars"),
            ("c1\u{85}control", "c1 control"),
            ("para\u{2029}graph", "para\n\ngraph"),
            ("e\u{301}", "é"),
            ("“curly” ‘quotes’ stay", "“curly” ‘quotes’ stay"),
            ("Japanâ€™s", "Japan’s"),
            ("Ã¢â‚¬â„¢", "’"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(clean_text(input).text, want, "input {input:?}");
        }
    }

    #[test]
    fn counts_repairs() {
        assert_eq!(clean_text("Japanâ€™s").mojibake_repairs, 1);
        assert_eq!(clean_text("Japan’s").mojibake_repairs, 0);
    }

    proptest! {
        #[test]
        fn slice_copying_passes_match_their_definitions(input in "\\PC*|[ \\n\\r\\t\u{a0}\u{ad}\u{200b}\u{2028}\u{2029}\u{3000}\u{85}\u{1b}\u{7f}a-zР-я’]{0,60}") {
            let mut mapped = String::new();
            map_chars(&input, &mut mapped);
            prop_assert_eq!(&mapped, &reference_map_chars(&input));
            prop_assert_eq!(layout_lines(&input), reference_layout_lines(&input));
        }

        #[test]
        fn cleaning_is_idempotent(input in "\\PC*|[ \\n\\r\\t\u{a0}\u{ad}\u{200b}\u{85}\u{80}-\u{ff}a-zA-ZÐÑР-я€’“”—]{0,60}") {
            let once = clean_text(&input).text;
            let twice = clean_text(&once);
            prop_assert_eq!(&twice.text, &once);
            prop_assert_eq!(twice.mojibake_repairs, 0);
        }

        #[test]
        fn cleaned_text_has_only_plain_whitespace(input in any::<String>()) {
            let out = clean_text(&input).text;
            prop_assert!(out.chars().all(|c| !c.is_whitespace() || c == ' ' || c == '\n'));
            prop_assert!(!out.contains("  ") && !out.contains("\n\n\n") && !out.contains(" \n"));
            prop_assert_eq!(out.trim(), out.as_str());
        }
    }
}
