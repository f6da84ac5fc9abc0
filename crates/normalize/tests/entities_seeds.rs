//! The entity extractor on the five shipped samples in `seeds/`, whole raw
//! text passed as the body, against the persons, countries, organizations
//! and alias repairs of the gold set (copied here from
//! `spec/seeds-gold.jsonl`; order does not matter).

mod entities {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use newsflow_normalize::entities::{DocText, Entities, EntityExtractor, EntityKind, Gazetteer};

    struct Gold {
        file: &'static str,
        persons: &'static [&'static str],
        countries: &'static [&'static str],
        orgs: &'static [&'static str],
        /// (surface, canonical) of each alias repair.
        repairs: &'static [(&'static str, &'static str)],
    }

    const GOLD: &[Gold] = &[
        Gold {
            file: "000_d7c65799752ff593.txt",
            persons: &["Sergey Lavrov", "Vladimir Putin", "Shinzo Abe"],
            countries: &["RU", "JP", "BN"],
            orgs: &["APEC", "ASEAN Regional Forum", "East Asia Summit"],
            repairs: &[("Sergei Lvov", "Sergey Lavrov")],
        },
        Gold {
            file: "001_2b86f9abb84ce2ea.txt",
            persons: &["Sergey Lavrov", "Taro Kono"],
            countries: &["RU", "JP", "US", "KP", "KR", "CN", "AF", "IR", "ID"],
            orgs: &["ASEAN", "East Asia Summit", "United Nations"],
            repairs: &[],
        },
        Gold {
            file: "002_e0bde5382a3b2445.txt",
            persons: &["Fumio Kishida", "Vladimir Putin"],
            countries: &["JP", "RU", "KP", "UA"],
            orgs: &[],
            repairs: &[],
        },
        Gold {
            file: "003_06e7c88c02df72b6.txt",
            persons: &["Mikhail Galuzin", "Chuichi Date", "Shinzo Abe"],
            countries: &["RU", "JP", "KP", "KR", "CN", "US"],
            orgs: &["United Nations Security Council"],
            repairs: &[],
        },
        Gold {
            file: "004_5f7a1ccc220438bb.txt",
            persons: &[
                "Sergey Lavrov",
                "Vladimir Putin",
                "Shinzo Abe",
                "Nikolai Patrushev",
                "Shotaro Yachi",
                "Sergei Shoigu",
            ],
            countries: &["RU", "JP", "US", "SY", "UA", "AF", "KP"],
            orgs: &[
                "United Nations Security Council",
                "UN Office on Drugs and Crime",
                "ASEAN",
                "East Asia Summit",
            ],
            repairs: &[],
        },
    ];

    fn seeds_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
    }

    fn set(items: &[impl AsRef<str>]) -> BTreeSet<String> {
        items.iter().map(|s| s.as_ref().to_string()).collect()
    }

    fn run(extractor: &EntityExtractor, gold: &Gold) -> (String, Entities) {
        let path = seeds_dir().join(gold.file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let found = extractor.extract(&DocText {
            title: None,
            lede: None,
            body: &text,
        });
        (text, found)
    }

    #[test]
    fn seeds_match_gold_persons_countries_orgs() {
        let extractor = EntityExtractor::new(Gazetteer::builtin().unwrap());
        for gold in GOLD {
            let (_, found) = run(&extractor, gold);
            assert_eq!(
                set(&found.persons),
                set(gold.persons),
                "{} persons",
                gold.file
            );
            assert_eq!(
                set(&found.countries),
                set(gold.countries),
                "{} countries",
                gold.file
            );
            assert_eq!(set(&found.orgs), set(gold.orgs), "{} orgs", gold.file);
        }
    }

    #[test]
    fn seeds_alias_repairs() {
        let extractor = EntityExtractor::new(Gazetteer::builtin().unwrap());
        for gold in GOLD {
            let (_, found) = run(&extractor, gold);
            let repairs: Vec<(String, String)> = found
                .mentions
                .iter()
                .filter(|m| m.repaired)
                .map(|m| (m.surface.clone(), m.canonical.clone()))
                .collect();
            let want: Vec<(String, String)> = gold
                .repairs
                .iter()
                .map(|(s, c)| (s.to_string(), c.to_string()))
                .collect();
            assert_eq!(repairs, want, "{} repairs", gold.file);
            assert_eq!(found.repaired, !want.is_empty(), "{} flag", gold.file);
        }
    }

    /// Every mention's surface is the body text at its offsets, and every
    /// listed entity has a mention (the body is the whole text here).
    #[test]
    fn seeds_mentions_are_in_the_text() {
        let extractor = EntityExtractor::new(Gazetteer::builtin().unwrap());
        for gold in GOLD {
            let (text, found) = run(&extractor, gold);
            let chars: Vec<char> = text.chars().collect();
            for m in &found.mentions {
                let at: String = chars[m.start as usize..m.end as usize].iter().collect();
                assert_eq!(at, m.surface, "{} {m:?}", gold.file);
            }
            let mentioned = |kind: EntityKind| -> BTreeSet<String> {
                found
                    .mentions
                    .iter()
                    .filter(|m| m.kind == kind)
                    .map(|m| m.canonical.clone())
                    .collect()
            };
            assert!(set(&found.persons).is_subset(&mentioned(EntityKind::Person)));
            assert!(set(&found.countries).is_subset(&mentioned(EntityKind::Country)));
            assert!(set(&found.orgs).is_subset(&mentioned(EntityKind::Org)));
            assert!(set(&found.places).is_subset(&mentioned(EntityKind::Place)));
        }
    }

    /// The same results from the data directory users edit.
    #[test]
    fn data_dir_gives_the_same_results() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/gazetteer");
        let from_dir = EntityExtractor::new(Gazetteer::load(&dir).unwrap());
        let builtin = EntityExtractor::new(Gazetteer::builtin().unwrap());
        for gold in GOLD {
            assert_eq!(
                run(&from_dir, gold).1,
                run(&builtin, gold).1,
                "{}",
                gold.file
            );
        }
    }
}
