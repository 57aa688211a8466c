"""Render an lxml tree as a w3m-style text dump, or as (kind, text) blocks.

The walk uses ``lxml.etree.iterwalk`` (C, iterative), so arbitrarily deep trees never
recurse in Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..errors import HtmlError

_WS_RE = re.compile(r"\s+")
CELL_SEP = "\ufdd0"  # a noncharacter; _parse.prepare removes it from the input
_CELL_RE = re.compile(r"[\s\ufdd0]*\ufdd0[\s\ufdd0]*")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "meta",
        "link",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "select",
        "option",
        "datalist",
        "input",
        "textarea",
        "canvas",
        "audio",
        "video",
        "source",
        "track",
        "map",
        "area",
        "dialog",
    ]
)
# blocks separated from their neighbours by a blank line
PARA_TAGS = frozenset(
    [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "hr",
        "ul",
        "ol",
        "dl",
        "figure",
        "address",
    ]
)
# blocks that only force a line break
BREAK_TAGS = (
    frozenset(
        [
            "div",
            "article",
            "aside",
            "body",
            "center",
            "details",
            "fieldset",
            "figcaption",
            "footer",
            "form",
            "header",
            "hgroup",
            "legend",
            "main",
            "nav",
            "section",
            "summary",
            "dt",
            "dd",
            "caption",
            "tr",
            "li",
            "menu",
            "dir",
            "html",
        ]
    )
    | PARA_TAGS
)
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
BULLETS = ("•", "□", "☆", "○", "■", "★")
_LAYOUT_XPATH = (
    "boolean(.//p|.//div|.//ul|.//ol|.//table|.//h1|.//h2|.//h3|.//h4|.//blockquote|.//pre)"
)


def is_hidden(el: Any) -> bool:
    # the attribute names as one list, values read only for the names present: cheaper
    # than an ``attrib`` proxy per element (called for every element of every page)
    keys = el.keys()
    if not keys:
        return False
    if "hidden" in keys:
        return True
    if "style" in keys:
        style = el.get("style")
        if style and _HIDDEN_STYLE_RE.search(style):
            return True
    return bool(el.tag == "input" or ("type" in keys and el.get("type").lower() == "hidden"))


class _Writer:
    __slots__ = ("alen", "buf", "cont", "cur", "in_link", "kind", "kinds", "lines", "links",
                 "origin", "origins", "pending_blank", "pre", "prefix")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.kinds: list[str] = []
        #: per line, the element whose text started it (None for a blank line), and the
        #: share of its characters inside links (the HTML line model's DOM features)
        self.origins: list[Any] = []
        self.links: list[float] = []
        self.buf: list[str] = []
        self.pending_blank = False
        self.prefix = ""  # prefix of the next line (list bullet)
        self.cont = ""  # prefix of continuation lines inside a list item
        self.kind = "p"
        self.pre = 0
        self.cur: Any = None  # the element whose text the walk appends now
        self.origin: Any = None  # the element of the buffer's first text
        self.in_link = 0  # open <a> elements
        self.alen = 0  # characters of the buffer's text inside links

    def text(self, t: str) -> None:
        """Append an element's text or tail (``self.cur`` the element it belongs to)."""
        if self.origin is None:
            self.origin = self.cur
        if self.in_link:
            self.alen += len(t)
        self.buf.append(t)

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        self.buf = []
        origin, alen = self.origin, self.alen
        self.origin, self.alen = None, 0
        if self.pre:
            parts = [
                ln.rstrip() for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            ]
            while parts and not parts[0].strip():
                parts.pop(0)
            while parts and not parts[-1].strip():
                parts.pop()
            if not parts:
                return
            text_lines = parts
        else:
            text = _WS_RE.sub(" ", raw).strip()
            if CELL_SEP in text:
                text = _CELL_RE.sub("  ", text).strip(CELL_SEP + " ").strip()
            if not text:
                return
            text_lines = [text]
        if self.pending_blank and self.lines and self.lines[-1] != "":
            self.lines.append("")
            self.kinds.append("")
            self.origins.append(None)
            self.links.append(0.0)
        self.pending_blank = False
        link = min(1.0, alen / len(raw))
        for i, t in enumerate(text_lines):
            self.lines.append((self.prefix if i == 0 else self.cont) + t)
            self.kinds.append(self.kind if i == 0 or self.kind != "li" else "li+")
            self.origins.append(origin)
            self.links.append(link)
        self.prefix = self.cont

    def newline(self) -> None:
        self.flush()

    def blank(self) -> None:
        self.flush()
        self.pending_blank = True


#: tags with a branch of their own in ``_walk`` (besides the skipped, paragraph and break tags)
_OWN_TAGS = frozenset(["br", "img", "td", "th", "tr", "ul", "ol", "menu", "dir", "li", "hr",
                       "pre"])
_LAYOUT_XPATH_COMPILED: Any = None


def _layout_xpath() -> Any:
    """``_LAYOUT_XPATH`` compiled once (``el.xpath(...)`` compiles it at every table row)."""
    global _LAYOUT_XPATH_COMPILED
    if _LAYOUT_XPATH_COMPILED is None:
        from lxml import etree

        _LAYOUT_XPATH_COMPILED = etree.XPath(_LAYOUT_XPATH)
    return _LAYOUT_XPATH_COMPILED


def _never_hidden(el: Any) -> bool:
    return False


def _walk(root: Any, reveal: bool = False) -> _Writer:
    """Walk the tree into lines. ``reveal`` also renders what a script would reveal:
    hidden elements and ``<noscript>`` content, as w3m (which runs no script) shows them."""
    from lxml import etree

    skip_tags = SKIP_TAGS - {"noscript"} if reveal else SKIP_TAGS
    hidden = _never_hidden if reveal else is_hidden

    w = _Writer()
    lists: list[list[Any]] = []  # [tag, counter, width]
    cell_mode: list[bool] = []  # per open <tr>: True = data row (one line)
    kinds_stack: list[str] = []
    # the elements skipped as hidden at their start: their end event needs the answer too
    # (a set lookup instead of reading their attributes again)
    skipped: set[Any] = set()
    layout_xpath = _layout_xpath()
    # the tags the branches below treat apart; any other is inline
    special = skip_tags | BREAK_TAGS | _OWN_TAGS
    stack: list[Any] = []  # the open elements (the end event fires for skipped ones too)
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            if event == "end" and el.tail:
                w.cur = stack[-1] if stack else None
                w.text(el.tail)
            continue
        tag = tag.lower() if tag.isascii() else tag
        if tag not in special:
            # an inline element (span, a, b, ...), most of a page: its text, then its
            # children, then its tail (what the branches below do for it, without them)
            # (each text is recorded with its element, and the text inside links counted)
            if event == "start":
                stack.append(el)
                w.cur = el
                if hidden(el):
                    skipped.add(el)
                    walker.skip_subtree()
                    continue
                if tag == "a":
                    w.in_link += 1
                if el.text:
                    w.text(el.text)
                continue
            stack.pop()
            w.cur = stack[-1] if stack else None
            if tag == "a" and w.in_link and el not in skipped:
                w.in_link -= 1
            if el.tail:
                w.text(el.tail)
            continue
        in_row = bool(cell_mode) and cell_mode[-1]
        if event == "start":
            stack.append(el)
            w.cur = el
            if tag in skip_tags or hidden(el):
                if tag not in skip_tags:
                    skipped.add(el)
                walker.skip_subtree()
                # the 'end' event still fires for skipped elements in lxml>=4.
                continue
            if tag == "br":
                if in_row:
                    w.buf.append(" ")
                else:
                    w.newline()
                continue
            if tag == "img":
                alt = el.get("alt")
                if alt and alt.strip():
                    w.text(" " + alt.strip() + " ")
                continue
            if tag in ("td", "th"):
                if in_row:
                    w.buf.append(CELL_SEP)
                else:
                    w.newline()
                if el.text:
                    w.text(el.text)
                continue
            if in_row and tag in BREAK_TAGS and tag != "tr":
                w.buf.append(" ")
                if el.text:
                    w.text(el.text)
                continue
            if tag == "tr":
                w.newline()
                cell_mode.append(not layout_xpath(el))
                w.kind = "tr" if cell_mode[-1] else "p"
                if el.text:
                    w.text(el.text)
                continue
            if tag in ("ul", "ol", "menu", "dir"):
                if lists:
                    w.newline()
                else:
                    w.blank()
                width = 1
                if tag == "ol":
                    width = len(str(sum(1 for c in el if c.tag == "li")))
                lists.append([tag, 0, width])
                if el.text:
                    w.text(el.text)
                continue
            if tag == "li":
                w.newline()
                d = max(1, len(lists))
                if lists and lists[-1][0] == "ol":
                    lists[-1][1] += 1
                    num = f"{lists[-1][1]:>{lists[-1][2]}}. "
                    w.prefix = " " * (4 * d) + num
                    w.cont = " " * (4 * d + len(num))
                else:
                    w.prefix = " " * (2 + 4 * (d - 1)) + BULLETS[min(d, len(BULLETS)) - 1] + " "
                    w.cont = " " * len(w.prefix)
                kinds_stack.append(w.kind)
                w.kind = "li"
                if el.text:
                    w.text(el.text)
                continue
            if tag == "hr":
                w.blank()
                w.text("━" * 40)
                w.blank()
                continue
            if tag == "pre":
                w.blank()
                w.pre += 1
                kinds_stack.append(w.kind)
                w.kind = "pre"
                if el.text:
                    w.text(el.text)
                continue
            if tag in PARA_TAGS:
                w.blank()
                if tag in HEADINGS:
                    kinds_stack.append(w.kind)
                    w.kind = "h"
                elif tag == "blockquote":
                    kinds_stack.append(w.kind)
                    w.kind = "quote"
                elif tag == "p" and w.kind not in ("li", "quote"):
                    kinds_stack.append(w.kind)
                    w.kind = "p"
                else:
                    kinds_stack.append(w.kind)
            elif tag in BREAK_TAGS:
                w.newline()
            if el.text:
                w.text(el.text)
            continue
        # end event: the tail is the parent's text
        stack.pop()
        w.cur = stack[-1] if stack else None
        if (
            tag in skip_tags
            or tag in ("br", "img", "hr")
            or (el in skipped and tag not in BREAK_TAGS)
        ):
            if el.tail and not (tag in skip_tags and tag in ("head", "title")):
                w.text(el.tail)
            continue
        if el in skipped:
            if el.tail:
                w.text(el.tail)
            continue
        if tag in ("td", "th"):
            if not in_row:
                w.newline()
        elif tag == "tr":
            w.newline()
            if cell_mode:
                cell_mode.pop()
            w.kind = "p"
        elif in_row and tag in BREAK_TAGS:
            w.buf.append(" ")
        elif tag in ("ul", "ol", "menu", "dir"):
            w.newline()
            if lists:
                lists.pop()
            if not lists:
                w.prefix = w.cont = ""
                w.pending_blank = True
            else:
                w.prefix = w.cont = " " * (2 + 4 * (len(lists) - 1) + 2)
        elif tag == "li":
            w.newline()
            w.kind = kinds_stack.pop() if kinds_stack else "p"
            if lists:
                w.prefix = w.cont = " " * (2 + 4 * (len(lists) - 1) + 2) if len(lists) > 0 else ""
        elif tag == "pre":
            w.flush()
            w.pre = max(0, w.pre - 1)
            w.kind = kinds_stack.pop() if kinds_stack else "p"
            w.pending_blank = True
        elif tag in PARA_TAGS:
            w.blank()
            if kinds_stack:
                w.kind = kinds_stack.pop()
        elif tag in BREAK_TAGS:
            w.newline()
        if el.tail:
            w.text(el.tail)
    w.flush()
    return w


class Rendering(NamedTuple):
    """A page as rendered: its lines (as :func:`render_tree` prints them, without the final
    newline) and, per line, the block kind (``p``, ``h``, ``li``, ``li+``, ``tr``, ``pre``,
    ``quote``; ``""`` for a blank line), the element whose text starts it (``None`` for a
    blank line) and the share of its characters inside links."""

    lines: list[str]
    kinds: list[str]
    origins: list[Any]
    links: list[float]

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")


def render_page(root: Any, reveal: bool = False) -> Rendering:
    """The tree rendered, with each line's element (see :class:`Rendering`)."""
    w = _walk(root, reveal)
    lines = w.lines
    while lines and lines[-1] == "":
        lines.pop()
    n = len(lines)
    return Rendering(lines, w.kinds[:n], w.origins[:n], w.links[:n])


def matching_rendering(root: Any, lines: Sequence[str]) -> Rendering | None:
    """The rendering of ``root`` whose lines are ``lines`` (hidden parts left out, then
    revealed), or None: a record read back from NDJSON carries its text, not its rendering,
    and a page whose text is not this HTML's rendering has none."""
    want = tuple(lines)
    for reveal in (False, True):
        r = render_page(root, reveal)
        if tuple(r.lines) == want:
            return r
    return None


def render_tree(root: Any, reveal: bool = False) -> str:
    return render_page(root, reveal).text


def tree_blocks(root: Any) -> list[tuple[str, str]]:
    """(kind, text) blocks of a tree, one per rendered line (list continuation lines
    are merged into their item)."""
    w = _walk(root)
    out: list[tuple[str, str]] = []
    for line, kind in zip(w.lines, w.kinds):
        if not kind:
            continue
        text = line.strip()
        if kind == "li":
            text = text.split(" ", 1)[1] if " " in text else text
            out.append(("li", text.strip()))
        elif kind == "li+":
            if out and out[-1][0] == "li":
                out[-1] = ("li", out[-1][1] + "\n" + text)
            else:
                out.append(("li", text))
        else:
            out.append((kind, text))
    return [(k, t) for k, t in out if t]


def render_html(html: Any, reveal: bool = False) -> str:
    """Render HTML text, or a tree from :func:`parse_html` (not modified)."""
    from .parse import parse_html

    root = parse_html(html) if isinstance(html, str) else html
    try:
        return render_tree(root, reveal)
    except HtmlError:
        raise
    except Exception as exc:  # pragma: no cover - defensive
        raise HtmlError(f"cannot render HTML: {type(exc).__name__}: {str(exc)[:100]}") from None
