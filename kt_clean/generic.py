"""The generic cleaner for text dumps of pages no layout claims.

It decides per line from the text alone (see ``docs/algorithm.md``): prose lines are kept,
menu bullets and short navigation lines are removed, lines repeated within the page are
removed, and a second pass revises short lines by their neighbours. It never returns an
empty body for a page that has text: if nothing looks like prose, the longest lines are kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .model import Label

RULE = "generic"

#: A line with at least this many words and a sentence shape is prose.
PROSE_MIN_WORDS = 8
#: ... or at least this many characters.
PROSE_MIN_CHARS = 80
#: A short line with prose within this many lines on both sides is kept (subheading, short
#: paragraph).
CONTEXT_WINDOW = 2
#: When no line is prose, keep lines at least this share of the longest line's length.
FALLBACK_SHARE = 0.5

_BULLET = re.compile(r"^\s*(?:[•◦▪■□‣*·]|\d{1,3}[.)]\s)\s*")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)]\s*$")
_BYLINE = re.compile(r"^\s*(?:By|by|BY)\s+[A-Z][\w.'-]+(?:[ ,]+(?:and\s+)?[A-Z][\w.'-]+){0,6}\s*$")
_DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _is_prose(text: str, words: int) -> bool:
    if _BULLET.match(text) and words < PROSE_MIN_WORDS * 2:
        return False
    return (words >= PROSE_MIN_WORDS and bool(_SENTENCE_END.search(text))) or (
        len(text) >= PROSE_MIN_CHARS and words >= PROSE_MIN_WORDS)


def clean(lines: Sequence[str]) -> tuple[list[Label], dict[str, list[str]]]:
    """One label per line, and the fields found (title, byline, published, email)."""
    n = len(lines)
    stripped = [line.strip() for line in lines]
    counts = Counter(t for t in stripped if t)
    words = [len(_WORD.findall(t)) for t in stripped]
    prose = [bool(t) and counts[t] == 1 and _is_prose(t, w) for t, w in zip(stripped, words)]

    if not any(prose):
        longest = max((len(t) for t in stripped), default=0)
        prose = [bool(t) and len(t) >= FALLBACK_SHARE * longest and not _BULLET.match(lines[i])
                 for i, t in enumerate(stripped)]
        if not any(prose):  # only bullets: keep them all rather than nothing
            prose = [bool(t) for t in stripped]

    labels: list[Label] = []
    for i, t in enumerate(stripped):
        if not t:
            labels.append(Label(False, "blank", f"{RULE}:blank"))
        elif prose[i]:
            labels.append(Label(True, "body", f"{RULE}:prose"))
        elif counts[t] > 1:
            labels.append(Label(False, "duplicate", f"{RULE}:repeated-line"))
        elif _BULLET.match(lines[i]):
            labels.append(Label(False, "nav", f"{RULE}:bullet"))
        else:
            labels.append(Label(False, "short", f"{RULE}:short-line"))

    # Second pass: a short line between prose lines is part of the text (subheading, short
    # paragraph, quote), as jusText revises short blocks by their neighbours.
    kept_at = [i for i in range(n) if labels[i].kept]
    for i in range(n):
        lab = labels[i]
        if lab.kept or lab.tag != "short":
            continue
        before = any(labels[j].kept for j in range(max(0, i - CONTEXT_WINDOW - 1), i))
        after = any(labels[j].kept for j in range(i + 1, min(n, i + CONTEXT_WINDOW + 2)))
        if before and after:
            from .stripping import is_subheading_text

            role = "subheading" if is_subheading_text(stripped[i]) else "body"
            labels[i] = Label(True, role, f"{RULE}:between-prose")

    fields: dict[str, list[str]] = {}
    if kept_at:
        _find_header(lines, stripped, labels, fields, kept_at[0])
    # Blank lines between kept lines are kept as separators.
    for i in range(1, n - 1):
        if labels[i].tag == "blank" and not labels[i].kept:
            prev_kept = labels[i - 1].kept
            nxt = next((labels[j] for j in range(i + 1, n) if stripped[j]), None)
            if prev_kept and nxt is not None and nxt.kept:
                labels[i] = Label(True, "blank", f"{RULE}:blank")
    return labels, fields


def _find_header(lines: Sequence[str], stripped: Sequence[str], labels: list[Label],
                 fields: dict[str, list[str]], first: int) -> None:
    """Title, byline and date in the few lines above the first kept line."""
    title_at = None
    for j in range(first - 1, max(-1, first - 12), -1):
        t = stripped[j]
        if not t or _BULLET.match(lines[j]):
            continue
        if _BYLINE.match(t) and "byline" not in fields:
            labels[j] = Label(True, "byline", f"{RULE}:byline")
            fields["byline"] = [t]
            continue
        if _DATE.search(t) and len(t) < 60 and "published_text" not in fields:
            fields["published_text"] = [t]
            continue
        words = len(t.split())
        if 2 <= words <= 25 and not t.endswith((".", ",", ":")) and title_at is None:
            title_at = j
            break
    if title_at is not None:
        labels[title_at] = Label(True, "title", f"{RULE}:title")
        fields["title"] = [stripped[title_at]]
