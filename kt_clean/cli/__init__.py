"""The ``kt-clean`` command line: each command is a thin shell over one library call.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 every input was fine, 1 some
input failed (each failure is one line on stderr; the other inputs are still processed),
2 usage error. This package is the only place that imports typer or rich.
"""

from __future__ import annotations

import os
import sys

import typer

from . import batch, diff, learn, pages  # noqa: F401  (registers the commands)
from .common import EXIT_INPUT, app

__all__ = ["app", "main"]

#: The order `kt-clean -h` lists the commands in: the pipeline first.
ORDER = ("detect", "strip", "emit", "extract", "diff", "batch", "learn")
app.registered_commands.sort(
    key=lambda c: ORDER.index(_n) if (_n := c.name or c.callback.__name__) in ORDER else len(ORDER))


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or info.callback.__name__.replace("_", "-")  # type: ignore[union-attr]


def _single_command_app(argv: list[str]) -> typer.Typer | None:
    """An app holding only the command named by ``argv[0]``, or ``None``.

    Why: typer builds the options of every command before running one; for a single page
    that was a sixth of `kt-clean extract`'s start-up. Help and errors are unchanged.
    """
    if not argv:
        return None
    for info in app.registered_commands:
        if _command_name(info) == argv[0]:
            single = typer.Typer(add_completion=False, rich_markup_mode=None,
                                 context_settings={"help_option_names": ["-h", "--help"]})
            single.registered_commands.append(info)
            return single
    return None


def main() -> None:
    """Console entry point: runs the app, and keeps a closed pipe from becoming a traceback."""
    argv = sys.argv[1:]
    try:
        single = _single_command_app(argv)
        if single is not None:
            single(args=argv[1:], prog_name=f"kt-clean {argv[0]}")
        else:
            app(prog_name="kt-clean")
    except BrokenPipeError:
        # The reader went away (`kt-clean ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        sys.stderr.write("kt-clean: interrupted\n")
        sys.exit(130)
