"""HTML pages through the whole pipeline: same commands, same JSON keys, same account of lines."""

import gzip
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import kt_clean
from conftest import GOLDEN, ROOT
from kt_clean.cli import app
from kt_clean.errors import InputError
from kt_clean.inputs import load_bytes

KT = ROOT / "tests" / "fixtures" / "kt"
GENERIC = ROOT / "tests" / "fixtures" / "html" / "article.html"
runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.mark.parametrize("html,seed", [("print", "000_565ea5bced93b1ee"),
                                       ("full-nav", "003_67df4e5bb0c6f5bf")])
def test_korea_times_page_saved_as_html_gives_the_same_json_as_its_text_dump(html, seed):
    got = json.loads(run("extract", KT / f"{html}.html", "--json").stdout)
    want = json.loads((GOLDEN / f"{seed}.json").read_text(encoding="utf-8"))
    got.pop("source"), want.pop("source")
    assert got == want


@pytest.mark.parametrize("html", ["print.html", "full-nav.html", "../html/article.html"])
@pytest.mark.parametrize("fmt", ["--json", "--markdown"])
def test_html_chains_through_the_stages_byte_for_byte(html, fmt):
    page = KT / html
    stripped = run("strip", "-", input=run("detect", page, "--json").stdout)
    assert run("emit", "-", fmt, input=stripped.stdout).stdout == run("extract", page, fmt).stdout


def test_generic_html_article_metadata_and_structure():
    art = json.loads(run("extract", GENERIC, "--json").stdout)
    assert art["layout"] == "unknown"
    assert art["title"] == "Harbour tunnel opens after a decade of delays"
    assert art["authors"] == ["Mara Lindqvist", "Jonas Berg"]
    assert art["published"] == "2024-03-05T08:30:00+01:00"
    assert art["site_name"] == "Coastal Herald"
    assert art["captions"] == ["The northern entrance of the harbour tunnel on opening day."]
    assert "Cost overruns and legal disputes" in art["subheadings"]
    assert "\n\nCost overruns and legal disputes\n\n" in art["body"]
    assert "Sign in to your account" not in art["body"]
    md = run("extract", GENERIC, "--markdown").stdout
    assert "\n## What changes for drivers\n" in md and "\n- The tunnel is toll-free" in md


def test_html_explain_accounts_for_every_rendered_line():
    doc = kt_clean.strip(kt_clean.read(str(GENERIC))[0])
    assert doc.input_format == "html" and len(doc.labels) == len(doc.lines)
    removed = {t.strip(): lab for _, t, lab in doc.removed_lines() if t.strip()}
    # the reason from the line's element (a menu in <nav>), the rule from the model's group
    assert removed["• Home"].tag == "nav" and removed["Sign in to your account"].tag == "boilerplate"
    assert all(lab.rule.startswith("html:model.") for lab in removed.values())
    kept = {t.strip(): lab.tag for _, t, lab in doc.kept_lines()}
    assert kept["Harbour tunnel opens after a decade of delays"] == "title"
    art = json.loads(run("extract", GENERIC, "--json", "--explain").stdout)
    assert [r["line"] for r in art["removed"]] == [i + 1 for i, _, _ in doc.removed_lines()]


KOREAN_ARTICLE = ("<h1>서울 미세먼지 최악</h1><p>" + "서울시는 목요일 초미세먼지 농도가 관측 이래 최고치를 "
                  "기록했다고 밝혔다. 시는 비상저감조치를 사흘 연속 발령했다. " * 6 + "</p>")


@pytest.mark.parametrize("declared", [True, False])
def test_euc_kr_html_with_or_without_a_declared_charset(tmp_path, declared):
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">' if declared else ""
    page = tmp_path / "kr.html"
    page.write_bytes(f"<html><head>{meta}<title>뉴스</title></head><body>{KOREAN_ARTICLE}"
                     "</body></html>".encode("euc-kr"))
    art = json.loads(run("extract", page, "--json").stdout)
    assert art["encoding"] in ("cp949", "euc-kr", "euc_kr")
    assert "초미세먼지 농도가 관측 이래 최고치를" in art["body"]


def test_windows_1252_html(tmp_path):
    page = tmp_path / "fr.html"
    text = ("<p>Le café crème de la façade coûte désormais deux euros, déclare le gérant du "
            "restaurant situé près de la gare centrale, où les habitués s’étonnent.</p>") * 4
    page.write_bytes(f"<html><head><title>Café</title></head><body><h1>Le café</h1>{text}"
                     "</body></html>".encode("cp1252"))
    art = json.loads(run("extract", page, "--json").stdout)
    assert art["encoding"] in ("cp1252", "windows-1252")
    assert "café crème de la façade coûte" in art["body"] and "s’étonnent" in art["body"]


def test_gzipped_html(tmp_path):
    page = tmp_path / "print.html.gz"
    page.write_bytes(gzip.compress((KT / "print.html").read_bytes()))
    art = json.loads(run("extract", page, "--json").stdout)
    assert art["layout"] == "print" and art["title"].startswith("2nd Trump-Kim summit")


def test_input_format_override():
    doc = kt_clean.read(str(GENERIC), input_format="text")[0]
    assert doc.input_format == "text" and doc.lines[0].lstrip().startswith("<")
    assert kt_clean.read(str(GENERIC))[0].input_format == "html"
    forced = kt_clean.read(str(KT / "print.html"), input_format="html")[0]
    assert forced.input_format == "html" and "ⓕ font-size" in forced.lines


@pytest.mark.parametrize("data,problem", [
    (b"", "empty file"),
    (b"<html><body>   </body></html>", "without any text$"),
    (b"<html><head><script src='app.js'></script></head><body><div id='main'></div>"
     b"</body></html>", "without any text \\(only its head: scripts load its content"),
    (b"<html><head><title>A forum thread</title><link rel='preload' as='script' href='a.js'>"
     b"</head><body><section id='main'></section></body></html>", "only its head"),
])
def test_bad_html_is_one_clear_error(data, problem):
    with pytest.raises(InputError, match=problem):
        load_bytes(data, "bad.html", input_format="html")


def test_malformed_html_does_not_crash(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><div><p>Unclosed <b>tags <i>everywhere " + "<div>" * 3000
                    + "A sentence that is long enough to be the article of this broken page."
                    + "</body>", encoding="utf-8")
    result = run("extract", page, "--json")
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr
    assert len(result.stderr.strip().split("\n")) <= 1


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    page = tmp_path / "xxe.html"
    page.write_text(f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">'
                    '<!ENTITY net SYSTEM "http://127.0.0.1:9/x">]><html><body><h1>Title</h1>'
                    "<p>&xxe; &net; An article paragraph that is long enough to count as text "
                    "for the extractor, with a second sentence as well.</p></body></html>",
                    encoding="utf-8")
    result = run("extract", page, "--json", "--explain")
    assert "TOP-SECRET-CONTENT" not in result.stdout + result.stderr


def test_text_pages_do_not_import_the_html_stack():
    code = ("import sys; from kt_clean.cli import main; sys.argv = ['kt-clean', 'extract', "
            f"{str(ROOT / 'seeds' / '003_67df4e5bb0c6f5bf.txt')!r}, '--json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('lxml', 'trafilatura', 'readability', 'chardet') if m in sys.modules]\n"
            "sys.stderr.write(repr(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip() == "[]"


@pytest.mark.parametrize("wrapper", ['<div hidden id="S:0">{}</div>', "<noscript>{}</noscript>"])
def test_text_a_script_would_reveal_is_rendered_rather_than_reported_missing(tmp_path, wrapper):
    # Next.js streams pages inside <div hidden>; Discourse serves crawlers <noscript> content.
    article = ("<h1>Forum thread title</h1>" + "<p>A reply with enough words to be read as "
               "the main text of the page, as a crawler would see it.</p>" * 4)
    page = tmp_path / "hidden.html"
    page.write_text(f"<!DOCTYPE html><html><body>{wrapper.format(article)}</body></html>",
                    encoding="utf-8")
    art = json.loads(run("extract", page, "--json").stdout)
    assert "A reply with enough words" in art["body"]


def test_a_thread_served_in_noscript_under_a_visible_header_is_rendered(tmp_path):
    # Discourse: the app's header and footer are visible (more than a few words), the
    # thread itself is in <noscript> for clients without scripts, as w3m shows it.
    chrome = ("<header><a href='/'>Community Forums</a> <a href='/latest'>Latest topics</a> "
              "<a href='/categories'>Categories</a></header>"
              + "<p>Share and learn in the community: sign up to post and reply.</p>" * 5)
    post = "<p>I am trying to resolve one container from another and the lookup fails.</p>"
    thread = f"<noscript><h1>Confusing resolver structure</h1>{post * 20}</noscript>"
    page = tmp_path / "thread.html"
    page.write_text(f"<html><body>{chrome}{thread}</body></html>", encoding="utf-8")
    doc = kt_clean.read(str(page))[0]
    assert "the lookup fails" in doc.text and "Confusing resolver structure" in doc.text


def test_a_short_noscript_notice_stays_hidden(tmp_path):
    visible = "<p>" + "Visible paragraph of the article with plenty of ordinary words. " * 6 + "</p>"
    notice = "<noscript><p>Please enable JavaScript to view the comments.</p></noscript>"
    page = tmp_path / "notice.html"
    page.write_text(f"<html><body><h1>Title</h1>{visible}{notice}</body></html>",
                    encoding="utf-8")
    assert "enable JavaScript" not in kt_clean.read(str(page))[0].text


def test_visible_text_is_not_mixed_with_hidden_text(tmp_path):
    visible = "<p>" + "Visible paragraph of the article with plenty of ordinary words. " * 6 + "</p>"
    page = tmp_path / "mixed.html"
    page.write_text(f"<html><body><h1>Title</h1>{visible}<div hidden><p>SECRET-HIDDEN-MENU"
                    "</p></div></body></html>", encoding="utf-8")
    doc = kt_clean.read(str(page))[0]
    assert "SECRET-HIDDEN-MENU" not in doc.text


def test_binary_file_forced_as_html_is_refused(tmp_path):
    png = tmp_path / "image.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run("extract", png, "--input-format", "html", "--json")
    assert result.exit_code == 1 and result.stdout == ""
    assert "image.png: binary" in result.stderr


def _keep_only(monkeypatch, keep):
    """Make the line model's labels keep only the lines ``keep`` accepts (as a model that
    keeps next to nothing of a store's grid would)."""
    from kt_clean.cleaners import html as cleaner
    from kt_clean.model import Label

    real = cleaner._labels

    def labels(lines, *args):
        got = real(lines, *args)
        return [lab if lab.tag == "title" or not lab.kept or keep(lines[i].strip())
                else Label(False, "boilerplate", "html:model.dom")
                for i, lab in enumerate(got)]

    monkeypatch.setattr(cleaner, "_labels", labels)


def _grid_page(headline="<h1>Gift sets</h1>", printed="", title="Gift sets"):
    return (f"<html><head><title>{title}</title>"
            "<meta property='article:published_time' content='2024-03-05T08:30:00+01:00'>"
            f"</head><body>{headline}{printed}"
            "<p>Members save on every gift set in our store</p>"
            + "".join(f"<div class='card'><p>{name}</p><p>{price}</p></div>"
                      for name, price in [
                          ("Cedar Candle Duo", "€34"), ("Fig Leaf Trio", "€42"),
                          ("Amber Soap Pair", "€18"), ("Linen Mist Set", "€26"),
                          ("Travel Wick Kit", "€15"), ("Wool Throw and Candle", "€88")])
            + "<p>Prices as of 12 January 2023</p></body></html>")


GRID = _grid_page()


def _grid(tmp_path, html=GRID):
    page = tmp_path / "grid.html"
    page.write_text(html, encoding="utf-8")
    return kt_clean.strip(kt_clean.read(str(page))[0])


def _fallback(monkeypatch):
    # (a line just under the 50 characters the body needs)
    _keep_only(monkeypatch, lambda line: line == "Members save on every gift set in our store")


def test_a_page_the_line_model_keeps_next_to_nothing_of_is_labelled_by_the_text_classifier(
        monkeypatch, tmp_path):
    _fallback(monkeypatch)
    doc = _grid(tmp_path)
    assert "html-near-empty" in doc.evidence
    assert doc.meta["extracted"]["method"] == "lines"
    kept = [line.strip() for line, lab in zip(doc.lines, doc.labels) if lab.kept]
    assert "Cedar Candle Duo" in kept and "Wool Throw and Candle" in kept
    assert all(lab.rule.startswith("generic:") for lab in doc.labels)
    # the markup's metadata stays: the headline is the markup's, not the text
    # classifier's guess from the lines, which is text
    art = kt_clean.article(doc)
    assert art.title == "Gift sets"
    assert "Cedar Candle Duo" in art.body
    # the page type is the one a record read back from NDJSON gets
    back = kt_clean.article(kt_clean.Document.from_record(doc.to_record()))
    assert (art.page_type, art.page_type_confidence) == (back.page_type,
                                                         back.page_type_confidence)


@pytest.mark.parametrize("printed,published", [
    # the markup's day printed: the markup's date, with its time
    ("<p>March 5, 2024</p>", "2024-03-05T08:30:00+01:00"),
    # another day printed under the headline: the reader's date, as on the model's path
    ("<p>May 5, 2025</p>", "2025-05-05")])
def test_a_fallback_page_s_date_is_chosen_as_on_the_line_model_s_path(
        monkeypatch, tmp_path, printed, published):
    _fallback(monkeypatch)
    art = kt_clean.article(_grid(tmp_path, _grid_page(printed=printed)))
    assert art.published == published


@pytest.mark.parametrize("markup_title,title_tag,deck_tag", [
    # the markup names the headline the header search found (with the site's name after
    # it on the page): it stays the title, and its deck the subtitle
    ("Library hours extended for all", "title", "subtitle"),
    # the markup names another headline: the header search's is text, its deck too
    ("City council meets on Monday", "subheading", "body")])
def test_the_markup_s_headline_decides_what_the_header_search_s_guess_is(
        markup_title, title_tag, deck_tag):
    from kt_clean.cleaners.html import _markup_header
    from kt_clean.model import Label

    lines = ["Library hours extended for all | City News", "Open until nine on weekdays",
             "The city library will stay open later from next week, the council said."]
    labels = [Label(True, "title", "generic:title"), Label(True, "subtitle", "generic:subtitle"),
              Label(True, "body", "generic:model")]
    fields = {"title": ["Library hours extended for all"],
              "subtitle": ["Open until nine on weekdays"]}
    _markup_header(lines, labels, fields, {"title": markup_title})
    assert [lab.tag for lab in labels] == [title_tag, deck_tag, "body"]
    assert "title" not in fields  # the markup's title is the article's
    assert ("subtitle" in fields) == (deck_tag == "subtitle")


def test_a_near_empty_body_stays_when_the_text_classifier_keeps_no_more(monkeypatch, tmp_path):
    from kt_clean.cleaners import html as cleaner

    _keep_only(monkeypatch, lambda line: False)
    monkeypatch.setattr(cleaner, "_clean_by_lines",
                        lambda doc, root, url, why, md: doc.replace(
                            labels=tuple(kt_clean.Label(False, "boilerplate", "generic:x")
                                         for _ in doc.lines)))
    doc = _grid(tmp_path)
    assert "html-near-empty" not in doc.evidence
    assert doc.meta["extracted"]["method"].startswith("model-")


def test_a_body_of_enough_text_is_the_line_model_s(monkeypatch, tmp_path):
    _keep_only(monkeypatch, lambda line: True)
    doc = _grid(tmp_path)
    assert "html-near-empty" not in doc.evidence
    assert any(lab.rule.startswith("html:model") and lab.kept for lab in doc.labels)


def test_a_record_whose_text_is_not_its_html_s_rendering_says_so():
    html = "<html><head><title>Harbour news</title></head><body><p>Short.</p></body></html>"
    text = ("The harbour reopened on Monday after a week of repairs to the outer wall, and "
            "the first ferries left on time.\n")
    doc = kt_clean.strip(kt_clean.Document(source="rec.json", text=text, input_format="html",
                                           meta={"html": html}))
    assert "html-text-not-its-rendering" in doc.evidence
    assert "html-too-many-elements" not in doc.evidence
    assert doc.meta["extracted"]["method"] == "lines"
