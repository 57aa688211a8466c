"""The seeds' output is exactly the reviewed golden files, and the facts the issue names."""

import json

import pytest

import kt_clean
from conftest import FULLNAV_SEED, GOLDEN, PRINT_SEED, ROOT, render_page


@pytest.mark.parametrize("fmt,ext", [("json", "json"), ("markdown", "md"), ("text", "txt")])
def test_seed_output_equals_golden_file(seed, fmt, ext, monkeypatch):
    expected = (GOLDEN / f"{seed.stem}.{ext}").read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the JSON names its source as given: seeds/...
    assert render_page(f"seeds/{seed.name}", fmt) == expected


def test_full_nav_seed_fields():
    art = json.loads(render_page(str(FULLNAV_SEED), "json"))
    assert art["layout"] == "full-nav"
    assert art["title"] == "US, North Korea in talks for 2nd Trump-Kim summit"
    assert art["section"] == "Politics"
    assert art["published"] == "2019-01-07T17:03:00+09:00"
    assert art["updated"] == "2019-01-07T17:37:00+09:00"
    assert art["authors"] == ["Lee Min-hyung"]
    assert art["byline"] == "By Lee Min-hyung"
    assert art["emails"] == ["mhlee@koreatimes.co.kr"]
    assert art["captions"] == ["U.S. President Donald Trump"]
    assert art["body"].startswith("U.S. President Donald Trump has confirmed")
    assert art["body"].endswith("the expert said.")
    assert "More articles" not in art["body"] and "Site Map" not in art["body"]


def test_print_seed_fields():
    art = json.loads(render_page(str(PRINT_SEED), "json"))
    assert art["layout"] == "print"
    assert art["title"] == "2nd Trump-Kim summit to take place in late February"
    assert art["subtitle"] == "'A lot of progress' with North: Trump"
    assert art["authors"] == ["Lee Min-hyung"]
    assert art["published"] is None and art["updated"] is None
    assert len(art["captions"]) == 1 and art["captions"][0].startswith("Kim Yong-chol, vice chairman")
    assert art["body"].startswith("U.S. President Donald Trump will hold")
    assert art["body"].endswith("for the upcoming summit.")
    assert "\n\nWorking-level dialogue\n\n" in art["body"]
    assert art["subheadings"] == ["Working-level dialogue"]
    assert "mhlee@koreatimes.co.kr" not in art["body"]
    assert "share button" not in art["body"] and "font-size" not in art["body"]


def test_body_has_no_indentation_and_single_blank_lines(seed):
    body = json.loads(render_page(str(seed), "json"))["body"]
    for para in body.split("\n\n"):
        assert para and para == para.strip() and "\n" not in para


def test_markdown_shows_subheading_and_caption():
    md = render_page(str(PRINT_SEED), "markdown")
    assert md.startswith("# 2nd Trump-Kim summit to take place in late February\n\n")
    assert "\n## Working-level dialogue\n" in md
    assert md.count("> Kim Yong-chol, vice chairman") == 1


def test_explain_lists_every_removed_line_with_reason_and_rule(seed):
    art = json.loads(render_page(str(seed), "json", explain=True))
    doc = kt_clean.strip(kt_clean.read(str(seed))[0])
    removed = doc.removed_lines()
    assert [r["line"] for r in art["removed"]] == [i + 1 for i, _, _ in removed]
    assert all(r["reason"] and r["rule"] for r in art["removed"])
    lines = seed.read_text(encoding="utf-8").split("\n")
    assert all(lines[r["line"] - 1] == r["text"] for r in art["removed"])


PAGE_GOLDENS = sorted((GOLDEN / "pages").glob("*.json"))


@pytest.mark.parametrize("golden", PAGE_GOLDENS, ids=[g.stem for g in PAGE_GOLDENS])
def test_design_fixture_pages_give_their_reviewed_json(golden):
    """Hand-written pages of each Korea Times design and page type (tests/pages/), each with
    a reviewed golden record: a change shows up as a diff to review, never regenerated."""
    want = json.loads(golden.read_text(encoding="utf-8"))
    got = json.loads(render_page(str(ROOT / "tests" / "pages" / f"{golden.stem}.txt"), "json"))
    got["source"] = want["source"]  # the path as given; the test may run from anywhere
    assert got == want
