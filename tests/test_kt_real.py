"""Real Korea Times pages (../shared/data/kt-real/, skipped when absent): each page's design,
page type and fields, against expectations written by reading the page.

The stored pages are cut at about 2,000 bytes: a field the stored text does not reach is
expected as None. Designs kt-clean does not know yet are strict xfails, so that the day one
is learned the test says so.
"""

import json

import pytest

import kt_clean
from conftest import ROOT

KT_REAL = ROOT.parent / "shared" / "data" / "kt-real" / "pages"
pytestmark = pytest.mark.skipif(not KT_REAL.is_dir(), reason="../shared/data/kt-real absent")

KST = "+09:00"
ARTICLES = {
    "002": {"layout": "close-desktop", "section": "Editorial", "title": "Setting new milestone",
                "subtitle": "Trump-Kim DMZ meeting raises hope for peace", "authors": [],
                "published": f"2019-06-30T17:05:00{KST}", "updated": f"2019-06-30T21:27:00{KST}",
                "body_starts": "U.S. President Donald Trump and North Korean leader Kim Jong-un"},
    "019": {"layout": "table-body", "section": None, "title": None, "subtitle": None,
            "authors": ["Kim Ji-soo"], "published": None, "updated": None,
            "body_starts": 'Mark Peterson, 71, a "Koreanist," has enjoyed a charmed life'},
    "018": {"layout": "posted-first", "section": None,
                "title": "Foreign workers upset by severance pay formula", "subtitle": None,
                "authors": ["Kim Se-jeong"], "published": f"2014-07-29T19:17:00{KST}",
                "updated": f"2014-07-29T19:37:00{KST}",
                "body_starts": "Foreigners working under the Employment Permit System"},
}
EMPTY = {"001": "full-nav-menu", "003": "amn-desktop", "004": "amn-desktop",
         "005": "amn-desktop", "006": "amn-desktop", "007": "amn-desktop"}
LISTS = {  # id: (layout, author of the list, first entries' (author, title))
    "008": ("close-list", None, [(None, "Creative people say 'no'")]),
    "009": ("close-list", None, [("Mark Peterson", "Traditional Korean 'seoja' discrimination")]),
    "010": ("reporter-list", "Kang Hyun-kyung", [
        (None, "Korean author's gripping stories fascinate European readers"),
        (None, "[INTERVIEW] Confucius Institutes trigger dispute between US-educated, China "
               "studies professors")]),
    "011": ("reporter-list", "Kang Hyun-kyung", [
        (None, "Plastic surgeon writes medical fiction novels"),
        (None, "Fiction writers denounce 'foul-mouthed' justice minister")]),
    "012": ("reporter-list", "Kang Hyun-kyung", [(None, "Mr. Mayor, don't cross the line"),
                                                 (None, "'I am wrongfully charged'")]),
    "013": ("reporter-list", "Kang Hyun-kyung", [
        (None, "Smart city alliance leader vows to help tech startups find overseas "
               "opportunities"),
        (None, "Cancer slows down surgeon's dream to build eco-village on Jeju")]),
    "014": ("reporter-list", "Kwak Yeon-soo", [
        (None, "Joseon-era calendrical book with details on Admiral Yi Sun-sin returned to "
               "Korea"),
        (None, "'A Birth' retells of life of Korea's first priest")]),
    "015": ("reporter-list", "Lee Yeon-woo", [
        (None, "Political rookies exploited for benefit of established parties"),
        (None, "Stalkers should be punished regardless of victims' consent: experts")]),
    "016": ("reporter-list", "Lee Yeon-woo", [
        (None, "Maryland governor, his wife named honorary citizens of Naju City"),
        (None, "China's state museum pulls controversial table of Korean history from "
               "exhibit")]),
    "017": ("reporter-list", "Park Yoon-bae", [(None, "Perseverance on Mars"),
                                               (None, "Challenges Korea faces")]),
    "020": ("mytimes-list", "Mark Peterson", [(None, "More on invasions"),
                                              (None, "More on problem of invasions")]),
}
NOT_KOREA_TIMES = ["021", "022", "023", "024", "025", "026", "027", "028"]
FORBIDDEN_IN_BODY = ("Font Size", "Print Preview", "search close", "share button", "• ",
                     "amn_", "Reporter :")


def extract(page_id):
    art = kt_clean.extract(KT_REAL / f"{page_id}.txt")
    return art, json.loads(kt_clean.render(art, "json"))


@pytest.mark.parametrize("page_id", sorted(ARTICLES))
def test_article_pages_give_their_fields(page_id):
    want = ARTICLES[page_id]
    _, record = extract(page_id)
    assert (record["layout"], record["page_type"]) == (want["layout"], "article")
    for key in ("section", "title", "subtitle", "authors", "published", "updated"):
        assert record[key] == want[key], key
    assert record["body"].startswith(want["body_starts"])
    assert not any(bad in record["body"] for bad in FORBIDDEN_IN_BODY)
    assert record["items"] == []


@pytest.mark.parametrize("page_id", sorted(EMPTY))
def test_pages_cut_inside_their_menu_are_empty(page_id):
    _, record = extract(page_id)
    assert (record["layout"], record["page_type"]) == (EMPTY[page_id], "empty")
    assert record["body"] == "" and record["title"] is None and record["items"] == []
    assert record["published"] is None  # a crawl date is never the article's date


@pytest.mark.parametrize("page_id", sorted(LISTS))
def test_list_pages_give_their_entries_and_no_body(page_id):
    layout, author, entries = LISTS[page_id]
    _, record = extract(page_id)
    assert (record["layout"], record["page_type"]) == (layout, "list")
    assert record["body"] == ""
    assert record["authors"] == ([author] if author else [])
    got = [(i["author"], i["title"]) for i in record["items"][:len(entries)]]
    assert got == [(a or author, t) for a, t in entries]
    assert all(set(i) == {"title", "summary", "author", "date", "caption"}
               for i in record["items"])
    assert record["published"] is None


def test_a_headline_without_summary_is_its_own_entry():
    _, record = extract("017")
    first, second = record["items"][:2]
    assert first["summary"] is None
    assert second["summary"].startswith("South Korea faces two major diplomatic")


@pytest.mark.parametrize("page_id", NOT_KOREA_TIMES)
def test_look_alikes_never_get_a_korea_times_layout(page_id):
    _, record = extract(page_id)
    assert record["layout"] == "unknown"


def test_the_2024_site_glues_bylines_and_dates_and_repeats_headlines():
    _, record = extract("020")
    first, second = record["items"][:2]
    assert first["summary"].startswith("One of the core elements of Korea's view")
    assert first["date"] == "2018-07-20"  # "Jul 20, 2018By Mark Peterson"
    assert second["date"] is None  # the stored copy is cut before it
    assert second["summary"].startswith("My frog-out-of-the-well view")
    assert "Read more" not in json.dumps(record["items"])
    assert len(record["items"]) == 2  # the repeated headline is not an entry


def test_a_table_body_caption_loses_its_cell_border():
    _, record = extract("019")
    assert record["captions"] == ["Mark Peterson, a long-time Korean studies professor / "
                                  "Korea Times photo by Choi Won-suk"]


def _urls():
    index = KT_REAL.parent / "index.jsonl"
    return {r["id"]: r["url"] for r in map(json.loads, index.read_text().splitlines())}


@pytest.mark.parametrize("page_id", [f"{i:03d}" for i in range(1, 29)])
def test_the_url_hint_agrees_with_the_text(page_id):
    """Each stored page with its real address: the same design as from its text alone (the
    look-alikes stay unknown, koreatimes.com's own address included)."""
    without = kt_clean.extract(KT_REAL / f"{page_id}.txt")
    with_url = kt_clean.extract(KT_REAL / f"{page_id}.txt", url=_urls()[page_id])
    assert (with_url.layout, with_url.page_type) == (without.layout, without.page_type)
