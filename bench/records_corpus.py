#!/usr/bin/env python3
"""Writes a deterministic corpus of COUNT short JSONL records (about 450
bytes each, 10,000 to a file) for measuring what a run keeps per record.

The documents of `newsflow gen` average 7 KB and include files of several
MB, whose buffers set a run's peak memory; with records this short, state
that grows with the number of documents (ids, signatures, line counts,
Parquet metadata) is what shows. Compare the peak RSS of two sizes:

    python3 bench/records_corpus.py 200000 OUT/r200k
    python3 bench/records_corpus.py 2000000 OUT/r2m
    /usr/bin/time -f '%M KB' newsflow -q run OUT/r2m -o OUT/run-r2m
"""
import argparse
import json
import os
import random

WORDS = (
    "minister talks security treaty border troops election economy trade "
    "sanctions summit ceasefire parliament president agency report officials "
    "week capital region nuclear delegation envoy vote budget"
).split()
PLACES = ["MOSCOW", "KYIV", "WASHINGTON", "BEIJING", "PARIS", "BERLIN", "ANKARA"]
PER_FILE = 10_000


def record(rnd, i):
    words = " ".join(rnd.choice(WORDS) for _ in range(40))
    text = (
        f"Report {i} on the {rnd.choice(WORDS)}\n\n"
        f"{rnd.choice(PLACES)}, March 3 (Reuters) - The {words}. "
        f"Reference {i * 7919 % 1_000_003}.\n\n"
        "Follow our coverage on the website\n"
    )
    return {"id": f"r{i:09d}", "text": text}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("count", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rnd = random.Random(args.seed)
    for start in range(0, args.count, PER_FILE):
        path = os.path.join(args.out, f"part{start // PER_FILE:05d}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i in range(start, min(args.count, start + PER_FILE)):
                f.write(json.dumps(record(rnd, i)) + "\n")


if __name__ == "__main__":
    main()
