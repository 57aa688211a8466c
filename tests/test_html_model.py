"""The HTML line model: the rendered lines' elements, the DOM and vote features, the trees'
account of a decision, the labels and reasons of the HTML cleaner, ``--fast``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import kt_clean
from kt_clean.classifier import htmlmodel as hm
from kt_clean.classifier.dom import DOM_NAMES, GROUP_NAMES, dom_features
from kt_clean.classifier.features import BASE_NAMES, KEYWORDS, extract, keyword_counts
from kt_clean.classifier.trees import TreeEnsemble, from_lightgbm
from kt_clean.cli import app
from kt_clean.html import parse_html
from kt_clean.html.render import render_page, render_tree
from kt_clean.limits import Limits

FIX = Path(__file__).parent / "fixtures" / "html"
ARTICLE = FIX / "article.html"
runner = CliRunner()

PAGE = """<html><body>
<nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article class="post-content">
<h1>A headline</h1>
<p>First paragraph with <a href="/x">a link</a> inside it, and more words.</p>
<p>Second paragraph.<br>Its second line.</p>
<div class="related-stories"><p><a href="/y">Another story</a></p></div>
</article>
<footer id="site-footer"><p>Copyright 2025</p></footer>
</body></html>"""


def _lines(html: str = PAGE):
    root = parse_html(html)
    return render_page(root), root


# --- the rendering's elements


def test_rendering_lines_are_the_rendered_text():
    r, root = _lines()
    assert r.text == render_tree(root)
    assert len(r.lines) == len(r.kinds) == len(r.origins) == len(r.links)
    for line, origin in zip(r.lines, r.origins):
        assert (origin is None) == (line == "")


def test_each_line_knows_its_element_and_link_share():
    r, _ = _lines()
    by_text = {line.strip(): (origin, link) for line, origin, link in
               zip(r.lines, r.origins, r.links) if line}
    origin, link = by_text["• Home"]
    assert origin.tag in ("li", "a") and link == pytest.approx(1.0)
    origin, link = by_text["First paragraph with a link inside it, and more words."]
    assert origin.tag == "p" and 0.05 < link < 0.3
    origin, link = by_text["Its second line."]  # after a <br>: still the paragraph's text
    assert origin.tag == "p" and link == 0.0
    assert by_text["A headline"][0].tag == "h1"


def test_dom_features_read_tags_tokens_and_links():
    r, _ = _lines()
    X, rows, stripped = extract(r.lines)
    D, G = dom_features(r.kinds, r.origins, r.links, rows, X[:, 0])
    assert D.shape == (len(rows), len(DOM_NAMES)) and D.dtype == np.float32
    assert G.shape == (len(rows), len(GROUP_NAMES))
    f = {t: dict(zip(DOM_NAMES, row)) for t, row in zip(stripped, D.tolist())}
    assert f["• Home"]["in_nav"] == 1 and f["• Home"]["up_nav"] <= 3
    assert f["• Home"]["block_li"] == 1 and f["• Home"]["kind_li"] == 1
    assert f["A headline"]["block_h1"] == 1 and f["A headline"]["kind_h"] == 1
    para = f["First paragraph with a link inside it, and more words."]
    assert para["in_article"] == 1 and para["up_content"] <= 2 and para["in_nav"] == 0
    assert para["block_p"] == 1 and para["in_main"] == 1
    assert f["Another story"]["up_related"] <= 2 and f["Another story"]["link_share"] == 1
    assert f["Copyright 2025"]["in_footer"] == 1 and f["Copyright 2025"]["up_footer"] <= 2
    # the two lines of one paragraph share its block; the menu items their parent
    at = {t: k for k, t in enumerate(stripped)}
    assert G[at["Second paragraph."], 0] == G[at["Its second line."], 0]
    assert G[at["• Home"], 1] == G[at["• News"], 1]


HEADLINE_PAGE = """<html><head><meta property="og:title" content="Tunnel opens under the bay">
<title>Daily News</title></head><body><div class="top"><h1><a href="/">Daily News</a></h1>
<ul><li><a href="/1">Most read story</a></li></ul></div><div class="story"><div class="head">
<h2>Tunnel opens under the bay</h2></div><div class="text"><p>The tunnel opened on Monday after
six years of work.</p><p>Traffic was light.</p></div></div><div class="comments"><h3>Comments
</h3><p>First!</p></div></body></html>"""


def test_the_headline_is_the_heading_the_title_names_and_lines_are_placed_by_it():
    # the logo's <h1> is not the headline: the <h2> that og:title names is
    r, _ = _lines(HEADLINE_PAGE)
    X, rows, stripped = extract(r.lines)
    D, _ = dom_features(r.kinds, r.origins, r.links, rows, X[:, 0])
    f = {t: dict(zip(DOM_NAMES, row)) for t, row in zip(stripped, D.tolist())}
    head = f["Tunnel opens under the bay"]
    assert head["h1_up"] == head["h1_down"] == 0 and head["h1_after"] == 0
    text, logo, comment = f["Traffic was light."], f["Daily News"], f["First!"]
    # the text meets the headline in div.story (p -> div.text -> div.story; h2 -> div.head
    # -> div.story), which holds part of the page's text; the logo and the comments meet it
    # only in <body>, which holds all of it
    assert (text["h1_up"], text["h1_down"]) == (2, 2) and text["h1_share"] < 0.9
    assert logo["h1_share"] == comment["h1_share"] == pytest.approx(1.0)
    assert (logo["h1_after"], text["h1_after"], comment["h1_after"]) == (-1, 1, 1)
    assert 0 < text["h1_dist"] < comment["h1_dist"]
    # no heading at all: the columns say so
    r, _ = _lines("<html><body><p>Only a paragraph of text here.</p></body></html>")
    X, rows, _ = extract(r.lines)
    D, _ = dom_features(r.kinds, r.origins, r.links, rows, X[:, 0])
    assert D[0, DOM_NAMES.index("h1_up")] == -1 and D[0, DOM_NAMES.index("h1_after")] == 0


def test_dom_features_of_a_page_without_text():
    r, _ = _lines("<html><body><div></div></body></html>")
    X, rows, _ = extract(r.lines)
    D, G = dom_features(r.kinds, r.origins, r.links, rows, X[:, 0])
    assert D.shape == (0, len(DOM_NAMES)) and G.shape == (0, len(GROUP_NAMES))


# --- keyword features of the failure kinds


@pytest.mark.parametrize("line,group", [
    ("This article is exclusive to STAT+ subscribers", "paywall"),
    ("Unlock this article", "paywall"),
    ("Already have an account? Log in", "paywall"),
    ("Listen to this article in summarized format", "listen"),
    ("Advertisement", "advert"),
    ("Article image for: Quote of the day by Jane Doe", "related"),
    ("You may also like", "related"),
    ('Smith, J. et al. (2019). "Title". Journal of Things. doi:10.1000/182', "reference"),
    ("^ Retrieved 5 May 2020.", "reference"),
    ("Share on Facebook", "share"),
    ("Photo: Reuters", "caption"),
    ("Leave a comment", "comment"),
    ("(BUTTON) Sign in", "form"),
    ("[12]Home [13]News", "linkmark"),
    ("[Home](https://example.com/) **bold**", "markdown"),
    ("By Jane Doe", "byline"),
])
def test_keyword_groups(line, group):
    counts = keyword_counts([line])
    j = list(KEYWORDS).index(group)
    assert counts[j, 0] >= 1, (line, group)


def test_keywords_match_whole_words_only():
    counts = keyword_counts(["The shareholders listened to the advertisers",
                             "Advertisement"])
    names = list(KEYWORDS)
    assert counts[names.index("share"), 0] == 0
    assert counts[names.index("listen"), 0] == 0
    assert counts[names.index("advert"), 0] == 0 and counts[names.index("advert"), 1] == 1


def test_keyword_columns_are_part_of_the_features():
    X, _, _ = extract(["Advertisement", "A long paragraph of text that goes on."])
    assert X[0, BASE_NAMES.index("kw_advert")] == 1
    assert X[1, BASE_NAMES.index("kw_advert")] == 0


# --- votes


def test_vote_features_follow_the_extractors_blocks():
    lines = ["Menu", "", "The first paragraph of the story is here.", "Short one", ""]
    rows = np.array([0, 2, 3])
    v = hm.vote_features(lines, rows, [("p", "The first paragraph of the story is here."),
                                       ("p", "Short one")])
    hit, kept = v[:, hm.VOTE_KINDS.index("hit")], v[:, hm.VOTE_KINDS.index("kept")]
    assert kept.tolist() == [0, 1, 1] and hit[1] == 1.0 and hit[0] == 0.0
    assert v[0, hm.VOTE_KINDS.index("tokens_log")] == pytest.approx(np.log1p(10))
    assert not hm.vote_features(lines, rows, None).any()  # the extractor did not run


# --- the trees' account of a decision


def _dump():
    """Two trees of depth 2 on features a (group 0) and b (group 1), with internal values."""
    return {"tree_info": [
        {"tree_structure": {"split_feature": 0, "threshold": 0.5, "decision_type": "<=",
                            "internal_value": 0.1,
                            "left_child": {"leaf_value": -1.0},
                            "right_child": {"split_feature": 1, "threshold": 2.0,
                                            "decision_type": "<=", "internal_value": 0.5,
                                            "left_child": {"leaf_value": 0.2},
                                            "right_child": {"leaf_value": 0.8}}}},
        {"tree_structure": {"split_feature": 1, "threshold": 1.0, "decision_type": "<=",
                            "internal_value": -0.2,
                            "left_child": {"leaf_value": -0.4},
                            "right_child": {"leaf_value": 0.3}}},
    ]}


def test_contributions_add_up_to_the_score():
    e = TreeEnsemble(from_lightgbm(_dump(), 3, ["a", "b"], with_values=True))
    X = np.array([[0.0, 0.0], [1.0, 3.0], [1.0, 1.5], [0.0, 5.0]], dtype=np.float32)
    raw, contrib = e.raw_and_groups(X, [0, 1], 2)
    assert raw.tolist() == pytest.approx(e.raw(X).tolist())
    # the trees' mean (their roots' values) plus the parts is the score
    assert (contrib.sum(axis=1) + 0.1 - 0.2).tolist() == pytest.approx(raw.tolist())
    # row 1: a > 0.5 moved the first tree from 0.1 to 0.5 (a), then b > 2 to 0.8 (b);
    # the second tree from -0.2 to 0.3 (b)
    assert contrib[1].tolist() == pytest.approx([0.4, 0.3 + 0.5])


# --- the cleaner


def test_every_rendered_line_has_a_label_and_the_model_says_why():
    doc = kt_clean.strip(kt_clean.read(str(ARTICLE))[0])
    assert len(doc.labels) == len(doc.lines)
    rules = {lab.rule for lab in doc.labels}
    assert rules <= {"html:blank", "html:title", "html:subtitle", "html:caption",
                     "html:byline", "html:dateline", "html:best-lines",
                     *(f"html:model.{g}" for g in hm.GROUPS)}
    assert any(r.startswith("html:model.") for r in rules)
    kept = {t.strip(): lab.tag for _, t, lab in doc.kept_lines()}
    assert kept["Cost overruns and legal disputes"] == "subheading"
    assert kept["• The tunnel is toll-free for the first three months."] == "item"
    assert doc.meta["extracted"]["method"].startswith("model-")


def test_fast_runs_no_extractor(monkeypatch):
    import kt_clean.cleaners.html as cleaner

    def refuse(*args, **kwargs):
        raise AssertionError("an extractor ran under --fast")

    monkeypatch.setattr(cleaner, "_extract", refuse)
    doc = kt_clean.strip(kt_clean.read(str(ARTICLE))[0], limits=Limits(fast=True))
    assert doc.meta["extracted"]["method"] == "model-fast"
    art = kt_clean.article(doc)
    assert "The long-awaited harbour tunnel opened" in art.body


@pytest.mark.parametrize("unsure, method", [(0.0, "model-fast"), (1.0, "model-tf")])
def test_trafilatura_runs_only_on_a_page_the_model_is_unsure_of(monkeypatch, unsure, method):
    import kt_clean.cleaners.html as cleaner

    ran: list[str] = []
    real = cleaner._extract

    def counted(extractor, *args):
        ran.append(extractor)
        return real(extractor, *args)

    monkeypatch.setattr(cleaner, "_extract", counted)
    monkeypatch.setattr(hm, "unsure_share", lambda page, s, *a, **k: unsure)
    doc = kt_clean.strip(kt_clean.read(str(ARTICLE))[0])
    assert doc.meta["extracted"]["method"] == method
    # trafilatura's vote when unsure; readability-lxml's never (the shipped model has no
    # variant that reads it)
    assert ran == ([] if method == "model-fast" else ["tf"])
    art = kt_clean.article(doc)
    assert "The long-awaited harbour tunnel opened" in art.body


def _uniform_page(n: int, unsure: float) -> tuple[hm.HtmlLines, hm.Scores]:
    """A page of ``n`` non-blank lines of 50 characters, the first ``unsure`` share of them
    scored 0.5 (unsure), the others 0.95."""
    from kt_clean.classifier.features import _COL

    text = np.zeros((n, len(BASE_NAMES)), dtype=np.float32)
    text[:, _COL["n_chars"]] = 50
    page = hm.HtmlLines(np.arange(n), text, np.zeros((n, len(DOM_NAMES)), dtype=np.float32),
                        np.zeros(n, dtype=np.intp))
    p = np.where(np.arange(n) < round(unsure * n), 0.5, 0.95)
    return page, hm.Scores(p, p, p >= 0.5, np.zeros(n, dtype=np.intp))


def test_the_gate_weighs_the_unsure_share_by_the_page_size():
    short, long_ = _uniform_page(50, 0.3), _uniform_page(400, 0.3)
    # power 0: the unsure share itself, whatever the size
    assert hm.gate_value(*short, 0.0) == pytest.approx(0.3)
    assert hm.gate_value(*long_, 0.0) == pytest.approx(0.3)
    # power 1.5: divided by (lines / GATE_LINES) ** 1.5
    assert hm.gate_value(*short, 1.5) == pytest.approx(0.3 / (50 / hm.GATE_LINES) ** 1.5)
    assert hm.gate_value(*long_, 1.5) == pytest.approx(0.3 / (400 / hm.GATE_LINES) ** 1.5)
    assert hm.gate_value(*_uniform_page(400, 0.0), 1.5) == 0.0
    # a model file from before the power gates on the unsure share alone
    old = hm.HtmlModel({"variants": {}, "gate": {"tf": 0.2}})
    assert old.gate_power == 0.0 and old.gate_value(*long_) == pytest.approx(0.3)


def test_the_shipped_gate_sends_a_short_unsure_page_to_trafilatura_not_a_long_one():
    model = hm.load_html_model()
    assert model.gate_power > 0
    gate = model.gate["tf"]
    assert model.gate_value(*_uniform_page(60, 0.5)) > gate
    assert model.gate_value(*_uniform_page(1500, 0.5)) <= gate
    # and a short page the model is sure of does not run it either
    assert model.gate_value(*_uniform_page(60, 0.0)) <= gate


def test_fast_flag_on_the_command_line():
    slow = runner.invoke(app, ["extract", str(ARTICLE), "--json"])
    fast = runner.invoke(app, ["extract", str(ARTICLE), "--json", "--fast"])
    assert slow.exit_code == fast.exit_code == 0
    assert json.loads(fast.stdout)["title"] == json.loads(slow.stdout)["title"]
    assert "The long-awaited harbour tunnel" in json.loads(fast.stdout)["body"]


def test_fast_in_a_batch_runs_no_extractor(tmp_path, monkeypatch):
    import kt_clean.batch as kb
    import kt_clean.cleaners.html as cleaner

    def refuse(*args, **kwargs):
        raise AssertionError("an extractor ran under --fast")

    monkeypatch.setattr(cleaner, "_extract", refuse)  # the workers are forked: they see it
    # and the model is unsure of every page, so that it would ask for the votes
    monkeypatch.setattr(hm, "unsure_share", lambda page, s: 1.0)
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "a.html").write_bytes(ARTICLE.read_bytes())
    options = {"out_dir": str(tmp_path / "fast"), "jobs": 1, "fmt": "json"}
    summary = kb.run_batch(kb.BatchOptions(str(pages), fast=True, **options))
    assert (summary.cleaned, summary.failed) == (1, 0)
    art = json.loads((tmp_path / "fast" / "a.json").read_text(encoding="utf-8"))
    assert "The long-awaited harbour tunnel opened" in art["body"]
    # without --fast the model asks for trafilatura's vote: refused here
    options["out_dir"] = str(tmp_path / "default")
    summary = kb.run_batch(kb.BatchOptions(str(pages), **options))
    assert summary.failed == 1


def test_fast_reaches_the_dask_engine(tmp_path, monkeypatch):
    """``batch --engine dask --fast``: the run's options say so (the engine turns them into
    the pages' ``Limits``, as the local batch does)."""
    pytest.importorskip("dask.distributed")
    import kt_clean.engines.dask as engine

    seen = []

    def capture(options, **kwargs):
        seen.append(options)
        raise KeyboardInterrupt  # stop before any cluster starts

    monkeypatch.setattr(engine, "run_sharded", capture)
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "a.html").write_bytes(ARTICLE.read_bytes())
    for flag, fast in ((["--fast"], True), ([], False)):
        result = runner.invoke(app, ["batch", "--engine", "dask", str(pages), "-o",
                                     str(tmp_path / "out"), *flag])
        assert result.exit_code == 130, result.output
        assert seen.pop().fast is fast


def _scores_up_to(top: float):
    def scores(variant, page, votes, explain=True):
        m = page.rows.shape[0]
        p = np.linspace(0.01, top, m)
        return hm.Scores(p, p, np.zeros(m, dtype=bool), np.zeros(m, dtype=np.intp))

    return scores


def test_a_page_the_model_keeps_nothing_of_still_has_a_body(monkeypatch):
    # (its best line scores above BEST_LINES_MIN: the page has text the model is unsure of)
    monkeypatch.setattr(hm, "score", _scores_up_to(0.3))
    doc = kt_clean.strip(kt_clean.read(str(ARTICLE))[0], limits=Limits(fast=True))
    kept = [i for i, lab in enumerate(doc.labels) if lab.kept and lab.rule == "html:best-lines"]
    assert kept and "html-no-text" not in doc.evidence


def test_a_page_the_model_finds_no_text_on_gets_an_empty_body(monkeypatch):
    # Its best line scores under BEST_LINES_MIN (an app's shell, a store's menus): no line is
    # kept, neither the model's best nor the text classifier's (whose fallback would keep
    # the menus: "Help", "Cart (0)"), and the evidence says why
    from kt_clean.cleaners import html as cleaner

    monkeypatch.setattr(hm, "score", _scores_up_to(cleaner.BEST_LINES_MIN - 0.05))
    doc = kt_clean.strip(kt_clean.read(str(ARTICLE))[0], limits=Limits(fast=True))
    assert not any(lab.kept and lab.tag in ("body", "subheading", "item") for lab in doc.labels)
    assert "html-no-text" in doc.evidence and "html-near-empty" not in doc.evidence
    art = kt_clean.extract(str(ARTICLE), limits=Limits(fast=True))
    assert art.body == "" and art.title  # the markup's headline still names the page


def test_a_page_of_a_few_lines_keeps_its_best_lines_however_low(monkeypatch, tmp_path):
    # A headline and a paragraph (a hand-written page, a fragment): too little of a page for
    # the model to say it has no text, so its best lines are kept
    from kt_clean.cleaners import html as cleaner

    page = tmp_path / "small.html"
    page.write_text("<html><body><h1>Council votes</h1><p>The council voted on the budget for "
                    "schools and roads on Tuesday, after a long debate.</p></body></html>",
                    encoding="utf-8")
    monkeypatch.setattr(hm, "score", _scores_up_to(cleaner.BEST_LINES_MIN - 0.1))
    doc = kt_clean.strip(kt_clean.read(str(page))[0], limits=Limits(fast=True))
    assert len([line for line in doc.lines if line.strip()]) < cleaner.NO_TEXT_MIN_LINES
    assert "html-no-text" not in doc.evidence
    assert "The council voted on the budget" in kt_clean.article(doc).body


def test_a_page_without_text_has_the_same_page_type_read_back(tmp_path):
    # Every line of this page takes a role of the markup (its headline, a caption), so no
    # label names the line model: the record's method says it ran, and a record read back
    # from NDJSON is typed from the same features as the page in one process
    page = tmp_path / "cart.html"
    page.write_text("<html><head><title>Your cart</title></head><body><h1>Your cart</h1>"
                    "<figure><img src=a.jpg><figcaption>A photo</figcaption></figure>"
                    "</body></html>", encoding="utf-8")
    doc = kt_clean.strip(kt_clean.read(str(page))[0], limits=Limits(fast=True))
    assert not any(lab.rule.startswith("html:model") for lab in doc.labels)
    art = kt_clean.article(doc)
    back = kt_clean.article(kt_clean.Document.from_record(doc.to_record()))
    assert (art.page_type, art.page_type_confidence) == (back.page_type,
                                                         back.page_type_confidence)


def test_the_shipped_model_loads_and_names_its_features():
    model = hm.load_html_model()
    # (readability-lxml's variant is measured, not shipped: its vote did not pay its time)
    assert set(model.variants) == {"fast", "tf"}
    assert model.variants["fast"].votes == () and model.variants["tf"].votes == ("tf",)
    assert hm.HTML_MODEL_PATH.stat().st_size < 3_000_000
    d = json.loads(hm.HTML_MODEL_PATH.read_text(encoding="utf-8"))
    # trained by bench/train_html_model.py on the whole of wcxb-dev, not a smoke run
    assert d["meta"]["pages"] >= 1400 and d["meta"]["data"].startswith("WCXB dev")
    assert set(model.gate) == {"tf"} and 0 < model.gate["tf"] < 1
    # the gate sends 40% of the training pages to trafilatura, weighing their size
    assert d["meta"]["tf_share"] == 0.4 and d["meta"]["gate_power"] == 1.5
    assert model.gate_power == 1.5
    d["variants"]["fast"]["stage1"]["feature_names"][0] = "t:other"
    with pytest.raises(ValueError, match="retrain"):
        hm.HtmlModel(d)


def test_a_react_streamed_segment_is_rendered_other_hidden_elements_not():
    html = ('<html><body><div id="root"><template id="B:0"></template></div>'
            '<div hidden id="S:0"><p>The article text a script moves into the page.</p></div>'
            '<div hidden id="menu"><p>A hidden menu</p></div></body></html>')
    text = render_tree(parse_html(html))
    assert "The article text a script moves into the page." in text
    assert "A hidden menu" not in text
