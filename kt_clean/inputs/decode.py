"""Bytes to text: the one decoder, for text dumps and HTML alike.

Order: a forced encoding; a byte-order mark; the charset of the HTTP ``Content-Type`` header
when the page came from the web (a WARC record, ``kt-clean fetch``) and it decodes the page;
(HTML) the charset the page declares; UTF-8; chardet's guess. A guess or label names a
family, and the page is decoded with the superset browsers use for it (EUC-KR as cp949,
ISO-8859-1 and ASCII as windows-1252), as the WHATWG encoding standard does. Encodings are
reported by one set of names.

Text and HTML differ in two places, on purpose: an HTML page declares its charset, and pure
ASCII HTML without a declaration is windows-1252 (a browser's default); and a page that cannot
be decoded cleanly is refused as text (``--encoding`` forces one), but decoded as HTML with
replacement characters, as a browser shows it.
"""

from __future__ import annotations

import codecs
import re

from .. import log
from ..errors import InputError

#: chardet looks at this many bytes at most: enough for a confident guess, bounded time.
DETECT_SAMPLE = 64 * 1024
#: Below this chardet confidence a guess is not trusted for a text dump.
MIN_CONFIDENCE = 0.5
#: Share of control characters above which a decoded text is taken for binary data.
MAX_CONTROL_SHARE = 0.05
#: A page whose valid UTF-8 characters outnumber its broken bytes this many times is
#: damaged UTF-8, not another encoding.
UTF8_MAJORITY = 4
#: An HTML page declares its charset within this many bytes.
DECLARATION_WINDOW = 4096

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Python codec name -> the superset decoded instead (WHATWG's mapping of labels).
_SUPERSETS = {
    "euc_kr": "cp949",
    "iso8859_1": "cp1252",
    "latin_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
# Labels codecs.lookup does not know, as browsers read them.
_ALIASES = {
    "ks_c_5601-1987": "cp949", "ksc5601": "cp949", "ks_c_5601": "cp949",
    "x-windows-949": "cp949", "windows-949": "cp949", "x-sjis": "shift_jis", "sjis": "shift_jis",
}
# Python codec name -> the name kt-clean reports.
_NAMES = {
    "utf_8": "utf-8", "utf_8_sig": "utf-8", "utf_16": "utf-16", "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be", "utf_32": "utf-32", "cp1250": "windows-1250",
    "cp1251": "windows-1251", "cp1252": "windows-1252", "cp1253": "windows-1253",
    "cp1254": "windows-1254", "cp1255": "windows-1255", "cp1256": "windows-1256",
    "cp1257": "windows-1257", "cp1258": "windows-1258",
}
# The bytes where windows-1254 (Turkish) and windows-1252 differ.
_TURKISH_ONLY = rb"[\xd0\xdd\xde\xf0\xfd\xfe]"
_META_CHARSET = rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})"""
_XML_ENCODING = rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})"""
# Control characters other than tab, newlines, form feed, vertical tab and escape.
_CONTROLS = "[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]"
# (Patterns are compiled on first use, by the re module's cache: most pages never need one.)
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def codec_for(label: str) -> str | None:
    """The Python codec to decode with for an encoding label (``EUC-KR`` -> ``cp949``), or
    ``None`` for a label no codec knows."""
    name = label.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # unknown, or a label with a NUL in it
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # rot13, base64, zlib...: bytes-to-bytes codecs, no text encodings
    codec = info.name.replace("-", "_")
    return _SUPERSETS.get(codec, codec)


def encoding_problem(label: str) -> str | None:
    """Why ``label`` cannot be used to decode pages (``None`` if it can): for an
    ``--encoding`` given by a user, a usage error."""
    try:
        info = codecs.lookup(label.strip().lower())
    except (LookupError, ValueError):
        if codec_for(label) is not None:  # an alias of kt-clean's own (EUC-KR and the like)
            return None
        return f"unknown encoding {label!r}"
    if not getattr(info, "_is_text_encoding", True):
        return f"{label!r} is not a text encoding (it turns bytes into bytes)"
    return None


def encoding_name(codec: str) -> str:
    """The name kt-clean reports for a codec (``cp1252`` -> ``windows-1252``)."""
    codec = codec.replace("-", "_")
    return _NAMES.get(codec, codec.replace("_", "-"))


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (``<meta charset>``,
    ``http-equiv``, ``<?xml encoding>``), or ``None``."""
    head = data[:DECLARATION_WINDOW]
    m = (re.match(_XML_ENCODING, head, re.IGNORECASE)
         or re.search(_META_CHARSET, head, re.IGNORECASE))
    return m.group(1).decode("ascii", "replace") if m else None


def decode(data: bytes, source: str, encoding: str | None = None, *,
           markup: bool = False, http_charset: str | None = None) -> tuple[str, str]:
    """Decode ``data``: ``(text, encoding name)``; a text dump's newlines normalised to
    ``\\n``.

    ``encoding`` forces one. ``markup`` applies HTML's policy (see the module's doc).
    ``http_charset`` is the charset the page was served with (its HTTP ``Content-Type``):
    used, after a byte-order mark, when the page decodes with it without error (a header
    that does not fit the bytes is a server's mistake; the page's own evidence decides).
    Raises :class:`InputError` for empty, binary or (text) undecodable data.
    """
    if not data.strip():
        raise InputError(source, "empty file" if not data else "empty page (only whitespace)",
                         "empty")
    if encoding:
        codec = codec_for(encoding)
        if codec is None:
            raise InputError(source, encoding_problem(encoding) or f"unknown encoding "
                                                                   f"{encoding!r}", "undecodable")
        try:
            text, used = data.decode(codec), codec
        except UnicodeDecodeError as exc:
            raise InputError(source, f"cannot decode as {encoding}: {exc.reason} at byte "
                                     f"{exc.start}", "undecodable") from None
        except UnicodeError as exc:  # codecs that raise the base class (punycode, undefined)
            why = str(exc).replace("\r", "\\r").replace("\n", "\\n")
            raise InputError(source, f"cannot decode as {encoding}: {why}",
                             "undecodable") from None
    else:
        text, used = _decode_auto(data, source, markup, http_charset)
    if "\r" in text and not markup:  # HTML is kept as it came (the rendering normalises)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # In UTF-8 a control character (or NUL) is its own byte and no other byte is one, so
    # bytes free of them (deleting none changes nothing) decode to text free of them.
    if not (used == "utf_8" and b"\x00" not in data
            and len(data.translate(None, _CONTROL_BYTES)) == len(data)):
        check_text(text, source)
    name = encoding_name(used)
    log.debug("kt_clean.inputs", "%s: decoded as %s%s", source, name,
              " (--encoding)" if encoding else "")
    return text, name


def _decode_auto(data: bytes, source: str, markup: bool,
                 http_charset: str | None = None) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                if markup:
                    return data.decode(name, "replace"), name
                raise InputError(source, f"invalid {name} after its byte-order mark: "
                                         f"{exc.reason} at byte {exc.start}",
                                 "undecodable") from None
    if http_charset:
        codec = codec_for(http_charset)
        if codec is not None and codec.startswith(("utf_16", "utf_32")) and b"\x00" not in data:
            codec = None  # a wide encoding's text has NULs in it: the header is wrong
        served = _strict(data, codec) if codec is not None else None
        if served is not None and codec is not None:
            return served, codec
    if b"\x00" in data:
        raise InputError(source, "binary file (contains NUL bytes)", "binary")
    tried: list[str] = []
    if markup:
        label = declared_charset(data)
        codec = codec_for(label) if label else None
        if codec is not None and codec.startswith("utf_16"):
            codec = "utf_8"  # a declaration readable as ASCII cannot really be UTF-16
        if codec is not None:
            text = _strict(data, codec)
            if text is not None:
                return text, codec
            tried.append(codec)
        if data.isascii():
            return data.decode("ascii"), "cp1252"
    try:
        return data.decode("utf-8"), "utf_8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _mostly_utf8(data[:DETECT_SAMPLE]):
        # Why: a UTF-8 page with a few broken bytes is not a legacy-encoded page; guessing
        # an 8-bit code page would silently turn all its other characters into mojibake.
        if markup:
            return data.decode("utf-8", "replace"), "utf_8"
        raise InputError(source, f"invalid UTF-8 ({utf8_error.reason} at byte "
                                 f"{utf8_error.start}); pass --encoding to force one",
                         "undecodable")
    codec = _guess(data, markup)
    if codec is not None:
        try:
            return data.decode(codec), codec
        except (UnicodeError, LookupError) as exc:
            if not markup:
                where = (f" ({exc.reason} at byte {exc.start})"
                         if isinstance(exc, UnicodeDecodeError) else "")
                raise InputError(source, f"not UTF-8, and not {encoding_name(codec)} as "
                                         f"guessed{where}; pass --encoding",
                                 "undecodable") from None
        tried.append(codec)
    if not markup:
        raise InputError(
            source,
            f"invalid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and no confident "
            "guess of another encoding; pass --encoding", "undecodable")
    # As a browser would: the first candidate, with replacement characters.
    codec = tried[0] if tried else "cp1252"
    return data.decode(codec, "replace"), codec


def _guess(data: bytes, markup: bool) -> str | None:
    """chardet's guess of the codec (text: only a confident one), as a superset."""
    import chardet  # only pages that are not UTF-8 pay for it

    guess = chardet.detect(data[:DETECT_SAMPLE])
    label = (guess.get("encoding") or "").lower()
    confidence = guess.get("confidence") or 0.0
    if not label or label in ("utf-8", "utf-8-sig") or (not markup and confidence < MIN_CONFIDENCE):
        return None
    codec = codec_for(label)
    if codec == "cp1254" and not re.search(_TURKISH_ONLY, data):
        # Why: chardet often names Turkish for German or French Latin-1 text; without the
        # six bytes where the two differ, the text is the same, and windows-1252 is the
        # far likelier page.
        codec = "cp1252"
    return codec


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


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
        raise InputError(source, "binary data (contains NUL characters)", "binary")
    # most text has none: one search, and a count only when there is one
    controls = len(re.findall(_CONTROLS, sample)) if re.search(_CONTROLS, sample) else 0
    if controls > MAX_CONTROL_SHARE * len(sample):
        raise InputError(source, f"binary data ({controls} control characters in the first "
                                 f"{len(sample)})", "binary")
