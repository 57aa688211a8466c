#!/usr/bin/env python3
"""The text pipeline's cost per page in CPU instructions, with every built-in layout and with
only the two first ones (print and full-nav): what the other Korea Times designs add to each
page's detection and cleaning.

    python bench/instructions.py [--pages 300] [--against TREE] [--no-write]

With ``--against TREE`` (a checkout of another commit, e.g. ``git worktree add /tmp/base
COMMIT``), that tree's package with all its built-in layouts is counted too, on the same
pages: the cost of a page today against the cost then.

Instructions are counted by valgrind's callgrind, which other work on the machine does not
disturb (wall-clock timings on a shared machine vary by tens of percent between runs). The
steady-state cost of a page is the difference between a run over 2N pages and one over N,
divided by N: start-up and the first page's one-off work (imports, pattern compiles) cancel
out. The pages are those of bench/speed.py (seed-sized template pages). Needs valgrind.
Writes the figures to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, update_section

FIRST_LAYOUTS = ("print", "full-nav")


def child(n: int, which: str) -> None:
    from speed import template_pages

    import kt_clean  # from --against's tree when PYTHONPATH names one
    from kt_clean.inputs import load_bytes
    from kt_clean.layouts import builtin_layouts

    layouts = builtin_layouts()
    if which == "first":
        layouts = tuple(lay for lay in layouts if lay.name in FIRST_LAYOUTS)
    for i, data in enumerate(template_pages(n)):
        doc = load_bytes(data, f"p{i}.txt")[0]
        kt_clean.render(kt_clean.article(doc, layouts), "json")


def collected(n: int, which: str, tree: str | None = None) -> int:
    """Instructions of one process over ``n`` pages, as callgrind counts them."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           sys.executable, __file__, "--child", str(n), "--which", which]
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.path.abspath(tree)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(m.group(1))


def per_page(n: int, which: str, tree: str | None = None) -> float:
    return (collected(2 * n, which, tree) - collected(n, which, tree)) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/ alone")
    ap.add_argument("--against", metavar="TREE", help="a checkout of another commit to count")
    ap.add_argument("--against-label", help="how the table names the other tree")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--which", default="all", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.which)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("bench/instructions.py needs valgrind (apt-get install valgrind)")
    from kt_clean.layouts import builtin_layouts

    count = len(builtin_layouts())
    every = per_page(args.pages, "all")
    first = per_page(args.pages, "first")
    extra = every / first - 1
    table = (f"| layouts | instructions per template page |\n|---|---|\n"
             f"| the two first ones (print, full-nav) | {first / 1e6:.2f} M |\n"
             f"| all {count} built-in | {every / 1e6:.2f} M ({extra:+.1%}) |\n")
    if args.against:
        then = per_page(args.pages, "all", args.against)
        table += (f"| {args.against_label or 'the other tree'}, all its built-in layouts "
                  f"| {then / 1e6:.2f} M (this tree: {every / then - 1:+.1%}) |\n")
    print(table)
    if not args.no_write:
        update_section("performance.md", "instructions", table)


if __name__ == "__main__":
    main()
