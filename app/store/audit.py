"""The append-only audit log with a hash chain.

Each entry's hash covers its own fields and the previous entry's hash; ``audit_head`` records the last
one. :func:`verify` walks the chain and names the first entry that was edited, deleted or reordered, and
notices entries cut off the end. SQLite triggers refuse UPDATE and DELETE as a first line of defence; the
chain is what proves it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from app.logs import redact
from app.model import AuditEntry
from app.money import dumps_json
from app.store.db import Store, utcnow

GENESIS = "0" * 64
_FIELDS = (
    "seq",
    "ts",
    "actor",
    "action",
    "clio_kind",
    "clio_id",
    "clio_version",
    "qbo_entity",
    "qbo_id",
    "qbo_version",
    "request_id",
    "sent_digest",
    "received_digest",
    "detail",
)


def digest(payload: Any) -> str:
    """A stable SHA-256 of a JSON-able payload (or of text/bytes as given)."""
    if payload is None or payload == "":
        return ""
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = dumps_json(payload).encode()
    return hashlib.sha256(data).hexdigest()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = dumps_json({k: str(fields.get(k, "")) for k in _FIELDS})
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def append(
    store: Store,
    *,
    actor: str,
    action: str,
    clio_kind: str = "",
    clio_id: Any = "",
    clio_version: str = "",
    qbo_entity: str = "",
    qbo_id: Any = "",
    qbo_version: Any = "",
    request_id: str = "",
    sent: Any = None,
    received: Any = None,
    detail: str = "",
) -> AuditEntry:
    """Append one entry; joins the caller's transaction if there is one."""
    with store.transaction() as conn:
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        seq, prev = (head["seq"] + 1, head["hash"]) if head else (1, GENESIS)
        fields: dict[str, Any] = {
            "seq": seq,
            "ts": utcnow(),
            "actor": actor,
            "action": action,
            "clio_kind": clio_kind,
            "clio_id": "" if clio_id is None else str(clio_id),
            "clio_version": clio_version or "",
            "qbo_entity": qbo_entity,
            "qbo_id": "" if qbo_id is None else str(qbo_id),
            "qbo_version": "" if qbo_version is None else str(qbo_version),
            "request_id": request_id,
            "sent_digest": digest(sent),
            "received_digest": digest(received),
            "detail": redact(detail),
        }
        h = entry_hash(prev, fields)
        cols = ", ".join(fields) + ", prev_hash, hash"
        marks = ", ".join("?" for _ in range(len(fields) + 2))
        conn.execute(f"INSERT INTO audit_log ({cols}) VALUES ({marks})", [*fields.values(), prev, h])
        conn.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            (seq, h),
        )
    return AuditEntry(**fields, prev_hash=prev, hash=h)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""


def head(store: Store) -> str:
    """The hash of the last entry: a reviewer who keeps it can later show the log still extends it."""
    rows = store.query("SELECT hash FROM audit_head WHERE id = 1")
    return str(rows[0]["hash"]) if rows else GENESIS


def verify(store: Store) -> VerifyResult:
    """Walk the chain from the start; report the first entry that does not fit."""
    rows = store.query("SELECT * FROM audit_log ORDER BY rowid")
    prev = GENESIS
    expected_seq = 1
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            problem = (
                f"entry {expected_seq} is missing" if seq > expected_seq else f"entry {seq} is out of order"
            )
            return VerifyResult(False, len(rows), expected_seq, problem)
        if row["prev_hash"] != prev:
            return VerifyResult(False, len(rows), seq, f"entry {seq} does not follow entry {seq - 1}")
        if entry_hash(prev, dict(row)) != row["hash"]:
            return VerifyResult(False, len(rows), seq, f"entry {seq} was changed after it was written")
        prev = row["hash"]
        expected_seq += 1
    head = store.query("SELECT seq, hash FROM audit_head WHERE id = 1")
    last_seq = expected_seq - 1
    if head:
        if head[0]["seq"] != last_seq or head[0]["hash"] != prev:
            return VerifyResult(
                False, len(rows), last_seq + 1, f"entries after {last_seq} were removed (the log ended early)"
            )
    elif rows:
        return VerifyResult(False, len(rows), 1, "the record of the chain's last entry is missing")
    return VerifyResult(True, len(rows))


def _row_to_entry(row: Any) -> AuditEntry:
    return AuditEntry(**{k: row[k] for k in (*_FIELDS, "prev_hash", "hash")})


def history(
    store: Store,
    *,
    clio_kind: str | None = None,
    clio_id: Any = None,
    qbo_entity: str | None = None,
    qbo_id: Any = None,
    request_id: str | None = None,
    text: str | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    """Entries matching every given filter, oldest first."""
    where: list[str] = []
    params: list[Any] = []
    for col, val in (
        ("clio_kind", clio_kind),
        ("clio_id", clio_id),
        ("qbo_entity", qbo_entity),
        ("qbo_id", qbo_id),
        ("request_id", request_id),
    ):
        if val not in (None, ""):
            where.append(f"{col} = ?")
            params.append(str(val))
    if text:
        where.append("(detail LIKE ? OR action LIKE ? OR clio_id = ? OR qbo_id = ?)")
        params += [f"%{text}%", f"%{text}%", text, text]
    sql = "SELECT * FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq LIMIT ?"
    params.append(limit)
    return [_row_to_entry(r) for r in store.query(sql, tuple(params))]


def _like_pattern(text: str) -> str:
    """``text`` as a LIKE substring pattern, with LIKE's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The Clio records of the clients whose name contains the search text, as (kind, id) pairs the audit log
# names: the contact itself, whatever the cache holds with that client (matters, bills, credit memos,
# trust transactions, allocations), and the parent payment of each allocation, which is what a payment's
# audit entries are about. Each step is an index lookup (clio_records_client, audit_clio_id, migration 4);
# only the contacts' names are read from their JSON.
_CLIENT_REFS = """
    WITH clients(id) AS (
        SELECT clio_id FROM clio_records
        WHERE kind = 'contacts' AND json_extract(raw, '$.name') LIKE :pattern ESCAPE '\\'
    ),
    refs(kind, id) AS (
        SELECT 'contacts', id FROM clients
        UNION SELECT kind, clio_id FROM clio_records WHERE client_id IN (SELECT id FROM clients)
        UNION SELECT 'payments', json_extract(raw, '$.parent.id') FROM clio_records
            WHERE client_id IN (SELECT id FROM clients) AND kind = 'allocations'
              AND json_extract(raw, '$.parent.id') IS NOT NULL
    )
"""


def client_ids(store: Store, name: str) -> list[int]:
    """The cached Clio clients whose name contains ``name`` (case-insensitive for ASCII letters)."""
    rows = store.query(
        "SELECT clio_id FROM clio_records WHERE kind = 'contacts' AND json_extract(raw, '$.name') LIKE ? "
        "ESCAPE '\\' ORDER BY clio_id",
        (_like_pattern(name),),
    )
    return [int(r["clio_id"]) for r in rows]


def client_history(store: Store, name: str, *, limit: int = 1000) -> list[AuditEntry]:
    """Every entry about a Clio client whose name contains ``name`` or about its records, oldest first.

    An indexed query: it reads the matching clients' records and their audit entries, never the whole
    log. Role-qualified kinds ('payments:trust_transfer', as the exception queue writes them) count as
    their record's.
    """
    sql = _CLIENT_REFS + """
        SELECT a.* FROM refs JOIN audit_log AS a ON a.clio_id = CAST(refs.id AS TEXT)
        WHERE a.clio_kind = refs.kind OR substr(a.clio_kind, 1, length(refs.kind) + 1) = refs.kind || ':'
        ORDER BY a.seq LIMIT :limit
    """
    rows = store.query(sql, {"pattern": _like_pattern(name), "limit": limit})
    return [_row_to_entry(r) for r in rows]


def trace_qbo(store: Store, qbo_entity: str, qbo_id: str) -> list[AuditEntry]:
    """From a QuickBooks transaction to its Clio source and every event on that source, in one step."""
    sources = store.query(
        "SELECT DISTINCT clio_kind, clio_id FROM audit_log WHERE qbo_entity = ? AND qbo_id = ? "
        "AND clio_kind != ''",
        (qbo_entity, str(qbo_id)),
    )
    seen: dict[int, AuditEntry] = {}
    for src in sources:
        for e in history(store, clio_kind=src["clio_kind"], clio_id=src["clio_id"]):
            seen[e.seq] = e
    for e in history(store, qbo_entity=qbo_entity, qbo_id=qbo_id):
        seen[e.seq] = e
    return [seen[k] for k in sorted(seen)]
