"""Fuzzing (issue #16): random text dumps, HTML, mutated NDJSON records, encoding names and
damaged rule files through the library and the command line.

For any input kt-clean either raises one of its own errors (a ``KtCleanError``; any other
exception fails the test) or returns a document whose labels are lossless: one label per
line, each kept with a role or removed with a reason and a rule, and the kept and removed
lines together are the input's lines, in order. An extracted text dump's body comes from the
page. Every example must finish within its ``deadline``.

Seeded and time-boxed for CI: ``derandomize=True`` (the same examples on every run), a few
hundred examples in all, a deadline per example. For a release, a slow run of N examples
per test (still seeded, so a failure reproduces)::

    KT_CLEAN_FUZZ_EXAMPLES=5000 python -m pytest -q tests/test_fuzz.py
"""

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kt_clean
from conftest import ROOT, SEED_FILES
from kt_clean.cli import app
from kt_clean.inputs import load_bytes
from kt_clean.model import split_lines

#: Examples per test: each test's own small number unless KT_CLEAN_FUZZ_EXAMPLES is set.
EXAMPLES = int(os.environ.get("KT_CLEAN_FUZZ_EXAMPLES", "0") or 0)


def fuzz(examples: int, deadline_ms: int = 2000) -> settings:
    """Seeded (the same examples every run), ``examples`` of them unless
    KT_CLEAN_FUZZ_EXAMPLES says otherwise; an example slower than ``deadline_ms`` fails."""
    return settings(max_examples=EXAMPLES or examples, deadline=deadline_ms,
                    derandomize=True, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def lenient(call, *args, **kwargs):
    """``call``'s result, or None when it raises a KtCleanError (any other error fails)."""
    try:
        result = call(*args, **kwargs)
    except kt_clean.KtCleanError as exc:
        event(f"{call.__name__}: {type(exc).__name__} {getattr(exc, 'reason', '')}")
        return None
    event(f"{call.__name__}: ok")
    return result


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Load the models and HTML libraries once, so no example pays for the imports."""
    kt_clean.extract(SEED_FILES[0].read_text(encoding="utf-8"), source="w.txt")
    kt_clean.extract("<html><body><article><p>Warm up.</p></article></body></html>",
                     source="w.html")


# --- text dumps ---------------------------------------------------------------------------

SEED_LINES = sorted({x for p in SEED_FILES for x in p.read_text(encoding="utf-8").split("\n")})
WORDS = ["Seoul", "the", "Korea", "Times", "said", "on", "Monday", "president", "news",
         "Kim", "Jae-won", "government", "market", "a", "of", "in", "Home", "Menu", "Share",
         "Facebook", "Twitter", "Login", "Subscribe", "©", "2018", "Photo", "Related"]
CONTROL = "\x00\x01\x07\x08\t\x0b\x0c\x0e\x1b\x1f\x7f\x85\xa0\u200b\u200e\u202e\u2028\u2029\ufeff"
UNICODE = "한국어 기사 서울 — “quoted” ‘x’ … é ñ ü ß 日本 中文 العربية עברית 😀 👍🏽 ﷽ ̈"

word = st.one_of(st.sampled_from(WORDS), st.sampled_from(UNICODE.split()),
                 st.text(alphabet=CONTROL + UNICODE + "abcXYZ0123.,:;!?-/|()[]<>&#*•", max_size=12))
sentence = st.builds(lambda ws, end: " ".join(ws) + end, st.lists(word, min_size=1, max_size=30),
                     st.sampled_from(["", ".", ".", "?", "!", ":", " |", "\r"]))
byline = st.builds(lambda n, s: f"By {n} {s}", st.sampled_from(
    ["Kim Jae-won", "Lee Hyo-jin", "JOHN SMITH", "Park", "", "by"]),
    st.sampled_from(["", "Staff reporter", "kim@koreatimes.co.kr", "Korea Times"]))
date = st.sampled_from(["Posted : 2018-07-20 17:23", "Updated : 2019-01-20 12:00",
                        "Jul 20, 2018", "2018.07.20", "20 July 2018 10:00 KST",
                        "Posted : 9999-99-99 99:99", "Jan 32, 2018", "0000-00-00",
                        "2018-07-20T17:23:00+09:00", "Monday"])
bullet = st.builds(lambda b, s: b + s, st.sampled_from(["• ", "  • ", "- ", "* ", "1. ", "· "]),
                   st.one_of(st.sampled_from(WORDS), sentence))
text_line = st.one_of(
    st.sampled_from(SEED_LINES), sentence, byline, date, bullet,
    st.just(""), st.just(""), st.just("   "),
    st.text(alphabet=st.characters(exclude_characters="\n"), max_size=80),
)
dump = st.builds(lambda ls, end: "\n".join(ls) + end,
                 st.lists(text_line, max_size=120), st.sampled_from(["", "\n", "\n\n"]))


def normalized(text: str) -> tuple[str, ...]:
    """The lines a text dump is read as (CRLF and lone CR end lines)."""
    return split_lines(text.replace("\r\n", "\n").replace("\r", "\n"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_lossless(stripped: kt_clean.Document, lines: tuple[str, ...]) -> None:
    """``stripped`` labels each of ``lines`` (the input's lines) once: kept with a role or
    removed with a reason, each with the rule that decided; kept + removed lines, merged by
    index, are ``lines`` exactly; ``--explain``'s removed list is the removed lines."""
    assert stripped.labels is not None
    assert stripped.lines == lines
    assert len(stripped.labels) == len(lines)
    for lab in stripped.labels:
        assert type(lab.kept) is bool, lab
        assert isinstance(lab.tag, str) and lab.tag.strip(), lab
        assert isinstance(lab.rule, str) and lab.rule.strip(), lab
        assert (lab.role, lab.reason) == ((lab.tag, None) if lab.kept else (None, lab.tag)), lab
    kept, removed = stripped.kept_lines(), stripped.removed_lines()
    assert all(lab.kept for _, _, lab in kept) and not any(lab.kept for _, _, lab in removed)
    merged = sorted(kept + removed)
    assert [i for i, _, _ in merged] == list(range(len(lines)))
    assert tuple(t for _, t, _ in merged) == lines
    assert kt_clean.strip(stripped) is stripped  # idempotent (docs/api.md)


def assert_article(art: kt_clean.Article, stripped: kt_clean.Document) -> None:
    """The article of ``stripped`` renders as JSON, and ``--explain`` lists exactly the
    removed lines (1-based), with their reasons and rules."""
    data = json.loads(kt_clean.render(art, "json", True))
    assert [(r["line"], r["text"], r["reason"], r["rule"]) for r in data["removed"]] == [
        (i + 1, t, lab.reason, lab.rule) for i, t, lab in stripped.removed_lines()]
    for fmt in ("text", "markdown"):
        assert isinstance(kt_clean.render(art, fmt), str)


@fuzz(200)
@given(dump)
def test_text_dump_labels_are_lossless(text):
    doc = lenient(kt_clean.from_text, text, "f.txt")
    if doc is None:
        return
    assert doc.lines == normalized(text)
    stripped = lenient(kt_clean.strip, doc)
    if stripped is None:
        return
    assert_lossless(stripped, normalized(text))
    art = lenient(kt_clean.article, stripped)
    if art is not None:
        assert_article(art, stripped)


@fuzz(150)
@given(dump)
def test_text_dump_body_comes_from_the_page(text):
    art = lenient(kt_clean.extract, text, source="f.txt")
    if art is None:
        return
    page = squash("\n".join(normalized(text)))
    for block in art.blocks:
        assert squash(block.text) in page, block
    json.loads(kt_clean.render(art, "json"))


# --- HTML ---------------------------------------------------------------------------------

TAGS = ["div", "p", "span", "a", "b", "i", "ul", "li", "table", "tr", "td", "h1", "h2",
        "article", "header", "nav", "footer", "section", "main", "figure", "figcaption",
        "script", "style", "noscript", "pre", "blockquote", "form", "select", "svg", "br"]
ATTRS = st.sampled_from(['class="article-body"', 'id="content"', 'class="nav menu"',
                         'href="http://x.test/a?b=1&c=2"', 'style="display:none"', "hidden",
                         'itemprop="articleBody"', 'role="navigation"', 'data-x="<>&"',
                         'class=unquoted', 'a="unterminated', "=bare", 'lang="ko"'])
ENTITIES = st.sampled_from(["&amp;", "&lt;", "&nbsp;", "&#x1F600;", "&#0;", "&#x110000;",
                            "&bogus;", "&#99999999999;", "&", "&#", "&amp", "&#xD800;"])
BROKEN = st.sampled_from(["<", ">", "</p>", "</div></div>", "<!--", "-->", "<![CDATA[x]]>",
                          "<!DOCTYPE html>", "<?xml version='1.0'?>", "<p", "<a href=",
                          "</", "<br/>", "<img src=x onerror=y>", "<html>", "</body>",
                          "<meta charset='rot13'>", "<meta charset=utf-16>",
                          '<script type="application/ld+json">{"@type":"NewsArticle",'
                          '"headline":"H","author":{"@id":"x"}}</script>'])
NO_NUL = {c: None for c in range(32) if c not in (9, 10, 13)}
# Mostly printable (an HTML page with NUL bytes is refused as binary before any parsing).
html_text = st.one_of(sentence.map(lambda s: s.translate(NO_NUL)), sentence, ENTITIES,
                      st.text(alphabet=UNICODE + "\u200b\u202e\xa0\t ab<>&;", max_size=20))


def _element(children):
    return st.builds(lambda tag, attrs, kids, close: (
        f"<{tag}{''.join(' ' + a for a in attrs)}>{''.join(kids)}" + (f"</{tag}>" if close else "")),
        st.sampled_from(TAGS), st.lists(ATTRS, max_size=3), st.lists(children, max_size=5),
        st.booleans())


fragment = st.recursive(st.one_of(html_text, BROKEN), _element, max_leaves=60)
html_page = st.builds(
    lambda head, body, wrap: (f"<html><head><title>{head}</title></head><body>{''.join(body)}"
                              "</body></html>") if wrap else "".join(body),
    sentence, st.lists(fragment, min_size=1, max_size=8), st.booleans())


@fuzz(120)
@given(html_page)
def test_html_labels_are_lossless(html):
    docs = lenient(load_bytes, html.encode("utf-8", "surrogatepass"), "f.html",
                   input_format="html")
    if not docs:
        return
    [doc] = docs
    assert doc.input_format == "html"
    stripped = lenient(kt_clean.strip, doc)
    if stripped is None:
        return
    assert_lossless(stripped, doc.lines)  # an HTML page's lines are its rendering's
    art = lenient(kt_clean.article, stripped)
    if art is not None:
        assert_article(art, stripped)


@fuzz(80)
@given(html_page)
def test_html_extract_raises_only_its_own_errors(html):
    art = lenient(kt_clean.extract, html, source="f.html")
    if art is None:
        return
    assert art.document is not None
    assert_lossless(art.document, art.document.lines)
    assert_article(art, art.document)


# --- NDJSON records -----------------------------------------------------------------------

def _records() -> list[dict]:
    out = []
    for p in SEED_FILES:
        [doc] = kt_clean.read(str(p))
        out.append(kt_clean.detect(doc).to_record())
        out.append(kt_clean.strip(doc).to_record())
    out.append(kt_clean.strip(kt_clean.from_text("Title\n\nBody line one.\n", "s.txt")).to_record())
    return out


RECORDS = _records()

ODD_VALUES = st.sampled_from([None, True, 0, -1, 1e308, float("nan"), "", "x", "\ud800", [],
                              {}, [None], [[]], {"a": {"b": {}}}, ["kept"], 10 ** 30,
                              "\x00", "9" * 100, [["body", "r"]] * 3])


def damage_one(draw, items: list, edit) -> None:
    """Drop, duplicate or edit (``items[i] = edit(items[i])``) one drawn item, in place."""
    if not items:
        return
    i = draw(st.integers(0, len(items) - 1))
    op = draw(st.sampled_from(["drop", "dup", "edit"]))
    if op == "drop":
        del items[i]
    elif op == "dup":
        items.insert(i, items[i])
    else:
        items[i] = edit(items[i])


@st.composite
def mutated_record(draw) -> str:
    rec = json.loads(json.dumps(draw(st.sampled_from(RECORDS))))
    keys = sorted(rec)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["drop", "set", "labels", "page", "add"]))
        if op == "drop" and rec:
            rec.pop(draw(st.sampled_from(sorted(rec))), None)
        elif op == "set":
            rec[draw(st.sampled_from(keys))] = draw(ODD_VALUES)
        elif op == "labels" and isinstance(rec.get("labels"), list):
            damage_one(draw, rec["labels"], lambda _: draw(ODD_VALUES))
        elif op == "page" and isinstance(rec.get("page"), str):
            extra = draw(st.sampled_from(["\n", "\nextra line", "\r\n", "\x00", "\ud800"]))
            rec["page"] = rec["page"] + extra if draw(st.booleans()) else rec["page"][:100]
        elif op == "add":
            rec[draw(st.sampled_from(["meta", "zz", "fields", "evidence"]))] = draw(ODD_VALUES)
    line = json.dumps(rec, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 6)) == 0:  # byte-level damage
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.sampled_from(["", "\"", "}", "\\", "\\u", "\x00", "\n"])) \
            + line[at + draw(st.integers(0, 3)):]
    return line


@fuzz(200)
@given(st.lists(mutated_record(), min_size=1, max_size=3))
def test_mutated_records_raise_only_their_own_errors(lines):
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    docs = lenient(load_bytes, data, "f.ndjson", input_format="ndjson")
    for doc in docs or ():
        stripped = lenient(kt_clean.strip, doc)
        if stripped is None:
            continue
        assert_lossless(stripped, split_lines(doc.text))
        if doc.labels is not None:  # a record that was stripped already keeps its labels
            assert stripped.labels == doc.labels
        # The record written for the next stage reads back as the same labelled lines.
        [again] = load_bytes((json.dumps(stripped.to_record()) + "\n").encode(
            "utf-8", "surrogatepass"), "g.ndjson", input_format="ndjson")
        assert (again.lines, again.labels) == (stripped.lines, stripped.labels)
        art = lenient(kt_clean.article, stripped)
        if art is not None:
            assert_article(art, stripped)


# --- the command line, in process ---------------------------------------------------------

runner = CliRunner()


@fuzz(25, deadline_ms=4000)
@given(st.one_of(dump, html_page, st.lists(mutated_record(), min_size=1, max_size=2).map(
    "\n".join)), st.sampled_from([["extract", "-", "--json"], ["strip", "-"],
                                  ["diff", "-", "--no-color"], ["detect", "-"]]))
def test_cli_never_shows_a_traceback(page, command):
    result = runner.invoke(app, command, input=page.encode("utf-8", "surrogatepass"))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code in (0, 1), result.stderr
    if result.exit_code == 1:  # a failed input: one line per failure, nothing else
        assert result.stderr.endswith("\n") and all(
            line.startswith("kt-clean: error: ")
            for line in result.stderr[:-1].split("\n")), result.stderr
    elif command[0] in ("extract", "strip"):  # one JSON object per page or record
        assert result.stdout.endswith("\n")  # NDJSON: split at "\n" only (a page may hold U+2028)
        for line in result.stdout[:-1].split("\n"):
            record = json.loads(line)
            assert command[0] == "extract" or record["labels"] is not None


# --- encodings ----------------------------------------------------------------------------

TEXT_CODECS = ["utf-8", "latin-1", "utf-16", "utf-16-be", "utf-32", "cp949", "euc-kr",
               "shift_jis", "gb18030", "cp1252", "koi8-r", "utf-7", "idna",
               "unicode_escape", "raw_unicode_escape", "ascii", "nope", "", "utf-8-sig",
               "mbcs", "x" * 300, "../etc", "utf 8", "UTF8 ", "latin_1"]
#: Codecs that are no text encoding, and names no codec has: each a one-line InputError
#: (found by this fuzzing: rot13 and the like escaped as LookupError, 'undefined' and
#: 'punycode' as UnicodeError, a name with a NUL as ValueError).
NOT_TEXT_CODECS = ["rot13", "hex", "base64", "zlib", "bz2", "uu", "quopri", "undefined",
                   "punycode", "utf-8\x00"]


@fuzz(80)
@given(st.sampled_from(TEXT_CODECS), st.one_of(dump, html_page).map(
    lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=300))
def test_any_encoding_name_raises_only_its_own_errors(encoding, data):
    art = lenient(kt_clean.extract, data, source="f.txt", encoding=encoding)
    if art is None:
        return
    assert art.document is not None
    assert_lossless(art.document, art.document.lines)
    assert_article(art, art.document)


@pytest.mark.parametrize("encoding", NOT_TEXT_CODECS)
@pytest.mark.parametrize("data", [b"Title\n\nA line of text.\n", b"0"])
def test_a_codec_that_is_no_text_encoding_is_one_input_error(encoding, data):
    with pytest.raises(kt_clean.InputError, match=r"encoding|cannot decode") as err:
        kt_clean.extract(data, source="f.txt", encoding=encoding)
    assert "\n" not in str(err.value)


# --- layout rule files --------------------------------------------------------------------

RULE_FILES = sorted((ROOT / "kt_clean" / "layouts" / "rules").glob("*.toml"))
RULE_TEXTS = [p.read_text(encoding="utf-8") for p in RULE_FILES[:6]]
TOML_DAMAGE = st.sampled_from(["", "=", "[[", "]]", '"', "'''", "\\", "(", "[", "*", "{2,1}",
                               "(?P<x>", "\\d{99999}", "0", "-1", "1e999", "true", "\n",
                               "\x00", "é", "\ud800"])


@st.composite
def damaged_rule_file(draw) -> bytes:
    def edit(line: str) -> str:
        at = draw(st.integers(0, len(line)))
        return line[:at] + draw(TOML_DAMAGE) + line[at + draw(st.integers(0, 4)):]

    lines = draw(st.sampled_from(RULE_TEXTS)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        damage_one(draw, lines, edit)
    return "\n".join(lines).encode("utf-8", "replace")


@fuzz(60)
@given(damaged_rule_file())
def test_damaged_rule_files_raise_only_their_own_errors(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.toml"
        path.write_bytes(data)
        layouts = lenient(kt_clean.load_layouts, [path])
    if layouts is None:
        return
    for seed in SEED_FILES:
        [doc] = kt_clean.read(str(seed))
        stripped = lenient(kt_clean.strip, doc, layouts)
        if stripped is None:
            continue
        assert_lossless(stripped, doc.lines)
        art = lenient(kt_clean.article, stripped, layouts)
        if art is not None:
            assert_article(art, stripped)


def test_a_rule_file_that_is_not_utf8_is_a_layout_error(tmp_path):
    """Found by this fuzzing (issue #16): a bare UnicodeDecodeError used to escape."""
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"layout = 'caf\xe9'\n")
    with pytest.raises(kt_clean.LayoutError, match=r"latin1\.toml"):
        kt_clean.load_layouts([path])
