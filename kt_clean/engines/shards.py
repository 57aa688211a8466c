"""The task unit of a sharded run: a block of pages in, one shard out.

A run lists its pages (:func:`kt_clean.engines.storage.list_units`) and cuts the list into
blocks of ``block_size`` pages (a WARC archive is a block of its own), in order: block ``i``
is task ``i`` and becomes the shard ``part-0000i.ndjson.gz`` (or ``.ndjson.zst``,
``.ndjson``, ``.parquet``). :func:`run_task` does one task wherever an engine runs it (a
Dask worker; a Ray task or a Spark partition would call it the same way), writing, in this
order:

1. ``_errors/part-0000i.ndjson``: the task's failures, one ``{"path", "reason", "error"}``
   per line as in ``_errors.ndjson`` of a local run, only when there are some;
2. the shard: the article JSON of every page kept, in the pages' order (NDJSON: exactly the
   lines ``kt-clean batch --ndjson`` writes for them; Parquet: one row per page);
3. ``_tasks/part-0000i.json``: the task's key and counts. Its presence with the same key
   is what makes a re-run skip the task.

Every file is written whole (a temporary name renamed, on a file system; one request, on a
store), so a task killed at any point leaves complete files or none, and a task run again
writes the same bytes: records in the pages' order, no time stamps, compressors with fixed
settings.

The key of a task is a hash of what went in: each page's name, size and version, the
options that shape an output, and kt-clean's version. A re-run with the same pages and
options skips the tasks whose record is there; a changed page or option redoes its task.
A task whose failures may pass (``lost``, ``timeout``, ``unreadable``, ``write``,
``internal``) is done again by the next run, as the local batch tries failed pages again.

**Kinds of input.** A unit's ``kind`` picks its reader in :data:`READERS`: a function from
a run of units to the pages they hold, as items for the page process. ``file`` is one page
(or one NDJSON stream of records): ``(name, local path, bytes, url)``. ``warc`` is a WARC
archive (``storage.UNIT_KINDS["warc"]`` claims ``*.warc``/``*.warc.gz`` names, as the local
batch does): :func:`_warc_pages` streams it record by record and yields each HTML or text
response as ``(archive, None, None, None, WebPage)``, which the page process reads as the
local batch reads a record (its HTTP charset first; its URL as ``source`` and ``url``; the
``warc`` key). :func:`plan` gives each unit of a kind other than ``file`` a task of its own:
one archive is one task and one shard, its records in order (``docs/scale.md`` says why an
archive is not split). Another kind plugs in through the same two entries (the test suite
plugs in one of its own).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..errors import InputError, KtCleanError
from .child import Item, PageProcess
from .pages import Outcome, PageConfig, failure
from .storage import Destination, Part, Spool, Unit

#: The shard formats: NDJSON of article JSON, compressed or not, or Parquet.
SHARD_FORMATS = ("ndjson.gz", "ndjson.zst", "ndjson", "parquet")
#: Failure reasons that another run may not meet again: a task that had one is redone.
TRANSIENT_REASONS = frozenset({"lost", "timeout", "unreadable", "write", "internal"})
TASKS_DIR = "_tasks"
ERRORS_DIR = "_errors"
MANIFEST_NAME = "_manifest.json"
#: Pages fetched from a store at once (fsspec fetches them concurrently).
FETCH_BATCH = 32


def shard_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{fmt}"


def task_name(index: int) -> str:
    return f"part-{index:05d}"


@dataclass(frozen=True)
class Task:
    """Task ``index``: its pages and its key."""

    index: int
    units: tuple[Unit, ...]
    key: str

    @property
    def name(self) -> str:
        return task_name(self.index)


@dataclass(frozen=True)
class TaskConfig:
    """What every task needs besides its pages."""

    dest: Destination
    shard_format: str
    page: PageConfig
    #: options for reading pages from stores (the same ``--storage-option`` s)
    storage_options: dict[str, Any] = field(default_factory=dict)
    sync: bool = True

    def fingerprint(self) -> dict[str, Any]:
        return {"shard_format": self.shard_format, **self.page.fingerprint()}


def blocks(units: Sequence[Unit], block_size: int) -> Iterator[tuple[Unit, ...]]:
    """The units in order, in runs of ``block_size`` files; a unit of another kind (an
    archive) alone."""
    run: list[Unit] = []
    for u in units:
        if u.kind != "file":
            if run:
                yield tuple(run)
                run = []
            yield (u,)
            continue
        run.append(u)
        if len(run) >= block_size:
            yield tuple(run)
            run = []
    if run:
        yield tuple(run)


def plan(units: Sequence[Unit], block_size: int, cfg: TaskConfig) -> list[Task]:
    """Cut the pages into tasks of ``block_size`` pages (an archive: one task), each with
    its key."""
    common = json.dumps(cfg.fingerprint(), sort_keys=True)
    tasks = []
    for index, block in enumerate(blocks(units, block_size)):
        h = hashlib.sha256(common.encode())
        for u in block:
            h.update(json.dumps([u.source, u.size, u.version, u.kind, u.problem],
                                ensure_ascii=False).encode("utf-8", "surrogateescape"))
        tasks.append(Task(index, block, h.hexdigest()))
    return tasks


@dataclass
class TaskResult:
    """What one task did; ``to_record`` is its ``_tasks/part-*.json``."""

    index: int
    key: str
    shard: str
    pages: int = 0
    cleaned: int = 0
    filtered: int = 0
    records: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    layouts: Counter[str] = field(default_factory=Counter)
    page_types: Counter[str] = field(default_factory=Counter)
    chars_kept: int = 0
    chars_removed: int = 0
    shard_bytes: int = 0
    sha256: str = ""
    #: skipped: its shard was complete from an earlier run
    skipped: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(r for _, r, _ in self.failures)

    def to_record(self) -> dict[str, Any]:
        return {
            "key": self.key, "shard": self.shard, "pages": self.pages,
            "cleaned": self.cleaned, "failed": self.failed, "filtered": self.filtered,
            "records": self.records, "failures": dict(sorted(self.reasons.items())),
            "layouts": dict(sorted(self.layouts.items())),
            "page_types": dict(sorted(self.page_types.items())),
            "chars_kept": self.chars_kept, "chars_removed": self.chars_removed,
            "bytes": self.shard_bytes, "sha256": self.sha256,
        }

    @classmethod
    def from_record(cls, index: int, data: dict[str, Any]) -> TaskResult:
        """A task done by an earlier run, from its record (failures by reason only)."""
        failures = [("", reason, "") for reason, n in data.get("failures", {}).items()
                    for _ in range(int(n))]
        return cls(index, str(data["key"]), str(data["shard"]), int(data["pages"]),
                   int(data["cleaned"]), int(data["filtered"]), int(data["records"]),
                   failures, Counter(data["layouts"]), Counter(data["page_types"]),
                   int(data["chars_kept"]), int(data["chars_removed"]), int(data["bytes"]),
                   str(data["sha256"]), skipped=True)


# -- readers: a unit's pages -----------------------------------------------------------

def _file_pages(units: Sequence[Unit], cfg: TaskConfig) -> Iterator[Item]:
    """The pages of ``file`` units: a local file is read by the child itself; a store's
    files are fetched here, a batch at a time and the next batch while the child cleans."""
    limit = cfg.page.limits.max_bytes
    stores: dict[str, Any] = {}

    def fetch(batch: list[Unit]) -> dict[str, bytes | Exception]:
        if not batch:
            return {}
        from .storage import open_store

        proto = batch[0].source.split("://", 1)[0]
        if proto not in stores:
            stores[proto] = open_store(batch[0].source, cfg.storage_options)[0]
        fs = stores[proto]
        got = fs.cat([u.path for u in batch], on_error="return")
        out: dict[str, bytes | Exception] = {}
        for u in batch:
            value = got.get(u.path)
            if value is None:
                value = next((v for k, v in got.items() if k.rstrip("/").endswith(
                    str(u.path))), FileNotFoundError(u.path))
            out[str(u.path)] = value
        return out

    def remote(u: Unit) -> bool:
        return u.path is not None and u.problem is None and not _too_large(u, limit)

    batches: list[list[Unit]] = []
    current: list[Unit] = []
    for u in units:
        if remote(u):
            current.append(u)
            if len(current) >= FETCH_BATCH:
                batches.append(current)
                current = []
    if current:
        batches.append(current)
    pool = ThreadPoolExecutor(1) if batches else None
    try:
        ahead: list[Future[dict[str, bytes | Exception]]] = []
        if pool is not None:
            ahead = [pool.submit(fetch, b) for b in batches[:2]]
        next_batch = 2
        fetched: dict[str, bytes | Exception] = {}
        for u in units:
            if u.problem is not None:
                yield failure(u.source, u.reason or "input", f"{u.source}: {u.problem}")
            elif _too_large(u, limit):
                from ..limits import size_texts

                size, lim = size_texts(u.size or 0, limit)
                yield failure(u.source, "too-large", f"{u.source}: file too large ({size}; "
                                                     f"the limit is {lim}, see --max-bytes)")
            elif u.path is None:
                yield (u.source, u.source, None, None)
            else:
                if u.path not in fetched:
                    fetched = ahead.pop(0).result()
                    if pool is not None and next_batch < len(batches):
                        ahead.append(pool.submit(fetch, batches[next_batch]))
                        next_batch += 1
                value = fetched.pop(u.path)
                if isinstance(value, Exception):
                    yield failure(u.source, "unreadable",
                                  f"{u.source}: cannot read: {_one_line(value)}")
                elif len(value) > limit:
                    from ..limits import size_text

                    yield failure(u.source, "too-large", f"{u.source}: input too large (over "
                                                         f"{size_text(limit)}, see --max-bytes)")
                else:
                    yield (u.source, None, value, None)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _too_large(u: Unit, limit: int) -> bool:
    return u.path is not None and u.size is not None and u.size > limit


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _warc_pages(units: Sequence[Unit], cfg: TaskConfig) -> Iterator[Item]:
    """The pages of WARC archives, record by record, as the local batch gives them: each
    HTML or text response a page (read in the child by :meth:`WebPage.document`), a record
    that cannot be read a failure in its place, damage that ends an archive a failure after
    its whole pages. An archive is streamed (a store's through fsspec, ``ARCHIVE_BLOCK``
    bytes at a time), never held: the worker keeps one record and the pages sent ahead."""
    from ..inputs.warc import iter_pages

    limit = cfg.page.limits.max_bytes
    stores: dict[str, Any] = {}
    for u in units:
        if u.problem is not None:
            yield failure(u.source, u.reason or "input", f"{u.source}: {u.problem}")
            continue
        try:
            f = _open_archive(u, cfg, stores)
        except OSError as exc:
            why = exc.strerror if u.path is None and exc.strerror else _one_line(exc)
            yield failure(u.source, "unreadable", f"{u.source}: cannot read: {why}")
            continue
        except (ValueError, KtCleanError) as exc:
            yield failure(u.source, "unreadable", f"{u.source}: cannot read: {_one_line(exc)}")
            continue
        bad: list[InputError] = []
        with f:
            try:
                for page in iter_pages(f, u.source, max_bytes=limit, on_error=bad.append):
                    yield from _failures(u.source, bad)
                    yield (u.source, None, None, None, page)
                yield from _failures(u.source, bad)
            except InputError as exc:  # damage: the archive ends here
                yield from _failures(u.source, bad)
                yield failure(u.source, exc.reason, str(exc))
            except OSError as exc:  # the store or the disk stopped answering
                yield from _failures(u.source, bad)
                why = exc.strerror if u.path is None and exc.strerror else _one_line(exc)
                yield failure(u.source, "unreadable", f"{u.source}: cannot read: {why}")


def _failures(archive: str, bad: list[InputError]) -> Iterator[Item]:
    """The records of ``archive`` that could not be read, as failures (``bad`` emptied)."""
    for exc in bad:
        yield failure(archive, exc.reason, str(exc))
    bad.clear()


#: Bytes of a store's archive fetched at a time (s3fs would take 50 MB per open file).
ARCHIVE_BLOCK = 8 * 1024 * 1024


def _open_archive(u: Unit, cfg: TaskConfig, stores: dict[str, Any]) -> BinaryIO:
    """The archive as a file object, read as it is streamed."""
    if u.path is None:
        return open(u.source, "rb")
    from .storage import open_store

    proto = u.source.split("://", 1)[0]
    if proto not in stores:
        stores[proto] = open_store(u.source, cfg.storage_options)[0]
    # over HTTP(S), one streamed GET; elsewhere a read of ARCHIVE_BLOCK bytes at a time
    block = 0 if proto in ("http", "https") else ARCHIVE_BLOCK
    return stores[proto].open(u.path, "rb", block_size=block)  # type: ignore[no-any-return]


#: A unit's kind -> the items (pages) of a run of units of that kind, in order.
READERS: dict[str, Callable[[Sequence[Unit], TaskConfig], Iterator[Item]]] = {
    "file": _file_pages,
    "warc": _warc_pages,
}


def _items(task: Task, cfg: TaskConfig) -> Iterator[Item]:
    """The task's pages, each unit read by the reader of its kind, in order."""
    run: list[Unit] = []
    for u in task.units:
        if run and u.kind != run[0].kind:
            yield from READERS[run[0].kind](run, cfg)
            run = []
        run.append(u)
    if run:
        yield from READERS[run[0].kind](run, cfg)


# -- one task ---------------------------------------------------------------------------

_LOCAL = threading.local()


def page_process(cfg: PageConfig) -> PageProcess:
    """This thread's child process for ``cfg`` (kept between tasks)."""
    proc: PageProcess | None = getattr(_LOCAL, "proc", None)
    if proc is None or proc.cfg != cfg:
        if proc is not None:
            proc.close()
        proc = PageProcess(cfg)
        _LOCAL.proc = proc
    return proc


def run_task(task: Task, cfg: TaskConfig,
             progress: Callable[[int, int], None] | None = None) -> TaskResult:
    """Clean the task's pages and write its shard, errors and record; its result.

    The shard is encoded as the pages come (:class:`ShardWriter`) into a part of the
    destination that appears only when complete, so what a task holds does not grow with
    its shard (an archive of 40,000 pages). ``progress(pages_done, pages_failed)`` is
    called after each page. An error writing the shard raises (the engine retries the
    task); a page's failure never does.
    """
    t0 = time.perf_counter()
    result = TaskResult(task.index, task.key, shard_name(task.index, cfg.shard_format))
    dest = cfg.dest
    part = dest.part(result.shard, sync=cfg.sync)
    writer: ShardWriter | None = None
    try:
        writer = ShardWriter(cfg.shard_format, cfg.page.explain, part)
        proc = page_process(cfg.page)
        for outcome in proc.clean(_items(task, cfg)):
            result.pages += 1
            _count(result, outcome)
            if outcome.output:
                writer.add(outcome.output)
            if progress is not None:
                progress(result.pages, result.failed)
        result.shard_bytes, result.sha256 = writer.finish()
        result.records = writer.records
        errors_name = f"{ERRORS_DIR}/{task.name}.ndjson"
        if result.failures:
            dest.write(errors_name, errors_bytes(result.failures), sync=cfg.sync)
        else:
            dest.remove(errors_name)  # an earlier run's, for pages that now pass
        part.commit()
    finally:
        if writer is not None:
            writer.discard()
        part.abort()
    dest.write(f"{TASKS_DIR}/{task.name}.json",
               (json.dumps(result.to_record(), sort_keys=True) + "\n").encode(),
               sync=cfg.sync)
    result.seconds = time.perf_counter() - t0
    return result


def _count(result: TaskResult, outcome: Outcome) -> None:
    if outcome.failed:
        result.failures.append((outcome.source, outcome.reason or "internal",
                                outcome.error or ""))
        return
    result.cleaned += 1
    result.filtered += outcome.filtered
    result.layouts.update(outcome.layouts)
    result.page_types.update(outcome.page_types)
    result.chars_kept += outcome.kept
    result.chars_removed += outcome.removed


def errors_bytes(failures: Sequence[tuple[str, str, str]]) -> bytes:
    from ..batch import Failure

    return b"".join(Failure(path, reason, error).to_line() for path, reason, error in failures)


# -- shard formats ------------------------------------------------------------------------

#: Rows of a Parquet shard's row group: the most rows a task holds before writing them.
PARQUET_ROWS = 1000
#: The gzip header of an NDJSON shard: no name, no time stamp, the level's usual flags (as
#: ``gzip.compress(data, 6, mtime=0)`` writes it on Python 3.11).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


class _Counted:
    """What a shard's encoder writes to: the part, with the bytes counted and hashed."""

    def __init__(self, out: Part) -> None:
        self.out = out
        self.size = 0
        self.sha = hashlib.sha256()
        self.closed = False

    def write(self, data: bytes) -> int:
        if data:
            self.out.write(data)
            self.size += len(data)
            self.sha.update(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class ShardWriter:
    """A shard encoded as its pages come, into ``out`` (a :class:`Part`): NDJSON as it is,
    gzipped (one stream, compressed on the way) or zstd-compressed (the lines spooled, then
    compressed in one frame that states its size), or Parquet (row groups of
    :data:`PARQUET_ROWS` rows). What a task holds stays small whatever the shard's size,
    and the same lines give the same bytes: no time stamps, fixed settings."""

    def __init__(self, fmt: str, explain: bool, out: Part) -> None:
        if fmt not in SHARD_FORMATS:
            raise ValueError(f"shard format must be one of {', '.join(SHARD_FORMATS)}, "
                             f"not {fmt!r}")
        self.fmt = fmt
        self.explain = explain
        self.out = _Counted(out)
        self.records = 0
        self._crc = 0
        self._raw = 0
        self._deflate: Any = None
        self._spool: Spool | None = None
        self._rows: list[dict[str, Any]] = []
        self._parquet: Any = None
        if fmt == "ndjson.gz":
            import zlib

            self.out.write(_GZIP_HEADER)
            self._deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        elif fmt == "ndjson.zst":
            try:
                import zstandard  # noqa: F401
            except ImportError:
                raise RuntimeError("writing .ndjson.zst shards needs zstandard: pip install "
                                   "'kt-clean[dask]'") from None
            self._spool = Spool()
        elif fmt == "parquet":
            try:
                import pyarrow.parquet  # noqa: F401
            except ImportError:
                raise RuntimeError("writing Parquet shards needs pyarrow: pip install "
                                   "'kt-clean[parquet]'") from None

    def add(self, lines: bytes) -> None:
        """One page's lines (NDJSON, each ending in a newline)."""
        self.records += lines.count(b"\n")
        if self.fmt == "ndjson":
            self.out.write(lines)
        elif self._deflate is not None:
            import zlib

            self._crc = zlib.crc32(lines, self._crc)
            self._raw += len(lines)
            self.out.write(self._deflate.compress(lines))
        elif self._spool is not None:
            self._spool.write(lines)
        else:
            self._rows.extend(json.loads(line) for line in
                              lines.decode("utf-8", "surrogateescape").splitlines())
            if len(self._rows) >= PARQUET_ROWS:
                self._write_rows()

    def finish(self) -> tuple[int, str]:
        """End the shard; its size and SHA-256."""
        if self._deflate is not None:
            import struct

            self.out.write(self._deflate.flush())
            self.out.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._raw & 0xFFFFFFFF))
        elif self._spool is not None:
            import zstandard

            cctx = zstandard.ZstdCompressor(level=3, write_checksum=True)
            try:
                cctx.copy_stream(self._spool.reader(), self.out,  # type: ignore[arg-type]
                                 size=self._spool.size)
            finally:
                self._spool.close()
        elif self.fmt == "parquet":
            self._write_rows()
            self._parquet.close()
            self._parquet = None
        return self.out.size, self.out.sha.hexdigest()

    def discard(self) -> None:
        """Stop without finishing (the part is thrown away after)."""
        if self._spool is not None:
            self._spool.close()
        if self._parquet is not None:
            with suppress(Exception):
                self._parquet.close()
            self._parquet = None

    def _write_rows(self) -> None:
        """The rows held, as one row group (the file begun with the first)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = article_schema(self.explain)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.out, schema, compression="zstd",
                                             write_statistics=True)
        if not self._rows:
            return
        # a new key must get its column, never be dropped silently (from_pylist drops it),
        # in whichever row it comes (a page of an archive has `warc`, a file's not)
        extra = set().union(*self._rows) - set(schema.names)
        if extra:
            raise RuntimeError(f"the Parquet schema has no column for {sorted(extra)}")
        try:
            table = pa.Table.from_pylist(self._rows, schema=schema)
        except UnicodeEncodeError:  # a name that is not UTF-8 (surrogate escapes): U+FFFD
            table = pa.Table.from_pylist([_utf8(row) for row in self._rows], schema=schema)
        self._parquet.write_table(table, row_group_size=PARQUET_ROWS)
        self._rows = []


def encode_shard(lines: Sequence[bytes], fmt: str, explain: bool) -> bytes:
    """A shard's bytes, in memory: what :class:`ShardWriter` writes for these lines."""
    sink = _Memory()
    writer = ShardWriter(fmt, explain, sink)  # type: ignore[arg-type]
    for chunk in lines:
        writer.add(chunk)
    writer.finish()
    return bytes(sink.data)


class _Memory:
    """A part that is a bytearray."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)


def decode_shard(data: bytes, fmt: str) -> list[dict[str, Any]]:
    """The records of a shard (a reader's view, for checks and tests)."""
    if fmt == "parquet":
        import io

        import pyarrow.parquet as pq

        rows = pq.read_table(io.BytesIO(data)).to_pylist()
        for row in rows:
            if isinstance(row.get("sources"), list):
                row["sources"] = dict(row["sources"])
            if row.get("warc", 0) is None:  # the column of a page with no such key
                del row["warc"]
        return rows  # type: ignore[no-any-return]
    if fmt == "ndjson.gz":
        import gzip

        data = gzip.decompress(data)
    elif fmt == "ndjson.zst":
        import zstandard

        data = zstandard.ZstdDecompressor().decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def article_schema(explain: bool) -> Any:
    """The Parquet columns: the article JSON's keys in their order (``docs/formats.md``),
    ``warc`` a struct (null for a page that is no record of an archive), ``removed``
    (with ``--explain``) a list of structs."""
    import pyarrow as pa

    s = pa.string()
    strings = pa.list_(s)
    item = pa.struct([("title", s), ("summary", s), ("author", s), ("date", s),
                      ("caption", s)])
    fields = [
        ("source", s), ("layout", s), ("page_type", s), ("page_type_confidence", pa.float64()),
        ("encoding", s), ("title", s), ("subtitle", s), ("byline", s), ("authors", strings),
        ("emails", strings), ("section", s), ("site_name", s), ("published", s),
        ("updated", s), ("url", s), ("hostname", s), ("language", s), ("description", s),
        ("tags", strings), ("warnings", strings), ("captions", strings),
        ("subheadings", strings), ("body", s), ("items", pa.list_(item)),
        # a page read from a WARC archive; null for the others (which have no such key)
        ("warc", pa.struct([("archive", s), ("offset", pa.int64()), ("record_id", s),
                            ("date", s), ("status", pa.int64()), ("content_type", s),
                            ("truncated", s)])),
    ]
    if explain:
        fields += [
            ("sources", pa.map_(s, s)),
            ("removed", pa.list_(pa.struct([("line", pa.int32()), ("text", s),
                                            ("reason", s), ("rule", s)]))),
        ]
    return pa.schema(fields)


def _utf8(value: Any) -> Any:
    """``value`` with every string made valid UTF-8: the bytes a surrogate escape stands for
    are shown as U+FFFD, as a reader of the NDJSON shard decoding it as UTF-8 would."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_utf8(v) for v in value]
    if isinstance(value, dict):
        return {_utf8(k): _utf8(v) for k, v in value.items()}
    return value
