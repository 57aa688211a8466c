#!/usr/bin/env python3
"""Speed and memory of `kt-clean batch --engine dask` against the local engine; the CPU cost
per page (text and HTML) and what a billion pages would take. Writes the figures to
docs/performance.md (section "dask") and docs/scale.md (section "dask-scale").

    python bench/dask_speed.py [--pages 20000] [--big 200000] [--reps 3] [--html 600] [--no-write]
    python bench/dask_speed.py --raw runs.json ...     # also keep every run's figures
    python bench/dask_speed.py --from-raw runs.json    # write the sections from them again
    python bench/dask_speed.py --pages 0 --big 0 --html 0   # only the HTML pages' comparison

The comparisons run interleaved, in rotating order, `--reps` times, on the same pages:

- `kt-clean batch IN -o OUT -r --force -q --jobs 2` (the local engine);
- `kt-clean batch IN -o OUT -r --force -q --scheduler ADDR` on a running cluster of 1 worker
  process, and on one of 2 (one thread each: `LocalCluster`s this script starts and keeps,
  as a cluster is kept running; idle while the others run);
- `kt-clean batch IN -o OUT -r --force -q --engine dask --jobs 2`, which starts and stops its
  own LocalCluster (its start-up included).

With `--html-scale N` (default 1,497) the comparison of local `--jobs 2`, 1 worker and
2 workers runs again on N real HTML pages of wcxb-dev (many sites; repeated when
N is more than there are), in tasks of `--html-block` pages, and goes to its own section
(performance.md "dask-html"): HTML is what a cluster mostly cleans (a Common Crawl
archive), at about 200 times a template text page's CPU, so the two tables show the engine
where its own upkeep is a large share of a page and where it is not. `--pages 0` skips the
text pages' comparison.

Each is the real command as a child process, timed from outside; pages/s is pages / wall time.
CPU is user + system seconds of the command and, for the dask runs, of the worker processes
and their page processes (read from /proc before and after). Peak memory per worker is the
largest resident size of a worker process plus its page process, sampled every 20 ms; it is
compared between a run of --pages and one of --big pages on the same cluster. The load
average is noted for each run: the machine is shared, so figures move with it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, update_section
from make_corpus import WCXB, write_templates

BIN = Path(sys.executable).parent
KT = shutil.which("kt-clean") or str(BIN / "kt-clean")


def proc_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, the children of every thread included (a Dask worker
    starts its page processes from its task threads, which /proc lists per thread)."""
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
            except OSError:
                continue
    return out


def rss_of(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (every thread's children)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total


def cpu_of(pids: list[int]) -> float:
    """User + system seconds of the processes (and their living descendants)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for root in pids:
        for p in proc_tree(root):
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
    return total / tick


def children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd: list[str], report: Path, workers: list[int]) -> dict:
    """One command: wall, CPU, peak memory per worker; the report's figures."""
    load = os.getloadavg()[0]
    cpu0, wcpu0 = children_cpu(), cpu_of(workers)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_tree = 0
    peak_worker = dict.fromkeys(workers, 0)
    while proc.poll() is None:
        peak_tree = max(peak_tree, rss_of(proc.pid))
        for w in workers:
            peak_worker[w] = max(peak_worker[w], rss_of(w))
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    data = json.loads(report.read_text())
    cpu = children_cpu() - cpu0 + cpu_of(workers) - wcpu0
    pages = data["pages_seen"]
    data.update(wall=wall, rate=pages / wall, cpu=cpu, cpu_ms=cpu * 1000 / max(1, pages),
                peak_tree_mb=peak_tree / 1e6,
                peak_worker_mb=max(peak_worker.values(), default=0) / 1e6, load=load)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--big", type=int, default=200000, help="pages of the memory run (0: none)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--html", type=int, default=600,
                    help="wcxb-dev HTML pages for the HTML CPU figure (0: none)")
    ap.add_argument("--html-scale", type=int, default=1497,
                    help="wcxb-dev HTML pages of the 1-vs-2-workers comparison on HTML (0: none)")
    ap.add_argument("--html-block", type=int, default=20,
                    help="pages per task in the HTML comparison (default 20)")
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/ alone")
    ap.add_argument("--tmp", default=None, help="folder for the corpora (default: system temp)")
    ap.add_argument("--raw", type=Path, default=None,
                    help="also save every run's figures as JSON here")
    ap.add_argument("--from-raw", type=Path, default=None,
                    help="write the sections from a --raw file, without running anything")
    args = ap.parse_args()
    if args.from_raw:
        raw = json.loads(args.from_raw.read_text())
        for key in ("pages", "big", "reps", "html", "html_scale", "html_block"):
            if key in raw["args"]:
                setattr(args, key, raw["args"][key])
        if raw.get("results"):
            write(args, raw["results"], raw["big"], raw["html"])
        if raw.get("html_results"):
            write_html(args, raw["html_results"])
        return
    import distributed

    logging.getLogger("distributed").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="kt-dask-bench-", dir=args.tmp) as tmp:
        work = Path(tmp)
        clusters = {}
        for n in (1, 2):
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1,
                                               processes=True, dashboard_address=None,
                                               silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
            clusters[n] = (cluster, client, sorted(client.run(os.getpid).values()))
        configs = commands(work / "pages", clusters, ["-r"])
        configs["dask, own LocalCluster of 2"] = lambda out, rep: (
            [KT, "batch", str(work / "pages"), "-o", str(out), "-r", "--force", "-q",
             "--engine", "dask", "--jobs", "2", "--report", str(rep)], [])
        names = list(configs)
        results: dict[str, list[dict]] = {n: [] for n in names}
        if args.pages:
            print(f"building {args.pages:,} template pages in {work}", flush=True)
            write_templates(work / "pages", args.pages)
            # a warm-up: each cluster's page processes start once, as on a cluster kept running
            for n in (1, 2):
                cmd, _ = configs[f"dask, {n} worker{'s' if n == 2 else ''}"](work / "warm",
                                                                            work / "w.json")
                subprocess.run([*cmd[:3], "--glob", "page00000*.txt", *cmd[3:]],
                               capture_output=True)
            compare(configs, names, results, args.reps, work)
        html_results: dict[str, list[dict]] = {}
        if args.html_scale and (WCXB / "html").is_dir():
            folder = work / "htmlscale"
            folder.mkdir()
            gzs = sorted((WCXB / "html").glob("*.html.gz"))
            for i in range(args.html_scale):
                gz = gzs[i % len(gzs)]
                name = gz.name[:-8] + (f"-{i // len(gzs)}" if i >= len(gzs) else "") + ".html"
                (folder / name).write_bytes(gzip.decompress(gz.read_bytes()))
            html_configs = commands(folder, clusters, [],
                                    ("--block-size", str(args.html_block)))
            print(f"{args.html_scale:,} HTML pages, 1 worker vs 2 vs local --jobs 2", flush=True)
            html_results = {n: [] for n in html_configs}
            compare(html_configs, list(html_configs), html_results, args.reps, work)
            shutil.rmtree(folder, ignore_errors=True)

        big = None
        if args.big:
            print(f"building {args.big:,} template pages", flush=True)
            shutil.rmtree(work / "pages", ignore_errors=True)
            write_templates(work / "bigpages", args.big)
            cmd = [KT, "batch", str(work / "bigpages"), "-o", str(work / "bigout"), "-r",
                   "--force", "-q", "--scheduler", clusters[2][0].scheduler_address,
                   "--report", str(work / "big.json")]
            big = run(cmd, work / "big.json", clusters[2][2])
            print(f"  {args.big:,} pages, dask 2 workers: {big['rate']:,.0f} pages/s, "
                  f"peak worker {big['peak_worker_mb']:.0f} MB, load {big['load']:.1f}", flush=True)
            shutil.rmtree(work / "bigpages", ignore_errors=True)
            shutil.rmtree(work / "bigout", ignore_errors=True)

        html = None
        if args.html and (WCXB / "html").is_dir():
            folder = work / "html"
            folder.mkdir()
            for gz in sorted((WCXB / "html").glob("*.html.gz"))[:args.html]:
                (folder / gz.name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
            cmd = [KT, "batch", str(folder), "-o", str(work / "htmlout"), "--force", "-q",
                   "--scheduler", clusters[2][0].scheduler_address, "--block-size", "50",
                   "--report", str(work / "html.json")]
            html = run(cmd, work / "html.json", clusters[2][2])
            html["sample"] = html["pages_seen"]
            print(f"  {html['pages_seen']:,} HTML pages (wcxb-dev), dask 2 workers: "
                  f"{html['rate']:,.1f} pages/s, CPU {html['cpu_ms']:.1f} ms/page, "
                  f"peak worker {html['peak_worker_mb']:.0f} MB", flush=True)
        for cluster, client, _ in clusters.values():
            client.close()
            cluster.close()

    if args.raw:
        args.raw.write_text(json.dumps({"args": {"pages": args.pages, "big": args.big,
                                                 "reps": args.reps, "html": args.html,
                                                 "html_scale": args.html_scale,
                                                 "html_block": args.html_block},
                                        "results": results if args.pages else {},
                                        "big": big, "html": html,
                                        "html_results": html_results}, indent=1))
    if args.pages:
        write(args, results, big, html)
    if html_results:
        write_html(args, html_results)


def commands(folder: Path, clusters: dict, flags: list[str],
             dask_flags: tuple[str, ...] = ()) -> dict:
    """The commands compared on ``folder``: the local engine and the two kept clusters, each
    a function of the output folder and the report file giving the command and the worker
    pids to watch."""
    def command(engine: list[str]) -> list[str]:
        return [KT, "batch", str(folder), "-o", "{out}", *flags, "--force", "-q", *engine,
                "--report", "{rep}"]

    def bind(cmd: list[str], workers: list[int]):
        return lambda out, rep: ([str(out) if c == "{out}" else str(rep) if c == "{rep}" else c
                                  for c in cmd], workers)

    configs = {"local --jobs 2": bind(command(["--jobs", "2"]), [])}
    for n in (1, 2):
        cluster, _client, pids = clusters[n]
        configs[f"dask, {n} worker{'s' if n == 2 else ''}"] = bind(
            command([*dask_flags, "--scheduler", cluster.scheduler_address]), pids)
    return configs


def compare(configs: dict, names: list[str], results: dict[str, list[dict]], reps: int,
            work: Path) -> None:
    """Run each command ``reps`` times, interleaved in rotating order."""
    for rep in range(reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            out = work / "out"
            shutil.rmtree(out, ignore_errors=True)
            cmd, workers = configs[name](out, work / "report.json")
            data = run(cmd, work / "report.json", workers)
            results[name].append(data)
            print(f"  rep {rep + 1} {name}: {data['rate']:,.1f} pages/s, {data['wall']:.1f} s, "
                  f"CPU {data['cpu_ms']:.2f} ms/page, peak worker {data['peak_worker_mb']:.0f} MB, "
                  f"load {data['load']:.1f}", flush=True)
    shutil.rmtree(work / "out", ignore_errors=True)


def write_html(args: argparse.Namespace, results: dict[str, list[dict]]) -> None:
    """The section of the HTML pages' comparison."""
    c = Comparison(results, rate_digits=1, cpu_digits=1)
    two, loads = c.two, c.loads
    body = f"""## Batch on Dask, HTML pages

The same comparison on {args.html_scale:,} real HTML pages (the wcxb-dev pages, many
sites, taken in turn; tasks of {args.html_block} pages),
measured by `python bench/dask_speed.py --html-scale {args.html_scale}` on {machine()}; one-minute
load average {min(loads):.1f} to {max(loads):.1f}, the runs interleaved in rotating order,
{args.reps} times. A page here costs {med(two, 'cpu_ms'):.0f} ms of CPU (all processes), against
about 1 ms for a template text page (above), so the cluster's own upkeep (the worker process, the scheduler, the client) is a small share of
it, as on the HTML of a Common Crawl archive; pages that failed (each run's count:
{", ".join(sorted({str(r.get("failed")) for rs in results.values() for r in rs}))}) count in pages/s as pages.

{c.runs_table()}

{c.floors_table()}
"""
    print(body)
    if not args.no_write:
        print("wrote", update_section("performance.md", "dask-html", body, "Performance"))


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


class Comparison:
    """The runs of local ``--jobs 2``, 1 worker and 2 workers (and any others), as the
    tables of a section: each run's pages/s, and the issue's floors on the runs' ratios."""

    def __init__(self, results: dict[str, list[dict]], rate_digits: int, cpu_digits: int):
        self.results, self.rate_digits, self.cpu_digits = results, rate_digits, cpu_digits
        local, one, self.two = (results[n] for n in ("local --jobs 2", "dask, 1 worker",
                                                     "dask, 2 workers"))
        self.pairs_12 = [b["rate"] / a["rate"] for a, b in zip(one, self.two)]
        self.pairs_l2 = [b["rate"] / a["rate"] for a, b in zip(local, self.two)]
        self.s12 = statistics.median(self.pairs_12)
        self.sl2 = statistics.median(self.pairs_l2)
        self.loads = [r["load"] for rows in results.values() for r in rows]

    @staticmethod
    def ok(good: bool) -> str:
        return "met" if good else "**not met**"

    def runs_table(self) -> str:
        rate, cpu = f",.{self.rate_digits}f", f".{self.cpu_digits}f"
        rows = ["| command | pages/s, each run | median | CPU ms/page | peak MB per worker |",
                "|---|---|---|---|---|"]
        for name, rs in self.results.items():
            each = ", ".join(format(r["rate"], rate) for r in rs)
            peak = med(rs, "peak_worker_mb") if rs[0]["peak_worker_mb"] else \
                med(rs, "peak_tree_mb")
            rows.append(f"| {name} | {each} | **{format(med(rs, 'rate'), rate)}** | "
                        f"{format(med(rs, 'cpu_ms'), cpu)} | {peak:,.0f} |")
        return "\n".join(rows)

    def floors_table(self) -> str:
        s12, sl2 = self.s12, self.sl2
        return "\n".join([
            "| target | floor | measured (median of the runs' ratios) |",
            "|---|---|---|",
            f"| 2 Dask workers vs 1 | >= 1.7x | {s12:.2f}x "
            f"({', '.join(f'{x:.2f}' for x in self.pairs_12)}): {self.ok(s12 >= 1.7)} |",
            f"| 2 Dask workers vs local `--jobs 2` | >= 80% | {sl2:.0%} "
            f"({', '.join(f'{x:.0%}' for x in self.pairs_l2)}): {self.ok(sl2 >= 0.8)} |"])


def write(args: argparse.Namespace, results: dict[str, list[dict]], big: dict | None,
          html: dict | None) -> None:
    c = Comparison(results, rate_digits=0, cpu_digits=2)
    two, loads, s12, sl2, ok = c.two, c.loads, c.s12, c.sl2, c.ok
    text_ms = med(two, "cpu_ms")
    # What the CPU time allows where the cores are free: workers / CPU seconds per page.
    idle = {name: (1 if name == "dask, 1 worker" else 2) * 1000 / med(rs, "cpu_ms")
            for name, rs in results.items()}
    idle_12 = idle["dask, 2 workers"] / idle["dask, 1 worker"]
    idle_l2 = idle["dask, 2 workers"] / idle["local --jobs 2"]
    mem_line = ""
    if big:
        small_peak = max(r["peak_worker_mb"] for r in two)
        mem_line = (f"| peak memory per worker (worker process + its page process), "
                    f"{args.pages:,} vs {args.big:,} pages | flat | {small_peak:,.0f} MB vs "
                    f"{big['peak_worker_mb']:,.0f} MB: "
                    f"{ok(big['peak_worker_mb'] <= small_peak * 1.15)} |")
    body = f"""## Batch on Dask

The same batch on Dask (`kt-clean batch --engine dask`:
[cli.md](cli.md#on-a-dask-cluster---engine-dask), [scale.md](scale.md)) against the local
engine, on the same pages. Measured by `python bench/dask_speed.py` on {machine()}; one-minute load average {min(loads):.1f}
to {max(loads):.1f} during the runs (other processes shared the two cores: the runs are
interleaved, in rotating order, {args.reps} times, so each comparison is between runs under
the same load). {args.pages:,} template pages (`bench/make_corpus.py`), each command run as
a child process and timed from outside (`-r --force -q`); the Dask clusters are
`LocalCluster`s of one-thread worker processes kept running between runs, as a cluster is,
reached with `--scheduler`; the last row starts and stops its own.

{c.runs_table()}

{c.floors_table()}
{mem_line}

With the cores this loaded, pages/s moves with whatever else runs. CPU seconds per page do
not: what the CPU time allows on free cores (the workers' cores divided by the CPU per page,
all processes counted) is {idle["dask, 1 worker"]:,.0f} pages/s for 1 worker,
{idle["dask, 2 workers"]:,.0f} for 2 ({idle_12:.2f}x) and {idle["local --jobs 2"]:,.0f} for
the local `--jobs 2` (2 workers: {idle_l2:.0%} of it): an estimate, not a measurement of
throughput.

CPU per page counts the command and, for Dask, its workers and their page processes.
Peak memory per worker is a worker process plus its page process; for the local engine and
the own-LocalCluster row, whose processes the command starts, it is the whole run's (the
command, its workers, the cluster's scheduler and nannies). The own-LocalCluster row pays
the cluster's start and stop (several seconds) within its wall time.
"""
    print(body)
    html_ms = html["cpu_ms"] if html else None
    estimate = billion(text_ms, html_ms, html)
    scale = f"""Measured by `python bench/dask_speed.py` on {machine()} (load {min(loads):.1f} to
{max(loads):.1f}; the full table is in [performance.md](performance.md#batch-on-dask)):
{args.pages:,} text pages on 2 one-thread workers at a median **{med(two, 'rate'):,.0f} pages/s**
({s12:.2f}x one worker and {sl2:.0%} of the local `--jobs 2` under that load; on free cores
the CPU time would allow {idle_12:.2f}x and {idle_l2:.0%}), **{text_ms:.2f} ms of CPU per
text page** all processes included{f", **{html_ms:.1f} ms per HTML page** (the first {html['sample']:,} of the wcxb-dev pages, many sites)" if html else ""};
{f"peak memory per worker {max(r['peak_worker_mb'] for r in two):,.0f} MB over {args.pages:,} pages and {big['peak_worker_mb']:,.0f} MB over {args.big:,}" if big else ""}{f", {html['peak_worker_mb']:,.0f} MB on HTML" if html else ""}.

{estimate}"""
    print(scale)
    if not args.no_write:
        print("wrote", update_section("performance.md", "dask", body, "Performance"))
        print("wrote", update_section("scale.md", "dask-scale", scale))


def billion(text_ms: float, html_ms: float | None, html: dict | None) -> str:
    """The worked estimate for 10^9 pages, from the measured CPU per page."""
    n = 1e9
    use = 0.85  # of each machine's cores: the rest for reading, writing, the OS
    lines = ["**One billion pages.** CPU time is what scales: a cluster cleans its cores",
             "divided by the CPU seconds per page, as long as the store feeds it. With each",
             f"machine's cores {use:.0%} busy with pages (the rest reads, writes and serves "
             "the OS):", "",
             "| pages are | CPU per page | CPU-hours for 10^9 pages | 100 machines of 32 cores "
             "| 1,000 machines of 32 cores |",
             "|---|---|---|---|---|"]
    for what, ms in (("text dumps", text_ms), ("HTML", html_ms)):
        if ms is None:
            continue
        cpu_h = n * ms / 1000 / 3600
        lines.append(f"| {what} | {ms:.1f} ms | {cpu_h:,.0f} | "
                     f"{cpu_h / (100 * 32 * use):,.1f} h | "
                     f"{cpu_h / (1000 * 32 * use) * 60:,.0f} min |")
    if html_ms is not None:
        cpu_h = n * html_ms / 1000 / 3600
        lines += ["", f"A Common Crawl snapshot's worth of HTML, a billion pages, is about "
                      f"{cpu_h:,.0f} CPU-hours: 100 machines of 32 cores for "
                      f"{cpu_h / (100 * 32 * use):,.0f} hours, or 1,000 machines for "
                      f"{cpu_h / (1000 * 32 * use):,.1f} hours; text dumps cost "
                      f"{html_ms / text_ms:,.0f} times less."]
    lines += ["",
              "Not counted: reading the input (pages read from WARC archives cost about what "
              "files do: see [WARC archives](#warc-archives)), the network to and from the "
              "store (a shard of 1,000 HTML pages is a few MB), and the client's listing (names "
              "only). "
              "Memory: a worker process of one thread and its page process per core, at the "
              "peaks above. These are this machine's cores, shared and loaded; a recent "
              "server core is often faster, which the estimate does not assume."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
