//! Corpus-level boilerplate: lines that repeat across many documents of one
//! source (site footers, navigation, disclaimers) are noise even when no
//! pattern names them.
//!
//! The runner makes a first pass over the ingest batches with
//! [`LineStats::observe`] (one [`LineStats`] per thread, combined with
//! [`LineStats::merge`]), then [`LineStats::finish`] keeps the lines seen in
//! at least `boilerplate_min_docs` documents of a source and in at least
//! `boilerplate_min_share` of that source's documents, and the result goes
//! to [`crate::Normalizer::with_boilerplate`].
//!
//! A document's source is its `meta_source` when the input gave one, else
//! the parent directory of its `source_path`. Lines are compared after the
//! same cleanup the stage applies ([`crate::clean_text`]).
//!
//! # Memory
//!
//! No line text is kept: each distinct line of at most
//! [`MAX_LINE_CHARS`] characters is a 64-bit xxh3 fingerprint with a
//! 32-bit count, per source. That is about 24 bytes (with hash-table
//! overhead) per distinct short line per source, e.g. about 0.5 GB for 20
//! million distinct short lines; [`Boilerplate`] keeps only the lines that
//! passed the thresholds.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use arrow_array::RecordBatch;
use newsflow_core::Result;
use xxhash_rust::xxh3::xxh3_64;

use crate::NormalizeConfig;
use crate::clean::clean_text;
use crate::input::InputColumns;

/// Lines longer than this (in characters) are never boilerplate candidates.
pub const MAX_LINE_CHARS: usize = 300;

/// Fingerprint of a cleaned line.
pub(crate) fn line_fingerprint(line: &str) -> u64 {
    xxh3_64(line.as_bytes())
}

/// Source group of a document: `meta_source` when present, else the parent
/// directory of `source_path`.
pub(crate) fn source_key(meta_source: Option<&str>, source_path: Option<&str>) -> u64 {
    match meta_source.map(str::trim).filter(|s| !s.is_empty()) {
        Some(source) => xxh3_64(format!("meta\u{0}{source}").as_bytes()),
        None => {
            let path = source_path.unwrap_or_default();
            let parent = path.rfind(['/', '\\']).map_or("", |i| &path[..i]);
            xxh3_64(format!("dir\u{0}{parent}").as_bytes())
        }
    }
}

#[derive(Debug, Default, Clone)]
struct SourceCounts {
    docs: u64,
    lines: HashMap<u64, u32>,
}

/// Line fingerprint counts per source, from a first pass over the corpus.
#[derive(Debug, Default, Clone)]
pub struct LineStats {
    sources: HashMap<u64, SourceCounts>,
}

impl LineStats {
    /// Empty statistics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the lines of the documents of one ingest batch (rows with a
    /// `reject_reason` are skipped). Each distinct line counts once per
    /// document.
    pub fn observe(&mut self, batch: &RecordBatch) -> Result<()> {
        let input = InputColumns::read("normalize", batch)?;
        let mut seen: Vec<u64> = Vec::new();
        for row in 0..batch.num_rows() {
            if input.is_reject(row) {
                continue;
            }
            let Some(text) = input.text(row) else {
                continue;
            };
            let cleaned = clean_text(text);
            seen.clear();
            seen.extend(
                cleaned
                    .text
                    .split('\n')
                    .filter(|l| !l.is_empty() && l.chars().count() <= MAX_LINE_CHARS)
                    .map(line_fingerprint),
            );
            seen.sort_unstable();
            seen.dedup();
            let counts = self.sources.entry(input.source_key(row)).or_default();
            counts.docs += 1;
            for fp in &seen {
                *counts.lines.entry(*fp).or_default() += 1;
            }
        }
        Ok(())
    }

    /// Adds the counts of `other` (from another thread) to these.
    pub fn merge(&mut self, other: LineStats) {
        for (source, theirs) in other.sources {
            let ours = self.sources.entry(source).or_default();
            ours.docs += theirs.docs;
            for (fp, n) in theirs.lines {
                *ours.lines.entry(fp).or_default() += n;
            }
        }
    }

    /// Number of documents observed.
    pub fn documents(&self) -> u64 {
        self.sources.values().map(|s| s.docs).sum()
    }

    /// Keeps the lines that pass the configured thresholds.
    pub fn finish(self, cfg: &NormalizeConfig) -> Boilerplate {
        let min_docs = cfg.boilerplate_min_docs.max(1) as u64;
        let mut lines = HashMap::default();
        for (source, counts) in self.sources {
            if counts.docs < min_docs {
                continue;
            }
            let keep: HashSet<u64> = counts
                .lines
                .into_iter()
                .filter(|&(_, n)| {
                    u64::from(n) >= min_docs
                        && f64::from(n) >= cfg.boilerplate_min_share * counts.docs as f64
                })
                .map(|(fp, _)| fp)
                .collect();
            if !keep.is_empty() {
                lines.insert(source, keep);
            }
        }
        let boilerplate = Boilerplate { lines };
        tracing::debug!(
            sources = boilerplate.lines.len(),
            lines = boilerplate.len(),
            "boilerplate lines learned"
        );
        boilerplate
    }
}

/// Boilerplate line fingerprints per source, applied by
/// [`crate::Normalizer`].
#[derive(Debug, Default, Clone)]
pub struct Boilerplate {
    lines: HashMap<u64, HashSet<u64>>,
}

impl Boilerplate {
    /// Number of boilerplate lines over all sources.
    pub fn len(&self) -> usize {
        self.lines.values().map(HashSet::len).sum()
    }

    /// True when no line is boilerplate.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// A stable hash of the learned lines, equal for equal sets whatever
    /// the order they were learned in (used to key checkpoints).
    pub fn digest(&self) -> u64 {
        let mut pairs: Vec<(u64, u64)> = self
            .lines
            .iter()
            .flat_map(|(source, set)| set.iter().map(move |fp| (*source, *fp)))
            .collect();
        pairs.sort_unstable();
        let mut bytes = Vec::with_capacity(pairs.len() * 16);
        for (source, fp) in pairs {
            bytes.extend_from_slice(&source.to_le_bytes());
            bytes.extend_from_slice(&fp.to_le_bytes());
        }
        xxhash_rust::xxh3::xxh3_64(&bytes)
    }

    pub(crate) fn contains(&self, source: u64, fingerprint: u64) -> bool {
        self.lines
            .get(&source)
            .is_some_and(|set| set.contains(&fingerprint))
    }
}

// ---------------------------------------------------------------------------
/// Wire format for map/merge across processes (Ray workers, shard jobs):
/// each process counts its part of the corpus, sends
/// [`LineStats::to_bytes`], and one process merges the decoded parts with
/// [`LineStats::merge`] before [`LineStats::finish`].
///
/// Layout, little-endian: the magic `NFLS`, a `u32` version (1), a `u64`
/// source count, then per source in ascending key order its `u64` key,
/// `u64` document count and `u64` line count followed by that many
/// (`u64` fingerprint, `u32` count) pairs in ascending fingerprint order.
/// Equal statistics give equal bytes. 12 bytes per distinct line per
/// source.
impl LineStats {
    const WIRE_MAGIC: &'static [u8; 4] = b"NFLS";
    const WIRE_VERSION: u32 = 1;

    /// The statistics in the wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let lines: usize = self.sources.values().map(|s| s.lines.len()).sum();
        let mut out = Vec::with_capacity(16 + 24 * self.sources.len() + 12 * lines);
        out.extend_from_slice(Self::WIRE_MAGIC);
        out.extend_from_slice(&Self::WIRE_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.sources.len() as u64).to_le_bytes());
        let mut sources: Vec<_> = self.sources.iter().collect();
        sources.sort_unstable_by_key(|(key, _)| **key);
        for (key, counts) in sources {
            out.extend_from_slice(&key.to_le_bytes());
            out.extend_from_slice(&counts.docs.to_le_bytes());
            out.extend_from_slice(&(counts.lines.len() as u64).to_le_bytes());
            let mut lines: Vec<(u64, u32)> = counts.lines.iter().map(|(f, n)| (*f, *n)).collect();
            lines.sort_unstable();
            for (fp, n) in lines {
                out.extend_from_slice(&fp.to_le_bytes());
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        out
    }

    /// Decodes [`LineStats::to_bytes`]. Anything else (another magic or
    /// version, a truncated or overlong buffer, keys out of order) is an
    /// [`std::io::ErrorKind::InvalidData`] error saying what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> std::io::Result<Self> {
        let mut rest = bytes;
        let header = Self::wire_take(&mut rest, 8, "header")?;
        if &header[..4] != Self::WIRE_MAGIC {
            return Err(Self::wire_error("not line statistics (bad magic)".into()));
        }
        let version = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
        if version != Self::WIRE_VERSION {
            return Err(Self::wire_error(format!(
                "line statistics version {version}, this program reads version {}",
                Self::WIRE_VERSION
            )));
        }
        let source_count = Self::wire_u64(&mut rest, "source count")?;
        if source_count > (rest.len() / 24) as u64 {
            return Err(Self::wire_error(format!(
                "{source_count} sources announced in {} bytes",
                rest.len()
            )));
        }
        let mut sources =
            HashMap::with_capacity_and_hasher(source_count as usize, Default::default());
        let mut previous_key = None;
        for _ in 0..source_count {
            let key = Self::wire_u64(&mut rest, "source key")?;
            if previous_key.is_some_and(|p| p >= key) {
                return Err(Self::wire_error("source keys out of order".into()));
            }
            previous_key = Some(key);
            let docs = Self::wire_u64(&mut rest, "document count")?;
            let line_count = Self::wire_u64(&mut rest, "line count")?;
            if line_count > (rest.len() / 12) as u64 {
                return Err(Self::wire_error(format!(
                    "{line_count} lines announced in {} bytes",
                    rest.len()
                )));
            }
            let mut lines =
                HashMap::with_capacity_and_hasher(line_count as usize, Default::default());
            let mut previous_fp = None;
            for _ in 0..line_count {
                let fp = Self::wire_u64(&mut rest, "line fingerprint")?;
                if previous_fp.is_some_and(|p| p >= fp) {
                    return Err(Self::wire_error("line fingerprints out of order".into()));
                }
                previous_fp = Some(fp);
                let n = Self::wire_take(&mut rest, 4, "line count")?;
                lines.insert(fp, u32::from_le_bytes(n.try_into().expect("4 bytes")));
            }
            sources.insert(key, SourceCounts { docs, lines });
        }
        if !rest.is_empty() {
            return Err(Self::wire_error(format!(
                "{} bytes after the end of the line statistics",
                rest.len()
            )));
        }
        Ok(LineStats { sources })
    }

    fn wire_error(problem: String) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, problem)
    }

    fn wire_take<'a>(rest: &mut &'a [u8], n: usize, what: &str) -> std::io::Result<&'a [u8]> {
        if rest.len() < n {
            return Err(Self::wire_error(format!(
                "line statistics end inside the {what}"
            )));
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }

    fn wire_u64(rest: &mut &[u8], what: &str) -> std::io::Result<u64> {
        let b = Self::wire_take(rest, 8, what)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::test_batch;

    fn doc(path: &str, text: &str) -> (String, String) {
        (path.to_string(), text.to_string())
    }

    #[test]
    fn learns_lines_repeated_in_one_source() {
        let footer = "TASS is a Russian news agency";
        let mut docs = Vec::new();
        for i in 0..6 {
            docs.push(doc(
                &format!("tass/{i}.txt"),
                &format!("Story number {i}.\n\n{footer}"),
            ));
        }
        for i in 0..6 {
            docs.push(doc(
                &format!("other/{i}.txt"),
                &format!("Other story {i}.\n\n{footer}"),
            ));
        }
        // Split over two observers, merged, as the runner does.
        let mut a = LineStats::new();
        a.observe(&test_batch(&docs[..7])).unwrap();
        let mut b = LineStats::new();
        b.observe(&test_batch(&docs[7..])).unwrap();
        a.merge(b);
        assert_eq!(a.documents(), 12);
        let cfg = NormalizeConfig::default();
        let bp = a.finish(&cfg);
        assert_eq!(bp.len(), 2, "the footer, once per source");
        assert!(bp.contains(
            source_key(None, Some("tass/0.txt")),
            line_fingerprint(footer)
        ));
        assert!(!bp.contains(
            source_key(None, Some("tass/0.txt")),
            line_fingerprint("Story number 0.")
        ));
    }

    #[test]
    fn thresholds_apply() {
        let docs: Vec<_> = (0..10)
            .map(|i| {
                let text = if i < 4 {
                    "Common line".to_string()
                } else {
                    format!("Unique {i}")
                };
                doc(&format!("s/{i}.txt"), &text)
            })
            .collect();
        let mut stats = LineStats::new();
        stats.observe(&test_batch(&docs)).unwrap();
        let mut cfg = NormalizeConfig {
            boilerplate_min_docs: 3,
            boilerplate_min_share: 0.5,
            ..NormalizeConfig::default()
        };
        assert!(
            stats.clone().finish(&cfg).is_empty(),
            "4 of 10 is under half"
        );
        cfg.boilerplate_min_share = 0.3;
        assert_eq!(stats.clone().finish(&cfg).len(), 1, "`Common line`");
        cfg.boilerplate_min_docs = 20;
        assert!(
            stats.finish(&cfg).is_empty(),
            "too few documents in the source"
        );
    }

    #[test]
    fn digest_ignores_learning_order() {
        let docs: Vec<_> = (0..6)
            .map(|i| {
                doc(
                    &format!("s/{i}.txt"),
                    &format!("Footer A\nFooter B\nStory {i}"),
                )
            })
            .collect();
        let cfg = NormalizeConfig::default();
        let mut forward = LineStats::new();
        forward.observe(&test_batch(&docs)).unwrap();
        let reversed: Vec<_> = docs.iter().rev().cloned().collect();
        let mut backward = LineStats::new();
        backward.observe(&test_batch(&reversed)).unwrap();
        let (a, b) = (forward.finish(&cfg), backward.finish(&cfg));
        assert_eq!(a.len(), 2);
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), Boilerplate::default().digest());
    }

    #[test]
    fn source_keys() {
        assert_eq!(
            source_key(None, Some("a/b/c.txt")),
            source_key(None, Some("a/b/d.txt"))
        );
        assert_ne!(
            source_key(None, Some("a/b/c.txt")),
            source_key(None, Some("a/c.txt"))
        );
        assert_eq!(
            source_key(Some("TASS"), Some("a/c.txt")),
            source_key(Some(" TASS "), None)
        );
        assert_eq!(
            source_key(Some(""), Some("x/1")),
            source_key(None, Some("x/2"))
        );
    }

    #[test]
    fn wire_format_round_trips_and_merges_like_memory() {
        let docs: Vec<_> = (0..8)
            .map(|i| {
                doc(
                    &format!("s{}/{i}.txt", i % 2),
                    &format!("Footer A\nFooter B\nStory {i}"),
                )
            })
            .collect();
        let mut whole = LineStats::new();
        whole.observe(&test_batch(&docs)).unwrap();
        let (mut a, mut b) = (LineStats::new(), LineStats::new());
        a.observe(&test_batch(&docs[..3])).unwrap();
        b.observe(&test_batch(&docs[3..])).unwrap();
        let mut merged = LineStats::from_bytes(&a.to_bytes()).unwrap();
        merged.merge(LineStats::from_bytes(&b.to_bytes()).unwrap());
        assert_eq!(merged.to_bytes(), whole.to_bytes(), "canonical bytes");
        assert_eq!(merged.documents(), 8);
        let cfg = NormalizeConfig {
            boilerplate_min_docs: 2,
            ..NormalizeConfig::default()
        };
        assert_eq!(
            merged.finish(&cfg).digest(),
            whole.clone().finish(&cfg).digest()
        );
        let empty = LineStats::new().to_bytes();
        assert_eq!(LineStats::from_bytes(&empty).unwrap().documents(), 0);
    }

    #[test]
    fn wire_format_rejects_damaged_input() {
        let docs = vec![doc("s/1.txt", "Line one\nLine two")];
        let mut stats = LineStats::new();
        stats.observe(&test_batch(&docs)).unwrap();
        let bytes = stats.to_bytes();
        let problem = |b: &[u8]| LineStats::from_bytes(b).unwrap_err().to_string();
        for end in [6, 20, bytes.len() - 1] {
            let p = problem(&bytes[..end]);
            assert!(p.contains("inside") || p.contains("announced"), "{p}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(problem(&longer).contains("after the end"));
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(problem(&magic).contains("magic"));
        let mut version = bytes.clone();
        version[4] = 9;
        assert!(problem(&version).contains("version 9"));
        let mut huge = bytes[..16].to_vec();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(problem(&huge).contains("announced"));
        assert!(problem(b"").contains("header"));
    }
}
