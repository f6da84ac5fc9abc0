//! Benchmarks of the normalize stage on a generated corpus of news-like
//! documents (English and Russian, with datelines, chrome, headings and
//! reposts). Run with `cargo bench -p newsflow-normalize`.

#[path = "../tests/common/mod.rs"]
mod common;

use arrow_array::RecordBatch;
use common::{Doc, ingest_batch};
use divan::{Bencher, black_box};
use newsflow_core::Stage;
use newsflow_normalize::boilerplate::LineStats;
use newsflow_normalize::dedup::Deduper;
use newsflow_normalize::{NormalizeConfig, Normalizer, clean_text};

fn main() {
    divan::main();
}

const WORDS: &[&str] = &[
    "security",
    "dialogue",
    "ministers",
    "region",
    "cooperation",
    "talks",
    "peninsula",
    "treaty",
    "sanctions",
    "defence",
    "consultations",
    "agreement",
    "visit",
    "summit",
    "format",
    "issues",
];
const RU_WORDS: &[&str] = &[
    "безопасность",
    "диалог",
    "министры",
    "регион",
    "сотрудничество",
    "переговоры",
    "договор",
    "санкции",
    "оборона",
    "консультации",
    "соглашение",
    "визит",
    "саммит",
    "формат",
];

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }

    fn sentence(&mut self, words: &[&str], len: usize) -> String {
        let mut s: Vec<&str> = (0..len).map(|_| words[self.next() % words.len()]).collect();
        s[0] = if words == RU_WORDS {
            "Министры"
        } else {
            "The"
        };
        format!("{}.", s.join(" "))
    }
}

fn document(i: usize, rng: &mut Rng) -> String {
    let russian = i.is_multiple_of(3);
    let words = if russian { RU_WORDS } else { WORDS };
    let paragraphs: Vec<String> = (0..8)
        .map(|_| {
            (0..3)
                .map(|_| {
                    let len = 12 + rng.next() % 10;
                    rng.sentence(words, len)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let (title, dateline, chrome) = if russian {
        (
            "Россия и Япония обсудили вопросы безопасности",
            "МОСКВА, 15 марта. /ТАСС/. ",
            "Все новости\n\nПоделиться",
        )
    } else {
        (
            "Moscow, Tokyo agree to continue security dialogue",
            "TOKYO, November 2 (Itar-Tass) - ",
            "All news\nUpdated at:\u{a0}",
        )
    };
    format!(
        "{chrome}\n\n{title}\n\n{dateline}{}\n\nDialogue on the Korean Peninsula\n\n{}\n\nShowing 1 result.",
        paragraphs[0],
        paragraphs[1..].join("\n\n")
    )
}

fn corpus(n: usize) -> RecordBatch {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let docs: Vec<Doc> = (0..n)
        .map(|i| {
            // Every tenth document reposts an earlier one.
            let seed = if i % 10 == 9 { i - 5 } else { i };
            let mut local = Rng(rng.next() as u64 | 1);
            let text = if seed == i {
                document(i, &mut local)
            } else {
                document(seed, &mut Rng(seed as u64 + 1))
            };
            Doc::new(
                &format!("doc{i:05}"),
                &format!("src{}/doc{i}.txt", i % 4),
                &text,
            )
        })
        .collect();
    ingest_batch(&docs)
}

fn stage() -> Normalizer {
    NormalizeConfig::default().build().expect("stage builds")
}

#[divan::bench(args = [32, 128])]
fn process_batch(bencher: Bencher, docs: usize) {
    let stage = stage();
    let batch = corpus(docs);
    bencher
        .counter(divan::counter::ItemsCount::new(docs))
        .bench(|| stage.process(black_box(batch.clone())).expect("process"));
}

#[divan::bench]
fn clean_one_document(bencher: Bencher) {
    let text = document(1, &mut Rng(7));
    bencher.bench(|| clean_text(black_box(&text)));
}

#[divan::bench(args = [128])]
fn line_stats_pass(bencher: Bencher, docs: usize) {
    let batch = corpus(docs);
    bencher
        .counter(divan::counter::ItemsCount::new(docs))
        .bench(|| {
            let mut stats = LineStats::new();
            stats.observe(black_box(&batch)).expect("observe");
            stats.finish(&NormalizeConfig::default())
        });
}

#[divan::bench(args = [128])]
fn dedup_pass(bencher: Bencher, docs: usize) {
    let normalized = stage().process(corpus(docs)).expect("process");
    let cfg = NormalizeConfig::default();
    bencher
        .counter(divan::counter::ItemsCount::new(docs))
        .bench(|| {
            let mut deduper = Deduper::new(&cfg);
            deduper.observe(black_box(&normalized)).expect("observe");
            deduper.finish()
        });
}
