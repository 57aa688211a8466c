"""A batch survives what its workers do (issue #16, case 2 and the time-limit part of 7).

The worker processes are forked, so a page function patched here runs patched in them:
the tests make a worker kill itself (as the OOM killer would) or ignore the alarm (as a page
stuck in a long C call does), and check that the run finishes, lists that page, and cleans
every other page.
"""

import json
import os
import signal
import time

import pytest

import kt_clean
from conftest import PRINT_SEED
from kt_clean import batch as kb


def _tree(root, n, special=None):
    pages = root / "in"
    pages.mkdir()
    text = PRINT_SEED.read_text(encoding="utf-8")
    for i in range(n):
        (pages / f"p{i:02d}.txt").write_text(text.replace("Korea", f"Korea{i}", 1),
                                             encoding="utf-8")
    if special:
        (pages / "special.txt").write_text(special + "\n" + text, encoding="utf-8")
    return pages


def _errors(out):
    return [json.loads(x) for x in (out / "_errors.ndjson").read_text().splitlines()]


def _patched(real, action):
    def article(doc, layouts=None, **kwargs):
        if doc.text.startswith("KILL ME"):
            action()
        return real(doc, layouts, **kwargs)
    return article


def test_a_worker_killed_mid_run_loses_only_its_page_and_the_run_finishes(tmp_path,
                                                                          monkeypatch):
    # As kill -9 or the OOM killer: the worker vanishes without a word.
    monkeypatch.setattr(kt_clean.pipeline, "article", _patched(
        kt_clean.pipeline.article, lambda: os.kill(os.getpid(), signal.SIGKILL)))
    pages = _tree(tmp_path, 24, special="KILL ME")
    out = tmp_path / "out"
    t0 = time.monotonic()
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(out), jobs=2,
                                           chunk_size=4))
    assert time.monotonic() - t0 < 30  # it used to wait in pool.join() for ever
    # A page of a chunk the dead worker had finished (outputs renamed, answer not yet sent)
    # is tried again and found up to date: skipped, never lost nor written twice.
    assert (summary.found, summary.cleaned + summary.skipped, summary.failed) == (25, 24, 1)
    assert summary.reasons == {"lost": 1}
    [error] = _errors(out)
    assert error["path"].endswith("special.txt") and "died" in error["error"]
    assert len(list(out.glob("p*.json"))) == 24


def test_a_page_deaf_to_the_alarm_is_stopped_by_the_parent_as_a_timeout(tmp_path,
                                                                        monkeypatch):
    def deaf() -> None:  # a long C call: the alarm cannot interrupt it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)

    monkeypatch.setattr(kt_clean.pipeline, "article", _patched(kt_clean.pipeline.article, deaf))
    pages = _tree(tmp_path, 6, special="KILL ME")
    out = tmp_path / "out"
    t0 = time.monotonic()
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(out), jobs=2,
                                           chunk_size=1, timeout=0.5))
    assert time.monotonic() - t0 < 30  # the limit plus the grace period, not 60 s
    assert (summary.cleaned + summary.skipped, summary.failed) == (6, 1)
    assert summary.reasons == {"timeout": 1}
    [error] = _errors(out)
    assert error["path"].endswith("special.txt")


@pytest.mark.parametrize("jobs", [2])
def test_many_pages_in_flight_when_a_worker_dies_are_all_retried(tmp_path, monkeypatch, jobs):
    # Big chunks: the dead worker held many pages; each is tried again alone.
    monkeypatch.setattr(kt_clean.pipeline, "article", _patched(
        kt_clean.pipeline.article, lambda: os.kill(os.getpid(), signal.SIGKILL)))
    pages = _tree(tmp_path, 30, special="KILL ME")
    out = tmp_path / "out"
    summary = kb.run_batch(kb.BatchOptions(str(pages), out_dir=str(out), jobs=jobs,
                                           chunk_size=16))
    assert (summary.seen, summary.cleaned + summary.skipped, summary.failed) == (31, 30, 1)
    assert [e["reason"] for e in _errors(out)] == ["lost"]


@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "-1"])
def test_a_timeout_no_timer_can_take_is_a_usage_error(tmp_path, value):
    from typer.testing import CliRunner

    from kt_clean.cli import app

    pages = _tree(tmp_path, 1)
    result = CliRunner().invoke(app, ["batch", str(pages), "-o", str(tmp_path / "out"),
                                      "--timeout", value])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # refused before any work


def test_the_library_refuses_such_limits_too():
    from kt_clean.limits import Limits

    for bad in (float("nan"), float("inf"), -1.0, 1e300):
        with pytest.raises(ValueError, match="page_timeout"):
            Limits(page_timeout=bad)
    assert Limits(page_timeout=0).page_timeout == 0


def test_a_worker_over_its_memory_mark_hands_memory_back(monkeypatch):
    """A worker keeps its peak after a large page (glibc holds freed memory); over
    WORKER_TRIM_BYTES after a chunk it collects and calls malloc_trim, under it does not."""
    calls = []
    monkeypatch.setattr(kb, "_malloc_trim", lambda: calls.append)
    monkeypatch.setattr(kb, "WORKER_TRIM_BYTES", 1 << 60)
    kb._give_back_memory()
    assert calls == []
    monkeypatch.setattr(kb, "WORKER_TRIM_BYTES", 0)
    kb._give_back_memory()
    assert calls == [0]
    assert kb._resident_bytes() > 0


def test_the_real_malloc_trim_is_found_on_glibc():
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    assert kb._malloc_trim() is not None
    assert kb._malloc_trim()(0) in (0, 1)
