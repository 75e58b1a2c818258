"""The sync's less travelled paths, end to end over HTTP: an invoice deleted in QuickBooks, a Clio payment
voided after it was synced, and the full re-read when the last QuickBooks read is older than CDC reaches."""

from __future__ import annotations

import json

from app.money import cents
from app.store import audit, links
from app.store import exceptions as exq
from app.sync.clio_books import load_books

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


# --- a Clio payment voided after it was synced ------------------------------------------------------------


def _payments_by_parent(rig: Rig) -> dict[int, list]:
    from app.model import AllocationParent

    groups: dict[int, list] = {}
    for a in load_books(rig.store).allocations:
        if a.parent_type is AllocationParent.PAYMENT and a.status == "valid":
            groups.setdefault(a.parent_id, []).append(a)
    return {pid: allocs for pid, allocs in groups.items()
            if (lk := links.get(rig.store, "payments", pid)) is not None and lk.state == "posted"}


def test_allocations_voided_in_clio_void_or_correct_the_quickbooks_payments(rig: Rig) -> None:
    _synced(rig)
    payments = _payments_by_parent(rig)
    single = next(pid for pid, al in payments.items() if len(al) == 1 and not al[0].source_is_trust)
    multi = next(pid for pid, al in payments.items() if len(al) > 1 and not any(a.source_is_trust for a in al))
    trust = next(pid for pid, al in payments.items() if len(al) == 1 and al[0].source_is_trust
                 and links.get(rig.store, "payments", pid, "trust_transfer") is not None)
    voided_bills = [payments[single][0].bill_id, payments[multi][0].bill_id, payments[trust][0].bill_id]
    # The bookkeeper voids, in Clio: a whole payment, one bill's share of a payment over several bills, and
    # a payment made from trust (Clio puts the money back in the matter's trust funds).
    rig.sb.clio.mutate("void_payment", {"allocation_id": payments[single][0].id})
    rig.sb.clio.mutate("void_payment", {"allocation_id": payments[multi][0].id})
    rig.sb.clio.mutate("void_payment", {"allocation_id": payments[trust][0].id})
    multi_left = sum((a.amount for a in payments[multi][1:]), cents("0"))

    summary = rig.engine.run()
    assert summary.ok, summary.lines()
    # the transfer out of trust is reversed by a new entry dated the void, not deleted
    assert summary.created == 1 and summary.voided >= 2 and summary.updated >= 1, summary.lines()
    # the whole payments are voided in QuickBooks, the partly voided one now carries only what is left
    for pid in (single, trust):
        link = links.get(rig.store, "payments", pid)
        assert link is not None and link.state == "voided"
        assert cents(rig.qbo.read("Payment", link.qbo_id)["TotalAmt"]) == 0
    transfer = links.get(rig.store, "payments", trust, "trust_transfer")
    assert transfer is not None and transfer.state == "posted"
    reversal = links.get(rig.store, "payments", trust, "trust_reversal")
    assert reversal is not None and reversal.state == "posted"
    original, reverse = (rig.qbo.read("JournalEntry", lk.qbo_id) for lk in (transfer, reversal))
    sides = {(ln["JournalEntryLineDetail"]["AccountRef"]["value"], ln["JournalEntryLineDetail"]["PostingType"],
              cents(ln["Amount"])) for ln in original["Line"]}
    flipped = {(a, "Debit" if s == "Credit" else "Credit", v) for a, s, v in sides}
    assert {(ln["JournalEntryLineDetail"]["AccountRef"]["value"], ln["JournalEntryLineDetail"]["PostingType"],
             cents(ln["Amount"])) for ln in reverse["Line"]} == flipped
    multi_link = links.get(rig.store, "payments", multi)
    assert multi_link is not None and multi_link.state == "posted"
    corrected = rig.qbo.read("Payment", multi_link.qbo_id)
    assert cents(corrected["TotalAmt"]) == multi_left
    linked_invoices = {t["TxnId"] for ln in corrected["Line"] for t in ln.get("LinkedTxn", [])}
    voided_invoice = links.get(rig.store, "bills", payments[multi][0].bill_id)
    assert voided_invoice is not None and voided_invoice.qbo_id not in linked_invoices
    # each invoice's balance is Clio's again (and everything else: totals, trust three ways, audit chain)
    books = load_books(rig.store)
    for bill_id in voided_bills:
        qbo_invoice = rig.qbo.read("Invoice", links.get(rig.store, "bills", bill_id).qbo_id)  # type: ignore[union-attr]
        assert cents(qbo_invoice["Balance"]) == books.invoices[bill_id].balance > 0
    assert all(t.ties for t in summary.trust)
    assert_books_match(rig)
    # a rerun writes nothing
    before = snapshot(rig)
    rerun = rig.engine.run()
    assert rerun.writes == 0 and rerun.ok, rerun.lines()
    assert snapshot(rig) == before
    assert audit.verify(rig.store).ok


# --- the last QuickBooks read is older than CDC reaches ---------------------------------------------------


def _cdc_calls(rig: Rig) -> int:
    return sum(n for path, n in rig.sb.qbo_faults.counts.items() if path.endswith("/cdc"))


def test_a_last_read_older_than_cdc_reaches_is_replaced_by_a_whole_read(rig: Rig) -> None:
    import datetime as dt

    from app.sync import twoway

    _synced(rig)
    unpaid = _unpaid_linked(rig)
    edited, deleted, paid_in_qbo = (links.get(rig.store, "bills", b.id) for b in unpaid[:3])
    assert edited and deleted and paid_in_qbo
    # While nobody synced for weeks, people worked in QuickBooks: an edit, a deletion, a payment.
    current = rig.qbo.read("Invoice", edited.qbo_id)
    rig.qbo.update("Invoice", {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True,
                               "DueDate": "2030-01-01", "Line": current["Line"][:1]}, "person-edit-1")
    gone = rig.qbo.read("Invoice", deleted.qbo_id)
    rig.qbo.delete("Invoice", gone["Id"], gone["SyncToken"], "person-delete-1")
    target = rig.qbo.read("Invoice", paid_in_qbo.qbo_id)
    rig.qbo.create("Payment", {"CustomerRef": target["CustomerRef"], "TotalAmt": "10.00",
                               "Line": [{"Amount": "10.00", "LinkedTxn": [{"TxnId": paid_in_qbo.qbo_id,
                                                                           "TxnType": "Invoice"}]}]},
                   "person-pay-1")
    long_ago = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=40)
    twoway.set_cdc_bookmark(rig.store, long_ago, "local")
    before = snapshot(rig)

    cdc_before = _cdc_calls(rig)
    summary = rig.engine.run()
    # QuickBooks refuses CDC older than 30 days: the sync re-read instead of asking
    assert _cdc_calls(rig) == cdc_before
    # ... and found all three, exactly as CDC would have, without writing anything
    assert summary.conflicts == 3 and summary.writes == 0, summary.lines()
    assert snapshot(rig) == before
    found = {i.reason_code: i for i in exq.list_items(rig.store)}
    assert set(found) == {"edited_in_qbo", "deleted_in_qbo", "payment_only_in_qbo"}
    assert found["edited_in_qbo"].clio_id == str(edited.clio_id)
    assert found["deleted_in_qbo"].clio_id == str(deleted.clio_id)
    assert found["payment_only_in_qbo"].clio_id == str(paid_in_qbo.clio_id)
    assert json.loads(found["edited_in_qbo"].attempted)["quickbooks"]["DueDate"] == "2030-01-01"
    # the bookmark is recent again: the next run is back on CDC and raises nothing twice
    since = twoway.cdc_bookmark(rig.store)[0]
    assert since is not None
    assert dt.datetime.now(dt.UTC) - since < dt.timedelta(minutes=5)
    again = rig.engine.run()
    assert _cdc_calls(rig) == cdc_before + 1
    assert again.conflicts == 0 and again.writes == 0, again.lines()
    assert len(exq.list_items(rig.store)) == 3
    assert audit.verify(rig.store).ok


def test_a_whole_read_leaves_what_did_not_change_alone(rig: Rig) -> None:
    """No change in QuickBooks during a long gap: the whole read finds nothing and writes nothing."""
    import datetime as dt

    from app.sync import twoway

    _synced(rig)
    long_ago = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=31)
    twoway.set_cdc_bookmark(rig.store, long_ago, "local")
    before = snapshot(rig)
    cdc_before = _cdc_calls(rig)
    summary = rig.engine.run()
    assert _cdc_calls(rig) == cdc_before
    assert summary.conflicts == 0 and summary.writes == 0 and summary.ok, summary.lines()
    assert snapshot(rig) == before and exq.open_count(rig.store) == 0


def test_a_dismissed_deletion_stays_deleted(rig: Rig) -> None:
    _synced(rig)
    deposit = next(lk for lk in links.all_links(rig.store).values()
                   if lk.clio_kind == "bank_transactions" and lk.state == "posted")
    je = rig.qbo.read("JournalEntry", deposit.qbo_id)
    rig.qbo.delete("JournalEntry", je["Id"], je["SyncToken"], "person-deletes-je")
    rig.engine.run()
    [item] = exq.list_items(rig.store, reason_code="deleted_in_qbo")
    exq.dismiss(rig.store, item.id, reason="the deposit was entered twice in Clio; fixed there next week",
                actor="user:ann")
    after = rig.engine.run()
    assert after.created == 0, after.lines()
    assert not rig.qbo.query(f"SELECT * FROM JournalEntry WHERE DocNumber = '{je['DocNumber']}'")
    # new activity on the same matter makes the planner look at its records again: still not re-posted
    matter = next(t.matter_id for t in load_books(rig.store).trust_txns if t.id == deposit.clio_id)
    rig.sb.clio.mutate("trust_deposit", {"matter_id": matter, "amount": "300.00"})
    later = rig.engine.run()
    assert later.created == 1, later.lines()  # the new deposit only
    assert not rig.qbo.query(f"SELECT * FROM JournalEntry WHERE DocNumber = '{je['DocNumber']}'")


def test_a_trust_posting_deleted_in_quickbooks_is_posted_once_again_on_retry(rig: Rig) -> None:
    _synced(rig)
    deposit = next(lk for lk in links.all_links(rig.store).values()
                   if lk.clio_kind == "bank_transactions" and lk.state == "posted")
    je = rig.qbo.read("JournalEntry", deposit.qbo_id)
    rig.qbo.delete("JournalEntry", je["Id"], je["SyncToken"], "person-deletes-je")
    found = rig.engine.run()
    # held for a person, and the trust tie-out says what is missing
    assert found.conflicts == 1 and found.writes == 0 and not found.ok
    assert not all(t.ties for t in found.trust)
    [item] = exq.list_items(rig.store, reason_code="deleted_in_qbo")
    assert rig.engine.run().writes == 0  # waits, however often the sync runs
    exq.request_retry(rig.store, item.id, actor="user:ann")
    retried = rig.engine.run()
    assert retried.created == 1 and retried.ok, retried.lines()
    assert len(rig.qbo.query(f"SELECT * FROM JournalEntry WHERE DocNumber = '{je['DocNumber']}'")) == 1
    link = links.get(rig.store, "bank_transactions", deposit.clio_id)
    assert link is not None and link.state == "posted" and link.qbo_id != deposit.qbo_id
    assert exq.open_count(rig.store) == 0 and rig.engine.run().writes == 0
    assert_books_match(rig)


def test_a_change_list_at_its_cap_is_completed_by_a_whole_read(rig: Rig, monkeypatch) -> None:
    """QuickBooks' CDC answers at most 1,000 objects and drops the rest silently. Scaled down here (the
    emulator and the client both cut at 40): the sync's own writes fill the overlap, and a person's later
    edit and deletion lie beyond the cap; the sync notices the cap and finds both by reading the lists."""
    from app.sandbox.qbo import books as qbo_books
    from app.sync import twoway

    monkeypatch.setattr(qbo_books, "CDC_MAX_OBJECTS", 40)
    monkeypatch.setattr(twoway, "CDC_CAP", 40)
    _synced(rig)
    unpaid = _unpaid_linked(rig)
    edited, deleted = (links.get(rig.store, "bills", b.id) for b in unpaid[:2])
    assert edited and deleted
    current = rig.qbo.read("Invoice", edited.qbo_id)
    rig.qbo.update("Invoice", {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True,
                               "DueDate": "2030-01-01", "Line": current["Line"][:1]}, "person-edit-cap")
    gone = rig.qbo.read("Invoice", deleted.qbo_id)
    rig.qbo.delete("Invoice", gone["Id"], gone["SyncToken"], "person-delete-cap")
    # What CDC alone would have said: only the oldest 40 of the changes, neither of the person's.


    bookmark = twoway.cdc_bookmark(rig.store)[0]
    assert bookmark is not None
    since = bookmark - twoway.OVERLAP
    capped = rig.qbo.cdc([*twoway.DIRECTORY, *twoway.WATCHED], since.isoformat(timespec="seconds"))
    assert sum(len(v) for v in capped.values()) == 40
    assert {r["Id"] for r in capped.get("Invoice", [])}.isdisjoint({edited.qbo_id, deleted.qbo_id})
    before = snapshot(rig)

    summary = rig.engine.run()
    assert summary.conflicts == 2 and summary.writes == 0, summary.lines()
    assert snapshot(rig) == before
    found = {i.reason_code: i.clio_id for i in exq.list_items(rig.store)}
    assert found == {"edited_in_qbo": str(edited.clio_id), "deleted_in_qbo": str(deleted.clio_id)}


def test_the_change_bookmark_is_a_cursor_and_an_old_database_keeps_its_own(tmp_path) -> None:
    """Issue 18: QuickBooks' CDC bookmark is kept with the other bookmarks; a database that kept it in settings
    (before) is read from there once and moved, and forgetting Clio's bookmarks does not forget it."""
    import datetime as dt

    from app.store import cursors, open_store, settings
    from app.sync import twoway

    store = open_store(tmp_path / "old.sqlite3")
    settings.put(store, "sync.qbo_cdc_since", "2026-11-30T10:00:00+00:00")
    settings.put(store, "sync.qbo_cdc_clock", "qbo")
    assert twoway.cdc_bookmark(store) == (dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), "qbo")
    twoway.set_cdc_bookmark(store, dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), "local")
    assert settings.get(store, "sync.qbo_cdc_since") is None and settings.get(store, "sync.qbo_cdc_clock") is None
    assert cursors.get(store, twoway.CDC_STREAM) == "2026-12-01T09:00:00+00:00 local"
    cursors.reset(store)  # a full Clio pull
    assert twoway.cdc_bookmark(store) == (dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), "local")
    store.close()
