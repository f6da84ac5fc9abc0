//! CSV output: RFC 4180 records (CRLF line ends, quotes only where needed),
//! UTF-8 without BOM, one header row, and a small cell formatter.
//!
//! Cell rules, in short: nulls and empty lists are empty cells; strings as
//! written; booleans `true`/`false`; integers in decimal; floats rounded to
//! at most three decimals with trailing zeros dropped (`0.99`, `1`, `0.125`);
//! list items joined with `; ` (null items skipped); a struct as its fields
//! joined with `:`, and in `topic_scores` only `topic:score`. The lists are a
//! convenience for spreadsheets and are not reversible when an item itself
//! contains `; `: the Parquet files hold the exact values.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use newsflow_core::col;

use crate::error::{ExportError, Result};
use crate::flush::{Flush, Flusher};

/// Separator between the items of a list cell.
pub const LIST_SEPARATOR: &str = "; ";

/// Separator between the fields of a struct item (`topic:score`).
pub const STRUCT_SEPARATOR: &str = ":";

/// Struct-list columns whose CSV cells show only some fields.
const STRUCT_FIELDS: &[(&str, &[&str])] = &[(col::TOPIC_SCORES, &[col::TOPIC, col::SCORE])];

/// First characters that make a spreadsheet treat a cell as a formula.
const FORMULA_STARTS: &[u8] = b"=+-@\t\r";

/// A CSV file being written under its temporary name.
#[derive(Debug)]
pub(crate) struct CsvSink {
    path: PathBuf,
    file: BufWriter<File>,
    flush: Flush,
}

/// The writer of every record: RFC 4180 quoting, CRLF line ends. Records
/// are self-contained, so records formatted apart and concatenated are the
/// bytes one writer would have produced.
///
/// The writer formats into a buffer of its own before `Vec` gets the bytes.
/// Each time that buffer fills inside a quoted field, the next call looks
/// for the next quote character in all of the field that is left: a field
/// of `n` bytes without quotes is scanned about `n / buffer` times over. So
/// the buffer is as large as the longest string cell (`longest`), from the
/// crate's 8 KiB up to 1 MiB (a 3 MB body without quotes: 3 scans, not
/// 400); `capacity` is the room reserved for the records.
fn record_writer(capacity: usize, longest: usize) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(longest.clamp(8 << 10, 1 << 20))
        .from_writer(Vec::with_capacity(capacity))
}

/// Bytes of the longest value of the string columns of `batch`.
fn longest_string(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .filter_map(|c| c.as_string_opt::<i32>())
        .flat_map(|s| s.offsets().windows(2).map(|w| w[1] - w[0]))
        .max()
        .map_or(0, |n| usize::try_from(n).unwrap_or(0))
}

/// Bytes per row [`format_records`] reserves beyond the row's strings: for
/// the separators, quotes, numbers and list cells.
const RECORD_OVERHEAD: usize = 1024;

/// More than the size of the records of `batch` in most batches: the bytes
/// of its string columns and a sixteenth more (quotes), plus
/// [`RECORD_OVERHEAD`] a row. The records are formatted into one buffer of
/// this size, not one grown a doubling at a time (each step a fresh buffer
/// and a copy of the last); room never written costs address space, not
/// memory.
fn records_size_hint(batch: &RecordBatch) -> usize {
    let strings: usize = batch
        .columns()
        .iter()
        .filter_map(|c| c.as_string_opt::<i32>())
        .map(|s| usize::try_from(s.offsets().last() - s.offsets().first()).unwrap_or(0))
        .sum();
    strings + strings / 16 + batch.num_rows() * RECORD_OVERHEAD
}

impl CsvSink {
    /// Creates (or truncates) `path` and writes the header row of `schema`.
    /// Fails before creating anything when a column's type has no CSV form.
    pub(crate) fn create(path: PathBuf, schema: &Schema, flusher: &Flusher) -> Result<Self> {
        for field in schema.fields() {
            if !supported(field.data_type()) {
                return Err(ExportError::ColumnType {
                    column: field.name().clone(),
                    expected: "a type the CSV writer can format".into(),
                    found: newsflow_core::schema::type_name(field.data_type()),
                });
            }
        }
        let csv_err = |source| ExportError::Csv {
            path: path.clone(),
            source,
        };
        let mut header = record_writer(0, 0);
        header
            .write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(csv_err)?;
        let header = header
            .into_inner()
            .map_err(|e| csv_err(e.into_error().into()))?;
        let file = File::create(&path).map_err(|e| ExportError::io(&path, e))?;
        let mut sink = CsvSink {
            flush: flusher.handle(path.clone()),
            path,
            file: BufWriter::new(file),
        };
        sink.write_records(&header)?;
        Ok(sink)
    }

    /// Appends records made by [`format_records`].
    pub(crate) fn write_records(&mut self, records: &[u8]) -> Result<()> {
        self.file
            .write_all(records)
            .map_err(|e| ExportError::io(&self.path, e))?;
        self.flush.wrote(records.len() as u64, self.file.get_ref());
        Ok(())
    }

    /// Flushes and fsyncs the file; returns its temporary path.
    pub(crate) fn finish(self) -> Result<PathBuf> {
        let path = self.path;
        let file = self
            .file
            .into_inner()
            .map_err(|e| ExportError::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| ExportError::io(&path, e))?;
        Ok(path)
    }
}

/// The CSV records of every row of `batches`, in order, whose columns are
/// those of the header; with `neutralize`, text cells that a spreadsheet
/// would take for a formula are defused. `path` names the file in errors.
pub(crate) fn format_records(
    batches: &[RecordBatch],
    neutralize: bool,
    path: &Path,
) -> Result<Vec<u8>> {
    let csv_err = |source| ExportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let size: usize = batches.iter().map(records_size_hint).sum();
    let longest = batches.iter().map(longest_string).max().unwrap_or(0);
    let mut writer = record_writer(size, longest);
    let mut record = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        let columns: Vec<_> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, array)| {
                let only = STRUCT_FIELDS
                    .iter()
                    .find(|(name, _)| name == field.name())
                    .map(|(_, fields)| *fields);
                (array.as_ref(), only, is_text(field.data_type()))
            })
            .collect();
        record.resize(columns.len(), String::new());
        for row in 0..batch.num_rows() {
            for (cell, (array, only, text)) in record.iter_mut().zip(&columns) {
                cell.clear();
                format_cell(*array, row, *only, cell);
                if *text && neutralize {
                    neutralize_formula(cell);
                }
            }
            writer.write_record(&record).map_err(csv_err)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| csv_err(e.into_error().into()))
}

/// True for types [`format_cell`] can write.
fn supported(data_type: &DataType) -> bool {
    use DataType::*;
    match data_type {
        Utf8 | LargeUtf8 | Utf8View | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16
        | UInt32 | UInt64 | Float32 | Float64 => true,
        List(item) | LargeList(item) => supported(item.data_type()),
        Struct(fields) => fields.iter().all(|f| supported(f.data_type())),
        _ => false,
    }
}

/// True for cells that may start with a formula character: text, lists and
/// structs. Numbers and booleans are written as they are.
fn is_text(data_type: &DataType) -> bool {
    !(data_type.is_numeric() || data_type == &DataType::Boolean)
}

/// Prefixes `cell` with `'` when it starts like a spreadsheet formula.
pub(crate) fn neutralize_formula(cell: &mut String) {
    if cell
        .as_bytes()
        .first()
        .is_some_and(|b| FORMULA_STARTS.contains(b))
    {
        cell.insert(0, '\'');
    }
}

/// Formats a float with at most three decimals and no trailing zeros; `-0`
/// becomes `0`, non-finite values `NaN`, `inf`, `-inf` (all read back as
/// floats by pandas).
pub(crate) fn format_float(value: f64, out: &mut String) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "inf" } else { "-inf" });
        return;
    }
    let start = out.len();
    let _ = write!(out, "{value:.3}");
    let trimmed = out[start..]
        .trim_end_matches('0')
        .trim_end_matches('.')
        .len();
    out.truncate(start + trimmed);
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

/// Appends the CSV form of `array[row]` to `out` (nothing for a null).
/// `only` restricts which fields of a struct (or of a list's struct items)
/// are written.
pub(crate) fn format_cell(array: &dyn Array, row: usize, only: Option<&[&str]>, out: &mut String) {
    if array.is_null(row) {
        return;
    }
    macro_rules! int {
        ($t:ty) => {{
            let _ = write!(out, "{}", array.as_primitive::<$t>().value(row));
        }};
    }
    match array.data_type() {
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => out.push_str(array.as_string::<i64>().value(row)),
        DataType::Utf8View => out.push_str(array.as_string_view().value(row)),
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float32 => {
            format_float(array.as_primitive::<Float32Type>().value(row).into(), out)
        }
        DataType::Float64 => format_float(array.as_primitive::<Float64Type>().value(row), out),
        DataType::List(_) => format_items(array.as_list::<i32>().value(row).as_ref(), only, out),
        DataType::LargeList(_) => {
            format_items(array.as_list::<i64>().value(row).as_ref(), only, out)
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let mut first = true;
            for (field, child) in fields.iter().zip(s.columns()) {
                if only.is_some_and(|names| !names.contains(&field.name().as_str())) {
                    continue;
                }
                if !first {
                    out.push_str(STRUCT_SEPARATOR);
                }
                first = false;
                format_cell(child.as_ref(), row, None, out);
            }
        }
        // `CsvSink::create` rejects every other type up front.
        _ => {}
    }
}

fn format_items(items: &dyn Array, only: Option<&[&str]>, out: &mut String) {
    let mut first = true;
    for i in 0..items.len() {
        if items.is_null(i) {
            continue;
        }
        if !first {
            out.push_str(LIST_SEPARATOR);
        }
        first = false;
        format_cell(items, i, only, out);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{BooleanArray, Float32Array, Int16Array, StringArray, UInt64Array};
    use newsflow_core::batch::{str_list_array, struct_list_array};
    use newsflow_core::schema::topic_score_fields;

    use super::*;

    #[test]
    fn floats_have_at_most_three_decimals() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (-0.0001, "0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (0.125, "0.125"),
            (0.99, "0.99"),
            (f64::from(0.99f32), "0.99"),
            (0.123456, "0.123"),
            (0.9996, "1"),
            (12.3401, "12.34"),
            (-2.5, "-2.5"),
            (100.0, "100"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(value, expected) in cases {
            let mut out = String::from("x");
            format_float(value, &mut out);
            assert_eq!(out, format!("x{expected}"), "value {value}");
        }
    }

    #[test]
    fn formulas_are_neutralized() {
        let cases = [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+7 495", "'+7 495"),
            ("-1", "'-1"),
            ("@tass", "'@tass"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
            ("'quoted", "'quoted"),
        ];
        for (input, expected) in cases {
            let mut cell = input.to_string();
            neutralize_formula(&mut cell);
            assert_eq!(cell, expected, "input {input:?}");
        }
    }

    fn cell(array: &dyn Array, row: usize, only: Option<&[&str]>) -> String {
        let mut out = String::new();
        format_cell(array, row, only, &mut out);
        out
    }

    #[test]
    fn scalar_cells() {
        let s = StringArray::from(vec![Some("Москва"), None]);
        assert_eq!(cell(&s, 0, None), "Москва");
        assert_eq!(cell(&s, 1, None), "");
        let b = BooleanArray::from(vec![true, false]);
        assert_eq!(
            (cell(&b, 0, None), cell(&b, 1, None)),
            ("true".into(), "false".into())
        );
        let i = Int16Array::from(vec![Some(2024), None]);
        assert_eq!(
            (cell(&i, 0, None), cell(&i, 1, None)),
            ("2024".into(), "".into())
        );
        let u = UInt64Array::from(vec![u64::MAX]);
        assert_eq!(cell(&u, 0, None), u64::MAX.to_string());
        let f = Float32Array::from(vec![0.875]);
        assert_eq!(cell(&f, 0, None), "0.875");
    }

    #[test]
    fn list_and_struct_cells() {
        let lists = str_list_array(&[vec!["Sergey Lavrov", "Taro Kono"], vec![]]);
        assert_eq!(cell(lists.as_ref(), 0, None), "Sergey Lavrov; Taro Kono");
        assert_eq!(cell(lists.as_ref(), 1, None), "");
        let scores = struct_list_array(
            topic_score_fields(),
            &[2, 0],
            vec![
                Arc::new(StringArray::from(vec!["diplomacy", "defence"])),
                Arc::new(Float32Array::from(vec![0.875, 0.1])),
                Arc::new(arrow_array::UInt32Array::from(vec![3, 1])),
            ],
            None,
        )
        .unwrap();
        let only: &[&str] = &[col::TOPIC, col::SCORE];
        assert_eq!(
            cell(scores.as_ref(), 0, Some(only)),
            "diplomacy:0.875; defence:0.1"
        );
        assert_eq!(
            cell(scores.as_ref(), 0, None),
            "diplomacy:0.875:3; defence:0.1:1"
        );
        assert_eq!(cell(scores.as_ref(), 1, Some(only)), "");
    }

    #[test]
    fn the_records_fit_in_the_room_reserved_for_them() {
        let body = "MOSCOW, March 5 (TASS). The minister said \"talks\" went well.\n\n".repeat(200);
        let schema = Arc::new(Schema::new(vec![
            arrow_schema::Field::new("doc_id", DataType::Utf8, false),
            arrow_schema::Field::new("body", DataType::Utf8, true),
            arrow_schema::Field::new("persons", newsflow_core::schema::utf8_list(), true),
            arrow_schema::Field::new("year", DataType::Int16, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["a", "b", "c", "d"])),
                Arc::new(StringArray::from(vec![
                    Some(body.as_str()),
                    Some("=1+1"),
                    None,
                    Some(&body[..900]),
                ])),
                str_list_array(&[
                    vec!["Sergey Lavrov", "Taro Kono"],
                    vec![],
                    vec![],
                    vec!["Antony Blinken"],
                ]),
                Arc::new(Int16Array::from(vec![Some(2024), None, None, Some(1999)])),
            ],
        )
        .unwrap();
        let path = Path::new("documents.csv");
        for rows in [batch.clone(), batch.slice(1, 3), batch.slice(3, 1)] {
            let records = format_records(std::slice::from_ref(&rows), true, path).unwrap();
            let hint = records_size_hint(&rows);
            assert!(records.len() <= hint, "{} > {hint}", records.len());
            // Only the rows' own strings count, not the whole buffers of a
            // sliced batch.
            assert!(hint <= 2 * records.len() + rows.num_rows() * RECORD_OVERHEAD);
        }
    }

    /// A body of a few megabytes, quotes only near its ends, spans many
    /// fills of the writer's buffer: its record is still RFC 4180 quoting
    /// of the whole body.
    #[test]
    fn a_long_field_is_quoted_whole() {
        let body = format!(
            "\"Talks\" began.\n{}The end, \"he said\".",
            "The minister met his counterpart in Tokyo.\n".repeat(70_000)
        );
        let schema = Arc::new(Schema::new(vec![
            arrow_schema::Field::new("doc_id", DataType::Utf8, false),
            arrow_schema::Field::new("body", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["a"])),
                Arc::new(StringArray::from(vec![body.as_str()])),
            ],
        )
        .unwrap();
        let records = format_records(
            std::slice::from_ref(&batch),
            true,
            Path::new("documents.csv"),
        )
        .unwrap();
        let want = format!("a,\"{}\"\r\n", body.replace('"', "\"\""));
        assert!(
            records == want.as_bytes(),
            "{} bytes, want {}",
            records.len(),
            want.len()
        );
    }

    #[test]
    fn text_types_are_the_only_neutralized_ones() {
        assert!(is_text(&DataType::Utf8));
        assert!(is_text(&newsflow_core::schema::utf8_list()));
        assert!(!is_text(&DataType::Float32));
        assert!(!is_text(&DataType::UInt64));
        assert!(!is_text(&DataType::Boolean));
        assert!(supported(&newsflow_core::schema::struct_list(
            topic_score_fields()
        )));
        assert!(!supported(&DataType::Date32));
    }
}
