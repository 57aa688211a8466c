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

from collections.abc import Sequence
from itertools import compress

import numpy as np

# English stopwords (a compact list in the spirit of jusText's / NLTK's; data, not code).
STOPWORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
    "each", "even", "ever", "few", "for", "from", "further", "had", "has", "have", "having",
    "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "let", "like", "made", "make",
    "many", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "never",
    "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "ought",
    "our", "ours", "ourselves", "out", "over", "own", "per", "same", "shall", "she", "should",
    "since", "so", "some", "still", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "though", "through",
    "thus", "to", "too", "under", "until", "up", "upon", "us", "very", "was", "we", "were",
    "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why",
    "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself",
    "yourselves", "it's", "don't", "i'm", "that's", "there's", "can't", "isn't", "doesn't",
    "didn't", "won't", "we're", "they're", "you're", "i've", "we've",
])

BULLETS = frozenset("•□◦▪■○●·‣⁃◆◇►▶▸➢✓✔★☆-*+–—>")

# A small keyword list (the issue found keyword lists add little; these few are cheap).
_BOILER_WORDS = (
    "cookie", "copyright", "©", "rights reserved", "privacy", "log in", "sign in",
    "sign up", "subscribe", "newsletter", "follow us", "skip to",
)

LONG = 80          # a "long" line, in characters
PROSE = 120        # a "prose" line: this long and with stopwords

# character class bits
_DIGIT, _UPPER, _ALPHA, _SPACE, _PUNCT, _SENT, _COMMA, _SEP = 1, 2, 4, 8, 16, 32, 64, 128
_TABLE_SIZE = 0x3001  # U+3000 (ideographic space) is the last whitespace below


def _build_table() -> np.ndarray:
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


def _build_marks() -> np.ndarray:
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


def _build_keyword_bytes() -> np.ndarray:
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


def _compact_classes() -> tuple[np.ndarray, np.ndarray]:
    """The character-class table as small class numbers (``_CLASS``: code point -> 0..K-1)
    and the count flags of each class (``_CLASS_FLAGS``: K x 7, for digit, upper, alpha,
    punct, sent, comma, sep), so one ``bincount`` of (line, class) pairs counts them all.
    A space, a digit or an upper-case letter is each a single class (``_C_SPACE``, ...)."""
    values = np.unique(_TABLE)
    bits = np.array([_DIGIT, _UPPER, _ALPHA, _PUNCT, _SENT, _COMMA, _SEP], dtype=np.uint8)
    for bit in (_SPACE, _DIGIT, _UPPER):
        assert values[(values & bit) != 0].tolist() in ([bit], [bit | _ALPHA])
    return (np.searchsorted(values, _TABLE).astype(np.uint8),
            ((values[:, None] & bits) != 0).astype(np.float64))


_CLASS, _CLASS_FLAGS = _compact_classes()
_K = _CLASS_FLAGS.shape[0]
_C_SPACE, _C_DIGIT, _C_UPPER = (int(_CLASS[ord(c)]) for c in " 0A")


_STOP_CASED = frozenset(
    v for w in STOPWORDS for v in (w, w.capitalize(), w.upper()))


def _build_stop_keys() -> tuple[np.ndarray, ...]:
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


def _stop_words(cpi: np.ndarray, wpos: np.ndarray, wlen: np.ndarray) -> np.ndarray:
    """Which words (the runs of non-space characters starting at ``wpos``, ``wlen`` long,
    in the code points ``cpi``) are in ``_STOP_CASED``, exactly as ``str.split()`` and a
    set lookup would say."""
    N = cpi.shape[0]
    buf = np.zeros(N + 16, dtype=np.uint8)
    np.take(_STOP_CODE, cpi, out=buf[:N], mode="clip")
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
    hit = _SK8.take(j) == k8
    hit &= _SLEN.take(j) == wlen
    hit &= _STAIL.take(j) == k2
    return hit


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
]

_COL = {name: k for k, name in enumerate(BASE_NAMES)}

CONTEXT_NAMES = [
    "p_self", "p_prev1", "p_next1", "p_prev2", "p_next2", "p_w3", "p_w10", "p_w30",
    "p_block_mean", "p_block_max", "pw_w3", "pw_w10", "p_page_mean", "p_page_wmean",
    "p_kept_before", "p_kept_after", "p_dist_up", "p_dist_down",
]


def _dist_to_flag(flag: np.ndarray, up: bool, cap: float = 50.0) -> np.ndarray:
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


def extract(lines: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features of the non-blank lines of one page.

    Returns (X, rows, stripped): X float32 (m, len(BASE_NAMES)); rows the indexes into
    ``lines`` of the m non-blank lines; stripped their stripped texts.

    The page is read as one array of code points (the lines joined by "\\n"). Its words
    are the runs of non-space characters, so a line's stripped text runs from the start
    of its first word to the end of its last (``str.strip`` and ``str.split`` both use
    ``str.isspace``, the class table's space), and no line is sliced or split.
    """
    nf = len(BASE_NAMES)
    all_stripped = list(map(str.strip, lines))
    stripped = list(compress(all_stripped, all_stripped))
    m = len(stripped)
    if m == 0:
        return np.zeros((0, nf), dtype=np.float32), np.zeros(0, dtype=np.intp), []
    n = len(lines)
    text = "\n".join(lines)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    N = cps.shape[0]
    cpi = cps.astype(np.intp)  # the tables are taken with mode="clip": beyond = last entry
    cc = _CLASS.take(cpi, mode="clip")
    lens = np.fromiter(map(len, lines), dtype=np.int64, count=n)
    line_start = np.zeros(n, dtype=np.int64)
    np.cumsum(lens[:-1] + 1, out=line_start[1:])

    # words: the changes of the non-space indicator are word starts and (exclusive) ends
    nonspace = np.zeros(N + 2, dtype=bool)
    np.not_equal(cc, _C_SPACE, out=nonspace[1:-1])
    edges = np.flatnonzero(nonspace[1:] != nonspace[:-1])
    wpos, wend = edges[0::2], edges[1::2]
    first_word = np.searchsorted(wpos, line_start)
    end_word = np.searchsorted(wpos, line_start + lens)
    n_words = end_word - first_word
    rows = np.flatnonzero(n_words)
    first_word = first_word[rows]
    n_words = n_words[rows]
    starts = wpos[first_word]                   # the stripped line's first character
    last = wend[first_word + n_words - 1] - 1   # and its last
    n_chars = last - starts + 1
    indent = starts - line_start[rows]
    blank_before = np.empty(m, dtype=np.int64)
    blank_before[0] = rows[0] + 1
    blank_before[1:] = rows[1:] - rows[:-1] - 1

    F = np.empty((nf, m), dtype=np.float64)  # one contiguous row per feature
    col = _COL

    # --- character classes: one count of (line, class) pairs for the whole page
    key = np.repeat(np.arange(0, n * _K, _K), lens + 1)[:N]
    key += cc
    counts = np.bincount(key, minlength=n * _K).reshape(n, _K)[rows] @ _CLASS_FLAGS
    digit, upper, alpha, punct, sent, comma, sep = counts.T
    # per word: capitalised, stopword; summed over each line's (consecutive) words
    cap_words = np.add.reduceat(cc[wpos] == _C_UPPER, first_word, dtype=np.int64)
    n_stop = np.add.reduceat(_stop_words(cpi, wpos, wend - wpos), first_word, dtype=np.int64)

    # repetition within the page
    rep, occ, lrep = _repeats(stripped)

    # first / last characters
    mark_first = _MARK.take(cpi[starts], mode="clip")
    mark_last = _MARK.take(cpi[last], mode="clip")
    bullet = ((mark_first & _M_BULLET) != 0).astype(np.float64)
    # the second and third characters (guarded by the line's length below)
    s1 = np.minimum(starts + 1, N - 1)
    s2 = np.minimum(starts + 2, N - 1)
    m1 = _MARK.take(cpi[s1], mode="clip") & _M_NUMEND
    m2 = _MARK.take(cpi[s2], mode="clip") & _M_NUMEND
    numbered = ((cc[starts] == _C_DIGIT) & (((n_chars > 1) & (m1 != 0))
                | ((n_chars > 2) & (cc[s1] == _C_DIGIT) & (m2 != 0)))).astype(np.float64)
    ends_sent = ((mark_last & _M_SENTEND) != 0).astype(np.float64)
    ends_colon = ((mark_last & _M_COLON) != 0).astype(np.float64)
    dots3 = (n_chars >= 3) & (cps[last] == 46) & (cps[np.maximum(last - 1, 0)] == 46) \
        & (cps[np.maximum(last - 2, 0)] == 46)
    ellipsis = ((cps[last] == 0x2026) | dots3).astype(np.float64)
    # a few boilerplate keywords (rare strings: bytes.find is a fast scan), found in the
    # page as one byte per character (see _build_keyword_bytes)
    kb = _KW_BYTE.take(cpi, mode="clip").tobytes()
    if 0xFF not in kb:
        pos = []
        for w in _BOILER_BYTES:
            p = kb.find(w)
            while p >= 0:
                pos.append(p)
                p = kb.find(w, p + 1)
        kw = np.bincount(np.searchsorted(starts, pos, side="right") - 1, minlength=m) \
            .astype(np.float64) if pos else np.zeros(m)
    else:  # U+0130 lower-cases to two characters: search line by line
        kw = np.array([sum(w in ls for w in _BOILER_WORDS) for ls in map(str.lower, stripped)],
                      dtype=np.float64)
    # years 19xx / 20xx: four digits, not part of a longer number
    dig = cc == _C_DIGIT
    has_year = np.zeros(m)
    if N >= 4:
        c0 = cps[:-3]
        c1 = cps[1:-2]
        cand = (((c0 == 49) & (c1 == 57)) | ((c0 == 50) & (c1 == 48))) & dig[2:-1] & dig[3:]
        cand[1:] &= ~dig[:-4]
        cand[:-1] &= ~dig[4:]
        hits = np.flatnonzero(cand)
        if hits.size:
            has_year[np.searchsorted(starts, hits, side="right") - 1] = 1.0

    nc = n_chars.astype(np.float64)
    ncs = np.maximum(nc, 1.0)
    nws = np.maximum(n_words, 1.0)
    stop_ratio = n_stop / nws
    loglen = np.log1p(nc)
    F[col["n_chars"]] = nc
    F[col["log_chars"]] = loglen
    F[col["n_words"]] = n_words
    F[col["mean_word_len"]] = (alpha + digit) / nws
    F[col["stop_ratio"]] = stop_ratio
    F[col["n_stop"]] = n_stop
    F[col["digit_ratio"]] = digit / ncs
    F[col["upper_ratio"]] = upper / np.maximum(alpha, 1.0)
    F[col["alpha_ratio"]] = alpha / ncs
    F[col["punct_ratio"]] = punct / ncs
    F[col["n_sent_punct"]] = sent
    F[col["n_comma"]] = comma
    F[col["n_sep"]] = sep
    F[col["cap_word_ratio"]] = cap_words / nws
    F[col["ends_sent"]] = ends_sent
    F[col["ends_colon"]] = ends_colon
    F[col["starts_upper"]] = cc[starts] == _C_UPPER
    F[col["all_caps"]] = (upper == alpha) & (alpha >= 3)
    ind = np.minimum(indent.astype(np.float64), 40.0)
    F[col["indent"]] = ind
    F[col["bullet"]] = bullet
    F[col["numbered"]] = numbered
    F[col["ellipsis"]] = ellipsis
    F[col["boiler_kw"]] = kw
    F[col["has_year"]] = has_year
    F[col["pipe_or_arrow"]] = (sep - bullet) / nws
    F[col["repeat_count"]] = rep
    F[col["occurrence"]] = occ
    F[col["lower_repeat"]] = lrep

    idx = np.arange(m, dtype=np.float64)
    F[col["pos_line"]] = idx / max(m - 1, 1)
    cum = np.cumsum(nc)
    total = float(cum[-1])
    F[col["pos_char"]] = (cum - nc) / max(total, 1.0)
    F[col["n_lines_page"]] = np.log1p(m)
    F[col["log_chars_page"]] = np.log1p(total)

    # blocks (blank-line delimited)
    bb = blank_before
    new_block = bb > 0
    new_block[0] = True
    bid = np.cumsum(new_block) - 1
    nb = int(bid[-1]) + 1
    is_long = (nc >= LONG).astype(np.float64)
    blines = np.bincount(bid, minlength=nb).astype(np.float64)
    bchars = np.bincount(bid, weights=nc, minlength=nb)
    blong = np.bincount(bid, weights=is_long, minlength=nb)
    bstart = np.flatnonzero(new_block)
    bmax = np.maximum.reduceat(nc, bstart)
    F[col["block_lines"]] = blines[bid]
    F[col["block_chars_log"]] = np.log1p(bchars[bid])
    F[col["block_pos"]] = idx - bstart[bid]
    F[col["block_max_len"]] = np.log1p(bmax[bid])
    F[col["block_long_frac"]] = blong[bid] / blines[bid]
    F[col["blank_before"]] = np.minimum(bb, 5)
    ba = np.empty(m)
    ba[:-1] = bb[1:]
    ba[-1] = 1
    F[col["blank_after"]] = np.minimum(ba, 5)

    # windows: one cumulative sum for all the series
    S = np.empty((m, 5))
    S[:, 0] = is_long
    S[:, 1] = loglen
    S[:, 2] = stop_ratio
    S[:, 3] = bullet
    S[:, 4] = ind
    W = _windows(S, (1, 3, 10))
    F[col["long_w1"]] = W[1][:, 0]
    F[col["long_w3"]] = W[3][:, 0]
    F[col["long_w10"]] = W[10][:, 0]
    F[col["len_w3"]] = W[3][:, 1]
    F[col["len_w10"]] = W[10][:, 1]
    F[col["stop_w3"]] = W[3][:, 2]
    F[col["stop_w10"]] = W[10][:, 2]
    F[col["bullet_w3"]] = W[3][:, 3]
    F[col["bullet_w10"]] = W[10][:, 3]
    prev = np.zeros((m, 5))
    prev[1:] = S[:-1]
    nxt = np.zeros((m, 5))
    nxt[:-1] = S[1:]
    F[col["chars_prev"]] = prev[:, 1]
    F[col["chars_next"]] = nxt[:, 1]
    F[col["stop_prev"]] = prev[:, 2]
    F[col["stop_next"]] = nxt[:, 2]
    F[col["bullet_prev"]] = prev[:, 3]
    F[col["bullet_next"]] = nxt[:, 3]
    F[col["indent_prev"]] = prev[:, 4]
    F[col["indent_next"]] = nxt[:, 4]

    # prose region
    prose = (nc >= PROSE) & (stop_ratio >= 0.15) & (occ == 0)
    n_prose = int(prose.sum())
    F[col["prose_lines_page"]] = np.log1p(n_prose)
    F[col["prose_frac_page"]] = n_prose / m
    F[col["long_frac_page"]] = np.add.reduce(is_long) / m  # == is_long.mean()
    F[col["dist_prose_up"]] = _dist_to_flag(prose, True)
    F[col["dist_prose_down"]] = _dist_to_flag(prose, False)
    pw = np.where(prose, nc, 0.0)
    cpw = np.cumsum(pw)
    tot_pw = max(float(cpw[-1]), 1.0)
    F[col["cum_prose_before"]] = (cpw - pw) / tot_pw
    F[col["cum_prose_after"]] = (tot_pw - cpw) / tot_pw
    if n_prose:
        pidx = np.flatnonzero(prose)
        fp, lp = pidx[0], pidx[-1]
        F[col["after_first_prose"]] = (idx - fp) / m
        F[col["before_last_prose"]] = (lp - idx) / m
        F[col["between_prose"]] = (idx >= fp) & (idx <= lp)
        # likely title: the nearest short, non-bullet line above the first prose line
        cand = np.flatnonzero((idx < fp) & (nc >= 10) & (nc < PROSE) & (bullet == 0))
        t = cand[-1] if cand.size else fp
        F[col["dist_title"]] = np.clip(idx - t, -50, 50)
    else:
        F[col["after_first_prose"]] = -1.0
        F[col["before_last_prose"]] = -1.0
        F[col["between_prose"]] = 0.0
        F[col["dist_title"]] = 50.0
    return np.ascontiguousarray(F.T, dtype=np.float32), rows, stripped  # (m, nf)


def _repeats(items: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count of each item in the list, index of this occurrence among equal items, count
    of the items equal to it once lower-cased). Only the distinct items are lowered."""
    m = len(items)
    last = dict(zip(items, range(m)))  # distinct item -> its last index
    ids = np.fromiter(map(last.__getitem__, items), dtype=np.int64, count=m)
    n_at = np.bincount(ids, minlength=m)  # each distinct item's count, at its last index
    rep = n_at[ids].astype(np.float64)
    occ = np.zeros(m)
    if rep.max() > 1:
        order = np.argsort(ids, kind="stable")
        sid = ids[order]
        new = np.empty(m, dtype=bool)
        new[0] = True
        new[1:] = sid[1:] != sid[:-1]
        gstart = np.flatnonzero(new)
        glen = np.diff(np.append(gstart, m))
        occ[order] = np.arange(m) - np.repeat(gstart, glen)
    lowered = list(map(str.lower, last))
    low_last = dict(zip(lowered, last.values()))  # lowered text -> last index with it
    if len(low_last) == len(last):  # no two distinct items differ only by case
        return rep, occ, rep
    lids = np.fromiter(map(low_last.__getitem__, lowered), dtype=np.int64, count=len(lowered))
    lcount = np.bincount(lids, weights=n_at[list(last.values())], minlength=m)
    lid_at = np.zeros(m, dtype=np.int64)  # last index of the distinct item -> its lower group
    lid_at[list(last.values())] = lids
    return rep, occ, lcount[lid_at[ids]]


def _windows(S: np.ndarray, widths: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Mean of each column of S over the w neighbours on each side (self excluded)."""
    m, k = S.shape
    W = max(widths)
    # c[j] = sum of S[:j]; cp[W + j] = c[clip(j, 0, m)], so the window sums are slices
    cp = np.empty((m + 1 + 2 * W, k))
    cp[:W + 1] = 0.0
    np.cumsum(S, axis=0, out=cp[W + 1:W + 1 + m])
    cp[W + 1 + m:] = cp[W + m]
    idx = np.arange(m)
    out = {}
    for w in widths:
        lo = np.maximum(idx - w, 0)
        hi = np.minimum(idx + w + 1, m)
        cnt = (hi - lo - 1).astype(np.float64)
        np.maximum(cnt, 1.0, out=cnt)
        s = cp[W + w + 1:W + w + 1 + m] - cp[W - w:W - w + m]
        s -= S
        s /= cnt[:, None]
        out[w] = s
    return out


def context_features(p: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Second-pass features from first-pass probabilities ``p`` of the non-blank lines."""
    m = p.shape[0]
    out = np.empty((m, len(CONTEXT_NAMES)), dtype=np.float64)
    if m == 0:
        return out.astype(np.float32)
    p = p.astype(np.float64)
    nc = X[:, _COL["n_chars"]].astype(np.float64)
    w = X[:, _COL["log_chars"]].astype(np.float64)
    S = np.empty((m, 3))
    S[:, 0] = p
    S[:, 1] = p * w
    S[:, 2] = w
    W = _windows(S, (3, 10, 30))
    out[:, 0] = p
    out[:, 1:5] = 0.5
    out[1:, 1] = p[:-1]
    out[:-1, 2] = p[1:]
    out[2:, 3] = p[:-2]
    out[:-2, 4] = p[2:]
    out[:, 5] = W[3][:, 0]
    out[:, 6] = W[10][:, 0]
    out[:, 7] = W[30][:, 0]
    new_block = X[:, _COL["blank_before"]] > 0
    new_block[0] = True
    bid = np.cumsum(new_block) - 1
    bstart = np.flatnonzero(new_block)
    cnt = np.empty(bstart.shape[0], dtype=np.int64)
    np.subtract(bstart[1:], bstart[:-1], out=cnt[:-1])
    cnt[-1] = m - bstart[-1]
    out[:, 8] = (np.add.reduceat(p, bstart) / cnt)[bid]
    out[:, 9] = np.maximum.reduceat(p, bstart)[bid]
    out[:, 10] = W[3][:, 1] / np.maximum(W[3][:, 2], 1e-6)
    out[:, 11] = W[10][:, 1] / np.maximum(W[10][:, 2], 1e-6)
    out[:, 12] = np.add.reduce(p) / m  # == p.mean()
    out[:, 13] = (p * nc).sum() / max(nc.sum(), 1.0)
    kept = p >= 0.5
    kn = np.where(kept, nc, 0.0)
    ck = np.cumsum(kn)
    tot = max(float(ck[-1]), 1.0)
    out[:, 14] = (ck - kn) / tot
    out[:, 15] = (tot - ck) / tot
    out[:, 16] = _dist_to_flag(kept, True)
    out[:, 17] = _dist_to_flag(kept, False)
    return out.astype(np.float32)
