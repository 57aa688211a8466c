"""HTML bytes to a document whose text is the page as rendered.

Reading an HTML page decodes it (BOM, declared charset, chardet) and renders it in the style
of the text dumps, so that detection and layout rules see the same lines as for a dump of the
same page: a saved Korea Times page in HTML gets the same print / full-nav treatment. The
HTML and its parsed tree stay with the document, for the HTML cleaner
(:mod:`kt_clean.cleaners.html`) to extract from.
"""

from __future__ import annotations

from typing import Any

from ..errors import HtmlError, InputError
from ..limits import DEFAULT_LIMITS, Limits
from ..model import Document
from .decode import check_text, decode

#: A rendering shorter than this (characters) is retried with hidden content shown.
REVEAL_BELOW = 200
#: ... and so is one whose ``<noscript>`` content has more text (characters, style and
#: script left out) than it and at least this much: a forum that serves its whole thread to
#: crawlers inside ``<noscript>`` (Discourse) shows only its header without it.
REVEAL_NOSCRIPT = 1000


def _noscript_exceeds(root: Any, text: str) -> bool:
    """Whether the page's ``<noscript>`` content holds more text than its rendering."""
    if root is None:
        return False
    n = sum(len(" ".join(t.split())) for t in root.xpath(
        "//noscript//text()[not(ancestor::style) and not(ancestor::script)]"))
    return bool(n >= REVEAL_NOSCRIPT and n > len(" ".join(text.split())))


def html_document(data: bytes, source: str, encoding: str | None = None,
                  limits: Limits = DEFAULT_LIMITS, *,
                  http_charset: str | None = None) -> Document:
    """A document of an HTML page: its rendered text, with the HTML kept for extraction
    (``http_charset``: the charset the page was served with, see :func:`decode`)."""
    from ..html import parse_html
    from ..html.parse import HtmlTooLarge
    from ..html.render import render_page

    html, used = decode(data, source, encoding, markup=True, http_charset=http_charset)
    check_text(html, source)  # an image or archive forced through --input-format html
    try:
        root = parse_html(html, limits)
        rendering = render_page(root)
        text = rendering.text
        if len(text.strip()) < REVEAL_BELOW or _noscript_exceeds(root, text):
            # Why: some pages ship their whole text hidden (`<div hidden>` that a script
            # shows, `<noscript>` for crawlers); w3m shows it, and so must we rather than
            # find nothing.
            revealed = render_page(root, reveal=True)
            if len(revealed.text.strip()) > len(text.strip()):
                rendering, text = revealed, revealed.text
    except HtmlTooLarge as exc:
        raise InputError(source, str(exc), "too-large") from None
    except HtmlError as exc:
        raise InputError(source, str(exc).split("\n")[0]) from None
    except RecursionError:
        raise InputError(source, "rendering: HTML nested too deeply") from None
    if not text.strip():
        # a page its scripts fill in (a forum's or a shop's app shell) says so: the saved
        # HTML has nothing to extract, whatever the browser showed
        shell = root is not None and (root.find(".//script") is not None or root.xpath(
            "boolean(//title[normalize-space()] | //link[@as='script'])"))
        raise InputError(source, "HTML page without any text" + (
            " (only its head: scripts load its content; save the page as rendered)"
            if shell else ""), "empty")
    doc = Document(source=source, text=text, encoding=used, input_format="html",
                   meta={"html": html})
    doc.derived("html_root", lambda _: root)  # parsed once: strip extracts from this tree
    doc.derived("html_render", lambda _: rendering)  # and labels these lines by their elements
    return doc
