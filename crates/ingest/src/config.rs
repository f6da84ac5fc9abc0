//! Ingest settings and glob filters.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::error::IngestError;

/// Default for [`IngestConfig::max_bytes`]: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Default for [`IngestConfig::batch_size`].
pub const DEFAULT_BATCH_SIZE: usize = 256;
/// Default for [`IngestConfig::batch_bytes`]: 2 MiB.
pub const DEFAULT_BATCH_BYTES: u64 = 2 * 1024 * 1024;

/// Settings of the ingest stage, usually the `[ingest]` table of the config
/// file. Every field has a default, and unknown fields are an error.
///
/// ```
/// let cfg: newsflow_ingest::IngestConfig =
///     serde_json::from_str(r#"{"include": ["**/*.txt"], "batch_size": 64}"#).unwrap();
/// assert_eq!(cfg.batch_size, 64);
/// assert_eq!(cfg.max_bytes, 64 * 1024 * 1024);
/// assert!(serde_json::from_str::<newsflow_ingest::IngestConfig>(r#"{"inclde": []}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Glob patterns a file's path relative to its root must match; empty
    /// means every file. A pattern without a `/` matches the file name at any
    /// depth (`*.txt`), one with a `/` matches the whole relative path
    /// (`2019/**/*.jsonl`); a leading `/` or `./` anchors it at the root
    /// and is dropped. `*` and `?` do not cross `/`; `**` does. Include
    /// patterns apply to files only, never to directories.
    pub include: Vec<String>,
    /// Glob patterns, with the same syntax as `include`, for files to skip;
    /// exclusion wins over inclusion. A directory that matches is not
    /// descended into. Entries that cannot be examined (broken links, loops,
    /// unlistable directories) are subject to `exclude` only, so an include
    /// filter never hides a problem.
    pub exclude: Vec<String>,
    /// Largest input, in bytes, that is read: a file (or the decompressed
    /// content of a compressed file) over this size becomes a `too_large`
    /// reject without being read into memory. A long UTF-8 JSONL or CSV file
    /// is read a line or record at a time whatever its size, and the cap
    /// applies to each of its lines or records instead (see the crate docs,
    /// Encodings).
    pub max_bytes: u64,
    /// Rows per record batch (at least 1).
    pub batch_size: usize,
    /// A batch is closed once its documents' texts reach this many bytes
    /// (UTF-8), even before `batch_size` rows, so that a run of large
    /// documents does not multiply the memory in flight; a single larger
    /// document makes a batch of its own. 0 means no byte limit.
    pub batch_bytes: u64,
    /// CSV column that holds the document text.
    pub csv_text_column: String,
    /// CSV column that holds the document id (optional in the file).
    pub csv_id_column: String,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            include: Vec::new(),
            exclude: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
            batch_size: DEFAULT_BATCH_SIZE,
            batch_bytes: DEFAULT_BATCH_BYTES,
            csv_text_column: "text".to_string(),
            csv_id_column: "id".to_string(),
        }
    }
}

impl IngestConfig {
    /// Checks the scalar settings (the globs are checked by
    /// [`Filter::new`]).
    pub(crate) fn validate(&self) -> Result<(), IngestError> {
        if self.batch_size == 0 {
            return Err(IngestError::ZeroBatchSize);
        }
        if self.csv_text_column.is_empty() {
            return Err(IngestError::EmptyColumnName {
                setting: "csv_text_column",
            });
        }
        if self.csv_id_column.is_empty() {
            return Err(IngestError::EmptyColumnName {
                setting: "csv_id_column",
            });
        }
        Ok(())
    }
}

/// Compiled include and exclude patterns.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl Filter {
    pub(crate) fn new(config: &IngestConfig) -> Result<Filter, IngestError> {
        Ok(Filter {
            include: compile("include", &config.include)?,
            exclude: compile("exclude", &config.exclude)?,
        })
    }

    /// Whether a file at `rel_path` is ingested.
    pub(crate) fn accepts_file(&self, rel_path: &str) -> bool {
        !self.excludes(rel_path) && self.include.as_ref().is_none_or(|g| g.is_match(rel_path))
    }

    /// Whether an entry at `rel_path` (a directory, or an entry that could
    /// not be examined) is excluded.
    pub(crate) fn excludes(&self, rel_path: &str) -> bool {
        self.exclude.as_ref().is_some_and(|g| g.is_match(rel_path))
    }
}

fn compile(setting: &'static str, patterns: &[String]) -> Result<Option<GlobSet>, IngestError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let anchored = pattern
            .strip_prefix("./")
            .or_else(|| pattern.strip_prefix('/'));
        let body = anchored.unwrap_or(pattern);
        let body = body.strip_suffix('/').unwrap_or(body);
        if body.is_empty() {
            return Err(IngestError::EmptyGlob { setting });
        }
        let full = if anchored.is_none() && !body.contains('/') {
            format!("**/{body}")
        } else {
            body.to_string()
        };
        let glob = GlobBuilder::new(&full)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|source| IngestError::Glob {
                setting,
                pattern: pattern.clone(),
                source,
            })?;
        set.add(glob);
    }
    set.build().map(Some).map_err(|source| IngestError::Glob {
        setting,
        pattern: patterns.join(", "),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> Filter {
        Filter::new(&IngestConfig {
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            ..IngestConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn glob_semantics() {
        // (include, exclude, path, accepted)
        let cases: &[(&[&str], &[&str], &str, bool)] = &[
            (&[], &[], "a/b/c.txt", true),
            (&["*.txt"], &[], "c.txt", true),
            (&["*.txt"], &[], "a/b/c.txt", true),
            (&["*.txt"], &[], "a/b/c.jsonl", false),
            (&["a/*.txt"], &[], "a/c.txt", true),
            (&["a/*.txt"], &[], "a/b/c.txt", false),
            (&["a/**/*.txt"], &[], "a/b/c.txt", true),
            (&["/c.txt"], &[], "c.txt", true),
            (&["/c.txt"], &[], "a/c.txt", false),
            (&["./c.txt"], &[], "a/c.txt", false),
            (&["*.txt"], &["draft*"], "a/draft1.txt", false),
            (&["*.txt"], &["a/**"], "a/x.txt", false),
            (&["*.txt"], &["a/**"], "b/x.txt", true),
            (&[], &["*.gz"], "x.txt.gz", false),
            (&["*.{txt,jsonl}"], &[], "x.jsonl", true),
        ];
        for (include, exclude, path, accepted) in cases {
            assert_eq!(
                filter(include, exclude).accepts_file(path),
                *accepted,
                "include {include:?} exclude {exclude:?} path {path}"
            );
        }
    }

    #[test]
    fn directory_exclusion_by_name() {
        let f = filter(&[], &["drafts"]);
        assert!(f.excludes("drafts"));
        assert!(f.excludes("x/drafts"));
        assert!(!f.excludes("x/drafts2"));
    }

    #[test]
    fn bad_settings_are_named() {
        let err = Filter::new(&IngestConfig {
            exclude: vec!["ok/*".into(), "a[".into()],
            ..IngestConfig::default()
        })
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("exclude") && msg.contains("`a[`"), "{msg}");
        let err = Filter::new(&IngestConfig {
            include: vec!["/".into()],
            ..IngestConfig::default()
        })
        .unwrap_err();
        assert!(matches!(err, IngestError::EmptyGlob { setting: "include" }));
        let zero = IngestConfig {
            batch_size: 0,
            ..IngestConfig::default()
        };
        assert!(matches!(zero.validate(), Err(IngestError::ZeroBatchSize)));
        let empty_col = IngestConfig {
            csv_id_column: String::new(),
            ..IngestConfig::default()
        };
        assert!(matches!(
            empty_col.validate(),
            Err(IngestError::EmptyColumnName {
                setting: "csv_id_column"
            })
        ));
    }

    #[test]
    fn deserializes_with_defaults_and_rejects_unknown_fields() {
        let cfg: IngestConfig = serde_json::from_str(r#"{"max_bytes": 10}"#).unwrap();
        assert_eq!(
            cfg,
            IngestConfig {
                max_bytes: 10,
                ..IngestConfig::default()
            }
        );
        assert!(serde_json::from_str::<IngestConfig>(r#"{"max_byte": 10}"#).is_err());
    }
}
