"""The ``kt-clean`` command line: each command is a thin shell over one library call.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 every input was fine, 1 some
input failed (each failure is one line on stderr; the other inputs are still processed),
2 usage error. This package is the only place that imports typer or rich.
"""

from __future__ import annotations

import os
import sys

from . import diff, learn, pages  # noqa: F401  (registers the commands)
from . import batch  # noqa: F401  (registers `batch`)
from .common import EXIT_INPUT, app

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: runs the app, and keeps a closed pipe from becoming a traceback."""
    try:
        app(prog_name="kt-clean")
    except BrokenPipeError:
        # The reader went away (`kt-clean ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        sys.stderr.write("kt-clean: interrupted\n")
        sys.exit(130)
