from ui.main_window import MainWindow


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
    assert labels == ["Dashboard", "Exception queue", "Audit trail", "Reconciliation", "Settings"]
    view_menu = [a for a in window.menuBar().actions() if a.text() == "&View"][0].menu()
    shortcuts = [a.shortcut().toString() for a in view_menu.actions()]
    assert shortcuts == ["Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5"]
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
