//! Reject reason codes and processing flags.

use std::fmt;

/// Why an input (a file, or one line or record of a JSONL/CSV file) did not
/// become a document. [`RejectReason::code`] is the stable string stored in
/// the `reject_reason` column and in `rejects.parquet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RejectReason {
    /// `empty`: 0 bytes, only whitespace, a JSONL/CSV row whose text is only
    /// whitespace, or a CSV file with a header and no rows.
    Empty,
    /// `binary`: NUL bytes in the first 8 KiB, a known binary signature
    /// (PNG, JPEG, GIF, PDF, ZIP, gzip, zstd, ELF, ...), or text that is
    /// mostly control characters.
    Binary,
    /// `undecodable`: decoding replaced more than a quarter of the characters.
    Undecodable,
    /// `too_large`: the file, or its decompressed content, is over
    /// [`IngestConfig::max_bytes`](crate::IngestConfig::max_bytes); for a
    /// JSONL/CSV file read as it goes, a line or record over it.
    TooLarge,
    /// `unreadable`: permission denied, an I/O error, a broken symbolic link,
    /// a symbolic link loop, an unlistable directory, or a path that is not a
    /// regular file (FIFO, socket, device).
    Unreadable,
    /// `bad_jsonl_line`: a JSONL line that is not valid JSON, not an object,
    /// or has no string `text`.
    BadJsonlLine,
    /// `bad_csv_row`: a CSV record with a different number of fields than the
    /// header, an empty text cell, or a header without the text column.
    BadCsvRow,
    /// `corrupt_compression`: a gzip or zstd stream that is truncated or
    /// corrupt.
    CorruptCompression,
}

impl RejectReason {
    /// Every reason, in code order.
    pub const ALL: [RejectReason; 8] = [
        RejectReason::Empty,
        RejectReason::Binary,
        RejectReason::Undecodable,
        RejectReason::TooLarge,
        RejectReason::Unreadable,
        RejectReason::BadJsonlLine,
        RejectReason::BadCsvRow,
        RejectReason::CorruptCompression,
    ];

    /// The stable code written to the `reject_reason` column.
    pub const fn code(self) -> &'static str {
        match self {
            RejectReason::Empty => "empty",
            RejectReason::Binary => "binary",
            RejectReason::Undecodable => "undecodable",
            RejectReason::TooLarge => "too_large",
            RejectReason::Unreadable => "unreadable",
            RejectReason::BadJsonlLine => "bad_jsonl_line",
            RejectReason::BadCsvRow => "bad_csv_row",
            RejectReason::CorruptCompression => "corrupt_compression",
        }
    }

    /// Looks a reason up by its code.
    pub fn from_code(code: &str) -> Option<RejectReason> {
        RejectReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Values ingest writes into the `flags` column.
pub mod flag {
    /// The input claimed or looked like UTF-8 but held invalid byte
    /// sequences; each was replaced by U+FFFD and the document kept.
    pub const INVALID_UTF8_REPLACED: &str = "invalid_utf8_replaced";
    /// A UTF-16 or legacy-encoded input held byte sequences that are invalid
    /// in its encoding; each was replaced by U+FFFD and the document kept.
    pub const INVALID_BYTES_REPLACED: &str = "invalid_bytes_replaced";
    /// A JSONL `id`, `url`, `published` or `source` value was neither a
    /// string nor a number (nor null) and was ignored.
    pub const META_FIELD_IGNORED: &str = "meta_field_ignored";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut codes: Vec<_> = RejectReason::ALL.iter().map(|r| r.code()).collect();
        for r in RejectReason::ALL {
            assert_eq!(RejectReason::from_code(r.code()), Some(r));
            assert_eq!(r.to_string(), r.code());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RejectReason::ALL.len());
        assert_eq!(RejectReason::from_code("nope"), None);
    }
}
