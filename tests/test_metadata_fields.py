"""The record around the body: titles, authors, dates, captions, language, url, page type
filters. Hand-written pages, each checking one source or one normalisation."""

import json

from typer.testing import CliRunner

import kt_clean
from conftest import FULLNAV_SEED, PRINT_SEED
from kt_clean.cli import app
from kt_clean.html.metadata import extract_metadata, strip_site_name
from kt_clean.html.parse import parse_html
from kt_clean.language import identify

runner = CliRunner()

BODY = ("<p>" + "The council met on Tuesday to discuss the new budget for the city's parks, "
        "and the members agreed to fund three new playgrounds next spring. " * 3 + "</p>")


def page(head: str = "", body: str = "") -> str:
    return f"<html lang='en'><head>{head}</head><body>{body}</body></html>"


def meta(head: str = "", body: str = "") -> dict:
    return extract_metadata(parse_html(page(head, body)))


def extract(html: str, **kw):
    return kt_clean.extract(html.encode(), source="p.html", **kw)


# -- titles ----------------------------------------------------------------------------

def test_visible_h1_wins_over_title_and_the_site_name_goes():
    md = meta("<title>Regular physical activity can boost mood - Harvard Health</title>"
              "<meta property='og:site_name' content='Harvard Health'>",
              "<h1>Regular physical activity can boost mood</h1>" + BODY)
    assert md["title"] == "Regular physical activity can boost mood"
    assert md["sources"]["title"] == "h1"


def test_title_without_h1_loses_its_site_suffix():
    md = meta("<title>Parks get three playgrounds | City Herald</title>"
              "<meta property='og:site_name' content='City Herald'>", BODY)
    assert md["title"] == "Parks get three playgrounds"


def test_site_suffix_cut_without_a_declared_site_name():
    assert strip_site_name("Best EVs of 2026 - Car Talk", []) == "Best EVs of 2026"
    # a headline with a dash of its own keeps it when the end part is no short name
    assert strip_site_name("Rain - and more rain - expected over the whole weekend here",
                           []) == "Rain - and more rain - expected over the whole weekend here"


def test_h1_of_a_menu_or_the_site_name_is_no_title():
    md = meta("<title>Council funds playgrounds - City Herald</title>"
              "<meta property='og:site_name' content='City Herald'>",
              "<nav><h1>Menu</h1></nav><h1>City Herald</h1>" + BODY)
    assert md["title"] == "Council funds playgrounds"


def test_entities_escaped_twice_are_undone():
    md = meta('<script type="application/ld+json">{"@type": "NewsArticle", '
              '"headline": "And finally&amp;#8230; trouble brewing"}</script>', BODY)
    assert md["title"] == "And finally\u2026 trouble brewing"


def test_deck_equal_to_the_title_is_dropped():
    md = meta('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
              '"Parks Get Playgrounds", "alternativeHeadline": "PARKS GET PLAYGROUNDS"}'
              '</script>', BODY)
    assert md["subtitle"] is None


# -- authors ---------------------------------------------------------------------------

def test_json_ld_author_list_and_id_references():
    md = meta('<script type="application/ld+json">{"@graph": ['
              '{"@type": "Article", "headline": "H", "author": [{"@id": "#p1"}, '
              '{"@type": "Person", "name": "John Roe"}]},'
              '{"@type": "Person", "@id": "#p1", "name": "Jane Doe"}]}</script>', BODY)
    assert md["authors"] == ["Jane Doe", "John Roe"]
    assert md["sources"]["authors"] == "json-ld:author"


def test_citation_tags_of_scholarly_pages():
    md = meta("<meta name='citation_title' content='A Study of Parks'>"
              "<meta name='citation_author' content='Curie, Marie'>"
              "<meta name='citation_author' content='Bohr, Niels'>"
              "<meta name='citation_publication_date' content='2024/03/05'>", BODY)
    assert md["authors"] == ["Marie Curie", "Niels Bohr"]
    assert md["published"] == "2024/03/05"
    assert md["sources"]["published"] == "meta:citation_publication_date"


def test_joined_names_are_split_and_prefixes_dropped():
    md = meta("<meta name='author' content='By Jane Doe and John Roe'>", BODY)
    assert md["authors"] == ["Jane Doe", "John Roe"]
    assert meta("<meta name='author' content='Written by Maya Perez'>", BODY)["authors"] == [
        "Maya Perez"]


def test_an_url_or_email_is_never_an_author():
    md = meta("<meta name='author' content='https://example.com/staff/jane'>"
              "<meta name='article:author' content='jane@example.com'>", BODY)
    assert md["authors"] == []


def test_visible_byline_gives_the_authors_when_the_markup_has_none():
    art = extract(page("<title>Council funds playgrounds</title>",
                       "<h1>Council funds playgrounds</h1><p>By Jane Doe | Staff Writer</p>"
                       + BODY))
    assert art.authors == ("Jane Doe",)
    assert art.byline == "By Jane Doe | Staff Writer"
    assert dict(art.sources)["authors"].endswith("(html:byline)")


# -- dates -----------------------------------------------------------------------------

def test_html_dates_are_iso_8601():
    art = extract(page("<meta property='article:published_time' "
                       "content='December 19, 2025 4:34 AM EST'>"
                       "<meta property='article:modified_time' content='2025/12/20'>",
                       "<h1>Council funds playgrounds</h1>" + BODY))
    assert art.published == "2025-12-19T04:34:00-05:00"
    assert art.updated == "2025-12-20"
    assert art.warnings == ()


def test_the_printed_date_wins_when_the_markup_disagrees():
    art = extract(page("<meta property='article:published_time' content='2021-08-12'>",
                       "<h1>Council funds playgrounds</h1><p>Published March 3, 2025</p>"
                       + BODY))
    assert art.published == "2025-03-03"
    assert dict(art.sources)["published"].endswith("(html:dateline)")


def test_the_markup_date_stays_when_the_page_prints_the_same_day():
    art = extract(page("<meta property='article:published_time' "
                       "content='2025-03-03T10:00:00+01:00'>",
                       "<h1>Council funds playgrounds</h1><p>March 3, 2025</p>" + BODY))
    assert art.published == "2025-03-03T10:00:00+01:00"


def test_updated_before_published_is_flagged():
    art = extract(page("<meta property='article:published_time' content='2025-03-03'>"
                       "<meta property='article:modified_time' content='2024-01-01'>",
                       "<h1>Council funds playgrounds</h1>" + BODY))
    assert art.warnings == ("updated-before-published",)


def test_a_published_meta_tag_is_read():
    # <meta name="published" content="July 17, 2025">: a CMS's own name for the tag
    md = meta("<meta name='published' content='July 17, 2025'>",
              "<h1>Council funds playgrounds</h1>" + BODY)
    assert md["published"] == "July 17, 2025" and md["sources"]["published"] == "meta:published"
    art = extract(page("<meta name='published' content='July 17, 2025'>",
                       "<h1>Council funds playgrounds</h1>" + BODY))
    assert art.published == "2025-07-17"


def test_the_markup_day_printed_beside_the_update_keeps_the_markup_date():
    # "<time class=updated>May 21, 2025</time><time class=published>April 24, 2025</time>"
    # rendered without a space: the second date is the markup's, so the markup stands
    art = extract(page("<meta property='article:published_time' "
                       "content='2025-04-24T16:12:49+00:00'>",
                       "<h1>Council funds playgrounds</h1>"
                       "<p><time>May 21, 2025</time><time>April 24, 2025</time> by Jane Doe</p>"
                       + BODY))
    assert art.published == "2025-04-24T16:12:49+00:00"


TABLE = ("<table><tr><th>Month</th><th>Change</th></tr>"
         + "".join(f"<tr><td>{m}/1/2013</td><td>+1{m}.1%</td></tr>" for m in range(1, 7))
         + "</table>")


def test_a_table_of_dates_under_the_headline_is_no_dateline():
    # a price history right under the headline prints six days: none is the article's
    art = extract(page("<meta property='article:published_time' content='2025-02-12T23:21:00Z'>",
                       "<h1>The hottest housing markets</h1><p>Last Updated Nov 6, 2025</p>"
                       + TABLE + BODY))
    assert art.published == "2025-02-12T23:21:00+00:00"
    assert dict(art.sources)["published"] == "meta:article:published_time"
    # one printed publication date still beats the markup's
    art = extract(page("<meta property='article:published_time' content='2025-02-12T23:21:00Z'>",
                       "<h1>The hottest housing markets</h1><p>March 3, 2025</p>" + BODY))
    assert art.published == "2025-03-03"


def test_a_labelled_dateline_under_the_text_dates_the_page():
    # the header prints no date; "Published August 13, 2025" under the text is the
    # publication the reader sees, over the markup's (the page's last re-save)
    head = "<meta property='article:published_time' content='2025-11-29T12:28:31-05:00'>"
    long_body = "".join(f"<p>Paragraph {n}: the council met on Tuesday to discuss the new "
                        "budget for the city's parks, and agreed to fund playgrounds.</p>"
                        for n in range(1, 25))  # longer than the header's window
    art = extract(page(head, "<h1>Council funds playgrounds</h1><p>By Jane Doe</p>" + long_body
                       + "<div class='signup'><p>Subscribe</p></div>"
                         "<p class='meta'>Published August 13, 2025</p>"))
    assert art.published == "2025-08-13"
    assert dict(art.sources)["published"].endswith("(html:dateline)")
    line = int(dict(art.sources)["published"].split()[1]) - 1
    assert art.document.lines[line].strip() == "Published August 13, 2025"
    # a date the text itself mentions is no dateline
    quoted = ("<p>Published on May 2, 2024, the report found that the city's parks need "
              "more funding than the council had planned for the next three years.</p>")
    art = extract(page(head, "<h1>Council funds playgrounds</h1>" + long_body + quoted))
    assert art.published == "2025-11-29T12:28:31-05:00"
    # an update under the text is not a publication
    art = extract(page(head, "<h1>Council funds playgrounds</h1>" + long_body
                       + "<p>Last updated August 13, 2025</p>"))
    assert art.published == "2025-11-29T12:28:31-05:00"



def test_a_labelled_dateline_the_line_model_kept_as_text_still_dates_the_page():
    # the line model may keep a short "Published ..." line under the text as body: it is
    # still the dateline (a sentence of the text that mentions a date is not)
    from kt_clean.cleaners.html import labelled_dateline
    from kt_clean.model import Label

    text = "The council met on Tuesday to discuss the new budget for the city's parks."
    lines = ["Council funds playgrounds", "", text, "", "Published August 13, 2025", "",
             "Published on May 2, 2024, the report found that the parks need more money."]
    body, blank = Label(True, "body", "html:model.dom"), Label(False, "blank", "html:blank")
    labels = [Label(True, "title", "html:title"), blank, body, blank, body, blank, body]
    assert labelled_dateline(lines, labels) == (4, "published", "August 13, 2025")
    assert labelled_dateline(lines[:4] + lines[5:], labels[:4] + labels[5:]) is None


SENTENCES = ("The council met on Tuesday to discuss the new budget for the city's parks.",
             "Members agreed to fund three new playgrounds next spring, the mayor said.",
             "Residents had asked for safer equipment after a long campaign by parents.",
             "The plan also repairs the paths of the riverside park and adds benches.",
             "Work is expected to start in March and to last about four months.")


def test_a_posts_filing_line_under_the_text_dates_the_page():
    # "December 3, 2025. Updated: December 7, 2025" under the article, as the text dumps'
    # late dateline reads it: the first date (htmldate would give the declared update)
    text = "".join("<p>" + " ".join(SENTENCES[(n + k) % 5] for k in range(3)) + "</p>"
                   for n in range(20))
    art = extract(page("<meta property='article:modified_time' content='2025-12-07T13:33:15Z'>",
                       f"<article><h1>Council funds playgrounds</h1>{text}</article>"
                       "<footer class='entry-meta'><span>December 3, 2025. Updated: December 7, "
                       "2025</span></footer><div><p>Subscribe</p></div>"))
    assert art.published == "2025-12-03" and art.updated == "2025-12-07T13:33:15+00:00"
    assert dict(art.sources)["published"].endswith("(html:dateline)")


def test_time_element_is_read():
    md = meta("", "<h1>Council funds playgrounds</h1><time datetime='2025-02-01T08:00:00Z'>"
                  "Feb 1</time>" + BODY)
    assert md["published"] == "2025-02-01T08:00:00Z"


# -- captions, url, language, tags -----------------------------------------------------

def test_captions_only_from_the_articles_own_figures():
    md = meta("", "<article><h1>Council funds playgrounds</h1><figure><img src=a.jpg>"
                  "<figcaption>The new playground</figcaption></figure>" + BODY + "</article>"
                  "<aside><figure><figcaption>Related story</figcaption></figure></aside>"
                  "<div class='related-posts'><figure><figcaption>Other story</figcaption>"
                  "</figure></div>")
    assert md["captions"] == ["The new playground"]


def test_url_hostname_description_tags_language():
    art = extract(page("<link rel='canonical' href='https://www.example.com/news/parks'>"
                       "<meta name='description' content='The council funds playgrounds.'>"
                       "<meta name='keywords' content='parks, budget'>",
                       "<h1>Council funds playgrounds</h1>" + BODY))
    assert art.url == "https://www.example.com/news/parks"
    assert art.hostname == "www.example.com"
    assert art.description == "The council funds playgrounds."
    assert art.tags == ("parks", "budget")
    assert art.language == "en"


def test_the_callers_url_wins():
    art = kt_clean.extract(PRINT_SEED, url="https://www.koreatimes.co.kr/www/nation/2019/01/1.html")
    assert art.hostname == "www.koreatimes.co.kr"


def test_korea_times_pages_are_english_with_rule_confidence():
    art = kt_clean.extract(FULLNAV_SEED)
    d = art.to_dict()
    assert d["language"] == "en" and d["page_type"] == "article"
    assert d["page_type_confidence"] == 1.0 and d["warnings"] == []


def test_language_identifier():
    assert identify("Der Rat hat am Dienstag über den neuen Haushalt für die Parks der Stadt "
                    "beraten, und die Mitglieder sind sich einig.") == "de"
    assert identify("Le conseil s'est réuni mardi pour discuter du nouveau budget des parcs "
                    "de la ville et les membres sont d'accord.") == "fr"
    assert identify("서울시는 화요일 공원 예산을 논의하기 위해 회의를 열었다") == "ko"
    assert identify("東京都は火曜日に公園の予算について話し合うための会議を開いた") == "ja"
    assert identify("12 34 56") is None and identify("") is None


def test_explain_shows_where_the_fields_came_from():
    result = runner.invoke(app, ["extract", str(FULLNAV_SEED), "--json", "--explain"])
    d = json.loads(result.stdout)
    assert d["sources"]["title"].startswith("line ") and "full-nav" in d["sources"]["title"]
    assert "published" in d["sources"]


# -- --only ----------------------------------------------------------------------------

def test_only_keeps_the_pages_of_a_type(tmp_path):
    result = runner.invoke(app, ["extract", str(FULLNAV_SEED), "--json", "--only", "list"])
    assert result.exit_code == 0 and result.stdout == ""
    result = runner.invoke(app, ["extract", str(FULLNAV_SEED), "--json", "--only", "article"])
    assert json.loads(result.stdout)["page_type"] == "article"
    result = runner.invoke(app, ["extract", str(FULLNAV_SEED), "--only", "novel"])
    assert result.exit_code == 2 and "not a page type" in result.stderr


def test_batch_only_counts_what_it_left_out(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(FULLNAV_SEED.read_bytes())
    report = tmp_path / "r.json"
    result = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "out"), "--only",
                                 "list", "-q", "--report", str(report), "-j", "1"])
    assert result.exit_code == 0, result.stderr
    d = json.loads(report.read_text())
    assert d["filtered"] == 1 and d["page_types"] == {"article": 1}
    assert not (tmp_path / "out" / "a.json").exists()


def test_a_declared_bare_name_is_kept_whole_and_link_texts_go():
    assert meta("<meta name='author' content='Rapid7'>", BODY)["authors"] == ["Rapid7"]
    assert meta("<meta name='author' content='Paramita (Guha) Ghosh'>", BODY)["authors"] == [
        "Paramita (Guha) Ghosh"]
    assert meta("<meta name='author' content='Read more about The Upwork Team'>",
                BODY)["authors"] == ["The Upwork Team"]
    assert meta("<meta name='author' content='page.head.extra.author'>", BODY)["authors"] == []


def test_a_printed_update_date_does_not_replace_the_declared_publication_date():
    art = extract(page("<meta property='article:published_time' content='2021-08-12'>",
                       "<h1>Council funds playgrounds</h1><p>Last Updated: March 3, 2025</p>"
                       + BODY))
    assert art.published == "2021-08-12"
    # ... but dates a page that declares none
    art = extract(page("", "<h1>Council funds playgrounds</h1><p>Last Updated: March 3, 2025</p>"
                           + BODY))
    assert art.published == "2025-03-03"


def test_a_signature_under_the_text_gives_the_author():
    art = extract(page("<title>Council funds playgrounds</title>",
                       "<h1>Council funds playgrounds</h1>" + BODY + "<p>Written by Cassidy Horton</p>"))
    assert art.authors == ("Cassidy Horton",)


def test_a_printed_publication_date_beats_the_markup_day_printed_as_the_update():
    # the markup's day is the page's "Updated" line; the page prints when it was published
    art = extract(page("<meta property='article:published_time' content='2025-08-21'>",
                       "<h1>Council funds playgrounds</h1><p>Published Apr 26, 2023</p>"
                       "<p>Updated Aug 21, 2025</p>" + BODY))
    assert art.published == "2023-04-26"
    assert dict(art.sources)["published"].endswith("(html:dateline)")


def test_a_name_under_the_headline_gives_the_author():
    # no "By": the name alone between the headline and its date, as the dumps print it
    art = extract(page("<title>Council funds playgrounds</title>",
                       "<h1>Council funds playgrounds</h1><p>Edzel Tabing</p>"
                       "<p>March 3, 2025</p>" + BODY))
    assert art.authors == ("Edzel Tabing",)
    assert dict(art.sources)["authors"].endswith("(html:header-byline)")
    line = int(dict(art.sources)["authors"].split()[1]) - 1
    assert art.document.lines[line].strip() == "Edzel Tabing"
    assert art.document.labels[line].tag == "byline" and art.byline == "Edzel Tabing"


def test_a_persons_byline_beats_the_site_declared_as_author():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
          '"Council funds playgrounds", "author": {"@type": "Organization", '
          '"name": "Clemson News"}}</script>')
    art = extract(page(ld, "<h1>Council funds playgrounds</h1>"
                           "<p>By Shelia R. Cotten, Clemson University</p>" + BODY))
    assert art.authors == ("Shelia R. Cotten",)
    # the site's name as the author tag (rapid7.com's "Rapid7") yields to the byline too
    art = extract(page("<meta name='author' content='Rapid7'>"
                       "<link rel='canonical' href='https://www.rapid7.com/blog/post/x'>",
                       "<h1>Council funds playgrounds</h1><p>Spencer McIntyre</p>"
                       "<p>Spencer McIntyre</p>" + BODY))
    assert art.authors == ("Spencer McIntyre",)
    # ... but a person's site named after them keeps its author
    art = extract(page("<meta name='author' content='Eric Ries'>"
                       "<meta property='og:site_name' content='Eric Ries'>",
                       "<h1>Council funds playgrounds</h1><p>Startup Lessons Learned</p>"
                       + BODY))
    assert art.authors == ("Eric Ries",)
    # and an organisation with no person's byline stays the author
    art = extract(page(ld, "<h1>Council funds playgrounds</h1>" + BODY))
    assert art.authors == ("Clemson News",)
