"""Learning a site's layout rule file from many of its pages (``kt-clean learn``).

The site's chrome is what recurs: lines that appear on many pages (menus, footers, share
widgets), and lines of one *shape* whose digits, dates or addresses change from page to page
(a crawl date, a ``Posted :`` line, ``email More articles by this reporter``). The article is
what does not recur. From that split, per page, the learner finds where the article starts
and ends, and which recurring line sits right before and after it on most pages; it writes
the same TOML format as the built-in layouts (``docs/layouts.md``), with each recurring line
and how often it appeared in comments. See ``docs/layouts.md`` for a walk-through.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import LearnError
from .layouts import parse_layout
from .model import Document
from .textshape import PROSE_MIN_CHARS, PROSE_MIN_WORDS, ends_like_sentence
from .vocabulary import LAYOUT_NAME_RULE, is_layout_name

#: A line is chrome when it appears on at least this share of the pages.
MIN_SHARE_DEFAULT = 0.5
#: Signatures come from lines on at least this share of the pages.
SIGNATURE_SHARE = 0.9
#: At most this many signatures; detection needs ``SIGNATURE_QUORUM`` of them.
MAX_SIGNATURES = 8
SIGNATURE_QUORUM = 0.6
#: A run of this many recurring lines separates the article from what comes before it;
#: shorter runs (share buttons between headline and photo) are crossed.
BARRIER_LINES = 8
#: Here a line is prose with ``PROSE_MIN_WORDS`` words, or ``PROSE_MIN_CHARS`` characters
#: and half as many words: a page's chrome is short, so a looser test than the cleaners'
#: (which also want a sentence end) finds where its text is.
MIN_PAGES = 5

_DYNAMIC = re.compile(
    r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<num>\d+)"
    r"|(?P<month>\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?"
    r"|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?)"
    r"|(?P<dow>\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?\b)"
)
_CLASS = {
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "num": r"\d+",
    "month": r"[A-Z][a-z]{2,8}\.?",
    "dow": r"[A-Z][a-z]{2,8}",
}
_DATE_SHAPE = re.compile(r"\d+[-./]\d+[-./]\d+|[A-Z][a-z]+\.? \d{1,2}, \d{4}")
_WORD = re.compile(r"\w+")


def normalise(line: str) -> str:
    return " ".join(line.split())


def shape(line: str) -> str | None:
    """The line with its changing parts masked, or ``None`` if it has none."""
    return _shape_of(normalise(line))


def _mask(m: re.Match[str]) -> str:
    return f"\x00{m.lastgroup}\x00"


def _shape_of(text: str) -> str | None:
    """:func:`shape` of a line already normalised."""
    masked, n = _DYNAMIC.subn(_mask, text)
    return masked if n else None


def _regex_for_exact(text: str) -> str:
    return r"^\s*" + re.escape(text).replace(r"\ ", r"\s+") + r"\s*$"


def _regex_for_shape(masked: str, capture: str | None = None) -> str:
    parts = masked.split("\x00")
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(_CLASS[part])
        else:
            out.append(re.escape(part).replace(r"\ ", r"\s+"))
    body = "".join(out)
    if capture:
        # capture from the first date-like part to the end of the line
        m = re.search(r"(\\d\+)", body)
        if m:
            body = body[: m.start()] + f"(?P<{capture}>" + body[m.start():] + ")"
    return r"^\s*" + body + r"\s*$"


@dataclass
class Recurring:
    """A recurring line (exact text, or shape with masked parts) and where it was seen."""

    key: str
    exact: bool
    example: str
    pages: int = 0
    where: Counter[str] = field(default_factory=Counter)

    def regex(self, capture: str | None = None) -> str:
        return _regex_for_exact(self.key) if self.exact else _regex_for_shape(self.key, capture)


@dataclass
class _Page:
    lines: list[str]
    kinds: list[str]  # "blank" | "exact:<key>" | "shape:<key>" | "content" | "prose"
    start: int | None = None  # first article line
    end: int | None = None  # one past the last article line


@dataclass
class Learned:
    """What the learner found; ``toml`` is the rule file."""

    name: str
    pages: int
    recurring: list[Recurring]
    start_key: str | None
    end_keys: list[str]
    toml: str
    agreement: float  # share of pages whose start anchor is the chosen one


def _classify(pages: Sequence[Sequence[str]], min_share: float
              ) -> tuple[list[_Page], dict[str, Recurring]]:
    n = len(pages)
    exact_df: Counter[str] = Counter()
    shape_df: Counter[str] = Counter()
    examples: dict[str, str] = {}
    # The pages of one site share most of their lines (its chrome): each distinct line is
    # normalised and masked once (10,000 copies of one page took 29 s, now a pass).
    facts: dict[str, tuple[str, str | None]] = {}
    for lines in pages:
        # dicts, not sets: the counters keep the order lines are first seen in, so the
        # learned file does not depend on the interpreter's string hashing (PYTHONHASHSEED)
        seen_e: dict[str, None] = {}
        seen_s: dict[str, None] = {}
        for line in lines:
            fact = facts.get(line)
            if fact is None:
                t = normalise(line)
                fact = facts[line] = (t, _shape_of(t) if t else None)
            t, s = fact
            if not t:
                continue
            seen_e[t] = None
            if s is not None:
                seen_s[s] = None
                examples.setdefault("shape:" + s, t)
        exact_df.update(seen_e.keys())
        shape_df.update(seen_s.keys())
    need = max(2, math.ceil(min_share * n))
    rec: dict[str, Recurring] = {}
    for key, df in exact_df.items():
        if df >= need:
            rec["exact:" + key] = Recurring(key, True, key)
    for key, df in shape_df.items():
        if df >= need:
            rec.setdefault("shape:" + key, Recurring(key, False, examples["shape:" + key]))
    kind_of: dict[str, str] = {}  # a line's kind, one string shared by all its copies
    out = []
    for lines in pages:
        kinds = []
        for line in lines:
            kind = kind_of.get(line)
            if kind is None:
                kind = kind_of[line] = _kind(*facts[line], rec)
            kinds.append(kind)
        out.append(_Page(list(lines), kinds))
    return out, rec


def _kind(t: str, s: str | None, rec: dict[str, Recurring]) -> str:
    if not t:
        return "blank"
    if "exact:" + t in rec:
        return "exact:" + t
    if s is not None and "shape:" + s in rec:
        return "shape:" + s
    words = len(_WORD.findall(t))
    prose = words >= PROSE_MIN_WORDS or (len(t) >= PROSE_MIN_CHARS
                                          and words >= PROSE_MIN_WORDS // 2)
    return "prose" if prose else "content"


def _find_article(page: _Page) -> None:
    """Mark the page's article: from the first prose line, back over content, shape lines
    and short runs of recurring lines; forward over content and blanks only."""
    kinds = page.kinds
    runs = {}  # prose line -> prose lines reachable forward over content and blanks
    for i in (i for i, k in enumerate(kinds) if k == "prose"):
        count, j = 0, i
        while j < len(kinds) and not kinds[j].startswith(("exact:", "shape:")):
            count += kinds[j] == "prose"
            j += 1
        runs[i] = count
    if not runs:
        return
    first = max(runs, key=lambda i: (runs[i], -i))  # where the main text begins
    i, start, run = first, first, 0
    while i > 0:
        i -= 1
        k = kinds[i]
        if k == "blank":
            continue
        if k.startswith("exact:"):
            run += 1
            if run >= BARRIER_LINES:
                break
            continue
        run = 0
        start = i
    j, end = first, first + 1
    while j + 1 < len(kinds):
        j += 1
        k = kinds[j]
        if k == "blank":
            continue
        if k.startswith(("exact:", "shape:")):
            break
        end = j + 1
    page.start, page.end = start, end


def _span(page: _Page) -> tuple[int, int]:
    """The article's [start, end) of a page where one was found."""
    assert page.start is not None and page.end is not None
    return page.start, page.end


def _neighbour(page: _Page, index: int, step: int) -> str | None:
    """The recurring key next to ``index`` (skipping blanks) in direction ``step``."""
    i = index + step
    while 0 <= i < len(page.kinds):
        k = page.kinds[i]
        if k == "blank":
            i += step
            continue
        return k if k.startswith(("exact:", "shape:")) else None
    return None


def _guess_reason(rec: Recurring, region: str, in_footer: bool) -> str:
    text = rec.example.lower()
    if "share" in text:
        return "share"
    if region == "before":
        return "crawl-date" if not rec.exact and _DATE_SHAPE.search(rec.example) else "nav"
    if region == "after":
        return "footer" if in_footer else "related"
    return "boilerplate"


def _toml_str(s: str) -> str:
    """A TOML literal string when possible (regexes stay readable), else a basic string."""
    if "'" not in s and "\n" not in s:
        return f"'{s}'"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def learn(pages: Sequence[str | Document], name: str, *, site: str = "",
          min_share: float = MIN_SHARE_DEFAULT, timezone: str | None = None) -> Learned:
    """Learn a layout rule file from ``pages`` of one site and one design: their documents
    (as :func:`kt_clean.read` gives them) or their texts."""
    if not is_layout_name(name):
        raise LearnError(f"layout name {name!r} must be {LAYOUT_NAME_RULE}")
    if len(pages) < MIN_PAGES:
        raise LearnError(f"need at least {MIN_PAGES} pages of the site, got {len(pages)}")
    # one string per distinct line: a site's pages repeat their chrome (memory)
    canon: dict[str, str] = {}
    split = [[canon.setdefault(line, line) for line in
              (p.text if isinstance(p, Document) else p).replace("\r\n", "\n").split("\n")]
             for p in pages]
    del canon
    classified, rec = _classify(split, min_share)
    if not rec:
        raise LearnError("no line recurs across the pages: are they from one site and design?")
    for page in classified:
        _find_article(page)
    with_article = [p for p in classified if p.start is not None]
    if len(with_article) < max(MIN_PAGES, len(pages) // 2):
        raise LearnError(f"only {len(with_article)} of {len(pages)} pages show article text")

    # where each recurring line appears relative to the article, and on how many pages
    tail_keys: Counter[str] = Counter()
    for page in with_article:
        start, end = _span(page)
        seen = set()
        for i, k in enumerate(page.kinds):
            if k in rec:
                region = "before" if i < start else "after" if i >= end else "article"
                rec[k].where[region] += 1
                seen.add(k)
        for k in seen:
            rec[k].pages += 1
        # the final run of recurring lines: the footer
        i = len(page.kinds) - 1
        while i >= end and (page.kinds[i] == "blank" or page.kinds[i] in rec):
            if page.kinds[i] != "blank":
                tail_keys[page.kinds[i]] += 1
            i -= 1

    starts = Counter(_neighbour(p, _span(p)[0], -1) for p in with_article)
    ends = Counter(_neighbour(p, _span(p)[1] - 1, +1) for p in with_article)
    start_key, start_votes = max(((k, v) for k, v in starts.items() if k), key=lambda kv: kv[1],
                                 default=(None, 0))
    if start_key is None:
        raise LearnError("no recurring line precedes the article on these pages")
    end_keys = [k for k, _ in ends.most_common() if k][:2]
    n = len(with_article)

    lines = [f"# Learned by `kt-clean learn` from {len(pages)} pages ({n} with article text).",
             "# Review it, then use it with --layouts. Format: docs/layouts.md", "",
             "[layout]", f"name = {_toml_str(name)}"]
    if site:
        lines.append(f"site = {_toml_str(site)}")
    lines.append(f"description = {_toml_str(f'learned from {len(pages)} pages')}")
    if timezone:
        lines.append(f"timezone = {_toml_str(timezone)}")

    # signatures: common exact lines, spread over the page
    common = sorted((r for r in rec.values() if r.exact and r.pages >= SIGNATURE_SHARE * n
                     and len(r.key) >= 4), key=lambda r: (-r.pages, -len(r.key)))
    by_region: dict[str, list[Recurring]] = defaultdict(list)
    for r in common:
        by_region[r.where.most_common(1)[0][0]].append(r)
    sigs: list[Recurring] = []
    while len(sigs) < MAX_SIGNATURES and any(by_region.values()):
        for region in ("before", "article", "after"):
            if by_region[region] and len(sigs) < MAX_SIGNATURES:
                sigs.append(by_region[region].pop(0))
    if not sigs:
        raise LearnError("no line appears on nearly every page: cannot recognise the layout")
    threshold = max(1, math.ceil(SIGNATURE_QUORUM * len(sigs)))
    lines.append(f"threshold = {threshold}.0")
    for number, r in enumerate(sigs, 1):
        lines += ["", "[[signature]]", f"id = 'sig-{number}'",
                  f"# on {r.pages} of {n} pages: {r.example[:70]}",
                  f"pattern = {_toml_str(_regex_for_exact(r.key))}"]

    start_rec = rec[start_key]
    lines += ["", "[article]",
              f"# the article starts after this line on {start_votes} of {n} pages",
              f"start = {_toml_str(start_rec.regex())}", "start_offset = 1",
              r"start_skip = '^\s*$'"]
    if end_keys:
        lines.append("# the article ends before one of these lines: "
                     + ", ".join(f"{ends[k]} pages" for k in end_keys))
        lines.append("end = [" + ", ".join(_toml_str(rec[k].regex()) for k in end_keys) + "]")
    lines += ['before_reason = "nav"', 'after_reason = "related"']

    # header: section label, headline, caption, deck, byline (generic shapes)
    section_pages = sum(1 for p in with_article if _short_label_first(p))
    if section_pages >= 0.6 * n:
        lines += ["", "[[header]]", 'role = "section"', "optional = true",
                  "followed_by_text = true", r"pattern = '^\s*\S[^.!?]{0,40}$'"]
    lines += ["", "[[header]]", 'role = "title"',
              "", "[[header]]", 'role = "caption"', "optional = true", "repeated = true",
              "", "[[header]]", 'role = "subtitle"', "optional = true",
              'requires_next = "byline"', "pattern = '^.{1,200}$'",
              "", "[[header]]", 'role = "byline"', "optional = true",
              r"pattern = '^\s*By\s+\S'",
              "", "[[header]]", 'role = "caption"', "optional = true", "followed_by_text = true"]

    # rules: recurring lines inside the article (kept datelines, removed widgets), then
    # grouped rules for the chrome before and after it, most frequent first
    dated = 0
    groups: dict[tuple[str, str], list[Recurring]] = defaultdict(list)
    for key, r in sorted(rec.items(), key=lambda kv: (-kv[1].pages, kv[0])):
        if not r.pages:
            continue
        region = r.where.most_common(1)[0][0]
        if region == "article" and not r.exact and _DATE_SHAPE.search(r.example):
            field_name = "updated" if re.search(r"updat|modif|수정", r.example, re.I) else (
                "published" if dated == 0 else "updated")
            dated += 1
            lines += ["", "[[rule]]", f"id = 'dateline-{dated}'",
                      f"# on {r.pages} of {n} pages, e.g. {r.example[:70]}",
                      f"pattern = {_toml_str(r.regex(capture=field_name))}",
                      'role = "dateline"', 'where = "article"']
            continue
        reason = _guess_reason(r, region, tail_keys[key] >= 0.5 * r.pages)
        groups[(region, reason)].append(r)
    for (region, reason), members in sorted(groups.items()):
        lines += ["", "[[rule]]", f"id = '{region}-{reason}'"]
        lines += [f"# {m.pages:>5} of {n} pages: {m.example[:70]}" for m in members[:40]]
        if len(members) > 40:
            lines.append(f"# ... and {len(members) - 40} more")
        alternation = "|".join(_inner(m) for m in members)
        pattern = r"^\s*(?:" + alternation + r")\s*$"
        lines += [f"pattern = {_toml_str(pattern)}",
                  f'reason = "{reason}"', f'where = "{region}"']
    # a closing "Name email" line is the reporter, on any news site
    lines += ["", "[[rule]]", "id = 'contact'",
              "# a reporter's name and address closing the article",
              r"pattern = '^\s*(?P<contact_name>[^@\n]{2,60}?)[ ,]+"
              r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)\s*$'",
              'role = "contact"', 'where = "article"']
    toml = "\n".join(lines) + "\n"
    parse_layout(toml, f"{name}.toml")  # what we write must load
    return Learned(name, len(pages), sorted(rec.values(), key=lambda r: -r.pages), start_key,
                   end_keys, toml, start_votes / n)


def _inner(r: Recurring) -> str:
    """The pattern of a recurring line without its anchors, for an alternation."""
    full = r.regex()
    return full[len(r"^\s*"):-len(r"\s*$")]


def _short_label_first(page: _Page) -> bool:
    """The article starts with a short label directly above another line (a section)."""
    i = page.start
    if i is None or i + 1 >= len(page.lines):
        return False
    text = normalise(page.lines[i])
    return (len(text.split()) <= 4 and not ends_like_sentence(text)
            and bool(page.lines[i + 1].strip()))
