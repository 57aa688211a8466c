"""``clean_record``: one page in, its article JSON out; the call other engines make per record.

    >>> from kt_clean import clean_record
    >>> page = open("seeds/003_67df4e5bb0c6f5bf.txt", "rb").read()
    >>> url = "https://www.koreatimes.co.kr/www/nation/2019/01/103_261699.html"
    >>> rec = clean_record(page, url=url, source="003.txt")
    >>> rec["title"], rec["layout"], rec["hostname"]
    ('US, North Korea in talks for 2nd Trump-Kim summit', 'full-nav', 'www.koreatimes.co.kr')

It is :func:`kt_clean.extract` followed by ``Article.to_dict``: the same dictionary that
``kt-clean extract --json`` prints as a line and ``kt-clean batch`` writes per page. It reads
no file, writes nothing, keeps no state between calls and installs no signal handler unless
``timeout`` is given, so a datatrove step, a Spark ``map`` or a Ray task can call it on any
thread, any number of times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InputError
from ..layouts import Layout
from ..limits import MAX_BYTES_DEFAULT, Limits, size_texts
from ..pipeline import extract
from ..vocabulary import InputFormat


def clean_record(page: bytes | str, url: str | None = None, *, source: str | None = None,
                 encoding: str | None = None, input_format: InputFormat = "auto",
                 layouts: Sequence[Layout] | None = None, explain: bool = False,
                 max_bytes: int = MAX_BYTES_DEFAULT, timeout: float | None = None,
                 limits: Limits | None = None) -> dict[str, Any]:
    """The article JSON (a ``dict``, keys as in ``docs/formats.md``) of one page.

    ``page`` is the page's ``bytes`` (a text dump, HTML, gzip of either: decoded as a file
    is) or its ``str`` (read as its UTF-8 bytes with ``encoding="utf-8"``: an empty page,
    or one with NUL bytes, fails as the same file would). ``url``, its address when the
    record has one (a WARC record's ``WARC-Target-URI``, a crawl's ``url`` column), is a
    hint for detection and fills
    ``url`` and ``hostname``. ``source`` names the page in the result and in errors
    (default: ``url``, else ``<record>``). ``explain`` adds ``sources`` and ``removed``.
    ``layouts`` defaults to the built-in ones (pass ``kt_clean.load_layouts([...])`` to add
    a site's). ``max_bytes`` and ``timeout`` (seconds; it needs the main thread on Unix,
    elsewhere it is not applied) bound the page's work, or pass a whole ``limits``.

    Raises :class:`~kt_clean.errors.InputError` for a page that cannot be read (empty,
    binary, undecodable, too large: ``err.reason`` is the code batch runs list) and
    :class:`~kt_clean.errors.PageTimeout` past ``timeout``; both are
    :class:`~kt_clean.errors.KtCleanError`. An NDJSON stage record is cleaned as the page
    it holds; an input holding several records is refused (use :func:`kt_clean.read`).
    """
    name = source or url or "<record>"
    if not isinstance(page, bytes | str):
        raise TypeError(f"clean_record takes the page's bytes or str, not {type(page).__name__}")
    if limits is None:
        limits = Limits(max_bytes=max_bytes, page_timeout=timeout or None)
    if isinstance(page, str) and page.lstrip().startswith('{"kt_clean"') \
            and page.strip().count("\n") > 0:
        raise InputError(name, "holds several NDJSON records; clean_record takes one page "
                               "(use kt_clean.read for a stream)", "input")
    if isinstance(page, bytes) and page.lstrip().startswith(b'{"kt_clean"') \
            and page.strip().count(b"\n") > 0:
        raise InputError(name, "holds several NDJSON records; clean_record takes one page "
                               "(use kt_clean.read for a stream)", "input")
    if isinstance(page, str):  # already decoded: read as its UTF-8 bytes, as a file is
        page = page.encode("utf-8", "surrogatepass")
        encoding = encoding or "utf-8"
    if len(page) > limits.max_bytes:  # as a file over --max-bytes is refused
        shown, limit = size_texts(len(page), limits.max_bytes)
        raise InputError(name, f"input too large ({shown}; the limit is {limit}, see "
                               "max_bytes)", "too-large")
    art = extract(page, source=name, encoding=encoding, input_format=input_format,
                  layouts=layouts, limits=limits, url=url)
    return art.to_dict(explain=explain)
