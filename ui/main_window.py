"""The main window: a page per screen behind a navigation list, the demo banner, the status bar.

The window gets its collaborators (the firm's context and the task runner) from its caller; with no
context it shows a page that says how to open or set up a firm.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from ui import theme
from ui.context import AppContext
from ui.errors import error_dialog
from ui.pages.audit import AuditPage
from ui.pages.base import Page
from ui.pages.dashboard import DashboardPage
from ui.pages.exceptions import ExceptionsPage
from ui.pages.settings import SettingsPage
from ui.sync_controller import SyncController
from ui.tasks import Changes, TaskManager

log = logging.getLogger("ledgerbridge.ui")


class NoFirmPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.title = QLabel("<h2>Dashboard</h2>")
        self.hint = QLabel("No firm is open. Start with --profile NAME, or ledgerbridge demo to try the demo firm.")
        self.hint.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: AppContext | None = None,
        tasks: TaskManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Ledgerbridge" + (f" — {ctx.profile}" if ctx and not ctx.is_demo else ""))
        self.setWindowIcon(theme.icon("app"))
        self.resize(1280, 820)
        self.last_error_dialog: QWidget | None = None
        self.alerts: list[str] = []
        self.tasks = tasks or TaskManager(self.show_error, self)
        self.pages: list[Page] = []
        self.wizard = None

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.demo_banner = QLabel(
            "Demo data — a made-up firm served by a local sandbox. Nothing here touches a real Clio or "
            "QuickBooks account."
        )
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setVisible(bool(ctx and ctx.is_demo))
        outer.addWidget(self.demo_banner)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(200)
        self.nav.setToolTip("Screens (Ctrl+1 … Ctrl+5)")
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        if ctx is None:
            self.sync = None
            self.dashboard = NoFirmPage()
            self._add(self.dashboard, "Dashboard", "dashboard")
        else:
            self._build_pages(ctx)
        self.nav.currentRowChanged.connect(self._show_page)
        self.nav.setCurrentRow(0)
        self._build_menu()
        self.tray = self._build_tray()
        self.tasks.busy_changed.connect(self._busy)
        self.statusBar().showMessage(f"Ledgerbridge {__version__} — ready")

    # -- building -------------------------------------------------------------------------------------
    def _add(self, page: QWidget, label: str, icon_name: str) -> None:
        item = QListWidgetItem(theme.icon(icon_name), label)
        item.setToolTip(label)
        self.nav.addItem(item)
        self.stack.addWidget(page)
        if isinstance(page, Page):
            self.pages.append(page)

    def _build_pages(self, ctx: AppContext) -> None:
        from ui.pages.reconcile import ReconcilePage

        self.sync = SyncController(ctx, self.tasks, self)
        self.dashboard = DashboardPage(ctx, self.tasks, self.sync)
        self.exceptions = ExceptionsPage(ctx, self.tasks)
        self.audit = AuditPage(ctx, self.tasks)
        self.reconcile = ReconcilePage(ctx, self.tasks)
        self.settings = SettingsPage(ctx, self.tasks)
        self._add(self.dashboard, "Dashboard", "dashboard")
        self._add(self.exceptions, "Exception queue", "exceptions")
        self._add(self.audit, "Audit trail", "audit")
        self._add(self.reconcile, "Reconciliation", "reconcile")
        self._add(self.settings, "Settings", "settings")
        self.dashboard.open_exceptions.connect(lambda: self.nav.setCurrentRow(1))
        for page in (self.exceptions, self.settings, self.reconcile):
            page.changed.connect(self.apply_changes)
        self.settings.timer_changed.connect(self.sync.set_interval)
        self.settings.theme_changed.connect(self._set_theme)
        self.settings.run_wizard.connect(self.open_wizard)
        self.sync.run_finished.connect(lambda *_: self.apply_changes(Changes(sync=True, exceptions=True, audit=True)))
        self.sync.timed_run_failed.connect(self._timed_failure)
        for page in self.pages:
            page.refresh()
        self._load_timer()

    def _load_timer(self) -> None:
        from ui import backend
        from ui.tasks import Lane, Op

        ctx = self.ctx
        assert ctx is not None and self.sync is not None
        sync = self.sync
        self.tasks.run(Op("Reading the timer setting",
                          lambda _t: backend.load_settings(ctx).get(backend.TIMER_KEY, 0), lane=Lane.POOL,
                          on_success=lambda minutes: sync.set_interval(int(minutes or 0))))

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        if self.ctx is not None:
            setup = QAction("Set &up…", self)
            setup.setToolTip("Connect Clio and QuickBooks, map accounts and items")
            setup.triggered.connect(self.open_wizard)
            file_menu.addAction(setup)
            sync_action = QAction(theme.icon("sync"), "&Sync now", self)
            sync_action.triggered.connect(lambda: self.sync and self.sync.start(trigger="menu"))
            file_menu.addAction(sync_action)
            file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for i in range(self.nav.count()):
            act = QAction(self.nav.item(i).text(), self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _c=False, row=i: self.nav.setCurrentRow(row))
            view_menu.addAction(act)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Ledgerbridge", self)
        about.triggered.connect(
            lambda: self.statusBar().showMessage(f"Ledgerbridge {__version__}: Clio to QuickBooks", 5000)
        )
        help_menu.addAction(about)

    def _build_tray(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        tray = QSystemTrayIcon(theme.icon("app"), self)
        tray.setToolTip("Ledgerbridge")
        tray.show()
        return tray

    # -- behaviour ------------------------------------------------------------------------------------
    def _show_page(self, row: int) -> None:
        self.stack.setCurrentIndex(row)

    def show_page(self, page: QWidget) -> None:
        self.nav.setCurrentRow(self.stack.indexOf(page))

    def apply_changes(self, changes: Changes) -> None:
        for page in self.pages:
            page.on_changes(changes)

    def show_error(self, label: str, error: BaseException) -> None:
        self.last_error_dialog = error_dialog(self, label, error)

    def alert(self, text: str) -> None:
        """Something a person must see even if they are not looking at the window."""
        self.alerts.append(text)
        self.statusBar().showMessage(text)
        if self.tray is not None:
            self.tray.showMessage("Ledgerbridge", text, QSystemTrayIcon.MessageIcon.Warning)
        QApplication.alert(self)

    def _timed_failure(self, text: str) -> None:
        self.alert(f"The timed sync failed: {text}")

    def _busy(self, busy: bool) -> None:
        if busy:
            self.statusBar().showMessage("Working…")
        elif self.statusBar().currentMessage() == "Working…":
            self.statusBar().showMessage("Ready", 3000)

    def _set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)

    def open_wizard(self) -> None:
        if self.ctx is None:
            return
        from ui.wizard import SetupWizard

        self.wizard = SetupWizard(self.ctx, self.tasks, self)
        self.wizard.finished_ok.connect(lambda: self.apply_changes(Changes.everything()))
        self.wizard.setWindowModality(Qt.WindowModality.WindowModal)
        self.wizard.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Ask running work to stop at a safe point; the write worker finishes its transaction.
        self.tasks.cancel_all()
        if self.sync is not None:
            self.sync.timer.stop()
        self.tasks.wait_idle(15000)
        super().closeEvent(event)
