//! Scale check of the boilerplate pass: feeds `N` synthetic documents
//! straight into a [`SpillingLineStats`] (or, with `memory`, into one
//! in-memory [`LineStats`]) in batches of 1,000, learns the boilerplate
//! and prints the time of each phase and the peak RSS of the process.
//!
//! ```sh
//! cargo run --release -p newsflow-normalize --example line_stats_scale -- 200000
//! cargo run --release -p newsflow-normalize --example line_stats_scale -- 2000000
//! cargo run --release -p newsflow-normalize --example line_stats_scale -- 200000 memory
//! ```
//!
//! Documents come from 20 source folders; each has a headline and two
//! sentences of its own (unique lines) and two footer lines of its source
//! (boilerplate: 40 lines are learned). Spill files go to the system's
//! temporary directory (`TMPDIR`).

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use newsflow_core::schema::col;
use newsflow_normalize::NormalizeConfig;
use newsflow_normalize::boilerplate::{LineStats, SPILL_BUDGET, SpillingLineStats};

mod scale_common;
use scale_common::{mix, peak_rss_mib};

const BATCH: u64 = 1_000;
const SOURCES: u64 = 20;

fn text(i: u64) -> String {
    let source = i % SOURCES;
    let words = |salt: u64, n: u64| -> String {
        (0..n)
            .map(|w| format!("w{}", mix(i * 1_000 + salt * 100 + w) % 50_000))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "Headline {}\n\n{}.\n\n{}.\n\nSource {source} news service, all rights reserved\nFollow source {source} for more",
        words(0, 6),
        words(1, 20),
        words(2, 20),
    )
}

fn batch(start: u64, end: u64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new(col::DOC_ID, DataType::Utf8, false),
        Field::new(col::SOURCE_PATH, DataType::Utf8, false),
        Field::new(col::TEXT, DataType::Utf8, false),
    ]));
    let ids: StringArray = (start..end).map(|i| Some(format!("doc{i:08}"))).collect();
    let paths: StringArray = (start..end)
        .map(|i| Some(format!("src{}/doc{i:08}.txt", i % SOURCES)))
        .collect();
    let texts: StringArray = (start..end).map(|i| Some(text(i))).collect();
    RecordBatch::try_new(
        schema,
        vec![Arc::new(ids), Arc::new(paths), Arc::new(texts)],
    )
    .expect("batch")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().as_deref().unwrap_or("200000").parse()?;
    let in_memory = args.next().as_deref() == Some("memory");
    let cfg = NormalizeConfig::default();
    let mut spilling = SpillingLineStats::new(&std::env::temp_dir(), SPILL_BUDGET);
    let mut whole = LineStats::new();
    let started = Instant::now();
    for start in (0..n).step_by(BATCH as usize) {
        let mut part = LineStats::new();
        part.observe(&batch(start, (start + BATCH).min(n)))?;
        if in_memory {
            whole.merge(part);
        } else {
            spilling.add(part)?;
        }
    }
    let counted = started.elapsed();
    let counted_rss = peak_rss_mib();
    let runs = spilling.spilled_runs();
    let started = Instant::now();
    let boilerplate = if in_memory {
        whole.finish(&cfg)
    } else {
        spilling.finish(&cfg)?
    };
    println!(
        "{n} documents ({}): counted in {:.1} s, {runs} runs spilled, peak RSS {counted_rss}; learned {} lines in {:.1} s; peak RSS {}",
        if in_memory { "in memory" } else { "spilling" },
        counted.as_secs_f64(),
        boilerplate.len(),
        started.elapsed().as_secs_f64(),
        peak_rss_mib(),
    );
    Ok(())
}
