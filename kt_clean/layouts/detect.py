"""Detection: which layout a page is, with a confidence and the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model import Document
from ..vocabulary import UNKNOWN
from .builtin import builtin_layouts
from .matching import PageIndex, page_index
from .schema import Layout


class Detection(NamedTuple):
    layout: str
    confidence: float
    evidence: tuple[str, ...]


def score_layout(layout: Layout, index: PageIndex) -> Detection | None:
    """How well ``layout`` fits the page, or ``None`` when it does not: a rejection matched,
    none of the ``require_any`` signatures matched, or the score is below the threshold.

    The ``require_any`` signatures are checked first: with many layouts, most do not fit a
    given page, and a layout whose required proof is missing needs no other scan. Then the
    others, stopping as soon as the threshold is out of reach; rejections last: only a page
    the layout would claim needs them. The evidence lists the matches in the file's order.
    """
    max_score, required, order = _plan(layout)
    signatures = layout.signatures
    hit = [False] * len(signatures)
    score, remaining = 0.0, max_score
    count = index.count
    for position, k in enumerate(order):
        sig = signatures[k]
        remaining -= sig.weight
        if count(sig) >= sig.min_count:
            hit[k] = True
            score += sig.weight
        elif position >= required and score + remaining < layout.threshold:
            return None  # the threshold is out of reach: no need to scan the rest
        if position + 1 == required and not any(hit):
            return None  # no required proof on the page
    if score < layout.threshold:
        return None
    for rej in layout.rejects:
        if count(rej) >= rej.min_count:
            return None
    return Detection(layout.name, round(score / max_score, 3),
                     tuple(sig.id for sig, h in zip(signatures, hit) if h))


_PLANS: dict[int, tuple[Layout, tuple[float, int, tuple[int, ...]]]] = {}


def _plan(layout: Layout) -> tuple[float, int, tuple[int, ...]]:
    """The layout's total weight, how many ``require_any`` signatures it has, and the order
    to check its signatures in (those first); worked out once per layout."""
    found = _PLANS.get(id(layout))
    if found is None or found[0] is not layout:
        sigs = layout.signatures
        required = tuple(k for k, sig in enumerate(sigs) if sig.id in layout.require_any)
        rest = tuple(k for k in range(len(sigs)) if k not in required)
        found = _PLANS[id(layout)] = (layout, (layout.max_score, len(required),
                                               required + rest))
    return found[1]


def detect(doc: Document, layouts: Sequence[Layout] | None = None) -> Document:
    """The document with ``layout``, ``confidence`` and ``evidence`` filled in.

    Each layout scores the page by the weights of the signatures that matched; the layout
    with the highest share of its total weight wins if it reaches its threshold and none of
    its rejections matched. Otherwise the layout is ``unknown``.
    """
    layouts = builtin_layouts() if layouts is None else layouts
    index = page_index(doc)
    best: Detection | None = None
    for layout in layouts:
        found = score_layout(layout, index)
        if found and (best is None or found.confidence > best.confidence):
            best = found
    if best is None:
        return doc.replace(layout=UNKNOWN, confidence=0.0, evidence=(), labels=None, fields={},
                           page_type="article")
    page_type = next(lay.page_type for lay in layouts if lay.name == best.layout)
    return doc.replace(layout=best.layout, confidence=best.confidence, evidence=best.evidence,
                       labels=None, fields={}, page_type=page_type)


def layout_named(name: str, layouts: Sequence[Layout] | None = None) -> Layout | None:
    for layout in builtin_layouts() if layouts is None else layouts:
        if layout.name == name:
            return layout
    return None

