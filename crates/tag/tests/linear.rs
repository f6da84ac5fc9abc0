//! The trainable tagger: labels files, a learning test on a generated
//! labelled set with a held-back split, model files, and the combination
//! with the keyword tagger.

use std::path::PathBuf;

use newsflow_tag::linear::{
    LabelledDoc, LinearConfig, LinearModel, LinearTagger, TrainOptions, read_labels, train,
};
use newsflow_tag::{CombineMode, CombinedConfig, CombinedTagger, DocText, KeywordConfig};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/labels")
        .join(name)
}

#[test]
fn reads_text_and_title_lede_body_lines() {
    let docs = read_labels(&fixture("good.jsonl")).unwrap();
    assert_eq!(
        docs,
        vec![
            LabelledDoc {
                text: "New sanctions were imposed on the regime.".into(),
                topics: vec!["sanctions".into()],
            },
            LabelledDoc {
                text: "Talks on the peninsula\n\nThe ministers discussed North Korea.".into(),
                topics: vec!["korea".into(), "talks".into()],
            },
            LabelledDoc {
                text: "The football match ended in a draw.".into(),
                topics: vec![],
            },
        ]
    );
}

#[test]
fn bad_label_lines_name_the_file_and_line() {
    let cases = [
        ("bad-json.jsonl", ":2: EOF while parsing"),
        (
            "no-text.jsonl",
            ":2: no `text` field and no `title`, `lede` or `body` field",
        ),
        ("empty-topic.jsonl", ":1: empty topic label"),
    ];
    for (name, expected) in cases {
        let path = fixture(name);
        let err = read_labels(&path).unwrap_err().to_string();
        let want = format!("{}{expected}", path.display());
        assert!(err.starts_with(&want), "got `{err}`, want `{want}`");
    }
}

/// A small deterministic generator for the synthetic corpus.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const TOPICS: [(&str, &[&str]); 4] = [
    (
        "energy",
        &[
            "oil",
            "gas",
            "pipeline",
            "barrel",
            "refinery",
            "LNG",
            "output",
            "OPEC",
            "нефть",
            "газопровод",
            "prices",
        ],
    ),
    (
        "elections",
        &[
            "vote",
            "ballot",
            "candidate",
            "polls",
            "turnout",
            "parliament",
            "campaign",
            "выборы",
            "голосование",
            "prices",
        ],
    ),
    (
        "football",
        &[
            "match", "goal", "striker", "league", "coach", "stadium", "penalty", "матч", "гол",
            "campaign",
        ],
    ),
    (
        "weather",
        &[
            "rain",
            "storm",
            "temperature",
            "forecast",
            "snow",
            "frost",
            "wind",
            "погода",
            "снег",
            "output",
        ],
    ),
];

const FILLER: &[&str] = &[
    "the",
    "a",
    "of",
    "in",
    "on",
    "said",
    "officials",
    "week",
    "year",
    "city",
    "new",
    "report",
    "according",
    "people",
    "country",
    "government",
    "minister",
    "local",
    "after",
    "before",
    "и",
    "в",
    "на",
    "заявил",
    "году",
    "также",
    "по",
    "его",
    "time",
    "day",
    "many",
    "first",
    "last",
    "news",
    "agency",
    "told",
    "reporters",
    "monday",
    "friday",
    "region",
    "plans",
];

fn generate(count: usize, seed: u64) -> Vec<LabelledDoc> {
    let mut rng = Lcg(seed);
    (0..count)
        .map(|_| {
            let mut topics: Vec<usize> = Vec::new();
            let roll = rng.next() % 10;
            if roll > 0 {
                topics.push((rng.next() % 4) as usize);
            }
            if roll > 6 {
                let second = (rng.next() % 4) as usize;
                if !topics.contains(&second) {
                    topics.push(second);
                }
            }
            let words: Vec<&str> = (0..40)
                .map(|_| {
                    if !topics.is_empty() && rng.next().is_multiple_of(5) {
                        let t = topics[(rng.next() % topics.len() as u64) as usize];
                        rng.pick(TOPICS[t].1)
                    } else {
                        rng.pick(FILLER)
                    }
                })
                .collect();
            LabelledDoc {
                text: words.join(" "),
                topics: topics.iter().map(|&t| TOPICS[t].0.to_string()).collect(),
            }
        })
        .collect()
}

/// Micro-averaged F1 of predicted against true label sets.
fn micro_f1(pairs: &[(Vec<String>, Vec<String>)]) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (predicted, truth) in pairs {
        tp += predicted.iter().filter(|p| truth.contains(p)).count();
        fp += predicted.iter().filter(|p| !truth.contains(p)).count();
        fn_ += truth.iter().filter(|t| !predicted.contains(t)).count();
    }
    2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
}

#[test]
fn learns_a_generated_set_and_beats_chance_on_held_back_documents() {
    let docs = generate(400, 7);
    let (train_set, test_set) = docs.split_at(320);
    let model = train(train_set, &TrainOptions::default()).unwrap();
    assert_eq!(
        model.topics(),
        ["elections", "energy", "football", "weather"]
    );
    let tagger = LinearTagger::new(model, 0.5);
    let predicted: Vec<(Vec<String>, Vec<String>)> = test_set
        .iter()
        .map(|d| {
            let tagging = tagger.tag(&DocText {
                title: None,
                lede: None,
                body: &d.text,
            });
            (tagging.topics, d.topics.clone())
        })
        .collect();
    let model_f1 = micro_f1(&predicted);

    // Chance: the best of the trivial strategies that ignore the text,
    // tagging every topic, or always the most frequent training topic.
    let all: Vec<String> = TOPICS.iter().map(|t| t.0.to_string()).collect();
    let every_topic: Vec<_> = test_set
        .iter()
        .map(|d| (all.clone(), d.topics.clone()))
        .collect();
    let most_frequent = TOPICS
        .iter()
        .map(|t| t.0)
        .max_by_key(|t| {
            train_set
                .iter()
                .filter(|d| d.topics.iter().any(|x| x == t))
                .count()
        })
        .unwrap();
    let majority: Vec<_> = test_set
        .iter()
        .map(|d| (vec![most_frequent.to_string()], d.topics.clone()))
        .collect();
    let chance = micro_f1(&every_topic).max(micro_f1(&majority));
    assert!(
        model_f1 >= 0.8 && model_f1 > chance + 0.3,
        "held-back micro-F1 {model_f1:.3}, chance {chance:.3}"
    );
}

#[test]
fn model_files_round_trip_and_damage_is_reported() {
    let docs = generate(80, 11);
    let model = train(
        &docs,
        &TrainOptions {
            dims_bits: 14,
            ..TrainOptions::default()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bin");
    model.save(&path).unwrap();
    let loaded = LinearModel::load(&path).unwrap();
    assert_eq!(loaded, model);
    assert_eq!(loaded.predict(&docs[0].text), model.predict(&docs[0].text));

    let config: LinearConfig =
        toml::from_str(&format!("model = {:?}", path.display().to_string())).unwrap();
    assert_eq!(config.threshold, 0.5);
    assert_eq!(config.build().unwrap().model(), &model);

    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"not a model at all").unwrap();
    let err = LinearModel::load(&garbage).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: not a usable newsflow linear model: wrong magic bytes",
            garbage.display()
        )
    );
}

#[test]
fn combined_tagger_adds_topics_the_taxonomy_does_not_know() {
    let docs = generate(200, 3);
    let model = train(&docs, &TrainOptions::default()).unwrap();
    let body = "Japan will deploy two Aegis Ashore missile defence batteries. \
                Voters queued at the polls as turnout in the vote and ballot counting \
                for parliament and the campaign set records, the candidate said.";
    let doc = DocText {
        title: None,
        lede: None,
        body,
    };
    let keyword = || KeywordConfig::default().build().unwrap();
    let linear = || LinearTagger::new(model.clone(), 0.5);

    let union = CombinedTagger::new(keyword(), linear(), CombineMode::Union, 0.5).unwrap();
    let tagging = union.tag(&doc);
    assert!(
        tagging.topics.contains(&"missile_defense".to_string()),
        "{tagging:?}"
    );
    assert!(
        tagging.topics.contains(&"elections".to_string()),
        "{tagging:?}"
    );
    // keyword evidence for keyword topics, model evidence for the others
    assert!(tagging.evidence.iter().any(|e| e.term == "Aegis Ashore"));
    assert!(tagging.evidence.iter().any(|e| e.topic == "elections"));

    let blend = CombinedTagger::new(keyword(), linear(), CombineMode::Blend, 0.5).unwrap();
    let tagging = blend.tag(&doc);
    assert!(
        tagging.topics.contains(&"missile_defense".to_string()),
        "{tagging:?}"
    );
    assert!(
        tagging.topics.contains(&"elections".to_string()),
        "{tagging:?}"
    );
    assert!(
        tagging
            .scores
            .iter()
            .all(|s| (0.0..=1.0).contains(&s.score))
    );

    let err = CombinedTagger::new(keyword(), linear(), CombineMode::Blend, 1.5).unwrap_err();
    assert_eq!(
        err.to_string(),
        "setting `keyword_weight` = 1.5 is invalid: expected a number from 0 to 1"
    );
}

#[test]
fn combined_config_parses() {
    let docs = generate(60, 5);
    let model = train(&docs, &TrainOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bin");
    model.save(&path).unwrap();
    let source = format!(
        "mode = \"blend\"\nkeyword_weight = 0.7\n[keyword]\nthreshold = 2.5\n[linear]\nmodel = {:?}\nthreshold = 0.6\n",
        path.display().to_string()
    );
    let config: CombinedConfig = toml::from_str(&source).unwrap();
    assert_eq!(config.mode, CombineMode::Blend);
    assert_eq!(config.keyword.threshold, 2.5);
    config.build().unwrap();
}
