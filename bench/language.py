#!/usr/bin/env python3
"""kt-clean's language identifier against py3langid, on WCXB-dev's gold main texts.

    python bench/language.py [--data DIR] [--no-write]

kt_clean.language.identify (script + function words, no model) and py3langid (the field's
small identifier) label each page's gold text; the table gives how often they agree, how
often kt-clean gives no answer, the languages seen, and the time per page of each (for
py3langid without and with its model's first load, which a one-page command pays).
Written to docs/quality.md (``<!-- bench:language -->``) unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _report import SHARED_DATA, machine, update_section  # noqa: E402

DATA = SHARED_DATA / "wcxb-dev"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    gold = args.data / "gold"
    if not gold.is_dir():
        print(f"language: data not found ({gold}); skipping.")
        return 0
    try:
        t = time.perf_counter()
        import py3langid
        py3langid.classify("warm up the model")
        load = time.perf_counter() - t
    except ImportError:
        print("language: py3langid is not installed (pip install -e '.[bench]'); skipping.")
        return 0
    from kt_clean.language import identify

    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(gold.glob("*.txt"))]
    texts = [t for t in texts if t.strip()]
    t = time.perf_counter()
    ours = [identify(x) for x in texts]
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    theirs = [py3langid.classify(x)[0] for x in texts]
    t_theirs = time.perf_counter() - t
    agree = sum(a == b for a, b in zip(ours, theirs))
    none = sum(a is None for a in ours)
    answered = [(a, b) for a, b in zip(ours, theirs) if a is not None]
    agree_answered = sum(a == b for a, b in answered)
    langs = Counter(theirs).most_common(8)
    n = len(texts)
    body = "\n".join([
        "## Language", "",
        f"Measured by `python bench/language.py` on the {n} non-empty WCXB-dev gold texts "
        f"({machine()}).", "",
        "| | agrees with py3langid | no answer | time per page |",
        "|---|---|---|---|",
        f"| kt-clean (`kt_clean/language.py`) | {agree} / {n} ({100 * agree / n:.1f}%); "
        f"{agree_answered} / {len(answered)} where it answers | {none} | "
        f"{1000 * t_ours / n:.3f} ms |",
        f"| py3langid | | | {1000 * t_theirs / n:.3f} ms, plus {load:.2f} s to load its "
        "model once |", "",
        "Languages py3langid sees: " + ", ".join(f"{k} {v}" for k, v in langs) + ".",
        "The data is mostly English, so this checks that kt-clean's identifier does not "
        "mislabel; its other languages are checked by tests/test_language.py.",
    ])
    print(body)
    if not args.no_write:
        update_section("quality.md", "language", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
