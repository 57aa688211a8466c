"""The learn command: write a layout rule file from many pages of one site."""


import os
import re
from pathlib import Path
from typing import Annotated, cast

import typer

from ..errors import InputError
from ..inputs import read_path
from ..inputs.walk import iter_pages
from ..limits import MAX_BYTES_DEFAULT, Limits
from ..model import Document
from ..vocabulary import InputFormat as InputFormatName
from ..vocabulary import layout_name_from
from .common import (
    EXIT_INPUT,
    EXIT_OK,
    EncodingOpt,
    InputFormat,
    InputFormatOpt,
    MaxBytesOpt,
    QuietOpt,
    VerboseOpt,
    app,
    check_encoding,
    error,
    examples,
    note,
    setup_logging,
    usage_error,
    write_out,
)


@app.command("learn", epilog=examples(
    "kt-clean learn saved/mysite/ -o mysite.toml",
    "kt-clean extract --layouts mysite.toml saved/mysite/page1.txt --json"))
def learn_command(
    folder: Annotated[Path, typer.Argument(
        help="Folder of saved pages (text dumps) of one site and one page design.",
        show_default=False)],
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="FILE",
        help="Where to write the rule file ('-' for stdout).")] = "-",
    name: Annotated[str | None, typer.Option(
        "--name", metavar="NAME", help="Layout name (default: the output file's name).")] = None,
    glob: Annotated[str, typer.Option(
        "--glob", metavar="PATTERN",
        help="Which files of the folder to read.")] = "*",
    recursive: Annotated[bool, typer.Option(
        "--recursive", "-r", help="Read sub-folders too.")] = False,
    min_share: Annotated[float, typer.Option(
        "--min-share", min=0.05, max=1.0, metavar="SHARE",
        help="A line on at least this share of the pages is site chrome.")] = 0.5,
    site: Annotated[str, typer.Option(
        "--site", metavar="NAME",
        help="The site's name, for site_name.")] = "",
    timezone: Annotated[str | None, typer.Option(
        "--timezone", metavar="+HH:MM",
        help="Offset for the site's dates, e.g. +09:00 (without it the "
                           "learned layout's dates have no offset).")] = None,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Learn a layout rule file from many pages of one site (recurring lines are chrome).

    Writes the same TOML format as the built-in layouts; use it with --layouts.
    """
    from ..errors import LearnError
    from ..learning import learn
    from ..system import atomic_write

    setup_logging(verbose, quiet)
    check_encoding(encoding)
    if input_format is InputFormat.ndjson:
        usage_error("--input-format ndjson: learn reads pages (text dumps, or HTML as it "
                    "renders), not records")
    limits = Limits(max_bytes=max_bytes)
    kind = cast(InputFormatName, input_format.value)
    if not folder.is_dir():
        usage_error(f"{folder}: not a folder")
    if name is None:
        name = layout_name_from(Path(output).stem if output != "-" else folder.resolve().name)
    pages: list[Document] = []
    failed = 0
    for entry in iter_pages(folder, glob, recursive=recursive):  # as batch finds pages
        path = os.path.join(folder, entry.rel)
        if entry.problem is not None:
            failed += 1
            error(f"{path}: {entry.problem}")
            continue
        try:
            pages.extend(read_path(path, encoding=encoding, input_format=kind, limits=limits))
        except InputError as exc:
            failed += 1
            error(str(exc))
    if timezone is not None and not re.fullmatch(r"[+-](?:0\d|1[0-4]):[0-5]\d|Z", timezone):
        usage_error(f"--timezone {timezone!r}: give the offset as +HH:MM (+09:00) or Z")
    try:
        learned = learn(pages, name, site=site, min_share=min_share, timezone=timezone)
    except LearnError as exc:
        error(f"{folder}: {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    if output == "-":
        write_out(learned.toml)
    else:
        try:
            atomic_write(output, learned.toml)
        except OSError as exc:
            error(f"{output}: cannot write: {exc.strerror or exc}")
            raise typer.Exit(EXIT_INPUT) from None
    chrome = sum(1 for r in learned.recurring if r.pages)
    note(f"learned layout '{name}' from {learned.pages} pages: {chrome} recurring "
         f"lines, article start found on {learned.agreement:.0%} of pages"
         + (f", written to {output}" if output != "-" else ""))
    if timezone is None:
        note("no --timezone given: the layout's dates are written without an offset (learn "
             "again with --timezone +HH:MM, or add timezone = \"+HH:MM\" to [layout] in "
             "the file)")
    raise typer.Exit(EXIT_INPUT if failed else EXIT_OK)
