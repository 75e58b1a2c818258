"""Audit trail search by client on a 200k-entry audit log: the old Python scan against the indexed query.

Builds a firm database at schema 3 (before the audit-search indexes) with a cache of clients, matters,
bills, allocations and trust transactions, and an audit log of ``--entries`` entries about them with a
valid hash chain. Then times, for a few client names:

- before: what the audit page did until now (read the whole log into Python, keep the client's records);
- the new SQL query on schema 3 (no index on ``clio_records.client_id`` or ``audit_log.clio_id``);
- the new SQL query after migration 4 added those indexes.

    python3 -m bench.audit_search [--entries 200000] [--clients 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.model import AuditEntry
from app.store import audit, migrations, open_store
from app.store.audit import GENESIS, entry_hash
from app.store.db import Store, utcnow

FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia", "Ken"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Perlman"]


def build(path: Path, entries: int, clients: int) -> tuple[Store, list[str]]:
    store = open_store(path, migrate=False)
    migrations.migrate(store.conn, target=3)
    now = utcnow()
    records: list[tuple] = []
    refs: list[tuple[str, int]] = []
    names = []
    for c in range(clients):
        cid = 10_000 + c
        name = f"{FIRST_NAMES[c % len(FIRST_NAMES)]} {LAST_NAMES[c % len(LAST_NAMES)]} {c:05d}"
        names.append(name)
        records.append(("contacts", cid, None, None, json.dumps({"id": cid, "name": name})))
        refs.append(("contacts", cid))
        for m in range(2):
            mid = 100_000 + c * 2 + m
            records.append(("matters", mid, cid, None, json.dumps({"id": mid, "client": {"id": cid}})))
            refs.append(("matters", mid))
        for b in range(5):
            bid = 200_000 + c * 5 + b
            records.append(("bills", bid, cid, None, json.dumps({"id": bid, "client": {"id": cid}})))
            refs.append(("bills", bid))
            aid, pid = 400_000 + c * 5 + b, 600_000 + c * 5 + b
            records.append(("allocations", aid, cid, bid, json.dumps({"id": aid, "bill": {"id": bid},
                                                                      "parent": {"id": pid}, "contact": {"id": cid}})))
            refs.append(("payments", pid))
        for t in range(3):
            tid = 800_000 + c * 3 + t
            records.append(("bank_transactions", tid, cid, None, json.dumps({"id": tid, "client": {"id": cid}})))
            refs.append(("bank_transactions", tid))
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO clio_records (kind, clio_id, client_id, parent_id, raw, pulled_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(*r, now) for r in records],
        )
    prev, rows = GENESIS, []
    for seq in range(1, entries + 1):
        kind, rid = refs[(seq * 7919) % len(refs)]  # spread over every record, not in record order
        if kind == "payments" and seq % 11 == 0:
            kind = "payments:trust_transfer"  # as the exception queue writes a payment's second posting
        fields = {"seq": seq, "ts": now, "actor": "sync", "action": "sync.created", "clio_kind": kind,
                  "clio_id": str(rid), "clio_version": "", "qbo_entity": "Invoice", "qbo_id": str(seq),
                  "qbo_version": "0", "request_id": f"lb-{seq}", "sent_digest": "", "received_digest": "",
                  "detail": f"posted {kind} {rid}"}
        h = entry_hash(prev, fields)
        rows.append((*fields.values(), prev, h))
        prev = h
    cols = ", ".join(fields) + ", prev_hash, hash"
    with store.transaction() as conn:
        conn.executemany(f"INSERT INTO audit_log ({cols}) VALUES ({', '.join('?' * (len(fields) + 2))})", rows)
        conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (entries, prev))
    return store, names


def python_scan(store: Store, name: str, limit: int = 2000) -> list[AuditEntry]:
    """The audit page's client search until now (ui.backend.search_audit), kept here to compare with."""
    rows = store.query(
        "SELECT clio_id FROM clio_records WHERE kind = 'contacts' AND json_extract(raw, '$.name') LIKE ?",
        (f"%{name}%",),
    )
    ids = [str(r["clio_id"]) for r in rows]
    if not ids:
        return audit.history(store, text=name, limit=limit)
    related = store.query(
        f"SELECT kind, clio_id FROM clio_records WHERE client_id IN ({','.join('?' * len(ids))})", tuple(ids)
    )
    keys = {("contacts", i) for i in ids} | {(r["kind"], str(r["clio_id"])) for r in related}
    return [e for e in audit.history(store, limit=1_000_000) if (e.clio_kind, e.clio_id) in keys][:limit]


def timed(fn: Callable[[], list[AuditEntry]], repeat: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = len(fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=200_000)
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lb-bench-audit-") as tmp:
        t0 = time.perf_counter()
        store, names = build(Path(tmp) / "firm.sqlite3", args.entries, args.clients)
        print(f"built {args.entries} audit entries over {args.clients} clients in {time.perf_counter() - t0:.1f} s")
        queries = [names[7], names[len(names) // 2], "hopper"]  # one client each, then a ninth of them
        for q in queries:
            before, n_before = timed(lambda q=q: python_scan(store, q), max(1, args.repeat // 2))
            noindex, n_new = timed(lambda q=q: audit.client_history(store, q, limit=2000), args.repeat)
            print(f"client {q!r}: before (Python scan) {before * 1000:8.1f} ms, {n_before} entries; "
                  f"SQL without indexes {noindex * 1000:7.1f} ms, {n_new} entries")
        migrations.migrate(store.conn)
        for q in queries:
            after, n_after = timed(lambda q=q: audit.client_history(store, q, limit=2000), args.repeat)
            print(f"client {q!r}: after (indexed SQL, schema {migrations.current_version(store.conn)}) "
                  f"{after * 1000:7.1f} ms, {n_after} entries")
        plan = store.query("EXPLAIN QUERY PLAN " + audit._CLIENT_REFS + "SELECT a.seq FROM refs JOIN audit_log AS a "
                           "ON a.clio_id = CAST(refs.id AS TEXT) ORDER BY a.seq", {"pattern": "%x%"})
        print("plan: " + "; ".join(r["detail"] for r in plan))
        store.close()


if __name__ == "__main__":
    main()
