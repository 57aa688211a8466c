"""Per-line features for the generic line classifier.

``extract(lines)`` turns the lines of one text dump (as printed by ``w3m -dump`` or a
similar renderer) into a float32 matrix with one row per *non-blank* line and the
columns named in ``BASE_NAMES``. It is written for speed: the page is read once as an
array of code points (lines, words, character classes, first and last characters and
keywords all come from it with whole-page numpy calls), the per-line Python work is a
few C-level string calls (``str.strip``, a dict of the lines for repetitions), and every
context feature (windows, blocks, distances) is a vectorised numpy expression.

The stacked second pass (``context_features``) turns the first-pass probabilities into
neighbourhood features, as jusText revises short lines by the class of their
neighbours.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import compress, repeat
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt


def _word_list(name: str) -> list[str]:
    """The entries of the UTF-8 data file ``name`` beside this module: one per line, the
    line stripped, blank lines skipped (so an entry can hold inner spaces, "log in")."""
    text = Path(__file__).with_name(name).read_text(encoding="utf-8")
    return [e for e in map(str.strip, text.splitlines()) if e]


# English stopwords: a compact list in the spirit of jusText's / NLTK's, kept as a data file
# beside the code as jusText keeps its stoplists.
STOPWORDS = frozenset(_word_list("stopwords.txt"))

# Why a constant, not a data file like the word lists: these are single punctuation
# characters, several of them look alike (- – —), so a file with one per line is harder
# to read and review than this string; they are not per-language data, and they sit with
# the other character sets of the features (sentence ends, separators) below.
BULLETS = frozenset("•□◦▪■○●·‣⁃◆◇►▶▸➢✓✔★☆-*+–—>")

# Boilerplate keywords, matched as substrings of the lower-cased line.
_BOILER_WORDS = tuple(_word_list("boilerplate-words.txt"))

LONG = 80          # a "long" line, in characters
PROSE = 120        # a "prose" line: this long and with stopwords

# character class bits
_DIGIT, _UPPER, _ALPHA, _SPACE, _PUNCT, _SENT, _COMMA, _SEP = 1, 2, 4, 8, 16, 32, 64, 128
_TABLE_SIZE = 0x3001  # U+3000 (ideographic space) is the last whitespace below


def _build_table() -> npt.NDArray[np.uint8]:
    t = np.zeros(_TABLE_SIZE + 1, dtype=np.uint8)
    for cp in range(_TABLE_SIZE):
        c = chr(cp)
        v = 0
        if c.isdigit():
            v |= _DIGIT
        elif c.isalpha():
            v |= _ALPHA
            if c.isupper():
                v |= _UPPER
        elif c.isspace():
            v |= _SPACE
        elif c != "_" and not c.isalnum():
            v |= _PUNCT
        if c in ".!?":
            v |= _SENT
        if c in ",;":
            v |= _COMMA
        if c in "|»›/>·•":
            v |= _SEP
        t[cp] = v
    t[_TABLE_SIZE] = _ALPHA  # CJK and beyond: letters, mostly
    return t


_TABLE = _build_table()

# marks for the first / last character of a line
_M_BULLET, _M_SENTEND, _M_COLON, _M_NUMEND = 1, 2, 4, 8


def _build_marks() -> npt.NDArray[np.uint8]:
    t = np.zeros(_TABLE_SIZE + 1, dtype=np.uint8)
    for c in BULLETS:
        t[ord(c)] |= _M_BULLET
    for c in ".!?\"'”’)":
        t[ord(c)] |= _M_SENTEND
    t[ord(":")] |= _M_COLON
    for c in ".)":
        t[ord(c)] |= _M_NUMEND
    return t


_MARK = _build_marks()


def _build_keyword_bytes() -> npt.NDArray[np.uint8]:
    """Code point -> the byte of its lower case if that is one of the boilerplate
    keywords' characters (all Latin-1), else 0; U+0130 (whose lower case is two
    characters, and which ``extract`` checks for) -> 0xFF. A page written in these
    bytes holds a keyword exactly where its lower-cased text does."""
    chars = [ord(c) for c in set("".join(_BOILER_WORDS))]
    assert max(chars) < 0xFF
    # every character below the table size, lowered at once (U+0130 set aside first)
    low = "".join(map(chr, range(_TABLE_SIZE))).replace("\u0130", "\0").lower()
    low_cp = np.frombuffer(low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    t = np.zeros(_TABLE_SIZE + 1, dtype=np.uint8)
    keep = np.isin(low_cp, chars)
    t[:_TABLE_SIZE][keep] = low_cp[keep]
    t[0x130] = 0xFF
    return t


_KW_BYTE = _build_keyword_bytes()
_BOILER_BYTES = [w.encode("latin-1") for w in _BOILER_WORDS]


def _compact_classes() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """The character-class table as small class numbers (``_CLASS``: code point -> 0..K-1)
    and the count flags of each class (``_CLASS_FLAGS``: K x 7, for digit, upper, alpha,
    punct, sent, comma, sep), so one ``bincount`` of (line, class) pairs counts them all.
    A space or an upper-case letter is a single class (``_C_SPACE``, ``_C_UPPER``); the
    digits are the last classes (from ``_C_DIGIT``), "0", "1", "2" and "9" one each, so
    the years' "19" and "20" are pairs of classes."""
    values = np.unique(_TABLE)
    bits = np.array([_DIGIT, _UPPER, _ALPHA, _PUNCT, _SENT, _COMMA, _SEP], dtype=np.uint8)
    for bit in (_SPACE, _DIGIT, _UPPER):
        assert values[(values & bit) != 0].tolist() in ([bit], [bit | _ALPHA])
    values = np.concatenate((values[values != _DIGIT], [_DIGIT] * 5))  # digits last
    cls = np.searchsorted(values[:-5], _TABLE).astype(np.uint8)
    cls[_TABLE == _DIGIT] = len(values) - 5  # any other digit
    for k, c in enumerate("0129"):
        cls[ord(c)] = len(values) - 4 + k
    assert len(values) <= 16  # two classes fit in a byte (the year pairs)
    return cls, ((values[:, None] & bits) != 0).astype(np.float64)


_CLASS, _CLASS_FLAGS = _compact_classes()
_K = _CLASS_FLAGS.shape[0]
_C_SPACE, _C_DIGIT, _C_UPPER = (int(_CLASS[ord(c)]) for c in " 5A")
_C_19, _C_20 = ((int(_CLASS[ord(a)]) << 4) | int(_CLASS[ord(b)]) for a, b in ("19", "20"))


_STOP_CASED = frozenset(
    v for w in STOPWORDS for v in (w, w.capitalize(), w.upper()))


def _build_stop_keys() -> tuple[
        npt.NDArray[np.uint8], npt.NDArray[np.uint64], npt.NDArray[np.uint16],
        npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint16],
        npt.NDArray[np.intp], np.uint64]:
    """Exact numeric keys of the (cased) stopwords, for a vectorised lookup.

    Every character of a stopword gets a code 1..63 (``_STOP_CODE``, 0 for any other
    character); a word's key is its first 8 codes as little-endian bytes (``_SK8``) plus
    the codes of characters 9-10 (``_STAIL``) and its length (``_SLEN``). A word of the
    page matches a stopword iff all three are equal: a character outside the alphabet
    gives a 0 byte, which no stopword has within its length, and longer words never
    match the length. The first-8 keys are unique, so a collision-free multiplicative
    hash of them (``_SHASH``) names the only candidate; the last row never matches."""
    alphabet = sorted(set("".join(_STOP_CASED)))
    code = np.zeros(_TABLE_SIZE + 1, dtype=np.uint8)
    for k, c in enumerate(alphabet):
        code[ord(c)] = k + 1
    assert len(alphabet) < 64 and max(map(len, _STOP_CASED)) <= 10
    rows = []
    for w in sorted(_STOP_CASED):
        b = bytes(int(code[ord(c)]) for c in w)
        rows.append((int.from_bytes(b[:8], "little"), int.from_bytes(b[8:10], "little"), len(w)))
    rows.append((0, 0, -1))  # no match
    k8 = np.array([r[0] for r in rows], dtype=np.uint64)
    assert np.unique(k8).shape[0] == k8.shape[0]
    rng = np.random.default_rng(12345)
    while True:  # a multiplier that hashes the keys into distinct slots (a few tries)
        mult = np.uint64(int(rng.integers(1, 2 ** 63)) * 2 + 1)
        h = (k8[:-1] * mult) >> np.uint64(64 - _HASH_BITS)
        if np.unique(h).shape[0] == h.shape[0]:
            break
    table = np.full(1 << _HASH_BITS, len(rows) - 1, dtype=np.intp)
    table[h] = np.arange(len(rows) - 1)
    mask8 = np.array([(1 << (8 * min(k, 8))) - 1 for k in range(11)], dtype=np.uint64)
    mask2 = np.array([0] * 9 + [0xFF, 0xFFFF], dtype=np.uint16)
    return (code, k8, np.array([r[1] for r in rows], dtype=np.uint16),
            np.array([r[2] for r in rows], dtype=np.int64), mask8, mask2, table, mult)


_HASH_BITS = 16
_STOP_CODE, _SK8, _STAIL, _SLEN, _MASK8, _MASK2, _SHASH, _SMULT = _build_stop_keys()
_SSHIFT = np.uint64(64 - _HASH_BITS)


def _stop_words(cpi: npt.NDArray[np.intp], wpos: npt.NDArray[np.intp],
                wlen: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Which words (the runs of non-space characters starting at ``wpos``, ``wlen`` long,
    in the code points ``cpi``) are in ``_STOP_CASED``, exactly as ``str.split()`` and a
    set lookup would say."""
    N = cpi.shape[0]
    buf = np.zeros(N + 16, dtype=np.uint8)
    _STOP_CODE.take(cpi, out=buf[:N], mode="clip")
    # unaligned 8-byte (and 2-byte) windows starting at every character
    w8 = np.ndarray((N,), dtype="<u8", buffer=buf, strides=(1,))
    w2 = np.ndarray((N,), dtype="<u2", buffer=buf, offset=8, strides=(1,))
    wl10 = np.minimum(wlen, 10)
    k8 = w8[wpos]
    k8 &= _MASK8.take(wl10)
    k2 = w2[wpos]
    k2 &= _MASK2.take(wl10)
    h = k8 * _SMULT
    h >>= _SSHIFT
    j = _SHASH.take(h)
    hit: npt.NDArray[np.bool_] = _SK8.take(j) == k8
    hit &= _SLEN.take(j) == wlen
    hit &= _STAIL.take(j) == k2
    return hit


#: Words and marks of the kinds of lines the classifier must tell from the text: paywalls
#: (``Unlock this article``), audio players (``Listen to this article``), advertisements,
#: related-story teasers, reference lists, share buttons, photo credits, comments,
#: navigation, form fields, link marks (lynx's ``[12]``), Markdown (html2text), bylines.
#: Each column counts the group's matches on the line (at most 3). Phrases are matched as
#: whole words, case-insensitively (``^``: at the start of the line); the marks are found
#: by the patterns of ``KEYWORD_MARKS``.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "paywall": (
        "subscribe", "subscriber", "subscribers", "subscription", "subscriptions",
        "unlock this", "unlock the", "unlock full", "already have an account",
        "already a subscriber", "already a member", "already registered", "exclusive to",
        "exclusive for", "premium", "paywall", "members only", "member only",
        "create an account", "create a free account", "create your free account",
        "create account", "continue reading", "free trial", "log in to read",
        "sign in to read", "log in to continue", "sign in to continue", "sign in to view",
        "register now", "register for free", "become a member", "become a subscriber",
        "limited time offer", "start your free", "to read the full"),
    "listen": (
        "listen to this article", "listen to the article", "listen to this story",
        "listen to this episode", "listen", "audio version", "audio player",
        "text to speech", "narrated", "summarized format", "summarised format",
        "play audio", "listen now"),
    "advert": (
        "^advertisement", "^advertisment", "^advert", "^ad", "^ads", "sponsored",
        "^paid post", "^paid content", "adchoices", "ad choices", "^promoted",
        "partner content", "^story continues below", "^article continues below"),
    "related": (
        "related", "read more", "read next", "read also", "more from", "more stories",
        "more articles", "more news", "you may also like", "you might also like",
        "you may like", "you might like", "recommended", "trending", "most read",
        "most popular", "most viewed", "most shared", "popular now", "popular posts",
        "see also", "also read", "article image for", "quote of the day", "don t miss",
        "dont miss", "editor s picks", "editors picks", "top stories", "latest news",
        "latest stories", "latest posts", "further reading", "up next", "also on"),
    "reference": (
        "doi", "doi org", "retrieved", "et al", "isbn", "pp", "vol", "journal of",
        "proceedings", "archived from", "accessed", "pmid", "citation", "cited",
        "references", "bibliography", "arxiv", "issn"),
    "share": (
        "share", "shares", "tweet", "facebook", "twitter", "linkedin", "whatsapp",
        "pinterest", "reddit", "telegram", "email this", "e mail this", "print this",
        "print article", "copy link", "copy url", "share on", "share this"),
    "caption": (
        "photo", "photos", "photo by", "image", "image by", "picture", "illustration",
        "credit", "credits", "getty", "getty images", "shutterstock", "reuters",
        "associated press", "ap photo", "afp", "istock", "unsplash", "courtesy of",
        "file photo", "photograph"),
    "comment": (
        "comment", "comments", "reply", "replies", "leave a comment", "leave a reply",
        "posted by", "says", "wrote", "upvote", "likes", "points", "report this comment",
        "join the discussion", "add a comment"),
    "nav": (
        "^home", "^menu", "^search", "^skip to", "^back to top", "^next", "^previous",
        "^prev", "^older", "^newer", "^go to", "^toggle", "^close", "^main menu",
        "show more", "load more", "view all", "see all", "page of", "next page",
        "previous page", "breadcrumb"),
    "form": ("button", "radio", "submit", "checkbox"),
    "linkmark": (),
    "markdown": (),
    "byline": ("^by", "^written by", "^posted by", "^words by", "^author", "^authors",
               "^reviewed by", "^edited by"),
}
#: Marks that are no words (literal strings), and the group each adds to.
KEYWORD_MARKS: dict[str, tuple[str, ...]] = {
    "form": ("(BUTTON)", "(RADIO)", "____", "[   ", "[ ]", "[X]", "(*)", "(_)"),
    "markdown": ("](", "**", "!["),
    "nav": ("»", "›", " > "),
    "caption": ("©",),
}
#: Line starts that count as a mark of a group.
KEYWORD_STARTS: dict[str, tuple[str, ...]] = {
    "markdown": ("#",), "reference": ("^", "↑"),
}
_KEYWORD_INDEX = {k: j for j, k in enumerate(KEYWORDS)}
_LINKMARK = re.compile(r"\[\d+\]")
_YEAR_CITE = re.compile(r"\(\d{4}[a-z]?\)\.")


def _build_word_bytes() -> npt.NDArray[np.uint8]:
    """Code point -> its byte in the text the phrases are searched in: an ASCII letter
    lower-cased, a digit itself, another letter ``x`` (it starts or ends no phrase's
    word), anything else a space."""
    t = np.full(_TABLE_SIZE + 1, ord(" "), dtype=np.uint8)
    for cp in range(_TABLE_SIZE):
        c = chr(cp)
        if c.isascii() and c.isalnum():
            t[cp] = ord(c.lower())
        elif c.isalnum():
            t[cp] = ord("x")
    t[_TABLE_SIZE] = ord("x")
    return t


_WORD_BYTES = _build_word_bytes()


def _build_phrases() -> dict[bytes, list[tuple[tuple[bytes, ...], int, bool]]]:
    """first word -> (the phrase's words, its group, whether it must start the line)."""
    out: dict[bytes, list[tuple[tuple[bytes, ...], int, bool]]] = {}
    for g, words in KEYWORDS.items():
        for w in words:
            ws = tuple(w.lstrip("^").encode("ascii").split())
            out.setdefault(ws[0], []).append((ws, _KEYWORD_INDEX[g], w.startswith("^")))
    return out


_PHRASES = _build_phrases()
_FIRST = frozenset(_PHRASES)


def keyword_counts(stripped: Sequence[str]) -> npt.NDArray[np.float64]:
    """(len(KEYWORDS), m): the matches of each keyword group on each stripped line (at most
    3). A line's words are its ASCII letters and digits lower-cased (``_WORD_BYTES``; other
    characters part words), so a phrase matches whole words; only the lines holding the
    first word of some phrase are looked at word by word."""
    m = len(stripped)
    out = np.zeros((len(KEYWORDS), m))
    if m == 0:
        return out
    text = "".join(stripped)
    ends = np.fromiter(map(len, stripped), dtype=np.int64, count=m).cumsum().tolist()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    data = _WORD_BYTES.take(cps, mode="clip").tobytes()
    first, phrases = _FIRST, _PHRASES
    a = 0
    for k, b in enumerate(ends):
        ws = data[a:b].split()
        a = b
        if first.isdisjoint(ws):
            continue
        for i, w in enumerate(ws):
            for words, g, anchored in phrases.get(w, ()):
                if (not anchored or i == 0) and (
                        len(words) == 1 or tuple(ws[i:i + len(words)]) == words):
                    out[g, k] += 1
    for group, marks in KEYWORD_MARKS.items():
        j = _KEYWORD_INDEX[group]
        for mark in marks:
            if mark in text:
                for k, t in enumerate(stripped):
                    if mark in t:
                        out[j, k] += t.count(mark)
    if "[" in text:
        j = _KEYWORD_INDEX["linkmark"]
        for k, t in enumerate(stripped):
            if "[" in t:
                out[j, k] += len(_LINKMARK.findall(t))
    ref = _KEYWORD_INDEX["reference"]
    for prefixes, j in ((v, _KEYWORD_INDEX[g]) for g, v in KEYWORD_STARTS.items()):
        for k, t in enumerate(stripped):
            if t.startswith(prefixes):
                out[j, k] += 1
    if "(" in text:
        for k, t in enumerate(stripped):
            if ")." in t and _YEAR_CITE.search(t):
                out[ref, k] += 1
    np.minimum(out, 3.0, out=out)
    return out


BASE_NAMES = [
    # per-line shape
    "n_chars", "log_chars", "n_words", "mean_word_len", "stop_ratio", "n_stop",
    "digit_ratio", "upper_ratio", "alpha_ratio", "punct_ratio", "n_sent_punct", "n_comma",
    "n_sep", "cap_word_ratio", "ends_sent", "ends_colon", "starts_upper", "all_caps",
    "indent", "bullet", "numbered", "ellipsis", "boiler_kw", "has_year", "pipe_or_arrow",
    # repetition
    "repeat_count", "occurrence", "lower_repeat",
    # position
    "pos_line", "pos_char", "n_lines_page", "log_chars_page",
    # blocks (blank-line delimited)
    "block_lines", "block_chars_log", "block_pos", "block_max_len", "block_long_frac",
    "blank_before", "blank_after",
    # density of long lines / prose around the line
    "long_w1", "long_w3", "long_w10", "len_w3", "len_w10", "stop_w3", "stop_w10",
    "bullet_w3", "bullet_w10", "chars_prev", "chars_next", "stop_prev", "stop_next",
    "bullet_prev", "bullet_next", "indent_prev", "indent_next",
    # relation to the prose region
    "after_first_prose", "before_last_prose", "dist_prose_up", "dist_prose_down",
    "between_prose", "prose_lines_page", "prose_frac_page", "long_frac_page",
    "cum_prose_before", "cum_prose_after",
    # likely title: a short line just above the first prose line
    "dist_title",
    # kinds of lines that are no text of the article, by their words (``KEYWORDS``)
    *[f"kw_{name}" for name in KEYWORDS],
]

_COL = {name: k for k, name in enumerate(BASE_NAMES)}
_KW0 = _COL[f"kw_{next(iter(KEYWORDS))}"]

CONTEXT_NAMES = [
    "p_self", "p_prev1", "p_next1", "p_prev2", "p_next2", "p_w3", "p_w10", "p_w30",
    "p_block_mean", "p_block_max", "pw_w3", "pw_w10", "p_page_mean", "p_page_wmean",
    "p_kept_before", "p_kept_after", "p_dist_up", "p_dist_down",
    # further than the neighbours: wide windows, and the page's main run of kept text
    "p_w100", "pw_w30", "p_run_log", "p_in_main", "p_dist_main", "p_main_share",
]
#: Kept lines (first pass) at most this many lines apart are one run of text.
RUN_GAP = 3


def _dist_to_flag(flag: npt.NDArray[np.bool_], up: bool,
                  cap: float = 50.0) -> npt.NDArray[np.float64]:
    """Distance (in lines) to the nearest flagged line above (up) or below, capped."""
    n = flag.shape[0]
    idx = np.arange(n)
    far = 1 << 40  # "no flagged line": a distance far beyond the cap
    d = np.empty(n)
    d[-1 if not up else 0] = cap
    if up:
        last = np.where(flag, idx, -far)
        np.maximum.accumulate(last, out=last)
        np.subtract(idx[1:], last[:-1], out=d[1:])
    else:
        nxt = np.where(flag, idx, far)
        nxt = np.minimum.accumulate(nxt[::-1])[::-1]
        np.subtract(nxt[1:], idx[:-1], out=d[:-1])
    return np.minimum(d, cap, out=d)


#: Rows (non-blank lines) per block of the feature matrix: a page's matrix is made, and
#: the classifier runs, one block at a time, so the work arrays of a page of a million
#: lines stay small (a block's features are the whole page's rows, bit for bit).
BLOCK = 8192
#: Characters per block of the first (per-line shape) pass; a longer line is one block.
_BLOCK_CHARS = 1 << 20
#: The per-line shape columns (made from each line's own characters, in the first pass).
_N_SHAPE = BASE_NAMES.index("pipe_or_arrow") + 1


def extract(lines: Sequence[str], block: int | None = None) -> tuple[
        npt.NDArray[np.float32], npt.NDArray[np.intp], list[str]]:
    """Features of the non-blank lines of one page.

    Returns (X, rows, stripped): X float32 (m, len(BASE_NAMES)); rows the indexes into
    ``lines`` of the m non-blank lines; stripped their stripped texts. ``X`` is made in
    blocks of ``block`` rows (default ``BLOCK``; see :class:`PageFeatures`); the result
    does not depend on it.
    """
    page = PageFeatures(lines, block)
    X = np.empty((page.m, len(BASE_NAMES)), dtype=np.float32)
    for s, Xb in page.blocks():
        X[s:s + Xb.shape[0]] = Xb
    return X, page.rows, page.stripped


class PageFeatures:
    """The features of one page's non-blank lines, made block by block.

    The constructor reads the page: the per-line shape columns (the first ``_N_SHAPE`` of
    ``BASE_NAMES``, from each line's own characters) are made in blocks of lines and kept
    as float32, and the few whole-page series the other columns need (lengths, stopword
    ratios, bullets, indents, repetitions, blank-line blocks, prose, running sums) are kept
    as float64. ``block(s, e)`` then makes rows s..e-1 of the matrix from them: a window
    or a neighbour across the block's edge is read from the page's series, so every block
    equals the same rows of the whole-page matrix, bit for bit.

    The page is read as arrays of code points (the lines of a block joined by "\\n"). Its
    words are the runs of non-space characters, so a line's stripped text runs from the
    start of its first word to the end of its last (``str.strip`` and ``str.split`` both
    use ``str.isspace``, the class table's space), and no line is sliced or split.

    ``keywords=False``: the keyword columns (``kw_*``) are left at zero, uncounted, for a
    model that does not read them (the shipped text model).
    """

    def __init__(self, lines: Sequence[str], block: int | None = None, keywords: bool = True):
        self.block_size = max(int(BLOCK if block is None else block), 1)
        n = len(lines)
        all_stripped = list(map(str.strip, lines))
        self.stripped: list[str] = list(compress(all_stripped, all_stripped))
        m = self.m = len(self.stripped)
        self.rows: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)
        if m == 0:
            return
        lens = np.fromiter(map(len, lines), dtype=np.int64, count=n)
        # U+0130 lower-cases to two characters: such a page has its keywords counted
        # line by line (see _shape), the whole page alike
        by_line = any(map(str.__contains__, lines, repeat("\u0130")))
        self.shape = np.empty((_N_SHAPE, m), dtype=np.float32)
        rows = np.empty(m, dtype=np.intp)
        indent = np.empty(m, dtype=np.int64)
        n_stop = np.empty(m, dtype=np.float64)
        # first pass: blocks of lines, at most block lines and _BLOCK_CHARS characters
        clen = np.zeros(n + 1, dtype=np.int64)
        (lens + 1).cumsum(out=clen[1:])
        a = r = 0
        while a < n:
            b = min(a + self.block_size, n)
            if clen[b] - clen[a] > _BLOCK_CHARS:
                b = max(a + 1, int(clen.searchsorted(clen[a] + _BLOCK_CHARS, "right")) - 1)
            part = [t for t in all_stripped[a:b] if t] if by_line else None
            rb, F, ind, ns = _shape(lines[a:b], lens[a:b], part)
            k = rb.shape[0]
            rows[r:r + k] = rb + a
            self.shape[:, r:r + k] = F
            indent[r:r + k] = ind
            n_stop[r:r + k] = ns
            r += k
            a = b
        assert r == m
        del all_stripped, lens, clen
        self.rows = rows
        self._page(indent, n_stop)
        # a model trained before the keyword columns does not read them: not counted
        self.kw = (keyword_counts(self.stripped) if keywords
                   else np.zeros((len(KEYWORDS), m)))

    def _page(self, indent: npt.NDArray[np.int64], n_stop: npt.NDArray[np.float64]) -> None:
        """The whole-page series and values, from the shape columns (as ``extract`` made
        them for the whole page at once)."""
        m, rows, c = self.m, self.rows, _COL
        X = self.shape
        nc = self.nc = X[c["n_chars"]].astype(np.float64)  # small integers: exact
        nws = np.maximum(X[c["n_words"]].astype(np.float64), 1.0)
        stop_ratio = n_stop / nws
        bullet = X[c["bullet"]].astype(np.float64)
        self.ind = np.minimum(indent, 40.0)
        bb = self.blank_before = np.empty(m, dtype=np.int64)
        bb[0] = rows[0] + 1
        np.subtract(rows[1:], rows[:-1], out=bb[1:])
        bb[1:] -= 1
        self.rep, self.occ, self.lrep = _repeats(self.stripped)
        cum = self.cum = nc.cumsum()
        self.total = total = float(cum[-1])
        # blocks (blank-line delimited)
        new_block = bb > 0
        new_block[0] = True
        bid = self.bid = new_block.cumsum()
        bid -= 1
        nb = int(bid[-1]) + 1
        is_long = nc >= LONG
        self.blines = np.bincount(bid, minlength=nb).astype(np.float64)
        self.bchars = np.bincount(bid, weights=nc, minlength=nb)
        self.blong = np.bincount(bid, weights=is_long, minlength=nb)
        self.bstart = new_block.nonzero()[0]
        self.bmax = np.maximum.reduceat(nc, self.bstart)
        del new_block
        # windows: long lines, log length, stopword ratio, bullets (one running sum each)
        S = self.S = np.empty((4, m))
        S[0] = is_long
        np.log1p(nc, out=S[1])
        S[2] = stop_ratio
        S[3] = bullet
        self.cp = _window_sums(S, 10)
        # prose region
        prose = self.prose = nc >= PROSE
        prose &= stop_ratio >= 0.15
        prose &= self.occ == 0
        n_prose = self.n_prose = int(np.count_nonzero(prose))
        self.page_logs = np.log1p(np.array([m, total, n_prose], dtype=np.float64))
        self.long_frac = np.add.reduce(is_long, dtype=np.float64) / m  # is_long.mean()
        self.dist_up = _dist_to_flag(prose, True)
        self.dist_down = _dist_to_flag(prose, False)
        self.cpw = np.where(prose, nc, 0.0).cumsum()
        self.tot_pw = max(float(self.cpw[-1]), 1.0)
        self.fp = self.lp = self.title = 0
        if n_prose:
            pidx = prose.nonzero()[0]
            fp = self.fp = int(pidx[0])
            self.lp = int(pidx[-1])
            # likely title: the nearest short, non-bullet line above the first prose line
            cand = ((nc[:fp] >= 10) & (nc[:fp] < PROSE) & (bullet[:fp] == 0)).nonzero()[0]
            self.title = int(cand[-1]) if cand.size else fp

    def blocks(self) -> Iterator[tuple[int, npt.NDArray[np.float32]]]:
        """(s, rows s.. of the matrix) for each block of the page, in order."""
        for s in range(0, self.m, self.block_size):
            yield s, self.block(s, min(s + self.block_size, self.m))

    def block(self, s: int, e: int) -> npt.NDArray[np.float32]:
        """Rows s..e-1 of the page's feature matrix: float32 (e - s, len(BASE_NAMES))."""
        m, b, c = self.m, e - s, _COL
        F = np.empty((len(BASE_NAMES), b), dtype=np.float64)  # one row per feature
        F[:_N_SHAPE] = self.shape[:, s:e]
        F[_KW0:_KW0 + len(KEYWORDS)] = self.kw[:, s:e]
        nc = self.nc[s:e]
        F[c["repeat_count"]] = self.rep[s:e]
        F[c["occurrence"]] = self.occ[s:e]
        F[c["lower_repeat"]] = self.lrep[s:e]
        idx = np.arange(s, e, dtype=np.float64)
        np.divide(idx, max(m - 1, 1), out=F[c["pos_line"]])
        np.subtract(self.cum[s:e], nc, out=F[c["pos_char"]])
        F[c["pos_char"]] /= max(self.total, 1.0)

        # blocks (blank-line delimited)
        bid = self.bid[s:e]
        F[c["block_lines"]] = self.blines.take(bid)
        np.log1p(self.bchars.take(bid), out=F[c["block_chars_log"]])
        np.subtract(idx, self.bstart.take(bid), out=F[c["block_pos"]])
        np.log1p(self.bmax.take(bid), out=F[c["block_max_len"]])
        np.divide(self.blong.take(bid), F[c["block_lines"]], out=F[c["block_long_frac"]])
        bb = self.blank_before
        np.minimum(bb[s:e], 5, out=F[c["blank_before"]])
        ba = F[c["blank_after"]]
        nb = min(e, m - 1) - s  # the rows whose next line is on the page
        np.minimum(bb[s + 1:s + 1 + nb], 5, out=ba[:nb])
        ba[nb:] = 1

        # windows: long lines, log length, stopword ratio, bullets around the line (rows
        # long_w1, long_w3, long_w10, len_w3, len_w10, ... bullet_w10 of F)
        win = F[c["long_w1"]:c["bullet_w10"] + 1]
        _window_fill(self.cp, self.S, s, e, {1: win[0:1], 3: win[1::2], 10: win[2::2]})
        # previous / next line's log length, stopword ratio, bullet, indent (rows chars_prev,
        # chars_next, ..., indent_next: previous and next alternate)
        prev = F[c["chars_prev"]:c["indent_next"] + 1:2]
        nxt = F[c["chars_next"]:c["indent_next"] + 1:2]
        lo = max(s - 1, 0)
        k = e - 1 - lo  # the rows with a previous line, at the block's end
        prev[:, :b - k] = 0.0
        prev[:3, b - k:] = self.S[1:, lo:e - 1]
        prev[3, b - k:] = self.ind[lo:e - 1]
        hi = min(e + 1, m)
        k = hi - s - 1  # the rows with a next line, at the block's start
        nxt[:, k:] = 0.0
        nxt[:3, :k] = self.S[1:, s + 1:hi]
        nxt[3, :k] = self.ind[s + 1:hi]

        # prose region and page-level values
        F[c["n_lines_page"]], F[c["log_chars_page"]], F[c["prose_lines_page"]] = self.page_logs
        F[c["prose_frac_page"]] = self.n_prose / m
        F[c["long_frac_page"]] = self.long_frac
        F[c["dist_prose_up"]] = self.dist_up[s:e]
        F[c["dist_prose_down"]] = self.dist_down[s:e]
        cpw = self.cpw[s:e]
        pw = np.where(self.prose[s:e], nc, 0.0)
        tot_pw = self.tot_pw
        np.subtract(cpw, pw, out=F[c["cum_prose_before"]])
        F[c["cum_prose_before"]] /= tot_pw
        np.subtract(tot_pw, cpw, out=F[c["cum_prose_after"]])
        F[c["cum_prose_after"]] /= tot_pw
        if self.n_prose:
            fp, lp = self.fp, self.lp
            np.subtract(idx, fp, out=F[c["after_first_prose"]])
            F[c["after_first_prose"]] /= m
            np.subtract(lp, idx, out=F[c["before_last_prose"]])
            F[c["before_last_prose"]] /= m
            between = F[c["between_prose"]]
            between[:] = 0.0
            between[max(fp - s, 0):max(lp + 1 - s, 0)] = 1.0
            dt = np.subtract(idx, self.title, out=F[c["dist_title"]])
            np.maximum(dt, -50, out=dt)
            np.minimum(dt, 50, out=dt)
        else:
            F[c["after_first_prose"]] = -1.0
            F[c["before_last_prose"]] = -1.0
            F[c["between_prose"]] = 0.0
            F[c["dist_title"]] = 50.0
        return np.ascontiguousarray(F.T, dtype=np.float32)  # (b, nf)


def _shape(lines: Sequence[str], lens: npt.NDArray[np.int64], by_line: list[str] | None
           ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.int64],
                      npt.NDArray[np.int64]]:
    """The per-line shape columns of the non-blank lines of ``lines`` (``lens`` their
    lengths), from their code points: (rows, F, indent, n_stop), rows the indexes of the
    non-blank lines in ``lines``, F float64 (_N_SHAPE, len(rows)). ``by_line``, when the
    page holds U+0130, is the stripped non-blank lines: their keywords are counted line by
    line (``str.lower``) rather than found in the code points."""
    n = len(lines)
    text = "\n".join(lines)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    del text
    N = cps.shape[0]
    cpi = cps.astype(np.intp)  # the tables are taken with mode="clip": beyond = last entry
    cc = _CLASS.take(cpi, mode="clip")
    line_start = np.zeros(n, dtype=np.int64)
    (lens[:-1] + 1).cumsum(out=line_start[1:])

    # words: the changes of the non-space indicator are word starts and (exclusive) ends
    nonspace = np.zeros(N + 2, dtype=bool)
    np.not_equal(cc, _C_SPACE, out=nonspace[1:-1])
    edges = (nonspace[1:] != nonspace[:-1]).nonzero()[0]
    del nonspace
    wpos, wend = edges[0::2], edges[1::2]
    first_word = wpos.searchsorted(line_start)
    end_word = wpos.searchsorted(line_start + lens)
    n_words = end_word - first_word
    rows = n_words.nonzero()[0]
    m = rows.shape[0]
    F = np.empty((_N_SHAPE, m), dtype=np.float64)  # one contiguous row per feature
    if m == 0:
        return rows, F, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first_word = first_word[rows]
    n_words = n_words[rows]
    starts = wpos[first_word]                   # the stripped line's first character
    last = wend[first_word + n_words - 1] - 1   # and its last
    n_chars = last - starts + 1
    indent = starts - line_start[rows]

    # --- character classes: one count of (line, class) pairs for the block
    key = np.arange(0, n * _K, _K).repeat(lens + 1)[:N]
    key += cc
    counts = _CLASS_FLAGS.T @ np.bincount(key, minlength=n * _K).reshape(n, _K)[rows].T
    del key
    digit, upper, alpha, sep = counts[0], counts[1], counts[2], counts[6]  # counts: (7, m)
    # per word: capitalised, stopword; summed over each line's (consecutive) words
    cap_words = np.add.reduceat(cc[wpos] == _C_UPPER, first_word, dtype=np.int64)
    n_stop = np.add.reduceat(_stop_words(cpi, wpos, wend - wpos), first_word, dtype=np.int64)

    # first / last characters
    mark_first = _MARK.take(cpi[starts], mode="clip")
    mark_last = _MARK.take(cpi[last], mode="clip")
    bullet = ((mark_first & _M_BULLET) != 0).astype(np.float64)
    # the second and third characters (guarded by the line's length below)
    s1 = np.minimum(starts + 1, N - 1)
    s2 = np.minimum(starts + 2, N - 1)
    m1 = _MARK.take(cpi[s1], mode="clip") & _M_NUMEND
    m2 = _MARK.take(cpi[s2], mode="clip") & _M_NUMEND
    numbered = ((cc[starts] >= _C_DIGIT) & (((n_chars > 1) & (m1 != 0))
                | ((n_chars > 2) & (cc[s1] >= _C_DIGIT) & (m2 != 0)))).astype(np.float64)
    dots3 = (n_chars >= 3) & (cps[last] == 46) & (cps[np.maximum(last - 1, 0)] == 46) \
        & (cps[np.maximum(last - 2, 0)] == 46)
    ellipsis = ((cps[last] == 0x2026) | dots3).astype(np.float64)
    # a few boilerplate keywords (rare strings: bytes.find is a fast scan), found in the
    # block as one byte per character (see _build_keyword_bytes)
    if by_line is None:
        kb = _KW_BYTE.take(cpi, mode="clip").tobytes()
        pos = []
        for w in _BOILER_BYTES:
            p = kb.find(w)
            while p >= 0:
                pos.append(p)
                p = kb.find(w, p + 1)
        del kb
        kw = np.bincount(starts.searchsorted(pos, side="right") - 1, minlength=m) \
            .astype(np.float64) if pos else np.zeros(m)
    else:  # U+0130 lower-cases to two characters: search line by line
        kw = np.array([sum(w in ls for w in _BOILER_WORDS) for ls in map(str.lower, by_line)],
                      dtype=np.float64)
    # years 19xx / 20xx: four digits, not part of a longer number
    dig = cc >= _C_DIGIT
    has_year = np.zeros(m)
    if N >= 4:
        pair = cc[:-3] << 4  # the classes of characters p and p + 1
        pair |= cc[1:-2]
        cand = (pair == _C_19) | (pair == _C_20)
        del pair
        cand &= dig[2:-1]
        cand &= dig[3:]
        cand[1:] &= ~dig[:-4]
        cand[:-1] &= ~dig[4:]
        hits = cand.nonzero()[0]
        if hits.size:
            has_year[starts.searchsorted(hits, side="right") - 1] = 1.0

    # --- the rows of F, mostly written in place (numpy calls on a block's lines are
    # cheap on data and dear per call, so the rows that go together go in one call)
    c = _COL
    nc = F[c["n_chars"]]
    nc[:] = n_chars
    ncs = np.maximum(nc, 1.0)
    np.log1p(nc, out=F[c["log_chars"]])
    F[c["n_words"]] = n_words
    nws = np.maximum(n_words, 1.0)
    np.add(alpha, digit, out=F[c["mean_word_len"]])
    F[c["mean_word_len"]] /= nws
    np.divide(n_stop, nws, out=F[c["stop_ratio"]])
    F[c["n_stop"]] = n_stop
    # digit_ratio, upper_ratio, alpha_ratio, punct_ratio: digit, upper, alpha, punct over
    # the line's characters (upper: over its letters)
    den = np.empty((4, m))
    den[:] = ncs
    np.maximum(alpha, 1.0, out=den[1])
    np.divide(counts[:4], den, out=F[c["digit_ratio"]:c["punct_ratio"] + 1])
    F[c["n_sent_punct"]:c["n_sep"] + 1] = counts[4:7]  # sent, comma, sep
    np.divide(cap_words, nws, out=F[c["cap_word_ratio"]])
    np.not_equal(mark_last & _M_SENTEND, 0, out=F[c["ends_sent"]])
    np.not_equal(mark_last & _M_COLON, 0, out=F[c["ends_colon"]])
    np.equal(cc[starts], _C_UPPER, out=F[c["starts_upper"]])
    np.logical_and(upper == alpha, alpha >= 3, out=F[c["all_caps"]])
    np.minimum(indent, 40.0, out=F[c["indent"]])
    F[c["bullet"]] = bullet
    F[c["numbered"]] = numbered
    F[c["ellipsis"]] = ellipsis
    F[c["boiler_kw"]] = kw
    F[c["has_year"]] = has_year
    np.subtract(sep, bullet, out=F[c["pipe_or_arrow"]])
    F[c["pipe_or_arrow"]] /= nws
    return rows, F, indent, n_stop


def _repeats(items: list[str]) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(count of each item in the list, index of this occurrence among equal items, count
    of the items equal to it once lower-cased). Only the distinct items are lowered."""
    m = len(items)
    last = dict(zip(items, range(m)))  # distinct item -> its last index
    ids = np.fromiter(map(last.__getitem__, items), dtype=np.int64, count=m)
    n_at = np.bincount(ids, minlength=m)  # each distinct item's count, at its last index
    rep = n_at[ids].astype(np.float64)
    occ = np.zeros(m)
    if rep.max() > 1:
        order = ids.argsort(kind="stable")
        sid = ids[order]
        new = np.empty(m, dtype=bool)
        new[0] = True
        new[1:] = sid[1:] != sid[:-1]
        gstart = new.nonzero()[0]
        glen = np.empty_like(gstart)  # group lengths
        np.subtract(gstart[1:], gstart[:-1], out=glen[:-1])
        glen[-1] = m - gstart[-1]
        occ[order] = np.arange(m) - gstart.repeat(glen)
    lowered = list(map(str.lower, last))
    low_last = dict(zip(lowered, last.values()))  # lowered text -> last index with it
    if len(low_last) == len(last):  # no two distinct items differ only by case
        return rep, occ, rep
    lids = np.fromiter(map(low_last.__getitem__, lowered), dtype=np.int64, count=len(lowered))
    # with weights, bincount counts in float64 (numpy's stubs say intp either way)
    lcount = cast(npt.NDArray[np.float64],
                  np.bincount(lids, weights=n_at[list(last.values())], minlength=m))
    lid_at = np.zeros(m, dtype=np.int64)  # last index of the distinct item -> its lower group
    lid_at[list(last.values())] = lids
    return rep, occ, lcount[lid_at[ids]]


def _window_sums(S: npt.NDArray[np.float64], W: int) -> npt.NDArray[np.float64]:
    """The running sums of the series S (k, m) for windows of up to W lines on each side:
    (k, m + 1 + 2W), column W + 1 + j the sum of S[:, :j + 1], 0 before the page and the
    total after it."""
    k, m = S.shape
    cp = np.zeros((k, m + 1 + 2 * W))
    S.cumsum(axis=1, out=cp[:, W + 1:W + 1 + m])
    cp[:, W + 1 + m:] = cp[:, W + m:W + m + 1]
    return cp


def _window_fill(cp: npt.NDArray[np.float64], S: npt.NDArray[np.float64], s: int, e: int,
                 outs: dict[int, npt.NDArray[np.float64]]) -> None:
    """For each width w in ``outs``: the mean of the first k rows (series) of S (k, m)
    over the w lines on each side of the lines s..e-1, themselves excluded (fewer at the
    page's edges), written to ``outs[w]`` (k, e - s); ``cp`` is ``_window_sums(S, W)``."""
    m = S.shape[1]
    W = (cp.shape[1] - 1 - m) // 2
    assert max(outs) <= W
    i = np.arange(s, e)
    widths = np.array(list(outs))[:, None]
    cnt = np.minimum(i + widths, m - 1)  # the neighbours in the window
    cnt -= np.maximum(i - widths, 0)
    np.maximum(cnt, 1, out=cnt)
    for j, (w, out) in enumerate(outs.items()):
        kw = out.shape[0]
        np.subtract(cp[:kw, W + w + 1 + s:W + w + 1 + e], cp[:kw, W - w + s:W - w + e], out=out)
        out -= S[:kw, s:e]
        out /= cnt[j]


def _window_means(S: npt.NDArray[np.float64], outs: dict[int, npt.NDArray[np.float64]]) -> None:
    """For each width w in ``outs``: the mean of the first k rows (series) of S (k, m)
    over the w lines on each side of each line, itself excluded (fewer at the page's
    edges), written to ``outs[w]`` (k, m). One cumulative sum serves every width."""
    _window_fill(_window_sums(S, max(outs)), S, 0, S.shape[1], outs)


def _runs(kept: npt.NDArray[np.bool_], nc: npt.NDArray[np.float64]
          ) -> dict[str, npt.NDArray[np.float64]]:
    """The runs of kept lines (kept lines at most ``RUN_GAP`` lines apart): each kept
    line's run's characters (log), and the main run (the one of most characters): whether
    a line is within its span, how far from it, and its share of the kept characters."""
    m = kept.shape[0]
    run_log = np.zeros(m)
    in_main = np.zeros(m)
    dist = np.full(m, 50.0)
    share = np.zeros(m)
    at = kept.nonzero()[0]
    if at.size:
        new = np.empty(at.size, dtype=bool)
        new[0] = True
        np.greater(at[1:] - at[:-1], RUN_GAP, out=new[1:])
        rid = new.cumsum() - 1
        chars = np.bincount(rid, weights=nc[at])
        run_log[at] = np.log1p(chars[rid])
        best = int(chars.argmax())
        members = at[rid == best]
        lo, hi = int(members[0]), int(members[-1])
        in_main[lo:hi + 1] = 1.0
        idx = np.arange(m)
        dist = np.minimum(np.maximum(lo - idx, idx - hi).clip(0), 50).astype(np.float64)
        share[:] = chars[best] / max(float(chars.sum()), 1.0)
    return {"p_run_log": run_log, "p_in_main": in_main, "p_dist_main": dist,
            "p_main_share": share}


def context_features(p: npt.NDArray[np.floating[Any]], X: npt.NDArray[np.float32],
                     names: Sequence[str] = tuple(CONTEXT_NAMES)) -> npt.NDArray[np.float32]:
    """Second-pass features from first-pass probabilities ``p`` of the non-blank lines:
    float32 (m, len(names)), the columns ``names`` of ``CONTEXT_NAMES`` in that order (all
    of them by default; the classifier asks only for those its second pass uses)."""
    c = _COL
    return context_from(p, X[:, c["n_chars"]], X[:, c["log_chars"]], X[:, c["blank_before"]],
                        names)


def context_from(p: npt.NDArray[np.floating[Any]], n_chars: npt.NDArray[np.float32],
                 log_chars: npt.NDArray[np.float32], blank_before: npt.NDArray[np.float32],
                 names: Sequence[str] = tuple(CONTEXT_NAMES)) -> npt.NDArray[np.float32]:
    """``context_features`` from the only columns of X it reads (float32, as in X)."""
    m = p.shape[0]
    if m == 0:
        return np.zeros((0, len(names)), dtype=np.float32)
    want = set(names)
    f = {}  # name -> its (m,) row of values, or a scalar for the whole page
    p = p.astype(np.float64)
    nc = n_chars.astype(np.float64)
    f["p_self"] = p
    for name, k in (("p_prev1", 1), ("p_next1", -1), ("p_prev2", 2), ("p_next2", -2)):
        if name in want:  # the neighbour k lines up (k < 0: down), 0.5 past the edges
            r = np.full(m, 0.5)
            if k > 0:
                r[k:] = p[:-k]
            else:
                r[:k] = p[-k:]
            f[name] = r
    if want & {"p_w3", "p_w10", "p_w30", "pw_w3", "pw_w10"}:
        S = np.empty((3, m))  # p, p * w, w (w: the log length)
        S[0] = p
        S[2] = log_chars
        np.multiply(p, S[2], out=S[1])
        W = {3: np.empty((3, m)), 10: np.empty((3, m)), 30: np.empty((1, m))}
        _window_means(S, W)
        f["p_w3"], f["p_w10"], f["p_w30"] = W[3][0], W[10][0], W[30][0]
        f["pw_w3"] = W[3][1] / np.maximum(W[3][2], 1e-6)
        f["pw_w10"] = W[10][1] / np.maximum(W[10][2], 1e-6)
    if want & {"p_block_mean", "p_block_max"}:
        new_block = blank_before > 0
        new_block[0] = True
        bid = new_block.cumsum() - 1
        bstart = new_block.nonzero()[0]
        cnt = np.empty(bstart.shape[0], dtype=np.int64)
        np.subtract(bstart[1:], bstart[:-1], out=cnt[:-1])
        cnt[-1] = m - bstart[-1]
        f["p_block_mean"] = (np.add.reduceat(p, bstart) / cnt)[bid]
        f["p_block_max"] = np.maximum.reduceat(p, bstart)[bid]
    f["p_page_mean"] = np.add.reduce(p) / m  # == p.mean()
    f["p_page_wmean"] = (p * nc).sum() / max(nc.sum(), 1.0)
    kept = p >= 0.5
    if want & {"p_kept_before", "p_kept_after"}:
        kn = np.where(kept, nc, 0.0)
        ck = kn.cumsum()
        tot = max(float(ck[-1]), 1.0)
        f["p_kept_before"] = (ck - kn) / tot
        f["p_kept_after"] = (tot - ck) / tot
    if "p_dist_up" in want:
        f["p_dist_up"] = _dist_to_flag(kept, True)
    if "p_dist_down" in want:
        f["p_dist_down"] = _dist_to_flag(kept, False)
    if want & {"p_w100", "pw_w30"}:
        S = np.empty((3, m))  # p, p * w, w
        S[0] = p
        S[2] = log_chars
        np.multiply(p, S[2], out=S[1])
        W = {100: np.empty((1, m)), 30: np.empty((3, m))}
        _window_means(S, W)
        f["p_w100"] = W[100][0]
        f["pw_w30"] = W[30][1] / np.maximum(W[30][2], 1e-6)
    if want & {"p_run_log", "p_in_main", "p_dist_main", "p_main_share"}:
        f.update(_runs(kept, nc))
    out = np.empty((m, len(names)), dtype=np.float32)  # float32 at once: no float64 copy
    for k, name in enumerate(names):
        out[:, k] = f[name]
    return out
