import sqlite3

import pytest

from app.store import audit


def _fill(store, n=6):
    for i in range(n):
        audit.append(
            store, actor="sync", action="posted", clio_kind="bill", clio_id=100 + i, qbo_entity="Invoice",
            qbo_id=str(i + 1), qbo_version="0", request_id=f"r{i}", sent={"amount": "10.00"},
            received={"Id": str(i + 1)}, detail=f"invoice {i}",
        )


def _raw(store):
    """A second connection without our triggers' protection, as someone editing the file would use."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return conn


def test_clean_chain_verifies(store):
    _fill(store)
    result = audit.verify(store)
    assert result.ok and result.entries == 6


def test_triggers_refuse_edits(store):
    _fill(store, 2)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE audit_log SET detail = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM audit_log WHERE seq = 1")


@pytest.mark.parametrize("column", ["detail", "actor", "qbo_id", "ts", "sent_digest"])
def test_edit_is_detected(store, column):
    _fill(store)
    raw = _raw(store)
    raw.execute(f"UPDATE audit_log SET {column} = {column} || 'x' WHERE seq = 3")
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 3


def test_edit_with_recomputed_hash_is_detected_at_the_next_entry(store):
    _fill(store)
    raw = _raw(store)
    row = dict(store.query("SELECT * FROM audit_log WHERE seq = 3")[0])
    row["detail"] = "forged"
    forged = audit.entry_hash(row["prev_hash"], row)
    raw.execute("UPDATE audit_log SET detail = 'forged', hash = ? WHERE seq = 3", (forged,))
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 4


def test_delete_in_the_middle_is_detected(store):
    _fill(store)
    _raw(store).execute("DELETE FROM audit_log WHERE seq = 2")
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 2


def test_delete_at_the_end_is_detected(store):
    _fill(store)
    _raw(store).execute("DELETE FROM audit_log WHERE seq = 6")
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 6


def test_reorder_is_detected(store):
    _fill(store)
    raw = _raw(store)
    a = dict(store.query("SELECT * FROM audit_log WHERE seq = 2")[0])
    b = dict(store.query("SELECT * FROM audit_log WHERE seq = 3")[0])
    raw.execute("DELETE FROM audit_log WHERE seq IN (2, 3)")
    for new_seq, row in ((2, b), (3, a)):  # swap the two entries' places, keeping their seq numbers honest
        row = {**row, "seq": new_seq}
        cols = ", ".join(row)
        raw.execute(f"INSERT INTO audit_log ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 2


def test_trace_from_qbo_to_clio_history(store):
    audit.append(store, actor="sync", action="held", clio_kind="bill", clio_id=7, detail="mapping missing")
    audit.append(store, actor="sync", action="posted", clio_kind="bill", clio_id=7, qbo_entity="Invoice", qbo_id="55")
    audit.append(store, actor="sync", action="posted", clio_kind="bill", clio_id=8, qbo_entity="Invoice", qbo_id="56")
    trail = audit.trace_qbo(store, "Invoice", "55")
    assert [e.action for e in trail] == ["held", "posted"]
    assert all(e.clio_id == "7" for e in trail)


def test_secrets_in_detail_are_masked(store):
    entry = audit.append(store, actor="sync", action="x", detail="Authorization: Bearer abcdefghijklmnop")
    assert "abcdefghijklmnop" not in entry.detail
