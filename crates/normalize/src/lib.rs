//! The normalization stage of newsflow: turns the raw text of scraped news
//! pages into a clean body and typed metadata.
//!
//! For every document row of an ingest batch, [`Normalizer`] (a
//! [`newsflow_core::Stage`] named `normalize`):
//!
//! * cleans the text ([`clean_text`]): mojibake repair (flag
//!   `encoding_repaired`), NFC, odd spaces, soft hyphens, zero-width and
//!   control characters, whitespace runs, paragraphs separated by `\n\n`;
//! * removes noise lines: the patterns of `data/noise.toml`, unrendered
//!   templates, headline lists, stray time stamps, lines learned as
//!   boilerplate of the document's source ([`boilerplate`]), stray header
//!   lines and unpunctuated fragments after the body; `noise_removed` and
//!   `noise_rules` say how many lines went and which rules took them;
//! * reads the layout: `title`, `lede`, the dateline (`dateline_place`,
//!   `source`, `author`, and the date), section `headings` kept in the
//!   body, a transcript's `speaker`;
//! * picks the publication date (`date_text`, `published_*`,
//!   `date_precision`; a year is never guessed, flag `date_partial`);
//! * detects the `language`, runs the entity extractor ([`entities`]) and
//!   records which rule produced each field in `provenance`.
//!
//! Rows with a `reject_reason` pass through with nulls in the added columns.
//! Duplicate clusters need the whole corpus and are computed by
//! [`dedup::Deduper`] after the stage; [`Normalizer`] marks every document
//! `unique` in its own cluster.
//!
//! # Reference data
//!
//! Editable TOML files in `data/` (or in [`NormalizeConfig::data_dir`]),
//! each documented in its header and validated when the stage is built (a
//! bad entry is an error naming the file and line):
//!
//! * `noise.toml`: whole-line noise patterns with rule names;
//! * `sources.toml`: news outlets and their spellings (`Itar-Tass`,
//!   `ИТАР-ТАСС` and `ТАСС` are `TASS`);
//! * `places.toml`: dateline places, canonical English name and spellings
//!   (`МОСКВА`, `Kiev`);
//! * `metadata.toml`: byline prefixes (`Corr.`, `Корр.`, `Offset.`), author
//!   labels, speaker roles and country words, labels that are not speakers,
//!   organization words and the kinds of speaker titles (`statement`,
//!   `remarks`, `выступление`);
//! * `gazetteer/`: the entity extractor's files.
//!
//! # Provenance rules
//!
//! `title`/`lede`: `header.before_dateline`, `header.before_date_line`,
//! `header.first_line`, `header.after_title`; `dateline_place`, `source`,
//! `author`: the dateline style (`dateline.tass_slash`,
//! `dateline.agency_paren`, `dateline.agency_dash`,
//! `dateline.agency_after_date`, `dateline.agency_only`,
//! `dateline.place_date`, `dateline.place_dash`), `title.place_date`,
//! `header.place_line`, `header.byline`, `header.outlet_line`,
//! `meta.source`; `date_text`: `date.top_line`, `date.dateline`,
//! `date.title`, `date.header_line`, `meta.published`; `published_year`
//! (when the date itself has none): the date rule it was tied from, or
//! `meta.published`; `speaker`: `speaker.label`, `speaker.title` (with
//! `+gazetteer` when the entity gazetteer gave the canonical name);
//! `headings`: `body.heading_shape`; `body`: `body.after_dateline`,
//! `body.after_speaker_label`; `language`: `language.whatlang`.
//!
//! ```
//! use std::sync::Arc;
//! use newsflow_core::arrow::array::{Array, RecordBatch, StringArray};
//! use newsflow_core::arrow::schema::{DataType, Field, Schema};
//! use newsflow_core::{batch, run_checked};
//! use newsflow_normalize::NormalizeConfig;
//!
//! let normalizer = NormalizeConfig::default().build().unwrap();
//! let text = "All news\n\nLavrov, Kono hold talks in Tokyo\n\n\
//!     TOKYO, May 30. /TASS/. The foreign ministers of Russia and Japan met \
//!     on Thursday to discuss security in the Asia-Pacific region.";
//! let schema = Arc::new(Schema::new(vec![
//!     Field::new("doc_id", DataType::Utf8, true),
//!     Field::new("text", DataType::Utf8, true),
//! ]));
//! let input = RecordBatch::try_new(schema, vec![
//!     Arc::new(StringArray::from(vec!["doc1"])),
//!     Arc::new(StringArray::from(vec![text])),
//! ]).unwrap();
//! let out = run_checked(&normalizer, input).unwrap();
//! let get = |name: &str| batch::str_column("doc", &out, name).unwrap().get(0);
//! assert_eq!(get("title"), Some("Lavrov, Kono hold talks in Tokyo"));
//! assert_eq!(get("dateline_place"), Some("Tokyo"));
//! assert_eq!(get("source"), Some("TASS"));
//! assert_eq!(get("date_text"), Some("May 30"));
//! assert_eq!(get("date_precision"), Some("month_day"));
//! assert_eq!(get("language"), Some("en"));
//! assert!(get("body").unwrap().starts_with("The foreign ministers"));
//! ```
#![deny(missing_docs)]

pub mod boilerplate;
mod clean;
mod config;
mod dateline;
mod dates;
pub mod dedup;
mod document;
pub mod entities;
mod error;
mod input;
mod language;
mod mojibake;
mod noise;
mod output;
mod refdata;
mod speaker;
mod spill;
mod textutil;
mod translit;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::schema::{col, normalize_columns, utf8_list};
use newsflow_core::stage::extend_schema;
use newsflow_core::{Result, Stage};
use regex::Regex;

pub use crate::boilerplate::{Boilerplate, LineStats};
pub use crate::clean::{Cleaned, clean_text};
pub use crate::config::NormalizeConfig;
pub use crate::dedup::{Clusters, Deduper};
pub use crate::error::{ConfigProblem, DataProblem, NormalizeError};

use crate::dateline::DatelineParser;
use crate::dates::DateGrammar;
use crate::entities::EntityExtractor;
use crate::language::LanguageDetector;
use crate::noise::NoiseFilter;
use crate::refdata::RefData;

/// The normalize stage, built by [`NormalizeConfig::build`]. Holds only
/// read-only state (reference data, compiled patterns, the entity
/// extractor, learned boilerplate), so one instance serves every thread.
#[derive(Debug)]
pub struct Normalizer {
    data: RefData,
    dates: DateGrammar,
    datelines: DatelineParser,
    noise_filter: NoiseFilter,
    title_suffix: Regex,
    language: LanguageDetector,
    entities: EntityExtractor,
    boilerplate: Boilerplate,
}

impl Normalizer {
    /// The stage with corpus-level boilerplate learned by
    /// [`LineStats::finish`].
    pub fn with_boilerplate(mut self, boilerplate: Boilerplate) -> Self {
        self.boilerplate = boilerplate;
        self
    }
}

impl Stage for Normalizer {
    fn name(&self) -> &str {
        "normalize"
    }

    /// The input schema with the columns of
    /// [`newsflow_core::schema::normalize_columns`] appended (a `flags`
    /// column is appended too when the input has none).
    fn output_schema(&self, input: &SchemaRef) -> Result<SchemaRef> {
        let mut columns = normalize_columns();
        if input.field_with_name(col::FLAGS).is_err() {
            columns.push(newsflow_core::Column {
                name: col::FLAGS,
                data_type: utf8_list(),
                nullable: false,
                meaning: "processing flags",
            });
        }
        Ok(extend_schema(input, &columns))
    }

    fn process(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let name = self.name();
        let input = input::InputColumns::read(name, &batch)?;
        let flags = input::flags(name, &batch)?;
        let text_bytes = (0..batch.num_rows())
            .filter(|&row| !input.is_reject(row))
            .map(|row| input.text(row).map_or(0, str::len))
            .sum();
        let mut out = output::OutputBuilder::with_capacity(batch.num_rows(), text_bytes);
        let mut documents = 0usize;
        for (row, row_flags) in flags.iter().enumerate() {
            if input.is_reject(row) {
                out.push_reject(row_flags);
                continue;
            }
            documents += 1;
            let doc = self.normalize_doc(&document::DocInput {
                text: input.text(row).unwrap_or_default(),
                meta_published: input.meta_published(row),
                meta_source: input.meta_source(row),
                source_key: input.source_key(row),
            });
            out.push_doc(input.doc_id(row).unwrap_or_default(), &doc, row_flags);
        }
        tracing::debug!(rows = batch.num_rows(), documents, "normalized a batch");
        let schema = self.output_schema(&batch.schema())?;
        newsflow_core::batch::with_columns(name, &batch, schema, out.finish()?)
    }
}
