//! Throughput of the export stage on a fixed batch (`cargo bench -p
//! newsflow-export`): the sample batch of [`newsflow_export::testing`]
//! (two documents with mentions and topic evidence, one reject) repeated
//! to 300 rows, about an ingest batch (256 rows). `prepare` splits it into
//! the four tables and formats the CSV records, as the runner's workers
//! do; `write_and_finish` writes it into new Parquet and CSV files and
//! finishes them (footers, fsync, rename, manifest).

use arrow_array::RecordBatch;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use newsflow_export::testing::sample_tagged_batch;
use newsflow_export::{ExportConfig, Exporter, Manifest};

const REPEATS: usize = 100;

fn main() {
    divan::main();
}

fn batch() -> RecordBatch {
    let one = sample_tagged_batch();
    arrow_select::concat::concat_batches(&one.schema(), &vec![one.clone(); REPEATS])
        .expect("copies of one batch share its schema")
}

#[divan::bench]
fn prepare(bencher: Bencher) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let exporter = Exporter::create(out.path(), &ExportConfig::default()).expect("an exporter");
    let preparer = exporter.preparer();
    let batch = batch();
    bencher
        .counter(ItemsCount::new(batch.num_rows()))
        .bench(|| preparer.prepare(black_box(&batch)).expect("a valid batch"));
}

#[divan::bench(sample_count = 20)]
fn write_and_finish(bencher: Bencher) {
    let batch = batch();
    bencher
        .counter(ItemsCount::new(batch.num_rows()))
        .bench(|| {
            let out = tempfile::tempdir().expect("a temporary directory");
            let mut exporter =
                Exporter::create(out.path(), &ExportConfig::default()).expect("an exporter");
            exporter.write(black_box(&batch)).expect("a valid batch");
            let summary = exporter
                .finish(Manifest::default())
                .expect("files finished");
            assert_eq!(summary.documents, 2 * REPEATS as u64);
            summary
        });
}
