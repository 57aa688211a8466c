"""Detection: which layout a page is, with a confidence and the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model import Document
from ..vocabulary import UNKNOWN
from .builtin import builtin_layouts
from .matching import PageIndex, page_index
from .patterns import FACTS
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
    given page, and a layout whose required proof is missing needs no other scan (a screen
    of their literals answers most pages without a regex). Then the rejections, then the
    other signatures, stopping as soon as the threshold is out of reach (a layout without
    required signatures checks its rejections last). The evidence lists the matches in the
    file's order.

    Signatures on the page's address (``url = ...``) take part only when ``url`` is given:
    without it they count neither for the score nor for the total the confidence is a share
    of, so that a page's confidence without a URL is what it was before URL hints existed.
    """
    plan = _plan(layout, url is not None)
    screen = plan[4]
    if screen is not None and not index.has_any(screen):
        return None  # no required signature's literal is on the page (within its window)
    return _score(layout, plan, index, url)


def _score(layout: Layout, plan: _Plan, index: PageIndex, url: str | None) -> Detection | None:
    """:func:`score_layout` past the layout's screen."""
    max_score, required, order, on_url, _ = plan
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

    def rejected() -> bool:
        return any((url is not None or not rej.on_url) and count(rej) >= rej.min_count
                   for rej in layout.rejects)

    for position, k in enumerate(order):
        sig = signatures[k]
        remaining -= sig.weight
        if count(sig) >= sig.min_count:
            hit[k] = True
            score += sig.weight
        elif position >= required and score + remaining < layout.threshold:
            return None  # the threshold is out of reach: no need to scan the rest
        if position + 1 == required:
            if not any(hit):
                return None  # no required proof on the page
            # Rejections next, before the other signatures: a look-alike design of the same
            # site has the proof but also a line that rules it out, often cheap to find.
            if rejected():
                return None
    if score < layout.threshold or not max_score:
        return None
    if not required and rejected():
        return None
    return Detection(layout.name, round(score / max_score, 3),
                     tuple(sig.id for sig, h in zip(signatures, hit) if h))


_Screen = tuple[tuple[tuple[str, ...], int | None], ...]
_Plan = tuple[float, int, tuple[int, ...], bool, _Screen | None]
_PLANS: dict[tuple[int, bool], tuple[Layout, _Plan]] = {}


def _plan(layout: Layout, with_url: bool) -> _Plan:
    """The total weight of the signatures that take part, how many ``require_any``
    signatures among them, the order to check them in (those first), whether the layout has
    address signatures or rejections at all, and its screen: the literals (and windows) of
    its required signatures on the page, of which one must be on a page the layout fits
    (``None`` when a required signature has no literal to look for); worked out once per
    layout (and per whether the page's address is known)."""
    key = (id(layout), with_url)
    found = _PLANS.get(key)
    if found is None or found[0] is not layout:
        sigs = layout.signatures
        used = [k for k, sig in enumerate(sigs) if with_url or not sig.on_url]
        required = tuple(k for k in used if sigs[k].id in layout.require_any)
        rest = tuple(k for k in used if k not in required)
        on_url = any(s.on_url for s in sigs) or any(s.on_url for s in layout.rejects)
        screen: _Screen | None = tuple(
            (FACTS.required_of(sigs[k].regex), sigs[k].within) for k in required)
        if not screen or any(sigs[k].on_url for k in required) or not all(
                lits for lits, _ in screen):
            screen = None
        found = _PLANS[key] = (layout, (sum(sigs[k].weight for k in used), len(required),
                                        required + rest, on_url, screen))
    return found[1]


_LAYOUT_PLANS: dict[tuple[int, bool], tuple[Sequence[Layout], list[tuple[Layout, _Plan]]]] = {}


def _plans(layouts: Sequence[Layout], with_url: bool) -> list[tuple[Layout, _Plan]]:
    """Each layout with its plan (see :func:`_plan`), worked out once per set of layouts."""
    key = (id(layouts), with_url)
    found = _LAYOUT_PLANS.get(key)
    if found is None or found[0] is not layouts:
        pairs = [(layout, _plan(layout, with_url)) for layout in layouts]
        if len(_LAYOUT_PLANS) > 64:  # users' own sets of layouts, made per call: keep a few
            _LAYOUT_PLANS.clear()
        found = _LAYOUT_PLANS[key] = (layouts, pairs)
    return found[1]


def detect(doc: Document, layouts: Sequence[Layout] | None = None) -> Document:
    """The document with ``layout``, ``confidence`` and ``evidence`` filled in.

    Each layout scores the page by the weights of the signatures that matched; the layout
    with the highest share of its total weight wins if it reaches its threshold and none of
    its rejections matched. Otherwise the layout is ``unknown``.
    """
    layouts = builtin_layouts() if layouts is None else layouts
    index = page_index(doc)
    url = doc.url
    best: Detection | None = None
    best_layout: Layout | None = None
    has_any = index.has_any
    for layout, plan in _plans(layouts, url is not None):
        # the screen first, here: most layouts do not fit a page, and most are told so by
        # a literal search in a few lines, cheaper than the call that would find it out
        if plan[4] is not None and not has_any(plan[4]):
            continue
        found = _score(layout, plan, index, url)
        if found and (best is None or found.confidence > best.confidence):
            best, best_layout = found, layout
    if best is None or best_layout is None:
        return doc.replace(layout=UNKNOWN, confidence=0.0, evidence=(), labels=None, fields={},
                           page_type="article")
    page_type = best_layout.page_type
    return doc.replace(layout=best.layout, confidence=best.confidence, evidence=best.evidence,
                       labels=None, fields={}, page_type=page_type)


def layout_named(name: str, layouts: Sequence[Layout] | None = None) -> Layout | None:
    for layout in builtin_layouts() if layouts is None else layouts:
        if layout.name == name:
            return layout
    return None

