"""Many firms in one window: the All firms page, File › Firm, and switching to another firm's window."""

from __future__ import annotations

from app import firms
from app.paths import database_path
from app.store import open_store, settings
from app.store.db import utcnow
from app.sync import runs
from ui.backend import firms as firm_calls
from ui.context import AppContext
from ui.firm_session import FirmSession


def _firms(root):
    for profile, name, result in (("hale", "Hale & Ortiz LLP", "ok"), ("marsh", "Marsh Legal", "held")):
        firms.add(profile, root)
        store = open_store(database_path(profile, root))
        settings.put(store, "firm_name", name)
        runs.record(store, runs.RunRecord(utcnow(), utcnow(), "schedule", "cli", result))
        store.close()


def test_all_firms_lists_them_and_switching_opens_the_other_firms_window(qtbot, tmp_path, make_window):
    _firms(tmp_path)
    ctx = AppContext(firm_calls.open_firm("hale", tmp_path), "hale", tmp_path, actor="user:tester")
    session = FirmSession(ctx, make_window=make_window, owns_store=True)
    first = session.window
    page = first.firms_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10000)
    assert [page.model.row_tuple(r)[:2] for r in range(2)] == [("hale", "Hale & Ortiz LLP"), ("marsh", "Marsh Legal")]
    assert page.model.row_tuple(1)[3] == "held"
    qtbot.waitUntil(lambda: "Hale & Ortiz LLP" in first.windowTitle(), timeout=10000)
    first._fill_firm_menu()
    names = [a.text() for a in first.firm_menu.actions() if a.isCheckable()]
    assert names == ["hale", "marsh"] and [a.isChecked() for a in first.firm_menu.actions()][:2] == [True, False]
    with qtbot.waitSignal(session.switched, timeout=15000):
        page.open_firm.emit("marsh")
    second = session.window
    assert second is not first and second.ctx.profile == "marsh"
    assert not first.isVisible()  # closed before the switch was announced
    qtbot.waitUntil(lambda: "Marsh Legal (marsh)" in second.windowTitle(), timeout=10000)
    session.close()


def test_adding_a_firm_from_the_window_opens_it(qtbot, tmp_path, make_window, monkeypatch):
    _firms(tmp_path)
    ctx = AppContext(firm_calls.open_firm("hale", tmp_path), "hale", tmp_path, actor="user:tester")
    session = FirmSession(ctx, make_window=make_window, owns_store=True)
    # The name is typed in Qt's modal input dialog, which a test cannot type into: it answers here.
    monkeypatch.setattr("ui.main_window.QInputDialog.getText", lambda *_a, **_k: ("new-firm", True))
    with qtbot.waitSignal(session.switched, timeout=15000):
        session.window.add_firm()
    assert session.window.ctx.profile == "new-firm"
    assert firms.profiles(tmp_path) == ["hale", "marsh", "new-firm"]
    session.close()
