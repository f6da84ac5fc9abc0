//! The five sample articles in `seeds/` match every field of the gold set
//! that the normalize stage owns (expected values copied into
//! `tests/data/seeds_expected.toml`).

mod common;

use common::{Doc, Row, ingest_batch, seeds_dir};
use newsflow_core::run_checked;
use newsflow_normalize::NormalizeConfig;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    seed: Vec<Seed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    file: String,
    title: Option<String>,
    lede: Option<String>,
    date_text: Option<String>,
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    time: Option<String>,
    dateline_place: Option<String>,
    source: Option<String>,
    author: Option<String>,
    speaker: Option<String>,
    language: String,
    noise: Vec<String>,
    headings: Vec<String>,
    body_starts_with: String,
    body_ends_with: String,
}

#[test]
fn seeds_match_the_gold_set() {
    let expected: Expected =
        toml::from_str(include_str!("data/seeds_expected.toml")).expect("expected values");
    let docs: Vec<Doc> = expected
        .seed
        .iter()
        .map(|s| {
            let path = seeds_dir().join(&s.file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let stem = s.file.trim_end_matches(".txt");
            Doc::new(stem, &format!("seeds/{}", s.file), &text)
        })
        .collect();
    let normalizer = NormalizeConfig::default().build().expect("stage builds");
    let out = run_checked(&normalizer, ingest_batch(&docs)).expect("stage runs");
    let mut failures = Vec::new();
    for (row, seed) in expected.seed.iter().enumerate() {
        let r = Row { batch: &out, row };
        let mut check = |field: &str, got: Option<String>, want: Option<String>| {
            if got != want {
                failures.push(format!("{} {field}: got {got:?}, want {want:?}", seed.file));
            }
        };
        check(
            "title",
            r.str("title").map(str::to_string),
            seed.title.clone(),
        );
        check("lede", r.str("lede").map(str::to_string), seed.lede.clone());
        check(
            "date_text",
            r.str("date_text").map(str::to_string),
            seed.date_text.clone(),
        );
        check(
            "year",
            r.int("published_year").map(|v| v.to_string()),
            seed.year.map(|v| v.to_string()),
        );
        check(
            "month",
            r.int("published_month").map(|v| v.to_string()),
            seed.month.map(|v| v.to_string()),
        );
        check(
            "day",
            r.int("published_day").map(|v| v.to_string()),
            seed.day.map(|v| v.to_string()),
        );
        check(
            "time",
            r.str("published_time").map(str::to_string),
            seed.time.clone(),
        );
        check(
            "dateline_place",
            r.str("dateline_place").map(str::to_string),
            seed.dateline_place.clone(),
        );
        check(
            "source",
            r.str("source").map(str::to_string),
            seed.source.clone(),
        );
        check(
            "author",
            r.str("author").map(str::to_string),
            seed.author.clone(),
        );
        check(
            "language",
            r.str("language").map(str::to_string),
            Some(seed.language.clone()),
        );
        check(
            "headings",
            Some(format!("{:?}", r.list("headings"))),
            Some(format!("{:?}", seed.headings)),
        );
        check(
            "speaker",
            r.str("speaker").map(str::to_string),
            seed.speaker.clone(),
        );
        let body = r.str("body").unwrap_or_default();
        if !body.starts_with(&seed.body_starts_with) {
            failures.push(format!(
                "{} body starts {:?}",
                seed.file,
                &body[..body.len().min(80)]
            ));
        }
        if !body.ends_with(&seed.body_ends_with) {
            let tail: String = body
                .chars()
                .rev()
                .take(80)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            failures.push(format!("{} body ends {tail:?}", seed.file));
        }
        let text_out = format!(
            "{}\n{}\n{body}",
            r.str("title").unwrap_or_default(),
            r.str("lede").unwrap_or_default()
        );
        for noise in &seed.noise {
            if text_out.contains(noise.as_str()) {
                failures.push(format!("{} noise {noise:?} survived", seed.file));
            }
        }
        if !seed.noise.is_empty() && r.int("noise_removed").unwrap_or(0) < seed.noise.len() as i64 {
            failures.push(format!(
                "{} noise_removed {:?}",
                seed.file,
                r.int("noise_removed")
            ));
        }
        for heading in &seed.headings {
            if !body.contains(&format!("\n\n{heading}\n\n")) {
                failures.push(format!(
                    "{} heading {heading:?} is not a paragraph of the body",
                    seed.file
                ));
            }
        }
        let partial = r.list("flags").iter().any(|f| f == "date_partial");
        if partial != (seed.year.is_none() && seed.month.is_some()) {
            failures.push(format!("{} date_partial flag {partial}", seed.file));
        }
        assert_eq!(r.str("dup_kind"), Some("unique"));
        assert_eq!(r.str("dup_cluster"), Some(docs[row].doc_id.as_str()));
    }
    assert!(
        failures.is_empty(),
        "seed mismatches:\n{}",
        failures.join("\n")
    );
}
