"""Rendering an :class:`~kt_clean.model.Article` as text, JSON, Markdown or CSV.

Markdown is escaped so that it shows the page's text as it is: a title starting with ``#``
or holding ``*`` is text, not markup (``tests/test_render.py`` parses the output back with
markdown-it-py, a CommonMark parser, and compares). Front matter (``front_matter=True``)
is YAML written by :func:`yaml_scalar`, whose quoting is checked the same way, by loading
it back with a YAML parser.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from .model import Article
from .vocabulary import FORMATS, Format

#: Keys of the article JSON that front matter leaves out: the text itself, and what only
#: ``--explain`` adds.
FRONT_MATTER_SKIPS = frozenset({"body", "items", "subheadings", "captions", "sources",
                                "removed"})
#: Keys of the article JSON that CSV leaves out: nested values (``items``), what the body
#: holds already (``subheadings``) and what only ``--explain`` adds.
CSV_SKIPS = frozenset({"items", "subheadings", "sources", "removed"})
#: A list of strings in one CSV cell: its values joined by this.
CSV_LIST_JOINER = "; "


def to_json(article: Article, explain: bool = False) -> str:
    """One JSON object on one line (NDJSON), keys in a fixed order (docs/formats.md)."""
    return json.dumps(article.to_dict(explain=explain), ensure_ascii=False)


def to_text(article: Article) -> str:
    """The title, the deck, then the body: blocks separated by one blank line."""
    parts = [p for p in (article.title, article.subtitle) if p]
    if article.body:
        parts.append(article.body)
    return "\n\n".join(parts) + "\n"


# -- Markdown ---------------------------------------------------------------------------------

@cache
def _re(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled on first use: the Markdown and YAML patterns are not compiled
    by a command that writes JSON or text (each process's start-up pays for a compile)."""
    return re.compile(pattern)


#: Characters that start inline markup anywhere in a line (CommonMark): emphasis, code,
#: links and images, raw HTML and autolinks, and the backslash itself.
_INLINE = r"([\\`*_\[\]<])"
#: An entity or character reference (``&amp;``, ``&#35;``), which would show as its character.
_ENTITY = r"&(?=#?[0-9A-Za-z]+;)"
#: Strikethrough in GitHub's dialect (``~~x~~``).
_TILDES = r"~(?=~)"
#: What makes a line a block of its own kind when it starts it: a heading, a quote, a list
#: item (bullet or number), a thematic break or setext underline, a fence, a table row.
_LINE_START = (r"^([ \t]*)(#|>|[-+*](?=[ \t]|$)|=+[ \t]*$|-+[ \t]*$|~|\||"
               r"\d{1,9}(?=[.)](?:[ \t]|$)))")
#: ``#`` at the end of a heading, after a space, would be read as its closing sequence.
_HEADING_END = r"(?<=[ \t])#(?=#*[ \t]*$)"


def md_escape(text: str) -> str:
    """``text`` as Markdown that shows exactly ``text`` (one paragraph's worth: each line's
    start, and markup characters anywhere, are backslash-escaped; blank lines and leading
    spaces, which Markdown cannot keep, are dropped)."""
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        line = _re(_INLINE).sub(r"\\\1", line)
        line = _re(_ENTITY).sub(r"\\&", line)
        line = _re(_TILDES).sub(r"\\~", line)
        m = _re(_LINE_START).match(line)
        if m:
            lead, mark = m.group(1), m.group(2)
            # a number's '.' or ')' is what makes it a list item: escape that instead
            if mark[0].isdigit():
                at = len(lead) + len(mark)
                line = line[:at] + "\\" + line[at:]
            else:
                line = lead + "\\" + line[len(lead):]
        lines.append(line)
    return "\n".join(lines)


def _md_heading(text: str) -> str:
    escaped = md_escape(text.replace("\n", " "))
    return _re(_HEADING_END).sub(r"\\#", escaped)


def to_markdown(article: Article) -> str:
    """``# title``, the deck, byline and dates, captions, ``##`` subheadings, paragraphs;
    every text escaped (:func:`md_escape`)."""
    out: list[str] = []
    if article.title and article.title.strip():
        out.append(f"# {_md_heading(article.title)}")
    if article.subtitle and article.subtitle.strip():
        out.append(f"*{md_escape(article.subtitle.replace(chr(10), ' '))}*")
    meta = []
    if article.byline:
        meta.append(article.byline)
    elif article.authors:
        meta.append("By " + ", ".join(article.authors))
    if article.published:
        meta.append(f"Published {article.published}")
    if article.updated:
        meta.append(f"Updated {article.updated}")
    if meta:
        out.append(md_escape(" · ".join(meta).replace("\n", " ")))
    for caption in article.captions:
        if caption.strip():
            out.append("> " + md_escape(caption).replace("\n", "\n> "))
    for block in article.blocks:
        if not block.text.strip():
            continue
        if block.kind == "subheading":
            out.append(f"## {_md_heading(block.text)}")
        elif block.kind == "item":
            out.append("- " + md_escape(block.text).replace("\n", "\n  "))
        else:
            out.append(md_escape(block.text))
    return "\n\n".join(out) + "\n"


# -- front matter (YAML) ----------------------------------------------------------------------

#: Characters a YAML double-quoted scalar must not hold raw (YAML 1.1 and 1.2: not
#: printable, or a line break other than LF): DEL, C1 (NEL too), LINE and PARAGRAPH
#: SEPARATOR, the BOM, the non-characters U+FFFE/U+FFFF, and lone surrogates.
_YAML_UNSAFE = "[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"


def yaml_scalar(value: Any) -> str:
    """``value`` (``None``, a bool, a number, a string or a list of those) as a YAML flow
    scalar or sequence that a YAML 1.1 or 1.2 parser reads back as ``value``.

    Why not a YAML library: no YAML emitter ships with Python, and the values are plain. A
    string is written double-quoted, as JSON writes it (a JSON string is a YAML one), with
    the characters YAML does not allow raw escaped as ``\\uXXXX``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return _re(_YAML_UNSAFE).sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    raise TypeError(f"no YAML for a {type(value).__name__}")


def to_front_matter(article: Article) -> str:
    """The article's metadata as YAML front matter: ``---``, one ``key: value`` line per
    key of the article JSON (in its order; the body, captions, subheadings and items
    left out), ``---``."""
    lines = ["---"]
    for key, value in article.to_dict().items():
        if key not in FRONT_MATTER_SKIPS:
            lines.append(f"{key}: {yaml_scalar(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


# -- CSV --------------------------------------------------------------------------------------

def csv_columns() -> tuple[str, ...]:
    """The CSV header: the keys of the article JSON, in its order, less :data:`CSV_SKIPS`."""
    return tuple(k for k in Article(source="", layout="").to_dict() if k not in CSV_SKIPS)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return CSV_LIST_JOINER.join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_row(values: list[str]) -> str:
    """One CSV record (RFC 4180: quoted where needed, CRLF at its end)."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def to_csv(article: Article, header: bool = False) -> str:
    """The article as one CSV record (the :func:`csv_columns`; lists joined by ``; ``),
    after the header record when ``header``."""
    data = article.to_dict()
    row = csv_row([_csv_cell(data.get(k)) for k in csv_columns()])
    return (csv_row(list(csv_columns())) + row) if header else row


def render(article: Article, fmt: Format = "text", explain: bool = False, *,
           front_matter: bool = False) -> str:
    """The article in ``fmt`` (``text``, ``json``, ``markdown`` or ``csv``), ending with a
    newline.

    ``explain`` (JSON only) adds ``removed``: every removed line with its reason and rule.
    ``front_matter`` (text and Markdown only) puts the metadata first, as YAML. CSV is one
    record without the header (``to_csv(article, header=True)`` has it).
    """
    if fmt == "json":
        return to_json(article, explain) + "\n"
    if fmt == "csv":
        return to_csv(article)
    if fmt == "markdown":
        body = to_markdown(article)
    elif fmt == "text":
        body = to_text(article)
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if front_matter:
        return to_front_matter(article) + "\n" + body
    return body
