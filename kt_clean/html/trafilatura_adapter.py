"""trafilatura as kt-clean's first extractor: its XML body as ``(kind, text)`` blocks."""

from __future__ import annotations

import re
from typing import Any

_WS_RE = re.compile(r"\s+")


def _clean(s: str | None) -> str:
    return _WS_RE.sub(" ", s or "").strip()


def _tf_text(el: Any) -> str:
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


def tf_blocks(body: Any) -> list[tuple[str, str]]:
    """Convert trafilatura's XML body (p, head, list/item, table/row/cell, quote, code)
    into (kind, text) blocks, in order. Loose text (tails of top-level elements) becomes
    a paragraph."""
    blocks: list[tuple[str, str]] = []
    if body is None:
        return blocks

    def push_children(el: Any, depth: int) -> None:
        kids = [c for c in el if isinstance(c.tag, str)]
        for c in reversed(kids):
            if c.tail and c.tail.strip():
                stack.append(("#text", c.tail, depth))
            stack.append((c, None, depth))

    stack: list[tuple[Any, str | None, int]] = []
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


def run_trafilatura(root: Any, url: str | None = None, fast: bool = False) -> Any:
    """trafilatura's Document (or None). ``root`` is not modified (trafilatura copies it).

    Comments are extracted separately (include_comments=True) and left out of the body:
    that is the configuration measured in docs/quality-html.md. ``fast``: without
    trafilatura's own fallbacks (its readability and jusText passes), as the HTML line
    model reads its vote."""
    from trafilatura import bare_extraction

    try:
        return bare_extraction(
            root,
            url=url,
            include_comments=True,
            include_tables=True,
            include_images=False,
            include_formatting=False,
            include_links=False,
            output_format="xml",
            with_metadata=False,
            fast=fast,
        )
    except RecursionError:
        return None
