"""The result type of :func:`kt_clean.html.extract_html`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HtmlArticle:
    """Result of :func:`extract_html`.

    ``blocks`` is the body in reading order as ``(kind, text)`` pairs; kinds are
    ``"p"`` paragraph, ``"h"`` heading, ``"li"`` list item, ``"pre"`` preformatted/code,
    ``"quote"`` block quote, ``"tr"`` table row (cells joined by `` | ``).
    Dates are ISO 8601 strings as found in the page (offset kept when present).
    """

    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    #: the declared authors are the site or an organisation (a person's byline on the page
    #: names the author better)
    authors_publisher: bool = False
    published: str | None = None
    updated: str | None = None
    site_name: str | None = None
    section: str | None = None
    categories: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    description: str | None = None
    language: str | None = None
    url: str | None = None
    #: where each field was found (``"title": "h1"``, ``"published": "json-ld:datePublished"``)
    sources: dict[str, str] = field(default_factory=dict)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    method: str = "none"

    @property
    def text(self) -> str:
        """Body text, one block a paragraph (blank line between blocks)."""
        return article_text(self.blocks)


def article_text(blocks: list[tuple[str, str]]) -> str:
    """Join body blocks into plain text (list items prefixed with "• ")."""
    out = []
    for kind, text in blocks:
        out.append("• " + text if kind == "li" else text)
    return "\n\n".join(out)
