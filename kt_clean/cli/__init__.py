"""The ``kt-clean`` command line: each command is a thin shell over one library call.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 every input was fine, 1 some
input failed (each failure is one line on stderr; the other inputs are still processed),
2 usage error. This package is the only place that imports typer or rich.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import os
import sys
from collections.abc import Iterable

import typer

from . import common

__all__ = ["app", "main"]

#: Each command, in the order `kt-clean -h` lists them (the pipeline first), and the module
#: that registers it. A command's module is imported only when it runs, or for the help.
COMMANDS = {"detect": "pages", "strip": "pages", "emit": "pages", "extract": "pages",
            "diff": "diff", "batch": "batch", "learn": "learn", "fetch": "fetch"}


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
    """Console entry point: runs the app; every way it can end becomes an exit code.

    The one exception funnel of the command line: a failed write to stdout (closed, a full
    disk) is one error line and exit 1; a closed pipe (`kt-clean ... | head`) stops quietly;
    Ctrl-C exits 130 quietly; any other exception (a bug, MemoryError, an OSError nobody
    expected) is one ``kt-clean: error: internal error: ...`` line and exit 1, unless
    ``KT_CLEAN_DEBUG=1`` asks for the traceback.
    """
    debug = os.environ.get("KT_CLEAN_DEBUG", "") not in ("", "0")
    _stand_in_for_closed_streams()
    try:
        code = _run(sys.argv[1:])
        code = _flush_stdout(code)
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = _reader_gone()
    except common.OutputError as exc:
        if debug:
            raise
        common.error(str(exc))
        _silence_stdout()
        code = common.EXIT_INPUT
    except Exception as exc:  # MemoryError, RecursionError and OSError are Exceptions too
        if debug:
            raise
        with contextlib.suppress(MemoryError):  # too little memory left even for the line
            common.error(_internal(exc))
        code = common.EXIT_INPUT
    sys.exit(code)


def _run(argv: list[str]) -> int:
    """Run the command line; its exit code (typer ends a command with ``SystemExit``)."""
    try:
        single = _single_command_app(argv)
        if single is not None:
            single(args=argv[1:], prog_name=f"kt-clean {argv[0]}")
        else:
            full_app()(prog_name="kt-clean")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        common.error(str(exc.code))
        return common.EXIT_INPUT
    return 0


def _internal(exc: BaseException) -> str:
    """The one line for an exception nobody expected."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG,
                                                  errno.EBADF):
        # A write that failed where no command expected it (the help into a full disk).
        where = f"{exc.filename}: " if exc.filename is not None else "the output: "
        return f"cannot write {where}{exc.strerror}"
    if isinstance(exc, MemoryError):
        return "internal error: out of memory (MemoryError)"
    text = str(exc)
    return f"internal error: {type(exc).__name__}" + (f": {text[:300]}" if text else "")


def _flush_stdout(code: int) -> int:
    """Flush what is still buffered for stdout; a failure is one line and exit 1 (else
    Python's own flush at exit would print "Exception ignored" and exit 120)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        return _reader_gone()
    except (OSError, ValueError) as exc:
        common.error(f"cannot write the output: {getattr(exc, 'strerror', None) or exc}")
        _silence_stdout()
        return code or common.EXIT_INPUT
    return code


def _reader_gone() -> int:
    # The reader went away (`kt-clean ... | head`): stop quietly, as Unix tools do.
    _silence_stdout()
    return common.EXIT_INPUT


def _silence_stdout() -> None:
    """Point stdout at the null device, so that what is still buffered for it can go."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


class _ClosedStream(io.TextIOBase):
    """Stands in for stdout when the process started with it closed (``>&-``): writing
    raises ``EBADF``, reported as any failed write, instead of an AttributeError on
    ``None``. (A closed stdin stays ``None``: reading ``-`` checks for it.)"""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def write(self, s: str) -> int:
        raise OSError(errno.EBADF, f"standard {self._name} is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _stand_in_for_closed_streams() -> None:
    if sys.stdout is None:
        sys.stdout = _ClosedStream("output")
    if sys.stderr is None:  # errors cannot be shown; the exit code still tells
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
