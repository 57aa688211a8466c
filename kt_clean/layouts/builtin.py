"""The built-in layouts: the rule files in ``kt_clean/layouts/rules/``, and their cache.

After editing a built-in rule file, rewrite the cache with::

    python -m kt_clean.layouts

Until then the edited ``*.toml`` file is still used (parsed at start-up, a little slower),
and a test fails to remind you.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from ..errors import LayoutError
from .patterns import FACTS, Regex, line_texts, required_literals
from .schema import Layout, build_layout, parse_layout

#: The built-in rule files, and their pre-parsed form (see ``builtin_cache``).
BUILTIN_DIR = os.path.join(os.path.dirname(__file__), "rules")
CACHE_NAME = "builtin.json"
BUILTIN_CACHE = os.path.join(BUILTIN_DIR, CACHE_NAME)
_CACHE_FORMAT = 1
#: The largest user rule file read (``--layouts``): the built-in ones are a few kB each, a
#: learned one tens of kB.
MAX_LAYOUT_BYTES = 4 * 1024 * 1024


def builtin_sources(folder: str = BUILTIN_DIR) -> dict[str, str]:
    """The text of each ``*.toml`` rule file in ``folder``, by file name."""
    return {name: Path(folder, name).read_text(encoding="utf-8")
            for name in sorted(os.listdir(folder)) if name.endswith(".toml")}


@lru_cache(maxsize=1)
def builtin_layouts() -> tuple[Layout, ...]:
    """The layouts shipped in ``kt_clean/layouts/rules/*.toml``, in file-name order."""
    return load_rules_folder(BUILTIN_DIR)


def load_rules_folder(folder: str) -> tuple[Layout, ...]:
    """The layouts of a folder of rule files with their ``builtin.json`` cache beside them.

    Why a cache: parsing TOML (and importing ``tomllib``) and analysing each pattern for its
    literals took a third of a one-page command's start-up. ``builtin.json`` holds the
    parsed files and the analysis; it is used only while it was made from exactly the
    ``*.toml`` files beside it, so an edited rule file is never shadowed by a stale cache.
    """
    sources = builtin_sources(folder)
    cache = None
    try:
        with open(os.path.join(folder, CACHE_NAME), encoding="utf-8") as f:
            cache = json.load(f)
    except (OSError, ValueError):
        pass
    if (not isinstance(cache, dict) or cache.get("format") != _CACHE_FORMAT
            or cache.get("sources") != sources):
        return tuple(parse_layout(text, f"kt_clean/layouts/rules/{name}")
                     for name, text in sources.items())
    layouts = tuple(build_layout(data, f"kt_clean/layouts/rules/{name}", trusted=True)
                    for name, data in zip(sources, cache["layouts"]))
    analysis = cache["patterns"]
    for regex in patterns_of(layouts):
        found = analysis.get(regex.pattern)
        if found is not None:
            literals, texts, lead = found
            FACTS.remember(regex, tuple(literals), None if texts is None else (
                frozenset(texts), lead if isinstance(lead, bool) else frozenset(lead)))
    return layouts


def patterns_of(layouts: Iterable[Layout]) -> Iterator[Regex]:
    """Every pattern of the layouts."""
    for lay in layouts:
        yield lay.start
        for items in (lay.signatures, lay.rejects, lay.ends, lay.rules, lay.zones, lay.header):
            for item in items:
                yield item.regex


def builtin_cache(folder: str = BUILTIN_DIR) -> str:
    """The text of ``builtin.json`` for the rule files in ``folder`` as they are now."""
    import tomllib

    sources = builtin_sources(folder)
    layouts = tuple(parse_layout(text, name) for name, text in sources.items())  # validates
    patterns = {}
    for regex in patterns_of(layouts):
        texts = line_texts(regex.pattern)
        patterns[regex.pattern] = [
            list(required_literals(regex.pattern)),
            None if texts is None else sorted(texts[0]),
            None if texts is None else texts[1] if isinstance(texts[1], bool) else sorted(texts[1])]
    return json.dumps({
        "format": _CACHE_FORMAT,
        "note": "Made by `python -m kt_clean.layouts` from the *.toml files here.",
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
        if not os.fspath(raw):
            raise LayoutError("an empty path is no layout file")
        p = Path(raw)
        files = sorted(p.glob("*.toml")) if p.is_dir() else [p]
        if p.is_dir() and not files:
            raise LayoutError(f"{p}: no *.toml layout files in this folder")
        for f in files:
            text = read_layout_file(f)
            try:
                lay = parse_layout(text, str(f))
            except RecursionError:
                raise LayoutError(f"{f}: not valid TOML: nested too deeply") from None
            found[lay.name] = lay
    return tuple(found.values())


def read_layout_file(path: str | os.PathLike[str], max_bytes: int = MAX_LAYOUT_BYTES) -> str:
    """The text of a user's rule file; raises :class:`LayoutError` with one line.

    Read with a bound: only a regular file is read (a FIFO, ``/dev/zero`` or a folder is
    refused before any read: ``O_NONBLOCK`` keeps a FIFO with no writer from blocking the
    open), at most ``max_bytes`` of it, and it must be UTF-8.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise LayoutError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte in the name
        raise LayoutError(f"{path}: cannot read: {exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LayoutError(f"{path}: not a regular file (a layout rule file is a "
                              "*.toml file)")
        if st.st_size > max_bytes:
            raise LayoutError(f"{path}: layout file too large ({st.st_size:,} bytes; the "
                              f"limit is {max_bytes:,})")
        with os.fdopen(fd, "rb") as stream:
            fd = -1  # the stream closes it
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise LayoutError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:  # it grew after the check
        raise LayoutError(f"{path}: layout file too large (over {max_bytes:,} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start:,})") from None


def write_builtin_cache(folder: str = BUILTIN_DIR) -> str:
    """Rewrite ``builtin.json`` from the rule files in ``folder``; its path."""
    path = os.path.join(folder, CACHE_NAME)
    with open(path, "w", encoding="utf-8") as out:
        out.write(builtin_cache(folder))
    return path
