//! Golden output of the seeds and fixtures: the extracted fields of every
//! document, one `column: value` line each, rows in doc_id order. Rewrite
//! with `make golden` and review the diff line by line before committing.

use newsflow_e2e::*;

const COLUMNS: &[&str] = &[
    "doc_id",
    "source_path",
    "encoding",
    "title",
    "lede",
    "headings",
    "date_text",
    "published_year",
    "published_month",
    "published_day",
    "published_time",
    "date_precision",
    "dateline_place",
    "source",
    "author",
    "speaker",
    "language",
    "persons",
    "countries",
    "orgs",
    "places",
    "topics",
    "dup_cluster",
    "dup_kind",
    "noise_removed",
    "noise_rules",
    "flags",
];

#[test]
fn golden_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    newsflow_ok(&[
        "run",
        "seeds",
        "tests/fixtures/mixed",
        "-o",
        dir.to_str().unwrap(),
        "-q",
    ]);
    let mut text = String::new();
    for batch in read_parquet(&dir.join("documents.parquet")) {
        text.push_str(&newsflow_core::testing::render_rows(&batch, COLUMNS));
    }
    assert_golden("documents.txt", &text);
}
