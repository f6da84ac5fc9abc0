//! Configuration of the normalize stage (the `[normalize]` table of the
//! pipeline config) and building the stage from it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::dateline::DatelineParser;
use crate::dates::{DateGrammar, any_pattern};
use crate::entities::{EntityExtractor, Gazetteer};
use crate::error::{ConfigProblem, NormalizeError};
use crate::language::LanguageDetector;
use crate::noise::NoiseFilter;
use crate::refdata::{RefData, static_regex};
use crate::{Boilerplate, Normalizer};

/// Settings of the normalize stage. Every field has a default, so an empty
/// `[normalize]` table (or none) is valid.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizeConfig {
    /// Directory holding the reference data: `noise.toml`, `sources.toml`,
    /// `places.toml`, `metadata.toml` and the `gazetteer/` directory of the
    /// entity extractor. `None` uses the copies of the repository's `data/`
    /// files and gazetteer built into the binary, so the stage works from
    /// any directory.
    pub data_dir: Option<PathBuf>,
    /// A line is boilerplate of a source when it occurs in at least this
    /// many of the source's documents... (default 5)
    pub boilerplate_min_docs: usize,
    /// ... and in at least this share of them (default 0.5).
    pub boilerplate_min_share: f64,
    /// Estimated word 5-shingle Jaccard similarity from which two bodies
    /// are near-duplicates (default 0.8).
    pub near_dup_threshold: f64,
    /// Length of the MinHash signature of a body (default 128).
    pub minhash_permutations: usize,
    /// Number of LSH bands the signature is cut into; must divide
    /// `minhash_permutations` (default 16, i.e. 8 rows a band: pairs at
    /// 0.8 similarity become candidates with probability 0.95, pairs at 0.5
    /// with 0.06).
    pub lsh_bands: usize,
    /// ISO 639-1 codes of the languages the detector may answer (default
    /// `en ru uk de fr es it ja zh ko`); anything else is `und` or the
    /// closest of these.
    pub languages: Vec<String>,
    /// Characters of a long text the language detector looks at (default
    /// 1000); it tries the first half alone first, and reads them all only
    /// when that answer is not certain.
    pub language_sample_chars: usize,
    /// Fewer letters than this give `und` (default 20).
    pub language_min_letters: usize,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            data_dir: None,
            boilerplate_min_docs: 5,
            boilerplate_min_share: 0.5,
            near_dup_threshold: 0.8,
            minhash_permutations: 128,
            lsh_bands: 16,
            languages: ["en", "ru", "uk", "de", "fr", "es", "it", "ja", "zh", "ko"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            language_sample_chars: 1000,
            language_min_letters: 20,
        }
    }
}

fn check_fraction(field: &'static str, value: f64) -> Result<(), NormalizeError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(NormalizeError::Config {
            field,
            problem: ConfigProblem::NotAFraction(value),
        })
    }
}

fn check_positive(field: &'static str, value: usize) -> Result<(), NormalizeError> {
    if value == 0 {
        Err(NormalizeError::Config {
            field,
            problem: ConfigProblem::Zero,
        })
    } else {
        Ok(())
    }
}

impl NormalizeConfig {
    /// Checks the values and loads the reference data.
    pub fn build(&self) -> Result<Normalizer, NormalizeError> {
        check_fraction("boilerplate_min_share", self.boilerplate_min_share)?;
        check_fraction("near_dup_threshold", self.near_dup_threshold)?;
        check_positive("boilerplate_min_docs", self.boilerplate_min_docs)?;
        check_positive("minhash_permutations", self.minhash_permutations)?;
        check_positive("lsh_bands", self.lsh_bands)?;
        check_positive("language_sample_chars", self.language_sample_chars)?;
        if !self.minhash_permutations.is_multiple_of(self.lsh_bands) {
            return Err(NormalizeError::Config {
                field: "lsh_bands",
                problem: ConfigProblem::BandsDoNotDivide {
                    permutations: self.minhash_permutations,
                    bands: self.lsh_bands,
                },
            });
        }
        // Compiling the regexes is most of the start-up: the dateline
        // patterns on one thread, the reference data and the rest on another.
        let (datelines, data) = rayon::join(DatelineParser::new, || {
            RefData::load(self.data_dir.as_deref())
        });
        let data = data?;
        let language = LanguageDetector::new(
            &self.languages,
            self.language_sample_chars,
            self.language_min_letters,
        )?;
        let gazetteer = match &self.data_dir {
            Some(dir) => Gazetteer::load(&dir.join("gazetteer"))?,
            None => Gazetteer::builtin()?,
        };
        let title_suffix = static_regex(&format!(
            r",\s*(?P<place>[\p{{Lu}}][\p{{L}}\p{{M}}'’.\-]*(?: [\p{{Lu}}][\p{{L}}\p{{M}}'’.\-]*){{0,3}})\s*,\s*(?P<date>(?i:{}))\s*\.?$",
            any_pattern()
        ));
        tracing::debug!(data_dir = ?self.data_dir, "normalize stage built");
        Ok(Normalizer {
            data,
            dates: DateGrammar::new(),
            datelines,
            noise_filter: NoiseFilter::new(),
            title_suffix,
            language,
            entities: EntityExtractor::new(gazetteer),
            boilerplate: Boilerplate::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_defaults_and_rejects_unknown_fields() {
        let cfg: NormalizeConfig = toml::from_str("near_dup_threshold = 0.9").unwrap();
        assert_eq!(cfg.near_dup_threshold, 0.9);
        assert_eq!(cfg.boilerplate_min_docs, 5);
        assert!(toml::from_str::<NormalizeConfig>("no_such_field = 1").is_err());
    }

    #[test]
    fn bad_values_are_errors() {
        type Edit = fn(&mut NormalizeConfig);
        let cases: [(Edit, &str); 5] = [
            (
                |c| c.near_dup_threshold = 1.5,
                "normalize config: `near_dup_threshold` must be between 0 and 1, got 1.5",
            ),
            (
                |c| c.boilerplate_min_share = -0.1,
                "normalize config: `boilerplate_min_share` must be between 0 and 1, got -0.1",
            ),
            (
                |c| c.boilerplate_min_docs = 0,
                "normalize config: `boilerplate_min_docs` must be at least 1",
            ),
            (
                |c| c.lsh_bands = 10,
                "normalize config: `lsh_bands` 128 MinHash permutations cannot be split into 10 equal bands",
            ),
            (
                |c| c.languages = vec!["klingon".into()],
                "normalize config: `languages` unknown language code `klingon` (use ISO 639-1, e.g. `en`, `ru`)",
            ),
        ];
        for (edit, want) in cases {
            let mut cfg = NormalizeConfig::default();
            edit(&mut cfg);
            assert_eq!(cfg.build().unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn data_dir_files_are_read_and_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(dir.join("gazetteer")).unwrap();
        let repo_gazetteer =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/gazetteer");
        for entry in std::fs::read_dir(repo_gazetteer).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join("gazetteer").join(path.file_name().unwrap())).unwrap();
        }
        for (name, text) in [
            ("noise.toml", crate::refdata::embedded::NOISE),
            ("sources.toml", crate::refdata::embedded::SOURCES),
            ("places.toml", crate::refdata::embedded::PLACES),
            ("metadata.toml", crate::refdata::embedded::METADATA),
        ] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let cfg = NormalizeConfig {
            data_dir: Some(dir.clone()),
            ..NormalizeConfig::default()
        };
        assert!(cfg.build().is_ok());
        std::fs::write(
            dir.join("noise.toml"),
            "[[rule]]\nname = \"bad\"\npattern = \"[\"\n",
        )
        .unwrap();
        let err = cfg.build().unwrap_err().to_string();
        assert!(
            err.contains("noise.toml:3: noise rule `bad`: bad pattern"),
            "{err}"
        );
        std::fs::remove_file(dir.join("sources.toml")).unwrap();
        std::fs::write(dir.join("noise.toml"), "").unwrap();
        let err = cfg.build().unwrap_err().to_string();
        assert!(err.contains("sources.toml"), "{err}");
    }
}
