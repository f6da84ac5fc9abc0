//! Exact and near-duplicate clusters over cleaned bodies.
//!
//! The runner feeds every normalized batch to [`Deduper::observe`], calls
//! [`Deduper::finish`] once, and rewrites each batch with
//! [`Clusters::apply`]. No document is dropped: duplicates get
//! `dup_cluster` = the representative's `doc_id` (the smallest `doc_id` of
//! the cluster) and `dup_kind` = `exact` (the same cleaned body as a
//! smaller `doc_id` of the cluster) or `near` (estimated word 5-shingle
//! Jaccard similarity at least `near_dup_threshold`, directly or through a
//! chain of such pairs). The representative, and every document without
//! duplicates, stays `unique` with itself as cluster.
//!
//! # Method
//!
//! Each body is split into lower-cased words; each run of 5 words (a
//! shingle; the whole text when shorter) is hashed with xxh3 under a fixed
//! seed, and a MinHash signature keeps, for each of the
//! `minhash_permutations` hash functions, the minimum over the shingles.
//! The functions are derived from two hashes of the shingle, `h1 + i·h2`
//! (double hashing), so a shingle costs one multiply-add per function. Signatures are cut into `lsh_bands` bands;
//! documents sharing a band are candidates, verified by comparing whole
//! signatures. Within one band bucket a document is compared with at most
//! [`MAX_LEADERS`] earlier, mutually dissimilar documents, so the work is
//! linear in the corpus even when thousands of copies share a bucket.
//! Candidates are processed in `doc_id` order, so the clusters do not
//! depend on the order batches were observed in.
//!
//! # Memory
//!
//! Signatures are kept flat, with no allocation per document: the
//! `doc_id` bytes (in one shared string, plus an 8-byte end offset), an
//! 8-byte body hash and the signature as the low 16 bits of each minimum
//! (b-bit MinHash): `2 × minhash_permutations` bytes, 256 by default. Two
//! different minima agree on their low 16 bits by chance once in 65,536, so
//! the similarity estimate moves by less than 0.002 %. In all about 300
//! bytes per document at the default settings: about 60 MB per 200,000
//! documents, 0.6 GB for 2 million. [`Deduper::finish`] adds 4 bytes per
//! document for the `doc_id` order and about 40 for the band index of one
//! band at a time. [`Clusters`] keeps only the duplicates (not the unique
//! documents).

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use newsflow_core::Result;
use newsflow_core::batch::{str_column, with_columns};
use newsflow_core::schema::col;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::NormalizeConfig;

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 5;
/// Most documents a new document is compared with in one band bucket.
pub const MAX_LEADERS: usize = 8;
/// Seed of the shingle hash.
const SHINGLE_SEED: u64 = 0x6e65_7773_666c_6f77; // "newsflow"

/// `dup_kind` of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DupKind {
    /// No duplicate, or the cluster's representative.
    Unique,
    /// Same cleaned body as a smaller `doc_id` in the cluster.
    Exact,
    /// Similar body.
    Near,
}

impl DupKind {
    /// The `dup_kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            DupKind::Unique => "unique",
            DupKind::Exact => "exact",
            DupKind::Near => "near",
        }
    }
}

/// Collects body signatures of normalized batches.
#[derive(Debug)]
pub struct Deduper {
    threshold: f64,
    bands: usize,
    permutations: usize,
    /// Every `doc_id`, one after the other.
    ids: String,
    /// End of each document's id in `ids`.
    id_ends: Vec<usize>,
    /// Hash of each body (exact duplicates).
    exact: Vec<u64>,
    /// `permutations` values per document.
    signatures: Vec<u16>,
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Deduper {
    /// A deduper with the configured threshold and signature shape (both
    /// validated by [`NormalizeConfig::build`]; out-of-range values are
    /// clamped here).
    pub fn new(cfg: &NormalizeConfig) -> Self {
        let permutations = cfg.minhash_permutations.max(1);
        let bands = cfg.lsh_bands.clamp(1, permutations);
        let permutations = permutations - permutations % bands;
        Deduper {
            threshold: cfg.near_dup_threshold.clamp(0.0, 1.0),
            bands,
            permutations,
            ids: String::new(),
            id_ends: Vec::new(),
            exact: Vec::new(),
            signatures: Vec::new(),
        }
    }

    /// Takes over the signatures `other` collected (built with the same
    /// settings), so batches can be signed in parallel, each into its own
    /// deduper; the clusters do not depend on the order of merging.
    pub fn merge(&mut self, other: Deduper) {
        let base = self.ids.len();
        self.ids.push_str(&other.ids);
        self.id_ends
            .extend(other.id_ends.iter().map(|end| base + end));
        self.exact.extend(other.exact);
        self.signatures.extend(other.signatures);
    }

    /// Signs the bodies of a normalized batch (rows with a null body, i.e.
    /// rejects, and empty bodies are skipped: they stay unique).
    pub fn observe(&mut self, batch: &RecordBatch) -> Result<()> {
        let ids = str_column("dedup", batch, col::DOC_ID)?;
        let bodies = str_column("dedup", batch, col::BODY)?;
        let mut minima = vec![u32::MAX; self.permutations];
        let mut words: Vec<u64> = Vec::new();
        for row in 0..batch.num_rows() {
            let (Some(id), Some(body)) = (ids.get(row), bodies.get(row)) else {
                continue;
            };
            if self.signature(body, &mut words, &mut minima) {
                self.push(
                    id,
                    xxh3_64(body.as_bytes()),
                    minima.iter().map(|&m| m as u16),
                );
            }
        }
        Ok(())
    }

    fn push(&mut self, doc_id: &str, exact: u64, signature: impl Iterator<Item = u16>) {
        self.ids.push_str(doc_id);
        self.id_ends.push(self.ids.len());
        self.exact.push(exact);
        self.signatures.extend(signature);
    }

    fn doc_id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        &self.ids[start..self.id_ends[i]]
    }

    fn signature_of(&self, i: usize) -> &[u16] {
        &self.signatures[i * self.permutations..(i + 1) * self.permutations]
    }

    /// MinHash minima of a body into `minima` (`words` is scratch space);
    /// false when the body has no words.
    fn signature(&self, body: &str, words: &mut Vec<u64>, minima: &mut [u32]) -> bool {
        let mut word = String::new();
        words.clear();
        for w in body
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            word.clear();
            word.extend(w.chars().flat_map(char::to_lowercase));
            words.push(xxh3_64(word.as_bytes()));
        }
        if words.is_empty() {
            return false;
        }
        minima.fill(u32::MAX);
        let width = SHINGLE_WORDS.min(words.len());
        let mut bytes = [0u8; 8 * SHINGLE_WORDS];
        for shingle in words.windows(width) {
            for (slot, h) in bytes.chunks_exact_mut(8).zip(shingle) {
                slot.copy_from_slice(&h.to_le_bytes());
            }
            let h = xxh3_64_with_seed(&bytes[..8 * width], SHINGLE_SEED);
            let h2 = splitmix64(h) | 1;
            let mut v = h;
            for min in minima.iter_mut() {
                *min = (*min).min((v >> 32) as u32);
                v = v.wrapping_add(h2);
            }
        }
        true
    }

    /// Number of documents signed.
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    /// True when no document was signed.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Builds the clusters.
    pub fn finish(self) -> Clusters {
        // Documents in `doc_id` order; position `i` below is a place in it.
        let mut order: Vec<u32> = (0..self.len())
            .map(|i| u32::try_from(i).expect("fewer than 2^32 documents"))
            .collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            self.doc_id(a)
                .cmp(self.doc_id(b))
                .then(self.exact[a].cmp(&self.exact[b]))
                .then_with(|| self.signature_of(a).cmp(self.signature_of(b)))
        });
        let doc = |i: usize| order[i] as usize;
        let n = order.len();
        let mut sets = UnionFind::new(n);
        // Exact duplicates.
        let mut first_with_hash: FxHashMap<u64, usize> =
            FxHashMap::with_capacity_and_hasher(n, Default::default());
        for i in 0..n {
            match first_with_hash.get(&self.exact[doc(i)]) {
                Some(&j) => sets.union(i, j),
                None => {
                    first_with_hash.insert(self.exact[doc(i)], i);
                }
            }
        }
        drop(first_with_hash);
        // Near duplicates, one band at a time.
        let rows = self.permutations / self.bands;
        let mut key_bytes = Vec::with_capacity(rows * 2);
        for band in 0..self.bands {
            let mut buckets: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
            for i in 0..n {
                let part = &self.signature_of(doc(i))[band * rows..(band + 1) * rows];
                key_bytes.clear();
                for v in part {
                    key_bytes.extend_from_slice(&v.to_le_bytes());
                }
                let leaders = buckets.entry(xxh3_64(&key_bytes)).or_default();
                let mut matched = false;
                for &j in leaders.iter() {
                    if sets.find(i) == sets.find(j)
                        || similarity(self.signature_of(doc(i)), self.signature_of(doc(j)))
                            >= self.threshold
                    {
                        sets.union(i, j);
                        matched = true;
                        break;
                    }
                }
                if !matched && leaders.len() < MAX_LEADERS {
                    leaders.push(i);
                }
            }
        }
        // Representatives (smallest position = smallest doc_id) and kinds.
        let mut rep_of_root: FxHashMap<usize, usize> = FxHashMap::default();
        for i in 0..n {
            rep_of_root.entry(sets.find(i)).or_insert(i);
        }
        let mut seen_exact: FxHashMap<(usize, u64), usize> = FxHashMap::default();
        let mut assignments = HashMap::new();
        for i in 0..n {
            let root = sets.find(i);
            let rep = rep_of_root[&root];
            let exact = self.exact[doc(i)];
            let earlier_same = seen_exact.contains_key(&(root, exact));
            seen_exact.entry((root, exact)).or_insert(i);
            if rep == i {
                continue;
            }
            let kind = if earlier_same {
                DupKind::Exact
            } else {
                DupKind::Near
            };
            assignments.insert(
                self.doc_id(doc(i)).to_string(),
                (self.doc_id(doc(rep)).to_string(), kind),
            );
        }
        tracing::debug!(
            documents = n,
            duplicates = assignments.len(),
            "duplicate clusters built"
        );
        Clusters { assignments }
    }
}

/// Fraction of equal signature positions: the MinHash estimate of the
/// Jaccard similarity of the shingle sets.
fn similarity(a: &[u16], b: &[u16]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index becomes the root: deterministic shape.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

/// Duplicate assignments: `doc_id` -> (representative, kind), for the
/// duplicates only.
#[derive(Debug, Default, Clone)]
pub struct Clusters {
    assignments: HashMap<String, (String, DupKind)>,
}

impl Clusters {
    /// Number of documents that are duplicates of another.
    pub fn duplicates(&self) -> usize {
        self.assignments.len()
    }

    /// Cluster representative and kind of `doc_id`; `None` for a unique
    /// document (its own cluster).
    pub fn get(&self, doc_id: &str) -> Option<(&str, DupKind)> {
        self.assignments
            .get(doc_id)
            .map(|(rep, kind)| (rep.as_str(), *kind))
    }

    /// Rewrites `dup_cluster` and `dup_kind` of a normalized batch. Rows
    /// that are not duplicates (and reject rows) keep their values.
    pub fn apply(&self, batch: RecordBatch) -> Result<RecordBatch> {
        if self.assignments.is_empty() {
            return Ok(batch);
        }
        let ids = str_column("dedup", &batch, col::DOC_ID)?;
        let clusters = str_column("dedup", &batch, col::DUP_CLUSTER)?;
        let kinds = str_column("dedup", &batch, col::DUP_KIND)?;
        let mut any = false;
        let mut new_clusters = Vec::with_capacity(batch.num_rows());
        let mut new_kinds = Vec::with_capacity(batch.num_rows());
        for row in 0..batch.num_rows() {
            match ids.get(row).and_then(|id| self.get(id)) {
                Some((rep, kind)) if clusters.get(row).is_some() => {
                    any = true;
                    new_clusters.push(Some(rep));
                    new_kinds.push(Some(kind.as_str()));
                }
                _ => {
                    new_clusters.push(clusters.get(row));
                    new_kinds.push(kinds.get(row));
                }
            }
        }
        if !any {
            return Ok(batch);
        }
        let schema = batch.schema();
        with_columns(
            "dedup",
            &batch,
            schema,
            vec![
                (
                    col::DUP_CLUSTER,
                    Arc::new(StringArray::from(new_clusters)) as ArrayRef,
                ),
                (
                    col::DUP_KIND,
                    Arc::new(StringArray::from(new_kinds)) as ArrayRef,
                ),
            ],
        )
    }
}

// ---------------------------------------------------------------------------
/// Wire format for map/merge across processes (Ray workers, shard jobs):
/// each process signs its part of the corpus and sends
/// [`Deduper::to_bytes`]; one process merges the decoded parts with
/// [`Deduper::merge`], calls [`Deduper::finish`] and sends the result back
/// as [`Clusters::to_bytes`].
///
/// Layout, little-endian: the magic `NFDD`, a `u32` version (2), the
/// settings (`f64` threshold, `u32` bands, `u32` permutations), a `u64`
/// document count, then per document a `u32` id length, the UTF-8 id, the
/// `u64` body hash and the signature (`u16` × permutations): about
/// `2 × permutations + 12` bytes plus the id per document.
impl Deduper {
    const WIRE_MAGIC: &'static [u8; 4] = b"NFDD";
    const WIRE_VERSION: u32 = 2;

    /// The collected signatures in the wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let per_doc = 16 + 2 * self.permutations;
        let mut out = Vec::with_capacity(32 + self.ids.len() + self.len() * per_doc);
        out.extend_from_slice(Self::WIRE_MAGIC);
        out.extend_from_slice(&Self::WIRE_VERSION.to_le_bytes());
        out.extend_from_slice(&self.threshold.to_le_bytes());
        out.extend_from_slice(&(self.bands as u32).to_le_bytes());
        out.extend_from_slice(&(self.permutations as u32).to_le_bytes());
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for i in 0..self.len() {
            let id = self.doc_id(i);
            out.extend_from_slice(&(id.len() as u32).to_le_bytes());
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(&self.exact[i].to_le_bytes());
            for v in self.signature_of(i) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Decodes [`Deduper::to_bytes`]. Anything else (another magic or
    /// version, impossible settings, a truncated or overlong buffer, an id
    /// that is not UTF-8) is an [`std::io::ErrorKind::InvalidData`] error
    /// saying what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> std::io::Result<Self> {
        let mut rest = bytes;
        Deduper::wire_header(
            &mut rest,
            Self::WIRE_MAGIC,
            Self::WIRE_VERSION,
            "signatures",
        )?;
        let threshold = f64::from_le_bytes(Deduper::wire_array(&mut rest, "threshold")?);
        let bands = u32::from_le_bytes(Deduper::wire_array(&mut rest, "band count")?) as usize;
        let permutations =
            u32::from_le_bytes(Deduper::wire_array(&mut rest, "permutations")?) as usize;
        if !(0.0..=1.0).contains(&threshold)
            || bands == 0
            || permutations == 0
            || bands > permutations
            || !permutations.is_multiple_of(bands)
        {
            return Err(Deduper::wire_error(format!(
                "impossible signature settings: threshold {threshold}, {bands} bands, {permutations} permutations"
            )));
        }
        let count = u64::from_le_bytes(Deduper::wire_array(&mut rest, "document count")?);
        let per_doc = 12 + 2 * permutations as u64;
        if count > rest.len() as u64 / per_doc {
            return Err(Deduper::wire_error(format!(
                "{count} signatures announced in {} bytes",
                rest.len()
            )));
        }
        let mut deduper = Deduper {
            threshold,
            bands,
            permutations,
            ids: String::new(),
            id_ends: Vec::with_capacity(count as usize),
            exact: Vec::with_capacity(count as usize),
            signatures: Vec::with_capacity(count as usize * permutations),
        };
        for _ in 0..count {
            let len = u32::from_le_bytes(Deduper::wire_array(&mut rest, "id length")?) as usize;
            let id = Deduper::wire_take(&mut rest, len, "document id")?;
            let doc_id = std::str::from_utf8(id)
                .map_err(|_| Deduper::wire_error("a document id is not UTF-8".into()))?;
            let exact = u64::from_le_bytes(Deduper::wire_array(&mut rest, "body hash")?);
            let raw = Deduper::wire_take(&mut rest, 2 * permutations, "signature")?;
            let signature = raw
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes(c.try_into().expect("2 bytes")));
            deduper.push(doc_id, exact, signature);
        }
        Deduper::wire_end(rest, "signatures")?;
        Ok(deduper)
    }

    /// True when `other` was built with the same threshold and signature
    /// shape, so that [`Deduper::merge`] of the two is meaningful.
    pub fn same_settings(&self, other: &Deduper) -> bool {
        self.threshold.to_bits() == other.threshold.to_bits()
            && self.bands == other.bands
            && self.permutations == other.permutations
    }

    fn wire_error(problem: String) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, problem)
    }

    fn wire_take<'a>(rest: &mut &'a [u8], n: usize, what: &str) -> std::io::Result<&'a [u8]> {
        if rest.len() < n {
            return Err(Self::wire_error(format!("the data ends inside the {what}")));
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }

    fn wire_array<const N: usize>(rest: &mut &[u8], what: &str) -> std::io::Result<[u8; N]> {
        Ok(Self::wire_take(rest, N, what)?
            .try_into()
            .expect("took N bytes"))
    }

    fn wire_header(
        rest: &mut &[u8],
        magic: &[u8; 4],
        version: u32,
        what: &str,
    ) -> std::io::Result<()> {
        let header = Self::wire_take(rest, 8, "header")?;
        if &header[..4] != magic {
            return Err(Self::wire_error(format!("not {what} (bad magic)")));
        }
        let found = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
        if found != version {
            return Err(Self::wire_error(format!(
                "{what} version {found}, this program reads version {version}"
            )));
        }
        Ok(())
    }

    fn wire_end(rest: &[u8], what: &str) -> std::io::Result<()> {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(Self::wire_error(format!(
                "{} bytes after the end of the {what}",
                rest.len()
            )))
        }
    }
}

/// Wire format of [`Clusters`] (see [`Deduper::to_bytes`]): the magic
/// `NFCL`, a `u32` version (1), a `u64` count, then per duplicate in
/// ascending `doc_id` order the `u32` length and UTF-8 bytes of its id, the
/// same for its representative, and a `u8` kind (1 exact, 2 near). Equal
/// clusters give equal bytes.
impl Clusters {
    const WIRE_MAGIC: &'static [u8; 4] = b"NFCL";
    const WIRE_VERSION: u32 = 1;

    /// The assignments in the wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut rows: Vec<_> = self.assignments.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::with_capacity(16 + rows.len() * 40);
        out.extend_from_slice(Self::WIRE_MAGIC);
        out.extend_from_slice(&Self::WIRE_VERSION.to_le_bytes());
        out.extend_from_slice(&(rows.len() as u64).to_le_bytes());
        for (id, (rep, kind)) in rows {
            for s in [id, rep] {
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            out.push(match kind {
                DupKind::Exact => 1,
                DupKind::Near => 2,
                DupKind::Unique => 0,
            });
        }
        out
    }

    /// Decodes [`Clusters::to_bytes`]; damaged input is an
    /// [`std::io::ErrorKind::InvalidData`] error saying what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> std::io::Result<Self> {
        let mut rest = bytes;
        Deduper::wire_header(&mut rest, Self::WIRE_MAGIC, Self::WIRE_VERSION, "clusters")?;
        let count = u64::from_le_bytes(Deduper::wire_array(&mut rest, "count")?);
        if count > rest.len() as u64 / 9 {
            return Err(Deduper::wire_error(format!(
                "{count} duplicates announced in {} bytes",
                rest.len()
            )));
        }
        let mut assignments = HashMap::with_capacity(count as usize);
        for _ in 0..count {
            let mut text = || -> std::io::Result<String> {
                let len = u32::from_le_bytes(Deduper::wire_array(&mut rest, "id length")?) as usize;
                let raw = Deduper::wire_take(&mut rest, len, "document id")?;
                std::str::from_utf8(raw)
                    .map(str::to_string)
                    .map_err(|_| Deduper::wire_error("a document id is not UTF-8".into()))
            };
            let (id, rep) = (text()?, text()?);
            let kind = match Deduper::wire_array::<1>(&mut rest, "kind")?[0] {
                1 => DupKind::Exact,
                2 => DupKind::Near,
                other => {
                    return Err(Deduper::wire_error(format!(
                        "unknown duplicate kind {other}"
                    )));
                }
            };
            if assignments.insert(id, (rep, kind)).is_some() {
                return Err(Deduper::wire_error("a document is listed twice".into()));
            }
        }
        Deduper::wire_end(rest, "clusters")?;
        Ok(Clusters { assignments })
    }
}
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field, Schema};

    fn batch(rows: &[(&str, Option<&str>)]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new(col::DOC_ID, DataType::Utf8, true),
            Field::new(col::BODY, DataType::Utf8, true),
            Field::new(col::DUP_CLUSTER, DataType::Utf8, true),
            Field::new(col::DUP_KIND, DataType::Utf8, true),
        ]));
        let ids: StringArray = rows.iter().map(|r| Some(r.0)).collect();
        let bodies: StringArray = rows.iter().map(|r| r.1).collect();
        let clusters: StringArray = rows.iter().map(|r| r.1.map(|_| r.0)).collect();
        let kinds: StringArray = rows.iter().map(|r| r.1.map(|_| "unique")).collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(ids),
                Arc::new(bodies),
                Arc::new(clusters),
                Arc::new(kinds),
            ],
        )
        .unwrap()
    }

    fn story(seed: usize, words: usize) -> String {
        (0..words)
            .map(|i| format!("w{}", (i * 7919 + seed * 104_729) % 5003))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn cluster_table(clusters: &Clusters, ids: &[&str]) -> Vec<(String, String, &'static str)> {
        ids.iter()
            .map(|id| match clusters.get(id) {
                Some((rep, kind)) => (id.to_string(), rep.to_string(), kind.as_str()),
                None => (id.to_string(), id.to_string(), "unique"),
            })
            .collect()
    }

    #[test]
    fn exact_near_and_unique() {
        let base = story(1, 300);
        let mut edited: Vec<&str> = base.split(' ').collect();
        edited[150] = "changed";
        let near = edited.join(" ");
        let other = story(2, 300);
        let rows = [
            ("d", Some(base.as_str())),
            ("b", Some(near.as_str())),
            ("c", Some(other.as_str())),
            ("a", Some(base.as_str())),
            ("e", None),
            ("f", Some("")),
            ("g", Some("")),
        ];
        let cfg = NormalizeConfig::default();
        let ids = ["a", "b", "c", "d", "e", "f", "g"];
        let mut tables = Vec::new();
        // Whatever the batch split and order, the result is the same.
        for split in [1, 3, 7] {
            for reverse in [false, true] {
                let mut rows = rows.to_vec();
                if reverse {
                    rows.reverse();
                }
                let mut deduper = Deduper::new(&cfg);
                for chunk in rows.chunks(split) {
                    deduper.observe(&batch(chunk)).unwrap();
                }
                tables.push(cluster_table(&deduper.finish(), &ids));
            }
        }
        let want = vec![
            ("a".to_string(), "a".to_string(), "unique"),
            ("b".into(), "a".into(), "near"),
            ("c".into(), "c".into(), "unique"),
            ("d".into(), "a".into(), "exact"),
            ("e".into(), "e".into(), "unique"),
            ("f".into(), "f".into(), "unique"),
            ("g".into(), "g".into(), "unique"),
        ];
        for t in &tables {
            assert_eq!(t, &want);
        }
    }

    #[test]
    fn merged_partial_dedupers_equal_one() {
        let a = story(1, 80);
        let b = story(2, 80);
        let mut near = a.clone();
        near.push_str(" one more word");
        let rows = [
            ("d1", Some(a.as_str())),
            ("d2", Some(b.as_str())),
            ("d3", Some(near.as_str())),
            ("d4", Some(a.as_str())),
        ];
        let cfg = NormalizeConfig::default();
        let mut whole = Deduper::new(&cfg);
        whole.observe(&batch(&rows)).unwrap();
        let mut merged = Deduper::new(&cfg);
        for part in [&rows[2..], &rows[..2]] {
            let mut signed = Deduper::new(&cfg);
            signed.observe(&batch(part)).unwrap();
            merged.merge(signed);
        }
        let (whole, merged) = (whole.finish(), merged.finish());
        for (id, _) in rows {
            assert_eq!(whole.get(id), merged.get(id), "{id}");
        }
        assert_eq!(merged.get("d4").map(|(rep, _)| rep), Some("d1"));
    }

    #[test]
    fn apply_rewrites_only_duplicates() {
        let body = story(3, 50);
        let rows = [
            ("x", Some(body.as_str())),
            ("y", Some(body.as_str())),
            ("r", None),
        ];
        let mut deduper = Deduper::new(&NormalizeConfig::default());
        deduper.observe(&batch(&rows)).unwrap();
        assert_eq!(deduper.len(), 2);
        let clusters = deduper.finish();
        assert_eq!(clusters.duplicates(), 1);
        let out = clusters.apply(batch(&rows)).unwrap();
        let c = str_column("t", &out, col::DUP_CLUSTER).unwrap();
        let k = str_column("t", &out, col::DUP_KIND).unwrap();
        let got: Vec<_> = (0..3).map(|i| (c.get(i), k.get(i))).collect();
        assert_eq!(
            got,
            vec![
                (Some("x"), Some("unique")),
                (Some("x"), Some("exact")),
                (None, None)
            ]
        );
    }

    #[test]
    fn dissimilar_texts_stay_apart() {
        let mut deduper = Deduper::new(&NormalizeConfig::default());
        let rows: Vec<(String, String)> = (0..50)
            .map(|i| (format!("doc{i:02}"), story(i + 10, 120)))
            .collect();
        let refs: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|(id, b)| (id.as_str(), Some(b.as_str())))
            .collect();
        deduper.observe(&batch(&refs)).unwrap();
        assert_eq!(deduper.finish().duplicates(), 0);
    }

    #[test]
    fn many_copies_cluster_under_the_smallest_id() {
        let body = story(4, 80);
        let ids: Vec<String> = (0..500).map(|i| format!("c{i:03}")).collect();
        let rows: Vec<(&str, Option<&str>)> = ids
            .iter()
            .rev()
            .map(|id| (id.as_str(), Some(body.as_str())))
            .collect();
        let mut deduper = Deduper::new(&NormalizeConfig::default());
        deduper.observe(&batch(&rows)).unwrap();
        let clusters = deduper.finish();
        assert_eq!(clusters.duplicates(), 499);
        assert_eq!(clusters.get("c499"), Some(("c000", DupKind::Exact)));
    }

    #[test]
    fn wire_format_round_trips() {
        let a = story(1, 80);
        let mut near = a.clone();
        near.push_str(" one more word");
        let rows = [
            ("d1", Some(a.as_str())),
            ("d2", Some(near.as_str())),
            ("d3", Some(a.as_str())),
            ("d4", Some("other words entirely")),
        ];
        let cfg = NormalizeConfig::default();
        let mut whole = Deduper::new(&cfg);
        whole.observe(&batch(&rows)).unwrap();
        let mut merged = Deduper::new(&cfg);
        for part in [&rows[..1], &rows[1..]] {
            let mut signed = Deduper::new(&cfg);
            signed.observe(&batch(part)).unwrap();
            let decoded = Deduper::from_bytes(&signed.to_bytes()).unwrap();
            assert!(decoded.same_settings(&merged));
            merged.merge(decoded);
        }
        assert_eq!(merged.len(), 4);
        let (whole, merged) = (whole.finish(), merged.finish());
        let decoded = Clusters::from_bytes(&merged.to_bytes()).unwrap();
        assert_eq!(decoded.to_bytes(), whole.to_bytes(), "canonical bytes");
        for (id, _) in rows {
            assert_eq!(decoded.get(id), whole.get(id), "{id}");
        }
        assert_eq!(decoded.get("d3"), Some(("d1", DupKind::Exact)));
        assert_eq!(decoded.get("d2"), Some(("d1", DupKind::Near)));
        let other = NormalizeConfig {
            minhash_permutations: 64,
            ..NormalizeConfig::default()
        };
        assert!(!Deduper::new(&other).same_settings(&Deduper::new(&cfg)));
    }

    #[test]
    fn wire_format_rejects_damaged_input() {
        let mut deduper = Deduper::new(&NormalizeConfig::default());
        deduper
            .observe(&batch(&[("x", Some("some words here"))]))
            .unwrap();
        let bytes = deduper.to_bytes();
        let problem = |b: &[u8]| Deduper::from_bytes(b).unwrap_err().to_string();
        for end in [6, 20, bytes.len() - 2] {
            let p = problem(&bytes[..end]);
            assert!(p.contains("inside") || p.contains("announced"), "{p}");
        }
        let mut longer = bytes.clone();
        longer.push(1);
        assert!(problem(&longer).contains("after the end"));
        let mut bands = bytes.clone();
        bands[16..20].copy_from_slice(&7u32.to_le_bytes());
        assert!(problem(&bands).contains("impossible"));
        let mut count = bytes.clone();
        count[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(problem(&count).contains("announced"));
        let clusters = Clusters::default().to_bytes();
        assert!(problem(&clusters).contains("bad magic"));
        assert_eq!(Clusters::from_bytes(&clusters).unwrap().duplicates(), 0);
        let mut kind = Deduper::new(&NormalizeConfig::default());
        let body = story(5, 40);
        kind.observe(&batch(&[
            ("a", Some(body.as_str())),
            ("b", Some(body.as_str())),
        ]))
        .unwrap();
        let mut c = kind.finish().to_bytes();
        *c.last_mut().unwrap() = 9;
        assert!(
            Clusters::from_bytes(&c)
                .unwrap_err()
                .to_string()
                .contains("unknown duplicate kind 9")
        );
    }
}
