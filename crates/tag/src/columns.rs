//! Reading documents out of a normalized batch and writing the three tag
//! columns back, shared by every tagger stage.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float32Array, RecordBatch, UInt32Array};
use arrow_schema::SchemaRef;
use newsflow_core::schema::{col, evidence_fields, tag_columns, topic_score_fields};
use newsflow_core::stage::extend_schema;
use newsflow_core::{Result, batch};

use crate::{DocText, Tagging};

/// The output schema of every tagger: the input plus the tag columns.
pub(crate) fn output_schema(input: &SchemaRef) -> SchemaRef {
    extend_schema(input, &tag_columns())
}

/// One document's values of the three tag columns, as a tagger made them.
pub(crate) trait TagRow {
    /// Appends them to `columns` as one row.
    fn push_to(&self, columns: &mut Columns);
}

impl TagRow for Tagging {
    fn push_to(&self, columns: &mut Columns) {
        columns.push_row(
            self.topics.iter().map(String::as_str),
            self.scores
                .iter()
                .map(|s| (s.topic.as_str(), s.score, s.hits)),
            self.evidence
                .iter()
                .map(|e| (e.topic.as_str(), e.term.as_str(), e.start, e.end, e.weight)),
        );
    }
}

/// Tags every document row of `input` with `tag` and appends the tag
/// columns. Rows without a body, or with a reject reason, get nulls.
pub(crate) fn tag_batch<R: TagRow>(
    stage: &str,
    input: &RecordBatch,
    tag: impl Fn(&DocText<'_>) -> R,
) -> Result<RecordBatch> {
    let body = batch::str_column(stage, input, col::BODY)?;
    let optional = |name: &str| match input.column_by_name(name) {
        Some(_) => batch::str_column(stage, input, name).map(Some),
        None => Ok(None),
    };
    let title = optional(col::TITLE)?;
    let lede = optional(col::LEDE)?;
    let reject = optional(col::REJECT_REASON)?;
    // The body of each row that is tagged: not a reject.
    let tagged = |row: usize| {
        body.get(row)
            .filter(|_| reject.is_none_or(|r| r.get(row).is_none()))
    };
    let body_bytes = (0..input.num_rows())
        .map(|row| tagged(row).map_or(0, str::len))
        .sum();
    let mut columns = Columns::with_capacity(input.num_rows(), body_bytes);
    // Each row's tagging goes into the column builders at once, so only
    // one document's hits and evidence are held at a time.
    for row in 0..input.num_rows() {
        match tagged(row) {
            Some(body) => tag(&DocText {
                title: title.and_then(|c| c.get(row)),
                lede: lede.and_then(|c| c.get(row)),
                body,
            })
            .push_to(&mut columns),
            None => columns.push_null(),
        }
    }
    let columns = columns.finish()?;
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

/// Room reserved per evidence row, sized on the generated benchmark
/// corpus: one per 45 bytes of body there, with topics of 17 bytes and
/// terms of 14 on average. Room never written costs address space, not
/// memory (pages are backed once written); it saves growing the columns a
/// doubling at a time, each step a fresh buffer and a copy.
pub(crate) const BODY_BYTES_PER_EVIDENCE: usize = 32;
/// See [`BODY_BYTES_PER_EVIDENCE`].
const EVIDENCE_TOPIC_BYTES: usize = 20;
/// See [`BODY_BYTES_PER_EVIDENCE`].
const EVIDENCE_TERM_BYTES: usize = 16;

/// Builders of `topics`, `topic_scores` and `topic_evidence`, one row at a
/// time.
pub(crate) struct Columns {
    nulls: Vec<bool>,
    topics: ListBuilder<StringBuilder>,
    score_lengths: Vec<usize>,
    score_topics: StringBuilder,
    scores: Vec<f32>,
    hits: Vec<u32>,
    ev_lengths: Vec<usize>,
    ev_topics: StringBuilder,
    ev_terms: StringBuilder,
    ev_starts: Vec<u32>,
    ev_ends: Vec<u32>,
    ev_weights: Vec<f32>,
}

impl Columns {
    /// Builders for `rows` rows whose bodies take `body_bytes` bytes (the
    /// evidence columns, the large ones, are sized from it).
    fn with_capacity(rows: usize, body_bytes: usize) -> Self {
        let n = body_bytes / BODY_BYTES_PER_EVIDENCE;
        Columns {
            nulls: Vec::with_capacity(rows),
            topics: ListBuilder::new(StringBuilder::new()),
            score_lengths: Vec::with_capacity(rows),
            score_topics: StringBuilder::new(),
            scores: Vec::new(),
            hits: Vec::new(),
            ev_lengths: Vec::with_capacity(rows),
            ev_topics: StringBuilder::with_capacity(n, n * EVIDENCE_TOPIC_BYTES),
            ev_terms: StringBuilder::with_capacity(n, n * EVIDENCE_TERM_BYTES),
            ev_starts: Vec::with_capacity(n),
            ev_ends: Vec::with_capacity(n),
            ev_weights: Vec::with_capacity(n),
        }
    }

    /// Appends a row of nulls (a document that is not tagged).
    fn push_null(&mut self) {
        self.nulls.push(true);
        self.topics.append(false);
        self.score_lengths.push(0);
        self.ev_lengths.push(0);
    }

    /// Appends one row: the tagged topics, every topic's (id, score,
    /// hits), and the evidence as (topic, term, start, end, weight).
    pub(crate) fn push_row<'a>(
        &mut self,
        topics: impl Iterator<Item = &'a str>,
        scores: impl Iterator<Item = (&'a str, f32, u32)>,
        evidence: impl Iterator<Item = (&'a str, &'a str, u32, u32, f32)>,
    ) {
        self.nulls.push(false);
        for topic in topics {
            self.topics.values().append_value(topic);
        }
        self.topics.append(true);
        let before = self.scores.len();
        for (topic, score, hits) in scores {
            self.score_topics.append_value(topic);
            self.scores.push(score);
            self.hits.push(hits);
        }
        self.score_lengths.push(self.scores.len() - before);
        let before = self.ev_starts.len();
        for (topic, term, start, end, weight) in evidence {
            self.ev_topics.append_value(topic);
            self.ev_terms.append_value(term);
            self.ev_starts.push(start);
            self.ev_ends.push(end);
            self.ev_weights.push(weight);
        }
        self.ev_lengths.push(self.ev_starts.len() - before);
    }

    /// `topics`, `topic_scores` and `topic_evidence`, in that order.
    fn finish(mut self) -> Result<[ArrayRef; 3]> {
        let topic_scores = batch::struct_list_array(
            topic_score_fields(),
            &self.score_lengths,
            vec![
                Arc::new(self.score_topics.finish()) as ArrayRef,
                Arc::new(Float32Array::from(self.scores)),
                Arc::new(UInt32Array::from(self.hits)),
            ],
            Some(&self.nulls),
        )?;
        let evidence = batch::struct_list_array(
            evidence_fields(),
            &self.ev_lengths,
            vec![
                Arc::new(self.ev_topics.finish()) as ArrayRef,
                Arc::new(self.ev_terms.finish()),
                Arc::new(UInt32Array::from(self.ev_starts)),
                Arc::new(UInt32Array::from(self.ev_ends)),
                Arc::new(Float32Array::from(self.ev_weights)),
            ],
            Some(&self.nulls),
        )?;
        Ok([Arc::new(self.topics.finish()), topic_scores, evidence])
    }
}
