"""Fetching pages politely into WARC archives: the library behind ``kt-clean fetch``.

    >>> import kt_clean
    >>> for page in kt_clean.fetch(["https://www.koreatimes.co.kr/..."],
    ...                            output="pages.warc.gz"):   # doctest: +SKIP
    ...     art = kt_clean.extract(page)

- :mod:`.crawl`: the crawl loop (per-host pacing, robots.txt, retries, redirects, following
  links), :class:`FetchOptions`, :class:`FetchSummary`
- :mod:`.http`: one bounded HTTP exchange (urllib3)
- :mod:`.archive`: the WARC records written (warcio), and what an archive already holds
- :mod:`.discover`: URLs normalised, sitemaps and feeds read, links found

Nothing here is imported with ``kt_clean``: the HTTP client, warcio and Protego load when a
crawl starts. See ``docs/fetch.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .crawl import Crawl, FetchOptions, FetchSummary, Outcome

__all__ = ["Crawl", "FetchOptions", "FetchSummary", "Outcome", "fetch"]


def fetch(urls: Iterable[str] | str = (), *, sitemaps: Iterable[str] = (),
          feeds: Iterable[str] = (), follow: Iterable[str] = (), output: str | None = None,
          **options: Any) -> Crawl:
    """Fetch pages politely: iterate the result for each page fetched (a
    :class:`~kt_clean.inputs.warc.WebPage`; ``kt_clean.extract(page)`` cleans it); its
    ``summary`` then says what was fetched, skipped and failed.

    ``urls`` (one URL or several), ``sitemaps`` and ``feeds`` say where to start,
    ``follow`` (regular expressions) which links of fetched pages to fetch too. With
    ``output`` (a ``.warc.gz`` file, a folder, or ``"-"`` for stdout) every fetch is
    archived, and what the archive holds already is not fetched again. Other keywords are
    the fields of :class:`~kt_clean.fetch.crawl.FetchOptions` (``rate=1.0``,
    ``max_pages``, ``max_depth=1``, ``user_agent``, ``robots=True``, ``timeout=30``, ...).
    """
    from .crawl import Crawl, FetchOptions

    seeds = (urls,) if isinstance(urls, str) else tuple(urls)
    opts = FetchOptions(urls=seeds, sitemaps=tuple(sitemaps), feeds=tuple(feeds),
                        follow=tuple(follow), output=output, **options)
    return Crawl(opts)


def __getattr__(name: str) -> object:
    if name in ("Crawl", "FetchOptions", "FetchSummary", "Outcome"):
        from . import crawl

        return getattr(crawl, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
