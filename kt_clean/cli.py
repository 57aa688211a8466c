"""The ``kt-clean`` command line: each command is a thin shell over one library call.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 every input was fine, 1 some
input failed (each failure is one line on stderr; the other inputs are still processed),
2 usage error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import InputError, KtCleanError
from .layouts import Layout, load_layouts
from .model import Document
from .reading import MAX_BYTES_DEFAULT, iter_stdin, read_path

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="kt-clean",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    add_completion=False,
    help="Turn scraped news pages (text dumps) into clean articles, and show what was removed "
    "and why.\n\nExit codes: 0 every input was fine, 1 some input failed, 2 usage error.",
)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class InputFormat(str, Enum):
    auto = "auto"
    text = "text"
    html = "html"
    ndjson = "ndjson"


Pages = Annotated[list[str], typer.Argument(
    help="Page files (text dumps, HTML, or NDJSON records of an earlier stage); '-' is stdin.",
    show_default=False)]
EncodingOpt = Annotated[Optional[str], typer.Option(
    "--encoding", help="Decode every input with this encoding instead of guessing.")]
InputFormatOpt = Annotated[InputFormat, typer.Option(
    "--input-format", help="What the inputs are; 'auto' tells them apart.", case_sensitive=False)]
LayoutsOpt = Annotated[Optional[list[str]], typer.Option(
    "--layouts", help="Extra layout rule file, or folder of *.toml files (repeatable).")]
MaxBytesOpt = Annotated[int, typer.Option(
    "--max-bytes", help="Refuse inputs larger than this many bytes.", min=1)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output format.", case_sensitive=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
MarkdownOpt = Annotated[bool, typer.Option("--markdown", help="Shorthand for --format markdown.")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="JSON: add 'removed', every removed line with its reason and rule.")]


class Run:
    """Inputs in, one outcome per input; counts failures for the exit code."""

    def __init__(self, encoding: str | None, input_format: InputFormat,
                 layouts: list[str] | None, max_bytes: int = MAX_BYTES_DEFAULT) -> None:
        self.encoding = encoding
        self.input_format = input_format.value
        self.max_bytes = max_bytes
        self.failed = 0
        try:
            self.layouts: tuple[Layout, ...] = load_layouts(layouts or ())
        except KtCleanError as exc:
            _usage_error(str(exc))

    def documents(self, pages: list[str]) -> Iterator[Document]:
        for page in pages:
            try:
                if page == "-":
                    yield from iter_stdin(encoding=self.encoding,
                                          input_format=self.input_format,
                                          max_bytes=self.max_bytes)
                else:
                    yield from read_path(page, encoding=self.encoding,
                                         input_format=self.input_format,
                                         max_bytes=self.max_bytes)
            except InputError as exc:
                self.fail(str(exc))

    def each(self, pages: list[str], work: Callable[[Document], str]) -> None:
        """Run ``work`` on every document and write what it returns to stdout."""
        out = sys.stdout
        for doc in self.documents(pages):
            try:
                text = work(doc)
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


def _usage_error(message: str) -> None:
    sys.stderr.write(f"kt-clean: error: {message}\n")
    raise typer.Exit(EXIT_USAGE)


def _pick_format(fmt: Format, as_json: bool, as_markdown: bool) -> str:
    if as_json and as_markdown:
        _usage_error("--json and --markdown cannot be used together")
    return "json" if as_json else "markdown" if as_markdown else fmt.value


def _record(doc: Document) -> str:
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


@app.command(epilog="Example: kt-clean detect seeds/*.txt; "
                    "kt-clean detect page.txt --json | kt-clean strip - | kt-clean emit - --markdown")
def detect(
    pages: Pages,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One NDJSON record per page, with the page, for piping into 'strip -'.")
    ] = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
) -> None:
    """Print each page's layout variant (print, full-nav or unknown) with the evidence.

    Plain output is one tab-separated line per page: source, layout, confidence, evidence.
    """
    from .pipeline import detect as run

    r = Run(encoding, input_format, layouts, max_bytes)

    def work(doc: Document) -> str:
        doc = run(doc, r.layouts)
        if as_json:
            return _record(doc)
        return f"{doc.source}\t{doc.layout}\t{doc.confidence:.2f}\t{','.join(doc.evidence)}\n"

    r.each(pages, work)
    r.finish()


@app.command(epilog="Example: kt-clean strip page.txt > page.ndjson; "
                    "kt-clean strip page.txt --kept")
def strip(
    pages: Pages,
    kept: Annotated[bool, typer.Option(
        "--kept", help="Print the kept lines as they are instead of NDJSON records.")] = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
) -> None:
    """Label the page chrome (menus, settings, share buttons, related lists, footer) as removed.

    Output: one NDJSON record per page with a label for every line (docs/formats.md).
    """
    from .pipeline import strip as run

    r = Run(encoding, input_format, layouts, max_bytes)

    def work(doc: Document) -> str:
        doc = run(doc, r.layouts)
        if kept:
            return "".join(text + "\n" for _, text, _ in doc.kept_lines())
        return _record(doc)

    r.each(pages, work)
    r.finish()


def _emit_command(pages: list[str], fmt: Format, as_json: bool, as_markdown: bool,
                  explain: bool, encoding: str | None, input_format: InputFormat,
                  layouts: list[str] | None, max_bytes: int) -> None:
    from .pipeline import emit as run

    chosen = _pick_format(fmt, as_json, as_markdown)
    if explain and chosen != "json":
        _usage_error("--explain needs --json (or --format json)")
    r = Run(encoding, input_format, layouts, max_bytes)
    r.each(pages, lambda doc: run(doc, chosen, explain=explain, layouts=r.layouts))
    r.finish()


@app.command(epilog="Example: kt-clean strip page.txt | kt-clean emit - --markdown")
def emit(
    pages: Pages,
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    as_markdown: MarkdownOpt = False,
    explain: ExplainOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
) -> None:
    """Render the article of each page (or stripped record) as text, JSON or Markdown."""
    _emit_command(pages, fmt, as_json, as_markdown, explain, encoding, input_format, layouts,
                  max_bytes)


@app.command(epilog="Example: kt-clean extract seeds/003_67df4e5bb0c6f5bf.txt --json")
def extract(
    pages: Pages,
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    as_markdown: MarkdownOpt = False,
    explain: ExplainOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
) -> None:
    """Detect, strip and emit in one call: the clean article of each page."""
    _emit_command(pages, fmt, as_json, as_markdown, explain, encoding, input_format, layouts,
                  max_bytes)


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
