"""Korea Times rules on pages that are not the seeds: other articles, other page types."""

import json

import pytest

import kt_clean
from conftest import FULLNAV_SEED, PAGES, PRINT_SEED, render_page


def extract(name):
    return json.loads(render_page(str(PAGES / name), "json"))


def layout_of(text):
    return kt_clean.detect(kt_clean.from_text(text)).layout


def test_editorial_without_settings_line_byline_or_photo():
    art = extract("print-editorial.txt")
    assert art["layout"] == "print"
    assert art["title"] == "Cautious optimism"  # the ED badge is not part of the title
    assert art["byline"] is None and art["authors"] == [] and art["captions"] == []
    assert art["subtitle"] is None  # with no byline, the first line is body, not a deck
    assert art["body"].startswith("Seoul and Washington should not rush")
    assert art["body"].endswith("keep both in view as it prepares for the next round of talks.")


def test_coauthored_print_article_with_deck_and_no_photo():
    art = extract("print-coauthors.txt")
    assert art["title"] == "Fine dust hits record high in Seoul"
    assert art["subtitle"] == "Schools cut outdoor classes as the city issues emergency measures"
    assert art["authors"] == ["Kim Bo-eun", "Choi Ha-young"]
    assert art["emails"] == ["bkim@koreatimes.co.kr", "hychoi@koreatimes.co.kr"]
    assert art["captions"] == []
    assert art["subheadings"] == ["Emergency steps"]
    assert art["body"].endswith("call for regional cooperation.")


def test_print_caption_copies_separated_by_a_blank_line():
    art = extract("print-photo-nodeck.txt")
    assert art["captions"] == ["Samsung Electronics Vice Chairman Lee Jae-yong speaks during a "
                               "meeting at the company's headquarters in Seoul, Monday. / Yonhap"]
    assert art["subtitle"] is None
    assert art["body"].count("Samsung Electronics Vice Chairman") == 0
    assert art["body"].startswith("Samsung Group said Wednesday")
    doc = kt_clean.strip(kt_clean.read(str(PAGES / "print-photo-nodeck.txt"))[0])
    assert [lab.tag for _, _, lab in doc.removed_lines()].count("duplicate-caption") == 1


def test_full_nav_without_updated_line_or_photo():
    art = extract("fullnav-noupdate-nophoto.txt")
    assert art["layout"] == "full-nav"
    assert art["section"] == "Economy"
    assert art["title"] == "Exports fall for third month on chip slump"
    assert art["published"] == "2019-03-01T09:15:00+09:00"
    assert art["updated"] is None
    assert art["captions"] == []
    assert art["emails"] == ["yckim@koreatimes.co.kr"]
    assert art["body"].startswith("Korea's exports fell for the third straight month")
    assert art["body"].endswith("as prices of memory chips continued to fall.")
    assert "Moon to visit Europe" not in art["body"]


def test_full_nav_with_long_caption_and_two_reporters():
    art = extract("fullnav-caption-coauthors.txt")
    assert art["section"] == "Defense Affairs"
    assert art["authors"] == ["Jung Da-min", "Kim Rahn"]
    assert art["updated"] == "2019-03-03T18:45:00+09:00"
    assert art["captions"][0].startswith("Defense Minister Jeong Kyeong-doo, right,")
    assert art["subheadings"] == ["Alliance readiness"]
    assert art["body"].startswith("South Korea and the United States have decided")


@pytest.mark.parametrize("name", [
    "kt-reporter-list.txt", "kt-photo-gallery.txt",
    "kt-section-list.txt", "koreatimes-com.txt", "settings-only.txt",
])
def test_other_designs_page_types_and_sites_are_unknown(name):
    doc = kt_clean.detect(kt_clean.read(str(PAGES / name))[0])
    assert doc.layout == "unknown"
    assert doc.evidence == ()


def test_unknown_pages_still_give_their_article():
    art = extract("koreatimes-com.txt")
    assert art["layout"] == "unknown"
    assert "LA 한인타운 일대 아파트 렌트비가" in art["body"]
    assert "로그인" not in art["body"]


@pytest.mark.parametrize("path,layout", [(PRINT_SEED, "print"), (FULLNAV_SEED, "full-nav")])
def test_detection_does_not_depend_on_any_single_line(path, layout):
    lines = path.read_text(encoding="utf-8").split("\n")
    for i in range(len(lines)):
        page = "\n".join(lines[:i] + lines[i + 1:])
        assert layout_of(page) == layout, f"removing line {i + 1} ({lines[i]!r}) broke detection"


def test_print_page_starting_with_blank_line_and_font_size_widget():
    text = PRINT_SEED.read_text(encoding="utf-8").replace("Settings\n", "", 1)
    doc = kt_clean.detect(kt_clean.from_text(text))
    assert doc.layout == "print" and "settings-line" not in doc.evidence
    art = kt_clean.article(doc)
    assert art.title == "2nd Trump-Kim summit to take place in late February"


def test_detect_reports_confidence_and_evidence():
    doc = kt_clean.detect(kt_clean.read(str(FULLNAV_SEED))[0])
    assert 0.5 < doc.confidence <= 1.0
    assert {"posted-line", "top-bar", "corporate-footer"} <= set(doc.evidence)


def test_crawl_date_is_removed_and_not_the_published_date():
    doc = kt_clean.strip(kt_clean.read(str(FULLNAV_SEED))[0])
    crawl = [(t, lab) for _, t, lab in doc.removed_lines() if lab.tag == "crawl-date"]
    assert [t for t, _ in crawl] == ["Thu, February 21, 2019 | 07:35"]


def test_strip_reasons_on_full_nav_seed():
    doc = kt_clean.strip(kt_clean.read(str(FULLNAV_SEED))[0])
    by_text = {t.strip(): lab.tag for _, t, lab in doc.removed_lines() if t.strip()}
    assert by_text["• Site Map"] == "nav"
    assert by_text["• Talk Box"] == "nav"
    assert by_text["mhlee@koreatimes.co.kr More articles by this reporter"] == "related"
    assert by_text["Kim Jong-un leaves Pyongyang for China visit: KCNA"] == "related"
    assert by_text["• Abe gets no answer from North Korea"] == "headlines"
    assert by_text["• Congratulations"] == "photo-news"
    assert by_text["• RSS Service"] == "footer"


def test_strip_reasons_on_print_seed():
    doc = kt_clean.strip(kt_clean.read(str(PRINT_SEED))[0])
    by_text = {t.strip(): lab.tag for _, t, lab in doc.removed_lines() if t.strip()}
    assert by_text["ⓕ font-size"] == "settings"
    assert by_text["• Kakao share button"] == "share"
    assert by_text["Top 10 Stories"] == "related"
    assert by_text["go top LETTER"] == "widget" and by_text["CLOSE"] == "widget"
    kept = {t.strip(): lab.tag for _, t, lab in doc.kept_lines() if t.strip()}
    assert kept["Lee Min-hyung mhlee@koreatimes.co.kr"] == "contact"
