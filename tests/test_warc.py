"""Reading WARC archives: every page command takes .warc, .warc.gz and a WARC stream on
stdin; each HTML or text response is a page, named by its URL; Common Crawl's archives work
as they come (WARC/1.0, warcinfo/request/metadata records, chunked and gzipped payloads)."""

import gzip
import io
import json
import zlib

import pytest
from typer.testing import CliRunner

import kt_clean
from conftest import FULLNAV_SEED, PRINT_SEED
from kt_clean.cli import app
from kt_clean.errors import InputError
from kt_clean.inputs.warc import iter_pages, iter_records, read_warc

runner = CliRunner()
KT_URL = "https://www.koreatimes.co.kr/www/nation/2019/01/103_261548.html"
ARTICLE = (FULLNAV_SEED.parent.parent / "tests" / "fixtures" / "kt" / "full-nav.html").read_bytes()


def record(kind, url, block, version="1.0", extra=()):
    headers = [("WARC-Type", kind), ("WARC-Record-ID", f"<urn:uuid:{abs(hash((kind, url)))}>"),
               ("WARC-Date", "2019-02-21T07:35:00Z")]
    if url:
        headers.append(("WARC-Target-URI", url))
    headers += list(extra)
    if kind in ("response", "request"):
        headers.append(("Content-Type", f"application/http; msgtype={kind}"))
    headers.append(("Content-Length", str(len(block))))
    head = f"WARC/{version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def http(status, body, *headers):
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(body, size=700):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def common_crawl_like():
    """Records as Common Crawl's archives hold them (and what other crawlers write)."""
    dump = PRINT_SEED.read_bytes()
    return [
        record("warcinfo", None, b"software: Apache Nutch\r\nformat: WARC File Format 1.0\r\n",
               extra=[("Content-Type", "application/warc-fields")]),
        record("request", KT_URL, b"GET /www/nation/2019/01/103_261548.html HTTP/1.1\r\n"
                                  b"Host: www.koreatimes.co.kr\r\n\r\n"),
        # decoded payload, the original headers renamed (Common Crawl since 2018)
        record("response", KT_URL, http("200 OK", ARTICLE,
                                        ("Content-Type", "text/html; charset=UTF-8"),
                                        ("X-Crawler-Content-Encoding", "gzip"),
                                        ("Content-Length", str(len(ARTICLE)))),
               extra=[("WARC-Identified-Payload-Type", "text/html")]),
        record("metadata", KT_URL, b"fetchTimeMs: 243\r\n",
               extra=[("Content-Type", "application/warc-fields")]),
        # as received: chunked and gzipped (wget, warcio's capture)
        record("response", "https://example.com/dump.txt",
               http("200 OK", chunked(gzip.compress(dump)), ("Content-Type", "text/plain"),
                    ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip"))),
        record("response", "https://example.com/gone", http("404 Not Found", b"<html>no</html>",
                                                            ("Content-Type", "text/html"))),
        record("response", "https://example.com/moved", http("301 Moved", b"",
                                                             ("Location", "/new"))),
        record("response", "https://example.com/logo.png",
               http("200 OK", b"\x89PNG\r\n\x1a\n" + bytes(200), ("Content-Type", "image/png"))),
        record("revisit", KT_URL, http("304 Not Modified", b""),
               extra=[("WARC-Profile", "http://netpreserve.org/warc/1.0/revisit/"
                                       "identical-payload-digest")]),
        # no Content-Type: the payload is sniffed
        record("response", "https://example.com/untyped", http("200 OK", ARTICLE)),
        record("resource", "file:///saved/page.html", ARTICLE,
               extra=[("Content-Type", "text/html")]),
        record("response", "dns:example.com", b"example.com. 300 IN A 93.184.216.34\n",
               extra=[("Content-Type", "text/dns")]),
    ]


def write(path, records, member_per_record=True, compress=True):
    if not compress:
        path.write_bytes(b"".join(records))
    elif member_per_record:
        path.write_bytes(b"".join(gzip.compress(r) for r in records))
    else:
        path.write_bytes(gzip.compress(b"".join(records)))
    return path


EXPECTED = [KT_URL, "https://example.com/dump.txt", "https://example.com/untyped",
            "file:///saved/page.html"]


@pytest.mark.parametrize("name,member,compress", [
    ("cc.warc.gz", True, True), ("whole.warc.gz", False, True), ("plain.warc", True, False)])
def test_each_html_or_text_response_is_a_page_and_the_rest_is_passed_over(
        tmp_path, name, member, compress):
    path = write(tmp_path / name, common_crawl_like(), member, compress)
    pages = list(read_warc(path))
    assert [p.url for p in pages] == EXPECTED
    assert pages[0].payload == ARTICLE and pages[0].charset == "UTF-8"
    assert pages[1].payload == PRINT_SEED.read_bytes()  # chunks joined, gzip undone
    assert pages[1].content_type == "text/plain"
    assert pages[2].content_type == "text/html"  # sniffed


def test_offsets_are_where_the_records_start(tmp_path):
    path = write(tmp_path / "cc.warc.gz", common_crawl_like())
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        theirs = {}
        for rec in it:
            if rec.rec_type == "response":
                theirs.setdefault(rec.rec_headers.get_header("WARC-Target-URI"),
                                  it.get_record_offset())
    for page in read_warc(path):
        if page.url in theirs:
            assert page.offset == theirs[page.url]
            with open(path, "rb") as f:
                f.seek(page.offset)
                assert next(iter_pages(f, "x")).url == page.url


def test_page_commands_read_an_archive_with_the_url_as_source(tmp_path):
    path = write(tmp_path / "cc.warc.gz", common_crawl_like())
    result = runner.invoke(app, ["extract", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    arts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["source"] for a in arts] == EXPECTED
    kt = arts[0]
    # the URL reaches detection: a Korea Times page of the full-nav design
    assert kt["url"] == KT_URL and kt["hostname"] == "www.koreatimes.co.kr"
    assert kt["layout"] == "full-nav"
    assert kt["title"] == "US, North Korea in talks for 2nd Trump-Kim summit"
    assert kt["warc"]["archive"] == str(path) and kt["warc"]["status"] == 200
    assert kt["warc"]["record_id"].startswith("<urn:uuid:")
    detect = runner.invoke(app, ["detect", str(path)])
    assert detect.stdout.splitlines()[0] == (
        f"{KT_URL}\tfull-nav\t1.00\ttop-bar,section-menu,crawl-date,posted-line,"
        "more-by-reporter,corporate-footer")
    record = json.loads(runner.invoke(app, ["strip", str(path)]).stdout.splitlines()[0])
    assert record["meta"]["warc"]["offset"] is not None and record["url"] == KT_URL


def test_the_same_page_from_an_archive_and_from_a_file_is_the_same_article(tmp_path):
    path = write(tmp_path / "cc.warc.gz", common_crawl_like())
    saved = tmp_path / "page.html"
    saved.write_bytes(ARTICLE)
    from_archive = kt_clean.extract(next(iter(kt_clean.read_warc(path))))
    from_file = kt_clean.extract(saved, url=KT_URL)
    a, f = from_archive.to_dict(), from_file.to_dict()
    assert a.pop("warc")["archive"] == str(path) and "warc" not in f
    assert a.pop("source") == KT_URL and f.pop("source") == str(saved)
    assert a == f


def test_a_warc_stream_on_stdin_is_sniffed(tmp_path):
    data = b"".join(gzip.compress(r) for r in common_crawl_like())
    for stream in (data, b"".join(common_crawl_like())):
        result = runner.invoke(app, ["detect", "-"], input=stream)
        assert result.exit_code == 0, result.stderr
        assert [line.split("\t")[0] for line in result.stdout.splitlines()] == EXPECTED


def test_an_archive_cut_short_gives_its_whole_pages_then_one_error(tmp_path):
    data = b"".join(gzip.compress(r) for r in common_crawl_like())
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[:len(data) - 300])
    result = runner.invoke(app, ["detect", str(cut)])
    assert result.exit_code == 1
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == EXPECTED[:3]
    assert result.stderr.startswith(f"kt-clean: error: {cut}: the archive ends inside record")
    assert result.stderr.count("\n") == 1
    with pytest.raises(InputError, match="ends inside record"):
        list(read_warc(cut))


def test_a_page_over_the_size_limit_fails_alone(tmp_path):
    big = b"<html><body>" + b"<p>word</p>" * 20_000 + b"</body></html>"
    records = common_crawl_like()
    records.insert(2, record("response", "https://example.com/big", http(
        "200 OK", big, ("Content-Type", "text/html"))))
    path = write(tmp_path / "b.warc.gz", records)
    result = runner.invoke(app, ["detect", str(path), "--max-bytes", "100000"])
    assert result.exit_code == 1
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == EXPECTED
    assert result.stderr == (f"kt-clean: error: https://example.com/big ({path} at offset "
                             f"{_offset(path, 'https://example.com/big'):,}): page too large "
                             "(0.2 MB; the limit is 0.1 MB, see --max-bytes)\n")


def _offset(path, url):
    with open(path, "rb") as f:
        return next(r.offset for r in iter_records(f, "x") if r.url == url)


def test_the_http_charset_decodes_the_page_and_a_wrong_one_is_overruled(tmp_path):
    korean = ("<html><body><h1>한국 뉴스</h1>" + "<p>서울 시민들이 한강 공원에서 봄을 즐기고 있다.</p>"
              * 10 + "</body></html>").encode("euc-kr")
    path = write(tmp_path / "k.warc.gz", [
        record("response", "https://ko.example/a", http("200 OK", korean,
                                                        ("Content-Type",
                                                         "text/html; charset=euc-kr"))),
        record("response", "https://ko.example/b", http("200 OK", korean,
                                                        ("Content-Type",
                                                         "text/html; charset=utf-8"))),
    ])
    a, b = (kt_clean.extract(p) for p in kt_clean.read_warc(path))
    assert a.encoding == "cp949" and "서울 시민들이" in a.body
    assert b.encoding == "cp949" and b.body == a.body  # the bytes are no UTF-8: guessed


def test_a_payload_that_claims_an_encoding_it_does_not_have_is_read_as_it_is(tmp_path):
    path = write(tmp_path / "c.warc.gz", [record("response", "https://x.example/", http(
        "200 OK", ARTICLE, ("Content-Type", "text/html"), ("Content-Encoding", "gzip")))])
    [page] = read_warc(path)
    assert page.payload == ARTICLE  # older Common Crawl: decoded, the header kept
    deflated = zlib.compress(ARTICLE)
    path = write(tmp_path / "d.warc.gz", [record("response", "https://x.example/", http(
        "200 OK", deflated, ("Content-Type", "text/html"), ("Content-Encoding", "deflate")))])
    [page] = read_warc(path)
    assert page.payload == ARTICLE


def test_not_a_warc_file_is_one_clear_error():
    with pytest.raises(InputError, match="not a WARC file"):
        list(iter_records(io.BytesIO(b"hello\r\n\r\n"), "x"))


def test_url_hint_is_refused_for_an_archive(tmp_path):
    path = write(tmp_path / "cc.warc.gz", common_crawl_like())
    result = runner.invoke(app, ["extract", str(path), "--url", KT_URL])
    assert result.exit_code == 2 and "carry their own" in result.stderr


# -- batch over a folder of archives ---------------------------------------------------------

def batch(*args):
    return runner.invoke(app, ["batch", *map(str, args), "-q", "--jobs", "1"])


def test_batch_writes_one_output_per_page_named_from_its_url_inside_out(tmp_path):
    pages = tmp_path / "in"
    (pages / "2019").mkdir(parents=True)
    records = common_crawl_like()
    records.append(record("response", "https://evil.example/../../../etc/passwd?x=1",
                          http("200 OK", ARTICLE, ("Content-Type", "text/html"))))
    write(pages / "2019" / "cc.warc.gz", records)
    out = tmp_path / "out"
    result = batch(pages, "-o", out, "-r")
    assert result.exit_code == 0, result.stderr
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.json"))
    assert files == [
        # '..' is no way out, and a name that had to change gets a hash of its URL
        "2019/cc/evil.example/_/_/_/etc/passwd_x=1~f14536a6e1.json",
        "2019/cc/example.com/dump.json",
        "2019/cc/example.com/untyped.json",
        "2019/cc/no-host/saved/page.json",  # file:///saved/page.html
        "2019/cc/www.koreatimes.co.kr/www/nation/2019/01/103_261548.json"]
    art = json.loads((out / "2019/cc/www.koreatimes.co.kr/www/nation/2019/01/"
                             "103_261548.json").read_text())
    assert art["source"] == KT_URL and art["layout"] == "full-nav"
    again = batch(pages, "-o", out, "-r", "--report", tmp_path / "r.json")
    assert again.exit_code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["skipped"] == len(files) and report["cleaned"] == 0


def test_the_lists_fetch_writes_beside_its_archives_are_no_pages(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    write(pages / "a.warc.gz", common_crawl_like()[:3])
    line = '{"url": "https://example.com/x", "reason": "http", "error": "HTTP 404"}\n'
    for name in ("_errors.ndjson", "_skipped.ndjson", "a.errors.ndjson", "a.skipped.ndjson"):
        (pages / name).write_text(line)
    result = batch(pages, "--ndjson", "-")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["source"] for x in result.stdout.splitlines()] == [KT_URL]


def test_batch_gives_each_page_the_offset_of_its_record(tmp_path):
    """Each page is read at its record's offset: the `warc` key (and an error's message)
    gives that offset in the file, not the distance from where reading started."""
    pages = tmp_path / "in"
    pages.mkdir()
    records = common_crawl_like()
    records.insert(3, record("response", "https://example.com/binary", http(
        "200 OK", b"\x00\x01\x02" * 400, ("Content-Type", "text/plain"))))
    path = write(pages / "a.warc.gz", records)
    plain = write(pages / "b.warc", records, compress=False)
    expected = [(str(p.archive), p.offset) for a in (path, plain) for p in read_warc(a)
                if p.url != "https://example.com/binary"]
    assert len({o for _, o in expected}) == len(expected) and expected[1][1] > 0
    stream = batch(pages, "--ndjson", tmp_path / "all.ndjson")
    assert stream.exit_code == 1
    arts = [json.loads(x) for x in (tmp_path / "all.ndjson").read_text().splitlines()]
    assert [(a["warc"]["archive"], a["warc"]["offset"]) for a in arts] == expected
    binary = next(p.offset for p in read_warc(path) if p.url == "https://example.com/binary")
    errors = (tmp_path / "all.errors.ndjson").read_text()
    assert f"{path} at offset {binary:,}): binary" in errors
    out = tmp_path / "out"
    batch(pages, "-o", out)
    art = json.loads((out / "a/example.com/dump.json").read_text())
    dump = next(p.offset for p in read_warc(path) if p.url.endswith("/dump.txt"))
    assert art["warc"]["offset"] == dump
    with open(path, "rb") as f:  # the offset given is where that record starts
        f.seek(art["warc"]["offset"])
        assert next(iter_pages(f, "x")).url == "https://example.com/dump.txt"


def test_a_record_too_large_to_read_is_named_once_by_its_url_and_offset(tmp_path):
    """A record over --max-bytes (and its header allowance) is passed over unread; its
    failure names the record as any page's does, the archive given once."""
    pages = tmp_path / "in"
    pages.mkdir()
    records = common_crawl_like()
    huge = b"<html><body>" + bytes(range(48, 58)) * 40_000 + b"</body></html>"
    records.insert(2, record("response", "https://example.com/huge", http(
        "200 OK", huge, ("Content-Type", "text/html"))))
    path = write(pages / "a.warc.gz", records)
    result = batch(pages, "--ndjson", tmp_path / "all.ndjson", "--max-bytes", "100000")
    assert result.exit_code == 1
    [error] = [json.loads(x) for x in (tmp_path / "all.errors.ndjson").read_text().splitlines()]
    assert error == {"path": str(path), "reason": "too-large", "error": (
        f"https://example.com/huge ({path} at offset {_offset(path, 'https://example.com/huge'):,}"
        "): record too large (0.4 MB; the limit is 0.1 MB, see --max-bytes)")}


def test_the_last_record_of_a_url_wins(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    new = ARTICLE.replace(b"US, North Korea in talks", b"US and North Korea in talks")
    write(pages / "a.warc.gz", [
        record("response", KT_URL, http("200 OK", ARTICLE, ("Content-Type", "text/html"))),
        record("response", KT_URL, http("200 OK", new, ("Content-Type", "text/html")))])
    out = tmp_path / "out"
    assert batch(pages, "-o", out).exit_code == 0
    [only] = list(out.rglob("*.json"))
    assert json.loads(only.read_text())["title"].startswith("US and North Korea")


def test_batch_lists_an_archives_bad_pages_and_goes_on(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    records = common_crawl_like()
    records.insert(3, record("response", "https://example.com/binary", http(
        "200 OK", b"\x00\x01\x02" * 400, ("Content-Type", "text/plain"))))
    data = b"".join(gzip.compress(r) for r in records)
    (pages / "cut.warc.gz").write_bytes(data[:-300])
    out = tmp_path / "out"
    result = batch(pages, "-o", out)
    assert result.exit_code == 1
    errors = [json.loads(line) for line in (out / "_errors.ndjson").read_text().splitlines()]
    assert sorted(e["reason"] for e in errors) == ["binary", "undecodable"]
    assert all(e["path"] == str(pages / "cut.warc.gz") for e in errors)
    assert any("https://example.com/binary" in e["error"] for e in errors)
    assert len(list(out.rglob("*.json"))) == 3  # the whole pages before the cut


def test_batch_per_archive_and_ndjson_give_every_page_in_order(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    write(pages / "a.warc.gz", common_crawl_like())
    write(pages / "b.warc.gz", common_crawl_like()[:3], member_per_record=False)  # whole-gzip
    out = tmp_path / "out"
    assert batch(pages, "-o", out, "--per-archive").exit_code == 0
    a = [json.loads(line) for line in (out / "a.ndjson").read_text().splitlines()]
    assert [x["source"] for x in a] == EXPECTED
    stream = batch(pages, "--ndjson", "-")
    assert stream.exit_code == 0, stream.stderr
    sources = [json.loads(line)["source"] for line in stream.stdout.splitlines()]
    assert sources == [*EXPECTED, KT_URL]
    # an archive gzipped as a whole cannot be seeked: it is one output, as --per-archive
    out2 = tmp_path / "out2"
    assert batch(pages, "-o", out2).exit_code == 0
    assert (out2 / "b.ndjson").read_text().count("\n") == 1
