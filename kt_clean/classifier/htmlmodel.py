"""The HTML line model: which rendered lines of an HTML page are its main text.

Every non-blank rendered line is described by three groups of features:

- ``text``: the text dump classifier's features of the line (``features.BASE_NAMES``);
- ``dom``: the element it comes from (``dom.DOM_NAMES``: tag path, depth, link share,
  class and id tokens, siblings, the text of its containers);
- ``votes``: whether trafilatura and readability-lxml kept it (``VOTE_NAMES``), when they ran.

Stage 1 (gradient-boosted trees) scores each line from those; stage 2 revises the score
from the stage-1 scores around the line: its neighbours, its blank-line block, and the
lines of the same element, parent, grandparent and repeated structure (``HTML_CONTEXT_NAMES``).

The model file holds several *variants* trained alike on different feature groups:
``fast`` (text and DOM only: no extractor runs), ``tf`` (plus trafilatura's vote) and,
when trained (the shipped file has none), ``full`` (plus readability-lxml's). A page
starts with ``fast`` and runs an extractor only when the lines the model is unsure of
carry enough of the page's text for the page's size (``gate``, ``gate_value``), so that
most pages never pay for trafilatura.
Trained by ``bench/train_html_model.py``; run in numpy as the text classifier is
(``trees.py``).

Each decision names the feature group that weighed most in it (the trees' contributions
along each line's path, summed per group): ``text``, ``dom`` or ``votes``; or ``context``
when stage 2 overturned stage 1.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .trees import TreeEnsemble

__all__ = ["HTML_MODEL_PATH", "HtmlLines", "HtmlModel", "load_html_model", "vote_features"]

HTML_MODEL_PATH = Path(__file__).with_name("html-model.json")

#: Per extractor: the line's share of 3-grams in the extractor's text, whether it counts as
#: kept (as ``html.align`` decides), and the extractor's size (tokens, log) and share of the
#: page's tokens.
VOTE_KINDS = ("hit", "kept", "tokens_log", "page_share")
EXTRACTORS = ("tf", "rd")
VOTE_NAMES = [f"{e}_{k}" for e in EXTRACTORS for k in VOTE_KINDS]
HTML_CONTEXT_EXTRA = ["p_dom_block", "p_dom_parent", "p_dom_grand", "p_dom_sig",
                      "p_dom_parent_sig", "p_dom_parent_max", "p_dom_grand_max",
                      "n_dom_parent_log", "n_dom_sig_log"]
GROUPS = ("text", "dom", "votes", "context")


class HtmlLines(NamedTuple):
    """The features of one page's non-blank rendered lines (rows into its lines)."""

    rows: npt.NDArray[np.intp]
    text: npt.NDArray[np.float32]
    dom: npt.NDArray[np.float32]
    groups: npt.NDArray[np.intp]


def page_features(lines: Sequence[str], kinds: Sequence[str], origins: Sequence[Any],
                  links: Sequence[float]) -> HtmlLines:
    """Text and DOM features of a rendering's lines (``html.render.Rendering``'s fields)."""
    from .dom import dom_features
    from .features import extract

    X, rows, _ = extract(lines)
    D, G = dom_features(kinds, origins, links, rows, X[:, 0])
    return HtmlLines(rows, X, D, G)


_TOKEN_RE = re.compile(r"\w+")
_N = 3


def _toks(s: str) -> list[str]:
    return _TOKEN_RE.findall(s.casefold())


def vote_features(lines: Sequence[str], rows: npt.NDArray[np.intp],
                  blocks: Sequence[tuple[str, str]] | None) -> npt.NDArray[np.float32]:
    """The ``VOTE_KINDS`` of one extractor's blocks for the lines ``rows`` (all zero when
    the extractor did not run: ``blocks`` None). ``kept`` is ``html.align``'s rule: a
    line of 3 tokens or more is kept when half its 3-grams are in the blocks; a shorter
    one when it equals a block (or a line of one), or when all its tokens are in the
    blocks and the nearest lines around it are kept."""
    import numpy as np

    m = rows.shape[0]
    out = np.zeros((m, len(VOTE_KINDS)), dtype=np.float32)
    if blocks is None or m == 0:
        return out
    shingles: set[int] = set()
    short: set[tuple[str, ...]] = set()
    vocab: set[str] = set()
    n_tok = 0
    for _, text in blocks:
        t_all = _toks(text)
        n_tok += len(t_all)
        vocab.update(t_all)
        for i in range(len(t_all) - _N + 1):
            shingles.add(hash(tuple(t_all[i:i + _N])))
        for part in text.split("\n"):
            t = _toks(part)
            if 0 < len(t) < _N + 2:
                short.add(tuple(t))
    hit = np.zeros(m)
    kept = np.zeros(m, dtype=bool)
    weak = np.zeros(m, dtype=bool)
    page_tok = 0
    for k, i in enumerate(rows.tolist()):
        t = _toks(lines[i])
        page_tok += len(t)
        if not t:
            continue
        if len(t) >= _N:
            grams = len(t) - _N + 1
            h = sum(hash(tuple(t[j:j + _N])) in shingles for j in range(grams))
            hit[k] = h / grams
            kept[k] = 2 * h >= grams or (len(t) < _N + 2 and tuple(t) in short)
        elif tuple(t) in short:
            hit[k] = 1.0
            kept[k] = True
        elif all(x in vocab for x in t):
            hit[k] = 0.5
            weak[k] = True
    for k in np.flatnonzero(weak).tolist():
        kept[k] = bool(k > 0 and kept[k - 1] and k + 1 < m and kept[k + 1])
    out[:, 0] = hit
    out[:, 1] = kept
    out[:, 2] = np.log1p(n_tok)
    out[:, 3] = n_tok / max(page_tok, 1)
    return out


def html_context(p: npt.NDArray[np.float64], page: HtmlLines) -> npt.NDArray[np.float32]:
    """Stage 2's inputs besides the line's own: the text classifier's context of ``p`` (the
    stage-1 scores; ``features.CONTEXT_NAMES``) and the DOM's (``HTML_CONTEXT_EXTRA``):
    the mean score, weighted by length, of the lines of the same block, parent,
    grandparent, block structure and parent structure; the best score of the parent's and
    grandparent's lines; how many lines the parent and the structure have."""
    import numpy as np

    from .features import _COL, context_from

    X = page.text
    m = p.shape[0]
    C = context_from(p, X[:, _COL["n_chars"]], X[:, _COL["log_chars"]],
                     X[:, _COL["blank_before"]])
    E = np.zeros((m, len(HTML_CONTEXT_EXTRA)), dtype=np.float32)
    if m:
        w = np.maximum(X[:, _COL["n_chars"]].astype(np.float64), 1.0)
        pw = p * w
        for j in range(5):
            _, inv = np.unique(page.groups[:, j], return_inverse=True)
            inv = inv.ravel()
            k = int(inv.max()) + 1
            E[:, j] = (np.bincount(inv, pw, k) / np.bincount(inv, w, k))[inv]
            if j in (1, 2):
                mx = np.zeros(k)
                np.maximum.at(mx, inv, p)
                E[:, 4 + j] = mx[inv]
            if j in (1, 3):
                E[:, 7 if j == 1 else 8] = np.log1p(np.bincount(inv, minlength=k)[inv])
    return np.hstack([C, E])


class Variant:
    """One trained model: its feature names (in order), stages and threshold."""

    def __init__(self, d: dict[str, Any], names: list[str], context_names: list[str]):
        from .trees import TreeEnsemble

        self.stage1 = TreeEnsemble(d["stage1"])
        self.stage2 = TreeEnsemble(d["stage2"]) if d.get("stage2") else None
        self.threshold = float(d.get("threshold", 0.5))
        self.votes: tuple[str, ...] = tuple(d.get("votes", ()))
        self.names = names
        _check(self.stage1, names, "stage1")
        if self.stage2 is not None:
            _check(self.stage2, names + context_names, "stage2")
        # the feature group of every column of stage 1
        self.group_of = [0 if n.startswith("t:") else 1 if n.startswith("d:") else 2
                         for n in names]


def _check(ensemble: TreeEnsemble, names: list[str], stage: str) -> None:
    if ensemble.feature_names != names or ensemble.n_features != len(names):
        raise ValueError(f"HTML line model, {stage}: trained on other features than "
                         "this code makes (retrain with bench/train_html_model.py)")


def variant_names(votes: Sequence[str]) -> list[str]:
    """The stage-1 columns of a variant that sees the votes of ``votes``: text features
    (``t:``), DOM features (``d:``), vote features (``v:``)."""
    from .dom import DOM_NAMES
    from .features import BASE_NAMES

    return ([f"t:{n}" for n in BASE_NAMES] + [f"d:{n}" for n in DOM_NAMES]
            + [f"v:{e}_{k}" for e in votes for k in VOTE_KINDS])


def context_names() -> list[str]:
    from .features import CONTEXT_NAMES

    return [f"c:{n}" for n in CONTEXT_NAMES + HTML_CONTEXT_EXTRA]


class HtmlModel:
    """The variants of the HTML line model and the gate between them."""

    def __init__(self, d: dict[str, Any]):
        cnames = context_names()
        self.variants: dict[str, Variant] = {}
        for name, v in d["variants"].items():
            self.variants[name] = Variant(v, variant_names(v.get("votes", ())), cnames)
        #: a page runs the next variant when its ``gate_value`` is over this (the share of
        #: its text in unsure lines, scaled down on long pages: see ``gate_value``)
        self.gate: dict[str, float] = {k: float(x) for k, x in d.get("gate", {}).items()}
        self.meta = d.get("meta", {})
        #: how much a long page's unsure share is scaled down (0: not at all, the gate of a
        #: model file trained before there was this)
        self.gate_power = float(self.meta.get("gate_power", 0.0))

    def gate_value(self, page: HtmlLines, s: Scores) -> float:
        """What the gate compares: ``gate_value(page, s, self.gate_power)``."""
        return gate_value(page, s, self.gate_power)


_MODEL: HtmlModel | None = None


def load_html_model(path: str | Path | None = None) -> HtmlModel:
    """The shipped model (loaded once), or the one in ``path``."""
    global _MODEL
    if path is None:
        if _MODEL is None:
            _MODEL = HtmlModel(json.loads(HTML_MODEL_PATH.read_text(encoding="utf-8")))
        return _MODEL
    return HtmlModel(json.loads(Path(path).read_text(encoding="utf-8")))


def set_html_model(model: HtmlModel | None) -> None:
    """Use ``model`` instead of the shipped one (benchmarks and training; None: shipped)."""
    global _MODEL
    _MODEL = model


class Scores(NamedTuple):
    """A variant's answer for a page's non-blank lines."""

    p1: npt.NDArray[np.float64]
    p2: npt.NDArray[np.float64]
    keep: npt.NDArray[np.bool_]
    #: per line, the group that decided (index into ``GROUPS``)
    why: npt.NDArray[np.intp]


def score(variant: Variant, page: HtmlLines, votes: dict[str, npt.NDArray[np.float32]],
          explain: bool = True) -> Scores:
    """Run ``variant`` on a page (``votes``: the vote features of each extractor it uses)."""
    import numpy as np

    from .trees import sigmoid

    parts = [page.text, page.dom] + [votes[e] for e in variant.votes]
    X = np.hstack(parts) if len(parts) > 1 else parts[0]
    m = X.shape[0]
    if m == 0:
        e = np.zeros(0)
        return Scores(e, e, e.astype(bool), e.astype(np.intp))
    if explain:
        raw, contrib = variant.stage1.raw_and_groups(X, variant.group_of, 3)
        p1 = sigmoid(raw)
    else:
        p1 = variant.stage1.predict(X)
    if variant.stage2 is not None:
        p2 = variant.stage2.predict(np.hstack([X, html_context(p1, page)]))
    else:
        p2 = p1
    keep = p2 >= variant.threshold
    if explain:
        # the group whose contributions pushed most toward the decision
        toward = np.where(keep[:, None], contrib, -contrib)
        why = toward.argmax(axis=1)
        why[(p1 >= variant.threshold) != keep] = 3
    else:
        why = np.zeros(m, dtype=np.intp)
    return Scores(p1, p2, keep, why)


#: The page size (non-blank lines) at which ``gate_value`` equals the unsure share.
GATE_LINES = 100


def gate_value(page: HtmlLines, s: Scores, power: float) -> float:
    """The unsure share of the page's text divided by ``(lines / GATE_LINES) ** power``
    (``lines``: its non-blank lines). An extractor's vote takes time in proportion to the
    page's size and is worth as much on a short page as on a long one (F1 is a mean over
    pages): with ``power`` > 0 the vote goes to the pages where it is cheap for the share of
    text it may change (docs/quality-html.md, "Which pages trafilatura's vote pays on")."""
    u = unsure_share(page, s)
    return size_weighted(u, len(page.rows), power) if power and u else u


def size_weighted(unsure: float, lines: int, power: float) -> float:
    """``unsure / (lines / GATE_LINES) ** power`` (a page of no line counts as one line)."""
    return float(unsure / (max(lines, 1) / GATE_LINES) ** power)


def unsure_share(page: HtmlLines, s: Scores, low: float = 0.2, high: float = 0.8) -> float:
    """The share of the page's text (characters of non-blank lines) in lines whose score
    is between ``low`` and ``high``: how much another opinion could change."""
    import numpy as np

    from .features import _COL

    if s.p2.shape[0] == 0:
        return 0.0
    w = page.text[:, _COL["n_chars"]].astype(np.float64)
    unsure = (s.p2 > low) & (s.p2 < high)
    return float(w[unsure].sum() / max(w.sum(), 1.0))
