#!/usr/bin/env python3
"""Quality and speed of the generic line classifier on text dumps (WCXB dev, dumps-w3m).

    python bench/quality_dumps.py [--data DIR] [--folds 5] [--jobs 2] [--doc docs/quality-dumps.md]
                                  [--train w3m,lynx,...] [--measure w3m,lynx,...]

In one process:
  * kt-clean classifier: k-fold cross-validated predictions, folds grouped by site (each
    page is predicted by a model trained on the other folds only, which hold none of its
    site's pages; stage 2's training inputs are themselves out-of-fold, see
    bench/train_classifier.py), trained on the dumps of every tool (``--train``) and
    measured on each tool's dumps (``--measure``: w3m's, and lynx's made by
    bench/make_dumps.py);
  * baselines on the same pages: the whole dump as-is, keep-long-lines (lines of >= 10
    words), jusText (English stoplist) on the dump's blank-line-delimited blocks, and the
    oracle (the training targets);
  * every prediction is written to a temp dir and scored with shared/bench/score.py
    (shingle F1 of token 4-grams), for all pages and per page type;
  * speed: classify() with the shipped model over every dump, one process, best of 3.
Prints a table and writes it to docs/quality-dumps.md. Without the data dir it says so and
exits 0.
"""
from __future__ import annotations

import argparse
import pickle
import platform
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
SCORER_DIR = REPO.parent / "shared" / "bench"
TYPES = ["article", "service", "product", "collection", "forum", "listing", "documentation"]


def load_scorer(data: Path):
    for d in (SCORER_DIR, data.parent.parent / "bench"):
        if (d / "score.py").exists():
            sys.path.insert(0, str(d))
            import score  # type: ignore

            return score
    raise SystemExit("score.py not found next to the data (shared/bench/score.py)")


#: cross-validated predictions are kept here (not in the repository), keyed by the code
#: and settings that make them
CV_CACHE = Path("/tmp/model-cache")


def cv_key(train: tuple, measure: tuple, folds: int, seed: int) -> str:
    import hashlib

    h = hashlib.sha1(repr((train, measure, folds, seed)).encode())
    for f in ("bench/train_classifier.py", "kt_clean/classifier/features.py",
              "kt_clean/classifier/__init__.py", "kt_clean/classifier/trees.py"):
        h.update((REPO / f).read_bytes())
    return h.hexdigest()[:12]


def keep_long_lines(lines: list[str], min_words: int = 10) -> str:
    return "\n".join(s.strip() for s in lines if len(s.split()) >= min_words)


def justext_blocks(lines: list[str]) -> str:
    import html

    import justext

    blocks, cur = [], []
    for line in [*lines, ""]:
        s = line.strip()
        if s:
            cur.append(s)
        elif cur:
            blocks.append(" ".join(cur))
            cur = []
    if not blocks:
        return ""
    doc = "<html><body>" + "".join(f"<p>{html.escape(b)}</p>" for b in blocks) + "</body></html>"
    paras = justext.justext(doc.encode("utf-8"), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def score_all(score, data: Path, pred_dir: Path, types: dict[str, str],
              ids: list[str] | None = None) -> dict[str, tuple]:
    rows, _missing = score.score_dirs(data, pred_dir, ids)
    res = {}
    groups = {"all": rows}
    for t in TYPES:
        groups[t] = [r for r in rows if types.get(r[0]) == t]
    for g, rs in groups.items():
        if rs:
            f1, p, r = score.aggregate([x[1:4] for x in rs])
            res[g] = (f1, p, r, len(rs))
    return res


def speed(pages: list[dict], repeats: int = 3) -> tuple[float, float, float]:
    """classify() on pre-split lines, best of N passes over all pages:
    (pages/s by wall clock, seconds by wall clock, pages/s by this process's CPU time).
    The CPU-time figure is the one that does not depend on other load on a shared machine."""
    from kt_clean.classifier import classify, load_model

    load_model()
    classify(["warm up"])
    best = best_cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for p in pages:
            classify(p["lines"])
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return len(pages) / best, best, len(pages) / best_cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--doc", type=Path, default=REPO / "docs" / "quality-dumps.md")
    ap.add_argument("--no-doc", action="store_true", help="print only")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--train", default="w3m,lynx,lynx-refs,html2text,inscriptis",
                    help="the tools whose dumps the cross-validated models learn from")
    ap.add_argument("--measure", default="w3m,lynx,lynx-refs,lynx-80,html2text,inscriptis",
                    help="the tools whose dumps are measured (each as it exists)")
    args = ap.parse_args()
    if not (args.data / "dumps-w3m").is_dir() or not (args.data / "gold").is_dir():
        print(f"quality_dumps: no data at {args.data} (dumps-w3m/, gold/); skipped")
        return 0
    import train_classifier as tc

    score = load_scorer(args.data)
    t_start = time.time()
    pages = tc.prepare(args.data)
    types = {p["id"]: p["type"] for p in pages}

    try:
        pps, secs, pps_cpu = speed(pages)
    except ValueError as exc:  # the shipped model was trained on other features
        print(f"speed: not measured ({exc})")
        pps, secs, pps_cpu = 0.0, float("inf"), 0.0
    t0 = time.perf_counter()
    for p in pages:
        tc.dump_lines(tc.read_text(args.data / "dumps-w3m" / f"{p['id']}.txt"))
    read_secs = time.perf_counter() - t0
    pps_io = len(pages) / (secs + read_secs)
    print(f"speed: {pps:.0f} pages/s wall clock ({pps_cpu:.0f} by CPU time; {pps_io:.0f} wall "
          f"with reading the files), {len(pages)} pages")
    if args.speed_only:
        return 0

    train = tuple(args.train.split(","))
    measure = tuple(m for m in args.measure.split(",") if tc.dump_dir(args.data, m).is_dir())
    every = tc.prepare_sources(args.data, tuple(dict.fromkeys(train + measure)))
    tc.featurize(every)
    t0 = time.time()
    cache = CV_CACHE / f"dumps-cv-{cv_key(train, measure, args.folds, args.seed)}.pkl"
    if cache.exists():  # the same code, data and settings: the same predictions
        cv = pickle.loads(cache.read_bytes())
    else:
        cv = tc.cv_predictions([p for p in every if p["source"] in train or p["source"] in measure],
                               k=args.folds, seed=args.seed, jobs=args.jobs, measure=measure,
                               train=train)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(cv))
    cv_secs = time.time() - t0

    tables: dict[str, tuple[str, str, dict]] = {}
    for source in measure:
        these = [p for p in every if p["source"] == source]
        systems = {
            "kt-clean classifier (CV)": lambda p: tc.render(p["lines"], cv[(p["source"], p["id"])]),
            "whole dump": lambda p: "\n".join(p["lines"]),
            "keep-long-lines (>= 10 words)": lambda p: keep_long_lines(p["lines"]),
            "jusText on blank-line blocks": lambda p: justext_blocks(p["lines"]),
            "oracle (training targets)": lambda p: "\n".join(
                s for s, k in zip(p["lines"], p["y_lines"]) if k),
        }
        results = {}
        with tempfile.TemporaryDirectory(prefix="kt-quality-dumps-") as tmp:
            for k, (name, fn) in enumerate(systems.items()):
                d = Path(tmp) / f"s{k}"
                d.mkdir()
                for p in these:
                    (d / f"{p['id']}.txt").write_text(fn(p), encoding="utf-8")
                results[name] = score_all(score, args.data, d, types, [p["id"] for p in these])
        tables[source] = (*_tables(results), results)
        print(f"\n{source} dumps ({len(these)} pages)")
        print(tables[source][0])
        print()
        print(tables[source][1])
    counts = {t: sum(1 for p in pages if p["type"] == t) for t in TYPES}
    print(f"\nCV: {args.folds} folds grouped by site in {cv_secs:.0f}s; total {time.time() - t_start:.0f}s")

    if not args.no_doc:
        model_file = REPO / "kt_clean" / "classifier" / "model.json"
        kt = tables["w3m"][2]["kt-clean classifier (CV)"]
        lines = [f"Targets: F1 >= 0.83 on all pages: **{kt['all'][0]:.3f}** "
                 f"({'met' if kt['all'][0] >= 0.83 else 'NOT met'}); F1 >= 0.93 on articles: "
                 f"**{kt['article'][0]:.3f}** ({'met' if kt['article'][0] >= 0.93 else 'NOT met'})"]
        if "lynx" in tables:
            ly = tables["lynx"][2]["kt-clean classifier (CV)"]["all"][0]
            lines.append(f"lynx dumps at most 0.03 below w3m's: **{ly:.3f}** vs {kt['all'][0]:.3f} "
                         f"({'met' if kt['all'][0] - ly <= 0.03 else 'NOT met'})")
        lines.append(f">= 300 pages/s in one process: **{pps:.0f}** "
                     f"({'met' if pps >= 300 else 'NOT met'} on this run)")
        targets = "; ".join(lines) + "."
        print(targets)
        write_doc(args.doc, tables, counts, len(pages), args.folds, pps, pps_cpu, pps_io,
                  model_file.stat().st_size if model_file.exists() else 0, targets, train)
        print(f"wrote {args.doc}")
    return 0


def _tables(results: dict) -> tuple[str, str]:
    lines = ["| system | all | " + " | ".join(TYPES) + " |", "|---|---|" + "---|" * len(TYPES)]
    for name, res in results.items():
        cells = [f"{res['all'][0]:.3f}"] + [f"{res[t][0]:.3f}" if t in res else "-" for t in TYPES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    pr = ["| system | P all | R all | P article | R article |", "|---|---|---|---|---|"]
    for name, res in results.items():
        a, art = res["all"], res.get("article", (0, 0, 0, 0))
        pr.append(f"| {name} | {a[1]:.3f} | {a[2]:.3f} | {art[1]:.3f} | {art[2]:.3f} |")
    return "\n".join(lines), "\n".join(pr)


TOOL_NAMES = {
    "w3m": "w3m (`-dump -cols 1000`, the data's `dumps-w3m/`)",
    "lynx": "lynx (`-dump -nolist -width=1000`)",
    "lynx-refs": "lynx with its link list (`-dump -width=1000`: `[12]` marks, `References`)",
    "lynx-80": "lynx at its default width (`-dump -nolist`: paragraphs wrapped at 80 columns)",
    "html2text": "html2text (Markdown, `body_width=0`)",
    "inscriptis": "inscriptis",
}


def write_doc(path: Path, tables: dict, counts: dict, n: int, folds: int, pps: float,
              pps_cpu: float, pps_io: float, model_bytes: int, targets: str,
              train: tuple[str, ...]) -> None:
    import train_classifier as tc

    machine = f"{platform.machine()}, Python {platform.python_version()}"
    summary = ["| dumps of | kt-clean (CV) all | articles | jusText all | articles | whole dump all |",
               "|---|---|---|---|---|---|"]
    for source, (_, _, res) in tables.items():
        kt, jt, wd = (res[k] for k in ("kt-clean classifier (CV)", "jusText on blank-line blocks",
                                       "whole dump"))
        summary.append(f"| {TOOL_NAMES.get(source, source)} | **{kt['all'][0]:.3f}** | "
                       f"**{kt['article'][0]:.3f}** | {jt['all'][0]:.3f} | {jt['article'][0]:.3f} | "
                       f"{wd['all'][0]:.3f} |")
    per_tool = []
    for source, (f1_table, pr_table, _) in tables.items():
        per_tool.append(f"### {TOOL_NAMES.get(source, source)}\n\n{f1_table}\n\n{pr_table}\n")
    text = f"""# Generic line classifier: quality on text dumps

Measured by `python bench/quality_dumps.py` (this file is written by it) on the WCXB dev split
("WCXB: A Multi-Type Web Content Extraction Benchmark, M. Foley, 2026, CC-BY-4.0"),
{n} pages ({", ".join(f"{t} {counts[t]}" for t in TYPES)}), each as dumped by w3m (the data's
`dumps-w3m/`) and by other tools (`bench/make_dumps.py`), scored with `shared/bench/score.py`
(shingle F1 over token 4-grams; P and R are means over pages).

## Results

kt-clean's figures are **{folds}-fold cross-validated, folds grouped by site** (the sites are
dealt into folds within their pages' main type; every dump of a page is in its page's fold):
every page is predicted by a model trained on the other folds' sites only. The models learn
from the dumps of {", ".join(train)}. The baselines ran in the same process on the same dumps.

{summary[0]}
{chr(10).join(summary[1:])}

{targets}

Per tool, all pages and per page type (F1), then precision and recall:

{chr(10).join(per_tool)}
Rendering: kept non-blank lines, stripped of indentation and a leading bullet, one per line.
Baselines: *whole dump* is the dump as-is; *keep-long-lines* keeps lines of >= 10 words;
*jusText* (justext package, English stoplist, default settings) classifies each
blank-line-delimited block of the dump as one paragraph; the *oracle* keeps exactly the lines
labelled content by the training targets (an upper bound for any line selection).

Speed (shipped model, one process, best of 3 passes over all {n} w3m dumps, on {machine};
2 cores shared with other work): **{pps:.0f} pages/s** by wall clock for `classify()` on the
split lines (feature extraction and inference), **{pps_cpu:.0f} pages/s** by the process's CPU
time (less sensitive to other load, though not immune on shared cores), {pps_io:.0f} pages/s
wall clock including reading and splitting the files.
Model file: `kt_clean/classifier/model.json`, {model_bytes / 1e6:.2f} MB.

## Algorithm

`kt_clean.classifier.classify(lines)` returns one `Decision(kept, label, rule, score)` per line.

1. **Features** (`features.py`, one row per non-blank line, {len(tc.BASE_NAMES)} columns): length, word
   count, mean word length, stopword count and ratio (an English stopword list kept as data in
   the module), digit / uppercase / letter / punctuation ratios, sentence punctuation and commas,
   separators (`|`, `»`, `/`...), capitalised-word ratio, first/last character (bullet, numbered
   item, sentence end, colon, ellipsis), indentation, a few boilerplate keywords, year-like
   numbers; repetition within the page (exact and case-folded counts, occurrence index);
   position (by line and by characters); the blank-line-delimited block (lines, characters,
   longest line, share of long lines, position in the block, blank lines around); windows of
   1/3/10 lines around the line (share of long lines, mean log-length, stopword ratio, bullets)
   and the previous/next line; the *prose region* (lines of >= 120 characters with
   stopwords): distance to the nearest prose line above/below, before/after the first/last one,
   share of prose text before/after; distance to the likely title (the last short non-bullet
   line above the first prose line); and the words and marks of the kinds of lines that are no
   article text (`KEYWORDS`, one column per group, whole words): paywalls (`Unlock this
   article`, `Already have an account?`), audio players (`Listen to this article`),
   advertisements (`Advertisement`), related-story teasers (`Article image for`, `You may also
   like`), reference lists (`doi`, `et al`, `Retrieved`, `(2019).`), share buttons, photo
   credits, comments, navigation, form fields (lynx's `(BUTTON)`, w3m's `[    ]`), link marks
   (lynx's `[12]`), Markdown (html2text), bylines.
2. **Stage 1**: gradient-boosted trees (LightGBM at training time; {tc.TREES1} trees of depth
   {tc.DEPTH1}, learning rate {tc.LR1}) on those features.
3. **Stage 2 (context)**: as jusText revises short lines by their neighbours, a second model
   sees the line's features plus its neighbourhood in stage-1 probabilities (previous/next two
   lines, windows of 3/10/30/100 lines, plain and length-weighted, block mean and max, page
   mean, share of kept text before/after, distance to the nearest kept line) and, further than
   the neighbours, the page's *runs* of kept text (kept lines at most {tc.__dict__.get("RUN_GAP", 3)} lines apart): the
   characters of the line's run, whether the line is within the main run (the one of most
   text), how far from it, and that run's share of the kept text. It is an additive model of
   {tc.TREES2} boosted stumps, evaluated by one `searchsorted` over all features. Its training
   inputs are out-of-fold stage-1 probabilities (inner {tc.INNER}-fold, grouped by site), so it learns
   from the same kind of noisy neighbours it gets at run time.
4. A line is kept when the stage-2 probability is >= {tc.THRESHOLD}. Blank lines are kept
   (label `blank`) only between two kept lines.

Training targets (`bench/train_classifier.py`): the dump's tokens (`\\w+`) are aligned with the
gold's (difflib, no autojunk); a line is content when at least half of its tokens fall in
matching runs of >= 3 tokens (or a run covering the whole line). Line weights follow the metric:
each line weighs its share of its page's tokens, so each page counts about equally.

Inference is numpy only: the trees are exported as complete binary trees (`trees.py`), walked
for all trees at once, one level per numpy step (float32 thresholds rounded down, exact against
LightGBM). The model file is JSON, loaded once and cached.

Labels: kept lines are `title` (first kept line when heading-like), `subheading` (kept, <= 12
words, no sentence punctuation at the end, not a bullet), `body`, `blank`; removed lines are
`duplicate` (repeats an earlier line; rule `classifier.repeat`), `nav` (bullet item or
separator-heavy), `short` (< 5 words), `boilerplate` (other), `blank`. Rules:
`classifier.model`, `classifier.context` (stage 2 overturned stage 1), `classifier.repeat`,
`classifier.blank`.

Retrain: `python bench/make_dumps.py` (the other tools' dumps, into /tmp/model-cache), then
`python bench/train_classifier.py [--data DIR]` (needs lightgbm; fixed seed; writes
`kt_clean/classifier/model.json`; the shipped model is trained on all {n} pages, so figures
must come from the cross-validation above, never from the shipped model).
"""
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
