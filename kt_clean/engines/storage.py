"""Sources and destinations through fsspec: local folders and globs, ``s3://``, ``gs://``,
``memory://`` and whatever else an fsspec implementation is installed for.

A source is listed into :class:`Unit` s, one per page file or WARC archive, in the order
the local folder walker gives (:func:`kt_clean.inputs.walk.iter_pages`: in each folder its
files by name, then its sub-folders), so that a run's tasks, shards and records come in one
order however the pages are stored. A local folder is listed by that walker itself; a
store's prefix is listed by fsspec and put in the same order, with the same rules (hidden
names and kt-clean's lists, ``_errors.ndjson``, ``_skipped.ndjson`` and the like, skipped;
``--glob`` on the name or the path, sub-folders only with ``--recursive``). Only names and
sizes are listed: an archive's records are read by the worker that cleans them.

Credentials come from where each implementation looks (for S3 the ``AWS_*`` environment
variables, ``~/.aws``, an instance role) and from ``--storage-option key=value``. They are
handed to fsspec and never written anywhere: :func:`redact` is how a URL or an option
reaches a message, the report or the manifest.
"""

from __future__ import annotations

import fnmatch
import glob as globlib
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..errors import BatchError
from ..inputs.walk import is_list_name, iter_pages
from ..inputs.warc import warc_name
from ..system import TEMP_PREFIX, TEMP_SUFFIX


@dataclass(frozen=True, slots=True)
class Unit:
    """One input file: ``source`` names it in outputs and errors (a local path as given, or
    a URL); ``path`` is where its file system finds it, ``None`` for a local file (read by
    ``source``). ``size`` and ``version`` (a local file's size and mtime, an object's ETag)
    say whether it changed since a shard was made of it. ``problem`` and ``reason``: it
    failed while being listed (a symlink out of the folder, say)."""

    source: str
    path: str | None = None
    size: int | None = None
    version: str = ""
    problem: str | None = None
    reason: str | None = None
    #: the kind of input: ``file``, one page (or one NDJSON stream of records); another
    #: kind (an archive) is claimed by :data:`UNIT_KINDS` and read by ``shards.READERS``
    kind: str = "file"


#: Kinds of input other than a page file, by the names they claim: ``warc``, the WARC
#: archives (``.warc``, ``.warc.gz``, as the local batch tells them). A unit of such a kind
#: is a task of its own (an archive is a block of pages already); its pages come from
#: ``shards.READERS[kind]``.
UNIT_KINDS: dict[str, Callable[[str], bool]] = {"warc": warc_name}


def kind_of(name: str) -> str:
    """The kind of the input file ``name``: the first of :data:`UNIT_KINDS` claiming it, else
    ``file``."""
    for kind, claims in UNIT_KINDS.items():
        if claims(name):
            return kind
    return "file"


_GLOB_CHARS = re.compile(r"[*?\[]")


def is_url(location: str) -> bool:
    """Whether ``location`` names a store (``s3://b/p``), not a local path or ``file://``."""
    head, sep, _ = location.partition("://")
    return bool(sep) and head != "file" and re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*", head) \
        is not None


def local_path(location: str) -> str:
    """A local location without its ``file://``."""
    return location[len("file://"):] if location.startswith("file://") else location


def redact(location: str) -> str:
    """A URL fit for a message: credentials in it (``s3://KEY:SECRET@bucket``) and its
    query string (a signed URL's signature) removed."""
    out = re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", location)
    return out.split("?", 1)[0]


def parse_storage_options(pairs: Iterable[str]) -> dict[str, Any]:
    """``key=value`` pairs as fsspec options: ``true``/``false``, integers and numbers as
    such; a dotted key nests (``client_kwargs.endpoint_url=http://...``)."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BatchError(f"--storage-option {key or pair!r}: give KEY=VALUE")
        value: Any = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif re.fullmatch(r"-?\d+", raw):
            value = int(raw)
        elif re.fullmatch(r"-?\d+\.\d*", raw):
            value = float(raw)
        here = options
        *parents, last = key.split(".")
        for part in parents:
            nested = here.setdefault(part, {})
            if not isinstance(nested, dict):
                raise BatchError(f"--storage-option {key}: {part} is also given a value")
            here = nested
        here[last] = value
    return options


def open_store(location: str, options: Mapping[str, Any]) -> tuple[Any, str]:
    """(file system, path in it) of a URL; a missing implementation or a bad URL is a
    :class:`BatchError` of one line that names no credentials."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise BatchError("reading and writing URLs needs fsspec: pip install "
                         "'kt-clean[dask]'") from None
    try:
        return url_to_fs(location, **dict(options))  # type: ignore[no-any-return]
    except ImportError as exc:
        hint = " (pip install 'kt-clean[s3]')" if location.startswith(("s3://", "s3a://")) \
            else ""
        raise BatchError(f"{redact(location)}: {str(exc).rstrip('.')}{hint}") from None
    except (ValueError, TypeError) as exc:
        raise BatchError(f"{redact(location)}: cannot open: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def walk_key(rel: str) -> tuple[tuple[int, str], ...]:
    """The sort key that puts paths in the folder walker's order: in each folder its files
    by name first, then its sub-folders by name."""
    parts = rel.split("/")
    return (*((1, p) for p in parts[:-1]), (0, parts[-1]))


def _wanted(rel: str, pattern: str, recursive: bool) -> bool:
    parts = rel.split("/")
    if any(p.startswith(".") for p in parts) or is_list_name(parts[-1]):
        return False
    if len(parts) > 1 and not recursive:
        return False
    return fnmatch.fnmatchcase(rel if "/" in pattern else parts[-1], pattern)


def list_units(sources: Iterable[str], *, pattern: str = "*", recursive: bool = False,
               exclude: Iterable[str] = (), options: Mapping[str, Any] | None = None
               ) -> list[Unit]:
    """The pages of every source, in order: a folder's (or a prefix's) pages as the folder
    walker finds them, a glob's files by name, a file itself. ``exclude``: locations not to
    read (the destination, when it lies inside a source). A source that does not exist is
    a :class:`BatchError`."""
    options = options or {}
    excluded = [e.rstrip("/") for e in exclude]
    units: list[Unit] = []
    for src in sources:
        if is_url(src):
            units.extend(_list_store(src, pattern, recursive, excluded, options))
        else:
            units.extend(_list_local(local_path(src), pattern, recursive, excluded))
    return units


def _list_local(src: str, pattern: str, recursive: bool, excluded: list[str]) -> list[Unit]:
    local_excluded = [os.path.realpath(local_path(e)) for e in excluded if not is_url(e)]
    if os.path.isdir(src):
        try:
            found = list(iter_pages(src, pattern, recursive=recursive, exclude=local_excluded))
        except OSError as exc:
            raise BatchError(f"{src}: cannot list the folder: {exc.strerror or exc}") from None
        return [_local_unit(os.path.join(src, f.rel), f.problem, f.reason) for f in found]
    if os.path.lexists(src):
        return [_local_unit(src)]
    if _GLOB_CHARS.search(src):
        matches = sorted(globlib.glob(src, recursive=True))
        units: list[Unit] = []
        for match in matches:
            if os.path.isdir(match):
                units.extend(_list_local(match, pattern, recursive, excluded))
            elif not os.path.basename(match).startswith(".") and \
                    not is_list_name(os.path.basename(match)) and \
                    os.path.realpath(match) not in local_excluded:
                units.append(_local_unit(match))
        if not units:
            raise BatchError(f"{src}: no file matches")
        return units
    raise BatchError(f"{src}: no such file or folder")


def _local_unit(path: str, problem: str | None = None, reason: str | None = None) -> Unit:
    if problem is not None:
        return Unit(path, problem=problem, reason=reason)
    kind = kind_of(path)
    try:
        st = os.stat(path)
        return Unit(path, size=st.st_size, version=str(st.st_mtime_ns), kind=kind)
    except OSError:
        return Unit(path, kind=kind)  # reading it says why


def _list_store(src: str, pattern: str, recursive: bool, excluded: list[str],
                options: Mapping[str, Any]) -> list[Unit]:
    fs, path = open_store(src, options)
    shown = redact(src)
    skip = []
    for e in excluded:
        if is_url(e):
            efs, epath = open_store(e, options)
            if type(efs) is type(fs):
                skip.append(epath.rstrip("/"))
    with suppress(Exception):
        fs.invalidate_cache(path)
    try:
        if _GLOB_CHARS.search(path):
            found = fs.glob(path, detail=True)
            infos = {p: i for p, i in found.items() if i.get("type") != "directory"}
            base = None
        else:
            info = fs.info(path)
            if info.get("type") == "directory":
                base = path.rstrip("/")
                infos = fs.find(base, maxdepth=None if recursive else 1, detail=True,
                                withdirs=False)
            else:
                base = None
                infos = {path: info}
    except FileNotFoundError:
        raise BatchError(f"{shown}: no such file or folder") from None
    except OSError as exc:
        raise BatchError(f"{shown}: cannot list: {_first_line(exc)}") from None
    rows: list[tuple[tuple[tuple[int, str], ...], Unit]] = []
    for p, info in infos.items():
        p = p.rstrip("/")
        if any(p == s or p.startswith(s + "/") for s in skip):
            continue
        if base is not None:
            rel = p[len(base) + 1:] if p.startswith(base + "/") else p.rsplit("/", 1)[-1]
            if not _wanted(rel, pattern, recursive):
                continue
        else:
            rel = p.rsplit("/", 1)[-1]
            if rel.startswith(".") or is_list_name(rel):
                continue
        version = str(info.get("ETag") or info.get("etag") or info.get("mtime")
                      or info.get("LastModified") or info.get("updated") or "")
        size = info.get("size")
        unit = Unit(fs.unstrip_protocol(p) if "://" in src else p, path=p,
                    size=int(size) if size is not None else None, version=version,
                    kind=kind_of(p))
        rows.append((walk_key(rel), unit))
    if base is None:
        rows.sort(key=lambda r: r[1].source)
    else:
        rows.sort(key=lambda r: r[0])
    if not rows and base is None:
        raise BatchError(f"{shown}: no file matches")
    return [u for _, u in rows]


#: Bytes a spool keeps in memory before it moves to a temporary file on the worker's disk.
SPOOL_BYTES = 32 * 1024 * 1024


class Spool:
    """Bytes written bit by bit and read back once: in memory up to :data:`SPOOL_BYTES`, then
    in a temporary file (in ``TMPDIR``, the worker's local disk), removed by :meth:`close`."""

    def __init__(self) -> None:
        self.size = 0
        self._buf: io.BytesIO | None = io.BytesIO()
        self._file: BinaryIO | None = None
        self.path: str | None = None  # the temporary file's, once there is one

    def write(self, data: bytes) -> int:
        if self._buf is not None and self.size + len(data) > SPOOL_BYTES:
            import tempfile

            fd, self.path = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
            self._file = os.fdopen(fd, "w+b")
            self._file.write(self._buf.getbuffer())
            self._buf = None
        out = self._buf if self._buf is not None else self._file
        assert out is not None
        out.write(data)
        self.size += len(data)
        return len(data)

    def in_memory(self) -> bytes | None:
        """The bytes, when they are still in memory."""
        return self._buf.getvalue() if self._buf is not None else None

    def reader(self) -> BinaryIO:
        """The bytes written, from the start (the spool is written no more)."""
        if self._buf is not None:
            self._buf.seek(0)
            return self._buf
        assert self._file is not None
        self._file.flush()
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        self._buf = None
        if self._file is not None:
            with suppress(OSError):
                self._file.close()
            self._file = None
        if self.path is not None:
            with suppress(OSError):
                os.unlink(self.path)
            self.path = None


class Part:
    """A file of the destination written bit by bit (a shard, as its pages are cleaned) that
    appears under its name only when :meth:`commit` ends, whole; :meth:`abort` leaves
    nothing. On a file system: a hidden temporary file beside it, made durable and renamed.
    On a store: spooled (:class:`Spool`), then written with one request, or, past
    :data:`SPOOL_BYTES`, uploaded from the spool's file (``put_file``: for a large file a
    multipart upload, which S3, GCS and Azure make visible only once complete)."""

    def __init__(self, dest: Destination, name: str, sync: bool) -> None:
        self.dest = dest
        self.name = name
        self.sync = sync
        self._spool: Spool | None = None
        self._file: BinaryIO | None = None
        self._tmp: str | None = None
        if dest.local:
            import tempfile

            target = os.path.join(dest.root, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX,
                                             dir=os.path.dirname(target))
            os.fchmod(fd, 0o666 & ~_umask())
            self._file = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            self._spool = Spool()

    def write(self, data: bytes) -> int:
        if self._spool is not None:
            return self._spool.write(data)
        assert self._file is not None
        return self._file.write(data)

    def commit(self) -> None:
        try:
            if self._spool is not None:
                fs, _ = self.dest.fs()
                remote = self.dest._remote(self.name)
                data = self._spool.in_memory()
                if data is not None:
                    fs.pipe_file(remote, data)
                else:
                    assert self._spool.path is not None
                    self._spool.reader().close()
                    fs.put_file(self._spool.path, remote,
                                **_upload_options(fs, self._spool.size))
            else:
                assert self._file is not None and self._tmp is not None
                self._file.flush()
                if self.sync:
                    os.fsync(self._file.fileno())
                self._file.close()
                os.replace(self._tmp, os.path.join(self.dest.root, self.name))
                self._tmp = None
        finally:
            self.abort()

    def abort(self) -> None:
        """Throw away what was written (nothing of it stays)."""
        if self._spool is not None:
            self._spool.close()
        if self._file is not None:
            with suppress(OSError):
                self._file.close()
        if self._tmp is not None:
            with suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


#: The parts of a shard uploaded from its spool, and how many are sent at once: what the
#: upload holds in memory.
UPLOAD_PART = 8 * 1024 * 1024
UPLOAD_CONCURRENCY = 2


def _upload_options(fs: Any, size: int) -> dict[str, Any]:
    """How to upload a spooled file of ``size`` bytes in bounded memory. s3fs reads a file
    under two parts (100 MB by default) whole for one request and sends ten parts at a
    time: here parts of :data:`UPLOAD_PART` (larger when the shard needs more than S3's
    10,000 parts), :data:`UPLOAD_CONCURRENCY` at a time. Other stores' libraries read the
    file part by part already."""
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if "s3" not in protocols:
        return {}
    return {"chunksize": max(UPLOAD_PART, -(-size // 10_000)),
            "max_concurrency": UPLOAD_CONCURRENCY}


_UMASK: list[int] = []


def _umask() -> int:
    """The process's umask, read once (reading it sets it: not from every thread)."""
    if not _UMASK:
        from ..system import umask

        _UMASK.append(umask())
    return _UMASK[0]


class Destination:
    """Where shards go: a local folder (each file written to a temporary name, made durable
    and renamed: :func:`kt_clean.system.atomic_write`) or a store's prefix (each object
    written whole, with one request: it appears complete or not at all)."""

    def __init__(self, location: str, options: Mapping[str, Any] | None = None) -> None:
        self.location = location
        self.options = dict(options or {})
        self.local = not is_url(location)
        self.root = os.path.abspath(local_path(location)) if self.local else \
            location.rstrip("/")
        self._fs: Any = None
        self._path = ""

    def __getstate__(self) -> dict[str, Any]:
        return {"location": self.location, "options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["location"], state["options"])  # type: ignore[misc]

    @property
    def shown(self) -> str:
        return redact(self.location)

    def fs(self) -> tuple[Any, str]:
        if self._fs is None:
            self._fs, path = open_store(self.location, self.options)
            self._path = path.rstrip("/")
        return self._fs, self._path

    def refresh(self) -> None:
        """Forget cached listings (fsspec caches them; workers wrote since)."""
        if not self.local:
            fs, root = self.fs()
            with suppress(Exception):
                fs.invalidate_cache(root)

    def _remote(self, name: str) -> str:
        _, root = self.fs()
        return f"{root}/{name}"

    def name(self, name: str) -> str:
        """How a file of the destination is shown (a path, or a redacted URL)."""
        return os.path.join(self.root, name) if self.local else f"{self.shown.rstrip('/')}/{name}"

    def write(self, name: str, data: bytes, *, sync: bool = True) -> None:
        if self.local:
            from ..system import atomic_write

            target = os.path.join(self.root, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            atomic_write(target, data, sync=sync)
        else:
            fs, _ = self.fs()
            fs.pipe_file(self._remote(name), data)

    def part(self, name: str, *, sync: bool = True) -> Part:
        """A file to write bit by bit, appearing whole as ``name`` on :meth:`Part.commit`."""
        return Part(self, name, sync)

    def read(self, name: str) -> bytes | None:
        """A file's bytes, or ``None`` when there is none."""
        try:
            if self.local:
                with open(os.path.join(self.root, name), "rb") as f:
                    return f.read()
            fs, _ = self.fs()
            return fs.cat_file(self._remote(name))  # type: ignore[no-any-return]
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def read_many(self, names: list[str]) -> dict[str, bytes]:
        """The files that exist among ``names`` (a store reads them concurrently)."""
        if self.local or not names:
            out = {}
            for n in names:
                data = self.read(n)
                if data is not None:
                    out[n] = data
            return out
        fs, _ = self.fs()
        paths = {self._remote(n): n for n in names}
        got = fs.cat(list(paths), on_error="omit")
        out = {}
        for path, value in got.items():
            name = paths.get(path) or paths.get(fs._strip_protocol(path).rstrip("/"))
            if name is not None and isinstance(value, bytes):
                out[name] = value
        return out

    def remove(self, name: str) -> None:
        try:
            if self.local:
                os.unlink(os.path.join(self.root, name))
            else:
                fs, _ = self.fs()
                fs.rm_file(self._remote(name))
        except FileNotFoundError:
            pass

    def listdir(self, sub: str = "") -> list[str]:
        """The names of the files in the destination (or in its folder ``sub``)."""
        try:
            if self.local:
                folder = os.path.join(self.root, sub)
                return sorted(e.name for e in os.scandir(folder) if e.is_file())
            fs, root = self.fs()
            folder = f"{root}/{sub}".rstrip("/")
            with suppress(Exception):
                fs.invalidate_cache(folder)
            entries = fs.ls(folder, detail=True)
            return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries
                          if e.get("type") != "directory")
        except (FileNotFoundError, NotADirectoryError):
            return []

    def prepare(self) -> None:
        """Create the destination and check, before any work, that it can be written."""
        if self.local:
            if os.path.lexists(self.root) and not os.path.isdir(self.root):
                raise BatchError(f"{self.location}: exists and is not a folder")
            try:
                os.makedirs(self.root, exist_ok=True)
                import tempfile

                fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX,
                                             dir=self.root)
                os.close(fd)
                os.unlink(probe)
            except OSError as exc:
                raise BatchError(f"{self.location}: cannot write in the output folder: "
                                 f"{exc.strerror or exc}") from None
            return
        fs, root = self.fs()
        probe = f"{root}/_tasks/.kt-clean-probe"
        try:
            if fs.isfile(root):
                raise BatchError(f"{self.shown}: exists and is not a folder")
            fs.pipe_file(probe, b"")
            fs.rm_file(probe)
        except BatchError:
            raise
        except Exception as exc:
            raise BatchError(f"{self.shown}: cannot write: {_first_line(exc)}") from None
