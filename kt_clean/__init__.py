"""kt-clean: turn scraped news pages into clean articles, and show what was removed and why.

    >>> import kt_clean
    >>> art = kt_clean.extract("seeds/003_67df4e5bb0c6f5bf.txt")
    >>> art.title
    'US, North Korea in talks for 2nd Trump-Kim summit'
"""

from ._version import __version__
from .errors import InputError, KtCleanError, LayoutError
from .layouts import Layout, builtin_layouts, load_layouts
from .model import UNKNOWN, Article, Block, Document, Label, Removed
from .pipeline import article, detect, emit, extract, from_text, read, strip
from .render import render

__all__ = [
    "UNKNOWN",
    "Article",
    "Block",
    "Document",
    "InputError",
    "KtCleanError",
    "Label",
    "Layout",
    "LayoutError",
    "Removed",
    "__version__",
    "article",
    "builtin_layouts",
    "detect",
    "emit",
    "extract",
    "from_text",
    "load_layouts",
    "read",
    "render",
    "strip",
]
