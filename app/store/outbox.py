"""The outbox: every write's intent, saved with its deterministic requestid BEFORE it is sent.

A run killed after the write reached QuickBooks but before the answer was stored leaves a ``pending``
row; the next run sends it again with the same requestid (QuickBooks answers with the first result
instead of writing twice), or finds the object by its DocNumber/marker when that cache is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.money import dumps_json, loads_json
from app.store.db import Store, utcnow

PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    request_id: str
    clio_kind: str
    clio_id: int
    role: str
    operation: str
    qbo_entity: str
    payload: dict[str, Any]
    status: str
    attempts: int
    qbo_id: str | None
    error: str | None
    batch_id: str | None = None


def _row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row["id"], request_id=row["request_id"], clio_kind=row["clio_kind"], clio_id=row["clio_id"],
        role=row["role"], operation=row["operation"], qbo_entity=row["qbo_entity"],
        payload=loads_json(row["payload"]), status=row["status"], attempts=row["attempts"],
        qbo_id=row["qbo_id"], error=row["error"], batch_id=row["batch_id"],
    )


def record(
    store: Store,
    *,
    request_id: str,
    clio_kind: str,
    clio_id: int,
    role: str,
    operation: str,
    qbo_entity: str,
    payload: dict[str, Any],
) -> OutboxRow:
    """Write the intent (idempotent: the same requestid keeps its first row, which may be done already)."""
    [row] = record_many(store, [{"request_id": request_id, "clio_kind": clio_kind, "clio_id": clio_id, "role": role,
                                 "operation": operation, "qbo_entity": qbo_entity, "payload": payload}])
    return row


def record_many(store: Store, rows: list[dict[str, Any]]) -> list[OutboxRow]:
    """:func:`record` for many rows in one transaction, in their order (a few statements, not two per row:
    each statement lets other threads take the interpreter, and a busy planner makes each one wait)."""
    now = utcnow()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO outbox (request_id, clio_kind, clio_id, role, operation, qbo_entity, payload, created_at) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(request_id) DO NOTHING",
            [(r["request_id"], r["clio_kind"], int(r["clio_id"]), r["role"], r["operation"], r["qbo_entity"],
              dumps_json(r["payload"]), now) for r in rows],
        )
        found: dict[str, OutboxRow] = {}
        wanted = [r["request_id"] for r in rows]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for row in conn.execute(f"SELECT * FROM outbox WHERE request_id IN ({','.join('?' * len(chunk))})",
                                    chunk):
                found[row["request_id"]] = _row(row)
    return [found[rid] for rid in wanted]


def mark_attempt(store: Store, request_ids: list[str], *, batch_id: str | None = None) -> None:
    """Count an attempt just before sending, so a restart knows the request may have reached QuickBooks.

    ``batch_id`` records the batch the rows go in, so that a restart re-sends exactly that batch."""
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, sent_at = ?, batch_id = COALESCE(?, batch_id) "
            "WHERE request_id = ?",
            [(utcnow(), batch_id, rid) for rid in request_ids],
        )


def mark_done(store: Store, request_id: str, *, qbo_id: str, response: Any = None) -> None:
    """Settle a row as posted; ``response`` is kept when QuickBooks' answer is not kept elsewhere."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET status = ?, qbo_id = ?, response = ?, error = NULL WHERE request_id = ?",
            (DONE, str(qbo_id), None if response is None else dumps_json(response), request_id),
        )


def mark_failed(store: Store, request_id: str, *, error: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE outbox SET status = ?, error = ? WHERE request_id = ?", (FAILED, error, request_id))


def pending(store: Store) -> list[OutboxRow]:
    return [_row(r) for r in store.query("SELECT * FROM outbox WHERE status = ? ORDER BY id", (PENDING,))]


def batch_rows(store: Store, batch_id: str) -> list[OutboxRow]:
    """Every row of one batch, in the order it was sent (pending or not)."""
    return [_row(r) for r in store.query("SELECT * FROM outbox WHERE batch_id = ? ORDER BY id", (batch_id,))]


def get(store: Store, request_id: str) -> OutboxRow | None:
    rows = store.query("SELECT * FROM outbox WHERE request_id = ?", (request_id,))
    return _row(rows[0]) if rows else None


def counts(store: Store) -> dict[str, int]:
    return {r["status"]: r["n"] for r in store.query("SELECT status, count(*) AS n FROM outbox GROUP BY status")}
