"""The pieces of kt-clean fetch that need no server: URLs, sitemaps, feeds, links,
Retry-After, and the records of one exchange."""

import gzip
import io
import time
from email.utils import formatdate

import pytest

from kt_clean.fetch.archive import exchange_records
from kt_clean.fetch.crawl import _retry_after, default_user_agent
from kt_clean.fetch.discover import links, normalise, read_feed, read_sitemap
from kt_clean.fetch.http import Exchange
from kt_clean.inputs.warc import iter_pages, iter_records


@pytest.mark.parametrize("raw,expected", [
    ("HTTP://WWW.Example.COM:80/a#frag", "http://www.example.com/a"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/x?b=1&a=2", "https://example.com:8443/x?b=1&a=2"),
    ("/relative/path", None),
    ("mailto:someone@example.com", None),
    ("javascript:void(0)", None),
    ("http://example.com:99999/", None),
])
def test_one_spelling_per_url(raw, expected):
    assert normalise(raw) == expected


def test_relative_links_resolve_against_the_page_and_its_base():
    page = (b'<html><head><base href="https://cdn.example/news/"></head><body>'
            b'<a href="a.html">A</a><a href="/b.html#top">B</a><a href="a.html">again</a>'
            b'<a href="c.html" rel="nofollow">C</a><a href="mailto:x@y">mail</a>'
            b'<map><area href="d.html"></map></body></html>')
    assert list(links(page, "https://example.com/index.html")) == [
        "https://cdn.example/news/a.html", "https://cdn.example/b.html",
        "https://cdn.example/news/d.html"]


def test_sitemaps_indexes_gzip_and_text_lists():
    urlset = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/'
              b'0.9"><url><loc> https://example.com/a </loc></url><url><loc>/b</loc></url>'
              b'</urlset>')
    assert read_sitemap(gzip.compress(urlset), "https://example.com/s.xml.gz").pages == (
        "https://example.com/a", "https://example.com/b")
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             b'<loc>https://example.com/s1.xml</loc></sitemap></sitemapindex>')
    found = read_sitemap(index, "https://example.com/i.xml")
    assert found.sitemaps == ("https://example.com/s1.xml",) and found.pages == ()
    text = b"https://example.com/x\n\nhttps://example.com/y\n"
    assert read_sitemap(text, "https://example.com/s.txt").pages == (
        "https://example.com/x", "https://example.com/y")
    with pytest.raises(ValueError, match="no sitemap"):
        read_sitemap(b"<html><body>hi</body></html>", "https://example.com/")


def test_an_xml_bomb_or_an_external_entity_is_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]><urlset><url><loc>'
            b'https://example.com/&lol2;&xxe;</loc></url></urlset>')
    pages = read_sitemap(bomb, "https://example.com/").pages
    assert all("root:" not in p and "lollol" not in p for p in pages)


def test_feeds_rss_atom_and_rdf():
    rss = (b'<rss version="2.0"><channel><item><title>a</title><link>https://example.com/1'
           b'</link></item><item><guid isPermaLink="true">https://example.com/2</guid></item>'
           b'</channel></rss>')
    assert read_feed(rss, "https://example.com/rss").pages == (
        "https://example.com/1", "https://example.com/2")
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="enclosure" '
            b'href="https://example.com/x.mp3"/><link href="https://example.com/3"/></entry>'
            b'</feed>')
    assert read_feed(atom, "https://example.com/atom").pages == ("https://example.com/3",)
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           b'xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://example.com/4">'
           b"<title>t</title><link>https://example.com/4</link></item></rdf:RDF>")
    assert read_feed(rdf, "https://example.com/rdf").pages == ("https://example.com/4",)


def test_retry_after_in_seconds_or_as_a_date():
    assert _retry_after("120") == 120.0
    assert _retry_after("") is None and _retry_after("soon") is None
    later = _retry_after(formatdate(time.time() + 60, usegmt=True))
    assert later is not None and 55 < later <= 61
    assert _retry_after(formatdate(time.time() - 60, usegmt=True)) == 0.0


def test_the_default_user_agent_names_kt_clean_and_a_contact():
    agent = default_user_agent("me@example.org")
    assert agent.startswith("kt-clean/") and "me@example.org" in agent and "+https://" in agent


def test_one_exchange_is_a_response_and_its_request_each_in_its_own_gzip_member():
    body = "<html><body><p>서울</p></body></html>".encode()
    exchange = Exchange(url="https://example.com/a", request_line="GET /a HTTP/1.1",
                        request_headers=[("Host", "example.com"), ("User-Agent", "kt-clean/1")],
                        status=200, reason="OK", version="HTTP/1.1",
                        headers=[("Content-Type", "text/html; charset=utf-8"),
                                 ("Content-Encoding", "gzip"), ("Content-Length", "31")],
                        body=body, ip="127.0.0.1", started=1_550_734_500.25)
    data, first, record_id, date = exchange_records(exchange, None)
    assert data[:2] == b"\x1f\x8b" and data[first:first + 2] == b"\x1f\x8b"
    assert date == "2019-02-21T07:35:00.250000Z"
    response, request = list(iter_records(io.BytesIO(data), "x"))
    assert response.headers["warc-record-id"] == record_id
    assert response.headers["warc-ip-address"] == "127.0.0.1"
    assert request.headers["warc-concurrent-to"] == record_id
    head = response.block.split(b"\r\n\r\n")[0].decode()
    assert "X-Crawler-Content-Encoding: gzip" in head and "X-Crawler-Content-Length: 31" in head
    assert f"Content-Length: {len(body)}" in head
    [page] = iter_pages(io.BytesIO(data), "x")
    assert page.payload == body and page.charset == "utf-8"
