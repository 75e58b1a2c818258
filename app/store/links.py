"""The sync status table: which QBO object stands for which Clio record (and role), at which versions.

One row per (Clio kind, Clio id, role). ``content_hash`` is the hash of what we last sent for it, so the
planner can tell an unchanged record (no write) from an edited one (an update with the stored SyncToken).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.store.db import Store, utcnow


@dataclass(frozen=True, slots=True)
class Link:
    clio_kind: str
    clio_id: int
    role: str
    clio_etag: str
    content_hash: str
    qbo_entity: str
    qbo_id: str
    qbo_sync_token: str
    state: str  # posted | voided | deleted
    linked_at: str


Key = tuple[str, int, str]


def _link(row: Any) -> Link:
    return Link(**{k: row[k] for k in Link.__slots__})


def get(store: Store, clio_kind: str, clio_id: int, role: str = "main") -> Link | None:
    rows = store.query(
        "SELECT * FROM links WHERE clio_kind = ? AND clio_id = ? AND role = ?", (clio_kind, int(clio_id), role)
    )
    return _link(rows[0]) if rows else None


def all_links(store: Store) -> dict[Key, Link]:
    return {(r["clio_kind"], r["clio_id"], r["role"]): _link(r) for r in store.query("SELECT * FROM links")}


def for_records(store: Store, ids: Mapping[str, Iterable[int]]) -> dict[Key, Link]:
    """Every link (all roles) of the given Clio records, by kind; read a few hundred ids at a time."""
    found: dict[Key, Link] = {}
    for kind, wanted in ids.items():
        ordered = sorted(set(wanted))
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            rows = store.query(f"SELECT * FROM links WHERE clio_kind = ? AND clio_id IN ({','.join('?' * len(chunk))})",
                               (kind, *chunk))
            found.update({(r["clio_kind"], r["clio_id"], r["role"]): _link(r) for r in rows})
    return found


def posted_as_cached(store: Store, clio_kind: str, since: str = "") -> set[int]:
    """Records of a kind whose main link was posted from the very version now in the cache (same etag);
    with ``since`` (a store timestamp), only those linked at or after it."""
    rows = store.query("SELECT l.clio_id FROM links l JOIN clio_records c ON c.kind = l.clio_kind AND "
                       "c.clio_id = l.clio_id WHERE l.clio_kind = ? AND l.role = 'main' AND l.state = 'posted' "
                       "AND c.etag != '' AND l.clio_etag = c.etag AND l.linked_at >= ?", (clio_kind, since))
    return {r[0] for r in rows}


def of_entity(store: Store, qbo_entity: str) -> dict[Key, Link]:
    rows = store.query("SELECT * FROM links WHERE qbo_entity = ?", (qbo_entity,))
    return {(r["clio_kind"], r["clio_id"], r["role"]): _link(r) for r in rows}


def qbo_ids(store: Store) -> set[tuple[str, str]]:
    """Every (QBO entity, Id) some Clio record is linked to."""
    return {(r["qbo_entity"], str(r["qbo_id"])) for r in store.query("SELECT qbo_entity, qbo_id FROM links")}


def by_qbo(store: Store, qbo_entity: str, qbo_id: str) -> Link | None:
    rows = store.query("SELECT * FROM links WHERE qbo_entity = ? AND qbo_id = ?", (qbo_entity, str(qbo_id)))
    return _link(rows[0]) if rows else None


def put(
    store: Store,
    *,
    clio_kind: str,
    clio_id: int,
    role: str = "main",
    clio_etag: str = "",
    content_hash: str = "",
    qbo_entity: str,
    qbo_id: str,
    qbo_sync_token: str = "",
    state: str = "posted",
) -> Link:
    """Insert or replace one link (joins the caller's transaction)."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO links (clio_kind, clio_id, role, clio_etag, content_hash, qbo_entity, qbo_id, "
            "qbo_sync_token, state, linked_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(clio_kind, clio_id, role) DO UPDATE SET clio_etag=excluded.clio_etag, "
            "content_hash=excluded.content_hash, qbo_entity=excluded.qbo_entity, qbo_id=excluded.qbo_id, "
            "qbo_sync_token=excluded.qbo_sync_token, state=excluded.state, linked_at=excluded.linked_at",
            (clio_kind, int(clio_id), role, clio_etag, content_hash, qbo_entity, str(qbo_id),
             str(qbo_sync_token), state, utcnow()),
        )
    found = get(store, clio_kind, clio_id, role)
    assert found is not None
    return found


def set_sync_token(store: Store, qbo_entity: str, qbo_id: str, sync_token: str) -> None:
    """QuickBooks moved an object's SyncToken (e.g. a payment applied to an invoice): remember it."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE links SET qbo_sync_token = ? WHERE qbo_entity = ? AND qbo_id = ?",
            (str(sync_token), qbo_entity, str(qbo_id)),
        )


def first_of(store: Store, clio_kind: str, clio_id: Any) -> tuple[str, str] | None:
    """(QuickBooks entity, id) of a Clio record's first link in any role, or None."""
    rows = store.query("SELECT qbo_entity, qbo_id FROM links WHERE clio_kind = ? AND clio_id = ? LIMIT 1",
                       (clio_kind, clio_id))
    return (rows[0]["qbo_entity"], rows[0]["qbo_id"]) if rows else None
