//! gzip and zstd inputs.

use newsflow_ingest::IngestConfig;

use crate::support::*;

const TEXT: &str = "TOKYO, March 19. /TASS/. The ministers met in Tokyo.\n";
const JSONL: &str = "{\"id\":\"j1\",\"text\":\"One\"}\n{\"text\":\"Two\"}\n";
const CSV: &str = "id,text\nc1,One\n,Two\n";

fn expect_same_as_plain(name: &str, plain_name: &str, compressed: &[u8], plain: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("c")).unwrap();
    std::fs::create_dir(dir.path().join("p")).unwrap();
    std::fs::write(dir.path().join("c").join(name), compressed).unwrap();
    std::fs::write(dir.path().join("p").join(plain_name), plain).unwrap();
    let c = run_default(&dir.path().join("c"));
    let p = run_default(&dir.path().join("p"));
    assert_eq!(c.len(), p.len(), "{name}");
    for (c, p) in c.iter().zip(&p) {
        assert_eq!(c.doc_id, p.doc_id, "{name}");
        assert_eq!(c.text, p.text, "{name}");
        assert_eq!(
            c.content_hash, p.content_hash,
            "{name}: hash of decompressed bytes"
        );
        assert_eq!(c.bytes, p.bytes, "{name}: decompressed size");
        assert_eq!(c.reject_reason, p.reject_reason, "{name}");
        let suffix = |s: &str| s.split_once(':').map(|(_, l)| l.to_string());
        assert_eq!(suffix(&c.source_path), suffix(&p.source_path), "{name}");
    }
}

#[test]
fn gzip_and_zstd_variants_match_plain_files() {
    let cases: [(&str, &str, &str); 3] = [
        ("a.txt", "a.txt", TEXT),
        ("b.jsonl", "b.jsonl", JSONL),
        ("c.csv", "c.csv", CSV),
    ];
    for (name, plain_name, content) in cases {
        expect_same_as_plain(
            &format!("{name}.gz"),
            plain_name,
            &gzip(content.as_bytes()),
            content.as_bytes(),
        );
        expect_same_as_plain(
            &format!("{name}.zst"),
            plain_name,
            &zstd(content.as_bytes()),
            content.as_bytes(),
        );
    }
}

#[test]
fn compressed_row_ids_use_the_stem_without_both_extensions() {
    let r = single("feed.jsonl.gz", &gzip(b"{\"text\":\"x\"}\n"));
    assert_eq!(
        (r.doc_id.as_str(), r.source_path.as_str()),
        ("feed:1", "feed.jsonl.gz:1")
    );
}

#[test]
fn concatenated_gzip_members_are_read_whole() {
    let mut raw = gzip(b"first half, ");
    raw.extend(gzip(b"second half"));
    let r = single("multi.txt.gz", &raw);
    assert_eq!(r.text.as_deref(), Some("first half, second half"));
}

#[test]
fn truncated_gzip_is_corrupt() {
    let full = gzip(TEXT.repeat(50).as_bytes());
    let r = single("cut.txt.gz", &full[..full.len() / 2]);
    assert_eq!(r.reason(), Some("corrupt_compression"), "{r:?}");
    assert!(
        r.detail()
            .starts_with("The gzip stream is corrupt or truncated")
    );
    assert_eq!(r.bytes, (full.len() / 2) as u64);
}

#[test]
fn gzip_missing_only_its_trailer_is_corrupt() {
    let full = gzip(TEXT.as_bytes());
    let r = single("notrailer.txt.gz", &full[..full.len() - 4]);
    assert_eq!(r.reason(), Some("corrupt_compression"), "{r:?}");
}

#[test]
fn truncated_zstd_is_corrupt() {
    let full = zstd(TEXT.repeat(50).as_bytes());
    let r = single("cut.jsonl.zst", &full[..full.len() - 3]);
    assert_eq!(r.reason(), Some("corrupt_compression"), "{r:?}");
    assert!(
        r.detail()
            .starts_with("The zstd stream is corrupt or truncated")
    );
}

#[test]
fn not_actually_compressed() {
    let r = single("plain.txt.gz", TEXT.as_bytes());
    assert_eq!(r.reason(), Some("corrupt_compression"));
    let r = single("plain.txt.zst", TEXT.as_bytes());
    assert_eq!(r.reason(), Some("corrupt_compression"));
}

#[test]
fn empty_compressed_files() {
    let r = single("zero.txt.gz", b"");
    assert_eq!(r.reason(), Some("empty"));
    let r = single("nothing.txt.gz", &gzip(b""));
    assert_eq!(r.reason(), Some("empty"));
    assert_eq!(r.detail(), "The gzip content is empty (0 bytes).");
    let r = single("nothing.txt.zst", &zstd(b""));
    assert_eq!(r.reason(), Some("empty"));
}

#[test]
fn decompression_bomb_is_too_large() {
    let config = IngestConfig {
        max_bytes: 64 * 1024,
        ..IngestConfig::default()
    };
    let payload = vec![b'a'; 8 * 1024 * 1024];
    for (name, raw) in [
        ("bomb.txt.gz", gzip(&payload)),
        ("bomb.txt.zst", zstd(&payload)),
    ] {
        assert!(raw.len() < 64 * 1024, "the bomb is small on disk");
        let r = single_with(config.clone(), name, &raw);
        assert_eq!(r.reason(), Some("too_large"), "{name}: {r:?}");
        assert!(
            r.detail()
                .contains("decompresses to more than the limit of 65536 bytes")
        );
        assert_eq!(r.bytes, raw.len() as u64, "on-disk size");
    }
}

#[test]
fn compressed_binary_is_binary() {
    let r = single("blob.txt.gz", &gzip(b"\x89PNG\r\n\x1a\nxxxx"));
    assert_eq!(r.reason(), Some("binary"));
}
