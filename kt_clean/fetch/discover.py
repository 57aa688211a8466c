"""Finding what to fetch: URLs normalised, sitemaps and feeds read, links followed.

- :func:`normalise` makes one spelling of a URL (scheme and host lowercased, default port and
  fragment dropped), so that a page is fetched once however it is linked.
- :func:`read_sitemap` reads a sitemap (``<urlset>``), a sitemap index (``<sitemapindex>``),
  either gzipped, or a plain-text list of URLs.
- :func:`read_feed` reads an RSS 2.0, RSS 1.0 (RDF) or Atom feed: the links of its items.
- :func:`links` gives the links of an HTML page (``<a href>``, resolved against the page's
  URL and its ``<base href>``).

XML is parsed without network access, without entities and DTDs (no XXE, no billion laughs)
and with bounded size.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

#: Sitemaps are at most 50 MB uncompressed (sitemaps.org); a bit more is allowed.
MAX_SITEMAP_BYTES = 64 * 1024 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(url: str, base: str | None = None) -> str | None:
    """The one spelling of ``url`` (resolved against ``base``), or ``None`` for what is not
    an http(s) URL (``mailto:``, ``javascript:``, a bad port)."""
    url = url.strip()
    if not url:
        return None
    if base is not None:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = parts.path or "/"
    if " " in path:
        path = path.replace(" ", "%20")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def host_of(url: str) -> str:
    """The host (with a port other than the default) a URL is paced and judged by."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def site_of(url: str) -> str:
    """``scheme://host[:port]``: the origin whose ``robots.txt`` rules the URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@dataclass(frozen=True, slots=True)
class Found:
    """What a sitemap or feed gave: page URLs and (from an index) more sitemaps."""

    pages: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()


def _gunzip(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(data, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        raise ValueError(f"bad gzip data: {exc}") from None
    if len(out) > MAX_SITEMAP_BYTES:
        raise ValueError(f"over {MAX_SITEMAP_BYTES // 1_000_000} MB uncompressed")
    return out


def _xml_root(data: bytes) -> object:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, recover=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root is None:
        raise ValueError("not XML")
    return root


def _local(tag: object) -> str:
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def read_sitemap(data: bytes, url: str) -> Found:
    """The URLs of a sitemap, a sitemap index (its sitemaps) or a text sitemap; gzipped
    or not. Raises ``ValueError`` for what is none of them."""
    data = _gunzip(data)
    head = data.lstrip()[:1]
    if head != b"<":  # a text sitemap: one URL per line
        pages = [u for line in data.decode("utf-8", "replace").splitlines()
                 if (u := normalise(line, url)) is not None]
        if not pages and data.strip():
            raise ValueError("neither an XML sitemap nor a list of URLs")
        return Found(pages=tuple(pages))
    root = _xml_root(data)
    kind = _local(getattr(root, "tag", ""))
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"an XML document, but no sitemap (its root is <{kind}>)")
    locs = []
    for element in root.iter():  # type: ignore[attr-defined]
        if _local(element.tag) == "loc" and element.text:
            found = normalise(element.text, url)
            if found is not None:
                locs.append(found)
    if kind == "sitemapindex":
        return Found(sitemaps=tuple(locs))
    return Found(pages=tuple(locs))


def read_feed(data: bytes, url: str) -> Found:
    """The item links of an RSS 2.0, RSS 1.0 or Atom feed. Raises ``ValueError`` for
    what is no feed."""
    root = _xml_root(_gunzip(data))
    kind = _local(getattr(root, "tag", ""))
    if kind not in ("rss", "feed", "rdf", "channel"):
        raise ValueError(f"an XML document, but no RSS or Atom feed (its root is <{kind}>)")
    pages: list[str] = []
    for item in root.iter():  # type: ignore[attr-defined]
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link = None
        for child in item:
            child_name = _local(child.tag)
            if child_name == "link":
                href = child.get("href")
                rel = child.get("rel", "alternate")
                if href and rel == "alternate":  # Atom
                    link = href
                    break
                if child.text and child.text.strip():  # RSS
                    link = child.text
                    break
            elif child_name == "guid" and child.get("isPermaLink", "true") == "true" \
                    and child.text and link is None:
                link = child.text
        if link is None and item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"):
            link = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        found = normalise(link, url) if link else None
        if found is not None:
            pages.append(found)
    return Found(pages=tuple(pages))


_BASE = re.compile(rb"""<base\s[^>]*href\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def links(html: bytes, url: str) -> Iterator[str]:
    """The links of an HTML page (``<a href>`` and ``<area href>``), normalised, in page
    order, each once; ``rel=nofollow`` links are left out, as a polite crawler does."""
    from lxml import etree
    from lxml import html as lxml_html

    base = url
    m = _BASE.search(html[:65536])
    if m:
        base = urljoin(url, m.group(1).decode("latin-1"))
    try:
        parser = lxml_html.HTMLParser(no_network=True, remove_comments=True)
        root = etree.fromstring(html, parser) if html.strip() else None
    except (etree.ParserError, ValueError):
        return
    if root is None:
        return
    seen: set[str] = set()
    for element in root.iter("a", "area"):
        href = element.get("href")
        if not href or "nofollow" in (element.get("rel") or "").lower():
            continue
        found = normalise(href, base)
        if found is not None and found not in seen:
            seen.add(found)
            yield found
