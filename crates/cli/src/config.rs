//! `pipeline.toml`: the run's configuration as serde data. Each section is
//! the config struct of one library crate; the CLI resolves its flags into
//! this structure before any library sees them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use newsflow_export::ExportConfig;
use newsflow_ingest::IngestConfig;
use newsflow_normalize::NormalizeConfig;
use newsflow_tag::KeywordConfig;
use newsflow_tag::combined::CombineMode;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Which stages run between ingest and export.
    pub pipeline: PipelineSection,
    /// Ingest settings.
    pub ingest: IngestConfig,
    /// Normalization settings.
    pub normalize: NormalizeConfig,
    /// Keyword tagger settings.
    pub tag: KeywordConfig,
    /// Linear and combined tagger settings.
    pub linear: LinearSection,
    /// Export settings.
    pub export: ExportConfig,
    /// External stages by name.
    pub stage: BTreeMap<String, ExternalStageConfig>,
}

/// The `[pipeline]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSection {
    /// Stage names in order, each a built-in stage (see `newsflow stages`)
    /// or the name of a `[stage.NAME]` entry.
    pub stages: Vec<String>,
    /// zstd-compress the normalized batches a run stores for its tagging
    /// pass (its checkpoints).
    pub compress_checkpoints: bool,
}

impl Default for PipelineSection {
    fn default() -> Self {
        PipelineSection {
            stages: vec!["normalize".into(), "tag".into()],
            compress_checkpoints: false,
        }
    }
}

/// The `[linear]` section: settings of the `linear:MODEL` and
/// `combined:MODEL` taggers (the model path comes with the stage name).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinearSection {
    /// Probability a topic needs to be tagged by the linear model.
    pub threshold: f32,
    /// How `combined` joins the taggers: `union` or `blend`.
    pub mode: CombineMode,
    /// Share of the keyword confidence in `blend` mode, 0 to 1.
    pub keyword_weight: f32,
}

impl Default for LinearSection {
    fn default() -> Self {
        LinearSection {
            threshold: 0.5,
            mode: CombineMode::Union,
            keyword_weight: 0.5,
        }
    }
}

/// A `[stage.NAME]` entry: a program that reads an Arrow IPC stream on stdin
/// and writes one on stdout.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalStageConfig {
    /// Program and arguments; relative program paths resolve against the
    /// directory of the config file.
    pub command: Vec<String>,
    /// The built-in stage whose columns the program must produce
    /// (`normalize` or `tag`), or `none` when it only passes data through
    /// (it must still return every column it was given).
    #[serde(default = "default_replaces")]
    pub replaces: String,
    /// Seconds one batch may take before the program is killed.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_replaces() -> String {
    "none".into()
}

fn default_timeout() -> u64 {
    120
}

/// A parsed configuration plus the raw table (recorded in the manifest).
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// Typed configuration.
    pub config: PipelineConfig,
    /// The file's table as written (empty when no file was given).
    pub raw: toml::Table,
    /// Directory relative paths in the file resolve against.
    pub base_dir: PathBuf,
}

impl LoadedConfig {
    /// Reads `path`, or returns the defaults when `path` is `None`.
    pub fn load(path: Option<&Path>) -> Result<LoadedConfig> {
        let Some(path) = path else {
            return Ok(LoadedConfig {
                config: PipelineConfig::default(),
                raw: toml::Table::new(),
                base_dir: PathBuf::from("."),
            });
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses config text that came from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<LoadedConfig> {
        let located = |e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .unwrap_or(0);
            anyhow::anyhow!("{}:{}: {}", path.display(), line, e.message().trim_end())
        };
        let config: PipelineConfig = toml::from_str(text).map_err(located)?;
        let raw: toml::Table = toml::from_str(text).map_err(located)?;
        let parent = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        // Absolute, so external programs that run in this directory still
        // find paths resolved against it.
        let base_dir = std::fs::canonicalize(&parent).unwrap_or(parent);
        Ok(LoadedConfig {
            config,
            raw,
            base_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = LoadedConfig::parse("[pipeline]\nstages = []\nfoo = 1\n", Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:3: unknown field `foo`"), "{err}");
    }

    #[test]
    fn wrong_type_names_file_and_line() {
        let err = LoadedConfig::parse("[stage.x]\ncommand = \"python\"\n", Path::new("dir/p.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("dir/p.toml:2:"), "{err}");
    }

    #[test]
    fn shipped_example_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipeline.toml");
        let loaded = LoadedConfig::load(Some(&path)).unwrap();
        assert_eq!(loaded.config.pipeline.stages, vec!["normalize", "tag"]);
        assert!(!loaded.raw.is_empty());
    }
}
