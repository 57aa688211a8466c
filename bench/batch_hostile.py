#!/usr/bin/env python3
"""`kt-clean batch` on 20,000 pages, clean and with about 1% pathological pages (issue #16).
Writes the figures to docs/reliability.md (section "batch-hostile") with --write.

    python bench/batch_hostile.py [--pages 20000] [--share 0] [--timeout S] [--repeat 2]
                                  [--section NAME] [--write]

The corpus is built into a temporary folder: template pages from bench/make_corpus.py (Korea
Times, seeds and print/full-nav variants, prose varied), with 2% wcxb-dev text dumps and
0.5% wcxb-dev HTML pages of other sites when ../shared/data/wcxb-dev exists, in sub-folders
of 1,000. The hostile corpus is the same folder with ``--share`` of its pages (seeded
positions; by default each kind once) replaced by pathological ones, the kinds in turn: 999,999 short lines, 20 MB of
``a\\n``, a gzip bomb, HTML nested 50,000 deep, 300,000 ``<li>``, 100,000 blank lines, binary
junk, invalid UTF-8, an empty file, a FIFO (no writer), a symlink to /dev/zero, an NDJSON file
with a bad record. Large pathological files are hard links to one copy; the clean pages of
the hostile corpus are hard links to the clean corpus's.

Each run is the real command (`kt-clean batch IN -o OUT -r --force -q --jobs J --report`) as
a child process into an empty OUT, clean and hostile in turn, ``--repeat`` times. Memory is
the sum of the resident sets of the batch process and its workers, sampled every 0.2 s from
/proc; "per tenth" is the largest (and the median) sample in each tenth of the run's wall
time. A run is killed after ``--kill`` seconds (reported as a hang).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, tree_rss, update_section
from hostile import MB, SEED_FULLNAV, record_lines, zeros_gzip
from make_corpus import PER_FOLDER, WCXB, template_pages

BIN = Path(sys.executable).parent
SAMPLE = 0.2  # seconds between memory samples
DOC, SECTION = "reliability.md", "batch-hostile"
TARGET_RATIO = 2.0
#: memory is "flat" when the median of every tenth of the hostile run stays under this many
#: times the clean run's median (plus FLAT_SLACK bytes: a worker busy on a big page)
FLAT_FACTOR, FLAT_SLACK = 1.5, 50 * 1000 * 1000


def exe(name: str) -> str:
    return shutil.which(name, path=str(BIN)) or shutil.which(name) or name


# --- the pathological pages ---------------------------------------------------------------

def _lines_1m() -> bytes:
    return "".join(f"{i} news\n" for i in range(999_999)).encode()


def _a_20mb() -> bytes:
    return b"a\n" * ((20 * MB - 4096) // 2)  # under --max-bytes, 10M lines


def _deep() -> bytes:
    return ("<html><body>" + "<div>" * 50_000 + "<p>Deep text here.</p>" + "</div>" * 50_000
            + "</body></html>").encode()


def _li() -> bytes:
    items = "".join(f"<li>{i}</li>" for i in range(300_000))
    return f"<html><body><ul>{items}</ul></body></html>".encode()


def _blank() -> bytes:
    return b"Hello\n" + b"\n" * 100_000 + b"World\n"


def _binary() -> bytes:
    return random.Random(1).randbytes(100_000)


def _bad_utf8() -> bytes:
    text = SEED_FULLNAV.read_text(encoding="utf-8").replace("Korea", "Cor\u00e9e", 20)
    return text[:4000].encode() + text[4000:].encode("latin-1", "replace")


def _ndjson_bad() -> bytes:
    good = record_lines()
    lines = [good[i % 2] for i in range(40)]
    lines[20] = '{"page": "cut off'
    return ("\n".join(lines) + "\n").encode()


#: name, file suffix, what the bench builds (bytes written once then hard-linked; or a
#: special file made at each position), and the failure reasons that are right for it
#: (an empty set: the page must be cleaned)
KINDS: list[tuple[str, str, Callable[[], bytes] | str, set[str]]] = [
    ("lines-999999", ".txt", _lines_1m, set()),
    ("a-20mb", ".txt", _a_20mb, {"too-large"}),
    ("gzip-bomb-8gb", ".html.gz", "gzip", {"too-large"}),
    ("html-deep-50000", ".html", _deep, set()),
    ("html-300k-li", ".html", _li, set()),
    ("blank-100k", ".txt", _blank, set()),
    ("binary", ".txt", _binary, {"binary"}),
    ("bad-utf8", ".txt", _bad_utf8, {"undecodable"}),
    ("empty", ".txt", lambda: b"", {"empty"}),
    ("fifo", ".txt", "fifo", {"unreadable"}),
    ("symlink-dev-zero", ".txt", "devzero", {"outside", "unreadable"}),
    ("ndjson-bad-record", ".ndjson", _ndjson_bad, {"bad-record"}),
]


def folder_of(i: int) -> str:
    return f"{i // PER_FOLDER:03d}"


def build(work: Path, n: int, share: float, seed: int = 16
          ) -> tuple[Path, Path, dict[str, str], int]:
    """The clean and hostile corpora; {hostile page's relative path: kind}; bytes on disk."""
    clean, hostile, store = work / "clean", work / "hostile", work / "store"
    store.mkdir()
    dumps = sorted((WCXB / "dumps-w3m").glob("*.txt")) if (WCXB / "dumps-w3m").is_dir() else []
    htmls = sorted((WCXB / "html").glob("*.html.gz")) if (WCXB / "html").is_dir() else []
    rng = random.Random(seed)
    k = max(len(KINDS), round(n * share))  # share 0: each kind once
    positions = sorted(rng.sample(range(n), min(k, n)))
    order = KINDS[:]
    rng.shuffle(order)
    bad = {p: order[j % len(order)] for j, p in enumerate(positions)}
    templates = template_pages(n)
    kinds: dict[str, str] = {}
    made: dict[str, Path] = {}
    disk = 0
    for i in range(n):
        sub = folder_of(i)
        if i % PER_FOLDER == 0:
            (clean / sub).mkdir(parents=True)
            (hostile / sub).mkdir(parents=True)
        page = next(templates)
        name = f"page{i:06d}.txt"
        if htmls and i % 200 == 100:
            page, name = gzip.decompress(htmls[(i // 200) % len(htmls)].read_bytes()), \
                f"page{i:06d}.html"
        elif dumps and i % 50 == 25:
            page = dumps[(i // 50) % len(dumps)].read_bytes()
        (clean / sub / name).write_bytes(page)
        disk += len(page)
        if i not in bad:
            os.link(clean / sub / name, hostile / sub / name)
            continue
        kind, suffix, make, _ = bad[i]
        target = hostile / sub / f"page{i:06d}-{kind}{suffix}"
        kinds[f"{sub}/{target.name}"] = kind
        if make == "fifo":
            os.mkfifo(target)
        elif make == "devzero":
            target.symlink_to("/dev/zero")
        else:
            if kind not in made:
                made[kind] = store / f"{kind}{suffix}"
                if make == "gzip":
                    zeros_gzip(made[kind], 8 * 1024 * MB)
                else:
                    assert callable(make)
                    made[kind].write_bytes(make())
                disk += made[kind].stat().st_size
            os.link(made[kind], target)
    return clean, hostile, kinds, disk


# --- one run ------------------------------------------------------------------------------

def run(in_dir: Path, out_dir: Path, jobs: int, kill: float,
        timeout: float | None = None) -> dict:
    shutil.rmtree(out_dir, ignore_errors=True)
    report = out_dir.parent / f"{out_dir.name}.report.json"
    report.unlink(missing_ok=True)
    cmd = [exe("kt-clean"), "batch", str(in_dir), "-o", str(out_dir), "-r", "--force", "-q",
           "--jobs", str(jobs), "--report", str(report)]
    if timeout is not None:
        cmd += ["--timeout", f"{timeout:g}"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    samples: list[tuple[float, int]] = []
    hung = False
    while proc.poll() is None:
        now = time.perf_counter() - t0
        samples.append((now, tree_rss(proc.pid)))
        if now > kill:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        time.sleep(SAMPLE)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    data = json.loads(report.read_text()) if report.exists() else {}
    tenths: list[list[int]] = [[] for _ in range(10)]
    for t, rss in samples:
        tenths[min(9, int(10 * t / wall))].append(rss)
    errors: list[dict] = []
    errors_file = out_dir / "_errors.ndjson"
    if errors_file.exists():
        errors = [json.loads(line) for line in errors_file.read_text().splitlines() if line]
    temps = [str(p.relative_to(out_dir)) for p in out_dir.rglob("*")
             if p.name.startswith(".kt-clean-")] if out_dir.exists() else []
    outputs = sum(1 for p in out_dir.rglob("*") if p.is_file() and p.name != "_errors.ndjson"
                  and not p.name.startswith(".")) if out_dir.exists() else 0
    traceback = "Traceback (most recent call last)" in err
    res = {"wall": wall, "code": None if hung else proc.returncode, "hung": hung,
           "peak": max((r for _, r in samples), default=0),
           "median": statistics.median(r for _, r in samples) if samples else 0,
           "tenth_max": [max(s, default=0) for s in tenths],
           "tenth_median": [int(statistics.median(s)) if s else 0 for s in tenths],
           "report": data, "errors": errors, "temps": temps, "outputs": outputs,
           "traceback": traceback, "stderr_tail": err[-600:]}
    print(f"  {in_dir.name}: {wall:.1f} s, exit {res['code']}{' HUNG (killed)' if hung else ''}, "
          f"peak {res['peak'] / 1e6:.0f} MB, {len(errors)} failures "
          f"{dict(Counter(e['reason'] for e in errors))}, {outputs} outputs, "
          f"{len(temps)} temp files left"
          f"{', traceback on stderr' if traceback else ''}", flush=True)
    print("    MB per tenth (max/median): " + " ".join(
        f"{m / 1e6:.0f}/{d / 1e6:.0f}" for m, d in zip(res["tenth_max"], res["tenth_median"],
                                                         strict=True)), flush=True)
    return res


def per_kind(work: Path, hostile: Path, kinds: dict[str, str], kill: float
             ) -> dict[str, dict]:
    """Each kind's first page alone (and one clean page): `batch --jobs 1` on a folder of it."""
    print("each kind alone, --jobs 1:", flush=True)
    firsts: dict[str, str] = {"(one clean page)": "000/page000000.txt"}
    for rel, kind in sorted(kinds.items()):
        firsts.setdefault(kind, rel)
    out = {}
    for kind, rel in firsts.items():
        folder = work / "alone" / kind
        folder.mkdir(parents=True)
        src, dst = hostile / rel, folder / os.path.basename(rel)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))
        elif src.is_fifo():
            os.mkfifo(dst)
        else:
            os.link(src, dst)
        out[kind] = run(folder, work / "alone-out", 1, kill)
    return out


# --- the report ---------------------------------------------------------------------------

def mb(x: float) -> str:
    return f"{x / 1e6:,.0f}"


def check_kinds(res: dict, kinds: dict[str, str], in_dir: Path) -> dict[str, Counter]:
    """{kind: Counter of what happened to its pages (a reason, or 'cleaned')}."""
    by_path = {os.path.relpath(e["path"], in_dir): e["reason"] for e in res["errors"]}
    out: dict[str, Counter] = defaultdict(Counter)
    for rel, kind in kinds.items():
        out[kind][by_path.get(rel, "cleaned")] += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--share", type=float, default=0.0,
                    help="pathological share (default 0: each kind once, 12 pages)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="batch --timeout (default: the command's own, 30 s)")
    ap.add_argument("--section", default=SECTION,
                    help=f"the docs/{DOC} section to write (default {SECTION})")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each corpus (2)")
    ap.add_argument("--kill", type=float, default=1800.0, help="kill a run after this (s)")
    ap.add_argument("--no-per-kind", action="store_true",
                    help="skip the runs of each kind's page alone")
    ap.add_argument("--write", action="store_true", help="write the section in docs/")
    ap.add_argument("--tmp", default=None, help="folder for the corpus (default: system temp)")
    args = ap.parse_args()
    if args.write and f"<!-- bench:{args.section} -->" not in (
            Path(__file__).resolve().parent.parent / "docs" / DOC).read_text(encoding="utf-8"):
        raise SystemExit(f"docs/{DOC} has no <!-- bench:{args.section} --> marker; not writing")
    load = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {"clean": [], "hostile": []}
    with tempfile.TemporaryDirectory(prefix="kt-batch-hostile-", dir=args.tmp) as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        clean, hostile, kinds, disk = build(work, args.pages, args.share)
        print(f"built {args.pages:,} pages ({len(kinds)} pathological) in {work}, "
              f"{disk / 1e6:,.0f} MB on disk, {time.perf_counter() - t0:.0f} s", flush=True)
        for r in range(args.repeat):
            for name, folder in (("clean", clean), ("hostile", hostile)):
                print(f"run {r + 1} {name}", flush=True)
                runs[name].append(run(folder, work / f"out-{name}", args.jobs, args.kill,
                                      args.timeout))
        outcome = check_kinds(runs["hostile"][-1], kinds, hostile)
        alone = {} if args.no_per_kind else per_kind(work, hostile, kinds, args.kill)
        n_other = {"html": sum(1 for _ in clean.rglob("*.html")),
                   "dumps": sum(1 for i in range(args.pages) if i % 50 == 25
                                and (WCXB / "dumps-w3m").is_dir())}

    c_best = min(x["wall"] for x in runs["clean"])
    h_best = min(x["wall"] for x in runs["hostile"])
    ratio = h_best / c_best
    c_median = statistics.median(x["median"] for x in runs["clean"])
    flat_bound = FLAT_FACTOR * c_median + FLAT_SLACK
    h_tenths = [max(x["tenth_median"][i] for x in runs["hostile"]) for i in range(10)]
    flat = all(m <= flat_bound for m in h_tenths)
    hung = any(x["hung"] for xs in runs.values() for x in xs)
    temps = sorted({t for xs in runs.values() for x in xs for t in x["temps"]})
    tracebacks = any(x["traceback"] for xs in runs.values() for x in xs)
    ok = ratio < TARGET_RATIO and flat and not hung and not temps and not tracebacks

    def times(name: str) -> str:
        return " / ".join(f"{x['wall']:.1f}" for x in runs[name])

    def peaks(name: str) -> str:
        return " / ".join(mb(x["peak"]) for x in runs[name])

    rows = [
        ("wall time, s (each run)", times("clean"), times("hostile")),
        ("exit code", " / ".join(str(x["code"]) for x in runs["clean"]),
         " / ".join(str(x["code"]) for x in runs["hostile"])),
        ("peak RSS, MB (each run)", peaks("clean"), peaks("hostile")),
        ("median RSS, MB (each run)", " / ".join(mb(x["median"]) for x in runs["clean"]),
         " / ".join(mb(x["median"]) for x in runs["hostile"])),
        ("failures listed (last run)",
         str(len(runs["clean"][-1]["errors"])), str(len(runs["hostile"][-1]["errors"]))),
        ("outputs written (last run)",
         f"{runs['clean'][-1]['outputs']:,}", f"{runs['hostile'][-1]['outputs']:,}"),
        ("temporary files left in OUT", str(sum(len(x["temps"]) for x in runs["clean"])),
         str(sum(len(x["temps"]) for x in runs["hostile"]))),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    tenth_rows = "\n".join(
        f"| {name} run {j + 1} | " + " | ".join(
            f"{mb(m)} / {mb(d)}" for m, d in zip(x["tenth_max"], x["tenth_median"], strict=True))
        + " |"
        for name in ("clean", "hostile") for j, x in enumerate(runs[name]))
    reasons: dict[str, Counter] = {n: Counter(e["reason"] for e in runs[n][-1]["errors"])
                                   for n in runs}
    all_reasons = sorted(set(reasons["clean"]) | set(reasons["hostile"]))
    reason_rows = "\n".join(f"| `{r}` | {reasons['clean'][r]} | {reasons['hostile'][r]} |"
                            for r in all_reasons) or "| (none) | 0 | 0 |"
    kind_rows = []
    for kind, _, _, right in KINDS:
        if args.timeout is not None and not right:  # a page cleaned in full may take longer
            right = {"cleaned", "timeout"}
        got = outcome.get(kind, Counter())
        want = ", ".join(sorted(right)) or "cleaned"
        wrong = [k for k in got if (k not in right if right else k != "cleaned")]
        want = want.replace("cleaned, timeout", "cleaned or timeout")
        a = alone.get(kind)
        cost = f"{a['wall']:.2f} | {mb(a['peak'])}" if a else " | "
        kind_rows.append(f"| {kind} | {sum(got.values())} | "
                         + ", ".join(f"{k} {v}" for k, v in sorted(got.items()))
                         + f" | {want} | {'**unexpected**' if wrong else 'ok'} | {cost} |")
    if "(one clean page)" in alone:
        a = alone["(one clean page)"]
        kind_rows.append(f"| (one clean page) | | | | | {a['wall']:.2f} | {mb(a['peak'])} |")
    verdict = (f"**{'met' if ok else 'not met'}**: hostile/clean time **{ratio:.2f}x** "
               f"(target < {TARGET_RATIO:g}x: {'yes' if ratio < TARGET_RATIO else 'no'}); "
               f"memory {'flat' if flat else '**not flat**'} (median RSS of every tenth of the "
               f"hostile runs under {mb(flat_bound)} MB = {FLAT_FACTOR:g} x the clean median "
               f"+ {mb(FLAT_SLACK)} MB: largest {mb(max(h_tenths))} MB)"
               + ("; a run hung and was killed" if hung else "")
               + (f"; temporary files left: {', '.join(temps[:5])}" if temps else "")
               + ("; a traceback on stderr" if tracebacks else "") + ".")
    others = (f", {n_other['dumps']:,} wcxb-dev text dumps and {n_other['html']:,} wcxb-dev "
              "HTML pages (other sites)" if n_other["html"] or n_other["dumps"] else "")
    timeout_opt = "" if args.timeout is None else f" --timeout {args.timeout:g}"
    body = f"""Measured by `python bench/batch_hostile.py` on {machine()}; the one-minute load
average was {load:.1f} when it started (the two cores are shared, so times are noisy: each
corpus ran {args.repeat} times, clean and hostile in turn, and the ratio is of the fastest
runs). Each run: `kt-clean batch IN -o OUT -r --force -q --jobs {args.jobs}{timeout_opt}` into an
empty OUT.

Corpus: {args.pages:,} pages in folders of 1,000: template pages from `bench/make_corpus.py`
(Korea Times){others}. The hostile corpus replaces {len(kinds)} of them
({len(kinds) / args.pages:.1%}, seeded positions) with pathological pages, the kinds in turn.

{verdict}

| | clean | hostile |
|---|---|---|
{table}

Memory over the run: the largest sum of the resident sets of the batch process and its
workers (sampled every {SAMPLE:g} s) in each tenth of the run's wall time, largest / median
sample, MB:

| run | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 |
|---|---|---|---|---|---|---|---|---|---|---|
{tenth_rows}

Failures by reason (`OUT/_errors.ndjson`, last run):

| reason | clean | hostile |
|---|---|---|
{reason_rows}

What happened to each kind of pathological page (last hostile run), and the cost of its
first page alone (`batch DIR -o OUT --jobs 1` on a folder of that page only, wall time and
peak RSS of the command; the last row is one clean page, for the start-up cost):

| kind | pages | outcome | right outcome | check | alone: s | alone: MB |
|---|---|---|---|---|---|---|
{chr(10).join(kind_rows)}
"""
    print(body)
    if args.write:
        print("wrote", update_section(DOC, args.section, body))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
