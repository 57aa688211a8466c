"""Batch runs over a folder of pages: parallel, resumable, and no page is ever lost silently.

``run_batch`` cleans every page of a folder with the same library calls as ``extract``
(:func:`kt_clean.pipeline.article` then :func:`kt_clean.render.render`) and writes either one
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
- **Per-page time limit.** Enforced in the process doing the work with ``SIGALRM``
  (``setitimer``); a page over the limit is a failure with reason ``timeout``.
"""

from __future__ import annotations

import ctypes
import fnmatch
import json
import os
import signal
import stat
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from . import pipeline
from .errors import InputError, KtCleanError
from .layouts import Layout, builtin_layouts
from .reading import MAX_BYTES_DEFAULT, read_path
from .render import FORMATS, render

#: The failures of a run into an output folder, one JSON object per line.
ERRORS_NAME = "_errors.ndjson"
#: Temporary files are hidden, so that no reader mistakes one for an output.
TEMP_PREFIX = ".kt-clean-"
TEMP_SUFFIX = ".tmp"
#: The extension of each format's output files.
EXTENSIONS = {"json": ".json", "markdown": ".md", "text": ".txt"}
TIMEOUT_DEFAULT = 30.0

#: Page outcomes, the first item of each result tuple.
CLEANED, SKIPPED, FAILED = "cleaned", "skipped", "failed"

#: Why a page failed (the ``reason`` of an ``_errors.ndjson`` line).
REASONS = ("empty", "binary", "undecodable", "too-large", "unreadable", "bad-record",
           "timeout", "outside", "name-collision", "write", "lost", "internal", "input")


class BatchError(KtCleanError):
    """The run cannot start: a missing input folder, an unusable output folder, ..."""


class PageTimeout(Exception):
    """A page took longer than the per-page time limit."""


@dataclass(frozen=True)
class BatchOptions:
    """What to clean and where to write it; see ``kt-clean batch -h``.

    Give ``out_dir`` (one output file per page) or ``ndjson`` (a path, or ``"-"`` for the
    ``stream`` passed to :func:`run_batch`).
    """

    in_dir: str
    out_dir: str | None = None
    ndjson: str | None = None
    fmt: str = "json"
    explain: bool = False
    jobs: int | None = None
    pattern: str = "*"
    recursive: bool = False
    force: bool = False
    timeout: float | None = TIMEOUT_DEFAULT
    encoding: str | None = None
    input_format: str = "auto"
    max_bytes: int = MAX_BYTES_DEFAULT
    layouts: tuple[Layout, ...] | None = None
    sync: bool = True
    chunk_size: int | None = None


@dataclass
class BatchSummary:
    """What a run did. ``to_dict`` is the ``--report`` JSON."""

    found: int = 0
    seen: int = 0
    cleaned: int = 0
    skipped: int = 0
    failed: int = 0
    layouts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    chars_kept: int = 0
    chars_removed: int = 0
    wall_seconds: float = 0.0
    jobs: int = 1
    interrupted: bool = False
    output: str | None = None
    errors_file: str | None = None

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
            "failures": dict(sorted(self.reasons.items())),
            "layouts": dict(sorted(self.layouts.items())),
            "chars_kept": self.chars_kept,
            "chars_removed": self.chars_removed,
            "wall_seconds": round(self.wall_seconds, 3),
            "pages_per_second": round(self.pages_per_second, 1),
            "jobs": self.jobs,
            "interrupted": self.interrupted,
            "output": self.output,
            "errors_file": self.errors_file,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    reason: str
    error: str

    def to_line(self) -> bytes:
        return _json_line({"path": self.path, "reason": self.reason, "error": self.error})


# -- discovery --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Found:
    """A page found in the input folder: its path relative to it, where its output goes
    (relative to the output folder, or ``None``), and a problem found while listing."""

    rel: str
    out_rel: str | None = None
    problem: str | None = None
    reason: str | None = None


def iter_pages(in_dir: str | os.PathLike[str], pattern: str = "*", *, recursive: bool = False,
               ext: str | None = None, exclude: Sequence[str] = ()) -> Iterator[Found]:
    """The pages of ``in_dir``: in each folder its files by name, then its sub-folders.

    Hidden names (``.*``) and ``_errors.ndjson`` are skipped, and so are the paths in
    ``exclude`` (an output folder inside the input folder). ``pattern`` matches the file
    name, or the path relative to ``in_dir`` when it contains ``/``. With ``ext``, each page
    gets an output name: its name with the last suffix (after ``.gz``) replaced by ``ext``;
    when two pages of a folder would share one (``a.txt``, ``a.html``), the later keeps its
    whole name (``a.html.json``).
    """
    root = os.fspath(in_dir)
    root_real = os.path.realpath(root)
    excluded = frozenset(os.path.realpath(p) for p in exclude)
    yield from _walk(root, root_real, "", pattern, recursive, ext, excluded)


def _walk(root: str, root_real: str, rel_dir: str, pattern: str, recursive: bool,
          ext: str | None, excluded: frozenset[str]) -> Iterator[Found]:
    path = os.path.join(root, rel_dir) if rel_dir else root
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        if not rel_dir:
            raise
        yield Found(rel_dir, None, f"cannot list the folder: {exc.strerror or exc}",
                    "unreadable")
        return
    by_path = "/" in pattern
    claimed: set[str] = set()
    subdirs: list[str] = []
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name == ERRORS_NAME:
            continue
        rel = os.path.join(rel_dir, name) if rel_dir else name
        if os.path.join(root_real, rel) in excluded:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    subdirs.append(rel)
                continue
            link = entry.is_symlink()
        except OSError as exc:
            yield Found(rel, None, f"cannot read: {exc.strerror or exc}", "unreadable")
            continue
        if not fnmatch.fnmatchcase(rel.replace(os.sep, "/") if by_path else name, pattern):
            continue
        out_rel = _out_name(rel_dir, name, ext, claimed) if ext else None
        if link:
            target = os.path.realpath(os.path.join(root, rel))
            if not target.startswith(root_real + os.sep):
                yield Found(rel, None, "symlink pointing outside the input folder; not read",
                            "outside")
                continue
            if os.path.isdir(target):
                continue  # a symlinked folder: not followed
        elif not entry.is_file(follow_symlinks=False):
            yield Found(rel, None, "not a regular file (device, pipe or socket)", "unreadable")
            continue
        if ext and out_rel is None:
            yield Found(rel, None, "its output name is taken by other pages of the folder",
                        "name-collision")
            continue
        yield Found(rel, out_rel)
    for sub in subdirs:
        yield from _walk(root, root_real, sub, pattern, recursive, ext, excluded)


def _out_name(rel_dir: str, name: str, ext: str, claimed: set[str]) -> str | None:
    base = name[:-3] if name.endswith(".gz") and len(name) > 3 else name
    stem = base.rpartition(".")[0] or base
    for candidate in (stem + ext, base + ext):
        if candidate not in claimed:
            claimed.add(candidate)
            return os.path.join(rel_dir, candidate) if rel_dir else candidate
    return None


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
    fmt: str
    explain: bool
    force: bool
    timeout: float | None
    encoding: str | None
    input_format: str
    max_bytes: int
    layouts: tuple[Layout, ...]
    sync: bool
    stream: bool
    umask: int
    parent_pid: int


_CONFIG: _Config | None = None
_READY_DIRS: set[str] = set()

# A result: (status, rel, layouts or reason, chars kept, chars removed, payload).
# payload: the rendered page (stream mode) or the error message (failed), else None.
Result = tuple[str, str, Any, int, int, Any]


def _on_alarm(signum: int, frame: Any) -> None:
    raise PageTimeout


def _worker_init(config: _Config) -> None:
    global _CONFIG
    _CONFIG = config
    _READY_DIRS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, _on_alarm)
    _die_with_parent(config.parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    """Linux: a worker is killed when the parent dies (even by SIGKILL): no orphan goes on
    writing after the run is gone."""
    with suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:  # the parent died before prctl
            os._exit(1)


def _run_chunk(chunk: list[tuple[str, str | None]]) -> list[Result]:
    assert _CONFIG is not None
    return process_chunk(_CONFIG, chunk)


def process_chunk(cfg: _Config, chunk: list[tuple[str, str | None]]) -> list[Result]:
    """Clean the pages of a chunk; outputs are renamed into place after one sync."""
    results: list[Result] = []
    pending: list[tuple[int, str, str]] = []  # (result index, temp file, target)
    try:
        for rel, out_rel in chunk:
            result, staged = _process_page(cfg, rel, out_rel)
            if staged:
                pending.append((len(results), *staged))
            results.append(result)
        if pending:
            _make_durable(cfg, [tmp for _, tmp, _ in pending])
            for index, tmp, target in pending:
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    rel = results[index][1]
                    results[index] = (FAILED, rel, "write", 0, 0,
                                      f"cannot write {target}: {exc.strerror or exc}")
                    with suppress(OSError):
                        os.unlink(tmp)
            pending.clear()
    finally:
        for _, tmp, _ in pending:  # interrupted: no temporary file stays behind
            with suppress(OSError):
                os.unlink(tmp)
    return results


def _process_page(cfg: _Config, rel: str, out_rel: str | None
                  ) -> tuple[Result, tuple[str, str] | None]:
    source = os.path.join(cfg.in_dir, rel)
    target = None
    if not cfg.stream:
        assert cfg.out_real is not None and out_rel is not None
        try:
            target = output_path(cfg.out_real, out_rel)
        except ValueError as exc:
            return (FAILED, rel, "outside", 0, 0, str(exc)), None
        if not cfg.force:
            try:
                if os.stat(target).st_mtime_ns >= os.stat(source).st_mtime_ns:
                    return (SKIPPED, rel, None, 0, 0, None), None
            except OSError:
                pass
    try:
        text, layouts, kept, removed = _clean(cfg, source)
    except PageTimeout:
        return (FAILED, rel, "timeout", 0, 0,
                f"{source}: took longer than the time limit ({cfg.timeout:g} s)"), None
    except InputError as exc:
        return (FAILED, rel, _reason(exc.problem), 0, 0, str(exc)), None
    except Exception as exc:  # a bug must not stop the run nor hide the page
        return (FAILED, rel, "internal", 0, 0,
                f"{source}: internal error: {type(exc).__name__}: {exc}"), None
    data = text.encode("utf-8", "surrogateescape")
    if cfg.stream:
        return (CLEANED, rel, layouts, kept, removed, data), None
    assert target is not None
    try:
        tmp = _write_temp(cfg, target, data)
    except (OSError, ValueError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return (FAILED, rel, "write", 0, 0, f"{source}: cannot write its output: {problem}"), None
    return (CLEANED, rel, layouts, kept, removed, None), (tmp, target)


def _clean(cfg: _Config, source: str) -> tuple[str, tuple[str, ...], int, int]:
    timed = bool(cfg.timeout) and threading.current_thread() is threading.main_thread()
    if timed:
        signal.setitimer(signal.ITIMER_REAL, cfg.timeout)  # type: ignore[arg-type]
    try:
        docs = read_path(source, encoding=cfg.encoding, input_format=cfg.input_format,
                         max_bytes=cfg.max_bytes)
        parts, layouts, kept, removed = [], [], 0, 0
        for doc in docs:
            art = pipeline.article(doc, cfg.layouts)
            parts.append(render(art, cfg.fmt, cfg.explain))
            layouts.append(art.layout)
            labelled = art.document
            if labelled is not None and labelled.labels is not None:
                for line, label in zip(labelled.lines, labelled.labels):
                    if label.kept:
                        kept += len(line)
                    else:
                        removed += len(line)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return "".join(parts), tuple(layouts), kept, removed


def _reason(problem: str) -> str:
    p = problem.lower()
    if "empty" in p or "without any text" in p:
        return "empty"
    if "binary" in p or "nul " in p:
        return "binary"
    if "too large" in p:
        return "too-large"
    if "no such file" in p or "cannot read" in p or "is a directory" in p:
        return "unreadable"
    if "record" in p:
        return "bad-record"
    if "utf" in p or "decode" in p or "encoding" in p or "gzip" in p:
        return "undecodable"
    return "input"


def _write_temp(cfg: _Config, target: str, data: bytes) -> str:
    folder = os.path.dirname(target)
    if folder not in _READY_DIRS:
        os.makedirs(folder, exist_ok=True)
        assert cfg.out_real is not None
        real = os.path.realpath(folder)
        if real != cfg.out_real and not real.startswith(cfg.out_real + os.sep):
            raise ValueError(f"{folder} leads outside the output folder (a symlink?)")
        _READY_DIRS.add(folder)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~cfg.umask)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        with suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


_syncfs: Any = None


def _make_durable(cfg: _Config, temps: list[str]) -> None:
    """The temporary files' contents reach the disk before any is renamed into place:
    one ``syncfs`` for the chunk on Linux, else an ``fsync`` per file."""
    global _syncfs
    if not cfg.sync or not temps:
        return
    if _syncfs is None:
        try:
            _syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (OSError, AttributeError):
            _syncfs = False
    if _syncfs:
        fd = os.open(os.path.dirname(temps[0]), os.O_RDONLY)
        try:
            if _syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for tmp in temps:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- the run ----------------------------------------------------------------------------------

def errors_path_for(options: BatchOptions) -> str | None:
    """Where the run lists its failures: ``OUT_DIR/_errors.ndjson``, or next to the NDJSON
    file (``articles.ndjson`` -> ``articles.errors.ndjson``); ``None`` for stdout."""
    if options.out_dir is not None:
        return os.path.join(options.out_dir, ERRORS_NAME)
    if options.ndjson and options.ndjson != "-":
        head, name = os.path.split(options.ndjson)
        stem = name[:-len(".ndjson")] if name.endswith(".ndjson") and len(name) > 7 else name
        return os.path.join(head, stem + ".errors.ndjson")
    return None


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
    t0 = time.perf_counter()
    opts = options
    if opts.fmt not in FORMATS:
        raise BatchError(f"format must be one of {', '.join(FORMATS)}, not {opts.fmt!r}")
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
    if stream_mode and opts.ndjson != "-":
        assert opts.ndjson is not None
        exclude.append(opts.ndjson)
        ndjson_tmp, out_stream = _open_stream_file(opts.ndjson)
    elif stream_mode:
        out_stream = stream
        if out_stream is None:
            import sys

            out_stream = sys.stdout.buffer
    errors_fd = None
    try:
        if errors_file is not None:
            exclude.append(errors_file)
            errors_fd = _open_errors(errors_file)
        if out_real is not None:
            remove_temp_files(out_real)

        def listing() -> Iterator[Found]:
            return iter_pages(opts.in_dir, opts.pattern, recursive=opts.recursive, ext=ext,
                              exclude=exclude)

        summary.found = sum(1 for _ in listing())
        config = _Config(
            in_dir=opts.in_dir, out_real=out_real, fmt=opts.fmt, explain=opts.explain,
            force=opts.force, timeout=opts.timeout or None, encoding=opts.encoding,
            input_format=opts.input_format, max_bytes=opts.max_bytes,
            layouts=tuple(opts.layouts) if opts.layouts is not None else builtin_layouts(),
            sync=opts.sync, stream=stream_mode, umask=_umask(), parent_pid=os.getpid())
        # Why 256: each chunk ends with one sync of the disk (~20 ms here) before its renames;
        # bigger chunks amortise it, and at most 4 per worker are in flight.
        size = opts.chunk_size or max(1, min(256, summary.found // (jobs * 8) or 1))
        chunks = _chunks(listing(), size)

        def handle(found: list[Found], results: list[Result]) -> None:
            failures = [Failure(os.path.join(opts.in_dir, f.rel), f.reason or "input",
                                f"{os.path.join(opts.in_dir, f.rel)}: {f.problem}")
                        for f in found]
            for status, rel, info, kept, removed, payload in results:
                if status == CLEANED:
                    summary.cleaned += 1
                    summary.layouts.update(info)
                    summary.chars_kept += kept
                    summary.chars_removed += removed
                    if stream_mode and out_stream is not None:
                        out_stream.write(payload)
                elif status == SKIPPED:
                    summary.skipped += 1
                else:
                    failures.append(Failure(os.path.join(opts.in_dir, rel), info, payload))
            for failure in failures:
                summary.failed += 1
                summary.reasons[failure.reason] += 1
                if errors_fd is not None:
                    os.write(errors_fd, failure.to_line())
            summary.seen += len(found) + len(results)
            if stream_mode and out_stream is not None:
                out_stream.flush()
            if on_progress is not None:
                on_progress(summary, failures)

        try:
            if jobs == 1:
                _run_here(config, chunks, on_start, summary, handle)
            else:
                _run_pool(config, chunks, jobs, on_start, summary, handle)
        except KeyboardInterrupt:
            summary.interrupted = True
            if out_real is not None:
                remove_temp_files(out_real)
        if ndjson_tmp is not None and out_stream is not None:
            assert opts.ndjson is not None
            _close_stream_file(out_stream, ndjson_tmp, opts.ndjson, opts.sync)
            ndjson_tmp = None
    finally:
        if errors_fd is not None:
            os.close(errors_fd)
        if ndjson_tmp is not None:
            with suppress(OSError):
                if out_stream is not None:
                    out_stream.close()
                os.unlink(ndjson_tmp)
        summary.wall_seconds = time.perf_counter() - t0
    return summary


Chunk = tuple[list[Found], list[tuple[str, str | None]]]


def _chunks(found: Iterator[Found], size: int) -> Iterator[Chunk]:
    """(pages that failed while listing, pages to clean) of at most ``size`` pages each."""
    bad: list[Found] = []
    work: list[tuple[str, str | None]] = []
    for f in found:
        if f.problem is not None:
            bad.append(f)
        else:
            work.append((f.rel, f.out_rel))
        if len(bad) + len(work) >= size:
            yield bad, work
            bad, work = [], []
    if bad or work:
        yield bad, work


def _run_here(config: _Config, chunks: Iterator[Chunk],
              on_start: Callable[[BatchSummary], None] | None, summary: BatchSummary,
              handle: Callable[[list[Found], list[Result]], None]) -> None:
    main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGALRM, _on_alarm) if main else None
    try:
        if on_start is not None:
            on_start(summary)
        for found, work in chunks:
            handle(found, process_chunk(config, work) if work else [])
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def _run_pool(config: _Config, chunks: Iterator[Chunk], jobs: int,
              on_start: Callable[[BatchSummary], None] | None, summary: BatchSummary,
              handle: Callable[[list[Found], list[Result]], None]) -> None:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    # The workers start before on_start: a progress display's thread must not be forked.
    pool = ctx.Pool(jobs, initializer=_worker_init, initargs=(config,))
    per_page = (config.timeout or 600.0) + 5.0
    try:
        if on_start is not None:
            on_start(summary)
        window: deque[tuple[Any, Chunk, float]] = deque()
        source = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and len(window) < jobs * 4:
                chunk = next(source, None)
                if chunk is None:
                    exhausted = True
                    break
                pending = pool.apply_async(_run_chunk, (chunk[1],)) if chunk[1] else None
                # Bound on a chunk's time: it is queued behind at most the whole window.
                deadline = time.monotonic() + per_page * len(chunk[1]) * (len(window) + 1) + 30
                window.append((pending, chunk, deadline))
            if not window:
                break
            pending, (found, work), deadline = window[0]
            if pending is not None and not pending.ready():
                pending.wait(0.2)
                if not pending.ready():
                    if time.monotonic() < deadline:
                        continue
                    # The worker died (killed, out of memory): say so for each page.
                    window.popleft()
                    handle(found, [(FAILED, rel, "lost", 0, 0,
                                    f"{os.path.join(config.in_dir, rel)}: the worker process "
                                    "cleaning it stopped answering") for rel, _ in work])
                    continue
            window.popleft()
            results: list[Result] = []
            if pending is not None:
                try:
                    results = pending.get()
                except Exception as exc:  # pickling problems and the like
                    results = [(FAILED, rel, "internal", 0, 0,
                                f"{os.path.join(config.in_dir, rel)}: internal error: "
                                f"{type(exc).__name__}: {exc}") for rel, _ in work]
            handle(found, results)
        pool.close()
        pool.join()
    finally:
        pool.terminate()
        pool.join()


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
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise BatchError(f"{path}: is a folder; --ndjson wants a file name (or -)")
    if not os.path.isdir(folder):
        raise BatchError(f"{path}: no such folder {folder}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise BatchError(f"{path}: cannot write: {exc.strerror or exc}") from None
    os.fchmod(fd, 0o666 & ~_umask())
    return tmp, os.fdopen(fd, "wb")


def _close_stream_file(out: BinaryIO, tmp: str, path: str, sync: bool) -> None:
    out.flush()
    if sync:
        os.fsync(out.fileno())
    out.close()
    os.replace(tmp, path)


def remove_temp_files(out_dir: str) -> int:
    """Remove the temporary files an interrupted run left in ``out_dir``; how many."""
    removed = 0
    stack = [out_dir]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                        with suppress(OSError):
                            os.unlink(entry.path)
                            removed += 1
        except OSError:
            continue
    return removed


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def _json_line(obj: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: escape it
        return (json.dumps(obj) + "\n").encode("ascii")
