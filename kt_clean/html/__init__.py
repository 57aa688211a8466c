"""HTML input layer of kt-clean.

- :mod:`.sniff`: is this text HTML? (stdlib only)
- :mod:`.parse`: safe, bounded parsing with lxml (no network, no entities, bounded depth)
- :mod:`.render`: a tree as text in the style of ``w3m -dump``, or as ``(kind, text)`` blocks
- :mod:`.align`: which rendered lines an extractor's blocks kept
- :mod:`.trafilatura_adapter`, :mod:`.readability_adapter`: the two extractors
- :mod:`.metadata`: title, authors, dates, ... from JSON-LD and ``<meta>`` tags
- :mod:`.extract`: the choice between the extractors, and the result (:mod:`.result`)

The functions below are the package's face; each imports its module on first use, so that
importing this package costs nothing (text pages import it only to sniff their input).
Every function that parses HTML raises :class:`~kt_clean.errors.HtmlError` with a one-line
message when the input cannot be handled; callers turn it into a per-page error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from .result import HtmlArticle

__all__ = [
    "align_blocks",
    "extract_html",
    "looks_like_html",
    "parse_html",
    "render_html",
]


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is (very probably) an HTML document or fragment."""
    from .sniff import looks_like_html as _f

    return _f(text)


def parse_html(html: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The page parsed safely (no network, no entities, bounded depth): an lxml root that
    :func:`render_html` and :func:`extract_html` accept, so a page is parsed once."""
    from .parse import parse_html as _f

    return _f(html, limits)


def render_html(html: Any, reveal: bool = False) -> str:
    """The page (HTML text, or a root from :func:`parse_html`) as text in the style of
    ``w3m -dump``. ``reveal`` also renders hidden elements and ``<noscript>`` content (for
    pages whose text a script would reveal)."""
    from .render import render_html as _f

    return _f(html, reveal)


def extract_html(html: str, url: str | None = None, root: Any = None,
                 fallbacks: bool = True) -> HtmlArticle:
    """Main text and metadata; ``root`` is the page from :func:`parse_html`, if parsed;
    without ``fallbacks``, the costly last resorts for authors and dates are not tried."""
    from .extract import extract_html as _f

    return _f(html, url, root, fallbacks)


def align_blocks(rendered_lines: list[str], blocks: list[tuple[str, str]]) -> list[bool]:
    """For each rendered line, whether it belongs to the extracted blocks."""
    from .align import align_blocks as _f

    return _f(rendered_lines, blocks)
