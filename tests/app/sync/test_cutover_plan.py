"""The planner on a firm's existing books (the cutover, what QuickBooks already holds, the closing date), and
its trust overdraft check."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from app.store.links import Link
from app.sync.cutover import Cutover
from app.sync.existing import ExistingBooks
from app.sync.plan import PlanInput, make_plan

from .books_factory import DAY, MAPPING, alloc, bill, books, by_key, trust_txn

D = Decimal
CUT = dt.date(2026, 4, 1)  # the books_factory's records are dated 2026-03-02, before it
CUSTOMER, JOB = "50", "51"


def linked(**extra: Link) -> dict:
    """The client and its matter already linked to QuickBooks customers 50 and 51."""
    out = {("contacts", 1, "main"): Link("contacts", 1, "main", "c1", "", "Customer", CUSTOMER, "0", "posted", ""),
           ("matters", 101, "main"): Link("matters", 101, "main", "m1", "", "Customer", JOB, "0", "posted", "")}
    out.update(extra)
    return out


def existing(*invoices: dict, payments: tuple[dict, ...] = (), trust: tuple[tuple[str, dict], ...] = ()
             ) -> ExistingBooks:
    ex = ExistingBooks()
    for row in invoices:
        ex.invoices[str(row["DocNumber"]).casefold()].append(row)
        ex.foreign_invoices.add(row["Id"])
    for row in payments:
        ex.payments[row["CustomerRef"]["value"]].append(row)
    ex.trust_rows.extend(trust)
    return ex


AT_CUTOVER = Cutover(CUT)


def plan(b, ex: ExistingBooks | None = None, cut: Cutover = AT_CUTOVER, links: dict | None = None):
    return make_plan(PlanInput(books=b, mapping=MAPPING, links=linked() if links is None else links,
                               cutover=cut, existing=ex))


def invoice_row(qbo_id: str, number: str, total: str, customer: str = JOB) -> dict:
    return {"Id": qbo_id, "DocNumber": number, "TotalAmt": D(total), "TxnDate": DAY.isoformat(),
            "CustomerRef": {"value": customer}}


def test_an_invoice_quickbooks_already_has_is_linked_not_created():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    actions = by_key(plan(b, existing(invoice_row("900", "1001", "300.00"))))
    action = actions[("bills", 1, "main")]
    assert action.operation == "link" and action.link_to == "900"
    assert "linked existing QuickBooks invoice 1001" in action.notes[0]


def test_same_number_other_total_is_held_with_both_versions():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    p = plan(b, existing(invoice_row("900", "1001", "350.00")))
    assert ("bills", 1, "main") not in by_key(p)
    hold = next(h for h in p.holds if h.key == ("bills", 1, "main"))
    assert hold.reason_code == "existing_differs" and "$350.00" in hold.message and "$300.00" in hold.message
    assert hold.attempted["clio"]["TotalAmt"] == "300.00"
    assert hold.attempted["quickbooks"][0]["TotalAmt"] == "350.00"


def test_same_number_for_another_customer_is_held_never_a_second_invoice():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    p = plan(b, existing(invoice_row("900", "1001", "300.00", customer="77")))
    assert ("bills", 1, "main") not in by_key(p)
    assert [h.reason_code for h in p.holds if h.key == ("bills", 1, "main")] == ["existing_differs"]


def test_before_the_cutover_nothing_is_created_unless_an_open_bill_is_to_be_posted():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])  # awaiting payment: open
    b.invoices[2] = bill(2, 101, 1, [("Service", "1", "100.00", "0")])
    b.allocations = [alloc(1, 2, 10, "100.00")]  # bill 2 was paid in full before the cutover
    posted = by_key(plan(b, ExistingBooks()))
    assert ("bills", 1, "main") in posted and ("bills", 2, "main") not in posted
    assert ("payments", 10, "main") not in posted
    left = plan(b, ExistingBooks(), Cutover(CUT, open_bills="leave"))
    assert not [k for k in by_key(left) if k[0] in ("bills", "payments")]
    assert left.before_cutover == 3 and not left.holds


def test_a_payment_after_the_cutover_of_a_bill_left_out_is_held_saying_why():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    b.allocations = [replace(alloc(1, 1, 10, "300.00"), date=CUT + dt.timedelta(days=3))]
    p = plan(b, ExistingBooks(), Cutover(CUT, open_bills="leave"))
    hold = next(h for h in p.holds if h.key == ("payments", 10, "main"))
    assert hold.reason_code == "before_cutover" and "before the cutover" in hold.message


def test_a_payment_quickbooks_has_is_linked_even_under_another_reference():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    b.allocations = [alloc(1, 1, 10, "300.00")]
    ex = existing(invoice_row("900", "1001", "300.00"),
                  payments=({"Id": "901", "CustomerRef": {"value": JOB}, "TxnDate": DAY.isoformat(),
                             "TotalAmt": D("300.00"), "PaymentRefNum": "CHK-1234",
                             "Line": [{"LinkedTxn": [{"TxnId": "900", "TxnType": "Invoice"}]}]},))
    actions = by_key(plan(b, ex))
    pay = actions[("payments", 10, "main")]
    assert pay.operation == "link" and pay.link_to == "901" and "CHK-1234" in pay.notes[0]


def test_a_payment_on_the_same_invoice_with_another_amount_is_held_with_both():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    b.allocations = [alloc(1, 1, 10, "300.00")]
    ex = existing(invoice_row("900", "1001", "300.00"),
                  payments=({"Id": "901", "CustomerRef": {"value": JOB}, "TxnDate": DAY.isoformat(),
                             "TotalAmt": D("250.00"), "Line": [{"LinkedTxn": [{"TxnId": "900"}]}]},))
    p = plan(b, ex)
    hold = next(h for h in p.holds if h.key == ("payments", 10, "main"))
    assert hold.reason_code == "existing_differs" and hold.attempted["quickbooks"][0]["Id"] == "901"


def test_opening_trust_balance_is_the_difference_from_what_quickbooks_shows():
    b = books()
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="5000.00"), trust_txn(2, 101, 1, funds_out="1200.00")]
    deposit = ("Deposit", {"Id": "700", "TxnDate": DAY.isoformat(), "Line": [
        {"Amount": D("3000.00"), "DepositLineDetail": {"AccountRef": {"value": "8"},
                                                       "Entity": {"value": JOB, "type": "Customer"}}}]})
    p = plan(b, existing(trust=(deposit,)))
    actions = by_key(p)
    assert ("bank_transactions", 1, "main") not in actions and ("bank_transactions", 2, "main") not in actions
    opening = actions[("opening_balances", 101, "matters@71")]
    assert opening.amount == D("800.00") and opening.body["TxnDate"] == CUT.isoformat()
    assert opening.is_trust and "difference" in opening.notes[0]
    lines = {(ln["JournalEntryLineDetail"]["AccountRef"]["value"], ln["JournalEntryLineDetail"]["PostingType"])
             for ln in opening.body["Line"]}
    assert lines == {("2b", "Debit"), ("8", "Credit")}
    # QuickBooks already shows the whole balance: no opening entry at all
    shows_all = ("JournalEntry", {"Id": "701", "TxnDate": DAY.isoformat(), "Line": [
        {"Amount": D("800.00"), "JournalEntryLineDetail": {
            "PostingType": "Credit", "AccountRef": {"value": "8"},
            "Entity": {"Type": "Customer", "EntityRef": {"value": JOB}}}}]})
    assert ("opening_balances", 101, "matters@71") not in by_key(plan(b, existing(trust=(deposit, shows_all))))


def test_nothing_dated_on_or_before_the_closing_date_is_sent():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    p = plan(b, ExistingBooks(), Cutover(None, closed_through=DAY))
    hold = next(h for h in p.holds if h.key == ("bills", 1, "main"))
    assert hold.reason_code == "closed_period" and "closing date (2026-03-02)" in hold.message
    assert ("bills", 1, "main") in by_key(plan(b, ExistingBooks(), Cutover(None, closed_through=DAY - dt.timedelta(1))))


def test_money_out_that_overdraws_a_ledger_is_held_until_posted_anyway_with_a_reason():
    from app.model import ExceptionItem

    b = books()
    later = DAY + dt.timedelta(days=5)
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="1000.00"), trust_txn(2, 101, 1, funds_out="1250.00"),
                    replace(trust_txn(3, 101, 1, funds_in="500.00"), date=later)]
    p = plan(b, ExistingBooks(), Cutover())
    hold = next(h for h in p.holds if h.key == ("bank_transactions", 2, "main"))
    assert hold.reason_code == "trust_overdraft" and "-$250.00" in hold.message and DAY.isoformat() in hold.message
    assert ("bank_transactions", 1, "main") in by_key(p) and ("bank_transactions", 3, "main") in by_key(p)

    def queued(status: str, resolution: str) -> dict:
        item = ExceptionItem(id=7, kind="trust posting", clio_kind="bank_transactions", clio_id="2",
                             reason_code="trust_overdraft", message=hold.message, status=status,
                             created_at="", updated_at="", resolution=resolution)
        return {("bank_transactions", "2"): [item]}

    def with_queue(exceptions: dict):
        return make_plan(PlanInput(books=b, mapping=MAPPING, links=linked(), cutover=Cutover(),
                                   existing=ExistingBooks(), exceptions=exceptions))

    # a plain retry is not enough: posting an overdraft needs a person's reason
    assert ("bank_transactions", 2, "main") not in by_key(with_queue(queued("retry", "")))
    assert ("bank_transactions", 2, "main") in by_key(with_queue(queued("retry", "left the bank; topped up")))
    # a same-day deposit covers it: the check is the balance at the end of each day
    b.trust_txns[2] = trust_txn(3, 101, 1, funds_in="500.00")
    assert not [h for h in plan(b, ExistingBooks(), Cutover()).holds if h.reason_code == "trust_overdraft"]


def test_a_trust_change_dated_in_a_signed_off_month_is_held_naming_the_report():
    b = books()
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="1000.00")]
    signed = {"IOLTA": {"2026-03": "the reconciliation of IOLTA for 2026-03, signed off on 2026-04-03 by Pat and "
                                   "Riley (report 0123456789ab)"}}
    p = make_plan(PlanInput(books=b, mapping=MAPPING, links=linked(), signed_months=signed))
    hold = next(h for h in p.holds if h.key == ("bank_transactions", 1, "main"))
    assert hold.reason_code == "signed_period" and "report 0123456789ab" in hold.message
    assert "reopen 2026-03" in hold.message
    # the month after is open: the same entry dated then posts
    b.trust_txns = [replace(b.trust_txns[0], date=dt.date(2026, 4, 1))]
    assert ("bank_transactions", 1, "main") in by_key(make_plan(PlanInput(books=b, mapping=MAPPING, links=linked(),
                                                                          signed_months=signed)))


def test_a_voided_payment_from_trust_is_reversed_on_its_void_date_never_deleted():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "400.00", "0")])
    b.trust_txns = [trust_txn(4, 101, 1, funds_in="400.00")]
    b.allocations = [replace(alloc(1, 1, 900, "400.00", trust=True, matter=101, contact=1), status="invalid",
                             voided_at="2026-04-10T15:30:00Z")]
    posted = {key: Link(key[0], key[1], key[2], "e", "h", entity, qbo, "0", "posted", "")
              for key, entity, qbo in ((("payments", 900, "main"), "Payment", "77"),
                                       (("payments", 900, "trust_transfer"), "JournalEntry", "78"),
                                       (("bills", 1, "main"), "Invoice", "76"))}
    p = make_plan(PlanInput(books=b, mapping=MAPPING, links={**linked(), **posted}))
    actions = by_key(p)
    assert actions[("payments", 900, "main")].operation == "void"
    assert ("payments", 900, "trust_transfer") not in actions  # the posted transfer is never deleted
    reversal = actions[("payments", 900, "trust_reversal")]
    assert reversal.operation == "create" and reversal.body["TxnDate"] == "2026-04-10" and reversal.is_trust
    sides = {(ln["JournalEntryLineDetail"]["AccountRef"]["value"], ln["JournalEntryLineDetail"]["PostingType"])
             for ln in reversal.body["Line"]}
    assert sides == {("8", "Credit"), ("2b", "Debit")}  # the money goes back on the client's trust line
    assert reversal.amount == D("400.00")


def test_money_out_of_trust_for_a_payment_not_read_is_held_never_dropped():
    b = books()
    b.trust_txns = [trust_txn(4, 101, 1, funds_in="900.00"), trust_txn(5, 101, 1, funds_out="400.00", allocation=77)]
    p = make_plan(PlanInput(books=b, mapping=MAPPING, links=linked()))
    hold = next(h for h in p.holds if h.key == ("bank_transactions", 5, "main"))
    assert hold.reason_code == "trust_payment_missing" and "allocation 77" in hold.message
    # once the allocation is read, the transfer goes with its payment and the bank transaction is not posted twice
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "400.00", "0")])
    b.allocations = [alloc(77, 1, 900, "400.00", trust=True, matter=101, contact=1)]
    p = make_plan(PlanInput(books=b, mapping=MAPPING, links=linked()))
    actions = by_key(p)
    assert ("bank_transactions", 5, "main") not in actions and ("payments", 900, "trust_transfer") in actions
    assert not [h for h in p.holds if h.key == ("bank_transactions", 5, "main")]
