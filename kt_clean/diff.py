"""What was removed, and why: a line-by-line view of a stripped page, and a unified diff.

Pure Python (no rich, no typer): :func:`view` turns a stripped :class:`Document` into a
:class:`DiffView` that any front end can draw; :func:`plain` draws it as plain text that
reads well in a log, one input line per output line; :func:`unified` gives a standard
unified diff of the page against its kept lines. The coloured terminal view is drawn from
the same :class:`DiffView` by ``kt-clean diff`` (``kt_clean/cli/diff.py``).

    >>> import kt_clean
    >>> from kt_clean.diff import view
    >>> doc = kt_clean.strip(kt_clean.read("seeds/003_67df4e5bb0c6f5bf.txt")[0])
    >>> v = view(doc)
    >>> v.summary.lines == len(doc.lines) == v.summary.kept_lines + v.summary.removed_lines
    True
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .model import Document, Label
from .vocabulary import REASONS as VOCABULARY_REASONS

#: Runs of at least this many consecutive removed lines collapse into one line by default.
COLLAPSE_DEFAULT = 4

#: Side-by-side needs at least this many columns; narrower output falls back to stacked.
SIDE_BY_SIDE_MIN_WIDTH = 100

#: A short description of each reason code (``kt_clean.vocabulary.REASONS``).
REASONS = VOCABULARY_REASONS


@dataclass(frozen=True, slots=True)
class Row:
    """One input line: 1-based ``number``, ``text`` as read, and what ``strip`` decided."""

    number: int
    text: str
    label: Label

    @property
    def kept(self) -> bool:
        return self.label.kept

    @property
    def tag(self) -> str:
        """The role of a kept line, the reason of a removed one."""
        return self.label.tag

    @property
    def rule(self) -> str:
        return self.label.rule

    @property
    def role(self) -> str | None:
        return self.label.role

    @property
    def reason(self) -> str | None:
        return self.label.reason


@dataclass(frozen=True, slots=True)
class Collapsed:
    """A run of consecutive removed lines shown as one line (see ``--full``)."""

    rows: tuple[Row, ...]

    @property
    def first(self) -> int:
        return self.rows[0].number

    @property
    def last(self) -> int:
        return self.rows[-1].number

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def reasons(self) -> tuple[tuple[str, int], ...]:
        """(reason, lines) in order of first appearance."""
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.tag] = counts.get(row.tag, 0) + 1
        return tuple(counts.items())

    def describe(self) -> str:
        """E.g. ``120 lines removed (1-121): nav 119 (site map, section menus), ...``."""
        parts = []
        for reason, n in self.reasons:
            what = REASONS.get(reason)
            count = f" {n}" if len(self.reasons) > 1 else ""
            parts.append(f"{reason}{count}" + (f" ({what})" if what else ""))
        lines = "line" if self.count == 1 else "lines"
        return f"{self.count} {lines} removed ({self.first}-{self.last}): " + ", ".join(parts)


Item = Row | Collapsed


@dataclass(frozen=True, slots=True)
class Count:
    """Lines and characters (newlines not counted) under one tag."""

    tag: str
    lines: int
    chars: int


@dataclass(frozen=True, slots=True)
class Summary:
    """The numbers under the view: they add up to the page's line and character counts."""

    source: str
    layout: str | None
    confidence: float
    evidence: tuple[str, ...]
    lines: int
    chars: int
    kept_lines: int
    kept_chars: int
    removed_lines: int
    removed_chars: int
    reasons: tuple[Count, ...]  # per reason code, in order of first appearance
    roles: tuple[Count, ...]  # per role of the kept lines, in order of first appearance


@dataclass(frozen=True, slots=True)
class DiffView:
    """Everything a front end needs to show one page: rows, collapsed items, summary."""

    source: str
    rows: tuple[Row, ...]
    items: tuple[Item, ...]
    summary: Summary

    @property
    def cleaned(self) -> tuple[str, ...]:
        """The kept lines, as ``strip --kept`` prints them."""
        return tuple(r.text for r in self.rows if r.kept)


def _counts(rows: list[Row]) -> tuple[Count, ...]:
    lines: dict[str, int] = {}
    chars: dict[str, int] = {}
    for row in rows:
        lines[row.tag] = lines.get(row.tag, 0) + 1
        chars[row.tag] = chars.get(row.tag, 0) + len(row.text)
    return tuple(Count(tag, lines[tag], chars[tag]) for tag in lines)


def rows(doc: Document) -> tuple[Row, ...]:
    """One :class:`Row` per input line, in reading order (``doc`` must be stripped)."""
    if doc.labels is None:
        raise ValueError(f"{doc.source}: document has not been stripped yet")
    return tuple(Row(i, text, lab)
                 for i, (text, lab) in enumerate(zip(doc.lines, doc.labels), 1))


def collapse(all_rows: tuple[Row, ...], threshold: int | None = COLLAPSE_DEFAULT
             ) -> tuple[Item, ...]:
    """Runs of ``threshold`` or more removed lines become one :class:`Collapsed` item.

    ``threshold`` ``None`` or below 1 keeps every row (``--full``).
    """
    if not threshold or threshold < 1:
        return tuple(all_rows)
    items: list[Item] = []
    run: list[Row] = []

    def flush() -> None:
        if len(run) >= threshold:
            items.append(Collapsed(tuple(run)))
        else:
            items.extend(run)
        run.clear()

    for row in all_rows:
        if row.kept:
            flush()
            items.append(row)
        else:
            run.append(row)
    flush()
    return tuple(items)


def summarize(doc: Document, all_rows: tuple[Row, ...]) -> Summary:
    kept = [r for r in all_rows if r.kept]
    removed = [r for r in all_rows if not r.kept]
    return Summary(
        source=doc.source,
        layout=doc.layout,
        confidence=doc.confidence,
        evidence=tuple(doc.evidence),
        lines=len(all_rows),
        chars=sum(len(r.text) for r in all_rows),
        kept_lines=len(kept),
        kept_chars=sum(len(r.text) for r in kept),
        removed_lines=len(removed),
        removed_chars=sum(len(r.text) for r in removed),
        reasons=_counts(removed),
        roles=_counts(kept),
    )


def view(doc: Document, *, collapse_at: int | None = COLLAPSE_DEFAULT) -> DiffView:
    """The view of a stripped document; ``collapse_at=None`` shows every line."""
    all_rows = rows(doc)
    return DiffView(doc.source, all_rows, collapse(all_rows, collapse_at),
                    summarize(doc, all_rows))


# -- plain text ----------------------------------------------------------------------------

def row_prefix(row: Row) -> str:
    """``- [reason rule]`` for a removed line, ``+ (role)`` for a kept one."""
    return f"+ ({row.tag})" if row.kept else f"- [{row.tag} {row.rule}]"


def header(v: DiffView) -> str:
    s = v.summary
    return (f"{s.source}: {s.layout or 'not detected'}, {s.lines} lines, "
            f"{s.kept_lines} kept, {s.removed_lines} removed")


def summary_lines(s: Summary) -> list[str]:
    """The summary as a small plain-text table."""
    table: list[tuple[str, str, str]] = [("", "lines", "chars")]
    table.append(("kept", str(s.kept_lines), str(s.kept_chars)))
    table += [(f"  {c.tag}", str(c.lines), str(c.chars)) for c in s.roles]
    table.append(("removed", str(s.removed_lines), str(s.removed_chars)))
    table += [(f"  {c.tag}", str(c.lines), str(c.chars)) for c in s.reasons]
    table.append(("total", str(s.lines), str(s.chars)))
    w0 = max(len(t[0]) for t in table)
    w1 = max(len(t[1]) for t in table)
    w2 = max(len(t[2]) for t in table)
    out = [f"{a:<{w0}}  {b:>{w1}}  {c:>{w2}}".rstrip() for a, b, c in table]
    layout = s.layout or "not detected"
    out.append(f"layout: {layout}, confidence {s.confidence:.2f}")
    out.append("evidence: " + (", ".join(s.evidence) if s.evidence else "none"))
    return out


def _stacked(v: DiffView) -> Iterator[str]:
    width = len(str(v.summary.lines))
    for item in v.items:
        if isinstance(item, Collapsed):
            yield f"{'':>{width}} ... {item.describe()} ..."
        else:
            yield f"{item.number:>{width}} {row_prefix(item)} {item.text}".rstrip()


#: A word longer than this is wrapped by :func:`_wrap_long`: ``textwrap`` copies the rest of
#: a long word at each cut (quadratic: a 4 MB word took 24 s to lay out).
LONG_WORD = 1000
_LONG_WORD = re.compile(rf"\S{{{LONG_WORD + 1}}}")


def _cell(text: str, width: int) -> list[str]:
    if _LONG_WORD.search(text):
        return _wrap_long(text, width)
    return textwrap.wrap(text, width, drop_whitespace=True) or [""]


def _wrap_long(text: str, width: int) -> list[str]:
    """Greedy wrapping in one pass: words joined by one space up to ``width``, a word longer
    than ``width`` cut into pieces of ``width`` (each on its own line)."""
    rows: list[str] = []
    row: list[str] = []
    size = 0
    for word in text.split():
        if len(word) > width:
            if row:
                rows.append(" ".join(row))
                row, size = [], 0
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            rows.extend(pieces[:-1])
            word = pieces[-1]
        if row and size + 1 + len(word) > width:
            rows.append(" ".join(row))
            row, size = [], 0
        size += len(word) + (1 if row else 0)
        row.append(word)
    if row:
        rows.append(" ".join(row))
    return rows or [""]


def _side_by_side(v: DiffView, width: int) -> Iterator[str]:
    numw = len(str(v.summary.lines))
    col = (width - 3) // 2  # "left | right"
    textw = col - numw - 3  # "NNN - text"
    for item in v.items:
        if isinstance(item, Collapsed):  # across both columns: nothing of it is kept
            for part in _cell(f"... {item.describe()} ...", width - numw - 1):
                yield f"{'':>{numw}} {part}"
            continue
        mark = "+" if item.kept else "-"
        left = _cell(item.text.strip(), textw)
        right = _cell(item.text.strip() if item.kept else f"[{item.tag} {item.rule}]", col)
        for i in range(max(len(left), len(right))):
            lt = left[i] if i < len(left) else ""
            rt = right[i] if i < len(right) else ""
            num, mk = (f"{item.number:>{numw}}", mark) if i == 0 else ("", " ")
            yield f"{num:>{numw}} {mk} {lt:<{textw}} | {rt}".rstrip()


def plain(v: DiffView, *, width: int = 80, side_by_side: bool = False) -> str:
    """The view as plain text: a header, one line per row or collapsed run, the summary.

    Stacked rows are never cut or wrapped, so the view greps well; ``side_by_side`` (original
    left, kept lines right, wrapped to ``width``) falls back to stacked below
    :data:`SIDE_BY_SIDE_MIN_WIDTH` columns.
    """
    out = [header(v)]
    if side_by_side and width >= SIDE_BY_SIDE_MIN_WIDTH:
        out += _side_by_side(v, width)
    else:
        out += _stacked(v)
    out.append("")
    out += summary_lines(v.summary)
    return "\n".join(out) + "\n"


# -- unified diff --------------------------------------------------------------------------

_Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _Labelled(difflib.SequenceMatcher[str]):
    """Opcodes from the labels, not from guessing: removed lines are deletions."""

    def __init__(self, doc: Document) -> None:
        self.page, self.cleaned = list(doc.lines), [t for _, t, _ in doc.kept_lines()]
        super().__init__(None, self.page, self.cleaned)
        ops: list[_Opcode] = []
        j = 0
        for i, label in enumerate(doc.labels or ()):
            tag: Literal["equal", "delete"] = "equal" if label.kept else "delete"
            if ops and ops[-1][0] == tag:
                t, i1, _, j1, _ = ops[-1]
                ops[-1] = (t, i1, i + 1, j1, j + label.kept)
            else:
                ops.append((tag, i, i + 1, j, j + label.kept))
            j += label.kept
        # The cleaned text ends every line with a newline; a page that does not end with one
        # changes its last line when that line is kept.
        self.no_eol = bool(doc.text) and not doc.text.endswith("\n")
        if self.no_eol and ops and ops[-1][0] == "equal":
            _, i1, i2, j1, j2 = ops.pop()
            if i2 - i1 > 1:
                ops.append(("equal", i1, i2 - 1, j1, j2 - 1))
            ops.append(("replace", i2 - 1, i2, j2 - 1, j2))
        self._ops = ops

    def get_opcodes(self) -> list[_Opcode]:
        return list(self._ops) or [("equal", 0, 0, 0, 0)]


def _range(start: int, stop: int) -> str:
    length = stop - start
    beginning = start + 1
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def unified(doc: Document, *, context: int = 3) -> str:
    """A unified diff of the page (``--- SOURCE``) against its kept lines
    (``+++ SOURCE (cleaned)``); empty when nothing was removed.

    The hunks follow the labels exactly (a removed blank line is never matched against a
    kept one), in the format of :func:`difflib.unified_diff`; ``patch`` applies them. The
    cleaned text ends every line with a newline, as ``strip --kept`` prints it.
    """
    if doc.labels is None:
        raise ValueError(f"{doc.source}: document has not been stripped yet")
    matcher = _Labelled(doc)
    a, b = matcher.page, matcher.cleaned
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out += [f"--- {doc.source}", f"+++ {doc.source} (cleaned)"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            if matcher.no_eol and i2 == len(a):
                out.append("\\ No newline at end of file")
            out += ["+" + line for line in b[j1:j2]]
    return "".join(line + "\n" for line in out)
