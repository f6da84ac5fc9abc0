//! One output row and the builder that turns rows into record batches.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, SchemaRef};

use crate::reject::RejectReason;

/// Metadata given by the input itself (JSONL/CSV fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    pub published: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
}

/// One row of the ingest schema: a document (`reject` is `None`, `text` is
/// set) or a reject (`text` is `None`, `flags` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub doc_id: String,
    pub source_path: String,
    pub content_hash: Option<u64>,
    pub encoding: Option<&'static str>,
    pub bytes: u64,
    pub text: Option<String>,
    pub meta: Meta,
    pub reject: Option<(RejectReason, String)>,
    pub flags: Vec<&'static str>,
}

impl Row {
    /// A document row without metadata or flags.
    pub(crate) fn document(
        doc_id: String,
        source_path: String,
        text: String,
        content_hash: u64,
        bytes: u64,
        encoding: &'static str,
    ) -> Row {
        Row {
            doc_id,
            source_path,
            content_hash: Some(content_hash),
            encoding: Some(encoding),
            bytes,
            text: Some(text),
            meta: Meta::default(),
            reject: None,
            flags: Vec::new(),
        }
    }

    /// Sets the metadata.
    pub(crate) fn with_meta(mut self, meta: Meta) -> Row {
        self.meta = meta;
        self
    }

    /// Sets the flags.
    pub(crate) fn with_flags(mut self, flags: Vec<&'static str>) -> Row {
        self.flags = flags;
        self
    }

    /// A reject row. `content_hash` and `encoding` are set only when known.
    pub(crate) fn reject(
        doc_id: String,
        source_path: String,
        reason: RejectReason,
        detail: String,
        bytes: u64,
        content_hash: Option<u64>,
        encoding: Option<&'static str>,
    ) -> Row {
        tracing::debug!(
            %source_path,
            %doc_id,
            reason = reason.code(),
            %detail,
            "input rejected"
        );
        Row {
            doc_id,
            source_path,
            content_hash,
            encoding,
            bytes,
            text: None,
            meta: Meta::default(),
            reject: Some((reason, detail)),
            flags: Vec::new(),
        }
    }
}

/// xxh3-64 of `bytes`.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Accumulates rows into the Arrow builders of the ingest schema.
pub(crate) struct RowBuilder {
    schema: SchemaRef,
    doc_id: StringBuilder,
    source_path: StringBuilder,
    content_hash: StringBuilder,
    encoding: StringBuilder,
    bytes: UInt64Builder,
    text: StringBuilder,
    meta_published: StringBuilder,
    meta_url: StringBuilder,
    meta_source: StringBuilder,
    reject_reason: StringBuilder,
    reject_detail: StringBuilder,
    flags: ListBuilder<StringBuilder>,
}

impl RowBuilder {
    /// Builders for `capacity` rows whose texts take `text_bytes` bytes.
    pub(crate) fn new(schema: SchemaRef, capacity: usize, text_bytes: usize) -> RowBuilder {
        let strings = || StringBuilder::with_capacity(capacity, capacity * 16);
        RowBuilder {
            schema,
            doc_id: strings(),
            source_path: strings(),
            content_hash: StringBuilder::with_capacity(capacity, capacity * 16),
            encoding: strings(),
            bytes: UInt64Builder::with_capacity(capacity),
            text: StringBuilder::with_capacity(capacity, text_bytes),
            meta_published: StringBuilder::new(),
            meta_url: StringBuilder::new(),
            meta_source: StringBuilder::new(),
            reject_reason: StringBuilder::new(),
            reject_detail: StringBuilder::new(),
            flags: ListBuilder::new(StringBuilder::new()),
        }
    }

    pub(crate) fn push(&mut self, row: Row) {
        self.doc_id.append_value(&row.doc_id);
        self.source_path.append_value(&row.source_path);
        match row.content_hash {
            Some(h) => self.content_hash.append_value(format!("{h:016x}")),
            None => self.content_hash.append_null(),
        }
        self.encoding.append_option(row.encoding);
        self.bytes.append_value(row.bytes);
        self.text.append_option(row.text.as_deref());
        self.meta_published
            .append_option(row.meta.published.as_deref());
        self.meta_url.append_option(row.meta.url.as_deref());
        self.meta_source.append_option(row.meta.source.as_deref());
        match &row.reject {
            Some((reason, detail)) => {
                self.reject_reason.append_value(reason.code());
                self.reject_detail.append_value(detail);
            }
            None => {
                self.reject_reason.append_null();
                self.reject_detail.append_null();
            }
        }
        for flag in &row.flags {
            self.flags.values().append_value(flag);
        }
        self.flags.append(true);
    }

    /// Builds the batch and resets the builders.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.doc_id.finish()),
            Arc::new(self.source_path.finish()),
            Arc::new(self.content_hash.finish()),
            Arc::new(self.encoding.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.meta_published.finish()),
            Arc::new(self.meta_url.finish()),
            Arc::new(self.meta_source.finish()),
            Arc::new(self.reject_reason.finish()),
            Arc::new(self.reject_detail.finish()),
            Arc::new(self.flags.finish()),
        ];
        RecordBatch::try_new(self.schema.clone(), columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_core::schema::ingest_schema;

    #[test]
    fn builds_batches_of_the_ingest_schema() {
        let schema = ingest_schema();
        let mut b = RowBuilder::new(schema.clone(), 4, 0);
        b.push(
            Row::document(
                "d".into(),
                "d.txt".into(),
                "hello".into(),
                hash(b"hello"),
                5,
                "UTF-8",
            )
            .with_flags(vec!["invalid_utf8_replaced"]),
        );
        b.push(Row::reject(
            "e".into(),
            "e.txt".into(),
            RejectReason::Empty,
            "The file is empty (0 bytes).".into(),
            0,
            None,
            None,
        ));
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.schema(), schema);
        newsflow_core::validate_batch("ingest", &batch, &schema).unwrap();
        let rendered = newsflow_core::testing::render_rows(
            &batch,
            &["doc_id", "content_hash", "text", "reject_reason", "flags"],
        );
        assert_eq!(
            rendered,
            format!(
                "doc_id: \"d\"\ncontent_hash: \"{:016x}\"\ntext: \"hello\"\nreject_reason: null\nflags: [\"invalid_utf8_replaced\"]\n\n\
                 doc_id: \"e\"\ncontent_hash: null\ntext: null\nreject_reason: \"empty\"\nflags: []\n\n",
                hash(b"hello")
            )
        );
        assert_eq!(b.finish().unwrap().num_rows(), 0);
    }
}
