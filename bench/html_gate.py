#!/usr/bin/env python3
"""Which extractors' votes pay, and on which pages: the HTML line model's gate, swept under
cross-validation.

    python bench/html_gate.py [--data DIR] [--cache DIR] [--folds 3] [--models DIR] [--full]

The HTML cleaner scores a page with the ``fast`` variant (text and DOM) and runs
trafilatura (variant ``tf``) only when the page's gate value is over the model's gate: the
share of its text in lines the model is unsure of, divided by the page's size in lines to a
power (``htmlmodel.gate_value``; power 0: the unsure share itself). With ``--full``,
readability-lxml too (variant ``full``) when a second gate says so. Each extractor run
costs about as much as the fast path itself, and more on a long page, so the gates decide
the default path's time. This measures what each share of pages sent to each extractor
buys, and what it costs:

1. Fold models (``bench/train_html_model.py``'s, folds grouped by site; made once and
   cached, or read from ``--models DIR`` holding ``fold-K.json``): the shipped variants,
   or all three with ``--full``.
2. Every page scored out of fold by each variant; its body made as the training script
   makes it (the kept lines, the metadata's title and captions left out) and scored with
   ../shared/bench/score.py.
3. For each power of the page size and each share of pages running trafilatura (those
   with the highest gate values), the shingle F1 of all pages and of articles, and
   trafilatura's CPU time per page (over all pages: its fast-mode run on each chosen page,
   as the cache measured it when it was built). With ``--full``, the unsure-share gate
   (power 0) with each share running readability-lxml too (the most unsure by the ``tf``
   scores among them).

The shares are quantiles over all pages' out-of-fold gate values (the shipped gate is the
same quantile over the training pages). Prints tables; exits 0 with a message when the
data directory is absent.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import train_html_model as T  # noqa: E402

from kt_clean.classifier import htmlmodel as hm  # noqa: E402

NAMES = ("fast", "tf", "full")
TF_SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
RD_SHARES = (0.0, 0.05, 0.1, 0.2)
POWERS = (0.0, 0.5, 1.0, 1.5, 2.0)
COST_SHARES = (0.3, 0.35, 0.4, 0.45, 0.5)


def out_of_fold(data: Path, cache: Path, folds: int, models: Path | None, S,
                full: bool = False) -> list[dict]:
    """Per page: its type, each variant's score tuple for the body, the unsureness of the
    fast and tf scores, its size in non-blank lines and trafilatura's time on it."""
    names = NAMES if full else tuple(T.VARIANTS)
    variants = {**T.VARIANTS, "full": T.EXPERIMENTS["full"]} if full else None
    pages = T.load_pages(data, cache, 1)
    if models is None:
        fold_of, paths = T.fold_models(data, cache, folds, variants=variants)
    else:  # the folds as fold_models deals them
        fold_of = {p["id"]: f for p, f in zip(pages, T.site_folds(pages, folds, 0))}
        paths = [models / f"fold-{f}.json" for f in range(folds)]
    T.featurize(pages, data, cache, 1)
    T.add_votes(pages)
    fold_models = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    out = []
    for p in pages:
        if "H" not in p:
            continue
        m = fold_models[fold_of[p["id"]]]
        row: dict = {"type": p["type"], "lines": len(p["H"].rows),
                     "tf_ms": 1000 * float(p.get("times", {}).get(T.TF_KEY, 0.0))}
        for name in names:
            var = m["variants"][name]
            v = hm.Variant(var, hm.variant_names(var["votes"]), hm.context_names())
            s = hm.score(v, p["H"], p["votes"], explain=False)
            row[name] = S.shingle_tp_fp_fn(p["gold"], T.body(p, s.keep))
            row[f"u_{name}"] = hm.unsure_share(p["H"], s)
        out.append(row)
    return out


def _f1(rows: list[dict], chosen: list[str], S) -> tuple[float, float]:
    a, b = (S.aggregate([r[c] for r, c in zip(rows, chosen) if only is None or r["type"] == only])[0]
            for only in (None, "article"))
    return a, b


def sweep(rows: list[dict], S) -> list[tuple[float, float, float, float]]:
    """(tf share, rd share, F1 all, F1 articles) for each pair of shares (``S``: score.py)."""
    uf = np.array([r["u_fast"] for r in rows])
    ut = np.array([r["u_tf"] for r in rows])
    res = []
    for ts in TF_SHARES:
        gate_tf = np.quantile(uf, 1 - ts) if ts else np.inf
        on_tf = uf > gate_tf
        for rs in RD_SHARES:
            if rs > ts:
                continue
            gate_rd = np.quantile(ut[on_tf], 1 - rs / ts) if rs else np.inf
            chosen = ["full" if t and b > gate_rd else "tf" if t else "fast"
                      for t, b in zip(on_tf, ut)]
            res.append((ts, rs, *_f1(rows, chosen, S)))
    return res


def cost_sweep(rows: list[dict], S) -> list[tuple[float, float, float, float, float, float]]:
    """(power, tf share, pages running it, F1 all, F1 articles, trafilatura ms per page)
    for each power of the page size in the gate value and each share of pages."""
    ms = np.array([r["tf_ms"] for r in rows])
    res = []
    for power in POWERS:
        value = np.array([hm.size_weighted(r["u_fast"], r["lines"], power) for r in rows])
        for ts in COST_SHARES:
            on = value > np.quantile(value, 1 - ts)
            chosen = ["tf" if t else "fast" for t in on]
            res.append((power, ts, float(on.mean()), *_f1(rows, chosen, S),
                        float(ms[on].sum() / len(rows))))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=T.DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=T.DEFAULT_CACHE)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--models", type=Path, default=None,
                    help="a folder of fold-K.json models (with the three variants if --full)")
    ap.add_argument("--full", action="store_true",
                    help="readability-lxml's variant too (trained if missing)")
    args = ap.parse_args()
    if not (args.data / "html").is_dir():
        print(f"html_gate: no data at {args.data}; nothing to measure")
        return 0
    S = T.load_score()
    rows = out_of_fold(args.data, args.cache, args.folds, args.models, S, args.full)
    print(f"{len(rows)} pages, {args.folds} folds grouped by site")
    for name in NAMES if args.full else tuple(T.VARIANTS):
        print(f"every page {name}: all {S.aggregate([r[name] for r in rows])[0]:.4f} "
              f"articles {S.aggregate([r[name] for r in rows if r['type'] == 'article'])[0]:.4f}")
    print(f"trafilatura's vote on every page: {np.mean([r['tf_ms'] for r in rows]):.1f} ms "
          "per page")
    print()
    print("| size power | pages running trafilatura | F1 all | F1 articles "
          "| trafilatura ms per page |")
    print("|---:|---:|---:|---:|---:|")
    for power, _ts, on, a, b, ms in cost_sweep(rows, S):
        print(f"| {power:g} | {on:.0%} | {a:.4f} | {b:.4f} | {ms:.1f} |")
    if args.full:
        print()
        print("| pages running trafilatura | ... and readability-lxml | F1 all | F1 articles |")
        print("|---:|---:|---:|---:|")
        for ts, rs, a, b in sweep(rows, S):
            print(f"| {ts:.0%} | {rs:.0%} | {a:.4f} | {b:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
