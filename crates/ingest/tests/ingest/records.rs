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
