"""readability-lxml as kt-clean's second opinion, run on the already parsed tree."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from ..errors import HtmlError

_RD_DROP = ("script", "style", "link", "noscript", "template", "iframe", "object", "embed", "svg")


def _readability_class() -> Any:
    from readability import Document

    class TreeDocument(Document):  # type: ignore[misc]  # readability is untyped
        """readability-lxml on an already parsed tree.

        readability re-parses the page string and runs lxml's Cleaner (whose link
        rewriting is a third of its time) on every attempt; here each attempt gets a
        fresh copy of a tree that was cleaned once the cheap way (scripts, styles,
        links, hidden elements dropped) -- the same text-relevant cleaning."""

        def __init__(self, root: Any, url: str | None = None) -> None:
            super().__init__("", url=url)
            self._pristine = root

        def _parse(self, input: Any) -> Any:
            return deepcopy(self._pristine)

    return TreeDocument


def _rd_clean(root: Any) -> Any:
    """A cleaned copy of ``root`` for readability."""
    from .render import is_hidden

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


def run_readability(html_or_root: Any, url: str | None = None) -> list[tuple[str, str]]:
    """readability-lxml's main content as (kind, text) blocks ([] when it fails)."""
    from .parse import parse_html
    from .render import tree_blocks

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


