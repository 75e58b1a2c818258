from ui.main_window import MainWindow


def test_main_window_opens_offscreen(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Ledgerbridge"
    assert window.menuBar().actions()
    assert "ready" in window.statusBar().currentMessage()
