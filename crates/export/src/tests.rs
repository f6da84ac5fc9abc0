//! Tests of the whole exporter against real files.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use newsflow_core::schema::{self, col};
use newsflow_core::testing::render_rows;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Encoding;

use super::*;
use crate::testing::sample_tagged_batch;

const DATA_FILES: [&str; 6] = [
    files::DOCUMENTS_PARQUET,
    files::DOCUMENTS_CSV,
    files::REJECTS_PARQUET,
    files::REJECTS_CSV,
    files::MENTIONS_PARQUET,
    files::TOPIC_EVIDENCE_PARQUET,
];

fn export(dir: &Path, batches: &[RecordBatch], config: &ExportConfig) -> ExportSummary {
    let mut exporter = Exporter::create(dir, config).unwrap();
    for batch in batches {
        exporter.write(batch).unwrap();
    }
    exporter.finish(Manifest::default()).unwrap()
}

fn export_sample(dir: &Path) -> ExportSummary {
    export(dir, &[sample_tagged_batch()], &ExportConfig::default())
}

fn dir_entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

struct ParquetFile {
    schema: SchemaRef,
    batch: RecordBatch,
    created_by: Option<String>,
    key_values: Vec<(String, Option<String>)>,
    row_groups: usize,
}

/// The footer of the Parquet file at `path`.
fn parquet_metadata(path: &Path) -> Arc<parquet::file::metadata::ParquetMetaData> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .metadata()
        .clone()
}

fn read_parquet(path: &Path) -> ParquetFile {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let meta = builder.metadata().file_metadata();
    let created_by = meta.created_by().map(str::to_string);
    let key_values = meta
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    let row_groups = builder.metadata().num_row_groups();
    let schema = builder.schema().clone();
    let batches: Vec<_> = builder.build().unwrap().map(Result::unwrap).collect();
    let batch = arrow_select::concat::concat_batches(&schema, &batches).unwrap();
    ParquetFile {
        schema,
        batch,
        created_by,
        key_values,
        row_groups,
    }
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn names(schema: &Schema) -> Vec<&str> {
    schema.fields().iter().map(|f| f.name().as_str()).collect()
}

/// `batch` with column `name` replaced by `array` (same field name, the
/// array's type, nullable).
fn replace_column(batch: &RecordBatch, name: &str, array: ArrayRef) -> RecordBatch {
    let schema = batch.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = batch.columns().to_vec();
    let i = schema.index_of(name).unwrap();
    fields[i] = Field::new(name, array.data_type().clone(), true);
    columns[i] = array;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

fn repeated_sample(times: usize) -> RecordBatch {
    let sample = sample_tagged_batch();
    let copies = vec![sample.clone(); times];
    arrow_select::concat::concat_batches(&sample.schema(), &copies).unwrap()
}

fn slices(batch: &RecordBatch, size: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows())
        .step_by(size)
        .map(|start| batch.slice(start, size.min(batch.num_rows() - start)))
        .collect()
}

#[test]
fn files_get_final_names_and_no_temp_files_remain() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("nested/out");
    let summary = export_sample(&dir);
    let mut expected: BTreeSet<String> = DATA_FILES.iter().map(|s| s.to_string()).collect();
    expected.insert(files::MANIFEST_JSON.to_string());
    assert_eq!(dir_entries(&dir), expected);
    let reported: BTreeSet<String> = summary
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(reported, expected);
    assert_eq!(
        summary.files.last().unwrap(),
        &dir.join(files::MANIFEST_JSON)
    );
    assert_eq!(
        (
            summary.documents,
            summary.rejects,
            summary.mentions,
            summary.evidence
        ),
        (2, 1, 3, 3)
    );
}

#[test]
fn documents_parquet_reads_back_with_schema_values_and_version() {
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());
    let file = read_parquet(&out.path().join(files::DOCUMENTS_PARQUET));

    let expected = schema::documents_schema();
    assert_eq!(file.schema.fields(), expected.fields());
    assert_eq!(
        file.schema
            .metadata()
            .get(newsflow_core::SCHEMA_VERSION_KEY),
        Some(&newsflow_core::SCHEMA_VERSION.to_string())
    );
    assert!(file.key_values.contains(&(
        newsflow_core::SCHEMA_VERSION_KEY.to_string(),
        Some(newsflow_core::SCHEMA_VERSION.to_string())
    )));
    assert_eq!(file.created_by.as_deref(), Some(CREATED_BY));
    assert!(CREATED_BY.starts_with("newsflow "));

    // Every value of the two document rows, as the stream held them.
    let columns = names(&expected);
    let sample = sample_tagged_batch();
    assert_eq!(
        render_rows(&file.batch, &columns),
        render_rows(&sample.slice(0, 2), &columns)
    );
    // A few spelled out.
    let rendered = render_rows(&file.batch, &columns);
    for line in [
        "doc_id: \"tass_001\"",
        "title: \"=Lavrov, Kono hold talks\"",
        "title: null",
        "published_year: 2017",
        "language_confidence: 0.990",
        "persons: [\"Sergey Lavrov\", \"Taro Kono\"]",
        "topic_scores: [{topic: \"diplomacy\", score: 0.875, hits: 3}, {topic: \"defence\", score: 0.250, hits: 1}]",
    ] {
        assert!(rendered.contains(line), "missing {line} in\n{rendered}");
    }
    for stream_only in schema::STREAM_ONLY {
        assert!(file.schema.field_with_name(stream_only).is_err());
    }
}

#[test]
fn free_text_columns_have_no_dictionary_or_statistics() {
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());
    let open = |name: &str| parquet_metadata(&out.path().join(name));
    let documents = open(files::DOCUMENTS_PARQUET);
    let columns = documents.row_group(0).columns();
    let column = |name: &str| {
        columns
            .iter()
            .find(|c| c.column_path().string() == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    for name in ["body", "title", "lede"] {
        let c = column(name);
        assert!(
            c.dictionary_page_offset().is_none(),
            "{name} has a dictionary"
        );
        assert!(c.statistics().is_none(), "{name} has statistics");
    }
    for name in ["doc_id", "source_path", "content_hash"] {
        let c = column(name);
        assert!(
            c.dictionary_page_offset().is_none(),
            "{name} has a dictionary"
        );
        assert!(c.statistics().is_some(), "{name} lost its statistics");
    }
    // Repetitive columns keep both, here and in the side tables.
    assert!(column("language").dictionary_page_offset().is_some());
    assert!(column("language").statistics().is_some());
    let mentions = open(files::MENTIONS_PARQUET);
    let doc_id = &mentions.row_group(0).columns()[0];
    assert_eq!(doc_id.column_path().string(), "doc_id");
    assert!(doc_id.dictionary_page_offset().is_some());
    // Span offsets are delta-encoded, without a dictionary, in both side
    // tables (their values are read back in the test above).
    for name in [files::MENTIONS_PARQUET, files::TOPIC_EVIDENCE_PARQUET] {
        let meta = open(name);
        for c in meta.row_group(0).columns() {
            let path = c.column_path().string();
            if path == "start" || path == "end" {
                assert!(c.dictionary_page_offset().is_none(), "{name} {path}");
                assert!(
                    c.encodings().any(|e| e == Encoding::DELTA_BINARY_PACKED),
                    "{name} {path}: {:?}",
                    c.encodings().collect::<Vec<_>>()
                );
            }
        }
    }
}

#[test]
fn parquet_files_keep_row_group_statistics_and_only_the_page_index_they_need() {
    // The page indexes of the span files are what the writers held longest
    // (see `span_properties`); documents.parquet keeps where its pages are
    // (a body column has many), not their statistics (see
    // `documents_properties`).
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());
    let open = |name: &str| parquet_metadata(&out.path().join(name));
    for name in [files::MENTIONS_PARQUET, files::TOPIC_EVIDENCE_PARQUET] {
        let meta = open(name);
        assert!(meta.num_row_groups() > 0, "{name}");
        for c in meta.row_group(0).columns() {
            let path = c.column_path().string();
            assert!(c.statistics().is_some(), "{name} {path}: no statistics");
            assert!(c.column_index_offset().is_none(), "{name} {path}");
            assert!(c.offset_index_offset().is_none(), "{name} {path}");
        }
    }
    let documents = open(files::DOCUMENTS_PARQUET);
    let doc_id = &documents.row_group(0).columns()[0];
    assert_eq!(doc_id.column_path().string(), "doc_id");
    assert!(doc_id.statistics().is_some());
    for c in documents.row_group(0).columns() {
        let path = c.column_path().string();
        assert!(c.column_index_offset().is_none(), "documents {path}");
        assert!(c.offset_index_offset().is_some(), "documents {path}");
    }
}

#[test]
fn side_tables_hold_rejects_mentions_and_evidence() {
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());

    let rejects = read_parquet(&out.path().join(files::REJECTS_PARQUET));
    assert_eq!(rejects.schema.fields(), schema::rejects_schema().fields());
    assert_eq!(
        render_rows(&rejects.batch, &names(&rejects.schema)),
        "source_path: \"junk/003.bin\"\nreason: \"binary\"\n\
         detail: \"NUL bytes in the first 8 KiB\"\nbytes: 89\n\n"
    );

    let mentions = read_parquet(&out.path().join(files::MENTIONS_PARQUET));
    assert_eq!(mentions.schema.fields(), schema::mentions_schema().fields());
    assert_eq!(mentions.batch.num_rows(), 3);
    let b = &mentions.batch;
    let doc_ids: Vec<_> = b
        .column_by_name(col::DOC_ID)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .flatten()
        .collect();
    assert_eq!(doc_ids, ["tass_001", "tass_001", "mid_002"]);
    let surfaces: Vec<_> = b
        .column_by_name(col::SURFACE)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .flatten()
        .collect();
    assert_eq!(surfaces, ["Lavrov", "Japan", "Россия"]);
    let starts = b
        .column_by_name(col::START)
        .unwrap()
        .as_primitive::<UInt32Type>();
    assert_eq!(starts.values().to_vec(), [17, 35, 0]);
    let repaired = b.column_by_name(col::REPAIRED).unwrap().as_boolean();
    assert_eq!(
        repaired.iter().collect::<Vec<_>>(),
        [Some(false), Some(false), Some(true)]
    );

    let evidence = read_parquet(&out.path().join(files::TOPIC_EVIDENCE_PARQUET));
    assert_eq!(
        evidence.schema.fields(),
        schema::topic_evidence_schema().fields()
    );
    assert_eq!(
        render_rows(&evidence.batch, &names(&evidence.schema)),
        "doc_id: \"tass_001\"\ntopic: \"diplomacy\"\nterm: \"met\"\nstart: 24\nend: 27\nweight: 0.500\n\n\
         doc_id: \"tass_001\"\ntopic: \"defence\"\nterm: \"two plus two\"\nstart: 54\nend: 66\nweight: 0.250\n\n\
         doc_id: \"mid_002\"\ntopic: \"diplomacy\"\nterm: \"переговоры\"\nstart: 24\nend: 34\nweight: 0.100\n\n"
    );
    for file in [&rejects, &mentions, &evidence] {
        assert!(file.key_values.contains(&(
            newsflow_core::SCHEMA_VERSION_KEY.to_string(),
            Some(newsflow_core::SCHEMA_VERSION.to_string())
        )));
        assert_eq!(file.created_by.as_deref(), Some(CREATED_BY));
    }
}

#[test]
fn csv_files_parse_back() {
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());

    let (header, rows) = read_csv(&out.path().join(files::DOCUMENTS_CSV));
    assert_eq!(header, names(&schema::documents_schema()));
    assert_eq!(rows.len(), 2);
    let cell = |row: usize, name: &str| -> &str {
        let i = header.iter().position(|h| h == name).unwrap();
        &rows[row][i]
    };
    assert_eq!(cell(0, col::DOC_ID), "tass_001");
    assert_eq!(cell(0, col::TITLE), "'=Lavrov, Kono hold talks");
    assert_eq!(cell(0, col::AUTHOR), "'@tass_agency");
    assert_eq!(
        cell(0, col::BODY),
        "TOKYO, March 20. Lavrov met Kono.\n\nJapan and Russia, \"two plus two\"."
    );
    assert_eq!(cell(0, col::PERSONS), "Sergey Lavrov; Taro Kono");
    assert_eq!(cell(0, col::HEADINGS), "Talks; Security");
    assert_eq!(cell(0, col::TOPICS), "diplomacy; defence");
    assert_eq!(cell(0, col::TOPIC_SCORES), "diplomacy:0.875; defence:0.25");
    assert_eq!(cell(0, col::PROVENANCE), "title:first_line; date:dateline");
    assert_eq!(cell(0, col::LANGUAGE_CONFIDENCE), "0.99");
    assert_eq!(cell(0, col::PUBLISHED_YEAR), "2017");
    assert_eq!(cell(0, col::PUBLISHED_MONTH), "3");
    assert_eq!(cell(0, col::BYTES), "1234");
    assert_eq!(cell(1, col::TITLE), "");
    assert_eq!(cell(1, col::PUBLISHED_YEAR), "");
    assert_eq!(cell(1, col::ORGS), "");
    assert_eq!(cell(1, col::TOPIC_SCORES), "diplomacy:0.1");
    assert_eq!(cell(1, col::LANGUAGE_CONFIDENCE), "0.5");
    assert_eq!(cell(1, col::BODY), "Россия и Япония провели переговоры.");

    let (header, rows) = read_csv(&out.path().join(files::REJECTS_CSV));
    assert_eq!(header, ["source_path", "reason", "detail", "bytes"]);
    assert_eq!(
        rows,
        [[
            "junk/003.bin",
            "binary",
            "NUL bytes in the first 8 KiB",
            "89"
        ]]
    );

    // RFC 4180 line ends; no BOM.
    let raw = std::fs::read(out.path().join(files::REJECTS_CSV)).unwrap();
    assert_eq!(
        raw,
        b"source_path,reason,detail,bytes\r\njunk/003.bin,binary,NUL bytes in the first 8 KiB,89\r\n"
    );
}

#[test]
fn formula_neutralization_can_be_turned_off() {
    let out = tempfile::tempdir().unwrap();
    let config = ExportConfig {
        csv_neutralize_formulas: false,
        ..ExportConfig::default()
    };
    export(out.path(), &[sample_tagged_batch()], &config);
    let (header, rows) = read_csv(&out.path().join(files::DOCUMENTS_CSV));
    let title = header.iter().position(|h| h == col::TITLE).unwrap();
    assert_eq!(rows[0][title], "=Lavrov, Kono hold talks");
}

#[test]
fn same_rows_give_byte_identical_files_however_batched() {
    let rows = repeated_sample(7); // 14 documents, 7 rejects
    let config = ExportConfig {
        row_group_size: 4,
        zstd_level: 5,
        ..ExportConfig::default()
    };
    let runs: Vec<Vec<RecordBatch>> = vec![
        vec![rows.clone()],
        vec![rows.clone()],
        slices(&rows, 1),
        slices(&rows, 5),
    ];
    let out = tempfile::tempdir().unwrap();
    let mut contents = Vec::new();
    for (i, batches) in runs.iter().enumerate() {
        let dir = out.path().join(format!("run{i}"));
        let summary = export(&dir, batches, &config);
        assert_eq!((summary.documents, summary.rejects), (14, 7));
        let bytes: Vec<Vec<u8>> = DATA_FILES
            .iter()
            .map(|name| std::fs::read(dir.join(name)).unwrap())
            .collect();
        contents.push(bytes);
    }
    for (i, run) in contents.iter().enumerate().skip(1) {
        for (name, (a, b)) in DATA_FILES.iter().zip(contents[0].iter().zip(run)) {
            assert!(a == b, "{name} of run {i} differs from run 0");
        }
    }
    let documents = read_parquet(&out.path().join("run2").join(files::DOCUMENTS_PARQUET));
    assert_eq!(documents.batch.num_rows(), 14);
    assert_eq!(documents.row_groups, 4); // 4 + 4 + 4 + 2
}

#[test]
fn dropped_exporter_leaves_no_files() {
    let out = tempfile::tempdir().unwrap();
    let mut exporter = Exporter::create(out.path(), &ExportConfig::default()).unwrap();
    exporter.write(&sample_tagged_batch()).unwrap();
    assert_eq!(dir_entries(out.path()).len(), DATA_FILES.len());
    assert!(dir_entries(out.path()).iter().all(|n| n.starts_with('.')));
    drop(exporter);
    assert!(dir_entries(out.path()).is_empty());
}

#[test]
fn dropped_exporter_leaves_an_earlier_run_untouched() {
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());
    let before: Vec<_> = dir_entries(out.path())
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(out.path().join(&n)).unwrap()))
        .collect();
    let mut exporter = Exporter::create(out.path(), &ExportConfig::default()).unwrap();
    exporter.write(&repeated_sample(3)).unwrap();
    let bad = replace_column(
        &sample_tagged_batch(),
        col::BODY,
        Arc::new(StringArray::from(vec![None::<&str>; 3])),
    );
    assert!(exporter.write(&bad).is_err());
    drop(exporter);
    let after: Vec<_> = dir_entries(out.path())
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(out.path().join(&n)).unwrap()))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn missing_column_is_named() {
    let sample = sample_tagged_batch();
    let keep: Vec<usize> = (0..sample.num_columns())
        .filter(|&i| sample.schema().field(i).name() != col::DATE_PRECISION)
        .collect();
    let batch = sample.project(&keep).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut exporter = Exporter::create(out.path(), &ExportConfig::default()).unwrap();
    let err = exporter.write(&batch).unwrap_err();
    assert!(
        matches!(&err, ExportError::MissingColumn { column } if column == col::DATE_PRECISION),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "export input: missing column `date_precision`"
    );
}

#[test]
fn wrong_column_type_is_named() {
    let batch = replace_column(
        &sample_tagged_batch(),
        col::LANGUAGE_CONFIDENCE,
        Arc::new(Float64Array::from(vec![0.9, 0.5, 0.0])),
    );
    let out = tempfile::tempdir().unwrap();
    let mut exporter = Exporter::create(out.path(), &ExportConfig::default()).unwrap();
    let err = exporter.write(&batch).unwrap_err();
    assert_eq!(
        err.to_string(),
        "export input: column `language_confidence` has type Float64, expected Float32"
    );
}

#[test]
fn text_column_is_not_needed_and_extra_columns_are_ignored() {
    let sample = sample_tagged_batch();
    let keep: Vec<usize> = (0..sample.num_columns())
        .filter(|&i| sample.schema().field(i).name() != col::TEXT)
        .collect();
    let batch = sample.project(&keep).unwrap();
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("my_sentiment", DataType::Utf8, true));
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(StringArray::from(vec!["pos", "neg", "x"])));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = export(out.path(), &[batch], &ExportConfig::default());
    assert_eq!(summary.documents, 2);
    let file = read_parquet(&out.path().join(files::DOCUMENTS_PARQUET));
    assert!(file.schema.field_with_name("my_sentiment").is_err());
}

#[test]
fn null_title_is_fine_but_null_body_names_the_document() {
    let sample = sample_tagged_batch();
    let no_titles = replace_column(
        &sample,
        col::TITLE,
        Arc::new(StringArray::from(vec![None::<&str>; 3])),
    );
    let out = tempfile::tempdir().unwrap();
    let summary = export(out.path(), &[no_titles], &ExportConfig::default());
    assert_eq!(summary.documents, 2);

    let no_body = replace_column(
        &sample,
        col::BODY,
        Arc::new(StringArray::from(vec![Some("fine"), None, None])),
    );
    let out = tempfile::tempdir().unwrap();
    let mut exporter = Exporter::create(out.path(), &ExportConfig::default()).unwrap();
    let err = exporter.write(&no_body).unwrap_err();
    assert!(
        matches!(&err, ExportError::NullValue { doc_id, column, .. }
            if doc_id == "mid_002" && column == col::BODY),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "document `mid_002`: column `body` is null, but documents.parquet requires a value"
    );
    // The failed batch wrote nothing: a good batch after it is all there is.
    exporter.write(&sample).unwrap();
    let summary = exporter.finish(Manifest::default()).unwrap();
    assert_eq!((summary.documents, summary.rejects), (2, 1));
}

#[test]
fn manifest_counts_what_was_written_with_sorted_keys() {
    let out = tempfile::tempdir().unwrap();
    let mut exporter = Exporter::create(out.path(), &ExportConfig::default()).unwrap();
    exporter.write(&repeated_sample(2)).unwrap();
    let manifest = Manifest {
        program_version: "9.9.9".into(),
        config: serde_json::json!({ "zeta": 1, "alpha": { "b": 2, "a": 1 } }),
        stage_wall_ms: [("tag".to_string(), 12), ("ingest".to_string(), 3)].into(),
        threads: 8,
        inputs: 999,
        ..Manifest::default()
    };
    exporter.finish(manifest).unwrap();
    let text = std::fs::read_to_string(out.path().join(files::MANIFEST_JSON)).unwrap();
    let written: Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(written.schema_version, newsflow_core::SCHEMA_VERSION);
    assert_eq!(written.program_version, "9.9.9");
    assert_eq!(
        (written.inputs, written.documents, written.rejects),
        (6, 4, 2)
    );
    assert_eq!(
        written.rejects_by_reason,
        [("binary".to_string(), 2)].into()
    );
    assert_eq!(written.threads, 8);
    assert_eq!(written.stage_wall_ms["tag"], 12);
    assert_eq!(written.files, DATA_FILES);
    assert!(text.ends_with("}\n"));
    // Keys in sorted order at every level.
    let top: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    let mut sorted = top.clone();
    sorted.sort_unstable();
    assert_eq!(top, sorted);
    assert!(text.find("\"alpha\"").unwrap() < text.find("\"zeta\"").unwrap());
    assert!(text.find("\"a\": 1").unwrap() < text.find("\"b\": 2").unwrap());
}

#[test]
fn csv_can_be_turned_off_and_stale_outputs_go() {
    let out = tempfile::tempdir().unwrap();
    export_sample(out.path());
    let config = ExportConfig {
        csv: false,
        ..ExportConfig::default()
    };
    let summary = export(out.path(), &[sample_tagged_batch()], &config);
    let entries = dir_entries(out.path());
    assert!(!entries.contains(files::DOCUMENTS_CSV));
    assert!(!entries.contains(files::REJECTS_CSV));
    assert_eq!(entries.len(), 5);
    assert_eq!(summary.files.len(), 5);
}

#[test]
fn empty_run_writes_valid_empty_files() {
    let out = tempfile::tempdir().unwrap();
    let summary = export(out.path(), &[], &ExportConfig::default());
    assert_eq!((summary.documents, summary.rejects), (0, 0));
    let documents = read_parquet(&out.path().join(files::DOCUMENTS_PARQUET));
    assert_eq!(documents.batch.num_rows(), 0);
    assert_eq!(
        documents.schema.fields(),
        schema::documents_schema().fields()
    );
    let (header, rows) = read_csv(&out.path().join(files::DOCUMENTS_CSV));
    assert_eq!(header.len(), schema::documents_schema().fields().len());
    assert!(rows.is_empty());
}

#[test]
fn reject_defaults_and_all_reject_batches() {
    let sample = sample_tagged_batch().slice(2, 1);
    let batch = replace_column(
        &replace_column(
            &sample,
            col::REJECT_DETAIL,
            Arc::new(StringArray::from(vec![None::<&str>])),
        ),
        col::BYTES,
        Arc::new(arrow_array::UInt64Array::from(vec![None])),
    );
    let out = tempfile::tempdir().unwrap();
    let summary = export(out.path(), &[batch], &ExportConfig::default());
    assert_eq!((summary.documents, summary.rejects), (0, 1));
    let rejects = read_parquet(&out.path().join(files::REJECTS_PARQUET));
    let b = &rejects.batch;
    assert_eq!(
        b.column_by_name(col::DETAIL)
            .unwrap()
            .as_string::<i32>()
            .value(0),
        ""
    );
    assert_eq!(
        b.column_by_name(col::BYTES)
            .unwrap()
            .as_primitive::<UInt64Type>()
            .value(0),
        0
    );
}

#[test]
fn string_view_input_is_accepted() {
    let sample = sample_tagged_batch();
    let body = sample.column_by_name(col::BODY).unwrap();
    let view: arrow_array::StringViewArray = body.as_string::<i32>().iter().collect();
    let batch = replace_column(&sample, col::BODY, Arc::new(view));
    let out = tempfile::tempdir().unwrap();
    export(out.path(), &[batch], &ExportConfig::default());
    let documents = read_parquet(&out.path().join(files::DOCUMENTS_PARQUET));
    let body = documents.batch.column_by_name(col::BODY).unwrap();
    assert_eq!(body.data_type(), &DataType::Utf8);
    assert_eq!(
        body.as_string::<i32>().value(1),
        "Россия и Япония провели переговоры."
    );
    let conf = documents
        .batch
        .column_by_name(col::LANGUAGE_CONFIDENCE)
        .unwrap()
        .as_primitive::<Float32Type>();
    assert_eq!(conf.null_count(), 0);
}

#[test]
fn invalid_config_fails_before_creating_anything() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("never");
    let config = ExportConfig {
        zstd_level: 99,
        ..ExportConfig::default()
    };
    let err = Exporter::create(&dir, &config).unwrap_err();
    assert!(matches!(
        err,
        ExportError::InvalidConfig {
            option: "zstd_level",
            ..
        }
    ));
    assert!(!dir.exists());
}

#[test]
fn unwritable_output_names_the_path() {
    let out = tempfile::tempdir().unwrap();
    let blocker = out.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let dir = blocker.join("out");
    let err = Exporter::create(&dir, &ExportConfig::default()).unwrap_err();
    assert!(
        matches!(&err, ExportError::Io { path, .. } if path == &dir),
        "{err:?}"
    );
    assert!(err.to_string().contains(&*dir.to_string_lossy()));
}

#[test]
fn large_pages_are_byte_identical_however_batched() {
    // Columns large enough to span several data pages, whose boundaries
    // ArrowWriter decides between the batches it is given: long bodies, and
    // long lists (whose levels it writes in chunks of 1024).
    let sample = sample_tagged_batch().slice(0, 1);
    let word = |i: usize, j: usize| format!("w{}", (i * 7919 + j * 31) % 100_003);
    let rows: Vec<RecordBatch> = (0..40)
        .map(|i| {
            let body: String = (0..12_000).map(|j| word(i, j) + " ").collect();
            let headings: Vec<String> = (0..1000).map(|j| word(i, j).repeat(12)).collect();
            let with_body =
                replace_column(&sample, col::BODY, Arc::new(StringArray::from(vec![body])));
            let headings = newsflow_core::batch::str_list_array(&[headings]);
            replace_column(&with_body, col::HEADINGS, headings)
        })
        .collect();
    let all = arrow_select::concat::concat_batches(&rows[0].schema(), &rows).unwrap();
    let config = ExportConfig {
        row_group_size: 32,
        csv: false,
        ..ExportConfig::default()
    };
    let out = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let runs = [vec![all.clone()], slices(&all, 3), slices(&all, 7)];
    for (i, batches) in runs.iter().enumerate() {
        let dir = out.path().join(format!("run{i}"));
        export(&dir, batches, &config);
        files.push(std::fs::read(dir.join(files::DOCUMENTS_PARQUET)).unwrap());
    }
    assert!(files[0].len() > 100_000);
    assert!(files[0] == files[1], "3-row batches differ");
    assert!(files[0] == files[2], "7-row batches differ");
}

#[test]
fn span_files_have_their_own_row_group_size() {
    let config = ExportConfig {
        row_group_size: 3,
        span_row_group_size: 5,
        ..ExportConfig::default()
    };
    let out = tempfile::tempdir().unwrap();
    export(out.path(), &[repeated_sample(7)], &config);
    let documents = read_parquet(&out.path().join(files::DOCUMENTS_PARQUET));
    assert_eq!(documents.batch.num_rows(), 14);
    assert_eq!(documents.row_groups, 5); // 3 + 3 + 3 + 3 + 2
    for name in [files::MENTIONS_PARQUET, files::TOPIC_EVIDENCE_PARQUET] {
        let spans = read_parquet(&out.path().join(name));
        let rows = spans.batch.num_rows();
        assert!(rows > 14, "{name}: {rows} rows");
        assert_eq!(spans.row_groups, rows.div_ceil(5), "{name}: {rows} rows");
    }
}

#[test]
fn exporter_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Exporter>();
    assert_send::<ExportError>();
}

#[test]
fn batches_prepared_on_other_threads_give_the_same_bytes() {
    // The sample's rows one by one, with a reject among them: prepared on
    // scoped threads, written in order, every file (CSV included) must equal
    // the plain `write` of the same rows.
    let sample = sample_tagged_batch();
    let batches = slices(&sample, 1);
    let out = tempfile::tempdir().unwrap();
    let plain = out.path().join("plain");
    export(&plain, &batches, &ExportConfig::default());

    let prepared_dir = out.path().join("prepared");
    let mut exporter = Exporter::create(&prepared_dir, &ExportConfig::default()).unwrap();
    let preparer = exporter.preparer();
    let prepared: Vec<Prepared> = std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .iter()
            .map(|b| {
                let preparer = preparer.clone();
                scope.spawn(move || preparer.prepare(b).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for p in prepared {
        exporter.write_prepared(p).unwrap();
    }
    exporter.finish(Manifest::default()).unwrap();

    let csv = std::fs::read_to_string(plain.join(files::DOCUMENTS_CSV)).unwrap();
    assert!(csv.lines().count() > 2, "{csv}");
    for name in DATA_FILES {
        let a = std::fs::read(plain.join(name)).unwrap();
        let b = std::fs::read(prepared_dir.join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
}

#[test]
fn document_rows_are_slices_between_the_rejects() {
    // Rows: reject, document, reject, document, document.
    let sample = sample_tagged_batch();
    let indices = arrow_array::UInt32Array::from(vec![2, 0, 2, 1, 0]);
    let columns = sample
        .columns()
        .iter()
        .map(|c| arrow_select::take::take(c.as_ref(), &indices, None).unwrap())
        .collect();
    let batch = RecordBatch::try_new(sample.schema(), columns).unwrap();
    let split = split_batch(&batch).unwrap();
    let ids: Vec<Vec<&str>> = split
        .documents
        .iter()
        .map(|d| {
            let ids = d.column_by_name(col::DOC_ID).unwrap().as_string::<i32>();
            ids.iter().map(Option::unwrap).collect()
        })
        .collect();
    assert_eq!(ids, [vec!["tass_001"], vec!["mid_002", "tass_001"]]);
    assert_eq!(split.rejects.num_rows(), 2);
    // The bodies are the input's, not copies.
    let values = |b: &RecordBatch| {
        b.column_by_name(col::BODY)
            .unwrap()
            .as_string::<i32>()
            .values()
            .as_ptr()
    };
    for documents in &split.documents {
        assert_eq!(values(documents), values(&batch));
    }
    // Only rejects: no document rows at all.
    let rejects = batch.slice(0, 1);
    assert!(split_batch(&rejects).unwrap().documents.is_empty());
}
