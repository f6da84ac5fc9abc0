//! The schema contract: every column that flows between stages and every
//! column that lands in the output files, with its Arrow type and meaning.
//!
//! Three stream schemas build on each other. Ingest emits [`ingest_schema`];
//! normalization appends the columns of [`normalize_fields`]; tagging appends
//! [`tag_fields`]. Rejected inputs travel in the same stream as rows whose
//! `reject_reason` is set, so a pipe of subcommands carries everything the
//! export needs. The export then splits the stream into the files described
//! by [`documents_schema`], [`rejects_schema`], [`mentions_schema`] and
//! [`topic_evidence_schema`].

use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};

/// Version of the output contract, stored in every Parquet file's key-value
/// metadata under [`SCHEMA_VERSION_KEY`].
pub const SCHEMA_VERSION: &str = "1";

/// Parquet key-value metadata key that holds [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "newsflow.schema_version";

/// Column names, shared by every crate so a rename happens in one place.
pub mod col {
    #![allow(missing_docs)]
    // ingest
    pub const DOC_ID: &str = "doc_id";
    pub const SOURCE_PATH: &str = "source_path";
    pub const CONTENT_HASH: &str = "content_hash";
    pub const ENCODING: &str = "encoding";
    pub const BYTES: &str = "bytes";
    pub const TEXT: &str = "text";
    pub const META_PUBLISHED: &str = "meta_published";
    pub const META_URL: &str = "meta_url";
    pub const META_SOURCE: &str = "meta_source";
    pub const REJECT_REASON: &str = "reject_reason";
    pub const REJECT_DETAIL: &str = "reject_detail";
    pub const FLAGS: &str = "flags";
    // normalize
    pub const TITLE: &str = "title";
    pub const LEDE: &str = "lede";
    pub const BODY: &str = "body";
    pub const HEADINGS: &str = "headings";
    pub const DATE_TEXT: &str = "date_text";
    pub const PUBLISHED_YEAR: &str = "published_year";
    pub const PUBLISHED_MONTH: &str = "published_month";
    pub const PUBLISHED_DAY: &str = "published_day";
    pub const PUBLISHED_TIME: &str = "published_time";
    pub const DATE_PRECISION: &str = "date_precision";
    pub const DATELINE_PLACE: &str = "dateline_place";
    pub const SOURCE: &str = "source";
    pub const AUTHOR: &str = "author";
    pub const SPEAKER: &str = "speaker";
    pub const LANGUAGE: &str = "language";
    pub const LANGUAGE_CONFIDENCE: &str = "language_confidence";
    pub const PERSONS: &str = "persons";
    pub const COUNTRIES: &str = "countries";
    pub const ORGS: &str = "orgs";
    pub const PLACES: &str = "places";
    pub const DUP_CLUSTER: &str = "dup_cluster";
    pub const DUP_KIND: &str = "dup_kind";
    pub const NOISE_REMOVED: &str = "noise_removed";
    pub const NOISE_RULES: &str = "noise_rules";
    pub const PROVENANCE: &str = "provenance";
    pub const MENTIONS: &str = "mentions";
    // tag
    pub const TOPICS: &str = "topics";
    pub const TOPIC_SCORES: &str = "topic_scores";
    pub const TOPIC_EVIDENCE: &str = "topic_evidence";
    // side tables
    pub const REASON: &str = "reason";
    pub const DETAIL: &str = "detail";
    pub const KIND: &str = "kind";
    pub const CANONICAL: &str = "canonical";
    pub const SURFACE: &str = "surface";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const REPAIRED: &str = "repaired";
    pub const RULE: &str = "rule";
    pub const FIELD: &str = "field";
    pub const TOPIC: &str = "topic";
    pub const TERM: &str = "term";
    pub const WEIGHT: &str = "weight";
    pub const SCORE: &str = "score";
    pub const HITS: &str = "hits";
}

/// `List<Utf8>` with a nullable item, the type of every list-of-names column.
pub fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// `List<Struct<fields>>`.
pub fn struct_list(fields: Fields) -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Struct(fields), true)))
}

/// Struct fields of one `topic_scores` entry.
pub fn topic_score_fields() -> Fields {
    Fields::from(vec![
        Field::new(col::TOPIC, DataType::Utf8, false),
        Field::new(col::SCORE, DataType::Float32, false),
        Field::new(col::HITS, DataType::UInt32, false),
    ])
}

/// Struct fields of one entity mention (nested in the stream, flattened into
/// `mentions.parquet` by the export).
pub fn mention_fields() -> Fields {
    Fields::from(vec![
        Field::new(col::KIND, DataType::Utf8, false),
        Field::new(col::CANONICAL, DataType::Utf8, false),
        Field::new(col::SURFACE, DataType::Utf8, false),
        Field::new(col::START, DataType::UInt32, false),
        Field::new(col::END, DataType::UInt32, false),
        Field::new(col::REPAIRED, DataType::Boolean, false),
        Field::new(col::RULE, DataType::Utf8, false),
    ])
}

/// Struct fields of one topic evidence hit.
pub fn evidence_fields() -> Fields {
    Fields::from(vec![
        Field::new(col::TOPIC, DataType::Utf8, false),
        Field::new(col::TERM, DataType::Utf8, false),
        Field::new(col::START, DataType::UInt32, false),
        Field::new(col::END, DataType::UInt32, false),
        Field::new(col::WEIGHT, DataType::Float32, false),
    ])
}

/// Struct fields of one provenance entry: which rule produced a field.
pub fn provenance_fields() -> Fields {
    Fields::from(vec![
        Field::new(col::FIELD, DataType::Utf8, false),
        Field::new(col::RULE, DataType::Utf8, false),
    ])
}

/// One column of the contract: name, type, nullability and meaning.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name.
    pub name: &'static str,
    /// Arrow type.
    pub data_type: DataType,
    /// Whether the column may hold nulls in the output files.
    pub nullable: bool,
    /// One-line meaning, printed by `newsflow schema` and in `docs/schema.md`.
    pub meaning: &'static str,
}

impl Column {
    fn new(name: &'static str, data_type: DataType, nullable: bool, meaning: &'static str) -> Self {
        Column {
            name,
            data_type,
            nullable,
            meaning,
        }
    }

    /// The Arrow field of this column. In the stream between stages every
    /// field is nullable because reject rows carry no document values.
    pub fn stream_field(&self) -> Field {
        Field::new(self.name, self.data_type.clone(), true)
    }

    /// The Arrow field as written to the output files.
    pub fn output_field(&self) -> Field {
        Field::new(self.name, self.data_type.clone(), self.nullable)
    }
}

/// Columns produced by ingest.
pub fn ingest_columns() -> Vec<Column> {
    use DataType::*;
    vec![
        Column::new(
            col::DOC_ID,
            Utf8,
            false,
            "stable id: the file stem for a file, `stem:line` for a JSONL/CSV row unless the row has an id",
        ),
        Column::new(
            col::SOURCE_PATH,
            Utf8,
            false,
            "input path relative to the input root (`path:line` for a row of a JSONL/CSV file)",
        ),
        Column::new(
            col::CONTENT_HASH,
            Utf8,
            false,
            "xxh3-64 hex hash of the raw input bytes (of the row's text for JSONL/CSV rows)",
        ),
        Column::new(
            col::ENCODING,
            Utf8,
            false,
            "detected input encoding (`UTF-8`, `UTF-16LE`, `windows-1251`, `windows-1252`, ...)",
        ),
        Column::new(col::BYTES, UInt64, false, "size of the raw input in bytes"),
        Column::new(
            col::TEXT,
            Utf8,
            true,
            "decoded raw text (stream only; not written to the output files)",
        ),
        Column::new(
            col::META_PUBLISHED,
            Utf8,
            true,
            "publication date given by the input's own metadata (JSONL/CSV `published`)",
        ),
        Column::new(
            col::META_URL,
            Utf8,
            true,
            "URL given by the input's own metadata",
        ),
        Column::new(
            col::META_SOURCE,
            Utf8,
            true,
            "outlet given by the input's own metadata",
        ),
        Column::new(
            col::REJECT_REASON,
            Utf8,
            true,
            "stable reason code when the input did not become a document (stream only)",
        ),
        Column::new(
            col::REJECT_DETAIL,
            Utf8,
            true,
            "human-readable detail for a reject (stream only)",
        ),
        Column::new(
            col::FLAGS,
            utf8_list(),
            false,
            "processing flags, e.g. `alias_repaired`, `date_partial`, `encoding_repaired`",
        ),
    ]
}

/// Columns appended by normalization.
pub fn normalize_columns() -> Vec<Column> {
    use DataType::*;
    vec![
        Column::new(col::TITLE, Utf8, true, "headline"),
        Column::new(col::LEDE, Utf8, true, "standfirst under the headline"),
        Column::new(
            col::BODY,
            Utf8,
            false,
            "cleaned article text, paragraphs separated by a blank line; noise and dateline prefix removed",
        ),
        Column::new(
            col::HEADINGS,
            utf8_list(),
            false,
            "section headings kept inside the body",
        ),
        Column::new(col::DATE_TEXT, Utf8, true, "the date expression as written"),
        Column::new(
            col::PUBLISHED_YEAR,
            Int16,
            true,
            "year; never guessed: null when the text gives no year",
        ),
        Column::new(col::PUBLISHED_MONTH, Int8, true, "month 1-12"),
        Column::new(col::PUBLISHED_DAY, Int8, true, "day of month"),
        Column::new(col::PUBLISHED_TIME, Utf8, true, "`HH:MM` as written"),
        Column::new(
            col::DATE_PRECISION,
            Utf8,
            false,
            "`datetime`, `day`, `month_day`, `month`, `year` or `none`",
        ),
        Column::new(
            col::DATELINE_PLACE,
            Utf8,
            true,
            "canonical English city name of the dateline (`Moscow`, `Tokyo`)",
        ),
        Column::new(
            col::SOURCE,
            Utf8,
            true,
            "canonical outlet (`TASS` for Itar-Tass/ИТАР-ТАСС/ТАСС)",
        ),
        Column::new(col::AUTHOR, Utf8, true, "byline, in Latin script"),
        Column::new(
            col::SPEAKER,
            Utf8,
            true,
            "canonical person who speaks, for transcripts",
        ),
        Column::new(col::LANGUAGE, Utf8, false, "ISO 639-1 code or `und`"),
        Column::new(
            col::LANGUAGE_CONFIDENCE,
            Float32,
            false,
            "confidence of the language guess, 0 to 1",
        ),
        Column::new(
            col::PERSONS,
            utf8_list(),
            false,
            "canonical person names, e.g. `Sergey Lavrov`",
        ),
        Column::new(
            col::COUNTRIES,
            utf8_list(),
            false,
            "ISO 3166-1 alpha-2 codes",
        ),
        Column::new(
            col::ORGS,
            utf8_list(),
            false,
            "canonical organization names",
        ),
        Column::new(
            col::PLACES,
            utf8_list(),
            false,
            "canonical place and region names",
        ),
        Column::new(
            col::DUP_CLUSTER,
            Utf8,
            false,
            "doc_id of the duplicate cluster's representative (itself when unique)",
        ),
        Column::new(col::DUP_KIND, Utf8, false, "`unique`, `exact` or `near`"),
        Column::new(
            col::NOISE_REMOVED,
            UInt32,
            false,
            "number of lines removed as noise",
        ),
        Column::new(
            col::NOISE_RULES,
            utf8_list(),
            false,
            "distinct noise rules that removed lines, sorted",
        ),
        Column::new(
            col::PROVENANCE,
            struct_list(provenance_fields()),
            false,
            "which rule produced each extracted field",
        ),
        Column::new(
            col::MENTIONS,
            struct_list(mention_fields()),
            false,
            "entity mentions (stream only; flattened into mentions.parquet)",
        ),
    ]
}

/// Columns appended by topic tagging.
pub fn tag_columns() -> Vec<Column> {
    vec![
        Column::new(
            col::TOPICS,
            utf8_list(),
            false,
            "topic ids above threshold, best first",
        ),
        Column::new(
            col::TOPIC_SCORES,
            struct_list(topic_score_fields()),
            false,
            "every topic with any evidence: score and hits",
        ),
        Column::new(
            col::TOPIC_EVIDENCE,
            struct_list(evidence_fields()),
            false,
            "topic hits with offsets (stream only; flattened into topic_evidence.parquet)",
        ),
    ]
}

fn stream_schema(columns: impl IntoIterator<Item = Column>) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .into_iter()
            .map(|c| c.stream_field())
            .collect::<Vec<_>>(),
    ))
}

/// Schema of the batches ingest emits.
pub fn ingest_schema() -> SchemaRef {
    stream_schema(ingest_columns())
}

/// Schema of the batches normalization emits.
pub fn normalized_schema() -> SchemaRef {
    stream_schema(ingest_columns().into_iter().chain(normalize_columns()))
}

/// Schema of the batches tagging emits: everything the export needs.
pub fn tagged_schema() -> SchemaRef {
    stream_schema(
        ingest_columns()
            .into_iter()
            .chain(normalize_columns())
            .chain(tag_columns()),
    )
}

/// Columns that travel in the stream but are not written to `documents.*`.
pub const STREAM_ONLY: &[&str] = &[
    col::TEXT,
    col::REJECT_REASON,
    col::REJECT_DETAIL,
    col::MENTIONS,
    col::TOPIC_EVIDENCE,
];

/// Columns of `documents.parquet` / `documents.csv`, in file order: the
/// contract's columns in the contract's order, then newsflow's extensions.
pub fn documents_columns() -> Vec<Column> {
    const ORDER: &[&str] = &[
        col::DOC_ID,
        col::SOURCE_PATH,
        col::CONTENT_HASH,
        col::ENCODING,
        col::TITLE,
        col::LEDE,
        col::BODY,
        col::HEADINGS,
        col::DATE_TEXT,
        col::PUBLISHED_YEAR,
        col::PUBLISHED_MONTH,
        col::PUBLISHED_DAY,
        col::PUBLISHED_TIME,
        col::DATE_PRECISION,
        col::DATELINE_PLACE,
        col::SOURCE,
        col::AUTHOR,
        col::SPEAKER,
        col::LANGUAGE,
        col::LANGUAGE_CONFIDENCE,
        col::PERSONS,
        col::COUNTRIES,
        col::ORGS,
        col::PLACES,
        col::TOPICS,
        col::TOPIC_SCORES,
        col::DUP_CLUSTER,
        col::DUP_KIND,
        col::FLAGS,
        // extensions
        col::BYTES,
        col::META_PUBLISHED,
        col::META_URL,
        col::META_SOURCE,
        col::NOISE_REMOVED,
        col::NOISE_RULES,
        col::PROVENANCE,
    ];
    let all: Vec<Column> = ingest_columns()
        .into_iter()
        .chain(normalize_columns())
        .chain(tag_columns())
        .collect();
    let documents: Vec<Column> = ORDER
        .iter()
        .filter_map(|name| all.iter().find(|c| c.name == *name).cloned())
        .collect();
    debug_assert_eq!(documents.len(), all.len() - STREAM_ONLY.len());
    documents
}

/// Schema of `documents.parquet`.
pub fn documents_schema() -> SchemaRef {
    Arc::new(Schema::new(
        documents_columns()
            .iter()
            .map(Column::output_field)
            .collect::<Vec<_>>(),
    ))
}

/// Columns of `rejects.parquet` / `rejects.csv`.
pub fn rejects_columns() -> Vec<Column> {
    use DataType::*;
    vec![
        Column::new(
            col::SOURCE_PATH,
            Utf8,
            false,
            "input path relative to the input root (`path:line` for a row)",
        ),
        Column::new(
            col::REASON,
            Utf8,
            false,
            "stable code: `empty`, `binary`, `undecodable`, `too_large`, `unreadable`, `bad_jsonl_line`, `bad_csv_row`, `corrupt_compression`, ...",
        ),
        Column::new(col::DETAIL, Utf8, false, "human-readable detail"),
        Column::new(
            col::BYTES,
            UInt64,
            false,
            "size of the raw input in bytes (0 when unknown)",
        ),
    ]
}

/// Schema of `rejects.parquet`.
pub fn rejects_schema() -> SchemaRef {
    output_schema(rejects_columns())
}

/// Columns of `mentions.parquet`.
pub fn mentions_columns() -> Vec<Column> {
    use DataType::*;
    vec![
        Column::new(col::DOC_ID, Utf8, false, "document id"),
        Column::new(
            col::KIND,
            Utf8,
            false,
            "`person`, `country`, `org` or `place`",
        ),
        Column::new(
            col::CANONICAL,
            Utf8,
            false,
            "canonical name (ISO code for countries)",
        ),
        Column::new(col::SURFACE, Utf8, false, "the text as written"),
        Column::new(
            col::START,
            UInt32,
            false,
            "start character offset into `body` (Unicode scalar values)",
        ),
        Column::new(
            col::END,
            UInt32,
            false,
            "end character offset into `body`, exclusive",
        ),
        Column::new(
            col::REPAIRED,
            Boolean,
            false,
            "the surface is a damaged or misspelled form that was repaired",
        ),
        Column::new(col::RULE, Utf8, false, "which rule found the mention"),
    ]
}

/// Schema of `mentions.parquet`.
pub fn mentions_schema() -> SchemaRef {
    output_schema(mentions_columns())
}

/// Columns of `topic_evidence.parquet`.
pub fn topic_evidence_columns() -> Vec<Column> {
    use DataType::*;
    vec![
        Column::new(col::DOC_ID, Utf8, false, "document id"),
        Column::new(col::TOPIC, Utf8, false, "topic id"),
        Column::new(col::TERM, Utf8, false, "taxonomy term that matched"),
        Column::new(
            col::START,
            UInt32,
            false,
            "start character offset into `body`",
        ),
        Column::new(
            col::END,
            UInt32,
            false,
            "end character offset into `body`, exclusive",
        ),
        Column::new(col::WEIGHT, Float32, false, "weight the hit contributed"),
    ]
}

/// Schema of `topic_evidence.parquet`.
pub fn topic_evidence_schema() -> SchemaRef {
    output_schema(topic_evidence_columns())
}

fn output_schema(columns: Vec<Column>) -> SchemaRef {
    Arc::new(Schema::new(
        columns.iter().map(Column::output_field).collect::<Vec<_>>(),
    ))
}

/// A short, stable rendering of an Arrow type for the data dictionary.
pub fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 => "Utf8".into(),
        DataType::List(item) => format!("List<{}>", type_name(item.data_type())),
        DataType::Struct(fields) => format!(
            "Struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), type_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("{other}"),
    }
}

/// The data dictionary as Markdown tables, one per output file. This is what
/// `newsflow schema` prints and what `docs/schema.md` embeds.
pub fn data_dictionary_markdown() -> String {
    let mut out = String::new();
    let tables: [(&str, Vec<Column>); 4] = [
        ("documents.parquet / documents.csv", documents_columns()),
        ("rejects.parquet / rejects.csv", rejects_columns()),
        ("mentions.parquet", mentions_columns()),
        ("topic_evidence.parquet", topic_evidence_columns()),
    ];
    for (title, columns) in tables {
        out.push_str(&format!(
            "### {title}\n\n| column | Arrow type | null | meaning |\n|---|---|---|---|\n"
        ));
        for c in columns {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.name,
                type_name(&c.data_type),
                if c.nullable { "yes" } else { "no" },
                c.meaning
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_schema_follows_the_contract_order() {
        let names: Vec<_> = documents_columns().iter().map(|c| c.name).collect();
        let expected = [
            "doc_id",
            "source_path",
            "content_hash",
            "encoding",
            "title",
            "lede",
            "body",
            "headings",
            "date_text",
            "published_year",
            "published_month",
            "published_day",
            "published_time",
            "date_precision",
            "dateline_place",
            "source",
            "author",
            "speaker",
            "language",
            "language_confidence",
            "persons",
            "countries",
            "orgs",
            "places",
            "topics",
            "topic_scores",
            "dup_cluster",
            "dup_kind",
            "flags",
        ];
        // The contract's columns come first, in its order; extensions follow.
        assert_eq!(&names[..expected.len()], &expected[..]);
        let all = ingest_columns().len() + normalize_columns().len() + tag_columns().len();
        assert_eq!(names.len(), all - STREAM_ONLY.len(), "a column is missing");
        for c in STREAM_ONLY {
            assert!(
                !names.contains(c),
                "stream-only column {c} leaked into documents"
            );
        }
    }

    #[test]
    fn stream_schemas_extend_each_other() {
        let ingest = ingest_schema();
        let normalized = normalized_schema();
        let tagged = tagged_schema();
        for f in ingest.fields() {
            assert_eq!(normalized.field_with_name(f.name()).unwrap(), f.as_ref());
        }
        for f in normalized.fields() {
            assert_eq!(tagged.field_with_name(f.name()).unwrap(), f.as_ref());
        }
    }

    #[test]
    fn dictionary_names_list_and_struct_types() {
        let md = data_dictionary_markdown();
        assert!(md.contains(
            "| topic_scores | List<Struct<topic: Utf8, score: Float32, hits: UInt32>> |"
        ));
        assert!(md.contains("| persons | List<Utf8> |"));
        assert!(md.contains("| published_year | Int16 | yes |"));
    }
}
