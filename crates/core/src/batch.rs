//! Helpers to read columns out of record batches and to build the nested
//! column types of the contract.
//!
//! Batches that come from outside (an external stage written with pandas or
//! polars) may use `LargeUtf8` or `Utf8View` for strings; [`StrColumn`]
//! reads all three, and [`normalize_string_types`] rewrites a batch to plain
//! `Utf8` so it matches the contract again.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, GenericListArray, LargeStringArray, ListArray, OffsetSizeTrait, RecordBatch,
    StringArray, StringViewArray, StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema};

use crate::error::{Error, Result};

/// A read-only view of a string column of any of Arrow's three string types.
#[derive(Debug, Clone, Copy)]
pub enum StrColumn<'a> {
    /// `Utf8`.
    Utf8(&'a StringArray),
    /// `LargeUtf8`.
    Large(&'a LargeStringArray),
    /// `Utf8View`.
    View(&'a StringViewArray),
}

impl<'a> StrColumn<'a> {
    /// Wraps `array` if it is a string array.
    pub fn new(array: &'a dyn Array) -> Option<Self> {
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            Some(StrColumn::Utf8(a))
        } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
            Some(StrColumn::Large(a))
        } else {
            any.downcast_ref::<StringViewArray>().map(StrColumn::View)
        }
    }

    /// The value at `row`, `None` when null.
    pub fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            StrColumn::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            StrColumn::Large(a) => a.is_valid(row).then(|| a.value(row)),
            StrColumn::View(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            StrColumn::Utf8(a) => a.len(),
            StrColumn::Large(a) => a.len(),
            StrColumn::View(a) => a.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Looks up a column by name.
pub fn column<'a>(stage: &str, batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::MissingColumn {
            stage: stage.to_string(),
            column: name.to_string(),
        })
}

/// Looks up a string column by name.
pub fn str_column<'a>(stage: &str, batch: &'a RecordBatch, name: &str) -> Result<StrColumn<'a>> {
    let array = column(stage, batch, name)?;
    StrColumn::new(array.as_ref()).ok_or_else(|| Error::ColumnType {
        stage: stage.to_string(),
        column: name.to_string(),
        expected: "Utf8".into(),
        found: crate::schema::type_name(array.data_type()),
    })
}

/// Looks up a `List<Utf8>` column and returns, per row, its items.
pub fn str_list_column(stage: &str, batch: &RecordBatch, name: &str) -> Result<Vec<Vec<String>>> {
    let array = column(stage, batch, name)?;
    let wrong_type = || Error::ColumnType {
        stage: stage.to_string(),
        column: name.to_string(),
        expected: "List<Utf8>".into(),
        found: crate::schema::type_name(array.data_type()),
    };
    let list = array
        .as_any()
        .downcast_ref::<ListArray>()
        .ok_or_else(wrong_type)?;
    let values = StrColumn::new(list.values().as_ref()).ok_or_else(wrong_type)?;
    let offsets = list.value_offsets();
    Ok((0..list.len())
        .map(|row| {
            if list.is_null(row) {
                return Vec::new();
            }
            (offsets[row] as usize..offsets[row + 1] as usize)
                .filter_map(|i| values.get(i).map(str::to_string))
                .collect()
        })
        .collect())
}

/// Builds a `List<Utf8>` array from per-row string lists.
pub fn str_list_array<S: AsRef<str>>(rows: &[Vec<S>]) -> ArrayRef {
    let mut builder = ListBuilder::new(StringBuilder::new());
    for row in rows {
        for item in row {
            builder.values().append_value(item.as_ref());
        }
        builder.append(true);
    }
    Arc::new(builder.finish())
}

/// Builds a `List<Struct<fields>>` array. `lengths[i]` is the number of
/// structs in row `i`; `columns` hold the struct fields' values for all rows
/// concatenated, in the order of `fields`. Rows listed in `null_rows` are
/// null (used for reject rows); their length must be 0.
pub fn struct_list_array(
    fields: Fields,
    lengths: &[usize],
    columns: Vec<ArrayRef>,
    null_rows: Option<&[bool]>,
) -> Result<ArrayRef> {
    let structs =
        StructArray::try_new(fields.clone(), columns, None).map_err(|e| Error::arrow("core", e))?;
    let offsets = OffsetBuffer::<i32>::from_lengths(lengths.iter().copied());
    let nulls = null_rows.map(|n| n.iter().map(|&is_null| !is_null).collect());
    let list = ListArray::try_new(
        Arc::new(Field::new("item", DataType::Struct(fields), true)),
        offsets,
        Arc::new(structs),
        nulls,
    )
    .map_err(|e| Error::arrow("core", e))?;
    Ok(Arc::new(list))
}

/// Returns `batch` with `columns` (name, array) appended; a column that is
/// already present is replaced in place.
pub fn with_columns(
    stage: &str,
    batch: &RecordBatch,
    schema: Arc<Schema>,
    columns: Vec<(&str, ArrayRef)>,
) -> Result<RecordBatch> {
    let mut arrays = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let name = field.name().as_str();
        if let Some((_, array)) = columns.iter().find(|(n, _)| *n == name) {
            arrays.push(array.clone());
        } else {
            arrays.push(column(stage, batch, name)?.clone());
        }
    }
    RecordBatch::try_new(schema, arrays).map_err(|e| Error::arrow(stage, e))
}

/// Rewrites `LargeUtf8` and `Utf8View` columns (also as list items) to
/// `Utf8`, leaving every other column untouched.
pub fn normalize_string_types(stage: &str, batch: RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let needs = schema
        .fields()
        .iter()
        .any(|f| rewrite_type(f.data_type()).is_some());
    if !needs {
        return Ok(batch);
    }
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut arrays = Vec::with_capacity(schema.fields().len());
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        match rewrite_type(field.data_type()) {
            Some(data_type) => {
                fields.push(Field::new(field.name(), data_type, field.is_nullable()));
                arrays.push(rewrite_array(array));
            }
            None => {
                fields.push(field.as_ref().clone());
                arrays.push(array.clone());
            }
        }
    }
    RecordBatch::try_new(
        Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())),
        arrays,
    )
    .map_err(|e| Error::arrow(stage, e))
}

/// The schema [`normalize_string_types`] gives batches of `schema`.
pub fn normalize_schema(schema: &Schema) -> Arc<Schema> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match rewrite_type(f.data_type()) {
            Some(t) => Field::new(f.name(), t, f.is_nullable()),
            None => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn is_other_string(t: &DataType) -> bool {
    matches!(t, DataType::LargeUtf8 | DataType::Utf8View)
}

fn rewrite_type(t: &DataType) -> Option<DataType> {
    match t {
        t if is_other_string(t) => Some(DataType::Utf8),
        DataType::List(item) | DataType::LargeList(item) if is_other_string(item.data_type()) => {
            Some(crate::schema::utf8_list())
        }
        DataType::LargeList(item) if item.data_type() == &DataType::Utf8 => {
            Some(crate::schema::utf8_list())
        }
        _ => None,
    }
}

fn to_utf8(array: &dyn Array) -> ArrayRef {
    let col = StrColumn::new(array).expect("checked string type");
    Arc::new((0..col.len()).map(|i| col.get(i)).collect::<StringArray>())
}

fn list_to_utf8<O: OffsetSizeTrait>(list: &GenericListArray<O>) -> ArrayRef {
    let values = StrColumn::new(list.values().as_ref()).expect("checked string items");
    let offsets = list.value_offsets();
    let mut builder = ListBuilder::new(StringBuilder::new());
    for row in 0..list.len() {
        if list.is_null(row) {
            builder.append(false);
            continue;
        }
        for i in offsets[row].as_usize()..offsets[row + 1].as_usize() {
            builder.values().append_option(values.get(i));
        }
        builder.append(true);
    }
    Arc::new(builder.finish())
}

fn rewrite_array(array: &ArrayRef) -> ArrayRef {
    match array.data_type() {
        t if is_other_string(t) => to_utf8(array.as_ref()),
        DataType::List(_) => list_to_utf8(
            array
                .as_any()
                .downcast_ref::<ListArray>()
                .expect("List type"),
        ),
        DataType::LargeList(_) => list_to_utf8(
            array
                .as_any()
                .downcast_ref::<GenericListArray<i64>>()
                .expect("LargeList type"),
        ),
        _ => array.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_string_flavours() {
        let large: ArrayRef = Arc::new(LargeStringArray::from(vec![Some("a"), None]));
        let view: ArrayRef = Arc::new(StringViewArray::from(vec![Some("b"), None]));
        let schema = Arc::new(Schema::new(vec![
            Field::new("x", DataType::LargeUtf8, true),
            Field::new("y", DataType::Utf8View, true),
        ]));
        let batch = RecordBatch::try_new(schema, vec![large, view]).unwrap();
        assert_eq!(str_column("t", &batch, "x").unwrap().get(0), Some("a"));
        assert_eq!(str_column("t", &batch, "y").unwrap().get(1), None);
        let fixed = normalize_string_types("t", batch).unwrap();
        assert_eq!(fixed.schema().field(0).data_type(), &DataType::Utf8);
        assert_eq!(fixed.schema().field(1).data_type(), &DataType::Utf8);
        assert_eq!(str_column("t", &fixed, "y").unwrap().get(0), Some("b"));
    }

    #[test]
    fn str_lists_round_trip() {
        let array = str_list_array(&[vec!["a", "b"], vec![], vec!["c"]]);
        let schema = Arc::new(Schema::new(vec![Field::new(
            "l",
            crate::schema::utf8_list(),
            true,
        )]));
        let batch = RecordBatch::try_new(schema, vec![array]).unwrap();
        let rows = str_list_column("t", &batch, "l").unwrap();
        assert_eq!(rows, vec![vec!["a", "b"], vec![], vec!["c"]]);
    }

    #[test]
    fn missing_column_names_the_stage() {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Utf8, true)]));
        let batch =
            RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec!["a"]))]).unwrap();
        let err = str_column("normalize", &batch, "text").unwrap_err();
        assert_eq!(err.to_string(), "stage `normalize`: missing column `text`");
    }
}
