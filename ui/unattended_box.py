"""Settings' "Unattended" box: the schedule the operating system runs while the app is closed, and where
alerts go (email, with a test button). Everything it does runs on a worker (``ui.backend.unattended``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.alerts.email import EmailSettings
from ui.backend import unattended as backend
from ui.context import AppContext
from ui.tasks import Changes, Lane, Op, TaskManager


class UnattendedBox(QGroupBox):
    changed = Signal(object)  # Changes

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__("Unattended: scheduled syncs and alerts", parent)
        self.ctx, self.tasks = ctx, tasks
        form = QFormLayout(self)
        self.every_spin = QSpinBox()
        self.every_spin.setRange(5, 24 * 60)
        self.every_spin.setValue(15)
        self.every_spin.setSuffix(" min")
        self.every_spin.setMaximumWidth(160)
        self.install_button = QPushButton("&Install schedule")
        self.install_button.setToolTip("Sync this firm every N minutes with the operating system's scheduler, "
                                       "also while Ledgerbridge is closed")
        self.remove_button = QPushButton("Remove schedule")
        row = QHBoxLayout()
        for w in (self.every_spin, self.install_button, self.remove_button):
            row.addWidget(w)
        row.addStretch(1)
        form.addRow("Sync every:", row)
        self.schedule_label = QLabel("…")
        self.schedule_label.setWordWrap(True)
        form.addRow(self.schedule_label)
        self._build_alerts(form)
        self.install_button.clicked.connect(self.install)
        self.remove_button.clicked.connect(self.remove)
        for w in (self.every_spin, self.install_button, self.remove_button):
            w.setEnabled(not ctx.is_demo)  # the demo's profile is thrown away when it closes

    def _build_alerts(self, form: QFormLayout) -> None:
        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("smtp.example.com")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(587)
        self.starttls_check = QCheckBox("STARTTLS")
        self.starttls_check.setChecked(True)
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip("Kept in this computer's keychain, never in the firm's database")
        self.from_edit = QLineEdit()
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText("bookkeeper@firm.example, partner@firm.example")
        server = QHBoxLayout()
        for w in (self.host_edit, self.port_spin, self.starttls_check):
            server.addWidget(w)
        form.addRow("Alert email via:", server)
        form.addRow("SMTP user:", self.user_edit)
        form.addRow("SMTP password:", self.password_edit)
        form.addRow("From:", self.from_edit)
        form.addRow("Alert addresses:", self.to_edit)
        self.save_alerts_button = QPushButton("Save &alerts")
        self.test_button = QPushButton("Send a &test email")
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_alerts_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.alerts_label = QLabel("")
        self.alerts_label.setWordWrap(True)
        form.addRow(self.alerts_label)
        self.save_alerts_button.clicked.connect(self.save_alerts)
        self.test_button.clicked.connect(self.send_test)

    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Reading the schedule and alerts", lambda _t: backend.load_unattended(ctx),
                          lane=Lane.POOL, on_success=self.show_state))

    def show_state(self, state: backend.Unattended) -> None:
        if state.every_minutes:
            self.every_spin.setValue(state.every_minutes)
        self.schedule_label.setText(state.schedule_status)
        a = state.alerts
        if a is not None:
            self.host_edit.setText(a.host)
            self.port_spin.setValue(a.port)
            self.starttls_check.setChecked(a.starttls)
            self.user_edit.setText(a.user)
            self.from_edit.setText(a.sender)
            self.to_edit.setText(", ".join(a.recipients))
        self.password_edit.setPlaceholderText("(saved in the keychain)" if state.has_password else "")

    def _after(self, changes: Changes) -> None:
        self.changed.emit(changes)
        self.refresh()

    def install(self) -> None:
        ctx, minutes = self.ctx, self.every_spin.value()
        self.tasks.run(Op("Installing the schedule", lambda _t: backend.install_schedule(ctx, minutes),
                          on_success=self._after))

    def remove(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Removing the schedule", lambda _t: backend.remove_schedule(ctx), on_success=self._after))

    def save_alerts(self) -> None:
        ctx = self.ctx
        value = EmailSettings(self.host_edit.text().strip(), self.port_spin.value(), self.starttls_check.isChecked(),
                              self.user_edit.text().strip(), self.from_edit.text().strip(),
                              tuple(a.strip() for a in self.to_edit.text().split(",") if a.strip()))
        password = self.password_edit.text() or None
        self.password_edit.clear()

        def saved(changes: Changes) -> None:
            self.alerts_label.setText(f"Alerts go to {', '.join(value.recipients)}.")
            self._after(changes)

        self.tasks.run(Op("Saving the alert settings", lambda _t: backend.save_alerts(ctx, value, password),
                          on_success=saved))

    def send_test(self) -> None:
        ctx = self.ctx
        self.alerts_label.setText("Sending…")
        self.tasks.run(Op("Sending a test email", lambda _t: backend.send_test_email(ctx), lane=Lane.POOL,
                          on_success=self.alerts_label.setText))
