//! Core of newsflow: the schema contract every stage reads and writes, the
//! [`Stage`] trait, errors, and helpers for batches, Arrow IPC and tests.
//!
//! Stages depend on this crate only and meet through Arrow record batches.
//! A stage appends its columns to the batch it is given:
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, RecordBatch, StringArray};
//! use arrow_schema::{DataType, Field, Schema, SchemaRef};
//! use newsflow_core::{Column, Result, Stage, batch, run_checked, stage::extend_schema};
//!
//! /// Counts the characters of `text` into a `chars` column.
//! struct CharCount;
//!
//! fn added() -> Vec<Column> {
//!     vec![Column { name: "chars", data_type: DataType::Utf8, nullable: false, meaning: "length" }]
//! }
//!
//! impl Stage for CharCount {
//!     fn name(&self) -> &str { "chars" }
//!     fn output_schema(&self, input: &SchemaRef) -> Result<SchemaRef> {
//!         Ok(extend_schema(input, &added()))
//!     }
//!     fn process(&self, b: RecordBatch) -> Result<RecordBatch> {
//!         let text = batch::str_column(self.name(), &b, "text")?;
//!         let counts: StringArray = (0..b.num_rows())
//!             .map(|i| text.get(i).map(|t| t.chars().count().to_string()))
//!             .collect();
//!         let schema = self.output_schema(&b.schema())?;
//!         batch::with_columns(self.name(), &b, schema, vec![("chars", Arc::new(counts) as ArrayRef)])
//!     }
//! }
//!
//! let schema = Arc::new(Schema::new(vec![Field::new("text", DataType::Utf8, true)]));
//! let input = RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec!["Москва"]))]).unwrap();
//! let out = run_checked(&CharCount, input).unwrap();
//! assert_eq!(batch::str_column("test", &out, "chars").unwrap().get(0), Some("6"));
//! ```

#![deny(missing_docs)]

pub mod batch;
pub mod error;
pub mod ipc;
pub mod schema;
pub mod stage;
pub mod testing;
pub mod text;

pub use error::{Error, Result};
pub use schema::{Column, SCHEMA_VERSION, SCHEMA_VERSION_KEY, col};
pub use stage::{Stage, conform, run_checked, validate_batch};

/// Re-exports of the Arrow crates the contract is written in, so stage
/// crates and external code use the same versions.
pub mod arrow {
    pub use arrow_array as array;
    pub use arrow_buffer as buffer;
    pub use arrow_schema as schema;
}
