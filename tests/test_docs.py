"""The docs tell the truth: examples run and print what they show; nothing is undocumented."""

import json
import re
import shlex

import pytest
from typer.testing import CliRunner

import kt_clean
from conftest import FULLNAV_SEED, ROOT, render_page
from kt_clean.cli import app
from kt_clean.layouts import builtin_layouts

DOCS = ROOT / "docs"
runner = CliRunner()


def console_examples(path):
    """($ command, expected output lines) of each ```console block."""
    text = path.read_text(encoding="utf-8")
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        lines = block.rstrip("\n").split("\n")
        assert lines[0].startswith("$ kt-clean "), lines[0]
        yield lines[0][2:], lines[1:]


def run_pipeline(command):
    """Run `kt-clean ... | kt-clean ...` in-process; the output a terminal would show."""
    stdin, shown = None, ""
    for part in command.split(" | "):
        args = shlex.split(part)
        assert args[0] == "kt-clean"
        result = runner.invoke(app, args[1:], input=stdin)
        stdin = result.stdout
        shown = result.stderr + result.stdout
    return shown


def matches(expected, actual):
    """Lines ending in '…' are prefixes; a last line '…' means more output follows."""
    if expected and expected[-1] == "…":
        expected, actual = expected[:-1], actual[:len(expected) - 1]
    if len(expected) != len(actual):
        return False
    return all(a.startswith(e[:-1]) if e.endswith("…") else a == e
               for e, a in zip(expected, actual))


EXAMPLES = [ex for doc in ("cli.md",) for ex in console_examples(DOCS / doc)]


@pytest.mark.parametrize("command,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_cli_examples_print_what_the_docs_show(command, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    actual = run_pipeline(command).rstrip("\n").split("\n")
    assert matches(expected, actual), "\n".join(actual[:20])


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"\n## {name}\n" in text, f"docs/cli.md has no section for {name}"


def test_every_option_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        help_text = runner.invoke(app, [command.callback.__name__, "-h"]).stdout
        for option in set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}:
            assert f"`{option}" in text, f"docs/cli.md does not mention {option}"


def test_every_json_key_is_documented():
    text = (DOCS / "formats.md").read_text(encoding="utf-8")
    art = json.loads(render_page(str(FULLNAV_SEED), "json", explain=True))
    record = kt_clean.detect(kt_clean.read(str(FULLNAV_SEED))[0]).to_record()
    for key in [*art, *art["removed"][0], *record]:
        assert f"| `{key}` |" in text or f'"{key}"' in text, f"docs/formats.md misses {key}"


def test_every_reason_and_role_the_built_in_layouts_use_is_documented():
    text = (DOCS / "formats.md").read_text(encoding="utf-8")
    for layout in builtin_layouts():
        tags = {r.tag for r in layout.rules} | {z.reason for z in layout.zones}
        tags |= {layout.before_reason, layout.after_reason} | {s.role for s in layout.header}
        for tag in tags:
            assert f"`{tag}`" in text, f"docs/formats.md does not document {tag!r}"


def test_changelog_has_unreleased_on_top():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## ", text, re.M)
    assert text[re.search(r"^## ", text, re.M).start():].startswith("## [Unreleased]")


def test_the_package_map_names_every_module_and_only_real_ones():
    text = (DOCS / "algorithm.md").read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    named = set(re.findall(r"\b([a-z_]+(?:\.py|/))", block)) - {"kt_clean/"}
    package = ROOT / "kt_clean"
    real = {p.name + ("/" if p.is_dir() else "") for p in package.iterdir()
            if not p.name.startswith(("_", ".")) and (p.is_dir() or p.suffix == ".py")}
    top = {n for n in named if (package / n.rstrip("/")).exists()}
    assert real <= top, f"modules missing from the map: {sorted(real - top)}"
    for name in named - top:  # a file named inside a folder's line: it exists in some folder
        assert any(package.rglob(name.rstrip("/"))), f"the map names {name}, which is not there"


def test_the_version_agrees_with_the_changelog():
    """`kt-clean --version` names a released version only when CHANGELOG.md has its dated
    section; before the first release (or between releases) it is a development release
    (PEP 440 `.devN`) of a version no section has yet."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    version = kt_clean.__version__
    numbers = [v for v, _ in released]
    if re.fullmatch(r"\d+\.\d+\.\d+", version):
        assert numbers and numbers[0] == version, (
            f"--version says {version}, but CHANGELOG.md has no '## [{version}] - DATE' on top")
    else:
        m = re.fullmatch(r"(\d+\.\d+\.\d+)\.dev\d+", version)
        assert m, f"{version} is neither a release nor a development release"
        assert m.group(1) not in numbers, f"{m.group(1)} is released: the version must move on"
        if numbers:
            as_tuple = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
            assert as_tuple(m.group(1)) > as_tuple(numbers[0])
