"""The one task runner of the app (after Anki's ``qt/aqt/taskman.py``).

Everything slow runs here, never on the UI thread:

- ``Lane.WRITE``: a single worker thread for everything that writes the firm's database, so two writers
  never race (a sync and a "Retry" click queue up behind each other instead of fighting for the lock);
- ``Lane.POOL``: a thread pool for network-only work and for reads.

A task is an :class:`Op`: what to run, and what to do with the result on the main thread. The function
receives a :class:`TaskContext` with a progress callback and a cancel flag (a ``threading.Event``).
Progress is not sent per call: the worker only stores the latest value and a timer on the main thread
polls it, so a chatty worker cannot flood the event queue and stall the UI. Results and errors arrive on
the main thread through queued signals. A task that ends with :class:`TaskCancelled` shows nothing; any
other error goes to ``on_failure`` or, by default, to the error dialog (``ui.errors``).
"""

from __future__ import annotations

import enum
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from app.errors import LedgerbridgeError

log = logging.getLogger("ledgerbridge.ui.tasks")

#: how often the main thread looks at a running task's latest progress.
PROGRESS_POLL_MS = 80


class TaskCancelled(LedgerbridgeError):
    """The person pressed Cancel; the task stopped at a safe point. Shown as nothing."""

    def __init__(self) -> None:
        super().__init__("Cancelled.", kept="Everything finished before the cancel was kept.")


class Lane(enum.Enum):
    WRITE = "write"
    POOL = "pool"


class TaskContext:
    """What a running task sees: progress reporting and the cancel flag."""

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self._lock = threading.Lock()
        self._progress: Any = None
        self._progress_serial = 0

    def progress(self, value: Any) -> None:
        """Record the latest progress (cheap; callable from any thread, as often as the worker likes)."""
        with self._lock:
            self._progress = value
            self._progress_serial += 1

    def latest(self) -> tuple[int, Any]:
        with self._lock:
            return self._progress_serial, self._progress

    def check_cancelled(self) -> None:
        """For tasks that loop: stop here if Cancel was pressed."""
        if self.cancel.is_set():
            raise TaskCancelled()


@dataclass
class Op:
    """An operation: what to run in the background and what to do with its outcome on the main thread."""

    label: str
    fn: Callable[[TaskContext], Any]
    lane: Lane = Lane.WRITE
    on_success: Callable[[Any], None] | None = None
    on_failure: Callable[[BaseException], None] | None = None
    on_progress: Callable[[Any], None] | None = None
    on_finally: Callable[[], None] | None = None
    key: str = ""  # a task with a key does not start while another with the same key runs


class _Signals(QObject):
    # object-typed so any Python value crosses threads untouched.
    done = Signal(object, object)  # (result, error)


def _run_in_worker(h: TaskHandle) -> None:
    """The body of every background task (a worker thread). Nothing may escape it: the outcome, result or
    error, is handed to the main thread by a queued signal."""
    result: Any = None
    error: BaseException | None = None
    try:
        if h.context.cancel.is_set():
            raise TaskCancelled()
        result = h.op.fn(h.context)
    except BaseException as exc:
        error = exc
    h.signals.done.emit(result, error)


class TaskHandle(QObject):
    """One submitted operation. ``finished`` fires on the main thread after the op's callbacks ran."""

    finished = Signal(object)  # self

    def __init__(self, op: Op, manager: TaskManager) -> None:
        super().__init__(manager)
        self._manager = manager
        self.op = op
        self.context = TaskContext()
        self.signals = _Signals()
        self.started_at = time.monotonic()
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self._seen_serial = 0

    def cancel(self) -> None:
        self.context.cancel.set()

    @Slot(object, object)
    def _deliver(self, result: Any, error: Any) -> None:
        # A method of a QObject that lives on the main thread: the connection from the worker's
        # emit is queued, so this always runs on the main thread.
        self._manager._on_done(self, result, error)

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, TaskCancelled)

    def poll_progress(self) -> None:
        serial, value = self.context.latest()
        if serial != self._seen_serial and self.op.on_progress is not None:
            self._seen_serial = serial
            self.op.on_progress(value)


class TaskBusy(LedgerbridgeError):
    pass


class TaskManager(QObject):
    """Submits ops to the right lane and hands their outcomes back on the main thread."""

    started = Signal(object)  # TaskHandle
    finished = Signal(object)  # TaskHandle
    busy_changed = Signal(bool)

    def __init__(
        self,
        error_handler: Callable[[str, BaseException], None] | None = None,
        parent: QObject | None = None,
        *,
        pool_threads: int = 4,
    ) -> None:
        super().__init__(parent)
        self._write = QThreadPool(self)
        self._write.setMaxThreadCount(1)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(pool_threads)
        self._running: list[TaskHandle] = []
        self._error_handler = error_handler
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_POLL_MS)
        self._timer.timeout.connect(self._poll)

    # -- submitting ---------------------------------------------------------------------------------
    def run(self, op: Op) -> TaskHandle:
        if op.key and self.running(op.key):
            raise TaskBusy(
                f"{op.label} is already running.", next_step="Wait for it to finish, or cancel it first."
            )
        handle = TaskHandle(op, self)
        handle.signals.done.connect(handle._deliver)
        was_busy = bool(self._running)
        self._running.append(handle)
        # A plain callable, not a QRunnable subclass: Qt then owns no Python object it might delete twice.
        (self._write if op.lane is Lane.WRITE else self._pool).start(functools.partial(_run_in_worker, handle))
        if op.on_progress is not None and not self._timer.isActive():
            self._timer.start()
        self.started.emit(handle)
        if not was_busy:
            self.busy_changed.emit(True)
        return handle

    def running(self, key: str | None = None) -> list[TaskHandle]:
        return [h for h in self._running if key is None or h.op.key == key]

    def cancel_all(self) -> None:
        for h in self._running:
            h.cancel()

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """Block until the workers are idle: only for shutdown and tests, never from a UI action."""
        ok = self._write.waitForDone(timeout_ms)
        return self._pool.waitForDone(timeout_ms) and ok

    # -- main-thread delivery -----------------------------------------------------------------------
    def _poll(self) -> None:
        active = False
        for h in list(self._running):
            if h.op.on_progress is not None:
                active = True
                h.poll_progress()
        if not active:
            self._timer.stop()

    def _on_done(self, handle: TaskHandle, result: Any, error: BaseException | None) -> None:
        handle.result, handle.error, handle.done = result, error, True
        handle.poll_progress()  # the last value the worker reported, before the result
        if handle in self._running:
            self._running.remove(handle)
        try:
            if error is None:
                if handle.op.on_success is not None:
                    handle.op.on_success(result)
            elif isinstance(error, TaskCancelled):
                log.info("%s: cancelled", handle.op.label)
            elif handle.op.on_failure is not None:
                handle.op.on_failure(error)
            else:
                self.report_error(handle.op.label, error)
        except Exception as exc:  # a bug in a callback must not kill the event loop silently
            self.report_error(handle.op.label, exc)
        finally:
            if handle.op.on_finally is not None:
                handle.op.on_finally()
            handle.finished.emit(handle)
            self.finished.emit(handle)
            if not self._running:
                self.busy_changed.emit(False)
            handle.signals.deleteLater()
            handle.deleteLater()

    def report_error(self, label: str, error: BaseException) -> None:
        if not isinstance(error, LedgerbridgeError):
            log.error("%s failed", label, exc_info=(type(error), error, error.__traceback__))
        if self._error_handler is not None:
            self._error_handler(label, error)


@dataclass(frozen=True)
class Changes:
    """What an op changed, so each view decides whether to refresh (after Anki's OpChanges)."""

    exceptions: bool = False
    audit: bool = False
    sync: bool = False
    mapping: bool = False
    reconciliation: bool = False
    settings: bool = False
    connections: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def everything(cls) -> Changes:
        return cls(True, True, True, True, True, True, True)
