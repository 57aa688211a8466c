"""Generic line classifier for text dumps of web pages of unknown layout.

``classify(lines)`` returns one ``Decision`` per input line: whether the line is main
content, a role (kept) or a reason code (removed), the rule that decided and the model's
probability that the line is content.

Kept labels (roles):
    "title"       the first kept line when it is short and heading-like
    "subheading"  a short, heading-like kept line (no sentence punctuation at the end)
    "body"        any other kept text line
    "blank"       a blank line between two kept lines
Removed labels (reason codes):
    "blank"       a blank line not between kept lines (or one with no text at all)
    "duplicate"   the line repeats an earlier line of the same page
    "nav"         a bullet item, or a line of link-ish separators (menus, breadcrumbs)
    "short"       another short line (fewer than 5 words)
    "boilerplate" any other removed line
Rules:
    "classifier.model"    the second-pass model decided as the first pass did
    "classifier.context"  the second (context) pass overturned the first pass
    "classifier.repeat"   removed as a repeat of an earlier line
    "classifier.blank"    a blank line (decided by its neighbours)

Algorithm: per-line features (shape, stopwords, position, blank-line blocks, density of
long lines around the line, repetition within the page; see ``features.py``) feed a
gradient-boosted tree ensemble; a second ensemble revises each line from the first
pass's probabilities of its neighbours and block (as jusText revises short lines by
context). Both ensembles ship as ``model.json`` and are evaluated with numpy
(``trees.py``). Trained by ``bench/train_classifier.py``.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # numpy is imported on first use, not with the package
    import numpy as np
    import numpy.typing as npt

    from .trees import TreeEnsemble

__all__ = ["MODEL_PATH", "Decision", "classify", "classify_codes", "load_model"]

MODEL_PATH = Path(__file__).with_name("model.json")


class Decision(NamedTuple):
    kept: bool   # True = main content
    label: str   # role if kept, reason code if removed (see module doc)
    rule: str    # id of what decided
    score: float  # model probability of being content (0..1)


class Model:
    """The two tree ensembles and the decision threshold."""

    def __init__(self, d: dict[str, Any]):
        from .features import BASE_NAMES, CONTEXT_NAMES
        from .trees import TreeEnsemble

        self.stage1 = TreeEnsemble(d["stage1"])
        self.stage2 = TreeEnsemble(d["stage2"]) if d.get("stage2") else None
        self.threshold = float(d.get("threshold", 0.5))
        # Why: the ensembles address features by column number, so a model trained on
        # other (or reordered) features would run without error and decide nonsense.
        # Features are only ever appended, so a model trained on one of the earlier
        # feature sets (``feature_sets``) reads the first columns alone.
        base_sets, context_sets = feature_sets()
        n_base = _check_names("stage1", self.stage1, BASE_NAMES, base_sets, 0)
        #: the base features (columns of X) the model reads: the first ``n_base``
        self.n_base = n_base
        self.context_names: tuple[str, ...] = ()
        if self.stage2 is not None:
            n_ctx = _check_names("stage2", self.stage2, BASE_NAMES[:n_base] + CONTEXT_NAMES,
                                 context_sets, n_base)
            self.context_names = tuple(CONTEXT_NAMES[:n_ctx])
        # An additive second pass reads only the columns it uses: the base features
        # among them are taken from X, and only the context features among them are made.
        self.stage2_base: npt.NDArray[np.intp] | None = None
        self.stage2_context: tuple[str, ...] | None = None
        if self.stage2 is not None and self.stage2.additive:
            used = self.stage2.used  # sorted: base features first, then context features
            self.stage2_base = used[used < n_base]
            self.stage2_context = tuple(CONTEXT_NAMES[j - n_base]
                                        for j in used[used >= n_base])


def feature_sets() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The feature sets a text model may have been trained on, as numbers of first
    columns, today's first: the base features of today, or those before the keyword groups
    (``kw_*``); the context features of today, or those before the wide windows and the
    runs (``p_w100`` on). The shipped model.json reads the earlier sets."""
    from .features import _KW0, BASE_NAMES, CONTEXT_NAMES

    return (len(BASE_NAMES), _KW0), (len(CONTEXT_NAMES), CONTEXT_NAMES.index("p_w100"))


def _check_names(stage: str, ensemble: TreeEnsemble, names: list[str],
                 sets: tuple[int, ...], before: int) -> int:
    """Raise ValueError unless ``ensemble`` was trained on the features ``names``, in order,
    or on the first ``before + k`` of them for some ``k`` in ``sets``; return that k."""
    got = ensemble.feature_names
    k = len(got) - before
    full = before + sets[0]
    if k in sets and got == names[:before + k]:
        if ensemble.n_features == len(got):
            return k
        why = f"says n_features={ensemble.n_features} for {len(got)} feature names"
    elif len(got) not in {before + n for n in sets}:
        alt = " or ".join(str(before + n) for n in sets[1:])
        why = f"names {len(got)} features, features.py makes {full} (or its first {alt})"
    else:
        k = next(j for j, (a, b) in enumerate(zip(got, names)) if a != b)
        why = f"has {got[k]!r} as feature {k}, features.py makes {names[k]!r}"
    raise ValueError(f"classifier model, {stage}: it {why} (retrain with "
                     "bench/train_classifier.py)")


_MODEL: Model | None = None


def load_model(path: str | Path | None = None) -> Model:
    """Load (and cache, for the default path) the shipped model."""
    global _MODEL
    if path is None:
        if _MODEL is None:
            _MODEL = Model(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
        return _MODEL
    return Model(json.loads(Path(path).read_text(encoding="utf-8")))


def _as_str(x: Any) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, (bytes, bytearray)):
        return bytes(x).decode("utf-8", "replace")
    return "" if x is None else str(x)


def probabilities(lines: Sequence[str], model: Model) -> tuple[
        npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64],
        npt.NDArray[np.float32]]:
    """(rows, p1, p2, X) for the non-blank lines: first- and second-pass probabilities."""
    return _scores(lines, model, None)


def _scores(lines: Sequence[str], model: Model, cols: Sequence[int] | None) -> tuple[
        npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64],
        npt.NDArray[np.float32]]:
    """(rows, p1, p2, K): as ``probabilities``, K the columns ``cols`` of X (all of them
    if None) and, for an additive second pass, those it reads (sorted, so ``cols`` are
    found in K by ``_kept_columns``). The matrix is made and run through the first pass
    one block of rows at a time (``features.PageFeatures``), and only K is kept."""
    import numpy as np

    from .features import (
        _COL,
        _KW0,
        BASE_NAMES,
        BLOCK,
        PageFeatures,
        context_features,
        context_from,
    )
    from .trees import sigmoid

    page = PageFeatures(lines, keywords=model.n_base > _KW0)
    rows, m = page.rows, page.m
    keep = _kept_columns(model, cols)
    full = len(keep) == len(BASE_NAMES)  # then keep is every column
    K = np.empty((m, len(keep)), dtype=np.float32)
    p1 = np.empty(m)
    for s, Xb in page.blocks():
        e = s + Xb.shape[0]
        p1[s:e] = model.stage1.predict(Xb)
        K[s:e] = Xb if full else Xb[:, keep]
    del page  # before the second pass's work arrays
    if m == 0:
        return rows, p1, p1, K
    stage2 = model.stage2
    if stage2 is None:
        p2 = p1
    elif model.stage2_context is not None and model.stage2_base is not None:
        at = {j: k for k, j in enumerate(keep)}
        C = context_from(p1, K[:, at[_COL["n_chars"]]], K[:, at[_COL["log_chars"]]],
                         K[:, at[_COL["blank_before"]]], model.stage2_context)
        base = [at[j] for j in model.stage2_base.tolist()]
        p2 = np.empty(m)
        for s in range(0, m, BLOCK):
            e = min(s + BLOCK, m)
            U = np.concatenate((K[s:e, base], C[s:e]), axis=1)
            p2[s:e] = sigmoid(stage2.raw_used(U))
    else:
        p2 = stage2.predict(np.hstack([K, context_features(p1, K, model.context_names)]))
    return rows, p1, p2, K


def _kept_columns(model: Model, cols: Sequence[int] | None) -> list[int]:
    """The columns of X that ``_scores`` keeps for ``cols``: sorted, all of them when the
    second pass needs the whole matrix."""
    from .features import _COL

    if cols is None or (model.stage2 is not None and model.stage2_base is None):
        return list(range(model.n_base))
    keep = set(cols)
    if model.stage2 is not None and model.stage2_base is not None:
        keep.update(model.stage2_base.tolist())
        keep.update(_COL[name] for name in ("n_chars", "log_chars", "blank_before"))
    return sorted(keep)


# the columns of X the labels are made from
_LABEL_COLUMNS = ("n_words", "bullet", "ends_sent", "pipe_or_arrow", "occurrence")


def _label_arrays(lines: Sequence[str], model: Model) -> tuple[
        list[str], npt.NDArray[np.intp], npt.NDArray[np.bool_], npt.NDArray[np.intp],
        npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(lines as a list of str, rows, keep, code, rule, p1, p2) for the non-blank lines:
    code indexes ``_LABELS`` (kept: 4 and above), rule ``_RULES``."""
    import numpy as np

    from .features import _COL

    if type(lines) is not list:
        lines = list(lines)
    want = [_COL[name] for name in _LABEL_COLUMNS]
    try:
        rows, p1, p2, K = _scores(lines, model, want)
    except TypeError:
        # a line that is not a str (bytes, None, ...), which str.strip refuses: convert
        # and retry (rather than check every line's type on every page)
        lines = [x if type(x) is str else _as_str(x) for x in lines]
        rows, p1, p2, K = _scores(lines, model, want)
    keep = p2 >= model.threshold
    if rows.shape[0] == 0:
        e = np.zeros(0, dtype=np.intp)
        return lines, rows, keep, e, e, p1, p2
    at = _kept_columns(model, want).index
    nw, bullet_col, ends_sent, pipe, occurrence = (K[:, at(j)] for j in want)
    changed = (p1 >= model.threshold) != keep
    bullet = bullet_col > 0
    heading = (nw <= 12) & (ends_sent == 0) & ~bullet
    # removed: 0 boilerplate, 1 short, 2 nav, 3 duplicate; kept: 4 body, 5 subheading, 6 title
    code = np.where(nw < 5, 1, 0)
    code = np.where(bullet | (pipe >= 0.3), 2, code)
    code = np.where(occurrence > 0, 3, code)
    kcode = np.where(heading, 5, 4)
    kidx = keep.nonzero()[0]
    if kidx.size and heading[kidx[0]]:
        kcode[kidx[0]] = 6
    code = np.where(keep, kcode, code)
    rule = np.where(changed, 1, 0)
    rule = np.where(~keep & (code == 3), 2, rule)
    return lines, rows, keep, code, rule, p1, p2


def _blank_kept(n: int, rows: npt.NDArray[np.intp],
                keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_] | None:
    """Which of the n lines are blank lines kept between two kept lines (the non-blank
    lines k - 1 and k around them, k = the number of non-blank lines above); None if no
    line can be."""
    import numpy as np

    m = rows.shape[0]
    if m <= 1:
        return None
    nonblank = np.zeros(n, dtype=bool)
    nonblank[rows] = True
    both = np.zeros(m + 1, dtype=bool)
    np.logical_and(keep[:-1], keep[1:], out=both[1:m])
    blank_kept: npt.NDArray[np.bool_] = both[nonblank.cumsum()]
    blank_kept &= ~nonblank
    return blank_kept


def classify_with(lines: Sequence[str], model: Model) -> list[Decision]:
    """``classify`` with an explicit model (used by training and benchmarks)."""
    import numpy as np

    n = len(lines)
    if n == 0:
        return []
    lines, rows, keep, code, rule, _, p2 = _label_arrays(lines, model)
    m = rows.shape[0]
    if m == 0:
        return [_BLANK_OUT] * n
    global _LABELS_A, _RULES_A
    if _LABELS_A is None or _RULES_A is None:
        _LABELS_A = np.array(_LABELS, dtype=object)
        _RULES_A = np.array(_RULES, dtype=object)
    decs = list(map(tuple.__new__, repeat(Decision), zip(
        keep.tolist(), _LABELS_A[code].tolist(), _RULES_A[rule].tolist(), p2.tolist())))
    decs.append(_BLANK_OUT)
    decs.append(_BLANK_KEPT)
    where = np.full(n, m, dtype=np.intp)
    where[rows] = np.arange(m)
    blank_kept = _blank_kept(n, rows, keep)
    if blank_kept is not None:
        where[blank_kept] = m + 1
    out = list(map(decs.__getitem__, where.tolist()))
    return out


def classify_codes(lines: Sequence[str]) -> tuple[list[tuple[bool, str, str]], list[int]]:
    """``classify`` without the scores, for a caller that needs only the labels: the
    distinct (kept, label, rule) and, per line, the index of its own among them. A page
    of a million lines then costs a million small ints, not a million ``Decision``s."""
    import numpy as np

    n = len(lines)
    try:
        lines, rows, keep, code, rule, _, _ = _label_arrays(lines, load_model())
        out = np.full(n, len(_COMBOS) - 2, dtype=np.intp)
        out[rows] = code * 3 + rule
        blank_kept = _blank_kept(n, rows, keep)
        if blank_kept is not None:
            out[blank_kept] = len(_COMBOS) - 1
        return _COMBOS, out.tolist()
    except Exception:  # pragma: no cover - last-resort safety net (as in classify)
        decs = classify(lines)
        table = list(dict.fromkeys((d.kept, d.label, d.rule) for d in decs))
        index = {t: k for k, t in enumerate(table)}
        return table, [index[(d.kept, d.label, d.rule)] for d in decs]


_LABELS = ("boilerplate", "short", "nav", "duplicate", "body", "subheading", "title")
_RULES = ("classifier.model", "classifier.context", "classifier.repeat")
#: The (kept, label, rule) of ``classify_codes``: code * 3 + rule for a non-blank line
#: (code indexes ``_LABELS``, rule ``_RULES``), then a removed and a kept blank line.
_COMBOS = [(code >= 4, label, rule) for code, label in enumerate(_LABELS) for rule in _RULES]
_COMBOS += [(False, "blank", "classifier.blank"), (True, "blank", "classifier.blank")]
# object arrays of _LABELS and _RULES, made on first use (numpy is imported lazily)
_LABELS_A: npt.NDArray[np.object_] | None = None
_RULES_A: npt.NDArray[np.object_] | None = None
_BLANK_OUT = Decision(False, "blank", "classifier.blank", 0.0)
_BLANK_KEPT = Decision(True, "blank", "classifier.blank", 0.0)


def classify(lines: Sequence[str]) -> list[Decision]:
    """One Decision per input line (same order and length); never raises on str input."""
    try:
        return classify_with(lines, load_model())
    except Exception:  # pragma: no cover - last-resort safety net
        n = len(lines) if hasattr(lines, "__len__") else 0
        return [Decision(False, "blank" if not _as_str(x).strip() else "boilerplate",
                         "classifier.error", 0.0) for x in list(lines)[:n]]
