"""For generated Smokeball histories (a demo firm, then bills, payments from trust and from the client, reversals
and deposits between syncs): once the queue holds nothing a person can settle, every invoice's QuickBooks balance
is Smokeball's ``unpaid``, and trust ties to Smokeball's per-matter balances."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.money import ZERO, cents
from app.sandbox.runner import Sandbox
from app.sandbox.smokeball import activity
from app.store import exceptions as exq

from .conftest import SmokeballRig, make_smokeball_rig
from .test_sync_e2e import choose_as_the_firm_knows


def _history_step(rig: SmokeballRig, rng: random.Random, day: dt.date) -> None:
    state = rig.sb.smokeball
    assert state is not None and rig.sb.smokeball_truth is not None
    matter = rng.choice(sorted(state.matters))
    trust = activity.account_of(state, "Trust")
    held = next((b["balance"] for b in state.bank_accounts[trust]["matterBalances"] if b["matter"]["id"] == matter),
                ZERO)
    move = rng.choice(["bill", "pay", "pay", "reverse", "deposit"])
    open_invoices = [i for i in state.invoices.get(matter, []) if i["invoiceTotals"]["unpaid"] > ZERO]
    if move == "bill" or (move == "pay" and not open_invoices):
        activity.bill(state, matter, day, cents(Decimal(rng.randint(100, 900))))
    elif move == "pay":
        inv = rng.choice(open_invoices)
        amount = min(inv["invoiceTotals"]["unpaid"], cents(Decimal(rng.randint(50, 700))))
        txn = activity.pay(state, inv, amount, day, from_trust=held >= amount and rng.random() < 0.5)
        rig.sb.smokeball_truth.paid_by[txn["id"]] = inv["id"]
    elif move == "reverse":
        paid = [(t, inv) for t_id, inv_id in rig.sb.smokeball_truth.paid_by.items()
                for inv in state.invoices.get(matter, []) if inv["id"] == inv_id
                for t in [_txn(state, t_id)] if t and not t.get("reversed")]
        if paid:
            t, inv = rng.choice(paid)
            activity.reverse(state, t["id"], day, inv)
    else:
        activity.add_txn(state, trust, matter, "Deposit", cents(Decimal(rng.randint(100, 2000))), day)


def _txn(state, txn_id: str):
    return next((t for rows in state.transactions.values() for t in rows if t["id"] == txn_id), None)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), steps=st.integers(3, 12))
def test_once_the_queue_is_settled_quickbooks_owes_what_smokeball_says(tmp_path_factory, seed: int,
                                                                          steps: int) -> None:
    path = Path(tmp_path_factory.mktemp("sb")) / "firm.sqlite3"
    with Sandbox("small", seed=seed, source="smokeball", clio_rate_limit=0, qbo_limits=False) as sb:
        rig = make_smokeball_rig(sb, path)
        try:
            rig.map_defaults()
            rig.engine.run()
            rng = random.Random(seed)
            day = dt.date(2026, 11, 10)
            for _ in range(steps):
                _history_step(rig, rng, day)
                day += dt.timedelta(days=1)
                if rng.random() < 0.4:
                    rig.engine.run()
            for _ in range(3):  # a person settles what waits for a choice; the sync posts it
                rig.engine.run()
                if not choose_as_the_firm_knows(rig):
                    break
            waiting = {i.reason_code for i in exq.list_items(rig.store, status="open")}
            assert waiting <= {"trust_account_charge"}
            assert rig.qbo_balances() == rig.smokeball_unpaid()
            run = rig.engine.run()
            assert all(t.ties for t in run.trust) and run.writes == 0, run.lines()
        finally:
            rig.source.close()
            rig.qbo.close()
            rig.store.close()
