"""One sync of a firm at a time, across processes; a killed run's lock is recovered by the system."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from app.store import open_store
from app.sync.engine import SyncEngine
from app.sync.lock import SyncBusy, lock_path, sync_lock

HOLD = textwrap.dedent("""
    import sys, time
    from app.sync.lock import sync_lock
    with sync_lock(sys.argv[1], trigger="schedule"):
        print("held", flush=True)
        time.sleep(60)
""")


def _holder(db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[3])
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_a_second_sync_of_the_firm_refuses_and_says_who_runs(tmp_path: Path) -> None:
    db = tmp_path / "firm.sqlite3"
    holder = _holder(db)
    try:
        with pytest.raises(SyncBusy) as busy, sync_lock(db, trigger="command line"):
            pass
        text = str(busy.value)
        assert "started by schedule" in text and f"process {holder.pid}" in text
        assert "nothing was changed" in text
    finally:
        _stop(holder)


def test_a_killed_runs_lock_is_recovered_at_once(tmp_path: Path) -> None:
    db = tmp_path / "firm.sqlite3"
    holder = _holder(db)
    os.kill(holder.pid, signal.SIGKILL)
    _stop(holder)
    assert lock_path(db).exists()  # the file stays; the lock went with the process
    with sync_lock(db, trigger="command line"):
        pass


def test_a_run_that_may_wait_starts_when_the_other_ends(tmp_path: Path) -> None:
    db = tmp_path / "firm.sqlite3"
    inside = threading.Event()
    release = threading.Event()

    def first() -> None:
        with sync_lock(db, trigger="window"):
            inside.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(5)
    got = []
    second = threading.Thread(target=lambda: got.append(sync_lock(db, trigger="timer", wait_seconds=10).__enter__()))
    second.start()
    second.join(0.3)
    assert not got  # still waiting for the first
    release.set()
    t.join(5)
    second.join(10)
    assert got == [None]


def test_the_engine_refuses_a_second_run_of_the_same_database(tmp_path: Path) -> None:
    db = tmp_path / "firm.sqlite3"
    store = open_store(db)
    holder = _holder(db)
    try:
        engine = SyncEngine(store, clio=None, qbo=None, trigger="command line")  # type: ignore[arg-type]
        with pytest.raises(SyncBusy):
            engine.run()  # refused before it touches either service
        from app.sync import runs

        last = runs.history(store, 1)[0]
        assert last.result == "failed" and "Another sync of this firm is running" in last.message
    finally:
        _stop(holder)
        store.close()
