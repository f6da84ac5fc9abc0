"""The shipped Python example replaces the built-in tagger end to end."""

import pandas as pd

from conftest import run_newsflow


def test_python_tagger_runs_as_an_external_stage(tmp_path):
    out = tmp_path / "out"
    run_newsflow("--config", "examples/external.toml", "run", "seeds", "-o", str(out), "-q")
    docs = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    evidence = pd.read_parquet(out / "topic_evidence.parquet")
    # Seed 003 discusses North Korea's denuclearization at length.
    assert "korean_peninsula" in list(docs.loc["003_06e7c88c02df72b6", "topics"])
    # The program's offsets are character offsets into the body.
    for row in evidence.itertuples():
        span = docs.loc[row.doc_id, "body"][row.start : row.end]
        assert span.lower() == row.term
