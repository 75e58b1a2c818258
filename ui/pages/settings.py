"""Settings: data folder, the sync timer and the tray, connections, demo mode."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QProcess, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import LedgerbridgeError
from app.logs import register_secret
from ui import backend
from ui.context import AppContext
from ui.tasks import Changes, Lane, Op, TaskManager

from .base import Page

#: keychain name -> what a person calls it.
CREDENTIAL_SERVICES = {"clio": "Clio", "qbo": "QuickBooks"}
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
        layout = QVBoxLayout(self)
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
        """The app's own Clio and QuickBooks client id and secret (from each developer portal), which the
        sign-in needs; they go to the keychain, and a saved secret is never shown back."""
        box = QGroupBox("Connections")
        outer = QVBoxLayout(box)
        intro = QLabel("The client id and secret of Ledgerbridge's app registration with each service. "
                       "They are kept in this computer's keychain, never in the firm's database.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        form = QFormLayout()
        self.credential_edits: dict[str, tuple[QLineEdit, QLineEdit]] = {}
        self.credential_states: dict[str, QLabel] = {}
        for service, label in CREDENTIAL_SERVICES.items():
            client_id, secret = QLineEdit(), QLineEdit()
            client_id.setPlaceholderText(f"{label} client id")
            secret.setEchoMode(QLineEdit.EchoMode.Password)  # also stops copying it back out
            secret.setPlaceholderText(f"{label} client secret")
            state = QLabel()
            form.addRow(f"{label} client id:", client_id)
            form.addRow(f"{label} client secret:", secret)
            form.addRow("", state)
            for edit in (client_id, secret):
                edit.textChanged.connect(self._credentials_edited)
            self.credential_edits[service] = (client_id, secret)
            self.credential_states[service] = state
        outer.addLayout(form)

        row = QHBoxLayout()
        self.save_credentials_button = QPushButton("Save app &credentials")
        self.save_credentials_button.setToolTip("Store the client ids and secrets entered above in the keychain")
        self.save_credentials_button.clicked.connect(self.save_credentials)
        self.wizard_button = QPushButton("Run the &setup wizard…")
        self.wizard_button.setToolTip("Connect Clio and QuickBooks, map accounts and items (can be re-run)")
        self.wizard_button.clicked.connect(self.run_wizard.emit)
        row.addWidget(self.save_credentials_button)
        row.addWidget(self.wizard_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.credentials_message = QLabel()
        self.credentials_message.setWordWrap(True)
        outer.addWidget(self.credentials_message)
        self._credentials_edited()
        return box

    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Loading settings", lambda _t: backend.load_settings(ctx), lane=Lane.POOL,
                          on_success=self.show_settings))
        self.refresh_credentials()

    def on_changes(self, changes: Changes) -> None:
        if changes.connections:
            self.refresh_credentials()

    # -- app credentials ----------------------------------------------------------------------------
    def refresh_credentials(self) -> None:
        """Which services have credentials saved (a keychain read, so on the pool)."""
        ctx, services = self.ctx, list(CREDENTIAL_SERVICES)
        self.tasks.run(Op("Reading the keychain", lambda _t: _connections().app_credentials_saved(ctx, services),
                          lane=Lane.POOL, on_success=self.show_credential_states,
                          on_failure=self._keychain_unreadable))

    def show_credential_states(self, saved: dict[str, bool]) -> None:
        for service, label in self.credential_states.items():
            label.setText("✓ saved in the keychain" if saved.get(service) else "not set")
            _id_edit, secret = self.credential_edits[service]
            # Only the fact that one is saved is shown back, never the value.
            secret.setPlaceholderText("saved; type a new one to replace it" if saved.get(service)
                                      else f"{CREDENTIAL_SERVICES[service]} client secret")

    def _keychain_unreadable(self, error: BaseException) -> None:
        if not isinstance(error, LedgerbridgeError):  # a bug, not a locked keychain: the crash dialog
            self.tasks.report_error("Reading the keychain", error)
            return
        # Said on the page rather than in a dialog: this runs every time the page loads.
        for label in self.credential_states.values():
            label.setText("unknown: the keychain could not be read")
        self.credentials_message.setText(str(error))

    def entered_credentials(self) -> dict[str, tuple[str, str]]:
        """The services whose client id and secret were both typed in, stripped of pasted whitespace."""
        return {
            service: (id_edit.text().strip(), secret.text().strip())
            for service, (id_edit, secret) in self.credential_edits.items()
            if id_edit.text().strip() and secret.text().strip()
        }

    def _half_entered(self) -> list[str]:
        return [CREDENTIAL_SERVICES[s] for s, (i, k) in self.credential_edits.items()
                if bool(i.text().strip()) != bool(k.text().strip())]

    def _credentials_edited(self, *_args: object) -> None:
        half = self._half_entered()
        self.save_credentials_button.setEnabled(bool(self.entered_credentials()) and not half)
        if half:
            self.credentials_message.setText(f"Enter both the client id and the client secret for "
                                             f"{' and '.join(half)}.")
        elif self.entered_credentials():
            self.credentials_message.setText("")

    def save_credentials(self) -> None:
        entered = self.entered_credentials()
        if not entered or self._half_entered():
            return
        for _client_id, secret in entered.values():
            register_secret(secret)  # masked in any log line or error text from here on
        ctx = self.ctx
        self.save_credentials_button.setEnabled(False)
        self.tasks.run(Op("Saving the app credentials",
                          lambda _t: _connections().save_app_credentials(ctx, entered),
                          on_success=lambda changes: self._credentials_saved(list(entered), changes),
                          on_finally=self._credentials_edited))

    def _credentials_saved(self, services: list[str], changes: Changes) -> None:
        # The secrets leave the widgets once they are in the keychain.
        for service in services:
            for edit in self.credential_edits[service]:
                edit.clear()
        names = " and ".join(CREDENTIAL_SERVICES[s] for s in services)
        self.credentials_message.setText(f"Saved the {names} app credentials in the keychain. "
                                         "Next, connect with the setup wizard.")
        self.credentials_saved.emit(services)
        self.changed.emit(changes)

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


def _connections() -> Any:
    """``ui.connections``, imported on the worker when first used (it pulls in both API clients)."""
    import ui.connections

    return ui.connections


def demo_command() -> tuple[str, list[str]]:
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: the executable is the app
        return sys.executable, ["--demo"]
    return sys.executable, ["-m", "ui.main", "--demo"]
