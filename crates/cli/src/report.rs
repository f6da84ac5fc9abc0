//! `newsflow report OUT`: one self-contained HTML page that summarises a run.
//!
//! The page, `OUT/report.html`, carries its CSS and its SVG charts inline and
//! has no script: it opens offline and can be passed around as one file. It
//! shows
//!
//! - the run's counts and its rejects per reason, from `manifest.json`;
//! - documents per topic (`<svg id="topic-chart">`, one `<rect class="bar">`
//!   per topic);
//! - documents per published year (`<svg id="timeline">`, one
//!   `<rect class="bar">` per year from the first to the last, empty years
//!   included). Documents without a year are never placed on a year: they get
//!   a separate hatched `<rect class="bar-unknown">` set apart from the axis
//!   and a count in the caption;
//! - the persons, countries and organizations named in most documents;
//! - the noise lines removed per source, grouped by the canonical outlet
//!   (`source`) or, for documents without one, by the folder of
//!   `source_path`;
//!
//! all read from `documents.parquet`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, Int16Type, UInt32Type};
use arrow_array::{Array, PrimitiveArray, RecordBatch};
use newsflow_core::batch::{str_column, str_list_column};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Name of the page inside the output directory.
const REPORT_HTML: &str = "report.html";
/// Name used in column errors.
const STAGE: &str = "report";
/// Rows listed per entity kind.
const TOP_ENTITIES: usize = 10;
/// The `documents.parquet` columns the report reads (the body is skipped).
const DOCUMENT_COLUMNS: [&str; 9] = [
    "source_path",
    "source",
    "published_year",
    "topics",
    "persons",
    "countries",
    "orgs",
    "noise_removed",
    "noise_rules",
];

/// Writes `OUT/report.html` for the run in `out_dir` and returns its path.
///
/// Reads `manifest.json` and `documents.parquet`; the page appears under its
/// final name only when complete (written to a temporary file in `out_dir`,
/// then renamed).
pub fn write_report(out_dir: &Path) -> Result<PathBuf> {
    if !out_dir.is_dir() {
        bail!("{} is not a directory", out_dir.display());
    }
    let manifest = RunCounts::load(&out_dir.join("manifest.json"))?;
    let stats = DocStats::load(&out_dir.join("documents.parquet"))?;
    let path = out_dir.join(REPORT_HTML);
    write_atomically(&path, render(&manifest, &stats).as_bytes())?;
    Ok(path)
}

/// The part of `manifest.json` the report shows.
#[derive(Debug, serde::Deserialize)]
struct RunCounts {
    #[serde(default)]
    program_version: String,
    #[serde(default)]
    schema_version: String,
    inputs: u64,
    documents: u64,
    rejects: u64,
    #[serde(default)]
    rejects_by_reason: BTreeMap<String, u64>,
}

impl RunCounts {
    fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read {} (is this a newsflow output directory?)",
                path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
    }
}

/// Occurrences per name.
type Counter = BTreeMap<String, u64>;

/// Noise removed from the documents of one source.
#[derive(Debug, Default)]
struct NoiseStats {
    documents: u64,
    lines: u64,
    /// Documents each noise rule removed lines from.
    rules: Counter,
}

/// What the report shows of `documents.parquet`.
#[derive(Debug, Default)]
struct DocStats {
    documents: u64,
    /// Documents per topic.
    topics: Counter,
    /// Documents without any topic.
    untagged: u64,
    /// Documents per published year.
    years: BTreeMap<i16, u64>,
    /// Documents without a published year.
    no_year: u64,
    /// Documents naming each person, country and organization.
    persons: Counter,
    countries: Counter,
    orgs: Counter,
    /// Noise per source label (see [`source_label`]).
    noise: BTreeMap<String, NoiseStats>,
}

impl DocStats {
    /// Reads only the columns the report needs, batch by batch.
    fn load(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let schema = builder.schema().clone();
        let roots = DOCUMENT_COLUMNS
            .iter()
            .map(|name| {
                schema
                    .index_of(name)
                    .with_context(|| format!("{} has no column `{name}`", path.display()))
            })
            .collect::<Result<Vec<_>>>()?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .build()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut stats = DocStats::default();
        for batch in reader {
            let batch = batch.with_context(|| format!("cannot read {}", path.display()))?;
            stats
                .add(&batch)
                .with_context(|| format!("unexpected columns in {}", path.display()))?;
        }
        Ok(stats)
    }

    /// Counts the rows of one batch of documents.
    fn add(&mut self, batch: &RecordBatch) -> Result<()> {
        let source_path = str_column(STAGE, batch, "source_path")?;
        let source = str_column(STAGE, batch, "source")?;
        let years = primitive_column::<Int16Type>(batch, "published_year")?;
        let removed = primitive_column::<UInt32Type>(batch, "noise_removed")?;
        let topics = str_list_column(STAGE, batch, "topics")?;
        let persons = str_list_column(STAGE, batch, "persons")?;
        let countries = str_list_column(STAGE, batch, "countries")?;
        let orgs = str_list_column(STAGE, batch, "orgs")?;
        let rules = str_list_column(STAGE, batch, "noise_rules")?;
        for row in 0..batch.num_rows() {
            self.documents += 1;
            if years.is_valid(row) {
                *self.years.entry(years.value(row)).or_default() += 1;
            } else {
                self.no_year += 1;
            }
            if topics[row].is_empty() {
                self.untagged += 1;
            }
            count_once(&mut self.topics, &topics[row]);
            count_once(&mut self.persons, &persons[row]);
            count_once(&mut self.countries, &countries[row]);
            count_once(&mut self.orgs, &orgs[row]);
            let label = source_label(source.get(row), source_path.get(row).unwrap_or_default());
            let noise = self.noise.entry(label).or_default();
            noise.documents += 1;
            noise.lines += u64::from(removed.value(row));
            count_once(&mut noise.rules, &rules[row]);
        }
        Ok(())
    }
}

/// Looks up a primitive column of type `T`.
fn primitive_column<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a PrimitiveArray<T>> {
    let array = batch
        .column_by_name(name)
        .with_context(|| format!("missing column `{name}`"))?;
    array.as_primitive_opt::<T>().with_context(|| {
        format!(
            "column `{name}` is {}, expected {}",
            array.data_type(),
            T::DATA_TYPE
        )
    })
}

/// Adds one to the count of each distinct item of one document.
fn count_once(counter: &mut Counter, items: &[String]) {
    for item in items.iter().collect::<BTreeSet<_>>() {
        *counter.entry(item.clone()).or_default() += 1;
    }
}

/// The group a document's noise is counted under: its canonical outlet, or
/// else the folder of its input (`folder/` for `folder/a.txt` and
/// `folder/feed.jsonl:3`), or `(input root)` for an input at the top level.
fn source_label(source: Option<&str>, source_path: &str) -> String {
    match (source, source_path.rsplit_once('/')) {
        (Some(outlet), _) => outlet.to_string(),
        (None, Some((folder, _))) => format!("{folder}/"),
        (None, None) => "(input root)".to_string(),
    }
}

/// Items by count, highest first, then by name.
fn ranked(counter: &Counter) -> Vec<(&str, u64)> {
    let mut items: Vec<(&str, u64)> = counter.iter().map(|(k, &n)| (k.as_str(), n)).collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    items
}

/// Escapes text for HTML and SVG element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Shortens `text` to at most `max` characters, ending with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

/// Inline style sheet of the page.
const CSS: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
       color: #1f2933; background: #f7f8fa; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #d9dee5; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.meta, .caption { color: #5f6b7a; font-size: 13px; }
.cards { display: flex; gap: 14px; flex-wrap: wrap; }
.card { background: #fff; border: 1px solid #d9dee5; border-radius: 8px; padding: 12px 20px; min-width: 130px; }
.card .n { font-size: 28px; font-weight: 600; }
.card .what { color: #5f6b7a; font-size: 13px; }
table { border-collapse: collapse; background: #fff; font-size: 14px; }
th, td { border: 1px solid #d9dee5; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.columns { display: flex; gap: 18px; flex-wrap: wrap; align-items: flex-start; }
svg.chart { background: #fff; border: 1px solid #d9dee5; border-radius: 6px; max-width: 100%; height: auto; }
svg .bar { fill: #3b6ea8; }
svg .bar-unknown { fill: url(#hatch); stroke: #8a94a3; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2933; }
svg .axis { stroke: #8a94a3; stroke-width: 1; }
svg .divider { stroke: #b8c0cc; stroke-dasharray: 4 3; }
";

/// Renders the whole page.
fn render(run: &RunCounts, docs: &DocStats) -> String {
    let mut html = String::with_capacity(16 * 1024);
    html.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" ",
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>newsflow report</title>\n<style>"
    ));
    html.push_str(CSS);
    html.push_str("</style>\n</head>\n<body>\n<main>\n<h1>newsflow report</h1>\n");
    html.push_str(&format!(
        "<p class=\"meta\">newsflow {} &middot; schema version {}</p>\n",
        escape(&run.program_version),
        escape(&run.schema_version)
    ));
    html.push_str(&counts_section(run));
    html.push_str(&rejects_section(run));
    html.push_str(&topics_section(docs));
    html.push_str(&timeline_section(docs));
    html.push_str(&entities_section(docs));
    html.push_str(&noise_section(docs));
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// Inputs, documents and rejects of the run.
fn counts_section(run: &RunCounts) -> String {
    let card = |id: &str, n: u64, what: &str| {
        format!(
            "<div class=\"card\" id=\"{id}\"><div class=\"n\">{n}</div><div class=\"what\">{what}</div></div>\n"
        )
    };
    format!(
        "<section id=\"counts\">\n<h2>Counts</h2>\n<div class=\"cards\">\n{}{}{}</div>\n</section>\n",
        card("count-inputs", run.inputs, "inputs"),
        card("count-documents", run.documents, "documents"),
        card("count-rejects", run.rejects, "rejects"),
    )
}

/// Rejects per reason code, most frequent first.
fn rejects_section(run: &RunCounts) -> String {
    let mut html = String::from("<section id=\"rejects\">\n<h2>Rejects by reason</h2>\n");
    if run.rejects_by_reason.is_empty() {
        html.push_str("<p>No input was rejected.</p>\n");
    } else {
        html.push_str(
            "<table id=\"rejects-table\">\n<tr><th>reason</th><th class=\"num\">inputs</th></tr>\n",
        );
        for (reason, n) in ranked(&run.rejects_by_reason) {
            html.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{n}</td></tr>\n",
                escape(reason)
            ));
        }
        html.push_str("</table>\n");
    }
    html.push_str("<p class=\"caption\">Every reject, with its input path and detail, is a row of <code>rejects.parquet</code>.</p>\n</section>\n");
    html
}

/// The topic chart and how many documents have no topic.
fn topics_section(docs: &DocStats) -> String {
    format!(
        "<section id=\"topics\">\n<h2>Topics</h2>\n{}<p class=\"caption\">Documents per topic; a document \
         can have several topics. {} of {} documents have no topic.</p>\n</section>\n",
        topic_chart(&ranked(&docs.topics)),
        docs.untagged,
        docs.documents
    )
}

/// The timeline and how many documents state no year.
fn timeline_section(docs: &DocStats) -> String {
    format!(
        "<section id=\"dates\">\n<h2>Timeline</h2>\n{}<p class=\"caption\" id=\"no-year\">Documents per \
         published year. {} of {} documents state no year; they are counted apart (hatched bar), \
         never placed on a guessed year.</p>\n</section>\n",
        timeline_chart(&docs.years, docs.no_year),
        docs.no_year,
        docs.documents
    )
}

/// The most frequent persons, countries and organizations.
fn entities_section(docs: &DocStats) -> String {
    let mut html =
        String::from("<section id=\"entities\">\n<h2>Top entities</h2>\n<div class=\"columns\">\n");
    for (id, title, counter) in [
        ("persons", "Persons", &docs.persons),
        ("countries", "Countries", &docs.countries),
        ("orgs", "Organizations", &docs.orgs),
    ] {
        html.push_str(&format!(
            "<div>\n<h3>{title}</h3>\n<table id=\"top-{id}\">\n<tr><th>name</th><th class=\"num\">documents</th></tr>\n"
        ));
        let top = ranked(counter);
        if top.is_empty() {
            html.push_str("<tr><td colspan=\"2\">none</td></tr>\n");
        }
        for (name, n) in top.into_iter().take(TOP_ENTITIES) {
            html.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{n}</td></tr>\n",
                escape(name)
            ));
        }
        html.push_str("</table>\n</div>\n");
    }
    html.push_str(&format!(
        "</div>\n<p class=\"caption\">The {TOP_ENTITIES} names found in most documents, per kind \
         (countries as ISO 3166-1 codes).</p>\n</section>\n"
    ));
    html
}

/// Noise lines removed and the rules that removed them, per source.
fn noise_section(docs: &DocStats) -> String {
    let mut html = String::from(
        "<section id=\"noise\">\n<h2>Noise removed per source</h2>\n<table id=\"noise-table\">\n\
         <tr><th>source</th><th class=\"num\">documents</th><th class=\"num\">lines removed</th>\
         <th>rules (documents)</th></tr>\n",
    );
    for (label, noise) in &docs.noise {
        let rules = ranked(&noise.rules)
            .into_iter()
            .map(|(rule, n)| format!("{} ({n})", escape(rule)))
            .collect::<Vec<_>>()
            .join(", ");
        html.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            escape(label),
            noise.documents,
            noise.lines,
            if rules.is_empty() {
                "none".into()
            } else {
                rules
            }
        ));
    }
    html.push_str(
        "</table>\n<p class=\"caption\">Grouped by outlet (<code>source</code>); documents without \
         one by the folder of their input (<code>source_path</code>).</p>\n</section>\n",
    );
    html
}

/// Width of the topic chart and the widest timeline, in SVG user
/// units (pixels at 100% zoom).
const CHART_WIDTH: f64 = 880.0;

/// Documents per topic as horizontal bars, one labelled `<rect class="bar">`
/// per topic, in the order given.
fn topic_chart(topics: &[(&str, u64)]) -> String {
    const LABEL_WIDTH: f64 = 230.0;
    const BAR_SPACE: f64 = CHART_WIDTH - LABEL_WIDTH - 60.0;
    const ROW: f64 = 26.0;
    const BAR: f64 = 18.0;
    const PAD: f64 = 12.0;
    let height = 2.0 * PAD + ROW * topics.len().max(1) as f64;
    let mut svg = svg_open("topic-chart", "Documents per topic", CHART_WIDTH, height);
    if topics.is_empty() {
        svg.push_str(&format!(
            "<text x=\"{PAD}\" y=\"{}\">No document has a topic.</text>\n",
            PAD + BAR - 4.0
        ));
    }
    let max = topics.iter().map(|&(_, n)| n).max().unwrap_or(1).max(1) as f64;
    for (i, &(topic, n)) in topics.iter().enumerate() {
        let y = PAD + ROW * i as f64;
        let width = (n as f64 / max * BAR_SPACE).max(1.0);
        let text_y = y + BAR - 4.0;
        svg.push_str(&format!(
            "<g><title>{topic}: {n}</title>\
             <text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width:.1}\" height=\"{BAR}\" rx=\"2\"/>\
             <text x=\"{:.1}\" y=\"{text_y}\">{n}</text></g>\n",
            LABEL_WIDTH - 8.0,
            escape(&truncate(topic, 32)),
            LABEL_WIDTH + width + 6.0,
            topic = escape(topic),
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// Documents per year as vertical bars, one `<rect class="bar">` per year
/// from the first to the last, and, when some documents have no year, a
/// hatched `<rect class="bar-unknown">` right of a dashed divider.
fn timeline_chart(years: &BTreeMap<i16, u64>, no_year: u64) -> String {
    const HEIGHT: f64 = 280.0;
    const LEFT: f64 = 20.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 36.0;
    const PLOT: f64 = HEIGHT - TOP - BOTTOM;
    const BASELINE: f64 = HEIGHT - BOTTOM;
    /// Room right of the years for the divider and the unknown-year bar.
    const UNKNOWN_AREA: f64 = 72.0;
    const UNKNOWN_BAR: f64 = 36.0;
    /// Horizontal room one year label needs.
    const LABEL_ROOM: f64 = 44.0;
    let span: Vec<(i16, u64)> = match (years.keys().next(), years.keys().next_back()) {
        (Some(&first), Some(&last)) => (first..=last)
            .map(|y| (y, years.get(&y).copied().unwrap_or(0)))
            .collect(),
        _ => Vec::new(),
    };
    let unknown_area = if no_year > 0 { UNKNOWN_AREA } else { 0.0 };
    // A few years get bars of a readable width; the chart fits its bars.
    let slot = if span.is_empty() {
        0.0
    } else {
        ((CHART_WIDTH - LEFT - RIGHT - unknown_area) / span.len() as f64).min(64.0)
    };
    let years_right = LEFT + slot * span.len() as f64;
    let width = (years_right + unknown_area + RIGHT).max(240.0);
    let mut svg = svg_open("timeline", "Documents per published year", width, HEIGHT);
    svg.push_str(concat!(
        "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" ",
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eef1f5\"/>",
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a94a3\" stroke-width=\"2\"/></pattern></defs>\n"
    ));
    if span.is_empty() && no_year == 0 {
        svg.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{TOP}\">No documents.</text>\n</svg>\n"
        ));
        return svg;
    }
    let max = span
        .iter()
        .map(|&(_, n)| n)
        .chain([no_year])
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let counts_on_bars = span.is_empty() || slot >= 16.0;
    if !counts_on_bars {
        svg.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{}\">tallest bar: {max} documents</text>\n",
            TOP - 8.0
        ));
    }
    let bar = |class: &str, center: f64, width: f64, n: u64, label: &str, show_label: bool| {
        let height = n as f64 / max * PLOT;
        let mut g = format!(
            "<g><title>{label}: {n}</title><rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" \
             width=\"{width:.1}\" height=\"{height:.1}\"/>",
            center - width / 2.0,
            BASELINE - height
        );
        if n > 0 && counts_on_bars {
            g.push_str(&format!(
                "<text x=\"{center:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
                BASELINE - height - 5.0
            ));
        }
        if show_label {
            g.push_str(&format!(
                "<text x=\"{center:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
                BASELINE + 18.0
            ));
        }
        g.push_str("</g>\n");
        g
    };
    if !span.is_empty() {
        svg.push_str(&format!(
            "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{BASELINE}\" x2=\"{years_right:.1}\" y2=\"{BASELINE}\"/>\n"
        ));
        // Label round years, as often as the labels fit; the first year if
        // no year of the span is round.
        let step = [1, 2, 5, 10, 20, 50, 100]
            .into_iter()
            .find(|&step| f64::from(step) * slot >= LABEL_ROOM)
            .unwrap_or(200);
        let any_round = span.iter().any(|&(year, _)| year % step == 0);
        for (i, &(year, n)) in span.iter().enumerate() {
            let center = LEFT + slot * (i as f64 + 0.5);
            let show = year % step == 0 || (i == 0 && !any_round);
            svg.push_str(&bar(
                "bar",
                center,
                (slot * 0.7).max(1.0),
                n,
                &year.to_string(),
                show,
            ));
        }
    }
    if no_year > 0 {
        let divider = years_right + 12.0;
        svg.push_str(&format!(
            "<line class=\"divider\" x1=\"{divider:.1}\" y1=\"{TOP}\" x2=\"{divider:.1}\" y2=\"{:.1}\"/>\n",
            BASELINE + 24.0
        ));
        let center = divider + (UNKNOWN_AREA - 12.0) / 2.0;
        svg.push_str(&bar(
            "bar-unknown",
            center,
            UNKNOWN_BAR,
            no_year,
            "no year",
            true,
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// Opens a chart's `<svg>` with its id, size and accessible title.
fn svg_open(id: &str, title: &str, width: f64, height: f64) -> String {
    format!(
        "<svg id=\"{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{width:.0}\" height=\"{height}\" viewBox=\"0 0 {width:.0} {height}\" \
         role=\"img\" aria-label=\"{title}\"><title>{title}</title>\n",
        title = escape(title)
    )
}

/// Writes `contents` to a temporary file beside `path` and renames it into
/// place, so `path` is either absent, the old page or the complete new one.
fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().context("report path has no directory")?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".report.html.").suffix(".tmp");
    // Readable like the other outputs, not owner-only as temp files are.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", temp.path().display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int16Array, StringArray, UInt32Array};
    use newsflow_core::batch::str_list_array;
    use parquet::arrow::ArrowWriter;

    use super::*;

    /// One synthetic document: the columns the report reads.
    struct Doc {
        path: &'static str,
        source: Option<&'static str>,
        year: Option<i16>,
        topics: Vec<&'static str>,
        persons: Vec<&'static str>,
        noise: u32,
        rules: Vec<&'static str>,
    }

    fn doc(path: &'static str, year: Option<i16>, topics: Vec<&'static str>) -> Doc {
        Doc {
            path,
            source: None,
            year,
            topics,
            persons: Vec::new(),
            noise: 0,
            rules: Vec::new(),
        }
    }

    /// Writes `manifest.json` and a `documents.parquet` of `docs` (plus an
    /// unread `body` column) into a fresh directory.
    fn write_run(docs: &[Doc]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let manifest = serde_json::json!({
            "program_version": "0.1.0",
            "schema_version": "1",
            "inputs": docs.len() + 2,
            "documents": docs.len(),
            "rejects": 2,
            "rejects_by_reason": {"empty": 1, "<binary>": 1},
        });
        std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
        let strings = |f: fn(&Doc) -> Option<&'static str>| -> ArrayRef {
            Arc::new(docs.iter().map(f).collect::<StringArray>())
        };
        let lists = |f: fn(&Doc) -> Vec<&'static str>| {
            str_list_array(&docs.iter().map(f).collect::<Vec<_>>())
        };
        let batch = RecordBatch::try_from_iter([
            ("source_path", strings(|d| Some(d.path))),
            ("body", strings(|_| Some("text"))),
            ("source", strings(|d| d.source)),
            (
                "published_year",
                Arc::new(docs.iter().map(|d| d.year).collect::<Int16Array>()) as ArrayRef,
            ),
            ("topics", lists(|d| d.topics.clone())),
            ("persons", lists(|d| d.persons.clone())),
            ("countries", lists(|_| vec!["RU", "JP"])),
            ("orgs", lists(|_| Vec::new())),
            (
                "noise_removed",
                Arc::new(docs.iter().map(|d| d.noise).collect::<UInt32Array>()),
            ),
            ("noise_rules", lists(|d| d.rules.clone())),
        ])
        .unwrap();
        let file = File::create(dir.path().join("documents.parquet")).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        dir
    }

    /// The text of the element that starts with `open` (an `<svg id=...`).
    fn element<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).expect("element present");
        let end = start + html[start..].find(close).expect("element closed");
        &html[start..end]
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape("Лавров"), "Лавров");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("Лавров", 6), "Лавров");
        assert_eq!(truncate("Лавров", 4), "Лав…");
    }

    #[test]
    fn source_label_prefers_the_outlet_then_the_folder() {
        assert_eq!(source_label(Some("TASS"), "a/b.txt"), "TASS");
        assert_eq!(source_label(None, "wire/2019/b.txt"), "wire/2019/");
        assert_eq!(source_label(None, "feeds/x.jsonl:3"), "feeds/");
        assert_eq!(source_label(None, "b.txt"), "(input root)");
    }

    #[test]
    fn report_draws_one_bar_per_topic_and_per_year() {
        let mut lavrov = doc("a.txt", Some(2017), vec!["sanctions", "<nuclear>"]);
        lavrov.persons = vec!["Sergey Lavrov", "Sergey Lavrov"];
        lavrov.source = Some("TASS");
        lavrov.noise = 3;
        lavrov.rules = vec!["chrome.share", "timestamp"];
        let mut undated = doc("wire/b.txt", None, vec!["sanctions"]);
        undated.noise = 2;
        undated.rules = vec!["timestamp"];
        let dir = write_run(&[
            lavrov,
            undated,
            doc("c.txt", Some(2019), Vec::new()),
            doc("wire/d.txt", None, Vec::new()),
        ]);

        let path = write_report(dir.path()).unwrap();
        assert_eq!(path, dir.path().join("report.html"));
        let html = std::fs::read_to_string(&path).unwrap();

        let topics = element(&html, "<svg id=\"topic-chart\"", "</svg>");
        assert_eq!(topics.matches("<rect class=\"bar\"").count(), 2);
        assert!(topics.contains("&lt;nuclear&gt;"));
        assert!(!html.contains("<nuclear>"));
        // 2017, 2018 (empty) and 2019; the two undated documents apart.
        let timeline = element(&html, "<svg id=\"timeline\"", "</svg>");
        assert_eq!(timeline.matches("<rect class=\"bar\"").count(), 3);
        assert_eq!(timeline.matches("<rect class=\"bar-unknown\"").count(), 1);
        assert!(html.contains("2 of 4 documents state no year"));
        assert!(html.contains("2 of 4 documents have no topic"));
        // Manifest counts and reasons, escaped.
        assert!(html.contains("<div class=\"n\">6</div><div class=\"what\">inputs</div>"));
        assert!(html.contains("<td>&lt;binary&gt;</td>"));
        // A person repeated in one document counts once.
        assert!(html.contains("<td>Sergey Lavrov</td><td class=\"num\">1</td>"));
        assert!(html.contains("<td>RU</td><td class=\"num\">4</td>"));
        // Noise grouped by outlet, else by folder.
        let noise = element(&html, "<table id=\"noise-table\"", "</table>");
        assert!(noise.contains(
            "<td>TASS</td><td class=\"num\">1</td><td class=\"num\">3</td>\
             <td>chrome.share (1), timestamp (1)</td>"
        ));
        assert!(noise.contains(
            "<td>wire/</td><td class=\"num\">2</td><td class=\"num\">2</td><td>timestamp (1)</td>"
        ));
        assert!(noise.contains("<td>(input root)</td>"));
        // Only the page is left behind, no temporary file.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn report_of_a_run_without_documents_still_renders() {
        let dir = write_run(&[]);
        let html = std::fs::read_to_string(write_report(dir.path()).unwrap()).unwrap();
        assert!(html.contains("<svg id=\"topic-chart\""));
        assert!(html.contains("No document has a topic."));
        assert!(html.contains("<svg id=\"timeline\""));
        assert!(!html.contains("class=\"bar"));
    }

    #[test]
    fn missing_manifest_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_report(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("manifest.json"), "{err:#}");
        assert!(!dir.path().join("report.html").exists());
    }
}
