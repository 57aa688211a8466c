"""From a labelled document to an :class:`~kt_clean.model.Article`: fields, dates, authors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .layouts import Layout, builtin_layouts, layout_named
from .model import Article, Block, Document, Item
from .textshape import without_bullet
from .vocabulary import UNKNOWN

_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
# Block kinds of the article from the labels' roles and from the HTML extractor's blocks.
_KINDS = {"body": "paragraph", "subheading": "subheading", "item": "item",
          "p": "paragraph", "h": "subheading", "li": "item", "pre": "paragraph",
          "quote": "paragraph", "tr": "paragraph"}
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[\sT\u00a0]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?")


def authors_from_byline(byline: str | None) -> tuple[str, ...]:
    """``By Kim Bo-eun, Choi Ha-young`` gives ``("Kim Bo-eun", "Choi Ha-young")``."""
    if not byline:
        return ()
    names = _AUTHOR_SPLIT.split(_BY.sub("", byline.strip()))
    return tuple(_dedupe(n.strip(" .") for n in names if n.strip(" .") and "@" not in n))


def iso_datetime(value: str | None, timezone: str | None = None) -> str | None:
    """``2019-01-07 17:03`` (any space, ``T`` or NO-BREAK SPACE) to ISO 8601 with the offset.

    A date without a time stays a date (``2019-01-07``); an offset in the value wins over
    the layout's ``timezone``. ``None`` when no date is found.
    """
    if not value:
        return None
    m = _ISO.search(value)
    if m is None:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    if h is None:
        return f"{y}-{mo}-{d}"
    offset = tz or timezone
    if offset == "Z":
        offset = "+00:00"  # one way to write UTC, so that dates sort and compare as text
    elif offset and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    return f"{y}-{mo}-{d}T{int(h):02d}:{mi}:{s or '00'}{offset or ''}"


#: Zone abbreviations seen in pages' dates, with their offsets (an abbreviation not here is
#: not guessed: the date is then given without an offset).
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
          "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
          "EEST": 3, "KST": 9, "JST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11}


_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_MONTH_DATE = re.compile(r"([A-Z][a-z]{2})[a-z]*\.? (\d{1,2}), (\d{4})")


def iso_any(value: str | None, timezone: str | None = None) -> str | None:
    """A date as pages print it, in ISO 8601: ``2019-01-07 17:03`` as :func:`iso_datetime`
    reads it; otherwise written out (``December 19, 2025 4:34 AM EST`` ->
    ``2025-12-19T04:34:00-05:00``, ``2025/12/20`` -> ``2025-12-20``). ``None`` when no
    whole date (year, month and day) can be read: never a date made up from the parts
    missing."""
    if not value or not value.strip():
        return None
    value = value.strip()
    found = iso_datetime(value, timezone)
    if found is not None and _ISO.match(value):
        return found
    m = _MONTH_DATE.fullmatch(value)
    if m is not None and m.group(1) in _MONTHS and 1 <= int(m.group(2)) <= 31:
        # ``Jul 20, 2018`` (list pages' entries): no need to load the parser for it
        return f"{m.group(3)}-{_MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}"
    from datetime import datetime, timedelta
    from datetime import timezone as tz

    from dateutil import parser  # only for dates not in ISO form (HTML pages' metadata)

    zones = {k: tz(timedelta(hours=h)) for k, h in _ZONES.items()}
    try:
        a: datetime = parser.parse(value, default=datetime(1904, 1, 1, 0, 0, 0), tzinfos=zones)
        b: datetime = parser.parse(value, default=datetime(1908, 2, 2, 1, 1, 1), tzinfos=zones)
    except (ValueError, OverflowError, TypeError, parser.ParserError):
        return found
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return found  # a part of the date is missing
    if (a.hour, a.minute) != (b.hour, b.minute):
        return a.strftime("%Y-%m-%d")
    text = a.strftime("%Y-%m-%dT%H:%M:%S")
    if a.tzinfo is not None:
        offset = a.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if timezone:
        return text + ("+00:00" if timezone == "Z" else timezone)
    return text


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


def build_article(doc: Document, layouts: Sequence[Layout] | None = None) -> Article:
    """The article of a stripped document (``doc.labels`` must be set)."""
    if doc.labels is None:
        raise ValueError(f"{doc.source}: strip the document before building the article")
    layout = None
    if doc.layout and doc.layout != UNKNOWN:
        layout = layout_named(doc.layout, builtin_layouts() if layouts is None else layouts)
    timezone = layout.timezone if layout else None
    fields = {k: list(v) for k, v in doc.fields.items()}
    # Metadata an HTML extractor found (pages of unknown layout that came in as HTML).
    info = doc.meta.get("extracted") or {}

    blocks: list[Block] = []
    captions: list[str] = []
    entries: list[dict[str, str]] = []
    caption_fields = fields.get("caption", [])
    for text, label in zip(doc.lines, doc.labels):
        if not label.kept:
            continue
        role = label.tag
        if role in _BLOCK_ROLES:  # the most frequent roles first: a page has many lines
            if not info:
                line = without_bullet(text)
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
    if info:
        blocks = [Block(_KINDS.get(kind, "paragraph"), text.strip())
                  for kind, text in info.get("blocks") or () if text.strip()]

    byline = _first(fields, "byline")
    emails = _dedupe(fields.get("email", []))
    # An HTML page's metadata names its authors more reliably than its byline's text.
    authors = tuple(info.get("authors") or ()) or authors_from_byline(byline)
    captions = _dedupe(captions + list(info.get("captions") or ()))
    page_type = doc.page_type or (layout.page_type if layout else "article")
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
    if not blocks and not title and not items:
        page_type = "empty"  # nothing of its own: only site chrome was found
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
        published=(iso_datetime(_first(fields, "published"), timezone)
                   or iso_any(info.get("published"), timezone)),
        updated=(iso_datetime(_first(fields, "updated"), timezone)
                 or iso_any(info.get("updated"), timezone)),
        captions=tuple(captions),
        blocks=tuple(blocks),
        items=items,
        document=doc,
        site_name=info.get("site_name") or (layout.site if layout else None) or None,
    )
