//! The taggers behind the `Stage` seam: normalized batches in, the three tag
//! columns out, reject rows passed through with nulls.

use std::sync::Arc;

use arrow_array::{ArrayRef, LargeStringArray, RecordBatch, StringArray, new_null_array};
use arrow_schema::{DataType, Field, Schema};
use newsflow_core::schema::{col, normalized_schema, tagged_schema};
use newsflow_core::testing::render_cell;
use newsflow_core::{Stage, run_checked};
use newsflow_tag::linear::{LabelledDoc, LinearTagger, TrainOptions, train};
use newsflow_tag::{CombineMode, CombinedTagger, KeywordConfig};

/// A normalized batch: a document, a reject row and a Russian document.
fn normalized_batch() -> RecordBatch {
    let schema = normalized_schema();
    let strings =
        |values: [Option<&str>; 3]| Arc::new(StringArray::from(values.to_vec())) as ArrayRef;
    let columns = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            col::DOC_ID => strings([Some("a"), Some("b"), Some("c")]),
            col::TITLE => strings([Some("Japan to deploy Aegis Ashore"), None, None]),
            col::BODY => strings([
                Some("Tokyo will deploy two Aegis Ashore missile defence batteries."),
                None,
                Some("Россия не поддержит новых санкций против КНДР."),
            ]),
            col::REJECT_REASON => strings([None, Some("empty"), None]),
            _ => new_null_array(f.data_type(), 3),
        })
        .collect();
    RecordBatch::try_new(schema, columns).unwrap()
}

fn cell(batch: &RecordBatch, name: &str, row: usize) -> String {
    render_cell(batch.column_by_name(name).unwrap().as_ref(), row)
}

fn linear_tagger() -> LinearTagger {
    let docs: Vec<LabelledDoc> = [
        ("new sanctions against the regime", "sanctions"),
        ("sanctions were extended again", "sanctions"),
        ("санкции против КНДР", "sanctions"),
        ("the match ended in a draw", "football"),
        ("the striker scored a goal", "football"),
    ]
    .iter()
    .map(|(text, topic)| LabelledDoc {
        text: text.to_string(),
        topics: vec![topic.to_string()],
    })
    .collect();
    let opts = TrainOptions {
        dims_bits: 12,
        ..TrainOptions::default()
    };
    LinearTagger::new(train(&docs, &opts).unwrap(), 0.5)
}

#[test]
fn every_tagger_emits_the_tagged_schema_and_nulls_for_rejects() {
    let keyword = || KeywordConfig::default().build().unwrap();
    let stages: Vec<Box<dyn Stage>> = vec![
        Box::new(keyword()),
        Box::new(linear_tagger()),
        Box::new(CombinedTagger::new(keyword(), linear_tagger(), CombineMode::Union, 0.5).unwrap()),
    ];
    let names: Vec<&str> = stages.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["tag", "linear", "combined"]);
    for stage in &stages {
        let out = run_checked(stage.as_ref(), normalized_batch()).unwrap();
        assert_eq!(
            out.schema().fields(),
            tagged_schema().fields(),
            "{}",
            stage.name()
        );
        for column in [col::TOPICS, col::TOPIC_SCORES, col::TOPIC_EVIDENCE] {
            assert_eq!(cell(&out, column, 1), "null", "{} {column}", stage.name());
        }
        assert!(
            cell(&out, col::TOPICS, 2).contains("sanctions"),
            "{}",
            stage.name()
        );
        // Running a tagger again replaces its columns instead of adding more.
        let again = run_checked(stage.as_ref(), out.clone()).unwrap();
        assert_eq!(again.schema(), out.schema());
    }
}

#[test]
fn keyword_columns_hold_scores_and_body_offsets() {
    let tagger = KeywordConfig::default().build().unwrap();
    let out = run_checked(&tagger, normalized_batch()).unwrap();
    assert_eq!(cell(&out, col::TOPICS, 0), "[\"missile_defense\"]");
    assert_eq!(
        cell(&out, col::TOPIC_SCORES, 0),
        "[{topic: \"missile_defense\", score: 9.000, hits: 3}]"
    );
    // Title hits count for the score; evidence points into the body only.
    assert_eq!(
        cell(&out, col::TOPIC_EVIDENCE, 0),
        "[{topic: \"missile_defense\", term: \"Aegis Ashore\", start: 22, end: 34, weight: 3.000}, \
         {topic: \"missile_defense\", term: \"missile defence\", start: 35, end: 50, weight: 3.000}]"
    );
    assert_eq!(
        cell(&out, col::TOPICS, 2),
        "[\"sanctions\", \"korean_peninsula\"]"
    );
}

#[test]
fn accepts_large_string_columns_from_outside() {
    let schema = Arc::new(Schema::new(vec![
        Field::new(col::TITLE, DataType::LargeUtf8, true),
        Field::new(col::BODY, DataType::LargeUtf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(LargeStringArray::from(vec![Some("Санкции")])),
            Arc::new(LargeStringArray::from(vec![Some(
                "Новые санкции против КНДР.",
            )])),
        ],
    )
    .unwrap();
    let tagger = KeywordConfig::default().build().unwrap();
    let out = run_checked(&tagger, batch).unwrap();
    assert_eq!(
        cell(&out, col::TOPICS, 0),
        "[\"sanctions\", \"korean_peninsula\"]"
    );
}

#[test]
fn a_batch_without_body_is_a_clear_error() {
    let schema = Arc::new(Schema::new(vec![Field::new(
        col::TITLE,
        DataType::Utf8,
        true,
    )]));
    let batch = RecordBatch::try_new(
        schema,
        vec![Arc::new(StringArray::from(vec!["x"])) as ArrayRef],
    )
    .unwrap();
    let tagger = KeywordConfig::default().build().unwrap();
    let err = tagger.process(batch).unwrap_err();
    assert_eq!(err.to_string(), "stage `tag`: missing column `body`");
}
