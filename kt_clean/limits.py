"""The bounds on one page's work, passed as one unit through every stage.

A page is read, decoded, parsed and cleaned within these limits; a page beyond one fails
with a one-line :class:`~kt_clean.errors.InputError` (or :class:`PageTimeout`) naming it,
and the other pages go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Inputs larger than this are refused (a saved news page is well under 1 MB); for a
#: gzipped input the bound holds for the compressed and the decompressed size.
MAX_BYTES_DEFAULT = 20 * 1024 * 1024
#: Pages with more lines than this are refused (a news page has a few thousand; a million
#: lines cost seconds and hundreds of megabytes in every stage).
MAX_LINES_DEFAULT = 1_000_000
#: HTML longer than this (characters) is refused, after dropping what carries no text
#: (scripts, styles, inline SVG, comments, data: URIs); it is never cut.
MAX_HTML_CHARS_DEFAULT = 5_000_000
#: HTML with more elements than this is refused (the largest of 1,497 real pages has 15,795;
#: a million elements cost tens of seconds to render and end over ``max_lines`` anyway).
MAX_HTML_ELEMENTS_DEFAULT = 500_000
#: HTML elements nested deeper than this are flattened (their text kept, their tags dropped).
MAX_HTML_DEPTH_DEFAULT = 180
#: The command line's per-page time limit, in seconds.
PAGE_TIMEOUT_DEFAULT = 30.0
#: The longest per-page time limit (a week): ``inf``, ``nan`` or ``1e300`` are no limits
#: a timer can be set to.
MAX_PAGE_TIMEOUT = 7 * 24 * 3600.0


def timeout_ok(seconds: float | None) -> bool:
    """Whether ``seconds`` is a usable per-page time limit (``None`` or ``0``: none)."""
    return seconds is None or (math.isfinite(seconds) and 0 <= seconds <= MAX_PAGE_TIMEOUT)


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one page's work.

    ``page_timeout`` is ``None`` by default in the library: a library does not install
    signal handlers in its host process unless asked. The command line and batch runs set
    it (``--timeout``); it needs the main thread on Unix (elsewhere pages run unbounded).

    ``fast`` (``--fast``): an HTML page's lines are labelled by the line model from their
    text and their elements alone, without running trafilatura or readability-lxml on
    the pages where the model would ask for their votes (about half the default path's
    time on WCXB-dev; see ``docs/performance.md``).
    """

    max_bytes: int = MAX_BYTES_DEFAULT
    page_timeout: float | None = None
    max_lines: int = MAX_LINES_DEFAULT
    max_html_chars: int = MAX_HTML_CHARS_DEFAULT
    max_html_depth: int = MAX_HTML_DEPTH_DEFAULT
    max_html_elements: int = MAX_HTML_ELEMENTS_DEFAULT
    fast: bool = False

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        if self.max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        if not timeout_ok(self.page_timeout):
            raise ValueError(f"page_timeout must be a number of seconds from 0 to "
                             f"{MAX_PAGE_TIMEOUT:g} (or None for no limit)")


#: The library's defaults.
DEFAULT_LIMITS = Limits()


def too_many_lines(text: str, limits: Limits) -> str | None:
    """Why ``text`` is refused for its number of lines, or ``None`` (counted without
    splitting it: a 20 MB page of newlines is never made into ten million strings)."""
    count = text.count("\n") + (not text.endswith("\n"))
    if count <= limits.max_lines:
        return None
    return f"page has {count:,} lines; the limit is {limits.max_lines:,}"


def size_text(size: int) -> str:
    """A size as an error message shows it: ``21.0 MB`` (decimal megabytes, as ``ls -h``
    does not), or in bytes below 0.1 MB, where one decimal of a megabyte says nothing."""
    if size < 100_000:
        return f"{size:,} bytes"
    return f"{size / 1_000_000:.1f} MB"


def size_texts(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` as :func:`size_text` shows them, or both in bytes when that
    would show them alike: one byte over 20 MiB is ``20,971,521 bytes`` against
    ``20,971,520 bytes``, never "21.0 MB; the limit is 21.0 MB"."""
    shown, limit_shown = size_text(size), size_text(limit)
    if shown == limit_shown and size != limit:
        return f"{size:,} bytes", f"{limit:,} bytes"
    return shown, limit_shown
