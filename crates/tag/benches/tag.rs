//! Throughput of the taggers on a shipped sample (`cargo bench -p newsflow-tag`).

use newsflow_tag::linear::{LabelledDoc, LinearTagger, TrainOptions, train};
use newsflow_tag::{DocText, KeywordConfig, Taxonomy};

const SAMPLE: &str = include_str!("../../../seeds/004_5f7a1ccc220438bb.txt");

fn main() {
    divan::main();
}

fn doc() -> DocText<'static> {
    DocText {
        title: None,
        lede: None,
        body: SAMPLE,
    }
}

#[divan::bench]
fn load_builtin_taxonomy() -> Taxonomy {
    Taxonomy::builtin().unwrap()
}

#[divan::bench]
fn keyword_tag_document(bencher: divan::Bencher) {
    let tagger = KeywordConfig::default().build().unwrap();
    bencher.bench(|| tagger.tag(divan::black_box(&doc())));
}

#[divan::bench]
fn linear_tag_document(bencher: divan::Bencher) {
    let examples: Vec<LabelledDoc> = SAMPLE
        .split('\n')
        .filter(|p| !p.trim().is_empty())
        .enumerate()
        .map(|(i, p)| LabelledDoc {
            text: p.to_string(),
            topics: vec![if i % 2 == 0 { "even" } else { "odd" }.to_string()],
        })
        .collect();
    let model = train(&examples, &TrainOptions::default()).unwrap();
    let tagger = LinearTagger::new(model, 0.5);
    bencher.bench(|| tagger.tag(divan::black_box(&doc())));
}
