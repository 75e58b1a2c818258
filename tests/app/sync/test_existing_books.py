"""A firm with years of books in QuickBooks: the first sync links what is there and creates only the rest.

The medium demo firm, with QuickBooks holding its books to mid-year (written as Clio's own connector writes
them, plus the leftovers of hand bookkeeping) and closed through June; the cutover is 1 July.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.money import cents
from app.sandbox.runner import Sandbox
from app.store import audit, links
from app.store import exceptions as exq
from app.sync import cutover, preview
from app.sync.clio_books import load_books

from .conftest import Rig, make_rig
from .test_e2e import snapshot

CUTOVER = dt.date(2026, 7, 1)
CLOSED = dt.date(2026, 6, 30)
TRANSACTIONS = ("Invoice", "Payment", "JournalEntry", "Deposit", "CreditMemo")


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Rig, dict, Counter]]:
    """The first sync of the medium firm on its existing books: (rig, QuickBooks before it, dry-run preview)."""
    with Sandbox("medium", clio_rate_limit=0, qbo_limits=False, existing_books=CUTOVER) as sb:
        rig = make_rig(sb, tmp_path_factory.mktemp("existing") / "firm.sqlite3")
        try:
            cutover.save(rig.store, CUTOVER, "post")
            rig.map_every_trust_account()
            before = {(e, i): dict(o) for e, objs in sb.qbo.books.objects.items() for i, o in objs.items()}
            dry = rig.engine.run(dry_run=True)
            assert dry.plan is not None
            assert snapshot(rig) == {k: str(v.get("SyncToken")) for k, v in before.items()}  # a preview sends nothing
            rows = Counter({(r.kind, r.outcome): r.count for r in preview.preview(dry.plan)})
            yield rig, before, rows
        finally:
            rig.clio.close()
            rig.qbo.close()
            rig.store.close()


@pytest.fixture(scope="module")
def first(firm: tuple[Rig, dict, Counter]) -> object:
    return firm[0].engine.run()


@pytest.fixture(scope="module")
def settled(firm: tuple[Rig, dict, Counter], first: object) -> object:
    """What the bookkeeper does after the first sync: link each client held as a possible existing customer
    to the customer the queue proposes, post the demo firm's planted overdraft anyway; then the next sync."""
    rig = firm[0]
    for item in exq.list_items(rig.store, reason_code="customer_near_match"):
        candidate = json.loads(item.attempted)["candidates"][0]
        exq.link_existing(rig.store, item.id, qbo_entity="Customer", qbo_id=str(candidate["Id"]), actor="user:ann")
    for item in exq.list_items(rig.store, reason_code="trust_overdraft"):
        if item.status == "open":
            exq.post_anyway(rig.store, item.id, reason="it left the bank; replaced from operating", actor="user:ann")
    return rig.engine.run()


def _seeded(before: dict, entity: str) -> dict[str, dict]:
    return {i: o for (e, i), o in before.items() if e == entity}


def test_the_preview_lists_what_will_be_linked_created_and_held(firm) -> None:
    rig, before, rows = firm
    assert rows[("invoice", "linked to what QuickBooks has")] > 100
    assert rows[("payment", "linked to what QuickBooks has")] > 50
    assert rows[("invoice", "created")] > 100  # the bills from July on
    assert rows[("opening trust balance", "created")] > 0
    assert rows[("invoice", "held")] >= 1  # the invoice whose total was changed by hand
    text = "\n".join(preview.lines(rig.engine.run(dry_run=True).plan))
    assert "before the cutover are left to QuickBooks' own books" in text


def test_first_sync_never_makes_a_second_invoice(firm, first) -> None:
    rig, _, _ = firm
    invoices = rig.qbo.query_all("Invoice")
    live = [i for i in invoices if not str(i.get("PrivateNote") or "").startswith("Voided")]
    assert not [n for n, c in Counter(i.get("DocNumber") for i in live).items() if n and c > 1]
    customers = rig.qbo.query_all("Customer")
    assert not [n for n, c in Counter(c["DisplayName"].casefold() for c in customers).items() if c > 1]


def test_every_disagreement_waits_with_both_versions(firm, first) -> None:
    rig, _, _ = firm
    planted = rig.sb.history.planted
    differs = {int(i.clio_id): i for i in exq.list_items(rig.store, reason_code="existing_differs")}
    item = differs[int(planted["different_total"]["bill_id"])]
    assert item.attempted and "quickbooks" in item.attempted and "clio" in item.attempted
    assert planted["different_total"]["qbo_total"] in item.attempted
    near = {int(i.clio_id): i for i in exq.list_items(rig.store, reason_code="customer_near_match")}
    misspelled = near[planted["misspelled_customer"]["contact_id"]]
    assert planted["misspelled_customer"]["qbo_name"] in misspelled.message


def test_once_customers_are_settled_what_quickbooks_has_is_linked(firm, settled) -> None:
    rig, before, _ = firm
    planted = rig.sb.history.planted
    invoices = rig.qbo.query_all("Invoice")
    live = [i for i in invoices if not str(i.get("PrivateNote") or "").startswith("Voided")]
    assert not [n for n, c in Counter(i.get("DocNumber") for i in live).items() if n and c > 1]
    all_links = links.all_links(rig.store)
    linked_invoices = {lk.qbo_id for k, lk in all_links.items() if k[0] == "bills" and lk.state == "posted"}
    seeded = _seeded(before, "Invoice")
    books = load_books(rig.store)
    waiting = {int(i.clio_id) for i in exq.list_items(rig.store, status=("open",))
               if i.clio_kind == "bills"}
    # every pre-existing invoice is linked, except the one whose total differs and those waiting for a person
    for qbo_id, inv in seeded.items():
        bill = next(b for b in books.invoices.values() if b.number == inv["DocNumber"])
        if bill.id in waiting:
            continue
        assert qbo_id in linked_invoices, (inv["DocNumber"], bill.id)
    assert int(planted["different_total"]["bill_id"]) in waiting
    # created ones are all from the cutover on (or open bills from before it, dated after the closing date)
    for key, lk in all_links.items():
        if key[0] == "bills" and lk.qbo_id not in seeded:
            assert books.invoices[key[1]].issued_at > CLOSED, key
    # payments: each seeded payment is linked at most once, the hand-typed one among them
    payment_links = Counter(lk.qbo_id for k, lk in all_links.items() if lk.qbo_entity == "Payment")
    assert not [i for i, n in payment_links.items() if n > 1]
    seeded_payments = _seeded(before, "Payment")
    linked_seeded = set(payment_links) & set(seeded_payments)
    assert len(linked_seeded) >= len(seeded_payments) - 20, (len(linked_seeded), len(seeded_payments))
    hand = next(i for i, p in seeded_payments.items() if p.get("PaymentRefNum") == "CHK-HAND")
    assert hand in linked_seeded
    entries = audit.history(rig.store, clio_kind="payments", clio_id=planted["hand_typed_payment"]["payment_id"])
    assert any("linked existing" in e.detail and "CHK-HAND" in e.detail for e in entries)


def test_nothing_is_written_into_the_closed_period_and_trust_ties(firm, settled) -> None:
    rig, before, _ = firm
    for entity in TRANSACTIONS:
        for i, obj in rig.sb.qbo.books.objects[entity].items():
            if (entity, i) not in before:
                assert dt.date.fromisoformat(obj["TxnDate"][:10]) > CLOSED, (entity, i, obj["TxnDate"])
    # what QuickBooks had is never changed (a payment applied to an old invoice moves only its balance)
    changed = [e for e in audit.history(rig.store, limit=100_000)
               if e.action in ("sync.updated", "sync.voided", "sync.deleted") and (e.qbo_entity, e.qbo_id) in before]
    assert not changed
    for (entity, i), old in before.items():
        if entity in TRANSACTIONS:
            now = rig.sb.qbo.books.objects[entity][i]
            assert (now.get("TxnDate"), now.get("TotalAmt"), now.get("Line")) == \
                (old.get("TxnDate"), old.get("TotalAmt"), old.get("Line")), (entity, i)
    assert settled.trust and all(t.ties for t in settled.trust), settled.lines()
    # the retainer booked to operating before the cutover shows up as a difference in that matter's opening
    planted = rig.sb.history.planted["trust_deposit_to_operating"]
    opening = [e for e in audit.history(rig.store, clio_kind="opening_balances", clio_id=planted["matter_id"])
               if e.action == "sync.posted"]
    assert opening and "difference" in opening[0].detail
    assert audit.verify(rig.store).ok


def test_then_a_sync_writes_nothing(firm, settled) -> None:
    rig, _, _ = firm
    state = snapshot(rig)
    again = rig.engine.run()
    assert again.writes == 0 and again.linked == 0, again.lines()
    assert snapshot(rig) == state
    assert all(t.ties for t in again.trust)
    assert cents(sum((t.clio_ledgers for t in again.trust), cents(0))) > 0


def test_the_sandbox_command_seeds_existing_books(tmp_path: Path) -> None:
    import argparse

    from app.commands.sandbox import _args  # the option as the command line parses it

    parser = argparse.ArgumentParser()
    _args(parser)
    assert parser.parse_args(["--existing-books", "2026-07-01"]).existing_books == CUTOVER
    with pytest.raises(SystemExit):
        parser.parse_args(["--existing-books", "July"])
