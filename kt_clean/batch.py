"""Batch runs over a folder of pages: parallel, resumable, and no page is ever lost silently.

``run_batch`` cleans every page of a folder with the same library calls as ``extract``
(:func:`kt_clean.pipeline.article` then :func:`kt_clean.render.render`), finding the pages
with the one folder walker (:func:`kt_clean.inputs.walk.iter_pages`), and writes either one
output file per page, mirroring the input tree, or one NDJSON stream. It is the library
behind ``kt-clean batch`` (see ``docs/cli.md#batch``); it prints nothing itself.

The guarantees, and how they are kept:

- **Atomic outputs.** Every file is written to a hidden temporary file (``.kt-clean-*.tmp``)
  in its target folder, flushed to disk, and renamed over the target; a run killed at any
  moment (Ctrl-C, ``kill -9``, power loss) leaves complete outputs or none. To keep that cheap
  a worker writes a chunk of pages, makes the file system durable once (``syncfs``), then
  renames them all. Leftover temporary files are removed when the next run starts.
- **Resumable.** A page whose output exists and is not older than the page is skipped
  (``force=True`` redoes it). A page written before a crash is complete, so skipping is safe.
- **Failures are listed.** Each failing page is one JSON line ``{"path", "reason", "error"}``
  appended to ``_errors.ndjson`` as it happens, and counted; nothing stops the run.
- **Outputs stay inside the output folder.** Output names come from the names found by
  listing the input folder (never ``..``); the target is checked to resolve inside the output
  folder, so a symlinked sub-folder there cannot redirect writes elsewhere. Symlinked input
  files are read only when they resolve inside the input folder; symlinked input folders are
  not followed.
- **Workers may die.** A worker killed mid-chunk (``kill -9``, the OOM killer) is noticed at
  once (``BrokenProcessPool``); the pool is replaced and the pages that were in flight are
  cleaned again one by one, so only a page that kills its worker again is listed (``lost``).
- **Per-page time limit.** A page's whole work (reading, parsing, cleaning) runs within
  :func:`kt_clean.system.time_limit` in the process doing it; a page over the limit is a
  failure with reason ``timeout``. A page deaf to the alarm (a long C call) is stopped by
  the parent after a grace period: its worker is killed and the page listed as ``timeout``.
"""

from __future__ import annotations

import functools
import json
import os
import stat
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, Literal

from . import log, pipeline
from .errors import BatchError, InputError, KtCleanError, PageTimeout
from .inputs import iter_path
from .inputs.walk import ERRORS_NAME, Found, iter_pages
from .layouts import Layout, builtin_layouts
from .limits import MAX_BYTES_DEFAULT, PAGE_TIMEOUT_DEFAULT, Limits
from .model import Document
from .render import render
from .system import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    deferred_interrupts,
    die_with_parent,
    make_durable,
    remove_temp_files,
    temp_file,
    time_limit,
    umask,
    write_all,
)
from .vocabulary import FAILURE_REASONS, Format, InputFormat

__all__ = ["ERRORS_NAME", "BatchError", "BatchOptions", "BatchSummary", "Failure", "Found",
           "PageResult", "iter_pages", "remove_temp_files", "run_batch"]

#: The extension of each format's output files.
EXTENSIONS = {"json": ".json", "markdown": ".md", "text": ".txt"}
TIMEOUT_DEFAULT = PAGE_TIMEOUT_DEFAULT

#: Why a page failed (the ``reason`` of an ``_errors.ndjson`` line; see ``vocabulary``).
REASONS = tuple(FAILURE_REASONS)


@dataclass(frozen=True)
class BatchOptions:
    """What to clean and where to write it; see ``kt-clean batch -h``.

    Give ``out_dir`` (one output file per page) or ``ndjson`` (a path, or ``"-"`` for the
    ``stream`` passed to :func:`run_batch`).
    """

    in_dir: str
    out_dir: str | None = None
    ndjson: str | None = None
    fmt: Format = "json"
    explain: bool = False
    jobs: int | None = None
    pattern: str = "*"
    recursive: bool = False
    force: bool = False
    timeout: float | None = TIMEOUT_DEFAULT
    encoding: str | None = None
    input_format: InputFormat = "auto"
    max_bytes: int = MAX_BYTES_DEFAULT
    layouts: tuple[Layout, ...] | None = None
    sync: bool = True
    chunk_size: int | None = None
    #: when another run holds the output's lock, wait for it instead of refusing to start
    wait: bool = False
    #: keep only the pages of these page types (``article``); the others are counted in
    #: ``filtered`` and get no output
    only: tuple[str, ...] = ()
    #: a WARC archive gives one output of all its pages (``a.warc.gz`` -> ``a.ndjson``)
    #: instead of one per page (``a/HOST/PATH.json``)
    per_archive: bool = False
    #: HTML pages without trafilatura and readability-lxml (``Limits.fast``)
    fast: bool = False


@dataclass
class BatchSummary:
    """What a run did. ``to_dict`` is the ``--report`` JSON."""

    found: int = 0
    seen: int = 0
    cleaned: int = 0
    skipped: int = 0
    failed: int = 0
    filtered: int = 0
    layouts: Counter[str] = field(default_factory=Counter)
    page_types: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    chars_kept: int = 0
    chars_removed: int = 0
    wall_seconds: float = 0.0
    jobs: int = 1
    interrupted: bool = False
    output: str | None = None
    errors_file: str | None = None
    #: why the errors file stopped taking lines (a full disk), and how many failures it
    #: misses (they were all reported through ``on_progress``)
    errors_problem: str | None = None
    unlisted: int = 0
    #: why the run stopped before its end (the NDJSON output cannot be written), or None
    aborted: str | None = None
    #: pages the workers have finished, counted as each one ends (``seen`` moves a chunk
    #: at a time): a shared counter, for a progress bar that moves page by page
    worker_pages: Any = field(default=None, repr=False, compare=False)
    handled: int = field(default=0, repr=False, compare=False)

    def seen_now(self) -> int:
        """Pages seen so far, counting those of chunks still in flight."""
        counter = self.worker_pages
        in_flight = (counter.value - self.handled) if counter is not None else 0
        return self.seen + max(0, in_flight)

    def total_now(self) -> int | None:
        """The pages a progress bar counts to (``None``: not known yet)."""
        return self.found

    @property
    def pages_per_second(self) -> float:
        return self.seen / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages_found": self.found,
            "pages_seen": self.seen,
            "cleaned": self.cleaned,
            "skipped": self.skipped,
            "failed": self.failed,
            "filtered": self.filtered,
            "failures": dict(sorted(self.reasons.items())),
            "layouts": dict(sorted(self.layouts.items())),
            "page_types": dict(sorted(self.page_types.items())),
            "chars_kept": self.chars_kept,
            "chars_removed": self.chars_removed,
            "wall_seconds": round(self.wall_seconds, 3),
            "pages_per_second": round(self.pages_per_second, 1),
            "jobs": self.jobs,
            "interrupted": self.interrupted,
            "output": self.output,
            "errors_file": self.errors_file,
            "unlisted_failures": self.unlisted,
            "aborted": self.aborted,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    reason: str
    error: str

    def to_line(self) -> bytes:
        return _json_line({"path": self.path, "reason": self.reason, "error": self.error})


# -- output names ------------------------------------------------------------------------

def output_path(out_real: str, out_rel: str) -> str:
    """The absolute output path of ``out_rel``; refuses anything that is not inside."""
    if os.path.isabs(out_rel) or any(part in ("", ".", "..") for part in out_rel.split(os.sep)):
        raise ValueError(f"unsafe output name {out_rel!r}")
    target = os.path.normpath(os.path.join(out_real, out_rel))
    if not target.startswith(out_real + os.sep):
        raise ValueError(f"output name {out_rel!r} leaves the output folder")
    return target


# -- one page, one chunk (in a worker process, or in this one with jobs=1) --------------------

@dataclass(frozen=True)
class _Config:
    in_dir: str
    out_real: str | None
    fmt: Format
    explain: bool
    force: bool
    encoding: str | None
    input_format: InputFormat
    limits: Limits
    layouts: tuple[Layout, ...]
    sync: bool
    stream: bool
    umask: int
    parent_pid: int
    only: tuple[str, ...] = ()


Status = Literal["cleaned", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class PageResult:
    """What became of one page: ``cleaned`` (its layouts and characters kept and removed;
    in stream mode its rendered ``output``), ``skipped`` (its output is up to date) or
    ``failed`` (a ``reason`` code and a one-line ``error``)."""

    status: Status
    rel: str
    layouts: tuple[str, ...] = ()
    page_types: tuple[str, ...] = ()
    chars_kept: int = 0
    chars_removed: int = 0
    output: bytes | None = None
    #: pages of the file left out by ``only``
    filtered: int = 0
    reason: str | None = None
    error: str | None = None
    #: pages of a file of many (a WARC archive cleaned as one) that failed: (reason, error)
    failures: tuple[tuple[str, str], ...] = ()
    #: how long the page took in its worker (for ``-v``'s line per page)
    seconds: float = 0.0

    @classmethod
    def failed(cls, rel: str, reason: str, error: str) -> PageResult:
        return cls("failed", rel, reason=reason, error=error)


_CONFIG: _Config | None = None
_READY_DIRS: set[str] = set()
#: The run's shared count of finished pages (``BatchSummary.worker_pages``), or None.
_DONE: Any = None


def _worker_init(config: _Config, done: Any = None) -> None:
    global _CONFIG, _DONE
    import signal

    _CONFIG = config
    _DONE = done
    _READY_DIRS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(config.parent_pid)


#: One page to clean: its path under the input folder, its output name, and for a page of a
#: WARC archive its record's offset and date (``None`` for a file).
Work = tuple[str, str | None, int | None, float | None]


def _run_chunk(chunk: list[Work]) -> list[PageResult]:
    assert _CONFIG is not None
    try:
        return process_chunk(_CONFIG, chunk)
    finally:
        _give_back_memory()


#: A worker holding more than this after a chunk hands its free memory back to the system.
WORKER_TRIM_BYTES = 192 * 1024 * 1024


def _give_back_memory() -> None:
    """After a large page a worker keeps its peak: glibc's allocator holds freed memory
    (a 410,000-element HTML page leaves 223 MB resident; after ``malloc_trim`` 56 MB), and
    over a long run each worker would sit at the largest page it ever saw."""
    if _resident_bytes() <= WORKER_TRIM_BYTES:
        return
    import gc

    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or ``None`` where there is none (macOS, musl)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def process_chunk(cfg: _Config, chunk: list[Work]) -> list[PageResult]:
    """Clean the pages of a chunk; outputs are renamed into place after one sync."""
    results: list[PageResult] = []
    pending: list[tuple[int, str, str]] = []  # (result index, temp file, target)
    try:
        for rel, out_rel, offset, stamp in chunk:
            started = time.perf_counter()
            result, staged = _process_page(cfg, rel, out_rel, offset, stamp)
            result = replace(result, seconds=time.perf_counter() - started)
            if staged:
                pending.append((len(results), *staged))
            results.append(result)
            if _DONE is not None:
                with _DONE.get_lock():
                    _DONE.value += 1
        if pending:
            if cfg.sync:
                make_durable([tmp for _, tmp, _ in pending])
            for index, tmp, target in pending:
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    results[index] = PageResult.failed(
                        results[index].rel, "write",
                        f"cannot write {target}: {exc.strerror or exc}")
                    with suppress(OSError):
                        os.unlink(tmp)
            pending.clear()
    finally:
        for _, tmp, _ in pending:  # interrupted: no temporary file stays behind
            with suppress(OSError):
                os.unlink(tmp)
    return results


def _process_page(cfg: _Config, rel: str, out_rel: str | None, offset: int | None = None,
                  stamp: float | None = None) -> tuple[PageResult, tuple[str, str] | None]:
    source = os.path.join(cfg.in_dir, rel)
    target = None
    if not cfg.stream:
        assert cfg.out_real is not None and out_rel is not None
        try:
            target = output_path(cfg.out_real, out_rel)
        except ValueError as exc:
            return PageResult.failed(rel, "outside", str(exc)), None
        if not cfg.force:
            try:
                done = os.stat(target).st_mtime_ns
                # a record never changes: its output is up to date if made after its fetch
                if done >= (int(stamp * 1e9) if stamp is not None
                            else os.stat(source).st_mtime_ns):
                    return PageResult("skipped", rel), None
            except OSError:
                pass
    try:
        text, layouts, page_types, kept, removed, filtered, failures = _clean(
            cfg, source, offset)
    except PageTimeout as exc:
        return PageResult.failed(rel, "timeout", f"{source}: {exc}"), None
    except InputError as exc:
        return PageResult.failed(rel, exc.reason, str(exc)), None
    except Exception as exc:  # a bug must not stop the run nor hide the page
        return PageResult.failed(
            rel, "internal", f"{source}: internal error: {type(exc).__name__}: {exc}"), None
    data = text.encode("utf-8", "surrogateescape")
    if cfg.stream:
        return PageResult("cleaned", rel, layouts, page_types, kept, removed, output=data,
                          filtered=filtered, failures=failures), None
    assert target is not None
    if (filtered or failures) and not layouts:  # no page of the file to write: no file
        return PageResult("cleaned", rel, page_types=page_types, filtered=filtered,
                          failures=failures), None
    try:
        tmp = _write_temp(cfg, target, data)
    except (OSError, ValueError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return PageResult.failed(rel, "write",
                                 f"{source}: cannot write its output: {problem}"), None
    return PageResult("cleaned", rel, layouts, page_types, kept, removed,
                      filtered=filtered, failures=failures), (tmp, target)


def _clean(cfg: _Config, source: str, offset: int | None = None
           ) -> tuple[str, tuple[str, ...], tuple[str, ...], int, int, int,
                      tuple[tuple[str, str], ...]]:
    """The page's rendered output, its layouts, the characters kept and removed, how many
    of its pages ``only`` left out, and the pages of it that failed (reason, error: a WARC
    archive cleaned as one goes on past them). A file's whole work (reading, parsing,
    cleaning) runs within its time limit; an archive's, each page's."""
    parts: list[str] = []
    layouts: list[str] = []
    page_types: list[str] = []
    kept = removed = filtered = 0
    failures: list[tuple[str, str]] = []

    def clean(doc: Document) -> None:
        nonlocal kept, removed, filtered
        art = pipeline.article(doc, cfg.layouts, limits=cfg.limits)
        page_types.append(art.page_type)  # counted whether --only keeps the page or not
        if cfg.only and art.page_type not in cfg.only:
            filtered += 1
            return
        parts.append(render(art, cfg.fmt, cfg.explain))
        layouts.append(art.layout)
        if art.document is not None:
            k, r = art.document.characters()
            kept += k
            removed += r

    if offset is not None:  # one page of an archive
        with time_limit(cfg.limits.page_timeout):
            from .inputs.warc import page_at

            clean(page_at(source, offset, cfg.limits.max_bytes).document(
                encoding=cfg.encoding, input_format=cfg.input_format, limits=cfg.limits))
    else:
        with time_limit(cfg.limits.page_timeout):
            docs = iter_path(source, encoding=cfg.encoding, input_format=cfg.input_format,
                             limits=cfg.limits)
            if isinstance(docs, list):
                for doc in docs:
                    clean(doc)
        if not isinstance(docs, list):  # a WARC archive into one output (--per-archive)
            from .inputs.warc import file_documents

            pages = file_documents(source, encoding=cfg.encoding,
                                   input_format=cfg.input_format, limits=cfg.limits,
                                   on_error=lambda exc: failures.append((exc.reason,
                                                                         str(exc))))
            while True:
                try:
                    with time_limit(cfg.limits.page_timeout):
                        page = next(pages, None)
                        if page is None:
                            break
                        clean(page)
                except PageTimeout as exc:
                    failures.append(("timeout", f"{source}: {exc}"))
                    break  # the reader was stopped inside: the rest cannot be trusted
                except KtCleanError as exc:
                    reason = exc.reason if isinstance(exc, InputError) else "input"
                    failures.append((reason, f"{source}: {exc}"))
    return ("".join(parts), tuple(layouts), tuple(page_types), kept, removed, filtered,
            tuple(failures))


def _write_temp(cfg: _Config, target: str, data: bytes) -> str:
    folder = os.path.dirname(target)
    if folder not in _READY_DIRS:
        assert cfg.out_real is not None
        _make_dirs_inside(cfg.out_real, folder)
        _READY_DIRS.add(folder)
    return temp_file(folder, data, mode=0o666 & ~cfg.umask)


def _make_dirs_inside(out_real: str, folder: str) -> None:
    """Create ``folder`` (inside ``out_real``) one level at a time, refusing to go through a
    symbolic link: nothing is ever created outside the output folder, and a tree thousands
    of folders deep is made without recursion."""
    here = out_real
    for part in os.path.relpath(folder, out_real).split(os.sep):
        if part in ("", "."):
            continue
        here = os.path.join(here, part)
        try:
            os.mkdir(here)
            continue
        except FileExistsError:
            pass
        st = os.lstat(here)
        if stat.S_ISLNK(st.st_mode):
            raise ValueError(f"{here} is a symlink: it could lead outside the output folder")
        if not stat.S_ISDIR(st.st_mode):
            raise ValueError(f"{here} exists and is not a folder")


# -- the run ----------------------------------------------------------------------------------

def errors_path_for(options: BatchOptions) -> str | None:
    """Where the run lists its failures: ``OUT_DIR/_errors.ndjson``, or next to the NDJSON
    file (``articles.ndjson`` -> ``articles.errors.ndjson``); ``None`` for stdout."""
    if options.out_dir is not None:
        return os.path.join(options.out_dir, ERRORS_NAME)
    if options.ndjson and options.ndjson != "-" and not _is_special(options.ndjson):
        head, name = os.path.split(os.path.realpath(options.ndjson))
        stem = name[:-len(".ndjson")] if name.endswith(".ndjson") and len(name) > 7 else name
        return os.path.join(head, stem + ".errors.ndjson")
    return None


def _is_special(path: str) -> bool:
    """Whether ``path`` is an existing FIFO, device or socket (written to, never replaced)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_batch(
    options: BatchOptions,
    *,
    stream: BinaryIO | None = None,
    on_start: Callable[[BatchSummary], None] | None = None,
    on_progress: Callable[[BatchSummary, list[Failure]], None] | None = None,
) -> BatchSummary:
    """Clean every page of ``options.in_dir``; returns the summary.

    Raises :class:`BatchError` before any work when the run cannot start. ``on_start`` is
    called once the pages are counted (``summary.found``) and the workers are up;
    ``on_progress`` after each chunk with the failures it brought. Ctrl-C
    (``KeyboardInterrupt``) stops the workers and returns the summary with ``interrupted``.
    """
    global _DONE
    t0 = time.perf_counter()
    opts = options
    if opts.fmt not in EXTENSIONS:  # (CSV is one table of many pages: extract writes it)
        raise BatchError(f"format must be one of {', '.join(EXTENSIONS)}, not {opts.fmt!r}")
    if (opts.out_dir is None) == (opts.ndjson is None):
        raise BatchError("give an output folder or an NDJSON stream (and not both)")
    in_real = _check_input(opts.in_dir)
    jobs = max(1, opts.jobs or default_jobs())
    summary = BatchSummary(jobs=jobs, output=opts.out_dir or opts.ndjson)
    errors_file = errors_path_for(opts)
    summary.errors_file = errors_file
    stream_mode = opts.ndjson is not None
    exclude: list[str] = []
    out_real = None
    if opts.out_dir is not None:
        out_real = _prepare_out_dir(opts.out_dir, in_real)
        exclude.append(out_real)
    ext = None if stream_mode else EXTENSIONS[opts.fmt]
    ndjson_tmp = None
    out_stream: BinaryIO | None = None
    lock_fd = None
    if stream_mode and opts.ndjson != "-":
        assert opts.ndjson is not None
        target = os.path.realpath(opts.ndjson)
        if target == in_real or target.startswith(in_real + os.sep):
            raise BatchError(f"{opts.ndjson}: the NDJSON output must not be inside the input "
                             "folder (it could overwrite a page)")
        if errors_file is not None and os.path.realpath(errors_file).startswith(
                in_real + os.sep):
            raise BatchError(f"{errors_file}: the errors file must not be inside the input "
                             "folder")
        exclude.append(opts.ndjson)
        if _is_special(opts.ndjson):  # a FIFO, /dev/stdout: written to as it is
            out_stream = _open_special(opts.ndjson)
        else:
            lock_fd = _lock(_lock_path_for(target), opts.ndjson, opts.wait)
            _remove_stream_temps(target)
            ndjson_tmp, out_stream = _open_stream_file(opts.ndjson)
    elif stream_mode:
        out_stream = stream
        if out_stream is None:
            import sys

            out_stream = sys.stdout.buffer
    errors_fd = None
    try:
        if out_real is not None:
            lock_fd = _lock(os.path.join(out_real, LOCK_NAME), opts.out_dir or out_real,
                            opts.wait)
        if errors_file is not None:
            exclude.append(errors_file)
            errors_fd = _open_errors(errors_file)
        if out_real is not None:
            remove_temp_files(out_real)

        archives: dict[str, list[Found]] = {}

        def listing() -> Iterator[Found]:
            found = iter_pages(opts.in_dir, opts.pattern, recursive=opts.recursive, ext=ext,
                               exclude=exclude)
            return _archive_pages(found, opts, ext, archives)

        summary.found = sum(1 for _ in listing())
        config = _Config(
            in_dir=opts.in_dir, out_real=out_real, fmt=opts.fmt, explain=opts.explain,
            force=opts.force, encoding=opts.encoding, input_format=opts.input_format,
            limits=Limits(max_bytes=opts.max_bytes, page_timeout=opts.timeout or None,
                          fast=opts.fast),
            layouts=tuple(opts.layouts) if opts.layouts is not None else builtin_layouts(),
            sync=opts.sync, stream=stream_mode, umask=umask(), parent_pid=os.getpid(),
            only=tuple(opts.only))
        # Why 256: each chunk ends with one sync of the disk (~20 ms here) before its renames;
        # bigger chunks amortise it, and at most 4 per worker are in flight.
        size = opts.chunk_size or max(1, min(256, summary.found // (jobs * 8) or 1))
        chunks = _chunks(listing(), size)

        def handle(found: list[Found], results: list[PageResult]) -> None:
            failures = [Failure(os.path.join(opts.in_dir, f.rel), f.reason or "input",
                                f"{f.where or os.path.join(opts.in_dir, f.rel)}: {f.problem}")
                        for f in found]
            for result in results:
                for reason, message in result.failures:
                    failures.append(Failure(os.path.join(opts.in_dir, result.rel), reason,
                                            message))
                if result.status == "cleaned":
                    summary.cleaned += 1
                    summary.filtered += result.filtered
                    summary.layouts.update(result.layouts)
                    summary.page_types.update(result.page_types)
                    summary.chars_kept += result.chars_kept
                    summary.chars_removed += result.chars_removed
                    if stream_mode and out_stream is not None and result.output is not None:
                        _to_stream(out_stream, result.output, opts.ndjson)
                elif result.status == "skipped":
                    summary.skipped += 1
                else:
                    failures.append(Failure(os.path.join(opts.in_dir, result.rel),
                                            result.reason or "internal", result.error or ""))
            for failure in failures:
                summary.failed += 1
                summary.reasons[failure.reason] += 1
                if errors_fd is not None and summary.errors_problem is None:
                    try:
                        write_all(errors_fd, failure.to_line())
                    except OSError as exc:  # a full disk: the failures still reach stderr
                        summary.errors_problem = f"cannot write: {exc.strerror or exc}"
                if summary.errors_problem is not None:
                    summary.unlisted += 1
            if log.enabled(log.INFO):  # -v: a line per page, as the other commands give
                for result in results:
                    page = os.path.join(opts.in_dir, result.rel)
                    if result.status == "cleaned":
                        log.info("kt_clean.batch", "%s: done in %.1f ms", page,
                                 result.seconds * 1000)
                    elif result.status == "skipped":
                        log.info("kt_clean.batch", "%s: skipped (up to date)", page)
            summary.seen += len(found) + len(results)
            summary.handled += len(results)
            if stream_mode and out_stream is not None:
                _to_stream(out_stream, None, opts.ndjson)
            if on_progress is not None:
                on_progress(summary, failures)

        import multiprocessing

        summary.worker_pages = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None).Value("q", 0)
        _DONE = summary.worker_pages if jobs == 1 else None  # jobs=1: cleaned right here
        try:
            if jobs == 1:
                _run_here(config, chunks, on_start, summary, handle)
            else:
                _run_pool(config, chunks, jobs, on_start, summary, handle)
        except KeyboardInterrupt:
            summary.interrupted = True
            if out_real is not None:
                remove_temp_files(out_real)
        except _StreamError as exc:  # the NDJSON output cannot take more: stop, say why
            summary.aborted = str(exc)
        if ndjson_tmp is not None and out_stream is not None and summary.aborted is None:
            assert opts.ndjson is not None
            try:
                _close_stream_file(out_stream, ndjson_tmp, opts.ndjson, opts.sync)
                ndjson_tmp = None
            except OSError as exc:
                summary.aborted = f"{opts.ndjson}: cannot write: {exc.strerror or exc}"
        elif out_stream is not None and ndjson_tmp is None and opts.ndjson not in (None, "-"):
            with suppress(OSError):
                out_stream.close()  # a FIFO or a device
    finally:
        if errors_fd is not None:
            os.close(errors_fd)
        if ndjson_tmp is not None:
            if out_stream is not None:
                with suppress(OSError):
                    out_stream.close()
            with suppress(OSError):
                os.unlink(ndjson_tmp)
        if lock_fd is not None:
            os.close(lock_fd)  # releases the lock
        _DONE = None
        summary.wall_seconds = time.perf_counter() - t0
    return summary


def _archive_pages(found: Iterator[Found], opts: BatchOptions, ext: str | None,
                   seen: dict[str, list[Found]]) -> Iterator[Found]:
    """The pages found, with each WARC archive (``.warc``, ``.warc.gz``) standing for its
    pages: one item per page, its output named from its URL inside the archive's folder
    (``a.warc.gz`` -> ``a/HOST/PATH.json``), the last record of a URL winning. An archive
    whose records cannot be seeked to (gzipped as a whole), and every archive with
    ``per_archive``, stays one item with one output (``a.ndjson`` for JSON). ``seen``
    keeps each archive's listing for the second walk over the folder."""
    from .inputs.warc import list_pages, record_output_name, warc_name

    for f in found:
        if f.problem is not None or not warc_name(f.rel):
            yield f
            continue
        if opts.per_archive:
            yield _one_output(f, opts)
            continue
        if f.rel not in seen:
            path = os.path.join(opts.in_dir, f.rel)
            entries: dict[str, Found] = {}
            problems: list[Found] = []
            whole = False
            for entry in list_pages(path, opts.max_bytes):
                if isinstance(entry, InputError):
                    problems.append(Found(f.rel, None, entry.problem, entry.reason,
                                          where=None if entry.source == path
                                          else entry.source))
                    continue
                if entry.offset is None:
                    whole = True
                    break
                out = record_output_name(f.rel, entry.url, ext) if ext else None
                key = out if out is not None else f"{entry.url}\0{entry.offset}"
                entries.pop(key, None)  # a later record of the URL replaces it
                entries[key] = Found(f.rel, out, offset=entry.offset, stamp=entry.stamp)
            seen[f.rel] = [_one_output(f, opts)] if whole else [*problems, *entries.values()]
        yield from seen[f.rel]


def _one_output(f: Found, opts: BatchOptions) -> Found:
    """An archive as one item: its output named as a file's, ``.ndjson`` for JSON."""
    out = f.out_rel
    if out is not None and opts.fmt == "json" and out.endswith(".json"):
        out = out[:-len(".json")] + ".ndjson"
    return Found(f.rel, out)


Chunk = tuple[list[Found], list[Work]]


def _chunks(found: Iterator[Found], size: int) -> Iterator[Chunk]:
    """(pages that failed while listing, pages to clean) of at most ``size`` pages each."""
    bad: list[Found] = []
    work: list[Work] = []
    for f in found:
        if f.problem is not None:
            bad.append(f)
        else:
            work.append((f.rel, f.out_rel, f.offset, f.stamp))
        if len(bad) + len(work) >= size:
            yield bad, work
            bad, work = [], []
    if bad or work:
        yield bad, work


def _run_here(config: _Config, chunks: Iterator[Chunk],
              on_start: Callable[[BatchSummary], None] | None, summary: BatchSummary,
              handle: Callable[[list[Found], list[PageResult]], None]) -> None:
    if on_start is not None:
        on_start(summary)
    for found, work in chunks:
        handle(found, process_chunk(config, work) if work else [])


def _run_pool(config: _Config, chunks: Iterator[Chunk], jobs: int,
              on_start: Callable[[BatchSummary], None] | None, summary: BatchSummary,
              handle: Callable[[list[Found], list[PageResult]], None]) -> None:
    """Run the chunks on ``jobs`` worker processes, surviving workers that die.

    Why not ``multiprocessing.Pool``: it never tells that a worker died, so a chunk given to
    a killed worker (``kill -9``, the OOM killer) never completes. A ``ProcessPoolExecutor``
    fails every pending future with ``BrokenProcessPool`` as soon as a worker dies; the pool
    is then replaced and the chunks that were in flight are retried once, one page per
    chunk, so only the page that kills its worker is lost (reason ``lost``). A page that
    overruns its time limit by a grace period (stuck in a C call that ignores the alarm) has
    its workers killed by the parent and is listed as ``timeout``, never retried.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    limit = config.limits.page_timeout
    # A chunk's bound once a worker has it: each page's limit plus a grace period.
    per_page = (limit + max(5.0, limit)) if limit else None

    def new_pool() -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init,
                                   initargs=(config, summary.worker_pages))
        # Start every worker now, before on_start: a progress thread must not be forked,
        # and a pool started lazily could fork from a thread later.
        for f in [pool.submit(_noop) for _ in range(jobs)]:
            f.result()
        return pool

    def kill(pool: ProcessPoolExecutor) -> None:
        import signal

        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with suppress(OSError, ValueError, AttributeError):
                if proc.pid:
                    os.kill(proc.pid, signal.SIGKILL)
        pool.shutdown(wait=True, cancel_futures=True)

    def lost(rel: str, why: str) -> PageResult:
        return PageResult.failed(rel, "lost", f"{os.path.join(config.in_dir, rel)}: {why}")

    # Ctrl-C (and SIGTERM) taken between waits, never inside the futures' locks
    with deferred_interrupts() as interrupts:
        pool = new_pool()
        try:
            interrupts.check()
            if on_start is not None:
                on_start(summary)
            # In flight: (future, chunk, is a retry, when a worker may have started it)
            window: deque[list[Any]] = deque()
            retries: deque[Chunk] = deque()
            source = iter(chunks)
            exhausted = False
            while True:
                interrupts.check()
                while len(window) < jobs * 4:
                    # A retried page runs alone, so that if its worker dies, it is the culprit.
                    if any(item[2] for item in window):
                        break
                    retry = bool(retries)
                    if retry:
                        if window:
                            break
                        chunk = retries.popleft()
                    elif not exhausted:
                        next_chunk = next(source, None)
                        if next_chunk is None:
                            exhausted = True
                            continue
                        chunk = next_chunk
                    else:
                        break
                    future = pool.submit(_run_chunk, chunk[1]) if chunk[1] else None
                    window.append([future, chunk, retry, None])
                if not window:
                    break
                now = time.monotonic()
                # The first `jobs` chunks of the window are (or will soon be) on a worker.
                for item in list(window)[:jobs]:
                    if item[3] is None:
                        item[3] = now
                head = window[0]
                future, (found, work), retry, started = head
                if future is not None and not future.done():
                    wait([f for f, *_ in list(window)[:jobs] if f is not None], timeout=0.2,
                         return_when=FIRST_COMPLETED)
                    if not future.done():
                        if per_page is None or time.monotonic() < started + per_page * len(work):
                            continue
                        # Over its limit and deaf to the alarm: kill the workers.
                        kill(pool)
                        window.popleft()
                        if len(work) == 1:
                            rel = work[0][0]
                            handle(found, [PageResult.failed(
                                rel, "timeout", f"{os.path.join(config.in_dir, rel)}: took more "
                                f"than {limit:g} s (the worker was stopped)")])
                        else:  # which page overran is unknown: each alone in a fresh pool
                            handle(found, [])
                            retries.extend(([], [page]) for page in work)
                        _requeue(window, retries, handle)
                        pool = new_pool()
                        continue
                window.popleft()
                results: list[PageResult] = []
                if future is not None:
                    try:
                        results = future.result()
                    except BrokenProcessPool:
                        if retry:
                            results = [lost(rel, "the worker process cleaning it died (killed, "
                                            "or out of memory)") for rel, *_ in work]
                        else:
                            handle(found, [])
                            found = []
                            retries.extend(([], [page]) for page in work)
                        pool.shutdown(wait=True, cancel_futures=True)
                        _requeue(window, retries, handle)
                        pool = new_pool()
                    except Exception as exc:  # pickling problems and the like
                        results = [PageResult.failed(
                            rel, "internal", f"{os.path.join(config.in_dir, rel)}: internal "
                            f"error: {type(exc).__name__}: {exc}") for rel, *_ in work]
                if found or results:
                    handle(found, results)
            pool.shutdown(wait=True)
        finally:
            kill(pool)


def _requeue(window: deque[list[Any]], retries: deque[Chunk],
             handle: Callable[[list[Found], list[PageResult]], None]) -> None:
    """After the pool broke: take back the chunks in flight, to retry page by page.

    A chunk already a retry was in flight when the pool broke but is not known to be the
    culprit; it is tried again too (at most once more per break, which is bounded by the
    pages that kill their worker).
    """
    while window:
        future, (found, work), retry, _ = window.popleft()
        if future is not None and future.done() and future.exception() is None:
            handle(found, future.result())
            continue
        if found:
            handle(found, [])
        if retry:
            retries.append(([], work))
        else:
            retries.extend(([], [page]) for page in work)


def _noop() -> None:
    """Runs once in each new worker, to start it at once."""


# -- set-up and files ------------------------------------------------------------------------

def _check_input(in_dir: str) -> str:
    try:
        st = os.stat(in_dir)
    except FileNotFoundError:
        raise BatchError(f"{in_dir}: no such folder") from None
    except OSError as exc:
        raise BatchError(f"{in_dir}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise BatchError(f"{in_dir}: not a folder (use 'kt-clean extract' for files)")
    try:
        with os.scandir(in_dir):
            pass
    except OSError as exc:
        raise BatchError(f"{in_dir}: cannot list the folder: {exc.strerror or exc}") from None
    return os.path.realpath(in_dir)


def _prepare_out_dir(out_dir: str, in_real: str) -> str:
    """Create the output folder and check, before any work, that it can be written."""
    real = os.path.realpath(out_dir)
    if real == in_real or in_real.startswith(real + os.sep):
        raise BatchError(f"{out_dir}: the output folder must not be or contain the input "
                         "folder (outputs could overwrite pages)")
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
        raise BatchError(f"{out_dir}: exists and is not a folder")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"{out_dir}: cannot create the output folder: "
                         f"{exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BatchError(f"{out_dir}: cannot write in the output folder: "
                         f"{exc.strerror or exc}") from None
    return os.path.realpath(out_dir)


def _open_errors(path: str) -> int:
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isfile(path)):
        raise BatchError(f"{path}: exists and is not a regular file; is the output folder "
                         "damaged?")
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o666)
    except OSError as exc:
        raise BatchError(f"{path}: cannot write the errors file: {exc.strerror or exc}") from None


def _open_stream_file(path: str) -> tuple[str, BinaryIO]:
    folder = os.path.dirname(os.path.realpath(path))
    if os.path.isdir(path):
        raise BatchError(f"{path}: is a folder; --ndjson wants a file name (or -)")
    if not os.path.isdir(folder):
        raise BatchError(f"{path}: no such folder {folder}")
    name = os.path.basename(os.path.realpath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{name}.", suffix=TEMP_SUFFIX,
                                   dir=folder)
    except OSError as exc:
        raise BatchError(f"{path}: cannot write: {exc.strerror or exc}") from None
    os.fchmod(fd, 0o666 & ~umask())
    return tmp, os.fdopen(fd, "wb")


def _close_stream_file(out: BinaryIO, tmp: str, path: str, sync: bool) -> None:
    out.flush()
    if sync:
        os.fsync(out.fileno())
    out.close()
    os.replace(tmp, os.path.realpath(path))  # a symlink stays, its target is replaced


#: The lock file in an output folder: one run at a time writes there.
LOCK_NAME = ".kt-clean.lock"


def _lock_path_for(ndjson_real: str) -> str:
    """The lock file of an NDJSON output: a hidden file beside it."""
    head, name = os.path.split(ndjson_real)
    return os.path.join(head, f".{name}.kt-clean.lock")


def _lock(path: str, what: str, wait: bool) -> int:
    """Hold the lock at ``path`` (an exclusive ``flock``, released when the process ends,
    however it ends); another run holding it means :class:`BatchError`, unless ``wait``."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise BatchError(f"{path}: cannot create the lock file: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        raise BatchError(f"{what}: another kt-clean batch is writing there; wait for it to "
                         "finish, or give --wait") from None
    except OSError:
        pass  # a file system without locks: run unlocked rather than not at all
    return fd


def _remove_stream_temps(ndjson_real: str) -> None:
    """Remove the temporary files an earlier run into this NDJSON file left (killed)."""
    head, name = os.path.split(ndjson_real)
    prefix = f"{TEMP_PREFIX}{name}."
    with suppress(OSError), os.scandir(head or ".") as it:
        for entry in it:
            if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
                with suppress(OSError):
                    os.unlink(entry.path)


def _open_special(path: str) -> BinaryIO:
    try:
        return open(path, "wb")  # closed by run_batch
    except OSError as exc:
        raise BatchError(f"{path}: cannot write: {exc.strerror or exc}") from None


class _StreamError(Exception):
    """The NDJSON output cannot be written (a full disk): the run stops."""


def _to_stream(out: BinaryIO, data: bytes | None, name: str | None) -> None:
    """Write ``data`` to the NDJSON output (``None``: flush it); a write error other than a
    reader gone away (a full disk) becomes :class:`_StreamError`, which stops the run."""
    try:
        if data is None:
            out.flush()
        else:
            out.write(data)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _StreamError(f"{name or '-'}: cannot write: {exc.strerror or exc}") from None


def _json_line(obj: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: escape it
        return (json.dumps(obj) + "\n").encode("ascii")
