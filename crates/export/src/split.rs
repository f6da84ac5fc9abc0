//! Checks one batch of the tagged stream and splits it into the batches of
//! the four output files.
//!
//! Everything is checked before anything is returned, so a bad batch leaves
//! the output files untouched.

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{StringBuilder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, UInt32Array};
use arrow_schema::{DataType, Schema, SchemaRef};
use newsflow_core::batch::{StrColumn, normalize_string_types};
use newsflow_core::schema::{self, col, type_name};

use crate::error::{ExportError, Result};
use crate::files;

/// The output schemas and the input columns they are built from, computed
/// once per export.
#[derive(Debug)]
pub(crate) struct Contract {
    pub(crate) documents: SchemaRef,
    pub(crate) rejects: SchemaRef,
    pub(crate) mentions: SchemaRef,
    pub(crate) evidence: SchemaRef,
    /// Input columns the export reads, with their stream types.
    required: Vec<(String, DataType)>,
}

impl Contract {
    pub(crate) fn new() -> Self {
        let documents = schema::documents_schema();
        let tagged = schema::tagged_schema();
        let mut names: Vec<&str> = documents
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        for extra in [
            col::REJECT_REASON,
            col::REJECT_DETAIL,
            col::MENTIONS,
            col::TOPIC_EVIDENCE,
            col::SOURCE_PATH,
            col::BYTES,
        ] {
            if !names.contains(&extra) {
                names.push(extra);
            }
        }
        let required = names
            .into_iter()
            .map(|name| {
                let field = tagged
                    .field_with_name(name)
                    .expect("every exported column is in the tagged schema");
                (name.to_string(), field.data_type().clone())
            })
            .collect();
        Contract {
            documents: versioned(&documents),
            rejects: versioned(&schema::rejects_schema()),
            mentions: versioned(&schema::mentions_schema()),
            evidence: versioned(&schema::topic_evidence_schema()),
            required,
        }
    }
}

/// `schema` with the schema version in its metadata. Parquet stores it twice
/// that way: as the file's key-value metadata and inside the embedded Arrow
/// schema, which is where pyarrow's `read_schema(path).metadata` looks.
pub(crate) fn versioned(schema: &Schema) -> SchemaRef {
    let metadata = [(
        newsflow_core::SCHEMA_VERSION_KEY.to_string(),
        newsflow_core::SCHEMA_VERSION.to_string(),
    )];
    Arc::new(schema.clone().with_metadata(metadata))
}

/// One input batch, split by output file: the rows and columns
/// `documents.parquet`, `rejects.parquet`, `mentions.parquet` and
/// `topic_evidence.parquet` get from it.
#[derive(Debug)]
pub struct Split {
    /// One row per document (rows without a `reject_reason`): the input's
    /// columns sliced between its reject rows, without a copy (one batch
    /// when the input has no rejects, none when it has only rejects).
    pub documents: Vec<RecordBatch>,
    /// One row per reject.
    pub rejects: RecordBatch,
    /// One row per entity mention of the documents.
    pub mentions: RecordBatch,
    /// One row per topic evidence hit of the documents.
    pub evidence: RecordBatch,
}

/// Checks `batch` against the contract and splits it. `out_dir` only names
/// files in errors.
pub(crate) fn split(contract: &Contract, batch: &RecordBatch, out_dir: &Path) -> Result<Split> {
    let arrow_err = |file: &str| {
        let path = out_dir.join(file);
        move |source| ExportError::Arrow { path, source }
    };
    let batch = normalize_string_types("export", batch.clone())
        .map_err(|e| arrow_err(files::DOCUMENTS_PARQUET)(e.into()))?;
    check_columns(contract, &batch)?;
    let column = |name: &str| batch.column_by_name(name).expect("checked column");
    let str_col = |name: &str| StrColumn::new(column(name).as_ref()).expect("checked Utf8");

    let reason = str_col(col::REJECT_REASON);
    let rows = batch.num_rows();
    let is_document: Vec<bool> = (0..rows).map(|i| reason.get(i).is_none()).collect();
    let doc_ids = str_col(col::DOC_ID);
    let source_paths = str_col(col::SOURCE_PATH);
    let row_id = |i: usize| -> String {
        doc_ids
            .get(i)
            .or_else(|| source_paths.get(i))
            .map_or_else(|| format!("row {i}"), str::to_string)
    };
    let null_error = |file: &'static str, i: usize, column: &str| ExportError::NullValue {
        file,
        doc_id: row_id(i),
        column: column.to_string(),
    };

    // Document rows: every non-null output column, and the nested lists.
    let nested = [
        (col::MENTIONS, files::MENTIONS_PARQUET),
        (col::TOPIC_EVIDENCE, files::TOPIC_EVIDENCE_PARQUET),
    ];
    let must_have = contract
        .documents
        .fields()
        .iter()
        .filter(|f| !f.is_nullable())
        .map(|f| (f.name().as_str(), files::DOCUMENTS_PARQUET))
        .chain(nested);
    for (name, file) in must_have {
        let array = column(name);
        if array.null_count() == 0 {
            continue;
        }
        if let Some(i) = (0..rows).find(|&i| is_document[i] && array.is_null(i)) {
            return Err(null_error(file, i, name));
        }
    }
    for (name, file) in nested {
        let list = column(name).as_list::<i32>();
        if list.values().null_count() == 0 {
            continue;
        }
        let offsets = list.value_offsets();
        for i in (0..rows).filter(|&i| is_document[i]) {
            let items = offsets[i] as usize..offsets[i + 1] as usize;
            if items.into_iter().any(|j| list.values().is_null(j)) {
                return Err(null_error(file, i, &format!("{name}[]")));
            }
        }
    }
    // Reject rows need a source path; detail and bytes default to "" and 0.
    if let Some(i) = (0..rows).find(|&i| !is_document[i] && source_paths.get(i).is_none()) {
        return Err(null_error(files::REJECTS_PARQUET, i, col::SOURCE_PATH));
    }

    let documents = documents_batch(contract, &batch, &is_document)
        .map_err(arrow_err(files::DOCUMENTS_PARQUET))?;
    let rejects =
        rejects_batch(contract, &batch, &is_document).map_err(arrow_err(files::REJECTS_PARQUET))?;
    let mentions = flatten(
        &contract.mentions,
        &batch,
        col::MENTIONS,
        &is_document,
        &out_dir.join(files::MENTIONS_PARQUET),
    )?;
    let evidence = flatten(
        &contract.evidence,
        &batch,
        col::TOPIC_EVIDENCE,
        &is_document,
        &out_dir.join(files::TOPIC_EVIDENCE_PARQUET),
    )?;
    Ok(Split {
        documents,
        rejects,
        mentions,
        evidence,
    })
}

fn check_columns(contract: &Contract, batch: &RecordBatch) -> Result<()> {
    let schema = batch.schema();
    for (name, expected) in &contract.required {
        let field = schema
            .field_with_name(name)
            .map_err(|_| ExportError::MissingColumn {
                column: name.clone(),
            })?;
        if field.data_type() != expected {
            return Err(ExportError::ColumnType {
                column: name.clone(),
                expected: type_name(expected),
                found: type_name(field.data_type()),
            });
        }
    }
    Ok(())
}

type ArrowResult<T> = std::result::Result<T, arrow_schema::ArrowError>;

fn documents_batch(
    contract: &Contract,
    batch: &RecordBatch,
    is_document: &[bool],
) -> ArrowResult<Vec<RecordBatch>> {
    let columns: Vec<&ArrayRef> = contract
        .documents
        .fields()
        .iter()
        .map(|field| batch.column_by_name(field.name()).expect("checked column"))
        .collect();
    // Each run of document rows is a slice: a filter would copy every
    // column, bodies included, of any batch with a reject in it.
    let mut runs = Vec::new();
    let mut row = 0;
    while let Some(start) = (row..is_document.len()).find(|&i| is_document[i]) {
        let end = (start..is_document.len())
            .find(|&i| !is_document[i])
            .unwrap_or(is_document.len());
        let run = columns
            .iter()
            .map(|c| c.slice(start, end - start))
            .collect();
        runs.push(RecordBatch::try_new(contract.documents.clone(), run)?);
        row = end;
    }
    Ok(runs)
}

fn rejects_batch(
    contract: &Contract,
    batch: &RecordBatch,
    is_document: &[bool],
) -> ArrowResult<RecordBatch> {
    let get = |name: &str| {
        StrColumn::new(batch.column_by_name(name).expect("checked").as_ref()).expect("Utf8")
    };
    let (paths, reasons, details) = (
        get(col::SOURCE_PATH),
        get(col::REJECT_REASON),
        get(col::REJECT_DETAIL),
    );
    let bytes = batch
        .column_by_name(col::BYTES)
        .expect("checked")
        .as_primitive::<UInt64Type>();
    let n = is_document.iter().filter(|&&d| !d).count();
    let mut path_b = StringBuilder::with_capacity(n, 0);
    let mut reason_b = StringBuilder::with_capacity(n, 0);
    let mut detail_b = StringBuilder::with_capacity(n, 0);
    let mut bytes_b = UInt64Builder::with_capacity(n);
    for i in (0..batch.num_rows()).filter(|&i| !is_document[i]) {
        path_b.append_value(paths.get(i).unwrap_or_default());
        reason_b.append_value(reasons.get(i).unwrap_or_default());
        detail_b.append_value(details.get(i).unwrap_or_default());
        bytes_b.append_value(if bytes.is_valid(i) { bytes.value(i) } else { 0 });
    }
    let by_name = |name: &str| -> ArrayRef {
        match name {
            col::SOURCE_PATH => Arc::new(path_b.finish_cloned()),
            col::REASON => Arc::new(reason_b.finish_cloned()),
            col::DETAIL => Arc::new(detail_b.finish_cloned()),
            _ => Arc::new(bytes_b.finish_cloned()),
        }
    };
    let columns = contract
        .rejects
        .fields()
        .iter()
        .map(|f| by_name(f.name()))
        .collect();
    RecordBatch::try_new(contract.rejects.clone(), columns)
}

/// Flattens the struct list `name` of the document rows into `schema`:
/// `doc_id` followed by the struct's fields, looked up by name. `path` names
/// the output file in errors.
fn flatten(
    schema: &SchemaRef,
    batch: &RecordBatch,
    name: &str,
    is_document: &[bool],
    path: &Path,
) -> Result<RecordBatch> {
    let arrow_err = |source| ExportError::Arrow {
        path: path.to_path_buf(),
        source,
    };
    let list: &ListArray = batch.column_by_name(name).expect("checked").as_list();
    let items = list.values().as_struct();
    let doc_ids =
        StrColumn::new(batch.column_by_name(col::DOC_ID).expect("checked").as_ref()).expect("Utf8");
    let offsets = list.value_offsets();
    // The columns' sizes are known: allocated once, not grown.
    let documents = || (0..batch.num_rows()).filter(|&i| is_document[i]);
    let count = |i: usize| usize::try_from(offsets[i + 1] - offsets[i]).unwrap_or(0);
    let rows: usize = documents().map(count).sum();
    let id_bytes: usize = documents()
        .map(|i| count(i) * doc_ids.get(i).map_or(0, str::len))
        .sum();
    let mut indices = Vec::with_capacity(rows);
    let mut ids = StringBuilder::with_capacity(rows, id_bytes);
    for i in documents() {
        let id = doc_ids.get(i).unwrap_or_default();
        for j in offsets[i]..offsets[i + 1] {
            indices.push(u32::try_from(j).expect("list offsets are not negative"));
            ids.append_value(id);
        }
    }
    let indices = UInt32Array::from(indices);
    let mut ids = Some(ids.finish());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        if field.name() == col::DOC_ID {
            let ids = ids.take().expect("doc_id appears once");
            columns.push(Arc::new(ids) as ArrayRef);
            continue;
        }
        let child =
            items
                .column_by_name(field.name())
                .ok_or_else(|| ExportError::MissingColumn {
                    column: format!("{name}.{}", field.name()),
                })?;
        columns.push(arrow_select::take::take(child.as_ref(), &indices, None).map_err(arrow_err)?);
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(arrow_err)
}
