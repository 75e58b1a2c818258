"""The run record: one row per sync run, whoever started it (the window, its timer, the command line, a
scheduler), kept as a history. The dashboard, ``ledgerbridge health`` and the reconciliation's QuickBooks
balance read the last one, so a run started outside the window is seen there too.

A run is recorded when it ends (with its result: ok, held, attention, cancelled or failed); a dry run is kept
in the history but is never "the last sync", unless it failed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from app.errors import LedgerbridgeError
from app.logs import redact
from app.model import AuditEntry
from app.store import audit
from app.store.db import Store, utcnow

log = logging.getLogger("ledgerbridge.sync")

OK, HELD, ATTENTION, CANCELLED, FAILED = "ok", "held", "attention", "cancelled", "failed"
# SyncSummary's counts a record keeps (plain ints), in the order the dashboard shows them.
COUNTS = ("created", "updated", "voided", "linked", "held", "skipped", "requests_clio", "requests_qbo")


@dataclass(frozen=True)
class RunRecord:
    started: str
    finished: str
    trigger: str  # "window", "timer", "command line", "schedule", ...
    actor: str
    result: str
    dry_run: bool = False
    counts: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    # The verify step's balances per trust account: {"name", "bank", "liability", "ledgers"} as strings.
    tie_out: list[dict[str, str]] = field(default_factory=list)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The record as the dashboard and scripts read it (the shape ``ui.last_sync`` had)."""
        return {"started": self.started, "finished": self.finished, "result": self.result,
                "trigger": self.trigger, "actor": self.actor, "dry_run": self.dry_run,
                "counts": dict(self.counts), "message": self.message, "tie_out": list(self.tie_out)}


def counts_of(summary: Any) -> dict[str, Any]:
    """The counts of a SyncSummary as plain JSON values."""
    out: dict[str, Any] = {}
    for name in COUNTS:
        value = getattr(summary, name, None)
        if value is not None:
            out[name] = value if isinstance(value, int) else len(value) if hasattr(value, "__len__") else value
    seconds = getattr(summary, "seconds", None)
    if seconds is not None:
        out["seconds"] = round(float(seconds), 1)
    return out


def account_ties(tie: dict[str, str]) -> bool:
    """One trust account of a run's tie-out: bank, trust liability and client ledgers are the same amount
    (compared as amounts: the record keeps them as text)."""
    return Decimal(tie["bank"]) == Decimal(tie["liability"]) == Decimal(tie["ledgers"])


def ties(run: RunRecord) -> bool | None:
    """Whether every trust account tied at ``run`` (None when it read no tie-out)."""
    return all(account_ties(t) for t in run.tie_out) if run.tie_out else None


def tie_out_of(summary: Any) -> list[dict[str, str]]:
    """The verify step's trust balances (``SyncSummary.trust``: one TrustTie per trust account)."""
    return [{"name": t.name, "bank": str(t.qbo_bank), "liability": str(t.qbo_liability),
             "ledgers": str(t.clio_ledgers)} for t in getattr(summary, "trust", None) or []]


def from_summary(summary: Any, *, started: str, trigger: str, actor: str, cancelled: bool = False) -> RunRecord:
    """The record of a run that returned a summary: ok, held (records wait in the queue), attention
    (something else needs a look: a trust account that does not tie, a mapping problem), or cancelled."""
    counts = counts_of(summary)
    ok = bool(getattr(summary, "ok", not counts.get("held")))
    if cancelled or getattr(summary, "cancelled", False):
        result = CANCELLED
    else:
        result = OK if ok else HELD if counts.get("held") else ATTENTION
    lines = summary.lines() if hasattr(summary, "lines") else []
    message = "" if ok else " ".join(lines[1:-1])  # the first and last lines are the counts shown anyway
    return RunRecord(started, utcnow(), trigger, actor, result, bool(getattr(summary, "dry_run", False)), counts,
                     message, tie_out_of(summary))


def record(store: Store, run: RunRecord) -> RunRecord:
    """Keep ``run`` in the history. A run without its own tie-out (failed, cancelled) carries the last one
    on, so the dashboard still shows the balances the last verify step read."""
    tie_out = run.tie_out
    if not tie_out:
        previous = last(store)
        tie_out = previous.tie_out if previous else []
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO sync_runs (started, finished, trigger, actor, result, dry_run, counts, message, tie_out) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run.started, run.finished, run.trigger, run.actor, run.result, int(run.dry_run),
             json.dumps(run.counts, sort_keys=True), run.message, json.dumps(tie_out)),
        )
    return replace(run, tie_out=tie_out, id=cur.lastrowid)


def record_safely(store: Store, run: RunRecord) -> RunRecord | None:
    """``record``, but a failure to keep the record (a full disk, a locked file) is logged, never raised:
    it must not hide the run's own outcome or error."""
    try:
        return record(store, run)
    except Exception:  # noqa: BLE001 - the run's result matters more than its history entry
        log.exception("The run could not be added to the sync history")
        return None


def record_failure(store: Store, exc: BaseException, *, started: str, trigger: str, actor: str,
                   dry_run: bool = False, cancelled: bool = False) -> RunRecord | None:
    """The record of a run that ended with ``exc`` (or was cancelled): the error's sentences for a
    LedgerbridgeError, its type and redacted text for anything else."""
    if cancelled:
        result, message = CANCELLED, ""
    elif isinstance(exc, LedgerbridgeError):
        result, message = FAILED, str(exc)
    else:
        result, message = FAILED, redact(f"{type(exc).__name__}: {exc}")
    return record_safely(store, RunRecord(started, utcnow(), trigger, actor, result, dry_run, message=message))


def latest_id(store: Store) -> int:
    """The id of the newest run (0 when there is none): a caller that runs the sync elsewhere (a child
    process) sees from it whether that run left its record."""
    rows = store.query("SELECT max(id) AS id FROM sync_runs")
    return int(rows[0]["id"] or 0)


def _row(r: Any) -> RunRecord:
    return RunRecord(r["started"], r["finished"], r["trigger"], r["actor"], r["result"], bool(r["dry_run"]),
                     json.loads(r["counts"]), r["message"], json.loads(r["tie_out"]), r["id"])


def last(store: Store) -> RunRecord | None:
    """The last sync: the latest run that was not a dry run, or a dry run that failed."""
    rows = store.query(f"SELECT * FROM sync_runs WHERE dry_run = 0 OR result = '{FAILED}' ORDER BY id DESC LIMIT 1")
    return _row(rows[0]) if rows else None


def history(store: Store, limit: int = 100) -> list[RunRecord]:
    """The latest ``limit`` runs, newest first, dry runs included."""
    return [_row(r) for r in store.query("SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?", (limit,))]


def get(store: Store, run_id: int) -> RunRecord | None:
    rows = store.query("SELECT * FROM sync_runs WHERE id = ?", (run_id,))
    return _row(rows[0]) if rows else None


def describe(run: RunRecord) -> str:
    """One line for a person: when, what started it, how it ended, the counts, and the tie-out."""
    c = run.counts
    counts = ", ".join(f"{name.replace('requests_', 'requests to ')} {c[name]}" for name in COUNTS
                       if c.get(name)) or "nothing written"
    trust = "; ".join(f"{t['name']} {'ties' if account_ties(t) else 'does NOT tie'}" for t in run.tie_out)
    text = (f"#{run.id} {run.started} to {run.finished} ({run.trigger}, {run.actor}"
            f"{', dry run' if run.dry_run else ''}): {run.result}; {counts}")
    text += f"; trust: {trust}" if trust else ""
    return text + (f". {run.message}" if run.message else "")


def audit_entries(store: Store, run: RunRecord) -> list[AuditEntry]:
    """What the run wrote to the audit log: its actor's entries between its start and its end."""
    return audit.written_by(store, run.actor, run.started, run.finished)
