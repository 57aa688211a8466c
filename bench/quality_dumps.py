#!/usr/bin/env python3
"""Quality and speed of the generic line classifier on text dumps (WCXB dev) of each tool.

    python bench/quality_dumps.py [--data DIR] [--folds 5] [--jobs 2] [--doc docs/quality-dumps.md]
                                  [--tools w3m,lynx] [--train w3m,lynx] [--dumps DIR]
                                  [--features new|old] [--no-baselines] [--speed-only]

In one process:
  * kt-clean classifier: k-fold cross-validated predictions, folds grouped by site (each
    page is predicted by a model trained on the other folds only, which hold no page of its
    site, and every dump of a page, whichever tool made it, is in the page's fold; stage 2's
    training inputs are themselves out-of-fold, see bench/train_classifier.py), trained on
    the dumps of the tools ``--train`` (default: the shipped model's) and measured on those
    of ``--tools``: w3m's (DATA/dumps-w3m) and the others' (DUMPS/dumps-TOOL, made by
    bench/make_dumps.py; a tool without dumps is skipped with a note);
  * baselines on the same pages: the whole dump as-is, keep-long-lines (lines of >= 10
    words), jusText (English stoplist) on the dump's blank-line-delimited blocks, and the
    oracle (the training targets);
  * every prediction is written to a temp dir and scored with shared/bench/score.py
    (shingle F1 of token 4-grams), for all pages and per page type, per tool;
  * speed: classify() with the shipped model over every w3m dump, one process, best of 3.
Prints the tables and writes them to docs/quality-dumps.md (keeping its hand-written section
"What was tried"). The cross-validated predictions are cached in bench/out/, keyed by the
settings and the code that make them. Without the data dir it says so and exits 0.
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
#: kt-clean's row: the cross-validated classifier with the generic cleaner's rules
KT = "kt-clean (CV classifier + cleaner's rules)"
ALONE = "classifier alone (CV)"


def load_scorer(data: Path):
    for d in (SCORER_DIR, data.parent.parent / "bench"):
        if (d / "score.py").exists():
            sys.path.insert(0, str(d))
            import score  # type: ignore

            return score
    raise SystemExit("score.py not found next to the data (shared/bench/score.py)")


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
    from _report import split_ids

    rows, _missing = score.score_dirs(data, pred_dir, ids)
    res = {}
    groups = {"all": rows}
    for t in TYPES:
        groups[t] = [r for r in rows if types.get(r[0]) == t]
    # the halves of the fixed split of bench/_report.py (tune, report), all pages and articles
    for half, ids in zip(("tune", "report"), split_ids(types)):
        keep = set(ids)
        groups[half] = [r for r in rows if r[0] in keep]
        groups[f"{half}/article"] = [r for r in groups[half] if types.get(r[0]) == "article"]
    for g, rs in groups.items():
        if rs:
            f1, p, r = score.aggregate([x[1:4] for x in rs])
            res[g] = (f1, p, r, len(rs))
    return res


def cleaner_labels(lines: list[str], decisions) -> list:
    """The decisions (as labels) the generic cleaner gives a page from the classifier's ``decisions`` (as
    ``cleaners.generic.label_lines`` does from the shipped model's): chrome lines removed
    (``kt_clean.chrome``), and the rule-based fallback when the classifier keeps less than
    ``NEAR_EMPTY_CHARS`` of text. (The header search, which only names kept lines' roles
    and may keep a byline or dateline, is left out: the gold is the body.)"""
    from kt_clean.classifier import Decision
    from kt_clean.cleaners.generic import drop_chrome, heuristic, revise
    from kt_clean.model import Label

    stripped = [s.strip() for s in lines]
    labels = revise(stripped, [Label(d.kept, d.label, d.rule) for d in decisions])
    if labels is None:
        labels, _ = heuristic(lines)
        drop_chrome(stripped, labels)
    return [Decision(lab.kept, lab.tag, lab.rule, 0.0) for lab in labels]


#: The empty-body check (issue 13's floor): a body shorter than this where the gold has
#: more than EMPTY_GOLD_CHARS characters.
EMPTY_BODY_CHARS = 50
EMPTY_GOLD_CHARS = 500


def empty_bodies(data: Path, pred_dir: Path, ids: list[str]) -> list[str]:
    out = []
    for i in ids:
        gold = (data / "gold" / f"{i}.txt").read_text(encoding="utf-8", errors="replace")
        pred = (pred_dir / f"{i}.txt").read_text(encoding="utf-8", errors="replace")
        if len(gold.strip()) > EMPTY_GOLD_CHARS and len(pred.strip()) < EMPTY_BODY_CHARS:
            out.append(i)
    return out


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


def cv_key(train: tuple[str, ...], measure: tuple[str, ...], folds: int, seed: int) -> str:
    """The cross-validated predictions' cache key: the settings and the code that make them."""
    import hashlib

    import train_classifier as tc

    h = hashlib.sha1(repr((train, measure, folds, seed, tc.FEATURES, tc.DEPTH1, tc.TREES1, tc.LR1,
                           tc.DEPTH2, tc.TREES2, tc.LR2, tc.INNER, tc.THRESHOLD,
                           str(tc.DUMPS_DIR))).encode())
    for f in ("bench/train_classifier.py", "kt_clean/classifier/features.py",
              "kt_clean/classifier/__init__.py", "kt_clean/classifier/trees.py"):
        h.update((REPO / f).read_bytes())
    return h.hexdigest()[:12]


def measure_tool(score, data: Path, these: list[dict], cv: dict, types: dict[str, str],
                 baselines: bool, out: Path | None) -> tuple[dict, dict]:
    """(F1/P/R per group, empty bodies) of every system on one tool's dumps."""
    import train_classifier as tc

    systems = {
        KT: lambda p: tc.render(p["lines"], cleaner_labels(p["lines"], cv[(p["source"], p["id"])])),
        ALONE: lambda p: tc.render(p["lines"], cv[(p["source"], p["id"])]),
    }
    if baselines:
        systems.update({
            "whole dump": lambda p: "\n".join(p["lines"]),
            "keep-long-lines (>= 10 words)": lambda p: keep_long_lines(p["lines"]),
            "jusText on blank-line blocks": lambda p: justext_blocks(p["lines"]),
            "oracle (training targets)": lambda p: "\n".join(
                s for s, k in zip(p["lines"], p["y_lines"]) if k),
        })
    ids = [p["id"] for p in these]
    results, empties = {}, {}
    with tempfile.TemporaryDirectory(prefix="kt-quality-dumps-") as tmp:
        for k, (name, fn) in enumerate(systems.items()):
            d = (out / these[0]["source"] / f"s{k}") if out else Path(tmp) / f"s{k}"
            d.mkdir(parents=True, exist_ok=True)
            for p in these:
                (d / f"{p['id']}.txt").write_text(fn(p), encoding="utf-8")
            results[name] = score_all(score, data, d, types, ids)
            empties[name] = empty_bodies(data, d, ids)
    return results, empties


def tables(results: dict, empties: dict) -> tuple[str, str, str]:
    """The F1 table (all, per type), the P/R table and the halves table of one tool."""
    lines = ["| system | all | " + " | ".join(TYPES) + " |", "|---|---|" + "---|" * len(TYPES)]
    for name, res in results.items():
        cells = [f"{res['all'][0]:.3f}"] + [f"{res[t][0]:.3f}" if t in res else "-" for t in TYPES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    pr = ["| system | P all | R all | P article | R article |", "|---|---|---|---|---|"]
    for name, res in results.items():
        a, art = res["all"], res.get("article", (0, 0, 0, 0))
        pr.append(f"| {name} | {a[1]:.3f} | {a[2]:.3f} | {art[1]:.3f} | {art[2]:.3f} |")
    hv = ["| system | tune | report | tune article | report article | empty bodies |",
          "|---|---|---|---|---|---|"]
    for name, res in results.items():
        hv.append(f"| {name} | " + " | ".join(
            f"{res[g][0]:.3f}" if g in res else "-"
            for g in ("tune", "report", "tune/article", "report/article"))
            + f" | {len(empties[name])} |")
    return "\n".join(lines), "\n".join(pr), "\n".join(hv)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--doc", type=Path, default=REPO / "docs" / "quality-dumps.md")
    ap.add_argument("--no-doc", action="store_true", help="print only")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--tools", default="w3m,lynx",
                    help="the tools whose dumps are measured (w3m: DATA/dumps-w3m; the others: "
                         "DUMPS/dumps-TOOL, made by bench/make_dumps.py; a tool without dumps "
                         "is skipped)")
    ap.add_argument("--train", default=None,
                    help="the tools whose dumps the cross-validated models learn from "
                         "(default: the shipped recipe's, train_classifier.TRAIN_SOURCES)")
    ap.add_argument("--dumps", type=Path, default=None,
                    help="the folder of the other tools' dumps-TOOL/ folders "
                         "(default: train_classifier.DUMPS_DIR)")
    ap.add_argument("--features", choices=("new", "old"), default=None,
                    help="the feature sets trained on (default: train_classifier.FEATURES)")
    ap.add_argument("--no-baselines", action="store_true",
                    help="kt-clean's rows only (for experiments)")
    ap.add_argument("--out", type=Path, default=None,
                    help="keep every system's predictions in OUT/TOOL/s<k>/ID.txt (default: a temp dir)")
    args = ap.parse_args()
    if not (args.data / "dumps-w3m").is_dir() or not (args.data / "gold").is_dir():
        print(f"quality_dumps: no data at {args.data} (dumps-w3m/, gold/); skipped")
        return 0
    import train_classifier as tc

    if args.dumps is not None:
        tc.DUMPS_DIR = args.dumps
    if args.features is not None:
        tc.FEATURES = args.features
    score = load_scorer(args.data)
    t_start = time.time()
    pages = tc.prepare(args.data)
    types = {p["id"]: p["type"] for p in pages}

    pps, secs, pps_cpu = speed(pages)
    t0 = time.perf_counter()
    for p in pages:
        tc.dump_lines(tc.read_text(args.data / "dumps-w3m" / f"{p['id']}.txt"))
    read_secs = time.perf_counter() - t0
    pps_io = len(pages) / (secs + read_secs)
    print(f"speed: {pps:.0f} pages/s wall clock ({pps_cpu:.0f} by CPU time; {pps_io:.0f} wall "
          f"with reading the files), {len(pages)} pages")
    if args.speed_only:
        return 0

    train = tuple(args.train.split(",")) if args.train else tc.TRAIN_SOURCES
    wanted = tuple(args.tools.split(","))
    measure = tuple(t for t in wanted if tc.dump_dir(args.data, t).is_dir())
    for t in wanted:
        if t not in measure:
            print(f"quality_dumps: no dumps of {t} at {tc.dump_dir(args.data, t)} "
                  "(bench/make_dumps.py); not measured")
    every = tc.prepare_sources(args.data, tuple(dict.fromkeys(train + measure)))
    tc.featurize(every)
    cache = tc.CACHE_DIR / f"dumps-cv-{cv_key(train, measure, args.folds, args.seed)}.pkl"
    t0 = time.time()
    if cache.exists():  # the same code, settings and data: the same predictions
        cv = pickle.loads(cache.read_bytes())
    else:
        cv = tc.cv_predictions(every, k=args.folds, seed=args.seed, jobs=args.jobs,
                               measure=measure, train=train)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(cv))
    cv_secs = time.time() - t0
    trained = sorted({p["source"] for p in every if p["source"] in train})

    per_tool = {}
    for tool in measure:
        these = [p for p in every if p["source"] == tool]
        results, empties = measure_tool(score, args.data, these, cv, types,
                                        not args.no_baselines, args.out)
        per_tool[tool] = (len(these), results, empties, *tables(results, empties))
        f1_table, pr_table, halves_table = per_tool[tool][3:]
        print(f"\n{tool} dumps ({len(these)} pages)")
        print(f1_table)
        print()
        print(pr_table)
        print()
        print(halves_table)
        print(f"empty bodies of {KT}: {' '.join(empties[KT]) or 'none'}")
    summary = summary_table(per_tool)
    print()
    print(summary)
    print(f"\nCV: {args.folds} folds grouped by site in {cv_secs:.0f}s (trained on the dumps of "
          f"{', '.join(trained)}; features {tc.FEATURES}); total {time.time() - t_start:.0f}s")

    if not args.no_doc and "w3m" in per_tool:
        model_file = REPO / "kt_clean" / "classifier" / "model.json"
        write_doc(args.doc, per_tool, summary, args.folds, trained, pps, pps_cpu, pps_io,
                  model_file.stat().st_size if model_file.exists() else 0)
        print(f"wrote {args.doc}")
    return 0


def summary_table(per_tool: dict) -> str:
    """kt-clean's F1 on each tool's dumps against issue 13's floors."""
    rows = ["| dumps | pages | all | articles | all, classifier alone | below w3m (all) | "
            "empty bodies |", "|---|---|---|---|---|---|---|"]
    w3m = per_tool["w3m"][1][KT]["all"][0] if "w3m" in per_tool else None
    for tool, (n, results, empties, *_t) in per_tool.items():
        kt = results[KT]
        gap = "-" if w3m is None or tool == "w3m" else f"{w3m - kt['all'][0]:+.3f}"
        rows.append(f"| {tool} | {n} | {kt['all'][0]:.3f} | {kt['article'][0]:.3f} | "
                    f"{results[ALONE]['all'][0]:.3f} | {gap} | {len(empties[KT])} |")
    return "\n".join(rows)


#: The doc's section of experiments is written by hand (measured with this script's
#: options); a rerun keeps it as it is.
EXPERIMENTS = "## What was tried"


def write_doc(path: Path, per_tool: dict, summary: str, folds: int, trained: list[str],
              pps: float, pps_cpu: float, pps_io: float, model_bytes: int) -> None:
    import train_classifier as tc

    from kt_clean.cleaners.generic import NEAR_EMPTY_CHARS

    machine = f"{platform.machine()}, Python {platform.python_version()}"
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if EXPERIMENTS in old:
            kept = old[old.index(EXPERIMENTS):old.index("## Algorithm")].rstrip() + "\n\n"
    n, w3m = per_tool["w3m"][0], per_tool["w3m"][1][KT]
    counts = {t: w3m[t][3] if t in w3m else 0 for t in TYPES}
    lynx = per_tool["lynx"][1][KT] if "lynx" in per_tool else None
    gap = (f"{w3m['all'][0] - lynx['all'][0]:.3f} lower on lynx's dumps than on w3m's "
           f"({'met' if w3m['all'][0] - lynx['all'][0] <= 0.03 else 'NOT met'})"
           if lynx else "not measured (no lynx dumps)")
    targets = (f"Issue 13's floors, on w3m's dumps: F1 >= 0.83 on all pages: "
               f"**{w3m['all'][0]:.3f}** ({'met' if w3m['all'][0] >= 0.83 else 'NOT met'}); "
               f">= 0.93 on articles: **{w3m['article'][0]:.3f}** "
               f"({'met' if w3m['article'][0] >= 0.93 else 'NOT met'}); no more than 0.03 lower "
               f"on lynx's dumps of the same pages: {gap}; no empty body where the gold has "
               f"more than {EMPTY_GOLD_CHARS} characters: "
               + ", ".join(f"{len(e[KT])} on {tool}'s dumps" for tool, (_n, _r, e, *_t)
                           in per_tool.items()) + ".")
    sections = []
    for tool, (m, _results, empties, f1_table, pr_table, halves_table) in per_tool.items():
        where = "`dumps-w3m/` of the data" if tool == "w3m" else f"`dumps-{tool}/` (bench/make_dumps.py)"
        sections.append(f"""### {tool} dumps ({m} pages, {where})

Shingle F1, all pages and per page type:

{f1_table}

Precision and recall:

{pr_table}

The halves of `bench/_report.py`'s fixed split (tune, report: fixed seed, stratified by page
type; the same pages as the HTML figures), and the empty bodies (kept text under
{EMPTY_BODY_CHARS} characters where the gold has more than {EMPTY_GOLD_CHARS}):

{halves_table}

kt-clean's empty bodies: {" ".join(empties[KT]) or "none"}.
""")
    text = f"""# Generic line classifier: quality on text dumps

Measured by `python bench/quality_dumps.py` (this file is written by it, but for the section
"What was tried") on the WCXB dev split ("WCXB: A Multi-Type Web Content Extraction
Benchmark, M. Foley, 2026, CC-BY-4.0"), {n} pages ({", ".join(f"{t} {counts[t]}" for t in TYPES)}),
as dumped by each tool: w3m (the data's `dumps-w3m/`) and lynx (`lynx -dump -nolist
-width=1000`, made by `bench/make_dumps.py`; `--tools`, `--dumps`), scored with
`shared/bench/score.py` (shingle F1 over token 4-grams; P and R are means over pages).

## Results

kt-clean's figures are **{folds}-fold cross-validated, folds grouped by site** (the sites are
dealt into folds within their pages' main type, and every dump of a page, whichever tool
made it, is in its page's fold): every page is predicted by a model trained on the other
folds only, which hold no page of its site. The models are trained as the shipped one is
(`bench/train_classifier.py`: the dumps of {", ".join(trained)}; the features {"of today" if tc.FEATURES == "new" else "before the keyword groups and the wide context"}; {tc.TREES1} trees of
depth {tc.DEPTH1}). The baselines were run in the same process on the
same pages.

{summary}

{targets}

{"".join(sections)}
*kt-clean* is what the generic cleaner makes of the cross-validated classifier's decisions
(`cleaners.generic.revise`, as `label_lines` does with the shipped model): the lines of
chrome that `kt_clean.chrome` finds are removed (an ad's label, a paywall's prompt, an audio
player, a teaser's image text, a full reference list), and when less than
`NEAR_EMPTY_CHARS` ({NEAR_EMPTY_CHARS}) characters of text besides a title are left, the rule-based
fallback decides. *classifier alone* is the classifier's decisions as they are.

Rendering: kept non-blank lines, stripped of indentation and a leading bullet, one per line.
Baselines: *whole dump* is the dump as-is; *keep-long-lines* keeps lines of >= 10 words;
*jusText* (justext package, English stoplist, default settings) classifies each
blank-line-delimited block of the dump as one paragraph; the *oracle* keeps exactly the lines
labelled content by the training targets (an upper bound for any line selection).

Speed (shipped model, one process, best of 3 passes over all {n} w3m dumps, on {machine};
2 cores shared with other work): **{pps:.0f} pages/s** by wall clock for `classify()` on the
split lines (feature extraction and inference), **{pps_cpu:.0f} pages/s** by the process's CPU
time (less sensitive to other load, though not immune on shared cores), {pps_io:.0f} pages/s
wall clock including reading and splitting the files. Speed drifts by up to 2x between hours
on this shared machine (the target of >= 300 pages/s in one process was met at 375-407 pages/s
on the quiet runs of 2026-11-23). Model file: `kt_clean/classifier/model.json`, {model_bytes / 1e6:.2f} MB.

{kept}## Algorithm

`kt_clean.classifier.classify(lines)` returns one `Decision(kept, label, rule, score)` per line.

1. **Features** (`features.py`, one row per non-blank line, {len(tc.BASE_NAMES)} columns, of which the
   shipped model reads the first {tc.feature_counts()[0]}): length, word
   count, mean word length, stopword count and ratio (an English stopword list kept as data in
   the module), digit / uppercase / letter / punctuation ratios, sentence punctuation and commas,
   separators (`|`, `»`, `/`...), capitalised-word ratio, first/last character (bullet, numbered
   item, sentence end, colon, ellipsis), indentation, a few boilerplate keywords, year-like
   numbers; repetition within the page (exact and case-folded counts, occurrence index);
   position (by line and by characters); the blank-line-delimited block (lines, characters,
   longest line, share of long lines, position in the block, blank lines around); windows of
   1/3/10 lines around the line (share of long lines, mean log-length, stopword ratio, bullets)
   and the previous/next line; the *prose region* (lines of >= {tc.__dict__.get('PROSE', 120)} characters with
   stopwords): distance to the nearest prose line above/below, before/after the first/last one,
   share of prose text before/after; distance to the likely title (the last short non-bullet
   line above the first prose line). The page is read once as an array of code points: words,
   stripped line ranges, character classes (one `bincount` of (line, class) pairs), stopwords,
   keywords and years all come from it with whole-page numpy calls, so the Python work per line
   is a few C-level string calls (strip, a dict of the lines for repetitions).
2. **Stage 1**: gradient-boosted trees (LightGBM at training time; {tc.TREES1} trees of depth
   {tc.DEPTH1}, learning rate {tc.LR1}) on those features.
3. **Stage 2 (context)**: as jusText revises short lines by their neighbours, a second model
   sees the line's features plus its neighbourhood in stage-1 probabilities (previous/next two
   lines, windows of 3/10/30 lines, plain and length-weighted, block mean and max, page mean,
   share of kept text before/after, distance to the nearest kept line). It is an additive model
   of {tc.TREES2} boosted stumps, evaluated by one `searchsorted` over all features. Its training
   inputs are out-of-fold stage-1 probabilities (inner {tc.INNER}-fold, grouped by site), so it learns from the same kind of
   noisy neighbours it gets at run time.
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

Retrain: `python bench/train_classifier.py [--data DIR]` (needs lightgbm; fixed seed; writes
`kt_clean/classifier/model.json`; the shipped model is trained on all {n} pages, so figures
must come from the cross-validation above, never from the shipped model).
"""
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
