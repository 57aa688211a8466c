"""The project's errors. The CLI turns each into one line on stderr and a non-zero exit.

Every error kt-clean raises on purpose is a :class:`KtCleanError`, so a caller can catch
them all in one clause. An :class:`InputError` carries the failure ``reason`` code (one of
:data:`kt_clean.vocabulary.FAILURE_REASONS`) that batch runs list in ``_errors.ndjson``:
the code is decided where the problem is found, never guessed back from the message.
"""

from __future__ import annotations


class KtCleanError(Exception):
    """Base class of every error kt-clean raises on purpose."""


class InputError(KtCleanError):
    """An input page could not be read or decoded; ``source`` names it, ``reason`` is the
    failure code (``empty``, ``binary``, ``undecodable``, ``too-large``, ...)."""

    def __init__(self, source: str, problem: str, reason: str = "input") -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
        self.reason = reason


class LayoutError(KtCleanError):
    """A layout rule file is malformed; the message names the file and the problem."""


class LearnError(KtCleanError, ValueError):
    """The pages do not allow learning a layout (too few, or no common structure)."""


class HtmlError(KtCleanError, ValueError):
    """An HTML page cannot be decoded, parsed or extracted; the message is one line."""


class BatchError(KtCleanError):
    """A batch run cannot start: a missing input folder, an unusable output folder, ..."""


class PageTimeout(KtCleanError):
    """A page took longer than its time limit (see :func:`kt_clean.system.time_limit`)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than the time limit ({seconds:g} s)")
        self.seconds = seconds
