"""A slow, obvious reference for the classifier's features, checked bit for bit.

``features.extract`` and ``features.context_features`` are vectorised for speed (whole-page
numpy calls on code points, cumulative sums, lookup tables). Here every column of
``BASE_NAMES`` and ``CONTEXT_NAMES`` is computed again line by line, in plain Python,
from its meaning; the fast results must equal the reference's float64 values cast to
float32 exactly (as ``extract`` casts its own).

Where the fast code computes something other than the plainest reading of a feature's
name, the reference follows the fast code (the shipped model was trained on what it
computes) and says so in a comment starting "Oddity:".
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kt_clean.classifier import features, load_model
from kt_clean.classifier.features import (
    BASE_NAMES,
    BULLETS,
    CONTEXT_NAMES,
    KEYWORD_MARKS,
    KEYWORD_STARTS,
    KEYWORDS,
    LONG,
    PROSE,
    RUN_GAP,
    STOPWORDS,
    context_features,
    extract,
)

REPO = Path(__file__).resolve().parent.parent
WCXB_DUMPS = Path("/work/shared/data/wcxb-dev/dumps-w3m")  # shared data, never copied here
WCXB_SAMPLE = 20

BOILER_WORDS = [w.strip() for w in Path(features.__file__).with_name(
    "boilerplate-words.txt").read_text(encoding="utf-8").splitlines() if w.strip()]
# a stopword counts as itself, Capitalised or in UPPER case
STOP_CASED = {v for w in STOPWORDS for v in (w, w.capitalize(), w.upper())}
SENTENCE_END = ".!?\"'”’)"  # Oddity: quotes and ")" end a sentence too, as "." does
SEPARATORS = "|»›/>·•"


def log1p(x: float) -> float:
    # math.log1p equals numpy's float64 log1p here (checked on 0..2e6); an ulp of
    # difference on another machine would almost never survive the cast to float32.
    return math.log1p(x)


# --- characters


@cache
def char_class(c: str) -> tuple[bool, bool, bool, bool]:
    """(digit, letter, upper-case letter, punctuation) for one character."""
    if ord(c) >= 0x3001:
        # Oddity: every character from U+3001 up is a letter, and only a letter: CJK
        # punctuation ("。"), emoji, fullwidth digits ("２") and capitals ("Ａ"), and lone
        # surrogates alike (U+3000, the ideographic space, is the last whitespace).
        return False, True, False, False
    if c.isdigit():  # Oddity: str.isdigit, so superscripts ("²") are digits too
        return True, False, False, False
    if c.isalpha():
        return False, True, c.isupper(), False
    # Oddity: "_" and numerals that are not digits ("½", "Ⅻ") are neither digits,
    # letters nor punctuation; control characters are punctuation.
    punct = not c.isspace() and c != "_" and not c.isalnum()
    return False, False, False, punct


def is_digit(c: str) -> bool:
    return char_class(c)[0]


def is_upper(c: str) -> bool:
    return char_class(c)[2]


def count_keywords(text: str, page_has_dotted_i: bool) -> int:
    low = text.lower()
    if page_has_dotted_i:
        # Oddity: on a page holding U+0130 anywhere ("İ", whose lower case is two
        # characters) the fast code counts the keywords present, not their occurrences.
        return sum(w in low for w in BOILER_WORDS)
    # Occurrences as substrings ("unsubscribe" holds "subscribe", "catalog index" holds
    # "log in"); none of the keywords overlaps itself, so str.count (which does not count
    # overlaps) says what the fast scan (which would) does.
    return sum(low.count(w) for w in BOILER_WORDS)


def has_year(s: str) -> bool:
    """19xx or 20xx, not part of a longer run of digits."""
    for p in range(len(s) - 3):
        # Oddity: "19" / "20" must be ASCII, the other two digits can be any digit
        if s[p:p + 2] in ("19", "20") and is_digit(s[p + 2]) and is_digit(s[p + 3]) \
                and not (p > 0 and is_digit(s[p - 1])) \
                and not (p + 4 < len(s) and is_digit(s[p + 4])):
            return True
    return False


# --- neighbourhoods


def prefix_sums(values: Sequence[float]) -> list[float]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return out


def neighbour_mean(values: Sequence[float], prefix: Sequence[float], k: int, w: int) -> float:
    """Mean of ``values`` over the lines at most ``w`` away from line k, itself excluded
    (fewer at the page's edges; 0 when there are none).

    Arithmetic as in the fast code, for identical bits: the sum is a difference of running
    sums (``prefix``) less the line's own value. A direct sum of the neighbours differs in
    the last bits when the values are not integers, and on the test pages that shows in
    float32 in about 1% of the stop_w3 / stop_w10 values."""
    lo, hi = max(k - w, 0), min(k + w, len(values) - 1)
    return ((prefix[hi + 1] - prefix[lo]) - values[k]) / max(hi - lo, 1)


def distance_to_flag(flags: Sequence[bool], k: int, up: bool, cap: int = 50) -> float:
    """Lines from line k to the nearest flagged line above (up) or below, capped.

    Oddity: line k itself never counts, so a flagged line's distance is to the next
    flagged line beyond it (1 in a run of them)."""
    others = range(k - 1, -1, -1) if up else range(k + 1, len(flags))
    for j in others:
        if flags[j]:
            return float(min(abs(k - j), cap))
    return float(cap)


def blocks_of(starts_block: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, end) of each block: a line starting a block, then those that do not."""
    firsts = [k for k, s in enumerate(starts_block) if s]
    return list(zip(firsts, [*firsts[1:], len(starts_block)]))


# --- the base features


def reference_extract(lines: Sequence[str]) -> tuple[npt.NDArray[np.float32], list[int],
                                                      list[str]]:
    rows = [i for i, line in enumerate(lines) if line.strip()]
    texts = [lines[i].strip() for i in rows]
    m = len(rows)
    if m == 0:
        return np.zeros((0, len(BASE_NAMES)), dtype=np.float32), rows, texts
    dotted_i = any("\u0130" in t for t in texts)
    counts = Counter(texts)
    lower_counts = Counter(t.lower() for t in texts)
    seen: Counter[str] = Counter()
    total_chars = sum(map(len, texts))
    f: list[dict[str, float]] = []
    for k, s in enumerate(texts):
        line = lines[rows[k]]
        words = s.split()
        nc, nw = len(s), len(words)
        digits, letters, uppers, puncts = map(sum, zip(*map(char_class, s)))
        # Oddity: a stopword counts only as a whole whitespace-separated token, in lower
        # case, Capitalised or UPPER case ("the," "(the" and "tHe" do not count).
        n_stop = sum(w in STOP_CASED for w in words)
        # Oddity: "-", "*", "+", ">" and dashes are bullets too: "-5 °C", "> quoted text"
        # and "— A. Name" start with a bullet.
        bullet = s[0] in BULLETS
        n_sep = sum(c in SEPARATORS for c in s)
        r = {
            "n_chars": nc,
            "log_chars": log1p(nc),
            "n_words": nw,
            # Oddity: letters and digits per word; punctuation is not part of a word's length
            "mean_word_len": (letters + digits) / max(nw, 1),
            "stop_ratio": n_stop / max(nw, 1),
            "n_stop": n_stop,
            "digit_ratio": digits / nc,
            "upper_ratio": uppers / max(letters, 1),  # of the letters
            "alpha_ratio": letters / nc,
            "punct_ratio": puncts / nc,
            "n_sent_punct": sum(c in ".!?" for c in s),
            "n_comma": sum(c in ",;" for c in s),
            "n_sep": n_sep,
            "cap_word_ratio": sum(is_upper(w[0]) for w in words) / max(nw, 1),
            "ends_sent": s[-1] in SENTENCE_END,
            "ends_colon": s.endswith(":"),
            "starts_upper": is_upper(s[0]),
            # Oddity: letters without case (Hebrew, and all from U+3001 up) are never
            # upper case, so a line holding one is not all caps.
            "all_caps": letters >= 3 and uppers == letters,
            "indent": min(len(line) - len(line.lstrip()), 40),  # in characters (tab = 1)
            "bullet": bullet,
            # Oddity: a number of one or two digits only ("123." is not numbered), and
            # "1.5 million" is numbered.
            "numbered": is_digit(s[0]) and ((nc > 1 and s[1] in ".)")
                                            or (nc > 2 and is_digit(s[1]) and s[2] in ".)")),
            "ellipsis": s.endswith(("...", "…")),
            "boiler_kw": count_keywords(s, dotted_i),
            "has_year": has_year(s),
            # Oddity: a leading bullet is taken off the separators even when it is none of
            # them ("- Home" has no separator and gets -1 / 2).
            "pipe_or_arrow": (n_sep - bullet) / max(nw, 1),
            "repeat_count": counts[s],
            "occurrence": seen[s],  # earlier lines with the same text
            "lower_repeat": lower_counts[s.lower()],
            "pos_line": k / max(m - 1, 1),
            "pos_char": sum(map(len, texts[:k])) / max(total_chars, 1),
            "n_lines_page": log1p(m),
            "log_chars_page": log1p(total_chars),
        }
        seen[s] += 1
        # Oddity: the top of the page counts as a blank line before the first line, but
        # the bottom as exactly one after the last whatever the trailing blank lines.
        blanks = rows[k] - rows[k - 1] - 1 if k else rows[0] + 1
        r["blank_before"] = min(blanks, 5)
        f.append(r)
    for k in range(m):
        f[k]["blank_after"] = f[k + 1]["blank_before"] if k + 1 < m else 1

    # blocks: runs of lines with no blank line between them
    for first, end in blocks_of([k == 0 or rows[k] - rows[k - 1] > 1 for k in range(m)]):
        block = f[first:end]
        for k in range(first, end):
            f[k]["block_lines"] = len(block)
            f[k]["block_chars_log"] = log1p(sum(r["n_chars"] for r in block))
            f[k]["block_pos"] = k - first
            f[k]["block_max_len"] = log1p(max(r["n_chars"] for r in block))
            f[k]["block_long_frac"] = sum(r["n_chars"] >= LONG for r in block) / len(block)

    # the lines around: windows of 1, 3 and 10 lines each side, the previous and next line
    series = {
        "long": [float(r["n_chars"] >= LONG) for r in f],
        "len": [r["log_chars"] for r in f],
        "stop": [r["stop_ratio"] for r in f],
        "bullet": [float(r["bullet"]) for r in f],
    }
    for name, values in series.items():
        prefix = prefix_sums(values)
        for w in (1, 3, 10) if name == "long" else (3, 10):
            for k in range(m):
                f[k][f"{name}_w{w}"] = neighbour_mean(values, prefix, k, w)
    for k in range(m):
        # Oddity: chars_prev / chars_next are the neighbour's log length
        for name, of in (("chars", "log_chars"), ("stop", "stop_ratio"), ("bullet", "bullet"),
                         ("indent", "indent")):
            f[k][f"{name}_prev"] = f[k - 1][of] if k > 0 else 0.0
            f[k][f"{name}_next"] = f[k + 1][of] if k + 1 < m else 0.0

    # the prose region: long lines with stopwords, first occurrences only
    prose = [r["n_chars"] >= PROSE and r["stop_ratio"] >= 0.15 and r["occurrence"] == 0
             for r in f]
    prose_idx = [k for k in range(m) if prose[k]]
    prose_chars = [r["n_chars"] if p else 0 for r, p in zip(f, prose)]
    total_prose = max(sum(prose_chars), 1)
    title = None
    if prose_idx:
        fp, lp = prose_idx[0], prose_idx[-1]
        # the likely title: the nearest line above the first prose line that is neither
        # very short, prose-long, nor a bullet. Oddity: when there is none, the first
        # prose line itself.
        above = [k for k in range(fp) if 10 <= f[k]["n_chars"] < PROSE and not f[k]["bullet"]]
        title = above[-1] if above else fp
    long_frac = sum(r["n_chars"] >= LONG for r in f) / m
    for k, r in enumerate(f):
        r["dist_prose_up"] = distance_to_flag(prose, k, up=True)
        r["dist_prose_down"] = distance_to_flag(prose, k, up=False)
        r["prose_lines_page"] = log1p(len(prose_idx))
        r["prose_frac_page"] = len(prose_idx) / m
        r["long_frac_page"] = long_frac
        # Oddity: on a page without prose, cum_prose_after is 1 on every line (not 0)
        r["cum_prose_before"] = sum(prose_chars[:k]) / total_prose
        r["cum_prose_after"] = (total_prose - sum(prose_chars[:k + 1])) / total_prose
        if prose_idx and title is not None:
            # Oddity: over the page's line count m (pos_line divides by m - 1)
            r["after_first_prose"] = (k - fp) / m
            r["before_last_prose"] = (lp - k) / m
            r["between_prose"] = fp <= k <= lp
            r["dist_title"] = min(max(k - title, -50), 50)
        else:
            r["after_first_prose"] = -1.0
            r["before_last_prose"] = -1.0
            r["between_prose"] = False
            r["dist_title"] = 50.0
    for r, s in zip(f, texts):
        r.update(reference_keywords(s))
    X = np.array([[float(r[name]) for name in BASE_NAMES] for r in f], dtype=np.float64)
    return X.astype(np.float32), rows, texts


# --- the keyword groups


def keyword_words(s: str) -> list[str]:
    """A line's words as the keyword phrases see them: runs of ASCII letters and digits,
    lower-cased. Oddity: any other letter or digit (and every character from U+3001 up,
    as for the character classes) is an ``x`` inside a word, so "café" is the word
    "cafx", which no phrase is."""
    out = []
    for c in s:
        if ord(c) >= 0x3001:
            out.append("x")
        elif c.isascii() and c.isalnum():
            out.append(c.lower())
        elif c.isalnum():
            out.append("x")
        else:
            out.append(" ")
    return "".join(out).split()


def reference_keywords(s: str) -> dict[str, float]:
    words = keyword_words(s)
    counts = dict.fromkeys(KEYWORDS, 0)
    for group, phrases in KEYWORDS.items():
        for phrase in phrases:
            want = phrase.lstrip("^").split()
            starts = [0] if phrase.startswith("^") else range(len(words))
            counts[group] += sum(words[i:i + len(want)] == want for i in starts)
    for group, marks in KEYWORD_MARKS.items():
        counts[group] += sum(s.count(mark) for mark in marks)
    counts["linkmark"] += len(re.findall(r"\[\d+\]", s))
    for group, prefixes in KEYWORD_STARTS.items():
        counts[group] += s.startswith(prefixes)
    counts["reference"] += bool(re.search(r"\(\d{4}[a-z]?\)\.", s))
    return {f"kw_{g}": min(n, 3) for g, n in counts.items()}


# --- the context (second-pass) features


def reference_context(p: Sequence[float], X: npt.NDArray[np.float32],
                      names: Sequence[str] = tuple(CONTEXT_NAMES)) -> npt.NDArray[np.float32]:
    """The second pass's features from first-pass probabilities ``p`` (Python floats) and
    the base features ``X`` (their n_chars, log_chars and blank_before columns).

    The sums here are plain; they equal the fast code's (running sums, numpy's pairwise
    reduce) only when they are exact, which the test makes sure of (see ``dyadic``)."""
    m = len(p)
    if m == 0:
        return np.zeros((0, len(names)), dtype=np.float32)
    col = BASE_NAMES.index
    nc = [float(x) for x in X[:, col("n_chars")]]
    w = [float(x) for x in X[:, col("log_chars")]]  # the log length, as float32 values
    kept = [x >= 0.5 for x in p]
    kept_chars = [c if k else 0.0 for c, k in zip(nc, kept)]
    total_kept = max(sum(kept_chars), 1.0)
    block_of = {}
    for first, end in blocks_of([k == 0 or x > 0 for k, x in enumerate(X[:, col("blank_before")])]):
        for k in range(first, end):
            block_of[k] = p[first:end]

    def around(values: Sequence[float], k: int, width: int) -> float:
        near = [values[j] for j in range(max(k - width, 0), min(k + width, m - 1) + 1)
                if j != k]
        return sum(near) / max(len(near), 1)

    pw = [a * b for a, b in zip(p, w)]
    page_mean = sum(p) / m
    # runs of kept text: kept lines at most RUN_GAP lines apart; the main run has the most
    # characters (the first of them on a tie)
    runs: list[list[int]] = []
    for k in range(m):
        if kept[k]:
            if runs and k - runs[-1][-1] <= RUN_GAP:
                runs[-1].append(k)
            else:
                runs.append([k])
    run_chars = [sum(nc[k] for k in run) for run in runs]
    run_of = {k: i for i, run in enumerate(runs) for k in run}
    main = max(range(len(runs)), key=lambda i: (run_chars[i], -i)) if runs else None
    page_wmean = sum(a * b for a, b in zip(p, nc)) / max(sum(nc), 1.0)
    rows = []
    for k in range(m):
        r = {
            "p_self": p[k],
            # the neighbours one and two lines up and down; 0.5 past the page's edges
            "p_prev1": p[k - 1] if k >= 1 else 0.5,
            "p_next1": p[k + 1] if k + 1 < m else 0.5,
            "p_prev2": p[k - 2] if k >= 2 else 0.5,
            "p_next2": p[k + 2] if k + 2 < m else 0.5,
            "p_w3": around(p, k, 3),
            "p_w10": around(p, k, 10),
            "p_w30": around(p, k, 30),
            "p_block_mean": sum(block_of[k]) / len(block_of[k]),
            "p_block_max": max(block_of[k]),
            # the neighbours' mean of p weighted by their log length (the quotient of
            # the two means, as the fast code divides them; a log length is at least
            # log 2, so the 1e-6 guard only acts with no neighbours: 0 / 1e-6)
            "pw_w3": around(pw, k, 3) / max(around(w, k, 3), 1e-6),
            "pw_w10": around(pw, k, 10) / max(around(w, k, 10), 1e-6),
            "p_page_mean": page_mean,
            "p_page_wmean": page_wmean,  # weighted by length
            # the characters of the lines kept by the first pass (p >= 0.5) above and
            # below. Oddity: when none is kept, p_kept_after is 1 on every line.
            "p_kept_before": sum(kept_chars[:k]) / total_kept,
            "p_kept_after": (total_kept - sum(kept_chars[:k + 1])) / total_kept,
            "p_dist_up": distance_to_flag(kept, k, up=True),
            "p_dist_down": distance_to_flag(kept, k, up=False),
            "p_w100": around(p, k, 100),
            "pw_w30": around(pw, k, 30) / max(around(w, k, 30), 1e-6),
            "p_run_log": log1p(run_chars[run_of[k]]) if k in run_of else 0.0,
        }
        if main is None:
            r.update(p_in_main=0.0, p_dist_main=50.0, p_main_share=0.0)
        else:
            lo, hi = runs[main][0], runs[main][-1]
            r.update(p_in_main=float(lo <= k <= hi),
                     p_dist_main=float(min(max(lo - k, k - hi, 0), 50)),
                     p_main_share=run_chars[main] / max(sum(run_chars), 1.0))
        rows.append([float(r[name]) for name in names])
    return np.array(rows, dtype=np.float64).reshape(m, len(names)).astype(np.float32)


def dyadic(m: int, seed: int) -> npt.NDArray[np.float64]:
    """Probabilities that are multiples of 1/1024 (0, 0.5 and 1 among them), so that every
    sum the context features take (of p, p * log length, p * length) is exact in float64
    and so the same in any order: the fast code sums by running sums and numpy's pairwise
    reduce, the reference plainly."""
    rng = np.random.default_rng(seed)
    p = rng.integers(0, 1025, size=m) / 1024.0
    p[:: 7] = 0.5
    p[3:: 11] = rng.choice([0.0, 1.0, 0.5 - 1 / 1024], size=p[3:: 11].shape)
    return p


# --- the pages


def read_lines(path: Path) -> list[str]:
    # as bench/train_classifier.py reads the dumps: "\r", "\x0c", U+2028 stay in the lines
    return path.read_bytes().decode("utf-8", errors="replace").split("\n")


def repo_pages() -> list[Path]:
    pages = [sorted((REPO / d).glob("*.txt")) for d in ("seeds", "tests/pages", "tests/quality")]
    return [p for ps in pages for p in ps]


def wcxb_sample() -> list[Path]:
    files = sorted(WCXB_DUMPS.glob("*.txt")) if WCXB_DUMPS.is_dir() else []
    return files[::max(1, len(files) // WCXB_SAMPLE)][:WCXB_SAMPLE]


LONG_PROSE = ("The council said on Tuesday that the new lanes would be built over the summer, "
              "and that the work would be finished before the end of the year. ") * 3

EDGE_PAGES = {
    "empty": [],
    "one empty line": [""],
    "only blank lines": ["", "   ", "\t", "\u00a0", "\u3000", "\r", "\x0c\x0b", "\u2028"],
    "one line": ["Hello"],
    "non-ascii": ["İstanbul ẞ ﬁ straße ÉCOLE Ωmega", "漢字とかな。句読点、", "😀 emoji 😀",
                  "עברית ABC", "ＡＢＣ ２０２４ fullwidth", "Ⅻ ½ ² x_y", "\ud800 lone \udfff"],
    "bullets": ["• Home", "  □ Local", "- minus", "-5 degrees", "* star", "+ plus",
                "> quote", "— Name", "–", "►", "  ✓ done", "· middle", "•"],
    "numbers and years": ["1. First", "12) twelfth", "123. no", "1", "1.", "9)", "1.5 million",
                          "In 2024.", "12024", "2024x", "x1999", "(1999)", "19²³", "2O24",
                          "1900 2099 2100 1899", "٢٠٢٤", "20١٩"],
    "long lines": [LONG_PROSE, LONG_PROSE, "word " * 2000, "x" * 5000, "", LONG_PROSE,
                   "short", LONG_PROSE.upper(), LONG_PROSE],
    "tabs and spaces": ["\tTabbed line", "\t\tTwo tabs: here", "\u00a0\u00a0NBSP indent",
                        "NO-BREAK\u00a0SPACE inside", "\u3000Ideographic\u3000space",
                        "a\u2003em\u2009thin\u202fnarrow", "      six" + " " * 50 + "indent",
                        " " * 60 + "deep indent"],
    "ends and keywords": ["Cookie settings: accept cookies", "COPYRIGHT © 2024 ©©",
                          "Unsubscribe from our newsletter", "catalog index", "Log In | Sign up",
                          "Follow us » Skip to content", "Title:", "Really?", "Said so.\"",
                          "(Reuters)", "it’s", "wait...", "wait…", "..", "a|b|c / d > e"],
    "keywords with U+0130": ["cookie cookie cookie", "İstanbul privacy privacy", "sign in"],
    "repeats and case": ["Footer", "text", "Footer", "FOOTER", "footer", "Footer", "text"],
    "stopwords": ["The the THE tHe the, (the it's IT'S It's don't I'M i'm",
                  "and OR but Nor", "The cat sat on the mat."],
    "controls": ["\x00\x01 control \x1b[31m \x7f", "a\x1cb\x1dc\x1ed\x1fe", "\x85next",
                 "a\nb inner newline", "carriage\rreturn"],
    "blocks": ["", "", "a", "b", "", "", "", "", "", "", "c", "d", "e", "", "f", "", ""],
    "prose without title": ["• A menu item", "short", LONG_PROSE, "• x", "short", LONG_PROSE],
    "prose at the top": [LONG_PROSE, "• x", "A line after the prose", LONG_PROSE],
    "title far above prose": ["A title that is long enough"] + ["• item"] * 60 + [LONG_PROSE],
}


def check_same(fast: npt.NDArray[np.float32], ref: npt.NDArray[np.float32],
               names: Sequence[str], texts: Sequence[str]) -> None:
    assert fast.dtype == np.float32 and ref.dtype == np.float32
    assert fast.shape == ref.shape
    same = (fast == ref) | (np.isnan(fast) & np.isnan(ref))
    if not same.all():
        k, j = (int(x) for x in np.argwhere(~same)[0])
        pytest.fail(f"{int((~same).sum())} values differ; first: line {k} {texts[k][:60]!r}, "
                    f"{names[j]}: fast {fast[k, j]!r}, reference {ref[k, j]!r}")
    assert fast.tobytes() == ref.tobytes()  # bit for bit (0.0 and -0.0 too)


def check_page(lines: list[str], seed: int = 0, none_kept: bool = True) -> None:
    X, rows, stripped = extract(lines)
    rX, rrows, rstripped = reference_extract(lines)
    assert rows.tolist() == rrows and stripped == rstripped
    check_same(X, rX, BASE_NAMES, stripped)
    p = dyadic(X.shape[0], seed)
    check_same(context_features(p, X), reference_context(p.tolist(), X), CONTEXT_NAMES,
               stripped)
    if none_kept:  # a first pass that keeps no line
        q = np.minimum(p, 0.5 - 1 / 1024)
        check_same(context_features(q, X), reference_context(q.tolist(), X), CONTEXT_NAMES,
                   stripped)
    # a subset of the columns, in another order (the classifier asks for those it uses)
    subset = tuple(reversed(CONTEXT_NAMES[::3]))
    check_same(context_features(p, X, subset), reference_context(p.tolist(), X, subset),
               subset, stripped)


# --- the tests


@pytest.mark.parametrize("name", list(EDGE_PAGES))
def test_reference_edge_pages(name: str) -> None:
    check_page(EDGE_PAGES[name])


@pytest.mark.parametrize("path", repo_pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_reference_repo_pages(path: Path) -> None:
    check_page(read_lines(path), seed=len(path.name))


def test_reference_wcxb_sample() -> None:
    sample = wcxb_sample()
    if not sample:
        pytest.skip(f"no shared dumps at {WCXB_DUMPS}")
    n_lines = 0
    for k, path in enumerate(sample):
        lines = read_lines(path)
        n_lines += len(lines)
        check_page(lines, seed=k, none_kept=False)
    assert n_lines > 1000


def test_repo_pages_are_enough() -> None:
    pages = repo_pages()
    assert len(pages) >= 10
    assert sum(extract(read_lines(p))[0].shape[0] for p in pages) >= 300


def test_context_of_the_model_in_use() -> None:
    """The columns the shipped second pass asks for, with real first-pass probabilities
    (not exact sums: equal within float32 rounding)."""
    model = load_model()
    names = model.stage2_context or tuple(CONTEXT_NAMES)
    lines = read_lines(REPO / "tests/quality/news-article.txt")
    X, _, _ = extract(lines)
    p = model.stage1.predict(X)
    np.testing.assert_allclose(context_features(p, X, names),
                               reference_context(p.tolist(), X, names), rtol=1e-6, atol=1e-7)


def test_word_lists_are_files() -> None:
    """The word lists come from the data files beside the code, entry for entry."""
    here = Path(features.__file__).parent
    stop = (here / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    assert all(w and w == w.strip() for w in stop)
    assert frozenset(stop) == STOPWORDS and len(stop) == len(STOPWORDS)  # no repeats
    assert list(features._BOILER_WORDS) == BOILER_WORDS
    # the shipped model was trained with these lists: changing them means retraining
    assert len(STOPWORDS) == 169 and {"the", "it's", "yourselves"} <= STOPWORDS
    assert len(BOILER_WORDS) == 12 and "rights reserved" in BOILER_WORDS
