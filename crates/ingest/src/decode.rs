//! Encoding detection and decoding of a file's raw bytes.
//!
//! In order:
//!
//! 1. 0 bytes → `empty`.
//! 2. A UTF-16LE/BE byte-order mark → decoded as UTF-16 (BOM removed).
//! 3. NUL bytes in the first 8 KiB or a binary signature → `binary`.
//! 4. A UTF-8 byte-order mark → UTF-8 (BOM removed); invalid sequences are
//!    replaced (flag `invalid_utf8_replaced`).
//! 5. Valid UTF-8 → `UTF-8`, without copying.
//! 6. Invalid UTF-8 that is still mostly UTF-8 (at least as many valid
//!    non-ASCII characters as invalid sequences) → `UTF-8` with the invalid
//!    sequences replaced (flag `invalid_utf8_replaced`).
//! 7. Otherwise a legacy encoding guessed by chardetng with no TLD hint,
//!    ISO-2022-JP denied: `windows-1251` for Cyrillic, `windows-1252` for
//!    Western European text, and so on. A `windows-1252` guess for bytes
//!    whose high letters form whole words (short all-caps Cyrillic such as
//!    `ТАСС`, which chardetng misreads) becomes `windows-1251`. Invalid
//!    sequences are replaced (flag `invalid_bytes_replaced`).
//!
//! The decoded text is then checked: more than a quarter U+FFFD →
//! `undecodable`; more than a quarter control characters (other than tab,
//! line feed, vertical tab, form feed, carriage return) → `binary`; nothing
//! but whitespace → `empty`.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1251, WINDOWS_1252};

use crate::reject::{RejectReason, flag};

/// How many leading bytes are checked for NUL bytes.
pub(crate) const BINARY_SNIFF_BYTES: usize = 8 * 1024;
/// How many leading bytes chardetng sees.
const DETECT_BYTES: usize = 1024 * 1024;

/// Decoded text of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    /// Flags that apply to everything decoded from the file.
    pub flags: Vec<&'static str>,
}

/// Signatures of binary formats: (magic, name).
const MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xFF\xD8\xFF", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"PK\x07\x08", "ZIP archive"),
    (b"\x1F\x8B", "gzip stream"),
    (b"\x28\xB5\x2F\xFD", "zstd stream"),
    (b"BZh", "bzip2 stream"),
    (b"\xFD7zXZ\x00", "xz stream"),
    (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
    (b"Rar!\x1A\x07", "RAR archive"),
    (b"\x7FELF", "ELF executable"),
    (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "OLE document"),
    (b"RIFF", "RIFF media file"),
    (b"OggS", "Ogg media file"),
    (b"ID3", "MP3 audio"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"wOFF", "web font"),
    (b"\x00asm", "WebAssembly module"),
    (b"SQLite format 3\x00", "SQLite database"),
];

/// Decodes `raw` (non-empty or empty) or says why it cannot be a document.
pub(crate) fn decode(raw: Vec<u8>) -> Result<Decoded, (RejectReason, String)> {
    if raw.is_empty() {
        return Err((RejectReason::Empty, "The file is empty (0 bytes).".into()));
    }
    let decoded = if let Some(enc) = utf16_bom(&raw) {
        let (text, had_errors) = enc.decode_with_bom_removal(&raw);
        if text.contains('\0') {
            return Err((
                RejectReason::Binary,
                format!(
                    "The file starts with a {} byte-order mark but decodes to NUL characters.",
                    enc.name()
                ),
            ));
        }
        Decoded {
            text: text.into_owned(),
            encoding: enc,
            flags: flags_for(had_errors, flag::INVALID_BYTES_REPLACED),
        }
    } else {
        if let Some(problem) = sniff_binary(&raw) {
            return Err((RejectReason::Binary, problem));
        }
        if raw.starts_with(b"\xEF\xBB\xBF") {
            let (text, had_errors) = utf8_owned(raw, 3);
            Decoded {
                text,
                encoding: UTF_8,
                flags: flags_for(had_errors, flag::INVALID_UTF8_REPLACED),
            }
        } else if mostly_utf8(&raw) {
            let (text, had_errors) = utf8_owned(raw, 0);
            Decoded {
                text,
                encoding: UTF_8,
                flags: flags_for(had_errors, flag::INVALID_UTF8_REPLACED),
            }
        } else {
            let encoding = guess_legacy(&raw);
            let (text, had_errors) = encoding.decode_without_bom_handling(&raw);
            Decoded {
                text: text.into_owned(),
                encoding,
                flags: flags_for(had_errors, flag::INVALID_BYTES_REPLACED),
            }
        }
    };
    check_text(decoded)
}

fn flags_for(had_errors: bool, flag: &'static str) -> Vec<&'static str> {
    if had_errors { vec![flag] } else { Vec::new() }
}

fn utf16_bom(raw: &[u8]) -> Option<&'static Encoding> {
    if raw.starts_with(b"\xFF\xFE") {
        Some(UTF_16LE)
    } else if raw.starts_with(b"\xFE\xFF") {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Names the binary signature or NUL byte found at the start of `raw`.
pub(crate) fn sniff_binary(raw: &[u8]) -> Option<String> {
    if let Some((_, name)) = MAGIC.iter().find(|(magic, _)| raw.starts_with(magic)) {
        return Some(format!(
            "The content starts with the signature of a {name}."
        ));
    }
    let head = &raw[..raw.len().min(BINARY_SNIFF_BYTES)];
    memchr::memchr(0, head)
        .map(|at| format!("The content has a NUL byte at offset {at}, so it is not text."))
}

/// True when `head`, the first bytes of a longer content, can be read as
/// UTF-8 a line at a time: no UTF-16 byte-order mark, nothing binary, and
/// valid UTF-8 (a UTF-8 byte-order mark allowed) except for a character
/// cut off at its end. Anything else is decoded whole, as [`decode`] does.
pub(crate) fn head_is_utf8(head: &[u8]) -> bool {
    if utf16_bom(head).is_some() || sniff_binary(head).is_some() {
        return false;
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match std::str::from_utf8(body) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Turns `raw[skip..]` into a String, replacing invalid UTF-8; copies only
/// when something had to be replaced.
fn utf8_owned(mut raw: Vec<u8>, skip: usize) -> (String, bool) {
    if skip > 0 {
        raw.drain(..skip);
    }
    match String::from_utf8(raw) {
        Ok(text) => (text, false),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
    }
}

/// True when `raw` is valid UTF-8, or invalid UTF-8 that holds at least as
/// many valid non-ASCII characters as invalid sequences (and some of them):
/// a UTF-8 file with a few damaged bytes, not a legacy-encoded one.
fn mostly_utf8(raw: &[u8]) -> bool {
    match std::str::from_utf8(raw) {
        Ok(_) => return true,
        // Valid up to a multi-byte sequence cut off at the very end (a lead
        // byte and at least one continuation byte): a truncated UTF-8 file.
        // A lone trailing lead byte is more likely `é` in windows-1252.
        Err(e) if e.error_len().is_none() && raw.len() - e.valid_up_to() >= 2 => return true,
        Err(_) => {}
    }
    let mut valid_non_ascii = 0usize;
    let mut invalid = 0usize;
    for chunk in raw.utf8_chunks() {
        valid_non_ascii += chunk.valid().bytes().filter(|b| *b >= 0xC0).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid_non_ascii > 0 && valid_non_ascii >= invalid
}

fn guess_legacy(raw: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    let head = &raw[..raw.len().min(DETECT_BYTES)];
    detector.feed(head, head.len() == raw.len());
    let guess = detector.guess(None, Utf8Detection::Allow);
    // The bytes are not valid UTF-8 (checked before), so chardetng cannot
    // mean UTF-8 here; be safe anyway.
    if guess == UTF_8 || guess == WINDOWS_1252 {
        if looks_like_cyrillic_1251(raw) {
            WINDOWS_1251
        } else {
            WINDOWS_1252
        }
    } else {
        guess
    }
}

/// chardetng takes short all-caps Cyrillic in windows-1251 (`ТАСС`,
/// `ИТАР-ТАСС`) for windows-1252, which would turn it into `ÒÀÑÑ`. In
/// windows-1252 text the letters above 0xC0 (`é`, `ü`, `ç`) sit alone or in
/// pairs inside ASCII words; in windows-1251 they are the whole word. So when
/// most such letters stand in runs of three or more, the text is Cyrillic.
fn looks_like_cyrillic_1251(raw: &[u8]) -> bool {
    let is_letter = |b: u8| b >= 0xC0 || b == 0xA8 || b == 0xB8;
    let (mut total, mut in_words, mut run) = (0usize, 0usize, 0usize);
    for &b in raw.iter().chain(std::iter::once(&b' ')) {
        if is_letter(b) {
            run += 1;
        } else {
            total += run;
            if run >= 3 {
                in_words += run;
            }
            run = 0;
        }
    }
    total > 0 && in_words * 2 > total
}

/// The post-decoding checks.
fn check_text(decoded: Decoded) -> Result<Decoded, (RejectReason, String)> {
    let text = decoded.text.as_str();
    if text.trim().is_empty() {
        let detail = if text.is_empty() {
            "The file holds nothing but a byte-order mark."
        } else {
            "The file contains only whitespace."
        };
        return Err((RejectReason::Empty, detail.into()));
    }
    let CharCounts {
        total,
        replaced,
        control,
    } = count_chars(text);
    if replaced * 4 > total {
        return Err((
            RejectReason::Undecodable,
            format!(
                "Decoding as {} replaced {replaced} of {total} characters.",
                decoded.encoding.name()
            ),
        ));
    }
    if control * 4 > total {
        return Err((
            RejectReason::Binary,
            format!(
                "{control} of {total} characters decoded as {} are control characters.",
                decoded.encoding.name()
            ),
        ));
    }
    Ok(decoded)
}

/// Characters of a text: all of them, the replacement characters, and the
/// control characters other than tab, line feed, vertical tab, form feed
/// and carriage return.
#[derive(Debug, Default, PartialEq, Eq)]
struct CharCounts {
    total: usize,
    replaced: usize,
    control: usize,
}

/// [`CharCounts`] of `text`, read from its UTF-8 bytes: a character is a
/// byte that does not continue one; the control characters (`Cc`) are
/// U+0000..U+001F, U+007F and, two bytes long, U+0080..U+009F (`C2 80` to
/// `C2 9F`); U+FFFD is `EF BF BD`.
fn count_chars(text: &str) -> CharCounts {
    let bytes = text.as_bytes();
    // One pass over the bytes in chunks of at most 255, whose counts fit a
    // `u8`: the compiler keeps them in byte lanes of vector registers. The
    // predicates use `&` and `|`, not `&&` and `||`, so they do not branch.
    // memchr then finds the rarer two- and three-byte sequences.
    let (mut total, mut ascii_control) = (0usize, 0usize);
    for chunk in bytes.chunks(255) {
        let (mut starts, mut controls) = (0u8, 0u8);
        for &b in chunk {
            starts += u8::from((b as i8) >= -0x40);
            controls += u8::from((b < 0x20) & (b.wrapping_sub(0x09) > 0x0D - 0x09) | (b == 0x7F));
        }
        total += usize::from(starts);
        ascii_control += usize::from(controls);
    }
    let c1_control = memchr::memchr_iter(0xC2, bytes)
        .filter(|&at| matches!(bytes.get(at + 1), Some(0x80..=0x9F)))
        .count();
    let replaced = memchr::memmem::find_iter(bytes, "\u{FFFD}".as_bytes()).count();
    CharCounts {
        total,
        replaced,
        control: ascii_control + c1_control,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`CharCounts`] by its definition, a character at a time.
    fn count_by_char(text: &str) -> CharCounts {
        let mut counts = CharCounts::default();
        for c in text.chars() {
            counts.total += 1;
            if c == char::REPLACEMENT_CHARACTER {
                counts.replaced += 1;
            } else if c.is_control() && !matches!(c, '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r') {
                counts.control += 1;
            }
        }
        counts
    }

    proptest! {
        #[test]
        fn char_counts_match_their_definition(
            parts in proptest::collection::vec(
                prop_oneof![
                    any::<char>().prop_map(String::from),
                    "[\\x00-\\x20\\x7f-\\u{a0}\\u{fffd}\\u{ffc0}-\\u{ffff}a-zа-я]{0,40}",
                ],
                0..20,
            )
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(count_chars(&text), count_by_char(&text));
        }
    }

    #[test]
    fn char_counts_of_every_scalar_value() {
        let all: String = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        assert_eq!(count_chars(&all), count_by_char(&all));
    }

    fn enc(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let (bytes, _, errors) = encoding.encode(text);
        assert!(!errors, "{text} not representable in {}", encoding.name());
        bytes.into_owned()
    }

    const RU: &str = "Министр иностранных дел России Сергей Лавров провёл переговоры \
                      со своим японским коллегой в Токио. Стороны обсудили мирный договор.";
    const FR: &str = "Le ministre français a déclaré que la coopération économique \
                      était très importante pour l'été prochain, à côté des négociations.";

    #[test]
    fn detects_encodings() {
        let mut utf16le = vec![0xFF, 0xFE];
        utf16le.extend(RU.encode_utf16().flat_map(u16::to_le_bytes));
        let mut utf16be = vec![0xFE, 0xFF];
        utf16be.extend(RU.encode_utf16().flat_map(u16::to_be_bytes));
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend_from_slice(RU.as_bytes());
        // (name, raw bytes, encoding, text); all decode cleanly, no flags.
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("ascii", b"Hello world".to_vec(), "UTF-8", "Hello world"),
            ("utf8", RU.as_bytes().to_vec(), "UTF-8", RU),
            ("utf8 bom", bom8, "UTF-8", RU),
            ("utf16le", utf16le, "UTF-16LE", RU),
            ("utf16be", utf16be, "UTF-16BE", RU),
            (
                "1251",
                enc(RU, encoding_rs::WINDOWS_1251),
                "windows-1251",
                RU,
            ),
            (
                "1252",
                enc(FR, encoding_rs::WINDOWS_1252),
                "windows-1252",
                FR,
            ),
        ];
        for (name, raw, encoding, text) in cases {
            let d = decode(raw).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(d.encoding.name(), encoding, "{name}");
            assert_eq!(d.text, text, "{name}");
            assert!(d.flags.is_empty(), "{name}: {:?}", d.flags);
        }
    }

    #[test]
    fn legacy_guesses() {
        // (text, encoded with, expected guess)
        let cases = [
            ("ТАСС", encoding_rs::WINDOWS_1251, "windows-1251"),
            (
                "ИТАР-ТАСС сообщает",
                encoding_rs::WINDOWS_1251,
                "windows-1251",
            ),
            (
                "МОСКВА, 15 марта. /ТАСС/.",
                encoding_rs::WINDOWS_1251,
                "windows-1251",
            ),
            ("Сергей Лавров", encoding_rs::WINDOWS_1251, "windows-1251"),
            ("Москва", encoding_rs::KOI8_R, "KOI8-U"),
            ("café", encoding_rs::WINDOWS_1252, "windows-1252"),
            (
                "Müller sagte, dass die Gespräche schwierig waren",
                encoding_rs::WINDOWS_1252,
                "windows-1252",
            ),
            (
                "As negociações em São Paulo",
                encoding_rs::WINDOWS_1252,
                "windows-1252",
            ),
            (
                "MÜNCHEN UND ZÜRICH",
                encoding_rs::WINDOWS_1252,
                "windows-1252",
            ),
            ("don\u{2019}t", encoding_rs::WINDOWS_1252, "windows-1252"),
            (
                "Łódź is in Poland",
                encoding_rs::WINDOWS_1250,
                "windows-1250",
            ),
        ];
        for (text, encoding, expected) in cases {
            let d = decode(enc(text, encoding)).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(d.encoding.name(), expected, "{text}");
            if expected == encoding.name() {
                assert_eq!(d.text, text);
            }
        }
    }

    #[test]
    fn truncated_utf8_tail_is_still_utf8() {
        let mut raw = b"Plain ASCII text cut inside a quote \xE2\x80".to_vec();
        let d = decode(std::mem::take(&mut raw)).unwrap();
        assert_eq!(d.encoding.name(), "UTF-8");
        assert_eq!(d.flags, [flag::INVALID_UTF8_REPLACED]);
        assert!(d.text.ends_with('\u{FFFD}'));
    }

    #[test]
    fn repairs_a_few_invalid_utf8_bytes() {
        let mut raw = RU.as_bytes().to_vec();
        raw.insert(10, 0xFF);
        let d = decode(raw).unwrap();
        assert_eq!(d.encoding.name(), "UTF-8");
        assert_eq!(d.flags, [flag::INVALID_UTF8_REPLACED]);
        assert_eq!(d.text.matches('\u{FFFD}').count(), 1);
        // Same behind a BOM, where no guessing happens.
        let d = decode(b"\xEF\xBB\xBFab\xFFcd".to_vec()).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding.name()),
            ("ab\u{FFFD}cd", "UTF-8")
        );
    }

    #[test]
    fn rejects() {
        let mut lone_surrogates = vec![0xFF, 0xFE];
        for _ in 0..20 {
            lone_surrogates.extend_from_slice(&[0x00, 0xD8, 0x41, 0x00]);
        }
        let cases: Vec<(&str, Vec<u8>, RejectReason)> = vec![
            ("empty", vec![], RejectReason::Empty),
            ("spaces", b"  \n\t\r\n ".to_vec(), RejectReason::Empty),
            (
                "nbsp",
                "\u{A0}\u{2003}\n".as_bytes().to_vec(),
                RejectReason::Empty,
            ),
            ("bom only", b"\xEF\xBB\xBF".to_vec(), RejectReason::Empty),
            ("utf16 bom only", b"\xFF\xFE".to_vec(), RejectReason::Empty),
            ("nul", b"abc\0def".to_vec(), RejectReason::Binary),
            (
                "png",
                b"\x89PNG\r\n\x1a\nrest".to_vec(),
                RejectReason::Binary,
            ),
            ("pdf", b"%PDF-1.7\n...".to_vec(), RejectReason::Binary),
            ("zip", b"PK\x03\x04abc".to_vec(), RejectReason::Binary),
            (
                "jpeg",
                b"\xFF\xD8\xFF\xE0abc".to_vec(),
                RejectReason::Binary,
            ),
            (
                "controls",
                b"\x01\x02\x03\x04abc".to_vec(),
                RejectReason::Binary,
            ),
            (
                "utf16 nul",
                b"\xFF\xFEa\0\0\0".to_vec(),
                RejectReason::Binary,
            ),
            (
                "lone surrogates",
                lone_surrogates,
                RejectReason::Undecodable,
            ),
        ];
        for (name, raw, reason) in cases {
            let err = decode(raw).expect_err(name);
            assert_eq!(err.0, reason, "{name}: {}", err.1);
            assert!(
                err.1.ends_with('.'),
                "{name}: detail is a sentence: {}",
                err.1
            );
        }
    }

    #[test]
    fn utf16_text_with_bom_is_not_binary_despite_nuls() {
        let d = decode(b"\xFF\xFEh\0i\0".to_vec()).unwrap();
        assert_eq!((d.text.as_str(), d.encoding.name()), ("hi", "UTF-16LE"));
    }
}
