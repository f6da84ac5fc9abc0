//! Export settings, usually the `[export]` table of the run config.

use parquet::basic::{Compression, ZstdLevel};

use crate::error::{ExportError, Result};

/// How the export writes its files. Every field has a default, so an empty
/// table (or [`ExportConfig::default`]) is a complete config; unknown keys are
/// rejected so a typo does not silently fall back to a default.
///
/// ```
/// let config: newsflow_export::ExportConfig =
///     serde_json::from_str(r#"{ "csv": false, "zstd_level": 9 }"#).unwrap();
/// assert!(!config.csv);
/// assert_eq!(config.zstd_level, 9);
/// assert_eq!(config.row_group_size, 8192);
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportConfig {
    /// Also write `documents.csv` and `rejects.csv` (default `true`). The
    /// Parquet files are always written.
    pub csv: bool,
    /// Spreadsheet safety for the CSV files (default `true`): a text cell
    /// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    /// leading apostrophe (`'`), so Excel or LibreOffice show it as text
    /// instead of evaluating it as a formula. Numeric and boolean cells are
    /// never changed, and the Parquet files always hold the raw values.
    pub csv_neutralize_formulas: bool,
    /// Zstandard level of the Parquet files (default 3; `-131072..=22`).
    pub zstd_level: i32,
    /// Most rows per row group of `documents.parquet` and
    /// `rejects.parquet` (default 8192; at least 1). A row group also
    /// closes at about 16 MiB of encoded data. Larger row groups mean less
    /// metadata held to the end of the file (about 22 KB per row group of
    /// `documents.parquet`), but larger encoders while one is written:
    /// each column's page in progress and dictionary grow with it.
    pub row_group_size: usize,
    /// Most rows per row group of `mentions.parquet` and
    /// `topic_evidence.parquet` (default 4,194,304; at least 1). Their rows
    /// are a few dozen bytes and a long document has hundreds, so row
    /// groups of `row_group_size` rows would be tiny and many, and a Parquet
    /// writer keeps the metadata of every row group (about 3–4 KB each for
    /// these files) until the file is closed. These also close at about 16
    /// MiB of encoded data, which on the generated corpus comes first.
    pub span_row_group_size: usize,
}

impl Default for ExportConfig {
    fn default() -> Self {
        ExportConfig {
            csv: true,
            csv_neutralize_formulas: true,
            zstd_level: 3,
            row_group_size: 8192,
            span_row_group_size: 1 << 22,
        }
    }
}

impl ExportConfig {
    /// Checks the values and returns the Parquet compression they select.
    pub(crate) fn compression(&self) -> Result<Compression> {
        for (option, rows) in [
            ("row_group_size", self.row_group_size),
            ("span_row_group_size", self.span_row_group_size),
        ] {
            if rows == 0 {
                return Err(ExportError::InvalidConfig {
                    option,
                    value: rows.to_string(),
                    expected: "at least 1 row",
                });
            }
        }
        let level =
            ZstdLevel::try_new(self.zstd_level).map_err(|_| ExportError::InvalidConfig {
                option: "zstd_level",
                value: self.zstd_level.to_string(),
                expected: "a Zstandard level in -131072..=22",
            })?;
        Ok(Compression::ZSTD(level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_default() {
        let config: ExportConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, ExportConfig::default());
        assert!(config.csv && config.csv_neutralize_formulas);
        assert_eq!((config.zstd_level, config.row_group_size), (3, 8192));
        assert_eq!(config.span_row_group_size, 4_194_304);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = serde_json::from_str::<ExportConfig>(r#"{"cvs": false}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `cvs`"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let bad_level = ExportConfig {
            zstd_level: 23,
            ..ExportConfig::default()
        };
        let err = bad_level.compression().unwrap_err();
        assert!(err.to_string().contains("`zstd_level` = 23"), "{err}");
        let bad_rows = ExportConfig {
            row_group_size: 0,
            ..ExportConfig::default()
        };
        let err = bad_rows.compression().unwrap_err();
        assert!(err.to_string().contains("`row_group_size` = 0"), "{err}");
        let bad_span_rows = ExportConfig {
            span_row_group_size: 0,
            ..ExportConfig::default()
        };
        let err = bad_span_rows.compression().unwrap_err();
        assert!(
            err.to_string().contains("`span_row_group_size` = 0"),
            "{err}"
        );
    }
}
