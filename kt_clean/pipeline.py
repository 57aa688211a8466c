"""The pipeline as library calls: read -> detect -> strip -> article -> render.

Each CLI command is one of these calls; each stage takes and returns an immutable
:class:`~kt_clean.model.Document`, so stages chain in Python as they do in a shell pipe.
:func:`strip` is the one place that picks how a page is cleaned: by its layout's rules, or,
for a page no layout claims (or whose layout's rules do not fit it), by the HTML cleaner
(HTML input) or the generic cleaner (text dumps).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import log
from .article import build_article
from .errors import InputError
from .inputs import from_text, load_bytes, read_path, sniff
from .inputs.records import parse_records
from .layouts import Layout, apply_layout, builtin_layouts, known_chrome, layout_named, page_index
from .layouts import detect as _detect
from .limits import DEFAULT_LIMITS, Limits, too_many_lines
from .model import Article, Document, Label
from .render import render
from .system import time_limit
from .vocabulary import UNKNOWN, InputFormat

if TYPE_CHECKING:
    from .cleaners import Cleaner  # the cleaners load only for a page that needs one
    from .inputs.warc import WebPage

__all__ = ["article", "detect", "extract", "from_text", "read", "render", "strip"]


def read(path: str | os.PathLike[str], *, encoding: str | None = None,
         input_format: InputFormat = "auto", limits: Limits = DEFAULT_LIMITS) -> list[Document]:
    """The documents in a file: one for a page, one per record for an NDJSON file."""
    return read_path(path, encoding=encoding, input_format=input_format, limits=limits)


def detect(doc: Document, layouts: Sequence[Layout] | None = None) -> Document:
    """Which layout the page is, with confidence and evidence (see ``docs/layouts.md``)."""
    return _detect(doc, layouts)


def strip(doc: Document, layouts: Sequence[Layout] | None = None, *,
          limits: Limits = DEFAULT_LIMITS) -> Document:
    """Every line labelled kept (role) or removed (reason, rule); detects first if needed.

    Idempotent: a document that already has labels is returned as it is.
    """
    if doc.labels is not None:
        return doc
    problem = too_many_lines(doc.text, limits)  # a record's page was not read through inputs
    if problem is not None:
        raise InputError(doc.source, problem, "too-large")
    layouts = builtin_layouts() if layouts is None else layouts
    if doc.layout is None:
        doc = _detect(doc, layouts)
    layout = layout_named(doc.layout, layouts) if doc.layout not in (None, UNKNOWN) else None
    chrome: list[Label | None] | None = None
    if layout is not None:
        applied = apply_layout(layout, doc.lines, page_index(doc))
        if applied is not None:
            log.debug("kt_clean.pipeline", "%s: labelled by the rules of layout %s",
                      doc.source, layout.name)
            labels, fields = applied
            return doc.replace(labels=tuple(labels),
                               fields={k: tuple(v) for k, v in fields.items()})
        # The page shows more than the rules place: what the generic cleaner finds is an
        # article (or nothing), whatever the design's usual page type.
        partial = layout.knows == "chrome" or layout.page_type == "empty"
        # Either way the design's known chrome stays removed.
        chrome = known_chrome(layout, doc.lines, page_index(doc))
        doc = doc.replace(evidence=(*doc.evidence, "rules-partial" if partial
                                    else "rules-did-not-fit"), page_type="article")
    cleaner: Cleaner
    if doc.input_format == "html":
        from .cleaners.html import clean as cleaner
    else:
        from .cleaners.generic import clean as cleaner  # compiles its patterns on first use
    log.debug("kt_clean.pipeline", "%s: labelled by the %s cleaner (%s)", doc.source,
              "HTML" if doc.input_format == "html" else "generic text",
              "no layout claims it" if layout is None else f"layout {layout.name}'s rules "
              "do not place it")
    cleaned = cleaner(doc, limits)
    if chrome is None or not any(chrome) or cleaned.labels is None:
        return cleaned
    return _with_chrome(cleaned, chrome)


def _with_chrome(doc: Document, chrome: Sequence[Label | None]) -> Document:
    """The generic cleaner's labels, with the lines the layout knows as chrome removed by
    its rules (and a title or byline found on such a line dropped)."""
    assert doc.labels is not None
    labels = tuple(c if c is not None else lab for c, lab in zip(chrome, doc.labels))
    gone = {doc.lines[i].strip() for i, c in enumerate(chrome) if c is not None}
    fields = {k: tuple(v for v in values if v.strip() not in gone)
              for k, values in doc.fields.items()}
    return doc.replace(labels=labels, fields={k: v for k, v in fields.items() if v})


def article(doc: Document, layouts: Sequence[Layout] | None = None, *,
            limits: Limits = DEFAULT_LIMITS) -> Article:
    """The clean article of a page; detects and strips first if needed."""
    layouts = builtin_layouts() if layouts is None else layouts
    return build_article(strip(doc, layouts, limits=limits), layouts,
                         byline_search=_byline_search)


def _byline_search(lines: Sequence[str], labels: Sequence[Label], title: str | None,
                   publisher: bool) -> tuple[list[str], int | None]:
    """The HTML cleaner's search for the authors printed near a headline (it loads only for
    an HTML article that needs it)."""
    from .cleaners.html import header_byline

    return header_byline(lines, labels, title, publisher)


def extract(page: str | bytes | os.PathLike[str] | Document | WebPage, *,
            source: str | None = None,
            encoding: str | None = None, input_format: InputFormat = "auto",
            layouts: Sequence[Layout] | None = None,
            limits: Limits = DEFAULT_LIMITS, url: str | None = None) -> Article:
    """The clean article of one page: read (if needed), detect, strip, build.

    ``page`` is a :class:`Document`, a :class:`~kt_clean.inputs.warc.WebPage` (from
    :func:`kt_clean.read_warc` or :func:`kt_clean.fetch`), a path, the page's ``bytes``,
    or, with ``source=`` naming it, the page's ``str`` (a text dump or HTML, told apart as
    for a file). A ``str`` without ``source`` is a path. The first document of an NDJSON
    input is taken. With ``limits.page_timeout`` set, a page over it raises
    :class:`~kt_clean.errors.PageTimeout`. ``url``, the page's address when known, is a hint
    for detection (``docs/layouts.md``). Render the result with :func:`render`.
    """
    if isinstance(page, str) and source is None and ("\n" in page or len(page) > 4096):
        raise InputError("<str>", "a page given as text needs source= to name it (a str "
                                  "without source= is a path)", "unreadable")
    with time_limit(limits.page_timeout):
        if isinstance(page, Document):
            doc = page
        elif not isinstance(page, str | bytes | os.PathLike):  # a WebPage (WARC, fetch)
            doc = page.document(encoding=encoding, input_format=input_format, limits=limits)
        elif isinstance(page, bytes):
            doc = _first(load_bytes(page, source or "<bytes>", encoding=encoding,
                                    input_format=input_format, limits=limits), source)
        elif isinstance(page, str) and source is not None:
            doc = _first(_from_str(page, source, input_format, limits), source)
        else:
            doc = _first(read_path(page, encoding=encoding, input_format=input_format,
                                   limits=limits), os.fspath(page))
        if url is not None and doc.labels is None:
            doc = doc.replace(url=url, layout=None)
        return article(doc, layouts, limits=limits)


def _from_str(text: str, source: str, input_format: InputFormat,
              limits: Limits) -> list[Document]:
    kind = sniff(text) if input_format == "auto" else input_format
    if kind == "html":
        return load_bytes(text.encode("utf-8", "surrogatepass"), source, encoding="utf-8",
                          input_format="html", limits=limits)
    if kind == "ndjson":
        return list(parse_records(text, source))
    return [from_text(text, source)]


def _first(docs: list[Document], source: str | None) -> Document:
    if not docs:
        raise InputError(source or "<bytes>", "no page in this input (an empty NDJSON stream)",
                         "empty")
    return docs[0]
