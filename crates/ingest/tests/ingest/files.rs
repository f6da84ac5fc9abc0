//! One file, one row: encodings and file-level rejects.

use newsflow_ingest::IngestConfig;

use crate::support::*;

const RU: &str = "МОСКВА, 15 марта. /ТАСС/. Министр иностранных дел России Сергей Лавров \
                  провёл переговоры со своим японским коллегой. Стороны обсудили мирный договор \
                  и экономическое сотрудничество.";
const FR: &str = "Le ministre des Affaires étrangères a déclaré que la coopération économique \
                  était très importante, et que les négociations à Tokyo reprendraient l'été \
                  prochain après une pause forcée.";

#[test]
fn committed_utf8_fixture() {
    let rows = run_default(&fixture("utf8"));
    let raw = std::fs::read(fixture("utf8/tass_dateline.txt")).unwrap();
    let row = &rows[..];
    assert_eq!(row.len(), 1);
    let r = &row[0];
    assert_eq!(r.doc_id, "tass_dateline");
    assert_eq!(r.source_path, "tass_dateline.txt");
    assert_eq!(r.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(r.text.as_deref().map(str::as_bytes), Some(&raw[..]));
    assert_eq!(r.content_hash, Some(hex_hash(&raw)));
    assert_eq!(r.bytes, raw.len() as u64);
    assert!(r.flags.is_empty() && r.meta_url.is_none() && r.reason().is_none());
}

#[test]
fn utf8_bom_is_stripped_but_hashed() {
    let mut raw = b"\xEF\xBB\xBF".to_vec();
    raw.extend_from_slice(RU.as_bytes());
    let r = single("bom.txt", &raw);
    assert_eq!(r.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(r.text.as_deref(), Some(RU));
    assert_eq!(r.content_hash, Some(hex_hash(&raw)));
    assert_eq!(r.bytes, raw.len() as u64);
}

#[test]
fn utf16le_with_bom() {
    let mut raw = vec![0xFF, 0xFE];
    raw.extend(RU.encode_utf16().flat_map(u16::to_le_bytes));
    let r = single("utf16.txt", &raw);
    assert_eq!(r.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(r.text.as_deref(), Some(RU));
    assert!(r.flags.is_empty());
}

#[test]
fn utf16be_with_bom() {
    let mut raw = vec![0xFE, 0xFF];
    raw.extend(FR.encode_utf16().flat_map(u16::to_be_bytes));
    let r = single("utf16be.txt", &raw);
    assert_eq!(r.encoding.as_deref(), Some("UTF-16BE"));
    assert_eq!(r.text.as_deref(), Some(FR));
}

#[test]
fn windows_1251_cyrillic() {
    let raw = encode(RU, encoding_rs::WINDOWS_1251);
    let r = single("cp1251.txt", &raw);
    assert_eq!(r.encoding.as_deref(), Some("windows-1251"));
    assert_eq!(r.text.as_deref(), Some(RU));
    assert_eq!(r.content_hash, Some(hex_hash(&raw)));
    assert_eq!(r.bytes, raw.len() as u64);
}

#[test]
fn short_windows_1251_line() {
    let text = "Сергей Лавров прибыл в Токио.";
    let r = single("short1251.txt", &encode(text, encoding_rs::WINDOWS_1251));
    assert_eq!(r.encoding.as_deref(), Some("windows-1251"));
    assert_eq!(r.text.as_deref(), Some(text));
}

#[test]
fn windows_1252_latin() {
    let raw = encode(FR, encoding_rs::WINDOWS_1252);
    let r = single("cp1252.txt", &raw);
    assert_eq!(r.encoding.as_deref(), Some("windows-1252"));
    assert_eq!(r.text.as_deref(), Some(FR));
}

#[test]
fn invalid_utf8_in_the_middle_is_replaced_and_flagged() {
    let mut raw = RU.as_bytes().to_vec();
    raw.splice(20..20, [0xC3, 0x28, 0xFF]);
    let r = single("damaged.txt", &raw);
    assert_eq!(r.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(r.flags, ["invalid_utf8_replaced"]);
    let text = r.text.unwrap();
    assert!(text.contains('\u{FFFD}'));
    assert!(text.ends_with("сотрудничество."));
    assert_eq!(r.content_hash, Some(hex_hash(&raw)));
}

#[test]
fn empty_and_whitespace_only() {
    let rows = run_default(&fixture("empty"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reason(), Some("empty"));
    assert_eq!(rows[0].doc_id, "empty");
    assert_eq!(rows[0].bytes, 0);
    assert_eq!(rows[0].detail(), "The file is empty (0 bytes).");

    let rows = run_default(&fixture("whitespace"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reason(), Some("empty"));
    assert_eq!(rows[0].detail(), "The file contains only whitespace.");
    let raw = std::fs::read(fixture("whitespace/whitespace_only.txt")).unwrap();
    assert_eq!(rows[0].bytes, raw.len() as u64);
    assert_eq!(rows[0].content_hash, Some(hex_hash(&raw)));
}

#[test]
fn binary_files() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(0x42, 100));
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("image.png", png, "PNG image"),
        (
            "scan.txt",
            b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            "PDF document",
        ),
        ("nul.txt", b"hello\0world".to_vec(), "NUL byte at offset 5"),
        (
            "photo",
            b"\xFF\xD8\xFF\xE0\x00\x10JFIF".to_vec(),
            "JPEG image",
        ),
    ];
    for (name, raw, detail) in cases {
        let r = single(name, &raw);
        assert_eq!(r.reason(), Some("binary"), "{name}: {r:?}");
        assert!(r.detail().contains(detail), "{name}: {}", r.detail());
        assert_eq!(r.bytes, raw.len() as u64);
    }
}

#[test]
fn too_large_is_rejected_before_reading() {
    let config = IngestConfig {
        max_bytes: 10,
        ..IngestConfig::default()
    };
    let r = single_with(config.clone(), "big.txt", b"0123456789A");
    assert_eq!(r.reason(), Some("too_large"));
    assert_eq!(r.bytes, 11);
    assert!(r.content_hash.is_none());
    assert_eq!(
        r.detail(),
        "The file is 11 bytes, over the limit of 10 bytes."
    );
    // Exactly at the limit is fine.
    let r = single_with(config, "fits.txt", b"0123456789");
    assert_eq!(r.text.as_deref(), Some("0123456789"));
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.txt");
    std::fs::write(&path, "classified").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let rows = run_default(dir.path());
    assert_eq!(rows.len(), 1);
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reading, so the file is a
        // document. Nothing more to check.
        assert!(rows[0].reason().is_none());
        return;
    }
    assert_eq!(rows[0].reason(), Some("unreadable"));
    assert!(
        rows[0].detail().contains("Permission denied"),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[0].bytes, 10);
}

#[test]
fn unknown_extension_is_text() {
    let r = single("article.html", b"<p>Lavrov</p>");
    assert_eq!(r.doc_id, "article");
    assert_eq!(r.text.as_deref(), Some("<p>Lavrov</p>"));
    let r = single("NOEXT", b"plain");
    assert_eq!(r.doc_id, "NOEXT");
}

#[test]
fn a_50_mb_article_is_one_document() {
    let paragraph = format!("{RU}\n\n");
    let copies = 50 * 1024 * 1024 / paragraph.len() + 1;
    let text = paragraph.repeat(copies);
    let r = single("huge.txt", text.as_bytes());
    assert!(r.reason().is_none(), "rejected: {}", r.detail());
    assert_eq!(r.bytes, text.len() as u64);
    assert!(r.bytes > 50 * 1024 * 1024);
    assert_eq!(r.text.as_deref().map(str::len), Some(text.len()));
}
