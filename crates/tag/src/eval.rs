//! Evaluation of a run against a gold file (`newsflow eval`).
//!
//! The gold file is JSONL in the format of `seeds-gold.jsonl`: one object
//! per document with its `file` and whichever expectations are known
//! ([`GoldDoc`]). A gold line matches the output document whose
//! `source_path` is the file (or ends with `/file`) or whose `doc_id` is the
//! file's stem.
//!
//! What is measured:
//!
//! * **Topics**: per topic, true positives (predicted and required), false
//!   negatives (required, not predicted) and false positives (predicted,
//!   neither required nor optional): a predicted optional topic counts for
//!   nothing. Precision, recall and F1 per topic, micro-averaged (over the
//!   summed counts) and macro-averaged (the mean over topics).
//! * **Fields**: accuracy of title, lede, date text, year, month, day, time,
//!   dateline place, source, author, speaker and language, for documents
//!   whose gold gives the field (a gold `null` expects a null). Text is
//!   compared case-insensitively after folding curly quotes, dashes and
//!   white space.
//! * **Entities**: precision and recall of persons, countries and orgs.
//! * **Noise removal**: the share of gold noise strings absent from the
//!   body; **headings**: the share of gold headings still in the body;
//!   **body bounds**: the share of `body_starts_with` / `body_ends_with`
//!   checks that hold.
//!
//! A gold document with no output document counts as a miss on every check
//! it has. Every failed check is listed per document.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use newsflow_core::batch::{StrColumn, str_list_column};
use newsflow_core::schema::col;
use serde::{Deserialize, Deserializer, Serialize};

use crate::TOPIC_IDS;
use crate::error::{LineProblem, Result, TagError};

/// `Some(value)` for a key that is present (even as `null`), `None` when the
/// key is absent.
fn present<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// One line of a gold file. For scalar fields, `None` means the gold says
/// nothing and `Some(None)` that the value must be null. Unknown keys are
/// ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct GoldDoc {
    /// Input file name (`000_d7c65799752ff593.txt`).
    pub file: String,
    /// Headline.
    #[serde(default, deserialize_with = "present")]
    pub title: Option<Option<String>>,
    /// Standfirst.
    #[serde(default, deserialize_with = "present")]
    pub lede: Option<Option<String>>,
    /// Date expression as written.
    #[serde(default, deserialize_with = "present")]
    pub date_text: Option<Option<String>>,
    /// Year.
    #[serde(default, deserialize_with = "present")]
    pub year: Option<Option<i64>>,
    /// Month.
    #[serde(default, deserialize_with = "present")]
    pub month: Option<Option<i64>>,
    /// Day of month.
    #[serde(default, deserialize_with = "present")]
    pub day: Option<Option<i64>>,
    /// `HH:MM`.
    #[serde(default, deserialize_with = "present")]
    pub time: Option<Option<String>>,
    /// Dateline city.
    #[serde(default, deserialize_with = "present")]
    pub dateline_place: Option<Option<String>>,
    /// Outlet.
    #[serde(default, deserialize_with = "present")]
    pub source: Option<Option<String>>,
    /// Byline.
    #[serde(default, deserialize_with = "present")]
    pub author: Option<Option<String>>,
    /// Transcript speaker.
    #[serde(default, deserialize_with = "present")]
    pub speaker: Option<Option<String>>,
    /// ISO 639-1 language.
    #[serde(default, deserialize_with = "present")]
    pub language: Option<Option<String>>,
    /// Canonical person names.
    #[serde(default)]
    pub persons: Option<Vec<String>>,
    /// ISO country codes.
    #[serde(default)]
    pub countries: Option<Vec<String>>,
    /// Canonical organization names.
    #[serde(default)]
    pub orgs: Option<Vec<String>>,
    /// Topics that must be predicted.
    #[serde(default)]
    pub topics_required: Option<Vec<String>>,
    /// Topics that may be predicted.
    #[serde(default)]
    pub topics_optional: Option<Vec<String>>,
    /// Strings that must not be in the body.
    #[serde(default)]
    pub noise: Option<Vec<String>>,
    /// Headings that must stay in the body.
    #[serde(default)]
    pub headings: Option<Vec<String>>,
    /// How the body starts.
    #[serde(default)]
    pub body_starts_with: Option<String>,
    /// How the body ends.
    #[serde(default)]
    pub body_ends_with: Option<String>,
}

/// Reads a gold JSONL file; blank lines are skipped and a bad line is an
/// error naming the file and line.
pub fn read_gold(path: &Path) -> Result<Vec<GoldDoc>> {
    let source = std::fs::read_to_string(path).map_err(|e| TagError::io(path, e))?;
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| TagError::Gold {
                path: path.display().to_string(),
                line: index + 1,
                problem: LineProblem::Json(e),
            })
        })
        .collect()
}

/// Precision, recall and F1; `None` where undefined (no prediction, no
/// support).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Prf {
    /// tp / (tp + fp).
    pub precision: Option<f64>,
    /// tp / (tp + fn).
    pub recall: Option<f64>,
    /// Harmonic mean; 0 when only one of the two is defined.
    pub f1: Option<f64>,
}

impl Prf {
    fn from_counts(tp: usize, fp: usize, fn_: usize) -> Self {
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (None, None) => None,
            _ => Some(0.0),
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }

    fn mean(items: &[Prf]) -> Self {
        let avg = |get: fn(&Prf) -> Option<f64>| {
            let values: Vec<f64> = items.iter().filter_map(get).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        Prf {
            precision: avg(|p| p.precision),
            recall: avg(|p| p.recall),
            f1: avg(|p| p.f1),
        }
    }
}

/// Counts and scores of one label (a topic, or an entity kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelMetrics {
    /// Topic id or entity kind.
    pub label: String,
    /// Predicted and expected.
    pub tp: usize,
    /// Predicted, not expected (optional topics excepted).
    pub fp: usize,
    /// Expected, not predicted.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// Scores from the counts.
    #[serde(flatten)]
    pub scores: Prf,
}

impl LabelMetrics {
    fn new(label: &str, tp: usize, fp: usize, fn_: usize) -> Self {
        LabelMetrics {
            label: label.to_string(),
            tp,
            fp,
            fn_,
            scores: Prf::from_counts(tp, fp, fn_),
        }
    }
}

/// Topic scores over the documents whose gold lists required topics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicReport {
    /// Gold documents with topic expectations.
    pub documents: usize,
    /// Per topic, in the order of [`TOPIC_IDS`] then alphabetical.
    pub per_topic: Vec<LabelMetrics>,
    /// Micro average (from summed counts).
    pub micro: Prf,
    /// Macro average (mean over topics).
    pub macro_avg: Prf,
}

/// Accuracy of one scalar field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldAccuracy {
    /// Field name.
    pub field: String,
    /// Documents where the output equals the gold.
    pub correct: usize,
    /// Documents whose gold gives the field.
    pub total: usize,
    /// correct / total.
    pub accuracy: Option<f64>,
}

/// A pass rate of simple checks.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Rate {
    /// Checks that held.
    pub passed: usize,
    /// Checks made.
    pub total: usize,
    /// passed / total.
    pub rate: Option<f64>,
}

impl Rate {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.passed += usize::from(ok);
        self.rate = Some(self.passed as f64 / self.total as f64);
    }
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Miss {
    /// No output document matches the gold file.
    MissingDocument,
    /// A required topic was not predicted.
    TopicMissing {
        /// Topic id.
        topic: String,
    },
    /// A topic outside required ∪ optional was predicted.
    TopicExtra {
        /// Topic id.
        topic: String,
    },
    /// A scalar field differs from the gold.
    Field {
        /// Field name.
        field: String,
        /// Gold value (`None` for null).
        expected: Option<String>,
        /// Output value.
        found: Option<String>,
    },
    /// An expected entity is missing.
    EntityMissing {
        /// `persons`, `countries` or `orgs`.
        kind: String,
        /// The entity.
        name: String,
    },
    /// An entity not in the gold was output.
    EntityExtra {
        /// `persons`, `countries` or `orgs`.
        kind: String,
        /// The entity.
        name: String,
    },
    /// A noise string is still in the body.
    NoiseLeft {
        /// The noise string.
        noise: String,
    },
    /// A heading is no longer in the body.
    HeadingLost {
        /// The heading.
        heading: String,
    },
    /// The body does not start as expected.
    BodyStart {
        /// Expected start.
        expected: String,
        /// Actual start (as long as the expected one).
        found: Option<String>,
    },
    /// The body does not end as expected.
    BodyEnd {
        /// Expected end.
        expected: String,
        /// Actual end (as long as the expected one).
        found: Option<String>,
    },
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| {
            v.as_deref()
                .map_or("null".to_string(), |s| format!("{s:?}"))
        };
        match self {
            Miss::MissingDocument => write!(f, "no output document"),
            Miss::TopicMissing { topic } => write!(f, "topic missing: {topic}"),
            Miss::TopicExtra { topic } => write!(f, "topic not expected: {topic}"),
            Miss::Field {
                field,
                expected,
                found,
            } => write!(
                f,
                "{field}: expected {}, found {}",
                show(expected),
                show(found)
            ),
            Miss::EntityMissing { kind, name } => write!(f, "{kind} missing: {name}"),
            Miss::EntityExtra { kind, name } => write!(f, "{kind} not expected: {name}"),
            Miss::NoiseLeft { noise } => write!(f, "noise left in body: {noise:?}"),
            Miss::HeadingLost { heading } => write!(f, "heading lost: {heading:?}"),
            Miss::BodyStart { expected, found } => {
                write!(f, "body should start {expected:?}, starts {}", show(found))
            }
            Miss::BodyEnd { expected, found } => {
                write!(f, "body should end {expected:?}, ends {}", show(found))
            }
        }
    }
}

/// The failed checks of one gold document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocMisses {
    /// Gold `file`.
    pub file: String,
    /// Failed checks.
    pub misses: Vec<Miss>,
}

/// The result of [`evaluate`]: printable as a table, serializable as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Gold documents.
    pub gold_documents: usize,
    /// Gold documents with a matching output document.
    pub matched_documents: usize,
    /// Topic metrics.
    pub topics: TopicReport,
    /// Scalar field accuracies (fields the gold never gives are left out).
    pub fields: Vec<FieldAccuracy>,
    /// Persons, countries and orgs.
    pub entities: Vec<LabelMetrics>,
    /// Noise strings absent from the body.
    pub noise_removed: Rate,
    /// Gold headings still in the body.
    pub headings_kept: Rate,
    /// `body_starts_with` / `body_ends_with` checks that hold.
    pub body_bounds: Rate,
    /// Failed checks per document (documents without failures left out).
    pub misses: Vec<DocMisses>,
}

/// One output document's evaluated columns.
#[derive(Debug, Default)]
struct DocRow {
    doc_id: Option<String>,
    source_path: Option<String>,
    strings: Vec<(&'static str, Option<String>)>,
    ints: Vec<(&'static str, Option<i64>)>,
    body: Option<String>,
    lists: Vec<(&'static str, Vec<String>)>,
}

impl DocRow {
    fn string(&self, field: &str) -> Option<String> {
        self.strings
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, v)| v.clone())
    }

    fn int(&self, field: &str) -> Option<i64> {
        self.ints
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, v)| *v)
    }

    fn list(&self, field: &str) -> &[String] {
        self.lists
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// String fields compared with the gold: (gold field, output column).
const STRING_FIELDS: [(&str, &str); 8] = [
    ("title", col::TITLE),
    ("lede", col::LEDE),
    ("date_text", col::DATE_TEXT),
    ("time", col::PUBLISHED_TIME),
    ("dateline_place", col::DATELINE_PLACE),
    ("source", col::SOURCE),
    ("author", col::AUTHOR),
    ("speaker", col::SPEAKER),
];

/// Integer fields compared with the gold: (gold field, output column).
const INT_FIELDS: [(&str, &str); 3] = [
    ("year", col::PUBLISHED_YEAR),
    ("month", col::PUBLISHED_MONTH),
    ("day", col::PUBLISHED_DAY),
];

/// List columns read: entities and topics.
const LIST_FIELDS: [&str; 4] = [col::PERSONS, col::COUNTRIES, col::ORGS, col::TOPICS];

fn int_at(array: &dyn Array, row: usize) -> Option<i64> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Int8 => Some(array.as_primitive::<Int8Type>().value(row).into()),
        DataType::Int16 => Some(array.as_primitive::<Int16Type>().value(row).into()),
        DataType::Int32 => Some(array.as_primitive::<Int32Type>().value(row).into()),
        DataType::Int64 => Some(array.as_primitive::<Int64Type>().value(row)),
        _ => None,
    }
}

fn read_rows(batches: &[RecordBatch]) -> Vec<DocRow> {
    let mut rows = Vec::new();
    for batch in batches {
        let string = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|a| StrColumn::new(a.as_ref()))
        };
        let lists: Vec<(&'static str, Vec<Vec<String>>)> = LIST_FIELDS
            .iter()
            .filter_map(|&name| match str_list_column("eval", batch, name) {
                Ok(values) => Some((name, values)),
                Err(e) => {
                    tracing::warn!(column = name, error = %e, "column not evaluated");
                    None
                }
            })
            .collect();
        for row in 0..batch.num_rows() {
            let get = |name: &str| string(name).and_then(|c| c.get(row)).map(str::to_string);
            rows.push(DocRow {
                doc_id: get(col::DOC_ID),
                source_path: get(col::SOURCE_PATH),
                body: get(col::BODY),
                strings: STRING_FIELDS
                    .iter()
                    .chain([("language", col::LANGUAGE)].iter())
                    .map(|&(field, column)| (field, get(column)))
                    .collect(),
                ints: INT_FIELDS
                    .iter()
                    .map(|&(field, column)| {
                        let value = batch
                            .column_by_name(column)
                            .and_then(|a| int_at(a.as_ref(), row));
                        (field, value)
                    })
                    .collect(),
                lists: lists
                    .iter()
                    .map(|(name, values)| (*name, values[row].clone()))
                    .collect(),
            });
        }
    }
    rows
}

/// Folds text for comparison: curly quotes and dashes to ASCII, white space
/// collapsed, lower case.
fn norm(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '‘' | '’' | '‚' | '‛' | '′' => '\'',
            '“' | '”' | '„' | '‟' | '«' | '»' | '″' => '"',
            '–' | '—' | '‒' | '−' | '‐' | '‑' => '-',
            c => c,
        })
        .collect();
    mapped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn matches_file(row: &DocRow, file: &str) -> bool {
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file);
    let path_matches = row.source_path.as_deref().is_some_and(|p| {
        let p = p.replace('\\', "/");
        p == file || p.ends_with(&format!("/{file}"))
    });
    path_matches
        || row
            .doc_id
            .as_deref()
            .is_some_and(|id| id == stem || id == file)
}

/// Running counts for one label.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

/// Scores `documents` (batches of `documents.parquet`, schema
/// [`newsflow_core::schema::documents_schema`]) against `gold`. Missing or
/// mistyped columns evaluate as nulls.
pub fn evaluate(gold: &[GoldDoc], documents: &[RecordBatch]) -> EvalReport {
    let rows = read_rows(documents);
    let mut topic_counts: Vec<(String, Counts)> = Vec::new();
    let mut topic_docs = 0;
    let mut field_counts: Vec<(String, usize, usize)> = Vec::new();
    let mut entity_counts: Vec<(&str, Counts)> = Vec::new();
    let mut noise = Rate::default();
    let mut headings = Rate::default();
    let mut bounds = Rate::default();
    let mut all_misses = Vec::new();
    let mut matched = 0;

    for g in gold {
        let row = rows.iter().find(|r| matches_file(r, &g.file));
        matched += usize::from(row.is_some());
        let mut misses = Vec::new();
        if row.is_none() {
            misses.push(Miss::MissingDocument);
        }
        let empty = DocRow::default();
        let doc = row.unwrap_or(&empty);

        // Topics.
        if let Some(required) = &g.topics_required {
            topic_docs += 1;
            let optional = g.topics_optional.clone().unwrap_or_default();
            let predicted: BTreeSet<&str> =
                doc.list(col::TOPICS).iter().map(String::as_str).collect();
            let mut count = |topic: &str, f: fn(&mut Counts)| match topic_counts
                .iter_mut()
                .find(|(t, _)| t == topic)
            {
                Some((_, c)) => f(c),
                None => {
                    let mut c = Counts::default();
                    f(&mut c);
                    topic_counts.push((topic.to_string(), c));
                }
            };
            for topic in required {
                if predicted.contains(topic.as_str()) {
                    count(topic, |c| c.tp += 1);
                } else {
                    count(topic, |c| c.fn_ += 1);
                    if row.is_some() {
                        misses.push(Miss::TopicMissing {
                            topic: topic.clone(),
                        });
                    }
                }
            }
            for topic in &predicted {
                if !required.iter().any(|t| t == topic) && !optional.iter().any(|t| t == topic) {
                    count(topic, |c| c.fp += 1);
                    misses.push(Miss::TopicExtra {
                        topic: topic.to_string(),
                    });
                }
            }
        }

        // Scalar fields.
        let mut check_field = |field: &str, expected: Option<String>, found: Option<String>| {
            let ok = match (&expected, &found) {
                (Some(e), Some(f)) => norm(e) == norm(f),
                (None, None) => true,
                _ => false,
            };
            match field_counts.iter_mut().find(|(f, _, _)| f == field) {
                Some((_, correct, total)) => {
                    *correct += usize::from(ok);
                    *total += 1;
                }
                None => field_counts.push((field.to_string(), usize::from(ok), 1)),
            }
            if !ok && row.is_some() {
                misses.push(Miss::Field {
                    field: field.to_string(),
                    expected,
                    found,
                });
            }
        };
        let gold_strings = [
            ("title", &g.title),
            ("lede", &g.lede),
            ("date_text", &g.date_text),
            ("time", &g.time),
            ("dateline_place", &g.dateline_place),
            ("source", &g.source),
            ("author", &g.author),
            ("speaker", &g.speaker),
            ("language", &g.language),
        ];
        for (field, expected) in gold_strings {
            if let Some(expected) = expected {
                check_field(field, expected.clone(), doc.string(field));
            }
        }
        for (field, expected) in [("year", &g.year), ("month", &g.month), ("day", &g.day)] {
            if let Some(expected) = expected {
                check_field(
                    field,
                    expected.map(|v| v.to_string()),
                    doc.int(field).map(|v| v.to_string()),
                );
            }
        }

        // Entities.
        let entity_gold = [
            (col::PERSONS, &g.persons),
            (col::COUNTRIES, &g.countries),
            (col::ORGS, &g.orgs),
        ];
        for (kind, expected) in entity_gold {
            let Some(expected) = expected else { continue };
            let want: BTreeSet<String> = expected.iter().map(|e| norm(e)).collect();
            let got: BTreeSet<String> = doc.list(kind).iter().map(|e| norm(e)).collect();
            let slot = match entity_counts.iter().position(|(k, _)| *k == kind) {
                Some(i) => i,
                None => {
                    entity_counts.push((kind, Counts::default()));
                    entity_counts.len() - 1
                }
            };
            let c = &mut entity_counts[slot].1;
            for name in expected {
                if got.contains(&norm(name)) {
                    c.tp += 1;
                } else {
                    c.fn_ += 1;
                    if row.is_some() {
                        misses.push(Miss::EntityMissing {
                            kind: kind.to_string(),
                            name: name.clone(),
                        });
                    }
                }
            }
            for name in doc.list(kind) {
                if !want.contains(&norm(name)) {
                    c.fp += 1;
                    misses.push(Miss::EntityExtra {
                        kind: kind.to_string(),
                        name: name.clone(),
                    });
                }
            }
        }

        // Body checks.
        let body = doc.body.as_deref().map(norm);
        for n in g.noise.iter().flatten() {
            let ok = body.as_ref().is_some_and(|b| !b.contains(&norm(n)));
            noise.add(ok);
            if !ok && row.is_some() {
                misses.push(Miss::NoiseLeft { noise: n.clone() });
            }
        }
        for h in g.headings.iter().flatten() {
            let ok = body.as_ref().is_some_and(|b| b.contains(&norm(h)));
            headings.add(ok);
            if !ok && row.is_some() {
                misses.push(Miss::HeadingLost { heading: h.clone() });
            }
        }
        let raw_body = doc
            .body
            .as_deref()
            .map(|b| b.split_whitespace().collect::<Vec<_>>().join(" "));
        let prefix = |n: usize| {
            raw_body
                .as_ref()
                .map(|b| b.chars().take(n).collect::<String>())
        };
        let suffix = |n: usize| {
            raw_body.as_ref().map(|b| {
                let chars: Vec<char> = b.chars().collect();
                chars[chars.len().saturating_sub(n)..]
                    .iter()
                    .collect::<String>()
            })
        };
        if let Some(start) = &g.body_starts_with {
            let ok = body.as_ref().is_some_and(|b| b.starts_with(&norm(start)));
            bounds.add(ok);
            if !ok && row.is_some() {
                misses.push(Miss::BodyStart {
                    expected: start.clone(),
                    found: prefix(start.chars().count()),
                });
            }
        }
        if let Some(end) = &g.body_ends_with {
            let ok = body.as_ref().is_some_and(|b| b.ends_with(&norm(end)));
            bounds.add(ok);
            if !ok && row.is_some() {
                misses.push(Miss::BodyEnd {
                    expected: end.clone(),
                    found: suffix(end.chars().count()),
                });
            }
        }
        if !misses.is_empty() {
            all_misses.push(DocMisses {
                file: g.file.clone(),
                misses,
            });
        }
    }

    topic_counts.sort_by_key(|(topic, _)| topic_order(topic));
    let per_topic: Vec<LabelMetrics> = topic_counts
        .iter()
        .map(|(t, c)| LabelMetrics::new(t, c.tp, c.fp, c.fn_))
        .collect();
    let total = topic_counts
        .iter()
        .fold(Counts::default(), |acc, (_, c)| Counts {
            tp: acc.tp + c.tp,
            fp: acc.fp + c.fp,
            fn_: acc.fn_ + c.fn_,
        });
    let macro_avg = Prf::mean(&per_topic.iter().map(|m| m.scores).collect::<Vec<_>>());
    EvalReport {
        gold_documents: gold.len(),
        matched_documents: matched,
        topics: TopicReport {
            documents: topic_docs,
            per_topic,
            micro: Prf::from_counts(total.tp, total.fp, total.fn_),
            macro_avg,
        },
        fields: field_counts
            .into_iter()
            .map(|(field, correct, total)| FieldAccuracy {
                field,
                correct,
                total,
                accuracy: (total > 0).then(|| correct as f64 / total as f64),
            })
            .collect(),
        entities: entity_counts
            .into_iter()
            .map(|(kind, c)| LabelMetrics::new(kind, c.tp, c.fp, c.fn_))
            .collect(),
        noise_removed: noise,
        headings_kept: headings,
        body_bounds: bounds,
        misses: all_misses,
    }
}

/// Sort key: default topics in their order, then others alphabetically.
fn topic_order(topic: &str) -> (usize, String) {
    let index = TOPIC_IDS
        .iter()
        .position(|t| *t == topic)
        .unwrap_or(TOPIC_IDS.len());
    (index, topic.to_string())
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

fn write_metrics(f: &mut fmt::Formatter<'_>, title: &str, rows: &[LabelMetrics]) -> fmt::Result {
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(title.len())
        .max(5);
    writeln!(
        f,
        "{title:<width$}  {:>4}  {:>4}  {:>4}  {:>9}  {:>6}  {:>6}",
        "tp", "fp", "fn", "precision", "recall", "f1"
    )?;
    for r in rows {
        writeln!(
            f,
            "{:<width$}  {:>4}  {:>4}  {:>4}  {:>9}  {:>6}  {:>6}",
            r.label,
            r.tp,
            r.fp,
            r.fn_,
            num(r.scores.precision),
            num(r.scores.recall),
            num(r.scores.f1)
        )?;
    }
    Ok(())
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Documents: {} in gold, {} matched",
            self.gold_documents, self.matched_documents
        )?;
        writeln!(f)?;
        writeln!(f, "Topics ({} documents)", self.topics.documents)?;
        write_metrics(f, "topic", &self.topics.per_topic)?;
        let width = self
            .topics
            .per_topic
            .iter()
            .map(|r| r.label.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        for (name, avg) in [
            ("micro", &self.topics.micro),
            ("macro", &self.topics.macro_avg),
        ] {
            writeln!(
                f,
                "{name:<width$}  {:>4}  {:>4}  {:>4}  {:>9}  {:>6}  {:>6}",
                "",
                "",
                "",
                num(avg.precision),
                num(avg.recall),
                num(avg.f1)
            )?;
        }
        if !self.fields.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "{:<14}  {:>7}  {:>5}  {:>8}",
                "field", "correct", "total", "accuracy"
            )?;
            for a in &self.fields {
                writeln!(
                    f,
                    "{:<14}  {:>7}  {:>5}  {:>8}",
                    a.field,
                    a.correct,
                    a.total,
                    num(a.accuracy)
                )?;
            }
        }
        if !self.entities.is_empty() {
            writeln!(f)?;
            write_metrics(f, "entities", &self.entities)?;
        }
        writeln!(f)?;
        for (name, rate) in [
            ("noise removed", &self.noise_removed),
            ("headings kept", &self.headings_kept),
            ("body bounds", &self.body_bounds),
        ] {
            writeln!(
                f,
                "{name:<14}  {:>7}  {:>8}",
                format!("{}/{}", rate.passed, rate.total),
                num(rate.rate)
            )?;
        }
        if !self.misses.is_empty() {
            writeln!(f)?;
            writeln!(f, "Misses")?;
            for doc in &self.misses {
                writeln!(f, "{}", doc.file)?;
                for miss in &doc.misses {
                    writeln!(f, "  {miss}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_table() {
        type Case = (
            (usize, usize, usize),
            (Option<f64>, Option<f64>, Option<f64>),
        );
        let cases: &[Case] = &[
            ((1, 0, 0), (Some(1.0), Some(1.0), Some(1.0))),
            ((1, 1, 0), (Some(0.5), Some(1.0), Some(2.0 / 3.0))),
            ((0, 0, 2), (None, Some(0.0), Some(0.0))),
            ((0, 3, 0), (Some(0.0), None, Some(0.0))),
            ((0, 0, 0), (None, None, None)),
        ];
        for &((tp, fp, fn_), (p, r, f1)) in cases {
            let got = Prf::from_counts(tp, fp, fn_);
            assert_eq!(
                (got.precision, got.recall, got.f1),
                (p, r, f1),
                "{tp} {fp} {fn_}"
            );
        }
    }

    #[test]
    fn norm_folds_quotes_dashes_and_space() {
        assert_eq!(
            norm("  Lavrov’s\u{a0}“talks” – Tokyo "),
            "lavrov's \"talks\" - tokyo"
        );
    }

    #[test]
    fn gold_distinguishes_null_from_absent() {
        let g: GoldDoc =
            serde_json::from_str(r#"{"file": "a.txt", "title": null, "alias_repairs": []}"#)
                .unwrap();
        assert_eq!(g.title, Some(None));
        assert_eq!(g.lede, None);
    }
}
