#!/usr/bin/env python3
"""Which extractors' votes pay: the HTML line model's gate, swept under cross-validation.

    python bench/html_gate.py [--data DIR] [--cache DIR] [--folds 3] [--models DIR]

The HTML cleaner scores a page with the ``fast`` variant (text and DOM) and runs
trafilatura (variant ``tf``) only when the lines it is unsure of carry more of the page's
text than a gate, and readability-lxml too (variant ``full``) when a second gate says so.
Each extractor run costs about as much as the fast path itself, so the gates decide the
default path's time. This measures what each share of pages sent to each extractor buys:

1. Fold models with all three variants (``bench/train_html_model.py``'s, folds grouped by
   site; made once and cached, or read from ``--models DIR`` holding ``fold-K.json``).
2. Every page scored out of fold by each variant; its body made as the training script
   makes it (the kept lines, the metadata's title and captions left out) and scored with
   ../shared/bench/score.py.
3. For each share of pages running trafilatura (the most unsure by the fast scores) and
   each share running readability-lxml too (the most unsure by the ``tf`` scores among
   them), the shingle F1 of all pages and of articles.

The shares are quantiles over all pages' out-of-fold unsureness (the shipped gate is the
same quantile over the training pages). Prints a table; exits 0 with a message when the
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


def out_of_fold(data: Path, cache: Path, folds: int, models: Path | None, S) -> list[dict]:
    """Per page: its type, each variant's score tuple for the body, and the unsureness
    of the fast and tf scores."""
    variants = {**T.VARIANTS, "full": T.EXPERIMENTS["full"]}
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
        row: dict = {"type": p["type"]}
        for name in NAMES:
            var = m["variants"][name]
            v = hm.Variant(var, hm.variant_names(var["votes"]), hm.context_names())
            s = hm.score(v, p["H"], p["votes"], explain=False)
            row[name] = S.shingle_tp_fp_fn(p["gold"], T.body(p, s.keep))
            row[f"u_{name}"] = hm.unsure_share(p["H"], s)
        out.append(row)
    return out


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
            f1 = [S.aggregate([r[c] for r, c in zip(rows, chosen)
                               if only is None or r["type"] == only])[0]
                  for only in (None, "article")]
            res.append((ts, rs, f1[0], f1[1]))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=T.DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=T.DEFAULT_CACHE)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--models", type=Path, default=None,
                    help="a folder of fold-K.json models with the three variants")
    args = ap.parse_args()
    if not (args.data / "html").is_dir():
        print(f"html_gate: no data at {args.data}; nothing to measure")
        return 0
    S = T.load_score()
    rows = out_of_fold(args.data, args.cache, args.folds, args.models, S)
    print(f"{len(rows)} pages, {args.folds} folds grouped by site")
    for name in NAMES:
        print(f"every page {name}: all {S.aggregate([r[name] for r in rows])[0]:.4f} "
              f"articles {S.aggregate([r[name] for r in rows if r['type'] == 'article'])[0]:.4f}")
    print("| pages running trafilatura | ... and readability-lxml | F1 all | F1 articles |")
    print("|---:|---:|---:|---:|")
    for ts, rs, a, b in sweep(rows, S):
        print(f"| {ts:.0%} | {rs:.0%} | {a:.4f} | {b:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
