//! One fixture per house style and per kind of noise, English and Russian:
//! `tests/fixtures/NAME.txt` is the raw article, `NAME.toml` says what the
//! stage must extract (only the fields it lists are checked; `null` lists
//! the fields that must be null; `persons`, `countries` and `orgs` are
//! compared as sets).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{Doc, Row, ingest_batch};
use newsflow_core::run_checked;
use newsflow_normalize::NormalizeConfig;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    input: Input,
    expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    meta_published: Option<String>,
    meta_source: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Expect {
    /// String-valued output columns by name (`title`, `source`, ...).
    #[serde(flatten)]
    strings: BTreeMap<String, toml::Value>,
    #[serde(default)]
    null: Vec<String>,
    #[serde(default)]
    headings: Option<Vec<String>>,
    #[serde(default)]
    noise_gone: Vec<String>,
    #[serde(default)]
    noise_rules: Option<Vec<String>>,
    #[serde(default)]
    flags_include: Vec<String>,
    #[serde(default)]
    flags_exclude: Vec<String>,
    body: Option<String>,
    body_starts_with: Option<String>,
    body_ends_with: Option<String>,
    /// Entity lists, compared as sets (order of the output is not checked).
    #[serde(default)]
    persons: Option<Vec<String>>,
    #[serde(default)]
    countries: Option<Vec<String>>,
    #[serde(default)]
    orgs: Option<Vec<String>>,
}

/// Scalar fields a fixture may check.
const KNOWN: &[&str] = &[
    "title",
    "lede",
    "date_text",
    "year",
    "month",
    "day",
    "time",
    "date_precision",
    "dateline_place",
    "source",
    "author",
    "speaker",
    "language",
];

/// Output column of a short field name.
fn column(field: &str) -> &str {
    match field {
        "year" => "published_year",
        "month" => "published_month",
        "day" => "published_day",
        "time" => "published_time",
        other => other,
    }
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn fixtures() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures directory")
        .filter_map(|e| {
            let path = e.expect("entry").path();
            (path.extension()? == "toml").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    assert!(names.len() >= 20, "fixtures missing: {names:?}");
    let normalizer = NormalizeConfig::default().build().expect("stage builds");
    let mut failures = Vec::new();
    for name in &names {
        let dir = fixtures_dir();
        let fixture: Fixture =
            toml::from_str(&std::fs::read_to_string(dir.join(format!("{name}.toml"))).unwrap())
                .unwrap_or_else(|e| panic!("{name}.toml: {e}"));
        let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
        let mut doc = Doc::new(name, &format!("fixtures/{name}.txt"), &text);
        doc.meta_published = fixture.input.meta_published.clone();
        doc.meta_source = fixture.input.meta_source.clone();
        let out = run_checked(&normalizer, ingest_batch(&[doc])).expect("stage runs");
        let r = Row {
            batch: &out,
            row: 0,
        };
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));
        let e = &fixture.expect;
        for (field, want) in &e.strings {
            assert!(
                KNOWN.contains(&field.as_str()),
                "{name}.toml: unknown field `{field}`"
            );
            let col = column(field);
            let got = match want {
                toml::Value::Integer(_) => r.int(col).map(toml::Value::Integer),
                _ => r.str(col).map(|v| toml::Value::String(v.to_string())),
            };
            if got.as_ref() != Some(want) {
                fail(format!("{field}: got {got:?}, want {want:?}"));
            }
        }
        for field in &e.null {
            if !r.is_null(column(field)) {
                fail(format!(
                    "{field} should be null, got {:?}",
                    r.str(column(field))
                        .map(str::to_string)
                        .or_else(|| r.int(column(field)).map(|v| v.to_string()))
                ));
            }
        }
        let body = r.str("body").unwrap_or_default();
        if let Some(want) = &e.body
            && body != want
        {
            fail(format!("body: got {body:?}"));
        }
        if let Some(want) = &e.body_starts_with
            && !body.starts_with(want.as_str())
        {
            fail(format!(
                "body starts {:?}",
                body.chars().take(90).collect::<String>()
            ));
        }
        if let Some(want) = &e.body_ends_with
            && !body.ends_with(want.as_str())
        {
            let tail: Vec<char> = body.chars().rev().take(90).collect();
            fail(format!(
                "body ends {:?}",
                tail.into_iter().rev().collect::<String>()
            ));
        }
        if let Some(want) = &e.headings
            && &r.list("headings") != want
        {
            fail(format!("headings: got {:?}", r.list("headings")));
        }
        for (col, want) in [
            ("persons", &e.persons),
            ("countries", &e.countries),
            ("orgs", &e.orgs),
        ] {
            if let Some(want) = want {
                let mut got = r.list(col);
                got.sort();
                let mut want = want.clone();
                want.sort();
                if got != want {
                    fail(format!("{col}: got {got:?}, want {want:?}"));
                }
            }
        }
        let all_text = format!(
            "{}\n{}\n{body}",
            r.str("title").unwrap_or_default(),
            r.str("lede").unwrap_or_default()
        );
        for noise in &e.noise_gone {
            if all_text.contains(noise.as_str()) {
                fail(format!("noise {noise:?} survived"));
            }
        }
        if let Some(want) = &e.noise_rules
            && &r.list("noise_rules") != want
        {
            fail(format!("noise_rules: got {:?}", r.list("noise_rules")));
        }
        let flags = r.list("flags");
        for flag in &e.flags_include {
            if !flags.contains(flag) {
                fail(format!("flag {flag} missing from {flags:?}"));
            }
        }
        for flag in &e.flags_exclude {
            if flags.contains(flag) {
                fail(format!("flag {flag} unexpected in {flags:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixture mismatches:\n{}",
        failures.join("\n")
    );
}
