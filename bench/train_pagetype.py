#!/usr/bin/env python3
"""Train and cross-validate the page-type classifier (kt_clean/classifier/pagetype.py).

    python bench/train_pagetype.py [--data DIR] [--workers 2] [--cache FILE] [--C 0.1]
                                   [--no-write] [--no-save] [--misses] [--retrain-text]

For every WCXB-dev page (``meta.jsonl``: gold page type; ``listing`` and ``collection`` are
both ``list``) it makes the features of both views of the page:

  * text dump: the lines of ``dumps-w3m/ID.txt`` as kt-clean reads them, with the lines the
    generic cleaner keeps, no tree, no address;
  * HTML: kt-clean's rendered lines of ``html/ID.html.gz``, the lines its HTML cleaner keeps,
    the HTML line model's features of those lines (made again here from the rendering, as
    the cleaner makes them) and the parsed tree's markup (the address is read from the
    tree's canonical / og:url, as at run time for a page given without one).

One multinomial logistic regression per view (scikit-learn for the fit; the prediction is
numpy in pagetype.py) is scored by 5-fold cross-validation grouped by site (the hostname of
the page's URL, so no site is both trained on and tested on), with a confusion matrix. Then
the HTML one is trained on all pages and written to ``kt_clean/classifier/pagetype.json``
(unless ``--no-save``; the text dumps' model there is kept as it is unless
``--retrain-text``), and the figures go into docs/quality.md (``<!-- bench:pagetype -->``)
unless ``--no-write``. ``--cache FILE`` keeps the extracted lines between runs (a pickle,
outside the repo), made again when any file of the package (code or model) has changed. Exits 0 with a message when the data directory is absent.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import pickle
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _report import SHARED_DATA, code_digest, machine, update_section  # noqa: E402

DATA = SHARED_DATA / "wcxb-dev"
CLASS_WEIGHT: str | None = "balanced"
TYPE_MAP = {"listing": "list", "collection": "list"}
OUT = ROOT / "kt_clean" / "classifier" / "pagetype.json"


def site(url: str | None, pid: str) -> str:
    if not url:
        return f"?{pid}"
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


def extract_page(args: tuple[str, str, str]) -> dict:
    """The lines and kept flags of both views of one page (and the HTML, to parse again)."""
    import logging

    logging.disable(logging.CRITICAL)
    import kt_clean
    from kt_clean.inputs import load_bytes

    pid, html_path, dump_path = args
    out: dict = {"id": pid}
    for view, data, source in (("text", Path(dump_path).read_bytes(), f"{pid}.txt"),
                               ("html", gzip.decompress(Path(html_path).read_bytes()), f"{pid}.html")):
        try:
            doc = load_bytes(data, source)[0]
        except Exception as exc:
            out[view] = {"lines": [], "kept": None, "html": None, "error": str(exc)[:100]}
            continue
        try:
            labels = kt_clean.strip(doc).labels
            kept = [lab.kept for lab in labels] if labels is not None else None
        except Exception:
            kept = None
        html = doc.meta.get("html") if view == "html" else None
        out[view] = {"lines": list(doc.lines), "kept": kept, "html": html}
    return out


def line_features(lines: list[str], kept: list[bool] | None, root):
    """The line model's features of the page's rendered lines, as the HTML cleaner makes
    them (the rendering whose lines are the page's), or None."""
    import numpy as np

    from kt_clean.classifier import htmlmodel as hm
    from kt_clean.classifier.pagetype import LineFeatures
    from kt_clean.html.render import matching_rendering

    if root is None or not kept or len(kept) != len(lines):
        return None
    r = matching_rendering(root, lines)
    if r is None:
        return None
    page = hm.page_features(r.lines, r.kinds, r.origins, r.links)
    return LineFeatures(page.text, page.dom, np.asarray(kept, dtype=bool)[page.rows])


def page_features(rec: dict) -> dict:
    from kt_clean.classifier.pagetype import features, html_features
    from kt_clean.html.parse import parse_html

    res: dict = {"id": rec["id"]}
    t = rec["text"]
    res["text"] = features(t["lines"], t["kept"], None, None)
    h = rec["html"]
    root = None
    if h.get("html"):
        try:
            root = parse_html(h["html"])
        except Exception:
            root = None
    lf = line_features(h["lines"], h["kept"], root) if root is not None else None
    res["html"] = html_features(h["lines"], h["kept"], root, None,
                                *(lf if lf is not None else (None, None, None)))
    return res


def design(rows: list[tuple[list[float], list[int]]]):
    import numpy as np
    from scipy import sparse

    from kt_clean.classifier.pagetype import N_HASH

    X = np.asarray([r[0] for r in rows], dtype=np.float64)
    indptr = np.cumsum([0] + [len(r[1]) for r in rows])
    indices = np.concatenate([np.asarray(r[1], dtype=np.int64) for r in rows]) if rows else []
    H = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), N_HASH))
    return X, H


class Fitted:
    def __init__(self, X, H, y, C: float, hash_value: float, types: list[str]):
        import numpy as np
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        std = X.std(axis=0)
        self.columns = np.nonzero(std > 1e-9)[0]
        self.mean = X[:, self.columns].mean(axis=0)
        self.scale = std[self.columns]
        self.hash_value = hash_value
        self.types = types
        Z = sparse.hstack([sparse.csr_matrix(self._dense(X)), H * hash_value]).tocsr()
        self.lr = LogisticRegression(C=C, max_iter=5000, class_weight=CLASS_WEIGHT)
        self.lr.fit(Z, [types.index(v) for v in y])

    def _dense(self, X):
        import numpy as np

        return np.clip((X[:, self.columns] - self.mean) / self.scale, -8, 8)

    def predict(self, X, H):
        from scipy import sparse

        Z = sparse.hstack([sparse.csr_matrix(self._dense(X)), H * self.hash_value]).tocsr()
        return self.lr.predict(Z)

    def to_json(self, use_url: bool) -> dict:
        import numpy as np

        from kt_clean.classifier.pagetype import N_HASH

        nd = len(self.columns)
        coef = self.lr.coef_  # (classes, nd + N_HASH)
        order = list(self.lr.classes_)
        # rows of W in the order of self.types
        w = coef[[order.index(k) for k in range(len(self.types))]]
        b = self.lr.intercept_[[order.index(k) for k in range(len(self.types))]]

        def r(v: float) -> float:
            return float(f"{v:.4g}")

        return {
            "types": self.types, "columns": [int(c) for c in self.columns],
            "mean": [r(v) for v in self.mean], "scale": [r(v) for v in self.scale],
            "w_dense": [r(v) for v in w[:, :nd].T.ravel()],
            "w_hash": base64.b64encode(
                np.ascontiguousarray(w[:, nd:nd + N_HASH].T).astype("<f2").tobytes()).decode(),
            "hash_value": self.hash_value, "bias": [r(v) for v in b], "use_url": use_url,
        }



def _code_key() -> str:
    """A digest of the package's files (its code and its models): the cached lines are
    what this code makes of the pages."""
    return code_digest(f for f in sorted((ROOT / "kt_clean").rglob("*"))
                       if f.is_file() and f.suffix in (".py", ".json", ".txt"))

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=None,
                    help="pickle of the extracted lines, made if absent (keep it outside the repo)")
    ap.add_argument("--C", type=float, default=0.05, help="inverse regularisation strength")
    ap.add_argument("--hash-value", type=float, default=1.0,
                    help="value of a present bag-of-words bucket")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    ap.add_argument("--no-save", action="store_true", help="do not write the model file")
    ap.add_argument("--misses", action="store_true", help="list the cross-validation misses")
    ap.add_argument("--retrain-text", action="store_true",
                    help="refit the text dumps' model too (default: keep the shipped one)")
    args = ap.parse_args(argv)
    meta_path = args.data / "meta.jsonl"
    if not meta_path.exists() or not (args.data / "html").is_dir():
        print(f"train_pagetype: data not found ({args.data}); skipping.")
        return 0
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from kt_clean.classifier.pagetype import HTML_NAMES, NAMES, TYPES

    gold = {}
    for line in meta_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            gold[r["id"]] = r
    ids = sorted(gold)
    from multiprocessing import get_context

    t0 = time.perf_counter()
    key = _code_key()
    cached = pickle.loads(args.cache.read_bytes()) if args.cache and args.cache.exists() else {}
    if isinstance(cached, dict) and cached.get("key") == key:
        recs = cached["recs"]
    else:
        jobs = [(i, str(args.data / "html" / f"{i}.html.gz"),
                 str(args.data / "dumps-w3m" / f"{i}.txt")) for i in ids]
        with get_context("fork").Pool(max(1, args.workers)) as pool:
            recs = {}
            for n, r in enumerate(pool.imap_unordered(extract_page, jobs, chunksize=4), 1):
                recs[r["id"]] = r
                if n % 250 == 0:
                    print(f"  read {n}/{len(jobs)} pages", file=sys.stderr, flush=True)
        if args.cache:
            args.cache.write_bytes(pickle.dumps({"key": key, "recs": recs}))
    t1 = time.perf_counter()
    with get_context("fork").Pool(max(1, args.workers)) as pool:
        feats = {r["id"]: r for r in pool.imap_unordered(page_features,
                                                         [recs[i] for i in ids], chunksize=8)}
    t2 = time.perf_counter()
    print(f"read {t1 - t0:.1f}s, features {t2 - t1:.1f}s", file=sys.stderr)

    y = np.array([TYPE_MAP.get(gold[i]["page_type"], gold[i]["page_type"]) for i in ids])
    groups = np.array([site(gold[i].get("url"), i) for i in ids])
    types = list(TYPES)
    results: dict[str, dict] = {}
    fitted: dict[str, Fitted] = {}
    for view in ("html", "text"):
        X, H = design([feats[i][view] for i in ids])
        pred = np.empty(len(ids), dtype=object)
        for tr, te in GroupKFold(n_splits=5).split(X, y, groups):
            f = Fitted(X[tr], H[tr], y[tr], args.C, args.hash_value, types)
            pred[te] = [types[k] for k in f.predict(X[te], H[te])]
        acc = float(np.mean(pred == y))
        cm = [[int(np.sum((y == g) & (pred == p))) for p in types] for g in types]
        results[view] = {"acc": acc, "cm": cm, "pred": pred}
        print(f"{view}: grouped 5-fold CV accuracy {100 * acc:.1f}%")
        if args.misses:
            for i, g, p in zip(ids, y, pred):
                if g != p:
                    print(f"  {view} {i} gold={g} pred={p} {gold[i]['url'][:90]}")
        fitted[view] = Fitted(X, H, y, args.C, args.hash_value, types)

    # the text dumps' model is the shipped one unless --retrain-text (its features and
    # data are unchanged: refitting would move its weights in the last digits only)
    text_model = (fitted["text"].to_json(use_url=False) if args.retrain_text
                  else json.loads(OUT.read_text(encoding="utf-8"))["text"])
    model = {"names": NAMES, "text": text_model,
             "html": {**fitted["html"].to_json(use_url=True), "names": HTML_NAMES},
             "trained": f"bench/train_pagetype.py on {len(ids)} WCXB-dev pages, C={args.C}"}
    if not args.no_save:
        OUT.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} KB)")

    # training-set accuracy of the shipped (rounded) model, with the numpy prediction
    from kt_clean.classifier.pagetype import PageTypeModels

    shipped = PageTypeModels(json.loads(json.dumps(model)))
    train_acc = {}
    for view in ("html", "text"):
        m = shipped.html if view == "html" else shipped.text
        hits = 0
        for i, g in zip(ids, y):
            d, b = feats[i][view]
            p = m.proba(d, b)
            hits += m.types[int(p.argmax())] == g
        train_acc[view] = hits / len(ids)
    # speed, in this process (one core), of the whole prediction on every 5th page
    from kt_clean.classifier.pagetype import classify_page_with
    from kt_clean.html.parse import parse_html

    sample = [i for i in ids[::5] if recs[i]["html"].get("html")][:300]
    roots = {i: parse_html(recs[i]["html"]["html"]) for i in sample}
    lfs = {i: line_features(recs[i]["html"]["lines"], recs[i]["html"]["kept"], roots[i])
           for i in sample}
    classify_page_with(shipped, ["warm up"])
    secs: dict[str, list[float]] = {"text": [], "html": []}
    for i in sample:
        for key, view, root in (("text", "text", None), ("html", "html", roots[i])):
            r = recs[i][view]
            t = time.perf_counter()
            classify_page_with(shipped, r["lines"], r["kept"], root, None,
                               lfs[i] if root is not None else None)
            secs[key].append(time.perf_counter() - t)
    for v in secs.values():
        v.sort()

    def ms(v: str) -> str:
        s = secs[v]
        return f"median {1000 * s[len(s) // 2]:.2f} ms, mean {1000 * sum(s) / len(s):.2f} ms"

    short = {"article": "art", "list": "list", "forum": "forum", "product": "prod",
             "documentation": "docs", "service": "serv"}
    table = []
    for view, label in (("html", "HTML"), ("text", "text dump")):
        cm = results[view]["cm"]
        table += [f"Confusion, {label} (rows gold, columns predicted):", "",
                  "| gold \\ predicted | " + " | ".join(short[t] for t in types) + " | recall |",
                  "|---|" + "---|" * (len(types) + 1)]
        for g, row in zip(types, cm):
            rec = row[types.index(g)] / max(sum(row), 1)
            table.append(f"| {g} ({sum(row)}) | " + " | ".join(map(str, row))
                         + f" | {100 * rec:.0f}% |")
        table.append("")
    size = len(json.dumps(model, separators=(",", ":")))
    body = "\n".join([
        "## Page type classifier", "",
        f"Measured by `python bench/train_pagetype.py` on the {len(ids)} WCXB-dev pages "
        f"({machine()}); gold types with `listing` and `collection` read as `list`. "
        f"5-fold cross-validation grouped by site ({len(set(groups))} sites; no site in both "
        "the training and the test folds), one multinomial logistic regression per view.", "",
        "| view | grouped CV accuracy | training-set accuracy (shipped model) |",
        "|---|---|---|",
        f"| HTML (rendered lines, kept lines, the line model's features, markup) | "
        f"{100 * results['html']['acc']:.1f}% | "
        f"{100 * train_acc['html']:.1f}% |",
        f"| text dump (lines, kept lines; no address) | {100 * results['text']['acc']:.1f}% | "
        f"{100 * train_acc['text']:.1f}% |", "",
        *table,
        f"Prediction per page (features and model, one core, {len(sample)} pages): text dump "
        f"{ms('text')}; HTML page (its tree, and the line model's features of its lines, "
        f"made by the cleaner before) {ms('html')}. "
        f"Model file {size / 1024:.0f} KB.",
    ])
    print(body)
    if not args.no_write:
        update_section("quality.md", "pagetype", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
