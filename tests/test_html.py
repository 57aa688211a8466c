"""Tests of the HTML input layer (kt_clean.html). No shared data needed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kt_clean.errors import HtmlError, InputError
from kt_clean.html import align_blocks, extract_html, looks_like_html, render_html
from kt_clean.html.result import HtmlArticle
from kt_clean.inputs.decode import decode


def decode_html(data, forced=None):
    """How an HTML page's bytes are decoded (kt-clean's one decoder, HTML policy)."""
    return decode(data, "page.html", forced, markup=True)

FIX = Path(__file__).parent / "fixtures" / "html"


def _read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------ extraction


def test_article_metadata():
    art = extract_html(_read("article.html"), url="https://herald.example/news/tunnel")
    assert isinstance(art, HtmlArticle)
    assert art.title == "Harbour tunnel opens after a decade of delays"
    assert art.subtitle == "Commuters save twenty minutes on the first morning"
    assert art.authors == ["Mara Lindqvist", "Jonas Berg"]
    assert art.published == "2024-03-05T08:30:00+01:00"
    assert art.updated == "2024-03-05T10:15:00+01:00"
    assert art.site_name == "Coastal Herald"
    assert art.section == "Transport"
    assert "tunnels" in art.categories and "infrastructure" in art.categories
    assert art.captions == ["The northern entrance of the harbour tunnel on opening day."]
    assert art.method in ("trafilatura", "readability")


def test_article_blocks_and_chrome_excluded():
    art = extract_html(_read("article.html"))
    kinds = [k for k, _ in art.blocks]
    texts = [t for _, t in art.blocks]
    assert texts[0].startswith("The long-awaited harbour tunnel opened")
    assert ("h", "Cost overruns and legal disputes") in art.blocks
    assert ("h", "What changes for drivers") in art.blocks
    assert ("li", "The tunnel is toll-free for the first three months.") in art.blocks
    assert kinds.count("li") == 3
    assert texts[-1].startswith("The coastal road will remain open")
    body = "\n".join(texts)
    for chrome in (
        "Sign in",
        "Privacy policy",
        "All rights reserved",
        "Related stories",
        "Bridge repairs",
        "secret-script-text",
        "Weather",
        "color: red",
    ):
        assert chrome not in body, chrome
    # the title is metadata, not a body block
    assert art.title not in texts
    assert "toll-free" in art.text


# ------------------------------------------------------------------ rendering

SMALL_GOLDEN = (
    "Main & only heading\n"
    "\n"
    "First paragraph with a link and bold text.\n"
    "\n"
    "Line one\n"
    "Line two\n"
    "\n"
    "  • Apples\n"
    "  • Pears\n"
    "      □ Conference\n"
    "      □ Williams\n"
    "\n"
    "    1. First step\n"
    "    2. Second step\n"
    "\n"
    "A div\n"
    "Another div\n"
    "\n"
    "Name  Qty\n"
    "Figs  3\n"
    "\n"
    # aria-hidden="true" hides from screen readers, not from the eye: rendered, as a
    # browser, w3m and the WCXB gold show it (the line model reads the attribute)
    "Screen readers skip this\n"
    "\n"
    "code  line 1\n"
    "  indented line 2\n"
    "\n"
    "Café <tag> €5\n"
)


def test_render_golden():
    assert render_html(_read("small.html")) == SMALL_GOLDEN


def test_render_keeps_what_only_screen_readers_skip():
    out = render_html("<html><body><p>Intro text.</p><div class='slide' aria-hidden='true'>"
                      "<p>Prepare to be impressed by this home.</p></div>"
                      "<p aria-hidden='false'>Shown too.</p></body></html>")
    assert out.splitlines() == ["Intro text.", "", "Prepare to be impressed by this home.", "",
                                "Shown too."]


def test_aria_hidden_is_a_hidden_token_for_the_line_model():
    from kt_clean.classifier import htmlmodel as hm
    from kt_clean.classifier.dom import DOM_NAMES
    from kt_clean.html import parse_html
    from kt_clean.html.render import render_page

    html = ("<html><body><article><p>A paragraph of the article text, long enough.</p>"
            "<div class='carousel'><div aria-hidden='true'><p>A slide the reader sees "
            "later.</p></div></div></article></body></html>")
    r = render_page(parse_html(html))
    page = hm.page_features(r.lines, r.kinds, r.origins, r.links)
    up_hidden = {r.lines[i].strip(): page.dom[k, DOM_NAMES.index("up_hidden")]
                 for k, i in enumerate(page.rows.tolist())}
    # levels up to the nearest element of the "hidden" token group: the slide's parent
    assert up_hidden["A slide the reader sees later."] == 1
    assert up_hidden["A paragraph of the article text, long enough."] > 3


def test_render_drops_hidden_and_scripts():
    out = render_html(_read("small.html"))
    for hidden in (
        "Hidden paragraph",
        "Invisible paragraph",
        "Enable JavaScript",
        "Template text",
        "var x",
        "Small page",
        "p{}",
    ):
        assert hidden not in out


def test_render_keeps_markup_after_the_documents_end():
    # A template that prints its article after </body></html> (a real blog did): browsers and
    # w3m show it, libxml2 alone drops it
    page = ("<html><head><title>T</title></head><body><nav>Menu</nav></body></html>\n"
            "<!-- the post -->\n<div class=post><h1>Headline</h1><p>First paragraph.</p></div>")
    out = render_html(page)
    assert "Menu" in out and "Headline" in out and "First paragraph." in out
    # (only comments and space after it: the page is parsed as it is)
    assert "Menu" in render_html("<html><body><p>Menu</p></body></html>\n<!-- x -->\n")


@pytest.mark.parametrize("tail,content", [
    ("", False),
    ("  \n", False),
    ("<!-- the end -->\n<!-- x -->", False),
    ("<!-- never closed", False),
    ("\n<p>b</p>", True),
    ("<!--><div>post</div>", True),   # (an empty comment, in HTML5)
    ("<!---><div>post</div>", True),
    ("<!-- a --!><div>post</div>", True),
])
def test_what_follows_the_documents_end(tail, content):
    from kt_clean.html.parse import _content_after_end, prepare

    for end in ("</html>", "</HTML >", "</html\n>", "</html foo>"):
        page = "<html><body><p>a</p></body>" + end + tail
        assert _content_after_end(page) is content, (end, tail)
        # the end tags go only when content follows them
        assert ("html" not in prepare(page).lower().split("</body>")[1]) is content
    assert not _content_after_end("<p>a</p></htmlx><p>b</p>")
    # (a custom element's end tag is no end of the document)
    assert not _content_after_end("<html-box><p>a</p></html-box><p>b</p>")


def test_render_article_has_chrome():
    out = render_html(_read("article.html"))
    assert "  • Home" in out and "Privacy policy" in out and "toll-free" in out
    assert "secret-script-text" not in out


def test_render_deep_nesting_is_bounded():
    html = (
        "<html><body>"
        + "<div><span>" * 50_000
        + "deep text"
        + "</span></div>" * 50_000
        + "</body></html>"
    )
    t = time.time()
    out = render_html(html)
    assert time.time() - t < 20
    assert isinstance(out, str)


def test_deep_nesting_keeps_the_text():
    html = "<html><body>" + "<div><span>" * 50_000 + "deep text" + "</span></div>" * 50_000
    assert "deep text" in render_html(html + "</body></html>")


def test_flatten_deep_cuts_exactly_below_the_limit():
    """Elements deeper than the limit are flattened into their ancestor at the limit (their
    text kept); a tree that reaches the limit and no further is left as it is."""
    from kt_clean.html.parse import flatten_deep, parse_html
    from kt_clean.limits import Limits

    def tree(depth):  # html > body > div x depth: the innermost div is at depth 1 + depth
        return parse_html("<html><body>" + "<div>" * depth + "<b>x</b>" + "</div>" * depth
                          + "</body></html>", Limits(max_html_depth=1000))

    root = tree(8)  # the <b> is at depth 10
    assert flatten_deep(root, 10) == 0 and root.find(".//b") is not None
    root = tree(8)
    assert flatten_deep(root, 9) == 1  # the innermost div (depth 9) loses its <b>, keeps x
    assert root.find(".//b") is None and root.text_content() == "x"


def test_html_with_more_elements_than_the_limit_is_refused_in_one_line():
    """1.2 million unclosed <p> took 14 s to parse, flatten and render before the line
    limit refused it; the element count refuses it right after the parse."""
    import kt_clean
    from kt_clean.errors import InputError
    from kt_clean.limits import Limits

    # (distinct paragraphs: 200 copies of one line are, rightly, duplicates to the line model)
    html = ("<html><body>" + "".join(f"<p>Paragraph {i} of a page at the limit" for i in range(200))
            + "</body></html>")
    with pytest.raises(InputError, match=r"HTML has 202 elements; the limit is 150") as err:
        kt_clean.extract(html.encode(), source="p.html", limits=Limits(max_html_elements=150))
    assert err.value.reason == "too-large"
    art = kt_clean.extract(html.encode(), source="p.html", limits=Limits(max_html_elements=202))
    assert art.body.count("Paragraph") == 200


def test_extract_deep_nesting_does_not_crash():
    html = (
        "<html><body>"
        + "<div>" * 20_000
        + "<p>"
        + "word " * 300
        + "</p>"
        + "</div>" * 20_000
        + "</body></html>"
    )
    art = extract_html(html)  # no exception: a result
    assert isinstance(art, HtmlArticle)


def test_extract_deep_nesting_keeps_the_text():
    html = "<html><body>" + "<div>" * 20_000 + "<p>" + "word " * 300 + "</p>" + "</div>" * 20_000
    assert extract_html(html + "</body></html>").text.count("word") == 300


# ------------------------------------------------------------------ decoding

KO = (
    "서울시는 오늘 새로운 대중교통 정책을 발표했습니다. 시민들은 지하철과 버스를 더 저렴하게 이용할 수 있게 됩니다. "
    * 4
)
FR = "Le café crème coûte 5 € à l’été — c’est « très » cher, naïve Zoë."


@pytest.mark.parametrize("meta", [True, False])
def test_decode_euc_kr(meta):
    head = '<meta charset="euc-kr">' if meta else ""
    page = f"<html><head>{head}<title>뉴스</title></head><body><p>{KO}</p></body></html>"
    text, enc = decode_html(page.encode("euc-kr"))
    assert KO in text
    assert enc == "cp949"


def test_decode_http_equiv_ks_c():
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987"></head><body>{KO}</body></html>'
    text, enc = decode_html(page.encode("cp949"))
    assert KO in text and enc == "cp949"


@pytest.mark.parametrize("meta", [True, False])
def test_decode_cp1252(meta):
    head = (
        '<meta http-equiv="content-type" content="text/html; charset=iso-8859-1">' if meta else ""
    )
    page = f"<html><head>{head}</head><body><p>{FR}</p><p>{FR}</p></body></html>"
    text, enc = decode_html(page.encode("cp1252"))
    assert FR in text
    assert enc == "windows-1252"


def test_decode_bom_forced_and_utf8():
    page = "<p>Grüße</p>"
    assert decode_html(b"\xef\xbb\xbf" + page.encode()) == (page, "utf-8")
    assert decode_html(page.encode("utf-16"))[0] == page
    assert decode_html(page.encode("utf-8")) == (page, "utf-8")
    assert decode_html(page.encode("cp1252"), forced="latin-1") == (page, "windows-1252")
    with pytest.raises(InputError, match="unknown encoding"):
        decode_html(b"<p>x</p>", forced="no-such-codec")


def test_decode_wrong_declaration_falls_back():
    page = '<meta charset="utf-8"><p>' + FR + "</p>"
    text, _enc = decode_html(page.encode("cp1252"))
    assert FR in text


# ------------------------------------------------------------------ safety


def test_external_entities_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.setblocking(False)
    port = srv.getsockname()[1]
    page = (FIX / "xxe.html").read_text().replace("file:///etc/passwd", secret.as_uri())
    page = page.replace("127.0.0.1:9", f"127.0.0.1:{port}")
    try:
        outs = [render_html(page), render_html(_read("xxe.html"))]
        for html in (page, _read("xxe.html")):
            art = extract_html(html)
            outs.append("\n".join(t for _, t in art.blocks))
        for out in outs:
            assert "TOP-SECRET-MARKER" not in out
            assert "root:" not in out
            assert "%remote" not in out
        assert "Plain paragraph that should survive" in outs[0]
        with pytest.raises(BlockingIOError):
            srv.accept()  # nobody connected
    finally:
        srv.close()


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x00"])
def test_empty_input_raises_value_error(bad):
    with pytest.raises(ValueError):
        render_html(bad)
    with pytest.raises(ValueError):
        extract_html(bad)


def test_non_str_raises_value_error():
    with pytest.raises(ValueError):
        extract_html(b"<html></html>")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        decode_html("not bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "rendered", "extracted"),
    [
        ("<html><body><p>Unclosed <b>bold <div></span></table><li>item</p></i>",
         "Unclosed bold\n  • item\n", "Unclosed bold item"),
        ("<<<>>><!-- never closed", "<<<>>>\n", ""),
        ("<html><body></body></html>", "", ""),
        ("</div></div></p>", HtmlError, HtmlError),
        ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
         "<x>&b;&b;</x>", "&b;&b;\n", "&b;&b;"),  # entities never expanded
    ],
)
def test_malformed_input_gives_what_it_holds_or_a_clean_error(bad, rendered, extracted):
    for call, expected in ((render_html, rendered), (lambda h: extract_html(h).text, extracted)):
        if expected is HtmlError:
            with pytest.raises(HtmlError, match=r"^unparseable HTML"):
                call(bad)
        else:
            assert call(bad) == expected


def test_huge_input_refused_not_cut():
    html = "<html><body>" + "<p>Some words here for the test.</p>" * 200_000 + "</body></html>"
    assert len(html) > 5_000_000
    with pytest.raises(HtmlError, match="the limit is 5,000,000 characters"):
        render_html(html)


def test_huge_input_without_its_scripts_is_kept_whole():
    html = ("<html><head><script>" + "x" * 6_000_000 + "</script></head><body><!-- c -->"
            "<p>first words</p><p>last words</p></body></html>")
    out = render_html(html)
    assert "first words" in out and "last words" in out


# ------------------------------------------------------------------ sniffing and alignment


def test_looks_like_html():
    assert looks_like_html(_read("article.html"))
    assert looks_like_html("\ufeff  <!DOCTYPE html><html><body>x</body></html>")
    assert looks_like_html("<div class='a'><p>x</p><p>y</p></div>")
    assert not looks_like_html(
        "Harbour tunnel opens\n\nThe long-awaited tunnel opened on <b>Tuesday</b>.\n"
    )
    assert not looks_like_html('{"url": "https://x", "html": "<html><body><p>x</p></body></html>"}')
    assert not looks_like_html("")
    assert not looks_like_html(render_html(_read("article.html")))


def test_align_blocks():
    html = _read("article.html")
    lines = render_html(html).split("\n")
    art = extract_html(html)
    flags = align_blocks(lines, art.blocks)
    assert len(flags) == len(lines)
    kept = [ln for ln, f in zip(lines, flags) if f]
    assert any("toll-free" in ln for ln in kept)
    assert any(ln.strip() == "Cost overruns and legal disputes" for ln in kept)
    assert not any("Privacy policy" in ln for ln in kept)
    assert not any(ln.strip() == "• Home" for ln in kept)


def test_align_blocks_is_linear():
    lines = [f"line number {i} with some words" for i in range(50_000)]
    blocks = [("p", f"line number {i} with some words") for i in range(0, 50_000, 2)]
    t = time.time()
    flags = align_blocks(lines, blocks)
    assert time.time() - t < 5
    assert flags[0] and not flags[1]


def test_lazy_imports():
    code = (
        "import sys, kt_clean; before = set(sys.modules); import kt_clean.html; "
        "new = set(sys.modules) - before; "
        "heavy = [m for m in new if m.split('.')[0] in ('lxml', 'trafilatura', 'readability', 'chardet')]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_streamed_parts_are_moved_to_their_places():
    # React streams an article in a hidden div that its script moves to a template
    from kt_clean.html.parse import parse_html

    html = ("<html><body><nav>Home</nav><main><template id='B:0'></template>after</main>"
            "<footer>Footer</footer><div hidden id='S:0'><h1>Streamed headline</h1>"
            "<p>The streamed article text.</p><template id='P:1'></template></div>"
            "<div hidden id='S:1'><p>A nested part.</p></div></body></html>")
    root = parse_html(html)
    text = render_html(root)
    assert text.index("Streamed headline") < text.index("after") < text.index("Footer")
    assert text.index("The streamed article text.") < text.index("A nested part.")
    assert not root.xpath("//div[@hidden]") and not root.xpath("//template")
    # a hidden div with no place stays hidden
    assert "Secret" not in render_html(parse_html(
        "<html><body><p>Text</p><div hidden id='S:9'>Secret</div></body></html>"))
