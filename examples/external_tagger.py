#!/usr/bin/env python3
"""An external newsflow stage in Python: a small keyword tagger.

newsflow starts this program once per batch, writes the batch to its stdin
as an Arrow IPC stream and reads an Arrow IPC stream back from its stdout.
The program must return every row it was given, in order, with the columns
of the stage it replaces (here `tag`: topics, topic_scores, topic_evidence).
Offsets are character offsets into `body`; Python string indices are
exactly that. Rows whose `reject_reason` is set get nulls.

Run it through the pipeline with examples/external.toml:

    newsflow --config examples/external.toml run seeds/ -o out/
"""

import re
import sys

import pyarrow as pa
import pyarrow.ipc as ipc

# topic id -> term patterns; a deliberately small vocabulary, enough to show
# the protocol with real matches.
TERMS = {
    "korean_peninsula": [r"korean peninsula", r"north korea", r"dprk", r"pyongyang"],
    "missile_defense": [r"missile defen[cs]e", r"aegis ashore", r"thaad"],
    "terrorism": [r"terroris[mt]", r"extremis[mt]"],
    "drug_trafficking": [r"drug traffic\w*", r"narcotics?"],
    "bilateral_dialogue": [r"two[ -]plus[ -]two", r"bilateral", r"consultations?"],
    "sanctions": [r"sanctions?"],
    "nonproliferation": [r"denucleari[sz]\w*", r"non-?proliferation", r"nuclear programme"],
}
PATTERNS = {
    topic: re.compile(r"\b(?:" + "|".join(terms) + r")\b", re.IGNORECASE)
    for topic, terms in TERMS.items()
}
MIN_HITS = 2

SCORE = pa.struct([
    pa.field("topic", pa.string(), nullable=False),
    pa.field("score", pa.float32(), nullable=False),
    pa.field("hits", pa.uint32(), nullable=False),
])
EVIDENCE = pa.struct([
    pa.field("topic", pa.string(), nullable=False),
    pa.field("term", pa.string(), nullable=False),
    pa.field("start", pa.uint32(), nullable=False),
    pa.field("end", pa.uint32(), nullable=False),
    pa.field("weight", pa.float32(), nullable=False),
])


def tag(body):
    """Returns (topics, scores, evidence) for one body."""
    scores, evidence = [], []
    for topic, pattern in PATTERNS.items():
        hits = [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(body)]
        if not hits:
            continue
        scores.append({"topic": topic, "score": float(len(hits)), "hits": len(hits)})
        evidence.extend(
            {"topic": topic, "term": term.lower(), "start": s, "end": e, "weight": 1.0}
            for s, e, term in hits
        )
    scores.sort(key=lambda s: (-s["score"], s["topic"]))
    evidence.sort(key=lambda e: (e["start"], e["topic"]))
    topics = [s["topic"] for s in scores if s["hits"] >= MIN_HITS]
    return topics, scores, evidence


def process(batch):
    bodies = batch.column("body").to_pylist()
    topics, scores, evidence = [], [], []
    for body in bodies:
        if body is None:
            topics.append(None)
            scores.append(None)
            evidence.append(None)
            continue
        t, s, e = tag(body)
        topics.append(t)
        scores.append(s)
        evidence.append(e)
    columns = {
        "topics": pa.array(topics, pa.list_(pa.string())),
        "topic_scores": pa.array(scores, pa.list_(SCORE)),
        "topic_evidence": pa.array(evidence, pa.list_(EVIDENCE)),
    }
    names = [n for n in batch.schema.names if n not in columns]
    arrays = [batch.column(n) for n in names]
    for name, array in columns.items():
        names.append(name)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def main():
    reader = ipc.open_stream(sys.stdin.buffer)
    batches = [process(b) for b in reader]
    if not batches:
        return
    with ipc.new_stream(sys.stdout.buffer, batches[0].schema) as writer:
        for b in batches:
            writer.write_batch(b)


if __name__ == "__main__":
    main()
