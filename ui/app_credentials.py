"""The developer apps' client ids and secrets, entered once for the workstation (Settings and the setup
wizard's developer-app page share this form). They go to the keychain on a worker; a saved secret is never
shown back, and the widgets let go of it once it is saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.errors import LedgerbridgeError
from app.logs import register_secret
from ui.context import AppContext
from ui.panel import Panel
from ui.tasks import Changes, Lane, Op, TaskManager

#: keychain name -> what a person calls it. Intuit gives one app two pairs of keys.
CREDENTIAL_SERVICES = {
    "clio": "Clio",
    "qbo-sandbox": "QuickBooks development",
    "qbo": "QuickBooks production",
}


def _connections() -> Any:
    """``ui.connections``, imported on the worker when first used (it pulls in both API clients)."""
    import ui.connections

    return ui.connections


class AppCredentialsForm(Panel):
    saved = Signal(list)  # the services saved, e.g. ["clio", "qbo"]

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        outer = self.outer
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
                edit.textChanged.connect(self._edited)
            self.credential_edits[service] = (client_id, secret)
            self.credential_states[service] = state
        outer.addLayout(form)
        self.buttons = QHBoxLayout()
        self.save_credentials_button = QPushButton("Save app &credentials")
        self.save_credentials_button.setToolTip("Store the client ids and secrets entered above in the keychain, "
                                                "once for every firm on this computer")
        self.save_credentials_button.clicked.connect(self.save)
        self.buttons.addWidget(self.save_credentials_button)
        self.buttons.addStretch(1)
        outer.addLayout(self.buttons)
        self.credentials_message = QLabel()
        self.credentials_message.setWordWrap(True)
        outer.addWidget(self.credentials_message)
        self._edited()

    def refresh(self) -> None:
        """Which services have credentials saved (a keychain read, so on the pool)."""
        ctx, services = self.ctx, list(CREDENTIAL_SERVICES)
        self.tasks.run(Op("Reading the keychain", lambda _t: _connections().app_credentials_saved(ctx, services),
                          lane=Lane.POOL, on_success=self.show_states, on_failure=self._unreadable))

    def show_states(self, saved: dict[str, bool]) -> None:
        for service, label in self.credential_states.items():
            label.setText("✓ saved in the keychain" if saved.get(service) else "not set")
            _id_edit, secret = self.credential_edits[service]
            # Only the fact that one is saved is shown back, never the value.
            secret.setPlaceholderText("saved; type a new one to replace it" if saved.get(service)
                                      else f"{CREDENTIAL_SERVICES[service]} client secret")

    def _unreadable(self, error: BaseException) -> None:
        if not isinstance(error, LedgerbridgeError):  # a bug, not a locked keychain: the crash dialog
            self.tasks.report_error("Reading the keychain", error)
            return
        # Said on the page rather than in a dialog: this runs every time the page loads.
        for label in self.credential_states.values():
            label.setText("unknown: the keychain could not be read")
        self.credentials_message.setText(str(error))

    def entered(self) -> dict[str, tuple[str, str]]:
        """The services whose client id and secret were both typed in, stripped of pasted whitespace."""
        return {
            service: (id_edit.text().strip(), secret.text().strip())
            for service, (id_edit, secret) in self.credential_edits.items()
            if id_edit.text().strip() and secret.text().strip()
        }

    def _half_entered(self) -> list[str]:
        return [CREDENTIAL_SERVICES[s] for s, (i, k) in self.credential_edits.items()
                if bool(i.text().strip()) != bool(k.text().strip())]

    def _edited(self, *_args: object) -> None:
        half = self._half_entered()
        self.save_credentials_button.setEnabled(bool(self.entered()) and not half)
        if half:
            self.credentials_message.setText(f"Enter both the client id and the client secret for "
                                             f"{' and '.join(half)}.")
        elif self.entered():
            self.credentials_message.setText("")

    def save(self) -> None:
        entered = self.entered()
        if not entered or self._half_entered():
            return
        for _client_id, secret in entered.values():
            register_secret(secret)  # masked in any log line or error text from here on
        ctx = self.ctx
        self.save_credentials_button.setEnabled(False)
        self.tasks.run(Op("Saving the app credentials",
                          lambda _t: _connections().save_app_credentials(ctx, entered),
                          on_success=lambda changes: self._saved(list(entered), changes),
                          on_finally=self._edited))

    def _saved(self, services: list[str], changes: Changes) -> None:
        # The secrets leave the widgets once they are in the keychain.
        for service in services:
            for edit in self.credential_edits[service]:
                edit.clear()
        names = " and ".join(CREDENTIAL_SERVICES[s] for s in services)
        self.credentials_message.setText(f"Saved the {names} app credentials in the keychain, for every firm "
                                         "on this computer. Next, connect with the setup wizard.")
        self.saved.emit(services)
        self.changed.emit(changes)
