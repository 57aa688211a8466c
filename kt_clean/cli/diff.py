"""``kt-clean diff``: every line of the page, kept (role) or removed (reason, rule).

The view itself is built by :mod:`kt_clean.diff`; this module only chooses plain text or
Rich colours and the width. Rich is imported only when colour is wanted, so importing this
module at start-up costs nothing.
"""

import os
import sys
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Annotated

import typer

from ..limits import MAX_BYTES_DEFAULT
from ..model import Document
from .common import (
    EncodingOpt,
    FastOpt,
    InputFormat,
    InputFormatOpt,
    LayoutsOpt,
    MaxBytesOpt,
    Pages,
    QuietOpt,
    Run,
    VerboseOpt,
    app,
    examples,
    note,
    shown,
    usage_error,
)

if TYPE_CHECKING:
    from rich.console import Console

    from ..diff import DiffView

DEFAULT_WIDTH = 80


class DiffFormat(StrEnum):
    view = "view"
    unified = "unified"


def use_color(stream: IO[str], color: bool | None) -> bool:
    """``--color``/``--no-color`` win; then ``NO_COLOR`` (no-color.org: off), then
    ``FORCE_COLOR`` (force-color.org: on, in a pipe or a CI log too); otherwise colour only
    on a terminal. Each variable counts when set to anything but the empty string."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def view_width(stream: IO[str], width: int | None) -> int:
    """``--width``, else ``COLUMNS``, else the terminal's width, else 80."""
    if width:
        return width
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        pass
    return DEFAULT_WIDTH


# -- the coloured view -----------------------------------------------------------------------

def rich_view(v: "DiffView", console: "Console", *, side_by_side: bool = False) -> None:
    """Print the coloured view of ``v`` on ``console`` (Rich)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..diff import SIDE_BY_SIDE_MIN_WIDTH, Collapsed, header

    removed_style, kept_style, dim = "red", "green", "bright_black"
    console.print(Text(header(v), style="bold"))
    numw = len(str(v.summary.lines))
    sbs = side_by_side and console.width >= SIDE_BY_SIDE_MIN_WIDTH
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(justify="right", width=numw, style=dim)
    grid.add_column(width=1)
    if sbs:
        grid.add_column(ratio=1, overflow="fold")
        grid.add_column(width=1, style=dim)
        grid.add_column(ratio=1, overflow="fold")
    else:
        grid.add_column(ratio=1, overflow="fold")
        sides = [len(r.tag) if r.kept else len(r.tag) + 1 + len(r.rule) for r in v.rows
                 if not any(isinstance(i, Collapsed) and r in i.rows for i in v.items)]
        grid.add_column(no_wrap=True, overflow="ellipsis",
                        width=max(8, min(max(sides, default=8), console.width // 3)))
    for item in v.items:
        if isinstance(item, Collapsed):
            note = Text(f"… {item.describe()} …", style=f"italic {removed_style}")
            cells = [Text(""), Text("⋮", style=removed_style), note]
            grid.add_row(*cells, *([Text(""), Text("")] if sbs else [Text("")]))
            continue
        number = Text(str(item.number))
        if item.kept:
            mark = Text("+", style=f"bold {kept_style}")
            text = Text(item.text.strip() if sbs else item.text,
                        style="bold" if item.tag in ("title", "subheading") else "")
            side = Text(item.tag, style=kept_style)
        else:
            mark = Text("-", style=f"bold {removed_style}")
            text = Text(item.text.strip() if sbs else item.text, style=f"{removed_style} strike")
            side = Text.assemble((item.tag, f"bold {removed_style}"), " ",
                                 (shown(item.rule), dim))
        if sbs:
            right = Text(item.text.strip()) if item.kept else side
            grid.add_row(number, mark, text, "│", right)
        else:
            grid.add_row(number, mark, text, side)
    console.print(grid)

    s = v.summary
    table = Table(box=box.SIMPLE_HEAD, title="summary", title_justify="left",
                  title_style="bold")
    table.add_column("")
    table.add_column("lines", justify="right")
    table.add_column("chars", justify="right")
    table.add_row(Text("kept", style=f"bold {kept_style}"), str(s.kept_lines), str(s.kept_chars))
    for c in s.roles:
        table.add_row(Text(f"  {c.tag}", style=kept_style), str(c.lines), str(c.chars))
    table.add_row(Text("removed", style=f"bold {removed_style}"), str(s.removed_lines),
                  str(s.removed_chars))
    for c in s.reasons:
        table.add_row(Text(f"  {c.tag}", style=removed_style), str(c.lines), str(c.chars))
    table.add_row(Text("total", style="bold"), str(s.lines), str(s.chars), end_section=True)
    console.print(table)
    console.print(Text.assemble(("layout: ", "bold"), s.layout or "not detected",
                                f", confidence {s.confidence:.2f}"))
    console.print(Text.assemble(("evidence: ", "bold"),
                                ", ".join(s.evidence) if s.evidence else "none"))


def make_console(stream: IO[str], width: int, *, record: bool = False) -> "Console":
    """A Rich console writing ANSI colours to ``stream`` at ``width`` columns."""
    from rich.console import Console

    return Console(file=stream, width=width, force_terminal=True, no_color=False,
                   highlight=False, markup=False, emoji=False, record=record)


def render(doc: Document, stream: IO[str], *, full: bool = False, collapse_at: int | None = None,
           side_by_side: bool = False, color: bool | None = None,
           width: int | None = None) -> str:
    """The view of a stripped ``doc`` as it should be written to ``stream``."""
    from ..diff import COLLAPSE_DEFAULT, plain, view

    threshold = None if full else (collapse_at or COLLAPSE_DEFAULT)
    v = shown_view(view(doc, collapse_at=threshold))
    cols = view_width(stream, width)
    if not use_color(stream, color):
        return shown(plain(v, width=cols, side_by_side=side_by_side))  # rule ids too
    console = make_console(stream, cols)
    with console.capture() as captured:
        rich_view(v, console, side_by_side=side_by_side)
    return captured.get()


def shown_view(v: "DiffView") -> "DiffView":
    """``v`` with the control characters of its texts escaped (see
    :func:`~kt_clean.cli.common.shown`): the view is for a person, so a page's escape
    sequences are shown, never sent to the terminal. The counts stay the page's own."""
    from dataclasses import replace

    from ..diff import Collapsed, DiffView

    def changed(text: str | None) -> bool:
        return text is not None and shown(text) != text

    if not any(changed(r.text) for r in v.rows) and not (
            changed(v.source) or changed(v.summary.layout)
            or any(changed(e) for e in v.summary.evidence)):
        return v
    rows = {id(r): replace(r, text=shown(r.text)) for r in v.rows}
    new_rows = tuple(rows[id(r)] for r in v.rows)
    items = tuple(Collapsed(tuple(rows[id(r)] for r in i.rows)) if isinstance(i, Collapsed)
                  else rows[id(i)] for i in v.items)
    s = v.summary
    summary = replace(s, source=shown(s.source),
                      layout=None if s.layout is None else shown(s.layout),
                      evidence=tuple(shown(e) for e in s.evidence))
    return DiffView(shown(v.source), new_rows, items, summary)


def show_on_stderr(doc: Document) -> None:
    """``strip --diff`` / ``extract --diff``: the view on stderr; stdout stays data only."""
    sys.stderr.write(render(doc, sys.stderr))
    sys.stderr.flush()


@app.command(epilog=examples("kt-clean diff seeds/003_67df4e5bb0c6f5bf.txt",
                             "kt-clean diff page.txt --format unified > page.diff",
                             "kt-clean diff page.txt --side-by-side --width 160 | less -R"))
def diff(
    pages: Pages,
    full: Annotated[bool, typer.Option(
        "--full", help="Show every removed line instead of collapsing long runs.")] = False,
    collapse_at: Annotated[int | None, typer.Option(
        "--collapse", min=1, show_default=False, metavar="N",
        help="Collapse runs of at least N removed lines (default 4).")] = None,
    side_by_side: Annotated[bool, typer.Option(
        "--side-by-side", help="Original left, cleaned right (stacked below 100 columns).")
    ] = False,
    fmt: Annotated[DiffFormat, typer.Option(
        "--format", "-f", case_sensitive=False,
        help="'view' (lines with reasons and roles, then a summary) or 'unified' (a plain "
             "unified diff of the page against its kept lines).")] = DiffFormat.view,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", show_default=False,
        help="Force colours on or off (default: on a terminal, unless NO_COLOR is set).")
    ] = None,
    width: Annotated[int | None, typer.Option(
        "--width", min=20, show_default=False, metavar="N",
        help="Columns to lay out for (default: COLUMNS, else the terminal's width, else 80).")
    ] = None,
    encoding: EncodingOpt = None,
    input_format: InputFormatOpt = InputFormat.auto,
    layouts: LayoutsOpt = None,
    max_bytes: MaxBytesOpt = MAX_BYTES_DEFAULT,
    fast: FastOpt = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Show each page with every removed line marked (reason, rule) and every kept line's role.

    Long runs of removed lines collapse into one line (--full shows them), and a summary
    counts lines and characters kept and removed per reason. Colour only on a terminal.
    """
    from ..diff import unified
    from ..pipeline import strip as run

    if fmt is DiffFormat.unified and (full or side_by_side or collapse_at):
        usage_error("--full, --collapse and --side-by-side apply to --format view only")
    r = Run(encoding, input_format, layouts, max_bytes, verbose=verbose, quiet=quiet, fast=fast)
    if side_by_side:
        from ..diff import SIDE_BY_SIDE_MIN_WIDTH

        cols = view_width(sys.stdout, width)
        if cols < SIDE_BY_SIDE_MIN_WIDTH:
            # Why say so: the option would otherwise be ignored without a word.
            note(f"--side-by-side needs {SIDE_BY_SIDE_MIN_WIDTH} columns and {cols} are "
                 "available (--width, else COLUMNS, else the terminal's width, else 80): "
                 "the view is stacked")
    written = 0

    def work(doc: Document) -> str:
        nonlocal written
        doc = run(doc, r.layouts, limits=r.limits)
        if fmt is DiffFormat.unified:
            return shown(unified(doc))
        text = render(doc, sys.stdout, full=full, collapse_at=collapse_at,
                      side_by_side=side_by_side, color=color, width=width)
        written += 1
        return text if written == 1 else "\n" + text

    r.each(pages, work)
    r.finish()
