//! Helpers for tests in every crate: render batches as stable text so
//! expected outputs can be written down and compared.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

/// Renders one cell: strings as written, lists as `[a, b]`, structs as
/// `{field: value, ...}`, nulls as `null`.
pub fn render_cell(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return "null".into();
    }
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let col = crate::batch::StrColumn::new(array).expect("string");
            format!("{:?}", col.get(row).unwrap_or_default())
        }
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Float32 => format!("{:.3}", array.as_primitive::<Float32Type>().value(row)),
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            let values = list.value(row);
            let items: Vec<_> = (0..values.len())
                .map(|i| render_cell(values.as_ref(), i))
                .collect();
            format!("[{}]", items.join(", "))
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let parts: Vec<_> = fields
                .iter()
                .zip(s.columns())
                .map(|(f, c)| format!("{}: {}", f.name(), render_cell(c.as_ref(), row)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => format!("<{other}>"),
    }
}

/// Renders the named columns of every row, one `column: value` line each,
/// rows separated by a blank line. Columns absent from the batch are skipped.
pub fn render_rows(batch: &RecordBatch, columns: &[&str]) -> String {
    let mut out = String::new();
    for row in 0..batch.num_rows() {
        for name in columns {
            if let Some(array) = batch.column_by_name(name) {
                out.push_str(&format!("{name}: {}\n", render_cell(array.as_ref(), row)));
            }
        }
        out.push('\n');
    }
    out
}
