"""Page type of a web page: article, list, forum, product, documentation or service.

``classify_page(lines, kept, root, url, line_features)`` returns ``(page type,
probability)``.

``lines`` are the page's text lines (a text dump's, or kt-clean's rendering of an HTML
page); ``kept`` optionally says which lines the cleaner kept as main text; ``root`` is the
parsed HTML tree (lxml) of an HTML page, None for a dump; ``url`` the page's address when
known (for HTML it is otherwise read from ``link rel=canonical`` / ``og:url``);
``line_features`` (HTML) what the HTML line model already computed of the rendered lines.

Text dumps (``features``): the shape of the text (lines, long prose lines, bullets, short
headline-like lines followed by a date or a summary), counts of words typical of each type
(prices and "Add to cart", "Reply" and "Joined", "Parameters" and code-like lines, "Read
more" and pagination, "Contact us" and "Get a quote", bylines and dates near the top), the
share of text the cleaner kept. A hashed bag of words of the first lines, the short lines
and all the words completes them.

HTML pages (``html_features``) read the same text features of their rendered lines, and,
instead of a pass of their own over the tree, what the HTML cleaner already computed: the
line model's text and DOM features of every rendered line (``LineFeatures``), averaged over
the page and over the lines the cleaner kept (plain and weighted by length: the page's share
of prose, of links, of list items, of lines in a ``<nav>`` or under a ``comment`` or
``product`` class, its JSON-LD kinds, ...); from the tree only the JSON-LD / itemtype /
og:type values, the title and the element count (a few XPath passes in C); and the address.
The title's and the address's words and the markup's types join the bag of words.

Model: multinomial logistic regression on standardised features, one for text dumps and one
for HTML pages (``pagetype.json``), evaluated with numpy; trained and cross-validated (grouped
by site) by ``bench/train_pagetype.py``. The model loads on first call (numpy with the module:
the HTML view names the line model's features).
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # numpy is imported on first use, not with the package
    import numpy as np
    import numpy.typing as npt

__all__ = ["HTML_NAMES", "MODEL_PATH", "NAMES", "TYPES", "LineFeatures", "classify_page",
           "features", "html_features", "load_pagetype_model"]

MODEL_PATH = Path(__file__).with_name("pagetype.json")

#: The page types this classifier decides between (WCXB's, listing and collection as list).
TYPES = ("article", "list", "forum", "product", "documentation", "service")

#: Buckets of the hashed bag of words.
HASH_BITS = 13
N_HASH = 1 << HASH_BITS

# ---------------------------------------------------------------------------- text ------

#: Per feature, the words (whole tokens of the lowercased text) and the phrases (substrings)
#: counted in the page's text.
_KEYWORDS: dict[str, tuple[str, str]] = {
    "kw_cart": ("checkout basket wishlist warenkorb panier",
                "add to cart|add to bag|add to basket|buy now|buy it now|shopping cart|view cart|"
                "your cart|add to wishlist"),
    "kw_stock": ("stock shipping delivery returns warranty quantity qty availability",
                 "in stock|out of stock|sold out|free shipping"),
    "kw_sku": ("sku specifications specification dimensions weight brand model",
               "item no|product details|product code|model number"),
    "kw_review": ("reviews review ratings rating stars rated customer customers",
                  "write a review|out of 5"),
    "kw_reply": ("reply replies replied quote quoted wrote said", "said:|wrote:"),
    "kw_member": ("joined posts messages member members registered moderator administrator "
                  "reputation likes karma points", "reaction score|posts:|joined:"),
    "kw_thread": ("thread threads topic topics forum forums discussion discussions permalink "
                  "report upvote upvotes votes vote answers answer answered asked solved op",
                  "original poster"),
    "kw_ago": ("ago", ""),
    "kw_api": ("api apis endpoint parameters parameter returns arguments argument attributes "
               "methods method function functions class module syntax type default required "
               "optional deprecated example examples usage", ""),
    "kw_docnav": ("documentation docs reference guide tutorial installation install "
                  "configuration version changelog sdk github",
                  "edit this page|table of contents|on this page|in this article|was this page "
                  "helpful|was this article helpful|getting started|release notes"),
    "kw_prevnext": ("next previous prev", ""),
    "kw_readmore": ("", "read more|continue reading|read the full|view all|see all|load more|"
                        "show more|more stories|more news|older posts|newer posts|older entries"),
    "kw_category": ("category categories tags tag archives archive filter results showing "
                    "items products", "sort by"),
    "kw_service": ("schedule appointment consultation pricing services solutions testimonials "
                   "testimonial hire agency company industries expertise clients",
                   "contact us|get a quote|get a free|request a|book a|book an|book now|our team|"
                   "case stud|why choose|about us|get started|free trial|sign up|learn more|"
                   "call us|call now|our services"),
    "kw_article": ("published updated editor reporter newsletter subscribe comments comment "
                   "advertisement photo image credit share",
                   "min read|minute read|share this|share on|related articles|related posts|"
                   "related stories"),
    "kw_legal": ("cookie cookies copyright", "privacy policy|terms of|all rights reserved"),
}
_EXTRA = ("kw_price", "kw_postnum", "kw_phone", "kw_byline")

_PRICE = re.compile(r"[$€£¥] ?\d|\d ?€")
_POSTNUM = re.compile(r"#\d")
_PHONE = re.compile(r"\d\d\d[ .-]\d\d\d[ .-]\d\d\d\d")
_BYLINE = ("by ", "written by", "author:", "posted by", "von ", "par ")
_DATE = re.compile(r"[12][09]\d\d| ago\b")  # a year, or "N days ago"
_CODE = re.compile(r"[{};]$|^(?:\$|>>>|import|def|from|npm|pip|curl|const|let|var|function|"
                   r"class|return|#include) |\)$| (?:=>|->|::|==|!=|\+=) ", re.MULTILINE)
_BULLET = re.compile(r"^(?:[•·▪◦□■●○*+»›>-]|\d{1,3}[.)]) ", re.MULTILINE)
_PAGINATION = re.compile(r"^(?:(?:\d+\s+){2,}\d+|.{0,20}\b1\s+2\s+3\b.{0,30}|(?:page\s+)?\d+\s*"
                         r"(?:/|of)\s*\d+|.{0,20}(?:next|older|newer)\s*(?:page|›|»|>).{0,10})$",
                         re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]{3,}")
_SENT_END = (".", "!", "?", "。", '."', ".”", "…")
_PUNCT = "!\"#%&'()*+,./:;<=>?@[\\]^_`{|}~“”‘’«»•·|–—-"

#: Text scanned: the first and the last nonblank lines of a long page.
_HEAD_LINES, _TAIL_LINES = 400, 100

_KW: list[tuple[str, list[str], list[tuple[str, str]]]] | None = None


def _kw() -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """Per feature: its words, and its phrases with the longest word of each."""
    global _KW
    if _KW is None:
        _KW = [(k, w.split(), [(max(p.split(), key=len).strip(_PUNCT), p)
                               for p in ph.split("|") if p])
               for k, (w, ph) in _KEYWORDS.items()]
    return _KW


_KW_NAMES = [*_KEYWORDS, *_EXTRA]

TEXT_NAMES: list[str] = [
    "n_lines", "n_nonblank", "n_chars", "n_words", "mean_len", "long_share", "long_words_share",
    "n_long", "prose_share", "n_prose", "bullet_share", "n_bullets", "short_share",
    "code_share", "n_code", "n_dates", "date_share", "date_top", "heads_dated",
    "heads_summary", "head_runs", "n_pagination", "dup_share", "upper_first",
    *[f"{k}_n" for k in _KW_NAMES], *[f"{k}_r" for k in _KW_NAMES],
    "has_kept", "kept_share", "kept_chars_share", "kept_long", "kept_paras", "kept_first",
    "kept_span",
]

DOM_TAGS = ("form", "input", "button", "select", "textarea", "article", "time", "h1", "h2",
            "h3", "h4", "li", "ul", "ol", "table", "tr", "pre", "code", "a", "p", "img", "nav",
            "aside", "footer", "section", "dl", "blockquote", "iframe", "video", "svg",
            "figure", "label", "option", "span", "div")

#: class/id tokens counted (as substrings of the page's class and id values).
DOM_TOKENS = ("comment", "reply", "post", "thread", "topic", "forum", "message", "author",
              "avatar", "user", "member", "vote", "answer", "question", "product", "price",
              "cart", "sku", "stock", "qty", "quantity", "variant", "rating", "review", "shop",
              "woocommerce", "add-to", "breadcrumb", "docs", "doc", "sidebar", "toc", "api",
              "highlight", "sphinx", "markdown", "version", "nav", "menu", "article", "entry",
              "byline", "date", "meta", "share", "social", "related", "card", "grid", "list",
              "item", "teaser", "excerpt", "pagination", "pager", "archive", "category", "tag",
              "feed", "hero", "cta", "service", "pricing", "testimonial", "contact", "team",
              "elementor", "wp-block", "gallery", "search", "footer", "header", "widget",
              "story", "headline", "summary", "content", "main", "body", "blog", "news")

LD_TYPES = ("Article", "NewsArticle", "BlogPosting", "TechArticle", "Report",
            "ScholarlyArticle", "WebPage", "CollectionPage", "ItemList", "SearchResultsPage",
            "ProfilePage", "AboutPage", "ContactPage", "FAQPage", "QAPage", "Question",
            "DiscussionForumPosting", "SocialMediaPosting", "Comment", "Product", "Offer",
            "AggregateOffer", "AggregateRating", "Review", "Brand", "Organization",
            "LocalBusiness", "Service", "ProfessionalService", "Corporation", "Person",
            "BreadcrumbList", "WebSite", "SoftwareApplication", "SoftwareSourceCode", "HowTo",
            "Recipe", "Event", "VideoObject", "ImageObject", "Course", "JobPosting", "Place")
OG_TYPES = ("article", "website", "product", "blog", "profile", "book", "video", "other")

#: URL path tokens (a path segment equal to the token).
URL_TOKENS = ("blog", "news", "article", "articles", "post", "posts", "story", "stories",
              "product", "products", "shop", "store", "item", "p", "dp", "collections",
              "category", "categories", "tag", "tags", "topics", "topic", "forum", "forums",
              "thread", "threads", "t", "community", "discussion", "questions", "r", "docs",
              "doc", "documentation", "api", "reference", "guide", "guides", "manual", "help",
              "support", "kb", "learn", "tutorial", "services", "service", "solutions",
              "pricing", "contact", "about", "en", "index", "page", "search", "archive")

DOM_NAMES: list[str] = [
    "has_root", "n_elements", *[f"tag_{t}" for t in DOM_TAGS], "link_words_share",
    "li_per_line", "a_per_line", "max_class_repeat", "n_class_repeat5", "n_class_repeat10",
    *[f"cls_{t}" for t in DOM_TOKENS], *[f"ld_{t}" for t in LD_TYPES],
    *[f"og_{t}" for t in OG_TYPES], "n_ld", "n_itemtype", "title_len", "title_sep",
]

URL_NAMES: list[str] = ["has_url", "url_depth", "url_date", "url_digits", "url_html",
                        "url_slash", "url_query", "url_last_len", "url_last_dashes",
                        *[f"url_{t}" for t in URL_TOKENS]]

NAMES: list[str] = TEXT_NAMES + DOM_NAMES + URL_NAMES


def _log(x: float) -> float:
    return math.log1p(x)


def _text_features(lines: Sequence[str], kept: Sequence[bool] | None,
                   tokens: set[str]) -> tuple[list[float], int]:
    """The text features (``TEXT_NAMES``) and the number of words of the page."""
    n = len(lines)
    texts = [s.strip() for s in lines]
    keep_nb: list[bool] | None = None
    if kept is not None and len(kept) == n and n:
        keep_nb = [bool(k) for k, t in zip(kept, texts) if t]
    nonblank = [t for t in texts if t]
    m = len(nonblank)
    if m > _HEAD_LINES + _TAIL_LINES:  # long pages: their head and their tail
        nonblank = nonblank[:_HEAD_LINES] + nonblank[-_TAIL_LINES:]
        if keep_nb is not None:
            keep_nb = keep_nb[:_HEAD_LINES] + keep_nb[-_TAIL_LINES:]
    m_all, m = m, len(nonblank)
    mm = max(m, 1)
    lens = [len(t) for t in nonblank]
    n_chars = sum(lens)
    words = [t.count(" ") + 1 for t in nonblank]
    n_words = sum(words)
    long_ = [w >= 25 for w in words]
    n_long = sum(long_)
    long_words = sum(w for w, lg in zip(words, long_) if lg)
    ends = [t.endswith(_SENT_END) for t in nonblank]
    prose = [w >= 12 and e for w, e in zip(words, ends)]
    n_prose = sum(prose)
    short = sum(1 for w in words if w <= 3)
    text = "\n".join(nonblank)
    low = text.lower()
    n_bullets = len(_BULLET.findall(text))
    n_code = len(_CODE.findall(text))
    # dates: the short lines with a year, a d/m/y date or an "N days ago"
    dated = [False] * m
    # where each line starts in ``text`` (C loops; a match's line found by bisection)
    starts = list(accumulate([ln + 1 for ln in lens[:-1]], initial=0)) if m else []
    for mt in _DATE.finditer(low):
        k = bisect_right(starts, mt.start()) - 1
        if lens[k] < 120:
            dated[k] = True
    n_dates = sum(dated)
    top = max(1, min(60, m // 3))
    date_top = float(any(dated[:top]))
    # headline-like lines (3..16 words, no sentence end) followed by a date or a summary
    heads_dated = heads_summary = runs = run = 0
    for k in range(m - 1):
        w = words[k]
        if 3 <= w <= 16 and not ends[k] and nonblank[k][:1].isupper():
            if dated[k + 1] or (k + 2 < m and dated[k + 2]):
                heads_dated += 1
                run += 1
                continue
            if words[k + 1] >= 15:
                heads_summary += 1
                run += 1
                continue
        if not dated[k] and w < 15:
            if run >= 3:
                runs += 1
            run = 0
    if run >= 3:
        runs += 1
    n_pag = len(_PAGINATION.findall(low))
    dup = m - len(set(nonblank))
    upper_first = sum(1 for t in nonblank[:30] if t.isupper())
    cnt = Counter([w.strip(_PUNCT) for w in low.split()])
    # a phrase is counted only on a page that has its rarest word (most pages have none)
    counts = [sum([cnt[w] for w in ws]) + sum([low.count(p) for g, p in ps if g in cnt])
              for _, ws, ps in _kw()]
    counts[_KW_NAMES.index("kw_legal")] += low.count("©")
    # (both patterns need a character most pages lack: looked for first, in C)
    counts.append(len(_PRICE.findall(low)) if any(c in low for c in "$€£¥") else 0)
    counts.append(len(_POSTNUM.findall(low)) if "#" in low else 0)
    counts.append(len(_PHONE.findall(low)))
    counts.append(sum(1 for t in nonblank if len(t) < 80 and t.lower().startswith(_BYLINE)))
    out = [
        _log(n), _log(m_all), _log(n_chars), _log(n_words), _log(n_chars / mm), n_long / mm,
        long_words / max(n_words, 1), _log(n_long), n_prose / mm, _log(n_prose),
        n_bullets / mm, _log(n_bullets), short / mm, n_code / mm, _log(n_code),
        _log(n_dates), n_dates / mm, date_top, _log(heads_dated), _log(heads_summary),
        _log(runs), _log(n_pag), dup / mm, _log(upper_first),
    ]
    out += [_log(c) for c in counts]
    out += [10.0 * c / mm for c in counts]
    if keep_nb is not None:
        n_kept = sum(keep_nb)
        kc = sum(ln for ln, k_ in zip(lens, keep_nb) if k_)
        kl = sum(1 for lg, k_ in zip(long_, keep_nb) if lg and k_)
        paras = sum(1 for k_, p in zip(keep_nb, prose) if k_ and p)
        idx = [i for i, k_ in enumerate(keep_nb) if k_]
        first = idx[0] / mm if idx else 1.0
        span = (idx[-1] - idx[0] + 1) / mm if idx else 0.0
        out += [1.0, n_kept / mm, kc / max(n_chars, 1), _log(kl), _log(paras), first, span]
    else:
        out += [0.0] * 7
    # bag of words: the first lines (navigation, title) and the short lines
    head = "\n".join(nonblank[:60]).lower()
    tokens.update(map("f:".__add__, _WORD.findall(head)))
    shorts = " ".join([t for t in nonblank[60:] if len(t) < 30]).lower()
    tokens.update(map("s:".__add__, _WORD.findall(shorts)))
    tokens.update(["w:" + w for w in cnt if len(w) > 2 and w.isalpha()])
    return out, n_words


# ----------------------------------------------------------------------------- DOM ------

_LD_TYPE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_SCHEMA = re.compile(r"schema\.org/(\w+)")
_TOKEN_RE: re.Pattern[str] | None = None
_XPATHS: dict[str, Any] = {}


def _token_re() -> re.Pattern[str]:
    """The DOM tokens as one pattern that finds, at each place, the longest token there
    (as the alternation of the tokens longest first does), written as a trie: each place
    tries the tokens of its first letter only (2.7x faster, the same matches)."""
    global _TOKEN_RE
    if _TOKEN_RE is None:
        _TOKEN_RE = re.compile(_trie(DOM_TOKENS))
    return _TOKEN_RE


def _trie(words: Sequence[str]) -> str:
    """A pattern matching the longest of ``words`` at a place: common prefixes shared,
    each ending optional where a shorter word ends (``doc(?:s)?``)."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


def _xpath(name: str) -> Any:
    """A compiled XPath (plain strings: no parent references to build)."""
    xp = _XPATHS.get(name)
    if xp is None:
        from lxml import etree

        exprs = {
            "n_el": "count(//*)", "class": "//@class", "id": "//@id",
            **{f"tag:{t}": f"count(//{t})" for t in DOM_TAGS},
            # the links' text, in one pass over the text nodes (``//a//text()`` sorts its
            # node set per step: quadratic, 200,000 links 30 s); as ``itertext()`` of the
            # outermost links gives it (no comments, tails inside the link)
            "a_text": "//text()[ancestor::a]",
            "ld": "//script[@type='application/ld+json']/text()",
            "itemtype": "//@itemtype",
            "title": "/html/head/title//text()",
            "og_type": "/html/head/meta[@property='og:type']/@content",
            "url": "/html/head/link[@rel='canonical']/@href"
                   "|/html/head/meta[@property='og:url']/@content",
        }
        xp = _XPATHS[name] = etree.XPath(exprs[name], smart_strings=False)
    return xp


def _class_tokens(names: list[str], tokens: set[str]) -> Counter[str]:
    """The ``DOM_TOKENS`` found in the class and id values ``names``, with how often; their
    words (``c:``) go into the bag of words."""
    # the tokens in each distinct class or id word, once (a page repeats its class names):
    # no token holds a space, so the words' matches are the matches in the joined names
    words = Counter(" ".join(names).lower().split())
    find = _token_re().findall
    tc: Counter[str] = Counter()
    for word, times in words.items():
        for found in find(word):
            tc[found] += times
    tokens.update(["c:" + c for c in words if len(c) < 30])
    return tc


def _markup(root: Any, tokens: set[str]) -> tuple[list[float], str | None]:
    """What the markup says the page is, as both views read it: its JSON-LD and microdata
    types, its og:type, how many JSON-LD types and itemtypes, its title's length and
    whether it has a site separator; and its canonical (or og:url) address. The types
    (``ld:``, ``og:``) and the title's words (``t:``) go into the bag of words."""
    ld: set[str] = set()
    for s in _xpath("ld")(root):
        for mt in _LD_TYPE.finditer(s):
            ld.update(re.findall(r'"([^"]+)"', mt.group(1)))
    n_ld = len(ld)
    itemtypes: list[str] = _xpath("itemtype")(root)
    for it in itemtypes:
        ld.update(_SCHEMA.findall(it))
    og = [str(v).strip().lower() for v in _xpath("og_type")(root)]
    og_t = og[0].split(".")[0] if og else ""
    tokens.update(["ld:" + t for t in ld])
    if og_t:
        tokens.add("og:" + og_t)
    title = " ".join(_xpath("title")(root)).strip()
    tokens.update(map("t:".__add__, _WORD.findall(title.lower())))
    url_l = _xpath("url")(root)
    url = str(url_l[0]).strip() if url_l else None
    values = [*[float(t in ld) for t in LD_TYPES],
              *[float(og_t == t) for t in OG_TYPES],
              _log(n_ld), _log(len(itemtypes)), _log(len(title)),
              float(any(sep in title for sep in (" | ", " - ", " – ", " — ", " :: ")))]
    return values, url


def _dom_features(root: Any, n_lines: int, n_words: int, tokens: set[str]) -> tuple[
        list[float], str | None]:
    """DOM features and the page's canonical (or og:url) address."""
    if root is None:
        return [0.0] * len(DOM_NAMES), None
    # XPath, or lxml's own tag filter: walking the whole tree in Python would build an
    # element proxy per node (one filtered walk for the tags is 12x faster than a
    # ``count(//tag)`` per tag)
    seen_tags = Counter(el.tag for el in root.iter(*DOM_TAGS))
    tag_n = [seen_tags[t] for t in DOM_TAGS]
    n_el = int(_xpath("n_el")(root))
    classes: list[str] = _xpath("class")(root)
    ids: list[str] = _xpath("id")(root)
    rep = Counter(classes)
    names = classes + ids
    tags = [_log(v) for v in tag_n]
    n_li = tag_n[DOM_TAGS.index("li")]
    n_a = tag_n[DOM_TAGS.index("a")]
    a_words = len(" ".join(_xpath("a_text")(root)).split())
    reps = sorted(rep.values(), reverse=True)
    tc = _class_tokens(names, tokens)
    markup, url = _markup(root, tokens)
    nl = max(n_lines, 1)
    out = [1.0, _log(n_el), *tags, a_words / max(n_words, 1), n_li / nl, n_a / nl,
           _log(reps[0] if reps else 0), _log(sum(1 for r in reps if r >= 5)),
           _log(sum(1 for r in reps if r >= 10)),
           *[_log(tc[t]) for t in DOM_TOKENS], *markup]
    return out, url


_URL_DATE = re.compile(r"/(?:19|20)\d\d/(?:[01]?\d/)?")


def _url_features(url: str | None, tokens: set[str]) -> list[float]:
    if not url:
        return [0.0] * len(URL_NAMES)
    u = url.strip().lower()
    rest = u.split("://", 1)[-1]
    path, _, query = rest.partition("?")
    path = path.split("#", 1)[0]
    segs = [s for s in path.split("/")[1:] if s]
    last = segs[-1] if segs else ""
    for s in segs:
        for w in _WORD.findall(s):
            tokens.add("u:" + w)
    segset = set(segs)
    out = [1.0, float(len(segs)), float(bool(_URL_DATE.search(path))),
           float(sum(c.isdigit() for c in path) >= 4), float(last.endswith((".html", ".htm"))),
           float(path.endswith("/")), float(bool(query)), _log(len(last)),
           _log(last.count("-"))]
    out += [float(t in segset) for t in URL_TOKENS]
    return out


# ---------------------------------------------------- HTML: the line model's features ------

#: What the HTML view reads of the line model's features of the page's non-blank rendered
#: lines (``htmlmodel.HtmlLines``: each line's text and DOM features): per column, the mean
#: over the lines, the mean weighted by the lines' characters, and the same two over the
#: lines the cleaner kept.
LINE_AGGREGATES = ("mean", "wmean", "kept_wmean", "kept_mean")


def _line_columns() -> list[str]:
    from .dom import DOM_NAMES as LINE_DOM
    from .features import BASE_NAMES

    return [f"t:{n}" for n in BASE_NAMES] + [f"d:{n}" for n in LINE_DOM]


LINE_NAMES: list[str] = [f"{a}:{c}" for a in LINE_AGGREGATES for c in _line_columns()] + [
    "has_lines", "lines_log", "lines_kept_share"]

#: The page's own DOM features the HTML view still reads from the tree (XPath: a few C
#: passes, no Python per element): its JSON-LD, microdata and og:type, its title.
HTML_DOM_NAMES: list[str] = [
    "has_root", "n_elements", *[f"ld_{t}" for t in LD_TYPES],
    *[f"og_{t}" for t in OG_TYPES], "n_ld", "n_itemtype", "title_len", "title_sep",
]

#: The HTML view's dense features, in order: the line model's, the text's (as a dump's),
#: the markup's, the address's.
HTML_NAMES: list[str] = LINE_NAMES + TEXT_NAMES + HTML_DOM_NAMES + URL_NAMES


def line_values(text: Any, dom: Any, kept_rows: Any) -> list[float]:
    """``LINE_NAMES`` of a page from its lines' features (``text``, ``dom``: one row per
    non-blank rendered line; ``kept_rows``: whether the cleaner kept each), or zeros
    (``has_lines`` 0) when there are none."""
    import numpy as np

    n_cols = len(LINE_NAMES) - 3
    per = n_cols // len(LINE_AGGREGATES)
    if text is None or dom is None or text.shape[0] == 0:
        return [0.0] * len(LINE_NAMES)
    c = np.hstack([text, dom]).astype(np.float64)
    m = c.shape[0]
    w = np.maximum(c[:, 0], 1.0)  # the line's characters (``t:n_chars``)
    k = (np.zeros(m, dtype=bool) if kept_rows is None or len(kept_rows) != m
         else np.asarray(kept_rows, dtype=bool))
    out = [c.mean(axis=0), w @ c / w.sum()]
    if k.any():
        ck, wk = c[k], w[k]
        out += [wk @ ck / wk.sum(), ck.mean(axis=0)]
    else:
        out += [np.zeros(per), np.zeros(per)]
    vec: list[float] = np.concatenate(out).tolist()
    return [*vec, 1.0, math.log1p(m), float(k.mean())]


def _html_dom_features(root: Any, tokens: set[str]) -> tuple[list[float], str | None]:
    """``HTML_DOM_NAMES`` and the page's canonical (or og:url) address."""
    if root is None:
        return [0.0] * len(HTML_DOM_NAMES), None
    markup, url = _markup(root, tokens)
    return [1.0, _log(int(_xpath("n_el")(root))), *markup], url


def html_features(lines: Sequence[str], kept: Sequence[bool] | None, root: Any,
                  url: str | None, line_text: Any = None, line_dom: Any = None,
                  line_kept: Any = None) -> tuple[list[float], list[int]]:
    """The HTML view's dense features (``HTML_NAMES``) and hashed bag of words: the line
    model's features of the rendered lines (``line_text``, ``line_dom``, ``line_kept``: see
    ``line_values``), the text features of the lines (as a dump's), the tree's markup, the
    address."""
    tokens: set[str] = set()
    lv = line_values(line_text, line_dom, line_kept)
    text, _ = _text_features(_str_lines(lines), kept, tokens)
    dom, canonical = _html_dom_features(root, tokens)
    url_f = _url_features(url or canonical, tokens)
    return lv + text + dom + url_f, _buckets(tokens)


def features(lines: Sequence[str], kept: Sequence[bool] | None = None, root: Any = None,
             url: str | None = None) -> tuple[list[float], list[int]]:
    """The dense features (``NAMES``, in order) and the hashed bag of words (bucket
    numbers, sorted, unique) of one page."""
    tokens: set[str] = set()
    lines = _str_lines(lines)
    text, n_words = _text_features(lines, kept, tokens)
    dom, canonical = _dom_features(root, len(lines), n_words, tokens)
    url_f = _url_features(url or canonical, tokens)
    return text + dom + url_f, _buckets(tokens)


def _str_lines(lines: Sequence[str]) -> list[str]:
    """``lines`` as a list of strings (None and other values as text)."""
    return [x if type(x) is str else str(x or "") for x in lines]


def _buckets(tokens: set[str]) -> list[int]:
    """The hashed bag of words: the tokens' bucket numbers, sorted, unique."""
    return sorted({zlib.crc32(t.encode("utf-8")) & (N_HASH - 1) for t in tokens})


# --------------------------------------------------------------------------- model ------

class PageTypeModel:
    """One multinomial logistic regression: standardisation, dense and hashed weights."""

    def __init__(self, d: dict[str, Any]):
        import numpy as np

        self.types: list[str] = list(d["types"])
        self.columns = np.asarray(d["columns"], dtype=np.intp)  # into the dense features
        self.mean = np.asarray(d["mean"], dtype=np.float64)
        self.scale = np.asarray(d["scale"], dtype=np.float64)
        self.w_dense = np.asarray(d["w_dense"], dtype=np.float64).reshape(
            len(self.columns), len(self.types))
        # the hashed words' weights: base64 of little-endian float16, bucket-major
        w_hash = np.frombuffer(base64.b64decode(d["w_hash"]), dtype="<f2")
        self.w_hash = w_hash.astype(np.float64).reshape(N_HASH, len(self.types))
        self.hash_value = float(d.get("hash_value", 1.0))
        self.bias = np.asarray(d["bias"], dtype=np.float64)
        self.use_url = bool(d.get("use_url", True))

    def proba(self, dense: Sequence[float], buckets: Sequence[int]) -> npt.NDArray[np.float64]:
        import numpy as np

        x = (np.asarray(dense, dtype=np.float64)[self.columns] - self.mean) / self.scale
        z = x @ self.w_dense + self.bias
        if len(buckets):
            z = z + self.hash_value * self.w_hash[np.asarray(buckets, dtype=np.intp)].sum(axis=0)
        z = z - z.max()
        e = np.exp(z)
        p: npt.NDArray[np.float64] = e / e.sum()
        return p


class PageTypeModels:
    def __init__(self, d: dict[str, Any]):
        if d.get("names") != NAMES or d["html"].get("names") != HTML_NAMES:
            raise ValueError("page-type model: trained on other features than pagetype.py "
                             "makes (retrain with bench/train_pagetype.py)")
        self.text = PageTypeModel(d["text"])
        self.html = PageTypeModel(d["html"])


_MODELS: PageTypeModels | None = None


def load_pagetype_model(path: str | Path | None = None) -> PageTypeModels:
    """Load (and cache, for the default path) the shipped page-type model."""
    global _MODELS
    if path is None:
        if _MODELS is None:
            _MODELS = PageTypeModels(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
        return _MODELS
    return PageTypeModels(json.loads(Path(path).read_text(encoding="utf-8")))


def classify_page(lines: Sequence[str], kept: Sequence[bool] | None = None,
                  root: Any = None, url: str | None = None,
                  line_features: LineFeatures | None = None) -> tuple[str, float]:
    """(page type, probability) of one page."""
    return classify_page_with(load_pagetype_model(), lines, kept, root, url, line_features)


class LineFeatures(NamedTuple):
    """What the HTML view reads of the line model's work on a page: the text and DOM
    features of its non-blank rendered lines (``htmlmodel.HtmlLines.text`` and ``.dom``)
    and whether the cleaner kept each of those lines."""

    text: Any
    dom: Any
    kept: Any


def classify_page_with(models: PageTypeModels, lines: Sequence[str],
                       kept: Sequence[bool] | None = None, root: Any = None,
                       url: str | None = None,
                       line_features: LineFeatures | None = None) -> tuple[str, float]:
    """``classify_page`` with an explicit model (training, benchmarks). An HTML page (its
    ``root`` given) is read by the HTML view: the line model's features of its lines
    (``line_features``; without them, as for a page too large for the line model, they
    count as absent), its markup and its address."""
    if root is not None:
        model = models.html
        lf = line_features or LineFeatures(None, None, None)
        try:
            dense, buckets = html_features(lines, kept, root, url if model.use_url else None,
                                           lf.text, lf.dom, lf.kept)
        except Exception:
            root = None  # a tree that lxml cannot query as expected: the text alone
    if root is None:
        model = models.text
        dense, buckets = features(lines, kept, None, url if model.use_url else None)
    p = model.proba(dense, buckets)
    k = int(p.argmax())
    return model.types[k], float(p[k])
