"""Tests of the generic line classifier (kt_clean.classifier); no shared data needed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kt_clean
from kt_clean.classifier import MODEL_PATH, Decision, Model, classify, classify_with, load_model
from kt_clean.classifier.features import BASE_NAMES, CONTEXT_NAMES, context_features, extract
from kt_clean.classifier.trees import TreeEnsemble, from_lightgbm

PROSE = [
    "The city council voted on Tuesday to expand the network of protected bicycle lanes, "
    "after a year in which the number of people cycling to work in the centre doubled and "
    "the number of serious accidents on the main avenues fell by a third.",
    "Supporters of the plan said that the new lanes would connect the river district with "
    "the university and the train station, which have been separated by a busy ring road "
    "that many residents describe as dangerous for anyone who is not in a car.",
    "Opponents argued that the money should have been spent on repairing the roads that are "
    "already there, and several shop owners on the high street said they were worried that "
    "their customers would no longer be able to park in front of their doors.",
    "The mayor said that the first section of the network would be built during the summer "
    "holidays, when traffic is lighter, and that the council would publish a detailed "
    "timetable for the remaining work before the end of the month.",
]

FOOTER = "Copyright © 2024 Example News Group. All rights reserved."


def sample_dump() -> list[str]:
    lines = [
        "Skip to content",
        "",
        "  • Home",
        "  • News",
        "      □ Local",
        "      □ World",
        "  • Sport",
        "  • Contact",
        "",
        FOOTER,
        "",
        "City expands bicycle lanes",
        "",
    ]
    for p in PROSE:
        lines += [p, ""]
    lines += [
        "  • Share on Facebook",
        "  • Share on Twitter",
        "",
        "Related articles",
        "  • Ten tips for cycling in winter",
        "  • New bus routes announced",
        "",
        FOOTER,
        "",
    ]
    return lines


# --- the model file


def test_model_file_loads_and_is_small():
    assert MODEL_PATH.exists()
    assert MODEL_PATH.stat().st_size < 2_000_000
    m = load_model()
    assert m is load_model()  # cached
    # the shipped model was trained before the keyword columns (kw_*) and the wide
    # context (p_w100 on) were appended: it reads the first columns of each
    n_base, n_ctx = BASE_NAMES.index("kw_paywall"), CONTEXT_NAMES.index("p_w100")
    assert m.stage1.n_trees > 0 and m.stage1.n_features == m.n_base == n_base
    assert m.stage2 is not None and m.stage2.n_features == n_base + n_ctx
    assert m.context_names == tuple(CONTEXT_NAMES[:n_ctx])
    assert 0.0 < m.threshold < 1.0
    d = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert d["stage1"]["feature_names"] == BASE_NAMES[:n_base]
    assert d["stage2"]["feature_names"] == BASE_NAMES[:n_base] + CONTEXT_NAMES[:n_ctx]


def test_model_on_todays_features_is_accepted():
    """A model naming every feature features.py makes reads them all (a retrain)."""
    d = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    n_base = len(d["stage1"]["feature_names"])
    d["stage1"]["feature_names"] = list(BASE_NAMES)
    d["stage1"]["n_features"] = len(BASE_NAMES)
    d["stage2"]["feature_names"] = BASE_NAMES + CONTEXT_NAMES
    d["stage2"]["n_features"] = len(BASE_NAMES) + len(CONTEXT_NAMES)
    # the stage-2 trees address context columns after the base ones: shift them
    shift = len(BASE_NAMES) - n_base
    d["stage2"]["features"] = [[f + shift if f >= n_base else f for f in tree]
                               for tree in d["stage2"]["features"]]
    m = Model(d)
    assert m.n_base == len(BASE_NAMES) and m.context_names == tuple(CONTEXT_NAMES)
    lines = sample_dump()
    shipped = [(x.kept, x.label) for x in classify_with(lines, load_model())]
    # the same trees on a wider matrix: the same decisions (the new columns unused)
    assert [(x.kept, x.label) for x in classify_with(lines, m)] == shipped


def test_keywords_are_not_counted_for_a_model_that_does_not_read_them(monkeypatch):
    from kt_clean.classifier import features

    lines = [*sample_dump(), "Advertisement", "Unlock this article"]
    X = np.vstack([b for _, b in features.PageFeatures(lines).blocks()])
    Y = np.vstack([b for _, b in features.PageFeatures(lines, keywords=False).blocks()])
    kw = [k for k, name in enumerate(BASE_NAMES) if name.startswith("kw_")]
    rest = [k for k in range(len(BASE_NAMES)) if k not in kw]
    assert X[:, kw].any() and not Y[:, kw].any()
    assert np.array_equal(X[:, rest], Y[:, rest])
    calls = []
    real = features.keyword_counts
    monkeypatch.setattr(features, "keyword_counts", lambda s: calls.append(1) or real(s))
    classify_with(lines, load_model())  # the shipped model reads no kw_ column
    assert calls == []


@pytest.mark.parametrize(("stage", "edit", "message"), [
    ("stage1", lambda names: names[:-1], r"names 66 features, features.py makes 80 \(or its first 67\)"),
    ("stage1", lambda names: [names[1], names[0], *names[2:]],
     "has 'log_chars' as feature 0, features.py makes 'n_chars'"),
    ("stage2", lambda names: [*names[:-1], "p_other"],
     "has 'p_other' as feature 84, features.py makes 'p_dist_down'"),
    ("stage2", lambda names: [], "names 0 features"),
])
def test_model_with_other_features_is_refused(stage, edit, message):
    d = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    d[stage]["feature_names"] = edit(d[stage]["feature_names"])
    with pytest.raises(ValueError, match=f"{stage}: it {message}"):
        Model(d)
    d = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    d[stage]["n_features"] += 1
    with pytest.raises(ValueError, match=f"{stage}: it says n_features="):
        Model(d)


# --- decisions on a small hand-written dump


def test_sample_dump_fixed_expectation():
    lines = sample_dump()
    ds = classify(lines)
    assert len(ds) == len(lines)
    assert all(isinstance(d, Decision) for d in ds)
    by_text: dict[str, list[Decision]] = {}
    for line, d in zip(lines, ds):
        by_text.setdefault(line.strip(), []).append(d)
        assert 0.0 <= d.score <= 1.0
    # long prose paragraphs kept, as body
    for p in PROSE:
        (d,) = by_text[p]
        assert d.kept and d.label == "body", d
    # menu bullets removed, as navigation
    for item in ("• Home", "• News", "□ Local", "□ World", "• Sport", "• Contact"):
        (d,) = by_text[item]
        assert not d.kept and d.label == "nav", (item, d)
    (d,) = by_text["Skip to content"]
    assert not d.kept and d.label == "short"
    # the repeated footer is removed (both times; the second is a duplicate)
    first, second = by_text[FOOTER]
    assert not first.kept and not second.kept
    assert first.label == "boilerplate" and first.rule == "classifier.model"
    assert second.label == "duplicate" and second.rule == "classifier.repeat"
    # blank lines: kept only between kept lines
    for i, (line, d) in enumerate(zip(lines, ds)):
        if not line.strip():
            assert d.label == "blank"
            if d.kept:
                assert ds[i - 1].kept and ds[i + 1].kept
    rendered = [line.strip() for line, d in zip(lines, ds) if d.kept and d.label != "blank"]
    assert all(p in rendered for p in PROSE)


def test_labels_and_rules_vocabulary():
    ds = classify(sample_dump())
    for d in ds:
        if d.kept:
            assert d.label in {"title", "body", "subheading", "blank"}
        else:
            assert d.label in {"nav", "boilerplate", "short", "duplicate", "blank"}
        assert d.rule in {"classifier.model", "classifier.context", "classifier.repeat",
                          "classifier.blank"}
    # and the sample uses most of it (a classifier that removed everything would not)
    assert {(d.kept, d.label) for d in ds} >= {
        (True, "title"), (True, "body"), (True, "blank"), (False, "nav"), (False, "short"),
        (False, "boilerplate"), (False, "duplicate"), (False, "blank")}
    assert {d.rule for d in ds} >= {"classifier.model", "classifier.repeat", "classifier.blank"}


def test_deterministic():
    """The same decisions, scores to the bit, whatever ran before, with a model loaded
    afresh, and in another process with another hash seed (so no set or dict order, and
    no state left by an earlier page, reaches the features or the model)."""
    lines = sample_dump()
    first = classify(lines)
    assert lines == sample_dump()  # the input is left alone
    classify(["Another page", "", *PROSE[::-1], "• a menu"])
    assert classify(lines) == first
    assert classify_with(lines, load_model(MODEL_PATH)) == first  # not the cached model
    tests = Path(__file__).resolve().parent
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # not this one's
    env = dict(os.environ, PYTHONHASHSEED=hash_seed,
               PYTHONPATH=os.pathsep.join([str(Path(kt_clean.__file__).parents[1]), str(tests)]))
    code = ("import json, kt_clean; from test_classifier import sample_dump; "
            "from kt_clean.classifier import classify; print(kt_clean.__file__); "
            "print(json.dumps(classify(sample_dump())))")
    where, out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, check=True).stdout.splitlines()
    assert where == kt_clean.__file__  # the same code
    assert [Decision(*d) for d in json.loads(out)] == first  # json round-trips floats exactly


# --- empty and weird input


def test_empty():
    assert classify([]) == []


@pytest.mark.parametrize("lines", [
    [""],
    ["", "   ", "\t", "\u00a0"],
    ["x" * 100_000],
    ["word " * 20_000],
    ["\x00\x01\x02 control \x1b[31m chars \x7f", "\r\n", "a\nb", "\u2028\u2029"],
    ["\ud800 lone surrogate", "emoji 😀 and CJK 漢字 and RTL עברית"],
    ["İstanbul ẞ ﬁ", "1.", "•", "□", "2024", "...", "…", ":", "|", "»"],
    ["   • "] * 50,
    ["same line"] * 300,
    ["\u3000ideographic\u3000space", "a\x1cb\x1dc\x1ed\x1fe", "\x85next"],
])
def test_weird_input_never_raises(lines):
    ds = classify(lines)
    assert len(ds) == len(lines)
    for line, d in zip(lines, ds):
        assert isinstance(d.kept, bool) and isinstance(d.label, str)
        assert 0.0 <= d.score <= 1.0
        # decided by the classifier, not by classify's last-resort safety net
        assert d.rule != "classifier.error"
        assert (d.label == "blank") == (not line.strip()), (line, d)


def test_non_str_items_are_read_as_text():
    items = [b"bytes line", None, 42, "text", bytearray("café".encode()), b"\xff bad"]
    ds = classify(items)  # type: ignore[arg-type]
    assert ds == classify(["bytes line", "", "42", "text", "café", "\ufffd bad"])
    assert all(d.rule != "classifier.error" for d in ds)
    assert ds[1] == Decision(False, "blank", "classifier.blank", 0.0)  # None: a blank line


def test_tuple_input():
    lines = tuple(sample_dump())
    assert classify(lines) == classify(list(lines))


# --- features


def _feat(lines, name):
    X, rows, stripped = extract(lines)
    return X[:, BASE_NAMES.index(name)], rows, stripped


def test_extract_rows_skip_blanks():
    X, rows, stripped = extract(["", "a", "  ", "b c", ""])
    assert rows.tolist() == [1, 3]
    assert stripped == ["a", "b c"]
    assert X.shape == (2, len(BASE_NAMES))
    assert X.dtype == np.float32 and np.isfinite(X).all()


def test_extract_empty():
    X, rows, stripped = extract(["", "   "])
    assert X.shape == (0, len(BASE_NAMES)) and rows.size == 0 and stripped == []


def test_feature_word_and_stopword_counts():
    lines = ["The cat sat on the mat, and it was happy.", "Home"]
    nw, _, _ = _feat(lines, "n_words")
    ns, _, _ = _feat(lines, "n_stop")
    assert nw.tolist() == [10, 1]
    # The, on, the, and, it, was
    assert ns.tolist() == [6, 0]


def test_feature_bullet_indent_numbered():
    lines = ["  • item", "      □ sub item", "1. First step", "12) twelfth", "plain"]
    b, _, _ = _feat(lines, "bullet")
    ind, _, _ = _feat(lines, "indent")
    num, _, _ = _feat(lines, "numbered")
    assert b.tolist() == [1, 1, 0, 0, 0]
    assert ind.tolist() == [2, 6, 0, 0, 0]
    assert num.tolist() == [0, 0, 1, 1, 0]


def test_feature_repeats():
    lines = ["Footer", "text", "Footer", "FOOTER", "Footer"]
    rep, _, _ = _feat(lines, "repeat_count")
    occ, _, _ = _feat(lines, "occurrence")
    lrep, _, _ = _feat(lines, "lower_repeat")
    assert rep.tolist() == [3, 1, 3, 1, 3]
    assert occ.tolist() == [0, 0, 1, 0, 2]
    assert lrep.tolist() == [4, 1, 4, 4, 4]


def test_feature_blocks_and_position():
    lines = ["a", "b", "", "", "c", "d", "e"]
    bl, _, _ = _feat(lines, "block_lines")
    bp, _, _ = _feat(lines, "block_pos")
    bb, _, _ = _feat(lines, "blank_before")
    pos, _, _ = _feat(lines, "pos_line")
    assert bl.tolist() == [2, 2, 3, 3, 3]
    assert bp.tolist() == [0, 1, 0, 1, 2]
    assert bb.tolist() == [1, 0, 2, 0, 0]
    assert pos[0] == 0 and pos[-1] == 1


def test_feature_char_classes_and_ends():
    lines = ["Hello World 2024.", "ALL CAPS HERE", "Is it?", "Title:", "wait..."]
    dig, _, _ = _feat(lines, "digit_ratio")
    caps, _, _ = _feat(lines, "all_caps")
    es, _, _ = _feat(lines, "ends_sent")
    ec, _, _ = _feat(lines, "ends_colon")
    el, _, _ = _feat(lines, "ellipsis")
    yr, _, _ = _feat(lines, "has_year")
    cw, _, _ = _feat(lines, "cap_word_ratio")
    assert dig[0] == pytest.approx(4 / 17)
    assert caps.tolist() == [0, 1, 0, 0, 0]
    assert es.tolist() == [1, 0, 1, 0, 1]
    assert ec.tolist() == [0, 0, 0, 1, 0]
    assert el.tolist() == [0, 0, 0, 0, 1]
    assert yr.tolist() == [1, 0, 0, 0, 0]
    assert cw[0] == pytest.approx(2 / 3)


def test_feature_long_line_density():
    long = "word " * 30
    lines = ["short", long, long, long, "short"]
    lw1, _, _ = _feat(lines, "long_w1")
    assert lw1.tolist() == [1.0, 0.5, 1.0, 0.5, 1.0]


def test_context_features_shape():
    X, _, _ = extract(sample_dump())
    p = np.linspace(0, 1, X.shape[0])
    C = context_features(p, X)
    assert C.shape == (X.shape[0], len(CONTEXT_NAMES)) and np.isfinite(C).all()
    assert C[:, 0] == pytest.approx(p.astype(np.float32))


# --- tree evaluation


def _toy_dump():
    # one tree: x0 <= 0.5 ? (x1 <= 2 ? 1.0 : 2.0) : 3.0 ; one stump on x1
    return {"tree_info": [
        {"tree_structure": {"split_feature": 0, "threshold": 0.5, "decision_type": "<=",
                            "left_child": {"split_feature": 1, "threshold": 2.0,
                                           "decision_type": "<=",
                                           "left_child": {"leaf_value": 1.0},
                                           "right_child": {"leaf_value": 2.0}},
                            "right_child": {"leaf_value": 3.0}}},
        {"tree_structure": {"split_feature": 1, "threshold": 1.0, "decision_type": "<=",
                            "left_child": {"leaf_value": -0.5},
                            "right_child": {"leaf_value": 0.5}}},
    ]}


def test_tree_ensemble_matches_hand_evaluation():
    e = TreeEnsemble(from_lightgbm(_toy_dump(), 3, ["a", "b"]))
    X = np.array([[0.0, 0.0], [0.5, 2.0], [0.0, 3.0], [1.0, 0.0], [0.6, 5.0]], dtype=np.float32)
    expect = [1.0 - 0.5, 1.0 + 0.5, 2.0 + 0.5, 3.0 - 0.5, 3.0 + 0.5]
    assert e.raw(X).tolist() == pytest.approx(expect)
    p = e.predict(X)
    assert ((p > 0) & (p < 1)).all()


def test_stumps_additive_matches_tree_walk():
    rng = np.random.default_rng(0)
    trees = []
    for _ in range(50):
        f = int(rng.integers(0, 4))
        trees.append({"tree_structure": {
            "split_feature": f, "threshold": float(rng.normal()), "decision_type": "<=",
            "left_child": {"leaf_value": float(rng.normal())},
            "right_child": {"leaf_value": float(rng.normal())}}})
    e = TreeEnsemble(from_lightgbm({"tree_info": trees}, 1, list("abcd")))
    assert e.additive
    X = rng.normal(size=(200, 4)).astype(np.float32)
    X[0, :] = [t["tree_structure"]["threshold"] for t in trees[:4]]  # ties go left
    a = e.raw(X)
    e.additive = False
    b = e.raw(X)
    assert np.abs(a - b).max() < 1e-9
