"""Bytes -> str for HTML pages."""

from __future__ import annotations

import codecs
import re

from . import HtmlError

_DECL_WINDOW = 4096
_CHARDET_WINDOW = 256 * 1024

_META_RE = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
_XML_RE = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)

# supersets used in practice (WHATWG encoding standard does the same)
_SUPERSET = {
    "euc_kr": "cp949",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "latin_1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
_DISPLAY = {
    "utf_8": "utf-8",
    "utf_8_sig": "utf-8",
    "cp949": "cp949",
    "cp1252": "windows-1252",
    "cp1254": "windows-1254",
    "cp1251": "windows-1251",
    "cp1250": "windows-1250",
    "utf_16": "utf-16",
    "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be",
}


def _norm(name: str) -> str | None:
    """Normalise an encoding label to a Python codec name (with supersets)."""
    label = name.strip().lower()
    if label in ("ks_c_5601-1987", "ksc5601", "ks_c_5601", "x-windows-949", "windows-949"):
        label = "cp949"
    if label in ("x-sjis", "sjis"):
        label = "shift_jis"
    try:
        codec = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    return _SUPERSET.get(codec, codec)


def _display(codec: str) -> str:
    return _DISPLAY.get(codec, codec.replace("_", "-"))


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def declared_charset(data: bytes) -> str | None:
    """Charset declared in the first 4 KB (<meta charset>, http-equiv, <?xml encoding>)."""
    head = data[:_DECL_WINDOW]
    m = _XML_RE.match(head) or _META_RE.search(head)
    if not m:
        return None
    return m.group(1).decode("ascii", "replace")


def _chardet_guess(data: bytes) -> str | None:
    import chardet

    res = chardet.detect(data[:_CHARDET_WINDOW])
    enc = res.get("encoding") if res else None
    return enc


def decode_html(data: bytes, forced: str | None = None) -> tuple[str, str]:
    """Decode an HTML page. Returns ``(text, encoding_name)``.

    Order: ``forced``; byte-order mark; charset declared in the first 4 KB; then (a fast
    path, not in the issue's list) strict UTF-8 when the bytes are valid UTF-8; then
    chardet's guess. EUC-KR decodes as cp949 and ISO-8859-1/ASCII as windows-1252
    (supersets). A declared or guessed charset that fails strictly is retried with
    ``errors="replace"`` as a last resort. Raises :class:`HtmlError` (ValueError).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise HtmlError("decode_html expects bytes")
    data = bytes(data)
    if forced:
        codec = _norm(forced)
        if codec is None:
            raise HtmlError(f"unknown encoding: {forced}")
        try:
            return data.decode(codec, errors="replace"), _display(codec)
        except Exception as exc:  # pragma: no cover - codec specific
            raise HtmlError(f"cannot decode as {forced}: {exc}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if not data.strip():
        return "", "utf-8"
    tried: list[str] = []
    decl = declared_charset(data)
    if decl:
        codec = _norm(decl)
        if codec and codec.startswith("utf_16"):
            codec = "utf_8"  # a meta tag readable as ASCII cannot really be UTF-16
        if codec:
            text = _strict(data, codec)
            if text is not None:
                return text, _display(codec)
            tried.append(codec)
    if data.isascii():
        return data.decode("ascii"), "windows-1252"
    text = _strict(data, "utf_8")
    if text is not None:
        return text, "utf-8"
    tried.append("utf_8")
    guess = _chardet_guess(data)
    if guess:
        codec = _norm(guess)
        if codec:
            text = _strict(data, codec)
            if text is not None:
                return text, _display(codec)
            tried.append(codec)
    # last resort: the first candidate with replacement characters
    for codec in [*tried, "cp1252"]:
        try:
            return data.decode(codec, errors="replace"), _display(codec)
        except Exception:
            continue
    raise HtmlError("cannot decode HTML bytes")  # pragma: no cover
