"""The Korea Times designs learned from stored pages after the first ones: photo pages and
one-line photo stories, the 2024+ site, the 2015-16 opinion lists, and designs whose rule
files know only the chrome (``knows = "chrome"``, or an ``empty`` design's page with text)."""

import json

import pytest

import kt_clean
from conftest import PAGES
from kt_clean.errors import LayoutError
from kt_clean.layouts import parse_layout
from kt_clean.runon import split_run_on


def record(name=None, text=None, explain=False):
    art = kt_clean.extract(PAGES / name) if name else kt_clean.extract(text, source="p.txt")
    return json.loads(kt_clean.render(art, "json", explain))


# -- photo pages (photoview.asp) ------------------------------------------------------------

def test_a_photo_page_is_a_gallery_of_its_own_photo_not_the_stale_fillers():
    r = record("kt-photoview.txt", explain=True)
    assert (r["layout"], r["page_type"], r["body"]) == ("photo-gallery", "gallery", "")
    assert r["title"] == "Kites over the river"
    assert [(i["title"], i["caption"][:13]) for i in r["items"]] == [
        ("Kites over the river", "Families fly ")]
    assert r["captions"] == [r["items"][0]["caption"]]  # printed twice, kept once
    fillers = [x for x in r["removed"] if x["rule"] == "photo-gallery:after-article"]
    assert any("Opening of a new library" in x["text"] for x in fillers)
    assert all(x["reason"] == "related" for x in fillers)


def test_a_one_line_photo_story_is_split_into_captions_byline_and_paragraphs():
    r = record("kt-photo-story.txt", explain=True)
    assert (r["layout"], r["page_type"]) == ("photo-gallery", "article")
    assert r["title"] == "Autumn leaves draw hikers despite rain [PHOTOS]"
    assert r["authors"] == ["Park Min-joon"]
    assert [c.rsplit(". ", 1)[-1] for c in r["captions"]] == [
        "Yonhap", "Korea Times photo by Choi Won-suk", "Reuters-Yonhap"]
    paragraphs = r["body"].split("\n\n")
    assert paragraphs[0] == ("Autumn arrived late this year. The leaves turned a week after "
                             "their usual time, and then all at once.")
    assert paragraphs[2] == 'Many chose quieter trails. "We wanted to avoid the crowds," said one hiker.'
    assert not any("Yonhap" in p or p.startswith("By ") for p in paragraphs)
    assert any(x["rule"] == "photo-gallery:run-on.repeat" for x in r["removed"])
    assert "Kites over the river" not in r["body"]  # a stale filler item


@pytest.mark.parametrize("text,parts", [
    # a credit glued to the next caption's first word, and a caption after a slash
    ("A view of the bay, Monday. Joint Press CorpsA crowd waits./ Courtesy of Busan City",
     [("caption", "A view of the bay, Monday. Joint Press Corps"),
      ("caption", "A crowd waits./ Courtesy of Busan City")]),
    # quotes: the straight quote after a full stop opens the next paragraph, or closes this one
    ('He spoke. "Go," he said."Stop," she said.It ended.',
     [("paragraph", 'He spoke. "Go," he said.'), ("paragraph", '"Stop," she said.'),
      ("paragraph", "It ended.")]),
    # "U.S." and "Dec. 3" are not glue points; a byline only at the start of a part
    ("The U.S.Army band played, Dec. 3 in Seoul.Crowds sang along.",
     [("paragraph", "The U.S.Army band played, Dec. 3 in Seoul."),
      ("paragraph", "Crowds sang along.")]),
    ("By Kim Se-jeongThe talks resumed.", [("byline", "By Kim Se-jeong"),
                                           ("paragraph", "The talks resumed.")]),
    ("", []),
])
def test_run_on_split(text, parts):
    assert split_run_on(text) == parts


# -- the 2024+ site ---------------------------------------------------------------------------

def test_a_2024_columnist_page_gives_entries_with_glued_bylines_and_dates_removed():
    r = record("kt-mytimes-columnist.txt", explain=True)
    assert (r["layout"], r["page_type"], r["body"]) == ("mytimes-list", "list", "")
    assert r["authors"] == ["Ahn Ji-won"]
    assert [(i["title"], i["author"], i["date"]) for i in r["items"]] == [
        ("Streets for walking", "Ahn Ji-won", "2024-03-03"),
        ("The quiet of old markets", "Ahn Ji-won", "2024-02-18")]
    assert r["items"][0]["summary"].startswith("A city is judged by how easily")
    reasons = {x["text"].strip()[:20]: x["reason"] for x in r["removed"]}
    assert reasons["Ahn Ji-won is a prof"] == "profile"
    assert reasons["Streets for walking"] == "duplicate"


def test_a_2024_page_other_than_a_list_keeps_its_chrome_removed_and_its_text():
    r = record("kt-mytimes-article.txt", explain=True)
    assert (r["layout"], r["page_type"]) == ("mytimes", "article")
    assert r["title"] == "Assembly passes revised housing bill after long debate"
    assert r["body"].startswith("The National Assembly on Thursday passed")
    rules = {x["text"]: x["rule"] for x in r["removed"]}
    assert rules["my timesThe Korea Times"] == "mytimes:masthead"
    assert rules["NationalPolitics"] == "mytimes:section-path"
    doc = kt_clean.strip(kt_clean.read(PAGES / "kt-mytimes-article.txt")[0])
    assert "rules-partial" in doc.evidence


# -- the 2015-16 opinion lists --------------------------------------------------------------

def test_a_2015_opinion_list_gives_headline_and_summary_entries():
    r = record("kt-newszone-list.txt", explain=True)
    assert (r["layout"], r["page_type"], r["body"]) == ("newszone-list", "list", "")
    assert [i["title"] for i in r["items"]] == [
        "Spring cleaning for the budget", "'Open door'", "Trains that run on time"]
    assert all(i["summary"].endswith("..") for i in r["items"])
    assert r["published"] is None  # the "p.m. ET" line is when the page was served
    assert not any("About English News" in (i["title"] or "") for i in r["items"])


def test_a_2015_columnist_list_names_its_columnist():
    text = (PAGES / "kt-newszone-list.txt").read_text(encoding="utf-8").replace(
        "Opinion > Times Column >", "Opinion > Columnists > Choi Yearn-hong >")
    r = record(text=text)
    assert r["authors"] == ["Choi Yearn-hong"]
    assert {i["author"] for i in r["items"]} == {"Choi Yearn-hong"}


# -- designs known only by their chrome ---------------------------------------------------------

def test_an_empty_design_page_with_text_of_its_own_keeps_its_chrome_removed():
    menu = (PAGES / "kt-amn-menu.txt").read_text(encoding="utf-8")
    text = menu + (
        "\nSeoul chooses a new path for its economy\n\nThe government on Monday announced a "
        "sweeping plan to reform the tax code, saying the system had failed to keep pace with "
        "the economy and the needs of households.\n\nOfficials said the plan would go to the "
        "National Assembly next month, where it faces a difficult passage.\n")
    r = record(text=text, explain=True)
    assert (r["layout"], r["page_type"]) == ("amn-desktop", "article")
    assert r["title"] == "Seoul chooses a new path for its economy"
    assert r["body"].startswith("The government on Monday announced")
    assert "amn_" not in r["body"] and "• " not in r["body"]
    assert any(x["rule"] == "amn-desktop:menu-images" for x in r["removed"])
    # the same menu alone is still an empty page
    assert record(text=menu)["page_type"] == "empty"


def test_knows_must_be_page_or_chrome():
    toml = ('[layout]\nname = "x"\nthreshold = 1\nknows = "body"\n'
            '[[signature]]\nid = "s"\npattern = "^X$"\n[article]\nstart = "^X$"\n')
    with pytest.raises(LayoutError, match="knows must be one of page, chrome"):
        parse_layout(toml, "x.toml")


# -- the address as a hint (--url) ------------------------------------------------------------

CUT_REPORTER_LIST = ("search close\nWed, May 3, 2023 | 10:12\nA headline of a story\n"
                     "A summary of the story that is long enough to be a summary line.\n")


def test_a_list_page_cut_before_its_proof_is_known_by_its_address():
    page = CUT_REPORTER_LIST
    assert kt_clean.extract(page, source="p.txt").layout == "unknown"
    art = kt_clean.extract(page, source="p.txt",
                           url="https://www.koreatimes.co.kr/www2/common/morelist.asp?id=x")
    assert (art.layout, art.page_type) == ("reporter-list", "list")
    assert [i.title for i in art.items] == ["A headline of a story"]


def test_an_address_on_another_site_rules_the_korea_times_layouts_out():
    page = (PAGES / "kt-photoview.txt").read_text(encoding="utf-8")
    assert kt_clean.extract(page, source="p.txt").layout == "photo-gallery"
    for url in ("http://seattle.koreatimes.com/section/701", "www.pressreader.com/x"):
        assert kt_clean.extract(page, source="p.txt", url=url).layout == "unknown"
    for url in ("http://www.ktimes.com/www2/common/photoview.asp?x=1",
                "https://www.koreatimes.kr/www2/common/photoview.asp?newsidx=1"):
        assert kt_clean.extract(page, source="p.txt", url=url).layout == "photo-gallery"


def test_without_an_address_the_confidence_is_that_of_the_text_alone():
    page = kt_clean.from_text(CUT_REPORTER_LIST.replace("search close\n",
                                                        "search close\nReporter : Kim A\n"))
    doc = kt_clean.detect(page)
    assert (doc.layout, doc.confidence) == ("reporter-list", 1.0)
    hinted = kt_clean.detect(page.replace(url="https://koreatimes.co.kr/www2/common/morelist.asp"))
    assert hinted.confidence == 1.0 and "morelist-url" in hinted.evidence


def test_a_layout_whose_only_proof_is_an_address_needs_one():
    toml = ('[layout]\nname = "x"\nthreshold = 1\nrequire_any = ["u"]\n'
            '[[signature]]\nid = "u"\nurl = "example\\\\.org/"\n'
            '[[signature]]\nid = "s"\npattern = "^X$"\n[article]\nstart = "^X$"\n')
    layout = parse_layout(toml, "x.toml")
    page = kt_clean.from_text("X\nsome text\n")
    assert kt_clean.detect(page, [layout]).layout == "unknown"
    assert kt_clean.detect(page.replace(url="https://example.org/a"), [layout]).layout == "x"


def test_a_signature_takes_a_pattern_or_an_address_not_both():
    toml = ('[layout]\nname = "x"\nthreshold = 1\n'
            '[[signature]]\nid = "u"\nurl = "a"\npattern = "b"\n[article]\nstart = "^X$"\n')
    with pytest.raises(LayoutError, match="exactly one of 'pattern'"):
        parse_layout(toml, "x.toml")


def test_the_url_goes_into_the_stage_record_and_back():
    doc = kt_clean.from_text("hello\n").replace(url="https://example.org/p")
    again = kt_clean.model.Document.from_record(doc.to_record())
    assert again.url == "https://example.org/p"


def test_url_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from kt_clean.cli import app

    page = tmp_path / "p.txt"
    page.write_text(CUT_REPORTER_LIST, encoding="utf-8")
    runner = CliRunner()
    url = "https://koreatimes.co.kr/www2/common/morelist.asp?id=x"
    result = runner.invoke(app, ["detect", str(page), "--url", url])
    assert result.exit_code == 0 and "\treporter-list\t" in result.stdout
    result = runner.invoke(app, ["strip", str(page), "--url", url])
    assert json.loads(result.stdout)["url"] == url
    result = runner.invoke(app, ["detect", str(page), str(page), "--url", url])
    assert result.exit_code == 2 and "--url names the address of one page" in result.stderr


# -- stored copies cut anywhere -----------------------------------------------------------------

CHROME_TEXTS = ("Font Size", "Print Preview", "search close", "share button", "amn_",
                "Reporter :", "my timesThe", "+Login")
REAL = PAGES.parent.parent.parent / "shared" / "data" / "kt-real" / "pages"
CUT_PAGES = sorted(PAGES.glob("kt-*.txt")) + (sorted(REAL.glob("0[0-2]*.txt"))
                                               if REAL.is_dir() else [])


@pytest.mark.parametrize("path", CUT_PAGES, ids=lambda p: p.name)
def test_a_copy_cut_anywhere_gives_what_it_holds_and_never_its_chrome(path):
    """Stored pages are cut off, mid-menu, mid-caption or mid-word: each prefix of a page (in
    25 steps) is cleaned without an error, and a prefix whose design is still recognised never
    gives the design's chrome as its title or body."""
    text = path.read_text(encoding="utf-8")
    for cut in range(10, len(text), max(7, len(text) // 25)):
        art = kt_clean.extract(text[:cut], source=f"{path.name}[:{cut}]")
        if art.layout == "unknown":
            continue
        shown = (art.title or "") + "\n" + "\n".join(b.text for b in art.blocks)
        found = [c for c in CHROME_TEXTS if c in shown]
        assert not found, f"cut at {cut}: {art.layout} gives {found}"
        if not art.blocks and not art.title and not art.items:
            assert art.page_type == "empty"
