"""WARC archives (ISO 28500, WARC/1.0 and 1.1) as pages: every HTML or text response is one.

A WARC file is read as a stream, record by record, whether it is plain (``.warc``), gzipped
one member per record (``.warc.gz``, as Common Crawl, wget and ``kt-clean fetch`` write it) or
gzipped as a whole. Nothing is held but the record being read: a record larger than
``limits.max_bytes`` is skipped without being kept (a page among them is reported
``too-large``), so an archive of any size is read in bounded memory.

Which records are pages: ``response`` records of an HTTP exchange with a 2xx status and an
HTML or text ``Content-Type`` (or none, when the payload looks like HTML), and ``resource``
or ``conversion`` records of such a type. ``warcinfo``, ``request``, ``metadata`` and
``revisit`` records, redirects, errors and other media (images, PDF) are no pages and are
passed over. A payload is given as the server sent it, made readable: a chunked transfer
is joined, a ``gzip``, ``deflate`` or ``br`` content encoding undone (a payload already
decoded, as older Common Crawl archives store them under a ``gzip`` header, is taken as it
is). The charset of the HTTP ``Content-Type`` decodes the page first (see
:func:`kt_clean.inputs.decode.decode`).

Each page becomes a :class:`WebPage` (the record: URL, status, headers, payload, date,
archive and offset), and, through :meth:`WebPage.document`, a
:class:`~kt_clean.model.Document` whose ``source`` and ``url`` are the page's URL and whose
``meta["warc"]`` says where it came from.
"""

from __future__ import annotations

import io
import os
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..errors import InputError
from ..limits import DEFAULT_LIMITS, Limits, size_texts, too_many_lines
from ..model import Document
from ..vocabulary import InputFormat

__all__ = ["PAGE_TYPES", "WarcRecord", "WebPage", "file_documents", "iter_pages",
           "iter_records", "looks_like_warc", "media_type", "page_documents", "prepend",
           "read_warc", "sniff_stream", "stream_documents", "warc_name"]

#: The media types that are pages (the rest of a crawl is images, scripts, PDF, ...).
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Types that say nothing about the payload: it is sniffed instead.
_UNSAID_TYPES = frozenset({"", "application/octet-stream", "unknown/unknown",
                           "application/unknown", "binary/octet-stream"})
#: A WARC record's header block (and an HTTP message's) is at most this long.
MAX_HEADER_BYTES = 256 * 1024
#: Bytes read from a file at a time.
_BLOCK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
#: Compressed bytes handed to the decompressor at a time.
_PIECE = 16 * 1024
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
#: What a caller is handed for each bad record when it asks to go on past them.
OnError = Callable[[InputError], None]


def looks_like_warc(head: bytes) -> bool:
    """Whether (decompressed) bytes start a WARC file (``WARC/1.0``, ``WARC/1.1``)."""
    return head.lstrip(b"\r\n")[:6] in (b"WARC/1", b"WARC/0")


def warc_name(name: str) -> bool:
    """Whether a file name is a WARC archive's (``.warc``, ``.warc.gz``)."""
    return name.endswith((".warc", ".warc.gz"))


def _head_of(first: bytes) -> bytes:
    """The first decompressed bytes of data that may be gzipped."""
    if first[:2] != _GZIP_MAGIC:
        return first
    try:
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(first, 64)
    except zlib.error:
        return b""


# -- the byte stream -------------------------------------------------------------------------

class _Stream:
    """The decompressed bytes of a WARC file or stream, gzipped or not, read in blocks, with
    the file offset of each gzip member start (where a record in its own member begins).

    Offsets count from the file's start, also when reading starts further in (a file
    seeked to a record's offset); a stream that cannot tell where it is counts from where
    reading starts."""

    def __init__(self, f: BinaryIO, head: bytes = b"") -> None:
        self.f = f
        self.raw = head  # read from the file; raw[raw_pos:] not yet decompressed
        self.raw_pos = 0
        #: the file offset where reading started (``head`` included)
        self.origin = _position(f, len(head))
        self.raw_offset = self.origin  # file offset of raw[raw_pos]
        self.eof = False
        self.gzip = (head or self._read())[:2] == _GZIP_MAGIC
        self.inflater: Any = None
        self.buf = bytearray()
        self.base = 0  # stream position of buf[0]
        self.pos = 0  # stream position of the next byte to parse
        #: (stream position, file offset) of the gzip members started and not yet passed
        self.members: deque[tuple[int, int]] = deque()

    def _read(self) -> bytes:
        """The bytes read and not yet used (a new block once those are used up)."""
        if self.raw_pos >= len(self.raw) and not self.eof:
            self.raw = self.f.read(_BLOCK)
            self.raw_pos = 0
            if not self.raw:
                self.eof = True
        return self.raw

    def _more(self, want: int = _BLOCK) -> bool:
        """Append decompressed bytes to the buffer; ``False`` at the end of the data."""
        if not self.gzip:
            raw = self._read()
            if self.raw_pos >= len(raw):
                return False
            self.buf += memoryview(raw)[self.raw_pos:]
            self.raw_offset += len(raw) - self.raw_pos
            self.raw_pos = len(raw)
            return True
        while True:
            raw = self._read()
            if self.raw_pos >= len(raw):
                if self.inflater is not None:
                    raise _Cut(self.raw_offset)
                return False
            if self.inflater is None:
                self.members.append((self.base + len(self.buf), self.raw_offset))
                self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            # Fed in small pieces: what a member leaves over is copied by zlib, and must
            # stay small when a block holds a thousand members.
            piece = memoryview(raw)[self.raw_pos:self.raw_pos + _PIECE]
            try:
                out = self.inflater.decompress(piece, max(want, 1 << 16))
            except zlib.error as exc:
                raise _Damaged(self.raw_offset, str(exc)) from None
            left = len(self.inflater.unused_data) if self.inflater.eof else len(
                self.inflater.unconsumed_tail)
            used = len(piece) - left
            self.raw_pos += used
            self.raw_offset += used
            if self.inflater.eof:
                self.inflater = None
            if out:
                self.buf += out
                return True

    def ensure(self, n: int) -> bool:
        """At least ``n`` bytes after ``pos`` in the buffer (``False``: the data ends first)."""
        while self.base + len(self.buf) - self.pos < n:
            if not self._more(n):
                return False
        return True

    def compact(self) -> None:
        drop = self.pos - self.base
        if drop > _BLOCK:
            del self.buf[:drop]
            self.base = self.pos

    def take(self, n: int) -> bytes:
        start = self.pos - self.base
        self.pos += n
        return bytes(self.buf[start:start + n])

    def skip(self, n: int) -> bool:
        """Pass ``n`` bytes without holding them; ``False`` if the data ends first."""
        while n > 0:
            have = self.base + len(self.buf) - self.pos
            if have <= 0:
                self.buf.clear()
                self.base = self.pos
                if not self._more():
                    return False
                continue
            step = min(n, have)
            self.pos += step
            n -= step
            self.compact()
        return True

    def skip_blank(self) -> bool:
        """Pass the blank lines between records; ``False`` at the end of the data."""
        while True:
            start = self.pos - self.base
            if start < len(self.buf) and self.buf[start] not in (10, 13):
                return True  # the usual case: the record starts right here
            view = self.buf[start:start + 64]
            stripped = view.lstrip(b"\r\n")
            self.pos += len(view) - len(stripped)
            if stripped:
                return True
            if not self._more():
                return False

    def offset(self) -> int | None:
        """The file offset where the record at ``pos`` starts: the byte offset of a plain
        file, the offset of its gzip member when it starts one (else ``None``)."""
        if not self.gzip:
            return self.origin + self.pos
        while self.members and self.members[0][0] < self.pos:
            self.members.popleft()
        if self.members and self.members[0][0] == self.pos:
            return self.members[0][1]
        if not self.members and self.inflater is None and self.pos == self.base + len(self.buf):
            return self.raw_offset  # the next member starts here
        return None

    def find_header_end(self) -> int:
        """The length of the header block at ``pos`` up to and with its blank line."""
        searched = 0
        while True:
            start = self.pos - self.base
            end = self.buf.find(b"\r\n\r\n", start + max(0, searched - 4),
                                start + MAX_HEADER_BYTES)
            if end >= 0:
                return end + 4 - start
            m = _HEADER_END.search(self.buf, start + max(0, searched - 4),
                                   start + MAX_HEADER_BYTES)  # bare newlines
            if m is not None:
                return m.end() - start
            searched = self.base + len(self.buf) - self.pos
            if searched >= MAX_HEADER_BYTES:
                raise _Bad("a header block longer than 256 KB: not a WARC record")
            if not self._more():
                raise _Cut(self.raw_offset)


def _position(f: BinaryIO, already: int) -> int:
    """Where in its file ``f`` was before ``already`` bytes were read from it (0 for a
    stream that cannot tell: a pipe)."""
    try:
        return max(0, f.tell() - already)
    except (OSError, ValueError, AttributeError):
        return 0


class _Cut(Exception):
    """The data ends inside a record (a file cut short, a download that stopped)."""

    def __init__(self, at: int) -> None:
        super().__init__(at)
        self.at = at


class _Damaged(Exception):
    """The gzip data is damaged."""

    def __init__(self, at: int, problem: str) -> None:
        super().__init__(problem)
        self.at = at
        self.problem = problem


class _Bad(Exception):
    """Bytes that are no WARC record where one should start."""


# -- records ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One record: its type, its WARC headers (names lowercased), the file offset where it
    starts (``None`` inside a gzip member that holds several), and its content block
    (``None`` when it was skipped for being over the size limit; ``length`` is its size)."""

    type: str
    headers: dict[str, str]
    offset: int | None
    length: int
    block: bytes | None
    version: str = "WARC/1.1"

    @property
    def url(self) -> str:
        return self.headers.get("warc-target-uri", "").strip().strip("<>")


def _parse_headers(block: bytes) -> tuple[str, dict[str, str]]:
    """(first line, headers with lowercased names) of a header block; continuation lines
    are joined to the header above them."""
    first, _, rest = block.partition(b"\n")
    if b"\n " in rest or b"\n\t" in rest:  # folded lines (obsolete, but allowed)
        rest = re.sub(rb"\r?\n[ \t]+", b" ", rest)
    headers: dict[str, str] = {}
    for line in rest.split(b"\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = name.strip().lower().decode("latin-1")
        text = value.strip().decode("utf-8", "replace")
        if key in headers and key in ("set-cookie", "warc-concurrent-to"):
            headers[key] += ", " + text
        else:
            headers[key] = text
    return first.strip().decode("latin-1"), headers


def iter_records(f: BinaryIO, source: str, *, max_bytes: int = DEFAULT_LIMITS.max_bytes,
                 head: bytes = b"", wanted: Callable[[str, dict[str, str]], bool] | None = None
                 ) -> Iterator[WarcRecord]:
    """Every record of a WARC file or stream, in order.

    A record's block is read only when ``wanted(type, headers)`` says so (default: every
    record) and it is at most ``max_bytes`` plus its headers; otherwise it is passed over
    without being held (``block`` is ``None``). ``head`` is bytes already read from ``f``.
    Raises :class:`InputError` (reason ``undecodable``) when the data stops being a WARC
    file: damaged gzip data, a record cut short (the records before it were given).
    """
    stream = _Stream(f, head)
    limit = max_bytes + MAX_HEADER_BYTES
    number = 0
    try:
        while stream.skip_blank():
            number += 1
            offset = stream.offset()
            where = f"offset {offset:,}" if offset is not None else f"record {number:,}"
            if not stream.ensure(8):
                raise _Cut(stream.raw_offset)
            at = stream.pos - stream.base
            if not looks_like_warc(bytes(stream.buf[at:at + 8])):
                if number == 1:
                    raise _Bad("not a WARC file (it does not start with 'WARC/1.0' or "
                               "'WARC/1.1')")
                raise _Bad(f"no WARC record at {where} (the record before it was longer "
                           "than its Content-Length says, or the file is damaged)")
            size = stream.find_header_end()
            version, headers = _parse_headers(stream.take(size))
            try:
                length = int(headers.get("content-length", ""))
                if length < 0:
                    raise ValueError
            except ValueError:
                raise _Bad(f"the record at {where} has no valid Content-Length") from None
            kind = headers.get("warc-type", "").strip().lower()
            if length <= limit and (wanted is None or wanted(kind, headers)):
                if not stream.ensure(length):
                    raise _Cut(stream.raw_offset)
                block = stream.take(length)
            else:
                block = None
                if not stream.skip(length):
                    raise _Cut(stream.raw_offset)
            stream.compact()
            yield WarcRecord(kind, headers, offset, length, block, version)
    except _Cut:
        raise InputError(source, f"the archive ends inside record {number:,} (cut short; "
                                 f"the {number - 1:,} records before it were read)",
                         "undecodable") from None
    except _Damaged as exc:
        raise InputError(source, f"bad gzip data at offset {exc.at:,}: {exc.problem}",
                         "undecodable") from None
    except _Bad as exc:
        raise InputError(source, str(exc), "undecodable") from None


# -- pages -----------------------------------------------------------------------------------

def media_type(content_type: str | None) -> str:
    """``text/html; charset=UTF-8`` -> ``text/html``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` value, or ``None``."""
    m = _CHARSET.search(content_type or "")
    return m.group(1) if m else None


@dataclass(frozen=True)
class WebPage:
    """A page as it came from the web: from a WARC record, or fetched by ``kt-clean fetch``.

    ``payload`` is the body as the server meant it (a chunked transfer joined, a content
    encoding undone); ``headers`` are the HTTP response headers as ``(name, value)`` pairs in
    the order sent; ``content_type`` is the media type alone (``text/html``) and
    ``charset`` the header's charset. ``archive`` and ``offset`` say where the record is
    (``offset`` ``None`` where it cannot be seeked to); ``date`` is its ``WARC-Date``.
    """

    url: str
    payload: bytes
    status: int | None = 200
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = ""
    charset: str | None = None
    date: str | None = None
    archive: str | None = None
    offset: int | None = None
    record_id: str | None = None
    #: ``WARC-Truncated`` of a record its crawler cut (``length``: Common Crawl's 1 MB cap)
    truncated: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def header(self, name: str) -> str | None:
        """The value of an HTTP response header (the first one of that name), or ``None``."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def where(self) -> str:
        """How error messages name the record: its URL, archive and offset."""
        if self.archive is None:
            return self.url
        return _where(self.url, self.archive, self.offset)

    def info(self) -> dict[str, Any]:
        """Where the page came from: the document's ``meta["warc"]`` and the article's
        ``warc`` key."""
        return {"archive": self.archive, "offset": self.offset, "record_id": self.record_id,
                "date": self.date, "status": self.status,
                "content_type": self.header("content-type"), "truncated": self.truncated}

    def document(self, *, encoding: str | None = None, input_format: InputFormat = "auto",
                 limits: Limits = DEFAULT_LIMITS) -> Document:
        """The page as a document, ready for :func:`kt_clean.article`: HTML rendered (its
        HTTP charset used to decode it), text decoded; ``source`` and ``url`` are the URL.
        Raises :class:`InputError` as reading a file would (empty, binary, too large)."""
        from .decode import decode

        source = self.url or "<web page>"
        size = len(self.payload)
        if size > limits.max_bytes:
            shown, limit = size_texts(size, limits.max_bytes)
            raise InputError(self.where, f"page too large ({shown}; the limit is {limit}, see "
                                         "--max-bytes)", "too-large")
        try:
            if self._is_html(input_format):
                from .html import html_document

                doc = html_document(self.payload, source, encoding, limits,
                                    http_charset=self.charset)
            else:
                text, used = decode(self.payload, source, encoding, http_charset=self.charset)
                problem = too_many_lines(text, limits)
                if problem is not None:
                    raise InputError(source, problem, "too-large")
                doc = Document(source=source, text=text, encoding=used, input_format="text")
        except InputError as exc:
            raise InputError(self.where, exc.problem, exc.reason) from None
        return doc.replace(url=self.url or None, meta={**doc.meta, "warc": self.info()})

    def _is_html(self, input_format: InputFormat) -> bool:
        if input_format in ("html", "text"):
            return input_format == "html"
        if self.content_type in _HTML_TYPES:
            return True
        head = self.payload[:4096].lstrip()
        if self.content_type == "text/plain" and head[:1] != b"<":
            return False
        from ..html import looks_like_html

        return looks_like_html(head.decode("latin-1"))


def _http_response(block: bytes) -> tuple[int | None, list[tuple[str, str]], bytes] | None:
    """(status, headers, body) of an HTTP response message, or ``None`` if it is not one."""
    m = _HEADER_END.search(block, 0, MAX_HEADER_BYTES)
    if m is None or not block.startswith(b"HTTP/"):
        return None
    lines = block[:m.start()].decode("latin-1").replace("\r\n", "\n").split("\n")
    parts = lines[0].split(None, 2)
    try:
        status: int | None = int(parts[1])
    except (IndexError, ValueError):
        status = None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return status, headers, block[m.end():]


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _dechunk(body: bytes) -> bytes | None:
    """A chunked transfer's body joined, or ``None`` if it is not chunked after all."""
    out: list[bytes] = []
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            return b"".join(out) if out else None  # cut inside: what came whole
        try:
            size = int(body[pos:end].split(b";", 1)[0].strip() or b"x", 16)
        except ValueError:
            return None
        if size == 0:
            return b"".join(out)
        start = end + 2
        out.append(body[start:start + size])
        pos = start + size + 2
        if pos > len(body):
            return b"".join(out)


def _undo_encoding(body: bytes, coding: str, max_bytes: int, where: str) -> bytes:
    """``body`` with its ``Content-Encoding`` undone, bounded by ``max_bytes``; a body that
    does not decode is taken as it is when it is not compressed data at all (older Common
    Crawl archives store decoded payloads under the original ``gzip`` header)."""
    coding = coding.strip().lower()
    if coding in ("", "identity", "none"):
        return body
    try:
        if coding in ("gzip", "x-gzip", "deflate"):
            if coding == "deflate" and body[:2] != _GZIP_MAGIC:
                # "deflate" is zlib data, or (misconfigured servers) raw deflate
                wbits = zlib.MAX_WBITS if (body[:1] and body[0] & 0x0F == 8) else -zlib.MAX_WBITS
            else:
                wbits = zlib.MAX_WBITS | 32
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(body, max_bytes + 1)
        elif coding == "br":
            try:
                import brotli
            except ImportError:
                raise InputError(where, "brotli-compressed payload, and no brotli module to "
                                        "undo it (pip install brotli)", "undecodable") from None
            out = brotli.decompress(body)
        else:
            return body if _looks_plain(body) else _unknown_coding(body, coding, where)
    except InputError:
        raise
    except Exception as exc:  # zlib.error, brotli.error (no subclass of a common one)
        if _looks_plain(body):
            return body
        raise InputError(where, f"payload in {coding} that does not decode: {exc}",
                         "undecodable") from None
    if len(out) > max_bytes:
        raise InputError(where, f"payload expands to over {size_texts(len(out), max_bytes)[1]} "
                                "(see --max-bytes)", "too-large")
    return out


def _unknown_coding(body: bytes, coding: str, where: str) -> bytes:
    raise InputError(where, f"payload in an unknown content encoding {coding!r}",
                     "undecodable")


def _looks_plain(body: bytes) -> bool:
    """Whether a body is readable as it is (markup or text, no compressed data)."""
    head = body[:512].lstrip()
    return head[:1] == b"<" or (bool(head) and head.isascii() and head[:2] != _GZIP_MAGIC)


def _wanted(kind: str, headers: dict[str, str]) -> bool:
    """Whether a record may hold a page (its block is worth reading)."""
    if kind == "response":
        return media_type(headers.get("content-type")) in ("application/http", "")
    if kind in ("resource", "conversion"):
        ctype = media_type(headers.get("content-type"))
        return ctype in PAGE_TYPES or ctype in _UNSAID_TYPES
    return False


def _page(record: WarcRecord, archive: str, max_bytes: int) -> WebPage | None:
    """The page a record holds, or ``None`` when it holds none (raises :class:`InputError`
    for a page that cannot be read: over the size limit, a payload that does not decode)."""
    url = record.url
    where = _where(url, archive, record.offset)
    if not _wanted(record.type, record.headers):
        return None
    if record.block is None:
        shown, limit = size_texts(record.length, max_bytes)
        raise InputError(where, f"record too large ({shown}; the limit is {limit}, see "
                                "--max-bytes)", "too-large")
    common: dict[str, Any] = {
        "url": url, "date": record.headers.get("warc-date"), "archive": archive,
        "offset": record.offset, "record_id": record.headers.get("warc-record-id"),
        "truncated": record.headers.get("warc-truncated")}
    if record.type != "response":
        ctype = record.headers.get("content-type")
        kind = media_type(ctype)
        if kind in _UNSAID_TYPES:
            from ..html import looks_like_html

            if not looks_like_html(record.block[:4096].decode("latin-1")):
                return None
            kind = "text/html"
        return WebPage(payload=record.block, status=None, content_type=kind,
                       charset=charset_of(ctype), headers=(("Content-Type", ctype or ""),),
                       **common)
    parsed = _http_response(record.block)
    if parsed is None:
        return None  # a response record of another protocol (dns:, ftp:)
    status, headers, body = parsed
    if status is None or not 200 <= status < 300 or status == 204:
        return None
    ctype = _first(headers, "content-type")
    kind = media_type(ctype)
    identified = media_type(record.headers.get("warc-identified-payload-type"))
    if kind in _UNSAID_TYPES and identified:
        kind = identified
    if kind not in PAGE_TYPES and kind not in _UNSAID_TYPES:
        return None
    transfer = (_first(headers, "transfer-encoding") or "").lower()
    if "chunked" in transfer:
        body = _dechunk(body) or body
    coding = _first(headers, "content-encoding")
    if coding:
        body = _undo_encoding(body, coding, max_bytes, where)
    if kind in _UNSAID_TYPES:
        from ..html import looks_like_html

        if not looks_like_html(body[:4096].decode("latin-1")):
            return None
        kind = "text/html"
    return WebPage(payload=body, status=status, headers=tuple(headers), content_type=kind,
                   charset=charset_of(ctype), **common)


def _where(url: str, archive: str, offset: int | None) -> str:
    at = f" at offset {offset:,}" if offset is not None else ""
    return f"{url or '<no URL>'} ({archive}{at})"


def iter_pages(f: BinaryIO, archive: str, *, max_bytes: int = DEFAULT_LIMITS.max_bytes,
               head: bytes = b"", on_error: OnError | None = None) -> Iterator[WebPage]:
    """The pages of a WARC file or stream (see the module's doc for which records are).

    A page that cannot be read (over ``max_bytes``, a payload that does not decode) raises
    :class:`InputError`, or, with ``on_error``, is handed to it and skipped. An archive that
    stops being readable raises :class:`InputError` after the pages before the damage.
    """
    for record in iter_records(f, archive, max_bytes=max_bytes, head=head, wanted=_wanted):
        try:
            page = _page(record, archive, max_bytes)
        except InputError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        if page is not None:
            yield page


def page_documents(pages: Iterator[WebPage], *, encoding: str | None = None,
                   input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS,
                   on_error: OnError | None = None) -> Iterator[Document]:
    """The documents of pages; a page that cannot be read raises :class:`InputError`, or,
    with ``on_error``, is handed to it and skipped."""
    for page in pages:
        try:
            yield page.document(encoding=encoding, input_format=input_format, limits=limits)
        except InputError as exc:
            if on_error is None:
                raise
            on_error(exc)


def read_warc(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_LIMITS.max_bytes,
              on_error: OnError | None = None) -> Iterator[WebPage]:
    """The pages of the WARC archive at ``path`` (``.warc`` or ``.warc.gz``), one at a time;
    ``page.document()`` is ready for :func:`kt_clean.article`.

    Raises :class:`InputError` when the file cannot be opened or is no WARC archive.
    """
    source = os.fspath(path)
    try:
        f = open(source, "rb")  # noqa: SIM115 -- closed when the generator ends
    except FileNotFoundError:
        raise InputError(source, "no such file", "unreadable") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory", "unreadable") from None
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    return _pages_of_file(f, source, max_bytes, on_error)


def _pages_of_file(f: BinaryIO, source: str, max_bytes: int,
                   on_error: OnError | None) -> Iterator[WebPage]:
    with f:
        try:
            yield from iter_pages(f, source, max_bytes=max_bytes, on_error=on_error)
        except OSError as exc:
            raise InputError(source, f"cannot read: {exc.strerror or exc}",
                             "unreadable") from None


def file_documents(path: str, *, encoding: str | None = None,
                   input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS,
                   on_error: OnError | None = None) -> Iterator[Document]:
    """The documents of the pages of a WARC file. With ``on_error``, a page that cannot be
    read is handed to it and skipped, and so is damage that ends the archive early (the
    pages before it are given); without, both raise :class:`InputError`."""
    pages = read_warc(path, max_bytes=limits.max_bytes, on_error=on_error)
    yield from _documents_to_the_end(pages, encoding, input_format, limits, on_error)


def stream_documents(stream: BinaryIO, source: str = "-", *, head: bytes = b"",
                     encoding: str | None = None, input_format: InputFormat = "auto",
                     limits: Limits = DEFAULT_LIMITS,
                     on_error: OnError | None = None) -> Iterator[Document]:
    """As :func:`file_documents`, for a WARC stream (standard input); ``head`` is what was
    already read of it."""
    pages = iter_pages(stream, source, max_bytes=limits.max_bytes, head=head,
                       on_error=on_error)
    yield from _documents_to_the_end(pages, encoding, input_format, limits, on_error)


def _documents_to_the_end(pages: Iterator[WebPage], encoding: str | None,
                          input_format: InputFormat, limits: Limits,
                          on_error: OnError | None) -> Iterator[Document]:
    """The documents of an archive's pages; with ``on_error``, damage that ends the
    archive early is handed to it after the pages before it (else it raises)."""
    try:
        yield from page_documents(pages, encoding=encoding, input_format=input_format,
                                  limits=limits, on_error=on_error)
    except InputError as exc:
        if on_error is None:
            raise
        on_error(exc)


def sniff_stream(stream: BinaryIO) -> tuple[bytes, bool]:
    """Read the first bytes of a stream: ``(those bytes, whether it is a WARC stream)``.

    Reads as little as it can (one read at a time until a plain stream's first 8 bytes, or
    a gzipped one's first decompressed bytes, tell), so the caller hands the bytes on."""
    head = b""
    read1 = getattr(stream, "read1", None)
    while len(head) < 4096:
        block = read1(4096 - len(head)) if read1 is not None else stream.read(4096 - len(head))
        if not block:
            break
        head += block
        if head[:2] != _GZIP_MAGIC:
            if len(head.lstrip(b"\r\n")) >= 8 or not head.lstrip(b"\r\n").startswith(
                    b"WARC/"[:len(head.lstrip(b"\r\n"))]):
                break
        elif len(_head_of(head)) >= 8:
            break
    return head, looks_like_warc(_head_of(head))


class _Prepended(io.RawIOBase):
    """A stream that gives ``head`` first, then the rest of ``rest``."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        read1 = getattr(self._rest, "read1", None)
        data = read1(len(view)) if read1 is not None else self._rest.read(len(view))
        view[:len(data)] = data
        return len(data)


def prepend(head: bytes, stream: BinaryIO) -> BinaryIO:
    """``stream`` with ``head`` (bytes already read from it) put back in front."""
    if not head:
        return stream
    return io.BufferedReader(_Prepended(head, stream), 1 << 16)


# -- a folder of archives, record by record (batch) -----------------------------------------

@dataclass(frozen=True, slots=True)
class Entry:
    """A page of an archive, as a batch run lists it: where its record starts, its URL,
    and its ``WARC-Date`` in seconds since the epoch (``None`` when it has none)."""

    offset: int | None
    url: str
    stamp: float | None


def list_pages(path: str, max_bytes: int) -> Iterator[Entry | InputError]:
    """The pages of an archive (and, in order, the pages that cannot be read, as errors;
    damage that ends the archive is the last one)."""
    errors: list[InputError] = []
    try:
        with open(path, "rb") as f:
            for page in iter_pages(f, path, max_bytes=max_bytes, on_error=errors.append):
                yield from errors
                errors.clear()
                yield Entry(page.offset, page.url, _epoch(page.date))
            yield from errors
    except InputError as exc:
        yield from errors
        yield exc
    except OSError as exc:
        yield InputError(path, f"cannot read: {exc.strerror or exc}", "unreadable")


def _epoch(date: str | None) -> float | None:
    """``2019-02-21T07:35:00Z`` (WARC-Date, any precision) as seconds since the epoch."""
    if not date:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(date.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def page_at(path: str, offset: int, max_bytes: int) -> WebPage:
    """The page whose record starts at ``offset`` of the archive at ``path``."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            for page in iter_pages(f, path, max_bytes=max_bytes):
                return page
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    raise InputError(path, f"no page at offset {offset:,}", "input")


#: The suffixes of a URL's last segment that say "a web page", replaced by the output's.
_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".php", ".asp", ".aspx", ".jsp",
                  ".cgi", ".txt")
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+@-]")
_MAX_PART = 100


def archive_stem(rel: str) -> str:
    """``crawl/a.warc.gz`` -> ``crawl/a``: the folder a batch writes an archive's pages in."""
    for suffix in (".warc.gz", ".warc"):
        if rel.endswith(suffix) and len(rel) > len(suffix):
            return rel[:-len(suffix)]
    return rel + ".pages"


def record_output_name(archive_rel: str, url: str, ext: str) -> str:
    """Where a batch writes the page of ``url`` from the archive ``archive_rel``:
    ``ARCHIVE/HOST/PATH`` with the page's suffix replaced by ``ext``
    (``crawl/a.warc.gz`` + ``https://www.koreatimes.co.kr/www/nation/2019/01/103_1.html`` ->
    ``crawl/a/www.koreatimes.co.kr/www/nation/2019/01/103_1.json``). Every part is made of
    safe characters only (never ``..``, never absolute); a name that had to change (a query,
    other characters, a part too long) gets a short hash of the URL, so two URLs never
    share one."""
    import hashlib
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2] or "no-host"
        path, query = parts.path, parts.query
    except ValueError:
        host, path, query = "no-host", url, ""
    segments = path.split("/")
    last = segments.pop() if segments else ""
    if not last:
        last = "index"
    lowered = last.lower()
    for suffix in _PAGE_SUFFIXES:
        if lowered.endswith(suffix) and len(last) > len(suffix):
            last = last[:-len(suffix)]
            break
    exact = True
    clean: list[str] = []
    for segment in [*[s for s in segments if s], last + (f"?{query}" if query else "")]:
        safe = _UNSAFE.sub("_", segment)[:_MAX_PART]
        if safe != segment:
            exact = False
        if safe in ("", ".", ".."):
            safe = "_"
            exact = False
        clean.append(safe)
    if not exact:
        digest = hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        clean[-1] = f"{clean[-1][:_MAX_PART]}~{digest}"
    host_part = _UNSAFE.sub("_", host.lower())[:_MAX_PART].strip(".") or "no-host"
    return "/".join([archive_stem(archive_rel), host_part, *clean]) + ext
