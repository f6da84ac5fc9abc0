//! The tagged stream split into the tables `newsflow run` writes: the same
//! rows and columns as `documents.parquet`, `rejects.parquet`,
//! `mentions.parquet` and `topic_evidence.parquet`, built from the same
//! schema contract as the export crate.

use std::sync::Arc;

use arrow_array::builder::{StringBuilder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, ArrayRef, BooleanArray, ListArray, RecordBatch, UInt32Array};
use arrow_schema::{Schema, SchemaRef};
use newsflow_core::batch::StrColumn;
use newsflow_core::schema::{self, col};
use newsflow_core::{Error, Result, conform};

const STAGE: &str = "split";

/// The four output tables of one tagged batch.
pub struct Split {
    /// One row per document (rows without a `reject_reason`).
    pub documents: RecordBatch,
    /// One row per reject.
    pub rejects: RecordBatch,
    /// One row per entity mention of the documents.
    pub mentions: RecordBatch,
    /// One row per topic evidence hit of the documents.
    pub topic_evidence: RecordBatch,
}

/// `schema` with the schema version in its metadata, as the export writes it.
pub fn versioned(schema: &Schema) -> SchemaRef {
    let metadata = [(
        newsflow_core::SCHEMA_VERSION_KEY.to_string(),
        newsflow_core::SCHEMA_VERSION.to_string(),
    )];
    Arc::new(schema.clone().with_metadata(metadata))
}

/// Splits a batch of the tagged stream (extra columns are ignored, string
/// columns may be large or view strings).
pub fn split(batch: RecordBatch) -> Result<Split> {
    let batch = conform(STAGE, batch, &schema::tagged_schema())?;
    let reasons = str_col(&batch, col::REJECT_REASON)?;
    let is_document: Vec<bool> = (0..batch.num_rows())
        .map(|i| reasons.get(i).is_none())
        .collect();
    Ok(Split {
        documents: documents(&batch, &is_document)?,
        rejects: rejects(&batch, &is_document)?,
        mentions: flatten(
            &versioned(&schema::mentions_schema()),
            &batch,
            col::MENTIONS,
            &is_document,
        )?,
        topic_evidence: flatten(
            &versioned(&schema::topic_evidence_schema()),
            &batch,
            col::TOPIC_EVIDENCE,
            &is_document,
        )?,
    })
}

fn str_col<'a>(batch: &'a RecordBatch, name: &str) -> Result<StrColumn<'a>> {
    newsflow_core::batch::str_column(STAGE, batch, name)
}

fn documents(batch: &RecordBatch, is_document: &[bool]) -> Result<RecordBatch> {
    let schema = versioned(&schema::documents_schema());
    let keep = BooleanArray::from(is_document.to_vec());
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            let array = newsflow_core::batch::column(STAGE, batch, f.name())?;
            arrow_select::filter::filter(array.as_ref(), &keep).map_err(|e| Error::arrow(STAGE, e))
        })
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema, columns).map_err(|e| Error::arrow(STAGE, e))
}

fn rejects(batch: &RecordBatch, is_document: &[bool]) -> Result<RecordBatch> {
    let (paths, reasons, details) = (
        str_col(batch, col::SOURCE_PATH)?,
        str_col(batch, col::REJECT_REASON)?,
        str_col(batch, col::REJECT_DETAIL)?,
    );
    let bytes =
        newsflow_core::batch::column(STAGE, batch, col::BYTES)?.as_primitive::<UInt64Type>();
    let mut path_b = StringBuilder::new();
    let mut reason_b = StringBuilder::new();
    let mut detail_b = StringBuilder::new();
    let mut bytes_b = UInt64Builder::new();
    for i in (0..batch.num_rows()).filter(|&i| !is_document[i]) {
        let Some(path) = paths.get(i) else {
            return Err(Error::Document {
                stage: STAGE.into(),
                doc_id: format!("row {i}"),
                problem: "a reject row without source_path".into(),
            });
        };
        path_b.append_value(path);
        reason_b.append_value(reasons.get(i).unwrap_or_default());
        detail_b.append_value(details.get(i).unwrap_or_default());
        bytes_b.append_value(if bytes.is_valid(i) { bytes.value(i) } else { 0 });
    }
    let schema = versioned(&schema::rejects_schema());
    let mut by_name = |name: &str| -> ArrayRef {
        match name {
            col::SOURCE_PATH => Arc::new(path_b.finish()),
            col::REASON => Arc::new(reason_b.finish()),
            col::DETAIL => Arc::new(detail_b.finish()),
            _ => Arc::new(bytes_b.finish()),
        }
    };
    let columns = schema.fields().iter().map(|f| by_name(f.name())).collect();
    RecordBatch::try_new(schema, columns).map_err(|e| Error::arrow(STAGE, e))
}

/// The struct list column `name` of the document rows as a flat table:
/// `doc_id`, then the struct's fields by name.
fn flatten(
    schema: &SchemaRef,
    batch: &RecordBatch,
    name: &str,
    is_document: &[bool],
) -> Result<RecordBatch> {
    let list: &ListArray = newsflow_core::batch::column(STAGE, batch, name)?.as_list();
    let items = list.values().as_struct();
    let doc_ids = str_col(batch, col::DOC_ID)?;
    let offsets = list.value_offsets();
    let mut indices = Vec::new();
    let mut ids = StringBuilder::new();
    for i in (0..batch.num_rows()).filter(|&i| is_document[i]) {
        let id = doc_ids.get(i).unwrap_or_default();
        for j in offsets[i]..offsets[i + 1] {
            indices.push(u32::try_from(j).expect("list offsets are not negative"));
            ids.append_value(id);
        }
    }
    let indices = UInt32Array::from(indices);
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        if field.name() == col::DOC_ID {
            columns.push(Arc::new(ids.finish()) as ArrayRef);
            continue;
        }
        let child = items
            .column_by_name(field.name())
            .ok_or_else(|| Error::MissingColumn {
                stage: STAGE.into(),
                column: format!("{name}.{}", field.name()),
            })?;
        columns.push(
            arrow_select::take::take(child.as_ref(), &indices, None)
                .map_err(|e| Error::arrow(STAGE, e))?,
        );
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::arrow(STAGE, e))
}
