"""Applying a layout's rules to a page: one label per line, and the fields captured.

The steps, in order (``docs/algorithm.md``): the article region from its start anchor to the
first end pattern; line rules, each in its region, the first to claim a line winning; zones
after the article; what is left before and after the article; the header slots from the
article's start; and the body, where a line printed twice is a caption and a short standalone
line followed by a paragraph is a subheading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Label
from ..textshape import SUBHEADING_MAX_CHARS, ends_like_sentence, is_prose, is_subheading_text
from .matching import PageIndex
from .schema import Layout, Slot

#: A line repeated within this many lines is a photo caption printed twice.
CAPTION_REPEAT_WINDOW = 2

Fields = dict[str, list[str]]

_LABELS: dict[tuple[bool, str, str], Label] = {}


def label(kept: bool, tag: str, rule: str) -> Label:
    """The (shared, immutable) label for this decision: a page repeats a few dozen."""
    key = (kept, tag, rule)
    found = _LABELS.get(key)
    if found is None:
        found = _LABELS[key] = Label(kept, tag, rule)
    return found


def _step(lines: Sequence[str], index: int, offset: int) -> int:
    """The line ``offset`` non-blank lines away from ``index`` (blank lines do not count:
    an HTML rendering puts blank lines around headings where a text dump has none)."""
    step = 1 if offset > 0 else -1
    for _ in range(abs(offset)):
        index += step
        while 0 <= index < len(lines) and not lines[index].strip():
            index += step
    return min(max(index, 0), len(lines))


def _capture(fields: Fields, m: re.Match[str], skip: str | None = None) -> None:
    for name, value in m.groupdict().items():
        if value is not None and name != skip and value.strip():
            fields.setdefault(name, []).append(value.strip())


def apply_layout(layout: Layout, lines: Sequence[str], index: PageIndex | None = None
                 ) -> tuple[list[Label], Fields] | None:
    """Labels and captured fields, or ``None`` when the page does not fit the rules
    (no article anchor, or a required header slot missing)."""
    name = layout.name
    n = len(lines)
    index = index if index is not None else PageIndex(lines)
    labels: list[Label | None] = [None] * n
    fields: Fields = {}

    if layout.knows == "chrome":
        return None  # the rules know the chrome only: see known_chrome()
    if layout.page_type == "empty":
        # A design stored only as its chrome (cut inside its menu): every line is chrome.
        # A page of it that shows running text after all is not that: the rules do not fit.
        if index.first_line(layout.start) is None or _has_prose(lines):
            return None
        return [label(False, layout.before_reason, f"{name}:no-content")] * n, fields

    # 1. The article region [start, end).
    anchor = index.first_line(layout.start)
    if anchor is None:
        # A stored copy cut before the article's anchor: when it shows no running text, it
        # holds only the design's chrome; otherwise the rules do not fit it.
        if _has_prose(lines):
            return None
        return [label(False, layout.before_reason, f"{name}:cut-before-article")] * n, fields
    start = _step(lines, anchor, layout.start_offset)
    while start < n and layout.start_skip is not None and layout.start_skip.search(lines[start]):
        start += 1
    end = n
    for pattern in layout.ends:
        found = index.first_line(pattern.regex, start)
        if found is not None:
            end = min(end, found)

    # 2. Line rules, each in its region; the first rule to claim a line wins.
    bounds = {"anywhere": (0, n), "before": (0, start), "article": (start, end), "after": (end, n)}
    for rule in layout.rules:
        lo, hi = bounds[rule.where]
        rule_label = label(rule.kept, rule.tag, f"{name}:{rule.id}")
        if "(?P<" not in rule.regex.pattern:  # captures nothing: the line numbers will do
            for i in index.lines_matching(rule.regex, lo, hi):
                if labels[i] is None:
                    labels[i] = rule_label
            continue
        for i, m in index.matches(rule.regex, lo, hi):
            if labels[i] is None:
                labels[i] = rule_label
                _capture(fields, m)

    # 3. Zones after the article, in order; each runs to the start of the next one.
    starts: list[tuple[int, str, str]] = []
    pos = end
    for zone in layout.zones:
        found = index.first_line(zone.regex, pos, multiline=True)
        if found is not None:
            starts.append((found, zone.reason, f"{name}:{zone.id}"))
            pos = found + 1
    for k, (zs, reason, rule_id) in enumerate(starts):
        ze = starts[k + 1][0] if k + 1 < len(starts) else n
        _fill(labels, zs, ze, label(False, reason, rule_id))

    # 4. Everything else outside the article.
    _fill(labels, 0, start, label(False, layout.before_reason, f"{name}:before-article"))
    _fill(labels, end, n, label(False, layout.after_reason, f"{name}:after-article"))

    # 5. Header slots, in order, from the start of the article.
    body_start = _walk_header(layout, lines, labels, fields, start, end)
    if body_start is None:
        return None

    # 6. The body, or a list page's entries.
    if layout.page_type == "list":
        label_entries(lines, labels, body_start, end, name)
    else:
        label_body(lines, labels, body_start, end, name, subheadings=layout.subheadings)
    if layout.run_on:
        _drop_repeated_run_ons(lines, labels, name)
    return labels, fields  # type: ignore[return-value]


def _drop_repeated_run_ons(lines: Sequence[str], labels: list[Label | None], name: str) -> None:
    """A one-line story printed twice (as captions are) is kept once."""
    seen: set[str] = set()
    for i, lab in enumerate(labels):
        if lab is not None and lab.tag == "run-on":
            text = lines[i].strip()
            if text in seen:
                labels[i] = label(False, "duplicate", f"{name}:run-on.repeat")
            seen.add(text)


def _has_prose(lines: Sequence[str]) -> bool:
    """Whether a line of the page is running text (not chrome: menus, dates, widgets)."""
    return any(is_prose(t, len(t.split())) for t in map(str.strip, lines) if len(t) > 40)


def known_chrome(layout: Layout, lines: Sequence[str], index: PageIndex | None = None
                 ) -> list[Label | None]:
    """The labels of the lines a layout knows as its design's chrome (its removal rules that
    apply ``anywhere``), ``None`` for the others: for a page of a known design that shows
    more than its rules place (``knows = "chrome"``, or an ``empty`` design's page with
    running text), whose other lines the generic cleaner labels."""
    index = index if index is not None else PageIndex(lines)
    labels: list[Label | None] = [None] * len(lines)
    for rule in layout.rules:
        if rule.kept or rule.where != "anywhere":
            continue
        rule_label = label(False, rule.tag, f"{layout.name}:{rule.id}")
        for i in index.lines_matching(rule.regex, 0, len(lines)):
            if labels[i] is None:
                labels[i] = rule_label
    return labels


def _fill(labels: list[Label | None], lo: int, hi: int, fill: Label) -> None:
    """Label the unlabelled lines in [lo, hi) with ``fill``."""
    labels[lo:hi] = [fill if lab is None else lab for lab in labels[lo:hi]]


def _next_line(lines: Sequence[str], labels: list[Label | None], pos: int, end: int,
               blank_rule: str | None = None) -> int | None:
    """The next unlabelled, non-blank line at or after ``pos``; labels blanks passed over."""
    for i in range(pos, end):
        if labels[i] is not None:
            continue
        if lines[i].strip():
            return i
        if blank_rule is not None:
            labels[i] = label(True, "blank", blank_rule)
    return None


def _walk_header(layout: Layout, lines: Sequence[str], labels: list[Label | None],
                 fields: Fields, start: int, end: int) -> int | None:
    name = layout.name
    pos = start
    slots = layout.header
    for k, slot in enumerate(slots):
        i = _next_line(lines, labels, pos, end)
        m: re.Match[str] | None = None if i is None else slot.regex.search(lines[i])
        dup = None
        ok = i is not None and m is not None
        if ok and slot.repeated and i is not None:
            dup = _repeat_of(lines, labels, i, end)
            ok = dup is not None
        if ok and slot.followed_by_text and i is not None:
            ok = i + 1 < end and bool(lines[i + 1].strip())
        if ok and slot.requires_next and i is not None:
            ok = _next_fills(lines, labels, i + 1, end, slots[k + 1:], slot.requires_next)
        if not ok or i is None or m is None:
            if slot.optional:
                continue
            return None
        _next_line(lines, labels, pos, i, blank_rule=f"{name}:blank")
        labels[i] = label(True, slot.role, f"{name}:header.{slot.role}")
        key = slot.field or slot.role
        groups = m.groupdict()
        value = groups.get(key) or lines[i].strip()
        if slot.strip is not None:
            value = slot.strip.sub("", value, count=1).strip() or value
        fields.setdefault(key, []).append(value)
        _capture(fields, m, skip=key)
        if dup is not None:
            _next_line(lines, labels, i + 1, dup, blank_rule=f"{name}:blank")
            labels[dup] = label(False, "duplicate-caption", f"{name}:header.{slot.role}.repeat")
            i = dup
        pos = i + 1
    return pos


def _repeat_of(lines: Sequence[str], labels: Sequence[Label | None], i: int, end: int
               ) -> int | None:
    """The index of a second copy of line ``i`` right after it (blank lines between), if any."""
    text = lines[i].strip()
    for j in range(i + 1, min(end, i + 2 + CAPTION_REPEAT_WINDOW)):
        other = lines[j].strip()
        if not other:
            continue
        return j if other == text and labels[j] is None else None
    return None


def _next_fills(lines: Sequence[str], labels: list[Label | None], pos: int, end: int,
                later: Sequence[Slot], role: str) -> bool:
    j = _next_line(lines, labels, pos, end)
    if j is None:
        return False
    return any(s.role == role and s.regex.search(lines[j]) for s in later)


def label_body(lines: Sequence[str], labels: list[Label | None], lo: int, hi: int,
               layout: str, subheadings: bool = True) -> None:
    """Label the unlabelled lines of an article body in [lo, hi).

    A line printed twice in a row is a caption and its duplicate; a short standalone line
    followed by a paragraph is a subheading; other text is body; blank lines are kept blank.
    """
    blank = label(True, "blank", f"{layout}:blank")
    body = label(True, "body", f"{layout}:body")
    for i in range(lo, hi):
        if labels[i] is not None:
            continue
        text = lines[i].strip()
        if not text:
            labels[i] = blank
            continue
        dup = _repeat_of(lines, labels, i, hi) if len(text.split(None, 1)) == 2 else None
        if dup is not None:
            labels[i] = label(True, "caption", f"{layout}:caption-repeated")
            labels[dup] = label(False, "duplicate-caption", f"{layout}:caption-repeated")
            continue
        if subheadings and _standalone(lines, i, lo, hi) and is_subheading_text(text):
            labels[i] = label(True, "subheading", f"{layout}:subheading")
            continue
        labels[i] = body


def _standalone(lines: Sequence[str], i: int, lo: int, hi: int) -> bool:
    """Blank line before (or the body's start) and after, and a paragraph follows."""
    if i > lo and lines[i - 1].strip():
        return False
    if i + 1 >= hi or lines[i + 1].strip():
        return False
    for j in range(i + 2, hi):
        nxt = lines[j].strip()
        if nxt:
            return len(nxt) > SUBHEADING_MAX_CHARS or ends_like_sentence(nxt)
    return False


#: A list entry's summary is a line at least this long, or one that ends like a sentence;
#: a shorter line is a headline (or the kicker above one) ...
SUMMARY_MIN_CHARS = 60
#: ... and a headline is at most this long and does not end with a full stop.
HEADLINE_MAX_CHARS = 120
#: An entry's date line, perhaps with the byline glued to it (``Jul 20, 2018By Mark Peterson``).
_ENTRY_DATE = re.compile(r"^\s*(?:\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d)?"
                         r"|[A-Z][a-z]{2}\.? \d{1,2}, \d{4})(?:By [A-Z].*)?\s*$")
#: A kicker names the columnist: capitalised words (``Park Moo-jong``, ``5. Mark Peterson``).
_KICKER = re.compile(r"^(?:\d{1,2}\.\s+)?[A-Za-z][a-z]+(?:-[a-z]+)?"
                     r"(?: [A-Z][a-z]+(?:-[a-z]+)?){1,3}$")


def _summary_like(text: str) -> bool:
    return len(text) >= SUMMARY_MIN_CHARS or ends_like_sentence(text) or text.endswith("..")


def _headline_like(text: str) -> bool:
    return len(text) <= HEADLINE_MAX_CHARS and not text.endswith((".", "…"))


def label_entries(lines: Sequence[str], labels: list[Label | None], lo: int, hi: int,
                  layout: str) -> None:
    """Label the unlabelled lines of a list page's entries in [lo, hi): each entry is an
    optional kicker (a columnist's name above the headline), a headline, a summary and an
    optional date line.

    Read in turn: where a headline is due, a line is one when it is short enough and does
    not end with a full stop (else it is a summary without a headline); right after a
    headline, a long line or one ending like a sentence is its summary, and a short one is
    the next entry's headline (an entry without a summary). A name above a short line and
    a summary is the kicker.
    """
    blank = label(True, "blank", f"{layout}:blank")
    todo = [i for i in range(lo, hi) if labels[i] is None and lines[i].strip()]
    for i in range(lo, hi):
        if labels[i] is None and not lines[i].strip():
            labels[i] = blank
    texts = [lines[i].strip() for i in todo]
    after_headline = False
    headline = None
    repeat = label(False, "duplicate", f"{layout}:entry.headline-repeated")
    for k, (i, text) in enumerate(zip(todo, texts)):
        if text == headline and not after_headline:
            labels[i] = repeat  # the entry's headline printed again below its date
            headline = None
            continue
        if _ENTRY_DATE.match(text):
            role = "entry-date"
        elif (after_headline and _summary_like(text)) or not _headline_like(text):
            role = "summary"
        else:
            nxt = texts[k + 1:k + 3]
            kicker = (_KICKER.match(text) is not None and len(nxt) == 2
                      and _headline_like(nxt[0]) and not _ENTRY_DATE.match(nxt[0])
                      and _summary_like(nxt[1]))
            role = "kicker" if kicker else "headline"
        after_headline = role == "headline"
        if after_headline:
            headline = text
        labels[i] = label(True, role, f"{layout}:entry.{role}")
