"""The time limit: nestable, restoring the caller's timer; the library leaves signals alone."""

import signal
import time

import pytest

import kt_clean
from conftest import ROOT
from kt_clean.errors import PageTimeout
from kt_clean.system import atomic_write, time_limit


def test_a_block_over_its_limit_raises_page_timeout():
    t0 = time.monotonic()
    with pytest.raises(PageTimeout, match=r"time limit \(0.2 s\)"), time_limit(0.2):
        time.sleep(3)
    assert time.monotonic() - t0 < 1.5


def test_an_inner_limit_never_cancels_nor_extends_the_outer_one():
    t0 = time.monotonic()
    with pytest.raises(PageTimeout) as caught, time_limit(0.3):
        with time_limit(0.05):  # finishes in time: the outer limit goes on
            pass
        with time_limit(10):  # longer than the outer one: the outer one still holds
            time.sleep(3)
    assert caught.value.seconds == 0.3
    assert time.monotonic() - t0 < 1.5


def test_the_inner_limit_raises_for_its_own_deadline():
    with time_limit(5):
        with pytest.raises(PageTimeout) as caught, time_limit(0.1):
            time.sleep(3)
        assert caught.value.seconds == 0.1
        time.sleep(0.2)  # the outer limit is still armed, and not due


def test_the_callers_own_timer_and_handler_are_restored():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(time.monotonic()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)
        t0 = time.monotonic()
        with time_limit(5):
            time.sleep(0.1)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0.3 < remaining <= 0.5  # the caller's timer kept what it had left
        time.sleep(1)
        assert len(fired) == 1 and 0.5 < fired[0] - t0 < 0.9
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_callers_timer_fires_at_its_time_inside_a_longer_limit():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(time.monotonic()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        t0 = time.monotonic()
        with time_limit(5):
            time.sleep(0.6)
        assert len(fired) == 1 and 0.15 < fired[0] - t0 < 0.5
        assert signal.getsignal(signal.SIGALRM) is not None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_library_leaves_the_hosts_signal_handler_and_timer_alone():
    def handler(*args):
        pass

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        page = (ROOT / "tests/fixtures/html/article.html").read_bytes()
        art = kt_clean.extract(page, source="article.html")
        assert art.title and art.body
        assert signal.getsignal(signal.SIGALRM) is handler
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 20 < remaining <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_library_sets_no_logger_level_of_other_libraries():
    import logging

    before = {name: logging.getLogger(name).level
              for name in ("trafilatura", "readability", "htmldate", "courlan", "justext")}
    kt_clean.extract((ROOT / "tests/fixtures/html/article.html").read_bytes(),
                     source="article.html")
    assert {name: logging.getLogger(name).level for name in before} == before


def test_atomic_write_leaves_the_whole_file_or_the_old_one(tmp_path, monkeypatch):
    import os

    target = tmp_path / "out.json"
    atomic_write(target, "first\n")
    assert target.read_text() == "first\n"

    def no_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError):
        atomic_write(target, "second\n")
    assert target.read_text() == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_deferred_interrupts_note_a_signal_and_raise_it_where_the_caller_checks():
    """A Ctrl-C raised inside concurrent.futures' lock juggling left a lock held and hung
    the batch's shutdown; under deferred_interrupts a signal is only noted, and raised as
    KeyboardInterrupt at the caller's check (or on the way out), handlers restored."""
    import os
    import signal

    from kt_clean.system import deferred_interrupts

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with deferred_interrupts() as notes:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler has run: noted, nothing raised here
        assert notes.pending
        with pytest.raises(KeyboardInterrupt):
            notes.check()
        notes.check()  # once only
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before

    def interrupt(signum, frame):  # as the command line turns SIGTERM into a Ctrl-C
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt), deferred_interrupts():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # still pending when the block ends: raised on the way out
        assert signal.getsignal(signal.SIGTERM) is interrupt
    finally:
        signal.signal(signal.SIGTERM, old)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_deferred_interrupts_leave_an_ignored_signal_ignored():
    import signal

    from kt_clean.system import deferred_interrupts

    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with deferred_interrupts():
            assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, old)
