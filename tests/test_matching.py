"""The fast paths of rule matching (literal prefilters, whole-line lookups) give exactly what
a plain regex search of each line gives."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED_FILES
from kt_clean.layouts import PageIndex, builtin_layouts, line_texts, required_literals


def _patterns() -> list[re.Pattern[str]]:
    out = []
    for lay in builtin_layouts():
        out += [s.regex for s in (*lay.signatures, *lay.rejects)]
        out += [r.regex for r in lay.rules] + [p.regex for p in lay.ends] + [lay.start]
    return list(dict.fromkeys(out))


PATTERNS = _patterns()
SEED_LINES = sorted({line for p in SEED_FILES
                     for line in p.read_text(encoding="utf-8").split("\n")})
# lines that look like chrome but are not quite: indented where a pattern allows no indent,
# trailing spaces, a NO-BREAK SPACE alone
TRICKY = ["  Settings", "Settings  ", " ⓕ font-size", "• +1", "\t• -2", " CLOSE", "X ", "\tgo top LETTER", "\u00a0", " \u00a0 ",
          "Top 10 Stories", "  • Site Map", "• PDF", "Thu, February 21, 2019 | 07:35"]
LINE = st.one_of(
    st.sampled_from(SEED_LINES),
    st.sampled_from(TRICKY),
    st.sampled_from(SEED_LINES).map(lambda s: "  " + s),  # indented copies
    st.sampled_from(SEED_LINES).map(lambda s: s.strip() + " \u00a0"),
    st.text(alphabet="ab •@|,:-\u00a0MonTue", max_size=30),
)


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"^(?:Mon|Tue|Wed), [A-Z][a-z]+ \d{1,2}, \d{4} \| \d\d:\d\d\s*$", (" | ",)),
    (r"^(?:Mon|Tue), \d", ("Mon, ", "Tue, ")),  # alternatives extended by what follows
    (r"^\s*• (?:Facebook|Twitter) share button\s*$", (" share button",)),  # fewest scans
    (r"^\s*(?P<name>[^@\n]{2,60}?)[ ,]+(?P<email>[\w.+-]+@[\w-]+)", ("@",)),  # inside a group
    (r"^\s*\u00a0\s*$", ("\u00a0",)),  # short, but rare in running text
    (r"^\s*(?P<email>\S+@\S+)?\s*More articles", ("More articles",)),  # not the optional group's @
    (r"(?i)share button", ()),  # case-insensitive: no prefilter
    (r"^(?i:mon|tue), \d", ()),  # nor for a case-insensitive group
    (r"^x(?i:share button)", ()),
    (r"^\s*\w+, \w+$", ()),  # nothing rare enough
])
def test_required_literals(pattern, expected):
    assert required_literals(pattern) == expected


def test_line_texts_expands_whole_line_literals():
    assert line_texts(r"^\s*• (?:Site Map|PDF)\s*$") == (frozenset({"• Site Map", "• PDF"}), True)
    assert line_texts(r"^Settings\s*$") == (frozenset({"Settings"}), False)
    assert line_texts(r"^\s*Posted : \d{4}") is None
    # leading whitespace allowed before some alternatives only
    texts, lead = line_texts(r"^(?:Settings|\s*ⓕ font-size|\s*• [+-]?[0-2])\s*$")
    assert {"Settings", "ⓕ font-size", "• +1", "• 0"} <= texts and "Settings" not in lead
    assert "ⓕ font-size" in lead
    # what a table lookup cannot get right exactly stays a regex
    assert line_texts(r"^[ \t]*X\s*$") is None  # str.strip() takes more than [ \t]
    assert line_texts(r"^(?i:close)\s*$") is None


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:40])
def test_every_line_a_pattern_matches_holds_one_of_its_literals(pattern):
    literals = required_literals(pattern.pattern)
    for line in SEED_LINES:
        if literals and pattern.search(line):
            assert any(lit in line for lit in literals), line


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(LINE, max_size=60), first=st.integers(0, 70), span=st.integers(0, 70))
def test_page_index_matches_a_plain_search_of_each_line(lines, first, span):
    index = PageIndex(lines)
    last = first + span
    for pattern in PATTERNS:
        expected = [i for i in range(first, min(last, len(lines))) if pattern.search(lines[i])]
        got = [i for i, _ in index.matches(pattern, first, last)]
        assert got == expected, pattern.pattern
        assert index.lines_matching(pattern, first, last) == expected, pattern.pattern
        assert index.first_line(pattern, first) == next(
            (i for i in range(first, len(lines)) if pattern.search(lines[i])), None)


SIGNATURES = [s for lay in builtin_layouts() for s in (*lay.signatures, *lay.rejects)]


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(LINE, max_size=60))
def test_signature_counts_match_a_plain_search_of_each_line(lines):
    index = PageIndex(lines)
    for sig in SIGNATURES:
        scope = lines if sig.within is None else lines[:sig.within]
        expected = sum(1 for line in scope if sig.regex.search(line))
        assert index.count(sig) == min(expected, sig.min_count), sig.id


ZONES = [z.regex for lay in builtin_layouts() for z in lay.zones]


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(LINE, max_size=60), first=st.integers(0, 70))
def test_zone_starts_match_a_plain_search_of_the_page(lines, first):
    """Zone patterns may span lines: their first match is the page's first regex match."""
    index = PageIndex(lines)
    text = "\n".join(lines)
    for pattern in ZONES:
        got = next(iter(index.matches(pattern, first, multiline=True)), None)
        assert index.first_line(pattern, first, multiline=True) == (None if got is None
                                                                   else got[0])
        expected = None
        if first < len(lines):
            m = pattern.search(text, index.starts[first], index.end_of_line(len(lines) - 1))
            expected = None if m is None else text.count("\n", 0, m.start())
        assert (None if got is None else got[0]) == expected, pattern.pattern


def test_a_zone_start_takes_in_the_blank_lines_before_it():
    footer = next(z.regex for lay in builtin_layouts() for z in lay.zones if z.id == "footer")
    lines = ["Last paragraph.", "", "  ", "• About Korea Times", "• CEO Message"]
    index = PageIndex(lines)
    assert next(iter(index.matches(footer, 0, multiline=True)))[0] == 1  # as re.search says
    assert next(iter(index.matches(footer, 2, multiline=True)))[0] == 2


def test_counts_respect_where_leading_whitespace_is_allowed():
    from kt_clean.layouts import Signature

    mixed = re.compile(r"^(?:Settings|\s*ⓕ font-size)\s*$", re.MULTILINE)
    lines = ["  Settings", " ⓕ font-size", "Settings", "ⓕ font-size  "]
    sig = Signature("mixed", mixed, min_count=10)
    assert PageIndex(lines).count(sig) == 3 == sum(bool(mixed.search(x)) for x in lines)
    assert [i for i, _ in PageIndex(lines).matches(mixed)] == [1, 2, 3]


def test_a_page_remembers_counts_by_pattern_window_and_minimum_only():
    from kt_clean.layouts import Signature

    lines = ["Posted : 2020-01-01 10:00", "x", "Posted : 2020-01-02 11:00", "y"] * 3
    index = PageIndex(lines)
    posted = r"^\s*Posted : \d{4}"
    # the same pattern text in two layouts, compiled twice: one count, shared
    a = Signature("a", re.compile(posted, re.MULTILINE), min_count=10)
    b = Signature("b", re.compile(posted, re.MULTILINE), min_count=10)
    assert index.count(a) == index.count(b) == 6
    # another window or minimum is another question
    assert index.count(Signature("w", re.compile(posted, re.MULTILINE), within=3,
                                 min_count=10)) == 2
    assert index.count(Signature("m", re.compile(posted, re.MULTILINE), min_count=1)) == 1
