//! Reading documents out of a normalized batch and writing the three tag
//! columns back, shared by every tagger stage.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float32Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::SchemaRef;
use newsflow_core::schema::{col, evidence_fields, tag_columns, topic_score_fields};
use newsflow_core::stage::extend_schema;
use newsflow_core::{Result, batch};

use crate::{DocText, Tagging};

/// The output schema of every tagger: the input plus the tag columns.
pub(crate) fn output_schema(input: &SchemaRef) -> SchemaRef {
    extend_schema(input, &tag_columns())
}

/// Tags every document row of `input` with `tag` and appends the tag
/// columns. Rows without a body, or with a reject reason, get nulls.
pub(crate) fn tag_batch(
    stage: &str,
    input: &RecordBatch,
    tag: impl Fn(&DocText<'_>) -> Tagging,
) -> Result<RecordBatch> {
    let body = batch::str_column(stage, input, col::BODY)?;
    let optional = |name: &str| match input.column_by_name(name) {
        Some(_) => batch::str_column(stage, input, name).map(Some),
        None => Ok(None),
    };
    let title = optional(col::TITLE)?;
    let lede = optional(col::LEDE)?;
    let reject = optional(col::REJECT_REASON)?;
    let taggings: Vec<Option<Tagging>> = (0..input.num_rows())
        .map(|row| {
            let rejected = reject.is_some_and(|r| r.get(row).is_some());
            let body = body.get(row).filter(|_| !rejected)?;
            Some(tag(&DocText {
                title: title.and_then(|c| c.get(row)),
                lede: lede.and_then(|c| c.get(row)),
                body,
            }))
        })
        .collect();
    let columns = build_columns(&taggings)?;
    let schema = output_schema(&input.schema());
    batch::with_columns(
        stage,
        input,
        schema,
        vec![
            (col::TOPICS, columns[0].clone()),
            (col::TOPIC_SCORES, columns[1].clone()),
            (col::TOPIC_EVIDENCE, columns[2].clone()),
        ],
    )
}

/// Builds `topics`, `topic_scores` and `topic_evidence` (in that order);
/// `None` rows become nulls.
pub(crate) fn build_columns(rows: &[Option<Tagging>]) -> Result<[ArrayRef; 3]> {
    let nulls: Vec<bool> = rows.iter().map(Option::is_none).collect();
    let mut topics = ListBuilder::new(StringBuilder::new());
    let (mut score_lengths, mut score_topics, mut scores, mut hits) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut ev_lengths, mut ev_topics, mut ev_terms, mut ev_starts, mut ev_ends, mut ev_weights) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for row in rows {
        let Some(t) = row else {
            topics.append(false);
            score_lengths.push(0);
            ev_lengths.push(0);
            continue;
        };
        for topic in &t.topics {
            topics.values().append_value(topic);
        }
        topics.append(true);
        score_lengths.push(t.scores.len());
        for s in &t.scores {
            score_topics.push(s.topic.as_str());
            scores.push(s.score);
            hits.push(s.hits);
        }
        ev_lengths.push(t.evidence.len());
        for e in &t.evidence {
            ev_topics.push(e.topic.as_str());
            ev_terms.push(e.term.as_str());
            ev_starts.push(e.start);
            ev_ends.push(e.end);
            ev_weights.push(e.weight);
        }
    }
    let topic_scores = batch::struct_list_array(
        topic_score_fields(),
        &score_lengths,
        vec![
            Arc::new(StringArray::from(score_topics)) as ArrayRef,
            Arc::new(Float32Array::from(scores)),
            Arc::new(UInt32Array::from(hits)),
        ],
        Some(&nulls),
    )?;
    let evidence = batch::struct_list_array(
        evidence_fields(),
        &ev_lengths,
        vec![
            Arc::new(StringArray::from(ev_topics)) as ArrayRef,
            Arc::new(StringArray::from(ev_terms)),
            Arc::new(UInt32Array::from(ev_starts)),
            Arc::new(UInt32Array::from(ev_ends)),
            Arc::new(Float32Array::from(ev_weights)),
        ],
        Some(&nulls),
    )?;
    Ok([Arc::new(topics.finish()), topic_scores, evidence])
}
