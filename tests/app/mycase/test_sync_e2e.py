"""A MyCase firm synced end to end over HTTP: billing from MyCase's API, trust from its imported ledger, the
reconciliation refusing a month the ledger does not reach."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from app.connections import build_clients
from app.money import cents
from app.mycase.source import MyCaseSource
from app.reconcile import reconcile
from app.sandbox.mycase.demo_firm import TRUST_ACCOUNT
from app.sandbox.runner import Sandbox
from app.sources import set_firm_source
from app.store import audit, links, open_store
from app.store import exceptions as exq
from app.sync.engine import SyncEngine
from app.trustledger import TrustLedgerMapping, import_trust_ledger
from tests.app.sync.conftest import map_defaults

MAPPING = TrustLedgerMapping(amount_column="Amount", reference_column="Reference")


@pytest.fixture
def mc(tmp_path: Path):
    with Sandbox("small", source="mycase", clio_rate_limit=0, qbo_limits=False) as sb:
        store = open_store(tmp_path / "firm.sqlite3")
        set_firm_source(store, "mycase")
        source, qbo = build_clients(store, "test", sandbox=sb)
        assert isinstance(source, MyCaseSource)
        yield sb, store, source, qbo, SyncEngine(store, source, qbo, workers=4), tmp_path
        source.close()
        qbo.close()
        store.close()


def _ledger(sb, tmp: Path, through: dt.date) -> Path:
    path = tmp / f"ledger-{through}.csv"
    path.write_text(sb.mycase_firm.ledger_csv(until=through))
    return path


def _balances(store, qbo) -> dict[str, Decimal]:
    invoices = {i["Id"]: i for i in qbo.query_all("Invoice")}
    numbers = {r["id"]: r["source_id"] for r in store.query("SELECT * FROM source_ids WHERE kind = 'bills'")}
    return {numbers[k[1]]: cents(invoices[ln.qbo_id]["Balance"]) for k, ln in links.all_links(store).items()
            if k[0] == "bills" and ln.state == "posted"}


def test_mycase_firm_end_to_end(mc):
    sb, store, source, qbo, engine, tmp = mc
    import_trust_ledger(store, _ledger(sb, tmp, dt.date(2026, 9, 30)), TRUST_ACCOUNT, MAPPING,
                        through=dt.date(2026, 9, 30))
    map_defaults(engine, store)
    first = engine.run()
    held = Counter(i.reason_code for i in exq.list_items(store))
    assert held == {"lines_mismatch": 1}, first.lines()
    item = exq.list_items(store)[0]
    assert sb.mycase_firm.planted["lines_mismatch"] in item.message
    assert "totals $" in item.message and "add up to $" in item.message  # both figures
    # every invoice but the held one posted (those without online payments too), owing what MyCase says
    invoices = {str(i["id"]): i for i in sb.mycase.records["invoices"]}
    expected = {k: cents(i["total_amount"] - i["paid_amount"]) for k, i in invoices.items()
                if i["invoice_number"] != sb.mycase_firm.planted["lines_mismatch"]}
    assert _balances(store, qbo) == expected
    # the declined card was never posted
    failed = next(p for p in sb.mycase.records["invoice_payments"] if p["status"] == "failure")
    assert not [k for k in links.all_links(store) if k[0] == "payments" and str(k[1]) == str(failed["id"])]
    assert all(t.ties for t in first.trust) and "in MyCase and QuickBooks" in first.trust[0].sentence()
    assert audit.verify(store).ok
    quiet = engine.run()
    assert quiet.writes == 0 and quiet.requests_clio == 7, quiet.lines()  # 7 lists, payments read whole


def test_changes_in_mycase_reach_quickbooks(mc):
    sb, store, source, qbo, engine, tmp = mc
    import_trust_ledger(store, _ledger(sb, tmp, dt.date(2026, 9, 30)), TRUST_ACCOUNT, MAPPING)
    map_defaults(engine, store)
    engine.run()
    recs = sb.mycase.records
    # the write-down is corrected in MyCase (the invoice's total now matches its entries): it posts, resolved
    short = next(i for i in recs["invoices"] if i["invoice_number"] == sb.mycase_firm.planted["lines_mismatch"])
    short["total_amount"] += Decimal("50.00")
    sb.mycase.touch(short)
    # a posted payment bounces: MyCase marks it failed; its QuickBooks payment is voided
    bounced = next(p for p in recs["invoice_payments"] if p["status"] == "success")
    bounced["status"] = "failure"
    sb.mycase.touch(bounced)
    invoice = next(i for i in recs["invoices"] if i["id"] == bounced["invoice"]["id"])
    invoice["paid_amount"] -= bounced["amount"]
    sb.mycase.touch(invoice)
    # a new entry goes on an open invoice and its total rises with it
    target = next(i for i in recs["invoices"] if i["paid_amount"] == 0 and i is not short)
    recs["time_entries"].append({"id": 999, "activity_name": "Hearing", "description": "Hearing", "billable": True,
                                 "entry_date": "2026-10-01", "rate": "300", "hours": Decimal("1.5"),
                                 "case": target["case"], "invoices": [{"id": target["id"]}]})
    sb.mycase.touch(recs["time_entries"][-1])
    target["total_amount"] += Decimal("450.00")
    sb.mycase.touch(target)
    run = engine.run()
    assert exq.open_count(store) == 0, run.lines()
    balances = _balances(store, qbo)
    assert balances[str(short["id"])] == cents(short["total_amount"] - short["paid_amount"])
    assert balances[str(invoice["id"])] == cents(invoice["total_amount"] - invoice["paid_amount"])
    assert balances[str(target["id"])] == cents(target["total_amount"])


def test_the_reconciliation_refuses_a_month_the_ledger_does_not_reach(mc):
    sb, store, source, qbo, engine, tmp = mc
    import_trust_ledger(store, _ledger(sb, tmp, dt.date(2026, 9, 15)), TRUST_ACCOUNT, MAPPING,
                        through=dt.date(2026, 9, 15))
    map_defaults(engine, store)
    engine.run()
    rec = reconcile(store, TRUST_ACCOUNT, "2026-09")
    assert not rec.tied and "reaches only 2026-09-15" in rec.journal_gap
    assert any(f.code == "trust_ledger_missing" for f in rec.findings)
    import_trust_ledger(store, _ledger(sb, tmp, dt.date(2026, 9, 30)), TRUST_ACCOUNT, MAPPING,
                        through=dt.date(2026, 9, 30))
    engine.run()
    assert reconcile(store, TRUST_ACCOUNT, "2026-09").journal_gap == ""
