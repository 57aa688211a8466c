"""kt-clean fetch against a site served on 127.0.0.1 (tests/fetch_site.py): what is fetched
and what is not, the spacing of requests, every failure with its reason, a valid and
complete archive, resuming after kill -9, and extract on the archive as on saved files."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from fetch_site import ARTICLE_IDS, KOREAN, Site, running
from typer.testing import CliRunner

import kt_clean
from conftest import ROOT
from kt_clean.cli import app
from kt_clean.fetch import Crawl, FetchOptions
from kt_clean.inputs.warc import iter_records

CLI = [sys.executable, "-c", "from kt_clean.cli import main; main()"]
WARCIO = [sys.executable, "-c", "from warcio.cli import main; main()"]
runner = CliRunner()

#: What the tests ask of a crawl: fast, but polite in form (robots.txt, a crawl delay).
FAST = {"rate": 50.0, "timeout": 0.3, "connect_timeout": 2.0, "backoff": 0.02, "retries": 2,
        "max_bytes": 200_000, "concurrency": 4}


def article_path(i):
    return f"/www/nation/2019/01/103_{i}.html"


def records(path):
    with open(path, "rb") as f:
        return list(iter_records(f, str(path)))


def responses(path):
    return [r for r in records(path) if r.type == "response"]


def warcio_check(path):
    return subprocess.run([*WARCIO, "check", str(path)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One polite crawl of the whole site: seeds, a sitemap index, a feed, links followed."""
    out = tmp_path_factory.mktemp("crawl")
    site = Site(crawl_delay=0.05, slow_seconds=0.6)
    with running(site):
        b = site.base
        seeds = [f"{b}{p}" for p in ("/euckr.html", "/busy.html", "/flaky.html", "/gzip.html",
                                     "/br.html", "/redirect/1", "/loop/a", "/slow.html",
                                     "/big.html", "/dropped.html", "/doc.pdf", "/nothere",
                                     "/private/x.html")]
        options = FetchOptions(urls=tuple(seeds), sitemaps=(f"{b}/sitemap_index.xml",),
                               feeds=(f"{b}/rss.xml",), follow=(r"/www/nation/",),
                               output=str(out / "site.warc.gz"), **FAST)
        outcomes = []
        crawl = Crawl(options, on_outcome=outcomes.append)
        pages = list(crawl)
    return {"site": site, "out": out, "archive": out / "site.warc.gz", "pages": pages,
            "outcomes": outcomes, "summary": crawl.summary, "base": b}


def test_robots_txt_is_asked_first_and_its_rules_decide(crawled):
    site, base = crawled["site"], crawled["base"]
    paths = site.paths()
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    agents = {h.headers["user-agent"] for h in site.hits}
    assert len(agents) == 1 and agents.pop().startswith("kt-clean/")
    assert not [p for p in paths if p.startswith("/private/")]  # never requested
    skipped = [json.loads(line) for line in
               (crawled["out"] / "site.skipped.ndjson").read_text().splitlines()]
    robots = {s["url"] for s in skipped if s["reason"] == "robots"}
    assert robots == {f"{base}/private/x.html", f"{base}/private/secret.html"}


def test_requests_to_a_host_are_spaced_by_its_crawl_delay(crawled):
    hits = crawled["site"].hits
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    # Crawl-delay 0.05 s beats --rate 50 (0.02 s). The pause runs from the end of one
    # response to the next request, so the server sees it whatever the delays on the way
    # (the server and the crawler share one clock). Unpaced, gaps are ~1 ms.
    assert min(gaps) >= 0.05, min(gaps)


def test_pages_come_from_seeds_sitemap_index_feed_and_followed_links(crawled):
    base = crawled["base"]
    fetched = {p.url for p in crawled["pages"]}
    articles = {f"{base}{article_path(i)}" for i in ARTICLE_IDS}
    assert articles <= fetched  # sitemap (gzipped, in an index), feed and list links
    assert {f"{base}/www/nation/list.html", f"{base}/euckr.html", f"{base}/gzip.html",
            f"{base}/br.html", f"{base}/busy.html", f"{base}/flaky.html"} <= fetched
    assert f"{base}/www/nation/list2.html" in fetched  # linked from list.html, depth 1
    assert f"{base}{article_path(999)}" not in fetched  # depth 2: beyond --max-depth 1
    assert not any("elsewhere.invalid" in u or u.endswith("/about.html") for u in fetched)
    # each page fetched once, whichever way it was found
    assert sorted(crawled["site"].paths()).count(article_path(ARTICLE_IDS[0])) == 1


def test_every_failure_is_listed_with_its_reason(crawled):
    base = crawled["base"]
    errors = [json.loads(line) for line in
              (crawled["out"] / "site.errors.ndjson").read_text().splitlines()]
    by_url = {e["url"]: e for e in errors}
    assert {u: e["reason"] for u, e in by_url.items()} == {
        f"{base}/slow.html": "timeout",
        f"{base}/big.html": "too-large",
        f"{base}/dropped.html": "truncated",
        f"{base}/loop/b": "redirect-loop",
        f"{base}/nothere": "http",
    }
    assert by_url[f"{base}/nothere"]["status"] == 404
    assert by_url[f"{base}/loop/b"]["redirected_from"] == f"{base}/loop/a"
    assert "after 3 tries" in by_url[f"{base}/slow.html"]["error"]
    assert "of 10,000 bytes" in by_url[f"{base}/dropped.html"]["error"]
    summary = crawled["summary"]
    assert summary.failed == 5 and summary.failures["timeout"] == 1
    skipped = (crawled["out"] / "site.skipped.ndjson").read_text()
    assert f'"url": "{base}/doc.pdf", "reason": "content-type"' in skipped
    assert summary.skips == {"robots": 2, "content-type": 1}


def test_hosts_are_fetched_in_parallel_each_at_its_own_pace():
    one, two = Site(crawl_delay=0.15), Site(crawl_delay=0.15)
    with running(one), running(two):
        urls = [f"{site.base}{article_path(i)}" for i in ARTICLE_IDS[:4] for site in (one, two)]
        t0 = time.monotonic()
        pages = list(kt_clean.fetch(urls, rate=0))
        took = time.monotonic() - t0
    assert len(pages) == 8
    for site in (one, two):
        hits = [h.at for h in site.hits]
        assert min(b - a for a, b in itertools.pairwise(hits)) >= 0.15
    # the hosts overlap in time: together they take about as long as one
    assert two.hits[1].at < one.hits[-1].at and one.hits[1].at < two.hits[-1].at
    assert took < 0.15 * 8


def test_a_redirect_to_another_host_waits_for_that_hosts_robots_txt():
    one, two = Site(crawl_delay=0.0), Site(crawl_delay=0.0)
    with running(one), running(two):
        one.away = f"{two.base}{article_path(261549)}"
        crawl = kt_clean.fetch([f"{one.base}/elsewhere"], rate=0)  # two is met only here
        pages = list(crawl)
    assert [p.url for p in pages] == [one.away]
    assert two.paths() == ["/robots.txt", article_path(261549)]
    assert crawl.summary.redirects == 1 and crawl.summary.failed == 0


def test_429_waits_as_long_as_retry_after_and_a_503_is_retried_until_it_recovers(crawled):
    hits = crawled["site"].hits
    busy = [h.at for h in hits if h.path == "/busy.html"]
    assert len(busy) == 2 and busy[1] - busy[0] >= 0.95  # Retry-After: 1
    assert [h.path for h in hits].count("/flaky.html") == 3
    fetched = {p.url for p in crawled["pages"]}
    assert f"{crawled['base']}/flaky.html" in fetched


def test_the_archive_is_valid_warc_1_1_and_complete(crawled):
    archive = crawled["archive"]
    check = warcio_check(archive)
    assert check.returncode == 0, check.stdout + check.stderr
    index = subprocess.run([*WARCIO, "index", str(archive)], capture_output=True, text=True)
    assert index.returncode == 0
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    recs = records(archive)
    assert [(int(e["offset"]), e["warc-type"]) for e in entries] == [
        (r.offset, r.type) for r in recs]
    assert recs[0].type == "warcinfo" and b"kt-clean/" in recs[0].block
    assert all(r.version == "WARC/1.1" for r in recs)
    resp = [r for r in recs if r.type == "response"]
    reqs = {r.headers["warc-concurrent-to"]: r for r in recs if r.type == "request"}
    for r in resp:
        for key in ("warc-target-uri", "warc-date", "warc-record-id", "warc-payload-digest",
                    "warc-block-digest"):
            assert r.headers.get(key), key
        assert reqs[r.headers["warc-record-id"]].url == r.url
        assert r.headers["warc-date"].endswith("Z") and "." in r.headers["warc-date"]
    uris = [r.url for r in resp]
    assert len(uris) == len(set(uris))  # one response per URL
    pages = {p.url for p in crawled["pages"]}
    redirects = {f"{crawled['base']}{p}" for p in ("/redirect/1", "/redirect/2", "/redirect/3",
                                                   "/loop/a", "/loop/b")}
    assert set(uris) == pages | redirects
    # each record in its own gzip member: the offsets given are where the records start
    for page in crawled["pages"]:
        with open(archive, "rb") as f:
            f.seek(page.offset)
            assert next(iter_records(f, "x")).url == page.url


def test_decoded_payloads_keep_the_original_headers_renamed(crawled):
    by_url = {r.url: r for r in responses(crawled["archive"])}
    gz = by_url[f"{crawled['base']}/gzip.html"].block
    head = gz[:gz.index(b"\r\n\r\n")].decode()
    assert "X-Crawler-Content-Encoding: gzip" in head and "\r\nContent-Encoding" not in head
    assert gz.split(b"\r\n\r\n", 1)[1].startswith(b"<!DOCTYPE html>")
    br = by_url[f"{crawled['base']}/br.html"].block
    assert b"X-Crawler-Content-Encoding: br" in br


def test_the_http_charset_decodes_a_page_that_declares_none(crawled):
    [page] = [p for p in crawled["pages"] if p.url.endswith("/euckr.html")]
    assert page.charset == "EUC-KR"
    art = kt_clean.extract(page)
    assert art.encoding == "cp949" and KOREAN[:10] in art.body


def test_extract_on_the_archive_gives_the_articles_of_the_pages_saved_as_files(crawled,
                                                                                 tmp_path):
    result = runner.invoke(app, ["extract", str(crawled["archive"]), "--json"])
    assert result.exit_code == 0, result.stderr
    from_archive = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(from_archive) == len(crawled["pages"])
    for n, (page, art) in enumerate(zip(crawled["pages"], from_archive)):
        path = tmp_path / f"page{n}.html"
        path.write_bytes(page.payload)
        one = runner.invoke(app, ["extract", str(path), "--url", page.url, "--json"])
        assert one.exit_code == 0, one.stderr
        from_file = json.loads(one.stdout)
        assert art["source"] == art["url"] == page.url
        assert art["warc"]["archive"] == str(crawled["archive"])
        assert art["warc"]["offset"] == page.offset
        # (a pure-ASCII page is the same text in any encoding: served as UTF-8, it is UTF-8;
        # saved without its header, a browser's windows-1252)
        for key in ("source", "warc", *(("encoding",) if page.payload.isascii() else ())):
            art.pop(key, None)
            from_file.pop(key, None)
        assert art == from_file, page.url


def run_cli(*args, **kw):
    return subprocess.run([*CLI, *map(str, args)], cwd=ROOT, capture_output=True, **kw)


def test_resuming_skips_what_is_archived_and_force_asks_whether_it_changed(tmp_path):
    archive = tmp_path / "a.warc.gz"
    site = Site(crawl_delay=0.0)
    with running(site):
        url = f"{site.base}/etag.html"
        for force in (False, False, True):
            crawl = kt_clean.fetch(url, output=str(archive), rate=0, force=force)
            list(crawl)
            assert crawl.summary.failed == 0
        assert crawl.summary.unchanged == 1
        asked = [h for h in site.hits if h.path == "/etag.html"]
        assert len(asked) == 2  # the second run did not ask
        assert "if-none-match" not in asked[0].headers
        assert asked[1].headers["if-none-match"] == '"v1"'
    recs = records(archive)
    revisit = [r for r in recs if r.type == "revisit"]
    assert len(revisit) == 1
    [response] = [r for r in recs if r.type == "response"]
    assert revisit[0].headers["warc-profile"].endswith("/revisit/server-not-modified")
    assert revisit[0].headers["warc-refers-to"] == response.headers["warc-record-id"]
    assert revisit[0].headers["warc-payload-digest"] == response.headers["warc-payload-digest"]
    assert warcio_check(archive).returncode == 0
    assert len(list(kt_clean.read_warc(archive))) == 1  # the revisit is no second page


def crawl_args(base, archive):
    return ["fetch", f"{base}/www/nation/list.html", "--feed", f"{base}/rss.xml",
            "--follow", "/www/nation/", "--max-depth", "2", "-o", archive, "-q",
            "--rate", "0"]


def response_urls(path):
    return sorted(r.url for r in responses(path))


def test_a_run_killed_with_sigkill_resumes_to_the_same_records(tmp_path):
    site = Site(crawl_delay=0.08)
    with running(site):
        full = tmp_path / "full.warc.gz"  # the reference: the same crawl, uninterrupted
        crawl = kt_clean.fetch(f"{site.base}/www/nation/list.html",
                               feeds=[f"{site.base}/rss.xml"], follow=["/www/nation/"],
                               max_depth=2, output=str(full), rate=0)
        list(crawl)
        assert crawl.summary.failed == 0
        expected = response_urls(full)
        assert len(expected) == 9  # the list, its next page, 6 articles, one older story
        cut = tmp_path / "cut.warc.gz"
        proc = subprocess.Popen([*CLI, *map(str, crawl_args(site.base, cut))], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if cut.exists() and cut.stat().st_size > 20_000:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        partial = response_urls(cut)
        assert 0 < len(partial) < len(expected)
        junk = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03partial"
        with open(cut, "ab") as f:  # as if killed in the middle of a write
            f.write(junk)
        before = [h.path for h in site.hits]
        resumed = run_cli(*crawl_args(site.base, cut), "--report", tmp_path / "r.json")
        assert resumed.returncode == 0, resumed.stderr
        asked = [h.path for h in site.hits][len(before):]
    assert response_urls(cut) == expected
    assert warcio_check(cut).returncode == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["already_archived"] == len(partial)
    assert report["cut_bytes_removed"] >= len(junk)  # (and a record the kill cut, if any)
    # what was archived was not asked again (its links were read back from the archive)
    archived_paths = {u.split(str(site.port), 1)[1] for u in partial}
    assert not archived_paths & set(asked)


def test_ctrl_c_leaves_a_whole_archive_and_exits_130(tmp_path):
    site = Site(crawl_delay=0.3)
    with running(site):
        archive = tmp_path / "i.warc.gz"
        proc = subprocess.Popen([*CLI, *map(str, crawl_args(site.base, archive))], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(site.hits) < 4:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    assert warcio_check(archive).returncode == 0
    assert responses(archive)


def test_fetch_into_stdout_pipes_into_extract(tmp_path):
    site = Site(crawl_delay=0.0)
    with running(site):
        urls = [f"{site.base}{article_path(i)}" for i in ARTICLE_IDS[:2]]
        pipeline = (f"{' '.join(map(repr, CLI))} fetch {' '.join(urls)} -o - -q --rate 0 | "
                    f"{' '.join(map(repr, CLI))} extract - --json")
        done = subprocess.run(pipeline, shell=True, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    articles = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(a["url"] for a in articles) == sorted(urls)
    titles = {a["title"] for a in articles}
    assert "US, North Korea in talks for 2nd Trump-Kim summit" in titles


def test_a_failed_url_means_exit_1_and_a_line_on_stderr_and_in_the_errors_file(tmp_path):
    site = Site(crawl_delay=0.0)
    with running(site):
        done = runner.invoke(app, ["fetch", f"{site.base}/nothere",
                                   f"{site.base}{article_path(261548)}", "-o", str(tmp_path),
                                   "--rate", "0", "-q"])
    assert done.exit_code == 1
    assert done.stderr == f"kt-clean: error: {site.base}/nothere: HTTP 404 Not Found\n"
    errors = (tmp_path / "_errors.ndjson").read_text().splitlines()
    assert [json.loads(e)["reason"] for e in errors] == ["http"]
    [archive] = [p for p in os.listdir(tmp_path) if p.endswith(".warc.gz")]
    assert archive.startswith("kt-clean-")  # -o DIR: rotating archive files


def test_an_output_folder_rotates_its_archive_files(tmp_path):
    site = Site(crawl_delay=0.0)
    with running(site):
        urls = [f"{site.base}{article_path(i)}" for i in ARTICLE_IDS]
        done = runner.invoke(app, ["fetch", *urls, "-o", str(tmp_path), "--rate", "0", "-q",
                                   "--rotate-size", "5000"])
    assert done.exit_code == 0, done.stderr
    archives = sorted(p for p in tmp_path.iterdir() if p.name.endswith(".warc.gz"))
    assert len(archives) > 1
    got = [u for a in archives for u in response_urls(a)]
    assert sorted(got) == sorted(urls)
    for a in archives:
        assert records(a)[0].type == "warcinfo"


def test_max_pages_caps_the_urls_taken_in(tmp_path):
    site = Site(crawl_delay=0.0)
    with running(site):
        crawl = kt_clean.fetch(f"{site.base}/www/nation/list.html", follow=["/www/nation/"],
                               max_pages=3, rate=0)
        pages = list(crawl)
    assert len(pages) == 3 and crawl.summary.over_max_pages > 0
    assert pages[0].url.endswith("/list.html")


def test_the_python_api_iterates_pages_that_extract_cleans():
    site = Site(crawl_delay=0.0)
    with running(site):
        pages = list(kt_clean.fetch([f"{site.base}{article_path(261549)}"], rate=0))
    [page] = pages
    assert page.status == 200 and page.content_type == "text/html" and page.archive is None
    art = kt_clean.extract(page)
    assert art.title == "2nd Trump-Kim summit to take place in late February"
    assert art.url == page.url


@pytest.mark.parametrize("args,message", [
    (["http://127.0.0.1:9/x"], "give -o"),
    (["http://127.0.0.1:9/x", "-o", "x.warc"], ".warc.gz file"),
    (["http://127.0.0.1:9/x", "-o", "-", "--follow", "("], "not a regular expression"),
    (["-o", "x.warc.gz"], "nothing to fetch"),
])
def test_usage_errors_exit_2_before_any_request(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["fetch", *args])
    assert done.exit_code == 2
    assert message in done.stderr and done.stderr.startswith("kt-clean: error: ")
    assert not (tmp_path / "x.warc.gz").exists()
