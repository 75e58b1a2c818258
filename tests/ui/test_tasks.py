"""The task runner: results on the main thread, progress by polling, cancel, the error dialogs."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from PySide6.QtCore import QThread

from app.errors import LedgerbridgeError
from ui.errors import BugDialog, ProblemDialog, error_dialog
from ui.tasks import Lane, Op, TaskBusy, TaskManager


@pytest.fixture
def errors():
    return []


@pytest.fixture
def tm(qtbot, errors):
    manager = TaskManager(lambda label, exc: errors.append((label, exc)))
    yield manager
    manager.cancel_all()
    manager.wait_idle()


def test_work_runs_off_the_main_thread_and_the_result_arrives_on_it(qtbot, tm):
    main = QThread.currentThread()
    seen = {}

    def work(task):
        seen["worker_is_main"] = QThread.currentThread() == main
        return 42

    def done(value):
        seen["callback_is_main"] = QThread.currentThread() == main
        seen["value"] = value

    handle = tm.run(Op("answer", work, on_success=done))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert seen == {"worker_is_main": False, "callback_is_main": True, "value": 42}


def test_progress_is_polled_and_the_last_value_is_always_delivered(qtbot, tm):
    values = []
    delivered = threading.Event()

    def seen(value):
        values.append(value)
        delivered.set()

    def work(task):
        for i in range(1, 2001):
            task.progress(i)
        assert delivered.wait(5)  # the poll timer delivered progress while the work was still running
        return "ok"

    handle = tm.run(Op("count", work, lane=Lane.POOL, on_progress=seen))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert values[-1] == 2000
    assert len(values) < 50  # coalesced: the worker reported 2000 times, the UI saw a handful
    assert values == sorted(values)


def test_cancel_stops_the_work_and_shows_nothing(qtbot, tm, errors):
    started = threading.Event()
    outcome = []

    def work(task):
        started.set()
        while True:
            task.check_cancelled()
            task.cancel.wait(1)  # wakes as soon as the cancel comes

    handle = tm.run(Op("forever", work, on_success=outcome.append, on_failure=outcome.append))
    assert started.wait(5)
    with qtbot.waitSignal(handle.finished, timeout=5000):
        handle.cancel()
    assert handle.cancelled
    assert outcome == [] and errors == []


def test_the_write_lane_runs_one_task_at_a_time_in_order(qtbot, tm):
    log = []
    lock = threading.Lock()
    active = [0]

    def work(n):
        def run(task):
            with lock:
                active[0] += 1
                log.append(("start", n, active[0]))
            time.sleep(0.03)
            with lock:
                active[0] -= 1
            return n

        return run

    handles = [tm.run(Op(f"write {n}", work(n))) for n in range(4)]
    qtbot.waitUntil(lambda: all(h.done for h in handles), timeout=5000)
    assert [n for _, n, _ in log] == [0, 1, 2, 3]
    assert max(a for _, _, a in log) == 1


def test_a_keyed_task_does_not_start_twice(qtbot, tm):
    gate = threading.Event()
    handle = tm.run(Op("sync", lambda t: gate.wait(5), key="sync"))
    with pytest.raises(TaskBusy):
        tm.run(Op("sync", lambda t: None, key="sync"))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        gate.set()
    tm.run(Op("sync", lambda t: None, key="sync"))  # free again


def test_failures_go_to_the_error_handler(qtbot, tm, errors, caplog):
    def problem(task):
        raise LedgerbridgeError("QuickBooks is down.", kept="Nothing was sent.", next_step="Try later.")

    def bug(task):
        raise KeyError("boom")

    h1 = tm.run(Op("Sync", problem))
    h2 = tm.run(Op("Load", bug))
    with caplog.at_level(logging.ERROR, logger="ledgerbridge.ui.tasks"):
        qtbot.waitUntil(lambda: h1.done and h2.done, timeout=5000)
    assert [label for label, _ in errors] == ["Sync", "Load"]
    assert isinstance(errors[0][1], LedgerbridgeError)
    assert isinstance(errors[1][1], KeyError)
    # A bug is logged with its traceback; a LedgerbridgeError is not a bug and is not logged as one.
    assert [r.getMessage() for r in caplog.records] == ["Load failed"]
    assert caplog.records[0].exc_info is not None


def test_a_problem_shows_its_three_sentences_and_no_traceback(qtbot):
    err = LedgerbridgeError("QuickBooks refused the name.", kept="Nothing was posted.", next_step="Rename it.")
    dialog = error_dialog(None, "Sync", err)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ProblemDialog)
    texts = [dialog.what.text(), dialog.kept.text(), dialog.next_step.text()]
    assert "QuickBooks refused the name." in texts[0]
    assert texts[1:] == ["Nothing was posted.", "Rename it."]
    assert "Traceback" not in dialog.text()


def test_a_bug_shows_copyable_details_without_secrets(qtbot):
    from app.logs import register_secret

    register_secret("sekrit-token-123456")
    try:
        raise RuntimeError("failed with sekrit-token-123456")
    except RuntimeError as exc:
        err = exc
    dialog = error_dialog(None, "Load", err)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, BugDialog)
    text = dialog.details.toPlainText()
    assert "Traceback" in text and "RuntimeError" in text
    assert "sekrit-token-123456" not in text
    dialog.copy()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == text
