"""The one folder walker: the pages of a folder, as every command that takes a folder sees
them (``batch``, ``extract DIR``, ``learn``).

Hidden names (``.*``) and kt-clean's own lists of failures and skips (``_errors.ndjson``,
``_skipped.ndjson``, ``NAME.errors.ndjson``, ``NAME.skipped.ndjson``) are skipped. Symlinked
files are read only when they resolve inside the folder; symlinked folders are not followed;
devices, pipes and sockets are reported, not read.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .compressed import strip_suffix

#: The failures of a batch run into an output folder, one JSON object per line; never a page.
ERRORS_NAME = "_errors.ndjson"
#: kt-clean's other lists beside its outputs (``batch --ndjson``, ``fetch``): never pages.
_LIST_NAMES = ("_skipped.ndjson", ".errors.ndjson", ".skipped.ndjson")


@dataclass(frozen=True, slots=True)
class Found:
    """A page found in a folder: its path relative to it, where its output goes (relative
    to the output folder, or ``None``), and a problem found while listing, with its
    failure reason; for a page of a WARC archive, its record's offset and date."""

    rel: str
    out_rel: str | None = None
    problem: str | None = None
    reason: str | None = None
    #: a page of a WARC archive (``rel``): where its record starts, and its ``WARC-Date``
    #: in seconds (an output newer than that is up to date)
    offset: int | None = None
    stamp: float | None = None
    #: what ``problem`` is about when it is not the file itself: a record of the archive
    #: (``URL (ARCHIVE at offset N)``)
    where: str | None = None


def is_list_name(name: str) -> bool:
    """Whether a file name is one of kt-clean's lists (``_errors.ndjson``, fetch's
    ``_skipped.ndjson``, ``NAME.errors.ndjson``, ...), which are never pages."""
    return name == ERRORS_NAME or name.endswith(_LIST_NAMES)


def iter_pages(folder: str | os.PathLike[str], pattern: str = "*", *, recursive: bool = False,
               ext: str | None = None, exclude: Sequence[str] = ()) -> Iterator[Found]:
    """The pages of ``folder``: in each folder its files by name, then its sub-folders.

    The paths in ``exclude`` (an output folder inside the input folder) are skipped.
    ``pattern`` matches the file name, or the path relative to ``folder`` when it contains
    ``/``. With ``ext``, each page gets an output name: its name with the last suffix (after
    a compression suffix: ``.gz``, ``.bz2``, ``.xz``, ``.zst``) replaced by ``ext``; when
    two pages of a folder would share one (``a.txt``, ``a.html``), the later one by name
    keeps its whole name (``a.txt.json``).
    Raises ``OSError`` when ``folder`` itself cannot be listed.
    """
    root = os.fspath(folder)
    root_real = os.path.realpath(root)
    excluded = frozenset(os.path.realpath(p) for p in exclude)
    # Depth first, with a stack of the sub-folders still to visit rather than recursion:
    # a tree thousands of folders deep is walked like any other.
    subdirs: list[str] = []
    yield from _walk(root, root_real, "", pattern, recursive, ext, excluded, subdirs)
    pending = [iter(subdirs)]
    while pending:
        sub = next(pending[-1], None)
        if sub is None:
            pending.pop()
            continue
        subdirs = []
        yield from _walk(root, root_real, sub, pattern, recursive, ext, excluded, subdirs)
        pending.append(iter(subdirs))


def _walk(root: str, root_real: str, rel_dir: str, pattern: str, recursive: bool,
          ext: str | None, excluded: frozenset[str], subdirs: list[str]) -> Iterator[Found]:
    """The pages of one folder (not its sub-folders, which are added to ``subdirs``)."""
    path = os.path.join(root, rel_dir) if rel_dir else root
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        if not rel_dir:
            raise
        yield Found(rel_dir, None, f"cannot list the folder: {exc.strerror or exc}",
                    "unreadable")
        return
    by_path = "/" in pattern
    claimed: set[str] = set()
    for entry in entries:
        name = entry.name
        if name.startswith(".") or is_list_name(name):
            continue
        rel = os.path.join(rel_dir, name) if rel_dir else name
        if os.path.join(root_real, rel) in excluded:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    subdirs.append(rel)
                continue
            link = entry.is_symlink()
        except OSError as exc:
            yield Found(rel, None, f"cannot read: {exc.strerror or exc}", "unreadable")
            continue
        if not fnmatch.fnmatchcase(rel.replace(os.sep, "/") if by_path else name, pattern):
            continue
        out_rel = _out_name(rel_dir, name, ext, claimed) if ext else None
        if link:
            target = os.path.realpath(os.path.join(root, rel))
            if not target.startswith(root_real + os.sep):
                yield Found(rel, None, "symlink pointing outside the input folder; not read",
                            "outside")
                continue
            if os.path.isdir(target):
                continue  # a symlinked folder: not followed
            if not os.path.isfile(target):
                yield Found(rel, None, "not a regular file (device, pipe or socket)",
                            "unreadable")
                continue
        elif not entry.is_file(follow_symlinks=False):
            yield Found(rel, None, "not a regular file (device, pipe or socket)", "unreadable")
            continue
        if ext and out_rel is None:
            yield Found(rel, None, "its output name is taken by other pages of the folder",
                        "name-collision")
            continue
        yield Found(rel, out_rel)


def _out_name(rel_dir: str, name: str, ext: str, claimed: set[str]) -> str | None:
    base = strip_suffix(name)
    stem = base.rpartition(".")[0] or base
    for candidate in (stem + ext, base + ext):
        if candidate not in claimed:
            claimed.add(candidate)
            return os.path.join(rel_dir, candidate) if rel_dir else candidate
    return None
