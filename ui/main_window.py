"""The main window: a page per screen behind a navigation list, the demo banner, the status bar.

The window gets its collaborators (the firm's context and the task runner) from its caller; with no
context it shows a page that says how to open or set up a firm.

With the setting "Keep running in the system tray" on and a tray on the desktop, closing the window only
hides it: the timer goes on, and the tray icon's menu opens the window, starts a sync or quits. Whether a
close hides or quits is decided by :func:`close_action`, apart from Qt, so it is testable where no tray
exists (offscreen, many Linux desktops).
"""

from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
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
from ui.pages.firms import FirmsPage
from ui.pages.settings import TRAY_KEY, SettingsPage
from ui.sync_controller import SyncController
from ui.tasks import Changes, TaskManager

if TYPE_CHECKING:
    from ui.wizard import SetupWizard  # imported when first opened

log = logging.getLogger("ledgerbridge.ui")


class CloseAction(enum.Enum):
    QUIT = "quit"  # drain the workers, stop the timer, close
    HIDE_TO_TRAY = "hide"  # keep running: the timer goes on, the tray icon brings the window back


def close_action(*, keep_in_tray: bool, tray_available: bool, quitting: bool) -> CloseAction:
    """What closing the window does. Only hide when asked to and there is a tray to come back from (else
    the app would run on with no way to reach it); an explicit Quit always quits."""
    if keep_in_tray and tray_available and not quitting:
        return CloseAction.HIDE_TO_TRAY
    return CloseAction.QUIT


class NoFirmPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refreshes = 1  # nothing to load: as loaded as the dashboard after its first refresh
        layout = QVBoxLayout(self)
        self.title = QLabel("<h2>Dashboard</h2>")
        self.hint = QLabel("No firm is open. Start with --profile NAME, or ledgerbridge demo to try the demo firm.")
        self.hint.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    switch_firm = Signal(str)  # profile: open that firm's window in place of this one

    def __init__(
        self,
        ctx: AppContext | None = None,
        tasks: TaskManager | None = None,
        parent: QWidget | None = None,
        *,
        tray_available: bool | None = None,
    ) -> None:
        """``tray_available`` overrides the desktop's answer (None asks Qt); tests pass True offscreen."""
        super().__init__(parent)
        self.ctx = ctx
        self.tray_available = (QSystemTrayIcon.isSystemTrayAvailable() if tray_available is None
                               else tray_available)
        self.keep_in_tray = False  # the firm's setting, read on start and on save
        self._quitting = False
        self._told_about_tray = False
        self.setWindowTitle("Ledgerbridge" + (f" — {ctx.profile}" if ctx and not ctx.is_demo else ""))
        self.setWindowIcon(theme.icon("app"))
        self.resize(1280, 820)
        self.last_error_dialog: QWidget | None = None
        self.alerts: list[str] = []
        self.tasks = tasks or TaskManager(self.show_error, self)
        self.pages: list[Page] = []
        self.wizard: SetupWizard | None = None
        self.sync: SyncController | None = None
        self.dashboard: DashboardPage | NoFirmPage

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.demo_banner = QLabel(
            "Demo data — a made-up firm served by a local sandbox. Nothing here touches a real Clio, Smokeball, MyCase or "
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
        self.nav.setToolTip("Screens (Ctrl+1 … Ctrl+6)")
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        if ctx is None:
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

        self.sync = sync = SyncController(ctx, self.tasks, self)
        self.dashboard = dashboard = DashboardPage(ctx, self.tasks, sync)
        self.exceptions = ExceptionsPage(ctx, self.tasks)
        self.audit = AuditPage(ctx, self.tasks)
        self.reconcile = ReconcilePage(ctx, self.tasks)
        self.settings = SettingsPage(ctx, self.tasks)
        self.firms_page = FirmsPage(ctx, self.tasks)
        self.firms_page.open_firm.connect(self.choose_firm)
        self._add(dashboard, "Dashboard", "dashboard")
        self._add(self.exceptions, "Exception queue", "exceptions")
        self._add(self.audit, "Audit trail", "audit")
        self._add(self.reconcile, "Reconciliation", "reconcile")
        self._add(self.settings, "Settings", "settings")
        self._add(self.firms_page, "All firms", "dashboard")
        dashboard.open_exceptions.connect(lambda: self.nav.setCurrentRow(1))
        dashboard.reconnect.connect(self.open_wizard)
        for changing in (self.exceptions, self.settings, self.reconcile):
            changing.changed.connect(self.apply_changes)
        self.settings.timer_changed.connect(sync.set_interval)
        self.settings.tray_changed.connect(self.set_keep_in_tray)
        self.settings.set_tray_available(self.tray_available)
        self.settings.theme_changed.connect(self._set_theme)
        self.settings.run_wizard.connect(self.open_wizard)
        sync.run_finished.connect(lambda *_: self.apply_changes(Changes(sync=True, exceptions=True, audit=True)))
        sync.timed_run_failed.connect(self._timed_failure)
        for page in self.pages:
            page.refresh()
        self._load_settings()

    def _load_settings(self) -> None:
        """The timer and the tray setting, read on the pool."""
        from ui import backend
        from ui.tasks import Lane, Op

        ctx = self.ctx
        assert ctx is not None and self.sync is not None
        sync = self.sync

        def loaded(values: dict) -> None:
            sync.set_interval(int(values.get(backend.TIMER_KEY, 0) or 0))
            self.set_keep_in_tray(bool(values.get(TRAY_KEY, False)))
            if not ctx.is_demo and values.get("firm_name"):
                self.setWindowTitle(f"Ledgerbridge — {values['firm_name']} ({ctx.profile})")

        self.tasks.run(Op("Reading the timer setting", lambda _t: backend.load_settings(ctx), lane=Lane.POOL,
                          on_success=loaded))

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
            self.firm_menu = file_menu.addMenu("&Firm")
            self.firm_menu.aboutToShow.connect(self._fill_firm_menu)
            file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit_app)
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

    # -- firms ------------------------------------------------------------------------------------------
    def _fill_firm_menu(self) -> None:
        """The firms the All firms page last read (on a worker), this one checked; add, remove, overview."""
        ctx = self.ctx
        assert ctx is not None
        menu = self.firm_menu
        menu.clear()
        model = self.firms_page.model
        for profile in [model.key(r) for r in range(model.rowCount())] or [ctx.profile]:
            act = menu.addAction(profile)
            act.setCheckable(True)
            act.setChecked(profile == ctx.profile)
            act.triggered.connect(lambda _c=False, p=profile: self.choose_firm(p))
        menu.addSeparator()
        menu.addAction("&All firms").triggered.connect(lambda: self.show_page(self.firms_page))
        menu.addAction("&Add firm…").triggered.connect(self.add_firm)
        menu.addAction("&Remove firm…").triggered.connect(self.remove_firm)

    def choose_firm(self, profile: str) -> None:
        if self.ctx is not None and profile != self.ctx.profile:
            self.switch_firm.emit(profile)

    def add_firm(self) -> None:
        from ui.backend import firms as firm_calls
        from ui.tasks import Op

        name, ok = QInputDialog.getText(self, "Add firm", "A short name for the new firm's profile "
                                        "(letters, digits, dot, dash):")
        if not ok or not name.strip() or self.ctx is None:
            return
        root = self.ctx.data_dir
        self.tasks.run(Op(f"Adding firm {name.strip()}", lambda _t: firm_calls.add_firm(name.strip(), root),
                          on_success=self.switch_firm.emit))

    def remove_firm(self) -> None:
        from ui.backend import firms as firm_calls
        from ui.tasks import Op

        assert self.ctx is not None
        model = self.firms_page.model
        others = [model.key(r) for r in range(model.rowCount()) if model.key(r) != self.ctx.profile]
        if not others:
            self.statusBar().showMessage("No other firm to remove (this one is open: switch to another first).", 8000)
            return
        profile, ok = QInputDialog.getItem(self, "Remove firm", "Firm to remove (its access is revoked, its "
                                           "keychain entries deleted, its database moved to the trash folder):",
                                           others, 0, False)
        if not ok:
            return
        sure = QMessageBox.question(self, "Remove firm", f"Remove the firm {profile}? Its database is moved to "
                                    "the trash folder of the data directory, not deleted.")
        if sure != QMessageBox.StandardButton.Yes:
            return
        root = self.ctx.data_dir

        def removed(text: str) -> None:
            self.statusBar().showMessage(text, 15000)
            self.apply_changes(Changes(settings=True))

        self.tasks.run(Op(f"Removing firm {profile}", lambda _t: firm_calls.remove_firm(profile, root),
                          on_success=removed))

    def close_for_switch(self) -> None:
        """Close this window because another firm's opens in its place (never only hide it)."""
        self._quitting = True
        self.close()

    def _build_tray(self) -> QSystemTrayIcon | None:
        if not self.tray_available:
            return None
        tray = QSystemTrayIcon(theme.icon("app"), self)
        tray.setToolTip("Ledgerbridge" + (f" — {self.ctx.profile}" if self.ctx and not self.ctx.is_demo else ""))
        menu = QMenu(self)
        open_action = menu.addAction("&Open Ledgerbridge")
        open_action.triggered.connect(self.show_from_tray)
        if self.ctx is not None:
            sync_action = menu.addAction(theme.icon("sync"), "&Sync now")
            sync_action.triggered.connect(lambda: self.sync and self.sync.start(trigger="tray"))
        menu.addSeparator()
        quit_action = menu.addAction("&Quit")
        quit_action.triggered.connect(self.quit_app)
        tray.setContextMenu(menu)
        self.tray_menu = menu
        tray.activated.connect(self._tray_activated)
        tray.show()
        return tray

    def _tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_from_tray()

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

        self.wizard = wizard = SetupWizard(self.ctx, self.tasks, self)
        wizard.finished_ok.connect(lambda: self.apply_changes(Changes.everything()))
        wizard.start_first_sync.connect(lambda: self.sync and self.sync.start(trigger="setup wizard"))
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        wizard.open()

    # -- the tray -----------------------------------------------------------------------------------
    def set_keep_in_tray(self, on: bool) -> None:
        self.keep_in_tray = on

    def show_from_tray(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        """Quit for real (File > Quit, the tray's Quit), even when closing would only hide the window."""
        self._quitting = True
        was_hidden = self.isHidden()
        if not self.close():
            self._quitting = False  # a refused close (none today) leaves the window as it was
            return
        if was_hidden:
            # A window closed while hidden in the tray is not "the last window closed": Qt would run on.
            QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        action = close_action(keep_in_tray=self.keep_in_tray, tray_available=self.tray is not None,
                              quitting=self._quitting)
        if action is CloseAction.HIDE_TO_TRAY:
            event.ignore()
            self.hide()  # the timer and any running sync go on
            if self.tray is not None and not self._told_about_tray:
                self._told_about_tray = True
                self.tray.showMessage("Ledgerbridge is still running",
                                      "Timed syncs go on. Open or quit it from this icon's menu.",
                                      QSystemTrayIcon.MessageIcon.Information)
            return
        # Ask running work to stop at a safe point; the write worker finishes its transaction.
        self.tasks.cancel_all()
        if self.sync is not None:
            self.sync.timer.stop()
        self.tasks.wait_idle(15000)
        super().closeEvent(event)
