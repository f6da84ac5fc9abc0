//! The last stage of newsflow: writes the tagged stream as a typed dataset.
//!
//! An [`Exporter`] consumes record batches of the tagged stream schema
//! ([`newsflow_core::schema::tagged_schema`]) and writes, into one output
//! directory:
//!
//! | file | rows | columns |
//! |---|---|---|
//! | `documents.parquet` | one per document | [`documents_schema`](newsflow_core::schema::documents_schema), in that order, with its nullability |
//! | `documents.csv` | the same rows | the same columns, formatted as described below |
//! | `rejects.parquet` / `rejects.csv` | one per input that did not become a document | [`rejects_schema`](newsflow_core::schema::rejects_schema): `source_path`, `reason`, `detail`, `bytes` |
//! | `mentions.parquet` | one per entity mention | [`mentions_schema`](newsflow_core::schema::mentions_schema): `doc_id` + the mention's fields |
//! | `topic_evidence.parquet` | one per topic hit | [`topic_evidence_schema`](newsflow_core::schema::topic_evidence_schema): `doc_id` + the hit's fields |
//! | `manifest.json` | | the [`Manifest`] |
//!
//! A row whose `reject_reason` is set becomes a reject (`reason` from
//! `reject_reason`, `detail` from `reject_detail`, empty when null, `bytes`,
//! 0 when null); every other row is a document, and its nested `mentions` and
//! `topic_evidence` lists are flattened, each item with the document's id.
//! Rows keep the order in which they were written. The CSV files are
//! optional ([`ExportConfig::csv`]).
//!
//! # Guarantees
//!
//! - **Atomic.** Every file is written under a temporary name inside the
//!   output directory (`.documents.parquet.tmp-<pid>-<n>`), fsynced, and
//!   renamed into place only by [`Exporter::finish`]; `manifest.json` is
//!   removed before the first rename and written last, so a present manifest
//!   means a complete, consistent set. Dropping an exporter without
//!   finishing it (after an error, or in a panic that unwinds) removes its
//!   temporary files. A killed process can leave hidden `.*.tmp-<pid>-<n>`
//!   files behind, but never a half-written file under a final name. The
//!   pages of a Parquet row group being written wait in an unnamed
//!   temporary file in the same directory, which disappears with the
//!   process.
//! - **Deterministic.** The Parquet and CSV files depend only on the rows
//!   and the config: not on how the rows were split into batches (the
//!   Parquet writer is handed the same slices of rows however they were
//!   batched), not on the thread count, not on time. Parquet
//!   `created_by` is the fixed [`CREATED_BY`]
//!   and the only key-value metadata is
//!   [`SCHEMA_VERSION_KEY`](newsflow_core::SCHEMA_VERSION_KEY) =
//!   [`SCHEMA_VERSION`](newsflow_core::SCHEMA_VERSION), besides
//!   `ARROW:schema`, the embedded Arrow schema readers use to restore the
//!   exact types (it carries the same version in its own metadata, where
//!   pyarrow's `read_schema(path).metadata` looks). Only `manifest.json`
//!   differs between runs (wall times, threads).
//! - **Checked.** [`Exporter::write`] checks that every column it reads is
//!   present with the contract's type (extra columns are ignored) and that
//!   no document row holds a null in a column the output declares non-null;
//!   the error names the column and the document. A batch that fails a check
//!   writes nothing.
//!
//! # CSV
//!
//! RFC 4180 via the `csv` crate: UTF-8 without BOM, a header row, CRLF line
//! ends, fields quoted only when needed (so `body`'s blank lines survive);
//! `pandas.read_csv(path)` loads it with its defaults. Cells:
//!
//! - null (and an empty list): empty cell;
//! - booleans `true` / `false`; integers in decimal;
//! - floats rounded to at most 3 decimals, trailing zeros dropped (`0.99`,
//!   `1`, `0.125`), `NaN` / `inf` / `-inf` when not finite;
//! - lists: items joined with [`LIST_SEPARATOR`] (`; `), null items skipped;
//! - structs: fields joined with [`STRUCT_SEPARATOR`] (`:`); `topic_scores`
//!   shows `topic:score` pairs (`diplomacy:0.875; defence:0.25`), other
//!   struct lists (`provenance`) all their fields (`title:first_line`);
//! - with [`ExportConfig::csv_neutralize_formulas`] (the default) a text,
//!   list or struct cell starting with `=`, `+`, `-`, `@`, a tab or a
//!   carriage return gets a leading `'` so spreadsheets do not run it as a
//!   formula. Numbers are never changed; the Parquet files hold raw values.
//!
//! # Example
//!
//! ```
//! use newsflow_export::{ExportConfig, Exporter, Manifest};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let out = tempfile::tempdir()?;
//! let mut exporter = Exporter::create(out.path(), &ExportConfig::default())?;
//!
//! // Two documents and one reject, in the tagged stream schema.
//! let batch = newsflow_export::testing::sample_tagged_batch();
//! exporter.write(&batch)?;
//!
//! let manifest = Manifest {
//!     program_version: "0.1.0".into(),
//!     threads: 4,
//!     ..Manifest::default()
//! };
//! let summary = exporter.finish(manifest)?;
//! assert_eq!((summary.documents, summary.rejects), (2, 1));
//! assert_eq!((summary.mentions, summary.evidence), (3, 3));
//!
//! // documents.csv: header row, lists joined with "; ", formulas neutralized.
//! let csv = std::fs::read_to_string(out.path().join("documents.csv"))?;
//! assert!(csv.starts_with("doc_id,source_path,content_hash,encoding,"));
//! assert!(csv.contains("'=Lavrov, Kono hold talks"));
//! assert!(csv.contains(",Sergey Lavrov; Taro Kono,"));
//!
//! // The manifest counts what was written.
//! let manifest: Manifest =
//!     serde_json::from_str(&std::fs::read_to_string(out.path().join("manifest.json"))?)?;
//! assert_eq!(manifest.inputs, 3);
//! assert_eq!(manifest.rejects_by_reason["binary"], 1);
//! assert_eq!(manifest.schema_version, newsflow_core::SCHEMA_VERSION);
//! # Ok(())
//! # }
//! ```
//!
//! # Preparing batches on other threads
//!
//! [`Exporter::write`] checks a batch, splits it into the four tables,
//! formats its CSV records and writes them. The first three steps need no
//! file: a [`Preparer`] (from [`Exporter::preparer`]) does them on any
//! thread, and [`Exporter::write_prepared`] writes the result, in row order,
//! to the same bytes `write` would have produced. The CLI's runner prepares
//! on its workers in parallel and writes on one worker at a time.

#![deny(missing_docs)]

mod config;
mod csv_out;
mod error;
mod flush;
mod manifest;
mod pages;
mod parquet_out;
mod split;
pub mod testing;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_schema::SchemaRef;
use tracing::{debug, info, warn};

pub use config::ExportConfig;
pub use csv_out::{LIST_SEPARATOR, STRUCT_SEPARATOR};
pub use error::{ExportError, Result};
pub use manifest::{ExportSummary, Manifest};
pub use parquet_out::CREATED_BY;

use csv_out::CsvSink;
use flush::Flusher;
use parquet_out::ParquetSink;
use split::Contract;
pub use split::Split;

/// Checks one batch of the tagged stream and splits it into the four output
/// tables, exactly as [`Exporter::write`] would write them (string columns
/// may be `LargeUtf8` or `Utf8View`; extra columns are ignored). For front
/// ends that write the tables themselves, such as the Python bindings.
/// Errors name the output file the problem concerns, as if written to the
/// current directory.
pub fn split_batch(batch: &RecordBatch) -> Result<Split> {
    split::split(&Contract::new(), batch, Path::new(""))
}

/// The schemas of `documents`, `rejects`, `mentions` and `topic_evidence`
/// as written (with the schema version in their metadata).
pub fn output_schemas() -> [SchemaRef; 4] {
    let contract = Contract::new();
    [
        contract.documents,
        contract.rejects,
        contract.mentions,
        contract.evidence,
    ]
}

/// Names of the files written into the output directory.
pub mod files {
    /// One row per document.
    pub const DOCUMENTS_PARQUET: &str = "documents.parquet";
    /// The documents as CSV (with [`ExportConfig::csv`](crate::ExportConfig::csv)).
    pub const DOCUMENTS_CSV: &str = "documents.csv";
    /// One row per reject.
    pub const REJECTS_PARQUET: &str = "rejects.parquet";
    /// The rejects as CSV (with [`ExportConfig::csv`](crate::ExportConfig::csv)).
    pub const REJECTS_CSV: &str = "rejects.csv";
    /// One row per entity mention.
    pub const MENTIONS_PARQUET: &str = "mentions.parquet";
    /// One row per topic evidence hit.
    pub const TOPIC_EVIDENCE_PARQUET: &str = "topic_evidence.parquet";
    /// The run manifest, written last.
    pub const MANIFEST_JSON: &str = "manifest.json";
}

/// Distinguishes the temporary files of several exporters in one process.
static EXPORTER_SEQ: AtomicU64 = AtomicU64::new(0);

/// Writes the output files of one run. See the [crate docs](crate) for the
/// files, the CSV rules and the guarantees.
///
/// Create it with [`Exporter::create`], feed it batches in the final row
/// order with [`Exporter::write`], and call [`Exporter::finish`] to put the
/// files in place. Dropping it without `finish` removes everything it wrote.
#[derive(Debug)]
pub struct Exporter {
    preparer: Preparer,
    outputs: Option<Outputs>,
    /// Temporary files that exist and have not been renamed yet.
    temps: Vec<PathBuf>,
    rejects_by_reason: BTreeMap<String, u64>,
}

/// The part of the export that needs no output file: it checks a batch,
/// splits it into the output tables and formats its CSV records. Cheap to
/// clone and usable from any thread, so that a runner can prepare batches
/// on its workers and hand the results to [`Exporter::write_prepared`].
#[derive(Debug, Clone)]
pub struct Preparer {
    out_dir: PathBuf,
    contract: Arc<Contract>,
    /// Whether the CSV files are written.
    csv: bool,
    neutralize: bool,
}

/// One batch made ready by [`Preparer::prepare`].
#[derive(Debug)]
pub struct Prepared {
    split: Split,
    documents_csv: Vec<u8>,
    rejects_csv: Vec<u8>,
}

impl Preparer {
    /// Checks `batch` and prepares it; see [`Exporter::write`] for the
    /// checks.
    pub fn prepare(&self, batch: &RecordBatch) -> Result<Prepared> {
        let split = split::split(&self.contract, batch, &self.out_dir)?;
        let csv = |tables: &[RecordBatch], file: &str| {
            if self.csv {
                csv_out::format_records(tables, self.neutralize, &self.out_dir.join(file))
            } else {
                Ok(Vec::new())
            }
        };
        Ok(Prepared {
            documents_csv: csv(&split.documents, files::DOCUMENTS_CSV)?,
            rejects_csv: csv(std::slice::from_ref(&split.rejects), files::REJECTS_CSV)?,
            split,
        })
    }
}

#[derive(Debug)]
struct Outputs {
    documents: ParquetSink,
    documents_csv: Option<CsvSink>,
    rejects: ParquetSink,
    rejects_csv: Option<CsvSink>,
    mentions: ParquetSink,
    evidence: ParquetSink,
    flusher: Flusher,
}

impl Exporter {
    /// Creates `out_dir` (with its parents) and opens every output under a
    /// temporary name inside it (`.documents.parquet.tmp-<pid>-<n>`).
    /// Existing files under the final names are left alone until
    /// [`Exporter::finish`].
    pub fn create(out_dir: &Path, config: &ExportConfig) -> Result<Exporter> {
        let props = parquet_out::writer_properties(config)?;
        fs::create_dir_all(out_dir).map_err(|e| ExportError::io(out_dir, e))?;
        let contract = Contract::new();
        let schemas = [
            contract.documents.clone(),
            contract.rejects.clone(),
            contract.mentions.clone(),
            contract.evidence.clone(),
        ];
        let mut exporter = Exporter {
            preparer: Preparer {
                out_dir: out_dir.to_path_buf(),
                contract: Arc::new(contract),
                csv: config.csv,
                neutralize: config.csv_neutralize_formulas,
            },
            outputs: None,
            temps: Vec::new(),
            rejects_by_reason: BTreeMap::new(),
        };
        let seq = EXPORTER_SEQ.fetch_add(1, Ordering::Relaxed);
        let suffix = format!("tmp-{}-{seq}", std::process::id());
        // Registered before the file is created, so Drop removes it whatever
        // fails next.
        let mut temp = |name: &str| {
            let path = out_dir.join(format!(".{name}.{suffix}"));
            exporter.temps.push(path.clone());
            path
        };
        let flusher = Flusher::start()?;
        let [
            documents_schema,
            rejects_schema,
            mentions_schema,
            evidence_schema,
        ] = schemas;
        let documents_props = parquet_out::documents_properties(config)?;
        let spans = parquet_out::span_properties(config)?;
        let mut parquet = |name: &str, schema: &SchemaRef, props| {
            ParquetSink::create(temp(name), schema.clone(), props, &flusher)
        };
        let documents = parquet(
            files::DOCUMENTS_PARQUET,
            &documents_schema,
            &documents_props,
        )?;
        let rejects = parquet(files::REJECTS_PARQUET, &rejects_schema, &props)?;
        let mentions = parquet(files::MENTIONS_PARQUET, &mentions_schema, &spans)?;
        let evidence = parquet(files::TOPIC_EVIDENCE_PARQUET, &evidence_schema, &spans)?;
        let (documents_csv, rejects_csv) = if config.csv {
            (
                Some(CsvSink::create(
                    temp(files::DOCUMENTS_CSV),
                    &documents_schema,
                    &flusher,
                )?),
                Some(CsvSink::create(
                    temp(files::REJECTS_CSV),
                    &rejects_schema,
                    &flusher,
                )?),
            )
        } else {
            (None, None)
        };
        exporter.outputs = Some(Outputs {
            documents,
            documents_csv,
            rejects,
            rejects_csv,
            mentions,
            evidence,
            flusher,
        });
        debug!(out_dir = %out_dir.display(), ?config, "export started");
        Ok(exporter)
    }

    /// Consumes one batch of the tagged stream schema.
    ///
    /// Extra columns are ignored; `LargeUtf8` / `Utf8View` string columns
    /// (and lists of them) are accepted and written as `Utf8`. Every column the export reads must be present with the
    /// contract's type, and document rows must hold a value in every column
    /// the output declares non-null (a null `title` is fine, a null `body` is
    /// an [`ExportError::NullValue`] naming the document). Reject rows need
    /// only `source_path` and `reject_reason`. A batch that fails a check
    /// writes nothing; the caller normally drops the exporter then.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let prepared = self.preparer.prepare(batch)?;
        self.write_prepared(prepared)
    }

    /// A [`Preparer`] for this exporter's files.
    pub fn preparer(&self) -> Preparer {
        self.preparer.clone()
    }

    /// Writes a batch its [`Preparer`] made ready: the same bytes as
    /// [`Exporter::write`] on the batch.
    pub fn write_prepared(&mut self, prepared: Prepared) -> Result<()> {
        let Prepared {
            split,
            documents_csv,
            rejects_csv,
        } = prepared;
        let outputs = self
            .outputs
            .as_mut()
            .expect("outputs exist until finish consumes the exporter");
        let reasons = split.rejects.column_by_name(newsflow_core::col::REASON);
        if let Some(reasons) = reasons {
            for reason in reasons.as_string::<i32>().iter().flatten() {
                *self
                    .rejects_by_reason
                    .entry(reason.to_string())
                    .or_default() += 1;
            }
        }
        if let Some(csv) = &mut outputs.documents_csv {
            csv.write_records(&documents_csv)?;
        }
        if let Some(csv) = &mut outputs.rejects_csv {
            csv.write_records(&rejects_csv)?;
        }
        outputs.documents.push(&split.documents)?;
        outputs.rejects.push(&[split.rejects])?;
        outputs.mentions.push(&[split.mentions])?;
        outputs.evidence.push(&[split.evidence])?;
        Ok(())
    }

    /// Finishes every file (footer, flush, fsync), renames each into its
    /// final name in the output directory, then writes `manifest.json` the
    /// same way, last.
    ///
    /// `manifest` comes from the CLI; this fills in `schema_version`,
    /// `inputs`, `documents`, `rejects`, `rejects_by_reason` and `files`.
    /// An existing `manifest.json` is removed before the first rename, and
    /// with `csv = false` so are `documents.csv` / `rejects.csv` left by an
    /// earlier run, so the directory never mixes two runs under a manifest.
    pub fn finish(mut self, mut manifest: Manifest) -> Result<ExportSummary> {
        let outputs = self
            .outputs
            .take()
            .expect("outputs exist until finish consumes the exporter");
        let documents = outputs.documents.rows();
        let rejects = outputs.rejects.rows();
        let mentions = outputs.mentions.rows();
        let evidence = outputs.evidence.rows();

        let mut finished: Vec<(PathBuf, &str)> = Vec::with_capacity(6);
        finished.push((outputs.documents.finish()?, files::DOCUMENTS_PARQUET));
        if let Some(csv) = outputs.documents_csv {
            finished.push((csv.finish()?, files::DOCUMENTS_CSV));
        }
        finished.push((outputs.rejects.finish()?, files::REJECTS_PARQUET));
        if let Some(csv) = outputs.rejects_csv {
            finished.push((csv.finish()?, files::REJECTS_CSV));
        }
        finished.push((outputs.mentions.finish()?, files::MENTIONS_PARQUET));
        finished.push((outputs.evidence.finish()?, files::TOPIC_EVIDENCE_PARQUET));
        let background_syncs = outputs.flusher.finish()?;
        debug!(background_syncs, "output files synced during the run");

        let mut stale = vec![files::MANIFEST_JSON];
        if !self.preparer.csv {
            stale.extend([files::DOCUMENTS_CSV, files::REJECTS_CSV]);
        }
        for name in stale {
            self.remove_final(name)?;
        }
        let mut written = Vec::with_capacity(finished.len() + 1);
        for (temp, name) in &finished {
            written.push(self.rename_into_place(temp, name)?);
        }
        self.sync_dir()?;

        manifest.schema_version = newsflow_core::SCHEMA_VERSION.to_string();
        manifest.documents = documents;
        manifest.rejects = rejects;
        manifest.inputs = documents + rejects;
        manifest.rejects_by_reason = std::mem::take(&mut self.rejects_by_reason);
        manifest.files = finished.iter().map(|(_, name)| name.to_string()).collect();
        written.push(self.write_manifest(&manifest)?);
        self.sync_dir()?;

        info!(
            out_dir = %self.preparer.out_dir.display(),
            documents, rejects, mentions, evidence, "export finished"
        );
        Ok(ExportSummary {
            documents,
            rejects,
            mentions,
            evidence,
            files: written,
        })
    }

    fn remove_final(&self, name: &str) -> Result<()> {
        let path = self.preparer.out_dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => {
                debug!(path = %path.display(), "removed output of an earlier run");
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ExportError::io(path, e)),
        }
    }

    fn rename_into_place(&mut self, temp: &Path, name: &str) -> Result<PathBuf> {
        let target = self.preparer.out_dir.join(name);
        fs::rename(temp, &target).map_err(|e| ExportError::io(&target, e))?;
        self.temps.retain(|t| t != temp);
        debug!(path = %target.display(), "written");
        Ok(target)
    }

    fn write_manifest(&mut self, manifest: &Manifest) -> Result<PathBuf> {
        let temp = self.preparer.out_dir.join(format!(
            ".{}.tmp-{}-{}",
            files::MANIFEST_JSON,
            std::process::id(),
            EXPORTER_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let json_err = |source| ExportError::Manifest {
            path: temp.clone(),
            source,
        };
        let value = serde_json::to_value(manifest).map_err(json_err)?;
        let mut text = serde_json::to_string_pretty(&sorted_keys(value)).map_err(json_err)?;
        text.push('\n');
        self.temps.push(temp.clone());
        let mut file = fs::File::create(&temp).map_err(|e| ExportError::io(&temp, e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| ExportError::io(&temp, e))?;
        drop(file);
        self.rename_into_place(&temp, files::MANIFEST_JSON)
    }

    /// Makes the renames durable (directories cannot be fsynced on Windows).
    fn sync_dir(&self) -> Result<()> {
        #[cfg(unix)]
        fs::File::open(&self.preparer.out_dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| ExportError::io(&self.preparer.out_dir, e))?;
        Ok(())
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let unfinished = self.outputs.take().is_some();
        if self.temps.is_empty() {
            return;
        }
        if unfinished {
            warn!(
                out_dir = %self.preparer.out_dir.display(),
                "export not finished; removing its temporary files"
            );
        }
        for path in self.temps.drain(..) {
            match fs::remove_file(&path) {
                Ok(()) => debug!(path = %path.display(), "removed temporary file"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => warn!(path = %path.display(), error = %e, "cannot remove temporary file"),
            }
        }
    }
}

/// Rebuilds `value` with every object's keys in sorted order, whatever map
/// type `serde_json` was built with.
fn sorted_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted_keys).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
