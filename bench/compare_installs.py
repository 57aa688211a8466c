#!/usr/bin/env python3
"""Prove that a refactoring changed no output: run two installs of kt-clean on the same pages
and compare what they print (stdout, stderr and exit code), byte for byte.

    python bench/compare_installs.py --old OLD --new NEW [--only SET ...] [--keep DIR]
                                     [--pages 6000] [--sample 400] [--chunk 500]

OLD and NEW are the paths of two ``kt-clean`` executables, e.g. ``/tmp/venv-old/bin/kt-clean``
(an install of the code before the change) and ``.venv/bin/kt-clean`` (after). Anything that
takes kt-clean's arguments will do, such as a wrapper script. The script itself imports
nothing from kt_clean and needs only the standard library, so any Python 3.11 runs it.

Sets (--only SET, repeatable, runs only those):

  seeds       seeds/*.txt
  pages       tests/pages/*.txt
  fixtures    tests/fixtures/**/*.html
  templates   --pages (6,000) template pages built by ``bench/make_corpus.py OUT --no-wcxb``
              into a temporary folder (or DIR/corpus with --keep)
  wcxb-text   a fixed-seed sample of --sample (400) wcxb-dev page ids present both as text
              dumps (``../shared/data/wcxb-dev/dumps-w3m/ID.txt``) and as HTML
              (``html/ID.html.gz``): their text dumps ...
  wcxb-html   ... and their HTML. Both wcxb sets are skipped, with a message, when the
              folder is absent.

Views, each run by both installs on every set, many pages per call (--chunk, 500; 100 for
HTML so that progress shows):

  extract --json --explain | extract --markdown | detect | detect --json | diff | extract

Every call runs with the repository as working folder (pages of the repository are passed by
relative paths), stdin from /dev/null, stdout and stderr to pipes (not a terminal), and
NO_COLOR=1 COLUMNS=100 LINES=40 PYTHONHASHSEED=0 (--hash-seed; 'random' leaves it unset)
with FORCE_COLOR and the like removed, so the output is the same on every run. The old and
the new install run each call at the same time (two threads).

Output: a table (set, view, files, calls, result) on stdout. A result is "identical" (with a
note when the calls exited non-zero on both sides, e.g. an empty page among them) or the
number of calls that differ, with the stdout and stderr lines only in the old output and only
in the new one (-old/+new, counted as multisets) and the calls whose exit codes differ. Then
for each set and view that differs its first difference: the call and the first page that differs on its own (found by
halving the call's pages), and for stdout and stderr a unified diff of the few hundred bytes
around the first differing byte. Progress goes to stderr. With --keep DIR every call's
outputs are kept as DIR/SET/VIEW/callNNN.{old,new}.{stdout,stderr,exit} next to the list of
its pages (callNNN.files), and the template corpus as DIR/corpus.

Exit code: 0 when every compared output is identical (skipped sets do not count), 1 when
some differ, 2 on a usage error.

A self-check (must report all identical):
    python bench/compare_installs.py --old /tmp/venv-old/bin/kt-clean --new /tmp/venv-old/bin/kt-clean
"""

from __future__ import annotations

import argparse
import difflib
import functools
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, SHARED_DATA

WCXB = SHARED_DATA / "wcxb-dev"
SEED = 20240601
SETS = ("seeds", "pages", "fixtures", "templates", "wcxb-text", "wcxb-html")
VIEWS: tuple[tuple[str, ...], ...] = (
    ("extract", "--json", "--explain"),
    ("extract", "--markdown"),
    ("detect",),
    ("detect", "--json"),
    ("diff",),
    ("extract",),
)
ENV = {"NO_COLOR": "1", "COLUMNS": "100", "LINES": "40"}
ENV_DROP = ("FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
            "TERM_PROGRAM", "JUPYTER_COLUMNS", "JUPYTER_LINES")
HTML_CHUNK = 100
AROUND = 200  # bytes shown before and after the first differing byte


@dataclass(frozen=True)
class Output:
    stdout: bytes
    stderr: bytes
    exit: str  # the exit code, or "timeout"


@dataclass
class PageSet:
    name: str
    files: list[str]
    chunk: int
    skipped: str = ""  # why the set was not run


@dataclass
class Result:
    set: str
    view: str
    files: int
    calls: int = 0
    differing_calls: int = 0
    stdout_lines: list[int] = field(default_factory=lambda: [0, 0])  # only old, only new
    stderr_lines: list[int] = field(default_factory=lambda: [0, 0])
    exit_calls: int = 0
    failed_calls: int = 0  # calls whose old exit code was not 0
    first: str = ""  # the report of the first difference
    skipped: str = ""

    def cell(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        if not self.differing_calls:
            failed = f" (both exit non-zero in {self.failed_calls} calls)" if self.failed_calls else ""
            return "identical" + failed
        parts = []
        for name, (old, new) in (("stdout", self.stdout_lines), ("stderr", self.stderr_lines)):
            if old or new:
                parts.append(f"{name} -{old:,}/+{new:,} lines")
        if self.exit_calls:
            parts.append(f"exit code in {self.exit_calls} call(s)")
        if not parts:
            parts.append("same lines, other order")
        return f"**DIFFERS** in {self.differing_calls}/{self.calls} calls: " + ", ".join(parts)


def run_env(hash_seed: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    env.update(ENV)
    if hash_seed == "random":
        env.pop("PYTHONHASHSEED", None)
    else:
        env["PYTHONHASHSEED"] = hash_seed
    return env


def run(exe: str, args: list[str], env: dict[str, str], timeout: float) -> Output:
    try:
        proc = subprocess.run([exe, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        return Output(e.stdout or b"", e.stderr or b"", "timeout")
    return Output(proc.stdout, proc.stderr, str(proc.returncode))


# -- the page sets ---------------------------------------------------------------------------

def rel(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


def wcxb_ids(n: int) -> list[str]:
    """A fixed-seed sample of ``n`` ids with both a text dump and an HTML page, in order."""
    txt = {p.stem for p in (WCXB / "dumps-w3m").glob("*.txt")}
    html = {p.name.removesuffix(".html.gz") for p in (WCXB / "html").glob("*.html.gz")}
    ids = sorted(txt & html)
    return sorted(random.Random(SEED).sample(ids, min(n, len(ids))))


def build_templates(folder: Path, pages: int) -> list[str]:
    cmd = [sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(folder), "--pages",
           str(pages), "--no-wcxb"]
    print(f"building the template corpus: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=sys.stderr)
    return [str(p) for p in sorted((folder / "templates").glob("*/*.txt"))]


def page_sets(names: list[str], args: argparse.Namespace, corpus: Path) -> list[PageSet]:
    sets = []
    ids: list[str] | None = None
    for name in names:
        if name == "seeds":
            sets.append(PageSet(name, rel(sorted((ROOT / "seeds").glob("*.txt"))), args.chunk))
        elif name == "pages":
            sets.append(PageSet(name, rel(sorted((ROOT / "tests" / "pages").glob("*.txt"))),
                                args.chunk))
        elif name == "fixtures":
            files = rel(sorted((ROOT / "tests" / "fixtures").glob("**/*.html")))
            sets.append(PageSet(name, files, min(args.chunk, HTML_CHUNK),
                                "" if files else "no tests/fixtures/**/*.html"))
        elif name == "templates":
            sets.append(PageSet(name, build_templates(corpus, args.pages), args.chunk))
        elif not ((WCXB / "dumps-w3m").is_dir() and (WCXB / "html").is_dir()):
            print(f"{name}: {WCXB} (dumps-w3m/, html/) not found; skipped", file=sys.stderr)
            sets.append(PageSet(name, [], args.chunk, f"{WCXB} not found"))
        else:
            ids = wcxb_ids(args.sample) if ids is None else ids
            if name == "wcxb-text":
                files = [str(WCXB / "dumps-w3m" / f"{i}.txt") for i in ids]
                sets.append(PageSet(name, files, args.chunk))
            else:
                files = [str(WCXB / "html" / f"{i}.html.gz") for i in ids]
                sets.append(PageSet(name, files, min(args.chunk, HTML_CHUNK)))
    return sets


# -- describing a difference -----------------------------------------------------------------

def line_counts(a: bytes, b: bytes) -> tuple[int, int]:
    """Lines only in ``a`` and lines only in ``b``, counted as multisets."""
    ca, cb = Counter(a.splitlines()), Counter(b.splitlines())
    return sum((ca - cb).values()), sum((cb - ca).values())


def show(line: str) -> str:
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", line)


def excerpt(name: str, a: bytes, b: bytes) -> str:
    """A unified diff of the bytes around the first byte where ``a`` and ``b`` differ."""
    p = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    line_start = a.rfind(b"\n", 0, p) + 1
    line_no = a.count(b"\n", 0, p) + 1
    start = max(0, p - AROUND)
    nl = a.find(b"\n", start, p)
    cut_head = start > line_start and nl < 0  # the first shown line is cut at its start
    if nl >= 0 and start > 0:
        start = nl + 1
    first_line = a.count(b"\n", 0, start) + 1

    def segment(x: bytes) -> list[str]:
        seg = x[start:p + AROUND]
        cut_tail = start + len(seg) < len(x)  # more bytes follow the shown ones
        end_nl = seg.rfind(b"\n", p - start)
        if cut_tail and end_nl >= 0:  # end at a line's end where one is near
            seg, cut_tail = seg[:end_nl + 1], False
        if not seg:
            return []
        text = seg.decode("utf-8", "backslashreplace")
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        elif cut_tail:
            lines[-1] += "…"
        else:
            lines[-1] += "  [no newline at end]"
        if cut_head:
            lines[0] = "…" + lines[0]
        return [show(line) for line in lines]

    if len(a) == len(b) == p:
        return ""
    diff = []
    for line in difflib.unified_diff(segment(a), segment(b), "old", "new", lineterm="", n=3):
        m = re.match(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", line)
        if m:  # number the hunk by the lines of the whole output
            off = first_line - 1
            line = (f"@@ -{int(m[1]) + off}{m[2] or ''} +{int(m[3]) + off}{m[4] or ''} @@")
        diff.append("    " + line)
    where = (f"{name}: first difference at byte {p + 1:,} (line {line_no:,}, column "
             f"{p - line_start + 1:,}); old {len(a):,} bytes, new {len(b):,} bytes")
    return "\n".join([where, *diff])


def locate(files: list[str], differs: Callable[[list[str]], bool]) -> str:
    """The first page of ``files`` (which differ together) that differs on its own."""
    while len(files) > 1:
        half = len(files) // 2
        if differs(files[:half]):
            files = files[:half]
        elif differs(files[half:]):
            files = files[half:]
        else:
            return (f"no page differs on its own: only {len(files)} pages together, from "
                    f"{files[0]} to {files[-1]}")
    return files[0]


def describe(k: int, calls: int, chunk: list[str], old: Output, new: Output, page: str) -> str:
    out = [f"call {k}/{calls} ({len(chunk)} pages, {chunk[0]} ... {chunk[-1]})",
           f"first page that differs: {page}"]
    if old.exit != new.exit:
        out.append(f"exit code: old {old.exit}, new {new.exit}")
    for name, a, b in (("stdout", old.stdout, new.stdout), ("stderr", old.stderr, new.stderr)):
        if a != b:
            out.append(excerpt(name, a, b))
    return "\n".join(out)


# -- running ---------------------------------------------------------------------------------

def slug(view: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", view).strip("-")


def keep_call(folder: Path, k: int, chunk: list[str], old: Output, new: Output) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"call{k:03d}.files").write_text("".join(f"{f}\n" for f in chunk))
    for side, o in (("old", old), ("new", new)):
        (folder / f"call{k:03d}.{side}.stdout").write_bytes(o.stdout)
        (folder / f"call{k:03d}.{side}.stderr").write_bytes(o.stderr)
        (folder / f"call{k:03d}.{side}.exit").write_text(o.exit + "\n")


def compare_set(ps: PageSet, args: argparse.Namespace, env: dict[str, str],
                pool: ThreadPoolExecutor) -> list[Result]:
    def both(argv: list[str]) -> tuple[Output, Output]:
        fo = pool.submit(run, args.old, argv, env, args.timeout)
        fn = pool.submit(run, args.new, argv, env, args.timeout)
        return fo.result(), fn.result()

    def differs(view_args: tuple[str, ...], files: list[str]) -> bool:
        old, new = both([*view_args, *files])
        return old != new

    if ps.skipped:
        return [Result(ps.name, "(all views)", 0, skipped=ps.skipped)]
    results = []
    chunks = [ps.files[i:i + ps.chunk] for i in range(0, len(ps.files), ps.chunk)]
    for view_args in VIEWS:
        view = " ".join(view_args)
        res = Result(ps.name, view, len(ps.files), len(chunks))
        results.append(res)
        t0 = last = time.perf_counter()
        for k, chunk in enumerate(chunks, 1):
            old, new = both([*view_args, *chunk])
            if args.keep:
                keep_call(args.keep / ps.name / slug(view), k, chunk, old, new)
            res.failed_calls += old.exit != "0"
            if old != new:
                res.differing_calls += 1
                for counts, a, b in ((res.stdout_lines, old.stdout, new.stdout),
                                     (res.stderr_lines, old.stderr, new.stderr)):
                    o, n = line_counts(a, b)
                    counts[0] += o
                    counts[1] += n
                res.exit_calls += old.exit != new.exit
                if not res.first:
                    print(f"  [{ps.name}] {view}: call {k} differs; finding its first page",
                          file=sys.stderr, flush=True)
                    page = locate(chunk, functools.partial(differs, view_args))
                    res.first = describe(k, len(chunks), chunk, old, new, page)
            now = time.perf_counter()
            if now - last > 5 and k < len(chunks):
                print(f"  [{ps.name}] {view}: {k}/{len(chunks)} calls, {now - t0:.0f} s",
                      file=sys.stderr, flush=True)
                last = now
        print(f"  [{ps.name}] {view}: {len(ps.files):,} pages in {len(chunks)} calls, "
              f"{time.perf_counter() - t0:.1f} s: {res.cell()}", file=sys.stderr, flush=True)
    return results


def executable(path: str) -> str:
    found = shutil.which(path)
    if not found:
        raise argparse.ArgumentTypeError(f"{path}: not an executable")
    return os.path.abspath(found) if os.sep in path else found


def version(exe: str, env: dict[str, str]) -> str:
    o = run(exe, ["--version"], env, 60)
    return (o.stdout or o.stderr).decode("utf-8", "replace").strip() or f"exit {o.exit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Sets: " + ", ".join(SETS))
    ap.add_argument("--old", required=True, type=executable, help="the old kt-clean executable")
    ap.add_argument("--new", required=True, type=executable, help="the new kt-clean executable")
    ap.add_argument("--only", action="append", choices=SETS, metavar="SET",
                    help="run only this set (repeatable): " + ", ".join(SETS))
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep every output (and the corpus)")
    ap.add_argument("--pages", type=int, default=6000, help="template pages (default 6000)")
    ap.add_argument("--sample", type=int, default=400, help="wcxb ids (default 400)")
    ap.add_argument("--chunk", type=int, default=500, help="pages per call (default 500)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per call")
    ap.add_argument("--hash-seed", default="0", help="PYTHONHASHSEED of the calls, or 'random'")
    args = ap.parse_args()
    if args.chunk < 1:
        ap.error("--chunk must be at least 1")
    if args.keep:
        args.keep = args.keep.resolve()
        args.keep.mkdir(parents=True, exist_ok=True)

    t_start = time.perf_counter()
    env = run_env(args.hash_seed)
    print(f"old: {args.old} ({version(args.old, env)})", file=sys.stderr)
    print(f"new: {args.new} ({version(args.new, env)})", file=sys.stderr)
    if os.path.realpath(args.old) == os.path.realpath(args.new):
        print("old and new are the same executable: a self-check", file=sys.stderr)

    names = [s for s in SETS if not args.only or s in args.only]
    with tempfile.TemporaryDirectory(prefix="kt-compare-") as tmp, \
            ThreadPoolExecutor(max_workers=2) as pool:
        corpus = args.keep / "corpus" if args.keep else Path(tmp)
        results = []
        for ps in page_sets(names, args, corpus):
            if not ps.skipped:
                print(f"{ps.name}: {len(ps.files):,} pages", file=sys.stderr, flush=True)
            results += compare_set(ps, args, env, pool)
    wall = time.perf_counter() - t_start

    print("| set | view | files | calls | result |")
    print("|---|---|---:|---:|---|")
    for r in results:
        print(f"| {r.set} | `{r.view}` | {r.files:,} | {r.calls} | {r.cell()} |")
    differing = [r for r in results if r.differing_calls]
    for r in differing:
        print(f"\n## {r.set}: `{r.view}`\n\n{r.first}")
    calls = sum(r.calls for r in results if not r.skipped)
    print(f"\n{len(differing)} of {sum(not r.skipped for r in results)} set/view pairs differ; "
          f"{calls} calls per install in {wall:.0f} s"
          + (f"; outputs kept in {args.keep}" if args.keep else ""))
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
