//! Every input is accounted for: a document row or a reject row.

use std::collections::BTreeMap;

use newsflow_e2e::*;

#[test]
fn mixed_fixtures_are_all_accounted_for() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    newsflow_ok(&[
        "run",
        "tests/fixtures/mixed",
        "-o",
        dir.to_str().unwrap(),
        "-q",
    ]);
    let m = manifest(&dir);
    // feed.jsonl: 2 good lines and 1 malformed; empty.txt; ru_cp1251.txt;
    // repost.txt.gz.
    assert_eq!(m["inputs"], 6);
    assert_eq!(m["documents"], 4);
    assert_eq!(m["rejects"], 2);
    let by_reason: BTreeMap<String, u64> =
        serde_json::from_value(m["rejects_by_reason"].clone()).unwrap();
    assert_eq!(
        by_reason,
        BTreeMap::from([("bad_jsonl_line".into(), 1), ("empty".into(), 1)])
    );

    let rejects = read_parquet(&dir.join("rejects.parquet"));
    let text = newsflow_core::testing::render_rows(&rejects[0], &["source_path", "reason"]);
    assert!(
        text.contains("source_path: \"feed.jsonl:2\"\nreason: \"bad_jsonl_line\""),
        "{text}"
    );
    assert!(
        text.contains("source_path: \"empty.txt\"\nreason: \"empty\""),
        "{text}"
    );
}

#[test]
fn broken_files_in_a_tree_never_stop_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::write(input.join("binary.txt"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(input.join("blank.txt"), b"  \n\t\n").unwrap();
    std::fs::write(
        input.join("sub/ok.txt"),
        "MOSCOW, May 5. /TASS/. Talks went on.",
    )
    .unwrap();
    std::fs::write(input.join("sub/bad.jsonl.gz"), b"\x1f\x8b\x08\x00truncated").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(input.join("missing.txt"), input.join("dangling.txt")).unwrap();
    let dir = tmp.path().join("out");
    newsflow_ok(&[
        "run",
        input.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "-q",
    ]);
    let m = manifest(&dir);
    assert_eq!(m["documents"], 1);
    assert_eq!(
        m["inputs"],
        m["documents"].as_u64().unwrap() + m["rejects"].as_u64().unwrap()
    );
    let by_reason: BTreeMap<String, u64> =
        serde_json::from_value(m["rejects_by_reason"].clone()).unwrap();
    assert_eq!(by_reason.get("binary"), Some(&1));
    assert_eq!(by_reason.get("empty"), Some(&1));
    assert_eq!(by_reason.get("corrupt_compression"), Some(&1));
    assert_eq!(by_reason.get("unreadable"), Some(&1));
}
