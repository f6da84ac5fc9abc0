//! Crash safety: a run killed with SIGKILL at any point leaves no partial
//! file under a final name, and running it again gives byte-identical
//! output to an uninterrupted run, reusing the checkpointed work.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use newsflow_e2e::*;

const FINAL_NAMES: &[&str] = &[
    "documents.parquet",
    "documents.csv",
    "rejects.parquet",
    "rejects.csv",
    "mentions.parquet",
    "topic_evidence.parquet",
    "manifest.json",
];

fn run_args<'a>(cfg: &'a str, input: &'a str, out: &'a str) -> Vec<&'a str> {
    vec!["--config", cfg, "run", input, "-o", out, "--threads", "2"]
}

/// Files under final names: none, or (when the run had finished) all.
fn assert_no_partial_files(out: &Path) {
    let present: Vec<&str> = FINAL_NAMES
        .iter()
        .copied()
        .filter(|n| out.join(n).exists())
        .collect();
    assert!(
        present.is_empty() || present.len() == FINAL_NAMES.len(),
        "a killed run left {present:?}"
    );
}

#[test]
fn killed_runs_resume_to_identical_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = generate_corpus(&tmp.path().join("in"), 120, 5);
    let input = input.as_str();
    // Small batches, so a kill lands between checkpoints.
    let cfg = tmp.path().join("small-batches.toml");
    std::fs::write(&cfg, "[ingest]\nbatch_size = 8\n").unwrap();
    let cfg = cfg.to_str().unwrap();

    let reference = tmp.path().join("reference");
    let clock = std::time::Instant::now();
    newsflow_ok(
        &[
            &run_args(cfg, input, reference.to_str().unwrap())[..],
            &["-q"],
        ]
        .concat(),
    );
    let full = clock.elapsed();
    let expected = data_files(&reference);
    assert!(!reference.join(".newsflow-checkpoints").exists());

    let mut resumed_any = false;
    // Kill points: as soon as the first checkpoint exists (normalization
    // under way), then spread over a whole run: start-up, the boilerplate
    // pass, normalization, tagging and export.
    let kill_points = [None, Some(0.2f64), Some(0.45), Some(0.7), Some(0.9)];
    for (i, share) in kill_points.into_iter().enumerate() {
        let out = tmp.path().join(format!("killed{i}"));
        let out_str = out.to_str().unwrap();
        let mut child = Command::new(bin())
            .args(run_args(cfg, input, out_str))
            .arg("-q")
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let checkpoints = out.join(".newsflow-checkpoints");
        let killed_mid_normalize = match share {
            Some(share) => {
                std::thread::sleep(full.mul_f64(share));
                false
            }
            None => loop {
                let written = std::fs::read_dir(&checkpoints)
                    .map(|d| {
                        d.filter_map(Result::ok)
                            .any(|e| e.file_name().to_string_lossy().ends_with(".arrows"))
                    })
                    .unwrap_or(false);
                if written || child.try_wait().unwrap().is_some() {
                    break written;
                }
                std::thread::sleep(Duration::from_millis(5));
            },
        };
        let after_ms = share.map_or(0.0, |s| full.as_secs_f64() * s * 1000.0) as u64;
        child.kill().unwrap(); // SIGKILL
        let finished_first = child.wait().unwrap().success();
        assert_no_partial_files(&out);

        let had_checkpoints = out.join(".newsflow-checkpoints").is_dir();
        let mut args = run_args(cfg, input, out_str);
        if had_checkpoints {
            args.push("--resume");
        }
        let rerun = newsflow(&args);
        assert!(
            rerun.status.success(),
            "{}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        let stderr = String::from_utf8_lossy(&rerun.stderr);
        let resumed = stderr.contains("batches read back from checkpoints");
        if killed_mid_normalize && !finished_first {
            assert!(
                resumed,
                "a kill during normalization did not resume: {stderr}"
            );
        }
        resumed_any |= resumed;

        assert_same_data(
            &expected,
            &data_files(&out),
            &format!("after a kill at {after_ms} ms"),
        );
        assert!(
            !out.join(".newsflow-checkpoints").exists(),
            "checkpoints left behind"
        );
        let leftovers: Vec<String> = files(&out)
            .into_keys()
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
    assert!(resumed_any, "no kill point left checkpoints to resume from");
}

#[test]
fn resume_without_checkpoints_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = newsflow(&[
        "run",
        "seeds",
        "-o",
        tmp.path().to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing to resume"), "{err}");
}

#[test]
fn compressed_checkpoints_and_spill_give_the_same_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = generate_corpus(&tmp.path().join("in"), 30, 11);
    let input = input.as_str();
    let cfg = tmp.path().join("compressed.toml");
    std::fs::write(
        &cfg,
        "[pipeline]\ncompress_checkpoints = true\n[ingest]\nbatch_size = 8\n",
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let plain = tmp.path().join("plain");
    newsflow_ok(&[
        "run",
        input,
        "-o",
        plain.to_str().unwrap(),
        "-q",
        "--threads",
        "2",
    ]);
    let expected = data_files(&plain);
    // With checkpoints, and with the spill file that replaces them.
    for (name, extra) in [("checkpoints", None), ("spill", Some("--no-checkpoints"))] {
        let out = tmp.path().join(name);
        let mut args = run_args(cfg, input, out.to_str().unwrap());
        args.push("-q");
        args.extend(extra);
        newsflow_ok(&args);
        assert_same_data(
            &expected,
            &data_files(&out),
            &format!("with compressed {name}"),
        );
    }
}
