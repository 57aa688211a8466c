"""The page commands: detect, strip, emit, extract."""


from typing import Annotated

import typer

from ..limits import MAX_BYTES_DEFAULT
from ..model import Document
from .common import (
    EncodingOpt,
    ExplainOpt,
    FastOpt,
    Format,
    FormatOpt,
    InputFormat,
    InputFormatOpt,
    JsonOpt,
    LayoutsOpt,
    MarkdownOpt,
    MaxBytesOpt,
    OnlyOpt,
    Pages,
    QuietOpt,
    Run,
    UrlOpt,
    VerboseOpt,
    app,
    check_only,
    examples,
    log_enabled,
    logger,
    pick_format,
    record_line,
    usage_error,
)

DiffOpt = Annotated[bool, typer.Option(
    "--diff", help="Also show what was removed and why on stderr (the view of the diff "
                   "command).")]
FrontMatterOpt = Annotated[bool, typer.Option(
    "--front-matter", help="Text and Markdown: start each page with its metadata as YAML "
                           "front matter (between '---' lines).")]
OutputDirOpt = Annotated[str | None, typer.Option(
    "--output", "-o", metavar="DIR", show_default=False,
    help="Write one file per page into DIR (created if missing; a folder's pages keep their "
         "paths under it) instead of stdout.")]


def _log_page(doc: Document) -> None:
    """``-vv``: what a page became, in one line."""
    if log_enabled(10) and doc.labels is not None:
        log = logger()
        kept = sum(1 for lab in doc.labels if lab.kept)
        log.debug("%s: a %s page, layout %s (confidence %.2f; %s), %d of %d lines kept",
                  doc.source, doc.input_format, doc.layout, doc.confidence,
                  ",".join(doc.evidence) or "no evidence", kept, len(doc.labels))


@app.command(epilog=examples(
    "kt-clean detect seeds/*.txt",
    "kt-clean detect page.txt --json | kt-clean strip - | kt-clean emit - --markdown"))
def detect(
    pages: Pages,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One NDJSON record per page, with the page, for piping into 'strip -'.")
    ] = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    url: UrlOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Print each page's layout variant (print, full-nav or unknown) with the evidence.

    Plain output is one tab-separated line per page: source, layout, confidence, evidence.
    """
    from ..pipeline import detect as run

    r = Run(encoding, input_format, layouts, max_bytes, verbose=verbose, quiet=quiet)

    def work(doc: Document) -> str:
        doc = run(doc, r.layouts)
        if as_json:
            return record_line(doc)
        return f"{doc.source}\t{doc.layout}\t{doc.confidence:.2f}\t{','.join(doc.evidence)}\n"

    r.each(pages, work, url, human=not as_json)
    r.finish()


@app.command(epilog=examples("kt-clean strip page.txt > page.ndjson",
                             "kt-clean strip page.txt --kept"))
def strip(
    pages: Pages,
    kept: Annotated[bool, typer.Option(
        "--kept", help="Print the kept lines as they are instead of NDJSON records.")] = False,
    show_diff: DiffOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    url: UrlOpt = None,
    fast: FastOpt = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Label the page chrome (menus, settings, share buttons, related lists, footer) as removed.

    Output: one NDJSON record per page with a label for every line (docs/formats.md).
    """
    from ..pipeline import strip as run

    r = Run(encoding, input_format, layouts, max_bytes, verbose=verbose, quiet=quiet, fast=fast)

    def work(doc: Document) -> str:
        doc = run(doc, r.layouts, limits=r.limits)
        _log_page(doc)
        if show_diff:
            from .diff import show_on_stderr

            show_on_stderr(doc)
        if kept:
            return "".join(text + "\n" for _, text, _ in doc.kept_lines())
        return record_line(doc)

    from .output import SEPARATOR, Stdout

    # Several pages' kept lines: a '---' line between two, as extract's text pages have.
    r.each(pages, work, url, human=kept, sink=Stdout(SEPARATOR if kept else ""))
    r.finish()


def _emit_command(pages: list[str], fmt: Format, as_json: bool, as_markdown: bool,
                  explain: bool, encoding: str | None, input_format: InputFormat,
                  layouts: list[str] | None, max_bytes: int, show_diff: bool = False,
                  url: str | None = None, only: tuple[str, ...] = (),
                  front_matter: bool = False, output: str | None = None, verbose: int = 0,
                  quiet: bool = False, fast: bool = False) -> None:
    from ..pipeline import article
    from ..render import csv_columns, csv_row, render
    from .output import SEPARATOR, Folder, Stdout

    chosen = pick_format(fmt, as_json, as_markdown)
    if explain and chosen != "json":
        usage_error("--explain needs --json (or --format json)")
    if front_matter and chosen not in ("text", "markdown"):
        usage_error(f"--front-matter applies to text and Markdown; {chosen} has the metadata "
                    "already")
    r = Run(encoding, input_format, layouts, max_bytes, verbose=verbose, quiet=quiet, fast=fast)
    header = csv_row(list(csv_columns())) if chosen == "csv" else ""
    sink: Folder | Stdout
    if output is not None:
        if "-" in pages:
            usage_error("-o DIR names each output after its page; a page on standard input "
                        "has no name (give the file, or redirect stdout)")
        sink = Folder(output, chosen, header)
        sink.check(pages)
        r.exclude.append(output)  # an output folder inside an input folder is no input
    else:
        # Several pages of text or Markdown: a '---' line between two (front matter starts
        # each page with one already, so a blank line is enough).
        separator = "" if chosen in ("json", "csv") else "\n" if front_matter else SEPARATOR
        sink = Stdout(separator, header)

    def work(doc: Document) -> str:
        art = article(doc, r.layouts, limits=r.limits)
        if art.document is not None:
            _log_page(art.document)
        if only and art.page_type not in only:
            return ""  # left out by --only
        if show_diff and art.document is not None:
            from .diff import show_on_stderr

            show_on_stderr(art.document)
        return render(art, chosen, explain, front_matter=front_matter)

    r.each(pages, work, url, human=chosen not in ("json", "csv"), sink=sink, progress=True)
    r.finish()


@app.command(epilog=examples("kt-clean emit page.txt --markdown",
                             "kt-clean strip page.txt | kt-clean emit - --markdown"))
def emit(
    pages: Pages,
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    as_markdown: MarkdownOpt = False,
    explain: ExplainOpt = False,
    front_matter: FrontMatterOpt = False,
    output: OutputDirOpt = None,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    url: UrlOpt = None,
    fast: FastOpt = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Render the article of each page (or stripped record) as text, JSON, Markdown or CSV.

    Several pages of text or Markdown are separated by a '---' line; CSV has one header
    line, then a line per page.
    """
    _emit_command(pages, fmt, as_json, as_markdown, explain, encoding, input_format, layouts,
                  max_bytes, url=url, front_matter=front_matter, output=output,
                  verbose=verbose, quiet=quiet, fast=fast)


@app.command(epilog=examples(
    "kt-clean extract seeds/003_67df4e5bb0c6f5bf.txt --json",
    "kt-clean extract pages/ --json --only article > articles.ndjson",
    "kt-clean extract pages/ --format csv > pages.csv",
    "kt-clean extract pages/ -o clean/ --markdown --front-matter"))
def extract(
    pages: Pages,
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    as_markdown: MarkdownOpt = False,
    explain: ExplainOpt = False,
    front_matter: FrontMatterOpt = False,
    output: OutputDirOpt = None,
    show_diff: DiffOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    url: UrlOpt = None,
    only: OnlyOpt = None,
    fast: FastOpt = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Detect, strip and emit in one call: the clean article of each page.

    Several pages of text or Markdown are separated by a '---' line; CSV has one header
    line, then a line per page. With --only, pages of other page types print nothing.
    """
    _emit_command(pages, fmt, as_json, as_markdown, explain, encoding, input_format, layouts,
                  max_bytes, show_diff, url=url, only=check_only(only),
                  front_matter=front_matter, output=output, verbose=verbose, quiet=quiet,
                  fast=fast)
