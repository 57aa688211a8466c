"""Layout rule files: loading, validation, and detection with evidence.

A layout is data, not code: a TOML file with signatures (how to recognise the layout),
rejections (what rules it out), the article region, header slots and line rules. The format
is documented in ``docs/layouts.md``. Rule files are validated when loaded, so that a typo
fails loudly instead of silently matching nothing (or everything).
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .errors import LayoutError
from .model import UNKNOWN, Document

#: Roles a kept line may have.
ROLES = frozenset({
    "title", "subtitle", "byline", "dateline", "section", "caption", "body", "subheading",
    "contact", "blank", "item",
})

_WHERE = ("anywhere", "before", "article", "after")

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

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


#: A layout's pattern: compiled, or compiled on first use.
Regex = re.Pattern[str] | LazyPattern


class Pattern(NamedTuple):
    """A compiled regular expression with the id it reports as evidence or rule."""

    id: str
    regex: re.Pattern[str]


class Signature(NamedTuple):
    id: str
    regex: re.Pattern[str]
    weight: float = 1.0
    min_count: int = 1
    within: int | None = None  # only the first N lines


class Rule(NamedTuple):
    """A line rule: lines matching ``regex`` in region ``where`` get the role or reason."""

    id: str
    regex: re.Pattern[str]
    kept: bool
    tag: str
    where: str = "anywhere"


class Slot(NamedTuple):
    """One header field, matched in order from the start of the article."""

    role: str
    regex: re.Pattern[str]
    optional: bool = False
    field: str | None = None  # the field a match fills (default: the role)
    strip: re.Pattern[str] | None = None  # removed from the value (e.g. an "ED" badge)
    repeated: bool = False  # the line is printed twice: the second copy is removed
    followed_by_text: bool = False  # the next line is not blank
    requires_next: str | None = None  # only if the next header line fills this role


class Zone(NamedTuple):
    """A region after the article: from the first match of ``regex`` to the next zone."""

    id: str
    regex: re.Pattern[str]
    reason: str


class Layout(NamedTuple):
    """One rule file, validated (see ``docs/layouts.md``). The records of a layout are named
    tuples: immutable, and cheap to define, which counts at start-up."""

    name: str
    site: str
    description: str
    path: str
    threshold: float
    require_any: tuple[str, ...]
    signatures: tuple[Signature, ...]
    rejects: tuple[Signature, ...]
    start: re.Pattern[str]
    start_offset: int
    start_skip: re.Pattern[str] | None
    ends: tuple[Pattern, ...]
    before_reason: str
    after_reason: str
    header: tuple[Slot, ...]
    rules: tuple[Rule, ...]
    zones: tuple[Zone, ...]
    timezone: str | None = None
    subheadings: bool = True

    @property
    def max_score(self) -> float:
        return sum(s.weight for s in self.signatures)


# -- loading -------------------------------------------------------------------------------

class _Table:
    """Reads one TOML table and reports unknown or missing keys with the file's name."""

    def __init__(self, data: object, where: str, path: str, trusted: bool = False) -> None:
        if not isinstance(data, dict):
            raise LayoutError(f"{path}: {where} must be a table")
        self.data, self.where, self.path, self.trusted = data, where, path, trusted
        self.used: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], default: object = ...) -> object:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                raise LayoutError(f"{self.path}: {self.where} needs '{key}'")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise LayoutError(f"{self.path}: {self.where}.{key} has the wrong type "
                              f"({type(value).__name__})")
        return value

    def regex(self, key: str, default: object = ..., allow_empty: bool = False
              ) -> re.Pattern[str] | None:
        value = self.get(key, str, default)
        if value is None:
            return None
        return _compile(str(value), f"{self.where}.{key}", self.path, allow_empty, self.trusted)

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise LayoutError(f"{self.path}: unknown key(s) in {self.where}: {', '.join(extra)}")


#: For each compiled rule pattern, strings of which one must occur for it to match.
_REQUIRED: dict[re.Pattern[str], tuple[str, ...]] = {}

#: Prefilter strings shorter than this are not worth checking ...
MIN_LITERAL = 3
#: ... and runs with more alternatives than this are split.
MAX_ALTERNATIVES = 64
#: ... unless made of these characters (or non-ASCII ones), rare in running text.
RARE_CHARS = frozenset("@|#")


def required_literals(pattern: str) -> tuple[str, ...]:
    """Strings of which at least one occurs in any text the pattern matches (or ``()``).

    Why: a page is scanned once per pattern; ``"share button" in text`` is many times
    faster than running the regex over a page that cannot match, and most patterns of a
    layout do not match most pages. Taken from the parsed pattern: the longest run at the
    top level of literal characters and groups of literal alternatives, e.g.
    ``^(?:Mon|Tue), \\d`` gives ``("Mon, ", "Tue, ")``: rarer on a page than ``Mon``.
    """
    from re import _constants as c
    from re import _parser as sre_parse

    try:
        parsed = sre_parse.parse(pattern, re.MULTILINE)
        if parsed.state.flags & re.IGNORECASE:
            return ()
    except Exception:  # an internal-API change must only cost speed, never correctness
        return ()

    def literal(sub: object) -> str | None:
        chars = []
        for op, av in sub:  # type: ignore[attr-defined]
            if op is not c.LITERAL:
                return None
            chars.append(chr(av))
        return "".join(chars)

    def alternatives(op: object, av: object) -> tuple[str, ...] | None:
        """The texts a literal character or a group of literal alternatives matches."""
        if op is c.LITERAL:
            return (chr(av),)  # type: ignore[arg-type]
        branch = None
        if (op is c.SUBPATTERN and len(av[3]) == 1 and av[3][0][0] is c.BRANCH  # type: ignore[index]
                and not av[1] & re.IGNORECASE):  # type: ignore[index]
            branch = av[3][0][1][1]  # type: ignore[index]
        elif op is c.BRANCH:
            branch = av[1]  # type: ignore[index]
        if not branch:
            return None
        alts = [literal(alt) for alt in branch]
        return tuple(alts) if all(alts) else None  # type: ignore[arg-type]

    def flat(items: object) -> Iterator[tuple[object, object]]:
        """The pattern's top-level items, with plain groups (not repeated, no alternatives,
        no case flag) opened: their contents must match in sequence too."""
        for op, av in items:  # type: ignore[attr-defined]
            if (op is c.SUBPATTERN and not av[1] & re.IGNORECASE  # type: ignore[index]
                    and not any(x[0] is c.BRANCH for x in av[3])):  # type: ignore[index]
                yield from flat(av[3])  # type: ignore[index]
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
            plain += chr(av)  # type: ignore[arg-type]
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


#: For each compiled pattern that matches whole lines of literal text: (the texts, whether
#: leading whitespace is allowed), else ``None``.
_LINE_TEXTS: dict[re.Pattern[str], tuple[frozenset[str], Lead] | None] = {}

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
    from re import _constants as c
    from re import _parser as sre_parse

    try:
        parsed = sre_parse.parse(pattern, re.MULTILINE)
        if parsed.state.flags & re.IGNORECASE:
            return None
        items = list(parsed)
    except Exception:
        return None

    def is_spaces(item: tuple) -> bool:  # \s*: whitespace as str.strip() sees it
        op, av = item
        return (op is c.MAX_REPEAT and av[0] == 0 and av[1] == c.MAXREPEAT and len(av[2]) == 1
                and av[2][0][0] is c.IN and av[2][0][1] == [(c.CATEGORY, c.CATEGORY_SPACE)])

    if len(items) < 3 or items[0] != (c.AT, c.AT_BEGINNING) or items[-1] != (c.AT, c.AT_END):
        return None
    body = items[1:-1]
    if not (body and is_spaces(body[-1])):
        return None
    body = body[:-1]

    def expand(seq: list, at_start: bool) -> set[str] | None:
        out = {""}
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


def _compile(pattern: str, where: str, path: str, allow_empty: bool = False,
             trusted: bool = False) -> Regex:
    """The pattern, checked; a ``trusted`` one (from the built-in cache, checked when the
    cache was made) is compiled on first use instead."""
    if trusted:
        return LazyPattern(pattern)
    try:
        regex = re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise LayoutError(f"{path}: {where}: bad regular expression: {exc}") from None

    # Why: an empty match would make a signature match every page or a rule every line.
    if not allow_empty and regex.fullmatch(""):
        raise LayoutError(f"{path}: {where}: pattern {pattern!r} matches the empty line")
    return regex


def _signature(t: _Table) -> Signature:
    sig = Signature(
        id=str(t.get("id", str)),
        regex=t.regex("pattern"),  # type: ignore[arg-type]
        weight=float(t.get("weight", (int, float), 1.0)),  # type: ignore[arg-type]
        min_count=int(t.get("min_count", int, 1)),  # type: ignore[call-overload]
        within=t.get("within", int, None),  # type: ignore[arg-type]
    )
    t.done()
    return sig


def _tables(raw: object, where: str, top: _Table) -> list[_Table]:
    path = top.path
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise LayoutError(f"{path}: {where} must be an array of tables ([[{where}]])")
    return [_Table(item, f"{where}[{i}]", path, top.trusted) for i, item in enumerate(raw)]


def parse_layout(text: str, path: str) -> Layout:
    """Parse and validate one rule file's text; raises :class:`LayoutError`."""
    import tomllib  # not on the start-up path: built-in layouts come pre-parsed

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"{path}: not valid TOML: {exc}") from None
    return build_layout(data, path)


def build_layout(data: dict[str, object], path: str, *, trusted: bool = False) -> Layout:
    """Validate one rule file's parsed data (the TOML as a dict); raises :class:`LayoutError`.

    ``trusted`` data (the built-in cache) has its patterns compiled on first use.
    """
    top = _Table(data, "file", path, trusted)
    meta = _Table(top.get("layout", dict), "[layout]", path)
    name = str(meta.get("name", str))
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) or name == UNKNOWN:
        raise LayoutError(f"{path}: [layout].name {name!r} must be lowercase letters, digits, "
                          "'.', '_' or '-' (and not 'unknown')")
    site = str(meta.get("site", str, ""))
    description = str(meta.get("description", str, ""))
    threshold = float(meta.get("threshold", (int, float)))  # type: ignore[arg-type]
    timezone = meta.get("timezone", str, None)
    if timezone is not None and not re.fullmatch(r"[+-]\d\d:\d\d|Z", str(timezone)):
        raise LayoutError(f"{path}: [layout].timezone must look like +09:00")
    subheadings = bool(meta.get("subheadings", bool, True))
    require_any = tuple(str(x) for x in meta.get("require_any", list, []))  # type: ignore[union-attr]
    meta.done()

    signatures = tuple(_signature(t) for t in _tables(top.get("signature", list, None),
                                                      "signature", top))
    if not signatures:
        raise LayoutError(f"{path}: a layout needs at least one [[signature]]")
    if threshold <= 0 or threshold > sum(s.weight for s in signatures):
        raise LayoutError(f"{path}: [layout].threshold must be above 0 and at most the sum of "
                          "the signature weights")
    rejects = tuple(_signature(t) for t in _tables(top.get("reject", list, None), "reject", top))
    unknown = sorted(set(require_any) - {s.id for s in signatures})
    if unknown:
        raise LayoutError(f"{path}: [layout].require_any names no signature: {', '.join(unknown)}")

    art = _Table(top.get("article", dict), "[article]", path, trusted)
    start = art.regex("start")
    start_offset = int(art.get("start_offset", int, 0))  # type: ignore[call-overload]
    start_skip = art.regex("start_skip", None, allow_empty=True)
    ends_raw = art.get("end", list, [])
    ends = tuple(Pattern(f"end[{i}]", _compile(str(p), f"[article].end[{i}]", path,
                                                  trusted=trusted))
                 for i, p in enumerate(ends_raw))  # type: ignore[arg-type]
    before_reason = str(art.get("before_reason", str, "nav"))
    after_reason = str(art.get("after_reason", str, "related"))
    art.done()

    header = []
    for t in _tables(top.get("header", list, None), "header", top):
        role = str(t.get("role", str))
        if role not in ROLES:
            raise LayoutError(f"{path}: {t.where}.role {role!r} is not one of {sorted(ROLES)}")
        header.append(Slot(
            role=role,
            regex=t.regex("pattern", r".*\S.*"),  # type: ignore[arg-type]
            optional=bool(t.get("optional", bool, False)),
            field=t.get("field", str, None),  # type: ignore[arg-type]
            strip=t.regex("strip", None),
            repeated=bool(t.get("repeated", bool, False)),
            followed_by_text=bool(t.get("followed_by_text", bool, False)),
            requires_next=t.get("requires_next", str, None),  # type: ignore[arg-type]
        ))
        t.done()

    rules = []
    for t in _tables(top.get("rule", list, None), "rule", top):
        rid = str(t.get("id", str))
        reason = t.get("reason", str, None)
        role = t.get("role", str, None)
        if (reason is None) == (role is None):
            raise LayoutError(f"{path}: {t.where} ({rid}) needs exactly one of 'reason' "
                              "(remove the line) or 'role' (keep it)")
        if role is not None and role not in ROLES:
            raise LayoutError(f"{path}: {t.where}.role {role!r} is not one of {sorted(ROLES)}")
        where = str(t.get("where", str, "anywhere"))
        if where not in _WHERE:
            raise LayoutError(f"{path}: {t.where}.where must be one of {', '.join(_WHERE)}")
        rules.append(Rule(rid, t.regex("pattern"), role is not None,  # type: ignore[arg-type]
                          str(role if role is not None else reason), where))
        t.done()

    zones = []
    for t in _tables(top.get("zone", list, None), "zone", top):
        zones.append(Zone(str(t.get("id", str)), t.regex("start"),  # type: ignore[arg-type]
                          str(t.get("reason", str))))
        t.done()
    top.done()
    for kind, ids in (("signature", [s.id for s in signatures + rejects]),
                      ("rule", [r.id for r in rules] + [z.id for z in zones])):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise LayoutError(f"{path}: duplicate {kind} id(s): {', '.join(dupes)}")
    return Layout(
        name=name, site=site, description=description, path=path, threshold=threshold,
        require_any=require_any,
        signatures=signatures, rejects=rejects, start=start, start_offset=start_offset,  # type: ignore[arg-type]
        start_skip=start_skip, ends=ends, before_reason=before_reason,
        after_reason=after_reason, header=tuple(header), rules=tuple(rules),
        zones=tuple(zones), timezone=timezone, subheadings=subheadings,  # type: ignore[arg-type]
    )


#: The built-in rule files, and their pre-parsed form (see ``builtin_cache``).
BUILTIN_DIR = os.path.join(os.path.dirname(__file__), "layouts")
BUILTIN_CACHE = os.path.join(BUILTIN_DIR, "builtin.json")
_CACHE_FORMAT = 1


def _builtin_sources() -> dict[str, str]:
    return {name: Path(BUILTIN_DIR, name).read_text(encoding="utf-8")
            for name in sorted(os.listdir(BUILTIN_DIR)) if name.endswith(".toml")}


@lru_cache(maxsize=1)
def builtin_layouts() -> tuple[Layout, ...]:
    """The layouts shipped in ``kt_clean/layouts/*.toml``, in file-name order.

    Why a cache: parsing TOML (and importing ``tomllib``) and analysing each pattern for its
    literals took a third of a one-page command's start-up. ``builtin.json`` holds the
    parsed files and the analysis; it is used only while it was made from exactly the
    ``*.toml`` files beside it, so an edited rule file is never shadowed by a stale cache.
    """
    sources = _builtin_sources()
    cache = None
    try:
        with open(BUILTIN_CACHE, encoding="utf-8") as f:
            cache = json.load(f)
    except (OSError, ValueError):
        pass
    if (not isinstance(cache, dict) or cache.get("format") != _CACHE_FORMAT
            or cache.get("sources") != sources):
        return tuple(parse_layout(text, f"kt_clean/layouts/{name}")
                     for name, text in sources.items())
    layouts = tuple(build_layout(data, f"kt_clean/layouts/{name}", trusted=True)
                    for name, data in zip(sources, cache["layouts"]))
    analysis = cache["patterns"]
    for regex in _patterns_of(layouts):
        found = analysis.get(regex.pattern)
        if found is not None:
            literals, texts, lead = found
            _REQUIRED.setdefault(regex, tuple(literals))
            _remember_line_texts(regex, None if texts is None else (
                frozenset(texts), lead if isinstance(lead, bool) else frozenset(lead)))
    return layouts


def _patterns_of(layouts: Iterable[Layout]) -> Iterator[re.Pattern[str]]:
    for lay in layouts:
        yield lay.start
        for item in (*lay.signatures, *lay.rejects, *lay.ends, *lay.rules, *lay.zones,
                     *lay.header):
            yield item.regex


def builtin_cache() -> str:
    """The text of ``builtin.json`` for the rule files as they are now."""
    import tomllib

    sources = _builtin_sources()
    layouts = tuple(parse_layout(text, name) for name, text in sources.items())  # validates
    patterns = {}
    for regex in _patterns_of(layouts):
        texts = line_texts(regex.pattern)
        patterns[regex.pattern] = [
            list(required_literals(regex.pattern)),
            None if texts is None else sorted(texts[0]),
            None if texts is None else texts[1] if isinstance(texts[1], bool) else sorted(texts[1])]
    return json.dumps({
        "format": _CACHE_FORMAT,
        "note": "Made by `python -m kt_clean._build_layouts` from the *.toml files here.",
        "sources": sources,
        "layouts": [tomllib.loads(text) for text in sources.values()],
        "patterns": patterns,
    }, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def load_layouts(paths: Iterable[str | os.PathLike[str]] = (), builtin: bool = True
                 ) -> tuple[Layout, ...]:
    """Built-in layouts plus those in ``paths`` (files, or folders of ``*.toml``).

    A user's layout with the same name as a built-in one replaces it.
    """
    found: dict[str, Layout] = {lay.name: lay for lay in builtin_layouts()} if builtin else {}
    for raw in paths:
        p = Path(raw)
        files = sorted(p.glob("*.toml")) if p.is_dir() else [p]
        if p.is_dir() and not files:
            raise LayoutError(f"{p}: no *.toml layout files in this folder")
        for f in files:
            try:
                text = f.read_text(encoding="utf-8")
            except OSError as exc:
                raise LayoutError(f"{f}: cannot read: {exc.strerror or exc}") from None
            lay = parse_layout(text, str(f))
            found[lay.name] = lay
    return tuple(found.values())


# -- detection -------------------------------------------------------------------------------

#: Every text of the whole-line literal patterns used so far (see ``line_texts``), and how
#: many times that set grew: a page's table of such lines is rebuilt when it has.
_WANTED_LINES: set[str] = set()
_WANTED_VERSION = [0]


def _line_texts_of(regex: re.Pattern[str]) -> tuple[frozenset[str], Lead] | None:
    """``line_texts`` of a compiled pattern, worked out on first use and remembered."""
    found = _LINE_TEXTS.get(regex, False)
    if found is False:
        found = _remember_line_texts(regex, line_texts(regex.pattern))
    return found  # type: ignore[return-value]


def _remember_line_texts(regex: re.Pattern[str], found: tuple[frozenset[str], Lead] | None
                         ) -> tuple[frozenset[str], Lead] | None:
    _LINE_TEXTS[regex] = found
    if found is not None and not found[0] <= _WANTED_LINES:
        _WANTED_LINES.update(found[0])
        _WANTED_VERSION[0] += 1
    return found


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

    def end_of_line(self, index: int) -> int:
        return self.starts[index] + len(self.lines[index])

    def matches(self, regex: re.Pattern[str], first: int = 0, last: int | None = None,
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
        found = _line_texts_of(regex)
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
        required = _REQUIRED.get(regex)
        if required is None:  # worked out on first use: start-up only pays for what runs
            required = _REQUIRED[regex] = required_literals(regex.pattern)
        if required:
            if len(required) == 1:
                if required[0] not in text:
                    return
            elif not any(lit in text for lit in required):
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
        if self._table_version != _WANTED_VERSION[0]:
            self._build_table()
        texts, lead = found
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
        wanted = _WANTED_LINES
        table: dict[str, list[int]] = {}
        for i in [i for i, text in enumerate(stripped) if text in wanted]:
            at = table.get(stripped[i])
            if at is None:
                table[stripped[i]] = [i]
            else:
                at.append(i)
        self._table, self._table_version = table, _WANTED_VERSION[0]

    def _guided(self, regex: re.Pattern[str], required: tuple[str, ...], first: int, last: int
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
        found = _line_texts_of(regex)
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
        """How many lines ``sig`` matches, counting no further than its ``min_count``."""
        found = _line_texts_of(sig.regex)
        if found is not None:  # whole-line literal: the table's lines, no regex call
            last = len(self.lines) if sig.within is None else min(sig.within, len(self.lines))
            return min(len(self._line_hits(found, 0, last)), sig.min_count)
        n = 0
        for _ in self.matches(sig.regex, 0, sig.within):
            n += 1
            if n >= sig.min_count:
                break
        return n


def page_index(doc: Document) -> PageIndex:
    """The document's line index, built once and shared by its later copies."""
    index = doc.__dict__.get("_page_index")
    if index is None:
        text = doc.text  # its lines joined, but for the newline that ends the last one
        index = doc.__dict__["_page_index"] = PageIndex(
            doc.lines, text[:-1] if text.endswith("\n") else text)
    return index


class Detection(NamedTuple):
    layout: str
    confidence: float
    evidence: tuple[str, ...]


def score_layout(layout: Layout, index: PageIndex) -> Detection | None:
    """How well ``layout`` fits the page, or ``None`` when it does not: a rejection matched,
    none of the ``require_any`` signatures matched, or the score is below the threshold.

    Rejections are checked last: only a page the layout would claim needs them.
    """
    matched = []
    score, remaining = 0.0, layout.max_score
    for sig in layout.signatures:
        remaining -= sig.weight
        if index.count(sig) >= sig.min_count:
            matched.append(sig)
            score += sig.weight
        elif score + remaining < layout.threshold:
            return None  # the threshold is out of reach: no need to scan the rest
    ids = {s.id for s in matched}
    if layout.require_any and not ids.intersection(layout.require_any):
        return None
    if score < layout.threshold:
        return None
    for rej in layout.rejects:
        if index.count(rej) >= rej.min_count:
            return None
    return Detection(layout.name, round(score / layout.max_score, 3),
                     tuple(s.id for s in matched))


def detect(doc: Document, layouts: Sequence[Layout] | None = None) -> Document:
    """The document with ``layout``, ``confidence`` and ``evidence`` filled in.

    Each layout scores the page by the weights of the signatures that matched; the layout
    with the highest share of its total weight wins if it reaches its threshold and none of
    its rejections matched. Otherwise the layout is ``unknown``.
    """
    layouts = builtin_layouts() if layouts is None else layouts
    index = page_index(doc)
    best: Detection | None = None
    for layout in layouts:
        found = score_layout(layout, index)
        if found and (best is None or found.confidence > best.confidence):
            best = found
    if best is None:
        return doc.replace(layout=UNKNOWN, confidence=0.0, evidence=(), labels=None, fields={})
    return doc.replace(layout=best.layout, confidence=best.confidence, evidence=best.evidence,
                       labels=None, fields={})


def layout_named(name: str, layouts: Sequence[Layout] | None = None) -> Layout | None:
    for layout in builtin_layouts() if layouts is None else layouts:
        if layout.name == name:
            return layout
    return None

