//! External stages: a program that speaks Arrow IPC on stdin/stdout can
//! replace a built-in stage; a crash, a hang, a wrong schema or a wrong row
//! count fails the run with a message naming the stage, and no file appears
//! under a final name.

use std::path::Path;

use newsflow_e2e::*;

/// Writes a config whose pipeline is normalize + an external stage `ext`.
fn config(dir: &Path, command: &[&str], replaces: &str, timeout: u64) -> String {
    let command: Vec<String> = command.iter().map(|c| format!("{c:?}")).collect();
    let text = format!(
        "[pipeline]\nstages = [\"normalize\", \"ext\"]\n\n[stage.ext]\ncommand = [{}]\nreplaces = \"{replaces}\"\ntimeout_secs = {timeout}\n",
        command.join(", ")
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn run_with(cfg: &str, out: &Path) -> std::process::Output {
    newsflow(&[
        "--config",
        cfg,
        "run",
        "seeds",
        "-o",
        out.to_str().unwrap(),
        "-q",
    ])
}

#[test]
fn external_program_replaces_the_tagger() {
    let tmp = tempfile::tempdir().unwrap();
    let builtin = tmp.path().join("builtin");
    let external = tmp.path().join("external");
    newsflow_ok(&["run", "seeds", "-o", builtin.to_str().unwrap(), "-q"]);
    let bin = bin().to_str().unwrap();
    let cfg = config(tmp.path(), &[bin, "stage", "tag"], "tag", 60);
    let out = run_with(&cfg, &external);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_data(
        &data_files(&builtin),
        &data_files(&external),
        "with the tagger run externally",
    );
}

/// Runs a failing external stage and returns its one-line error.
fn failing(command: &[&str], replaces: &str, timeout: u64) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let cfg = config(tmp.path(), command, replaces, timeout);
    let out = run_with(&cfg, &out_dir);
    assert_eq!(out.status.code(), Some(1), "the run should fail");
    let finals: Vec<String> = if out_dir.exists() {
        files(&out_dir).into_keys().collect()
    } else {
        Vec::new()
    };
    assert!(finals.is_empty(), "files left behind: {finals:?}");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(err.lines().count(), 1, "one line per error: {err}");
    assert!(err.contains("stage `ext`"), "{err}");
    err
}

#[test]
fn a_crashing_program_fails_the_run() {
    let err = failing(
        &[
            "sh",
            "-c",
            "cat > /dev/null; echo 'model file missing' >&2; exit 3",
        ],
        "tag",
        30,
    );
    assert!(err.contains("exit status: 3"), "{err}");
    assert!(err.contains("model file missing"), "{err}");
}

#[test]
fn a_hanging_program_is_killed() {
    let err = failing(&["sleep", "30"], "tag", 1);
    assert!(err.contains("timed out after 1 s"), "{err}");
}

#[test]
fn a_program_that_drops_columns_fails_the_run() {
    let err = failing(&["cat"], "tag", 30);
    assert!(err.contains("missing column `topics`"), "{err}");
}

#[test]
fn a_program_that_changes_the_row_count_fails_the_run() {
    let script = format!(
        "cat > /dev/null; exec '{}' ingest '{}'",
        bin().display(),
        repo().join("tests/fixtures/mixed").display()
    );
    let err = failing(&["sh", "-c", &script], "tag", 30);
    assert!(err.contains("rows for a batch of 5"), "{err}");
}

#[test]
fn an_unknown_stage_is_named() {
    let out = newsflow(&[
        "run",
        "seeds",
        "-o",
        "/nonexistent/x",
        "--stages",
        "normalize,nope",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown stage `nope`"), "{err}");
}
