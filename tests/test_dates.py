"""Dates in ISO 8601, however a page prints them (``docs/formats.md``)."""

import pytest

import kt_clean
from kt_clean.dates import iso_any, iso_datetime


@pytest.mark.parametrize("printed,iso", [
    ("December 19, 2025 4:34 AM EST", "2025-12-19T04:34:00-05:00"),
    ("2025/12/20", "2025-12-20"),
    ("2025-11-14T14:48:03.000Z", "2025-11-14T14:48:03+00:00"),
    ("2025-11-14T14:48:03.123+0530", "2025-11-14T14:48:03+05:30"),
    ("2024-03-05T08:30:00+01:00", "2024-03-05T08:30:00+01:00"),
    ("Mon, 02 Jun 2025 10:00:00 +0000", "2025-06-02T10:00:00+00:00"),
    ("14 Nov 2025 10:00 GMT", "2025-11-14T10:00:00+00:00"),
    ("Friday, November 14, 2025", "2025-11-14"),
    # a date with a part missing is not completed with made-up parts
    ("December 2025", None),
    ("not a date", None),
    ("", None),
])
def test_dates_as_pages_print_them_come_out_in_iso_8601(printed, iso):
    assert iso_any(printed) == iso


def test_a_date_without_an_offset_takes_the_layouts_timezone():
    assert iso_any("2019-01-07 17:03", "+09:00") == "2019-01-07T17:03:00+09:00"
    assert iso_any("January 7, 2019 5:03 PM", "+09:00") == "2019-01-07T17:03:00+09:00"
    assert iso_any("January 7, 2019 5:03 PM EST", "+09:00") == "2019-01-07T17:03:00-05:00"
    assert iso_datetime("2019-01-07T17:03:00Z") == "2019-01-07T17:03:00+00:00"


def test_an_html_pages_metadata_dates_come_out_in_iso_8601():
    html = ("<html><head><title>T</title>"
            '<meta property="article:published_time" content="December 19, 2025 4:34 AM EST">'
            '<meta property="article:modified_time" content="2025/12/20">'
            "</head><body><article><h1>A headline for the test</h1>"
            + "<p>" + "A paragraph of running text for the extractor to keep. " * 8 + "</p>"
            + "<p>" + "Another paragraph, long enough to be the article's text. " * 8 + "</p>"
            + "</article></body></html>")
    art = kt_clean.extract(html.encode(), source="p.html")
    assert art.published == "2025-12-19T04:34:00-05:00"
    assert art.updated == "2025-12-20"


@pytest.mark.parametrize("value,iso", [
    ("2025-13-45", None),
    ("2025-02-29", None),
    ("2024-02-29", "2024-02-29"),
    ("1900-02-29", None),
    ("2000-02-29T10:00:00Z", "2000-02-29T10:00:00+00:00"),
    ("2025-04-31 10:00", None),
    ("2025-04-30 25:61", "2025-04-30"),
])
def test_a_day_the_calendar_does_not_have_is_never_passed_on(value, iso):
    assert iso_datetime(value) == iso
    assert iso_any(value) == iso


def test_an_impossible_meta_date_gives_null_not_the_raw_string():
    from kt_clean import extract

    html = (b'<html><head><meta property="article:published_time" content="2025-13-45">'
            b'<title>Hello world story</title></head><body><h1>Hello world story</h1>'
            b'<p>Body text here that is long enough to be an article paragraph.</p>'
            b'</body></html>')
    assert extract(html, source="m.html").published is None
