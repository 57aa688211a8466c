"""kt-clean: turn scraped news pages into clean articles, and show what was removed and why.

    >>> import kt_clean
    >>> art = kt_clean.extract("seeds/003_67df4e5bb0c6f5bf.txt")
    >>> art.title
    'US, North Korea in talks for 2nd Trump-Kim summit'
    >>> print(kt_clean.render(art, "json"))  # doctest: +ELLIPSIS
    {"source": "seeds/003_67df4e5bb0c6f5bf.txt", "layout": "full-nav", ...}
    <BLANKLINE>

The stages, each one call: :func:`read` -> :func:`detect` -> :func:`strip` ->
:func:`article` -> :func:`render`; :func:`extract` does read to article in one;
:func:`clean_record` is one page's article JSON as a ``dict``, for other engines. The
package map is in ``docs/algorithm.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .errors import (
    BatchError,
    HtmlError,
    InputError,
    KtCleanError,
    LayoutError,
    LearnError,
    PageTimeout,
)
from .fetch import fetch
from .inputs import from_text
from .layouts import Layout, builtin_layouts, load_layouts
from .limits import Limits
from .model import Article, Block, Document, Label, Removed
from .pipeline import article, detect, extract, read, strip
from .render import render
from .vocabulary import FORMATS, INPUT_FORMATS, UNKNOWN, Format, InputFormat

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence

    from .engines.record import clean_record
    from .inputs.warc import WebPage
    from .learning import Learned


def learn(pages: Sequence[str | Document], name: str, *, site: str = "",
          min_share: float = 0.5, timezone: str | None = None) -> Learned:
    """Learn a layout rule file from many pages of one site and one design (see
    :func:`kt_clean.learning.learn`); ``.toml`` of the result is the rule file."""
    from .learning import learn as _learn

    return _learn(pages, name, site=site, min_share=min_share, timezone=timezone)


def read_warc(path: str | os.PathLike[str], *, max_bytes: int = Limits().max_bytes
              ) -> Iterator[WebPage]:
    """The pages (HTML or text responses) of a WARC archive, one at a time: each a
    :class:`WebPage` (URL, status, headers, payload, archive and offset); ``extract(page)``
    cleans it, ``page.document()`` is its :class:`Document`."""
    from .inputs.warc import read_warc as _read_warc

    return _read_warc(path, max_bytes=max_bytes)


def __getattr__(name: str) -> object:
    # Why: a page's command never needs it; importing it with the package cost every
    # process's start-up (its modules load on first use, then stay)
    if name == "clean_record":
        from .engines.record import clean_record

        return clean_record
    if name == "Learned":  # its module loads only when learning
        from .learning import Learned

        return Learned
    if name == "WebPage":
        from .inputs.warc import WebPage

        return WebPage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FORMATS",
    "INPUT_FORMATS",
    "UNKNOWN",
    "Article",
    "BatchError",
    "Block",
    "Document",
    "Format",
    "HtmlError",
    "InputError",
    "InputFormat",
    "KtCleanError",
    "Label",
    "Layout",
    "LayoutError",
    "LearnError",
    "Learned",
    "Limits",
    "PageTimeout",
    "Removed",
    "WebPage",
    "__version__",
    "article",
    "builtin_layouts",
    "clean_record",
    "detect",
    "extract",
    "fetch",
    "from_text",
    "learn",
    "load_layouts",
    "read",
    "read_warc",
    "render",
    "strip",
]
