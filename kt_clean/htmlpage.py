"""HTML pages in the pipeline: the page "as it came in" is its rendered text.

Reading an HTML page decodes it (BOM, declared charset, chardet) and renders it in the style
of the text dumps, so detection and layout rules see the same lines as for a dump of the same
page: a saved Korea Times page in HTML gets the same print / full-nav treatment. For pages of
unknown layout, the article comes from the HTML itself (trafilatura, readability-lxml as a
second opinion, see ``kt_clean.html``), and the rendered lines are labelled kept or removed by
aligning them with what the extractor kept, so ``--explain`` and ``diff`` still account for
every line.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from .errors import InputError
from .model import Document, Label
from .reading import check_text

#: Per-page time limit for parsing and extracting one HTML page, in seconds.
HTML_TIMEOUT = 30.0

#: A rendering shorter than this (characters) is retried with hidden content shown.
REVEAL_BELOW = 200

RULE = "html"
T = TypeVar("T")


class PageTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`PageTimeout` if the block runs longer than ``seconds`` (main thread,
    Unix; elsewhere the block runs unbounded)."""
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _guarded(source: str, what: str, work: Callable[[], T], timeout: float | None) -> T:
    from .html import HtmlError

    try:
        with time_limit(timeout):
            return work()
    except PageTimeout:
        raise InputError(source, f"{what} took longer than {timeout:g} s") from None
    except (HtmlError, ValueError) as exc:
        raise InputError(source, str(exc).split("\n")[0]) from None
    except RecursionError:
        raise InputError(source, f"{what}: HTML nested too deeply") from None


def html_document(data: bytes, source: str, encoding: str | None = None,
                  timeout: float | None = HTML_TIMEOUT) -> Document:
    """A document of an HTML page: its rendered text, with the HTML kept for extraction."""
    from .html import decode_html, parse_html, render_html

    if not data.strip():
        raise InputError(source, "empty file" if not data else "empty page (only whitespace)")
    html, used = _guarded(source, "decoding", lambda: decode_html(data, encoding), timeout)
    check_text(html, source)  # an image or archive forced through --input-format html
    root = _guarded(source, "parsing", lambda: parse_html(html), timeout)
    text = _guarded(source, "rendering", lambda: render_html(root), timeout)
    if len(text.strip()) < REVEAL_BELOW:
        # Why: some pages ship their whole text hidden (`<div hidden>` that a script shows,
        # `<noscript>` for crawlers); w3m shows it, and so must we rather than find nothing.
        revealed = _guarded(source, "rendering", lambda: render_html(root, reveal=True), timeout)
        if len(revealed.strip()) > len(text.strip()):
            text = revealed
    if not text.strip():
        raise InputError(source, "HTML page without any text")
    doc = Document(source=source, text=text, encoding=used, input_format="html",
                   meta={"html": html})
    doc.__dict__["_html_root"] = root  # parsed once: strip extracts from the same tree
    return doc


def strip_html(doc: Document, timeout: float | None = HTML_TIMEOUT) -> Document:
    """Label the rendered lines of an HTML page no layout claims, from the HTML's main text."""
    from .html import align_blocks, extract_html

    html = doc.meta.get("html")
    if not isinstance(html, str):
        raise InputError(doc.source, "HTML record without its HTML ('meta.html')")
    url = doc.meta.get("url")
    # The tree parsed when the page was read (a record read back from NDJSON has none).
    root = doc.__dict__.get("_html_root")
    art = _guarded(doc.source, "extracting", lambda: extract_html(html, url, root), timeout)
    keep = align_blocks(list(doc.lines), list(art.blocks))
    roles = {(art.title or "").strip(): "title", (art.subtitle or "").strip(): "subtitle"}
    roles.update((c.strip(), "caption") for c in art.captions)
    roles.pop("", None)
    names = [a.lower() for a in art.authors if a.strip()]
    labels = []
    fields: dict[str, tuple[str, ...]] = {}
    seen: set[str] = set()
    for line, kept in zip(doc.lines, keep):
        text = line.strip()
        role = roles.get(text)
        if not text:
            labels.append(Label(False, "blank", f"{RULE}:blank"))
        elif role and role not in seen:
            labels.append(Label(True, role, f"{RULE}:{role}"))
            seen.add(role if role != "caption" else text)
        elif kept:
            labels.append(Label(True, "body", f"{RULE}:{art.method}"))
        elif ("byline" not in seen and names and len(text) < 200
              and text.lower().startswith("by ") and any(n in text.lower() for n in names)):
            labels.append(Label(True, "byline", f"{RULE}:byline"))
            seen.add("byline")
            fields["byline"] = (text,)
        else:
            labels.append(Label(False, "boilerplate", f"{RULE}:not-main-text"))
    extracted = {
        "title": art.title, "subtitle": art.subtitle, "authors": list(art.authors),
        "published": art.published, "updated": art.updated, "site_name": art.site_name,
        "section": art.section or (art.categories[0] if art.categories else None),
        "captions": list(art.captions), "blocks": [list(b) for b in art.blocks],
        "method": art.method,
    }
    return doc.replace(labels=tuple(labels), fields=fields,
                       meta={**doc.meta, "extracted": extracted})
