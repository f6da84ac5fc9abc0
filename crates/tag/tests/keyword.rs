//! Keyword tagger fixtures, one file per case under `tests/fixtures/keyword/`.
//!
//! A fixture starts with `# ` header lines: a description, then optional
//! `title:` and `lede:` values and the expectations:
//!
//! * `expect: a b` — topics that must be tagged;
//! * `forbid: a b` — topics that must not be tagged;
//! * `evidence: topic | surface` — a body evidence row of `topic` whose
//!   character span in the body is exactly `surface`.
//!
//! The body follows the first blank line. Every fixture also checks that all
//! evidence spans lie inside the body on word boundaries.

use std::path::{Path, PathBuf};

use newsflow_tag::{DocText, KeywordConfig, KeywordTagger};

#[derive(Debug, Default)]
struct Fixture {
    title: Option<String>,
    lede: Option<String>,
    expect: Vec<String>,
    forbid: Vec<String>,
    evidence: Vec<(String, String)>,
    body: String,
}

fn parse(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let (header, body) = text
        .split_once("\n\n")
        .expect("a blank line before the body");
    let mut f = Fixture {
        body: body.trim_end().to_string(),
        ..Fixture::default()
    };
    for line in header.lines() {
        let line = line.strip_prefix("# ").unwrap_or(line);
        let words = |v: &str| v.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        if let Some(v) = line.strip_prefix("title: ") {
            f.title = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("lede: ") {
            f.lede = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("expect: ") {
            f.expect = words(v);
        } else if let Some(v) = line.strip_prefix("forbid: ") {
            f.forbid = words(v);
        } else if let Some(v) = line.strip_prefix("evidence: ") {
            let (topic, surface) = v.split_once(" | ").expect("evidence: topic | surface");
            f.evidence.push((topic.to_string(), surface.to_string()));
        }
    }
    f
}

fn check(tagger: &KeywordTagger, path: &Path) -> Vec<String> {
    let f = parse(path);
    let tagging = tagger.tag(&DocText {
        title: f.title.as_deref(),
        lede: f.lede.as_deref(),
        body: &f.body,
    });
    let chars: Vec<char> = f.body.chars().collect();
    let span =
        |start: u32, end: u32| -> String { chars[start as usize..end as usize].iter().collect() };
    let mut problems = Vec::new();
    for topic in &f.expect {
        if !tagging.topics.contains(topic) {
            problems.push(format!("expected topic {topic}"));
        }
    }
    for topic in &f.forbid {
        if tagging.topics.contains(topic) {
            problems.push(format!("forbidden topic {topic}"));
        }
    }
    for (topic, surface) in &f.evidence {
        let found = tagging
            .evidence
            .iter()
            .any(|e| e.topic == *topic && span(e.start, e.end) == *surface);
        if !found {
            problems.push(format!("no evidence `{surface}` for {topic}"));
        }
    }
    for e in &tagging.evidence {
        let (start, end) = (e.start as usize, e.end as usize);
        let on_boundary = start < end
            && end <= chars.len()
            && chars[start].is_alphanumeric()
            && chars[end - 1].is_alphanumeric()
            && (start == 0 || !chars[start - 1].is_alphanumeric())
            && (end == chars.len() || !chars[end].is_alphanumeric());
        if !on_boundary {
            problems.push(format!("evidence {e:?} is not a word span of the body"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "tagged {:?}, scores {:?}",
            tagging.topics, tagging.scores
        ));
    }
    problems
}

#[test]
fn keyword_fixtures() {
    let tagger = KeywordConfig::default().build().unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keyword");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "fixtures missing in {}", dir.display());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let problems = check(&tagger, path);
            (!problems.is_empty()).then(|| {
                format!(
                    "{}:\n  {}",
                    path.file_name().unwrap().to_string_lossy(),
                    problems.join("\n  ")
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stricter_threshold_drops_single_sentence_topics() {
    let config: KeywordConfig = toml::from_str("threshold = 4.0").unwrap();
    let tagger = config.build().unwrap();
    let doc = DocText {
        title: None,
        lede: None,
        body: "Japan will deploy Aegis Ashore. The talks went well.",
    };
    assert!(tagger.tag(&doc).topics.is_empty());
    let default = KeywordConfig::default().build().unwrap();
    assert_eq!(default.tag(&doc).topics, vec!["missile_defense"]);
}
