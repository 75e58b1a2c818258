"""The append-only audit log with a hash chain.

Each entry's hash covers its own fields and the previous entry's hash; ``audit_head`` records the last
one. :func:`verify` walks the chain and names the first entry that was edited, deleted or reordered, and
notices entries cut off the end. SQLite triggers refuse UPDATE and DELETE as a first line of defence; the
chain is what proves it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from app.errors import StoreError
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


KEYED = "k1:"  # the prefix of an HMAC-SHA256 link (app.store.audit_key)


def entry_hash(prev_hash: str, fields: dict[str, Any], key: bytes | None = None) -> str:
    body = (prev_hash + "\n" + dumps_json({k: str(fields.get(k, "")) for k in _FIELDS})).encode()
    if key is not None:
        return KEYED + hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


def is_keyed(store: Store) -> bool:
    return bool(store.query("SELECT 1 FROM audit_log WHERE hash LIKE 'k1:%' LIMIT 1"))


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
    if store.audit_unavailable:
        raise StoreError(f"Nothing was recorded: {store.audit_unavailable}, so the audit trail could not be kept",
                         kept="Nothing was changed.",
                         next_step="Unlock the keychain (or sign in on the computer that holds this firm's key) "
                                   "and try again.")
    with store.transaction() as conn:
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        seq, prev = (head["seq"] + 1, head["hash"]) if head else (1, GENESIS)
        key = store.audit_key
        keyed = key is not None and seq >= key.from_seq
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
        h = entry_hash(prev, fields, key.key if keyed else None)
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
    needs_key: bool = False  # not checked for want of the key, rather than found broken
    head_seq: int = 0
    head_hash: str = ""

    @property
    def anchor(self) -> str:
        """What a reviewer keeps outside the machine: ``seq:hash`` of the last entry."""
        return f"{self.head_seq}:{self.head_hash}"


def head(store: Store) -> str:
    """The hash of the last entry: a reviewer who keeps it can later show the log still extends it."""
    rows = store.query("SELECT hash FROM audit_head WHERE id = 1")
    return str(rows[0]["hash"]) if rows else GENESIS


def verify(store: Store) -> VerifyResult:
    """Walk the chain from the start; report the first entry that does not fit."""
    rows = store.query("SELECT * FROM audit_log ORDER BY rowid")
    prev = GENESIS
    expected_seq = 1
    key = store.audit_key
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            problem = (
                f"entry {expected_seq} is missing" if seq > expected_seq else f"entry {seq} is out of order"
            )
            return VerifyResult(False, len(rows), expected_seq, problem)
        if row["prev_hash"] != prev:
            return VerifyResult(False, len(rows), seq, f"entry {seq} does not follow entry {seq - 1}")
        keyed = str(row["hash"]).startswith(KEYED)
        if key is not None and seq >= key.from_seq and not keyed:
            return VerifyResult(False, len(rows), seq, f"entry {seq} is not signed with the firm's audit key, "
                                f"which signs every entry from {key.from_seq} on: it was written or rewritten "
                                "without the key")
        if keyed and key is None:
            return VerifyResult(False, len(rows), seq, "the log is signed with the firm's audit key, which this "
                                "computer's keychain does not give: it cannot be checked here (this is not a "
                                "sign of tampering)", needs_key=True)
        if entry_hash(prev, dict(row), key.key if keyed and key is not None else None) != row["hash"]:
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
    if key is not None and last_seq < key.from_seq - 1:
        return VerifyResult(False, len(rows), last_seq + 1, f"entries from {last_seq + 1} on were removed (the "
                            f"audit key was made when the log had {key.from_seq - 1})")
    return VerifyResult(True, len(rows), head_seq=last_seq, head_hash=prev)


def verify_anchor(store: Store, anchor: str) -> VerifyResult:
    """The log verifies and still holds the entry an anchor (``seq:hash``, kept outside the machine) names,
    exactly as it was then: everything written since extends it."""
    seq_text, _, wanted = anchor.strip().partition(":")
    if not seq_text.isdigit() or not wanted:
        return VerifyResult(False, 0, None, f"{anchor!r} is not an anchor (it reads SEQ:HASH, as 'ledgerbridge "
                                            "audit anchor' prints it)")
    result = verify(store)
    if not result.ok:
        return result
    rows = store.query("SELECT hash FROM audit_log WHERE seq = ?", (int(seq_text),))
    if int(seq_text) == 0 and wanted == GENESIS:
        return result  # anchored when the log was empty: every log extends that
    if not rows or rows[0]["hash"] != wanted:
        return VerifyResult(False, result.entries, int(seq_text), f"the log no longer holds entry {seq_text} as "
                            "it was when anchored: it was rewritten or cut back", head_seq=result.head_seq,
                            head_hash=result.head_hash)
    return result


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


def latest(store: Store, limit: int) -> list[AuditEntry]:
    """The last ``limit`` entries, oldest first."""
    top = store.query("SELECT max(seq) FROM audit_log")[0][0] or 0
    rows = store.query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (top - limit, limit))
    return [_row_to_entry(r) for r in rows]


def qbo_entities_of(store: Store, qbo_id: str) -> list[str]:
    """Every QuickBooks entity an audit entry names with this id (ids are unique per entity only)."""
    return [r["qbo_entity"] for r in store.query("SELECT DISTINCT qbo_entity FROM audit_log WHERE qbo_id = ?",
                                                 (qbo_id,))]


def written_by(store: Store, actor: str, start: str, end: str) -> list[AuditEntry]:
    """The entries ``actor`` wrote from ``start`` to ``end`` (store timestamps), oldest first."""
    rows = store.query("SELECT * FROM audit_log WHERE actor = ? AND ts >= ? AND ts <= ? ORDER BY seq",
                       (actor, start, end))
    return [_row_to_entry(r) for r in rows]
