#!/usr/bin/env python3
"""Hostile and careless inputs through the real command line (issue #16).

    python bench/hostile.py [--list] [--only NAME ...] [--write] [--limit SECONDS] [--kill-gb GB]

Each case is generated into a temporary folder (nothing large is kept), then run as one
child process (`kt-clean extract ... --json`, and a few through `strip`, `detect`, `diff
--side-by-side`, `batch`, `learn`, stdin as `-`). For each: the exit code, the wall time, the
peak resident memory of the child (``ru_maxrss`` from ``os.wait4``: the largest of the child
and its waited-for workers; or the sum over its process tree sampled every 10 ms, when
larger) and stderr's first line. A case is flagged when it runs over
10 s (``over-time``; killed at ``--limit``, default 60 s: ``over 60 s``, or over
``--kill-gb``, default 4 GB), over 1 GB (``over-memory``), prints a Python traceback
(``traceback``), prints on stderr a line that is not one of kt-clean's own ``kt-clean: ...``
lines (``stderr``), dies by a signal or exits other than 0, 1, 2 (``crash``), exits other
than the one right code of a case that has one (``exit 1, not 2``: a usage error), or
fails the case's own check of its output (e.g. ``ESC passed to stdout``, ``0 outputs, not
1``: the input after a bad one was lost).

``--only NAME`` (repeatable; a prefix selects every case starting with it) runs some cases,
``--list`` names them all, ``--write`` puts the table in docs/reliability.md (section
"hostile"). The exit code is 1 when a case is flagged.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import json
import os
import pty
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import tty
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, tree_rss, update_section

BIN = Path(sys.executable).parent
SEED_PRINT = ROOT / "seeds" / "000_565ea5bced93b1ee.txt"
SEED_FULLNAV = ROOT / "seeds" / "003_67df4e5bb0c6f5bf.txt"
OVER_TIME = 10.0  # seconds
OVER_MEMORY = 1024 * 1024  # KB (ru_maxrss on Linux)
TRACEBACK = "Traceback (most recent call last)"
MESSAGE_PREFIX = "kt-clean: "  # its error lines, and the notes of learn and batch
MB = 1024 * 1024
BOX = "╭╰│─ "  # rich draws a traceback in a box


def kt() -> str:
    return shutil.which("kt-clean", path=str(BIN)) or shutil.which("kt-clean") or "kt-clean"


# --- what a case runs ---------------------------------------------------------------------

@dataclass
class Run:
    """One command: its arguments after ``kt-clean``, what its stdin is (a file to read, or
    None for an empty stdin), where its stdout goes (None: a file the bench reads back;
    else a path such as /dev/full), a writer thread to start first (a FIFO's), an extra
    check of stdout (returns a flag, or "" when fine) and the exit code it must give, when
    only one is right (a usage error: 2)."""

    args: list[str | bytes]
    stdin: Path | None = None
    writer: Callable[[], None] | None = None
    check: Callable[[bytes], str] | None = None
    stdout: str | None = None
    want: int | None = None
    tty: bool = False  # stdout is a terminal (a pty the bench reads back)


@dataclass
class Case:
    name: str
    what: str  # the command, as shown in the table
    build: Callable[[Path], Run]


@dataclass
class Result:
    case: Case
    code: int | None = None
    seconds: float = 0.0
    max_rss_kb: int = 0
    outcome: str = ""
    verdicts: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return ", ".join(self.verdicts) or "ok"


def seed(path: Path = SEED_FULLNAV) -> str:
    return path.read_text(encoding="utf-8")


def write(tmp: Path, name: str | bytes, data: bytes | str) -> Path:
    """Write ``data`` to ``tmp/name`` (a bytes name may be any bytes, e.g. not UTF-8)."""
    path = tmp / os.fsdecode(name)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def zeros_gzip(path: Path, size: int) -> Path:
    """A gzip file of ``size`` zero bytes, written without compressing them all: after a full
    flush deflate starts afresh, so every 1 MB block of zeros compresses to the same bytes."""
    chunk = bytes(MB)
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    assert size % MB == 0
    crc = 0
    with open(path, "wb") as f:
        f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for _ in range(size // MB):
            f.write(block)
            crc = zlib.crc32(chunk, crc)
        f.write(comp.flush(zlib.Z_FINISH))
        f.write(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return path


def record_lines() -> list[str]:
    """Good NDJSON records: the two seeds as `kt-clean strip` writes them."""
    import kt_clean

    out = []
    for p in (SEED_PRINT, SEED_FULLNAV):
        [doc] = kt_clean.read(str(p))
        out.append(json.dumps(kt_clean.strip(doc).to_record(), ensure_ascii=False))
    return out


def record_with(**changes: object) -> str:
    rec = json.loads(record_lines()[0])
    rec.update(changes)
    return json.dumps(rec)


def site_pages(folder: Path, n: int) -> Path:
    """``n`` pages of one made-up site that `learn` can learn from: seed 003's first and last
    lines as the chrome around a headline and paragraphs of random words."""
    rng = random.Random(n)
    words = ["news", "korea", "seoul", "market", "policy", "minister", "said", "on", "the",
             "of", "and", "a", "government", "week", "people", "city"]
    lines = seed().split("\n")
    folder.mkdir()
    for i in range(n):
        body = "\n\n".join(" ".join(rng.choice(words) for _ in range(40)).capitalize() + "."
                           for _ in range(6))
        write(folder, f"p{i:02d}.txt", "\n".join(lines[:40]) + f"\n\nHeadline {i} of the day\n\n"
              + body + "\n\n" + "\n".join(lines[-30:]))
    return folder


def no_escape_in_output(out: bytes) -> str:
    return "ESC passed to stdout" if b"\x1b" in out else ""


def lines_out(n: int) -> Callable[[bytes], str]:
    """A check: stdout holds ``n`` JSON lines (the inputs after a bad one were processed)."""
    def check(out: bytes) -> str:
        got = len(out.splitlines())
        return "" if got == n else f"{got} outputs, not {n}"
    return check


def fifo_writer(fifo: Path, data: bytes | None) -> Callable[[], None]:
    """A thread body that writes ``data`` into ``fifo``, or (None) endless ``a\n`` lines
    until the reader goes away."""
    def writer() -> None:
        block = b"a\n" * (MB // 2)
        try:
            with open(fifo, "wb") as f:
                if data is not None:
                    f.write(data)
                    return
                while True:
                    f.write(block)
        except OSError:
            pass
    return writer


FIFO_NAME = "page.fifo"


def make_fifo(tmp: Path, data: bytes | None) -> tuple[Path, Callable[[], None]]:
    fifo = tmp / FIFO_NAME
    os.mkfifo(fifo)
    return fifo, fifo_writer(fifo, data)


# --- the cases ----------------------------------------------------------------------------

def cases() -> list[Case]:
    rng = random.Random(16)
    c: list[Case] = []

    def add(name: str, what: str) -> Callable[[Callable[[Path], Run]], Callable[[Path], Run]]:
        def deco(build: Callable[[Path], Run]) -> Callable[[Path], Run]:
            c.append(Case(name, what, build))
            return build
        return deco

    # stdin
    @add("stdin-empty", "extract - --json < (nothing)")
    def _(tmp: Path) -> Run:
        return Run(["extract", "-", "--json"], write(tmp, "in", b""))

    @add("stdin-spaces", "printf '   ' | extract - --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", "-", "--json"], write(tmp, "in", b"   "))

    @add("stdin-1m-newlines", "1,000,000 newlines | extract - --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", "-", "--json"], write(tmp, "in", b"\n" * 1_000_000))

    @add("stdin-blank-then-file", "printf '\\n \\n' | extract - seed003 --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", "-", str(SEED_FULLNAV), "--json"], write(tmp, "in", b"\n \n\n"),
                   check=lines_out(1))

    @add("stdin-bad-ndjson", "3 records, the 2nd cut off | extract - --json")
    def _(tmp: Path) -> Run:
        good = record_lines()
        data = "\n".join([good[0], '{"page": "cut off', good[1]]) + "\n"
        return Run(["extract", "-", "--json"], write(tmp, "in", data), check=lines_out(2))

    @add("stdin-strip-seed", "seed 003 | strip -")
    def _(tmp: Path) -> Run:
        return Run(["strip", "-"], SEED_FULLNAV)

    @add("stdin-ndjson-30mb-line", "one 30 MB NDJSON line | extract - --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", "-", "--json"], write(tmp, "in", record_with(page="a " * (15 * MB))))

    # devices, FIFOs, odd names
    @add("dev-zero", "extract /dev/zero seed003 --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", "/dev/zero", str(SEED_FULLNAV), "--json"])

    @add("fifo", "extract FIFO --json (a writer sends seed 003)")
    def _(tmp: Path) -> Run:
        fifo, writer = make_fifo(tmp, SEED_FULLNAV.read_bytes())
        return Run(["extract", str(fifo), "--json"], writer=writer)

    @add("fifo-endless", "extract FIFO seed003 --json (a writer never stops)")
    def _(tmp: Path) -> Run:
        fifo, writer = make_fifo(tmp, None)
        return Run(["extract", str(fifo), str(SEED_FULLNAV), "--json"], writer=writer,
                   check=lines_out(1))

    @add("name-not-utf8", "extract $'caf\\xe9.txt' --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, b"caf\xe9.txt", seed())), "--json"])

    @add("name-newline", "extract $'a\\nb.txt' --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "a\nb.txt", seed())), "--json"])

    @add("folder-as-page", "extract DIR --json (a folder with a page and junk)")
    def _(tmp: Path) -> Run:
        d = tmp / "dir"
        d.mkdir()
        write(d, "p.txt", seed())
        write(d, "junk.bin", bytes(range(256)) * 100)
        return Run(["extract", str(d), "--json"])

    # gzip
    @add("gzip-bomb-2g", "extract bomb.txt.gz seed003 --json (2 GB of zeros, 2 MB gz)")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(zeros_gzip(tmp / "bomb.txt.gz", 2048 * MB)),
                    str(SEED_FULLNAV), "--json"], check=lines_out(1))

    @add("gzip-bomb-10g", "extract bomb.txt.gz --json --max-bytes 100M (10 GB zeros)")
    def _(tmp: Path) -> Run:
        path = zeros_gzip(tmp / "bomb.txt.gz", 10240 * MB)
        return Run(["extract", str(path), "--json", "--max-bytes", str(100_000_000)])

    @add("gzip-valid-25mb", "extract big.txt.gz --json --max-bytes 100M (24.8 MB gz)")
    def _(tmp: Path) -> Run:
        raw = base64.encodebytes(rng.randbytes(24 * MB + 600 * 1024))
        path = tmp / "big.txt.gz"
        path.write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))
        return Run(["extract", str(path), "--json", "--max-bytes", str(100_000_000)])

    @add("gzip-truncated", "extract cut.txt.gz --json (gzip cut in half)")
    def _(tmp: Path) -> Run:
        data = gzip.compress(seed().encode(), mtime=0)
        return Run(["extract", str(write(tmp, "cut.txt.gz", data[: len(data) // 2])), "--json"])

    # many lines
    @add("lines-1m-a", "extract (1,000,000 lines 'a') --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "a.txt", b"a\n" * 1_000_000)), "--json"])

    @add("lines-20mb-a", "extract (20 MB of 'a' lines) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "a.txt", b"a\n" * 10_485_000)), "--json"])

    @add("lines-1m-distinct", "extract (1M distinct short lines) --json")
    def _(tmp: Path) -> Run:
        data = "".join(f"w{i:x} z\n" for i in range(1_000_000))
        return Run(["extract", str(write(tmp, "d.txt", data)), "--json"])

    @add("detect-1m-distinct", "detect (1M distinct short lines)")
    def _(tmp: Path) -> Run:
        data = "".join(f"line {i}\n" for i in range(1_000_000))
        return Run(["detect", str(write(tmp, "d.txt", data))])

    @add("lines-cr-1m", "extract (1M lines ended by a lone CR) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "cr.txt", b"a\r" * 1_500_000)), "--json"])

    @add("lines-u2028-1m", "extract (1.5M U+2028 separators) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "ls.txt", "a\u2028" * 1_500_000)), "--json"])

    @add("hello-blank-world", "extract ('Hello' + 100,000 blank lines + 'World') --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "hw.txt", "Hello" + "\n" * 100_000 + "World\n")),
                    "--json"])

    @add("seed003-200k-blank", "extract (seed 003, 200,000 blank lines in its photo-news zone) "
         "--json")
    def _(tmp: Path) -> Run:
        zone = "\n    • Congratulations\n"  # the first line of the zone
        assert seed().count(zone) == 1
        text = seed().replace(zone, "\n" * 200_000 + zone[1:])
        return Run(["extract", str(write(tmp, "s.txt", text)), "--json"])

    @add("long-line-10mb", "extract (one 10 MB line, no newline) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "l.txt", "word " * (2 * MB))), "--json"])

    @add("diff-sbs-4mb-word", "diff --side-by-side --no-color (one 4 MB word)")
    def _(tmp: Path) -> Run:
        return Run(["diff", "--side-by-side", "--no-color",
                    str(write(tmp, "w.txt", "a" * (4 * MB) + "\n"))])

    @add("combining-marks", "extract (a letter with 1M combining marks) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "z.txt", seed() + "Z" + "\u0301" * MB + "\n")),
                    "--json"])

    # HTML
    @add("html-unclosed-p", "extract (1.3M unclosed '<p>a') --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "p.html", "<html><body>" + "<p>a" * 1_300_000)),
                    "--json"])

    @add("html-unclosed-p-1.2m", "extract (1.2M unclosed '<p>a', under the character limit) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "p.html", "<html><body>" + "<p>a" * 1_220_000)),
                    "--json"])

    @add("html-attributes-100k", "extract (one tag of 100,000 attributes) --json")
    def _(tmp: Path) -> Run:
        attrs = " ".join(f"a{i}" for i in range(100_000))
        html = f"<html><body><h1 {attrs}>A title</h1>" + "<p>Some words of a text.</p>" * 50
        return Run(["extract", str(write(tmp, "a.html", html + "</body></html>")), "--json"])

    @add("html-deep-50000", "extract (<div> nested 50,000 deep) --json")
    def _(tmp: Path) -> Run:
        html = ("<html><body>" + "<div>" * 50_000 + "<p>Deep text here.</p>"
                + "</div>" * 50_000 + "</body></html>")
        return Run(["extract", str(write(tmp, "deep.html", html)), "--json"])

    @add("html-deep-50000-strip", "strip - --input-format html (nested 50,000 deep, stdin)")
    def _(tmp: Path) -> Run:
        html = "<html><body>" + "<b><i>" * 25_000 + "x" + "</i></b>" * 25_000
        return Run(["strip", "-", "--input-format", "html"], write(tmp, "deep.html", html))

    @add("html-410k-div", "extract (410,000 '<div>a</div>', 4.9M chars) --json")
    def _(tmp: Path) -> Run:
        html = "<html><body>" + "<div>a</div>" * 410_000 + "</body></html>"
        return Run(["extract", str(write(tmp, "div.html", html)), "--json"])

    @add("html-200k-links", "extract (200,000 links, 4.0M chars) --json")
    def _(tmp: Path) -> Run:
        links = "".join(f"<a href=/{i:x}>{i:x}</a>" for i in range(200_000))
        html = f"<html><body><p>{links}</p></body></html>"
        return Run(["extract", str(write(tmp, "a.html", html)), "--json"])

    @add("html-300k-li", "extract (300,000 '<li>' items, 4.4M chars) --json")
    def _(tmp: Path) -> Run:
        items = "".join(f"<li>{i}</li>" for i in range(300_000))
        html = f"<html><body><ul>{items}</ul></body></html>"
        return Run(["extract", str(write(tmp, "li.html", html)), "--json"])

    @add("html-19mb", "extract (19 MB HTML, over 5,000,000 chars) --json")
    def _(tmp: Path) -> Run:
        para = "<p>" + " ".join(rng.choice(["news", "korea", "times", "seoul", "the"])
                                for _ in range(60)) + ".</p>\n"
        body = para * (19 * MB // len(para))
        html = f"<html><head><title>Big</title></head><body><article>{body}</article></body></html>"
        return Run(["extract", str(write(tmp, "big.html", html)), "--json"])

    @add("html-entities", "extract (600,000 '&amp;' entities, 50,000 attributes) --json")
    def _(tmp: Path) -> Run:
        attrs = " ".join(f"a{i}='{i}'" for i in range(50_000))
        html = (f"<html><body><p {attrs}>" + "&amp;" * 600_000
                + "&#x110000;&#0;&bogus;</p></body></html>")
        return Run(["extract", str(write(tmp, "e.html", html)), "--json"])

    @add("html-broken", "extract (mismatched, unclosed tags, comments) --json")
    def _(tmp: Path) -> Run:
        html = "<html><body><div><p>a</div></p><table><tr><td>x<!-- open" * 20_000
        return Run(["extract", str(write(tmp, "b.html", html)), "--json"])

    # NDJSON records
    @add("ndjson-one-bad", "extract recs.ndjson --json (1 bad record among 200)")
    def _(tmp: Path) -> Run:
        good = record_lines()
        lines = [good[i % 2] for i in range(200)]
        lines[100] = '{"text": "cut off'
        return Run(["extract", str(write(tmp, "r.ndjson", "\n".join(lines) + "\n")), "--json"])

    @add("json-deep-1000", "extract - --json (a record nested 1000 deep)")
    def _(tmp: Path) -> Run:
        rec = record_lines()[0]
        deep = rec[:-1] + ', "meta": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"
        return Run(["extract", "-", "--json"], write(tmp, "r.ndjson", deep + "\n"))

    @add("json-deep-100k", "extract - --json (a line of 100,000 '[')")
    def _(tmp: Path) -> Run:
        return Run(["extract", "-", "--json"],
                   write(tmp, "r.ndjson", "[" * 100_000 + "]" * 100_000 + "\n"))

    @add("json-huge-numbers", "extract recs.ndjson --json (1e999, a 5000-digit number)")
    def _(tmp: Path) -> Run:
        rec = record_lines()[0]
        lines = [rec[:-1] + ', "confidence": 1e999}', rec[:-1] + ', "n": ' + "9" * 5000 + "}",
                 rec.replace('"confidence": ', '"confidence": 1' + "0" * 5000 + ', "x": ', 1)]
        return Run(["extract", str(write(tmp, "n.ndjson", "\n".join(lines) + "\n")), "--json"])

    @add("json-lone-surrogates", "extract recs.ndjson --json (lone surrogates in a record)")
    def _(tmp: Path) -> Run:
        rec = json.loads(record_lines()[0])
        rec["page"] = rec["page"].replace("summit", "summit \\ud800", 1)
        line = json.dumps(rec).replace("\\\\ud800", "\\ud800")
        return Run(["extract", str(write(tmp, "s.ndjson", line + "\n")), "--json"])

    # bytes and encodings
    @add("binary-garbage", "extract (1 MB random bytes) --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(write(tmp, "g.txt", rng.randbytes(MB))), "--json"])

    @add("nul-bytes", "extract (seed with NUL bytes; a file of NULs) --json")
    def _(tmp: Path) -> Run:
        a = write(tmp, "n1.txt", seed().replace("\n", "\x00\n", 50))
        b = write(tmp, "n2.txt", bytes(100_000))
        return Run(["extract", str(a), str(b), "--json"])

    @add("control-chars", "extract (only control characters, no NUL) --json")
    def _(tmp: Path) -> Run:
        ctl = bytes(b for b in range(1, 32) if b != 10) + b"\x7f"
        return Run(["extract", str(write(tmp, "c.txt", (ctl + b"\n") * 10_000)), "--json"])

    @add("encodings", "extract latin-1, utf-16, mixed pages --json")
    def _(tmp: Path) -> Run:
        text = seed().replace("Korea", "Coréé", 20)
        a = write(tmp, "l1.txt", text.encode("latin-1", "replace"))
        b = write(tmp, "u16.txt", text.encode("utf-16"))
        c2 = write(tmp, "mix.txt", text[:4000].encode() + text[4000:].encode("latin-1", "replace"))
        d = write(tmp, "u16be.txt", text.encode("utf-16-be"))
        return Run(["extract", str(a), str(b), str(c2), str(d), "--json"])

    @add("terminal-escapes", "diff --no-color (ESC sequences in the page)")
    def _(tmp: Path) -> Run:
        esc = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m \x9b31m \u202eevil"
        text = seed().replace("\n\n", f"\n{esc}\n\n", 5)
        return Run(["diff", "--no-color", str(write(tmp, "esc.txt", text))],
                   check=no_escape_in_output)

    @add("terminal-escapes-text", "extract (ESC sequences in the page) --format text, on a terminal")
    def _(tmp: Path) -> Run:
        esc = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m"
        text = seed().replace(". ", f". {esc} ", 5)
        return Run(["extract", str(write(tmp, "esc.txt", text))], check=no_escape_in_output,
                   tty=True)

    # options
    @add("encoding-rot13", "extract seed003 --encoding rot13")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(SEED_FULLNAV), "--encoding", "rot13", "--json"])

    @add("encoding-base64", "extract seed003 --encoding base64")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(SEED_FULLNAV), "--encoding", "base64", "--json"])

    @add("encoding-nope", "extract seed003 --encoding nope")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(SEED_FULLNAV), "--encoding", "nope", "--json"], want=2)

    @add("layouts-dev-zero", "extract --layouts /dev/zero seed003 --json")
    def _(tmp: Path) -> Run:
        return Run(["extract", "--layouts", "/dev/zero", str(SEED_FULLNAV), "--json"])

    @add("layouts-fifo", "extract --layouts FIFO seed003 --json (a writer never stops)")
    def _(tmp: Path) -> Run:
        fifo, writer = make_fifo(tmp, None)
        return Run(["extract", "--layouts", str(fifo), str(SEED_FULLNAV), "--json"],
                   writer=writer)

    @add("layouts-not-utf8", "extract --layouts (a TOML file with a 0xFF byte) seed003 --json")
    def _(tmp: Path) -> Run:
        path = write(tmp, "bad.toml", b'# caf\xe9\nname = "x\xff"\n')
        return Run(["extract", "--layouts", str(path), str(SEED_FULLNAV), "--json"])

    @add("layouts-garbage", "extract --layouts (binary .toml) seed003 --json")
    def _(tmp: Path) -> Run:
        path = write(tmp, "bad.toml", rng.randbytes(50_000))
        return Run(["extract", "--layouts", str(path), str(SEED_FULLNAV), "--json"])

    @add("stdout-full", "extract seed003 --json > /dev/full")
    def _(tmp: Path) -> Run:
        return Run(["extract", str(SEED_FULLNAV), "--json"], stdout="/dev/full", want=1)

    # batch and learn
    @add("batch-timeout-nan", "batch --timeout nan -o OUT -q")
    def _(tmp: Path) -> Run:
        d = tmp / "pages"
        d.mkdir()
        write(d, "p.txt", seed())
        return Run(["batch", str(d), "-o", str(tmp / "out"), "-q", "--timeout", "nan"], want=2)

    @add("batch-deep-tree", "batch -r (a 1,100-deep folder tree) -o OUT -q")
    def _(tmp: Path) -> Run:
        root = tmp / "tree"
        here = os.fsencode(root)
        os.mkdir(here)
        write(root, "top.txt", seed())
        for _ in range(1100):
            here = os.path.join(here, b"d")
            os.mkdir(here)
        with open(os.path.join(here, b"deep.txt"), "w", encoding="utf-8") as f:
            f.write(seed(SEED_PRINT))
        return Run(["batch", str(root), "-r", "-o", str(tmp / "out"), "-q", "--jobs", "2",
                    "--no-sync"])

    @add("batch-timeout-1", "batch --timeout 1 (a slow page among 20) -o OUT -q")
    def _(tmp: Path) -> Run:
        d = tmp / "pages"
        d.mkdir()
        for i in range(20):
            write(d, f"p{i:02d}.txt", seed().replace("Korea", f"Korea{i}", 1))
        write(d, "slow.txt", "".join(f"w{i:x} {i % 7} z.\n" for i in range(999_000)))
        return Run(["batch", str(d), "-o", str(tmp / "out"), "-q", "--timeout", "1", "--jobs",
                    "2", "--no-sync"])

    @add("batch-hostile-mix", "batch (bomb, binary, deep HTML, FIFO-free mix) --ndjson - -q")
    def _(tmp: Path) -> Run:
        d = tmp / "pages"
        d.mkdir()
        write(d, "good.txt", seed())
        zeros_gzip(d / "bomb.txt.gz", 256 * MB)
        write(d, "garbage.txt", rng.randbytes(100_000))
        write(d, "deep.html", "<div>" * 20_000 + "x")
        write(d, "empty.txt", b"")
        write(d, "nl.txt", b"\n" * 2_000_000)
        return Run(["batch", str(d), "--ndjson", "-", "-q", "--jobs", "2"])

    @add("learn-10000-identical", "learn (10,000 identical pages) -o out.toml")
    def _(tmp: Path) -> Run:
        d = tmp / "site"
        d.mkdir()
        text = seed()
        for i in range(10_000):
            write(d, f"p{i:04d}.txt", text)
        return Run(["learn", str(d), "-o", str(tmp / "out.toml"), "--name", "same"])

    @add("learn-garbage", "learn (50 binary files) -o out.toml")
    def _(tmp: Path) -> Run:
        d = tmp / "site"
        d.mkdir()
        for i in range(50):
            write(d, f"p{i:02d}.txt", rng.randbytes(20_000))
        return Run(["learn", str(d), "-o", str(tmp / "out.toml")])

    @add("learn-timezone-garbage", "learn (6 pages) --timezone garbage")
    def _(tmp: Path) -> Run:
        return Run(["learn", str(site_pages(tmp / "site", 6)), "--timezone", "garbage"],
                   want=2)

    @add("learn-o-folder", "learn (6 pages) -o EXISTING_FOLDER")
    def _(tmp: Path) -> Run:
        (tmp / "outdir").mkdir()
        return Run(["learn", str(site_pages(tmp / "site", 6)), "-o", str(tmp / "outdir")],
                   want=1)

    @add("learn-o-readonly", "learn (6 pages) -o /proc/kt.toml (a place nobody can write)")
    def _(tmp: Path) -> Run:
        return Run(["learn", str(site_pages(tmp / "site", 6)), "-o", "/proc/kt.toml"], want=1)

    return c


# --- running ------------------------------------------------------------------------------

def first_line(err: str, width: int = 90) -> str:
    line = next((x for x in err.splitlines() if x.strip()), "")
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line if len(line) <= width else line[: width - 1] + "…"


# The command runs under this launcher, which reports the command's own ``ru_maxrss``: a
# process forked from this (large) benchmark would inherit its peak as its own.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(ru.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def copy_pty(master: int, out: Any) -> None:
    """Copy what a command writes to its terminal into ``out`` until it closes."""
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                return
            if not data:
                return
            out.write(data)
    finally:
        os.close(master)


def run_case(case: Case, limit: float, kill_kb: int) -> Result:
    res = Result(case)
    with tempfile.TemporaryDirectory(prefix=f"kt-hostile-{case.name}-") as name:
        tmp = Path(name)
        t_build = time.perf_counter()
        spec = case.build(tmp)
        build_s = time.perf_counter() - t_build
        rss_file = tmp / "_maxrss"
        argv: list[str | bytes] = [sys.executable, "-S", "-c", LAUNCHER, str(rss_file), kt(),
                                   *spec.args]
        out_path, err_path = tmp / "_stdout", tmp / "_stderr"
        writer = None
        if spec.writer:
            writer = threading.Thread(target=spec.writer, daemon=True)
            writer.start()
        stdin = open(spec.stdin, "rb") if spec.stdin else subprocess.DEVNULL  # noqa: SIM115
        env = dict(os.environ, COLUMNS="100", NO_COLOR="1")
        killed = ""
        sampled = 0
        with open(spec.stdout or out_path, "wb") as out, open(err_path, "wb") as err:
            reader = None
            target: Any = out
            if spec.tty:  # a terminal: the pty's other side copied into the output file
                master, target = pty.openpty()
                tty.setraw(target)  # no newline translation: the bytes as written
                reader = threading.Thread(target=copy_pty, args=(master, out), daemon=True)
                reader.start()
            t0 = time.perf_counter()
            proc = subprocess.Popen(argv, stdin=stdin, stdout=target, stderr=err, env=env,
                                    start_new_session=True)
            if spec.tty:
                os.close(target)
            while True:
                pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                sampled = max(sampled, tree_rss(proc.pid) // 1024)
                if time.perf_counter() - t0 > limit:
                    killed = f"over {limit:g} s"
                elif sampled > kill_kb:
                    killed = f"over {kill_kb / MB:g} GB"
                if killed:
                    os.killpg(proc.pid, signal.SIGKILL)
                    pid, status, _ = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.01)
            res.seconds = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            if reader is not None:
                reader.join(10)
        with contextlib.suppress(ProcessLookupError):  # workers left behind
            os.killpg(proc.pid, signal.SIGKILL)
        if hasattr(stdin, "close"):
            stdin.close()
        if writer and writer.is_alive():  # unblock a writer nobody read
            with contextlib.suppress(OSError):
                os.close(os.open(tmp / FIFO_NAME, os.O_RDONLY | os.O_NONBLOCK))
        try:
            res.max_rss_kb = max(int(rss_file.read_text()), sampled)
        except (OSError, ValueError):
            res.max_rss_kb = sampled
        res.code = proc.returncode
        err_text = err_path.read_bytes().decode("utf-8", "replace").replace(f"{tmp}/", "")
        out_size = out_path.stat().st_size if out_path.exists() else 0
        res.outcome = first_line(err_text) or f"stdout {out_size:,} bytes"
        if TRACEBACK in err_text:  # its last line names the exception
            tail = [x for x in err_text.splitlines() if x.strip() and x.strip()[0] not in BOX]
            res.outcome = first_line(tail[-1] if tail else err_text)
        if killed:
            res.verdicts.append(killed)
        elif res.seconds > OVER_TIME:
            res.verdicts.append("over-time")
        if res.max_rss_kb > OVER_MEMORY and "GB" not in killed:
            res.verdicts.append("over-memory")
        if TRACEBACK in err_text:
            res.verdicts.append("traceback")
        elif res.code != 2 and any(x.strip() and not x.startswith(MESSAGE_PREFIX)
                                   for x in err_text.splitlines()):
            res.verdicts.append("stderr")  # (a usage error prints click's usage block)
        if not killed and (res.code is None or res.code not in (0, 1, 2)):
            res.verdicts.append("crash")
        if not killed and spec.want is not None and res.code != spec.want:
            res.verdicts.append(f"exit {res.code}, not {spec.want}")
        if spec.check and out_path.exists():
            with open(out_path, "rb") as f:
                note = spec.check(f.read(64 * MB))
            if note:
                res.verdicts.append(note)
        if build_s > 5:
            print(f"  ({case.name}: {build_s:.1f} s to generate)", file=sys.stderr)
    return res


def table(results: list[Result]) -> str:
    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("`", "'")

    rows = ["| case | command | exit | time (s) | peak memory (MB) | outcome | verdict |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.case.name} | `{cell(r.case.what)}` | {r.code} | {r.seconds:.2f} | "
                    f"{r.max_rss_kb / 1024:.0f} | {cell(r.outcome)} | {r.verdict} |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="name every case and exit")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only this case (a prefix selects several); repeatable")
    ap.add_argument("--limit", type=float, default=60.0, help="kill a case after this (s)")
    ap.add_argument("--kill-gb", type=float, default=4.0,
                    help="kill a case whose processes hold more than this (GB)")
    ap.add_argument("--write", action="store_true", help="write docs/reliability.md")
    args = ap.parse_args()
    sys.setrecursionlimit(20_000)  # shutil.rmtree recurses into the 1,100-deep tree
    all_cases = cases()
    if args.list:
        for case in all_cases:
            print(f"{case.name:24} {case.what}")
        return 0
    chosen = [c for c in all_cases
              if not args.only or any(c.name.startswith(o) for o in args.only)]
    if not chosen:
        ap.error(f"no case matches {args.only}; see --list")
    load = os.getloadavg()[0]  # the machine may be shared: times are wall times
    results = []
    for case in chosen:
        r = run_case(case, args.limit, int(args.kill_gb * MB))
        print(f"{case.name:24} exit {r.code!s:>4} {r.seconds:7.2f} s "
              f"{r.max_rss_kb / 1024:7.0f} MB  {r.verdict:12} {r.outcome}", flush=True)
        results.append(r)
    flagged = [r for r in results if r.verdicts]
    body = "\n".join([
        f"{len(results)} cases, {len(flagged)} flagged (over {OVER_TIME:g} s, over 1 GB, a "
        f"traceback, stray stderr, a crash, a wrong exit code, a failed output check); "
        f"killed after {args.limit:g} s or over "
        f"{args.kill_gb:g} GB. Peak memory is the command's `ru_maxrss` (the largest of its "
        f"processes), or the sum sampled every 10 ms when larger. {machine()}, load "
        f"average {load:.1f} at the start."
        + ("" if len(chosen) == len(all_cases) else
           f" Only some cases: {', '.join(args.only)}."),
        "",
        table(results),
    ])
    if args.write:
        path = update_section("reliability.md", "hostile", body, "Reliability")
        print(f"wrote {path.relative_to(ROOT)}")
    else:
        print()
        print(body)
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
