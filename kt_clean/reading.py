"""Reading pages: files, ``-`` for stdin, bytes; decoding; telling a raw page from a record.

Every problem with an input becomes an :class:`~kt_clean.errors.InputError` naming the
input, so that a caller can report it in one line and go on with the next input.
"""

from __future__ import annotations

import codecs
import itertools
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .model import RECORD_VERSION, Document

#: Inputs larger than this are refused (a saved news page is well under 1 MB).
MAX_BYTES_DEFAULT = 20 * 1024 * 1024

#: chardet looks at this many bytes at most: enough for a confident guess, bounded time.
DETECT_SAMPLE = 64 * 1024

#: Below this chardet confidence a guess is not trusted (the user can pass --encoding).
MIN_CONFIDENCE = 0.5

#: Share of control characters above which a decoded text is taken for binary data.
MAX_CONTROL_SHARE = 0.05

#: A page whose valid UTF-8 characters outnumber its broken bytes this many times is
#: taken for damaged UTF-8 (an error) rather than another encoding.
UTF8_MAJORITY = 4

INPUT_FORMATS = ("auto", "text", "html", "ndjson")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# A guess names a family; decode with the superset that browsers use for it.
_SUPERSETS = {
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso-8859-1": "windows-1252",
    "ascii": "windows-1252",
    "latin-1": "windows-1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
}

# Control characters other than tab, newlines, form feed, vertical tab and escape.
_CONTROLS = re.compile("[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def normalise_encoding(name: str) -> str:
    """The codec to decode with for an encoding name (``EUC-KR`` decodes as ``cp949``)."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    return _SUPERSETS.get(name.lower(), _SUPERSETS.get(canonical, canonical))


def decode(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_used)``.

    Order: a forced ``encoding``; a byte-order mark; UTF-8; chardet's guess. Newlines are
    normalised to ``\\n``. Raises :class:`InputError` for empty, binary or undecodable data.
    """
    if not data.strip():
        raise InputError(source, "empty file" if not data else "empty page (only whitespace)")
    if encoding:
        try:
            codec = normalise_encoding(encoding)
        except ValueError as exc:
            raise InputError(source, str(exc)) from None
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise InputError(source, f"cannot decode as {encoding}: {exc.reason} at byte "
                                     f"{exc.start}") from None
        used = codec
    else:
        text, used = _decode_auto(data, source)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # In UTF-8 a control character (or NUL) is its own byte and no other byte is one, so
    # bytes free of them (deleting none changes nothing) decode to text free of them.
    if not (used == "utf-8" and b"\x00" not in data
            and len(data.translate(None, _CONTROL_BYTES)) == len(data)):
        check_text(text, source)
    return text, used


def _decode_auto(data: bytes, source: str) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise InputError(source, f"invalid {name} after its byte-order mark: "
                                         f"{exc.reason} at byte {exc.start}") from None
    if b"\x00" in data:
        raise InputError(source, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _mostly_utf8(data[:DETECT_SAMPLE]):
        # Why: a UTF-8 page with a few broken bytes is not a legacy-encoded page; guessing
        # an 8-bit code page would silently turn all its other characters into mojibake.
        raise InputError(source, f"invalid UTF-8 ({utf8_error.reason} at byte "
                                 f"{utf8_error.start}); pass --encoding to force one")
    import chardet  # only pages that are not UTF-8 pay for it

    guess = chardet.detect(data[:DETECT_SAMPLE])
    name = (guess.get("encoding") or "").lower()
    confidence = guess.get("confidence") or 0.0
    if not name or confidence < MIN_CONFIDENCE or name in ("utf-8", "utf-8-sig"):
        raise InputError(
            source,
            f"invalid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and no confident "
            "guess of another encoding; pass --encoding",
        )
    codec = normalise_encoding(name)
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        raise InputError(source, f"not UTF-8, and not {codec} as guessed ({exc.reason} at "
                                 f"byte {exc.start}); pass --encoding") from None


def _mostly_utf8(sample: bytes) -> bool:
    """Most non-ASCII bytes form valid UTF-8 characters (and only a few do not)."""
    text = sample.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return good >= UTF8_MAJORITY * bad


def check_text(text: str, source: str) -> None:
    """Raise :class:`InputError` if decoded text is binary data (NULs, many controls)."""
    sample = text[:8192]
    if "\x00" in text:
        raise InputError(source, "binary data (contains NUL characters)")
    # most text has none: one search, and a count only when there is one
    controls = len(_CONTROLS.findall(sample)) if _CONTROLS.search(sample) else 0
    if controls > MAX_CONTROL_SHARE * len(sample):
        raise InputError(source, f"binary data ({controls} control characters in the first "
                                 f"{len(sample)})")


def _looks_like_record(line: str) -> bool:
    return line.startswith("{") and f'"kt_clean": {RECORD_VERSION}' in line[:64]


def sniff(text: str) -> str:
    """``"ndjson"`` for kt-clean records, ``"html"`` for markup, else ``"text"``."""
    head = text.lstrip()[:2048]
    if _looks_like_record(head):
        return "ndjson"
    from .html import looks_like_html  # the package imports nothing heavy until used

    return "html" if looks_like_html(head) else "text"


def parse_records(text: str, source: str) -> Iterator[Document]:
    """The documents in an NDJSON stream of records (blank lines are skipped)."""
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield parse_record(line, f"{source}:{number}")


def parse_record(line: str, where: str) -> Document:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(where, f"invalid NDJSON record: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise InputError(where, "invalid NDJSON record: not a JSON object")
    try:
        return Document.from_record(record)
    except ValueError as exc:
        raise InputError(where, str(exc)) from None


def load_bytes(
    data: bytes,
    source: str,
    *,
    encoding: str | None = None,
    input_format: str = "auto",
) -> list[Document]:
    """Documents from one input's bytes: one for a raw page, one per line for NDJSON."""
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input_format must be one of {INPUT_FORMATS}, not {input_format!r}")
    if source.endswith(".gz") or data[:2] == b"\x1f\x8b":
        data = _gunzip(data, source)
    if input_format == "html":
        return [_html_document(data, source, encoding)]
    if input_format == "auto" and data.lstrip()[:1] == b"<":
        # Markup declares its own charset: let the HTML reader decide the encoding.
        from .html import looks_like_html

        if looks_like_html(data[:4096].decode("latin-1")):
            return [_html_document(data, source, encoding)]
    text, used = decode(data, source, encoding)
    kind = sniff(text) if input_format == "auto" else input_format
    if kind == "ndjson":
        return list(parse_records(text, source))
    if kind == "html":
        return [_html_document(data, source, encoding)]
    return [Document(source=source, text=text, encoding=used, input_format="text")]


def _gunzip(data: bytes, source: str) -> bytes:
    import gzip
    import zlib

    try:
        return gzip.decompress(data[: MAX_BYTES_DEFAULT])
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(source, f"bad gzip data: {exc}") from None


def _html_document(data: bytes, source: str, encoding: str | None) -> Document:
    from .htmlpage import html_document

    return html_document(data, source, encoding)


def read_path(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    input_format: str = "auto",
    max_bytes: int = MAX_BYTES_DEFAULT,
) -> list[Document]:
    """Documents from a file path; raises :class:`InputError` naming the path on failure."""
    source = os.fspath(path)
    p = Path(source)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    if p.is_dir():
        raise InputError(source, "is a directory (use 'kt-clean batch DIR' for directories)")
    if st.st_size > max_bytes:
        raise InputError(source, f"file too large ({_mb(st.st_size)}; the limit is "
                                 f"{_mb(max_bytes)}, see --max-bytes)")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    return load_bytes(data, source, encoding=encoding, input_format=input_format)


def iter_stdin(
    stream: BinaryIO | None = None,
    *,
    encoding: str | None = None,
    input_format: str = "auto",
    max_bytes: int = MAX_BYTES_DEFAULT,
) -> Iterator[Document]:
    """Documents from standard input: NDJSON records are streamed one line at a time."""
    stream = stream if stream is not None else sys.stdin.buffer
    source = "-"
    first = stream.readline(max_bytes + 1)
    while first and not first.strip() and len(first) <= max_bytes:
        first += stream.readline(max_bytes + 1)
    is_records = input_format == "ndjson" or (
        input_format == "auto" and _looks_like_record(first.lstrip().decode("utf-8", "replace"))
    )
    if is_records:
        lines = itertools.chain(first.splitlines(keepends=True), stream)
        for number, raw in enumerate(lines, 1):
            text = raw.decode("utf-8", "replace")
            if text.strip():
                yield parse_record(text, f"{source}:{number}")
        return
    rest = stream.read(max_bytes + 1 - len(first)) if len(first) <= max_bytes else b""
    data = first + rest
    if len(data) > max_bytes:
        raise InputError(source, f"input too large (over {_mb(max_bytes)}, see --max-bytes)")
    yield from load_bytes(data, source, encoding=encoding, input_format=input_format)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
