"""Long text pages: the classifier's features are made in blocks of lines (issue #16).

The blocks must not change a bit of the features or a single label: a window, a
neighbour, a blank-line block or the prose region across a block's edge is read from the
page's series, not from the block. Tiny blocks (a few lines) put many edges in a short
page, so these tests are fast.
"""
from __future__ import annotations

import random
import re
import tracemalloc
from collections import Counter

import numpy as np
import pytest

from kt_clean.classifier import classify, classify_codes, features, load_model
from kt_clean.classifier.features import PageFeatures, extract
from kt_clean.cleaners import generic
from kt_clean.model import Label
from kt_clean.textshape import is_list_item, is_prose, is_subheading_text

PROSE = ("The council approved the budget on Tuesday after a long debate, and the mayor "
         "said that the new plan would be in place by the end of the year.")


def _page(seed: int, n: int = 400) -> list[str]:
    """A page of prose, short lines, menus, repeats, blank runs, indents and years."""
    rng = random.Random(seed)
    kinds = [PROSE, PROSE.upper(), "Home | News | Sport", "• Menu item", "12. Numbered item",
             "Share this", "SHARE THIS", "  indented line", "Published 2024-05-01",
             "A Short Heading", "log in privacy policy", "...", "Read more…", "x"]
    lines = []
    for i in range(n):
        r = rng.random()
        if r < 0.15:
            lines.extend([""] * rng.randint(1, 3))
        elif r < 0.25:
            lines.append(f"{PROSE} Line {i}.")
        else:
            lines.append(rng.choice(kinds))
    return lines


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blocks_equal_the_whole_matrix(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _page(seed)
    X, rows, stripped = extract(lines, block=10 ** 9)  # one block: the whole page
    assert X.shape[0] > 100
    monkeypatch.setattr(features, "_BLOCK_CHARS", 64)  # the first pass in blocks too
    for block in (1, 2, 3, 7, 64):
        Xb, rows_b, stripped_b = extract(lines, block=block)
        assert _same(Xb, X), block
        assert rows_b.tolist() == rows.tolist() and stripped_b == stripped
    # and a block's rows, asked for directly, across an edge
    page = PageFeatures(lines, block=5)
    assert _same(page.block(3, 9), X[3:9])


def test_blocks_with_a_dotted_capital_i(monkeypatch: pytest.MonkeyPatch) -> None:
    # U+0130 makes the whole page count its keywords line by line, in every block
    lines = [*_page(3), "İstanbul log in log in"]
    X, _, _ = extract(lines, block=10 ** 9)
    monkeypatch.setattr(features, "_BLOCK_CHARS", 64)
    assert _same(extract(lines, block=3)[0], X)


def test_classifier_in_tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [_page(s) for s in range(4)] + [["a"] * 50, [f"line {i}" for i in range(50)]]
    before = [classify(p) for p in pages]
    codes = [classify_codes(p) for p in pages]
    monkeypatch.setattr(features, "BLOCK", 3)
    monkeypatch.setattr(features, "_BLOCK_CHARS", 40)
    assert [classify(p) for p in pages] == before
    for p, (table, index) in zip(before, codes):
        assert [table[k] for k in index] == [(d.kept, d.label, d.rule) for d in p]


def test_classifier_never_makes_the_whole_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The blocks are all the classifier asks for, and none is longer than BLOCK."""
    asked: list[int] = []
    block = PageFeatures.block

    def spy(self: PageFeatures, s: int, e: int) -> np.ndarray:
        asked.append(e - s)
        return block(self, s, e)

    monkeypatch.setattr(PageFeatures, "block", spy)
    monkeypatch.setattr(features, "BLOCK", 16)
    monkeypatch.setattr(features, "extract", None)  # the whole-matrix API is not used
    lines = _page(5, 300)
    classify_codes(lines)
    assert sum(asked) == sum(1 for t in lines if t.strip()) and max(asked) <= 16


def test_memory_per_line_is_bounded() -> None:
    """Peak memory of the classifier on a page of short distinct lines: about 1.5 kB a
    line before the blocks (whole float64 matrices, per-pair count tables), a few
    hundred bytes now."""
    load_model()
    lines = [f"line {i}" for i in range(60_000)]
    tracemalloc.start()
    try:
        classify_codes(lines)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / len(lines) < 800


# --- the heuristic: one shared Label per kind, a linear second pass


def _reference_heuristic_labels(lines: list[str]) -> list[Label]:
    """The heuristic's first and second passes as they were written (a scan of the
    window around every short line), before the header and blank-line passes."""
    rule = "generic"
    n = len(lines)
    stripped = [line.strip() for line in lines]
    counts = Counter(t for t in stripped if t)
    words = [len(re.findall(r"\w+", t)) for t in stripped]
    prose = [bool(t) and counts[t] == 1 and is_prose(t, w) for t, w in zip(stripped, words)]
    if not any(prose):
        longest = max((len(t) for t in stripped), default=0)
        prose = [bool(t) and len(t) >= 0.5 * longest and not is_list_item(lines[i])
                 for i, t in enumerate(stripped)]
        if not any(prose):
            prose = [bool(t) for t in stripped]
    labels = []
    for i, t in enumerate(stripped):
        if not t:
            labels.append(Label(False, "blank", f"{rule}:blank"))
        elif prose[i]:
            labels.append(Label(True, "body", f"{rule}:prose"))
        elif counts[t] > 1:
            labels.append(Label(False, "duplicate", f"{rule}:repeated-line"))
        elif is_list_item(lines[i]):
            labels.append(Label(False, "nav", f"{rule}:bullet"))
        else:
            labels.append(Label(False, "short", f"{rule}:short-line"))
    for i in range(n):
        lab = labels[i]
        if lab.kept or lab.tag != "short":
            continue
        before = any(labels[j].kept for j in range(max(0, i - 3), i))
        after = any(labels[j].kept for j in range(i + 1, min(n, i + 4)))
        if before and after:
            role = "subheading" if is_subheading_text(stripped[i]) else "body"
            labels[i] = Label(True, role, f"{rule}:between-prose")
    return labels


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_second_pass_as_written(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    kinds = [PROSE, "Short one", "• item", "12. numbered", "", "Repeat me", "  ",
             "A Heading Here", "3) x y", "٣. eastern digit", "\u2003• wide-space bullet"]
    lines = [rng.choice(kinds) if rng.random() < 0.6 else f"{rng.choice(kinds)} {i}"
             for i in range(300)]
    seen: list[list[Label]] = []
    monkeypatch.setattr(generic, "_best_header",
                        lambda lines, stripped, labels, fields, starts: seen.append(list(labels)))
    monkeypatch.setattr(generic, "_first_paragraphs", lambda *a: [0])
    generic.heuristic(lines)
    assert seen == [_reference_heuristic_labels(lines)]


def test_list_item_shortcut_matches_the_pattern() -> None:
    for cp in [*range(0x3000), *range(0x3000, 0x110000, 97)]:
        c = chr(cp)
        if 0xD800 <= cp < 0xE000:
            continue
        for line in (c + ". x", " " + c + ") y", c + "2. z", c + " a", c):
            t = line.strip()
            if t:
                assert generic._list_item(line, t) == is_list_item(line), repr(line)
