"""What a one-page command does at start-up (the time itself is measured by bench/speed.py):
only what the page needs is imported, parsed and compiled."""

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from kt_clean.layouts import LazyPattern

PROBE = """
import json, sys
from kt_clean.cli import main
from kt_clean.layouts import LazyPattern, builtin_layouts, patterns_of
sys.argv = ['kt-clean', *{argv!r}]
try:
    main()
except SystemExit:
    pass
patterns = list(patterns_of(builtin_layouts()))
sys.stderr.write(json.dumps({{
    "modules": sorted(m for m in sys.modules if m.split('.')[0] in
                      ('tomllib', 'numpy', 'lxml', 'rich', 'logging', 'csv', 'zstandard',
                       'yaml') or m.startswith('kt_clean')),
    "lazy": sum(isinstance(p, LazyPattern) for p in patterns),
    "compiled": sum(1 for p in patterns if isinstance(p, LazyPattern) and p.is_compiled),
    "total": len(patterns),
}}))
"""
def probe(*argv: str) -> dict:
    code = PROBE.format(argv=list(argv))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    return json.loads(result.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def extract_seed():
    return probe("extract", "seeds/003_67df4e5bb0c6f5bf.txt", "--json")


def test_one_page_imports_only_its_command_and_no_parser_of_rule_files(extract_seed):
    modules = extract_seed["modules"]
    # no parser, no numeric or terminal library, and no package a text page of a known
    # layout does not need: the cleaners, the classifier, the HTML extractors, batch, learn
    heavy = ("tomllib", "numpy", "lxml", "rich")
    # nor what only some runs need: logging (-v, a note), CSV, zstd (bz2 and lzma come with
    # shutil, which typer imports)
    heavy += ("logging", "csv", "zstandard", "yaml")
    # (the byline module with its header search: a plain Korea Times byline is read by
    # kt_clean.namewords alone)
    unneeded = ("kt_clean.cleaners", "kt_clean.classifier", "kt_clean.batch",
                "kt_clean.learning", "kt_clean.html.extract", "kt_clean.html.result",
                "kt_clean.bylines")
    for name in modules:
        assert name.split(".")[0] not in heavy, name
        assert not name.startswith(unneeded), name
    commands = {m for m in modules if m.startswith("kt_clean.cli.")}
    assert commands == {"kt_clean.cli.common", "kt_clean.cli.pages", "kt_clean.cli.output"}


def test_built_in_patterns_are_compiled_only_when_a_page_needs_them(extract_seed):
    assert extract_seed["lazy"] == extract_seed["total"]  # all come from builtin.json
    assert 0 < extract_seed["compiled"] < extract_seed["total"] / 2


def test_help_still_lists_every_command():
    result = subprocess.run([sys.executable, "-c", "from kt_clean.cli import main; main()",
                             "--help"], capture_output=True, text=True, cwd=ROOT)
    listed = [c for c in ("detect", "strip", "emit", "extract", "diff", "batch", "learn")
              if c in result.stdout]
    assert result.returncode == 0 and len(listed) == 7
    assert result.stdout.index("detect") < result.stdout.index("batch")


def test_a_lazy_pattern_compiles_on_first_use_and_then_is_the_compiled_one():
    lazy = LazyPattern(r"^\s*• (?P<item>\w+)")
    assert lazy.pattern.startswith("^") and not lazy.is_compiled
    assert lazy.search("  • Politics")["item"] == "Politics"
    assert lazy.groupindex == {"item": 1} and lazy.is_compiled
    broken = LazyPattern("a(")
    with pytest.raises(re.error):
        broken.search("a")
