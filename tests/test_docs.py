"""The docs tell the truth: examples run and print what they show; nothing is undocumented."""

import json
import os
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


REFERENCE = DOCS / "cli-reference.md"


def help_of(*command):
    """The help the tool prints for ``command`` (80 columns, as the reference shows it)."""
    result = runner.invoke(app, [*command, "--help"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


def reference_text():
    """docs/cli-reference.md as the tool's help makes it (as sqlite-utils' docs are made by
    cog from its --help): the top-level help, then each command's."""
    parts = ["# Command reference\n\n"
             "<!-- Made from the tool's own help by tests/test_docs.py: do not edit. After a\n"
             "     change to an option, run KT_CLEAN_WRITE_DOCS=1 .venv/bin/python -m pytest\n"
             "     tests/test_docs.py -k reference, and review the diff. -->\n\n"
             "Every command's `--help`, as `kt-clean` prints it. The options are explained in\n"
             "[cli.md](cli.md).\n\n"
             "## kt-clean\n\n```\n" + help_of() + "```\n"]
    for name in COMMAND_NAMES:
        parts.append(f"\n## kt-clean {name}\n\n```\n{help_of(name)}```\n")
    return "".join(parts)


def test_the_cli_reference_is_the_help_the_tool_prints():
    made = reference_text()
    if os.environ.get("KT_CLEAN_WRITE_DOCS") == "1":
        REFERENCE.write_text(made, encoding="utf-8")
    assert REFERENCE.read_text(encoding="utf-8") == made, (
        "docs/cli-reference.md is not the tool's help: see the comment at its top")


def click_options():
    """{command: every option name its --help lists (long and short forms)}."""
    import typer

    group = typer.main.get_command(app)
    options = {}
    for name, command in group.commands.items():
        names = set()
        for param in command.params:
            if param.param_type_name == "option":
                names.update(o for o in (*param.opts, *param.secondary_opts)
                             if o.startswith("-"))
        options[name] = names | {"-h", "--help"}
    return options


#: every command, in the order of `kt-clean --help` (a new command must be documented too)
COMMAND_NAMES = [c.name or c.callback.__name__ for c in app.registered_commands]
#: a command documented as "the options of X, and:"
INHERITS = {"extract": "emit"}


def documented_options():
    """{command: the option names docs/cli.md gives it}: the rows of the options tables in
    its section, and the rows of the shared table whose `commands` column names it."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    documented = {name: set() for name in COMMAND_NAMES}

    def names(cell):
        return set(re.findall(r"`(--?[a-zA-Z][a-z-]*)", cell))

    for name in COMMAND_NAMES:
        for row in re.findall(r"^\| (`-.*?) \|", sections[name], re.M):
            documented[name] |= names(row)
    shared = text[text.index("Options that more than one command takes"):]
    shared = shared[:shared.index("\n\n", shared.index("|---|"))]
    for option_cell, commands in re.findall(r"^\| (`-.*?) \| (.*?) \|", shared, re.M):
        if commands == "all":
            which = COMMAND_NAMES
        elif commands.startswith("all but "):
            which = [c for c in COMMAND_NAMES if f"`{c}`" not in commands]
        else:
            which = re.findall(r"`([a-z]+)`", commands)
        assert which and set(which) <= set(COMMAND_NAMES), commands
        for name in which:
            documented[name] |= names(option_cell)
    for name, parent in INHERITS.items():
        documented[name] |= documented[parent]
    return documented


def test_every_option_is_documented_and_every_documented_option_exists():
    """Both ways, per command: what --help lists is in docs/cli.md for that command, and
    what docs/cli.md gives a command, its --help lists."""
    real = click_options()
    assert sorted(real) == sorted(COMMAND_NAMES)
    documented = documented_options()
    for name in COMMAND_NAMES:
        missing = real[name] - documented[name]
        assert not missing, f"docs/cli.md does not document {sorted(missing)} for {name}"
        unreal = documented[name] - real[name]
        assert not unreal, f"docs/cli.md gives {name} {sorted(unreal)}, which it does not take"


def test_the_top_level_options_are_documented():
    import typer

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for param in typer.main.get_command(app).params:
        for option in param.opts:
            assert f"`kt-clean {option}" in text or f"[{option}]" in text or (
                f"`{option}`" in text), f"docs/cli.md does not document kt-clean {option}"


def test_every_option_in_the_usage_lines_exists():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    real = click_options()
    for line in re.findall(r"^kt-clean [a-z]+ .*$", text, re.M):
        # each command of a pipeline (`kt-clean fetch ... | kt-clean extract - --json`) alone
        for command, rest in re.findall(r"kt-clean ([a-z]+) ([^|]*)", line):
            if command in real:
                for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][a-z-]*)", rest):
                    assert option in real[command], \
                        f"`kt-clean {command} ... {option}`: no such option"


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
