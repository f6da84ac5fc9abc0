//! Throughput of the ingest stage on fixed files (`cargo bench -p
//! newsflow-ingest`): the five shipped sample articles written 40 times
//! each into a temporary directory, every fourth copy in windows-1252 (its
//! curly quotes and no-break spaces are not UTF-8, so encoding detection
//! and decoding are part of the work); then planned, read, decoded,
//! checked and batched.

use std::path::PathBuf;

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use newsflow_ingest::{Ingest, IngestConfig};

const SAMPLES: [&str; 5] = [
    include_str!("../../../seeds/000_d7c65799752ff593.txt"),
    include_str!("../../../seeds/001_2b86f9abb84ce2ea.txt"),
    include_str!("../../../seeds/002_e0bde5382a3b2445.txt"),
    include_str!("../../../seeds/003_06e7c88c02df72b6.txt"),
    include_str!("../../../seeds/004_5f7a1ccc220438bb.txt"),
];
const COPIES: usize = 40;

fn main() {
    divan::main();
}

/// Writes the corpus; returns its directory and its size in bytes.
fn corpus() -> (tempfile::TempDir, usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut bytes = 0;
    for copy in 0..COPIES {
        for (i, text) in SAMPLES.iter().enumerate() {
            let data = if copy % 4 == 3 {
                encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
            } else {
                text.as_bytes().to_vec()
            };
            bytes += data.len();
            let path = dir.path().join(format!("{copy:03}_{i}.txt"));
            std::fs::write(path, data).expect("a sample file written");
        }
    }
    (dir, bytes)
}

#[divan::bench(sample_count = 30)]
fn plan_read_and_batch(bencher: Bencher) {
    let (dir, bytes) = corpus();
    let roots = [PathBuf::from(dir.path())];
    let ingest = Ingest::new(IngestConfig::default()).expect("the default config is valid");
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        let files = ingest
            .plan(black_box(&roots))
            .expect("the corpus is planned");
        let rows: usize = ingest
            .batches(files)
            .map(|b| b.expect("a batch").num_rows())
            .sum();
        assert_eq!(rows, COPIES * SAMPLES.len());
        rows
    });
}
