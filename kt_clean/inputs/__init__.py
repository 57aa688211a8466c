"""Reading pages: files, ``-`` for stdin, bytes; compressed (gzip, bzip2, xz, zstd: see
``compressed.py``); telling a page from a record.

Every problem with an input becomes an :class:`~kt_clean.errors.InputError` naming the input
and its failure reason, so that a caller can report it in one line and go on with the next
input. Nothing is read without a bound: a file, a stream and a compressed input's
decompressed size are each capped at ``limits.max_bytes``.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ..errors import InputError
from ..limits import DEFAULT_LIMITS, Limits, size_text, size_texts, too_many_lines
from ..model import Document
from ..vocabulary import INPUT_FORMATS, InputFormat
from .compressed import MAGIC_BYTES, compression_of, decompress, gunzip
from .decode import decode
from .records import (
    ARTICLE_PROBLEM,
    looks_like_article,
    looks_like_record,
    parse_record,
    parse_records,
)

__all__ = ["from_text", "gunzip", "is_warc_file", "iter_path", "iter_stdin", "load_bytes",
           "read_path", "sniff"]

#: The first bytes of gzip data (a .warc.gz archive starts so).
_GZIP_MAGIC = b"\x1f\x8b"

#: Bytes read from a file or a stream at a time.
_BLOCK = 1 << 20
#: What a caller is handed for each bad NDJSON record when it asks to go on past them.
OnError = Callable[[InputError], None]


def from_text(text: str, source: str = "<string>") -> Document:
    """A document from a page's text (a text dump); newlines normalised to ``\\n``."""
    return Document(source=source, text=text.replace("\r\n", "\n").replace("\r", "\n"))


def sniff(text: str) -> str:
    """``"ndjson"`` for kt-clean records, ``"article"`` for article records (which no stage
    reads), ``"html"`` for markup, else ``"text"``."""
    head = text.lstrip()[:2048]
    if looks_like_record(head):
        return "ndjson"
    if looks_like_article(head):
        return "article"
    from ..html import looks_like_html  # the package imports nothing heavy until used

    return "html" if looks_like_html(head) else "text"


def load_bytes(data: bytes, source: str, *, encoding: str | None = None,
               input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS,
               on_error: OnError | None = None) -> list[Document]:
    """Documents from one input's bytes: one for a raw page, one per line for NDJSON.

    Compressed data (a ``.gz``, ``.bz2``, ``.xz`` or ``.zst`` name, or their magic bytes)
    is decompressed first, up to ``limits.max_bytes``. A bad NDJSON record raises
    :class:`InputError`, or, with ``on_error``, is handed to it and skipped (the other
    records are kept).
    """
    compression = compression_of(source, data[:MAGIC_BYTES])
    if compression is not None:
        data = decompress(compression, iter((data,)), source, limits.max_bytes)
    return _documents(data, source, encoding, input_format, limits, on_error)


def _documents(data: bytes, source: str, encoding: str | None, input_format: InputFormat,
               limits: Limits, on_error: OnError | None = None) -> list[Document]:
    """Documents from one input's (decompressed) bytes."""
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input_format must be one of {INPUT_FORMATS}, not {input_format!r}")
    if input_format == "html":
        return [_html(data, source, encoding, limits)]
    if input_format == "auto" and data.lstrip()[:1] == b"<":
        # Markup declares its own charset: let the HTML reader decide the encoding.
        from ..html import looks_like_html

        if looks_like_html(data[:4096].decode("latin-1")):
            return [_html(data, source, encoding, limits)]
    text, used = decode(data, source, encoding)
    kind = sniff(text) if input_format == "auto" else input_format
    if kind == "ndjson":
        return list(parse_records(text, source, on_error))
    if kind == "article":
        raise InputError(source, ARTICLE_PROBLEM, "input")
    if kind == "html":
        return [_html(data, source, encoding, limits)]
    problem = too_many_lines(text, limits)
    if problem is not None:
        raise InputError(source, problem, "too-large")
    return [Document(source=source, text=text, encoding=used, input_format="text")]


def _html(data: bytes, source: str, encoding: str | None, limits: Limits) -> Document:
    from .html import html_document

    return html_document(data, source, encoding, limits)


def read_path(path: str | os.PathLike[str], *, encoding: str | None = None,
              input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS,
              on_error: OnError | None = None) -> list[Document]:
    """Documents from a file path; raises :class:`InputError` naming the path on failure
    (a bad record of an NDJSON file: see :func:`load_bytes` for ``on_error``)."""
    return list(iter_path(path, encoding=encoding, input_format=input_format, limits=limits,
                          on_error=on_error))


def iter_path(path: str | os.PathLike[str], *, encoding: str | None = None,
              input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS,
              on_error: OnError | None = None) -> list[Document] | Iterator[Document]:
    """As :func:`read_path`, but the pages of a WARC archive come one at a time (a
    generator, reading the archive as it goes); any other file's documents as a list."""
    source = os.fspath(path)
    max_bytes = limits.max_bytes
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise InputError(source, _not_found(source), "unreadable") from None
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(source, "is a directory (use 'kt-clean batch DIR' for directories)",
                         "unreadable")
    regular = stat.S_ISREG(st.st_mode)
    if st.st_size > max_bytes and not (regular and is_warc_file(source)):
        size, limit = size_texts(st.st_size, max_bytes)
        raise InputError(source, f"file too large ({size}; the limit is {limit}, see "
                                 "--max-bytes)", "too-large")
    try:
        with open(source, "rb") as f:
            head = f.read(2)
            if regular and head in (b"WA", _GZIP_MAGIC):  # a WARC archive? (one open)
                head += f.read(510)
                if _warc_head(head):  # --max-bytes bounds each of its pages
                    from .warc import file_documents

                    return file_documents(source, encoding=encoding,
                                          input_format=input_format, limits=limits,
                                          on_error=on_error)
            if len(head) < MAGIC_BYTES:
                head += f.read(MAGIC_BYTES - len(head))
            compression = compression_of(source, head)
            if compression is not None:
                data = decompress(compression, _blocks(f, head, max_bytes, source), source,
                                  max_bytes)
            else:
                # Bounded even where the size is unknown (a pipe or device says 0).
                data = head + f.read(max_bytes + 1 - len(head))
                if len(data) > max_bytes:
                    raise InputError(source, f"input too large (over {_mb(max_bytes)}, see "
                                             "--max-bytes)", "too-large")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    return _documents(data, source, encoding, input_format, limits, on_error)


def _blocks(f: BinaryIO, head: bytes, max_bytes: int, source: str) -> Iterator[bytes]:
    """A file's compressed bytes in blocks, ``head`` first, at most ``max_bytes`` of them."""
    read = len(head)
    yield head
    while True:
        block = f.read(_BLOCK)
        if not block:
            return
        read += len(block)
        if read > max_bytes:
            raise InputError(source, f"input too large (over {_mb(max_bytes)}, see "
                                     "--max-bytes)", "too-large")
        yield block


def iter_stdin(stream: BinaryIO | None = None, *, encoding: str | None = None,
               input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS,
               on_error: OnError | None = None) -> Iterator[Document]:
    """Documents from standard input: NDJSON records are streamed one line at a time.

    Every read is bounded by ``limits.max_bytes``: a page as a whole, and each record line
    of an NDJSON stream. A bad record (or one over the limit) raises :class:`InputError`,
    or, with ``on_error``, is handed to it and skipped so that the next records are read.
    """
    stream = stream if stream is not None else sys.stdin.buffer
    max_bytes = limits.max_bytes
    source = "-"
    if input_format != "ndjson":  # a WARC stream (`kt-clean fetch -o - | kt-clean extract -`)
        stream, warc = _sniff_warc(stream)
        if warc is not None:
            yield from warc(encoding=encoding, input_format=input_format, limits=limits,
                            on_error=on_error)
            return
    # Leading blank lines are skipped up to the first line with text (each line is tested
    # once: a million newlines cost a million short reads, not a quadratic re-scan).
    pieces: list[bytes] = []
    size = 0
    first = b""
    while size <= max_bytes:
        line = stream.readline(max_bytes + 1 - size)
        if not line:
            break
        size += len(line)
        if line.strip():
            first = line
            break
        pieces.append(line)
    is_records = input_format == "ndjson" or (
        input_format == "auto" and looks_like_record(first.lstrip().decode("utf-8", "replace"))
    )
    if is_records:
        number = len(pieces)
        line = first
        over = size > max_bytes  # the first record line was cut by the leading blanks' share
        while line:
            number += 1
            where = f"{source}:{number}"
            try:
                if over or len(line) > max_bytes:
                    over = False
                    _skip_line(stream, line)
                    raise InputError(where, f"record line over {_mb(max_bytes)} (see "
                                            "--max-bytes)", "too-large")
                text = line.decode("utf-8", "replace")
                if text.strip():
                    yield parse_record(text, where)
            except InputError as exc:
                if on_error is None:
                    raise
                on_error(exc)
            line = stream.readline(max_bytes + 1)
        return
    head = b"".join(pieces) + first
    rest = stream.read(max_bytes + 1 - len(head)) if len(head) <= max_bytes else b""
    data = head + rest
    if len(data) > max_bytes:
        raise InputError(source, f"input too large (over {_mb(max_bytes)}, see --max-bytes)",
                         "too-large")
    yield from load_bytes(data, source, encoding=encoding, input_format=input_format,
                          limits=limits)


def is_warc_file(path: str) -> bool:
    """Whether the regular file at ``path`` is a WARC archive, by its first bytes (gzipped
    or not): ``WARC/1.0``, ``WARC/1.1``."""
    try:
        with open(path, "rb") as f:
            return _warc_head(f.read(512))
    except OSError:
        return False


def _warc_head(head: bytes) -> bool:
    """Whether the first bytes of a file (gzipped or not) start a WARC record."""
    if head[:2] == _GZIP_MAGIC:
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip(b"\r\n")[:6] in (b"WARC/1", b"WARC/0")


def _sniff_warc(stream: BinaryIO) -> tuple[BinaryIO, Callable[..., Iterator[Document]] | None]:
    """(the stream, with what was read of it put back; the reader of its documents when it
    is a WARC stream, else ``None``)."""
    from .warc import prepend, sniff_stream, stream_documents

    head, warc = sniff_stream(stream)
    if warc:
        return stream, functools.partial(stream_documents, stream, "-", head=head)
    return prepend(head, stream), None


def _skip_line(stream: BinaryIO, start: bytes) -> None:
    """Read past the rest of a line too long to keep, in blocks (never holding it)."""
    if start.endswith(b"\n"):
        return
    while True:
        block = stream.readline(_BLOCK)
        if not block or block.endswith(b"\n"):
            return


def _not_found(source: str) -> str:
    """What to say of a path that is not there (an address given as a page, say)."""
    import re

    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", source):
        return ("no such file: this is a URL, and kt-clean reads saved pages; download it "
                "first with 'kt-clean fetch URL'")
    return "no such file"


def _mb(size: int) -> str:
    return size_text(size)
