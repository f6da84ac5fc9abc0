//! Builds the Arrow columns the stage appends (and the rewritten `flags`).

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Int8Builder, Int16Builder, ListBuilder, StringBuilder,
    UInt32Builder,
};
use newsflow_core::Result;
use newsflow_core::batch::struct_list_array;
use newsflow_core::schema::{col, mention_fields, provenance_fields};

use crate::document::DocFields;
use crate::entities::Mention;

/// Column builders for one output batch.
pub(crate) struct OutputBuilder {
    title: StringBuilder,
    lede: StringBuilder,
    body: StringBuilder,
    headings: ListBuilder<StringBuilder>,
    date_text: StringBuilder,
    year: Int16Builder,
    month: Int8Builder,
    day: Int8Builder,
    time: StringBuilder,
    precision: StringBuilder,
    place: StringBuilder,
    source: StringBuilder,
    author: StringBuilder,
    speaker: StringBuilder,
    language: StringBuilder,
    confidence: Float32Builder,
    persons: ListBuilder<StringBuilder>,
    countries: ListBuilder<StringBuilder>,
    orgs: ListBuilder<StringBuilder>,
    places: ListBuilder<StringBuilder>,
    dup_cluster: StringBuilder,
    dup_kind: StringBuilder,
    noise_removed: UInt32Builder,
    noise_rules: ListBuilder<StringBuilder>,
    flags: ListBuilder<StringBuilder>,
    provenance: StructList<2>,
    mentions: MentionList,
}

/// A `List<Struct>` column of string fields, built row by row.
struct StructList<const N: usize> {
    fields: [StringBuilder; N],
    lengths: Vec<usize>,
    nulls: Vec<bool>,
}

impl<const N: usize> StructList<N> {
    fn new() -> Self {
        StructList {
            fields: std::array::from_fn(|_| StringBuilder::new()),
            lengths: Vec::new(),
            nulls: Vec::new(),
        }
    }

    fn push_row(&mut self, items: impl IntoIterator<Item = [impl AsRef<str>; N]>) {
        let mut n = 0;
        for item in items {
            for (builder, value) in self.fields.iter_mut().zip(item) {
                builder.append_value(value);
            }
            n += 1;
        }
        self.lengths.push(n);
        self.nulls.push(false);
    }

    fn push_null(&mut self) {
        self.lengths.push(0);
        self.nulls.push(true);
    }
}

/// The `mentions` column.
struct MentionList {
    kind: StringBuilder,
    canonical: StringBuilder,
    surface: StringBuilder,
    start: UInt32Builder,
    end: UInt32Builder,
    repaired: BooleanBuilder,
    rule: StringBuilder,
    lengths: Vec<usize>,
    nulls: Vec<bool>,
}

impl MentionList {
    /// Builders with room for the mentions of `text_bytes` of text: one
    /// per [`TEXT_BYTES_PER_MENTION`] bytes, each with a canonical name
    /// and a surface of up to [`MENTION_NAME_BYTES`] bytes.
    fn with_capacity(rows: usize, text_bytes: usize) -> Self {
        let n = text_bytes / TEXT_BYTES_PER_MENTION;
        let names = || StringBuilder::with_capacity(n, n * MENTION_NAME_BYTES);
        MentionList {
            kind: StringBuilder::with_capacity(n, n * 7),
            canonical: names(),
            surface: names(),
            start: UInt32Builder::with_capacity(n),
            end: UInt32Builder::with_capacity(n),
            repaired: BooleanBuilder::with_capacity(n),
            rule: StringBuilder::with_capacity(n, n * MENTION_RULE_BYTES),
            lengths: Vec::with_capacity(rows),
            nulls: Vec::with_capacity(rows),
        }
    }

    fn push_row(&mut self, mentions: &[Mention]) {
        for m in mentions {
            self.kind.append_value(m.kind.as_str());
            self.canonical.append_value(&m.canonical);
            self.surface.append_value(&m.surface);
            self.start.append_value(m.start);
            self.end.append_value(m.end);
            self.repaired.append_value(m.repaired);
            self.rule.append_value(m.rule);
        }
        self.lengths.push(mentions.len());
        self.nulls.push(false);
    }

    fn push_null(&mut self) {
        self.lengths.push(0);
        self.nulls.push(true);
    }

    fn finish(mut self) -> Result<ArrayRef> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.kind.finish()),
            Arc::new(self.canonical.finish()),
            Arc::new(self.surface.finish()),
            Arc::new(self.start.finish()),
            Arc::new(self.end.finish()),
            Arc::new(self.repaired.finish()),
            Arc::new(self.rule.finish()),
        ];
        struct_list_array(mention_fields(), &self.lengths, columns, Some(&self.nulls))
    }
}

fn push_list<S: AsRef<str>>(builder: &mut ListBuilder<StringBuilder>, items: &[S]) {
    for item in items {
        builder.values().append_value(item);
    }
    builder.append(true);
}

/// Room reserved per mention, sized on the generated benchmark corpus,
/// which names an entity about every 42 bytes of body text with canonical
/// names and surfaces of 11–12 bytes and rules of 9 on average (news text
/// names fewer). Reserved room that is never written costs address space,
/// not memory: the pages are only backed once written. What it saves is
/// growing the columns a doubling at a time, each step a fresh buffer and
/// a copy of the last.
const TEXT_BYTES_PER_MENTION: usize = 32;
/// See [`TEXT_BYTES_PER_MENTION`].
const MENTION_NAME_BYTES: usize = 16;
/// See [`TEXT_BYTES_PER_MENTION`].
const MENTION_RULE_BYTES: usize = 12;

impl OutputBuilder {
    /// Empty builders with room for `rows` rows whose input texts take
    /// `text_bytes` bytes: the body and the mentions, the large columns,
    /// are sized from it (the body is at most about as long as the text).
    pub fn with_capacity(rows: usize, text_bytes: usize) -> Self {
        let list = || ListBuilder::new(StringBuilder::new());
        OutputBuilder {
            title: StringBuilder::new(),
            lede: StringBuilder::new(),
            body: StringBuilder::with_capacity(rows, text_bytes),
            headings: list(),
            date_text: StringBuilder::new(),
            year: Int16Builder::new(),
            month: Int8Builder::new(),
            day: Int8Builder::new(),
            time: StringBuilder::new(),
            precision: StringBuilder::new(),
            place: StringBuilder::new(),
            source: StringBuilder::new(),
            author: StringBuilder::new(),
            speaker: StringBuilder::new(),
            language: StringBuilder::new(),
            confidence: Float32Builder::new(),
            persons: list(),
            countries: list(),
            orgs: list(),
            places: list(),
            dup_cluster: StringBuilder::new(),
            dup_kind: StringBuilder::new(),
            noise_removed: UInt32Builder::new(),
            noise_rules: list(),
            flags: list(),
            provenance: StructList::new(),
            mentions: MentionList::with_capacity(rows, text_bytes),
        }
    }

    /// Appends a document row.
    pub fn push_doc(&mut self, doc_id: &str, doc: &DocFields, ingest_flags: &[String]) {
        self.title.append_option(doc.title.as_deref());
        self.lede.append_option(doc.lede.as_deref());
        self.body.append_value(doc.body());
        push_list(&mut self.headings, &doc.headings);
        let date = doc.date.as_ref();
        self.date_text.append_option(date.map(|d| d.text.as_str()));
        self.year.append_option(date.and_then(|d| d.year));
        self.month
            .append_option(date.and_then(|d| d.month).map(|m| m as i8));
        self.day
            .append_option(date.and_then(|d| d.day).map(|d| d as i8));
        self.time
            .append_option(date.and_then(|d| d.time.as_deref()));
        self.precision
            .append_value(date.map_or("none", |d| d.precision()));
        self.place.append_option(doc.dateline_place.as_deref());
        self.source.append_option(doc.source.as_deref());
        self.author.append_option(doc.author.as_deref());
        self.speaker.append_option(doc.speaker.as_deref());
        self.language.append_value(doc.language);
        self.confidence.append_value(doc.language_confidence);
        push_list(&mut self.persons, &doc.entities.persons);
        push_list(&mut self.countries, &doc.entities.countries);
        push_list(&mut self.orgs, &doc.entities.orgs);
        push_list(&mut self.places, &doc.entities.places);
        self.dup_cluster.append_value(doc_id);
        self.dup_kind.append_value("unique");
        self.noise_removed.append_value(doc.noise.removed);
        let rules: Vec<&str> = doc.noise.rules.iter().map(String::as_str).collect();
        push_list(&mut self.noise_rules, &rules);
        let mut flags: Vec<&str> = ingest_flags.iter().map(String::as_str).collect();
        for flag in &doc.flags {
            if !flags.contains(flag) {
                flags.push(flag);
            }
        }
        push_list(&mut self.flags, &flags);
        self.provenance.push_row(
            doc.provenance
                .iter()
                .map(|(field, rule)| [*field, rule.as_ref()]),
        );
        self.mentions.push_row(&doc.entities.mentions);
    }

    /// Appends a reject row: nulls in every added column, ingest's flags.
    pub fn push_reject(&mut self, ingest_flags: &[String]) {
        for b in [
            &mut self.title,
            &mut self.lede,
            &mut self.body,
            &mut self.date_text,
            &mut self.time,
            &mut self.precision,
            &mut self.place,
            &mut self.source,
            &mut self.author,
            &mut self.speaker,
            &mut self.language,
            &mut self.dup_cluster,
            &mut self.dup_kind,
        ] {
            b.append_null();
        }
        for b in [
            &mut self.headings,
            &mut self.persons,
            &mut self.countries,
            &mut self.orgs,
            &mut self.places,
            &mut self.noise_rules,
        ] {
            b.append(false);
        }
        self.year.append_null();
        self.month.append_null();
        self.day.append_null();
        self.confidence.append_null();
        self.noise_removed.append_null();
        push_list(&mut self.flags, ingest_flags);
        self.provenance.push_null();
        self.mentions.push_null();
    }

    /// The finished columns, by name.
    pub fn finish(mut self) -> Result<Vec<(&'static str, ArrayRef)>> {
        let [mut field, mut rule] = self.provenance.fields;
        let provenance = struct_list_array(
            provenance_fields(),
            &self.provenance.lengths,
            vec![Arc::new(field.finish()), Arc::new(rule.finish())],
            Some(&self.provenance.nulls),
        )?;
        Ok(vec![
            (col::TITLE, Arc::new(self.title.finish())),
            (col::LEDE, Arc::new(self.lede.finish())),
            (col::BODY, Arc::new(self.body.finish())),
            (col::HEADINGS, Arc::new(self.headings.finish())),
            (col::DATE_TEXT, Arc::new(self.date_text.finish())),
            (col::PUBLISHED_YEAR, Arc::new(self.year.finish())),
            (col::PUBLISHED_MONTH, Arc::new(self.month.finish())),
            (col::PUBLISHED_DAY, Arc::new(self.day.finish())),
            (col::PUBLISHED_TIME, Arc::new(self.time.finish())),
            (col::DATE_PRECISION, Arc::new(self.precision.finish())),
            (col::DATELINE_PLACE, Arc::new(self.place.finish())),
            (col::SOURCE, Arc::new(self.source.finish())),
            (col::AUTHOR, Arc::new(self.author.finish())),
            (col::SPEAKER, Arc::new(self.speaker.finish())),
            (col::LANGUAGE, Arc::new(self.language.finish())),
            (col::LANGUAGE_CONFIDENCE, Arc::new(self.confidence.finish())),
            (col::PERSONS, Arc::new(self.persons.finish())),
            (col::COUNTRIES, Arc::new(self.countries.finish())),
            (col::ORGS, Arc::new(self.orgs.finish())),
            (col::PLACES, Arc::new(self.places.finish())),
            (col::DUP_CLUSTER, Arc::new(self.dup_cluster.finish())),
            (col::DUP_KIND, Arc::new(self.dup_kind.finish())),
            (col::NOISE_REMOVED, Arc::new(self.noise_removed.finish())),
            (col::NOISE_RULES, Arc::new(self.noise_rules.finish())),
            (col::PROVENANCE, provenance),
            (col::MENTIONS, self.mentions.finish()?),
            (col::FLAGS, Arc::new(self.flags.finish())),
        ])
    }
}
