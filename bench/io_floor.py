#!/usr/bin/env python3
"""I/O floor for the newsflow benchmark.

Reads every input file under INPUT (recursively, sorted) and writes them
unchanged -- path and raw bytes -- to one zstd-compressed Parquet file with
pyarrow. No decoding, no processing: the least any tool must do to turn the
corpus into a Parquet file. Row groups of --batch files keep memory bounded.

    python bench/io_floor.py CORPUS -o OUT.parquet
"""
import argparse
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def iter_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("input")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()

    schema = pa.schema([("path", pa.string()), ("text", pa.large_binary())])
    n = nbytes = 0
    with pq.ParquetWriter(args.out, schema, compression="zstd") as writer:
        paths, texts = [], []
        for path in iter_files(args.input):
            with open(path, "rb") as f:
                data = f.read()
            paths.append(os.path.relpath(path, args.input))
            texts.append(data)
            n += 1
            nbytes += len(data)
            if len(paths) >= args.batch:
                writer.write_table(pa.table({"path": paths, "text": texts}, schema=schema))
                paths, texts = [], []
        if paths:
            writer.write_table(pa.table({"path": paths, "text": texts}, schema=schema))
    print(f"io_floor: {n} files, {nbytes / 1e6:.1f} MB -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
