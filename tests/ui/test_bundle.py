"""The PyInstaller bundle: build it from build.spec, then run the bundled app's --version and --self-test.

Slow (a minute or more): run with ``bash tests/run.sh tests/ui/test_bundle.py -m slow``. The same by hand:

    pyinstaller --noconfirm --clean --distpath /tmp/lb-dist --workpath /tmp/lb-build build.spec
    QT_QPA_PLATFORM=offscreen /tmp/lb-dist/ledgerbridge/ledgerbridge --version
    QT_QPA_PLATFORM=offscreen /tmp/lb-dist/ledgerbridge/ledgerbridge --self-test
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bundle_builds_and_passes_its_self_test(tmp_path):
    if shutil.which("pyinstaller") is None and subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--version"], capture_output=True
    ).returncode != 0:
        pytest.skip("PyInstaller is not installed (pip install '.[bundle]')")
    dist, work = tmp_path / "dist", tmp_path / "build"
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    exe = dist / "ledgerbridge" / ("ledgerbridge.exe" if os.name == "nt" else "ledgerbridge")
    assert exe.exists()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LEDGERBRIDGE_HOME": str(tmp_path / "home")}
    version = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("ledgerbridge "), version.stderr
    selftest = subprocess.run([str(exe), "--self-test"], env=env, capture_output=True, text=True, timeout=120)
    assert selftest.returncode == 0, selftest.stderr[-4000:]
    assert "self-test: ok" in selftest.stdout
    # The scheduler starts the bundled app's headless command line (app.schedule): it runs without a window.
    cli = subprocess.run([str(exe), "cli", "firms"], env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "No firm profile on this workstation yet." in cli.stdout, cli.stderr[-2000:]
    # Only the Qt modules the app uses went in.
    bundled = {p.name for p in (dist / "ledgerbridge").rglob("*")}
    for unwanted in ("QtWebEngineCore", "Qt3DCore", "QtMultimedia", "QtQml", "QtQuick"):
        assert not any(unwanted in name for name in bundled), unwanted
