#!/usr/bin/env python3
"""Text dumps of the WCXB-dev pages from other text browsers and converters than w3m, for
training and measuring the text-dump classifier on dumps of other tools.

    python bench/make_dumps.py [--data DIR] [--out DIR] [--tools lynx,lynx-refs,...]

Writes OUT/dumps-TOOL/ID.txt (default OUT: /tmp/model-cache; never in the repository):

===========  ===============================================================================
lynx         ``lynx -dump -nolist -width=1000 -assume_charset=utf-8 -display_charset=utf-8``
             (the w3m dumps' ``-cols 1000``, without the list of links)
lynx-refs    the same with lynx's default link list: ``[12]`` marks in the text and a
             ``References`` list at the end
lynx-80      ``lynx -dump -nolist`` at lynx's default width of 80 columns (paragraphs
             wrapped over several lines)
html2text    the ``html2text`` package (Markdown; ``body_width=0``: no wrapping)
inscriptis   the ``inscriptis`` package (text laid out as a browser would)
===========  ===============================================================================

lynx is a Debian package (``apt-get install lynx``); html2text and inscriptis are PyPI
packages (the ``bench`` extra). A tool that is not installed is skipped with a message.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
DEFAULT_OUT = Path("/tmp/model-cache")
LYNX = ["lynx", "-dump", "-assume_charset=utf-8", "-display_charset=utf-8", "-force_html",
        "-stdin"]
TOOLS = ("lynx", "lynx-refs", "lynx-80", "html2text", "inscriptis")


def lynx(html: bytes, width: int, refs: bool) -> str:
    cmd = [*LYNX, f"-width={width}"] + ([] if refs else ["-nolist"])
    p = subprocess.run(cmd, input=html, capture_output=True, timeout=60)
    return p.stdout.decode("utf-8", "replace")


def convert(tool: str, html: bytes) -> str:
    if tool == "lynx":
        return lynx(html, 1000, False)
    if tool == "lynx-refs":
        return lynx(html, 1000, True)
    if tool == "lynx-80":
        return lynx(html, 80, False)
    text = html.decode("utf-8", "replace")
    if tool == "html2text":
        import html2text

        h = html2text.HTML2Text()
        h.body_width = 0
        return str(h.handle(text))
    if tool == "inscriptis":
        from inscriptis import get_text

        return str(get_text(text))
    raise ValueError(tool)


def available(tool: str) -> bool:
    if tool.startswith("lynx"):
        return shutil.which("lynx") is not None
    try:
        __import__(tool)
    except ImportError:
        return False
    return True


def _one(args: tuple[str, str, str, str]) -> str | None:
    tool, pid, data, out = args
    dest = Path(out) / f"dumps-{tool}" / f"{pid}.txt"
    if dest.exists():
        return None
    with gzip.open(Path(data) / "html" / f"{pid}.html.gz") as f:
        html = f.read()
    try:
        text = convert(tool, html)
    except Exception as exc:
        return f"{tool} {pid}: {type(exc).__name__}: {str(exc)[:80]}"
    tmp = dest.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if not (args.data / "html").is_dir():
        print(f"make_dumps: no data at {args.data}; nothing to do")
        return 0
    ids = sorted(p.name[: -len(".html.gz")] for p in (args.data / "html").glob("*.html.gz"))
    from multiprocessing import get_context

    for tool in args.tools.split(","):
        if not available(tool):
            print(f"make_dumps: {tool} is not installed; skipped", file=sys.stderr)
            continue
        (args.out / f"dumps-{tool}").mkdir(parents=True, exist_ok=True)
        with get_context("fork").Pool(args.jobs) as pool:
            for err in pool.imap_unordered(_one, [(tool, i, str(args.data), str(args.out))
                                                  for i in ids], chunksize=8):
                if err:
                    print(err, file=sys.stderr)
        print(f"{tool}: {len(list((args.out / f'dumps-{tool}').glob('*.txt')))} dumps")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
