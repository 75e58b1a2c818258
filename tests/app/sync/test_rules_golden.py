"""Each posting rule, golden: a Clio record in, the QuickBooks body and the double-entry view out.

The expected output of every case is a JSON file under tests/data/golden/rules/. A change to a rule shows up
as a diff of that file; after checking the diff is intended, rewrite the files with
``LEDGERBRIDGE_REGEN_GOLDEN=1 bash tests/run.sh tests/app/sync/test_rules_golden.py`` and commit them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.mapping import Mapping, TrustAccountMap
from app.model import (
    Allocation,
    AllocationParent,
    BillState,
    Client,
    ContactType,
    Invoice,
    InvoiceLine,
    LineKind,
    Matter,
    Posting,
    PostingType,
    TrustTxn,
)
from app.sync import rules
from app.sync.clio_books import CreditMemo

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "rules"
D = Decimal

TRUST = TrustAccountMap(clio_account_id=900, bank="35", liability="36", name="IOLTA")
MAPPING = Mapping(operating_bank="40", deposit_account="4", accounts_receivable="84", fees_item="1",
                  expense_item="2", fees_income_account="79", expense_income_account="80",
                  trust_accounts=(TRUST,), operating_accounts=((901, "41"),), discount_account="86")
ALICE = Client(1, "e1", "Alice Chen", first_name="Alice: A.", last_name="Chen", email="alice@example.com")
ACME = Client(2, "e2", "Acme LLC", type=ContactType.COMPANY)
MATTERS = {10: Matter(10, "e10", 1, "00010-Chen", "Estate"), 11: Matter(11, "e11", 1, "00011-Chen", "Lease")}


def _line(n: int, kind: LineKind, qty: str, price: str, total: str, discount: str = "0") -> InvoiceLine:
    return InvoiceLine(n, f"l{n}", 500, kind, f"Line {n}", D(qty), D(price), D(total), dt.date(2026, 10, 2),
                       10, D(discount))


def _bill(total: str, *lines: InvoiceLine, matters: tuple[int, ...] = (10,), bill_id: int = 500) -> Invoice:
    return Invoice(bill_id, "b", f"INV-{bill_id}", BillState.AWAITING_PAYMENT, 1, matters, dt.date(2026, 10, 3),
                   dt.date(2026, 11, 2), D(total), lines=lines)


def _alloc(n: int, amount: str, bill: int = 500, *, trust: bool = False, matter: int | None = 10) -> Allocation:
    return Allocation(n, f"a{n}", D(amount), dt.date(2026, 10, 20 + n % 5), bill, 700, AllocationParent.PAYMENT,
                      source_bank_account_id=900 if trust else None, source_is_trust=trust,
                      destination_bank_account_id=None if trust else 901, matter_id=matter, contact_id=1)


def _trust(n: int, funds_in: str, funds_out: str, **kw: Any) -> TrustTxn:
    return TrustTxn(n, f"t{n}", 900, dt.date(2026, 10, 5), D(funds_in), D(funds_out), **kw)


INVOICE = _bill("1114.98",  # 50 off line 2 and 100 off the whole bill
                _line(1, LineKind.SERVICE, "2.5", "300", "750.00"),
                _line(2, LineKind.SERVICE, "1", "400", "350.00", discount="50"),  # a line discount
                _line(3, LineKind.SERVICE, "0.3", "333.33", "99.98"),  # adjusted in Clio: kept as its total
                _line(4, LineKind.EXPENSE, "1", "15", "15.00"))
DISCOUNTED = _bill("900.00", _line(1, LineKind.SERVICE, "4", "250", "1000.00"), matters=(10, 11), bill_id=501)
INVOICES = {500: INVOICE, 501: DISCOUNTED}

CASES: dict[str, Callable[[], Any]] = {
    "customer_person": lambda: rules.customer_body(ALICE, "Chen, Alice"),
    "customer_company": lambda: rules.customer_body(ACME, "Acme LLC"),
    "job": lambda: rules.job_body(MATTERS[10], "Chen, Alice:00010-Chen"),
    "invoice_lines_discount_rounding_expense": lambda: rules.invoice_body(INVOICE, MAPPING),
    "invoice_two_matters_whole_bill_discount": lambda: rules.invoice_body(DISCOUNTED, MAPPING, doc_numbers=False),
    "invoice_practice_area_item": lambda: rules.invoice_body(
        INVOICE, dataclasses.replace(MAPPING, practice_area_items=(("Estates", "7"),)), practice_area="Estates"),
    "payment_two_bills": lambda: rules.payment_body(
        700, [_alloc(1, "600.00"), _alloc(2, "400.00", bill=501, matter=11)], INVOICES, MAPPING),
    "trust_deposit": lambda: rules.trust_txn_body(
        _trust(30, "2500.00", "0", description="Retainer", confirmation="CHK 1042"), TRUST, rules.job_key(10)),
    "trust_disbursement": lambda: rules.trust_txn_body(
        _trust(31, "0", "480.25", transaction_type="Disbursement"), TRUST, rules.job_key(10)),
    "trust_paid_invoice": lambda: rules.trust_transfer_body(
        700, [_alloc(3, "1114.98", trust=True)], INVOICES, MATTERS, {900: TRUST}),
    "credit_memo": lambda: rules.credit_memo_body(
        CreditMemo(40, "c40", D("75.00"), dt.date(2026, 10, 9), 1, "Courtesy credit"), MAPPING, rules.job_key(10)),
    "credit_applied": lambda: rules.credit_apply_body(40, [_alloc(4, "75.00")], INVOICES, rules.job_key(10)),
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _balances(posting: Posting) -> None:
    debit = sum((ln.amount for ln in posting.lines if ln.posting is PostingType.DEBIT), D(0))
    credit = sum((ln.amount for ln in posting.lines if ln.posting is PostingType.CREDIT), D(0))
    assert debit == credit, f"{posting.clio_kind} {posting.clio_id}: debits {debit} != credits {credit}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_output_matches_its_golden_file(case: str) -> None:
    out = CASES[case]()
    if isinstance(out, tuple):
        body, posting = out
        _balances(posting)
        got = {"body": _plain(body), "posting": _plain(posting)}
    else:
        got = {"body": _plain(out)}
    path = GOLDEN / f"{case}.json"
    text = json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("LEDGERBRIDGE_REGEN_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with LEDGERBRIDGE_REGEN_GOLDEN=1 and review it"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


def test_every_golden_file_has_its_case() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(CASES)


def test_a_bill_whose_lines_add_up_to_less_is_refused() -> None:
    short = _bill("2000.00", _line(1, LineKind.SERVICE, "1", "100", "100.00"))
    with pytest.raises(rules.RuleError) as refused:
        rules.invoice_body(short, MAPPING)
    assert refused.value.code == "amounts_mismatch"
    with pytest.raises(rules.RuleError) as missing:
        rules.invoice_body(_bill("10.00"), MAPPING)
    assert missing.value.code == "lines_missing"
