"""Compressed pages: bzip2, xz and zstd read like gzip, bounded by --max-bytes, bombs refused
without being held whole; a URL given as a page says what to do."""

import bz2
import gzip
import lzma
import tracemalloc

import pytest
import zstandard
from typer.testing import CliRunner

from conftest import FULLNAV_SEED, PRINT_SEED
from kt_clean import Limits
from kt_clean.cli import app
from kt_clean.errors import InputError
from kt_clean.inputs import load_bytes, read_path
from kt_clean.inputs.compressed import compression_of, decompress
from kt_clean.inputs.walk import iter_pages

runner = CliRunner()
COMPRESS = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda data: zstandard.ZstdCompressor().compress(data),
}


@pytest.mark.parametrize("suffix", COMPRESS)
def test_each_compression_reads_as_the_page_itself(tmp_path, suffix):
    page = tmp_path / f"page.txt.{suffix}"
    page.write_bytes(COMPRESS[suffix](FULLNAV_SEED.read_bytes()))
    [doc] = read_path(page)
    assert doc.text == FULLNAV_SEED.read_text(encoding="utf-8")
    # by its first bytes alone, under another name or as bytes from stdin
    bare = tmp_path / "page.txt"
    bare.write_bytes(page.read_bytes())
    assert read_path(bare)[0].text == doc.text
    assert load_bytes(page.read_bytes(), "-")[0].text == doc.text
    result = runner.invoke(app, ["extract", str(page), "--json"])
    plain = runner.invoke(app, ["extract", str(FULLNAV_SEED), "--json"])
    assert result.exit_code == 0
    assert result.stdout.replace(str(page), "X") == plain.stdout.replace(str(FULLNAV_SEED), "X")


@pytest.mark.parametrize("suffix", COMPRESS)
def test_several_members_or_frames_are_read_to_the_end(tmp_path, suffix):
    page = tmp_path / f"page.txt.{suffix}"
    page.write_bytes(COMPRESS[suffix](b"first half\n") + COMPRESS[suffix](b"second half\n"))
    assert read_path(page)[0].text == "first half\nsecond half\n"


@pytest.mark.parametrize("suffix", COMPRESS)
def test_cut_or_foreign_data_is_undecodable_not_a_page(tmp_path, suffix):
    page = tmp_path / f"page.txt.{suffix}"
    page.write_bytes(COMPRESS[suffix](PRINT_SEED.read_bytes())[:-20])
    with pytest.raises(InputError, match=r"bad .* data") as caught:
        read_path(page)
    assert caught.value.reason == "undecodable"
    page.write_bytes(b"this is not compressed at all, just text\n")
    with pytest.raises(InputError, match=r"bad .* data"):
        read_path(page)


@pytest.mark.parametrize("suffix", COMPRESS)
def test_a_bomb_is_refused_at_the_limit_without_being_held_whole(tmp_path, suffix):
    limit = 1_048_576
    bomb = tmp_path / f"bomb.txt.{suffix}"
    bomb.write_bytes(COMPRESS[suffix](b"a" * (16 << 20)))  # 16 MB of one byte
    assert bomb.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"expands to over 1\.0 MB") as caught:
            read_path(bomb, limits=Limits(max_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "too-large"
    # streamed: never the whole 16 MB (xz also holds its dictionary, 8 MiB at its default;
    # zstd gives up to 2 MB per piece of input fed)
    assert peak < 4 * limit + {"xz": 8 << 20, "zst": 2 << 20}.get(suffix, 0)


def test_an_xz_stream_asking_for_too_much_memory_is_refused(tmp_path, monkeypatch):
    from kt_clean.inputs import compressed

    # (a stream over the real limit, 256 MiB, takes seconds to make: the limit is lowered)
    monkeypatch.setattr(compressed, "XZ_MEMLIMIT", 4 << 20)
    page = tmp_path / "page.txt.xz"
    filters = [{"id": lzma.FILTER_LZMA2, "dict_size": 16 << 20}]  # a 16 MiB dictionary
    page.write_bytes(lzma.compress(b"small page\n", filters=filters))
    with pytest.raises(InputError, match="bad xz data: Memory usage limit") as caught:
        read_path(page)
    assert caught.value.reason == "undecodable"


def test_a_text_page_that_starts_like_bzip2_is_still_a_page(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(b"BZh, a word this page starts with\n")
    assert read_path(page)[0].text.startswith("BZh,")
    assert compression_of("page.txt", b"BZh91AY&SY") == "bzip2"
    assert compression_of("page.txt", b"BZh, a") is None


def test_decompress_leaves_an_empty_input_to_the_reader():
    assert decompress("xz", iter(()), "x", 100) == b""


def test_batch_names_the_output_without_the_compression_suffix(tmp_path):
    (tmp_path / "a.html.bz2").write_bytes(b"")
    (tmp_path / "b.txt.zst").write_bytes(b"")
    outs = [f.out_rel for f in iter_pages(tmp_path, ext=".json")]
    assert outs == ["a.html.json", "b.json"] or outs == ["a.json", "b.json"]
    assert sorted(outs) == ["a.json", "b.json"]


def test_a_url_given_as_a_page_points_to_kt_clean_fetch():
    result = runner.invoke(app, ["extract", "https://www.koreatimes.co.kr/www/nation/1.html"])
    assert result.exit_code == 1
    assert result.stderr == ("kt-clean: error: https://www.koreatimes.co.kr/www/nation/1.html: "
                             "no such file: this is a URL, and kt-clean reads saved pages; "
                             "download it first with 'kt-clean fetch URL'\n")
    result = runner.invoke(app, ["extract", "missing.txt"])
    assert result.stderr == "kt-clean: error: missing.txt: no such file\n"
