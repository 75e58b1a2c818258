"""The audit trail screen: search, one record's history, and Verify."""

from __future__ import annotations

import json

from app.store import audit
from app.store.db import utcnow


def _seed(store):
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, client_id, number, raw, pulled_at) "
            "VALUES ('bills', 700, 7, '1042', ?, ?)",
            (json.dumps({"id": 700}), utcnow()),
        )
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, raw, pulled_at) VALUES ('contacts', 7, ?, ?)",
            (json.dumps({"id": 7, "name": "Ada Lovelace"}), utcnow()),
        )
    audit.append(store, actor="sync", action="posted", clio_kind="contacts", clio_id=7, qbo_entity="Customer",
                 qbo_id="58", detail="customer created")
    audit.append(store, actor="sync", action="posted", clio_kind="bills", clio_id=700, qbo_entity="Invoice",
                 qbo_id="130", request_id="r-700-1", detail="invoice 1042 created")
    audit.append(store, actor="sync", action="updated", clio_kind="bills", clio_id=700, qbo_entity="Invoice",
                 qbo_id="130", request_id="r-700-2", detail="invoice 1042 updated")
    audit.append(store, actor="sync", action="posted", clio_kind="bills", clio_id=701, qbo_entity="Invoice",
                 qbo_id="131", detail="another")


def _page(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.audit
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=5000)
    return page


def _search(qtbot, page, kind, text):
    page.search_kind.setCurrentIndex(page.search_kind.findData(kind))
    page.search_edit.setText(text)
    with qtbot.waitSignal(page.model.modelReset, timeout=5000):
        page.search_button.click()
    return [page.model.row_tuple(r)[3] for r in range(page.model.rowCount())]


def test_search_by_each_key(qtbot, ctx, make_window):
    _seed(ctx.store)
    page = _page(qtbot, ctx, make_window)
    assert _search(qtbot, page, "clio_id", "700") == ["posted", "updated"]
    assert _search(qtbot, page, "qbo_id", "130") == ["posted", "updated"]
    assert _search(qtbot, page, "doc_number", "1042") == ["posted", "updated"]
    assert len(_search(qtbot, page, "client", "lovelace")) == 3  # the customer and its bill's two events
    assert _search(qtbot, page, "doc_number", "9999") == []
    assert "No Clio bill numbered 9999" in page.note.text()


def test_selecting_an_entry_shows_the_full_history_of_its_record(qtbot, ctx, make_window):
    _seed(ctx.store)
    page = _page(qtbot, ctx, make_window)
    with qtbot.waitSignal(page.history_model.modelReset, timeout=5000):
        page.view.selectRow(1)  # invoice 130 posted
    actions = [page.history_model.row_tuple(r)[3] for r in range(page.history_model.rowCount())]
    assert actions == ["posted", "updated"]
    assert "2 events" in page.history_title.text()


def test_verify_reports_intact_and_then_a_tampered_entry(qtbot, ctx, make_window):
    _seed(ctx.store)
    page = _page(qtbot, ctx, make_window)
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.last_verify is not None, timeout=5000)
    assert page.last_verify.ok and "4 entries" in page.verify_label.text()
    with ctx.store.transaction() as conn:  # tamper as an attacker would: around the trigger
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET detail = 'changed' WHERE seq = 2")
    page.last_verify = None
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.last_verify is not None, timeout=5000)
    assert not page.last_verify.ok
    assert "Broken at entry 2" in page.verify_label.text()


def test_search_by_client_reaches_its_payments_and_says_when_no_client_matches(qtbot, ctx, make_window):
    _seed(ctx.store)
    with ctx.store.transaction() as conn:  # a payment of Ada's bill: allocation 900 of Clio payment 950
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, client_id, parent_id, raw, pulled_at) "
            "VALUES ('allocations', 900, 7, 700, ?, ?)",
            (json.dumps({"id": 900, "parent": {"id": 950}, "contact": {"id": 7}}), utcnow()),
        )
    audit.append(ctx.store, actor="sync", action="payment posted", clio_kind="payments", clio_id=950,
                 qbo_entity="Payment", qbo_id="77")
    audit.append(ctx.store, actor="user:tester", action="note", detail="called Mr Babbage about bill 1042")
    page = _page_with(qtbot, ctx, make_window, rows=6)
    assert _search(qtbot, page, "client", "LOVELACE") == ["posted", "posted", "updated", "payment posted"]
    assert page.note.text() == "4 entries."
    assert _search(qtbot, page, "client", "babbage") == ["note"]
    assert "No Clio client named like 'babbage'" in page.note.text()


def _page_with(qtbot, ctx, make_window, rows):
    window = make_window(ctx)
    page = window.audit
    qtbot.waitUntil(lambda: page.model.rowCount() == rows, timeout=5000)
    return page
