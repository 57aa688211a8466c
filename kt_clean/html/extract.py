"""Main text and metadata of an HTML page: trafilatura first, readability-lxml as a second
opinion, and the rule that chooses between them (tuned and measured in
``docs/quality-html.md``)."""

from __future__ import annotations

import re
from typing import Any

from ..errors import HtmlError
from .result import HtmlArticle

_WS_RE = re.compile(r"\s+")
_TOKEN_RE = re.compile(r"\w+")

Blocks = list[tuple[str, str]]


def _clean(s: str | None) -> str:
    return _WS_RE.sub(" ", s or "").strip()


def _ntok(blocks: Blocks) -> int:
    return sum(len(_TOKEN_RE.findall(t)) for _, t in blocks)


def _shingles(blocks: Blocks, n: int = 4) -> set[tuple[str, ...]]:
    toks = _TOKEN_RE.findall(" ".join(t for _, t in blocks))
    return {tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1))} if toks else set()


#: decision rule parameters, tuned on the "tune" half of WCXB-dev (docs/quality-html.md)
RD_GATE_TOKENS = 600  # readability is consulted only when trafilatura found fewer tokens
RD_RATIO = 1.2  # ... and wins when it finds > 1.2x as many tokens
RD_CONTAINMENT = 0.2  # ... and covers >= 20% of trafilatura's 4-gram shingles


def needs_second_opinion(tf: Blocks) -> bool:
    return _ntok(tf) < RD_GATE_TOKENS


def choose(tf: Blocks, rd: Blocks | None) -> tuple[Blocks, str]:
    """Decision rule between trafilatura's and readability's blocks.

    trafilatura (full mode, with its own fallbacks) is the default. readability-lxml
    replaces it when trafilatura returned nothing, or when trafilatura's body is short
    (< RD_GATE_TOKENS tokens), readability's is more than RD_RATIO times longer and it
    contains at least RD_CONTAINMENT of trafilatura's shingles (i.e. readability found
    the same text plus more, not a different part of the page)."""
    nt = _ntok(tf)
    nr = _ntok(rd) if rd else 0
    if nt == 0 and nr == 0:
        return [], "none"
    if nt == 0 and rd:
        return rd, "readability"
    if nr == 0 or nt >= RD_GATE_TOKENS:
        return tf, "trafilatura"
    if nr > RD_RATIO * nt:
        st = _shingles(tf)
        if rd and st and len(st & _shingles(rd)) >= RD_CONTAINMENT * len(st):
            return rd, "readability"
    return tf, "trafilatura"


def drop_title_block(blocks: Blocks, title: str | None) -> Blocks:
    """Drop a leading heading/paragraph that just repeats the title (the title is metadata)."""
    if (
        blocks
        and title
        and blocks[0][0] in ("h", "p")
        and _clean(blocks[0][1]).casefold() == _clean(title).casefold()
    ):
        return blocks[1:]
    return blocks


def extract_html(html: str, url: str | None = None, root: Any = None,
                 fallbacks: bool = True) -> HtmlArticle:
    """Main content + metadata of an HTML page (see the module's doc). Raises
    :class:`HtmlError` on unusable input. ``root`` is the page already parsed by
    :func:`~kt_clean.html.parse.parse_html` (it is not modified), to parse once.
    ``fallbacks`` as for :func:`~kt_clean.html.metadata.extract_metadata`."""
    from .metadata import extract_metadata
    from .parse import parse_html, prepare
    from .readability_adapter import run_readability
    from .trafilatura_adapter import run_trafilatura, tf_blocks

    if root is None:
        root = parse_html(prepare(html))
    try:
        doc = run_trafilatura(root, url)
        tf = tf_blocks(doc.body) if doc is not None else []
        rd = run_readability(root, url) if needs_second_opinion(tf) else None
        blocks, method = choose(tf, rd)
        md = extract_metadata(root, url, fallbacks)
        blocks = drop_title_block(blocks, md["title"])
    except HtmlError:
        raise
    except RecursionError:
        raise HtmlError("HTML too deeply nested") from None
    except MemoryError:
        raise HtmlError("HTML too large") from None
    except Exception as exc:
        raise HtmlError(f"extraction failed: {type(exc).__name__}: {str(exc)[:120]}") from None
    return HtmlArticle(blocks=blocks, method=method, **md)
