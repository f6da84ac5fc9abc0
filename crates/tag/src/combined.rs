//! The keyword and linear taggers together (stage `combined`).
//!
//! Both taggers' opinions are first put on one scale, a confidence from 0
//! to 1:
//!
//! * keyword: `score / (score + threshold)`, which is 0.5 exactly at the
//!   keyword threshold, or 0 when the topic fails the substantive rule;
//! * linear: the model's probability.
//!
//! Then, by [`CombineMode`]:
//!
//! * `union`: a topic is tagged when either tagger tags it; its score is the
//!   larger confidence. Use it to add topics the taxonomy does not know.
//! * `blend`: the score is `keyword_weight × keyword + (1 − keyword_weight)
//!   × linear` and a topic is tagged at 0.5 or more. A topic the linear
//!   model was not trained on is scored by the keyword confidence alone, and
//!   a topic outside the taxonomy by the model's probability alone.
//!
//! `topic_scores` lists every topic either tagger has evidence for, with the
//! combined score; `hits` are keyword hits when there are any, else the
//! linear model's supporting words. Evidence is the keyword evidence, plus
//! the linear tagger's evidence for topics the keywords did not hit.

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::Stage;
use serde::{Deserialize, Serialize};

use crate::columns;
use crate::error::{Result, TagError};
use crate::keyword::{KeywordConfig, KeywordTagger};
use crate::linear::{LinearConfig, LinearTagger};
use crate::{DocText, Evidence, Tagging, TopicScore};

/// How the two taggers' opinions are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineMode {
    /// Tagged by either tagger.
    #[default]
    Union,
    /// Weighted mean of the two confidences, tagged at 0.5.
    Blend,
}

/// Configuration of the combined tagger.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CombinedConfig {
    /// The keyword tagger's settings.
    #[serde(default)]
    pub keyword: KeywordConfig,
    /// The linear tagger's settings.
    pub linear: LinearConfig,
    /// `union` (default) or `blend`.
    #[serde(default)]
    pub mode: CombineMode,
    /// Share of the keyword confidence in `blend` mode, 0 to 1. Default 0.5.
    #[serde(default = "half")]
    pub keyword_weight: f32,
}

fn half() -> f32 {
    0.5
}

impl CombinedConfig {
    /// Builds both taggers and joins them.
    pub fn build(&self) -> Result<CombinedTagger> {
        CombinedTagger::new(
            self.keyword.build()?,
            self.linear.build()?,
            self.mode,
            self.keyword_weight,
        )
    }
}

/// The keyword and linear taggers joined. Stage name `combined`.
#[derive(Debug)]
pub struct CombinedTagger {
    keyword: KeywordTagger,
    linear: LinearTagger,
    mode: CombineMode,
    keyword_weight: f32,
}

/// Both opinions on one topic.
#[derive(Debug, Default, Clone)]
struct Opinion {
    in_taxonomy: bool,
    keyword_confidence: f32,
    keyword_tagged: bool,
    keyword_hits: u32,
    linear: Option<(usize, f32, u32)>,
}

impl CombinedTagger {
    /// Joins `keyword` and `linear`; `keyword_weight` (0 to 1) is used in
    /// [`CombineMode::Blend`].
    pub fn new(
        keyword: KeywordTagger,
        linear: LinearTagger,
        mode: CombineMode,
        keyword_weight: f32,
    ) -> Result<Self> {
        if !(0.0..=1.0).contains(&keyword_weight) {
            return Err(TagError::Setting {
                setting: "keyword_weight",
                value: keyword_weight.into(),
                expected: "a number from 0 to 1",
            });
        }
        Ok(CombinedTagger {
            keyword,
            linear,
            mode,
            keyword_weight,
        })
    }

    /// Tags one document.
    pub fn tag(&self, doc: &DocText<'_>) -> Tagging {
        let analysis = self.keyword.analyze(doc);
        let linear = self.linear.scores(doc);
        let threshold = self.keyword.config().threshold;
        let require = self.keyword.config().require_substantive;
        let mut opinions: BTreeMap<String, Opinion> = BTreeMap::new();
        for topic in self.keyword.taxonomy().topics() {
            opinions.insert(
                topic.id.clone(),
                Opinion {
                    in_taxonomy: true,
                    ..Opinion::default()
                },
            );
        }
        for t in &analysis.topics {
            let o = opinions.entry(t.topic.clone()).or_default();
            o.keyword_confidence = if t.substantive || !require {
                t.score / (t.score + threshold)
            } else {
                0.0
            };
            o.keyword_tagged = t.tagged;
            o.keyword_hits = t.hits;
        }
        let linear_threshold = self.linear.threshold();
        for (index, topic) in self.linear.model().topics().iter().enumerate() {
            let p = linear.probabilities[index];
            let hit = opinions.get(topic).is_some_and(|o| o.keyword_hits > 0);
            if hit || p >= linear_threshold / 2.0 {
                opinions.entry(topic.clone()).or_default().linear =
                    Some((index, p, linear.hits[index]));
            }
        }
        let mut ranked: Vec<(String, f32, bool, u32)> = opinions
            .iter()
            .filter(|(_, o)| o.keyword_hits > 0 || o.linear.is_some())
            .map(|(topic, o)| {
                let (score, tagged) = self.decide(o, linear_threshold);
                let hits = match (o.keyword_hits, o.linear) {
                    (0, Some((_, _, hits))) => hits,
                    (hits, _) => hits,
                };
                (topic.clone(), score, tagged, hits)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut evidence: Vec<Evidence> = analysis.evidence;
        for (topic, _, tagged, _) in &ranked {
            let o = &opinions[topic];
            if *tagged
                && o.keyword_hits == 0
                && let Some((index, _, _)) = o.linear
            {
                evidence.extend(self.linear.evidence(doc.body, index));
            }
        }
        evidence.sort_by_key(|e| e.start);
        Tagging {
            topics: ranked.iter().filter(|r| r.2).map(|r| r.0.clone()).collect(),
            scores: ranked
                .into_iter()
                .map(|(topic, score, _, hits)| TopicScore { topic, score, hits })
                .collect(),
            evidence,
        }
    }

    /// The combined score of one topic and whether it is tagged.
    fn decide(&self, o: &Opinion, linear_threshold: f32) -> (f32, bool) {
        let p = o.linear.map(|(_, p, _)| p);
        match self.mode {
            CombineMode::Union => {
                let linear_tagged = p.is_some_and(|p| p >= linear_threshold);
                (
                    o.keyword_confidence.max(p.unwrap_or(0.0)),
                    o.keyword_tagged || linear_tagged,
                )
            }
            CombineMode::Blend => {
                // `linear` is set for every topic the model knows that has
                // keyword hits, so `None` there means the model cannot judge
                // the topic; a topic outside the taxonomy has only the
                // model's opinion.
                let score = match (o.in_taxonomy, p) {
                    (true, Some(p)) => {
                        self.keyword_weight * o.keyword_confidence + (1.0 - self.keyword_weight) * p
                    }
                    (true, None) => o.keyword_confidence,
                    (false, p) => p.unwrap_or(0.0),
                };
                (score, score >= 0.5)
            }
        }
    }
}

impl Stage for CombinedTagger {
    fn name(&self) -> &str {
        "combined"
    }

    fn output_schema(&self, input: &SchemaRef) -> newsflow_core::Result<SchemaRef> {
        Ok(columns::output_schema(input))
    }

    fn process(&self, batch: RecordBatch) -> newsflow_core::Result<RecordBatch> {
        columns::tag_batch(self.name(), &batch, |doc| self.tag(doc))
    }

    /// Tags title, lede and body; never the raw text.
    fn reads_raw_text(&self) -> bool {
        false
    }
}
