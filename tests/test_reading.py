"""Reading inputs: decoding, sniffing, and one clear error per bad input."""

import io
import json

import pytest

import kt_clean
from conftest import PRINT_SEED, render_page
from kt_clean.errors import InputError
from kt_clean.inputs import iter_stdin, load_bytes, read_path
from kt_clean.inputs.decode import decode

KOREAN = "서울시는 목요일 초미세먼지 농도가 관측 이래 최고치를 기록했다고 밝혔다. " * 20


def test_utf8_page_is_read_with_its_encoding():
    [doc] = read_path(PRINT_SEED)
    assert doc.encoding == "utf-8" and doc.input_format == "text"
    assert doc.lines[0] == "Settings"


@pytest.mark.parametrize("codec", ["euc-kr", "cp949"])
def test_korean_legacy_encodings_are_detected_and_decoded(codec):
    data = ("제목: 미세먼지\n\n" + KOREAN + "\n").encode(codec)
    text, used = decode(data, "page.txt")
    assert text.startswith("제목: 미세먼지") and KOREAN.strip() in text
    assert used == "cp949"  # EUC-KR guesses decode with its superset


def test_cp949_only_characters_decode():
    text = "똠방각하 " + KOREAN  # 똠 is in CP949 but not in EUC-KR
    got, used = decode(text.encode("cp949"), "page.txt")
    assert got == text and used == "cp949"


def test_forced_encoding_wins_and_is_reported_in_json(tmp_path):
    page = tmp_path / "latin.txt"
    page.write_bytes("Café crème, naïve façade and more prose here for the reader.".encode("cp1252"))
    art = json.loads(render_page(str(page), "json", encoding="cp1252"))
    assert art["encoding"] == "windows-1252"  # the name HTML pages report too
    assert "Café crème" in art["body"]


def test_utf16_with_bom():
    text, used = decode("Hello world\nSecond line\n".encode("utf-16"), "p")
    assert text == "Hello world\nSecond line\n" and used == "utf-16"


def test_crlf_newlines_are_normalised():
    text, _ = decode(b"a\r\nb\rc\n", "p")
    assert text == "a\nb\nc\n"


@pytest.mark.parametrize("data,problem", [
    (b"", "empty file"),
    (b"  \n\n \t\n", "empty page"),
    (b"abc\x00def", "NUL bytes"),
    (bytes(range(256)) * 4, "NUL bytes"),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 100, "binary data"),
])
def test_bad_bytes_raise_one_clear_error(data, problem):
    with pytest.raises(InputError) as exc:
        load_bytes(data, "bad.txt")
    assert problem in str(exc.value) and str(exc.value).startswith("bad.txt: ")
    assert "\n" not in str(exc.value)


def test_invalid_utf8_in_an_otherwise_utf8_page_is_an_error():
    data = ("naïve café " * 50).encode("utf-8") + b"\xff\xfe broken"
    with pytest.raises(InputError, match="invalid UTF-8"):
        load_bytes(data, "bad.txt")


def test_forced_encoding_that_does_not_fit_is_an_error():
    with pytest.raises(InputError, match="cannot decode as utf-8"):
        load_bytes("한국".encode("euc-kr"), "p", encoding="utf-8")


def test_unknown_encoding_name_is_an_error():
    with pytest.raises(InputError, match="unknown encoding"):
        load_bytes(b"hello", "p", encoding="no-such-codec")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_path(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_path(tmp_path)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # a 50 MB (sparse) file
    with pytest.raises(InputError, match=r"file too large \(52.4 MB"):
        read_path(big)


def test_ndjson_records_are_sniffed_and_read_back():
    doc = kt_clean.detect(kt_clean.read(str(PRINT_SEED))[0])
    line = json.dumps(doc.to_record(), ensure_ascii=False)
    docs = load_bytes((line + "\n\n" + line + "\n").encode(), "records.ndjson")
    assert len(docs) == 2 and docs[0] == doc


def test_broken_record_names_the_line():
    with pytest.raises(InputError, match=r"-:2: invalid NDJSON record"):
        list(iter_stdin(io.BytesIO(b'{"kt_clean": 1, "source": "a", "page": "x"}\n{"kt_clean": 1, oops\n')))


def test_stdin_raw_page():
    [doc] = iter_stdin(io.BytesIO(PRINT_SEED.read_bytes()))
    assert doc.source == "-" and doc.layout is None and doc.lines[0] == "Settings"


def test_text_starting_with_a_brace_is_a_page_not_a_record():
    [doc] = load_bytes(b"{not json} but a page\nwith text\n", "p")
    assert doc.input_format == "text" and doc.lines[0] == "{not json} but a page"


def test_a_gzip_bomb_is_refused_at_the_limit_without_being_held_whole(tmp_path):
    import gzip
    import tracemalloc

    from kt_clean import Limits

    bomb = tmp_path / "bomb.html.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        for _ in range(64):
            f.write(b"<p>" + b"a" * (1 << 20) + b"</p>\n")  # 64 MB of markup
    assert bomb.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"expands to over 4\.2 MB") as caught:
            read_path(bomb, limits=Limits(max_bytes=4_194_304))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "too-large"
    assert peak < 3 * 4_194_304  # streamed: never the whole 64 MB


def test_a_gzip_page_under_the_limit_reads_and_a_broken_one_is_undecodable(tmp_path):
    import gzip

    page = tmp_path / "page.txt.gz"
    page.write_bytes(gzip.compress(PRINT_SEED.read_bytes()))
    [doc] = read_path(page)
    assert doc.text == PRINT_SEED.read_text(encoding="utf-8")
    # two members, as `cat a.gz b.gz` makes
    page.write_bytes(gzip.compress(b"first half\n") + gzip.compress(b"second half\n"))
    assert read_path(page)[0].text == "first half\nsecond half\n"
    page.write_bytes(gzip.compress(PRINT_SEED.read_bytes())[:-20])
    with pytest.raises(InputError, match="bad gzip data") as caught:
        read_path(page)
    assert caught.value.reason == "undecodable"


def test_a_valid_gzip_over_20_mb_compressed_reads_when_max_bytes_allows(tmp_path):
    """Case 4: the compressed input was cut at a hard-coded 20 MB, so a valid 24.8 MB .gz
    was "bad gzip data" even with --max-bytes 100M; only --max-bytes bounds it now."""
    import base64
    import gzip
    import os

    from kt_clean import Limits

    text = base64.b85encode(os.urandom(21_000_000))  # 26 MB that gzip shrinks to 21.5
    page = tmp_path / "big.txt.gz"
    page.write_bytes(gzip.compress(b"A headline\n\n" + text + b"\n", compresslevel=1))
    assert page.stat().st_size > 21_000_000
    [doc] = read_path(page, limits=Limits(max_bytes=100_000_000))
    assert doc.lines[0] == "A headline" and len(doc.text) > 21_000_000
    with pytest.raises(InputError, match="too large") as caught:
        read_path(page, limits=Limits(max_bytes=20_000_000))
    assert caught.value.reason == "too-large"


def test_a_latin_1_text_file_is_windows_1252_as_html_would_say(tmp_path):
    german = ("Die Bundesregierung hat am Mittwoch beschlossen, die Förderung für "
              "Wärmepumpen zu erhöhen. Grüße aus München, schöne Straße, Äpfel und Öl. ") * 8
    page = tmp_path / "de.txt"
    page.write_bytes(german.encode("latin-1"))
    [doc] = read_path(page)
    assert doc.encoding == "windows-1252" and "Straße" in doc.text
    html = tmp_path / "de.html"
    html.write_bytes(f"<html><body><p>{german}</p></body></html>".encode("latin-1"))
    assert read_path(html)[0].encoding == "windows-1252"


def test_whitespace_only_stdin_ends_with_an_error_instead_of_spinning():
    import io

    for data in (b"\n", b"   ", b"\n" * 100_000):
        with pytest.raises(InputError, match="empty") as caught:
            list(iter_stdin(io.BytesIO(data)))
        assert caught.value.reason == "empty"


def test_a_page_given_as_text_without_source_says_so_in_one_short_line():
    text = PRINT_SEED.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="needs source=") as caught:
        kt_clean.extract(text)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 120
    assert kt_clean.extract(text, source="p.txt").layout == "print"
