"""The package's shape holds: imports point down (import-linter), and the types check
(mypy --strict). Both read their settings from pyproject.toml."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_every_import_points_down_and_only_the_cli_imports_typer():
    # the command installed beside this interpreter (a test dependency)
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 kept, 0 broken" in result.stdout


def test_the_package_type_checks_strictly():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.stdout.startswith("Success: no issues found")
