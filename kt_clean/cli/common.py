"""What every command shares: the app, option types, reading inputs, reporting failures."""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from .. import __version__
from ..errors import InputError, KtCleanError, PageTimeout
from ..inputs import is_warc_file, iter_path, iter_stdin
from ..layouts import Layout, load_layouts
from ..limits import MAX_BYTES_DEFAULT, PAGE_TIMEOUT_DEFAULT, Limits
from ..model import Document
from ..system import time_limit
from ..vocabulary import Format as FormatName
from ..vocabulary import InputFormat as InputFormatName

if TYPE_CHECKING:
    import logging

    from .output import Bar, Sink

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


class OutputError(Exception):
    """Standard output cannot be written (closed, a full disk, a dead device): the run
    stops, since no later result could be written either; ``main`` reports it in one line."""


#: The control characters a page's text may carry to a terminal: C0 (tab and newline are
#: layout, not control), DEL and C1. ESC starts the CSI (``\x1b[2J`` clears the screen) and
#: OSC (``\x1b]0;title\x07`` sets the window title) sequences; C1 ``\x9b`` is a CSI alone.
#: (Pattern strings, compiled by ``re`` on first use: a command's start-up does not pay for
#: them, and most texts are printable and never need them.)
_PAGE_CONTROLS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
#: In an error line every control character is escaped, newline and tab too: one line.
_LINE_CONTROLS = r"[\x00-\x1f\x7f-\x9f]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    return _NAMED.get(c) or f"\\x{ord(c):02x}"


def shown(text: str) -> str:
    r"""``text`` as a human view shows it: each control character but tab and newline
    written as its Python escape (ESC as ``\x1b``, CR as ``\r``), so a page cannot move the
    cursor, clear the screen or retitle the terminal."""
    if text.isprintable():  # no control character (nor newline or tab): nothing to do
        return text
    return re.sub(_PAGE_CONTROLS, _escape, text)


def one_line(message: str) -> str:
    r"""``message`` with every control character escaped (a newline in a file name as
    ``\n``): an error is always exactly one line."""
    if message.isprintable():
        return message
    return re.sub(_LINE_CONTROLS, _escape, message)


#: A hyphen inside a word (``kt-clean``, ``User-Agent``, ``sub-folders``), held by a
#: non-breaking hyphen while click wraps a help text.
_WORD_HYPHEN = r"(?<=\w)-(?=\w)"


def _whole_words_in_help() -> None:
    """Make the help wrap between words only: click's wrapper (``textwrap``) breaks after a
    hyphen, which split ``kt-clean`` and ``User-Agent`` over two lines of an option's help.
    The help's hyphens are held by U+2011 while it is wrapped, then given back. Typer ships
    its own copy of click (``typer._click``), already loaded with typer; click itself is
    patched too when something loaded it (importing it would cost a command's start-up
    about 13 ms)."""
    for name in ("typer._click.formatting", "click.formatting"):
        module = sys.modules.get(name)
        if module is None:
            continue
        wrap = module.wrap_text
        if getattr(wrap, "kt_clean", False):
            continue

        def wrap_text(text: str, *args: Any, _wrap: Any = wrap, **kwargs: Any) -> str:
            held = re.sub(_WORD_HYPHEN, "\u2011", text)
            return str(_wrap(held, *args, **kwargs)).replace("\u2011", "-")

        wrap_text.kt_clean = True  # type: ignore[attr-defined]
        setattr(module, "wrap_text", wrap_text)  # noqa: B010


def count_by_kind(total: int, kinds: dict[str, int]) -> str:
    """A summary table's count with its kinds: ``12 (timeout 2, binary 10)``."""
    text = f"{total:,}"
    if kinds:
        text += " (" + ", ".join(f"{k} {v:,}" for k, v in kinds.items()) + ")"
    return text


def examples(*commands: str) -> str:
    """A command's help epilog: its example commands, one a line, never re-wrapped (click
    would break ``kt-clean`` at its hyphen); ``\b`` keeps a paragraph as written."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {c}" for c in commands)


# -- what the command says on stderr besides errors: kt-clean's logger ----------------------

#: The labels of the levels on stderr: ``kt-clean: note: ...``.
_LEVEL_NAMES = {10: "debug", 20: "info", 30: "note", 40: "error", 50: "error"}
#: The level of this run's logger: notes by default, errors only with ``-q``.
_level = 30


def setup_logging(verbose: int = 0, quiet: bool = False) -> None:
    """``-v``/``-vv``/``-q``: the level of kt-clean's own logger (``kt_clean``), which the
    command line gives a handler writing ``kt-clean: LEVEL: message`` lines to stderr.
    Nothing global: the root logger and other libraries' loggers are left alone."""
    global _level
    if quiet and verbose:
        usage_error("--quiet and --verbose cannot be used together")
    _level = 40 if quiet else 20 if verbose == 1 else 10 if verbose >= 2 else 30
    if verbose or "logging" in sys.modules:
        logger()  # now: the library's messages find the handler, at this run's level


def logger() -> logging.Logger:
    """kt-clean's logger, set up for this run (importing :mod:`logging` on first use)."""
    import logging

    log = logging.getLogger("kt_clean")
    if not any(getattr(h, "kt_clean_stderr", False) for h in log.handlers):
        log.addHandler(_stderr_handler())
        log.propagate = False  # the command line's own output, not the root logger's
    log.setLevel(_level)
    return log


def _stderr_handler() -> logging.Handler:
    """A handler writing ``kt-clean: LEVEL: message`` lines to whatever ``sys.stderr`` is
    when a record comes (a test runner swaps it), each as one line."""
    import logging

    class StderrHandler(logging.Handler):
        kt_clean_stderr = True

        def emit(self, record: logging.LogRecord) -> None:
            stream = sys.stderr
            if stream is None:
                return
            try:
                label = _LEVEL_NAMES.get(record.levelno, "note")
                stream.write(f"kt-clean: {label}: {one_line(record.getMessage())}\n")
                stream.flush()
            except (OSError, ValueError):
                pass

    return StderrHandler()


def note(message: str) -> None:
    """A note on stderr (``kt-clean: note: ...``): a hint or a warning, never an error;
    ``-q`` silences it."""
    if _level <= 30:
        logger().warning(message)


def quiet() -> bool:
    """Whether ``-q`` asked for errors only (no notes, hints, progress bars)."""
    return _level > 30


def error(message: str) -> None:
    """Write ``kt-clean: error: message`` to stderr, as one line."""
    stream = sys.stderr
    if stream is None:  # stderr closed: the exit code is all that is left
        return
    try:
        stream.write(f"kt-clean: error: {one_line(message)}\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def check_encoding(encoding: str | None) -> None:
    """``--encoding`` must name a text codec Python knows (not ``rot13`` or ``base64``,
    which are codecs from bytes to bytes or str to str); otherwise a usage error."""
    if encoding is None:
        return
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        usage_error(f"--encoding {encoding!r}: unknown encoding")
    if not getattr(info, "_is_text_encoding", True):
        usage_error(f"--encoding {encoding!r}: not a text encoding (it does not decode bytes "
                    "to text)")


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (human views escape control characters)."""
    try:
        return bool(sys.stdout is not None and sys.stdout.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def write_out(text: str) -> None:
    """Write ``text`` to stdout now; :class:`OutputError` if it cannot be written."""
    out = sys.stdout
    if out is None:
        raise OutputError("cannot write the output: standard output is closed")
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away: main stops quietly
    except OSError as exc:
        if exc.errno == errno.EBADF:
            raise OutputError("cannot write the output: standard output is closed") from None
        raise OutputError(f"cannot write the output: {exc.strerror or exc}") from None
    except ValueError as exc:  # a closed stream object
        raise OutputError(f"cannot write the output: {exc}") from None


_whole_words_in_help()
app = typer.Typer(
    name="kt-clean",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    # `kt-clean --install-completion` (bash, zsh, fish, PowerShell): commands, options and
    # their choices complete. (A one-page command runs an app of its command alone, which
    # has no completion options: they cost start-up, and only the bare command uses them.)
    add_completion=True,
    help="Turn scraped news pages (text dumps or HTML) into clean articles, and show what was "
    "removed and why.\n\nExit codes: 0 every input was fine, 1 some input failed, 2 usage error.",
)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    html = "html"
    ndjson = "ndjson"


Pages = Annotated[list[str], typer.Argument(
    help="Page files (text dumps, HTML, or NDJSON records of an earlier stage); '-' is stdin.",
    show_default=False, metavar="PAGE...")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", metavar="NAME",
    help="Decode every input with this encoding instead of guessing.")]
InputFormatOpt = Annotated[InputFormat, typer.Option(
    "--input-format", help="What the inputs are; 'auto' tells them apart.", case_sensitive=False)]
LayoutsOpt = Annotated[list[str] | None, typer.Option(
    "--layouts", metavar="FILE_OR_DIR",
    help="Extra layout rule file, or folder of *.toml files (repeatable).")]
MaxBytesOpt = Annotated[int, typer.Option(
    "--max-bytes", metavar="N", help="Refuse inputs larger than this many bytes.", min=1)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output format.", case_sensitive=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
MarkdownOpt = Annotated[bool, typer.Option("--markdown", help="Shorthand for --format markdown.")]
UrlOpt = Annotated[str | None, typer.Option(
    "--url", metavar="URL",
    help="The page's address, a hint for detection (morelist.asp is a reporter "
                  "list); one input only.")]
OnlyOpt = Annotated[list[str] | None, typer.Option(
    "--only", metavar="TYPE", help="Keep only pages of this page type (article, list, forum, "
                                   "product, documentation, service, gallery, empty); "
                                   "repeatable.", show_default=False)]


def check_only(only: list[str] | None) -> tuple[str, ...]:
    """The ``--only`` page types, each checked against the vocabulary."""
    from ..vocabulary import PAGE_TYPES

    for t in only or ():
        if t not in PAGE_TYPES:
            usage_error(f"--only {t!r}: not a page type (one of {', '.join(PAGE_TYPES)})")
    return tuple(only or ())


VerboseOpt = Annotated[int, typer.Option(
    "--verbose", "-v", count=True, show_default=False,
    help="Say more on stderr: -v a line per page (how long it took), -vv also how it was "
         "read and cleaned.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Say nothing on stderr but errors: no notes, hints or progress bar.")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="JSON: add 'removed', every removed line with its reason and rule.")]
FastOpt = Annotated[bool, typer.Option(
    "--fast", help="HTML pages: label the lines from their text and elements alone, without "
                   "running trafilatura or readability-lxml (about twice as fast).")]


class Run:
    """Inputs in, one outcome per input; counts failures for the exit code.

    Each page's work (reading it, then the command's work on it) runs within the command
    line's per-page time limit. Constructing it sets up ``-v``/``-q`` (see
    :func:`setup_logging`) and checks ``--encoding`` and ``--layouts`` before any input is
    read.
    """

    def __init__(self, encoding: str | None, input_format: InputFormat,
                 layouts: list[str] | None, max_bytes: int = MAX_BYTES_DEFAULT, *,
                 verbose: int = 0, quiet: bool = False, fast: bool = False) -> None:
        setup_logging(verbose, quiet)
        self.encoding = encoding
        self.input_format: InputFormatName = input_format.value
        self.limits = Limits(max_bytes=max_bytes, page_timeout=PAGE_TIMEOUT_DEFAULT, fast=fast)
        self.failed = 0
        self.exclude: list[str] = []  # folders a folder input skips (an -o DIR inside it)
        check_encoding(encoding)
        try:
            self.layouts: tuple[Layout, ...] = load_layouts(layouts or ())
        except KtCleanError as exc:
            usage_error(str(exc))

    def documents(self, pages: list[str]) -> Iterator[Document]:
        for doc, _ in self.named_documents(pages):
            yield doc

    def named_documents(self, pages: list[str], bar: Bar | None = None
                        ) -> Iterator[tuple[Document, str | None]]:
        """Each document with the name its own output file would take (``-o DIR``): its
        path under a folder input, or a file input's name, when the file holds one page;
        ``None`` for the pages of stdin and of NDJSON files (named by their ``source``).
        ``bar`` advances after each input file."""
        for page in pages:
            if page == "-":
                for doc in self.stdin():
                    yield doc, None
                continue
            if os.path.isdir(page):
                files = self.folder(page)
            else:
                files = iter([(os.path.basename(page), self.read(page))])
            for name, docs in files:
                # a file of one page is named by its path; the pages of an NDJSON file or a
                # WARC archive (a generator) by their sources
                one = isinstance(docs, list) and len(docs) == 1
                for doc in docs:
                    yield doc, name if one else None
                if bar is not None:
                    bar.advance(self.failed)

    def read(self, path: str) -> Iterable[Document]:
        """The documents of one file; a failure is reported and gives none."""
        try:
            with time_limit(self.limits.page_timeout):
                docs = iter_path(path, encoding=self.encoding, input_format=self.input_format,
                                 limits=self.limits, on_error=lambda exc: self.fail(str(exc)))
        except InputError as exc:
            self.fail(str(exc))
            return []
        except PageTimeout as exc:
            self.fail(f"{path}: {exc}")
            return []
        return docs if isinstance(docs, list) else self.archive(path, docs)

    def stdin(self) -> Iterator[Document]:
        """The documents on standard input, each read within the time limit."""
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            self.fail("-: cannot read: standard input is closed")
            return
        if _is_terminal(sys.stdin):
            # Why: `kt-clean extract -` typed at a prompt waits for a page with no sign of
            # it; `cat`-like tools that read a terminal say so.
            note("reading a page from the terminal (standard input): paste or type it, then "
                 "press Ctrl-D on a line of its own (Ctrl-C to stop)")
        docs = iter_stdin(encoding=self.encoding, input_format=self.input_format,
                          limits=self.limits, on_error=lambda exc: self.fail(str(exc)))
        while True:
            try:
                with time_limit(self.limits.page_timeout):
                    doc = next(docs, None)
            except InputError as exc:
                self.fail(str(exc))
                return
            except PageTimeout as exc:
                self.fail(f"-: {exc}")
                return
            if doc is None:
                return
            yield doc

    def archive(self, path: str, docs: Iterator[Document]) -> Iterator[Document]:
        """The pages of a WARC archive, one at a time, each read within the time limit."""
        while True:
            try:
                with time_limit(self.limits.page_timeout):
                    doc = next(docs, None)
            except PageTimeout as exc:
                self.fail(f"{path}: {exc}")
                return
            if doc is None:
                return
            yield doc

    def folder(self, folder: str) -> Iterator[tuple[str, Iterable[Document]]]:
        """The pages of a folder and its sub-folders, as ``kt-clean batch -r`` finds them:
        (path under the folder, the file's documents) for each file."""
        from ..inputs.walk import iter_pages

        found = False
        try:
            for entry in iter_pages(folder, recursive=True, exclude=self.exclude):
                found = True
                path = os.path.join(folder, entry.rel)
                if entry.problem is not None:
                    self.fail(f"{path}: {entry.problem}")
                    yield entry.rel, []
                    continue
                yield entry.rel, self.read(path)
        except OSError as exc:
            self.fail(f"{folder}: cannot list the folder: {exc.strerror or exc}")
            return
        if not found:
            self.fail(f"{folder}: is a directory with no pages in it")

    def count_files(self, pages: list[str]) -> int:
        """How many input files ``pages`` stand for (a folder: the files in it)."""
        from ..inputs.walk import iter_pages

        total = 0
        for page in pages:
            if page != "-" and os.path.isdir(page):
                with contextlib.suppress(OSError):
                    total += sum(1 for _ in iter_pages(page, recursive=True,
                                                       exclude=self.exclude))
            else:
                total += 1
        return total

    def each(self, pages: list[str], work: Callable[[Document], str],
             url: str | None = None, *, human: bool = False, sink: Sink | None = None,
             progress: bool = False) -> None:
        """Run ``work`` on every document and write what it returns to ``sink`` (stdout by
        default); ``url`` (the ``--url`` hint) is the address of the one page input. A
        ``human`` view (text, Markdown) has its control characters escaped on a terminal
        (see :func:`shown`); data (JSON, NDJSON, a pipe or a file) is written as it is.
        ``progress``: a bar on stderr for a run over folders (see
        :class:`~kt_clean.cli.output.Bar`)."""
        from .output import Stdout

        if url is not None:
            if len(pages) != 1 or os.path.isdir(pages[0]):
                usage_error("--url names the address of one page: give one input file (or -)")
            if is_warc_file(pages[0]):
                usage_error("--url names the address of one page: the pages of a WARC archive "
                            "carry their own")
            if not url.strip() or any(c.isspace() for c in url.strip()):
                usage_error(f"--url {url!r} is not an address")
        sink = sink if sink is not None else Stdout()
        to_stdout = isinstance(sink, Stdout)
        escape = human and to_stdout and stdout_is_terminal()
        bar = self.bar(pages, to_stdout) if progress else None
        try:
            for doc, name in self.named_documents(pages, bar):
                if url is not None:
                    doc = doc.replace(url=url.strip())
                if doc.input_format == "html":
                    quiet_html_libraries()
                started = time.perf_counter()
                try:
                    with time_limit(self.limits.page_timeout):
                        text = work(doc)
                except InputError as exc:
                    self.fail(str(exc))
                    continue
                except KtCleanError as exc:
                    self.fail(f"{doc.source}: {exc}")
                    continue
                except Exception as exc:  # a bug must not hide the other inputs' results
                    self.fail(f"{doc.source}: internal error: {type(exc).__name__}: {exc}")
                    continue
                if log_enabled(20):
                    logger().info("%s: done in %.1f ms", doc.source,
                                  (time.perf_counter() - started) * 1000)
                problem = sink.write(doc, name, shown(text) if escape else text)
                if problem is not None:
                    self.fail(problem)
        finally:
            if bar is not None:
                bar.stop()

    def bar(self, pages: list[str], to_stdout: bool) -> Bar | None:
        """A progress bar for a run over folders, where someone watches it: stderr a
        terminal, stdout not (it would mix with the pages), no ``-q``."""
        from .output import Bar, wants_bar

        if quiet() or not any(p != "-" and os.path.isdir(p) for p in pages):
            return None
        if not wants_bar() or (to_stdout and stdout_is_terminal()):
            return None
        return Bar(self.count_files(pages))

    def fail(self, message: str) -> None:
        self.failed += 1
        error(message)

    def finish(self) -> None:
        raise typer.Exit(EXIT_INPUT if self.failed else EXIT_OK)


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def log_enabled(level: int) -> bool:
    """Whether this run logs at ``level`` (without importing :mod:`logging` to ask)."""
    return _level <= level


#: The libraries the HTML cleaner uses, which log warnings about the pages they read.
HTML_LIBRARIES = ("trafilatura", "readability", "htmldate", "courlan", "justext")


def quiet_html_libraries() -> None:
    """The command line's logging set-up: the HTML libraries' warnings about a page would
    break the one-line-per-failure contract of stderr, so only their critical records show.
    (The library itself leaves its host's logging alone; this is the application's choice.)
    """
    import logging

    for name in HTML_LIBRARIES:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def usage_error(message: str) -> NoReturn:
    error(message)
    raise typer.Exit(EXIT_USAGE)


def pick_format(fmt: Format, as_json: bool, as_markdown: bool) -> FormatName:
    if as_json and as_markdown:
        usage_error("--json and --markdown cannot be used together")
    return "json" if as_json else "markdown" if as_markdown else fmt.value


def record_line(doc: Document) -> str:
    """The document's stage record as one NDJSON line."""
    return json.dumps(doc.to_record(), ensure_ascii=False) + "\n"



def _version(value: bool) -> None:
    if value:
        write_out(f"kt-clean {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    pass


