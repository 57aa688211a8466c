#!/usr/bin/env python3
"""Reading WARC archives: ``kt-clean extract`` over an archive of 10,000 records against the
same pages saved as files, and the record reader alone against warcio and FastWARC.

    python bench/warc_speed.py [--records 10000] [--rounds 3] [--no-write]

Two corpora, each built in a temporary folder from the repository's own pages:

- ``kt-html``: Korea Times pages as HTML (``tests/fixtures/kt/*.html``, and the seeds'
  text wrapped in HTML), the pages ``kt-clean fetch`` brings back from the site; in the
  archive under Korea Times URLs, as files under their own names;
- ``text``: the text dumps of ``seeds/`` and ``tests/pages/`` as ``text/plain`` records:
  the cheapest pages to clean, so the reader's own cost shows most.

Each round runs ``kt-clean extract FOLDER --json`` and ``kt-clean extract ARCHIVE --json``
(stdout to /dev/null) in turn, each a fresh process; the figure is pages per CPU second of
the process (user + system, so that other work on the machine weighs less), the median over
rounds, and the ratio archive/files. Then the parsers alone: kt-clean's reader, warcio's
and FastWARC's ArchiveIterator (when installed) over the kt-html archive, payloads read.
Writes ``<!-- bench:warc-speed -->`` in docs/performance.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import gzip
import html
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _report import machine, update_section  # noqa: E402

CLI = [sys.executable, "-c", "from kt_clean.cli import main; main()"]


def kt_html_pages() -> list[bytes]:
    pages = [p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures" / "kt").glob("*.html"))]
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        body = "".join(f"<p>{html.escape(line)}</p>\n"
                       for line in seed.read_text(encoding="utf-8").splitlines())
        pages.append(f"<!DOCTYPE html><html><head><meta charset=utf-8></head><body>{body}"
                     "</body></html>".encode())
    return pages


def text_pages() -> list[bytes]:
    paths = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "pages").glob("*.txt"))
    return [p.read_bytes() for p in paths]


def record(url: str, body: bytes, ctype: str, number: int) -> bytes:
    http = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-"
            f"0000-{number:012d}>\r\nWARC-Date: 2019-02-21T07:35:00.000000Z\r\n"
            f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return gzip.compress(head + http + b"\r\n\r\n", compresslevel=6)


def build(folder: Path, name: str, pages: list[bytes], count: int, ctype: str,
          suffix: str) -> tuple[Path, Path]:
    files = folder / f"{name}-files"
    files.mkdir()
    archive = folder / f"{name}.warc.gz"
    with open(archive, "wb") as out:
        for i in range(count):
            body = pages[i % len(pages)]
            url = f"https://www.koreatimes.co.kr/www/nation/2019/01/103_{260000 + i}{suffix}"
            out.write(record(url, body, ctype, i))
            (files / f"{i:05d}{suffix}").write_bytes(body)
    return files, archive


def cpu_run(target: Path) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, pages) of ``kt-clean extract TARGET --json``."""
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run([*CLI, "extract", str(target), "--json"], cwd=ROOT,
                          capture_output=True)
    wall = time.perf_counter() - t0
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"extract {target} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return cpu, wall, done.stdout.count(b"\n")


def parsers(archive: Path) -> dict[str, float]:
    """Records per second of each parser over the archive (payloads read)."""
    out: dict[str, float] = {}
    from kt_clean.inputs.warc import read_warc

    t0 = time.process_time()
    n = sum(1 for _ in read_warc(archive))
    out["kt-clean"] = n / (time.process_time() - t0)
    from warcio.archiveiterator import ArchiveIterator

    t0 = time.process_time()
    with open(archive, "rb") as f:
        n = sum(len(r.content_stream().read()) > 0 for r in ArchiveIterator(f)
                if r.rec_type == "response")
    out["warcio"] = n / (time.process_time() - t0)
    try:
        from fastwarc.warc import ArchiveIterator as FastIterator
        from fastwarc.warc import WarcRecordType
    except ImportError:
        return out
    t0 = time.process_time()
    with open(archive, "rb") as f:
        n = sum(len(r.reader.read()) > 0
                for r in FastIterator(f, record_types=WarcRecordType.response))
    out["FastWARC"] = n / (time.process_time() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpora = {
            "kt-html": build(folder, "kt-html", kt_html_pages(), args.records, "text/html",
                             ".html"),
            "text": build(folder, "text", text_pages(), args.records,
                          "text/plain; charset=utf-8", ".txt"),
        }
        for name, (files, archive) in corpora.items():
            rates: dict[str, list[float]] = {"files": [], "archive": []}
            walls: dict[str, list[float]] = {"files": [], "archive": []}
            for _ in range(args.rounds):
                for kind, target in (("files", files), ("archive", archive)):
                    cpu, wall, pages = cpu_run(target)
                    assert pages == args.records, (kind, pages)
                    rates[kind].append(pages / cpu)
                    walls[kind].append(pages / wall)
                    print(f"{name} {kind}: {pages / cpu:,.0f} pages/CPU s, "
                          f"{pages / wall:,.0f} pages/s wall", file=sys.stderr)
            f, a = statistics.median(rates["files"]), statistics.median(rates["archive"])
            rows.append((name, f, a, a / f, statistics.median(walls["files"]),
                         statistics.median(walls["archive"]), archive.stat().st_size))
        speeds = parsers(corpora["kt-html"][1])
    load = os.getloadavg()[0]
    lines = [f"`python bench/warc_speed.py --records {args.records} --rounds {args.rounds}` "
             f"({machine()}; load average {load:.1f} at the end, other work was running):",
             "",
             "| corpus | files: pages/CPU s | archive: pages/CPU s | archive / files | "
             "wall pages/s, files / archive | archive size |",
             "|---|---|---|---|---|---|"]
    for name, f, a, ratio, wf, wa, size in rows:
        lines.append(f"| {name} ({args.records:,} pages) | {f:,.0f} | {a:,.0f} | "
                     f"**{ratio:.0%}** | {wf:,.0f} / {wa:,.0f} | {size / 1e6:.1f} MB |")
    lines += ["", "The record parsers alone, over the kt-html archive (payloads read, "
              "records per CPU second): " + ", ".join(f"{k} {v:,.0f}"
                                                        for k, v in speeds.items()) + "."]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        update_section("performance.md", "warc-speed", body)


if __name__ == "__main__":
    main()
