//! Helpers shared by the integration tests: ingest batches built by hand
//! and typed access to the normalized columns.
#![allow(dead_code)]

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, UInt32Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, UInt64Array};
use newsflow_core::batch::{str_column, str_list_column};
use newsflow_core::schema::{col, ingest_schema};

/// One input row.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub doc_id: String,
    pub source_path: String,
    pub text: Option<String>,
    pub meta_published: Option<String>,
    pub meta_source: Option<String>,
    pub reject_reason: Option<String>,
    pub flags: Vec<String>,
}

impl Doc {
    /// A document from a file's text.
    pub fn new(doc_id: &str, source_path: &str, text: &str) -> Self {
        Doc {
            doc_id: doc_id.to_string(),
            source_path: source_path.to_string(),
            text: Some(text.to_string()),
            ..Doc::default()
        }
    }
}

/// A batch in the ingest schema.
pub fn ingest_batch(docs: &[Doc]) -> RecordBatch {
    let schema = ingest_schema();
    let strings = |f: &dyn Fn(&Doc) -> Option<String>| -> ArrayRef {
        Arc::new(docs.iter().map(f).collect::<StringArray>())
    };
    let mut flags = ListBuilder::new(StringBuilder::new());
    for d in docs {
        for f in &d.flags {
            flags.values().append_value(f);
        }
        flags.append(true);
    }
    let mut flags = Some(flags);
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            col::DOC_ID => strings(&|d| Some(d.doc_id.clone())),
            col::SOURCE_PATH => strings(&|d| Some(d.source_path.clone())),
            col::CONTENT_HASH => strings(&|_| Some("0".into())),
            col::ENCODING => strings(&|_| Some("UTF-8".into())),
            col::BYTES => Arc::new(UInt64Array::from_iter_values(
                docs.iter()
                    .map(|d| d.text.as_ref().map_or(0, |t| t.len() as u64)),
            )) as ArrayRef,
            col::TEXT => strings(&|d| d.text.clone()),
            col::META_PUBLISHED => strings(&|d| d.meta_published.clone()),
            col::META_SOURCE => strings(&|d| d.meta_source.clone()),
            col::REJECT_REASON => strings(&|d| d.reject_reason.clone()),
            col::FLAGS => Arc::new(flags.take().expect("one flags column").finish()) as ArrayRef,
            _ => strings(&|_| None),
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("ingest batch")
}

/// Typed access to one output row.
pub struct Row<'a> {
    pub batch: &'a RecordBatch,
    pub row: usize,
}

impl<'a> Row<'a> {
    pub fn str(&self, name: &str) -> Option<&'a str> {
        str_column("test", self.batch, name)
            .expect(name)
            .get(self.row)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        let a = self.batch.column_by_name(name).expect(name);
        if a.is_null(self.row) {
            return None;
        }
        Some(match a.data_type() {
            arrow_schema::DataType::Int16 => {
                i64::from(a.as_primitive::<Int16Type>().value(self.row))
            }
            arrow_schema::DataType::Int8 => i64::from(a.as_primitive::<Int8Type>().value(self.row)),
            arrow_schema::DataType::UInt32 => {
                i64::from(a.as_primitive::<UInt32Type>().value(self.row))
            }
            other => panic!("{name} has type {other}"),
        })
    }

    pub fn list(&self, name: &str) -> Vec<String> {
        str_list_column("test", self.batch, name).expect(name)[self.row].clone()
    }

    pub fn is_null(&self, name: &str) -> bool {
        self.batch
            .column_by_name(name)
            .expect(name)
            .is_null(self.row)
    }
}

/// The repository's `seeds/` directory.
pub fn seeds_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}
