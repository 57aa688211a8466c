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

from ..bylines import (
    author_beside_date,
    authors_from_byline,
    byline_text,
    find_dates,
    has_date,
    is_byline_label,
    is_desk,
    is_name,
    is_role,
    name_repeated,
    name_with_role,
)
from ..chrome import chrome_lines
from ..limits import Limits
from ..model import Document, Label
from ..textshape import (
    NOT_A_HEADLINE_END,
    PROSE_MIN_WORDS,
    is_list_item,
    is_prose,
    is_subheading_text,
    without_bullet,
)

RULE = "generic"
#: The text starts at the first paragraph that one of the next few kept lines continues.
TEXT_FOLLOWS = 3
PARAGRAPH_MIN_WORDS = 8
#: A short line with prose within this many lines on both sides is kept (subheading, short
#: paragraph).
CONTEXT_WINDOW = 2
#: When the header above the first paragraph has no headline over a byline or a date, the
#: headers above this many next paragraphs (within this many lines of the first) are tried.
LATER_STARTS = 3
LATER_START_LINES = 300
#: When no line is prose, keep lines at least this share of the longest line's length.
FALLBACK_SHARE = 0.5

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def clean(doc: Document, limits: Limits) -> Document:
    """The document with every line labelled, and the title and byline found."""
    labels, fields = label_lines(doc.lines)
    return doc.replace(labels=tuple(labels), fields={k: tuple(v) for k, v in fields.items()})


def label_lines(lines: Sequence[str]) -> tuple[list[Label], dict[str, list[str]]]:
    """One label per line, and the fields found (title, byline)."""
    if not any(line.strip() for line in lines):
        return heuristic(lines)
    # numpy and the model load on the first generic page
    from ..classifier import classify_codes

    # one Label per distinct decision, shared by its lines (a page may have a million)
    table, codes = classify_codes(lines)
    shared = [Label(kept, tag, "generic:" + rule.rpartition(".")[2]) for kept, tag, rule in table]
    stripped = [line.strip() for line in lines]
    labels = revise(stripped, list(map(shared.__getitem__, codes)))
    if labels is None:
        fallback, found = heuristic(lines)
        drop_chrome(stripped, fallback)
        return fallback, found
    kept_at = [i for i, lab in enumerate(labels) if lab.kept and lab.tag != "blank"]
    fields: dict[str, list[str]] = {}
    title_at = next((i for i in kept_at if labels[i].tag == "title"), None)
    if title_at is not None:
        fields["title"] = [stripped[title_at]]
    _best_header(lines, stripped, labels, fields, _first_paragraphs(stripped, labels, kept_at))
    return labels, fields


#: When the classifier keeps fewer characters of text than this besides a title (a page of
#: short entries, a store's grid), the body would be (near) empty: the rule-based fallback
#: decides instead, so that a page with text never gives an empty body (issue 13's floor:
#: under 50 characters where a reader sees more than 500; docs/quality-dumps.md).
NEAR_EMPTY_CHARS = 50
#: The kept lines that may be chrome (``kt_clean.chrome``).
_TEXT_TAGS = frozenset({"body", "subheading", "title"})


def revise(stripped: Sequence[str], labels: list[Label]) -> list[Label] | None:
    """The classifier's labels of the (stripped) lines as the cleaner keeps them, changed in
    place: lines of chrome removed (:func:`drop_chrome`); ``None`` when what is left is
    less than :data:`NEAR_EMPTY_CHARS` characters of text besides a title (the rule-based
    fallback, :func:`heuristic`, decides then)."""
    drop_chrome(stripped, labels)
    text = 0
    for i, lab in enumerate(labels):
        if lab.kept and lab.tag != "blank" and lab.tag != "title":
            text += len(stripped[i])
            if text >= NEAR_EMPTY_CHARS:
                return labels
    return None


def drop_chrome(lines: Sequence[str], labels: list[Label], roles: frozenset[str] = _TEXT_TAGS,
                cleaner: str = RULE) -> None:
    """Remove the kept lines of ``roles`` that are chrome (:mod:`kt_clean.chrome`: an ad's
    label, a paywall's prompt, an audio player, a teaser's image text, a reference list),
    each with its reason and the rule ``<cleaner>:<rule>`` (the HTML cleaner's too)."""
    kept = [i for i, lab in enumerate(labels) if lab.kept and lab.tag in roles]
    for i, (reason, rule) in chrome_lines(lines, kept).items():
        labels[i] = Label(False, reason, f"{cleaner}:{rule}")


def header_fields(lines: Sequence[str], labels: Sequence[Label],
                  title: str | None = None) -> tuple[dict[str, list[str]], list[Label]]:
    """The header a text dump's search finds around the first paragraph of lines already
    labelled (an HTML page's rendering): its fields (``title``, ``byline``, ``published``,
    ``updated``) and the labels it gives (the input is not changed)."""
    stripped = [line.strip() for line in lines]
    kept_at = [i for i, lab in enumerate(labels) if lab.kept and lab.tag != "blank"]
    if not any(labels[i].tag != "title" for i in kept_at):
        return {}, list(labels)
    out = list(labels)
    fields: dict[str, list[str]] = {"title": [title]} if title else {}
    _best_header(lines, stripped, out, fields, _first_paragraphs(stripped, out, kept_at))
    return fields, out


def _first_paragraphs(stripped: Sequence[str], labels: Sequence[Label],
                      kept_at: Sequence[int]) -> list[int]:
    """Where the text may start: the first kept paragraph that more of the text follows
    (else the first kept paragraph, else the first kept line that is no title), then the
    next few such paragraphs (the first may be a promotion or a notice above the header)."""
    found: int | None = None
    starts: list[int] = []
    for k, i in enumerate(kept_at):
        if labels[i].tag != "body" or not _is_paragraph(stripped[i]):
            continue
        if starts and i - starts[0] > LATER_START_LINES:
            break
        if any(labels[m].tag in ("body", "subheading", "item")
               for m in kept_at[k + 1:k + TEXT_FOLLOWS + 1]):
            starts.append(i)
            if len(starts) > LATER_STARTS:
                break
        elif found is None:
            found = i
    if starts:
        return starts
    if found is not None:
        return [found]
    return [next((i for i in kept_at if labels[i].tag != "title"), kept_at[0])]


def _best_header(lines: Sequence[str], stripped: Sequence[str], labels: list[Label],
                 fields: dict[str, list[str]], starts: Sequence[int]) -> None:
    """The header found above the first paragraph (``starts[0]``), unless it shows no
    headline over its byline or date and the header above one of the next paragraphs
    does (the first paragraph was a promotion, a notice or a breadcrumb above the header):
    then that header."""
    trial, found = list(labels), dict(fields)
    evidence = _find_header(lines, stripped, trial, found, starts[0])
    for k in range(1, len(starts)):
        if evidence >= STRONG_HEADER:
            break
        first = starts[k]
        if not _has_meta(stripped, starts[k - 1] + 1, first + META_BELOW * 2):
            continue  # nothing new to show a header
        other, other_fields = list(labels), dict(fields)
        score = _find_header(lines, stripped, other, other_fields, first)
        if score >= STRONG_HEADER and score > evidence:
            evidence, trial, found = score, other, other_fields
    labels[:] = trial
    fields.clear()
    fields.update(found)


def _is_paragraph(text: str) -> bool:
    """A line of running text: a sentence of some words, or a very long line (a long
    heading is no paragraph)."""
    if len(text) < _MIN_CHARS_OF_WORDS:  # too short for the words (most lines of a page)
        return False
    words = len(_WORD.findall(text))
    if words < PARAGRAPH_MIN_WORDS:
        return False
    end = text.rstrip("\"'”’)]*")[-1:]
    return end in ".…:;," or (end in "?!" and words >= 2 * PARAGRAPH_MIN_WORDS) or len(text) >= 200


#: k words (runs of ``\w``) need 2k - 1 characters at least: a shorter line has fewer than
#: ``PARAGRAPH_MIN_WORDS`` (== ``PROSE_MIN_WORDS``), so it is no paragraph and no prose.
_MIN_CHARS_OF_WORDS = 2 * min(PARAGRAPH_MIN_WORDS, PROSE_MIN_WORDS) - 1
#: The first characters of a list item (``textshape.is_list_item``) besides the digits:
#: its pattern skips ``\s`` (``str.isspace``, as ``str.strip``) and then needs one of
#: these or a ``\d`` (``str.isdecimal``), so a stripped line starting otherwise is none.
_ITEM_FIRST = frozenset("•◦▪■□‣*·")


def _list_item(line: str, stripped: str) -> bool:
    """``is_list_item(line)``, ``stripped`` the stripped line (not blank), without the
    pattern for the lines whose first character rules it out."""
    first = stripped[0]
    return (first in _ITEM_FIRST or first.isdecimal()) and is_list_item(line)


_L_BLANK = Label(False, "blank", f"{RULE}:blank")
_L_BLANK_KEPT = Label(True, "blank", f"{RULE}:blank")
_L_PROSE = Label(True, "body", f"{RULE}:prose")
_L_REPEATED = Label(False, "duplicate", f"{RULE}:repeated-line")
_L_BULLET = Label(False, "nav", f"{RULE}:bullet")
_L_SHORT = Label(False, "short", f"{RULE}:short-line")
_L_BETWEEN = {True: Label(True, "subheading", f"{RULE}:between-prose"),
              False: Label(True, "body", f"{RULE}:between-prose")}


def heuristic(lines: Sequence[str]) -> tuple[list[Label], dict[str, list[str]]]:
    """The rule-based cleaner: one label per line, and the fields found.

    Linear in the page, with one shared ``Label`` per kind of decision (a page may have a
    million lines)."""
    n = len(lines)
    stripped = [line.strip() for line in lines]
    counts = Counter(filter(None, stripped))
    # prose: a line too short for PROSE_MIN_WORDS words is none (its words go uncounted)
    prose = [len(t) >= _MIN_CHARS_OF_WORDS and counts[t] == 1
             and is_prose(t, len(_WORD.findall(t))) for t in stripped]

    if not any(prose):
        longest = max(map(len, stripped), default=0)
        least = FALLBACK_SHARE * longest
        prose = [bool(t) and len(t) >= least and not _list_item(line, t)
                 for line, t in zip(lines, stripped)]
        if not any(prose):  # only bullets: keep them all rather than nothing
            prose = [bool(t) for t in stripped]

    labels: list[Label] = []
    add = labels.append
    for line, t, is_p in zip(lines, stripped, prose):
        if not t:
            add(_L_BLANK)
        elif is_p:
            add(_L_PROSE)
        elif counts[t] > 1:
            add(_L_REPEATED)
        elif _list_item(line, t):
            add(_L_BULLET)
        else:
            add(_L_SHORT)

    # Second pass: a short line between prose lines is part of the text (subheading, short
    # paragraph, quote), as jusText revises short blocks by their neighbours: a kept line
    # within CONTEXT_WINDOW + 1 lines above (one this pass kept counts) and below.
    kept_at = [i for i, is_kept in enumerate(prose) if is_kept]  # the kept lines, so far
    reach = CONTEXT_WINDOW + 1
    upcoming = [n + reach] * n  # the next kept line below each line
    after = n + reach
    for i in reversed(kept_at):
        upcoming[i] = after
        after = i
    nxt = after  # the first kept line
    last = -reach - 1  # the last kept line above
    for i in range(n):
        if i == nxt:  # a kept line
            last, nxt = i, upcoming[i]
            continue
        if labels[i] is _L_SHORT and i - last <= reach and nxt - i <= reach:
            labels[i] = _L_BETWEEN[is_subheading_text(stripped[i])]
            last = i

    fields: dict[str, list[str]] = {}
    if kept_at:
        _best_header(lines, stripped, labels, fields,
                     _first_paragraphs(stripped, labels, kept_at))
    # Blank lines between kept lines are kept as separators. Whether the next non-blank
    # line below is kept is worked out in one pass from the end: linear in the page.
    next_kept = [False] * (n + 1)
    for i in range(n - 1, -1, -1):
        next_kept[i] = labels[i].kept if stripped[i] else next_kept[i + 1]
    for i in range(1, n - 1):
        lab = labels[i]
        if (lab.tag == "blank" and not lab.kept and labels[i - 1].kept
                and next_kept[i + 1]):
            labels[i] = _L_BLANK_KEPT
    return labels, fields


#: A title has this many words at least (two-word lines above a text are mostly names,
#: unless a byline or a date follows them) and at most.
TITLE_MIN_WORDS = 3
TITLE_MAX_WORDS = 30
#: How far above the first paragraph (in non-blank lines) the title, byline and date are
#: looked for, and how far below it the byline and date.
HEADER_WINDOW = 30
META_BELOW = 8
#: How far below the header a ``Written by`` line is looked for when the header has none.
LATE_BYLINE_LINES = 1500
#: ... but never more than this many lines above it (list entries are not counted).
HEADER_MAX_LINES = 150
#: A date line above the title by more than this many non-blank lines is the page's
#: header (a "today" widget, the crawl date), not the article's date.
DATE_ABOVE_TITLE = 3
#: A line with a date and more words than this (the date's own excepted) is a sentence.
DATELINE_MAX_WORDS = 12
#: The evidence of a header (:func:`_find_header`): a headline over its byline or date
#: counts this much; one that shows it is sure enough not to try the next paragraphs.
TITLE_OVER_META = 2
STRONG_HEADER = 3
#: A headline right above the first paragraph (a standfirst) has its byline or date
#: within this many lines under that paragraph.
STANDFIRST_META = 4
#: A deck (a sentence under the headline) has this many words at least.
DECK_MIN_WORDS = 8
#: Title scores: a byline or a date in the three lines under a heading; one right above it
#: (when no heading has one under it: ``May 5, 2025`` over the headline of a blog post);
#: the heading repeated (a breadcrumb's last entry, ``Home » <headline>``, ``Hero image for
#: blog post <headline>``, the same line twice when it has this many words at least).
META_UNDER_SCORE = 4.0
META_OVER_SCORE = 3.0
REPEATED_SCORE = 3.0
REPEATED_MIN_WORDS = 3
#: A line that is the heading after at most this many words repeats it (a breadcrumb).
CRUMB_PREFIX_WORDS = 6
#: A heading starting in lower case is mostly an image's text.
LOWER_CASE_PENALTY = 1.0


# w3m separates the links of a row by several spaces: "Log in   Sign up".
#: A byline under the text: ``Written by Jane Doe``, ``This post was written by Jane Doe``.
_LATE_BYLINE = re.compile(r"^(?:(?:this\s+(?:post|article|story|guide)\s+was\s+)?written|text"
                          r"|words|authored)\s+by:?\s*", re.IGNORECASE)
_LATE_START = frozenset("WwTtAa")
_BYLINE_START = re.compile(r"^(?:posted|written|published|authored)\s+by\b", re.IGNORECASE)
_LINK_ROW = re.compile(r"\S {3,}\S")
_DATELINE = re.compile(r"^(?:Published|Updated|Posted|Last updated|Modified)\b", re.IGNORECASE)
#: Words of chrome that a long headline may hold (``I Ran My Own Newsletter Through ...``):
#: they mark only a line of at most :data:`CHROME_WORDS_MAX` words as chrome.
_CHROME_WORDS = re.compile(
    r"\b(?:subscrib\w*|newsletters?|cookies?|privacy|commission|advertisement|toggle"
    r"|navigation|copyright|javascript|comments?|sponsored|menu|search)\b", re.IGNORECASE)
CHROME_WORDS_MAX = 6
#: Lines of the page's chrome that look like headings: calls to action, widgets, badges.
_CHROME = re.compile(
    r"\b(?:sign[\s-]?(?:in|up)|log[\s-]?in"
    r"|skip\s+to|table\s+of\s+contents?|min(?:ute)?s?\s+read|reading\s+time"
    r"|trust\s+(?:us|project)|free\s+trial|book\s+a\s+demo|contact\s+us"
    r"|click\s+here|you\s+are\s+here|all\s+rights"
    r"|your\s+inbox|listen\s+to\s+(?:this|the)\s+article|share\s+(?:this|on|via)"
    r"|follow\s+us|affiliate\s+links?|key\s+takeaways"
    r"|journey\s+starts|editorial\s+(?:policy|policies|guidelines|process)"
    r"|full\s+bio|(?:photo|image|credit)\s*:|©|go\s+to\s+cart|(?:fact|medically)[\s-]*(?:checked|reviewed)"
    r"|reviewed\s+by|edited\s+by|start\s+here|add\s+us\s+on"
    r"|^(?:apply|book|shop|buy|order|donate|join|register|enrol+|call|subscribe)\s+(?:now|today)\b"
    r"|^(?:get\s+a\s+quote|request\s+(?:info|a\s+quote|a\s+demo))"
    r"|\[\s*\]|\[\s{2,}|\[(?:submit|search|go|send)\])", re.IGNORECASE)
_NOT_TITLE_START = re.compile(
    r"^(?:photo|image|picture|credit|source|tags?|filed\s+under|categor(?:y|ies)|home\b"
    r"|share|related|download|get\s+started|learn\s+more|read\s+(?:more|next)|previous"
    r"|next\b|back\s+to|see\s+(?:all|more)|view\s+(?:all|more)|©|\(c\)|by\s|headshot"
    r"|[☆★○●►▸→✓✔]|advertiser)", re.IGNORECASE)
#: A breadcrumb or a path: ``Articles / Trends & Hacks / Air Travel``.
_PATH = re.compile(r"(?:\s(?:/|>|»|›)\s?.*){2}|(?:\s?(?:/|>|»|›)\s.*){2}")
#: ``Headline | Site``: the site's name after the headline.
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+(?P<site>[^|–—]{2,40})$")
_PHOTO = re.compile(r"\b(?:picture|photo|avatar|headshot|image|portrait|profile)\b|^\[",
                    re.IGNORECASE)
_IMAGE = re.compile(r"^(?:\[[^\]]*\]\s*)+")
#: An image's text: ``Jane Doe's avatar``, ``Picture of Jane Doe``, ``Acme logo``.
_IMAGE_TEXT = re.compile(
    r"(?:\b(?:avatar|headshot|logo|(?:cover|featured|hero)\s+image|thumbnail|profile\s+(?:pic|picture|photo|image))|\.(?:jpe?g|png|webp|svg))$"
    r"|^(?:an?\s+)?(?:picture|photo|image|avatar|headshot|portrait)\s+(?:of|representing)\b",
    re.IGNORECASE)
#: A list entry's bullet or number: ``• Home``, ``3. Guides``.
_ITEM_MARK = re.compile(r"^(?:[•◦▪■□‣*·]|\d{1,3}[.)]\s)\s*")
_BREADCRUMB_SEP = re.compile(r"\s(?:>|/|»|›|\\|-)\s|^\s*\d{1,2}\.\s")


#: A dateline under the text: ``Published August 13, 2025``, ``Posted on April 13, 2023``,
#: ``Published On: 15 August 2025``, or the label alone over the date (``Publish date``).
_LATE_DATELINE = re.compile(r"^(?:(?:originally\s+)?published|posted|publish(?:ed)?\s+date"
                            r"|date\s+(?:published|posted)|(?:page\s+)?last\s+(?:updated|modified"
                            r"|reviewed)|content\s+(?:current|last\s+reviewed)\s+as\s+of)"
                            r"(?:\s+on)?\b\W*", re.IGNORECASE)


#: What follows a post's date on the line that files it: its update, its categories.
POST_META = re.compile(r"\b(?:updated\s*:|categor(?:y|ies)\s*:|tags?\s*:|posted\s+in\b"
                        r"|filed\s+under\b|\d+\s+comments?\b)", re.IGNORECASE)


def _late_dateline(stripped: Sequence[str], start: int) -> tuple[int, str] | None:
    """The first dateline under the text (``Published ...``, else ``Last updated ...``: a
    page's only date), for a header that shows none: the line of its date and the date;
    a comment's date (``July 14, 2015 at 3:53 pm``) has no such label."""
    end = min(len(stripped), start + LATE_BYLINE_LINES)
    updated: tuple[int, str] | None = None
    for i in range(start, end):
        t = stripped[i]
        if not t or len(t) > 80:
            continue
        if t[0] not in "PpDdOoLlCc":
            t = t.lstrip("•◦▪■□‣*·- ")  # "• Posted July 10, 2004"
        m = _LATE_DATELINE.match(t) if t and t[0] in "PpDdOoLlCc" else None
        if m is None:
            if not t or _YEAR.search(t) is None:
                continue
            if t[0].isalnum() and POST_META.search(t) is not None:
                # "December 3, 2025. Updated: December 7, 2025", "Monday, August 11th,
                # 2025 at 11:00 am | Categories: ...": a post's dates and filing
                found = find_dates(t)
                if found and found[0][0] == "published" and t.find(found[0][1][:6]) <= 12:
                    return i, found[0][1]
            continue
        rest, at = t[m.end():], i
        if not rest:  # the label alone: the date is the next line
            at = next((k for k in range(i + 1, min(end, i + 4)) if stripped[k]), i)
            rest = stripped[at] if at != i else ""
            if len(rest) > 40:
                continue
        if len(rest.split()) > DATELINE_MAX_WORDS:
            continue
        found = find_dates(rest)
        if not found:
            continue
        if m.group().casefold().startswith(("last", "page", "content")):
            updated = updated or (at, found[0][1])
        else:
            return at, found[0][1]
    return updated


#: An author's photo named before the name: ``Picture of Jane Doe Jane Doe``.
_PICTURE_OF = re.compile(r"^(?:picture|photo|image|avatar|headshot)\s+of\s+(?=.+)",
                         re.IGNORECASE)


def _one_name(text: str) -> bool:
    """A name of one word under a ``By`` or ``Author`` label: ``Lauren``, ``Venteur``."""
    return (3 <= len(text) <= 30 and text.isalpha() and text[0].isupper()
            and byline_text("By " + text) is not None)


def _headline_text(line: str) -> str:
    """A heading line without an image's placeholder before it, its site's name after it
    (``Headline | Site``) or the repetition of itself (an image's text printed twice)."""
    text = _IMAGE.sub("", line).strip()
    half = len(text) // 2
    if len(text) > 20 and len(text) % 2 == 0 and text[:half] == text[half:]:
        text = text[:half].strip()
    m = _SITE_SUFFIX.search(text) if "|" in text else None
    if m is not None and len(m.group("site").split()) <= 4 and len(text[:m.start()].split()) >= 3:
        text = text[:m.start()].strip()
    return text


#: A headline may end with an abbreviation's dot: ``The Hottest Real Estate Markets in the
#: U.S.``
_ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.){2,}$")


def _title_like(text: str, words: int, checked: bool = False) -> bool:
    """A heading-like line (``checked``: it is known to be no byline)."""
    return (2 <= words <= TITLE_MAX_WORDS
            and (not text.endswith(NOT_A_HEADLINE_END)
                 or _ABBREVIATION_END.search(text) is not None)
            and not has_date(text) and not _DATELINE.match(text) and "|" not in text
            and not _LINK_ROW.search(text) and not _CHROME.search(text)
            and (words > CHROME_WORDS_MAX or not _CHROME_WORDS.search(text))
            and not _NOT_TITLE_START.match(text) and not _PATH.search(text)
            and not _IMAGE_TEXT.search(text)
            and sum(map(str.isalpha, text)) * 2 > len(text)
            and (checked or byline_text(text) is None) and not is_byline_label(text))


def _extended(text: str, own: str, folded: set[str]) -> bool:
    """Whether another line is ``text`` after a few words (``Home Research <text>``, ``Hero
    image for blog post <text>``): a breadcrumb or an image's text naming the headline.
    ``text`` and the lines ``folded`` are casefolded; ``own`` is the headline's own line."""
    return any(s != own and len(s) > len(text) and s.endswith(text)
               and len(s[: len(s) - len(text)].split()) <= CRUMB_PREFIX_WORDS for s in folded)


def _is_dateline(text: str, byline: str | None) -> list[tuple[str, str]]:
    """The dates of a header line (a dateline, a byline with its date), not of a sentence."""
    if not _DIGIT.search(text):
        return []
    found = find_dates(text)
    if not found or byline is not None:
        return found
    rest = text
    for _, d in found:  # (a time "12.00" is found as "12:00")
        rest = rest.replace(d, " ").replace(d.replace(":", "."), " ")
    if len(rest.split()) > DATELINE_MAX_WORDS and not _DATELINE.match(text):
        return []
    return found


_YEAR = re.compile(r"(?:19[89]|20\d)\d")


def _has_meta(stripped: Sequence[str], start: int, end: int) -> bool:
    """Whether a line from ``start`` to ``end`` may be a byline or a dateline (a quick
    look: a year, a ``by``, a name)."""
    for t in stripped[start:end]:
        if t and len(t) <= 160 and (
                (_YEAR.search(t) is not None and has_date(t)) or
                ("by" in t.casefold() and byline_text(t) is not None) or is_name(t)):
            return True
    return False


def _find_header(lines: Sequence[str], stripped: Sequence[str], labels: list[Label],
                 fields: dict[str, list[str]], first: int) -> int:
    """The title, byline and dates in the few lines around the first paragraph (``first``),
    and how sure the header is: :data:`TITLE_OVER_META` when the headline has its byline
    or its date under it (or, on a blog, its date over it), plus one for a byline and one
    for a date found in the header.

    The title is the heading-like line above the text that scores best: a line right above
    a byline or a date, or repeated as a breadcrumb's last entry, scores higher, and so do
    nearer and longer ones; chrome (calls to action, badges, widgets), list entries, dates
    and names are no titles. The byline is a ``By ...`` line (or a name under a ``By`` label,
    a name next to the date, over its job, printed twice, or beside the date on its line:
    ``Jane Doe | May 5, 2025``) below the title; with none in the header, a ``Written by``
    line under the text. The dates are those printed near the title and the byline (under
    the title first), never one of the page's header above the title (a "today" widget)."""
    n = len(lines)
    above: list[int] = []  # non-blank lines above the first paragraph, nearest first
    j, counted = first - 1, 0
    while j >= 0 and counted < HEADER_WINDOW and first - j < HEADER_MAX_LINES:
        if stripped[j]:
            above.append(j)
            # a long menu or table of contents, images, counters: not counted
            counted += not (is_list_item(lines[j]) or len(stripped[j]) <= 3
                            or _IMAGE.fullmatch(stripped[j]) is not None)
        j -= 1
    below: list[int] = []
    j = first + 1
    while j < n and len(below) < META_BELOW:
        if stripped[j]:
            below.append(j)
        j += 1
    region = sorted([*above, first, *below])
    rank = {j: k for k, j in enumerate(region)}  # position among the non-blank lines

    # -- byline and date lines ---------------------------------------------------------
    bylines: dict[int, str] = {}
    dates: dict[int, list[tuple[str, str]]] = {}
    names: set[int] = set()
    weak: dict[int, str] = {}  # names beside a date: bylines unless a byline is found
    for k, j in enumerate(region):
        t = stripped[j]
        if j == first and _is_paragraph(t) and not _BYLINE_START.match(t):
            continue
        by = byline_text(t)
        if by is not None and not authors_from_byline(by):
            by = None  # a byline shape whose names are no names
        found = _is_dateline(t, by)
        if found:
            dates[j] = found
            if by is None:  # "Jane Doe | May 5, 2025", "May 5, 2025 · Jane Doe"
                beside = author_beside_date(t)
                if beside is not None:
                    weak[j] = beside
        bare = _IMAGE.sub("", without_bullet(t)).strip() if by is None else ""
        if by is None and len(bare) <= 80 and _DIGIT.search(bare) is None:
            by = name_with_role(t) and t  # "Jane Doe Senior Editor"
            if by is None:
                # "[headshot]Jane Doe", "Picture of Jane Doe Jane Doe"
                bare = _PICTURE_OF.sub("", bare)
                twice = name_repeated(bare)  # "Jane DoeJane Doe"
                if twice is not None:
                    by = twice
                elif (is_name(bare) or is_desk(bare)) and not _IMAGE_TEXT.search(bare):
                    names.add(j)  # "Jane Doe", "• Jane Doe"
        if by is not None:
            bylines[j] = by
        elif is_byline_label(t):
            nxt = next((region[m] for m in range(k + 1, min(len(region), k + 3))
                        if not _IMAGE.fullmatch(stripped[region[m]])), None)
            if nxt is not None:
                text = without_bullet(stripped[nxt])  # "By" over "• Jane Doe"
                if (is_name(text) or is_desk(text) or byline_text(text) is not None
                        or _one_name(text)):  # "By" over "Lauren"
                    bylines[nxt] = text
    # a name over its job ("Jane Doe" over "Senior Editor")
    for k, j in enumerate(region[:-1]):
        if j in names and j not in bylines:
            role = stripped[region[k + 1]]
            if len(role) <= 60 and is_role(role) and not is_name(role) and not _DIGIT.search(role):
                bylines[j] = without_bullet(stripped[j])
    # a name under its photo ("Picture of Jane Doe", "Jane Doe's avatar") or printed twice
    names = {j for j in names if j not in bylines and j not in dates}
    for k, j in enumerate(region):
        t = stripped[j]
        if j not in names:
            continue
        near = [region[m] for m in range(max(0, k - 2), min(len(region), k + 3)) if m != k]
        if any(t in stripped[m] and (_PHOTO.search(stripped[m]) or stripped[m] == t
                                     or m in dates or m in bylines) for m in near):
            bylines[j] = without_bullet(t)
    meta = set(bylines) | set(dates)
    # names with a date beside them (``Jane Doe`` over ``May 5, 2025``): a byline for the
    # headline above them, though not yet the byline (that is chosen under the headline)
    paired = {j for k, j in enumerate(region) if j in names and any(
        region[m] in dates for m in range(max(0, k - 2), min(len(region), k + 3)))}

    # -- the title ---------------------------------------------------------------------
    seen = Counter(stripped[j] for j in region)
    crumbs = [s for s in seen if _BREADCRUMB_SEP.search(s + " ")]  # breadcrumbs, list entries
    # the entries of lists above the text: a breadcrumb's last entry is the headline
    entries = {_ITEM_MARK.sub("", stripped[j]).casefold() for j in above if is_list_item(lines[j])}
    folded = {s.casefold() for s in seen if len(s) <= 300}
    best: tuple[float, int, str, bool] | None = None
    classifier_title = fields.get("title", [None])[0]
    candidates: list[tuple[float, int, str, int, bool, bool]] = []
    meta_under = False  # a heading has a byline or a date under it
    # the byline or date a few lines under the first paragraph, no heading between them:
    # the first paragraph may be the standfirst of the headline right above it
    standfirst = False
    for m in region[rank[first] + 1:rank[first] + 1 + STANDFIRST_META]:
        if m in meta:
            standfirst = True
            break
        text = _headline_text(stripped[m])
        if (m not in names and len(text.split()) >= TITLE_MIN_WORDS
                and _title_like(text, len(text.split()))):
            break
    for j in above:
        t = stripped[j]
        if j in meta or is_list_item(lines[j]):
            continue
        if labels[j].kept and _is_paragraph(t):
            continue
        text = _headline_text(t)
        words = len(text.split())
        sentence_end = False  # "Who's Reading Your Newsletter? Increasingly, Not a Human."
        if not _title_like(text, words, checked=text == t):
            if not (text.endswith(".") and words >= TITLE_MIN_WORDS
                    and sum(w[:1].isupper() for w in text.split()) >= 0.75 * words
                    and _title_like(text[:-1], words, checked=text == t)):
                continue
            sentence_end = True  # a headline in title case: only over its byline or date
        dist = rank[first] - rank[j]
        k = rank[j]
        if words <= 5 and is_role(text) and any(
                region[m] in bylines for m in range(max(0, k - 2), min(len(region), k + 3))):
            continue  # the author's job under the byline: "Senior Editor"
        score = min(words, 10) * 0.4 - 0.15 * dist
        # the three lines under the heading (an image's placeholder not counted)
        after = [m for m in region[rank[j] + 1:rank[first]]
                 if _IMAGE.fullmatch(stripped[m]) is None][:3]
        over = under = False  # the byline or the date right above, under the heading
        if any(m in meta or m in paired for m in after) or (dist == 1 and standfirst):
            # (a headline over its standfirst, the byline or date under that: the second)
            score += META_UNDER_SCORE
            meta_under = under = True
        elif k > 0 and region[k - 1] in meta:
            over = True
        low = text.casefold()
        if any(s != t and s.endswith(text)
               and _BREADCRUMB_SEP.search(s[: len(s) - len(text)] + " ") for s in crumbs) or (
                words >= REPEATED_MIN_WORDS and (seen[t] > 1 or low in entries
                                                 or _extended(low, t.casefold(), folded))):
            score += REPEATED_SCORE
        if text[:1].islower():
            score -= LOWER_CASE_PENALTY
        if t == classifier_title:
            score += 1.5
        if sum(w[:1].isupper() for w in text.split()) >= 0.6 * words:
            score += 1.0
        if text.endswith("!"):
            score -= 1.5
        if sentence_end and not under:
            continue
        candidates.append((score, j, text, words, over, under))
    for score, j, text, words, over, under in candidates:
        if over and not meta_under:
            score += META_OVER_SCORE
            under = True
        if words < TITLE_MIN_WORDS and score < 4.0:
            continue
        if best is None or score > best[0]:
            best = (score, j, text, under)
    title_at: int | None = None
    subtitle: str | None = None
    if best is not None:
        k = rank[best[1]]
        upper = region[k - 1] if k > 0 else None
        if upper is not None and upper not in meta and not labels[upper].kept:
            text = _headline_text(stripped[upper])
            words = len(text.split())
            deck = len(best[2].split())
            if (deck >= DECK_MIN_WORDS and TITLE_MIN_WORDS < words <= deck
                    and not is_list_item(lines[upper]) and _title_like(text, words)
                    and best[2][:1].isupper()
                    and sum(w[:1].isupper() for w in best[2].split()) < deck / 2):
                # a headline over its deck (a sentence in sentence case): the upper line
                subtitle = best[2]
                best = (best[0], upper, text, best[3])
        title_at = best[1]
        for k in range(n):
            if labels[k].tag in ("title", "subtitle") and labels[k].kept and k != title_at:
                labels[k] = (Label(False, "short", f"{RULE}:not-title") if k < first
                             else Label(True, "subheading", f"{RULE}:not-title"))
        labels[title_at] = Label(True, "title", f"{RULE}:title")
        fields["title"] = [best[2]]
        fields.pop("subtitle", None)
        if subtitle is not None:
            at = region[rank[title_at] + 1]
            labels[at] = Label(True, "subtitle", f"{RULE}:subtitle")
            fields["subtitle"] = [subtitle]

    # -- byline and dates of the header ------------------------------------------------
    top = rank[title_at] if title_at is not None else max(0, rank[first] - 12)
    if title_at is not None:  # the headline printed twice: the header starts at the first
        head = fields["title"][0]
        top = min((rank[j] for j in above if head in stripped[j]
                   and _headline_text(stripped[j]) == head), default=top)
    # a name next to the date, below the title
    for k, j in enumerate(region):
        if j in names and j not in bylines and k > top and any(
                region[m] in dates for m in range(max(0, k - 2), min(len(region), k + 3))):
            bylines[j] = without_bullet(stripped[j])
    lo = max(0, top - DATE_ABOVE_TITLE)
    header = [j for j in region if rank[j] >= lo]
    if title_at is not None and top < DATE_ABOVE_TITLE:
        # the headline at the top of the window: the dateline right above it is looked
        # at too ("Last updated:" over "Dec 12, 2025" over the headline)
        j, extra = region[0] - 1, 0
        while j >= 0 and extra < DATE_ABOVE_TITLE - top:
            if stripped[j]:
                extra += 1
                found = _is_dateline(stripped[j], None)
                if found:
                    dates[j] = found
                    header.insert(0, j)
                    rank[j] = -extra
            j -= 1
    by_at = next((j for j in header if j in bylines and (title_at is None or j > title_at)),
                 None)
    if by_at is None:
        by_at = next((j for j in reversed(header) if j in bylines), None)
    if by_at is None:
        # a name beside the date under the headline, else on the dateline right above it
        # ("109 Comments | Jill Winger | Last Updated: March 11, 2019" over a blog's title)
        by_at = next((j for j in header if j in weak and (title_at is None or j > title_at)),
                     None)
        if by_at is None and title_at is not None:
            by_at = next((j for j in reversed(header) if j in weak and j < title_at), None)
        if by_at is not None:
            bylines[by_at] = weak[by_at]
    if by_at is not None:
        fields["byline"] = [bylines[by_at]]
        if not labels[by_at].kept or labels[by_at].tag != "body" or by_at != first:
            labels[by_at] = Label(True, "byline", f"{RULE}:byline")
    else:  # "Written by Jane Doe" under the text (its labels are left as they are)
        late = next((t for t in stripped[region[-1] + 1: region[-1] + 1 + LATE_BYLINE_LINES]
                     if t[:1] in _LATE_START and len(t) <= 160 and _LATE_BYLINE.match(t)
                     and authors_from_byline(_LATE_BYLINE.sub("By ", t, count=1))), None)
        if late is not None:
            fields["byline"] = [_LATE_BYLINE.sub("By ", late, count=1)]
    published = updated = None
    # the dates under the headline first, then those just above it, then under the text
    # (a headline over its standfirst: the date under the standfirst before those above)
    below_first = 1 if (standfirst and title_at is not None
                        and rank[first] - rank[title_at] == 1) else 3
    order = sorted(header, key=lambda j: (0 if top <= rank[j] < rank[first] else
                                          2 if rank[j] < top else below_first, j))
    for j in order:
        for kind, text in dates.get(j, ()):
            if kind == "updated" and updated is None:
                updated = text
            elif kind == "published" and published is None:
                published = text
            else:
                continue
            if j not in bylines:
                labels[j] = Label(True, "dateline", f"{RULE}:dateline")
    if published is None and updated is None:
        late_date = _late_dateline(stripped, region[-1] + 1)  # "Published Aug 13, 2025"
        if late_date is not None:
            published = late_date[1]
            labels[late_date[0]] = Label(True, "dateline", f"{RULE}:late-dateline")
    if published is None:
        published = updated  # the page's only date: when it was (last) published
    if published is not None:
        fields["published"] = [published]
    if updated is not None:
        fields["updated"] = [updated]
    return ((TITLE_OVER_META if best is not None and best[3] else 0)
            + (by_at is not None) + (published is not None))
