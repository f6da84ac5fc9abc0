"""The output opens cleanly in pandas, polars and DuckDB, with the types of
the schema contract, and the CSV carries the same rows as the Parquet."""

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

LIST_COLUMNS = ["headings", "persons", "countries", "orgs", "places", "topics", "flags"]


def test_parquet_schema_matches_the_contract(out_dir):
    table = pq.read_table(out_dir / "documents.parquet")
    schema = table.schema
    assert schema.field("doc_id").type == pa.string()
    assert schema.field("published_year").type == pa.int16()
    assert schema.field("published_month").type == pa.int8()
    assert schema.field("language_confidence").type == pa.float32()
    for name in LIST_COLUMNS:
        assert schema.field(name).type == pa.list_(pa.string()), name
    scores = schema.field("topic_scores").type
    assert pa.types.is_list(scores)
    assert [f.name for f in scores.value_type] == ["topic", "score", "hits"]
    assert scores.value_type.field("score").type == pa.float32()
    assert scores.value_type.field("hits").type == pa.uint32()
    meta = pq.read_metadata(out_dir / "documents.parquet").metadata
    assert meta[b"newsflow.schema_version"] == b"1"


def test_polars_reads_lists_and_structs(out_dir):
    df = pl.read_parquet(out_dir / "documents.parquet")
    assert df.height == 5
    assert df.schema["persons"] == pl.List(pl.String)
    assert df.schema["published_year"] == pl.Int16
    exploded = df.select("doc_id", "topic_scores").explode("topic_scores").unnest("topic_scores")
    assert set(exploded.columns) == {"doc_id", "topic", "score", "hits"}
    assert exploded["topic"].null_count() == 0


def test_pandas_nulls_stay_nulls(out_dir):
    df = pd.read_parquet(out_dir / "documents.parquet").set_index("doc_id")
    # No year is ever guessed: seeds without a stated year have a null year.
    assert pd.isna(df.loc["000_d7c65799752ff593", "published_year"])
    assert df.loc["001_2b86f9abb84ce2ea", "published_year"] == 2019
    assert list(df.loc["000_d7c65799752ff593", "persons"])[0] == "Sergey Lavrov"


def test_csv_loads_with_defaults_into_the_same_rows(out_dir):
    parquet = pd.read_parquet(out_dir / "documents.parquet")
    csv = pd.read_csv(out_dir / "documents.csv")
    assert list(csv.columns) == list(parquet.columns)
    assert list(csv["doc_id"]) == list(parquet["doc_id"])
    for column in ["title", "body", "dateline_place", "language", "dup_kind", "source"]:
        for a, b in zip(parquet[column], csv[column]):
            assert (pd.isna(a) and pd.isna(b)) or a == b, column
    for column in LIST_COLUMNS:
        for items, cell in zip(parquet[column], csv[column]):
            joined = "; ".join(items)
            assert (joined == "" and pd.isna(cell)) or joined == cell, column
    for a, b in zip(parquet["published_month"], csv["published_month"]):
        assert (pd.isna(a) and pd.isna(b)) or int(a) == int(b)


def test_duckdb_queries_the_files(out_dir):
    con = duckdb.connect()
    docs = str(out_dir / "documents.parquet")
    mentions = str(out_dir / "mentions.parquet")
    assert con.execute(f"select count(*) from '{docs}'").fetchone()[0] == 5
    rows = con.execute(
        f"select t, count(*) from (select unnest(topics) as t from '{docs}') group by t"
    ).fetchall()
    assert rows and all(n >= 1 for _, n in rows)
    # Mention offsets point at their surface text in the body.
    bad = con.execute(
        f"""select count(*) from '{mentions}' m join '{docs}' d using (doc_id)
            where substring(d.body, m.start + 1, m."end" - m.start) <> m.surface"""
    ).fetchone()[0]
    assert bad == 0


def test_topic_evidence_points_into_the_body(out_dir):
    docs = pd.read_parquet(out_dir / "documents.parquet").set_index("doc_id")
    evidence = pd.read_parquet(out_dir / "topic_evidence.parquet")
    assert len(evidence) > 0
    for row in evidence.itertuples():
        body = docs.loc[row.doc_id, "body"]
        span = body[row.start : row.end]
        assert span and len(span) == row.end - row.start
