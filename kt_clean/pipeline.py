"""The pipeline as library calls: read -> detect -> strip -> emit, and ``extract`` for all.

Each CLI command is one of these calls; each stage takes and returns an immutable
:class:`~kt_clean.model.Document`, so stages chain in Python as they do in a shell pipe.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .article import build_article
from .layouts import Layout, builtin_layouts
from .layouts import detect as _detect
from .model import Article, Document
from .reading import load_bytes, read_path
from .render import render
from .stripping import strip as _strip


def read(path: str | os.PathLike[str], *, encoding: str | None = None,
         input_format: str = "auto") -> list[Document]:
    """The documents in a file: one for a page, one per record for an NDJSON file."""
    return read_path(path, encoding=encoding, input_format=input_format)


def from_text(text: str, source: str = "<string>") -> Document:
    """A document from a page's text (a text dump)."""
    return Document(source=source, text=text.replace("\r\n", "\n").replace("\r", "\n"))


def detect(doc: Document, layouts: Sequence[Layout] | None = None) -> Document:
    """Which layout the page is, with confidence and evidence (see ``docs/layouts.md``)."""
    return _detect(doc, layouts)


def strip(doc: Document, layouts: Sequence[Layout] | None = None) -> Document:
    """Every line labelled kept (role) or removed (reason, rule); detects first if needed."""
    return _strip(doc, layouts)


def article(doc: Document, layouts: Sequence[Layout] | None = None) -> Article:
    """The clean article of a page; detects and strips first if needed."""
    layouts = builtin_layouts() if layouts is None else layouts
    return build_article(_strip(doc, layouts), layouts)


def emit(doc: Document, fmt: str = "text", *, explain: bool = False,
         layouts: Sequence[Layout] | None = None) -> str:
    """The article rendered as ``text``, ``json`` (one line) or ``markdown``."""
    return render(article(doc, layouts), fmt, explain)


def extract(page: str | bytes | os.PathLike[str] | Document, fmt: str | None = None, *,
            source: str | None = None, encoding: str | None = None, explain: bool = False,
            layouts: Sequence[Layout] | None = None) -> Article | str:
    """Detect + strip + build the article of one page.

    ``page`` is a :class:`Document`, a path, the page's ``bytes`` or its ``str`` text.
    Returns the :class:`Article`, or its rendering when ``fmt`` is given.
    """
    if isinstance(page, Document):
        doc = page
    elif isinstance(page, bytes):
        doc = load_bytes(page, source or "<bytes>", encoding=encoding)[0]
    elif isinstance(page, str) and source is not None:
        doc = from_text(page, source)
    else:
        doc = read(page, encoding=encoding)[0]  # type: ignore[arg-type]
    result = article(doc, layouts)
    return result if fmt is None else render(result, fmt, explain)
