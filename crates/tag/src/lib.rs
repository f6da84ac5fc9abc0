//! Topic tagging for newsflow: which of the topics of `topics.md` a news
//! article is substantively about, with scores and evidence.
//!
//! Three taggers sit behind the same [`newsflow_core::Stage`] seam and add
//! the columns `topics`, `topic_scores` and `topic_evidence`
//! ([`newsflow_core::schema::tag_columns`]) to normalized batches:
//!
//! * [`KeywordTagger`] (stage `tag`, the default) matches an editable
//!   taxonomy of weighted English and Russian terms ([`taxonomy`],
//!   `data/taxonomy.toml`) and keeps a topic only when it is a substantive
//!   subject: carried by enough sentences, or by the title or lede, and not
//!   merely named in a list of subjects ([`keyword`] documents the scoring).
//! * [`linear::LinearTagger`] (stage `linear`) applies a one-vs-rest
//!   logistic regression over hashed word and bigram features, trained with
//!   [`linear::train`] on the user's own labelled documents.
//! * [`CombinedTagger`] (stage `combined`) joins the two.
//!
//! [`eval`] scores a run against a gold file such as `seeds-gold.jsonl`.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, RecordBatch, StringArray};
//! use arrow_schema::{DataType, Field, Schema};
//! use newsflow_core::{batch, run_checked, testing::render_cell};
//! use newsflow_tag::{DocText, KeywordConfig};
//!
//! let tagger = KeywordConfig::default().build()?;
//!
//! // One document at a time ...
//! let doc = DocText {
//!     title: Some("Japan to deploy Aegis Ashore"),
//!     lede: None,
//!     body: "Tokyo will deploy two Aegis Ashore missile defence batteries. \
//!            Among other problems are terrorism, piracy and drug trafficking.",
//! };
//! let tagging = tagger.tag(&doc);
//! assert_eq!(tagging.topics, vec!["missile_defense"]); // the list is not a subject
//! let first = &tagging.evidence[0];
//! assert_eq!((first.term.as_str(), first.start, first.end), ("Aegis Ashore", 22, 34));
//!
//! // ... or as a pipeline stage over a normalized batch.
//! let schema = Arc::new(Schema::new(vec![
//!     Field::new("title", DataType::Utf8, true),
//!     Field::new("lede", DataType::Utf8, true),
//!     Field::new("body", DataType::Utf8, true),
//! ]));
//! let column = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
//! let input = RecordBatch::try_new(schema, vec![
//!     column(vec![None, None]),
//!     column(vec![None, None]),
//!     column(vec![Some("Санкции против КНДР обсудили в Совбезе ООН."), None]),
//! ])?;
//! let output = run_checked(&tagger, input)?;
//! let topics = output.column_by_name("topics").unwrap();
//! assert_eq!(
//!     render_cell(topics.as_ref(), 0),
//!     r#"["sanctions", "multilateral_diplomacy", "korean_peninsula"]"#
//! );
//! assert_eq!(render_cell(topics.as_ref(), 1), "null"); // no body: a reject row
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod columns;
pub mod combined;
pub mod error;
pub mod eval;
pub mod keyword;
pub mod linear;
pub mod sentences;
pub mod taxonomy;

use serde::Serialize;

pub use combined::{CombineMode, CombinedConfig, CombinedTagger};
pub use error::{Result, TagError};
pub use keyword::{KeywordConfig, KeywordTagger};
pub use taxonomy::Taxonomy;

/// The topic ids of the default label space (`topics.md`), in its order.
/// The keyword taxonomy may use only these; the linear tagger learns
/// whatever labels its training data carries.
pub const TOPIC_IDS: [&str; 17] = [
    "security_architecture",
    "missile_defense",
    "nonproliferation",
    "korean_peninsula",
    "territorial_dispute",
    "terrorism",
    "drug_trafficking",
    "maritime_security",
    "disaster_relief",
    "cyber_information_security",
    "space",
    "military_cooperation",
    "sanctions",
    "armed_conflict",
    "multilateral_diplomacy",
    "bilateral_dialogue",
    "economic_cooperation",
];

/// The parts of a document a tagger reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DocText<'a> {
    /// Headline.
    pub title: Option<&'a str>,
    /// Standfirst.
    pub lede: Option<&'a str>,
    /// Cleaned body; evidence offsets point into it.
    pub body: &'a str,
}

/// A tagger's result for one document: the three tag columns of one row.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Tagging {
    /// Tagged topic ids, best first.
    pub topics: Vec<String>,
    /// Every topic with evidence, best first.
    pub scores: Vec<TopicScore>,
    /// Hits in the body, in text order.
    pub evidence: Vec<Evidence>,
}

/// One entry of `topic_scores`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicScore {
    /// Topic id.
    pub topic: String,
    /// Score; its scale depends on the tagger.
    pub score: f32,
    /// Number of hits (terms or features) behind the score.
    pub hits: u32,
}

/// One entry of `topic_evidence`: a hit in the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Topic id.
    pub topic: String,
    /// The taxonomy term (or model feature) that matched.
    pub term: String,
    /// Start character offset into `body` (Unicode scalar values).
    pub start: u32,
    /// End character offset into `body`, exclusive.
    pub end: u32,
    /// Weight the hit contributed.
    pub weight: f32,
}
