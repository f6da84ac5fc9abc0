//! `newsflow merge`: joins the outputs of `newsflow run --shard I/N` runs
//! into the files a single run over the whole corpus writes, byte for byte.
//!
//! Shards are contiguous parts of the input order, and every shard learned
//! its boilerplate from the whole corpus, so a shard's documents are exactly
//! those of a single run except for the duplicate clusters, which can span
//! shards. The merge therefore signs every shard's bodies (the map phase's
//! compact signatures are recomputed from `documents.parquet`), builds the
//! global clusters, and re-exports the shards in order through the same
//! export code, with `dup_cluster` and `dup_kind` set from the global
//! clusters. One shard's mentions and topic evidence are held in memory at a
//! time.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use arrow_array::{ArrayRef, RecordBatch, new_null_array};
use arrow_schema::{DataType, Fields};
use newsflow_core::{batch, col, schema};
use newsflow_export::{ExportConfig, Exporter, Manifest};
use newsflow_normalize::NormalizeConfig;
use newsflow_normalize::dedup::{Deduper, SPILL_BUDGET, SpillingDeduper};

use crate::cli::Shard;

/// Counts of a merge.
#[derive(Debug)]
pub struct Merged {
    /// Documents written.
    pub documents: u64,
    /// Rejects written.
    pub rejects: u64,
}

fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a Parquet file", path.display()))?
        .build()?
        .map(|b| b.with_context(|| format!("cannot read {}", path.display())))
        .collect()
}

/// Every batch of a Parquet file as one batch.
fn read_whole(path: &Path, schema: &arrow_schema::SchemaRef) -> Result<RecordBatch> {
    let batches = read_parquet(path)?;
    arrow_select::concat::concat_batches(schema, &batches)
        .with_context(|| format!("cannot read {}", path.display()))
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} has no manifest.json: not the output of a finished run",
            dir.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a manifest", path.display()))
}

/// Nested list column for the document rows of `ids`, taken from the flat
/// table `flat` (doc_id first, then `fields`) starting at `*cursor`: both
/// are in document order, so each document's rows are the next ones whose
/// doc_id is its own.
fn nest(
    ids: &batch::StrColumn<'_>,
    flat: &RecordBatch,
    fields: Fields,
    cursor: &mut usize,
) -> Result<ArrayRef> {
    let flat_ids = batch::str_column("merge", flat, col::DOC_ID)?;
    let start = *cursor;
    let mut lengths = Vec::with_capacity(ids.len());
    for row in 0..ids.len() {
        let id = ids.get(row).unwrap_or_default();
        let mut n = 0;
        while *cursor < flat.num_rows() && flat_ids.get(*cursor) == Some(id) {
            *cursor += 1;
            n += 1;
        }
        lengths.push(n);
    }
    let part = flat.slice(start, *cursor - start);
    let columns = fields
        .iter()
        .map(|f| batch::column("merge", &part, f.name()).cloned())
        .collect::<newsflow_core::Result<Vec<_>>>()?;
    Ok(batch::struct_list_array(fields, &lengths, columns, None)?)
}

/// Builds stream batches (the tagged schema) out of a shard's files.
fn stream_batch(
    schema: &arrow_schema::SchemaRef,
    rows: usize,
    mut take: impl FnMut(&str, &DataType) -> Result<Option<ArrayRef>>,
) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            Ok(take(f.name(), f.data_type())?
                .unwrap_or_else(|| new_null_array(f.data_type(), rows)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// The shard directories sorted by the `I/N` their runs recorded, checked
/// to be shards 1 to N of one configuration, with their manifests.
fn in_shard_order(dirs: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<Manifest>)> {
    let mut found = Vec::new();
    for dir in dirs {
        let manifest = read_manifest(dir)?;
        let shard: Shard = manifest.config["shard"]
            .as_str()
            .with_context(|| format!("{} is not the output of a `run --shard I/N`", dir.display()))?
            .parse()
            .map_err(|e: String| anyhow::anyhow!("{}: {e}", dir.display()))?;
        found.push((shard, dir.clone(), manifest));
    }
    found.sort_by_key(|(shard, _, _)| shard.index);
    let count = dirs.len();
    for (i, (shard, dir, _)) in found.iter().enumerate() {
        ensure!(
            shard.count == count && shard.index == i + 1,
            "{} holds shard {shard}, but shards 1/{count} to {count}/{count} are needed, each once",
            dir.display()
        );
    }
    let settings = |m: &Manifest| {
        let mut c = m.config.clone();
        if let Some(obj) = c.as_object_mut() {
            obj.remove("shard");
        }
        c
    };
    if let Some((_, first_dir, first)) = found.first() {
        for (_, dir, m) in &found[1..] {
            ensure!(
                settings(m) == settings(first) && m.program_version == first.program_version,
                "{} and {} were run with different settings or program versions",
                first_dir.display(),
                dir.display()
            );
        }
    }
    Ok(found.into_iter().map(|(_, d, m)| (d, m)).unzip())
}

/// Merges the shard outputs `shards` (in any order) into `out`.
pub fn merge(
    shards: &[PathBuf],
    out: &Path,
    normalize: &NormalizeConfig,
    export: &ExportConfig,
) -> Result<Merged> {
    for shard in shards {
        if std::fs::canonicalize(shard).ok() == std::fs::canonicalize(out).ok() {
            bail!(
                "the merge output {} is also one of its inputs",
                out.display()
            );
        }
    }
    let (shards, manifests) = in_shard_order(shards)?;

    // Global duplicate clusters over every shard's bodies, within the same
    // memory budget as a run (sorted runs spill into the output directory).
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut deduper = SpillingDeduper::new(normalize, out, SPILL_BUDGET);
    for shard in &shards {
        for b in read_parquet(&shard.join("documents.parquet"))? {
            let mut part = Deduper::new(normalize);
            part.observe(&b)?;
            deduper.add(part)?;
        }
    }
    let clusters = deduper.finish()?;

    let stream = schema::tagged_schema();
    let mentions_schema = schema::mentions_schema();
    let evidence_schema = schema::topic_evidence_schema();
    let mut exporter = Exporter::create(out, export)
        .with_context(|| format!("cannot write to {}", out.display()))?;
    for shard in &shards {
        let mentions = read_whole(&shard.join("mentions.parquet"), &mentions_schema)?;
        let evidence = read_whole(&shard.join("topic_evidence.parquet"), &evidence_schema)?;
        let (mut at_mention, mut at_evidence) = (0, 0);
        for docs in read_parquet(&shard.join("documents.parquet"))? {
            let ids = batch::str_column("merge", &docs, col::DOC_ID)?;
            let nested_mentions = nest(&ids, &mentions, schema::mention_fields(), &mut at_mention)?;
            let nested_evidence =
                nest(&ids, &evidence, schema::evidence_fields(), &mut at_evidence)?;
            let b = stream_batch(&stream, docs.num_rows(), |name, _| {
                Ok(match name {
                    col::MENTIONS => Some(nested_mentions.clone()),
                    col::TOPIC_EVIDENCE => Some(nested_evidence.clone()),
                    _ => docs.column_by_name(name).cloned(),
                })
            })?;
            exporter.write(&clusters.apply(b)?)?;
        }
        ensure!(
            at_mention == mentions.num_rows() && at_evidence == evidence.num_rows(),
            "{}: mentions or topic evidence out of step with documents.parquet",
            shard.display()
        );
        for rejects in read_parquet(&shard.join("rejects.parquet"))? {
            let b = stream_batch(&stream, rejects.num_rows(), |name, _| {
                let from = match name {
                    col::REJECT_REASON => col::REASON,
                    col::REJECT_DETAIL => col::DETAIL,
                    col::SOURCE_PATH | col::BYTES => name,
                    _ => return Ok(None),
                };
                Ok(rejects.column_by_name(from).cloned())
            })?;
            exporter.write(&b)?;
        }
    }

    let first = manifests.first().cloned().unwrap_or_default();
    let mut config = first.config.clone();
    if let Some(obj) = config.as_object_mut() {
        obj.remove("shard");
        obj.insert("merged_shards".into(), serde_json::json!(shards.len()));
    }
    let mut stage_wall_ms: BTreeMap<String, u64> = BTreeMap::new();
    for m in &manifests {
        for (stage, ms) in &m.stage_wall_ms {
            *stage_wall_ms.entry(stage.clone()).or_default() += ms;
        }
    }
    let expected_docs: u64 = manifests.iter().map(|m| m.documents).sum();
    let expected_rejects: u64 = manifests.iter().map(|m| m.rejects).sum();
    let summary = exporter.finish(Manifest {
        config,
        stage_wall_ms,
        threads: manifests.iter().map(|m| m.threads).max().unwrap_or(1),
        ..first
    })?;
    ensure!(
        summary.documents == expected_docs && summary.rejects == expected_rejects,
        "the shards' manifests count {expected_docs} documents and {expected_rejects} rejects, the merge wrote {} and {}",
        summary.documents,
        summary.rejects
    );
    Ok(Merged {
        documents: summary.documents,
        rejects: summary.rejects,
    })
}
