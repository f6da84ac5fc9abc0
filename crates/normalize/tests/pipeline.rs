//! The passes the runner makes, end to end: line statistics over the ingest
//! batches, the stage with the learned boilerplate, duplicate signatures
//! over its output and the clusters applied to each batch.

mod common;

use common::{Doc, Row, ingest_batch};
use newsflow_core::Stage;
use newsflow_normalize::NormalizeConfig;
use newsflow_normalize::boilerplate::LineStats;
use newsflow_normalize::dedup::Deduper;

const FOOTER: &str = "TASS is Russia’s largest news agency. Subscribe to our feed for more.";

fn story(topic: &str, n: usize, footer: &str) -> String {
    format!(
        "Ministers discuss {topic} in round {n}\n\nMOSCOW, July {day}. /TASS/. The foreign ministers of Russia and Japan discussed {topic} on Monday in the {n}th round of consultations. \
         They agreed that {topic} required further work by experts of both countries.\n\n\
         The ministers also reviewed preparations for a visit by the Japanese prime minister later this year and instructed their deputies \
         to draft a joint statement on {topic}. Both sides noted the importance of regular contacts between the two foreign ministries.\n\n{footer}",
        day = 1 + n % 28,
    )
}

#[test]
fn boilerplate_and_duplicates_across_batches() {
    let topics = [
        "security",
        "fisheries",
        "trade",
        "visas",
        "culture",
        "energy",
        "tourism",
    ];
    let mut docs: Vec<Doc> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Doc::new(
                &format!("tass-{i}"),
                &format!("tass/{i}.txt"),
                &story(t, i, FOOTER),
            )
        })
        .collect();
    // Reposts without the footer in another source: once as it is (the
    // same cleaned body as tass-0 once its footer is gone), once edited.
    docs.push(Doc::new(
        "mirror-0",
        "mirror/0.txt",
        &story("security", 0, ""),
    ));
    let edited = story("fisheries", 1, "").replace("on Monday", "on Monday morning");
    docs.push(Doc::new("mirror-1", "mirror/1.txt", &edited));

    let cfg = NormalizeConfig::default();
    let batches = [ingest_batch(&docs[..4]), ingest_batch(&docs[4..])];

    // Pass 1: one LineStats per batch (per thread), merged.
    let mut stats = LineStats::new();
    for b in &batches {
        let mut part = LineStats::new();
        part.observe(b).unwrap();
        stats.merge(part);
    }
    let boilerplate = stats.finish(&cfg);
    assert_eq!(
        boilerplate.len(),
        1,
        "only the footer repeats in enough documents of one source"
    );
    let stage = cfg.build().unwrap().with_boilerplate(boilerplate);

    // Pass 2: normalize, collect signatures (in reverse batch order).
    let outputs: Vec<_> = batches
        .iter()
        .map(|b| stage.process(b.clone()).unwrap())
        .collect();
    let mut deduper = Deduper::new(&cfg);
    for out in outputs.iter().rev() {
        deduper.observe(out).unwrap();
    }
    let clusters = deduper.finish();

    // Pass 3: apply.
    let mut rows = Vec::new();
    for out in outputs {
        let out = clusters.apply(out).unwrap();
        for row in 0..out.num_rows() {
            let r = Row { batch: &out, row };
            rows.push((
                r.str("doc_id").unwrap().to_string(),
                r.str("dup_cluster").unwrap().to_string(),
                r.str("dup_kind").unwrap().to_string(),
                r.str("body").unwrap().contains("Subscribe to our feed"),
                r.list("noise_rules"),
            ));
        }
    }
    for (id, cluster, kind, footer_kept, rules) in &rows {
        match id.as_str() {
            "mirror-0" => assert_eq!((cluster.as_str(), kind.as_str()), ("mirror-0", "unique")),
            "tass-0" => assert_eq!(
                (cluster.as_str(), kind.as_str()),
                ("mirror-0", "exact"),
                "same cleaned body as mirror-0"
            ),
            "tass-1" => assert_eq!((cluster.as_str(), kind.as_str()), ("mirror-1", "near")),
            other => assert_eq!((cluster.as_str(), kind.as_str()), (other, "unique")),
        }
        if id.starts_with("tass") {
            assert!(!footer_kept, "{id}: boilerplate footer kept");
            assert_eq!(rules, &vec!["boilerplate".to_string()], "{id}");
        }
    }
}
