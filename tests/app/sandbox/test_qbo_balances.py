"""Balances as QuickBooks keeps them: accounts, customers, and a customer's share of one account.

Scenarios first (each number worked out by hand), then random histories checked against the invariants
of double entry: the trial balance is zero, A/R is the sum of open invoices less credits and unapplied
payments, Undeposited Funds is what was received there and not yet deposited, and the trust bank equals
the trust liability equals the sum of the clients' trust balances.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sandbox.qbo.books import Books
from app.sandbox.qbo.emulator import QboState
from app.sandbox.qbo.wire import QboFault


def D(text: str) -> Decimal:
    return Decimal(text)


def line(amount: str, item: str = "2") -> dict[str, Any]:
    return {"Amount": amount, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item}}}


def je_line(posting: str, account: str, amount: str, customer: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"PostingType": posting, "AccountRef": {"value": account}}
    if customer:
        detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": customer}}
    return {"Amount": amount, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": detail}


@pytest.fixture
def state() -> QboState:
    return QboState(limits_per_minute=None)


def test_invoice_payment_deposit_and_journal_balances(state: QboState) -> None:
    books = state.books
    acct = state.account_id
    ar, uf, checking = acct("Accounts Receivable (A/R)"), acct("Undeposited Funds"), acct("Operating Checking")
    fees, expenses, discounts = acct("Legal Fee Income"), acct("Reimbursed Expense Income"), acct("Discounts Given")
    client = books.create("Customer", {"DisplayName": "Hale Family Trust"})["Id"]

    inv = books.create("Invoice", {"CustomerRef": {"value": client}, "Line": [
        line("1000.00"), line("45.25", item="3"),
        {"DetailType": "DiscountLineDetail", "Amount": "100.00", "DiscountLineDetail": {"PercentBased": False}}]})
    assert inv["TotalAmt"] == D("945.25")
    assert state.account_balance(ar) == D("945.25")
    assert state.account_balance(fees) == D("1000.00")
    assert state.account_balance(expenses) == D("45.25")
    assert state.account_balance(discounts) == D("-100.00")  # a contra-income account

    books.create("Payment", {"CustomerRef": {"value": client}, "TotalAmt": "500.00", "Line": [
        {"Amount": "500.00", "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    direct = books.create("Payment", {"CustomerRef": {"value": client}, "TotalAmt": "445.25",
                                      "DepositToAccountRef": {"value": checking}, "Line": [
        {"Amount": "445.25", "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    assert state.account_balance(ar) == D("0.00")
    assert state.account_balance(uf) == D("500.00")
    assert state.account_balance(checking) == D("445.25")
    assert books.obj("Invoice", inv["Id"])["Balance"] == D("0.00")
    assert books.customer_balance(client) == D("0.00")

    first_payment = next(p for p in books.objects["Payment"].values() if p["Id"] != direct["Id"])
    books.create("Deposit", {"DepositToAccountRef": {"value": checking}, "Line": [
        {"Amount": "500.00", "LinkedTxn": [{"TxnId": first_payment["Id"], "TxnType": "Payment"}]}]})
    assert state.account_balance(uf) == D("0.00")
    assert state.account_balance(checking) == D("945.25")

    charges = acct("Bank Service Charges")
    books.create("JournalEntry", {"Line": [je_line("Debit", charges, "15.00"),
                                           je_line("Credit", checking, "15.00")]})
    assert state.account_balance(checking) == D("930.25")
    assert state.account_balance(charges) == D("15.00")
    assert sum(books._acct.values()) == 0


def test_voiding_and_deleting_reverse_their_postings(state: QboState) -> None:
    books = state.books
    ar = state.account_id("Accounts Receivable (A/R)")
    client = books.create("Customer", {"DisplayName": "Reversal Co"})["Id"]
    inv = books.create("Invoice", {"CustomerRef": {"value": client}, "Line": [line("250.00")]})
    pay = books.create("Payment", {"CustomerRef": {"value": client}, "TotalAmt": "250.00", "Line": [
        {"Amount": "100.00", "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    assert pay["UnappliedAmt"] == D("150.00")
    assert state.account_balance(ar) == D("0.00")
    books.delete("Payment", {"Id": pay["Id"], "SyncToken": "0"})
    assert state.account_balance(ar) == D("250.00")
    assert books.obj("Invoice", inv["Id"])["Balance"] == D("250.00")
    current = books.obj("Invoice", inv["Id"])
    books.void("Invoice", {"Id": inv["Id"], "SyncToken": current["SyncToken"]})
    assert state.account_balance(ar) == D("0.00")
    assert state.account_balance(state.account_id("Legal Fee Income")) == D("0.00")
    with pytest.raises(QboFault) as err:
        books.create("Payment", {"CustomerRef": {"value": client}, "TotalAmt": "1.00", "Line": [
            {"Amount": "1.00", "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    assert err.value.code == "6000"


def test_trust_balances_per_sub_customer(state: QboState) -> None:
    books = state.books
    trust, liability = state.account_id("IOLTA Trust Account"), state.account_id("Client Trust Liability")
    client = books.create("Customer", {"DisplayName": "Nguyen, Bao"})["Id"]
    matters = [books.create("Customer", {"DisplayName": f"Nguyen - Matter {n}", "Job": True,
                                         "ParentRef": {"value": client}})["Id"] for n in range(2)]
    books.create("Deposit", {"DepositToAccountRef": {"value": trust}, "Line": [
        {"Amount": "3000.00", "DetailType": "DepositLineDetail", "DepositLineDetail": {
            "AccountRef": {"value": liability}, "Entity": {"value": matters[0], "type": "Customer"}}},
        {"Amount": "700.00", "DetailType": "DepositLineDetail", "DepositLineDetail": {
            "AccountRef": {"value": liability}, "Entity": {"value": matters[1], "type": "Customer"}}}]})
    books.create("JournalEntry", {"Line": [je_line("Debit", liability, "1000.00", matters[0]),
                                           je_line("Credit", trust, "1000.00")]})
    assert state.account_balance(trust) == D("2700.00")
    assert state.account_balance(liability) == D("2700.00")
    assert books.entity_balances(liability) == {matters[0]: D("2000.00"), matters[1]: D("700.00")}
    # A disbursement larger than the client's funds is allowed by QuickBooks: the ledger shows it.
    books.create("JournalEntry", {"Line": [je_line("Debit", liability, "900.00", matters[1]),
                                           je_line("Credit", trust, "900.00")]})
    assert state.customer_account_balance(matters[1], liability) == D("-200.00")


# --- random histories ------------------------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
ops = st.lists(st.tuples(st.sampled_from(["invoice", "pay", "pay_part", "deposit", "void_pay", "del_inv",
                                          "trust_in", "trust_out", "credit"]),
                         st.integers(0, 3), amounts), min_size=1, max_size=25)


def _run(books: Books, roles: dict[str, str], customers: list[str], history: list[tuple[str, int, Decimal]]) -> None:
    checking = roles["checking"]
    for op, who, amount in history:
        cust = customers[who]
        open_invoices = [i for i in books.objects["Invoice"].values()
                         if i["CustomerRef"]["value"] == cust and i["Balance"] > 0]
        try:
            if op == "invoice":
                books.create("Invoice", {"CustomerRef": {"value": cust}, "Line": [line(str(amount))]})
            elif op == "credit":
                books.create("CreditMemo", {"CustomerRef": {"value": cust}, "Line": [line(str(amount))]})
            elif op in ("pay", "pay_part") and open_invoices:
                target = open_invoices[0]
                applied = target["Balance"] if op == "pay" else min(amount, target["Balance"])
                books.create("Payment", {"CustomerRef": {"value": cust}, "TotalAmt": str(applied + (
                    amount if op == "pay" else 0)), "Line": [{"Amount": str(applied), "LinkedTxn": [
                        {"TxnId": target["Id"], "TxnType": "Invoice"}]}]})
            elif op == "deposit":
                waiting = [p for p in books.objects["Payment"].values()
                           if p["DepositToAccountRef"]["value"] == roles["undeposited"] and p["TotalAmt"] > 0
                           and books.deposited_in(p["Id"]) is None]
                if waiting:
                    books.create("Deposit", {"DepositToAccountRef": {"value": checking}, "Line": [
                        {"Amount": str(p["TotalAmt"]), "LinkedTxn": [{"TxnId": p["Id"], "TxnType": "Payment"}]}
                        for p in waiting[:3]]})
            elif op == "void_pay":
                live = [p for p in books.objects["Payment"].values() if books.deposited_in(p["Id"]) is None
                        and not books.is_voided("Payment", p["Id"])]
                if live:
                    books.update("Payment", {"Id": live[0]["Id"], "SyncToken": live[0]["SyncToken"],
                                             "sparse": True}, void=True)
            elif op == "del_inv":
                free = [i for i in books.objects["Invoice"].values() if not books.applied_to("Invoice", i["Id"])]
                if free:
                    books.delete("Invoice", {"Id": free[0]["Id"], "SyncToken": free[0]["SyncToken"]})
            elif op == "trust_in":
                books.create("Deposit", {"DepositToAccountRef": {"value": roles["trust"]}, "Line": [
                    {"Amount": str(amount), "DetailType": "DepositLineDetail", "DepositLineDetail": {
                        "AccountRef": {"value": roles["liability"]}, "Entity": {"value": cust}}}]})
            elif op == "trust_out":
                books.create("JournalEntry", {"Line": [je_line("Debit", roles["liability"], str(amount), cust),
                                                       je_line("Credit", roles["trust"], str(amount))]})
        except QboFault as fault:  # a refusal must be a business rule, never a bug
            assert fault.code in ("6000", "6540"), fault


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=ops)
def test_random_histories_keep_the_books_consistent(history: list[tuple[str, int, Decimal]]) -> None:
    state = QboState(limits_per_minute=None)
    books = state.books
    roles = {"checking": state.account_id("Operating Checking"), "undeposited": books.roles["undeposited"],
             "trust": state.account_id("IOLTA Trust Account"), "liability": state.account_id("Client Trust Liability")}
    customers = [books.create("Customer", {"DisplayName": f"Client {n}"})["Id"] for n in range(4)]
    _run(books, roles, customers, history)

    assert sum(books._acct.values(), Decimal(0)) == 0  # every write balanced
    open_invoices = sum((i["Balance"] for i in books.objects["Invoice"].values()), Decimal(0))
    credits = sum((c["RemainingCredit"] for c in books.objects["CreditMemo"].values()), Decimal(0))
    unapplied = sum((p["UnappliedAmt"] for p in books.objects["Payment"].values()), Decimal(0))
    ar = state.account_balance(books.roles["ar"])
    assert ar == open_invoices - credits - unapplied
    assert ar == sum((books.customer_balance(c) for c in customers), Decimal(0))
    waiting = sum((p["TotalAmt"] for p in books.objects["Payment"].values()
                   if p["DepositToAccountRef"]["value"] == roles["undeposited"]
                   and books.deposited_in(p["Id"]) is None), Decimal(0))
    assert state.account_balance(roles["undeposited"]) == waiting
    trust = state.account_balance(roles["trust"])
    assert trust == state.account_balance(roles["liability"])
    assert trust == sum(books.entity_balances(roles["liability"]).values(), Decimal(0))
    for inv in books.objects["Invoice"].values():
        assert inv["Balance"] == inv["TotalAmt"] - books.applied_to("Invoice", inv["Id"])


@pytest.mark.slow
def test_queries_stay_fast_on_sixty_thousand_invoices(state: QboState) -> None:
    books = state.books
    customers = [books.create("Customer", {"DisplayName": f"Big Client {n}"})["Id"] for n in range(500)]
    for n in range(60_000):
        books.create("Invoice", {"CustomerRef": {"value": customers[n % 500]}, "DocNumber": f"B{n:05d}",
                                 "Line": [line("100.00")]})
    timings = {}
    for sql in ("select * from Invoice where DocNumber = 'B59999'",
                "select count(*) from Invoice",
                "select * from Invoice startposition 59001 maxresults 1000",
                f"select * from Invoice where CustomerRef = '{customers[17]}' maxresults 1000",
                "select * from Invoice where TotalAmt > '50' maxresults 1000"):
        start = time.perf_counter()
        books.query_json(sql)
        timings[sql] = time.perf_counter() - start
    print({k: round(v, 3) for k, v in timings.items()})
    assert timings["select * from Invoice where DocNumber = 'B59999'"] < 0.05
    assert max(timings.values()) < 2.0
