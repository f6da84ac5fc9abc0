//! Stage subcommands joined by pipes give the same files as `newsflow run`.

use newsflow_e2e::*;

#[test]
fn pipe_of_subcommands_equals_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let pipe_dir = tmp.path().join("pipe");
    newsflow_ok(&["run", "seeds", "-o", run_dir.to_str().unwrap(), "--quiet"]);
    let out = shell(&format!(
        "set -e; \"$NF\" ingest seeds | \"$NF\" normalize | \"$NF\" tag | \"$NF\" export -q -o '{}'",
        pipe_dir.display()
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_data(
        &data_files(&run_dir),
        &data_files(&pipe_dir),
        "between run and pipe",
    );
}

#[test]
fn intermediate_files_work_like_pipes() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw.arrows");
    let norm = tmp.path().join("norm.arrows");
    let tagged = tmp.path().join("tagged.arrows");
    let dir = tmp.path().join("out");
    newsflow_ok(&["ingest", "seeds", "-o", raw.to_str().unwrap()]);
    newsflow_ok(&[
        "normalize",
        "-i",
        raw.to_str().unwrap(),
        "-o",
        norm.to_str().unwrap(),
    ]);
    newsflow_ok(&[
        "tag",
        "-i",
        norm.to_str().unwrap(),
        "-o",
        tagged.to_str().unwrap(),
    ]);
    newsflow_ok(&[
        "export",
        "-q",
        "-i",
        tagged.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(manifest(&dir)["documents"], 5);
}

#[test]
fn a_fifo_given_as_output_stays_a_fifo() {
    // The stream used to go to a temporary file renamed over the path, so
    // `-o /dev/null` replaced the device with a regular file. A FIFO shows
    // the same without touching /dev.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("raw.arrows");
    newsflow_ok(&["ingest", "seeds", "-o", file.to_str().unwrap()]);
    let out = shell(&format!(
        "set -e; cd '{}'; mkfifo fifo; timeout 60 cat fifo > copy & \
         \"$NF\" ingest '{}' -o fifo; wait; test -p fifo",
        tmp.path().display(),
        repo().join("seeds").display()
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = std::fs::read(tmp.path().join("copy")).unwrap();
    assert!(
        copy == std::fs::read(&file).unwrap(),
        "the FIFO got another stream"
    );
}

#[test]
fn empty_stdin_is_a_clear_error() {
    let out = shell("printf '' | \"$NF\" tag");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the input stream is empty"), "{err}");
}
