//! The one-screen summary printed at the end of a run.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use arrow_array::RecordBatch;
use newsflow_core::{batch, col};

/// Counts gathered from the batches on their way to the export.
#[derive(Debug, Default)]
pub struct Tally {
    rejects: BTreeMap<String, u64>,
    dup_kinds: BTreeMap<String, u64>,
    topics: BTreeMap<String, u64>,
    languages: BTreeMap<String, u64>,
}

impl Tally {
    /// Adds one tagged batch.
    pub fn observe(&mut self, b: &RecordBatch) {
        let count = |map: &mut BTreeMap<String, u64>, column: &str| {
            if let Ok(values) = batch::str_column("summary", b, column) {
                for row in 0..values.len() {
                    if let Some(v) = values.get(row) {
                        *map.entry(v.to_string()).or_default() += 1;
                    }
                }
            }
        };
        count(&mut self.rejects, col::REJECT_REASON);
        count(&mut self.dup_kinds, col::DUP_KIND);
        count(&mut self.languages, col::LANGUAGE);
        if let Ok(rows) = batch::str_list_column("summary", b, col::TOPICS) {
            for topic in rows.into_iter().flatten() {
                *self.topics.entry(topic).or_default() += 1;
            }
        }
    }

    /// Renders the summary.
    pub fn render(&self, documents: u64, out: &Path, wall: Duration, threads: usize) -> String {
        let rejects: u64 = self.rejects.values().sum();
        let mut s = String::new();
        let _ = writeln!(
            s,
            "newsflow run finished in {:.2} s on {threads} threads",
            wall.as_secs_f64()
        );
        let _ = writeln!(s, "  inputs     {}", documents + rejects);
        let _ = writeln!(
            s,
            "  documents  {documents}  ({})",
            join(&self.languages, "languages")
        );
        let _ = writeln!(
            s,
            "  rejects    {rejects}{}",
            if rejects > 0 {
                format!("  ({})", join(&self.rejects, ""))
            } else {
                String::new()
            }
        );
        let dups = self.dup_kinds.get("exact").copied().unwrap_or(0)
            + self.dup_kinds.get("near").copied().unwrap_or(0);
        let _ = writeln!(
            s,
            "  duplicates {dups}  (exact {}, near {})",
            self.dup_kinds.get("exact").copied().unwrap_or(0),
            self.dup_kinds.get("near").copied().unwrap_or(0)
        );
        let mut top: Vec<_> = self.topics.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(5)
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let _ = writeln!(
            s,
            "  top topics {}",
            if top.is_empty() {
                "-".into()
            } else {
                top.join(", ")
            }
        );
        let _ = writeln!(s, "  output     {}", out.display());
        s
    }
}

fn join(map: &BTreeMap<String, u64>, what: &str) -> String {
    if map.is_empty() {
        return format!("no {what}");
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
