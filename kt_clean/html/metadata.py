"""Metadata of an HTML page from every source it offers: JSON-LD (``@graph``, lists, nested
and ``@id``-referenced authors), OpenGraph and ``article:*`` tags, ``citation_*`` and Dublin
Core tags, microdata, ``<time datetime>``, the visible headline and byline, and htmldate
(the field's library for publication dates) as the last resort for the date.

The order of the sources was tuned on WCXB-dev (``bench/metadata.py``, figures in
``docs/quality.md``). Each field says where it came from in ``sources`` (shown by
``--explain``). Dates are returned as found; :func:`kt_clean.dates.iso_any` writes them in
ISO 8601.
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

_WS_RE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def _clean(s: Any) -> str:
    """One line of text: entities a CMS escaped twice (``&amp;#8230;``) undone, spaces
    collapsed."""
    if not isinstance(s, str):
        return ""
    if "&" in s:
        s = _html.unescape(_html.unescape(s))
    return _WS_RE.sub(" ", s).strip()


def _text(el: Any) -> str:
    return _clean(" ".join(t for t in el.itertext() if isinstance(t, str)))


# -- JSON-LD ---------------------------------------------------------------------------

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
            d = todo.pop(0)
            if isinstance(d, list):
                todo.extend(d)
            elif isinstance(d, dict):
                out.append(d)
                g = d.get("@graph")
                if isinstance(g, list):
                    todo.extend(g)
                elif isinstance(g, dict):
                    todo.append(g)
                main = d.get("mainEntity")
                if isinstance(main, (dict, list)):
                    todo.append(main)
    return out


def _types(d: dict[str, Any]) -> str:
    t = d.get("@type")
    return " ".join(x for x in t if isinstance(x, str)) if isinstance(t, list) else str(t or "")


_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|NewsArticle|Report|Posting|Review|Recipe|"
                            r"HowTo|WebPage|ScholarlyArticle", re.I)
_STRONG_TYPES = re.compile(r"Article|Posting|Review|Recipe|HowTo", re.I)


def _main_object(ld: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The JSON-LD object of the page's own article: the first Article-like object with a
    headline, author or date (an ``Article`` type before a generic ``WebPage``)."""
    best = None
    for d in ld:
        ts = _types(d)
        if not _ARTICLE_TYPES.search(ts):
            continue
        if not ("headline" in d or "datePublished" in d or "author" in d or "name" in d):
            continue
        if _STRONG_TYPES.search(ts):
            return d
        if best is None:
            best = d
    return best


def _names(v: Any, ids: dict[str, dict[str, Any]], depth: int = 0) -> list[str]:
    """Names of JSON-LD persons or organisations: strings, ``{"name": ...}``, lists, and
    ``{"@id": ...}`` references to another object of the page's graph."""
    res: list[str] = []
    items = v if isinstance(v, list) else [v]
    for it in items[:20]:
        if isinstance(it, dict):
            n = it.get("name")
            if n is None and isinstance(it.get("@id"), str) and depth < 2:
                ref = ids.get(it["@id"])
                if ref is not None and ref is not it:
                    res.extend(_names(ref, ids, depth + 1))
                continue
            if isinstance(n, list):
                n = next((x for x in n if isinstance(x, str)), None)
            if isinstance(n, str) and _clean(n):
                res.append(_clean(n))
            elif isinstance(it.get("givenName"), str):
                res.append(_clean(f"{it['givenName']} {it.get('familyName') or ''}"))
        elif isinstance(it, str) and _clean(it):
            res.append(_clean(it))
    return res


# -- <meta> tags -----------------------------------------------------------------------

def _meta_map(root: Any) -> dict[str, list[str]]:
    m: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        val = el.get("content")
        if key and val and _clean(val):
            m.setdefault(key, []).append(_clean(val))
    return m


def _first(meta: dict[str, list[str]], *keys: str) -> tuple[str, str] | None:
    for k in keys:
        v = meta.get(k)
        if v:
            return v[0], k
    return None


# -- the headline ----------------------------------------------------------------------

#: Separators between a page's headline and the site's name in ``<title>``.
_TITLE_SEP = re.compile(r"\s+(?:[|\u2013\u2014\u2022\u00b7~:\u00bb/]|-{1,2}|::)\s+")
_SKIP_ANCESTORS = frozenset({"nav", "footer", "aside", "form", "button", "noscript"})


def _tokens(s: str) -> set[str]:
    return set(_WORD.findall(s.casefold()))


def _similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' word sets."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    return 2 * len(ta & tb) / (len(ta) + len(tb))


def _headings(root: Any, limit: int = 8) -> list[Any]:
    """The page's ``<h1>`` elements that are not in a menu, footer or sidebar."""
    out: list[Any] = []
    for h in root.iter("h1"):
        el, skip = h.getparent(), False
        while el is not None:
            if el.tag in _SKIP_ANCESTORS:
                skip = True
                break
            el = el.getparent()
        if not skip and _text(h):
            out.append(h)
            if len(out) >= limit:
                break
    return out


#: A heading under this many paragraphs of text (of 80 characters or more) is a section's.
SECTION_AFTER_PARAGRAPHS = 2


def _under_paragraphs(root: Any, heading: Any) -> bool:
    """Whether paragraphs of text come before ``heading`` in the page."""
    at = heading.sourceline or 0
    n = 0
    for p in root.iter("p"):
        line = p.sourceline or 0
        if line >= at:
            break
        if len(_text(p)) >= 80:
            n += 1
            if n >= SECTION_AFTER_PARAGRAPHS:
                return True
    return False


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """``Regular physical activity can boost mood - Harvard Health`` -> the headline: the
    site's name (or, when the page does not name its site, the shorter end part after a
    separator) is cut from either end of a ``<title>``."""
    parts = _TITLE_SEP.split(title)
    if len(parts) < 2:
        return title
    names = [n.casefold() for n in site_names if n]

    def is_site(part: str) -> bool:
        p = part.casefold().strip()
        return any(p == n or (len(p) > 2 and (p in n or n in p)) for n in names)

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if (len(parts) > 1 and not names and len(parts[-1].split()) <= 4
            and len(parts[-1]) < len(parts[0])):
        parts.pop()  # no site name known: a short end part is one, as site names are
    joined = title
    if len(parts) < len(_TITLE_SEP.split(title)):
        start = title.find(parts[0])
        end = title.rfind(parts[-1]) + len(parts[-1])
        joined = title[start:end] if start >= 0 and end > start else " - ".join(parts)
    return joined.strip()


def _choose_title(root: Any, meta_titles: list[tuple[str, str]],
                  site_names: list[str]) -> tuple[str | None, str | None, Any]:
    """(title, its source, the ``<h1>`` element chosen): the visible ``<h1>`` that matches
    the page's declared titles best; else the declared title without the site's name."""
    heads = _headings(root)
    best: tuple[float, Any] | None = None
    for h in heads:
        t = _text(h)
        if len(t) > 300 or any(t.casefold() == n.casefold() for n in site_names):
            continue
        score = max((_similarity(t, m) for m, _ in meta_titles), default=0.0)
        if best is None or score > best[0]:
            best = (score, h)
    if best is not None and (best[0] >= 0.5 or (not meta_titles and len(heads) == 1)):
        return _text(best[1]), "h1", best[1]
    distinct = {_text(h).casefold() for h in heads}
    if len(distinct) == 1 and heads and best is not None and best[1] is heads[0]:
        # one headline that the declared titles word differently: the page shows this one
        # (unless it is a section's heading, under paragraphs of the text)
        t = _text(heads[0])
        if len(t.split()) >= 4 and not _under_paragraphs(root, heads[0]):
            return t, "h1", heads[0]
    for m, src in meta_titles:
        t = strip_site_name(m, site_names)
        if t:
            return t, src, None
    return None, None, None


# -- authors ---------------------------------------------------------------------------

_AUTHOR_XPATH = (
    '//*[@rel="author" or @itemprop="author" or contains(@class, "author") '
    'or contains(@class, "byline") or contains(@class, "Author") '
    'or contains(@class, "Byline")][position() <= 12]'
)
_NOT_A_NAME = re.compile(r"https?:|www\.|@|\.com\b|^\W*$|\d{4}|^\w+(?:\.\w+){2,}$|^(?:by|admin|"
                         r"author|authors|staff|guest|editor|unknown|anonymous|"
                         r"view (?:all|more) posts.*|about the author|posts by.*|more from.*|"
                         r"written by|share|follow)$", re.I)
#: Link texts around a name in byline markup: ``Read more about The Upwork Team``.
_LINK_PREFIX = re.compile(r"^(?:read more (?:about|from|by)|more (?:from|by|about)|"
                          r"(?:view|see) (?:all )?(?:posts|articles|stories) (?:by|from)|"
                          r"posts by|articles by|stories by)\s+", re.I)
#: What tells a byline from a bare name: a prefix, or names joined.
_BYLINE_SHAPE = re.compile(r"^(?:by|written|posted|words|author)\b|[,;|&]|\sand\s|\s-\s",
                           re.I)


def normalise_authors(values: Iterable[str], limit: int = 10,
                      structured: bool = False) -> list[str]:
    """Names from author fields: no ``By``/``Written by`` prefixes, joined names split,
    roles and affiliations dropped, emails and URLs never a name
    (:func:`kt_clean.bylines.authors_from_byline`). A ``structured`` field's value (JSON-LD,
    a meta tag) that is one bare name is kept whole (``Rapid7``, ``Paramita (Guha)
    Ghosh``, a user name such as ``aawoods``), as the page declares it."""
    from ..bylines import authors_from_byline

    res: list[str] = []
    keys: set[str] = set()
    for value in values:
        v = _LINK_PREFIX.sub("", _clean(value))
        plausible = len(v) <= 60 and len(v.split()) <= 6 and not _NOT_A_NAME.search(v)
        if structured and plausible and not _BYLINE_SHAPE.search(v):
            names = [v]
        else:
            names = list(authors_from_byline(v)) or ([v] if plausible else [])
        for name in names:
            if name.casefold() not in keys:
                keys.add(name.casefold())
                res.append(name)
    return res[:limit]


_FAMILY_FIRST = re.compile(r"^\s*([^\W\d][\w'\-]*(?: [^\W\d][\w'\-]*){0,2}),\s*"
                           r"([^\W\d][\w.'\-]*(?: [^\W\d][\w.'\-]*){0,2})\s*$")


def _first_last(name: str) -> str:
    """``Curie, Marie`` -> ``Marie Curie`` (the citation tags' order)."""
    m = _FAMILY_FIRST.match(name)
    return f"{m.group(2)} {m.group(1)}" if m else name


def markup_authors(root: Any, heading: Any = None, title: str | None = None) -> list[str]:
    """Names in the page's byline markup (``rel=author``, ``itemprop=author``, classes
    ``author``/``byline``), nearest the headline (the ``<h1>`` element ``heading``, or the
    one that reads ``title``) first. A last resort: its XPath costs about 2 ms a page."""
    if heading is None and title:
        heading = next((h for h in _headings(root) if _text(h) == title), None)
    return normalise_authors(_byline_authors(root, heading))


def _byline_authors(root: Any, heading: Any) -> list[str]:
    found: list[tuple[int, str]] = []
    h_at = (heading.sourceline or 0) if heading is not None else 0
    for el in root.xpath(_AUTHOR_XPATH):
        cls = (el.get("class") or "").lower()
        if any(w in cls for w in ("author-bio", "authorbio", "about-author", "author-box",
                                  "comment", "related")):
            continue
        name_el = el.find('.//*[@itemprop="name"]')
        t = _text(name_el) if name_el is not None else _text(el)
        if not t or len(t) > 120:
            continue
        found.append((abs((el.sourceline or 0) - h_at), t))
    found.sort(key=lambda x: x[0])
    return [t for _, t in found[:3]]


# -- dates -----------------------------------------------------------------------------

_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datepublished",
                   "citation_publication_date", "citation_date", "citation_online_date",
                   "dc.date.issued", "dc.date", "dcterms.issued", "dcterms.created",
                   "dcterms.date", "pubdate", "publish-date", "publish_date", "publishdate",
                   "parsely-pub-date", "sailthru.date", "date", "article.published",
                   "article:published", "published", "publication_date", "datecreated",
                   "created")
_UPDATED_KEYS = ("article:modified_time", "og:updated_time", "datemodified",
                 "dcterms.modified", "last-modified", "article.updated", "modified")


def _time_element(root: Any, heading: Any) -> tuple[str, str] | None:
    """A ``<time datetime>`` (or ``itemprop=datePublished``) of the article: the one after
    the headline when there is one, else the page's first."""
    first = None
    for t in root.iter("time"):
        v = t.get("datetime") or ""
        if not v.strip():
            continue
        ip = (t.get("itemprop") or "").lower()
        if ip == "datepublished":
            return v.strip(), "time[itemprop=datePublished]"
        if first is None:
            first = v.strip()
    for el in root.xpath('//*[@itemprop="datePublished"][position() <= 2]'):
        v = el.get("content") or el.get("datetime") or _text(el)
        if v:
            return v, "itemprop=datePublished"
    return (first, "time[datetime]") if first else None


def htmldate_fallback(root: Any, url: str | None) -> str | None:
    """htmldate's publication date, for a page whose markup declares none and that prints
    none near its headline: htmldate's search of the markup and the URL (its fast mode: its
    extensive search parses every date-like text with dateparser, about 0.1 s a page)."""
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - htmldate comes with trafilatura
        return None
    try:
        found = find_date(root, url=url, extensive_search=False, original_date=True,
                          outputformat="%Y-%m-%d", deferred_url_extractor=True)
    except Exception:  # htmldate must never fail the page
        return None
    return found if isinstance(found, str) else None


# -- captions --------------------------------------------------------------------------

_NOT_OWN = re.compile(r"related|promo|teaser|card|recommend|sidebar|widget|trending|popular|"
                      r"newsletter|more-|-more|carousel|thumb|footer|advert", re.I)


def _own_captions(root: Any, heading: Any, limit: int = 30) -> list[str]:
    """Captions of the article's own figures: not those of related-story thumbnails, menus
    or sidebars, and only within the ``<article>`` of the headline when it has one."""
    scope = root
    if heading is not None:
        el = heading.getparent()
        while el is not None and el.tag != "article":
            el = el.getparent()
        if el is not None:
            scope = el
    out: list[str] = []
    for fc in scope.iter("figcaption"):
        el, own = fc.getparent(), True
        while el is not None and el is not scope:
            if el.tag in _SKIP_ANCESTORS or el.tag == "a" or _NOT_OWN.search(
                    f"{el.get('class') or ''} {el.get('id') or ''}"):
                own = False
                break
            el = el.getparent()
        t = _text(fc)
        if own and t:
            out.append(t)
            if len(out) >= limit:
                break
    return _uniq(out)


def _uniq(seq: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for x in seq:
        k = x.casefold()
        if x and k not in seen:
            seen.add(k)
            out.append(x)
    return out


def _iter_str(v: Any) -> Iterator[str]:
    for x in (v if isinstance(v, list) else [v]):
        if isinstance(x, str):
            yield x


def extract_metadata(root: Any, url: str | None = None,
                     fallbacks: bool = True) -> dict[str, Any]:
    """Title, subtitle, authors, dates, site name, section, categories, captions,
    description, language, url; ``sources`` names where each was found. Without
    ``fallbacks``, the costly last resorts are left to the caller (which looks at the
    printed byline and dates first): :func:`htmldate_fallback` for a date the markup does
    not declare, :func:`markup_authors` for authors."""
    meta = _meta_map(root)
    ld = _jsonld_objects(root)
    ids = {d["@id"]: d for d in ld if isinstance(d.get("@id"), str)}
    art = _main_object(ld)
    sources: dict[str, str] = {}

    site_names = [v for k in ("og:site_name", "application-name", "apple-mobile-web-app-title")
                  for v in meta.get(k, [])]
    if art is not None and art.get("publisher"):
        site_names += _names(art["publisher"], ids)
    site_names += [_names(d, ids)[0] for d in ld if "WebSite" in _types(d) and _names(d, ids)]
    site_names = _uniq(_clean(s) for s in site_names)

    meta_titles: list[tuple[str, str]] = []
    if art is not None:
        for key in ("headline", "name"):
            for v in _iter_str(art.get(key)):
                if _clean(v):
                    meta_titles.append((_clean(v), f"json-ld:{key}"))
                    break
            if meta_titles:
                break
    for key in ("citation_title", "og:title", "twitter:title", "dc.title"):
        for v in meta.get(key, [])[:1]:
            meta_titles.append((v, f"meta:{key}"))
    title_el = root.find(".//title")
    if title_el is not None and _text(title_el):
        meta_titles.append((_text(title_el), "title"))
    title, title_src, heading = _choose_title(root, meta_titles, site_names)
    if title_src:
        sources["title"] = title_src

    subtitle = None
    if art is not None and isinstance(art.get("alternativeHeadline"), str):
        subtitle = _clean(art["alternativeHeadline"]) or None
    if subtitle and title and subtitle.casefold() == title.casefold():
        subtitle = None  # the headline again in other capitals is not a deck

    authors: list[str] = []
    organisation = False  # the declared authors are the site or an organisation
    if art is not None and art.get("author"):
        authors = normalise_authors(_names(art["author"], ids), structured=True)
        if authors:
            sources["authors"] = "json-ld:author"
            organisation = _organisations(art["author"], ids)
    for k in ("citation_author", "dc.creator", "dcterms.creator"):
        if authors:
            break
        # a scholarly page names one author a tag, family name first: "Curie, Marie"
        authors = normalise_authors([_first_last(v) for v in meta.get(k, [])[:50]], limit=50,
                                    structured=True)
        if authors:
            sources["authors"] = f"meta:{k}"
    if not authors:
        for k in ("author", "article:author", "parsely-author", "sailthru.author", "byl"):
            authors = normalise_authors(meta.get(k, []), structured=True)
            if authors:
                sources["authors"] = f"meta:{k}"
                break
    if authors and not organisation:
        organisation = _is_publisher(authors, site_names, url or _canonical(root, meta))
    if not authors and fallbacks:
        authors = markup_authors(root, heading)
        if authors:
            sources["authors"] = "byline-markup"

    published = updated = None
    if art is not None:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            v = next(_iter_str(art.get(key)), "").strip()
            if v:
                published, sources["published"] = v, f"json-ld:{key}"
                break
        v = next(_iter_str(art.get("dateModified")), "").strip()
        if v:
            updated, sources["updated"] = v, "json-ld:dateModified"
    if not published:
        found = _first(meta, *_PUBLISHED_KEYS) or _time_element(root, heading)
        if found:
            published, src = found
            sources["published"] = src if src.startswith(("time", "itemprop")) else f"meta:{src}"
    if not published and fallbacks:
        published = htmldate_fallback(root, url)
        if published:
            sources["published"] = "htmldate"
    if not updated:
        found = _first(meta, *_UPDATED_KEYS)
        if found:
            updated, sources["updated"] = found[0], f"meta:{found[1]}"

    section_found = _first(meta, "article:section", "section", "parsely-section")
    section = section_found[0] if section_found else None
    if not section and art is not None:
        section = next((_clean(s) for s in _iter_str(art.get("articleSection")) if _clean(s)),
                       None)
    cats: list[str] = []
    for k in ("article:tag", "keywords", "news_keywords", "citation_keywords"):
        for v in meta.get(k, []):
            cats.extend(x.strip() for x in re.split(r"[,;]", v) if x.strip())
    if art is not None:
        kw = art.get("keywords")
        for x in (kw.split(",") if isinstance(kw, str) else _iter_str(kw)):
            cats.append(_clean(x))
    categories = _uniq([c for c in cats if c and len(c) < 80])[:30]

    description = next((v for k in ("description", "og:description", "twitter:description",
                                    "dc.description") for v in meta.get(k, [])), None)
    html_el = root if root.tag == "html" else root.find(".//html")
    lang = (html_el.get("lang") or html_el.get("xml:lang") or "") if html_el is not None else ""
    lang = lang or next(iter(meta.get("og:locale", []) + meta.get("content-language", [])), "")
    page_url = _canonical(root, meta)
    return {
        "title": title or None,
        "subtitle": subtitle,
        "authors": authors,
        "authors_publisher": organisation,
        "published": published,
        "updated": updated,
        "site_name": site_names[0] if site_names else None,
        "section": section or None,
        "categories": categories,
        "captions": _own_captions(root, heading),
        "description": description,
        "language": _language_code(lang),
        "url": page_url if page_url and page_url.startswith(("http://", "https://")) else None,
        "sources": sources,
    }


def _canonical(root: Any, meta: dict[str, list[str]]) -> str | None:
    """The page's address as it declares it: ``<link rel=canonical>``, else ``og:url``."""
    for el in root.iter("link"):
        if (el.get("rel") or "").strip().lower() == "canonical" and el.get("href"):
            return str(el.get("href")).strip()
    return next(iter(meta.get("og:url", [])), None)


_ORGANISATION_TYPES = re.compile(r"Organi[sz]ation|Corporation|NewsMedia|LocalBusiness|"
                                 r"EducationalOrganization|GovernmentOrganization|Brand", re.I)


def _organisations(value: Any, ids: dict[str, dict[str, Any]]) -> bool:
    """Whether every JSON-LD author object is an organisation (``"@type": "Organization"``,
    also through an ``@id`` reference)."""
    items = value if isinstance(value, list) else [value]
    kinds = []
    for it in items[:20]:
        if isinstance(it, dict) and it.get("@type") is None and isinstance(it.get("@id"), str):
            it = ids.get(it["@id"], it)
        kinds.append(isinstance(it, dict) and bool(_ORGANISATION_TYPES.search(_types(it))))
    return bool(kinds) and all(kinds)


def _is_publisher(authors: list[str], site_names: list[str], url: str | None) -> bool:
    """Whether the declared authors are the site itself: its name (``Rapid7`` on
    rapid7.com, ``Clemson News`` for the site ``Clemson News``)."""
    names = {_squash(n) for n in site_names if n}
    if url:  # the labels of its host name: "rapid7" of www.rapid7.com
        m = re.match(r"^[a-z]+://([^/:?#]+)", url.strip(), re.I)
        if m:
            names.update(_squash(p) for p in m.group(1).split(".")[:-1] if len(p) > 3)
    from ..bylines import is_name

    # (a person's own site is named after them: "Eric Ries" is a person all the same)
    return all(_squash(a) in names and not is_name(a) for a in authors)


def _squash(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _language_code(value: str) -> str | None:
    """``en-US``/``en_US`` -> ``en``; nothing for a value that is not a language tag."""
    m = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*\s*$", value or "")
    return m.group(1).lower() if m else None
