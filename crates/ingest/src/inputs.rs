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
//!
//! # Memory
//!
//! The walk builds the plan in memory (about 40 bytes per usual file: 80 MB
//! for 2,000,000 files, before any pass starts). A plan of more than
//! [`SPILL_INPUTS`] inputs then moves its entries and names to an unnamed
//! temporary file and reads them back a page of [`PAGE_INPUTS`] at a time,
//! so that the passes hold about 40 KiB of it, plus its directories and
//! whole inputs, whatever the number of files. The first lookup by doc id
//! (which only a JSONL or CSV record makes) adds 16 bytes per input.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use xxhash_rust::xxh3::xxh3_64;

use crate::format::{Compression, Format};
use crate::ids::IdRegistry;
use crate::plan::{InputFile, Status};

/// Plans of more inputs than this keep their entries in a temporary file
/// (see the [module docs](self)).
pub const SPILL_INPUTS: usize = 1 << 16;

/// Inputs read back from the temporary file at a time.
pub const PAGE_INPUTS: usize = 1024;

/// Inputs in plan order, every doc id unique. Cloning and
/// [`slicing`](Plan::slice) share the storage.
#[derive(Clone, Default)]
pub struct Plan {
    store: Arc<Store>,
    /// The positions of `store` this plan covers.
    range: Range<usize>,
}

impl Plan {
    pub(crate) fn new(store: Store) -> Plan {
        Plan::stored(store, SPILL_INPUTS)
    }

    /// A plan whose store moves to a temporary file past `spill_inputs`
    /// inputs.
    fn stored(mut store: Store, spill_inputs: usize) -> Plan {
        if store.len() > spill_inputs
            && let Err(e) = store.spill()
        {
            tracing::warn!("keeping the plan in memory: no temporary file for it: {e}");
        }
        store.entries.shrink_to_fit();
        store.names.shrink_to_fit();
        store.dirs.shrink_to_fit();
        let range = 0..store.len();
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
        let by_id = store.by_id.get_or_init(|| store.hashed_ids());
        let hash = xxh3_64(id.as_bytes());
        let from = by_id.partition_point(|&(h, _)| h < hash);
        by_id[from..]
            .iter()
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, at)| at as usize)
            .any(|at| self.range.contains(&at) && store.with_id(at, |found| found == id))
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
    /// The entries and names once [`Store::spill`] moved them to a file.
    spilled: Option<Spilled>,
    /// The inputs that have no compact form, by position.
    whole: HashMap<usize, InputFile>,
    /// `(xxh3 of the doc id, position)` of every input, sorted: built on
    /// the first lookup by id.
    by_id: OnceLock<Vec<(u64, u32)>>,
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

/// Bytes of an [`Entry`] in the temporary file.
const ENTRY_BYTES: usize = 24;

impl Entry {
    fn to_bytes(self) -> [u8; ENTRY_BYTES] {
        let mut b = [0; ENTRY_BYTES];
        b[..8].copy_from_slice(&self.size.to_le_bytes());
        b[8..12].copy_from_slice(&self.dir.to_le_bytes());
        b[12..16].copy_from_slice(&self.name_at.to_le_bytes());
        b[16..18].copy_from_slice(&self.name_len.to_le_bytes());
        b[18..20].copy_from_slice(&self.id_len.to_le_bytes());
        b[20] = match self.format {
            Format::Text => 0,
            Format::Jsonl => 1,
            Format::Csv => 2,
        };
        b[21] = match self.compression {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Zstd => 2,
        };
        b[22] = u8::from(self.whole);
        b
    }

    fn from_bytes(b: &[u8]) -> Entry {
        let u16_at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
        let u32_at = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        Entry {
            size: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            dir: u32_at(8),
            name_at: u32_at(12),
            name_len: u16_at(16),
            id_len: u16_at(18),
            format: match b[20] {
                0 => Format::Text,
                1 => Format::Jsonl,
                _ => Format::Csv,
            },
            compression: match b[21] {
                0 => Compression::None,
                1 => Compression::Gzip,
                _ => Compression::Zstd,
            },
            whole: b[22] != 0,
        }
    }
}

/// Entries and names in a temporary file: the entries first, [`ENTRY_BYTES`]
/// each, then the names from byte `names_at`.
struct Spilled {
    file: File,
    len: usize,
    names_at: u64,
    /// The page read last.
    page: Mutex<Page>,
}

/// The entries `first..first + entries.len()` and their names, which start
/// at byte `names_from` of the names.
#[derive(Default)]
struct Page {
    first: usize,
    entries: Vec<Entry>,
    names_from: usize,
    names: String,
}

impl Spilled {
    /// Reads the page holding entry `i` into `page`.
    fn load(&self, page: &mut Page, i: usize) -> std::io::Result<()> {
        let first = i - i % PAGE_INPUTS;
        let end = (first + PAGE_INPUTS).min(self.len);
        let mut bytes = vec![0; (end - first) * ENTRY_BYTES];
        read_at(&self.file, &mut bytes, (first * ENTRY_BYTES) as u64)?;
        page.entries.clear();
        page.entries
            .extend(bytes.chunks_exact(ENTRY_BYTES).map(Entry::from_bytes));
        // Names are stored in entry order, so the page's usual entries
        // name a run of them.
        let mut usual = page.entries.iter().filter(|e| !e.whole);
        let (from, to) = match (usual.next(), usual.next_back()) {
            (Some(a), Some(b)) => (
                a.name_at as usize,
                b.name_at as usize + usize::from(b.name_len),
            ),
            (Some(a), None) => (
                a.name_at as usize,
                a.name_at as usize + usize::from(a.name_len),
            ),
            _ => (0, 0),
        };
        let mut names = vec![0; to - from];
        read_at(&self.file, &mut names, self.names_at + from as u64)?;
        page.names = String::from_utf8(names)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        page.names_from = from;
        page.first = first;
        Ok(())
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Number of inputs.
    pub(crate) fn len(&self) -> usize {
        self.spilled.as_ref().map_or(self.entries.len(), |s| s.len)
    }

    /// Moves the entries and names to an unnamed temporary file, to be read
    /// back a page at a time. Done once the ids are final: the id methods
    /// used while planning (`id`, `set_id`, `sorted_by_id`) read memory.
    fn spill(&mut self) -> std::io::Result<()> {
        use std::io::Write as _;
        let file = tempfile::tempfile()?;
        let mut out = std::io::BufWriter::new(&file);
        for entry in &self.entries {
            out.write_all(&entry.to_bytes())?;
        }
        out.write_all(self.names.as_bytes())?;
        out.flush()?;
        drop(out);
        self.spilled = Some(Spilled {
            len: self.entries.len(),
            names_at: (self.entries.len() * ENTRY_BYTES) as u64,
            file,
            page: Mutex::new(Page::default()),
        });
        self.entries = Vec::new();
        self.names = String::new();
        Ok(())
    }

    /// Calls `f` with entry `i` and its name (empty for a whole input).
    fn with_entry<R>(&self, i: usize, f: impl FnOnce(&Entry, &str) -> R) -> R {
        let Some(spilled) = &self.spilled else {
            let entry = &self.entries[i];
            return f(entry, self.name(entry));
        };
        let mut page = spilled.page.lock().unwrap_or_else(|e| e.into_inner());
        if !(page.first..page.first + page.entries.len()).contains(&i) {
            // The file is the run's own, written whole before the first
            // read: failing to read it back is not something a run can
            // recover from.
            spilled
                .load(&mut page, i)
                .unwrap_or_else(|e| panic!("cannot read back the plan's temporary file: {e}"));
        }
        let entry = &page.entries[i - page.first];
        let name = if entry.whole {
            ""
        } else {
            let at = entry.name_at as usize - page.names_from;
            &page.names[at..at + usize::from(entry.name_len)]
        };
        f(entry, name)
    }

    /// Calls `f` with the doc id of input `i`.
    fn with_id<R>(&self, i: usize, f: impl FnOnce(&str) -> R) -> R {
        match self.whole.get(&i) {
            Some(file) => f(&file.doc_id),
            None => self.with_entry(i, |entry, name| f(&name[..usize::from(entry.id_len)])),
        }
    }

    /// `(xxh3 of the doc id, position)` of every input, sorted.
    fn hashed_ids(&self) -> Vec<(u64, u32)> {
        let mut hashed: Vec<(u64, u32)> = (0..self.len())
            .map(|i| {
                let at = u32::try_from(i).expect("fewer than 2^32 inputs");
                (self.with_id(i, |id| xxh3_64(id.as_bytes())), at)
            })
            .collect();
        hashed.sort_unstable();
        hashed
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
        if let Some(file) = self.whole.get(&i) {
            return file.clone();
        }
        self.with_entry(i, |entry, name| {
            let dir = &self.dirs[entry.dir as usize];
            InputFile {
                path: dir.path.join(name),
                rel_path: format!("{}{name}", dir.rel),
                doc_id: name[..usize::from(entry.id_len)].to_string(),
                format: entry.format,
                compression: entry.compression,
                status: Status::File { size: entry.size },
            }
        })
    }

    /// The doc id of input `i` while planning (before [`Store::spill`]).
    pub(crate) fn id(&self, i: usize) -> &str {
        debug_assert!(
            self.spilled.is_none(),
            "ids are read from memory while planning"
        );
        let entry = &self.entries[i];
        if entry.whole {
            &self.whole[&i].doc_id
        } else {
            &self.name(entry)[..usize::from(entry.id_len)]
        }
    }

    pub(crate) fn set_id(&mut self, i: usize, id: String) {
        debug_assert!(self.spilled.is_none(), "ids are set while planning");
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

    /// The plan of `files` with its entries in a temporary file.
    fn spilled(files: Vec<InputFile>) -> Plan {
        let mut store = Store::default();
        for file in files {
            store.push(file);
        }
        store.number_repeated_ids();
        let plan = Plan::stored(store, 0);
        assert!(plan.is_empty() || plan.store.spilled.is_some());
        plan
    }

    #[test]
    fn a_spilled_plan_reads_back_every_page() {
        let files: Vec<InputFile> = (0..2 * PAGE_INPUTS + 100)
            .map(|i| {
                let dir = i / 300;
                let mut f = file(
                    &format!("/c/d{dir}/n{i}.txt"),
                    &format!("d{dir}/n{i}.txt"),
                    &format!("n{i}"),
                    size(i as u64),
                );
                if i % 7 == 3 {
                    f.status = Status::Unreadable {
                        detail: "gone".into(),
                    };
                }
                if i % 11 == 5 {
                    // Stored whole: the id is not a prefix of the name.
                    f.doc_id = format!("renamed{i}");
                }
                f
            })
            .collect();
        let plan = spilled(files.clone());
        assert!(plan.store.entries.is_empty() && plan.store.names.is_empty());
        assert_eq!(plan.iter().collect::<Vec<_>>(), files);
        // Backwards, so that every read is on another page than the last.
        for i in (0..files.len()).rev().step_by(97) {
            assert_eq!(plan.get(i).as_ref(), Some(&files[i]));
        }
        let part = plan.slice(PAGE_INPUTS - 2..PAGE_INPUTS + 2);
        assert_eq!(
            part.iter().collect::<Vec<_>>(),
            files[PAGE_INPUTS - 2..PAGE_INPUTS + 2]
        );
        assert!(plan.has_id("n2147") && plan.has_id("renamed5") && !plan.has_id("n5"));
        assert!(part.has_id(&files[PAGE_INPUTS].doc_id) && !part.has_id("n0"));
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
            let in_file = spilled(files.clone());
            let plan: Plan = files.into_iter().collect();
            for plan in [plan, in_file] {
                let back: Vec<InputFile> = plan.iter().collect();
                prop_assert_eq!(&back, &expected);
                for (b, f) in back.iter().zip(&expected) {
                    // `PathBuf` equality ignores a trailing `/`; opening
                    // does not.
                    prop_assert_eq!(b.path.as_os_str(), f.path.as_os_str());
                    prop_assert!(plan.has_id(&f.doc_id));
                }
            }
        }
    }
}
