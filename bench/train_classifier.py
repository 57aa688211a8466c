#!/usr/bin/env python3
"""Train the generic line classifier (kt_clean/classifier/model.json).

    python bench/train_classifier.py [--data DIR] [--out FILE] [--seed 0]
                                     [--sources w3m,lynx,lynx-refs,html2text,inscriptis]

Reads the WCXB dev split (default: ../shared/data/wcxb-dev relative to the repo root):
dumps-w3m/ID.txt (the page as a text dump), gold/ID.txt (the main text), types.tsv,
meta.jsonl (the pages' addresses: folds are grouped by site). Dumps of the same pages by
other tools (bench/make_dumps.py: lynx, lynx with its link list, html2text, inscriptis, in
/tmp/model-cache/dumps-TOOL/) are training pages too, so that dumps of other tools are
cleaned as well as w3m's; a page's dumps are always in the same fold.

1. Targets: the dump's tokens (\\w+) are aligned with the gold's tokens (difflib, no
   autojunk); a line is content when at least half its tokens fall in matching runs of
   >= 3 tokens (or a run covering the whole line). Choosing exactly those lines scores
   ~0.99 shingle-F1 (the oracle).
2. Features: kt_clean.classifier.features.extract (one row per non-blank line).
3. Stage 1: LightGBM (depth-limited) on the line features. Stage 2: LightGBM on the line
   features + context features of the stage-1 probabilities (out-of-fold stage-1
   predictions, so stage 2 learns from honest neighbours).
4. Both ensembles are exported to complete-tree arrays evaluated in numpy (trees.py).

Training needs lightgbm (and numpy); neither lightgbm nor scikit-learn is a runtime
dependency of kt-clean. Line weights follow the metric: each line weighs its share of its
page's tokens, so every page counts about equally, as in the per-document mean of the
score.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import pickle
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from kt_clean.classifier import Model, classify_with  # noqa: E402
from kt_clean.classifier.features import BASE_NAMES, CONTEXT_NAMES, context_features, extract  # noqa: E402
from kt_clean.classifier.trees import from_lightgbm  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
MODEL_OUT = REPO / "kt_clean" / "classifier" / "model.json"
CACHE_DIR = REPO / "bench" / "out"
#: where bench/make_dumps.py writes the other tools' dumps
DUMPS_DIR = Path("/tmp/model-cache")
SOURCES = ("w3m", "lynx", "lynx-refs", "html2text", "inscriptis")
#: The tools whose dumps are all used; of the others' dumps, every other page (by id), to
#: bound the training time (a page's other dumps are near copies of its text).
MAIN_SOURCES = ("w3m", "lynx")
#: the tools whose dumps the shipped model is trained on (every page's dump of each; a
#: page's dumps by several tools are always in one fold)
TRAIN_SOURCES: tuple[str, ...] = ("w3m",)
TOKEN_RE = re.compile(r"\w+")

# stage 1: depth-limited trees; stage 2: stumps (an additive model, evaluated by lookup)
DEPTH1, TREES1, LR1 = 6, 80, 0.15
DEPTH2, TREES2, LR2 = 1, 200, 0.2
THRESHOLD = 0.45
#: inner folds (grouped by site) of the out-of-fold stage-1 scores stage 2 learns from
INNER = 4
#: the feature sets trained on: "new" (every column features.py makes), or "old" (those
#: before the keyword groups and the wide context pass, as the shipped model.json)
FEATURES = "old"
# experiments: KT_TRAIN_PARAMS="TREES1=200,DEPTH1=8" overrides the constants above
for _kv in filter(None, __import__("os").environ.get("KT_TRAIN_PARAMS", "").split(",")):
    _k, _v = _kv.split("=")
    globals()[_k] = type(globals()[_k])(_v)


def feature_counts(features: str | None = None) -> tuple[int, int]:
    """(base columns, context columns) of the feature set ``features`` (default FEATURES)."""
    from kt_clean.classifier import feature_sets

    (new_base, old_base), (new_ctx, old_ctx) = feature_sets()
    return (new_base, new_ctx) if (features or FEATURES) == "new" else (old_base, old_ctx)


def lgb_params(depth: int, seed: int, lr: float = 0.1) -> dict:
    return {
        "objective": "binary", "learning_rate": lr, "num_leaves": max(2, 2 ** depth - 1),
        "max_depth": depth, "min_child_samples": 40, "feature_fraction": 0.8,
        "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "seed": seed,
        "num_threads": 1, "deterministic": True, "force_row_wise": True, "max_bin": 63,
        "verbose": -1,
    }


def read_text(p: Path) -> str:
    return p.read_bytes().decode("utf-8", errors="replace")


def dump_lines(text: str) -> list[str]:
    return text.split("\n")


def dump_dir(data: Path, source: str) -> Path:
    return data / "dumps-w3m" if source == "w3m" else DUMPS_DIR / f"dumps-{source}"


def load_pages(data: Path, source: str = "w3m") -> list[dict]:
    from html_cache import load_meta

    meta = load_meta(data)
    types = {}
    for line in read_text(data / "types.tsv").splitlines():
        if "\t" in line:
            i, t = line.split("\t")[:2]
            types[i.strip()] = t.strip()
    pages = []
    folder = dump_dir(data, source)
    for i in sorted(types):
        d, g = folder / f"{i}.txt", data / "gold" / f"{i}.txt"
        if d.exists() and g.exists():
            pages.append({"id": i, "type": types[i], "lines": dump_lines(read_text(d)),
                          "gold": read_text(g), "source": source,
                          "site": meta.get(i, {}).get("site", i)})
    return pages


def line_labels(lines: list[str], gold: str) -> np.ndarray:
    """Per-line content targets by token alignment of the dump with the gold."""
    gt = TOKEN_RE.findall(gold)
    dt: list[str] = []
    owner: list[int] = []
    ntok = []
    for i, line in enumerate(lines):
        t = TOKEN_RE.findall(line)
        ntok.append(len(t))
        dt += t
        owner += [i] * len(t)
    matched = [0] * len(lines)
    sm = difflib.SequenceMatcher(None, dt, gt, autojunk=False)
    for a, _b, size in sm.get_matching_blocks():
        if size >= 3 or (size > 0 and size == ntok[owner[a]]):
            for k in range(a, a + size):
                matched[owner[k]] += 1
    return np.array([ntok[i] > 0 and matched[i] / ntok[i] >= 0.5 for i in range(len(lines))])


def prepare(data: Path, verbose: bool = True, source: str = "w3m") -> list[dict]:
    """Pages with labels (cached in bench/out/, keyed by the data's size and mtime)."""
    key = hashlib.sha1(f"{data.resolve()}|{(data / 'types.tsv').stat().st_mtime}|v1".encode()).hexdigest()[:12]
    cache = CACHE_DIR / (f"labels-{key}.pkl" if source == "w3m" else f"labels-{source}-{key}.pkl")
    pages = load_pages(data, source)
    labels = None
    if cache.exists():
        try:
            labels = pickle.loads(cache.read_bytes())
        except Exception:
            labels = None
    if labels is None or set(labels) != {p["id"] for p in pages}:
        t0 = time.time()
        labels = {p["id"]: line_labels(p["lines"], p["gold"]) for p in pages}
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(labels))
        if verbose:
            print(f"labels: {len(pages)} pages aligned in {time.time() - t0:.1f}s", file=sys.stderr)
    for p in pages:
        p["y_lines"] = labels[p["id"]]
    return pages


def _features_key() -> str:
    h = hashlib.sha1()
    for f in ("features.py", "keywords.txt", "stopwords.txt", "boilerplate-words.txt"):
        path = REPO / "kt_clean" / "classifier" / f
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def featurize(pages: list[dict]) -> None:
    """The feature rows of every page (cached in bench/out/ per source, keyed by the code
    that makes them)."""
    key = _features_key()
    by_source: dict[str, list[dict]] = {}
    for p in pages:
        by_source.setdefault(p.get("source", "w3m"), []).append(p)
    for source, these in by_source.items():
        cache = CACHE_DIR / f"features-{source}-{key}.pkl"
        stored: dict = {}
        if cache.exists():
            try:
                stored = pickle.loads(cache.read_bytes())
            except Exception:
                stored = {}
        fresh = False
        for p in these:
            if p["id"] not in stored:
                stored[p["id"]] = extract(p["lines"])
                fresh = True
        if fresh:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(stored))
        for p in these:
            _featurize_page(p, *stored[p["id"]])


def _featurize_page(p: dict, X: np.ndarray, rows: np.ndarray, stripped: list[str]) -> None:
    p["X"] = X
    p["rows"] = rows
    p["y"] = p["y_lines"][rows].astype(np.float64)
    ntok = np.array([len(TOKEN_RE.findall(s)) for s in stripped], dtype=np.float64)
    tot = max(ntok.sum(), 1.0)
    p["w"] = (np.maximum(ntok, 1.0) / tot) * 100.0


def _stack(pages: list[dict], key: str) -> np.ndarray:
    return np.concatenate([p[key] for p in pages]) if pages else np.zeros(0)


def _train(X, y, w, depth, trees, seed, lr=0.1):
    import lightgbm as lgb

    ds = lgb.Dataset(X, label=y, weight=w, free_raw_data=True)
    return lgb.train(lgb_params(depth, seed, lr), ds, num_boost_round=trees)


def _export(booster, depth, names) -> dict:
    return from_lightgbm(booster.dump_model(), depth, names)


def page_folds(pages: list[dict], k: int, seed: int) -> list[int]:
    """Fold of each page, grouped by site: the sites are shuffled within their pages' main
    type and dealt round robin, so every page of a site (and every dump of a page) is in
    one fold, and a model is never measured on a site it was trained on."""
    rng = np.random.default_rng(seed)
    sites: dict[str, list[int]] = {}
    for i, p in enumerate(pages):
        sites.setdefault(p.get("site", p["id"]), []).append(i)
    by_type: dict[str, list[str]] = {}
    for site, idx in sites.items():
        types = [pages[i]["type"] for i in idx]
        by_type.setdefault(max(sorted(set(types)), key=types.count), []).append(site)
    fold = [0] * len(pages)
    j = 0
    for t in sorted(by_type):
        ss = sorted(by_type[t])
        rng.shuffle(ss)
        for site in ss:
            for i in sites[site]:
                fold[i] = j % k
            j += 1
    return fold


def train_model(pages: list[dict], seed: int = 0, inner_folds: int | None = None,
                stage2: bool = True, features: str | None = None) -> dict:
    """Train both stages on ``pages`` (featurized) on the feature sets ``features`` ("new"
    or "old", default FEATURES); return the model dict."""
    from kt_clean.classifier.trees import TreeEnsemble

    n_base, n_ctx = feature_counts(features)
    base_names = BASE_NAMES[:n_base]
    X = _stack(pages, "X")[:, :n_base]
    y = _stack(pages, "y")
    w = _stack(pages, "w")
    b1 = _train(X, y, w, DEPTH1, TREES1, seed, LR1)
    del X
    m1 = _export(b1, DEPTH1, base_names)
    model = {"threshold": THRESHOLD, "stage1": m1, "stage2": None,
             "meta": {"n_pages": len(pages), "seed": seed}}
    if not stage2:
        return model
    # out-of-fold stage-1 probabilities for the stage-2 training rows
    inner_folds = inner_folds or INNER
    folds = page_folds(pages, inner_folds, seed + 1)
    oof = [None] * len(pages)
    for f in range(inner_folds):
        tr = [p for p, g in zip(pages, folds) if g != f]
        b = _train(_stack(tr, "X")[:, :n_base], _stack(tr, "y"), _stack(tr, "w"), DEPTH1,
                   TREES1, seed, LR1)
        ens = TreeEnsemble(_export(b, DEPTH1, base_names))
        for i, (p, g) in enumerate(zip(pages, folds)):
            if g == f:
                oof[i] = ens.predict(p["X"][:, :n_base]) if p["X"].shape[0] else np.zeros(0)
    ctx_names = CONTEXT_NAMES[:n_ctx]
    X2 = np.concatenate([np.hstack([p["X"][:, :n_base], context_features(o, p["X"], ctx_names)])
                         for p, o in zip(pages, oof)])
    b2 = _train(X2, y, w, DEPTH2, TREES2, seed, LR2)
    model["stage2"] = _export(b2, DEPTH2, base_names + ctx_names)
    return model


_CV: dict = {}


def _cv_fold(f: int) -> dict[str, list]:
    pages, folds, seed, stage2, k = (_CV[x] for x in ("pages", "folds", "seed", "stage2", "k"))
    t0 = time.time()
    tr = [p for p, g in zip(pages, folds)
          if g != f and p["source"] in _CV["train"] and trained_on(p)]
    model = Model(train_model(tr, seed=seed, stage2=stage2))
    out = {(p["source"], p["id"]): [tuple(d) for d in classify_with(p["lines"], model)]
           for p, g in zip(pages, folds) if g == f and p["source"] in _CV["measure"]}
    if _CV.get("verbose"):
        print(f"  fold {f + 1}/{k}: trained on {len(tr)} pages in {time.time() - t0:.0f}s",
              file=sys.stderr)
    return out


def cv_predictions(pages: list[dict], k: int = 5, seed: int = 0, stage2: bool = True,
                   verbose: bool = True, jobs: int = 2,
                   measure: tuple[str, ...] = ("w3m",),
                   train: tuple[str, ...] = SOURCES) -> dict[tuple[str, str], list]:
    """Decisions for every page (of the sources ``measure``) from a model that never saw
    its site: k folds grouped by site; keys (source, page id).

    The folds run in ``jobs`` forked processes (LightGBM itself is single-threaded here).
    """
    import multiprocessing as mp

    from kt_clean.classifier import Decision

    folds = page_folds(pages, k, seed)
    _CV.update(pages=pages, folds=folds, seed=seed, stage2=stage2, k=k, verbose=verbose,
               measure=measure, train=train)
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        with mp.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_cv_fold, range(k))
    else:
        parts = [_cv_fold(f) for f in range(k)]
    _CV.clear()
    out: dict[tuple[str, str], list] = {}
    for part in parts:
        for key, ds in part.items():
            out[key] = [Decision(*d) for d in ds]
    return out


def prepare_sources(data: Path, sources: tuple[str, ...], verbose: bool = True) -> list[dict]:
    """The labelled pages of every source whose dumps exist (a missing tool is skipped)."""
    pages: list[dict] = []
    for source in sources:
        if not dump_dir(data, source).is_dir():
            if verbose:
                print(f"no dumps of {source} ({dump_dir(data, source)}; bench/make_dumps.py); "
                      "skipped", file=sys.stderr)
            continue
        pages += prepare(data, verbose, source)
    return pages


def trained_on(p: dict) -> bool:
    """Whether a page's dump is a training page (see MAIN_SOURCES)."""
    return p["source"] in MAIN_SOURCES or int(
        hashlib.sha1(p["id"].encode()).hexdigest(), 16) % 2 == 0


def render(lines: list[str], decisions) -> str:
    """Kept non-blank lines, bullets and indentation stripped, one per line."""
    out = []
    for line, d in zip(lines, decisions):
        if d.kept and d.label != "blank":
            s = line.strip()
            if s[:1] in "•□◦▪■○●·‣⁃◆◇►▶▸➢":
                s = s[1:].lstrip()
            out.append(s)
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_OUT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-stage2", action="store_true")
    ap.add_argument("--sources", default=",".join(TRAIN_SOURCES),
                    help=f"the tools whose dumps are trained on, of {', '.join(SOURCES)}")
    ap.add_argument("--features", choices=("new", "old"), default=FEATURES)
    args = ap.parse_args()
    if not (args.data / "dumps-w3m").is_dir():
        print(f"no data at {args.data}; nothing to train", file=sys.stderr)
        return 0
    t0 = time.time()
    pages = [p for p in prepare_sources(args.data, tuple(args.sources.split(",")))
             if trained_on(p)]
    featurize(pages)
    model = train_model(pages, seed=args.seed, stage2=not args.no_stage2,
                        features=args.features)
    model["meta"].update({"data": "WCXB dev split (wcxb-dev), dumps of "
                                  + ", ".join(sorted({p["source"] for p in pages})), "trees1": TREES1,
                          "depth1": DEPTH1, "trees2": TREES2, "depth2": DEPTH2})
    text = json.dumps(model, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text) / 1e6:.2f} MB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
