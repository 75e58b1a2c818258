"""The local cache of both sides: Clio records as pulled (raw JSON plus filter columns), QBO records as seen.

The pull writes here after each page; the planner and the reconciliation read from here. A record whose
etag has not changed is left as it is, so the overlap of an incremental pull costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from app.money import dumps_json, loads_json
from app.store.db import Store, utcnow


def _ref_id(value: Any) -> int | None:
    if isinstance(value, dict) and value.get("id") is not None:
        return int(value["id"])
    return None


def parent_id(raw: dict[str, Any]) -> int | None:
    """The record a Clio record belongs to (a bill line's bill), as the cache files it."""
    return raw.get("bill_id") or _ref_id(raw.get("bill")) or _ref_id(raw.get("parent"))


def _columns(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The filter columns of one record, read from its raw JSON (absent fields stay NULL)."""
    matters = raw.get("matters") or []
    first_matter = _ref_id(matters[0]) if matters else None
    amount = raw.get("total", raw.get("amount"))
    if kind == "bank_transactions":
        funds_in, funds_out = raw.get("funds_in") or 0, raw.get("funds_out") or 0
        amount = f"{funds_in}-{funds_out}"
    return {
        "parent_id": parent_id(raw),
        "client_id": _ref_id(raw.get("client")) or _ref_id(raw.get("contact")),
        "matter_id": raw.get("matter_id") or _ref_id(raw.get("matter")) or first_matter,
        "bank_account_id": _ref_id(raw.get("bank_account")) or _ref_id(raw.get("source_bank_account")),
        "number": None if raw.get("number") is None else str(raw.get("number")),
        "state": raw.get("state") or raw.get("status") or raw.get("type"),
        "date": raw.get("date") or raw.get("issued_at"),
        "amount": None if amount is None else str(amount),
    }


def put_clio(store: Store, kind: str, records: Iterable[dict[str, Any]]) -> int:
    """Store a page of Clio records; return how many were new or changed (by etag)."""
    changed = 0
    now = utcnow()
    with store.transaction() as conn:
        for raw in records:
            clio_id = int(raw["id"])
            etag = str(raw.get("etag") or "")
            row = conn.execute(
                "SELECT etag FROM clio_records WHERE kind = ? AND clio_id = ?", (kind, clio_id)
            ).fetchone()
            if row is not None and row["etag"] == etag and etag:
                continue
            cols = _columns(kind, raw)
            conn.execute(
                "INSERT INTO clio_records (kind, clio_id, etag, updated_at, parent_id, client_id, matter_id, "
                "bank_account_id, number, state, date, amount, raw, pulled_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(kind, clio_id) DO UPDATE SET "
                "etag=excluded.etag, updated_at=excluded.updated_at, parent_id=excluded.parent_id, "
                "client_id=excluded.client_id, matter_id=excluded.matter_id, "
                "bank_account_id=excluded.bank_account_id, number=excluded.number, state=excluded.state, "
                "date=excluded.date, amount=excluded.amount, raw=excluded.raw, pulled_at=excluded.pulled_at",
                (
                    kind, clio_id, etag, str(raw.get("updated_at") or ""), cols["parent_id"],
                    cols["client_id"], cols["matter_id"], cols["bank_account_id"], cols["number"],
                    cols["state"], cols["date"], cols["amount"], dumps_json(raw), now,
                ),
            )
            changed += 1
    return changed


def iter_clio(store: Store, kind: str) -> Iterator[dict[str, Any]]:
    """Every cached record of one kind, raw, in id order."""
    for row in store.query("SELECT raw FROM clio_records WHERE kind = ? ORDER BY clio_id", (kind,)):
        yield loads_json(row["raw"])


def iter_clio_ids(store: Store, kind: str, ids: Iterable[int], *, by_parent: bool = False) -> Iterator[dict[str, Any]]:
    """The cached records of one kind with the given ids (or, ``by_parent``, whose parent is one of them:
    a bill's lines), read a few hundred at a time so a large set never sits in memory twice."""
    column = "parent_id" if by_parent else "clio_id"
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.query(f"SELECT raw FROM clio_records WHERE kind = ? AND {column} IN ({marks}) "
                               "ORDER BY clio_id", (kind, *chunk)):
            yield loads_json(row["raw"])


def get_clio(store: Store, kind: str, clio_id: int) -> dict[str, Any] | None:
    rows = store.query("SELECT raw FROM clio_records WHERE kind = ? AND clio_id = ?", (kind, int(clio_id)))
    return loads_json(rows[0]["raw"]) if rows else None


def count_clio(store: Store, kind: str) -> int:
    return store.query("SELECT count(*) FROM clio_records WHERE kind = ?", (kind,))[0][0]


def put_qbo(store: Store, entity: str, body: dict[str, Any], *, deleted: bool = False) -> None:
    """Remember the latest QBO version of an object we read or wrote (joins the caller's transaction)."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO qbo_records (entity, qbo_id, sync_token, raw, seen_at, deleted) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(entity, qbo_id) DO UPDATE SET sync_token=excluded.sync_token, raw=excluded.raw, "
            "seen_at=excluded.seen_at, deleted=excluded.deleted",
            (entity, str(body["Id"]), str(body.get("SyncToken", "")), dumps_json(body), utcnow(), int(deleted)),
        )


def get_qbo(store: Store, entity: str, qbo_id: str) -> dict[str, Any] | None:
    rows = store.query("SELECT raw, deleted FROM qbo_records WHERE entity = ? AND qbo_id = ?", (entity, str(qbo_id)))
    if not rows:
        return None
    body = loads_json(rows[0]["raw"])
    if rows[0]["deleted"]:
        body["status"] = "Deleted"
    return body


def iter_qbo(store: Store, entity: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
    sql = "SELECT raw FROM qbo_records WHERE entity = ?" + ("" if include_deleted else " AND deleted = 0")
    for row in store.query(sql + " ORDER BY CAST(qbo_id AS INTEGER)", (entity,)):
        yield loads_json(row["raw"])


def iter_qbo_not_marked(store: Store, entity: str, marker: str) -> Iterator[dict[str, Any]]:
    """Live cached QBO objects of ``entity`` whose text does not carry ``marker``: what QuickBooks held before
    us or someone else wrote (the filter runs in SQLite, so a firm's own postings are never parsed)."""
    sql = "SELECT raw FROM qbo_records WHERE entity = ? AND deleted = 0 AND instr(raw, ?) = 0"
    for row in store.query(sql + " ORDER BY CAST(qbo_id AS INTEGER)", (entity, marker)):
        yield loads_json(row["raw"])


# --- what the screens look up in the cache (names for rows, both sides' stored versions) ---------------


def client_and_matter_names(store: Store) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, Clio id) → (client name, matter number) for every cached contact and matter, in two queries."""
    contacts = {r["clio_id"]: r["name"] or "" for r in store.query(
        "SELECT clio_id, json_extract(raw, '$.name') AS name FROM clio_records WHERE kind = 'contacts'")}
    out: dict[tuple[str, str], tuple[str, str]] = {("contacts", str(k)): (v, "") for k, v in contacts.items()}
    for m in store.query("SELECT clio_id, client_id, coalesce(number, json_extract(raw, '$.display_number')) "
                         "AS number FROM clio_records WHERE kind = 'matters'"):
        out[("matters", str(m["clio_id"]))] = (contacts.get(m["client_id"], ""), m["number"] or "")
    return out


def contact_name(store: Store, clio_id: Any) -> str:
    if clio_id is None:
        return ""
    rows = store.query("SELECT json_extract(raw, '$.name') AS name FROM clio_records "
                       "WHERE kind = 'contacts' AND clio_id = ?", (clio_id,))
    return (rows[0]["name"] or "") if rows else ""


def owner_of(store: Store, kind: str, clio_id: Any) -> tuple[int | None, int | None] | None:
    """(client id, matter id) a cached record names, or None when it is not cached."""
    rows = store.query("SELECT client_id, matter_id FROM clio_records WHERE kind = ? AND clio_id = ?",
                       (kind, clio_id))
    return (rows[0]["client_id"], rows[0]["matter_id"]) if rows else None


def clio_text(store: Store, kind: str, clio_id: Any) -> str:
    """A cached Clio record as stored (its JSON text), or '' when it is not cached."""
    rows = store.query("SELECT raw FROM clio_records WHERE kind = ? AND clio_id = ?", (kind, clio_id))
    return rows[0]["raw"] if rows else ""


def qbo_text(store: Store, entity: str, qbo_id: str) -> str | None:
    rows = store.query("SELECT raw FROM qbo_records WHERE entity = ? AND qbo_id = ?", (entity, qbo_id))
    return rows[0]["raw"] if rows else None


def bill_id_by_number(store: Store, number: str) -> int | None:
    rows = store.query("SELECT clio_id FROM clio_records WHERE kind = 'bills' AND number = ?", (number,))
    return int(rows[0]["clio_id"]) if rows else None


def trust_account_names(store: Store) -> list[str]:
    """The cached Clio trust bank accounts' names, in Clio's order."""
    return [r["name"] for r in store.query(
        "SELECT json_extract(raw, '$.name') AS name, json_extract(raw, '$.type') AS type "
        "FROM clio_records WHERE kind = 'bank_accounts' ORDER BY clio_id") if (r["type"] or "") == "Trust" and r["name"]]
