//! `run --shard I/N` on every shard, then `merge`, equals one run byte for
//! byte, duplicates across shards included.

use newsflow_e2e::*;

fn duplicates(dir: &std::path::Path) -> usize {
    read_parquet(&dir.join("documents.parquet"))
        .iter()
        .map(|b| {
            let kinds = newsflow_core::batch::str_column("test", b, "dup_kind").unwrap();
            (0..kinds.len())
                .filter(|&i| kinds.get(i) != Some("unique"))
                .count()
        })
        .sum()
}

#[test]
fn four_shards_merged_equal_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = generate_corpus(&tmp.path().join("in"), 200, 9);
    let input = input.as_str();
    let single = tmp.path().join("single");
    newsflow_ok(&["run", input, "-o", single.to_str().unwrap(), "-q"]);

    let mut shard_dirs = Vec::new();
    for i in 1..=4 {
        let dir = tmp.path().join(format!("shard{i}"));
        let shard = format!("{i}/4");
        newsflow_ok(&[
            "run",
            input,
            "--shard",
            &shard,
            "-o",
            dir.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(manifest(&dir)["config"]["shard"], shard.as_str());
        shard_dirs.push(dir);
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge", "-q", "-o", merged.to_str().unwrap()];
    // Given in any order: the merge sorts shards by the I/N they recorded.
    args.extend(shard_dirs.iter().rev().map(|d| d.to_str().unwrap()));
    newsflow_ok(&args);

    assert_same_data(
        &data_files(&single),
        &data_files(&merged),
        "between one run and the merged shards",
    );
    // Some duplicates span shards: the shards alone see fewer of them.
    let within: usize = shard_dirs.iter().map(|d| duplicates(d)).sum();
    assert!(
        within < duplicates(&merged),
        "no duplicate crossed a shard boundary"
    );
    assert_eq!(manifest(&merged)["inputs"], manifest(&single)["inputs"]);
}

#[test]
fn merge_needs_every_shard_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s1");
    newsflow_ok(&[
        "run",
        "seeds",
        "--shard",
        "1/2",
        "-o",
        dir.to_str().unwrap(),
        "-q",
    ]);
    let out = newsflow(&[
        "merge",
        dir.to_str().unwrap(),
        "-o",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shards 1/1 to 1/1 are needed"), "{err}");
}

#[test]
fn merge_refuses_an_unfinished_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = newsflow(&[
        "merge",
        empty.to_str().unwrap(),
        "-o",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not the output of a finished run"), "{err}");
}
