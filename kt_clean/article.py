"""From a labelled document to an :class:`~kt_clean.model.Article`: fields, dates, authors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .dates import iso_any, iso_datetime
from .layouts import Layout, builtin_layouts, layout_named
from .model import Article, Block, Document, Item, Label
from .namewords import plain_byline
from .textshape import BULLETS, without_bullet
from .vocabulary import UNKNOWN

# Block kinds of the article from the labels' roles and from the HTML extractor's blocks.
_KINDS = {"body": "paragraph", "subheading": "subheading", "item": "item",
          "p": "paragraph", "h": "subheading", "li": "item", "pre": "paragraph",
          "quote": "paragraph", "tr": "paragraph"}
def _dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _first(fields: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = fields.get(key)
    return values[0] if values else None


#: The roles of kept lines that are blocks of the body.
_BLOCK_ROLES = frozenset({"body", "subheading", "item"})
#: The roles of a list entry's lines, and the item key each fills.
_ENTRY_ROLES = {"kicker": "author", "headline": "title", "summary": "summary",
                "entry-date": "date"}
_NUMBERED = re.compile(r"^\d{1,2}\.\s+")


def _add_to_entry(entries: list[dict[str, str]], role: str, text: str) -> None:
    """Add a line to the list entry it belongs to: a kicker or headline starts a new entry
    unless the current one has only a kicker (the headline below it) so far."""
    key = _ENTRY_ROLES[role]
    current = entries[-1] if entries else None
    starts = (current is None or key in current
              or (role == "headline" and "summary" in current))
    if role == "kicker":
        text = _NUMBERED.sub("", text)
    glued = _GLUED_BYLINE.search(text) if role in ("summary", "entry-date") else None
    if glued is not None:  # "By Mark PetersonOne of ...", "Jul 20, 2018By Mark Peterson"
        text = (text[:glued.start()] + text[glued.end():]).strip()
        if current is not None and "author" not in current:
            current["author"] = glued.group(1)
    if starts:
        entries.append({key: text})
    else:
        assert current is not None
        current[key] = text


#: A byline glued to the text of a list entry: at the start of a summary (``By Mark
#: PetersonOne of ...``) or after a date (``Jul 20, 2018By Mark Peterson``).
_GLUED_BYLINE = re.compile(r"(?:^|(?<=\d))By ([A-Z][a-z]+(?: [A-Z][a-z]+(?:-[a-z]+)?){1,3}?)"
                           r"(?=[A-Z\"\u201c]|\s*$)")


def _entry_date(value: str | None, timezone: str | None) -> str | None:
    """A list entry's date in ISO 8601 when it can be read, else as printed."""
    if not value:
        return None
    return iso_any(value, timezone) or value


#: The roles whose line is named in ``sources`` (``--explain``).
_SOURCE_ROLES = {"title": "title", "byline": "authors", "dateline": "published"}


def _authors_from_byline(byline: str | None) -> tuple[str, ...]:
    """:func:`kt_clean.bylines.authors_from_byline`, whose module loads only for a byline
    that is not of the plainest shape (a Korea Times page's ``By Lee Min-hyung``)."""
    if not byline:
        return ()
    plain = plain_byline(byline)
    if plain is not None:
        return (plain,)
    from .bylines import authors_from_byline

    return authors_from_byline(byline)


def _date(value: str | None, timezone: str | None) -> str | None:
    """A captured date in ISO 8601: the rules' ``2019-01-07 17:03`` fast, any other printed
    date (a text dump's ``Friday, November 14, 2025``) through :func:`iso_any`."""
    if not value:
        return None
    return iso_datetime(value, timezone) or iso_any(value, timezone)


def _earlier(updated: str | None, published: str | None) -> bool:
    """Whether ``updated`` is before ``published`` (compared by day when either has no
    time or only one has an offset)."""
    if not updated or not published:
        return False
    from datetime import datetime

    try:
        u, p = datetime.fromisoformat(updated), datetime.fromisoformat(published)
    except ValueError:
        return False
    if len(updated) > 10 and len(published) > 10 and (u.tzinfo is None) == (p.tzinfo is None):
        return u < p
    return u.date() < p.date()


def _hostname(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host or None


def _sources(doc: Document, info: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """Where the title, authors and dates came from: the HTML metadata's source, else the
    line (1-based) and rule that captured them."""
    found: dict[str, str] = {}
    given = info.get("sources")
    if isinstance(given, dict):
        found.update((str(k), str(v)) for k, v in given.items())
    bylines: list[int] = []
    labels = doc.labels or ()
    roles = _SOURCE_ROLES
    for i, lab in [(i, lab) for i, lab in enumerate(labels) if lab.tag in roles and lab.kept]:
        key = roles[lab.tag]
        if key not in found:
            found[key] = f"line {i + 1} ({lab.rule})"
        if key == "authors":
            bylines.append(i)
    for key in ("published", "updated"):  # a date printed on the byline's line
        value = doc.fields.get(key)
        if key not in found and value:
            at = next((i for i in bylines if value[0] in doc.lines[i]), None)
            if at is not None:
                found[key] = f"line {at + 1} ({labels[at].rule})"
    return tuple(found.items())


#: The page types whose authors and date are worth the HTML path's costly last resorts.
_DATED = frozenset({"article", "forum"})


#: Finds the authors printed near an HTML page's headline: ``(lines, labels, title,
#: publisher) -> (names, the byline's line or None)``; the pipeline gives the HTML
#: cleaner's (:func:`kt_clean.cleaners.html.header_byline`).
BylineSearch = Callable[[Sequence[str], Sequence[Label], "str | None", bool],
                        "tuple[list[str], int | None]"]


def _html_fallbacks(doc: Document, authors: tuple[str, ...], title: str | None,
                    info: Mapping[str, object], sources: dict[str, str],
                    byline_search: BylineSearch | None = None,
                    ) -> tuple[Document, tuple[str, ...], str | None]:
    """An HTML article's authors from the names printed near its headline (the text dumps'
    header search, ``byline_search``: its line becomes the byline), else from its byline
    markup, and its date from htmldate, when neither its
    metadata nor its printed byline and dateline gave them; a byline of a person under the
    headline also replaces authors that are the site itself. A few milliseconds a page,
    spent only on the article and forum pages that need them."""
    from .html import parse_html
    from .html.metadata import htmldate_fallback, markup_authors

    html = doc.meta.get("html")
    published = info.get("published")
    publisher = bool(info.get("authors_publisher"))
    if (not authors or publisher) and doc.labels is not None and byline_search is not None:
        names, by_at = byline_search(doc.lines, doc.labels, title, publisher)
        if names:
            authors = tuple(names)
            if by_at is not None:  # the line the dumps' header search took for the byline
                labels = list(doc.labels)
                labels[by_at] = Label(True, "byline", "html:header-byline")
                doc = doc.replace(labels=tuple(labels),
                                  fields={**doc.fields, "byline": (doc.lines[by_at].strip(),)})
                sources["authors"] = f"line {by_at + 1} (html:header-byline)"
            else:  # a signature under the text ("Written by X"), its line left as it is
                sources["authors"] = "header-search"
    if not isinstance(html, str):
        return doc, authors, published if isinstance(published, str) else None
    root = doc.derived("html_root", lambda d: parse_html(html))
    if not authors:
        authors = tuple(markup_authors(root, title=title))
        if authors:
            sources["authors"] = "byline-markup"
    if not isinstance(published, str) or not published:
        given = info.get("url")
        published = htmldate_fallback(root, doc.url or (given if isinstance(given, str) else None))
        if published:
            sources["published"] = "htmldate"
    return doc, authors, published if isinstance(published, str) else None


def _line_model_ran(doc: Document) -> bool:
    """Whether the HTML cleaner ran the line model on the page's rendered lines: the method
    it records (``model-*``; a page whose every line took a role of the markup has no
    ``html:model`` rule to say so), or the text classifier's labels when the model kept
    next to nothing (``html-near-empty``)."""
    extracted = doc.meta.get("extracted")
    method = extracted.get("method") if isinstance(extracted, dict) else None
    return "html-near-empty" in doc.evidence or (isinstance(method, str)
                                                 and method.startswith("model-"))


def _line_model_features(doc: Document, root: Any) -> Any:
    """The HTML line model's features of the page's rendered lines when the HTML cleaner
    ran the model but they are not cached with the page (a stripped record read back from
    NDJSON), made again as the cleaner makes them; else None."""
    if root is None or not _line_model_ran(doc):
        return None
    from .classifier.htmlmodel import page_features
    from .html.render import matching_rendering

    r = doc.derived("html_render", lambda d: matching_rendering(root, d.lines))
    return None if r is None else page_features(r.lines, r.kinds, r.origins, r.links)


def _page_type(doc: Document, default: str) -> tuple[str, float | None]:
    """The page-type classifier's answer for a page no layout's rules placed."""
    try:
        from .classifier.pagetype import classify_page
    except ImportError:  # pragma: no cover - the model ships with the package
        return default, None
    kept = [lab.kept and lab.tag != "blank" for lab in doc.labels or ()]
    root = None
    line_features = None
    if doc.input_format == "html" and isinstance(doc.meta.get("html"), str):
        from .classifier.pagetype import LineFeatures
        from .html import parse_html

        html = doc.meta["html"]
        root = doc.derived("html_root", lambda d: parse_html(html))
        # the line model's features of the rendered lines, as the HTML cleaner made them
        # (none for a page it did not run the model on: too large, or not its rendering)
        page = doc.derived("html_lines", lambda d: _line_model_features(d, root))
        if page is not None and kept:
            line_features = LineFeatures(page.text, page.dom, [kept[i] for i in page.rows])
    return classify_page(doc.lines, kept or None, root, doc.url, line_features)


def build_article(doc: Document, layouts: Sequence[Layout] | None = None, *,
                  byline_search: BylineSearch | None = None) -> Article:
    """The article of a stripped document (``doc.labels`` must be set). ``byline_search``
    finds the authors printed near an HTML article's headline when its markup names none."""
    if doc.labels is None:
        raise ValueError(f"{doc.source}: strip the document before building the article")
    layout = None
    if doc.layout and doc.layout != UNKNOWN:
        layout = layout_named(doc.layout, builtin_layouts() if layouts is None else layouts)
    timezone = layout.timezone if layout else None
    fields = {k: list(v) for k, v in doc.fields.items()}
    # Metadata an HTML extractor found (pages of unknown layout that came in as HTML).
    info = doc.meta.get("extracted") or {}
    # the extractor's blocks are the body (a page too large for it has none: its lines are)
    from_blocks = bool(info) and "blocks" in info

    blocks: list[Block] = []
    captions: list[str] = []
    entries: list[dict[str, str]] = []
    caption_fields = fields.get("caption", [])
    for text, label in zip(doc.lines, doc.labels):
        if not label.kept:
            continue
        role = label.tag
        if role in _BLOCK_ROLES:  # the most frequent roles first: a page has many lines
            if not from_blocks:
                # without_bullet(text), inlined: a page may have a million such lines
                line = text.strip()
                if line[:1] in BULLETS:
                    line = without_bullet(line)
                if line:
                    blocks.append(Block(_KINDS[role], line))
        elif role == "blank":
            continue
        elif role in _ENTRY_ROLES:
            _add_to_entry(entries, role, text.strip())
        elif role == "caption":
            line = text.strip()
            # a caption slot may capture the caption without the line's markup ("... |")
            captions.append(next((c for c in caption_fields if c != line and line.startswith(c)),
                                 line))
        elif role == "run-on":
            from .runon import split_run_on  # only photo stories need it

            for kind, part in split_run_on(text.strip()):
                if kind == "caption":
                    captions.append(part)
                elif kind == "byline":
                    fields.setdefault("byline", []).append(part)
                else:
                    blocks.append(Block(kind, part))
    if from_blocks:
        blocks = [Block(_KINDS.get(kind, "paragraph"), text.strip())
                  for kind, text in info.get("blocks") or () if text.strip()]

    byline = _first(fields, "byline")
    emails = _dedupe(fields.get("email", []))
    # An HTML page's metadata names its authors more reliably than its byline's text.
    authors = tuple(info.get("authors") or ()) or _authors_from_byline(byline)
    captions = _dedupe(captions + list(info.get("captions") or ()))
    page_type = doc.page_type or (layout.page_type if layout else "article")
    type_confidence: float | None = doc.confidence if layout is not None else None
    items = tuple(Item(e.get("title"), e.get("summary"), e.get("author") or (authors[0] if
                                                                           authors else None),
                       _entry_date(e.get("date"), timezone), e.get("caption"))
                  for e in entries)
    title = _first(fields, "title") or info.get("title")
    if page_type == "gallery":
        if blocks:
            page_type = "article"  # a photo story: its captions come with text of its own
        else:
            # One item a photo: its caption, and the headline when the page shows one photo.
            own = title if len(captions) == 1 else None
            items = tuple(Item(title=own, caption=c) for c in captions)
    if layout is None and (blocks or title):
        # no layout claims the page: the classifier says what it is (a page of a known
        # design that its rules do not place stays an article: the site's pages with
        # running text of their own are articles)
        page_type, type_confidence = _page_type(doc, page_type)
    if not blocks and not title and not items:
        page_type, type_confidence = "empty", 1.0  # nothing of its own: only site chrome
    sources = dict(_sources(doc, info))
    if info and page_type in _DATED and (not authors or not info.get("published")
                                         or info.get("authors_publisher")):
        doc, authors, found = _html_fallbacks(doc, authors, title, info, sources,
                                              byline_search)
        info = {**info, "published": found}
        byline = _first(doc.fields, "byline") or byline
    published = _date(_first(fields, "published"), timezone) or iso_any(info.get("published"),
                                                                         timezone)
    updated = _date(_first(fields, "updated"), timezone) or iso_any(info.get("updated"),
                                                                     timezone)
    warnings = ("updated-before-published",) if _earlier(updated, published) else ()
    url = doc.url or info.get("url")
    language = None
    if page_type != "empty":  # a page of only chrome says nothing in any language
        language = layout.language if layout is not None and layout.language else None
        if language is None:  # (a layout that gives its site's language skips this)
            from .language import identify  # stopword counts: no model to load

            body_text = " ".join(b.text for b in blocks) or " ".join(
                [title or "", *captions,
                 *(f"{i.title or ''} {i.summary or ''} {i.caption or ''}" for i in items)])
            language = identify(body_text) or info.get("language")
    return Article(
        source=doc.source,
        layout=doc.layout or UNKNOWN,
        encoding=doc.encoding,
        page_type=page_type,
        title=title,
        subtitle=_first(fields, "subtitle") or info.get("subtitle"),
        byline=byline,
        authors=tuple(authors),
        emails=tuple(emails),
        section=_first(fields, "section") or info.get("section"),
        published=published,
        updated=updated,
        captions=tuple(captions),
        blocks=tuple(blocks),
        items=items,
        document=doc,
        page_type_confidence=type_confidence,
        url=url,
        hostname=_hostname(url),
        language=language,
        description=info.get("description"),
        tags=tuple(info.get("categories") or ()),
        sources=tuple(sources.items()),
        warnings=warnings,
        site_name=info.get("site_name") or (layout.site if layout else None) or None,
    )
