"""Metadata of an HTML page: JSON-LD, ``<meta>`` tags, and the page's own markup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_WS_RE = re.compile(r"\s+")


def _clean(s: str | None) -> str:
    return _WS_RE.sub(" ", s or "").strip()


def _jsonld_objects(root: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
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
        todo: list[Any] = [data]
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


def _names(v: Any) -> list[str]:
    res: list[str] = []
    items = v if isinstance(v, list) else [v]
    for it in items[:20]:
        if isinstance(it, dict):
            n = it.get("name")
            if isinstance(n, str) and _clean(n):
                res.append(_clean(n))
        elif isinstance(it, str) and _clean(it):
            res.append(_clean(it))
    return res


def _meta_map(root: Any) -> dict[str, list[str]]:
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


def _uniq(seq: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for x in seq:
        k = x.casefold()
        if x and k not in seen:
            seen.add(k)
            out.append(x)
    return out


def extract_metadata(root: Any) -> dict[str, Any]:
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

    def first(*keys: str) -> str | None:
        for k in keys:
            v = meta.get(k)
            if v:
                return v[0]
        return None

    title = None
    if art and isinstance(art.get("headline"), str):
        title = _clean(art["headline"])
    title = title or first("og:title", "twitter:title")
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
    site_name = first("og:site_name", "application-name")
    if not site_name and art and isinstance(art.get("publisher"), dict):
        site_name = _names(art["publisher"])[0] if _names(art["publisher"]) else None
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


