//! The planned inputs, stored compactly.
//!
//! A run keeps its plan from the walk to the end and reads it once per
//! corpus pass, so its size grows with the number of files: an
//! [`InputFile`] per file costs about 200 bytes (three strings and the
//! struct). A [`Plan`] stores the usual file, a regular file whose id is a
//! prefix of its name, as its name in one shared string and a 24-byte entry
//! that points at its directory: about 40 bytes for a name like
//! `doc00012345.txt`. Everything else (unreadable entries, renamed ids,
//! names that are not UTF-8) is kept whole beside it.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::format::{Compression, Format};
use crate::ids::IdRegistry;
use crate::plan::{InputFile, Status};

/// Inputs in plan order, every doc id unique. Cloning and
/// [`slicing`](Plan::slice) share the storage.
#[derive(Clone, Default)]
pub struct Plan {
    store: Arc<Store>,
    /// The positions of `store` this plan covers.
    range: Range<usize>,
}

impl Plan {
    pub(crate) fn new(mut store: Store) -> Plan {
        store.entries.shrink_to_fit();
        store.names.shrink_to_fit();
        store.dirs.shrink_to_fit();
        let range = 0..store.entries.len();
        Plan {
            store: Arc::new(store),
            range,
        }
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// Input `i` (0-based, in plan order).
    pub fn get(&self, i: usize) -> Option<InputFile> {
        (i < self.len()).then(|| self.store.get(self.range.start + i))
    }

    /// The inputs in plan order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = InputFile> + '_ {
        self.range.clone().map(|i| self.store.get(i))
    }

    /// The inputs at `range` of this plan, sharing its storage.
    ///
    /// # Panics
    /// When `range` does not lie within `0..len()`, like slicing a `Vec`.
    pub fn slice(&self, range: Range<usize>) -> Plan {
        assert!(
            range.start <= range.end && range.end <= self.len(),
            "range {range:?} outside a plan of {} inputs",
            self.len()
        );
        Plan {
            store: self.store.clone(),
            range: self.range.start + range.start..self.range.start + range.end,
        }
    }

    /// Whether an input of this plan has the doc id `id`.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        let store = &*self.store;
        let by_id = store.by_id.get_or_init(|| store.sorted_by_id());
        // Ids are unique in a store, so at most one position matches.
        by_id
            .binary_search_by(|&i| store.id(i).cmp(id))
            .is_ok_and(|at| self.range.contains(&by_id[at]))
    }
}

impl FromIterator<InputFile> for Plan {
    /// Stores `files` in the given order. Ids that repeat (plans made
    /// separately and joined) keep the first; later ones get `#2`, `#3`, ...
    fn from_iter<I: IntoIterator<Item = InputFile>>(files: I) -> Plan {
        let mut store = Store::default();
        for file in files {
            store.push(file);
        }
        store.number_repeated_ids();
        Plan::new(store)
    }
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The storage behind [`Plan`]s.
#[derive(Default)]
pub(crate) struct Store {
    dirs: Vec<Dir>,
    /// The file names of the compact entries, back to back.
    names: String,
    entries: Vec<Entry>,
    /// The inputs that have no compact form, by position.
    whole: HashMap<usize, InputFile>,
    /// Positions sorted by doc id, built on the first lookup by id.
    by_id: OnceLock<Vec<usize>>,
}

/// A directory of compact entries.
struct Dir {
    /// Path to open a file at: this joined with the file name.
    path: PathBuf,
    /// Relative path of a file: this followed by the file name (empty or
    /// ending in `/`).
    rel: String,
}

/// A regular file: its name is `names[name_at..][..name_len]`, its doc id
/// the first `id_len` bytes of the name. Unused when `whole` is set.
#[derive(Debug, Clone, Copy)]
struct Entry {
    size: u64,
    dir: u32,
    name_at: u32,
    name_len: u16,
    id_len: u16,
    format: Format,
    compression: Compression,
    whole: bool,
}

impl Store {
    /// Number of inputs.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn push(&mut self, file: InputFile) {
        match self.compact(&file) {
            Some(entry) => self.entries.push(entry),
            None => {
                self.whole.insert(self.entries.len(), file);
                self.entries.push(Entry {
                    size: 0,
                    dir: 0,
                    name_at: 0,
                    name_len: 0,
                    id_len: 0,
                    format: Format::Text,
                    compression: Compression::None,
                    whole: true,
                });
            }
        }
    }

    /// The compact entry of `file`, or `None` when it needs storing whole.
    /// Every field must come back exactly from the entry (see `get`).
    fn compact(&mut self, file: &InputFile) -> Option<Entry> {
        let Status::File { size } = file.status else {
            return None;
        };
        let name = file.path.file_name()?.to_str()?;
        let rel_dir = file.rel_path.strip_suffix(name)?;
        if !(rel_dir.is_empty() || rel_dir.ends_with('/')) || !name.starts_with(&file.doc_id) {
            return None;
        }
        let dir_path = file.path.parent()?;
        if dir_path.join(name).as_os_str() != file.path.as_os_str() {
            return None;
        }
        let name_at = u32::try_from(self.names.len()).ok()?;
        u32::try_from(self.names.len() + name.len()).ok()?;
        let entry = Entry {
            size,
            dir: self.dir(dir_path, rel_dir)?,
            name_at,
            name_len: u16::try_from(name.len()).ok()?,
            id_len: u16::try_from(file.doc_id.len()).ok()?,
            format: file.format,
            compression: file.compression,
            whole: false,
        };
        self.names.push_str(name);
        Some(entry)
    }

    /// Index of the directory `path` with relative path `rel`: the last
    /// one when it is the same (files of a directory come in a run).
    fn dir(&mut self, path: &Path, rel: &str) -> Option<u32> {
        if let Some(last) = self.dirs.last()
            && last.path.as_os_str() == path.as_os_str()
            && last.rel == rel
        {
            return u32::try_from(self.dirs.len() - 1).ok();
        }
        let at = u32::try_from(self.dirs.len()).ok()?;
        self.dirs.push(Dir {
            path: path.to_path_buf(),
            rel: rel.to_string(),
        });
        Some(at)
    }

    fn name(&self, entry: &Entry) -> &str {
        &self.names[entry.name_at as usize..][..usize::from(entry.name_len)]
    }

    pub(crate) fn get(&self, i: usize) -> InputFile {
        let entry = &self.entries[i];
        if entry.whole {
            return self.whole[&i].clone();
        }
        let dir = &self.dirs[entry.dir as usize];
        let name = self.name(entry);
        InputFile {
            path: dir.path.join(name),
            rel_path: format!("{}{name}", dir.rel),
            doc_id: name[..usize::from(entry.id_len)].to_string(),
            format: entry.format,
            compression: entry.compression,
            status: Status::File { size: entry.size },
        }
    }

    pub(crate) fn id(&self, i: usize) -> &str {
        let entry = &self.entries[i];
        if entry.whole {
            &self.whole[&i].doc_id
        } else {
            &self.name(entry)[..usize::from(entry.id_len)]
        }
    }

    pub(crate) fn set_id(&mut self, i: usize, id: String) {
        if let Some(file) = self.whole.get_mut(&i) {
            file.doc_id = id;
            return;
        }
        let entry = self.entries[i];
        match u16::try_from(id.len()) {
            Ok(len) if self.name(&entry).starts_with(&id) => self.entries[i].id_len = len,
            _ => {
                let mut file = self.get(i);
                file.doc_id = id;
                self.entries[i].whole = true;
                self.whole.insert(i, file);
            }
        }
    }

    /// All positions, sorted by doc id (then position).
    pub(crate) fn sorted_by_id(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| self.id(a).cmp(self.id(b)));
        order
    }

    /// Positions whose doc id is also another position's, in order.
    pub(crate) fn repeated_ids(&self) -> Vec<usize> {
        let order = self.sorted_by_id();
        let mut repeated = Vec::new();
        for run in order.chunk_by(|&a, &b| self.id(a) == self.id(b)) {
            if run.len() > 1 {
                repeated.extend_from_slice(run);
            }
        }
        repeated.sort_unstable();
        repeated
    }

    /// Makes the ids unique: the first input with an id keeps it, later
    /// ones get the first free `#2`, `#3`, ... in plan order.
    pub(crate) fn number_repeated_ids(&mut self) {
        if self.repeated_ids().is_empty() {
            return;
        }
        let mut ids = IdRegistry::default();
        for i in 0..self.len() {
            let id = self.id(i).to_string();
            let claimed = ids.claim(id.clone());
            if claimed != id {
                self.set_id(i, claimed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(path: &str, rel: &str, id: &str, status: Status) -> InputFile {
        InputFile {
            path: PathBuf::from(path),
            rel_path: rel.to_string(),
            doc_id: id.to_string(),
            format: Format::Jsonl,
            compression: Compression::Gzip,
            status,
        }
    }

    fn size(n: u64) -> Status {
        Status::File { size: n }
    }

    #[test]
    fn usual_files_are_stored_compactly_and_come_back_unchanged() {
        let files = vec![
            file(
                "/c/part1/doc1.jsonl.gz",
                "part1/doc1.jsonl.gz",
                "doc1",
                size(7),
            ),
            file(
                "/c/part1/doc2.jsonl.gz",
                "part1/doc2.jsonl.gz",
                "doc2",
                size(0),
            ),
            file("/c/part2/x.txt", "part2/x.txt", "x.txt", size(3)),
            file("x.txt", "x.txt", "x", size(1)),
        ];
        let plan: Plan = files.clone().into_iter().collect();
        assert!(plan.store.whole.is_empty());
        assert_eq!(plan.store.dirs.len(), 3);
        assert_eq!(plan.iter().collect::<Vec<_>>(), files);
    }

    #[test]
    fn other_inputs_are_stored_whole() {
        let unreadable = Status::Unreadable {
            detail: "Broken symbolic link.".into(),
        };
        let files = vec![
            // An id that is not a prefix of the name (a renamed collision).
            file("/c/a/x.txt", "a/x.txt", "a/x", size(1)),
            file("/c/a/y.txt", "a/y.txt", "y", unreadable),
            // A relative path that does not end in `/` and the name.
            file("/c/a/z.txt", "bz.txt", "z", size(1)),
            // A path that does not end in its name (`/c/a` would not do).
            file("/c/a/", "a", "a", size(1)),
            // No file name.
            file("/", "", "", size(1)),
        ];
        #[cfg(unix)]
        let files = {
            use std::os::unix::ffi::OsStrExt;
            let mut files = files;
            // A name that is not UTF-8 (the relative path is lossy).
            let mut odd = file("", "\u{fffd}.txt", "\u{fffd}", size(1));
            odd.path = Path::new(std::ffi::OsStr::from_bytes(b"/c/\xff.txt")).to_path_buf();
            files.push(odd);
            files
        };
        let plan: Plan = files.clone().into_iter().collect();
        assert_eq!(plan.store.whole.len(), files.len());
        assert_eq!(plan.iter().collect::<Vec<_>>(), files);
    }

    #[test]
    fn repeated_ids_are_numbered_in_order() {
        let plan: Plan = ["a", "b", "a", "a#2", "a"]
            .into_iter()
            .enumerate()
            .map(|(i, id)| file(&format!("/{i}/{id}.txt"), &format!("{id}.txt"), id, size(1)))
            .collect();
        let ids: Vec<String> = plan.iter().map(|f| f.doc_id).collect();
        assert_eq!(ids, ["a", "b", "a#2", "a#2#2", "a#3"]);
        // The numbered ids are not prefixes of their names (`a.txt`,
        // `a#2.txt`): those three are stored whole.
        assert_eq!(plan.store.whole.len(), 3);
    }

    #[test]
    fn slices_see_their_own_inputs_and_ids() {
        let plan: Plan = (0..6)
            .map(|i| {
                file(
                    &format!("/d/f{i}.txt"),
                    &format!("f{i}.txt"),
                    &format!("f{i}"),
                    size(i),
                )
            })
            .collect();
        let part = plan.slice(2..5);
        assert_eq!(part.len(), 3);
        assert_eq!(part.get(0).unwrap().doc_id, "f2");
        assert_eq!(part.get(3), None);
        assert_eq!(
            part.slice(1..3)
                .iter()
                .map(|f| f.doc_id)
                .collect::<Vec<_>>(),
            ["f3", "f4"]
        );
        assert!(part.has_id("f2") && part.has_id("f4"));
        assert!(!part.has_id("f1") && !part.has_id("f5") && !part.has_id("f"));
        assert!(plan.has_id("f0") && plan.has_id("f5"));
    }

    /// Inputs that are mostly of the compact shape (a path and a relative
    /// path ending in the same name, an id that starts the name), with
    /// the ways out of it mixed in.
    fn any_file() -> impl Strategy<Value = InputFile> {
        let part = || prop_oneof!["[a-c]{1,2}", Just("..".to_string()), Just("é".to_string())];
        (
            "[a-c#é]{0,3}(\\.txt)?",
            prop::collection::vec(part(), 0..3),
            prop::collection::vec(part(), 0..3),
            prop_oneof![(0usize..6).prop_map(Ok), "[a-c#]{0,3}".prop_map(Err)],
            prop::option::of(0u64..5),
            prop_oneof![Just(""), Just("/")],
        )
            .prop_map(|(name, dir, rel_dir, id, size, end)| {
                let join =
                    |parts: &[String]| parts.iter().map(|p| format!("{p}/")).collect::<String>();
                let doc_id = match id {
                    Ok(n) => name.chars().take(n).collect(),
                    Err(other) => other,
                };
                InputFile {
                    path: PathBuf::from(format!("{}{name}{end}", join(&dir))),
                    rel_path: format!("{}{name}", join(&rel_dir)),
                    doc_id,
                    format: Format::Text,
                    compression: Compression::None,
                    status: size.map_or(
                        Status::Unreadable {
                            detail: "gone".into(),
                        },
                        |size| Status::File { size },
                    ),
                }
            })
    }

    proptest! {
        /// Whatever the inputs, a plan gives them back as they were; only
        /// repeated ids are numbered.
        #[test]
        fn a_plan_gives_back_its_inputs(files in prop::collection::vec(any_file(), 0..12)) {
            let mut ids = IdRegistry::default();
            let expected: Vec<InputFile> = files
                .iter()
                .cloned()
                .map(|mut f| {
                    f.doc_id = ids.claim(f.doc_id);
                    f
                })
                .collect();
            let plan: Plan = files.into_iter().collect();
            let back: Vec<InputFile> = plan.iter().collect();
            prop_assert_eq!(&back, &expected);
            for (b, f) in back.iter().zip(&expected) {
                // `PathBuf` equality ignores a trailing `/`; opening does not.
                prop_assert_eq!(b.path.as_os_str(), f.path.as_os_str());
                prop_assert!(plan.has_id(&f.doc_id));
            }
        }
    }
}
