"""Where Clio and QuickBooks send the browser back (the addresses to register in the developer apps, with
copy buttons), which QuickBooks keys this firm uses, and disconnecting this firm."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.auth.redirects import QboEnvironment, clio_loopback, qbo_loopback
from app.workstation import Workstation
from ui.context import AppContext
from ui.panel import Panel
from ui.tasks import Changes, Lane, Op, TaskManager

QBO_ENVIRONMENTS = (
    (QboEnvironment.SANDBOX, "Sandbox company (development keys) — to try Ledgerbridge safely"),
    (QboEnvironment.PRODUCTION, "The firm's books (production keys)"),
)


def copy_row(text_label: QLabel, tip: str) -> QHBoxLayout:
    """An address shown selectable, with a button that copies it."""
    row = QHBoxLayout()
    text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    button = QPushButton("Copy")
    button.setToolTip(tip)
    button.clicked.connect(lambda: QGuiApplication.clipboard().setText(text_label.text()))
    row.addWidget(text_label, 1)
    row.addWidget(button)
    return row


def _ui_connections() -> Any:
    """``ui.connections``, imported on the worker when first used."""
    import ui.connections

    return ui.connections


class SignInAddresses(Panel):
    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        outer = self.outer
        form = QFormLayout()
        self.clio_port, self.qbo_port = QSpinBox(), QSpinBox()
        for spin in (self.clio_port, self.qbo_port):
            spin.setRange(1024, 65535)
            spin.setMaximumWidth(120)
            spin.valueChanged.connect(self._show_addresses)
        self.clio_address, self.qbo_dev_address = QLabel(), QLabel()
        self.clio_port.setToolTip("Change it only if another program uses this port; register the new address")
        form.addRow("Clio sign-in port:", self.clio_port)
        form.addRow("Clio redirect URI:", copy_row(self.clio_address, "Copy it into your Clio developer app"))
        form.addRow("QuickBooks development port:", self.qbo_port)
        form.addRow("QuickBooks development redirect URI:",
                    copy_row(self.qbo_dev_address, "Copy it into your Intuit app: Development → Keys & OAuth"))
        self.qbo_production = QLineEdit()
        self.qbo_production.setPlaceholderText("https://… (registered under Production → Keys & OAuth)")
        self.qbo_production.setToolTip("Any https address of yours that is not an IP address: after approving, "
                                       "the browser lands there and you paste that address back")
        form.addRow("QuickBooks production redirect URI:", self.qbo_production)
        self.environment = QComboBox()
        for env, text in QBO_ENVIRONMENTS:
            self.environment.addItem(text, env.value)
        self.environment.setToolTip("Which QuickBooks keys this firm signs in with")
        form.addRow("This firm's QuickBooks:", self.environment)
        outer.addLayout(form)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save sign-in settings")
        self.save_button.clicked.connect(self.save)
        self.disconnect_buttons = {"clio": QPushButton("Disconnect Clio…"), "qbo": QPushButton("Disconnect "
                                                                                              "QuickBooks…")}
        row.addWidget(self.save_button)
        for service, button in self.disconnect_buttons.items():
            button.setToolTip("Revoke Ledgerbridge's access for this firm and forget its tokens here")
            button.clicked.connect(lambda _c=False, s=service: self.disconnect_service(s))
            row.addWidget(button)
        row.addStretch(1)
        outer.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.show_sign_in(Workstation(), QboEnvironment.PRODUCTION)

    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Reading the sign-in settings", lambda _t: _ui_connections().load_sign_in(ctx),
                          lane=Lane.POOL, on_success=lambda s: self.show_sign_in(s.workstation, s.qbo_environment)))

    def show_sign_in(self, ws: Workstation, environment: QboEnvironment) -> None:
        self.clio_port.setValue(ws.clio_redirect_port)
        self.qbo_port.setValue(ws.qbo_redirect_port)
        self.qbo_production.setText(ws.qbo_production_redirect)
        self.environment.setCurrentIndex(max(0, self.environment.findData(QboEnvironment(environment).value)))
        self._show_addresses()

    def _show_addresses(self, *_args: object) -> None:
        self.clio_address.setText(clio_loopback(self.clio_port.value()))
        self.qbo_dev_address.setText(qbo_loopback(self.qbo_port.value()))

    def entered(self) -> Workstation:
        return Workstation(self.clio_port.value(), self.qbo_port.value(), self.qbo_production.text().strip())

    def save(self) -> None:
        ctx, ws, env = self.ctx, self.entered(), self.environment.currentData()
        self.tasks.run(Op("Saving the sign-in settings", lambda _t: _ui_connections().save_sign_in(ctx, ws, env),
                          on_success=self._saved, on_failure=self._failed))

    def _saved(self, changes: Changes) -> None:
        self.message.setText("Saved. If you changed an address, register the new one in the developer app.")
        self.changed.emit(changes)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(str(error))
        self.tasks.report_error("Saving the sign-in settings", error)

    def disconnect_service(self, service: str) -> None:
        ctx = self.ctx
        self.tasks.run(Op(f"Disconnecting {service}", lambda _t: _ui_connections().disconnect(ctx, service),
                          on_success=self._disconnected))

    def _disconnected(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.changed.emit(Changes(connections=True))
