//! Shared helpers for the end-to-end tests: find (and build) the `newsflow`
//! binary, run it, read its output files back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use arrow_array::RecordBatch;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path to the debug `newsflow` binary, built once per test run (cargo's
/// build lock is free while tests run, so this is safe and a no-op when the
/// binary is current).
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "newsflow-cli"])
            .current_dir(repo())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building newsflow-cli failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target"));
        target.join("debug").join("newsflow")
    })
}

/// Runs `newsflow` with `args` in the repository root.
pub fn newsflow(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .expect("newsflow starts")
}

/// Runs `newsflow`, asserting success, and returns its stdout.
pub fn newsflow_ok(args: &[&str]) -> Vec<u8> {
    let out = newsflow(args);
    assert!(
        out.status.success(),
        "newsflow {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes a generated corpus of `documents` files (`newsflow gen`, with
/// its near-duplicates, legacy encodings and broken files) into `dir`, and
/// returns `dir` as the string a command line takes.
pub fn generate_corpus(dir: &Path, documents: usize, seed: u64) -> String {
    let dir = dir.to_str().expect("UTF-8 temporary path");
    newsflow_ok(&[
        "gen",
        "-o",
        dir,
        "-n",
        &documents.to_string(),
        "--seed",
        &seed.to_string(),
        "-q",
    ]);
    dir.to_string()
}

/// Runs a shell pipeline (`sh -c`) with `NF` set to the binary's path.
pub fn shell(script: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("NF", bin())
        .current_dir(repo())
        .output()
        .expect("sh starts")
}

/// Every regular file in `dir` with its bytes, by file name.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("output dir exists") {
        let entry = entry.expect("dir entry");
        if entry.file_type().expect("file type").is_file() {
            out.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).expect("readable"),
            );
        }
    }
    out
}

/// The data files of a run: every file except `manifest.json`, which
/// records wall times and thread counts.
pub fn data_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = files(dir);
    all.remove("manifest.json");
    all
}

/// Asserts that two sets of [`data_files`] hold the same files with the
/// same bytes; `what` says how `got` was made, for the message.
pub fn assert_same_data(
    expected: &BTreeMap<String, Vec<u8>>,
    got: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "other files {what}"
    );
    for (name, bytes) in expected {
        assert!(bytes == &got[name], "{name} differs {what}");
    }
}

/// Reads a Parquet file into batches.
pub fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file")
        .build()
        .expect("reader")
        .map(|b| b.expect("batch"))
        .collect()
}

/// Key-value metadata of a Parquet file.
pub fn parquet_metadata(path: &Path) -> BTreeMap<String, String> {
    let file = std::fs::File::open(path).expect("file");
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file");
    builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

/// The manifest of a run.
pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Compares `actual` with the golden file `tests/golden/NAME`, or rewrites
/// the file when `NEWSFLOW_UPDATE_GOLDEN` is set.
pub fn assert_golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("NEWSFLOW_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}: run `make golden`", path.display()));
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(10)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "{} differs from the output ({} vs {} lines):\n{}\nrun `make golden` and review the diff if the change is intended",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}
