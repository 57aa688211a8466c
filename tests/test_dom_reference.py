"""A slow, obvious reference for the HTML line model's DOM features, checked bit for bit.

``dom.dom_features`` reads every element once and builds the blocks' rows in numpy. Here
every column of ``DOM_NAMES`` and every group of ``GROUP_NAMES`` is worked out again line
by line, in plain Python, by climbing from each line's element to the root; the fast
results must equal the reference's float64 values cast to float32 exactly (the shipped
model was trained on them: a change here is a retrained model, not a refactoring).

Sums of line lengths are added line by line in the order of the lines, as the fast code
adds them (another order changes their last bits). Where the fast code computes something
other than the plainest reading of a feature's name, the reference follows it and says so
in a comment starting "Oddity:".
"""
from __future__ import annotations

import gzip
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from kt_clean.classifier.dom import (
    ANCESTOR_TAGS,
    BLOCK_TAGS,
    DOM_NAMES,
    FAR,
    GROUP_NAMES,
    KINDS,
    LEVELS,
    TOKEN_GROUPS,
    dom_features,
    page_values,
)
from kt_clean.classifier.features import extract
from kt_clean.html import parse_html
from kt_clean.html.render import Rendering, render_page
from kt_clean.inputs.html import html_document

FIX = Path(__file__).parent / "fixtures" / "html"
WCXB_HTML = Path("/work/shared/data/wcxb-dev/html")  # shared data, never copied here
WCXB_SAMPLE = 12

#: The elements the renderer breaks lines at (``html.render``'s block and paragraph tags).
BREAKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr", "ul",
          "ol", "dl", "figure", "address", "div", "article", "aside", "body", "center",
          "details", "fieldset", "figcaption", "footer", "form", "header", "hgroup", "legend",
          "main", "nav", "section", "summary", "dt", "dd", "caption", "tr", "li", "menu", "dir",
          "html", "td", "th"}
TOKEN_RE = re.compile("|".join(f"(?P<{g}>{p})" for g, p in TOKEN_GROUPS.items()))
#: Oddity: two columns are named "in_main": inside a <main> element (the ancestor tags)
#: and, further on, inside the main region. The reference calls the second "in_region".
COLUMNS = [n if k != len(DOM_NAMES) - 1 - DOM_NAMES[::-1].index("in_main") else "in_region"
           for k, n in enumerate(DOM_NAMES)]


def tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def up(el: Any) -> list[Any]:
    """The element, its parent, ... the root."""
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def block(origin: Any) -> Any:
    """The nearest element around the line's element, itself included, that the renderer
    breaks lines at (the element itself when none is)."""
    return next((el for el in up(origin) if tag(el) in BREAKS), origin)


def groups_of(el: Any) -> set[str]:
    """The token groups of the element's class and id tokens (Oddity: the matches of
    one regex of all groups, left to right, so a match of one group can hide another's
    inside the same token)."""
    out = set()
    for token in f"{el.get('class') or ''} {el.get('id') or ''}".split():
        out.update(m.lastgroup for m in TOKEN_RE.finditer(token.lower()))
    if (el.get("aria-hidden") or "").strip().lower() == "true":
        out.add("hidden")  # (rendered: the model reads the attribute as that group)
    return out


def headline(blocks: list[Any]) -> Any:
    """The first h1-h3 block (of the first 40) at least 60% of whose two or more words are
    in og:title (else <title>), an h1 before an h2 before an h3; else the first h1."""
    heads = [b for b in blocks if tag(b) in ("h1", "h2", "h3")][:40]
    if not heads:
        return None
    root = heads[0].getroottree()
    title = (root.xpath("string(//meta[@property='og:title']/@content)")
             or root.xpath("string(//title)"))
    title_words = set(re.findall(r"\w+", title.lower()))
    named = []
    for b in heads:
        words = set(re.findall(r"\w+", b.text_content().lower()))
        if len(words) >= 2 and len(words & title_words) >= 0.6 * len(words):
            named.append(b)
    if named:
        return min(named, key=lambda b: int(tag(b)[1]))  # (min keeps the first of a level)
    return next((b for b in heads if tag(b) == "h1"), None)


def reference(r: Rendering, rows: Sequence[int], n_chars: Sequence[float]
              ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
    lines = list(range(len(rows)))
    origin = [r.origins[i] for i in rows]
    blk = [block(o) if o is not None else None for o in origin]
    path = [up(b) if b is not None else [] for b in blk]
    # text outside links under every element, in links and lines within LEVELS levels;
    # added line by line
    chars: dict[Any, float] = {}
    lchar: dict[Any, float] = {}
    nlines: dict[Any, int] = {}
    reached: dict[Any, int] = {}  # element -> the first line whose block is under it
    total = 0.0
    for k in lines:
        inside = n_chars[k] * r.links[rows[k]]
        out = n_chars[k] - inside
        if blk[k] is None:
            continue
        total += out
        for level, el in enumerate(path[k]):
            chars[el] = chars.get(el, 0.0) + out
            reached.setdefault(el, k)
            # Oddity: an element's text in links and its lines count only the lines whose
            # block is at most LEVELS below it; its text outside links counts all of them
            if level <= LEVELS:
                lchar[el] = lchar.get(el, 0.0) + inside
                nlines[el] = nlines.get(el, 0) + 1
    page_chars = max(sum(n_chars), 1.0)
    depth = {el: len(up(el)) - 1 for el in chars}
    # the main region: the deepest element with half the text outside links; of equally
    # deep ones the first a line reaches
    main = min((el for el in chars if total > 0 and chars[el] >= 0.5 * total),
               key=lambda el: (-depth[el], reached[el]), default=None)
    blocks = list(dict.fromkeys(b for b in blk if b is not None))
    parent = {b: b.getparent() for b in blocks}
    token_groups = {el: groups_of(el) for el in chars}

    def sig(el: Any) -> tuple[str, str | None]:
        return tag(el), el.get("class")

    sig_lines: dict[Any, int] = {}
    for b in blk:
        if b is not None:
            sig_lines[sig(b)] = sig_lines.get(sig(b), 0) + 1
            if parent[b] is not None:
                sig_lines[("^", *sig(parent[b]))] = sig_lines.get(("^", *sig(parent[b])), 0) + 1
    page = page_values(next(o for o in origin if o is not None).getroottree()) \
        if any(o is not None for o in origin) else (0.0,) * 16
    head = headline(blocks)
    head_ups = up(head) if head is not None else []
    first_line = {}
    for k in lines:
        if blk[k] is not None:
            first_line.setdefault(blk[k], k)
    out_rows = []
    for k in lines:
        f = dict.fromkeys(COLUMNS, 0.0)
        f["link_share"] = r.links[rows[k]]
        kind = r.kinds[rows[k]]
        if kind in KINDS:
            f[f"kind_{kind}"] = 1.0
        for name, value in zip([n for n in DOM_NAMES if n.startswith("page_")], page):
            f[name] = value
        b = blk[k]
        if b is None:
            out_rows.append([f[n] for n in COLUMNS])
            continue
        ups = path[k]
        # Oddity: the line starts in a link when its element is an <a> or its block is
        # inside one (not an <a> between them)
        f["starts_in_link"] = float(tag(origin[k]) == "a" or any(tag(a) == "a" for a in ups))
        f["block_depth"] = float(len(ups) - 1)
        f["block_lines"] = float(nlines[b])
        btot = chars[b] + lchar[b]
        f["block_chars_log"] = math.log1p(btot)
        f["block_link_share"] = lchar[b] / max(btot, 1.0)
        for name, tags in BLOCK_TAGS.items():
            if tag(b) in tags:
                f[f"block_{name}"] = 1.0
        for name, tags in ANCESTOR_TAGS.items():
            f[f"in_{name}"] = float(any(tag(a) in tags for a in ups))
        for g in TOKEN_GROUPS:
            f[f"up_{g}"] = float(next((min(d, FAR) for d, a in enumerate(ups)
                                       if g in token_groups[a]), FAR))
        same = [x for x in blocks if parent[x] is parent[b] and tag(x) == tag(b)]
        f["same_tag_siblings_log"] = math.log1p(len(same))
        f["same_class_siblings_log"] = math.log1p(
            sum(x.get("class") == b.get("class") for x in same))
        f["sibling_pos"] = (same.index(b) + 1) / len(same)
        f["block_sig_lines_log"] = math.log1p(sig_lines[sig(b)])
        if parent[b] is not None:
            f["parent_sig_lines_log"] = math.log1p(sig_lines[("^", *sig(parent[b]))])
        for level in range(1, LEVELS + 1):
            if level < len(ups):
                el = ups[level]
                tot = chars[el] + lchar[el]
                f[f"up{level}_chars_log"] = math.log1p(tot)
                f[f"up{level}_link_share"] = lchar[el] / max(tot, 1.0)
                f[f"up{level}_lines_log"] = math.log1p(nlines[el])
                f[f"up{level}_page_share"] = tot / page_chars
        inside_main = main is not None and main in ups
        f["in_region"] = float(inside_main)
        f["main_depth_diff"] = float(len(ups) - 1 - depth[main]) if inside_main else -1.0
        f["main_share"] = chars[main] / total if main is not None and total else 0.0
        if head is None:
            f["h1_up"] = f["h1_down"] = f["h1_share"] = -1.0
        else:
            both = next((a for a in ups if a in head_ups), None)
            if both is None:
                f["h1_up"], f["h1_down"], f["h1_share"] = float(FAR), float(FAR), 1.0
            else:
                f["h1_up"] = float(min(ups.index(both), FAR))
                f["h1_down"] = float(min(head_ups.index(both), FAR))
                f["h1_share"] = min(chars[both] / total if total else 0.0, 1.0)
            d = first_line[b] - first_line[head]
            f["h1_after"] = float((d > 0) - (d < 0))
            f["h1_dist"] = math.copysign(math.log1p(abs(d)), d) if d else 0.0
        out_rows.append([f[n] for n in COLUMNS])
    # the groups: block, parent, grandparent (or the highest there is), the block's tag
    # and class, its parent's; numbered as the lines first reach them
    ids: dict[Any, int] = {}
    groups = []
    for k in lines:
        b = blk[k]
        if b is None:
            groups.append([-1 - k] * len(GROUP_NAMES))
            continue
        ups = path[k]
        keys = (b, ups[1] if len(ups) > 1 else b, ups[2] if len(ups) > 2 else ups[-1],
                sig(b), ("^", *sig(ups[1])) if len(ups) > 1 else sig(b))
        groups.append([ids.setdefault(x, len(ids)) for x in keys])
    return (np.array(out_rows, dtype=np.float64).astype(np.float32).reshape(-1, len(DOM_NAMES)),
            np.array(groups, dtype=np.intp).reshape(-1, len(GROUP_NAMES)))


def check(r: Rendering) -> int:
    X, rows, _ = extract(r.lines)
    fast, fast_groups = dom_features(r.kinds, r.origins, r.links, rows, X[:, 0])
    ref, ref_groups = reference(r, rows.tolist(), X[:, 0].astype(np.float64).tolist())
    assert fast.dtype == np.float32 and fast.shape == ref.shape
    bad = np.argwhere(fast.view(np.uint32) != ref.view(np.uint32))
    assert not bad.size, [(int(k), DOM_NAMES[j], float(fast[k, j]), float(ref[k, j]))
                          for k, j in bad[:10]]
    assert np.array_equal(fast_groups, ref_groups)
    return len(rows)


PAGES = {
    "nested blocks and links": """<html><body><div id="page"><header class="site-header">
<a href="/"><div class="logo">Site</div></a><nav><ul><li><a href="/a">A</a></li>
<li><a href="/b">B</a></li><li class="active"><a href="/c">C</a></li></ul></nav></header>
<main><article class="post"><h1 class="entry-title">Title here</h1>
<div class="entry-content"><p>One <a href="/x">linked words</a> and more of the text here.</p>
<p>Two, a longer paragraph with no link in it at all, the most text of the page.</p>
<span>loose text <div>a block inside an inline element</div> more loose text</span>
<figure><img alt="A photo"><figcaption class="caption">Photo: someone</figcaption></figure>
<table><tr><td>cell one</td><td>cell two</td></tr></table><pre>code
  block</pre></div>
<aside class="related-posts"><h3>Related</h3><div class="card"><a href="/r1">One</a></div>
<div class="card"><a href="/r2">Two</a></div></aside></article></main>
<footer class="footer"><p>© 2025</p></footer></div></body></html>""",
    "headline named by the title": """<html><head><title>Tunnel opens under the bay - Daily
</title></head><body><div class="top"><h1><a href="/">Daily</a></h1><h2>Most read</h2>
<ul><li><a href="/1">One story</a></li></ul></div><div class="story"><div class="head">
<h2 class="title">Tunnel opens under the bay</h2></div><div class="body"><p>The tunnel opened on
Monday after six years of work.</p><p>Traffic was light.</p></div></div><div class="more">
<h3>Tunnel opens under the bay</h3><p>Comments are closed.</p></div></body></html>""",
    "two equal halves": "<html><body><div><p>same length</p></div><div><p>same length</p>"
                        "</div></body></html>",
    "all in links": '<html><body><p><a href="/">only a link</a></p></body></html>',
    "no blocks": "<html><body>text <b>bold</b> text</body></html>",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_reference_edge_pages(name: str) -> None:
    assert check(render_page(parse_html(PAGES[name])))


@pytest.mark.parametrize("path", sorted(FIX.glob("*.html")), ids=lambda p: p.name)
def test_reference_fixture_pages(path: Path) -> None:
    doc = html_document(path.read_bytes(), path.name)
    r = doc.derived("html_render", lambda d: None)
    assert r is not None
    check(r)


def test_reference_wcxb_sample() -> None:
    files = sorted(WCXB_HTML.glob("*.html.gz")) if WCXB_HTML.is_dir() else []
    if not files:
        pytest.skip(f"no shared pages at {WCXB_HTML}")
    lines = 0
    for f in files[::max(1, len(files) // WCXB_SAMPLE)][:WCXB_SAMPLE]:
        with gzip.open(f) as fh:
            doc = html_document(fh.read(), f.name)
        r = doc.derived("html_render", lambda d: None)
        lines += check(r)
    assert lines > 1000
