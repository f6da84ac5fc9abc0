//! `newsflow train` fits a model from labelled documents, and `run
//! --tagger linear:MODEL` / `combined:MODEL` use it.

use newsflow_e2e::*;

/// Labels from the seeds and their gold topics.
fn labels(dir: &std::path::Path) -> std::path::PathBuf {
    let gold = std::fs::read_to_string(repo().join("tests/expected/seeds-gold.jsonl")).unwrap();
    let mut out = String::new();
    for line in gold.lines() {
        let g: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = std::fs::read_to_string(repo().join("seeds").join(g["file"].as_str().unwrap()))
            .unwrap();
        let row = serde_json::json!({"text": text, "topics": g["topics_required"]});
        out.push_str(&format!("{row}\n"));
    }
    let path = dir.join("labels.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn trained_model_tags_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.bin");
    newsflow_ok(&[
        "train",
        "-q",
        "--labels",
        labels(tmp.path()).to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    for tagger in ["linear", "combined"] {
        let out = tmp.path().join(tagger);
        let spec = format!("{tagger}:{}", model.display());
        newsflow_ok(&[
            "run",
            "seeds",
            "-o",
            out.to_str().unwrap(),
            "--tagger",
            &spec,
            "-q",
        ]);
        let docs = read_parquet(&out.join("documents.parquet"));
        let topics = newsflow_core::batch::str_list_column("t", &docs[0], "topics").unwrap();
        // Every seed discusses bilateral talks, and the model was taught so.
        for (row, t) in topics.iter().enumerate() {
            assert!(
                t.iter().any(|x| x == "bilateral_dialogue"),
                "{tagger}, row {row}: {t:?}"
            );
        }
    }
}

#[test]
fn a_missing_model_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = newsflow(&[
        "run",
        "seeds",
        "-o",
        tmp.path().to_str().unwrap(),
        "--tagger",
        "linear:/nonexistent/model.bin",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/model.bin"), "{err}");
}
