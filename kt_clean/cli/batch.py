"""The batch command: clean a folder of pages in parallel (library: ``kt_clean.batch``)."""


import signal
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from ..limits import MAX_BYTES_DEFAULT, MAX_PAGE_TIMEOUT, timeout_ok
from .common import (
    EXIT_INPUT,
    EXIT_OK,
    EncodingOpt,
    ExplainOpt,
    FastOpt,
    Format,
    FormatOpt,
    InputFormat,
    InputFormatOpt,
    LayoutsOpt,
    MaxBytesOpt,
    OnlyOpt,
    Run,
    VerboseOpt,
    app,
    check_only,
    count_by_kind,
    error,
    examples,
    pick_format,
    quiet_html_libraries,
    setup_logging,
    usage_error,
)

EXIT_INTERRUPTED = 130


class Engine(StrEnum):
    local = "local"
    dask = "dask"


@app.command(epilog=examples("kt-clean batch pages/ -o clean/ --recursive",
                             "kt-clean batch pages/ --ndjson - | jq -r .title",
                             "kt-clean batch s3://crawl/2019/ -o s3://corpus/kt/ -r --engine dask"))
def batch(
    sources: Annotated[list[str], typer.Argument(
        metavar="IN_DIR | SOURCE...",
        help="Folder of pages (text dumps, HTML, NDJSON records); with --engine dask, "
             "folders, globs, files and URLs (s3://bucket/prefix/, gs://...).",
        show_default=False)],
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="OUT_DIR",
        help="Write one file per page here, mirroring IN_DIR; failures go to "
             "OUT_DIR/_errors.ndjson. With --engine dask: the folder or URL of the "
             "shards.")] = None,
    ndjson: Annotated[str | None, typer.Option(
        "--ndjson", metavar="FILE",
        help="Instead: one JSON article per page per line into FILE ('-' is stdout), "
             "in input order.")] = None,
    fmt: FormatOpt = Format.json,
    explain: ExplainOpt = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N", help="Worker processes (default: the number of CPUs).",
        show_default=False)] = None,
    glob: Annotated[str, typer.Option(
        "--glob", metavar="PATTERN",
        help="Only pages whose name matches (the path under IN_DIR when it has a "
                       "'/').")] = "*",
    recursive: Annotated[bool, typer.Option(
        "--recursive", "-r", help="Also the pages in sub-folders.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Redo every page, even those whose output is up to date.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0, metavar="SECONDS",
        help="Per-page time limit in seconds (0: none).")] = 30.0,
    no_sync: Annotated[bool, typer.Option(
        "--no-sync", help="Do not wait for outputs to reach the disk (faster; a power loss "
                          "may then leave empty outputs).")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar, summary table or notes (failures still "
                              "print).")] = False,
    verbose: VerboseOpt = 0,
    report: Annotated[str | None, typer.Option(
        "--report", metavar="FILE", help="Write the summary as JSON to FILE.")] = None,
    wait: Annotated[bool, typer.Option(
        "--wait", help="If another batch is writing into the same output, wait for it to "
                       "finish instead of refusing to start.")] = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    only: OnlyOpt = None,
    fast: FastOpt = False,
    per_archive: Annotated[bool, typer.Option(
        "--per-archive", help="A WARC archive gives one output of all its pages (a.ndjson) "
                              "instead of one per page (a/HOST/PATH.json).")] = False,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="local: worker processes here; dask: a Dask cluster (a LocalCluster, "
                         "or --scheduler's), writing shards.")] = Engine.local,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Run on the Dask cluster at ADDRESS (tcp://host:8786); implies --engine "
             "dask.")] = None,
    storage_option: Annotated[list[str] | None, typer.Option(
        "--storage-option", metavar="KEY=VALUE",
        help="An fsspec option for the sources and the output (repeatable), e.g. "
             "endpoint_url=http://127.0.0.1:9000.")] = None,
    shard_format: Annotated[str, typer.Option(
        "--shard-format", metavar="ndjson.gz|ndjson.zst|ndjson|parquet",
        help="Dask engine: the shards' format.")] = "ndjson.gz",
    block_size: Annotated[int, typer.Option(
        "--block-size", min=1, help="Dask engine: pages per task (and per shard).")] = 1000,
    retries: Annotated[int, typer.Option(
        "--retries", min=0, help="Dask engine: times a task is run again after its worker "
                                 "died or it failed.")] = 3,
) -> None:
    """Clean every page of a folder in parallel, resumably; list every failure.

    A page whose output is not older than the page is skipped. With --engine dask (or
    --scheduler), the pages of every SOURCE go to a Dask cluster and -o DEST (a folder or a
    URL) gets one shard per block of pages, _errors/ and _manifest.json. Exit codes: 0 all
    pages fine, 1 some page failed (see _errors.ndjson), 2 usage error or unusable folder
    (nothing done), 130 interrupted.
    """
    from ..batch import BatchOptions, run_batch
    from ..errors import BatchError

    if engine is Engine.dask or scheduler is not None:
        from .shards import batch_on_dask

        setup_logging(verbose, quiet)
        if per_archive:
            usage_error("--per-archive is an option of the local engine (the Dask engine "
                        "writes each WARC archive into a shard of its own)")

        batch_on_dask(
            sources=sources, output=output, ndjson=ndjson, fmt=fmt, explain=explain,
            jobs=jobs, glob=glob, recursive=recursive, force=force, timeout=timeout,
            no_sync=no_sync, quiet=quiet, report=report, wait=wait, encoding=encoding,
            input_format=input_format, layouts=layouts, max_bytes=max_bytes, only=only,
            scheduler=scheduler, storage_option=storage_option or [],
            shard_format=shard_format, block_size=block_size, retries=retries, fast=fast)
        return
    dask_only = [name for name, given in (
        ("--storage-option", storage_option), ("--shard-format", shard_format != "ndjson.gz"),
        ("--block-size", block_size != 1000), ("--retries", retries != 3)) if given]
    if dask_only:
        usage_error(f"{dask_only[0]} is an option of --engine dask")
    if len(sources) != 1 or "://" in sources[0]:
        usage_error("the local engine cleans one local folder, IN_DIR; for several sources "
                    "or URLs give --engine dask")
    in_dir = sources[0]
    if (output is None) == (ndjson is None):
        usage_error("give -o OUT_DIR or --ndjson FILE (one of them)")
    if fmt is Format.csv:
        usage_error("batch writes a file per page; for one CSV of a folder's pages, run "
                    "'kt-clean extract IN_DIR --format csv > pages.csv'")
    if ndjson is not None and fmt is not Format.json:
        usage_error("--ndjson writes JSON articles; --format does not apply")
    if not timeout_ok(timeout):
        usage_error(f"--timeout {timeout!r}: give a number of seconds up to "
                    f"{MAX_PAGE_TIMEOUT:g} (0: no limit)")
    # checks --layouts before any work; sets up -v / -q
    r = Run(encoding, input_format, layouts, verbose=verbose, quiet=quiet)
    quiet_html_libraries()  # in this process and the workers it forks
    options = BatchOptions(
        in_dir=in_dir, out_dir=output, ndjson=ndjson, fmt=pick_format(fmt, False, False),
        explain=explain,
        jobs=jobs, pattern=glob, recursive=recursive, force=force, timeout=timeout or None,
        encoding=encoding, input_format=r.input_format, max_bytes=max_bytes,
        layouts=r.layouts, sync=not no_sync, only=check_only(only), wait=wait,
        per_archive=per_archive, fast=fast)
    view = _View(quiet)
    old_term = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as Ctrl-C does
    try:
        summary = run_batch(options, on_start=view.start, on_progress=view.progress)
    except BatchError as exc:
        usage_error(str(exc))
        return
    finally:
        signal.signal(signal.SIGTERM, old_term)
        view.stop()
    report_failed = report is not None and not _write_report(report, summary.to_dict())
    if summary.found == 0 and not summary.interrupted:
        # As `extract EMPTY_DIR`: a run that finds nothing to do is a failed one, said so.
        error(_nothing_found(in_dir, glob, recursive))
        raise typer.Exit(EXIT_INPUT)
    view.summary(summary)
    if summary.errors_problem is not None:
        sys.stderr.write(f"kt-clean: error: {summary.errors_file}: {summary.errors_problem}; "
                         f"{summary.unlisted:,} failures are listed above on stderr only\n")
    if summary.aborted is not None:
        sys.stderr.write(f"kt-clean: error: {summary.aborted}; the run stopped after "
                         f"{summary.seen:,} of {summary.found:,} pages\n")
    if summary.interrupted:
        sys.stderr.write("kt-clean: interrupted; run the same command again to finish\n")
        raise typer.Exit(EXIT_INTERRUPTED)
    bad = summary.failed or summary.aborted or report_failed
    raise typer.Exit(EXIT_INPUT if bad else EXIT_OK)


def _nothing_found(in_dir: str, glob: str, recursive: bool) -> str:
    """Why a run found no page: the pattern, the folder, or the sub-folders not searched."""
    import os

    where = f"{in_dir}: no pages" + (f" match --glob {glob!r}" if glob != "*" else " in it")
    if not recursive:
        try:
            with os.scandir(in_dir) as entries:
                if any(e.is_dir(follow_symlinks=False) and not e.name.startswith(".")
                       for e in entries):
                    where += " (its sub-folders are searched only with --recursive)"
        except OSError:
            pass
    return where


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _write_report(path: str, data: dict[str, Any]) -> bool:
    """Write the ``--report`` file; whether it was written (a failure is one line)."""
    import json

    from ..system import atomic_write

    try:
        atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        sys.stderr.write(f"kt-clean: error: {path}: cannot write the report: "
                         f"{exc.strerror or exc}\n")
        return False
    return True


class _View:
    """Progress bar and summary table on stderr (Rich, imported only when shown)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live = not quiet and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def start(self, summary: Any) -> None:
        if not self.live:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} pages/s"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            console=Console(stderr=True), transient=False)
        self.task = self.bar.add_task("batch", total=summary.total_now(), rate="-", failed=0)
        self.bar.start()
        # Why a thread: outputs are committed a chunk at a time (up to 256 pages, one disk
        # sync each), but the workers count each page as it ends; the bar follows that
        # count, so it moves page by page and its time left is right from the first pages.
        import threading

        self.summary_now = summary
        self.stopping = threading.Event()
        self.ticker = threading.Thread(target=self._tick, name="kt-clean-progress",
                                       daemon=True)
        self.ticker.start()

    def _tick(self) -> None:
        while not self.stopping.wait(0.1):
            bar = self.bar
            if bar is None:
                return
            summary = self.summary_now
            seen = summary.seen_now()
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{seen / elapsed:,.0f}" if elapsed > 0 else "-"
            bar.update(self.task, total=summary.total_now(), completed=seen, rate=rate,
                       failed=summary.failed)

    def progress(self, summary: Any, failures: list[Any]) -> None:
        lines = "".join(f"kt-clean: error: {f.error}\n" for f in failures)
        if self.bar is not None:
            for f in failures:
                self.bar.console.print(f"kt-clean: error: {f.error}", markup=False,
                                            highlight=False, soft_wrap=True)
            seen = summary.seen_now()
            rate = seen / max(self.bar.tasks[0].elapsed or 1e-9, 1e-9)
            self.bar.update(self.task, total=summary.total_now(), completed=seen,
                            rate=f"{rate:,.0f}", failed=summary.failed)
        elif lines:
            sys.stderr.write(lines)
            sys.stderr.flush()

    def stop(self) -> None:
        if self.bar is not None:
            self.stopping.set()
            self.ticker.join()
            self.bar.stop()
            self.bar = None

    def more_rows(self, d: dict[str, Any]) -> list[tuple[str, str]]:
        """Rows an engine adds to the summary table."""
        return []

    def summary(self, summary: Any) -> None:
        if self.quiet:
            return
        from rich.console import Console
        from rich.table import Table

        d = summary.to_dict()
        table = Table(title="kt-clean batch", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("pages seen", f"{d['pages_seen']:,} of {d['pages_found']:,}")
        table.add_row("cleaned", f"{d['cleaned']:,}")
        table.add_row("skipped (up to date)", f"{d['skipped']:,}")
        table.add_row("failed", count_by_kind(d["failed"], d["failures"]))
        if d["filtered"]:
            table.add_row("left out (--only)", f"{d['filtered']:,}")
        for name, count in d["layouts"].items():
            table.add_row(f"layout {name}", f"{count:,}")
        for name, count in d["page_types"].items():
            table.add_row(f"page type {name}", f"{count:,}")
        total = d["chars_kept"] + d["chars_removed"]
        share = f" ({d['chars_removed'] / total:.0%} removed)" if total else ""
        table.add_row("characters kept / removed",
                      f"{d['chars_kept']:,} / {d['chars_removed']:,}{share}")
        table.add_row("wall time", f"{d['wall_seconds']:.2f} s")
        table.add_row("pages/s", f"{d['pages_per_second']:,.0f} ({d['jobs']} jobs)")
        for label, value in self.more_rows(d):
            table.add_row(label, value)
        if d["failed"] and d["errors_file"]:
            table.add_row("failures listed in", d["errors_file"])
        Console(stderr=True, highlight=False).print(table)
