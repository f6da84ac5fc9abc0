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
//! A [`Deduper`] keeps signatures flat, with no allocation per document:
//! the `doc_id` bytes (in one shared string, plus an 8-byte end offset), an
//! 8-byte body hash and the signature as the low 16 bits of each minimum
//! (b-bit MinHash): `2 × minhash_permutations` bytes, 256 by default. Two
//! different minima agree on their low 16 bits by chance once in 65,536, so
//! the similarity estimate moves by less than 0.002 %. In all about 300
//! bytes per document at the default settings. [`Deduper::finish`] adds
//! about 100 bytes per document (the `doc_id` order, the body-hash table,
//! the band index of one band at a time). That is right for one batch or a
//! small corpus; for a whole corpus the runner uses a [`SpillingDeduper`].
//!
//! A [`SpillingDeduper`] with a budget of `B` bytes ([`SPILL_BUDGET`], 32
//! MiB, in the runner) holds at most `B` bytes of signatures (up to `2B`
//! allocated while its vectors grow); beyond that it sorts them by
//! `doc_id` and writes them to a run file in the spill directory.
//! [`SpillingDeduper::finish`] merges the runs into files indexed by the
//! document's place in `doc_id` order (signatures at fixed offsets, ids,
//! and one file of bucket keys per band), finds documents with the same
//! body hash and those sharing a band bucket with sorts that keep at most
//! `B/2` bytes in memory and spill sorted runs beyond, and reads back from
//! disk the signatures of the candidates it compares. The peak memory, for
//! `n` documents of which `s` share a band bucket with another document:
//!
//! `max(2B, B/2 + 4.25·n + 8·s) + 16 KiB·(r + bands + 2) + clusters` bytes,
//!
//! where `2B` is the buffer while it fills, 4 bytes per document are the
//! disjoint sets of documents and 2 bits the "repeats a body hash" and "is
//! a representative" flags, 8 bytes per shared document the leaders of one
//! band's shared buckets (at most [`MAX_LEADERS`] per bucket), `r ≈ n ·
//! (2 × minhash_permutations + 16 + id length) / B` the number of runs (a
//! read buffer and one record each; 18 runs for 2 million documents), and
//! the [`Clusters`] the output (about `id length + 13` bytes per
//! duplicate). So the memory is flat up to about `1.5B / 4.25` documents
//! (12 million at the default budget, ignoring the duplicates' terms) and
//! grows by 4.25 bytes per document beyond. The spill files take about
//! `n · (4 · minhash_permutations + 8 × bands + 2 × id length + 16)` bytes
//! of disk at their peak (about 1.4 GB for 2 million documents) and are
//! removed as soon as they have been read.
//!
//! Time stays near-linear: every document is written and read back a
//! bounded number of times, and the sorts are `O(n log n)` (in memory
//! below their budget, one merge of sorted runs above); the clusters are exactly
//! those of [`Deduper::finish`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use newsflow_core::Result;
use newsflow_core::batch::{str_column, with_columns};
use newsflow_core::schema::col;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::NormalizeConfig;
use crate::spill::{PairSorter, SpillFile, SpillReader, SpillWriter};

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

/// MinHash minima of a body into `minima`, each with its top bit flipped
/// (`hashes` and `word` are scratch space); false when the body has no
/// words.
///
/// The words are the runs of alphanumeric characters, each lower-cased
/// char by char; their hashes are kept as little-endian bytes, so that a
/// shingle of [`SHINGLE_WORDS`] of them is hashed in place. Each shingle
/// updates the minima of the values `h + i·h2`. Flipping the top bit of
/// each value turns the unsigned order into the signed one, which the
/// compiler can compare four lanes at a time with the SSE2 baseline (it has
/// no unsigned 32-bit compare); the caller keeps only the low 16 bits,
/// which the flip leaves alone.
fn signature(body: &str, hashes: &mut Vec<u8>, word: &mut Vec<u8>, minima: &mut [i32]) -> bool {
    hashes.clear();
    // Eight bytes a word, and news text has about a word per six bytes:
    // room for them at once rather than a doubling at a time.
    hashes.reserve(body.len() / 6 * 8 + 8);
    for_each_word(body, word, |w| {
        hashes.extend_from_slice(&xxh3_64(w).to_le_bytes());
    });
    if hashes.is_empty() {
        return false;
    }
    minima.fill(i32::MAX);
    let width = 8 * SHINGLE_WORDS.min(hashes.len() / 8);
    let mut shingles = (0..=hashes.len() - width).step_by(8).map(|start| {
        let h = xxh3_64_with_seed(&hashes[start..start + width], SHINGLE_SEED);
        // Adding 2^63 flips the top bit, and keeps doing so as `h2` is
        // added (mod 2^64), so the top 32 bits of `h ^ 2^63 + i·h2` are
        // those of `h + i·h2` with the top bit flipped.
        (h ^ (1 << 63), splitmix64(h) | 1)
    });
    // Two shingles at a time: the minima are then loaded and stored once
    // for both (about 12 % fewer instructions than one at a time).
    while let Some((mut v, h2)) = shingles.next() {
        if let Some((mut w, g2)) = shingles.next() {
            for min in minima.iter_mut() {
                *min = (*min)
                    .min((v >> 32) as u32 as i32)
                    .min((w >> 32) as u32 as i32);
                v = v.wrapping_add(h2);
                w = w.wrapping_add(g2);
            }
        } else {
            for min in minima.iter_mut() {
                *min = (*min).min((v >> 32) as u32 as i32);
                v = v.wrapping_add(h2);
            }
        }
    }
    true
}

/// What a byte is to the word scan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ByteKind {
    /// An ASCII lower-case letter or digit: part of a word, its own lower
    /// case.
    Lower,
    /// An ASCII upper-case letter.
    Upper,
    /// Any other ASCII byte: a separator.
    Separator,
    /// A byte of a non-ASCII character.
    NonAscii,
}

/// The kind of each byte, one load instead of a chain of range tests.
static BYTE_KINDS: [ByteKind; 256] = {
    let mut kinds = [ByteKind::NonAscii; 256];
    let mut b: u8 = 0;
    while b < 128 {
        kinds[b as usize] = if b.is_ascii_lowercase() || b.is_ascii_digit() {
            ByteKind::Lower
        } else if b.is_ascii_uppercase() {
            ByteKind::Upper
        } else {
            ByteKind::Separator
        };
        b += 1;
    }
    kinds
};

/// Calls `f` with the lower-cased UTF-8 bytes of each word of `body`, the
/// words being the runs of characters for which `char::is_alphanumeric`
/// holds, each character lower-cased by `char::to_lowercase`.
///
/// Most words are their own lower case (ASCII lower-case letters and
/// digits, lower-case Russian letters): they are handed over as a slice of
/// the body, without a copy. Other words are lower-cased into `word`. Only
/// non-ASCII characters are decoded: for an ASCII byte the alphanumeric
/// test and the lower case are the ASCII ones.
///
/// Kept out of line: inlined into the shingle loop of [`signature`], its
/// loop variables would be spilled to the stack.
#[inline(never)]
fn for_each_word(body: &str, word: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let mut end = bytes.len();
        // Whether the word goes through `word`, where `bytes[run..i]` is
        // still to be copied (it needs at most ASCII lower-casing).
        let mut copy = false;
        let mut run = start;
        word.clear();
        while let Some(&b) = bytes.get(i) {
            let kind = BYTE_KINDS[usize::from(b)];
            if kind == ByteKind::Lower {
                // The common case: the whole run of such bytes in a tight
                // loop.
                i += 1;
                while bytes
                    .get(i)
                    .is_some_and(|&b| BYTE_KINDS[usize::from(b)] == ByteKind::Lower)
                {
                    i += 1;
                }
            } else if kind == ByteKind::Upper {
                copy = true;
                i += 1;
            } else if kind == ByteKind::Separator {
                end = i;
                i += 1;
                break;
            } else {
                // Before `i` there are ASCII bytes and whole characters
                // only, so `i` is on a character boundary.
                let c = body[i..].chars().next().expect("i < body.len()");
                let next = i + c.len_utf8();
                if ('а'..='я').contains(&c) {
                    // Lower-case Russian letters, most of the non-ASCII
                    // text: alphanumeric and their own lower case, which
                    // spares the Unicode table look-ups.
                } else if ('А'..='Я').contains(&c) || c.is_alphanumeric() {
                    word.extend_from_slice(&bytes[run..i]);
                    for lower in c.to_lowercase() {
                        word.extend_from_slice(lower.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    copy = true;
                    run = next;
                } else {
                    end = i;
                    i = next;
                    break;
                }
                i = next;
            }
        }
        if copy {
            word.extend_from_slice(&bytes[run..end]);
            // No character has an upper-case ASCII letter in its lower
            // case, so this changes only the ASCII letters of the body.
            word.make_ascii_lowercase();
            f(word);
        } else if end > start {
            f(&bytes[start..end]);
        }
    }
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
        let mut minima = vec![0; self.permutations];
        let mut hashes = Vec::new();
        let mut word = Vec::new();
        for row in 0..batch.num_rows() {
            let (Some(id), Some(body)) = (ids.get(row), bodies.get(row)) else {
                continue;
            };
            if signature(body, &mut hashes, &mut word, &mut minima) {
                // Flipping the top bit (see `signature`) leaves the low 16
                // bits alone, so they are kept as they are.
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

    /// Number of documents signed.
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    /// True when no document was signed.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Bytes of signatures held (ids, offsets, hashes and signatures).
    fn bytes(&self) -> usize {
        self.ids.len() + 16 * self.id_ends.len() + 2 * self.signatures.len()
    }

    /// An empty deduper with the settings of this one.
    fn empty_like(&self) -> Deduper {
        Deduper {
            threshold: self.threshold,
            bands: self.bands,
            permutations: self.permutations,
            ids: String::new(),
            id_ends: Vec::new(),
            exact: Vec::new(),
            signatures: Vec::new(),
        }
    }

    /// Forgets the signatures, keeping the allocations.
    fn clear(&mut self) {
        self.ids.clear();
        self.id_ends.clear();
        self.exact.clear();
        self.signatures.clear();
    }

    /// The documents in `doc_id` order (ties by body hash, then
    /// signature), as indices.
    fn order(&self) -> Vec<u32> {
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
        order
    }

    /// Builds the clusters, in memory (about 100 bytes per document on top
    /// of the signatures; [`SpillingDeduper`] keeps a budget instead).
    pub fn finish(self) -> Clusters {
        // Documents in `doc_id` order; position `i` below is a place in it.
        let order = self.order();
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
                let leaders = buckets.entry(band_key(part, &mut key_bytes)).or_default();
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
        let mut clusters = Clusters::default();
        let mut rep_index: FxHashMap<usize, u32> = FxHashMap::default();
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
            let rep = *rep_index
                .entry(rep)
                .or_insert_with(|| clusters.push_rep(self.doc_id(doc(rep))));
            clusters.push(self.doc_id(doc(i)), rep, kind);
        }
        tracing::debug!(
            documents = n,
            duplicates = clusters.duplicates(),
            "duplicate clusters built"
        );
        clusters
    }
}

/// Default memory budget of a [`SpillingDeduper`]: 32 MiB.
pub const SPILL_BUDGET: usize = 32 << 20;

/// Collects the signatures of a whole corpus within a memory budget and
/// builds the same [`Clusters`] as [`Deduper::finish`] (see the module
/// docs, "Memory").
///
/// Signed parts ([`Deduper`]s of a batch each) are added with
/// [`SpillingDeduper::add`]; when the signatures held exceed the budget,
/// they are sorted by `doc_id` and written to a run file in the spill
/// directory. [`SpillingDeduper::finish`] merges the runs and runs the
/// cluster algorithm over files, with memory for 4.25 bytes per document
/// plus half the budget. While nothing was spilled, it is
/// [`Deduper::finish`].
pub struct SpillingDeduper {
    dir: PathBuf,
    budget: usize,
    buffer: Deduper,
    /// Sorted runs and their document counts.
    runs: Vec<(SpillFile, u64)>,
}

impl SpillingDeduper {
    /// A collector with the settings of `cfg` (as [`Deduper::new`]) that
    /// holds about `budget` bytes of signatures and spills to `dir`.
    pub fn new(cfg: &NormalizeConfig, dir: &Path, budget: usize) -> SpillingDeduper {
        SpillingDeduper {
            dir: dir.to_path_buf(),
            budget,
            buffer: Deduper::new(cfg),
            runs: Vec::new(),
        }
    }

    /// Takes over the signatures of `part` (built with the same settings);
    /// the clusters do not depend on the order parts are added in.
    pub fn add(&mut self, part: Deduper) -> Result<()> {
        debug_assert!(self.buffer.same_settings(&part));
        self.buffer.merge(part);
        if self.buffer.bytes() > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Number of documents signed.
    pub fn len(&self) -> u64 {
        self.runs.iter().map(|(_, n)| n).sum::<u64>() + self.buffer.len() as u64
    }

    /// True when no document was signed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of run files written so far.
    pub fn spilled_runs(&self) -> usize {
        self.runs.len()
    }

    /// Writes the buffer, in `doc_id` order, as a run: per document a `u32`
    /// id length, the id, the `u64` body hash and the signature
    /// (little-endian `u16`s).
    fn spill(&mut self) -> Result<()> {
        let buffer = &self.buffer;
        let mut out = SpillWriter::create(&self.dir)?;
        let mut sig = Vec::with_capacity(2 * buffer.permutations);
        for &d in &buffer.order() {
            let (id, d) = (buffer.doc_id(d as usize), d as usize);
            out.write(&(id.len() as u32).to_le_bytes())?;
            out.write(id.as_bytes())?;
            out.write(&buffer.exact[d].to_le_bytes())?;
            sig.clear();
            for v in buffer.signature_of(d) {
                sig.extend_from_slice(&v.to_le_bytes());
            }
            out.write(&sig)?;
        }
        self.runs.push((out.finish()?, buffer.len() as u64));
        // Cleared, not reallocated: the allocations are reused for the next
        // run.
        self.buffer.clear();
        Ok(())
    }

    /// Builds the clusters; errors name the spill file that could not be
    /// written or read back.
    pub fn finish(mut self) -> Result<Clusters> {
        if self.runs.is_empty() {
            return Ok(self.buffer.finish());
        }
        if !self.buffer.is_empty() {
            self.spill()?;
        }
        let n = usize::try_from(self.len()).expect("the documents fit in memory indices");
        // Only the settings are kept: the buffer's memory goes before the
        // sorts take theirs.
        let settings = self.buffer.empty_like();
        drop(self.buffer);
        let positions = Positions::write(&settings, &self.dir, self.budget, self.runs)?;
        let mut sets = UnionFind::new(n);
        let mut not_first = BitSet::new(n);
        // Exact duplicates: every document with the body hash of a smaller
        // position joins it.
        let mut first: Option<(u64, u32)> = None;
        for pair in positions.exact.finish()? {
            let (hash, i) = pair?;
            match first {
                Some((h, f)) if h == hash => {
                    sets.union(i as usize, f as usize);
                    not_first.set(i as usize);
                }
                _ => first = Some((hash, i)),
            }
        }
        // Near duplicates, one band at a time, as in `Deduper::finish`:
        // only buckets with two documents or more can join anything, so
        // the others are left out, and the shared ones are visited in
        // position order with at most `MAX_LEADERS` leaders each.
        let sig_bytes = 2 * settings.permutations;
        let (mut sig_i, mut sig_j) = (vec![0u8; sig_bytes], vec![0u8; sig_bytes]);
        for keys in positions.band_keys {
            let mut by_key = PairSorter::new(&self.dir, self.budget / 4);
            let mut reader = keys.reader()?;
            for i in 0..n {
                by_key.push(reader.read_u64("band key")?, i as u32)?;
            }
            reader.expect_end()?;
            drop((reader, keys));
            // Shared buckets: (first leader slot, leaders so far).
            let mut buckets: Vec<(u32, u8)> = Vec::new();
            let mut slots = 0u32;
            let mut visits = PairSorter::new(&self.dir, self.budget / 4);
            // The open group: key, first position, size.
            let mut group: Option<(u64, u32, u32)> = None;
            let mut close = |group: Option<(u64, u32, u32)>, buckets: &mut Vec<(u32, u8)>| {
                if let Some((_, _, size)) = group.filter(|g| g.2 >= 2) {
                    buckets.push((slots, 0));
                    slots += size.min(MAX_LEADERS as u32);
                }
            };
            for pair in by_key.finish()? {
                let (key, i) = pair?;
                match &mut group {
                    Some((k, first, size)) if *k == key => {
                        let bucket = buckets.len() as u32;
                        if *size == 1 {
                            visits.push(u64::from(*first), bucket)?;
                        }
                        *size += 1;
                        visits.push(u64::from(i), bucket)?;
                    }
                    _ => {
                        close(group, &mut buckets);
                        group = Some((key, i, 1));
                    }
                }
            }
            close(group, &mut buckets);
            let mut leaders = vec![0u32; slots as usize];
            for visit in visits.finish()? {
                let (i, bucket) = visit?;
                let i = i as usize;
                let (start, count) = buckets[bucket as usize];
                let start = start as usize;
                let mut matched = false;
                let mut loaded = false;
                for &j in &leaders[start..start + usize::from(count)] {
                    let j = j as usize;
                    if sets.find(i) != sets.find(j) {
                        if !loaded {
                            positions.signatures.read_at(
                                (i * sig_bytes) as u64,
                                &mut sig_i,
                                "signature",
                            )?;
                            loaded = true;
                        }
                        positions.signatures.read_at(
                            (j * sig_bytes) as u64,
                            &mut sig_j,
                            "signature",
                        )?;
                        if similarity_of_bytes(&sig_i, &sig_j) < settings.threshold {
                            continue;
                        }
                    }
                    sets.union(i, j);
                    matched = true;
                    break;
                }
                if !matched && usize::from(count) < MAX_LEADERS {
                    leaders[start + usize::from(count)] = i as u32;
                    buckets[bucket as usize].1 += 1;
                }
            }
        }
        // Representatives (a set's root is its smallest position) and kinds:
        // `exact` when a smaller position has the same body hash (it is in
        // the same set).
        let mut is_rep = BitSet::new(n);
        for i in 0..n {
            let root = sets.find(i);
            if root != i {
                is_rep.set(root);
            }
        }
        let mut rep_index: FxHashMap<u32, u32> = FxHashMap::default();
        let mut clusters = Clusters::default();
        let mut reader = positions.ids.reader()?;
        for i in 0..n {
            let len = reader.read_u32("id length")?;
            let id = reader.read_string(len as usize, "document id")?;
            let root = sets.find(i);
            if is_rep.get(i) {
                rep_index.insert(i as u32, clusters.push_rep(&id));
            }
            if root != i {
                let kind = if not_first.get(i) {
                    DupKind::Exact
                } else {
                    DupKind::Near
                };
                clusters.push(&id, rep_index[&(root as u32)], kind);
            }
        }
        reader.expect_end()?;
        tracing::debug!(
            documents = n,
            duplicates = clusters.duplicates(),
            "duplicate clusters built from spilled signatures"
        );
        Ok(clusters)
    }
}

/// The spilled documents in `doc_id` order, position by position.
struct Positions {
    /// The signatures, `2 × permutations` bytes each, at `position × size`.
    signatures: SpillFile,
    /// Per position a `u32` length and the id.
    ids: SpillFile,
    /// Per band, the `u64` bucket key of each position.
    band_keys: Vec<SpillFile>,
    /// (body hash, position) of every document.
    exact: PairSorter,
}

impl Positions {
    /// Merges the sorted `runs` (consumed and removed) into the files.
    fn write(
        settings: &Deduper,
        dir: &Path,
        budget: usize,
        runs: Vec<(SpillFile, u64)>,
    ) -> Result<Positions> {
        let p = settings.permutations;
        let rows = p / settings.bands;
        let mut signatures = SpillWriter::create(dir)?;
        let mut ids = SpillWriter::create(dir)?;
        let mut band_keys = (0..settings.bands)
            .map(|_| SpillWriter::create(dir))
            .collect::<Result<Vec<_>>>()?;
        let mut exact = PairSorter::new(dir, budget / 2);
        let mut readers = Vec::with_capacity(runs.len());
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (index, (file, count)) in runs.into_iter().enumerate() {
            let mut run = RunReader {
                reader: file.reader()?,
                left: count,
                last: None,
                _file: file,
            };
            if let Some(record) = run.next(p)? {
                heap.push(Reverse((record, index)));
            }
            readers.push(run);
        }
        let mut key_bytes = Vec::with_capacity(2 * rows);
        let mut sig = Vec::with_capacity(2 * p);
        let mut position = 0u32;
        while let Some(Reverse((record, index))) = heap.pop() {
            if let Some(next) = readers[index].next(p)? {
                heap.push(Reverse((next, index)));
            }
            ids.write(&(record.id.len() as u32).to_le_bytes())?;
            ids.write(record.id.as_bytes())?;
            sig.clear();
            for v in &record.signature {
                sig.extend_from_slice(&v.to_le_bytes());
            }
            signatures.write(&sig)?;
            exact.push(record.exact, position)?;
            for (band, out) in band_keys.iter_mut().enumerate() {
                let part = &record.signature[band * rows..(band + 1) * rows];
                out.write(&band_key(part, &mut key_bytes).to_le_bytes())?;
            }
            position += 1;
        }
        Ok(Positions {
            signatures: signatures.finish()?,
            ids: ids.finish()?,
            band_keys: band_keys
                .into_iter()
                .map(SpillWriter::finish)
                .collect::<Result<_>>()?,
            exact,
        })
    }
}

/// One document of a run; the derived order (id, body hash, signature) is
/// the order of [`Deduper::order`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Record {
    id: String,
    exact: u64,
    signature: Vec<u16>,
}

/// Reads the records of one run back, checking their order.
struct RunReader {
    reader: SpillReader,
    left: u64,
    last: Option<Record>,
    _file: SpillFile,
}

impl RunReader {
    /// The next record, or `None` after the last one.
    fn next(&mut self, permutations: usize) -> Result<Option<Record>> {
        if self.left == 0 {
            self.reader.expect_end()?;
            return Ok(None);
        }
        self.left -= 1;
        let len = self.reader.read_u32("id length")?;
        let id = self.reader.read_string(len as usize, "document id")?;
        let exact = self.reader.read_u64("body hash")?;
        let mut raw = vec![0u8; 2 * permutations];
        self.reader.read(&mut raw, "signature")?;
        let signature = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let record = Record {
            id,
            exact,
            signature,
        };
        if self.last.as_ref().is_some_and(|last| *last > record) {
            return Err(self.reader.damaged("records out of order".into()));
        }
        self.last = Some(record.clone());
        Ok(Some(record))
    }
}

/// One bit per document.
struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    fn new(n: usize) -> BitSet {
        BitSet {
            words: vec![0; n.div_ceil(64)],
        }
    }

    fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    fn get(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }
}

/// Bucket key of one band of a signature (`scratch` is reused space).
fn band_key(part: &[u16], scratch: &mut Vec<u8>) -> u64 {
    scratch.clear();
    for v in part {
        scratch.extend_from_slice(&v.to_le_bytes());
    }
    xxh3_64(scratch)
}

/// Fraction of equal signature positions: the MinHash estimate of the
/// Jaccard similarity of the shingle sets.
fn similarity(a: &[u16], b: &[u16]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// [`similarity`] of two signatures in their little-endian bytes.
fn similarity_of_bytes(a: &[u8], b: &[u8]) -> f64 {
    let same = a
        .chunks_exact(2)
        .zip(b.chunks_exact(2))
        .filter(|(x, y)| x == y)
        .count();
    same as f64 / (a.len() / 2).max(1) as f64
}

/// Disjoint sets of document positions, 4 bytes per document. The root of
/// a set is always its smallest position.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n)
                .map(|i| u32::try_from(i).expect("fewer than 2^32 documents"))
                .collect(),
        }
    }

    fn find(&mut self, i: usize) -> usize {
        let mut i = i as u32;
        while self.parent[i as usize] != i {
            let grand = self.parent[self.parent[i as usize] as usize];
            self.parent[i as usize] = grand;
            i = grand;
        }
        i as usize
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller position becomes the root: deterministic shape.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo as u32;
        }
    }
}

/// Duplicate assignments: `doc_id` -> (representative, kind), for the
/// duplicates only.
///
/// Kept flat: the duplicates' ids in ascending order in one string (with
/// an 8-byte end offset each), a 4-byte representative index and a kind
/// each, and every representative's id once: about `id length + 13` bytes
/// per duplicate and `id length + 8` per cluster. Lookups are binary
/// searches.
#[derive(Debug, Default, Clone)]
pub struct Clusters {
    /// Every duplicate's id, in ascending order, one after the other.
    ids: String,
    /// End of each duplicate's id in `ids`.
    id_ends: Vec<usize>,
    /// Index of each duplicate's representative.
    rep_of: Vec<u32>,
    /// Kind of each duplicate.
    kinds: Vec<DupKind>,
    /// Every representative's id, one after the other.
    reps: String,
    /// End of each representative's id in `reps`.
    rep_ends: Vec<usize>,
}

impl Clusters {
    /// Number of documents that are duplicates of another.
    pub fn duplicates(&self) -> usize {
        self.kinds.len()
    }

    /// Cluster representative and kind of `doc_id`; `None` for a unique
    /// document (its own cluster).
    pub fn get(&self, doc_id: &str) -> Option<(&str, DupKind)> {
        let (mut lo, mut hi) = (0, self.duplicates());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.id(mid) < doc_id {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo < self.duplicates() && self.id(lo) == doc_id)
            .then(|| (self.rep(self.rep_of[lo] as usize), self.kinds[lo]))
    }

    fn id(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.id_ends[k - 1] };
        &self.ids[start..self.id_ends[k]]
    }

    fn rep(&self, r: usize) -> &str {
        let start = if r == 0 { 0 } else { self.rep_ends[r - 1] };
        &self.reps[start..self.rep_ends[r]]
    }

    /// Adds a representative's id; returns its index.
    fn push_rep(&mut self, id: &str) -> u32 {
        self.reps.push_str(id);
        self.rep_ends.push(self.reps.len());
        u32::try_from(self.rep_ends.len() - 1).expect("fewer than 2^32 clusters")
    }

    /// Adds a duplicate. Ids come in ascending order; one equal to the
    /// previous id replaces that entry (the last assignment of an id wins).
    fn push(&mut self, id: &str, rep: u32, kind: DupKind) {
        let n = self.duplicates();
        if n > 0 && self.id(n - 1) == id {
            self.rep_of[n - 1] = rep;
            self.kinds[n - 1] = kind;
            return;
        }
        debug_assert!(n == 0 || self.id(n - 1) < id, "ids in ascending order");
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len());
        self.rep_of.push(rep);
        self.kinds.push(kind);
    }

    /// Rewrites `dup_cluster` and `dup_kind` of a normalized batch. Rows
    /// that are not duplicates (and reject rows) keep their values.
    pub fn apply(&self, batch: RecordBatch) -> Result<RecordBatch> {
        if self.duplicates() == 0 {
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
/// ascending `doc_id` order (decoding refuses any other order) the `u32` length and UTF-8 bytes of its id, the
/// same for its representative, and a `u8` kind (1 exact, 2 near). Equal
/// clusters give equal bytes.
impl Clusters {
    const WIRE_MAGIC: &'static [u8; 4] = b"NFCL";
    const WIRE_VERSION: u32 = 1;

    /// The assignments in the wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.duplicates() * 40);
        out.extend_from_slice(Self::WIRE_MAGIC);
        out.extend_from_slice(&Self::WIRE_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.duplicates() as u64).to_le_bytes());
        for k in 0..self.duplicates() {
            let (id, rep, kind) = (self.id(k), self.rep(self.rep_of[k] as usize), self.kinds[k]);
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
        let mut clusters = Clusters::default();
        let mut rep_index: FxHashMap<String, u32> = FxHashMap::default();
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
            let n = clusters.duplicates();
            if n > 0 && clusters.id(n - 1) >= id.as_str() {
                return Err(Deduper::wire_error(if clusters.id(n - 1) == id {
                    "a document is listed twice".into()
                } else {
                    "document ids out of order".into()
                }));
            }
            let rep = match rep_index.get(&rep) {
                Some(&r) => r,
                None => {
                    let r = clusters.push_rep(&rep);
                    rep_index.insert(rep, r);
                    r
                }
            };
            clusters.push(&id, rep, kind);
        }
        Deduper::wire_end(rest, "clusters")?;
        Ok(clusters)
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

    /// The signature as it was first written (a `String` per word, the
    /// minima unsigned), which the faster one must reproduce exactly.
    fn reference_signature(body: &str, words: &mut Vec<u64>, minima: &mut [u32]) -> bool {
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

    /// Checks the words and the minima of `body` against the reference,
    /// at the default number of permutations and at one that is not a
    /// multiple of the vector width.
    fn assert_signature_matches(body: &str) {
        let mut word = Vec::new();
        let mut got = Vec::new();
        for_each_word(body, &mut word, |w| {
            got.push(String::from_utf8(w.to_vec()).expect("words are UTF-8"))
        });
        let want: Vec<String> = body
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().flat_map(char::to_lowercase).collect())
            .collect();
        assert_eq!(got, want, "{body:?}");
        for permutations in [128, 13] {
            let mut flipped = vec![0; permutations];
            let mut want = vec![0; permutations];
            let signed = signature(body, &mut Vec::new(), &mut word, &mut flipped);
            assert_eq!(
                signed,
                reference_signature(body, &mut Vec::new(), &mut want),
                "{body:?}"
            );
            if signed {
                let got: Vec<u32> = flipped.iter().map(|&m| (m as u32) ^ (1 << 31)).collect();
                assert_eq!(got, want, "{body:?}");
            }
        }
    }

    #[test]
    fn signature_matches_the_reference_on_tricky_text() {
        for body in [
            "",
            " ,;- ",
            "word",
            "Hello, World! don't stop-gap 42nd",
            "İstanbul İİ ẞTRASSE Straße ΣΟΦΟΣ σοφός ǅemal Ⅻ ⅻ",
            "٣٤٥ ०१२ 東京都 タワー 🙂🙂 e\u{301}te cafe\u{301} ﬁne",
            "\u{a0}Москва — ЁЛКА «Ура»…\u{2028}x\u{feff}y",
            "ABC\u{300}DEF gHI\u{10FFFF}jk",
            "\u{212a}elvin \u{212b}NGSTRÖM ǈ ΐ ŉ Ѐх ЯяЁё",
        ] {
            assert_signature_matches(body);
        }
    }

    proptest::proptest! {
        #[test]
        fn signature_matches_the_reference(body in "\\PC*|[ \n\t.,;:!?'\"()\\-a-zA-Z0-9\u{a0}\u{ad}À-ÿ\u{300}-\u{36f}ΣσςЀ-ӿİıẞß\u{212a}\u{212b}\u{2160}-\u{217f}٠-٩०-९一-龥ぁ-ん😀-🙏—«»“”…\u{2028}\u{feff}]{0,80}") {
            assert_signature_matches(&body);
        }
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

    /// Bodies with exact copies, near copies at several edit rates (some
    /// around the threshold) and unrelated stories, under shuffled ids.
    fn mixed_corpus(n: usize) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        for i in 0..n {
            let family = i % 23;
            let base = story(family + 100, 60 + family * 3);
            let body = match i % 5 {
                0 => base,
                1 => story(i + 1000, 70),
                _ => {
                    let mut words: Vec<String> = base.split(' ').map(str::to_string).collect();
                    let edits = (i * 7) % 9;
                    for e in 0..edits {
                        let at = (i * 31 + e * 17) % words.len();
                        words[at] = format!("x{}", (i + e) % 4);
                    }
                    words.join(" ")
                }
            };
            rows.push((format!("doc{:05}", (i * 7919) % 100_003), body));
        }
        rows
    }

    fn signed(rows: &[(String, String)], cfg: &NormalizeConfig) -> Deduper {
        let refs: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|(id, b)| (id.as_str(), Some(b.as_str())))
            .collect();
        let mut deduper = Deduper::new(cfg);
        deduper.observe(&batch(&refs)).unwrap();
        deduper
    }

    #[test]
    fn spilled_clusters_equal_in_memory_ones() {
        let rows = mixed_corpus(400);
        let dir = tempfile::tempdir().unwrap();
        // Short bands (2 values of 16) put dissimilar documents in shared
        // buckets, so that the leaders and the visiting order matter.
        for (threshold, permutations, bands) in
            [(0.5, 16, 8), (0.8, 16, 8), (0.8, 128, 16), (0.95, 128, 16)]
        {
            let cfg = NormalizeConfig {
                near_dup_threshold: threshold,
                minhash_permutations: permutations,
                lsh_bands: bands,
                ..NormalizeConfig::default()
            };
            let want = signed(&rows, &cfg).finish();
            let kinds: Vec<_> = rows.iter().filter_map(|(id, _)| want.get(id)).collect();
            assert!(
                kinds.iter().any(|(_, k)| *k == DupKind::Near),
                "{threshold}"
            );
            assert!(
                kinds.iter().any(|(_, k)| *k == DupKind::Exact),
                "{threshold}"
            );
            for (budget, part) in [(1, 1), (5_000, 7), (10_000, 50), (usize::MAX, 64)] {
                let mut spilling = SpillingDeduper::new(&cfg, dir.path(), budget);
                for chunk in rows.chunks(part).rev() {
                    spilling.add(signed(chunk, &cfg)).unwrap();
                }
                assert_eq!(spilling.len(), 400);
                let spilled = spilling.spilled_runs() > 0;
                assert_eq!(spilled, budget < usize::MAX, "budget {budget}");
                let got = spilling.finish().unwrap();
                assert_eq!(got.to_bytes(), want.to_bytes(), "{threshold}, {budget}");
                assert_eq!(
                    std::fs::read_dir(dir.path()).unwrap().count(),
                    0,
                    "spill files removed"
                );
            }
        }
    }

    #[test]
    fn damaged_spill_files_name_the_file() {
        let rows = mixed_corpus(30);
        let dir = tempfile::tempdir().unwrap();
        let cfg = NormalizeConfig::default();
        let damages: [fn(&mut Vec<u8>); 4] = [
            |b| b.truncate(b.len() - 3),
            |b| b.push(0),
            |b| b[4] = 0xff,
            |b| b[..4].copy_from_slice(&u32::MAX.to_le_bytes()),
        ];
        for damage in damages {
            let mut spilling = SpillingDeduper::new(&cfg, dir.path(), 1);
            for chunk in rows.chunks(10) {
                spilling.add(signed(chunk, &cfg)).unwrap();
            }
            let path = spilling.runs[1].0.path().to_path_buf();
            let mut bytes = std::fs::read(&path).unwrap();
            damage(&mut bytes);
            std::fs::write(&path, bytes).unwrap();
            let problem = spilling.finish().unwrap_err().to_string();
            assert!(problem.contains(&path.display().to_string()), "{problem}");
        }
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
        let row = |id: &str, rep: &str| {
            let mut v = Vec::new();
            for s in [id, rep] {
                v.extend_from_slice(&(s.len() as u32).to_le_bytes());
                v.extend_from_slice(s.as_bytes());
            }
            v.push(1);
            v
        };
        for (rows, problem) in [
            ([row("b", "a"), row("c", "a")], None),
            ([row("c", "a"), row("b", "a")], Some("out of order")),
            ([row("b", "a"), row("b", "a")], Some("listed twice")),
        ] {
            let mut bytes = b"NFCL".to_vec();
            bytes.extend_from_slice(&1u32.to_le_bytes());
            bytes.extend_from_slice(&2u64.to_le_bytes());
            bytes.extend(rows.concat());
            match (Clusters::from_bytes(&bytes), problem) {
                (Ok(c), None) => {
                    assert_eq!(c.get("c"), Some(("a", DupKind::Exact)));
                    assert_eq!(c.get("a"), None);
                    assert_eq!(c.to_bytes(), bytes);
                }
                (Err(e), Some(p)) => assert!(e.to_string().contains(p), "{e}"),
                (got, _) => panic!("{got:?}"),
            }
        }
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
