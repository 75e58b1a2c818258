"""The main window: menu, a page per screen, status bar."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from app import __version__


class DashboardPage(QWidget):
    """Empty until a firm is connected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.title = QLabel("<h2>Dashboard</h2>")
        self.hint = QLabel("No firm is connected yet. Use File → Set up… to connect Clio and QuickBooks.")
        self.hint.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ledgerbridge")
        self.resize(1200, 800)
        self.pages = QStackedWidget(self)
        self.dashboard = DashboardPage(self.pages)
        self.pages.addWidget(self.dashboard)
        self.setCentralWidget(self.pages)
        self._build_menu()
        self.statusBar().showMessage(f"Ledgerbridge {__version__} — ready")

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Ledgerbridge", self)
        about.triggered.connect(
            lambda: self.statusBar().showMessage(f"Ledgerbridge {__version__}: Clio to QuickBooks", 5000)
        )
        help_menu.addAction(about)
