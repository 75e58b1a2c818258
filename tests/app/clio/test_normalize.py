"""Raw Clio JSON → app.model records: Decimal amounts, ISO dates, references, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.clio import fields, normalize
from app.clio.errors import ClioDataError
from app.errors import LedgerbridgeError
from app.model import AllocationParent, BankAccountType, BillState, ContactType, LineKind
from app.money import cents, loads_json


def test_contact_with_email() -> None:
    c = normalize.to_client({"id": 7, "etag": "e1", "name": "Ada Lovelace", "first_name": "Ada",
                             "last_name": "Lovelace", "type": "Person",
                             "primary_email_address": "ada@example.com", "updated_at": "2026-01-02T03:04:05Z"})
    assert (c.id, c.name, c.type, c.email) == (7, "Ada Lovelace", ContactType.PERSON, "ada@example.com")
    company = normalize.to_client({"id": "8", "name": "Acme LLC", "type": "Company",
                                   "primary_email_address": {"address": "a@acme.test"}})
    assert company.id == 8 and company.type is ContactType.COMPANY and company.email == "a@acme.test"


def test_matter_needs_a_client() -> None:
    m = normalize.to_matter({"id": 3, "etag": "x", "display_number": "00003-Lovelace", "status": "Open",
                             "client": {"id": 7, "name": "Ada"}})
    assert (m.client_id, m.display_number) == (7, "00003-Lovelace")
    with pytest.raises(ClioDataError, match="matter 4"):
        normalize.to_matter({"id": 4, "display_number": "x", "client": None})


def test_bill_amounts_are_decimal_from_json_text() -> None:
    raw = loads_json('{"id": 11, "etag": "b", "number": "1042", "state": "awaiting_payment", '
                     '"issued_at": "2026-03-01", "due_at": "2026-03-31T00:00:00-05:00", "total": 1234.565, '
                     '"paid": "100", "balance": 1134, "client": {"id": 7}, "matters": [{"id": 3}, {"id": 5}]}')
    inv = normalize.to_invoice(raw)
    assert inv.state is BillState.AWAITING_PAYMENT and inv.is_receivable
    assert inv.total == Decimal("1234.57")  # cents, half up, at the edge
    assert inv.paid == Decimal("100.00") and inv.balance == Decimal("1134.00")
    assert inv.issued_at == dt.date(2026, 3, 1) and inv.due_at == dt.date(2026, 3, 31)
    assert inv.matter_ids == (3, 5) and inv.client_id == 7
    assert all(type(v) is Decimal for v in (inv.total, inv.paid, inv.balance))


def test_float_amount_is_refused() -> None:
    with pytest.raises(LedgerbridgeError, match="total"):
        normalize.to_invoice({"id": 1, "number": "1", "state": "paid", "issued_at": "2026-01-01",
                              "total": 10.5, "client": {"id": 1}})


def test_line_items_attach_sorted() -> None:
    lines = [
        normalize.to_invoice_line({"id": i, "etag": "l", "bill": {"id": 11}, "kind": kind,
                                   "description": "Work", "quantity": Decimal("1.25"), "price": "200",
                                   "total": "250.00", "discount": None, "date": "2026-02-27",
                                   "matter": {"id": 3}})
        for i, kind in ((9, "Expense"), (2, "Service"))
    ]
    assert lines[0].kind is LineKind.EXPENSE and lines[0].quantity == Decimal("1.25")
    assert lines[0].discount == Decimal("0.00") and lines[0].matter_id == 3
    inv = normalize.to_invoice({"id": 11, "number": "7", "state": "paid", "issued_at": "2026-03-01",
                                "total": "500", "client": {"id": 1}}, lines)
    assert [ln.id for ln in inv.lines] == [2, 9]


def test_percentage_discount() -> None:
    ln = normalize.to_invoice_line({"id": 1, "bill": {"id": 2}, "quantity": "2", "price": "100",
                                    "total": "180", "discount": {"rate": "10", "type": "percentage"}})
    assert ln.discount == Decimal("20.00")


def test_allocation_from_trust() -> None:
    a = normalize.to_allocation({"id": 5, "etag": "a", "amount": "300.00", "date": "2026-03-05",
                                 "voided_at": None, "bill": {"id": 11},
                                 "parent": {"id": 900, "type": "Payment"},
                                 "source_bank_account": {"id": 2, "type": "Trust"},
                                 "destination_bank_account": {"id": 1, "type": "Operating"},
                                 "matter": {"id": 3}, "contact": {"id": 7}})
    assert a.source_is_trust and a.parent_type is AllocationParent.PAYMENT
    assert (a.amount, a.bill_id, a.parent_id, a.destination_bank_account_id) == (Decimal("300.00"), 11, 900, 1)
    op = normalize.to_allocation({"id": 6, "amount": 1, "date": "2026-03-05", "bill": {"id": 11},
                                  "parent": {"id": 901, "type": "CreditMemo"},
                                  "source_bank_account": {"id": 1, "type": "Operating"}})
    assert not op.source_is_trust and op.parent_type is AllocationParent.CREDIT_MEMO
    with pytest.raises(ClioDataError, match="parent"):
        normalize.to_allocation({"id": 7, "amount": 1, "date": "2026-03-05", "bill": {"id": 11}})


def test_an_allocation_is_void_by_its_voided_at_clio_sends_no_status() -> None:
    raw = {"id": 8, "amount": "10.00", "date": "2026-03-05", "bill": {"id": 11}, "parent": {"id": 9, "type": "Payment"}}
    assert normalize.to_allocation(raw).status == "valid"
    voided = normalize.to_allocation({**raw, "voided_at": "2026-03-06T10:00:00+00:00"})
    assert voided.status == "invalid" and voided.voided_at == "2026-03-06T10:00:00+00:00"


def test_a_trust_request_bill_is_not_a_receivable() -> None:
    raw = {"id": 12, "number": "1043", "state": "awaiting_payment", "issued_at": "2026-03-01", "total": "500",
           "client": {"id": 7}, "matters": [{"id": 3}]}
    assert normalize.to_invoice({**raw, "kind": "revenue_kind"}).is_receivable
    trust = normalize.to_invoice({**raw, "kind": "trust_kind"})
    assert trust.is_trust_request and not trust.is_receivable


def test_bank_account_and_trust_txn() -> None:
    acct = normalize.to_bank_account({"id": 2, "etag": "b", "name": "IOLTA", "type": "Trust",
                                      "currency": {"code": "CAD"}, "balance": "1000.10",
                                      "default_account": True})
    assert acct.type is BankAccountType.TRUST and acct.currency == "CAD" and acct.balance == Decimal("1000.10")
    t = normalize.to_trust_txn({"id": 40, "date": "2026-03-02", "funds_in": "0", "funds_out": "75.50",
                                "bank_account": {"id": 2, "type": "Trust"}, "confirmation": "1001",
                                "transaction_type": "Check", "client": {"id": 7}, "matter": None})
    assert t.amount == Decimal("-75.50") and t.client_id == 7 and t.matter_id is None
    assert normalize.is_trust_account({"bank_account": {"id": 2, "type": "Trust"}})
    with pytest.raises(ClioDataError, match="date"):
        normalize.to_trust_txn({"id": 41, "date": "03/02/2026", "bank_account": {"id": 2}})


def test_fields_cover_what_normalize_reads() -> None:
    assert "primary_email_address" in fields.CONTACTS and "client{id,name}" in fields.MATTERS
    assert "bill{id}" in fields.ALLOCATIONS and "parent{id,type}" in fields.ALLOCATIONS
    assert "source_bank_account{id,type}" in fields.ALLOCATIONS
    from app.sync.clio_books import STREAMS

    assert set(STREAMS) <= set(fields.FIELDS)  # the sync reads only endpoints whose fields are listed
    for name, text in fields.FIELDS.items():
        assert text.startswith("id,etag"), name
        assert text.count("{") == text.count("}"), name

_cents = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=3,
                     allow_nan=False, allow_infinity=False)


@given(value=_cents, form=st.sampled_from(["decimal", "str", "json"]))
def test_amounts_are_exact_cents_whatever_the_form(value: Decimal, form: str) -> None:
    raw_total: object = {"decimal": value, "str": str(value)}.get(form)
    if form == "json":
        raw_total = loads_json(f'{{"t": {value}}}')["t"]
    inv = normalize.to_invoice({"id": 1, "number": "1", "state": "paid", "issued_at": "2026-01-01",
                                "total": raw_total, "client": {"id": 1}})
    assert inv.total == cents(value) and inv.total.as_tuple().exponent == -2
