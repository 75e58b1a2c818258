"""The planner and the posting rules on their own: pure functions of books, links and mapping."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from app.mapping import Mapping
from app.model import BillState, PostingType
from app.sync import invariants
from app.sync.actions import WAVE_CUSTOMER, WAVE_DOC, WAVE_JOB, WAVE_PAYMENT, WAVE_VOID, request_id
from app.sync.plan import PlanInput, make_plan

from .books_factory import MAPPING, alloc, apply, bill, books, by_key, trust_txn

D = Decimal


def plan_for(b, links=None, mapping: Mapping = MAPPING, **kw):
    return make_plan(PlanInput(books=b, mapping=mapping, links=links or {}, **kw))


def test_customer_job_invoice_in_dependency_waves():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "2.5", "300.00", "0"), ("Expense", "1", "45.10", "0")])
    actions = by_key(plan_for(b))
    cust, job, inv = actions[("contacts", 1, "main")], actions[("matters", 101, "main")], actions[("bills", 1, "main")]
    assert (cust.wave, job.wave, inv.wave) == (WAVE_CUSTOMER, WAVE_JOB, WAVE_DOC)
    assert job.body["Job"] is True and job.body["BillWithParent"] is True
    assert job.body["ParentRef"] == {"$ref": ["contacts", 1, "main"]}
    assert inv.body["DocNumber"] == "1001" and inv.body["CustomerRef"] == {"$ref": ["matters", 101, "main"]}
    items = [ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in inv.body["Line"]]
    assert items == [MAPPING.fees_item, MAPPING.expense_item]
    assert sum(ln["Amount"] for ln in inv.body["Line"]) == D("795.10") == inv.amount
    assert inv.posting is not None and inv.posting.debits == inv.posting.credits == D("795.10")


def test_a_trust_request_is_never_an_invoice():
    """A bill of kind trust_kind asks the client for a trust deposit: no invoice, now or after it is paid."""
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "300.00", "0")])
    for state in (BillState.AWAITING_PAYMENT, BillState.PAID):
        # Shaped like a bill that would post (its total adds up): only its kind keeps it out.
        request = bill(2, 101, 1, [("Service", "1", "2500.00", "0")], state=state)
        b.invoices[2] = request
        assert ("bills", 2, "main") in by_key(plan_for(b))
        b.invoices[2] = replace(request, kind="trust_kind")
        plan = plan_for(b)
        assert ("bills", 1, "main") in by_key(plan) and ("bills", 2, "main") not in by_key(plan)
        assert not [h for h in plan.holds if h.key[:2] == ("bills", 2)]


def test_line_discounts_become_one_discount_line_and_totals_stay_equal():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "3", "250.00", "75.00"), ("Service", "1", "100.00", "0")])
    inv = by_key(plan_for(b))[("bills", 1, "main")]
    sales = [ln for ln in inv.body["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    discount = [ln for ln in inv.body["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert [ln["Amount"] for ln in sales] == [D("750.00"), D("100.00")]
    assert [ln["Amount"] for ln in discount] == [D("75.00")]
    assert sum(ln["Amount"] for ln in sales) - discount[0]["Amount"] == b.invoices[1].total == D("775.00")


def test_lines_adding_up_to_less_than_the_bill_are_held_with_a_sentence():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")], total="150.00")
    plan = plan_for(b)
    [hold] = [h for h in plan.holds if h.key == ("bills", 1, "main")]
    assert hold.reason_code == "amounts_mismatch" and "less than its total" in hold.message


def test_unchanged_record_is_not_sent_and_edited_one_is_an_update():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")])
    links = apply(plan_for(b), {})
    again = plan_for(b, links)
    assert again.actions == [] and again.unchanged == 3
    b.invoices[1] = bill(1, 101, 1, [("Service", "2", "100.00", "0")], etag="e2")
    [update] = plan_for(b, links).actions
    assert update.operation == "update" and update.key == ("bills", 1, "main")
    assert update.request_id != request_id(update.key, "create", links[update.key].content_hash)


def test_voided_bill_voids_its_invoice_and_a_never_posted_one_is_skipped():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")])
    links = apply(plan_for(b), {})
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")], state=BillState.VOID)
    b.invoices[2] = bill(2, 101, 1, [("Service", "1", "100.00", "0")], state=BillState.VOID)
    [void] = plan_for(b, links).actions
    assert (void.operation, void.entity, void.wave, void.key) == ("void", "Invoice", WAVE_VOID, ("bills", 1, "main"))


def test_allocations_of_one_payment_become_one_qbo_payment_per_customer():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")])
    b.invoices[2] = bill(2, 101, 1, [("Service", "1", "50.00", "0")])
    b.allocations = [alloc(1, 1, 900, "100.00"), alloc(2, 2, 900, "20.00")]
    pay = by_key(plan_for(b))[("payments", 900, "main")]
    assert pay.wave == WAVE_PAYMENT and pay.body["TotalAmt"] == D("120.00")
    assert pay.body["DepositToAccountRef"] == {"value": MAPPING.deposit_account}
    assert [ln["LinkedTxn"][0]["TxnId"] for ln in pay.body["Line"]] == [{"$id": ["bills", 1, "main"]},
                                                                         {"$id": ["bills", 2, "main"]}]


def test_trust_deposit_and_disbursement_touch_only_trust_accounts_with_the_matter_on_the_liability():
    b = books()
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="5000.00"), trust_txn(2, 101, 1, funds_out="1200.00")]
    actions = by_key(plan_for(b))
    dep, dis = actions[("bank_transactions", 1, "main")], actions[("bank_transactions", 2, "main")]
    for a, (dr, cr) in ((dep, ("2b", "8")), (dis, ("8", "2b"))):
        assert a.entity == "JournalEntry" and a.is_trust
        sides = {ln["JournalEntryLineDetail"]["PostingType"]: ln for ln in a.body["Line"]}
        assert sides["Debit"]["JournalEntryLineDetail"]["AccountRef"]["value"] == dr
        assert sides["Credit"]["JournalEntryLineDetail"]["AccountRef"]["value"] == cr
        liability = sides["Credit" if dr == "2b" else "Debit"]["JournalEntryLineDetail"]
        assert liability["Entity"]["EntityRef"] == {"$ref": ["matters", 101, "main"]}
    assert dep.amount == D("5000.00") and dis.amount == D("1200.00")


def test_invoice_paid_from_trust_is_two_postings_that_belong_together():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "400.00", "0")])
    b.allocations = [alloc(1, 1, 900, "400.00", trust=True, matter=101, contact=1)]
    b.trust_txns = [trust_txn(4, 101, 1, funds_in="400.00"),  # the retainer it is paid from
                    trust_txn(5, 101, 1, funds_out="400.00", allocation=1)]  # posted with the payment
    actions = by_key(plan_for(b))
    assert ("bank_transactions", 5, "main") not in actions
    pay, transfer = actions[("payments", 900, "main")], actions[("payments", 900, "trust_transfer")]
    assert pay.group == transfer.group and pay.body["DepositToAccountRef"]["value"] == MAPPING.deposit_account
    assert transfer.is_trust and transfer.posting is not None
    assert {(ln.account_id, ln.posting) for ln in transfer.posting.lines} == {("8", PostingType.DEBIT),
                                                                              ("2b", PostingType.CREDIT)}


def test_trust_posting_that_would_reach_income_is_held():
    bad = Mapping(**{**MAPPING.to_json(), "trust_accounts": ()})
    from app.mapping import TrustAccountMap

    bad = Mapping.from_json({**MAPPING.to_json(), "trust_accounts": [
        {"clio_account_id": 71, "bank": "2b", "liability": "14", "name": "IOLTA"}]})
    assert isinstance(bad.trust_accounts[0], TrustAccountMap)
    b = books()
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="10.00")]
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")])
    plan = plan_for(b, mapping=bad, income_accounts=["14", "15"])
    # the invoice posts to income account 14, which is now also a "trust" account: held, not sent
    held = {h.key: h for h in plan.holds}
    assert held[("bills", 1, "main")].reason_code == "posting_invalid"
    assert "trust account" in held[("bills", 1, "main")].message
    action = by_key(plan)[("bank_transactions", 1, "main")]
    action.trust_accounts = ("2b", "8")  # what the invariant allows for this account
    assert "income account" in invariants.check(action, {"2b", "8"}, ["14"])


def test_a_held_client_holds_everything_that_depends_on_it():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")])
    b.allocations = [alloc(1, 1, 900, "100.00")]
    b.trust_txns = [trust_txn(1, 101, 1, funds_in="10.00")]
    existing = [{"Id": "58", "DisplayName": "Client 1", "PrimaryEmailAddr": {"Address": "other@example.com"}}]
    plan = plan_for(b, qbo_customers=existing)
    held = {h.key: h for h in plan.holds}
    assert held[("contacts", 1, "main")].reason_code == "customer_near_match"
    for key in (("matters", 101, "main"), ("bills", 1, "main"), ("payments", 900, "main"),
                ("bank_transactions", 1, "main")):
        assert held[key].reason_code == "waiting_for_dependency" and "Client 1" in held[key].message
    assert plan.actions == []


def test_existing_customer_with_same_name_and_email_is_linked_not_duplicated():
    b = books(2)
    existing = [{"Id": "58", "DisplayName": "client  1", "PrimaryEmailAddr": {"Address": "C1@example.com"}},
                {"Id": "59", "DisplayName": "Client 2", "PrimaryEmailAddr": {"Address": "c2@example.com"}},
                {"Id": "60", "DisplayName": "Client 2", "PrimaryEmailAddr": {"Address": "c2@example.com"}}]
    plan = plan_for(b, qbo_customers=existing)
    actions = by_key(plan)
    assert actions[("contacts", 1, "main")].operation == "link" and actions[("contacts", 1, "main")].link_to == "58"
    assert {h.key: h.reason_code for h in plan.holds}[("contacts", 2, "main")] == "customer_ambiguous"


def test_names_quickbooks_cannot_take_are_adapted_deterministically():
    b = books(3)
    from app.model import Client

    b.clients[1] = Client(1, "e", "Acme: Holdings LLC")
    b.clients[2] = Client(2, "e", "John Smith", email="a@example.com")
    b.clients[3] = Client(3, "e", "John Smith", email="b@example.com")
    b.clients[4] = Client(4, "e", "X" * 140)
    b.matters[104] = b.matters[101].__class__(104, "m", 4, "00004-X")
    plan = plan_for(b, other_names=["Superior Court Clerk"])
    names = {a.key[1]: a.body["DisplayName"] for a in plan.actions if a.key[0] == "contacts"}
    assert names[1] == "Acme - Holdings LLC" and names[2] == "John Smith"
    assert names[3] == "John Smith (Clio 3)" and len(names[4]) == 100
    notes = {a.key[1]: a.notes for a in plan.actions if a.key[0] == "contacts"}
    assert "colon" in notes[1][0] and "already has that name" in notes[3][0] and not notes[2]
    assert plan_for(b, other_names=["Superior Court Clerk"]).describe() == plan.describe()


def test_bills_settled_in_this_run_are_unchanged_without_their_lines_and_their_payments_still_go():
    b = books()
    b.invoices[1] = bill(1, 101, 1, [("Service", "1", "100.00", "0")])
    b.invoices[2] = bill(2, 101, 1, [("Service", "1", "50.00", "0")])
    links = apply(plan_for(b), {})
    # What the full plan sees once the early pushes posted both: bill 1 read without its lines.
    b.invoices[1] = bill(1, 101, 1, [], total="100.00")
    b.allocations.append(alloc(1, 1, 900, "100.00"))
    plan = plan_for(b, links, settled_bills=frozenset({1, 3}))
    assert ("bills", 1, "main") not in by_key(plan) and not plan.holds
    assert plan.unchanged >= 2  # bill 1 settled, bill 2 compared and unchanged
    assert by_key(plan)[("payments", 900, "main")].needs == (("bills", 1, "main"), ("matters", 101, "main"))
    # A bill named settled but never posted is planned as usual (and held here: it has no lines).
    b.invoices[3] = bill(3, 101, 1, [], total="70.00")
    assert [h.key for h in plan_for(b, links, settled_bills=frozenset({1, 3})).holds] == [("bills", 3, "main")]
