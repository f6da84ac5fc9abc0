//! A trainable multi-label tagger: one-vs-rest logistic regression over
//! hashed word and word-bigram features.
//!
//! This is the tagger to reach for when the label space is not the default
//! taxonomy's: label a few hundred documents with your own topics (JSONL,
//! [`read_labels`]), [`train`] a [`LinearModel`], [`LinearModel::save`] it,
//! and run [`LinearTagger`] (stage `linear`).
//!
//! # Features
//!
//! Text is tokenized like the keyword matcher (Unicode words, case folded,
//! `ё` as `е`). Each word is lightly stemmed so forms share a feature:
//! Cyrillic words are cut to their first six letters (`санкциями` and
//! `санкций` are `санкци`), Latin words lose a plural `s`. Every word and,
//! optionally, every pair of adjacent words is hashed (xxh3, seeded) into a
//! table of `2^dims_bits` slots; a slot's value is `1 + ln(count)` and the
//! document vector is scaled to unit length.
//!
//! # Training
//!
//! For each topic, a logistic regression is fitted by stochastic gradient
//! descent over `epochs` passes in a seeded shuffled order, with learning
//! rate `learning_rate / sqrt(1 + epoch)` and L2 decay applied to the
//! weights a document touches. With `balance_classes`, a positive example
//! weighs `negatives / positives` (at most 10), so rare topics are still
//! learned. Training is deterministic: the same examples and options give
//! the same model, byte for byte.
//!
//! # Model file
//!
//! Little-endian: magic `NFLM`, format version (u32, 1), `dims_bits` (u8),
//! bigrams (u8), hash seed (u64), topic count (u32); per topic its name
//! (u32 length + UTF-8), bias (f32), non-zero weight count (u32) and
//! `(slot u32, weight f32)` pairs; then an xxh3-64 checksum of everything
//! before it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::Stage;
use newsflow_core::text::tokenize;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::columns;
use crate::error::{LineProblem, ModelProblem, Result, TagError, TrainProblem};
use crate::{DocText, Evidence, Tagging, TopicScore};

const MAGIC: &[u8; 4] = b"NFLM";
const FORMAT_VERSION: u32 = 1;
/// Magic, version, dims_bits, bigrams, seed and topic count.
const HEADER_LEN: usize = 4 + 4 + 1 + 1 + 8 + 4;
/// Evidence rows: the best this many words per tagged topic ...
const EVIDENCE_WORDS: usize = 5;
/// ... and at most this many rows per topic.
const EVIDENCE_ROWS: usize = 20;

/// A labelled training document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledDoc {
    /// The document text (title, lede and body joined by blank lines).
    pub text: String,
    /// Its topic labels.
    pub topics: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawLabelled {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    lede: Option<String>,
    #[serde(default)]
    body: Option<String>,
    topics: Vec<String>,
}

/// Reads labelled documents from JSONL: one `{"text": ..., "topics": [...]}`
/// object per line, or `{"title": ..., "lede": ..., "body": ..., "topics":
/// [...]}`; other fields (such as an `id`) are ignored and blank lines are
/// skipped. A bad line is an error naming the file and line.
pub fn read_labels(path: &Path) -> Result<Vec<LabelledDoc>> {
    let source = std::fs::read_to_string(path).map_err(|e| TagError::io(path, e))?;
    let mut docs = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |problem| TagError::Labels {
            path: path.display().to_string(),
            line: index + 1,
            problem,
        };
        let raw: RawLabelled = serde_json::from_str(line).map_err(|e| bad(LineProblem::Json(e)))?;
        let text = match raw.text {
            Some(text) => text,
            None => {
                let parts: Vec<String> = [raw.title, raw.lede, raw.body]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.trim().is_empty())
                    .collect();
                if parts.is_empty() {
                    return Err(bad(LineProblem::NoText));
                }
                parts.join("\n\n")
            }
        };
        let mut topics = Vec::with_capacity(raw.topics.len());
        for topic in raw.topics {
            let topic = topic.trim();
            if topic.is_empty() {
                return Err(bad(LineProblem::EmptyTopic));
            }
            if !topics.iter().any(|t| t == topic) {
                topics.push(topic.to_string());
            }
        }
        docs.push(LabelledDoc { text, topics });
    }
    Ok(docs)
}

/// Training settings; every field has a default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainOptions {
    /// The feature table has `2^dims_bits` slots (8 to 24). Default 18.
    pub dims_bits: u8,
    /// Add word-bigram features. Default true.
    pub bigrams: bool,
    /// Passes over the data. Default 30.
    pub epochs: usize,
    /// Initial learning rate. Default 0.5.
    pub learning_rate: f32,
    /// L2 regularization strength. Default 1e-5.
    pub l2: f32,
    /// Weigh positives up for rare topics. Default true.
    pub balance_classes: bool,
    /// Seed of the feature hash and the shuffling. Default 0x6e66 ("nf").
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            dims_bits: 18,
            bigrams: true,
            epochs: 30,
            learning_rate: 0.5,
            l2: 1e-5,
            balance_classes: true,
            seed: 0x6e66,
        }
    }
}

impl TrainOptions {
    fn validate(&self) -> Result<()> {
        let bad = |option, value: f64, expected| {
            Err(TagError::Train(TrainProblem::BadOption {
                option,
                value,
                expected,
            }))
        };
        if !(8..=24).contains(&self.dims_bits) {
            return bad("dims_bits", self.dims_bits.into(), "8 to 24");
        }
        if self.epochs == 0 {
            return bad("epochs", 0.0, "at least 1");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(
                "learning_rate",
                self.learning_rate.into(),
                "a finite number above 0",
            );
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return bad("l2", self.l2.into(), "a finite number of at least 0");
        }
        Ok(())
    }
}

/// Hashing settings shared by training and prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hashing {
    dims_bits: u8,
    bigrams: bool,
    seed: u64,
}

/// A sparse, unit-length feature vector: sorted slots and their values.
#[derive(Debug, Clone, PartialEq, Default)]
struct Features {
    slots: Vec<u32>,
    values: Vec<f32>,
}

/// The stemmed feature word of a token key.
fn feature_word(key: &str) -> String {
    let is_cyrillic = key.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    if is_cyrillic {
        return key.chars().take(6).collect();
    }
    match key.strip_suffix('s') {
        Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_string(),
        _ => key.to_string(),
    }
}

impl Hashing {
    fn slot(&self, kind: u8, a: &str, b: Option<&str>) -> u32 {
        let mut bytes = Vec::with_capacity(2 + a.len() + b.map_or(0, str::len));
        bytes.push(kind);
        bytes.extend_from_slice(a.as_bytes());
        if let Some(b) = b {
            bytes.push(0x1f);
            bytes.extend_from_slice(b.as_bytes());
        }
        let mask = (1u64 << self.dims_bits) - 1;
        (xxh3_64_with_seed(&bytes, self.seed) & mask) as u32
    }

    fn unigram(&self, word: &str) -> u32 {
        self.slot(b'u', word, None)
    }

    fn features(&self, text: &str) -> Features {
        let tokens = tokenize(text);
        let words: Vec<String> = tokens
            .iter()
            .map(|t| feature_word(tokens.key_of(t)))
            .collect();
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for word in &words {
            *counts.entry(self.unigram(word)).or_default() += 1;
        }
        if self.bigrams {
            for pair in words.windows(2) {
                *counts
                    .entry(self.slot(b'b', &pair[0], Some(&pair[1])))
                    .or_default() += 1;
            }
        }
        let mut slots: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(slot, n)| (slot, 1.0 + (n as f32).ln()))
            .collect();
        slots.sort_unstable_by_key(|&(slot, _)| slot);
        let norm = slots.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        Features {
            slots: slots.iter().map(|&(s, _)| s).collect(),
            values: slots.iter().map(|&(_, v)| v * scale).collect(),
        }
    }
}

/// A trained one-vs-rest linear model.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    hashing: Hashing,
    topics: Vec<String>,
    bias: Vec<f32>,
    /// Per topic, a dense table of `2^dims_bits` weights.
    weights: Vec<Vec<f32>>,
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// A small deterministic generator (SplitMix64) for shuffling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Fits one logistic regression per topic found in `examples`.
pub fn train(examples: &[LabelledDoc], opts: &TrainOptions) -> Result<LinearModel> {
    opts.validate()?;
    if examples.is_empty() {
        return Err(TagError::Train(TrainProblem::NoExamples));
    }
    let mut topics: Vec<String> = examples
        .iter()
        .flat_map(|d| d.topics.iter().cloned())
        .collect();
    topics.sort();
    topics.dedup();
    if topics.is_empty() {
        return Err(TagError::Train(TrainProblem::NoTopics));
    }
    let hashing = Hashing {
        dims_bits: opts.dims_bits,
        bigrams: opts.bigrams,
        seed: opts.seed,
    };
    let features: Vec<Features> = examples.iter().map(|d| hashing.features(&d.text)).collect();
    let dims = 1usize << opts.dims_bits;
    let mut model = LinearModel {
        hashing,
        topics: Vec::with_capacity(topics.len()),
        bias: Vec::with_capacity(topics.len()),
        weights: Vec::with_capacity(topics.len()),
    };
    for (t, topic) in topics.into_iter().enumerate() {
        let labels: Vec<bool> = examples.iter().map(|d| d.topics.contains(&topic)).collect();
        let positives = labels.iter().filter(|&&y| y).count();
        let negatives = labels.len() - positives;
        let positive_weight = if opts.balance_classes && positives > 0 {
            (negatives as f32 / positives as f32).clamp(1.0, 10.0)
        } else {
            1.0
        };
        let mut w = vec![0f32; dims];
        let mut b = 0f32;
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = SplitMix(opts.seed ^ (t as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
        for epoch in 0..opts.epochs {
            rng.shuffle(&mut order);
            let rate = opts.learning_rate / (1.0 + epoch as f32).sqrt();
            for &d in &order {
                let x = &features[d];
                let z = b + x
                    .slots
                    .iter()
                    .zip(&x.values)
                    .map(|(&s, &v)| w[s as usize] * v)
                    .sum::<f32>();
                let (y, weight) = if labels[d] {
                    (1.0, positive_weight)
                } else {
                    (0.0, 1.0)
                };
                let g = (sigmoid(z) - y) * weight;
                for (&s, &v) in x.slots.iter().zip(&x.values) {
                    let wi = &mut w[s as usize];
                    *wi -= rate * (g * v + opts.l2 * *wi);
                }
                b -= rate * g;
            }
        }
        tracing::debug!(topic, positives, negatives, "trained topic");
        model.topics.push(topic);
        model.bias.push(b);
        model.weights.push(w);
    }
    Ok(model)
}

/// Reads little-endian values from a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> std::result::Result<&[u8], ModelProblem> {
        let end = self.at.checked_add(n).ok_or(ModelProblem::Truncated)?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or(ModelProblem::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], ModelProblem> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> std::result::Result<u8, ModelProblem> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> std::result::Result<u32, ModelProblem> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> std::result::Result<u64, ModelProblem> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> std::result::Result<f32, ModelProblem> {
        Ok(f32::from_le_bytes(self.array()?))
    }
}

impl LinearModel {
    /// Topic labels the model predicts, sorted.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// The probability of each topic of [`LinearModel::topics`] for `text`.
    pub fn predict(&self, text: &str) -> Vec<f32> {
        self.probabilities(&self.hashing.features(text))
    }

    fn probabilities(&self, x: &Features) -> Vec<f32> {
        self.weights
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| {
                let z = b + x
                    .slots
                    .iter()
                    .zip(&x.values)
                    .map(|(&s, &v)| w[s as usize] * v)
                    .sum::<f32>();
                sigmoid(z)
            })
            .collect()
    }

    /// The model file's bytes (format in the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(self.hashing.dims_bits);
        out.push(u8::from(self.hashing.bigrams));
        out.extend_from_slice(&self.hashing.seed.to_le_bytes());
        out.extend_from_slice(&(self.topics.len() as u32).to_le_bytes());
        for ((topic, bias), weights) in self.topics.iter().zip(&self.bias).zip(&self.weights) {
            out.extend_from_slice(&(topic.len() as u32).to_le_bytes());
            out.extend_from_slice(topic.as_bytes());
            out.extend_from_slice(&bias.to_le_bytes());
            let nonzero: Vec<(u32, f32)> = weights
                .iter()
                .enumerate()
                .filter(|&(_, &w)| w != 0.0)
                .map(|(i, &w)| (i as u32, w))
                .collect();
            out.extend_from_slice(&(nonzero.len() as u32).to_le_bytes());
            for (slot, w) in nonzero {
                out.extend_from_slice(&slot.to_le_bytes());
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        let checksum = xxh3_64(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out
    }

    /// Parses a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<Self, ModelProblem> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelProblem::BadMagic);
        }
        let mut r = Reader { bytes, at: 4 };
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(ModelProblem::UnsupportedVersion(version));
        }
        if bytes.len() < HEADER_LEN + 8 {
            return Err(ModelProblem::Truncated);
        }
        let (content, sum) = bytes.split_at(bytes.len() - 8);
        let mut expected = [0u8; 8];
        expected.copy_from_slice(sum);
        if xxh3_64(content) != u64::from_le_bytes(expected) {
            return Err(ModelProblem::Checksum);
        }
        let mut r = Reader {
            bytes: content,
            at: 8,
        };
        let dims_bits = r.u8()?;
        if !(1..=24).contains(&dims_bits) {
            return Err(ModelProblem::Corrupt {
                what: "feature table size",
            });
        }
        let bigrams = r.u8()? != 0;
        let seed = r.u64()?;
        let count = r.u32()? as usize;
        let dims = 1usize << dims_bits;
        let mut model = LinearModel {
            hashing: Hashing {
                dims_bits,
                bigrams,
                seed,
            },
            topics: Vec::new(),
            bias: Vec::new(),
            weights: Vec::new(),
        };
        for _ in 0..count {
            let len = r.u32()? as usize;
            let name = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ModelProblem::Corrupt { what: "topic name" })?
                .to_string();
            let bias = r.f32()?;
            let nonzero = r.u32()? as usize;
            let mut weights = vec![0f32; dims];
            for _ in 0..nonzero {
                let slot = r.u32()? as usize;
                let w = r.f32()?;
                *weights.get_mut(slot).ok_or(ModelProblem::Corrupt {
                    what: "weight slot",
                })? = w;
            }
            model.topics.push(name);
            model.bias.push(bias);
            model.weights.push(weights);
        }
        if r.at != content.len() {
            return Err(ModelProblem::Corrupt {
                what: "trailing bytes",
            });
        }
        Ok(model)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_bytes()).map_err(|e| TagError::io(path, e))
    }

    /// Reads a model written by [`LinearModel::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| TagError::io(path, e))?;
        Self::from_bytes(&bytes).map_err(|problem| TagError::Model {
            path: path.display().to_string(),
            problem,
        })
    }
}

/// Configuration of the linear tagger.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinearConfig {
    /// Model file written by `newsflow train`.
    pub model: PathBuf,
    /// Probability a topic needs to be tagged. Default 0.5.
    #[serde(default = "default_threshold")]
    pub threshold: f32,
}

fn default_threshold() -> f32 {
    0.5
}

impl LinearConfig {
    /// Loads the model and builds the tagger.
    pub fn build(&self) -> Result<LinearTagger> {
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return Err(TagError::Setting {
                setting: "threshold",
                value: self.threshold.into(),
                expected: "a probability between 0 and 1 (exclusive)",
            });
        }
        Ok(LinearTagger::new(
            LinearModel::load(&self.model)?,
            self.threshold,
        ))
    }
}

/// Tags documents with a [`LinearModel`]. Stage name `linear`.
///
/// `topics` holds the topics whose probability reaches the threshold;
/// `topic_scores` every topic whose probability reaches half of it, with the
/// probability as score and, as hits, the words of the document that push
/// towards the topic; `topic_evidence` the occurrences in the body of the
/// five words that push hardest towards each tagged topic.
#[derive(Debug, Clone)]
pub struct LinearTagger {
    model: LinearModel,
    threshold: f32,
}

/// Probabilities and supporting-word counts of one document.
#[derive(Debug, Clone)]
pub(crate) struct LinearScores {
    pub(crate) probabilities: Vec<f32>,
    pub(crate) hits: Vec<u32>,
}

impl LinearTagger {
    /// A tagger that tags topics with probability at least `threshold`.
    pub fn new(model: LinearModel, threshold: f32) -> Self {
        LinearTagger { model, threshold }
    }

    /// The model in use.
    pub fn model(&self) -> &LinearModel {
        &self.model
    }

    /// The probability threshold.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    fn full_text(doc: &DocText<'_>) -> String {
        [doc.title, doc.lede, Some(doc.body)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    pub(crate) fn scores(&self, doc: &DocText<'_>) -> LinearScores {
        let text = Self::full_text(doc);
        let probabilities = self.model.predict(&text);
        let tokens = tokenize(&text);
        let words: Vec<u32> = tokens
            .iter()
            .map(|t| self.model.hashing.unigram(&feature_word(tokens.key_of(t))))
            .collect();
        let hits = self
            .model
            .weights
            .iter()
            .map(|w| words.iter().filter(|&&s| w[s as usize] > 0.0).count() as u32)
            .collect();
        LinearScores {
            probabilities,
            hits,
        }
    }

    /// Evidence for topic `t` of the model: occurrences in the body of the
    /// words with the largest positive weights.
    pub(crate) fn evidence(&self, body: &str, t: usize) -> Vec<Evidence> {
        let weights = &self.model.weights[t];
        let tokens = tokenize(body);
        let mut words: Vec<(String, f32)> = Vec::new();
        for token in tokens.iter() {
            let word = feature_word(tokens.key_of(token));
            let w = weights[self.model.hashing.unigram(&word) as usize];
            if w > 0.0 && !words.iter().any(|(x, _)| *x == word) {
                words.push((word, w));
            }
        }
        words.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words.truncate(EVIDENCE_WORDS);
        tokens
            .iter()
            .filter_map(|token| {
                let word = feature_word(tokens.key_of(token));
                let (_, w) = words.iter().find(|(x, _)| *x == word)?;
                Some(Evidence {
                    topic: self.model.topics[t].clone(),
                    term: word,
                    start: token.start_char() as u32,
                    end: token.end_char() as u32,
                    weight: *w,
                })
            })
            .take(EVIDENCE_ROWS)
            .collect()
    }

    /// Tags one document.
    pub fn tag(&self, doc: &DocText<'_>) -> Tagging {
        let scores = self.scores(doc);
        let mut ranked: Vec<usize> = (0..self.model.topics.len())
            .filter(|&t| scores.probabilities[t] >= self.threshold / 2.0)
            .collect();
        ranked.sort_by(|&a, &b| {
            scores.probabilities[b]
                .total_cmp(&scores.probabilities[a])
                .then(a.cmp(&b))
        });
        let tagged: Vec<usize> = ranked
            .iter()
            .copied()
            .filter(|&t| scores.probabilities[t] >= self.threshold)
            .collect();
        let mut evidence: Vec<Evidence> = tagged
            .iter()
            .flat_map(|&t| self.evidence(doc.body, t))
            .collect();
        evidence.sort_by_key(|e| e.start);
        Tagging {
            topics: tagged
                .iter()
                .map(|&t| self.model.topics[t].clone())
                .collect(),
            scores: ranked
                .iter()
                .map(|&t| TopicScore {
                    topic: self.model.topics[t].clone(),
                    score: scores.probabilities[t],
                    hits: scores.hits[t],
                })
                .collect(),
            evidence,
        }
    }
}

impl Stage for LinearTagger {
    fn name(&self) -> &str {
        "linear"
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str, topics: &[&str]) -> LabelledDoc {
        LabelledDoc {
            text: text.to_string(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn small_model() -> LinearModel {
        let examples = vec![
            doc("sanctions against the regime", &["sanctions"]),
            doc("new sanctions were imposed", &["sanctions"]),
            doc("санкции против КНДР", &["sanctions", "korea"]),
            doc("talks on the Korean Peninsula", &["korea"]),
            doc("weather was fine today", &[]),
            doc("the football match ended", &[]),
        ];
        let opts = TrainOptions {
            dims_bits: 12,
            ..TrainOptions::default()
        };
        train(&examples, &opts).unwrap()
    }

    #[test]
    fn feature_words() {
        let cases = [
            ("sanctions", "sanction"),
            ("ss", "ss"),
            ("class", "class"),
            ("us", "us"),
            ("санкциями", "санкци"),
            ("санкций", "санкци"),
            ("мир", "мир"),
        ];
        for (key, expected) in cases {
            assert_eq!(feature_word(key), expected, "{key}");
        }
    }

    #[test]
    fn features_are_unit_length_and_sorted() {
        let h = Hashing {
            dims_bits: 10,
            bigrams: true,
            seed: 1,
        };
        let f = h.features("Sanctions, sanctions and more sanctions");
        let norm: f32 = f.values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(f.slots.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(h.features(""), Features::default());
    }

    #[test]
    fn learns_and_round_trips() {
        let model = small_model();
        assert_eq!(model.topics(), ["korea", "sanctions"]);
        let p = model.predict("fresh sanctions");
        assert!(p[1] > 0.5 && p[0] < 0.5, "{p:?}");
        let bytes = model.to_bytes();
        assert_eq!(LinearModel::from_bytes(&bytes).unwrap(), model);
        // training is deterministic
        assert_eq!(small_model().to_bytes(), bytes);
    }

    #[test]
    fn damaged_files_are_rejected() {
        let bytes = small_model().to_bytes();
        let mut flipped = bytes.clone();
        flipped[30] ^= 1;
        let mut version = bytes.clone();
        version[4] = 9;
        let cases: Vec<(Vec<u8>, ModelProblem)> = vec![
            (b"PK\x03\x04".to_vec(), ModelProblem::BadMagic),
            (version, ModelProblem::UnsupportedVersion(9)),
            (bytes[..10].to_vec(), ModelProblem::Truncated),
            (flipped, ModelProblem::Checksum),
        ];
        for (input, expected) in cases {
            assert_eq!(LinearModel::from_bytes(&input).unwrap_err(), expected);
        }
    }

    #[test]
    fn bad_options_and_inputs() {
        let examples = vec![doc("a text", &["x"])];
        let cases: Vec<(Vec<LabelledDoc>, TrainOptions, &str)> = vec![
            (
                vec![],
                TrainOptions::default(),
                "cannot train: no labelled documents",
            ),
            (
                vec![doc("a text", &[])],
                TrainOptions::default(),
                "cannot train: no document has a topic label",
            ),
            (
                examples.clone(),
                TrainOptions {
                    dims_bits: 30,
                    ..TrainOptions::default()
                },
                "cannot train: option `dims_bits` = 30 is invalid: expected 8 to 24",
            ),
            (
                examples,
                TrainOptions {
                    epochs: 0,
                    ..TrainOptions::default()
                },
                "cannot train: option `epochs` = 0 is invalid: expected at least 1",
            ),
        ];
        for (docs, opts, expected) in cases {
            assert_eq!(train(&docs, &opts).unwrap_err().to_string(), expected);
        }
    }

    #[test]
    fn tagger_reports_scores_and_evidence() {
        let tagger = LinearTagger::new(small_model(), 0.5);
        let body = "The council voted for sanctions.";
        let tagging = tagger.tag(&DocText {
            title: None,
            lede: None,
            body,
        });
        assert_eq!(tagging.topics, vec!["sanctions"]);
        assert!(tagging.scores[0].hits >= 1);
        let e = tagging
            .evidence
            .iter()
            .find(|e| e.term == "sanction")
            .expect("the word `sanctions` is evidence");
        let chars: Vec<char> = body.chars().collect();
        let surface: String = chars[e.start as usize..e.end as usize].iter().collect();
        assert_eq!(surface, "sanctions");
    }
}
