"""Matching a layout's patterns against a page: the page index.

:class:`PageIndex` holds the page's text with line offsets, so that each pattern scans the
page in one C-level call instead of one call per line, and answers whole-line literal
patterns from one table of the page's lines (see ``docs/algorithm.md``, "How patterns are
matched"). What each pattern allows (its literals, its whole-line texts) comes from
:data:`~kt_clean.layouts.patterns.FACTS`.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Sequence

from ..model import Document
from .patterns import FACTS, Lead, Regex
from .schema import Signature

#: A window of at most this many lines is tested line by line instead of by the table.
FEW_LINES = 8


class PageIndex:
    """The page's text with line offsets, so rules can scan it with one regex call each."""

    def __init__(self, lines: Sequence[str], text: str | None = None) -> None:
        """``text``, when given, must be ``"\\n".join(lines)`` (saves joining them again)."""
        self.lines = lines
        self.text = "\n".join(lines) if text is None else text
        # offset of each line: lengths plus one newline each, summed (all in C)
        self.starts = list(itertools.accumulate(map((1).__add__, map(len, lines[:-1])), initial=0))
        self._table: dict[str, list[int]] = {}
        self._table_version = -1
        self._counts: dict[tuple[str, int | None, int], int] = {}

    def end_of_line(self, index: int) -> int:
        return self.starts[index] + len(self.lines[index])

    def has_any(self, wanted: Sequence[tuple[Sequence[str], int | None]]) -> bool:
        """Whether one of the literals of some (literals, window) pair is in the page's text
        within that window (its first ``window`` lines; the whole page for ``None``)."""
        text, n = self.text, len(self.lines)
        for literals, window in wanted:
            end = len(text) if window is None or window >= n else (
                self.end_of_line(window - 1) if window > 0 else 0)
            for lit in literals:
                if text.find(lit, 0, end) >= 0:
                    return True
        return False

    def matches(self, regex: Regex, first: int = 0, last: int | None = None,
                multiline: bool = False) -> Iterator[tuple[int, re.Match[str]]]:
        """(line index, match) for each line in [first, last) that ``regex`` matches.

        One C-level scan of the page per pattern instead of one call per line. A match
        that runs past its line (``^\\s*`` can eat a newline) is checked again on its
        line alone unless ``multiline`` patterns are wanted, so per-line semantics hold.
        """
        if not self.lines:
            return
        last = len(self.lines) if last is None else min(last, len(self.lines))
        if first >= last:
            return
        found = FACTS.line_texts_of(regex)
        if found is not None and not multiline:
            search, lines = regex.search, self.lines
            for i in self._line_hits(found, first, last):
                m = search(lines[i])  # the match object, for captures; always found
                if m is not None:
                    yield i, m
            return
        if found is not None:
            # Spanning lines, a whole-line literal pattern can only start its match early by
            # taking in the blank lines before its line (``^\\s*`` eats newlines): its first
            # match starts at the first blank line before the first line the table names.
            hits = self._line_hits(found, first, last)
            if not hits:
                return
            start = hits[0]
            while found[1] and start > first and not self.lines[start - 1].strip():
                start -= 1
            first = start
        text = self.text
        required = FACTS.required_of(regex)
        if required:
            # A line's match holds the literal within the line: for lines, only the window
            # [first, last) needs a look (a signature's ``within`` is a few lines).
            lo, hi = (0, len(text)) if multiline else (self.starts[first],
                                                       self.end_of_line(last - 1))
            if len(required) == 1:
                if text.find(required[0], lo, hi) < 0:
                    return
            elif all(text.find(lit, lo, hi) < 0 for lit in required):
                return
            if not multiline:
                yield from self._guided(regex, required, first, last)
                return
        starts, lines, find_line = self.starts, self.lines, bisect.bisect_right
        pos, end = starts[first], self.end_of_line(last - 1)
        search = regex.search
        while pos <= end:
            m = search(text, pos, end)
            if m is None:
                return
            index = find_line(starts, m.start()) - 1
            line_end = starts[index] + len(lines[index])
            if multiline or m.end() <= line_end:
                yield index, m
            else:
                alone = search(self.lines[index])
                if alone is not None:
                    yield index, alone
            pos = line_end + 1

    def _line_hits(self, found: tuple[frozenset[str], Lead], first: int, last: int) -> list[int]:
        """The lines in [first, last) a whole-line literal pattern matches, in order: a
        dictionary lookup per text, not a scan.

        The page's table maps the stripped text of each line that some such pattern could
        match to its line numbers; it is built in one pass over the page, for all patterns.
        """
        texts, lead = found
        if last - first <= FEW_LINES:
            # A signature's window of a few lines: test them, no table needed.
            lines = self.lines
            return [i for i in range(first, last) if lines[i].strip() in texts
                    and (lead is True or not lines[i][:1].isspace()
                         or (lead is not False and lines[i].strip() in lead))]
        if self._table_version != FACTS.version:
            self._build_table()
        table = self._table
        if len(texts) <= len(table):
            hits = [i for t in texts if t in table for i in table[t]]
        else:
            hits = [i for t, found_at in table.items() if t in texts for i in found_at]
        if lead is not True:  # leading whitespace allowed before none or only some texts
            lines, some = self.lines, lead or ()
            hits = [i for i in hits if not lines[i][:1].isspace() or lines[i].strip() in some]
        if first > 0 or last < len(self.lines):
            hits = [i for i in hits if first <= i < last]
        hits.sort()
        return hits

    def _build_table(self) -> None:
        """Map the stripped text of each line some whole-line literal pattern could match to
        its line numbers, in order: one pass over the page for all such patterns."""
        stripped = list(map(str.strip, self.lines))
        wanted = FACTS.wanted
        table: dict[str, list[int]] = {}
        for i in [i for i, text in enumerate(stripped) if text in wanted]:
            at = table.get(stripped[i])
            if at is None:
                table[stripped[i]] = [i]
            else:
                at.append(i)
        self._table, self._table_version = table, FACTS.version

    def _guided(self, regex: Regex, required: tuple[str, ...], first: int, last: int
                ) -> Iterator[tuple[int, re.Match[str]]]:
        """``matches`` for a pattern with a required literal: jump from one occurrence of the
        literal to the next (``str.find``, fast) and try the pattern on that line only.

        Why: a pattern like ``^\\s*• ...`` gives the regex engine no prefix to skip ahead
        with, so a plain search tries every character of the page; most lines cannot match.
        Every match contains the literal, so no matching line is skipped.
        """
        text, starts, lines, find_line = self.text, self.starts, self.lines, bisect.bisect_right
        search = regex.search
        pos, end = starts[first], self.end_of_line(last - 1)
        single = required[0] if len(required) == 1 else None
        # next occurrence of each literal, refreshed only once the scan has passed it, so
        # each literal is searched for once per page, not once per step
        upcoming = {} if single is not None else {lit: text.find(lit, pos, end) for lit in required}
        while pos <= end:
            if single is not None:
                hit = text.find(single, pos, end)
            else:
                for lit, at in upcoming.items():
                    if 0 <= at < pos:
                        upcoming[lit] = text.find(lit, pos, end)
                hit = min((at for at in upcoming.values() if at >= 0), default=-1)
            if hit < 0:
                return
            index = find_line(starts, hit) - 1
            line_start = starts[index]
            line_end = line_start + len(lines[index])
            m = search(text, line_start, line_end)
            if m is not None:
                yield index, m
            pos = line_end + 1

    def lines_matching(self, regex: Regex, first: int = 0, last: int | None = None
                       ) -> list[int]:
        """The line numbers ``matches`` gives, without the match objects: a whole-line
        literal pattern needs no regex call at all."""
        found = FACTS.line_texts_of(regex)
        if found is not None:
            if not self.lines:
                return []
            last = len(self.lines) if last is None else min(last, len(self.lines))
            return self._line_hits(found, first, last) if first < last else []
        return [i for i, _ in self.matches(regex, first, last)]

    def first_line(self, regex: Regex, first: int = 0, multiline: bool = False) -> int | None:
        """The first line from ``first`` on where ``regex`` matches, or ``None``."""
        if not multiline:
            hits = self.lines_matching(regex, first)
            return hits[0] if hits else None
        found = next(iter(self.matches(regex, first, multiline=True)), None)
        return None if found is None else found[0]

    def count(self, sig: Signature) -> int:
        """How many lines ``sig`` matches, counting no further than its ``min_count``.

        Remembered per page by the pattern's text and window: the layouts of one site share
        many signatures (a ``Posted :`` line, the crawl date), each scanned once per page.
        """
        key = (sig.regex.pattern, sig.within, sig.min_count)
        n = self._counts.get(key)
        if n is not None:
            return n
        found = FACTS.line_texts_of(sig.regex)
        if found is not None:  # whole-line literal: the table's lines, no regex call
            last = len(self.lines) if sig.within is None else min(sig.within, len(self.lines))
            n = min(len(self._line_hits(found, 0, last)), sig.min_count)
        else:
            n = 0
            for _ in self.matches(sig.regex, 0, sig.within):
                n += 1
                if n >= sig.min_count:
                    break
        self._counts[key] = n
        return n


def page_index(doc: Document) -> PageIndex:
    """The document's line index, built once and shared by its later copies."""
    return doc.derived("page_index", _make_index)


def _make_index(doc: Document) -> PageIndex:
    text = doc.text  # its lines joined, but for the newline that ends the last one
    return PageIndex(doc.lines, text[:-1] if text.endswith("\n") else text)
