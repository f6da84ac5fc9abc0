#!/usr/bin/env python3
"""Runs a command and prints, every INTERVAL seconds, how many cores its
threads kept busy, its RSS, and its busiest threads (from /proc, Linux only).

    python3 bench/thread_timeline.py [--interval 0.5] -- newsflow run CORPUS -o OUT -q
"""
import argparse
import os
import subprocess
import time


def threads(pid):
    """{tid: (name, user + system ticks)} of the live threads of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = (name, int(fields[11]) + int(fields[12]))
    return out


def rss_mib(pid):
    """RSS of pid in MiB, or None once it has exited (a zombie has no VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command")
    ticks = os.sysconf("SC_CLK_TCK")
    proc = subprocess.Popen(command)
    started = time.time()
    before = {}
    rows = []
    while proc.poll() is None:
        time.sleep(args.interval)
        try:
            now = threads(proc.pid)
            rss = rss_mib(proc.pid)
        except OSError:
            break
        if rss is None:
            break
        busy = {tid: (t - before.get(tid, ("", 0))[1]) / ticks / args.interval for tid, (_, t) in now.items()}
        top = sorted(busy.items(), key=lambda kv: -kv[1])[:4]
        rows.append((time.time() - started, sum(busy.values()), rss,
                     " ".join(f"{now[tid][0]}:{b:.2f}" for tid, b in top if b >= 0.05)))
        before = now
    proc.wait()
    for at, cores, rss, top in rows:
        print(f"{at:7.1f} s  cores {cores:4.2f}  rss {rss:5d} MiB  {top}")
    if rows:
        print(f"mean cores busy {sum(r[1] for r in rows) / len(rows):.2f} over {len(rows)} samples")
    raise SystemExit(proc.returncode)


if __name__ == "__main__":
    main()
