"""kt_clean.clean_record: one page's article JSON as a dict, the call other engines make."""

import doctest
import gzip
import json

import pytest

import kt_clean
from conftest import FULLNAV_SEED, PRINT_SEED, ROOT, render_page
from kt_clean.engines import record


def test_it_is_the_dict_extract_json_prints(monkeypatch):
    for page in (PRINT_SEED, FULLNAV_SEED, ROOT / "tests/fixtures/html/article.html"):
        data = page.read_bytes()
        expected = json.loads(render_page(str(page), "json", explain=True))
        got = kt_clean.clean_record(data, source=str(page), explain=True)
        assert got == expected
        assert list(got) == list(expected)  # the keys in their documented order
        assert kt_clean.clean_record(data.decode("utf-8"), source=str(page)) == \
            json.loads(render_page(str(page), "json"))
    gz = gzip.compress(PRINT_SEED.read_bytes())
    assert kt_clean.clean_record(gz, source=str(PRINT_SEED))["title"] == \
        kt_clean.clean_record(PRINT_SEED.read_bytes(), source=str(PRINT_SEED))["title"]


def test_the_url_is_a_hint_and_fills_url_and_hostname():
    url = "https://www.koreatimes.co.kr/www2/common/morelist.asp?id=hkang"
    rec = kt_clean.clean_record((ROOT / "tests/pages/kt-reporter-morelist.txt").read_bytes(),
                                url=url)
    assert (rec["url"], rec["hostname"], rec["source"]) == (url, "www.koreatimes.co.kr", url)
    assert rec["page_type"] == "list"
    assert kt_clean.clean_record(PRINT_SEED.read_bytes())["source"] == "<record>"


@pytest.mark.parametrize("page,reason", [(b"", "empty"), ("", "empty"),
                                         (b"\x00\x01\x02 page", "binary"),
                                         (("naïve café " * 40).encode() + b"\xff\xfe",
                                          "undecodable")])
def test_a_bad_page_raises_an_input_error_with_the_batch_reason(page, reason):
    with pytest.raises(kt_clean.InputError) as err:
        kt_clean.clean_record(page, source="bad")
    assert err.value.reason == reason and str(err.value).startswith("bad: ")


def test_bounds_and_several_records():
    with pytest.raises(kt_clean.InputError) as err:
        kt_clean.clean_record(PRINT_SEED.read_bytes(), max_bytes=1000)
    assert err.value.reason == "too-large"
    records = b"".join(
        (json.dumps(kt_clean.read(str(p))[0].to_record(), ensure_ascii=False) + "\n").encode()
        for p in (PRINT_SEED, FULLNAV_SEED))
    with pytest.raises(kt_clean.InputError, match="several NDJSON records"):
        kt_clean.clean_record(records)
    one = records.split(b"\n")[0]
    assert kt_clean.clean_record(one)["layout"] == "print"  # a stage record is its page
    with pytest.raises(TypeError):
        kt_clean.clean_record(123)


def test_the_module_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    failures, tried = doctest.testmod(record)
    assert tried >= 3 and failures == 0


def test_it_is_exported():
    assert "clean_record" in kt_clean.__all__ and kt_clean.clean_record is record.clean_record
