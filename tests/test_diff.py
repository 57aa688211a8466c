"""`kt-clean diff` and `--diff`: the view's content, not just that it runs.

For both seeds: every removed line appears with its reason and rule, every kept line
appears once with its role, collapsed runs count the right lines, the summary adds up to the
page; the plain view is a golden file; `extract --diff` leaves stdout byte for byte alone.
"""

import difflib
import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kt_clean
from conftest import GOLDEN, ROOT, SEED_FILES
from kt_clean.cli import app
from kt_clean.cli.diff import use_color, view_width
from kt_clean.diff import REASONS, Collapsed, plain, unified, view

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROW = re.compile(r"^ *(\d+) ([-+]) (?:\[(\S+) (\S+)\]|\((\S+)\))(?: (.*))?$")
COLLAPSED = re.compile(r"^ +\.\.\. (\d+) lines? removed \((\d+)-(\d+)\): (.*) \.\.\.$")


def run(*args, input=None, env=None):
    return runner.invoke(app, [str(a) for a in args], input=input, env=env)


def stripped(seed):
    return kt_clean.strip(kt_clean.read(seed)[0])


def rel(seed):
    return f"seeds/{seed.name}"


def parse(output):
    """(rows by line number, collapsed runs, summary table) of a plain view."""
    rows, runs, table = {}, [], {}
    lines = output.split("\n")
    blank = lines.index("")
    for line in lines[1:blank]:
        if m := ROW.match(line):
            number = int(m[1])
            assert number not in rows, f"line {number} shown twice"
            kept = m[2] == "+"
            rows[number] = (kept, m[5] if kept else m[3], None if kept else m[4], m[6] or "")
        elif m := COLLAPSED.match(line):
            runs.append((int(m[1]), int(m[2]), int(m[3]), m[4]))
        else:
            raise AssertionError(f"unexpected line in the view: {line!r}")
    section = None
    for line in lines[blank + 1:]:
        if m := re.match(r"^(  )?(\S+) +(\d+) +(\d+)$", line):
            name, numbers = m[2], (int(m[3]), int(m[4]))
            if m[1]:
                table[section][name] = numbers
            else:
                section = name
                table[name] = {"": numbers}
    return rows, runs, table


# -- the content of the view --------------------------------------------------------------

@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_full_view_shows_every_line_once_with_reason_rule_or_role(seed):
    doc = stripped(seed)
    rows, runs, _ = parse(run("diff", seed, "--full").stdout)
    assert runs == []
    assert sorted(rows) == list(range(1, len(doc.lines) + 1))
    for number, (text, label) in enumerate(zip(doc.lines, doc.labels), 1):
        kept, tag, rule, shown = rows[number]
        assert kept is label.kept and tag == label.tag and shown == text.rstrip()
        assert rule == (None if label.kept else label.rule)


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_collapsed_runs_count_the_right_lines_and_name_their_reasons(seed):
    doc = stripped(seed)
    rows, runs, _ = parse(run("diff", seed).stdout)
    assert runs, "the seeds have long runs of removed lines"
    covered = set(rows)
    for count, first, last, what in runs:
        assert count == last - first + 1 >= 4
        run_labels = doc.labels[first - 1:last]
        assert not any(lab.kept for lab in run_labels)
        reasons = {lab.tag for lab in run_labels}
        for reason in reasons:
            assert reason in what and REASONS[reason] in what
        if len(reasons) > 1:  # each reason with its own count
            for reason in reasons:
                n = sum(lab.tag == reason for lab in run_labels)
                assert f"{reason} {n} (" in what
        # a run is exactly as long as the removed lines around it: nothing hidden that is kept
        assert first == 1 or doc.labels[first - 2].kept
        assert last == len(doc.lines) or doc.labels[last].kept
        covered |= set(range(first, last + 1))
    assert covered == set(range(1, len(doc.lines) + 1))
    for number, (kept, tag, _, _) in rows.items():  # what is not collapsed is shown as in --full
        assert (kept, tag) == (doc.labels[number - 1].kept, doc.labels[number - 1].tag)


def test_short_runs_stay_visible_and_collapse_threshold_is_an_option():
    doc = stripped(SEED_FILES[0])
    # line 19, the caption printed twice, is a run of one: always shown with its reason
    assert "19 - [duplicate-caption print:header.caption.repeat] Kim Yong-chol" in (
        run("diff", SEED_FILES[0]).stdout)
    items = view(doc, collapse_at=6).items
    assert [(i.first, i.last) for i in items if isinstance(i, Collapsed)] == [(1, 10), (65, 70)]
    rows, runs, _ = parse(run("diff", SEED_FILES[0], "--collapse", "6").stdout)
    assert [(r[1], r[2]) for r in runs] == [(1, 10), (65, 70)] and 13 in rows


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_summary_adds_up_to_the_page(seed):
    doc = stripped(seed)
    _, _, table = parse(run("diff", seed).stdout)
    total_chars = sum(len(line) for line in doc.lines)
    assert table["total"][""] == (len(doc.lines), total_chars)
    kept, removed = table["kept"], table["removed"]
    assert kept[""][0] + removed[""][0] == len(doc.lines)
    assert kept[""][1] + removed[""][1] == total_chars
    for part in (kept, removed):
        rest = [v for k, v in part.items() if k]
        assert (sum(n for n, _ in rest), sum(c for _, c in rest)) == part[""]
    for reason, (n, chars) in ((k, v) for k, v in removed.items() if k):
        lines = [t for t, lab in zip(doc.lines, doc.labels) if not lab.kept and lab.tag == reason]
        assert (n, chars) == (len(lines), sum(map(len, lines)))
    out = run("diff", seed).stdout
    assert f"layout: {doc.layout}, confidence {doc.confidence:.2f}\n" in out
    assert f"evidence: {', '.join(doc.evidence)}\n" in out


def test_the_summary_names_the_seeds_numbers():
    s = view(stripped(SEED_FILES[1])).summary
    assert (s.lines, s.kept_lines, s.removed_lines) == (223, 51, 172)
    assert {c.tag: c.lines for c in s.reasons}["nav"] == 120
    assert s.layout == "full-nav" and "posted-line" in s.evidence


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_plain_view_equals_golden_file(seed, monkeypatch):
    monkeypatch.chdir(ROOT)
    expected = (GOLDEN / f"{seed.stem}.diff.txt").read_text(encoding="utf-8")
    result = run("diff", rel(seed), "--no-color")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == expected
    assert plain(view(stripped(rel(seed)))) == expected  # the library gives the same


# -- --diff on strip and extract ----------------------------------------------------------

@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("args", [("extract",), ("extract", "--json", "--explain"),
                                  ("extract", "--markdown"), ("strip",), ("strip", "--kept")])
def test_diff_option_leaves_stdout_byte_identical(seed, args, monkeypatch):
    monkeypatch.chdir(ROOT)
    plain_run = run(*args, rel(seed))
    with_diff = run(*args, rel(seed), "--diff")
    assert with_diff.exit_code == plain_run.exit_code == 0
    assert with_diff.stdout == plain_run.stdout
    assert with_diff.stderr == (GOLDEN / f"{seed.stem}.diff.txt").read_text(encoding="utf-8")


def test_diff_option_shows_each_page_and_still_reports_errors(tmp_path):
    result = run("extract", tmp_path / "missing.txt", *SEED_FILES, "--diff")
    assert result.exit_code == 1
    assert result.stderr.startswith("kt-clean: error: ")
    assert result.stderr.count(", confidence 1.00\n") == 2
    assert result.stdout == run("extract", *SEED_FILES).stdout


# -- inputs: raw pages, records of every stage, stdin, HTML --------------------------------

@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_records_of_earlier_stages_give_the_same_view(seed):
    direct = run("diff", seed).stdout
    assert run("diff", "-", input=run("strip", seed).stdout).stdout == direct
    assert run("diff", "-", input=run("detect", seed, "--json").stdout).stdout == direct
    raw = run("diff", "-", input=seed.read_text(encoding="utf-8")).stdout
    assert raw.startswith("-: ") and raw.split("\n", 1)[1] == direct.split("\n", 1)[1]


def test_html_page_shows_its_rendered_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav><article><h1>Title here</h1>"
                    "<p>" + "A long paragraph of article text. " * 8 + "</p></article>"
                    "</body></html>", encoding="utf-8")
    result = run("diff", page, "--full")
    assert result.exit_code == 0, result.stderr
    doc = stripped(page)
    rows, _, _ = parse(result.stdout)
    assert len(rows) == len(doc.lines)


# -- unified diff --------------------------------------------------------------------------

def apply_unified(page_lines, diff_text):
    """Apply a unified diff to ``page_lines`` (a small `patch`)."""
    lines = diff_text.split("\n")[2:-1]
    out, at = [], 0
    for line in lines:
        if m := re.match(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$", line):
            start = int(m[1]) - (0 if m[2] == "0" else 1)
            out += page_lines[at:start]
            at = start
        elif line.startswith("\\"):  # "\ No newline at end of file"
            continue
        elif line[0] == " ":
            assert page_lines[at] == line[1:]
            out.append(line[1:])
            at += 1
        elif line[0] == "-":
            assert page_lines[at] == line[1:]
            at += 1
        else:
            out.append(line[1:])
    return out + list(page_lines[at:])


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_unified_diff_removes_exactly_the_removed_lines(seed):
    doc = stripped(seed)
    result = run("diff", seed, "--format", "unified")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith(f"--- {seed}\n+++ {seed} (cleaned)\n@@ -1,")
    assert "\x1b" not in out
    assert apply_unified(list(doc.lines), out) == [t for _, t, _ in doc.kept_lines()]
    minus = [line[1:] for line in out.split("\n")[2:] if line.startswith("-")]
    assert minus == [t for _, t, _ in doc.removed_lines()]


def test_unified_diff_follows_the_labels_not_a_guess():
    # difflib alone calls the first caption copy removed; strip removed the second (line 19)
    doc = stripped(SEED_FILES[0])
    ours = unified(doc)
    assert "\n Kim Yong-chol" in ours.split("-Kim Yong-chol")[0]  # kept copy first, as context
    guess = "".join(x + "\n" for x in difflib.unified_diff(
        list(doc.lines), [t for _, t, _ in doc.kept_lines()], doc.source,
        f"{doc.source} (cleaned)", lineterm=""))
    assert ours != guess
    # where there is no ambiguity the output is what difflib prints
    doc = stripped(SEED_FILES[1])  # (difflib does not mark the missing final newline)
    ours = unified(doc).replace("\\ No newline at end of file\n", "")
    assert ours == "".join(x + "\n" for x in difflib.unified_diff(
        list(doc.lines), [t for _, t, _ in doc.kept_lines()], doc.source,
        f"{doc.source} (cleaned)", lineterm=""))


def test_unified_diff_marks_a_page_without_a_final_newline():
    doc = kt_clean.strip(kt_clean.from_text(
        "Home\nNews\nSports\nLogin\nTitle of the article here\n\nThis is a long "
        "paragraph of body text, long enough to be kept by the generic cleaner for sure."))
    assert doc.labels[-1].kept and not doc.labels[0].kept
    out = unified(doc)
    assert out.endswith("\n\\ No newline at end of file\n+" + doc.lines[-1] + "\n")
    assert apply_unified(list(doc.lines), out) == [t for _, t, _ in doc.kept_lines()]


def test_unified_diff_of_a_page_with_nothing_removed_is_empty():
    doc = kt_clean.from_text("Only text\n")
    doc = doc.replace(labels=(kt_clean.Label(True, "body", "test"),))
    assert unified(doc) == ""


# -- colour, width, side by side -----------------------------------------------------------

def test_no_colour_off_a_terminal_and_with_no_color(monkeypatch):
    assert "\x1b[" not in run("diff", SEED_FILES[1]).stdout  # CliRunner's stdout is no TTY
    colour = run("diff", SEED_FILES[1], "--color", "--full", "--width", "120").stdout
    assert "\x1b[" in colour and "\x1b[9;31m" in colour  # removed: red, struck through
    assert "\x1b[" not in run("diff", SEED_FILES[1], "--no-color").stdout

    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty(), None) is True
    assert use_color(Tty(), False) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Tty(), None) is False
    assert use_color(Tty(), True) is True
    assert use_color(sys.stdout if not sys.stdout.isatty() else Tty(), None) is False


def test_colour_view_has_the_same_content():
    seed = SEED_FILES[1]
    colour = ANSI.sub("", run("diff", seed, "--color", "--width", "200").stdout)
    assert "121 lines removed (1-121): nav 120 (site map, section menus)" in colour
    assert re.search(r"123 \+ +US, North Korea in talks for 2nd Trump-Kim summit +title", colour)
    assert "crawl-date" in colour and "total" in colour and "8262" in colour
    full = ANSI.sub("", run("diff", seed, "--color", "--full", "--width", "200").stdout)
    assert re.search(r"25 - Thu, February 21, 2019 \| 07:35 +crawl-date full-nav:crawl-date",
                     full)


def test_width_follows_option_then_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "132")
    assert view_width(sys.stdout, None) == 132
    assert view_width(sys.stdout, 90) == 90
    monkeypatch.delenv("COLUMNS")
    assert view_width(sys.stdout, None) == 80  # not a terminal here


def test_side_by_side_when_wide_enough_stacked_when_not():
    seed = SEED_FILES[1]
    wide = run("diff", seed, "--side-by-side", "--width", "140").stdout
    assert "123 + US, North Korea in talks for 2nd Trump-Kim summit" in wide
    assert " | US, North Korea in talks for 2nd Trump-Kim summit\n" in wide
    assert all(len(line) <= 140 for line in wide.split("\n"))
    narrow = run("diff", seed, "--side-by-side", "--width", "80").stdout
    assert narrow == run("diff", seed).stdout
    env_wide = run("diff", seed, "--side-by-side", env={"COLUMNS": "140"}).stdout
    assert env_wide == wide
    colour = ANSI.sub("", run("diff", seed, "--side-by-side", "--color", "--width", "140").stdout)
    assert "│" in colour and "total" in colour


# -- errors and usage ----------------------------------------------------------------------

def test_bad_inputs_give_the_same_one_line_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    for fmt in ("view", "unified"):
        result = run("diff", tmp_path / "missing.txt", empty, binary, SEED_FILES[0],
                     "--format", fmt)
        assert result.exit_code == 1
        errors = result.stderr.strip().split("\n")
        expected = run("extract", tmp_path / "missing.txt", empty, binary).stderr
        assert errors == expected.strip().split("\n") and len(errors) == 3
        assert all(e.startswith("kt-clean: error: ") for e in errors)
        assert str(SEED_FILES[0]) in result.stdout


def test_bad_record_on_stdin():
    result = run("diff", "-", input='{"kt_clean": 1, "source": "x"}\n')
    assert result.exit_code == 1 and "bad kt-clean record" in result.stderr


@pytest.mark.parametrize("option", ["--full", "--side-by-side", "--collapse=3"])
def test_view_options_with_unified_are_a_usage_error(option):
    result = run("diff", SEED_FILES[0], "--format", "unified", option)
    assert result.exit_code == 2 and result.stdout == ""


def test_help_has_an_example():
    result = run("diff", "-h")
    assert result.exit_code == 0 and "Examples:\n\n    kt-clean diff " in result.stdout


def test_several_pages_are_separated_by_a_blank_line():
    out = run("diff", *SEED_FILES).stdout
    assert out == run("diff", SEED_FILES[0]).stdout + "\n" + run("diff", SEED_FILES[1]).stdout


# -- the library ---------------------------------------------------------------------------

def test_library_imports_without_rich_or_typer():
    code = ("import sys; sys.modules['rich'] = None; sys.modules['typer'] = None\n"
            "import kt_clean, kt_clean.diff as d\n"
            "doc = kt_clean.strip(kt_clean.read('seeds/000_565ea5bced93b1ee.txt')[0])\n"
            "print(d.view(doc).summary.lines, len(d.unified(doc)) > 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "70 True\n"


def test_view_needs_a_stripped_document():
    with pytest.raises(ValueError, match="not been stripped"):
        view(kt_clean.from_text("a\nb\n"))


lines = st.lists(st.sampled_from(["", "  • Home", "Share", "By Kim", "A sentence of body text "
                                  "that is long enough to be kept as part of the article.",
                                  "Copyright 2019", "Another, quite long line of the article "
                                  "text, with commas, words and a full stop."]),
                 min_size=1, max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, st.integers(min_value=1, max_value=6))
def test_any_page_every_line_is_accounted_for(page, threshold):
    doc = kt_clean.strip(kt_clean.from_text("\n".join(page) + "\n"))
    v = view(doc, collapse_at=threshold)
    shown = []
    for item in v.items:
        shown += [r.number for r in item.rows] if isinstance(item, Collapsed) else [item.number]
        if isinstance(item, Collapsed):
            assert item.count >= threshold and not any(r.kept for r in item.rows)
    assert shown == list(range(1, len(doc.lines) + 1))
    s = v.summary
    assert s.kept_lines + s.removed_lines == s.lines == len(doc.lines)
    assert sum(c.lines for c in s.reasons) == s.removed_lines
    assert sum(c.chars for c in s.roles) + sum(c.chars for c in s.reasons) == s.chars
    assert apply_unified(list(doc.lines), unified(doc) or "\n\n") == list(v.cleaned)
    json.dumps([r.number for r in v.rows])  # plain data


# -- docs/diff.md tells the truth ----------------------------------------------------------

DIFF_MD = ROOT / "docs" / "diff.md"


def test_diff_md_console_examples_print_what_they_show(monkeypatch):
    from test_docs import console_examples, matches, run_pipeline

    monkeypatch.chdir(ROOT)
    examples = list(console_examples(DIFF_MD))
    assert len(examples) >= 4
    for command, expected in examples:
        actual = run_pipeline(command).rstrip("\n").split("\n")
        assert matches(expected, actual), (command, "\n".join(actual[:20]))


def test_diff_md_text_excerpts_are_real_output(monkeypatch):
    """Each ```text block is a stretch of real plain output (lines ending in … are prefixes)."""
    from test_docs import matches

    monkeypatch.chdir(ROOT)
    outputs = [run("diff", rel(seed), *opts).stdout.rstrip("\n").split("\n")
               for seed in SEED_FILES for opts in ((), ("--full",))]
    blocks = re.findall(r"```text\n(.*?)```", DIFF_MD.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 3
    for block in blocks:
        expected = block.rstrip("\n").split("\n")
        assert any(matches(expected, out[i:i + len(expected)])
                   for out in outputs for i in range(len(out))), expected[0]


def test_diff_md_shows_the_coloured_view_of_seed_003():
    text = DIFF_MD.read_text(encoding="utf-8")
    assert "](diff-003.svg)" in text
    svg = (ROOT / "docs" / "diff-003.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "003_67df4e5bb0c6f5bf" in svg
    flat = svg.replace("&#160;", " ")
    for words in ("121 lines removed (1-121)", "US, North Korea in talks", "crawl-date"):
        assert words in flat, words


def test_a_line_with_a_huge_word_is_wrapped_in_one_pass():
    """A word over LONG_WORD characters is laid out by the one-pass wrapper (textwrap
    copied the rest of the word at every cut: a 4 MB word took 24 s); every row fits the
    column, the text is all there, in order."""
    from kt_clean import diff as kd

    text = "intro words " + "x" * 5_000 + "-y " + "tail " * 30
    rows = kd._cell(text, 40)
    assert rows == kd._wrap_long(text, 40)
    assert all(len(row) <= 40 for row in rows)
    assert "".join(rows).replace(" ", "") == text.replace(" ", "")
    assert rows[0] == "intro words" and rows[1] == "x" * 40
    assert kd._cell("short words only", 40) == ["short words only"]  # textwrap as before
