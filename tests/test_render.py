"""Rendering: Markdown that shows the page's text as it is (parsed back by markdown-it-py,
a CommonMark parser), YAML front matter that loads back as the record (PyYAML), and CSV
rows that read back as the record."""

import csv
import io
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kt_clean import render
from kt_clean.model import Article, Block
from kt_clean.render import csv_columns, md_escape, to_csv, to_front_matter, yaml_scalar

seeded = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
MD = MarkdownIt("commonmark")
#: Text as pages print it, heavy on what Markdown reads as markup.
markupish = st.lists(st.sampled_from([*"#*_`[]<>&!~|-+=.)(\\:;/ \"'",
                                      "a", "B", "1", "9", "é", "한", "&amp;", "&#35;", "<b>",
                                      "```", "---", "1. ", "* ", "<http://x.y>", "    "]),
                     min_size=1, max_size=40).map(lambda s: " ".join("".join(s).split())
                                                  ).filter(bool)


def shown_blocks(markdown):
    """(block type, the text a reader sees, the inline markup found: emphasis, code, link,
    HTML) of each block of a Markdown document."""
    blocks = []
    tokens = MD.parse(markdown)
    for i, token in enumerate(tokens):
        if token.type != "inline":
            continue
        text, markup = "", set()
        for child in token.children:
            if child.type == "text":
                text += child.content
            elif child.type == "softbreak":
                text += "\n"
            else:
                markup.add(child.type)
                text += child.content
        blocks.append((tokens[i - 1].type, text, markup))
    return blocks


@seeded
@given(title=markupish, paragraph=markupish, heading=markupish, item=markupish,
       caption=markupish, deck=markupish)
def test_markdown_shows_every_text_as_it_is(title, paragraph, heading, item, caption, deck):
    art = Article(source="p", layout="unknown", title=title, subtitle=deck,
                  captions=(caption,),
                  blocks=(Block("paragraph", paragraph), Block("subheading", heading),
                          Block("item", item)))
    blocks = shown_blocks(render(art, "markdown"))
    texts = [text for _, text, _ in blocks]
    kinds = [kind for kind, _, _ in blocks]
    assert [markup for _, _, markup in blocks] == [set(), {"em_open", "em_close"}, set(),
                                                   set(), set(), set()]
    assert texts == [title, deck, caption, paragraph, heading, item]
    assert kinds == ["heading_open", "paragraph_open", "paragraph_open", "paragraph_open",
                     "heading_open", "paragraph_open"]


def test_markdown_escapes_what_would_be_markup_and_leaves_plain_text_alone():
    assert md_escape("# 1 reason") == r"\# 1 reason"
    assert md_escape("5 * 3 = 15, a_b and [link](x)") == r"5 \* 3 = 15, a\_b and \[link\](x)"
    assert md_escape("1. First") == r"1\. First"
    assert md_escape("- not a list") == r"\- not a list"
    assert md_escape("U.S. President Donald Trump's 2nd summit") == (
        "U.S. President Donald Trump's 2nd summit")
    art = Article(source="p", layout="unknown", title="C# 12 #", blocks=())
    assert render(art, "markdown") == "# C# 12 \\#\n"
    assert shown_blocks(render(art, "markdown")) == [("heading_open", "C# 12 #", set())]


@seeded
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False,
                                                                   allow_infinity=False),
                 st.text(), st.lists(st.text(), max_size=4)))
def test_yaml_scalars_load_back_as_the_value(value):
    loaded = yaml.safe_load(f"key: {yaml_scalar(value)}\n")
    assert loaded == {"key": value}


def test_front_matter_loads_back_as_the_record_without_its_text():
    art = Article(source="a: b.txt", layout="unknown", title='"Quoted" #1: a\u2028b\x85',
                  authors=("Kim: Lee", "- Park"), published="2019-01-07T17:03:00+09:00",
                  page_type_confidence=0.75, tags=("yes", "no", "null", "~"),
                  blocks=(Block("paragraph", "Body."),))
    text = render(art, "markdown", front_matter=True)
    assert text.startswith("---\n")
    head, _, rest = text[4:].partition("\n---\n")
    data = yaml.safe_load(head)
    record = art.to_dict()
    assert data == {k: v for k, v in record.items()
                    if k not in ("body", "items", "subheadings", "captions")}
    assert rest == "\n" + render(art, "markdown")
    assert render(art, "text", front_matter=True) == to_front_matter(art) + "\n" + render(art)


def test_a_csv_row_reads_back_as_the_record_with_lists_joined():
    art = Article(source="p.txt", layout="print", title='Say "hi", then\nleave',
                  authors=("Kim", "Lee"), page_type_confidence=0.5,
                  blocks=(Block("paragraph", "One, two."), Block("paragraph", "Three")))
    rows = list(csv.reader(io.StringIO(to_csv(art, header=True), newline="")))
    assert rows[0] == list(csv_columns())
    row = dict(zip(rows[0], rows[1]))
    assert row["title"] == 'Say "hi", then\nleave' and row["authors"] == "Kim; Lee"
    assert row["body"] == "One, two.\n\nThree" and row["subtitle"] == ""
    assert row["page_type_confidence"] == "0.5"
    assert set(csv_columns()) == set(json.loads(render(art, "json"))) - {
        "items", "subheadings"}
