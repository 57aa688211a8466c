"""Quality floors the generic cleaner must not fall below (trafilatura-style intent tests).

Part 1 runs everywhere: hand-written dumps with snippets that must and must not come out.
Part 2 runs when ../shared/data/wcxb-dev is present: a fixed sample of real pages, checked
against expectations derived from their gold text at run time (no data is copied here),
and a pinned shingle-F1 floor. The shipped model was trained on all of wcxb-dev, so these are
regression floors, not generalisation figures (those are cross-validated in
docs/quality-dumps.md). Never lower a floor to make a change pass.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

import kt_clean
from conftest import ROOT

QUALITY = Path(__file__).resolve().parent / "quality"
EXPECT = json.loads((QUALITY / "expectations.json").read_text(encoding="utf-8"))
DATA = ROOT.parent / "shared" / "data" / "wcxb-dev"


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_hand_written_pages_keep_the_text_and_drop_the_chrome(name):
    art = kt_clean.extract(str(QUALITY / name))
    want = EXPECT[name]
    assert art.layout == "unknown"
    assert art.title == want["title"]
    for snippet in want["must"]:
        assert snippet in art.body, f"{name}: lost {snippet!r}"
    for snippet in want["must_not"]:
        assert snippet not in art.body, f"{name}: kept {snippet!r}"


# -- part 2: real pages ----------------------------------------------------------------

#: Every 10th article page of wcxb-dev (a fixed sample), and the floor for it.
SAMPLE_STEP = 10
F1_FLOOR_ARTICLES = 0.92  # measured 0.942 on 79 pages on 2026-11-23
SNIPPET_PASS_FLOOR = 0.70  # measured 0.75 (39 of 52 pages) on 2026-11-23

needs_data = pytest.mark.skipif(not (DATA / "gold").is_dir(),
                                reason="wcxb-dev data not present (../shared/data/wcxb-dev)")


def _tokens(text):
    return re.findall(r"\w+", text)


def _f1(gold, pred):
    """Shingle F1 of token 4-grams, as ../shared/bench/score.py computes it per page."""
    def shingles(text):
        t = _tokens(text)
        return Counter(tuple(t[i:i + 4]) for i in range(max(1, len(t) - 3)))
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    return 0.0 if not tp else 2 * tp / (sum(g.values()) + sum(p.values()))


def _sample():
    ids = (DATA / "ids-article.txt").read_text().split()
    return ids[::SAMPLE_STEP]


@needs_data
def test_real_article_pages_stay_above_the_f1_floor():
    scores = []
    for pid in _sample():
        gold = (DATA / "gold" / f"{pid}.txt").read_text(encoding="utf-8")
        text = (DATA / "dumps-w3m" / f"{pid}.txt").read_text(encoding="utf-8")
        if not gold.strip() or not text.strip():
            continue
        art = kt_clean.article(kt_clean.from_text(text, f"{pid}.txt"))
        scores.append(_f1(gold, art.body))
    mean = sum(scores) / len(scores)
    assert len(scores) >= 70
    assert mean >= F1_FLOOR_ARTICLES, f"mean F1 {mean:.3f} on {len(scores)} article pages"


@needs_data
def test_real_article_pages_keep_their_opening_and_drop_their_menus():
    """Per page: the gold's first long sentence must come out; the dump's menu bullets
    that are not in the gold must not."""
    passed = total = 0
    for pid in _sample():
        gold = (DATA / "gold" / f"{pid}.txt").read_text(encoding="utf-8")
        text = (DATA / "dumps-w3m" / f"{pid}.txt").read_text(encoding="utf-8")
        opening = next((ln for ln in gold.split("\n") if len(_tokens(ln)) >= 12), None)
        if opening is None or opening not in text:
            continue
        menus = [ln.strip().lstrip("•□ ").strip() for ln in text.split("\n")
                 if ln.lstrip().startswith(("•", "□")) and len(ln.split()) >= 3]
        menus = [m for m in menus if m and m not in gold]
        body = kt_clean.article(kt_clean.from_text(text, f"{pid}.txt")).body
        total += 1
        ok = " ".join(_tokens(opening)) in " ".join(_tokens(body))
        ok = ok and sum(m in body for m in menus) <= max(1, len(menus) // 10)
        passed += ok
    assert total >= 50
    assert passed / total >= SNIPPET_PASS_FLOOR, f"{passed} of {total} pages"


# -- part 3: real HTML pages -----------------------------------------------------------

#: Every 20th page of wcxb-dev of each type (a fixed sample, HTML), and the floors for it:
#: the default path and --fast, and no empty body where the gold has text. The shipped HTML
#: line model was trained on all of wcxb-dev: regression floors, not generalisation figures
#: (those are cross-validated by site in docs/quality-html.md).
HTML_STEP = 20
#: measured with the shipped model (2026-12-07): mean F1 0.853 (default) and 0.851
#: (--fast) on the 78 pages; the margin is for other versions of trafilatura, whose vote
#: the default path reads
HTML_F1_FLOOR = 0.84
HTML_FAST_F1_FLOOR = 0.84


def _html_sample():
    ids = []
    for kind in ("article", "service", "product", "collection", "forum", "listing",
                 "documentation"):
        ids += (DATA / f"ids-{kind}.txt").read_text().split()[::HTML_STEP]
    return sorted(ids)


def _html_scores(limits):
    from kt_clean.limits import Limits

    f1s, empty = [], []
    for pid in _html_sample():
        gold = (DATA / "gold" / f"{pid}.txt").read_text(encoding="utf-8")
        page = DATA / "html" / f"{pid}.html.gz"
        try:
            body = kt_clean.extract(page, limits=Limits(**limits)).body
        except kt_clean.KtCleanError:
            body = ""
        f1s.append(_f1(gold, body))
        if len(gold) > 500 and not body.strip():
            empty.append(pid)
    return sum(f1s) / len(f1s), empty, len(f1s)


@needs_data
@pytest.mark.parametrize("limits,floor", [({}, HTML_F1_FLOOR),
                                          ({"fast": True}, HTML_FAST_F1_FLOOR)])
def test_real_html_pages_stay_above_the_f1_floor(limits, floor):
    mean, empty, n = _html_scores(limits)
    assert n >= 70
    assert mean >= floor, f"mean F1 {mean:.3f} on {n} HTML pages ({limits})"
    assert empty == [], f"empty bodies where the gold has text: {empty}"
