"""Raw Clio v4 JSON (as ``ClioClient.iter_records`` yields it) → ``app.model`` records.

Amounts go through ``app.money`` (Decimal; int, str and Decimal accepted, float refused), money is
quantized to cents at this edge while quantities and rates stay exact. Dates come from ISO strings; a
datetime keeps the calendar date Clio wrote (its local date), since that is the date on the books.
A record missing a field we cannot do without raises ``ClioDataError`` naming the record and field,
so the sync can hold that one record instead of stopping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.clio.errors import ClioDataError
from app.errors import MoneyError
from app.model import (
    Allocation,
    AllocationParent,
    BankAccount,
    BankAccountType,
    BillState,
    Client,
    ContactType,
    Invoice,
    InvoiceLine,
    LineKind,
    Matter,
    TrustTxn,
)
from app.money import amount, cents

Raw = Mapping[str, Any]
_ZERO = Decimal("0.00")


def _fail(raw: Raw, kind: str, field: str, why: str) -> ClioDataError:
    return ClioDataError(
        f"Clio {kind} {raw.get('id', '?')} has {why} in '{field}'",
        kept="The record was not changed in Ledgerbridge or QuickBooks.",
        next_step=f"Check the {kind} in Clio; the next sync reads it again.",
    )


def _req(raw: Raw, kind: str, field: str) -> Any:
    value = raw.get(field)
    if value is None or value == "":
        raise _fail(raw, kind, field, "no value")
    return value


def _id(raw: Raw, kind: str) -> int:
    try:
        return int(_req(raw, kind, "id"))
    except (TypeError, ValueError):
        raise _fail(raw, kind, "id", "an unreadable value") from None


def _str(raw: Raw, field: str) -> str:
    value = raw.get(field)
    return "" if value is None else str(value)


def _ref_id(raw: Raw, field: str) -> int | None:
    """``client{id}`` → the id, or None when the reference is absent or null."""
    ref = raw.get(field)
    if isinstance(ref, Mapping):
        ref = ref.get("id")
    if ref is None or ref == "":
        return None
    return int(ref)


def _ref_type(raw: Raw, field: str) -> str:
    ref = raw.get(field)
    return str(ref.get("type") or "") if isinstance(ref, Mapping) else ""


def _money(raw: Raw, kind: str, field: str, *, required: bool = False) -> Decimal:
    value = raw.get(field)
    if value is None or value == "":
        if required:
            raise _fail(raw, kind, field, "no amount")
        return _ZERO
    try:
        return cents(value)
    except MoneyError:
        raise _fail(raw, kind, field, f"an unreadable amount ({type(value).__name__})") from None


def _exact(raw: Raw, kind: str, field: str, default: str = "0") -> Decimal:
    value = raw.get(field)
    if value is None or value == "":
        return Decimal(default)
    try:
        return amount(value)
    except MoneyError:
        raise _fail(raw, kind, field, f"an unreadable number ({type(value).__name__})") from None


def parse_date(value: Any) -> dt.date | None:
    """``2024-03-01`` or ``2024-03-01T09:30:00-05:00`` → date(2024, 3, 1); empty → None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


def _date(raw: Raw, kind: str, field: str, *, required: bool = False) -> dt.date | None:
    try:
        value = parse_date(raw.get(field))
    except ValueError:
        raise _fail(raw, kind, field, "an unreadable date") from None
    if value is None and required:
        raise _fail(raw, kind, field, "no date")
    return value


def _enum(raw: Raw, kind: str, field: str, enum: type[StrEnum], default: Any = None) -> Any:
    value = raw.get(field)
    if value is None or value == "":
        if default is not None:
            return default
        raise _fail(raw, kind, field, "no value")
    for member in enum:
        if str(value).lower() == member.value.lower():
            return member
    raise _fail(raw, kind, field, f"an unknown value {value!r}")


def _email(raw: Raw) -> str:
    value = raw.get("primary_email_address")
    if isinstance(value, Mapping):  # some versions nest it as {address: …}
        value = value.get("address")
    return "" if value is None else str(value)


def to_client(raw: Raw) -> Client:
    first, last = _str(raw, "first_name"), _str(raw, "last_name")
    name = _str(raw, "name") or " ".join(p for p in (first, last) if p)
    if not name:
        raise _fail(raw, "contact", "name", "no value")
    return Client(
        id=_id(raw, "contact"),
        etag=_str(raw, "etag"),
        name=name,
        type=_enum(raw, "contact", "type", ContactType, ContactType.PERSON),
        first_name=first,
        last_name=last,
        email=_email(raw),
        updated_at=_str(raw, "updated_at"),
    )


def to_matter(raw: Raw) -> Matter:
    client_id = _ref_id(raw, "client")
    if client_id is None:
        raise _fail(raw, "matter", "client", "no client")
    practice = raw.get("practice_area")
    if isinstance(practice, Mapping):
        practice = practice.get("name")
    return Matter(
        id=_id(raw, "matter"),
        etag=_str(raw, "etag"),
        client_id=client_id,
        display_number=str(_req(raw, "matter", "display_number")),
        description=_str(raw, "description"),
        status=_str(raw, "status") or "Open",
        practice_area="" if practice is None else str(practice),
        updated_at=_str(raw, "updated_at"),
    )


def _discount(raw: Raw, kind: str) -> Decimal:
    """A line's discount as money; Clio may send a number or ``{rate, type}``."""
    value = raw.get("discount")
    if isinstance(value, Mapping):
        if value.get("amount") is not None:
            return _money(value, kind, "amount")
        rate = _exact(value, kind, "rate")
        if str(value.get("type", "")).lower() == "percentage":
            gross = _exact(raw, kind, "quantity") * _exact(raw, kind, "price")
            return cents(gross * rate / Decimal(100))
        return cents(rate)
    return _money(raw, kind, "discount")


def to_invoice_line(raw: Raw) -> InvoiceLine:
    bill_id = _ref_id(raw, "bill")
    if bill_id is None:
        raise _fail(raw, "line item", "bill", "no bill")
    return InvoiceLine(
        id=_id(raw, "line item"),
        etag=_str(raw, "etag"),
        bill_id=bill_id,
        kind=_enum(raw, "line item", "kind", LineKind, LineKind.SERVICE),
        description=_str(raw, "description"),
        quantity=_exact(raw, "line item", "quantity", "1"),
        price=_exact(raw, "line item", "price"),
        total=_money(raw, "line item", "total", required=True),
        date=_date(raw, "line item", "date"),
        matter_id=_ref_id(raw, "matter"),
        discount=_discount(raw, "line item"),
    )


def to_invoice(raw: Raw, lines: Iterable[InvoiceLine] = ()) -> Invoice:
    """A bill; ``lines`` (already normalized) are attached when the caller has them."""
    client_id = _ref_id(raw, "client")
    if client_id is None:
        raise _fail(raw, "bill", "client", "no client")
    matters = raw.get("matters") or []
    matter_ids = tuple(int(m["id"]) if isinstance(m, Mapping) else int(m) for m in matters)
    issued = _date(raw, "bill", "issued_at", required=True)
    assert issued is not None
    return Invoice(
        id=_id(raw, "bill"),
        etag=_str(raw, "etag"),
        number=str(_req(raw, "bill", "number")),
        state=_enum(raw, "bill", "state", BillState),
        client_id=client_id,
        matter_ids=matter_ids,
        issued_at=issued,
        due_at=_date(raw, "bill", "due_at"),
        total=_money(raw, "bill", "total", required=True),
        paid=_money(raw, "bill", "paid"),
        balance=_money(raw, "bill", "balance"),
        updated_at=_str(raw, "updated_at"),
        lines=tuple(sorted(lines, key=lambda ln: ln.id)),
        kind=_str(raw, "kind"),
    )


def to_allocation(raw: Raw) -> Allocation:
    bill_id = _ref_id(raw, "bill")
    parent_id = _ref_id(raw, "parent")
    if bill_id is None:
        raise _fail(raw, "allocation", "bill", "no bill")
    if parent_id is None:
        raise _fail(raw, "allocation", "parent", "no parent payment")
    parent_type = _enum(raw.get("parent") or {}, "allocation", "type", AllocationParent,
                        AllocationParent.PAYMENT)
    date = _date(raw, "allocation", "date", required=True)
    assert date is not None
    voided = raw.get("voided_at")
    return Allocation(
        id=_id(raw, "allocation"),
        etag=_str(raw, "etag"),
        amount=_money(raw, "allocation", "amount", required=True),
        date=date,
        bill_id=bill_id,
        parent_id=parent_id,
        parent_type=parent_type,
        source_bank_account_id=_ref_id(raw, "source_bank_account"),
        source_is_trust=_ref_type(raw, "source_bank_account").lower() == "trust",
        destination_bank_account_id=_ref_id(raw, "destination_bank_account"),
        matter_id=_ref_id(raw, "matter"),
        contact_id=_ref_id(raw, "contact"),
        # Clio's Allocation has no status field: a voided one carries voided_at (status is only a filter).
        status="valid" if voided in (None, "") else "invalid",
        voided_at=None if voided in (None, "") else str(voided),
        updated_at=_str(raw, "updated_at"),
    )


def to_bank_account(raw: Raw) -> BankAccount:
    currency = raw.get("currency")
    if isinstance(currency, Mapping):  # newer versions nest it as {id, code, sign}
        currency = currency.get("code")
    return BankAccount(
        id=_id(raw, "bank account"),
        etag=_str(raw, "etag"),
        name=str(_req(raw, "bank account", "name")),
        type=_enum(raw, "bank account", "type", BankAccountType),
        currency=str(currency or "USD"),
        balance=_money(raw, "bank account", "balance"),
        account_number=_str(raw, "account_number"),
        default_account=bool(raw.get("default_account") or False),
    )


def to_trust_txn(raw: Raw) -> TrustTxn:
    account_id = _ref_id(raw, "bank_account")
    if account_id is None:
        raise _fail(raw, "bank transaction", "bank_account", "no bank account")
    date = _date(raw, "bank transaction", "date", required=True)
    assert date is not None
    return TrustTxn(
        id=_id(raw, "bank transaction"),
        etag=_str(raw, "etag"),
        bank_account_id=account_id,
        date=date,
        funds_in=_money(raw, "bank transaction", "funds_in"),
        funds_out=_money(raw, "bank transaction", "funds_out"),
        description=_str(raw, "description"),
        confirmation=_str(raw, "confirmation"),
        transaction_type=_str(raw, "transaction_type") or _str(raw, "source"),
        client_id=_ref_id(raw, "client"),
        matter_id=_ref_id(raw, "matter"),
        bill_id=_ref_id(raw, "bill"),
        allocation_id=_ref_id(raw, "allocation"),
        updated_at=_str(raw, "updated_at"),
    )


def is_trust_account(raw: Raw) -> bool:
    """True when a raw bank transaction's (or bank account's) account is a trust account."""
    ref = raw.get("bank_account")
    kind = ref.get("type") if isinstance(ref, Mapping) else raw.get("type")
    return str(kind or "").lower() == "trust"
