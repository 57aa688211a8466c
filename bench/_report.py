"""Shared by the benchmarks: write a figures section into a docs/ page between markers."""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def code_digest(files: Iterable[Path]) -> str:
    """A digest of files' names (relative to the repository) and contents: what a cache
    was made by, so that it is made again when that code changes."""
    h = hashlib.sha1()
    for f in files:
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def machine() -> str:
    import os

    return (f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()}, measured {date.today().isoformat()}")


def update_section(doc: str, name: str, body: str, title: str = "") -> Path:
    """Replace (or append) the block between <!-- bench:NAME --> markers in docs/DOC."""
    path = ROOT / "docs" / doc
    text = path.read_text(encoding="utf-8") if path.exists() else f"# {title or doc}\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text,
                      flags=re.DOTALL)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants, read from /proc (0 once gone)."""
    import os

    total, stack = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


#: The fixed seed of the tune/report split of WCXB-dev (issue 12's metadata rules and the
#: extractor-path HTML rules were written looking at the tune half only).
SPLIT_SEED = 20240601


def split_ids(types: dict[str, str], seed: int = SPLIT_SEED) -> tuple[list[str], list[str]]:
    """Fixed-seed half split of page IDs, stratified by page type: ``(tune, report)``."""
    import random

    rng = random.Random(seed)
    tune: list[str] = []
    report: list[str] = []
    by_type: dict[str, list[str]] = {}
    for i in sorted(types):
        by_type.setdefault(types[i], []).append(i)
    for t in sorted(by_type):
        ids = sorted(by_type[t])
        rng.shuffle(ids)
        half = len(ids) // 2
        tune += ids[:half]
        report += ids[half:]
    return sorted(tune), sorted(report)
