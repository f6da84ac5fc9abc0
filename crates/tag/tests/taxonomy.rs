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
