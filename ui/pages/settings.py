"""Settings: data folder, the sync timer and the tray, the unattended schedule and alerts, connections, demo
mode."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QProcess, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui_launch import gui_command
from ui import backend
from ui.app_credentials import AppCredentialsForm
from ui.context import AppContext
from ui.sign_in_addresses import SignInAddresses
from ui.tasks import Changes, Lane, Op, TaskManager
from ui.unattended_box import UnattendedBox

from .base import Page

#: Setting: closing the window hides it in the system tray (the timer goes on) instead of quitting.
TRAY_KEY = "ui.keep_in_tray"
TRAY_TOOLTIP = ("Closing the window hides it in the system tray; timed syncs go on. Quit from the tray icon's "
                "menu or File > Quit")
NO_TRAY_TOOLTIP = "This desktop has no system tray, so closing the window quits Ledgerbridge"


class SettingsPage(Page):
    title = "Settings"
    changed = Signal(object)  # Changes
    timer_changed = Signal(int)  # minutes
    tray_changed = Signal(bool)  # keep running in the tray when the window is closed
    run_wizard = Signal()
    theme_changed = Signal(str)
    credentials_saved = Signal(list)  # the services saved, e.g. ["clio", "qbo"]

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        # The settings are taller than a laptop's screen: they scroll, the window keeps its size.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        layout = QVBoxLayout(inner)
        layout.addWidget(QLabel("<h2>Settings</h2>"))

        data_box = QGroupBox("Data")
        form = QFormLayout(data_box)
        self.folder_label = QLabel(str(ctx.store.path.parent))
        self.folder_label.setToolTip("Where this firm's database lives (start with --data-dir to use another)")
        self.profile_label = QLabel(ctx.profile)
        form.addRow("Data folder:", self.folder_label)
        form.addRow("Profile (firm):", self.profile_label)
        layout.addWidget(data_box)

        sync_box = QGroupBox("Sync")
        sform = QFormLayout(sync_box)
        self.timer_spin = QSpinBox()
        self.timer_spin.setRange(0, 24 * 60)
        self.timer_spin.setSuffix(" min")
        self.timer_spin.setSpecialValueText("off")
        self.timer_spin.setToolTip("Sync every N minutes while the app is open; 0 turns the timer off")
        self.timer_spin.setMaximumWidth(160)
        sform.addRow("Sync every:", self.timer_spin)
        self.tray_check = QCheckBox("Keep running in the system tray when the window is closed")
        self.tray_check.setToolTip(TRAY_TOOLTIP)
        sform.addRow(self.tray_check)
        layout.addWidget(sync_box)
        self.unattended = UnattendedBox(ctx, tasks)
        self.unattended.changed.connect(self.changed.emit)
        layout.addWidget(self.unattended)

        layout.addWidget(self._build_connections())

        look = QGroupBox("Appearance and demo")
        lform = QFormLayout(look)
        self.dark_check = QCheckBox("Dark palette")
        self.dark_check.setToolTip("Switch between the light and dark palettes")
        self.demo_button = QPushButton("Open the &demo firm…")
        self.demo_button.setToolTip("Opens a second window on a made-up firm served by a local sandbox; "
                                    "this firm's data is not touched")
        self.demo_button.clicked.connect(self.open_demo)
        self.demo_label = QLabel("This window shows demo data." if ctx.is_demo else "")
        lform.addRow(self.dark_check)
        lform.addRow(self.demo_button)
        lform.addRow(self.demo_label)
        layout.addWidget(look)

        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the settings of this firm")
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addStretch(1)

    def _build_connections(self) -> QGroupBox:
        """The developer apps' credentials (once per workstation), where each service sends the browser back,
        and disconnecting this firm."""
        box = QGroupBox("Connections")
        outer = QVBoxLayout(box)
        intro = QLabel("The client id and secret of your own Clio and Intuit developer apps (the setup wizard "
                       "says what to register). They are kept in this computer's keychain, once for every firm, "
                       "never in a firm's database.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        self.credentials = AppCredentialsForm(self.ctx, self.tasks)
        self.credentials.saved.connect(self.credentials_saved.emit)
        self.credentials.changed.connect(self.changed.emit)
        # The form's parts, named as the page always named them.
        self.credential_edits = self.credentials.credential_edits
        self.credential_states = self.credentials.credential_states
        self.save_credentials_button = self.credentials.save_credentials_button
        self.credentials_message = self.credentials.credentials_message
        self.wizard_button = QPushButton("Run the &setup wizard…")
        self.wizard_button.setToolTip("Connect Clio and QuickBooks, map accounts and items (can be re-run)")
        self.wizard_button.clicked.connect(self.run_wizard.emit)
        self.credentials.buttons.insertWidget(1, self.wizard_button)
        outer.addWidget(self.credentials)
        self.sign_in = SignInAddresses(self.ctx, self.tasks)
        self.sign_in.changed.connect(self.changed.emit)
        outer.addWidget(self.sign_in)
        return box

    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Loading settings", lambda _t: backend.load_settings(ctx), lane=Lane.POOL,
                          on_success=self.show_settings))
        self.refresh_credentials()
        self.unattended.refresh()

    def on_changes(self, changes: Changes) -> None:
        if changes.connections:
            self.refresh_credentials()

    def refresh_credentials(self) -> None:
        self.credentials.refresh()
        self.sign_in.refresh()

    def set_tray_available(self, available: bool) -> None:
        """Without a tray the setting could only strand a hidden window, so it is shown but not offered."""
        self.tray_check.setEnabled(available)
        self.tray_check.setToolTip(TRAY_TOOLTIP if available else NO_TRAY_TOOLTIP)

    def show_settings(self, values: dict[str, Any]) -> None:
        self.timer_spin.setValue(int(values.get(backend.TIMER_KEY, 0) or 0))
        self.tray_check.setChecked(bool(values.get(TRAY_KEY, False)))
        self.dark_check.setChecked(values.get("ui.theme", "light") == "dark")

    def save(self) -> None:
        minutes = self.timer_spin.value()
        keep_in_tray = self.tray_check.isChecked()
        theme = "dark" if self.dark_check.isChecked() else "light"
        values = {backend.TIMER_KEY: minutes, TRAY_KEY: keep_in_tray, "ui.theme": theme}
        ctx = self.ctx

        def saved(changes: Changes) -> None:
            self.timer_changed.emit(minutes)
            self.tray_changed.emit(keep_in_tray)
            self.theme_changed.emit(theme)
            self.changed.emit(changes)

        self.tasks.run(Op("Saving settings", lambda _t: backend.save_settings(ctx, values), on_success=saved))

    def open_demo(self) -> bool:
        """Start the app in demo mode as a separate process (its sandbox and throw-away profile are its own)."""
        program, args = demo_command()
        return QProcess.startDetached(program, args)[0]


def demo_command() -> tuple[str, list[str]]:
    program, *args = gui_command("--demo")
    return program, args
