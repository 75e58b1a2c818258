"""The demo firm's trust history and its bank statement (OFX and CSV) reconcile to the cent, and each
planted problem is reported."""

from decimal import Decimal

import pytest

from app.bank import import_statement
from app.reconcile import Severity, reconcile
from app.sandbox import demo_firm

from .firm import put


@pytest.fixture(scope="module")
def firm():
    return demo_firm.generate_firm("small", seed=7)


def load(store, firm):
    for kind in ("bank_accounts", "contacts", "matters", "bank_transactions"):
        put(store, kind, getattr(firm, kind))


@pytest.mark.parametrize("form", ["ofx", "csv"])
def test_demo_statement_reconciles_and_reports_the_planted_items(store, tmp_path, firm, form):
    load(store, firm)
    path = tmp_path / f"statement.{form}"
    if form == "ofx":
        path.write_text(firm.statement_ofx, encoding="utf-8", newline="")  # labelled CHARSET:1252, as banks do
        result = import_statement(store, path, firm.trust_account_name)
    else:
        path.write_text(firm.statement_csv, encoding="utf-8", newline="")
        result = import_statement(store, path, firm.trust_account_name, firm.statement_csv_mapping)
    assert result.added > 0
    rec = reconcile(store, firm.trust_account_name, firm.period)
    p = firm.planted

    assert rec.tied, [f.message for f in rec.findings]
    assert rec.unexplained_bank_difference == Decimal("0.00")
    assert rec.journal_balance == p["journal_balance"]
    assert rec.client_ledger_total == p["client_ledger_sum"]
    assert rec.statement_balance == p["ending_balance"]
    assert rec.adjusted_bank_balance == p["adjusted_bank_balance"]
    assert rec.deposits_in_transit_total == p["deposits_in_transit_total"]
    assert rec.outstanding_checks_total == p["outstanding_checks_total"]
    assert rec.bank_only_total == p["bank_only_total"]

    by_code = {}
    for f in rec.findings:
        by_code.setdefault(f.code, []).append(f)
    assert [f.amount for f in by_code["bank_charge"]] == [p["bank_fee"]["amount"]]
    assert [f.amount for f in by_code["unidentified_deposit"]] == [p["unidentified_deposit"]["amount"]]
    assert [f.amount for f in by_code["interest"]] == [p["interest"]["amount"]]
    stale = by_code["stale_check"]
    assert [f.txn_ids for f in stale] == [(p["stale_check"]["bank_transaction_id"],)]
    assert f"{p['stale_check']['age_days']} days" in stale[0].message
    negative = by_code["negative_ledger"]
    assert [f.amount for f in negative] == [p["negative_ledger"]["balance"]]
    assert all(f.severity is Severity.ALERT for f in stale + negative + by_code["bank_charge"])
    outstanding_ids = {i.txn.id for i in rec.outstanding_checks}
    assert outstanding_ids == {p["stale_check"]["bank_transaction_id"], p["outstanding_check"]["bank_transaction_id"]}
    assert {i.txn.id for i in rec.deposits_in_transit} == {p["deposit_in_transit"]["bank_transaction_id"]}
    assert not rec.ambiguities
