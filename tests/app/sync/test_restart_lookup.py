"""A create that reached QuickBooks but whose answer was lost, after QuickBooks forgot the requestid: the
restart finds it with a query QuickBooks accepts (a Payment by customer and date, then its reference
number and marker) and links it, instead of sending it a second time."""

from __future__ import annotations

import pytest

from app.qbo.errors import QboValidation
from app.store import audit, links, outbox
from app.sync.clio_books import load_books
from app.sync.push import Pusher

from .conftest import Rig
from .test_e2e import resolve_near_match


def _payment_posts(rig: Rig) -> int:
    return sum(n for path, n in rig.sb.qbo_faults.counts.items() if path.lower().endswith("/payment"))


def _synced(rig: Rig) -> None:
    rig.map_defaults()
    rig.engine.run()
    resolve_near_match(rig)
    assert rig.engine.run().ok


def test_quickbooks_refuses_a_payment_query_by_reference_number(rig: Rig) -> None:
    """The emulator refuses what Intuit does not list as filterable, so a lookup relying on it fails here."""
    with pytest.raises(QboValidation, match="not queryable"):
        rig.qbo.query("SELECT * FROM Payment WHERE PaymentRefNum = 'LB-1'")
    assert isinstance(rig.qbo.query("SELECT * FROM Payment WHERE CustomerRef = '1' AND TxnDate = '2026-01-01'"),
                      list)


def test_lost_payment_answer_is_found_by_lookup_not_posted_twice(rig: Rig) -> None:
    _synced(rig)
    books = load_books(rig.store)
    bill = next(b for b in books.invoices.values() if b.state.value == "awaiting_payment" and b.paid == 0
                and links.get(rig.store, "bills", b.id) is not None)
    rig.sb.clio.mutate("payment", {"bill_id": bill.id})
    plan = rig.engine.run(dry_run=True).plan  # reads the new allocation; sends nothing
    assert plan is not None
    [action] = [a for a in plan.actions if a.key[0] == "payments" and a.entity == "Payment"]

    # The run that was killed: the intent is in the outbox, the create reached QuickBooks, the answer did not.
    pusher = Pusher(rig.store, rig.qbo)
    [row] = outbox.record_many(rig.store, [pusher.prepare(action)])
    outbox.mark_attempt(rig.store, [row.request_id])
    posted = rig.qbo.create("Payment", row.payload["body"], row.request_id)
    assert rig.sb.qbo.forget_request_ids() > 0  # replaying the requestid would now write a second payment

    payments_before = {p["Id"] for p in rig.qbo.query_all("Payment")}
    sent_before = _payment_posts(rig)
    stats = Pusher(rig.store, rig.qbo).resume()
    assert stats.created == 1  # found and linked ...
    assert _payment_posts(rig) == sent_before  # ... with no Payment sent again
    assert {p["Id"] for p in rig.qbo.query_all("Payment")} == payments_before
    link = links.get(rig.store, *action.key)
    assert link is not None and link.qbo_id == posted["Id"] and link.state == "posted"
    assert outbox.get(rig.store, row.request_id).status == outbox.DONE  # type: ignore[union-attr]
    same_ref = [p for p in rig.qbo.query_all("Payment")
                if p.get("PaymentRefNum") == row.payload["body"]["PaymentRefNum"]]
    assert [p["Id"] for p in same_ref] == [posted["Id"]]

    # The next sync sees it as already posted: no second payment, the invoice's balance is Clio's.
    summary = rig.engine.run()
    assert summary.ok, summary.lines()
    assert summary.created == 0
    invoice = rig.qbo.read("Invoice", links.get(rig.store, "bills", bill.id).qbo_id)  # type: ignore[union-attr]
    assert invoice["Balance"] == 0
    assert len([p for p in rig.qbo.query_all("Payment")
                if p.get("PaymentRefNum") == row.payload["body"]["PaymentRefNum"]]) == 1
    assert audit.verify(rig.store).ok


def test_lookup_tells_neighbouring_payment_numbers_apart(rig: Rig) -> None:
    """Two payments of one customer on one day: each restart finds its own, by reference and marker."""
    from app.sync.push import _has_marker, _same_record

    sent = {"PaymentRefNum": "LB-9", "PrivateNote": "Ledgerbridge: Clio payment 9"}
    other = {"Id": "2", "PaymentRefNum": "LB-90", "PrivateNote": "Ledgerbridge: Clio payment 90"}
    mine = {"Id": "1", "PaymentRefNum": "LB-9", "PrivateNote": "Ledgerbridge: Clio payment 9 (paid from trust)"}
    assert not _same_record("Payment", sent, other)
    assert _same_record("Payment", sent, mine)
    assert not _has_marker("Ledgerbridge: Clio bill 12", "Ledgerbridge: Clio bill 1")
    assert _has_marker("Ledgerbridge: Clio bill 1 (number 1001)", "Ledgerbridge: Clio bill 1")
