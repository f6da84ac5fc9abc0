//! Scale check of the corpus-level duplicate pass: feeds `N` synthetic
//! documents straight into a [`SpillingDeduper`] (or, with `memory`, into
//! one in-memory [`Deduper`]) in batches of 1,000, builds the clusters and
//! prints the time of each phase and the peak RSS of the process.
//!
//! ```sh
//! cargo run --release -p newsflow-normalize --example dedup_scale -- 200000
//! cargo run --release -p newsflow-normalize --example dedup_scale -- 2000000
//! cargo run --release -p newsflow-normalize --example dedup_scale -- 200000 memory
//! ```
//!
//! Bodies are 40 words drawn from a 50,000-word vocabulary; one document
//! in 20 is an exact copy of an earlier one and one in 25 a near copy (its
//! last word changed). Spill files go to the system's temporary directory
//! (`TMPDIR`).

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use newsflow_core::schema::col;
use newsflow_normalize::NormalizeConfig;
use newsflow_normalize::dedup::{Deduper, SPILL_BUDGET, SpillingDeduper};

mod scale_common;
use scale_common::{mix, peak_rss_mib};

const BATCH: usize = 1_000;
const WORDS: usize = 40;

/// Body of document `i`: its own words, or a copy of an earlier one's.
fn body(i: u64) -> String {
    let (source, near) = match i % 100 {
        r if r % 20 == 7 && i > 1_000 => (i - 1 - mix(i) % 1_000, false),
        r if r % 25 == 3 && i > 1_000 => (i - 1 - mix(i) % 1_000, true),
        _ => (i, false),
    };
    let mut words: Vec<String> = (0..WORDS as u64)
        .map(|w| format!("w{}", mix(source * 64 + w) % 50_000))
        .collect();
    if near {
        words[WORDS - 1] = format!("edit{i}");
    }
    words.join(" ")
}

fn batch(start: u64, end: u64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new(col::DOC_ID, DataType::Utf8, false),
        Field::new(col::BODY, DataType::Utf8, false),
    ]));
    let ids: StringArray = (start..end)
        .map(|i| Some(format!("{:016x}", mix(i))))
        .collect();
    let bodies: StringArray = (start..end).map(|i| Some(body(i))).collect();
    RecordBatch::try_new(schema, vec![Arc::new(ids), Arc::new(bodies)]).expect("batch")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().as_deref().unwrap_or("200000").parse()?;
    let in_memory = args.next().as_deref() == Some("memory");
    let cfg = NormalizeConfig::default();
    let dir = std::env::temp_dir();
    let mut spilling = SpillingDeduper::new(&cfg, &dir, SPILL_BUDGET);
    let mut whole = Deduper::new(&cfg);
    let started = Instant::now();
    for start in (0..n).step_by(BATCH) {
        let mut part = Deduper::new(&cfg);
        part.observe(&batch(start, (start + BATCH as u64).min(n)))?;
        if in_memory {
            whole.merge(part);
        } else {
            spilling.add(part)?;
        }
    }
    let signed = started.elapsed();
    let signed_rss = peak_rss_mib();
    let runs = spilling.spilled_runs();
    let started = Instant::now();
    let clusters = if in_memory {
        whole.finish()
    } else {
        spilling.finish()?
    };
    let finished = started.elapsed();
    println!(
        "{n} documents ({}): signed in {:.1} s, {runs} runs spilled, peak RSS {signed_rss}; clusters in {:.1} s, {} duplicates; peak RSS {}",
        if in_memory { "in memory" } else { "spilling" },
        signed.as_secs_f64(),
        finished.as_secs_f64(),
        clusters.duplicates(),
        peak_rss_mib(),
    );
    Ok(())
}
