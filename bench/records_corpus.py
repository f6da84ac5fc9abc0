#!/usr/bin/env python3
"""Short JSONL records for measuring what a run keeps per document.

The documents of `newsflow gen` average 7 KB and include files of several
MB, whose buffers set a run's peak memory; with records of about 450 bytes,
state that grows with the number of documents (record ids, signatures, line
counts, Parquet metadata) is what shows.

    python3 bench/records_corpus.py write 200000 OUT/r200k    # 10,000 records a file
    python3 bench/records_corpus.py check --bin target/release/newsflow

`check` writes (once) and runs 200,000 and 2,000,000 records under
bench-out/ (`make bench-records`) and prints each run's wall time and peak
RSS, and how much more memory the larger run needed.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import time

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


def write(count, out, seed=7):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(seed)
    for start in range(0, count, PER_FILE):
        path = os.path.join(out, f"part{start // PER_FILE:05d}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i in range(start, min(count, start + PER_FILE)):
                f.write(json.dumps(record(rnd, i)) + "\n")


def run(binary, corpus, out, threads):
    """Wall seconds and peak RSS (MiB, ru_maxrss) of one `newsflow run`."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [binary, "-q", "--threads", str(threads), "run", corpus, "-o", out]
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    shutil.rmtree(out, ignore_errors=True)
    return wall, ru.ru_maxrss / 1024


def check(args):
    rows = []
    for count in args.sizes:
        corpus = os.path.join(args.dir, f"records-{count}")
        done = corpus + ".done"
        if not os.path.exists(done):
            shutil.rmtree(corpus, ignore_errors=True)
            write(count, corpus)
            open(done, "w").close()
        wall, rss = run(args.bin, corpus, os.path.join(args.dir, "records-run"), args.threads)
        rows.append((count, wall, rss))
        print(f"{count:>9} records  {wall:7.1f} s  {rss:6.0f} MiB peak RSS", flush=True)
    (small, _, rss_small), (big, _, rss_big) = rows[0], rows[-1]
    print(
        f"{big} records took {rss_big - rss_small:+.0f} MiB over {small} "
        f"({(rss_big - rss_small) * 2**20 / (big - small):.0f} bytes per added record)"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write COUNT records into OUT")
    w.add_argument("count", type=int)
    w.add_argument("out")
    w.add_argument("--seed", type=int, default=7)
    c = sub.add_parser("check", help="run newsflow on two sizes and compare peak RSS")
    c.add_argument("--bin", default="target/release/newsflow")
    c.add_argument("--dir", default="bench-out")
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--sizes", type=int, nargs="+", default=[200_000, 2_000_000])
    args = ap.parse_args()
    if args.command == "write":
        write(args.count, args.out, args.seed)
    else:
        check(args)


if __name__ == "__main__":
    main()
