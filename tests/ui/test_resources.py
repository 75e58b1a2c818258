"""The icons and style sheet are found from a checkout and shipped in a normal (non-editable) wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ui import theme

ROOT = Path(__file__).resolve().parents[2]
#: every icon the window, the tray and --self-test ask for by name.
ICONS = ("app", "sync", "dashboard", "exceptions", "audit", "reconcile", "settings")


def test_the_resources_folder_has_the_style_sheet_and_the_icons():
    folder = theme.resources_dir()
    assert (folder / "style.qss").is_file()
    for name in ICONS:
        assert (folder / "icons" / f"{name}.svg").is_file(), name


def test_a_bundle_uses_its_own_copy(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert theme.resources_dir() == tmp_path / "resources"


@pytest.mark.slow
def test_a_normal_wheel_ships_the_resources(tmp_path):
    # Offline: the build backend comes from the test extras, not from an isolated environment pip would fill
    # from PyPI. Built from a copy, so the build/ and egg-info setuptools leaves behind never land in the checkout.
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("app", "ui", "resources"):
        shutil.copytree(ROOT / part, src / part, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), "."],
        cwd=src, capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    (wheel,) = out.glob("ledgerbridge-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "resources/style.qss" in names
    assert {f"resources/icons/{n}.svg" for n in ICONS} <= names
