"""Starting sync runs (from the button or the timer), one at a time, and telling the views about them.

The run itself is ``app.sync`` (the same code the CLI runs), started from the write worker in a child
process (``ui.backend.run_sync`` → ``app.sync.subprocess_run``), so the engine's threads never take the GIL
from the UI thread; the worker only waits for its progress and outcome. This object only makes sure a run
never starts while another runs, forwards progress, and reports how it ended. The timer is a
``QTimer`` on the main thread; a timed run that fails is recorded (the dashboard shows it in red) and
announced through ``timed_run_failed`` (the window turns that into a tray or status-bar alert), never
only a log line.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QDateTime, QObject, QTimer, Signal

from app.errors import LedgerbridgeError
from ui import backend
from ui.context import AppContext
from ui.tasks import Lane, Op, TaskHandle, TaskManager

log = logging.getLogger("ledgerbridge.ui.sync")
SYNC_KEY = "sync"


class SyncController(QObject):
    run_started = Signal(bool, str)  # dry_run, trigger
    progressed = Signal(object)  # app.sync Progress(phase, done, total, eta_seconds)
    run_finished = Signal(object, object, bool, str)  # summary, error (None when ok), dry_run, trigger
    timed_run_failed = Signal(str)
    schedule_changed = Signal()

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = tasks
        self.handle: TaskHandle | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(False)
        self.timer.timeout.connect(self._on_timer)
        self.next_run: QDateTime | None = None
        self.skipped_busy = 0

    # -- runs -----------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.handle is not None

    def start(self, *, dry_run: bool = False, trigger: str = "button") -> TaskHandle | None:
        """Start a run unless one is running; returns its handle, or None when it did not start."""
        if self.running or self.tasks.running(SYNC_KEY):
            return None
        ctx = self.ctx

        def work(task: Any) -> Any:
            return backend.run_sync(ctx, task, dry_run=dry_run, trigger=trigger)

        op = Op(
            label="Dry run" if dry_run else "Sync",
            fn=work,
            lane=Lane.WRITE,
            key=SYNC_KEY,
            on_progress=self.progressed.emit,
            on_success=lambda summary: self._done(summary, None, dry_run, trigger),
            on_failure=lambda exc: self._done(None, exc, dry_run, trigger),
        )
        self.handle = self.tasks.run(op)
        self.handle.finished.connect(self._cleared)
        self.run_started.emit(dry_run, trigger)
        return self.handle

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def _cleared(self, handle: TaskHandle) -> None:
        if handle is self.handle:
            self.handle = None
            if handle.cancelled:
                self.run_finished.emit(None, handle.error, False, "cancel")

    def _done(self, summary: Any, error: BaseException | None, dry_run: bool, trigger: str) -> None:
        self.handle = None
        self.run_finished.emit(summary, error, dry_run, trigger)
        if error is None:
            return
        if trigger == "timer":
            # Unattended: no modal dialog piling up; the dashboard and an alert say it failed.
            if isinstance(error, LedgerbridgeError):
                text = str(error)
            else:
                log.error("timed sync failed", exc_info=(type(error), error, error.__traceback__))
                text = f"Unexpected error ({type(error).__name__}); the details are in the log."
            self.timed_run_failed.emit(text)
        else:
            self.tasks.report_error("Dry run" if dry_run else "Sync", error)

    # -- timer ----------------------------------------------------------------------------------------
    def set_interval(self, minutes: int) -> None:
        """Sync every ``minutes`` while the app is open; 0 turns the timer off."""
        self.timer.stop()
        if minutes > 0:
            self.set_interval_ms(minutes * 60_000)
        else:
            self.next_run = None
            self.schedule_changed.emit()

    def set_interval_ms(self, ms: int) -> None:
        self.timer.start(ms)
        self.next_run = QDateTime.currentDateTime().addMSecs(ms)
        self.schedule_changed.emit()

    def _on_timer(self) -> None:
        self.next_run = QDateTime.currentDateTime().addMSecs(self.timer.interval())
        self.schedule_changed.emit()
        if self.start(trigger="timer") is None:
            self.skipped_busy += 1
            log.info("timed sync skipped: a run is already going")
