"""The ``kt-clean`` command line: each command is a thin shell over one library call.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 every input was fine, 1 some
input failed (each failure is one line on stderr; the other inputs are still processed),
2 usage error. This package is the only place that imports typer or rich.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable

import typer

from . import common

__all__ = ["app", "main"]

#: Each command, in the order `kt-clean -h` lists them (the pipeline first), and the module
#: that registers it. A command's module is imported only when it runs, or for the help.
COMMANDS = {"detect": "pages", "strip": "pages", "emit": "pages", "extract": "pages",
            "diff": "diff", "batch": "batch", "learn": "learn"}


def _register(modules: Iterable[str]) -> None:
    for module in dict.fromkeys(modules):
        importlib.import_module(f"{__name__}.{module}")
    order = list(COMMANDS)
    common.app.registered_commands.sort(key=lambda c: order.index(_command_name(c))
                                 if _command_name(c) in order else len(order))


def full_app() -> typer.Typer:
    """The app with every command registered (for the help, and for tests)."""
    _register(COMMANDS.values())
    return common.app


def __getattr__(name: str) -> object:
    if name == "app":  # `from kt_clean.cli import app`: the app with all its commands
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or info.callback.__name__.replace("_", "-")  # type: ignore[union-attr]


def _single_command_app(argv: list[str]) -> typer.Typer | None:
    """An app holding only the command named by ``argv[0]``, or ``None``.

    Why: typer builds the options of every command before running one; for a single page
    that was a sixth of `kt-clean extract`'s start-up. Help and errors are unchanged.
    """
    if not argv or argv[0] not in COMMANDS:
        return None
    _register([COMMANDS[argv[0]]])
    for info in common.app.registered_commands:
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
            full_app()(prog_name="kt-clean")
    except BrokenPipeError:
        # The reader went away (`kt-clean ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(common.EXIT_INPUT)
    except KeyboardInterrupt:
        sys.stderr.write("kt-clean: interrupted\n")
        sys.exit(130)
