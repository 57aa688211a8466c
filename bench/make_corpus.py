#!/usr/bin/env python3
"""Build a batch benchmark corpus: N template pages, plus the wcxb text dumps when present.

    python bench/make_corpus.py OUT_DIR [--pages 20000] [--no-wcxb]

Template pages: the two seeds and the print/full-nav variants in tests/pages/ around their
own paragraphs with words swapped (seeded, so the corpus is the same on every run), written
into sub-folders of 1,000 pages (``templates/000/...``). The wcxb-dev text dumps
(``../shared/data/wcxb-dev/dumps-w3m/*.txt``, other sites' pages) go to ``wcxb/`` when that
folder exists; they are skipped cleanly when it does not.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, SHARED_DATA

WCXB = SHARED_DATA / "wcxb-dev"
PER_FOLDER = 1000


def template_sources() -> list[Path]:
    pages = ROOT / "tests" / "pages"
    return sorted((ROOT / "seeds").glob("*.txt")) + sorted(
        p for p in pages.glob("*.txt") if p.name.startswith(("print", "fullnav")))


def template_pages(n: int, seed: int = 7) -> Iterator[bytes]:
    """``n`` pages, one at a time: the templates in turn, prose varied, chrome kept."""
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in template_sources()]
    words = " ".join(texts).split()
    split = [t.split("\n") for t in texts]
    for i in range(n):
        out = []
        for line in split[i % len(split)]:
            if len(line) > 120:  # a paragraph: swap a few words
                toks = line.split(" ")
                for _ in range(3):
                    toks[rng.randrange(len(toks))] = rng.choice(words)
                line = " ".join(toks)
            out.append(line)
        yield "\n".join(out).encode("utf-8")


def write_templates(folder: Path, n: int) -> int:
    for i, data in enumerate(template_pages(n)):
        sub = folder / f"{i // PER_FOLDER:03d}"
        if i % PER_FOLDER == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"page{i:06d}.txt").write_bytes(data)
    return n


def wcxb_dumps() -> list[Path]:
    folder = WCXB / "dumps-w3m"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def write_wcxb(folder: Path) -> int:
    dumps = wcxb_dumps()
    if dumps:
        folder.mkdir(parents=True, exist_ok=True)
        for p in dumps:
            shutil.copyfile(p, folder / p.name)
    return len(dumps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--no-wcxb", action="store_true")
    args = ap.parse_args()
    n = write_templates(args.out_dir / "templates", args.pages)
    w = 0 if args.no_wcxb else write_wcxb(args.out_dir / "wcxb")
    print(f"{n} template pages, {w} wcxb dumps{'' if w or args.no_wcxb else ' (not found)'} "
          f"in {args.out_dir}")


if __name__ == "__main__":
    main()
