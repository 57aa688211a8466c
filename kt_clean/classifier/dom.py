"""Per-line DOM features of an HTML page's rendered lines, for the HTML line model.

A rendered line comes from an element (``kt_clean.html.render.Rendering``: the element
whose text starts the line, and the share of the line inside links). Its *block* is the
nearest element around it that the renderer breaks lines at (``p``, ``li``, ``td``, ``div``,
...). From the block and its ancestors this module reads, per non-blank line:

- the line's link share, and whether it starts inside a link;
- the block's tag and the renderer's kind of line (paragraph, heading, list item, table
  row, preformatted, quote), its depth in the tree;
- the ancestors' tags (inside ``nav``, ``header``, ``footer``, ``aside``, ``article``,
  ``main``, ``form``, ``table``, ``figure``, a list, a link, a button, ...);
- class and id tokens of the block and its ancestors, in groups (``comment``, ``related``,
  ``promo``, ``paywall``, ``caption``, ``share``, ``nav``, ``footer``, ``content``, ...): how
  many levels up the nearest one is;
- the block's siblings among the blocks of the page's lines (how many of the same parent
  and tag, and class; its position among them), and how often the block's and its
  parent's tag and class repeat among the page's lines (teaser cards, menus);
- the text of the block and of its three nearest ancestors: characters, share in links,
  lines, share of the page's text; whether the line is inside the deepest element that
  holds most of the page's text outside links.

It reads lxml elements through their API only (``tag``, ``get``, ``getparent``, iteration),
so it does not import the HTML package. Written for speed: every element's values are
worked out once and shared by the lines and the elements below it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

#: Class and id token groups, matched in the lower-cased ``class`` and ``id`` attributes.
TOKEN_GROUPS: dict[str, str] = {
    "comment": r"comment|disqus|discussion|respond|repl(?:y|ies)",
    "related": (r"related|recommend|read-?(?:next|more|also)|more-?(?:stories|articles|news|from"
                r"|posts|like)|trending|popular|most-?(?:read|viewed|shared)|you-?(?:may|might)"
                r"|outbrain|taboola|further|suggest|also-?(?:like|read)|latest|top-?stories"),
    "promo": (r"promo|sponsor|advert|(?<![a-z])ads?(?![a-z])|ad-?(?:slot|unit|wrap|container|box)"
              r"|banner|dfp|gpt|doubleclick|affiliate|commercial|partner"),
    "paywall": (r"paywall|subscri|premium|member|regwall|piano|(?<![a-z])tp-|login|log-?in"
                r"|sign-?in|register|unlock|locked|meter|gate|exclusive|plus"),
    "caption": r"caption|credit|figcaption",
    "share": (r"share|social|sharing|facebook|twitter|whatsapp|linkedin|pinterest|email-?this"
              r"|print"),
    "nav": r"nav|menu|breadcrumb|crumb|skip|toolbar|topbar|drawer|hamburger|dropdown",
    "footer": r"foot|copyright|colophon|bottom|legal",
    "header": r"header|(?<![a-z])head(?![a-z])|masthead|branding|logo|site-?title",
    "sidebar": r"sidebar|side|widget|aside|rail|secondary|complementary",
    "tags": r"(?<![a-z])tags?(?![a-z])|tag-?(?:list|cloud)|categor|taxonom|topics|keyword|label",
    "author": r"author|byline|(?<![a-z])bio(?![a-z])|contributor|writer|profile|avatar",
    "meta": (r"(?<![a-z])meta|date|time|posted|published|updated|dateline|timestamp"
             r"|(?<![a-z])info(?![a-z])"),
    "content": (r"content|article|(?<![a-z])post(?![a-z])|entry|story|(?<![a-z])body|text|main"
                r"|prose|blog|single|rich|markdown|page-?body|detail"),
    "popup": r"cookie|consent|gdpr|popup|pop-up|modal|overlay|dialog|lightbox|notice|alert|toast",
    "newsletter": (r"newsletter|signup|sign-up|optin|opt-in|mailchimp|email-?capture"
                   r"|subscribe-?form"),
    "title": r"title|headline|heading",
    "hidden": r"hidden|sr-only|screen-?reader|visually|offscreen|invisible|a11y",
    "pagination": r"paginat|pager|(?<![a-z])next(?![a-z])|prev|older|newer|load-?more",
    "teaser": (r"card|teaser|tile|grid|thumb|(?<![a-z])items?(?![a-z])|list-?item|feed|excerpt"
               r"|summary|snippet|preview|carousel|slider|swiper"),
    "product": r"product|price|cart|checkout|(?<![a-z])buy|shop|sku|stock",
    "review": r"review|rating|stars|testimonial",
    "toc": r"(?<![a-z])toc(?![a-z])|table-?of-?contents|contents-?list",
    "listen": r"listen|audio|podcast|player|speech|(?<![a-z])tts",
    "ref": (r"reference|citation|footnote|bibliograph|endnote|(?<![a-z])refs?(?![a-z])"
            r"|(?<![a-z])cite"),
}
GROUPS = list(TOKEN_GROUPS)
_GROUP_RE = re.compile("|".join(f"(?P<{g}>{p})" for g, p in TOKEN_GROUPS.items()))
_GROUP_BIT = {g: 1 << k for k, g in enumerate(GROUPS)}

#: Ancestor tags (the line is inside one of them).
ANCESTOR_TAGS: dict[str, tuple[str, ...]] = {
    "nav": ("nav",), "header": ("header",), "footer": ("footer",), "aside": ("aside",),
    "article": ("article",), "main": ("main",), "form": ("form",),
    "table": ("table",), "figure": ("figure",), "list": ("ul", "ol", "menu", "dl"),
    "link": ("a",), "button": ("button", "label"), "heading": ("h1", "h2", "h3", "h4", "h5", "h6"),
    "quote": ("blockquote", "q"), "code": ("pre", "code"), "details": ("details", "summary"),
    "section": ("section",), "address": ("address",),
}
_TAG_BIT: dict[str, int] = {}
for _k, (_name, _tags) in enumerate(ANCESTOR_TAGS.items()):
    for _t in _tags:
        _TAG_BIT[_t] = _TAG_BIT.get(_t, 0) | (1 << _k)

_LINK_BIT = 1 << list(ANCESTOR_TAGS).index("link")

#: The block's tag, one column per group.
BLOCK_TAGS: dict[str, tuple[str, ...]] = {
    "p": ("p",), "li": ("li",), "cell": ("td", "th"), "h1": ("h1",),
    "h": ("h2", "h3", "h4", "h5", "h6"), "div": ("div",), "dl": ("dd", "dt"),
    "pre": ("pre",), "blockquote": ("blockquote",), "caption": ("figcaption", "caption"),
    "section": ("section", "article", "main"), "chrome": ("nav", "header", "footer", "aside"),
    "body": ("body", "html"),
}
_BLOCK_COL = {t: k for k, tags in enumerate(BLOCK_TAGS.values()) for t in tags}
#: Elements the renderer breaks lines at: a line's block is the nearest of them.
_BLOCKS = frozenset([
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr", "ul", "ol",
    "dl", "figure", "address", "div", "article", "aside", "body", "center", "details",
    "fieldset", "figcaption", "footer", "form", "header", "hgroup", "legend", "main", "nav",
    "section", "summary", "dt", "dd", "caption", "tr", "li", "menu", "dir", "html", "td", "th",
])
KINDS = ("h", "li", "li+", "tr", "pre", "quote")
#: How many levels above the block the container features look.
LEVELS = 3
#: A group further up than this counts as absent.
FAR = 12

DOM_NAMES = [
    "link_share", "starts_in_link", "block_depth", "block_lines", "block_chars_log",
    "block_link_share",
    *[f"block_{t}" for t in BLOCK_TAGS], *[f"kind_{k}" for k in KINDS],
    *[f"in_{t}" for t in ANCESTOR_TAGS],
    *[f"up_{g}" for g in GROUPS],
    "same_tag_siblings_log", "same_class_siblings_log", "sibling_pos",
    "block_sig_lines_log", "parent_sig_lines_log",
    *[f"up{k}_{v}" for k in range(1, LEVELS + 1)
      for v in ("chars_log", "link_share", "lines_log", "page_share")],
    "in_main", "main_depth_diff", "main_share",
    # the page: what its markup says it is, and its shape
    *[f"page_{k}" for k in ("ld_article", "ld_product", "ld_list", "ld_forum", "ld_faq",
                            "ld_howto", "ld_other", "og_article", "og_product", "og_website",
                            "h2_log", "article_log", "form_log", "li_log", "a_log",
                            "elements_log")],
]
#: JSON-LD and microdata types, by the kind of page they say it is
_LD_KINDS = {
    "ld_article": ("Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle",
                   "TechArticle", "OpinionNewsArticle", "AnalysisNewsArticle", "LiveBlogPosting"),
    "ld_product": ("Product", "Offer", "AggregateOffer", "ProductGroup", "Vehicle"),
    "ld_list": ("ItemList", "CollectionPage", "SearchResultsPage", "OfferCatalog"),
    "ld_forum": ("DiscussionForumPosting", "QAPage", "Question", "Answer", "Comment",
                 "SocialMediaPosting"),
    "ld_faq": ("FAQPage",),
    "ld_howto": ("HowTo", "Recipe", "Course"),
}
_LD_TYPE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_SCHEMA_TYPE = re.compile(r"schema\.org/(\w+)")
_DCOL = {name: k for k, name in enumerate(DOM_NAMES)}
_N_PAGE = sum(name.startswith("page_") for name in DOM_NAMES)


def _tag(el: Any) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


#: class or id token -> its group bits, shared by all pages (tokens repeat across sites)
_TOKEN_BITS: dict[str, int] = {}
_TOKEN_CACHE_MAX = 200_000


def _token_bits(token: str) -> int:
    b = _TOKEN_BITS.get(token)
    if b is None:
        b = 0
        for m in _GROUP_RE.finditer(token.lower()):
            b |= _GROUP_BIT[m.lastgroup or ""]
        if len(_TOKEN_BITS) >= _TOKEN_CACHE_MAX:
            _TOKEN_BITS.clear()
        _TOKEN_BITS[token] = b
    return b


_POSITIONS: dict[int, tuple[int, ...]] = {}


def _positions(bits: int) -> tuple[int, ...]:
    got = _POSITIONS.get(bits)
    if got is None:
        got = _POSITIONS[bits] = tuple(g for g in range(len(GROUPS)) if bits >> g & 1)
    return got


class _Tree:
    """What is worked out once per element: its depth, ancestor tags and token groups."""

    def __init__(self) -> None:
        self.attr_bits: dict[str, int] = {}
        # element -> (depth, ancestor tag bits, nearest depth per group (tuple), parent)
        self.info: dict[Any, tuple[int, int, tuple[int, ...], Any]] = {}
        self.far = (-FAR,) * len(GROUPS)
        self.dist_cache: dict[tuple[int, tuple[int, ...]], tuple[int, ...]] = {}

    def bits(self, el: Any) -> int:
        """The token groups of ``el``'s class and id (each token matched once per run)."""
        cls, ident = el.get("class"), el.get("id")
        if not cls and not ident:
            return 0
        key = f"{cls or ''} {ident or ''}"
        b = self.attr_bits.get(key)
        if b is None:
            b = 0
            for token in key.split():
                b |= _token_bits(token)
            self.attr_bits[key] = b
        return b

    def get(self, el: Any) -> tuple[int, int, tuple[int, ...], Any]:
        """(depth, ancestor tag bits, depth of the nearest element of each token group
        around it (``-FAR`` when none), parent) of ``el``."""
        info = self.info
        got = info.get(el)
        if got is not None:
            return got
        chain = []
        node = el
        while node is not None and node not in info:
            chain.append(node)
            node = node.getparent()
        if node is None:
            depth, tags, near, parent = -1, 0, self.far, None
        else:
            depth, tags, near, _ = info[node]
            parent = node
        for node in reversed(chain):
            depth += 1
            own = self.bits(node)
            if own:
                put = list(near)
                for g in _positions(own):
                    put[g] = depth
                near = tuple(put)
            tag_bit = _TAG_BIT.get(_tag(node))
            if tag_bit:
                tags |= tag_bit
            info[node] = (depth, tags, near, parent)
            parent = node
        return info[el]

    def distances(self, depth: int, near: tuple[int, ...]) -> tuple[int, ...]:
        """How many levels up from ``depth`` each token group is (at most ``FAR``)."""
        key = (depth, near)
        got = self.dist_cache.get(key)
        if got is None:
            got = self.dist_cache[key] = tuple(min(depth - d, FAR) for d in near)
        return got


def block_of(el: Any) -> Any:
    """The nearest element around ``el`` (itself included) that the renderer breaks at."""
    node = el
    while node is not None and _tag(node) not in _BLOCKS:
        node = node.getparent()
    return node if node is not None else el


_N_BLOCK_TAGS = len(BLOCK_TAGS)
_ONE_HOT = [tuple(float(k == j) for k in range(_N_BLOCK_TAGS)) for j in range(_N_BLOCK_TAGS)]
_NO_TAG = (0.0,) * _N_BLOCK_TAGS
_KIND_HOT = {k: tuple(float(k == j) for j in KINDS) for k in KINDS}
_NO_KIND = (0.0,) * len(KINDS)
_TAG_FLAGS: dict[int, tuple[float, ...]] = {}


def _tag_flags(bits: int) -> tuple[float, ...]:
    got = _TAG_FLAGS.get(bits)
    if got is None:
        got = _TAG_FLAGS[bits] = tuple(float(bits >> t & 1) for t in range(len(ANCESTOR_TAGS)))
    return got


def _log1p(x: float) -> float:
    import math

    return math.log1p(x)


#: The groups of lines ``dom_features`` numbers (its second result, one column each): the
#: lines of one block, of one parent, of one grandparent, of blocks of one tag and class, of
#: parents of one tag and class.
GROUP_NAMES = ("block", "parent", "grand", "sig", "parent_sig")


def page_values(root: Any) -> tuple[float, ...]:
    """The page's own columns (``page_*``): the kinds of its JSON-LD and microdata types and
    of its ``og:type``, and log counts of its headings, articles, forms, list items, links
    and elements (one XPath each, in libxml2)."""
    import math

    types: set[str] = set()
    for text in root.xpath("//script[@type='application/ld+json']/text()"):
        for m in _LD_TYPE.finditer(text[:200_000]):
            types.update(re.findall(r'"([^"]+)"', m.group(1)))
    for it in root.xpath("//@itemtype"):
        types.update(_SCHEMA_TYPE.findall(it))
    og = " ".join(root.xpath("//meta[@property='og:type']/@content")).lower()
    kinds = [float(any(t in types for t in names)) for names in _LD_KINDS.values()]
    known = {t for names in _LD_KINDS.values() for t in names}
    counts = [root.xpath(f"count(//{tag})") for tag in ("h2", "article", "form", "li", "a", "*")]
    return (*kinds, math.log1p(len(types - known)), float("article" in og),
            float("product" in og), float("website" in og),
            *(math.log1p(float(c)) for c in counts))


def dom_features(kinds: Sequence[str], origins: Sequence[Any], links: Sequence[float],
                 rows: npt.NDArray[np.intp], n_chars: npt.NDArray[np.floating[Any]]
                 ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
    """The DOM features (``DOM_NAMES``) of the lines ``rows`` (the non-blank lines, as
    ``features.extract`` gives them; ``n_chars`` their stripped lengths), float32; and the
    groups the lines fall in (``GROUP_NAMES``; a line of no element is a group of its own),
    for the second pass's context."""
    import math

    m = rows.shape[0]
    if m == 0:
        return (np.zeros((0, len(DOM_NAMES)), dtype=np.float32),
                np.zeros((0, len(GROUP_NAMES)), dtype=np.intp))
    tree = _Tree()
    idx = rows.tolist()
    nc = np.asarray(n_chars, dtype=np.float64).tolist()
    link = [links[i] for i in idx]
    block_cache: dict[Any, Any] = {}
    blocks: list[Any] = []
    for i in idx:
        o = origins[i]
        if o is None:
            blocks.append(None)
            continue
        b = block_cache.get(o)
        if b is None:
            b = block_cache[o] = block_of(o)
        blocks.append(b)
    # text under each element (outside links, for every ancestor); in links and lines,
    # for the block and LEVELS ancestors
    chars: dict[Any, float] = {}
    lchar: dict[Any, float] = {}
    nlines: dict[Any, int] = {}
    ups_of: dict[Any, list[Any]] = {}
    total = 0.0
    for k, b in enumerate(blocks):
        if b is None:
            continue
        ups = ups_of.get(b)
        if ups is None:
            tree.get(b)
            ups = [b]
            node = tree.info[b][3]
            while node is not None:
                ups.append(node)
                node = tree.info[node][3]
            ups_of[b] = ups
        inside = nc[k] * link[k]
        out = nc[k] - inside
        total += out
        for node in ups:
            chars[node] = chars.get(node, 0.0) + out
        for node in ups[:LEVELS + 1]:
            lchar[node] = lchar.get(node, 0.0) + inside
            nlines[node] = nlines.get(node, 0) + 1
    page_chars = max(sum(nc), 1.0)
    # the main region: the deepest element holding half the page's text outside links
    main = None
    if total > 0:
        best_depth = -1
        for node, v in chars.items():
            if v >= 0.5 * total:
                d = tree.info[node][0]
                if d > best_depth:
                    best_depth, main = d, node
    main_depth = tree.info[main][0] if main is not None else 0
    main_share = chars.get(main, 0.0) / total if main is not None and total else 0.0
    # how many lines come from blocks of the same tag and class (and parents of)
    sig_lines: dict[Any, int] = {}
    sig_of: dict[Any, tuple[Any, Any]] = {}
    for b in blocks:
        if b is None:
            continue
        sig = sig_of.get(b)
        if sig is None:
            ups = ups_of[b]
            s0 = (_tag(b), b.get("class"))
            p = ups[1] if len(ups) > 1 else None
            s1 = ("^", _tag(p), p.get("class")) if p is not None else None
            sig = sig_of[b] = (s0, s1)
        for s in sig:
            if s is not None:
                sig_lines[s] = sig_lines.get(s, 0) + 1
    # the blocks' siblings among the blocks of the page's lines: of the same parent and
    # tag, and of the same class too; the block's position among the first
    by_tag: dict[tuple[Any, str], int] = {}
    by_cls: dict[tuple[Any, str, str | None], int] = {}
    pos: dict[Any, int] = {}
    for b in dict.fromkeys(x for x in blocks if x is not None):
        ups = ups_of[b]
        key = (ups[1] if len(ups) > 1 else None, _tag(b))
        by_tag[key] = pos[b] = by_tag.get(key, 0) + 1
        ckey = (*key, b.get("class"))
        by_cls[ckey] = by_cls.get(ckey, 0) + 1
    per_block: dict[Any, tuple[float, ...]] = {}
    anchor = next((o for o in origins if o is not None), None)
    page = page_values(anchor.getroottree()) if anchor is not None else (0.0,) * _N_PAGE
    rest = (0.0,) * (len(DOM_NAMES) - 6 - _N_BLOCK_TAGS - len(KINDS) - _N_PAGE)
    out_rows = []
    for k, i in enumerate(idx):
        b = blocks[k]
        kind = _KIND_HOT.get(kinds[i], _NO_KIND)
        if b is None:
            out_rows.append((link[k], 0.0, 0.0, 0.0, 0.0, 0.0, *_NO_TAG, *kind, *rest, *page))
            continue
        feats = per_block.get(b)
        if feats is None:
            depth, tags, near, _ = tree.info[b]
            dist = tree.distances(depth, near)
            ups = ups_of[b]
            key = (ups[1] if len(ups) > 1 else None, _tag(b))
            n_tag = by_tag[key]
            sib = (math.log1p(n_tag), math.log1p(by_cls[(*key, b.get("class"))]),
                   pos[b] / n_tag)
            s0, s1 = sig_of[b]
            cont: list[float] = []
            for lv in range(1, LEVELS + 1):
                if lv < len(ups):
                    node = ups[lv]
                    tot = chars[node] + lchar[node]
                    cont += (math.log1p(tot), lchar[node] / max(tot, 1.0),
                             math.log1p(nlines[node]), tot / page_chars)
                else:
                    cont += (0.0, 0.0, 0.0, 0.0)
            col = _BLOCK_COL.get(_tag(b))
            btot = chars[b] + lchar[b]
            inside = main is not None and main in ups
            feats = per_block[b] = (
                float(depth), float(nlines[b]), math.log1p(btot), lchar[b] / max(btot, 1.0),
                *(_ONE_HOT[col] if col is not None else _NO_TAG), *kind,
                *_tag_flags(tags), *dist, *sib,
                math.log1p(sig_lines[s0]), math.log1p(sig_lines[s1]) if s1 is not None else 0.0,
                *cont, float(inside), float(depth - main_depth) if inside else -1.0,
                main_share, *page)
            starts = float(_tag(origins[i]) == "a" or bool(tags & _LINK_BIT))
        else:
            starts = float(_tag(origins[i]) == "a" or bool(tree.info[b][1] & _LINK_BIT))
            n_kind = len(KINDS)
            at = 4 + _N_BLOCK_TAGS
            feats = (*feats[:at], *kind, *feats[at + n_kind:])
        out_rows.append((link[k], starts, *feats))
    ids: dict[Any, int] = {}
    groups = []
    for k, b in enumerate(blocks):
        if b is None:
            groups.append((-1 - k,) * len(GROUP_NAMES))
            continue
        ups = ups_of[b]
        s0, s1 = sig_of[b]
        groups.append(tuple(ids.setdefault(x, len(ids)) for x in (
            b, ups[1] if len(ups) > 1 else b, ups[2] if len(ups) > 2 else ups[-1], s0,
            s1 if s1 is not None else s0)))
    return np.array(out_rows, dtype=np.float32), np.array(groups, dtype=np.intp)
