"""What users of other command-line tools expect of kt-clean (issue 17): `python -m`,
colour variables, packaging metadata, shell completion, logging, separators between pages,
messages that point the way."""

import re
import subprocess
import sys
import tomllib

from typer.testing import CliRunner

from conftest import FULLNAV_SEED, ROOT
from kt_clean import __version__
from kt_clean.cli import app

runner = CliRunner()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def run(*args, input=None, env=None):
    return runner.invoke(app, [str(a) for a in args], input=input, env=env)


def test_python_m_kt_clean_is_the_command_line():
    result = subprocess.run([sys.executable, "-m", "kt_clean", "--version"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout == f"kt-clean {__version__}\n"
    result = subprocess.run([sys.executable, "-m", "kt_clean", "detect", str(FULLNAV_SEED)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "\tfull-nav\t" in result.stdout


def test_force_color_colours_a_pipe_and_no_color_wins_over_it():
    plain = run("diff", FULLNAV_SEED, env={"NO_COLOR": "", "FORCE_COLOR": ""})
    assert "\x1b[" not in plain.stdout
    forced = run("diff", FULLNAV_SEED, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    both = run("diff", FULLNAV_SEED, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in both.stdout
    flag = run("diff", FULLNAV_SEED, "--no-color", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in flag.stdout


def test_the_license_is_a_file_the_wheel_carries():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY" in text


def test_package_metadata_has_keywords_and_classifiers():
    project = PYPROJECT["project"]
    assert "boilerplate removal" in project["keywords"]
    classifiers = project["classifiers"]
    assert "Typing :: Typed" in classifiers and "Environment :: Console" in classifiers
    # no licence classifier next to the SPDX `license` (PEP 639 forbids both)
    assert not any(c.startswith("License ::") for c in classifiers)
    assert any(c.endswith(":: Only") for c in classifiers)


def test_the_bench_extra_installs_what_the_training_scripts_import():
    bench = " ".join(PYPROJECT["project"]["optional-dependencies"]["bench"])
    for script in ("train_classifier.py", "train_pagetype.py", "html_quality.py"):
        text = (ROOT / "bench" / script).read_text(encoding="utf-8")
        for module, package in (("lightgbm", "lightgbm"), ("sklearn", "scikit-learn"),
                                ("justext", "justext")):
            if re.search(rf"^\s*(?:import|from) {module}\b", text, re.M):
                assert package in bench, f"bench/{script} needs {package}"
