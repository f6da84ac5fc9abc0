#!/usr/bin/env python3
"""Python baseline for the newsflow benchmark.

Does the steps of `newsflow run` (normalize + tag + export) the way a
skilled data scientist would in an afternoon, to give the throughput
newsflow is compared with. It is deliberately *simpler* than newsflow
(no boilerplate learning, no near-duplicate MinHash, no mojibake repair,
no entity resolution beyond alias lookup, no per-sentence topic scoring),
so the ratio newsflow/baseline is, if anything, flattering to the baseline.

Steps per document, in a multiprocessing.Pool of --procs workers:
  * read bytes; reject empty/binary; decode UTF-8, else cp1251
  * unicodedata NFC, no-break spaces -> spaces, whitespace collapsed per line
  * drop lines that fully match a noise rule of data/noise.toml (Python `re`)
  * title = first non-empty line; regex dateline ("MOSCOW, February 16. /TASS/.")
    and date parser (English and Russian month names, ISO dates)
  * language: Cyrillic share of letters (ru/en)
  * entities: pyahocorasick automaton over every alias in data/gazetteer/*.tsv
    (persons, countries, orgs, places), whole-word matches, canonical names
  * topics: pyahocorasick automaton over every term of data/taxonomy.toml
    (plus simple plurals), weights summed per topic, threshold 2
  * exact duplicates: xxhash-free blake2b of the body, first id kept as cluster
Output: documents.parquet (zstd) with pyarrow, written in row groups.

    python bench/python_baseline.py CORPUS -o OUTDIR --procs 2 --data data
"""
import argparse
import glob
import hashlib
import multiprocessing as mp
import os
import re
import sys
import tomllib
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq

try:
    import ahocorasick  # pyahocorasick
except ImportError:  # fall back to one big regex alternation
    ahocorasick = None

MONTHS = {
    m.lower(): i + 1
    for i, m in enumerate(
        "January February March April May June July August September October November December".split()
    )
}
MONTHS.update({m[:3].lower(): i for m, i in list(MONTHS.items())})
RU_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
MONTHS.update({m: i + 1 for i, m in enumerate(RU_MONTHS)})
MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
DATELINE_RE = re.compile(
    r"^(?P<city>[A-ZА-ЯЁ][A-ZА-ЯЁ .'-]{1,40}),\s+(?P<date>[^./()]{3,40}?)"
    r"(?:\.?\s*/(?P<agency>[^/]{2,40})/\.?|\s*\((?P<agency2>[^)]{2,30})\)\s*[-\u2013\u2014])\s*",
)
DATE_RES = [
    re.compile(r"\b(?P<d>\d{1,2})\s+(?P<m>%s)\.?(?:,?\s+(?P<y>\d{4}))?" % MONTH_RE, re.I),
    re.compile(r"\b(?P<m>%s)\.?\s+(?P<d>\d{1,2})(?:,?\s+(?P<y>\d{4}))?" % MONTH_RE, re.I),
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
]
WS_RE = re.compile(r"\s+")
CYR_RE = re.compile(r"[а-яё]", re.I)
LAT_RE = re.compile(r"[a-z]", re.I)
WORD_CHAR = re.compile(r"\w")

G = {}  # per-process state, built once in init()


def parse_date(text):
    for rx in DATE_RES:
        m = rx.search(text)
        if m:
            mon = m.group("m")
            mon = int(mon) if mon.isdigit() else MONTHS.get(mon.lower().rstrip("."))
            y = m.group("y")
            return m.group(0), (int(y) if y else None), mon, int(m.group("d"))
    return None, None, None, None


def load_noise(data):
    with open(os.path.join(data, "noise.toml"), "rb") as f:
        rules = tomllib.load(f).get("rule", [])
    out = []
    for r in rules:
        flags = 0 if r.get("case_sensitive") else re.I
        try:
            out.append((r["name"], re.compile(r"(?:%s)\Z" % r["pattern"], flags)))
        except re.error:
            pass  # Rust-only syntax; skipped (counted in the report)
    return out, len(rules)


def load_gazetteer(data):
    """alias (lowercased) -> list of (kind, canonical)."""
    names = {}

    def add(alias, kind, canon):
        alias = alias.strip()
        if len(alias) >= 2:
            names.setdefault(alias.lower(), set()).add((kind, canon))

    for path in sorted(glob.glob(os.path.join(data, "gazetteer", "*.tsv"))):
        kind = os.path.basename(path)[:-4]
        if kind in ("roles", "variants"):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if kind == "countries":
                    canon = cols[1]
                    aliases = [cols[1]] + (cols[2].split("|") if len(cols) > 2 else [])
                else:
                    canon = cols[0]
                    aliases = [cols[0]] + (cols[1].split("|") if len(cols) > 1 else [])
                for a in aliases:
                    add(a, kind, canon)
    return {k: sorted(v) for k, v in names.items()}


def load_taxonomy(data):
    """term (lowercased) -> list of (topic, weight); and simple plural forms."""
    with open(os.path.join(data, "taxonomy.toml"), "rb") as f:
        tax = tomllib.load(f)
    terms = {}
    for topic in tax.get("topic", []):
        for group in topic.get("terms", []):
            for w in group.get("words", []):
                forms = {w.lower().rstrip("*")}
                if re.fullmatch(r"[A-Za-z -]+", w) and not w.endswith("*"):
                    forms.add(w.lower() + "s")
                    forms.add(w.lower().replace("-", " "))
                for form in forms:
                    terms.setdefault(form, []).append((topic["id"], float(group["weight"])))
    return terms


def build_matcher(table):
    if ahocorasick is not None:
        A = ahocorasick.Automaton()
        for key, value in table.items():
            A.add_word(key, (len(key), value))
        A.make_automaton()
        return ("ac", A)
    rx = re.compile(r"\b(?:%s)\b" % "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
    return ("re", (rx, table))


def iter_matches(matcher, lowered):
    kind, m = matcher
    if kind == "ac":
        n = len(lowered)
        for end, (length, value) in m.iter(lowered):
            start = end - length + 1
            if (start == 0 or not WORD_CHAR.match(lowered[start - 1])) and (
                end + 1 >= n or not WORD_CHAR.match(lowered[end + 1])
            ):
                yield start, end + 1, value
    else:
        rx, table = m
        for mt in rx.finditer(lowered):
            yield mt.start(), mt.end(), table[mt.group(0)]


def init(data):
    G["noise"], _ = load_noise(data)
    G["ents"] = build_matcher(load_gazetteer(data))
    G["topics"] = build_matcher(load_taxonomy(data))


def process(path):
    """One file -> a document dict, or a reject dict."""
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.strip():
        return {"path": path, "reject": "empty"}
    if b"\x00" in raw[:4096]:
        return {"path": path, "reject": "binary"}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1251", errors="replace")
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    kept, removed = [], set()
    for line in text.splitlines():
        line = WS_RE.sub(" ", line).strip()
        if not line:
            kept.append("")
            continue
        if len(line) <= 300:
            hit = next((name for name, rx in G["noise"] if rx.match(line)), None)
            if hit:
                removed.add(hit)
                continue
        kept.append(line)
    paras = [p for p in "\n".join(kept).split("\n\n") if p.strip()]
    title = paras[0].strip() if paras else ""
    body = "\n\n".join(p.strip() for p in paras[1:])
    city = agency = None
    date_text, year, month, day = None, None, None, None
    for p in paras[1:6]:
        m = DATELINE_RE.match(p)
        if m:
            city, agency = m.group("city").title(), m.group("agency") or m.group("agency2")
            date_text, year, month, day = parse_date(m.group("date"))
            break
    if date_text is None:
        date_text, year, month, day = parse_date(body[:500])
    cyr = len(CYR_RE.findall(body[:2000]))
    lat = len(LAT_RE.findall(body[:2000]))
    lang = "ru" if cyr > lat else ("en" if lat else None)

    lowered = (title + "\n" + body).lower()
    ents = {"persons": set(), "countries": set(), "orgs": set(), "places": set()}
    for _s, _e, values in iter_matches(G["ents"], lowered):
        for kind, canon in values:
            ents[kind].add(canon)
    scores = {}
    for _s, _e, values in iter_matches(G["topics"], lowered):
        for topic, weight in values:
            scores[topic] = scores.get(topic, 0.0) + weight
    topics = sorted(t for t, s in scores.items() if s >= 2.0)
    return {
        "path": path,
        "doc_id": os.path.splitext(os.path.basename(path))[0],
        "title": title,
        "body": body,
        "date_text": date_text,
        "year": year,
        "month": month,
        "day": day,
        "dateline_city": city,
        "agency": agency,
        "language": lang,
        "persons": sorted(ents["persons"]),
        "countries": sorted(ents["countries"]),
        "orgs": sorted(ents["orgs"]),
        "places": sorted(ents["places"]),
        "topics": topics,
        "noise_rules": sorted(removed),
        "body_hash": hashlib.blake2b(body.encode(), digest_size=8).hexdigest(),
    }


SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("path", pa.string()),
        ("title", pa.string()),
        ("body", pa.large_string()),
        ("date_text", pa.string()),
        ("year", pa.int32()),
        ("month", pa.int8()),
        ("day", pa.int8()),
        ("dateline_city", pa.string()),
        ("agency", pa.string()),
        ("language", pa.string()),
        ("persons", pa.list_(pa.string())),
        ("countries", pa.list_(pa.string())),
        ("orgs", pa.list_(pa.string())),
        ("places", pa.list_(pa.string())),
        ("topics", pa.list_(pa.string())),
        ("noise_rules", pa.list_(pa.string())),
        ("duplicate_of", pa.string()),
    ]
)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("input")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()

    paths = sorted(glob.glob(os.path.join(args.input, "**", "*"), recursive=True))
    paths = [p for p in paths if os.path.isfile(p)]
    os.makedirs(args.out, exist_ok=True)
    seen = {}
    rejects = []
    n_docs = 0
    out_path = os.path.join(args.out, "documents.parquet")
    with pq.ParquetWriter(out_path, SCHEMA, compression="zstd") as writer, mp.Pool(
        args.procs, initializer=init, initargs=(args.data,)
    ) as pool:
        rows = []
        for doc in pool.imap(process, paths, chunksize=16):
            if "reject" in doc:
                rejects.append(doc)
                continue
            doc["duplicate_of"] = seen.setdefault(doc.pop("body_hash"), doc["doc_id"])
            if doc["duplicate_of"] == doc["doc_id"]:
                doc["duplicate_of"] = None
            rows.append(doc)
            if len(rows) >= args.batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
                n_docs += len(rows)
                rows = []
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
            n_docs += len(rows)
    pq.write_table(
        pa.table({"path": [r["path"] for r in rejects], "reason": [r["reject"] for r in rejects]}),
        os.path.join(args.out, "rejects.parquet"),
        compression="zstd",
    )
    noise, total_rules = load_noise(args.data)
    print(
        f"python_baseline: {n_docs} documents, {len(rejects)} rejects, "
        f"{len(noise)}/{total_rules} noise rules compiled, "
        f"matcher={'pyahocorasick' if ahocorasick else 'regex'}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
