"""A small news site on 127.0.0.1 for the fetch tests: started by a test, stopped after it.

It serves what a crawler meets: robots.txt rules with a crawl delay and a sitemap line, a
sitemap index (one sitemap gzipped), an RSS feed, section list pages linking to Korea
Times-like articles (the repository's own fixtures, and the seeds' text rendered as simple
HTML), an EUC-KR page whose charset is only in the header, a 429 with Retry-After, a 503 that
recovers, gzip and brotli responses, a redirect chain and a redirect loop, a response slower
than the test's timeout, one over its size cap, a connection dropped mid-body, a PDF, a 404,
and a page answering conditional requests (ETag) with 304. Every request is logged with its
time, so tests can check what was asked, in which order and how far apart.
"""

from __future__ import annotations

import gzip
import html
import http.server
import socketserver
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: Article paths and the HTML each serves.
ARTICLE_IDS = ("261548", "261549", "261550", "261551", "261552", "261553")
KOREAN = "서울 시민들이 한강 공원에서 봄을 즐기고 있다. 정부는 새로운 정책을 발표했다."


def _seed_html(path: Path, title: str) -> bytes:
    """A seed's text rendered as a simple HTML article page."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body = "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in lines if line.strip())
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
            ).encode()


def articles() -> dict[str, bytes]:
    """The site's article pages by path."""
    pages = [
        (FIXTURES / "kt" / "full-nav.html").read_bytes(),
        (FIXTURES / "kt" / "print.html").read_bytes(),
        (FIXTURES / "html" / "article.html").read_bytes(),
        _seed_html(ROOT / "seeds" / "000_565ea5bced93b1ee.txt", "Trump-Kim summit"),
        _seed_html(ROOT / "seeds" / "003_67df4e5bb0c6f5bf.txt", "Talks for a second summit"),
        (FIXTURES / "kt" / "print.html").read_bytes().replace(b"late February", b"Hanoi"),
    ]
    return {f"/www/nation/2019/01/103_{i}.html": page for i, page in zip(ARTICLE_IDS, pages)}


@dataclass
class Hit:
    path: str
    at: float
    headers: dict[str, str]


@dataclass
class Site:
    """The site's state: its request log, and its knobs."""

    crawl_delay: float = 0.1
    slow_seconds: float = 2.0
    big_bytes: int = 300_000
    retry_after: str = "1"
    #: where /elsewhere redirects to (another site)
    away: str = ""
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: dict[str, int] = field(default_factory=dict)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    def hit(self, path: str, headers: dict[str, str]) -> int:
        with self.lock:
            self.hits.append(Hit(path, time.monotonic(), headers))
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]


def make_handler(site: Site) -> type[http.server.BaseHTTPRequestHandler]:
    pages = articles()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def redirect(self, where: str, status: int = 301) -> None:
            self.send(status, b"", headers={"Location": where})

        def do_GET(self) -> None:
            path = self.path
            n = site.hit(path, {k.lower(): v for k, v in self.headers.items()})
            base = site.base
            if path == "/robots.txt":
                body = (f"User-agent: *\nDisallow: /private/\nCrawl-delay: {site.crawl_delay}\n"
                        f"Sitemap: {base}/sitemap_index.xml\n").encode()
                self.send(200, body, "text/plain")
            elif path == "/sitemap_index.xml":
                self.send(200, (
                    '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns='
                    '"http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{base}/sitemap-news.xml.gz</loc></sitemap>"
                    f"<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>"
                    "</sitemapindex>").encode(), "application/xml")
            elif path == "/sitemap-news.xml.gz":
                locs = "".join(f"<url><loc>{base}/www/nation/2019/01/103_{i}.html</loc></url>"
                               for i in ARTICLE_IDS[:3])
                xml = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                       f'sitemap/0.9">{locs}</urlset>').encode()
                self.send(200, gzip.compress(xml), "application/x-gzip")
            elif path == "/sitemap-pages.xml":
                self.send(200, (
                    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap'
                    f'/0.9"><url><loc>{base}/www/nation/list.html</loc></url>'
                    f"<url><loc>{base}/private/secret.html</loc></url>"
                    f"<url><loc>{base}/euckr.html</loc></url></urlset>").encode(),
                    "application/xml")
            elif path == "/rss.xml":
                items = "".join(f"<item><title>Story {i}</title><link>{base}/www/nation/2019/"
                                f"01/103_{i}.html</link></item>" for i in ARTICLE_IDS[3:5])
                self.send(200, (f'<?xml version="1.0"?><rss version="2.0"><channel><title>KT'
                                f"</title>{items}</channel></rss>").encode(),
                          "application/rss+xml")
            elif path == "/www/nation/list.html":
                links = "".join(f'<li><a href="/www/nation/2019/01/103_{i}.html">Story {i}</a>'
                                f"</li>" for i in ARTICLE_IDS)
                links += ('<li><a href="/private/secret.html">Members</a></li>'
                          '<li><a href="https://elsewhere.invalid/www/nation/2019/x.html">Out'
                          '</a></li><li><a href="/www/nation/list2.html">Next</a></li>'
                          '<li><a href="/about.html">About us</a></li>')
                self.send(200, f"<html><body><h1>Nation</h1><ul>{links}</ul></body></html>"
                          .encode())
            elif path == "/www/nation/list2.html":
                self.send(200, b'<html><body><a href="/www/nation/2019/01/103_999.html">'
                               b"Old</a></body></html>")
            elif path in pages:
                self.send(200, pages[path])
            elif path == "/www/nation/2019/01/103_999.html":
                self.send(200, _seed_html(ROOT / "seeds" / "003_67df4e5bb0c6f5bf.txt",
                                          "An older story"))
            elif path == "/euckr.html":
                body = (f"<html><head><title>{KOREAN[:8]}</title></head><body><h1>한국 뉴스</h1>"
                        + f"<p>{KOREAN}</p>" * 12 + "</body></html>").encode("euc-kr")
                self.send(200, body, "text/html; charset=EUC-KR")
            elif path == "/busy.html":
                if n == 1:
                    self.send(429, b"slow down", "text/plain",
                              {"Retry-After": site.retry_after})
                else:
                    self.send(200, pages["/www/nation/2019/01/103_261548.html"])
            elif path == "/flaky.html":
                if n <= 2:
                    self.send(503, b"try later", "text/plain")
                else:
                    self.send(200, _seed_html(ROOT / "seeds" / "000_565ea5bced93b1ee.txt",
                                              "Back again"))
            elif path == "/gzip.html":
                self.send(200, gzip.compress(pages["/www/nation/2019/01/103_261549.html"]),
                          headers={"Content-Encoding": "gzip"})
            elif path == "/br.html":
                import brotli

                self.send(200, brotli.compress(pages["/www/nation/2019/01/103_261550.html"]),
                          headers={"Content-Encoding": "br"})
            elif path == "/redirect/1":
                self.redirect("/redirect/2")
            elif path == "/redirect/2":
                self.redirect(f"{base}/redirect/3", 302)
            elif path == "/redirect/3":
                self.redirect("/www/nation/2019/01/103_261553.html", 307)
            elif path == "/elsewhere":
                self.redirect(site.away, 302)
            elif path == "/loop/a":
                self.redirect("/loop/b")
            elif path == "/loop/b":
                self.redirect("/loop/a")
            elif path == "/slow.html":
                time.sleep(site.slow_seconds)
                self.send(200, b"<html><body>late</body></html>")
            elif path == "/big.html":  # no Content-Length: the cap must hold while reading
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>" + b"x" * 1000 + b"</p>\n"
                for _ in range(site.big_bytes // len(chunk) + 1):
                    try:
                        self.wfile.write(chunk)
                    except OSError:
                        break
                self.close_connection = True
            elif path == "/dropped.html":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "10000")
                self.end_headers()
                self.wfile.write(b"<html><body><p>only the beginning")
                self.wfile.flush()
                self.close_connection = True
            elif path == "/doc.pdf":
                self.send(200, b"%PDF-1.4\n" + b"0" * 50_000, "application/pdf")
            elif path == "/etag.html":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send(200, _seed_html(ROOT / "seeds" / "003_67df4e5bb0c6f5bf.txt",
                                              "Tagged"), headers={"ETag": '"v1"'})
            else:
                self.send(404, b"<html><body>not here</body></html>")

    return Handler


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (a timeout, a size cap): expected here


class running:
    """``with running(Site()) as site:`` serves the site on 127.0.0.1 (a free port)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.server = _Server(("127.0.0.1", 0), make_handler(site))
        site.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self.site

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
