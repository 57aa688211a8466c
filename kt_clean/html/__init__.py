"""HTML input layer of kt-clean.

Public API (all lazy: importing this package does not import lxml, trafilatura,
readability or chardet, so text-dump users keep a fast start-up):

    looks_like_html(text)            -> bool
    decode_html(data, forced=None)   -> (text, encoding_name)
    render_html(html)                -> str   (w3m -dump style text rendering)
    extract_html(html, url=None)     -> HtmlArticle
    align_blocks(rendered_lines, blocks) -> list[bool]

Every function that parses HTML raises :class:`HtmlError` (a ``ValueError``) with a
one-line message when the input cannot be handled; callers turn it into a per-page
error. Empty or whitespace-only input raises ``HtmlError("empty HTML document")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._types import HtmlArticle

__all__ = [
    "MAX_HTML_CHARS",
    "HtmlArticle",
    "HtmlError",
    "align_blocks",
    "article_text",
    "decode_html",
    "extract_html",
    "looks_like_html",
    "parse_html",
    "render_html",
]

#: Inputs longer than this (characters) are truncated before parsing.
MAX_HTML_CHARS = 5_000_000


class HtmlError(ValueError):
    """One-line, user-facing error for a page that cannot be decoded or parsed."""


def __getattr__(name: str) -> object:
    # Why lazily: text pages import this package to sniff their input, and creating a
    # dataclass costs start-up time that only HTML pages need to pay.
    if name in ("HtmlArticle", "article_text"):
        from . import _types

        return getattr(_types, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def looks_like_html(text: str) -> bool:
    from ._sniff import looks_like_html as _f

    return _f(text)


def decode_html(data: bytes, forced: str | None = None) -> tuple[str, str]:
    from ._decode import decode_html as _f

    return _f(data, forced)


def parse_html(html: str):
    """The page parsed safely (no network, no entities, bounded depth): an lxml root that
    :func:`render_html` and :func:`extract_html` accept, so a page is parsed once."""
    from ._parse import parse_html as _f

    return _f(html)


def render_html(html, reveal: bool = False) -> str:
    """The page (HTML text, or a root from :func:`parse_html`) as text in the style of
    ``w3m -dump``. ``reveal`` also renders hidden elements and ``<noscript>`` content (for
    pages whose text a script would reveal)."""
    from ._render import render_html as _f

    return _f(html, reveal)


def extract_html(html: str, url: str | None = None, root=None) -> HtmlArticle:
    """Main text and metadata; ``root`` is the page from :func:`parse_html`, if parsed."""
    from ._extract import extract_html as _f

    return _f(html, url, root)


def align_blocks(rendered_lines: list[str], blocks: list[tuple[str, str]]) -> list[bool]:
    from ._align import align_blocks as _f

    return _f(rendered_lines, blocks)
