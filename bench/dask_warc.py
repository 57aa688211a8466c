#!/usr/bin/env python3
"""WARC archives on Dask: `kt-clean batch --engine dask` over archives against the same pages
as files, a worker's memory over one archive as the archive grows, and what an archive's
task costs. Writes docs/scale.md (section "dask-warc") unless --no-write.

    python bench/dask_warc.py [--pages 8000] [--archives 8] [--reps 4]
                              [--small 2000] [--big 20000] [--html 300] [--no-write]
    PYTHONPATH=OLD_CHECKOUT python bench/dask_warc.py --memory-only   # another version's

- **Archives or files.** ``--pages`` template pages (``bench/make_corpus.py``) as files, and
  the same pages as ``--archives`` WARC archives (one gzip member per record, as Common
  Crawl and ``kt-clean fetch`` write them; each page a ``text/plain`` response). Both are
  cleaned by ``kt-clean batch ... --scheduler ADDR`` on one ``LocalCluster`` of 2 one-thread
  workers kept running, the files with ``--block-size`` pages/archives so that both runs
  have as many tasks; ``--reps`` times, alternating. Pages/s is pages / wall time (the
  command timed from outside), CPU per page counts the command, the workers and their page
  processes.
- **Memory over one archive.** One archive of ``--small`` pages, then one of ``--big``,
  each on a fresh cluster of one worker: the peak resident size of the worker process plus
  its page process, sampled every 20 ms. An archive is one task; the worker reads it record
  by record and writes the shard as it goes, so the peak should not grow with the archive.
- **HTML.** One archive of the first ``--html`` wcxb-dev pages (when present): CPU per
  page, the shard's bytes per page (NDJSON and gzipped), and the peak per worker: what a
  Common Crawl file (about 1 GB, ~35,000 pages) costs as one task.

The machine is shared: the one-minute load average is noted with each run.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, update_section
from dask_speed import KT, run
from make_corpus import WCXB, template_pages, write_templates

#: Pages of a Common Crawl WARC file (about 1 GB; ~3 billion pages in ~90,000 files).
CC_PAGES = 35_000


def record(url: str, body: bytes, ctype: str, number: int) -> bytes:
    """A response record in a gzip member of its own."""
    http = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{number:012d}>\r\n"
            f"Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return gzip.compress(head + http + b"\r\n\r\n", 6, mtime=0)


def write_archives(folder: Path, pages: list[bytes], n_archives: int, ctype: str,
                   url: str = "https://www.koreatimes.co.kr/www/nation/2019/01/103_{i}.html"
                   ) -> None:
    """The pages as archives, under Korea Times article URLs (the template pages are the
    site's: their URL tells detection what it would tell it on a crawl)."""
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(pages) // n_archives)
    for a in range(n_archives):
        with open(folder / f"crawl-{a:05d}.warc.gz", "wb") as f:
            for i in range(a * per, min(len(pages), (a + 1) * per)):
                f.write(record(url.format(i=260000 + i), pages[i], ctype, i))


def reader_cost(folder: Path) -> float:
    """Microseconds of CPU per page for the worker's side of an archive task: reading each
    record, making it a page and pickling it for the page process (one thread, here)."""
    import pickle
    import time

    from kt_clean.engines.pages import PageConfig
    from kt_clean.engines.shards import READERS, TaskConfig
    from kt_clean.engines.storage import Destination, list_units

    units = list_units([str(folder)])
    cfg = TaskConfig(Destination(str(folder / "unused")), "ndjson.gz", PageConfig())
    best = float("inf")
    for _ in range(3):
        t0, n = time.process_time(), 0
        for item in READERS["warc"](units, cfg):
            pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
            n += 1
        best = min(best, (time.process_time() - t0) * 1e6 / n)
    return best


def cluster_of(n: int):
    import distributed

    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    return cluster, client, sorted(client.run(os.getpid).values())


def batch(source: Path, out: Path, report: Path, address: str, *extra: str) -> list[str]:
    shutil.rmtree(out, ignore_errors=True)
    return [KT, "batch", str(source), "-o", str(out), "-r", "--force", "-q", "--scheduler",
            address, "--report", str(report), *extra]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=8000)
    ap.add_argument("--archives", type=int, default=8)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--small", type=int, default=2000)
    ap.add_argument("--big", type=int, default=20000)
    ap.add_argument("--html", type=int, default=300, help="wcxb-dev HTML pages (0: none)")
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/ alone")
    ap.add_argument("--tmp", default=None, help="folder for the corpora (default: system temp)")
    ap.add_argument("--memory-only", action="store_true",
                    help="only the memory over one archive, printed (to compare versions)")
    args = ap.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="kt-dask-warc-", dir=args.tmp) as tmp:
        work = Path(tmp)
        if args.memory_only:
            memory_runs(args, work)
            return
        print(f"building {args.pages:,} pages as files and as {args.archives} archives",
              flush=True)
        write_templates(work / "files", args.pages)
        pages = list(template_pages(args.pages))
        write_archives(work / "warc", pages, args.archives, "text/plain")
        report = work / "report.json"
        reader_us = reader_cost(work / "warc")
        print(f"  the reader alone: {reader_us:.0f} us of CPU per page", flush=True)
        cluster, client, workers = cluster_of(2)
        block = str(-(-args.pages // args.archives))
        # a warm-up: each worker's page process starts once, as on a cluster kept running
        run(batch(work / "files", work / "out", report, cluster.scheduler_address,
                  "--glob", "page00000*.txt"), report, workers)
        runs: dict[str, list[dict]] = {"files": [], "archives": []}
        for rep in range(args.reps):
            order = ["files", "archives"] if rep % 2 == 0 else ["archives", "files"]
            for name in order:
                source = work / ("files" if name == "files" else "warc")
                cmd = batch(source, work / "out", report, cluster.scheduler_address,
                            "--block-size", block)
                data = run(cmd, report, workers)
                runs[name].append(data)
                print(f"  rep {rep + 1} {name}: {data['rate']:,.0f} pages/s, "
                      f"{data['tasks']} tasks, CPU {data['cpu_ms']:.2f} ms/page, "
                      f"peak worker {data['peak_worker_mb']:.0f} MB, load {data['load']:.1f}",
                      flush=True)
        html = None
        if args.html and (WCXB / "html").is_dir():
            bodies = [gzip.decompress(p.read_bytes())
                      for p in sorted((WCXB / "html").glob("*.html.gz"))[:args.html]]
            write_archives(work / "html", bodies, 1, "text/html",
                           url="https://site{i}.example/article.html")
            cmd = batch(work / "html", work / "htmlout", report, cluster.scheduler_address)
            html = run(cmd, report, workers)
            shard = next((work / "htmlout").glob("part-*.ndjson.gz")).read_bytes()
            raw = len(gzip.decompress(shard))
            html.update(sample=len(bodies), json_kb=raw / 1e3 / max(1, html["cleaned"]),
                        gz_kb=len(shard) / 1e3 / max(1, html["cleaned"]))
            print(f"  {len(bodies)} HTML pages in one archive: CPU {html['cpu_ms']:.1f} ms/page, "
                  f"{html['json_kb']:.1f} KB of JSON per page ({html['gz_kb']:.1f} KB gzipped), "
                  f"peak worker {html['peak_worker_mb']:.0f} MB", flush=True)
        client.close()
        cluster.close()
        memory = memory_runs(args, work)
    write(args, runs, memory, html, reader_us)


def memory_runs(args: argparse.Namespace, work: Path) -> dict[int, dict]:
    """One archive of ``--small`` pages, then of ``--big``, each on a fresh worker."""
    memory = {}
    report = work / "memory.json"
    for n in (args.small, args.big):
        write_archives(work / f"one-{n}", list(template_pages(n, seed=11)), 1, "text/plain")
        cluster, client, workers = cluster_of(1)
        data = run(batch(work / f"one-{n}", work / "out", report, cluster.scheduler_address),
                   report, workers)
        shard = next((work / "out").glob("part-*.ndjson.gz")).read_bytes()
        data["json_mb"] = len(gzip.decompress(shard)) / 1e6
        memory[n] = data
        print(f"  one archive of {n:,} pages: peak worker {data['peak_worker_mb']:.0f} MB, "
              f"shard {data['json_mb']:.1f} MB of JSON, {data['rate']:,.0f} pages/s, "
              f"load {data['load']:.1f}", flush=True)
        client.close()
        cluster.close()
        shutil.rmtree(work / f"one-{n}", ignore_errors=True)
    return memory


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def write(args: argparse.Namespace, runs: dict[str, list[dict]], memory: dict[int, dict],
          html: dict | None, reader_us: float) -> None:
    loads = [r["load"] for rs in runs.values() for r in rs] + \
        [r["load"] for r in memory.values()] + ([html["load"]] if html else [])
    ratios = [a["rate"] / f["rate"] for f, a in zip(runs["files"], runs["archives"])]
    lines = []
    for name, rs in runs.items():
        each = ", ".join(format(r["rate"], ",.0f") for r in rs)
        peak = max(r["peak_worker_mb"] for r in rs)
        lines.append(f"| {name} | {rs[0]['tasks']} | {each} | **{med(rs, 'rate'):,.0f}** | "
                     f"{med(rs, 'cpu_ms'):.2f} | {peak:,.0f} |")
    rows = "\n".join(lines)
    each_ratio = ", ".join(format(x, ".0%") for x in ratios)
    small, big = memory[args.small], memory[args.big]
    cpu_files, cpu_archives = med(runs["files"], "cpu_ms"), med(runs["archives"], "cpu_ms")
    spread = max(max(r["rate"] for r in rs) / min(r["rate"] for r in rs) - 1
                 for rs in runs.values())
    html_share = (f" and {reader_us / 10 / html['cpu_ms']:.2f}% of an HTML page's" if html
                  else "")
    cc = ""
    if html:
        hours = CC_PAGES * html["cpu_ms"] / 1000 / 3600
        json_mb, gz_mb = CC_PAGES * html["json_kb"] / 1e3, CC_PAGES * html["gz_kb"] / 1e3
        cc = f"""

One archive of the first {html['sample']:,} wcxb-dev HTML pages (many sites) on the same
cluster: **{html['cpu_ms']:.0f} ms of CPU per page**, {html['json_kb']:.1f} KB of article JSON
per page ({html['gz_kb']:.1f} KB gzipped), a peak of {html['peak_worker_mb']:,.0f} MB per
worker. At that rate a Common Crawl file (about 1 GB, ~{CC_PAGES:,} pages) is one task of
about **{hours:.1f} CPU-hours** on one worker thread, and one shard of about {json_mb:,.0f} MB
of NDJSON ({gz_mb:,.0f} MB gzipped), written as it is cleaned."""
    body = f"""Measured by `python bench/dask_warc.py` on {machine()} (one-minute load
average {min(loads):.1f} to {max(loads):.1f}: the machine was shared).

{args.pages:,} template pages as files and as {args.archives} WARC archives (one gzip member
per record), on a `LocalCluster` of 2 one-thread workers, {args.reps} runs each, alternating:

| input | tasks | pages/s, each run | median | CPU ms/page | peak MB per worker |
|---|---|---|---|---|---|
{rows}

Archives against files, run by run: {each_ratio} (median **{statistics.median(ratios):.0%}**);
CPU per page {cpu_files:.2f} ms for files, {cpu_archives:.2f} ms for archives (all processes;
the archives' pages carry their Korea Times URL, which detection uses, as on a crawl). On
cores this shared, runs of one kind differ by up to {spread:.0%} from one another. What an
archive adds is the worker's reading: the reader alone (decompressing and parsing each
record into a page and pickling it for the page process), timed over the same archives in
one thread, takes **{reader_us:.0f} µs of CPU per page**, {reader_us / 10 / cpu_files:.1f}% of
a text page's cleaning here{html_share}; it runs in the worker's thread while the page process
cleans the pages sent ahead.

One archive, one task, on one worker: a peak of **{small['peak_worker_mb']:,.0f} MB**
(worker and page process) over {args.small:,} pages ({small['json_mb']:.0f} MB of JSON in the
shard), **{big['peak_worker_mb']:,.0f} MB** over {args.big:,} pages ({big['json_mb']:.0f} MB
of JSON): the worker holds a record and the shard's compressor, not the shard.{cc}"""
    print(body)
    if not args.no_write:
        print("wrote", update_section("scale.md", "dask-warc", body))


if __name__ == "__main__":
    main()
