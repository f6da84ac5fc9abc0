//! The one seam every stage implements.

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};

use crate::error::{Error, Result};
use crate::schema::{Column, type_name};

/// A pipeline stage: takes a record batch, returns a record batch.
///
/// # Execution model
///
/// The runner splits the corpus into batches of a few hundred documents and
/// calls [`Stage::process`] on them from rayon's thread pool, several batches
/// at once and in any order; it puts the results back in input order before
/// the next stage sees them. A stage therefore holds only read-only state
/// built once per run (automata, reference data, a loaded model) and keeps
/// nothing between batches. It must return exactly one output row per input
/// row, in the same order, and a batch whose schema contains every field of
/// [`Stage::output_schema`] with the declared type; [`run_checked`] enforces
/// both, so a stage written elsewhere (in Rust or as an external program)
/// cannot silently break the contract.
///
/// Rows whose `reject_reason` is set are inputs that did not become
/// documents; a stage passes them through with nulls in the columns it adds.
pub trait Stage: Send + Sync {
    /// Short name used in config files, logs and error messages.
    fn name(&self) -> &str;

    /// Schema of the batches this stage emits when given batches of `input`.
    fn output_schema(&self, input: &SchemaRef) -> Result<SchemaRef>;

    /// Processes one batch.
    fn process(&self, batch: RecordBatch) -> Result<RecordBatch>;
}

/// Returns `input` with `columns` appended, replacing any same-named field
/// (so running a stage twice, or after a stage that already set its columns,
/// yields the same schema).
pub fn extend_schema(input: &Schema, columns: &[Column]) -> SchemaRef {
    let mut fields: Vec<_> = input
        .fields()
        .iter()
        .filter(|f| !columns.iter().any(|c| c.name == f.name()))
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(columns.iter().map(Column::stream_field));
    std::sync::Arc::new(Schema::new_with_metadata(fields, input.metadata().clone()))
}

/// Checks that `batch` carries every field of `expected` with the same type.
/// Extra columns are allowed: external stages may add their own.
pub fn validate_batch(stage: &str, batch: &RecordBatch, expected: &Schema) -> Result<()> {
    let schema = batch.schema();
    for field in expected.fields() {
        let found = schema
            .field_with_name(field.name())
            .map_err(|_| Error::MissingColumn {
                stage: stage.to_string(),
                column: field.name().clone(),
            })?;
        if found.data_type() != field.data_type() {
            return Err(Error::ColumnType {
                stage: stage.to_string(),
                column: field.name().clone(),
                expected: type_name(field.data_type()),
                found: type_name(found.data_type()),
            });
        }
    }
    Ok(())
}

/// Runs `stage` on `batch` and checks the result against the stage's own
/// declared schema and the row count.
pub fn run_checked(stage: &dyn Stage, batch: RecordBatch) -> Result<RecordBatch> {
    let rows = batch.num_rows();
    let expected = stage.output_schema(&batch.schema())?;
    let out = stage.process(batch)?;
    if out.num_rows() != rows {
        return Err(Error::RowCount {
            stage: stage.name().to_string(),
            expected: rows,
            found: out.num_rows(),
        });
    }
    validate_batch(stage.name(), &out, &expected)?;
    Ok(out)
}
