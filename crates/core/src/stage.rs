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

    /// Whether this stage reads the raw `text` column (the decoded input).
    ///
    /// Between the normalization pass and the stages after it the runner
    /// keeps the batches on disk; it keeps their raw text only when a later
    /// stage reads it, and otherwise hands those stages `text` as nulls. The
    /// default is `true`: a stage written elsewhere may read any column.
    fn reads_raw_text(&self) -> bool {
        true
    }
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

/// Returns `batch` with exactly the fields of `schema`, in its order:
/// columns are selected by name (extra ones dropped), string columns are
/// rewritten to `Utf8`, and list or struct columns whose types differ from
/// the contract only in child field names or nullability (as batches built
/// by pyarrow, pandas or polars often do) are relabelled. Anything else that
/// differs is an error naming the stage and column.
pub fn conform(stage: &str, batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let batch = crate::batch::normalize_string_types(stage, batch)?;
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let array = crate::batch::column(stage, &batch, field.name())?;
        if array.data_type() == field.data_type() {
            columns.push(array.clone());
            continue;
        }
        if !same_shape(array.data_type(), field.data_type()) {
            return Err(Error::ColumnType {
                stage: stage.to_string(),
                column: field.name().clone(),
                expected: type_name(field.data_type()),
                found: type_name(array.data_type()),
            });
        }
        let data = array
            .to_data()
            .into_builder()
            .data_type(field.data_type().clone())
            .build()
            .map_err(|e| Error::arrow(stage, e))?;
        columns.push(arrow_array::make_array(data));
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::arrow(stage, e))
}

/// True when two types have the same physical layout and differ at most in
/// the names or nullability of child fields.
fn same_shape(a: &arrow_schema::DataType, b: &arrow_schema::DataType) -> bool {
    use arrow_schema::DataType::*;
    match (a, b) {
        (List(x), List(y)) => same_shape(x.data_type(), y.data_type()),
        (Struct(x), Struct(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(f, g)| f.name() == g.name() && same_shape(f.data_type(), g.data_type()))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{Array, ArrayRef, Int32Array};
    use arrow_schema::{DataType, Field};

    use super::*;

    #[test]
    fn conform_relabels_list_items_and_drops_extras() {
        let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
            "element",
            DataType::Utf8,
            false,
        )));
        b.values().append_value("x");
        b.append(true);
        let list: ArrayRef = Arc::new(b.finish());
        let extra: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        let input = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("extra", DataType::Int32, true),
                Field::new("topics", list.data_type().clone(), true),
            ])),
            vec![extra, list],
        )
        .unwrap();
        let want: SchemaRef = Arc::new(Schema::new(vec![Field::new(
            "topics",
            crate::schema::utf8_list(),
            true,
        )]));
        let out = conform("ext", input, &want).unwrap();
        assert_eq!(out.schema(), want);
        assert_eq!(
            crate::batch::str_list_column("t", &out, "topics").unwrap(),
            vec![vec!["x".to_string()]]
        );
    }

    #[test]
    fn conform_rejects_a_different_type() {
        let input = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "topics",
                DataType::Int32,
                true,
            )])),
            vec![Arc::new(Int32Array::from(vec![1])) as ArrayRef],
        )
        .unwrap();
        let want: SchemaRef = Arc::new(Schema::new(vec![Field::new(
            "topics",
            crate::schema::utf8_list(),
            true,
        )]));
        let err = conform("ext", input, &want).unwrap_err().to_string();
        assert_eq!(
            err,
            "stage `ext`: column `topics` has type Int32, expected List<Utf8>"
        );
    }
}
