//! `newsflow` for Python: the Rust stages of newsflow as functions from a
//! `pyarrow.RecordBatch` (or `pyarrow.Table`) to a new one, for running the
//! pipeline on a distributed engine such as Ray Data.
//!
//! Batches cross the language boundary through the Arrow C Data Interface
//! (`arrow-pyarrow`): column buffers are shared, no string passes through a
//! Python object. Stages are built from the same `pipeline.toml` as the
//! command line, by the same registry (`newsflow_cli::registry`), and every
//! stage's output is checked against the schema it declared, as in
//! `newsflow run`.
//!
//! The corpus-level passes are split into a map and a merge, so that each
//! worker handles its own batches and only compact byte strings travel:
//!
//! * boilerplate lines: `Pipeline.line_stats(batch) -> bytes` per batch,
//!   `merge_line_stats([bytes]) -> bytes` once, then
//!   `Pipeline.normalize(batch, boilerplate=merged)`;
//! * duplicate clusters: `Pipeline.signatures(batch) -> bytes` per
//!   normalized batch, `Pipeline.clusters([bytes]) -> bytes` once, then
//!   `Pipeline.apply_clusters(batch, clusters)`.
//!
//! The byte strings are the wire formats of
//! [`newsflow_normalize::LineStats`], [`newsflow_normalize::Deduper`] and
//! [`newsflow_normalize::Clusters`] (versioned and length-checked).
//!
//! Built with maturin (`make python`); see `docs/scale-out.md`.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use arrow_schema::SchemaRef;
use newsflow_cli::config::LoadedConfig;
use newsflow_cli::registry::{self, Built};
use newsflow_core::batch::normalize_string_types;
use newsflow_core::{Stage, conform, run_checked, schema};
use newsflow_ingest::{Ingest, Plan};
use newsflow_normalize::{Clusters, Deduper, LineStats, Normalizer};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

create_exception!(
    newsflow,
    NewsflowError,
    PyException,
    "A newsflow stage, its configuration or its input failed; the message names the stage or file."
);

fn py_err(e: impl std::fmt::Display) -> PyErr {
    NewsflowError::new_err(e.to_string())
}

fn anyhow_err(e: anyhow::Error) -> PyErr {
    NewsflowError::new_err(format!("{e:#}"))
}

/// A batch given by Python: one `RecordBatch`, or the batches of a `Table`.
enum Input {
    Batch(RecordBatch),
    Table(Vec<RecordBatch>, SchemaRef),
}

impl Input {
    fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Input> {
        let pa = obj.py().import("pyarrow")?;
        if obj.is_instance(&pa.getattr("RecordBatch")?)? {
            Ok(Input::Batch(RecordBatch::from_pyarrow_bound(obj)?))
        } else if obj.is_instance(&pa.getattr("Table")?)? {
            let (batches, schema) = Table::from_pyarrow_bound(obj)?.into_inner();
            Ok(Input::Table(batches, schema))
        } else {
            Err(PyTypeError::new_err(format!(
                "expected a pyarrow.RecordBatch or pyarrow.Table, got {}",
                obj.get_type().name()?
            )))
        }
    }

    fn batches(&self) -> &[RecordBatch] {
        match self {
            Input::Batch(b) => std::slice::from_ref(b),
            Input::Table(bs, _) => bs,
        }
    }

    /// Applies `f` to every batch (with the GIL released) and returns the
    /// results in the shape of the input: a batch for a batch, a table for
    /// a table. `schema` gives the output schema for an input schema; it
    /// is used when a table has no batch.
    fn map(
        self,
        py: Python<'_>,
        schema: impl FnOnce(&SchemaRef) -> newsflow_core::Result<SchemaRef> + Send,
        f: impl Fn(RecordBatch) -> newsflow_core::Result<RecordBatch> + Send + Sync,
    ) -> PyResult<Py<PyAny>> {
        match self {
            Input::Batch(b) => {
                let out = py.detach(|| f(b)).map_err(py_err)?;
                Ok(out.to_pyarrow(py)?.unbind())
            }
            Input::Table(bs, input_schema) => {
                let out = py
                    .detach(|| {
                        let out = bs.into_iter().map(&f).collect::<Result<Vec<_>, _>>()?;
                        let schema = match out.first() {
                            Some(b) => b.schema(),
                            None => schema(&newsflow_core::batch::normalize_schema(&input_schema))?,
                        };
                        Ok::<_, newsflow_core::Error>((out, schema))
                    })
                    .map_err(py_err)?;
                table(py, out.0, out.1)
            }
        }
    }
}

fn table(py: Python<'_>, batches: Vec<RecordBatch>, schema: SchemaRef) -> PyResult<Py<PyAny>> {
    let table = Table::try_new(batches, schema).map_err(py_err)?;
    Ok(table.into_pyarrow(py)?.unbind())
}

/// Runs `stage` as the CLI's runner does: the input's string columns
/// rewritten to Utf8, the stage's output checked against the schema it
/// declared (row count, columns, types) and conformed to it.
fn run_stage(stage: &dyn Stage, batch: RecordBatch) -> newsflow_core::Result<RecordBatch> {
    let batch = normalize_string_types(stage.name(), batch)?;
    let expected = stage.output_schema(&batch.schema())?;
    let out = run_checked(stage, batch)?;
    conform(stage.name(), out, &expected)
}

/// Stage input in the exact schema the CLI hands it (ingest batches for
/// normalize, normalized batches for what follows).
fn as_input(
    stage: &str,
    batch: RecordBatch,
    schema: &SchemaRef,
) -> newsflow_core::Result<RecordBatch> {
    conform(stage, batch, schema)
}

fn digest(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Arguments of `Pipeline.shared` and the pipeline built from them.
type SharedEntry = ((Option<PathBuf>, Option<Vec<String>>), Py<Pipeline>);

/// A plan with the roots it was made of.
type PlanOf = (Vec<PathBuf>, Plan);

/// newsflow's stages, built from a `pipeline.toml` like `newsflow run`.
///
/// `Pipeline(config=None, stages=None)`: `config` is the path of a
/// `pipeline.toml` (relative paths in it resolve against its directory);
/// `None` uses the built-in defaults, like the CLI without `--config`.
/// `stages` overrides `[pipeline] stages` (like `newsflow run --stages`).
/// Every stage of the pipeline is built at once, so a bad setting or a
/// missing reference file raises `NewsflowError` here, naming the file.
///
/// A `Pipeline` holds only read-only stages and small caches; one instance
/// serves every thread of a process. Build one per worker process (it
/// pickles as its arguments and is rebuilt once per process on the other
/// side, see `Pipeline.shared`): building loads the reference data.
#[pyclass(frozen, module = "newsflow")]
struct Pipeline {
    cfg: LoadedConfig,
    config_path: Option<PathBuf>,
    /// The `stages` argument it was built with.
    stages_arg: Option<Vec<String>>,
    specs: Vec<String>,
    ingest: Ingest,
    /// The configured stages, in order.
    built: Vec<Built>,
    /// Index of `normalize` in `built`.
    normalize_at: Option<usize>,
    /// Stages built on demand by `run_stage`, by name.
    extra: Mutex<HashMap<String, Arc<Built>>>,
    /// The last plan, by its roots.
    plan: Mutex<Option<PlanOf>>,
    /// The normalizer with the last boilerplate, by the digest of the line
    /// statistics it was learned from.
    with_boilerplate: Mutex<Option<(u64, Arc<Normalizer>)>>,
    /// The last decoded clusters, by the digest of their bytes.
    clusters: Mutex<Option<(u64, Arc<Clusters>)>>,
}

impl Pipeline {
    fn normalizer(&self) -> PyResult<&Normalizer> {
        match self.normalize_at.map(|i| &self.built[i]) {
            Some(Built::Normalize(n)) => Ok(n),
            _ => self.missing_normalize(),
        }
    }

    fn missing_normalize<T>(&self) -> PyResult<T> {
        Err(NewsflowError::new_err(format!(
            "the pipeline [{}] has no `normalize` stage",
            self.specs.join(", ")
        )))
    }

    /// The normalizer with the boilerplate learned from the merged line
    /// statistics `stats` (cached: only a new `stats` rebuilds it).
    fn normalizer_with(&self, py: Python<'_>, stats: &[u8]) -> PyResult<Arc<Normalizer>> {
        let key = digest(stats);
        if let Some((k, n)) = &*self.with_boilerplate.lock().expect("cache lock")
            && *k == key
        {
            return Ok(n.clone());
        }
        self.normalizer()?;
        let normalizer = py
            .detach(|| -> anyhow::Result<Normalizer> {
                let stats = LineStats::from_bytes(stats)
                    .map_err(|e| anyhow::anyhow!("stage `normalize`: bad line statistics: {e}"))?;
                let boilerplate = stats.finish(&self.cfg.config.normalize);
                match registry::build(&self.cfg, "normalize")? {
                    Built::Normalize(n) => Ok(n.with_boilerplate(boilerplate)),
                    Built::Stage(_) => anyhow::bail!("`normalize` is not the built-in stage"),
                }
            })
            .map_err(anyhow_err)?;
        let normalizer = Arc::new(normalizer);
        *self.with_boilerplate.lock().expect("cache lock") = Some((key, normalizer.clone()));
        Ok(normalizer)
    }

    fn planned(&self, roots: &[PathBuf]) -> PyResult<Plan> {
        let mut cache = self.plan.lock().expect("plan lock");
        if let Some((r, files)) = &*cache
            && r == roots
        {
            return Ok(files.clone());
        }
        let files = self.ingest.plan(roots).map_err(py_err)?;
        *cache = Some((roots.to_vec(), files.clone()));
        Ok(files)
    }

    fn stage(&self, name: &str) -> PyResult<Arc<Built>> {
        let mut extra = self.extra.lock().expect("stage lock");
        if let Some(s) = extra.get(name) {
            return Ok(s.clone());
        }
        let built = Arc::new(registry::build(&self.cfg, name).map_err(anyhow_err)?);
        extra.insert(name.to_string(), built.clone());
        Ok(built)
    }

    fn decoded_clusters(&self, bytes: &[u8]) -> PyResult<Arc<Clusters>> {
        let key = digest(bytes);
        let mut cache = self.clusters.lock().expect("cache lock");
        if let Some((k, c)) = &*cache
            && *k == key
        {
            return Ok(c.clone());
        }
        let clusters = Arc::new(
            Clusters::from_bytes(bytes)
                .map_err(|e| py_err(format!("stage `dedup`: bad clusters: {e}")))?,
        );
        *cache = Some((key, clusters.clone()));
        Ok(clusters)
    }

    /// Runs `self.built[range]` over `input`, whose batches are first
    /// conformed to `input_schema` (what the CLI hands that stage).
    fn run_range(
        &self,
        py: Python<'_>,
        input: Input,
        input_schema: SchemaRef,
        range: std::ops::Range<usize>,
        head: Option<Arc<Normalizer>>,
    ) -> PyResult<Py<PyAny>> {
        let stages: Vec<&dyn Stage> = self.built[range]
            .iter()
            .map(|b| match (b, &head) {
                (Built::Normalize(_), Some(n)) => n.as_ref() as &dyn Stage,
                (b, _) => b.as_stage(),
            })
            .collect();
        let out_schema = |_: &SchemaRef| {
            let mut s = input_schema.clone();
            for stage in &stages {
                s = stage.output_schema(&s)?;
            }
            Ok(s)
        };
        let stages_ref = &stages;
        let first = stages.first().map_or("tail", |s| s.name());
        input.map(py, out_schema, |b| {
            let mut b = as_input(first, b, &input_schema)?;
            for stage in stages_ref {
                b = run_stage(*stage, b)?;
            }
            Ok(b)
        })
    }
}

#[pymethods]
impl Pipeline {
    #[new]
    #[pyo3(signature = (config = None, stages = None))]
    fn new(
        py: Python<'_>,
        config: Option<PathBuf>,
        stages: Option<Vec<String>>,
    ) -> PyResult<Pipeline> {
        py.detach(|| -> anyhow::Result<Pipeline> {
            let cfg = LoadedConfig::load(config.as_deref())?;
            let specs = stages
                .clone()
                .unwrap_or_else(|| cfg.config.pipeline.stages.clone());
            let ingest = Ingest::new(cfg.config.ingest.clone())
                .map_err(|e| anyhow::anyhow!("invalid [ingest] settings: {e}"))?;
            let built = registry::build_all(&cfg, &specs)?;
            let normalize_at = built.iter().position(|b| matches!(b, Built::Normalize(_)));
            Ok(Pipeline {
                cfg,
                config_path: config,
                stages_arg: stages,
                specs,
                ingest,
                built,
                normalize_at,
                extra: Mutex::new(HashMap::new()),
                plan: Mutex::new(None),
                with_boilerplate: Mutex::new(None),
                clusters: Mutex::new(None),
            })
        })
        .map_err(anyhow_err)
    }

    /// `Pipeline.shared(config=None, stages=None)`: the pipeline of these
    /// arguments built once per process and shared afterwards (a Ray
    /// worker runs many tasks; building loads the reference data).
    /// A pickled `Pipeline` is restored through this on the other side.
    #[staticmethod]
    #[pyo3(signature = (config = None, stages = None))]
    fn shared(
        py: Python<'_>,
        config: Option<PathBuf>,
        stages: Option<Vec<String>>,
    ) -> PyResult<Py<Pipeline>> {
        static SHARED: Mutex<Vec<SharedEntry>> = Mutex::new(Vec::new());
        let key = (config.clone(), stages.clone());
        if let Some((_, p)) = SHARED
            .lock()
            .expect("shared lock")
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(p.clone_ref(py));
        }
        let built = Py::new(py, Pipeline::new(py, config, stages)?)?;
        let mut shared = SHARED.lock().expect("shared lock");
        if let Some((_, p)) = shared.iter().find(|(k, _)| *k == key) {
            return Ok(p.clone_ref(py));
        }
        shared.push((key, built.clone_ref(py)));
        Ok(built)
    }

    /// Pickling sends the arguments; the receiving process uses
    /// `Pipeline.shared` with them.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let shared = py.get_type::<Pipeline>().getattr("shared")?;
        (shared, (self.config_path.clone(), self.stages_arg.clone()))
            .into_pyobject(py)
            .map(|t| t.into_any())
    }

    /// The `pipeline.toml` this pipeline was built from (`None`: defaults).
    #[getter]
    fn config_path(&self) -> Option<PathBuf> {
        self.config_path.clone()
    }

    /// The stages between ingest and export, in order.
    #[getter]
    fn stages(&self) -> Vec<String> {
        self.specs.clone()
    }

    /// True when the pipeline contains `normalize` (and so the corpus-level
    /// passes).
    #[getter]
    fn has_normalize(&self) -> bool {
        self.normalize_at.is_some()
    }

    /// The effective settings as JSON, defaults included (what
    /// `manifest.json` records under `config`).
    fn settings_json(&self) -> PyResult<String> {
        let mut value = serde_json_value(&self.cfg)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "pipeline".into(),
                serde_json::json!({ "stages": self.specs }),
            );
        }
        Ok(value.to_string())
    }

    /// `plan(roots) -> list[dict]`: the inputs below `roots` (files or
    /// directories) exactly as `newsflow run` plans them: sorted, filtered
    /// by `[ingest]` include/exclude, with document ids (collisions
    /// resolved the same way). Each dict has `index`, `doc_id`, `rel_path`,
    /// `path`, `format` and `size` (`None` for an unreadable entry).
    fn plan<'py>(&self, py: Python<'py>, roots: Vec<PathBuf>) -> PyResult<Bound<'py, PyList>> {
        let files = py.detach(|| self.planned(&roots))?;
        let list = PyList::empty(py);
        for (i, f) in files.iter().enumerate() {
            let d = PyDict::new(py);
            d.set_item("index", i)?;
            d.set_item("doc_id", &f.doc_id)?;
            d.set_item("rel_path", &f.rel_path)?;
            d.set_item("path", f.path.to_string_lossy())?;
            d.set_item("format", format!("{:?}", f.format()).to_lowercase())?;
            d.set_item("size", f.size())?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// `ingest(roots, indices=None) -> pyarrow.Table`: reads the planned
    /// inputs at `indices` (all when `None`) of `plan(roots)` into a table
    /// of the ingest schema, one row per document or reject, in plan order.
    /// Workers that share a file system each plan the same tree (cheap)
    /// and read only their indices.
    #[pyo3(signature = (roots, indices = None))]
    fn ingest(
        &self,
        py: Python<'_>,
        roots: Vec<PathBuf>,
        indices: Option<Vec<usize>>,
    ) -> PyResult<Py<PyAny>> {
        let files = py.detach(|| self.planned(&roots))?;
        let chosen = match indices {
            None => files,
            Some(idx) => idx
                .into_iter()
                .map(|i| {
                    files.get(i).ok_or_else(|| {
                        py_err(format!(
                            "stage `ingest`: input index {i} is outside the plan of {} inputs (did the tree change?)",
                            files.len()
                        ))
                    })
                })
                .collect::<PyResult<Plan>>()?,
        };
        let batches = py
            .detach(|| self.ingest.batches(chosen).collect::<Result<Vec<_>, _>>())
            .map_err(py_err)?;
        table(py, batches, schema::ingest_schema())
    }

    /// `line_stats(batch) -> bytes`: the boilerplate line counts of an
    /// ingest batch or table (map phase). Merge the parts of the whole
    /// corpus with `merge_line_stats`.
    fn line_stats<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let input = Input::extract(batch)?;
        let bytes = py
            .detach(|| -> newsflow_core::Result<Vec<u8>> {
                let mut stats = LineStats::new();
                for b in input.batches() {
                    let b = as_input("normalize", b.clone(), &schema::ingest_schema())?;
                    stats.observe(&b)?;
                }
                Ok(stats.to_bytes())
            })
            .map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `normalize(batch, boilerplate=None)`: the `normalize` stage over an
    /// ingest batch or table. `boilerplate` is the merged line statistics
    /// of the whole corpus (`merge_line_stats`); without it no line is
    /// boilerplate (as for a corpus of one document). Returns a batch for a
    /// batch, a table for a table.
    #[pyo3(signature = (batch, boilerplate = None))]
    fn normalize(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        boilerplate: Option<&[u8]>,
    ) -> PyResult<Py<PyAny>> {
        let input = Input::extract(batch)?;
        let normalizer = match boilerplate {
            Some(stats) => Some(self.normalizer_with(py, stats)?),
            None => None,
        };
        let stage: &Normalizer = match &normalizer {
            Some(n) => n,
            None => self.normalizer()?,
        };
        let ingest = schema::ingest_schema();
        input.map(
            py,
            |_| stage.output_schema(&ingest),
            |b| run_stage(stage, as_input("normalize", b, &ingest)?),
        )
    }

    /// `head(batch, boilerplate=None)`: the configured stages up to and
    /// including `normalize` (all of them when there is no `normalize`),
    /// over an ingest batch or table.
    #[pyo3(signature = (batch, boilerplate = None))]
    fn head(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        boilerplate: Option<&[u8]>,
    ) -> PyResult<Py<PyAny>> {
        let input = Input::extract(batch)?;
        let end = self.normalize_at.map_or(self.built.len(), |i| i + 1);
        let normalizer = match boilerplate {
            Some(stats) => Some(self.normalizer_with(py, stats)?),
            None => None,
        };
        self.run_range(py, input, schema::ingest_schema(), 0..end, normalizer)
    }

    /// `tail(batch)`: the configured stages after `normalize` (for the
    /// default pipeline, `tag`), over a normalized batch or table whose
    /// duplicate clusters are applied.
    fn tail(&self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let input = Input::extract(batch)?;
        let Some(at) = self.normalize_at else {
            return self.missing_normalize();
        };
        self.run_range(
            py,
            input,
            schema::normalized_schema(),
            at + 1..self.built.len(),
            None,
        )
    }

    /// `signatures(batch) -> bytes`: MinHash signatures of the bodies of a
    /// normalized batch or table (map phase of duplicate detection, about
    /// 2 × `minhash_permutations` bytes per document plus the id).
    fn signatures<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let input = Input::extract(batch)?;
        let bytes = py
            .detach(|| -> newsflow_core::Result<Vec<u8>> {
                let mut deduper = Deduper::new(&self.cfg.config.normalize);
                for b in input.batches() {
                    let b = normalize_string_types("dedup", b.clone())?;
                    deduper.observe(&b)?;
                }
                Ok(deduper.to_bytes())
            })
            .map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `clusters(signatures: list[bytes]) -> bytes`: the duplicate clusters
    /// of the whole corpus from the signatures of all its batches (merge
    /// phase; the result does not depend on the order of the parts).
    fn clusters<'py>(
        &self,
        py: Python<'py>,
        signatures: Vec<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py
            .detach(|| -> Result<Vec<u8>, String> {
                let mut all = Deduper::new(&self.cfg.config.normalize);
                for (i, part) in signatures.iter().enumerate() {
                    let part = Deduper::from_bytes(part)
                        .map_err(|e| format!("stage `dedup`: signatures part {i}: {e}"))?;
                    if !part.same_settings(&all) {
                        return Err(format!(
                            "stage `dedup`: signatures part {i} was made with other [normalize] settings (threshold, permutations, bands)"
                        ));
                    }
                    all.merge(part);
                }
                Ok(all.finish().to_bytes())
            })
            .map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `apply_clusters(batch, clusters)`: sets `dup_cluster` and `dup_kind`
    /// of a normalized batch or table from `clusters(...)`.
    fn apply_clusters(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        clusters: &[u8],
    ) -> PyResult<Py<PyAny>> {
        let input = Input::extract(batch)?;
        let clusters = self.decoded_clusters(clusters)?;
        let normalized = schema::normalized_schema();
        input.map(
            py,
            |_| Ok(normalized.clone()),
            |b| clusters.apply(as_input("dedup", b, &normalized)?),
        )
    }

    /// `tag(batch)`: the keyword tagger (`[tag]` settings) over a
    /// normalized batch or table.
    fn tag(&self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.run_stage(py, "tag", batch)
    }

    /// `run_stage(name, batch)`: any stage of the registry by the name used
    /// in `[pipeline] stages` (`normalize`, `tag`, `linear:MODEL`,
    /// `combined:MODEL` or a `[stage.NAME]` external program), over a batch
    /// or table of the schema that stage expects. `normalize` runs without
    /// boilerplate here; use `normalize(batch, boilerplate=...)`.
    fn run_stage(
        &self,
        py: Python<'_>,
        name: &str,
        batch: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let input = Input::extract(batch)?;
        let built = self.stage(name)?;
        let stage = built.as_stage();
        input.map(py, |s| stage.output_schema(s), |b| run_stage(stage, b))
    }

    /// `split(batch) -> dict[str, pyarrow.RecordBatch]`: a batch of the
    /// tagged stream as the tables `newsflow run` writes: `documents`,
    /// `rejects`, `mentions` and `topic_evidence`, with the same columns,
    /// types and rows as the Parquet files.
    fn split<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        split_tables(py, batch)
    }

    fn __repr__(&self) -> String {
        format!(
            "Pipeline(config={}, stages={:?})",
            self.config_path
                .as_deref()
                .map_or("None".to_string(), |p| format!(
                    "{:?}",
                    p.display().to_string()
                )),
            self.specs
        )
    }
}

fn serde_json_value(cfg: &LoadedConfig) -> PyResult<serde_json::Value> {
    serde_json::to_value(&cfg.config).map_err(py_err)
}

fn split_tables<'py>(py: Python<'py>, batch: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let input = Input::extract(batch)?;
    let parts = py
        .detach(|| {
            input
                .batches()
                .iter()
                .map(newsflow_export::split_batch)
                .collect::<newsflow_export::Result<Vec<_>>>()
        })
        .map_err(py_err)?;
    let out = PyDict::new(py);
    let names = ["documents", "rejects", "mentions", "topic_evidence"];
    let schemas = newsflow_export::output_schemas();
    for (k, (name, schema)) in names.iter().zip(schemas).enumerate() {
        let batches: Vec<RecordBatch> = parts
            .iter()
            .flat_map(|p| match k {
                // The document rows come as runs between the rejects.
                0 => p.documents.clone(),
                1 => vec![p.rejects.clone()],
                2 => vec![p.mentions.clone()],
                _ => vec![p.evidence.clone()],
            })
            .collect();
        let value = match &input {
            // A batch in, a batch out for each table.
            Input::Batch(_) => arrow_select::concat::concat_batches(&schema, &batches)
                .map_err(py_err)?
                .to_pyarrow(py)?
                .unbind(),
            Input::Table(..) => table(py, batches, schema)?,
        };
        out.set_item(name, value)?;
    }
    Ok(out)
}

/// `merge_line_stats(parts: list[bytes]) -> bytes`: the sum of the line
/// statistics of `line_stats` calls (merge phase; parts may themselves be
/// merged ones, in any order).
#[pyfunction]
fn merge_line_stats<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = py
        .detach(|| -> Result<Vec<u8>, String> {
            let mut total = LineStats::new();
            for (i, part) in parts.iter().enumerate() {
                let part = LineStats::from_bytes(part)
                    .map_err(|e| format!("stage `normalize`: line statistics part {i}: {e}"))?;
                total.merge(part);
            }
            Ok(total.to_bytes())
        })
        .map_err(py_err)?;
    Ok(PyBytes::new(py, &bytes))
}

/// `line_stats_documents(stats: bytes) -> int`: how many documents the
/// line statistics were counted over.
#[pyfunction]
fn line_stats_documents(stats: &[u8]) -> PyResult<u64> {
    Ok(LineStats::from_bytes(stats)
        .map_err(|e| py_err(format!("bad line statistics: {e}")))?
        .documents())
}

/// `duplicates(clusters: bytes) -> int`: how many documents the clusters
/// mark as duplicates of another.
#[pyfunction]
fn duplicates(clusters: &[u8]) -> PyResult<usize> {
    Ok(Clusters::from_bytes(clusters)
        .map_err(|e| py_err(format!("bad clusters: {e}")))?
        .duplicates())
}

/// `split(batch) -> dict`: see `Pipeline.split` (needs no configuration).
#[pyfunction(name = "split")]
fn split_fn<'py>(py: Python<'py>, batch: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    split_tables(py, batch)
}

/// `schemas() -> dict[str, pyarrow.Schema]`: the stream schemas (`ingest`,
/// `normalized`, `tagged`) and the output tables' (`documents`, `rejects`,
/// `mentions`, `topic_evidence`).
#[pyfunction]
fn schemas(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("ingest", schema::ingest_schema().as_ref().to_pyarrow(py)?)?;
    out.set_item(
        "normalized",
        schema::normalized_schema().as_ref().to_pyarrow(py)?,
    )?;
    out.set_item("tagged", schema::tagged_schema().as_ref().to_pyarrow(py)?)?;
    let names = ["documents", "rejects", "mentions", "topic_evidence"];
    for (name, s) in names.iter().zip(newsflow_export::output_schemas()) {
        out.set_item(name, s.as_ref().to_pyarrow(py)?)?;
    }
    Ok(out)
}

/// newsflow's Rust stages over pyarrow record batches.
///
/// `Pipeline(config=None, stages=None)` builds the stages from a
/// `pipeline.toml` (defaults when `None`), like `newsflow run`. Its methods
/// take a `pyarrow.RecordBatch` or `pyarrow.Table` and return the same kind:
/// `plan(roots)`, `ingest(roots, indices=None)`, `line_stats(batch)`,
/// `normalize(batch, boilerplate=None)`, `head(...)`, `signatures(batch)`,
/// `clusters(parts)`, `apply_clusters(batch, clusters)`, `tag(batch)`,
/// `tail(batch)`, `run_stage(name, batch)`, `split(batch)`. Module
/// functions: `merge_line_stats(parts)`, `line_stats_documents(stats)`,
/// `duplicates(clusters)`, `split(batch)`, `schemas()`. Failures raise
/// `NewsflowError` naming the stage or file. See docs/scale-out.md.
#[pymodule]
fn newsflow(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", newsflow_core::SCHEMA_VERSION)?;
    m.add("NewsflowError", m.py().get_type::<NewsflowError>())?;
    m.add_class::<Pipeline>()?;
    m.add_function(wrap_pyfunction!(merge_line_stats, m)?)?;
    m.add_function(wrap_pyfunction!(line_stats_documents, m)?)?;
    m.add_function(wrap_pyfunction!(duplicates, m)?)?;
    m.add_function(wrap_pyfunction!(split_fn, m)?)?;
    m.add_function(wrap_pyfunction!(schemas, m)?)?;
    Ok(())
}
