"""The headless sync killed with SIGKILL at many points, then run again: no duplicate, nothing missing,
the books tie to the cent, the audit chain intact. And with 10% faults the same end state."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import (
    SandboxProcess,
    audit_ok,
    duplicates,
    end_state,
    outbox_pending,
    prepare,
    run_and_kill,
    run_to_end,
)

# (QBO requests seen before the kill, seconds after that): 0 s kills as the request is in flight, which
# with the sandbox's latency means the server commits after the client is gone (answer lost).
# Each point counts from the start of its run, so every run gets a little further before it is killed.
QUICK = [(1, 0.0), (2, 0.02), (3, 0.0), (3, 0.05), (4, 0.0)]
FULL = [(n, d) for n in (1, 2, 3, 4) for d in (0.0, 0.01, 0.03, 0.05, 0.08)]


# The firm's QuickBooks already holds its books before this cutover (Clio's connector, a person's leftovers):
# a kill during the first sync's linking must leave no duplicate either.
EXISTING = "2026-07-01"


@pytest.fixture(scope="module", params=["", EXISTING], ids=["new-books", "existing-books"])
def books(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, books: str) -> dict:
    """The end state of one uninterrupted sync of the same firm."""
    return reference_state(tmp_path_factory.mktemp("ref"), books)


def reference_state(tmp: Path, books: str = "", source: str = "clio") -> dict:
    """The end state of one uninterrupted sync of the firm."""
    sb = SandboxProcess(existing_books=books, source=source)
    try:
        db = tmp / "firm.sqlite3"
        prepare(db, sb.clio_url, sb.qbo_url, books, sb.smokeball_url, (sb.mycase_url, sb.mycase_ledger))
        run_to_end(sb, db)
        return end_state(sb.qbo_url)
    finally:
        sb.stop()


def killed_then_finished(tmp: Path, points: list[tuple[int, float]], reference: dict, books: str = "",
                         source: str = "clio") -> None:
    """Kill a sync at every point. When a run finishes before its kill (the firm is all posted), check
    that firm's end state and go on with a fresh firm, so every point really interrupts a sync."""
    remaining = list(points)
    killed = 0
    for attempt in range(6):
        sb = SandboxProcess(existing_books=books, source=source)
        try:
            db = tmp / f"firm-{attempt}.sqlite3"
            prepare(db, sb.clio_url, sb.qbo_url, books, sb.smokeball_url, (sb.mycase_url, sb.mycase_ledger))
            sb.faults(latency=0.03)
            while remaining and run_and_kill(sb, db, *remaining[0]):
                remaining.pop(0)
                killed += 1
            sb.faults(latency=0)
            run_to_end(sb, db)
            run_to_end(sb, db)
            state = end_state(sb.qbo_url)
            assert duplicates(state) == []
            assert state == reference  # nothing missing, nothing extra, every amount and balance the same
            assert state["trust_bank"] == state["trust_liability"]
            assert outbox_pending(db) == 0
            assert audit_ok(db)
        finally:
            sb.stop()
        if not remaining:
            break
    assert killed == len(points), f"only {killed} of {len(points)} kill points interrupted a running sync"


# On existing books a run's first requests read QuickBooks (the change list, the preferences) before its first
# write: later points kill it while it links what QuickBooks has and creates the rest.
LINKING = [(5, 0.0), (6, 0.01), (7, 0.0)]


def test_sigkill_at_several_points_then_rerun(tmp_path: Path, reference: dict, books: str) -> None:
    killed_then_finished(tmp_path, QUICK + (LINKING if books else []), reference, books)


@pytest.mark.slow
def test_sigkill_at_twenty_points_then_rerun(tmp_path: Path, reference: dict, books: str) -> None:
    killed_then_finished(tmp_path, FULL, reference, books)


def test_ten_percent_faults_reach_the_same_end_state(tmp_path: Path, reference: dict, books: str) -> None:
    faulted_then_finished(tmp_path, reference, books)


def faulted_then_finished(tmp: Path, reference: dict, books: str = "", source: str = "clio") -> None:
    """10% of QuickBooks' requests fail, are dropped (before or after they commit) or throttled, and a tenth of
    the practice-management system's fail or are throttled: the runs that follow reach the same end state."""
    sb = SandboxProcess(existing_books=books, source=source)
    try:
        db = tmp / "firm.sqlite3"
        prepare(db, sb.clio_url, sb.qbo_url, books, sb.smokeball_url, (sb.mycase_url, sb.mycase_ledger))
        sb.faults(error_rate=0.1, drop_rate=0.05, drop_after_commit_rate=0.05, throttle_rate=0.1, seed=11)
        if source != "clio":
            sb.source_faults(error_rate=0.1, throttle_rate=0.1, seed=5)
        for _ in range(4):
            run_to_end(sb, db)
            if outbox_pending(db) == 0:
                break
        sb.faults(clear=True)
        if source != "clio":
            sb.source_faults(clear=True)
        run_to_end(sb, db)
        state = end_state(sb.qbo_url)
        assert duplicates(state) == [] and state == reference
        assert audit_ok(db)
    finally:
        sb.stop()
