"""What every screen has: the firm's context, the task runner, and a refresh on relevant changes."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.context import AppContext
from ui.tasks import Changes, TaskManager


class Page(QWidget):
    title = ""

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = tasks

    def refresh(self) -> None:
        """Reload what the page shows (in the background)."""

    def on_changes(self, changes: Changes) -> None:
        """An operation changed something; refresh if it concerns this page."""
