"""Careless and hostile inputs to the page commands and to batch outputs (issue #16).

Each test reproduces a case of the audit (numbered as in the issue) that failed before:
a hang, a lost input, a traceback, or an output written where it should not be. The
commands run as a user runs them (a subprocess of the console entry point), with a time
limit, so that a hang fails the test instead of stalling the suite.
"""

import contextlib
import fcntl
import json
import os
import stat
import subprocess
import sys
import threading
import time

import pytest

from conftest import FULLNAV_SEED, PRINT_SEED
from kt_clean import batch as kb
from kt_clean.errors import BatchError, InputError
from kt_clean.inputs import iter_stdin, read_path
from kt_clean.limits import Limits

ENTRY = "import sys; from kt_clean.cli import main; sys.argv[0] = 'kt-clean'; main()"


def kt(*args, input=None, timeout=60, cwd=None):
    return subprocess.run([sys.executable, "-c", ENTRY, *map(str, args)], input=input,
                          capture_output=True, timeout=timeout, cwd=cwd)


def one_line_errors(stderr: bytes) -> list[str]:
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text
    lines = text.splitlines()
    assert all(line.startswith("kt-clean: error: ") for line in lines), lines
    return lines


def record_line(path=PRINT_SEED) -> bytes:
    return kt("strip", path).stdout


# -- case 1: stdin of blank lines ---------------------------------------------------------

def test_a_million_newlines_on_stdin_end_quickly_and_the_next_file_is_read():
    t0 = time.monotonic()
    r = kt("extract", "-", PRINT_SEED, input=b"\n" * 1_000_000, timeout=30)
    assert time.monotonic() - t0 < 20  # it re-scanned a growing buffer per line: a hang
    assert r.returncode == 1
    assert one_line_errors(r.stderr) == ["kt-clean: error: -: empty page (only whitespace)"]
    assert b"Korea" in r.stdout  # the file after '-' is cleaned


def test_iter_stdin_reads_each_leading_blank_line_once():
    import io

    class Counting(io.BytesIO):
        calls = 0

        def readline(self, size=-1):
            Counting.calls += 1
            return super().readline(size)

    stream = Counting(b"\n" * 50_000 + PRINT_SEED.read_bytes())
    [doc] = iter_stdin(stream)
    assert doc.text.lstrip().startswith(PRINT_SEED.read_text(encoding="utf-8").lstrip()[:40])
    assert Counting.calls <= 50_002


# -- case 8 and 9: NDJSON on stdin, one bad line among good ones ----------------------------

def test_one_bad_record_on_stdin_does_not_drop_the_records_after_it():
    good = record_line()
    stream = good + b'{"kt_clean": 1, "page": broken\n' + good
    r = kt("emit", "-", "--json", input=stream)
    assert r.returncode == 1
    assert len(r.stdout.splitlines()) == 2  # both good records, around the bad one
    [error] = one_line_errors(r.stderr)
    assert error.startswith("kt-clean: error: -:2: invalid NDJSON record")


def test_one_bad_record_in_an_ndjson_file_keeps_the_others(tmp_path):
    good = record_line()
    path = tmp_path / "stage.ndjson"
    path.write_bytes(good + b"[1, 2]\n" + good)
    r = kt("emit", path, "--json")
    assert r.returncode == 1 and len(r.stdout.splitlines()) == 2
    [error] = one_line_errors(r.stderr)
    assert f"{path}:2: invalid NDJSON record: not a JSON object" in error


def test_an_ndjson_stdin_line_over_max_bytes_is_refused_alone():
    good = record_line()
    huge = b'{"kt_clean": 1, "page": "' + b"x" * 3_000_000 + b'", "source": "s"}\n'
    r = kt("emit", "-", "--json", "--max-bytes", 2_000_000, input=good + huge + good)
    assert r.returncode == 1 and len(r.stdout.splitlines()) == 2
    [error] = one_line_errors(r.stderr)
    assert error == "kt-clean: error: -:2: record line over 2.0 MB (see --max-bytes)"


@pytest.mark.parametrize(("line", "problem"), [
    (b'{"kt_clean": 1, "page": "x", "source": "s", "confidence": 1e999}', "out of range"),
    (b'{"kt_clean": 1, "page": "x", "source": "s", "confidence": NaN}', "not a JSON number"),
    (b'{"kt_clean": 1, "page": "x", "source": "s", "layout": 3}', "'layout' must be"),
    (b'{"kt_clean": 1, "page": "x", "source": "s", "confidence": "high"}', "'confidence'"),
    (b'{"kt_clean": 1, "page": "x", "source": "s", "evidence": [1]}', "'evidence'"),
    (b'{"kt_clean": 1, "page": "x", "source": "s", "n": ' + b"9" * 5000 + b"}",
     "too many digits"),
    (b'{"kt_clean": 1, "page": "x", "source": "s", "n": ' + b"[" * 100_000
     + b"]" * 100_000 + b"}", "nested too deeply"),
])
def test_records_of_the_wrong_shape_are_one_line_errors_not_echoed(line, problem):
    r = kt("strip", "-", input=line + b"\n")
    assert r.returncode == 1 and r.stdout == b""
    [error] = one_line_errors(r.stderr)
    assert problem in error


def test_a_record_with_a_lone_surrogate_is_cleaned_and_written_as_utf8():
    line = b'{"kt_clean": 1, "page": "Caf\\ud800 is open.\\nA second line.", "source": "s"}\n'
    r = kt("strip", "-", input=line)
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["page"].startswith("Caf\ufffd is open.")


def test_iter_stdin_without_on_error_still_raises_on_a_bad_record():
    import io

    docs = iter_stdin(io.BytesIO(b'{"kt_clean": 1, bad\n'))
    with pytest.raises(InputError, match="invalid NDJSON record"):
        next(docs)


# -- case 5: pages beyond any news page's line count ----------------------------------------

def test_a_page_of_ten_million_lines_is_refused_at_once(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a\n" * 10_000_000)
    t0 = time.monotonic()
    r = kt("extract", path, PRINT_SEED)
    assert time.monotonic() - t0 < 20  # it took 155 s and 15.8 GB
    assert r.returncode == 1 and b"Korea" in r.stdout
    [error] = one_line_errors(r.stderr)
    assert error.endswith("page has 10,000,000 lines; the limit is 1,000,000")


def test_the_line_limit_is_a_library_limit_too(tmp_path):
    import kt_clean

    path = tmp_path / "p.txt"
    path.write_text("One line of text here.\n" * 50)
    with pytest.raises(InputError, match="page has 50 lines; the limit is 10"):
        read_path(path, limits=Limits(max_lines=10))
    doc = kt_clean.from_text("line\n" * 50, "s")  # a page not read through the inputs
    with pytest.raises(InputError, match="the limit is 10"):
        kt_clean.strip(doc, limits=Limits(max_lines=10))
    with pytest.raises(ValueError):
        Limits(max_lines=0)


# -- a folder tree deeper than Python's recursion limit -----------------------------------

def _deep_tree(root, depth):
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):  # one level at a time (os.makedirs itself recurses)
            os.mkdir("d", dir_fd=fd)
            fd, old = os.open("d", os.O_RDONLY, dir_fd=fd), fd
            os.close(old)
        page = os.open("page.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(page, b"A sentence long enough to be an article. " * 5)
        os.close(page)
    finally:
        os.close(fd)


def test_a_tree_1100_folders_deep_is_walked_and_mirrored(tmp_path):
    inside = tmp_path / "in"
    out = tmp_path / "out"
    try:
        _deep_tree(inside, 1100)
        r = kt("batch", inside, "-o", out, "-r", "-q")
        one_line_errors(r.stderr)
        assert r.returncode == 0
        found = [path for path in _files(out) if path.endswith(".json")]
        assert len(found) == 1 and found[0].count("/d") == 1100
        r = kt("extract", inside)
        assert r.returncode == 0 and b"A sentence long enough" in r.stdout
    finally:
        for tree in (inside, out):  # shutil.rmtree (pytest's clean-up) recurses too
            if tree.exists():
                _remove(tree)


def _files(root):
    stack, found = [str(root)], []
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                (stack if entry.is_dir(follow_symlinks=False) else found).append(entry.path)
    return found


def _remove(root):
    folders = [str(root)]
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    folders.append(entry.path)
                else:
                    os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)


# -- case 10: outputs that are not regular files ------------------------------------------

@pytest.fixture
def pages(tmp_path):
    inside = tmp_path / "in"
    inside.mkdir()
    for i, seed in enumerate((PRINT_SEED, FULLNAV_SEED)):
        (inside / f"p{i}.txt").write_bytes(seed.read_bytes())
    return inside


def test_ndjson_into_a_fifo_writes_into_it_and_leaves_it_a_fifo(pages, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = kt("batch", pages, "--ndjson", fifo, "-q")
    reader.join(30)
    assert r.returncode == 0, r.stderr
    assert len(got[0].splitlines()) == 2
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_ndjson_into_dev_null_and_a_symlink(pages, tmp_path):
    r = kt("batch", pages, "--ndjson", os.devnull, "-q")
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    real = tmp_path / "real.ndjson"
    link = tmp_path / "link.ndjson"
    link.symlink_to(real.name)
    r = kt("batch", pages, "--ndjson", link, "-q")
    assert r.returncode == 0, r.stderr
    assert os.path.islink(link) and len(real.read_bytes().splitlines()) == 2


def test_the_report_follows_a_symlink_and_a_failed_report_write_exits_1(pages, tmp_path):
    real = tmp_path / "report.json"
    link = tmp_path / "report-link.json"
    link.symlink_to(real.name)
    r = kt("batch", pages, "-o", tmp_path / "out", "-q", "--report", link)
    assert r.returncode == 0 and os.path.islink(link)
    assert json.loads(real.read_text())["cleaned"] == 2
    r = kt("batch", pages, "-o", tmp_path / "out", "-q", "--report", tmp_path / "no" / "r.json")
    assert r.returncode == 1  # it exited 0
    [error] = one_line_errors(r.stderr)
    assert "cannot write the report" in error


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_ndjson_into_a_full_device_stops_with_one_line(pages):
    r = kt("batch", pages, "--ndjson", "/dev/full", "-q")
    assert r.returncode == 1
    [error] = one_line_errors(r.stderr)
    assert "/dev/full: cannot write: No space left on device; the run stopped" in error
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_ndjson_temporary_files_of_a_killed_run_are_removed_by_the_next(pages, tmp_path):
    target = tmp_path / "all.ndjson"
    stale = tmp_path / ".kt-clean-all.ndjson.abc123.tmp"
    stale.write_bytes(b"half a run")
    other = tmp_path / ".kt-clean-other.ndjson.abc123.tmp"  # another file's run
    other.write_bytes(b"theirs")
    r = kt("batch", pages, "--ndjson", target, "-q")
    assert r.returncode == 0
    assert not stale.exists() and other.exists()


# -- case 11: an NDJSON output inside the inputs --------------------------------------------

def test_ndjson_inside_the_input_folder_is_refused(pages):
    before = (pages / "p0.txt").read_bytes()
    r = kt("batch", pages, "--ndjson", pages / "p0.txt", "-q")
    assert r.returncode == 2
    [error] = one_line_errors(r.stderr)
    assert "must not be inside the input folder" in error
    assert (pages / "p0.txt").read_bytes() == before
    assert not (pages / "p0.txt.errors.ndjson").exists()


# -- case 12: two runs into one output ------------------------------------------------------

def test_a_second_run_into_a_locked_output_refuses_or_waits(pages, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / ".kt-clean.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a run in progress holds it
    try:
        r = kt("batch", pages, "-o", out, "-q")
        assert r.returncode == 2
        [error] = one_line_errors(r.stderr)
        assert "another kt-clean batch is writing there" in error and "--wait" in error
        assert not (out / "p0.json").exists()
        threading.Timer(1.0, os.close, (fd,)).start()  # the other run ends in a second
        t0 = time.monotonic()
        r = kt("batch", pages, "-o", out, "-q", "--wait")
        assert r.returncode == 0 and time.monotonic() - t0 >= 0.9
        assert (out / "p0.json").exists()
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def test_the_library_refuses_a_locked_ndjson_output(pages, tmp_path):
    target = tmp_path / "all.ndjson"
    fd = os.open(tmp_path / ".all.ndjson.kt-clean.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(BatchError, match="another kt-clean batch"):
            kb.run_batch(kb.BatchOptions(str(pages), ndjson=str(target), jobs=1))
    finally:
        os.close(fd)
    assert kb.run_batch(kb.BatchOptions(str(pages), ndjson=str(target), jobs=1)).cleaned == 2


# -- case 13: the errors file cannot be written -------------------------------------------

def test_failures_the_errors_file_cannot_take_are_counted_and_reported(pages, tmp_path,
                                                                       monkeypatch):
    (pages / "empty.txt").write_text("")
    (pages / "binary.txt").write_bytes(b"\0\1\2" * 100)
    real_write_all = kb.write_all

    def full_disk(fd, data):
        if data.startswith(b'{"path"'):
            raise OSError(28, "No space left on device")
        real_write_all(fd, data)

    monkeypatch.setattr(kb, "write_all", full_disk)
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(tmp_path / "out"),
                                           jobs=1))
    assert summary.cleaned == 2 and summary.failed == 2  # the run went on to the end
    assert summary.unlisted == 2
    assert summary.errors_problem == "cannot write: No space left on device"
    assert summary.to_dict()["unlisted_failures"] == 2


# -- smaller: a symlinked sub-folder of OUT --------------------------------------------------

def test_a_symlinked_subfolder_of_out_creates_nothing_outside(tmp_path):
    inside = tmp_path / "in" / "sub" / "deeper"
    inside.mkdir(parents=True)
    (inside / "a.txt").write_text("A sentence long enough to be an article. " * 5)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(elsewhere)
    r = kt("batch", tmp_path / "in", "-o", out, "-r", "-q")
    assert r.returncode == 1
    [error] = one_line_errors(r.stderr)
    assert "a.txt: cannot write its output" in error and "is a symlink" in error
    assert list(elsewhere.iterdir()) == []  # `deeper` was created there before


# --- HTML too large for the DOM extractors ------------------------------------------------

def _big_page(links: int) -> bytes:
    nav = "".join(f'<div class="nav"><a href="/s{i}">Section {i}</a></div>' for i in range(links))
    text = ("The council voted on Tuesday to extend the library's opening hours, after a "
            "petition signed by more than four thousand residents asked for evening access")
    paras = "".join(f"<p>{text}, point {i}.</p>" for i in range(8))
    return (f"<html><head><title>Library hours extended</title></head><body>{nav}"
            f"<h1>Library hours extended</h1>{paras}<div>Copyright 2025</div>"
            f"</body></html>").encode()


def test_html_with_too_many_elements_is_labelled_by_its_lines(monkeypatch):
    """Over EXTRACT_MAX_ELEMENTS the DOM extractors are skipped (410,000 divs took 25 s in
    trafilatura); the rendered lines are classified as a dump's are, nothing is lost."""
    import kt_clean
    from kt_clean.cleaners import html as html_cleaner
    from kt_clean.inputs import load_bytes

    page = _big_page(60)
    monkeypatch.setattr(html_cleaner, "EXTRACT_MAX_ELEMENTS", 100)
    art = kt_clean.extract(page, source="big.html")
    assert "point 0." in art.body and "point 7." in art.body
    assert "Section 3" not in art.body
    assert art.title == "Library hours extended"
    doc = kt_clean.strip(load_bytes(page, "big.html")[0])
    assert "html-too-many-elements" in doc.evidence
    assert len(doc.labels) == len(doc.lines)  # every line labelled
    assert {lab.rule.split(":")[0] for lab in doc.labels if lab.tag != "blank"} == {"generic"}


def test_a_tag_of_thousands_of_attributes_is_cut_before_libxml2_sees_it():
    """A tag of 100,000 attributes cost libxml2 20 s (it compares each attribute with the
    ones before it); the tag scan keeps the first MAX_ATTRIBUTES. A '<' in a script's text
    is no tag, and a page without such a tag is passed on as it is (the same object)."""
    from kt_clean.html import parse

    attrs = " ".join(f"data-a{i}='{i}'" for i in range(3000))
    page = f"<html><body><h1 class='headline' {attrs}>A title</h1><p>Text.</p></body></html>"
    root = parse.parse_html(page)
    h1 = root.find(".//h1")
    assert len(h1.attrib) == parse.MAX_ATTRIBUTES
    assert h1.get("class") == "headline" and h1.get("data-a998") == "998"
    assert h1.text_content() == "A title" and root.find(".//p").text == "Text."

    script = "<script>if (a <b " + " ".join(f"x{i}=1" for i in range(3000)) + "> c) {}</script>"
    data = f"<html><body>{script}<p>Text.</p></body></html>".encode()
    assert parse.cap_tag_attributes(data) is data
    plain = _big_page(3)
    assert parse.cap_tag_attributes(plain) is plain


def test_an_element_with_thousands_of_attributes_is_cut_after_a_slow_parse(monkeypatch):
    """The second line of defence, for markup the tag scan cannot read: after a parse slower
    than SLOW_PARSE, elements keep their first MAX_ATTRIBUTES attributes, so the extractors'
    later parses of the page's parts are cheap; the text and the first attributes stay."""
    import kt_clean
    from kt_clean.html import parse

    monkeypatch.setattr(parse, "cap_tag_attributes", lambda data: data)  # the scan missed it
    monkeypatch.setattr(parse, "SLOW_PARSE", 0.0)  # every parse counts as slow
    monkeypatch.setattr(parse, "MAX_ATTRIBUTES", 50)
    attrs = " ".join(f"data-a{i}='{i}'" for i in range(400))
    html = _big_page(3).decode().replace("<h1>", f"<h1 class='headline' {attrs}>", 1)
    root = parse.parse_html(html)
    h1 = root.find(".//h1")
    assert len(h1.attrib) == 50 and h1.get("class") == "headline" and h1.get("data-a48") == "48"
    assert h1.text_content() == "Library hours extended"
    art = kt_clean.extract(html.encode(), source="attrs.html")
    assert art.title == "Library hours extended" and "point 7." in art.body


def test_a_long_run_of_blank_lines_before_the_photo_news_zone_is_linear():
    """Case 6: seed 003 with 200,000 blank lines after its related story took 30 s (the
    photo-news zone's ``\\s*`` rescanned the run from each of its lines); now the page is
    cleaned at once, to the same article."""
    import kt_clean

    lines = FULLNAV_SEED.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("North Korean leader"))
    padded = "\n".join([*lines[:at + 1], *[""] * 200_000, *lines[at + 1:]])
    limits = Limits(page_timeout=10.0)
    art = kt_clean.extract(padded.encode(), source="padded.txt", limits=limits)
    seed = kt_clean.extract(FULLNAV_SEED.read_bytes(), source="seed.txt")
    assert art.layout == "full-nav"
    assert (art.title, art.body, art.authors) == (seed.title, seed.body, seed.authors)


# --- learn's output and input folder --------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    sys.path.insert(0, str(PRINT_SEED.parents[1] / "bench"))
    from kt_corpus import make_pages

    folder = tmp_path / "site"
    folder.mkdir()
    for i, page in enumerate(make_pages("print", 8, seed=3)):
        (folder / f"p{i}.txt").write_text(page, encoding="utf-8")
    return folder


def test_learn_output_through_a_symlink_writes_the_target(site, tmp_path):
    target = tmp_path / "rules.toml"
    target.write_text("old")
    target.chmod(0o644)
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    r = kt("learn", site, "-o", link, "--name", "learned")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and "[layout]" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # its mode kept (was 0600)


def test_learn_output_into_a_fifo_writes_into_it(site, tmp_path):
    fifo = tmp_path / "rules.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = kt("learn", site, "-o", fifo, "--name", "learned")
    reader.join(30)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert b"[layout]" in got[0]


@pytest.mark.parametrize("where", ["folder", "missing-dir"])
def test_learn_output_that_cannot_be_written_is_one_line(site, tmp_path, where):
    out = tmp_path / "out-folder" if where == "folder" else tmp_path / "no" / "such" / "r.toml"
    if where == "folder":
        out.mkdir()
    r = kt("learn", site, "-o", out, "--name", "learned")
    assert r.returncode != 0
    assert len(one_line_errors(r.stderr)) == 1
    assert (out.is_dir() and not any(out.iterdir())) if where == "folder" else not out.exists()


def test_learn_glob_does_not_read_outside_its_folder(site, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text(PRINT_SEED.read_text(encoding="utf-8"), encoding="utf-8")
    r = kt("learn", site, "--glob", "../*.txt", "--name", "learned")
    assert r.returncode != 0
    assert b"secret" not in r.stdout
    assert one_line_errors(r.stderr) == [f"kt-clean: error: {site}: need at least 5 pages of "
                                         "the site, got 0"]  # secret.txt was not read


def test_an_unterminated_string_in_a_record_is_named_once():
    from kt_clean.inputs.records import parse_record

    with pytest.raises(InputError) as err:
        parse_record('{"text": "abc', "f.ndjson:3")
    assert str(err.value) == ("f.ndjson:3: invalid NDJSON record: Unterminated string "
                              "starting at column 10")


@pytest.mark.parametrize("charset", ["rot13", "base64", "punycode", "undefined"])
def test_an_html_page_declaring_a_codec_that_is_no_text_encoding_is_read(charset):
    """A page's own <meta charset> naming rot13 or punycode escaped as a bare LookupError or
    UnicodeError; it is read as a page declaring nothing."""
    import kt_clean

    page = (f'<html><head><meta charset="{charset}"><title>T</title></head><body><p>'
            + "A sentence of the article, long enough to be kept as its text. " * 4
            + "</p></body></html>").encode()
    art = kt_clean.extract(page, source="p.html")
    assert "A sentence of the article" in art.body
