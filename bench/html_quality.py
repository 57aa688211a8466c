#!/usr/bin/env python3
"""Quality + speed benchmark of kt-clean's HTML path on WCXB-dev.

    python bench/html_quality.py [--data DIR] [--out DIR] [--workers 2] [--limit N] [--json F]

For every page html/ID.html.gz it runs, in the same worker process and one after the
other (so the conditions are the same for all three):

  * kt-clean      kt_clean.extract(page bytes) -> the article body: the whole HTML path a
                  user runs (decode, parse, render, detect, extract, align the lines)
  * trafilatura   trafilatura.extract(html)          (default settings, txt output)
  * readability   readability.Document(html).summary() -> text (kt_clean's block walker)

writes the predictions to OUT/{kt,trafilatura,readability}/ID.txt, and scores them with
/work/shared/bench/score.py (shingle F1 of token 4-grams), for all pages, per page type
(types.tsv), and on the two halves of a fixed-seed split stratified by type:
"tune" (used to choose kt-clean's decision rule) and "report" (held out).
Speed: per-page CPU-bound wall time of each extractor, summed (pages/s on one core),
plus the ratio kt-clean / trafilatura.
Empty bodies (issue 13's floor): the pages where an extractor's body has fewer than 50
characters while the gold has more than 500, counted apart when the gold's text is not in
the saved HTML at all (under half of its 4-gram shingles anywhere in the file).

Exits 0 with a message when the data directory is absent.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data/wcxb-dev")
SCORE = Path("/work/shared/bench/score.py")
EXTRACTORS = ("kt", "trafilatura", "readability")

sys.path.insert(0, str(ROOT / "bench"))
from _report import SPLIT_SEED, split_ids  # noqa: E402  (the fixed tune/report split)

#: The empty-body check (issue 13's floor): a body shorter than EMPTY_BODY_CHARS where the
#: gold has more than EMPTY_GOLD_CHARS characters of text.
EMPTY_BODY_CHARS = 50
EMPTY_GOLD_CHARS = 500
#: ... counted apart when less than this share of the gold's 4-gram shingles is anywhere in
#: the saved HTML (markup and scripts included): the page's text was loaded by its
#: scripts, and no extractor can find it in this file.
IN_HTML_MIN_SHARE = 0.5


def empty_bodies(data: Path, out: Path, name: str, ids: list[str], gold: dict[str, str],
                 S) -> dict[str, list[str]]:
    """The pages whose prediction of ``name`` is (near) empty where the gold has text:
    ``{"reachable": [...], "not_in_html": [...]}``."""
    import html as html_mod

    found: dict[str, list[str]] = {"reachable": [], "not_in_html": []}
    for i in ids:
        if len(gold[i].strip()) <= EMPTY_GOLD_CHARS:
            continue
        if len(S.read_text(out / name / f"{i}.txt").strip()) >= EMPTY_BODY_CHARS:
            continue
        with gzip.open(data / "html" / f"{i}.html.gz") as f:
            page = html_mod.unescape(f.read().decode("utf-8", "replace"))
        shingles = set(S.ngrams(gold[i]))
        share = len(shingles & set(S.ngrams(page))) / max(1, len(shingles))
        found["reachable" if share >= IN_HTML_MIN_SHARE else "not_in_html"].append(i)
    return found


def _init_worker():
    sys.path.insert(0, str(ROOT))
    import logging

    logging.disable(logging.CRITICAL)
    # warm imports so that import time is not charged to the first page
    import trafilatura  # noqa: F401
    from readability import Document  # noqa: F401

    import kt_clean.cleaners.html
    import kt_clean.html.extract
    import kt_clean.html.render  # noqa: F401


def _rd_text(html: str) -> str:
    from readability import Document

    from kt_clean.html.parse import parse_html
    from kt_clean.html.render import tree_blocks

    summary = Document(html).summary(html_partial=True)
    return "\n\n".join(t for _, t in tree_blocks(parse_html(summary))) if summary.strip() else ""


def run_page(args):
    pid, path, out = args
    import trafilatura

    import kt_clean

    with gzip.open(path) as f:
        raw = f.read()
    html = raw.decode("utf-8", "replace")
    res = {"id": pid}
    order = list(EXTRACTORS)
    # rotate the order per page so no extractor systematically profits from warm caches
    k = int(pid) % 3 if pid.isdigit() else 0
    order = order[k:] + order[:k]
    for name in order:
        t = time.perf_counter()
        err = None
        try:
            if name == "kt":
                art = kt_clean.extract(raw, source=f"{pid}.html")
                text = art.body
                res["method"] = (art.document.meta.get("extracted") or {}).get("method", art.layout)
            elif name == "trafilatura":
                text = trafilatura.extract(html) or ""
            else:
                text = _rd_text(html)
        except Exception as exc:
            text, err = "", f"{type(exc).__name__}: {str(exc)[:100]}"
        res["t_" + name] = time.perf_counter() - t
        if err:
            res["err_" + name] = err
        Path(out, name, pid + ".txt").write_text(text, encoding="utf-8")
    return res


def _load_score():
    spec = importlib.util.spec_from_file_location("kt_score", SCORE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=None, help="prediction dir (default: a temp dir)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (smoke test)")
    ap.add_argument("--json", type=Path, default=None, help="write all figures as JSON")
    args = ap.parse_args(argv)

    if not (args.data / "html").is_dir() or not (args.data / "gold").is_dir() or not SCORE.exists():
        print(f"html_quality: data not found ({args.data} or {SCORE}); skipping.")
        return 0
    types = {}
    for line in (args.data / "types.tsv").read_text().splitlines():
        if "\t" in line:
            i, t = line.split("\t", 1)
            types[i.strip()] = t.strip()
    ids = sorted(p.name[: -len(".html.gz")] for p in (args.data / "html").glob("*.html.gz"))
    ids = [i for i in ids if i in types]
    if args.limit:
        ids = ids[: args.limit]
    tune, report = split_ids({i: types[i] for i in ids})
    out = args.out or Path(tempfile.mkdtemp(prefix="kt-html-bench-"))
    for name in EXTRACTORS:
        (out / name).mkdir(parents=True, exist_ok=True)

    from multiprocessing import get_context

    jobs = [(i, str(args.data / "html" / f"{i}.html.gz"), str(out)) for i in ids]
    t0 = time.perf_counter()
    rows = []
    ctx = get_context("fork" if sys.platform != "win32" else "spawn")
    with ctx.Pool(max(1, args.workers), initializer=_init_worker) as pool:
        for n, r in enumerate(pool.imap_unordered(run_page, jobs, chunksize=2), 1):
            rows.append(r)
            if n % 250 == 0:
                print(f"  {n}/{len(jobs)} pages", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0

    S = _load_score()
    gold = {i: S.read_text(args.data / "gold" / f"{i}.txt") for i in ids}
    per = {name: {} for name in EXTRACTORS}
    for name in EXTRACTORS:
        for i in ids:
            pred = S.read_text(out / name / f"{i}.txt")
            per[name][i] = S.shingle_tp_fp_fn(gold[i], pred)

    def agg(name, sub):
        f1, p, r = S.aggregate([per[name][i] for i in sub])
        return {"f1": round(f1, 4), "p": round(p, 4), "r": round(r, 4), "n": len(sub)}

    groups = {"all": ids, "tune": tune, "report": report}
    for t in sorted({types[i] for i in ids}):
        groups[f"all/{t}"] = [i for i in ids if types[i] == t]
        groups[f"report/{t}"] = [i for i in report if types[i] == t]
        groups[f"tune/{t}"] = [i for i in tune if types[i] == t]
    figures = {g: {name: agg(name, sub) for name in EXTRACTORS} for g, sub in groups.items() if sub}

    speed = {}
    for name in EXTRACTORS:
        tot = sum(r["t_" + name] for r in rows)
        speed[name] = {
            "seconds": round(tot, 2),
            "pages_per_s": round(len(rows) / tot, 2) if tot else None,
        }
    speed["kt_over_trafilatura"] = round(
        speed["kt"]["seconds"] / speed["trafilatura"]["seconds"], 3
    )
    methods: dict[str, int] = {}
    for r in rows:
        methods[r.get("method", "error")] = methods.get(r.get("method", "error"), 0) + 1
    errors = {name: sum(1 for r in rows if "err_" + name in r) for name in EXTRACTORS}

    empties = {name: empty_bodies(args.data, out, name, ids, gold, S) for name in EXTRACTORS}

    # cross-check with score.py's own CLI on all pages
    cli = {}
    ids_file = out / "ids-all.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    for name in EXTRACTORS:
        p = subprocess.run(
            [sys.executable, str(SCORE), str(args.data), str(out / name), "--ids", str(ids_file)],
            capture_output=True,
            text=True,
        )
        cli[name] = p.stdout.strip()

    print(
        f"\npages: {len(ids)} (tune {len(tune)}, report {len(report)}), workers {args.workers}, "
        f"wall {wall:.1f}s, predictions in {out}"
    )
    print("\n| pages | n | kt-clean F1 / P / R | trafilatura F1 / P / R | readability F1 / P / R |")
    print("|---|---:|---|---|---|")
    for g, fig in figures.items():
        cells = " | ".join(
            f"**{fig[n]['f1']:.3f}** / {fig[n]['p']:.3f} / {fig[n]['r']:.3f}" for n in EXTRACTORS
        )
        print(f"| {g} | {fig['kt']['n']} | {cells} |")
    print("\n| extractor | CPU seconds (sum of per-page times) | pages/s (one core) |")
    print("|---|---:|---:|")
    for name in EXTRACTORS:
        print(f"| {name} | {speed[name]['seconds']} | {speed[name]['pages_per_s']} |")
    print(f"\nkt-clean / trafilatura time ratio: {speed['kt_over_trafilatura']}")
    print(f"kt-clean methods: {methods}; errors: {errors}")
    print(f"\nempty bodies (< {EMPTY_BODY_CHARS} characters where the gold has > "
          f"{EMPTY_GOLD_CHARS}; 'not in the HTML': under {IN_HTML_MIN_SHARE:.0%} of the gold's "
          "shingles are anywhere in the saved HTML):")
    for name in EXTRACTORS:
        e = empties[name]
        print(f"  {name}: {len(e['reachable']) + len(e['not_in_html'])} "
              f"({len(e['not_in_html'])} not in the HTML: {' '.join(e['not_in_html']) or '-'}; "
              f"others: {' '.join(e['reachable']) or '-'})")
    for name in EXTRACTORS:
        print(f"score.py CLI, {name}: {cli[name]}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "figures": figures,
                    "speed": speed,
                    "methods": methods,
                    "errors": errors,
                    "empty_bodies": empties,
                    "wall_s": round(wall, 1),
                    "score_cli": cli,
                    "split_seed": SPLIT_SEED,
                },
                indent=1,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
