"""Compressed inputs: gzip, bzip2, xz and zstd, told by their name or their first bytes.

Each is decompressed as a stream, in bounded pieces, and refused as soon as its output
passes ``max_bytes``: a bomb (a few KB that expand to gigabytes) is never held whole. Files
of several members or frames (``cat a.gz b.gz``, ``pbzip2``, ``zstd`` with several frames)
are read to their end, as the command-line tools read them.

gzip, bzip2 and xz come with Python; zstd needs the ``zstandard`` package (a dependency of
kt-clean), imported only when a zstd input is read.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any, Literal

from ..errors import InputError
from ..limits import size_text

Compression = Literal["gzip", "bzip2", "xz", "zstd"]

#: The name each compression's files end with, and the bytes they start with.
SUFFIXES: dict[str, Compression] = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz",
                                    ".zst": "zstd"}
MAGIC: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
#: How many first bytes :func:`compression_of` needs to see.
MAGIC_BYTES = 6


def compression_of(source: str, head: bytes) -> Compression | None:
    """The compression of an input named ``source`` starting with ``head``, or ``None``.

    The name decides when it ends in a known suffix (a ``.gz`` that is not gzip data is
    then an error, not a page); otherwise the first bytes do (a gzip page saved as ``.html``).
    A bzip2 start (``BZh``) is trusted only with its block-size digit and block magic,
    since a text page may well start with ``BZh``.
    """
    for suffix, kind in SUFFIXES.items():
        if source.endswith(suffix) and len(source) > len(suffix):
            return kind
    for magic, kind in MAGIC:
        if head.startswith(magic):
            if kind == "bzip2" and not (head[3:4].isdigit() and head[4:6] in (b"1A", b"\x17r")):
                continue
            return kind
    return None


def strip_suffix(name: str) -> str:
    """``name`` without its compression suffix (``a.html.bz2`` -> ``a.html``)."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def decompress(kind: Compression, blocks: Iterator[bytes], source: str,
               max_bytes: int) -> bytes:
    """The decompressed bytes of ``blocks`` (the input in pieces), at most ``max_bytes``;
    :class:`InputError` (``too-large``) as soon as they pass it, (``undecodable``) for data
    that is not of ``kind`` or ends early."""
    if kind == "zstd":
        return _unzstd(blocks, source, max_bytes)
    factory, errors = _DECOMPRESSORS[kind]()
    try:
        return _drain(factory, blocks, source, max_bytes, kind)
    except errors as exc:
        raise InputError(source, f"bad {kind} data: {_first_line(exc)}",
                         "undecodable") from None


def gunzip(blocks: Iterator[bytes], source: str, max_bytes: int) -> bytes:
    """:func:`decompress` for gzip (every member of a multi-member file)."""
    return decompress("gzip", blocks, source, max_bytes)


class _Inflater:
    """zlib's gzip decompressor with the interface bz2 and lzma share (``max_length``,
    ``eof``, ``unused_data``, ``needs_input``)."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._tail = b""

    @property
    def eof(self) -> bool:
        return self._z.eof

    @property
    def unused_data(self) -> bytes:
        return self._z.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._tail and not self._z.eof

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        data = self._tail + data
        out = self._z.decompress(data, max(max_length, 0))
        self._tail = self._z.unconsumed_tail
        return out


def _gzip() -> tuple[Callable[[], Any], type[Exception] | tuple[type[Exception], ...]]:
    return _Inflater, zlib.error


def _bzip2() -> tuple[Callable[[], Any], type[Exception] | tuple[type[Exception], ...]]:
    import bz2

    return bz2.BZ2Decompressor, (OSError, ValueError)


#: The most memory an xz stream may ask to be decoded with. Its dictionary is chosen by
#: whoever compressed it (``xz -9``: 64 MiB; a crafted header: up to 4 GiB, allocated
#: before a byte comes out); over this the stream is refused as undecodable.
XZ_MEMLIMIT = 256 << 20


def _xz() -> tuple[Callable[[], Any], type[Exception] | tuple[type[Exception], ...]]:
    import functools
    import lzma

    return functools.partial(lzma.LZMADecompressor, memlimit=XZ_MEMLIMIT), lzma.LZMAError


_DECOMPRESSORS = {"gzip": _gzip, "bzip2": _bzip2, "xz": _xz}


def _drain(factory: Callable[[], Any], blocks: Iterator[bytes], source: str,
           max_bytes: int, kind: str) -> bytes:
    out: list[bytes] = []
    size = 0
    decomp = factory()
    started = False  # a member (stream) has begun and not ended
    for block in blocks:
        data = block
        while data or (started and not decomp.needs_input and not decomp.eof):
            if decomp.eof:  # the member ended; what follows starts another
                if not data.strip(b"\x00"):  # zero padding after the last one (xz, tar)
                    data = b""
                    break
                decomp = factory()
            started = True
            piece = decomp.decompress(data, max_bytes + 1 - size)
            data = b""
            size += len(piece)
            out.append(piece)
            if size > max_bytes:
                raise InputError(source, f"{kind} data expands to over {size_text(max_bytes)} "
                                         "(see --max-bytes)", "too-large")
            if decomp.eof:
                data = decomp.unused_data
                started = False
    if started and not decomp.eof:
        raise InputError(source, f"bad {kind} data: the data ends before the end of its "
                                 "stream (cut short?)", "undecodable")
    return b"".join(out)  # nothing at all: an empty file, reported as such by the reader


#: zstd input is fed in pieces this small: its decompressor has no output bound, and a
#: zstd block of 4 bytes can stand for 128 KB (a run of one byte), so a piece of 64 bytes
#: gives at most 2 MB at once.
ZSTD_PIECE = 64


def _unzstd(blocks: Iterator[bytes], source: str, max_bytes: int) -> bytes:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise InputError(source, "reading zstd data needs the 'zstandard' package "
                                 "(pip install zstandard)", "undecodable") from None
    dctx = zstandard.ZstdDecompressor()
    out: list[bytes] = []
    size = 0
    obj = dctx.decompressobj()
    started = False  # a frame has begun and not ended
    try:
        for block in blocks:
            view = memoryview(block)
            for at in range(0, len(view), ZSTD_PIECE):
                piece = bytes(view[at:at + ZSTD_PIECE])
                while piece:
                    if obj.eof:  # a frame ended; what follows starts the next
                        obj = dctx.decompressobj()
                    started = True
                    data = obj.decompress(piece)
                    piece = obj.unused_data if obj.eof else b""
                    if obj.eof:
                        started = False
                    size += len(data)
                    out.append(data)
                    if size > max_bytes:
                        raise InputError(source, f"zstd data expands to over "
                                                 f"{size_text(max_bytes)} (see --max-bytes)",
                                         "too-large")
    except zstandard.ZstdError as exc:
        raise InputError(source, f"bad zstd data: {_first_line(exc)}", "undecodable") from None
    if started:
        raise InputError(source, "bad zstd data: the data ends before the end of its frame "
                                 "(cut short?)", "undecodable")
    return b"".join(out)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().split("\n")[0]
    return text[:200] or type(exc).__name__
