"""The fetch command: pages into a WARC archive, politely (library: ``kt_clean.fetch``)."""


import math
import signal
import sys
from typing import Annotated, Any

import typer

from ..limits import MAX_BYTES_DEFAULT
from .common import (
    EXIT_INPUT,
    EXIT_OK,
    VerboseOpt,
    app,
    count_by_kind,
    error,
    examples,
    log_enabled,
    logger,
    setup_logging,
    usage_error,
)

EXIT_INTERRUPTED = 130


@app.command(epilog=examples(
    "kt-clean fetch --sitemap https://example.com/sitemap.xml -o pages.warc.gz",
    "kt-clean fetch URL -o - | kt-clean extract - --json"))
def fetch(
    urls: Annotated[list[str] | None, typer.Argument(
        metavar="[URL...]", help="Pages to fetch.", show_default=False)] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE.warc.gz|DIR|-",
        help="Where the WARC records go: a .warc.gz file (appended to), a folder (rotating "
             ".warc.gz files), or - for stdout.", show_default=False)] = None,
    input_file: Annotated[str | None, typer.Option(
        "--input", "-i", metavar="FILE",
        help="Read URLs from FILE, one per line ('-' is stdin; '#' starts a comment).",
        show_default=False)] = None,
    sitemap: Annotated[list[str] | None, typer.Option(
        "--sitemap", metavar="URL", help="Fetch the pages a sitemap lists (sitemap indexes "
                                         "and .xml.gz too); repeatable.",
        show_default=False)] = None,
    feed: Annotated[list[str] | None, typer.Option(
        "--feed", metavar="URL", help="Fetch the items of an RSS or Atom feed; repeatable.",
        show_default=False)] = None,
    follow: Annotated[list[str] | None, typer.Option(
        "--follow", metavar="REGEX", help="Also fetch the links of fetched pages whose URL "
                                          "matches REGEX (on the seeds' hosts); repeatable.",
        show_default=False)] = None,
    max_depth: Annotated[int, typer.Option(
        "--max-depth", min=0, metavar="N",
        help="How many links away from the seeds --follow goes.")] = 1,
    max_pages: Annotated[int | None, typer.Option(
        "--max-pages", min=1, metavar="N",
        help="Take at most this many page URLs (seeds and links found), those the archive "
             "holds included.", show_default=False)] = None,
    span_hosts: Annotated[bool, typer.Option(
        "--span-hosts", help="--follow links to other hosts too.")] = False,
    rate: Annotated[float, typer.Option(
        "--rate", min=0, metavar="PER_SECOND",
        help="Requests per second per host (0: no limit); robots.txt's Crawl-delay slows it "
             "further.")] = 1.0,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", min=1, metavar="N",
        help="Requests in flight at once, across hosts.")] = 8,
    user_agent: Annotated[str | None, typer.Option(
        "--user-agent", metavar="TEXT",
        help="The User-Agent sent (default: kt-clean/VERSION with the project's address).",
        show_default=False)] = None,
    contact: Annotated[str | None, typer.Option(
        "--contact", metavar="EMAIL_OR_URL",
        help="Your contact, added to the default User-Agent for site owners.",
        show_default=False)] = None,
    ignore_robots: Annotated[bool, typer.Option(
        "--ignore-robots",
        help="Do not read robots.txt (only for sites you may crawl regardless).")] = False,
    connect_timeout: Annotated[float, typer.Option(
        "--connect-timeout", min=0.001, metavar="SECONDS",
        help="Seconds to wait for a connection.")] = 10.0,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.001, metavar="SECONDS",
        help="Seconds to wait for the server's next bytes.")] = 30.0,
    max_time: Annotated[float, typer.Option(
        "--max-time", min=0, metavar="SECONDS",
        help="Seconds one response may take in all (0: no limit).")] = 120.0,
    retries: Annotated[int, typer.Option(
        "--retries", min=0, metavar="N",
        help="Tries after the first, on connection errors, timeouts, 429 and 5xx (with "
             "backoff; Retry-After honoured).")] = 3,
    max_redirects: Annotated[int, typer.Option(
        "--max-redirects", min=0, metavar="N",
        help="Redirects followed from one URL.")] = 10,
    max_bytes: Annotated[int, typer.Option(
        "--max-bytes", min=1, metavar="N",
        help="Refuse responses larger than this many bytes.")] = MAX_BYTES_DEFAULT,
    rotate_size: Annotated[int, typer.Option(
        "--rotate-size", min=1, metavar="BYTES",
        help="-o DIR: start a new archive file past this many bytes.")] = 1_000_000_000,
    force: Annotated[bool, typer.Option(
        "--force", help="Fetch again what the archive holds (asking the server whether it "
                        "changed: If-None-Match / If-Modified-Since).")] = False,
    verbose: VerboseOpt = 0,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar and no summary (failures still print).")
    ] = False,
    report: Annotated[str | None, typer.Option(
        "--report", metavar="FILE", help="Write the summary as JSON to FILE.")] = None,
) -> None:
    """Fetch pages politely into a WARC archive: robots.txt, 1 request/s per host, retries.

    What the archive holds already is not fetched again, so the same command resumes an
    interrupted run. Exit codes: 0 every URL fetched (or skipped: robots.txt, not HTML),
    1 some URL failed (see the errors file), 2 usage error, 130 interrupted.
    """
    from ..errors import KtCleanError
    from ..fetch.crawl import Crawl, FetchOptions

    setup_logging(verbose, quiet)
    if output is None:
        usage_error("give -o FILE.warc.gz, -o DIR or -o - (stdout)")
    for name, value in (("--rate", rate), ("--connect-timeout", connect_timeout),
                        ("--timeout", timeout), ("--max-time", max_time)):
        if not math.isfinite(value):
            usage_error(f"{name} {value!r}: give a finite number")
    if output == "-" and sys.stdout.isatty():
        usage_error("-o - writes a gzipped WARC stream: pipe it into a command or a file, "
                    "not a terminal")
    seeds = list(urls or [])
    if input_file is not None:
        seeds += _read_urls(input_file)
    for pattern in follow or []:
        try:
            import re

            re.compile(pattern)
        except re.error as exc:
            usage_error(f"--follow {pattern!r}: not a regular expression ({exc})")
    if not seeds and not sitemap and not feed:
        usage_error("nothing to fetch: give URLs, -i FILE, --sitemap URL or --feed URL")
    try:
        options = FetchOptions(
            urls=tuple(seeds), sitemaps=tuple(sitemap or ()), feeds=tuple(feed or ()),
            follow=tuple(follow or ()), max_pages=max_pages, max_depth=max_depth,
            span_hosts=span_hosts, output=output, rotate_size=rotate_size, rate=rate,
            concurrency=concurrency, user_agent=user_agent, contact=contact,
            robots=not ignore_robots, connect_timeout=connect_timeout, timeout=timeout,
            max_time=max_time, retries=retries, max_redirects=max_redirects,
            max_bytes=max_bytes, force=force)
        view = _View(quiet)
        crawl = Crawl(options, on_outcome=view.outcome, on_progress=view.progress)
    except (KtCleanError, ValueError) as exc:
        usage_error(str(exc))
    old_term = signal.signal(signal.SIGTERM, _interrupt)
    lock = None
    try:
        lock = _lock(output)
        view.start()
        for page in crawl:
            if log_enabled(20):
                logger().info("%s: %s, %s bytes", page.url, page.status, f"{len(page.payload):,}")
    except KeyboardInterrupt:
        pass
    except KtCleanError as exc:  # the archive cannot be read back or written
        view.stop()
        error(str(exc))
        raise typer.Exit(EXIT_INPUT) from None
    finally:
        signal.signal(signal.SIGTERM, old_term)
        view.stop()
        if lock is not None:
            import os

            os.close(lock)
    summary = crawl.summary
    report_failed = report is not None and not _write_report(report, summary.to_dict())
    view.summary(summary)
    if summary.interrupted:
        sys.stderr.write("kt-clean: interrupted; the archive is whole; run the same command "
                         "again to go on\n")
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_INPUT if summary.failed or report_failed else EXIT_OK)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _read_urls(path: str) -> list[str]:
    """The URLs of ``-i FILE``: one per line, blank lines and ``#`` comments skipped."""
    try:
        if path == "-":
            text = sys.stdin.read() if sys.stdin is not None else ""
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(64 * 1024 * 1024)
    except OSError as exc:
        usage_error(f"{path}: cannot read: {exc.strerror or exc}")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _lock(output: str) -> int | None:
    """Hold a lock beside the output (a second fetch into it refuses to start)."""
    import fcntl
    import os

    if output == "-":
        return None
    if output.endswith(".warc.gz"):
        head, name = os.path.split(os.path.abspath(output))
        path = os.path.join(head, f".{name}.kt-clean.lock")
    else:
        os.makedirs(output, exist_ok=True)
        path = os.path.join(output, ".kt-clean.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        usage_error(f"{path}: cannot create the lock file: {exc.strerror or exc}")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        usage_error(f"{output}: another kt-clean fetch is writing there")
    except OSError:
        pass
    return fd


def _write_report(path: str, data: dict[str, Any]) -> bool:
    import json

    from ..system import atomic_write

    try:
        atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        error(f"{path}: cannot write the report: {exc.strerror or exc}")
        return False
    return True


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


class _View:
    """Progress bar, failures and the summary, on stderr (Rich only when shown)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live = not quiet and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None
        self.last = 0.0

    def start(self) -> None:
        if not self.live:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[bytes]}"), TextColumn("{task.fields[rate]} pages/s"),
            TextColumn("[red]{task.fields[failed]} failed"),
            console=Console(stderr=True), transient=False)
        self.task = self.bar.add_task("fetch", total=None, bytes="0 B", rate="-", failed=0)
        self.bar.start()

    def outcome(self, outcome: Any) -> None:
        if not outcome.failed:
            if log_enabled(20):
                logger().info("%s: skipped (%s): %s", outcome.url, outcome.reason, outcome.error)
            return
        line = f"{outcome.url}: {outcome.error}"
        if self.bar is not None:
            from .common import one_line

            self.bar.console.print(f"kt-clean: error: {one_line(line)}", markup=False,
                                   highlight=False, soft_wrap=True)
        else:
            error(line)

    def progress(self, summary: Any) -> None:
        if self.bar is None:
            return
        import time

        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last = now
        elapsed = max(self.bar.tasks[0].elapsed or 1e-9, 1e-9)
        done = summary.pages + summary.unchanged + summary.failed + summary.skipped \
            + summary.archived
        self.bar.update(self.task, completed=done, total=max(done, summary.queued +
                                                             summary.archived),
                        bytes=_size(summary.bytes), rate=f"{summary.pages / elapsed:,.1f}",
                        failed=summary.failed)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def summary(self, summary: Any) -> None:
        if self.quiet:
            return
        from rich.console import Console
        from rich.table import Table

        d = summary.to_dict()
        table = Table(title="kt-clean fetch", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("pages fetched", f"{d['pages']:,}")
        if d["unchanged"]:
            table.add_row("unchanged (revisit records)", f"{d['unchanged']:,}")
        table.add_row("already in the archive", f"{d['already_archived']:,}")
        table.add_row("redirects", f"{d['redirects']:,}")
        table.add_row("skipped", count_by_kind(d["skipped"], d["skips"]))
        table.add_row("failed", count_by_kind(d["failed"], d["failures"]))
        if d["over_max_pages"]:
            table.add_row("left out (--max-pages)", f"{d['over_max_pages']:,}")
        table.add_row("requests (retries)", f"{d['requests']:,} ({d['retries']:,})")
        table.add_row("bytes", _size(d["bytes"]))
        table.add_row("wall time", f"{d['wall_seconds']:.2f} s")
        table.add_row("pages/s", f"{d['pages_per_second']:,.1f}")
        if d["archives"]:
            table.add_row("archive", ", ".join(d["archives"][-3:]))
        if d["failed"] and d["errors_file"]:
            table.add_row("failures listed in", d["errors_file"])
        if d["skipped"] and d["skipped_file"]:
            table.add_row("skipped URLs listed in", d["skipped_file"])
        Console(stderr=True, highlight=False).print(table)
