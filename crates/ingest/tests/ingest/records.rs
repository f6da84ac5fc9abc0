//! JSONL and CSV files.

use newsflow_ingest::IngestConfig;

use crate::support::*;

fn summary(rows: &[Out]) -> Vec<(String, String, Option<String>)> {
    rows.iter()
        .map(|r| {
            (
                r.doc_id.clone(),
                r.source_path.clone(),
                r.reject_reason.clone(),
            )
        })
        .collect()
}

fn s(id: &str, path: &str, reason: Option<&str>) -> (String, String, Option<String>) {
    (id.into(), path.into(), reason.map(str::to_string))
}

#[test]
fn jsonl_with_malformed_lines_keeps_the_good_ones() {
    let rows = run(
        IngestConfig::default(),
        &[fixture("jsonl/malformed_line.jsonl")],
    );
    let p = "malformed_line.jsonl";
    assert_eq!(
        summary(&rows),
        [
            s("tass-1", &format!("{p}:1"), None),
            s(
                "malformed_line:2",
                &format!("{p}:2"),
                Some("bad_jsonl_line")
            ),
            s("malformed_line:4", &format!("{p}:4"), None),
            s(
                "malformed_line:5",
                &format!("{p}:5"),
                Some("bad_jsonl_line")
            ),
            s(
                "malformed_line:6",
                &format!("{p}:6"),
                Some("bad_jsonl_line")
            ),
            s(
                "malformed_line:7",
                &format!("{p}:7"),
                Some("bad_jsonl_line")
            ),
            s("7", &format!("{p}:8"), None),
        ]
    );
    let first = &rows[0];
    assert_eq!(first.text.as_deref(), Some("Lavrov arrived in Tokyo."));
    assert_eq!(first.meta_url.as_deref(), Some("https://example.invalid/1"));
    assert_eq!(first.meta_published.as_deref(), Some("2019-05-30"));
    assert_eq!(first.meta_source.as_deref(), Some("TASS"));
    assert_eq!(
        first.content_hash,
        Some(hex_hash(b"Lavrov arrived in Tokyo."))
    );
    assert_eq!(first.bytes, "Lavrov arrived in Tokyo.".len() as u64);
    assert_eq!(first.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(rows[2].meta_published.as_deref(), Some("2019"));
    assert!(rows[1].detail().starts_with("Line 2 is not valid JSON"));
    assert_eq!(rows[3].detail(), "Line 5 is a JSON array, not an object.");
    assert_eq!(rows[4].detail(), "Line 6 has no `text` field.");
    assert_eq!(
        rows[5].detail(),
        "The `text` field of line 7 is a number, not a string."
    );
}

#[test]
fn empty_jsonl_file_is_one_reject() {
    let rows = run(IngestConfig::default(), &[fixture("jsonl/empty.jsonl")]);
    assert_eq!(summary(&rows), [s("empty", "empty.jsonl", Some("empty"))]);
}

#[test]
fn csv_with_a_ragged_row() {
    let rows = run(IngestConfig::default(), &[fixture("csv/ragged_row.csv")]);
    let p = "ragged_row.csv";
    assert_eq!(
        summary(&rows),
        [
            s("c1", &format!("{p}:2"), None),
            s("c2", &format!("{p}:3"), None),
            s("ragged_row:4", &format!("{p}:4"), Some("bad_csv_row")),
            s("ragged_row:5", &format!("{p}:5"), Some("bad_csv_row")),
            s("ragged_row:6", &format!("{p}:6"), None),
            s("ragged_row:7", &format!("{p}:7"), Some("bad_csv_row")),
        ]
    );
    assert_eq!(
        rows[0].meta_url.as_deref(),
        Some("https://example.invalid/c1")
    );
    assert_eq!(rows[0].meta_source.as_deref(), Some("TASS"));
    assert_eq!(rows[1].text.as_deref(), Some("A quoted text, with a comma"));
    assert!(rows[1].meta_url.is_none(), "empty cells are null");
    assert_eq!(
        rows[2].detail(),
        "Record 4 has 2 fields but the header has 5."
    );
    assert_eq!(
        rows[4].text.as_deref(),
        Some("Second line\nof a multi-line record")
    );
    assert_eq!(
        rows[5].detail(),
        "Record 7 (line 8) has an empty `text` cell."
    );
}

#[test]
fn csv_header_only_is_one_empty_reject() {
    let rows = run(IngestConfig::default(), &[fixture("csv/header_only.csv")]);
    assert_eq!(
        summary(&rows),
        [s("header_only", "header_only.csv", Some("empty"))]
    );
}

#[test]
fn csv_columns_are_configurable() {
    let config = IngestConfig {
        csv_text_column: "body".into(),
        csv_id_column: "guid".into(),
        ..IngestConfig::default()
    };
    let rows = run(config, &[fixture("csv/custom_columns.csv")]);
    assert_eq!(
        summary(&rows),
        [
            s("g-1", "custom_columns.csv:2", None),
            s("g-2", "custom_columns.csv:3", None),
        ]
    );
    assert_eq!(rows[0].text.as_deref(), Some("The ministers met in Tokyo."));
    // With the default columns the header has no `text`: one file reject.
    let rows = run(
        IngestConfig::default(),
        &[fixture("csv/custom_columns.csv")],
    );
    assert_eq!(
        summary(&rows),
        [s(
            "custom_columns",
            "custom_columns.csv:1",
            Some("bad_csv_row")
        )]
    );
    assert_eq!(
        rows[0].detail(),
        "The CSV header row has no `text` column (it has: guid, headline, body)."
    );
}

#[test]
fn repeated_ids_across_files_keep_the_first() {
    let rows = run_default(&fixture("ids"));
    assert_eq!(
        summary(&rows),
        [
            s("same", "first.jsonl:1", None),
            s("same#2", "second.jsonl:1", None),
            s("same#3", "second.jsonl:2", None),
        ]
    );
}

#[test]
fn row_ids_never_collide_with_file_ids() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.jsonl"),
        "{\"id\":\"b\",\"text\":\"row\"}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.txt"), "file").unwrap();
    let rows = run_default(dir.path());
    assert_eq!(
        summary(&rows),
        [s("b#2", "a.jsonl:1", None), s("b", "b.txt", None)]
    );
}

#[test]
fn jsonl_in_a_legacy_encoding_is_decoded_first() {
    let text = "{\"text\": \"Сергей Лавров прибыл в Токио для переговоров.\"}\n";
    let r = single("ru.jsonl", &encode(text, encoding_rs::WINDOWS_1251));
    assert_eq!(r.encoding.as_deref(), Some("windows-1251"));
    assert_eq!(
        r.text.as_deref(),
        Some("Сергей Лавров прибыл в Токио для переговоров.")
    );
}

#[test]
fn a_huge_jsonl_file_streams_over_many_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for i in 0..1000 {
        body.push_str(&format!("{{\"text\":\"article {i}\"}}\n"));
    }
    std::fs::write(dir.path().join("big.jsonl"), body).unwrap();
    let config = IngestConfig {
        batch_size: 64,
        ..IngestConfig::default()
    };
    let (_, sizes, rows) = run_full(config, &[dir.path().to_path_buf()]);
    assert_eq!(sizes.len(), 16);
    assert!(sizes[..15].iter().all(|&n| n == 64));
    assert_eq!(sizes[15], 1000 - 15 * 64);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.doc_id, format!("big:{}", i + 1));
        assert_eq!(r.text.as_deref(), Some(format!("article {i}").as_str()));
    }
}

/// `n` JSONL lines with ids `a1`, `a2`, ... (about 70 bytes each).
fn feed_lines(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!(r#"{{"id":"a{i}","text":"Item {i} of a long feed, about the talks.","source":"Wire"}}"#))
        .collect()
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

type Seen = (String, Option<String>, Vec<String>, Option<String>);

fn seen(rows: &[Out]) -> Vec<Seen> {
    rows.iter()
        .map(|r| {
            (
                r.doc_id.clone(),
                r.text.clone(),
                r.flags.clone(),
                r.meta_source.clone(),
            )
        })
        .collect()
}

#[test]
fn a_long_jsonl_file_gives_the_rows_its_lines_give_as_short_files() {
    // 3,000 lines (about 210 KB) in one file, gzip and zstd copies of it,
    // and the same lines in files of 300 (about 21 KB), which are decoded
    // whole.
    let lines = feed_lines(3_000);
    let whole = lines.join("\n") + "\n";
    assert!(whole.len() > 3 * 64 * 1024);
    let short = tempfile::tempdir().unwrap();
    for (i, part) in lines.chunks(300).enumerate() {
        write(
            short.path(),
            &format!("p{i:02}.jsonl"),
            (part.join("\n") + "\n").as_bytes(),
        );
    }
    let expected = seen(&run_default(short.path()));
    assert_eq!(expected.len(), 3_000);
    expect_in_every_copy("feed.jsonl", &whole, &expected, 3_000);
}

/// Reads `whole` as one file named `name`, and gzip and zstd copies of
/// it: each gives the rows `expected`, the last from line or record
/// `last` of the file.
fn expect_in_every_copy(name: &str, whole: &str, expected: &[Seen], last: usize) {
    for (name, bytes) in [
        (name.to_string(), whole.as_bytes().to_vec()),
        (format!("{name}.gz"), gzip(whole.as_bytes())),
        (format!("{name}.zst"), zstd(whole.as_bytes())),
    ] {
        let rows = rows_of_one(&name, &bytes);
        assert_eq!(seen(&rows), expected, "{name}");
        let end = rows.last().unwrap();
        assert_eq!(end.source_path, format!("{name}:{last}"));
        assert_eq!(end.encoding.as_deref(), Some("UTF-8"));
    }
}

/// The rows of one file named `name` holding `bytes`.
fn rows_of_one(name: &str, bytes: &[u8]) -> Vec<Out> {
    rows_of_one_with(IngestConfig::default(), name, bytes)
}

fn rows_of_one_with(config: IngestConfig, name: &str, bytes: &[u8]) -> Vec<Out> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), name, bytes);
    run(config, &[dir.path().to_path_buf()])
}

/// Settings with `max_bytes` at 4 KiB, and the reject rows read with them.
fn rejects_under_4_kib(name: &str, bytes: &[u8]) -> (Vec<Out>, Vec<Out>) {
    let config = IngestConfig {
        max_bytes: 4_096,
        ..IngestConfig::default()
    };
    let rows = rows_of_one_with(config, name, bytes);
    let rejects = rows
        .iter()
        .filter(|r| r.reason().is_some())
        .cloned()
        .collect();
    (rows, rejects)
}

#[test]
fn max_bytes_caps_each_line_of_a_long_jsonl_file() {
    // The file is far over `max_bytes`; one line is over it too.
    let mut lines = feed_lines(2_000);
    let long_text = "word ".repeat(1_000);
    lines[999] = format!(r#"{{"id":"big","text":"{long_text}"}}"#);
    lines.insert(500, String::new());
    lines.insert(700, "   \r".into());
    let (rows, rejects) =
        rejects_under_4_kib("feed.jsonl", (lines.join("\r\n") + "\r\n").as_bytes());
    assert_eq!(rows.len(), 2_000);
    assert_eq!(rejects.len(), 1, "{rejects:#?}");
    let big = &rejects[0];
    // Two blank lines come before it: it is line 1,002 of the file.
    assert_eq!(
        (big.doc_id.as_str(), big.source_path.as_str(), big.reason()),
        ("feed:1002", "feed.jsonl:1002", Some("too_large"))
    );
    let len = lines[1_001].len() as u64 + 1; // with its `\r`
    assert_eq!(big.bytes, len);
    assert_eq!(
        big.detail(),
        format!("Line 1002 is {len} bytes, over the limit of 4096 bytes.")
    );
    assert_eq!(rows[1_999].doc_id, "a2000");
    assert_eq!(
        rows[1_999].text.as_deref(),
        Some("Item 2000 of a long feed, about the talks.")
    );
}

#[test]
fn invalid_utf8_late_in_a_long_jsonl_file_flags_only_its_line() {
    let mut lines = feed_lines(2_000);
    lines[1_500] = lines[1_500].replace("talks", "talks \u{1}");
    let mut bytes = (lines.join("\n") + "\n").into_bytes();
    // The U+0001 stands in for two invalid bytes.
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes.splice(at..=at, [0xFF, 0xFE]);
    let rows = rows_of_one("feed.jsonl", &bytes);
    let flagged = the_one_flagged_row(&rows, 2_000);
    assert_eq!(flagged.doc_id, "a1501");
    assert_eq!(
        flagged.text.as_deref(),
        Some("Item 1501 of a long feed, about the talks \u{FFFD}\u{FFFD}.")
    );
}

/// The one row of `rows` (of which there are `count`) with a flag, which
/// is `invalid_utf8_replaced`.
fn the_one_flagged_row(rows: &[Out], count: usize) -> &Out {
    assert_eq!(rows.len(), count);
    let flagged: Vec<&Out> = rows.iter().filter(|r| !r.flags.is_empty()).collect();
    assert_eq!(flagged.len(), 1, "{flagged:#?}");
    assert_eq!(flagged[0].flags, ["invalid_utf8_replaced"]);
    flagged[0]
}

#[test]
fn a_long_jsonl_file_cut_short_keeps_its_first_lines() {
    let whole = feed_lines(3_000).join("\n") + "\n";
    let full = gzip(whole.as_bytes());
    let rows = rows_of_one("cut.jsonl.gz", &full[..full.len() * 3 / 4]);
    let (last, read) = rows.split_last().unwrap();
    assert!(read.len() > 1_000, "{} rows", read.len());
    assert!(read.iter().all(|r| r.reason().is_none()));
    assert_eq!(read.last().unwrap().doc_id, format!("a{}", read.len()));
    let n = read.len() + 1;
    assert_eq!(
        (last.doc_id.clone(), last.reason()),
        (format!("cut:{n}"), Some("corrupt_compression"))
    );
    assert!(
        last.detail().starts_with(&format!(
            "At line {n} the compressed stream is corrupt or truncated"
        )),
        "{}",
        last.detail()
    );
}

#[test]
fn a_long_jsonl_file_of_whitespace_is_empty() {
    let r = single("blank.jsonl", " \n\t\n".repeat(20_000).as_bytes());
    assert_eq!(r.reason(), Some("empty"));
    assert_eq!(r.detail(), "The file contains only whitespace.");
    assert_eq!(r.doc_id, "blank");
}

/// `n` CSV records with ids `c1`, `c2`, ...: quoted text with a comma, a
/// doubled quote and a line break, and a source.
fn csv_records(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("c{i},\"Item {i}, with \"\"quotes\"\"\nand a second line.\",Wire"))
        .collect()
}

const CSV_HEADER: &str = "id,text,source";

#[test]
fn a_long_csv_file_gives_the_rows_its_records_give_as_short_files() {
    let records = csv_records(4_000);
    let whole = format!("{CSV_HEADER}\n{}\n", records.join("\n"));
    assert!(whole.len() > 3 * 64 * 1024);
    let short = tempfile::tempdir().unwrap();
    for (i, part) in records.chunks(400).enumerate() {
        let text = format!("{CSV_HEADER}\n{}\n", part.join("\n"));
        write(short.path(), &format!("p{i:02}.csv"), text.as_bytes());
    }
    let expected = seen(&run_default(short.path()));
    assert_eq!(expected.len(), 4_000);
    assert_eq!(
        expected[3_999].1.as_deref(),
        Some("Item 4000, with \"quotes\"\nand a second line.")
    );
    // Record 4,001 of the file: the header is record 1.
    expect_in_every_copy("feed.csv", &whole, &expected, 4_001);
}

#[test]
fn max_bytes_caps_each_record_of_a_long_csv_file() {
    let mut records = csv_records(3_000);
    // Over the 4 KiB limit: rejected, and the reading goes on.
    records[999] = format!("long,\"{}\",Wire", "word ".repeat(1_000));
    // Far over it: rejected, and the rest of the file is not read.
    records[2_499] = format!("huge,\"{}\",Wire", "word ".repeat(40_000));
    let text = format!("{CSV_HEADER}\n{}\n", records.join("\n"));
    let (rows, rejects) = rejects_under_4_kib("feed.csv", text.as_bytes());
    assert_eq!(rows.len(), 2_500);
    assert_eq!(rejects.len(), 2, "{rejects:#?}");
    let (long, huge) = (&rejects[0], &rejects[1]);
    let len = records[999].len() as u64;
    assert_eq!(
        (long.doc_id.as_str(), long.reason(), long.bytes),
        ("feed:1001", Some("too_large"), len)
    );
    // Each record before it takes two lines, after the header.
    assert_eq!(
        long.detail(),
        format!("Record 1001 (line 2000) is {len} bytes, over the limit of 4096 bytes.")
    );
    // The long record took one line.
    assert_eq!(
        (huge.doc_id.as_str(), huge.reason()),
        ("feed:2501", Some("too_large"))
    );
    assert!(
        huge.detail().starts_with("Record 2501 (line 4999) is over the limit of 4096 bytes; the rest of the file, from byte "),
        "{}",
        huge.detail()
    );
    assert_eq!(rows[2_498].doc_id, "c2499");
}

#[test]
fn invalid_utf8_late_in_a_long_csv_file_flags_only_its_record() {
    let mut records = csv_records(3_000);
    records[2_000] = records[2_000].replace("Item", "Item \u{1}");
    let mut bytes = format!("{CSV_HEADER}\n{}\n", records.join("\n")).into_bytes();
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes.splice(at..=at, [0xC3, 0x28]);
    let rows = rows_of_one("feed.csv", &bytes);
    let flagged = the_one_flagged_row(&rows, 3_000);
    assert_eq!(flagged.doc_id, "c2001");
    assert!(
        flagged
            .text
            .as_deref()
            .unwrap()
            .starts_with("Item \u{FFFD}( 2001,")
    );
}

#[test]
fn a_long_csv_file_cut_short_keeps_its_first_records() {
    let whole = format!("{CSV_HEADER}\n{}\n", csv_records(4_000).join("\n"));
    let full = zstd(whole.as_bytes());
    let rows = rows_of_one("cut.csv.zst", &full[..full.len() * 3 / 4]);
    let (last, read) = rows.split_last().unwrap();
    assert!(read.len() > 1_000, "{} rows", read.len());
    assert!(read.iter().all(|r| r.reason().is_none()));
    assert_eq!(read.last().unwrap().doc_id, format!("c{}", read.len()));
    assert_eq!(last.reason(), Some("corrupt_compression"));
    assert_eq!(last.doc_id, format!("cut:{}", read.len() + 2));
    assert!(
        last.detail()
            .contains("the compressed stream is corrupt or truncated"),
        "{}",
        last.detail()
    );
}
