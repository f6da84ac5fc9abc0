//! Run-wide unique document ids.
//!
//! Every id a run hands out to a JSONL or CSV row has to be remembered until
//! the end of the pass, so this is the one piece of the reader that grows
//! with the number of rows. It keeps 128-bit fingerprints of the ids rather
//! than the ids: 16 bytes a row in sorted arrays, plus a small table of the
//! latest ones (see [`Taken`]). A map of the ids themselves took 40–70
//! bytes a row (the id, a table entry, the table's slack) and, while its
//! table doubled, the old table as well: a run over 2,000,000 short records
//! peaked at 281 MiB with it, 159 MiB with the fingerprints, against
//! 105–111 MiB for 200,000 (`docs/benchmarks.md`, fourteenth round).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_128;

use crate::inputs::Plan;

/// Hands out ids that are unique within a run: the first claim of an id gets
/// it unchanged, later claims get `id#2`, `id#3`, ... (the first free one,
/// in claim order, so the outcome is deterministic).
#[derive(Debug, Default)]
pub(crate) struct IdRegistry {
    /// Inputs whose ids count as taken from the start (looked up in the
    /// plan, not copied).
    files: Plan,
    /// Every id handed out.
    taken: Taken,
    /// Ids claimed more than once, with the next suffix to try when they
    /// are claimed again.
    next: HashMap<Box<str>, u32>,
}

impl IdRegistry {
    /// A registry in which the ids of `files` are taken.
    pub(crate) fn with_files(files: Plan) -> IdRegistry {
        IdRegistry {
            files,
            ..IdRegistry::default()
        }
    }

    fn is_taken(&self, id: &str) -> bool {
        self.taken.contains(fingerprint(id)) || self.files.has_id(id)
    }

    /// Returns `id`, or `id#N` with the smallest free `N >= 2` when `id` is
    /// taken, and marks the result as taken.
    pub(crate) fn claim(&mut self, id: String) -> String {
        let next = match self.next.get(id.as_str()) {
            Some(&next) => next,
            None if self.is_taken(&id) => 2,
            None => {
                self.taken.insert(fingerprint(&id));
                return id;
            }
        };
        let mut n = next;
        loop {
            let candidate = format!("{id}#{n}");
            n += 1;
            if !self.is_taken(&candidate) {
                self.taken.insert(fingerprint(&candidate));
                self.next.insert(id.into(), n);
                return candidate;
            }
        }
    }
}

/// The 128-bit xxh3 of `id`. Two different ids of a run share one with a
/// probability of about n² / 2¹²⁹ for n ids (below 10⁻²⁰ for a billion);
/// the later of two such ids would be numbered as if it repeated the first.
fn fingerprint(id: &str) -> u128 {
    xxh3_128(id.as_bytes())
}

/// Fewest fingerprints [`Taken`] collects before it merges them into its
/// sorted parts; it merges when the latest reach a sixteenth of the total.
const MIN_RECENT: usize = 1 << 16;

/// A set of fingerprints that costs 16 bytes each, and little more while it
/// grows.
///
/// New fingerprints go into a hash table (`recent`) until it holds
/// [`MIN_RECENT`] of them or a sixteenth of all, then move, sorted, into 256
/// sorted arrays chosen by their top byte. Each array is rebuilt at its
/// exact new size, so growing copies one 256th of the set at a time, where
/// one hash table of all of them would hold twice its size (and then more
/// than 32 bytes an entry) each time it doubled. Look-ups are a hash probe
/// and a binary search in one array. Bound: 16 bytes per fingerprint in the
/// arrays, plus `recent` (at most max(65,536, n / 16) entries of 16 bytes
/// and a control byte, with the table's slack), plus during a merge a
/// sorted copy of `recent` and one array's old and new buffers.
#[derive(Debug)]
struct Taken {
    parts: Vec<Vec<u128>>,
    recent: HashSet<u128, BuildHasherDefault<Fingerprinted>>,
    /// Fingerprints in `parts`.
    sorted: usize,
    min_recent: usize,
}

impl Default for Taken {
    fn default() -> Self {
        Taken::with_min_recent(MIN_RECENT)
    }
}

impl Taken {
    fn with_min_recent(min_recent: usize) -> Self {
        Taken {
            parts: vec![Vec::new(); 256],
            recent: HashSet::default(),
            sorted: 0,
            min_recent,
        }
    }

    fn part(fp: u128) -> usize {
        (fp >> 120) as usize
    }

    fn contains(&self, fp: u128) -> bool {
        self.recent.contains(&fp) || self.parts[Taken::part(fp)].binary_search(&fp).is_ok()
    }

    /// Adds `fp`, which must not be in the set yet.
    fn insert(&mut self, fp: u128) {
        self.recent.insert(fp);
        if self.recent.len() >= self.min_recent.max(self.sorted / 16) {
            self.merge();
        }
    }

    /// Moves `recent` into the sorted parts.
    fn merge(&mut self) {
        let mut new: Vec<u128> = self.recent.drain().collect();
        new.sort_unstable();
        self.sorted += new.len();
        let mut rest = &new[..];
        for (p, part) in self.parts.iter_mut().enumerate() {
            let n = rest.partition_point(|&fp| Taken::part(fp) == p);
            let (add, after) = rest.split_at(n);
            rest = after;
            if add.is_empty() {
                continue;
            }
            let mut merged = Vec::with_capacity(part.len() + add.len());
            let (mut i, mut j) = (0, 0);
            while i < part.len() && j < add.len() {
                if part[i] < add[j] {
                    merged.push(part[i]);
                    i += 1;
                } else {
                    merged.push(add[j]);
                    j += 1;
                }
            }
            merged.extend_from_slice(&part[i..]);
            merged.extend_from_slice(&add[j..]);
            *part = merged;
        }
    }
}

/// The hasher of [`Taken::recent`]: a fingerprint is a hash already, so its
/// low 64 bits serve as is.
#[derive(Debug, Default)]
struct Fingerprinted(u64);

impl Hasher for Fingerprinted {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, fp: u128) {
        self.0 = fp as u64;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only fingerprints are hashed here; any other key still gets a
        // usable hash.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_get_numbered_suffixes() {
        let mut ids = IdRegistry::default();
        assert_eq!(ids.claim("a".into()), "a");
        assert_eq!(ids.claim("a".into()), "a#2");
        assert_eq!(ids.claim("a#3".into()), "a#3");
        assert_eq!(ids.claim("a".into()), "a#4");
        assert_eq!(ids.claim("a#2".into()), "a#2#2");
        assert_eq!(ids.claim("b".into()), "b");
        assert_eq!(ids.claim("b".into()), "b#2");
    }

    #[test]
    fn the_ids_of_the_files_are_taken_from_the_start() {
        let files = plan_of(&["x".into(), "x#2".into(), "y".into()]);
        let mut ids = IdRegistry::with_files(files.slice(0..2));
        assert_eq!(ids.claim("x".into()), "x#3");
        assert_eq!(ids.claim("x".into()), "x#4");
        assert_eq!(ids.claim("x#2".into()), "x#2#2");
        // `y` is in the plan but not in the slice.
        assert_eq!(ids.claim("y".into()), "y");
        assert_eq!(ids.claim("y".into()), "y#2");
    }

    /// The registry's rule, as it was written before [`Taken`]: a map of
    /// the ids themselves.
    #[derive(Default)]
    struct Model {
        files: Vec<String>,
        taken: HashMap<String, u32>,
    }

    impl Model {
        fn is_taken(&self, id: &str) -> bool {
            self.taken.contains_key(id) || self.files.iter().any(|f| f == id)
        }

        fn claim(&mut self, id: String) -> String {
            let mut n = match self.taken.get(&id) {
                Some(&next) => next,
                None if self.files.contains(&id) => 2,
                None => {
                    self.taken.insert(id.clone(), 2);
                    return id;
                }
            };
            loop {
                let candidate = format!("{id}#{n}");
                n += 1;
                if !self.is_taken(&candidate) {
                    self.taken.insert(candidate.clone(), 2);
                    self.taken.insert(id, n);
                    return candidate;
                }
            }
        }
    }

    fn plan_of(ids: &[String]) -> Plan {
        use crate::format::{Compression, Format};
        use crate::plan::{InputFile, Status};
        ids.iter()
            .map(|id| InputFile {
                path: format!("/d/{id}.txt").into(),
                rel_path: format!("{id}.txt"),
                doc_id: id.clone(),
                format: Format::Text,
                compression: Compression::None,
                status: Status::File { size: 1 },
            })
            .collect()
    }

    proptest::proptest! {
        /// Ids drawn from a few names and their numbered forms, so that
        /// repeats, taken suffixes and file ids all occur; the set merges
        /// every few ids.
        #[test]
        fn claims_match_the_map_of_ids(
            files in proptest::collection::vec("[ab](#[23])?", 0..3),
            claims in proptest::collection::vec("[abc](#[234])?(#2)?", 0..60),
        ) {
            let mut files = files;
            files.sort();
            files.dedup();
            let mut ids = IdRegistry {
                files: plan_of(&files),
                taken: Taken::with_min_recent(3),
                next: HashMap::new(),
            };
            let mut model = Model { files, ..Model::default() };
            for id in claims {
                proptest::prop_assert_eq!(ids.claim(id.clone()), model.claim(id));
            }
        }
    }

    #[test]
    fn fingerprints_are_found_after_every_merge() {
        let fps: Vec<u128> = (0..20_000u32)
            .map(|i| fingerprint(&i.to_string()))
            .collect();
        let (added, absent) = fps.split_at(10_000);
        let mut taken = Taken::with_min_recent(100);
        for (i, &fp) in added.iter().enumerate() {
            assert!(!taken.contains(fp));
            taken.insert(fp);
            assert!(taken.contains(fp));
            // Earlier ones are still there, wherever they are now.
            assert!(taken.contains(added[i / 2]));
        }
        assert!(taken.sorted > 9_000, "{} merged", taken.sorted);
        assert_eq!(taken.sorted + taken.recent.len(), added.len());
        assert!(added.iter().all(|&fp| taken.contains(fp)));
        assert!(absent.iter().all(|&fp| !taken.contains(fp)));
        for (p, part) in taken.parts.iter().enumerate() {
            assert!(part.windows(2).all(|w| w[0] < w[1]), "part {p} unsorted");
            assert!(
                part.iter().all(|&fp| Taken::part(fp) == p),
                "part {p} mixed"
            );
        }
    }
}
