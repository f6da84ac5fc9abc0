//! Read access to the ingest columns the stage uses.
//!
//! `doc_id` and `text` are required; `reject_reason`, `meta_published`,
//! `meta_source`, `source_path` and `flags` are used when present, so the
//! stage also runs on batches built by hand or by external programs.

use arrow_array::RecordBatch;
use newsflow_core::Result;
use newsflow_core::batch::{StrColumn, str_column, str_list_column};
use newsflow_core::schema::col;

use crate::boilerplate::source_key;

/// The input columns of one batch.
pub(crate) struct InputColumns<'a> {
    doc_id: Option<StrColumn<'a>>,
    text: StrColumn<'a>,
    reject: Option<StrColumn<'a>>,
    meta_published: Option<StrColumn<'a>>,
    meta_source: Option<StrColumn<'a>>,
    source_path: Option<StrColumn<'a>>,
}

fn optional<'a>(batch: &'a RecordBatch, name: &str) -> Option<StrColumn<'a>> {
    batch
        .column_by_name(name)
        .and_then(|a| StrColumn::new(a.as_ref()))
}

impl<'a> InputColumns<'a> {
    /// Reads the columns of `batch`; `text` must be present.
    pub fn read(stage: &str, batch: &'a RecordBatch) -> Result<Self> {
        Ok(InputColumns {
            doc_id: optional(batch, col::DOC_ID),
            text: str_column(stage, batch, col::TEXT)?,
            reject: optional(batch, col::REJECT_REASON),
            meta_published: optional(batch, col::META_PUBLISHED),
            meta_source: optional(batch, col::META_SOURCE),
            source_path: optional(batch, col::SOURCE_PATH),
        })
    }

    /// Whether the row is a reject (its `reject_reason` is set).
    pub fn is_reject(&self, row: usize) -> bool {
        self.reject.is_some_and(|c| c.get(row).is_some())
    }

    /// Raw text of the row.
    pub fn text(&self, row: usize) -> Option<&'a str> {
        self.text.get(row)
    }

    /// Document id of the row.
    pub fn doc_id(&self, row: usize) -> Option<&'a str> {
        self.doc_id.and_then(|c| c.get(row))
    }

    /// Publication date from the input's own metadata.
    pub fn meta_published(&self, row: usize) -> Option<&'a str> {
        self.meta_published.and_then(|c| c.get(row))
    }

    /// Outlet from the input's own metadata.
    pub fn meta_source(&self, row: usize) -> Option<&'a str> {
        self.meta_source.and_then(|c| c.get(row))
    }

    /// Boilerplate source group of the row.
    pub fn source_key(&self, row: usize) -> u64 {
        source_key(
            self.meta_source(row),
            self.source_path.and_then(|c| c.get(row)),
        )
    }
}

/// The `flags` lists of a batch, empty lists when the column is absent.
pub(crate) fn flags(stage: &str, batch: &RecordBatch) -> Result<Vec<Vec<String>>> {
    if batch.column_by_name(col::FLAGS).is_some() {
        str_list_column(stage, batch, col::FLAGS)
    } else {
        Ok(vec![Vec::new(); batch.num_rows()])
    }
}

/// A batch in the ingest schema holding `(source_path, text)` documents,
/// for tests.
#[cfg(test)]
pub(crate) fn test_batch(docs: &[(String, String)]) -> RecordBatch {
    use std::sync::Arc;

    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{ArrayRef, StringArray, UInt64Array};

    let schema = newsflow_core::schema::ingest_schema();
    let n = docs.len();
    let strings = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef {
        Arc::new((0..n).map(f).collect::<StringArray>())
    };
    let mut flags = ListBuilder::new(StringBuilder::new());
    for _ in 0..n {
        flags.append(true);
    }
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            col::DOC_ID => strings(&|i| Some(format!("doc{i:03}"))),
            col::SOURCE_PATH => strings(&|i| Some(docs[i].0.clone())),
            col::CONTENT_HASH => strings(&|_| Some("0".into())),
            col::ENCODING => strings(&|_| Some("UTF-8".into())),
            col::BYTES => Arc::new(UInt64Array::from_iter_values(
                docs.iter().map(|d| d.1.len() as u64),
            )) as ArrayRef,
            col::TEXT => strings(&|i| Some(docs[i].1.clone())),
            col::FLAGS => Arc::new(flags.finish()) as ArrayRef,
            _ => strings(&|_| None),
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("test batch")
}
