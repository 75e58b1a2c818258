"""Settings (timer, theme) and the entry point (--version, --self-test, arguments)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.store import settings
from ui import backend
from ui.main import main, parse_args


def test_saving_the_timer_starts_it_and_the_dashboard_shows_the_next_run(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.settings
    qtbot.waitUntil(lambda: window.dashboard.refreshes >= 1, timeout=5000)
    assert "timer off" in window.dashboard.next_sync_label.text()
    page.timer_spin.setValue(30)
    with qtbot.waitSignal(page.timer_changed, timeout=5000):
        page.save_button.click()
    assert settings.get(ctx.store, backend.TIMER_KEY) == 30
    assert window.sync.timer.isActive() and window.sync.timer.interval() == 30 * 60_000
    assert "every 30 min" in window.dashboard.next_sync_label.text()
    page.timer_spin.setValue(0)
    with qtbot.waitSignal(page.timer_changed, timeout=5000):
        page.save_button.click()
    assert not window.sync.timer.isActive()


def test_the_timer_setting_is_restored_when_the_window_opens(qtbot, ctx, make_window):
    settings.put(ctx.store, backend.TIMER_KEY, 15)
    window = make_window(ctx)
    qtbot.waitUntil(lambda: window.sync.timer.isActive(), timeout=5000)
    assert window.sync.timer.interval() == 15 * 60_000
    qtbot.waitUntil(lambda: window.settings.timer_spin.value() == 15, timeout=5000)


def test_dark_palette_switch(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.settings
    app = QApplication.instance()
    page.dark_check.setChecked(True)
    with qtbot.waitSignal(page.theme_changed, timeout=5000):
        page.save_button.click()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
    page.dark_check.setChecked(False)
    with qtbot.waitSignal(page.theme_changed, timeout=5000):
        page.save_button.click()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 200


def test_arguments():
    a = parse_args(["--profile", "smith-llp", "--data-dir", "/tmp/x", "--dark"])
    assert (a.profile, a.data_dir, a.demo, a.theme) == ("smith-llp", "/tmp/x", False, "dark")
    d = parse_args(["--demo", "--firm", "medium", "--seed", "3"])
    assert (d.demo, d.firm, d.seed) == (True, "medium", 3)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("ledgerbridge ")


def test_self_test_starts_the_window_and_quits(tmp_path):
    """In its own process, as the bundle runs it (a second QApplication.exec() in the test's process
    would leave that application quit)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LEDGERBRIDGE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "ui.main", "--self-test"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "self-test: ok" in done.stdout


def test_the_demo_button_starts_the_app_in_demo_mode():
    import sys

    from ui.pages.settings import demo_command

    program, args = demo_command()
    assert program == sys.executable and args == ["-m", "ui.main", "--demo"]
    assert parse_args(args[2:]).demo
