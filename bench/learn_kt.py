#!/usr/bin/env python3
"""Template learning benchmark: learn each Korea Times template from pages of one site,
then strip held-out pages with the learned file alone and compare with the built-in rules.

    python bench/learn_kt.py [--train 50] [--test 500]

Pages come from bench/kt_corpus.py (the two templates around varied article text). Also
checks that a learned layout claims none of the other template's pages and none of the
wcxb-dev text dumps (when ../shared/data/wcxb-dev is present). Writes docs/quality.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import SHARED_DATA, update_section
from kt_corpus import make_pages

import kt_clean
from kt_clean.layouts import parse_layout
from kt_clean.learning import learn


def evaluate(template: str, n_train: int, n_test: int) -> dict:
    t0 = time.perf_counter()
    result = learn(make_pages(template, n_train, seed=1), f"learned-{template}")
    learn_s = time.perf_counter() - t0
    layout = parse_layout(result.toml, "learned.toml")
    lines = same_keep = tp = fp = fn = 0
    titles = bodies = detected = 0
    test = make_pages(template, n_test, seed=2)
    for page in test:
        ref = kt_clean.strip(kt_clean.from_text(page))
        got = kt_clean.strip(kt_clean.from_text(page), (layout,))
        detected += got.layout == layout.name and "rules-did-not-fit" not in got.evidence
        for a, b in zip(ref.labels, got.labels):
            lines += 1
            same_keep += a.kept == b.kept
            tp += not a.kept and not b.kept
            fp += a.kept and not b.kept
            fn += not a.kept and b.kept
        ra, ga = kt_clean.article(ref), kt_clean.article(got, (layout,))
        titles += ra.title == ga.title
        bodies += ra.body == ga.body
    other = make_pages("full-nav" if template == "print" else "print", 200, seed=3)
    false_other = sum(kt_clean.detect(kt_clean.from_text(p), (layout,)).layout != "unknown"
                      for p in other)
    dumps = sorted((SHARED_DATA / "wcxb-dev" / "dumps-w3m").glob("*.txt"))
    false_dumps = sum(kt_clean.detect(kt_clean.from_text(p.read_text(encoding="utf-8")),
                                      (layout,)).layout != "unknown" for p in dumps)
    return {"template": template, "train": n_train, "test": n_test, "learn_s": learn_s,
            "detected": detected, "line_agree": same_keep / lines,
            "removed_p": tp / (tp + fp) if tp + fp else 1.0,
            "removed_r": tp / (tp + fn) if tp + fn else 1.0,
            "titles": titles, "bodies": bodies, "false_other": false_other,
            "n_other": len(other), "false_dumps": false_dumps, "n_dumps": len(dumps),
            "recurring": sum(1 for r in result.recurring if r.pages),
            "size": len(result.toml)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", type=int, default=50)
    ap.add_argument("--test", type=int, default=500)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = [evaluate(t, args.train, args.test) for t in ("print", "full-nav")]
    table = ["| template | pages learned from | held-out pages detected | lines kept/removed as the built-in rules | removed lines: precision / recall vs built-in | same title | same body | other template's pages claimed | wcxb-dev dumps claimed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        table.append(
            f"| {r['template']} | {r['train']} | {r['detected']} / {r['test']} | "
            f"**{r['line_agree']:.2%}** | {r['removed_p']:.3f} / {r['removed_r']:.3f} | "
            f"{r['titles']} / {r['test']} | {r['bodies']} / {r['test']} | "
            f"{r['false_other']} / {r['n_other']} | {r['false_dumps']} / {r['n_dumps']} |")
    body = f"""## Learning a site's template (`kt-clean learn`)

Measured by `python bench/learn_kt.py --train {args.train} --test {args.test}`. For each
Korea Times template, `learn()` reads {args.train} generated pages (bench/kt_corpus.py: the
template around varied headlines, sections, dates, reporters, captions, decks, subheadings,
related teasers, headline lists, crawl dates and section menus), writes a rule file with no
rule written by hand, and that file alone then strips {args.test} other pages. The reference
is the built-in hand-written layout.

{chr(10).join(table)}

Reason codes differ where the learner can only guess them (the print view's font-size
widget is `nav`, not `settings`); which lines go is the same. Learning took
{rows[0]['learn_s']:.2f} s and {rows[1]['learn_s']:.2f} s; the rule files list
{rows[0]['recurring']} and {rows[1]['recurring']} recurring lines with their frequencies.
"""
    print(body)
    if not args.no_write:
        print("wrote", update_section("quality.md", "learn", body, "Quality"))


if __name__ == "__main__":
    main()
