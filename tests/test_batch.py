"""kt-clean batch: outputs per page, failures listed, resumable, atomic under SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

import kt_clean
from conftest import FULLNAV_SEED, PAGES, PRINT_SEED, ROOT, render_page
from kt_clean import batch as kb
from kt_clean.cli import app

runner = CliRunner()
CLI = [sys.executable, "-c", "from kt_clean.cli import main; main()"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def tree(folder):
    """{relative path: bytes} of the visible files under folder."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    out[os.path.relpath(path, folder)] = f.read()
    return out


def temp_files(folder):
    return [os.path.join(d, n) for d, _, names in os.walk(folder) for n in names
            if n.startswith(kb.TEMP_PREFIX)]


def variant(seed, i):
    """A seed page with its first long paragraph made unique."""
    lines = seed.read_text(encoding="utf-8").split("\n")
    k = next(j for j, line in enumerate(lines) if len(line) > 150)
    lines[k] = f"Variant {i}: {lines[k]}"
    return "\n".join(lines)


@pytest.fixture
def small_tree(tmp_path):
    pages = tmp_path / "in"
    (pages / "sub").mkdir(parents=True)
    (pages / "print.txt").write_bytes(PRINT_SEED.read_bytes())
    (pages / "sub" / "fullnav.txt").write_bytes(FULLNAV_SEED.read_bytes())
    (pages / "sub" / "coauthors.txt").write_bytes((PAGES / "print-coauthors.txt").read_bytes())
    (pages / "empty.txt").write_bytes(b"")
    (pages / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (pages / "bad.txt").write_bytes(("naïve café " * 40).encode() + b"\xff\xfe")
    (pages / ".hidden.txt").write_bytes(PRINT_SEED.read_bytes())  # hidden: not a page
    return pages


GOOD = {"print.txt": "print.json", "sub/fullnav.txt": "sub/fullnav.json",
        "sub/coauthors.txt": "sub/coauthors.json"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_good_pages_come_out_as_extract_gives_them_and_bad_ones_are_listed(small_tree, tmp_path,
                                                                          jobs):
    out = tmp_path / "out"
    result = run("batch", small_tree, "-o", out, "--recursive", "--jobs", jobs,
                 "--report", tmp_path / "report.json")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    files = tree(out)
    assert set(files) == set(GOOD.values()) | {"_errors.ndjson"}
    for page, output in GOOD.items():
        source = os.path.join(str(small_tree), page)
        assert files[output].decode() == render_page(source, "json")
    errors = [json.loads(line) for line in files["_errors.ndjson"].decode().splitlines()]
    reasons = {os.path.basename(e["path"]): e["reason"] for e in errors}
    assert reasons == {"empty.txt": "empty", "image.png": "binary", "bad.txt": "undecodable"}
    assert all(e["error"].startswith(e["path"] + ": ") for e in errors)
    for e in errors:  # each failure is also one line on stderr
        assert f"kt-clean: error: {e['error']}" in result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["pages_found"] == report["pages_seen"] == 6
    assert (report["cleaned"], report["skipped"], report["failed"]) == (3, 0, 3)
    assert report["layouts"] == {"full-nav": 1, "print": 2}
    assert report["chars_kept"] > 0 and report["chars_removed"] > 0
    assert "pages seen" in result.stderr  # the summary table
    assert temp_files(out) == []


def test_formats_give_their_extensions_and_the_tree_is_mirrored(small_tree, tmp_path):
    for fmt, ext in (("markdown", ".md"), ("text", ".txt")):
        out = tmp_path / fmt
        run("batch", small_tree, "-o", out, "-r", "--format", fmt, "-q")
        for page, output in GOOD.items():
            got = (out / (output[:-5] + ext)).read_text(encoding="utf-8")
            assert got == render_page(os.path.join(str(small_tree), page), fmt)


def test_without_recursive_and_with_glob(small_tree, tmp_path):
    run("batch", small_tree, "-o", tmp_path / "a", "-q")
    assert set(tree(tmp_path / "a")) == {"print.json", "_errors.ndjson"}
    result = run("batch", small_tree, "-o", tmp_path / "b", "-r", "--glob", "*.txt", "-q")
    assert set(tree(tmp_path / "b")) == set(GOOD.values()) | {"_errors.ndjson"}
    assert result.exit_code == 1  # empty.txt and bad.txt still fail
    result = run("batch", small_tree, "-o", tmp_path / "c", "-r", "--glob", "sub/*", "-q")
    assert result.exit_code == 0
    assert set(tree(tmp_path / "c")) == {"sub/fullnav.json", "sub/coauthors.json",
                                         "_errors.ndjson"}


def report_of(tmp_path, *args):
    report = tmp_path / "report.json"
    result = run("batch", *args, "--report", report, "-q")
    return result.exit_code, json.loads(report.read_text())


def test_second_run_skips_force_redoes_touch_redoes_one(small_tree, tmp_path):
    out = tmp_path / "out"
    args = (small_tree, "-o", out, "-r", "--jobs", "2")
    code, first = report_of(tmp_path, *args)
    assert (code, first["cleaned"], first["failed"]) == (1, 3, 3)
    before = {name: os.stat(out / name).st_mtime_ns for name in GOOD.values()}

    code, again = report_of(tmp_path, *args)
    assert (again["cleaned"], again["skipped"], again["failed"]) == (0, 3, 3)
    assert {name: os.stat(out / name).st_mtime_ns for name in GOOD.values()} == before
    assert len((out / "_errors.ndjson").read_text().splitlines()) == 3  # this run's failures

    code, forced = report_of(tmp_path, *args, "--force")
    assert (forced["cleaned"], forced["skipped"]) == (3, 0)

    page = small_tree / "sub" / "fullnav.txt"
    written = os.stat(out / "sub" / "fullnav.json").st_mtime_ns
    os.utime(page, ns=(written + 1, written + 1))  # the page is now newer than its output
    code, touched = report_of(tmp_path, *args)
    assert (touched["cleaned"], touched["skipped"]) == (1, 2)
    assert os.stat(out / "sub" / "fullnav.json").st_mtime_ns > written


def test_all_good_exits_0(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "a.txt").write_bytes(PRINT_SEED.read_bytes())
    result = run("batch", pages, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "_errors.ndjson").read_text() == ""


def test_ndjson_stream_in_input_order(small_tree, tmp_path):
    result = run("batch", small_tree, "--ndjson", "-", "-r", "-q")
    assert result.exit_code == 1
    expected = "".join(render_page(os.path.join(str(small_tree), p), "json")
                       for p in ("print.txt", "sub/coauthors.txt", "sub/fullnav.txt"))
    assert result.stdout == expected
    assert result.stderr.count("kt-clean: error: ") == 3

    target = tmp_path / "articles.ndjson"
    result = run("batch", small_tree, "--ndjson", target, "-r", "-q", "--jobs", "2")
    assert target.read_text(encoding="utf-8") == expected
    errors = (tmp_path / "articles.errors.ndjson").read_text().splitlines()
    assert len(errors) == 3 and temp_files(tmp_path) == []


def test_extract_of_a_folder_streams_every_page(small_tree):
    result = run("extract", small_tree, "--json")
    assert result.exit_code == 1 and result.stderr.count("kt-clean: error: ") == 3
    assert [json.loads(x)["source"] for x in result.stdout.splitlines()] == [
        os.path.join(str(small_tree), p) for p in ("print.txt", "sub/coauthors.txt",
                                                   "sub/fullnav.txt")]


def test_usage_and_setup_errors_before_any_work(small_tree, tmp_path):
    assert run("batch", small_tree).exit_code == 2  # neither -o nor --ndjson
    both = run("batch", small_tree, "-o", tmp_path / "o", "--ndjson", "-")
    assert both.exit_code == 2
    missing = run("batch", tmp_path / "nope", "-o", tmp_path / "o")
    assert missing.exit_code == 2 and "no such folder" in missing.stderr
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out, problem in ((a_file, "exists and is not a folder"),
                         (a_file / "sub", "cannot create the output folder"),
                         (small_tree, "must not be or contain the input folder"),
                         (tmp_path, "must not be or contain the input folder")):
        result = run("batch", small_tree, "-o", out)
        assert result.exit_code == 2, out
        assert result.stderr.startswith("kt-clean: error: ") and problem in result.stderr
    damaged = tmp_path / "damaged"
    (damaged / "_errors.ndjson").mkdir(parents=True)
    result = run("batch", small_tree, "-o", damaged)
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    assert tree(damaged) == {}
    assert run("batch", small_tree, "--ndjson", "-", "--format", "text").exit_code == 2


def test_output_folder_inside_the_input_folder_is_not_read_as_pages(small_tree):
    out = small_tree / "clean"
    run("batch", small_tree, "-o", out, "-r", "-q")
    _, report = report_of(small_tree.parent, small_tree, "-o", out, "-r")
    assert report["pages_found"] == 6 and report["skipped"] == 3


def test_names_cannot_write_outside(tmp_path):
    out = str(tmp_path / "out")
    for bad in ("../x.json", "/etc/x.json", "a/../../x.json", "./x.json", ""):
        with pytest.raises(ValueError):
            kb.output_path(out, bad)
    assert kb.output_path(out, "a/b.json") == os.path.join(out, "a", "b.json")


def test_odd_names_symlinks_and_collisions(tmp_path):
    pages = tmp_path / "in"
    (pages / "sub").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_bytes(PRINT_SEED.read_bytes())
    (pages / "link.txt").symlink_to(outside)  # points outside IN_DIR: not read
    (pages / "inside.txt").symlink_to(pages / "sub" / "x.dump")
    (pages / "sub" / "x.dump").write_bytes(PRINT_SEED.read_bytes())
    (pages / "sub" / "x.txt").write_bytes(PRINT_SEED.read_bytes())  # x.json is taken
    (pages / "new\nline ..txt").write_bytes(PRINT_SEED.read_bytes())
    (pages / "한국어.txt").write_bytes(PRINT_SEED.read_bytes())
    victim = tmp_path / "victim"
    victim.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(victim)  # a planted link must not redirect writes
    result = run("batch", pages, "-o", out, "-r", "-q")
    assert result.exit_code == 1
    files = tree(out)
    assert set(files) == {"inside.json", "new\nline ..json", "한국어.json", "_errors.ndjson"}
    assert list(victim.iterdir()) == []
    errors = [json.loads(x) for x in files["_errors.ndjson"].decode().splitlines()]
    assert {os.path.basename(e["path"]): e["reason"] for e in errors} == {
        "link.txt": "outside", "x.dump": "write", "x.txt": "write"}
    os.unlink(out / "sub")
    result = run("batch", pages, "-o", out, "-r", "-q")
    assert {"sub/x.json", "sub/x.txt.json"} <= set(tree(out))


def slow_article(real):
    def article(doc, layouts=None, **kwargs):
        if "SLOW PAGE" in doc.text:
            time.sleep(5)
        return real(doc, layouts, **kwargs)
    return article


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_over_the_time_limit_fails_and_the_others_go_on(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(kt_clean.pipeline, "article", slow_article(kt_clean.pipeline.article))
    pages = tmp_path / "in"
    pages.mkdir()
    for i in range(4):
        (pages / f"p{i}.txt").write_text(variant(PRINT_SEED, i), encoding="utf-8")
    (pages / "p2.txt").write_text("SLOW PAGE\n" + variant(PRINT_SEED, 2), encoding="utf-8")
    t0 = time.monotonic()
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(tmp_path / "out"),
                                           jobs=jobs, timeout=0.3))
    assert time.monotonic() - t0 < 4
    assert (summary.cleaned, summary.failed) == (3, 1)
    assert summary.reasons == {"timeout": 1}
    [error] = [json.loads(x) for x in (tmp_path / "out" / "_errors.ndjson").read_text()
               .splitlines()]
    assert error["path"].endswith("p2.txt") and "time limit" in error["error"]


def test_stale_temporary_files_are_removed(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "a.txt").write_bytes(PRINT_SEED.read_bytes())
    (tmp_path / "out" / "sub").mkdir(parents=True)
    stale = tmp_path / "out" / "sub" / f"{kb.TEMP_PREFIX}abc{kb.TEMP_SUFFIX}"
    stale.write_text("half")
    assert run("batch", pages, "-o", tmp_path / "out", "-q").exit_code == 0
    assert not stale.exists()


# -- interrupted runs ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    """Enough pages that a two-worker run lasts a second or more."""
    pages = tmp_path_factory.mktemp("big") / "in"
    seeds = [PRINT_SEED, FULLNAV_SEED]
    for i in range(1500):
        folder = pages / f"d{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"page{i:05d}.txt").write_text(variant(seeds[i % 2], i), encoding="utf-8")
    reference = pages.parent / "reference"
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(reference), jobs=2,
                                           recursive=True, sync=False))
    assert summary.cleaned == 1500
    return pages, tree(reference)


def start(pages, out):
    return subprocess.Popen([*CLI, "batch", str(pages), "-o", str(out), "-r", "--jobs", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_for_outputs(out, proc, at_least=100):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and sum(1 for _ in out.rglob("*.json")) >= at_least:
            return
        time.sleep(0.005)
    pytest.fail("the run made no outputs in time" if proc.poll() is None
                else "the run ended before it could be interrupted")


def wait_group_gone(pgid):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    pytest.fail("worker processes outlived the killed run")


def test_sigkill_leaves_only_complete_outputs_and_a_rerun_finishes(big_corpus, tmp_path):
    pages, reference = big_corpus
    out = tmp_path / "out"
    proc = start(pages, out)
    wait_for_outputs(out, proc)
    proc.send_signal(signal.SIGKILL)  # the parent only: its workers must die with it
    proc.wait()
    wait_group_gone(proc.pid)
    partial = tree(out)
    done = {k: v for k, v in partial.items() if k != "_errors.ndjson"}
    assert 0 < len(done) < len(reference) - 1
    for name, data in done.items():  # every visible output is complete
        assert data == reference[name], name
    rerun = subprocess.run([*CLI, "batch", str(pages), "-o", str(out), "-r", "--report",
                            str(tmp_path / "r.json"), "-q"], cwd=ROOT, capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["skipped"] >= len(done) and report["cleaned"] + report["skipped"] == 1500
    assert tree(out) == reference
    assert temp_files(out) == []


def test_ctrl_c_stops_the_workers_prints_the_summary_and_exits_130(big_corpus, tmp_path):
    pages, reference = big_corpus
    out = tmp_path / "out"
    proc = start(pages, out)
    wait_for_outputs(out, proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr.decode()
    assert "pages seen" in stderr.decode() and "interrupted" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    wait_group_gone(proc.pid)
    assert temp_files(out) == []
    for name, data in tree(out).items():
        if name != "_errors.ndjson":
            assert data == reference[name], name


def slow_html_extraction(monkeypatch, seconds):
    """HTML pages whose labelling (after parsing) takes ``seconds``."""
    import kt_clean.classifier.htmlmodel as model_module

    real = model_module.page_features

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(model_module, "page_features", slow)


def test_the_time_limit_bounds_html_pages_and_says_timeout(tmp_path, monkeypatch):
    # An HTML page of no known layout: parsed when read, then extracted (3 s here).
    slow_html_extraction(monkeypatch, 3)
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "slow.html").write_bytes((ROOT / "tests/fixtures/html/article.html").read_bytes())
    (pages / "fine.txt").write_bytes(PRINT_SEED.read_bytes())
    t0 = time.monotonic()
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(tmp_path / "out"), jobs=1,
                                           timeout=0.5))
    assert time.monotonic() - t0 < 2.5  # the page's limit held through the HTML work
    assert (summary.cleaned, summary.failed) == (1, 1)
    assert summary.reasons == {"timeout": 1}  # not "input"
    [error] = [json.loads(x) for x in (tmp_path / "out" / "_errors.ndjson").read_text()
               .splitlines()]
    assert error["path"].endswith("slow.html") and error["reason"] == "timeout"
    assert "time limit (0.5 s)" in error["error"]


def test_every_input_failure_has_a_documented_reason_code():
    from kt_clean.vocabulary import FAILURE_REASONS

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for reason in FAILURE_REASONS:
        assert f"`{reason}`" in text, f"docs/cli.md does not list failure reason {reason!r}"


def test_the_report_counts_pages_by_page_type(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "article.txt").write_bytes(PRINT_SEED.read_bytes())
    (pages / "list.txt").write_bytes((PAGES / "kt-reporter-morelist.txt").read_bytes())
    (pages / "menu.txt").write_bytes((PAGES / "kt-amn-menu.txt").read_bytes())
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(tmp_path / "out"), jobs=1))
    assert summary.to_dict()["page_types"] == {"article": 1, "empty": 1, "list": 1}
