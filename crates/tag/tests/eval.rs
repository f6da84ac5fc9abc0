//! `newsflow eval`: gold JSONL against batches of `documents.parquet`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{
    Float32Builder, Int8Builder, Int16Builder, ListBuilder, StringBuilder, UInt32Builder,
    UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch, new_empty_array, new_null_array};
use arrow_schema::DataType;
use newsflow_core::batch::struct_list_array;
use newsflow_core::schema::documents_schema;
use newsflow_tag::eval::{Miss, evaluate, read_gold};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eval")
        .join(name)
}

/// A batch of `documents.parquet` rows; columns not given are null when
/// nullable and empty or zero otherwise.
fn documents(rows: &[Value]) -> RecordBatch {
    let schema = documents_schema();
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|field| {
            let name = field.name().as_str();
            let values: Vec<Option<&Value>> = rows.iter().map(|r| r.get(name)).collect();
            let given = values.iter().any(Option::is_some);
            match field.data_type() {
                _ if !given && field.is_nullable() => new_null_array(field.data_type(), rows.len()),
                DataType::Utf8 => {
                    let mut b = StringBuilder::new();
                    for v in &values {
                        match v.and_then(Value::as_str) {
                            Some(s) => b.append_value(s),
                            None if field.is_nullable() => b.append_null(),
                            None => b.append_value(""),
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Int16 => {
                    let mut b = Int16Builder::new();
                    for v in &values {
                        b.append_option(v.and_then(Value::as_i64).map(|x| x as i16));
                    }
                    Arc::new(b.finish())
                }
                DataType::Int8 => {
                    let mut b = Int8Builder::new();
                    for v in &values {
                        b.append_option(v.and_then(Value::as_i64).map(|x| x as i8));
                    }
                    Arc::new(b.finish())
                }
                DataType::UInt32 => {
                    let mut b = UInt32Builder::new();
                    (0..rows.len()).for_each(|_| b.append_value(0));
                    Arc::new(b.finish())
                }
                DataType::UInt64 => {
                    let mut b = UInt64Builder::new();
                    (0..rows.len()).for_each(|_| b.append_value(0));
                    Arc::new(b.finish())
                }
                DataType::Float32 => {
                    let mut b = Float32Builder::new();
                    (0..rows.len()).for_each(|_| b.append_value(1.0));
                    Arc::new(b.finish())
                }
                DataType::List(item) if item.data_type() == &DataType::Utf8 => {
                    let mut b = ListBuilder::new(StringBuilder::new());
                    for v in &values {
                        for s in v.and_then(Value::as_array).into_iter().flatten() {
                            b.values().append_value(s.as_str().unwrap());
                        }
                        b.append(true);
                    }
                    Arc::new(b.finish())
                }
                DataType::List(item) => match item.data_type() {
                    DataType::Struct(fields) => struct_list_array(
                        fields.clone(),
                        &vec![0; rows.len()],
                        fields
                            .iter()
                            .map(|f| new_empty_array(f.data_type()))
                            .collect(),
                        None,
                    )
                    .unwrap(),
                    other => panic!("unexpected list item {other}"),
                },
                other => panic!("unexpected column type {other} for {name}"),
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).unwrap()
}

fn outputs() -> Vec<RecordBatch> {
    vec![
        documents(&[json!({
            "doc_id": "a",
            "source_path": "sub/a.txt",
            "title": "Title  A",
            "published_month": 3,
            "published_day": 19,
            "language": "en",
            "source": "TASS",
            "persons": ["Sergey Lavrov", "Shinzo Abe"],
            "countries": ["RU", "JP"],
            "topics": ["sanctions", "nonproliferation", "economic_cooperation"],
            "body": "Moscow and Tokyo held talks.\n\nA heading\n\nThe minister said.",
        })]),
        documents(&[json!({
            "doc_id": "b",
            "source_path": "elsewhere/b-renamed.txt",
            "topics": ["missile_defense"],
            "body": "Aegis Ashore.",
        })]),
    ]
}

#[test]
fn scores_topics_fields_entities_and_body_checks() {
    let gold = read_gold(&fixture("gold-sample.jsonl")).unwrap();
    assert_eq!(gold.len(), 3);
    let report = evaluate(&gold, &outputs());
    assert_eq!((report.gold_documents, report.matched_documents), (3, 2));

    // Topics: a predicted optional topic is neither a hit nor a false
    // positive; a missing document's required topics are misses.
    let t = &report.topics;
    assert_eq!(t.documents, 3);
    let counts: Vec<(&str, usize, usize, usize)> = t
        .per_topic
        .iter()
        .map(|m| (m.label.as_str(), m.tp, m.fp, m.fn_))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("missile_defense", 1, 0, 0),
            ("korean_peninsula", 0, 0, 1),
            ("terrorism", 0, 0, 1),
            ("sanctions", 1, 0, 0),
            ("economic_cooperation", 0, 1, 0),
        ]
    );
    assert_eq!(t.micro.precision, Some(2.0 / 3.0));
    assert_eq!(t.micro.recall, Some(0.5));
    assert_eq!(t.macro_avg.f1, Some(0.4));

    let fields: Vec<(&str, usize, usize)> = report
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.correct, f.total))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("title", 2, 3),
            ("lede", 1, 1),
            ("source", 1, 1),
            ("language", 1, 1),
            ("year", 1, 1),
            ("month", 1, 1),
            ("day", 1, 1),
        ]
    );
    let persons = &report.entities[0];
    assert_eq!(
        (persons.label.as_str(), persons.tp, persons.fp, persons.fn_),
        ("persons", 1, 1, 1)
    );
    assert_eq!(report.entities[1].scores.f1, Some(1.0));
    assert_eq!(
        (report.noise_removed.passed, report.noise_removed.total),
        (1, 2)
    );
    assert_eq!(report.headings_kept.rate, Some(1.0));
    assert_eq!(
        (report.body_bounds.passed, report.body_bounds.total),
        (1, 2)
    );

    let a = &report.misses[0];
    assert_eq!(a.file, "a.txt");
    assert_eq!(
        a.misses,
        vec![
            Miss::TopicMissing {
                topic: "korean_peninsula".into()
            },
            Miss::TopicExtra {
                topic: "economic_cooperation".into()
            },
            Miss::EntityMissing {
                kind: "persons".into(),
                name: "Taro Kono".into()
            },
            Miss::EntityExtra {
                kind: "persons".into(),
                name: "Shinzo Abe".into()
            },
            Miss::BodyEnd {
                expected: "the minister noted.".into(),
                found: Some(" The minister said.".into())
            },
        ]
    );
    assert_eq!(report.misses[1].file, "c.txt");
    assert_eq!(report.misses[1].misses, vec![Miss::MissingDocument]);
}

#[test]
fn matches_by_doc_id_stem() {
    let gold = read_gold(&fixture("gold-sample.jsonl")).unwrap();
    let report = evaluate(&gold[1..2], &outputs());
    assert_eq!(report.matched_documents, 1);
    assert!(report.misses.is_empty(), "{:?}", report.misses);
}

#[test]
fn prints_an_aligned_table_and_serializes_to_json() {
    let gold = read_gold(&fixture("gold-sample.jsonl")).unwrap();
    let report = evaluate(&gold, &outputs());
    let text = report.to_string();
    let expected_lines = [
        "Documents: 3 in gold, 2 matched",
        "topic                   tp    fp    fn  precision  recall      f1",
        "missile_defense          1     0     0      1.000   1.000   1.000",
        "economic_cooperation     0     1     0      0.000       -   0.000",
        "micro                                       0.667   0.500   0.571",
        "title                 2      3     0.667",
        "noise removed       1/2     0.500",
        "c.txt",
        "  no output document",
        "  topic not expected: economic_cooperation",
    ];
    for line in expected_lines {
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in\n{text}"
        );
    }
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["topics"]["micro"]["recall"], json!(0.5));
    assert_eq!(value["topics"]["per_topic"][0]["fn"], json!(0));
    assert_eq!(
        value["misses"][1]["misses"][0]["check"],
        json!("missing_document")
    );
    assert_eq!(value["body_bounds"]["total"], json!(2));
}

#[test]
fn a_bad_gold_line_names_the_file_and_line() {
    let path = fixture("gold-bad.jsonl");
    let err = read_gold(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:2: missing field `file` at line 1 column 20",
            path.display()
        )
    );
}
