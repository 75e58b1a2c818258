"""The exception queue screen against a real firm database."""

from __future__ import annotations

import json

from app.store import audit
from app.store import exceptions as exq
from app.store.db import utcnow


def _seed(store):
    now = utcnow()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, raw, pulled_at) VALUES ('contacts', 7, ?, ?)",
            (json.dumps({"id": 7, "name": "Ada Lovelace"}), now),
        )
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, client_id, number, raw, pulled_at) "
            "VALUES ('matters', 70, 7, '00070-Lovelace', ?, ?)",
            (json.dumps({"id": 70, "display_number": "00070-Lovelace"}), now),
        )
        conn.execute(
            "INSERT INTO clio_records (kind, clio_id, client_id, matter_id, number, raw, pulled_at) "
            "VALUES ('bills', 700, 7, 70, '1042', ?, ?)",
            (json.dumps({"id": 700, "number": "1042", "total": "150.00"}), now),
        )
    a = exq.add(store, kind="invoice", clio_kind="bills", clio_id=700, reason_code="duplicate_doc_number",
                message="QuickBooks already has an invoice numbered 1042.", attempted={"DocNumber": "1042"},
                actor="sync")
    b = exq.add(store, kind="customer", clio_kind="contacts", clio_id=7, reason_code="name_conflict",
                message="A vendor is already named Ada Lovelace.", actor="sync")
    c = exq.add(store, kind="trust", clio_kind="matters", clio_id=70, reason_code="unmapped_trust",
                message="The trust account is not mapped.", actor="sync")
    return a, b, c


def _page(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.exceptions
    qtbot.waitUntil(lambda: page.loads >= 1 and page.model.rowCount() == 3, timeout=5000)
    return window, page


def test_the_queue_lists_kind_client_matter_reason_and_age(qtbot, ctx, make_window):
    a, b, c = _seed(ctx.store)
    window, page = _page(qtbot, ctx, make_window)
    first = page.model.row_tuple(page.model.row_of_key(a.id))
    assert first[:6] == (a.id, "invoice", "Ada Lovelace", "00070-Lovelace",
                         "QuickBooks already has an invoice numbered 1042.", "open")
    assert first[6] == 0  # days
    assert page.model.row_tuple(page.model.row_of_key(c.id))[2:4] == ("Ada Lovelace", "00070-Lovelace")
    # The dashboard counts the same three.
    qtbot.waitUntil(lambda: window.dashboard.state is not None and window.dashboard.state.open_exceptions == 3)


def test_details_show_the_attempt_and_both_sides(qtbot, ctx, make_window):
    a, _, _ = _seed(ctx.store)
    _, page = _page(qtbot, ctx, make_window)
    page.select_id(a.id)
    assert '"DocNumber": "1042"' in page.attempted.toPlainText()
    qtbot.waitUntil(lambda: '"number": "1042"' in page.clio_side.toPlainText(), timeout=5000)
    assert "No QuickBooks record" in page.qbo_side.toPlainText()
    assert "duplicate_doc_number" in page.summary.text()


def test_filters_by_kind_and_search(qtbot, ctx, make_window):
    _seed(ctx.store)
    _, page = _page(qtbot, ctx, make_window)
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("trust"))
    assert page.proxy.rowCount() == 1
    page.kind_filter.setCurrentIndex(0)
    page.search.setText("vendor")
    assert page.proxy.rowCount() == 1
    assert page.model.key(page.proxy.source_row(0)) == 2


def test_an_exception_retried_from_the_queue(qtbot, ctx, make_window):
    a, _, _ = _seed(ctx.store)
    window, page = _page(qtbot, ctx, make_window)
    page.select_id(a.id)
    assert page.retry_button.isEnabled()
    loads = page.loads
    page.retry_button.click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    assert exq.get(ctx.store, a.id).status == "retry"
    assert page.model.row_tuple(page.model.row_of_key(a.id))[5] == "retry"
    entries = audit.history(ctx.store, clio_kind="bills", clio_id=700)
    assert [e.action for e in entries][-1] == "exception.retry_requested"
    assert entries[-1].actor == "user:tester"


def test_bulk_retry_of_everything_shown(qtbot, ctx, make_window):
    _seed(ctx.store)
    _, page = _page(qtbot, ctx, make_window)
    page.search.setText("already")  # two of three
    assert page.proxy.rowCount() == 2
    loads = page.loads
    page.retry_all_button.click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    statuses = sorted(str(i.status) for i in exq.list_items(ctx.store, status=None))
    assert statuses == ["open", "retry", "retry"]


def test_dismiss_needs_a_reason_and_link_records_the_qbo_id(qtbot, ctx, make_window):
    a, b, _ = _seed(ctx.store)
    _, page = _page(qtbot, ctx, make_window)
    page.select_id(b.id)
    page.dismiss_button.click()
    from ui.pages.exceptions import DismissDialog, LinkDialog

    dialog = page.findChild(DismissDialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reason_edit.setPlainText("Ada is also a vendor; the bookkeeper merges by hand.")
    assert ok.isEnabled()
    loads = page.loads
    ok.click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    item = exq.get(ctx.store, b.id)
    assert item.status == "dismissed" and "merges by hand" in item.resolution

    page.select_id(a.id)
    page.link_button.click()
    link = [d for d in page.findChildren(LinkDialog) if d.isVisible()][0]
    assert link.entity() == "Invoice"
    link.id_edit.setText("1042")
    loads = page.loads
    link.buttons.button(link.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    item = exq.get(ctx.store, a.id)
    assert item.status == "linked" and item.qbo_ref == "Invoice:1042"
    assert page.model.rowCount() == 1  # closed ones leave the default view
    page.show_closed.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)


def test_assign_names_the_owner_in_the_table_and_the_audit_trail(qtbot, ctx, make_window):
    a, b, c = _seed(ctx.store)
    _, page = _page(qtbot, ctx, make_window)
    owner_col = [col.title for col in page.model.columns].index("Owner")
    assert page.model.row_tuple(page.model.row_of_key(a.id))[owner_col] == ""
    assert not page.assign_button.isEnabled() and not page.assign_action.isEnabled()
    page.select_id(a.id)
    assert page.assign_button.isEnabled() and page.assign_action.isEnabled()
    page.assign_button.click()
    from ui.pages.exceptions import AssignDialog

    dialog = [d for d in page.findChildren(AssignDialog) if d.isVisible()][0]
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.text() == "Unassign"
    dialog.owner_edit.setText("  Maria Fernandes ")
    assert ok.text() == "Assign"
    loads = page.loads
    ok.click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    assert exq.get(ctx.store, a.id).owner == "Maria Fernandes"
    assert page.model.row_tuple(page.model.row_of_key(a.id))[owner_col] == "Maria Fernandes"
    entry = audit.history(ctx.store, clio_kind="bills", clio_id=700)[-1]
    assert (entry.action, entry.actor) == ("exception.assigned", "user:tester")
    assert "Maria Fernandes" in entry.detail
    page.select_id(a.id)
    assert "Maria Fernandes" in page.summary.text()


def test_assign_from_the_context_menu_to_several_then_unassign(qtbot, ctx, make_window):
    a, b, c = _seed(ctx.store)
    _, page = _page(qtbot, ctx, make_window)
    assert page.assign_action in page.view.actions()
    page.view.selectAll()
    page.assign_action.trigger()
    from ui.pages.exceptions import AssignDialog

    dialog = [d for d in page.findChildren(AssignDialog) if d.isVisible()][0]
    assert "3 exceptions" in dialog.windowTitle()
    dialog.owner_edit.setText("Sam")
    loads = page.loads
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    assert {i.owner for i in exq.list_items(ctx.store)} == {"Sam"}

    page.select_id(b.id)
    page.assign_action.trigger()
    again = [d for d in page.findChildren(AssignDialog) if d.isVisible() and d is not dialog][0]
    assert again.owner_edit.text() == "Sam"  # the current owner, ready to change
    again.owner_edit.clear()
    loads = page.loads
    again.buttons.button(again.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    assert exq.get(ctx.store, b.id).owner == ""
    assert exq.get(ctx.store, a.id).owner == "Sam"


def test_choose_picks_one_of_the_candidates_a_hold_listed(qtbot, ctx, make_window):
    a, b, _ = _seed(ctx.store)
    held = exq.add(ctx.store, kind="payment", clio_kind="allocations", clio_id=900, reason_code="payment_ambiguous",
                   message="Smokeball InvoicePayment of $345.00 could have paid invoice 9000 or invoice 9001.",
                   attempted={"candidates": [{"id": "g-9000", "label": "invoice 9000 ($345.00)"},
                                             {"id": "g-9001", "label": "invoice 9001 ($345.00)"}]})
    window = make_window(ctx)
    page = window.exceptions
    qtbot.waitUntil(lambda: page.loads >= 1 and page.model.rowCount() == 4, timeout=5000)
    page.select_id(a.id)
    assert not page.choose_button.isEnabled()  # nothing to choose among
    page.select_id(held.id)
    assert page.choose_button.isEnabled()
    page.choose_button.click()
    from ui.pages.exceptions import ChooseDialog

    dialog = [d for d in page.findChildren(ChooseDialog) if d.isVisible()][0]
    assert [dialog.box.itemText(i) for i in range(dialog.box.count())] == ["invoice 9000 ($345.00)",
                                                                           "invoice 9001 ($345.00)"]
    dialog.box.setCurrentIndex(1)
    loads = page.loads
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=5000)
    item = exq.get(ctx.store, held.id)
    assert str(item.status) == "retry" and item.resolution == "chose invoice 9001 ($345.00)"
    assert exq.choices(ctx.store, "allocations") == {"900": "g-9001"}
