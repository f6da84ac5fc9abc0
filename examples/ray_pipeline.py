#!/usr/bin/env python3
"""newsflow on Ray Data: the same Rust stages as `newsflow run`, on a Ray cluster.

    python examples/ray_pipeline.py INPUT_DIR OUT_DIR [--config pipeline.toml]
        [--workers N] [--address ADDR] [--files-per-task K] [--quiet]

Writes OUT_DIR/documents/, rejects/, mentions/ and topic_evidence/ (each a
directory of Parquet files with the columns of the file `newsflow run`
writes under that name) and OUT_DIR/manifest.json (counts, settings, times).

The run follows `newsflow run`'s passes, each a Ray Data job over the planned
inputs, with the corpus-level steps split into a map on the workers and a
merge on the driver:

1. plan the input tree (driver) -> a dataset of input indices;
2. ingest -> line statistics per task (map) -> merged on the driver;
3. ingest -> normalize with the merged boilerplate statistics -> signatures
   per task (map) -> duplicate clusters on the driver;
4. apply the clusters -> tag (the stages after normalize) -> split into the
   output tables -> Parquet.

Every `map_batches` uses `batch_format="pyarrow"`: the workers hand the
Rust stages pyarrow tables through the Arrow C Data Interface, without
copying strings into Python objects. Workers must see INPUT_DIR (and the
config's files) at the same path, e.g. on a shared file system, and have
the `newsflow` module installed (`make python`, or the wheel of
`maturin build --release -m crates/python/Cargo.toml`).

Without --address a local Ray instance with --workers CPUs is started
(`ray.init(num_cpus=N, include_dashboard=False)`); with --address (e.g.
`auto` inside a cluster, or `ray://head:10001`) the job joins that cluster
and --workers caps the number of parallel tasks per step.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import pathlib
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

import newsflow

TABLES = ("documents", "rejects", "mentions", "topic_evidence")
# Rows per normalize/tag call: the ingest batch size of the default config.
ROWS_PER_CALL = 256

def log(msg: str) -> None:
    print(f"newsflow-ray: {msg}", file=sys.stderr, flush=True)


def pipeline(config: str | None) -> "newsflow.Pipeline":
    """The stages of `config`, built once per worker process (building loads
    the reference data)."""
    return newsflow.Pipeline.shared(config)


def _value(x):
    """Small values travel inline; large ones as object references."""
    import ray

    return ray.get(x) if isinstance(x, ray.ObjectRef) else x


# --- functions that run on the workers (each gets a pyarrow.Table) ---------


def ingest(indices: pa.Table, *, roots: list[str], config: str | None) -> pa.Table:
    """Input indices -> rows of the ingest schema (documents and rejects)."""
    wanted = [int(i) for i in indices.column("id").to_pylist()]
    return pipeline(config).ingest(roots, wanted)


def line_stats(batch: pa.Table, *, config: str | None) -> pa.Table:
    """Map phase of boilerplate learning: one row of line statistics."""
    stats = pipeline(config).line_stats(batch)
    return pa.table({"stats": pa.array([stats], pa.binary())})


def normalize(batch: pa.Table, *, config: str | None, boilerplate) -> pa.Table:
    """The stages up to normalize, with the corpus's boilerplate."""
    return pipeline(config).head(batch, boilerplate=_value(boilerplate))


def signatures(batch: pa.Table, *, config: str | None) -> pa.Table:
    """Map phase of duplicate detection: one row of MinHash signatures."""
    sig = pipeline(config).signatures(batch)
    return pa.table({"signatures": pa.array([sig], pa.binary())})


def finish(batch: pa.Table, *, config: str | None, clusters) -> pa.Table:
    """Duplicate clusters applied, then the stages after normalize."""
    p = pipeline(config)
    return p.tail(p.apply_clusters(batch, _value(clusters)))


def split(batch: pa.Table, *, table: str) -> pa.Table:
    """One of the output tables of a tagged batch."""
    part = newsflow.split(batch)[table]
    return part if isinstance(part, pa.Table) else pa.Table.from_batches([part])


# --- the driver -------------------------------------------------------------


def run(
    inputs: list[str],
    out: str,
    config: str | None = None,
    workers: int | None = None,
    files_per_task: int | None = None,
    cap_tasks: bool = False,
) -> dict:
    """Runs the pipeline on the Ray instance `ray.init` connected to and
    returns the manifest it wrote. `workers` (default: the cluster's CPUs)
    sizes the tasks; with `cap_tasks` it also caps how many run at once."""
    import ray

    started = time.monotonic()
    times: dict[str, float] = {}
    roots = [str(pathlib.Path(p).resolve()) for p in inputs]
    config = str(pathlib.Path(config).resolve()) if config else None
    driver = pipeline(config)
    out_dir = pathlib.Path(out)

    ctx = ray.data.DataContext.get_current()
    # Blocks come out in input order, so the Parquet parts are in the same
    # order as `newsflow run`'s rows whatever the scheduling.
    ctx.execution_options.preserve_order = True
    cpus = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    cap = {"concurrency": workers} if workers and cap_tasks else {}

    plan = driver.plan(roots)
    n = len(plan)
    if n == 0:
        raise SystemExit(f"newsflow-ray: no inputs under {', '.join(inputs)}")
    # About four ingest tasks per CPU, so that the workers stay busy.
    per_task = files_per_task or max(1, min(256, math.ceil(n / (4 * cpus))))
    blocks = math.ceil(n / per_task)
    log(f"planned {n} inputs in {blocks} tasks of up to {per_task} files")

    def indices():
        return ray.data.range(n, override_num_blocks=blocks)

    def ingested():
        return indices().map_batches(
            ingest,
            batch_size=per_task,
            batch_format="pyarrow",
            fn_kwargs={"roots": roots, "config": config},
            **cap,
        )

    boilerplate = None
    clusters = None
    t = time.monotonic()
    if driver.has_normalize:
        parts = ingested().map_batches(
            line_stats,
            batch_size=None,
            batch_format="pyarrow",
            fn_kwargs={"config": config},
            **cap,
        )
        stats = [row["stats"] for row in parts.take_all()]
        boilerplate = newsflow.merge_line_stats(stats)
        log(
            f"learned boilerplate from {newsflow.line_stats_documents(boilerplate)} documents "
            f"({len(stats)} parts, {len(boilerplate)} bytes)"
        )
    times["boilerplate_pass"] = time.monotonic() - t

    t = time.monotonic()
    normalized = ingested().map_batches(
        normalize,
        batch_size=ROWS_PER_CALL,
        batch_format="pyarrow",
        fn_kwargs={"config": config, "boilerplate": ray.put(boilerplate)},
        **cap,
    )
    if driver.has_normalize:
        normalized = normalized.materialize()
        sigs = normalized.map_batches(
            signatures,
            batch_size=None,
            batch_format="pyarrow",
            fn_kwargs={"config": config},
            **cap,
        )
        parts = [row["signatures"] for row in sigs.take_all()]
        clusters = driver.clusters(parts)
        log(f"normalized; {newsflow.duplicates(clusters)} duplicates found")
        tagged = normalized.map_batches(
            finish,
            batch_size=ROWS_PER_CALL,
            batch_format="pyarrow",
            fn_kwargs={"config": config, "clusters": ray.put(clusters)},
            **cap,
        )
    else:
        tagged = normalized
    tagged = tagged.materialize()
    times["normalize_and_tag"] = time.monotonic() - t

    t = time.monotonic()
    schemas = newsflow.schemas()
    counts = {}
    for name in TABLES:
        target = out_dir / name
        if target.exists():
            for old in target.glob("*.parquet"):
                old.unlink()
        part = tagged.map_batches(
            split, batch_size=None, batch_format="pyarrow", fn_kwargs={"table": name}
        )
        part = part.materialize()
        counts[name] = part.count()
        if counts[name]:
            part.write_parquet(str(target))
        else:
            # Keep the schema readable even when no row has this kind.
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(schemas[name].empty_table(), target / "empty.parquet")
        log(f"wrote {counts[name]} rows to {target}/")
    times["write"] = time.monotonic() - t
    total = time.monotonic() - started

    manifest = {
        "engine": "ray",
        "schema_version": newsflow.SCHEMA_VERSION,
        "program_version": newsflow.__version__,
        "config": json.loads(driver.settings_json()),
        "inputs": n,
        "documents": counts["documents"],
        "rejects": counts["rejects"],
        "mentions": counts["mentions"],
        "topic_evidence": counts["topic_evidence"],
        "stage_wall_ms": {k: round(v * 1000) for k, v in times.items()}
        | {"total": round(total * 1000)},
        "workers": cpus,
        "docs_per_second": round(counts["documents"] / total, 1) if total else None,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    log(
        f"{counts['documents']} documents, {counts['rejects']} rejects in {total:.1f} s "
        f"({manifest['docs_per_second']} docs/s) -> {out_dir}/"
    )
    return manifest


def _cause(e: BaseException) -> str:
    """The newsflow error inside a Ray task failure, else the error."""
    text = str(e)
    for line in reversed(text.splitlines()):
        if "NewsflowError" in line:
            return line.strip()
    return text.strip().splitlines()[-1] if text.strip() else type(e).__name__


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", nargs="+", help="input directories or files (like `newsflow run`)")
    ap.add_argument("out", help="output directory")
    ap.add_argument("--config", help="pipeline.toml (default: built-in settings)")
    ap.add_argument("--workers", type=int, help="local CPUs to start Ray with (default: all)")
    ap.add_argument("--address", help="join a running Ray cluster (e.g. `auto`)")
    ap.add_argument("--files-per-task", type=int, help="inputs read by one ingest task")
    ap.add_argument("--quiet", action="store_true", help="no Ray progress bars or info logs")
    args = ap.parse_args(argv)

    for path in args.input:
        if not pathlib.Path(path).exists():
            ap.error(f"input {path} does not exist")
    try:
        # Fail on a bad config before starting Ray.
        pipeline(str(pathlib.Path(args.config).resolve()) if args.config else None)
    except newsflow.NewsflowError as e:
        print(f"newsflow-ray: {e}", file=sys.stderr)
        return 1

    import ray

    # One Rust thread per Ray task: Ray runs one task per CPU.
    runtime_env = {"env_vars": {"RAYON_NUM_THREADS": "1"}}
    level = logging.WARNING if args.quiet else logging.INFO
    if args.address:
        ray.init(address=args.address, runtime_env=runtime_env, logging_level=level)
    else:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        ray.init(
            num_cpus=args.workers,
            include_dashboard=False,
            runtime_env=runtime_env,
            log_to_driver=False,
            logging_level=level,
        )
    if args.quiet:
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        run(
            args.input,
            args.out,
            config=args.config,
            workers=args.workers,
            files_per_task=args.files_per_task,
            cap_tasks=bool(args.address),
        )
    except Exception as e:  # noqa: BLE001 - one clear line, then exit 1
        print(f"newsflow-ray: failed: {_cause(e)}", file=sys.stderr)
        return 1
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
