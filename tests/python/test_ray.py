"""The Python bindings (`import newsflow`, built by `make python`) and the
Ray Data pipeline (examples/ray_pipeline.py) give the rows `newsflow run`
gives."""

import os
import pathlib
import pickle
import subprocess
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import newsflow

from conftest import REPO, run_newsflow

SEEDS = REPO / "seeds"
EXAMPLE = REPO / "examples" / "ray_pipeline.py"
TABLES = ("documents", "rejects", "mentions", "topic_evidence")
# The key that identifies a row of each output table.
SORT_KEYS = {
    "documents": ["doc_id"],
    "rejects": ["source_path", "reason", "detail"],
    "mentions": ["doc_id", "start", "end", "kind", "canonical", "rule"],
    "topic_evidence": ["doc_id", "start", "end", "topic", "term"],
}


def sorted_rows(table: pa.Table, name: str) -> list[dict]:
    keys = [(k, "ascending") for k in SORT_KEYS[name]]
    return table.sort_by(keys).to_pylist()


def cli_tables(out: pathlib.Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(out / f"{name}.parquet") for name in TABLES}


def ray_tables(out: pathlib.Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(out / name) for name in TABLES}


def assert_same_rows(got: dict[str, pa.Table], want: dict[str, pa.Table]) -> None:
    for name in TABLES:
        g, w = got[name], want[name]
        assert g.schema.remove_metadata() == w.schema.remove_metadata(), name
        assert g.num_rows == w.num_rows, f"{name}: {g.num_rows} rows, `newsflow run` has {w.num_rows}"
        g_rows, w_rows = sorted_rows(g, name), sorted_rows(w, name)
        for a, b in zip(g_rows, w_rows):
            if a != b:
                diff = {k: (a[k], b[k]) for k in a if a[k] != b.get(k)}
                pytest.fail(f"{name}: row {SORT_KEYS[name]}={[a[k] for k in SORT_KEYS[name]]} differs: {diff}")


def run_in_process(pipe: newsflow.Pipeline, roots: list[str]) -> dict[str, pa.Table]:
    """The whole pipeline through the bindings, batch by batch, with the
    corpus-level passes as map (per batch) and merge."""
    table = pipe.ingest(roots)
    batches = table.to_batches(max_chunksize=7)
    stats = newsflow.merge_line_stats([pipe.line_stats(b) for b in batches])
    normalized = [pipe.normalize(b, boilerplate=stats) for b in batches]
    clusters = pipe.clusters([pipe.signatures(b) for b in normalized])
    tagged = [pipe.tag(pipe.apply_clusters(b, clusters)) for b in normalized]
    parts = [newsflow.split(b) for b in tagged]
    return {name: pa.Table.from_batches([p[name] for p in parts]) for name in TABLES}


@pytest.fixture(scope="module")
def pipe():
    return newsflow.Pipeline()


@pytest.fixture(scope="module")
def seeds_batch(pipe):
    return pipe.ingest([str(SEEDS)]).combine_chunks().to_batches()[0]


FOOTER = (
    "Subscribers of the Gazette Quarterly receive every issue by post, "
    "and the editors answer letters within a week."
)


def write_footer_site(dir: pathlib.Path, count: int = 12) -> None:
    """Stories of one site that all end with a footer no noise pattern
    knows: only corpus-level boilerplate learning removes it."""
    dir.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (dir / f"story{i:02}.txt").write_text(
            f"Ministers hold talks on trade route {i}\n\n"
            f"MOSCOW, May {i + 1}. The foreign minister met his counterpart from country {i} "
            f"to discuss trade, transport corridor number {i} and regional security. "
            f"The talks lasted {i + 2} hours, officials said.\n\n{FOOTER}\n"
        )


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated corpus (near-duplicates, broken files) plus one site with
    a learned-boilerplate footer, and its CLI run."""
    root = tmp_path_factory.mktemp("gen")
    corpus, out = root / "corpus", root / "cli"
    run_newsflow("gen", "-n", "300", "--seed", "7", "-o", str(corpus), "-q")
    write_footer_site(corpus / "gazette")
    run_newsflow("run", str(corpus), "-o", str(out), "--quiet")
    bodies = pq.read_table(out / "documents.parquet").column("body").to_pylist()
    assert not any(FOOTER in b for b in bodies), "the CLI learned the footer as boilerplate"
    return corpus, out


# --- the bindings -----------------------------------------------------------


def test_stage_on_a_small_batch_keeps_rows_and_adds_columns(pipe, seeds_batch):
    assert isinstance(seeds_batch, pa.RecordBatch)
    normalized = pipe.normalize(seeds_batch)
    assert isinstance(normalized, pa.RecordBatch), "a batch in, a batch out"
    assert normalized.num_rows == seeds_batch.num_rows
    assert normalized.schema == newsflow.schemas()["normalized"]
    tagged = pipe.tag(normalized.slice(0, 2))
    assert tagged.num_rows == 2
    assert tagged.schema == newsflow.schemas()["tagged"]
    assert all(tagged.column("topics").to_pylist()), "every seed has a topic"
    same = pipe.run_stage("tag", normalized.slice(0, 2))
    assert same.equals(tagged)


def test_table_in_table_out_and_large_strings_accepted(pipe, seeds_batch):
    table = pa.Table.from_batches([seeds_batch.slice(0, 2), seeds_batch.slice(2)])
    out = pipe.normalize(table)
    assert isinstance(out, pa.Table)
    assert out.num_rows == seeds_batch.num_rows
    large = table.cast(
        pa.schema(
            [
                f.with_type(pa.large_string()) if f.type == pa.string() else f
                for f in table.schema
            ]
        )
    )
    assert pipe.normalize(large).equals(out)


def test_empty_table_keeps_the_stage_schema(pipe):
    schemas = newsflow.schemas()
    empty = pa.Table.from_batches([], schema=schemas["ingest"])
    normalized = pipe.normalize(empty)
    assert normalized.num_rows == 0 and normalized.schema == schemas["normalized"]
    tagged = pipe.tail(pipe.apply_clusters(normalized, pipe.clusters([])))
    assert tagged.num_rows == 0 and tagged.schema == schemas["tagged"]
    assert newsflow.split(tagged)["documents"].schema == schemas["documents"]


def test_bindings_alone_equal_newsflow_run_on_seeds(pipe, out_dir):
    got = run_in_process(pipe, [str(SEEDS)])
    assert got["documents"].num_rows == 5
    assert_same_rows(got, cli_tables(out_dir))


def test_line_stats_in_two_halves_equal_one_pass(pipe, generated):
    corpus, _ = generated
    table = pipe.ingest([str(corpus)])
    half = table.num_rows // 2
    whole = pipe.line_stats(table)
    parts = [pipe.line_stats(table.slice(0, half)), pipe.line_stats(table.slice(half))]
    assert newsflow.merge_line_stats(parts) == whole
    assert newsflow.merge_line_stats(parts[::-1]) == whole
    documents = pc.sum(pc.is_null(table.column("reject_reason"))).as_py()
    assert newsflow.line_stats_documents(whole) == documents
    # The merged statistics remove the footer from every story of the site;
    # statistics of a part alone (too few stories) do not.
    site = table.filter(pc.starts_with(table.column("source_path"), "gazette/"))
    assert site.num_rows == 12
    merged = pipe.normalize(site, boilerplate=newsflow.merge_line_stats(parts))
    assert not any(FOOTER in b for b in merged.column("body").to_pylist())
    alone = pipe.normalize(site, boilerplate=pipe.line_stats(site.slice(0, 3)))
    assert all(FOOTER in b for b in alone.column("body").to_pylist())


def test_signatures_in_parts_give_the_clusters_of_one_pass(pipe, generated):
    corpus, _ = generated
    normalized = pipe.normalize(pipe.ingest([str(corpus)]))
    whole = pipe.clusters([pipe.signatures(normalized)])
    parts = [pipe.signatures(b) for b in normalized.to_batches(max_chunksize=40)]
    assert len(parts) > 2
    assert pipe.clusters(parts) == whole
    assert pipe.clusters(parts[::-1]) == whole
    assert newsflow.duplicates(whole) > 0, "the generated corpus has duplicates"
    applied = pipe.apply_clusters(normalized, whole)
    kinds = applied.column("dup_kind").to_pylist()
    assert sum(k in ("exact", "near") for k in kinds) == newsflow.duplicates(whole)


def test_bad_config_path_names_the_file(tmp_path):
    missing = tmp_path / "nowhere" / "pipeline.toml"
    with pytest.raises(newsflow.NewsflowError, match="nowhere/pipeline.toml"):
        newsflow.Pipeline(str(missing))
    bad = tmp_path / "bad.toml"
    bad.write_text("[pipeline]\nstages = [\"normalize\", \"tag\"]\nfoo = 1\n")
    with pytest.raises(newsflow.NewsflowError, match=r"bad.toml:3: unknown field `foo`"):
        newsflow.Pipeline(str(bad))


def test_config_file_settings_apply(tmp_path, seeds_batch):
    cfg = tmp_path / "pipeline.toml"
    cfg.write_text("[tag]\nthreshold = 1000.0\n")
    strict = newsflow.Pipeline(str(cfg))
    assert strict.config_path == str(cfg) or pathlib.Path(strict.config_path) == cfg
    normalized = strict.normalize(seeds_batch)
    assert strict.tag(normalized).column("topics").to_pylist() == [[]] * 5


def test_stage_errors_name_the_stage(pipe, seeds_batch):
    no_text = seeds_batch.drop_columns(["text"])
    with pytest.raises(newsflow.NewsflowError, match=r"stage `normalize`: missing column `text`"):
        pipe.normalize(no_text)
    with pytest.raises(newsflow.NewsflowError, match=r"unknown stage `nope`"):
        pipe.run_stage("nope", seeds_batch)
    with pytest.raises(newsflow.NewsflowError, match="line statistics"):
        pipe.normalize(seeds_batch, boilerplate=b"NFLS garbage")
    with pytest.raises(newsflow.NewsflowError, match="signatures part 1"):
        pipe.clusters([pipe.signatures(pipe.normalize(seeds_batch)), b"junk"])
    with pytest.raises(TypeError, match="pyarrow.RecordBatch or pyarrow.Table"):
        pipe.normalize([1, 2, 3])


def test_other_signature_settings_are_refused(tmp_path, pipe, seeds_batch):
    cfg = tmp_path / "p.toml"
    cfg.write_text("[normalize]\nminhash_permutations = 64\nlsh_bands = 8\n")
    other = newsflow.Pipeline(str(cfg))
    sig = other.signatures(other.normalize(seeds_batch))
    with pytest.raises(newsflow.NewsflowError, match="other \\[normalize\\] settings"):
        pipe.clusters([sig])


def test_plan_matches_the_cli_ids(pipe, out_dir):
    plan = pipe.plan([str(SEEDS)])
    assert [p["index"] for p in plan] == list(range(5))
    ids = sorted(pq.read_table(out_dir / "documents.parquet").column("doc_id").to_pylist())
    assert sorted(p["doc_id"] for p in plan) == ids
    with pytest.raises(newsflow.NewsflowError, match="outside the plan"):
        pipe.ingest([str(SEEDS)], [99])


def test_pipeline_pickles_to_the_shared_instance():
    p = newsflow.Pipeline.shared(None)
    assert pickle.loads(pickle.dumps(p)) is p
    assert newsflow.Pipeline.shared(None, ["normalize"]) is not p
    assert newsflow.Pipeline.shared(None, ["normalize"]).stages == ["normalize"]


# --- Ray --------------------------------------------------------------------


def run_example(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RAY_AUTH_MODE="disabled")
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args, "--quiet"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_ray_pipeline_on_seeds_equals_newsflow_run(tmp_path, out_dir):
    out = tmp_path / "ray"
    result = run_example(str(SEEDS), str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    got = ray_tables(out)
    assert got["documents"].num_rows == 5
    assert_same_rows(got, cli_tables(out_dir))


def test_ray_pipeline_on_generated_corpus_equals_newsflow_run(tmp_path, generated):
    corpus, cli_out = generated
    out = tmp_path / "ray"
    # Small tasks, so that boilerplate and duplicates span many of them.
    result = run_example(str(corpus), str(out), "--workers", "2", "--files-per-task", "25")
    assert result.returncode == 0, result.stderr[-3000:]
    got, want = ray_tables(out), cli_tables(cli_out)
    assert want["rejects"].num_rows > 0, "the generated corpus has broken files"
    kinds = want["documents"].column("dup_kind").to_pylist()
    assert sum(k != "unique" for k in kinds) > 0, "and duplicates"
    assert_same_rows(got, want)
    assert "learned boilerplate from" in result.stderr


def test_ray_pipeline_reports_a_bad_config_before_starting(tmp_path):
    result = run_example(str(SEEDS), str(tmp_path / "o"), "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 1
    assert "missing.toml" in result.stderr
    assert not (tmp_path / "o").exists()
