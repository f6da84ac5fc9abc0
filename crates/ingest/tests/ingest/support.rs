//! Helpers: run an ingest and read its batches back as plain rows.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, RecordBatch};
use newsflow_core::batch::{str_column, str_list_column};
use newsflow_core::col;
use newsflow_core::schema::ingest_schema;
use newsflow_ingest::{Ingest, IngestConfig, InputFile};

/// One output row with every ingest column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Out {
    pub doc_id: String,
    pub source_path: String,
    pub content_hash: Option<String>,
    pub encoding: Option<String>,
    pub bytes: u64,
    pub text: Option<String>,
    pub meta_published: Option<String>,
    pub meta_url: Option<String>,
    pub meta_source: Option<String>,
    pub reject_reason: Option<String>,
    pub reject_detail: Option<String>,
    pub flags: Vec<String>,
}

impl Out {
    pub fn reason(&self) -> Option<&str> {
        self.reject_reason.as_deref()
    }

    pub fn detail(&self) -> &str {
        self.reject_detail.as_deref().unwrap_or("")
    }

    /// Checks the invariants every row satisfies.
    fn check(&self) {
        match &self.reject_reason {
            Some(_) => {
                assert!(self.text.is_none(), "reject with text: {self:?}");
                assert!(self.flags.is_empty(), "reject with flags: {self:?}");
                let detail = self.detail();
                assert!(
                    !detail.is_empty() && detail.ends_with('.'),
                    "reject detail is not a sentence: {self:?}"
                );
            }
            None => {
                assert!(self.text.is_some(), "document without text: {self:?}");
                assert!(
                    self.encoding.is_some(),
                    "document without encoding: {self:?}"
                );
                let hash = self.content_hash.as_deref().unwrap_or("");
                assert!(
                    hash.len() == 16
                        && hash
                            .bytes()
                            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                    "bad hash: {self:?}"
                );
            }
        }
        assert!(!self.doc_id.is_empty(), "empty doc id: {self:?}");
    }
}

/// xxh3-64 as the content_hash column writes it.
pub fn hex_hash(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

pub fn rows_of(batch: &RecordBatch) -> Vec<Out> {
    assert_eq!(batch.schema(), ingest_schema(), "batch schema");
    newsflow_core::validate_batch("test", batch, &ingest_schema()).unwrap();
    let s = |name| str_column("test", batch, name).unwrap();
    let (doc_id, source_path, content_hash, encoding, text) = (
        s(col::DOC_ID),
        s(col::SOURCE_PATH),
        s(col::CONTENT_HASH),
        s(col::ENCODING),
        s(col::TEXT),
    );
    let (published, url, source, reason, detail) = (
        s(col::META_PUBLISHED),
        s(col::META_URL),
        s(col::META_SOURCE),
        s(col::REJECT_REASON),
        s(col::REJECT_DETAIL),
    );
    let bytes = batch
        .column_by_name(col::BYTES)
        .unwrap()
        .as_primitive::<UInt64Type>();
    assert_eq!(bytes.null_count(), 0);
    let flags_col = batch.column_by_name(col::FLAGS).unwrap();
    assert_eq!(flags_col.null_count(), 0, "flags are never null");
    let flags = str_list_column("test", batch, col::FLAGS).unwrap();
    let own = |v: Option<&str>| v.map(str::to_string);
    (0..batch.num_rows())
        .map(|i| {
            let out = Out {
                doc_id: doc_id.get(i).expect("doc_id").to_string(),
                source_path: source_path.get(i).expect("source_path").to_string(),
                content_hash: own(content_hash.get(i)),
                encoding: own(encoding.get(i)),
                bytes: bytes.value(i),
                text: own(text.get(i)),
                meta_published: own(published.get(i)),
                meta_url: own(url.get(i)),
                meta_source: own(source.get(i)),
                reject_reason: own(reason.get(i)),
                reject_detail: own(detail.get(i)),
                flags: flags[i].clone(),
            };
            out.check();
            out
        })
        .collect()
}

/// Plans and reads `roots`, returning the plan, the batch sizes and the rows.
pub fn run_full(config: IngestConfig, roots: &[PathBuf]) -> (Vec<InputFile>, Vec<usize>, Vec<Out>) {
    let ingest = Ingest::new(config).expect("valid config");
    let plan = ingest.plan(roots).expect("plan");
    let mut sizes = Vec::new();
    let mut rows = Vec::new();
    for batch in ingest.batches(plan.clone()) {
        let batch = batch.expect("batch");
        sizes.push(batch.num_rows());
        rows.extend(rows_of(&batch));
    }
    let mut ids: Vec<_> = rows.iter().map(|r| r.doc_id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "doc ids are unique: {rows:#?}");
    (plan.iter().collect(), sizes, rows)
}

pub fn run(config: IngestConfig, roots: &[PathBuf]) -> Vec<Out> {
    run_full(config, roots).2
}

pub fn run_default(root: &Path) -> Vec<Out> {
    run(IngestConfig::default(), &[root.to_path_buf()])
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The single row produced from one file holding `bytes` named `name`.
pub fn single(name: &str, bytes: &[u8]) -> Out {
    single_with(IngestConfig::default(), name, bytes)
}

pub fn single_with(config: IngestConfig, name: &str, bytes: &[u8]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let rows = run(config, &[dir.path().to_path_buf()]);
    assert_eq!(rows.len(), 1, "{name}: {rows:#?}");
    rows.into_iter().next().unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

pub fn encode(text: &str, encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    let (bytes, _, errors) = encoding.encode(text);
    assert!(!errors);
    bytes.into_owned()
}
