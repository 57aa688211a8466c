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

    Rejections are checked last: only a page the layout would claim needs them.
    """
    matched = []
    score, remaining = 0.0, layout.max_score
    for sig in layout.signatures:
        remaining -= sig.weight
        if index.count(sig) >= sig.min_count:
            matched.append(sig)
            score += sig.weight
        elif score + remaining < layout.threshold:
            return None  # the threshold is out of reach: no need to scan the rest
    ids = {s.id for s in matched}
    if layout.require_any and not ids.intersection(layout.require_any):
        return None
    if score < layout.threshold:
        return None
    for rej in layout.rejects:
        if index.count(rej) >= rej.min_count:
            return None
    return Detection(layout.name, round(score / layout.max_score, 3),
                     tuple(s.id for s in matched))


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

