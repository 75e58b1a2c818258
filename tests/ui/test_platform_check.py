"""Before Qt starts, the app checks that its X11 plugin's libraries load, and says what to install."""

from __future__ import annotations

import pytest

from ui import main as gui
from ui import platform_check


@pytest.mark.parametrize(("env", "platform", "xcb"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "linux", False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", False),
    ({}, "linux", False),  # no display at all: Qt says so itself
    ({"DISPLAY": ":0"}, "win32", False),
    ({"DISPLAY": ":0"}, "darwin", False),
])
def test_which_sessions_use_the_xcb_plugin(env, platform, xcb) -> None:
    assert platform_check.uses_xcb(env, platform) is xcb


def test_the_missing_packages_are_named() -> None:
    present = {"libxcb-icccm.so.4"}
    missing = platform_check.missing_packages({"DISPLAY": ":0"}, platform="linux", loads=lambda s: s in present)
    assert missing == ["libxcb-cursor0", "libxcb-keysyms1"]
    assert platform_check.missing_packages({"QT_QPA_PLATFORM": "offscreen"}, platform="linux",
                                           loads=lambda s: False) == []


def test_the_real_libraries_are_looked_up_by_their_sonames() -> None:
    # Whatever this machine has, the lookup answers without raising (a missing library is False).
    assert all(isinstance(platform_check._loads(s), bool) for s in platform_check.XCB_LIBRARIES.values())
    assert platform_check._loads("libledgerbridge-no-such-library.so.0") is False


def test_the_app_stops_before_qt_with_the_install_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    # The seam: this machine's libraries cannot be uninstalled for a test.
    monkeypatch.setattr(platform_check, "_loads", lambda soname: soname != "libxcb-cursor.so.0")

    def no_qt(*_a, **_k):
        raise AssertionError("Qt was started although its plugin cannot load")

    monkeypatch.setattr(gui, "make_app", no_qt)
    assert gui.run(gui.WindowArgs()) == 2
    err = capsys.readouterr().err
    assert "cannot open its window" in err and "sudo apt-get install -y libxcb-cursor0" in err
    assert "Nothing was changed" in err
