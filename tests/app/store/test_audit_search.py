"""Audit search by client: an indexed SQL query over the cache and the log (migration 4), not a scan."""

from __future__ import annotations

import json
import sqlite3

from app.store import audit, migrations, open_store
from app.store.db import utcnow


def _cache(store, kind, clio_id, raw, *, client_id=None, parent_id=None):
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, client_id, parent_id, raw, pulled_at) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, clio_id, client_id, parent_id, json.dumps({"id": clio_id, **raw}), utcnow()),
        )


def _firm(store):
    """Two clients; Ada has a matter, a bill and a payment (allocation 900 of parent payment 950)."""
    _cache(store, "contacts", 7, {"name": "Ada Lovelace"})
    _cache(store, "contacts", 8, {"name": "Grace 100%_Hopper"})
    _cache(store, "matters", 70, {"client": {"id": 7}}, client_id=7)
    _cache(store, "bills", 700, {"client": {"id": 7}}, client_id=7)
    _cache(store, "allocations", 900, {"bill": {"id": 700}, "parent": {"id": 950}, "contact": {"id": 7}},
           client_id=7, parent_id=700)
    _cache(store, "bills", 800, {"client": {"id": 8}}, client_id=8)
    log = [
        ("contacts", 7, "customer created"),
        ("contacts", 8, "customer created"),
        ("matters", 70, "sub-customer created"),
        ("bills", 700, "invoice created"),
        ("bills", 800, "invoice created"),
        ("payments", 950, "payment created"),
        ("payments:trust_transfer", 950, "held: trust transfer"),
        ("bills", 7, "another record with Ada's id but another kind"),
        ("matters", 700, "a matter whose id is the bill's"),
        ("bank_accounts", 1, "tie-out"),
    ]
    for kind, cid, detail in log:
        audit.append(store, actor="sync", action="sync.created", clio_kind=kind, clio_id=cid, detail=detail)


def test_a_clients_history_covers_its_records_payments_and_role_qualified_entries(store):
    _firm(store)
    found = audit.client_history(store, "lovelace")
    assert [(e.clio_kind, e.clio_id) for e in found] == [
        ("contacts", "7"), ("matters", "70"), ("bills", "700"), ("payments", "950"),
        ("payments:trust_transfer", "950"),
    ]
    assert [e.seq for e in found] == sorted(e.seq for e in found)  # oldest first
    assert audit.client_history(store, "lovelace", limit=2) == found[:2]
    assert audit.client_ids(store, "LOVE") == [7]
    assert audit.client_history(store, "nobody") == []


def test_like_wildcards_in_the_search_text_are_taken_literally(store):
    _firm(store)
    assert audit.client_ids(store, "100%_") == [8]
    assert audit.client_ids(store, "%") == [8]  # only Grace's name holds a percent sign
    assert audit.client_ids(store, "_") == [8]
    assert [e.clio_id for e in audit.client_history(store, "%_hop")] == ["8", "800"]


def test_the_query_reads_through_indexes_not_the_whole_log(store):
    _firm(store)
    sql = audit._CLIENT_REFS + (
        "SELECT a.* FROM refs JOIN audit_log AS a ON a.clio_id = CAST(refs.id AS TEXT) ORDER BY a.seq")
    plan = " | ".join(r["detail"] for r in store.query("EXPLAIN QUERY PLAN " + sql, {"pattern": "%ada%"}))
    assert "INDEX audit_clio_id" in plan
    assert "INDEX clio_records_client" in plan
    assert "SCAN a" not in plan and "SCAN audit_log" not in plan


def test_migration_4_adds_the_indexes_to_a_firm_with_history_and_keeps_the_chain(tmp_path):
    path = tmp_path / "firm.sqlite3"
    conn = sqlite3.connect(path)
    migrations.migrate(conn, target=3)
    conn.close()
    old = open_store(path, migrate=False)
    _firm(old)
    old.close()
    store = open_store(path)
    try:
        assert store.schema_version >= 4
        names = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"clio_records_client", "audit_clio_id"} <= names
        assert audit.verify(store).ok and audit.verify(store).entries == 10
        assert len(audit.client_history(store, "ada")) == 5
    finally:
        store.close()
