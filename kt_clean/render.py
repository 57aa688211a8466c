"""Rendering an :class:`~kt_clean.model.Article` as text, JSON or Markdown."""

from __future__ import annotations

import json

from .model import Article
from .vocabulary import FORMATS, Format


def to_json(article: Article, explain: bool = False) -> str:
    """One JSON object on one line (NDJSON), keys in a fixed order (docs/formats.md)."""
    return json.dumps(article.to_dict(explain=explain), ensure_ascii=False)


def to_text(article: Article) -> str:
    """The title, the deck, then the body: blocks separated by one blank line."""
    parts = [p for p in (article.title, article.subtitle) if p]
    if article.body:
        parts.append(article.body)
    return "\n\n".join(parts) + "\n"


def _md_escape_heading(text: str) -> str:
    return text.replace("\n", " ").strip()


def to_markdown(article: Article) -> str:
    """``# title``, the deck, byline and dates, captions, ``##`` subheadings, paragraphs."""
    out: list[str] = []
    if article.title:
        out.append(f"# {_md_escape_heading(article.title)}")
    if article.subtitle:
        out.append(f"*{article.subtitle}*")
    meta = []
    if article.byline:
        meta.append(article.byline)
    elif article.authors:
        meta.append("By " + ", ".join(article.authors))
    if article.published:
        meta.append(f"Published {article.published}")
    if article.updated:
        meta.append(f"Updated {article.updated}")
    if meta:
        out.append(" · ".join(meta))
    for caption in article.captions:
        out.append(f"> {caption}")
    for block in article.blocks:
        if block.kind == "subheading":
            out.append(f"## {_md_escape_heading(block.text)}")
        elif block.kind == "item":
            out.append(f"- {block.text}")
        else:
            out.append(block.text)
    return "\n\n".join(out) + "\n"


def render(article: Article, fmt: Format = "text", explain: bool = False) -> str:
    """The article in ``fmt`` (``text``, ``json`` or ``markdown``), ending with a newline.

    ``explain`` (JSON only) adds ``removed``: every removed line with its reason and rule.
    """
    if fmt == "json":
        return to_json(article, explain) + "\n"
    if fmt == "markdown":
        return to_markdown(article)
    if fmt == "text":
        return to_text(article)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
