"""One HTTP exchange, bounded: the request sent, the response read (or why it failed).

The client is urllib3 (already installed with trafilatura): thread-safe connection pools per
host, separate connect and read timeouts, and gzip, deflate, br (with ``brotli``) and zstd
(with ``zstandard``) content decoding. Measured against a loopback server (100 KB pages, one
thread): urllib3 1,700-1,900 requests/s, httpx 600-1,400 (and 120 ms more to import),
``http.client`` 3,800-4,200 but without pools, decoding or a way to bound a body; urllib3 is
eight times the 200 pages/s the fetch bench asks for. Redirects and retries are not left to
urllib3: each hop is its own exchange, archived and paced like any other request, and each
retry waits its turn at its host (see :mod:`.crawl`).

Every failure is a :class:`FetchError` with a reason code (``timeout``, ``connection``,
``truncated``, ``too-large``, ``bad-url``, ...) and one line of explanation.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: Body bytes read at a time.
_CHUNK = 64 * 1024
#: The content types a page may have; anything else is not downloaded.
PAGE_MEDIA = ("text/html", "application/xhtml+xml", "text/plain")
#: What discovery documents (sitemaps, feeds) may be.
FEED_MEDIA = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
              "application/x-gzip", "application/gzip", "application/octet-stream",
              "application/rdf+xml", "application/feed+json", "application/json", "text/plain",
              "text/html")


class FetchError(Exception):
    """A URL could not be fetched: ``reason`` is the code listed in ``_errors.ndjson``,
    ``retry`` whether trying again later may help."""

    def __init__(self, reason: str, problem: str, *, retry: bool = False,
                 status: int | None = None) -> None:
        super().__init__(problem)
        self.reason = reason
        self.problem = problem
        self.retry = retry
        self.status = status


@dataclass
class Exchange:
    """A request and its response: the request's first line and headers as sent, the
    response's status line and headers as received, its body (content encoding undone)."""

    url: str
    request_line: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    ip: str | None = None
    started: float = 0.0  # time.time() the request was sent
    seconds: float = 0.0
    #: the media type was not one asked for: the body was not read
    skipped_type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def accept_encoding() -> str:
    """The encodings this installation can undo (br and zstd only with their modules)."""
    codings = ["gzip", "deflate"]
    try:
        import brotli  # noqa: F401
        codings.append("br")
    except ImportError:
        pass
    try:
        import zstandard  # noqa: F401
        codings.append("zstd")
    except ImportError:
        pass
    return ", ".join(codings)


class Client:
    """A urllib3 pool manager with kt-clean's bounds: one per crawl, shared by its threads."""

    def __init__(self, *, user_agent: str, connect_timeout: float, read_timeout: float,
                 max_time: float, max_bytes: int, concurrency: int) -> None:
        import urllib3

        self._urllib3 = urllib3
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.max_time = max_time
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.pool = urllib3.PoolManager(num_pools=max(10, concurrency * 4),
                                        maxsize=max(1, concurrency), block=False,
                                        retries=False, timeout=self.timeout)
        self.accept_encoding = accept_encoding()

    def get(self, url: str, *, accept: tuple[str, ...] = PAGE_MEDIA,
            conditional: dict[str, str] | None = None) -> Exchange:
        """GET ``url`` once; raises :class:`FetchError`. A response of a media type not in
        ``accept`` is returned with ``skipped_type`` set and no body (it is not read)."""
        exc_mod = self._urllib3.exceptions
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad-url", "not an http or https URL")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        host = parts.netloc.rpartition("@")[2]
        headers = [("Host", host), ("User-Agent", self.user_agent),
                   ("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"
                    if accept is PAGE_MEDIA else
                    "application/xml,text/xml,application/rss+xml,application/atom+xml,"
                    "*/*;q=0.5"),
                   ("Accept-Encoding", self.accept_encoding), ("Connection", "keep-alive")]
        headers += list((conditional or {}).items())
        started = time.time()
        t0 = time.monotonic()
        response: Any = None
        complete = False
        try:
            response = self.pool.request(
                "GET", url, headers=dict(headers), preload_content=False, decode_content=True,
                redirect=False, retries=False, timeout=self.timeout)
            ip = _peer(response)
            status = int(response.status)
            got = [(str(k), str(v)) for k, v in response.headers.items()]
            exchange = Exchange(url=url, request_line=f"GET {target} HTTP/1.1",
                                request_headers=headers, status=status,
                                reason=str(response.reason or ""),
                                version="HTTP/1.0" if response.version == 10 else "HTTP/1.1",
                                headers=got, ip=ip, started=started)
            media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
            if 200 <= status < 300 and media and not media.startswith(accept):
                exchange.skipped_type = media
                return exchange
            declared = exchange.header("content-length")
            if declared and declared.strip().isdigit() and int(declared) > self.max_bytes \
                    and not exchange.header("content-encoding"):
                raise FetchError("too-large", f"the response is {int(declared):,} bytes; the "
                                 f"limit is {self.max_bytes:,} (see --max-bytes)",
                                 status=status)
            exchange.body = self._read_body(response, t0)
            complete = True
            exchange.seconds = time.monotonic() - t0
            return exchange
        except FetchError:
            raise
        except exc_mod.LocationParseError as exc:
            raise FetchError("bad-url", f"bad URL: {exc}") from None
        except exc_mod.ConnectTimeoutError:
            raise FetchError("timeout", "timed out connecting (see --connect-timeout)",
                             retry=True) from None
        except exc_mod.ReadTimeoutError:
            raise FetchError("timeout", "timed out waiting for the response (see --timeout)",
                             retry=True) from None
        except exc_mod.NewConnectionError as exc:
            raise FetchError("connection", f"cannot connect: {_cause(exc)}", retry=True) from None
        except exc_mod.NameResolutionError as exc:
            raise FetchError("connection", f"unknown host: {_cause(exc)}", retry=True) from None
        except exc_mod.SSLError as exc:
            raise FetchError("tls", f"TLS error: {_cause(exc)}") from None
        except exc_mod.DecodeError as exc:
            raise FetchError("undecodable", f"the content encoding does not decode: "
                                            f"{_cause(exc)}") from None
        except (exc_mod.ProtocolError, exc_mod.IncompleteRead) as exc:
            text = _cause(exc)
            m = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more", text)
            if m:
                done, more = int(m.group(1)), int(m.group(2))
                raise FetchError("truncated", f"the connection closed after {done:,} of "
                                              f"{done + more:,} bytes", retry=True) from None
            if "IncompleteRead" in text or "Connection broken" in text:
                raise FetchError("truncated", "the connection closed before the whole "
                                              f"response came: {text}", retry=True) from None
            raise FetchError("connection", f"connection error: {text}", retry=True) from None
        except exc_mod.HTTPError as exc:
            raise FetchError("connection", f"HTTP error: {_cause(exc)}", retry=True) from None
        except OSError as exc:
            raise FetchError("connection", f"connection error: {exc.strerror or exc}",
                             retry=True) from None
        finally:
            if response is not None:
                _let_go(response, complete)

    def _read_body(self, response: Any, t0: float) -> bytes:
        parts: list[bytes] = []
        size = 0
        for chunk in response.stream(_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError("too-large", f"the response is over {self.max_bytes:,} bytes "
                                              "(see --max-bytes)")
            parts.append(chunk)
            if self.max_time and time.monotonic() - t0 > self.max_time:
                raise FetchError("timeout", f"the response took over {self.max_time:g} s "
                                            "(see --max-time)", retry=True)
        return b"".join(parts)

    def close(self) -> None:
        self.pool.clear()


def _peer(response: Any) -> str | None:
    """The server's IP address, where urllib3 lets it be seen."""
    try:
        sock = response.connection.sock
        return str(sock.getpeername()[0])
    except (AttributeError, OSError, IndexError, TypeError):
        return None


def _let_go(response: Any, complete: bool) -> None:
    """Give the connection back: reused when the body was read to its end, closed otherwise
    (a body left unread would be read as the next response)."""
    try:
        if not complete:
            response.close()
        response.release_conn()
    except Exception:  # a connection already gone
        pass


def _cause(exc: BaseException) -> str:
    text = str(exc)
    reason = getattr(exc, "reason", None)
    if reason is not None and str(reason):
        text = str(reason)
    return " ".join(text.split())[:300]
