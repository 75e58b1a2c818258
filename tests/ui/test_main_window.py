import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.store import settings
from ui import backend
from ui.main_window import CloseAction, MainWindow, close_action
from ui.pages.settings import NO_TRAY_TOOLTIP, TRAY_KEY


def test_main_window_without_a_firm_opens_offscreen(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Ledgerbridge"
    assert window.menuBar().actions()
    assert "ready" in window.statusBar().currentMessage()
    assert not window.demo_banner.isVisible()


def test_window_on_a_firm_has_every_screen_and_keyboard_shortcuts(qtbot, ctx, make_window):
    window = make_window(ctx)
    qtbot.waitUntil(lambda: window.dashboard.refreshes >= 1, timeout=5000)
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert labels == ["Dashboard", "Exception queue", "Audit trail", "Reconciliation", "Settings", "All firms"]
    view_menu = [a for a in window.menuBar().actions() if a.text() == "&View"][0].menu()
    shortcuts = [a.shortcut().toString() for a in view_menu.actions()]
    assert shortcuts == ["Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5", "Ctrl+6"]
    view_menu.actions()[3].trigger()
    assert window.stack.currentWidget() is window.reconcile
    # Nothing is open on a new firm.
    assert "Nothing waiting" in window.dashboard.exceptions_label.text()
    assert window.dashboard.last_sync_label.text() == "never"


def test_demo_banner_is_visible_in_demo_mode(qtbot, firm_store, make_window):
    from ui.context import AppContext, DemoInfo

    class FakeSandbox:  # only the two addresses the dashboard prints
        clio_url = "http://127.0.0.1:1"
        realm_id = "9130"

    window = make_window(AppContext(firm_store, "demo", demo=DemoInfo(FakeSandbox())))
    qtbot.waitExposed(window)
    assert window.demo_banner.isVisible()
    assert "Demo data" in window.demo_banner.text()


# -- the system tray ---------------------------------------------------------------------------------
# Offscreen (and on desktops without a status notifier) Qt reports no tray, so these tests tell the window
# there is one: the QSystemTrayIcon and its menu are real objects, only nothing draws the icon.


@pytest.mark.parametrize(("keep", "tray", "quitting", "expected"), [
    (True, True, False, CloseAction.HIDE_TO_TRAY),
    (True, False, False, CloseAction.QUIT),  # no tray to come back from: never strand a hidden window
    (False, True, False, CloseAction.QUIT),  # the setting off: closing quits, as before
    (True, True, True, CloseAction.QUIT),  # File > Quit or the tray's Quit
    (False, False, False, CloseAction.QUIT),
])
def test_closing_hides_only_when_asked_with_a_tray_and_not_quitting(keep, tray, quitting, expected):
    assert close_action(keep_in_tray=keep, tray_available=tray, quitting=quitting) is expected


@pytest.fixture
def tray_window(qtbot):
    windows = []

    def make(ctx):
        w = MainWindow(ctx, tray_available=True)
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.keep_in_tray = False  # so that the teardown's close really closes
        w.tasks.cancel_all()
        w.tasks.wait_idle(20000)


def _menu(window):
    return {a.text(): a for a in window.tray.contextMenu().actions() if not a.isSeparator()}


def test_in_the_tray_closing_hides_the_timer_goes_on_and_the_menu_opens_and_syncs(qtbot, demo_ctx, tray_window):
    settings.put(demo_ctx.store, backend.TIMER_KEY, 30)
    settings.put(demo_ctx.store, TRAY_KEY, True)
    window = tray_window(demo_ctx)
    sync = window.sync
    qtbot.waitUntil(lambda: window.keep_in_tray and sync.timer.isActive(), timeout=10000)
    qtbot.waitUntil(lambda: window.settings.tray_check.isChecked(), timeout=10000)
    assert window.settings.tray_check.isEnabled()
    assert list(_menu(window)) == ["&Open Ledgerbridge", "&Sync now", "&Quit"]
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=30000)

    assert window.close() is False  # the close was turned into a hide
    assert window.isHidden() and sync.timer.isActive()
    # The timer fires a run while the window is hidden.
    with qtbot.waitSignal(sync.run_finished, timeout=60000) as finished:
        sync.set_interval_ms(100)
    sync.timer.stop()
    assert finished.args[1] is None and finished.args[3] == "timer"
    qtbot.waitUntil(lambda: not sync.running, timeout=10000)

    with qtbot.waitSignal(sync.run_started, timeout=5000) as started:
        _menu(window)["&Sync now"].trigger()
    assert started.args == [False, "tray"]
    with qtbot.waitSignal(sync.run_finished, timeout=60000) as finished:
        pass
    assert finished.args[1] is None
    assert window.isHidden()

    _menu(window)["&Open Ledgerbridge"].trigger()
    assert window.isVisible()

    # Turned off in Settings: closing quits again (workers drained, timer stopped).
    sync.set_interval(30)
    window.settings.tray_check.setChecked(False)
    with qtbot.waitSignal(window.settings.tray_changed, timeout=5000) as changed:
        window.settings.save_button.click()
    assert changed.args == [False] and settings.get(demo_ctx.store, TRAY_KEY) is False
    assert window.close() is True
    assert not window.isVisible() and not sync.timer.isActive()


def test_without_a_tray_the_setting_is_not_offered_and_closing_quits(qtbot, ctx, make_window):
    settings.put(ctx.store, backend.TIMER_KEY, 30)
    settings.put(ctx.store, TRAY_KEY, True)  # saved on a desktop that had a tray
    window = MainWindow(ctx, tray_available=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.keep_in_tray and window.sync.timer.isActive(), timeout=10000)
    assert window.tray is None
    assert not window.settings.tray_check.isEnabled()
    assert window.settings.tray_check.toolTip() == NO_TRAY_TOOLTIP
    window.tasks.wait_idle(20000)
    assert window.close() is True
    assert not window.sync.timer.isActive()


_QUIT_FROM_TRAY = r"""
import sys
from pathlib import Path

from PySide6.QtCore import QTimer

from app.store import open_store, settings
from ui import backend
from ui.context import AppContext
from ui.main import make_app
from ui.main_window import MainWindow
from ui.pages.settings import TRAY_KEY

app = make_app()
folder = Path(sys.argv[1])
store = open_store(folder / "firm.sqlite3")
settings.put(store, TRAY_KEY, True)
settings.put(store, backend.TIMER_KEY, 30)
window = MainWindow(AppContext(store, "traytest", folder), tray_available=True)
window.show()
seen = []

def close_then_quit():
    if not (window.keep_in_tray and window.sync.timer.isActive()):
        QTimer.singleShot(50, close_then_quit)
        return
    window.close()
    seen.append(f"hidden={window.isHidden()}")
    quit_action = next(a for a in window.tray.contextMenu().actions() if a.text() == "&Quit")
    # Still running a moment later with no visible window, then Quit from the tray menu.
    QTimer.singleShot(300, lambda: (seen.append("running"), quit_action.trigger()))

QTimer.singleShot(0, close_then_quit)
QTimer.singleShot(20000, lambda: app.exit(3))
code = app.exec()
print(" ".join(seen), f"exit={code}", f"timer={window.sync.timer.isActive()}")
store.close()
sys.exit(code)
"""


def test_quit_from_the_tray_menu_ends_the_app_while_the_window_is_hidden(tmp_path):
    """In its own process: a real QApplication.exec() that must keep running with the window hidden and
    end on the tray's Quit (in the test's process, quitting the application would end pytest-qt's loop)."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LEDGERBRIDGE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _QUIT_FROM_TRAY, str(tmp_path)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split() == ["hidden=True", "running", "exit=0", "timer=False"]
