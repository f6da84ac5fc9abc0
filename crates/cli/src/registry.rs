//! The stage registry: an explicit table from the names used in
//! `pipeline.toml` and on the command line to the code that builds each
//! stage. External stages come from `[stage.NAME]` entries of the config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use newsflow_core::{Stage, schema};
use newsflow_normalize::Normalizer;
use newsflow_tag::CombinedTagger;
use newsflow_tag::linear::{LinearConfig, LinearTagger};

use crate::config::LoadedConfig;
use crate::external::ExternalStage;

/// A built stage. Normalization is kept apart because the runner feeds it
/// the corpus-level passes (boilerplate lines before, duplicate clusters
/// after); every other stage is an opaque [`Stage`].
pub enum Built {
    /// The built-in normalization stage.
    Normalize(Box<Normalizer>),
    /// Any other stage.
    Stage(Box<dyn Stage>),
}

impl Built {
    /// The stage as a plain [`Stage`].
    pub fn as_stage(&self) -> &dyn Stage {
        match self {
            Built::Normalize(n) => n.as_ref(),
            Built::Stage(s) => s.as_ref(),
        }
    }
}

/// One built-in stage.
pub struct Builtin {
    /// Name, or name prefix before `:` when the stage takes an argument.
    pub name: &'static str,
    /// Argument after the colon, described for `newsflow stages`.
    pub argument: Option<&'static str>,
    /// One-line description.
    pub about: &'static str,
    /// Builds the stage from the config and the argument.
    pub build: fn(&LoadedConfig, Option<&str>) -> Result<Built>,
}

/// Every built-in stage.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "normalize",
        argument: None,
        about: "noise removal, Unicode cleanup, metadata, language, entities, duplicates",
        build: build_normalize,
    },
    Builtin {
        name: "tag",
        argument: None,
        about: "keyword taxonomy tagger ([tag] section, data/taxonomy.toml)",
        build: build_keyword,
    },
    Builtin {
        name: "linear",
        argument: Some("MODEL"),
        about: "trained linear tagger (`newsflow train`), e.g. linear:model.bin",
        build: build_linear,
    },
    Builtin {
        name: "combined",
        argument: Some("MODEL"),
        about: "keyword and linear taggers together, e.g. combined:model.bin",
        build: build_combined,
    },
];

fn build_normalize(cfg: &LoadedConfig, _: Option<&str>) -> Result<Built> {
    let mut normalize = cfg.config.normalize.clone();
    normalize.data_dir = normalize.data_dir.map(|d| cfg.resolve(&d));
    let stage = normalize
        .build()
        .context("cannot build stage `normalize`")?;
    Ok(Built::Normalize(Box::new(stage)))
}

fn build_keyword(cfg: &LoadedConfig, _: Option<&str>) -> Result<Built> {
    Ok(Built::Stage(Box::new(keyword(cfg)?)))
}

fn keyword(cfg: &LoadedConfig) -> Result<newsflow_tag::KeywordTagger> {
    let mut tag = cfg.config.tag.clone();
    tag.taxonomy = tag.taxonomy.map(|t| cfg.resolve(&t));
    tag.build().context("cannot build stage `tag`")
}

fn linear(cfg: &LoadedConfig, arg: Option<&str>) -> Result<LinearTagger> {
    let model = arg.ok_or_else(|| anyhow!("the linear tagger needs a model: linear:PATH"))?;
    let settings = LinearConfig {
        model: PathBuf::from(model),
        threshold: cfg.config.linear.threshold,
    };
    settings
        .build()
        .with_context(|| format!("cannot build the linear tagger from {model}"))
}

fn build_linear(cfg: &LoadedConfig, arg: Option<&str>) -> Result<Built> {
    Ok(Built::Stage(Box::new(linear(cfg, arg)?)))
}

fn build_combined(cfg: &LoadedConfig, arg: Option<&str>) -> Result<Built> {
    let section = &cfg.config.linear;
    let tagger = CombinedTagger::new(
        keyword(cfg)?,
        linear(cfg, arg)?,
        section.mode,
        section.keyword_weight,
    )
    .context("cannot build stage `combined`")?;
    Ok(Built::Stage(Box::new(tagger)))
}

/// Columns a stage named by `replaces` must add.
fn contract_of(stage: &str, replaces: &str) -> Result<Vec<schema::Column>> {
    match replaces {
        "normalize" => Ok(schema::normalize_columns()),
        "tag" => Ok(schema::tag_columns()),
        "none" => Ok(Vec::new()),
        other => bail!(
            "stage `{stage}`: replaces = \"{other}\" is not a stage contract (use normalize, tag or none)"
        ),
    }
}

/// Builds the stage called `spec` (`name` or `name:argument`).
pub fn build(cfg: &LoadedConfig, spec: &str) -> Result<Built> {
    if let Some(ext) = cfg.config.stage.get(spec) {
        let (program, args) = ext
            .command
            .split_first()
            .ok_or_else(|| anyhow!("stage `{spec}`: command is empty"))?;
        let program = if program.contains('/') {
            cfg.resolve(Path::new(program))
        } else {
            PathBuf::from(program)
        };
        return Ok(Built::Stage(Box::new(ExternalStage::new(
            spec,
            program,
            args.to_vec(),
            contract_of(spec, &ext.replaces)?,
            Duration::from_secs(ext.timeout_secs.max(1)),
            cfg.base_dir.clone(),
        ))));
    }
    let (name, arg) = match spec.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (spec, None),
    };
    let builtin = BUILTINS.iter().find(|b| b.name == name).ok_or_else(|| {
        anyhow!(
            "unknown stage `{spec}`: built-in stages are {}; external ones need a [stage.{spec}] entry in the config",
            BUILTINS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
        )
    })?;
    (builtin.build)(cfg, arg)
}

/// Builds every stage of the pipeline, in order.
pub fn build_all(cfg: &LoadedConfig, specs: &[String]) -> Result<Vec<Built>> {
    let built = specs
        .iter()
        .map(|s| build(cfg, s))
        .collect::<Result<Vec<_>>>()?;
    if built
        .iter()
        .filter(|b| matches!(b, Built::Normalize(_)))
        .count()
        > 1
    {
        bail!("stage `normalize` appears more than once in the pipeline");
    }
    Ok(built)
}

impl LoadedConfig {
    /// Resolves a path written in the config file against its directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }
}
