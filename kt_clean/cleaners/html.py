"""The HTML cleaner, for HTML pages no layout claims.

The article comes from the HTML itself (trafilatura, readability-lxml as a second opinion,
see :mod:`kt_clean.html`), and the page's rendered lines are labelled kept or removed by
aligning them with what the extractor kept, so that ``--explain`` and ``diff`` still
account for every line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..bylines import authors_from_byline, byline_text, find_dates
from ..chrome import chrome_lines
from ..errors import HtmlError, InputError
from ..limits import Limits
from ..model import Document, Label
from .generic import drop_chrome

RULE = "html"
#: A page with more elements than this is not given to trafilatura and readability-lxml
#: (their passes over the tree grow faster than its size: 410,000 ``<div>`` took 25 s):
#: its rendered lines are labelled by the text classifier, as a text dump's are, and its
#: metadata still comes from the markup. The largest of 1,497 real pages (WCXB) has 15,795.
EXTRACT_MAX_ELEMENTS = 60_000


def clean(doc: Document, limits: Limits) -> Document:
    """Label the rendered lines of an HTML page from the HTML's main text."""
    from ..html import align_blocks, extract_html, parse_html
    from ..html.parse import HtmlTooLarge

    html = doc.meta.get("html")
    if not isinstance(html, str):
        raise InputError(doc.source, "HTML record without its HTML ('meta.html')")
    url = doc.url or doc.meta.get("url")
    try:
        # The tree parsed when the page was read (a record read back from NDJSON has none).
        root: Any = doc.derived("html_root", lambda d: parse_html(html, limits))
        if root is not None and int(root.xpath("count(//*)")) > EXTRACT_MAX_ELEMENTS:
            return _clean_by_lines(doc, root, url if isinstance(url, str) else None)
        art = extract_html(html, url if isinstance(url, str) else None, root,
                           fallbacks=False)
    except HtmlTooLarge as exc:
        raise InputError(doc.source, str(exc), "too-large") from None
    except HtmlError as exc:
        raise InputError(doc.source, str(exc).split("\n")[0]) from None
    except RecursionError:
        raise InputError(doc.source, "extracting: HTML nested too deeply") from None
    if not art.blocks and any(line.strip() for line in doc.lines):
        # neither extractor kept any text of the page but its title (a page of short
        # entries, a product's grid): its rendered lines are labelled as a text dump's are,
        # rather than all removed (no page with text gives an empty body)
        return _clean_by_lines(doc, root, url if isinstance(url, str) else None,
                               "html-extractors-kept-nothing")
    keep = align_blocks(list(doc.lines), list(art.blocks))
    roles = {(art.title or "").strip(): "title", (art.subtitle or "").strip(): "subtitle"}
    roles.update((c.strip(), "caption") for c in art.captions)
    roles.pop("", None)
    labels = []
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
        else:
            labels.append(Label(False, "boilerplate", f"{RULE}:not-main-text"))
    drop_chrome(doc.lines, labels, _TEXT_ROLES, RULE)
    blocks = _without_chrome(art.blocks)
    header = visible_header(doc.lines, labels)
    fields: dict[str, tuple[str, ...]] = {}
    authors, published = list(art.authors), art.published
    publisher = art.authors_publisher
    sources = dict(art.sources)
    if header.byline_at is not None:
        at, byline = header.byline_at, doc.lines[header.byline_at].strip()
        labels[at] = Label(True, "byline", f"{RULE}:byline")
        fields["byline"] = (byline,)
        names = list(authors_from_byline(header.byline))
        if names and (not authors or (publisher and not header.signature)):
            # (a person's byline names the author better than the site's name does)
            authors = names
            sources["authors"] = f"line {at + 1} ({RULE}:byline)"
            publisher = False
    dates = header.dates
    if not any(kind == "published" for _, kind, _ in dates):
        late = labelled_dateline(doc.lines, labels)  # "Published August 13, 2025" under the text
        if late is not None:
            dates = [*dates, late]
    visible = choose_date(published, sources.get("published"), dates)
    if visible is not None:
        at, published = visible
        if not labels[at].kept:
            labels[at] = Label(True, "dateline", f"{RULE}:dateline")
        sources["published"] = f"line {at + 1} ({RULE}:dateline)"
    extracted = {
        "title": art.title, "subtitle": art.subtitle, "authors": authors,
        "published": published, "updated": art.updated, "site_name": art.site_name,
        "section": art.section or (art.categories[0] if art.categories else None),
        "captions": list(art.captions), "blocks": [list(b) for b in blocks],
        "method": art.method, "categories": list(art.categories),
        "description": art.description, "language": art.language, "url": art.url,
        "sources": sources,
        # the authors are the site or an organisation: a person's byline would be better
        "authors_publisher": bool(authors) and publisher,
    }
    return doc.replace(labels=tuple(labels), fields=fields,
                       meta={**doc.meta, "extracted": extracted})


def header_byline(lines: Sequence[str], labels: Sequence[Label], title: str | None,
                  publisher: bool) -> tuple[list[str], int | None]:
    """The authors a text dump's header search finds on an HTML page's rendered lines (a
    name printed alone near the headline, beside the date, over its job, ...), and the line
    of their byline (``None`` for a signature under the text). For a page whose declared
    authors are the site (``publisher``), only a byline under the headline counts."""
    from .generic import header_fields

    found, marked = header_fields(lines, labels, title)
    names = list(authors_from_byline(found["byline"][0])) if found.get("byline") else []
    by_at = next((i for i, lab in enumerate(marked) if lab.tag == "byline"
                  and lab.rule.startswith("generic:")), None)
    if names and publisher:
        title_at = next((i for i, lab in enumerate(marked) if lab.tag == "title"), None)
        if by_at is None or title_at is None or by_at < title_at:
            names = []
    return names, by_at if names else None


def _without_chrome(blocks: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The extractor's blocks (the article's body) without those that are chrome, as
    :func:`~kt_clean.cleaners.generic.drop_chrome` finds them among the rendered lines."""
    texts = [" ".join(text.split()) for _, text in blocks]
    chrome = chrome_lines(texts, range(len(texts)))
    return [b for k, b in enumerate(blocks) if k not in chrome] if chrome else list(blocks)


#: The kept lines that may be chrome (the title, captions and byline come from the markup).
_TEXT_ROLES = frozenset({"body", "subheading"})


def _clean_by_lines(doc: Document, root: Any, url: str | None,
                    why: str = "html-too-many-elements") -> Document:
    """A page the DOM extractors cannot take (too large) or kept nothing of: its rendered
    lines labelled by the text classifier (rules ``generic:*``), its metadata from the
    markup (``method: lines``); ``why`` is added to the evidence."""
    from ..html.metadata import extract_metadata
    from .generic import label_lines

    labels, fields = label_lines(doc.lines)
    try:
        md = extract_metadata(root, url, fallbacks=False)
    except (RecursionError, MemoryError, ValueError):
        md = {}
    extracted = {**md, "method": "lines", "sources": dict(md.get("sources") or {})}
    extracted.pop("blocks", None)  # the body is the kept lines (no extractor's blocks)
    return doc.replace(labels=tuple(labels), fields={k: tuple(v) for k, v in fields.items()},
                       evidence=(*doc.evidence, why),
                       meta={**doc.meta, "extracted": extracted})


#: How the byline and the date are looked for around the headline: from a few lines above
#: it to this many non-blank lines below it (the header of an article, not its text).
HEADER_ABOVE = 4
HEADER_LINES = 18
#: How far below the text a signature (``Written by X``) is looked for (in non-blank lines).
FOOTER_LINES = 12
#: A signature the extractor kept as text is no longer than this (else it is a sentence).
SIGNATURE_MAX_WORDS = 8
_SIGNED = re.compile(r"(?i:written|posted|published|words|story|article|post)\s+by\s")
#: A line with a date and more words than this is a sentence, not a dateline.
DATELINE_MAX_WORDS = 16
LINE_MAX_CHARS = 300


@dataclass
class Header:
    """The byline and the dates printed around an HTML page's headline."""

    byline_at: int | None = None
    byline: str | None = None
    #: the byline is a signature under the text, not a byline of the header
    signature: bool = False
    #: ``(line index, kind, text)``; ``kind`` is ``published`` or ``updated``
    dates: list[tuple[int, str, str]] = field(default_factory=list)


def visible_header(lines: Sequence[str], labels: Sequence[Label]) -> Header:
    """The byline and datelines a reader sees near the headline (the title line, else the
    first line of the text), as the text dumps' header search finds them."""
    title_at = next((i for i, lab in enumerate(labels) if lab.kept and lab.tag == "title"), None)
    anchor = title_at
    if anchor is None:
        anchor = next((i for i, lab in enumerate(labels) if lab.kept and lab.tag == "body"),
                      None)
    header = Header()
    if anchor is None:
        return header
    start = max(0, anchor - (HEADER_ABOVE if title_at is not None else 3 * HEADER_ABOVE))
    seen = 0
    for i in range(start, len(lines)):
        text = lines[i].strip()
        if not text or len(text) > LINE_MAX_CHARS:
            continue
        seen += 1
        if seen > HEADER_LINES + (anchor - start):
            break
        if header.byline is None and i != title_at:
            by = byline_text(text)
            if by is not None:
                header.byline_at, header.byline = i, by
        if len(text.split()) <= DATELINE_MAX_WORDS:
            header.dates.extend((i, kind, found) for kind, found in find_dates(text))
    if header.byline is None:
        # a signature in the article or the author's box under it: "Written by Cassidy
        # Horton", "Posted by Colin Watson on 2025-12-18"
        last = next((i for i in range(len(labels) - 1, -1, -1)
                     if labels[i].kept and labels[i].tag == "body"), anchor)
        after = 0
        for i in range(anchor, len(lines)):
            if i > last:
                after += bool(lines[i].strip())
                if after > FOOTER_LINES:
                    break
            text = lines[i].strip()
            if len(text) > LINE_MAX_CHARS or not _SIGNED.match(text) or (
                    labels[i].kept and len(text.split()) > SIGNATURE_MAX_WORDS):
                continue
            by = byline_text(text)
            if by is not None:
                header.byline_at, header.byline, header.signature = i, by, True
                break
    return header


#: A dateline that says it gives the publication: ``Published August 13, 2025``, ``Posted
#: on April 13, 2023``, ``Originally published ...``, ``Publish date: ...``.
_PUBLISHED_LABEL = re.compile(r"^[\W_]*(?:(?:originally|first)\s+)?(?:published|posted"
                              r"|publish(?:ed)?\s+date|date\s+(?:published|posted))\b",
                              re.IGNORECASE)
_DIGIT = re.compile(r"\d")
#: A labelled dateline under the text has at most this many words.
LABELLED_DATELINE_MAX_WORDS = 8


def labelled_dateline(lines: Sequence[str], labels: Sequence[Label]) -> tuple[int, str, str] | None:
    """The first line outside the text, from the headline (else the text's start) to
    ``FOOTER_LINES`` non-blank lines under the text, that labels its date the publication
    (``Published August 13, 2025`` under the article) or files the post with it (``December
    3, 2025. Updated: December 7, 2025``, ``May 5, 2025 | Categories: News``, as the text
    dumps' late dateline reads them): ``(line index, "published", date)``.
    For a page whose header prints no publication date; a sentence of the text that
    mentions one (kept lines) does not count."""
    from .generic import POST_META

    anchor = next((i for i, lab in enumerate(labels) if lab.kept and lab.tag == "title"), None)
    if anchor is None:
        anchor = next((i for i, lab in enumerate(labels) if lab.kept and lab.tag == "body"),
                      None)
    if anchor is None:
        return None
    last = next((i for i in range(len(labels) - 1, -1, -1)
                 if labels[i].kept and labels[i].tag == "body"), anchor)
    after = 0
    label_match, meta_search, digit = _PUBLISHED_LABEL.match, POST_META.search, _DIGIT.search
    for i in range(anchor, len(lines)):
        lab = labels[i]
        if (lab.kept and i <= last) or lab.tag == "blank":  # the text, the blank lines
            continue
        text = lines[i].strip()
        if not text:
            continue
        if i > last:
            after += 1
            if after > FOOTER_LINES:
                break
        if lab.kept or len(text) > LINE_MAX_CHARS:
            continue
        labelled = label_match(text) is not None
        if not labelled and not (text[0].isalnum() and digit(text, 0, 32) is not None
                                 and meta_search(text) is not None):
            continue  # (a filing line starts with its date: a digit comes early)
        if len(text.split()) > LABELLED_DATELINE_MAX_WORDS:
            continue
        if labelled:
            found = [d for kind, d in find_dates(text) if kind == "published"]
            if found:
                return i, "published", found[0]
        else:  # a post's filing line: "December 3, 2025. Updated: December 7, 2025"
            dated = find_dates(text)
            if dated and dated[0][0] == "published" and text.find(dated[0][1][:6]) <= 12:
                return i, "published", dated[0][1]
    return None


#: A header that prints this many different publication days runs into a list or a table
#: (related stories, a price history): its dates are not the article's dateline.
LIST_DAYS = 3


def choose_date(meta: str | None, meta_source: str | None,
                dates: Sequence[tuple[int, str, str]]) -> tuple[int, str] | None:
    """The date the reader sees, when it should replace the metadata's: the metadata's date
    when the page prints that day; else the printed publication date; else, when the
    markup has no date, the printed update date (a page that shows only ``Last Updated:
    ...`` dates itself by it). A header that prints three or more different days (it runs
    into a list or a table) does not outweigh the markup's date. Tuned on
    WCXB-dev: the gold is the date a reader sees, which the markup's dates miss or
    contradict on about one page in ten."""
    from ..dates import iso_any

    read = [(i, kind, iso_any(text)) for i, kind, text in dates]
    printed = [(i, kind, d) for i, kind, d in read if d]
    if not printed:
        return None
    meta_day = (iso_any(meta) or "")[:10] if meta else ""
    published = [(i, d) for i, kind, d in printed if kind != "updated"]
    if meta_day and any(d[:10] == meta_day for _, d in published):
        return None
    if meta_day and len({d[:10] for _, d in published}) >= LIST_DAYS:
        published = []  # a list's or a table's dates: the markup's date stands
    if published:
        # (the markup's day printed as the update's does not outweigh a printed
        # publication date: ``Published Apr 26, 2023`` / ``Updated Aug 21, 2025``)
        return published[0]
    if meta_day and any(d[:10] == meta_day for _, _, d in printed):
        return None
    if meta_day:
        return None  # the page prints only when it was updated: the markup's date stands
    i, _, d = printed[0]
    return i, d
