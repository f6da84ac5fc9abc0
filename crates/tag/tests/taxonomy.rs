//! Taxonomy files: every bad fixture is an error naming the file and line
//! (its first line says `# error: :LINE: message`), and a valid user file
//! builds a tagger.

use std::path::PathBuf;

use newsflow_tag::{DocText, KeywordConfig, Taxonomy};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/taxonomy")
}

#[test]
fn bad_entries_name_the_file_and_line() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let Some(expected) = source.lines().next().unwrap().strip_prefix("# error: ") else {
            continue;
        };
        let config = KeywordConfig {
            taxonomy: Some(path.clone()),
            ..KeywordConfig::default()
        };
        let err = config.build().unwrap_err().to_string();
        let want = format!("{}{expected}", path.display());
        assert!(
            err.starts_with(&want),
            "{}: got `{err}`, want a message starting `{want}`",
            path.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = fixtures().join("no-such-file.toml");
    let err = Taxonomy::load(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
}

#[test]
fn valid_user_taxonomy_tags_with_its_own_rules() {
    let config = KeywordConfig {
        taxonomy: Some(fixtures().join("valid-custom.toml")),
        ..KeywordConfig::default()
    };
    let tagger = config.build().unwrap();
    let taxonomy = tagger.taxonomy();
    let ids: Vec<_> = taxonomy.topics().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["space", "sanctions"]);
    assert_eq!(taxonomy.topics()[0].title_factor, 3.0);
    assert_eq!(taxonomy.topics()[1].title_factor, 1.0);

    let cases: &[(Option<&str>, &str, &[&str])] = &[
        // spelling variant from the file's own [spelling] table
        (None, "A color satellite was launched.", &["space"]),
        // Russian inflection
        (None, "Запуск спутника прошёл успешно.", &["space"]),
        // exclusion: `space for` is not outer space
        (None, "There is space for talks.", &[]),
        (None, "They discussed space.", &["space"]),
        // plurals are off in this file: `sanctions` is not `sanction`
        (Some("New sanctions"), "Sanction, sanction.", &["sanctions"]),
        (Some("New sanctions"), "Nothing here.", &[]),
    ];
    for (title, body, expected) in cases {
        let tagging = tagger.tag(&DocText {
            title: *title,
            lede: None,
            body,
        });
        assert_eq!(tagging.topics, *expected, "{body}");
    }
}

/// Everyday news wording, in English and in Russian case forms, reaches
/// its topic in the built-in taxonomy; idioms that only look like a topic
/// do not.
#[test]
fn builtin_taxonomy_knows_news_wording() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let topics_of = |text: &str| -> Vec<String> {
        let tokens = newsflow_core::text::tokenize(text);
        taxonomy
            .find(&tokens)
            .iter()
            .flat_map(|h| h.topics.iter())
            .map(|&(topic, _)| taxonomy.topics()[topic].id.clone())
            .collect()
    };
    let reaches: &[(&str, &str)] = &[
        // territorial disputes
        (
            "the four Russian-held islands off Hokkaido",
            "territorial_dispute",
        ),
        ("a postwar peace pact", "territorial_dispute"),
        ("the row over the Kuriles", "territorial_dispute"),
        ("the Northern Territories issue", "territorial_dispute"),
        ("на южнокурильских островах", "territorial_dispute"),
        ("о заключении мирного договора", "territorial_dispute"),
        // Korean Peninsula and missiles
        ("N. Korea fires missile", "korean_peninsula"),
        ("a Hwasong-18 ICBM", "korean_peninsula"),
        ("test-fired two short-range missiles", "nonproliferation"),
        ("КНДР запустила баллистическую ракету", "nonproliferation"),
        ("после запуска баллистической ракеты", "nonproliferation"),
        (
            "северокорейской ракетно-ядерной программы",
            "nonproliferation",
        ),
        // disasters
        ("the quake killed 30 people", "disaster_relief"),
        ("a strong aftershock", "disaster_relief"),
        ("a magnitude 7.6 tremor", "disaster_relief"),
        ("heavy rain triggered mudslides", "disaster_relief"),
        ("подземный толчок магнитудой 6,7", "disaster_relief"),
        ("жителей эвакуировали", "disaster_relief"),
        ("в зоне бедствия", "disaster_relief"),
        // cyber
        (
            "a DDoS attack on government sites",
            "cyber_information_security",
        ),
        ("active cyber defense", "cyber_information_security"),
        ("фишинговые рассылки", "cyber_information_security"),
        ("вредоносными программами", "cyber_information_security"),
        // maritime
        ("Somali pirates hijacked a tanker", "maritime_security"),
        ("сомалийскими морскими разбойниками", "maritime_security"),
        // armed conflict
        ("the Kiev regime", "armed_conflict"),
        ("Ukrainian troops withdrew", "armed_conflict"),
        ("an exchange of prisoners", "armed_conflict"),
        ("вдоль линии соприкосновения", "armed_conflict"),
        ("обмен военнопленными", "armed_conflict"),
        ("удары ВСУ", "armed_conflict"),
        // bilateral, economic
        ("российско-японских отношений", "bilateral_dialogue"),
        ("Bilateral trade grew", "economic_cooperation"),
    ];
    let missed: Vec<String> = reaches
        .iter()
        .filter(|(text, topic)| !topics_of(text).iter().any(|t| t == topic))
        .map(|(text, topic)| format!("{text:?} -> {topic} (got {:?})", topics_of(text)))
        .collect();
    assert!(missed.is_empty(), "not reached:\n{}", missed.join("\n"));
    let avoids: &[(&str, &str)] = &[
        (
            "ракета летела в сторону Японского моря",
            "bilateral_dialogue",
        ),
        ("угроза со стороны КНДР", "bilateral_dialogue"),
        ("с одной стороны, это так", "bilateral_dialogue"),
        ("on the other hand", "bilateral_dialogue"),
        ("the ballet company toured Osaka", "economic_cooperation"),
        ("курирующих вопросы безопасности", "security_architecture"),
        ("nuclear power plant", "nonproliferation"),
        ("the Cold War ended", "armed_conflict"),
    ];
    let wrong: Vec<String> = avoids
        .iter()
        .filter(|(text, topic)| {
            // a topic is avoided when its hits carry no weight of note
            let tagger = KeywordConfig::default().build().unwrap();
            let analysis = tagger.analyze(&DocText {
                title: None,
                lede: None,
                body: text,
            });
            analysis
                .topics
                .iter()
                .any(|t| t.topic == *topic && t.score >= 1.0)
        })
        .map(|(text, topic)| format!("{text:?} -> {topic}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "reached by mistake:\n{}",
        wrong.join("\n")
    );
}
