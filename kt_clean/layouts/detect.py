"""Detection: which layout a page is, with a confidence and the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model import Document
from ..vocabulary import UNKNOWN
from .builtin import builtin_layouts
from .matching import PageIndex, page_index
from .schema import Layout, Signature


class Detection(NamedTuple):
    layout: str
    confidence: float
    evidence: tuple[str, ...]


def score_layout(layout: Layout, index: PageIndex, url: str | None = None
                 ) -> Detection | None:
    """How well ``layout`` fits the page, or ``None`` when it does not: a rejection matched,
    none of the ``require_any`` signatures matched, or the score is below the threshold.

    The ``require_any`` signatures are checked first: with many layouts, most do not fit a
    given page, and a layout whose required proof is missing needs no other scan. Then the
    others, stopping as soon as the threshold is out of reach; rejections last: only a page
    the layout would claim needs them. The evidence lists the matches in the file's order.

    Signatures on the page's address (``url = ...``) take part only when ``url`` is given:
    without it they count neither for the score nor for the total the confidence is a share
    of, so that a page's confidence without a URL is what it was before URL hints existed.
    """
    max_score, required, order, on_url = _plan(layout, url is not None)
    if layout.require_any and not required:
        return None  # the only proof the layout accepts is an address, and none is known
    signatures = layout.signatures
    hit = [False] * len(signatures)
    score, remaining = 0.0, max_score

    count = index.count
    if on_url:
        def count(sig: Signature) -> int:
            if sig.on_url:
                return int(url is not None and sig.regex.search(url) is not None)
            return index.count(sig)

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
    if score < layout.threshold or not max_score:
        return None
    for rej in layout.rejects:
        if (url is not None or not rej.on_url) and count(rej) >= rej.min_count:
            return None
    return Detection(layout.name, round(score / max_score, 3),
                     tuple(sig.id for sig, h in zip(signatures, hit) if h))


_Plan = tuple[float, int, tuple[int, ...], bool]
_PLANS: dict[tuple[int, bool], tuple[Layout, _Plan]] = {}


def _plan(layout: Layout, with_url: bool) -> _Plan:
    """The total weight of the signatures that take part, how many ``require_any``
    signatures among them, the order to check them in (those first), and whether the layout
    has address signatures or rejections at all; worked out once per layout (and per
    whether the page's address is known)."""
    key = (id(layout), with_url)
    found = _PLANS.get(key)
    if found is None or found[0] is not layout:
        sigs = layout.signatures
        used = [k for k, sig in enumerate(sigs) if with_url or not sig.on_url]
        required = tuple(k for k in used if sigs[k].id in layout.require_any)
        rest = tuple(k for k in used if k not in required)
        on_url = any(s.on_url for s in sigs) or any(s.on_url for s in layout.rejects)
        found = _PLANS[key] = (layout, (sum(sigs[k].weight for k in used), len(required),
                                        required + rest, on_url))
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
        found = score_layout(layout, index, doc.url)
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

