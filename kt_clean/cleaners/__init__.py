"""The cleaners for pages no layout claims; each has one signature,
``clean(doc, limits) -> Document``, and returns the document with one label per line.

- :mod:`.generic`: text dumps (the learned line classifier, with a rule-based fallback);
- :mod:`.html`: HTML pages (trafilatura / readability-lxml, aligned with the rendered lines).

Which cleaner a page gets is decided in one place, :func:`kt_clean.pipeline.strip`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..limits import Limits
from ..model import Document

#: What every cleaner is.
Cleaner = Callable[[Document, Limits], Document]
