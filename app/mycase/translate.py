"""MyCase records → the records the cache keeps and ``app.sync.clio_books`` normalizes (the shape of
``app.smokeball.translate``: Clio v4's field names, the source's own under ``"mycase"``, a record that must not
post carrying ``"ledgerbridge_hold"``).

MyCase's ids are integers, but a client and a company may share one, so every id gets a local number
(``app.store.source_ids``) under its kind. Money arrives as JSON numbers (amounts) or strings (a time entry's
rate, an expense's cost and units), read as Decimal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.money import ZERO, cents
from app.source_records import Ids, with_etag

# MyCase's invoice status → Clio's bill state (a draft or an unsent invoice is not owed yet)
STATES = {"draft": "draft", "unsent": "draft", "sent": "awaiting_payment", "partial": "awaiting_payment",
          "overdue": "awaiting_payment", "paid": "paid"}


def number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else ZERO
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def ref(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value in (None, "") else str(value)


def contact(raw: dict[str, Any], kind: str, ids: Ids, stamp: str) -> dict[str, Any]:
    """A client (a person) or a company, as one contact; ``kind`` is "client" or "company"."""
    first, last = str(raw.get("first_name") or ""), str(raw.get("last_name") or "")
    name = str(raw.get("name") or "") if kind == "company" else " ".join(p for p in (first, last) if p)
    return with_etag({"id": ids("contacts", f"{kind}:{raw['id']}"), "name": name, "first_name": first,
                      "last_name": last, "type": "Company" if kind == "company" else "Person",
                      "primary_email_address": raw.get("email") or "", "updated_at": stamp,
                      "mycase": {"id": raw["id"], "kind": kind}})


def case_client(raw: dict[str, Any]) -> str | None:
    """Whom a case bills: its billing contact (a client or a company: whichever of its own has that id), else its
    first client, else its first company, as "client:ID" or "company:ID"."""
    clients = [ref(c) for c in raw.get("clients") or []]
    companies = [ref(c) for c in raw.get("companies") or []]
    billing = ref(raw.get("billing_contact"))
    if billing and billing in clients:
        return f"client:{billing}"
    if billing and billing in companies:
        return f"company:{billing}"
    if clients and clients[0]:
        return f"client:{clients[0]}"
    return f"company:{companies[0]}" if companies and companies[0] else None


def matter(raw: dict[str, Any], ids: Ids, stamp: str) -> dict[str, Any]:
    client = ids("contacts", case_client(raw))
    area = raw.get("practice_area")
    return with_etag({"id": ids("matters", str(raw["id"])),
                      "display_number": raw.get("case_number") or raw.get("name") or str(raw["id"]),
                      "description": raw.get("name") or "", "status": str(raw.get("status") or "open").title(),
                      "client": {"id": client} if client else None,
                      "practice_area": {"name": area.get("name") if isinstance(area, dict) else area} if area else None,
                      "updated_at": stamp, "mycase": {"id": raw["id"], "client": case_client(raw)}})


def invoice(raw: dict[str, Any], ids: Ids, client: int | None, stamp: str) -> dict[str, Any]:
    """An invoice. One whose money goes to a trust bank account asks for a trust deposit: a trust request."""
    total, paid = cents(number(raw.get("total_amount"))), cents(number(raw.get("paid_amount")))
    case = ids("matters", ref(raw.get("case")))
    account: dict[str, Any] = raw["bank_account"] if isinstance(raw.get("bank_account"), dict) else {}
    status = str(raw.get("status") or "")
    return with_etag({
        "id": ids("bills", str(raw["id"])), "number": str(raw.get("invoice_number") or raw["id"]),
        "kind": "trust_kind" if str(account.get("account_type") or "").lower() == "trust" else "revenue_kind",
        "state": STATES.get(status, f"unknown ({status})"), "issued_at": raw.get("invoice_date"),
        "due_at": raw.get("due_date"), "total": total, "paid": paid, "balance": total - paid,
        "client": {"id": client} if client else None, "matters": [{"id": case}] if case else [],
        "updated_at": stamp, "mycase": {"id": raw["id"], "case": ref(raw.get("case"))},
    })


def entry(raw: dict[str, Any], kind: str, ids: Ids, stamp: str) -> dict[str, Any] | None:
    """A billable time entry or expense on an invoice → a bill line (rebuilt: MyCase publishes no invoice
    lines). One on no invoice is ``bill 0``: it leaves the invoice it was on, and belongs to none."""
    if not raw.get("billable", True):
        return None
    invoices = [ref(i) for i in raw.get("invoices") or [] if ref(i)]
    if kind == "time_entries":
        quantity, price = number(raw.get("hours")), number(raw.get("rate"))
    else:
        quantity, price = number(raw.get("units") or 1), number(raw.get("cost"))
    bill = ids("bills", invoices[0]) if invoices else 0
    return with_etag({
        "id": ids("line_items", f"{kind}:{raw['id']}"), "kind": "Service" if kind == "time_entries" else "Expense",
        "description": raw.get("description") or raw.get("activity_name") or "", "quantity": quantity,
        "price": price, "total": cents(quantity * price), "date": raw.get("entry_date"), "bill": {"id": bill},
        "matter": {"id": ids("matters", ref(raw.get("case")))}, "updated_at": stamp,
        "mycase": {"id": raw["id"], "kind": kind, "invoices": invoices},
    })


def allocation(raw: dict[str, Any], ids: Ids, client: int | None, stamp: str, *, voided_on: str | None = None
               ) -> dict[str, Any]:
    """A successful invoice payment: one allocation of a payment of its own (MyCase links it to its invoice)."""
    number_ = ids("allocations", str(raw["id"]))
    return with_etag({
        "id": number_, "amount": cents(number(raw.get("amount"))), "date": raw.get("date") or
        str(raw.get("created_at") or "")[:10], "voided_at": voided_on,
        "bill": {"id": ids("bills", ref(raw.get("invoice")))}, "parent": {"id": number_, "type": "Payment"},
        "source_bank_account": None, "destination_bank_account": None,
        "matter": {"id": ids("matters", ref(raw.get("case")))} if ref(raw.get("case")) else None,
        "contact": {"id": client} if client else None, "updated_at": stamp,
        "mycase": {"id": raw["id"], "status": raw.get("status")},
    })
