//! Walking the roots into a sorted list of inputs with document ids.

use std::fs;
use std::path::{Component, Path, PathBuf};

use tracing::{debug, info};
use walkdir::WalkDir;

use crate::config::Filter;
use crate::error::IngestError;
use crate::format::{self, Compression, Format};
use crate::inputs::{Plan, Store};

/// One planned input: a file to read, or an entry that is already known to
/// be unreadable (a broken link, a loop, an unlistable directory) and will
/// become an `unreadable` reject row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path to open: the root joined with the entry's path below it.
    pub path: PathBuf,
    /// Path relative to its root with `/` separators (lossily converted when
    /// not UTF-8); the file name when the root is a file.
    pub rel_path: String,
    /// Document id of the file, unique within the plan. Rows of a JSONL/CSV
    /// file use it as the `stem` of `stem:LINE`.
    pub doc_id: String,
    pub(crate) format: Format,
    pub(crate) compression: Compression,
    pub(crate) status: Status,
}

/// What planning found out about an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// A regular file of this size on disk.
    File { size: u64 },
    /// Known to be unreadable; the detail is the reject sentence.
    Unreadable { detail: String },
}

impl InputFile {
    /// Content layout, from the file name.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Compression, from the file name.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Size on disk, when the entry is a regular file.
    pub fn size(&self) -> Option<u64> {
        match self.status {
            Status::File { size } => Some(size),
            Status::Unreadable { .. } => None,
        }
    }

    fn new(path: PathBuf, rel_path: String, status: Status) -> InputFile {
        let name = rel_path.rsplit('/').next().unwrap_or(&rel_path);
        let info = format::classify(name);
        InputFile {
            doc_id: info.stem.to_string(),
            format: info.format,
            compression: info.compression,
            path,
            rel_path,
            status,
        }
    }
}

/// Walks `roots` in the given order. Each directory root is walked
/// recursively, following symbolic links, in byte order of the names at each
/// level (so `a/x.txt` comes before `a.txt`). Files are filtered by `filter`;
/// doc ids are assigned by [`assign_doc_ids`].
pub(crate) fn plan(roots: &[PathBuf], filter: &Filter) -> Result<Plan, IngestError> {
    let mut inputs = Store::default();
    for root in roots {
        // The root must exist, at least as a (possibly broken) link.
        fs::symlink_metadata(root).map_err(|source| IngestError::Root {
            path: root.clone(),
            source,
        })?;
        let before = inputs.len();
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => walk(root, filter, &mut inputs),
            Ok(meta) => {
                // Explicitly named files are always read, whatever the filters.
                let status = if meta.is_file() {
                    Status::File { size: meta.len() }
                } else {
                    Status::Unreadable {
                        detail: not_regular(&meta),
                    }
                };
                inputs.push(InputFile::new(root.clone(), root_name(root), status));
            }
            Err(e) => inputs.push(InputFile::new(
                root.clone(),
                root_name(root),
                Status::Unreadable {
                    detail: link_problem(root, &e),
                },
            )),
        }
        debug!(root = %root.display(), inputs = inputs.len() - before, "walked input root");
    }
    assign_doc_ids(&mut inputs);
    info!(
        roots = roots.len(),
        inputs = inputs.len(),
        "planned ingest inputs"
    );
    Ok(Plan::new(inputs))
}

fn walk(root: &Path, filter: &Filter, out: &mut Store) {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !e.file_type().is_dir() || !filter.excludes(&relative(root, e.path()))
        });
    for item in walker {
        match item {
            Ok(entry) => {
                let file_type = entry.file_type();
                if file_type.is_dir() {
                    continue;
                }
                let rel = relative(root, entry.path());
                if !filter.accepts_file(&rel) {
                    continue;
                }
                let status = match entry.metadata() {
                    Ok(meta) if meta.is_file() => Status::File { size: meta.len() },
                    Ok(meta) => Status::Unreadable {
                        detail: not_regular(&meta),
                    },
                    Err(e) => Status::Unreadable {
                        detail: format!("Cannot examine the file: {e}."),
                    },
                };
                out.push(InputFile::new(entry.into_path(), rel, status));
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let rel = if err.depth() == 0 {
                    root_name(root)
                } else {
                    relative(root, &path)
                };
                if filter.excludes(&rel) {
                    continue;
                }
                let detail = if let Some(ancestor) = err.loop_ancestor() {
                    format!(
                        "Symbolic link loop: the link points back to its ancestor directory `{}`.",
                        display_relative(root, ancestor)
                    )
                } else if let Some(io) = err.io_error() {
                    if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
                        && fs::metadata(&path).is_err()
                    {
                        link_problem(&path, io)
                    } else if fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                        format!("Cannot list the directory: {io}.")
                    } else {
                        format!("Cannot examine the entry: {io}.")
                    }
                } else {
                    format!("Cannot examine the entry: {err}.")
                };
                debug!(path = %path.display(), %detail, "unreadable entry while walking");
                out.push(InputFile::new(path, rel, Status::Unreadable { detail }));
            }
        }
    }
}

fn not_regular(meta: &fs::Metadata) -> String {
    format!(
        "The path is {}, not a regular file.",
        special_kind(meta.file_type())
    )
}

#[cfg(unix)]
fn special_kind(ft: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a named pipe"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: fs::FileType) -> &'static str {
    "a special file"
}

/// Detail for a path whose symbolic link cannot be followed.
fn link_problem(path: &Path, e: &std::io::Error) -> String {
    match fs::read_link(path) {
        Ok(target) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "Broken symbolic link: the target `{}` does not exist.",
            target.display()
        ),
        Ok(target) => format!(
            "Cannot follow the symbolic link to `{}`: {e}.",
            target.display()
        ),
        Err(_) => format!("Cannot examine the entry: {e}."),
    }
}

/// `path` relative to `root`, components joined with `/`, lossily UTF-8.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for component in rel.components() {
        if let Component::Normal(part) = component {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(&part.to_string_lossy());
        }
    }
    out
}

fn display_relative(root: &Path, path: &Path) -> String {
    let rel = relative(root, path);
    if rel.is_empty() { ".".to_string() } else { rel }
}

/// Relative path of a root that is itself the input: its file name.
fn root_name(root: &Path) -> String {
    root.file_name().map_or_else(
        || root.to_string_lossy().into_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Makes the inputs' doc ids unique.
///
/// 1. Each input starts with its stem (`InputFile::new`).
/// 2. Inputs whose stems collide switch to their relative path without
///    extensions (`a/x.txt`, `b/x.txt` → `a/x`, `b/x`).
/// 3. Inputs that still collide switch to their full relative path
///    (`x.txt`, `x.jsonl` → `x.txt`, `x.jsonl`).
/// 4. Whatever still collides (the same relative path under two roots, or
///    two names that are equal once made UTF-8) keeps the first id in plan
///    order; later ones get `#2`, `#3`, ...
pub(crate) fn assign_doc_ids(inputs: &mut Store) {
    rename_colliding(inputs, |f| format::rel_path_without_extensions(&f.rel_path));
    rename_colliding(inputs, |f| f.rel_path.clone());
    inputs.number_repeated_ids();
}

fn rename_colliding(inputs: &mut Store, rename: impl Fn(&InputFile) -> String) {
    for i in inputs.repeated_ids() {
        let id = rename(&inputs.get(i));
        inputs.set_id(i, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str) -> InputFile {
        InputFile::new(
            PathBuf::from(rel),
            rel.to_string(),
            Status::File { size: 1 },
        )
    }

    #[test]
    fn doc_id_collisions_are_resolved_deterministically() {
        let mut inputs = [
            "a/x.txt",
            "b/x.txt",
            "c/y.txt",
            "d/z.txt",
            "d/z.jsonl",
            "q.txt",
            "q.txt",
            "000_d7c65799752ff593.txt",
        ]
        .into_iter()
        .map(file)
        .fold(Store::default(), |mut store, f| {
            store.push(f);
            store
        });
        assign_doc_ids(&mut inputs);
        let ids: Vec<_> = (0..inputs.len()).map(|i| inputs.id(i)).collect();
        assert_eq!(
            ids,
            [
                "a/x",
                "b/x",
                "y",
                "d/z.txt",
                "d/z.jsonl",
                "q.txt",
                "q.txt#2",
                "000_d7c65799752ff593"
            ]
        );
    }

    #[test]
    fn relative_paths_use_forward_slashes() {
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r/a/b/c.txt")),
            "a/b/c.txt"
        );
        assert_eq!(relative(Path::new("/r"), Path::new("/r")), "");
        assert_eq!(root_name(Path::new("dir/x.txt")), "x.txt");
    }
}
