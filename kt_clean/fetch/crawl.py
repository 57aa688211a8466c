"""The crawl: what to fetch, when, and what becomes of each URL.

One loop in the caller's thread decides; worker threads only talk HTTP (and parse what came
back). The loop keeps, per host (``host:port``):

- a queue of URLs, the time its next request may start, and the number in flight. With a
  rate (``rate`` requests per second, default 1) or a robots ``Crawl-delay`` /
  ``Request-rate``, one request at a time, each sent at least the interval (the largest of
  the three) after the previous response came back; ``rate=0`` and no robots delay: as
  many as the crawl's ``concurrency``. Hosts are fetched in parallel, up to
  ``concurrency`` requests.
- its ``robots.txt``, fetched before anything else of the host and read with Protego
  (RFC 9309: a 4xx means no rules, an unreachable file or a 5xx means the host is closed).
  A URL it disallows is skipped (``robots``) and never requested.

What becomes of a URL: a page (2xx, HTML or text) is written to the archive and handed to
the caller; a redirect is written, and its target queued as its own request (paced at its
own host, checked by its own robots.txt) until ``max_redirects`` or a loop; a ``304 Not
Modified`` answer to a conditional request is written as a ``revisit``; a 429 or 5xx, a
connection error, a timeout or a body cut short is retried up to ``retries`` times, waiting
``backoff * 2**attempt`` seconds (with jitter) or what ``Retry-After`` asks (up to
``max_retry_after``; a 429/503's wait holds back its whole host); other media types are
skipped (``content-type``) without reading their bodies; anything else is a failure with its
reason. Links of fetched pages that match a ``follow`` pattern, on the seeds' hosts (unless
``span_hosts``), are queued one level deeper, up to ``max_depth``; ``max_pages`` caps the
URLs taken in.
"""

from __future__ import annotations

import os
import queue
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

from .._version import __version__
from ..inputs.warc import WebPage, charset_of, media_type
from ..limits import MAX_BYTES_DEFAULT
from .archive import (
    ArchiveError,
    Stored,
    Writer,
    exchange_records,
    json_line,
    list_archives,
    read_payload,
    scan,
    truncate,
)
from .discover import host_of, links, normalise, read_feed, read_sitemap, site_of
from .http import FEED_MEDIA, PAGE_MEDIA, Client, Exchange, FetchError

#: Where the default User-Agent sends a site owner who wants to know who is crawling.
PROJECT_URL = "https://pypi.org/project/kt-clean/"
#: How many sitemaps an index may lead to, and how deep.
MAX_SITEMAPS = 10_000
MAX_SITEMAP_DEPTH = 4

#: Why a URL failed: the ``reason`` of an ``_errors.ndjson`` line.
FAILURE_REASONS = {
    "http": "the server answered with an error status (4xx, 5xx after the retries)",
    "timeout": "no answer within --connect-timeout / --timeout / --max-time",
    "connection": "the connection failed (refused, reset, unknown host)",
    "truncated": "the connection closed before the whole response came",
    "too-large": "the response is over --max-bytes",
    "redirect-loop": "the redirects come back to a URL of the chain",
    "too-many-redirects": "more redirects than --max-redirects",
    "bad-redirect": "a redirect without a usable Location",
    "bad-url": "not an http(s) URL",
    "robots-unreachable": "the site's robots.txt could not be fetched (RFC 9309: the site "
                          "is then treated as closed)",
    "tls": "the TLS handshake failed",
    "undecodable": "the content encoding does not decode",
    "bad-sitemap": "a sitemap or feed that cannot be read",
    "internal": "a bug in kt-clean (please report it)",
}
#: Why a URL was skipped: the ``reason`` of a ``_skipped.ndjson`` line (no failure).
SKIP_REASONS = {
    "robots": "robots.txt disallows it",
    "content-type": "not HTML or text (a PDF, an image, ...): its body is not downloaded",
}


def default_user_agent(contact: str | None = None) -> str:
    """``kt-clean/VERSION (+PROJECT_URL; contact)``: who is crawling and whom to ask."""
    extra = f"; {contact}" if contact else ""
    return f"kt-clean/{__version__} (+{PROJECT_URL}{extra})"


@dataclass(frozen=True)
class FetchOptions:
    """What to fetch and how; see ``kt-clean fetch -h`` and ``docs/fetch.md``.

    ``output``: a ``.warc.gz`` file (appended to; what it holds is not fetched again), a
    folder (rotating ``.warc.gz`` files, ``rotate_size`` bytes each), ``"-"`` for the
    ``stream`` given to :class:`Crawl`, or ``None`` (nothing written).
    """

    urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    max_pages: int | None = None
    max_depth: int = 1
    span_hosts: bool = False
    output: str | None = None
    rotate_size: int = 1_000_000_000
    rate: float = 1.0
    concurrency: int = 8
    user_agent: str | None = None
    contact: str | None = None
    robots: bool = True
    connect_timeout: float = 10.0
    timeout: float = 30.0
    max_time: float = 120.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 600.0
    max_redirects: int = 10
    max_bytes: int = MAX_BYTES_DEFAULT
    force: bool = False

    @property
    def agent(self) -> str:
        return self.user_agent or default_user_agent(self.contact)


@dataclass
class FetchSummary:
    """What a crawl did; ``to_dict`` is the ``--report`` JSON."""

    queued: int = 0
    requests: int = 0
    pages: int = 0
    unchanged: int = 0
    redirects: int = 0
    archived: int = 0
    failed: int = 0
    skipped: int = 0
    over_max_pages: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    skips: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    retries: int = 0
    wall_seconds: float = 0.0
    interrupted: bool = False
    archives: list[str] = field(default_factory=list)
    errors_file: str | None = None
    skipped_file: str | None = None
    truncated_bytes: int = 0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "queued": self.queued, "requests": self.requests, "pages": self.pages,
            "unchanged": self.unchanged, "redirects": self.redirects,
            "already_archived": self.archived, "failed": self.failed,
            "skipped": self.skipped, "over_max_pages": self.over_max_pages,
            "failures": dict(sorted(self.failures.items())),
            "skips": dict(sorted(self.skips.items())), "bytes": self.bytes,
            "retries": self.retries, "wall_seconds": round(self.wall_seconds, 3),
            "pages_per_second": round(self.pages_per_second, 1),
            "interrupted": self.interrupted, "archives": list(self.archives),
            "errors_file": self.errors_file, "skipped_file": self.skipped_file,
            "cut_bytes_removed": self.truncated_bytes,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """A URL that was not fetched as a page: failed (``failed``) or skipped."""

    url: str
    reason: str
    error: str
    failed: bool
    status: int | None = None
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"url": self.url, "reason": self.reason, "error": self.error}
        if self.status is not None:
            data["status"] = self.status
        if self.origin is not None and self.origin != self.url:
            data["redirected_from"] = self.origin
        return data


# -- jobs and hosts --------------------------------------------------------------------------

@dataclass
class _Job:
    url: str
    kind: str  # page | sitemap | feed | robots | stored
    depth: int = 0
    origin: str = ""
    chain: tuple[str, ...] = ()
    attempt: int = 0
    not_before: float = 0.0
    sitemap_depth: int = 0
    stored: Stored | None = None
    started: float = 0.0  # when it was handed to a worker (time.monotonic())


_PENDING = object()


@dataclass
class _Host:
    key: str
    queue: deque[_Job] = field(default_factory=deque)
    next_time: float = 0.0
    in_flight: int = 0
    robots: Any = None  # None: not asked yet; _PENDING; a Protego; False: unreachable
    robots_problem: str = ""
    interval: float = 0.0
    #: the robots.txt job while it waits in the queue (a job put in front must not pass it)
    robots_job: _Job | None = None


@dataclass
class _Result:
    job: _Job
    exchange: Exchange | None = None
    error: FetchError | None = None
    records: bytes | None = None
    record_id: str = ""
    record_date: str = ""
    first_length: int = 0
    found_links: tuple[str, ...] = ()
    found_pages: tuple[str, ...] = ()
    found_sitemaps: tuple[str, ...] = ()
    robots: Any = None


class Crawl:
    """A crawl: iterate it for the pages fetched (:class:`WebPage`, in the order they
    come); ``summary`` says what it did. ``on_outcome`` is called with each failure and
    skip, ``on_progress`` after each response; ``stream`` is where ``output="-"`` writes.

    Interrupting the iteration (Ctrl-C, ``close()``) leaves the archive whole: every record
    is written by this thread in one piece.
    """

    def __init__(self, options: FetchOptions, *, stream: BinaryIO | None = None,
                 on_outcome: Callable[[Outcome], None] | None = None,
                 on_progress: Callable[[FetchSummary], None] | None = None) -> None:
        self.options = options
        self.summary = FetchSummary()
        self.on_outcome = on_outcome
        self.on_progress = on_progress
        self._stream = stream
        self._patterns = [re.compile(p) for p in options.follow]
        self._hosts: dict[str, _Host] = {}
        self._seen: set[str] = set()
        self._stored: dict[str, Stored] = {}
        self._seed_hosts: set[str] = set()
        self._writer: Writer | None = None
        self._errors: BinaryIO | None = None
        self._skipped: BinaryIO | None = None
        self._sitemaps_seen = 0
        self._page_jobs = 0
        self._random = random.Random()
        self._check()

    def _check(self) -> None:
        o = self.options
        if o.rate < 0 or o.concurrency < 1 or o.max_depth < 0 or o.retries < 0 or \
                o.max_redirects < 0 or o.max_bytes < 1:
            raise ValueError("rate, max_depth, retries and max_redirects must not be negative; "
                             "concurrency and max_bytes at least 1")
        if o.output is not None and o.output != "-" and not o.output.endswith(".warc.gz") \
                and (o.output.endswith(".warc") or os.path.isfile(o.output)):
            raise ArchiveError(f"{o.output}: the output is a .warc.gz file (one gzip member "
                               "per record, so that a cut file stays readable), a folder, or -")

    # -- set-up ------------------------------------------------------------------------------

    def _open_output(self) -> None:
        o = self.options
        info = {"software": f"kt-clean/{__version__}", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                              "warc-format/warc-1.1/",
                "http-header-user-agent": o.agent,
                "robots": "obey" if o.robots else "ignore",
                "description": "pages fetched by kt-clean fetch"}
        if o.output is None:
            return
        if o.output == "-":
            stream = self._stream
            if stream is None:
                import sys

                stream = sys.stdout.buffer
            self._writer = Writer(stream, info=info)
            return
        folder = not o.output.endswith(".warc.gz")
        if folder:
            try:
                os.makedirs(o.output, exist_ok=True)
            except OSError as exc:
                raise ArchiveError(f"{o.output}: cannot create the folder: "
                                   f"{exc.strerror or exc}") from None
            archives = list_archives(o.output)
            errors = os.path.join(o.output, "_errors.ndjson")
            skipped = os.path.join(o.output, "_skipped.ndjson")
        else:
            head = os.path.dirname(os.path.abspath(o.output))
            if not os.path.isdir(head):
                raise ArchiveError(f"{o.output}: no such folder {head}")
            archives = [o.output] if os.path.exists(o.output) and \
                os.path.getsize(o.output) > 0 else []
            stem = os.path.basename(o.output)[:-len(".warc.gz")] or "archive"
            errors = os.path.join(head, f"{stem}.errors.ndjson")
            skipped = os.path.join(head, f"{stem}.skipped.ndjson")
        for path in archives:
            entries, good, cut = scan(path)
            if cut:
                truncate(path, good)
                self.summary.truncated_bytes += cut
            for entry in entries:
                if entry.offset < 0 and entry.url in self._stored:
                    continue  # a revisit: the response it refers to stays what is held
                self._stored[entry.url] = entry
        self._errors = _open_list(errors)
        self._skipped = _open_list(skipped)
        self.summary.errors_file = errors
        self.summary.skipped_file = skipped
        self._writer = Writer(o.output, folder=folder, rotate_size=o.rotate_size, info=info)

    # -- the loop ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[WebPage]:
        return self._run()

    def _run(self) -> Iterator[WebPage]:
        t0 = time.monotonic()
        o = self.options
        client = Client(user_agent=o.agent, connect_timeout=o.connect_timeout,
                        read_timeout=o.timeout, max_time=o.max_time, max_bytes=o.max_bytes,
                        concurrency=o.concurrency)
        jobs: queue.Queue[_Job | None] = queue.Queue()
        results: queue.Queue[_Result] = queue.Queue()
        threads = [threading.Thread(target=self._worker, args=(client, jobs, results),
                                    daemon=True, name=f"kt-clean-fetch-{i}")
                   for i in range(o.concurrency)]
        in_flight = 0
        try:
            self._open_output()
            if self._writer is not None:
                self.summary.archives = self._writer.paths
            for t in threads:
                t.start()
            self._seed()
            while True:
                now = time.monotonic()
                wake = None
                while in_flight < o.concurrency:
                    job, wake = self._next_job(now)
                    if job is None:
                        break
                    jobs.put(job)
                    in_flight += 1
                if in_flight == 0 and wake is None:
                    self._left_behind()
                    break
                timeout = 0.5 if wake is None else max(0.0, min(0.5, wake - now))
                try:
                    result = results.get(timeout=timeout)
                except queue.Empty:
                    continue
                in_flight -= 1
                host = self._hosts[host_of(result.job.url)]
                host.in_flight -= 1
                page = self._handle(result, host)
                # The pause is counted from the end of the response: the server then sees
                # at least the interval between one request and the next, however long
                # either took to arrive.
                host.next_time = max(host.next_time, time.monotonic() + host.interval)
                if self.on_progress is not None:
                    self.on_progress(self.summary)
                if page is not None:
                    yield page
        except (KeyboardInterrupt, GeneratorExit):
            self.summary.interrupted = True
            raise
        finally:
            for _ in threads:
                jobs.put(None)
            if self._writer is not None:
                self._writer.close()
            for f in (self._errors, self._skipped):
                if f is not None:
                    with _quiet():
                        f.close()
            client.close()
            self.summary.wall_seconds = time.monotonic() - t0

    def _worker(self, client: Client, jobs: queue.Queue[_Job | None],
                results: queue.Queue[_Result]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                result = self._work(client, job)
            except FetchError as exc:
                result = _Result(job, error=exc)
            except Exception as exc:  # a bug must not kill the thread: it is reported
                result = _Result(job, error=FetchError(
                    "internal", f"internal error: {type(exc).__name__}: {exc}"))
            results.put(result)

    # -- seeds and the frontier ----------------------------------------------------------

    def _seed(self) -> None:
        o = self.options
        for url in o.urls:
            self._add(url, "page", 0, seed=True)
        for url in o.sitemaps:
            self._add(url, "sitemap", 0, seed=True)
        for url in o.feeds:
            self._add(url, "feed", 0, seed=True)

    def _add(self, raw: str, kind: str, depth: int, *, seed: bool = False,
             origin: str | None = None, chain: tuple[str, ...] = (), front: bool = False,
             sitemap_depth: int = 0) -> None:
        url = normalise(raw)
        if url is None:
            self._outcome(Outcome(raw.strip(), "bad-url", "not an http or https URL", True))
            return
        if seed:
            self._seed_hosts.add(host_of(url))
        key = f"{kind}:{url}" if kind in ("sitemap", "feed") else url
        if key in self._seen:
            return
        if kind == "page" and not chain:
            if self.options.max_pages is not None and \
                    self._page_jobs >= self.options.max_pages:
                self.summary.over_max_pages += 1
                return
            self._page_jobs += 1
        self._seen.add(key)
        stored = self._stored.get(url) if kind == "page" else None
        job = _Job(url, kind, depth, origin or url, chain, sitemap_depth=sitemap_depth,
                   stored=stored)
        if stored is not None and not self.options.force:
            self._resume(job, stored)
            return
        if kind == "page":
            self.summary.queued += 1
        host = self._host(url)
        if front:
            host.queue.appendleft(job)
        else:
            host.queue.append(job)

    def _resume(self, job: _Job, stored: Stored) -> None:
        """A URL the archive holds: not fetched again; its redirect is still followed, and
        (with ``follow``) its links, read back from the archive."""
        self.summary.archived += 1
        if stored.location and stored.status is not None and 300 <= stored.status < 400:
            target = normalise(stored.location, stored.url)
            if target is not None and target not in (*job.chain, job.url):
                self._add(target, "page", job.depth, origin=job.origin,
                          chain=(*job.chain, job.url))
            return
        if stored.page and self._patterns and job.depth < self.options.max_depth:
            host = self._host(job.url)
            host.queue.appendleft(_Job(job.url, "stored", job.depth, job.origin,
                                       stored=stored))

    def _host(self, url: str) -> _Host:
        key = host_of(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(key)
            rate = self.options.rate
            host.interval = 1.0 / rate if rate > 0 else 0.0
            if self.options.robots:
                host.robots = _PENDING
                host.robots_job = _Job(site_of(url) + "/robots.txt", "robots")
                host.queue.append(host.robots_job)
        return host

    def _next_job(self, now: float) -> tuple[_Job | None, float | None]:
        """The next job whose host may be asked now, or ``None`` and when one may be."""
        wake: float | None = None
        for host in list(self._hosts.values()):
            while host.queue:
                job = host.queue[0]
                if job.kind == "stored":  # no request: read back from the archive
                    host.queue.popleft()
                    host.in_flight += 1
                    return job, None
                if host.robots is _PENDING and job.kind != "robots":
                    if host.robots_job is not None:  # queued behind a job put in front
                        host.queue.remove(host.robots_job)
                        host.queue.appendleft(host.robots_job)
                        continue
                    break  # waits for its robots.txt (in flight)
                limit = 1 if host.interval > 0 else self.options.concurrency
                if host.in_flight >= limit:
                    break
                ready = max(host.next_time, job.not_before)
                if ready > now:
                    wake = ready if wake is None else min(wake, ready)
                    break
                host.queue.popleft()
                if job.kind == "robots":
                    host.robots_job = None
                elif not self._allowed(job, host):
                    continue  # never asked: the next URL of the host may go now
                host.in_flight += 1
                host.next_time = now + host.interval
                job.started = now
                self.summary.requests += 1
                return job, None
        if wake is None and any(h.in_flight for h in self._hosts.values()):
            wake = now + 0.5
        return None, wake

    def _left_behind(self) -> None:
        """No URL may stay queued when the crawl ends: one that could not be sent (a bug)
        is a failure, never a silent loss."""
        for host in self._hosts.values():
            while host.queue:
                job = host.queue.popleft()
                if job.kind not in ("robots", "stored"):
                    self._fail(job, "internal", "left in the queue when the crawl ended "
                                                "(a bug in kt-clean; please report it)")

    def _allowed(self, job: _Job, host: _Host) -> bool:
        if host.robots is None or host.robots is _PENDING:
            return True
        if host.robots is False:
            self._fail(job, "robots-unreachable", host.robots_problem)
            return False
        if not host.robots.can_fetch(job.url, self.options.agent):
            self._outcome(Outcome(job.url, "robots", "robots.txt disallows it", False,
                                  origin=job.origin))
            return False
        return True

    # -- in a worker thread ------------------------------------------------------------------

    def _work(self, client: Client, job: _Job) -> _Result:
        o = self.options
        if job.kind == "robots":
            return self._robots(client, job)
        if job.kind == "stored":
            assert job.stored is not None
            payload = read_payload(job.stored, o.max_bytes)
            found = tuple(self._followable(payload, job)) if payload else ()
            return _Result(job, found_links=found)
        if job.kind in ("sitemap", "feed"):
            exchange = client.get(job.url, accept=FEED_MEDIA)
            result = _Result(job, exchange=exchange)
            if 200 <= exchange.status < 300 and exchange.skipped_type is None:
                try:
                    listed = (read_sitemap if job.kind == "sitemap" else read_feed)(
                        exchange.body, job.url)
                except ValueError as exc:
                    raise FetchError("bad-sitemap", f"cannot read the {job.kind}: {exc}",
                                     status=exchange.status) from None
                result.found_pages = listed.pages
                result.found_sitemaps = listed.sitemaps
            return result
        conditional = None
        if job.stored is not None and o.force:
            conditional = {}
            if job.stored.etag:
                conditional["If-None-Match"] = job.stored.etag
            if job.stored.last_modified:
                conditional["If-Modified-Since"] = job.stored.last_modified
        exchange = client.get(job.url, accept=PAGE_MEDIA, conditional=conditional or None)
        result = _Result(job, exchange=exchange)
        status = exchange.status
        archive = self._writer is not None
        keep = exchange.skipped_type is None and (
            200 <= status < 300 or (300 <= status < 400 and status != 304))
        if status == 304 and job.stored is not None and job.stored.payload_digest:
            if archive:
                data, first, rid, date = exchange_records(exchange, self._warcinfo(),
                                                          revisit_of=job.stored)
                result.records, result.first_length = data, first
                result.record_id, result.record_date = rid, date
        elif keep and archive:
            data, first, rid, date = exchange_records(exchange, self._warcinfo())
            result.records, result.first_length = data, first
            result.record_id, result.record_date = rid, date
        if keep and 200 <= status < 300 and self._patterns and job.depth < o.max_depth:
            result.found_links = tuple(self._followable(exchange.body, job))
        return result

    def _warcinfo(self) -> str | None:
        return self._writer.warcinfo_id if self._writer is not None else None

    def _followable(self, body: bytes, job: _Job) -> Iterator[str]:
        for link in links(body, job.url):
            if not any(p.search(link) for p in self._patterns):
                continue
            if not self.options.span_hosts and host_of(link) not in self._seed_hosts:
                continue
            yield link

    def _robots(self, client: Client, job: _Job) -> _Result:
        from protego import Protego

        url = job.url
        for _ in range(5):  # robots.txt may redirect (http -> https, a www host)
            exchange = client.get(url, accept=("text/", "application/"))
            if 300 <= exchange.status < 400 and exchange.header("location"):
                target = normalise(exchange.header("location") or "", url)
                if target is None:
                    break
                url = target
                continue
            break
        result = _Result(job, exchange=exchange)
        if 200 <= exchange.status < 300:
            text = exchange.body[:512 * 1024].decode(
                charset_of(exchange.header("content-type")) or "utf-8", "replace")
            result.robots = Protego.parse(text)
        elif 400 <= exchange.status < 500 and exchange.status != 429:
            result.robots = Protego.parse("")  # no robots.txt: no rules
        elif 300 <= exchange.status < 400:
            result.robots = Protego.parse("")
        else:
            raise FetchError("http", f"robots.txt: HTTP {exchange.status}", retry=True,
                             status=exchange.status)
        return result

    # -- back in the loop ----------------------------------------------------------------

    def _handle(self, result: _Result, host: _Host) -> WebPage | None:
        job = result.job
        o = self.options
        if job.kind == "stored":
            for link in result.found_links:
                self._add(link, "page", job.depth + 1, origin=link)
            return None
        if result.error is not None:
            self._retry_or_fail(job, host, result.error)
            return None
        exchange = result.exchange
        assert exchange is not None
        self.summary.bytes += len(exchange.body)
        if job.kind == "robots":
            host.robots = result.robots
            if o.robots and result.robots is not None:
                delay = result.robots.crawl_delay(o.agent)
                rate = result.robots.request_rate(o.agent)
                wanted = [host.interval, float(delay or 0.0)]
                if rate is not None and rate.requests:
                    wanted.append(rate.seconds / rate.requests)
                host.interval = max(wanted)
            return None
        status = exchange.status
        if status == 429 or status >= 500:
            after = _retry_after(exchange.header("retry-after"))
            error = FetchError("http", f"HTTP {status} {exchange.reason}".strip(),
                               retry=True, status=status)
            if after is not None:
                if after > o.max_retry_after:
                    self._fail(job, "http", f"HTTP {status}: the server asks to wait "
                                            f"{after:g} s (more than {o.max_retry_after:g} s)",
                               status)
                    return None
                host.next_time = max(host.next_time, time.monotonic() + after)
            self._retry_or_fail(job, host, error, after)
            return None
        if job.kind in ("sitemap", "feed"):
            if not 200 <= status < 300:
                if 300 <= status < 400:
                    target = normalise(exchange.header("location") or "", job.url)
                    if target is not None and len(job.chain) < o.max_redirects and \
                            target not in job.chain:
                        self._add(target, job.kind, job.depth, chain=(*job.chain, job.url),
                                  sitemap_depth=job.sitemap_depth)
                        return None
                self._fail(job, "http", f"{job.kind}: HTTP {status}", status)
                return None
            for page in result.found_pages:
                self._add(page, "page", 0, seed=True)
            for sitemap in result.found_sitemaps:
                if job.sitemap_depth < MAX_SITEMAP_DEPTH and \
                        self._sitemaps_seen < MAX_SITEMAPS:
                    self._sitemaps_seen += 1
                    self._add(sitemap, "sitemap", 0, sitemap_depth=job.sitemap_depth + 1)
            return None
        if exchange.skipped_type is not None:
            self._outcome(Outcome(job.url, "content-type", f"not HTML or text "
                                  f"({exchange.skipped_type}); not downloaded", False,
                                  status=status, origin=job.origin))
            return None
        where = self._write(result)
        if 300 <= status < 400 and status != 304:
            self.summary.redirects += 1
            location = exchange.header("location")
            target = normalise(location, job.url) if location else None
            if target is None:
                self._fail(job, "bad-redirect", f"HTTP {status} without a usable Location "
                                                f"({location!r})", status)
            elif target in (*job.chain, job.url):
                self._fail(job, "redirect-loop", f"HTTP {status} back to {target} (the "
                                                 f"chain: {' -> '.join((*job.chain, job.url))})",
                           status)
            elif len(job.chain) + 1 > o.max_redirects:
                self._fail(job, "too-many-redirects", f"more than {o.max_redirects} redirects "
                                                      "(see --max-redirects)", status)
            else:
                self._add(target, "page", job.depth, origin=job.origin,
                          chain=(*job.chain, job.url), front=True)
            return None
        if status == 304:
            if job.stored is not None:
                self.summary.unchanged += 1
                return None
            self._fail(job, "http", "HTTP 304 to a request that was not conditional", status)
            return None
        if not 200 <= status < 300:
            self._fail(job, "http", f"HTTP {status} {exchange.reason}".strip(), status)
            return None
        self.summary.pages += 1
        for link in result.found_links:
            self._add(link, "page", job.depth + 1, origin=link)
        archive, offset = where if where is not None else (None, None)
        ctype = exchange.header("content-type")
        return WebPage(url=job.url, payload=exchange.body, status=status,
                       headers=tuple(exchange.headers), content_type=media_type(ctype),
                       charset=charset_of(ctype), date=result.record_date or None,
                       archive=archive, offset=offset, record_id=result.record_id or None)

    def _write(self, result: _Result) -> tuple[str, int] | None:
        if self._writer is None or result.records is None:
            return None
        return self._writer.write(result.records)

    def _retry_or_fail(self, job: _Job, host: _Host, error: FetchError,
                       after: float | None = None) -> None:
        o = self.options
        if error.retry and job.attempt < o.retries:
            wait = after if after is not None else o.backoff * (2 ** job.attempt) * (
                1 + self._random.random() / 2)
            job.attempt += 1
            job.not_before = time.monotonic() + wait
            self.summary.retries += 1
            host.queue.appendleft(job) if job.kind == "robots" else host.queue.append(job)
            return
        if job.kind == "robots":
            host.robots = False
            host.robots_problem = (f"robots.txt could not be fetched ({error.problem}); "
                                   "the site is treated as closed (RFC 9309)")
            return
        tries = f" (after {job.attempt + 1} tries)" if job.attempt else ""
        self._fail(job, error.reason, error.problem + tries, error.status)

    def _fail(self, job: _Job, reason: str, problem: str, status: int | None = None) -> None:
        self._outcome(Outcome(job.url, reason, problem, True, status=status,
                              origin=job.origin))

    def _outcome(self, outcome: Outcome) -> None:
        if outcome.failed:
            self.summary.failed += 1
            self.summary.failures[outcome.reason] += 1
            target = self._errors
        else:
            self.summary.skipped += 1
            self.summary.skips[outcome.reason] += 1
            target = self._skipped
        if target is not None:
            with _quiet():
                target.write(json_line(outcome.to_dict()))
                target.flush()
        if self.on_outcome is not None:
            self.on_outcome(outcome)


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` asks for (a number of seconds, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
        return max(0.0, seconds) if seconds == seconds else None
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _open_list(path: str) -> BinaryIO:
    try:
        return open(path, "wb")
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot write: {exc.strerror or exc}") from None


class _quiet:
    """Suppress write errors of the side lists (a full disk stops nothing)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, value: Any, tb: Any) -> bool:
        return kind is not None and issubclass(kind, (OSError, ValueError))
