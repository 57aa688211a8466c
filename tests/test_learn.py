"""Learning a layout from a site's pages: the learned file strips like the built-in rules."""

import sys

import pytest
from typer.testing import CliRunner

import kt_clean
from conftest import PAGES, ROOT
from kt_clean.cli import app
from kt_clean.errors import LearnError
from kt_clean.layouts import load_layouts, parse_layout
from kt_clean.learning import learn, shape

sys.path.insert(0, str(ROOT / "bench"))
from kt_corpus import make_pages

runner = CliRunner()


@pytest.fixture(scope="module", params=["print", "full-nav"])
def learned(request):
    train = make_pages(request.param, 30, seed=11)
    result = learn(train, f"learned-{request.param}")
    return request.param, result, parse_layout(result.toml, "learned.toml")


def test_learned_rules_keep_and_remove_the_same_lines_as_the_built_in_ones(learned):
    template, _, layout = learned
    for page in make_pages(template, 15, seed=12):  # pages it did not learn from
        ref = kt_clean.strip(kt_clean.from_text(page))
        got = kt_clean.strip(kt_clean.from_text(page), (layout,))
        assert got.layout == layout.name and "rules-did-not-fit" not in got.evidence
        assert [lab.kept for lab in got.labels] == [lab.kept for lab in ref.labels]
        ref_art, got_art = kt_clean.article(ref), kt_clean.article(got, (layout,))
        assert (got_art.title, got_art.body) == (ref_art.title, ref_art.body)


def test_learned_file_lists_recurring_lines_with_their_frequency(learned):
    template, result, _ = learned
    assert "# on 30 of 30 pages" in result.toml or "#    30 of 30 pages" in result.toml
    assert result.agreement == 1.0
    share_line = "• Facebook share button" if template == "print" else "• About Korea Times"
    assert any(r.key == share_line and r.pages == 30 for r in result.recurring)


def test_learned_layout_does_not_claim_other_pages(learned):
    template, _, layout = learned
    other = "full-nav" if template == "print" else "print"
    pages = make_pages(other, 5, seed=3) + [p.read_text(encoding="utf-8") for p in PAGES.glob("*.txt")
                                            if not p.name.startswith(("print", "fullnav", "kt-print"))]
    for page in pages:
        assert kt_clean.detect(kt_clean.from_text(page), (layout,)).layout == "unknown"


def test_shape_masks_dates_numbers_and_addresses():
    assert shape("Thu, February 21, 2019 | 07:35") == shape("Mon, March 4, 2020 | 11:02")
    assert shape("mhlee@koreatimes.co.kr More articles by this reporter") == shape(
        "bkim@koreatimes.co.kr More articles by this reporter")
    assert shape("Politics") is None


def test_too_few_or_unrelated_pages_are_refused():
    with pytest.raises(LearnError, match="at least 5 pages"):
        learn(make_pages("print", 3), "x")
    with pytest.raises(LearnError):
        learn([f"Page {i} has its own words entirely, nothing shared {i * 7}." for i in range(6)], "x")
    with pytest.raises(LearnError, match="must be lowercase"):
        learn(make_pages("print", 6), "My Site")


def test_learn_command_writes_a_file_that_detect_and_extract_use(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    for i, page in enumerate(make_pages("full-nav", 12, seed=4)):
        (site / f"p{i:02d}.txt").write_text(page, encoding="utf-8")
    (site / "empty.txt").write_bytes(b"")
    out = tmp_path / "mysite.toml"
    result = runner.invoke(app, ["learn", str(site), "-o", str(out)])
    assert result.exit_code == 1  # one page failed, and said so
    assert "empty.txt: empty file" in result.stderr and "learned layout 'mysite'" in result.stderr
    assert out.exists() and not list(tmp_path.glob(".mysite*"))
    [layout] = [x for x in load_layouts([out]) if x.name == "mysite"]
    page = site / "p00.txt"
    detect = runner.invoke(app, ["detect", str(page), "--layouts", str(out)])
    assert detect.exit_code == 0 and detect.stdout.split("\t")[1] in ("full-nav", "mysite")
    # the learned layout alone claims the page and finds the same article as the built-in one
    doc = kt_clean.read(str(page))[0]
    assert kt_clean.detect(doc, (layout,)).layout == "mysite"
    learned_art, built_in = kt_clean.article(doc, (layout,)), kt_clean.article(doc)
    assert learned_art.layout == "mysite" and built_in.layout == "full-nav"
    assert learned_art.title == built_in.title and learned_art.body == built_in.body
    assert len(learned_art.body) > 500


def test_learn_takes_the_documents_read_gives(tmp_path):
    pages = make_pages("print", 12, seed=5)
    for i, page in enumerate(pages):
        (tmp_path / f"p{i:02d}.txt").write_text(page, encoding="utf-8")
    docs = [doc for p in sorted(tmp_path.glob("*.txt")) for doc in kt_clean.read(p)]
    from_docs = kt_clean.learn(docs, "from-docs")
    assert from_docs.toml == kt_clean.learn(pages, "from-docs").toml
    assert isinstance(from_docs, kt_clean.Learned)


def test_learn_command_on_a_folder_without_a_common_layout_fails_cleanly(tmp_path):
    result = runner.invoke(app, ["learn", str(PAGES), "-o", str(tmp_path / "x.toml")])
    assert result.exit_code == 1 and result.stderr.startswith("kt-clean: error: ")
    assert not (tmp_path / "x.toml").exists()


def test_learn_says_when_the_layout_has_no_time_zone_and_checks_a_given_one(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    for i, page in enumerate(make_pages("full-nav", 8, seed=5)):
        (site / f"p{i:02d}.txt").write_text(page, encoding="utf-8")
    out = tmp_path / "mysite.toml"
    result = runner.invoke(app, ["learn", str(site), "-o", str(out)])
    assert result.exit_code == 0 and "no --timezone given" in result.stderr
    assert "timezone" not in out.read_text(encoding="utf-8")
    result = runner.invoke(app, ["learn", str(site), "-o", str(out), "--timezone", "+09:00"])
    assert result.exit_code == 0 and "no --timezone" not in result.stderr
    assert "timezone = '+09:00'" in out.read_text(encoding="utf-8")
    bad = runner.invoke(app, ["learn", str(site), "-o", str(tmp_path / "b.toml"),
                              "--timezone", "KST"])
    assert bad.exit_code == 2 and "+HH:MM" in bad.stderr
    assert not (tmp_path / "b.toml").exists()


def test_each_distinct_line_is_normalised_once(monkeypatch):
    """A site's pages repeat their chrome: 10,000 copies of one page took 29 s and 767 MB
    because every line of every page was normalised and masked again (now 1.8 s)."""
    from kt_clean import learning

    calls = []
    real = learning.normalise
    monkeypatch.setattr(learning, "normalise", lambda line: calls.append(line) or real(line))
    pages = make_pages("print", 3, seed=5)
    learn([*pages] * 40, "copies")  # 120 pages, 3 distinct
    distinct = {line for page in pages for line in page.replace("\r\n", "\n").split("\n")}
    assert len(calls) <= len(distinct) + 200  # the per-line passes, once per distinct line


def test_the_learned_file_does_not_depend_on_string_hashing(tmp_path):
    """Ties between recurring lines were broken by set order: the same pages learned under
    two PYTHONHASHSEEDs gave two different files."""
    import json
    import os
    import subprocess

    data = tmp_path / "pages.json"
    data.write_text(json.dumps(make_pages("print", 40, seed=1)))
    code = ("import json, sys; from kt_clean.learning import learn; "
            "sys.stdout.write(learn(json.load(open(sys.argv[1])), 'x').toml)")
    outs = {subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1
