"""Bylines and datelines as pages print them: who wrote the article, and when.

:func:`authors_from_byline` turns a byline into the names of its authors (``By Kim Bo-eun
and Choi Ha-young | The Texas Newsroom`` gives ``("Kim Bo-eun", "Choi Ha-young")``);
:func:`byline_text` tells whether a line of a text dump is a byline (``By X``, ``ByX``,
``Written by X``, ``Author: X``, ``X | Staff Writer``); :func:`find_dates` finds the dates
a line prints (``Friday, November 14, 2025``, ``Nov. 14, 2025``, ``14 November 2025``,
``2025-11-14``, ``Published 3:04 PM EST Nov 14, 2025``, ``Updated ...``), as printed, for
``kt_clean.article.iso_any`` to read; :func:`author_beside_date`, :func:`name_with_role`,
:func:`name_repeated` and :func:`is_desk` find the authors a dump prints without ``By``
(``Jane Doe | May 5, 2025``, ``Jane Doe Senior Editor``, ``Jane DoeJane Doe``, ``The Upwork
Team``). Used by the generic cleaner of text dumps and shared
with the HTML path; only the standard library (the lowest layer of the package).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from .namewords import COMMON_WORDS as _COMMON_WORDS
from .namewords import NOT_NAME_WORDS as _NOT_NAME_WORDS
from .namewords import PARTICLES as _PARTICLES
from .namewords import ROLE_WORDS as _ROLE_WORDS
from .namewords import plain_byline as _plain_byline
from .namewords import words as _words


class _Lazy:
    """A pattern compiled on its first use: the command line's start-up does not pay for
    the patterns of pages it never reads. The first use of a method compiles the pattern
    and puts the compiled pattern's own methods on the instance, where every later call
    finds them directly (``__getattr__`` runs only for attributes not found)."""

    match: Callable[[str], re.Match[str] | None]
    fullmatch: Callable[[str], re.Match[str] | None]
    search: Callable[[str], re.Match[str] | None]
    finditer: Callable[[str], Iterator[re.Match[str]]]
    split: Callable[[str], list[Any]]
    sub: Callable[..., str]

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name not in _METHODS:
            raise AttributeError(name)
        compiled = re.compile(*self._args)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


_METHODS = ("finditer", "fullmatch", "match", "search", "split", "sub")
_DIGIT = _Lazy(r"\d")
#: Every date form has a year: a line without one is not searched further.
_YEAR_DIGITS = _Lazy(r"(?:19[89]|20\d)\d")

# -- dates -------------------------------------------------------------------------------

_MONTH = (r"(?i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?"
          r"|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])")
_WEEKDAY = r"(?i:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19[89]\d|20\d\d)"
_TIME = (r"(?:[01]?\d|2[0-3])[:.][0-5]\d(?::[0-5]\d)?(?:\s*[AaPp]\.?[Mm]\.?)?"
         r"(?:\s+(?:UTC|GMT|[ECMP][SD]T|BST|CES?T|EES?T|KST|JST|HKT|SGT|AE[SD]T)\b)?")
#: The date forms of pages, each a whole date (year, month and day).
_DATE_FORMS = (
    rf"{_YEAR}-[01]\d-[0-3]\d(?:[T ]{_TIME})?",                       # 2025-11-14
    rf"{_WEEKDAY}?{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}",                  # Friday, Nov. 14, 2025
    rf"{_WEEKDAY}?{_DAY}\.?\s+(?:of\s+)?{_MONTH}\.?,?\s+{_YEAR}",     # 14 November 2025
    rf"{_DAY}-{_MONTH}-{_YEAR}",                                      # 14-Nov-2025
    rf"[0-3]?\d[/.][0-3]?\d[/.]{_YEAR}",                              # 11/14/2025, 14.11.2025
    rf"{_YEAR}/[01]?\d/[0-3]?\d",                                     # 2025/11/14
)
#: What may follow a date glued to it: a time (``November 11, 20228:23 PM``) or a count
#: (``Mar 27, 20255 mins``), as pages whose parts w3m prints without a space show them.
_GLUED_AFTER = r"(?=\d{1,2}[:.][0-5]\d|\d{1,3}\s*(?i:mins?|minutes?|comments?)\b)"
#: Where a date may start: not inside a number (``1/12/2025``, ``12:30``); a month's name
#: may follow a label's colon (``Last updated:Sep 4, 2025``) or the year of a date printed
#: before it without a space (``May 21, 2025April 24, 2025``: the update, then the
#: publication, as w3m prints a theme's two ``<time>`` elements).
_DATE_START = r"(?:(?<![\d/.:-])|(?<=[/.:-])(?=[^\W\d])|(?<=(?:19[89]|20\d)\d)(?=[A-Z][a-z]))"
_DATE = _Lazy(
    rf"{_DATE_START}(?:(?P<tb>{_TIME})\s+)?(?P<date>{'|'.join(_DATE_FORMS)})"
    rf"(?:(?:,?\s+(?:at\s+|@\s*)?|\s*[@|,-]\s*|{_GLUED_AFTER})(?P<ta>{_TIME}))?"
    rf"(?!-|/\d|(?!{_GLUED_AFTER})\d)")
_UPDATED = _Lazy(r"\b(?:updated|modified|revised|edited)\b[\s:]*(?:on\s*)?$", re.I)
_PUBLISHED = _Lazy(r"\b(?:published|posted|released|first\s+published)\b[\s:]*(?:on\s*)?$",
                        re.I)
_DOTTED_TIME = _Lazy(r"^(\d{1,2})\.(\d\d)")
#: A date widget: today's date in the page's header, not the article's.
_TODAY = _Lazy(r"^\W*today\b|\btoday(?:\s+is\b|\s*[:,]|'s\s+date)|\b(?:current\s+date"
               r"|last\s+(?:visit|login))\b", re.I)


def find_dates(line: str) -> list[tuple[str, str]]:
    """The dates a line prints, each ``(kind, text)``: ``kind`` is ``"updated"`` after an
    ``Updated``/``Modified`` label, else ``"published"``; ``text`` is the date (and its
    time, when printed next to it) as printed, e.g. ``("published", "Nov 14, 2025 3:04
    PM EST")``; a time printed ``12.00`` is given as ``12:00``. A line naming today (a date
    widget) gives nothing."""
    if _YEAR_DIGITS.search(line) is None or _TODAY.search(line):
        return []
    found: list[tuple[str, str]] = []
    for m in _DATE.finditer(line):
        before = line[:m.start()]
        kind = "published"
        upd, pub = _UPDATED.search(before[-40:]), _PUBLISHED.search(before[-40:])
        if upd is not None and (pub is None or upd.start() > pub.start()):
            kind = "updated"
        text = m.group("date")
        time = m.group("tb") or m.group("ta")
        if time:  # "12.00 CET" reads as "12:00 CET"
            text = text + " " + _DOTTED_TIME.sub(r"\1:\2", time)
        found.append((kind, re.sub(r"\s+", " ", text)))
    return found


def has_date(line: str) -> bool:
    """Whether the line prints a whole date."""
    return _YEAR_DIGITS.search(line) is not None and _DATE.search(line) is not None


# -- bylines -----------------------------------------------------------------------------

#: Words that start a byline, before the names.
_PREFIX = _Lazy(
    r"^(?:(?:article|story|text|words|posted|written|authored|reported|compiled|published"
    r"|report|blog\s+post|guest\s+post)\s+)?by\b\s*:?\s*"
    r"|^(?:(?:article\s+)?(?:written|posted|authored)\s+by|authors?|writers?|contributors?"
    r"|by)\s*:\s*"
    , re.I)
#: A byline's prefix and a capital: ``By Cort Honey`` (not ``By storing data ...``).
_PREFIXED_NAME = _Lazy(r"(?i:(?:written|posted)\s+)?(?i:by)\s*:?\s*[A-Z]")
#: A user's name: one lower-case word of letters, digits, ``_``, ``.`` or ``-``.
_USER_NAME = _Lazy(r"[a-z][a-z0-9_.\-]{2,29}")
_NAME_THEN_BY = _Lazy(r"(?<=[a-z])\s*By\s*(?=[A-Z])")
#: A byline after a counter, glued or not: ``14 min readWritten by``, ``3 views By``.
_BY_AFTER = _Lazy(r"(?:Written|Posted|Authored|WRITTEN|POSTED)\s*(?:by|By|BY)\b"
                  r"|\b(?:By|BY)\s+(?=[A-Z])")
#: ``ByNina Pineda``, ``Written byJane Doe``: the name glued to the ``By``.
_GLUED = _Lazy(r"^(?:By|BY|(?:Written|Posted|WRITTEN|POSTED) ?(?:by|By|BY))(?=[A-Z][a-z])")
#: Bylines of someone other than the author.
_NOT_AUTHOR = _Lazy(
    r"^(?:(?:medically\s+|expert\s+|fact[\s-]*)?(?:reviewed|checked|verified|edited|"
    r"illustrated|photographed|translated|narrated|sponsored|presented|powered|produced|"
    r"brought\s+to\s+you|designed|developed|hosted|created|made)\s+by"
    r"|(?:photo|image|images|video|photos|illustration|graphic|credit)s?\b)", re.I)
#: A date or time, a counter or a label glued after the names: the byline ends there.
_TAIL = _Lazy(
    r"\s*(?:\||—|–|\s-\s|[·•●▪◦⋅∙]|/\s|\s{3,}|\(|\bon\s+(?=\W*\w*\s*\d)|\b(?:updated|published"
    r"|posted|last\s+updated|modified|in\s+(?=[A-Z])|for\s+(?=[A-Z])|at\s+\d|fact[\s-]checked"
    r"|reviewed\s+by|edited\s+by|view\s+(?:in|all)|follow\b|read\s+more|share\b|\d+\s*min)"
    r"|(?<=[a-z])(?=(?:Updated|Published|Posted|Last|Reviewed|Edited|Fact|Follow)\b)"
    r"|(?=\d{1,2}:\d\d)|(?<=[a-z])(?=\d)|(?<=[a-z.])\s+(?=\d))", re.I)
#: Words glued after the names: ``Jane DoePublished``, ``Jane DoeIn Travel``, ``Jane DoeMar 5``.
_GLUED_TAIL = _Lazy(
    r"(?<=[a-z])(?=(?:Updated|Published|Posted|Last|Reviewed|Edited|Fact|In\s+[A-Z]|On\s"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*\d))"
    r"|(?:\s+[A-Z0-9]{2,})?\s+(?i:logo|image|photo|avatar|headshot)\b|\s+[Ii]n$")
_SPLIT = _Lazy(r"\s*(?:,|;|&|\band\b|\+)\s*")
_EMAIL_URL = _Lazy(r"\S+@\S+|https?://\S+|www\.\S+|\b\S+\.(?:com|org|net|io|co|in)\b"
                        r"|@\w+", re.I)
#: The words before a date at the start of a byline: ``Last updated on``, ``Posted``.
_DATE_LABEL = _Lazy(r"^(?:(?:last\s+)?(?:updated|published|posted|modified)\s*:?\s+)?"
                         r"(?:on\s+)?", re.I)


#: Credentials after a name (``Dylan Bailey, MS, RD``): they stay with it.
_CREDENTIAL = _Lazy(
    r"^(?:[A-Z]{2,6}|(?:[A-Z][a-z]?\.){1,3}[A-Z]?[a-z]?\.?|Ph\.?\s?D\.?|M\.?D\.?|Jr\.?|Sr\.?"
    r"|I{2,3}|IV|Esq\.?|MBA|CPA|CFA|CFP|RDN?|LD|MPH|MSc?|BSc?)$")
#: A byline shape without ``By``: ``Jane Doe | Staff Writer``, ``Jane Doe, Senior Editor``.
_NAME_ROLE = _Lazy(r"^(?P<name>[^|,–—]{3,60}?)\s*(?:\||,|–|—| - )\s*(?P<role>[^|]{3,80})$")


_TWICE = _Lazy(r"^(?P<name>\S.{2,40}?)\s*(?P=name)(?:\s*(?P=name))*$")
#: A desk or team that signs an article: its role word is its name.
_DESK = _Lazy(r"\b(?:team|desk|staff|contributors?|editors|newsroom|bureau)$", re.I)


def _is_name_part(part: str) -> bool:
    """Whether ``part`` may be a person's (or a desk's) name: one to six words, no digit, no
    email or address, not a sentence."""
    if len(part) < 2 or len(part) > 60 or _DIGIT.search(part) is not None:
        return False
    if _EMAIL_URL.search(part) or not part[0].isalpha():
        return False
    words = part.split()
    if not 1 <= len(words) <= 6 or part.endswith(("?", "!", ":")):
        return False
    low = [w.casefold().strip(".,'\"") for w in words]
    if len(words) > 1 and all(w in _NOT_NAME_WORDS for w in low):
        return False
    # a name's words start with a capital (``van der``, ``de`` and ``bin`` excepted)
    if not all(w[0].isupper() or c in _PARTICLES for w, c in zip(words, low)):
        return False
    return sum(w in _NOT_NAME_WORDS for w in low) <= 1


def is_role(part: str) -> bool:
    """Whether a part of a byline names a job or an organisation (``Senior Editor``, ``The
    Texas Newsroom``) rather than a person."""
    return _is_role(part)


def _is_role(part: str) -> bool:
    words = [w.casefold().strip(".,()") for w in part.split()]
    return any(w in _ROLE_WORDS for w in words)


def is_name(text: str) -> bool:
    """Whether a whole (stripped) line looks like a person's name: two to five capitalised
    words, no digits, no label (``Jane Doe``, ``Kim Bo-eun``, ``Maria & Katerina``)."""
    if len(text) > 80 or " " not in text:
        return False
    text = text.rstrip(".") if _CREDENTIAL.match(text.rsplit(",", 1)[-1].strip()) else text
    words = text.split()
    if not 2 <= len(words) <= 6 or text[-1:] in ".:!?" or not text[0].isupper() or ":" in text:
        return False
    low = [w.casefold().strip(",.'’\"") for w in words]
    if any(w in _NOT_NAME_WORDS - {"and", "of"} or w in _COMMON_WORDS for w in low):
        return False
    parts = [p for p in _SPLIT.split(text) if p]
    return all((_is_name_part(p) and not _is_role(p)) or (k and _CREDENTIAL.match(p))
               for k, p in enumerate(parts))


def _clean_prefix(text: str) -> str:
    text = text.strip().lstrip("•◦▪■□‣*·-–—>»|: \t\u00a0")
    text = re.sub(r"^\[[^\]]*\]\s*", "", text)  # an image's placeholder glued before
    for _ in range(2):  # "Written byby X", "By: By X"
        new = _GLUED.sub("", _PREFIX.sub("", text, count=1).strip(), count=1).strip()
        if new == text:
            break
        text = new
    return text


def authors_from_byline(text: str | None) -> tuple[str, ...]:
    """The names a byline gives, in order: ``By Kim Bo-eun, Choi Ha-young`` gives ``("Kim
    Bo-eun", "Choi Ha-young")``.

    The ``By``/``Written by``/``Posted by``/``Author:`` words are dropped; names joined by
    ``and``, ``&``, ``,`` or ``;`` are split; a job title or an organisation after the names
    (``| The Texas Newsroom``, ``, Senior Editor``, `` - Reuters``), a date, a time or
    ``Updated ...`` glued after them, emails, addresses and ``@handles`` are dropped;
    credentials stay with their name (``Dylan Bailey, MS, RD``). The reviewer of a
    ``Medically reviewed by`` line is not an author: it gives ``()``.
    """
    if not text:
        return ()
    plain = _plain_byline(text)
    if plain is not None:
        return (plain,)
    line = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    line = re.sub(r"\b([Bb][Yy])\1\b", r"\1", line)  # "Written byby Jane Doe"
    if _NOT_AUTHOR.match(line.lstrip("•◦▪■□‣*·-–—: ")):
        return ()
    # (every date has a year: a byline without one never needs the date pattern, which
    # is costly to compile for the command line's one page)
    while _YEAR_DIGITS.search(line) is not None:
        # "On January 12, 2025 By Jane Doe": the date before the byline
        bare = _DATE_LABEL.sub("", line)
        m = _DATE.match(bare)
        if m is None:
            break
        line = bare[m.end():].strip(" ·•●|,;–—-")
    m = _NAME_THEN_BY.search(line)
    if m is not None and m.start() > 0 and _is_name_part(line[:m.start()].strip()) and (
            line[m.end():].startswith(line[:m.start()].strip())):
        line = "By " + line[m.end():]  # "Jane DoeBy Jane Doe": the photo's name, the byline
    if line[:1].isdigit():  # "14 min readWritten by Jane Doe": a counter before the byline
        m = _BY_AFTER.search(line)
        if m is not None:
            line = line[m.start():]
    before = line
    line = _clean_prefix(line)
    prefixed = line != before.strip()
    if _NOT_AUTHOR.match(line):
        return ()
    line = _EMAIL_URL.sub(" ", line)
    m = _GLUED_TAIL.search(line)
    if m is not None:
        line = line[:m.start()]
    m = _DATE.search(line) if _YEAR_DIGITS.search(line) is not None else None
    if m is not None and m.start() > 0:
        line = re.sub(r"\s+on\W*$", "", line[:m.start()], flags=re.I)
    m = _TAIL.search(line)
    if m is not None and m.start() > 0:
        line = line[:m.start()]
    elif m is not None:
        line = line[m.end():]
    line = _clean_prefix(line).strip(" ,;.:-–—")
    names: list[str] = []
    for at, part in enumerate(_SPLIT.split(line)):
        part = part.strip(" ,:;-–—'\"“”()[]")
        if not part:
            continue
        if names and _CREDENTIAL.match(part):
            names[-1] = f"{names[-1]}, {part}"  # "Dylan Bailey, MS, RD"
            continue
        part = part.rstrip(".")
        twice = _TWICE.match(part)
        if twice is not None:  # "Jane DoeJane Doe", "Jane Doe Jane Doe"
            part = twice.group("name").strip()
        if _is_role(part) and not names and _DESK.search(part) and _is_name_part(part):
            names.append(part)  # "The Investopedia Team", "TOI Lifestyle Desk"
            continue
        if _is_role(part):
            words = part.split()
            at = next(k for k, w in enumerate(words) if _is_role(w))
            if at >= 2 and not names and _is_name_part(" ".join(words[:at])):
                names.append(" ".join(words[:at]))  # "Jane Doe Executive Editor"
            if names:
                break  # "Jane Doe, Senior Editor"; "Jane Doe, The Texas Newsroom"
            continue
        if not _is_name_part(part):
            if at == 0 and prefixed and _USER_NAME.fullmatch(part):
                names.append(part)  # "by jsteinhardt": a user's name after an explicit By
                break
            if names:
                break  # the names are over: what follows is something else
            continue
        if part.casefold() not in (n.casefold() for n in names):
            names.append(part)
    return tuple(names)


def byline_text(line: str) -> str | None:
    """The byline a (stripped) line is, or ``None``: ``By X``, ``ByX``, ``Written by X``,
    ``Author: X``, ``Posted on <date> by X``, ``X | Staff Writer``, ``X, Senior Editor``.
    A line that names its authors only by their role, or whose names are no names, is
    none."""
    text = line.strip().lstrip("•◦▪■□‣*· ")
    if len(text) > 160 and (_GLUED.match(text) is not None
                            or _PREFIXED_NAME.match(text) is not None):
        # a long row that starts with its byline, then dates, categories and tags:
        # "Posted byDamien WalterDecember 30, 2024 ... Posted inPodcast, ... Tags: ..."
        text = text[:100]
    if not text or len(text) > 160:
        return None
    if "byby" in text or "ByBy" in text:
        text = _BYBY.sub(r"\1 ", text)  # "Written byby Jane Doe"
    low = text.casefold()
    prefixed = ("by" in low or ":" in text) and (
        _PREFIX.match(text) is not None or _GLUED.match(text) is not None)
    glued = _NAME_THEN_BY.search(text) if "By" in text else None
    if glued is not None and glued.start() > 0:
        # "AnthonyBy AnthonyJanuary 4, 2026": the name under the author's photo, then the
        # byline with the same name (not "Presented By Carahsoft")
        head = text[:glued.start()].strip()
        head = name_repeated(head) or head
        names = authors_from_byline(text[glued.start():])
        if names and names[0].casefold() == head.casefold():
            text = text[glued.start():].strip()
            prefixed = True
    if prefixed or ("by" in low and re.search(r"(?:^|\s)(?:by|By|BY)\s+[A-Z]", text)):
        start = text
        if not prefixed:
            # "On January 12, 2025 By Gabby Boucher", "Dec 18, 2025 by Jane Doe": only a
            # date (or a label) may come before the "by"
            m = re.search(r"(?:^|\s)(?:by|By|BY)\s+(?=[A-Z])", text)
            assert m is not None
            head = text[:m.start()]
            if head.strip() and not (has_date(head) or re.fullmatch(
                    r"\W*(?:posted|published|written|article|story|updated)?\W*"
                    r"(?:on)?\W*", head, re.I) or _IMAGE_HEAD.fullmatch(head) is not None):
                return None
            start = text[m.start():]
            if _IMAGE_HEAD.fullmatch(head) is not None:
                text = start.strip()  # the photo's text is no part of the byline
        if _NOT_AUTHOR.match(_clean_prefix(start)) or not authors_from_byline(start):
            return None
        return text
    if not any(mark in text for mark in _ROLE_MARKS):
        return None
    m = _NAME_ROLE.match(text)
    if m is not None and is_name(m.group("name").strip()) and _is_role(m.group("role")):
        return text
    return None


_ROLE_MARKS = ("|", ",", "–", "—", " - ")
_BYBY = _Lazy(r"\b([Bb][Yy])(?:[Bb][Yy])\b\s*")
#: An author's photo printed before the byline: ``Avatar photo by Jill Barshay``,
#: ``[headshot] By Jane Doe``.
_IMAGE_HEAD = _Lazy(r"\s*(?:\[[^\]]{0,60}\]\s*)*(?:(?:(?:the\s+)?author(?:'s)?\s+)?"
                    r"(?:avatar|headshot)(?:\s+(?:photo|image|picture))?"
                    r"|(?:the\s+)?author(?:'s)?\s+(?:photo|image|picture)"
                    r"|(?:picture|photo|image|avatar|headshot|portrait)\s+of\s+[^|]{2,40}?)?\s*",
                    re.I)


#: Lines that say the next line is the byline: ``By``, ``Written by``, ``Author``.
_LABEL = _Lazy(r"^(?:by|by:|(?:article\s+)?(?:written|posted|authored)\s+by:?|authors?:?"
                    r"|writers?:?|words:?|text:?)$", re.I)


def is_byline_label(line: str) -> bool:
    """A line that only says the names follow: ``By``, ``Written by``, ``Author:``."""
    return len(line) <= 40 and _LABEL.match(line.strip().lstrip("•◦▪■□‣*· ")) is not None


# -- names printed beside a date, a role or themselves ---------------------------------

#: Separators of the parts of a byline row: ``Jane Doe | May 5, 2025 | 5 min read``.
_PARTS = _Lazy(r"\s*(?:[|•·⋅◦●▪∙/]|\s-\s|\s–\s|\s—\s|\s{3,})\s*")
#: Labels and counters of a byline row, dropped from its parts: ``Updated on``, ``5 min read``.
_ROW_WORDS = _Lazy(
    r"\b(?:(?:last\s+)?(?:updated|published|posted|modified|written)(?:\s+on)?|on|at|by)\s*:?\s*$"
    r"|^\s*(?:on|by)\b\s*:?\s*", re.I)
_WEEKDAYS_MONTHS = _words("""
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
""")
#: ``Jane Doe | May 5, 2025``, ``Jane Doe•Updated on``: a name that ends before a label.
_NAME_END = _Lazy(r"(?<=[a-z])(?=(?:Updated|Published|Posted|Last|Reviewed|Edited)\b)")
_IMAGE_PREFIX = _Lazy(r"^(?:\[[^\]]{0,60}\]\s*)+")


_ROW_NAME_TAIL = _Lazy(r"\s+(?:@\w+|(?:on\s+behalf\s+of|in|for|from)\s+[A-Z].*)$")


def _row_name(part: str) -> str | None:
    part = _IMAGE_PREFIX.sub("", part.strip()).strip()
    m = _NAME_END.search(part)
    if m is not None:
        part = part[:m.start()]
    for _ in range(2):
        part = _ROW_WORDS.sub("", part).strip(" ,;:-–—")
    if " By " in part:  # "Bhaval Patel By Bhaval Patel"
        part = part.rpartition(" By ")[2]
    # "Niko Matsakis on behalf of Vision Doc group", "Mahua Das in Project Management",
    # "Nawaz Dhandala @nawazdhandala": what follows the name
    part = _ROW_NAME_TAIL.sub("", part).strip()
    if not part or _WEEKDAYS_MONTHS & {w.casefold() for w in part.split()}:
        return None
    return part if is_name(part) or is_desk(part) else None


def author_beside_date(line: str) -> str | None:
    """The name a dateline prints beside its date, or ``None``: ``Jane Doe | May 5, 2025``,
    ``Jane Doe May 5, 2025``, ``May 5, 2025 · 5 min · Jane Doe``, ``Jane Doe•Updated on May
    5, 2025``, ``2025-05-05·Jane Doe``. Only a line with a whole date (and at most 160
    characters) is read; the first part that is a name is the author."""
    if len(line) > 160 or not has_date(line):
        return None
    spans = [(m.start(), m.end()) for m in _DATE.finditer(line)]
    pieces, at = [], 0
    for a, b in spans:
        pieces.append(line[at:a])
        at = b
    pieces.append(line[at:])
    for piece in pieces:
        for part in _PARTS.split(piece):
            name = _row_name(part) if part.strip() else None
            if name is not None:
                return name
    return None


#: A desk or a team that signs: ``The Upwork Team``, ``EDB Team``, ``Team SimplyThrilled``.
_DESK_NAME = _Lazy(
    r"^(?:The\s+)?(?:[A-Z][\w.&'’-]*\s+){1,3}(?:Editorial\s+)?(?:Team|Staff|Editors|Desk"
    r"|Newsroom)$|^Team\s+[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*)?$")


def is_desk(text: str) -> bool:
    """Whether a whole (stripped) line is the name of a desk or a team that signs articles
    (``The Upwork Team``, ``Great Day Editorial Team``, ``Team SimplyThrilled``)."""
    return len(text) <= 60 and _DESK_NAME.match(text) is not None and not any(
        w.casefold() in _COMMON_WORDS | _NOT_NAME_WORDS - {"the"} for w in text.split()[:-1])


def name_with_role(line: str) -> str | None:
    """The name of a line that is a name and then its job, or ``None``: ``Jane Doe Senior
    Editor``, ``Jane Doe Founder & Lead Reviewer`` give ``Jane Doe``."""
    words = line.split()
    if len(line) > 80 or not 3 <= len(words) <= 8 or ":" in line:
        return None
    low = [w.casefold().strip(".,()") for w in words]
    if _ROLE_WORDS.isdisjoint(low[2:5]) or _DIGIT.search(line):
        return None
    at = next((k for k, w in enumerate(low) if w in _ROLE_WORDS), None)
    if at is None or not 2 <= at <= 4 or not all(
            w[0].isupper() or w in ("&", "and", "of", "at") for w in words[at:]):
        return None
    name = " ".join(words[:at]).rstrip(",")
    return name if is_name(name) else None


def name_repeated(line: str) -> str | None:
    """The name of a line that prints it two or three times (``Jane DoeJane Doe``, ``Jane
    Doe Jane Doe``), or ``None``."""
    text = line.strip()
    if not 8 <= len(text) <= 120 or text[:4] not in text[4:]:
        return None
    for times in (2, 3):
        for gap in ("", " "):
            size = (len(text) - (times - 1) * len(gap)) / times
            if size < 4 or size != int(size):
                continue
            part = text[: int(size)]
            if gap.join([part] * times) == text and is_name(part):
                return part
    return None
