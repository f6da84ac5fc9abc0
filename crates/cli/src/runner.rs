//! The rayon runner: moves batches from a source through the stages and into
//! a sink, in parallel and in input order.
//!
//! A producer thread reads batches from the source into a bounded channel,
//! each read done on the pool (as a job between the batches' tasks); the
//! runner hands each batch to the pool as a task of its own, with at
//! most two batches per thread in flight, and the results reach the sink in
//! input order. The sink runs on the workers: the one that completes the
//! batch next in order hands it over (with any that were waiting behind
//! it), one worker at a time, so `--threads N` is N threads of work and no
//! third thread competes with two workers for two cores (the producer
//! thread only waits for its reads). Memory is bounded
//! by the batches in flight (ingest closes batches at `batch_bytes`), never
//! by the corpus: at most two per thread, and of those waiting for a worker
//! at most [`READ_AHEAD_BYTES`] (or one batch).
//!
//! When the pipeline contains `normalize`, the run takes three passes:
//! 1. the source is read once to count line fingerprints per source
//!    (boilerplate learning);
//! 2. it is read again through the stages up to `normalize`, into one
//!    checkpoint file per batch (or, with checkpoints off, one spill file),
//!    without the raw text unless a later stage reads it, while duplicate
//!    signatures are collected;
//! 3. the stored batches are read back in input order, duplicate clusters
//!    are applied, and the rest of the stages run into the sink.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::{Stage, conform, run_checked};
use newsflow_normalize::NormalizeConfig;
use newsflow_normalize::boilerplate::{
    LineStats, SPILL_BUDGET as LINE_SPILL_BUDGET, SpillingLineStats,
};
use newsflow_normalize::dedup::{Clusters, Deduper, SPILL_BUDGET, SpillingDeduper};

use crate::registry::Built;

/// A stream of batches.
pub type BatchIter<'a> = Box<dyn Iterator<Item = newsflow_core::Result<RecordBatch>> + Send + 'a>;

/// Something that can be read more than once (the corpus passes re-read it).
pub type Source<'s, 'a> = &'s dyn Fn() -> Result<BatchIter<'a>>;

/// Runs stages over batches.
pub struct Runner {
    pool: rayon::ThreadPool,
    threads: usize,
    stages: Vec<Built>,
    normalize: NormalizeConfig,
    times: Mutex<BTreeMap<String, Duration>>,
    progress: Option<Progress>,
    checkpoints: Option<Checkpoints>,
    /// Whether the batches stored for pass 3 (checkpoints or spill) are
    /// zstd-compressed.
    compress_stored: bool,
}

/// Checkpoints of the normalization pass, so that a killed run, run again,
/// redoes only the batches it had not finished.
///
/// After `normalize`, each batch's result is stored in `dir` under a key
/// derived from the batch's inputs (ids, content hashes, input metadata),
/// the learned boilerplate, the program version and the settings
/// (`salt`). A later run with the same inputs and settings reads the result
/// back instead of computing it; anything that changed gets a new key. Files
/// are written under a temporary name and renamed, so a kill never leaves a
/// half-written checkpoint, and end with a digest of their bytes, checked on
/// reading. The checkpoints are also the spill between passes 2 and 3. The
/// directory is removed after a successful run.
pub struct Checkpoints {
    dir: std::path::PathBuf,
    salt: u64,
    reused: std::sync::atomic::AtomicU64,
}

impl Checkpoints {
    /// Checkpoints in `dir` for settings summarized by `salt`.
    pub fn new(dir: std::path::PathBuf, salt: u64) -> Result<Checkpoints> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Checkpoints {
            dir,
            salt,
            reused: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn key(&self, boilerplate: u64, batch: &RecordBatch) -> u64 {
        use newsflow_core::{batch::str_column, col};
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&self.salt.to_le_bytes());
        h.update(&boilerplate.to_le_bytes());
        let columns = [
            col::DOC_ID,
            col::SOURCE_PATH,
            col::CONTENT_HASH,
            col::REJECT_REASON,
            col::META_PUBLISHED,
            col::META_URL,
            col::META_SOURCE,
        ];
        for name in columns {
            if let Ok(values) = str_column("checkpoint", batch, name) {
                for row in 0..values.len() {
                    h.update(values.get(row).unwrap_or("\u{1}").as_bytes());
                    h.update(&[0]);
                }
            }
        }
        h.digest()
    }

    /// The stored result for `batch` and the file that holds it, or
    /// `compute`'s, stored there.
    fn get_or_compute(
        &self,
        boilerplate: u64,
        batch: RecordBatch,
        schema: &SchemaRef,
        compress: bool,
        compute: impl FnOnce(RecordBatch) -> Result<RecordBatch>,
    ) -> Result<(RecordBatch, std::path::PathBuf)> {
        let path = self
            .dir
            .join(format!("{:016x}.arrows", self.key(boilerplate, &batch)));
        if path.exists() {
            match read_checkpoint(&path, schema, batch.num_rows()) {
                Ok(stored) => {
                    self.reused
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return Ok((stored, path));
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), "ignoring a bad checkpoint: {e:#}")
                }
            }
        }
        let out = compute(batch)?;
        write_checkpoint(&self.dir, &path, &out, compress)?;
        Ok((out, path))
    }
}

/// Bytes of the digest that ends every checkpoint file.
const DIGEST_BYTES: usize = 8;

/// Writes `batch` to `path`: one IPC stream, then the xxh3 digest of its
/// bytes. The file is written under a temporary name and renamed, so a
/// killed run leaves no half-written checkpoint; a file damaged some other
/// way (a machine that went down before the data reached the disk) fails
/// the digest and is recomputed, so the files need no fsync.
fn write_checkpoint(dir: &Path, path: &Path, batch: &RecordBatch, compress: bool) -> Result<()> {
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let hashing = Hashing {
        inner: std::io::BufWriter::new(tmp.as_file()),
        state: xxhash_rust::xxh3::Xxh3::new(),
    };
    let mut writer = stored_batches_writer("checkpoint", hashing, &batch.schema(), compress)?;
    writer.write(batch)?;
    let Hashing { mut inner, state } = writer.finish()?;
    std::io::Write::write_all(&mut inner, &state.digest().to_le_bytes())
        .and_then(|()| std::io::Write::flush(&mut inner))
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    drop(inner);
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// An IPC writer for batches a run stores for itself, compressed or not
/// (the reader reads both).
fn stored_batches_writer<W: std::io::Write>(
    what: &str,
    writer: W,
    schema: &arrow_schema::Schema,
    compress: bool,
) -> Result<newsflow_core::ipc::IpcWriter<W>> {
    Ok(if compress {
        newsflow_core::ipc::IpcWriter::compressed(what, writer, schema)?
    } else {
        newsflow_core::ipc::IpcWriter::new(what, writer, schema)?
    })
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    state: xxhash_rust::xxh3::Xxh3,
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.state.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads back the batch of `rows` rows that [`write_checkpoint`] stored.
fn read_checkpoint(path: &Path, schema: &SchemaRef, rows: usize) -> Result<RecordBatch> {
    let mut bytes =
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let data = bytes.len().saturating_sub(DIGEST_BYTES);
    anyhow::ensure!(
        bytes.len() >= DIGEST_BYTES
            && xxhash_rust::xxh3::xxh3_64(&bytes[..data]).to_le_bytes()[..] == bytes[data..],
        "damaged (its digest does not match)"
    );
    bytes.truncate(data);
    let mut batches = Vec::new();
    for b in newsflow_core::ipc::decode_all("checkpoint", bytes)? {
        batches.push(conform("checkpoint", b, schema)?);
    }
    let batch = match batches.len() {
        1 => batches.pop().expect("one batch"),
        n => anyhow::bail!("{n} batches instead of one"),
    };
    anyhow::ensure!(
        batch.num_rows() == rows,
        "{} rows instead of {rows}",
        batch.num_rows()
    );
    Ok(batch)
}

/// A progress bar on the terminal: documents done, rate and, when the
/// number of documents is known in advance, the ETA.
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar for `total` documents (`None` when unknown, e.g. JSONL inputs).
    pub fn new(total: Option<u64>) -> Progress {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = if total.is_some() {
            "{msg:>22} [{bar:30}] {pos}/{len} docs  {per_sec}  ETA {eta}"
        } else {
            "{msg:>22} {spinner} {pos} docs  {per_sec}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress { bar }
    }

    fn start(&self, phase: &'static str) {
        self.bar.reset();
        self.bar.set_message(phase);
    }

    fn advance(&self, rows: usize) {
        self.bar.inc(rows as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Rows delivered to the sink.
    pub rows: u64,
    /// Busy time per stage (summed over batches and threads) and wall time
    /// of the corpus passes, in milliseconds.
    pub stage_ms: BTreeMap<String, u64>,
    /// Batches whose normalization was read back from checkpoints.
    pub resumed_batches: u64,
}

impl Runner {
    /// A runner with `threads` worker threads (0 = one per core).
    pub fn new(threads: usize, stages: Vec<Built>, normalize: NormalizeConfig) -> Result<Runner> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("newsflow-{i}"))
            .build()
            .context("cannot start the thread pool")?;
        let threads = pool.current_num_threads();
        Ok(Runner {
            pool,
            threads,
            stages,
            normalize,
            times: Mutex::new(BTreeMap::new()),
            progress: None,
            checkpoints: None,
            compress_stored: false,
        })
    }

    /// Stores and reuses normalization results in `checkpoints`.
    pub fn with_checkpoints(mut self, checkpoints: Option<Checkpoints>) -> Runner {
        self.checkpoints = checkpoints;
        self
    }

    /// zstd-compresses the batches stored between passes 2 and 3 (the
    /// checkpoints, or the spill without them): about a fifth of the disk
    /// on the generated corpus, for some more CPU time.
    pub fn with_compressed_storage(mut self, compress: bool) -> Runner {
        self.compress_stored = compress;
        self
    }

    /// Shows progress on `progress` while running.
    pub fn with_progress(mut self, progress: Option<Progress>) -> Runner {
        self.progress = progress;
        self
    }

    fn phase(&self, name: &'static str) {
        if let Some(p) = &self.progress {
            p.start(name);
        }
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Schema of the batches the sink receives for source batches of `input`.
    pub fn output_schema(&self, input: &SchemaRef) -> Result<SchemaRef> {
        let mut schema = input.clone();
        for stage in &self.stages {
            schema = stage.as_stage().output_schema(&schema)?;
        }
        Ok(schema)
    }

    /// Runs every stage over `source` into `sink`; `input` is the schema of
    /// the source's batches and `spill_dir` holds the temporary spill file.
    /// Boilerplate lines are learned from `corpus`: the same as `source`,
    /// or the whole corpus when `source` is one shard of it, so that every
    /// shard cleans its documents exactly as a single run would.
    ///
    /// Each final batch goes through `prepare` on the worker that made it
    /// (timed as `export_prepare`), then to `sink`, in input order, on one
    /// worker at a time (timed as `export_write`): work that does not need
    /// the order (formatting output) belongs in `prepare`, where the workers
    /// do it in parallel.
    pub fn execute<P: Send>(
        mut self,
        source: Source<'_, '_>,
        corpus: Source<'_, '_>,
        input: &SchemaRef,
        spill_dir: &Path,
        prepare: &(dyn Fn(RecordBatch) -> Result<P> + Sync),
        sink: &mut (dyn FnMut(P) -> Result<()> + Send),
    ) -> Result<RunStats> {
        let mut stats = RunStats::default();
        let times = &self.times;
        let mut deliver = |(rows, prepared): (usize, P)| {
            if let Some(p) = &self.progress {
                p.advance(rows);
            }
            stats.rows += rows as u64;
            let started = Instant::now();
            let written = sink(prepared);
            add_time(times, "export_write", started.elapsed());
            written
        };
        let normalize_at = self
            .stages
            .iter()
            .position(|s| matches!(s, Built::Normalize(_)));
        let Some(at) = normalize_at else {
            self.phase("processing");
            let schemas = self.schemas(input, 0..self.stages.len())?;
            let chain = |b: RecordBatch| {
                let b = self.chain(b, 0..self.stages.len(), &schemas)?;
                Ok((b.num_rows(), self.timed("export_prepare", || prepare(b))?))
            };
            self.pump_with(source()?, &chain, &mut deliver)?;
            stats.stage_ms = self.stage_ms();
            return Ok(stats);
        };

        // Pass 1: boilerplate line statistics.
        self.phase("learning boilerplate");
        let started = Instant::now();
        let line_stats = self.line_stats(corpus()?, spill_dir)?;
        let boilerplate = line_stats.finish(&self.normalize)?;
        let boilerplate_digest = boilerplate.digest();
        let mut boilerplate = Some(boilerplate);
        self.stages = std::mem::take(&mut self.stages)
            .into_iter()
            .map(|s| match (s, boilerplate.take()) {
                (Built::Normalize(n), Some(b)) => Built::Normalize(Box::new(n.with_boilerplate(b))),
                (other, b) => {
                    boilerplate = b;
                    other
                }
            })
            .collect();
        self.record("boilerplate_pass", started.elapsed());

        // Pass 2: stages up to normalize, into checkpoint files or, without
        // checkpoints, one spill file.
        self.phase("normalizing");
        let head = 0..at + 1;
        let head_schemas = self.schemas(input, head.clone())?;
        let spill_schema = head_schemas
            .last()
            .cloned()
            .unwrap_or_else(|| input.clone());
        let spill = match &self.checkpoints {
            Some(_) => None,
            None => Some(
                tempfile::Builder::new()
                    .prefix(".newsflow-spill-")
                    .tempfile_in(spill_dir)
                    .with_context(|| {
                        format!("cannot create a spill file in {}", spill_dir.display())
                    })?,
            ),
        };
        let mut deduper = SpillingDeduper::new(&self.normalize, spill_dir, SPILL_BUDGET);
        // The raw text is the largest column and, past normalization, only
        // a stage that asks for it reads it: leave it out of what is stored.
        // (Which stages follow is part of the checkpoints' settings salt.)
        let keep_raw_text = self.stages[at + 1..]
            .iter()
            .any(|s| s.as_stage().reads_raw_text());
        // The checkpoint of each batch, in input order: pass 3 reads them back.
        let mut stored: Vec<(std::path::PathBuf, usize)> = Vec::new();
        {
            let mut writer = match &spill {
                Some(spill) => Some(stored_batches_writer(
                    "spill",
                    std::io::BufWriter::new(spill.as_file().try_clone()?),
                    &spill_schema,
                    self.compress_stored,
                )?),
                None => None,
            };
            let head_chain = |b: RecordBatch| -> Result<RecordBatch> {
                let out = self.chain(b, head.clone(), &head_schemas)?;
                if keep_raw_text {
                    Ok(out)
                } else {
                    without_raw_text(out)
                }
            };
            // Normalize, then sign the bodies for duplicate detection on the
            // same worker; the signatures are merged in the sink.
            let chain =
                |b: RecordBatch| -> Result<(RecordBatch, Option<std::path::PathBuf>, Deduper)> {
                    let (out, path) = match &self.checkpoints {
                        Some(cp) => {
                            let (out, path) = cp.get_or_compute(
                                boilerplate_digest,
                                b,
                                &spill_schema,
                                self.compress_stored,
                                head_chain,
                            )?;
                            (out, Some(path))
                        }
                        None => (head_chain(b)?, None),
                    };
                    let mut signed = Deduper::new(&self.normalize);
                    self.timed("dedup_sign", || Ok(signed.observe(&out)?))?;
                    Ok((out, path, signed))
                };
            self.pump_with(source()?, &chain, &mut |(b, path, signed)| {
                if let Some(p) = &self.progress {
                    p.advance(b.num_rows());
                }
                deduper.add(signed)?;
                match (&mut writer, path) {
                    (Some(writer), _) => writer.write(&b)?,
                    (None, Some(path)) => stored.push((path, b.num_rows())),
                    (None, None) => {
                        anyhow::bail!("a batch with neither a spill file nor a checkpoint")
                    }
                }
                Ok(())
            })?;
            if let Some(writer) = writer {
                let mut file = writer.finish()?;
                std::io::Write::flush(&mut file)?;
            }
        }

        // Pass 3: duplicate clusters, then the remaining stages.
        self.phase("tagging and writing");
        let started = Instant::now();
        let clusters = deduper.finish()?;
        self.record("dedup_pass", started.elapsed());
        let tail = at + 1..self.stages.len();
        let tail_schemas = self.schemas(&spill_schema, tail.clone())?;
        let spilled: BatchIter<'_> = match &spill {
            Some(spill) => {
                let reread = std::fs::File::open(spill.path())?;
                Box::new(newsflow_core::ipc::read_stream(
                    "spill",
                    std::io::BufReader::new(reread),
                )?)
            }
            None => Box::new(stored.into_iter().map(move |(path, rows)| {
                read_checkpoint(&path, &spill_schema, rows).map_err(|e| {
                    newsflow_core::Error::io(
                        path.display().to_string(),
                        std::io::Error::other(format!("{e:#}")),
                    )
                })
            })),
        };
        let chain = |b: RecordBatch| {
            let b = self.timed("dedup_apply", || apply(&clusters, b))?;
            let b = self.chain(b, tail.clone(), &tail_schemas)?;
            Ok((b.num_rows(), self.timed("export_prepare", || prepare(b))?))
        };
        self.pump_with(spilled, &chain, &mut deliver)?;
        stats.stage_ms = self.stage_ms();
        if let Some(cp) = &self.checkpoints {
            stats.resumed_batches = cp.reused.load(std::sync::atomic::Ordering::Relaxed);
        }
        Ok(stats)
    }

    fn schemas(&self, input: &SchemaRef, range: std::ops::Range<usize>) -> Result<Vec<SchemaRef>> {
        let mut schema = input.clone();
        let mut out = Vec::new();
        for stage in &self.stages[range] {
            schema = stage.as_stage().output_schema(&schema)?;
            out.push(schema.clone());
        }
        Ok(out)
    }

    fn chain(
        &self,
        mut batch: RecordBatch,
        range: std::ops::Range<usize>,
        schemas: &[SchemaRef],
    ) -> Result<RecordBatch> {
        for (stage, schema) in self.stages[range].iter().zip(schemas) {
            let stage: &dyn Stage = stage.as_stage();
            batch = self.timed(stage.name(), || {
                let out = run_checked(stage, batch)?;
                Ok(conform(stage.name(), out, schema)?)
            })?;
        }
        Ok(batch)
    }

    fn timed<T>(&self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let out = f();
        self.record(name, started.elapsed());
        out
    }

    fn record(&self, name: &str, took: Duration) {
        add_time(&self.times, name, took);
    }

    fn stage_ms(&self) -> BTreeMap<String, u64> {
        self.times
            .lock()
            .expect("timing lock")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_millis() as u64))
            .collect()
    }

    fn line_stats(&self, iter: BatchIter<'_>, spill_dir: &Path) -> Result<SpillingLineStats> {
        let mut total = SpillingLineStats::new(spill_dir, LINE_SPILL_BUDGET);
        let observe = |b: RecordBatch| -> Result<(usize, LineStats)> {
            let mut stats = LineStats::new();
            stats.observe(&b)?;
            Ok((b.num_rows(), stats))
        };
        self.pump_with(iter, &observe, &mut |(rows, s)| {
            if let Some(p) = &self.progress {
                p.advance(rows);
            }
            total.add(s)?;
            Ok(())
        })?;
        Ok(total)
    }

    /// Runs `f` over the batches of `iter` in parallel and gives the results
    /// to `sink` in input order.
    fn pump_with<T: Send>(
        &self,
        iter: BatchIter<'_>,
        f: &(dyn Fn(RecordBatch) -> Result<T> + Sync),
        sink: &mut (dyn FnMut(T) -> Result<()> + Send),
    ) -> Result<()> {
        let depth = self.threads * 2;
        let (tx, rx) = sync_channel(depth);
        let ahead = ReadAhead::new(READ_AHEAD_BYTES);
        std::thread::scope(|scope| {
            let ahead = &ahead;
            scope.spawn(move || {
                // Reading runs on the pool too (ingest decodes a window of
                // text files in parallel on the current pool): with
                // `--threads N`, the run keeps at most N threads busy.
                let mut iter = iter;
                while let Some(batch) = self.pool.install(|| iter.next()) {
                    let bytes = batch.as_ref().map_or(0, batch_bytes);
                    if !ahead.reserve(bytes) || tx.send((batch, bytes)).is_err() {
                        break;
                    }
                }
            });
            let done = self.consume(rx, depth, ahead, f, sink);
            // Wakes a producer waiting for room that no worker will make.
            ahead.close();
            done
        })
    }

    /// Takes the receiver by value so that an early error drops it, which
    /// stops the producer thread.
    ///
    /// Each batch is a task of its own on the pool, and up to `window`
    /// batches are in flight at once: a worker that finishes takes the next
    /// batch at once instead of waiting for the slowest batch of a group
    /// (one long document no longer idles the other threads). The results
    /// reach `sink` in input order through an [`InOrder`], on the workers;
    /// this thread only feeds the pool and waits for room in the window. A
    /// worker that starts on a batch releases its bytes in `ahead`.
    fn consume<T: Send>(
        &self,
        rx: Receiver<(newsflow_core::Result<RecordBatch>, usize)>,
        window: usize,
        ahead: &ReadAhead,
        f: &(dyn Fn(RecordBatch) -> Result<T> + Sync),
        sink: &mut (dyn FnMut(T) -> Result<()> + Send),
    ) -> Result<()> {
        let window = window.max(1) as u64;
        let order = InOrder::new(sink);
        self.pool.in_place_scope(|scope| {
            let mut spawned = 0u64;
            loop {
                order.wait_until(|next| spawned - next < window)?;
                let Ok((batch, bytes)) = rx.recv() else {
                    break;
                };
                let batch = match batch {
                    Ok(batch) => batch,
                    Err(e) => {
                        order.fail();
                        return Err(e.into());
                    }
                };
                let seq = spawned;
                spawned += 1;
                let order = &order;
                scope.spawn(move |_| {
                    ahead.release(bytes);
                    let result =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(batch)))
                            .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker thread panicked")));
                    order.deliver(seq, result);
                });
            }
            order.wait_until(|next| next == spawned)
        })
    }
}

/// How many bytes of batches may wait for a worker: read ahead in the
/// channel or spawned on the pool but not yet started. A batch larger than
/// this still goes ahead when nothing else waits.
///
/// Counted in bytes, not only in batches, because batches differ in size by
/// far more than their row counts suggest: a stored batch of pass 3 holds
/// the body and every normalized column (about 2.5 times its input), and a
/// batch of one 4 MB document is as large as a few hundred small ones.
/// Up to nine such batches in flight, most of them waiting, took 85 MB of
/// a 244 MB heap peak on a corpus of long documents (heaptrack, 2 threads;
/// 47 MB with this cap). Reading a batch takes
/// milliseconds and working on one takes a hundred or more, so one or two
/// waiting batches keep the workers fed.
const READ_AHEAD_BYTES: usize = 8 << 20;

/// The Arrow buffer bytes of `batch`. Slices are counted by their length,
/// so the columns of a batch decoded from one IPC message, which share its
/// buffer, are not counted once per column.
fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.to_data().get_slice_memory_size().unwrap_or(0))
        .sum()
}

/// The byte count of batches waiting for a worker, bounded by a limit: the
/// producer reserves a batch's bytes before it sends it, and the worker
/// that starts on it releases them.
struct ReadAhead {
    /// Bytes waiting, or `None` once the consumer has stopped.
    waiting: Mutex<Option<usize>>,
    /// Signalled when bytes are released or the consumer stops.
    room: Condvar,
    limit: usize,
}

impl ReadAhead {
    fn new(limit: usize) -> Self {
        ReadAhead {
            waiting: Mutex::new(Some(0)),
            room: Condvar::new(),
            limit,
        }
    }

    /// Waits until `bytes` more fit under the limit (or nothing waits) and
    /// counts them; false when the consumer has stopped.
    fn reserve(&self, bytes: usize) -> bool {
        let mut waiting = self.waiting.lock().expect("read-ahead lock");
        loop {
            match *waiting {
                None => return false,
                Some(n) if n == 0 || n + bytes <= self.limit => {
                    *waiting = Some(n + bytes);
                    return true;
                }
                Some(_) => waiting = self.room.wait(waiting).expect("read-ahead lock"),
            }
        }
    }

    /// A worker took a batch of `bytes`.
    fn release(&self, bytes: usize) {
        if let Some(n) = self.waiting.lock().expect("read-ahead lock").as_mut() {
            *n -= bytes;
        }
        self.room.notify_all();
    }

    /// The consumer stopped: a waiting or later `reserve` returns false.
    fn close(&self) {
        *self.waiting.lock().expect("read-ahead lock") = None;
        self.room.notify_all();
    }
}

/// Adds `took` to the busy time of `name`.
fn add_time(times: &Mutex<BTreeMap<String, Duration>>, name: &str, took: Duration) {
    let mut times = times.lock().expect("timing lock");
    *times.entry(name.to_string()).or_default() += took;
}

/// Hands results, which complete in any order, to a sink in sequence order.
///
/// The worker that delivers the result next in order runs the sink on it
/// and on every result already waiting behind it; while it does, the others
/// only leave their results and go back to work. The sink runs on one
/// thread at a time, outside the lock on the waiting results.
struct InOrder<'s, T> {
    state: Mutex<Waiting<T>>,
    /// Signalled when `next` moves or a result fails.
    moved: Condvar,
    sink: Mutex<&'s mut (dyn FnMut(T) -> Result<()> + Send)>,
}

struct Waiting<T> {
    /// Sequence number of the next result the sink takes.
    next: u64,
    ready: BTreeMap<u64, Result<T>>,
    /// A worker is running the sink.
    draining: bool,
    /// The first error; the sink takes nothing after it.
    error: Option<anyhow::Error>,
    failed: bool,
}

impl<'s, T> InOrder<'s, T> {
    fn new(sink: &'s mut (dyn FnMut(T) -> Result<()> + Send)) -> Self {
        InOrder {
            state: Mutex::new(Waiting {
                next: 0,
                ready: BTreeMap::new(),
                draining: false,
                error: None,
                failed: false,
            }),
            moved: Condvar::new(),
            sink: Mutex::new(sink),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiting<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Leaves result `seq`; runs the sink if it is next and no other worker
    /// is running it.
    fn deliver(&self, seq: u64, result: Result<T>) {
        let mut state = self.lock();
        state.ready.insert(seq, result);
        if state.draining {
            return;
        }
        state.draining = true;
        while !state.failed {
            let next = state.next;
            let Some(result) = state.ready.remove(&next) else {
                break;
            };
            drop(state);
            let outcome = result.and_then(|item| {
                let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (*sink)(item)))
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the output sink panicked")))
            });
            state = self.lock();
            state.next += 1;
            if let Err(e) = outcome {
                state.error = Some(e);
                state.failed = true;
            }
            self.moved.notify_all();
        }
        state.draining = false;
    }

    /// Stops the sink from taking more results (the run failed elsewhere).
    fn fail(&self) {
        self.lock().failed = true;
    }

    /// Waits until `done(next)` holds, or returns the first error.
    fn wait_until(&self, done: impl Fn(u64) -> bool) -> Result<()> {
        let mut state = self.lock();
        loop {
            if let Some(e) = state.error.take() {
                return Err(e);
            }
            if done(state.next) {
                return Ok(());
            }
            state = self.moved.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// `batch` with its raw `text` column (when it has one) replaced by nulls.
fn without_raw_text(batch: RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let Ok(at) = schema.index_of(newsflow_core::col::TEXT) else {
        return Ok(batch);
    };
    let mut columns = batch.columns().to_vec();
    columns[at] = arrow_array::new_null_array(schema.field(at).data_type(), batch.num_rows());
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn apply(clusters: &Clusters, batch: RecordBatch) -> Result<RecordBatch> {
    Ok(clusters.apply(batch)?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use arrow_array::Array;
    use newsflow_core::col;

    use super::*;
    use crate::config::LoadedConfig;
    use crate::registry;

    #[test]
    fn results_reach_the_sink_in_order_one_thread_at_a_time() {
        const N: u64 = 400;
        let mut got = Vec::new();
        let inside = std::sync::atomic::AtomicBool::new(false);
        let mut sink = |x: u64| -> Result<()> {
            assert!(
                !inside.swap(true, Ordering::SeqCst),
                "two threads in the sink"
            );
            std::thread::yield_now();
            got.push(x);
            inside.store(false, Ordering::SeqCst);
            Ok(())
        };
        {
            let order = InOrder::new(&mut sink);
            // Four threads deliver interleaved sequence numbers, each its
            // own in reverse order within blocks of ten.
            std::thread::scope(|scope| {
                for t in 0..4u64 {
                    let order = &order;
                    scope.spawn(move || {
                        let mine: Vec<u64> = (0..N).filter(|s| s % 4 == t).collect();
                        for block in mine.chunks(10) {
                            for &seq in block.iter().rev() {
                                order.deliver(seq, Ok(seq));
                            }
                        }
                    });
                }
            });
            order.wait_until(|next| next == N).unwrap();
        }
        assert_eq!(got, (0..N).collect::<Vec<_>>());
    }

    #[test]
    fn the_sink_takes_nothing_after_a_failed_result() {
        let mut got = Vec::new();
        let mut sink = |x: u64| -> Result<()> {
            got.push(x);
            Ok(())
        };
        {
            let order = InOrder::new(&mut sink);
            order.deliver(2, Ok(2));
            order.deliver(1, Err(anyhow::anyhow!("batch 1 failed")));
            order.deliver(0, Ok(0));
            order.deliver(3, Ok(3));
            let err = order.wait_until(|next| next == 4).unwrap_err();
            assert_eq!(err.to_string(), "batch 1 failed");
        }
        assert_eq!(got, vec![0]);
    }

    #[test]
    fn read_ahead_waits_for_room_but_lets_a_large_batch_through_alone() {
        let ahead = ReadAhead::new(10);
        assert!(ahead.reserve(25), "nothing waits, so a large batch goes");
        let got = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let reserved = ahead.reserve(1);
                got.store(1, Ordering::SeqCst);
                reserved
            });
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(got.load(Ordering::SeqCst), 0, "reserved past the limit");
            ahead.release(25);
            assert!(waiter.join().unwrap(), "room was made");
        });
        assert!(ahead.reserve(9), "1 + 9 fit under 10");
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| ahead.reserve(1));
            std::thread::sleep(Duration::from_millis(20));
            ahead.close();
            assert!(
                !waiter.join().unwrap(),
                "a stopped consumer frees the producer"
            );
        });
        assert!(!ahead.reserve(0));
    }

    #[test]
    fn large_batches_are_not_read_far_ahead_of_the_workers() {
        const BATCHES: usize = 12;
        // Five MiB each: one waits beside the one being worked on, where
        // the channel and the window would hold four.
        let big = "x".repeat(5 << 20);
        let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            col::TEXT,
            arrow_schema::DataType::Utf8,
            false,
        )]));
        let pulled = AtomicUsize::new(0);
        let started = AtomicUsize::new(0);
        let most_waiting = AtomicUsize::new(0);
        let iter: BatchIter<'_> = Box::new((0..BATCHES).map(|_| {
            pulled.fetch_add(1, Ordering::SeqCst);
            let text = arrow_array::StringArray::from(vec![big.as_str()]);
            Ok(RecordBatch::try_new(schema.clone(), vec![Arc::new(text)]).unwrap())
        }));
        let runner = Runner::new(1, Vec::new(), NormalizeConfig::default()).unwrap();
        let work = |b: RecordBatch| -> Result<usize> {
            let n = started.fetch_add(1, Ordering::SeqCst) + 1;
            // Batches read and not yet started, including the one the
            // producer holds while it waits for room.
            most_waiting.fetch_max(pulled.load(Ordering::SeqCst) - n, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            Ok(b.num_rows())
        };
        let mut delivered = 0;
        runner
            .pump_with(iter, &work, &mut |rows| {
                delivered += rows;
                Ok(())
            })
            .unwrap();
        assert_eq!(delivered, BATCHES);
        let most = most_waiting.load(Ordering::SeqCst);
        assert!(most <= 2, "{most} batches of 5 MiB waited");
    }

    #[test]
    fn the_source_is_read_on_the_runners_pool() {
        // A source that decodes in parallel (as ingest does) must find the
        // runner's pool, not rayon's global one of a thread per core.
        let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            col::TEXT,
            arrow_schema::DataType::Utf8,
            false,
        )]));
        let pools = Mutex::new(Vec::new());
        let iter: BatchIter<'_> = Box::new((0..5).map(|_| {
            let name = std::thread::current().name().map(str::to_owned);
            pools
                .lock()
                .unwrap()
                .push((name, rayon::current_num_threads()));
            let text = arrow_array::StringArray::from(vec!["text"]);
            Ok(RecordBatch::try_new(schema.clone(), vec![Arc::new(text)]).unwrap())
        }));
        let runner = Runner::new(1, Vec::new(), NormalizeConfig::default()).unwrap();
        let mut delivered = 0;
        runner
            .pump_with(iter, &|b: RecordBatch| Ok(b.num_rows()), &mut |rows| {
                delivered += rows;
                Ok(())
            })
            .unwrap();
        assert_eq!(delivered, 5);
        let pools = pools.into_inner().unwrap();
        assert_eq!(pools.len(), 5);
        for (name, threads) in pools {
            assert_eq!(name.as_deref(), Some("newsflow-0"));
            assert_eq!(threads, 1);
        }
    }

    /// A stage after normalization that counts the rows reaching it with
    /// their raw text.
    struct Probe {
        reads: bool,
        with_text: Arc<AtomicUsize>,
    }

    impl Stage for Probe {
        fn name(&self) -> &str {
            "probe"
        }

        fn output_schema(&self, input: &SchemaRef) -> newsflow_core::Result<SchemaRef> {
            Ok(input.clone())
        }

        fn process(&self, batch: RecordBatch) -> newsflow_core::Result<RecordBatch> {
            let text = batch.column_by_name(col::TEXT).expect("a text column");
            self.with_text
                .fetch_add(text.len() - text.null_count(), Ordering::Relaxed);
            Ok(batch)
        }

        fn reads_raw_text(&self) -> bool {
            self.reads
        }
    }

    /// Runs normalize and a probe over the seeds: the rows that reached the
    /// probe with raw text, and the rows delivered.
    fn raw_text_rows(probe_reads: bool) -> (usize, u64) {
        let cfg = LoadedConfig::load(None).unwrap();
        let mut stages = registry::build_all(&cfg, &["normalize".to_string()]).unwrap();
        let with_text = Arc::new(AtomicUsize::new(0));
        stages.push(Built::Stage(Box::new(Probe {
            reads: probe_reads,
            with_text: with_text.clone(),
        })));
        let ingest = newsflow_ingest::Ingest::new(cfg.config.ingest.clone()).unwrap();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
        let files = ingest.plan(&[seeds]).unwrap();
        let source = || -> Result<BatchIter<'_>> {
            let batches = ingest.batches(files.clone());
            Ok(Box::new(
                batches.map(|r| r.map_err(newsflow_core::Error::from)),
            ))
        };
        let spill_dir = tempfile::tempdir().unwrap();
        let runner = Runner::new(1, stages, cfg.config.normalize.clone()).unwrap();
        let input = newsflow_core::schema::ingest_schema();
        let stats = runner
            .execute(
                &source,
                &source,
                &input,
                spill_dir.path(),
                &|b| Ok(b.num_rows()),
                &mut |_| Ok(()),
            )
            .unwrap();
        (with_text.load(Ordering::Relaxed), stats.rows)
    }

    #[test]
    fn a_damaged_checkpoint_is_recomputed_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoints::new(dir.path().join("cp"), 7).unwrap();
        let schema: SchemaRef =
            Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
                col::DOC_ID,
                arrow_schema::DataType::Utf8,
                false,
            )]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(arrow_array::StringArray::from(vec![
                "a", "b", "c",
            ]))],
        )
        .unwrap();
        let computed = std::cell::Cell::new(0);
        let get = || {
            let (out, path) = cp
                .get_or_compute(1, batch.clone(), &schema, false, |b| {
                    computed.set(computed.get() + 1);
                    Ok(b)
                })
                .unwrap();
            assert_eq!(out, batch);
            path
        };
        let path = get();
        assert_eq!(computed.get(), 1);
        get();
        assert_eq!(computed.get(), 1, "an intact checkpoint is read back");
        // One byte changed inside the data, then a file cut short: both
        // fail the digest, are recomputed and stored again.
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        assert!(read_checkpoint(&path, &schema, 3).is_err());
        get();
        assert_eq!(computed.get(), 2);
        get();
        assert_eq!(computed.get(), 2, "the recomputed batch was stored");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        get();
        assert_eq!(computed.get(), 3);
    }

    #[test]
    fn compressed_checkpoints_read_back_the_same_batch() {
        let dir = tempfile::tempdir().unwrap();
        let schema: SchemaRef =
            Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
                col::BODY,
                arrow_schema::DataType::Utf8,
                false,
            )]));
        let body = "The ministers met in Moscow on Tuesday. ".repeat(400);
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(arrow_array::StringArray::from(vec![
                body.as_str(),
                "",
                &body[..100],
            ]))],
        )
        .unwrap();
        let size = |compress: bool| {
            let path = dir.path().join(format!("{compress}.arrows"));
            write_checkpoint(dir.path(), &path, &batch, compress).unwrap();
            assert_eq!(read_checkpoint(&path, &schema, 3).unwrap(), batch);
            std::fs::metadata(&path).unwrap().len()
        };
        let (plain, compressed) = (size(false), size(true));
        assert!(
            compressed * 10 < plain,
            "{compressed} bytes against {plain}"
        );
    }

    #[test]
    fn raw_text_is_spilled_only_for_a_later_stage_that_reads_it() {
        let (with_text, rows) = raw_text_rows(true);
        assert!(rows >= 5, "{rows} rows");
        assert_eq!(with_text as u64, rows);
        let (with_text, rows) = raw_text_rows(false);
        assert!(rows >= 5, "{rows} rows");
        assert_eq!(with_text, 0);
    }
}
