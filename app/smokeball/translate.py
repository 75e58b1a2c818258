"""Smokeball records → the records the cache keeps and ``app.sync.clio_books`` normalizes into ``app.model``.

The cache's record shape is the one the sync already reads (Clio v4's field names: ``app.clio.fields``), so a
second source changes nothing downstream: the posting rules, the holds, the audit and the reconciliation read
the same records whichever system they came from. Each translated record keeps what Smokeball said that the
shape has no field for under ``"smokeball"`` (its GUID, a transaction's type), and a record the sync must not
post carries ``"ledgerbridge_hold": {reason, message}`` (held by the planner with that reason, never dropped).

Ids: Smokeball's GUIDs get local numbers (``app.store.source_ids``); ``Ids`` resolves them.
Money: Smokeball sends dollars as JSON numbers, read as Decimal; money out of an account is negative.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.money import ZERO, cents
from app.source_records import Ids, with_etag

INVOICE_STATES = {0: "draft", 1: "awaiting_payment", 2: "paid", 3: "deleted", 4: "void"}
INVOICE_STATE_NAMES = {"Draft": 0, "Final": 1, "Paid": 2, "Deleted": 3, "Void": 4}
PAYMENT_TYPES = frozenset({"InvoicePayment", "InvoicePaymentReversal"})
ACCOUNT_TYPES = {"Trust": "Trust", "Operating": "Operating"}  # Credit and ControlledMoney are not books the sync keeps
ACCOUNT_CHARGES = frozenset({"BankFees", "BankFeesReversal", "Interest", "InterestReversal"})


def ref_id(value: Any) -> str | None:
    """A Link object ``{id, href, …}`` (or a bare id) → the GUID."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def money(value: Any) -> Decimal:
    return ZERO if value is None or value == "" else cents(Decimal(str(value)))


def contact(raw: dict[str, Any], ids: Ids, stamp: str) -> dict[str, Any]:
    person, company = raw.get("person") or {}, raw.get("company") or {}
    if company.get("name") and not person:
        kind, first, last, name = "Company", "", "", str(company["name"])
        email = company.get("email") or ""
    else:
        kind, first, last = "Person", str(person.get("firstName") or ""), str(person.get("lastName") or "")
        name = " ".join(p for p in (first, last) if p)
        email = person.get("email") or ""
    if not name:  # a trust or a group of people: its own name, if it has one
        other = raw.get("trust") or raw.get("groupOfPeople") or {}
        name = str(other.get("name") or "") if isinstance(other, dict) else ""
    return with_etag({"id": ids("contacts", raw["id"]), "name": name, "first_name": first, "last_name": last,
                      "type": kind, "primary_email_address": email, "updated_at": stamp,
                      "smokeball": {"id": raw["id"]}})


def matter(raw: dict[str, Any], ids: Ids, stamp: str) -> dict[str, Any]:
    clients = raw.get("clients") or []
    client = ids("contacts", ref_id(clients[0])) if clients else None
    kind = raw.get("matterType")
    return with_etag({"id": ids("matters", raw["id"]), "display_number": raw.get("number") or "",
                      "description": raw.get("title") or raw.get("description") or "",
                      "status": raw.get("status") or "Open", "client": {"id": client} if client else None,
                      "practice_area": {"name": kind.get("name")} if isinstance(kind, dict) and kind.get("name")
                      else None, "updated_at": stamp, "smokeball": {"id": raw["id"]}})


def bank_account(raw: dict[str, Any], ids: Ids, stamp: str) -> dict[str, Any] | None:
    kind = ACCOUNT_TYPES.get(str(raw.get("type") or ""))
    if kind is None:
        return None
    record: dict[str, Any] = {
        "id": ids("bank_accounts", raw["id"]), "name": raw.get("accountName") or kind, "type": kind,
        "currency": "USD", "balance": money(raw.get("balance")), "account_number": raw.get("accountNumber") or "",
        "default_account": False, "updated_at": stamp, "smokeball": {"id": raw["id"]}}
    if kind == "Trust":  # Smokeball's own per-matter balances: the client-ledger leg of the tie-out
        record["ledger_balances"] = {str(number): money(b.get("balance")) for b in raw.get("matterBalances") or []
                                     if (number := ids("matters", ref_id(b.get("matter")))) is not None}
    return with_etag(record)


def invoice_status(value: Any) -> int | None:
    """Invoice status on the wire: an integer (as the description types it) or its name (as the webhook sample
    shows): both are read."""
    if isinstance(value, int):
        return value if value in INVOICE_STATES else None
    return INVOICE_STATE_NAMES.get(str(value))


def invoice(raw: dict[str, Any], ids: Ids, client: int | None, stamp: str) -> dict[str, Any]:
    totals = raw.get("invoiceTotals") or {}
    status = invoice_status(raw.get("status"))
    mid = ids("matters", raw.get("matterId") or ref_id(raw.get("matter")))
    return with_etag({
        "id": ids("bills", raw["id"]), "number": str(raw.get("invoiceNumber") or ""), "kind": "revenue_kind",
        "state": INVOICE_STATES.get(status) if status is not None else f"unknown ({raw.get('status')})",
        "issued_at": raw.get("issuedDate"), "due_at": raw.get("dueDate"), "total": money(totals.get("total")),
        "paid": money(totals.get("paid")), "balance": money(totals.get("unpaid")),
        "client": {"id": client} if client else None, "matters": [{"id": mid}] if mid else [],
        "updated_at": stamp,
        "smokeball": {"id": raw["id"], "matterId": raw.get("matterId") or ref_id(raw.get("matter")),
                      "paidDate": raw.get("paidDate")},
    })


def entry(raw: dict[str, Any], ids: Ids, expense: bool, stamp: str) -> dict[str, Any] | None:
    """A fee or expense on an invoice → a bill line (an entry on no invoice, deleted or written off, is none)."""
    invoice_id = raw.get("invoiceId") or ref_id(raw.get("invoice"))
    if not invoice_id or raw.get("isDeleted") or raw.get("isWrittenOff"):
        return None
    amount = money(raw.get("amount"))
    if expense:
        quantity, price = Decimal(str(raw.get("quantity") or 1)), Decimal(str(raw.get("price") or amount))
        day = raw.get("expenseDate")
    elif raw.get("feeType") in (1, "Time") and raw.get("duration") and raw.get("rate") is not None:
        quantity, price = Decimal(int(raw["duration"])) / 60, Decimal(str(raw["rate"]))  # hours at the rate
        day = raw.get("feeDate")
    else:
        quantity, price, day = Decimal(1), amount, raw.get("feeDate")
    return with_etag({
        "id": ids("line_items", raw["id"]), "kind": "Expense" if expense else "Service",
        "description": raw.get("subject") or raw.get("description") or "", "quantity": quantity, "price": price,
        "total": amount, "date": (day or "")[:10] or None, "bill": {"id": ids("bills", invoice_id)},
        "matter": {"id": ids("matters", raw.get("matterId") or ref_id(raw.get("matter")))}, "updated_at": stamp,
        "smokeball": {"id": raw["id"]},
    })


def txn_date(raw: dict[str, Any]) -> str:
    return str(raw.get("effectiveDate") or raw.get("enteredDate") or "")[:10]


def transaction(raw: dict[str, Any], ids: Ids, account: dict[str, Any], client: int | None, stamp: str, *,
                allocation: int | None = None, bill: int | None = None,
                hold: dict[str, Any] | None = None) -> dict[str, Any]:
    """A bank transaction. A payment matched to its invoice names the allocation (and bill) it made; money out
    is ``funds_out``."""
    amount = money(raw.get("amount"))
    kind = str(raw.get("type") or "")
    mid = ids("matters", ref_id(raw.get("matter")))
    record: dict[str, Any] = {
        "id": ids("bank_transactions", raw["id"]), "date": txn_date(raw),
        "funds_in": amount if amount > ZERO else ZERO, "funds_out": -amount if amount < ZERO else ZERO,
        "confirmation": raw.get("reference") or "",
        "description": raw.get("description") or raw.get("reason") or raw.get("payorName") or kind,
        "transaction_type": kind, "bank_account": {"id": account["id"], "type": account["type"]},
        "client": {"id": client} if client else None, "matter": {"id": mid} if mid else None,
        "bill": {"id": bill} if bill else None, "allocation": {"id": allocation} if allocation else None,
        "updated_at": stamp,
        "smokeball": {"id": raw["id"], "type": kind, "matterId": ref_id(raw.get("matter")),
                      "accountId": ref_id(raw.get("bankAccount")), "amount": amount, "date": txn_date(raw),
                      "payorName": raw.get("payorName") or "",
                      "reverses": ref_id(raw.get("reversedFromTransaction"))},
    }
    if hold:
        record["ledgerbridge_hold"] = hold
    return with_etag(record)


def allocation(txn: dict[str, Any], *, bill: int, account: dict[str, Any], contact_id: int | None,
               operating: int | None, voided_on: str | None = None, hold: dict[str, Any] | None = None,
               stamp: str = "") -> dict[str, Any]:
    """A matched ``InvoicePayment`` as the one allocation of a payment of its own (``parent`` is itself): from
    trust, the trust account is its source; otherwise it arrived in the account it is on."""
    sb = txn["smokeball"]
    trust = account["type"] == "Trust"
    arrived = operating if trust else account["id"]
    record: dict[str, Any] = {
        "id": txn["id"], "amount": abs(Decimal(str(sb["amount"]))), "date": sb["date"],
        "voided_at": voided_on, "bill": {"id": bill}, "parent": {"id": txn["id"], "type": "Payment"},
        "source_bank_account": {"id": account["id"], "type": "Trust"} if trust else None,
        "destination_bank_account": {"id": arrived, "type": "Operating"} if arrived else None,
        "matter": txn.get("matter"), "contact": {"id": contact_id} if contact_id else None, "updated_at": stamp,
        "smokeball": {"id": sb["id"]},
    }
    if hold:
        record["ledgerbridge_hold"] = hold
        record["bill"] = None
    return with_etag(record)


