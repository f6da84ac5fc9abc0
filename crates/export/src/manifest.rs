//! The run manifest (`manifest.json`) and the summary [`Exporter::finish`]
//! returns.
//!
//! [`Exporter::finish`]: crate::Exporter::finish

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `manifest.json` records about a run.
///
/// The CLI fills the run-level fields (program version, config, stage times,
/// threads); [`Exporter::finish`](crate::Exporter::finish) overwrites the
/// fields it knows better: `schema_version`, `inputs`, `documents`,
/// `rejects`, `rejects_by_reason` and `files`. The manifest is written with
/// every object's keys sorted, pretty-printed. It is the only output that
/// differs between two runs over the same input (wall times, thread count,
/// config); the data files are byte-identical.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Output contract version; set by the export to
    /// [`newsflow_core::SCHEMA_VERSION`], the version stored in every Parquet
    /// file, so the two cannot disagree.
    pub schema_version: String,
    /// Version of the program that ran (`newsflow --version`).
    pub program_version: String,
    /// The resolved config the run used, as JSON.
    pub config: serde_json::Value,
    /// Inputs seen: always `documents + rejects` (every input file or
    /// JSONL/CSV row is counted exactly once).
    pub inputs: u64,
    /// Rows written to `documents.parquet`.
    pub documents: u64,
    /// Rows written to `rejects.parquet`.
    pub rejects: u64,
    /// Rejects per reason code (`empty`, `binary`, ...).
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// Wall time per stage in milliseconds, filled by the CLI.
    pub stage_wall_ms: BTreeMap<String, u64>,
    /// Worker threads the run used.
    pub threads: usize,
    /// Names (relative to the output directory) of the data files this run
    /// wrote, in a fixed order; `manifest.json` itself is not listed.
    pub files: Vec<String>,
}

/// What [`Exporter::finish`](crate::Exporter::finish) wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Rows in `documents.parquet` (and `documents.csv`).
    pub documents: u64,
    /// Rows in `rejects.parquet` (and `rejects.csv`).
    pub rejects: u64,
    /// Rows in `mentions.parquet`.
    pub mentions: u64,
    /// Rows in `topic_evidence.parquet`.
    pub evidence: u64,
    /// Paths of every file written under its final name, `manifest.json`
    /// last.
    pub files: Vec<PathBuf>,
}
