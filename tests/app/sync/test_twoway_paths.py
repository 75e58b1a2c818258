"""The sync's less travelled paths, end to end over HTTP: an invoice deleted in QuickBooks, a Clio payment
voided after it was synced, and the full re-read when the last QuickBooks read is older than CDC reaches."""

from __future__ import annotations

import json

import pytest

from app.money import cents
from app.store import audit, links
from app.store import exceptions as exq
from app.sync.books import load_books

from .conftest import Rig
from .test_e2e import assert_books_match, resolve_near_match, snapshot


def _synced(rig: Rig) -> None:
    rig.map_defaults()
    rig.engine.run()
    resolve_near_match(rig)
    summary = rig.engine.run()
    assert summary.ok, summary.lines()


def _unpaid_linked(rig: Rig) -> list:
    books = load_books(rig.store)
    return [b for b in books.invoices.values() if b.state.value == "awaiting_payment" and b.paid == 0
            and b.balance == b.total and links.get(rig.store, "bills", b.id) is not None]


# --- an invoice deleted in QuickBooks ----------------------------------------------------------------------


def _delete_in_quickbooks(rig: Rig) -> tuple[int, str, str]:
    """A person deletes a synced, unpaid invoice in QuickBooks (the API call QuickBooks' own screen makes)."""
    bill = _unpaid_linked(rig)[0]
    link = links.get(rig.store, "bills", bill.id)
    assert link is not None
    current = rig.qbo.read("Invoice", link.qbo_id)
    rig.qbo.delete("Invoice", current["Id"], current["SyncToken"], "person-deletes-invoice")
    return bill.id, link.qbo_id, current["DocNumber"]


def test_invoice_deleted_in_quickbooks_becomes_an_exception_and_is_not_recreated(rig: Rig) -> None:
    _synced(rig)
    bill_id, qbo_id, doc_number = _delete_in_quickbooks(rig)
    bill = load_books(rig.store).invoices[bill_id]
    before = snapshot(rig)

    summary = rig.engine.run()
    assert summary.conflicts == 1 and summary.writes == 0 and exq.open_count(rig.store) == 1
    [item] = exq.list_items(rig.store, reason_code="deleted_in_qbo")
    assert item.clio_id == str(bill_id) and "deleted in QuickBooks" in item.message
    both = json.loads(item.attempted)  # both versions: what Ledgerbridge posted, and QuickBooks' tombstone
    assert both["ledgerbridge"]["Id"] == qbo_id and cents(both["ledgerbridge"]["TotalAmt"]) == bill.total
    assert both["quickbooks"]["Id"] == qbo_id and both["quickbooks"]["status"] == "Deleted"
    assert links.get(rig.store, "bills", bill_id).state == "deleted"  # type: ignore[union-attr]
    # never re-created, nothing else written
    assert snapshot(rig) == before
    assert not rig.qbo.query(f"SELECT * FROM Invoice WHERE DocNumber = '{doc_number}'")

    # A later edit in Clio is not pushed at the deleted invoice, nor re-created: it waits for the person.
    rig.sb.clio.mutate("edit_bill", {"bill_id": bill_id, "amount": "40.00"})
    again = rig.engine.run()
    assert again.writes == 0 and again.conflicts == 0, again.lines()  # the CDC overlap does not raise it twice
    [same] = exq.list_items(rig.store, reason_code="deleted_in_qbo")
    assert same.id == item.id and same.attempts == item.attempts
    quiet = rig.engine.run()
    assert quiet.writes == 0 and quiet.conflicts == 0
    assert snapshot(rig) == before
    assert not rig.qbo.query(f"SELECT * FROM Invoice WHERE DocNumber = '{doc_number}'")
    assert audit.verify(rig.store).ok


@pytest.mark.xfail(strict=True, reason="app/sync/plan.py (lead's) skips an invoice whose link is not 'posted' "
                   "even when a person marked its deleted_in_qbo exception for retry")
def test_retry_after_a_deletion_in_quickbooks_posts_the_invoice_once(rig: Rig) -> None:
    _synced(rig)
    bill_id, qbo_id, doc_number = _delete_in_quickbooks(rig)
    rig.engine.run()
    [item] = exq.list_items(rig.store, reason_code="deleted_in_qbo")
    exq.request_retry(rig.store, item.id, actor="user:ann")
    retried = rig.engine.run()
    assert retried.created == 1 and retried.ok, retried.lines()
    [invoice] = rig.qbo.query(f"SELECT * FROM Invoice WHERE DocNumber = '{doc_number}'")
    assert cents(invoice["TotalAmt"]) == load_books(rig.store).invoices[bill_id].total
    link = links.get(rig.store, "bills", bill_id)
    assert link is not None and link.state == "posted" and link.qbo_id == invoice["Id"] != qbo_id
    assert exq.open_count(rig.store) == 0
    assert rig.engine.run().writes == 0
    assert_books_match(rig)
