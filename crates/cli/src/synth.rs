//! `newsflow gen`: a deterministic generator of corpora shaped like scraped
//! news, for benchmarks and scale tests. The same seed and count always give
//! the same files, byte for byte.
//!
//! Each document has a headline, often a standfirst, a dateline in one of
//! several wire house styles, paragraphs built from sentence templates about
//! diplomacy and security, and page noise (site chrome, teasers, headline
//! lists, share buttons). About 5% are Russian, about 3% exact reposts and 3%
//! near-duplicates of an earlier document, a few are Windows-1251 encoded,
//! empty or binary, and sizes have a long tail up to a few megabytes.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Output format of the generated corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenFormat {
    /// One `.txt` file per document, in subdirectories of 1,000.
    Txt,
    /// JSONL files of 10,000 lines each.
    Jsonl,
}

/// SplitMix64: small, fast and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PEOPLE_EN: &[&str] = &[
    "Russian Foreign Minister Sergey Lavrov",
    "Japanese Foreign Minister Taro Kono",
    "Defence Minister Sergei Shoigu",
    "Prime Minister Shinzo Abe",
    "President Vladimir Putin",
    "Chinese Foreign Minister Wang Yi",
    "US Secretary of State Mike Pompeo",
    "Foreign Ministry spokeswoman Maria Zakharova",
    "Kremlin spokesman Dmitry Peskov",
    "Security Council Secretary Nikolai Patrushev",
];
const PLACES_EN: &[&str] = &[
    "the Asia-Pacific region",
    "the Korean Peninsula",
    "the southern Kuril Islands",
    "Northeast Asia",
    "the Gulf of Aden",
    "Central Asia",
    "the Middle East",
];
const SUBJECTS_EN: &[&str] = &[
    "the deployment of missile defence systems",
    "the denuclearization of the Korean Peninsula",
    "a peace treaty and the territorial issue",
    "joint exercises of the two navies",
    "cooperation against terrorism and drug trafficking",
    "sanctions imposed by the UN Security Council",
    "security in outer space",
    "international information security",
    "joint economic activity on the islands",
    "the settlement of the crisis in Syria",
    "humanitarian aid after the earthquake",
    "the work of the East Asia Summit and ASEAN",
];
const VERBS_EN: &[&str] = &[
    "discussed",
    "raised the issue of",
    "expressed concern over",
    "stressed the importance of",
    "proposed talks on",
    "noted progress in",
];
const CITIES: &[(&str, &str)] = &[
    ("MOSCOW", "МОСКВА"),
    ("TOKYO", "ТОКИО"),
    ("BEIJING", "ПЕКИН"),
    ("WASHINGTON", "ВАШИНГТОН"),
    ("SEOUL", "СЕУЛ"),
    ("VLADIVOSTOK", "ВЛАДИВОСТОК"),
];
const MONTHS_EN: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_RU: &[&str] = &[
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const SENTENCES_RU: &[&str] = &[
    "Министр иностранных дел России Сергей Лавров провел переговоры с японским коллегой.",
    "Стороны обсудили ситуацию на Корейском полуострове и ракетную программу КНДР.",
    "Особое внимание было уделено борьбе с терроризмом и незаконным оборотом наркотиков.",
    "Москва выступает против размещения элементов глобальной системы ПРО США в Японии.",
    "Стороны договорились продолжить диалог в формате два плюс два.",
    "Секретарь Совета безопасности Николай Патрушев встретился с японской делегацией.",
    "Речь также шла о совместной хозяйственной деятельности на южных Курилах.",
];
const NOISE: &[&str] = &[
    "All news",
    "Updated at:\u{a0}",
    "Share on Facebook",
    "Print version",
    "Advanced settings",
    "Showing 1 result.",
    "{{element.title}}",
    "Photo: Sergei Bobylev/TASS",
    "  • en-GB1 ru-RU1",
];

fn english(rng: &mut Rng, id: usize) -> String {
    let mut doc = String::new();
    if rng.chance(60) {
        doc.push_str(rng.pick(NOISE));
        doc.push_str("\n\n");
    }
    let subject = rng.pick(SUBJECTS_EN);
    doc.push_str(&format!(
        "{} {} {}\n\n",
        rng.pick(PEOPLE_EN),
        rng.pick(VERBS_EN),
        subject
    ));
    if rng.chance(50) {
        doc.push_str(&format!(
            "The talks focused on {} in {}, officials said\n\n",
            subject,
            rng.pick(PLACES_EN)
        ));
    }
    let (city, _) = CITIES[rng.below(CITIES.len())];
    let month = rng.pick(MONTHS_EN);
    let day = 1 + rng.below(28);
    let dateline = match rng.below(4) {
        0 => format!("{city}, {month} {day}. /TASS/. "),
        1 => format!("{city}, {month} {day} (Itar-Tass) - "),
        2 => format!("{city}, {month} {day} (Reuters) - "),
        _ => format!("{city}, {month} {day}. /Corr. TASS Ivan Petrov/. "),
    };
    doc.push_str(&dateline);
    // Long tail: most documents have 3-12 paragraphs, a few have thousands.
    let paragraphs = match rng.below(1000) {
        0 => 8000 + rng.below(4000),
        1..=9 => 200 + rng.below(300),
        _ => 3 + rng.below(10),
    };
    for p in 0..paragraphs {
        for _ in 0..2 + rng.below(3) {
            doc.push_str(&format!(
                "{} {} {} in {}. ",
                rng.pick(PEOPLE_EN),
                rng.pick(VERBS_EN),
                rng.pick(SUBJECTS_EN),
                rng.pick(PLACES_EN)
            ));
        }
        doc.push_str(&format!("(ref {id}-{p})\n\n"));
    }
    if rng.chance(40) {
        doc.push_str("Go to Interview\n");
    }
    doc
}

fn russian(rng: &mut Rng, id: usize) -> String {
    let (_, city) = CITIES[rng.below(CITIES.len())];
    let month = rng.pick(MONTHS_RU);
    let day = 1 + rng.below(28);
    let mut doc = format!("{city}, {day} {month}. /ТАСС/. ");
    for p in 0..3 + rng.below(8) {
        for _ in 0..2 + rng.below(3) {
            doc.push_str(rng.pick(SENTENCES_RU));
            doc.push(' ');
        }
        doc.push_str(&format!("({id}-{p})\n\n"));
    }
    doc
}

/// A near-duplicate: the same text with one paragraph changed.
fn near_copy(rng: &mut Rng, text: &str) -> String {
    let mut paragraphs: Vec<String> = text.split("\n\n").map(str::to_string).collect();
    let i = rng.below(paragraphs.len());
    paragraphs[i].push_str(" The ministry later confirmed the report.");
    paragraphs.join("\n\n")
}

/// One generated input: its file stem and raw bytes.
struct Item {
    stem: String,
    bytes: Vec<u8>,
}

fn item(rng: &mut Rng, id: usize, recent: &mut Vec<String>) -> Item {
    let stem = format!("doc{id:08}");
    let roll = rng.below(1000);
    let is_russian = (60..110).contains(&roll);
    let text = match roll {
        0..=29 if !recent.is_empty() => recent[rng.below(recent.len())].clone(),
        30..=59 if !recent.is_empty() => {
            let source = recent[rng.below(recent.len())].clone();
            near_copy(rng, &source)
        }
        _ if is_russian => russian(rng, id),
        _ => english(rng, id),
    };
    if recent.len() < 64 {
        recent.push(text.clone());
    } else {
        let slot = rng.below(64);
        recent[slot] = text.clone();
    }
    // Broken inputs at fixed places: 0.2% empty, 0.2% binary.
    let bytes = match id % 500 {
        499 => Vec::new(),
        250 => vec![0x89, b'P', b'N', b'G', 0, 0, 0, 13],
        _ if is_russian && rng.chance(20) => encoding_rs::WINDOWS_1251.encode(&text).0.into_owned(),
        _ => text.into_bytes(),
    };
    Item { stem, bytes }
}

/// Writes `count` documents generated from `seed` under `out`.
pub fn generate(out: &Path, count: usize, seed: u64, format: GenFormat) -> Result<u64> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut rng = Rng(seed);
    let mut recent = Vec::new();
    let mut total = 0u64;
    match format {
        GenFormat::Txt => {
            for id in 0..count {
                let item = item(&mut rng, id, &mut recent);
                let dir = out.join(format!("part{:04}", id / 1000));
                if id % 1000 == 0 {
                    fs::create_dir_all(&dir)?;
                }
                let path = dir.join(format!("{}.txt", item.stem));
                fs::write(&path, &item.bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                total += item.bytes.len() as u64;
            }
        }
        GenFormat::Jsonl => {
            let mut file = None;
            for id in 0..count {
                if id % 10_000 == 0 {
                    let path = out.join(format!("part{:04}.jsonl", id / 10_000));
                    file = Some(std::io::BufWriter::new(
                        fs::File::create(&path)
                            .with_context(|| format!("cannot write {}", path.display()))?,
                    ));
                }
                let item = item(&mut rng, id, &mut recent);
                let text = String::from_utf8_lossy(&item.bytes);
                let line = serde_json::json!({"id": item.stem, "text": text});
                let w = file.as_mut().expect("file opened at id 0");
                writeln!(w, "{line}")?;
                total += item.bytes.len() as u64;
            }
            if let Some(mut w) = file {
                w.flush()?;
            }
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_corpus_other_seed_other_corpus() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let c = tempfile::tempdir().unwrap();
        let size_a = generate(a.path(), 300, 7, GenFormat::Jsonl).unwrap();
        let size_b = generate(b.path(), 300, 7, GenFormat::Jsonl).unwrap();
        generate(c.path(), 300, 8, GenFormat::Jsonl).unwrap();
        assert_eq!(size_a, size_b);
        let read = |d: &Path| fs::read(d.join("part0000.jsonl")).unwrap();
        assert_eq!(read(a.path()), read(b.path()));
        assert_ne!(read(a.path()), read(c.path()));
    }

    #[test]
    fn corpus_has_russian_duplicates_and_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), 2000, 1, GenFormat::Txt).unwrap();
        let mut texts = Vec::new();
        let mut empty = 0;
        let mut binary = 0;
        let mut cp1251 = 0;
        for part in fs::read_dir(dir.path()).unwrap() {
            for f in fs::read_dir(part.unwrap().path()).unwrap() {
                let bytes = fs::read(f.unwrap().path()).unwrap();
                match std::str::from_utf8(&bytes) {
                    _ if bytes.is_empty() => empty += 1,
                    _ if bytes.contains(&0) => binary += 1,
                    Ok(t) => texts.push(t.to_string()),
                    Err(_) => cp1251 += 1,
                }
            }
        }
        assert!(empty > 0 && binary > 0 && cp1251 > 0);
        let russian = texts.iter().filter(|t| t.contains("/ТАСС/")).count();
        assert!(russian > 40 && russian < 200, "{russian} Russian documents");
        let mut sorted = texts.clone();
        sorted.sort();
        sorted.dedup();
        assert!(sorted.len() < texts.len(), "no exact duplicates");
    }
}
