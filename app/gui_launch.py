"""How the core starts the desktop app: as its own program, through its own entry point (``ui.main``), so
the core never imports the GUI package (ruff bans ``ui`` in ``app/``)."""

from __future__ import annotations

import subprocess
import sys


def gui_command(*args: str) -> list[str]:
    """The command line that starts the desktop app with ``args``."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: the executable is the app
        return [sys.executable, *args]
    return [sys.executable, "-m", "ui.main", *args]


def run_gui(*args: str) -> int:
    """Start the desktop app and wait for it; its exit code."""
    return subprocess.call(gui_command(*args))
