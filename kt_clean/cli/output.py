"""Where the page commands write: stdout (pages separated, a CSV header once), or one file
per page in a folder (``extract -o DIR``); and the progress bar of a folder run."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..inputs.compressed import strip_suffix
from ..model import Document
from .common import OutputError, usage_error, write_out

#: Between two pages of text or Markdown on stdout: a line ``---`` (a thematic break in
#: Markdown, the line YAML documents and front matter are split on) with a blank line on
#: each side. Not before the first page nor after the last: one page is as it always was.
SEPARATOR = "\n---\n\n"
#: The file name ending of each output format.
EXTENSIONS = {"json": ".json", "markdown": ".md", "text": ".txt", "csv": ".csv"}


class Stdout:
    """Pages one after another on stdout: ``header`` (a CSV header) before the first,
    ``separator`` between two; a page that renders to nothing (left out by ``--only``)
    writes nothing, not even a separator."""

    def __init__(self, separator: str = "", header: str = "") -> None:
        self.separator = separator
        self.header = header
        self.written = 0

    def write(self, doc: Document, name: str | None, text: str) -> str | None:
        if not text:
            return None
        lead = self.header if self.written == 0 else self.separator
        write_out(lead + text)
        self.written += 1
        return None


class Folder:
    """One file per page in ``out_dir``: a page of a folder input keeps its path under that
    folder, a page given as a file its name, an NDJSON record its page's name; the last
    suffix (after a compression suffix) becomes the format's. When two pages would get the
    same file, the later one keeps its whole name (``a.txt.json``)."""

    def __init__(self, out_dir: str, fmt: str, header: str = "") -> None:
        self.out_dir = out_dir
        self.ext = EXTENSIONS[fmt]
        self.header = header
        self.claimed: set[str] = set()

    def check(self, inputs: list[str]) -> None:
        """Usage errors before any work: ``out_dir`` not a folder, or holding an input
        folder (its outputs would be read as pages by the next run)."""
        if os.path.exists(self.out_dir) and not os.path.isdir(self.out_dir):
            usage_error(f"-o {self.out_dir}: exists and is not a folder")
        out = os.path.realpath(self.out_dir)
        for page in inputs:
            if page == "-":
                continue
            if os.path.isdir(page):
                real = os.path.realpath(page)
                if out == real or real.startswith(out + os.sep):
                    usage_error(f"-o {self.out_dir}: holds the input folder {page} (its "
                                "outputs would be read as pages); write elsewhere")
        try:
            os.makedirs(self.out_dir, exist_ok=True)
        except OSError as exc:
            usage_error(f"-o {self.out_dir}: cannot create the folder: {exc.strerror or exc}")

    def target(self, doc: Document, name: str | None) -> str:
        """The output file of a page (relative to ``out_dir``); ``ValueError`` if none."""
        if name is None:
            if doc.source in ("-", "") or doc.source.startswith("<"):
                raise ValueError("a page read from standard input has no name to write it "
                                 "under; give the file, or leave out -o and redirect stdout")
            name = os.path.basename(doc.source.rstrip("/" + os.sep))
        base = strip_suffix(name)
        head, _, tail = base.rpartition("/")
        stem = tail.rpartition(".")[0] or tail
        for candidate in (stem + self.ext, tail + self.ext):
            rel = f"{head}/{candidate}" if head else candidate
            if rel not in self.claimed:
                self.claimed.add(rel)
                return rel
        raise ValueError("its output name is taken by other pages of this run")

    def write(self, doc: Document, name: str | None, text: str) -> str | None:
        """Write the page's file; a problem is returned as one line (nothing half-written:
        the file is written whole, or not at all)."""
        if not text:
            return None
        from ..system import atomic_write

        try:
            rel = self.target(doc, name)
        except ValueError as exc:
            return f"{doc.source}: {exc}"
        path = os.path.join(self.out_dir, rel)
        try:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            root = os.path.realpath(self.out_dir)
            where = os.path.realpath(os.path.dirname(path))
            if where != root and not where.startswith(root + os.sep):
                # a symlinked sub-folder of DIR: nothing is written outside DIR
                return f"{path}: cannot write: the folder leads outside {self.out_dir}"
            atomic_write(path, self.header + text, sync=False)
        except OSError as exc:
            return f"{path}: cannot write: {exc.strerror or exc}"
        return None


Sink = Stdout | Folder


class Bar:
    """A progress bar on stderr for a run over folders: the input files done of all of
    them, pages/s, the time left and the failures so far; updated after each file. Shown
    only where someone watches it: stderr a terminal, and stdout not (or ``-o DIR``)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.failed = 0
        self.progress: Any = Progress(
            TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("{task.fields[failed]} failed"),
            console=Console(stderr=True), transient=True, redirect_stdout=False,
            redirect_stderr=True)
        self.task = self.progress.add_task("pages", total=total, failed=0)
        self.progress.start()

    def advance(self, failed: int) -> None:
        self.progress.update(self.task, advance=1, failed=failed)

    def stop(self) -> None:
        self.progress.stop()


def wants_bar() -> bool:
    """Whether a progress bar has someone to watch it (see :class:`Bar`)."""
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError, OSError):
        return False


__all__ = ["EXTENSIONS", "SEPARATOR", "Bar", "Folder", "OutputError", "Sink", "Stdout",
           "wants_bar"]
