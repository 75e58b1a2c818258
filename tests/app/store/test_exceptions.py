import sqlite3

import pytest

from app.errors import LedgerbridgeError
from app.store import audit
from app.store import exceptions as exq


def _hold(store, clio_id=1, code="mapping_missing"):
    return exq.add(
        store, kind="invoice", clio_kind="bill", clio_id=clio_id, reason_code=code,
        message="The fees item is not mapped.", attempted={"Line": [{"Amount": "10.00"}]}, blocks=["allocation:9"],
    )


def test_add_list_and_audit(store):
    item = _hold(store)
    assert item.status == "open" and item.blocks == ("allocation:9",)
    assert [i.id for i in exq.list_items(store)] == [item.id]
    assert exq.open_count(store) == 1
    assert [e.action for e in audit.history(store, clio_kind="bill", clio_id=1)] == ["exception.opened"]


def test_same_failure_counts_attempts_instead_of_duplicating(store):
    _hold(store)
    again = _hold(store)
    assert again.attempts == 2
    assert exq.open_count(store) == 1


def test_retry_resolve_dismiss_link_each_audited(store):
    a, b, c = _hold(store, 1), _hold(store, 2), _hold(store, 3)
    exq.request_retry(store, a.id, actor="user:ann")
    assert exq.get(store, a.id).status == "retry" and exq.open_count(store) == 3
    exq.resolve_for(store, "bill", 1)
    exq.link_existing(store, b.id, qbo_entity="Invoice", qbo_id="42", actor="user:ann")
    with pytest.raises(LedgerbridgeError):
        exq.dismiss(store, c.id, reason="  ", actor="user:ann")
    exq.dismiss(store, c.id, reason="Duplicate bill entered in error", actor="user:ann")
    assert exq.open_count(store) == 0
    actions = [e.action for e in audit.history(store)]
    assert actions.count("exception.opened") == 3
    for action in ("exception.retry_requested", "exception.resolved", "exception.linked", "exception.dismissed"):
        assert action in actions
    with pytest.raises(LedgerbridgeError):
        exq.dismiss(store, c.id, reason="again", actor="user:ann")
    assert audit.verify(store).ok


def test_nothing_is_ever_deleted(store):
    item = _hold(store)
    with pytest.raises(sqlite3.DatabaseError):
        store.conn.execute("DELETE FROM exceptions WHERE id = ?", (item.id,))


def test_filters(store):
    _hold(store, 1, "mapping_missing")
    _hold(store, 2, "duplicate_name")
    assert [i.clio_id for i in exq.list_items(store, reason_code="duplicate_name")] == ["2"]
    assert [i.clio_id for i in exq.list_items(store, text="fees")] == ["1", "2"]
