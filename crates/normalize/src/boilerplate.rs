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
//! 32-bit count, per source: 20 to 40 bytes (with hash-table overhead)
//! per distinct short line per source in a [`LineStats`]. Most lines are
//! unique, so for a whole corpus that grows with the corpus; the runner
//! therefore collects them in a [`SpillingLineStats`], which holds at
//! most `B` bytes of counts ([`SPILL_BUDGET`], 32 MiB; up to about `2B`
//! allocated right after the tables double) and beyond that writes them,
//! sorted, as runs of 20 bytes per line to the spill directory. Its finish
//! merges the runs (a 16 KiB read buffer each; about `20·m / B` runs for
//! `m` distinct (source, line) pairs) and adds up each line's counts, so
//! the learned lines are exactly those of counting in memory. Its memory
//! is `2B + 16 KiB·runs + 64 bytes per source +` the [`Boilerplate`],
//! which keeps only the lines that passed the thresholds; the runs take
//! 20 bytes of disk per line and run, and are removed once read.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use arrow_array::RecordBatch;
use newsflow_core::Result;
use xxhash_rust::xxh3::xxh3_64;

use crate::NormalizeConfig;
use crate::clean::clean_text;
use crate::input::InputColumns;
use crate::spill::{SpillFile, SpillReader, SpillWriter};

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
        let mut lines = HashMap::default();
        for (source, counts) in self.sources {
            let keep: HashSet<u64> = counts
                .lines
                .into_iter()
                .filter(|&(_, n)| is_boilerplate(u64::from(n), counts.docs, cfg))
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

    /// Distinct (source, line) counts held.
    fn entries(&self) -> usize {
        self.sources.values().map(|s| s.lines.len()).sum()
    }
}

/// Whether a line seen in `n` of a source's `docs` documents passes the
/// thresholds.
fn is_boilerplate(n: u64, docs: u64, cfg: &NormalizeConfig) -> bool {
    let min_docs = cfg.boilerplate_min_docs.max(1) as u64;
    docs >= min_docs && n >= min_docs && n as f64 >= cfg.boilerplate_min_share * docs as f64
}

/// Default memory budget of a [`SpillingLineStats`]: 32 MiB.
pub const SPILL_BUDGET: usize = 32 << 20;

/// Bytes a counted line takes in a [`LineStats`] hash table when it is
/// full (a 16-byte slot and a control byte, at most 7/8 of the slots
/// used); right after a table doubles, twice that.
const ENTRY_BYTES: usize = 20;

/// Line statistics of a whole corpus within a memory budget, with the
/// same result as [`LineStats::finish`] (see the module docs, "Memory").
///
/// Statistics of batches are added with [`SpillingLineStats::add`]; when
/// the counted lines exceed the budget, they are written, sorted by source
/// and fingerprint, to a run file in the spill directory (the document
/// count of each source stays in memory). [`SpillingLineStats::finish`]
/// merges the runs, adds up the counts of each line and keeps the lines
/// that pass the thresholds. While nothing was spilled, it is
/// [`LineStats::finish`].
pub struct SpillingLineStats {
    dir: PathBuf,
    budget: usize,
    stats: LineStats,
    /// Sorted runs and their line counts.
    runs: Vec<(SpillFile, u64)>,
}

impl SpillingLineStats {
    /// Empty statistics that hold about `budget` bytes of counts and spill
    /// to `dir`.
    pub fn new(dir: &Path, budget: usize) -> SpillingLineStats {
        SpillingLineStats {
            dir: dir.to_path_buf(),
            budget,
            stats: LineStats::new(),
            runs: Vec::new(),
        }
    }

    /// Adds the counts of `part`.
    pub fn add(&mut self, part: LineStats) -> Result<()> {
        self.stats.merge(part);
        if self.stats.entries() * ENTRY_BYTES > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Number of run files written so far.
    pub fn spilled_runs(&self) -> usize {
        self.runs.len()
    }

    /// Writes the counted lines as a run of (`u64` source, `u64`
    /// fingerprint, `u32` count) in ascending order, and frees the tables
    /// (keeping the document counts).
    fn spill(&mut self) -> Result<()> {
        let mut out = SpillWriter::create(&self.dir)?;
        let mut sources: Vec<_> = self.stats.sources.iter_mut().collect();
        sources.sort_unstable_by_key(|(key, _)| **key);
        let mut written = 0u64;
        let mut lines: Vec<(u64, u32)> = Vec::new();
        for (key, counts) in sources {
            lines.clear();
            lines.extend(std::mem::take(&mut counts.lines));
            lines.sort_unstable();
            for &(fp, n) in &lines {
                out.write(&key.to_le_bytes())?;
                out.write(&fp.to_le_bytes())?;
                out.write(&n.to_le_bytes())?;
            }
            written += lines.len() as u64;
        }
        self.runs.push((out.finish()?, written));
        Ok(())
    }

    /// Keeps the lines that pass the configured thresholds; errors name
    /// the spill file that could not be written or read back.
    pub fn finish(mut self, cfg: &NormalizeConfig) -> Result<Boilerplate> {
        if self.runs.is_empty() {
            return Ok(self.stats.finish(cfg));
        }
        if self.stats.entries() > 0 {
            self.spill()?;
        }
        let docs: HashMap<u64, u64> = self
            .stats
            .sources
            .into_iter()
            .map(|(key, counts)| (key, counts.docs))
            .collect();
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        let mut runs = Vec::with_capacity(self.runs.len());
        for (index, (file, left)) in self.runs.into_iter().enumerate() {
            let mut run = CountRun {
                reader: file.reader()?,
                left,
                last: None,
                _file: file,
            };
            if let Some(entry) = run.next()? {
                heap.push(Reverse((entry, index)));
            }
            runs.push(run);
        }
        let mut lines: HashMap<u64, HashSet<u64>> = HashMap::default();
        let mut open: Option<((u64, u64), u64)> = None;
        let mut decide = |line: Option<((u64, u64), u64)>| {
            if let Some(((source, fp), n)) = line
                && is_boilerplate(n, docs.get(&source).copied().unwrap_or(0), cfg)
            {
                lines.entry(source).or_default().insert(fp);
            }
        };
        while let Some(Reverse(((key, n), index))) = heap.pop() {
            if let Some(next) = runs[index].next()? {
                heap.push(Reverse((next, index)));
            }
            match &mut open {
                Some((k, total)) if *k == key => *total += u64::from(n),
                _ => decide(open.replace((key, u64::from(n)))),
            }
        }
        decide(open);
        let boilerplate = Boilerplate { lines };
        tracing::debug!(
            sources = boilerplate.lines.len(),
            lines = boilerplate.len(),
            "boilerplate lines learned from spilled counts"
        );
        Ok(boilerplate)
    }
}

/// Reads one run of line counts back, checking its order.
struct CountRun {
    reader: SpillReader,
    left: u64,
    last: Option<(u64, u64)>,
    _file: SpillFile,
}

impl CountRun {
    /// The next ((source, fingerprint), count), or `None` after the last.
    fn next(&mut self) -> Result<Option<((u64, u64), u32)>> {
        if self.left == 0 {
            self.reader.expect_end()?;
            return Ok(None);
        }
        self.left -= 1;
        let source = self.reader.read_u64("line count")?;
        let fp = self.reader.read_u64("line count")?;
        let n = self.reader.read_u32("line count")?;
        if self.last.is_some_and(|last| last >= (source, fp)) {
            return Err(self.reader.damaged("line counts out of order".into()));
        }
        self.last = Some((source, fp));
        Ok(Some(((source, fp), n)))
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
    fn spilled_counts_learn_the_same_lines() {
        let docs: Vec<_> = (0..60)
            .map(|i| {
                doc(
                    &format!("s{}/{i}.txt", i % 3),
                    &format!(
                        "Footer {}\nShared {}\nStory {i}\nLine {}",
                        i % 3,
                        i % 7,
                        i % 11
                    ),
                )
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        for (min_docs, share) in [(2, 0.0), (3, 0.1), (5, 0.3)] {
            let cfg = NormalizeConfig {
                boilerplate_min_docs: min_docs,
                boilerplate_min_share: share,
                ..NormalizeConfig::default()
            };
            let mut whole = LineStats::new();
            whole.observe(&test_batch(&docs)).unwrap();
            let want = whole.finish(&cfg);
            assert!(want.len() >= 3, "{}", want.len());
            for (budget, part) in [(1, 1), (200, 7), (usize::MAX, 10)] {
                let mut spilling = SpillingLineStats::new(dir.path(), budget);
                for chunk in docs.chunks(part).rev() {
                    let mut stats = LineStats::new();
                    stats.observe(&test_batch(chunk)).unwrap();
                    spilling.add(stats).unwrap();
                }
                assert_eq!(spilling.spilled_runs() > 0, budget < usize::MAX);
                let got = spilling.finish(&cfg).unwrap();
                assert_eq!((got.len(), got.digest()), (want.len(), want.digest()));
                assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
            }
        }
    }

    #[test]
    fn damaged_spilled_counts_name_the_file() {
        let docs: Vec<_> = (0..20)
            .map(|i| doc(&format!("s/{i}.txt"), &format!("Footer\nStory {i}")))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let damages: [fn(&mut Vec<u8>); 3] = [
            |b| b.truncate(b.len() - 1),
            |b| b.push(0),
            |b| b[20..28].copy_from_slice(&[0; 8]),
        ];
        for damage in damages {
            let mut spilling = SpillingLineStats::new(dir.path(), 1);
            for chunk in docs.chunks(5) {
                let mut stats = LineStats::new();
                stats.observe(&test_batch(chunk)).unwrap();
                spilling.add(stats).unwrap();
            }
            let path = spilling.runs[0].0.path().to_path_buf();
            let mut bytes = std::fs::read(&path).unwrap();
            damage(&mut bytes);
            std::fs::write(&path, bytes).unwrap();
            let problem = spilling
                .finish(&NormalizeConfig::default())
                .unwrap_err()
                .to_string();
            assert!(problem.contains(&path.display().to_string()), "{problem}");
        }
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
