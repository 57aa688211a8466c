#!/usr/bin/env python3
"""Time of kt-clean's HTML path per page, against another tree of the source (an older
commit), on the same WCXB-dev pages in the same run.

    python bench/html_speed.py [--pages 300] [--rounds 3] [--against TREE] [--label L]
                               [--instructions N] [--fast] [--trafilatura] [--no-write]

Each round runs, in turn, this tree and ``--against`` (``git worktree add /tmp/kt-base
COMMIT``), each in a fresh interpreter that imports its own ``kt_clean`` and extracts every
page once to warm up, then again timed (CPU time of the process, so that other work on the
machine weighs less). The figure is the median over rounds of the per-page mean. Writes
``<!-- bench:html-speed -->`` in docs/performance.md unless ``--no-write``.

With ``--instructions N``, each tree's cost is also counted in CPU instructions by
valgrind's callgrind on N of the pages (evenly spread): one process extracts them once to
warm up, then again inside ``sys.call_tracing``, and callgrind collects only inside that
call (``--collect-atstart=no --toggle-collect=sys_call_tracing``; nothing else calls it):
one warm pass per page, start-up and first-use costs left out. Other work on the machine
does not change that count (CPU time on a shared machine moves by tens of percent between
runs); it takes a few minutes a tree (earlier figures in docs/performance.md took the
difference of a two-pass and a one-pass process: the same quantity at twice the cost).

With ``--fast``, both trees extract with ``Limits(fast=True)`` (``--fast``: the HTML line
model without the extractors; the other tree must have it too), and nothing is written.

With ``--trafilatura``, trafilatura alone is timed (and counted) on the same pages as well,
as ``bench/html_quality.py`` runs it (``trafilatura.extract`` of the decoded HTML): issue
13's budget for the default path is trafilatura's time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _report import SHARED_DATA, machine, update_section  # noqa: E402

DATA = SHARED_DATA / "wcxb-dev"

_WORKER = r"""
import gzip, json, logging, sys, time
logging.disable(logging.CRITICAL)
sys.path.insert(0, sys.argv[1])
import kt_clean
paths = json.loads(sys.argv[2])
counted = sys.argv[3] == "count"
mode = sys.argv[4]
limits = kt_clean.Limits(fast=True) if mode == "fast" else kt_clean.Limits()
pages = [gzip.open(p).read() for p in paths]
if mode == "trafilatura":  # as bench/html_quality.py runs it: from the decoded HTML
    import trafilatura
    pages = [raw.decode("utf-8", "replace") for raw in pages]
def run():
    for i, raw in enumerate(pages):
        try:
            if mode == "trafilatura":
                trafilatura.extract(raw)
            else:
                kt_clean.extract(raw, source=f"{i}.html", limits=limits)
        except Exception:
            pass
if counted:  # by callgrind, from outside: a warm-up, then the counted pass
    run()
    sys.call_tracing(run, ())
    sys.exit(0)
run()
t = time.process_time()
run()
print(json.dumps({"ms_per_page": 1000 * (time.process_time() - t) / len(pages),
                  "module": kt_clean.__file__}))
"""


def measure(tree: Path, paths: list[str], mode: str = "default") -> float:
    """CPU ms per page of one warm pass (``mode``: ``default``, ``fast`` or ``trafilatura``)."""
    out = subprocess.run([sys.executable, "-c", _WORKER, str(tree), json.dumps(paths), "time",
                          mode],
                         capture_output=True, text=True, check=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    assert Path(res["module"]).resolve().is_relative_to(tree.resolve()), res["module"]
    return float(res["ms_per_page"])


def instructions(tree: Path, paths: list[str], mode: str = "default") -> float:
    """Instructions of one warm pass, per page."""
    import re

    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           "--collect-atstart=no", "--toggle-collect=sys_call_tracing", sys.executable,
           "-c", _WORKER, str(tree), json.dumps(paths), "count", mode]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(m.group(1)) / len(paths)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--against", type=Path, default=None)
    ap.add_argument("--label", default="the other tree")
    ap.add_argument("--instructions", type=int, default=0, metavar="N",
                    help="also count instructions per page on N pages (needs valgrind)")
    ap.add_argument("--fast", action="store_true",
                    help="extract with Limits(fast=True) (implies --no-write)")
    ap.add_argument("--trafilatura", action="store_true",
                    help="also time (and with --instructions, count) trafilatura.extract on "
                         "the same pages, as bench/html_quality.py runs it")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    mode = "fast" if args.fast else "default"
    html = args.data / "html"
    if not html.is_dir():
        print(f"html_speed: data not found ({html}); skipping.")
        return 0
    files = sorted(html.glob("*.html.gz"))
    step = max(1, len(files) // args.pages)
    paths = [str(p) for p in files[::step][: args.pages]]
    ours: list[float] = []
    theirs: list[float] = []
    tf: list[float] = []
    for _ in range(args.rounds):
        ours.append(measure(ROOT, paths, mode))
        if args.against is not None:
            theirs.append(measure(args.against, paths, mode))
        if args.trafilatura:
            tf.append(measure(ROOT, paths, "trafilatura"))
    a = statistics.median(ours)
    lines = ["## HTML path, per page", "",
             f"Measured by `python bench/html_speed.py --pages {len(paths)} --rounds "
             f"{args.rounds}` on every {step}th WCXB-dev page ({machine()}): CPU time of the "
             "whole `kt_clean.extract` (decode, parse, render, extract, metadata, page type), "
             "per page, median of the rounds" + (", `--fast`" if args.fast else "") + ".", "",
             "| tree | ms per page |", "|---|---|", f"| this one | {a:.1f} |"]
    if theirs:
        b = statistics.median(theirs)
        lines += [f"| {args.label} | {b:.1f} |", "",
                  f"This tree takes {100 * (a / b - 1):+.1f}% of {args.label}'s time."]
    if tf:
        c = statistics.median(tf)
        lines += ["", f"trafilatura.extract on the same pages (from the decoded HTML, its "
                      f"default settings): {c:.1f} ms per page; this tree takes "
                      f"{a / c:.2f}x its time."]
    if args.instructions:
        import shutil

        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
        every = max(1, len(files) // args.instructions)
        sample = [str(p) for p in files[::every][: args.instructions]]
        ins_a = instructions(ROOT, sample, mode)
        lines += ["", f"Instructions per page (callgrind, one warm pass over every {every}th "
                      f"page, {len(sample)} pages): this tree {ins_a / 1e6:.1f} M"]
        if args.against is not None:
            ins_b = instructions(args.against, sample, mode)
            lines[-1] += (f", {args.label} {ins_b / 1e6:.1f} M: "
                          f"{100 * (ins_a / ins_b - 1):+.1f}%.")
        else:
            lines[-1] += "."
        if args.trafilatura:
            ins_t = instructions(ROOT, sample, "trafilatura")
            lines[-1] += (f" trafilatura {ins_t / 1e6:.1f} M: this tree {ins_a / ins_t:.2f}x "
                          "trafilatura's count.")
    body = "\n".join(lines)
    print(body)
    print(f"rounds: ours {ours}, theirs {theirs}, trafilatura {tf}", file=sys.stderr)
    if not args.no_write and not args.fast:
        update_section("performance.md", "html-speed", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
