"""What kt-clean knows about a layout's regular expressions, worked out once per pattern.

- :class:`LazyPattern`: a built-in pattern compiled on first use.
- :func:`required_literals`: strings one of which any match contains (a cheap prefilter).
- :func:`line_texts`: the lines a whole-line literal pattern matches (a table lookup).

Both analyses read the pattern's parse tree from the standard library's private
``re._parser``. Why keep that rather than a parser of our own: it is the parser the
patterns run on, and the prefilter it allows makes detection several times faster
(``bench/handwritten.py``). An internal change there can only cost speed, never a wrong
match: the analysis is trusted only while :func:`parser_understood` (known patterns give
their known answers) holds, any error inside it gives up on that pattern, and either way
the pattern is run as a plain regex. ``tests/test_handwritten.py`` fails loudly on a Python
whose parser changed (and checks the fallback gives the same output), and
``tests/test_matching.py`` pins every fast path to a plain per-line search.

:data:`FACTS` remembers the analysis of each compiled pattern in one place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

#: What a ``LazyPattern`` takes from the compiled pattern.
_DELEGATED = ("search", "match", "fullmatch", "sub", "finditer", "findall", "groupindex",
              "groups")


class LazyPattern:
    """A built-in layout's pattern, compiled on first use; it stands in for the compiled
    ``re.Pattern`` (``search``, ``sub``, ``pattern``, ``groupindex``, ...).

    Why: compiling every pattern of every layout was most of a one-page command's time
    after the imports, and a page needs few of them: a page's whole-line literal patterns
    are looked up in a table, others are skipped when their literal is not on the page.
    After the first use the compiled pattern's methods are plain attributes: no extra call.
    (It hashes by identity, as the per-pattern caches want: a dictionary lookup in C.)
    """

    __slots__ = ("pattern", "flags", *_DELEGATED)

    def __init__(self, pattern: str, flags: int = re.MULTILINE) -> None:
        self.pattern, self.flags = pattern, flags

    def __getattr__(self, name: str) -> Any:  # only for the slots not filled yet
        if name not in _DELEGATED:
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self.flags)
        for attr in _DELEGATED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    @property
    def is_compiled(self) -> bool:
        """Whether the pattern has been compiled (used) yet."""
        try:
            object.__getattribute__(self, "search")
        except AttributeError:
            return False
        return True

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


#: A layout's pattern: compiled, or compiled on first use.
Regex = re.Pattern[str] | LazyPattern


#: Prefilter strings shorter than this are not worth checking ...
MIN_LITERAL = 3
#: ... and runs with more alternatives than this are split.
MAX_ALTERNATIVES = 64
#: ... unless made of these characters (or non-ASCII ones), rare in running text.
RARE_CHARS = frozenset("@|#")


def _sre() -> tuple[Any, Any]:
    """The standard library's private regex constants and parser (see the module's doc)."""
    import importlib

    return importlib.import_module("re._constants"), importlib.import_module("re._parser")


#: Patterns whose analysis is known: ``re._parser`` is used only while it gives these.
CANARY_LITERALS = (
    (r"^(?:Mon|Tue), \d", ("Mon, ", "Tue, ")),
    (r"^\s*(?P<name>[^@\n]{2,60}?)[ ,]+(?P<email>[\w.+-]+@[\w-]+)", ("@",)),
    (r"^\s*• (?:Facebook|Twitter) share button\s*$", (" share button",)),
    (r"(?i)share button", ()),
)
CANARY_LINES = (
    (r"^\s*• (?:Site Map|PDF)\s*$", (frozenset({"• Site Map", "• PDF"}), True)),
    (r"^Settings\s*$", (frozenset({"Settings"}), False)),
    (r"^\s*Posted : \d{4}", None),
)


@functools.cache
def parser_understood() -> bool:
    """Whether this Python's ``re._parser`` gives the known analysis of known patterns (if
    not, no pattern is analysed: each runs as a regex, slower and as right)."""
    try:
        return (all(_required_literals(p) == want for p, want in CANARY_LITERALS)
                and all(_line_texts(p) == want for p, want in CANARY_LINES))
    except Exception:
        return False


def required_literals(pattern: str) -> tuple[str, ...]:
    """Strings of which at least one occurs in any text the pattern matches (or ``()``).

    Why: a page is scanned once per pattern; ``"share button" in text`` is many times
    faster than running the regex over a page that cannot match, and most patterns of a
    layout do not match most pages. Taken from the parsed pattern: the longest run at the
    top level of literal characters and groups of literal alternatives, e.g.
    ``^(?:Mon|Tue), \\d`` gives ``("Mon, ", "Tue, ")``: rarer on a page than ``Mon``.
    """
    if not parser_understood():
        return ()
    try:
        return _required_literals(pattern)
    except Exception:  # an internal-API change must only cost speed, never correctness
        return ()


def _required_literals(pattern: str) -> tuple[str, ...]:
    c, sre_parse = _sre()

    try:
        parsed = sre_parse.parse(pattern, re.MULTILINE)
        if parsed.state.flags & re.IGNORECASE:
            return ()
    except Exception:  # an internal-API change must only cost speed, never correctness
        return ()

    def literal(sub: Any) -> str | None:
        chars = []
        for op, av in sub:
            if op is not c.LITERAL:
                return None
            chars.append(chr(av))
        return "".join(chars)

    def alternatives(op: Any, av: Any) -> tuple[str, ...] | None:
        """The texts a literal character or a group of literal alternatives matches."""
        if op is c.LITERAL:
            return (chr(av),)
        branch = None
        if (op is c.SUBPATTERN and len(av[3]) == 1 and av[3][0][0] is c.BRANCH
                and not av[1] & re.IGNORECASE):
            branch = av[3][0][1][1]
        elif op is c.BRANCH:
            branch = av[1]
        if not branch:
            return None
        alts = [literal(alt) for alt in branch]
        return tuple(a for a in alts if a) if all(alts) else None

    def flat(items: Any) -> Iterator[tuple[Any, Any]]:
        """The pattern's top-level items, with plain groups (not repeated, no alternatives,
        no case flag) opened: their contents must match in sequence too."""
        for op, av in items:
            if (op is c.SUBPATTERN and not av[1] & re.IGNORECASE
                    and not any(x[0] is c.BRANCH for x in av[3])):
                yield from flat(av[3])
            else:
                yield op, av

    candidates: list[tuple[str, ...]] = []
    run: tuple[str, ...] = ("",)  # literal characters and literal alternatives, in sequence
    plain = ""  # literal characters only, since the last item of another kind
    for op, av in [*flat(parsed), (None, None)]:
        alts = alternatives(op, av) if op is not None else None
        if op is not c.LITERAL and plain:
            candidates.append((plain,))
            plain = ""
        if op is c.LITERAL:
            plain += chr(av)
        if alts is not None and len(run) * len(alts) <= MAX_ALTERNATIVES:
            run = tuple(a + b for a in run for b in alts)
            continue
        if run != ("",):
            candidates.append(run)
        run = alts if alts is not None else ("",)

    def usable(cand: tuple[str, ...]) -> bool:  # rare enough to be worth a scan
        return all(len(alt) >= MIN_LITERAL or all(ch in RARE_CHARS or ord(ch) > 127 for ch in alt)
                   for alt in cand)

    # Each alternative is one more scan of the page: fewest alternatives first, then length.
    return max(filter(usable, candidates),
               key=lambda cand: (-len(cand), min(map(len, cand))), default=())


#: Patterns expanding to more literal lines than this are matched as regexes.
MAX_LINE_TEXTS = 200


#: Whether a whole-line literal pattern allows leading whitespace: always, never, or only
#: before these of its texts (``^(?:Settings|\\s*ⓕ font-size)\\s*$``).
Lead = bool | frozenset[str]
_LEAD = "\x00"  # marks, while expanding, a text that may follow leading whitespace


def line_texts(pattern: str) -> tuple[frozenset[str], Lead] | None:
    """The lines ``pattern`` matches when it is a whole line of literal text (alternatives,
    optional parts and small character sets allowed), as ``(texts, leading_space_ok)``:
    ``^\\s*• (?:Site Map|PDF)\\s*$`` gives ``({"• Site Map", "• PDF"}, True)``. A line
    then matches iff its stripped text is one of them (and, where leading whitespace is not
    allowed, it has none): a dictionary lookup, not a scan.
    """
    if not parser_understood():
        return None
    try:
        return _line_texts(pattern)
    except Exception:  # as for required_literals
        return None


def _line_texts(pattern: str) -> tuple[frozenset[str], Lead] | None:
    c, sre_parse = _sre()

    try:
        parsed = sre_parse.parse(pattern, re.MULTILINE)
        if parsed.state.flags & re.IGNORECASE:
            return None
        items = list(parsed)
    except Exception:
        return None

    def is_spaces(item: tuple[Any, Any]) -> bool:  # \s*: whitespace as str.strip() sees it
        op, av = item
        return (op is c.MAX_REPEAT and av[0] == 0 and av[1] == c.MAXREPEAT and len(av[2]) == 1
                and av[2][0][0] is c.IN and av[2][0][1] == [(c.CATEGORY, c.CATEGORY_SPACE)])

    if len(items) < 3 or items[0] != (c.AT, c.AT_BEGINNING) or items[-1] != (c.AT, c.AT_END):
        return None
    body = items[1:-1]
    if not (body and is_spaces(body[-1])):
        return None
    body = body[:-1]

    def expand(seq: list[Any], at_start: bool) -> set[str] | None:
        out = {""}
        options: set[str] | None
        for op, av in seq:
            first = at_start and out == {""}
            if first and is_spaces((op, av)):
                options = {_LEAD}
            elif op is c.LITERAL:
                options = {chr(av)}
            elif op is c.IN and all(x[0] is c.LITERAL or (x[0] is c.RANGE
                                    and x[1][1] - x[1][0] < 20) for x in av):
                options = set()
                for kind, value in av:
                    lo, hi = (value, value) if kind is c.LITERAL else value
                    options.update(chr(k) for k in range(lo, hi + 1))
            elif op is c.SUBPATTERN and not av[1] and not av[2]:  # no (?i:...) flags
                options = expand(list(av[3]), first)
            elif op is c.BRANCH:
                options = set()
                for alt in av[1]:
                    sub = expand(list(alt), first)
                    if sub is None:
                        return None
                    options |= sub
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
                sub = expand(list(av[2]), first)
                if sub is None:
                    return None
                options = sub | {""}
            else:
                return None
            if options is None:
                return None
            out = {a + b for a in out for b in options}
            if len(out) > MAX_LINE_TEXTS:
                return None
        return out

    marked = expand(body, True)
    if not marked:
        return None
    texts = {t.replace(_LEAD, "") for t in marked}
    if any(not t or t != t.strip() or _LEAD in t[1:] for t in marked) or \
            any(not t or t != t.strip() for t in texts):
        return None
    leading = frozenset(t[1:] for t in marked if t.startswith(_LEAD))
    lead: Lead = True if leading == texts else (leading or False)
    return frozenset(texts), lead


_MISSING: Any = object()


class PatternFacts:
    """The analysis of each pattern used so far, and the texts of every whole-line literal
    pattern among them (a page's table of such lines is rebuilt when that set grew)."""

    def __init__(self) -> None:
        self.required: dict[Regex, tuple[str, ...]] = {}
        self.texts: dict[Regex, tuple[frozenset[str], Lead] | None] = {}
        self.wanted: set[str] = set()
        self.version = 0

    def required_of(self, regex: Regex) -> tuple[str, ...]:
        """``required_literals`` of a compiled pattern, worked out on first use."""
        found = self.required.get(regex)
        if found is None:  # start-up only pays for the patterns that run
            found = self.required[regex] = required_literals(regex.pattern)
        return found

    def line_texts_of(self, regex: Regex) -> tuple[frozenset[str], Lead] | None:
        """``line_texts`` of a compiled pattern, worked out on first use."""
        found = self.texts.get(regex, _MISSING)
        if found is _MISSING:
            return self.remember(regex, None, line_texts(regex.pattern))
        return found  # type: ignore[no-any-return]  # _MISSING is typed Any to be a sentinel

    def remember(self, regex: Regex, required: tuple[str, ...] | None,
                 texts: tuple[frozenset[str], Lead] | None) -> tuple[frozenset[str], Lead] | None:
        """Record a pattern's analysis (done now, or read from the built-in cache)."""
        if required is not None:
            self.required.setdefault(regex, required)
        self.texts[regex] = texts
        if texts is not None and not texts[0] <= self.wanted:
            self.wanted.update(texts[0])
            self.version += 1
        return texts


#: The one record of pattern facts, shared by every page.
FACTS = PatternFacts()
