"""What every command shares: the app, option types, reading inputs, reporting failures."""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import Annotated, NoReturn

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

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


class OutputError(Exception):
    """Standard output cannot be written (closed, a full disk, a dead device): the run
    stops, since no later result could be written either; ``main`` reports it in one line."""


#: The control characters a page's text may carry to a terminal: C0 (tab and newline are
#: layout, not control), DEL and C1. ESC starts the CSI (``\x1b[2J`` clears the screen) and
#: OSC (``\x1b]0;title\x07`` sets the window title) sequences; C1 ``\x9b`` is a CSI alone.
_PAGE_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: In an error line every control character is escaped, newline and tab too: one line.
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    return _NAMED.get(c) or f"\\x{ord(c):02x}"


def shown(text: str) -> str:
    r"""``text`` as a human view shows it: each control character but tab and newline
    written as its Python escape (ESC as ``\x1b``, CR as ``\r``), so a page cannot move the
    cursor, clear the screen or retitle the terminal."""
    return _PAGE_CONTROLS.sub(_escape, text) if _PAGE_CONTROLS.search(text) else text


def one_line(message: str) -> str:
    r"""``message`` with every control character escaped (a newline in a file name as
    ``\n``): an error is always exactly one line."""
    return _LINE_CONTROLS.sub(_escape, message) if _LINE_CONTROLS.search(message) else message


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

app = typer.Typer(
    name="kt-clean",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    add_completion=False,
    help="Turn scraped news pages (text dumps or HTML) into clean articles, and show what was "
    "removed and why.\n\nExit codes: 0 every input was fine, 1 some input failed, 2 usage error.",
)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    html = "html"
    ndjson = "ndjson"


Pages = Annotated[list[str], typer.Argument(
    help="Page files (text dumps, HTML, or NDJSON records of an earlier stage); '-' is stdin.",
    show_default=False, metavar="PAGE...")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="Decode every input with this encoding instead of guessing.")]
InputFormatOpt = Annotated[InputFormat, typer.Option(
    "--input-format", help="What the inputs are; 'auto' tells them apart.", case_sensitive=False)]
LayoutsOpt = Annotated[list[str] | None, typer.Option(
    "--layouts", help="Extra layout rule file, or folder of *.toml files (repeatable).")]
MaxBytesOpt = Annotated[int, typer.Option(
    "--max-bytes", help="Refuse inputs larger than this many bytes.", min=1)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output format.", case_sensitive=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
MarkdownOpt = Annotated[bool, typer.Option("--markdown", help="Shorthand for --format markdown.")]
UrlOpt = Annotated[str | None, typer.Option(
    "--url", help="The page's address, a hint for detection (morelist.asp is a reporter "
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


ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="JSON: add 'removed', every removed line with its reason and rule.")]


class Run:
    """Inputs in, one outcome per input; counts failures for the exit code.

    Each page's work (reading it, then the command's work on it) runs within the command
    line's per-page time limit.
    """

    def __init__(self, encoding: str | None, input_format: InputFormat,
                 layouts: list[str] | None, max_bytes: int = MAX_BYTES_DEFAULT) -> None:
        self.encoding = encoding
        self.input_format: InputFormatName = input_format.value
        self.limits = Limits(max_bytes=max_bytes, page_timeout=PAGE_TIMEOUT_DEFAULT)
        self.failed = 0
        check_encoding(encoding)
        try:
            self.layouts: tuple[Layout, ...] = load_layouts(layouts or ())
        except KtCleanError as exc:
            usage_error(str(exc))

    def documents(self, pages: list[str]) -> Iterator[Document]:
        for page in pages:
            if page == "-":
                yield from self.stdin()
            elif os.path.isdir(page):
                yield from self.folder(page)
            else:
                yield from self.read(page)

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

    def folder(self, folder: str) -> Iterator[Document]:
        """The pages of a folder and its sub-folders, as ``kt-clean batch -r`` finds them."""
        from ..inputs.walk import iter_pages

        found = False
        try:
            for entry in iter_pages(folder, recursive=True):
                found = True
                path = os.path.join(folder, entry.rel)
                if entry.problem is not None:
                    self.fail(f"{path}: {entry.problem}")
                    continue
                yield from self.read(path)
        except OSError as exc:
            self.fail(f"{folder}: cannot list the folder: {exc.strerror or exc}")
            return
        if not found:
            self.fail(f"{folder}: is a directory with no pages in it")

    def each(self, pages: list[str], work: Callable[[Document], str],
             url: str | None = None, *, human: bool = False) -> None:
        """Run ``work`` on every document and write what it returns to stdout; ``url`` (the
        ``--url`` hint) is the address of the one page input. A ``human`` view (text,
        Markdown) has its control characters escaped on a terminal (see :func:`shown`);
        data (JSON, NDJSON, a pipe or a file) is written as it is."""
        if url is not None:
            if len(pages) != 1 or os.path.isdir(pages[0]):
                usage_error("--url names the address of one page: give one input file (or -)")
            if is_warc_file(pages[0]):
                usage_error("--url names the address of one page: the pages of a WARC archive "
                            "carry their own")
            if not url.strip() or any(c.isspace() for c in url.strip()):
                usage_error(f"--url {url!r} is not an address")
        escape = human and stdout_is_terminal()
        for doc in self.documents(pages):
            if url is not None:
                doc = doc.replace(url=url.strip())
            if doc.input_format == "html":
                quiet_html_libraries()
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
            write_out(shown(text) if escape else text)

    def fail(self, message: str) -> None:
        self.failed += 1
        error(message)

    def finish(self) -> None:
        raise typer.Exit(EXIT_INPUT if self.failed else EXIT_OK)


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


