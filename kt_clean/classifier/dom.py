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
    # the headline (``_headline``) and the line: the lowest element holding both, as levels
    # up from the line and from the headline, and its share of the page's text; the line
    # before or after the headline (-1, 1), and how far (signed log of the lines between)
    "h1_up", "h1_down", "h1_share", "h1_after", "h1_dist",
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
#: column by name (of the two named "in_main", inside a <main> and inside the main region,
#: the second: the first is set with the other ancestor tags)
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


def _attr_bits(cls: str | None, ident: str | None, seen: dict[str, int]) -> int:
    """The token groups of an element's class and id (``seen``: the page's answers by
    attribute values, each token matched once per run)."""
    if not cls and not ident:
        return 0
    key = f"{cls or ''} {ident or ''}"
    b = seen.get(key)
    if b is None:
        b = 0
        for token in key.split():
            b |= _token_bits(token)
        seen[key] = b
    return b


def block_of(el: Any) -> Any:
    """The nearest element around ``el`` (itself included) that the renderer breaks at."""
    node = el
    while node is not None and _tag(node) not in _BLOCKS:
        node = node.getparent()
    return node if node is not None else el


_KIND_COL = {k: j for j, k in enumerate(KINDS)}
_PAGE_FIRST = next(n for n in DOM_NAMES if n.startswith("page_"))[len("page_"):]


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


_WORD = re.compile(r"\w+")


def _headline(blocks: list[Any], me: list[int], tag_of: list[str]) -> int:
    """The block of the page's headline: the first h1-h3 most of whose words are in the
    page's title (``og:title``, else ``<title>``), an h1 before an h2 or h3; else the first
    h1; -1 when there is none."""
    heads = [j for j, e in enumerate(me) if tag_of[e] in ("h1", "h2", "h3")][:40]
    if not heads:
        return -1
    root = blocks[heads[0]].getroottree()
    title = root.xpath("string(//meta[@property='og:title']/@content)") or root.xpath(
        "string(//title)")
    tw = set(_WORD.findall(title.lower()))
    best, rank = -1, (9, 0)
    for j in heads:
        words = set(_WORD.findall(blocks[j].text_content().lower()))
        if len(words) >= 2 and len(words & tw) >= 0.6 * len(words):
            r = (int(tag_of[me[j]][1]), j)
            if r < rank:
                best, rank = j, r
    if best < 0:
        best = next((j for j in heads if tag_of[me[j]] == "h1"), -1)
    return best


def dom_features(kinds: Sequence[str], origins: Sequence[Any], links: Sequence[float],
                 rows: npt.NDArray[np.intp], n_chars: npt.NDArray[np.floating[Any]]
                 ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
    """The DOM features (``DOM_NAMES``) of the lines ``rows`` (the non-blank lines, as
    ``features.extract`` gives them; ``n_chars`` their stripped lengths), float32; and the
    groups the lines fall in (``GROUP_NAMES``; a line of no element is a group of its own),
    for the second pass's context.

    One pass over the lines finds their blocks; every element on a block's path to the
    root is read once, its values worked out from its parent's; the blocks' features are
    then columns of numbers (a row per block, in numpy), and each line takes its block's
    row and its own columns (link share, kind)."""
    import math

    m = rows.shape[0]
    if m == 0:
        return (np.zeros((0, len(DOM_NAMES)), dtype=np.float32),
                np.zeros((0, len(GROUP_NAMES)), dtype=np.intp))
    idx = rows.tolist()
    nc = np.asarray(n_chars, dtype=np.float64).tolist()
    link = [links[i] for i in idx]
    # each line's block, the blocks numbered in the order of the lines (-1: no element)
    block_at: dict[Any, int] = {}  # origin -> its block's number
    block_no: dict[Any, int] = {}  # block -> its number
    blocks: list[Any] = []
    line_block: list[int] = []
    for i in idx:
        o = origins[i]
        if o is None:
            line_block.append(-1)
            continue
        j = block_at.get(o)
        if j is None:
            b = block_of(o)
            j = block_no.get(b)
            if j is None:
                j = block_no[b] = len(blocks)
                blocks.append(b)
            block_at[o] = j
        line_block.append(j)
    nb = len(blocks)
    # the elements on the blocks' paths to the root, each read once and numbered from the
    # top down as the lines reach them: its depth, tag, class, the ancestor tags around
    # it (bits), the depth of the nearest element of each token group (``-FAR``: none; as
    # a number into ``nears``) and its path up (itself, its parent, ... the root)
    seen: dict[str, int] = {}
    number: dict[Any, int] = {}
    info: list[tuple[int, str, str | None, int, int, tuple[int, ...]]] = []
    nears = [(-FAR,) * len(GROUPS)]
    me: list[int] = []  # each block's number as an element
    path: tuple[int, ...]
    for b in blocks:
        chain = []
        node = b
        while node is not None and node not in number:
            chain.append(node)
            node = node.getparent()
        if node is None:
            depth, tags, near, path = -1, 0, 0, ()
        else:
            depth, _, _, tags, near, path = info[number[node]]
        for x in reversed(chain):
            e = number[x] = len(info)
            depth += 1
            cls, ident = x.get("class"), x.get("id")
            own = _attr_bits(cls, ident, seen) if cls or ident else 0
            aria = x.get("aria-hidden")
            if aria is not None and aria.strip().lower() == "true":
                # (rendered, as a reader sees it; the model reads it as the ``hidden`` group)
                own |= _GROUP_BIT["hidden"]
            if own:
                put = list(nears[near])
                for g in _positions(own):
                    put[g] = depth
                near = len(nears)
                nears.append(tuple(put))
            tag = x.tag
            tag = tag.lower() if isinstance(tag, str) else ""
            tags |= _TAG_BIT.get(tag, 0)
            path = (e, *path)
            info.append((depth, tag, cls, tags, near, path))
        me.append(number[b])
    depth_of, tag_of, cls_of, tags_of, near_of, path_of = (list(c) for c in zip(*info))
    n_el = len(depth_of)
    bpath = [path_of[e] for e in me]
    # text under each element (outside links, for every element up the path: summed line
    # by line, in the order of the lines); in links and lines, for the block and LEVELS
    # elements up
    chars = [0.0] * n_el
    lchar = [0.0] * n_el
    nlines = [0] * n_el
    own_lines = [0] * nb
    total = 0.0
    for k, j in enumerate(line_block):
        if j < 0:
            continue
        own_lines[j] += 1
        path = bpath[j]
        inside = nc[k] * link[k]
        out = nc[k] - inside
        total += out
        for e in path:
            chars[e] += out
        for e in path[:LEVELS + 1]:
            lchar[e] += inside
            nlines[e] += 1
    page_chars = max(sum(nc), 1.0)
    # the main region: the deepest element holding half the page's text outside links (of
    # equally deep ones, the first the lines reach)
    main = -1
    if total > 0:
        best_depth = -1
        half = 0.5 * total
        for e in range(n_el):
            if chars[e] >= half and depth_of[e] > best_depth:
                best_depth, main = depth_of[e], e
    main_depth = depth_of[main] if main >= 0 else 0
    main_share = chars[main] / total if main >= 0 and total else 0.0
    # how many lines come from blocks of the same tag and class (and parents of)
    parent = [p[1] if len(p) > 1 else -1 for p in bpath]
    sig0 = [(tag_of[e], cls_of[e]) for e in me]
    sig1 = [("^", tag_of[p], cls_of[p]) if p >= 0 else None for p in parent]
    sig_lines: dict[Any, int] = {}
    for j in range(nb):
        n = own_lines[j]
        sig_lines[sig0[j]] = sig_lines.get(sig0[j], 0) + n
        s = sig1[j]
        if s is not None:
            sig_lines[s] = sig_lines.get(s, 0) + n
    # the blocks' siblings among the blocks of the page's lines: of the same parent and
    # tag, and of the same class too; the block's position among the first
    by_tag: dict[tuple[int, str], int] = {}
    by_cls: dict[tuple[int, str, str | None], int] = {}
    tag_key = [(p, tag_of[e]) for p, e in zip(parent, me)]
    cls_key = [(p, tag_of[e], cls_of[e]) for p, e in zip(parent, me)]
    pos: list[int] = []
    for key, ckey in zip(tag_key, cls_key):
        by_tag[key] = n = by_tag.get(key, 0) + 1
        pos.append(n)
        by_cls[ckey] = by_cls.get(ckey, 0) + 1
    # the blocks' rows (and a last one, all zero, for the lines of no element)
    log1p = math.log1p
    col = _DCOL
    B = np.zeros((nb + 1, len(DOM_NAMES)))
    bdepth = [depth_of[e] for e in me]
    btot = [chars[e] + lchar[e] for e in me]
    n_tag = [by_tag[k] for k in tag_key]
    B[:nb, col["block_depth"]:col["block_link_share"] + 1] = np.array([
        bdepth, [nlines[e] for e in me], [log1p(x) for x in btot],
        [lchar[e] / max(x, 1.0) for e, x in zip(me, btot)]]).T
    hot = [(j, c) for j, c in enumerate(_BLOCK_COL.get(tag_of[e]) for e in me) if c is not None]
    if hot:
        at = col[f"block_{next(iter(BLOCK_TAGS))}"]
        B[[j for j, _ in hot], [at + c for _, c in hot]] = 1.0
    at = col[f"in_{next(iter(ANCESTOR_TAGS))}"]
    tags_np = np.array([tags_of[e] for e in me], dtype=np.int64)
    B[:nb, at:at + len(ANCESTOR_TAGS)] = (tags_np[:, None]
                                          >> np.arange(len(ANCESTOR_TAGS))) & 1
    at = col[f"up_{GROUPS[0]}"]
    near_np = np.array(nears, dtype=np.int64)[[near_of[e] for e in me]]
    B[:nb, at:at + len(GROUPS)] = np.minimum(np.array(bdepth)[:, None] - near_np, FAR)
    B[:nb, col["same_tag_siblings_log"]:col["parent_sig_lines_log"] + 1] = np.array([
        [log1p(n) for n in n_tag], [log1p(by_cls[k]) for k in cls_key],
        [p / n for p, n in zip(pos, n_tag)], [log1p(sig_lines[s]) for s in sig0],
        [log1p(sig_lines[s]) if s is not None else 0.0 for s in sig1]]).T
    for lv in range(1, LEVELS + 1):
        up = [j for j in range(nb) if lv < len(bpath[j])]
        node = [bpath[j][lv] for j in up]
        tot = [chars[e] + lchar[e] for e in node]
        at = col[f"up{lv}_chars_log"]
        B[up, at:at + 4] = np.array([
            [log1p(x) for x in tot], [lchar[e] / max(x, 1.0) for e, x in zip(node, tot)],
            [log1p(nlines[e]) for e in node], [x / page_chars for x in tot]]).T
    B[:nb, col["main_depth_diff"]] = -1.0
    if main >= 0:  # the blocks inside it
        inside = [j for j in range(nb)
                  if bdepth[j] >= main_depth and bpath[j][bdepth[j] - main_depth] == main]
        B[inside, col["in_main"]] = 1.0
        B[inside, col["main_depth_diff"]] = [bdepth[j] - main_depth for j in inside]
    B[:nb, col["main_share"]] = main_share
    lb = np.array(line_block, dtype=np.intp)  # each line's block (-1: none)
    # the headline's block and, for every block, the lowest element over both: how far up
    # from each, and its share of the page's text; and how many lines before or after it
    head = _headline(blocks, me, tag_of)
    at = col["h1_up"]
    if head < 0:
        B[:nb, at:at + 3] = -1.0
    else:
        # (each element's lowest element over it and the headline, as that element's depth:
        # its own on the headline's path, else its parent's; parents are numbered first)
        hpath = bpath[head]
        hd = bdepth[head]
        on_head = set(hpath)
        meet = [-1] * n_el
        for e in range(n_el):
            if e in on_head:
                meet[e] = depth_of[e]
            else:
                pe = path_of[e]
                meet[e] = meet[pe[1]] if len(pe) > 1 else -1
        dj = np.array([meet[e] for e in me], dtype=np.int64)
        ok = dj >= 0
        share_at = np.array([chars[hpath[hd - d]] / total if total else 0.0
                             for d in range(hd + 1)])
        B[:nb, at] = np.where(ok, np.minimum(np.array(bdepth) - dj, FAR), FAR)
        B[:nb, at + 1] = np.where(ok, np.minimum(hd - dj, FAR), FAR)
        B[:nb, at + 2] = np.where(ok, np.minimum(share_at[np.maximum(dj, 0)], 1.0), 1.0)
        where = np.flatnonzero(lb >= 0)
        first = np.zeros(nb, dtype=np.int64)
        u, fi = np.unique(lb[where], return_index=True)
        first[u] = where[fi]
        d = first - first[head]
        B[:nb, at + 3] = np.sign(d)
        B[:nb, at + 4] = np.sign(d) * np.log1p(np.abs(d))
    anchor = next((o for o in origins if o is not None), None)
    at = col[f"page_{_PAGE_FIRST}"]
    B[:, at:at + _N_PAGE] = (page_values(anchor.getroottree()) if anchor is not None
                             else (0.0,) * _N_PAGE)
    # each line: its block's row, its own link share, start in a link and kind
    D = B[lb]  # -1: the last row
    D[:, col["link_share"]] = link
    D[:, col["starts_in_link"]] = [
        0.0 if j < 0 else float(_tag(origins[i]) == "a" or bool(tags_of[me[j]] & _LINK_BIT))
        for i, j in zip(idx, line_block)]
    hot = [(k, c) for k, c in enumerate(_KIND_COL.get(kinds[i]) for i in idx) if c is not None]
    if hot:
        at = col[f"kind_{KINDS[0]}"]
        D[[k for k, _ in hot], [at + c for _, c in hot]] = 1.0
    # the groups, numbered as the lines first reach them
    ids: dict[Any, int] = {}
    flat = []
    for j in range(nb):
        bp = bpath[j]
        s0, s1 = sig0[j], sig1[j]
        for x in (bp[0], bp[1] if len(bp) > 1 else bp[0], bp[2] if len(bp) > 2 else bp[-1],
                  s0, s1 if s1 is not None else s0):
            flat.append(ids.setdefault(x, len(ids)))
    G = np.array(flat + [0] * len(GROUP_NAMES), dtype=np.intp).reshape(nb + 1, -1)
    groups = G[lb]
    none = np.flatnonzero(lb < 0)
    groups[none] = (-1 - none)[:, None]
    return D.astype(np.float32), groups
