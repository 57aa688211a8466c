"""Main-content + metadata extraction (trafilatura first, readability-lxml second)."""

from __future__ import annotations

import json
import logging
import re
from copy import deepcopy

from . import HtmlError
from ._types import HtmlArticle

_WS_RE = re.compile(r"\s+")
_TOKEN_RE = re.compile(r"\w+")

for _name in ("trafilatura", "readability", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def _clean(s) -> str:
    return _WS_RE.sub(" ", s or "").strip()


# --------------------------------------------------------------------------- trafilatura


def _tf_text(el) -> str:
    """Text of a trafilatura output element (without its tail); <lb/> become newlines."""
    from lxml import etree

    out = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            if node.tag == "lb":
                out.append("\n")
            elif node.text and node.tag != "graphic":
                out.append(node.text)
        elif node is not el:
            if node.tag == "cell":
                out.append(" ")
            if node.tail:
                out.append(node.tail)
    lines = [_clean(x) for x in "".join(out).split("\n")]
    return "\n".join(x for x in lines if x)


_CONTAINERS = ("div", "main", "body", "doc", "section")


def tf_blocks(body) -> list[tuple[str, str]]:
    """Convert trafilatura's XML body (p, head, list/item, table/row/cell, quote, code)
    into (kind, text) blocks, in order. Loose text (tails of top-level elements) becomes
    a paragraph."""
    blocks: list[tuple[str, str]] = []
    if body is None:
        return blocks

    def push_children(el, depth):
        kids = [c for c in el if isinstance(c.tag, str)]
        for c in reversed(kids):
            if c.tail and c.tail.strip():
                stack.append(("#text", c.tail, depth))
            stack.append((c, None, depth))

    stack: list = []
    if body.text and body.text.strip():
        blocks.append(("p", _clean(body.text)))
    push_children(body, 0)
    while stack:
        el, loose, depth = stack.pop()
        if el == "#text":
            t = _clean(loose)
            if t:
                blocks.append(("p", t))
            continue
        tag = el.tag
        if tag == "head":
            t = _tf_text(el)
            if t:
                blocks.append(("h", t))
        elif tag == "list":
            if el.text and el.text.strip():
                blocks.append(("p", _clean(el.text)))
            push_children(el, depth + 1)
        elif tag == "item" and any(c.tag in ("list", "p", "quote", "code", "table") for c in el):
            own = _clean(el.text)
            if own:
                blocks.append(("li", own))
            push_children(el, depth)
        elif tag == "item":
            t = _tf_text(el)
            if t:
                blocks.append(("li", t))
        elif tag == "table":
            for row in el.iter("row"):
                cells = [_clean(" ".join(c.itertext())) for c in row if c.tag == "cell"]
                cells = [c for c in cells if c]
                if cells:
                    blocks.append(("tr", " | ".join(cells)))
        elif tag == "code":
            t = "".join(el.itertext()).strip("\n")
            if t.strip():
                blocks.append(("pre", t))
        elif tag == "quote" and any(
            c.tag in ("p", "list", "head", "quote", "code", "table") for c in el
        ):
            t = _clean(el.text)
            if t:
                blocks.append(("quote", t))
            push_children(el, depth)
        elif tag == "quote":
            t = _tf_text(el)
            if t:
                blocks.append(("quote", t))
        elif tag == "graphic":
            continue
        elif tag in _CONTAINERS:
            if el.text and el.text.strip():
                blocks.append(("p", _clean(el.text)))
            push_children(el, depth)
        else:  # p, hi, ref, ...
            t = _tf_text(el)
            if t:
                blocks.append(("p", t))
    return blocks


def run_trafilatura(
    root, url=None, *, fast=False, precision=False, recall=False, tables=True, metadata=False
):
    """trafilatura's Document (or None). ``root`` is not modified (trafilatura copies it).

    Comments are extracted separately (include_comments=True) and left out of the body:
    that is the configuration measured in docs/quality-html.md."""
    from trafilatura import bare_extraction

    try:
        return bare_extraction(
            root,
            url=url,
            fast=fast,
            favor_precision=precision,
            favor_recall=recall,
            include_comments=True,
            include_tables=tables,
            include_images=False,
            include_formatting=False,
            include_links=False,
            output_format="xml",
            with_metadata=metadata,
        )
    except RecursionError:
        return None


# --------------------------------------------------------------------------- readability

_RD_DROP = ("script", "style", "link", "noscript", "template", "iframe", "object", "embed", "svg")


def _readability_class():
    from readability import Document

    class TreeDocument(Document):
        """readability-lxml on an already parsed tree.

        readability re-parses the page string and runs lxml's Cleaner (whose link
        rewriting is a third of its time) on every attempt; here each attempt gets a
        fresh copy of a tree that was cleaned once the cheap way (scripts, styles,
        links, hidden elements dropped) -- the same text-relevant cleaning."""

        def __init__(self, root, url=None):
            super().__init__("", url=url)
            self._pristine = root

        def _parse(self, input):
            return deepcopy(self._pristine)

    return TreeDocument


def _rd_clean(root):
    """A cleaned copy of ``root`` for readability."""
    from ._render import is_hidden

    doc = deepcopy(root)
    drop = []
    for el in doc.iter():
        if (
            not isinstance(el.tag, str)
            or el.tag in _RD_DROP
            or (el.attrib and is_hidden(el) and el.tag not in ("html", "body"))
        ):
            drop.append(el)
    for el in drop:
        if el.getparent() is not None:
            el.drop_tree()
    return doc


def run_readability(html_or_root, url=None) -> list[tuple[str, str]]:
    """readability-lxml's main content as (kind, text) blocks ([] when it fails)."""
    from ._parse import parse_html
    from ._render import tree_blocks

    try:
        if isinstance(html_or_root, str):
            from readability import Document

            summary = Document(html_or_root, url=url).summary(html_partial=True)
        else:
            summary = _readability_class()(_rd_clean(html_or_root), url=url).summary(
                html_partial=True
            )
    except RecursionError:
        return []
    except Exception:
        return []
    if not summary or not summary.strip():
        return []
    try:
        root = parse_html(summary)
    except HtmlError:
        return []
    return tree_blocks(root)


# --------------------------------------------------------------------------- metadata


def _jsonld_objects(root):
    out = []
    for s in root.iter("script"):
        if (s.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (s.text or "").strip()
        if not raw or len(raw) > 500_000:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        todo = [data]
        n = 0
        while todo and n < 500:
            n += 1
            d = todo.pop()
            if isinstance(d, list):
                todo.extend(d)
            elif isinstance(d, dict):
                out.append(d)
                g = d.get("@graph")
                if isinstance(g, list):
                    todo.extend(g)
    return out


_AUTHOR_XPATH = (
    '(//*[@rel="author"] | //*[@itemprop="author"] | //*[contains(@class, "author-name")])'
    "[position() <= 3]"
)
_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|NewsArticle|Report|Posting|WebPage", re.I)


def _names(v) -> list[str]:
    res = []
    items = v if isinstance(v, list) else [v]
    for it in items[:20]:
        if isinstance(it, dict):
            n = it.get("name")
            if isinstance(n, str) and _clean(n):
                res.append(_clean(n))
        elif isinstance(it, str) and _clean(it):
            res.append(_clean(it))
    return res


def _meta_map(root):
    m: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        val = el.get("content")
        if key and val and _clean(val):
            m.setdefault(key, []).append(_clean(val))
    return m


def _split_authors(s: str) -> list[str]:
    parts = re.split(r"\s*(?:;|,| and | & |\|)\s*", s)
    return [p for p in (x.strip() for x in parts) if p and len(p) < 100]


def _uniq(seq):
    seen, out = set(), []
    for x in seq:
        k = x.casefold()
        if x and k not in seen:
            seen.add(k)
            out.append(x)
    return out


def extract_metadata(root, doc=None) -> dict:
    """Title, subtitle, authors, dates, site name, section, categories, captions."""
    meta = _meta_map(root)
    ld = _jsonld_objects(root)
    art = None
    for d in ld:
        t = d.get("@type")
        ts = " ".join(t) if isinstance(t, list) else str(t or "")
        if not _ARTICLE_TYPES.search(ts):
            continue
        if not ("headline" in d or "datePublished" in d or "author" in d):
            continue
        strong = "Article" in ts or "Posting" in ts
        if art is None or strong:
            art = d
            if strong:
                break

    def first(*keys):
        for k in keys:
            v = meta.get(k)
            if v:
                return v[0]
        return None

    title = None
    if art and isinstance(art.get("headline"), str):
        title = _clean(art["headline"])
    title = title or first("og:title", "twitter:title") or (doc.title if doc is not None else None)
    if not title:
        h1 = root.find(".//h1")
        if h1 is None:
            h1 = root.find(".//title")
        if h1 is not None:
            title = _clean(" ".join(h1.itertext())) or None
    subtitle = None
    if art and isinstance(art.get("alternativeHeadline"), str):
        subtitle = _clean(art["alternativeHeadline"]) or None
    authors: list[str] = []
    if art and art.get("author"):
        authors = _names(art["author"])
    if not authors:
        for k in ("author", "article:author", "parsely-author", "dc.creator", "sailthru.author"):
            for v in meta.get(k, []):
                if not v.startswith("http"):
                    authors.extend(_split_authors(v))
            if authors:
                break
    if not authors:
        for el in root.xpath(_AUTHOR_XPATH):
            t = _clean(" ".join(el.itertext()))
            if t and len(t) < 80 and not t.lower().startswith("http"):
                authors.append(re.sub(r"^(?i:by)\s+", "", t))
    if not authors and doc is not None and doc.author:
        authors = _split_authors(doc.author)
    authors = _uniq(authors)[:10]
    published = updated = None
    if art:
        if isinstance(art.get("datePublished"), str):
            published = art["datePublished"].strip() or None
        if isinstance(art.get("dateModified"), str):
            updated = art["dateModified"].strip() or None
    published = published or first(
        "article:published_time",
        "datepublished",
        "pubdate",
        "publish-date",
        "dc.date",
        "date",
        "parsely-pub-date",
    )
    updated = updated or first(
        "article:modified_time", "og:updated_time", "datemodified", "last-modified"
    )
    if not published:
        t = root.find(".//time[@datetime]")
        if t is not None:
            published = t.get("datetime").strip() or None
    if not published and doc is not None and doc.date:
        published = doc.date
    site_name = first("og:site_name", "application-name")
    if not site_name and art and isinstance(art.get("publisher"), dict):
        site_name = _names(art["publisher"])[0] if _names(art["publisher"]) else None
    if not site_name and doc is not None and doc.sitename:
        site_name = doc.sitename
    section = first("article:section", "section", "parsely-section")
    if not section and art and isinstance(art.get("articleSection"), (str, list)):
        s = art["articleSection"]
        section = (
            _clean(s if isinstance(s, str) else (s[0] if s and isinstance(s[0], str) else ""))
            or None
        )
    cats: list[str] = []
    for k in ("article:tag", "keywords", "news_keywords"):
        for v in meta.get(k, []):
            cats.extend(x.strip() for x in v.split(",") if x.strip())
    if doc is not None:
        cats.extend(doc.categories or [])
    if art and isinstance(art.get("keywords"), (list, str)):
        kw = art["keywords"]
        cats.extend(
            _clean(x) for x in (kw.split(",") if isinstance(kw, str) else kw) if isinstance(x, str)
        )
    categories = _uniq([c for c in cats if c and len(c) < 80])[:30]
    captions = []
    for fc in root.iter("figcaption"):
        t = _clean(" ".join(fc.itertext()))
        if t:
            captions.append(t)
        if len(captions) >= 50:
            break
    return {
        "title": title or None,
        "subtitle": subtitle,
        "authors": authors,
        "published": published,
        "updated": updated,
        "site_name": site_name or None,
        "section": section or None,
        "categories": categories,
        "captions": _uniq(captions),
    }


# --------------------------------------------------------------------------- decision


def _ntok(blocks) -> int:
    return sum(len(_TOKEN_RE.findall(t)) for _, t in blocks)


def _shingles(blocks, n=4) -> set:
    toks = _TOKEN_RE.findall(" ".join(t for _, t in blocks))
    return {tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1))} if toks else set()


#: decision rule parameters, tuned on the "tune" half of WCXB-dev (docs/quality-html.md)
RD_GATE_TOKENS = 600  # readability is consulted only when trafilatura found fewer tokens
RD_RATIO = 1.2  # ... and wins when it finds > 1.2x as many tokens
RD_CONTAINMENT = 0.2  # ... and covers >= 20% of trafilatura's 4-gram shingles


def needs_second_opinion(tf: list) -> bool:
    return _ntok(tf) < RD_GATE_TOKENS


def choose(tf: list, rd: list | None) -> tuple[list, str]:
    """Decision rule between trafilatura's and readability's blocks.

    trafilatura (full mode, with its own fallbacks) is the default. readability-lxml
    replaces it when trafilatura returned nothing, or when trafilatura's body is short
    (< RD_GATE_TOKENS tokens), readability's is more than RD_RATIO times longer and it
    contains at least RD_CONTAINMENT of trafilatura's shingles (i.e. readability found
    the same text plus more, not a different part of the page)."""
    nt = _ntok(tf)
    nr = _ntok(rd) if rd else 0
    if nt == 0 and nr == 0:
        return [], "none"
    if nt == 0:
        return rd, "readability"
    if nr == 0 or nt >= RD_GATE_TOKENS:
        return tf, "trafilatura"
    if nr > RD_RATIO * nt:
        st = _shingles(tf)
        if st and len(st & _shingles(rd)) >= RD_CONTAINMENT * len(st):
            return rd, "readability"
    return tf, "trafilatura"


def drop_title_block(blocks, title):
    """Drop a leading heading/paragraph that just repeats the title (the title is metadata)."""
    if (
        blocks
        and title
        and blocks[0][0] in ("h", "p")
        and _clean(blocks[0][1]).casefold() == _clean(title).casefold()
    ):
        return blocks[1:]
    return blocks


def extract_html(html: str, url: str | None = None, root=None) -> HtmlArticle:
    """Main content + metadata of an HTML page (see module docstring and
    docs/quality-html.md). Raises HtmlError (ValueError) on unusable input. ``root`` is
    the page already parsed by :func:`parse_html` (it is not modified), to parse once."""
    from ._parse import parse_html, prepare

    if root is None:
        root = parse_html(prepare(html))
    try:
        doc = run_trafilatura(root, url)
        tf = tf_blocks(doc.body) if doc is not None else []
        rd = run_readability(root, url) if needs_second_opinion(tf) else None
        blocks, method = choose(tf, rd)
        md = extract_metadata(root, None)
        blocks = drop_title_block(blocks, md["title"])
    except HtmlError:
        raise
    except RecursionError:
        raise HtmlError("HTML too deeply nested") from None
    except MemoryError:
        raise HtmlError("HTML too large") from None
    except Exception as exc:
        raise HtmlError(f"extraction failed: {type(exc).__name__}: {str(exc)[:120]}") from None
    return HtmlArticle(blocks=blocks, method=method, **md)
