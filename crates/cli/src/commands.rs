//! One function per subcommand.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::ipc::{IpcWriter, read_stream};
use newsflow_core::schema;
use newsflow_export::{ExportSummary, Exporter, Manifest};
use newsflow_ingest::{Ingest, Plan};

use crate::cli::{Cli, Command, Global, IngestFlags, Shard, StreamArgs};
use crate::config::LoadedConfig;
use crate::registry;
use crate::runner::{BatchIter, Checkpoints, Progress, Runner};
use crate::summary::Tally;

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Run(a) => {
            let mut cfg = LoadedConfig::load(g.config.as_deref())?;
            apply_ingest_flags(&mut cfg, &a.ingest);
            let mut specs = a
                .stages
                .unwrap_or_else(|| cfg.config.pipeline.stages.clone());
            if let Some(tagger) = a.tagger {
                swap_tagger(&mut specs, tagger);
            }
            let resume = Resume {
                required: a.resume,
                enabled: !a.no_checkpoints,
            };
            run(g, &cfg, &specs, &a.inputs, &a.out, resume, a.shard)
        }
        Command::Ingest(a) => {
            let mut cfg = LoadedConfig::load(g.config.as_deref())?;
            apply_ingest_flags(&mut cfg, &a.ingest);
            ingest_stream(&cfg, &a.inputs, a.output.as_deref())
        }
        Command::Normalize(s) => stage_stream(g, &["normalize".into()], &s),
        Command::Tag(t) => stage_stream(g, &[t.tagger], &t.stream),
        Command::Stage(n) => stage_stream(g, &[n.name], &n.stream),
        Command::Export(a) => export_stream(g, a.input.as_deref(), &a.out),
        Command::Schema => {
            print!("{}", schema::data_dictionary_markdown());
            Ok(())
        }
        Command::Stages => {
            let cfg = LoadedConfig::load(g.config.as_deref())?;
            list_stages(&cfg);
            Ok(())
        }
        Command::Eval(a) => eval(&a.gold, &a.out, a.json),
        Command::Train(a) => train(g, &a.labels, &a.out),
        Command::Merge(a) => {
            let started = Instant::now();
            let cfg = LoadedConfig::load(g.config.as_deref())?;
            let merged =
                crate::merge::merge(&a.shards, &a.out, &cfg.config.normalize, &cfg.config.export)?;
            if !g.quiet {
                eprintln!(
                    "newsflow: merged {} shards: {} documents, {} rejects in {:.2} s -> {}",
                    a.shards.len(),
                    merged.documents,
                    merged.rejects,
                    started.elapsed().as_secs_f64(),
                    a.out.display()
                );
            }
            Ok(())
        }
        Command::Report(a) => {
            let path = crate::report::write_report(&a.out)?;
            if !g.quiet {
                eprintln!("newsflow: wrote {}", path.display());
            }
            Ok(())
        }
        Command::Gen(a) => {
            let bytes = crate::synth::generate(&a.out, a.count, a.seed, a.format)?;
            if !g.quiet {
                eprintln!(
                    "newsflow: generated {} documents ({:.1} MB) in {}",
                    a.count,
                    bytes as f64 / 1e6,
                    a.out.display()
                );
            }
            Ok(())
        }
    }
}

fn apply_ingest_flags(cfg: &mut LoadedConfig, flags: &IngestFlags) {
    cfg.config
        .ingest
        .include
        .extend(flags.include.iter().cloned());
    cfg.config
        .ingest
        .exclude
        .extend(flags.exclude.iter().cloned());
}

/// Puts `tagger` where the pipeline has a tagger, or appends it.
fn swap_tagger(specs: &mut Vec<String>, tagger: String) {
    let is_tagger = |s: &String| {
        s == "tag" || s.starts_with("linear:") || s.starts_with("combined:") || s == "linear"
    };
    match specs.iter().position(is_tagger) {
        Some(i) => specs[i] = tagger,
        None => specs.push(tagger),
    }
}

fn plan(cfg: &LoadedConfig, inputs: &[PathBuf]) -> Result<(Ingest, Plan)> {
    let ingest = Ingest::new(cfg.config.ingest.clone()).context("invalid [ingest] settings")?;
    let files = ingest.plan(inputs)?;
    Ok((ingest, files))
}

fn ingest_source<'a>(ingest: &'a Ingest, files: Plan) -> impl Fn() -> Result<BatchIter<'a>> {
    move || {
        let iter = ingest
            .batches(files.clone())
            .map(|r| r.map_err(newsflow_core::Error::from));
        Ok(Box::new(iter) as BatchIter<'a>)
    }
}

/// Checkpoint settings of a run.
#[derive(Debug, Clone, Copy)]
struct Resume {
    /// `--resume`: checkpoints of an interrupted run must exist.
    required: bool,
    /// Checkpoints are written and reused (off with `--no-checkpoints`).
    enabled: bool,
}

/// Name of the checkpoint directory inside the output directory.
const CHECKPOINT_DIR: &str = ".newsflow-checkpoints";

/// Hash of everything besides the inputs that decides normalization
/// results: program version, stages, the config file's settings and the
/// reference data in a configured data directory.
fn settings_salt(cfg: &LoadedConfig, specs: &[String]) -> Result<u64> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(specs.join("\0").as_bytes());
    h.update(serde_json::to_string(&cfg.raw)?.as_bytes());
    if let Some(dir) = &cfg.config.normalize.data_dir {
        let mut files = walk_files(&cfg.resolve(dir))?;
        files.sort();
        for path in files {
            h.update(path.to_string_lossy().as_bytes());
            h.update(
                &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
    }
    Ok(h.digest())
}

fn walk_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk_files(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// Removes temporary files a killed run left in `out`.
fn remove_stale_temps(out: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = name.starts_with(".newsflow-spill-")
            || (name.starts_with('.') && name.contains(".tmp-") && entry.file_type()?.is_file());
        if stale {
            tracing::info!(file = %name, "removing a temporary file of an interrupted run");
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn run(
    g: &Global,
    cfg: &LoadedConfig,
    specs: &[String],
    inputs: &[PathBuf],
    out: &Path,
    resume: Resume,
    shard: Option<Shard>,
) -> Result<()> {
    let started = Instant::now();
    let checkpoint_dir = out.join(CHECKPOINT_DIR);
    if resume.required && !checkpoint_dir.is_dir() {
        bail!(
            "nothing to resume in {}: no interrupted run left checkpoints there",
            out.display()
        );
    }
    remove_stale_temps(out)?;
    let (ingest, files) = plan(cfg, inputs)?;
    tracing::info!(inputs = files.len(), "planned");
    let stages = registry::build_all(cfg, specs)?;
    let progress = show_progress(g).then(|| {
        // Files that are one document each give a known total (and an ETA).
        let total = files
            .iter()
            .all(|f| f.format() == newsflow_ingest::Format::Text)
            .then_some(files.len() as u64);
        Progress::new(total)
    });
    let checkpoints = if resume.enabled {
        Some(Checkpoints::new(
            checkpoint_dir,
            settings_salt(cfg, specs)?,
        )?)
    } else {
        None
    };
    let runner = Runner::new(g.threads, stages, cfg.config.normalize.clone())?
        .with_progress(progress)
        .with_checkpoints(checkpoints)
        .with_compressed_storage(cfg.config.pipeline.compress_checkpoints);
    let threads = runner.threads();
    let input = schema::ingest_schema();
    check_exportable(&runner.output_schema(&input)?)?;
    let mut exporter = Exporter::create(out, &cfg.config.export)
        .with_context(|| format!("cannot write to {}", out.display()))?;
    let shard_files = match shard {
        Some(shard) => files.slice(shard.range(files.len())),
        None => files.clone(),
    };
    let source = ingest_source(&ingest, shard_files);
    let corpus = ingest_source(&ingest, files);
    let mut tally = Tally::default();
    // Splitting and CSV formatting run on the workers in parallel; the
    // Parquet writers and the file writes run on one worker at a time, in
    // row order (see the runner).
    let preparer = exporter.preparer();
    let prepare = |b: RecordBatch| Ok((preparer.prepare(&b)?, b));
    let stats = runner.execute(&source, &corpus, &input, out, &prepare, &mut |(
        prepared,
        b,
    )| {
        tally.observe(&b);
        Ok(exporter.write_prepared(prepared)?)
    })?;
    let mut stage_ms = stats.stage_ms;
    stage_ms.insert("total".into(), started.elapsed().as_millis() as u64);
    let mut manifest = manifest(cfg, specs, threads, stage_ms);
    if let (Some(shard), Some(config)) = (shard, manifest.config.as_object_mut()) {
        config.insert("shard".into(), serde_json::json!(shard.to_string()));
    }
    let summary = exporter.finish(manifest)?;
    check_accounting(stats.rows, &summary)?;
    if resume.enabled {
        std::fs::remove_dir_all(out.join(CHECKPOINT_DIR)).or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        })?;
    }
    if !g.quiet {
        if stats.resumed_batches > 0 {
            eprintln!(
                "newsflow: resumed: {} batches read back from checkpoints",
                stats.resumed_batches
            );
        }
        eprint!(
            "{}",
            tally.render(summary.documents, out, started.elapsed(), threads)
        );
    }
    Ok(())
}

/// A progress bar only on a terminal, and never with `--quiet` or JSON logs.
fn show_progress(g: &Global) -> bool {
    use std::io::IsTerminal;
    !g.quiet && g.log_format == crate::cli::LogFormat::Text && std::io::stderr().is_terminal()
}

fn manifest(
    cfg: &LoadedConfig,
    specs: &[String],
    threads: usize,
    stage_wall_ms: std::collections::BTreeMap<String, u64>,
) -> Manifest {
    // The effective settings, defaults included, with the stages as run
    // (the command line may have changed them).
    let mut config = serde_json::to_value(&cfg.config).unwrap_or_default();
    if let Some(obj) = config.as_object_mut() {
        obj.insert("pipeline".into(), serde_json::json!({ "stages": specs }));
    }
    Manifest {
        schema_version: newsflow_core::SCHEMA_VERSION.to_string(),
        program_version: env!("CARGO_PKG_VERSION").to_string(),
        config,
        inputs: 0,
        documents: 0,
        rejects: 0,
        rejects_by_reason: Default::default(),
        stage_wall_ms,
        threads,
        files: Vec::new(),
    }
}

/// Every row the runner delivered must have become a document or a reject.
fn check_accounting(rows: u64, summary: &ExportSummary) -> Result<()> {
    if summary.documents + summary.rejects != rows {
        bail!(
            "accounting error: {rows} inputs but {} documents and {} rejects were written",
            summary.documents,
            summary.rejects
        );
    }
    Ok(())
}

/// The export needs the tagged stream; say which columns are missing before
/// any work is done (for example a pipeline without a tagger).
fn check_exportable(schema: &SchemaRef) -> Result<()> {
    let missing: Vec<String> = schema::tagged_schema()
        .fields()
        .iter()
        .filter(|f| schema.field_with_name(f.name()).is_err())
        .map(|f| f.name().clone())
        .collect();
    if !missing.is_empty() {
        bail!(
            "the pipeline does not produce the columns export needs: {} (does it include normalize and a tagger?)",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Opens stdout or a file for a stream; a file is written under a temporary
/// name and renamed when complete. A path that exists and is not a regular
/// file or a directory (`/dev/null`, a FIFO, `/dev/stdout`) is written to
/// as it is: renaming a file over it would replace the device or pipe.
struct StreamOut {
    target: Option<(PathBuf, tempfile::NamedTempFile)>,
}

impl StreamOut {
    fn open(path: Option<&Path>) -> Result<(StreamOut, Box<dyn Write + Send>)> {
        match path {
            None => Ok((
                StreamOut { target: None },
                Box::new(BufWriter::new(std::io::stdout())),
            )),
            Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot write to {}", path.display()))?;
                Ok((StreamOut { target: None }, Box::new(BufWriter::new(file))))
            }
            Some(path) => {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let tmp = tempfile::Builder::new()
                    .prefix(".newsflow-")
                    .tempfile_in(dir)
                    .with_context(|| format!("cannot write to {}", dir.display()))?;
                let writer = BufWriter::new(tmp.as_file().try_clone()?);
                Ok((
                    StreamOut {
                        target: Some((path.to_path_buf(), tmp)),
                    },
                    Box::new(writer),
                ))
            }
        }
    }

    fn commit(self) -> Result<()> {
        if let Some((path, tmp)) = self.target {
            tmp.persist(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

fn ingest_stream(cfg: &LoadedConfig, inputs: &[PathBuf], output: Option<&Path>) -> Result<()> {
    let (ingest, files) = plan(cfg, inputs)?;
    let (target, out) = StreamOut::open(output)?;
    let mut writer = IpcWriter::new("ingest", out, &schema::ingest_schema())?;
    for batch in ingest.batches(files) {
        writer.write(&batch?)?;
    }
    writer.finish()?.flush()?;
    target.commit()
}

/// A re-readable input stream: a file, or stdin copied to a temporary file
/// when a corpus-level pass has to read it twice.
struct StreamIn {
    path: Option<PathBuf>,
    _spill: Option<tempfile::NamedTempFile>,
}

impl StreamIn {
    fn open(path: Option<&Path>, rereadable: bool) -> Result<StreamIn> {
        match path {
            Some(p) => Ok(StreamIn {
                path: Some(p.to_path_buf()),
                _spill: None,
            }),
            None if rereadable => {
                let mut spill =
                    tempfile::NamedTempFile::new().context("cannot create a spill file")?;
                std::io::copy(&mut std::io::stdin().lock(), spill.as_file_mut())
                    .context("cannot read stdin")?;
                Ok(StreamIn {
                    path: Some(spill.path().to_path_buf()),
                    _spill: Some(spill),
                })
            }
            None => Ok(StreamIn {
                path: None,
                _spill: None,
            }),
        }
    }

    fn open_stream(&self, stage: &str) -> Result<(SchemaRef, BatchIter<'static>)> {
        let reader: Box<dyn std::io::Read + Send> = match &self.path {
            Some(p) => {
                Box::new(File::open(p).with_context(|| format!("cannot open {}", p.display()))?)
            }
            None => Box::new(std::io::stdin()),
        };
        let stream = read_stream(stage, reader)?;
        Ok((stream.schema(), Box::new(stream)))
    }
}

fn stage_stream(g: &Global, specs: &[String], args: &StreamArgs) -> Result<()> {
    let cfg = LoadedConfig::load(g.config.as_deref())?;
    let stages = registry::build_all(&cfg, specs)?;
    let rereadable = stages
        .iter()
        .any(|s| matches!(s, registry::Built::Normalize(_)));
    let label = specs.join(",");
    let input = StreamIn::open(args.input.as_deref(), rereadable)?;
    let runner = Runner::new(g.threads, stages, cfg.config.normalize.clone())?;
    let (in_schema, first) = input.open_stream(&label)?;
    let out_schema = runner.output_schema(&in_schema)?;
    let mut first = Some(first);
    let source = || -> Result<BatchIter<'static>> {
        match first.take() {
            Some(iter) => Ok(iter),
            None => Ok(input.open_stream(&label)?.1),
        }
    };
    // `first` is taken on the first call; later passes reopen the input.
    let source = std::sync::Mutex::new(source);
    let source = || {
        let mut guard = source.lock().expect("source lock");
        (*guard)()
    };
    let (target, out) = StreamOut::open(args.output.as_deref())?;
    let mut writer = IpcWriter::new(&label, out, &out_schema)?;
    let spill_dir = std::env::temp_dir();
    runner.execute(&source, &source, &in_schema, &spill_dir, &Ok, &mut |b| {
        Ok(writer.write(&b)?)
    })?;
    writer.finish()?.flush()?;
    target.commit()
}

fn export_stream(g: &Global, input: Option<&Path>, out: &Path) -> Result<()> {
    let started = Instant::now();
    let cfg = LoadedConfig::load(g.config.as_deref())?;
    let (schema_in, batches) = StreamIn::open(input, false)?.open_stream("export")?;
    check_exportable(&schema_in)?;
    let mut exporter = Exporter::create(out, &cfg.config.export)
        .with_context(|| format!("cannot write to {}", out.display()))?;
    let mut rows = 0u64;
    let mut tally = Tally::default();
    for batch in batches {
        let batch: RecordBatch = batch?;
        rows += batch.num_rows() as u64;
        tally.observe(&batch);
        exporter.write(&batch)?;
    }
    let mut stage_ms = std::collections::BTreeMap::new();
    stage_ms.insert("total".into(), started.elapsed().as_millis() as u64);
    let specs = cfg.config.pipeline.stages.clone();
    let summary = exporter.finish(manifest(&cfg, &specs, 1, stage_ms))?;
    check_accounting(rows, &summary)?;
    if !g.quiet {
        eprint!(
            "{}",
            tally.render(summary.documents, out, started.elapsed(), 1)
        );
    }
    Ok(())
}

fn list_stages(cfg: &LoadedConfig) {
    println!("built-in stages:");
    for b in registry::BUILTINS {
        let name = match b.argument {
            Some(arg) => format!("{}:{arg}", b.name),
            None => b.name.to_string(),
        };
        println!("  {name:<18} {}", b.about);
    }
    if !cfg.config.stage.is_empty() {
        println!("external stages (from the config):");
        for (name, ext) in &cfg.config.stage {
            println!(
                "  {name:<18} {} (replaces {})",
                ext.command.join(" "),
                ext.replaces
            );
        }
    }
}

fn read_documents(out: &Path) -> Result<Vec<RecordBatch>> {
    let path = out.join("documents.parquet");
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a Parquet file", path.display()))?
        .build()?;
    reader
        .map(|b| b.with_context(|| format!("cannot read {}", path.display())))
        .collect()
}

fn eval(gold: &Path, out: &Path, json: bool) -> Result<()> {
    let gold = newsflow_tag::eval::read_gold(gold)?;
    let documents = read_documents(out)?;
    let report = newsflow_tag::eval::evaluate(&gold, &documents);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}

fn train(g: &Global, labels: &Path, out: &Path) -> Result<()> {
    use newsflow_tag::linear;
    let examples = linear::read_labels(labels)?;
    let model = linear::train(&examples, &linear::TrainOptions::default())?;
    model.save(out)?;
    if !g.quiet {
        eprintln!(
            "newsflow: trained on {} documents -> {}",
            examples.len(),
            out.display()
        );
    }
    Ok(())
}
