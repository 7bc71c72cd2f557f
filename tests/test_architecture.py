"""The floor plan holds: import-linter checks the contracts in pyproject.toml (layers, no
cycles) on the labmem package as Python sees it, assembled from its top-level folders."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def package_view(into: Path) -> Path:
    """A labmem/ tree of symlinks that puts every folder where its import name says (the
    package-dir mapping of pyproject.toml), since import-linter reads folders, not finders."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"]
    package = into / "labmem"
    package.mkdir()
    for item in (ROOT / mapping["labmem"]).iterdir():
        if item.name != "__pycache__":
            (package / item.name).symlink_to(item)
    for name, folder in mapping.items():
        if name != "labmem":
            (package / name.removeprefix("labmem.")).symlink_to(ROOT / folder)
    return package


def lint_imports(view: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the assembled view with the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(view.parent)}
    command = [str(Path(sys.executable).with_name("lint-imports")), str(ROOT / "pyproject.toml"),
               "--no-cache"]
    return subprocess.run(command, cwd=view.parent, env=env, capture_output=True, text=True,
                          check=False)


@pytest.fixture
def view(tmp_path: Path) -> Path:
    return package_view(tmp_path)


def test_every_contract_is_kept(view):
    result = lint_imports(view)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_ground_floor_module_importing_a_procedure_breaks_the_floors(view):
    catalog = view / "catalog.py"
    text = catalog.read_text()
    catalog.unlink()
    catalog.write_text(text + "\nfrom labmem.procedures.base import StationProcedure  # noqa\n")
    result = lint_imports(view)
    assert result.returncode == 1
    assert "Floors: applications > procedures > ground floor" in result.stdout
    assert "labmem.catalog -> labmem.procedures.base" in result.stdout
