"""The child process that cleans a worker's pages, and its keeper in the worker.

Why a child: an engine's worker runs tasks on threads (Dask's worker threads, Ray's and
Spark's executors), where ``SIGALRM`` cannot reach, so the per-page time limit of
:func:`kt_clean.system.time_limit` would not hold. The child cleans pages in its own main
thread, under that limit, one at a time, in the order given. Its keeper,
:class:`PageProcess`, runs in the worker and adds what the local pool's parent does:

- a page that runs past its limit by a grace period (stuck in a C call, deaf to the alarm)
  has its child killed; the page fails with reason ``timeout`` and is never retried;
- a child that dies (``kill -9``, the OOM killer, a crash in a C library) is replaced and
  its page tried once more in a fresh child; if that child dies too, the page fails as
  ``lost``. The worker itself, and the other pages of the task, go on.

The child is started with ``subprocess`` (``python -m kt_clean.engines.child``), not
``multiprocessing``: a Dask worker is a daemonic process, which ``multiprocessing`` forbids
to have children. Messages are pickles over two pipes. Pages are sent ahead of the one being
cleaned only while what waits in the pipe stays under its buffer, so neither side ever
blocks writing while the other does; they go several to a message (the pipe refilled once
half of what was sent ahead is answered), each answered on its own as soon as it is done,
so that the worker, whose core the cluster's other processes share, spends as little as it
can per page.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

from ..inputs.warc import WebPage
from .pages import Outcome, PageConfig, clean_item, failure

#: A page to clean: a file, ``(source, local path or None, bytes or None, url or None)``;
#: a record of a WARC archive, ``(archive, None, None, None, WebPage)``; or an outcome
#: already known (a page that failed before reaching the child), passed through.
Item = (tuple[str, str | None, bytes | None, str | None]
        | tuple[str, None, None, None, WebPage] | Outcome)

#: The child's first word, once it can clean pages; how long it may take to say it.
READY = b"ready"
START_TIMEOUT = 300.0
#: Bytes of pages sent ahead of the one being cleaned, at most (a pipe holds 64 KiB).
AHEAD_BYTES = 32 * 1024
AHEAD_PAGES = 16
#: Pages are sent again once no more than this many of those sent wait for their answer.
REFILL_PAGES = AHEAD_PAGES // 2


def grace(limit: float | None) -> float | None:
    """How long a page may run before its child is killed: its limit, then as long again
    (at least 5 s), as the local pool allows; ``None`` without a limit."""
    return limit + max(5.0, limit) if limit else None


class _Entry:
    """An item on its way: its pickle, when it was sent, whether it was sent again."""

    __slots__ = ("blob", "outcome", "retried", "sent_at", "size", "source")

    def __init__(self, item: Item) -> None:
        self.outcome = item if isinstance(item, Outcome) else None
        self.source = item[0]
        self.blob = b"" if self.outcome is not None else pickle.dumps(
            item, protocol=pickle.HIGHEST_PROTOCOL)
        self.size = len(self.blob)
        self.sent_at = 0.0
        self.retried = False


class ChildDied(Exception):
    """The child process ended while cleaning a page."""


class PageProcess:
    """A child process cleaning pages for this thread; restarted when it dies or hangs."""

    #: How the child is started (the pipes' descriptors are added to it).
    COMMAND: tuple[str, ...] = (sys.executable, "-m", "kt_clean.engines.child")

    def __init__(self, cfg: PageConfig) -> None:
        self.cfg = cfg
        self.proc: subprocess.Popen[bytes] | None = None
        self.to_child: Connection | None = None
        self.from_child: Connection | None = None
        self._poller: Any = None
        self.started = 0

    # -- the process ------------------------------------------------------------------

    def _start(self) -> None:
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        try:
            self.proc = subprocess.Popen(
                [*self.COMMAND, str(down_r), str(up_w)],
                pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                env=env, start_new_session=False)
        finally:
            os.close(down_r)
            os.close(up_w)
        self.to_child = Connection(down_w, readable=False)
        self.from_child = Connection(up_r, writable=False)
        self._poller = select.poll()  # made once: Connection.poll builds a selector a call
        self._poller.register(up_r, select.POLLIN)
        self.started += 1
        try:
            self.to_child.send_bytes(pickle.dumps(self.cfg, protocol=pickle.HIGHEST_PROTOCOL))
            # Ready once its modules are loaded: start-up does not count against a page.
            if self.from_child.poll(START_TIMEOUT) and self.from_child.recv_bytes() == READY:
                return
        except (EOFError, OSError):
            pass
        self.kill()
        raise RuntimeError("the process that cleans pages could not start (see the worker's "
                           "log)")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        """Stop the child (it ends at once when its input closes; killed if it does not)."""
        for conn in (self.to_child, self.from_child):
            if conn is not None:
                with suppress(OSError):
                    conn.close()
        self.to_child = self.from_child = None
        self._poller = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            with suppress(OSError):
                self.proc.kill()
            with suppress(Exception):
                self.proc.wait(timeout=10)
        for conn in (self.to_child, self.from_child):
            if conn is not None:
                with suppress(OSError):
                    conn.close()
        self.to_child = self.from_child = None
        self._poller = None
        self.proc = None

    def __del__(self) -> None:
        with suppress(Exception):
            self.kill()

    # -- pages ------------------------------------------------------------------------

    def clean(self, items: Iterable[Item]) -> Iterator[Outcome]:
        """The outcome of each item, in order. Pages go to the child, a few ahead and
        several to a message; an item that is already an :class:`Outcome` comes back in
        its place."""
        source = iter(items)
        queue: deque[_Entry] = deque()  # to send, in order (pages to send again first)
        pending: deque[_Entry] = deque()  # sent (or passed through), answers not yet read
        limit = grace(self.cfg.limits.page_timeout)
        last_answer = time.monotonic()
        exhausted = False
        in_flight = 0  # pages of `pending` sent to the child
        in_flight_bytes = 0  # and their pickles' bytes
        while True:
            # Send ahead while the pipe has room: once the pages in flight fall to
            # REFILL_PAGES, as many as fit go in one message.
            if in_flight <= REFILL_PAGES:
                batch: list[_Entry] = []
                # what the child has not read yet: all but the page it is cleaning
                head_size = next((e.size for e in pending if e.outcome is None), 0)
                waiting = in_flight_bytes - head_size
                while True:
                    if not queue:
                        nxt = None if exhausted else next(source, None)
                        if nxt is None:
                            exhausted = True
                            break
                        queue.append(_Entry(nxt))
                    entry = queue[0]
                    if entry.outcome is not None:
                        if batch:  # its place in `pending` is after the batch's pages
                            break
                        pending.append(queue.popleft())
                        continue
                    if in_flight + len(batch) and (
                            in_flight + len(batch) >= AHEAD_PAGES
                            or waiting + entry.size > AHEAD_BYTES):
                        break
                    if not in_flight and not batch and not self.alive():
                        self.kill()
                        self._start()
                    if in_flight or batch:
                        waiting += entry.size
                    batch.append(queue.popleft())
                if batch:
                    assert self.to_child is not None
                    with suppress(OSError):  # the child is gone: found out waiting for it
                        self.to_child.send_bytes(b"".join(e.blob for e in batch))
                    now = time.monotonic()
                    for e in batch:
                        e.sent_at = now
                        in_flight_bytes += e.size
                    in_flight += len(batch)
                    pending.extend(batch)
            while pending and pending[0].outcome is not None:
                done = pending.popleft().outcome
                assert done is not None
                yield done
            if not pending:
                if exhausted and not queue:
                    return
                continue
            head = pending[0]
            name = head.source
            try:
                outcome = self._answer(max(head.sent_at, last_answer), limit)
            except (TimeoutError, ChildDied) as exc:
                self.kill()
                timed_out = isinstance(exc, TimeoutError)
                lost = not timed_out and head.retried
                if timed_out or lost:  # this page is the cause: it is not sent again
                    pending.popleft()
                else:  # else once more, in a fresh child
                    head.retried = True
                queue.extendleft(reversed(pending))
                pending.clear()
                in_flight = in_flight_bytes = 0
                last_answer = time.monotonic()
                if timed_out:
                    timeout = self.cfg.limits.page_timeout or 0.0
                    yield failure(name, "timeout", f"{name}: took more than {timeout:g} s "
                                                   "(the worker was stopped)")
                elif lost:
                    yield failure(name, "lost", f"{name}: the process cleaning it died "
                                                "(killed, or out of memory)")
                continue
            pending.popleft()
            in_flight -= 1
            in_flight_bytes -= head.size
            last_answer = time.monotonic()
            yield outcome

    def _answer(self, since: float, limit: float | None) -> Outcome:
        """The child's answer for the page it is cleaning; :class:`TimeoutError` past the
        grace period, :class:`ChildDied` when it ends first."""
        conn = self.from_child
        if conn is None:
            raise ChildDied
        while True:
            wait = 1.0 if limit is None else since + limit - time.monotonic()
            if wait <= 0:
                raise TimeoutError
            try:
                if self._poller.poll(int(min(wait, 1.0) * 1000) + 1):
                    return Outcome(*pickle.loads(conn.recv_bytes()))
            except (EOFError, OSError):
                raise ChildDied from None
            if not self.alive() and not conn.poll(0):
                raise ChildDied


# -- the child ---------------------------------------------------------------------------

def _quiet_logging() -> None:
    """The HTML libraries' warnings about a page would reach the worker's log; the child
    keeps only their critical records, as the command line does."""
    import logging

    for name in ("trafilatura", "readability", "htmldate", "courlan", "justext", "lxml"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def main(argv: list[str]) -> int:
    """The child: read the configuration, then pages, answering each with its outcome,
    until its input closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the command to handle
    _quiet_logging()
    down = Connection(int(argv[1]), writable=False)
    up = Connection(int(argv[2]), readable=False)
    try:
        cfg: PageConfig = pickle.loads(down.recv_bytes())
    except (EOFError, OSError):
        return 0
    from ..batch import _give_back_memory
    from .pages import layouts_of

    layouts_of(cfg.layouts)
    try:
        up.send_bytes(READY)
    except OSError:
        return 0

    done = 0
    while True:
        try:
            message = io.BytesIO(down.recv_bytes())  # one or more pickled pages
        except (EOFError, OSError):
            return 0
        end = len(message.getbuffer())
        while message.tell() < end:
            item: Any = pickle.load(message)
            outcome = clean_item(cfg, *item)
            try:
                up.send_bytes(pickle.dumps(tuple(outcome), protocol=pickle.HIGHEST_PROTOCOL))
            except OSError:  # the worker is gone
                return 0
            done += 1
            if done % 64 == 0:
                _give_back_memory()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
