"""What users of other command-line tools expect of kt-clean (issue 17): `python -m`,
colour variables, packaging metadata, shell completion, logging, separators between pages,
messages that point the way."""

import os
import re
import subprocess
import sys
import tomllib

from typer.testing import CliRunner

from conftest import FULLNAV_SEED, ROOT
from kt_clean import __version__
from kt_clean.cli import app

runner = CliRunner()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def run(*args, input=None, env=None):
    return runner.invoke(app, [str(a) for a in args], input=input, env=env)


def test_python_m_kt_clean_is_the_command_line():
    result = subprocess.run([sys.executable, "-m", "kt_clean", "--version"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout == f"kt-clean {__version__}\n"
    result = subprocess.run([sys.executable, "-m", "kt_clean", "detect", str(FULLNAV_SEED)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "\tfull-nav\t" in result.stdout


def test_force_color_colours_a_pipe_and_no_color_wins_over_it():
    plain = run("diff", FULLNAV_SEED, env={"NO_COLOR": "", "FORCE_COLOR": ""})
    assert "\x1b[" not in plain.stdout
    forced = run("diff", FULLNAV_SEED, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    both = run("diff", FULLNAV_SEED, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in both.stdout
    flag = run("diff", FULLNAV_SEED, "--no-color", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in flag.stdout


def test_the_license_is_a_file_the_wheel_carries():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY" in text


def test_package_metadata_has_keywords_and_classifiers():
    project = PYPROJECT["project"]
    assert "boilerplate removal" in project["keywords"]
    classifiers = project["classifiers"]
    assert "Typing :: Typed" in classifiers and "Environment :: Console" in classifiers
    # no licence classifier next to the SPDX `license` (PEP 639 forbids both)
    assert not any(c.startswith("License ::") for c in classifiers)
    assert any(c.endswith(":: Only") for c in classifiers)


def test_the_bench_extra_installs_what_the_training_scripts_import():
    bench = " ".join(PYPROJECT["project"]["optional-dependencies"]["bench"])
    for script in ("train_classifier.py", "train_pagetype.py", "html_quality.py"):
        text = (ROOT / "bench" / script).read_text(encoding="utf-8")
        for module, package in (("lightgbm", "lightgbm"), ("sklearn", "scikit-learn"),
                                ("justext", "justext")):
            if re.search(rf"^\s*(?:import|from) {module}\b", text, re.M):
                assert package in bench, f"bench/{script} needs {package}"


# -- several pages, CSV, front matter, -o DIR ---------------------------------------------

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def test_one_page_prints_as_before_and_several_are_separated():
    for fmt in ("text", "markdown"):
        one = [run("extract", s, "--format", fmt).stdout for s in SEEDS]
        both = run("extract", *SEEDS, "--format", fmt)
        assert both.exit_code == 0
        assert both.stdout == "\n---\n\n".join(one)
        assert not one[0].startswith("---") and "\n---\n" not in one[0]


def test_front_matter_starts_each_page_and_applies_to_text_and_markdown_only():
    import yaml

    result = run("extract", *SEEDS, "--markdown", "--front-matter")
    assert result.exit_code == 0
    pages = result.stdout.split("\n---\n\n")  # after each front matter's closing line
    heads = [yaml.safe_load(chunk) for chunk in result.stdout.split("---\n")[1::2]]
    assert [h["source"] for h in heads] == [str(s) for s in SEEDS]
    assert heads[1]["title"] == "US, North Korea in talks for 2nd Trump-Kim summit"
    assert len(pages) == 3 and pages[1].startswith("# ")
    bad = run("extract", SEEDS[0], "--json", "--front-matter")
    assert bad.exit_code == 2 and "--front-matter applies to text and Markdown" in bad.stderr


def test_csv_is_one_header_and_a_row_per_page():
    import csv
    import io
    import json

    result = run("extract", ROOT / "seeds", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [r["source"] for r in rows] == [str(ROOT / "seeds" / s.name) for s in SEEDS]
    record = json.loads(run("extract", SEEDS[1], "--json").stdout)
    assert rows[1]["title"] == record["title"] and rows[1]["body"] == record["body"]
    assert rows[1]["authors"] == "; ".join(record["authors"])
    assert run("batch", ROOT / "seeds", "-o", "x", "--format", "csv").exit_code == 2


def test_extract_o_dir_writes_a_file_per_page(tmp_path):
    import json

    pages = tmp_path / "pages"
    (pages / "2019").mkdir(parents=True)
    (pages / "2019" / "a.txt").write_bytes(SEEDS[0].read_bytes())
    (pages / "a.html").write_bytes(b"<html><body><h1>A headline here</h1><p>" +
                                   b"A sentence of the article, long enough to keep. " * 8 +
                                   b"</p></body></html>")
    (pages / "a.txt").write_bytes(SEEDS[1].read_bytes())
    out = tmp_path / "out"
    result = run("extract", pages, SEEDS[1], "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    # a.html -> a.json, a.txt (later by name) keeps its whole name; the seed given as a
    # file takes its own name
    assert files == ["003_67df4e5bb0c6f5bf.json", "2019/a.json", "a.json", "a.txt.json"]
    assert json.loads((out / "2019" / "a.json").read_text())["layout"] == "print"
    md = run("extract", SEEDS[0], "-o", out, "--markdown", "--front-matter")
    assert md.exit_code == 0
    assert (out / "000_565ea5bced93b1ee.md").read_text().startswith("---\nsource: ")


def test_extract_o_dir_refuses_stdin_and_a_dir_holding_an_input(tmp_path):
    result = run("extract", "-", "-o", tmp_path / "out", input="a page\n")
    assert result.exit_code == 2 and "has no name" in result.stderr
    result = run("extract", tmp_path, "-o", tmp_path)
    assert result.exit_code == 2 and "holds the input folder" in result.stderr
    (tmp_path / "file").write_text("x")
    result = run("extract", SEEDS[0], "-o", tmp_path / "file")
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_an_output_folder_inside_the_input_folder_is_not_read(tmp_path):
    (tmp_path / "a.txt").write_bytes(SEEDS[0].read_bytes())
    for _ in range(2):  # the second run must not read the first run's outputs
        result = run("extract", tmp_path, "-o", tmp_path / "out", "--json")
        assert result.exit_code == 0 and result.stderr == ""
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.json"]


def test_an_article_record_as_input_is_refused_clearly(tmp_path):
    record = run("extract", SEEDS[1], "--json").stdout
    for args, stdin in ((["emit", "-", "--markdown"], record),
                        (["strip", "-"], record),
                        (["emit", "-", "--input-format", "ndjson"], record)):
        result = run(*args, input=stdin)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.startswith("kt-clean: error: -")
        assert "an article record (the output of 'extract --json')" in result.stderr
    saved = tmp_path / "articles.ndjson"
    saved.write_text(record * 2)
    result = run("extract", saved)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1


# -- batch: nothing found ------------------------------------------------------------------

def test_batch_that_finds_no_page_says_so_and_fails_like_extract(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(SEEDS[0].read_bytes())
    result = run("batch", ROOT / "seeds", "-o", tmp_path / "o1", "--glob", "nomatch*")
    assert result.exit_code == 1
    assert result.stderr == f"kt-clean: error: {ROOT / 'seeds'}: no pages match --glob 'nomatch*'\n"
    result = run("batch", tmp_path, "--ndjson", "-")
    assert result.exit_code == 1
    assert "no pages in it (its sub-folders are searched only with --recursive)" in result.stderr
    assert run("batch", tmp_path, "--ndjson", "-", "-r", "-q").exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("extract", empty).exit_code == run("batch", empty, "--ndjson", "-").exit_code == 1


def test_batch_workers_count_each_page_as_it_ends(tmp_path, monkeypatch):
    import multiprocessing

    from kt_clean import batch

    seen = []
    real = batch._process_page

    def watched(cfg, rel, out_rel, *rest):
        seen.append(batch._DONE.value)
        return real(cfg, rel, out_rel, *rest)

    for i in range(3):
        (tmp_path / f"p{i}.txt").write_bytes(SEEDS[i % 2].read_bytes())
    monkeypatch.setattr(batch, "_process_page", watched)
    summary = batch.run_batch(batch.BatchOptions(tmp_path, ndjson=str(tmp_path.parent / "o.ndjson"),
                                                 jobs=1, chunk_size=3))
    assert seen == [0, 1, 2]  # one chunk of three pages, counted page by page
    assert summary.seen == summary.seen_now() == 3 and summary.worker_pages.value == 3
    assert batch._DONE is None  # the run's counter does not outlive it
    assert isinstance(summary.worker_pages, type(multiprocessing.Value("q", 0)))


# -- notes, -v, -q, completion -------------------------------------------------------------

def test_side_by_side_without_the_columns_says_so_and_q_hides_it():
    result = run("diff", FULLNAV_SEED, "--side-by-side", "--width", "80")
    assert result.exit_code == 0
    assert result.stderr == ("kt-clean: note: --side-by-side needs 100 columns and 80 are "
                             "available (--width, else COLUMNS, else the terminal's width, "
                             "else 80): the view is stacked\n")
    assert run("diff", FULLNAV_SEED, "--side-by-side", "--width", "80", "-q").stderr == ""
    assert run("diff", FULLNAV_SEED, "--side-by-side", "--width", "120").stderr == ""


def test_verbose_says_what_each_page_became_on_kt_cleans_own_logger():
    import logging

    root_handlers = list(logging.getLogger().handlers)
    result = run("extract", *SEEDS, "-v")
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(re.fullmatch(r"kt-clean: info: \S+: done in [\d.]+ ms", x)
                                   for x in lines)
    result = run("extract", SEEDS[1], "-vv", "--json")
    assert "kt-clean: debug: " in result.stderr and "layout full-nav" in result.stderr
    assert result.stdout == run("extract", SEEDS[1], "--json").stdout
    assert logging.getLogger().handlers == root_handlers  # nothing global
    assert not logging.getLogger("kt_clean").propagate
    assert run("extract", SEEDS[1], "-v", "-q").exit_code == 2
    assert run("extract", SEEDS[1]).stderr == ""  # quiet by default


def test_batch_verbose_gives_a_line_per_page_as_the_page_commands_do(tmp_path):
    import shutil

    pages = tmp_path / "in"
    pages.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, pages)
    for jobs in ("1", "2"):
        result = run("batch", str(pages), "-o", str(tmp_path / f"out{jobs}"), "-v", "-j",
                     jobs)
        done = sorted(x for x in result.stderr.splitlines() if x.startswith("kt-clean: info:"))
        assert len(done) == 2, result.stderr
        assert all(re.fullmatch(r"kt-clean: info: \S+: done in [\d.]+ ms", x) for x in done)
    again = run("batch", str(pages), "-o", str(tmp_path / "out1"), "-v")
    assert again.stderr.count(": skipped (up to date)") == 2
    quiet = run("batch", str(pages), "-o", str(tmp_path / "out3"), "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_q_silences_notes_but_never_errors(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from kt_corpus import make_pages

    folder = tmp_path / "site"
    folder.mkdir()
    for i, page in enumerate(make_pages("full-nav", 8, seed=4)):
        (folder / f"p{i}.txt").write_text(page, encoding="utf-8")
    loud = run("learn", folder)
    assert "kt-clean: note: no --timezone given" in loud.stderr
    quiet = run("learn", folder, "-q")
    assert quiet.stdout == loud.stdout and quiet.stderr == ""
    missing = run("extract", "missing.txt", "-q")
    assert missing.exit_code == 1 and missing.stderr == "kt-clean: error: missing.txt: no such file\n"


def _kt(*args, env=None, **kwargs):
    import os

    return subprocess.run([sys.executable, "-m", "kt_clean", *map(str, args)], cwd=ROOT,
                          env={**os.environ, **(env or {})}, **kwargs)


def test_shell_completion_completes_commands_options_and_choices():
    def complete(words, cword):
        return _kt(env={"_KT_CLEAN_COMPLETE": "complete_bash", "COMP_WORDS": words,
                        "COMP_CWORD": str(cword)}, capture_output=True, text=True).stdout.split()

    # (python -m names the program __main__.py: the variable follows kt-clean's own name)
    assert complete("kt-clean ext", 1) == ["extract"]
    assert "--front-matter" in complete("kt-clean extract --f", 2)
    assert complete("kt-clean extract --format ", 3) == ["text", "json", "markdown", "csv"]
    # (with shellingham installed, typer reads --show-completion as a flag and finds the shell
    # among the process's ancestors, which a detached run has none of: naming it is the test)
    shown = _kt("--show-completion", "bash", capture_output=True, text=True,
                env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert shown.returncode == 0 and "_KT_CLEAN_COMPLETE" in shown.stdout


def _pty_run(*args, stdin_pty=False, stderr_pty=False, feed=b""):
    """Run kt-clean with stdin or stderr on a pseudo-terminal; (result, what the terminal
    got)."""
    import os
    import pty
    import threading

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
    if feed:
        os.write(master, feed)
    try:
        result = _kt(*args, stdin=slave if stdin_pty else subprocess.DEVNULL,
                     stdout=subprocess.PIPE,
                     stderr=slave if stderr_pty else subprocess.PIPE, timeout=60,
                     env={"COLUMNS": "100"})
    finally:
        os.close(slave)
        reader.join(10)
        os.close(master)
    return result, b"".join(chunks).decode("utf-8", "replace")


def test_reading_a_terminal_says_so_before_waiting():
    # a page typed at the terminal, then Ctrl-D
    result, _screen = _pty_run("extract", "-", stdin_pty=True,
                              feed=b"A headline\n\nA paragraph of the page.\n\x04")
    assert result.returncode == 0
    assert result.stderr.decode().startswith("kt-clean: note: reading a page from the terminal")
    quiet, _ = _pty_run("extract", "-", "-q", stdin_pty=True, feed=b"Some text here.\n\x04")
    assert quiet.stderr == b""
    piped = _kt("extract", "-", input=b"Some text here.\n", capture_output=True)
    assert piped.stderr == b""


def test_extract_dir_shows_a_progress_bar_on_a_terminal_but_not_in_a_pipe():
    result, screen = _pty_run("extract", ROOT / "seeds", "--json", stderr_pty=True)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2
    assert "cleaning" in screen and "2/2" in screen
    piped = _kt("extract", ROOT / "seeds", "--json", capture_output=True)
    assert piped.stderr == b""
    _quiet, screen = _pty_run("extract", ROOT / "seeds", "--json", "-q", stderr_pty=True)
    assert "cleaning" not in screen


def test_the_library_logs_on_its_own_logger_only_when_the_host_logs():
    code = ("import sys, kt_clean; kt_clean.extract('seeds/003_67df4e5bb0c6f5bf.txt'); "
            "print('logging' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.stdout == "False\n"  # a program that does not log pays nothing


def test_the_library_says_how_it_read_and_cleaned_a_page(caplog):
    import logging

    import kt_clean

    with caplog.at_level(logging.DEBUG, logger="kt_clean"):
        kt_clean.extract(str(FULLNAV_SEED))
    messages = [(r.name, r.getMessage()) for r in caplog.records]
    assert ("kt_clean.inputs", f"{FULLNAV_SEED}: decoded as utf-8") in messages
    assert ("kt_clean.pipeline", f"{FULLNAV_SEED}: labelled by the rules of layout full-nav"
            ) in messages


def test_extract_o_dir_writes_nothing_outside_it(tmp_path):
    pages = tmp_path / "pages"
    (pages / "sub").mkdir(parents=True)
    (pages / "sub" / "a.txt").write_bytes(SEEDS[0].read_bytes())
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    result = run("extract", pages, "-o", out, "--json")
    assert result.exit_code == 1 and "leads outside" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_help_never_breaks_a_word_at_its_hyphen():
    # click's wrapper broke after hyphens: 'default: kt-' / 'clean/VERSION', 'User-' /
    # 'Agent' in an option's help, 'kt-' / 'clean strip -' in the examples.
    for command in ("fetch", "batch", "extract", "strip"):
        for width in ("60", "80", "100"):
            text = subprocess.run(
                [sys.executable, "-m", "kt_clean", command, "--help"], capture_output=True,
                text=True, env={**os.environ, "COLUMNS": width}).stdout
            assert "kt-clean" in text
            broken = [x for x in text.splitlines() if re.search(r"\w-$", x)]
            assert not broken, (command, width, broken)
