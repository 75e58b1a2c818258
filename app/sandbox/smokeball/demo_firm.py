"""A Smokeball demo firm for the emulator: contacts, matters, invoices with their fee and expense entries, an
operating and a trust account, and the trust activity a law firm has: deposits, vendor payments
(disbursements), invoice payments from trust and from the client, a reversed payment, transfers between the
accounts, bank fees and interest. Deterministic for a seed.

Money out of an account is a negative amount (the sources do not say how Smokeball signs it: an emulator
choice, to confirm against a real firm). Everything ties, as Smokeball keeps it: each invoice's ``paid`` is the sum of its matter's payments that
were applied to it and not reversed (Smokeball itself records no link: the generator knows it, the sync must
work it out, ``app.smokeball.payments``); each account's ``matterBalances`` is the sum of that matter's
transactions on it; a trust ledger never goes below zero.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents
from app.sandbox.smokeball.emulator import SmokeballState

START = dt.date(2026, 9, 1)


@dataclass
class Truth:
    """What the generator knows and Smokeball does not publish: which invoice each payment paid."""

    paid_by: dict[str, str] = field(default_factory=dict)  # payment transaction id → invoice id
    reversed: set[str] = field(default_factory=set)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def demo_firm(state: SmokeballState, *, matters: int = 20, seed: int = 7) -> Truth:
    rng = random.Random(seed)
    truth = Truth()
    trust, operating = _id(rng), _id(rng)
    for account, kind, name in ((trust, "Trust", "IOLTA Trust"), (operating, "Operating", "Operating")):
        state.bank_accounts[account] = {"id": account, "type": kind, "status": 0, "accountName": name,
                                        "accountNumber": "4417300921" if kind == "Trust" else "4417300113",
                                        "balance": ZERO, "matterBalances": []}
        state.transactions[account] = []
    held: dict[str, Decimal] = {}

    def txn(account: str, matter: str | None, kind: str, amount: Decimal, day: dt.date, **extra: Any) -> str:
        tid = _id(rng)
        state.transactions[account].append({
            "id": tid, "type": kind, "amount": amount, "matter": {"id": matter} if matter else None,
            "bankAccount": {"id": account}, "effectiveDate": day.isoformat(), "enteredDate": day.isoformat(),
            "reversed": False, **extra})
        if account == trust and matter:
            held[matter] = held.get(matter, ZERO) + amount
        return tid

    for n in range(matters):
        cid, mid = _id(rng), _id(rng)
        state.contacts[cid] = {"id": cid, "person": {"firstName": f"Client{n}", "lastName": rng.choice(
            ["Chen", "Okafor", "Silva", "Novak", "Haddad"])}, "isDeleted": False}
        state.matters[mid] = {"id": mid, "number": f"{n + 1:05d}", "title": f"Matter {n + 1}", "status": "Open",
                              "clients": [{"id": cid}], "openedDate": START.isoformat()}
        retainer = cents(Decimal(rng.randint(10, 60) * 100 + n))  # no two alike: a bank line matches one
        txn(trust, mid, "Deposit", retainer, START + dt.timedelta(days=rng.randint(0, 5)), payorName=f"Client{n}")
        if rng.random() < 0.4:  # a filing fee paid to a vendor out of trust
            fee = cents(Decimal(rng.randint(50, 400)))
            txn(trust, mid, "VendorPayment", -min(fee, held[mid]), START + dt.timedelta(days=rng.randint(6, 12)),
                payorName="Superior Court Clerk")
        state.invoices[mid] = []
        for i in range(rng.randint(1, 3)):
            issued = START + dt.timedelta(days=15 + 20 * i + rng.randint(0, 4))
            inv_id = _id(rng)
            work, expense = _entries(state, rng, mid, inv_id, issued)
            total = work["amount"] + expense["amount"]
            inv = {"id": inv_id, "matterId": mid, "status": 1, "invoiceNumber": 1000 + n * 10 + i,
                   "issuedDate": issued.isoformat(), "dueDate": (issued + dt.timedelta(days=30)).isoformat(),
                   "entries": [{"id": work["id"], "type": 1}, {"id": expense["id"], "type": 2}],
                   "invoiceTotals": {"total": total, "billed": total, "paid": ZERO, "unpaid": total,
                                     "feeTotal": work["amount"], "expenseTotal": expense["amount"]}}
            state.invoices[mid].append(inv)
            _pay(state, truth, inv, trust, operating, held, txn, rng, issued)
    # a bank fee and interest on the pooled account, and a transfer between the firm's own accounts
    txn(trust, None, "BankFees", Decimal("-25.00"), START + dt.timedelta(days=29))
    txn(trust, None, "Interest", Decimal("6.17"), START + dt.timedelta(days=29))
    if matters:
        _twins(state, truth, next(iter(state.matters)), operating, txn, rng)
    _balances(state)
    return truth


def _entries(state: SmokeballState, rng: random.Random, mid: str, inv_id: str, issued: dt.date
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A time fee and an expense on the invoice (its two entries), as the matter's fees and expenses list them."""
    rate, minutes = Decimal(rng.choice([250, 300, 350])), 6 * rng.randint(5, 60)
    day = (issued - dt.timedelta(days=rng.randint(1, 10))).isoformat()
    fee = {"id": _id(rng), "matterId": mid, "invoiceId": inv_id, "subject": "Legal services", "feeDate": day,
           "feeType": 1, "duration": minutes, "rate": rate, "amount": cents(rate * minutes / 60),
           "finalized": True, "isBillable": True, "isWrittenOff": False, "isDeleted": False}
    price = cents(Decimal(rng.randint(20, 400)) + Decimal(rng.randint(0, 99)) / 100)
    expense = {"id": _id(rng), "matterId": mid, "invoiceId": inv_id, "subject": "Filing and courier",
               "expenseDate": day, "quantity": Decimal(1), "price": price, "amount": price, "finalized": True,
               "isBillable": True, "isWrittenOff": False, "isDeleted": False}
    state.fees.setdefault(mid, []).append(fee)
    state.expenses.setdefault(mid, []).append(expense)
    return fee, expense


def _twins(state: SmokeballState, truth: Truth, mid: str, operating: str, txn: Any, rng: random.Random) -> None:
    """The planted ambiguity: two invoices of one matter for the same amount, each paid in full on the same day.
    Nothing Smokeball publishes tells which payment paid which, so the sync must hold both for a person."""
    day = START + dt.timedelta(days=60)
    for k in range(2):
        inv_id = _id(rng)
        work, expense = _entries(state, rng, mid, inv_id, day)
        work.update(duration=60, rate=Decimal(300), amount=Decimal("300.00"))
        expense.update(price=Decimal("45.00"), amount=Decimal("45.00"))
        total = Decimal("345.00")
        state.invoices[mid].append({
            "id": inv_id, "matterId": mid, "status": 2, "invoiceNumber": 9000 + k, "issuedDate": day.isoformat(),
            "dueDate": (day + dt.timedelta(days=30)).isoformat(), "paidDate": (day + dt.timedelta(days=5)).isoformat(),
            "entries": [{"id": work["id"], "type": 1}, {"id": expense["id"], "type": 2}],
            "invoiceTotals": {"total": total, "billed": total, "paid": total, "unpaid": ZERO}})
        pid = txn(operating, mid, "InvoicePayment", total, day + dt.timedelta(days=5))
        truth.paid_by[pid] = inv_id


def _pay(state: SmokeballState, truth: Truth, inv: dict[str, Any], trust: str, operating: str,
         held: dict[str, Decimal], txn: Any, rng: random.Random, issued: dt.date) -> None:
    """Pay an invoice in full, in part or not at all: from trust (the matter's funds allowing) or by the client;
    now and then a payment is reversed and paid again."""
    mid, totals = inv["matterId"], inv["invoiceTotals"]
    share = rng.choice([ZERO, totals["total"], cents(totals["total"] / 2)])
    if share == ZERO:
        return
    day = issued + dt.timedelta(days=rng.randint(1, 10))
    from_trust = held.get(mid, ZERO) >= share and rng.random() < 0.5
    account = trust if from_trust else operating
    pid = txn(account, mid, "InvoicePayment", -share if from_trust else share, day)
    if rng.random() < 0.15:  # the payment bounced or was entered in error: reversed, then paid again
        back = txn(account, mid, "InvoicePaymentReversal", share if from_trust else -share,
                   day + dt.timedelta(days=2), reversedFromTransaction={"id": pid})
        original = next(t for t in state.transactions[account] if t["id"] == pid)
        original.update(reversed=True, reversedToTransaction={"id": back})
        truth.reversed |= {pid, back}
        day += dt.timedelta(days=3)
        pid = txn(account, mid, "InvoicePayment", -share if from_trust else share, day)
    truth.paid_by[pid] = inv["id"]
    totals["paid"] = share
    totals["unpaid"] = totals["total"] - share
    if share == totals["total"]:
        inv["status"] = 2
        inv["paidDate"] = day.isoformat()


def _balances(state: SmokeballState) -> None:
    for account, rows in state.transactions.items():
        per_matter: dict[str, Decimal] = {}
        for t in rows:
            if t["matter"]:
                per_matter[t["matter"]["id"]] = per_matter.get(t["matter"]["id"], ZERO) + t["amount"]
        info = state.bank_accounts[account]
        info["balance"] = sum((t["amount"] for t in rows), ZERO)
        info["matterBalances"] = [{"matter": {"id": m}, "balance": b} for m, b in sorted(per_matter.items())]
