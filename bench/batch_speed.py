#!/usr/bin/env python3
"""Speed and memory of `kt-clean batch`, and trafilatura --input-dir side by side.
Writes the figures to docs/performance.md (section "batch").

    python bench/batch_speed.py [--pages 20000] [--small 2000] [--no-write]

Every figure is one run of the real command (`kt-clean batch ... --force -q --report`) as a
child process, on a corpus built by bench/make_corpus.py into a temporary folder (outputs
written to the same disk). Peak memory is the largest sum of the resident set sizes of the
batch process and all its workers, sampled every 20 ms from /proc.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, tree_rss, update_section
from make_corpus import WCXB, write_templates

BIN = Path(sys.executable).parent


def exe(name: str) -> str:
    return shutil.which(name) or str(BIN / name)


def children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


LAST_CPU = [0.0]


def timed(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak tree RSS in bytes, exit code) of one command; its CPU seconds
    (the command's and its workers') in LAST_CPU[0]."""
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    LAST_CPU[0] = children_cpu() - cpu0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, peak, proc.returncode


def batch(in_dir: Path, out_dir: Path, jobs: int, *extra: str) -> dict:
    report = out_dir.parent / f"{out_dir.name}.report.json"
    cmd = [exe("kt-clean"), "batch", str(in_dir), "-o", str(out_dir), "-r", "--force", "-q",
           "--jobs", str(jobs), "--report", str(report), *extra]
    wall, peak, code = timed(cmd)
    data = json.loads(report.read_text())
    data.update(outer_wall=wall, peak_rss_mb=peak / 1e6, exit_code=code,
                outer_rate=data["pages_seen"] / wall, cpu=LAST_CPU[0],
                cpu_ms_per_page=LAST_CPU[0] * 1000 / max(1, data["pages_seen"]))
    print(f"  batch {in_dir.name} jobs={jobs} {' '.join(extra)}: {data['pages_seen']} pages, "
          f"{wall:.1f} s, {data['outer_rate']:.0f} pages/s, CPU {LAST_CPU[0]:.1f} s, "
          f"peak {peak / 1e6:.0f} MB, "
          f"{data['failed']} failed", flush=True)
    return data


def html_works(sample: Path) -> bool:
    try:
        out = subprocess.run([exe("kt-clean"), "extract", "--input-format", "html", str(sample),
                              "--json"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.startswith(b"{")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--small", type=int, default=2000)
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/ alone")
    ap.add_argument("--no-wcxb", action="store_true", help="skip the trafilatura comparison")
    ap.add_argument("--tmp", default=None, help="folder for the corpus (default: system temp)")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kt-batch-bench-", dir=args.tmp) as tmp:
        work = Path(tmp)
        print(f"building {args.pages:,} + {args.small:,} template pages in {work}", flush=True)
        write_templates(work / "big", args.pages)
        write_templates(work / "small", args.small)
        size = sum(p.stat().st_size for p in (work / "big").rglob("*.txt")) / args.pages

        print("template pages:", flush=True)
        j1 = batch(work / "big", work / "out-j1", 1)
        j2 = batch(work / "big", work / "out-j2", 2)
        j2n = batch(work / "big", work / "out-j2n", 2, "--no-sync")
        small = batch(work / "small", work / "out-small", 2)
        speedup = j2["outer_rate"] / j1["outer_rate"]

        side = None
        if not args.no_wcxb and (WCXB / "html").is_dir() and (WCXB / "dumps-w3m").is_dir():
            html = work / "wcxb-html"
            html.mkdir()
            for gz in sorted((WCXB / "html").glob("*.html.gz")):
                (html / gz.name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
            n = sum(1 for _ in html.iterdir())
            print(f"wcxb-dev: {n} pages", flush=True)
            t_wall, t_peak, _ = timed([exe("trafilatura"), "--input-dir", str(html),
                                       "--output-dir", str(work / "out-traf"),
                                       "--parallel", "2"])
            t_out = sum(p.is_file() for p in (work / "out-traf").rglob("*")) \
                if (work / "out-traf").exists() else 0
            print(f"  trafilatura: {t_wall:.1f} s, {n / t_wall:.0f} pages/s, {t_out} outputs",
                  flush=True)
            use_html = html_works(next(html.iterdir()))
            kt_in = html if use_html else WCXB / "dumps-w3m"
            kt = batch(kt_in, work / "out-kt-wcxb", 2)
            side = (n, t_wall, t_peak, t_out, use_html, kt)

    mb = f"{j2['peak_rss_mb']:.0f} MB"
    rows = [
        ("`--jobs 2` pages/s vs `--jobs 1`", ">= 1.8x",
         f"**{speedup:.2f}x** ({j2['outer_rate']:,.0f} vs {j1['outer_rate']:,.0f} pages/s)"),
        ("pages/s, template pages, `--jobs 2`", ">= 1,500", f"**{j2['outer_rate']:,.0f}**"),
        ("... with `--no-sync` (no wait for the disk)", "", f"{j2n['outer_rate']:,.0f}"),
        ("CPU time per page (all processes), `--jobs 1` / `--jobs 2`", "",
         f"{j1['cpu_ms_per_page']:.2f} / {j2['cpu_ms_per_page']:.2f} ms"),
        ("pages/s the CPU time allows on two idle cores, `--jobs 2`", "",
         f"{2000 / j2['cpu_ms_per_page']:,.0f} ({2 * j1['cpu_ms_per_page'] / j2['cpu_ms_per_page']:.2f}x "
         "`--jobs 1`)"),
        (f"peak RSS, {args.small:,} pages, `--jobs 2`", "<= 300 MB",
         f"**{small['peak_rss_mb']:.0f} MB**"),
        (f"peak RSS, {args.pages:,} pages, `--jobs 2`", "<= 300 MB", f"**{mb}**"),
        (f"peak RSS, {args.pages:,} pages, `--jobs 1`", "", f"{j1['peak_rss_mb']:.0f} MB"),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    side_text = ("The trafilatura comparison was skipped (`--no-wcxb`, or no "
                 "`../shared/data/wcxb-dev/`).\n")
    if side:
        n, t_wall, t_peak, t_out, use_html, kt = side
        what = "the same HTML" if use_html else "the same pages' text dumps (`dumps-w3m/`)"
        side_text = f"""Side by side on the {n:,} wcxb-dev pages (many sites), two processes each:

| command | input | pages/s | peak RSS | failures reported |
|---|---|---|---|---|
| `trafilatura --input-dir DIR --output-dir OUT --parallel 2` | HTML | {n / t_wall:,.1f} | {t_peak / 1e6:.0f} MB | none: it wrote {t_out:,} files for {n:,} pages and exited 0 |
| `kt-clean batch DIR -o OUT --jobs 2` | {'HTML' if use_html else 'text dumps'} | {kt['outer_rate']:,.1f} | {kt['peak_rss_mb']:.0f} MB | {kt['failed']:,} listed in `_errors.ndjson`, exit {kt['exit_code']} |

kt-clean read {what}.{'' if use_html else ' (HTML input for kt-clean is a separate issue in progress; once `kt-clean extract --input-format html` works, this benchmark uses the HTML.)'}
"""
    body = f"""## Batch runs

Measured by `python bench/batch_speed.py` on {machine()}; the one-minute load average was
{load:.1f} when it started (other processes shared the two cores, so these figures are
pessimistic). Each figure is one `kt-clean batch IN -o OUT -r --force -q` run as a child
process, timed from outside; outputs go to the same disk as the pages, each one written to a
temporary file and renamed, with one `syncfs` per chunk of pages unless `--no-sync`.

Corpus: {args.pages:,} template pages (mean {size / 1000:.1f} KB) from `bench/make_corpus.py`:
the seeds and the print/full-nav variants of `tests/pages/` with words of the prose varied,
1,000 per sub-folder. Layouts: {", ".join(f"{k} {v:,}" for k, v in j2["layouts"].items())}.

| what | target | measured |
|---|---|---|
{table}

The CPU rows are load-independent: CPU seconds (user + system) of the command and its
workers, per page. When other processes hold the cores, pages/s falls but CPU per page does
not; the last of those rows is what the CPU cost allows when the two cores are free.

Peak RSS is the largest sum, over the run, of the resident memory of the batch process and
its workers (sampled every 20 ms). Memory does not grow with the corpus: pages are listed
lazily, sent to the workers in chunks, at most four chunks per worker are in flight, and the
workers write the outputs themselves.

{side_text}"""
    print(body)
    if not args.no_write:
        print("wrote", update_section("performance.md", "batch", body, "Performance"))


if __name__ == "__main__":
    main()
