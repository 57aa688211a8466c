"""Layout rule files: their records, and the checks that load them.

A layout is data, not code: a TOML file with signatures (how to recognise the layout),
rejections (what rules it out), the article region, header slots and line rules. The format
is documented in ``docs/layouts.md``. Rule files are checked when loaded, so that a typo
fails loudly instead of silently matching nothing (or everything): unknown keys, wrong
types, bad or empty-matching patterns, unknown roles and reason codes are all errors.
"""

from __future__ import annotations

import re
from typing import NamedTuple, cast

from ..errors import LayoutError
from ..vocabulary import LAYOUT_NAME_RULE, PAGE_TYPES, REASONS, ROLES, is_layout_name
from .patterns import LazyPattern, Regex

_WHERE = ("anywhere", "before", "article", "after")
#: What a rule file knows of its design's pages (``[layout].knows``).
KNOWS = ("page", "chrome")


class Pattern(NamedTuple):
    """A compiled regular expression with the id it reports as evidence or rule."""

    id: str
    regex: Regex


class Signature(NamedTuple):
    id: str
    regex: Regex
    weight: float = 1.0
    min_count: int = 1
    within: int | None = None  # only the first N lines
    on_url: bool = False  # matched against the page's address (when known), not its lines


class Rule(NamedTuple):
    """A line rule: lines matching ``regex`` in region ``where`` get the role or reason."""

    id: str
    regex: Regex
    kept: bool
    tag: str
    where: str = "anywhere"


class Slot(NamedTuple):
    """One header field, matched in order from the start of the article."""

    role: str
    regex: Regex
    optional: bool = False
    field: str | None = None  # the field a match fills (default: the role)
    strip: Regex | None = None  # removed from the value (e.g. an "ED" badge)
    repeated: bool = False  # the line is printed twice: the second copy is removed
    followed_by_text: bool = False  # the next line is not blank
    requires_next: str | None = None  # only if the next header line fills this role


class Zone(NamedTuple):
    """A region after the article: from the first match of ``regex`` to the next zone."""

    id: str
    regex: Regex
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
    start: Regex
    start_offset: int
    start_skip: Regex | None
    ends: tuple[Pattern, ...]
    before_reason: str
    after_reason: str
    header: tuple[Slot, ...]
    rules: tuple[Rule, ...]
    zones: tuple[Zone, ...]
    timezone: str | None = None
    subheadings: bool = True
    page_type: str = "article"
    #: ``page``: the rules label every line; ``chrome``: they know only the design's chrome
    #: (its ``where = "anywhere"`` removal rules), and the generic cleaner labels the rest.
    knows: str = "page"
    #: Whether a rule keeps lines as ``run-on`` (a one-line story, printed twice at times).
    run_on: bool = False
    #: The ISO 639-1 code of the site's language, when the rule file gives it (its pages'
    #: ``language`` without identifying it page by page).
    language: str | None = None

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
              ) -> Regex | None:
        value = self.get(key, str, default)
        if value is None:
            return None
        return _compile(str(value), f"{self.where}.{key}", self.path, allow_empty, self.trusted)

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise LayoutError(f"{self.path}: unknown key(s) in {self.where}: {', '.join(extra)}")


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
    sid = str(t.get("id", str))
    on_url = "url" in t.data
    if on_url == ("pattern" in t.data):
        raise LayoutError(f"{t.path}: {t.where} ({sid}) needs exactly one of 'pattern' (the "
                          "page's lines) or 'url' (the page's address)")
    if on_url:
        # An address is one string: no line counts; a pattern may match the empty string
        # (a negative look-ahead: "not this site").
        regex = t.regex("url", allow_empty=True)
        sig = Signature(id=sid, regex=regex,  # type: ignore[arg-type]
                        weight=float(t.get("weight", (int, float), 1.0)),  # type: ignore[arg-type]
                        on_url=True)
    else:
        sig = Signature(
            id=sid,
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
    if not is_layout_name(name):
        raise LayoutError(f"{path}: [layout].name {name!r} must be {LAYOUT_NAME_RULE}")
    site = str(meta.get("site", str, ""))
    description = str(meta.get("description", str, ""))
    threshold = float(meta.get("threshold", (int, float)))  # type: ignore[arg-type]
    timezone = meta.get("timezone", str, None)
    # (the built-in cache was checked when it was made: its start-up compiles no check)
    if timezone is not None and not trusted and not re.fullmatch(r"[+-]\d\d:\d\d|Z",
                                                                  str(timezone)):
        raise LayoutError(f"{path}: [layout].timezone must look like +09:00")
    language = meta.get("language", str, None)
    if language is not None and not trusted and not re.fullmatch(r"[a-z]{2,3}",
                                                                  str(language)):
        raise LayoutError(f"{path}: [layout].language must be an ISO 639 code such as 'en'")
    subheadings = bool(meta.get("subheadings", bool, True))
    page_type = str(meta.get("page_type", str, "article"))
    if page_type not in PAGE_TYPES:
        raise LayoutError(f"{path}: [layout].page_type must be one of {', '.join(PAGE_TYPES)}")
    knows = str(meta.get("knows", str, "page"))
    if knows not in KNOWS:
        raise LayoutError(f"{path}: [layout].knows must be one of {', '.join(KNOWS)}")
    require_any = tuple(str(x) for x in cast("list[object]", meta.get("require_any", list, [])))
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

    declared = cast("dict[str, object]", top.get("reasons", dict, {}))
    for code, what in declared.items():
        if not isinstance(what, str) or (not trusted and not re.fullmatch(r"[a-z][a-z0-9-]*",
                                                                            code)):
            raise LayoutError(f"{path}: [reasons].{code} must be a lowercase code with a "
                              "description string")
    reasons: dict[str, object] = {**REASONS, **declared}

    def reason_code(value: object, where: str) -> str:
        code = str(value)
        if code not in reasons:
            import difflib  # only for the error message

            near = difflib.get_close_matches(code, reasons, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise LayoutError(f"{path}: {where} {code!r} is not a reason code{hint} (declare "
                              "a code of your own in a [reasons] table)")
        return code

    art = _Table(top.get("article", dict), "[article]", path, trusted)
    start = art.regex("start")
    start_offset = int(art.get("start_offset", int, 0))  # type: ignore[call-overload]
    start_skip = art.regex("start_skip", None, allow_empty=True)
    ends_raw = cast("list[object]", art.get("end", list, []))
    ends = tuple(Pattern(f"end[{i}]", _compile(str(p), f"[article].end[{i}]", path,
                                                  trusted=trusted))
                 for i, p in enumerate(ends_raw))
    before_reason = reason_code(art.get("before_reason", str, "nav"), "[article].before_reason")
    after_reason = reason_code(art.get("after_reason", str, "related"), "[article].after_reason")
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
        reason = cast("str | None", t.get("reason", str, None))
        kept_role = cast("str | None", t.get("role", str, None))
        if (reason is None) == (kept_role is None):
            raise LayoutError(f"{path}: {t.where} ({rid}) needs exactly one of 'reason' "
                              "(remove the line) or 'role' (keep it)")
        if kept_role is not None and kept_role not in ROLES:
            raise LayoutError(f"{path}: {t.where}.role {kept_role!r} is not one of {sorted(ROLES)}")
        if reason is not None:
            reason = reason_code(reason, f"{t.where}.reason")
        where = str(t.get("where", str, "anywhere"))
        if where not in _WHERE:
            raise LayoutError(f"{path}: {t.where}.where must be one of {', '.join(_WHERE)}")
        rules.append(Rule(rid, t.regex("pattern"), kept_role is not None,  # type: ignore[arg-type]
                          str(kept_role if kept_role is not None else reason), where))
        t.done()

    zones = []
    for t in _tables(top.get("zone", list, None), "zone", top):
        zones.append(Zone(str(t.get("id", str)), t.regex("start"),  # type: ignore[arg-type]
                          reason_code(t.get("reason", str), f"{t.where}.reason")))
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
        page_type=page_type, knows=knows,
        run_on=any(rule.kept and rule.tag == "run-on" for rule in rules),
        language=language,  # type: ignore[arg-type]
    )
