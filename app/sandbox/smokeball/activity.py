"""Things that happen in a Smokeball firm after a sync, done to the emulator's state as Smokeball would record
them (each changed record stamped, so the changed-since filters see it): a new invoice, a payment, a reversal,
a trust deposit. For the tests, the benchmarks and the demo's "a day passes"."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents
from app.sandbox.smokeball.emulator import SmokeballState


def account_of(state: SmokeballState, kind: str) -> str:
    return next(a for a, info in state.bank_accounts.items() if info["type"] == kind)


def add_txn(state: SmokeballState, account: str, matter: str | None, kind: str, amount: Decimal, day: dt.date,
            **extra: Any) -> dict[str, Any]:
    """A bank transaction (money out negative); the account's balance and its matter's balance follow."""
    txn = {"id": str(uuid.uuid4()), "type": kind, "amount": cents(amount),
           "matter": {"id": matter} if matter else None, "bankAccount": {"id": account},
           "effectiveDate": day.isoformat(), "enteredDate": day.isoformat(), "reversed": False, **extra}
    state.transactions.setdefault(account, []).append(txn)
    state.touch(txn)
    rebalance(state, account)
    return txn


def rebalance(state: SmokeballState, account: str) -> None:
    per_matter: dict[str, Decimal] = {}
    rows = state.transactions.get(account, [])
    for t in rows:
        if t.get("matter"):
            per_matter[t["matter"]["id"]] = per_matter.get(t["matter"]["id"], ZERO) + t["amount"]
    info = state.bank_accounts[account]
    info["balance"] = sum((t["amount"] for t in rows), ZERO)
    info["matterBalances"] = [{"matter": {"id": m}, "balance": b} for m, b in sorted(per_matter.items())]


def bill(state: SmokeballState, matter: str, day: dt.date, fee: Decimal, expense: Decimal = ZERO,
         number: int | None = None) -> dict[str, Any]:
    """A final invoice with a fixed fee (and an expense, if any) on it."""
    inv_id = str(uuid.uuid4())
    entries = []
    for kind, amount, bucket in ((0, fee, state.fees), (2, expense, state.expenses)):
        if amount <= ZERO:
            continue
        entry: dict[str, Any] = {"id": str(uuid.uuid4()), "matterId": matter, "invoiceId": inv_id, "subject": "Legal services"
                 if kind == 0 else "Disbursement", "amount": cents(amount), "finalized": True, "isBillable": True,
                 "isWrittenOff": False, "isDeleted": False}
        entry.update({"feeType": 0, "feeDate": day.isoformat()} if kind == 0 else
                     {"quantity": Decimal(1), "price": cents(amount), "expenseDate": day.isoformat()})
        bucket.setdefault(matter, []).append(entry)
        state.touch(entry)
        entries.append({"id": entry["id"], "type": kind})
    total = cents(fee + expense)
    numbers = [int(i.get("invoiceNumber") or 0) for rows in state.invoices.values() for i in rows]
    inv = {"id": inv_id, "matterId": matter, "status": 1, "invoiceNumber": number or max(numbers, default=0) + 1,
           "issuedDate": day.isoformat(), "dueDate": (day + dt.timedelta(days=30)).isoformat(), "entries": entries,
           "invoiceTotals": {"total": total, "billed": total, "paid": ZERO, "unpaid": total}}
    state.invoices.setdefault(matter, []).append(inv)
    state.touch(inv)
    return inv


def pay(state: SmokeballState, invoice: dict[str, Any], amount: Decimal, day: dt.date, *,
        from_trust: bool = False) -> dict[str, Any]:
    """A payment of ``amount`` on the invoice (from the matter's trust funds, or by the client into operating)."""
    amount = cents(amount)
    totals = invoice["invoiceTotals"]
    if amount <= ZERO or amount > totals["unpaid"]:
        raise ValueError(f"{amount} does not fit invoice {invoice['invoiceNumber']} ({totals['unpaid']} unpaid)")
    account = account_of(state, "Trust" if from_trust else "Operating")
    txn = add_txn(state, account, invoice["matterId"], "InvoicePayment", -amount if from_trust else amount, day)
    _settle(state, invoice, amount, day)
    return txn


def reverse(state: SmokeballState, txn_id: str, day: dt.date, invoice: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    """Reverse a transaction (a bounced payment); an invoice payment's invoice owes the money again."""
    account, original = next((a, t) for a, rows in state.transactions.items() for t in rows if t["id"] == txn_id)
    reversal = add_txn(state, account, (original.get("matter") or {}).get("id"), f"{original['type']}Reversal",
                       -original["amount"], day, reversedFromTransaction={"id": txn_id})
    original.update(reversed=True, reversedToTransaction={"id": reversal["id"]})
    state.touch(original)
    if invoice is not None:
        _settle(state, invoice, -abs(original["amount"]), day)
    return reversal


def _settle(state: SmokeballState, invoice: dict[str, Any], amount: Decimal, day: dt.date) -> None:
    totals = invoice["invoiceTotals"]
    totals["paid"] = cents(totals["paid"] + amount)
    totals["unpaid"] = cents(totals["total"] - totals["paid"])
    if totals["unpaid"] == ZERO:
        invoice.update(status=2, paidDate=day.isoformat())
    else:
        invoice["status"] = 1
        invoice.pop("paidDate", None)
    state.touch(invoice)
