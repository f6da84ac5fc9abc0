//! Command-line flags (clap). Nothing here reaches the libraries: commands
//! resolve these into the config structs first.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  newsflow run seeds/ -o out/
  newsflow run corpus/ -o out/ --config pipeline.toml --threads 2
  newsflow ingest seeds/ | newsflow normalize | newsflow tag | newsflow export -o out/
  newsflow eval --gold tests/expected/seeds-gold.jsonl out/

Exit codes: 0 success, 1 the run failed (one line on stderr says why), 2 bad command line.";

/// Turns raw scraped news articles into a clean, typed dataset.
#[derive(Debug, Parser)]
#[command(name = "newsflow", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Pipeline configuration file (see pipeline.toml in the repository).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, global = true, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for batch schedulers.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline: ingest, the configured stages, export.
    #[command(
        after_help = "Example:\n  newsflow run seeds/ -o out/ --threads 2 --tagger combined:model.bin"
    )]
    Run(RunArgs),
    /// Read inputs and write the ingest stream (Arrow IPC) to stdout or a file.
    #[command(after_help = "Example:\n  newsflow ingest seeds/ -o raw.arrows")]
    Ingest(IngestArgs),
    /// Run the normalization stage on an Arrow IPC stream.
    #[command(
        after_help = "Example:\n  newsflow ingest seeds/ | newsflow normalize > normalized.arrows"
    )]
    Normalize(StreamArgs),
    /// Run the tagging stage on an Arrow IPC stream.
    #[command(
        after_help = "Example:\n  newsflow normalize -i raw.arrows | newsflow tag --tagger linear:model.bin"
    )]
    Tag(TagArgs),
    /// Run any registered stage (built-in or a [stage.NAME] entry) on a stream.
    #[command(
        after_help = "Example:\n  newsflow --config pipeline.toml stage my_tagger -i normalized.arrows"
    )]
    Stage(NamedStageArgs),
    /// Write the output files from a tagged Arrow IPC stream.
    #[command(
        after_help = "Example:\n  newsflow ingest seeds/ | newsflow normalize | newsflow tag | newsflow export -o out/"
    )]
    Export(ExportArgs),
    /// Print the data dictionary of the output files.
    Schema,
    /// List the built-in stages.
    Stages,
    /// Score an output directory against a gold file (seeds-gold.jsonl format).
    #[command(
        after_help = "Example:\n  newsflow eval --gold tests/expected/seeds-gold.jsonl out/ --json"
    )]
    Eval(EvalArgs),
    /// Join the outputs of `run --shard I/N` runs into the files one run writes.
    #[command(
        after_help = "Example:\n  newsflow run corpus/ --shard 1/2 -o out1/ && newsflow run corpus/ --shard 2/2 -o out2/\n  newsflow merge out1/ out2/ -o out/"
    )]
    Merge(MergeArgs),
    /// Write OUT/report.html: a self-contained page of counts, rejects, topics, timeline and entities.
    #[command(after_help = "Example:\n  newsflow report out/")]
    Report(ReportArgs),
    /// Generate a synthetic news corpus (deterministic) for benchmarks.
    #[command(after_help = "Example:\n  newsflow gen -o bench-corpus/ -n 20000 --seed 1")]
    Gen(GenArgs),
    /// Train the linear tagger from labelled documents.
    #[command(after_help = "Example:\n  newsflow train --labels labels.jsonl --out model.bin")]
    Train(TrainArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Input files or directories.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Stages between ingest and export, comma-separated (overrides the config).
    #[arg(long, value_delimiter = ',', value_name = "STAGES")]
    pub stages: Option<Vec<String>>,
    /// Tagger to use in place of `tag`: tag, linear:MODEL, combined:MODEL, or an external stage name.
    #[arg(long, value_name = "SPEC")]
    pub tagger: Option<String>,
    /// Finish an interrupted run into the same OUT, reusing its checkpoints
    /// (a plain rerun does the same; this flag fails when there is nothing to resume).
    #[arg(long, conflicts_with = "no_checkpoints")]
    pub resume: bool,
    /// Do not write checkpoints (an interrupted run then starts over).
    #[arg(long)]
    pub no_checkpoints: bool,
    /// Process shard I of N (1-based): a deterministic, contiguous 1/N of the
    /// inputs in input order; join the shard outputs with `newsflow merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub ingest: IngestFlags,
}

/// Ingest flags shared by `run` and `ingest`.
#[derive(Debug, Args)]
pub struct IngestFlags {
    /// Only read paths matching this glob (relative to the input root); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip paths matching this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Input files or directories.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Write the stream to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub ingest: IngestFlags,
}

#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Read the stream from this file instead of stdin.
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Write the stream to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// Tagger: tag, linear:MODEL, combined:MODEL, or an external stage name.
    #[arg(long, value_name = "SPEC", default_value = "tag")]
    pub tagger: String,
    #[command(flatten)]
    pub stream: StreamArgs,
}

#[derive(Debug, Args)]
pub struct NamedStageArgs {
    /// Stage name (see `newsflow stages`) or a [stage.NAME] entry of the config.
    pub name: String,
    #[command(flatten)]
    pub stream: StreamArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Read the stream from this file instead of stdin.
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold file, one JSON object per document (the seeds-gold.jsonl format).
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// Output directory of a run (holds documents.parquet).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard output directories, in shard order (1/N first).
    #[arg(required = true, value_name = "SHARD_OUT")]
    pub shards: Vec<PathBuf>,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `I/N`: shard I of N, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// This shard's contiguous part of `len` items: every item lands in
    /// exactly one shard, and shards 1..N in order give back all of them.
    pub fn range(&self, len: usize) -> std::ops::Range<usize> {
        (self.index - 1) * len / self.count..self.index * len / self.count
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not I/N (for example 2/4)"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("`{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count}: I must be from 1 to N"));
        }
        Ok(Shard { index, count })
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output directory of a run.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of documents.
    #[arg(short = 'n', long, default_value_t = 20_000)]
    pub count: usize,
    /// Seed; the same seed and count give the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// One .txt file per document, or JSONL files.
    #[arg(long, value_enum, default_value_t = crate::synth::GenFormat::Txt)]
    pub format: crate::synth::GenFormat,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Labelled documents, one JSON object per line: {"text": ..., "topics": [...]}.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Where to write the model.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Sets up tracing on stderr. `RUST_LOG` overrides the default level.
pub fn init_logging(global: &Global) {
    use tracing_subscriber::EnvFilter;
    let default = if global.quiet { "error" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match global.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_inputs_in_order() {
        let items: Vec<usize> = (0..10).collect();
        for count in 1..=12 {
            let mut joined = Vec::new();
            for index in 1..=count {
                joined.extend_from_slice(&items[Shard { index, count }.range(items.len())]);
            }
            assert_eq!(joined, items, "{count} shards");
        }
    }

    #[test]
    fn shard_parsing() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!("2-4".parse::<Shard>().is_err());
    }
}
