"""A gradient-boosted tree ensemble evaluated with numpy only.

The trees are stored as *complete* binary trees of a fixed depth D (shallower branches are
padded with nodes whose threshold is +inf, so they always go left and every leaf below
carries the same value). Node k's children are 2k+1 (x <= threshold) and 2k+2 (x >
threshold), so all trees of the ensemble are walked together, one level per numpy step.

File format (JSON): {"depth": D, "n_features": F, "feature_names": [...],
"features": [[T x (2**D - 1) ints]], "thresholds": [[...floats]], "leaves": [[T x 2**D]],
"base": float}. The raw score is base + sum of leaves; the probability is its sigmoid.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt


def _sortable(x: npt.NDArray[np.float32]) -> npt.NDArray[np.uint32]:
    """float32 -> uint32 keys in the same order (IEEE bits, sign-flipped)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    # negative: all bits flipped; positive: the sign bit set
    flip = (u.view(np.int32) >> 31).view(np.uint32)
    flip |= np.uint32(0x80000000)
    flip ^= u
    return flip


class TreeEnsemble:
    def __init__(self, d: dict[str, Any]):
        self.depth = int(d["depth"])
        self.n_features = int(d["n_features"])
        self.feature_names = list(d.get("feature_names", []))
        feats = np.asarray(d["features"], dtype=np.intp)
        self.n_trees = feats.shape[0] if feats.ndim == 2 else 0
        n_int = 2 ** self.depth - 1
        self.n_internal = n_int
        if self.n_trees == 0:
            feats = np.zeros((0, n_int), dtype=np.intp)
        self.feat = feats.ravel()
        self.thr = np.asarray(d["thresholds"], dtype=np.float64).reshape(-1)
        self.leaves = np.asarray(d["leaves"], dtype=np.float64).reshape(-1)
        self.base = float(d.get("base", 0.0))
        #: the expected value at every internal node (for contributions; optional)
        self.values = (np.asarray(d["values"], dtype=np.float64).reshape(-1)
                       if d.get("values") is not None else None)

        # float32 thresholds rounded down: for float32 x, x > thr64 <=> x > thr32
        thr32 = np.minimum(self.thr, 3e38).astype(np.float32)
        up = thr32.astype(np.float64) > self.thr
        thr32[up] = np.nextafter(thr32[up], np.float32(-np.inf))
        self.thr32 = thr32
        self.additive = self.depth == 1 and self.n_trees > 0
        if self.additive:
            self._build_additive()
        self._build_levels()
        #: per (groups of the features, number of groups): ``_group_tables``'s answer
        self._tables: dict[tuple[tuple[int, ...], int], npt.NDArray[np.float64]] = {}

    def _build_levels(self) -> None:
        """Per-level node tables for ``_walk``: level L holds the T * 2**L nodes of that
        depth, node j of tree t at t * 2**L + j, so the child of index i is
        2i + (x > threshold), and after the last level the index is the leaf's in
        ``leaves``. Features (intp) and float32 thresholds are separate tables, so each
        level is contiguous gathers and a contiguous compare."""
        T, n_int = self.n_trees, self.n_internal
        feat = self.feat.reshape(T, n_int)
        thr = self.thr32.reshape(T, n_int)
        self._f0 = feat[:, 0].astype(np.intp)
        self._t0 = thr[:, 0].copy()
        self._ar2 = np.arange(0, 2 * T, 2, dtype=np.intp)
        self._levels = []
        for level in range(1, self.depth):
            a, b = 2 ** level - 1, 2 ** (level + 1) - 1
            self._levels.append((np.ascontiguousarray(feat[:, a:b], dtype=np.intp).ravel(),
                                 np.ascontiguousarray(thr[:, a:b]).ravel()))

    def _build_additive(self) -> None:
        """Depth-1 trees (stumps) are a sum of per-feature step functions: for feature j,
        ``cum`` holds the running sums of its stumps' increments in threshold order, and a
        line's value is the entry after the thresholds below its x. All features' sorted
        thresholds go in one array of order-preserving uint64 keys (feature index in the
        high 32 bits, the float32's sortable bits in the low ones), so one searchsorted
        call counts the thresholds below every (line, feature) pair exactly."""
        f = self.feat
        left, right = self.leaves[0::2], self.leaves[1::2]
        self.const = float(left.sum())
        used = np.unique(f)
        keys, cums, cum_base = [], [], []
        n_keys = n_cum = 0
        for j, feat in enumerate(used):
            sel = f == feat
            order = np.argsort(self.thr32[sel], kind="stable")
            keys.append(_sortable(self.thr32[sel][order]).astype(np.uint64)
                        | (np.uint64(j) << np.uint64(32)))
            cums.append(np.concatenate(([0.0], np.cumsum((right[sel] - left[sel])[order]))))
            cum_base.append(n_cum - n_keys)  # searchsorted position -> index in cum
            n_keys += keys[-1].shape[0]
            n_cum += keys[-1].shape[0] + 1
        self.used = used.astype(np.intp)
        self.keys = np.concatenate(keys)
        self.key_hi = (np.arange(used.shape[0], dtype=np.uint64) << np.uint64(32))[None, :]
        self.cum_base = np.array(cum_base, dtype=np.intp)[None, :]
        self.cum = np.concatenate(cums)

    def raw(self, X: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        m = X.shape[0]
        if m == 0 or self.n_trees == 0:
            return np.full(m, self.base)
        X = np.asarray(X, dtype=np.float32)
        if self.additive:
            return self.raw_used(X[:, self.used])
        return self._walk(X)[0]

    def raw_used(self, U: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Raw scores of an additive ensemble from ``U``, the columns ``self.used`` of the
        input (so a caller can build only those), in blocks of rows (the keys and
        positions are 8 bytes per value: a page's whole matrix of them would be large)."""
        m = U.shape[0]
        b = 4 * self._BLOCK
        if m <= b:
            return self._raw_used(U)
        raw = np.empty(m)
        for s in range(0, m, b):
            raw[s:s + b] = self._raw_used(U[s:s + b])
        return raw

    def _raw_used(self, U: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        k = _sortable(U).astype(np.uint64)
        k |= self.key_hi
        pos = self.keys.searchsorted(k.ravel()).reshape(k.shape)
        pos += self.cum_base
        raw: npt.NDArray[np.float64] = self.cum.take(pos).sum(axis=1) + (self.const + self.base)
        return raw

    # Rows per step of ``_walk``: bounds its work arrays (rows x trees) on very long pages.
    # Smaller blocks measured slower (per-call costs outweigh the cache), larger no faster.
    _BLOCK = 2048

    def _walk(self, X: npt.NDArray[np.floating[Any]],
              tables: npt.NDArray[np.float64] | None = None
              ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
        """All trees for all rows, one level per step (see ``_build_levels``), in blocks
        of rows, with the work arrays allocated once (``take(out=, mode="wrap")``: the
        indexes are in range by construction, and "raise" would buffer the output). The
        numpy calls are array methods: on a page's few hundred rows the per-call cost
        counts, and ``np.take`` & co. add a Python-level wrapper to each. The raw scores;
        with ``tables`` (``_group_tables``: per group, a value per leaf), also each row's
        sum over the trees of its leaves' values in each table (groups x rows)."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        m, nf = X.shape
        xflat = X.ravel()
        out = np.empty(m)
        groups = np.empty((tables.shape[0], m)) if tables is not None else None
        b = min(m, self._BLOCK)
        shape = (b, self.n_trees)
        idx = np.empty(shape, dtype=np.intp)   # node index within the level
        at = np.empty(shape, dtype=np.intp)    # the node's feature's index in xflat
        xv = np.empty(shape, dtype=np.float32)
        tv = np.empty(shape, dtype=np.float32)
        right = np.empty(shape, dtype=bool)
        lv = np.empty(shape)
        for s in range(0, m, b):
            e = min(s + b, m)
            if e - s != b:  # the last, shorter block
                idx, at, xv, tv, right, lv = (a[:e - s] for a in (idx, at, xv, tv, right, lv))
            # level 0: every tree at its root; idx is then the node's index in level 1
            np.greater(X[s:e, self._f0], self._t0, out=right)
            np.add(right, self._ar2, out=idx)
            rownf = np.arange(s * nf, e * nf, nf, dtype=np.intp)[:, None]
            for feat, thr in self._levels:
                feat.take(idx, out=at, mode="wrap")
                at += rownf
                xflat.take(at, out=xv, mode="wrap")
                thr.take(idx, out=tv, mode="wrap")
                np.greater(xv, tv, out=right)
                idx += idx
                idx += right
            self.leaves.take(idx, out=lv, mode="wrap")
            np.add(lv.sum(axis=1), self.base, out=out[s:e])
            if tables is not None and groups is not None:
                for g, table in enumerate(tables):
                    table.take(idx, out=lv, mode="wrap")
                    lv.sum(axis=1, out=groups[g, s:e])
        return out, groups

    def predict(self, X: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        return sigmoid(self.raw(X))

    def raw_and_groups(self, X: npt.NDArray[np.floating[Any]], group_of: list[int],
                       n_groups: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Raw scores, and how much each group of features moved them: along each row's
        path in each tree, the change of the expected value at a split goes to the group
        of the split's feature (the trees' own account of a decision; the parts and the
        trees' mean add up to the raw score). Needs the node ``values``. A leaf's path is
        fixed, so its parts are summed once per ensemble (``_group_tables``) and a row's
        are gathered at the leaves it reaches, in the walk that scores it."""
        m = X.shape[0]
        if m == 0 or self.n_trees == 0 or self.values is None:
            return self.raw(X), np.zeros((m, n_groups))
        raw, groups = self._walk(X, self._group_tables(group_of, n_groups))
        assert groups is not None
        return raw, groups.T

    def _group_tables(self, group_of: list[int], n_groups: int) -> npt.NDArray[np.float64]:
        """Per group of features, per leaf (as ``leaves`` holds them): the changes of the
        expected value at the splits on the leaf's path whose feature is of that group,
        summed from the root down (``group_of``: each feature's group). Worked out once."""
        key = (tuple(group_of), n_groups)
        got = self._tables.get(key)
        if got is not None:
            return got
        assert self.values is not None
        T, n_int, depth = self.n_trees, self.n_internal, self.depth
        n_leaf = n_int + 1
        vals = self.values.reshape(T, n_int)
        leaves = self.leaves.reshape(T, n_leaf)
        grp = np.asarray(group_of, dtype=np.intp)[self.feat.reshape(T, n_int)]
        tables = np.zeros((n_groups, T, n_leaf))
        leaf = np.arange(n_leaf)
        node = np.zeros(n_leaf, dtype=np.intp)  # each leaf's ancestor at this level
        for level in range(1, depth + 1):
            # node k's children are 2k+1 and 2k+2: leaf j's ancestor at ``level`` is
            # ((n_leaf + j) >> (depth - level)) - 1
            child = ((leaf + n_leaf) >> (depth - level)) - 1
            after = vals[:, child] if level < depth else leaves
            delta = after - vals[:, node]
            g = grp[:, node]
            for k in range(n_groups):
                tables[k] += np.where(g == k, delta, 0.0)
            node = child
        got = self._tables[key] = tables.reshape(n_groups, T * n_leaf)
        return got


def sigmoid(r: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Probability from a raw score (clipped, so exp never overflows)."""
    r = np.maximum(r, -50.0)  # == np.clip(r, -50, 50), without its Python-level wrapper
    np.minimum(r, 50.0, out=r)
    np.negative(r, out=r)
    np.exp(r, out=r)
    r += 1.0
    return np.divide(1.0, r, out=r)


def from_lightgbm(dump: dict[str, Any], depth: int, feature_names: list[str],
                  with_values: bool = False) -> dict[str, Any]:
    """Convert LightGBM's ``Booster.dump_model()`` into the complete-tree JSON format
    (``with_values``: with the expected value at every internal node, for
    :meth:`TreeEnsemble.raw_and_groups`)."""
    n_int = 2 ** depth - 1
    feats, thrs, leaves, values = [], [], [], []
    for tree in dump["tree_info"]:
        f = [0] * n_int
        t = [math.inf] * n_int
        lv = [0.0] * (n_int + 1)
        nv = [0.0] * n_int
        _fill(tree["tree_structure"], 0, 0, depth, f, t, lv, nv)
        feats.append(f)
        thrs.append([x if math.isfinite(x) else 1e300 for x in t])
        leaves.append(lv)
        values.append(nv)
    out = {"depth": depth, "n_features": len(feature_names), "feature_names": feature_names,
           "features": feats, "thresholds": thrs, "leaves": leaves, "base": 0.0}
    if with_values:
        out["values"] = [[round(v, 6) for v in nv] for nv in values]
    return out


def _fill(node: dict[str, Any], pos: int, level: int, depth: int,
          f: list[int], t: list[float], lv: list[float], nv: list[float]) -> None:
    """Write LightGBM node ``node`` at position ``pos`` of a complete tree of ``depth``
    (features ``f``, thresholds ``t``, leaves ``lv``, internal values ``nv``)."""
    n_int = len(f)
    if "leaf_value" in node or "split_feature" not in node:
        value = float(node.get("leaf_value", 0.0))
        # pad: every node and leaf under pos gets the value; internal pads stay (0, +inf)
        lo, hi = pos, pos
        while lo < n_int:
            for k in range(lo, hi + 1):
                nv[k] = value
            lo, hi = 2 * lo + 1, 2 * hi + 2
        for k in range(lo, hi + 1):
            lv[k - n_int] = value
        return
    nv[pos] = float(node.get("internal_value", 0.0))
    if level >= depth:
        raise ValueError("tree deeper than the export depth")
    if node.get("decision_type", "<=") != "<=":
        raise ValueError("only numerical <= splits are supported")
    f[pos] = int(node["split_feature"])
    t[pos] = float(node["threshold"])
    _fill(node["left_child"], 2 * pos + 1, level + 1, depth, f, t, lv, nv)
    _fill(node["right_child"], 2 * pos + 2, level + 1, depth, f, t, lv, nv)
