#!/usr/bin/env python3
"""Metadata benchmark: title, author, date and page-type accuracy on WCXB-dev.

    python bench/metadata.py [--data DIR] [--workers 2] [--limit N] [--sources S,...] [--no-write]
                             [--show FIELD:SOURCE] [--json F]

For every page of ``meta.jsonl`` (gold title, author, publish date and page type, human
reviewed) it runs, in the same worker process:

  * kt-clean on the HTML      ``kt_clean.extract(page bytes, source="ID.html")``
  * kt-clean on the text dump ``kt_clean.extract(dump bytes, source="ID.txt")``
  * trafilatura's metadata    ``trafilatura.extract_metadata(html)`` (title, author, date:
                              its htmldate search), the field's reference for this

and scores them by the issue's rule of matching:

  * title: equal after casefolding and collapsing punctuation and spaces;
  * author: the gold name equal (same normalisation) to one of the predicted names, or to
    all of them joined (``A B``, ``A, B and C``: the two names of ``By A and B``);
  * date: the same day (the first ten characters of the ISO date);
  * page type: the gold type, with WCXB's ``listing`` and ``collection`` read as ``list``.

Title, author and date are scored on the article pages whose gold has the field (the pages
where a user expects one); page types on all pages. Figures are given for all pages and for
the two halves of the fixed tune/report split of bench/_report.py ("tune", the half looked at while
writing the rules, and "report", the half that was not). The page-type classifier's own
cross-validated figure (grouped by site) is in bench/train_pagetype.py's output.

The table goes into docs/quality.md (``<!-- bench:metadata -->``) unless ``--no-write``.
Exits 0 with a message when the data directory is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _report import SHARED_DATA, machine, update_section  # noqa: E402

DATA = SHARED_DATA / "wcxb-dev"
SOURCES = ("kt-html", "kt-dump", "trafilatura")
FIELDS = ("title", "author", "date")
#: WCXB's page types in kt-clean's vocabulary.
TYPE_MAP = {"listing": "list", "collection": "list"}

_PUNCT = re.compile(r"[\W_]+")


def norm(s: str | None) -> str:
    return _PUNCT.sub(" ", (s or "").casefold()).strip()


def title_ok(gold: str, pred: str | None) -> bool:
    return bool(pred) and norm(gold) == norm(pred)


def author_ok(gold: str, pred: list[str]) -> bool:
    """The gold name is one of the predicted names, or all of them joined as a byline
    joins them: ``A B`` (spaces, commas, ``&``: punctuation is collapsed), ``A, B and C``
    or ``A and B and C`` (the gold ``Jared Newman and Sam Singleton`` is the prediction
    ``["Jared Newman", "Sam Singleton"]``, the two names the issue asks ``By Jane Doe and
    John Roe`` to give)."""
    g = norm(gold)
    names = [norm(p) for p in pred if p]
    if not names:
        return False
    joined = {" ".join(names), " ".join(names[:-1]) + " and " + names[-1],
              " and ".join(names)}
    return g in names or g in joined


def date_ok(gold: str, pred: str | None) -> bool:
    return bool(pred) and pred[:10] == gold[:10]


def _init_worker() -> None:
    import logging

    logging.disable(logging.CRITICAL)
    import trafilatura  # noqa: F401

    import kt_clean  # noqa: F401


def run_page(args: tuple[str, str, str, tuple[str, ...]]) -> dict:
    pid, html_path, dump_path, sources = args
    import trafilatura

    import kt_clean

    res: dict = {"id": pid}
    with gzip.open(html_path) as f:
        raw = f.read()
    for name, data, source in (("kt-html", raw, f"{pid}.html"),
                               ("kt-dump", Path(dump_path).read_bytes(), f"{pid}.txt")):
        if name not in sources:
            res[name] = {"seconds": 0.0}
            continue
        t = time.perf_counter()
        try:
            art = kt_clean.extract(data, source=source)
            res[name] = {"title": art.title, "author": list(art.authors),
                         "date": art.published, "page_type": art.page_type,
                         "confidence": getattr(art, "page_type_confidence", None)}
        except Exception as exc:  # a failure is scored as nothing found, and counted
            res[name] = {"error": f"{type(exc).__name__}: {str(exc)[:100]}"}
        res[name]["seconds"] = time.perf_counter() - t
    if "trafilatura" not in sources:
        res["trafilatura"] = {"seconds": 0.0}
        return res
    t = time.perf_counter()
    try:
        md = trafilatura.extract_metadata(raw.decode("utf-8", "replace"))
        authors = [a.strip() for a in (md.author or "").split(";") if a.strip()] if md else []
        res["trafilatura"] = {"title": md.title if md else None, "author": authors,
                              "date": md.date if md else None}
    except Exception as exc:
        res["trafilatura"] = {"error": f"{type(exc).__name__}: {str(exc)[:100]}"}
    res["trafilatura"]["seconds"] = time.perf_counter() - t
    return res


def score(rows: list[dict], gold: dict[str, dict], ids: list[str]) -> dict:
    out: dict = {}
    articles = [i for i in ids if gold[i]["page_type"] == "article"]
    for src in SOURCES:
        fig: dict = {}
        for f, key, ok in (("title", "title", title_ok), ("author", "author", author_ok),
                           ("date", "publish_date", date_ok)):
            sub = [i for i in articles if gold[i].get(key)]
            hits = sum(ok(gold[i][key], rows[i][src].get(f) or ([] if f == "author" else None))
                       for i in sub)
            fig[f] = (hits, len(sub))
        if src != "trafilatura":
            hits = sum(rows[i][src].get("page_type") == TYPE_MAP.get(gold[i]["page_type"],
                                                                     gold[i]["page_type"])
                       for i in ids)
            fig["page_type"] = (hits, len(ids))
        out[src] = fig
    return out


def _pct(x: tuple[int, int]) -> str:
    return f"{100 * x[0] / x[1]:.1f}%" if x[1] else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (smoke test)")
    ap.add_argument("--sources", default=",".join(SOURCES),
                    help="which of kt-html,kt-dump,trafilatura to run (default: all)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    ap.add_argument("--show", default="", help="print the misses of FIELD:SOURCE, e.g. "
                                               "title:kt-html (tune half only)")
    ap.add_argument("--json", type=Path, default=None, help="write every prediction as JSON")
    args = ap.parse_args(argv)
    meta_path = args.data / "meta.jsonl"
    if not meta_path.exists() or not (args.data / "html").is_dir():
        print(f"metadata: data not found ({args.data}); skipping.")
        return 0
    from _report import split_ids

    gold = {}
    for line in meta_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            gold[r["id"]] = r
    ids = sorted(gold)
    if args.limit:
        ids = ids[: args.limit]
    tune, report = split_ids({i: gold[i]["page_type"] for i in ids})
    sources = tuple(s for s in args.sources.split(",") if s in SOURCES)
    jobs = [(i, str(args.data / "html" / f"{i}.html.gz"),
             str(args.data / "dumps-w3m" / f"{i}.txt"), sources) for i in ids]
    import os
    from multiprocessing import get_context

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t0 = time.perf_counter()
    rows: dict[str, dict] = {}
    with get_context("fork").Pool(max(1, args.workers), initializer=_init_worker) as pool:
        for n, r in enumerate(pool.imap_unordered(run_page, jobs, chunksize=4), 1):
            rows[r["id"]] = r
            if n % 250 == 0:
                print(f"  {n}/{len(jobs)} pages", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")

    groups = {"all": ids, "tune": tune, "report": report}
    figures = {g: score(rows, gold, sub) for g, sub in groups.items()}
    lines = ["| pages | source | title | author | date | page type (shipped model) |",
             "|---|---|---|---|---|---|"]
    label = {"kt-html": "kt-clean, HTML", "kt-dump": "kt-clean, text dump",
             "trafilatura": "trafilatura (`extract_metadata`), HTML"}
    for g, fig in figures.items():
        for src in SOURCES:
            f = fig[src]
            pt = _pct(f["page_type"]) if "page_type" in f else "-"
            lines.append(f"| {g} | {label[src]} | {_pct(f['title'])} | {_pct(f['author'])} | "
                         f"{_pct(f['date'])} | {pt} |")
    a = figures["all"]["kt-html"]
    n = {f: a[f][1] for f in FIELDS}
    secs = {src: sum(rows[i][src]["seconds"] for i in ids) for src in SOURCES}
    errors = {src: sum("error" in rows[i][src] for i in ids) for src in SOURCES}
    body = "\n".join([
        "## Metadata: title, author, date, page type", "",
        f"Measured by `python bench/metadata.py` on the {len(ids)} WCXB-dev pages "
        f"({machine()}). Title, author and date on the article pages whose gold has the "
        f"field ({n['title']}, {n['author']} and {n['date']} pages); page type on all "
        "pages. \"tune\" is the half of the fixed tune/report split of bench/_report.py that was looked "
        "at while writing the rules, \"report\" the half that was not.", "",
        *lines, "",
        "Matching (the issue's rule): title equal after casefolding and collapsing "
        "punctuation and spaces; author equal to one of the predicted names or to all of "
        "them joined (`A B`, `A, B and C`: the gold `Jared Newman and Sam Singleton` is "
        "the two names `By Jared Newman and Sam Singleton` gives); date the same day; WCXB's `listing` and `collection` are kt-clean's "
        "`list`. The page-type column is the shipped model on pages it was trained on (a "
        "regression check); its cross-validated accuracy, grouped by site, is in "
        "[Page type classifier](#page-type-classifier).",
        f"Time (one core, sum of per-page times; the one-minute load average was {load:.1f} "
        f"at the start, on 2 cores): kt-clean HTML {secs['kt-html']:.1f} s "
        f"(whole extraction), text dumps {secs['kt-dump']:.1f} s, trafilatura's metadata "
        f"alone {secs['trafilatura']:.1f} s. Errors: {errors}.",
    ])
    print(body)
    print(f"\nwall {wall:.1f}s", file=sys.stderr)
    if args.show:
        field, _, src = args.show.partition(":")
        key = {"date": "publish_date"}.get(field, field)
        ok = {"title": title_ok, "author": author_ok, "date": date_ok}.get(field)
        for i in tune:
            g = gold[i]
            if field == "page_type":
                gt = TYPE_MAP.get(g["page_type"], g["page_type"])
                if rows[i][src].get("page_type") != gt:
                    print(f"{i} gold={gt} pred={rows[i][src].get('page_type')}")
                continue
            if g["page_type"] != "article" or not g.get(key) or ok is None:
                continue
            pred = rows[i][src].get(field) or ([] if field == "author" else None)
            if not ok(g[key], pred):
                print(f"{i} gold={g[key]!r} pred={pred!r}")
    if not args.no_write and not args.limit and sources == SOURCES:
        update_section("quality.md", "metadata", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
