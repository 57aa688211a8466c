"""Where kt-clean keeps its own code rather than a library (docs/performance.md, "hand-written
or a library"), each choice is kept honest: the regex prefilter fails loudly on a Python
whose parser changed and falls back to plain regexes with the same output; kt-clean's
reader of printed dates agrees with dateutil where both read a date."""

import sys

import pytest

import kt_clean
from conftest import PAGES, ROOT
from kt_clean.dates import iso_any
from kt_clean.layouts import matching, patterns


def test_this_pythons_regex_parser_is_still_understood():
    """If this fails, Python's private re._parser changed: kt-clean still gives the same
    output (every pattern then runs as a regex, see the next test) but detection is about
    1.8x slower. Update kt_clean/layouts/patterns.py for the new parser."""
    assert patterns.parser_understood(), (
        f"re._parser of Python {sys.version.split()[0]} no longer gives the known analysis "
        "of known patterns: the prefilter is off (slower, same output); update "
        "kt_clean/layouts/patterns.py")
    assert patterns.required_literals(r"^\s*\S+@koreatimes\.co\.kr") == ("@koreatimes.co.kr",)


def test_the_fallback_labels_every_test_page_as_the_prefilter_does(monkeypatch):
    pages = [*sorted((ROOT / "seeds").glob("*.txt")), *sorted(PAGES.glob("*.txt"))]
    normal = [kt_clean.strip(kt_clean.read(str(p))[0]).to_record() for p in pages]

    def gone():
        raise ImportError("No module named 're._parser'")

    monkeypatch.setattr(patterns, "_sre", gone)
    patterns.parser_understood.cache_clear()
    monkeypatch.setattr(matching, "FACTS", patterns.PatternFacts())
    try:
        fallback = [kt_clean.strip(kt_clean.read(str(p))[0]).to_record() for p in pages]
        assert not any(matching.FACTS.required.values())
    finally:
        monkeypatch.undo()
        patterns.parser_understood.cache_clear()
    assert fallback == normal


def test_an_error_inside_the_analysis_gives_up_on_the_pattern(monkeypatch):
    def broken(pattern):
        raise IndexError("the parse tree changed shape")

    assert patterns.parser_understood()
    monkeypatch.setattr(patterns, "_required_literals", broken)
    monkeypatch.setattr(patterns, "_line_texts", broken)
    assert patterns.required_literals(r"^(?:Mon|Tue), \d") == ()
    assert patterns.line_texts(r"^Settings\s*$") is None


@pytest.mark.parametrize(("printed", "iso"), [
    ("2019-01-07 17:03", "2019-01-07T17:03:00+09:00"),
    ("2019-01-07", "2019-01-07"),
    ("December 19, 2025 4:34 AM", "2025-12-19T04:34:00+09:00"),
    ("2025/12/20", "2025-12-20"),
    ("Jan. 7, 2019", "2019-01-07"),
])
def test_printed_dates_read_as_dateutil_reads_them(printed, iso):
    """kt-clean's reader (a regex for the rules' dates, then dateutil; twice as fast as
    dateutil alone) gives what dateutil gives, with the layout's offset."""
    from dateutil import parser

    assert iso_any(printed, "+09:00") == iso
    parsed = parser.parse(printed)
    assert iso.startswith(parsed.date().isoformat())
