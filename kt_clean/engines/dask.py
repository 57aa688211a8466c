"""``kt-clean batch --engine dask``: a batch run on a Dask cluster, into shards.

:func:`run_sharded` lists the pages (the client reads only names and sizes), cuts them into
tasks (:mod:`kt_clean.engines.shards`), skips the tasks an earlier run finished, and sends
the others to the cluster: an existing one (``scheduler="tcp://host:8786"``, or a
``distributed.Client`` passed in) or a ``LocalCluster`` of ``workers`` processes it starts
and stops. Workers read the pages and write the shards themselves; the client gathers each
task's counts and failures, shows progress, and writes ``_manifest.json`` last.

Failures, and what each costs:

- a bad page: listed in its task's ``_errors/part-*.ndjson`` and the summary; the task goes on;
- a page over its time limit, or one that kills the process cleaning it: handled inside the
  worker (:mod:`kt_clean.engines.child`), listed as ``timeout`` or ``lost``, never retried
  in the run;
- a worker that dies mid-task (``kill -9``, a lost machine): Dask starts another (a
  ``LocalCluster``'s nanny does; on your cluster, its deployment) and runs the task again,
  up to ``retries`` times (the scheduler's ``allowed-failures``), writing the same bytes;
  past that, the task's pages are listed as ``lost`` and the next run does the task again;
- a task that raises (a store refusing a write): retried ``retries`` times by Dask, then its
  pages are listed with reason ``write`` (``internal`` for anything but an ``OSError``: a bug).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from .._version import __version__
from ..batch import LOCK_NAME, BatchSummary, Failure, _lock, default_jobs
from ..errors import BatchError
from ..layouts import Layout
from ..limits import MAX_BYTES_DEFAULT, PAGE_TIMEOUT_DEFAULT, Limits
from ..system import remove_temp_files
from ..vocabulary import InputFormat
from .pages import PageConfig, layout_spec
from .shards import (
    ERRORS_DIR,
    MANIFEST_NAME,
    SHARD_FORMATS,
    TASKS_DIR,
    TRANSIENT_REASONS,
    Task,
    TaskConfig,
    TaskResult,
    errors_bytes,
    plan,
    run_task,
    shard_name,
)
from .storage import Destination, is_url, list_units, local_path, redact

#: Pages per task (and per shard) unless told otherwise.
BLOCK_SIZE_DEFAULT = 1000
RETRIES_DEFAULT = 3
#: How long to try reaching a --scheduler before giving up.
CONNECT_TIMEOUT = "15s"


@dataclass(frozen=True)
class ShardOptions:
    """What to clean and where to write the shards; see ``kt-clean batch -h``."""

    sources: tuple[str, ...]
    dest: str
    shard_format: str = "ndjson.gz"
    explain: bool = False
    pattern: str = "*"
    recursive: bool = False
    force: bool = False
    timeout: float | None = PAGE_TIMEOUT_DEFAULT
    encoding: str | None = None
    input_format: InputFormat = "auto"
    max_bytes: int = MAX_BYTES_DEFAULT
    layouts: tuple[Layout, ...] | None = None
    only: tuple[str, ...] = ()
    sync: bool = True
    wait: bool = False
    block_size: int = BLOCK_SIZE_DEFAULT
    retries: int = RETRIES_DEFAULT
    #: the scheduler of an existing cluster (``tcp://host:8786``); None: a LocalCluster
    scheduler: str | None = None
    #: the LocalCluster's worker processes (default: the number of CPUs)
    workers: int | None = None
    storage_options: Mapping[str, Any] = field(default_factory=dict)
    #: HTML pages without trafilatura and readability-lxml (``Limits.fast``)
    fast: bool = False


@dataclass
class ShardSummary(BatchSummary):
    """What a sharded run did: the local batch's summary, plus the cluster and the tasks."""

    engine: str = "dask"
    scheduler: str | None = None
    dashboard: str | None = None
    tasks: int = 0
    tasks_skipped: int = 0
    #: tasks that did not finish (their worker died past the retries, or they raised)
    tasks_failed: int = 0
    #: failures of the tasks an earlier run finished (listed in their ``_errors`` files)
    earlier_failed: int = 0
    shard_format: str = "ndjson.gz"
    manifest: str | None = None
    #: WARC archives among the inputs; their bytes, and those of the archives read so far
    #: with the pages found in them (``found`` counts an archive's pages once it is read)
    archives: int = 0
    archive_bytes: int = 0
    archives_read: int = 0
    archive_bytes_read: int = 0
    archive_pages: int = 0

    def total_now(self) -> int | None:
        """The pages the progress bar counts to: the files, the pages of the archives read,
        and for the archives not read yet their bytes at the pages per byte of those read
        (``None``, no estimate, until one is, or when their sizes are not known)."""
        if self.archives_read >= self.archives:
            return self.found
        left = self.archive_bytes - self.archive_bytes_read
        if left <= 0 or not self.archive_bytes_read:
            return None
        guess = self.found + round(left * self.archive_pages / self.archive_bytes_read)
        return max(guess, self.seen_now())

    def count_archive(self, task: Task, result: TaskResult) -> None:
        """An archive's task ended: its pages are found."""
        archives = [u for u in task.units if u.kind != "file"]
        if archives:
            self.found += result.pages
            self.archives_read += len(archives)
            self.archive_pages += result.pages
            self.archive_bytes_read += sum(u.size or 0 for u in archives)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update(engine=self.engine, scheduler=self.scheduler, dashboard=self.dashboard,
                    tasks=self.tasks, tasks_skipped=self.tasks_skipped,
                    tasks_failed=self.tasks_failed, earlier_failures=self.earlier_failed,
                    shard_format=self.shard_format, archives=self.archives,
                    manifest=self.manifest)
        return data


def _dask_task(task: Task, cfg: TaskConfig, topic: str) -> TaskResult:
    """One task on a worker, telling the client its progress twice a second."""
    worker: Any = None
    with suppress(Exception):
        from distributed import get_worker

        worker = get_worker()
    last = [0.0]

    def progress(done: int, failed: int) -> None:
        now = time.monotonic()
        if worker is not None and now - last[0] >= 0.5:
            last[0] = now
            with suppress(Exception):
                worker.log_event(topic, {"task": task.index, "done": done, "failed": failed})

    return run_task(task, cfg, progress)


def run_sharded(
    options: ShardOptions,
    *,
    client: Any = None,
    on_cluster: Callable[[ShardSummary], None] | None = None,
    on_start: Callable[[BatchSummary], None] | None = None,
    on_progress: Callable[[BatchSummary, list[Failure]], None] | None = None,
) -> ShardSummary:
    """Clean every page of ``options.sources`` on a Dask cluster into shards in
    ``options.dest``; the summary.

    Raises :class:`BatchError` before any work when the run cannot start (no Dask, a source
    that does not exist, a destination that cannot be written). ``on_cluster`` is called
    once the cluster is reached (``summary.dashboard``), ``on_start`` once the pages are
    counted, ``on_progress`` as pages are done and with the failures of each task ended.
    Ctrl-C (``KeyboardInterrupt``) cancels the tasks and returns with ``interrupted``.
    """
    t0 = time.perf_counter()
    opts = options
    if opts.shard_format not in SHARD_FORMATS:
        raise BatchError(f"--shard-format must be one of {', '.join(SHARD_FORMATS)}, not "
                         f"{opts.shard_format!r}")
    if opts.block_size < 1:
        raise BatchError("--block-size must be at least 1")
    if not opts.sources:
        raise BatchError("give at least one SOURCE")
    _check_libraries(opts)
    dest = Destination(opts.dest, opts.storage_options)
    summary = ShardSummary(output=dest.shown, shard_format=opts.shard_format,
                           errors_file=dest.name(ERRORS_DIR))
    _check_places(opts, dest)
    units = list_units(opts.sources, pattern=opts.pattern, recursive=opts.recursive,
                       exclude=[opts.dest], options=opts.storage_options)
    # A file is a page; an archive's pages are found when a worker reads it (the client
    # reads names and sizes only).
    archives = [u for u in units if u.kind != "file"]
    summary.found = len(units) - len(archives)
    summary.archives = len(archives)
    summary.archive_bytes = sum(u.size or 0 for u in archives)
    dest.prepare()
    lock_fd = None
    if dest.local:
        lock_fd = _lock(os.path.join(dest.root, LOCK_NAME), opts.dest, opts.wait)
    own_client = client is None
    cluster: Any = None
    try:
        if dest.local:
            remove_temp_files(dest.root)
        page_cfg = PageConfig(
            explain=opts.explain, encoding=opts.encoding, input_format=opts.input_format,
            limits=Limits(max_bytes=opts.max_bytes, page_timeout=opts.timeout or None,
                          fast=opts.fast),
            layouts=layout_spec(opts.layouts), only=tuple(opts.only))
        cfg = TaskConfig(dest, opts.shard_format, page_cfg, dict(opts.storage_options),
                         opts.sync)
        tasks = plan(units, opts.block_size, cfg)
        summary.tasks = len(tasks)
        dest.remove(MANIFEST_NAME)  # it says the run is complete: not until it is
        earlier = {} if opts.force else _finished(dest, tasks)
        _remove_stale(dest, tasks, opts.shard_format)
        results: dict[int, TaskResult] = dict(earlier)
        for result in earlier.values():  # their pages count as skipped (up to date)
            summary.tasks_skipped += 1
            summary.count_archive(tasks[result.index], result)
            _account(summary, result)
            summary.cleaned -= result.cleaned
            summary.skipped += result.cleaned
            summary.earlier_failed += result.failed
        todo = [t for t in tasks if t.index not in earlier]
        if own_client and todo:
            client, cluster = _connect(opts)
        if client is not None:
            summary.scheduler = redact(str(client.scheduler_info().get("address")
                                           or opts.scheduler or ""))
            summary.dashboard = _dashboard(client)
            summary.jobs = max(1, sum(client.nthreads().values()))
        if on_cluster is not None:
            on_cluster(summary)
        try:
            if on_start is not None:
                on_start(summary)
            if todo:
                _run_tasks(client, todo, cfg, opts, summary, results, on_progress)
        except KeyboardInterrupt:
            summary.interrupted = True
        if not summary.interrupted:
            _write_manifest(dest, opts, cfg, tasks, results, summary)
    finally:
        if own_client:
            _disconnect(client, cluster)
        if lock_fd is not None:
            os.close(lock_fd)
        summary.wall_seconds = time.perf_counter() - t0
    return summary


def _check_libraries(opts: ShardOptions) -> None:
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError:
        raise BatchError("--engine dask needs Dask and fsspec: pip install "
                         "'kt-clean[dask]'") from None
    for module, extra, what in (("zstandard", "dask", ".ndjson.zst"),
                                ("pyarrow", "parquet", "Parquet")):
        if opts.shard_format.endswith("zst" if module == "zstandard" else "parquet"):
            try:
                __import__(module)
            except ImportError:
                raise BatchError(f"{what} shards need {module}: pip install "
                                 f"'kt-clean[{extra}]'") from None


def _check_places(opts: ShardOptions, dest: Destination) -> None:
    """The destination must not be a source or hold one (shards could be read as pages)."""
    for src in opts.sources:
        if is_url(src) != (not dest.local):
            continue
        if dest.local:
            real = os.path.realpath(local_path(src))
            root = os.path.realpath(dest.root)
            if real == root or real.startswith(root + os.sep):
                raise BatchError(f"{opts.dest}: the output folder must not be or contain "
                                 f"the source {src} (shards could be read as pages)")
        else:
            a, b = redact(src).rstrip("/"), dest.shown.rstrip("/")
            if a == b or a.startswith(b + "/"):
                raise BatchError(f"{dest.shown}: the destination must not be or contain "
                                 f"the source {redact(src)}")


def _connect(opts: ShardOptions) -> tuple[Any, Any]:
    """A client of the cluster at ``opts.scheduler``, or of a LocalCluster started here."""
    import dask
    import distributed

    # distributed's constructors are untyped: Any at this boundary
    Client: Any = distributed.Client
    LocalCluster: Any = distributed.LocalCluster

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    if opts.scheduler:
        try:
            return Client(opts.scheduler, timeout=CONNECT_TIMEOUT), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"--scheduler {redact(opts.scheduler)}: cannot connect: "
                             f"{_first_line(exc)}") from None
    try:
        with dask.config.set({"distributed.scheduler.allowed-failures": opts.retries}):
            cluster = LocalCluster(n_workers=opts.workers or default_jobs(),
                                   threads_per_worker=1, processes=True,
                                   silence_logs=logging.CRITICAL, dashboard_address=":8787",
                                   preload=[__name__])
        return Client(cluster), cluster
    except Exception as exc:
        raise BatchError(f"cannot start a local Dask cluster: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def dask_setup(worker: Any) -> None:
    """Run in each worker of the LocalCluster the command starts (a Dask preload): Ctrl-C
    in the terminal reaches the whole process group, and is the command's to handle (it
    stops the cluster); a worker would end with a traceback on the terminal."""
    import signal

    with suppress(ValueError):  # not the main thread: nothing to do
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _disconnect(client: Any, cluster: Any) -> None:
    with suppress(Exception):
        if client is not None:
            client.close(timeout=10)
    with suppress(Exception):
        if cluster is not None:
            cluster.close(timeout=10)


def _dashboard(client: Any) -> str | None:
    """The dashboard's address, when the scheduler serves one (it needs bokeh there)."""
    with suppress(Exception):
        if "dashboard" in client.scheduler_info().get("services", {}) and \
                client.run_on_scheduler(_has_bokeh):
            return str(client.dashboard_link)
    return None


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def _finished(dest: Destination, tasks: list[Task]) -> dict[int, TaskResult]:
    """The tasks an earlier run finished with the same key (the same pages and options),
    and without a failure another try might not meet."""
    records = dest.read_many([f"{TASKS_DIR}/{t.name}.json" for t in tasks])
    present = set(dest.listdir())
    done: dict[int, TaskResult] = {}
    for t in tasks:
        raw = records.get(f"{TASKS_DIR}/{t.name}.json")
        if raw is None:
            continue
        try:
            data = json.loads(raw)
            if data.get("key") != t.key or data.get("shard") not in present:
                continue
            if set(data.get("failures", {})) & TRANSIENT_REASONS:
                continue
            done[t.index] = TaskResult.from_record(t.index, data)
        except (ValueError, KeyError, TypeError):
            continue  # a damaged record: the task is done again
    return done


def _remove_stale(dest: Destination, tasks: list[Task], fmt: str) -> None:
    """Remove shards, records and error lists that are not of this run's plan (an earlier
    run's of another format, or of tasks past this run's last)."""
    import re

    wanted = {shard_name(t.index, fmt) for t in tasks}
    for name in dest.listdir():
        if re.fullmatch(r"part-\d{5,}\.(?:ndjson(?:\.gz|\.zst)?|parquet)", name) and \
                name not in wanted:
            dest.remove(name)
    names = {t.name for t in tasks}
    for sub, ext in ((TASKS_DIR, ".json"), (ERRORS_DIR, ".ndjson")):
        for name in dest.listdir(sub):
            if re.fullmatch(r"part-\d{5,}" + re.escape(ext), name) and \
                    name[:-len(ext)] not in names:
                dest.remove(f"{sub}/{name}")


def _account(summary: ShardSummary, result: TaskResult) -> None:
    summary.seen += result.pages
    summary.cleaned += result.cleaned
    summary.filtered += result.filtered
    summary.layouts.update(result.layouts)
    summary.page_types.update(result.page_types)
    summary.chars_kept += result.chars_kept
    summary.chars_removed += result.chars_removed
    summary.failed += result.failed
    summary.reasons.update(result.reasons)


def _run_tasks(client: Any, todo: list[Task], cfg: TaskConfig, opts: ShardOptions,
               summary: ShardSummary, results: dict[int, TaskResult],
               on_progress: Callable[[BatchSummary, list[Failure]], None] | None) -> None:
    import distributed

    wait: Any = distributed.wait

    run_id = uuid.uuid4().hex[:12]
    topic = f"kt-clean-progress-{run_id}"
    live: dict[int, int] = {}
    lock = threading.Lock()

    def on_event(event: Any) -> None:
        _, msg = event
        with suppress(Exception), lock:
            if msg["task"] in live:
                live[msg["task"]] = int(msg["done"])

    with suppress(Exception):
        client.subscribe_topic(topic, on_event)
    window = max(4, 2 * summary.jobs)
    queue = deque(todo)
    pending: dict[Any, Task] = {}
    base = summary.seen
    last = 0.0
    try:
        while queue or pending:
            while queue and len(pending) < window:
                task = queue.popleft()
                future = client.submit(_dask_task, task, cfg, topic, retries=opts.retries,
                                       pure=False, key=f"kt-clean-{task.name}-{run_id}")
                with lock:
                    live[task.index] = 0
                pending[future] = task
            try:
                done = wait(list(pending), timeout=0.25, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            for future in done:
                task = pending.pop(future)
                with lock:
                    live.pop(task.index, None)
                result = _result_of(future, task, cfg)
                if not result.shard:
                    summary.tasks_failed += 1
                results[task.index] = result
                summary.count_archive(task, result)
                _account(summary, result)
                base += result.pages
                failures = [Failure(p, r, e) for p, r, e in result.failures]
                if on_progress is not None:
                    on_progress(summary, failures)
            now = time.monotonic()
            if not done and now - last >= 0.25:
                last = now
                with lock:
                    summary.seen = base + sum(live.values())
                if on_progress is not None:
                    on_progress(summary, [])
                summary.seen = base
    except KeyboardInterrupt:
        with suppress(Exception):
            client.cancel(list(pending), force=True)
        raise
    finally:
        with suppress(Exception):
            client.unsubscribe_topic(topic)


def _result_of(future: Any, task: Task, cfg: TaskConfig) -> TaskResult:
    """A finished task's result; a task that did not finish lists all its pages."""
    try:
        result: TaskResult = future.result()
        return result
    except Exception as exc:  # its worker died past the retries, or it raised
        name = type(exc).__name__
        if name == "KilledWorker":
            reason = "lost"
            why = (f"the workers running its task ({task.name}) died, more times than "
                   "--retries allows; the next run does the task again")
        else:  # a store refusing a write; anything else is a bug
            reason = "write" if isinstance(exc, OSError) else "internal"
            detail = [line for line in str(exc).splitlines() if line.strip()]
            why = f"its task ({task.name}) failed: {name}"
            if detail:
                why += f": {detail[0].strip()[:300]}"
        result = TaskResult(task.index, task.key, "", pages=len(task.units))
        result.failures = [(u.source, reason, f"{u.source}: {why}") for u in task.units]
        with suppress(Exception):
            cfg.dest.write(f"{ERRORS_DIR}/{task.name}.ndjson", errors_bytes(result.failures),
                           sync=cfg.sync)
        return result


def _write_manifest(dest: Destination, opts: ShardOptions, cfg: TaskConfig,
                    tasks: list[Task], results: dict[int, TaskResult],
                    summary: ShardSummary) -> None:
    """``_manifest.json``: what the run read, with which options, what it made. Written
    last; the same for the same pages and options, however many runs it took."""
    totals: Counter[str] = Counter()
    layouts: Counter[str] = Counter()
    page_types: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    shards = []
    errors = []
    for t in tasks:
        r = results.get(t.index)
        if r is None:
            continue
        totals.update(pages=r.pages, cleaned=r.cleaned, failed=r.failed,
                      filtered=r.filtered, records=r.records, chars_kept=r.chars_kept,
                      chars_removed=r.chars_removed)
        layouts.update(r.layouts)
        page_types.update(r.page_types)
        reasons.update(r.reasons)
        if r.shard:
            shards.append({"name": r.shard, "records": r.records, "bytes": r.shard_bytes,
                           "sha256": r.sha256, "pages": r.pages, "failed": r.failed})
        if r.failed:
            errors.append(f"{ERRORS_DIR}/{t.name}.ndjson")
    page = cfg.page
    manifest = {
        "kt_clean": __version__,
        "engine": "dask",
        "complete": len(shards) == len(tasks),
        "inputs": {"sources": [redact(s) for s in opts.sources], "glob": opts.pattern,
                   "recursive": opts.recursive, "pages": summary.found},
        "options": {
            "shard_format": opts.shard_format, "block_size": opts.block_size,
            "explain": page.explain, "encoding": page.encoding,
            "input_format": page.input_format, "max_bytes": page.limits.max_bytes,
            "timeout": page.limits.page_timeout, "only": list(page.only),
            "layouts": page.fingerprint()["layouts"],
        },
        "counts": {
            "pages": totals["pages"], "cleaned": totals["cleaned"],
            "failed": totals["failed"], "filtered": totals["filtered"],
            "records": totals["records"], "failures": dict(sorted(reasons.items())),
            "layouts": dict(sorted(layouts.items())),
            "page_types": dict(sorted(page_types.items())),
            "chars_kept": totals["chars_kept"], "chars_removed": totals["chars_removed"],
        },
        "tasks": len(tasks),
        "shards": shards,
        "errors": errors,
    }
    try:
        try:
            text = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        except UnicodeEncodeError:  # a source named in bytes that are not UTF-8
            text = json.dumps(manifest, indent=1).encode("ascii")
        dest.write(MANIFEST_NAME, text + b"\n", sync=cfg.sync)
        summary.manifest = dest.name(MANIFEST_NAME)
    except Exception as exc:
        summary.aborted = f"{dest.name(MANIFEST_NAME)}: cannot write: {exc}"
