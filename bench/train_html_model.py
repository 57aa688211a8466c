#!/usr/bin/env python3
"""Train the HTML line model (kt_clean/classifier/html-model.json) and measure it under
cross-validation grouped by site.

    python bench/train_html_model.py [--data DIR] [--cache DIR] [--folds 5] [--cv-only]
                                     [--skip-cv] [--out FILE] [--jobs 2]

1. Pages: bench/html_cache.py's cache (rendered lines, trafilatura's and readability's
   blocks, line targets aligned with the gold text), made first if missing.
2. Features per non-blank rendered line (kt_clean.classifier.htmlmodel): the text
   classifier's, the DOM's, and the extractors' votes. Cached in CACHE/feats-*.pkl.
3. Three variants (``fast``: text + DOM; ``tf``: + trafilatura; ``full``: + readability),
   each a LightGBM stage 1 and a stage 2 over the stage-1 scores of the line's context
   (trained on out-of-fold stage-1 scores, inner folds grouped by site too).
4. Cross-validation: the pages' sites are dealt into folds (every page of a site in one
   fold), so that no site is both trained and measured on. Each page is predicted by the
   variants trained on the other folds; the gate (when a page's unsure text is worth an
   extractor's run) is chosen on those out-of-fold predictions.
5. Unless --cv-only: all pages train the shipped model (--skip-cv: that only;
   bench/html_quality.py measures the model under cross-validation too).

Training needs lightgbm (the ``bench`` extra); the model runs in numpy.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import pickle
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

import html_cache  # noqa: E402
from _report import code_digest  # noqa: E402

from kt_clean.classifier import htmlmodel as hm  # noqa: E402
from kt_clean.classifier.trees import TreeEnsemble, from_lightgbm  # noqa: E402

DEFAULT_DATA = html_cache.DEFAULT_DATA
DEFAULT_CACHE = html_cache.DEFAULT_CACHE
MODEL_OUT = REPO / "kt_clean" / "classifier" / "html-model.json"
SCORE = REPO.parent / "shared" / "bench" / "score.py"
TYPES = ["article", "service", "product", "collection", "forum", "listing", "documentation"]

DEPTH1, TREES1, LR1 = 6, 150, 0.1
DEPTH2, TREES2, LR2 = 4, 100, 0.1
#: The score over which a line is kept (the shipped variants' threshold).
THRESHOLD = 0.35
#: Choose each variant's threshold on its training pages (inner out-of-fold stage-1 scores,
#: the page-level shingle F1 of score.py) from THRESHOLDS, instead of THRESHOLD. Off since
#: 2026-12-07: the choice is made on stage-1 scores but applied to stage 2's, and it was
#: unstable (one fold's ``tf`` variant got 0.5 where the others got 0.3 and 0.35: recall
#: 0.707 instead of 0.786 on its pages that ran trafilatura). On the out-of-fold stage-2 scores of two seeds, 0.35 is within
#: 0.0005 of the best fixed threshold (docs/quality-html.md, "The headline").
CHOOSE_THRESHOLD = False
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55)
#: which trafilatura run is the vote: "tf_full" (kt-clean's configuration) or "tf_fast"
TF_KEY = "tf_fast"
#: The shipped variants. ``full`` (readability-lxml's vote too) is measured, not shipped: on
#: the out-of-fold scores of 3-fold grouped CV, running it on the 20% most unsure pages
#: (gated as ``tf`` is) gave shingle F1 0.8476 against 0.8481 without it, while it costs
#: a readability-lxml run (about 48 ms) and a second scoring on each of them
#: (docs/quality-html.md, "Which extractors' votes pay").
VARIANTS = {"fast": (), "tf": ("tf",)}
#: variants measured in experiments only (``--variants``): readability-lxml's vote as well,
#: trafilatura's full mode as the vote
EXPERIMENTS = {"full": ("tf", "rd"), "tffull": ("tff",)}


def lgb_params(depth: int, seed: int, lr: float) -> dict:
    return {"objective": "binary", "learning_rate": lr, "num_leaves": max(2, 2 ** depth - 1),
            "max_depth": depth, "min_child_samples": 40, "feature_fraction": 0.8,
            "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "seed": seed,
            "num_threads": 1, "deterministic": True, "force_row_wise": True, "max_bin": 63,
            "verbose": -1}


def _feats_key() -> str:
    return code_digest(REPO / f for f in (
        "kt_clean/classifier/features.py", "kt_clean/classifier/dom.py",
        "kt_clean/html/render.py", "kt_clean/html/parse.py",
        "kt_clean/inputs/html.py", "kt_clean/inputs/decode.py",
        "kt_clean/classifier/stopwords.txt", "kt_clean/classifier/boilerplate-words.txt"))


def _featurize_one(args):
    pid, data, lines = args
    logging.disable(logging.CRITICAL)
    from kt_clean.html.metadata import extract_metadata
    from kt_clean.inputs.html import html_document

    with gzip.open(Path(data) / "html" / f"{pid}.html.gz") as f:
        raw = f.read()
    doc = html_document(raw, f"{pid}.html")
    r = doc.derived("html_render", lambda d: None)
    assert list(doc.lines) == lines, pid
    H = hm.page_features(r.lines, r.kinds, r.origins, r.links)
    md = extract_metadata(doc.derived("html_root", lambda d: None), None, False)
    return pid, {"H": H, "title": md.get("title"), "subtitle": md.get("subtitle"),
                 "captions": list(md.get("captions") or [])}


def featurize(pages: list[dict], data: Path, cache: Path, jobs: int) -> None:
    path = cache / f"feats-{_feats_key()}.pkl"
    got: dict = {}
    if path.exists():
        got = pickle.loads(path.read_bytes())
    todo = [p for p in pages if p["id"] not in got and p["lines"]]
    if todo:
        from multiprocessing import get_context

        t0 = time.time()
        print(f"features: {len(todo)} pages", file=sys.stderr)
        with get_context("fork").Pool(jobs) as pool:
            for pid, f in pool.imap_unordered(
                    _featurize_one, [(p["id"], str(data), p["lines"]) for p in todo], chunksize=8):
                got[pid] = f
        path.write_bytes(pickle.dumps(got))
        print(f"features: {time.time() - t0:.0f}s", file=sys.stderr)
    for p in pages:
        p.update(got.get(p["id"], {}))


def load_pages(data: Path, cache: Path, workers: int) -> list[dict]:
    ids = html_cache.ensure(data, cache, workers)
    meta = html_cache.load_meta(data)
    pages = []
    for pid in ids:
        p = html_cache.load_page(cache, pid)
        if p is None:
            continue
        m = meta.get(pid, {})
        p["type"] = m.get("type", "")
        p["site"] = m.get("site", pid)
        pages.append(p)
    return pages


def add_votes(pages: list[dict], tf_key: str = TF_KEY) -> None:
    for p in pages:
        if "H" not in p:
            continue
        rows = p["H"].rows
        p["votes"] = {"tf": hm.vote_features(p["lines"], rows, p.get(tf_key) or []),
                      "tff": hm.vote_features(p["lines"], rows, p.get("tf_full") or []),
                      "rd": hm.vote_features(p["lines"], rows, p.get("rd") or [])}
        ntok = np.array([len(hm._toks(p["lines"][i])) for i in rows.tolist()], dtype=np.float64)
        p["y"] = np.asarray(p["target"], dtype=bool)[rows].astype(np.float64)
        p["w"] = np.maximum(ntok, 1.0) / max(ntok.sum(), 1.0) * 100.0


def matrix(p: dict, votes: tuple[str, ...]) -> np.ndarray:
    H = p["H"]
    return np.hstack([H.text, H.dom] + [p["votes"][e] for e in votes])


def site_folds(pages: list[dict], k: int, seed: int) -> list[int]:
    """Fold of each page: sites shuffled (within their pages' main type) and dealt round
    robin, so every page of a site is in one fold."""
    rng = np.random.default_rng(seed)
    sites: dict[str, list[int]] = {}
    for i, p in enumerate(pages):
        sites.setdefault(p["site"], []).append(i)
    by_type: dict[str, list[str]] = {}
    for s, idx in sites.items():
        t = max((pages[i]["type"] for i in idx), key=lambda t: sum(pages[i]["type"] == t for i in idx))
        by_type.setdefault(t, []).append(s)
    fold = [0] * len(pages)
    j = 0
    for t in sorted(by_type):
        ss = sorted(by_type[t])
        rng.shuffle(ss)
        for s in ss:
            for i in sites[s]:
                fold[i] = j % k
            j += 1
    return fold


def _train(X, y, w, depth, trees, seed, lr):
    import lightgbm as lgb

    return lgb.train(lgb_params(depth, seed, lr), lgb.Dataset(X, label=y, weight=w),
                     num_boost_round=trees)


def train_variant(pages: list[dict], votes: tuple[str, ...], seed: int = 0,
                  inner: int = 3, oof_out: list | None = None) -> dict:
    """One variant trained on ``pages``; ``oof_out`` receives each page's out-of-fold
    stage-1 scores (inner folds grouped by site), as the gate is chosen from them."""
    names = hm.variant_names(votes)
    X = np.concatenate([matrix(p, votes) for p in pages])
    y = np.concatenate([p["y"] for p in pages])
    w = np.concatenate([p["w"] for p in pages])
    b1 = _train(X, y, w, DEPTH1, TREES1, seed, LR1)
    s1 = from_lightgbm(b1.dump_model(), DEPTH1, names, with_values=True)
    out = {"votes": list(votes), "threshold": THRESHOLD, "stage1": s1, "stage2": None}
    if not TREES2 and oof_out is None:
        return out
    folds = site_folds(pages, inner, seed + 1)
    oof: list = [None] * len(pages)
    for f in range(inner):
        tr = [p for p, g in zip(pages, folds) if g != f]
        Xt = np.concatenate([matrix(p, votes) for p in tr])
        b = _train(Xt, np.concatenate([p["y"] for p in tr]),
                   np.concatenate([p["w"] for p in tr]), DEPTH1, TREES1, seed, LR1)
        ens = TreeEnsemble(from_lightgbm(b.dump_model(), DEPTH1, names))
        for i, (p, g) in enumerate(zip(pages, folds)):
            if g == f:
                oof[i] = ens.predict(matrix(p, votes))
    if oof_out is not None:
        oof_out[:] = oof
    if CHOOSE_THRESHOLD:
        out["threshold"] = choose_threshold(pages, oof)
    if not TREES2:
        return out
    X2 = np.concatenate([np.hstack([matrix(p, votes), hm.html_context(o, p["H"])])
                         for p, o in zip(pages, oof)])
    b2 = _train(X2, y, w, DEPTH2, TREES2, seed, LR2)
    if TREES2:
        out["stage2"] = from_lightgbm(b2.dump_model(), DEPTH2, names + hm.context_names())
    return out


#: The share of pages that run trafilatura (and readability-lxml too, when ``full`` is
#: trained): the gate is set so that on the training pages this share of them has a gate
#: value (``htmlmodel.gate_value``: the unsure share of the text, divided by the page's
#: size in lines to the power GATE_POWER) over it. Chosen for the time budget (the default
#: path at most trafilatura's time) by ``bench/html_gate.py``'s sweep of the out-of-fold
#: scores (docs/quality-html.md): with GATE_POWER 1.5, 40% of the pages (the short ones
#: among the unsure) cost trafilatura about 60% of the time that the 50% most unsure pages
#: did (GATE_POWER 0), at the same F1.
TF_SHARE, RD_SHARE = 0.4, 0.2
GATE_POWER = 1.5


def _unsure(p: dict, scores: np.ndarray) -> float:
    s = hm.Scores(scores, scores, scores >= THRESHOLD, np.zeros(len(scores), dtype=np.intp))
    return hm.gate_value(p["H"], s, GATE_POWER)


def build_model(pages: list[dict], seed: int = 0,
                variants: dict[str, tuple[str, ...]] | None = None) -> dict:
    """The model file's content: every variant trained on ``pages``, and the gates chosen on
    their out-of-fold scores."""
    variants = variants or VARIANTS
    out: dict = {"variants": {}, "gate": {}, "meta": {
        "data": "WCXB dev split (wcxb-dev)", "pages": len(pages), "tf_mode": TF_KEY[3:],
        "tf_share": TF_SHARE, "gate_power": GATE_POWER, "seed": seed}}
    if "full" in variants:
        out["meta"]["rd_share"] = RD_SHARE
    previous = None
    for name, votes in variants.items():
        oof: list = []
        out["variants"][name] = train_variant(pages, votes, seed, oof_out=oof)
        if previous is not None:
            share = TF_SHARE if name == "tf" else RD_SHARE
            unsure = sorted(_unsure(p, o) for p, o in zip(pages, previous))
            out["gate"][name] = float(unsure[int((1 - share) * (len(unsure) - 1))])
        previous = oof
    return out


def _model_key(k: int, seed: int, variants: dict[str, tuple[str, ...]] | None = None) -> str:
    h = hashlib.sha1(f"{_feats_key()}|{k}|{seed}|{TF_KEY}|{TF_SHARE}|{RD_SHARE}|{GATE_POWER}|"
                     f"{DEPTH1},{TREES1},{LR1}|{DEPTH2},{TREES2},{LR2}".encode())
    if variants and variants != VARIANTS:
        h.update(repr(sorted(variants.items())).encode())
    for f in ("bench/train_html_model.py", "kt_clean/classifier/htmlmodel.py",
              "kt_clean/classifier/trees.py"):
        h.update((REPO / f).read_bytes())
    return h.hexdigest()[:12]


def fold_models(data: Path, cache: Path, k: int = 5, jobs: int = 2, seed: int = 0,
                variants: dict[str, tuple[str, ...]] | None = None
                ) -> tuple[dict[str, int], list[Path]]:
    """Every page's fold (grouped by site) and each fold's model of ``variants`` (the
    shipped ones by default), trained on the other folds (made once, kept in
    CACHE/cv-models/KEY/)."""
    from multiprocessing import get_context

    pages = load_pages(data, cache, jobs)
    meta = html_cache.load_meta(data)
    folds = site_folds(pages, k, seed)
    site_fold = {p["site"]: f for p, f in zip(pages, folds)}
    fold_of = {p["id"]: f for p, f in zip(pages, folds)}
    for pid in html_cache.ids_of(data):
        fold_of.setdefault(pid, site_fold.get(meta.get(pid, {}).get("site", pid), 0))
    where = cache / "cv-models" / _model_key(k, seed, variants)
    paths = [where / f"fold-{f}.json" for f in range(k)]
    todo = [f for f in range(k) if not paths[f].exists()]
    if todo:
        featurize(pages, data, cache, jobs)
        add_votes(pages)
        usable = [(p, f) for p, f in zip(pages, folds) if "H" in p]
        where.mkdir(parents=True, exist_ok=True)
        _CV.update(usable=usable, seed=seed, paths=paths, variants=variants)
        with get_context("fork").Pool(max(1, min(jobs, len(todo)))) as pool:
            pool.map(_fold_model, todo)
        _CV.clear()
    return fold_of, paths


def _fold_model(f: int) -> None:
    t0 = time.time()
    train = [p for p, g in _CV["usable"] if g != f]
    model = build_model(train, _CV["seed"], _CV["variants"])
    path = _CV["paths"][f]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"  fold model {f + 1}: {len(train)} pages in {time.time() - t0:.0f}s", file=sys.stderr,
          flush=True)


def choose_threshold(pages: list[dict], scores: list) -> float:
    """The threshold of THRESHOLDS under which the kept lines of ``pages`` (with these
    out-of-fold ``scores``) score best."""
    S = load_score()
    best = (-1.0, THRESHOLD)
    for t in THRESHOLDS:
        f1 = S.aggregate([S.shingle_tp_fp_fn(p["gold"], body(p, q >= t))
                          for p, q in zip(pages, scores)])[0]
        best = max(best, (f1, t))
    return best[1]


def predict(variant: dict, p: dict) -> hm.Scores:
    v = hm.Variant(variant, hm.variant_names(variant["votes"]), hm.context_names())
    return hm.score(v, p["H"], p["votes"], explain=False)


# -- bodies and scores --------------------------------------------------------------------

def body(p: dict, keep_rows: np.ndarray) -> str:
    """The kept lines as the HTML cleaner makes the body (approximately: the title,
    subtitle and captions the metadata names are not body)."""
    roles = {(p.get("title") or "").strip(), (p.get("subtitle") or "").strip(),
             *(c.strip() for c in p.get("captions") or [])}
    roles.discard("")
    out, seen = [], set()
    for i in p["H"].rows[keep_rows].tolist():
        s = p["lines"][i].strip()
        if s in roles and s not in seen:
            seen.add(s)
            continue
        if s[:1] in "•□◦▪■○●·‣⁃◆◇►▶▸➢☆★":
            s = s[1:].lstrip()
        out.append(s)
    return "\n".join(out)


def load_score():
    import importlib.util

    spec = importlib.util.spec_from_file_location("kt_score", SCORE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def scores(S, pages: list[dict], texts: dict[str, str]) -> dict[str, tuple[float, float, float, int]]:
    per = {p["id"]: S.shingle_tp_fp_fn(p["gold"], texts.get(p["id"], "")) for p in pages}
    out = {}
    for g in ["all", *TYPES]:
        sub = [per[p["id"]] for p in pages if g == "all" or p["type"] == g]
        if sub:
            out[g] = (*S.aggregate(sub), len(sub))
    return out


def fmt(res: dict) -> str:
    return " ".join(f"{g} {v[0]:.3f}" for g, v in res.items())


_CV: dict = {}


def _cv_fold(f: int) -> dict:
    pages, folds, seed = _CV["pages"], _CV["folds"], _CV["seed"]
    t0 = time.time()
    tr = [p for p, g in zip(pages, folds) if g != f]
    te = [p for p, g in zip(pages, folds) if g == f]
    out: dict = {}
    for name, votes in _CV["variants"].items():
        v = train_variant(tr, votes, seed)
        for p in te:
            s = predict(v, p)
            out.setdefault(p["id"], {})[name] = (s.p1, s.p2, v["threshold"])
    print(f"  fold {f + 1}: {len(tr)} pages trained in {time.time() - t0:.0f}s", file=sys.stderr,
          flush=True)
    return out


def cross_validate(pages: list[dict], k: int, seed: int, jobs: int,
                   variants: dict[str, tuple[str, ...]]) -> dict:
    """Out-of-fold (p1, p2) of every page and variant."""
    from multiprocessing import get_context

    folds = site_folds(pages, k, seed)
    _CV.update(pages=pages, folds=folds, seed=seed, variants=variants)
    if jobs > 1:
        with get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_cv_fold, range(k))
    else:
        parts = [_cv_fold(f) for f in range(k)]
    _CV.clear()
    out: dict = {}
    for part in parts:
        out.update(part)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--skip-cv", action="store_true",
                    help="train the shipped model only (bench/html_quality.py measures it "
                         "under cross-validation)")
    ap.add_argument("--out", type=Path, default=MODEL_OUT)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    if not (args.data / "html").is_dir():
        print(f"train_html_model: no data at {args.data}; nothing to train")
        return 0
    t0 = time.time()
    pages = load_pages(args.data, args.cache, args.jobs)
    featurize(pages, args.data, args.cache, args.jobs)
    add_votes(pages)
    pages = [p for p in pages if "H" in p]
    variants = {k: {**VARIANTS, **EXPERIMENTS}[k] for k in args.variants.split(",")}
    if args.skip_cv:
        return _write_model(pages, args, variants, t0)
    S = load_score()
    cv = cross_validate(pages, args.folds, args.seed, args.jobs, variants)
    for name in variants:
        for stage in (0, 1):
            texts = {p["id"]: body(p, cv[p["id"]][name][stage] >= cv[p["id"]][name][2])
                     for p in pages}
            print(f"CV {name} stage{stage + 1}: {fmt(scores(S, pages, texts))}")
        ts = sorted({cv[p["id"]][name][2] for p in pages})
        print(f"   thresholds chosen on the training folds: {ts}")
    for base in ("base_trafilatura", "base_readability", "base_justext"):
        print(f"{base}: {fmt(scores(S, pages, {p['id']: p[base] for p in pages}))}")
    oracle = {p["id"]: body(p, p["y"] > 0) for p in pages}
    print(f"oracle: {fmt(scores(S, pages, oracle))}")
    (args.cache / "cv-last.pkl").write_bytes(pickle.dumps(cv))
    print(f"total {time.time() - t0:.0f}s", file=sys.stderr)
    if args.cv_only:
        return 0
    return _write_model(pages, args, variants, t0)


def _write_model(pages: list[dict], args: argparse.Namespace,
                 variants: dict[str, tuple[str, ...]], t0: float) -> int:
    model = build_model(pages, args.seed, variants)
    text = json.dumps(model, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text) / 1e6:.2f} MB, {len(pages)} pages, "
          f"{time.time() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
