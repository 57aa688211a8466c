"""Safe, bounded HTML parsing with lxml."""

from __future__ import annotations

import re
from typing import Any

from ..errors import HtmlError
from ..limits import DEFAULT_LIMITS, Limits

_parser = None
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DOCTYPE_SUBSET_RE = re.compile(r"^\s*<!DOCTYPE[^\[>]{0,200}\[.*?\]\s*>", re.IGNORECASE | re.DOTALL)
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufdd0-\ufdef]")


def html_parser() -> Any:
    """The module's lxml HTMLParser: no network, no DTD, no entity expansion."""
    global _parser
    if _parser is None:
        from lxml import html as lhtml

        _parser = lhtml.HTMLParser(
            no_network=True,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            default_doctype=False,
            huge_tree=False,
            recover=True,
            encoding="utf-8",
        )
    return _parser


def prepare(html: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Type-check, truncate and clean an HTML string before parsing."""
    if not isinstance(html, str):
        raise HtmlError("HTML input must be str (decode bytes first)")
    if len(html) > limits.max_html_chars:
        html = html[:limits.max_html_chars]
    html = _XML_DECL_RE.sub("", html, count=1)
    if html.lstrip()[:9].upper() == "<!DOCTYPE" and "[" in html[:300]:
        # an internal DTD subset: HTML has none; drop it (never resolved anyway)
        html = _DOCTYPE_SUBSET_RE.sub("<!DOCTYPE html>", html[:100_000], count=1) + html[100_000:]
    html = _CTRL_RE.sub(" ", html)
    if not html.strip():
        raise HtmlError("empty HTML document")
    return html


def parse_html(html: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse (already prepared or not) HTML into an lxml ``HtmlElement`` root.

    Raises :class:`HtmlError` on empty/unparseable input. Deep nesting is flattened
    below ``limits.max_html_depth`` so no later tree walk can recurse out of control.
    """
    from lxml import etree
    from lxml import html as lhtml

    html = prepare(html, limits)
    try:
        root = lhtml.document_fromstring(
            html.encode("utf-8", "surrogatepass"), parser=html_parser()
        )
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise HtmlError(
            f"unparseable HTML: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    except UnicodeError:
        root = lhtml.document_fromstring(html.encode("utf-8", "replace"), parser=html_parser())
    if root is None:
        raise HtmlError("unparseable HTML")
    flatten_deep(root, limits.max_html_depth)
    return root


def flatten_deep(root: Any, limit: int) -> int:
    """Flatten every element nested deeper than ``limit`` into plain text of its
    ancestor at depth ``limit`` (iterative). Returns the number of flattened subtrees."""

    stack = [(root, 0)]
    cut = []
    while stack:
        el, d = stack.pop()
        if d >= limit:
            if len(el):
                cut.append(el)
            continue
        for child in el:
            if isinstance(child.tag, str):
                stack.append((child, d + 1))
    for el in cut:
        text = " ".join(t for t in el.itertext())
        for child in list(el):
            el.remove(child)
        el.text = text
    return len(cut)
