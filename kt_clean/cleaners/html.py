"""The HTML cleaner, for HTML pages no layout claims.

The article comes from the HTML itself (trafilatura, readability-lxml as a second opinion,
see :mod:`kt_clean.html`), and the page's rendered lines are labelled kept or removed by
aligning them with what the extractor kept, so that ``--explain`` and ``diff`` still
account for every line.
"""

from __future__ import annotations

from typing import Any

from ..errors import HtmlError, InputError
from ..limits import Limits
from ..model import Document, Label

RULE = "html"


def clean(doc: Document, limits: Limits) -> Document:
    """Label the rendered lines of an HTML page from the HTML's main text."""
    from ..html import align_blocks, extract_html, parse_html

    html = doc.meta.get("html")
    if not isinstance(html, str):
        raise InputError(doc.source, "HTML record without its HTML ('meta.html')")
    url = doc.meta.get("url")
    try:
        # The tree parsed when the page was read (a record read back from NDJSON has none).
        root: Any = doc.derived("html_root", lambda d: parse_html(html, limits))
        art = extract_html(html, url if isinstance(url, str) else None, root)
    except HtmlError as exc:
        raise InputError(doc.source, str(exc).split("\n")[0]) from None
    except RecursionError:
        raise InputError(doc.source, "extracting: HTML nested too deeply") from None
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
