"""The WARC archive a crawl writes, and what earlier runs left in it.

Records are WARC/1.1, written with warcio, each in its own gzip member, so that a file cut
anywhere (a killed run, a full disk) is readable up to its last whole record; the next run
cuts off the partial record and appends. Per fetch: a ``response`` record (the HTTP status
line and headers, then the payload) and the ``request`` record that asked for it
(``WARC-Concurrent-To`` the response), or, for a ``304 Not Modified`` answer to a
conditional request, a ``revisit`` record (profile ``server-not-modified``) that refers to
the stored response. Each file starts with a ``warcinfo`` record naming kt-clean, its
User-Agent and its robots policy; every record has ``WARC-Record-ID``, ``WARC-Date``
(microseconds), ``WARC-Target-URI``, ``WARC-Block-Digest`` and (responses)
``WARC-Payload-Digest``, both SHA-1 in base 32, and ``WARC-IP-Address`` where known.

Payloads are stored as the server meant them, as Common Crawl stores them: a chunked
transfer joined and a gzip/deflate/br/zstd content encoding undone; the original headers are
kept renamed (``X-Crawler-Transfer-Encoding``, ``X-Crawler-Content-Encoding``,
``X-Crawler-Content-Length``) and ``Content-Length`` gives the stored payload's length, so
the record is true to its bytes and any reader gets the page without decoding it again.
"""

from __future__ import annotations

import io
import json
import os
import time
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..errors import KtCleanError
from ..inputs.warc import charset_of, iter_records, media_type
from .http import Exchange

#: Where a gzip member starts.
_GZIP_MAGIC = b"\x1f\x8b"
#: Headers renamed because the stored payload is no longer what they describe.
_RENAMED = ("content-encoding", "transfer-encoding", "content-length")
#: Archive files in an output folder.
ARCHIVE_SUFFIX = ".warc.gz"


class ArchiveError(KtCleanError):
    """The output archive cannot be used (not a gzipped WARC file, not writable, ...)."""


@dataclass(frozen=True, slots=True)
class Stored:
    """What an archive holds for a URL: enough to skip it, to ask the server whether it
    changed, and to find its record again (to follow its links)."""

    url: str
    status: int | None
    location: str | None
    etag: str | None
    last_modified: str | None
    date: str
    record_id: str
    payload_digest: str | None
    archive: str
    offset: int
    page: bool


def _http_head(block: bytes) -> tuple[int | None, dict[str, str]]:
    end = block.find(b"\r\n\r\n")
    lines = block[:end if end >= 0 else 65536].decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        status = None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), value.strip())
    return status, headers


def scan(path: str) -> tuple[list[Stored], int, int]:
    """The fetches an archive of kt-clean's holds, in order; the size of its whole records
    (where a cut record begins, or the file's size); and how many bytes follow them.

    Raises :class:`ArchiveError` when the file is no gzipped WARC file of one member per
    record (kt-clean does not append to what it cannot cut cleanly).
    """
    entries: list[Stored] = []
    size = os.path.getsize(path)
    good_end = 0
    with open(path, "rb") as f:
        for offset, end, data in _members(f, path):
            if data is None:  # cut or damaged from here on
                break
            good_end = end
            for record in iter_records(io.BytesIO(data), path, max_bytes=len(data)):
                entry = _entry(record.type, record.headers, record.block or b"", path, offset)
                if entry is not None:
                    entries.append(entry)
    return entries, good_end, size - good_end


def _entry(kind: str, headers: dict[str, str], block: bytes, path: str,
           offset: int) -> Stored | None:
    if kind not in ("response", "revisit"):
        return None
    url = headers.get("warc-target-uri", "").strip("<> ")
    status, http = _http_head(block)
    page = (kind == "response" and status is not None and 200 <= status < 300
            and media_type(http.get("content-type")) in ("text/html", "application/xhtml+xml",
                                                         "text/plain"))
    if kind == "revisit":  # the page is the one it refers to: keep that one's record
        return Stored(url, status, None, http.get("etag"), http.get("last-modified"),
                      headers.get("warc-refers-to-date", headers.get("warc-date", "")),
                      headers.get("warc-refers-to", ""), headers.get("warc-payload-digest"),
                      path, -1, False)
    return Stored(url, status, http.get("location"), http.get("etag"),
                  http.get("last-modified"), headers.get("warc-date", ""),
                  headers.get("warc-record-id", ""), headers.get("warc-payload-digest"),
                  path, offset, page)


def _members(f: BinaryIO, path: str, limit: int = 1 << 30
             ) -> Iterator[tuple[int, int, bytes | None]]:
    """(start, end, decompressed bytes) of each gzip member; ``None`` bytes for a member
    cut short or damaged (the last one given)."""
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = f.read(1 << 20)
            if not pending:
                return
        if pending[:2] != _GZIP_MAGIC:
            if offset == 0:
                raise ArchiveError(f"{path}: not a gzipped WARC file; kt-clean appends only to "
                                   "the .warc.gz files it writes")
            yield offset, offset, None
            return
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out: list[bytes] = []
        size = 0
        start = offset
        try:
            while True:
                piece = inflater.decompress(pending, limit + 1 - size)
                size += len(piece)
                out.append(piece)
                if size > limit:
                    raise ArchiveError(f"{path}: a gzip member over {limit:,} bytes: not an "
                                       "archive of one member per record, as kt-clean writes")
                if inflater.eof:
                    used = len(pending) - len(inflater.unused_data)
                    offset += used
                    pending = inflater.unused_data
                    break
                if inflater.unconsumed_tail:
                    offset += len(pending) - len(inflater.unconsumed_tail)
                    pending = inflater.unconsumed_tail
                    continue
                offset += len(pending)
                pending = f.read(1 << 20)
                if not pending:
                    yield start, start, None  # cut inside this member
                    return
        except zlib.error:
            yield start, start, None
            return
        yield start, offset, b"".join(out)


def truncate(path: str, size: int) -> None:
    """Cut the archive back to its whole records."""
    with open(path, "r+b") as f:
        f.truncate(size)
        f.flush()
        os.fsync(f.fileno())


def read_payload(stored: Stored, max_bytes: int) -> bytes | None:
    """The stored payload of a response (to follow its links on a resumed crawl)."""
    from ..inputs.warc import iter_pages

    try:
        with open(stored.archive, "rb") as f:
            f.seek(stored.offset)
            for page in iter_pages(f, stored.archive, max_bytes=max_bytes):
                return page.payload
            return None
    except (OSError, KtCleanError):
        return None


# -- writing ---------------------------------------------------------------------------------

def _builder() -> Any:
    from warcio.warcwriter import WARCWriter

    return WARCWriter(io.BytesIO(), gzip=True, warc_version="1.1")


def _stored_headers(exchange: Exchange, payload_changed: bool) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for name, value in exchange.headers:
        if payload_changed and name.lower() in _RENAMED:
            headers.append((f"X-Crawler-{name}", value))
        else:
            headers.append((name, value))
    if payload_changed:
        headers.append(("Content-Length", str(len(exchange.body))))
    return headers


def exchange_records(exchange: Exchange, warcinfo_id: str | None,
                     revisit_of: Stored | None = None) -> tuple[bytes, int, str, str]:
    """The gzipped records of one exchange: ``(bytes, length of the first record (the
    response or revisit), its WARC-Record-ID, its WARC-Date)``."""
    from warcio.statusandheaders import StatusAndHeaders

    writer = _builder()
    out = writer.out
    changed = any(name.lower() in ("content-encoding", "transfer-encoding")
                  for name, _ in exchange.headers)
    status_line = f"{exchange.status} {exchange.reason}".strip()
    http = StatusAndHeaders(status_line, _stored_headers(exchange, changed),
                            protocol=exchange.version)
    warc_headers = {"WARC-Date": _warc_date(exchange.started)}
    if exchange.ip:
        warc_headers["WARC-IP-Address"] = exchange.ip
    if warcinfo_id:
        warc_headers["WARC-Warcinfo-ID"] = warcinfo_id
    if revisit_of is not None:
        record = writer.create_revisit_record(
            exchange.url, revisit_of.payload_digest or "sha1:", revisit_of.url,
            revisit_of.date, http_headers=http, warc_headers_dict=warc_headers)
        record.rec_headers.replace_header(
            "WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/server-not-modified")
        if revisit_of.record_id:
            record.rec_headers.add_header("WARC-Refers-To", revisit_of.record_id)
    else:
        record = writer.create_warc_record(
            exchange.url, "response", payload=io.BytesIO(exchange.body),
            length=len(exchange.body), http_headers=http, warc_headers_dict=warc_headers)
    request_http = StatusAndHeaders(exchange.request_line, exchange.request_headers,
                                    is_http_request=True)
    request = writer.create_warc_record(exchange.url, "request", http_headers=request_http,
                                        warc_headers_dict=dict(warc_headers))
    writer.write_record(record)
    first = out.tell()
    request.rec_headers.add_header("WARC-Concurrent-To",
                                   record.rec_headers.get_header("WARC-Record-ID"))
    writer.write_record(request)
    return (out.getvalue(), first, record.rec_headers.get_header("WARC-Record-ID"),
            record.rec_headers.get_header("WARC-Date"))


def _warc_date(seconds: float) -> str:
    micros = round(seconds * 1_000_000)
    whole, frac = divmod(micros, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{frac:06d}Z"


def warcinfo_record(filename: str, fields: dict[str, str]) -> tuple[bytes, str]:
    """A gzipped ``warcinfo`` record and its WARC-Record-ID."""
    writer = _builder()
    record = writer.create_warcinfo_record(filename, fields)
    writer.write_record(record)
    return writer.out.getvalue(), record.rec_headers.get_header("WARC-Record-ID")


class Writer:
    """Appends whole records to the output: a ``.warc.gz`` file, a folder of rotating
    ``.warc.gz`` files, or a stream (stdout). Single-threaded: the crawl's main loop writes
    every record; each fetch's records go out in one write, then are flushed."""

    def __init__(self, target: str | BinaryIO, *, folder: bool = False,
                 rotate_size: int = 1_000_000_000, info: dict[str, str] | None = None) -> None:
        self.info = dict(info or {})
        self.folder = target if folder and isinstance(target, str) else None
        self.rotate_size = rotate_size
        self.sequence = 0
        self.paths: list[str] = []
        self.warcinfo_id: str | None = None
        self._stream: BinaryIO | None = None
        self._own = False
        self.path: str | None = None
        self.size = 0
        self.bytes_written = 0
        if isinstance(target, str):
            if self.folder is None:
                self._open(target)
        else:
            self._stream = target
            self.path = "-"
            self._start()

    def _open(self, path: str) -> None:
        try:
            self._stream = open(path, "ab")  # noqa: SIM115 -- closed by close()
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot write: {exc.strerror or exc}") from None
        self._own = True
        self.path = path
        self.size = self._stream.tell()
        self.paths.append(path)
        self._start()

    def _next_file(self) -> None:
        assert self.folder is not None
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        while True:
            name = f"kt-clean-{stamp}-{self.sequence:05d}{ARCHIVE_SUFFIX}"
            self.sequence += 1
            path = os.path.join(self.folder, name)
            if not os.path.exists(path):
                break
        self._open(path)

    def _start(self) -> None:
        name = os.path.basename(self.path) if self.path and self.path != "-" else "-"
        data, self.warcinfo_id = warcinfo_record(name, self.info)
        self._write(data)

    def _write(self, data: bytes) -> int:
        assert self._stream is not None
        offset = self.size
        try:
            self._stream.write(data)
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self.size += len(data)
        self.bytes_written += len(data)
        return offset

    def write(self, data: bytes) -> tuple[str, int]:
        """Append one fetch's records; ``(archive, offset of the first)``."""
        if self._stream is None:
            self._next_file()
        elif self.folder is not None and self.size >= self.rotate_size:
            self._close_file()
            self._next_file()
        offset = self._write(data)
        assert self.path is not None
        return self.path, offset

    def _close_file(self) -> None:
        if self._stream is not None and self._own:
            with suppress(OSError):
                self._stream.flush()
                os.fsync(self._stream.fileno())
            with suppress(OSError):
                self._stream.close()
        self._stream = None

    def close(self) -> None:
        """Flush and close (the records written are all whole)."""
        if self._stream is not None and not self._own:
            with suppress(OSError, ValueError):
                self._stream.flush()
            self._stream = None
            return
        self._close_file()


def list_archives(folder: str) -> list[str]:
    """The archive files of an output folder, by name."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names
            if n.endswith(ARCHIVE_SUFFIX) and not n.startswith(".")]


def json_line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def http_charset(exchange: Exchange) -> str | None:
    return charset_of(exchange.header("content-type"))
