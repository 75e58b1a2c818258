"""The independent leg: QuickBooks' own trust liability per client matter, as of the period's last day, read
from the QuickBooks emulator over HTTP after a real sync."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.mapping import load_mapping
from app.reconcile import reconcile
from app.reconcile.qbo_leg import leg_for_account
from app.sandbox.runner import Sandbox
from app.store import links
from tests.app.sync.conftest import make_rig
from tests.app.sync.test_e2e import resolve_near_match

D = Decimal


def test_a_difference_planted_in_quickbooks_alone_is_found_as_of_month_end(tmp_path):
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        rig = make_rig(sb, tmp_path / "firm.sqlite3")
        try:
            rig.map_defaults()
            rig.engine.run()
            resolve_near_match(rig)
            assert rig.engine.run().ok
            account, period = sb.firm.trust_account_name, sb.firm.period
            trust = next(t for t in load_mapping(rig.store).trust_accounts if t.name == account)
            before = leg_for_account(rig.store, rig.qbo, account, period)
            assert before is not None
            clean = reconcile(rig.store, account, period, qbo_liability=before.liability,
                              qbo_ledgers=before.per_matter)
            assert before.liability == clean.client_ledger_total
            assert not [f for f in clean.findings if f.code == "qbo_client_difference"]

            # In QuickBooks only: $100 of one matter's trust moved to another's line in October, and a deposit
            # for a third dated after October (which must not change October's figures).
            matters = [lk for k, lk in links.all_links(rig.store).items() if k[0] == "matters"]
            a, b, c = (m.qbo_id for m in matters[:3])

            def line(amount: str, side: str, account_id: str, customer: str | None) -> dict:
                detail = {"PostingType": side, "AccountRef": {"value": account_id}}
                if customer:
                    detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": customer}}
                return {"Amount": D(amount), "DetailType": "JournalEntryLineDetail",
                        "JournalEntryLineDetail": detail}

            rig.qbo.create("JournalEntry", {"TxnDate": "2026-10-15", "Line": [
                line("100.00", "Debit", trust.liability, a), line("100.00", "Credit", trust.liability, b)]},
                "planted-move")
            rig.qbo.create("Deposit", {"TxnDate": "2026-12-02", "DepositToAccountRef": {"value": trust.bank},
                                       "Line": [{"Amount": D("2500.00"), "DetailType": "DepositLineDetail",
                                                 "DepositLineDetail": {"AccountRef": {"value": trust.liability},
                                                                       "Entity": {"value": c, "type": "Customer"}}}]},
                           "planted-december")

            leg = leg_for_account(rig.store, rig.qbo, account, period)
            assert leg is not None and leg.as_of == dt.date(2026, 10, 31)
            assert leg.liability == before.liability  # the December deposit is not October's
            rec = reconcile(rig.store, account, period, qbo_liability=leg.liability, qbo_ledgers=leg.per_matter)
            found = {f.amount for f in rec.findings if f.code == "qbo_client_difference"}
            assert found == {D("-100.00"), D("100.00")}, [f.message for f in rec.findings]
            matter_of = {m.qbo_id: m.clio_id for m in matters}
            assert leg.per_matter[matter_of[b]] - before.per_matter.get(matter_of[b], D(0)) == D("100.00")
            assert leg.per_matter.get(matter_of[c]) == before.per_matter.get(matter_of[c])
            # the whole account today does include December: the month-end figure is what the report uses
            assert rig.sb.qbo.account_balance(trust.liability) == before.liability + D("2500.00")
        finally:
            rig.clio.close()
            rig.qbo.close()
            rig.store.close()
