#!/usr/bin/env python3
"""Whole-run benchmark of newsflow, side by side with a Python baseline and an I/O floor.

    .venv/bin/python bench/run_bench.py                # 20k docs (+5k scale check), 2 reps
    .venv/bin/python bench/run_bench.py --large        # also 200k docs (the issue's targets are set there)
    .venv/bin/python bench/run_bench.py --reps 3 --bin bench-out/newsflow-snapshot

Corpora come from `newsflow gen -n N --seed S` and are cached in bench-out/
(corpus-N/, with a corpus-N.done marker next to it). Every configuration is
run --reps times, *interleaved* (A B C D, A B C D, ...) so that load from
other processes on a shared machine hits all of them alike; the median is
reported, and ratios are computed per repetition from runs made next to
each other and then the median ratio is taken. The page cache is warm for
every run (each corpus is read once before timing).

Besides `--threads 2` and `--threads 1`, newsflow runs with `--threads 1`
pinned to one CPU (newsflow_t1_one_core; --skip-one-core leaves it out).
Binaries before commit 357ec37 read the input on a thread beside the
workers, which could use the second core; newer ones read on the workers.

--large repeats the main set on a 200k-document corpus (2 and 1 threads,
the Python baseline unless --skip-python, the I/O floor): the performance
targets are defined at that size, and the results get a second block of
target rows, marked with its size (200k). It adds about 8 minutes per repetition.

Per run: wall time, CPU (user+sys of the child and its waited-for children,
from os.wait4), peak RSS (ru_maxrss of the child = the largest single
process; and the peak of the summed RSS of the process tree sampled every
50 ms with psutil, which is what matters for multiprocessing), documents/s,
MB/s, and for newsflow the per-stage busy ms of manifest.json.

Writes bench-out/results.json and bench-out/results.md and prints the table.
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

try:
    import psutil
except ImportError:
    psutil = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
MIB = 1024 * 1024

# Targets of the performance issue.
TARGET_VS_PYTHON = 15.0  # newsflow throughput >= 15x the Python baseline
TARGET_VS_IO = 2.0  # newsflow wall <= 2x the I/O floor wall
TARGET_RSS_MIB = 300.0  # peak RSS < 300 MiB
TARGET_SPEEDUP = 1.8  # 2 threads >= 1.8x 1 thread


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def machine():
    info = {"nproc": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total_mib"] = int(f.readline().split()[1]) // 1024
    except OSError:
        pass
    info["loadavg_start"] = os.getloadavg()
    return info


def corpus(binary, out, n, seed):
    path = os.path.join(out, f"corpus-{n}")
    done = path + ".done"
    if not os.path.exists(done):
        shutil.rmtree(path, ignore_errors=True)
        log(f"generating {n} documents into {path}")
        subprocess.run([binary, "gen", "-o", path, "-n", str(n), "--seed", str(seed)], check=True)
        with open(done, "w") as f:
            f.write(f"n={n} seed={seed}\n")
    files = nbytes = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:  # warms the page cache
                nbytes += len(f.read())
            files += 1
    return {"path": path, "files": files, "bytes": nbytes}


def one_cpu():
    """Pins the calling process (a child before exec) to the lowest CPU it may use."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def measure(cmd, env=None, pin=False):
    """Runs cmd (pinned to one CPU with pin); returns wall s, cpu s, ru_maxrss MiB and
    sampled tree-peak RSS MiB."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            preexec_fn=one_cpu if pin else None)
    peak = [0]
    stop = threading.Event()

    def sample():
        if psutil is None:
            return
        try:
            p = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                total = p.memory_info().rss
                for c in p.children(recursive=True):
                    try:
                        total += c.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total)
            except psutil.Error:
                break
            stop.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    stderr = proc.stderr.read()
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stop.set()
    t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{stderr.decode(errors='replace')}")
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "maxrss_mib": ru.ru_maxrss / 1024,  # KiB on Linux
        "tree_peak_rss_mib": peak[0] / MIB if peak[0] else None,
    }


def configs(args, corpora):
    """(name, size, builder) where builder(out_dir) -> (cmd, postprocess)."""
    out = []
    main = args.size
    for threads in args.threads:
        out.append((f"newsflow_t{threads}", main, ("newsflow", threads)))
        if args.compare_bin:
            out.append((f"compare_t{threads}", main, ("compare", threads)))
    if not args.skip_one_core:
        # --threads 1 still has a reader and a writer thread beside its
        # worker, which use the second core: pinned, the run has one core.
        out.append(("newsflow_t1_one_core", main, ("newsflow_pinned", 1)))
    if not args.skip_python:
        out.append(("python_baseline_p2", main, ("python", 2)))
    out.append(("io_floor", main, ("io", None)))
    if args.scale_size:
        out.append((f"newsflow_t{args.threads[0]}_scale", args.scale_size, ("newsflow", args.threads[0])))
    if args.large:
        for threads in args.threads:
            out.append((f"newsflow_t{threads}_large", args.large_size, ("newsflow", threads)))
        if not args.skip_python:
            out.append(("python_baseline_p2_large", args.large_size, ("python", 2)))
        out.append(("io_floor_large", args.large_size, ("io", None)))
    return out


def run_one(args, name, size, spec, corpora, rep):
    kind, param = spec
    c = corpora[size]
    work = os.path.join(args.out, "runs", name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(work), exist_ok=True)
    if kind in ("newsflow", "newsflow_pinned", "compare"):
        binary = args.compare_bin if kind == "compare" else args.bin
        cmd = [binary, "run", c["path"], "-o", work, "--threads", str(param), "-q"]
    elif kind == "python":
        cmd = [args.python, os.path.join(BENCH, "python_baseline.py"), c["path"], "-o", work,
               "--procs", str(param), "--data", os.path.join(ROOT, "data")]
    else:
        os.makedirs(work, exist_ok=True)
        cmd = [args.python, os.path.join(BENCH, "io_floor.py"), c["path"], "-o", os.path.join(work, "floor.parquet")]
    log(f"  rep {rep + 1}: {name} ({size} docs) ...")
    r = measure(cmd, pin=kind == "newsflow_pinned")
    r["documents"] = None
    if kind in ("newsflow", "newsflow_pinned", "compare"):
        with open(os.path.join(work, "manifest.json")) as f:
            m = json.load(f)
        r["documents"] = m.get("documents")
        r["rejects"] = m.get("rejects")
        r["stage_ms"] = m.get("stage_wall_ms", {})
    out_bytes = 0
    for dirpath, _d, names in os.walk(work):
        out_bytes += sum(os.path.getsize(os.path.join(dirpath, n)) for n in names)
    r["output_bytes"] = out_bytes
    r["docs_per_s"] = c["files"] / r["wall_s"]  # input files per second (docs + rejects)
    r["mb_per_s"] = c["bytes"] / 1e6 / r["wall_s"]
    log(f"    wall {r['wall_s']:.2f}s cpu {r['cpu_s']:.2f}s maxrss {r['maxrss_mib']:.0f} MiB"
        f" tree-peak {r['tree_peak_rss_mib'] or 0:.0f} MiB  {r['docs_per_s']:.0f} docs/s")
    shutil.rmtree(work, ignore_errors=True)
    return r


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(runs):
    keys = ["wall_s", "cpu_s", "user_s", "sys_s", "maxrss_mib", "tree_peak_rss_mib", "docs_per_s", "mb_per_s", "output_bytes"]
    s = {k: med([r[k] for r in runs]) for k in keys}
    s["wall_s_all"] = [round(r["wall_s"], 3) for r in runs]
    s["cpu_cores_used"] = s["cpu_s"] / s["wall_s"] if s["wall_s"] else None
    stages = {}
    for r in runs:
        for k, v in (r.get("stage_ms") or {}).items():
            stages.setdefault(k, []).append(v)
    if stages:
        s["stage_ms"] = {k: med(v) for k, v in stages.items()}
    s["documents"] = runs[0].get("documents")
    return s


def paired(results, a, b, fn):
    """Median over repetitions of fn(run_a, run_b), runs of the same repetition."""
    if a not in results or b not in results:
        return None
    vals = [fn(x, y) for x, y in zip(results[a], results[b])]
    return med(vals)


def fmt(v, digits=2, suffix=""):
    return "n/a" if v is None else f"{v:.{digits}f}{suffix}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "newsflow"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    ap.add_argument("--size", type=int, default=20000, help="main corpus size (default 20000)")
    ap.add_argument("--scale-size", type=int, default=5000, help="smaller corpus for the scale check (0 = skip)")
    ap.add_argument("--large", action="store_true",
                    help="also run a 200k-doc corpus (newsflow with each --threads, Python baseline, I/O floor)")
    ap.add_argument("--large-size", type=int, default=200000)
    ap.add_argument("--reps", type=int, default=2, help="repetitions per configuration (median reported)")
    ap.add_argument("--threads", type=lambda s: [int(x) for x in s.split(",")], default=[2, 1])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip-python", action="store_true")
    ap.add_argument("--skip-one-core", action="store_true",
                    help="leave out the --threads 1 run pinned to one CPU (the 2-core over 1-core speed-up)")
    ap.add_argument("--compare-bin", help="another newsflow binary (say, a frozen copy of an older build), "
                    "run next to --bin in every repetition: the paired ratios say how much faster --bin is "
                    "on the same machine at the same moment")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    if not os.path.exists(args.bin):
        raise SystemExit(f"{args.bin} not found: cargo build --release -p newsflow-cli")
    info = machine()
    with open(args.bin, "rb") as f:
        info["binary_sha256"] = hashlib.sha256(f.read()).hexdigest()[:16]
    info["binary"] = os.path.relpath(args.bin, ROOT)
    if args.compare_bin:
        if not os.path.exists(args.compare_bin):
            raise SystemExit(f"{args.compare_bin} not found")
        with open(args.compare_bin, "rb") as f:
            info["compare_binary_sha256"] = hashlib.sha256(f.read()).hexdigest()[:16]
    try:
        info["git_rev"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                         capture_output=True, text=True).stdout.strip()
        info["git_dirty_files"] = len(subprocess.run(["git", "-C", ROOT, "status", "--porcelain"],
                                                     capture_output=True, text=True).stdout.splitlines())
    except OSError:
        pass
    started = dt.datetime.now(dt.timezone.utc)

    plan = configs(args, None)
    corpora = {}
    for _name, size, _spec in plan:
        if size not in corpora:
            corpora[size] = corpus(args.bin, args.out, size, args.seed)
    results = {name: [] for name, _s, _sp in plan}
    for rep in range(args.reps):
        log(f"repetition {rep + 1}/{args.reps}")
        for name, size, spec in plan:
            results[name].append(run_one(args, name, size, spec, corpora, rep))

    summary = {name: summarize(runs) for name, runs in results.items()}
    for name, size, _spec in plan:
        summary[name]["corpus_docs"] = corpora[size]["files"]
        summary[name]["corpus_mb"] = corpora[size]["bytes"] / 1e6
        summary[name]["ms_per_doc"] = summary[name]["wall_s"] * 1000 / corpora[size]["files"]

    t_hi, t_lo = f"newsflow_t{args.threads[0]}", (f"newsflow_t{args.threads[1]}" if len(args.threads) > 1 else None)
    wall = lambda x, y: y["wall_s"] / x["wall_s"]  # noqa: E731 (throughput of x over y)
    ratios = {
        "throughput_newsflow_over_python": paired(results, t_hi, "python_baseline_p2", wall),
        "wall_newsflow_over_io_floor": paired(results, t_hi, "io_floor", lambda x, y: x["wall_s"] / y["wall_s"]),
        "speedup_2t_over_1t": paired(results, t_hi, t_lo, wall) if t_lo else None,
        # 2 threads on 2 cores over 1 thread pinned to 1 core (all its threads).
        "speedup_2t_over_1t_one_core": paired(results, t_hi, "newsflow_t1_one_core", wall),
        "cpu_newsflow_over_python": paired(results, t_hi, "python_baseline_p2", lambda x, y: x["cpu_s"] / y["cpu_s"]),
        # CPU-time ratios: the load-insensitive view of throughput per core.
        "cpu_python_over_newsflow": paired(results, t_hi, "python_baseline_p2", lambda x, y: y["cpu_s"] / x["cpu_s"]),
        "cpu_newsflow_over_io_floor": paired(results, t_hi, "io_floor", lambda x, y: x["cpu_s"] / y["cpu_s"]),
        # CPU of the 2-thread run over the pinned 1-thread run's: the price of
        # two threads at once. Near 1, the speed-up is bounded by the serial
        # parts; well above 1, by the two cores slowing each other down (on a
        # VM whose two vCPUs share a physical core, say), whatever the code.
        "cpu_2t_over_1t_one_core": paired(results, t_hi, "newsflow_t1_one_core", lambda x, y: x["cpu_s"] / y["cpu_s"]),
    }
    if args.scale_size and f"{t_hi}_scale" in summary:
        small, big = summary[f"{t_hi}_scale"], summary[t_hi]
        ratios["scale_ms_per_doc_big_over_small"] = big["ms_per_doc"] / small["ms_per_doc"]
        ratios["scale_s_per_mb_big_over_small"] = (big["wall_s"] / big["corpus_mb"]) / (small["wall_s"] / small["corpus_mb"])
        # CPU-based versions: far less sensitive to other load on a shared machine.
        ratios["scale_cpu_per_doc_big_over_small"] = (big["cpu_s"] / big["corpus_docs"]) / (small["cpu_s"] / small["corpus_docs"])
        ratios["scale_cpu_per_mb_big_over_small"] = (big["cpu_s"] / big["corpus_mb"]) / (small["cpu_s"] / small["corpus_mb"])
    for threads in args.threads if args.compare_bin else []:
        ratios[f"speedup_over_compare_bin_t{threads}"] = paired(
            results, f"newsflow_t{threads}", f"compare_t{threads}", wall)
        ratios[f"cpu_compare_bin_over_newsflow_t{threads}"] = paired(
            results, f"newsflow_t{threads}", f"compare_t{threads}", lambda x, y: y["cpu_s"] / x["cpu_s"])
    suffixes = [""] + (["_large"] if args.large else [])
    for sfx in suffixes[1:]:
        lo = f"{t_lo}{sfx}" if t_lo else None
        ratios[f"throughput_newsflow_over_python{sfx}"] = paired(results, f"{t_hi}{sfx}", f"python_baseline_p2{sfx}", wall)
        ratios[f"wall_newsflow_over_io_floor{sfx}"] = paired(
            results, f"{t_hi}{sfx}", f"io_floor{sfx}", lambda x, y: x["wall_s"] / y["wall_s"])
        ratios[f"speedup_2t_over_1t{sfx}"] = paired(results, f"{t_hi}{sfx}", lo, wall) if lo else None
        ratios[f"cpu_python_over_newsflow{sfx}"] = paired(
            results, f"{t_hi}{sfx}", f"python_baseline_p2{sfx}", lambda x, y: y["cpu_s"] / x["cpu_s"])
    targets = {}
    for sfx in suffixes:
        label = f" ({args.large_size // 1000}k)" if sfx else ""
        targets.update({
            f"vs_python >= 15x{label}": (ratios[f"throughput_newsflow_over_python{sfx}"], TARGET_VS_PYTHON, ">="),
            f"wall vs io floor <= 2x{label}": (ratios[f"wall_newsflow_over_io_floor{sfx}"], TARGET_VS_IO, "<="),
            f"peak RSS < 300 MiB{label}": (summary[f"{t_hi}{sfx}"]["maxrss_mib"], TARGET_RSS_MIB, "<"),
            f"2 threads >= 1.8x 1 thread{label}": (ratios[f"speedup_2t_over_1t{sfx}"], TARGET_SPEEDUP, ">="),
        })
        if not sfx:
            targets["2 threads >= 1.8x 1 thread on 1 core"] = (
                ratios["speedup_2t_over_1t_one_core"], TARGET_SPEEDUP, ">=")
    verdict = {}
    for k, (v, target, op) in targets.items():
        ok = None if v is None else (v >= target if op == ">=" else v <= target if op == "<=" else v < target)
        verdict[k] = {"value": v, "target": target, "met": ok}

    info["loadavg_end"] = os.getloadavg()
    doc = {
        "date_utc": started.isoformat(timespec="seconds"),
        "machine": info,
        "args": {k: v for k, v in vars(args).items()},
        "corpora": corpora,
        "summary": summary,
        "ratios": ratios,
        "targets": verdict,
        "runs": results,
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=2, default=str)

    lines = [
        f"newsflow benchmark, {started:%Y-%m-%d %H:%M} UTC, {info.get('cpu', '?')} x{info['nproc']}, "
        f"{info.get('mem_total_mib', '?')} MiB, load {info['loadavg_start'][0]:.1f}->{info['loadavg_end'][0]:.1f} "
        f"(shared, noisy machine: compare ratios, not absolute numbers); {args.reps} interleaved reps, median",
        "",
        "| configuration | corpus | wall s (all reps) | CPU s | cores used | docs/s | MB/s | ms/doc | ru_maxrss MiB | tree peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in summary.items():
        lines.append(
            f"| {name} | {s['corpus_docs']} docs, {s['corpus_mb']:.0f} MB | {fmt(s['wall_s'])} ({', '.join(f'{w:.1f}' for w in s['wall_s_all'])}) "
            f"| {fmt(s['cpu_s'])} | {fmt(s['cpu_cores_used'])} | {fmt(s['docs_per_s'], 0)} | {fmt(s['mb_per_s'])} "
            f"| {fmt(s['ms_per_doc'])} | {fmt(s['maxrss_mib'], 0)} | {fmt(s['tree_peak_rss_mib'], 0)} |"
        )
    lines += ["", "| ratio (paired per rep, median) | value | target | met |", "|---|---|---|---|"]
    for k, v in verdict.items():
        met = "n/a" if v["met"] is None else ("yes" if v["met"] else "**no**")
        lines.append(f"| {k} | {fmt(v['value'])} | {v['target']} | {met} |")
    for k in ("cpu_newsflow_over_python", "cpu_python_over_newsflow", "cpu_newsflow_over_io_floor",
              "cpu_2t_over_1t_one_core",
              "scale_ms_per_doc_big_over_small", "scale_s_per_mb_big_over_small",
              "scale_cpu_per_doc_big_over_small", "scale_cpu_per_mb_big_over_small",
              "cpu_python_over_newsflow_large",
              *(f"{p}_t{t}" for t in args.threads
                for p in ("speedup_over_compare_bin", "cpu_compare_bin_over_newsflow"))):
        if ratios.get(k) is not None:
            lines.append(f"| {k} | {fmt(ratios[k])} | | |")
    stage_rows = [(n, s["stage_ms"]) for n, s in summary.items() if s.get("stage_ms")]
    if stage_rows:
        keys = sorted({k for _n, st in stage_rows for k in st})
        lines += ["", "| newsflow stage busy ms (manifest, median) | " + " | ".join(keys) + " |",
                  "|---|" + "---|" * len(keys)]
        for n, st in stage_rows:
            lines.append(f"| {n} | " + " | ".join(fmt(st.get(k), 0) for k in keys) + " |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
