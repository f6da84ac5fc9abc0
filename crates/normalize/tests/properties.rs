//! Properties of the stage on arbitrary input: it never panics, returns one
//! row per input row, and its cleaned body is a fixed point of the text
//! cleanup.

mod common;

use common::{Doc, Row, ingest_batch};
use newsflow_core::run_checked;
use newsflow_normalize::{NormalizeConfig, Normalizer, clean_text};
use proptest::prelude::*;
use std::sync::OnceLock;

fn normalizer() -> &'static Normalizer {
    static STAGE: OnceLock<Normalizer> = OnceLock::new();
    STAGE.get_or_init(|| NormalizeConfig::default().build().expect("stage builds"))
}

/// Pieces of news pages, glued in random order: datelines, noise, dates,
/// speaker labels, Cyrillic, mojibake, odd spaces and line breaks.
fn newsish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "MOSCOW, July 22. /TASS/. ",
        "TOKYO, November 2 (Itar-Tass) - ",
        "МОСКВА, 15 марта. /Корр. ИТАР-ТАСС Василий Головнин/. ",
        "(Sputnik) - ",
        "Foreign Minister Sergei Lavrov: ",
        "С.В.Лавров: ",
        "Question: ",
        "30 May 201914:23",
        "Updated at:\u{a0}",
        "All news",
        "{{element.title}}",
        "15:30",
        "Go to Interview",
        "Share",
        "© Valery Sharifulin/TASS",
        "Japanâ€™s",
        "РЎРµСЂРіРµР№",
        "Moscow and Tokyo agreed to begin a dialogue.",
        "Dialogue on the Korean Peninsula",
        "Россия и Япония провели переговоры.",
        "\u{a0}",
        "\u{ad}",
        "\u{200b}",
        "\n",
        "\n\n",
        "\r\n",
        " ",
        ":",
        ".",
        "/",
        "(",
        ")",
        "—",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn run(texts: &[String]) -> newsflow_core::arrow::array::RecordBatch {
    let docs: Vec<Doc> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Doc::new(&format!("d{i}"), "p/x.txt", t))
        .collect();
    run_checked(normalizer(), ingest_batch(&docs)).expect("stage runs")
}

fn check_row(r: &Row<'_>) -> Result<(), TestCaseError> {
    let body = r.str("body").expect("documents have a body");
    prop_assert_eq!(
        clean_text(body).text,
        body,
        "body is not a cleanup fixed point"
    );
    prop_assert!(!body.contains("\n\n\n"));
    prop_assert_eq!(body.trim(), body);
    let precision = r.str("date_precision").expect("precision");
    prop_assert!(["datetime", "day", "month_day", "month", "year", "none"].contains(&precision));
    for field in ["title", "lede", "speaker", "author"] {
        if let Some(v) = r.str(field) {
            prop_assert!(!v.is_empty() && !v.contains('\n'), "{} is {:?}", field, v);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_text_never_panics(texts in prop::collection::vec(any::<String>(), 1..4)) {
        let out = run(&texts);
        prop_assert_eq!(out.num_rows(), texts.len());
        for row in 0..out.num_rows() {
            check_row(&Row { batch: &out, row })?;
        }
    }

    #[test]
    fn news_like_text_never_panics(texts in prop::collection::vec(newsish(), 1..4)) {
        let out = run(&texts);
        for row in 0..out.num_rows() {
            check_row(&Row { batch: &out, row })?;
        }
    }

    #[test]
    fn cleanup_is_idempotent(text in any::<String>()) {
        let once = clean_text(&text).text;
        prop_assert_eq!(clean_text(&once).text, once);
    }

    #[test]
    fn news_like_cleanup_is_idempotent(text in newsish()) {
        let once = clean_text(&text).text;
        prop_assert_eq!(clean_text(&once).text, once);
    }
}

#[test]
fn rejects_pass_through_with_nulls() {
    let mut reject = Doc::new("r1", "p/r1.bin", "");
    reject.text = None;
    reject.reject_reason = Some("binary".into());
    reject.flags = vec!["some_ingest_flag".into()];
    let good = Doc::new(
        "g1",
        "p/g1.txt",
        "Japanâ€™s minister met his counterpart in Tokyo.",
    );
    let out = run_checked(normalizer(), ingest_batch(&[reject, good])).expect("stage runs");
    let r = Row {
        batch: &out,
        row: 0,
    };
    for column in [
        "title",
        "body",
        "headings",
        "date_precision",
        "language",
        "language_confidence",
        "persons",
        "dup_cluster",
        "dup_kind",
        "noise_removed",
        "noise_rules",
        "provenance",
        "mentions",
    ] {
        assert!(r.is_null(column), "{column} is not null for a reject");
    }
    assert_eq!(r.list("flags"), vec!["some_ingest_flag"]);
    let g = Row {
        batch: &out,
        row: 1,
    };
    assert_eq!(g.str("dup_cluster"), Some("g1"));
    assert_eq!(g.str("dup_kind"), Some("unique"));
    assert_eq!(g.list("flags"), vec!["encoding_repaired"]);
    assert_eq!(
        g.str("body"),
        Some("Japan’s minister met his counterpart in Tokyo.")
    );
}
