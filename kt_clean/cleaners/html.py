"""The HTML cleaner, for HTML pages no layout claims.

Every rendered line is labelled by the HTML line model (``kt_clean.classifier.htmlmodel``):
gradient-boosted trees over the line's text, the element it comes from and, when the model
is unsure of enough of the page, the vote of trafilatura (of readability-lxml too, when the
model file has that variant), revised by the lines around it. The metadata (title,
authors, dates, captions) comes from the markup, and the lines that print it take its role.
So ``--explain`` and ``diff`` account for every line, with the feature group that decided
it (``html:model.text``, ``html:model.dom``, ``html:model.votes``, ``html:model.context``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..bylines import authors_from_byline, byline_text, find_dates
from ..errors import HtmlError, InputError
from ..limits import Limits
from ..model import Document, Label
from .generic import NEAR_EMPTY_CHARS, drop_chrome

if TYPE_CHECKING:
    from ..classifier.htmlmodel import HtmlLines, Scores
    from ..html.render import Rendering

RULE = "html"
#: A page with more elements than this is not given to the line model and the extractors
#: (trafilatura's and readability-lxml's passes over the tree grow faster than its size:
#: 410,000 ``<div>`` took 25 s): its rendered lines are labelled by the text classifier,
#: as a text dump's are, and its metadata still comes from the markup. The largest of 1,497
#: real pages (WCXB) has 15,795.
EXTRACT_MAX_ELEMENTS = 60_000
#: The group that decided a line, as its rule names it (``htmlmodel.GROUPS``).
_WHY = ("text", "dom", "votes", "context")
#: The model's best lines are kept when it keeps none only if the best scores at least
#: this: under it the page has no text to give (an app's shell, a store's menus, an error
#: page: on WCXB-dev the best scores of such pages were 0.04-0.19, of pages with text
#: 0.30-0.34), and its best lines are chrome ("Cart (0)", "Help"; docs/quality-html.md).
BEST_LINES_MIN = 0.25
#: ... on a page of at least this many lines: on fewer (a hand-written page, a fragment)
#: the model, trained on whole pages, has too little of the page to judge, and a page of a
#: headline and a paragraph keeps its paragraph.
NO_TEXT_MIN_LINES = 5
#: The renderer's kinds of kept lines and the role they take.
_KIND_ROLE = {"h": "subheading", "li": "item", "li+": "item"}


def clean(doc: Document, limits: Limits) -> Document:
    """Label the rendered lines of an HTML page by the HTML line model."""
    from ..html import parse_html
    from ..html.metadata import extract_metadata
    from ..html.parse import HtmlTooLarge
    from ..html.render import matching_rendering

    html = doc.meta.get("html")
    if not isinstance(html, str):
        raise InputError(doc.source, "HTML record without its HTML ('meta.html')")
    url = doc.url or doc.meta.get("url")
    url = url if isinstance(url, str) else None
    try:
        # The tree parsed when the page was read (a record read back from NDJSON has none).
        root: Any = doc.derived("html_root", lambda d: parse_html(html, limits))
        if root is None or int(root.xpath("count(//*)")) > EXTRACT_MAX_ELEMENTS:
            return _clean_by_lines(doc, root, url)
        rendering = doc.derived("html_render", lambda d: matching_rendering(root, d.lines))
        if rendering is None:  # the page's text is not this HTML's rendering
            return _clean_by_lines(doc, root, url, "html-text-not-its-rendering")
        md = extract_metadata(root, url, fallbacks=False)
        scores, method = _model(doc, root, rendering, url, limits)
    except HtmlTooLarge as exc:
        raise InputError(doc.source, str(exc), "too-large") from None
    except HtmlError as exc:
        raise InputError(doc.source, str(exc).split("\n")[0]) from None
    except RecursionError:
        raise InputError(doc.source, "extracting: HTML nested too deeply") from None
    page, s = scores
    no_text = _no_text(s)
    labels = _labels(doc.lines, rendering, page, s, md, no_text)
    drop_chrome(doc.lines, labels, _TEXT_ROLES, RULE)
    text = _text_chars(doc.lines, labels)
    if text < NEAR_EMPTY_CHARS and not no_text:
        # Why: a store's grid or a page of short entries, of which the line model keeps
        # (next to) nothing: the text classifier, as for a dump, when it keeps more
        by_lines = _clean_by_lines(doc, root, url, "html-near-empty", md)
        if _text_chars(doc.lines, by_lines.labels or ()) > text:
            return by_lines
    header = visible_header(doc.lines, labels)
    fields: dict[str, tuple[str, ...]] = {}
    authors, published = list(md.get("authors") or []), md.get("published")
    publisher = bool(md.get("authors_publisher"))
    sources = dict(md.get("sources") or {})
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
    late = None
    if not any(kind == "published" for _, kind, _ in dates):
        late = labelled_dateline(doc.lines, labels)  # "Published August 13, 2025" under the text
        if late is not None:
            dates = [*dates, late]
    visible = choose_date(published, sources.get("published"), dates)
    if visible is not None:
        at, published = visible
        # (a labelled dateline the line model kept as text is the dateline, not text)
        if not labels[at].kept or (late is not None and at == late[0]):
            labels[at] = Label(True, "dateline", f"{RULE}:dateline")
        sources["published"] = f"line {at + 1} ({RULE}:dateline)"
    categories = list(md.get("categories") or [])
    extracted = {
        "title": md.get("title"), "subtitle": md.get("subtitle"), "authors": authors,
        "published": published, "updated": md.get("updated"),
        "site_name": md.get("site_name"),
        "section": md.get("section") or (categories[0] if categories else None),
        "captions": list(md.get("captions") or []), "method": method,
        "categories": categories, "description": md.get("description"),
        "language": md.get("language"), "url": md.get("url"), "sources": sources,
        # the authors are the site or an organisation: a person's byline would be better
        "authors_publisher": bool(authors) and publisher,
    }
    # (the line model found no text: the record says why its body is empty)
    evidence = (*doc.evidence, "html-no-text") if no_text else doc.evidence
    return doc.replace(labels=tuple(labels), fields=fields, evidence=evidence,
                       meta={**doc.meta, "extracted": extracted})


def _model(doc: Document, root: Any, rendering: Rendering, url: str | None,
           limits: Limits) -> tuple[tuple[HtmlLines, Scores], str]:
    """The line model's scores, and the variant that gave them: ``fast`` (text and DOM),
    then, unless ``limits.fast`` and while the lines it is unsure of carry more of the
    page's text than the model's gate (for the page's size: ``HtmlModel.gate_value``),
    ``tf`` (trafilatura's vote) and, when the model file has it, ``full``
    (readability-lxml's too)."""
    from ..classifier import htmlmodel as hm

    model = hm.load_html_model()
    # (kept with the page: its page type reads them too)
    page = doc.derived("html_lines", lambda d: hm.page_features(
        rendering.lines, rendering.kinds, rendering.origins, rendering.links))
    votes: dict[str, Any] = {}
    name = "fast"
    s = hm.score(model.variants[name], page, votes)
    for nxt in ("tf", "full"):
        if limits.fast or nxt not in model.variants:
            break
        if model.gate_value(page, s) <= model.gate.get(nxt, 0.0):
            break
        for extractor in model.variants[nxt].votes:
            if extractor not in votes:
                votes[extractor] = hm.vote_features(
                    rendering.lines, page.rows, _extract(extractor, root, url,
                                                         model.meta.get("tf_mode") != "full"))
        name = nxt
        s = hm.score(model.variants[name], page, votes)
    return (page, s), f"model-{name}"


def _extract(extractor: str, root: Any, url: str | None, fast: bool) -> list[tuple[str, str]]:
    """The blocks an extractor keeps (``tf``: trafilatura, ``rd``: readability-lxml)."""
    if extractor == "tf":
        from ..html.trafilatura_adapter import run_trafilatura, tf_blocks

        try:
            d = run_trafilatura(root, url, fast=fast)
        except (RecursionError, MemoryError):
            return []
        except Exception as exc:
            raise HtmlError(f"extraction failed: {type(exc).__name__}: {str(exc)[:120]}"
                            ) from None
        return tf_blocks(d.body) if d is not None else []
    from ..html.readability_adapter import run_readability

    return run_readability(root, url)


#: A removed line inside an element of one of these class/id token groups, within this many
#: levels, takes the group's reason code.
_NEAR = 3
_REASON_GROUPS = (("nav", "nav"), ("share", "share"), ("related", "related"),
                  ("footer", "footer"))


def _no_text(s: Scores) -> bool:
    """Whether the line model finds no text on the page: it keeps no line of the page's
    :data:`NO_TEXT_MIN_LINES` or more, and its best line scores under
    :data:`BEST_LINES_MIN`."""
    return (len(s.p2) >= NO_TEXT_MIN_LINES and not s.keep.any()
            and float(s.p2.max()) < BEST_LINES_MIN)


def _labels(lines: Sequence[str], rendering: Rendering, page: HtmlLines, s: Scores,
            md: dict[str, Any], no_text: bool = False) -> list[Label]:
    """One label per line: the model's decision; the metadata's title, subtitle and
    captions take their roles; headings and list items theirs; a removed line's reason
    from its elements (menus, share buttons, related stories, footers), its repetition and
    its length."""
    from ..classifier.dom import DOM_NAMES
    from ..classifier.features import _COL

    n = len(lines)
    keep = [False] * n
    why = [0] * n
    rows = page.rows.tolist()
    for k, i in enumerate(rows):
        keep[i] = bool(s.keep[k])
        why[i] = int(s.why[k])
    if rows and not any(keep) and not no_text:
        # Why: a page with text never gives an empty body (unless the model finds no text
        # on it: ``_no_text``); the model's best lines are kept
        top = float(s.p2.max())
        for k, i in enumerate(rows):
            if s.p2[k] >= 0.5 * top:
                keep[i], why[i] = True, -1
    roles = {(md.get("title") or "").strip(): "title",
             (md.get("subtitle") or "").strip(): "subtitle"}
    roles.update((c.strip(), "caption") for c in md.get("captions") or ())
    roles.pop("", None)
    dom = page.dom
    text = page.text
    at = {i: k for k, i in enumerate(rows)}
    group_cols = [(code, DOM_NAMES.index(f"up_{g}")) for g, code in _REASON_GROUPS]
    in_nav = DOM_NAMES.index("in_nav")
    in_footer = DOM_NAMES.index("in_footer")
    labels: list[Label] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        t = line.strip()
        if not t:
            labels.append(Label(False, "blank", f"{RULE}:blank"))
            continue
        role = roles.get(t)
        rule = f"{RULE}:model.{_WHY[why[i]]}" if why[i] >= 0 else f"{RULE}:best-lines"
        if role and role not in seen:
            labels.append(Label(True, role, f"{RULE}:{role}"))
            seen.add(role if role != "caption" else t)
        elif keep[i]:
            labels.append(Label(True, _KIND_ROLE.get(rendering.kinds[i], "body"), rule))
        else:
            k = at[i]
            reason = "boilerplate"
            if text[k, _COL["occurrence"]] > 0:
                reason = "duplicate"
            elif dom[k, in_nav] > 0:
                reason = "nav"
            elif dom[k, in_footer] > 0:
                reason = "footer"
            else:
                for code, col in group_cols:
                    if dom[k, col] <= _NEAR:
                        reason = code
                        break
                else:
                    if text[k, _COL["n_words"]] < 5:
                        reason = "short"
            labels.append(Label(False, reason, rule))
    return labels


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


#: The kept lines that may be chrome (the title, captions and byline come from the markup;
#: the line model keeps a list's lines as items).
_TEXT_ROLES = frozenset({"body", "subheading", "item"})


def _text_chars(lines: Sequence[str], labels: Sequence[Label]) -> int:
    """Characters of text the labels keep (the body's lines: not the title, byline, ...)."""
    return sum(len(lines[i].strip()) for i, lab in enumerate(labels)
               if lab.kept and lab.tag in _TEXT_ROLES)


def _clean_by_lines(doc: Document, root: Any, url: str | None,
                    why: str = "html-too-many-elements",
                    md: dict[str, Any] | None = None) -> Document:
    """A page the DOM extractors cannot take (too large) or kept nothing of: its rendered
    lines labelled by the text classifier (rules ``generic:*``), its metadata from the
    markup (``method: lines``; ``md`` when already extracted), which the header search's
    guesses do not replace (:func:`_markup_header`); ``why`` is added to the evidence."""
    from ..html.metadata import extract_metadata
    from .generic import label_lines

    labels, fields = label_lines(doc.lines)
    if md is None:
        try:
            md = extract_metadata(root, url, fallbacks=False) if root is not None else {}
        except (RecursionError, MemoryError, ValueError):
            md = {}
    _markup_header(doc.lines, labels, fields, md)
    categories = list(md.get("categories") or [])
    extracted = {**md, "method": "lines", "sources": dict(md.get("sources") or {}),
                 "section": md.get("section") or (categories[0] if categories else None)}
    extracted.pop("blocks", None)  # the body is the kept lines (no extractor's blocks)
    return doc.replace(labels=tuple(labels), fields={k: tuple(v) for k, v in fields.items()},
                       evidence=(*doc.evidence, why),
                       meta={**doc.meta, "extracted": extracted})


def _markup_header(lines: Sequence[str], labels: list[Label], fields: dict[str, list[str]],
                   md: dict[str, Any]) -> None:
    """The text classifier's header fields and labels (changed in place) where the markup
    names the page's headline, deck and dates, as the line model's path has them: a
    headline the header search found that is not the markup's is text (rule
    ``generic:not-title``), and its deck with it; the markup's subtitle stands; the date
    is the one :func:`choose_date` picks between the markup's and the printed one."""
    from .generic import RULE as GENERIC
    from .generic import _headline_text

    def same(a: str | None, b: str | None) -> bool:
        if not a or not b:
            return False
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

    title, subtitle = md.get("title"), md.get("subtitle")
    titles = fields.get("title")
    guess = titles[0] if titles else None
    other = bool(title) and guess is not None and not same(_headline_text(guess), title)
    if title:
        fields.pop("title", None)
    if other or subtitle:
        fields.pop("subtitle", None)
    for i, lab in enumerate(labels):
        line = lines[i].strip()
        if lab.tag == "title" and other and not same(_headline_text(line), title):
            labels[i] = Label(True, "subheading", f"{GENERIC}:not-title")
        elif lab.tag == "subtitle" and (other or (subtitle and not same(line, subtitle))):
            labels[i] = Label(True, "body", f"{GENERIC}:not-title")
    printed = [(-1, kind, fields[kind][0]) for kind in ("published", "updated")
               if fields.get(kind)]
    if printed and md.get("published"):
        chosen = choose_date(md.get("published"), None, printed)
        fields.pop("published", None)
        if chosen is not None:
            fields["published"] = [chosen[1]]
    if md.get("updated"):
        fields.pop("updated", None)


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
#: The roles of the text's lines (the line model keeps headings and list items as such).
_TEXT_TAGS = frozenset({"body", "subheading", "item"})
#: A labelled dateline under the text has at most this many words.
LABELLED_DATELINE_MAX_WORDS = 8


def labelled_dateline(lines: Sequence[str], labels: Sequence[Label]) -> tuple[int, str, str] | None:
    """The first line outside the text, from the headline (else the text's start) to
    ``FOOTER_LINES`` non-blank lines under the text, that labels its date the publication
    (``Published August 13, 2025`` under the article) or files the post with it (``December
    3, 2025. Updated: December 7, 2025``, ``May 5, 2025 | Categories: News``, as the text
    dumps' late dateline reads them): ``(line index, "published", date)``.
    For a page whose header prints no publication date; a sentence of the text that
    mentions one does not count, but a short labelled line the line model kept as text
    (``Published August 13, 2025`` in the article's last paragraph) does."""
    from .generic import POST_META

    anchor = next((i for i, lab in enumerate(labels) if lab.kept and lab.tag == "title"), None)
    if anchor is None:
        anchor = next((i for i, lab in enumerate(labels) if lab.kept and lab.tag in _TEXT_TAGS),
                      None)
    if anchor is None:
        return None
    last = next((i for i in range(len(labels) - 1, -1, -1)
                 if labels[i].kept and labels[i].tag in _TEXT_TAGS), anchor)
    after = 0
    label_match, meta_search, digit = _PUBLISHED_LABEL.match, POST_META.search, _DIGIT.search
    for i in range(anchor, len(lines)):
        lab = labels[i]
        if lab.tag == "blank":
            continue
        if lab.kept and i <= last and (lab.tag not in _TEXT_TAGS
                                       or label_match(lines[i].lstrip()) is None):
            continue  # the text, but for a labelled dateline the line model kept as text
        text = lines[i].strip()
        if not text:
            continue
        if i > last:
            after += 1
            if after > FOOTER_LINES:
                break
        if len(text) > LINE_MAX_CHARS:
            continue
        labelled = label_match(text) is not None
        if lab.kept and not (labelled and lab.tag in _TEXT_TAGS):
            continue
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
