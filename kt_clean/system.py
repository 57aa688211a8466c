"""The one module that touches signals and the disk's durability.

- :func:`time_limit`: a per-page time limit with ``SIGALRM``. Nestable: an inner limit never
  extends an outer one, and on leaving it the outer limit's remaining time and handler are
  restored, so a caller's own ``ITIMER_REAL`` is never lost.
- :func:`atomic_write`: a file appears whole or not at all (temporary file, flushed to
  disk, renamed over the target).
- :func:`make_durable`: the contents of many temporary files reach the disk with one
  ``syncfs`` (Linux) before they are renamed into place.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from .errors import PageTimeout

#: Temporary files are hidden, so that no reader mistakes one for an output.
TEMP_PREFIX = ".kt-clean-"
TEMP_SUFFIX = ".tmp"


def can_time_limit() -> bool:
    """Whether :func:`time_limit` can bound work here (Unix, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Expired(BaseException):
    """Raised by the alarm handler; a ``BaseException`` so that no ``except Exception`` in
    a library between the handler and :func:`time_limit` can swallow it."""

    def __init__(self, token: object) -> None:
        super().__init__()
        self.token = token


class _Limit:
    __slots__ = ("deadline", "token")

    def __init__(self, deadline: float) -> None:
        self.deadline, self.token = deadline, object()


#: The limits in force, outermost first.
_ACTIVE: list[_Limit] = []
#: A timer the caller had set before the outermost limit: (deadline, interval, handler).
_FOREIGN: list[tuple[float, float, Any]] = []


def _arm() -> None:
    """Set the timer for the earliest deadline: of the limits, or of the caller's timer."""
    deadlines = [lim.deadline for lim in _ACTIVE] + [f[0] for f in _FOREIGN]
    signal.setitimer(signal.ITIMER_REAL, max(min(deadlines) - time.monotonic(), 1e-6))


def _on_alarm(signum: int, frame: Any) -> None:
    now = time.monotonic()
    if _FOREIGN and _FOREIGN[0][0] <= now and all(_FOREIGN[0][0] <= lim.deadline
                                                  for lim in _ACTIVE):
        # The caller's own timer came due first: hand the signal to the caller's handler.
        deadline, interval, handler = _FOREIGN.pop()
        if interval:
            _FOREIGN.append((deadline + interval, interval, handler))
        if _ACTIVE:
            _arm()
        if callable(handler):
            handler(signum, frame)
        elif handler == signal.SIG_DFL:  # what the caller's timer would have done
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGALRM)
        return
    if _ACTIVE:
        due = min(_ACTIVE, key=lambda lim: lim.deadline)  # the outermost among equals
        if due.deadline <= now + 1e-3:
            raise _Expired(due.token)
        _arm()  # woken early (a clock's rounding): wait for the rest


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`~kt_clean.errors.PageTimeout` if the block runs longer than ``seconds``.

    ``None`` or ``0``, another thread than the main one, or a platform without
    ``setitimer``: the block runs unbounded. Inside another ``time_limit`` the earlier
    deadline holds, and each limit raises only for its own deadline. A timer the caller had
    set goes on: it fires at its time, with the caller's handler, and keeps what it had left.
    """
    if not seconds or not can_time_limit():
        yield
        return
    limit = _Limit(time.monotonic() + seconds)
    outermost = not _ACTIVE
    previous: Any = None
    if outermost:
        delay, interval = signal.getitimer(signal.ITIMER_REAL)
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        _FOREIGN.clear()
        if delay:
            _FOREIGN.append((time.monotonic() + delay, interval, previous))
    _ACTIVE.append(limit)
    _arm()
    try:
        yield
    except _Expired as exc:
        if exc.token is not limit.token:
            raise
        raise PageTimeout(seconds) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _ACTIVE.pop()
        if _ACTIVE:
            _arm()
        else:
            signal.signal(signal.SIGALRM, previous)
            if _FOREIGN:
                deadline, interval, _ = _FOREIGN.pop()
                signal.setitimer(signal.ITIMER_REAL,
                                 max(deadline - time.monotonic(), 1e-6), interval)


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, sync: bool = True,
                 mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so that the file appears whole or not at all.

    The data goes to a hidden temporary file in the same folder, is flushed to disk
    (unless ``sync`` is false), and is renamed over ``path``. The new file gets the
    permissions a plain ``open`` would give it (an existing file's own, else ``0o666``
    less the umask), or ``mode``. Nothing is renamed over what is not a regular file: a
    symbolic link is followed (the file it points to is replaced, the link stays), and a
    FIFO, a device or a socket (``/dev/stdout``, ``/dev/null``) is written to as it is.
    """
    import stat
    import tempfile

    target = os.path.realpath(os.fspath(path))
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "Is a directory", os.fspath(path))
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(target, "wb") as f:  # a FIFO, a device: written to, never replaced
            f.write(raw)
        return
    if mode is None:
        mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~umask()
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, mode)
        write_all(fd, raw)
        if sync:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with suppress(OSError):
            os.unlink(tmp)
        raise


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a file descriptor (``os.write`` may write only part)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def temp_file(folder: str, data: bytes, *, mode: int) -> str:
    """A hidden temporary file in ``folder`` holding ``data``, not yet durable; its path."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, mode)
        write_all(fd, data)
    except BaseException:
        os.close(fd)
        with suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


_syncfs: Any = None


def make_durable(paths: Sequence[str]) -> None:
    """The files' contents reach the disk before any is renamed into place: one ``syncfs``
    of their file system on Linux, else an ``fsync`` per file."""
    global _syncfs
    if not paths:
        return
    if _syncfs is None:
        import ctypes

        try:
            _syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (OSError, AttributeError):
            _syncfs = False
    if _syncfs:
        fd = os.open(os.path.dirname(paths[0]) or ".", os.O_RDONLY)
        try:
            if _syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_temp_files(folder: str) -> int:
    """Remove the temporary files an interrupted run left under ``folder``; how many."""
    removed = 0
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                        with suppress(OSError):
                            os.unlink(entry.path)
                            removed += 1
        except OSError:
            continue
    return removed


def umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def die_with_parent(parent_pid: int) -> None:
    """Linux: this (worker) process is killed when its parent dies, even by SIGKILL, so no
    orphan goes on writing after the run is gone."""
    import ctypes

    with suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:  # the parent died before prctl
            os._exit(1)


class Interrupts:
    """Ctrl-C (SIGINT) and SIGTERM, noted while :func:`deferred_interrupts` is active, to be
    raised as ``KeyboardInterrupt`` at a point of the caller's choosing (:meth:`check`)."""

    def __init__(self) -> None:
        self.pending = False

    def _note(self, signum: int, frame: Any) -> None:
        self.pending = True

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if a signal came since the last check."""
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


@contextmanager
def deferred_interrupts() -> Iterator[Interrupts]:
    """Take SIGINT and SIGTERM as a note rather than an exception, for the time of a block
    that waits on ``concurrent.futures`` (the caller checks the note between waits).

    Why: a ``KeyboardInterrupt`` raised while ``concurrent.futures.wait`` or ``submit`` is
    acquiring a future's lock leaves the lock held for ever, and the pool's manager thread,
    then its shutdown, wait on it: a Ctrl-C hung the batch (one time in about twenty). Only
    the main thread can take signals; elsewhere (and for a signal the host process set to
    be ignored) nothing changes. The handlers in place are restored on the way out, and a
    signal still pending then is raised."""
    notes = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield notes
        return
    saved: dict[int, Any] = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            current = signal.getsignal(sig)
            if callable(current):  # Python's default_int_handler, or the host's own
                saved[sig] = current
                signal.signal(sig, notes._note)
        yield notes
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    notes.check()
