//! The five shipped samples (`seeds/`) get every required topic and none
//! outside required ∪ optional.
//!
//! The expectations are copied from the project's gold file. Title, lede and
//! body are cut from the raw text the way normalization does: the body runs
//! from the gold's first words to its last, without the noise lines.

use std::path::PathBuf;

use newsflow_tag::{DocText, KeywordConfig};

struct Seed {
    file: &'static str,
    title: Option<&'static str>,
    lede: Option<&'static str>,
    body_starts_with: &'static str,
    body_ends_with: &'static str,
    noise: &'static [&'static str],
    required: &'static [&'static str],
    optional: &'static [&'static str],
}

const SEEDS: &[Seed] = &[
    Seed {
        file: "000_d7c65799752ff593.txt",
        title: Some("Moscow, Tokyo agree to begin dialogue on regional security formation"),
        lede: Some(
            "The situation in the region is stable, but there is a rather serious conflict \
             potential, Lavrov noted",
        ),
        body_starts_with: "Moscow and Tokyo have agreed to begin a dialogue",
        body_ends_with: "the Russian minister noted.",
        noise: &["All news"],
        required: &[
            "security_architecture",
            "bilateral_dialogue",
            "multilateral_diplomacy",
        ],
        optional: &[
            "korean_peninsula",
            "territorial_dispute",
            "terrorism",
            "drug_trafficking",
            "maritime_security",
            "disaster_relief",
            "military_cooperation",
        ],
    },
    Seed {
        file: "001_2b86f9abb84ce2ea.txt",
        title: Some(
            "Foreign Minister Sergey Lavrov’s statement at a joint news conference following \
             Russia-Japan consultations of foreign and defence ministers in the two-plus-two \
             format, Tokyo, May 30, 2019",
        ),
        lede: None,
        body_starts_with: "Today we held already the fourth round",
        body_ends_with: "through diplomatic channels later on.",
        noise: &["en-GB1 ru-RU1", "Showing 1 result.", "Advanced settings"],
        required: &[
            "security_architecture",
            "missile_defense",
            "territorial_dispute",
            "korean_peninsula",
            "nonproliferation",
            "drug_trafficking",
            "multilateral_diplomacy",
            "bilateral_dialogue",
            "military_cooperation",
        ],
        optional: &["terrorism"],
    },
    Seed {
        file: "002_e0bde5382a3b2445.txt",
        title: None,
        lede: None,
        body_starts_with: "The head of the Japanese foreign Ministry Fumio Kishida believes",
        body_ends_with: "the annexation of Tokyo sanctions against Russia.",
        noise: &[
            "Fumio Kishida: with the Bay I have built a trust relationship",
            "Go to Interview",
        ],
        required: &[
            "bilateral_dialogue",
            "security_architecture",
            "military_cooperation",
            "korean_peninsula",
        ],
        optional: &[
            "terrorism",
            "maritime_security",
            "cyber_information_security",
            "missile_defense",
            "sanctions",
            "armed_conflict",
            "nonproliferation",
        ],
    },
    Seed {
        file: "003_06e7c88c02df72b6.txt",
        title: Some("Russian, Japanese foreign and defense ministers to discuss security issues"),
        lede: Some(
            "Russian Ambassador to Tokyo Mikhail Galuzin said that active political dialogue \
             between the two countries reflects \"the general sustainability and promising \
             nature of Russian-Japanese relations\"",
        ),
        body_starts_with: "The foreign and defense ministers of Russia and Japan will discuss",
        body_ends_with: "calls for resuming the six-party talks.",
        noise: &["All news", "Updated at:"],
        required: &[
            "bilateral_dialogue",
            "military_cooperation",
            "korean_peninsula",
            "nonproliferation",
            "sanctions",
        ],
        optional: &[
            "security_architecture",
            "multilateral_diplomacy",
            "economic_cooperation",
        ],
    },
    Seed {
        file: "004_5f7a1ccc220438bb.txt",
        title: None,
        lede: None,
        body_starts_with: "The narrow-format meeting, the first event on the programme",
        body_ends_with: "further talks on a peace treaty.",
        noise: &[],
        required: &[
            "bilateral_dialogue",
            "military_cooperation",
            "multilateral_diplomacy",
            "armed_conflict",
            "drug_trafficking",
            "missile_defense",
            "korean_peninsula",
        ],
        optional: &[
            "security_architecture",
            "nonproliferation",
            "cyber_information_security",
            "space",
            "maritime_security",
            "territorial_dispute",
        ],
    },
];

fn body_of(raw: &str, seed: &Seed) -> String {
    let start = raw
        .find(seed.body_starts_with)
        .expect("body start in the sample");
    let end = raw[start..]
        .find(seed.body_ends_with)
        .expect("body end in the sample")
        + start
        + seed.body_ends_with.len();
    raw[start..end]
        .lines()
        .map(str::trim)
        .filter(|line| !seed.noise.iter().any(|n| line.contains(n)))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\n\n\n", "\n\n")
}

/// Tags every seed with the default tagger and lists the failures.
fn failures(
    doc_of: impl Fn(&Seed, &str) -> (Option<String>, Option<String>, String),
) -> Vec<String> {
    let tagger = KeywordConfig::default().build().unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let mut failures = Vec::new();
    for seed in SEEDS {
        let raw = std::fs::read_to_string(dir.join(seed.file)).unwrap();
        let (title, lede, body) = doc_of(seed, &raw);
        let analysis = tagger.analyze(&DocText {
            title: title.as_deref(),
            lede: lede.as_deref(),
            body: &body,
        });
        let topics: Vec<&str> = analysis
            .topics
            .iter()
            .filter(|t| t.tagged)
            .map(|t| t.topic.as_str())
            .collect();
        let missing: Vec<_> = seed
            .required
            .iter()
            .filter(|t| !topics.contains(t))
            .collect();
        let extra: Vec<_> = topics
            .iter()
            .filter(|t| !seed.required.contains(t) && !seed.optional.contains(t))
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            failures.push(format!(
                "{}: missing {missing:?}, not allowed {extra:?}\n{:#?}",
                seed.file, analysis.topics
            ));
        }
    }
    failures
}

#[test]
fn seeds_get_required_and_only_allowed_topics() {
    let failures = failures(|seed, raw| {
        (
            seed.title.map(str::to_string),
            seed.lede.map(str::to_string),
            body_of(raw, seed),
        )
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// If normalization cannot split a page, the whole raw text (noise,
/// headline and dateline included) arrives as the body: the samples still
/// get their topics.
#[test]
fn seeds_hold_when_the_whole_page_is_the_body() {
    let failures = failures(|_, raw| (None, None, raw.to_string()));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
