//! `newsflow run` on the five samples writes every file of the contract.

use newsflow_core::schema;
use newsflow_e2e::*;

#[test]
fn run_on_seeds_writes_every_contract_file() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("out");
    newsflow_ok(&["run", "seeds", "-o", dir.to_str().unwrap(), "--quiet"]);
    let names: Vec<String> = files(&dir).into_keys().collect();
    assert_eq!(
        names,
        [
            "documents.csv",
            "documents.parquet",
            "manifest.json",
            "mentions.parquet",
            "rejects.csv",
            "rejects.parquet",
            "topic_evidence.parquet",
        ]
    );

    let docs = read_parquet(&dir.join("documents.parquet"));
    let rows: usize = docs.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 5);
    assert_eq!(docs[0].schema(), schema::documents_schema());
    for name in [
        "documents.parquet",
        "rejects.parquet",
        "mentions.parquet",
        "topic_evidence.parquet",
    ] {
        let meta = parquet_metadata(&dir.join(name));
        assert_eq!(
            meta.get(schema::SCHEMA_VERSION_KEY).map(String::as_str),
            Some(schema::SCHEMA_VERSION),
            "{name} lacks the schema version"
        );
    }

    let manifest = manifest(&dir);
    assert_eq!(manifest["inputs"], 5);
    assert_eq!(manifest["documents"], 5);
    assert_eq!(manifest["rejects"], 0);
    assert_eq!(manifest["schema_version"], schema::SCHEMA_VERSION);
}

#[test]
fn same_bytes_whatever_the_thread_count_or_spill() {
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    // The last run passes its batches between the passes through a spill
    // file instead of the checkpoints.
    let runs_args: [&[&str]; 5] = [
        &["--threads", "1"],
        &["--threads", "2"],
        &["--threads", "2"],
        &["--threads", "4"],
        &["--threads", "2", "--no-checkpoints"],
    ];
    for (i, extra) in runs_args.iter().enumerate() {
        let dir = tmp.path().join(format!("out{i}"));
        let mut args = vec![
            "run",
            "seeds",
            "tests/fixtures/mixed",
            "-o",
            dir.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        newsflow_ok(&args);
        runs.push(data_files(&dir));
    }
    for run in &runs[1..] {
        assert_same_data(&runs[0], run, "between runs");
    }
}

#[test]
fn manifest_records_the_effective_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    newsflow_ok(&[
        "run",
        "seeds",
        "-o",
        dir.to_str().unwrap(),
        "-q",
        "--exclude",
        "drafts/**",
    ]);
    let config = &manifest(&dir)["config"];
    assert_eq!(
        config["pipeline"]["stages"],
        serde_json::json!(["normalize", "tag"])
    );
    // Defaults are recorded, and so are settings from the command line.
    assert_eq!(config["normalize"]["near_dup_threshold"], 0.8);
    assert_eq!(config["tag"]["threshold"], 2.0);
    assert_eq!(
        config["ingest"]["exclude"],
        serde_json::json!(["drafts/**"])
    );
}
