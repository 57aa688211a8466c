"""The command line: every command, stdin, chaining, errors and exit codes.

stdout must carry only data; every diagnostic goes to stderr.
"""

import json

import pytest
from typer.testing import CliRunner

from conftest import FULLNAV_SEED, PAGES, PRINT_SEED, SEED_FILES
from kt_clean import __version__
from kt_clean.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"kt-clean {__version__}\n"


@pytest.mark.parametrize("command", ["detect", "strip", "emit", "extract", "diff", "batch",
                                     "learn"])
def test_help_has_examples_each_on_a_line_of_its_own(command):
    for width in (40, 60, 80, 120):
        result = runner.invoke(app, [command, "-h"], terminal_width=width)
        assert result.exit_code == 0
        examples = result.stdout.split("Examples:\n\n", 1)[1].splitlines()
        assert examples and all(line.startswith("    kt-clean ") for line in examples)
        assert examples[0].startswith(f"    kt-clean {command} ")
        # never cut at the program name's hyphen, or anywhere: each example whole
        assert not any(line.rstrip().endswith("kt-") for line in result.stdout.splitlines())


def test_no_arguments_shows_help():
    result = run()
    assert "Usage" in result.stdout + result.stderr


def test_detect_plain_output():
    result = run("detect", PRINT_SEED, FULLNAV_SEED)
    assert result.exit_code == 0 and result.stderr == ""
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(r[0], r[1]) for r in rows] == [(str(PRINT_SEED), "print"),
                                            (str(FULLNAV_SEED), "full-nav")]
    assert "posted-line" in rows[1][3].split(",")


def test_detect_json_record_carries_the_page():
    result = run("detect", FULLNAV_SEED, "--json")
    record = json.loads(result.stdout)
    assert {"source", "layout", "confidence", "evidence"} <= set(record)
    assert record["layout"] == "full-nav" and record["evidence"]
    assert record["page"] == FULLNAV_SEED.read_text(encoding="utf-8")


def test_extract_json_is_one_object_per_page_per_line():
    result = run("extract", *SEED_FILES, "--json")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert [json.loads(x)["layout"] for x in lines] == ["print", "full-nav"]


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["--markdown", "--json", "--format=text"])
def test_chained_stages_equal_extract_byte_for_byte(seed, fmt):
    detected = run("detect", seed, "--json")
    stripped = run("strip", "-", input=detected.stdout)
    emitted = run("emit", "-", fmt, input=stripped.stdout)
    direct = run("extract", seed, fmt)
    assert emitted.exit_code == direct.exit_code == 0
    assert emitted.stdout == direct.stdout


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_stages_accept_raw_pages_on_stdin(seed):
    piped = run("extract", "-", "--json", input=seed.read_text(encoding="utf-8"))
    assert json.loads(piped.stdout)["title"] == json.loads(run("extract", seed, "--json").stdout)["title"]
    assert json.loads(piped.stdout)["source"] == "-"


def test_strip_record_labels_every_line():
    record = json.loads(run("strip", PRINT_SEED).stdout)
    assert len(record["labels"]) == len(record["page"].split("\n"))
    kept, tag, rule = record["labels"][0]
    assert (kept, tag, rule) == (False, "settings", "print:settings")


def test_strip_kept_prints_the_kept_lines():
    out = run("strip", PRINT_SEED, "--kept").stdout
    assert "share button" not in out and "By Lee Min-hyung\n" in out


def test_strip_kept_separates_pages_as_extract_text_does():
    one = run("strip", PRINT_SEED, "--kept").stdout
    other = run("strip", FULLNAV_SEED, "--kept").stdout
    both = run("strip", PRINT_SEED, FULLNAV_SEED, "--kept").stdout
    assert both == one + "\n---\n\n" + other


def test_explain_adds_removed():
    art = json.loads(run("extract", FULLNAV_SEED, "--json", "--explain").stdout)
    assert {"line", "text", "reason", "rule"} == set(art["removed"][0])


def test_explain_needs_json():
    result = run("extract", FULLNAV_SEED, "--explain")
    assert result.exit_code == 2 and "--explain needs --json" in result.stderr


def test_json_and_markdown_together_is_a_usage_error():
    result = run("extract", FULLNAV_SEED, "--json", "--markdown")
    assert result.exit_code == 2 and result.stdout == ""


def test_unknown_option_is_a_usage_error():
    assert run("extract", FULLNAV_SEED, "--no-such-option").exit_code == 2


def test_bad_inputs_give_one_line_each_and_the_good_ones_still_come_out(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    bad_utf8 = tmp_path / "bad.txt"
    bad_utf8.write_bytes(("naïve café " * 40).encode() + b"\xff\xfe")
    folder = tmp_path / "no-pages"  # a folder stands for its pages; this one has none
    folder.mkdir()
    result = run("extract", tmp_path / "missing.txt", empty, PRINT_SEED, folder, binary,
                 bad_utf8, FULLNAV_SEED, "--json")
    assert result.exit_code == 1
    errors = result.stderr.strip().split("\n")
    assert len(errors) == 5
    assert all(e.startswith("kt-clean: error: ") for e in errors)
    assert "missing.txt: no such file" in errors[0]
    assert "empty.txt: empty file" in errors[1]
    assert "no-pages: is a directory with no pages in it" in errors[2]
    assert "image.png: binary file" in errors[3]
    assert "bad.txt: invalid UTF-8" in errors[4]
    assert "Traceback" not in result.stderr
    assert [json.loads(x)["layout"] for x in result.stdout.splitlines()] == ["print", "full-nav"]


def test_large_file_error(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = run("extract", big)
    assert result.exit_code == 1 and "file too large" in result.stderr and result.stdout == ""


def test_nul_bytes_error(tmp_path):
    page = tmp_path / "nul.txt"
    page.write_bytes(b"Some text\x00more text")
    result = run("detect", page)
    assert result.exit_code == 1 and "NUL bytes" in result.stderr


def test_euc_kr_page_through_the_cli(tmp_path):
    page = tmp_path / "kr.txt"
    text = PAGES.joinpath("koreatimes-com.txt").read_text(encoding="utf-8")
    # EUC-KR has no "•" or "©": a dump saved in EUC-KR shows other marks.
    page.write_bytes(text.replace("•", "*").replace("©", "(c)").encode("euc-kr"))
    art = json.loads(run("extract", page, "--json").stdout)
    assert art["encoding"] == "cp949" and "렌트비" in art["body"]


def test_forced_encoding_option(tmp_path):
    page = tmp_path / "kr.txt"
    page.write_bytes("서울 뉴스 기사 본문입니다. 오늘 서울의 날씨는 맑습니다.".encode("cp949"))
    result = run("extract", page, "--json", "--encoding", "cp949")
    assert json.loads(result.stdout)["encoding"] == "cp949"


def test_bad_record_on_stdin_is_an_input_error_not_a_crash():
    result = run("emit", "-", input='{"kt_clean": 1, "source": "x"}\n')
    assert result.exit_code == 1 and "bad kt-clean record" in result.stderr


def test_user_layouts_option(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[layout]\nname = 'x'\n", encoding="utf-8")
    result = run("detect", PRINT_SEED, "--layouts", bad)
    assert result.exit_code == 2 and "bad.toml" in result.stderr and result.stdout == ""


def test_console_script_runs_one_command_and_full_help(tmp_path):
    """`main()` builds only the named command; help, errors and output are unchanged."""
    import subprocess
    import sys

    def main(*args):
        code = "from kt_clean.cli import main; main()"
        return subprocess.run([sys.executable, "-c", code, *map(str, args)],
                              capture_output=True, text=True)

    direct = main("extract", FULLNAV_SEED, "--json")
    assert direct.returncode == 0
    assert direct.stdout == run("extract", FULLNAV_SEED, "--json").stdout
    assert main("extract", "-h").stdout.startswith("Usage: kt-clean extract [OPTIONS] {PAGE...}")
    bad = main("extract", "--bogus")
    assert bad.returncode == 2 and "No such option: --bogus" in bad.stderr
    listing = main("-h").stdout
    assert [w for w in ("detect", "strip", "emit", "extract", "diff", "batch", "learn")
            if f"\n  {w} " in listing] == ["detect", "strip", "emit", "extract", "diff", "batch",
                                            "learn"]
    assert main("--version").stdout.startswith("kt-clean ")
    assert main("nosuch").returncode == 2
