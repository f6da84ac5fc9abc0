//! Table-driven fixtures for the extractor with the shipped gazetteer:
//! inflection, word boundaries, possessives, surnames, repair and
//! non-repair, persons named with a role, organizations, offsets.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;

fn extractor() -> &'static EntityExtractor {
    static X: OnceLock<EntityExtractor> = OnceLock::new();
    X.get_or_init(|| EntityExtractor::new(Gazetteer::builtin().expect("shipped gazetteer")))
}

fn body(text: &str) -> Entities {
    extractor().extract(&DocText {
        title: None,
        lede: None,
        body: text,
    })
}

/// (body, persons, countries, orgs) — lists in order of first mention.
type ListCase = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

fn check_lists(cases: &[ListCase]) {
    for (text, persons, countries, orgs) in cases {
        let e = body(text);
        assert_eq!(
            e.persons, *persons,
            "persons of {text:?}\n{:#?}",
            e.mentions
        );
        assert_eq!(
            e.countries, *countries,
            "countries of {text:?}\n{:#?}",
            e.mentions
        );
        assert_eq!(e.orgs, *orgs, "orgs of {text:?}\n{:#?}", e.mentions);
    }
}

#[test]
fn russian_inflection() {
    check_lists(&[
        (
            "Министр иностранных дел России Сергей Лавров заявил, что Москва ценит позицию Японии.",
            &["Sergey Lavrov"],
            &["RU", "JP"],
            &[],
        ),
        (
            "Встреча с Сергеем Лавровым прошла в Токио. Лаврова поддержал Кисида.",
            &["Sergey Lavrov", "Fumio Kishida"],
            &["JP"],
            &[],
        ),
        (
            "Япония, Японии и Японией; японская сторона",
            &[],
            &["JP"],
            &[],
        ),
        ("Путину, Путиным, о Путине", &["Vladimir Putin"], &[], &[]),
        (
            "Глава МИД РФ провел переговоры с японским коллегой Ёсимасой Хаяси в Москве.",
            &["Yoshimasa Hayashi"],
            &["RU", "JP"],
            &[],
        ),
        (
            "Совбез ООН и Генассамблея ООН; Совет Безопасности России",
            &[],
            &["RU"],
            &["United Nations Security Council"],
        ),
        // Names sharing a Russian stem (`корейск` is shared with
        // `Корейская Народно-Демократическая Республика`) are all reached.
        (
            "на Корейском полуострове, в Японском море и в рамках Азиатско-Тихоокеанского экономического сотрудничества",
            &[],
            &[],
            &["APEC"],
        ),
        // Indeclinable foreign names match only as written.
        ("маршал Конев и Коно", &["Taro Kono"], &[], &[]),
    ]);
    let e = body("Япония, Японии и Японией");
    let surfaces: Vec<&str> = e.mentions.iter().map(|m| m.surface.as_str()).collect();
    assert_eq!(surfaces, ["Япония", "Японии", "Японией"]);
}

#[test]
fn word_boundaries_and_case() {
    check_lists(&[
        (
            "Iranian diplomats met Iraqi officials in Tehran.",
            &[],
            &["IR", "IQ"],
            &[],
        ),
        (
            "Lavrovka village, a Putinist camp and china cups",
            &[],
            &[],
            &[],
        ),
        ("He told us about the US and the USA.", &[], &["US"], &[]),
        ("UNESCO and the UN", &[], &[], &["UNESCO", "United Nations"]),
        ("Tensions on the Korean Peninsula grew.", &[], &[], &[]),
        ("the two Korean states", &[], &["KP", "KR"], &[]),
        (
            "Implementing the Minsk Agreements remains key.",
            &[],
            &[],
            &[],
        ),
        ("Talks were held in Minsk.", &[], &["BY"], &[]),
        ("Set the date; update the data.", &[], &[], &[]),
        ("RUSSIA AND JAPAN AGREE ON TALKS", &[], &["RU", "JP"], &[]),
        ("Xi’an is not Xi.", &["Xi Jinping"], &["CN"], &[]),
    ]);
    let e = body("Tensions on the Korean Peninsula grew.");
    assert_eq!(e.places, ["Korean Peninsula"]);
}

#[test]
fn possessives() {
    check_lists(&[(
        "Putin’s visit, Japan's position and Lavrov’s remarks",
        &["Vladimir Putin", "Sergey Lavrov"],
        &["JP"],
        &[],
    )]);
    let e = body("Putin’s visit");
    assert_eq!(e.mentions[0].surface, "Putin");
}

#[test]
fn surnames_and_titles() {
    check_lists(&[
        (
            "President Putin met Prime Minister Abe.",
            &["Vladimir Putin", "Shinzo Abe"],
            &[],
            &[],
        ),
        (
            "Mr Yachi visited Moscow. Mr. Yachi left.",
            &["Shotaro Yachi"],
            &["RU"],
            &[],
        ),
        ("Lavrov noted the risks.", &["Sergey Lavrov"], &[], &[]),
        // A common surname needs support.
        ("Kim said the talks were useful.", &[], &[], &[]),
        (
            "North Korean leader Kim Jong Un spoke. Later Kim said more.",
            &["Kim Jong Un"],
            &["KP"],
            &[],
        ),
        (
            "Foreign Minister Hayashi met Wang Yi.",
            &["Yoshimasa Hayashi", "Wang Yi"],
            &[],
            &[],
        ),
        // Two leaders share the role: no guess.
        ("Premier Li arrived.", &[], &[], &[]),
        // Given name and patronymic variants of a known surname.
        (
            "Sergej Viktorovich Lavrov and С.В. Лавров; Лавров Сергей Викторович",
            &["Sergey Lavrov"],
            &[],
            &[],
        ),
        // A known surname with someone else's given name.
        (
            "Yohei Kono, a former speaker, said so. Kono added more.",
            &["Yohei Kono"],
            &[],
            &[],
        ),
        ("Novak Djokovic beat him.", &[], &[], &[]),
    ]);
    let e = body("President Putin met Prime Minister Abe.");
    let rules: Vec<&str> = e.mentions.iter().map(|m| m.rule).collect();
    assert_eq!(rules, ["surname_role", "surname_role"]);
}

/// (body, surface, canonical) of the one expected repair.
#[test]
fn repair_with_role_context() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "Russian Foreign Minister Sergei Lvov said on Saturday.",
            "Sergei Lvov",
            "Sergey Lavrov",
        ),
        (
            "Foreign Minister Sergey Lavorv said.",
            "Sergey Lavorv",
            "Sergey Lavrov",
        ),
        (
            "Japanese Foreign Minister Taro Kno said.",
            "Taro Kno",
            "Taro Kono",
        ),
        (
            "Minister of Foreign Affairs of Japan Fumio Kishda spoke.",
            "Fumio Kishda",
            "Fumio Kishida",
        ),
        (
            "Lavrov arrived. Russian Foreign Minister Lavorv said.",
            "Lavorv",
            "Sergey Lavrov",
        ),
    ];
    for (text, surface, canonical) in cases {
        let e = body(text);
        let repaired: Vec<(&str, &str)> = e
            .mentions
            .iter()
            .filter(|m| m.repaired)
            .map(|m| (m.surface.as_str(), m.canonical.as_str()))
            .collect();
        assert_eq!(
            repaired,
            [(*surface, *canonical)],
            "{text:?}\n{:#?}",
            e.mentions
        );
        assert!(e.repaired);
        assert!(!e.countries.contains(&"UA".to_string()), "{text:?}");
        let m = e.mentions.iter().find(|m| m.repaired).unwrap();
        assert_eq!(m.rule, "repair_role");
    }
}

#[test]
fn no_repair_without_role_context() {
    check_lists(&[
        ("The city of Lvov hosted a forum.", &[], &["UA"], &[]),
        (
            "Sergei Lvov, a historian from Lvov, said",
            &[],
            &["UA"],
            &[],
        ),
        (
            "Russian Deputy Foreign Minister Igor Morgulov said",
            &["Igor Morgulov"],
            &["RU"],
            &[],
        ),
        // A role, but the given name is not Lavrov's: someone else.
        ("Foreign Minister Ivan Lvov said.", &["Ivan Lvov"], &[], &[]),
        // Without a given name, only a person named elsewhere is repaired.
        ("Russian Foreign Minister Lavorv said.", &[], &["RU"], &[]),
    ]);
    for text in [
        "The city of Lvov hosted a forum.",
        "Sergei Lvov, a historian from Lvov, said",
        "Foreign Minister Ivan Lvov said.",
        "Russian Foreign Minister Lavorv said.",
    ] {
        assert!(!body(text).repaired, "{text:?}");
    }
}

#[test]
fn persons_named_with_a_role() {
    check_lists(&[
        (
            "Russian Ambassador to Tokyo Ivan Petrovsky said that ties grow. Petrovsky noted more.",
            &["Ivan Petrovsky"],
            &["RU", "JP"],
            &[],
        ),
        (
            "Japan’s House of Councillors (upper house of parliament) President Chuichi Date would visit Moscow. Date said so.",
            &["Chuichi Date"],
            &["JP", "RU"],
            &[],
        ),
        (
            "Ivan Petrovsky, Russia’s ambassador to Japan, said so.",
            &["Ivan Petrovsky"],
            &["RU", "JP"],
            &[],
        ),
        (
            "Посол России в Японии Иван Петровский заявил об этом.",
            &["Иван Петровский"],
            &["RU", "JP"],
            &[],
        ),
        ("Mr Ivan Petrovsky arrived.", &["Ivan Petrovsky"], &[], &[]),
        (
            "Ambassador J. K. Rowlands left.",
            &["J. K. Rowlands"],
            &[],
            &[],
        ),
        (
            "Dmitry Streltsov, a professor at MGIMO, said so. Japanese diplomat Kenji Tanaka agreed.",
            &["Dmitry Streltsov", "Kenji Tanaka"],
            &["JP"],
            &[],
        ),
        // Not introduced by a role, an inflected role, a title-case headline.
        ("Ivan Petrovsky said so.", &[], &[], &[]),
        ("Слова посла России Ивана Петровского", &[], &["RU"], &[]),
        (
            "Russian Ambassador Says Bilateral Relations Remain Strong Despite Sanctions",
            &[],
            &["RU"],
            &[],
        ),
        ("They called it the Two Plus Two format.", &[], &[], &[]),
    ]);
    let e = body("Russian Ambassador to Tokyo Ivan Petrovsky said. Petrovsky noted.");
    let rules: Vec<(&str, &str)> = e
        .mentions
        .iter()
        .filter(|m| m.kind == EntityKind::Person)
        .map(|m| (m.surface.as_str(), m.rule))
        .collect();
    assert_eq!(
        rules,
        [
            ("Ivan Petrovsky", "role_pattern"),
            ("Petrovsky", "surname_doc")
        ]
    );
}

#[test]
fn organizations() {
    check_lists(&[
        // A parent is dropped from the list when a child is there.
        (
            "the UN and the UN Security Council",
            &[],
            &[],
            &["United Nations Security Council"],
        ),
        // A short name needs the full name in the document...
        ("The Security Council met.", &[], &[], &[]),
        // ...and no country next to it.
        (
            "the UN Security Council and Russia’s Security Council",
            &[],
            &["RU"],
            &["United Nations Security Council"],
        ),
        (
            "the APEC, the regional ASEAN security forum and East Asia summits",
            &[],
            &[],
            &["APEC", "ASEAN Regional Forum", "East Asia Summit"],
        ),
        (
            "The UN has the its Office on Drugs and Crime.",
            &[],
            &[],
            &["UN Office on Drugs and Crime"],
        ),
    ]);
    let e = body("the UN Security Council and Russia’s Security Council; the Security Council");
    let orgs: Vec<(&str, &str)> = e
        .mentions
        .iter()
        .filter(|m| m.kind == EntityKind::Org)
        .map(|m| (m.surface.as_str(), m.rule))
        .collect();
    assert_eq!(
        orgs,
        [
            ("UN Security Council", "gazetteer"),
            ("Security Council", "org_short_doc")
        ]
    );
}

#[test]
fn places_and_metonyms() {
    let e = body(
        "Pyongyang’s initiative, the Kremlin’s view and talks in Jakarta on the southern Kurils",
    );
    assert_eq!(e.countries, ["KP", "RU", "ID"]);
    assert_eq!(e.places, ["Pyongyang", "Jakarta", "Kuril Islands"]);
    let e = body("in the Asia-Pacific Region (APR) and the AP region");
    assert_eq!(e.places, ["Asia-Pacific"]);
    assert_eq!(e.mentions.len(), 3);
}

#[test]
fn title_and_lede_feed_lists_not_mentions() {
    let e = extractor().extract(&DocText {
        title: Some("Lavrov visits Tokyo"),
        lede: Some("The Russian minister is in Japan"),
        body: "The minister met Kishida.",
    });
    assert_eq!(e.persons, ["Sergey Lavrov", "Fumio Kishida"]);
    assert_eq!(e.countries, ["JP", "RU"]);
    assert_eq!(e.mentions.len(), 1);
    let m = &e.mentions[0];
    assert_eq!((m.surface.as_str(), m.start, m.end), ("Kishida", 17, 24));
}

#[test]
fn offsets_are_characters_into_the_body() {
    let e = body("Москва и Tokyo 🙂 Lavrov");
    let got: Vec<(&str, &str, u32, u32)> = e
        .mentions
        .iter()
        .map(|m| (m.kind.as_str(), m.canonical.as_str(), m.start, m.end))
        .collect();
    assert_eq!(
        got,
        [
            ("place", "Moscow", 0, 6),
            ("country", "RU", 0, 6),
            ("place", "Tokyo", 9, 14),
            ("country", "JP", 9, 14),
            ("person", "Sergey Lavrov", 17, 23),
        ]
    );
}

#[test]
fn canonical_person_lookup() {
    let cases: &[(&str, Option<&str>)] = &[
        ("Sergei Lavrov", Some("Sergey Lavrov")),
        ("Foreign Minister Sergei Lavrov", Some("Sergey Lavrov")),
        ("Сергея Лаврова", Some("Sergey Lavrov")),
        ("Лавров", Some("Sergey Lavrov")),
        ("S. Lavrov", Some("Sergey Lavrov")),
        ("Shinzō Abe", Some("Shinzo Abe")),
        ("Kim", None),
        ("Ivan Petrov", None),
        ("Sergei Lvov", None),
        ("", None),
    ];
    for (name, want) in cases {
        assert_eq!(extractor().canonical_person(name), *want, "{name:?}");
    }
}

#[test]
fn empty_and_noise_documents() {
    for text in [
        "",
        "   \n\n",
        "{{element.title}} • en-GB1 ru-RU1",
        "2019 14:23 — …",
    ] {
        assert_eq!(body(text), Entities::default(), "{text:?}");
    }
}

const WORDS: &[&str] = &[
    "Russian",
    "Foreign",
    "Minister",
    "Sergei",
    "Lvov",
    "Lavrov",
    "said",
    "President",
    "Putin",
    "Mr",
    "Yachi",
    "Japan",
    "’s",
    "UN",
    "Security",
    "Council",
    "Korean",
    "Peninsula",
    "Сергей",
    "Лаврова",
    "Японии",
    "посол",
    "России",
    "Иван",
    "Петров",
    "Ivan",
    "Petrov",
    "Kim",
    "Tokyo",
    "the",
    "of",
    "and",
    "Date",
    "date",
    "APR",
    "US",
    "us",
    "Minsk",
    "Agreements",
    "🙂",
    "é",
];

proptest! {
    #[test]
    fn mentions_are_in_the_text(
        words in prop::collection::vec(prop::sample::select(WORDS), 0..30),
        seps in prop::collection::vec(prop::sample::select(&[" ", ", ", ". ", "\n", "-", "\u{a0}", "’"][..]), 30),
    ) {
        let mut text = String::new();
        for (w, s) in words.iter().zip(&seps) {
            text.push_str(w);
            text.push_str(s);
        }
        let e = body(&text);
        let chars: Vec<char> = text.chars().collect();
        let mut last = 0;
        for m in &e.mentions {
            prop_assert!(m.start < m.end && m.end as usize <= chars.len());
            prop_assert!(m.start >= last);
            last = m.start;
            let at: String = chars[m.start as usize..m.end as usize].iter().collect();
            prop_assert_eq!(&at, &m.surface);
        }
        for p in &e.persons {
            prop_assert!(e.mentions.iter().any(|m| m.kind == EntityKind::Person && &m.canonical == p));
        }
        for c in &e.countries {
            prop_assert!(e.mentions.iter().any(|m| m.kind == EntityKind::Country && &m.canonical == c));
        }
    }

    #[test]
    fn any_text_is_safe(text in ".{0,200}") {
        let e = body(&text);
        prop_assert!(e.mentions.iter().all(|m| m.start < m.end));
    }
}

#[test]
fn extractor_is_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<EntityExtractor>();
}

#[test]
fn institution_names_are_not_persons() {
    let e =
        body("Director of the Second Asian Department of the Russian Foreign Ministry said so.");
    assert!(e.persons.is_empty(), "{:?}", e.persons);
    // A Korean given name one letter from a gazetteer person's is someone
    // else: `Kim Hong-kyun` is neither `Kim Jong Un` nor `Kim Yong-hyun`.
    let e = body("First Vice Foreign Minister Kim Hong-kyun will meet him.");
    assert!(
        !e.persons
            .iter()
            .any(|p| p == "Kim Jong Un" || p == "Kim Yong-hyun"),
        "{:?}",
        e.persons
    );
}
