"""Hostile and careless use of the command line itself (issue #16).

Each test reproduces a case that gave a traceback, a hang or a broken error line before:
a ``--layouts`` file that is not a rule file, an ``--encoding`` that is no text codec, a
closed or full stdout, a closed stdin, a bug anywhere, a page's terminal escape sequences,
a newline in a file name. The contract checked each time: the exit code, exactly one
``kt-clean: error:`` line on stderr, and no traceback.
"""

import json
import os
import pty
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from conftest import PRINT_SEED
from kt_clean.cli import app

ENTRY = "import sys; from kt_clean.cli import main; sys.argv[0] = 'kt-clean'; main()"
runner = CliRunner()


def kt(*args, timeout=60, **kwargs):
    """Run the console entry point in a subprocess (stderr captured, as bytes)."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-c", ENTRY, *map(str, args)],
                          stderr=subprocess.PIPE, timeout=timeout, **kwargs)


def run_code(code, *args, env=None, timeout=60):
    """Run ``code`` (which ends by calling ``main()``) with ``sys.argv`` set to ``args``."""
    prelude = f"import sys; sys.argv = ['kt-clean', *{[str(a) for a in args]!r}]\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def one_error(stderr) -> str:
    """The one error line of ``stderr`` (bytes or str); fails on a traceback or more lines."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kt-clean: error: "), lines
    return lines[0]


# -- 1: --layouts files that are no rule files ------------------------------------------------

def _not_utf8(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes('[layout]\nname = "caf\u00e9"\n'.encode("latin-1"))
    return p


def _fifo(tmp_path):
    p = tmp_path / "rules.toml"
    os.mkfifo(p)
    return p


def _huge(tmp_path):
    p = tmp_path / "huge.toml"
    p.write_bytes(b"# " + b"x" * (6 * 1024 * 1024) + b"\n")
    return p


def _folder_holding_a_folder(tmp_path):
    (tmp_path / "rules" / "inner.toml").mkdir(parents=True)
    return tmp_path / "rules"


def _deep_toml(tmp_path):
    p = tmp_path / "deep.toml"
    p.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("make,problem", [
    (_not_utf8, "not UTF-8 text"),
    (lambda tmp_path: "/dev/zero", "not a regular file"),
    (_fifo, "not a regular file"),
    (_folder_holding_a_folder, "not a regular file"),
    (_huge, "layout file too large"),
    (_deep_toml, "nested too deeply"),
], ids=["not-utf8", "dev-zero", "fifo", "folder-in-folder", "huge", "deeply-nested"])
def test_a_layouts_file_that_is_no_rule_file_is_one_line_and_exit_2(tmp_path, make, problem):
    path = make(tmp_path)
    r = kt("extract", "--layouts", path, PRINT_SEED, timeout=30)  # a FIFO hung, /dev/zero ran
    assert r.returncode == 2  # as every other bad --layouts file: a usage error
    line = one_error(r.stderr)
    assert str(path) in line and problem in line, line
    assert r.stdout == b""  # nothing was processed


def test_batch_refuses_a_bad_layouts_file_the_same_way(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "p.txt").write_bytes(PRINT_SEED.read_bytes())
    r = kt("batch", tmp_path / "in", "-o", tmp_path / "out", "--layouts", _not_utf8(tmp_path))
    assert r.returncode == 2
    assert "not UTF-8 text" in one_error(r.stderr)


# -- 2: --encoding that is no text encoding ---------------------------------------------------

@pytest.mark.parametrize("encoding", ["rot13", "base64", "nope"])
@pytest.mark.parametrize("command", ["detect", "strip", "emit", "extract", "diff"])
def test_an_encoding_that_is_no_text_codec_is_a_usage_error(command, encoding):
    r = runner.invoke(app, [command, "--encoding", encoding, str(PRINT_SEED)])
    assert r.exit_code == 2, (r.exit_code, r.stderr, r.exception)
    assert f"--encoding {encoding!r}" in one_error(r.stderr)
    assert r.stdout == ""


@pytest.mark.parametrize("encoding", ["rot13", "nope"])
def test_batch_and_learn_check_the_encoding_too(tmp_path, encoding):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "p.txt").write_bytes(PRINT_SEED.read_bytes())
    for args in (["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")],
                 ["learn", str(tmp_path / "in")]):
        r = runner.invoke(app, [*args, "--encoding", encoding])
        assert r.exit_code == 2, (args, r.stderr, r.exception)
        assert f"--encoding {encoding!r}" in one_error(r.stderr)


def test_a_text_encoding_is_still_used():
    r = runner.invoke(app, ["extract", "--encoding", "utf-8", str(PRINT_SEED)])
    assert r.exit_code == 0 and "Trump" in r.stdout


# -- 3: closed stdout and stdin, a full stdout -------------------------------------------------

def _close_stdout():
    os.close(1)


def test_a_closed_stdout_is_one_line_and_exit_1():
    r = kt("extract", PRINT_SEED, stdout=None, preexec_fn=_close_stdout)  # `>&-`
    assert r.returncode == 1
    assert "standard output is closed" in one_error(r.stderr)


def test_a_closed_stdin_is_one_line_and_the_next_file_is_still_cleaned():
    r = kt("extract", "-", PRINT_SEED, stdin=None, preexec_fn=lambda: os.close(0))  # `<&-`
    assert r.returncode == 1
    assert one_error(r.stderr) == "kt-clean: error: -: cannot read: standard input is closed"
    assert b"Trump" in r.stdout


@pytest.mark.parametrize("args", [
    ["extract", PRINT_SEED], ["extract", "--json", PRINT_SEED], ["diff", PRINT_SEED],
    ["detect", PRINT_SEED], ["--version"], ["--help"],
], ids=["extract", "extract-json", "diff", "detect", "version", "help"])
def test_stdout_on_a_full_disk_is_one_line_and_exit_1(args):
    with open("/dev/full", "wb") as full:  # redirected to, as `> /dev/full`: never replaced
        r = kt(*args, stdout=full)
    assert r.returncode == 1
    assert "cannot write the output: No space left on device" in one_error(r.stderr)


def test_learn_to_a_full_stdout_is_one_line(tmp_path):
    sys.path.insert(0, str(PRINT_SEED.parents[1] / "bench"))
    from kt_corpus import make_pages

    for i, page in enumerate(make_pages("print", 8, seed=3)):
        (tmp_path / f"p{i}.txt").write_text(page, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        r = kt("learn", tmp_path, "--timezone", "+09:00", stdout=full)
    assert r.returncode == 1
    assert "No space left on device" in one_error(r.stderr)


# -- 4: one exception funnel -------------------------------------------------------------------

BUG = ("from kt_clean.cli import common, main\n"
       "def bug(*args, **kwargs):\n"
       "    raise {exc}\n"
       "common.Run.named_documents = bug\n"
       "main()\n")


@pytest.mark.parametrize("exc,shown", [
    ("RuntimeError('boom')", "internal error: RuntimeError: boom"),
    ("OSError(5, 'Input/output error')", "internal error: OSError: [Errno 5] Input/output error"),
    ("MemoryError()", "internal error: out of memory (MemoryError)"),
    ("RecursionError('maximum recursion depth exceeded')",
     "internal error: RecursionError: maximum recursion depth exceeded"),
])
def test_an_unexpected_exception_is_one_internal_error_line_and_exit_1(exc, shown):
    r = run_code(BUG.format(exc=exc), "extract", PRINT_SEED)
    assert r.returncode == 1  # as an internal error of one page is today
    assert one_error(r.stderr) == f"kt-clean: error: {shown}"


def test_kt_clean_debug_shows_the_traceback():
    r = run_code(BUG.format(exc="RuntimeError('boom')"), "extract", PRINT_SEED,
                 env={"KT_CLEAN_DEBUG": "1"})
    assert r.returncode != 0
    assert b"Traceback" in r.stderr and b"boom" in r.stderr


def test_ctrl_c_exits_130_quietly_wherever_it_comes():
    for code in (BUG.format(exc="KeyboardInterrupt()"),
                 # before typer runs (while the command's module is imported)
                 "import kt_clean.cli as c\n"
                 "def interrupted(*args):\n"
                 "    raise KeyboardInterrupt\n"
                 "c._register = interrupted\n"
                 "c.main()\n"):
        r = run_code(code, "extract", PRINT_SEED)
        assert r.returncode == 130
        assert r.stderr == b"", r.stderr


# -- 5: sizes one byte over the limit -----------------------------------------------------------

def test_one_byte_over_the_limit_shows_a_difference():
    from kt_clean.limits import MAX_BYTES_DEFAULT, size_text, size_texts

    size, limit = size_texts(MAX_BYTES_DEFAULT + 1, MAX_BYTES_DEFAULT)
    assert size != limit
    assert (size, limit) == ("20,971,521 bytes", "20,971,520 bytes")
    assert size_texts(30_000_000, MAX_BYTES_DEFAULT) == ("30.0 MB", "21.0 MB")
    assert size_text(2_000) == "2,000 bytes"  # not "0.0 MB"


def test_a_file_one_byte_over_max_bytes_says_so_in_bytes(tmp_path):
    page = tmp_path / "big.txt"
    page.write_bytes(b"a line of text\n" * 100 + b"x")  # 1,501 bytes
    r = kt("extract", page, "--max-bytes", "1500")
    assert r.returncode == 1
    assert "file too large (1,501 bytes; the limit is 1,500 bytes" in r.stderr.decode()


# -- 6: the timeout message names its source once ------------------------------------------------

def test_an_html_timeout_names_the_page_once(tmp_path):
    page = tmp_path / "slow.html"
    page.write_text("<html><head><title>T</title></head><body><article><h1>A title</h1>"
                    + "<p>Words of a paragraph long enough to be prose in an article.</p>" * 20
                    + "</article></body></html>", encoding="utf-8")
    code = ("import time\n"
            "import kt_clean.cli.common as common\n"
            "import kt_clean.classifier.htmlmodel as hm\n"
            "common.PAGE_TIMEOUT_DEFAULT = 0.5\n"
            "hm.page_features = lambda *a, **k: time.sleep(5)\n"
            "from kt_clean.cli import main\n"
            "main()\n")
    r = run_code(code, "extract", page)
    assert r.returncode == 1
    line = one_error(r.stderr)
    assert line.count(str(page)) == 1 and "time limit" in line, line


# -- 7: a page's terminal escape sequences ------------------------------------------------------

ESCAPES = ("Seoul \x1b]0;owned\x07 mayor\n"
           "\x1b[2J\x1b[31mThe city said on Monday that the new subway line would open next "
           "year, after a delay of two years caused by the \x9b1m budget.\x1b[0m\n"
           "The mayor told reporters that the \x07 line would carry a million riders a day.\n")


@pytest.fixture
def escapes(tmp_path):
    page = tmp_path / "escapes.txt"
    page.write_text(ESCAPES, encoding="utf-8")
    return page


def _raw_controls(text):
    return [c for c in text if (ord(c) < 32 and c not in "\t\n") or 0x7f <= ord(c) <= 0x9f]


@pytest.mark.parametrize("args", [[], ["--full"], ["--side-by-side", "--width", "120"],
                                  ["--format", "unified"], ["--no-color"]])
def test_diff_shows_a_pages_escape_sequences_escaped(escapes, args):
    r = runner.invoke(app, ["diff", str(escapes), *args])
    assert r.exit_code == 0, r.stderr
    assert _raw_controls(r.stdout) == []
    assert "\\x1b[2J" in r.stdout or args == ["--format", "unified"]


def test_the_coloured_diff_keeps_its_colours_and_escapes_the_page(escapes):
    r = runner.invoke(app, ["diff", str(escapes), "--color"])
    assert r.exit_code == 0
    assert "\\x1b[2J" in r.stdout and "\\x1b]0;owned\\x07" in r.stdout
    assert "\x1b[2J" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
    assert "\x1b[" in r.stdout  # Rich's own colours


def test_strip_diff_on_stderr_is_escaped(escapes):
    r = runner.invoke(app, ["strip", str(escapes), "--diff"])
    assert _raw_controls(r.stderr) == []
    assert "\x1b" in json.loads(r.stdout)["page"]  # the data keeps the page as it is


def _on_a_terminal(*args):
    """Run kt-clean with stdout on a pseudo-terminal; what it printed there."""
    master, slave = pty.openpty()
    chunks = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        r = kt(*args, stdout=slave)
    finally:
        os.close(slave)
        reader.join(10)
        os.close(master)
    return r, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_extract_on_a_terminal_shows_escape_sequences_escaped(escapes, fmt):
    r, shown = _on_a_terminal("extract", escapes, "--format", fmt)
    assert r.returncode == 0, r.stderr
    # (Markdown escapes the '[' as it escapes any markup character)
    assert ("\\x1b[2J" if fmt == "text" else "\\x1b\\[2J") in shown and "subway" in shown
    assert _raw_controls(shown) == []


def test_extract_into_a_pipe_or_as_json_keeps_the_text(escapes):
    r = runner.invoke(app, ["extract", str(escapes)])  # not a terminal: data, as it is
    assert "\x1b[2J" in r.stdout
    r = runner.invoke(app, ["extract", str(escapes), "--json"])
    texts = " ".join(v for v in json.loads(r.stdout).values() if isinstance(v, str))
    assert "\x1b[2J" in texts and "\\x1b" not in texts


# -- 8: a newline in a file name ------------------------------------------------------------------

def test_a_newline_in_a_file_name_does_not_split_its_error_line(tmp_path):
    missing = tmp_path / "no\nsuch\x1b[2J.txt"
    empty = tmp_path / "empty\npage.txt"
    empty.write_bytes(b"")
    r = runner.invoke(app, ["extract", str(missing), str(empty)])
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("kt-clean: error: ") for line in lines)
    assert "no\\nsuch\\x1b[2J.txt: no such file" in lines[0]
    assert "empty\\npage.txt: empty file" in lines[1]


def test_a_newline_in_a_layouts_path_is_one_line(tmp_path):
    r = runner.invoke(app, ["extract", "--layouts", str(tmp_path / "a\nb.toml"),
                            str(PRINT_SEED)])
    assert r.exit_code == 2
    assert "a\\nb.toml" in one_error(r.stderr)


# -- case 3: devices and FIFOs as page inputs are read with a bound -------------------------

def test_dev_zero_as_an_input_is_refused_at_the_limit_and_the_next_input_is_processed():
    """`extract /dev/zero S0` read 3.7 GB, then a MemoryError traceback, and S0 was lost."""
    r = kt("extract", "/dev/zero", PRINT_SEED, "--json", "--max-bytes", "1000000", timeout=60)
    assert r.returncode == 1
    assert "/dev/zero: input too large (over 1.0 MB" in one_error(r.stderr)
    assert json.loads(r.stdout)["layout"] == "print"


def test_a_fifo_as_an_input_is_read_as_a_page(tmp_path):
    fifo = tmp_path / "page.fifo"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as f:
            f.write(PRINT_SEED.read_bytes())

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    r = kt("extract", fifo, "--json", timeout=60)
    t.join(10)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["layout"] == "print"
