"""The run record: every run kept, the last one read by whoever asks, old settings migrated."""

from __future__ import annotations

import json
import sqlite3

from app.errors import LedgerbridgeError
from app.store import open_store
from app.store.migrations import migrate
from app.sync import runs

from .conftest import Rig


def test_each_engine_run_is_kept_with_its_trigger_counts_and_tie_out(rig: Rig) -> None:
    rig.map_defaults()
    rig.engine.trigger = "schedule"
    first = rig.engine.run()
    second = rig.engine.run(dry_run=True)
    history = runs.history(rig.store)[:2]  # map_defaults ran a dry run before these two
    assert [r.dry_run for r in history] == [True, False]  # newest first, the dry run kept too
    last = runs.last(rig.store)
    assert last is not None and last.id == history[1].id  # a dry run is never "the last sync"
    assert last.trigger == "schedule" and last.actor == rig.engine.actor
    assert last.counts["created"] == first.created > 0 and last.counts["held"] == first.held
    assert [t["name"] for t in last.tie_out] == [t.name for t in first.trust]
    assert last.result == ("ok" if first.ok else "held" if first.held else "attention")
    assert second.dry_run and history[0].result in ("ok", "held", "attention")


def test_a_failed_run_is_kept_with_what_went_wrong_and_the_last_tie_out(rig: Rig) -> None:
    rig.map_defaults()
    rig.engine.run()
    before = runs.last(rig.store)
    assert before is not None

    def refuse(*_a, **_k):
        raise LedgerbridgeError("QuickBooks refused the sign-in.", next_step="Connect QuickBooks again.")

    rig.engine.qbo.query = refuse  # the seam: a refused token mid-run
    try:
        rig.engine.run(full=True)
    except LedgerbridgeError:
        pass
    failed = runs.last(rig.store)
    assert failed is not None and failed.result == "failed"
    assert "refused the sign-in" in failed.message and "Connect QuickBooks again" in failed.message
    assert failed.tie_out == before.tie_out  # the balances the last verify read are carried on


def test_the_windows_last_sync_setting_becomes_the_first_entry_of_the_history(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    migrate(conn, target=5)
    old = {"started": "2026-11-30T10:00:00Z", "finished": "2026-11-30T10:01:00Z", "result": "held",
           "trigger": "timer", "dry_run": False, "counts": {"created": 4, "held": 1}, "message": "1 held",
           "tie_out": [{"name": "IOLTA", "bank": "10.00", "liability": "10.00", "ledgers": "10.00"}]}
    conn.execute("INSERT INTO settings (key, value) VALUES ('ui.last_sync', ?)", (json.dumps(old),))
    conn.execute("INSERT INTO settings (key, value) VALUES ('sync.last_run', '{}')")
    conn.commit()
    conn.close()
    store = open_store(path)
    try:
        [run] = runs.history(store)
        assert run.as_dict() == {**old, "actor": ""}
        assert not store.query("SELECT 1 FROM settings WHERE key IN ('ui.last_sync', 'sync.last_run')")
    finally:
        store.close()


def test_a_tie_out_is_compared_as_amounts_not_as_text():
    from app.sync.runs import RunRecord, account_ties, ties

    assert account_ties({"name": "IOLTA", "bank": "100.00", "liability": "100", "ledgers": "100.0"})
    assert not account_ties({"name": "IOLTA", "bank": "100.00", "liability": "100.00", "ledgers": "99.99"})
    assert ties(RunRecord("a", "b", "window", "sync", "ok")) is None  # no tie-out read
