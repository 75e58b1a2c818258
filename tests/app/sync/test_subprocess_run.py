"""The sync in a child process (app.sync.subprocess_run): the real engine in a spawned interpreter against
the sandbox over HTTP, its progress, result and errors coming back over the pipe, Cancel, and a child
killed mid-run."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.auth.sandbox_tokens import clio_tokens, qbo_tokens
from app.clio.client import ClioClient
from app.clio.errors import ClioRateLimited
from app.demo import prepare_demo_mapping
from app.errors import LedgerbridgeError, StoreError
from app.qbo.client import QboClient
from app.qbo.errors import QboDuplicateName
from app.sandbox.runner import Sandbox
from app.store import open_store
from app.sync.engine import Progress, SyncSummary
from app.sync.subprocess_run import (
    BACKGROUND_NICENESS,
    SandboxAddress,
    SyncJob,
    SyncProcessDied,
    _Sender,
    run_in_child,
)
from tests.reliability.harness import duplicates, end_state


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False) as s:
        yield s


@pytest.fixture
def db(tmp_path: Path, sb: Sandbox) -> Path:
    """A firm database mapped with the demo defaults, as demo mode prepares it; closed again, so only the
    child has it open while it runs (as the app's store would be, idle, on the same file)."""
    path = tmp_path / "firm.sqlite3"
    store = open_store(path)
    clio, qbo = ClioClient(sb.clio_url, clio_tokens(sb.clio_url)), QboClient(sb.qbo_url, sb.realm_id,
                                                                             qbo_tokens(sb.qbo_url))
    try:
        prepare_demo_mapping(store, clio, qbo)
    finally:
        clio.close()
        qbo.close()
        store.close()
    return path


def _job(db: Path, sb: Sandbox, **kw: Any) -> SyncJob:
    return SyncJob(database=db, profile="test", actor="user:tester", sandbox=SandboxAddress.of(sb), **kw)


# -- errors cross the process boundary whole --------------------------------------------------------------


@pytest.mark.parametrize("error", [
    LedgerbridgeError("What happened.", kept="What was kept.", next_step="What to do."),
    StoreError("The disk is full.", kept="Nothing was saved.", next_step="Free some space."),
    QboDuplicateName("QuickBooks refused the name.", code="6240", detail="Duplicate Name Exists Error",
                     kept="Nothing was posted.", next_step="Rename it."),
    ClioRateLimited("Clio is busy.", kept="Nothing was lost.", next_step="Wait a minute.", status=429,
                    server_message="Rate limit exceeded"),
    SyncProcessDied("The sync stopped.", kept="Sent is kept.", next_step="Run it again."),
])
def test_ledgerbridge_errors_survive_pickling_with_every_attribute(error: LedgerbridgeError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (back.what, back.kept, back.next_step, back.args) == (error.what, error.kept, error.next_step, error.args)
    assert vars(back) == vars(error)
    assert str(back) == str(error)


# -- runs --------------------------------------------------------------------------------------------------


def test_a_run_in_the_child_syncs_and_reports_progress_from_another_process(db: Path, sb: Sandbox) -> None:
    seen: list[Progress] = []
    pids: list[int] = []
    nice: list[int] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if not nice:  # the child is running the engine by now
            nice.append(os.getpriority(os.PRIO_PROCESS, pids[0]))

    summary = run_in_child(_job(db, sb), progress=progress, on_start=lambda p: pids.append(p.pid))
    assert isinstance(summary, SyncSummary)
    assert pids and pids[0] != os.getpid()
    # Background work: the child runs below the caller's CPU priority, so the window gets the processor first.
    assert nice == [min(19, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICENESS)]
    assert summary.created > 300 and not summary.cancelled
    assert summary.plan is None  # a real run's plan stays in the child
    assert summary.trust and summary.trust[0].qbo_bank == summary.trust[0].qbo_liability
    phases = [p.phase for p in seen]
    assert phases[0] == "resume" and "pull" in phases and "push" in phases and phases[-1] == "done"
    pushes = [p.done for p in seen if p.phase == "push"]
    assert pushes == sorted(pushes) and pushes[-1] > pushes[0]
    # What the child wrote is in the same database file for this process to read.
    store = open_store(db)
    try:
        assert store.query("SELECT count(*) FROM links")[0][0] >= summary.created
    finally:
        store.close()
    assert duplicates(end_state(sb.qbo_url)) == []


def test_a_dry_run_brings_its_plan_back_and_sends_nothing(db: Path, sb: Sandbox) -> None:
    summary = run_in_child(_job(db, sb, dry_run=True))
    assert summary.dry_run and summary.created == 0
    assert summary.plan is not None and len(summary.plan.actions) > 300
    assert {a.entity for a in summary.plan.actions} >= {"Customer", "Invoice"}
    store = open_store(db)
    try:
        assert store.query("SELECT count(*) FROM links")[0][0] == 0
    finally:
        store.close()


def test_an_error_in_the_child_comes_back_as_the_same_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not an SQLite database, just bytes" * 100)
    with pytest.raises(StoreError) as caught:
        run_in_child(SyncJob(database=broken, profile="test"))
    err = caught.value
    assert "damaged" in err.what and err.kept and err.next_step


def test_a_bug_in_the_child_comes_back_with_the_childs_traceback(tmp_path: Path) -> None:
    # Nothing listens on port 9, so the sandbox token helper gives up with a RuntimeError: no error a person
    # can act on, so it must arrive as itself, with where it happened in the child.
    open_store(tmp_path / "firm.sqlite3").close()
    nowhere = SandboxAddress("http://127.0.0.1:9", "http://127.0.0.1:9", "1")
    with pytest.raises(RuntimeError, match="gave no token") as caught:
        run_in_child(SyncJob(database=tmp_path / "firm.sqlite3", profile="test", sandbox=nowhere))
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == 1 and notes[0].startswith("In the sync process:\nTraceback")
    assert "sandbox_tokens.py" in notes[0] and "SyncEngine" in notes[0]


def test_cancel_reaches_the_child_and_the_run_stops_at_a_safe_point(db: Path, sb: Sandbox) -> None:
    sb.qbo_faults.set(latency=0.05)
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.phase == "push" and p.done > 0:
            cancel.set()

    summary = run_in_child(_job(db, sb), progress=progress, cancel=cancel)
    assert summary.cancelled
    sb.qbo_faults.set(latency=0)
    again = run_in_child(_job(db, sb))
    assert not again.cancelled and again.created > 0
    assert duplicates(end_state(sb.qbo_url)) == []


def test_a_child_that_does_not_stop_after_cancel_is_ended_and_says_so(db: Path, sb: Sandbox) -> None:
    sb.qbo_faults.set(latency=3.0)  # every QuickBooks call takes 3 s: the run cannot stop within the grace
    cancel = threading.Event()
    threading.Timer(1.5, cancel.set).start()
    with pytest.raises(SyncProcessDied) as caught:
        run_in_child(_job(db, sb), cancel=cancel, cancel_grace=0.3)
    assert "signal" in caught.value.what


def test_a_child_killed_mid_run_is_a_clear_error_and_the_next_run_finishes_the_job(db: Path, sb: Sandbox) -> None:
    sb.qbo_faults.set(latency=0.05)
    procs: list[Any] = []

    def progress(p: Progress) -> None:
        if p.phase == "push" and p.done > 0 and procs[0].is_alive():
            os.kill(procs[0].pid, signal.SIGKILL)

    with pytest.raises(SyncProcessDied) as caught:
        run_in_child(_job(db, sb), progress=progress, on_start=procs.append)
    err = caught.value
    assert procs[0].exitcode == -signal.SIGKILL
    assert err.what == "The sync stopped before it finished: its process was ended by signal 9."
    assert "kept and linked" in err.kept and "Run the sync again" in err.next_step
    sb.qbo_faults.set(latency=0)
    summary = run_in_child(_job(db, sb))
    assert summary.created > 0 and not summary.cancelled
    state = end_state(sb.qbo_url)
    assert duplicates(state) == []
    assert state["trust_bank"] == state["trust_liability"]


def test_the_last_progress_of_a_phase_reaches_the_parent_before_the_next_phase() -> None:
    """Progress is thinned within a phase, but where a phase got to is never dropped at the change of phase
    (the dashboard's bar once jumped from 'push 155 of 311' straight to 'done')."""
    parent, child = multiprocessing.Pipe(duplex=False)
    sender = _Sender(child, threading.Event())
    for n in range(1, 6):  # well within PROGRESS_INTERVAL: only the first is sent at once
        sender.progress(Progress("push", n * 30, 150))
    sender.progress(Progress("verify", 0, 1))
    got = []
    while parent.poll(0.5):
        got.append(pickle.loads(parent.recv_bytes())[1])
    assert [(p.phase, p.done) for p in got] == [("push", 30), ("push", 150), ("verify", 0)]


def test_the_child_keeps_a_keyed_audit_log_keyed(db: Path, sb: Sandbox, keychain_profile: str) -> None:
    """The window's database has its profile's audit key; the sync's child process signs its entries with the
    same key (an unkeyed entry in a keyed log would read as written without the key)."""
    from app.store import audit, audit_key

    store = open_store(db)
    try:
        assert audit_key.attach(store, keychain_profile) is not None
    finally:
        store.close()
    run_in_child(SyncJob(database=db, profile=keychain_profile, actor="user:tester",
                         sandbox=SandboxAddress.of(sb)))
    store = open_store(db)
    try:
        assert audit_key.attach(store) is not None  # the database names its profile
        result = audit.verify(store)
        assert result.ok and result.entries > 300, result.problem
        assert store.query("SELECT count(*) FROM audit_log WHERE hash NOT LIKE 'k1:%'")[0][0] == 0
    finally:
        store.close()
