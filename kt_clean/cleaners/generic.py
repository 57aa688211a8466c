"""The generic cleaner for text dumps of pages no layout claims.

:func:`clean` asks the learned line classifier (``kt_clean.classifier``: gradient-boosted
trees over per-line text features, with a second pass by context) which lines are the
article, and finds the title and byline above the text. When the classifier keeps nothing
of a page that has text, :func:`heuristic` decides instead: prose lines are kept, menu
bullets and short navigation lines are removed, lines repeated within the page are removed,
and a second pass revises short lines by their neighbours; if nothing looks like prose, the
longest lines are kept. So a page with visible text never gives an empty body.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..limits import Limits
from ..model import Document, Label
from ..textshape import NOT_A_HEADLINE_END, is_list_item, is_prose, is_subheading_text

RULE = "generic"
#: A short line with prose within this many lines on both sides is kept (subheading, short
#: paragraph).
CONTEXT_WINDOW = 2
#: When no line is prose, keep lines at least this share of the longest line's length.
FALLBACK_SHARE = 0.5

_WORD = re.compile(r"\w+")
_BYLINE = re.compile(r"^\s*(?:(?:Written|Posted|Words)\s+)?(?:By|by|BY)\s+"
                     r"[A-Z][\w.'-]+(?:[ ,]+(?:and\s+)?[A-Z][\w.'-]+){0,6}\s*$")
_DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4})\b")


def clean(doc: Document, limits: Limits) -> Document:
    """The document with every line labelled, and the title and byline found."""
    labels, fields = label_lines(doc.lines)
    return doc.replace(labels=tuple(labels), fields={k: tuple(v) for k, v in fields.items()})


def label_lines(lines: Sequence[str]) -> tuple[list[Label], dict[str, list[str]]]:
    """One label per line, and the fields found (title, byline)."""
    if not any(line.strip() for line in lines):
        return heuristic(lines)
    from ..classifier import classify  # numpy and the model load on the first generic page

    labels = [Label(d.kept, d.label, "generic:" + d.rule.rpartition(".")[2])
              for d in classify(lines)]
    kept_at = [i for i, lab in enumerate(labels) if lab.kept and lab.tag != "blank"]
    if not any(labels[i].tag != "title" for i in kept_at):
        return heuristic(lines)
    fields: dict[str, list[str]] = {}
    stripped = [line.strip() for line in lines]
    title_at = next((i for i in kept_at if labels[i].tag == "title"), None)
    if title_at is not None:
        fields["title"] = [stripped[title_at]]
    _find_header(lines, stripped, labels, fields, title_at if title_at is not None else kept_at[0])
    return labels, fields


def heuristic(lines: Sequence[str]) -> tuple[list[Label], dict[str, list[str]]]:
    """The rule-based cleaner: one label per line, and the fields found."""
    n = len(lines)
    stripped = [line.strip() for line in lines]
    counts = Counter(t for t in stripped if t)
    words = [len(_WORD.findall(t)) for t in stripped]
    prose = [bool(t) and counts[t] == 1 and is_prose(t, w) for t, w in zip(stripped, words)]

    if not any(prose):
        longest = max((len(t) for t in stripped), default=0)
        prose = [bool(t) and len(t) >= FALLBACK_SHARE * longest and not is_list_item(lines[i])
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
        elif is_list_item(lines[i]):
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


#: A title has this many words at least (two-word lines above a text are mostly names).
TITLE_MIN_WORDS = 3
TITLE_MAX_WORDS = 25
#: How far above the text the title and byline are looked for.
HEADER_WINDOW = 12


# w3m separates the links of a row by several spaces: "Log in   Sign up".
_LINK_ROW = re.compile(r"\S {3,}\S")
_DATELINE = re.compile(r"^(?:Published|Updated|Posted|Last updated|Modified)\b", re.IGNORECASE)


def _title_like(text: str) -> bool:
    words = len(text.split())
    return (TITLE_MIN_WORDS <= words <= TITLE_MAX_WORDS and not text.endswith(NOT_A_HEADLINE_END)
            and not _DATE.search(text) and not _DATELINE.match(text) and "|" not in text
            and not _LINK_ROW.search(text))


def _title_score(text: str, distance: int) -> float:
    """Longer headings score higher, and so do nearer ones: a three-word line right above
    the text is more often a button or a name than the headline a few lines up."""
    return min(len(text.split()), 12) - 0.5 * distance


def _find_header(lines: Sequence[str], stripped: Sequence[str], labels: list[Label],
                 fields: dict[str, list[str]], first: int) -> None:
    """The title and byline: the first kept line when it is a heading over a longer
    paragraph, else the nearest heading-like line above the text; a ``By ...`` line there."""
    if "title" not in fields:
        nxt = next((j for j in range(first + 1, len(lines)) if labels[j].kept and stripped[j]),
                   None)
        if (_title_like(stripped[first]) and not is_list_item(lines[first]) and nxt is not None
                and len(stripped[nxt]) > len(stripped[first])):
            labels[first] = Label(True, "title", f"{RULE}:title")
            fields["title"] = [stripped[first]]
    best: tuple[float, int] | None = None
    for j in range(first - 1, max(-1, first - HEADER_WINDOW), -1):
        t = stripped[j]
        if not t or is_list_item(lines[j]) or labels[j].kept:
            continue
        if _BYLINE.match(t):
            if "byline" not in fields:
                labels[j] = Label(True, "byline", f"{RULE}:byline")
                fields["byline"] = [t]
            continue
        if "title" not in fields and _title_like(t):
            score = _title_score(t, first - j)
            if best is None or score > best[0]:
                best = (score, j)
    if best is not None:
        at = best[1]
        above = next((j for j in range(at - 1, max(-1, at - 3), -1) if stripped[j]), None)
        if above is not None and _title_like(stripped[above]) and not is_list_item(lines[above]):
            # a headline over its deck: the upper line is the title
            labels[at] = Label(True, "subtitle", f"{RULE}:subtitle")
            fields["subtitle"] = [stripped[at]]
            at = above
        labels[at] = Label(True, "title", f"{RULE}:title")
        fields["title"] = [stripped[at]]
