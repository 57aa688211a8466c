#!/usr/bin/env python3
"""Quality and speed of kt-clean's HTML path on WCXB-dev, under cross-validation grouped by
site, against trafilatura, readability-lxml and jusText on the same pages in the same run.

    python bench/html_quality.py [--data DIR] [--cache DIR] [--workers 2] [--folds 5]
                                 [--limit N] [--json F] [--pages F] [--no-doc]

1. The HTML line model is trained once per fold (bench/train_html_model.py, folds grouped
   by site: no site is both trained and measured on); the fold models are kept in
   CACHE/cv-models/ and made again when the features or the training change.
2. Every page runs, in a worker process that uses the model of the fold the page is in,
   one after the other (order rotated per page):

   * kt-clean          ``kt_clean.extract(page bytes)``: the whole HTML path a user runs
                       (decode, parse, render, detect, the line model with the extractors
                       it asks for, metadata, page type, the article)
   * kt-clean --fast   the same with ``Limits(fast=True)`` (no trafilatura, no readability)
   * trafilatura       ``trafilatura.extract(html)`` (default settings)
   * readability-lxml  ``readability.Document(html).summary()`` as text
   * jusText           ``justext.justext(html bytes, English stoplist)``, kept paragraphs

   and the CPU time of each (``time.process_time``: other load on the machine weighs less).
3. Bodies are scored with ../shared/bench/score.py (shingle F1 of token 4-grams), for all
   pages and per page type; pages whose gold has over 500 characters and whose body is
   empty (under 50 characters, as ``bench/quality_dumps.py`` counts them) are counted. ``--pages F`` writes one JSON line per page (id, type, fold, and per
   system its F1, precision, recall, body length and CPU seconds; kt-clean's variant), for
   failure analysis. Writes the figures into docs/quality-html.md and docs/performance.md
   (between ``<!-- bench:... -->`` markers) unless --no-doc.

Exits 0 with a message when the data directory is absent.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import logging
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import html_cache  # noqa: E402
from _report import machine, update_section  # noqa: E402
from html_cache import justext_text, rd_text  # noqa: E402  (the baselines as the cache runs them)
# a page whose gold has more text than EMPTY_GOLD_CHARS must not get an empty body, one of
# fewer characters than EMPTY_BODY_CHARS: counted as the text dumps' benchmark counts them
from quality_dumps import EMPTY_BODY_CHARS, EMPTY_GOLD_CHARS  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "wcxb-dev"
SCORE = ROOT.parent / "shared" / "bench" / "score.py"
SYSTEMS = ("kt", "kt_fast", "trafilatura", "readability", "justext")
LABELS = {"kt": "kt-clean", "kt_fast": "kt-clean --fast", "trafilatura": "trafilatura",
          "readability": "readability-lxml", "justext": "jusText"}
TYPES = ["article", "service", "product", "collection", "forum", "listing", "documentation"]

_MODELS: dict[int, object] = {}


def _init_worker() -> None:
    logging.disable(logging.CRITICAL)
    import justext  # noqa: F401  (warm imports: not charged to the first page)
    import trafilatura  # noqa: F401
    from readability import Document  # noqa: F401

    import kt_clean.cleaners.html
    import kt_clean.html.extract  # noqa: F401


def run_page(args: tuple[str, str, int, str]) -> dict:
    pid, path, fold, model_path = args
    import trafilatura

    import kt_clean
    from kt_clean.classifier import htmlmodel as hm
    from kt_clean.limits import Limits

    if fold not in _MODELS:
        _MODELS[fold] = hm.load_html_model(model_path)
    hm.set_html_model(_MODELS[fold])  # type: ignore[arg-type]
    with gzip.open(path) as f:
        raw = f.read()
    html = raw.decode("utf-8", "replace")
    res: dict = {"id": pid, "texts": {}, "t": {}}
    order = list(SYSTEMS)
    k = int(pid) % len(order) if pid.isdigit() else 0
    for name in order[k:] + order[:k]:
        t = time.process_time()
        err = None
        try:
            if name in ("kt", "kt_fast"):
                art = kt_clean.extract(raw, source=f"{pid}.html",
                                       limits=Limits(fast=name == "kt_fast"))
                text = art.body
                res["method_" + name] = (art.document.meta.get("extracted") or {}).get(
                    "method", art.layout) if art.document is not None else art.layout
            elif name == "trafilatura":
                text = trafilatura.extract(html) or ""
            elif name == "readability":
                text = rd_text(html)
            else:
                text = justext_text(raw)
        except Exception as exc:
            text, err = "", f"{type(exc).__name__}: {str(exc)[:100]}"
        res["t"][name] = time.process_time() - t
        res["texts"][name] = text
        if err:
            res["err_" + name] = err
    return res


def _load_score():
    spec = importlib.util.spec_from_file_location("kt_score", SCORE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fold_models(data: Path, cache: Path, folds: int, jobs: int) -> tuple[dict[str, int], list[Path]]:
    """The fold of every page and the path of each fold's model (trained if missing)."""
    import train_html_model as tm

    return tm.fold_models(data, cache, folds, jobs)


def write_pages(path: Path, rows: list[dict], per: dict, types: dict[str, str],
                fold_of: dict[str, int], S) -> None:
    """One JSON line per page: its scores per system, written whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for r in rows:
            i = r["id"]
            rec: dict = {"id": i, "type": types[i], "fold": fold_of[i],
                         "method": r.get("method_kt", "error")}
            for name in SYSTEMS:
                f1, p, rc = S.aggregate([per[name][i]])
                rec[name] = {"f1": round(f1, 4), "p": round(p, 4), "r": round(rc, 4),
                             "chars": len(r["texts"][name]), "s": round(r["t"][name], 4)}
            out.write(json.dumps(rec) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/model-cache"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="only every Nth page (smoke test)")
    ap.add_argument("--json", type=Path, default=None, help="write all figures as JSON")
    ap.add_argument("--pages", type=Path, default=None,
                    help="write per-page scores as JSON lines (failure analysis)")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    if not (args.data / "html").is_dir() or not (args.data / "gold").is_dir() or not SCORE.exists():
        print(f"html_quality: data not found ({args.data} or {SCORE}); skipping.")
        return 0
    meta = html_cache.load_meta(args.data)
    fold_of, models = fold_models(args.data, args.cache, args.folds, args.workers)
    ids = sorted(fold_of)
    if args.limit:
        ids = ids[::args.limit]
    jobs = [(i, str(args.data / "html" / f"{i}.html.gz"), fold_of[i], str(models[fold_of[i]]))
            for i in ids]
    # the pages of a fold together, so that each worker loads few models
    jobs.sort(key=lambda j: (j[2], j[0]))
    from multiprocessing import get_context

    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = []
    with get_context("fork").Pool(max(1, args.workers), initializer=_init_worker) as pool:
        for n, r in enumerate(pool.imap_unordered(run_page, jobs, chunksize=4), 1):
            rows.append(r)
            if n % 250 == 0:
                print(f"  {n}/{len(jobs)} pages", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0
    rows.sort(key=lambda r: r["id"])

    S = _load_score()
    gold = {i: S.read_text(args.data / "gold" / f"{i}.txt") for i in ids}
    per = {name: {r["id"]: S.shingle_tp_fp_fn(gold[r["id"]], r["texts"][name]) for r in rows}
           for name in SYSTEMS}
    types = {i: meta.get(i, {}).get("type", "") for i in ids}
    groups = {"all": ids, **{t: [i for i in ids if types[i] == t] for t in TYPES}}
    figures = {g: {name: dict(zip(("f1", "p", "r"), S.aggregate([per[name][i] for i in sub])),
                              n=len(sub)) for name in SYSTEMS}
               for g, sub in groups.items() if sub}
    speed = {name: sum(r["t"][name] for r in rows) for name in SYSTEMS}
    empty = {name: sorted(r["id"] for r in rows if len(gold[r["id"]]) > EMPTY_GOLD_CHARS
                          and len(r["texts"][name].strip()) < EMPTY_BODY_CHARS)
             for name in SYSTEMS}
    methods: dict[str, dict[str, int]] = {"kt": {}, "kt_fast": {}}
    for r in rows:
        for name in methods:
            m = r.get("method_" + name, "error")
            methods[name][m] = methods[name].get(m, 0) + 1
    errors = {name: sum(1 for r in rows if "err_" + name in r) for name in SYSTEMS}

    f1_table = ["| system | all | " + " | ".join(TYPES) + " |", "|---|---|" + "---|" * len(TYPES)]
    for name in SYSTEMS:
        cells = [f"{figures[g][name]['f1']:.3f}" if g in figures else "-" for g in ["all", *TYPES]]
        f1_table.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    pr_table = ["| system | P all | R all | P article | R article | empty bodies (gold > 500 chars) |",
                "|---|---|---|---|---|---|"]
    for name in SYSTEMS:
        a, art = figures["all"][name], figures.get("article", {}).get(name, {"p": 0, "r": 0})
        pr_table.append(f"| {LABELS[name]} | {a['p']:.3f} | {a['r']:.3f} | {art['p']:.3f} | "
                        f"{art['r']:.3f} | {len(empty[name])} |")
    n = len(rows)
    sp_table = ["| system | CPU seconds, all pages | ms per page | pages/s (one core) | time / trafilatura's |",
                "|---|---:|---:|---:|---:|"]
    for name in SYSTEMS:
        sp_table.append(f"| {LABELS[name]} | {speed[name]:.1f} | {1000 * speed[name] / n:.1f} | "
                        f"{n / speed[name]:.1f} | {speed[name] / speed['trafilatura']:.2f} |")
    kt, fast, tf = figures["all"]["kt"], figures["all"]["kt_fast"], figures["all"]["trafilatura"]
    art_kt = figures.get("article", {}).get("kt", {"f1": 0.0})
    checks = [
        ("HTML, all pages: F1 >= 0.86", kt["f1"] >= 0.86, f"{kt['f1']:.3f}"),
        ("HTML, articles: F1 >= 0.95", art_kt["f1"] >= 0.95, f"{art_kt['f1']:.3f}"),
        ("no empty body where the gold has > 500 characters", not empty["kt"] and not empty["kt_fast"],
         f"{len(empty['kt'])} pages (--fast: {len(empty['kt_fast'])})"),
        ("default path at most trafilatura's time", speed["kt"] <= speed["trafilatura"],
         f"{speed['kt'] / speed['trafilatura']:.2f}x"),
        ("--fast at least 4x faster than trafilatura", speed["trafilatura"] >= 4 * speed["kt_fast"],
         f"{speed['trafilatura'] / speed['kt_fast']:.2f}x faster"),
        ("--fast F1 at least trafilatura's", fast["f1"] >= tf["f1"],
         f"{fast['f1']:.3f} vs {tf['f1']:.3f}"),
    ]
    check_table = ["| floor (issue 13) | measured | met |", "|---|---|---|"]
    check_table += [f"| {what} | {got} | {'yes' if ok else '**no**'} |" for what, ok, got in checks]
    counts = ", ".join(f"{t} {len(groups[t])}" for t in TYPES if groups.get(t))
    body = "\n".join([
        f"Measured by `python bench/html_quality.py --folds {args.folds}` on {n} WCXB-dev pages "
        f"({counts}); {machine()}; {args.workers} worker processes, one-minute load average "
        f"{load0:.1f} at the start"
        + (" (the machine's two cores were shared with other work). " if load0 >= 1.0 else ". ") +
        f"kt-clean's figures are {args.folds}-fold cross-validated, folds grouped by site: each "
        "page was cleaned by the model of the fold it is in, trained on the other folds' sites "
        "only. All five systems ran on the same pages in the same worker, one after the "
        "other (order rotated per page).", "",
        "Shingle F1, all pages and per page type:", "", *f1_table, "",
        "Precision, recall, and pages whose gold has more than 500 characters but whose "
        f"body came out empty (under {EMPTY_BODY_CHARS} characters):", "", *pr_table, "",
        "kt-clean's empty bodies: " + (", ".join(empty["kt"]) or "none") + "; --fast's: "
        + (", ".join(empty["kt_fast"]) or "none") + ".", "",
        "Time (CPU seconds of the worker, summed over the pages; kt-clean's from the page's "
        "bytes to its article, the others' from the decoded HTML to their text):", "",
        *sp_table, "",
        "kt-clean's variants (pages): " + ", ".join(f"{k} {v}" for k, v in sorted(methods["kt"].items()))
        + "; errors per system: " + ", ".join(f"{LABELS[k]} {v}" for k, v in errors.items()) + ".",
        "", *check_table])
    print(body)
    print(f"wall {wall:.0f}s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "speed": speed, "empty": empty,
                                         "methods": methods, "errors": errors,
                                         "n": n, "wall_s": round(wall, 1)}, indent=1) + "\n")
    if args.pages:
        write_pages(args.pages, rows, per, types, fold_of, S)
    if not args.no_doc and not args.limit:
        update_section("quality-html.md", "html-quality", body)
        perf = "\n".join([
            "## HTML pages: kt-clean against the extractors", "",
            f"From `python bench/html_quality.py` ({n} WCXB-dev pages, {machine()}, load "
            f"average {load0:.1f} at the start; details and quality in "
            "[quality-html.md](quality-html.md)):", "", *sp_table])
        update_section("performance.md", "html-quality", perf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
