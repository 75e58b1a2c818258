"""Earned fees moved from trust to operating with no bill: both sides post, together, or neither."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from app.model import TrustTxn
from app.store.links import Link
from app.sync.cutover import Cutover
from app.sync.plan import PlanInput, make_plan

from .books_factory import DAY, MAPPING, OPERATING, alloc, bill, books, by_key, trust_txn

D = Decimal


def deposit(txn_id: int, client: int, amount: str, *, day: dt.date = DAY, reference: str = "") -> TrustTxn:
    return TrustTxn(txn_id, "o", OPERATING, day, D(amount), D("0"), confirmation=reference, client_id=client,
                    transaction_type="Transfer")


def transfer_books(out: str = "300.00", into: str = "300.00"):
    b = books()
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="1000.00"), trust_txn(2, 101, 1, funds_out=out)]
    b.operating_deposits = [deposit(50, 1, into)]
    return b


def lines(action) -> set[tuple[str, str, str]]:
    return {(ln["JournalEntryLineDetail"]["AccountRef"]["value"], ln["JournalEntryLineDetail"]["PostingType"],
             str(ln["Amount"])) for ln in action.body["Line"]}


def test_a_transfer_of_earned_fees_posts_its_trust_and_its_operating_side():
    actions = by_key(make_plan(PlanInput(books=transfer_books(), mapping=MAPPING)))
    trust, operating = actions[("bank_transactions", 2, "main")], actions[("bank_transactions", 2, "operating")]
    assert trust.is_trust and lines(trust) == {("8", "Debit", "300.00"), ("2b", "Credit", "300.00")}
    assert "transfer to operating" in trust.label
    # operating money from here on: the operating bank and fee income, never a trust account
    assert not operating.is_trust and lines(operating) == {("1", "Debit", "300.00"), ("14", "Credit", "300.00")}
    assert trust.group == operating.group == "transfer:2"
    assert operating.posting is not None and not operating.posting.is_trust
    assert operating.posting.debits == operating.posting.credits == D("300.00")


def test_a_withdrawal_with_no_operating_deposit_is_a_disbursement_alone():
    actions = by_key(make_plan(PlanInput(books=transfer_books(into="299.00"), mapping=MAPPING)))
    assert "disbursement" in actions[("bank_transactions", 2, "main")].label
    assert ("bank_transactions", 2, "operating") not in actions


def test_when_the_trust_side_is_held_the_operating_side_waits_with_it():
    p = make_plan(PlanInput(books=transfer_books(out="1300.00", into="1300.00"), mapping=MAPPING))  # overdraws
    holds = {h.key: h for h in p.holds}
    assert holds[("bank_transactions", 2, "main")].reason_code == "trust_overdraft"
    partner = holds[("bank_transactions", 2, "operating")]
    assert partner.reason_code == "held_with_partner" and "trust ledger" in partner.message
    assert not any(k[0] == "bank_transactions" and k[1] == 2 for k in by_key(p))


def test_when_the_operating_side_cannot_post_the_trust_side_waits_with_it():
    p = make_plan(PlanInput(books=transfer_books(), mapping=replace(MAPPING, fees_income_account="")))
    holds = {h.key: h for h in p.holds}
    assert holds[("bank_transactions", 2, "operating")].reason_code == "mapping_incomplete"
    assert holds[("bank_transactions", 2, "main")].reason_code == "held_with_partner"
    assert not any(k[0] == "bank_transactions" and k[1] == 2 for k in by_key(p))


def test_a_closed_period_holds_both_sides():
    p = make_plan(PlanInput(books=transfer_books(), mapping=MAPPING,
                            cutover=Cutover(dt.date(2026, 1, 1), closed_through=DAY)))
    holds = {h.key: h.reason_code for h in p.holds}
    assert holds[("bank_transactions", 2, "main")] == "closed_period"
    assert holds[("bank_transactions", 2, "operating")] == "held_with_partner"


def test_the_operating_deposit_of_a_bill_paid_from_trust_is_left_to_its_payment():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    b.allocations = [alloc(77, 1, 900, "300.00", trust=True, matter=101, contact=1)]
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="1000.00"), trust_txn(3, 101, 1, funds_out="300.00", allocation=77),
                    trust_txn(2, 101, 1, funds_out="300.00")]  # and an unrelated disbursement of the same amount
    b.operating_deposits = [deposit(50, 1, "300.00")]  # the deposit of payment 900, which the payment posts
    actions = by_key(make_plan(PlanInput(books=b, mapping=MAPPING)))
    assert ("payments", 900, "trust_transfer") in actions
    assert ("bank_transactions", 2, "operating") not in actions
    assert "disbursement" in actions[("bank_transactions", 2, "main")].label


def test_references_must_agree_when_both_sides_carry_one():
    b = transfer_books()
    b.trust_txns[1] = replace(b.trust_txns[1], confirmation="TR-1")
    b.operating_deposits = [deposit(50, 1, "300.00", reference="TR-2"), deposit(51, 1, "300.00", reference="TR-1")]
    operating = by_key(make_plan(PlanInput(books=b, mapping=MAPPING)))[("bank_transactions", 2, "operating")]
    assert "operating deposit 51" in operating.body["PrivateNote"]


def test_a_posted_pair_is_unchanged_on_the_next_run():
    b = transfer_books()
    first = make_plan(PlanInput(books=b, mapping=MAPPING))
    posted = {a.key: Link(a.key[0], a.key[1], a.key[2], a.etag, a.chash, a.entity, str(n), "0", "posted", "")
              for n, a in enumerate(first.actions, 1)}
    again = make_plan(PlanInput(books=b, mapping=MAPPING, links=posted))
    assert not again.actions and not again.holds


def test_a_posted_transfer_whose_sides_no_longer_agree_is_held_for_a_person():
    b = transfer_books()
    first = make_plan(PlanInput(books=b, mapping=MAPPING))
    posted = {a.key: Link(a.key[0], a.key[1], a.key[2], a.etag, a.chash, a.entity, str(n), "0", "posted", "")
              for n, a in enumerate(first.actions, 1)}
    b.trust_txns[1] = replace(b.trust_txns[1], funds_out=D("250.00"), etag="t2")  # edited in Clio on one side
    again = make_plan(PlanInput(books=b, mapping=MAPPING, links=posted))
    hold = next(h for h in again.holds if h.key == ("bank_transactions", 2, "operating"))
    assert hold.reason_code == "transfer_changed" and "left as it is" in hold.message
    # the trust side's change waits with it: the two sides of a transfer never go apart
    assert next(h for h in again.holds if h.key == ("bank_transactions", 2, "main")).reason_code == "held_with_partner"


def test_a_client_payment_deposited_the_same_day_is_never_taken_for_a_transfer():
    b = transfer_books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    b.allocations = [alloc(88, 1, 901, "300.00", matter=101, contact=1)]  # paid by the client, not from trust
    actions = by_key(make_plan(PlanInput(books=b, mapping=MAPPING)))
    assert ("payments", 901, "main") in actions
    assert ("bank_transactions", 2, "operating") not in actions  # the deposit is that payment's
    assert "disbursement" in actions[("bank_transactions", 2, "main")].label
