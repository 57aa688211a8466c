#!/usr/bin/env python3
"""Hand-written code or a library? The measurements behind each choice of issue 17, written
to docs/performance.md (section "hand-written or a library").

    python bench/handwritten.py [--runs 15] [--no-write]

1. Start-up: what importing each candidate library adds to a one-page command (a fresh
   interpreter that imports the command line, with and without the library, in turn).
2. Dates: kt-clean's reader of printed dates (``kt_clean.dates.iso_any``: a regex for the
   rules' ``2019-01-07 17:03``, dateutil for the rest) against dateutil alone.
3. Stage records: the hand-written checks of ``inputs/records.py`` against msgspec decoding
   into a typed ``Struct`` (the ``bench`` extra installs msgspec).
4. The regex prefilter (``layouts/patterns.py``, which reads CPython's ``re._parser``):
   detection and stripping with it and without it (every pattern run as a regex, the
   fallback a changed parser gets), on the template corpus of ``bench/speed.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated, Any  # (module level: msgspec resolves the Struct's annotations)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, update_section

try:
    import msgspec
except ImportError:  # the bench extra installs it
    msgspec = None

if msgspec is not None:
    class Record(msgspec.Struct):
        """A stage record as msgspec would check it (docs/formats.md)."""

        kt_clean: int
        source: str
        page: str
        url: str | None = None
        encoding: str = "utf-8"
        input_format: str = "text"
        layout: str | None = None
        page_type: str | None = None
        confidence: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0
        evidence: list[str] = []  # noqa: RUF012 (msgspec copies mutable defaults)
        labels: list[tuple[bool, str, str]] | None = None
        fields: dict[str, list[str]] = {}  # noqa: RUF012
        meta: dict[str, Any] = {}  # noqa: RUF012


BASE = "import typer, kt_clean.cli.common, kt_clean.cli.pages"
LIBRARIES = {
    "logging (for -v/-q)": "import logging",
    "msgspec": "import msgspec",
    "dateutil.parser": "import dateutil.parser",
    "markdown_it": "import markdown_it",
    "yaml (PyYAML)": "import yaml",
    "csv": "import csv",
}


def _import_ms(stmt: str) -> float:
    """What ``stmt`` (``import X``) costs after the command line's own imports (ms): the
    cumulative time ``python -X importtime`` gives module ``X`` in a fresh interpreter. (The
    wall clock of whole processes, on two shared cores, moved by more than these costs.)"""
    module = stmt.split()[1]
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", f"{BASE}; {stmt}"],
                       capture_output=True, text=True, check=True, cwd=ROOT)
    for line in reversed(r.stderr.splitlines()):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1000
    return 0.0  # imported already by the command line


def startup_costs(runs: int) -> dict[str, float]:
    """Median extra start-up (ms) of each library over the command line's own imports."""
    out = {}
    for name, stmt in LIBRARIES.items():
        try:
            subprocess.run([sys.executable, "-c", stmt], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            continue  # not installed
        out[name] = statistics.median(_import_ms(stmt) for _ in range(runs))
    return out


DATES = (["2019-01-07 17:03", "2019-01-07", "2019-01-07T17:03:00+09:00", "2021-03-04 09:15"] * 5
         + ["December 19, 2025 4:34 AM EST", "2025/12/20", "Jan. 7, 2019",
            "Mon, 07 Jan 2019 17:03:00 GMT"])


def dates(rounds: int = 2000) -> dict[str, float]:
    """Microseconds per date: kt-clean's reader, and dateutil's parser on the same strings."""
    from dateutil import parser as dparser

    warnings.simplefilter("ignore")  # dateutil's "tzname EST identified but not understood"

    from kt_clean.dates import iso_any

    def ours() -> None:
        for d in DATES:
            iso_any(d, "+09:00")

    def theirs() -> None:
        for d in DATES:
            with contextlib.suppress(ValueError, OverflowError):
                dparser.parse(d).isoformat()

    out = {}
    for name, fn in (("kt-clean (regex fast path, then dateutil)", ours),
                     ("dateutil alone", theirs)):
        fn()
        t0 = time.perf_counter()
        for _ in range(rounds):
            fn()
        out[name] = (time.perf_counter() - t0) / (rounds * len(DATES)) * 1e6
    return out


def records(rounds: int = 300) -> dict[str, float]:
    """Microseconds per stage record: the hand-written checks, and msgspec (if installed)."""
    import kt_clean
    from kt_clean.inputs.records import parse_record

    lines = []
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        doc = kt_clean.strip(kt_clean.read(str(seed))[0])
        lines.append(json.dumps(doc.to_record(), ensure_ascii=False))
    out = {}
    t0 = time.perf_counter()
    for _ in range(rounds):
        for line in lines:
            parse_record(line, "x")
    out["hand-written checks + Document.from_record"] = (
        (time.perf_counter() - t0) / (rounds * len(lines)) * 1e6)
    t0 = time.perf_counter()
    for _ in range(rounds):
        for line in lines:
            json.loads(line)
    out["of which json.loads alone"] = (time.perf_counter() - t0) / (rounds * len(lines)) * 1e6
    if msgspec is None:
        return out
    decoder = msgspec.json.Decoder(Record)
    data = [line.encode() for line in lines]
    t0 = time.perf_counter()
    for _ in range(rounds):
        for line in data:
            decoder.decode(line)
    out["msgspec Struct decode (no Document built)"] = (
        (time.perf_counter() - t0) / (rounds * len(lines)) * 1e6)
    return out


def prefilter(n: int) -> dict[str, float]:
    """Pages/s of detect + strip with the prefilter, and with every pattern as a regex."""
    code = f"""
import sys, time, json, hashlib
sys.path.insert(0, {str(ROOT / 'bench')!r})
from speed import template_pages
import kt_clean
from kt_clean.layouts import matching, patterns
from kt_clean.inputs import load_bytes
fallback = sys.argv[1] == "fallback"
if fallback:
    def boom():
        raise ImportError("no re._parser")
    patterns._sre = boom
    patterns.parser_understood.cache_clear()
    matching.FACTS = patterns.PatternFacts()
pages = [load_bytes(p, "p")[0] for p in template_pages({n})]
layouts = kt_clean.builtin_layouts()
for d in pages[:50]:
    kt_clean.strip(d, layouts)
t0 = time.perf_counter()
out = [kt_clean.strip(d, layouts).labels for d in pages]
print(json.dumps([len(pages) / (time.perf_counter() - t0), hashlib.sha1(str(out).encode()).hexdigest()]))
"""
    res = {}
    for mode in ("prefilter", "fallback"):
        r = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True,
                           cwd=ROOT, check=True)
        res[mode] = json.loads(r.stdout)
    assert res["prefilter"][1] == res["fallback"][1], "the fallback changed the labels"
    return {"with the prefilter": res["prefilter"][0],
            "every pattern as a regex (the fallback)": res["fallback"][0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    costs = startup_costs(args.runs)
    d = dates()
    rec = records()
    pre = prefilter(args.pages)
    lines = [f"Measured by `python bench/handwritten.py` ({machine()}; the 2 cores were "
             "shared with other work: the figures of one run are comparable with each other, "
             "less so with other runs).", "",
             f"| library | start-up it adds to a one-page command (`-X importtime`, median "
             f"of {args.runs}) |", "|---|---|"]
    lines += [f"| `{k}` | {v:+.1f} ms |" for k, v in costs.items()]
    lines += ["", "| printed dates (a mix of the rules' and HTML pages' forms) | µs per date |",
              "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in d.items()]
    lines += ["", "| stage records of `strip` (the seeds) | µs per record |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in rec.items()]
    lines += ["", f"| detect + strip, {args.pages:,} template pages, one process | pages/s |",
              "|---|---|"]
    lines += [f"| {k} | {v:,.0f} |" for k, v in pre.items()]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        update_section("performance.md", "handwritten", body)


if __name__ == "__main__":
    main()
