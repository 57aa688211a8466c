"""A story printed as one line (role ``run-on``): captions, byline and paragraphs apart again.

The Korea Times photo stories (``[PHOTOS]``, ``[VIDEO]``) render with no break between their
parts: each caption ends with its credit glued to what follows (``... March 28. YonhapCherry
blossoms ...``), the byline is glued to the first paragraph (``By Kang Hyun-kyungSpring came
anyway.``) and each paragraph to the next (``... vacations.Before the pandemic ...``).

:func:`split_run_on` cuts the line at those glue points: after a photo credit (a caption
ends there), after a ``By NAME`` at the start of a part, and between a sentence's end and the
next capital where no space separates them.
"""

from __future__ import annotations

import re
from typing import Literal

Part = tuple[Literal["caption", "byline", "paragraph"], str]

_NAME = r"[A-Z][a-z]+ [A-Z][a-z]+(?:-[a-z]+)?"
#: Photo credits as the site prints them at the end of a caption.
CREDIT = (r"(?:(?:[A-Z][A-Za-z]+-)?Yonhap|Joint Press Corps|Korea Times file"
          rf"|Korea Times photo by {_NAME}|Courtesy of [^/.]{{2,80}}?[a-z])")
#: A credit that ends a caption: after a sentence's end or a slash, and followed by the next
#: part's capital with no space (or by the end of the line).
_CAPTION_END = re.compile(rf"(?:(?<=[.)\"\u201d\u2019] )|(?<=/ )|(?<=/)){CREDIT}"
                          r"(?=[A-Z\"\u201c\u2018]|$)")
#: ``By NAME`` glued to the first word of the paragraph after it.
_BYLINE = re.compile(r"By ([A-Z][a-z]+(?: [A-Z][a-z]+(?:-[a-z]+)?){1,3}?)(?=[A-Z])")
#: A sentence's end glued to the next sentence: ``vacations.Before``, ``said."Minister``.
_GLUE = re.compile(r"(?<=[a-z0-9%)][.!?])(?=[A-Z\u201c\"])|(?<=[a-z0-9][.!?][\"\u201d])(?=[A-Z])")


def split_run_on(text: str) -> list[Part]:
    """The parts of a one-line story, in order: captions (each with its credit), the byline
    and the paragraphs."""
    parts: list[Part] = []
    pos = 0
    for m in _CAPTION_END.finditer(text):
        pieces = _paragraphs(text[pos:m.end()])
        if pieces:
            *before, caption = pieces
            _add_text(parts, before)
            parts.append(("caption", caption))
        pos = m.end()
    _add_text(parts, _paragraphs(text[pos:]))
    return parts


def _add_text(parts: list[Part], pieces: list[str]) -> None:
    for piece in pieces:
        m = _BYLINE.match(piece)
        if m is not None and not any(kind == "byline" for kind, _ in parts):
            parts.append(("byline", f"By {m.group(1)}"))
            piece = piece[m.end():].strip()
        if piece:
            parts.append(("paragraph", piece))


def _paragraphs(text: str) -> list[str]:
    """``text`` cut where a sentence's end is glued to the next one; a straight quote after
    the full stop opens the next paragraph when the quotes before it are balanced."""
    cuts: list[int] = []
    for m in _GLUE.finditer(text):
        at = m.start()
        if text[at] == '"' and text[:at].count('"') % 2 == 1:
            at += 1  # the quote closes this paragraph's quotation
            if at >= len(text) or not text[at].isupper():
                continue
        if cuts and (at == cuts[-1] or (at == cuts[-1] + 1 and text[cuts[-1]] in '"\u201c')):
            continue  # the same glue point, seen from the other side of its quote
        cuts.append(at)
    pieces, last = [], 0
    for at in cuts:
        pieces.append(text[last:at])
        last = at
    pieces.append(text[last:])
    return [p.strip() for p in pieces if p.strip()]
