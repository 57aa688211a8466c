"""Label rendered lines as main content or not (hash-based, linear time)."""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(r"\w+")
_N = 3


def _toks(s: str) -> list[str]:
    return _TOKEN_RE.findall(s.casefold())


def align_blocks(rendered_lines: list[str], blocks: list[tuple[str, str]]) -> list[bool]:
    """For each rendered line, True if it belongs to the extracted main content.

    * a line of >= 3 tokens is content when at least half of its token 3-grams occur
      in the blocks;
    * a shorter line is content when its token sequence equals a whole block (or a
      line of one), e.g. a heading; otherwise, when all its tokens occur in the blocks
      and the nearest non-blank lines before and after it are content (a fragment of
      body text split by <br> or inline markup).

    Linear in the total size: sets of hashed shingles, no difflib.
    """
    shingles: set[int] = set()
    short: set[tuple[str, ...]] = set()
    vocab: set[str] = set()
    for _, text in blocks:
        t_all = _toks(text)
        vocab.update(t_all)
        shingles.update(map(hash, zip(t_all, t_all[1:], t_all[2:])))  # token 3-grams
        for part in text.split("\n"):
            t = _toks(part)
            if 0 < len(t) < _N + 2:
                short.add(tuple(t))
    n = len(rendered_lines)
    out = [False] * n
    weak = [False] * n
    for k, line in enumerate(rendered_lines):
        t = _toks(line)
        if not t:
            continue
        if len(t) >= _N:
            grams = len(t) - _N + 1
            hit = sum(map(shingles.__contains__, map(hash, zip(t, t[1:], t[2:]))))
            out[k] = hit * 2 >= grams
            if not out[k] and len(t) < _N + 2 and tuple(t) in short:
                out[k] = True
        elif tuple(t) in short:
            out[k] = True
        elif all(x in vocab for x in t):
            weak[k] = True
    for k in range(n):
        if not weak[k]:
            continue
        prev = nxt = False
        for j in range(k - 1, max(-1, k - 4), -1):
            if rendered_lines[j].strip():
                prev = out[j]
                break
        for j in range(k + 1, min(n, k + 4)):
            if rendered_lines[j].strip():
                nxt = out[j]
                break
        out[k] = prev and nxt
    return out
