"""kt-clean's logging, on its own logger (``kt_clean`` and its children), at no cost to a
program that does not use logging.

Why not ``logging.getLogger(__name__)`` at import: importing :mod:`logging` costs about
2 ms, a few percent of a one-page command's start-up, and a program that never imported
it cannot have given kt-clean's logger a handler. So a message is built and handed to
:mod:`logging` only when that module is loaded and the logger is enabled for its level.
The library configures nothing (no handler, no level): the host decides, as the command
line does for ``-v`` and ``-q``.
"""

from __future__ import annotations

import sys
from typing import Any

ROOT = "kt_clean"
DEBUG, INFO, WARNING = 10, 20, 30


def enabled(level: int, name: str = ROOT) -> bool:
    """Whether a message of ``level`` on logger ``name`` would be handled by anyone."""
    logging = sys.modules.get("logging")
    return logging is not None and logging.getLogger(name).isEnabledFor(level)


def log(level: int, name: str, message: str, *args: Any) -> None:
    """``logging.getLogger(name).log(level, message, *args)`` when :func:`enabled`."""
    if enabled(level, name):
        sys.modules["logging"].getLogger(name).log(level, message, *args)


def debug(name: str, message: str, *args: Any) -> None:
    log(DEBUG, name, message, *args)


def info(name: str, message: str, *args: Any) -> None:
    log(INFO, name, message, *args)
