//! Input formats and compression, recognised from the file name.

/// How the (decompressed) content of an input file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One document per file: `.txt`, `.text`, and any other or no extension.
    Text,
    /// One JSON object per line: `.jsonl`, `.ndjson`.
    Jsonl,
    /// A header row and one document per record: `.csv`.
    Csv,
}

/// How an input file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`), possibly several concatenated members.
    Gzip,
    /// zstd (`.zst`, `.zstd`), possibly several concatenated frames.
    Zstd,
}

impl Compression {
    /// Name used in reject details.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// What a file name says about its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameInfo<'a> {
    pub format: Format,
    pub compression: Compression,
    /// The name without its compression and format extensions.
    pub stem: &'a str,
}

const COMPRESSION_EXTS: &[(&str, Compression)] = &[
    ("gz", Compression::Gzip),
    ("zst", Compression::Zstd),
    ("zstd", Compression::Zstd),
];

const FORMAT_EXTS: &[(&str, Format)] = &[
    ("txt", Format::Text),
    ("text", Format::Text),
    ("jsonl", Format::Jsonl),
    ("ndjson", Format::Jsonl),
    ("csv", Format::Csv),
];

/// Splits `name` at its last `.` into (stem, extension) when both are
/// non-empty (so `.bashrc` has no extension).
fn split_ext(name: &str) -> Option<(&str, &str)> {
    let dot = name.rfind('.')?;
    (dot > 0 && dot + 1 < name.len()).then(|| (&name[..dot], &name[dot + 1..]))
}

/// Classifies a file name (the last path component): one compression
/// extension is stripped, then one format extension. An unknown extension
/// means text, and is stripped like [`std::path::Path::file_stem`] does
/// (`page.html` → `page`). Extensions are case-insensitive.
pub(crate) fn classify(name: &str) -> NameInfo<'_> {
    let mut stem = name;
    let mut compression = Compression::None;
    if let Some((rest, ext)) = split_ext(stem)
        && let Some((_, c)) = COMPRESSION_EXTS
            .iter()
            .find(|(e, _)| ext.eq_ignore_ascii_case(e))
    {
        compression = *c;
        stem = rest;
    }
    let mut format = Format::Text;
    if let Some((rest, ext)) = split_ext(stem) {
        format = FORMAT_EXTS
            .iter()
            .find(|(e, _)| ext.eq_ignore_ascii_case(e))
            .map_or(Format::Text, |(_, f)| *f);
        stem = rest;
    }
    NameInfo {
        format,
        compression,
        stem,
    }
}

/// `rel_path` without the extensions [`classify`] strips from its last
/// component (`a/b/x.jsonl.gz` → `a/b/x`).
pub(crate) fn rel_path_without_extensions(rel_path: &str) -> String {
    let (dir, name) = match rel_path.rfind('/') {
        Some(i) => (&rel_path[..=i], &rel_path[i + 1..]),
        None => ("", rel_path),
    };
    format!("{dir}{}", classify(name).stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        use Compression as C;
        use Format as F;
        let cases = [
            (
                "000_d7c65799752ff593.txt",
                F::Text,
                C::None,
                "000_d7c65799752ff593",
            ),
            ("x.jsonl.gz", F::Jsonl, C::Gzip, "x"),
            ("b.jsonl.zst", F::Jsonl, C::Zstd, "b"),
            ("b.NDJSON.ZSTD", F::Jsonl, C::Zstd, "b"),
            ("a.txt.gz", F::Text, C::Gzip, "a"),
            ("t.csv", F::Csv, C::None, "t"),
            ("README", F::Text, C::None, "README"),
            ("page.html", F::Text, C::None, "page"),
            ("notes.gz", F::Text, C::Gzip, "notes"),
            (".bashrc", F::Text, C::None, ".bashrc"),
            (".gz", F::Text, C::None, ".gz"),
            ("a.b.c.txt", F::Text, C::None, "a.b.c"),
            ("x.txt.txt", F::Text, C::None, "x.txt"),
            ("trailing.", F::Text, C::None, "trailing."),
        ];
        for (name, format, compression, stem) in cases {
            let info = classify(name);
            assert_eq!(
                (info.format, info.compression, info.stem),
                (format, compression, stem),
                "{name}"
            );
        }
    }

    #[test]
    fn strips_extensions_from_relative_paths() {
        assert_eq!(rel_path_without_extensions("a/b/x.jsonl.gz"), "a/b/x");
        assert_eq!(rel_path_without_extensions("x.txt"), "x");
        assert_eq!(rel_path_without_extensions("a.d/x"), "a.d/x");
    }
}
