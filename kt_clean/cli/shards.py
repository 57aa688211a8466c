"""``kt-clean batch --engine dask``: the command line of a sharded run (library:
``kt_clean.engines.dask``). Imported only when the engine is asked for."""

from __future__ import annotations

import signal
import sys
from typing import Any

import typer

from .batch import EXIT_INTERRUPTED, _interrupt, _View, _write_report
from .common import (
    EXIT_INPUT,
    EXIT_OK,
    Format,
    InputFormat,
    Run,
    check_only,
    quiet_html_libraries,
    usage_error,
)


class _ShardView(_View):
    """The local batch's progress bar and summary, with the cluster's lines."""

    def cluster(self, summary: Any) -> None:
        if not self.quiet and summary.dashboard:
            sys.stderr.write(f"kt-clean: dask dashboard at {summary.dashboard}\n")
            sys.stderr.flush()

    def more_rows(self, d: dict[str, Any]) -> list[tuple[str, str]]:
        rows = [("tasks", f"{d['tasks']:,} ({d['tasks_skipped']:,} done by an earlier run)")]
        if d["tasks_failed"]:
            rows.append(("tasks not finished", f"{d['tasks_failed']:,}"))
        if d["manifest"]:
            rows.append(("manifest", d["manifest"]))
        return rows


def batch_on_dask(*, sources: list[str], output: str | None, ndjson: str | None, fmt: Format,
                  explain: bool, jobs: int | None, glob: str, recursive: bool, force: bool,
                  timeout: float, no_sync: bool, quiet: bool, report: str | None, wait: bool,
                  encoding: str | None, input_format: InputFormat, layouts: list[str] | None,
                  max_bytes: int, only: list[str] | None, scheduler: str | None,
                  storage_option: list[str], shard_format: str, block_size: int,
                  retries: int, fast: bool = False) -> None:
    """Check the options, run on the cluster, report; exits with the run's code."""
    from ..errors import BatchError
    from ..limits import MAX_PAGE_TIMEOUT, timeout_ok

    if ndjson is not None:
        usage_error("--ndjson is the local engine's; --engine dask writes shards into -o DEST")
    if output is None:
        usage_error("give -o DEST: the folder or URL the shards go to")
    if fmt is not Format.json:
        usage_error("--engine dask writes JSON articles into its shards; --format does not "
                    "apply")
    if scheduler is not None and jobs is not None:
        usage_error("--jobs sets the workers of the cluster kt-clean starts; the cluster at "
                    "--scheduler has its own")
    if not timeout_ok(timeout):
        usage_error(f"--timeout {timeout!r}: give a number of seconds up to "
                    f"{MAX_PAGE_TIMEOUT:g} (0: no limit)")
    from ..engines.dask import ShardOptions, run_sharded
    from ..engines.storage import parse_storage_options

    try:
        storage_options = parse_storage_options(storage_option)
    except BatchError as exc:
        usage_error(str(exc))
    r = Run(encoding, input_format, layouts)  # checks --layouts before any work
    quiet_html_libraries()
    options = ShardOptions(
        sources=tuple(sources), dest=output, shard_format=shard_format, explain=explain,
        pattern=glob, recursive=recursive, force=force, timeout=timeout or None,
        encoding=encoding, input_format=r.input_format, max_bytes=max_bytes,
        layouts=r.layouts, only=check_only(only), sync=not no_sync, wait=wait,
        block_size=block_size, retries=retries, scheduler=scheduler, workers=jobs,
        storage_options=storage_options, fast=fast)
    view = _ShardView(quiet)
    old_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        summary = run_sharded(options, on_cluster=view.cluster, on_start=view.start,
                              on_progress=view.progress)
    except BatchError as exc:
        usage_error(str(exc))
    except KeyboardInterrupt:  # before the run could start its tasks
        view.stop()
        sys.stderr.write("kt-clean: interrupted\n")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGTERM, old_term)
        view.stop()
    report_failed = report is not None and not _write_report(report, summary.to_dict())
    view.summary(summary)
    if summary.earlier_failed:
        sys.stderr.write(f"kt-clean: error: {summary.errors_file}: {summary.earlier_failed:,} "
                         "pages failed in tasks an earlier run finished; they are listed "
                         "there\n")
    if summary.aborted is not None:
        sys.stderr.write(f"kt-clean: error: {summary.aborted}\n")
    if summary.interrupted:
        sys.stderr.write("kt-clean: interrupted; run the same command again to finish (the "
                         "shards written are kept)\n")
        raise typer.Exit(EXIT_INTERRUPTED)
    bad = summary.failed or summary.aborted or report_failed
    raise typer.Exit(EXIT_INPUT if bad else EXIT_OK)
