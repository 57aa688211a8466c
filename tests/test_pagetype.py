"""The page-type classifier (kt_clean/classifier/pagetype.py).

Hand-written pages of each type classify as expected; the return is always a type of the
vocabulary with a probability; odd input does not crash. When ../shared/data/wcxb-dev is
present, the shipped model (trained on all of it) must get a fixed sample right: a
regression floor, not a measure of accuracy (that is bench/train_pagetype.py's grouped
cross-validation).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from kt_clean.classifier.htmlmodel import page_features
from kt_clean.classifier.pagetype import (
    HTML_NAMES,
    LINE_NAMES,
    NAMES,
    TYPES,
    LineFeatures,
    classify_page,
    features,
    html_features,
    line_values,
)
from kt_clean.html.parse import parse_html
from kt_clean.html.render import render_page

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "wcxb-dev"
TYPE_MAP = {"listing": "list", "collection": "list"}

PRODUCT = """Home  Shop  Cart (0)  Login
Men > Shoes > Running

Trailrunner 5 Running Shoe
★★★★☆ 4.6 out of 5 (212 Reviews)
$129.99
$149.99
In stock. Free shipping on orders over $50.
Size
7  8  9  10  11
Quantity
1
Add to cart
Buy now
Add to wishlist
SKU: TR5-BLK-10
Product details
Lightweight mesh upper, cushioned midsole, rubber outsole.
Specifications
Weight: 280 g
Customer reviews
Write a review
Great shoe, very comfortable.
Related products
Trailrunner 4 $99.99  Add to cart
Roadster 2 $89.99  Add to cart
"""

FORUM = """Forums  What's new  Members  Log in  Register
Home > Forums > Hardware > Graphics cards
Thread: GPU fan noise after driver update
Started by techfan, Mar 3, 2024
#1
techfan
Member
Joined: Jan 2019
Posts: 412
After the latest driver update my GPU fans spin up loudly even at idle. Anyone else seeing this?
Reply  Quote  Report
#2
oldtimer
Moderator
Joined: Feb 2010
Posts: 9,871
Yes, roll back to the previous driver; it is a known issue with the fan curve.
Reply  Quote  Report
#3
techfan
Member
Joined: Jan 2019
Posts: 413
techfan replied: thanks, rolling back fixed it.
Like  Reply  Quote
You must log in or register to reply here.
Similar threads
"""

DOCS = """Docs  API reference  Guides  Changelog  GitHub
Search docs
Table of contents
Installation
Getting started
API reference
client.get_items(limit=10, offset=0)
Returns a list of items from the server.
Parameters
limit (int, optional) - the maximum number of items. Default: 10.
offset (int, optional) - where to start. Default: 0.
Returns
list of Item
Example
>>> from example import Client
>>> client = Client(api_key="...")
>>> items = client.get_items(limit=5)
def get_items(self, limit: int = 10) -> list[Item]:
    return self._request("GET", "/items", params={"limit": limit});
Raises
ValueError - if limit is negative.
Edit this page
Was this page helpful?
Previous: Authentication
Next: Pagination
"""

ARTICLE = """Home  World  Business  Sport  Opinion
World
Flood waters recede as towns begin a long clean-up
By Jane Smith
March 4, 2024 · 5 min read
Residents of the river towns returned on Monday to find homes and shops coated in mud, after the worst floods the region has seen in more than forty years.
Emergency crews worked through the night to restore power to thousands of households, while volunteers handed out water and blankets at the town hall.
"We have never seen the water come up this fast," said the mayor, who spent the weekend coordinating the evacuation of the lowest streets along the river bank.
Officials said the damage would take months to assess, and that the national government had promised aid to farmers whose fields were flooded just before the spring planting.
Scientists say heavier rainfall in the region is consistent with a warming climate, and that towns along the river will need better defences in the years to come.
The regional council will meet on Thursday to decide how the first emergency funds are spent, and residents are invited to attend.
Share this article
Related articles
Copyright 2024 The Daily Example. All rights reserved.
"""

LISTING = """Home  News  Business  Sport  Tech
Latest news
Central bank holds interest rates steady for third month
March 4, 2024
The decision was expected by most economists, who see inflation easing slowly.
Read more
Tech giant unveils new phone with longer battery life
March 4, 2024
The launch event showed a thinner design and a faster chip.
Read more
Local team wins the cup after dramatic penalty shoot-out
March 3, 2024
Fans celebrated late into the night in the town square.
Read more
City council approves plan for new cycle lanes downtown
March 3, 2024
The network will connect the station with the university campus.
Read more
Storm warning issued for the coast this weekend
March 2, 2024
Forecasters expect gusts of up to 120 km/h on Saturday.
Read more
1 2 3 4 5 Next »
Older posts
"""

#: Real pages come with their site's menus and footer: the hand-written ones get the same.
CHROME_TOP = """Skip to content
  • Home
  • News
  • About
  • Contact
Search
Subscribe
"""
CHROME_BOTTOM = """
  • Privacy policy
  • Terms of use
  • Cookie settings
Follow us on Facebook, X and Instagram
© 2024 Example Media Group. All rights reserved.
"""

EXPECTED = {"product": PRODUCT, "forum": FORUM, "documentation": DOCS, "article": ARTICLE,
            "list": LISTING}


# A short hand-written news listing (five items) reads as product/article to the text model,
# which learnt lists from WCXB's long listing pages: a known weakness, kept visible.
_SHORT_LIST = pytest.param("list", marks=pytest.mark.xfail(
    reason="short hand-written listing: the text model misreads it", strict=False))


@pytest.mark.parametrize("expected", [*sorted(set(EXPECTED) - {"list"}), _SHORT_LIST])
def test_hand_written_pages(expected: str) -> None:
    lines = (CHROME_TOP + EXPECTED[expected] + CHROME_BOTTOM).splitlines()
    kind, p = classify_page(lines)
    assert kind == expected, (kind, p)
    assert 0.0 <= p <= 1.0


def test_html_page_with_tree() -> None:
    body = "".join(f"<p>{line}</p>" for line in PRODUCT.splitlines())
    html = ("<html><head><title>Trailrunner 5 | Shop</title>"
            '<script type="application/ld+json">{"@context": "https://schema.org", '
            '"@type": "Product", "name": "Trailrunner 5"}</script>'
            '<meta property="og:type" content="product">'
            '<link rel="canonical" href="https://shop.example.com/products/trailrunner-5">'
            f'</head><body><div class="product"><form class="cart">{body}'
            '<button class="add-to-cart">Add to cart</button></form></div></body></html>')
    root = parse_html(html)
    lines, lf = _rendered(root)
    kind, p = classify_page(lines, [True] * len(lines), root, None, lf)
    assert kind == "product"
    assert 0.0 <= p <= 1.0


def _rendered(root: Any) -> tuple[list[str], LineFeatures]:
    """A tree's rendered lines and the line model's features of them, every line kept."""
    r = render_page(root)
    page = page_features(r.lines, r.kinds, r.origins, r.links)
    return list(r.lines), LineFeatures(page.text, page.dom, [True] * len(page.rows))


def test_html_view_reads_the_line_models_features() -> None:
    """An HTML page's type reads the features the HTML cleaner made of its lines (cached
    with the page, not made again), and they weigh in its answer."""
    import kt_clean
    from kt_clean.inputs import load_bytes

    html = ("<html><head><title>Trailrunner 5 | Shop</title></head><body><div>"
            + "".join(f"<p>{line}</p>" for line in PRODUCT.splitlines()) + "</div></body></html>")
    doc = kt_clean.strip(load_bytes(html.encode(), "p.html")[0])
    page = doc.derived("html_lines", lambda d: pytest.fail("the cleaner did not keep them"))
    assert page.text.shape[0] == len(page.rows) > 10
    root = doc.derived("html_root", lambda d: parse_html(html))
    kept = [lab.kept and lab.tag != "blank" for lab in doc.labels or ()]
    lf = LineFeatures(page.text, page.dom, [kept[i] for i in page.rows])
    with_lines = html_features(doc.lines, kept, root, None, *lf)[0]
    without = html_features(doc.lines, kept, root, None)[0]
    assert with_lines[HTML_NAMES.index("has_lines")] == 1.0
    assert without[HTML_NAMES.index("has_lines")] == 0.0
    assert with_lines[HTML_NAMES.index("lines_kept_share")] == pytest.approx(
        sum(lf.kept) / len(lf.kept))
    # the page type the article gets is the classifier's answer on those features
    assert kt_clean.article(doc).page_type == classify_page(doc.lines, kept, root, None, lf)[0]


def test_record_read_back_gets_the_same_page_type() -> None:
    """A stripped page read back without its cache (as from NDJSON) has the line model's
    features made again as the cleaner made them, so its page type is the same."""
    import numpy as np

    import kt_clean
    from kt_clean.inputs import load_bytes
    from kt_clean.model import Document

    html = ("<html><head><title>Forum</title></head><body><ul>"
            + "".join(f"<li><a href='/t/{i}'>Thread {i} about shoes</a> 12 replies</li>"
                      for i in range(30)) + "</ul></body></html>")
    stripped = kt_clean.strip(load_bytes(html.encode(), "f.html")[0])
    again = Document(source=stripped.source, text=stripped.text, input_format="html",
                     labels=stripped.labels, meta=stripped.meta, layout=stripped.layout)
    first = kt_clean.article(stripped)
    second = kt_clean.article(again)
    assert (second.page_type, second.page_type_confidence) == (
        first.page_type, first.page_type_confidence)
    a = stripped.derived("html_lines", lambda d: None)
    b = again.derived("html_lines", lambda d: None)
    assert a is not None and b is not None and a is not b
    assert np.array_equal(a.text, b.text) and np.array_equal(a.dom, b.dom)


def test_line_values_of_no_lines_are_zeros() -> None:
    import numpy as np

    empty = np.zeros((0, 3), dtype=np.float32)
    assert line_values(None, None, None) == [0.0] * len(LINE_NAMES)
    assert line_values(empty, empty, []) == [0.0] * len(LINE_NAMES)


@pytest.mark.parametrize("lines", [[], [""], ["   ", "\t"], ["x"], ["a" * 100_000]])
def test_odd_input_does_not_crash(lines: list[str]) -> None:
    kind, p = classify_page(lines)
    assert kind in TYPES and 0.0 <= p <= 1.0
    kind, p = classify_page(lines, [True] * len(lines), None, "https://example.com/")


def test_kept_of_another_length_is_ignored() -> None:
    lines = ARTICLE.splitlines()
    assert classify_page(lines, [True]) == classify_page(lines)


def test_features_match_names() -> None:
    dense, buckets = features(ARTICLE.splitlines(), None, None, "https://x.org/news/a-b")
    assert len(dense) == len(NAMES)
    assert buckets == sorted(set(buckets))


# ----------------------------------------------------------------- the shared data ------

def _sample() -> list[dict[str, str]]:
    rows = [json.loads(s) for s in (DATA / "meta.jsonl").read_text(encoding="utf-8")
            .splitlines() if s.strip()]
    return sorted(rows, key=lambda r: r["id"])[::15]  # a fixed sample, every type


@pytest.mark.skipif(not (DATA / "meta.jsonl").exists(), reason="wcxb-dev data not present")
def test_shipped_model_on_training_sample() -> None:
    import kt_clean
    from kt_clean.inputs import load_bytes
    from kt_clean.limits import Limits

    hits = {"text": 0, "html": 0}
    sample = _sample()
    for r in sample:
        gold = TYPE_MAP.get(r["page_type"], r["page_type"])
        dump = load_bytes((DATA / "dumps-w3m" / f"{r['id']}.txt").read_bytes(), "x.txt")[0]
        hits["text"] += classify_page(dump.lines)[0] == gold
        raw = gzip.decompress((DATA / "html" / f"{r['id']}.html.gz").read_bytes())
        # as an article's page type reads it: the lines the cleaner kept (its fast path,
        # for the suite's time) and the line model's features it made of them
        doc = kt_clean.strip(load_bytes(raw, "x.html")[0], limits=Limits(fast=True))
        root = doc.derived("html_root", lambda d: parse_html(d.meta["html"]))
        kept = [lab.kept and lab.tag != "blank" for lab in doc.labels or ()]
        page = doc.derived("html_lines", lambda d: None)
        lf = None if page is None else LineFeatures(page.text, page.dom,
                                                      [kept[i] for i in page.rows])
        hits["html"] += classify_page(doc.lines, kept, root, None, lf)[0] == gold
    # the model saw these pages (with their kept lines); without them, still >= 90%
    for view, n in hits.items():
        assert n / len(sample) >= 0.90, (view, n, len(sample))


def test_link_words_are_each_link_texts_words_once():
    """The links' share of the words counts each word inside a link once: a link in a link
    (or text in a link's children) is not counted twice, a comment is not text. (Read by
    walking the outermost links: the XPath ``//a//text()`` was quadratic in their number.)"""
    html = ("<html><body><p>one two three four five six seven eight</p>"
            "<a href='/a'>alpha <b>beta</b><!-- not text --> gamma</a> tail words"
            "<div><a href='/b'>delta</a></div></body></html>")
    lines = ["one two three four five six seven eight", "alpha beta gamma tail words",
             "delta"]
    dense, _ = features(lines, None, parse_html(html), None)
    n_words = sum(len(line.split()) for line in lines)
    assert dense[NAMES.index("link_words_share")] == pytest.approx(4 / n_words)
