"""Properties that hold for any page: lossless labelling, idempotent strip, record round trip."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kt_clean
from conftest import PAGES, SEED_FILES
from kt_clean.model import Document, split_lines

SEED_LINES = sorted({line for p in [*SEED_FILES, *PAGES.glob("*.txt")]
                     for line in p.read_text(encoding="utf-8").split("\n")})

# Pages made of real template lines (so layout rules fire) mixed with arbitrary text.
line = st.one_of(st.sampled_from(SEED_LINES),
                 st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=120))
page = st.builds(lambda ls, end: "\n".join(ls) + end,
                 st.lists(line, max_size=80), st.sampled_from(["", "\n"]))
# Whole seed pages with lines dropped, duplicated or shuffled locally.
mutated_seed = st.builds(
    lambda lines, drops, dups: "\n".join(
        x for i, ln in enumerate(lines) if i not in drops for x in ([ln, ln] if i in dups else [ln])),
    st.sampled_from([p.read_text(encoding="utf-8").split("\n") for p in SEED_FILES]),
    st.sets(st.integers(0, 230), max_size=20),
    st.sets(st.integers(0, 230), max_size=5),
)
pages = st.one_of(page, mutated_seed)
relaxed = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(pages)
def test_kept_plus_removed_lines_are_the_input_line_for_line(text):
    doc = kt_clean.strip(kt_clean.from_text(text))
    assert len(doc.labels) == len(doc.lines)
    merged = sorted(doc.kept_lines() + doc.removed_lines())
    assert [t for _, t, _ in merged] == list(split_lines(text))
    assert all(lab.tag and lab.rule for lab in doc.labels)


@relaxed
@given(pages)
def test_strip_is_idempotent(text):
    once = kt_clean.strip(kt_clean.from_text(text))
    assert kt_clean.strip(once) == once
    again = kt_clean.strip(once.replace(labels=None, layout=None, fields={}))
    assert again.labels == once.labels and again.fields == once.fields


@relaxed
@given(pages, st.booleans())
def test_ndjson_record_round_trip(text, stripped):
    doc = kt_clean.detect(kt_clean.from_text(text, source="p.txt"))
    if stripped:
        doc = kt_clean.strip(doc)
    line = json.dumps(doc.to_record(), ensure_ascii=False)
    assert "\n" not in line
    assert Document.from_record(json.loads(line)) == doc


@relaxed
@given(pages)
def test_emit_never_crashes_and_a_visible_article_is_never_empty(text):
    art = kt_clean.article(kt_clean.from_text(text))
    json.loads(kt_clean.render(art, "json"))
    if any(len(ln.split()) >= 12 and ln.strip().endswith(".") for ln in text.split("\n")):
        # an article's text is its body; a list page's is in its entries
        assert art.body.strip() or any(i.title or i.summary for i in art.items)
