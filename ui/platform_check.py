"""Before Qt starts: can its X11 (xcb) platform plugin load here?

On a fresh Debian or Ubuntu desktop, Qt 6's xcb plugin needs libxcb-cursor0, libxcb-icccm4 and
libxcb-keysyms1, which such a desktop often lacks; Qt then prints its own message and aborts the process.
This check runs first and says what to install instead.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# Debian package → the shared library Qt's xcb plugin loads from it.
XCB_LIBRARIES = {
    "libxcb-cursor0": "libxcb-cursor.so.0",
    "libxcb-icccm4": "libxcb-icccm.so.4",
    "libxcb-keysyms1": "libxcb-keysyms.so.1",
}


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will pick its xcb plugin: on Linux, asked for by QT_QPA_PLATFORM, or an X display in a
    session that is not Wayland (Qt 6 prefers Wayland there)."""
    if not platform.startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(":")[0] == "xcb"
    wayland = env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE", "") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_packages(env: Mapping[str, str] | None = None, *, platform: str = sys.platform,
                     loads: Callable[[str], bool] | None = None) -> list[str]:
    """The Debian packages whose libraries Qt's xcb plugin needs and cannot load ([] when xcb is not used)."""
    if not uses_xcb(os.environ if env is None else env, platform):
        return []
    load = loads or _loads
    return [package for package, soname in XCB_LIBRARIES.items() if not load(soname)]


def explain(missing: list[str]) -> str:
    return (f"Ledgerbridge cannot open its window: Qt's X11 platform plugin needs {', '.join(missing)}, which "
            "this computer does not have. Nothing was changed. Install them, then start Ledgerbridge again:\n"
            f"    sudo apt-get install -y {' '.join(missing)}\n"
            "(Debian and Ubuntu; other distributions name them xcb-util-cursor, xcb-util-wm and xcb-util-keysyms.) "
            "`ledgerbridge demo --headless` and the command line work without a window.")
