"""The exception queue: records that could not be posted, with a reason a bookkeeper understands.

Nothing is ever deleted (a trigger refuses it); every change of state writes an audit entry in the same
transaction. A record that fails again while it is open bumps ``attempts`` instead of adding a twin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from app.errors import LedgerbridgeError
from app.logs import redact
from app.model import ExceptionItem, ExceptionStatus
from app.money import dumps_json
from app.store import audit
from app.store.db import Store, utcnow

#: statuses in which an item is still waiting for someone (or for the next run, after a retry).
WAITING = (ExceptionStatus.OPEN.value, "retry")


class ExceptionNotFound(LedgerbridgeError):
    pass


def _row(row: Any) -> ExceptionItem:
    data = dict(row)
    data["blocks"] = tuple(json.loads(data["blocks"] or "[]"))
    status = data["status"]
    data["status"] = ExceptionStatus(status) if status in ExceptionStatus._value2member_map_ else status
    return ExceptionItem(**data)


def add(
    store: Store,
    *,
    kind: str,
    clio_kind: str,
    clio_id: Any,
    reason_code: str,
    message: str,
    attempted: Any = None,
    blocks: Iterable[str] = (),
    actor: str = "sync",
) -> ExceptionItem:
    """Hold a record. If the same record is already waiting for the same reason, count another attempt."""
    attempted_text = "" if attempted is None else redact(
        attempted if isinstance(attempted, str) else dumps_json(attempted)
    )
    now = utcnow()
    with store.transaction() as conn:
        existing = conn.execute(
            "SELECT id FROM exceptions WHERE clio_kind = ? AND clio_id = ? AND reason_code = ? "
            "AND status IN (?, ?)",
            (clio_kind, str(clio_id), reason_code, *WAITING),
        ).fetchone()
        if existing:
            conn.execute(
                "UPDATE exceptions SET attempts = attempts + 1, message = ?, attempted = ?, "
                "attempted_digest = ?, blocks = ?, status = 'open', updated_at = ? WHERE id = ?",
                (
                    redact(message),
                    attempted_text,
                    audit.digest(attempted_text),
                    json.dumps(sorted(set(blocks))),
                    now,
                    existing["id"],
                ),
            )
            item_id = existing["id"]
            action = "exception.held_again"
        else:
            cur = conn.execute(
                "INSERT INTO exceptions (kind, clio_kind, clio_id, reason_code, message, attempted, "
                "attempted_digest, blocks, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    kind,
                    clio_kind,
                    str(clio_id),
                    reason_code,
                    redact(message),
                    attempted_text,
                    audit.digest(attempted_text),
                    json.dumps(sorted(set(blocks))),
                    now,
                    now,
                ),
            )
            item_id = cur.lastrowid
            action = "exception.opened"
        audit.append(
            store,
            actor=actor,
            action=action,
            clio_kind=clio_kind,
            clio_id=clio_id,
            sent=attempted_text or None,
            detail=f"#{item_id} {reason_code}: {message}",
        )
    return get(store, item_id)


def get(store: Store, item_id: int) -> ExceptionItem:
    rows = store.query("SELECT * FROM exceptions WHERE id = ?", (item_id,))
    if not rows:
        raise ExceptionNotFound(f"There is no exception #{item_id}.")
    return _row(rows[0])


def list_items(
    store: Store,
    *,
    status: str | Iterable[str] | None = WAITING,
    kind: str | None = None,
    reason_code: str | None = None,
    text: str | None = None,
    owner: str | None = None,
) -> list[ExceptionItem]:
    where, params = [], []
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        params += statuses
    for col, val in (("kind", kind), ("reason_code", reason_code), ("owner", owner)):
        if val:
            where.append(f"{col} = ?")
            params.append(val)
    if text:
        where.append("(message LIKE ? OR clio_id = ? OR kind LIKE ?)")
        params += [f"%{text}%", text, f"%{text}%"]
    sql = "SELECT * FROM exceptions" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [_row(r) for r in store.query(sql, tuple(params))]


def open_count(store: Store) -> int:
    return store.query("SELECT count(*) FROM exceptions WHERE status IN (?, ?)", WAITING)[0][0]


def waiting_for(store: Store, clio_kind: str, clio_id: Any) -> list[ExceptionItem]:
    return [
        _row(r)
        for r in store.query(
            "SELECT * FROM exceptions WHERE clio_kind = ? AND clio_id = ? AND status IN (?, ?)",
            (clio_kind, str(clio_id), *WAITING),
        )
    ]


def _transition(
    store: Store,
    item_id: int,
    *,
    status: str,
    actor: str,
    action: str,
    resolution: str = "",
    qbo_ref: str = "",
    allowed_from: tuple[str, ...] = WAITING,
) -> ExceptionItem:
    with store.transaction() as conn:
        item = get(store, item_id)
        if item.status not in allowed_from:
            raise LedgerbridgeError(
                f"Exception #{item_id} is already {item.status}.", next_step="Refresh the queue."
            )
        conn.execute(
            "UPDATE exceptions SET status = ?, resolution = ?, qbo_ref = ?, updated_at = ? WHERE id = ?",
            (status, redact(resolution) or item.resolution, qbo_ref or item.qbo_ref, utcnow(), item_id),
        )
        qbo_entity, _, qbo_id = qbo_ref.partition(":")
        audit.append(
            store,
            actor=actor,
            action=action,
            clio_kind=item.clio_kind,
            clio_id=item.clio_id,
            qbo_entity=qbo_entity,
            qbo_id=qbo_id,
            detail=f"#{item_id} {item.reason_code}" + (f": {resolution}" if resolution else ""),
        )
    return get(store, item_id)


def request_retry(store: Store, item_id: int, *, actor: str) -> ExceptionItem:
    """Mark for the next run to attempt again (the item stays in the queue until it posts)."""
    return _transition(store, item_id, status="retry", actor=actor, action="exception.retry_requested")


def post_anyway(store: Store, item_id: int, *, reason: str, actor: str) -> ExceptionItem:
    """A person decides a held record is to be posted as it is (a trust overdraft that did happen at the bank):
    the next run sends it without the check that held it. The reason is required and audited."""
    if not reason.strip():
        raise LedgerbridgeError("Posting a held record anyway needs a reason.",
                                kept=f"Exception #{item_id} is still held.",
                                next_step="Say why it is right to post it (it stays in the audit trail).")
    return _transition(store, item_id, status="retry", actor=actor, action="exception.post_anyway",
                       resolution=reason.strip())


def resolve(store: Store, item_id: int, *, actor: str = "sync", note: str = "posted") -> ExceptionItem:
    return _transition(
        store, item_id, status=ExceptionStatus.RESOLVED, actor=actor, action="exception.resolved",
        resolution=note,
    )


def resolve_for(store: Store, clio_kind: str, clio_id: Any, *, actor: str = "sync", note: str = "posted") -> int:
    """Resolve everything waiting for one record (it has now posted). Returns how many."""
    items = waiting_for(store, clio_kind, clio_id)
    for item in items:
        resolve(store, item.id, actor=actor, note=note)
    return len(items)


def link_existing(store: Store, item_id: int, *, qbo_entity: str, qbo_id: str, actor: str) -> ExceptionItem:
    """A person says this record already exists in QuickBooks: record the link, leave the queue."""
    return _transition(
        store,
        item_id,
        status=ExceptionStatus.LINKED,
        actor=actor,
        action="exception.linked",
        resolution=f"linked to existing {qbo_entity} {qbo_id}",
        qbo_ref=f"{qbo_entity}:{qbo_id}",
    )


def dismiss(store: Store, item_id: int, *, reason: str, actor: str) -> ExceptionItem:
    if not reason.strip():
        raise LedgerbridgeError(
            "A dismissal needs a written reason.", next_step="Say why this record should not be posted."
        )
    return _transition(
        store, item_id, status=ExceptionStatus.DISMISSED, actor=actor, action="exception.dismissed",
        resolution=reason.strip(),
    )


def candidates(item: ExceptionItem) -> list[dict[str, str]]:
    """What a held record can be resolved to, as its hold listed them (``[{id, label}]``; empty for most)."""
    try:
        attempted = json.loads(item.attempted) if item.attempted else None
    except ValueError:
        return []
    found = attempted.get("candidates") if isinstance(attempted, dict) else None
    return [{"id": str(c["id"]), "label": str(c.get("label") or c["id"])} for c in found or []
            if isinstance(c, dict) and c.get("id")]


def choose(store: Store, item_id: int, choice: str, *, actor: str) -> ExceptionItem:
    """A person picks one of the candidates the hold listed (the invoice an unlinked payment paid); the next
    sync posts the record by that choice, or holds it again saying why the choice no longer fits."""
    item = get(store, item_id)
    chosen = next((c for c in candidates(item) if c["id"] == choice), None)
    if chosen is None:
        raise LedgerbridgeError(f"{choice!r} is not one of the candidates of exception #{item_id}",
                                kept=f"Exception #{item_id} is still held.",
                                next_step="Choose one of the candidates the item lists.")
    with store.transaction() as conn:
        conn.execute("INSERT INTO choices (kind, record_id, choice, label, actor, chosen_at) VALUES (?,?,?,?,?,?)",
                     (item.clio_kind, item.clio_id, chosen["id"], chosen["label"], actor, utcnow()))
        return _transition(store, item_id, status="retry", actor=actor, action="exception.chosen",
                           resolution=f"chose {chosen['label']}")


def choices(store: Store, kind: str) -> dict[str, str]:
    """Record id → the latest choice made for it."""
    rows = store.query("SELECT record_id, choice FROM choices WHERE kind = ? ORDER BY id", (kind,))
    return {str(r["record_id"]): str(r["choice"]) for r in rows}


def assign(store: Store, item_id: int, *, owner: str, actor: str) -> ExceptionItem:
    with store.transaction() as conn:
        item = get(store, item_id)
        conn.execute("UPDATE exceptions SET owner = ?, updated_at = ? WHERE id = ?", (owner, utcnow(), item_id))
        audit.append(
            store, actor=actor, action="exception.assigned", clio_kind=item.clio_kind, clio_id=item.clio_id,
            detail=f"#{item_id} assigned to {owner or 'nobody'}",
        )
    return get(store, item_id)
