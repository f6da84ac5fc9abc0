//! The keyword taxonomy tagger (the default tagger).
//!
//! # Scoring model
//!
//! Title, lede and body are tokenized and matched against every taxonomy
//! term in one pass each, then split into sentences
//! ([`crate::sentences`]). Every hit has the weight of its term.
//!
//! 1. **Lists.** Hits that follow each other in a sentence separated only by
//!    commas, semicolons or conjunctions (`and`, `or`, `as well as`, `и`,
//!    `или`, `а также`) plus at most [`KeywordConfig::list_max_gap_words`]
//!    other words form an enumeration. Only hits of terms weighing at least
//!    [`KeywordConfig::list_term_weight`] make their topic count towards a
//!    list. An enumeration naming at least
//!    [`KeywordConfig::list_min_topics`] distinct topics is a list (`the
//!    Korean Peninsula, territorial disputes, terrorism, drug traffic, piracy
//!    and disasters`), and so is every hit of a short sentence crowded with
//!    topics (at least [`KeywordConfig::crowded_topics`] of them, with fewer
//!    than [`KeywordConfig::crowded_words_per_topic`] words per topic). A
//!    listed hit counts `weight × list_factor`. In a sentence that only
//!    names the agenda (`also touched upon`, `exchanged views on`,
//!    `затронули`, `обменялись мнениями`, see [`AGENDA_CUES`]) an
//!    enumeration of [`KeywordConfig::agenda_min_topics`] topics is already
//!    a list: `They also touched upon North Korea and trade` names two
//!    subjects in passing.
//! 2. **Sentences.** Per topic and sentence, the hit weights are summed and
//!    capped at [`KeywordConfig::sentence_cap`], so repeating a term inside
//!    one sentence adds little and a topic carried by several sentences
//!    scores more than one mentioned once.
//! 3. **Location.** The capped sentence sum is multiplied by the topic's
//!    location factor (taxonomy `[location]`: title 2.0, lede 1.5, body 1.0
//!    in the built-in file).
//! 4. **Score and decision.** A topic's score is the sum over its sentences.
//!    It is tagged when the score reaches [`KeywordConfig::threshold`] and,
//!    with [`KeywordConfig::require_substantive`], at least one of its hits
//!    is not listed.
//!
//! With the defaults (threshold 2, cap 3, list factor 0.25, enumerations of
//! 3 topics with gaps of up to 4 words, crowded sentences of 5 topics with
//! under 6 words each) a strong term (weight 2 or 3) in one ordinary body
//! sentence is enough; a medium term (weight 1) needs a second sentence or
//! the title; a weak term (0.5) needs four sentences; and a topic named only
//! in lists is never tagged.
//!
//! Evidence rows are written for body hits only, with character offsets
//! into `body`; title and lede hits count for the score but have no offsets
//! in `body` to point at.

use std::ops::Range;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::Stage;
use newsflow_core::text::{Token, TokenSlice, Tokens, tokenize};
use serde::{Deserialize, Serialize};

use crate::columns::{self, BODY_BYTES_PER_EVIDENCE, Columns, TagRow};
use crate::error::{Result, TagError};
use crate::sentences;
use crate::taxonomy::{Location, Scan, Taxonomy};
use crate::{DocText, Evidence, Tagging, TopicScore};

/// Configuration of the keyword tagger; every field has a documented
/// default, so an empty config table is valid.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeywordConfig {
    /// Taxonomy file; `None` uses the built-in `data/taxonomy.toml`.
    pub taxonomy: Option<PathBuf>,
    /// Score a topic needs to be tagged. Default 2.0.
    pub threshold: f32,
    /// Most one sentence contributes to a topic before the location factor.
    /// Default 3.0.
    pub sentence_cap: f32,
    /// Multiplier of a listed hit, 0 to 1. Default 0.25.
    pub list_factor: f32,
    /// Distinct topics an enumeration must name to be a list. Default 3.
    pub list_min_topics: usize,
    /// Words (besides separators) allowed between two enumerated hits.
    /// Default 4.
    pub list_max_gap_words: usize,
    /// A sentence naming this many distinct topics or more, with fewer than
    /// [`KeywordConfig::crowded_words_per_topic`] words per topic, is a list
    /// as a whole; 0 turns the rule off. Default 5.
    pub crowded_topics: usize,
    /// See [`KeywordConfig::crowded_topics`]. Default 6.
    pub crowded_words_per_topic: usize,
    /// Only hits of terms weighing at least this much make their topic
    /// count towards a list, so weak incidental words (`meeting`) do not
    /// turn a sentence into one. Default 1.0.
    pub list_term_weight: f32,
    /// Tag a topic only if at least one of its hits is outside a list.
    /// Default true.
    pub require_substantive: bool,
    /// Distinct topics an enumeration must name to be a list in a sentence
    /// with an agenda cue ([`AGENDA_CUES`]); 0 turns the rule off. Default 2.
    pub agenda_min_topics: usize,
}

impl Default for KeywordConfig {
    fn default() -> Self {
        KeywordConfig {
            taxonomy: None,
            threshold: 2.0,
            sentence_cap: 3.0,
            list_factor: 0.25,
            list_min_topics: 3,
            list_max_gap_words: 4,
            crowded_topics: 5,
            crowded_words_per_topic: 6,
            list_term_weight: 1.0,
            require_substantive: true,
            agenda_min_topics: 2,
        }
    }
}

impl KeywordConfig {
    /// Loads the taxonomy and builds the tagger.
    pub fn build(&self) -> Result<KeywordTagger> {
        let taxonomy = match &self.taxonomy {
            Some(path) => Taxonomy::load(path)?,
            None => Taxonomy::builtin()?,
        };
        KeywordTagger::new(taxonomy, self)
    }

    fn validate(&self) -> Result<()> {
        let positive = |setting, value: f32| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(TagError::Setting {
                    setting,
                    value: value.into(),
                    expected: "a finite number above 0",
                })
            }
        };
        positive("threshold", self.threshold)?;
        positive("sentence_cap", self.sentence_cap)?;
        positive("list_term_weight", self.list_term_weight)?;
        if !(0.0..=1.0).contains(&self.list_factor) {
            return Err(TagError::Setting {
                setting: "list_factor",
                value: self.list_factor.into(),
                expected: "a number from 0 to 1",
            });
        }
        if self.list_min_topics < 2 {
            return Err(TagError::Setting {
                setting: "list_min_topics",
                value: self.list_min_topics as f64,
                expected: "at least 2",
            });
        }
        if self.agenda_min_topics == 1 {
            return Err(TagError::Setting {
                setting: "agenda_min_topics",
                value: 1.0,
                expected: "0 (off) or at least 2",
            });
        }
        if self.crowded_topics == 1 {
            return Err(TagError::Setting {
                setting: "crowded_topics",
                value: 1.0,
                expected: "0 (off) or at least 2",
            });
        }
        Ok(())
    }
}

/// How one topic fared in one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicDetail {
    /// Topic id.
    pub topic: String,
    /// Score (see the module docs).
    pub score: f32,
    /// Hits in title, lede and body.
    pub hits: u32,
    /// Hits that were part of a list.
    pub listed_hits: u32,
    /// Distinct sentences (title, lede and body) carrying the topic.
    pub sentences: u32,
    /// At least one hit is outside a list.
    pub substantive: bool,
    /// The topic is tagged.
    pub tagged: bool,
}

/// The keyword tagger's full reasoning for one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Every topic with a hit, best first.
    pub topics: Vec<TopicDetail>,
    /// Body hits, in text order.
    pub evidence: Vec<Evidence>,
}

impl Analysis {
    /// The tagger output: tagged topics, scores and evidence.
    pub fn into_tagging(self) -> Tagging {
        Tagging {
            topics: self
                .topics
                .iter()
                .filter(|t| t.tagged)
                .map(|t| t.topic.clone())
                .collect(),
            scores: self
                .topics
                .into_iter()
                .map(|t| TopicScore {
                    topic: t.topic,
                    score: t.score,
                    hits: t.hits,
                })
                .collect(),
            evidence: self.evidence,
        }
    }
}

/// Tags documents with the topics of a keyword taxonomy. Stage name `tag`.
#[derive(Debug)]
pub struct KeywordTagger {
    taxonomy: Taxonomy,
    config: KeywordConfig,
    /// Bytes of a text tokenized at once (see [`WINDOW_BYTES`]).
    window_bytes: usize,
    /// See [`LOOK_AHEAD_BYTES`].
    look_ahead_bytes: usize,
}

/// A text is tokenized and matched in windows of whole lines of about this
/// many bytes, so that a 4 MB body needs tokens for 64 KiB at a time (28
/// bytes a word, about 4.5 times the text, when held whole), not 20 MB.
/// The result is the same as for the whole text at once.
const WINDOW_BYTES: usize = 64 * 1024;

/// Bytes of the lines after a window that are tokenized first to find the
/// tokens a window reads ahead (doubled until there are enough).
const LOOK_AHEAD_BYTES: usize = 1024;

/// One term hit placed in its sentence.
#[derive(Debug)]
struct Item {
    /// Its (topic, term) pairs: a range of [`Scoring::item_topics`].
    topics: Range<usize>,
    tokens: Range<usize>,
    bytes: Range<usize>,
    chars: Range<usize>,
    listed: bool,
}

/// Per topic and sentence: summed weight and hits outside lists.
#[derive(Debug, Default, Clone, Copy)]
struct SentenceSum {
    raw: f32,
    plain_hits: u32,
}

/// Per topic, over the sentences scored so far.
#[derive(Debug, Default, Clone, Copy)]
struct TopicTotal {
    score: f32,
    hits: u32,
    listed_hits: u32,
    sentences: u32,
    substantive: bool,
}

/// One body hit: an evidence row, with the topic and the term as indices
/// into the taxonomy, so that a hit costs no copy of their names (20 bytes
/// instead of 64 and two strings).
#[derive(Debug, Clone, Copy)]
struct Hit {
    topic: u32,
    term: u32,
    start: u32,
    end: u32,
    weight: f32,
}

/// A document scored: its topics, best first, and its body hits.
struct Scored<'t> {
    taxonomy: &'t Taxonomy,
    topics: Vec<TopicDetail>,
    hits: Vec<Hit>,
}

impl Scored<'_> {
    /// The evidence rows of the hits, as `(topic, term, start, end,
    /// weight)`.
    fn evidence(&self) -> impl Iterator<Item = (&str, &str, u32, u32, f32)> {
        let (topics, terms) = (self.taxonomy.topics(), self.taxonomy.terms());
        self.hits.iter().map(move |h| {
            (
                topics[h.topic as usize].id.as_str(),
                terms[h.term as usize].text.as_str(),
                h.start,
                h.end,
                h.weight,
            )
        })
    }

    /// The analysis, with the evidence's names copied out.
    fn into_analysis(self) -> Analysis {
        let evidence = self
            .evidence()
            .map(|(topic, term, start, end, weight)| Evidence {
                topic: topic.to_string(),
                term: term.to_string(),
                start,
                end,
                weight,
            })
            .collect();
        Analysis {
            topics: self.topics,
            evidence,
        }
    }
}

/// The stage writes the tag columns straight from the hits, without the
/// copies of [`Analysis`] and [`Tagging`]; their rows are the same
/// (`Analysis::into_tagging`).
impl TagRow for Scored<'_> {
    fn push_to(&self, columns: &mut Columns) {
        columns.push_row(
            self.topics
                .iter()
                .filter(|t| t.tagged)
                .map(|t| t.topic.as_str()),
            self.topics
                .iter()
                .map(|t| (t.topic.as_str(), t.score, t.hits)),
            self.evidence(),
        );
    }
}

/// A document being scored, one sentence at a time.
struct Scoring {
    totals: Vec<TopicTotal>,
    /// Body hits, in text order.
    hits: Vec<Hit>,
    /// Hits of the sentence being read, and the topics they count for.
    items: Vec<Item>,
    item_topics: Vec<(usize, usize)>,
    /// Per topic of that sentence: its sum.
    sums: Vec<(usize, SentenceSum)>,
}

impl Scoring {
    /// Scores the hits collected for the sentence `span` of `text` (at
    /// `location`) and clears them.
    fn sentence(
        &mut self,
        tagger: &KeywordTagger,
        text: &str,
        tokens: &Tokens,
        span: &Range<usize>,
        location: Location,
    ) {
        let topics = tagger.taxonomy.topics();
        let terms = tagger.taxonomy.terms();
        let first = tokens.partition_point(|t| t.start_byte() < span.start);
        let end = tokens.partition_point(|t| t.start_byte() < span.end);
        tagger.mark_lists(text, tokens, first..end, &mut self.items, &self.item_topics);
        self.sums.clear();
        for item in &self.items {
            for &(topic, term) in &self.item_topics[item.topics.clone()] {
                let factor = if item.listed {
                    tagger.config.list_factor
                } else {
                    1.0
                };
                let weight = terms[term].weight * factor;
                let at = match self.sums.iter().position(|(t, _)| *t == topic) {
                    Some(at) => at,
                    None => {
                        self.sums.push((topic, SentenceSum::default()));
                        self.sums.len() - 1
                    }
                };
                let sum = &mut self.sums[at].1;
                sum.raw += weight;
                let total = &mut self.totals[topic];
                total.hits += 1;
                if item.listed {
                    total.listed_hits += 1;
                } else {
                    sum.plain_hits += 1;
                }
                if location == Location::Body {
                    self.hits.push(Hit {
                        topic: to_u32(topic),
                        term: to_u32(term),
                        start: to_u32(item.chars.start),
                        end: to_u32(item.chars.end),
                        weight: weight * topics[topic].body_factor,
                    });
                }
            }
        }
        // A topic's sentences are added in text order (title, lede, body),
        // as the score is defined.
        for &(topic, sum) in &self.sums {
            let total = &mut self.totals[topic];
            total.score += topics[topic].factor(location) * sum.raw.min(tagger.config.sentence_cap);
            total.sentences += 1;
            total.substantive |= sum.plain_hits > 0;
        }
        self.items.clear();
        self.item_topics.clear();
    }
}

/// Word sequences (each word a prefix of a token's folded key) that mark a
/// sentence naming subjects in passing: an agenda, not a discussion.
pub const AGENDA_CUES: &[&[&str]] = &[
    &["touched", "upon"],
    &["touched", "on"],
    &["also", "touched"],
    &["exchanged", "views"],
    &["exchange", "of", "views"],
    &["exchanges", "of", "views"],
    &["also", "discussed"],
    &["also", "covered"],
    &["among", "other", "issues"],
    &["among", "other", "topics"],
    &["затрон"],
    &["обменял", "мнени"],
    &["обмен", "мнени"],
    &["также", "обсуд"],
    &["обсуд", "также"],
    &["среди", "прочего"],
    &["в", "числе", "прочего"],
];

/// For each byte, the cues of [`AGENDA_CUES`] whose first word starts with
/// it, as a bit set (bit `i` for cue `i`): most tokens are ruled out by one
/// look-up instead of a comparison per cue.
const CUE_STARTS: [u32; 256] = {
    assert!(AGENDA_CUES.len() <= 32, "one bit per cue");
    let mut starts = [0u32; 256];
    let mut i = 0;
    while i < AGENDA_CUES.len() {
        starts[AGENDA_CUES[i][0].as_bytes()[0] as usize] |= 1 << i;
        i += 1;
    }
    starts
};

/// True when `tokens` contain one of [`AGENDA_CUES`].
fn has_agenda_cue(tokens: TokenSlice<'_>) -> bool {
    let word_matches = |t: &Token, word: &str| {
        let key = tokens.key_of(t);
        key.starts_with(word) && (word.len() > 2 || key == word)
    };
    tokens.iter().enumerate().any(|(i, token)| {
        let Some(&first) = tokens.key_of(token).as_bytes().first() else {
            return false;
        };
        let mut cues = CUE_STARTS[usize::from(first)];
        while cues != 0 {
            let cue = AGENDA_CUES[cues.trailing_zeros() as usize];
            cues &= cues - 1;
            if tokens.len() - i >= cue.len()
                && cue
                    .iter()
                    .zip(&tokens[i..])
                    .all(|(word, t)| word_matches(t, word))
            {
                return true;
            }
        }
        false
    })
}

/// Words that join the items of an enumeration.
const CONJUNCTIONS: &[&str] = &[
    "and",
    "or",
    "nor",
    "as",
    "well",
    "also",
    "plus",
    "и",
    "или",
    "либо",
    "а",
    "также",
    "ни",
];

impl KeywordTagger {
    /// A tagger over `taxonomy` with the scoring settings of `config` (its
    /// `taxonomy` path is ignored).
    pub fn new(taxonomy: Taxonomy, config: &KeywordConfig) -> Result<Self> {
        config.validate()?;
        Ok(KeywordTagger {
            taxonomy,
            config: config.clone(),
            window_bytes: WINDOW_BYTES,
            look_ahead_bytes: LOOK_AHEAD_BYTES,
        })
    }

    /// The taxonomy in use.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The settings in use.
    pub fn config(&self) -> &KeywordConfig {
        &self.config
    }

    /// Tags one document.
    pub fn tag(&self, doc: &DocText<'_>) -> Tagging {
        self.analyze(doc).into_tagging()
    }

    /// Scores one document and explains every topic's score.
    pub fn analyze(&self, doc: &DocText<'_>) -> Analysis {
        self.score(doc).into_analysis()
    }

    /// Scores one document.
    fn score(&self, doc: &DocText<'_>) -> Scored<'_> {
        let topics = self.taxonomy.topics();
        let mut scoring = Scoring {
            totals: vec![TopicTotal::default(); topics.len()],
            // Room for the evidence of a body as dense in hits as the
            // benchmark corpus, rather than a doubling at a time.
            hits: Vec::with_capacity(doc.body.len() / BODY_BYTES_PER_EVIDENCE),
            items: Vec::new(),
            item_topics: Vec::new(),
            sums: Vec::new(),
        };
        let fields = [
            (Location::Title, doc.title),
            (Location::Lede, doc.lede),
            (Location::Body, Some(doc.body)),
        ];
        for (location, text) in fields {
            let Some(text) = text else { continue };
            // A long text is read in windows of whole lines, so that its
            // tokens are held for one window at a time. Sentences end at
            // line breaks, so none spans two windows.
            let mut scan = Scan::default();
            let mut start = 0;
            let mut chars_before = 0;
            loop {
                let (until_byte, end, tokens, until) = self.window(text, start);
                let piece = &text[start..end];
                // Split into sentences at the first hit; hits come in text
                // order, so the hits of one sentence follow each other and
                // are scored as soon as the next sentence starts.
                let mut spans: Option<Vec<Range<usize>>> = None;
                let mut current: Option<usize> = None;
                let tokens_ref = &tokens;
                self.taxonomy.find_each_in_window(
                    tokens_ref.slice(..),
                    until,
                    &mut scan,
                    |hit_topics, m| {
                        let spans = spans.get_or_insert_with(|| sentences::split(piece));
                        let sentence = spans
                            .partition_point(|r| r.start <= m.start_byte)
                            .saturating_sub(1);
                        if let Some(previous) = current
                            && previous != sentence
                        {
                            scoring.sentence(self, piece, tokens_ref, &spans[previous], location);
                        }
                        current = Some(sentence);
                        let at = scoring.item_topics.len();
                        scoring.item_topics.extend_from_slice(hit_topics);
                        scoring.items.push(Item {
                            topics: at..scoring.item_topics.len(),
                            tokens: m.first_token..m.end_token,
                            bytes: m.start_byte..m.end_byte,
                            chars: chars_before + m.start_char..chars_before + m.end_char,
                            listed: false,
                        });
                    },
                );
                if let (Some(sentence), Some(spans)) = (current, &spans) {
                    scoring.sentence(self, piece, &tokens, &spans[sentence], location);
                }
                if until_byte == text.len() {
                    break;
                }
                chars_before += text[start..until_byte].chars().count();
                start = until_byte;
            }
        }
        let mut details: Vec<(usize, TopicDetail)> = scoring
            .totals
            .iter()
            .enumerate()
            .filter(|(_, t)| t.sentences > 0)
            .map(|(topic, t)| {
                (
                    topic,
                    TopicDetail {
                        topic: topics[topic].id.clone(),
                        score: t.score,
                        hits: t.hits,
                        listed_hits: t.listed_hits,
                        sentences: t.sentences,
                        substantive: t.substantive,
                        tagged: t.score >= self.config.threshold
                            && (t.substantive || !self.config.require_substantive),
                    },
                )
            })
            .collect();
        // Best first; ties keep taxonomy order (details are in topic order).
        details.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        Scored {
            taxonomy: &self.taxonomy,
            topics: details.into_iter().map(|(_, d)| d).collect(),
            hits: scoring.hits,
        }
    }

    /// The window of `text` from byte `start` (just after a line break, or
    /// 0): the whole lines up to the first line break at or past
    /// `start + window_bytes` are its own (they end at `until_byte`), and
    /// the following lines it reads ahead end at `end`. Returns those two
    /// offsets, the tokens of `text[start..end]` and the index of the first
    /// token past `until_byte`.
    fn window(&self, text: &str, start: usize) -> (usize, usize, Tokens, usize) {
        let after_line = |from: usize| {
            text.as_bytes()
                .get(from..)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                .map_or(text.len(), |at| from + at + 1)
        };
        let until_byte = after_line(start.saturating_add(self.window_bytes));
        let look_ahead = self.taxonomy.window_look_ahead();
        let mut more = self.look_ahead_bytes;
        loop {
            let end = after_line(until_byte.saturating_add(more));
            let tokens = tokenize(&text[start..end]);
            let until = tokens.partition_point(|t| t.start_byte() < until_byte - start);
            if end == text.len() || tokens.len() - until >= look_ahead {
                return (until_byte, end, tokens, until);
            }
            more *= 2;
        }
    }

    /// Marks the hits of one sentence (the tokens `sentence` of `tokens`)
    /// that belong to a list.
    fn mark_lists(
        &self,
        text: &str,
        tokens: &Tokens,
        sentence: Range<usize>,
        items: &mut [Item],
        item_topics: &[(usize, usize)],
    ) {
        let words = sentence.len();
        let agenda = self.config.agenda_min_topics;
        let min_topics = if agenda > 0 && has_agenda_cue(tokens.slice(sentence)) {
            agenda.min(self.config.list_min_topics)
        } else {
            self.config.list_min_topics
        };
        let terms = self.taxonomy.terms();
        let distinct = |items: &[Item]| {
            let mut seen: Vec<usize> = items
                .iter()
                .flat_map(|i| &item_topics[i.topics.clone()])
                .filter(|&&(_, term)| terms[term].weight >= self.config.list_term_weight)
                .map(|&(topic, _)| topic)
                .collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        };
        let topics = distinct(items);
        let crowded = self.config.crowded_topics;
        if crowded > 0 && topics >= crowded && words < topics * self.config.crowded_words_per_topic
        {
            items.iter_mut().for_each(|i| i.listed = true);
            return;
        }
        let mut run_start = 0;
        for i in 1..=items.len() {
            let continues =
                i < items.len() && self.enumerates(text, tokens, &items[i - 1], &items[i]);
            if !continues {
                if distinct(&items[run_start..i]) >= min_topics {
                    items[run_start..i].iter_mut().for_each(|i| i.listed = true);
                }
                run_start = i;
            }
        }
    }

    /// True when the text between two hits only separates enumerated items.
    fn enumerates(&self, text: &str, tokens: &Tokens, a: &Item, b: &Item) -> bool {
        let gap = &text[a.bytes.end..b.bytes.start];
        let words = &tokens[a.tokens.end..b.tokens.start];
        let conjunction = |t: &&Token| CONJUNCTIONS.contains(&tokens.key_of(t));
        let separated = gap.contains([',', ';']) || words.iter().any(|t| conjunction(&t));
        let other_words = words.iter().filter(|t| !conjunction(t)).count();
        separated && other_words <= self.config.list_max_gap_words
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Stage for KeywordTagger {
    fn name(&self) -> &str {
        "tag"
    }

    fn output_schema(&self, input: &SchemaRef) -> newsflow_core::Result<SchemaRef> {
        Ok(columns::output_schema(input))
    }

    fn process(&self, batch: RecordBatch) -> newsflow_core::Result<RecordBatch> {
        columns::tag_batch(self.name(), &batch, |doc| self.score(doc))
    }

    /// Tags title, lede and body; never the raw text.
    fn reads_raw_text(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agenda_cues_are_found_whole_and_nowhere_else() {
        let cue = |text: &str| has_agenda_cue(tokenize(text).slice(..));
        for words in AGENDA_CUES {
            let text = format!("Они, {}: вопросы", words.join(" "));
            assert!(cue(&text), "{text}");
        }
        assert!(cue("The ministers also Touched Upon Korea."));
        assert!(cue("Стороны затронули вопросы и обменялись мнениями."));
        for text in [
            "They touched the table.",
            "обмен",
            "also",
            "Among other people",
            "вот числе прочего",
            "",
        ] {
            assert!(!cue(text), "{text}");
        }
    }

    const TAXONOMY: &str = r#"
[[topic]]
id = "korean_peninsula"
[[topic.terms]]
weight = 2.0
words = ["Korean Peninsula", "North Korea", "Корейский полуостров"]

[[topic]]
id = "territorial_dispute"
[[topic.terms]]
weight = 2.0
words = ["territorial dispute"]

[[topic]]
id = "terrorism"
[[topic.terms]]
weight = 2.0
words = ["terrorism", "терроризм"]
[[topic.terms]]
weight = 0.5
words = ["extremist"]

[[topic]]
id = "drug_trafficking"
[[topic.terms]]
weight = 2.0
words = ["drug traffic"]

[[topic]]
id = "economic_cooperation"
[[topic.terms]]
weight = 1.0
words = ["trade"]
"#;

    fn tagger() -> KeywordTagger {
        let taxonomy = Taxonomy::parse(TAXONOMY, "test.toml").unwrap();
        KeywordTagger::new(taxonomy, &KeywordConfig::default()).unwrap()
    }

    fn topics(title: Option<&str>, body: &str) -> Vec<String> {
        tagger()
            .tag(&DocText {
                title,
                lede: None,
                body,
            })
            .topics
    }

    /// A taxonomy whose terms and exclusions overlap and run over several
    /// words, for the window tests.
    const OVERLAPS: &str = r#"
[[topic]]
id = "korean_peninsula"
exclude = ["the Korea Herald", "Korea Herald", "Herald site", "site visit plan"]
[[topic.terms]]
weight = 2.0
words = ["North Korea", "Korea", "nuclear test site", "test site", "site", "plan"]

[[topic]]
id = "economic_cooperation"
exclude = ["trade union"]
[[topic.terms]]
weight = 1.0
words = ["trade", "trade war", "sanction*"]

[[topic]]
id = "nonproliferation"
[[topic.terms]]
weight = 1.5
words = ["test", "site visit"]
"#;

    /// The tagger of `taxonomy` reading texts in windows of `bytes`,
    /// reading ahead as few lines as it may.
    fn windowed(taxonomy: &str, bytes: usize) -> KeywordTagger {
        let taxonomy = Taxonomy::parse(taxonomy, "test.toml").unwrap();
        let mut tagger = KeywordTagger::new(taxonomy, &KeywordConfig::default()).unwrap();
        tagger.window_bytes = bytes;
        tagger.look_ahead_bytes = 1;
        tagger
    }

    proptest::proptest! {
        #[test]
        fn windows_give_the_analysis_of_the_whole_text(
            phrases in proptest::collection::vec(
                proptest::sample::select(vec![
                    "the Korea Herald", "Korea Herald site", "North Korea",
                    "nuclear test site visit plan", "test site", "site visit", "trade union",
                    "trade war", "sanctions",
                    "and", "the", "also discussed", "Ёлка", "санкции",
                ]),
                0..60,
            ),
            separators in proptest::collection::vec(
                proptest::sample::select(vec![" ", " ", "\n", "\n", ", ", ". ", "\n\n"]),
                200,
            ),
            window in 1usize..200,
        ) {
            // Line breaks fall inside phrases as often as between them, so
            // that hits and exclusions cross window boundaries.
            let words = phrases.iter().flat_map(|p| p.split(' '));
            let body: String = words
                .zip(separators.iter().cycle())
                .flat_map(|(w, sep)| [w, *sep])
                .collect();
            let doc = DocText { title: Some("North Korea\ntrade"), lede: None, body: &body };
            let whole = windowed(OVERLAPS, usize::MAX).analyze(&doc);
            let by_window = windowed(OVERLAPS, window).analyze(&doc);
            proptest::prop_assert_eq!(by_window, whole);
        }
    }

    /// The sample articles of `seeds/`, in name order: (path, text).
    fn seeds() -> Vec<(std::path::PathBuf, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty());
        files
            .into_iter()
            .map(|f| {
                let text = std::fs::read_to_string(&f).unwrap();
                (f, text)
            })
            .collect()
    }

    /// The seeds as a batch: each file's first line as the title, the rest
    /// as the body.
    fn seeds_batch() -> RecordBatch {
        use arrow_array::{ArrayRef, StringArray};
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;
        let texts: Vec<String> = seeds().into_iter().map(|(_, text)| text).collect();
        let (titles, bodies): (Vec<&str>, Vec<&str>) = texts
            .iter()
            .map(|t| t.split_once('\n').unwrap_or((t, "")))
            .unzip();
        let schema = Arc::new(Schema::new(vec![
            Field::new(newsflow_core::schema::col::TITLE, DataType::Utf8, true),
            Field::new(newsflow_core::schema::col::BODY, DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(titles)) as ArrayRef,
                Arc::new(StringArray::from(bodies)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn the_stage_writes_the_columns_of_tag() {
        // The stage writes its columns from the hits, the API copies them
        // into `Tagging`: both must give the same rows.
        let tagger = KeywordConfig::default().build().unwrap();
        let batch = seeds_batch();
        let direct = tagger.process(batch.clone()).unwrap();
        let via_tagging = columns::tag_batch("tag", &batch, |doc| tagger.tag(doc)).unwrap();
        assert_eq!(direct, via_tagging);
        let evidence = direct
            .column_by_name(newsflow_core::schema::col::TOPIC_EVIDENCE)
            .unwrap();
        assert!(evidence.null_count() == 0 && evidence.len() == batch.num_rows());
    }

    #[test]
    fn windows_match_the_whole_text_on_the_seeds() {
        let files = seeds();
        let whole = windowed(crate::taxonomy::BUILTIN, usize::MAX);
        for window in [1, 100, 1000] {
            let by_window = windowed(crate::taxonomy::BUILTIN, window);
            for (file, body) in &files {
                let doc = DocText {
                    title: None,
                    lede: None,
                    body,
                };
                let want = whole.analyze(&doc);
                assert!(!want.evidence.is_empty(), "{}", file.display());
                assert_eq!(
                    by_window.analyze(&doc),
                    want,
                    "{} in windows of {window}",
                    file.display()
                );
            }
        }
    }

    #[test]
    fn table() {
        let cases: &[(Option<&str>, &str, &[&str])] = &[
            // one strong term in an ordinary sentence is substantive
            (None, "Talks focused on North Korea.", &["korean_peninsula"]),
            // a medium term once is not enough ...
            (None, "They mentioned trade.", &[]),
            // ... but twice in separate sentences is
            (
                None,
                "Trade grew. Trade will grow.",
                &["economic_cooperation"],
            ),
            // ... and so is once in the title (factor 2)
            (
                Some("Trade talks"),
                "Nothing else.",
                &["economic_cooperation"],
            ),
            // two hits in one sentence add up (to at most the cap)
            (
                None,
                "Trade, trade, trade and trade.",
                &["economic_cooperation"],
            ),
            // an enumeration of three topics is a list
            (
                None,
                "Among the problems are the Korean Peninsula, territorial disputes, \
                 terrorism and drug traffic.",
                &[],
            ),
            // a listed topic that is also discussed on its own counts
            (
                None,
                "Among the problems are the Korean Peninsula, territorial disputes, \
                 terrorism and drug traffic. Terrorism was the main subject.",
                &["terrorism"],
            ),
            // two topics joined by `and` are not a list
            (
                None,
                "They discussed the dangers of terrorism and drug traffic.",
                &["terrorism", "drug_trafficking"],
            ),
            // far-apart hits are not an enumeration
            (
                None,
                "The territorial dispute has long poisoned relations, officials say, \
                 while the threat from North Korea grows and the fight against terrorism \
                 continues.",
                &["korean_peninsula", "territorial_dispute", "terrorism"],
            ),
            // weak terms need many sentences
            (None, "An extremist spoke. Another extremist.", &[]),
            // two subjects named on the agenda are a list ...
            (
                None,
                "The leaders also touched upon North Korea and terrorism.",
                &[],
            ),
            (
                None,
                "Стороны обменялись мнениями по терроризму и Корейскому полуострову.",
                &[],
            ),
            // ... unless one is discussed too
            (
                None,
                "They exchanged views on North Korea and terrorism. \
                 Terrorism remains the main threat.",
                &["terrorism"],
            ),
        ];
        for (title, body, expected) in cases {
            assert_eq!(topics(*title, body), *expected, "body {body:?}");
        }
    }

    #[test]
    fn scores_and_evidence() {
        let body = "Trade grew.\nThe Korean Peninsula, trade.";
        let analysis = tagger().analyze(&DocText {
            title: None,
            lede: None,
            body,
        });
        let korean = &analysis.topics[0];
        assert_eq!(
            (korean.topic.as_str(), korean.score, korean.hits),
            ("korean_peninsula", 2.0, 1)
        );
        let trade = &analysis.topics[1];
        assert_eq!((trade.score, trade.hits, trade.sentences), (2.0, 2, 2));
        let spans: Vec<_> = analysis
            .evidence
            .iter()
            .map(|e| (e.topic.as_str(), e.term.as_str(), e.start, e.end))
            .collect();
        assert_eq!(
            spans,
            vec![
                ("economic_cooperation", "trade", 0, 5),
                ("korean_peninsula", "Korean Peninsula", 16, 32),
                ("economic_cooperation", "trade", 34, 39),
            ]
        );
    }

    #[test]
    fn settings_are_checked() {
        let cases: &[(KeywordConfig, &str)] = &[
            (
                KeywordConfig {
                    threshold: 0.0,
                    ..KeywordConfig::default()
                },
                "setting `threshold` = 0 is invalid",
            ),
            (
                KeywordConfig {
                    list_factor: 1.5,
                    ..KeywordConfig::default()
                },
                "setting `list_factor` = 1.5 is invalid",
            ),
            (
                KeywordConfig {
                    list_min_topics: 1,
                    ..KeywordConfig::default()
                },
                "setting `list_min_topics` = 1 is invalid",
            ),
            (
                KeywordConfig {
                    agenda_min_topics: 1,
                    ..KeywordConfig::default()
                },
                "setting `agenda_min_topics` = 1 is invalid",
            ),
            (
                KeywordConfig {
                    crowded_topics: 1,
                    ..KeywordConfig::default()
                },
                "setting `crowded_topics` = 1 is invalid",
            ),
        ];
        for (config, expected) in cases {
            let taxonomy = Taxonomy::parse(TAXONOMY, "test.toml").unwrap();
            let err = KeywordTagger::new(taxonomy, config)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(expected), "{err}");
        }
    }

    #[test]
    fn config_parses_with_defaults_and_rejects_unknown_keys() {
        let config: KeywordConfig = toml::from_str("threshold = 3.0").unwrap();
        assert_eq!(
            config,
            KeywordConfig {
                threshold: 3.0,
                ..KeywordConfig::default()
            }
        );
        assert!(toml::from_str::<KeywordConfig>("treshold = 3.0").is_err());
    }
}
