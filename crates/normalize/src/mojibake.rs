//! Repair of mojibake: UTF-8 text that was decoded as Windows-1252 (`â€™`
//! for `’`, `Ð¡ÐµÑ€Ð³ÐµÐ¹` for `Сергей`) or as Windows-1251 (`РЎРµСЂРіРµР№`).
//!
//! A character whose code-page byte is a UTF-8 lead byte, followed by the
//! right number of characters whose bytes are UTF-8 continuation bytes, is
//! re-encoded and decoded as UTF-8. A repair is kept only when it yields a
//! character that plausibly occurs in news text; Windows-1251 repairs, whose
//! alphabet is ordinary Russian text, are kept only in a document that has
//! at least one run of two or more repaired Cyrillic letters, so a lone
//! `Р»` in `СССР»` stays as written.

use std::ops::Range;

/// Windows-1251 characters of bytes 0x80..=0xFF (0x98 is unassigned and
/// read as the C1 control U+0098).
const CP1251_HIGH: [char; 128] = [
    '\u{0402}', '\u{0403}', '\u{201A}', '\u{0453}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{20AC}', '\u{2030}', '\u{0409}', '\u{2039}', '\u{040A}', '\u{040C}', '\u{040B}', '\u{040F}',
    '\u{0452}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{0098}', '\u{2122}', '\u{0459}', '\u{203A}', '\u{045A}', '\u{045C}', '\u{045B}', '\u{045F}',
    '\u{00A0}', '\u{040E}', '\u{045E}', '\u{0408}', '\u{00A4}', '\u{0490}', '\u{00A6}', '\u{00A7}',
    '\u{0401}', '\u{00A9}', '\u{0404}', '\u{00AB}', '\u{00AC}', '\u{00AD}', '\u{00AE}', '\u{0407}',
    '\u{00B0}', '\u{00B1}', '\u{0406}', '\u{0456}', '\u{0491}', '\u{00B5}', '\u{00B6}', '\u{00B7}',
    '\u{0451}', '\u{2116}', '\u{0454}', '\u{00BB}', '\u{0458}', '\u{0405}', '\u{0455}', '\u{0457}',
    '\u{0410}', '\u{0411}', '\u{0412}', '\u{0413}', '\u{0414}', '\u{0415}', '\u{0416}', '\u{0417}',
    '\u{0418}', '\u{0419}', '\u{041A}', '\u{041B}', '\u{041C}', '\u{041D}', '\u{041E}', '\u{041F}',
    '\u{0420}', '\u{0421}', '\u{0422}', '\u{0423}', '\u{0424}', '\u{0425}', '\u{0426}', '\u{0427}',
    '\u{0428}', '\u{0429}', '\u{042A}', '\u{042B}', '\u{042C}', '\u{042D}', '\u{042E}', '\u{042F}',
    '\u{0430}', '\u{0431}', '\u{0432}', '\u{0433}', '\u{0434}', '\u{0435}', '\u{0436}', '\u{0437}',
    '\u{0438}', '\u{0439}', '\u{043A}', '\u{043B}', '\u{043C}', '\u{043D}', '\u{043E}', '\u{043F}',
    '\u{0440}', '\u{0441}', '\u{0442}', '\u{0443}', '\u{0444}', '\u{0445}', '\u{0446}', '\u{0447}',
    '\u{0448}', '\u{0449}', '\u{044A}', '\u{044B}', '\u{044C}', '\u{044D}', '\u{044E}', '\u{044F}',
];

/// The code page a text was wrongly decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodePage {
    Windows1252,
    Windows1251,
}

impl CodePage {
    /// The byte `c` has in this code page, for non-ASCII characters. C1
    /// controls stand for themselves: decoders turn unassigned bytes into
    /// them.
    fn byte_of(self, c: char) -> Option<u8> {
        let code = c as u32;
        if (0x80..=0x9F).contains(&code) {
            return Some(code as u8);
        }
        match self {
            CodePage::Windows1252 => match c {
                '\u{A0}'..='\u{FF}' => Some(code as u8),
                '€' => Some(0x80),
                '‚' => Some(0x82),
                'ƒ' => Some(0x83),
                '„' => Some(0x84),
                '…' => Some(0x85),
                '†' => Some(0x86),
                '‡' => Some(0x87),
                'ˆ' => Some(0x88),
                '‰' => Some(0x89),
                'Š' => Some(0x8A),
                '‹' => Some(0x8B),
                'Œ' => Some(0x8C),
                'Ž' => Some(0x8E),
                '‘' => Some(0x91),
                '’' => Some(0x92),
                '“' => Some(0x93),
                '”' => Some(0x94),
                '•' => Some(0x95),
                '–' => Some(0x96),
                '—' => Some(0x97),
                '˜' => Some(0x98),
                '™' => Some(0x99),
                'š' => Some(0x9A),
                '›' => Some(0x9B),
                'œ' => Some(0x9C),
                'ž' => Some(0x9E),
                'Ÿ' => Some(0x9F),
                _ => None,
            },
            CodePage::Windows1251 => {
                if ('\u{0410}'..='\u{044F}').contains(&c) {
                    return Some((code - 0x0410 + 0xC0) as u8);
                }
                CP1251_HIGH[..64]
                    .iter()
                    .position(|&x| x == c)
                    .map(|i| 0x80 + i as u8)
            }
        }
    }

    /// Whether a repaired character is one news text plausibly contains.
    fn plausible(self, c: char) -> bool {
        match self {
            CodePage::Windows1252 => matches!(c,
                '\u{A0}'..='\u{24F}'
                | '\u{370}'..='\u{3FF}'
                | '\u{400}'..='\u{45F}'
                | '\u{2010}'..='\u{206F}'
                | '\u{20AC}' | '\u{2116}' | '\u{2122}'
                | '\u{3000}'..='\u{9FFF}'
                | '\u{AC00}'..='\u{D7AF}'
                | '\u{FF00}'..='\u{FFEF}'),
            CodePage::Windows1251 => matches!(c,
                '\u{0410}'..='\u{044F}' | 'Ё' | 'ё'
                | 'І' | 'і' | 'Ї' | 'ї' | 'Є' | 'є' | 'Ґ' | 'ґ'
                | '\u{2013}'..='\u{201E}' | '\u{2026}' | '\u{2022}'
                | '«' | '»' | '\u{A0}' | '№' | '°' | '©' | '€'),
        }
    }
}

/// Whether `c` can be the first continuation of a sequence in either code
/// page: ASCII and the basic Cyrillic letters `А`–`я` are not (in
/// Windows-1251 these are the bytes 0xC0–0xFF, and Windows-1252 has no
/// Cyrillic), which rules out most positions of a Russian text before the
/// slower [`decode_at`].
fn may_continue(c: char) -> bool {
    !c.is_ascii() && !('\u{0410}'..='\u{044F}').contains(&c)
}

fn is_cyrillic_letter(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// One repairable sequence: its byte range in the text and the character
/// it stands for.
#[derive(Debug, Clone)]
struct Repair {
    range: Range<usize>,
    out: char,
    page: CodePage,
}

/// Decodes the sequence starting at byte `at` of `text` under `page`.
fn decode_at(text: &str, at: usize, page: CodePage) -> Option<Repair> {
    let mut chars = text[at..].chars();
    let lead_char = chars.next()?;
    if lead_char.is_ascii() {
        return None;
    }
    let lead = page.byte_of(lead_char)?;
    let need = match lead {
        0xC2..=0xDF => 1,
        0xE0..=0xEF => 2,
        0xF0..=0xF4 => 3,
        _ => return None,
    };
    let mut bytes = [lead, 0, 0, 0];
    let mut end = at + lead_char.len_utf8();
    for slot in bytes.iter_mut().skip(1).take(need) {
        let next = chars.next();
        match next.and_then(|c| page.byte_of(c).map(|b| (c, b))) {
            Some((c, b @ 0x80..=0xBF)) => {
                *slot = b;
                end += c.len_utf8();
            }
            _ => {
                // `â€` whose third byte (0x9D of `”`) a decoder dropped.
                if page == CodePage::Windows1252 && lead == 0xE2 && bytes[1] == 0x80 && need == 2 {
                    return Some(Repair {
                        range: at..end,
                        out: '”',
                        page,
                    });
                }
                return None;
            }
        }
    }
    let decoded = std::str::from_utf8(&bytes[..=need]).ok()?;
    let out = decoded.chars().next()?;
    page.plausible(out).then_some(Repair {
        range: at..end,
        out,
        page,
    })
}

/// The sequences a pass would repair, before the rule for Windows-1251
/// runs: from the start, the first sequence at each position in either
/// code page, Windows-1252 first.
fn candidates(text: &str) -> Vec<Repair> {
    let mut repairs: Vec<Repair> = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text.as_bytes()[at..];
        if rest[0].is_ascii() {
            // No sequence starts with an ASCII character: skip the run.
            at += rest
                .iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len());
            continue;
        }
        let mut chars = text[at..].chars();
        let lead = chars.next().map_or(1, char::len_utf8);
        if !chars.next().is_some_and(may_continue) {
            at += lead;
            continue;
        }
        let found = decode_at(text, at, CodePage::Windows1252)
            .or_else(|| decode_at(text, at, CodePage::Windows1251));
        match found {
            Some(repair) => {
                at = repair.range.end;
                repairs.push(repair);
            }
            None => at += lead,
        }
    }
    repairs
}

/// One repair pass over `text`. Returns the repaired text and the number of
/// sequences repaired, or `None` when nothing was repaired.
pub(crate) fn repair_pass(text: &str) -> Option<(String, usize)> {
    let mut repairs = candidates(text);
    if repairs.is_empty() {
        return None;
    }
    // Windows-1251 repairs count only in a document with a run of at least
    // two adjacent repaired Cyrillic letters.
    let mut run = 0usize;
    let mut prev_end = usize::MAX;
    let mut proven = false;
    for r in repairs.iter().filter(|r| r.page == CodePage::Windows1251) {
        if !is_cyrillic_letter(r.out) {
            run = 0;
        } else if r.range.start == prev_end {
            run += 1;
        } else {
            run = 1;
        }
        prev_end = r.range.end;
        proven |= run >= 2;
    }
    if !proven {
        repairs.retain(|r| r.page == CodePage::Windows1252);
        if repairs.is_empty() {
            return None;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in &repairs {
        out.push_str(&text[last..r.range.start]);
        out.push(r.out);
        last = r.range.end;
    }
    out.push_str(&text[last..]);
    Some((out, repairs.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(text: &str) -> String {
        repair_pass(text).map_or_else(|| text.to_string(), |(t, _)| t)
    }

    #[test]
    fn table() {
        let cases = [
            // Windows-1252 readings of UTF-8
            ("Japanâ€™s", "Japan’s"),
            ("â€œtwo plus twoâ€\u{9d}", "“two plus two”"),
            ("â€œtwo plus twoâ€", "“two plus two”"),
            ("CafÃ© and naÃ¯ve", "Café and naïve"),
            ("Ð¡ÐµÑ€Ð³ÐµÐ¹ Ð›Ð°Ð²Ñ€Ð¾Ð²", "Сергей Лавров"),
            ("a â€” b", "a — b"),
            ("10Â\u{a0}km", "10\u{a0}km"),
            // Windows-1251 readings of UTF-8
            ("РЎРµСЂРіРµР№ Р›Р°РІСЂРѕРІ", "Сергей Лавров"),
            ("Р\u{a0}РѕСЃСЃРёСЏ вЂ” РЇРїРѕРЅРёСЏ", "Россия — Япония"),
            // clean text stays as it is
            ("Japan’s “two plus two”", "Japan’s “two plus two”"),
            (
                "Сергей Лавров, СССР» и «ТАСС”",
                "Сергей Лавров, СССР» и «ТАСС”",
            ),
            ("В\u{a0}Москве", "В\u{a0}Москве"),
            (
                "São Paulo, Zürich, Ærø, CAFÉ”",
                "São Paulo, Zürich, Ærø, CAFÉ”",
            ),
            ("Ünal’s view", "Ünal’s view"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(repair(input), want, "input {input:?}");
        }
    }

    /// The pass without the shortcut of [`may_continue`]: every non-ASCII
    /// position is tried in both code pages.
    fn repair_every_position(text: &str) -> Vec<(Range<usize>, char)> {
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(c) = text[at..].chars().next() {
            match decode_at(text, at, CodePage::Windows1252)
                .or_else(|| decode_at(text, at, CodePage::Windows1251))
            {
                Some(r) => {
                    found.push((r.range.clone(), r.out));
                    at = r.range.end;
                }
                None => at += c.len_utf8(),
            }
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn the_shortcut_skips_no_sequence(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', ' ', 'С', 'е', 'р', 'Р', 'Ð', 'Ñ', 'Ã', 'â', '€', '™', '\u{9d}',
                '\u{a0}', '©', 'Ђ', 'ё', 'Ё', 'µ', '’', '”', 'я', 'А', 'п', 'Я', 'ѓ',
            ]), 0..40)
        ) {
            let text: String = chars.into_iter().collect();
            let got: Vec<_> = candidates(&text).into_iter().map(|r| (r.range, r.out)).collect();
            proptest::prop_assert_eq!(got, repair_every_position(&text));
        }
    }

    #[test]
    fn counts_repairs() {
        assert_eq!(repair_pass("Japanâ€™s Ã©").map(|(_, n)| n), Some(2));
        assert_eq!(repair_pass("plain"), None);
    }
}
