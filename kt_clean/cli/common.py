"""What every command shares: the app, option types, reading inputs, reporting failures."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Annotated

import typer

from .. import __version__
from ..errors import InputError, KtCleanError, PageTimeout
from ..inputs import iter_stdin, read_path
from ..layouts import Layout, load_layouts
from ..limits import MAX_BYTES_DEFAULT, PAGE_TIMEOUT_DEFAULT, Limits
from ..model import Document
from ..system import time_limit
from ..vocabulary import Format as FormatName
from ..vocabulary import InputFormat as InputFormatName

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2

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

    def read(self, path: str) -> list[Document]:
        """The documents of one file; a failure is reported and gives none."""
        try:
            with time_limit(self.limits.page_timeout):
                return read_path(path, encoding=self.encoding, input_format=self.input_format,
                                 limits=self.limits, on_error=lambda exc: self.fail(str(exc)))
        except InputError as exc:
            self.fail(str(exc))
        except PageTimeout as exc:
            self.fail(f"{path}: {exc}")
        return []

    def stdin(self) -> Iterator[Document]:
        """The documents on standard input, each read within the time limit."""
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
             url: str | None = None) -> None:
        """Run ``work`` on every document and write what it returns to stdout; ``url`` (the
        ``--url`` hint) is the address of the one page input."""
        if url is not None:
            if len(pages) != 1 or os.path.isdir(pages[0]):
                usage_error("--url names the address of one page: give one input file (or -)")
            if not url.strip() or any(c.isspace() for c in url.strip()):
                usage_error(f"--url {url!r} is not an address")
        out = sys.stdout
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
            out.write(text)
            out.flush()

    def fail(self, message: str) -> None:
        self.failed += 1
        sys.stderr.write(f"kt-clean: error: {message}\n")
        sys.stderr.flush()

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


def usage_error(message: str) -> None:
    sys.stderr.write(f"kt-clean: error: {message}\n")
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
        sys.stdout.write(f"kt-clean {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    pass


