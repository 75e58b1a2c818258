"""Settings: data folder, the sync timer, connections, demo mode."""

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
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui import backend
from ui.context import AppContext
from ui.tasks import Changes, Lane, Op, TaskManager

from .base import Page


class SettingsPage(Page):
    title = "Settings"
    changed = Signal(object)  # Changes
    timer_changed = Signal(int)  # minutes
    run_wizard = Signal()
    theme_changed = Signal(str)

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
        layout.addWidget(sync_box)

        conn_box = QGroupBox("Connections")
        cl = QHBoxLayout(conn_box)
        self.wizard_button = QPushButton("Run the &setup wizard…")
        self.wizard_button.setToolTip("Connect Clio and QuickBooks, map accounts and items (can be re-run)")
        self.wizard_button.clicked.connect(self.run_wizard.emit)
        cl.addWidget(self.wizard_button)
        cl.addStretch(1)
        layout.addWidget(conn_box)

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

    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Loading settings", lambda _t: backend.load_settings(ctx), lane=Lane.POOL,
                          on_success=self.show_settings))

    def show_settings(self, values: dict[str, Any]) -> None:
        self.timer_spin.setValue(int(values.get(backend.TIMER_KEY, 0) or 0))
        self.dark_check.setChecked(values.get("ui.theme", "light") == "dark")

    def save(self) -> None:
        minutes = self.timer_spin.value()
        theme = "dark" if self.dark_check.isChecked() else "light"
        values = {backend.TIMER_KEY: minutes, "ui.theme": theme}
        ctx = self.ctx

        def saved(changes: Changes) -> None:
            self.timer_changed.emit(minutes)
            self.theme_changed.emit(theme)
            self.changed.emit(changes)

        self.tasks.run(Op("Saving settings", lambda _t: backend.save_settings(ctx, values), on_success=saved))

    def open_demo(self) -> bool:
        """Start the app in demo mode as a separate process (its sandbox and throw-away profile are its own)."""
        program, args = demo_command()
        return QProcess.startDetached(program, args)[0]


def demo_command() -> tuple[str, list[str]]:
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: the executable is the app
        return sys.executable, ["--demo"]
    return sys.executable, ["-m", "ui.main", "--demo"]
