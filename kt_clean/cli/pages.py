"""The page commands: detect, strip, emit, extract."""

from __future__ import annotations

from typing import Annotated

import typer

from ..limits import MAX_BYTES_DEFAULT
from ..model import Document
from .common import (
    EncodingOpt,
    ExplainOpt,
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
    Run,
    UrlOpt,
    app,
    check_only,
    pick_format,
    record_line,
    usage_error,
)

DiffOpt = Annotated[bool, typer.Option(
    "--diff", help="Also show what was removed and why (as 'kt-clean diff') on stderr.")]


@app.command(epilog="Example: kt-clean detect seeds/*.txt; kt-clean detect page.txt --json "
                    "| kt-clean strip - | kt-clean emit - --markdown")
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
) -> None:
    """Print each page's layout variant (print, full-nav or unknown) with the evidence.

    Plain output is one tab-separated line per page: source, layout, confidence, evidence.
    """
    from ..pipeline import detect as run

    r = Run(encoding, input_format, layouts, max_bytes)

    def work(doc: Document) -> str:
        doc = run(doc, r.layouts)
        if as_json:
            return record_line(doc)
        return f"{doc.source}\t{doc.layout}\t{doc.confidence:.2f}\t{','.join(doc.evidence)}\n"

    r.each(pages, work, url, human=not as_json)
    r.finish()


@app.command(epilog="Example: kt-clean strip page.txt > page.ndjson; "
                    "kt-clean strip page.txt --kept")
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
) -> None:
    """Label the page chrome (menus, settings, share buttons, related lists, footer) as removed.

    Output: one NDJSON record per page with a label for every line (docs/formats.md).
    """
    from ..pipeline import strip as run

    r = Run(encoding, input_format, layouts, max_bytes)

    def work(doc: Document) -> str:
        doc = run(doc, r.layouts, limits=r.limits)
        if show_diff:
            from .diff import show_on_stderr

            show_on_stderr(doc)
        if kept:
            return "".join(text + "\n" for _, text, _ in doc.kept_lines())
        return record_line(doc)

    r.each(pages, work, url, human=kept)
    r.finish()


def _emit_command(pages: list[str], fmt: Format, as_json: bool, as_markdown: bool,
                  explain: bool, encoding: str | None, input_format: InputFormat,
                  layouts: list[str] | None, max_bytes: int, show_diff: bool = False,
                  url: str | None = None, only: tuple[str, ...] = ()) -> None:
    from ..pipeline import article
    from ..render import render

    chosen = pick_format(fmt, as_json, as_markdown)
    if explain and chosen != "json":
        usage_error("--explain needs --json (or --format json)")
    r = Run(encoding, input_format, layouts, max_bytes)

    def work(doc: Document) -> str:
        art = article(doc, r.layouts, limits=r.limits)
        if only and art.page_type not in only:
            return ""  # left out by --only
        if show_diff and art.document is not None:
            from .diff import show_on_stderr

            show_on_stderr(art.document)
        return render(art, chosen, explain)

    r.each(pages, work, url, human=chosen != "json")
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
    url: UrlOpt = None,
) -> None:
    """Render the article of each page (or stripped record) as text, JSON or Markdown."""
    _emit_command(pages, fmt, as_json, as_markdown, explain, encoding, input_format, layouts,
                  max_bytes, url=url)


@app.command(epilog="Example: kt-clean extract seeds/003_67df4e5bb0c6f5bf.txt --json")
def extract(
    pages: Pages,
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    as_markdown: MarkdownOpt = False,
    explain: ExplainOpt = False,
    show_diff: DiffOpt = False,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    url: UrlOpt = None,
    only: OnlyOpt = None,
) -> None:
    """Detect, strip and emit in one call: the clean article of each page.

    With --only, pages of other page types print nothing (``kt-clean extract pages/
    --json --only article`` keeps a corpus to its articles).
    """
    _emit_command(pages, fmt, as_json, as_markdown, explain, encoding, input_format, layouts,
                  max_bytes, show_diff, url=url, only=check_only(only))


