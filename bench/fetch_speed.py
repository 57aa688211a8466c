#!/usr/bin/env python3
"""``kt-clean fetch`` against a loopback server with politeness off: pages per second.

    python bench/fetch_speed.py [--pages 2000] [--rounds 3] [--concurrency 8] [--no-write]

The server (a threaded ``http.server`` with keep-alive, in a process of its own so that it
does not share the crawler's interpreter) serves ``--pages`` distinct Korea Times-like
article pages (``tests/fixtures/kt/*.html``, 9-17 KB) on 127.0.0.1, half of them gzipped.
Each round runs ``kt-clean fetch -i URLS -o ARCHIVE --rate 0 --ignore-robots -q`` as a
fresh process (start-up included), then checks the archive holds every page. The figure is
the median over rounds of pages per wall second; the same through the Python API
(``kt_clean.fetch``, no start-up) follows. No traffic leaves the machine. Writes
``<!-- bench:fetch-speed -->`` in docs/performance.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import multiprocessing
import os
import socketserver
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


def serve(port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    pages = [p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures" / "kt").glob("*.html"))]
    zipped = [gzip.compress(p) for p in pages]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            n = int(self.path.rsplit("/", 1)[1].split(".")[0] or 0)
            gz = n % 2 == 1 and "gzip" in self.headers.get("Accept-Encoding", "")
            body = (zipped if gz else pages)[n % len(pages)]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if gz:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def count_responses(path: Path) -> int:
    from kt_clean.inputs.warc import iter_records

    with open(path, "rb") as f:
        return sum(1 for r in iter_records(f, str(path)) if r.type == "response")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    port = ports.get(timeout=10)
    base = f"http://127.0.0.1:{port}"
    cli_rates, api_rates = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            urls = Path(tmp) / "urls.txt"
            urls.write_text("".join(f"{base}/www/nation/2019/01/{i}.html\n"
                                    for i in range(args.pages)))
            for r in range(args.rounds):
                archive = Path(tmp) / f"cli{r}.warc.gz"
                t0 = time.perf_counter()
                done = subprocess.run([*CLI, "fetch", "-i", str(urls), "-o", str(archive),
                                       "--rate", "0", "--ignore-robots", "-q",
                                       "--concurrency", str(args.concurrency)],
                                      cwd=ROOT, capture_output=True, text=True)
                wall = time.perf_counter() - t0
                if done.returncode != 0 or count_responses(archive) != args.pages:
                    raise SystemExit(f"fetch failed: {done.stderr[-800:]}")
                cli_rates.append(args.pages / wall)
                print(f"CLI round {r + 1}: {args.pages / wall:,.0f} pages/s", file=sys.stderr)
                import kt_clean

                archive = Path(tmp) / f"api{r}.warc.gz"
                t0 = time.perf_counter()
                crawl = kt_clean.fetch([f"{base}/www/nation/2019/01/{i}.html"
                                        for i in range(args.pages)], output=str(archive),
                                       rate=0, robots=False, concurrency=args.concurrency)
                got = sum(1 for _ in crawl)
                wall = time.perf_counter() - t0
                assert got == args.pages and crawl.summary.failed == 0
                api_rates.append(args.pages / wall)
                print(f"API round {r + 1}: {args.pages / wall:,.0f} pages/s", file=sys.stderr)
    finally:
        server.terminate()
    load = os.getloadavg()[0]
    body = "\n".join([
        f"`python bench/fetch_speed.py --pages {args.pages} --rounds {args.rounds} "
        f"--concurrency {args.concurrency}` ({machine()}; load average {load:.1f} at the "
        "end; the server takes one of the two cores):",
        "",
        "| how | pages/s (median) | rounds | target |",
        "|---|---|---|---|",
        f"| `kt-clean fetch -i URLS -o A.warc.gz --rate 0 --ignore-robots`, a fresh process "
        f"| **{statistics.median(cli_rates):,.0f}** | "
        f"{', '.join(f'{x:,.0f}' for x in cli_rates)} | >= 200 |",
        f"| `kt_clean.fetch(urls, output=..., rate=0, robots=False)` | "
        f"**{statistics.median(api_rates):,.0f}** | "
        f"{', '.join(f'{x:,.0f}' for x in api_rates)} | |",
    ])
    print(body)
    if not args.no_write:
        update_section("performance.md", "fetch-speed", body)


if __name__ == "__main__":
    main()
