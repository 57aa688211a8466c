#!/usr/bin/env python3
"""Speed of the text pipeline: start-up of one `kt-clean extract` process, and pages/s in
one process on one core. Writes the figures to docs/performance.md.

    python bench/speed.py [--runs 30] [--pages 20000] [--against OTHER/bin/kt-clean]

With ``--against``, another install of kt-clean (an older commit, say) is measured in the
same run, in turn with this one: its start-up alternates with this install's, and its
throughput runs on the same pages in its own interpreter (the ``python`` beside its
``kt-clean``), so the two are compared on the machine in the same state.

Seed-sized pages: the two seeds and the hand-written template variants in tests/pages/,
with their paragraphs shuffled and words swapped so that no two pages are the same text.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, update_section

import kt_clean
from kt_clean.inputs import load_bytes

SEED = ROOT / "seeds" / "003_67df4e5bb0c6f5bf.txt"


def template_pages(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    sources = sorted((ROOT / "seeds").glob("*.txt")) + sorted(
        p for p in (ROOT / "tests" / "pages").glob("*.txt") if p.name.startswith(("print", "fullnav")))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    words = " ".join(texts).split()
    pages = []
    for i in range(n):
        lines = texts[i % len(texts)].split("\n")
        out = []
        for line in lines:
            if len(line) > 120 and rng.random() < 0.5:  # vary the prose, keep the chrome
                toks = line.split(" ")
                k = rng.randrange(len(toks))
                toks[k] = rng.choice(words)
                line = " ".join(toks)
            out.append(line)
        pages.append("\n".join(out).encode("utf-8"))
    return pages


def startup(runs: int, exe: str | None = None) -> tuple[float, float, str, float]:
    """The command's start-up, median and best of ``runs`` (ms), and, run in turn with it
    so that both see the machine in the same state, the median start of an interpreter that
    only imports the CLI framework (``python -c "import typer"``): the floor under any
    typer command on this machine at this moment."""
    exe = exe or str(Path(sys.executable).with_name("kt-clean"))
    if not Path(exe).exists():
        exe = shutil.which("kt-clean") or exe
    cmd = [exe, "extract", str(SEED.relative_to(ROOT)), "--json"]
    floor_cmd = [sys.executable, "-c", "import typer"]
    # As a user runs it: with bytecode caches (pip writes them at install; an editable
    # install writes them on first import). PYTHONDONTWRITEBYTECODE, set in some sandboxes,
    # would make every run compile the package from source.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, env=env)  # warm the caches
    subprocess.run(floor_cmd, cwd=ROOT, check=True, capture_output=True, env=env)
    times, floor = [], []
    for _ in range(runs):
        for command, out in ((cmd, times), (floor_cmd, floor)):
            t0 = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
            out.append(time.perf_counter() - t0)
    return (statistics.median(times) * 1000, min(times) * 1000, " ".join(cmd[1:]),
            statistics.median(floor) * 1000)


# The same loop as `throughput`, for another install's interpreter (an older layout of the
# package kept `load_bytes` in `kt_clean.reading`).
OTHER_THROUGHPUT = """
import sys, time, pickle
import kt_clean
try:
    from kt_clean.inputs import load_bytes
except ImportError:
    from kt_clean.reading import load_bytes
pages = pickle.load(sys.stdin.buffer)
def run(pages):
    t0 = time.perf_counter()
    for i, data in enumerate(pages):
        [doc] = load_bytes(data, f"p{i}.txt")
        kt_clean.render(kt_clean.article(doc), "json")
    return len(pages) / (time.perf_counter() - t0)
run(pages[:200])
print(run(pages))
"""


def other_throughput(exe: str, pages: list[bytes]) -> float:
    import pickle

    python = str(Path(exe).with_name("python"))
    out = subprocess.run([python, "-c", OTHER_THROUGHPUT], input=pickle.dumps(pages),
                         capture_output=True, check=True, cwd="/")
    return float(out.stdout.decode().strip().splitlines()[-1])


def throughput(pages: list[bytes]) -> tuple[float, dict[str, int]]:
    layouts: dict[str, int] = {}
    t0 = time.perf_counter()
    for i, data in enumerate(pages):
        [doc] = load_bytes(data, f"p{i}.txt")
        art = kt_clean.article(doc)
        kt_clean.render(art, "json")
        layouts[art.layout] = layouts.get(art.layout, 0) + 1
    return len(pages) / (time.perf_counter() - t0), layouts


def reference() -> tuple[float, float]:
    """How fast this machine is right now: a bare interpreter start (ms, median of 10) and a
    fixed pure-Python loop (s). The figures above move with these; compare runs with them."""
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return statistics.median(times) * 1000, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/ alone")
    ap.add_argument("--against", metavar="KT_CLEAN", help="another install's kt-clean, measured "
                    "in the same run (printed, not written)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    bare_ms, loop_s = reference()
    median_ms, best_ms, cmd, typer_ms = startup(args.runs)
    pages = template_pages(args.pages)
    throughput(pages[:200])  # warm-up: regex compile, layout load
    rate, layouts = throughput(pages)
    size = sum(map(len, pages)) / len(pages)
    if args.against:
        compare(args, pages, median_ms, rate)

    body = f"""## Text pipeline

Measured by `python bench/speed.py` on {machine()}.

| what | target | measured |
|---|---|---|
| `kt-clean {cmd}` as a fresh process, median of {args.runs} | <= 150 ms | **{median_ms:.0f} ms** (best {best_ms:.0f} ms) |
| pages/s in one process, one core (decode + detect + strip + article + JSON) | >= 2,000 | **{rate:,.0f} pages/s** |

Machine speed at the time (the figures move with it; this machine's speed drifts by up to
2x within a day): a bare `python -S -c pass` starts in {bare_ms:.0f} ms; a fixed
10-million-step Python loop takes {loop_s:.2f} s; `python -c "import typer"`, the CLI
framework alone, run in turn with the command, starts in {typer_ms:.0f} ms (median): the
command's own share of its start-up is {median_ms - typer_ms:.0f} ms.

The throughput corpus: {len(pages):,} seed-sized pages (mean {size / 1000:.1f} KB; layouts
{", ".join(f"{k} {v:,}" for k, v in sorted(layouts.items()))}) made from the seeds and the
template variants in `tests/pages/` with words of the prose varied.

The fresh process runs with Python's bytecode caches, as an installed command does (the
benchmark unsets `PYTHONDONTWRITEBYTECODE` for it, which the sandbox these figures were
taken in sets: with no cache written, every run compiles the package from source, and this
day's earlier start-up figures of 180 to 263 ms were taken that way).

Start-up is kept small by doing only what the page needs. Nothing heavy is imported for a
text page: no trafilatura, readability or lxml (they load only for HTML pages), no numpy or
classifier (only pages of unknown layout), no chardet unless a page is not UTF-8, no TOML
parser (the built-in layouts ship pre-parsed in `kt_clean/layouts/rules/builtin.json`, with each
pattern's prefilter literals), no `importlib.metadata` for the version. Only the command
being run is imported and built, and a built-in pattern compiles on first use (21 of 48 for
this page). typer is held below 0.29, which imports pydantic at start-up (about 150 ms more
per call on this machine). What remains (`python -X importtime`, cProfile) is mostly the
interpreter and typer with its bundled click (the floor above); then the package's modules
(about 10 ms), the command's options, the patterns the page needs and the page itself.

In one process, a page's time goes to detection (each layout's signatures: whole-line
literal patterns are looked up in one table of the page's lines, others are skipped unless
their literal is on the page), the line rules, zones, header walk and body labels, then the
article and its JSON: small Python steps, no single hot spot left (profile with
`python -m cProfile bench/speed.py --no-write`).
"""
    print(body)
    if not args.no_write:
        print("wrote", update_section("performance.md", "speed", body, "Performance"))


def compare(args: argparse.Namespace, pages: list[bytes], median_ms: float, rate: float) -> None:
    """This install against another, in turn: start-up twice more each, then throughput."""
    rows = []
    for _ in range(2):
        mine = startup(args.runs)[0]
        other = startup(args.runs, args.against)[0]
        rows.append((mine, other))
    other_rate = other_throughput(args.against, pages)
    mine_rate = throughput(pages)[0]
    print(f"against {args.against}:")
    for k, (mine, other) in enumerate([(median_ms, None), *rows]):
        if other is not None:
            print(f"  start-up round {k}: this {mine:.0f} ms, other {other:.0f} ms")
    print(f"  pages/s: this {rate:,.0f} and {mine_rate:,.0f}, other {other_rate:,.0f}")


if __name__ == "__main__":
    main()
