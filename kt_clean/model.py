"""The document model: one immutable :class:`Document` passes between the stages.

Stages never delete lines. ``detect`` fills in the layout and its evidence, ``strip`` gives
every input line a :class:`Label`: kept with a *role* (``title``, ``body``, ...) or removed
with a *reason* (``nav``, ``share``, ...), always with the id of the rule that decided.
Kept lines plus removed lines are therefore the input, line for line, in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from .vocabulary import UNKNOWN

#: Version of the NDJSON record passed between stages (``"kt_clean"`` key of each record).
RECORD_VERSION = 1

__all__ = ["DERIVED", "RECORD_VERSION", "UNKNOWN", "Article", "Block", "Document", "Item",
           "Label", "Removed", "split_lines"]


class Label(NamedTuple):
    """What ``strip`` decided for one line.

    ``tag`` is the role of a kept line or the reason a removed line was removed.
    (A named tuple: immutable, and cheap to create and compare, as a page has one per line.)
    """

    kept: bool
    tag: str
    rule: str

    @property
    def role(self) -> str | None:
        return self.tag if self.kept else None

    @property
    def reason(self) -> str | None:
        return None if self.kept else self.tag

    def to_list(self) -> list[Any]:
        return list(self)

    @classmethod
    def from_list(cls, item: Any) -> Label:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], bool)
                and isinstance(item[1], str) and isinstance(item[2], str)):
            raise ValueError(f"bad label {item!r}: expected [kept, tag, rule]")
        return cls(item[0], item[1], item[2])


def split_lines(text: str) -> tuple[str, ...]:
    """The page's lines. A final newline ends the last line; it does not start a new one."""
    if not text:
        return ()
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return tuple(lines)


#: The values a document may cache about itself, each made once from the page and shared by
#: the document's later copies (``Document.replace`` drops them when the text changes):
#: ``page_index``, the layouts' line index; ``html_root``, the parsed HTML tree;
#: ``html_render``, its rendering with each line's element (``html.render.Rendering``);
#: ``html_lines``, the HTML line model's features of those lines
#: (``classifier.htmlmodel.HtmlLines``), which the page type reads too.
DERIVED = frozenset({"page_index", "html_root", "html_render", "html_lines"})

T = TypeVar("T")


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Document:
    """A page and everything the stages have said about it.

    ``text`` is the page as decoded (newlines normalised to ``\\n``); for HTML input it is
    the page's rendered text. ``layout`` is ``None`` until ``detect`` ran; ``labels`` is
    ``None`` until ``strip`` ran. ``fields`` holds values the rules captured (title,
    published, email, ...); ``meta`` holds metadata that came with the input (e.g. from
    HTML ``<meta>`` tags).
    """

    source: str
    text: str
    encoding: str = "utf-8"
    input_format: str = "text"
    layout: str | None = None
    confidence: float = 0.0
    evidence: tuple[str, ...] = ()
    labels: tuple[Label, ...] | None = None
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    page_type: str | None = None
    #: The page's address when known (``--url``, a record's ``url``): a detection hint.
    url: str | None = None

    def __post_init__(self) -> None:
        self.__dict__["_derived"] = {}
        self._normalise(("fields", "meta", "evidence", "labels"))

    def derived(self, name: str, make: Callable[[Document], T]) -> T:
        """The value ``name`` (one of :data:`DERIVED`) cached on this page: made by
        ``make(self)`` the first time, then shared by this document's copies."""
        if name not in DERIVED:
            raise KeyError(f"{name!r} is not a derived value of a document")
        cache: dict[str, Any] = self.__dict__["_derived"]
        if name not in cache:
            cache[name] = make(self)
        return cache[name]  # type: ignore[no-any-return]

    def _normalise(self, changed: Iterable[str]) -> None:
        """Freeze the mappings and tuples among ``changed`` fields; check the labels."""
        d = self.__dict__  # frozen: write around __setattr__
        for key in changed:
            if key in ("fields", "meta"):
                d[key] = _frozen(d[key])
            elif key == "evidence":
                d[key] = tuple(d[key])
            elif key in ("labels", "text") and self.labels is not None:
                labels = d["labels"] = tuple(self.labels)
                if len(labels) != len(self.lines):
                    raise ValueError(f"{len(labels)} labels for {len(self.lines)} lines: "
                                     "every line needs one label")

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The page's lines (derived from ``text``, computed once)."""
        return split_lines(self.text)

    def replace(self, **changes: Any) -> Document:
        """A copy with ``changes`` applied (the document itself never changes).

        Faster than ``dataclasses.replace``, which runs every field through ``__init__``
        again: stages call this several times per page. The same page keeps what was
        derived from its text.
        """
        unknown = changes.keys() - _FIELD_NAMES
        if unknown:
            raise TypeError(f"Document has no field(s) {', '.join(sorted(unknown))}")
        new = object.__new__(Document)
        d = new.__dict__
        d.update(self.__dict__)
        if "text" in changes:
            d.pop("lines", None)
            d["_derived"] = {}
        d.update(changes)
        new._normalise(changes)
        return new

    def kept_lines(self) -> list[tuple[int, str, Label]]:
        """(index, text, label) of the kept lines, in order."""
        return self._select(True)

    def removed_lines(self) -> list[tuple[int, str, Label]]:
        """(index, text, label) of the removed lines, in order."""
        return self._select(False)

    def characters(self) -> tuple[int, int]:
        """(characters kept, characters removed) over the labelled lines; (0, 0) before
        stripping. What a batch's summary adds up."""
        kept = removed = 0
        for line, label in zip(self.lines, self.labels or ()):
            if label.kept:
                kept += len(line)
            else:
                removed += len(line)
        return kept, removed

    def _select(self, kept: bool) -> list[tuple[int, str, Label]]:
        if self.labels is None:
            raise ValueError(f"{self.source}: document has not been stripped yet")
        return [(i, t, lab) for i, (t, lab) in enumerate(zip(self.lines, self.labels))
                if lab.kept is kept]

    # -- the NDJSON record passed between the stages --------------------------------------
    def to_record(self) -> dict[str, Any]:
        return {
            "kt_clean": RECORD_VERSION,
            "source": self.source,
            "url": self.url,
            "encoding": self.encoding,
            "input_format": self.input_format,
            "layout": self.layout,
            "page_type": self.page_type,
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
            "page": self.text,
            "labels": None if self.labels is None else [lab.to_list() for lab in self.labels],
            "fields": {k: list(v) for k, v in self.fields.items()},
            "meta": dict(self.meta),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Document:
        """Rebuild a document from :meth:`to_record`; raises ``ValueError`` on a bad record."""
        if record.get("kt_clean") != RECORD_VERSION:
            raise ValueError(f"not a kt-clean record (version {record.get('kt_clean')!r})")
        try:
            page = record["page"]
            source = record["source"]
            if not isinstance(page, str) or not isinstance(source, str):
                raise TypeError("'page' and 'source' must be strings")
            labels = record.get("labels")
            fields = record.get("fields") or {}
            url = record.get("url")
            if url is not None and not isinstance(url, str):
                raise TypeError("'url' must be a string or null")
            evidence = record.get("evidence") or []
            return cls(
                source=source,
                text=page,
                encoding=str(record.get("encoding") or "utf-8"),
                input_format=str(record.get("input_format") or "text"),
                layout=record.get("layout"),
                page_type=record.get("page_type"),
                confidence=float(record.get("confidence") or 0.0),
                evidence=tuple(str(e) for e in evidence),
                labels=None if labels is None else tuple(Label.from_list(x) for x in labels),
                fields={str(k): tuple(str(x) for x in v) for k, v in fields.items()},
                meta=dict(record.get("meta") or {}),
                url=url,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"bad kt-clean record: {exc}") from None


class Removed(NamedTuple):
    """One removed line, for ``--explain``: 1-based line number, text, reason, rule id."""

    line: int
    text: str
    reason: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "text": self.text, "reason": self.reason, "rule": self.rule}


class Item(NamedTuple):
    """One entry of a list or gallery page; a field the page does not show is ``None``."""

    title: str | None = None
    summary: str | None = None
    author: str | None = None
    date: str | None = None
    caption: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class Block(NamedTuple):
    """A piece of the article body: a paragraph, a subheading or a list item."""

    kind: str  # "paragraph" | "subheading" | "item"
    text: str


@dataclass(frozen=True)
class Article:
    """The clean article ``emit`` renders. Dates are ISO 8601 strings or ``None``."""

    source: str
    layout: str
    encoding: str = "utf-8"
    page_type: str = "article"
    title: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    authors: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    section: str | None = None
    published: str | None = None
    updated: str | None = None
    captions: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
    items: tuple[Item, ...] = ()
    site_name: str | None = None
    #: how sure the page-type decision is: the classifier's probability for pages no layout
    #: claims, the layout's detection confidence for the others
    page_type_confidence: float | None = None
    url: str | None = None
    hostname: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    #: where the title, authors and dates came from (``"title": "h1"``, ``"published":
    #: "line 12"``), for ``--explain``
    sources: tuple[tuple[str, str], ...] = ()
    #: doubts about the record a reader should know (``updated-before-published``)
    warnings: tuple[str, ...] = ()
    document: Document | None = field(default=None, compare=False, repr=False)

    @property
    def removed(self) -> tuple[Removed, ...]:
        """Every removed line of the page, in order (from the labelled ``document``)."""
        doc = self.document
        if doc is None or doc.labels is None:
            return ()
        return tuple(Removed(i, text, lab.tag, lab.rule)
                     for i, (text, lab) in enumerate(zip(doc.lines, doc.labels), 1)
                     if not lab.kept)

    @property
    def body(self) -> str:
        """Paragraphs and subheadings separated by one blank line, no indentation."""
        return "\n\n".join(b.text for b in self.blocks)

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source,
            "layout": self.layout,
            "page_type": self.page_type,
            "page_type_confidence": (None if self.page_type_confidence is None
                                     else round(self.page_type_confidence, 3)),
            "encoding": self.encoding,
            "title": self.title,
            "subtitle": self.subtitle,
            "byline": self.byline,
            "authors": list(self.authors),
            "emails": list(self.emails),
            "section": self.section,
            "site_name": self.site_name,
            "published": self.published,
            "updated": self.updated,
            "url": self.url,
            "hostname": self.hostname,
            "language": self.language,
            "description": self.description,
            "tags": list(self.tags),
            "warnings": list(self.warnings),
            "captions": list(self.captions),
            "subheadings": [b.text for b in self.blocks if b.kind == "subheading"],
            "body": self.body,
            "items": [item.to_dict() for item in self.items],
        }
        warc = self.document.meta.get("warc") if self.document is not None else None
        if isinstance(warc, Mapping):  # a page read from a WARC archive: where it is
            data["warc"] = dict(warc)
        if explain:
            data["sources"] = dict(self.sources)
            data["removed"] = [r.to_dict() for r in self.removed]
        return data


#: The fields of a document, which ``Document.replace`` accepts.
_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(Document))
