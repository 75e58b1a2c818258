"""A desktop notification, when a person's session is there to see it: ``notify-send`` on Linux (a D-Bus
session and a display), ``osascript`` on macOS. Best effort: no session, no tool, or a refusal is simply no
notification (the email and the history still carry the alert)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def notify(title: str, body: str) -> bool:
    """True when a notification was handed to the desktop."""
    if sys.platform == "darwin":
        command = ["osascript", "-e", f"display notification {_quote(body)} with title {_quote(title)}"]
    elif sys.platform.startswith("linux"):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or not shutil.which("notify-send"):
            return False
        command = ["notify-send", "--app-name=Ledgerbridge", title, body]
    else:
        return False  # Windows: the app's tray icon shows alerts while it runs; scheduled runs email
    try:
        return subprocess.run(command, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
